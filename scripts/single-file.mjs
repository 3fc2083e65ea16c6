#!/usr/bin/env node
// Packs the Trunk build (dist/) into one self-contained HTML file that works
// when opened from the file system (file://): the stylesheet and the
// wasm-bindgen glue inline, the wasm embedded as base64. The inline script is
// allowed by its SHA-256 in the Content-Security-Policy, so the policy still
// forbids any other script.
//
// Usage: node scripts/single-file.mjs [dist] [out.html]
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const dist = process.argv[2] ?? 'dist';
const out = process.argv[3] ?? 'dist-single/speech-annotator.html';

const html = readFileSync(join(dist, 'index.html'), 'utf8');
const css = readFileSync(join(dist, 'main.css'), 'utf8');
let glue = readFileSync(join(dist, 'speech-annotator.js'), 'utf8');
const wasm = readFileSync(join(dist, 'speech-annotator_bg.wasm'));

// The glue is an ES module; inline, it needs no exports and must not look
// for its wasm next to itself.
glue = glue
  .replace(/^export \{[^}]*\};?\s*$/gm, '')
  .replace(/^export (default )?/gm, '');
if (/\bexport\b\s*[{*]/.test(glue)) throw new Error('unexpected export left in the glue');

const boot = `
${glue}
const wasmBase64 = "${wasm.toString('base64')}";
const started = performance.now();
const bytes = Uint8Array.from(atob(wasmBase64), (c) => c.charCodeAt(0));
await __wbg_init({ module_or_path: bytes });
window.__annotatorBootMs = performance.now() - started;
`;
const hash = createHash('sha256').update(boot, 'utf8').digest('base64');
const csp = `default-src 'none'; script-src 'sha256-${hash}' 'wasm-unsafe-eval'; style-src 'unsafe-inline'; img-src data: blob:; object-src 'none'; base-uri 'none'; form-action 'none'`;

let page = html
  .replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, `<meta http-equiv="Content-Security-Policy" content="${csp}">`)
  .replace(/<link rel="stylesheet"[^>]*>/, () => `<style>\n${css}\n</style>`)
  .replace(/<script type="module" src="[^"]*boot\.js"><\/script>/, () => `<script type="module">${boot}</script>`)
  .replace(/<link rel="(modulepreload|preload)"[^>]*>/g, '');
if (!page.includes(boot)) throw new Error('boot script not placed: has index.html changed?');
if (/<link[^>]+href="\.\//.test(page) || /src="\.\//.test(page)) throw new Error('a reference to a separate file is left');

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, page);
const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`${out}: ${kb(statSync(out).size)} (wasm ${kb(wasm.length)} as base64)`);
