// A colleague's REFI-QDA project opens as it is: every text source a
// document, every coding where its coder put it, one undo for all; the whole
// library goes back out as one .qdpx. Cases: fixtures/cases/refi
// (two-sources, utf16-positions, other-document) and fixtures/projects/mixed.qdpx
// (two coders, codes three deep, a PDF, a picture and an audio source).
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

const fixture = (path) => readFile(new URL(`./fixtures/${path}`, import.meta.url));

async function fresh(fn) {
  const profile = await openProfile();
  try {
    const p = await AnnotatorPage.open(profile.context, server.url);
    await fn(p);
    p.assertNoConsoleErrors();
  } finally {
    await profile.close();
  }
}

const sources = (p) =>
  p.page.locator('[data-import-source]').evaluateAll((els) =>
    els.map((e) => ({
      kind: e.dataset.kind,
      codings: Number(e.dataset.codings),
      picked: e.querySelector('input[data-import-source-pick]').checked,
      disabled: e.querySelector('input[data-import-source-pick]').disabled,
      name: e.querySelector('.source-name').textContent,
    })),
  );

async function libraryTitles(p) {
  await p.openLibrary();
  return p.page.locator('[data-doc-title]').allInnerTexts();
}

async function openDoc(p, title) {
  await p.openLibrary();
  const entry = p.page.locator('[data-doc-id]').filter({ has: p.page.locator('[data-doc-title]', { hasText: title }) });
  await entry.locator('[data-doc-open]').click();
  await p.page.locator('[data-doc-id].current [data-doc-title]', { hasText: title }).waitFor({ state: 'attached' });
}

/** The own set's themes of the paragraph holding `text`, as `data-themes` says. */
const themesOfText = (p, text) =>
  p.page.$$eval('[data-block]', (els, t) => els.find((e) => e.textContent.includes(t))?.dataset.themes ?? null, text);

test('every text source of a project is offered with its codings, and lands as its own document (case two-sources)', async () => {
  await fresh(async (p) => {
    await p.importFile({ name: 'two-sources.qdpx', bytes: await fixture('cases/refi/two-sources.qdpx') });
    await p.page.locator('[data-import-sources]').waitFor();
    assert.deepEqual(await sources(p), [
      { kind: 'text', codings: 0, picked: true, disabled: false, name: 'uncoded source' },
      { kind: 'text', codings: 2, picked: true, disabled: false, name: 'coded source' },
    ]);
    assert.equal(await p.page.locator('[data-import-offset-unit]').getAttribute('data-import-offset-unit'), 'code-points');
    // Leave the uncoded source out.
    await p.page.locator('[data-import-source] input[data-import-source-pick]').first().uncheck();
    await p.page.locator('[data-import-mode="merge"]').click();
    const notice = p.page.locator('.notice').filter({ hasText: 'two-sources.qdpx' });
    await notice.waitFor();
    assert.match(await notice.innerText(), /1 文档 documents \(1 新 new\), 2 标签 tags/);
    const titles = await libraryTitles(p);
    assert.equal(titles.length, 2, `${titles}`);
    // The built-in speech is untouched; the coded source carries both codings.
    assert.equal(await p.page.locator('[data-kind="paragraph"][data-themes]:not([data-themes=""])').count(), 0);
    assert.ok(titles.includes('coded source'), `named as the source: ${titles}`);
    await openDoc(p, 'coded source');
    await p.page.waitForFunction(() => document.querySelectorAll('[data-kind="paragraph"]:not([data-themes=""])').length === 2);
  });
});

test('NVivo-style UTF-16 positions tag only the coded line (case utf16-positions)', async () => {
  await fresh(async (p) => {
    await p.importFile({ name: 'utf16-positions.qdpx', bytes: await fixture('cases/refi/utf16-positions.qdpx') });
    await p.page.locator('[data-import-sources]').waitFor();
    assert.equal(await p.page.locator('[data-import-offset-unit]').getAttribute('data-import-offset-unit'), 'utf16');
    await p.page.locator('[data-import-mode="merge"]').click();
    await p.page.locator('.notice').filter({ hasText: 'utf16-positions.qdpx' }).waitFor();
    await openDoc(p, 'comments');
    await p.page.waitForFunction(() => document.querySelectorAll('[data-kind="paragraph"]:not([data-themes=""])').length === 1);
    assert.ok(await themesOfText(p, 'This is the coded comment, long enough to matter.'));
    assert.equal(await themesOfText(p, 'Last comment.'), '');
  });
});

