//! The documents kept in the browser: an index, and each document's text
//! under its own key (`…:doc:<fingerprint>`), apart from its annotations.
//!
//! The built-in speech is always in the library and its text is never
//! stored: it ships inside the app.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::Document;
use crate::persist::{self, open_envelope, KeyValue, Problem, Restored, Saved, StorageFailure, PREFIX, VERSION};
use crate::text::{char_len, fingerprint};

pub const LIBRARY_TYPE: &str = "speech-annotator/library";
pub const DOCUMENT_TYPE: &str = "speech-annotator/document";

pub fn library_key() -> String {
    format!("{PREFIX}library")
}
pub fn doc_key(fingerprint: &str) -> String {
    format!("{PREFIX}doc:{fingerprint}")
}

/// Where a document came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Source {
    Builtin,
    Pasted,
    File { name: String, encoding: String },
    Imported { name: String },
}

/// One document in the library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub fingerprint: String,
    /// The user's name for it; the parsed title otherwise.
    pub title: String,
    pub date: Option<String>,
    pub chars: usize,
    pub paragraphs: usize,
    pub source: Source,
    /// Milliseconds since the epoch.
    pub added: u64,
    pub edited: u64,
    /// When the user last renamed it (0: never), so that the later name wins
    /// when two tabs' lists merge.
    #[serde(default)]
    pub renamed: u64,
}

