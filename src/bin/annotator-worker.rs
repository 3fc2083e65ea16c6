//! The key-term worker: a dedicated Web Worker that owns the segmenter, so
//! the page's wasm carries neither the dictionary nor jieba.
//!
//! On start it says [`Reply::Started`] and loads the dictionary: the
//! gzip-compressed `dict.txt.gz` next to its script (or the `Blob` its
//! loader put at `self.annotatorDictionary`, as the single-file build
//! does), inflated by the browser's `DecompressionStream` (unless a server
//! already inflated it), then built into an [`Engine`]. Jobs that arrive meanwhile wait; only the
//! latest waiting one is run, since the page keeps only the latest answer.
//! Every failure is a [`Reply::Failed`] message, never a panic.
//!
//! Built by Trunk as `data-type="worker"` (wasm-bindgen's `no-modules`
//! glue, a classic worker) and started by `terms-worker.js`.

use std::cell::RefCell;

use annotator_core::terms::job::{Engine, Job, Reply, TermsError, Timings};
use js_sys::Reflect;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent, ReadableStream, ReadableWritablePair, Response};

/// The compressed dictionary, relative to the worker's script.
const DICTIONARY_URL: &str = "dict.txt.gz";

#[wasm_bindgen]
extern "C" {
    /// The browser's `DecompressionStream` (web-sys has it only behind
    /// `web_sys_unstable_apis`): a transform stream, gzip in, bytes out.
    #[wasm_bindgen(js_name = DecompressionStream)]
    type Inflater;

    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<Inflater, JsValue>;
}

enum Dictionary {
    Loading,
    Loaded(Box<Engine>),
    Failed(TermsError),
}

struct State {
    dictionary: Dictionary,
    /// The latest job that arrived before the dictionary was ready.
    waiting: Option<Job>,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State {
            dictionary: Dictionary::Loading,
            waiting: None,
        })
    };
}

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now() -> f64 {
    scope().performance().map(|p| p.now()).unwrap_or(0.0)
}

fn post(reply: &Reply) {
    // Posting a string to the page cannot fail in a running worker.
    let _ = scope().post_message(&JsValue::from_str(&reply.to_json()));
}

/// A JavaScript error's message, or the value as text.
fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

fn main() {
    console_error_panic_hook::set_once();
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|e: MessageEvent| {
        let reply = match e.data().as_string().map(|t| Job::from_json(&t)) {
            Some(Ok(job)) => receive(job),
            Some(Err(err)) => Some(Reply::Failed(err)),
            None => Some(Reply::Failed(TermsError::Message("not a text message".into()))),
        };
        if let Some(reply) = reply {
            post(&reply);
        }
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&Reply::Started);
    wasm_bindgen_futures::spawn_local(async {
        let loaded = load().await;
        let (reply, waiting) = STATE.with(|s| {
            let mut s = s.borrow_mut();
            match loaded {
                Ok((engine, timings)) => {
                    s.dictionary = Dictionary::Loaded(Box::new(engine));
                    (Reply::Ready(timings), s.waiting.take())
                }
                Err(e) => {
                    s.dictionary = Dictionary::Failed(e.clone());
                    (Reply::Failed(e), None)
                }
            }
        });
        post(&reply);
        if let Some(reply) = waiting.and_then(receive) {
            post(&reply);
        }
    });
}

/// Runs a job now, or keeps it until the dictionary is ready.
fn receive(job: Job) -> Option<Reply> {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        match &mut s.dictionary {
            Dictionary::Loaded(engine) => {
                let started = now();
                let analysis = engine.run(&job);
                Some(Reply::Done {
                    id: job.id,
                    analysis,
                    ms: now() - started,
                })
            }
            Dictionary::Failed(e) => Some(Reply::Failed(e.clone())),
            Dictionary::Loading => {
                s.waiting = Some(job);
                None
            }
        }
    })
}

/// Fetches, inflates and builds the dictionary.
async fn load() -> Result<(Engine, Timings), TermsError> {
    let started = now();
    let text = fetch_text().await.map_err(|e| TermsError::Fetch(describe(&e)))?;
    let fetched = now();
    let chars = text.chars().count();
    let engine = Engine::load(text).map_err(TermsError::Dictionary)?;
    let timings = Timings {
        fetch_ms: fetched - started,
        build_ms: now() - fetched,
        chars,
    };
    Ok((engine, timings))
}

/// The dictionary's text: the loader's `Blob` if it left one, else the
/// file fetched next to the script. Gzip is inflated by the browser; bytes
/// that do not start with gzip's magic number are read as the text itself
/// (a server that sends `.gz` files with `Content-Encoding: gzip` has had
/// the browser inflate it already).
async fn fetch_text() -> Result<String, JsValue> {
    let scope = scope();
    let given = Reflect::get(&scope, &JsValue::from_str("annotatorDictionary"))?;
    let blob: Blob = match given.dyn_into::<Blob>() {
        Ok(blob) => blob,
        Err(_) => {
            let response: Response = JsFuture::from(scope.fetch_with_str(DICTIONARY_URL)).await?.dyn_into()?;
            if !response.ok() {
                return Err(JsValue::from_str(&format!(
                    "{DICTIONARY_URL}: HTTP {}",
                    response.status()
                )));
            }
            JsFuture::from(response.blob()?).await?.dyn_into()?
        }
    };
    let head = js_sys::Uint8Array::new(&JsFuture::from(blob.slice_with_i32_and_i32(0, 2)?.array_buffer()).await?);
    let gzip = head.length() == 2 && head.get_index(0) == 0x1f && head.get_index(1) == 0x8b;
    // Bytes, not a JavaScript string: one copy into the wasm memory and a
    // UTF-8 check, instead of decoding to UTF-16 and encoding back.
    let bytes = if gzip {
        let inflater = Inflater::new("gzip")?;
        let stream: ReadableStream = blob.stream();
        let inflated = stream.pipe_through(inflater.unchecked_ref::<ReadableWritablePair>());
        JsFuture::from(Response::new_with_opt_readable_stream(Some(&inflated))?.array_buffer()?).await?
    } else {
        JsFuture::from(blob.array_buffer()).await?
    };
    String::from_utf8(js_sys::Uint8Array::new(&bytes).to_vec())
        .map_err(|e| JsValue::from_str(&format!("the dictionary is not UTF-8 text: {e}")))
}
