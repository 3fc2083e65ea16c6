// The built-in speech is in the page the build writes (core/src/prerender.rs):
// its text and key terms show before the wasm has loaded, the app takes the
// page over without moving anything, and a click or key that came first is
// not lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './support/env.mjs';
import { openProfile } from './support/browser.mjs';
import { AnnotatorPage } from './support/annotator-page.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.close(); });

/** Holds the page's wasm back until `release()` is called, so the prerendered page can be looked at. */
async function holdWasm(page) {
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/speech-annotator_bg.wasm', async (route) => { await held; await route.continue(); });
  return release;
}

/** Opens the page with its wasm held back, once the prerendered speech is there; returns the release. */
async function openHeld(page) {
  const release = await holdWasm(page);
  await page.goto(server.url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#prerender [data-kind="paragraph"]');
  return release;
}

/** Every block of the page in order: index, kind, id, text and top in page coordinates. */
function blocks(page) {
  return page.$$eval('[data-block]', (els) => els.map((e) => ({
    block: e.dataset.block,
    kind: e.dataset.kind,
    id: e.dataset.blockId,
    text: e.firstElementChild.textContent,
    top: Math.round(e.getBoundingClientRect().top + window.scrollY),
    height: Math.round(e.getBoundingClientRect().height),
  })));
}

test('before the wasm: title, date, headings, paragraphs and key terms are in the page', async () => {
  const profile = await openProfile();
  try {
    const page = profile.context.pages()[0];
    const release = await openHeld(page);
    assert.equal(await page.locator('html[data-app="live"]').count(), 0, 'the app is not in yet');
    assert.equal((await page.locator('[data-kind="title"]').innerText()).trim(), '市长在全市外经贸工作调度会议上的讲话');
    assert.match(await page.locator('[data-kind="meta"]').innerText(), /2022-07-14/);
    assert.equal(await page.locator('[data-kind="heading"]').count(), 5);
    assert.equal(await page.locator('[data-kind="paragraph"]').count(), 22);
    const terms = await page.$$eval('mark[data-term]', (ms) => new Set(ms.map((m) => m.dataset.term)).size);
    assert.ok(terms >= 15, `${terms} distinct key terms`);
    release();
    await page.waitForSelector('html[data-app="live"]');
    assert.equal(await page.locator('#prerender').count(), 0, 'the prerendered page is gone');
  } finally {
    await profile.close();
  }
});

test('the app takes the page over: the same blocks, text and marks, and nothing moves', async () => {
  const profile = await openProfile();
  try {
    const page = profile.context.pages()[0];
    const release = await openHeld(page);
    await page.evaluate(() => window.scrollTo(0, 600));
    const before = await blocks(page);
    const marksBefore = await page.$$eval('mark[data-term]', (ms) => ms.map((m) => `${m.closest('[data-block]').dataset.block}:${m.dataset.term}`));
    const scrolled = await page.evaluate(() => window.scrollY);
    release();
    await page.waitForSelector('html[data-app="live"] [data-kind="paragraph"]');
    const afterBlocks = await blocks(page);
    assert.deepEqual(afterBlocks.map(({ top, ...b }) => b), before.map(({ top, ...b }) => b), 'same blocks, kinds, ids, text and heights');
    for (let i = 0; i < before.length; i++) {
      assert.ok(Math.abs(afterBlocks[i].top - before[i].top) <= 1, `block ${before[i].block} moved from ${before[i].top} to ${afterBlocks[i].top}`);
    }
    assert.equal(await page.evaluate(() => window.scrollY), scrolled, 'the scroll position is kept');
    const marksAfter = await page.$$eval('mark[data-term]', (ms) => ms.map((m) => `${m.closest('[data-block]').dataset.block}:${m.dataset.term}`));
    assert.deepEqual(marksAfter, marksBefore, 'the same key terms, marked at once');
  } finally {
    await profile.close();
  }
});

test('a click and a key that came before the app are kept', async () => {
  const profile = await openProfile();
  try {
    const page = profile.context.pages()[0];
    const release = await openHeld(page);
    const paras = await page.$$eval('[data-kind="paragraph"]', (els) => els.map((e) => Number(e.dataset.block)));
    // A paragraph clicked and tagged with the 2 key (its toggles show once
    // the app is in), then another clicked and tagged with the 1 key.
    await page.locator(`[data-block="${paras[0]}"] p`).click();
    await page.keyboard.press('2');
    await page.locator(`[data-block="${paras[1]}"] p`).click();
    await page.keyboard.press('1');
    // A note opened with n and typed into, all before the app.
    await page.keyboard.press('n');
    await page.keyboard.type('early note');
    release();
    const app = new AnnotatorPage(page);
    await app.waitForText();
    await page.waitForFunction((i) => document.querySelector(`[data-block="${i}"]`)?.dataset.themes === 'investment', paras[1]);
    assert.deepEqual(await app.themesOf(paras[0]), ['trade']);
    assert.deepEqual(await app.themesOf(paras[1]), ['investment']);
    assert.equal(await app.focusedBlock(), paras[1]);
    await page.waitForFunction((i) => document.querySelector(`[data-block="${i}"] [data-note]`)?.value === 'early note', paras[1]);
    await app.settle();
    await app.reload();
    assert.deepEqual(await app.themesOf(paras[0]), ['trade'], 'kept after a reload');
    app.assertNoConsoleErrors();
  } finally {
    await profile.close();
  }
});

test('a returning user: their chosen scheme before the first paint, and the prerendered toggles wait for their own', async () => {
  const profile = await openProfile();
  try {
    const page = profile.context.pages()[0];
    const app = new AnnotatorPage(page);
    await app.goto(server.url);
    const paras = await app.blockIndexes('paragraph');
    await app.clickTheme(paras[0], 'trade');
    await page.locator('[data-action="scheme"]').click();
    const scheme = await page.evaluate(() => document.documentElement.dataset.scheme);
    await app.settle();
    const release = await holdWasm(page);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#prerender');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.scheme), scheme, 'the scheme is applied before the app');
    assert.equal(await page.$eval('#prerender .tags', (e) => getComputedStyle(e).visibility), 'hidden', 'untagged toggles are not shown as the user\'s');
    release();
    await app.waitForText();
    assert.deepEqual(await app.themesOf(paras[0]), ['trade']);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.scheme), scheme);
  } finally {
    await profile.close();
  }
});

test('with another document open, the speech is not shown before it', async () => {
  const profile = await openProfile();
  try {
    const page = profile.context.pages()[0];
    const app = new AnnotatorPage(page);
    await app.goto(server.url);
    await app.openLibrary();
    await page.locator('input[type=file][data-open-text]').setInputFiles({
      name: 'other.txt', mimeType: 'text/plain', buffer: Buffer.from('另一篇讲话\n\n第一段讲投资。\n\n第二段讲贸易。\n'),
    });
    await page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('另一篇讲话'));
    await app.settle();
    const release = await holdWasm(page);
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('#prerender');
    const visibility = await page.$eval('#prerender article', (e) => getComputedStyle(e).visibility);
    assert.equal(visibility, 'hidden', 'the built-in speech does not flash');
    release();
    await page.waitForFunction(() => document.documentElement.dataset.app === 'live' && document.querySelector('[data-kind="title"]')?.textContent.includes('另一篇讲话'));
  } finally {
    await profile.close();
  }
});
