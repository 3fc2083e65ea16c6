//! Two and more clients through an in-memory stand-in for CouchDB that
//! keeps its rules that matter here: a write needs the current `_rev`
//! (else 409), `_changes` lists each document's latest revision in write
//! order, and a set document belongs to the user who first wrote it.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::persist::Profile;
use crate::store::{Command, Status, Store, TagOrigin};
use crate::test_support::Mem;
use crate::workspace::Workspace;

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");
const OTHER: &str = "讲话标题\n要扩大有效投资。\n要稳住外贸基本盘。\n要优化营商环境。";

/// The server: documents by id with their revision number, and the
/// sequence of writes.
#[derive(Default)]
struct FakeCouch {
    docs: BTreeMap<String, (u64, Value)>,
    seq: u64,
    /// id → sequence of its latest write.
    order: BTreeMap<String, u64>,
    conflicts: usize,
}

impl FakeCouch {
    fn bulk(&mut self, user: &str, docs: &[OutDoc]) -> Vec<BulkResult> {
        docs.iter()
            .map(|d| {
                let have = self.docs.get(&d.id);
                let given = d.body.get("_rev").and_then(Value::as_str).map(str::to_string);
                let current = have.map(|(n, _)| format!("{n}-x"));
                // as CouchDB: the revision first, then the rules
                if given != current {
                    self.conflicts += 1;
                    return BulkResult {
                        id: d.id.clone(),
                        rev: None,
                        ok: None,
                        error: Some("conflict".into()),
                        reason: Some("Document update conflict.".into()),
                    };
                }
                if let Some((_, old)) = have {
                    if old.get("type") == Some(&json!("set")) && old["coder"] != json!(user) {
                        return BulkResult {
                            id: d.id.clone(),
                            rev: None,
                            ok: None,
                            error: Some("forbidden".into()),
                            reason: Some(format!("set belongs to {}", old["coder"])),
                        };
                    }
                }
                let n = have.map_or(1, |(n, _)| n + 1);
                let mut body = d.body.clone();
                body["_rev"] = json!(format!("{n}-x"));
                self.seq += 1;
                self.order.insert(d.id.clone(), self.seq);
                self.docs.insert(d.id.clone(), (n, body));
                BulkResult {
                    id: d.id.clone(),
                    rev: Some(format!("{n}-x")),
                    ok: Some(true),
                    error: None,
                    reason: None,
                }
            })
            .collect()
    }

    fn changes(&self, since: &str) -> ChangesResponse {
        let since: u64 = since.parse().unwrap_or(0);
        let mut rows: Vec<(u64, &String)> = self
            .order
            .iter()
            .filter(|(_, s)| **s > since)
            .map(|(id, s)| (*s, id))
            .collect();
        rows.sort();
        ChangesResponse {
            results: rows
                .iter()
                .map(|(_, id)| Change {
                    id: (*id).clone(),
                    doc: Some(self.docs[*id].1.clone()),
                    deleted: false,
                })
                .collect(),
            last_seq: json!(self.seq),
            pending: Some(0),
        }
    }

    fn get(&self, id: &str) -> Option<Value> {
        self.docs.get(id).map(|(_, d)| d.clone())
    }
}

/// One coder's browser: the workspace, the open document's store and the engine.
struct Client {
    ws: Workspace<Mem>,
    open: Store,
    engine: Engine,
    who: Who,
    online: bool,
}

impl Client {
    fn new(user: &str, coder: &str) -> Client {
        let profile = Profile {
            coder_id: coder.into(),
            name: user.into(),
            color: "#2f6fdb".into(),
        };
        let (ws, started) = Workspace::start(Mem::default(), SPEECH, profile, &format!("r-{user}"), 1_000);
        Client {
            ws,
            open: started.opened.store,
            engine: Engine::new(SyncState::default()),
            who: Who {
                user: user.into(),
                own_set: coder.into(),
                adjudicator: false,
            },
            online: true,
        }
    }