impl Entry {
    pub fn for_document(doc: &Document, source: Source, now_ms: u64) -> Entry {
        Entry {
            fingerprint: doc.fingerprint.clone(),
            title: doc.title.clone().unwrap_or_else(|| {
                let first: String = doc
                    .blocks
                    .first()
                    .map(|b| b.text.chars().take(24).collect())
                    .unwrap_or_default();
                if first.is_empty() {
                    "无标题 · Untitled".into()
                } else {
                    format!("{first}…")
                }
            }),
            date: doc.date.clone(),
            chars: char_len(&doc.text),
            paragraphs: doc.taggable().count(),
            source,
            added: now_ms,
            edited: now_ms,
            renamed: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Library {
    /// Fingerprint of the open document.
    pub current: Option<String>,
    pub entries: Vec<Entry>,
    /// Documents deleted (fingerprint → when, ms), kept so that another
    /// tab's copy of the list cannot bring them back. An entry edited or
    /// restored after its deletion lives.
    pub removed: BTreeMap<String, u64>,
}

impl Library {
    pub fn get(&self, fp: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.fingerprint == fp)
    }

    /// Adds a document, or refreshes it if it is already there (keeping the
    /// user's title and the date it was added).
    pub fn upsert(&mut self, mut entry: Entry) {
        // Added again after a deletion: newer than the tombstone, so a merge
        // with a list that still holds the tombstone keeps it.
        if let Some(t) = self.removed.remove(&entry.fingerprint) {
            entry.edited = entry.edited.max(t + 1);
        }
        match self.entries.iter_mut().find(|e| e.fingerprint == entry.fingerprint) {
            Some(e) => {
                e.edited = entry.edited.max(e.edited);
            }
            None => self.entries.push(entry),
        }
    }

    /// Records an edit of a document. The list shows the last edit to the
    /// minute, so it moves (and returns `true`: worth writing) only once a
    /// minute, not on every save.
    pub fn touch(&mut self, fp: &str, now_ms: u64) -> bool {
        match self.entries.iter_mut().find(|e| e.fingerprint == fp) {
            Some(e) if now_ms >= e.edited + EDIT_RESOLUTION_MS => {
                e.edited = now_ms;
                true
            }
            _ => false,
        }
    }

    /// Undoes a whole-library import: the documents it added are deleted
    /// (with tombstones, so another tab's list cannot bring them back), and
    /// the open document is the one open before.
    pub fn undo_import(&mut self, before: &Library, now_ms: u64) {
        let added: Vec<String> = self
            .entries
            .iter()
            .filter(|e| before.get(&e.fingerprint).is_none())
            .map(|e| e.fingerprint.clone())
            .collect();
        for fp in added {
            self.remove(&fp, now_ms);
        }
        self.current = before.current.clone();
    }

    /// Removes a document; returns it and its position, for undo.
    pub fn remove(&mut self, fp: &str, now_ms: u64) -> Option<(usize, Entry)> {
        let i = self.entries.iter().position(|e| e.fingerprint == fp)?;
        let entry = self.entries.remove(i);
        self.removed.insert(fp.to_string(), now_ms.max(entry.edited));
        Some((i, entry))
    }

    /// Puts a removed document back (undo), newer than its deletion.
    pub fn restore(&mut self, at: usize, mut entry: Entry, now_ms: u64) {
        if self.get(&entry.fingerprint).is_none() {
            let removed = self.removed.remove(&entry.fingerprint).unwrap_or(0);
            entry.edited = entry.edited.max(now_ms).max(removed + 1);
            self.entries.insert(at.min(self.entries.len()), entry);
        }
    }

    /// Folds another tab's list into this one: every document either knows,
    /// unless deleted and not edited since; the later rename; the later edit
    /// time. Commutative and idempotent on the entries (order: ours first).
    /// The open document stays this tab's. Returns whether anything changed.
    pub fn merge(&mut self, other: &Library) -> bool {
        let before = self.clone();
        for (fp, &t) in &other.removed {
            let e = self.removed.entry(fp.clone()).or_insert(0);
            *e = (*e).max(t);
        }
        for theirs in &other.entries {
            match self.entries.iter_mut().find(|e| e.fingerprint == theirs.fingerprint) {
                Some(ours) => {
                    ours.edited = ours.edited.max(theirs.edited);
                    ours.added = ours.added.min(theirs.added);
                    if theirs.renamed > ours.renamed {
                        ours.title = theirs.title.clone();
                        ours.renamed = theirs.renamed;
                    }
                }
                None => self.entries.push(theirs.clone()),
            }
        }
        let removed = &self.removed;
        self.entries
            .retain(|e| removed.get(&e.fingerprint).is_none_or(|&t| e.edited > t));
        *self != before
    }

    pub fn rename(&mut self, fp: &str, title: &str, now_ms: u64) -> bool {
        let title = title.trim();
        if title.is_empty() || char_len(title) > 200 {
            return false;
        }
        match self.entries.iter_mut().find(|e| e.fingerprint == fp) {
            Some(e) => {
                e.title = title.into();
                e.renamed = now_ms.max(e.renamed + 1);
                true
            }
            None => false,
        }
    }
}

/// How precisely "last edit" is kept (ms).
pub const EDIT_RESOLUTION_MS: u64 = 60_000;

/// Writes the library list after folding in what another tab wrote
/// ([`persist::write_merged`]: an unreadable stored list is backed up, not
/// overwritten). The open document stays this tab's.
pub fn save_library(kv: &mut dyn KeyValue, lib: &mut Library, now_ms: u64) -> Result<Saved, StorageFailure> {
    persist::write_merged(
        kv,
        &library_key(),
        lib,
        decode_library,
        |ours, theirs| ours.merge(&theirs),
        encode_library,
        now_ms,
    )
}

pub fn encode_library(lib: &Library) -> String {
    serde_json::json!({
        "type": LIBRARY_TYPE, "version": VERSION, "current": lib.current, "entries": lib.entries,
        "removed": lib.removed,
    })
    .to_string()
}

/// Reads the library index, keeping every entry that can be read.
pub fn decode_library(raw: &str) -> Restored<Library> {
    let obj = match open_envelope(raw, LIBRARY_TYPE) {
        Ok(o) => o,
        Err(p) => {
            return Restored {
                value: None,
                problems: vec![p],
            }
        }
    };
    let mut lib = Library {
        current: obj.get("current").and_then(Value::as_str).map(str::to_string),
        entries: Vec::new(),
        removed: obj
            .get("removed")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default(),
    };
    let mut bad = 0;
    for v in obj
        .get("entries")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        match serde_json::from_value::<Entry>(v.clone()) {
            Ok(e) if lib.get(&e.fingerprint).is_none() => lib.entries.push(e),
            _ => bad += 1,
        }
    }
    let problems = if bad > 0 {
        vec![Problem::Dropped {
            what: "documents · 文档",
            count: bad,
        }]
    } else {
        vec![]
    };
    Restored {
        value: Some(lib),
        problems,
    }
}

/// A document's text in its envelope.
pub fn encode_text(fp: &str, text: &str) -> String {
    serde_json::json!({ "type": DOCUMENT_TYPE, "version": VERSION, "fingerprint": fp, "text": text }).to_string()
}

/// Reads a stored text and checks it is the document it claims to be.
pub fn decode_text(raw: &str, fp: &str) -> Result<String, Problem> {
    let obj = open_envelope(raw, DOCUMENT_TYPE)?;
    let text = obj
        .get("text")
        .and_then(Value::as_str)
        .ok_or(Problem::MissingField("text"))?;
    let actual = fingerprint(text);
    if actual != fp {
        return Err(Problem::WrongDocument {
            expected: fp.into(),
            found: actual,
        });
    }
    Ok(text.to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A one-paragraph pasted document's entry (also used by persist's tests).
    pub(crate) fn entry(fp: &str) -> Entry {
        Entry {
            fingerprint: fp.into(),
            title: "t".into(),
            date: None,
            chars: 1,
            paragraphs: 1,
            source: Source::Pasted,
            added: 1,
            edited: 1,
            renamed: 0,
        }
    }

    #[test]
    fn library_round_trips_and_keeps_good_entries() {
        let mut lib = Library {
            current: Some("a".into()),
            entries: vec![entry("a"), entry("b")],
            removed: BTreeMap::from([("z".to_string(), 5)]),
        };
        lib.entries[1].source = Source::File {
            name: "x.txt".into(),
            encoding: "gb18030".into(),
        };
        let raw = encode_library(&lib);
        assert_eq!(decode_library(&raw).value, Some(lib.clone()));
        let mut v: Value = serde_json::from_str(&raw).unwrap();
        v["entries"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({"fingerprint": 3}));
        let r = decode_library(&v.to_string());
        assert_eq!(r.value.unwrap().entries.len(), 2);
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn remove_and_restore_put_an_entry_back_where_it_was() {
        let mut lib = Library {
            current: None,
            entries: vec![entry("a"), entry("b"), entry("c")],
            removed: BTreeMap::new(),
        };
        let (at, e) = lib.remove("b", 10).unwrap();
        assert_eq!(lib.entries.len(), 2);
        lib.restore(at, e, 11);
        let fps: Vec<_> = lib.entries.iter().map(|e| e.fingerprint.as_str()).collect();
        assert_eq!(fps, ["a", "b", "c"]);
        assert!(lib.rename("a", " 新名 ", 12));
        assert_eq!(lib.get("a").unwrap().title, "新名");
        assert!(!lib.rename("a", "  ", 13));
    }

    #[test]
    fn two_tabs_lists_merge_without_losing_or_resurrecting_documents() {
        let base = Library {
            current: Some("a".into()),
            entries: vec![entry("a"), entry("b")],
            removed: BTreeMap::new(),
        };
        // tab 1 opens c and renames a; tab 2 deletes b and opens d
        let mut one = base.clone();
        one.upsert(entry("c"));
        one.rename("a", "甲", 20);
        let mut two = base.clone();
        two.current = Some("d".into());
        two.remove("b", 30).unwrap();
        two.upsert(entry("d"));
        let mut merged_12 = one.clone();
        assert!(merged_12.merge(&two));
        let mut merged_21 = two.clone();
        assert!(merged_21.merge(&one));
        let fps = |l: &Library| {
            let mut v: Vec<String> = l.entries.iter().map(|e| e.fingerprint.clone()).collect();
            v.sort();
            v
        };
        assert_eq!(fps(&merged_12), ["a", "c", "d"], "b stays deleted, c and d both kept");
        assert_eq!(fps(&merged_12), fps(&merged_21));
        assert_eq!(merged_12.get("a").unwrap().title, "甲");
        assert_eq!(merged_21.get("a").unwrap().title, "甲", "the rename travels");
        assert_eq!(
            merged_21.current.as_deref(),
            Some("d"),
            "each tab keeps its open document"
        );
        assert!(!merged_12.clone().merge(&merged_21), "nothing new the second time");
        // undoing the delete in tab 2 wins over the old tombstone in tab 1's copy
        let (at, b) = (1, base.get("b").unwrap().clone());
        merged_21.restore(at, b, 40);
        merged_12.merge(&merged_21);
        assert!(merged_12.get("b").is_some());
        // a document deleted, then brought back by a library import carrying an
        // old edit time, survives the merge with the stored list
        let mut stored = merged_12.clone();
        stored.remove("c", 50).unwrap();
        let mut tab = stored.clone();
        tab.upsert(entry("c"));
        tab.merge(&stored);
        assert!(tab.get("c").is_some());
        // undoing a library import deletes what it added, for good
        let before = merged_12.clone();
        let mut after = before.clone();
        after.upsert(entry("x"));
        after.current = Some("x".into());
        after.undo_import(&before, 60);
        assert!(after.get("x").is_none() && after.removed.contains_key("x"));
        assert_eq!(after.current, before.current);
        // the last edit moves once a minute, not on every save
        assert!(!after.touch("a", 30));
        assert!(after.touch("a", EDIT_RESOLUTION_MS + 100));
        assert!(!after.touch("a", EDIT_RESOLUTION_MS + 200));
        assert!(!after.touch("nowhere", u64::MAX));
        // and the tombstone round-trips through storage
        assert_eq!(
            decode_library(&encode_library(&two)).value.unwrap().removed,
            two.removed
        );
    }

    #[test]
    fn stored_text_must_match_its_fingerprint() {
        let text = "标题\n正文。";
        let fp = fingerprint(text);
        assert_eq!(decode_text(&encode_text(&fp, text), &fp).unwrap(), text);
        let tampered = encode_text(&fp, "标题\n别的正文。");
        assert!(matches!(
            decode_text(&tampered, &fp),
            Err(Problem::WrongDocument { .. })
        ));
    }

    #[test]
    fn fifty_speeches_with_full_annotations_fit_in_local_storage() {
        use crate::store::{AnnotationSet, Command, SetKind, Store, TagOrigin};
        // A browser's localStorage holds about 5 million UTF-16 code units.
        const QUOTA_UNITS: usize = 5 * 1024 * 1024;
        let mut used = 0;
        let mut lib = Library::default();
        for n in 0..50 {
            let mut raw = format!("第{n}篇讲话\n时间:2022-07-14\n");
            let mut i = 0;
            while char_len(&raw) < 10_000 {
                raw.push_str(&format!(
                    "第{n}篇第{i}段，推动外经贸发展，优化营商环境，加强招商引资和利用外资工作。\n"
                ));
                i += 1;
            }
            let doc = Document::parse(&raw);
            let mut store = Store::new(
                "r-0123456789abcdef",
                &AnnotationSet::new("c-0123456789abcdef", "我 · Me", "#2f6fdb", SetKind::Coder),
            );
            for b in doc.taggable() {
                for theme in ["investment", "trade", "environment"] {
                    let tag = Command::Tag {
                        set: "c-0123456789abcdef".into(),
                        block: b.id.clone(),
                        theme: theme.into(),
                        present: true,
                        how: TagOrigin::Hand,
                        at: 1_795_582_111_249,
                    };
                    store.apply(tag).unwrap();
                }
                store
                    .apply(Command::Note {
                        set: "c-0123456789abcdef".into(),
                        block: b.id.clone(),
                        text: "一条二十个字左右的笔记，说明为什么这样编码。".into(),
                    })
                    .unwrap();
            }
            let units = |s: &str| s.encode_utf16().count();
            used += units(&encode_text(&doc.fingerprint, &doc.text)) + units(&doc_key(&doc.fingerprint));
            used += units(&crate::persist::encode_store(&store, &doc.fingerprint));
            lib.upsert(Entry::for_document(&doc, Source::Pasted, 1));
        }
        used += encode_library(&lib).encode_utf16().count();
        assert!(
            used < QUOTA_UNITS,
            "50 annotated speeches need {used} code units of {QUOTA_UNITS}"
        );
        eprintln!(
            "50 speeches × 10,000 chars, fully annotated: {used} UTF-16 units ({:.0}% of 5 Mi)",
            used as f64 * 100.0 / QUOTA_UNITS as f64
        );
    }
}

/// The whole library as one file: every document's entry, text and stored
/// annotations, to move a library to another browser or keep a backup.
pub const LIBRARY_FILE_TYPE: &str = "speech-annotator/library-file";

/// One document in a library file.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryDoc {
    pub entry: Entry,
    /// `None` for the built-in speech, which every copy of the app has.
    pub text: Option<String>,
    pub store: Option<crate::store::Store>,
}

/// `coder` is the exporting browser's own coder id: importing the file as
/// one's own library moves that coder's annotations into one's own set.
pub fn export_library(docs: &[LibraryDoc], exported_at: &str, coder: &str) -> String {
    let documents: Vec<Value> = docs
        .iter()
        .map(|d| {
            let annotations = d.store.as_ref().and_then(|s| {
                serde_json::from_str::<Value>(&crate::persist::encode_store(s, &d.entry.fingerprint)).ok()
            });
            serde_json::json!({ "entry": d.entry, "text": d.text, "annotations": annotations })
        })
        .collect();
    serde_json::to_string(&serde_json::json!({
        "type": LIBRARY_FILE_TYPE, "version": VERSION, "exportedAt": exported_at, "coder": coder, "documents": documents,
    }))
    .expect("plain data serialises")
}

/// Reads a library file: every document must be whole (its text matching its
/// fingerprint, its annotations readable) or the file is refused. The
/// exporter's own annotations move into `own` (the importing coder's set).
pub fn import_library(raw: &str, replica: &str, own: &str) -> Result<Vec<LibraryDoc>, crate::exchange::ImportError> {
    use crate::exchange::{json_error, ImportError};
    if raw.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    if raw.len() > crate::exchange::MAX_IMPORT_BYTES * 4 {
        return Err(ImportError::TooLarge(raw.len()));
    }
    let v: Value = serde_json::from_str(raw).map_err(json_error)?;
    match v.get("type").and_then(Value::as_str) {
        Some(LIBRARY_FILE_TYPE) => {}
        Some(t) => return Err(ImportError::UnknownFormat(t.chars().take(60).collect())),
        None => return Err(ImportError::Missing("type".into())),
    }
    let version = v.get("version").and_then(Value::as_u64).unwrap_or(0);
    if version > VERSION {
        return Err(ImportError::NewerVersion {
            found: version,
            supported: VERSION,
        });
    }
    let docs = v
        .get("documents")
        .and_then(Value::as_array)
        .ok_or(ImportError::WrongType {
            field: "documents".into(),
            expected: "array",
        })?;
    let mut out = Vec::new();
    for (i, d) in docs.iter().enumerate() {
        let entry: Entry = serde_json::from_value(d.get("entry").cloned().unwrap_or(Value::Null)).map_err(|_| {
            ImportError::WrongType {
                field: format!("documents[{i}].entry"),
                expected: "a library entry",
            }
        })?;
        let text = d.get("text").and_then(Value::as_str).map(str::to_string);
        if let Some(t) = &text {
            if fingerprint(t) != entry.fingerprint {
                return Err(ImportError::WrongType {
                    field: format!("documents[{i}].text"),
                    expected: "the text of its fingerprint",
                });
            }
        } else if entry.source != Source::Builtin {
            return Err(ImportError::Missing(format!("documents[{i}].text")));
        }
        let store = match d.get("annotations") {
            None | Some(Value::Null) => None,
            Some(a) => {
                let r = crate::persist::decode_store(&a.to_string(), &entry.fingerprint, replica);
                if r.needs_backup() {
                    return Err(ImportError::WrongType {
                        field: format!("documents[{i}].annotations"),
                        expected: "readable annotations",
                    });
                }
                r.value.map(|mut s| {
                    let exporter = v.get("coder").and_then(Value::as_str).unwrap_or("");
                    if exporter != own {
                        if let Some(mut set) = s.sets.remove(exporter) {
                            set.id = own.to_string();
                            match s.sets.get_mut(own) {
                                Some(mine) => {
                                    mine.merge_items(&set);
                                    // The exporter's status, unless ours was set later.
                                    if set.stamps.status > mine.stamps.status {
                                        mine.status = set.status;
                                        mine.stamps.status = set.stamps.status.clone();
                                    }
                                }
                                None => {
                                    s.sets.insert(own.to_string(), set);
                                }
                            }
                        }
                    }
                    s
                })
            }
        };
        if out
            .iter()
            .any(|o: &LibraryDoc| o.entry.fingerprint == entry.fingerprint)
        {
            return Err(ImportError::DuplicateId(entry.fingerprint));
        }
        out.push(LibraryDoc { entry, text, store });
    }
    Ok(out)
}

#[cfg(test)]
mod library_file_tests {
    use super::*;
    use crate::store::{AnnotationSet, Command, SetKind, Store, TagOrigin};

