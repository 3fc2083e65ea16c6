//! The seam to `window.localStorage`: the core's [`KeyValue`] over the
//! browser's storage, mapping its exceptions to typed failures.

use annotator_core::persist::{KeyValue, StorageFailure};
use wasm_bindgen::JsCast;

/// localStorage, or nothing when the browser refuses it.
pub struct BrowserStorage(Option<web_sys::Storage>);

impl BrowserStorage {
    pub fn open() -> Self {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        BrowserStorage(storage)
    }
}

fn failure(err: wasm_bindgen::JsValue) -> StorageFailure {
    match err.dyn_into::<web_sys::DomException>() {
        Ok(e) if e.name() == "QuotaExceededError" || e.code() == 22 => StorageFailure::Full,
        Ok(e) if e.name() == "SecurityError" => StorageFailure::Unavailable,
        Ok(e) => StorageFailure::Other(e.message()),
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
