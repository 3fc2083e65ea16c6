#!/usr/bin/env node
// Browser benchmark: the Trunk-built page in headless Chromium, medians of
// several runs, printed as one table. Not a test (asserts nothing).
//
//   node bench/page.mjs [runs]      (after scripts/build.sh)
//   BENCH_DIST=… BENCH_SINGLE=… node bench/page.mjs   (another build, e.g. an older one)
//
// Measures bytes over the wire (the page's wasm, the key-term worker's wasm
// and its dictionary apart, gzip and brotli; the single file), navigation →
// first text shown and → key terms highlighted (the served page and the
// single file from file://), the worker's own timings, a tag keypress → the
// DOM showing it on a 1,000-paragraph document, and, side by side in the
// same browser, segmenting the same text with Intl.Segmenter and (if
// installed in bench/node_modules) the jieba-wasm package.
import { readFileSync, existsSync, statSync } from 'node:fs';
import { gzipSync, gunzipSync, brotliCompressSync, constants } from 'node:zlib';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { serve } from '../tests/e2e/support/server.mjs';
import { openProfile } from '../tests/e2e/support/browser.mjs';
import { keypressLatency, scrollFrames } from './measure.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.argv[2] ?? 7);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const rows = [];
const row = (what, value) => { rows.push([what, value]); console.log(`${what.padEnd(64)} ${value}`); };

// Records, relative to navigation start, when text and marks first appear.
const OBSERVE = `
  window.__marks = {};
  new MutationObserver(() => {
    const t = performance.now();
    if (!window.__marks.text && document.querySelector('[data-kind="paragraph"]')) window.__marks.text = t;
    if (!window.__marks.terms && document.querySelector('mark[data-term]')) window.__marks.terms = t;
  }).observe(document, { childList: true, subtree: true });
`;

// Save cost as a user pays it: the page's own save (read what another tab
// wrote, merge, serialise the whole store, write it), triggered synchronously
// by `pagehide`, after accepting every theme suggestion so most paragraphs
// carry tags. Returns the median and the stored size.
async function saveCost(page, runs = 11) {
  // Each click settles one theme's suggestions and removes its button.
  for (let i = 0; i < 12 && (await page.locator('[data-suggestion-accept-all]').count()) > 0; i++) {
    await page.locator('[data-suggestion-accept-all]').first().click();
  }
  return page.evaluate((n) => {
    const times = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      window.dispatchEvent(new Event('pagehide'));
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    const key = Object.keys(localStorage).find((k) => k.includes(':annotations:') && localStorage.getItem(k).length > 1000);
    const tags = document.querySelectorAll('[data-themes]:not([data-themes=""])').length;
    return { ms: times[Math.floor(n / 2)], kb: key ? localStorage.getItem(key).length * 2 / 1024 : 0, tags };
  }, runs);
}

