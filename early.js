// Runs before the page's body is read (a classic script in <head>, so the
// Content-Security-Policy needs no inline script). The body starts with the
// built-in speech prerendered at build time (core/src/prerender.rs); until
// the app takes it over:
// - if this browser had another document open, the prerendered text is
//   hidden, so the speech does not flash before that document;
// - if the speech's key-term settings or the user's words were changed
//   here, the prerendered marks are shown plain (they may not be the
//   user's);
// - clicks and keys are kept, and replayed on the app's page by
//   window.annotatorReplayEarlyInput(), which the app calls once it is in.
(() => {
  const root = document.documentElement;
  const prefix = 'speech-annotator:v1:';
  try {
    const builtin = root.dataset.builtin;
    const library = JSON.parse(localStorage.getItem(`${prefix}library`) || 'null');
    if (library && typeof library.current === 'string' && library.current !== builtin) {
      root.dataset.prerender = 'other';
    }
    const user = JSON.parse(localStorage.getItem(`${prefix}settings`) || 'null');
    if (localStorage.getItem(`${prefix}terms:${builtin}`) !== null || (user && Array.isArray(user.words) && user.words.length)) {
      root.dataset.prerenderTerms = 'stale';
    }
  } catch {
    // Storage that cannot be read is the app's to report.
  }
  const early = [];
  const inPrerender = (e) => e.target instanceof Element && e.target.closest('#prerender');
  const onClick = (e) => {
    if (!inPrerender(e)) return;
    const el = e.target.closest('[data-theme-toggle],[data-note-toggle],[data-uncoded-toggle],[data-suggestion-accept],[data-suggestion-reject],[data-toc],[data-overview],[data-action],[data-block]');
    if (!el) return;
    e.preventDefault();
    const block = el.closest('[data-block]');
    early.push({ type: 'click', block: block ? block.dataset.block : null, selector: selectorOf(el) });
  };
  const onKey = (e) => {
    early.push({ type: 'key', init: { key: e.key, code: e.code, ctrlKey: e.ctrlKey, metaKey: e.metaKey, shiftKey: e.shiftKey, altKey: e.altKey } });
  };
  // The attribute that names what was clicked, found again on the app's page.
  const selectorOf = (el) => {
    for (const name of ['data-theme-toggle', 'data-suggestion-accept', 'data-suggestion-reject', 'data-toc', 'data-overview', 'data-action']) {
      if (el.hasAttribute(name)) return `[${name}="${CSS.escape(el.getAttribute(name))}"]`;
    }
    for (const name of ['data-note-toggle', 'data-uncoded-toggle']) {
      if (el.hasAttribute(name)) return `[${name}]`;
    }
    return null;
  };
  addEventListener('click', onClick, true);
  addEventListener('keydown', onKey, true);
  window.annotatorReplayEarlyInput = () => {
    removeEventListener('click', onClick, true);
    removeEventListener('keydown', onKey, true);
    for (const input of early.splice(0)) {
      if (input.type === 'click') {
        const scope = input.block === null ? document : document.querySelector(`[data-block="${input.block}"]`);
        const target = scope && (input.selector ? scope.querySelector(input.selector) : scope);
        if (target instanceof HTMLElement) target.click();
      } else {
        (document.activeElement || document.body).dispatchEvent(new KeyboardEvent('keydown', { ...input.init, bubbles: true, cancelable: true }));
      }
    }
    return early.length;
  };
})();
