//! The large store: IndexedDB (through `rexie`) behind the core's
//! synchronous [`KeyValue`], for the keys `persist::tier_of` sends there
//! (document texts and annotations).
//!
//! The core's storage engine is synchronous (it reads, merges and writes in
//! one call), and IndexedDB is not. So the whole store is read into memory
//! once at start-up ([`LargeStore::open`], before the app mounts), reads are
//! answered from memory, and each write updates memory at once and is
//! written to IndexedDB in the background (one transaction per write, on
//! disk when it completes). Another tab's writes reach this one over a
//! `BroadcastChannel`: each committed write announces its key, and the
//! other tabs read that key again and hand it to the page
//! ([`on_external`]), which merges it as it merges a `storage` event.
//!
//! A write IndexedDB refuses (quota) is retried in localStorage; if that
//! refuses too, the failure is reported to the page ([`on_result`]) and
//! the value stays in memory, so nothing on screen is lost before the user
//! is told; the next write either store takes reports that saving works
//! again. Values of this store's keys found in localStorage (from before
//! this store held them, or kept there when it was full) are the newer
//! ones: they are laid over the memory copy when the store opens, and
//! moved here once the page is up ([`LargeStore::move_from_local_storage`]:
//! written here first, removed there after the write is committed).
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

/// What is told of background writes: `Some` when neither IndexedDB nor
/// localStorage took one, `None` when one is kept again after a failure.
type ResultHandler = Box<dyn Fn(Option<StorageFailure>)>;
/// What is told of another tab's write: the key and its new value (`None`:
/// removed).
type ExternalHandler = Box<dyn Fn(String, Option<String>)>;

thread_local! {
    static ON_RESULT: RefCell<Option<ResultHandler>> = const { RefCell::new(None) };
    static ON_EXTERNAL: RefCell<Option<ExternalHandler>> = const { RefCell::new(None) };
}

/// Registers what to do when a background write fails everywhere
/// (`Some(failure)`: the page shows a storage failure) and when a write is
/// kept again after one did (`None`: the page says saving works again).
pub fn on_result(f: impl Fn(Option<StorageFailure>) + 'static) {
    ON_RESULT.with(|o| *o.borrow_mut() = Some(Box::new(f)));
}

/// Registers what to do with a value another tab wrote to this store
/// (the page merges annotations as it does on a `storage` event).
pub fn on_external(f: impl Fn(String, Option<String>) + 'static) {
    ON_EXTERNAL.with(|o| *o.borrow_mut() = Some(Box::new(f)));
}

fn report(result: Option<StorageFailure>) {
    ON_RESULT.with(|o| {
        if let Some(f) = o.borrow().as_ref() {
            f(result);
        }
    });
}

