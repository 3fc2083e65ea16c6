// A page that reads like a text: a paragraph's controls show where the user
// is, the others show their tags quietly; a handful of key terms are
// highlighted; notices cover nothing; a narrow window keeps the text and
// puts the panels in a drawer; the colours pass WCAG 2.1 AA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';
import { axeViolations } from './support/axe.mjs';

let server, profile, app, paras;

before(async () => {
  server = await startServer();
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, server.url);
  await app.waitForTerms();
  paras = await app.blockIndexes('paragraph');
});

after(async () => {
  await profile?.close();
  await server?.close();
});

/** The first paragraphs that have suggestions, as block indexes. */
async function suggestedParagraphs() {
  return app.page.$$eval('[data-kind="paragraph"]:not([data-suggested=""])', (els) => els.map((e) => Number(e.dataset.block)));
}

/** What the user sees under a block's text: its visible controls and chips. */
function visibleUnder(index) {
  return app.block(index).evaluate((block) => {
    const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
    const all = (sel) => [...block.querySelectorAll(sel)].filter(shown);
    return {
      toggles: all('[data-theme-toggle]').map((e) => e.dataset.themeToggle),
      accept: all('[data-suggestion-accept]').map((e) => e.dataset.suggestionAccept),
      reject: all('[data-suggestion-reject]').map((e) => e.dataset.suggestionReject),
      other: all('[data-note-toggle], [data-uncoded-toggle]').length,
      tags: all('[data-theme-chip]').map((e) => e.dataset.themeChip),
      suggested: all('[data-theme-suggested]').map((e) => ({ theme: e.dataset.themeSuggested, title: e.title, border: getComputedStyle(e).borderTopStyle })),
      rows: block.querySelectorAll('.suggestion').length,
      underline: all('[data-suggest-match]').map((e) => getComputedStyle(e).textDecorationLine),
    };
  });
}

test('a focused paragraph shows its toggles and suggestions; an unfocused one only its tags, suggestions as dashed chips', async () => {
  const offered = await suggestedParagraphs();
  assert.ok(offered.length >= 2, 'the speech has suggestions');
  const [focused, other] = offered;
  // The other paragraph tagged with the 1 key, then the focus moved on.
  await app.focusBlock(other);
  await app.press('1');
  assert.deepEqual(await app.themesOf(other), ['investment']);
  await app.block(focused).click({ position: { x: 6, y: 3 } });
  await app.page.mouse.move(700, 5);
  assert.equal(await app.focusedBlock(), focused);

  const on = await visibleUnder(focused);
  const themes = (await app.block(focused).getAttribute('data-suggested')).split(' ');
  assert.deepEqual(on.toggles, ['investment', 'trade', 'environment', 'accountability'], 'the focused paragraph has its toggles');
  assert.equal(on.other, 2, 'and the note and not-coded buttons');
  assert.deepEqual(on.accept, themes, 'accept for each suggestion');
  assert.deepEqual(on.reject, themes, 'reject for each suggestion');
  assert.equal(on.rows, 0, 'no row per suggestion');
  for (const t of themes) {
    const chip = app.block(focused).locator(`[data-theme-toggle="${t}"]`);
    assert.match(await chip.getAttribute('class'), /suggested/);
    assert.equal(await chip.evaluate((e) => getComputedStyle(e).borderTopStyle), 'dashed', 'a suggestion is a dashed outline on its chip');
    assert.match(await chip.getAttribute('title'), /建议 · suggested: \S/, 'the matched words on hover');
  }
  assert.ok(on.underline.length > 0 && on.underline.every((d) => d.includes('underline')), 'its matched words underlined');

  const off = await visibleUnder(other);
  assert.deepEqual(off.toggles, [], 'no toggles elsewhere');
  assert.deepEqual(off.accept, []);
  assert.deepEqual(off.reject, []);
  assert.equal(off.other, 0);
  assert.deepEqual(off.tags, ['investment'], 'its tag as a chip');
  const rest = (await app.block(other).getAttribute('data-suggested')).split(' ').filter(Boolean);
  assert.deepEqual(off.suggested.map((s) => s.theme), rest, 'its suggestions as chips');
  for (const s of off.suggested) {
    assert.equal(s.border, 'dashed');
    assert.match(s.title, /建议 · suggested: \S/);
  }
  assert.ok(off.underline.every((d) => d === 'none'), 'matched words plain until the paragraph is focused');
  assert.equal(off.rows, 0);
  // Every other paragraph: no controls at all.
  const controls = await app.page.$$eval('[data-block]', (els) => els.filter((e) => e.querySelector('[data-theme-toggle]')).map((e) => Number(e.dataset.block)));
  assert.deepEqual(controls, [focused]);
  await app.press('Control+z');
  assert.deepEqual(await app.themesOf(other), []);
});

