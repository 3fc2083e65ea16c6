//! The seam to the key-term worker (`src/bin/annotator-worker.rs`): a
//! dedicated Web Worker over plain `web_sys::Worker`, JSON text messages
//! in the core's [`Job`]/[`Reply`] protocol.
//!
//! The page starts the worker itself, beside its own wasm, so the
//! dictionary loads while the page's wasm compiles: `boot.js` (and the
//! single file) leave `window.annotatorWorker = { worker, early }`, the
//! worker and the events it sent before this module listened, which
//! [`TermsWorker::spawn`] adopts and hands back to be replayed in order. If
//! the page did not, it starts the script named at `window.annotatorWorkerUrl`.
//! Jobs posted before the worker says [`Reply::Started`] are held here (the
//! latest one only) and posted then, so none is lost while its wasm loads.
//! Every failure (no script named, the worker refused or stopped by an
//! error, an unreadable message) reaches the handler as a [`TermsError`];
//! nothing here panics.

use annotator_core::terms::job::{Reply, TermsError};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{ErrorEvent, Event, MessageEvent, Worker};

/// What the worker said before [`TermsWorker::spawn`] listened, in order.
pub type Said = Vec<Result<Reply, TermsError>>;

/// A running key-term worker and the handlers it calls.
pub struct TermsWorker {
    worker: Worker,
    started: bool,
    closed: bool,
    /// The latest job (JSON) sent before the worker started.
    waiting: Option<String>,
    _on_message: Closure<dyn Fn(MessageEvent)>,
    _on_error: Closure<dyn Fn(Event)>,
    _on_message_error: Closure<dyn Fn(MessageEvent)>,
}

/// A JavaScript error's message, or the value as text.
fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// What a `message` event from the worker says.
fn read_message(e: &MessageEvent) -> Result<Reply, TermsError> {
    match e.data().as_string() {
        Some(text) => Reply::from_json(&text),
        None => Err(TermsError::Message("not a text message".into())),
    }
}

/// What an `error` event on the worker says: a script that fails to load
/// gives a plain `Event`, an error thrown in the worker an `ErrorEvent`.
fn read_error(e: &Event) -> TermsError {
    let detail = e
        .dyn_ref::<ErrorEvent>()
        .map(|e| e.message())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "the worker's script or wasm could not be loaded".into());
    TermsError::Worker(detail)
}

/// Any event the worker sent, as a reply or an error.
fn read_event(e: &Event) -> Result<Reply, TermsError> {
    match e.type_().as_str() {
        "message" => read_message(e.unchecked_ref()),
        "messageerror" => Err(TermsError::Message("a message could not be deserialised".into())),
        _ => Err(read_error(e)),
    }
}

/// The worker the page started (`window.annotatorWorker`), and the events
/// it sent before now; taken once.
fn adopt(window: &web_sys::Window) -> Option<(Worker, js_sys::Array)> {
    let key = JsValue::from_str("annotatorWorker");
    let started = js_sys::Reflect::get(window, &key).ok().filter(JsValue::is_object)?;
    let _ = js_sys::Reflect::delete_property(window, &key);
    let worker = js_sys::Reflect::get(&started, &JsValue::from_str("worker"))
        .ok()?
        .dyn_into()
        .ok()?;
    let early = js_sys::Reflect::get(&started, &JsValue::from_str("early"))
        .ok()
        .and_then(|e| e.dyn_into().ok())
        .unwrap_or_default();
    Some((worker, early))
}

impl TermsWorker {
    /// Takes the worker the page started, or starts the one it names;
    /// `on_reply` gets each later reply, or the error that stopped it.
    /// Returns the worker and what it said before now, to be handled in
    /// order once the worker is stored. Errors: [`TermsError::Worker`] when
    /// no script is named or the browser refuses to start it (a policy, a
    /// page opened where workers are not allowed).
    pub fn spawn(
        on_reply: impl Fn(Result<Reply, TermsError>) + Clone + 'static,
    ) -> Result<(TermsWorker, Said), TermsError> {
        let window = web_sys::window().ok_or_else(|| TermsError::Worker("no window".into()))?;
        let (worker, early) = match adopt(&window) {
            Some(adopted) => adopted,
            None => {
                let url = js_sys::Reflect::get(&window, &JsValue::from_str("annotatorWorkerUrl"))
                    .ok()
                    .and_then(|u| u.as_string())
                    .ok_or_else(|| TermsError::Worker("the page names no worker script (annotatorWorkerUrl)".into()))?;
                let worker = Worker::new(&url).map_err(|e| TermsError::Worker(describe(&e)))?;
                (worker, js_sys::Array::new())
            }
        };
        let reply = on_reply.clone();
        let on_message = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| reply(read_message(&e)));
        let reply = on_reply.clone();
        let on_error = Closure::<dyn Fn(Event)>::new(move |e: Event| {
            e.prevent_default();
            reply(Err(read_error(&e)));
        });
        let on_message_error = Closure::<dyn Fn(MessageEvent)>::new(move |e: MessageEvent| on_reply(read_event(&e)));
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(on_message_error.as_ref().unchecked_ref()));
        let said = early
            .iter()
            .filter_map(|e| e.dyn_into::<Event>().ok())
            .map(|e| read_event(&e))
            .collect();
        let worker = TermsWorker {
            worker,
            started: false,
            closed: false,
            waiting: None,
            _on_message: on_message,
            _on_error: on_error,
            _on_message_error: on_message_error,
        };
        Ok((worker, said))
    }

    /// Posts a job (JSON), or holds it until the worker has started.
    pub fn send(&mut self, job: String) {
        if self.closed {
            return;
        }
        if self.started {
            let _ = self.worker.post_message(&JsValue::from_str(&job));
        } else {
            self.waiting = Some(job);
        }
    }

    /// The worker said it started: posts the job held for it.
    pub fn started(&mut self) {
        self.started = true;
        if let Some(job) = self.waiting.take() {
            self.send(job);
        }
    }

    /// Stops the worker; later jobs are dropped. The handlers stay
    /// allocated (this may run inside one of them).
    pub fn close(&mut self) {
        self.closed = true;
        self.waiting = None;
        self.worker.terminate();
    }
}

/// Records a key-term timing in milliseconds at
/// `window.__annotatorTerms[name]`, for benchmarks (`bench/page.mjs`) and
/// users' scripts, as `boot.js` records `__annotatorBootMs`.
pub fn record_timing(name: &str, ms: f64) {
    let Some(window) = web_sys::window() else { return };
    let key = JsValue::from_str("__annotatorTerms");
    let mut timings = js_sys::Reflect::get(&window, &key).unwrap_or(JsValue::UNDEFINED);
    if !timings.is_object() {
        timings = js_sys::Object::new().into();
        let _ = js_sys::Reflect::set(&window, &key, &timings);
    }
    let _ = js_sys::Reflect::set(&timings, &JsValue::from_str(name), &JsValue::from_f64(ms));
}
