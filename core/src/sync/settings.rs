//! What the browser keeps about sync between sessions: where to, as whom,
//! and how far it got. Never a password: the server's session cookie is
//! the browser's to keep.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::persist::{Restored, PREFIX};

pub const SYNC_TYPE: &str = "speech-annotator/sync";

/// `speech-annotator:v1:sync` (a small value: localStorage).
pub fn sync_key() -> String {
    format!("{PREFIX}sync")
}

/// Settings → Sync, and the progress kept for that server and database.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncSettings {
    /// The CouchDB server's URL: an absolute `http(s)://` URL, or a path on
    /// this page's own origin such as `/couchdb/` (a reverse proxy).
    pub url: String,
    /// The database: one per study.
    pub db: String,
    /// The CouchDB user name last signed in.
    pub user: String,
    /// Sync is on: it starts again when the page opens (if the session
    /// cookie is still valid).
    pub on: bool,
    /// How far this browser got with `url`/`db`/`user`.
    pub state: SyncState,
}

/// The checkpoint and what the server is known to hold of the user's own
/// documents. Reset when the server, database or user changes.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SyncState {
    /// `url`, `db` and `user` this state belongs to.
    pub scope: String,
    /// The `_changes` sequence read up to (CouchDB's opaque text; `"0"`
    /// from the start).
    pub since: String,
    /// Current `_rev` of each of the user's own documents on the server.
    pub revs: BTreeMap<String, String>,
    /// A digest of each own document's content as the server holds it, so
    /// an unchanged document is not written again.
    pub sent: BTreeMap<String, String>,
    /// Milliseconds since the epoch of the last time everything pending was
    /// written and the feed read to its end.
    pub last_sync_ms: Option<u64>,
}

/// Whether `name` is a database name CouchDB accepts (Apache CouchDB 3,
/// `PUT /{db}`: a lowercase letter, then lowercase letters, digits and
/// `_ $ ( ) + - /`).
pub fn valid_db_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_$()+-/".contains(c))
        && name.len() <= 238
}

impl SyncSettings {
    /// The scope text of these settings' server, database and user.
    pub fn scope(&self) -> String {
        format!("{}|{}|{}", self.url.trim_end_matches('/'), self.db, self.user)
    }

    /// The state for the current scope: kept when it matches, fresh
    /// otherwise.
    pub fn state_for_scope(&self) -> SyncState {
        if self.state.scope == self.scope() {
            self.state.clone()
        } else {
            SyncState {
                scope: self.scope(),
                since: "0".into(),
                ..SyncState::default()
            }
        }
    }
}

/// Settings → Sync as its stored envelope.
pub fn encode_sync_settings(s: &SyncSettings) -> String {
    crate::settings::encode(SYNC_TYPE, s)
}

/// Reads Settings → Sync back; the problem when it cannot be read.
pub fn decode_sync_settings(raw: &str) -> Restored<SyncSettings> {
    crate::settings::decode(raw, SYNC_TYPE)
}
