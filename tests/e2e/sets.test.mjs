// Sets merge like everything else: a closed coder, a renamed coder and a
// reset to pristine stick through the next save, a reload and another tab's
// write; undo brings them back. Case: fixtures/cases/close-coder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

const CASE = new URL('./fixtures/cases/close-coder/', import.meta.url);
let server, profile, app;

before(async () => {
  server = await startServer();
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, server.url);
});
after(async () => {
  await profile?.close();
  await server?.close();
});

const rows = (p) => p.page.locator('[data-coder-row]');
const rowNames = (p) => rows(p).evaluateAll((els) => els.map((e) => e.querySelector('span').textContent).sort());

async function openSpeech(p) {
  await p.openLibrary();
  const buffer = await readFile(new URL('speech.txt', CASE));
  await p.page.locator('input[type=file][data-open-text]').setInputFiles({ name: 'speech.txt', mimeType: 'text/plain', buffer });
  await p.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('讲话标题'));
  await p.page.keyboard.press('Escape');
}

test('a closed coder stays closed: live, after the save, after a reload, in another tab', async () => {
  await openSpeech(app);
  await app.importFile({ name: 'two-coders.json', bytes: await readFile(new URL('two-coders.json', CASE)) });
  await app.page.locator('[data-import-mode="side-by-side"]').click();
  await app.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 2);
  assert.deepEqual(await rowNames(app), ['coder a', 'coder b']);

  await rows(app).filter({ hasText: 'coder a' }).locator('[data-coder-close]').click();
  assert.deepEqual(await rowNames(app), ['coder b']);
  await app.page.waitForTimeout(1000); // several debounced saves and merges
  assert.deepEqual(await rowNames(app), ['coder b'], 'the closed coder came back after the save');

  await app.page.keyboard.press('Control+z');
  await app.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 2);
  await app.page.keyboard.press('Control+Shift+z');
  await app.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 1);
  await app.settle();

  await app.reload();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('讲话标题'));
  assert.deepEqual(await rowNames(app), ['coder b'], 'closed after a reload');

  const tab = new AnnotatorPage(await profile.context.newPage());
  await tab.goto(server.url);
  await tab.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('讲话标题'));
  assert.deepEqual(await rowNames(tab), ['coder b'], 'closed in a second tab');
  // the second tab writes (a tag), the first merges it: still closed in both
  const paras = await tab.blockIndexes('paragraph');
  await tab.clickTheme(paras[1], 'investment');
  await tab.settle();
  await app.page.waitForFunction((i) => document.querySelector(`[data-block="${i}"]`)?.dataset.themes.includes('investment'), paras[1]);
  assert.deepEqual(await rowNames(app), ['coder b']);
  assert.deepEqual(await rowNames(tab), ['coder b']);
  await tab.page.close();
  app.assertNoConsoleErrors();
  tab.assertNoConsoleErrors();
});

test('renaming my coder is a stamped command: kept after a reload, undone by Ctrl+Z', async () => {
  const pair = app.page.locator('[data-kappa-pair]');
  await app.page.locator('[data-coder-name]').fill('李明');
  await app.page.locator('[data-coder-name]').press('Enter');
  await app.page.waitForFunction(() => document.querySelector('[data-kappa-pair]')?.textContent.includes('李明'));
  await app.page.waitForTimeout(1000);
  assert.match(await pair.first().innerText(), /李明/, 'the name stays after the save');
  await app.reload();
  await app.page.waitForFunction(() => document.querySelector('[data-kappa-pair]')?.textContent.includes('李明'));
  assert.equal(await app.page.locator('[data-coder-name]').inputValue(), '李明');
  // undo in the page that renamed
  await app.page.locator('[data-coder-name]').fill('王芳');
  await app.page.locator('[data-coder-name]').press('Enter');
  await app.page.waitForFunction(() => document.querySelector('[data-kappa-pair]')?.textContent.includes('王芳'));
  await app.page.locator('main').click({ position: { x: 5, y: 5 } });
  await app.page.keyboard.press('Control+z');
  await app.page.waitForFunction(() => document.querySelector('[data-kappa-pair]')?.textContent.includes('李明'));
  assert.equal(await app.page.locator('[data-coder-name]').inputValue(), '李明');
  app.assertNoConsoleErrors();
});