    fn fp(&self) -> String {
        self.ws.doc().fingerprint.clone()
    }

    fn apply(&mut self, cmd: Command) {
        self.open.apply(cmd).unwrap();
        let view = crate::persist::ViewState::default();
        self.ws.save(&mut self.open, &view, 2_000).unwrap();
        let fp = self.fp();
        self.engine.mark_dirty(&fp);
    }

    fn tag(&mut self, nth: usize, theme: &str, present: bool) {
        let block = self.ws.doc().taggable().nth(nth).unwrap().id.clone();
        let set = self.who.own_set.clone();
        self.apply(Command::Tag {
            set,
            block,
            theme: theme.into(),
            present,
            how: TagOrigin::Hand,
            at: 5,
        });
    }

    /// One round: push everything pending (conflicts fetched, merged and
    /// written again), then read the feed to its end. Returns what the
    /// server refused.
    fn round(&mut self, couch: &mut FakeCouch) -> Vec<(String, String)> {
        let mut refused = Vec::new();
        if !self.online {
            return refused;
        }
        for _ in 0..5 {
            let out = self.engine.take_push(&self.ws, &self.open, &self.who, 50);
            if out.is_empty() {
                break;
            }
            let results = couch.bulk(&self.who.user, &out);
            let report = self.engine.on_pushed(&out, &results);
            refused.extend(report.refused);
            for id in report.conflicts {
                let doc = couch.get(&id).unwrap();
                self.engine
                    .on_fetched(&mut self.ws, &mut self.open, &self.who, &doc, 3_000);
            }
        }
        let resp = couch.changes(&self.engine.state.since);
        let pulled = self
            .engine
            .on_changes(&mut self.ws, &mut self.open, &self.who, &resp, 3_000);
        for fp in pulled.need_text {
            if let Some(doc) = couch.get(&text_doc_id(&fp)) {
                self.engine
                    .on_fetched(&mut self.ws, &mut self.open, &self.who, &doc, 3_000);
            }
        }
        refused
    }
}

fn themes_of(c: &Client, set: &str, nth: usize) -> Vec<String> {
    let block = c.ws.doc().taggable().nth(nth).unwrap().id.clone();
    c.open
        .sets
        .get(set)
        .map(|s| s.tags_of(&block).map(str::to_string).collect())
        .unwrap_or_default()
}

fn settle(clients: &mut [&mut Client], couch: &mut FakeCouch) {
    for _ in 0..3 {
        for c in clients.iter_mut() {
            c.round(couch);
        }
    }
}

#[test]
fn two_coders_see_each_others_tags_notes_and_status_read_only() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-alice");
    let mut b = Client::new("bob", "c-bob");
    a.tag(0, "trade", true);
    let second = a.ws.doc().taggable().nth(1).unwrap().id.clone();
    a.apply(Command::Note {
        set: "c-alice".into(),
        block: second,
        text: "见第二段".into(),
    });
    a.apply(Command::SetStatus {
        set: "c-alice".into(),
        status: Some(Status::Done),
    });
    b.tag(2, "investment", true);
    settle(&mut [&mut a, &mut b], &mut couch);
    assert_eq!(themes_of(&b, "c-alice", 0), ["trade"]);
    assert_eq!(themes_of(&a, "c-bob", 2), ["investment"]);
    let alice_in_b = &b.open.sets["c-alice"];
    assert!(alice_in_b.readonly, "another coder's set arrives read-only");
    assert_eq!(alice_in_b.status, Some(Status::Done));
    assert_eq!(alice_in_b.notes.values().next().unwrap().text, "见第二段");
    assert!(!b.open.sets["c-bob"].readonly);
    // nothing pending, nothing written twice
    let writes = couch.seq;
    settle(&mut [&mut a, &mut b], &mut couch);
    assert_eq!(couch.seq, writes, "an unchanged document is not written again");
}