    #[test]
    fn a_library_round_trips_and_tampering_is_refused() {
        let text = "讲话\n一段正文。";
        let doc = Document::parse(text);
        let mut store = Store::new("r", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
        let tag = Command::Tag {
            set: "me".into(),
            block: doc.blocks[1].id.clone(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 1,
        };
        store.apply(tag).unwrap();
        let docs = vec![LibraryDoc {
            entry: Entry::for_document(&doc, Source::Pasted, 5),
            text: Some(doc.text.clone()),
            store: Some(store.clone()),
        }];
        let raw = export_library(&docs, "2026-11-25T00:00:00Z", "me");
        let back = import_library(&raw, "r", "me").unwrap();
        assert_eq!(
            back[0].store.as_ref().unwrap().themes_of("me", &doc.blocks[1].id),
            ["trade"]
        );
        let moved = import_library(&raw, "r", "other-browser").unwrap();
        assert_eq!(
            moved[0]
                .store
                .as_ref()
                .unwrap()
                .themes_of("other-browser", &doc.blocks[1].id),
            ["trade"]
        );
        assert!(import_library(&raw.replace("一段正文", "别的正文"), "r", "me").is_err());
        assert!(import_library("{}", "r", "me").is_err());
        assert!(import_library(&raw[..raw.len() / 2], "r", "me").is_err());
    }
}
