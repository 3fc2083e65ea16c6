// The single-file build opened from the file system (file://): it loads,
// tags, keeps its work across a reload, exports, and imports.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

const FILE = process.env.SINGLE_FILE ?? fileURLToPath(new URL('../../dist-single/speech-annotator.html', import.meta.url));
let profile, app;

before(async () => {
  assert.ok(existsSync(FILE), `no single-file build at ${FILE}: run node scripts/single-file.mjs`);
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, pathToFileURL(FILE).href);
});
after(async () => { await profile?.close(); });

test('opens from file:// with its terms highlighted', async () => {
  assert.ok(app.page.url().startsWith('file://'));
  await app.waitForTerms();
  assert.equal(await app.page.locator('[data-kind="heading"]').count(), 5);
});

test('tags survive a reload from the file system', async () => {
  const paras = await app.blockIndexes('paragraph');
  await app.clickTheme(paras[0], 'trade');
  await app.focusBlock(paras[1]);
  await app.press('1');
  await app.settle();
  await app.reload();
  assert.deepEqual(await app.themesOf(paras[0]), ['trade']);
  assert.deepEqual(await app.themesOf(paras[1]), ['investment']);
});

test('exports download from the file system', async () => {
  const file = await app.download('json');
  const parsed = JSON.parse(file.text);
  assert.equal(parsed.sets[0].tags.length, 2);
  const csv = await app.download('csv');
  assert.ok(csv.text.startsWith('\uFEFF'));
});

test('imports a colleague\'s file from the file system, side by side', async () => {
  const file = await app.download('json');
  const colleague = JSON.parse(file.text);
  colleague.sets[0].id = 'colleague';
  colleague.sets[0].name = '同事 Colleague';
  colleague.annotator = null;
  await app.importFile({ name: 'colleague.json', text: JSON.stringify(colleague) });
  await app.page.locator('[data-import-mode="side-by-side"]').click();
  const paras = await app.blockIndexes('paragraph');
  assert.equal(await app.block(paras[0]).locator('[data-coder="colleague"]').getAttribute('data-coder-themes'), 'trade');
  await app.page.locator('[data-agreement-alpha]').waitFor();
});

test('no console errors', () => app.assertNoConsoleErrors());
