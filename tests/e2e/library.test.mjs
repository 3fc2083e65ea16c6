// Beyond one speech: open texts (paste, file in GB18030, drop), keep them
// apart, switch, reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

const GB_FILE = fileURLToPath(new URL('./fixtures/business-environment-gb18030.txt', import.meta.url));
const PASTED = `城市更新工作会议讲话
日期：2024-01-10
一、推进老旧小区改造
今年要完成老旧小区改造一百个，改善居民居住条件，提升城市品质。
二、完善城市基础设施
加快地下管网建设，推进海绵城市建设，提高城市防洪排涝能力。
上一篇：别的讲话 下一篇：另一篇`;

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

test('paste a document: it is parsed, highlighted, taggable, and kept apart', async () => {
  await app.openLibrary();
  await app.page.locator('[data-paste-text]').fill(PASTED);
  await app.page.locator('[data-paste-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('城市更新'));
  assert.equal(await app.page.locator('[data-kind="heading"]').count(), 2);
  assert.equal(await app.page.locator('[data-kind="paragraph"]').count(), 2);
  assert.equal(await app.page.locator('[data-kind="residue"]').count(), 1);
  await app.waitForTerms();
  const paras = await app.blockIndexes('paragraph');
  await app.clickTheme(paras[1], 'environment');
  await app.settle();
  // the built-in speech's tags are its own
  await app.openLibrary();
  const entries = await app.page.$$eval('[data-doc-id]', (li) => li.length);
  assert.equal(entries, 2);
  await app.page.locator('[data-doc-id]').filter({ hasText: '外经贸' }).locator('[data-doc-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('外经贸'));
  assert.equal(await app.page.locator('[data-themes~="environment"]').count(), 0);
  await app.clickTheme((await app.blockIndexes('paragraph'))[0], 'trade');
  await app.settle();
});

test('reload: the open document and both documents\' tags are intact', async () => {
  await app.reload();
  assert.match(await app.page.locator('[data-kind="title"]').innerText(), /外经贸/);
  assert.deepEqual(await app.themesOf((await app.blockIndexes('paragraph'))[0]), ['trade']);
  await app.openLibrary();
  await app.page.locator('[data-doc-id]').filter({ hasText: '城市更新' }).locator('[data-doc-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('城市更新'));
  const paras = await app.blockIndexes('paragraph');
  assert.deepEqual(await app.themesOf(paras[1]), ['environment']);
  await app.reload();
  assert.match(await app.page.locator('[data-kind="title"]').innerText(), /城市更新/, 'the open document survives a reload');
});

test('two tabs: a document opened in one appears in the other\'s library, and neither list loses it', async () => {
  const other = new AnnotatorPage(await profile.context.newPage());
  await other.goto(server.url);
  await other.openLibrary();
  await other.page.locator('[data-paste-text]').fill('第二个标签页的讲话\n一、标题\n这是在另一个标签页里打开的文档，用来检查文档库的合并。');
  await other.page.locator('[data-paste-open]').click();
  await other.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('第二个标签页'));
  // the first tab hears of it, and its own next save keeps it
  await app.openLibrary();
  await app.page.locator('[data-doc-id]').filter({ hasText: '第二个标签页' }).waitFor();
  await app.press('Escape');
  await app.page.locator('aside.library').waitFor({ state: 'hidden' });
  await app.clickTheme((await app.blockIndexes('paragraph'))[0], 'investment');
  await app.settle();
  await other.page.close();
  await app.reload();
  await app.openLibrary();
  assert.equal(await app.page.locator('[data-doc-id]').filter({ hasText: '第二个标签页' }).count(), 1);
  assert.equal(await app.page.locator('[data-doc-id]').count(), 3);
  app.assertNoConsoleErrors();
  other.assertNoConsoleErrors();
});

test('a GB18030 file with CRLF opens without mojibake', async () => {
  await app.openLibrary();
  await app.page.locator('input[type=file][data-open-text]').setInputFiles(GB_FILE);
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('营商环境'));
  assert.match(await app.page.locator('[data-kind="meta"]').innerText(), /2023年3月5日/);
  assert.equal(await app.page.locator('[data-kind="heading"]').count(), 2);
  await app.page.locator('[role="status"]').filter({ hasText: 'gb18030' }).waitFor();
  assert.ok(!(await app.page.locator('.document').innerText()).includes('\uFFFD'));
});

test('dropping a .txt file on the page opens it', async () => {
  const bytes = await readFile(GB_FILE);
  const dt = await app.page.evaluateHandle((data) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(data)], 'dropped.txt', { type: 'text/plain' }));
    return dt;
  }, [...bytes]);
  await app.page.dispatchEvent('main', 'drop', { dataTransfer: dt });
  await app.page.waitForFunction(() => [...document.querySelectorAll('[role="status"]')].some((e) => e.innerText.includes('营商环境')));
});

