//! The library as a corpus: each document's coders and their statuses,
//! the documents that enter the corpus agreement, and the reliability data
//! as a file.

use std::sync::Arc;

use crate::compare::{self, SubThemes};
use crate::corpus::{self, CorpusDocument, CorpusReport};
use crate::document::Document;
use crate::library::{Entry, Source};
use crate::persist::{self, KeyValue};
use crate::store::{SetKind, Status, Store};

use super::{ExportFile, Workspace};

/// A library document read for the corpus: its entry, its text parsed and
/// its annotations.
#[derive(Debug, Clone)]
pub struct CorpusEntry {
    pub entry: Entry,
    pub doc: Arc<Document>,
    pub store: Store,
}

impl CorpusEntry {
    /// The document as [`crate::corpus`] reads it, named as the library
    /// names it.
    pub fn as_corpus(&self) -> CorpusDocument<'_> {
        CorpusDocument {
            title: &self.entry.title,
            doc: &self.doc,
            store: &self.store,
        }
    }
}

/// One coder of one document, for the corpus view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentCoder {
    /// The coder's set id (one coder across documents).
    pub id: String,
    pub name: String,
    pub color: String,
    pub status: Status,
    /// Live tags.
    pub tags: usize,
}

impl<K: KeyValue> Workspace<K> {
    /// The texts of every library document but the open one, as
    /// `(fingerprint, text)` in library order: the reference corpus for
    /// keyness (`terms::Job::with_library`). A text that cannot be read is
    /// left out.
    pub fn reference_texts(&self) -> Vec<(String, String)> {
        self.library
            .entries
            .iter()
            .filter(|e| e.fingerprint != self.doc.fingerprint)
            .filter_map(|e| {
                let text = if e.fingerprint == self.builtin.fingerprint {
                    // Its blocks, one a line, parse to the same blocks.
                    let lines: Vec<&str> = self.builtin.blocks.iter().map(|b| b.text.as_str()).collect();
                    lines.join("\n")
                } else {
                    self.read_text(&e.fingerprint).ok()?
                };
                Some((e.fingerprint.clone(), text))
            })
            .collect()
    }

    /// Renames the coder `set` to `name` in every stored document of the
    /// library other than the open one (whose store the caller renames
    /// with an undoable command, [`crate::coders::rename`]), so the user's
    /// own name is the same in every document, export and corpus view.
    /// Each change is a stamped `SetInfo` (colour kept), saved by read,
    /// merge, write; a document without that set, or where it already has
    /// the name, is not written. Returns how many documents changed; a
    /// value that cannot be read is left as it is, a write that fails is
    /// the workspace's storage failure.
    pub fn rename_coder_everywhere(&mut self, set: &str, name: &str, now_ms: u64) -> usize {
        let name = name.trim();
        let fps: Vec<String> = self
            .library
            .entries
            .iter()
            .map(|e| e.fingerprint.clone())
            .filter(|fp| *fp != self.doc.fingerprint)
            .collect();
        let mut changed = 0;
        for fp in fps {
            let Some(raw) = self.kv.get(&persist::annotations_key(&fp)).ok().flatten() else {
                continue;
            };
            let Some(mut store) = persist::decode_store(&raw, &fp, &self.replica).value else {
                continue;
            };
            let Some(color) = store.set_any(set).filter(|s| s.name != name).map(|s| s.color.clone()) else {
                continue;
            };
            let renamed = store.apply(crate::store::Command::SetInfo {
                set: set.into(),
                name: name.into(),
                color,
            });
            if renamed.is_err() {
                continue;
            }
            match persist::save(&mut self.kv, &mut store, &fp, now_ms) {
                Ok(_) => changed += 1,
                Err(e) => {
                    self.fail(e);
                    break;
                }
            }
        }
        changed
    }

    /// A library document's stored annotations (the open document's from
    /// `open`); `None` when it has none or they cannot be read.
    pub(super) fn stored_store(&self, fp: &str, open: &Store) -> Option<Store> {
        if fp == self.doc.fingerprint {
            return Some(open.clone());
        }
        let raw = self.kv.get(&persist::annotations_key(fp)).ok().flatten()?;
        persist::decode_store(&raw, fp, &self.replica).value
    }

