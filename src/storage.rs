//! The seam to `window.localStorage`: the core's [`KeyValue`] over the
//! browser's storage, mapping its exceptions to typed failures.

use annotator_core::persist::{KeyValue, StorageFailure};
use wasm_bindgen::JsCast;

/// localStorage, or nothing when the browser refuses it.
pub struct BrowserStorage(Option<web_sys::Storage>);

impl BrowserStorage {
    pub fn open() -> Self {
        BrowserStorage(local_storage())
    }
}

/// The browser's localStorage, or `None` when it refuses it (disabled,
/// sandboxed): the one place the shell asks the window for it.
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn failure(err: wasm_bindgen::JsValue) -> StorageFailure {
    match err.dyn_into::<web_sys::DomException>() {
        Ok(e) => StorageFailure::from_dom_exception(&e.name(), e.code(), &e.message()),
        Err(v) => StorageFailure::Other(format!("{v:?}")),
    }
}

impl KeyValue for BrowserStorage {
    fn get(&self, key: &str) -> Result<Option<String>, StorageFailure> {
        let s = self.0.as_ref().ok_or(StorageFailure::Unavailable)?;
        s.get_item(key).map_err(failure)
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure> {
        let s = self.0.as_ref().ok_or(StorageFailure::Unavailable)?;
        s.set_item(key, value).map_err(failure)
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageFailure> {
        let s = self.0.as_ref().ok_or(StorageFailure::Unavailable)?;
        s.remove_item(key).map_err(failure)
    }
}

impl BrowserStorage {
    /// UTF-16 code units the app's keys and values take (what browsers count
    /// against the quota), or `None` when storage is unavailable.
    pub fn app_usage(&self) -> Option<usize> {
        let s = self.0.as_ref()?;
        let n = s.length().ok()?;
        let mut used = 0;
        for i in 0..n {
            let Some(key) = s.key(i).ok().flatten() else { continue };
            if key.starts_with("speech-annotator") {
                let v = s.get_item(&key).ok().flatten().unwrap_or_default();
                used += key.encode_utf16().count() + v.encode_utf16().count();
            }
        }
        Some(used)
    }
}

/// What browsers allow an origin in localStorage, in UTF-16 code units
/// (Chromium and Firefox: 5 Mi; there is no API to ask).
pub const QUOTA_UNITS: usize = 5 * 1024 * 1024;

/// Keeps the colour scheme the user chose (`"dark"` or `"light"`) for the
/// next visit, where `early.js` applies it before the first paint. A
/// browser without storage just forgets it.
pub fn remember_scheme(scheme: &str) {
    if let Some(local) = local_storage() {
        let _ = local.set_item(&format!("{}scheme", annotator_core::persist::PREFIX), scheme);
    }
}

/// Keeps the start hints (`persist::start_hints`) where `early.js` reads
/// them before the page is parsed, writing only when they changed (each
/// localStorage write counts against the browser's commit budget).
pub fn remember_start_hints(hints: &str) {
    if let Some(local) = local_storage() {
        let key = annotator_core::persist::start_hints_key();
        if local.get_item(&key).ok().flatten().as_deref() != Some(hints) {
            let _ = local.set_item(&key, hints);
        }
    }
}

/// Milliseconds since the epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// A random id with a prefix, for coders and tabs.
pub fn random_id(prefix: &str) -> String {
    let a = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    let b = (js_sys::Math::random() * 4_294_967_296.0) as u64;
    format!("{prefix}{a:08x}{b:08x}")
}
