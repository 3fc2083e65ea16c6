#!/usr/bin/env node
// Browser benchmark of a long document: the 15,000-line text of the scale
// case (a REFI-QDA project with 60 codes and 2 codings) in headless
// Chromium. Not a test (asserts nothing); prints one table.
//
//   node bench/scale.mjs [step timeout in s, default 120] [dist folder, default dist]
//
// Each step is timed from its action to the DOM showing the result, with
// the longest main-thread task (PerformanceObserver 'longtask') in it:
// import → "Open that document" → text shown, then until its key terms are
// highlighted; a reload with the document open; a tag keypress; scrolling
// the whole document (frame interval median and p95); adding a theme; and
// merging the project's 60 codes (imported again). The steps an old build
// may never finish (adding a theme, merging) come last: a step that does
// not finish within the timeout is reported as "> timeout" and the rest is
// skipped. Traps (wasm `unreachable`) and console errors are reported.
// With TASKS=1 in the environment, every long task of a step is listed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import { serve } from '../tests/e2e/support/server.mjs';
import { openProfile } from '../tests/e2e/support/browser.mjs';
import { keypressLatency, scrollFrames } from './measure.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT = Number(process.argv[2] ?? 120) * 1000;
const DIST = resolve(process.argv[3] ?? join(root, 'dist'));
const CASE = join(root, 'tests', 'e2e', 'fixtures', 'cases', 'scale', 'large-text-60-codes.qdpx');
const ms = (x) => `${Math.round(x)} ms`;
const row = (what, value) => console.log(`${what.padEnd(72)} ${value}`);

// Long tasks, kept in a global the steps read.
const OBSERVE = `
  window.__long = [];
  new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true });
`;

const server = await serve(DIST);
const profile = await openProfile();
const page = profile.context.pages()[0];
const errors = [];
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
page.on('pageerror', (e) => errors.push(String(e)));
await page.addInitScript(OBSERVE);
page.setDefaultTimeout(TIMEOUT);
const bytes = readFileSync(CASE);
const importCase = () => page.locator('input[type=file][data-import]')
  .setInputFiles({ name: 'large-text-60-codes.qdpx', mimeType: 'application/octet-stream', buffer: bytes });
const now = () => page.evaluate(() => performance.now());

/** The longest task since `t0` (page time), and the list of them. */
async function tasksSince(t0) {
  const tasks = await page.evaluate((t) => window.__long.filter(([s]) => s >= t).map(([s, d]) => [Math.round(s - t), Math.round(d)]), t0);
  return { longest: Math.max(0, ...tasks.map(([, d]) => d)), tasks };
}

/** Runs `act`, waits for `done`; reports the wall time and the longest task. */
async function step(name, act, done, settle = 0) {
  const t0 = await now();
  const w0 = Date.now();
  await act();
  try {
    await done();
  } catch (e) {
    row(name, `> ${TIMEOUT / 1000} s (did not finish)`);
    throw e;
  }
  const wall = Date.now() - w0;
  if (settle) await page.waitForTimeout(settle);
  const { longest, tasks } = await tasksSince(t0);
  row(name, `${ms(wall)} (longest task ${ms(longest)})`);
  if (process.env.TASKS) console.log(`    long tasks [start, duration] ms: ${JSON.stringify(tasks)}`);
}

const textShown = () => page.waitForFunction(
  () => [...document.querySelectorAll('[data-kind="paragraph"]')].some((e) => e.textContent.includes('Comment number 0:')),
  null, { timeout: TIMEOUT, polling: 50 });
const termsShown = () => page.waitForFunction(
  () => [...document.querySelectorAll('[data-kind="paragraph"]')].some((e) => e.textContent.includes('Comment number 0:') && e.querySelector('mark[data-term]')),
  null, { timeout: TIMEOUT, polling: 50 });

try {
  await page.goto(server.url);
  await page.waitForSelector('mark[data-term]', { timeout: 30000 });
  await importCase();
  await page.locator('[data-import-open-document]').waitFor();

  const t0 = await now();
  await step('"Open that document" (15,000 lines) → text shown',
    () => page.locator('[data-import-open-document]').click(), textShown);
  await step('… → its key terms highlighted', async () => {}, termsShown, 500);
  row('… longest task from the click to 0.5 s after the terms', ms((await tasksSince(t0)).longest));
  await page.locator('[data-import-cancel]').click().catch(() => {});
  row('blocks in the page', String(await page.locator('[data-block]').count()));

  await page.evaluate(() => { window.__long = []; });
  const n0 = Date.now();
  await page.reload();
  await textShown();
  const shown = Date.now() - n0;
  await termsShown();
  const highlighted = Date.now() - n0;
  await page.waitForTimeout(1000);
  row('reload with the 15,000-line text open → text shown', ms(shown));
  row('reload → key terms highlighted', ms(highlighted));
  row('longest task from the reload to 1 s after the terms', ms(await page.evaluate(() => Math.max(0, ...window.__long.map(([, d]) => d)))));

  // Tag keypresses (theme 1) on a paragraph on screen.
  const target = await page.evaluate(() => {
    const els = [...document.querySelectorAll('[data-kind="paragraph"]')];
    return Number((els.find((e) => e.getBoundingClientRect().top > 200) ?? els[0]).dataset.block);
  });
  await page.locator(`[data-block="${target}"] .para`).click();
  const latency = await keypressLatency(page, target, 11);
  row('tag keypress → data-themes updated (median of 11)', `${latency.toFixed(1)} ms`);

  const scroll = await scrollFrames(page);
  row(`scroll 400 px a frame: frame interval median / p95 (${scroll.frames} frames)`, `${scroll.median.toFixed(1)} / ${scroll.p95.toFixed(1)} ms`);
  row('blocks in the page after scrolling', String(await page.locator('[data-block]').count()));
  await page.evaluate(() => window.scrollTo(0, 0));

  await step('add a theme (editor saved) → its row shown',
    async () => {
      await page.locator('[data-theme-add]').click();
      await page.locator('[data-theme-name-zh]').fill('规模测试');
      await page.locator('[data-theme-name-en]').fill('scale test');
      await page.locator('[data-theme-save]').click();
    },
    () => page.locator('[data-theme-row]').filter({ hasText: '规模测试' }).waitFor({ timeout: TIMEOUT }), 500);

  await importCase();
  await page.locator('[data-import-mode="merge"]').waitFor();
  await step('import the project again, Merge (60 codes, 2 codings) → tags shown',
    () => page.locator('[data-import-mode="merge"]').click(),
    () => page.waitForFunction(() => document.querySelectorAll('[data-block][data-themes]:not([data-themes=""])').length >= 2
      && document.querySelectorAll('[data-theme-row]').length >= 60, null, { timeout: TIMEOUT, polling: 100 }), 500);
} catch (e) {
  console.log(`stopped: ${String(e).split('\n')[0]}`);
} finally {
  row('page errors (traps, console errors)', errors.length ? errors.map((e) => e.slice(0, 160)).join(' | ') : 'none');
  await profile.close();
  await server.close();
}
