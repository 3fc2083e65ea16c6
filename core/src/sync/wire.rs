//! CouchDB's answers, as serde structs, and what can go wrong talking to it.

use serde::Deserialize;
use serde_json::Value;

/// One row of a `POST /{db}/_bulk_docs` answer: `{"ok":true,"id","rev"}`
/// or `{"id","error","reason"}` (`error` is `conflict` for a stale or
/// missing `_rev`, `forbidden` or `unauthorized` when
/// `validate_doc_update` refused it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BulkResult {
    pub id: String,
    #[serde(default)]
    pub rev: Option<String>,
    #[serde(default)]
    pub ok: Option<bool>,
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A `GET /{db}/_changes?include_docs=true` answer. `last_seq` is a string
/// in CouchDB 2 and later, a number in PouchDB and CouchDB 1: kept as it
/// came, written back as text.
#[derive(Debug, Clone, Deserialize)]
pub struct ChangesResponse {
    pub results: Vec<Change>,
    pub last_seq: Value,
    /// Changes left after this batch when `limit` was given (CouchDB 2+).
    #[serde(default)]
    pub pending: Option<u64>,
}

/// One change: the document's id and, with `include_docs=true`, its body.
#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub id: String,
    #[serde(default)]
    pub doc: Option<Value>,
    #[serde(default)]
    pub deleted: bool,
}

/// `GET /_session` or the answer to `POST /_session`: who the cookie
/// signs in (`userCtx`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct SessionInfo {
    /// `null` when no one is signed in.
    pub name: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
}

impl SessionInfo {
    /// Reads either shape: `{"ok":true,"name","roles"}` from `POST` or
    /// `{"ok":true,"userCtx":{...}}` from `GET`.
    pub fn from_answer(v: &Value) -> SessionInfo {
        let ctx = v.get("userCtx").unwrap_or(v);
        serde_json::from_value(ctx.clone()).unwrap_or_default()
    }

    /// Whether the user may write consensus sets and codebooks.
    pub fn is_adjudicator(&self) -> bool {
        self.roles.iter().any(|r| r == "adjudicator" || r == "_admin")
    }
}

/// Why sync stopped or a write did not go through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncError {
    /// The server could not be reached (network down, server down, a proxy
    /// answering 502–504). Local work goes on; sync retries.
    Unreachable,
    /// The browser says it is offline.
    Offline,
    /// `_session` refused the name or password (401).
    WrongPassword,
    /// The session ended (cookie expired or revoked): sign in again.
    SignedOut,
    /// The database does not exist, or the user is not one of its members.
    NoDatabase(String),
    /// The server refused to write a document (`validate_doc_update`),
    /// with its reason.
    Refused { id: String, reason: String },
    /// Not a database name CouchDB accepts (empty, or not starting with a
    /// lowercase letter).
    BadDatabaseName(String),
    /// The URL is not one this page may connect to (its
    /// Content-Security-Policy), or is not a URL.
    BadUrl(String),
    /// Any other answer, with its HTTP status and text.
    Server(u16, String),
}

impl SyncError {
    /// The message the UI shows, in Chinese and English.
    pub fn message(&self) -> String {
        match self {
            SyncError::Unreachable => "无法连接同步服务器；本地工作照常保存，连接恢复后再同步 · \
                 Cannot reach the sync server; work is kept locally and syncs when it is back"
                .into(),
            SyncError::Offline => "浏览器处于离线状态；本地工作照常保存，联网后再同步 · \
                 The browser is offline; work is kept locally and syncs when the network returns"
                .into(),
            SyncError::WrongPassword => "用户名或密码错误 · Wrong user name or password".into(),
            SyncError::SignedOut => "登录已过期，请重新登录 · The session has ended: sign in again".into(),
            SyncError::NoDatabase(db) => format!(
                "数据库 {db} 不存在，或你不是其成员 · Database {db} does not exist, or you are not one of its members"
            ),
            SyncError::Refused { id, reason } => {
                format!("服务器拒绝写入 {id}：{reason} · The server refused to write {id}: {reason}")
            }
            SyncError::BadDatabaseName(name) if name.trim().is_empty() => {
                "请填写数据库名（如 study） · Enter the study's database name (such as study)".into()
            }
            SyncError::BadDatabaseName(name) => format!(
                "数据库名须以小写字母开头，只含小写字母、数字和 _$()+-/：{name} · \
                 A database name starts with a lowercase letter and holds only lowercase letters, digits and _$()+-/: {name}"
            ),
            SyncError::BadUrl(why) => format!("同步地址不可用 · Sync URL not usable: {why}"),
            SyncError::Server(code, text) => {
                format!("同步服务器错误 {code} · Sync server error {code}: {text}")
            }
        }
    }
}
