//! The whole library as one file: export, import (merged, never
//! overwriting), and the undo of an import.

use crate::document::Document;
use crate::exchange::ImportError;
use crate::formats::refi::{self, OffsetUnit};
use crate::library::{self, Library, LibraryDoc, Source};
use crate::persist::{self, KeyValue};
use crate::store::Store;

use super::{ExportFile, Workspace};

/// What a library import did, and how to take it back.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryImported {
    /// Documents the file held.
    pub documents: usize,
    /// Whether the open document's annotations changed (reopen it).
    pub open_changed: bool,
    pub undo: LibraryUndo,
}

/// Every stored value an import replaced (`None`: the key was absent) and
/// the library list before it.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryUndo {
    pub values: Vec<(String, Option<String>)>,
    pub library: Library,
}

impl<K: KeyValue> Workspace<K> {
    /// Every library document with its text (`None` for the built-in
    /// speech) and annotations (the open document's from `open`); a
    /// document whose text or annotations cannot be read is left out or
    /// goes without annotations.
    fn library_docs(&self, open: &Store) -> Vec<LibraryDoc> {
        self.library
            .entries
            .iter()
            .filter_map(|e| {
                let fp = &e.fingerprint;
                let text = if e.source == Source::Builtin {
                    None
                } else {
                    Some(self.read_text(fp).ok()?)
                };
                let store = if *fp == self.doc.fingerprint {
                    Some(open.clone())
                } else {
                    self.kv
                        .get(&persist::annotations_key(fp))
                        .ok()
                        .flatten()
                        .and_then(|raw| persist::decode_store(&raw, fp, &self.replica).value)
                };
                Some(LibraryDoc {
                    entry: e.clone(),
                    text,
                    store,
                })
            })
            .collect()
    }

    /// The whole library as one file: every document's entry, text (not the
    /// built-in speech's: every copy of the app has it) and annotations;
    /// the open document's from `open`. `own` is the exporting coder's set.
    pub fn export_library(&self, open: &Store, own: &str, now_secs: u64) -> ExportFile {
        let docs = self.library_docs(open);
        let created = crate::formats::dates::iso_utc(now_secs);
        ExportFile {
            name: format!("speech-annotator-library-{}.json", &created[..10]),
            media_type: "application/json",
            bytes: library::export_library(&docs, &created, own).into_bytes(),
        }
    }

    /// The library (or the documents `only` names, by fingerprint) as one
    /// REFI-QDA project ([`refi::export_library_project`]): every document a
    /// text source, every coder of any document a user, the union of the
    /// documents' codebooks; positions counted in `unit`. Documents without
    /// annotations go as sources without codings. The open document's
    /// annotations come from `open`.
    pub fn export_library_qdpx(
        &self,
        open: &Store,
        only: Option<&[String]>,
        unit: OffsetUnit,
        now_secs: u64,
    ) -> ExportFile {
        let docs: Vec<(Document, Store, String)> = self
            .library_docs(open)
            .into_iter()
            .filter(|d| only.is_none_or(|o| o.contains(&d.entry.fingerprint)))
            .map(|d| {
                let doc = match &d.text {
                    Some(t) => Document::parse(t),
                    None => (*self.builtin).clone(),
                };
                let store = d
                    .store
                    .unwrap_or_else(|| Store::new(&self.replica, &self.profile.own_set()));
                (doc, store, d.entry.title)
            })
            .collect();
        let parts: Vec<refi::ProjectDoc> = docs
            .iter()
            .map(|(doc, store, title)| refi::ProjectDoc {
                doc,
                name: Some(title),
                store,
                sets: store.sets.keys().map(String::as_str).collect(),
            })
            .collect();
        let created = crate::formats::dates::iso_utc(now_secs);
        ExportFile {
            name: format!("speech-annotator-library-{}.qdpx", &created[..10]),
            media_type: "application/zip",
            bytes: refi::export_library_project(&parts, &created, unit),
        }
    }

    /// Imports a library file: texts added, annotations merged with what
    /// this browser has (by stamps: nothing overwritten), entries added to
    /// the list. Save the open document first; reopen it after when
    /// `open_changed`.
    ///
    /// # Errors
    /// [`ImportError`] when the file is not a whole, readable library file;
    /// nothing is written then.
    pub fn import_library(&mut self, bytes: &[u8], own: &str, now_ms: u64) -> Result<LibraryImported, ImportError> {
        let raw = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
        let docs = library::import_library(raw, &self.replica, own)?;
        let mut values: Vec<(String, Option<String>)> = Vec::new();
        let before = self.library.clone();
        let mut open_changed = false;
        for d in &docs {
            let fp = &d.entry.fingerprint;
            if let Some(text) = &d.text {
                let key = library::doc_key(fp);
                values.push((key.clone(), self.kv.get(&key).ok().flatten()));
                if let Err(e) = self.kv.set(&key, &library::encode_text(fp, text)) {
                    self.fail(e);
                }
            }
            if let Some(incoming) = &d.store {
                let key = persist::annotations_key(fp);
                let old = self.kv.get(&key).ok().flatten();
                let mut merged = old
                    .as_deref()
                    .and_then(|raw| persist::decode_store(raw, fp, &self.replica).value)
                    .unwrap_or_else(|| incoming.clone());
                merged.merge(incoming);
                values.push((key.clone(), old));
                open_changed |= *fp == self.doc.fingerprint;
                if let Err(e) = self.kv.set(&key, &persist::encode_store(&merged, fp)) {
                    self.fail(e);
                }
            }
            self.library.upsert(d.entry.clone());
        }
        self.save_library(now_ms);
        Ok(LibraryImported {
            documents: docs.len(),
            open_changed,
            undo: LibraryUndo {
                values,
                library: before,
            },
        })
    }

    /// Undoes [`Workspace::import_library`]: every value it replaced put
    /// back, the documents it added deleted (with tombstones). Reopen the
    /// open document after.
    pub fn undo_library_import(&mut self, undo: &LibraryUndo, now_ms: u64) {
        for (k, v) in undo.values.iter().rev() {
            let r = match v {
                Some(v) => self.kv.set(k, v),
                None => self.kv.remove(k),
            };
            if let Err(e) = r {
                self.fail(e);
            }
        }
        self.library.undo_import(&undo.library, now_ms);
        self.save_library(now_ms);
    }

    /// What the keys an import wrote hold now, and the library list now:
    /// taken just before [`Workspace::undo_library_import`], it is what
    /// [`Workspace::redo_library_import`] puts back.
    pub fn snapshot_for(&self, undo: &LibraryUndo) -> LibraryUndo {
        LibraryUndo {
            values: undo
                .values
                .iter()
                .map(|(k, _)| (k.clone(), self.kv.get(k).ok().flatten()))
                .collect(),
            library: self.library.clone(),
        }
    }

    /// Redoes an undone import from [`Workspace::snapshot_for`]'s
    /// snapshot: every value put back as it was after the import, and the
    /// documents it had added listed again (newer than their removal).
    /// Reopen the open document after.
    pub fn redo_library_import(&mut self, redo: &LibraryUndo, now_ms: u64) {
        for (k, v) in &redo.values {
            let r = match v {
                Some(v) => self.kv.set(k, v),
                None => self.kv.remove(k),
            };
            if let Err(e) = r {
                self.fail(e);
            }
        }
        for (at, entry) in redo.library.entries.iter().enumerate() {
            if self.library.get(&entry.fingerprint).is_none() {
                self.library.restore(at, entry.clone(), now_ms);
            }
        }
        self.library.current = redo.library.current.clone();
        self.save_library(now_ms);
    }
}
