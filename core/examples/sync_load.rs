//! Sync load test: `cargo run -p annotator-core --release --example sync_load -- <couch url> <db> <coders> <documents> [password suffix]`.
//!
//! Simulated coders (one thread each, users `coder-1` … `coder-N`, password
//! `<user>-pw`), each with its own library of the same `<documents>`
//! generated speeches, code them over three rounds through the core's real
//! sync engine against a CouchDB-compatible server, writing and reading as
//! the page does (`_session` cookie, `_bulk_docs`, `_changes`, a 409
//! fetched, merged and written again). Then every coder reads the feed until
//! each holds every other coder's final tags on every document. Prints one
//! JSON line: coders, documents, edits, documents on the server, conflicts,
//! seconds to converge after the last edit, and whether all converged; exits
//! 1 when they did not within the bound (120 s).

use std::collections::BTreeMap;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use annotator_core::document::Document;
use annotator_core::library::Source;
use annotator_core::persist::{Profile, StorageFailure, ViewState};
use annotator_core::store::{Command, Store, TagOrigin};
use annotator_core::sync::{BulkResult, ChangesResponse, Engine, SyncState, Who};
use annotator_core::workspace::Workspace;
use serde_json::{json, Value};

const THEMES: [&str; 4] = ["investment", "trade", "environment", "accountability"];
const BOUND: Duration = Duration::from_secs(120);

#[derive(Default)]
struct Mem(std::collections::HashMap<String, String>);
impl annotator_core::persist::KeyValue for Mem {
    fn get(&self, k: &str) -> Result<Option<String>, StorageFailure> {
        Ok(self.0.get(k).cloned())
    }
    fn set(&mut self, k: &str, v: &str) -> Result<(), StorageFailure> {
        self.0.insert(k.into(), v.into());
        Ok(())
    }
    fn remove(&mut self, k: &str) -> Result<(), StorageFailure> {
        self.0.remove(k);
        Ok(())
    }
}

fn speech(n: usize) -> String {
    let mut s = format!("第{n}号讲话：关于做好经济工作的意见\n时间：2024年3月{}日\n", n % 28 + 1);
    for p in 0..12 {
        s.push_str(&format!(
            "第{p}段。要扩大有效投资，稳住外贸基本盘，优化营商环境，压实责任严肃问责，编号{n}-{p}。\n"
        ));
    }
    s
}

struct Http {
    agent: ureq::Agent,
    base: String,
    cookie: String,
}

impl Http {
    fn sign_in(server: &str, db: &str, user: &str, password: &str) -> Http {
        let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(30)).build();
        let resp = agent
            .post(&format!("{server}/_session"))
            .set("Content-Type", "application/json")
            .send_string(&json!({"name": user, "password": password}).to_string())
            .expect("sign in");
        let cookie = resp
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .expect("a session cookie")
            .to_string();
        Http {
            agent,
            base: format!("{server}/{db}"),
            cookie,
        }
    }
    fn send(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let req = self
            .agent
            .request(method, &format!("{}/{path}", self.base))
            .set("Cookie", &self.cookie)
            .set("Content-Type", "application/json");
        let r = match body {
            Some(b) => req.send_string(&b.to_string()),
            None => req.call(),
        };
        match r {
            Ok(resp) => (
                resp.status(),
                serde_json::from_str(&resp.into_string().unwrap_or_default()).unwrap_or(Value::Null),
            ),
            Err(ureq::Error::Status(code, resp)) => (
                code,
                serde_json::from_str(&resp.into_string().unwrap_or_default()).unwrap_or(Value::Null),
            ),
            Err(e) => panic!("{method} {path}: {e}"),
        }
    }
}

struct Coder {
    ws: Workspace<Mem>,
    open: Store,
    engine: Engine,
    who: Who,
    http: Http,
    conflicts: usize,
}

