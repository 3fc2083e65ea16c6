// Loads the app. An external module rather than Trunk's inline script, so the
// Content-Security-Policy needs no 'unsafe-inline' for scripts.
import init, * as bindings from './speech-annotator.js';

// The key-term worker's script (src/terms_worker.rs reads this name).
window.annotatorWorkerUrl = new URL('./terms-worker.js', import.meta.url).href;
const started = performance.now();
await init({ module_or_path: new URL('./speech-annotator_bg.wasm', import.meta.url) });
window.__annotatorBootMs = performance.now() - started;
// For benchmarks and users' scripts (bench/page.mjs).
window.annotatorBindings = bindings;
