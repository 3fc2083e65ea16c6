//! What the sync engine needs of the library, as a trait, so the engine
//! never names the workspace (which implements it, in
//! `workspace/sync.rs`) and the two never import each other.

use serde_json::Value;

use super::docs::Incoming;
use super::engine::Who;
use crate::store::Store;

/// What folding one pulled document in did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Absorbed {
    /// The open document's store changed (the caller re-renders and saves).
    pub open: bool,
    /// A document was added to the library list.
    pub library: bool,
    /// A stored document's annotations changed.
    pub stored: bool,
    /// The document it belongs to has no text here yet: keep it until the
    /// text arrives.
    pub needs_text: bool,
}

/// The library as a sync client sees it.
pub trait SyncLibrary {
    /// The fingerprints sync covers, in library order.
    fn sync_fingerprints(&self) -> Vec<String>;
    /// The documents `who` writes for library document `fingerprint`, as
    /// `(id, body)` without `_rev`; `open` is the open document's store;
    /// the text is left out when `server_has_text`.
    fn sync_docs(&self, fingerprint: &str, open: &Store, who: &Who, server_has_text: bool) -> Vec<(String, Value)>;
    /// Folds a pulled document in (see `Workspace::absorb`).
    fn absorb(&mut self, incoming: &Incoming, open: &mut Store, who: &Who, now_ms: u64) -> Absorbed;
    /// The reader's replica id, for [`crate::persist::decode_store`].
    fn replica(&self) -> &str;
}