const DIST = process.env.BENCH_DIST ?? join(root, 'dist');
const SINGLE = process.env.BENCH_SINGLE ?? join(root, 'dist-single', 'speech-annotator.html');
const kb = (n) => `${(n / 1000).toFixed(0)} kB`;
/** Raw, gzip -9 and brotli q11 bytes of a built file, or null if the build has none. */
function wire(name) {
  const path = join(DIST, name);
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
const sizes = (w) => (w ? `${kb(w.raw)} raw, ${kb(w.gzip)} gzip, ${kb(w.brotli)} brotli` : 'none in this build');
row('page wasm (speech-annotator_bg.wasm)', sizes(wire('speech-annotator_bg.wasm')));
row('key-term worker wasm (annotator-worker_bg.wasm)', sizes(wire('annotator-worker_bg.wasm')));
const dict = join(DIST, 'dict.txt.gz');
row('dictionary (dict.txt.gz, sent as is)', existsSync(dict) ? `${kb(statSync(dict).size)} (inflates to ${kb(gunzipSync(readFileSync(dict)).length)})` : 'none: inside the page wasm');
const glue = ['speech-annotator.js', 'annotator-worker.js', 'terms-worker.js', 'boot.js', 'main.css'].map(wire).filter(Boolean);
row('JS glue, loaders and CSS together', `${kb(glue.reduce((a, w) => a + w.gzip, 0))} gzip`);
if (existsSync(SINGLE)) row('single file (dist-single/speech-annotator.html)', `${kb(statSync(SINGLE).size)}`);

const server = await serve(DIST);
const speech = readFileSync(join(root, 'assets', 'speech-foreign-trade-2022-07-14.txt'), 'utf8');
try {
  /** Navigation → text and → marks, medians over RUNS fresh profiles, and the worker's own timings. */
  async function open(url) {
    const text = [], terms = [], boot = [], worker = { fetchMs: [], buildMs: [], analyseMs: [] };
    for (let i = 0; i < RUNS; i++) {
      const p = await openProfile();
      const page = p.context.pages()[0];
      await page.addInitScript(OBSERVE);
      await page.goto(url);
      await page.waitForSelector('mark[data-term]', { timeout: 30000 });
      const m = await page.evaluate(() => ({ ...window.__marks, boot: window.__annotatorBootMs, worker: window.__annotatorTerms }));
      text.push(m.text); terms.push(m.terms); boot.push(m.boot);
      for (const k of Object.keys(worker)) if (m.worker?.[k] !== undefined) worker[k].push(m.worker[k]);
      await p.close();
    }
    return { text: median(text), terms: median(terms), boot: median(boot), worker };
  }
  const served = await open(server.url);
  row(`navigation → text shown (median of ${RUNS})`, `${served.text.toFixed(0)} ms`);
  row(`navigation → key terms highlighted (median of ${RUNS})`, `${served.terms.toFixed(0)} ms`);
  row('page wasm fetch + compile + instantiate (boot.js)', `${served.boot.toFixed(0)} ms`);
  if (served.worker.buildMs.length) {
    row('worker: fetch + inflate the dictionary', `${median(served.worker.fetchMs).toFixed(0)} ms`);
    row('worker: build the segmenter and IDF table', `${median(served.worker.buildMs).toFixed(0)} ms`);
    row('worker: key terms of the speech (segment, rank, mark)', `${median(served.worker.analyseMs).toFixed(1)} ms`);
  }
  if (existsSync(SINGLE)) {
    const single = await open(pathToFileURL(SINGLE).href);
    row(`single file from file://: navigation → text shown (median of ${RUNS})`, `${single.text.toFixed(0)} ms`);
    row(`single file from file://: navigation → key terms highlighted (median of ${RUNS})`, `${single.terms.toFixed(0)} ms`);
    row('single file: inflate + compile + instantiate the page wasm', `${single.boot.toFixed(0)} ms`);
  }

  {
    const p = await openProfile();
    const page = p.context.pages()[0];
    await page.goto(server.url);
    await page.waitForSelector('mark[data-term]');
    const c = await saveCost(page);
    row(`save the whole store, the speech (${c.tags} tagged blocks, ${c.kb.toFixed(0)} KB UTF-16)`, `${c.ms.toFixed(2)} ms`);
    await p.close();
  }

  // A 1,000-paragraph document, pasted through the library.
  const paras = speech.split('\n').filter((l) => l.length > 60);
  let long = '千段讲话\n时间:2022-07-14\n';
  for (let i = 0; i < 1000; i++) long += `${paras[i % paras.length]}（第${i}段）\n`;
  const p = await openProfile();
  const page = p.context.pages()[0];
  await page.goto(server.url);
  await page.waitForSelector('mark[data-term]');
  await page.locator('[data-action="library"]').click();
  await page.locator('[data-paste-text]').fill(long);
  const t0 = Date.now();
  await page.locator('[data-paste-open]').click();
  // Over 300 blocks only those near the view are rendered: wait for the title.
  await page.waitForFunction(() => document.querySelector('[data-kind="title"]')?.textContent.includes('千段讲话'));
  row('open a pasted 1,000-paragraph document (click → rendered)', `${Date.now() - t0} ms`);
  await page.waitForSelector('mark[data-term]', { timeout: 60000 });
  // Block 500 (paragraph 498) brought into view by the document's own search.
  await page.locator('[data-doc-search]').fill('（第498段）');
  await page.waitForSelector('[data-block="500"].search-hit');
  await page.locator('[data-block="500"] .para').click();
  const latency = await keypressLatency(page, 500, 21);
  row('tag keypress → DOM updated, 1,000 paragraphs (median of 21)', `${latency.toFixed(1)} ms`);
  const frames = await page.evaluate(async () => {
    const block = document.querySelector('[data-block="500"]');
    const out = [];
    for (let i = 0; i < 11; i++) {
      const start = performance.now();
      window.dispatchEvent(new KeyboardEvent('keydown', { key: '2', bubbles: true }));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      out.push(performance.now() - start);
      void block;
    }
    return out;
  });
  row('tag keypress → next frame painted, 1,000 paragraphs (median of 11)', `${median(frames).toFixed(1)} ms`);
  // Scrolling the whole document: frame intervals while it scrolls from top
  // to bottom in steps of 400 px, one step per frame.
  const scroll = await scrollFrames(page);
  row(`scroll 1,000 paragraphs top to bottom: frame interval median / p95 (${scroll.frames} frames)`, `${scroll.median.toFixed(1)} / ${scroll.p95.toFixed(1)} ms`);
  const longSave = await saveCost(page);
  row(`save the whole store, 1,000 paragraphs (${longSave.tags} tagged blocks, ${longSave.kb.toFixed(0)} KB UTF-16)`, `${longSave.ms.toFixed(2)} ms`);
  // (Agreement recomputation is measured natively: `cargo bench`, last row.)

  // Side by side: the same text segmented in the same browser.
  const sample = speech.repeat(100);
  const intl = await page.evaluate((t) => {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const s = performance.now();
      const seg = new Intl.Segmenter('zh', { granularity: 'word' });
      let n = 0;
      for (const _ of seg.segment(t)) n++;
      times.push(performance.now() - s);
    }
    times.sort((a, b) => a - b);
    return times[2];
  }, sample);
  row(`Intl.Segmenter('zh', word) on the speech ×100 (${(sample.length / 1000).toFixed(0)}k chars)`, `${intl.toFixed(0)} ms`);
  // The key-term worker on the same text, as one block: a fresh worker,
  // its own timings (dictionary load; tag + TF-IDF + TextRank + marks).
  const ours = await page.evaluate(async (t) => {
    if (!window.annotatorWorkerUrl) return null;
    const w = new Worker(window.annotatorWorkerUrl);
    const replies = [];
    const next = (kind) => new Promise((resolve) => {
      const look = () => { const i = replies.findIndex((r) => kind in r); if (i >= 0) resolve(replies.splice(i, 1)[0][kind]); else setTimeout(look, 5); };
      look();
    });
    w.onmessage = (e) => { const r = JSON.parse(e.data); replies.push(typeof r === 'string' ? { [r]: true } : r); };
    await next('Started');
    const ready = await next('Ready');
    const times = [];
    for (let i = 1; i <= 5; i++) {
      w.postMessage(JSON.stringify({ id: i, blocks: [[0, t]], block_count: 1, settings: {}, words: [] }));
      times.push((await next('Done')).ms);
    }
    w.terminate();
    times.sort((a, c) => a - c);
    return { load: ready.fetch_ms + ready.build_ms, analyse: times[2] };
  }, sample);
  if (ours) {
    row('this app (jieba-rs, wasm worker): dictionary fetch + inflate + build', `${ours.load.toFixed(0)} ms`);
    row('this app (jieba-rs, wasm worker): key terms of the speech ×100 as one block', `${ours.analyse.toFixed(0)} ms`);
  }
  await p.close();

  const jw = join(root, 'bench', 'node_modules', 'jieba-wasm', 'pkg', 'web');
  if (existsSync(jw)) {
    const jserver = await serve(join(root, 'bench'));
    const q = await openProfile();
    const page2 = q.context.pages()[0];
    await page2.goto(`${jserver.url}jieba-wasm.html`);
    const r = await page2.evaluate(async (t) => {
      const s0 = performance.now();
      const mod = await import('./node_modules/jieba-wasm/pkg/web/jieba_rs_wasm.js');
      await mod.default();
      const ready = performance.now() - s0;
      const times = [];
      for (let i = 0; i < 5; i++) { const s = performance.now(); mod.cut(t, false); times.push(performance.now() - s); }
      times.sort((a, b) => a - b);
      return { ready, cut: times[2] };
    }, sample);
    row('npm jieba-wasm: import + init', `${r.ready.toFixed(0)} ms`);
    row('npm jieba-wasm: segment the speech ×100', `${r.cut.toFixed(0)} ms`);
    await q.close();
    await jserver.close();
  } else {
    row('npm jieba-wasm', 'not installed (cd bench && npm install jieba-wasm@2.4.0)');
  }
} finally {
  await server.close();
}