test('a binary or empty file is refused with a message and nothing changes', async () => {
  const title = await app.page.locator('[data-kind="title"]').innerText();
  await app.openLibrary();
  await app.page.locator('input[type=file][data-open-text]').setInputFiles({ name: 'image.txt', mimeType: 'text/plain', buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]) });
  await app.page.locator('[role="alert"]').filter({ hasText: 'not a text file' }).waitFor();
  await app.page.locator('input[type=file][data-open-text]').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
  await app.page.locator('[role="alert"]').filter({ hasText: 'empty' }).waitFor();
  assert.equal(await app.page.locator('[data-kind="title"]').innerText(), title);
});

test('delete a document and undo it', async () => {
  await app.openLibrary();
  const before = await app.page.locator('[data-doc-id]').count();
  await app.page.locator('[data-doc-id]').filter({ hasText: '城市更新' }).locator('[data-doc-delete]').click();
  assert.equal(await app.page.locator('[data-doc-id]').count(), before - 1);
  await app.page.locator('[data-action="notice-undo"]').click();
  await app.openLibrary();
  assert.equal(await app.page.locator('[data-doc-id]').count(), before);
  await app.page.locator('[data-doc-id]').filter({ hasText: '城市更新' }).locator('[data-doc-open]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('城市更新'));
  assert.deepEqual(await app.themesOf((await app.blockIndexes('paragraph'))[1]), ['environment'], 'its tags came back too');
});

test('export the whole library and import it into a fresh profile', async () => {
  await app.openLibrary();
  const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.locator('[data-library-export]').click()]);
  const bytes = await readFile(await download.path());
  const fresh = await openProfile();
  try {
    const other = await AnnotatorPage.open(fresh.context, server.url);
    await other.openLibrary();
    await other.page.locator('input[type=file][data-library-import]').setInputFiles({ name: 'library.json', mimeType: 'application/json', buffer: bytes });
    await other.page.locator('[role="status"]').filter({ hasText: 'Library imported' }).waitFor();
    await other.openLibrary();
    assert.ok((await other.page.locator('[data-doc-id]').count()) >= 3);
    await other.page.locator('[data-doc-id]').filter({ hasText: '城市更新' }).locator('[data-doc-open]').click();
    await other.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('城市更新'));
    assert.deepEqual(await other.themesOf((await other.blockIndexes('paragraph'))[1]), ['environment']);
    other.assertNoConsoleErrors();
  } finally {
    await fresh.close();
  }
});

test('reset the built-in speech to pristine, and undo it', async () => {
  await app.openLibrary();
  await app.page.locator('[data-doc-id]').filter({ hasText: '外经贸' }).locator('[data-doc-reset]').click();
  await app.page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.innerText.includes('外经贸'));
  const first = (await app.blockIndexes('paragraph'))[0];
  assert.deepEqual(await app.themesOf(first), []);
  await app.page.locator('[data-action="notice-undo"]').click();
  assert.deepEqual(await app.themesOf(first), ['trade']);
});

test('no console errors', () => app.assertNoConsoleErrors());
