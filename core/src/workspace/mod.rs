//! The workspace: the library and the open document as the browser keeps
//! them, behind the [`KeyValue`] seam.
//!
//! The shell holds signals and views; everything that reads or writes a
//! storage key goes through a [`Workspace`]: start-up, opening a document,
//! saving (read, merge, write), deleting and restoring a document, library
//! import and export, folding in a write another tab made, the export of
//! a file (file name, media type and bytes), and the library read as a
//! corpus (coders' statuses, corpus agreement, the reliability data). Nothing here knows a browser, so
//! all of it (two tabs, a full store, unreadable values) is tested natively.
//!
//! What a load could not read is backed up (see [`persist::recover`]) and
//! queued; the shell takes the queue with [`Workspace::take_recoveries`] and
//! tells the user.

mod batch;
mod corpus;
mod export;
mod library_file;
mod project_import;
mod sync;

pub use batch::{
    expand_zips, is_bundle, Batch, BatchApplied, BatchInput, BatchItem, BatchProblem, Target, MAX_BATCH_FILES,
};
pub use corpus::{CorpusEntry, DocumentCoder};
pub use export::{ExportFile, ExportKind};
pub use library_file::{LibraryImported, LibraryUndo};
pub use project_import::{ImportedSource, ProjectImported, SkippedSource};

use std::sync::Arc;

use crate::document::Document;
use crate::library::{self, Entry, Library, Source};
use crate::persist::{self, KeyValue, Problem, Profile, Recovery, Saved, StorageFailure, ViewState};
use crate::settings::{self, DocSettings, UserSettings};
use crate::store::Store;

/// A document opened, with everything stored for it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub doc: Arc<Document>,
    pub store: Store,
    pub view: ViewState,
    pub doc_settings: DocSettings,
}

/// What start-up restores besides the open document.
#[derive(Debug, Clone)]
pub struct Started {
    pub opened: Opened,
    pub user_settings: UserSettings,
}

/// Why a document of the library could not be opened.
#[derive(Debug, Clone, PartialEq)]
pub enum OpenError {
    /// The library has no text for it (deleted in another tab, or storage
    /// was cleared).
    MissingText,
    /// Its stored text is unreadable or is not the text of its fingerprint.
    Unreadable(Problem),
}

impl OpenError {
    pub fn message(&self) -> String {
        match self {
            OpenError::MissingText => "找不到该文档的文本 · The text of this document is missing".into(),
            OpenError::Unreadable(p) => p.message(),
        }
    }
}

/// A document deleted from the library, with what it takes to undo that:
/// its place in the list, its entry and every stored value it had.
#[derive(Debug, Clone, PartialEq)]
pub struct Deleted {
    pub at: usize,
    pub entry: Entry,
    /// (key, value) of its text, annotations, view and term settings.
    pub values: Vec<(String, String)>,
}

/// What another tab's write meant for this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum External {
    /// A key this tab does not show (another document, a backup).
    Ignored,
    /// The library list: `changed` when it brought something.
    Library { changed: bool },
    /// The open document's annotations: `changed` when the store took
    /// something of theirs; `ours_newer` when this tab holds something the
    /// other did not (then it should write back soon).
    Store { changed: bool, ours_newer: bool },
}

/// The library and the open document over a key-value storage.
pub struct Workspace<K: KeyValue> {
    kv: K,
    replica: String,
    builtin: Arc<Document>,
    profile: Profile,
    library: Library,
    doc: Arc<Document>,
    recoveries: Vec<Recovery>,
    failure: Option<StorageFailure>,
}

