// The codebook: definitions and sub-themes, shown on the toggles, carried in
// the annotation file, exported as a readable document.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

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

test('edit a definition and add a sub-theme; the toggle shows the definition', async () => {
  await app.page.locator('[data-codebook] [data-theme-edit="investment"]').click();
  await app.page.locator('[data-codebook-definition]').fill('吸引外资与招商引资的措施');
  await app.page.locator('[data-theme-save]').click();
  const first = (await app.blockIndexes('paragraph'))[0];
  await app.showControls(first);
  const toggle = app.block(first).locator('[data-theme-toggle="investment"]');
  assert.match(await toggle.getAttribute('title'), /吸引外资与招商引资的措施/);
  await app.page.locator('[data-theme-add]').click();
  await app.page.locator('[data-theme-name-zh]').fill('加工贸易');
  await app.page.locator('[data-theme-parent]').selectOption('trade');
  await app.page.locator('[data-theme-save]').click();
  const sub = app.page.locator('[data-theme-row^="u-"]');
  assert.match(await sub.getAttribute('class'), /sub/);
  const order = await app.page.$$eval('[data-theme-row]', (li) => li.map((l) => l.dataset.themeRow));
  assert.equal(order.indexOf(await sub.getAttribute('data-theme-row')), order.indexOf('trade') + 1, `listed under its parent: ${order}`);
});

test('the codebook exports as a document and travels with the annotation file', async () => {
  const md = await app.download('codebook');
  assert.match(md.name, /codebook\.md$/);
  assert.match(md.text, /## 投资 investment[\s\S]*吸引外资与招商引资的措施/);
  assert.match(md.text, /### 加工贸易/);
  const file = await app.download('json');
  const fresh = await openProfile();
  try {
    const other = await AnnotatorPage.open(fresh.context, server.url);
    await other.importFile(file);
    await other.page.locator('[data-import-mode="merge"]').click();
    const first = (await other.blockIndexes('paragraph'))[0];
    await other.showControls(first);
    assert.match(await other.block(first).locator('[data-theme-toggle="investment"]').getAttribute('title'), /吸引外资/);
    other.assertNoConsoleErrors();
  } finally {
    await fresh.close();
  }
});

test('no console errors', () => app.assertNoConsoleErrors());
