//! Live sync through CouchDB: the documents a study's database holds, what
//! a client pushes and how what it pulls folds into the library.
//!
//! Nothing here does I/O. The shell (and the native load test) send the
//! requests this module describes and hand back CouchDB's answers; the
//! module decides what to write, what a conflict means and what changed.
//!
//! # The database
//! One CouchDB database per study. It holds three kinds of document, each
//! a JSON object whose `type` names it (the rules that guard them are
//! `couchdb/validate_doc_update.js`):
//! - `set:<fingerprint>:<set id>` ([`SetDoc`]): one coder's (or the
//!   consensus) tags, notes, not-coded marks and status on one document,
//!   written only by that coder (`coder`, the CouchDB user name) or, for a
//!   consensus set, by an adjudicator. `annotations` is the stored
//!   envelope of [`crate::persist::encode_store`] holding that one set and
//!   the themes its tags use, stamped 0 (so they never win over a codebook
//!   edit).
//! - `text:<fingerprint>` ([`TextDoc`]): a document's text and title;
//!   never changed once written (the fingerprint names the text).
//! - `codebook:<fingerprint>` ([`CodebookDoc`]): a document's themes and
//!   codebook entries, written by adjudicators.
//!
//! Every item inside carries its [`crate::store::Stamp`], so merging what
//! the server has with what the browser has ([`crate::store::Store::merge`])
//! loses nothing whatever the order; a write refused as a conflict (HTTP
//! 409) is fetched, merged and written again.
//!
//! # Protocol
//! CouchDB's HTTP API (Apache CouchDB 3 documentation, "API Reference":
//! `/_session` cookie authentication, `/{db}/_bulk_docs`,
//! `/{db}/_changes` with `feed=longpoll` and `include_docs=true`); the
//! replication protocol's checkpoint idea (a `since` sequence kept between
//! sessions) without its `_revs_diff` step, since every client's own writes
//! are to its own documents.

pub(crate) mod docs;
mod engine;
mod library;
mod settings;
mod wire;

pub use docs::{
    codebook_doc_id, parse_doc, set_doc_id, text_doc_id, CodebookDoc, Incoming, SetDoc, SyncDocError, TextDoc,
    ANNOTATIONS_VERSION,
};
pub use engine::{digest, Engine, OutDoc, Pulled, PushReport, Who, CHANGES_LIMIT, EXAMINE_PER_CALL};
pub use library::{Absorbed, SyncLibrary};
pub use settings::{decode_sync_settings, encode_sync_settings, sync_key, valid_db_name, SyncSettings, SyncState};
pub use wire::{BulkResult, Change, ChangesResponse, SessionInfo, SyncError};

#[cfg(test)]
mod tests;
