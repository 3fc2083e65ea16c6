//! The three kinds of document a study's CouchDB database holds, built from
//! a store and read back.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::persist;
use crate::store::{AnnotationSet, SetKind, Stamp, Store, ThemeEntry};

/// The `version` of the `annotations` envelope inside set and codebook
/// documents: [`crate::persist::VERSION`].
pub const ANNOTATIONS_VERSION: u64 = persist::VERSION;

/// `set:<fingerprint>:<set id>`.
pub fn set_doc_id(fingerprint: &str, set: &str) -> String {
    format!("set:{fingerprint}:{set}")
}

/// `text:<fingerprint>`.
pub fn text_doc_id(fingerprint: &str) -> String {
    format!("text:{fingerprint}")
}

/// `codebook:<fingerprint>`.
pub fn codebook_doc_id(fingerprint: &str) -> String {
    format!("codebook:{fingerprint}")
}

/// One coder's (or the consensus) set on one document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetDoc {
    /// `set:<fingerprint>:<set>`.
    #[serde(rename = "_id")]
    pub id: String,
    /// `"set"`.
    #[serde(rename = "type")]
    pub kind_of_doc: String,
    pub fingerprint: String,
    /// The set's id (a coder id, or a consensus set's id).
    pub set: String,
    pub kind: SetKind,
    /// The CouchDB user name that writes it.
    pub coder: String,
    /// [`crate::persist::encode_store`]'s envelope holding this one set and
    /// no themes or codebook.
    pub annotations: Value,
}

/// A document's text, as the library keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextDoc {
    /// `text:<fingerprint>`.
    #[serde(rename = "_id")]
    pub id: String,
    /// `"text"`.
    #[serde(rename = "type")]
    pub kind_of_doc: String,
    pub fingerprint: String,
    pub title: String,
    pub text: String,
}

/// A document's themes and codebook entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodebookDoc {
    /// `codebook:<fingerprint>`.
    #[serde(rename = "_id")]
    pub id: String,
    /// `"codebook"`.
    #[serde(rename = "type")]
    pub kind_of_doc: String,
    pub fingerprint: String,
    /// The envelope of [`crate::persist::encode_store`] with its themes and
    /// codebook and no sets.
    pub annotations: Value,
}

/// Why a document from the server was not taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncDocError {
    /// Not a JSON object with a known `type` and the fields it needs.
    Malformed(String),
    /// A text whose fingerprint is not the one it claims.
    WrongFingerprint(String),
    /// The annotations envelope could not be read.
    Unreadable(String),
}

impl SyncDocError {
    /// The message the UI shows, in Chinese and English.
    pub fn message(&self) -> String {
        match self {
            SyncDocError::Malformed(id) => {
                format!("服务器上的文档格式不对，已跳过：{id} · A document on the server is malformed and was skipped: {id}")
            }
            SyncDocError::WrongFingerprint(id) => format!(
                "服务器上的文本与其指纹不符，已跳过：{id} · A text on the server does not match its fingerprint and was skipped: {id}"
            ),
            SyncDocError::Unreadable(id) => {
                format!("服务器上的标注无法读取，已跳过：{id} · Annotations on the server could not be read and were skipped: {id}")
            }
        }
    }
}

/// A document pulled from the server, read.
#[derive(Debug, Clone)]
pub enum Incoming {
    /// A set (its store holds that one set).
    Set {
        fingerprint: String,
        set: String,
        coder: String,
        store: Box<Store>,
    },
    Text {
        fingerprint: String,
        title: String,
        text: String,
    },
    /// Themes and codebook (its store holds no set).
    Codebook { fingerprint: String, store: Box<Store> },
    /// A design document, a deletion or another kind this version does not
    /// know: nothing to take in.
    Other,
}

