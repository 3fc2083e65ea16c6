// Tagging paragraphs by theme with mouse and keys, notes, undo, filters, and
// persistence across reloads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server, profile, app, paras;

before(async () => {
  server = await startServer();
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, server.url);
  paras = await app.blockIndexes('paragraph');
});

after(async () => {
  await profile?.close();
  await server?.close();
});

test('every taggable block has clickable theme toggles (when pointed at) and a data-themes hook', async () => {
  const blocks = await app.page.$$eval('[data-block]', (els) => els.map((e) => ({
    index: Number(e.dataset.block), kind: e.dataset.kind, themes: e.getAttribute('data-themes'),
  })));
  for (const b of blocks) {
    assert.equal(b.themes, '', 'no themes at first');
    if (b.kind === 'paragraph' || b.kind === 'heading') {
      await app.showControls(b.index);
      assert.equal(await app.block(b.index).locator('[data-theme-toggle]').count(), 4);
    }
  }
  assert.equal(await app.page.locator('[data-theme-toggle]').count(), 4, 'only the block pointed at has toggles');
});

test('tag with the mouse: several themes on one paragraph, counted in the panel', async () => {
  await app.clickTheme(paras[0], 'investment');
  await app.clickTheme(paras[0], 'trade');
  assert.deepEqual(await app.themesOf(paras[0]), ['investment', 'trade']);
  const pressed = await app.block(paras[0]).locator('[data-theme-toggle="trade"]').getAttribute('aria-pressed');
  assert.equal(pressed, 'true');
  assert.equal(await app.page.locator('[data-theme-count="investment"]').innerText(), '1');
  await app.clickTheme(paras[0], 'trade');
  assert.deepEqual(await app.themesOf(paras[0]), ['investment']);
  // screen readers hear the themes
  const described = await app.block(paras[0]).getAttribute('aria-describedby');
  assert.match(await app.page.locator(`#${described}`).innerText(), /投资/);
});

test('tag with the keyboard: j/k move the focus, digits toggle themes, n opens the note', async () => {
  await app.focusBlock(paras[1]);
  assert.equal(await app.focusedBlock(), paras[1]);
  await app.press('j');
  assert.equal(await app.focusedBlock(), paras[2]);
  await app.press('ArrowDown');
  await app.press('k');
  assert.equal(await app.focusedBlock(), paras[2]);
  await app.press('2');
  await app.press('3');
  assert.deepEqual(await app.themesOf(paras[2]), ['trade', 'environment']);
  await app.press('3');
  assert.deepEqual(await app.themesOf(paras[2]), ['trade']);
  await app.openNote(paras[2]);
  await app.page.keyboard.type('贸易为主 <b>not bold</b>');
  // digits typed in the note do not toggle themes
  await app.page.keyboard.type(' 4');
  await app.press('Escape');
  assert.deepEqual(await app.themesOf(paras[2]), ['trade']);
  assert.equal(await app.noteOf(paras[2]), '贸易为主 <b>not bold</b> 4');
  assert.equal(await app.block(paras[2]).locator('b').count(), 0, 'notes are text, never HTML');
});

test('undo and redo every change, by keys and by buttons', async () => {
  await app.focusBlock(paras[3]);
  await app.press('4');
  assert.deepEqual(await app.themesOf(paras[3]), ['accountability']);
  await app.press('Control+z');
  assert.deepEqual(await app.themesOf(paras[3]), []);
  await app.press('Control+Shift+Z');
  assert.deepEqual(await app.themesOf(paras[3]), ['accountability']);
  await app.page.locator('[data-action="undo"]').click();
  assert.deepEqual(await app.themesOf(paras[3]), []);
  await app.page.locator('[data-action="redo"]').click();
  assert.deepEqual(await app.themesOf(paras[3]), ['accountability']);
});

test('filtering by a theme shows only its paragraphs, and back', async () => {
  await app.page.locator('[data-theme-filter="investment"]').click();
  const visible = await app.page.$$eval('[data-block]:not([hidden])', (els) => els.map((e) => e.dataset.kind + ':' + e.dataset.themes));
  assert.deepEqual(visible, ['title:', 'paragraph:investment']);
  await app.page.locator('[data-theme-filter="investment"]').click();
  assert.ok((await app.page.locator('[data-block]:not([hidden])').count()) > 20);
});

test('the overview strip shows tagged paragraphs in their colours', async () => {
  const cell = app.page.locator(`[data-overview="${paras[0]}"] span`);
  assert.equal(await cell.count(), 1);
});

test('users add, rename and delete themes; deleting a theme in use asks and can be undone', async () => {
  await app.page.locator('[data-theme-add]').click();
  await app.page.locator('[data-theme-name-zh]').fill('创新<script>alert(1)</script>');
  await app.page.locator('[data-theme-name-en]').fill('innovation');
  await app.page.locator('[data-theme-save]').click();
  const row = app.page.locator('[data-theme-row^="u-"]');
  assert.equal(await row.count(), 1);
  assert.match(await row.innerText(), /创新<script>alert\(1\)<\/script> innovation/);
  const id = await row.getAttribute('data-theme-row');
  assert.equal(await app.page.locator('script:not([src])').count(), 0);
  // key 5 toggles the new theme
  await app.focusBlock(paras[4]);
  await app.press('5');
  assert.deepEqual(await app.themesOf(paras[4]), [id]);
  // rename
  await app.page.locator(`[data-theme-edit="${id}"]`).click();
  await app.page.locator('[data-theme-name-zh]').fill('创新');
  await app.page.locator('[data-theme-save]').click();
  assert.match(await app.page.locator(`[data-theme-row="${id}"]`).innerText(), /^创新 innovation/);
  // delete: asks first, then undo brings tags back
  await app.page.locator(`[data-theme-edit="${id}"]`).click();
  await app.page.locator(`[data-theme-delete="${id}"]`).click();
  await app.page.locator('[data-confirm-delete]').click();
  assert.equal(await app.page.locator(`[data-theme-row="${id}"]`).count(), 0);
  assert.deepEqual(await app.themesOf(paras[4]), []);
  await app.page.locator('[data-action="notice-undo"]').click();
  assert.deepEqual(await app.themesOf(paras[4]), [id]);
});

test('a reload restores tags, notes, themes, the focused paragraph and the filter', async () => {
  await app.focusBlock(paras[2]);
  await app.page.locator('[data-theme-filter="trade"]').click();
  await app.settle();
  const before = await app.page.$$eval('[data-block]', (els) => els.map((e) => e.dataset.themes));
  await app.reload();
  const after = await app.page.$$eval('[data-block]', (els) => els.map((e) => e.dataset.themes));
  assert.deepEqual(after, before);
  assert.equal(await app.noteOf(paras[2]), '贸易为主 <b>not bold</b> 4');
  assert.equal(await app.focusedBlock(), paras[2]);
  assert.equal(await app.page.locator('[data-theme-filter="trade"]').getAttribute('aria-pressed'), 'true');
  assert.equal(await app.page.locator('[data-theme-row^="u-"]').count(), 1);
  await app.page.locator('[data-theme-filter="trade"]').click();
});

test('no console errors', () => {
  app.assertNoConsoleErrors();
});