#[test]
fn offline_edits_converge_and_a_conflict_is_merged_not_lost() {
    let mut couch = FakeCouch::default();
    // the same coder on two machines: both write the same set document
    let mut a1 = Client::new("alice", "c-alice");
    let mut a2 = Client::new("alice", "c-alice");
    settle(&mut [&mut a1, &mut a2], &mut couch);
    a2.online = false;
    a1.tag(0, "trade", true);
    a2.tag(1, "environment", true);
    a2.tag(3, "investment", true);
    a1.round(&mut couch);
    a2.online = true;
    settle(&mut [&mut a1, &mut a2], &mut couch);
    assert!(couch.conflicts > 0, "the offline copy's write met a newer revision");
    for c in [&a1, &a2] {
        assert_eq!(themes_of(c, "c-alice", 0), ["trade"]);
        assert_eq!(themes_of(c, "c-alice", 1), ["environment"]);
        assert_eq!(themes_of(c, "c-alice", 3), ["investment"]);
    }
    // a removal made offline wins over the older tag
    a2.online = false;
    a2.tag(0, "trade", false);
    a2.online = true;
    settle(&mut [&mut a1, &mut a2], &mut couch);
    assert!(themes_of(&a1, "c-alice", 0).is_empty());
}

#[test]
fn a_new_document_arrives_with_its_text_and_codings() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-alice");
    let mut b = Client::new("bob", "c-bob");
    let opened = a.ws.open_document(
        crate::document::Document::parse(OTHER),
        crate::library::Source::Pasted,
        1_500,
    );
    a.open = opened.store;
    a.tag(1, "trade", true);
    settle(&mut [&mut a, &mut b], &mut couch);
    let fp = crate::text::fingerprint(OTHER);
    assert!(b.ws.library().get(&fp).is_some(), "the text is in bob's library");
    let opened = b.ws.open_stored(&fp, 4_000).unwrap();
    let block = opened.doc.taggable().nth(1).unwrap().id.clone();
    assert!(opened.store.sets["c-alice"].has_tag(&block, "trade"));
}

#[test]
fn a_set_before_its_text_waits_for_it() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-alice");
    let opened = a.ws.open_document(
        crate::document::Document::parse(OTHER),
        crate::library::Source::Pasted,
        1_500,
    );
    a.open = opened.store;
    a.tag(0, "trade", true);
    a.round(&mut couch);
    // the feed without the text: the set waits, the text is asked for
    let fp = crate::text::fingerprint(OTHER);
    let mut resp = couch.changes("0");
    resp.results.retain(|c| c.id != text_doc_id(&fp));
    let mut b = Client::new("bob", "c-bob");
    let pulled = b.engine.on_changes(&mut b.ws, &mut b.open, &b.who, &resp, 3_000);
    assert_eq!(pulled.need_text, std::slice::from_ref(&fp));
    let text = couch.get(&text_doc_id(&fp)).unwrap();
    let pulled = b.engine.on_fetched(&mut b.ws, &mut b.open, &b.who, &text, 3_000);
    assert!(pulled.library_changed && pulled.stored_changed);
    assert!(b.engine.waiting_for_text().is_empty());
}

#[test]
fn writing_another_coders_set_is_refused_and_reported_once() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-shared");
    a.tag(0, "trade", true);
    a.round(&mut couch);
    // bob signs in on a browser whose own set has the same id; his first
    // write has no revision (a conflict), the next is refused by the rules
    let mut b = Client::new("bob", "c-shared");
    b.tag(1, "investment", true);
    let mut refused = Vec::new();
    for _ in 0..3 {
        refused.extend(b.round(&mut couch));
    }
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].1.contains("alice"));
    assert_eq!(b.engine.refused().len(), 1);
    // alice's tags never enter bob's own set
    assert!(themes_of(&b, "c-shared", 0).is_empty());
}

