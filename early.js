// Runs before the page's body is read (a classic script in <head>, so the
// Content-Security-Policy needs no inline script). The body starts with the
// built-in speech prerendered at build time (core/src/prerender.rs); until
// the app takes it over:
// - if this browser had another document open, the prerendered text is
//   hidden, so the speech does not flash before that document;
// - if the speech's key-term settings or the user's words were changed
//   here, the prerendered marks are shown plain (they may not be the
//   user's), and if the user tagged it or changed its themes, the
//   prerendered chips wait for the app;
// - the colour scheme the user chose is applied before the first paint;
// - clicks and keys are kept, and replayed on the app's page by
//   window.annotatorReplayEarlyInput(), which the app calls once it is in.
(() => {
  const root = document.documentElement;
  const prefix = 'speech-annotator:v1:';
  try {
    const builtin = root.dataset.builtin;
    // The library and annotations live in IndexedDB, which cannot be read
    // before the first paint: the app keeps what is needed here in a small
    // key ("start"). Data an older version left reads from its own keys.
    const hints = JSON.parse(localStorage.getItem(`${prefix}start`) || 'null');
    const library = JSON.parse(localStorage.getItem(`${prefix}library`) || 'null');
    const current = hints ? hints.current : library && library.current;
    if (typeof current === 'string' && current !== builtin) {
      root.dataset.prerender = 'other';
    }
    // Tags or themes of the user's own on the speech: the prerendered chips
    // (no tags, the built-in names) are not theirs, so they wait for the app.
    if ((hints && hints.builtinTagged) || localStorage.getItem(`${prefix}annotations:${builtin}`) !== null) root.dataset.prerenderTags = 'stale';
    // The colour scheme the user chose, before the first paint.
    const scheme = localStorage.getItem(`${prefix}scheme`);
    if (scheme === 'dark' || scheme === 'light') root.dataset.scheme = scheme;
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
    const el = e.target.closest('[data-theme-toggle],[data-note-toggle],[data-uncoded-toggle],[data-suggestion-accept],[data-suggestion-reject],[data-toc],[data-overview],[data-action],[data-menu] > summary,[data-block]');
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
    if (el.matches('[data-menu] > summary')) return `[data-menu="${CSS.escape(el.parentElement.dataset.menu)}"] > summary`;
    return null;
  };
  addEventListener('click', onClick, true);
  addEventListener('keydown', onKey, true);
  // Replayed one by one, a frame apart, so what one input opens (a note
  // after n) is there for the next (the characters typed into it).
  window.annotatorReplayEarlyInput = async () => {
    removeEventListener('click', onClick, true);
    removeEventListener('keydown', onKey, true);
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
    for (const input of early.splice(0)) {
      if (input.type === 'click') {
        const scope = input.block === null ? document : document.querySelector(`[data-block="${input.block}"]`);
        const target = scope && (input.selector ? scope.querySelector(input.selector) : scope);
        if (target instanceof HTMLElement) target.click();
      } else {
        const target = document.activeElement || document.body;
        const typed = target instanceof HTMLTextAreaElement || (target instanceof HTMLInputElement && /^(text|search)$/.test(target.type));
        if (typed && input.init.key.length === 1 && !input.init.ctrlKey && !input.init.metaKey) {
          // A character typed into a field (a note opened with n): inserted
          // as typing would, so the app hears an input event.
          target.setRangeText(input.init.key, target.selectionStart, target.selectionEnd, 'end');
          target.dispatchEvent(new Event('input', { bubbles: true }));
        } else {
          target.dispatchEvent(new KeyboardEvent('keydown', { ...input.init, bubbles: true, cancelable: true }));
        }
      }
      await frame();
    }
  };
})();
