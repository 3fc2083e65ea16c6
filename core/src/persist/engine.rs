//! Loading and saving through the [`KeyValue`] seam: backups of whatever
//! cannot be read, and saves that read, merge and write.

use super::codec::*;
use crate::store::Store;

/// The browser's key-value storage as the core sees it, so that loading and
/// saving (backups, merges, quota failures) are tested natively.
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<String>, StorageFailure>;
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure>;
    fn remove(&mut self, key: &str) -> Result<(), StorageFailure>;
}

/// Why storage refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageFailure {
    /// Storage is disabled or absent (private mode, blocked by settings).
    Unavailable,
    /// The quota is exhausted.
    Full,
    Other(String),
}

impl StorageFailure {
    pub fn message(&self) -> String {
        match self {
            StorageFailure::Unavailable => {
                "浏览器禁用了本地存储，更改不会被保存 · This browser's storage is disabled: changes are not being saved"
                    .into()
            }
            StorageFailure::Full => {
                "本地存储已满，更改不会被保存 · Browser storage is full: changes are not being saved".into()
            }
            StorageFailure::Other(e) => format!("无法保存 · Could not save: {e}"),
        }
    }

    /// Classifies a `DOMException` thrown by Web Storage from its `name`
    /// and legacy `code`. A full store is `QuotaExceededError` (code 22) in
    /// the HTML standard and Chromium/WebKit, `NS_ERROR_DOM_QUOTA_REACHED`
    /// (code 1014) in Firefox; `SecurityError` (code 18) means storage is
    /// disabled. Anything else keeps its message.
    ///
    /// ```
    /// use annotator_core::persist::StorageFailure;
    /// assert_eq!(StorageFailure::from_dom_exception("NS_ERROR_DOM_QUOTA_REACHED", 1014, ""), StorageFailure::Full);
    /// assert_eq!(StorageFailure::from_dom_exception("QuotaExceededError", 22, ""), StorageFailure::Full);
    /// assert_eq!(StorageFailure::from_dom_exception("SecurityError", 18, ""), StorageFailure::Unavailable);
    /// ```
    pub fn from_dom_exception(name: &str, code: u16, message: &str) -> StorageFailure {
        match (name, code) {
            ("QuotaExceededError" | "NS_ERROR_DOM_QUOTA_REACHED", _) | (_, 22 | 1014) => StorageFailure::Full,
            ("SecurityError", _) | (_, 18) => StorageFailure::Unavailable,
            _ => StorageFailure::Other(format!("{name}: {message}")),
        }
    }
}

/// A stored value that could not be read whole, and where it was kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    pub key: String,
    /// Where the raw value now also lives; `None` if even the backup could
    /// not be written (then `raw` is the only copy the user can download).
    pub backup_key: Option<String>,
    pub raw: String,
    pub problems: Vec<Problem>,
    /// Whether part of it was still restored.
    pub partial: bool,
}

/// Everything restored at start-up for one document.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub store: Store,
    pub view: ViewState,
    pub profile: Profile,
    pub recoveries: Vec<Recovery>,
    /// Set when storage could not even be read.
    pub failure: Option<StorageFailure>,
}

/// Keeps a value that could not be read under a backup key (see [`backup_key`]).
pub fn recover(
    kv: &mut dyn KeyValue,
    key: &str,
    raw: String,
    problems: Vec<Problem>,
    partial: bool,
    now_ms: u64,
) -> Recovery {
    let bk = backup_key(key, now_ms);
    let backup_key = kv.set(&bk, &raw).ok().map(|_| bk);
    Recovery {
        key: key.into(),
        backup_key,
        raw,
        problems,
        partial,
    }
}

/// What a stored key holds, for the recovery notice: a short kind (used in
/// the backup's file name) and a label for the user.
pub fn key_label(key: &str) -> (&'static str, &'static str) {
    let rest = key.strip_prefix(PREFIX).unwrap_or(key);
    match rest.split(':').next().unwrap_or("") {
        "annotations" => ("annotations", "标注 · Annotations"),
        "view" => ("view", "视图 · View"),
        "profile" => ("profile", "编码者资料 · Coder profile"),
        "terms" => ("terms", "关键词设置 · Key-term settings"),
        "settings" => ("settings", "用户设置与词典 · Settings and dictionary"),
        "library" => ("library", "文档库 · Library"),
        "doc" => ("document", "文档文本 · Document text"),
        _ => ("data", "数据 · Data"),
    }
}

/// Reads a stored value other than annotations (settings, the library).
/// What cannot be read is backed up and reported; once the backup is
/// written, the original gives way to what was restored (or is removed when
/// nothing was), so the next start neither loses it nor backs it up again.
pub fn load_value<T>(
    kv: &mut dyn KeyValue,
    key: &str,
    decode: impl Fn(&str) -> Restored<T>,
    encode: impl Fn(&T) -> String,
    now_ms: u64,
    recoveries: &mut Vec<Recovery>,
) -> Option<T> {
    let raw = kv.get(key).ok().flatten()?;
    let r = decode(&raw);
    if r.needs_backup() {
        let rec = recover(kv, key, raw, r.problems.clone(), r.value.is_some(), now_ms);
        if rec.backup_key.is_some() {
            let _ = match &r.value {
                Some(v) => kv.set(key, &encode(v)),
                None => kv.remove(key),
            };
        }
        recoveries.push(rec);
    }
    r.value
}

