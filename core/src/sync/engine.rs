//! The sync client's decisions, without I/O: which documents to write,
//! what each `_bulk_docs` row means, and what a `_changes` batch changes.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::docs::{parse_doc, Incoming, SyncDocError};
use super::library::{Absorbed, SyncLibrary};
use super::settings::SyncState;
use super::wire::{BulkResult, ChangesResponse};
use crate::store::{SetKind, Store};

/// Library documents [`Engine::take_push`] looks at in one call.
pub const EXAMINE_PER_CALL: usize = 60;

/// Who is syncing: the CouchDB user, the own set's id, and whether the
/// user has the `adjudicator` role (writes consensus sets and codebooks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub user: String,
    pub own_set: String,
    pub adjudicator: bool,
}

/// A document to write with `_bulk_docs`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutDoc {
    pub id: String,
    /// The library document it belongs to.
    pub fingerprint: String,
    /// [`digest`] of its content.
    pub digest: String,
    /// The body, with `_rev` when the server's revision is known.
    pub body: Value,
}

/// What a `_bulk_docs` answer said, row by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Rows written.
    pub written: usize,
    /// Ids refused as conflicts (409): fetch each, then
    /// [`Engine::on_fetched`], and write again.
    pub conflicts: Vec<String>,
    /// Ids the server refused (`forbidden`), with its reason.
    pub refused: Vec<(String, String)>,
    /// Rows refused as `unauthorized`: no valid session. Their documents
    /// stay pending; the user must sign in again.
    pub signed_out: bool,
    /// Rows with any other error; their documents stay pending.
    pub failed: usize,
}

/// What a batch of pulled documents changed.
#[derive(Debug, Clone, Default)]
pub struct Pulled {
    /// The open document's store changed: re-render and save it.
    pub open_changed: bool,
    /// Documents were added to the library.
    pub library_changed: bool,
    /// Stored (not open) documents' annotations changed.
    pub stored_changed: bool,
    /// Documents whose text is needed before what arrived for them can be
    /// placed: fetch `text:<fingerprint>`, then [`Engine::on_fetched`].
    pub need_text: Vec<String>,
    /// Documents skipped as unreadable.
    pub problems: Vec<SyncDocError>,
    /// Documents taken in (not counting the client's own echoes).
    pub taken: usize,
}

impl Pulled {
    fn add(&mut self, a: Absorbed) {
        self.open_changed |= a.open;
        self.library_changed |= a.library;
        self.stored_changed |= a.stored;
    }
}

/// The sync client's state between requests.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    /// What is kept between sessions ([`crate::sync::SyncSettings::state`]).
    pub state: SyncState,
    /// Library documents with local changes not yet written.
    dirty: BTreeSet<String>,
    /// Pulled documents waiting for their document's text, by fingerprint.
    waiting: BTreeMap<String, Vec<Value>>,
    /// Documents the server refused, with its reason; not written again
    /// until they change.
    refused: BTreeMap<String, String>,
    /// The last `_changes` request read the feed to its end.
    caught_up: bool,
}

/// Changes asked for per `_changes` request.
pub const CHANGES_LIMIT: usize = 200;

