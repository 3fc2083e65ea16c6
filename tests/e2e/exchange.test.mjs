// Sharing: export from one browser profile, import into another (merge,
// replace, side by side), drop a file, refuse hostile files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';
import { annotationFileErrors } from './support/annotation-schema.mjs';

let server, alice, bob, a, b, paras, exported;

before(async () => {
  server = await startServer();
  alice = await openProfile();
  bob = await openProfile();
  a = await AnnotatorPage.open(alice.context, server.url);
  b = await AnnotatorPage.open(bob.context, server.url);
  paras = await a.blockIndexes('paragraph');
});
after(async () => {
  await alice?.close();
  await bob?.close();
  await server?.close();
});

async function snapshot(app) {
  return app.page.$$eval('[data-block]', (els) => els.map((e) => e.dataset.themes));
}

test('export the annotation file and the CSV from one profile', async () => {
  await a.clickTheme(paras[0], 'investment');
  await a.clickTheme(paras[0], 'trade');
  await a.clickTheme(paras[5], 'environment');
  await a.writeNote(paras[5], '营商环境 <img src=x onerror="window.pwned=1">');
  exported = await a.download('json');
  const file = JSON.parse(exported.text);
  assert.equal(file.type, 'speech-annotator/annotation-file');
  assert.equal(file.version, 1);
  assert.ok(file.document.text.includes('外经贸'), 'the text travels with the file');
  assert.match(exported.name, /外经贸.*2022-07-14.*\.json$/);
  assert.deepEqual(annotationFileErrors(file), [], 'the file conforms to docs/annotation-file.schema.json');
  const broken = structuredClone(file);
  broken.sets[0].tags[0].theme = 7;
  broken.sets[0].uncoded = ['x', 'x'];
  broken.type = 'something/else';
  broken.undocumented = true;
  assert.equal(annotationFileErrors(broken).length, 4, `and the schema check can fail: ${annotationFileErrors(broken)}`);
  const csv = await a.download('csv');
  assert.ok(csv.text.startsWith('\uFEFF'), 'UTF-8 BOM for Excel');
  const rows = csv.text.trim().split('\r\n');
  assert.equal(rows.length, 1 + 27, 'a header and one row per heading or paragraph');
  assert.match(rows[0], /投资 investment/);
});

test('import into a fresh profile: the preview shows what the file holds, merge applies it, undo removes it', async () => {
  await b.clickTheme(paras[2], 'accountability');
  await b.importFile(exported);
  const dialog = b.page.locator('[data-import-preview]');
  await dialog.waitFor();
  assert.match(await dialog.locator('[data-import-counts]').innerText(), /3 标签 tags · 1 笔记 notes/);
  await dialog.locator('[data-import-mode="merge"]').click();
  assert.deepEqual(await b.themesOf(paras[0]), ['investment', 'trade']);
  assert.deepEqual(await b.themesOf(paras[2]), ['accountability'], 'own tags kept');
  assert.match(await b.noteOf(paras[5]), /— .*: 营商环境 <img src=x onerror="window.pwned=1">/);
  assert.equal(await b.page.locator('.document img').count(), 0, 'notes are text, never HTML');
  assert.equal(await b.page.evaluate(() => window.pwned), undefined);
  await b.press('Control+z');
  assert.deepEqual(await b.themesOf(paras[0]), []);
  await b.press('Control+Shift+Z');
  assert.deepEqual(await b.themesOf(paras[0]), ['investment', 'trade']);
});

test('replace makes the file\'s annotations the user\'s own', async () => {
  await b.importFile(exported);
  await b.page.locator('[data-import-mode="replace"]').click();
  assert.deepEqual(await b.themesOf(paras[2]), [], 'own tag replaced');
  assert.deepEqual(await b.themesOf(paras[5]), ['environment']);
  assert.equal(await b.noteOf(paras[5]), '营商环境 <img src=x onerror="window.pwned=1">');
});

test('side by side opens the colleague\'s coding read-only beside the user\'s', async () => {
  await b.clickTheme(paras[5], 'environment'); // untag own
  await b.importFile(exported);
  await b.page.locator('[data-import-mode="side-by-side"]').click();
  const other = b.block(paras[0]).locator('[data-coder]');
  assert.equal(await other.count(), 1);
  assert.equal(await other.getAttribute('data-coder-themes'), 'investment trade');
  assert.deepEqual(await b.themesOf(paras[5]), [], 'own set untouched');
  await b.settle();
  await b.reload();
  assert.equal(await b.block(paras[0]).locator('[data-coder]').count(), 1, 'kept across reloads');
});

