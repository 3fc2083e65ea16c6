//! The large store: IndexedDB (through `rexie`) behind the core's
//! synchronous [`KeyValue`], for the keys `persist::tier_of` sends there
//! (document texts).
//!
//! The core's storage engine is synchronous (it reads, merges and writes in
//! one call), and IndexedDB is not. So the whole store is read into memory
//! once at start-up ([`LargeStore::open`], before the app mounts), reads are
//! answered from memory, and each write updates memory at once and is
//! written to IndexedDB in the background. Texts never change under their
//! key (it is their fingerprint), so the memory copy cannot go stale
//! except by another tab adding or removing one: each write is announced on
//! a `BroadcastChannel`, and the other tabs read that key again.
//!
//! A write IndexedDB refuses (quota) is retried in localStorage; if that
//! refuses too, the failure is reported to the page ([`on_failure`]) and
//! the text stays in memory, so nothing on screen is lost before the user
//! is told. Texts that localStorage held before this store existed are
//! moved here once the page is up (written here first, removed there after the
//! write is committed).
//!
//! Why `rexie`: a kept, small futures wrapper over `web-sys`'s IndexedDB
//! (through `idb`) with the four calls needed here (open with an upgrade,
//! get, put, delete, scan); `indexed_db_futures` offers more (typed
//! cursors, serde) that this key-value use does not need.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use annotator_core::persist::{tier_of, KeyValue, StorageFailure, Tier, PREFIX};
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;

/// The IndexedDB database and object store.
const DATABASE: &str = "speech-annotator";
const STORE: &str = "texts";
/// The channel on which tabs announce a key they wrote or removed.
const CHANNEL: &str = "speech-annotator:texts";

/// What is told of a write that neither IndexedDB nor localStorage took.
type FailureHandler = Box<dyn Fn(StorageFailure)>;

thread_local! {
    static ON_FAILURE: RefCell<Option<FailureHandler>> = const { RefCell::new(None) };
}

/// Registers what to do when a background write fails everywhere (the
/// page shows it as a storage failure).
pub fn on_failure(f: impl Fn(StorageFailure) + 'static) {
    ON_FAILURE.with(|o| *o.borrow_mut() = Some(Box::new(f)));
}

fn report(failure: StorageFailure) {
    ON_FAILURE.with(|o| {
        if let Some(f) = o.borrow().as_ref() {
            f(failure);
        }
    });
}

struct Inner {
    db: Option<Rc<Rexie>>,
    map: HashMap<String, String>,
    /// Why the database could not be opened, if it could not.
    closed: Option<String>,
    channel: Option<web_sys::BroadcastChannel>,
}

/// IndexedDB, mirrored in memory. Cheap to clone (shared).
#[derive(Clone)]
pub struct LargeStore(Rc<RefCell<Inner>>);

impl LargeStore {
    /// Opens the database, reads every entry into memory and listens to
    /// other tabs ([`LargeStore::move_from_local_storage`] is the caller's,
    /// once the app runs on this store). A
    /// browser without IndexedDB (or one that refuses it) gives a store
    /// whose writes fail as `Unavailable`, so texts stay in localStorage
    /// as before.
    pub async fn open() -> LargeStore {
        let store = LargeStore::unavailable("");
        store.0.borrow_mut().closed = None;
        match open_and_read().await {
            Ok((db, map)) => {
                let mut inner = store.0.borrow_mut();
                inner.db = Some(Rc::new(db));
                inner.map = map;
            }
            Err(e) => store.0.borrow_mut().closed = Some(e),
        }
        store.listen();
        store
    }

    /// A store that is not open (writes fail as `Unavailable`, so the
    /// texts stay in localStorage), saying why.
    pub fn unavailable(why: &str) -> LargeStore {
        LargeStore(Rc::new(RefCell::new(Inner {
            db: None,
            map: HashMap::new(),
            closed: Some(why.to_string()),
            channel: None,
        })))
    }

    /// Why IndexedDB is not in use, if it is not.
    pub fn closed(&self) -> Option<String> {
        self.0.borrow().closed.clone()
    }

    /// Entries held, and their size in UTF-16 code units (keys and values).
    pub fn usage(&self) -> (usize, usize) {
        let inner = self.0.borrow();
        let units = inner
            .map
            .iter()
            .map(|(k, v)| k.encode_utf16().count() + v.encode_utf16().count())
            .sum();
        (inner.map.len(), units)
    }

