// The key-term worker: the page's wasm has no dictionary, the worker loads
// it; when the worker or its dictionary fails, the page says so in both
// languages and reading and tagging go on without key terms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DIST } from './support/env.mjs';
import { serve } from './support/server.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

const copies = [];
after(() => { for (const dir of copies) rmSync(dir, { recursive: true, force: true }); });

/**
 * The built-in speech's key terms are written into the page by the build
 * (prerender.test.mjs), so the worker is not asked for them; these tests
 * are about the worker, so their copies of the page leave them out.
 */
function withoutBuildTerms(dir) {
  const file = join(dir, 'index.html');
  const html = readFileSync(file, 'utf8');
  const stripped = html.replace(/<script type="application\/json" id="builtin-analysis"[^>]*>[\s\S]*?<\/script>/, '');
  assert.notEqual(stripped, html, 'the page carries the build\'s key terms');
  writeFileSync(file, stripped);
}

/** A copy of the built page (without the build's key terms) with one change made to it, served. */
async function brokenCopy(change) {
  const dir = mkdtempSync(join(tmpdir(), 'annotator-dist-'));
  copies.push(dir);
  cpSync(DIST, dir, { recursive: true });
  withoutBuildTerms(dir);
  change(dir);
  return serve(dir);
}

/** Opens the page, waits for the key-term notice, and checks that tagging still works. */
async function expectUnavailable(server, reason) {
  const profile = await openProfile();
  try {
    const app = await AnnotatorPage.open(profile.context, server.url);
    const notice = app.alerts().filter({ hasText: '关键词不可用' });
    await notice.waitFor({ timeout: 20000 });
    const text = await notice.innerText();
    assert.match(text, /关键词不可用.* · Key terms unavailable/);
    assert.match(text, reason);
    await app.page.locator('[data-terms-unavailable]').waitFor();
    assert.equal(await app.page.locator('[data-segmenting="true"]').count(), 0, 'the progress line gives way');
    assert.equal(await app.page.locator('mark[data-term]').count(), 0);
    // The page works on: a tag, kept across a reload.
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[0], 'trade');
    await app.settle();
    await app.reload();
    assert.deepEqual(await app.themesOf(paras[0]), ['trade']);
    const traps = app.errors.filter((e) => /unreachable|panicked|RuntimeError/.test(e));
    assert.deepEqual(traps, [], 'the page never traps');
  } finally {
    await profile.close();
    await server.close();
  }
}

let server, profile, app;
before(async () => {
  server = await brokenCopy(() => {});
  profile = await openProfile();
  app = await AnnotatorPage.open(profile.context, server.url);
});
after(async () => {
  await profile?.close();
  await server?.close();
});

test('the dictionary is the worker\'s own file: the page\'s wasm does not carry it', async () => {
  const requests = [];
  app.page.context().on('request', (r) => requests.push(new URL(r.url()).pathname));
  await app.reload();
  await app.waitForTerms();
  assert.ok(requests.some((p) => p.endsWith('/dict.txt.gz')), `dictionary fetched: ${requests.join(' ')}`);
  assert.ok(requests.some((p) => p.endsWith('/annotator-worker_bg.wasm')));
  const timings = await app.page.evaluate(() => window.__annotatorTerms);
  assert.ok(timings.fetchMs >= 0 && timings.buildMs > 0 && timings.analyseMs >= 0, JSON.stringify(timings));
});

test('the text shows before the key terms, which follow without a reload', async () => {
  await app.page.addInitScript(() => {
    window.__seen = {};
    new MutationObserver(() => {
      const t = performance.now();
      if (!window.__seen.text && document.querySelector('[data-kind="paragraph"]')) window.__seen.text = t;
      if (!window.__seen.terms && document.querySelector('mark[data-term]')) window.__seen.terms = t;
    }).observe(document, { childList: true, subtree: true });
  });
  await app.reload();
  await app.waitForTerms();
  const seen = await app.page.evaluate(() => window.__seen);
  assert.ok(seen.text <= seen.terms, JSON.stringify(seen));
  assert.ok((await app.page.locator('mark[data-term]').count()) > 20);
});

test('a missing dictionary: a bilingual notice, and the page works without key terms', async () => {
  await expectUnavailable(await brokenCopy((dir) => rmSync(join(dir, 'dict.txt.gz'))), /HTTP 404/);
});

test('a dictionary that is not ours (an error page in its place) is named as such', async () => {
  const page = gzipSync('<!DOCTYPE html><html><body>Not found</body></html>');
  await expectUnavailable(await brokenCopy((dir) => writeFileSync(join(dir, 'dict.txt.gz'), page)), /不是本应用的词典.*not this app's dictionary/);
});

test('a corrupt gzip dictionary fails to inflate, with the browser\'s reason', async () => {
  const corrupt = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(64, 7)]);
  await expectUnavailable(await brokenCopy((dir) => writeFileSync(join(dir, 'dict.txt.gz'), corrupt)), /无法加载分词词典.*could not be loaded/);
});

test('a dictionary the server already inflated (Content-Encoding: gzip) still loads', async () => {
  const server = await brokenCopy((dir) => writeFileSync(join(dir, 'dict.txt.gz'), gunzipSync(readFileSync(join(dir, 'dict.txt.gz')))));
  const p = await openProfile();
  try {
    const page = await AnnotatorPage.open(p.context, server.url);
    await page.waitForTerms();
    assert.equal(await page.alerts().count(), 0);
  } finally {
    await p.close();
    await server.close();
  }
});

test('a worker whose wasm is missing, or whose script is: a notice, never a trap', async () => {
  await expectUnavailable(await brokenCopy((dir) => rmSync(join(dir, 'annotator-worker_bg.wasm'))), /关键词线程无法运行/);
  await expectUnavailable(await brokenCopy((dir) => rmSync(join(dir, 'terms-worker.js'))), /关键词线程无法运行/);
});

test('no console errors on the working page', () => app.assertNoConsoleErrors());