/// Restores the profile, the annotations and the view of one document.
/// Never fails: what cannot be read is backed up and reported, and a fresh
/// value takes its place.
pub fn load(kv: &mut dyn KeyValue, fingerprint: &str, replica: &str, fresh_profile: Profile, now_ms: u64) -> Loaded {
    let mut recoveries = Vec::new();
    let mut failure = None;
    let profile = load_profile(kv, fresh_profile, now_ms, &mut recoveries, &mut failure);
    let (store, view) = load_annotations(
        kv,
        fingerprint,
        replica,
        &profile,
        now_ms,
        &mut recoveries,
        &mut failure,
    );
    Loaded {
        store,
        view,
        profile,
        recoveries,
        failure,
    }
}

fn read(kv: &dyn KeyValue, key: &str, failure: &mut Option<StorageFailure>) -> Option<String> {
    match kv.get(key) {
        Ok(v) => v,
        Err(e) => {
            failure.get_or_insert(e);
            None
        }
    }
}

/// Restores this browser's coder profile, creating one on first use.
pub fn load_profile(
    kv: &mut dyn KeyValue,
    fresh: Profile,
    now_ms: u64,
    recoveries: &mut Vec<Recovery>,
    failure: &mut Option<StorageFailure>,
) -> Profile {
    let key = profile_key();
    if let Some(raw) = read(kv, &key, failure) {
        let r = decode_profile(&raw);
        if let Some(p) = r.value {
            return p;
        }
        recoveries.push(recover(kv, &key, raw, r.problems, false, now_ms));
    }
    let _ = kv.set(&key, &encode_profile(&fresh));
    fresh
}

/// Restores one document's annotations and view for `profile`'s coder.
pub fn load_annotations(
    kv: &mut dyn KeyValue,
    fingerprint: &str,
    replica: &str,
    profile: &Profile,
    now_ms: u64,
    recoveries: &mut Vec<Recovery>,
    failure: &mut Option<StorageFailure>,
) -> (Store, ViewState) {
    let owner = profile.own_set();
    let akey = annotations_key(fingerprint);
    let mut store = match read(kv, &akey, failure) {
        Some(raw) => {
            let r = decode_store(&raw, fingerprint, replica);
            let store = r.value.clone().unwrap_or_else(|| Store::new(replica, &owner));
            if r.needs_backup() {
                let rec = recover(kv, &akey, raw, r.problems.clone(), r.value.is_some(), now_ms);
                if rec.backup_key.is_some() {
                    // The original is safe in its backup: replace it with what
                    // was restored, so it is not backed up again on every save.
                    let _ = kv.set(&akey, &encode_store(&store, fingerprint));
                }
                recoveries.push(rec);
            }
            store
        }
        None => Store::new(replica, &owner),
    };
    store.sets.entry(owner.id.clone()).or_insert(owner);

    let vkey = view_key(fingerprint);
    let view = match read(kv, &vkey, failure) {
        Some(raw) => {
            let r = decode_view(&raw, fingerprint);
            if r.needs_backup() {
                recoveries.push(recover(kv, &vkey, raw, r.problems.clone(), false, now_ms));
            }
            r.value.unwrap_or_default()
        }
        None => ViewState::default(),
    };
    (store, view)
}

/// What a save did besides writing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Saved {
    /// The merge brought another tab's changes into the store.
    pub merged: bool,
    /// The stored value could not be read, so it was kept aside first.
    pub recovery: Option<Recovery>,
}

/// Writes the store, first folding in whatever another tab wrote since
/// (read, merge, write), so neither tab's work is overwritten. A stored value
/// that cannot be read is backed up before it is replaced.
pub fn save(kv: &mut dyn KeyValue, store: &mut Store, fingerprint: &str, now_ms: u64) -> Result<Saved, StorageFailure> {
    let replica = store.replica.clone();
    write_merged(
        kv,
        &annotations_key(fingerprint),
        store,
        |raw| decode_store(raw, fingerprint, &replica),
        |ours, theirs| ours.merge(&theirs),
        |s| encode_store(s, fingerprint),
        now_ms,
    )
}

/// Read, merge, write, for any value several tabs write: whatever another
/// tab stored is folded into `ours` first; a stored value that cannot be read
/// is kept under a backup key before it is replaced, and if there is no room
/// for the backup nothing is overwritten.
pub fn write_merged<T>(
    kv: &mut dyn KeyValue,
    key: &str,
    ours: &mut T,
    decode: impl Fn(&str) -> Restored<T>,
    merge: impl Fn(&mut T, T) -> bool,
    encode: impl Fn(&T) -> String,
    now_ms: u64,
) -> Result<Saved, StorageFailure> {
    let mut saved = Saved::default();
    if let Some(raw) = kv.get(key)? {
        let theirs = decode(&raw);
        if theirs.needs_backup() {
            let partial = theirs.value.is_some();
            let r = recover(kv, key, raw, theirs.problems.clone(), partial, now_ms);
            if r.backup_key.is_none() {
                // Nowhere to keep it: do not overwrite what cannot be restored.
                return Err(StorageFailure::Full);
            }
            saved.recovery = Some(r);
        }
        if let Some(theirs) = theirs.value {
            saved.merged = merge(ours, theirs);
        }
    }
    kv.set(key, &encode(ours))?;
    Ok(saved)
}

#[cfg(test)]
#[path = "engine_tests.rs"]
mod tests;