    /// Texts localStorage holds from before: written here, then removed
    /// there once the write is committed (until then they are read from
    /// there: `persist::Tiered` falls back to it).
    pub async fn move_from_local_storage(&self) {
        let Some(db) = self.0.borrow().db.clone() else { return };
        let Some(local) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
            return;
        };
        let mut moving = Vec::new();
        for i in 0..local.length().unwrap_or(0) {
            if let Some(key) = local.key(i).ok().flatten() {
                if tier_of(&key) == Tier::Large {
                    if let Some(value) = local.get_item(&key).ok().flatten() {
                        moving.push((key, value));
                    }
                }
            }
        }
        if moving.is_empty() {
            return;
        }
        let written = write(
            &db,
            &moving
                .iter()
                .map(|(k, v)| (k.as_str(), Some(v.as_str())))
                .collect::<Vec<_>>(),
        )
        .await;
        if written.is_ok() {
            let mut inner = self.0.borrow_mut();
            for (key, value) in moving {
                let _ = local.remove_item(&key);
                inner.map.insert(key, value);
            }
        }
    }

    /// Reads again the keys other tabs announce.
    fn listen(&self) {
        let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else {
            return;
        };
        let this = self.clone();
        let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            if let Some(key) = e.data().as_string() {
                let this = this.clone();
                spawn_local(async move { this.reread(key).await });
            }
        });
        channel.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();
        self.0.borrow_mut().channel = Some(channel);
    }

    async fn reread(&self, key: String) {
        let Some(db) = self.0.borrow().db.clone() else { return };
        let value = async {
            let tx = db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(describe)?;
            let store = tx.store(STORE).map_err(describe)?;
            store.get(JsValue::from_str(&key)).await.map_err(describe)
        }
        .await;
        if let Ok(value) = value {
            let mut inner = self.0.borrow_mut();
            match value.and_then(|v| v.as_string()) {
                Some(v) => inner.map.insert(key, v),
                None => inner.map.remove(&key),
            };
        }
    }

    fn announce(&self, key: &str) {
        if let Some(channel) = self.0.borrow().channel.as_ref() {
            let _ = channel.post_message(&JsValue::from_str(key));
        }
    }
}

async fn open_and_read() -> Result<(Rexie, HashMap<String, String>), String> {
    let db = Rexie::builder(DATABASE)
        .version(1)
        .add_object_store(ObjectStore::new(STORE))
        .build()
        .await
        .map_err(describe)?;
    let mut map = HashMap::new();
    {
        let tx = db.transaction(&[STORE], TransactionMode::ReadOnly).map_err(describe)?;
        let store = tx.store(STORE).map_err(describe)?;
        for (key, value) in store.scan(None, None, None, None).await.map_err(describe)? {
            if let (Some(k), Some(v)) = (key.as_string(), value.as_string()) {
                if k.starts_with(PREFIX) || k.starts_with("speech-annotator:") {
                    map.insert(k, v);
                }
            }
        }
    }
    Ok((db, map))
}

/// Puts (`Some`) or deletes (`None`) keys in one read-write transaction,
/// waiting until it is committed.
async fn write(db: &Rexie, entries: &[(&str, Option<&str>)]) -> Result<(), String> {
    let tx = db.transaction(&[STORE], TransactionMode::ReadWrite).map_err(describe)?;
    let store = tx.store(STORE).map_err(describe)?;
    for (key, value) in entries {
        let key = JsValue::from_str(key);
        match value {
            Some(v) => store.put(&JsValue::from_str(v), Some(&key)).await.map(drop),
            None => store.delete(key).await,
        }
        .map_err(describe)?;
    }
    tx.done().await.map_err(describe)?;
    Ok(())
}

fn describe(e: rexie::Error) -> String {
    format!("{e:?}")
}

/// A storage failure from an IndexedDB error: the quota when the browser
/// says so, else the error as it reads.
fn failure(e: &str) -> StorageFailure {
    if e.contains("QuotaExceeded") {
        StorageFailure::Full
    } else {
        StorageFailure::Other(e.chars().take(200).collect())
    }
}

impl KeyValue for LargeStore {
    fn get(&self, key: &str) -> Result<Option<String>, StorageFailure> {
        let inner = self.0.borrow();
        if inner.db.is_none() {
            return Err(StorageFailure::Unavailable);
        }
        Ok(inner.map.get(key).cloned())
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure> {
        let db = {
            let mut inner = self.0.borrow_mut();
            let Some(db) = inner.db.clone() else {
                return Err(StorageFailure::Unavailable);
            };
            if inner.map.get(key).map(String::as_str) == Some(value) {
                return Ok(());
            }
            inner.map.insert(key.to_string(), value.to_string());
            db
        };
        let this = self.clone();
        let (key, value) = (key.to_string(), value.to_string());
        spawn_local(async move {
            let written = write(&db, &[(&key, Some(&value))]).await;
            match written {
                Ok(()) => this.announce(&key),
                Err(e) => {
                    // Kept if localStorage has room; else the page is told.
                    let local = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
                    let kept = local.is_some_and(|l| l.set_item(&key, &value).is_ok());
                    if !kept {
                        report(failure(&e));
                    }
                }
            }
        });
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), StorageFailure> {
        let db = {
            let mut inner = self.0.borrow_mut();
            let Some(db) = inner.db.clone() else {
                return Err(StorageFailure::Unavailable);
            };
            if inner.map.remove(key).is_none() {
                return Ok(());
            }
            db
        };
        let this = self.clone();
        let key = key.to_string();
        spawn_local(async move {
            let removed = write(&db, &[(&key, None)]).await;
            match removed {
                Ok(()) => this.announce(&key),
                Err(e) => report(failure(&e)),
            }
        });
        Ok(())
    }
}

/// Asks the browser to keep this origin's data under storage pressure
/// (`navigator.storage.persist()`); `Some(granted)` once it answers,
/// `None` where the API is missing.
pub async fn ask_to_persist() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.persist().ok()?;
    let answer = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    answer.as_bool()
}

/// What the browser estimates this origin uses and may use, in bytes
/// (`navigator.storage.estimate()`), if it says.
pub async fn estimate() -> Option<(f64, f64)> {
    let storage = web_sys::window()?.navigator().storage();
    let promise = storage.estimate().ok()?;
    let value = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let get = |k: &str| js_sys::Reflect::get(&value, &JsValue::from_str(k)).ok()?.as_f64();
    Some((get("usage")?, get("quota")?))
}
