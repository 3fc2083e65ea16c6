//! The library as a sync client sees it: the documents to write for a
//! library document, and a pulled document folded into the library.

use serde_json::Value;

use super::Workspace;
use crate::document::Document;
use crate::library::{self, Entry, Source};
use crate::persist::{self, KeyValue};
use crate::store::{SetKind, Store};
use crate::sync::docs::{codebook_envelope, set_envelope};
use crate::sync::{
    codebook_doc_id, set_doc_id, text_doc_id, Absorbed, CodebookDoc, Incoming, SetDoc, SyncLibrary, TextDoc, Who,
};

impl<K: KeyValue> Workspace<K> {
    /// The fingerprints sync covers: the built-in speech and every library
    /// document, in library order.
    pub fn sync_fingerprints(&self) -> Vec<String> {
        let mut out = vec![self.builtin.fingerprint.clone()];
        out.extend(
            self.library
                .entries
                .iter()
                .map(|e| e.fingerprint.clone())
                .filter(|fp| *fp != self.builtin.fingerprint),
        );
        out
    }

    /// The documents `who` writes for the library document `fp` (`open` is
    /// the open document's store), as `(id, body)` with no `_rev`: its text
    /// (not for the built-in speech, which every copy of the page has, nor
    /// when `server_has_text`: a text never changes on the server and a
    /// receiver keeps its own title, so it is not read again), the own set,
    /// and for an adjudicator the consensus sets and the codebook. Only the
    /// text when `fp` has no stored annotations yet.
    pub fn sync_docs(&self, fp: &str, open: &Store, who: &Who, server_has_text: bool) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        if fp != self.builtin.fingerprint && !server_has_text {
            if let Ok(text) = self.read_text(fp) {
                let doc = TextDoc {
                    id: text_doc_id(fp),
                    kind_of_doc: "text".into(),
                    fingerprint: fp.into(),
                    title: self.library.get(fp).map(|e| e.title.clone()).unwrap_or_default(),
                    text,
                };
                out.push((doc.id.clone(), to_body(&doc)));
            }
        }
        let Some(store) = self.stored_store(fp, open) else {
            return out;
        };
        for set in store.sets.values().chain(store.closed.values()) {
            let mine = set.id == who.own_set && set.kind == SetKind::Coder;
            let consensus = set.kind == SetKind::Consensus && who.adjudicator;
            // A set nobody wrote in (a document only opened) is not
            // shown to the team as a coder with nothing.
            let untouched = set.tags.is_empty()
                && set.notes.is_empty()
                && set.uncoded.is_empty()
                && set.stamps.status == crate::store::Stamp::default();
            if !(mine || consensus) || untouched {
                continue;
            }
            let doc = SetDoc {
                id: set_doc_id(fp, &set.id),
                kind_of_doc: "set".into(),
                fingerprint: fp.into(),
                set: set.id.clone(),
                kind: set.kind,
                coder: who.user.clone(),
                annotations: set_envelope(set, &store, fp),
            };
            out.push((doc.id.clone(), to_body(&doc)));
        }
        if who.adjudicator {
            if let Some(annotations) = codebook_envelope(&store, fp) {
                let doc = CodebookDoc {
                    id: codebook_doc_id(fp),
                    kind_of_doc: "codebook".into(),
                    fingerprint: fp.into(),
                    annotations,
                };
                out.push((doc.id.clone(), to_body(&doc)));
            }
        }
        out
    }

    /// Whether the library has the text of `fp` (or it is the built-in speech).
    pub fn knows_document(&self, fp: &str) -> bool {
        fp == self.builtin.fingerprint || self.library.get(fp).is_some()
    }

    /// Folds a pulled document in. A text not in the library is added to
    /// it (titled as the server has it); a set or codebook is merged into
    /// its document's store, `open` when it is the open document's, the
    /// stored one otherwise. A set that `who` does not write (another
    /// coder's, or the consensus for a coder) arrives read-only, as a set
    /// opened side by side. Nothing is lost: merging keeps the later stamp
    /// of every item. `now_ms`: milliseconds since the epoch.
    pub fn absorb(&mut self, incoming: &Incoming, open: &mut Store, who: &Who, now_ms: u64) -> Absorbed {
        let mut out = Absorbed::default();
        match incoming {
            Incoming::Other => {}
            Incoming::Text {
                fingerprint,
                title,
                text,
            } => {
                if self.knows_document(fingerprint) {
                    return out;
                }
                if let Err(e) = self
                    .kv
                    .set(&library::doc_key(fingerprint), &library::encode_text(fingerprint, text))
                {
                    self.fail(e);
                    return out;
                }
                let mut entry = Entry::for_document(
                    &Document::parse(text),
                    Source::Imported {
                        name: "同步 · sync".into(),
                    },
                    now_ms,
                );
                if !title.trim().is_empty() {
                    entry.title = title.chars().take(200).collect();
                }
                self.library.upsert(entry);
                self.save_library(now_ms);
                out.library = true;
            }
            Incoming::Set {
                fingerprint,
                set,
                coder,
                store,
            } => {
                if !self.knows_document(fingerprint) {
                    out.needs_text = true;
                    return out;
                }
                let mut theirs = (**store).clone();
                let writable = theirs.set_any(set).is_some_and(|s| {
                    (s.id == who.own_set && s.kind == SetKind::Coder)
                        || (s.kind == SetKind::Consensus && who.adjudicator)
                });
                let foreign = |s: &mut Store| {
                    if !writable {
                        if let Some(x) = s.sets.get_mut(set) {
                            x.readonly = true;
                        }
                    }
                };
                foreign(&mut theirs);
                // A coder who never named themselves is called by their
                // CouchDB user name (unstamped: a name they choose wins).
                if let Some(x) = theirs.sets.get_mut(set) {
                    if crate::coders::is_unnamed(&x.name) && !coder.trim().is_empty() {
                        x.name = coder.chars().take(crate::themes::MAX_NAME).collect();
                    }
                }
                self.merge_into(fingerprint, &theirs, open, foreign, &mut out);
            }
            Incoming::Codebook { fingerprint, store } => {
                if !self.knows_document(fingerprint) {
                    out.needs_text = true;
                    return out;
                }
                self.merge_into(fingerprint, store, open, |_| {}, &mut out);
            }
        }
        out
    }

    fn merge_into(
        &mut self,
        fp: &str,
        theirs: &Store,
        open: &mut Store,
        after: impl Fn(&mut Store),
        out: &mut Absorbed,
    ) {
        if fp == self.doc.fingerprint {
            let before = open.clone();
            open.merge(theirs);
            after(open);
            out.open = *open != before;
            return;
        }
        let key = persist::annotations_key(fp);
        let mut stored = self
            .kv
            .get(&key)
            .ok()
            .flatten()
            .and_then(|raw| persist::decode_store(&raw, fp, &self.replica).value)
            .unwrap_or_else(|| Store::new(&self.replica, &self.profile.own_set()));
        let before = stored.clone();
        stored.merge(theirs);
        after(&mut stored);
        if stored != before {
            match self.kv.set(&key, &persist::encode_store(&stored, fp)) {
                Ok(()) => out.stored = true,
                Err(e) => self.fail(e),
            }
        }
    }
}