test('the top ten key terms are highlighted; highlighting can be switched off; a term hovered in the list still marks every occurrence', async () => {
  const highlighted = () => app.page.$$eval('mark[data-term]', (ms) => [...new Set(ms
    .filter((m) => getComputedStyle(m).backgroundColor !== 'rgba(0, 0, 0, 0)')
    .map((m) => m.dataset.term))]);
  const ranked = await app.page.$$eval('[data-term-rank]', (li) => li.map((l) => l.dataset.term));
  assert.ok(ranked.length > 10);
  const top = await highlighted();
  assert.ok(top.length > 0 && top.length <= 10, `${top.length} terms highlighted`);
  assert.ok(top.every((t) => ranked.slice(0, 10).includes(t)), `only the top ten: ${top}`);
  // Fewer, then none.
  await app.page.locator('[data-term-highlight-count]').fill('3');
  await app.page.locator('[data-term-highlight-count]').press('Tab');
  await app.page.waitForFunction(() => document.querySelectorAll('mark[data-term]:not(.quiet)').length > 0
    && [...document.querySelectorAll('mark[data-term]:not(.quiet)')].every((m) => Number(m.dataset.termIndex) < 3));
  await app.page.locator('[data-term-highlight]').uncheck();
  await app.page.waitForFunction(() => document.querySelectorAll('mark[data-term]:not(.quiet)').length === 0);
  assert.deepEqual(await highlighted(), []);
  // Hovering a term in the list marks it all the same.
  const term = ranked[12];
  const count = await app.page.locator(`mark[data-term="${term}"]`).count();
  assert.ok(count >= 1);
  await app.page.locator(`[data-term-rank][data-term="${term}"] button.term`).hover();
  await app.page.waitForFunction((t) => document.querySelectorAll(`mark[data-term="${t}"].lit`).length > 0, term);
  assert.equal(await app.page.locator(`mark[data-term="${term}"].lit`).count(), count);
  assert.deepEqual(await highlighted(), [term]);
  await app.page.mouse.move(700, 5);
  // Kept with the term settings: after a reload still off, then back on.
  await app.settle();
  await app.reload();
  await app.waitForTerms();
  assert.equal(await app.page.locator('[data-term-highlight]').isChecked(), false);
  assert.deepEqual(await highlighted(), []);
  await app.page.locator('[data-term-highlight]').check();
  await app.page.locator('[data-term-highlight-count]').fill('10');
  await app.page.locator('[data-term-highlight-count]').press('Tab');
  await app.page.waitForFunction(() => new Set([...document.querySelectorAll('mark[data-term]:not(.quiet)')].map((m) => m.dataset.term)).size > 3);
});

test('an info notice closes itself; an error stays', async () => {
  // An error: a phrase with a space.
  await app.page.locator('[data-term-add]').fill('两个 词');
  await app.page.locator('[data-term-add]').press('Enter');
  const error = app.page.locator('.notice[role="alert"]').filter({ hasText: '1–40' });
  await error.waitFor();
  // Information: a theme unpinned (with an undo), then pinned again.
  await app.page.locator('[data-theme-pin="accountability"]').click();
  const info = app.page.locator('.notice[role="status"]').filter({ hasText: 'unpinned' });
  await info.waitFor();
  await info.waitFor({ state: 'detached', timeout: 20000 });
  assert.ok(await error.isVisible(), 'the error is still there');
  await error.locator('.dismiss').click();
  await error.waitFor({ state: 'detached' });
  await app.page.locator('[data-theme-pin="accountability"]').click();
  await app.page.locator('.notice[role="status"]').filter({ hasText: 'pinned to key' }).waitFor();
});

