//! Live sync with a study's CouchDB database (Settings → Sync): the HTTP
//! around the core's [`annotator_core::sync::Engine`], which decides what
//! to write and folds in what arrives.
//!
//! HTTP goes through `gloo-net` (the gloo family's fetch wrapper) with
//! `credentials: include`, so CouchDB's `AuthSession` cookie rides along;
//! the password is sent once to `/_session` and never kept. Two loops run
//! while sync is on: one writes what changed here (`_bulk_docs`, every
//! [`PUSH_EVERY_MS`]), one long-polls `_changes`. A conflict (409) is
//! fetched, merged and written again; a network failure is `offline` and
//! retried with a growing delay; local work never waits for the server.

use std::cell::{Cell, RefCell};

use annotator_core::sync::{
    BulkResult, ChangesResponse, Engine, OutDoc, Pulled, SessionInfo, SyncError, SyncSettings, Who,
};
use gloo_net::http::{Request, RequestBuilder};
use leptos::prelude::*;
use serde_json::{json, Value};
use web_sys::{AbortController, RequestCredentials};

use crate::state::AppState;
use crate::storage::now_ms;

/// How often local changes are written, in milliseconds.
pub const PUSH_EVERY_MS: u32 = 700;
/// How long one `_changes` long poll waits, in milliseconds.
const LONGPOLL_MS: u64 = 20_000;
/// Documents per `_bulk_docs` request.
const BATCH_DOCS: usize = 50;
/// `_bulk_docs` requests per push tick at most.
const MAX_ROUNDS_PER_TICK: usize = 8;
/// Longest wait between retries after a failure, in milliseconds.
const MAX_BACKOFF_MS: u32 = 4_000;

/// What the status line shows (`[data-sync-status]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Off,
    Syncing,
    UpToDate,
    Offline,
    Error,
}

impl Phase {
    /// The hook's value: `off`, `syncing`, `up-to-date`, `offline`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Off => "off",
            Phase::Syncing => "syncing",
            Phase::UpToDate => "up-to-date",
            Phase::Offline => "offline",
            Phase::Error => "error",
        }
    }

    /// The label beside it, in Chinese and English.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Off => "未同步 · Off",
            Phase::Syncing => "同步中… · Syncing…",
            Phase::UpToDate => "已同步 · Up to date",
            Phase::Offline => "离线 · Offline",
            Phase::Error => "出错 · Error",
        }
    }
}

/// The sync status the settings show.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncStatus {
    pub phase: Phase,
    /// Why, when offline or in error; what was refused.
    pub message: Option<String>,
    /// Milliseconds since the epoch of the last complete sync.
    pub last_ms: Option<u64>,
    /// Library documents with changes not yet written.
    pub pending: usize,
    /// Signed in as.
    pub user: Option<String>,
    /// The user has the `adjudicator` role (writes consensus sets and codebooks).
    pub adjudicator: bool,
}

impl Default for SyncStatus {
    fn default() -> Self {
        SyncStatus {
            phase: Phase::Off,
            message: None,
            last_ms: None,
            pending: 0,
            user: None,
            adjudicator: false,
        }
    }
}

/// The running client: where, as whom, the engine, and the abort switch of
/// its requests.
struct Running {
    db_url: String,
    who: Who,
    engine: Engine,
    abort: AbortController,
    settings: SyncSettings,
}