impl<K: KeyValue> Workspace<K> {
    /// Settings → Sync as last saved; the defaults (off) when none were
    /// saved or they cannot be read.
    pub fn sync_settings(&self) -> crate::sync::SyncSettings {
        self.kv
            .get(&crate::sync::sync_key())
            .ok()
            .flatten()
            .and_then(|raw| crate::sync::decode_sync_settings(&raw).value)
            .unwrap_or_default()
    }

    /// Saves Settings → Sync and the sync checkpoint.
    ///
    /// # Errors
    /// The [`persist::StorageFailure`] of the write.
    pub fn save_sync_settings(&mut self, s: &crate::sync::SyncSettings) -> Result<(), persist::StorageFailure> {
        self.kv
            .set(&crate::sync::sync_key(), &crate::sync::encode_sync_settings(s))
    }
}

/// A document's body as it is written: the one shape [`SetDoc`],
/// [`TextDoc`] and [`CodebookDoc`] define for reading too.
fn to_body<T: serde::Serialize>(doc: &T) -> Value {
    serde_json::to_value(doc).expect("plain data serialises")
}

impl<K: KeyValue> SyncLibrary for Workspace<K> {
    fn sync_fingerprints(&self) -> Vec<String> {
        Workspace::sync_fingerprints(self)
    }
    fn sync_docs(&self, fingerprint: &str, open: &Store, who: &Who, server_has_text: bool) -> Vec<(String, Value)> {
        Workspace::sync_docs(self, fingerprint, open, who, server_has_text)
    }
    fn absorb(&mut self, incoming: &Incoming, open: &mut Store, who: &Who, now_ms: u64) -> Absorbed {
        Workspace::absorb(self, incoming, open, who, now_ms)
    }
    fn replica(&self) -> &str {
        Workspace::replica(self)
    }
}
