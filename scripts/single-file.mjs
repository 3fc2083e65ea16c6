#!/usr/bin/env node
// Packs the Trunk build (dist/) into one self-contained HTML file that works
// when opened from the file system (file://): the stylesheet and the
// wasm-bindgen glue inline, the wasm gzip-compressed and embedded as base64
// (inflated at start by the browser's DecompressionStream). The key-term
// worker travels inside too: its glue, its wasm and its dictionary
// (dict.txt.gz) make one script that the page starts from a Blob URL, so
// nothing is fetched. The inline script is allowed by its SHA-256 in the
// Content-Security-Policy, so the policy still forbids any other script;
// `worker-src blob:` lets the worker start.
//
// Usage: node scripts/single-file.mjs [dist] [out.html]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist';
const out = process.argv[3] ?? 'dist-single/speech-annotator.html';

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const css = readFileSync(join(dist, 'main.css'), 'utf8');
let glue = readFileSync(join(dist, 'speech-annotator.js'), 'utf8');
const wasm = readFileSync(join(dist, 'speech-annotator_bg.wasm'));
const workerGlue = readFileSync(join(dist, 'annotator-worker.js'), 'utf8');
const workerWasm = readFileSync(join(dist, 'annotator-worker_bg.wasm'));
const dictionary = readFileSync(join(dist, 'dict.txt.gz'));

// The glue is an ES module; inline, it needs no exports and must not look
// for its wasm next to itself.
glue = glue
  .replace(/^export \{[^}]*\};?\s*$/gm, '')
  .replace(/^export (default )?/gm, '');
if (/\bexport\b\s*[{*]/.test(glue)) throw new Error('unexpected export left in the glue');

const gz = (bytes) => gzipSync(bytes, { level: 9 });
const mainGz = gz(wasm);
const workerGz = gz(workerWasm);
// Base64 to bytes, and gzip to bytes, in the page and in the worker alike.
const helpers = `
const fromBase64 = (s) => { const b = atob(s); const out = new Uint8Array(b.length); for (let i = 0; i < b.length; i++) out[i] = b.charCodeAt(i); return out; };
const gunzip = (bytes) => new Response(new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
`;
// What terms-worker.js does in dist/, with everything inline: the worker
// (src/bin/annotator-worker.rs) takes its dictionary from
// self.annotatorDictionary instead of fetching dict.txt.gz.
const workerScript = `${workerGlue}
;(() => {${helpers}
self.annotatorDictionary = new Blob([fromBase64("${dictionary.toString('base64')}")]);
gunzip(fromBase64("${workerGz.toString('base64')}"))
  .then((module) => wasm_bindgen({ module_or_path: module }))
  .catch((e) => setTimeout(() => { throw e; }));
})();
`;
// A string literal inside an inline <script>: no "</" may close it early.
const literal = (text) => JSON.stringify(text).replace(/<\//g, '<\\/').replace(/<!--/g, '<\\!--');

const boot = `
${glue}
${helpers}
window.annotatorWorkerUrl = URL.createObjectURL(new Blob([${literal(workerScript)}], { type: 'text/javascript' }));
// As boot.js: the worker starts before the page's wasm is inflated and compiled.
try {
  const worker = new Worker(window.annotatorWorkerUrl);
  const early = [];
  worker.onmessage = worker.onerror = worker.onmessageerror = (e) => { early.push(e); };
  window.annotatorWorker = { worker, early };
} catch {}
const started = performance.now();
const bytes = await gunzip(fromBase64("${mainGz.toString('base64')}"));
await __wbg_init({ module_or_path: bytes });
window.__annotatorBootMs = performance.now() - started;
`;
if (/<\/script|<!--/i.test(boot)) throw new Error('the inline script would be cut short by "</script" or "<!--"');
const hash = createHash('sha256').update(boot, 'utf8').digest('base64');
// early.js (before the body: early input, the prerendered speech) inline too.
const early = readFileSync(join(dist, 'early.js'), 'utf8');
if (/<\/script|<!--/i.test(early)) throw new Error('early.js would be cut short by "</script" or "<!--"');
const earlyHash = createHash('sha256').update(early, 'utf8').digest('base64');
const csp = `default-src 'none'; script-src 'sha256-${hash}' 'sha256-${earlyHash}' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; worker-src blob:; object-src 'none'; base-uri 'none'; form-action 'none'`;

let page = html
  .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`)
  .replace(/<link rel="stylesheet"[^>]*>/, () => `<style>\n${css}\n</style>`)
  .replace(/<script type="module" src="[^"]*boot\.js"><\/script>/, () => `<script type="module">${boot}</script>`)
  .replace(/<script src="[^"]*early\.js"><\/script>/, () => `<script>${early}</script>`)
  .replace(/<link rel="(modulepreload|preload)"[^>]*>/g, '');
if (!page.includes(boot)) throw new Error('boot script not placed: has index.html changed?');
if (!page.includes(`<script>${early}</script>`)) throw new Error('early.js not placed: has index.html changed?');
if (/<link[^>]+href="\.\//.test(page) || /src="\.\//.test(page)) throw new Error('a reference to a separate file is left');

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, page);
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`${out}: ${kb(statSync(out).size)} (as gzip + base64: page wasm ${kb(mainGz.length)} gzip, worker wasm ${kb(workerGz.length)} gzip, dictionary ${kb(dictionary.length)} gzip)`);