impl<K: KeyValue> Workspace<K> {
    /// Restores the profile (creating `fresh` on first use), the library,
    /// the user's settings and the document that was open (the built-in
    /// speech, whose text is `builtin`, on first use or when the open
    /// document's text is gone). `replica` names this tab in stamps;
    /// `now_ms` is milliseconds since the epoch. Never fails: what cannot be
    /// read is backed up and queued ([`Workspace::take_recoveries`]).
    pub fn start(mut kv: K, builtin: &str, fresh: Profile, replica: &str, now_ms: u64) -> (Workspace<K>, Started) {
        let mut recoveries = Vec::new();
        let mut failure = None;
        let profile = persist::load_profile(&mut kv, fresh, now_ms, &mut recoveries, &mut failure);
        let library = persist::load_value(
            &mut kv,
            &library::library_key(),
            library::decode_library,
            library::encode_library,
            now_ms,
            &mut recoveries,
        )
        .unwrap_or_default();
        let user_settings = persist::load_value(
            &mut kv,
            &settings::user_settings_key(),
            settings::decode_user_settings,
            settings::encode_user_settings,
            now_ms,
            &mut recoveries,
        )
        .unwrap_or_default();
        let builtin = Arc::new(Document::parse(builtin));
        let mut ws = Workspace {
            kv,
            replica: replica.into(),
            doc: builtin.clone(),
            builtin,
            profile,
            library,
            recoveries,
            failure,
        };
        ws.library.upsert(Entry::for_document(&ws.builtin, Source::Builtin, 0));
        let reopened = ws
            .library
            .current
            .clone()
            .filter(|fp| *fp != ws.builtin.fingerprint)
            .and_then(|fp| ws.read_text(&fp).ok())
            .map(|text| Arc::new(Document::parse(&text)));
        let doc = reopened.unwrap_or_else(|| ws.builtin.clone());
        ws.library.current = Some(doc.fingerprint.clone());
        let opened = ws.load(doc, now_ms);
        (ws, Started { opened, user_settings })
    }

    /// The open document.
    pub fn doc(&self) -> &Arc<Document> {
        &self.doc
    }

    /// The built-in speech.
    pub fn builtin(&self) -> &Arc<Document> {
        &self.builtin
    }

    /// The start hints for `early.js` ([`persist::start_hints`]), from the
    /// library's open document and whether the built-in speech's
    /// annotations are stored.
    pub fn start_hints(&self) -> String {
        let builtin = persist::annotations_key(&self.builtin.fingerprint);
        let tagged = matches!(self.kv.get(&builtin), Ok(Some(_)));
        persist::start_hints(self.library.current.as_deref(), tagged)
    }

