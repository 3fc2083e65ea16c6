//! The documents kept in the browser: an index, and each document's text
//! under its own key (`…:doc:<fingerprint>`), apart from its annotations.
//!
//! The built-in speech is always in the library and its text is never
//! stored: it ships inside the app.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::Document;
use crate::persist::{open_envelope, Problem, Restored, PREFIX, VERSION};
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
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Library {
    /// Fingerprint of the open document.
    pub current: Option<String>,
    pub entries: Vec<Entry>,
}

impl Library {
    pub fn get(&self, fp: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.fingerprint == fp)
    }

    /// Adds a document, or refreshes it if it is already there (keeping the
    /// user's title and the date it was added).
    pub fn upsert(&mut self, entry: Entry) {
        match self.entries.iter_mut().find(|e| e.fingerprint == entry.fingerprint) {
            Some(e) => {
                e.edited = entry.edited.max(e.edited);
            }
            None => self.entries.push(entry),
        }
    }

    pub fn touch(&mut self, fp: &str, now_ms: u64) {
        if let Some(e) = self.entries.iter_mut().find(|e| e.fingerprint == fp) {
            e.edited = now_ms;
        }
    }

    /// Removes a document; returns it and its position, for undo.
    pub fn remove(&mut self, fp: &str) -> Option<(usize, Entry)> {
        let i = self.entries.iter().position(|e| e.fingerprint == fp)?;
        Some((i, self.entries.remove(i)))
    }

    pub fn restore(&mut self, at: usize, entry: Entry) {
        if self.get(&entry.fingerprint).is_none() {
            self.entries.insert(at.min(self.entries.len()), entry);
        }
    }

    pub fn rename(&mut self, fp: &str, title: &str) -> bool {
        let title = title.trim();
        if title.is_empty() || char_len(title) > 200 {
            return false;
        }
        match self.entries.iter_mut().find(|e| e.fingerprint == fp) {
            Some(e) => {
                e.title = title.into();
                true
            }
            None => false,
        }
    }
}

pub fn encode_library(lib: &Library) -> String {
    serde_json::json!({
        "type": LIBRARY_TYPE, "version": VERSION, "current": lib.current, "entries": lib.entries,
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
mod tests {
    use super::*;

    fn entry(fp: &str) -> Entry {
        Entry {
            fingerprint: fp.into(),
            title: "t".into(),
            date: None,
            chars: 1,
            paragraphs: 1,
            source: Source::Pasted,
            added: 1,
            edited: 1,
        }
    }

    #[test]
    fn library_round_trips_and_keeps_good_entries() {
        let mut lib = Library {
            current: Some("a".into()),
            entries: vec![entry("a"), entry("b")],
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
        };
        let (at, e) = lib.remove("b").unwrap();
        assert_eq!(lib.entries.len(), 2);
        lib.restore(at, e);
        let fps: Vec<_> = lib.entries.iter().map(|e| e.fingerprint.as_str()).collect();
        assert_eq!(fps, ["a", "b", "c"]);
        assert!(lib.rename("a", " 新名 "));
        assert_eq!(lib.get("a").unwrap().title, "新名");
        assert!(!lib.rename("a", "  "));
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