impl Coder {
    fn sync(&mut self) {
        loop {
            let out = self.engine.take_push(&self.ws, &self.open, &self.who, 50);
            if out.is_empty() {
                break;
            }
            let body = json!({"docs": out.iter().map(|d| &d.body).collect::<Vec<_>>()});
            let (_, v) = self.http.send("POST", "_bulk_docs", Some(&body));
            let results: Vec<BulkResult> = serde_json::from_value(v).unwrap_or_default();
            let report = self.engine.on_pushed(&out, &results);
            assert!(report.refused.is_empty(), "refused: {:?}", report.refused);
            self.conflicts += report.conflicts.len();
            for id in report.conflicts {
                let (code, doc) = self.http.send("GET", &urlencode(&id), None);
                if code == 200 {
                    self.engine
                        .on_fetched(&mut self.ws, &mut self.open, &self.who, &doc, now_ms());
                }
            }
        }
        loop {
            let q = self.engine.changes_query(0);
            let (_, v) = self.http.send("GET", &q, None);
            let resp: ChangesResponse = serde_json::from_value(v).expect("a _changes answer");
            let n = resp.results.len();
            let pulled = self
                .engine
                .on_changes(&mut self.ws, &mut self.open, &self.who, &resp, now_ms());
            for fp in pulled.need_text {
                let (code, doc) = self.http.send("GET", &urlencode(&format!("text:{fp}")), None);
                if code == 200 {
                    self.engine
                        .on_fetched(&mut self.ws, &mut self.open, &self.who, &doc, now_ms());
                }
            }
            if n < annotator_core::sync::CHANGES_LIMIT {
                break;
            }
        }
        // what arrived for the open document is in its store: write it, as
        // the page's save does
        self.ws
            .save(&mut self.open, &ViewState::default(), now_ms())
            .expect("saved");
    }