struct Inner {
    db: Option<Rc<Rexie>>,
    map: HashMap<String, String>,
    /// Why the database could not be opened, if it could not.
    closed: Option<String>,
    channel: Option<web_sys::BroadcastChannel>,
    /// Keys whose last background write was refused everywhere.
    failing: std::collections::BTreeSet<String>,
    /// Keys written to memory whose IndexedDB write is not settled yet,
    /// with the number of their latest write.
    in_flight: HashMap<String, u64>,
    /// Numbers the writes.
    writes: u64,
    /// Keys whose value was laid over from localStorage at open, and is
    /// not yet moved here.
    from_local: Vec<(String, String)>,
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
            Ok((db, mut map)) => {
                let from_local = lay_over_from_local_storage(&mut map);
                let mut inner = store.0.borrow_mut();
                inner.db = Some(Rc::new(db));
                inner.map = map;
                inner.from_local = from_local;
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
            failing: Default::default(),
            in_flight: HashMap::new(),
            writes: 0,
            from_local: Vec::new(),
        })))
    }

    /// Why IndexedDB is not in use, if it is not.
    pub fn closed(&self) -> Option<String> {
        self.0.borrow().closed.clone()
    }

    /// What the store holds: document texts, annotation sets (one entry a
    /// document) and the size of every entry, in UTF-16 code units (keys
    /// and values), as `(texts, annotations, units)`.
    pub fn usage(&self) -> (usize, usize, usize) {
        let inner = self.0.borrow();
        let mut texts = 0;
        let mut annotations = 0;
        let mut units = 0;
        for (k, v) in &inner.map {
            units += k.encode_utf16().count() + v.encode_utf16().count();
            match k.strip_prefix(PREFIX) {
                Some(rest) if rest.starts_with("doc:") => texts += 1,
                Some(rest) if rest.starts_with("annotations:") => annotations += 1,
                _ => {}
            }
        }
        (texts, annotations, units)
    }

    /// Whether the last background write of some key was refused by
    /// IndexedDB and localStorage both (the page keeps its storage warning
    /// up until every such key is kept).
    pub fn failing(&self) -> bool {
        !self.0.borrow().failing.is_empty()
    }

    /// Moves the values laid over from localStorage at open into
    /// IndexedDB: written here first, removed there once the write is
    /// committed. A value the page has written anew since is left alone:
    /// its own write removes the copy there once it is committed.
    pub async fn move_from_local_storage(&self) {
        let (db, moving) = {
            let mut inner = self.0.borrow_mut();
            let Some(db) = inner.db.clone() else { return };
            let moving = std::mem::take(&mut inner.from_local);
            (db, moving)
        };
        let Some(local) = crate::storage::local_storage() else {
            return;
        };
        if moving.is_empty() {
            return;
        }
        let unchanged: Vec<(&str, Option<&str>)> = {
            let inner = self.0.borrow();
            moving
                .iter()
                .filter(|(k, v)| inner.map.get(k) == Some(v))
                .map(|(k, v)| (k.as_str(), Some(v.as_str())))
                .collect()
        };
        if unchanged.is_empty() {
            return;
        }
        if write(&db, &unchanged).await.is_ok() {
            for (key, value) in unchanged {
                // Only what is still the value moved (another tab may have
                // kept a newer one there since).
                if local.get_item(key).ok().flatten().as_deref() == value {
                    let _ = local.remove_item(key);
                }
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
        let Ok(value) = value else { return };
        let value = value.and_then(|v| v.as_string());
        {
            let mut inner = self.0.borrow_mut();
            if inner.map.get(&key) == value.as_ref() {
                return;
            }
            match &value {
                Some(v) => inner.map.insert(key.clone(), v.clone()),
                None => inner.map.remove(&key),
            };
        }
        ON_EXTERNAL.with(|o| {
            if let Some(f) = o.borrow().as_ref() {
                f(key, value);
            }
        });
    }

    /// Notes that write `n` of `key` is settled (committed, or handed to
    /// localStorage or reported).
    fn landed(&self, key: &str, n: u64) {
        let mut inner = self.0.borrow_mut();
        if inner.in_flight.get(key) == Some(&n) {
            inner.in_flight.remove(key);
        }
    }

    /// The page is going away (`pagehide`): values whose IndexedDB write
    /// has not committed yet are also written to localStorage, which
    /// writes at once, so a tag made just before closing the tab is not
    /// lost with an unfinished transaction. They are laid over at the next
    /// open and moved here then.
    pub fn keep_in_flight_locally(&self) {
        let inner = self.0.borrow();
        if inner.in_flight.is_empty() {
            return;
        }
        let mut local = crate::storage::BrowserStorage::open();
        for key in inner.in_flight.keys() {
            if let Some(value) = inner.map.get(key) {
                let _ = local.set(key, value);
            }
        }
    }

    /// Notes a background write's outcome for its key and tells the page:
    /// a failure everywhere at once, and that saving works again once no
    /// key's last write failed.
    fn settle(&self, key: &str, kept: Result<(), StorageFailure>) {
        match kept {
            Ok(()) => {
                let recovered = {
                    let mut inner = self.0.borrow_mut();
                    inner.failing.remove(key) && inner.failing.is_empty()
                };
                if recovered {
                    report(None);
                }
            }
            Err(f) => {
                self.0.borrow_mut().failing.insert(key.to_string());
                report(Some(f));
            }
        }
    }

    fn announce(&self, key: &str) {
        if let Some(channel) = self.0.borrow().channel.as_ref() {
            let _ = channel.post_message(&JsValue::from_str(key));
        }
    }
}

/// Removes localStorage's copy of a key this store has just written.
fn forget_local_copy(key: &str) {
    if let Some(local) = crate::storage::local_storage() {
        if local.get_item(key).ok().flatten().is_some() {
            let _ = local.remove_item(key);
        }
    }
}

/// Lays the values localStorage holds under this store's keys over `map`
/// (they are the newer: written before this store held such keys, or kept
/// there when it was full) and returns them, to be moved here.
fn lay_over_from_local_storage(map: &mut HashMap<String, String>) -> Vec<(String, String)> {
    let Some(local) = crate::storage::local_storage() else {
        return Vec::new();
    };
    let mut laid = Vec::new();
    for i in 0..local.length().unwrap_or(0) {
        if let Some(key) = local.key(i).ok().flatten() {
            if tier_of(&key) == Tier::Large {
                if let Some(value) = local.get_item(&key).ok().flatten() {
                    map.insert(key.clone(), value.clone());
                    laid.push((key, value));
                }
            }
        }
    }
    laid
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
    // An abort (the quota, most often, which IndexedDB checks at commit)
    // is a result, not an error, to `rexie`: it is a failure here.
    match tx.done().await.map_err(describe)? {
        rexie::TransactionResult::Committed => Ok(()),
        rexie::TransactionResult::Aborted => {
            Err("IndexedDB aborted the write (out of room, or the database closed)".into())
        }
    }
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
            inner.writes += 1;
            let n = inner.writes;
            inner.in_flight.insert(key.to_string(), n);
            (db, n)
        };
        let (db, n) = db;
        let this = self.clone();
        let (key, value) = (key.to_string(), value.to_string());
        spawn_local(async move {
            let written = write(&db, &[(&key, Some(&value))]).await;
            this.landed(&key, n);
            match written {
                Ok(()) => {
                    // A copy localStorage holds (from before, or kept there
                    // when this store was full) is older now, and would be
                    // laid over this one at the next open.
                    forget_local_copy(&key);
                    this.announce(&key);
                    this.settle(&key, Ok(()));
                }
                Err(e) => {
                    // Kept if localStorage has room (read from there first
                    // at the next open); else the page is told, in
                    // localStorage's words when it refused for want of room.
                    let kept = crate::storage::BrowserStorage::open().set(&key, &value);
                    this.settle(
                        &key,
                        kept.map_err(|local| match local {
                            StorageFailure::Full => StorageFailure::Full,
                            _ => failure(&e),
                        }),
                    );
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
                Ok(()) => {
                    this.announce(&key);
                    this.settle(&key, Ok(()));
                }
                Err(e) => this.settle(&key, Err(failure(&e))),
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