#[test]
fn a_text_that_does_not_match_its_fingerprint_is_skipped() {
    let doc = json!({"_id": "text:0000000000000000", "_rev": "1-x", "type": "text",
        "fingerprint": "0000000000000000", "title": "t", "text": "别的文本"});
    assert!(matches!(parse_doc(&doc, "r"), Err(SyncDocError::WrongFingerprint(_))));
    let bad = json!({"_id": "set:x:y", "type": "set"});
    assert!(matches!(parse_doc(&bad, "r"), Err(SyncDocError::Malformed(_))));
    let design = json!({"_id": "_design/annotator", "validate_doc_update": "function(){}"});
    assert!(matches!(parse_doc(&design, "r"), Ok(Incoming::Other)));
}

#[test]
fn the_checkpoint_and_settings_survive_a_reload_and_reset_for_another_database() {
    let mut c = Client::new("alice", "c-alice");
    let mut s = SyncSettings {
        url: "/couchdb/".into(),
        db: "study".into(),
        user: "alice".into(),
        on: true,
        state: SyncState::default(),
    };
    s.state = s.state_for_scope();
    s.state.since = "42-abc".into();
    c.ws.save_sync_settings(&s).unwrap();
    let back = c.ws.sync_settings();
    assert_eq!(back, s);
    assert_eq!(back.state_for_scope().since, "42-abc");
    let other = SyncSettings {
        db: "other".into(),
        ..back
    };
    assert_eq!(other.state_for_scope().since, "0");
    assert!(!encode_sync_settings(&other).contains("password"));
}

#[test]
fn the_changes_query_escapes_the_checkpoint_and_long_polls_only_once_caught_up() {
    let mut e = Engine::new(SyncState::default());
    assert!(e.changes_query(25_000).ends_with("since=0"));
    assert!(
        e.changes_query(25_000).contains("feed=normal"),
        "catching up reads at once"
    );
    let empty = ChangesResponse {
        results: vec![],
        last_seq: json!("12-g1AAAA/x+y"),
        pending: Some(0),
    };
    let mut c = Client::new("alice", "c-alice");
    e.on_changes(&mut c.ws, &mut c.open, &c.who, &empty, 1);
    assert!(e.changes_query(25_000).ends_with("since=12-g1AAAA%2Fx%2By"));
    assert!(e.changes_query(25_000).contains("feed=longpoll&timeout=25000"));
    assert!(e.changes_query(0).contains("feed=normal"));
    assert!(e.settled(7) && e.state.last_sync_ms == Some(7));
    e.on_pull_failed();
    assert!(e.changes_query(25_000).contains("feed=normal") && !e.settled(8));
}

#[test]
fn a_large_library_is_examined_in_slices() {
    let mut c = Client::new("alice", "c-alice");
    for n in 0..70 {
        let text = format!("第{n}号讲话\n要扩大有效投资，编号{n}。\n");
        let opened = c.ws.open_document(
            crate::document::Document::parse(&text),
            crate::library::Source::Pasted,
            1_500,
        );
        c.open = opened.store;
    }
    c.engine.mark_all(&c.ws);
    assert_eq!(c.engine.pending(), 71, "70 documents and the built-in speech");
    let first = c.engine.take_push(&c.ws, &c.open, &c.who, 10_000);
    assert_eq!(c.engine.pending(), 71 - EXAMINE_PER_CALL);
    assert!(
        first.len() >= EXAMINE_PER_CALL - 1,
        "a text per document examined: {}",
        first.len()
    );
    let mut couch = FakeCouch::default();
    let results = couch.bulk("alice", &first);
    c.engine.on_pushed(&first, &results);
    c.round(&mut couch);
    assert_eq!(c.engine.pending(), 0);
    assert_eq!(couch.docs.keys().filter(|k| k.starts_with("text:")).count(), 70);
}

