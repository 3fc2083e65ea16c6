// A team's round of coding in one import: several coders' files (and a zip
// of them) picked at once, each routed to its document, each coder a set
// side by side, one undo.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.close(); });

const OTHER = '第二篇讲话\n时间:2024-03-05\n要扩大有效投资，稳住外贸基本盘。\n要优化营商环境，压实责任。\n';

/** A coder in a fresh profile: names their set, tags, and exports the speech and a second text with its text. */
async function coderFiles(name, speechTheme, otherTheme) {
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[0], speechTheme);
    await app.settle();
    const speech = JSON.parse((await app.download('json')).text);
    await app.openLibrary();
    await app.page.locator('[data-paste-text]').fill(OTHER);
    await app.page.locator('[data-paste-open]').click();
    await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('第二篇讲话'));
    if (await app.page.locator('aside.library').isVisible()) await app.page.locator('[data-action="library"]').click();
    const other = (await app.blockIndexes('paragraph'))[0];
    await app.clickTheme(other, otherTheme);
    await app.settle();
    const second = JSON.parse((await app.download('json')).text);
    for (const f of [speech, second]) { f.sets[0].name = name; }
    return [speech, second];
  } finally {
    await profile.close();
  }
}

/** A stored zip (no compression needed, but deflate is what tools write). */
function zip(entries) {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc32 = (buf) => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const locals = []; const centrals = []; let offset = 0;
  for (const [name, text] of entries) {
    const data = Buffer.from(text); const packed = deflateRawSync(data); const n = Buffer.from(name);
    const local = Buffer.alloc(30); local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14); local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(n.length, 26);
    const central = Buffer.alloc(46); central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16); central.writeUInt32LE(packed.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(n.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, n, packed); centrals.push(central, n); offset += 30 + n.length + packed.length;
  }
  const cd = Buffer.concat(centrals); const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10); end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

test('two coders\' files for two documents, and a zip of them, come in with one preview and one undo', { timeout: 180_000 }, async () => {
  const [aSpeech, aOther] = await coderFiles('李明', 'trade', 'investment');
  const [bSpeech, bOther] = await coderFiles('王芳', 'investment', 'environment');
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    const files = [
      { name: 'li-speech.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(aSpeech)) },
      { name: 'wang-speech.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bSpeech)) },
      { name: 'round.zip', mimeType: 'application/zip', buffer: zip([['li-other.json', JSON.stringify(aOther)], ['wang-other.json', JSON.stringify(bOther)]]) },
      { name: 'notes.txt.json', mimeType: 'application/json', buffer: Buffer.from('{"not": "ours"}') },
    ];
    await app.page.locator('input[type=file][data-import]').setInputFiles(files);
    const preview = app.page.locator('[data-import-batch]');
    await preview.waitFor();
    const rows = await preview.locator('[data-import-file]').evaluateAll((els) => els.map((e) => [e.dataset.importFile, e.dataset.target]));
    assert.deepEqual(rows, [
      ['li-speech.json', 'open'],
      ['wang-speech.json', 'open'],
      ['round.zip › li-other.json', 'new'],
      ['round.zip › wang-other.json', 'new'],
      ['notes.txt.json', 'problem'],
    ]);
    assert.match(await preview.locator('[data-import-batch-summary]').innerText(), /4 files → 2 documents, 2 coders/);
    await preview.locator('[data-import-batch-apply]').click();
    await app.page.locator('[role="status"]').filter({ hasText: 'Imported 4 files into 2 documents (1 new)' }).waitFor();
    const paras = await app.blockIndexes('paragraph');
    const coderThemes = await app.block(paras[0]).locator('[data-coder]').evaluateAll((els) => els.map((e) => e.dataset.coderThemes).sort());
    assert.deepEqual(coderThemes, ['investment', 'trade']);
    // The second document is in the library with both coders.
    await app.openLibrary();
    await app.page.locator('[data-doc-id]').filter({ hasText: '第二篇讲话' }).locator('[data-doc-open]').click();
    await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('第二篇讲话'));
    if (await app.page.locator('aside.library').isVisible()) await app.page.locator('[data-action="library"]').click();
    const other = (await app.blockIndexes('paragraph'))[0];
    const otherThemes = await app.block(other).locator('[data-coder]').evaluateAll((els) => els.map((e) => e.dataset.coderThemes).sort());
    assert.deepEqual(otherThemes, ['environment', 'investment']);
    // One undo takes the whole import back.
    await app.openLibrary();
    await app.page.locator('[data-doc-id]').filter({ hasText: '外经贸' }).locator('[data-doc-open]').click();
    await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('外经贸'));
    await app.page.locator('[role="status"]').filter({ hasText: 'Imported 4 files' }).locator('[data-action="notice-undo"]').click();
    await app.page.waitForFunction((i) => document.querySelectorAll(`[data-block="${i}"] [data-coder]`).length === 0, paras[0]);
    await app.openLibrary();
    assert.equal(await app.page.locator('[data-doc-id]').filter({ hasText: '第二篇讲话' }).count(), 0);
    // The import is a step of the undo history: redone and undone again
    // from the keyboard, the new document listed and gone with it.
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('Control+Shift+Z');
    await app.page.locator('[role="status"]').filter({ hasText: 'Import redone' }).waitFor();
    await app.page.waitForFunction((i) => document.querySelectorAll(`[data-block="${i}"] [data-coder]`).length === 2, paras[0]);
    await app.openLibrary();
    assert.equal(await app.page.locator('[data-doc-id]').filter({ hasText: '第二篇讲话' }).count(), 1);
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('Control+Z');
    await app.page.locator('[role="status"]').filter({ hasText: 'Import undone' }).waitFor();
    await app.page.waitForFunction((i) => document.querySelectorAll(`[data-block="${i}"] [data-coder]`).length === 0, paras[0]);
    await app.openLibrary();
    assert.equal(await app.page.locator('[data-doc-id]').filter({ hasText: '第二篇讲话' }).count(), 0);
    app.assertNoConsoleErrors();
  } finally {
    await profile.close();
  }
});