thread_local! {
    static RUNNING: RefCell<Option<Running>> = const { RefCell::new(None) };
    /// Bumped at each start and stop: a loop of an older run ends.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` on the running client, if sync is running.
fn with_run<R>(f: impl FnOnce(&mut Running) -> R) -> Option<R> {
    RUNNING.with(|r| r.borrow_mut().as_mut().map(f))
}

fn generation() -> u64 {
    GENERATION.with(Cell::get)
}

/// How a request failed.
enum Fail {
    /// Stopped by the user (the request was aborted).
    Stopped,
    Sync(SyncError),
}

/// Sends `builder` with `body` (JSON) and reads the answer as JSON.
async fn call(builder: RequestBuilder, body: Option<&Value>) -> Result<(u16, Value), Fail> {
    let signal = with_run(|r| r.abort.signal());
    let builder = builder
        .credentials(RequestCredentials::Include)
        .header("Accept", "application/json")
        .abort_signal(signal.as_ref());
    let request = match body {
        Some(b) => builder.header("Content-Type", "application/json").body(b.to_string()),
        None => builder.build(),
    }
    .map_err(|e| Fail::Sync(SyncError::BadUrl(e.to_string())))?;
    let response = match request.send().await {
        Ok(r) => r,
        Err(_) if signal.as_ref().is_some_and(web_sys::AbortSignal::aborted) => return Err(Fail::Stopped),
        Err(_) => return Err(Fail::Sync(network_error())),
    };
    let status = response.status();
    if matches!(status, 502..=504) {
        return Err(Fail::Sync(SyncError::Unreachable));
    }
    let value = response.json::<Value>().await.unwrap_or(Value::Null);
    Ok((status, value))
}

fn network_error() -> SyncError {
    let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
    if online {
        SyncError::Unreachable
    } else {
        SyncError::Offline
    }
}

fn reason(v: &Value) -> String {
    v.get("reason")
        .or_else(|| v.get("error"))
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_string()
}

/// The server's URL made absolute against the page, checked against the
/// page's Content-Security-Policy (`connect-src`): the page's own origin,
/// and an origin named at build time.
///
/// # Errors
/// [`SyncError::BadUrl`] for a URL that is not one, not `http(s)`, or an
/// origin the page may not connect to.
pub fn server_url(raw: &str) -> Result<String, SyncError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(SyncError::BadUrl("请填写服务器地址 · enter the server's URL".into()));
    }
    let location = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let url = web_sys::Url::new_with_base(raw, &location)
        .map_err(|_| SyncError::BadUrl(format!("不是网址 · not a URL: {raw}")))?;
    if url.protocol() != "http:" && url.protocol() != "https:" {
        return Err(SyncError::BadUrl(format!("须为 http(s) · must be http(s): {raw}")));
    }
    let own = web_sys::Url::new(&location).map(|u| u.origin()).unwrap_or_default();
    let allowed = allowed_origins();
    if url.origin() != own && !allowed.contains(&url.origin()) {
        let also = if allowed.is_empty() {
            String::new()
        } else {
            format!(" {}", allowed.join(" "))
        };
        return Err(SyncError::BadUrl(format!(
            "此页面只能连接 {own}{also}：请把 CouchDB 放在同一站点下（如 /couchdb/），见 docs/sync.md · \
             this page may connect only to {own}{also}: serve CouchDB under this site (such as /couchdb/), see docs/sync.md"
        )));
    }
    let mut href = url.href();
    while href.ends_with('/') {
        href.pop();
    }
    Ok(href)
}