#[test]
fn an_emptied_server_gets_everything_again() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-alice");
    a.tag(0, "trade", true);
    settle(&mut [&mut a], &mut couch);
    assert!(couch.docs.contains_key(&set_doc_id(&a.fp(), "c-alice")));
    // the server comes back empty (restored, recreated)
    let mut fresh = FakeCouch::default();
    assert!(
        a.engine.check_database(&json!(fresh.seq), &a.ws),
        "a database behind the checkpoint is noticed"
    );
    settle(&mut [&mut a], &mut fresh);
    assert!(fresh.docs.contains_key(&set_doc_id(&a.fp(), "c-alice")));
    // a checkpoint not ahead of the server is kept
    assert!(!a.engine.check_database(&json!(fresh.seq), &a.ws));
    assert!(!a
        .engine
        .check_database(&json!(format!("{}-g1AAAA", fresh.seq + 5)), &a.ws));
}

#[test]
fn a_stale_revision_of_a_missing_document_is_dropped_and_the_document_written_anew() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-alice");
    a.tag(0, "trade", true);
    settle(&mut [&mut a], &mut couch);
    let id = set_doc_id(&a.fp(), "c-alice");
    couch.docs.remove(&id);
    couch.order.remove(&id);
    a.tag(1, "trade", true);
    let out = a.engine.take_push(&a.ws, &a.open, &a.who, 50);
    let results = couch.bulk("alice", &out);
    let report = a.engine.on_pushed(&out, &results);
    assert_eq!(report.conflicts, std::slice::from_ref(&id));
    a.engine.on_missing(&id, &a.fp());
    a.round(&mut couch);
    assert!(couch.docs.contains_key(&id));
}

#[test]
fn a_coder_without_a_name_is_called_by_their_user_name_and_untouched_sets_stay_home() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-alice");
    a.open.sets.get_mut("c-alice").unwrap().name = crate::coders::DEFAULT_NAME.into();
    a.ws.save(&mut a.open, &crate::persist::ViewState::default(), 2_000)
        .unwrap();
    a.tag(0, "trade", true);
    let mut b = Client::new("bob", "c-bob");
    settle(&mut [&mut a, &mut b], &mut couch);
    assert_eq!(b.open.sets["c-alice"].name, "alice");
    // bob never wrote in this document: no set of his on the server
    assert!(!couch.docs.contains_key(&set_doc_id(&b.fp(), "c-bob")));
    assert!(!a.open.sets.contains_key("c-bob"));
}

#[test]
fn an_unauthorized_row_keeps_the_document_pending_and_asks_for_sign_in() {
    let mut a = Client::new("alice", "c-alice");
    a.tag(0, "trade", true);
    let out = a.engine.take_push(&a.ws, &a.open, &a.who, 50);
    let rows: Vec<BulkResult> = out
        .iter()
        .map(|d| BulkResult {
            id: d.id.clone(),
            rev: None,
            ok: None,
            error: Some("unauthorized".into()),
            reason: Some("You are not authorized to access this db.".into()),
        })
        .collect();
    let report = a.engine.on_pushed(&out, &rows);
    assert!(report.signed_out && report.refused.is_empty());
    assert_eq!(a.engine.pending(), 1);
    assert!(a.engine.refused().is_empty());
}

#[test]
fn a_text_the_server_holds_is_not_sent_again_on_each_edit() {
    let mut couch = FakeCouch::default();
    let mut a = Client::new("alice", "c-alice");
    let opened = a.ws.open_document(
        crate::document::Document::parse(OTHER),
        crate::library::Source::Pasted,
        1_500,
    );
    a.open = opened.store;
    a.tag(0, "trade", true);
    a.round(&mut couch);
    a.tag(1, "trade", true);
    let out = a.engine.take_push(&a.ws, &a.open, &a.who, 50);
    let ids: Vec<&str> = out.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, [set_doc_id(&a.fp(), "c-alice")]);
}