/// A digest of a document's content: its fields but `_id`, `_rev` and
/// CouchDB's other `_` fields, keys sorted, hashed
/// ([`crate::text::short_hash`]). Equal content gives an equal digest
/// whoever wrote it.
pub fn digest(doc: &Value) -> String {
    fn canonical(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for k in keys {
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(':');
                    canonical(&m[k], out);
                    out.push(',');
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for x in a {
                    canonical(x, out);
                    out.push(',');
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut content = doc.clone();
    if let Some(m) = content.as_object_mut() {
        m.retain(|k, _| !k.starts_with('_'));
    }
    let mut s = String::new();
    canonical(&content, &mut s);
    crate::text::short_hash(&s)
}

impl Engine {
    /// An engine carrying on from `state` (a fresh one reads the feed from
    /// the start).
    pub fn new(state: SyncState) -> Engine {
        Engine {
            state,
            ..Engine::default()
        }
    }

    /// A library document changed here: write it at the next push.
    pub fn mark_dirty(&mut self, fingerprint: &str) {
        self.dirty.insert(fingerprint.to_string());
    }

    /// Every library document may have changed (start-up, an import): each
    /// is compared with what the server is known to hold at the next push.
    pub fn mark_all<L: SyncLibrary>(&mut self, ws: &L) {
        self.dirty.extend(ws.sync_fingerprints());
    }

    /// Library documents with changes not yet written.
    pub fn pending(&self) -> usize {
        self.dirty.len()
    }

    /// Documents refused by the server, with its reason.
    pub fn refused(&self) -> &BTreeMap<String, String> {
        &self.refused
    }

    /// The next documents to write: those of pending library documents whose
    /// content differs from what the server is known to hold, at most
    /// `max_docs` (a library document's documents are never split), from
    /// at most [`EXAMINE_PER_CALL`] library documents. The
    /// documents taken are no longer pending; hand the answer to
    /// [`Engine::on_pushed`]. Empty when nothing is left to write.
    pub fn take_push<L: SyncLibrary>(&mut self, ws: &L, open: &Store, who: &Who, max_docs: usize) -> Vec<OutDoc> {
        let mut out = Vec::new();
        // A bounded slice of the library per call, so a first sync of a
        // large library never holds the page for long: the rest stays
        // pending for the next call.
        let mut examined = 0;
        while out.len() < max_docs && examined < EXAMINE_PER_CALL {
            let Some(fp) = self.dirty.pop_first() else { break };
            examined += 1;
            let server_has_text = self.state.sent.contains_key(&super::text_doc_id(&fp));
            for (id, mut body) in ws.sync_docs(&fp, open, who, server_has_text) {
                let d = digest(&body);
                if self.state.sent.get(&id) == Some(&d) || self.refused.get(&id).is_some_and(|r| *r == d) {
                    continue;
                }
                if let (Some(rev), Some(m)) = (self.state.revs.get(&id), body.as_object_mut()) {
                    m.insert("_rev".into(), Value::String(rev.clone()));
                }
                out.push(OutDoc {
                    id,
                    fingerprint: fp.clone(),
                    digest: d,
                    body,
                });
            }
        }
        out
    }

    /// Reads a `_bulk_docs` answer for `sent`. Written rows record their
    /// new `_rev`; conflicts are listed to fetch and merge; refused rows are
    /// remembered (and not written again until they change); other errors
    /// leave their document pending.
    pub fn on_pushed(&mut self, sent: &[OutDoc], results: &[BulkResult]) -> PushReport {
        let mut report = PushReport::default();
        for doc in sent {
            let row = results.iter().find(|r| r.id == doc.id);
            match row {
                Some(r) if r.error.is_none() && r.rev.is_some() => {
                    self.state
                        .revs
                        .insert(doc.id.clone(), r.rev.clone().unwrap_or_default());
                    self.state.sent.insert(doc.id.clone(), doc.digest.clone());
                    self.refused.remove(&doc.id);
                    report.written += 1;
                }
                Some(r) if r.error.as_deref() == Some("conflict") => {
                    report.conflicts.push(doc.id.clone());
                    self.dirty.insert(doc.fingerprint.clone());
                }
                // Not signed in (the session ended, or the server was
                // restored without it): kept pending for after sign-in.
                Some(r) if r.error.as_deref() == Some("unauthorized") => {
                    self.dirty.insert(doc.fingerprint.clone());
                    report.signed_out = true;
                }
                Some(r) if r.error.as_deref() == Some("forbidden") => {
                    let reason = r.reason.clone().unwrap_or_else(|| r.error.clone().unwrap_or_default());
                    // Remembered by digest: the same content is not sent again.
                    self.refused.insert(doc.id.clone(), doc.digest.clone());
                    report.refused.push((doc.id.clone(), reason));
                }
                _ => {
                    self.dirty.insert(doc.fingerprint.clone());
                    report.failed += 1;
                }
            }
        }
        report
    }

    /// The query of the next `_changes` request (after `/{db}/`): at most
    /// [`CHANGES_LIMIT`] changes with their documents, from the checkpoint.
    /// While catching up (or after a failure) it answers at once
    /// (`feed=normal`), so "up to date" shows as soon as the feed is read;
    /// once caught up it is a long poll that waits up to `longpoll_ms` for a
    /// change (`feed=longpoll`; PouchDB's server waits until one comes).
    /// `longpoll_ms` 0 always reads at once.
    pub fn changes_query(&self, longpoll_ms: u64) -> String {
        let since = if self.state.since.is_empty() {
            "0"
        } else {
            &self.state.since
        };
        let feed = if self.caught_up && longpoll_ms > 0 {
            format!("feed=longpoll&timeout={longpoll_ms}")
        } else {
            "feed=normal".to_string()
        };
        format!(
            "_changes?{feed}&include_docs=true&limit={CHANGES_LIMIT}&since={}",
            encode_component(since)
        )
    }

    /// A `_changes` request failed: the next one reads at once.
    pub fn on_pull_failed(&mut self) {
        self.caught_up = false;
    }

    /// Whether everything is in step: the feed read to its end, nothing
    /// pending, nothing refused. When so, `now_ms` is kept as the last
    /// complete sync ([`SyncState::last_sync_ms`]).
    pub fn settled(&mut self, now_ms: u64) -> bool {
        let done = self.caught_up && self.dirty.is_empty() && self.refused.is_empty();
        if done {
            self.state.last_sync_ms = Some(now_ms);
        }
        done
    }

    /// Documents whose write failed (network, server error) are pending
    /// again.
    pub fn requeue(&mut self, sent: &[OutDoc]) {
        for d in sent {
            self.dirty.insert(d.fingerprint.clone());
        }
    }

    /// Takes in a `_changes` batch (asked with [`Engine::changes_query`])
    /// and moves the checkpoint past it, noting whether it read the feed to
    /// its end. The client's own writes coming back (same `_rev`) are
    /// skipped.
    pub fn on_changes<L: SyncLibrary>(
        &mut self,
        ws: &mut L,
        open: &mut Store,
        who: &Who,
        resp: &ChangesResponse,
        now_ms: u64,
    ) -> Pulled {
        let mut pulled = Pulled::default();
        // Texts first: a set may come before its document's text in a batch.
        let docs: Vec<&Value> = resp.results.iter().filter_map(|c| c.doc.as_ref()).collect();
        let is_text = |d: &Value| d.get("type").and_then(Value::as_str) == Some("text");
        let texts = docs.iter().filter(|d| is_text(d));
        for doc in texts.chain(docs.iter().filter(|d| !is_text(d))) {
            self.take_in(ws, open, who, doc, now_ms, &mut pulled);
        }
        self.caught_up = resp.pending.is_none_or(|p| p == 0) && resp.results.len() < CHANGES_LIMIT;
        self.state.since = match &resp.last_seq {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        pulled
    }

    /// A document the client holds a revision of is not on the server
    /// (a 404 after a conflict: deleted, or the database was emptied or
    /// restored): its revision and digest are forgotten, so the next push
    /// writes it anew.
    pub fn on_missing(&mut self, id: &str, fingerprint: &str) {
        self.state.revs.remove(id);
        self.state.sent.remove(id);
        self.dirty.insert(fingerprint.to_string());
    }

    /// Compares the checkpoint with the database's `update_seq` (from
    /// `GET /{db}`). A database behind the checkpoint was emptied,
    /// recreated or restored from a backup: the checkpoint, revisions and
    /// digests are dropped, so the feed is read from the start and every
    /// library document is compared and written again. Returns whether it
    /// was reset. Sequences are compared by their leading number (CouchDB
    /// 2+ sequences are `N-opaque`; PouchDB's are numbers).
    pub fn check_database<L: SyncLibrary>(&mut self, update_seq: &Value, ws: &L) -> bool {
        let lead = |s: &str| s.split('-').next().and_then(|n| n.trim().parse::<u64>().ok());
        let server = match update_seq {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => lead(s),
            _ => None,
        };
        let ours = lead(&self.state.since);
        let behind = matches!((server, ours), (Some(server), Some(ours)) if server < ours);
        if behind {
            self.state.since = "0".into();
            self.state.revs.clear();
            self.state.sent.clear();
            self.refused.clear();
            self.mark_all(ws);
        }
        behind
    }

    /// Takes in one document fetched with `GET` (after a conflict, or a
    /// text asked for in [`Pulled::need_text`]).
    pub fn on_fetched<L: SyncLibrary>(
        &mut self,
        ws: &mut L,
        open: &mut Store,
        who: &Who,
        doc: &Value,
        now_ms: u64,
    ) -> Pulled {
        let mut pulled = Pulled::default();
        self.take_in(ws, open, who, doc, now_ms, &mut pulled);
        pulled
    }

    fn take_in<L: SyncLibrary>(
        &mut self,
        ws: &mut L,
        open: &mut Store,
        who: &Who,
        doc: &Value,
        now_ms: u64,
        pulled: &mut Pulled,
    ) {
        let id = doc.get("_id").and_then(Value::as_str).unwrap_or_default().to_string();
        let rev = doc.get("_rev").and_then(Value::as_str).map(str::to_string);
        if rev.is_some() && self.state.revs.get(&id) == rev.as_ref() {
            return; // our own write, back from the feed
        }
        let incoming = match parse_doc(doc, ws.replica()) {
            Ok(i) => i,
            Err(e) => {
                pulled.problems.push(e);
                return;
            }
        };
        if let Incoming::Set { set, coder, .. } = &incoming {
            if *set == who.own_set && *coder != who.user {
                // Another user's set under this browser's own set id (one
                // browser, two sign-ins): never folded into the user's own
                // work. Its revision is kept, so the next write reaches the
                // server's rules (refused, and reported) instead of
                // conflicting again and again.
                if let Some(r) = rev {
                    self.state.revs.insert(id, r);
                }
                return;
            }
        }
        let a = ws.absorb(&incoming, open, who, now_ms);
        if a.needs_text {
            let fp = doc
                .get("fingerprint")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            if !self.waiting.contains_key(&fp) {
                pulled.need_text.push(fp.clone());
            }
            self.waiting.entry(fp).or_default().push(doc.clone());
            return;
        }
        pulled.taken += 1;
        pulled.add(a);
        // The user's own document as the server has it: its revision is the
        // one to write over, and the merge may have left ours different.
        let own = match &incoming {
            Incoming::Set {
                fingerprint,
                set,
                store,
                ..
            } => {
                let kind = store.set_any(set).map(|s| s.kind);
                let mine = (*set == who.own_set && kind == Some(SetKind::Coder))
                    || (kind == Some(SetKind::Consensus) && who.adjudicator);
                mine.then(|| fingerprint.clone())
            }
            Incoming::Codebook { fingerprint, .. } => who.adjudicator.then(|| fingerprint.clone()),
            Incoming::Text { .. } | Incoming::Other => None,
        };
        if let Some(fp) = &own {
            self.dirty.insert(fp.clone());
        }
        // A text the server holds is not written again either.
        if own.is_some() || matches!(incoming, Incoming::Text { .. }) {
            if let Some(r) = rev {
                self.state.revs.insert(id.clone(), r);
                self.state.sent.insert(id, digest(doc));
            }
        }
        if let Incoming::Text { fingerprint, .. } = &incoming {
            for waiting in self.waiting.remove(fingerprint).unwrap_or_default() {
                self.take_in(ws, open, who, &waiting, now_ms, pulled);
            }
        }
    }

    /// Documents pulled and waiting for a text, by fingerprint.
    pub fn waiting_for_text(&self) -> Vec<String> {
        self.waiting.keys().cloned().collect()
    }
}

/// Percent-encodes a URL query value (RFC 3986 unreserved characters kept).
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