    /// Every library document with its coders (consensus sets left out),
    /// each with their status and number of tags, in library order: the
    /// corpus view's rows. Reads the stored annotations, never a text.
    pub fn document_coders(&self, open: &Store) -> Vec<(Entry, Vec<DocumentCoder>)> {
        self.library
            .entries
            .iter()
            .map(|e| {
                let coders = self
                    .stored_store(&e.fingerprint, open)
                    .map(|s| {
                        s.sets
                            .values()
                            .filter(|x| x.kind == SetKind::Coder)
                            .map(|x| DocumentCoder {
                                id: x.id.clone(),
                                name: x.name.clone(),
                                color: x.color.clone(),
                                status: x.status(),
                                tags: x.tags.values().filter(|t| t.present).count(),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (e.clone(), coders)
            })
            .collect()
    }

    /// The library documents that enter the corpus agreement (two or more
    /// coders marked them done), parsed, in library order; the open
    /// document's annotations from `open`. A document is parsed only once
    /// its stored annotations show two done coders; one whose text cannot
    /// be read is left out.
    pub fn corpus_entries(&self, open: &Store) -> Vec<CorpusEntry> {
        let done = |s: &Store| compare::coders(s).iter().filter(|x| x.status() == Status::Done).count();
        self.library
            .entries
            .iter()
            .filter_map(|e| {
                let fp = &e.fingerprint;
                let store = self.stored_store(fp, open).filter(|s| done(s) >= 2)?;
                let doc = if *fp == self.doc.fingerprint {
                    self.doc.clone()
                } else if e.source == Source::Builtin || *fp == self.builtin.fingerprint {
                    self.builtin.clone()
                } else {
                    Arc::new(Document::parse(&self.read_text(fp).ok()?))
                };
                Some(CorpusEntry {
                    entry: e.clone(),
                    doc,
                    store,
                })
            })
            .collect()
    }

    /// Agreement across the library ([`corpus::corpus_agreement`] over
    /// [`Workspace::corpus_entries`]). `left_out` names every library
    /// document fewer than two coders marked done, with how many did
    /// (`corpus_entries` never parses those, so the core's own list would
    /// be empty).
    pub fn corpus_agreement(&self, open: &Store, sub: SubThemes) -> CorpusReport {
        let entries = self.corpus_entries(open);
        let docs: Vec<CorpusDocument> = entries.iter().map(CorpusEntry::as_corpus).collect();
        let mut report = corpus::corpus_agreement(&docs, sub);
        report.left_out = self
            .library
            .entries
            .iter()
            .filter(|e| !entries.iter().any(|c| c.entry.fingerprint == e.fingerprint))
            .map(|e| {
                let done = self.stored_store(&e.fingerprint, open).map_or(0, |s| {
                    compare::coders(&s)
                        .iter()
                        .filter(|x| x.status() == Status::Done)
                        .count()
                });
                (e.fingerprint.clone(), done)
            })
            .collect();
        report
    }

    /// The corpus's reliability data as a CSV file
    /// ([`crate::formats::reliability::csv`] of the documents that enter
    /// the corpus, their done coders): what R or Python reproduce the corpus
    /// figures from (`docs/agreement.md`). `now_secs` names the file.
    pub fn export_reliability(&self, open: &Store, sub: SubThemes, now_secs: u64) -> ExportFile {
        let entries = self.corpus_entries(open);
        let docs: Vec<CorpusDocument> = entries.iter().map(CorpusEntry::as_corpus).collect();
        let created = crate::formats::dates::iso_utc(now_secs);
        ExportFile {
            name: format!("speech-annotator-reliability-{}.csv", &created[..10]),
            media_type: "text/csv;charset=utf-8",
            bytes: crate::formats::reliability::csv(&corpus::included(&docs, sub)).into_bytes(),
        }
    }
}