    pub fn library(&self) -> &Library {
        &self.library
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// This tab's replica id (what it stamps its changes with).
    pub fn replica(&self) -> &str {
        &self.replica
    }

    /// The storage, for read-only questions the seam can answer (usage).
    pub fn storage(&self) -> &K {
        &self.kv
    }

    /// Values that could not be read since the last call, each backed up.
    pub fn take_recoveries(&mut self) -> Vec<Recovery> {
        std::mem::take(&mut self.recoveries)
    }

    /// A failure to read or write since the last call (the first one).
    pub fn take_failure(&mut self) -> Option<StorageFailure> {
        self.failure.take()
    }

    fn fail(&mut self, e: StorageFailure) {
        self.failure.get_or_insert(e);
    }

    fn read_text(&self, fp: &str) -> Result<String, OpenError> {
        match self.kv.get(&library::doc_key(fp)) {
            Ok(Some(raw)) => library::decode_text(&raw, fp).map_err(OpenError::Unreadable),
            Ok(None) | Err(_) => Err(OpenError::MissingText),
        }
    }

    /// Loads the annotations, view and term settings of `doc` and makes it
    /// the open document.
    fn load(&mut self, doc: Arc<Document>, now_ms: u64) -> Opened {
        let fp = doc.fingerprint.clone();
        let (store, view) = persist::load_annotations(
            &mut self.kv,
            &fp,
            &self.replica,
            &self.profile,
            now_ms,
            &mut self.recoveries,
            &mut self.failure,
        );
        let doc_settings = persist::load_value(
            &mut self.kv,
            &settings::doc_settings_key(&fp),
            settings::decode_doc_settings,
            settings::encode_doc_settings,
            now_ms,
            &mut self.recoveries,
        )
        .unwrap_or_default();
        self.doc = doc.clone();
        Opened {
            doc,
            store,
            view,
            doc_settings,
        }
    }

    /// Opens a document: its text is kept in the library (unless it is the
    /// built-in speech), it becomes the current one, and its stored
    /// annotations, view and settings are restored. Save the open document
    /// first ([`Workspace::save`]): this does not.
    pub fn open_document(&mut self, doc: Document, source: Source, now_ms: u64) -> Opened {
        let fp = doc.fingerprint.clone();
        if source != Source::Builtin && fp != self.builtin.fingerprint {
            if let Err(e) = self
                .kv
                .set(&library::doc_key(&fp), &library::encode_text(&fp, &doc.text))
            {
                self.fail(e);
            }
        }
        self.library.upsert(Entry::for_document(&doc, source, now_ms));
        self.library.current = Some(fp);
        self.save_library(now_ms);
        self.load(Arc::new(doc), now_ms)
    }

    /// Opens a document of the library by fingerprint.
    ///
    /// # Errors
    /// [`OpenError`] when its text is missing or unreadable; nothing changes.
    pub fn open_stored(&mut self, fp: &str, now_ms: u64) -> Result<Opened, OpenError> {
        if fp == self.builtin.fingerprint {
            let doc = (*self.builtin).clone();
            return Ok(self.open_document(doc, Source::Builtin, now_ms));
        }
        let text = self.read_text(fp)?;
        let source = self.library.get(fp).map(|e| e.source.clone()).unwrap_or(Source::Pasted);
        Ok(self.open_document(Document::parse(&text), source, now_ms))
    }

    /// Saves the open document's annotations (read what another tab wrote,
    /// merge, write; `store` takes the merge) and its view, and records the
    /// edit in the library list.
    ///
    /// # Errors
    /// The [`StorageFailure`] of the write (full, disabled); the store in
    /// memory is unchanged by a failed write.
    pub fn save(&mut self, store: &mut Store, view: &ViewState, now_ms: u64) -> Result<Saved, StorageFailure> {
        let fp = self.doc.fingerprint.clone();
        let saved = persist::save(&mut self.kv, store, &fp, now_ms)?;
        self.kv.set(&persist::view_key(&fp), &persist::encode_view(view, &fp))?;
        // "last edit" in the library list survives a reload
        if self.library.touch(&fp, now_ms) {
            self.save_library(now_ms);
        }
        Ok(saved)
    }

    /// Writes the library list, first folding in what another tab wrote.
    /// Returns whether that merge changed this tab's list.
    pub fn save_library(&mut self, now_ms: u64) -> bool {
        match library::save_library(&mut self.kv, &mut self.library, now_ms) {
            Ok(saved) => {
                self.recoveries.extend(saved.recovery);
                saved.merged
            }
            Err(e) => {
                self.fail(e);
                false
            }
        }
    }

    /// Renames a document in the library (1–200 chars). Returns whether it did.
    pub fn rename_document(&mut self, fp: &str, title: &str, now_ms: u64) -> bool {
        let renamed = self.library.rename(fp, title, now_ms);
        if renamed {
            self.save_library(now_ms);
        }
        renamed
    }

    /// Writes this browser's coder profile.
    ///
    /// # Errors
    /// The [`StorageFailure`] of the write.
    pub fn save_profile(&mut self, profile: Profile) -> Result<(), StorageFailure> {
        self.profile = profile;
        self.kv
            .set(&persist::profile_key(), &persist::encode_profile(&self.profile))
    }

    /// Writes the open document's key-term settings and rejected suggestions.
    ///
    /// # Errors
    /// The [`StorageFailure`] of the write.
    pub fn save_doc_settings(&mut self, s: &DocSettings) -> Result<(), StorageFailure> {
        let key = settings::doc_settings_key(&self.doc.fingerprint);
        self.kv.set(&key, &settings::encode_doc_settings(s))
    }

    /// Writes the user's dictionary and lexicons.
    ///
    /// # Errors
    /// The [`StorageFailure`] of the write.
    pub fn save_user_settings(&mut self, s: &UserSettings) -> Result<(), StorageFailure> {
        self.kv
            .set(&settings::user_settings_key(), &settings::encode_user_settings(s))
    }

    /// The documents of the library with their number of live tags (in every
    /// set), read from storage; the open document's from `open`.
    pub fn documents(&self, open: &Store) -> Vec<(Entry, usize)> {
        let live = |s: &Store| {
            s.sets
                .values()
                .flat_map(|x| x.tags.values())
                .filter(|t| t.present)
                .count()
        };
        self.library
            .entries
            .iter()
            .map(|e| {
                let tags = if e.fingerprint == self.doc.fingerprint {
                    live(open)
                } else {
                    self.kv
                        .get(&persist::annotations_key(&e.fingerprint))
                        .ok()
                        .flatten()
                        .map(|raw| persist::count_tags(&raw, &e.fingerprint))
                        .unwrap_or(0)
                };
                (e.clone(), tags)
            })
            .collect()
    }

    /// The keys a document's values live under.
    fn document_keys(fp: &str) -> [String; 4] {
        [
            library::doc_key(fp),
            persist::annotations_key(fp),
            persist::view_key(fp),
            settings::doc_settings_key(fp),
        ]
    }

    /// Deletes a document of the library: its entry (a tombstone, so another
    /// tab's list cannot bring it back), its text, annotations, view and
    /// settings. Returns what [`Workspace::restore_document`] needs to undo
    /// it, or `None` when it is not in the library or is the open document
    /// (open another one first).
    pub fn delete_document(&mut self, fp: &str, now_ms: u64) -> Option<Deleted> {
        if fp == self.doc.fingerprint {
            return None;
        }
        let keys = Self::document_keys(fp);
        let values: Vec<(String, String)> = keys
            .iter()
            .filter_map(|k| self.kv.get(k).ok().flatten().map(|v| (k.clone(), v)))
            .collect();
        let (at, entry) = self.library.remove(fp, now_ms)?;
        for k in &keys {
            let _ = self.kv.remove(k);
        }
        self.save_library(now_ms);
        Some(Deleted { at, entry, values })
    }

    /// Undoes [`Workspace::delete_document`]: the values written back, the
    /// entry in its place, newer than its tombstone.
    pub fn restore_document(&mut self, deleted: Deleted, now_ms: u64) {
        for (k, v) in &deleted.values {
            if let Err(e) = self.kv.set(k, v) {
                self.fail(e);
            }
        }
        self.library.restore(deleted.at, deleted.entry, now_ms);
        self.save_library(now_ms);
    }

    /// Whether the open document is still in the library: `false` after
    /// another tab deleted it (the built-in speech is always there).
    pub fn open_is_listed(&self) -> bool {
        self.doc.fingerprint == self.builtin.fingerprint || self.library.get(&self.doc.fingerprint).is_some()
    }

    /// Puts the open document back after another tab deleted it: its text
    /// written again and its entry listed, newer than the deletion (so the
    /// other tab's list takes it back too). Its annotations are saved by the
    /// next [`Workspace::save`].
    pub fn keep_open_document(&mut self, now_ms: u64) {
        let fp = self.doc.fingerprint.clone();
        if let Err(e) = self
            .kv
            .set(&library::doc_key(&fp), &library::encode_text(&fp, &self.doc.text))
        {
            self.fail(e);
        }
        self.library
            .upsert(Entry::for_document(&self.doc, Source::Pasted, now_ms));
        self.save_library(now_ms);
    }

    /// Folds in a value another tab wrote under `key` (`None`: removed).
    /// `store` is the open document's, merged in place.
    pub fn external_write(&mut self, key: &str, new_value: Option<&str>, store: &mut Store) -> External {
        if key == library::library_key() {
            let theirs = new_value.and_then(|raw| library::decode_library(raw).value);
            let changed = theirs.is_some_and(|t| self.library.merge(&t));
            return External::Library { changed };
        }
        let fp = &self.doc.fingerprint;
        if key != persist::annotations_key(fp) {
            return External::Ignored;
        }
        let Some(mut theirs) = new_value.and_then(|raw| persist::decode_store(raw, fp, &self.replica).value) else {
            return External::Ignored;
        };
        let changed = store.merge(&theirs);
        let ours_newer = theirs.merge(store);
        External::Store { changed, ours_newer }
    }
}

#[cfg(test)]
mod batch_tests;
#[cfg(test)]
mod corpus_tests;
#[cfg(test)]
mod project_tests;
#[cfg(test)]
mod tests;