    /// Every coder's tags on every document as this coder holds them:
    /// (fingerprint, set) → sorted "block/theme" list.
    fn view(&mut self, fps: &[String]) -> BTreeMap<(String, String), Vec<String>> {
        let mut out = BTreeMap::new();
        for fp in fps {
            let opened = self
                .ws
                .open_stored(fp, now_ms())
                .expect("the document is in the library");
            // the workspace's open document is now this one: its store is
            // the open one, as in the page
            self.open = opened.store.clone();
            for (id, set) in &opened.store.sets {
                let mut tags: Vec<String> = set
                    .tags
                    .iter()
                    .filter(|(_, e)| e.present)
                    .map(|(k, _)| format!("{}/{}", k.block, k.theme))
                    .collect();
                tags.sort();
                out.insert((fp.clone(), id.clone()), tags);
            }
        }
        out
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let server = args.get(1).expect("the server's URL").trim_end_matches('/').to_string();
    let db = args.get(2).cloned().unwrap_or_else(|| "study".into());
    let coders: usize = args.get(3).and_then(|a| a.parse().ok()).unwrap_or(10);
    let documents: usize = args.get(4).and_then(|a| a.parse().ok()).unwrap_or(50);
    let texts: Vec<String> = (0..documents).map(speech).collect();
    let fps: Vec<String> = texts.iter().map(|t| annotator_core::text::fingerprint(t)).collect();
    let builtin = speech(9_999);
    let barrier = Arc::new(Barrier::new(coders));
    let last_edit = Arc::new(Mutex::new(Instant::now()));
    let started = Instant::now();
    let handles: Vec<_> = (1..=coders)
        .map(|c| {
            let (server, db, texts, fps, builtin) =
                (server.clone(), db.clone(), texts.clone(), fps.clone(), builtin.clone());
            let (barrier, last_edit) = (barrier.clone(), last_edit.clone());
            std::thread::spawn(move || {
                let user = format!("coder-{c}");
                let profile = Profile {
                    coder_id: format!("set-{user}"),
                    name: user.clone(),
                    color: "#2f6fdb".into(),
                };
                let (mut ws, started) =
                    Workspace::start(Mem::default(), &builtin, profile, &format!("r-{user}"), now_ms());
                let mut open = started.opened.store;
                for t in &texts {
                    open = ws.open_document(Document::parse(t), Source::Pasted, now_ms()).store;
                }
                let http = Http::sign_in(&server, &db, &user, &format!("{user}-pw"));
                let mut me = Coder {
                    ws,
                    open,
                    engine: Engine::new(SyncState::default()),
                    who: Who {
                        user: user.clone(),
                        own_set: format!("set-{user}"),
                        adjudicator: false,
                    },
                    http,
                    conflicts: 0,
                };
                me.engine.mark_all(&me.ws);
                let mut edits = 0usize;
                for round in 0..3 {
                    for (d, fp) in fps.iter().enumerate() {
                        let opened = me.ws.open_stored(fp, now_ms()).expect("own document");
                        me.open = opened.store;
                        let blocks: Vec<String> = opened.doc.taggable().map(|b| b.id.clone()).collect();
                        // each coder tags differently; a later round takes some tags back
                        for (i, block) in blocks.iter().enumerate() {
                            if (i + c + d + round) % 5 == 0 {
                                let theme = THEMES[(i + c * 7 + round) % THEMES.len()];
                                let present = !me.open.sets[&me.who.own_set].has_tag(block, theme);
                                me.open
                                    .apply(Command::Tag {
                                        set: me.who.own_set.clone(),
                                        block: block.clone(),
                                        theme: theme.into(),
                                        present,
                                        how: TagOrigin::Hand,
                                        at: now_ms() / 1000,
                                    })
                                    .expect("a tag");
                                edits += 1;
                            }
                        }
                        me.ws
                            .save(&mut me.open, &ViewState::default(), now_ms())
                            .expect("saved");
                        me.engine.mark_dirty(fp);
                        if d % 10 == 9 {
                            me.sync();
                        }
                    }
                    me.sync();
                }
                *last_edit.lock().unwrap() = Instant::now();
                barrier.wait();
                (me, edits)
            })
        })
        .collect();
    let mut all: Vec<(Coder, usize)> = handles.into_iter().map(|h| h.join().expect("a coder thread")).collect();
    let edited_at = *last_edit.lock().unwrap();
    // each coder's own final sets: what everyone must end up holding
    let mut truth = BTreeMap::new();
    for (c, _) in all.iter_mut() {
        let own = c.who.own_set.clone();
        for ((fp, set), tags) in c.view(&fps) {
            if set == own {
                truth.insert((fp, set), tags);
            }
        }
    }
    let mut converged = false;
    while edited_at.elapsed() < BOUND {
        for (c, _) in all.iter_mut() {
            c.sync();
        }
        converged = all.iter_mut().all(|(c, _)| {
            let view = c.view(&fps);
            truth.iter().all(|(k, tags)| view.get(k) == Some(tags))
        });
        if converged {
            break;
        }
    }
    if !converged {
        // say where: the first differences, to stderr
        for (c, _) in all.iter_mut() {
            let view = c.view(&fps);
            for (k, tags) in truth.iter().filter(|(k, tags)| view.get(*k) != Some(*tags)).take(3) {
                eprintln!(
                    "{} holds {:?} of {}/{}: {} tags, expected {}",
                    c.who.user,
                    view.get(k).map(Vec::len),
                    k.0,
                    k.1,
                    view.get(k).map_or(0, Vec::len),
                    tags.len()
                );
            }
        }
    }
    let seconds = edited_at.elapsed().as_secs_f64();
    let http = &all[0].0.http;
    let (_, info) = http.send("GET", "", None);
    let report = json!({
        "coders": coders,
        "documents": documents,
        "edits": all.iter().map(|(_, e)| e).sum::<usize>(),
        "server_documents": info.get("doc_count"),
        "conflicts": all.iter().map(|(c, _)| c.conflicts).sum::<usize>(),
        "seconds_to_converge": (seconds * 100.0).round() / 100.0,
        "seconds_total": (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
        "converged": converged,
    });
    println!("{report}");
    if !converged {
        std::process::exit(1);
    }
}
