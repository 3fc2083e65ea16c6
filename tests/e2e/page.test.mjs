// The annotator page: the built-in speech, structured, with key terms highlighted.
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
  await app.waitForTerms();
});

after(async () => {
  await profile?.close();
  await server?.close();
});

test('the speech renders as title, date, five headings and paragraphs', async () => {
  const title = app.page.locator('[data-kind="title"]');
  assert.equal(await title.count(), 1);
  assert.equal((await title.innerText()).trim(), '市长在全市外经贸工作调度会议上的讲话');
  assert.match(await app.page.locator('[data-kind="meta"]').innerText(), /2022-07-14/);
  const headings = await app.page.locator('[data-kind="heading"]').allInnerTexts();
  assert.equal(headings.length, 5);
  assert.deepEqual(headings.map((h) => h.trim()[0]), ['一', '二', '三', '四', '五']);
  assert.equal(await app.page.locator('[data-kind="paragraph"]').count(), 22);
  // sub-points stay inside paragraphs
  const paras = await app.page.locator('[data-kind="paragraph"]').allInnerTexts();
  assert.ok(paras.some((p) => p.trim().startsWith('(一)')));
  assert.ok(paras.some((p) => p.trim().startsWith('一要')));
});

test('navigation residue is kept out of the analysis and shown dimmed', async () => {
  const residue = app.page.locator('[data-kind="residue"]');
  assert.equal(await residue.count(), 2);
  const last = residue.last();
  assert.match(await last.innerText(), /上一篇/);
  assert.equal(await last.locator('mark').count(), 0, 'no key terms marked in residue');
  // dimmed by a muted colour (not by transparency, which would fail the contrast check)
  const [colour, text] = await last.locator('p').evaluate((e) => [getComputedStyle(e).color, getComputedStyle(document.body).color]);
  assert.notEqual(colour, text, 'residue is dimmed');
});

test('at least 15 distinct key terms are marked, the top ten highlighted, 外经贸 among them, filler not', async () => {
  const terms = await app.page.$$eval('mark[data-term]', (ms) => [...new Set(ms.map((m) => m.dataset.term))]);
  assert.ok(terms.length >= 15, `only ${terms.length} distinct terms`);
  assert.ok(terms.includes('外经贸'));
  for (const filler of ['工作', '二要', '三要', '部门', '××']) assert.ok(!terms.includes(filler), `${filler} highlighted`);
  const ranked = await app.page.$$eval('[data-term-rank]', (li) => li.map((l) => [Number(l.dataset.termRank), l.dataset.term]));
  assert.deepEqual(ranked[0], [1, '外经贸']);
  assert.deepEqual(ranked.map(([r]) => r), ranked.map((_, i) => i + 1));
  const highlighted = await app.page.$$eval('mark[data-term]:not(.quiet)', (ms) => [...new Set(ms.map((m) => m.dataset.term))]);
  assert.deepEqual(highlighted.sort(), ranked.slice(0, 10).map(([, t]) => t).filter((t) => terms.includes(t)).sort());
});

test('clicking a term marks all its occurrences and lists its paragraphs', async () => {
  const term = '招商引资';
  const total = await app.page.locator(`mark[data-term="${term}"]`).count();
  assert.ok(total >= 3);
  await app.page.locator(`[data-term-rank][data-term="${term}"] button.term`).click();
  assert.equal(await app.page.locator(`mark[data-term="${term}"].lit`).count(), total);
  assert.equal(await app.page.locator('mark.lit').count(), total, 'only that term is lit');
  const where = app.page.locator(`[data-term="${term}"] [data-goto-block]`);
  assert.ok((await where.count()) >= 2);
  // clicking a mark in the text toggles the same selection off
  await app.page.locator(`mark[data-term="${term}"]`).first().click();
  assert.equal(await app.page.locator('mark.lit').count(), total, 'still lit while hovered');
  await app.page.mouse.move(0, 0);
  assert.equal(await app.page.locator('mark.lit').count(), 0);
});

test('the table of contents scrolls to a heading', async () => {
  await app.page.locator('[data-toc]').nth(3).click();
  const heading = app.page.locator('[data-kind="heading"]').nth(3);
  await app.page.waitForFunction((el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight / 2;
  }, await heading.elementHandle());
});

test('the layout holds from a narrow window to a wide one', async () => {
  for (const width of [700, 1024, 1900]) {
    await app.page.setViewportSize({ width, height: 900 });
    const overflow = await app.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `horizontal overflow of ${overflow}px at ${width}px`);
    const box = await app.page.locator('[data-kind="paragraph"]').first().boundingBox();
    assert.ok(box.width > 300, `paragraph only ${box.width}px wide at ${width}px`);
  }
  await app.page.setViewportSize({ width: 1400, height: 900 });
});

test('no console errors', () => {
  app.assertNoConsoleErrors();
});