/// Reads a document from `_changes` (`include_docs=true`) or a `GET`.
/// `replica` is the reader's (see [`crate::persist::decode_store`]).
///
/// # Errors
/// [`SyncDocError`] when a document of a known type lacks its fields, a
/// text does not match its fingerprint, or an envelope cannot be read.
pub fn parse_doc(doc: &Value, replica: &str) -> Result<Incoming, SyncDocError> {
    let id = doc.get("_id").and_then(Value::as_str).unwrap_or("?").to_string();
    if doc.get("_deleted").and_then(Value::as_bool) == Some(true) || id.starts_with("_design/") {
        return Ok(Incoming::Other);
    }
    let malformed = || SyncDocError::Malformed(id.clone());
    match doc.get("type").and_then(Value::as_str) {
        Some("set") => {
            let d: SetDoc = serde_json::from_value(doc.clone()).map_err(|_| malformed())?;
            if d.id != set_doc_id(&d.fingerprint, &d.set) {
                return Err(malformed());
            }
            let store = read_envelope(&d.annotations, &d.fingerprint, replica, &id)?;
            if store.sets.len() + store.closed.len() != 1 || store.set_any(&d.set).is_none() {
                return Err(malformed());
            }
            Ok(Incoming::Set {
                fingerprint: d.fingerprint,
                set: d.set,
                coder: d.coder,
                store: Box::new(store),
            })
        }
        Some("text") => {
            let d: TextDoc = serde_json::from_value(doc.clone()).map_err(|_| malformed())?;
            if d.id != text_doc_id(&d.fingerprint) {
                return Err(malformed());
            }
            if crate::text::fingerprint(&d.text) != d.fingerprint {
                return Err(SyncDocError::WrongFingerprint(id));
            }
            Ok(Incoming::Text {
                fingerprint: d.fingerprint,
                title: d.title,
                text: d.text,
            })
        }
        Some("codebook") => {
            let d: CodebookDoc = serde_json::from_value(doc.clone()).map_err(|_| malformed())?;
            if d.id != codebook_doc_id(&d.fingerprint) {
                return Err(malformed());
            }
            let mut store = read_envelope(&d.annotations, &d.fingerprint, replica, &id)?;
            store.sets.clear();
            store.closed.clear();
            Ok(Incoming::Codebook {
                fingerprint: d.fingerprint,
                store: Box::new(store),
            })
        }
        _ => Ok(Incoming::Other),
    }
}

fn read_envelope(annotations: &Value, fp: &str, replica: &str, id: &str) -> Result<Store, SyncDocError> {
    let restored = persist::decode_store(&annotations.to_string(), fp, replica);
    match restored.value {
        Some(store) if restored.problems.is_empty() => Ok(store),
        _ => Err(SyncDocError::Unreadable(id.to_string())),
    }
}

/// The `annotations` envelope of one set's document: the set alone, with
/// the clock at its latest stamp (so the envelope depends on the set only),
/// and the themes its tags use as `store` defines them, stamped 0: a
/// receiver without such a theme learns it, and any codebook edit (a later
/// stamp) wins over it, so a coder's set never changes the codebook.
pub(crate) fn set_envelope(set: &AnnotationSet, store: &Store, fingerprint: &str) -> Value {
    let clock = set_clock(set);
    let mut sets = BTreeMap::new();
    sets.insert(set.id.clone(), set.clone());
    let used: BTreeSet<&str> = set.tags.keys().map(|k| k.theme.as_str()).collect();
    let themes = store
        .themes
        .iter()
        .filter(|(id, _)| used.contains(id.as_str()))
        .map(|(id, e)| {
            let weak = ThemeEntry {
                stamp: Stamp::default(),
                ..e.clone()
            };
            (id.clone(), weak)
        })
        .collect();
    let alone = Store {
        themes,
        codebook: BTreeMap::new(),
        sets,
        closed: BTreeMap::new(),
        clock,
        replica: String::new(),
    };
    serde_json::from_str(&persist::encode_store(&alone, fingerprint)).expect("the codec writes JSON")
}

/// The `annotations` envelope of a codebook document: the store's themes
/// and codebook entries, no set; `None` when nobody changed the built-in
/// themes and no entry was written (nothing worth a document).
pub(crate) fn codebook_envelope(store: &Store, fingerprint: &str) -> Option<Value> {
    let edited = store.themes.values().any(|e| e.stamp.t > 0) || !store.codebook.is_empty();
    if !edited {
        return None;
    }
    let clock = store
        .themes
        .values()
        .map(|e| e.stamp.t)
        .chain(store.codebook.values().map(|e| e.stamp.t))
        .max()
        .unwrap_or(0);
    let alone = Store {
        themes: store.themes.clone(),
        codebook: store.codebook.clone(),
        sets: BTreeMap::new(),
        closed: BTreeMap::new(),
        clock,
        replica: String::new(),
    };
    Some(serde_json::from_str(&persist::encode_store(&alone, fingerprint)).expect("the codec writes JSON"))
}

fn set_clock(s: &AnnotationSet) -> u64 {
    let st = &s.stamps;
    [&st.open, &st.name, &st.color, &st.readonly, &st.status]
        .into_iter()
        .map(|x| x.t)
        .chain(s.tags.values().map(|e| e.stamp.t))
        .chain(s.notes.values().map(|e| e.stamp.t))
        .chain(s.uncoded.values().map(|e| e.stamp.t))
        .max()
        .unwrap_or(0)
}