test('dropping a file anywhere on the page opens the import preview', async () => {
  await b.dropFile(exported);
  await b.page.locator('[data-import-preview]').waitFor();
  await b.page.locator('[data-import-cancel]').click();
  assert.equal(await b.page.locator('[data-import-preview]').count(), 0);
});

test('hostile and broken files: a clear message, nothing changed', async () => {
  const before = await snapshot(b);
  const stored = (await b.storedEntries()).filter(([k]) => k.includes(':annotations:'));
  assert.ok(stored.length > 0, 'annotations are stored');
  const file = JSON.parse(exported.text);
  const cases = [
    ['not-json.json', 'this is not json', /not valid JSON/],
    ['truncated.json', exported.text.slice(0, 200), /not valid JSON/],
    ['empty.json', '', /empty/],
    ['deep.json', '['.repeat(10000) + ']'.repeat(10000), /nested too deeply/],
    ['newer.json', JSON.stringify({ ...file, version: 99 }), /newer version/],
    ['foreign.json', JSON.stringify({ type: 'something/else', version: 1 }), /Unknown file type/],
    ['ghost.json', JSON.stringify({ ...file, sets: [{ ...file.sets[0], tags: [{ block: 'x-0', theme: 'ghost' }] }] }), /undefined theme ghost/],
    ['dup.json', JSON.stringify({ ...file, themes: [...file.themes, file.themes[0]] }), /Duplicate id/],
    ['wrongtype.json', JSON.stringify({ ...file, sets: 'all of them' }), /should be array/],
  ];
  for (const [name, text, message] of cases) {
    await b.importFile({ name, text });
    const alert = b.page.locator('[role="alert"]').filter({ hasText: name });
    await alert.waitFor();
    assert.match(await alert.innerText(), message, name);
    assert.equal(await b.page.locator('[data-import-preview]').count(), 0, `${name}: no import offered`);
  }
  // a theme name with markup is shown as text
  const hostile = { ...file, themes: [...file.themes, { id: 'x-evil', nameZh: '<img src=x onerror="window.pwned=2">', nameEn: '', color: '#123456', key: null }],
    sets: [{ ...file.sets[0], id: 'evil', tags: [{ block: file.sets[0].tags[0].block, theme: 'x-evil' }] }] };
  await b.importFile({ name: 'hostile.json', text: JSON.stringify(hostile) });
  await b.page.locator('[data-import-cancel]').click();
  assert.deepEqual(await snapshot(b), before);
  const after = (await b.storedEntries()).filter(([k]) => k.includes(':annotations:'));
  assert.deepEqual(after, stored, 'storage unchanged');
  await b.importFile({ name: 'hostile.json', text: JSON.stringify(hostile) });
  await b.page.locator('[data-import-mode="merge"]').click();
  assert.equal(await b.page.locator('img').count(), 0);
  assert.equal(await b.page.evaluate(() => window.pwned), undefined);
  assert.match(await b.page.locator('[data-theme-row="x-evil"]').innerText(), /<img src=x/);
});

test('a file for an edited document reports the paragraphs it cannot place', async () => {
  const file = JSON.parse(exported.text);
  delete file.document.text;
  file.document.fingerprint = '0123456789abcdef';
  file.sets[0].tags.push({ block: 'ffffffffffffffff-0', theme: 'trade' });
  await b.importFile({ name: 'other-doc.json', text: JSON.stringify(file) });
  const warning = b.page.locator('[data-import-other-document]');
  await warning.waitFor();
  assert.match(await warning.innerText(), /2 paragraphs match; 1 are not in the open document/);
  await b.page.locator('[data-import-cancel]').click();
});

test('the W3C export imports back into another profile (round trip)', async () => {
  const w3c = await a.download('w3c');
  assert.match(w3c.name, /w3c\.jsonld$/);
  const fresh = await openProfile();
  try {
    const c = await AnnotatorPage.open(fresh.context, server.url);
    await c.importFile(w3c);
    await c.page.locator('[data-import-preview]').waitFor();
    await c.page.locator('[data-import-mode="replace"]').click();
    assert.deepEqual(await c.themesOf(paras[0]), ['investment', 'trade']);
    assert.deepEqual(await c.themesOf(paras[5]), ['environment']);
    assert.equal(await c.noteOf(paras[5]), '营商环境 <img src=x onerror="window.pwned=1">');
    c.assertNoConsoleErrors();
  } finally {
    await fresh.close();
  }
});

test('no console errors', () => {
  a.assertNoConsoleErrors();
  b.assertNoConsoleErrors();
});