/// Origins besides the page's own that the page's CSP lets it connect to.
fn allowed_origins() -> Vec<String> {
    let Some(meta) = web_sys::window().and_then(|w| w.document()).and_then(|d| {
        d.query_selector("meta[http-equiv='Content-Security-Policy']")
            .ok()
            .flatten()
    }) else {
        return Vec::new();
    };
    let csp = meta.get_attribute("content").unwrap_or_default();
    csp.split(';')
        .map(str::trim)
        .find_map(|d| d.strip_prefix("connect-src"))
        .map(|list| {
            list.split_whitespace()
                .filter(|t| t.starts_with("http://") || t.starts_with("https://"))
                .map(|t| t.trim_end_matches('/').to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn set_status(state: AppState, f: impl FnOnce(&mut SyncStatus)) {
    let mut s = state.sync.get_untracked();
    f(&mut s);
    if state.sync.with_untracked(|old| *old != s) {
        state.sync.set(s);
    }
}

fn fail_status(state: AppState, e: &SyncError) {
    let phase = match e {
        SyncError::Unreachable | SyncError::Offline => Phase::Offline,
        _ => Phase::Error,
    };
    set_status(state, |s| {
        s.phase = phase;
        s.message = Some(e.message());
    });
}

/// Signs in with `password` (sent once, never kept) and starts syncing
/// `settings.db` on `settings.url`. Failures show on the status line; local
/// work is never affected.
pub fn start(state: AppState, mut settings: SyncSettings, password: String) {
    stop_running();
    let my_generation = generation();
    set_status(state, |s| {
        s.phase = Phase::Syncing;
        s.message = None;
    });
    leptos::task::spawn_local(async move {
        let server = match server_url(&settings.url) {
            Ok(s) => s,
            Err(e) => return fail_status(state, &e),
        };
        if !annotator_core::sync::valid_db_name(&settings.db) {
            return end_with(state, &SyncError::BadDatabaseName(settings.db.clone()));
        }
        let Ok(abort) = AbortController::new() else {
            return fail_status(
                state,
                &SyncError::BadUrl("此浏览器不支持中止请求 · this browser cannot abort requests".into()),
            );
        };
        RUNNING.with(|r| {
            *r.borrow_mut() = Some(Running {
                db_url: format!("{server}/{}", js_sys::encode_uri_component(&settings.db)),
                who: Who {
                    user: settings.user.clone(),
                    own_set: state.own_set(),
                    adjudicator: false,
                },
                engine: Engine::new(settings.state_for_scope()),
                abort,
                settings: settings.clone(),
            })
        });
        // Sign in, waiting for the network or the server when either is
        // away (the page may open offline): work goes on meanwhile.
        let mut backoff = 0u32;
        let who = loop {
            match sign_in(&server, &settings, &password).await {
                Ok(who) => break who,
                Err(Fail::Stopped) => return,
                Err(Fail::Sync(e @ (SyncError::Unreachable | SyncError::Offline))) => {
                    fail_status(state, &e);
                    backoff = (backoff * 2).clamp(1_000, MAX_BACKOFF_MS);
                    sleep(backoff).await;
                    if generation() != my_generation {
                        return;
                    }
                }
                Err(Fail::Sync(e)) => return end_with(state, &e),
            }
        };
        if generation() != my_generation {
            return;
        }
        settings.user = who.0.clone();
        settings.on = true;
        with_run(|run| {
            run.who.user = who.0.clone();
            run.who.adjudicator = who.1;
            run.settings = settings.clone();
            state.ws.with_value(|w| {
                // a database emptied or restored behind our checkpoint
                // gets everything again
                run.engine.check_database(&who.2, w);
                run.engine.mark_all(w);
            });
        });
        save_settings(state);
        set_status(state, |s| {
            s.user = Some(who.0.clone());
            s.adjudicator = who.1;
            s.last_ms = settings.state.last_sync_ms;
        });
        leptos::task::spawn_local(push_loop(state, my_generation));
        leptos::task::spawn_local(pull_loop(state, my_generation));
    });
}

/// Signs in (with `password`, or with the session cookie when it is
/// empty) and checks the database: the user's name, whether they are an
/// adjudicator, and the database's `update_seq`.
async fn sign_in(server: &str, settings: &SyncSettings, password: &str) -> Result<(String, bool, Value), Fail> {
    let session = if password.is_empty() {
        call(Request::get(&format!("{server}/_session")), None).await?
    } else {
        let body = json!({"name": settings.user, "password": password});
        call(Request::post(&format!("{server}/_session")), Some(&body)).await?
    };
    let who = match session {
        (401, _) => return Err(Fail::Sync(SyncError::WrongPassword)),
        (200, v) => {
            let info = SessionInfo::from_answer(&v);
            let adjudicator = info.is_adjudicator();
            match info.name {
                Some(name) if password.is_empty() && name != settings.user => {
                    return Err(Fail::Sync(SyncError::SignedOut))
                }
                Some(name) => (name, adjudicator),
                None => return Err(Fail::Sync(SyncError::SignedOut)),
            }
        }
        (code, v) => return Err(Fail::Sync(SyncError::Server(code, reason(&v)))),
    };
    let db_url = format!("{server}/{}", js_sys::encode_uri_component(&settings.db));
    match call(Request::get(&db_url), None).await? {
        (200, info) => Ok((who.0, who.1, info.get("update_seq").cloned().unwrap_or(Value::Null))),
        (401 | 403 | 404, _) => Err(Fail::Sync(SyncError::NoDatabase(settings.db.clone()))),
        (code, v) => Err(Fail::Sync(SyncError::Server(code, reason(&v)))),
    }
}

/// Sync stopped by a failure at sign-in: the status says why; the
/// settings keep sync on only if it was on and the failure is passing.
fn end_with(state: AppState, e: &SyncError) {
    stop_running();
    // A wrong password, database or URL is not retried at the next page
    // load; an ended session is (the line asks to sign in again).
    if !matches!(e, SyncError::SignedOut) {
        let mut settings = state.ws.with_value(|w| w.sync_settings());
        if settings.on {
            settings.on = false;
            state.with_ws(|w| w.save_sync_settings(&settings));
        }
    }
    fail_status(state, e);
    set_status(state, |s| s.user = None);
}

/// Stops syncing and keeps working locally (`[data-sync-stop]`): requests
/// in flight are aborted, nothing local changes, and sync stays off after
/// a reload.
pub fn stop(state: AppState) {
    // The running client's settings carry its checkpoint; the stored ones
    // stand in when sync was not running (a failed sign-in).
    let mut settings = running_settings().unwrap_or_else(|| state.ws.with_value(|w| w.sync_settings()));
    settings.on = false;
    state.with_ws(|w| w.save_sync_settings(&settings));
    stop_running();
    set_status(state, |s| {
        s.phase = Phase::Off;
        s.message = None;
        s.pending = 0;
        s.user = None;
    });
}

/// The session ended: the loops end and requests are aborted, but the
/// engine stays, so changes made meanwhile are still counted (pending) and
/// written after the user signs in again.
fn pause_running() {
    GENERATION.with(|g| g.set(g.get() + 1));
    with_run(|run| run.abort.abort());
}

fn stop_running() {
    GENERATION.with(|g| g.set(g.get() + 1));
    if let Some(run) = RUNNING.with(|r| r.borrow_mut().take()) {
        run.abort.abort();
    }
}

/// Resumes sync at start-up when it was on: the session cookie, if still
/// valid, signs the user in again without a password.
pub fn resume(state: AppState) {
    let settings = state.ws.with_value(|w| w.sync_settings());
    if settings.on && !settings.url.is_empty() {
        start(state, settings, String::new());
    }
}

/// A library document changed here (`None`: any may have): written at the
/// next push when sync is on.
pub fn local_change(state: AppState, fingerprint: Option<&str>) {
    let running = with_run(|run| match fingerprint {
        Some(fp) => run.engine.mark_dirty(fp),
        None => state.ws.with_value(|w| run.engine.mark_all(w)),
    });
    if running.is_some() {
        refresh_pending(state);
    }
}

/// The running client's settings with its checkpoint, to keep.
fn running_settings() -> Option<SyncSettings> {
    with_run(|run| SyncSettings {
        state: run.engine.state.clone(),
        ..run.settings.clone()
    })
}

fn save_settings(state: AppState) {
    if let Some(settings) = running_settings() {
        state.with_ws(|w| w.save_sync_settings(&settings));
    }
}

async fn sleep(ms: u32) {
    gloo_timers::future::TimeoutFuture::new(ms).await;
}

/// Writes local changes until stopped.
async fn push_loop(state: AppState, my_generation: u64) {
    let mut backoff = 0u32;
    while generation() == my_generation {
        sleep(PUSH_EVERY_MS + backoff).await;
        if generation() != my_generation {
            return;
        }
        match push_once(state).await {
            Ok(()) => {
                backoff = 0;
                settle_status(state);
            }
            Err(Fail::Stopped) => return,
            Err(Fail::Sync(e)) => {
                fail_status(state, &e);
                backoff = (backoff * 2).clamp(500, MAX_BACKOFF_MS);
                if matches!(e, SyncError::SignedOut) {
                    return pause_running();
                }
            }
        }
        refresh_pending(state);
    }
}

async fn push_once(state: AppState) -> Result<(), Fail> {
    let mut rounds = 0;
    loop {
        let Some((db_url, who)) = with_run(|r| (r.db_url.clone(), r.who.clone())) else {
            return Err(Fail::Stopped);
        };
        let out: Vec<OutDoc> = with_run(|run| {
            state
                .store
                .with_untracked(|open| state.ws.with_value(|w| run.engine.take_push(w, open, &who, BATCH_DOCS)))
        })
        .unwrap_or_default();
        if out.is_empty() {
            return Ok(());
        }
        set_status(state, |s| s.phase = Phase::Syncing);
        let body = json!({"docs": out.iter().map(|d| &d.body).collect::<Vec<_>>()});
        let answer = call(Request::post(&format!("{db_url}/_bulk_docs")), Some(&body)).await;
        let results: Vec<BulkResult> = match answer {
            Ok((201 | 200, v)) => serde_json::from_value(v).unwrap_or_default(),
            failed => {
                // not written: pending again
                with_run(|run| run.engine.requeue(&out));
                return Err(match failed {
                    Ok((401, _)) => Fail::Sync(SyncError::SignedOut),
                    Ok((code, v)) => Fail::Sync(SyncError::Server(code, reason(&v))),
                    Err(e) => e,
                });
            }
        };
        let report = with_run(|run| run.engine.on_pushed(&out, &results));
        let Some(report) = report else {
            return Err(Fail::Stopped);
        };
        if report.signed_out {
            return Err(Fail::Sync(SyncError::SignedOut));
        }
        for id in &report.conflicts {
            let url = format!("{db_url}/{}", js_sys::encode_uri_component(id));
            match call(Request::get(&url), None).await? {
                (200, doc) => take_fetched(state, &who, &doc),
                // deleted, or the database was emptied: write it anew
                (404, _) => {
                    let fp = out
                        .iter()
                        .find(|d| d.id == *id)
                        .map(|d| d.fingerprint.clone())
                        .unwrap_or_default();
                    with_run(|run| run.engine.on_missing(id, &fp));
                }
                (code, v) => return Err(Fail::Sync(SyncError::Server(code, reason(&v)))),
            }
        }
        if let Some((id, why)) = report.refused.first() {
            fail_status(
                state,
                &SyncError::Refused {
                    id: id.clone(),
                    reason: why.clone(),
                },
            );
        }
        save_settings(state);
        rounds += 1;
        if rounds >= MAX_ROUNDS_PER_TICK {
            // the rest at the next tick: never a tight loop of requests
            return Ok(());
        }
    }
}

fn take_fetched(state: AppState, who: &Who, doc: &Value) {
    let pulled = with_run(|run| {
        state
            .store
            .try_update_untracked(|open| state.with_ws(|w| run.engine.on_fetched(w, open, who, doc, now_ms())))
            .flatten()
    })
    .flatten();
    if let Some(p) = pulled {
        show_pulled(state, &p);
    }
}

/// Reads the changes feed until stopped.
async fn pull_loop(state: AppState, my_generation: u64) {
    let mut backoff = 0u32;
    while generation() == my_generation {
        match pull_once(state).await {
            Ok(()) => {
                backoff = 0;
                settle_status(state);
            }
            Err(Fail::Stopped) => return,
            Err(Fail::Sync(e)) => {
                with_run(|run| run.engine.on_pull_failed());
                fail_status(state, &e);
                if matches!(e, SyncError::SignedOut) {
                    return pause_running();
                }
                backoff = (backoff * 2).clamp(500, MAX_BACKOFF_MS);
                sleep(backoff).await;
            }
        }
    }
}

/// One request of the changes feed (a long poll once caught up).
async fn pull_once(state: AppState) -> Result<(), Fail> {
    let Some((db_url, who, query)) =
        with_run(|r| (r.db_url.clone(), r.who.clone(), r.engine.changes_query(LONGPOLL_MS)))
    else {
        return Err(Fail::Stopped);
    };
    let (code, v) = call(Request::get(&format!("{db_url}/{query}")), None).await?;
    match code {
        200 => {}
        401 => return Err(Fail::Sync(SyncError::SignedOut)),
        403 | 404 => {
            let db = RUNNING
                .with(|r| r.borrow().as_ref().map(|r| r.settings.db.clone()))
                .unwrap_or_default();
            return Err(Fail::Sync(SyncError::NoDatabase(db)));
        }
        _ => return Err(Fail::Sync(SyncError::Server(code, reason(&v)))),
    }
    let Ok(resp) = serde_json::from_value::<ChangesResponse>(v) else {
        return Err(Fail::Sync(SyncError::Server(code, "unreadable _changes".into())));
    };
    let pulled = with_run(|run| {
        state
            .store
            .try_update_untracked(|open| state.with_ws(|w| run.engine.on_changes(w, open, &who, &resp, now_ms())))
            .flatten()
    })
    .flatten();
    let Some(pulled) = pulled else {
        return Err(Fail::Stopped);
    };
    for fp in &pulled.need_text {
        let url = format!(
            "{db_url}/{}",
            js_sys::encode_uri_component(&annotator_core::sync::text_doc_id(fp))
        );
        if let Ok((200, doc)) = call(Request::get(&url), None).await {
            take_fetched(state, &who, &doc);
        }
    }
    show_pulled(state, &pulled);
    save_settings(state);
    Ok(())
}

/// Shows what a pull changed: the open document re-rendered and saved, the
/// library list refreshed, unreadable documents reported.
fn show_pulled(state: AppState, p: &Pulled) {
    if p.open_changed {
        state.store.notify();
        state.changed(&annotator_core::store::Touched::All);
        state.schedule_save();
    }
    if p.library_changed || p.stored_changed {
        state.report_storage();
    }
    if let Some(problem) = p.problems.first() {
        set_status(state, |s| s.message = Some(problem.message()));
    }
}

/// "Up to date" once the feed was read to its end, nothing is pending and
/// nothing was refused; the time of that sync is kept.
fn settle_status(state: AppState) {
    let now = now_ms();
    if with_run(|run| run.engine.settled(now)) == Some(true) {
        set_status(state, |s| {
            s.phase = Phase::UpToDate;
            s.message = None;
            s.last_ms = Some(now);
        });
    }
}

fn refresh_pending(state: AppState) {
    let pending = with_run(|r| r.engine.pending()).unwrap_or(0);
    set_status(state, |s| {
        s.pending = pending;
        // never "up to date" while something waits to be written
        if pending > 0 && s.phase == Phase::UpToDate {
            s.phase = Phase::Syncing;
        }
    });
}