test('a mixed project: non-text sources counted, deep codes flattened, coders side by side, one undo for all', async () => {
  await fresh(async (p) => {
    await p.importFile({ name: 'mixed.qdpx', bytes: await fixture('projects/mixed.qdpx') });
    await p.page.locator('[data-import-sources]').waitFor();
    const listed = await sources(p);
    assert.deepEqual(listed.map((s) => [s.kind, s.codings, s.picked, s.disabled]), [
      ['text', 2, true, false],
      ['text', 1, true, false],
      ['pdf', 1, false, true],
      ['picture', 0, false, true],
      ['audio', 0, false, true],
    ]);
    assert.match(await p.page.locator('[data-import-skipped]').innerText(), /1 PDF \(1 codings\)/);
    assert.match(await p.page.locator('[data-import-flattened]').innerText(), /外资 › 园区/);
    assert.match(await p.page.locator('[data-import-users]').innerText(), /李明.*Wang/);
    // The unused code can be left out.
    await p.page.locator('[data-import-leave-unused]').check();
    await p.page.locator('[data-import-mode="side-by-side"]').click();
    const notice = p.page.locator('.notice').filter({ hasText: 'mixed.qdpx' });
    await notice.waitFor();
    assert.match(await notice.innerText(), /2 文档 documents \(2 新 new\), 3 标签 tags, 1 笔记 notes/);
    // One undo takes both documents back out of the library.
    await notice.locator('[data-action="notice-undo"]').click();
    await p.openLibrary();
    await p.page.waitForFunction(() => document.querySelectorAll('[data-doc-id]').length === 1);
    // Again, to look at what it brings.
    await p.importFile({ name: 'mixed.qdpx', bytes: await fixture('projects/mixed.qdpx') });
    await p.page.locator('[data-import-leave-unused]').check();
    await p.page.locator('[data-import-mode="side-by-side"]').click();
    await p.page.locator('.notice').filter({ hasText: 'mixed.qdpx' }).waitFor();
    await openDoc(p, 'first');
    const coders = await p.page.locator('[data-coder-row] span:first-child').allInnerTexts();
    assert.deepEqual(coders.sort(), ['Wang', '李明']);
    assert.equal(await p.page.locator('[data-theme-row]').filter({ hasText: '未用' }).count(), 0, 'left out');
    assert.equal(await p.page.locator('[data-theme-row]').filter({ hasText: '外资 › 园区' }).count(), 1);
  });
});

test('a project for another document attaches nothing to the open one (case other-document)', async () => {
  await fresh(async (p) => {
    await p.importFile({ name: 'other-document.qdpx', bytes: await fixture('cases/refi/other-document.qdpx') });
    await p.page.locator('[data-import-other-document]').waitFor();
    await p.page.locator('[data-import-mode="merge"]').click();
    await p.page.locator('.notice').filter({ hasText: 'other-document.qdpx' }).waitFor();
    assert.equal(await p.page.locator('[data-kind="paragraph"]:not([data-themes=""])').count(), 0);
    assert.equal((await libraryTitles(p)).length, 2, 'the source is a document of its own');
  });
});

test('the whole library exports as one .qdpx and comes back into a fresh profile the same', async () => {
  let file;
  let before;
  await fresh(async (p) => {
    await p.importFile({ name: 'mixed.qdpx', bytes: await fixture('projects/mixed.qdpx') });
    await p.page.locator('[data-import-mode="side-by-side"]').click();
    await p.page.locator('.notice').filter({ hasText: 'mixed.qdpx' }).waitFor();
    await p.clickTheme((await p.blockIndexes('paragraph'))[0], 'investment');
    await p.settle();
    file = await p.download('qdpx-library');
    assert.match(file.name, /library.*\.qdpx$/);
    before = await libraryTitles(p);
  });
  await fresh(async (p) => {
    await p.importFile(file);
    await p.page.locator('[data-import-sources]').waitFor();
    assert.equal((await sources(p)).length, 3, 'the built-in speech and two documents');
    await p.page.locator('[data-import-mode="side-by-side"]').click();
    await p.page.locator('.notice').filter({ hasText: file.name }).waitFor();
    assert.deepEqual((await libraryTitles(p)).sort(), before.sort());
    await openDoc(p, 'first');
    const coders = await p.page.locator('[data-coder-row] span:first-child').allInnerTexts();
    assert.deepEqual(coders.sort(), ['Wang', '李明']);
  });
});