test('at 800 px the text keeps a readable column and the panels are in a drawer, closed until opened', async () => {
  await app.page.setViewportSize({ width: 800, height: 900 });
  try {
    const column = await app.page.locator('article.document').boundingBox();
    assert.ok(column.width >= 600, `text column ${column.width}px`);
    const para = app.page.locator('[data-kind="paragraph"] p').first();
    const { width, size } = await para.evaluate((p) => ({ width: p.clientWidth, size: parseFloat(getComputedStyle(p).fontSize) }));
    const perLine = width / size;
    assert.ok(perLine >= 30 && perLine <= 42, `${perLine.toFixed(1)} characters a line`);
    const side = app.page.locator('aside.side');
    const button = app.page.locator('[data-action="panels"]');
    assert.equal(await side.isVisible(), false, 'the drawer is closed');
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    await button.click();
    await side.waitFor({ state: 'visible' });
    assert.equal(await button.getAttribute('aria-expanded'), 'true');
    // The panels work in the drawer.
    await app.page.locator('[data-theme-filter="trade"]').waitFor({ state: 'visible' });
    assert.ok(await side.evaluate((e) => e.contains(document.activeElement)), 'the keyboard is in the drawer');
    await app.press('Escape');
    await side.waitFor({ state: 'hidden' });
    assert.equal(await button.getAttribute('aria-expanded'), 'false');
    assert.ok(await button.evaluate((e) => e === document.activeElement), 'and back on the button');
    const overflow = await app.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow of ${overflow}px`);
  } finally {
    await app.page.setViewportSize({ width: 1400, height: 900 });
  }
  assert.equal(await app.page.locator('[data-action="panels"]').isVisible(), false, 'no drawer button on a wide window');
  assert.ok(await app.page.locator('aside.side').isVisible());
});

test('axe-core finds no serious or critical violation, in the light and the dark scheme', async () => {
  // A paragraph tagged, one focused with its toggles and suggestions: every kind of chip is on screen.
  const [focused] = await suggestedParagraphs();
  const tagged = paras.find((p) => p !== focused);
  await app.focusBlock(tagged);
  await app.press('2');
  await app.block(focused).click({ position: { x: 6, y: 3 } });
  await app.page.mouse.move(700, 5);
  for (const scheme of ['light', 'dark']) {
    if ((await app.page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)) !== scheme) {
      await app.page.locator('[data-action="scheme"]').click();
    }
    await app.page.waitForFunction((s) => getComputedStyle(document.documentElement).colorScheme === s, scheme);
    const bad = (await axeViolations(app.page)).filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const report = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.length} elements, e.g. ${v.nodes.slice(0, 3).map((n) => n.target).join(', ')}`);
    assert.deepEqual(report, [], `${scheme} scheme:\n${report.join('\n')}`);
  }
  await app.focusBlock(tagged);
  await app.press('2');
});

test('the storage-full warning is a bar in the page: the Share menu above it still opens and exports', async () => {
  const fresh = await openProfile();
  try {
    const other = await AnnotatorPage.open(fresh.context, server.url);
    const filled = await other.page.evaluate(() => {
      const chunk = 'x'.repeat(256 * 1024);
      let i = 0;
      try { for (;;) localStorage.setItem(`filler-${i++}`, chunk); } catch { /* full */ }
      const small = 'y'.repeat(1024);
      try { for (;;) localStorage.setItem(`filler-s-${i++}`, small); } catch (e) { return e.name; }
    });
    assert.equal(filled, 'QuotaExceededError');
    const cdp = await fresh.context.newCDPSession(other.page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin, quotaSize: 1 });
    await other.reload();
    const first = (await other.blockIndexes('paragraph'))[0];
    await other.clickTheme(first, 'trade');
    const warning = other.page.locator('[data-save-failure][role="alert"]');
    await warning.waitFor({ timeout: 5000 });
    assert.equal(await warning.evaluate((e) => getComputedStyle(e).position), 'static', 'in the flow, not over the page');
    const bar = await warning.boundingBox();
    const header = await other.page.locator('header.topbar').boundingBox();
    const layout = await other.page.locator('main.layout').boundingBox();
    assert.ok(bar.y >= header.y + header.height - 1, 'under the header');
    assert.ok(layout.y >= bar.y + bar.height - 1, 'the page pushed down');
    // The Share menu opens over the bar and its exports are clickable.
    const { name, text } = await other.download('json');
    assert.match(name, /\.json$/);
    assert.equal(JSON.parse(text).type, 'speech-annotator/annotation-file');
    await other.page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k.startsWith('filler-')) localStorage.removeItem(k); });
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(server.url).origin });
  } finally {
    await fresh.close();
  }
});

test('no console errors', () => app.assertNoConsoleErrors());
