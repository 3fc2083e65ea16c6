// A long text with many codes stays usable: a REFI-QDA project holding a
// 15,000-line text, 60 codes and 2 codings (case fixtures/cases/scale) is
// opened and merged without a trap; only the blocks near the view are in
// the page; a theme is added, a paragraph tagged by keyboard and the tag
// undone; after a reload everything is where it was, and jumps to far
// blocks (overview strip, keyboard, the document's own search) work.
// Asserts behaviour, never time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.close();
});

const LONG = { timeout: 60000 };
/** The block holding `Comment number n:` (the title is block 0). */
const comment = (n) => n + 1;

async function themesOf(p, index) {
  const v = await p.block(index).getAttribute('data-themes', LONG);
  return v ? v.split(' ').filter(Boolean) : [];
}

/** Whether a block is in the page, on screen, and has the keyboard focus. */
const focusedOnScreen = (p, index) =>
  p.page.waitForFunction((i) => {
    const el = document.querySelector(`[data-block="${i}"]`);
    if (!el || document.activeElement !== el) return false;
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  }, index, LONG);

const blocksInPage = (p) => p.page.locator('[data-block]').count();

test('a 15,000-line text with 60 codes: opened, merged, tagged, reloaded, searched (case scale)', async () => {
  const profile = await openProfile();
  try {
    const p = await AnnotatorPage.open(profile.context, server.url);
    p.page.setDefaultTimeout(60000);
    const bytes = await readFile(new URL('./fixtures/cases/scale/large-text-60-codes.qdpx', import.meta.url));
    await p.importFile({ name: 'large-text-60-codes.qdpx', bytes });
    await p.page.locator('[data-import-sources]').waitFor();
    assert.equal(await p.page.locator('[data-import-source]').count(), 1);

    // Open the project's text, then merge its codings into it.
    await p.page.locator('[data-import-open-document]').click();
    await p.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('Synthetic comments'), null, LONG);
    await p.page.locator('[data-import-mode="merge"]').click(LONG);
    await p.page.locator('.notice').filter({ hasText: 'large-text-60-codes.qdpx' }).waitFor(LONG);
    assert.equal((await themesOf(p, comment(0))).length, 1, 'the first coding');
    assert.equal((await themesOf(p, comment(2))).length, 1, 'the second coding');
    assert.deepEqual(await themesOf(p, comment(1)), []);
    assert.equal(await p.page.locator('[data-theme-row]').filter({ hasText: 'code 59' }).count(), 1, 'all 60 codes');

    // Only the blocks near the view are in the page.
    const rendered = await blocksInPage(p);
    assert.ok(rendered > 5 && rendered < 400, `${rendered} blocks in the page`);
    // Blocks the user is not on show compact chips, no toggles.
    await p.page.mouse.move(1, 1);
    assert.equal(await p.block(comment(0)).locator('[data-theme-chip]').count(), 1);
    assert.equal(await p.block(comment(0)).locator('[data-theme-toggle]').count(), 0);
    // Hovering a block brings its toggles.
    await p.block(comment(0)).hover();
    await p.block(comment(0)).locator('[data-theme-toggle]').first().waitFor();
    await p.page.mouse.move(1, 1);

    // Add a theme by hand: it gets the next free number key.
    await p.page.locator('[data-theme-add]').click();
    await p.page.locator('[data-theme-name-zh]').fill('规模测试');
    await p.page.locator('[data-theme-name-en]').fill('scale test');
    await p.page.locator('[data-theme-save]').click();
    const row = p.page.locator('[data-theme-row]').filter({ hasText: '规模测试' });
    await row.waitFor();
    const theme = await row.getAttribute('data-theme-row');
    const key = await row.locator('kbd').innerText();

    // Tag two paragraphs by keyboard, then undo the second.
    await p.focusBlock(comment(1));
    assert.ok(await p.block(comment(1)).locator(`[data-theme-toggle="${theme}"]`).count(), 'the focused block has toggles');
    await p.press(key);
    await p.page.waitForFunction(([i, t]) => document.querySelector(`[data-block="${i}"]`)?.dataset.themes.split(' ').includes(t), [comment(1), theme]);
    await p.press('j');
    await p.press('j');
    assert.equal(await p.focusedBlock(), comment(3));
    await p.press(key);
    await p.page.waitForFunction(([i, t]) => document.querySelector(`[data-block="${i}"]`)?.dataset.themes.split(' ').includes(t), [comment(3), theme]);
    await p.press('Control+z');
    await p.page.waitForFunction(([i, t]) => !document.querySelector(`[data-block="${i}"]`)?.dataset.themes.split(' ').includes(t), [comment(3), theme]);
    await p.settle();

    await p.reload();
    await p.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('Synthetic comments'), null, LONG);
    assert.equal(await p.page.locator('[data-theme-row]').filter({ hasText: '规模测试' }).count(), 1, 'the theme stays');
    assert.ok((await themesOf(p, comment(1))).includes(theme), 'the tag stays');
    assert.ok(!(await themesOf(p, comment(3))).includes(theme), 'the undone tag stays undone');
    assert.equal((await themesOf(p, comment(0))).length, 1, 'the merged codings stay');
    assert.equal((await themesOf(p, comment(2))).length, 1);
    assert.ok((await blocksInPage(p)) < 400);

    // The theme filter: only the tagged paragraph (and the title) is shown.
    await p.page.locator(`[data-theme-filter="${theme}"]`).click();
    await p.page.waitForFunction(() => document.querySelectorAll('[data-block]').length === 2);
    assert.deepEqual(await p.blockIndexes('paragraph'), [comment(1)]);
    await p.page.locator('[data-clear-filter]').click();
    await p.page.waitForFunction(() => document.querySelectorAll('[data-block]').length > 2);

    // The last cell of the overview strip goes to the end of the text.
    await p.page.locator('[data-overview]').last().click();
    const last = Number(await p.page.locator('[data-overview]').last().getAttribute('data-overview'));
    assert.ok(last > 14900, `the last cell starts at ${last}`);
    await focusedOnScreen(p, last);

    // The document's own search finds a paragraph near the end, from the top.
    await p.page.evaluate(() => window.scrollTo(0, 0));
    await p.page.waitForFunction(() => !document.querySelector('[data-block="14990"]'));
    const search = p.page.locator('[data-doc-search]');
    await search.fill('Comment number 14990:');
    await p.page.waitForFunction((i) => document.querySelector(`[data-block="${i}"]`)?.classList.contains('search-hit'), comment(14990), LONG);
    assert.equal(await p.page.locator('[data-doc-search-count]').innerText(), '1 / 1');
    assert.ok((await blocksInPage(p)) < 400);
    // Enter goes to the next hit of a broader query.
    await search.fill('Comment number 1499');
    await p.page.waitForFunction(() => /\d+ \/ 11$/.test(document.querySelector('[data-doc-search-count]')?.textContent ?? ''));
    const first = await p.page.locator('[data-doc-search-count]').innerText();
    await search.press('Enter');
    await p.page.waitForFunction((f) => document.querySelector('[data-doc-search-count]').textContent !== f, first);

    // The keyboard moves from the focused block even when it is far away:
    // the next block is brought into the page, then focused.
    await search.fill('Comment number 14990:');
    await p.page.waitForFunction((i) => document.querySelector(`[data-block="${i}"]`)?.classList.contains('search-hit'), comment(14990));
    await p.focusBlock(comment(14990));
    await p.page.evaluate(() => window.scrollTo(0, 0));
    await p.page.waitForFunction((i) => !document.querySelector(`[data-block="${i}"]`), comment(14990));
    await p.press('j');
    await focusedOnScreen(p, comment(14991));
    assert.equal(await p.focusedBlock(), comment(14991));
    await p.press('k');
    await focusedOnScreen(p, comment(14990));

    p.assertNoConsoleErrors();
  } finally {
    await profile.close();
  }
});
