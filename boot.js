// Loads the app. An external module rather than Trunk's inline script, so the
// Content-Security-Policy needs no 'unsafe-inline' for scripts.
import init, * as bindings from './speech-annotator.js';

// The key-term worker starts first, so its dictionary loads while the page's
// wasm compiles. src/terms_worker.rs adopts it with what it said meanwhile
// (`early`); if it could not start here, the app starts it from the URL and
// reports why not.
window.annotatorWorkerUrl = new URL('./terms-worker.js', import.meta.url).href;
try {
  const worker = new Worker(window.annotatorWorkerUrl);
  const early = [];
  worker.onmessage = worker.onerror = worker.onmessageerror = (e) => { early.push(e); };
  window.annotatorWorker = { worker, early };
} catch {
  // Left to the app, which says why in its notice.
}
const started = performance.now();
await init({ module_or_path: new URL('./speech-annotator_bg.wasm', import.meta.url) });
window.__annotatorBootMs = performance.now() - started;
// For benchmarks and users' scripts (bench/page.mjs).
window.annotatorBindings = bindings;
