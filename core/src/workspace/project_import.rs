//! A REFI-QDA project's sources brought into the library: each picked text
//! source a document (matched by fingerprint when the library has it), its
//! codings applied to that document's stored annotations, one undo for all.

use std::collections::BTreeSet;

use crate::document::{Document, ParseOptions};
use crate::exchange::{plan, Applied, ImportError, Mode};
use crate::formats::refi::Project;
use crate::library::{self, Entry, Source};
use crate::persist::{self, KeyValue};
use crate::store::Store;

use super::{LibraryUndo, Workspace};

/// What happened to one picked source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedSource {
    /// Index of the source in [`Project::sources`].
    pub source: usize,
    /// The library document it went to.
    pub fingerprint: String,
    pub title: String,
    /// The library did not hold its text before.
    pub added: bool,
    /// What was applied to its annotations.
    pub applied: Applied,
    /// Ids of the themes added to (or updated in) its store.
    pub themes: BTreeSet<String>,
    /// Selections that fit no paragraph of the source's text (left out).
    pub unmatched: usize,
}

/// Why a picked source was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedSource {
    pub source: usize,
    pub error: ImportError,
}

/// What [`Workspace::import_project`] did, and how to take it back.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectImported {
    pub imported: Vec<ImportedSource>,
    pub skipped: Vec<SkippedSource>,
    pub undo: LibraryUndo,
}

impl ProjectImported {
    /// Everything applied, summed over the sources; a theme added to
    /// several documents counts once.
    pub fn applied(&self) -> Applied {
        let mut all = Applied::default();
        for s in &self.imported {
            all.add(s.applied);
        }
        all.themes = self.theme_ids().len();
        all
    }

    /// Ids of the themes added or updated in any document.
    pub fn theme_ids(&self) -> BTreeSet<String> {
        self.imported.iter().flat_map(|s| s.themes.iter().cloned()).collect()
    }
}

impl<K: KeyValue> Workspace<K> {
    /// Brings the picked sources of `project` (indices into
    /// [`Project::sources`]) into the library, except the open document's,
    /// which the caller applies through its history so that Ctrl+Z undoes
    /// it.
    ///
    /// Each picked text source becomes a library document (its text parsed
    /// as [`Document::parse`] does; a document the library already holds,
    /// found by fingerprint, keeps its text and name), named after the
    /// source (its REFI `name`, as the preview showed it). Its codings are read onto
    /// its own paragraphs ([`Project::incoming`]) and applied to its stored
    /// annotations as [`plan`] applies an import in `mode` (side by side: one
    /// read-only set per coder; merge and replace: into the set `own`);
    /// `leave_unused` leaves out the project's codes that no coding of that
    /// source uses. Every value written is recorded in the returned undo
    /// ([`Workspace::undo_library_import`] takes it all back).
    ///
    /// A source that is not a readable text source, or whose document's
    /// stored annotations cannot be read (open it first: that backs them
    /// up), is skipped with its reason; nothing is written for it. A write
    /// the storage refuses (full, disabled) takes back everything written so
    /// far: the import is all or nothing, and every pick is reported with
    /// [`ImportError::Refused`] and the storage's message.
    pub fn import_project(
        &mut self,
        project: &Project,
        picks: &[usize],
        mode: Mode,
        leave_unused: bool,
        own: &str,
        now_ms: u64,
    ) -> ProjectImported {
        let before = self.library.clone();
        let mut values: Vec<(String, Option<String>)> = Vec::new();
        let mut imported = Vec::new();
        let mut skipped = Vec::new();
        for &i in picks {
            let Some(source) = project.sources.get(i) else { continue };
            let Some(text) = source.text.as_deref() else {
                skipped.push(SkippedSource {
                    source: i,
                    error: ImportError::MissingEntry(format!("Sources/{}", source.name)),
                });
                continue;
            };
            // The open document's source is the caller's (checked before
            // parsing: the project knows each source's fingerprint).
            if source.fingerprint.as_deref() == Some(self.doc.fingerprint.as_str()) {
                continue;
            }
            // Read as written, never joined: the project's positions count
            // into its text's own lines.
            let doc = Document::parse_with(text, ParseOptions { join_wrapped: false }).document;
            let fp = doc.fingerprint.clone();
            let key = persist::annotations_key(&fp);
            let old = self.kv.get(&key).ok().flatten();
            let mut store = match &old {
                Some(raw) => match persist::decode_store(raw, &fp, &self.replica).value {
                    Some(s) => s,
                    None => {
                        skipped.push(SkippedSource {
                            source: i,
                            error: ImportError::StoredUnreadable,
                        });
                        continue;
                    }
                },
                None => Store::new(&self.replica, &self.profile.own_set()),
            };
            let incoming = match project.incoming(i, &doc, &store) {
                Ok(x) if leave_unused => x.without_unused_themes(&store),
                Ok(x) => x,
                Err(error) => {
                    skipped.push(SkippedSource { source: i, error });
                    continue;
                }
            };
            let unmatched = incoming.preview(&doc, &store).unmatched_blocks;
            let cmd = plan(&incoming, mode, &doc, &store, own);
            let applied = Applied::of(&cmd);
            let themes = Applied::theme_ids(&cmd);
            if let Err(e) = store.apply(cmd) {
                skipped.push(SkippedSource {
                    source: i,
                    error: ImportError::Refused(e.message()),
                });
                continue;
            }
            let known = self.library.get(&fp).is_some() && self.read_text(&fp).is_ok();
            let mut writes = Vec::new();
            if !known {
                writes.push((library::doc_key(&fp), library::encode_text(&fp, &doc.text)));
            }
            writes.push((key.clone(), persist::encode_store(&store, &fp)));
            for (k, v) in writes {
                values.push((k.clone(), self.kv.get(&k).ok().flatten()));
                if let Err(e) = self.kv.set(&k, &v) {
                    // All or nothing: what was written goes back, and every
                    // picked source is reported as not imported.
                    let undo = LibraryUndo {
                        values,
                        library: before.clone(),
                    };
                    self.undo_library_import(&undo, now_ms);
                    let error = ImportError::Refused(e.message());
                    self.fail(e);
                    return ProjectImported {
                        imported: Vec::new(),
                        skipped: picks
                            .iter()
                            .map(|&source| SkippedSource {
                                source,
                                error: error.clone(),
                            })
                            .collect(),
                        undo: LibraryUndo {
                            values: Vec::new(),
                            library: before,
                        },
                    };
                }
            }
            let title = match self.library.get(&fp) {
                Some(e) => e.title.clone(),
                None => {
                    let mut entry = Entry::for_document(
                        &doc,
                        Source::Imported {
                            name: source.name.clone(),
                        },
                        now_ms,
                    );
                    // The name the colleague gave the source, as the preview showed it.
                    if !source.name.trim().is_empty() {
                        entry.title = source.name.trim().chars().take(200).collect();
                    }
                    let title = entry.title.clone();
                    self.library.upsert(entry);
                    title
                }
            };
            imported.push(ImportedSource {
                source: i,
                fingerprint: fp,
                title,
                added: !known,
                applied,
                themes,
                unmatched,
            });
        }
        self.save_library(now_ms);
        ProjectImported {
            imported,
            skipped,
            undo: LibraryUndo {
                values,
                library: before,
            },
        }
    }
}
