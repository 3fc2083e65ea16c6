// Starts the key-term worker (src/bin/annotator-worker.rs): a classic
// worker running wasm-bindgen's no-modules glue, which Trunk builds beside
// this file. A wasm that fails to load is rethrown outside the promise, so
// the page's `Worker` gets an `error` event and says so.
importScripts('./annotator-worker.js');
wasm_bindgen({ module_or_path: './annotator-worker_bg.wasm' }).catch((e) => setTimeout(() => { throw e; }));