test('reset to pristine closes the other coders for good; undo brings them back', async () => {
  await app.openLibrary();
  await app.page.locator('[data-doc-id]').filter({ hasText: '外经贸' }).locator('[data-doc-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('外经贸'));
  const paras = await app.blockIndexes('paragraph');
  await app.clickTheme(paras[0], 'trade');
  const mine = await app.download('json');
  await app.importFile(mine);
  await app.page.locator('[data-import-mode="side-by-side"]').click();
  await app.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 1);

  await app.openLibrary();
  await app.page.locator('[data-doc-id]').filter({ hasText: '外经贸' }).locator('[data-doc-reset]').click();
  await app.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 0);
  await app.page.waitForTimeout(1000);
  assert.equal(await rows(app).count(), 0, 'the closed set came back after the save');
  await app.page.locator('[data-action="notice-undo"]').click();
  await app.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 1);
  assert.deepEqual(await app.themesOf(paras[0]), ['trade']);
  await app.page.keyboard.press('Control+Shift+z');
  await app.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 0);
  await app.settle();
  await app.reload();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('外经贸'));
  assert.equal(await rows(app).count(), 0, 'still closed after a reload');
  assert.deepEqual(await app.themesOf(paras[0]), []);
  app.assertNoConsoleErrors();
});

test('undo in one tab after another tab closed the same coder; the same file again updates, never duplicates', async () => {
  const fresh = await openProfile();
  try {
    const a = await AnnotatorPage.open(fresh.context, server.url);
    await openSpeech(a);
    const paras = await a.blockIndexes('paragraph');
    await a.clickTheme(paras[0], 'investment');
    await a.importFile({ name: 'two-coders.json', bytes: await readFile(new URL('two-coders.json', CASE)) });
    await a.page.locator('[data-import-mode="side-by-side"]').click();
    await a.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 2);
    await a.settle();
    const b = new AnnotatorPage(await fresh.context.newPage());
    await b.goto(server.url);
    await b.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 2);
    await rows(b).filter({ hasText: 'coder a' }).locator('[data-coder-close]').click();
    await a.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 1);
    // the first tab undoes its import (coder a is closed already) and then its tag
    await a.page.locator('[data-action="undo"]').click();
    await a.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 0);
    await a.page.locator('[data-action="undo"]').click();
    await a.page.waitForFunction((i) => document.querySelector(`[data-block="${i}"]`)?.dataset.themes === '', paras[0]);
    assert.equal(await a.alerts().count(), 0, await a.alerts().allInnerTexts().then((t) => t.join(' | ')));
    // the same file twice: the coders come back under their own ids, once
    for (let i = 0; i < 2; i++) {
      await a.importFile({ name: 'two-coders.json', bytes: await readFile(new URL('two-coders.json', CASE)) });
      await a.page.locator('[data-import-mode="side-by-side"]').click();
      await a.page.waitForFunction(() => document.querySelectorAll('[data-coder-row]').length === 2);
    }
    await a.settle();
    assert.deepEqual(await rows(a).evaluateAll((els) => els.map((e) => e.dataset.coderRow).sort()), ['c-a', 'c-b']);
    a.assertNoConsoleErrors();
    b.assertNoConsoleErrors();
  } finally {
    await fresh.close();
  }
});

test('"Open that document" of a REFI-QDA project keeps its codings (case refi/open-that-document)', async () => {
  const fresh = await openProfile();
  try {
    const p = await AnnotatorPage.open(fresh.context, server.url);
    const bytes = await readFile(new URL('./fixtures/cases/refi/open-that-document.qdpx', import.meta.url));
    await p.importFile({ name: 'open-that-document.qdpx', bytes });
    await p.page.locator('[data-import-open-document]').click();
    await p.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('Title line'));
    await p.page.locator('[data-import-mode="merge"]').click();
    const themed = async (text) => p.page.$$eval('[data-block]', (els, t) => els.find((e) => e.querySelector('.text, p')?.textContent.includes(t) || e.textContent.includes(t))?.dataset.themes, text);
    await p.page.waitForFunction(() => [...document.querySelectorAll('[data-kind="paragraph"]')].some((e) => e.dataset.themes));
    assert.ok(await themed('First comment here.'), 'line 1 carries alpha code');
    assert.ok(await themed('Third comment after that.'), 'line 3 carries beta code');
    assert.equal(await themed('Second comment with more words.'), '');
    p.assertNoConsoleErrors();
  } finally {
    await fresh.close();
  }
});
