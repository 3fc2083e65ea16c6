// Room for a study: 500 speeches of about 10,000 characters, each coded by
// three coders (a library file written by core/examples/study_library.rs),
// imported into a fresh profile, kept across reloads, one opened and
// tagged. Texts and annotations live in IndexedDB (the library index and
// settings in localStorage); the storage meter says both. Tags made after
// the import survive the browser being killed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SPEECHES = 500;
let server, profile, app, dir, file;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'annotator-study-'));
  file = join(dir, 'study.json');
  execFileSync('cargo', ['run', '-q', '-p', 'annotator-core', '--example', 'study_library', '--', file, String(SPEECHES)], { cwd: ROOT, stdio: 'ignore' });
  server = await startServer();
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, server.url);
});

after(async () => {
  await profile?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Texts and annotations share one object store; texts are the `doc:` keys.
const storedTexts = () => app.page.evaluate(() => new Promise((resolve, reject) => {
  const open = indexedDB.open('speech-annotator');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const req = open.result.transaction('texts').objectStore('texts').getAllKeys();
    req.onsuccess = () => { resolve(req.result.filter((k) => k.startsWith('speech-annotator:v1:doc:')).length); open.result.close(); };
    req.onerror = () => reject(req.error);
  };
}));

test('500 speeches with three coders each are stored: texts and annotations in IndexedDB', { timeout: 240_000 }, async () => {
  await app.openLibrary();
  await app.page.locator('input[type=file][data-library-import]').setInputFiles({ name: 'study.json', mimeType: 'application/json', buffer: readFileSync(file) });
  await app.page.locator('[role="status"]').filter({ hasText: 'Library imported' }).waitFor({ timeout: 120_000 });
  for (let waited = 0; (await storedTexts()) < SPEECHES && waited < 60_000; waited += 500) await app.page.waitForTimeout(500);
  assert.equal(await storedTexts(), SPEECHES);
  const inLocal = await app.page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':doc:')).length);
  assert.equal(inLocal, 0, 'no text in localStorage');
  const entries = await app.storedEntries();
  const annotations = entries.filter(([k]) => k.startsWith('speech-annotator:v1:annotations:')).length;
  assert.ok(annotations >= SPEECHES, `${annotations} annotation entries`);
  const inLocalNotes = await app.page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':annotations:')).length);
  assert.equal(inLocalNotes, 0, 'no annotations in localStorage');
});

test('after a reload every speech is listed, one opens with its three coders, a tag is kept, the corpus takes them all', { timeout: 240_000 }, async (t) => {
  await app.reload();
  await app.openLibrary();
  assert.equal(await app.page.locator('[data-doc-id]').filter({ hasText: '号讲话' }).count(), SPEECHES);
  const meter = await app.page.locator('[data-storage-large]').innerText();
  assert.match(meter, new RegExp(`${SPEECHES} texts, annotations of ${SPEECHES + 1} documents`));
  const usage = await app.page.locator('[data-storage-usage]').innerText();
  const percent = Number(usage.match(/\((\d+)% of/)[1]);
  assert.ok(percent >= 0 && percent < 10, usage);
  assert.match(await app.page.locator('[data-storage-persisted]').getAttribute('data-storage-persisted'), /^(granted|not-granted|unknown)$/);
  await app.page.locator('[data-doc-id]').filter({ hasText: '第250号讲话' }).locator('[data-doc-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('第250号讲话'));
  const paras = await app.blockIndexes('paragraph');
  assert.ok(paras.length > 30, `${paras.length} paragraphs`);
  const coders = await app.page.$$eval('[data-coder]', (els) => [...new Set(els.map((e) => e.dataset.coder))].sort());
  assert.deepEqual(coders, ['c-study-chen', 'c-study-li', 'c-study-wang']);
  await app.clickTheme(paras[2], 'trade');
  await app.settle();
  await app.reload();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('第250号讲话'));
  assert.ok((await app.themesOf(paras[2])).includes('trade'));
  // The corpus: every speech done by its three coders enters the agreement.
  const t0 = Date.now();
  await app.page.locator('[data-action="corpus"]').click();
  await app.page.locator('[data-corpus-alpha]').waitFor({ timeout: 120_000 });
  const corpusMs = Date.now() - t0;
  assert.match(await app.page.locator('[data-corpus-counts]').innerText(), new RegExp(`${SPEECHES} documents, .* 3 coders`));
  assert.match(await app.page.locator('[data-corpus-alpha]').innerText(), /^-?\d\.\d{3}$/);
  t.diagnostic(`corpus view with ${SPEECHES} documents × 3 coders: ${corpusMs} ms from the click`);
  await app.page.locator('[data-corpus-close]').click();
  // Another speech opens from IndexedDB after the reload, whole.
  await app.openLibrary();
  await app.page.locator('[data-doc-id]').filter({ hasText: '第499号讲话' }).locator('[data-doc-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('第499号讲话'));
  assert.ok((await app.blockIndexes('paragraph')).length > 30);
  app.assertNoConsoleErrors();
});

test('tags and a done mark made after the import survive the browser being killed', { timeout: 240_000 }, async () => {
  await app.openLibrary();
  await app.page.locator('[data-doc-id]').filter({ hasText: '第120号讲话' }).locator('[data-doc-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('第120号讲话'));
  const paras = await app.blockIndexes('paragraph');
  await app.clickTheme(paras[1], 'accountability');
  await app.clickTheme(paras[3], 'environment');
  await app.page.locator('[data-mark-done]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-doc-status]')?.dataset.docStatus === 'done');
  await app.settle();
  await profile.crash();
  app = await AnnotatorPage.open(await profile.reopen(), server.url);
  // Which document was open is a view, kept in localStorage, whose commits
  // Chromium may defer after the import's big write: the work is what must
  // survive, so the speech is opened again if need be.
  if (!(await app.page.locator('[data-kind="title"]').first().innerText()).includes('第120号讲话')) {
    await app.openLibrary();
    await app.page.locator('[data-doc-id]').filter({ hasText: '第120号讲话' }).locator('[data-doc-open]').click();
  }
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('第120号讲话'));
  assert.ok((await app.themesOf(paras[1])).includes('accountability'));
  assert.ok((await app.themesOf(paras[3])).includes('environment'));
  assert.equal(await app.page.locator('[data-doc-status]').getAttribute('data-doc-status'), 'done');
  app.assertNoConsoleErrors();
});
