//! The workspace over in-memory storage: start-up, documents, two tabs,
//! a full store, the library file and exports.

use super::*;
use crate::persist::KeyValue;
use crate::store::{AnnotationSet, Command, SetKind, TagOrigin};
use crate::test_support::{Mem, Shared};

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");
const OTHER: &str = "讲话标题\n要扩大有效投资。\n要稳住外贸基本盘。";

fn profile() -> Profile {
    Profile {
        coder_id: "c-me".into(),
        name: "Me".into(),
        color: "#2f6fdb".into(),
    }
}

fn start<K: KeyValue>(kv: K, replica: &str) -> (Workspace<K>, Opened) {
    let (ws, started) = Workspace::start(kv, SPEECH, profile(), replica, 1_000);
    (ws, started.opened)
}

fn tag(store: &mut Store, block: &str, theme: &str) {
    store
        .apply(Command::Tag {
            set: "c-me".into(),
            block: block.into(),
            theme: theme.into(),
            present: true,
            how: TagOrigin::Hand,
            at: 1,
        })
        .unwrap();
}

fn first_paragraph(doc: &Document) -> String {
    doc.taggable().next().unwrap().id.clone()
}

#[test]
fn a_fresh_browser_opens_the_builtin_speech_with_a_profile() {
    let (mut ws, opened) = start(Mem::default(), "tab");
    assert_eq!(opened.doc.fingerprint, ws.builtin().fingerprint);
    assert!(opened.store.sets.contains_key("c-me"));
    assert_eq!(ws.library().entries.len(), 1);
    assert_eq!(ws.library().current.as_deref(), Some(ws.builtin().fingerprint.as_str()));
    assert!(ws.take_recoveries().is_empty() && ws.take_failure().is_none());
}

#[test]
fn an_opened_text_and_its_tags_come_back_after_a_restart() {
    let kv = Shared::default();
    let (mut ws, _) = start(kv.clone(), "tab-1");
    let mut opened = ws.open_document(Document::parse(OTHER), Source::Pasted, 2_000);
    let p = first_paragraph(&opened.doc);
    tag(&mut opened.store, &p, "investment");
    ws.save(&mut opened.store, &ViewState::default(), 3_000).unwrap();

    let (ws2, again) = start(kv.clone(), "tab-2");
    assert_eq!(again.doc.text, Document::parse(OTHER).text, "the open document reopens");
    assert_eq!(again.store.themes_of("c-me", &p), ["investment"]);
    assert_eq!(ws2.library().entries.len(), 2);
    let rows = ws2.documents(&again.store);
    assert!(rows
        .iter()
        .any(|(e, n)| e.fingerprint == again.doc.fingerprint && *n == 1));
}

#[test]
fn a_closed_coder_stays_closed_across_saves_tabs_and_restarts() {
    let kv = Shared::default();
    let (mut a, mut sa) = start(kv.clone(), "tab-a");
    let mut li = AnnotationSet::new("li", "Li", "#000000", SetKind::Coder);
    li.readonly = true;
    sa.store.apply(Command::AddSet(Box::new(li))).unwrap();
    a.save(&mut sa.store, &ViewState::default(), 2_000).unwrap();
    // a second tab opens while the coder is still there
    let (mut b, mut sb) = start(kv.clone(), "tab-b");
    assert!(sb.store.sets.contains_key("li"));
    // the first tab closes the coder and saves: the read-merge-write keeps it closed
    let undo = sa.store.apply(Command::RemoveSet { id: "li".into() }).unwrap();
    a.save(&mut sa.store, &ViewState::default(), 3_000).unwrap();
    assert!(!sa.store.sets.contains_key("li"));
    // the second tab, which still shows it, writes a tag of its own
    tag(&mut sb.store, &first_paragraph(&sb.doc), "trade");
    b.save(&mut sb.store, &ViewState::default(), 4_000).unwrap();
    assert!(!sb.store.sets.contains_key("li"), "the second tab learns it was closed");
    // the first tab hears of that write
    let raw = kv.get(&persist::annotations_key(&sa.doc.fingerprint)).unwrap();
    let ext = a.external_write(
        &persist::annotations_key(&sa.doc.fingerprint),
        raw.as_deref(),
        &mut sa.store,
    );
    assert_eq!(
        ext,
        External::Store {
            changed: true,
            ours_newer: false
        }
    );
    assert!(!sa.store.sets.contains_key("li"));
    assert_eq!(sa.store.themes_of("c-me", &first_paragraph(&sa.doc)), ["trade"]);
    // a restart still has it closed; undo in the first tab brings it back everywhere
    let (_, fresh) = start(kv.clone(), "tab-c");
    assert!(!fresh.store.sets.contains_key("li"));
    sa.store.apply(undo).unwrap();
    a.save(&mut sa.store, &ViewState::default(), 5_000).unwrap();
    let (_, fresh) = start(kv.clone(), "tab-d");
    assert!(fresh.store.sets["li"].readonly);
}

#[test]
fn a_full_store_is_an_error_and_nothing_in_memory_is_lost() {
    let kv = Shared::default();
    let (mut ws, mut opened) = start(kv.clone(), "tab");
    let used: usize = kv.0.borrow().map.iter().map(|(k, v)| k.len() + v.len()).sum();
    kv.0.borrow_mut().quota = Some(used + 10);
    tag(&mut opened.store, &first_paragraph(&opened.doc), "trade");
    let before = opened.store.clone();
    assert_eq!(
        ws.save(&mut opened.store, &ViewState::default(), 2_000),
        Err(StorageFailure::Full)
    );
    assert_eq!(opened.store, before);
    let big = Document::parse(&format!("题目\n{}", "很长的段落。".repeat(100)));
    ws.open_document(big, Source::Pasted, 3_000);
    assert_eq!(
        ws.take_failure(),
        Some(StorageFailure::Full),
        "the text could not be kept"
    );
    kv.0.borrow_mut().quota = None;
    let mut reopened = ws.open_stored(&before_fp(&ws), 4_000).unwrap();
    reopened.store.merge(&before);
    ws.save(&mut reopened.store, &ViewState::default(), 5_000).unwrap();
    let (_, fresh) = start(kv, "tab-2");
    assert_eq!(fresh.store.themes_of("c-me", &first_paragraph(&fresh.doc)), ["trade"]);
}

fn before_fp<K: KeyValue>(ws: &Workspace<K>) -> String {
    ws.builtin().fingerprint.clone()
}

#[test]
fn storage_disabled_still_opens_the_speech_and_says_so() {
    let kv = Mem {
        disabled: true,
        ..Default::default()
    };
    let (mut ws, mut opened) = start(kv, "tab");
    assert_eq!(opened.doc.fingerprint, ws.builtin().fingerprint);
    assert_eq!(ws.take_failure(), Some(StorageFailure::Unavailable));
    assert_eq!(
        ws.save(&mut opened.store, &ViewState::default(), 2),
        Err(StorageFailure::Unavailable)
    );
}

#[test]
fn deleting_a_document_removes_its_values_and_undo_restores_them() {
    let kv = Shared::default();
    let (mut ws, _) = start(kv.clone(), "tab");
    let mut other = ws.open_document(Document::parse(OTHER), Source::Pasted, 2_000);
    tag(&mut other.store, &first_paragraph(&other.doc), "trade");
    ws.save(&mut other.store, &ViewState::default(), 3_000).unwrap();
    let fp = other.doc.fingerprint.clone();
    assert!(ws.delete_document(&fp, 4_000).is_none(), "not the open document");
    ws.open_stored(&before_fp(&ws), 5_000).unwrap();
    let deleted = ws.delete_document(&fp, 6_000).unwrap();
    assert!(ws.library().get(&fp).is_none());
    assert!(kv.get(&library::doc_key(&fp)).unwrap().is_none());
    assert!(kv.get(&persist::annotations_key(&fp)).unwrap().is_none());
    assert!(matches!(ws.open_stored(&fp, 6_500), Err(OpenError::MissingText)));
    ws.restore_document(deleted, 7_000);
    let back = ws.open_stored(&fp, 8_000).unwrap();
    assert_eq!(back.store.themes_of("c-me", &first_paragraph(&back.doc)), ["trade"]);
}

#[test]
fn another_tabs_library_list_merges_and_foreign_keys_are_ignored() {
    let kv = Shared::default();
    let (mut a, mut sa) = start(kv.clone(), "tab-a");
    let (mut b, _) = start(kv.clone(), "tab-b");
    b.open_document(Document::parse(OTHER), Source::Pasted, 2_000);
    let raw = kv.get(&library::library_key()).unwrap();
    assert_eq!(
        a.external_write(&library::library_key(), raw.as_deref(), &mut sa.store),
        External::Library { changed: true }
    );
    assert_eq!(a.library().entries.len(), 2);
    assert_eq!(
        a.library().current.as_deref(),
        Some(a.builtin().fingerprint.as_str()),
        "the open document stays ours"
    );
    assert_eq!(
        a.external_write("something-else", Some("x"), &mut sa.store),
        External::Ignored
    );
    let key = persist::annotations_key(&sa.doc.fingerprint);
    assert_eq!(
        a.external_write(&key, Some("{broken"), &mut sa.store),
        External::Ignored
    );
}

#[test]
fn the_library_file_round_trips_into_a_fresh_browser_and_its_import_undoes() {
    let (mut ws, _) = start(Shared::default(), "tab");
    let mut other = ws.open_document(Document::parse(OTHER), Source::Pasted, 2_000);
    let p = first_paragraph(&other.doc);
    tag(&mut other.store, &p, "investment");
    other
        .store
        .apply(Command::Uncoded {
            set: "c-me".into(),
            block: other.doc.taggable().nth(1).unwrap().id.clone(),
            on: true,
        })
        .unwrap();
    ws.save(&mut other.store, &ViewState::default(), 3_000).unwrap();
    let file = ws.export_library(&other.store, "c-me", 4);
    assert!(file.name.starts_with("speech-annotator-library-1970-01-01"));

    // a colleague's browser, with a coder of its own
    let kv = Shared::default();
    let fresh_profile = Profile {
        coder_id: "c-colleague".into(),
        ..profile()
    };
    let (mut col, mut opened) = Workspace::start(kv.clone(), SPEECH, fresh_profile, "tab-x", 1);
    let before = kv.0.borrow().map.clone();
    let imported = col.import_library(&file.bytes, "c-colleague", 5_000).unwrap();
    assert_eq!(imported.documents, 2);
    let got = col.open_stored(&other.doc.fingerprint, 6_000).unwrap();
    assert_eq!(
        got.store.themes_of("c-colleague", &p),
        ["investment"],
        "moved into the importer's set"
    );
    assert!(got.store.sets["c-colleague"].is_uncoded(&got.doc.taggable().nth(1).unwrap().id));
    // undo puts every value back
    col.open_stored(&col.builtin().fingerprint.clone(), 7_000).unwrap();
    col.undo_library_import(&imported.undo, 8_000);
    assert!(col.library().get(&other.doc.fingerprint).is_none());
    let after = kv.0.borrow().map.clone();
    for (k, v) in &before {
        if !k.ends_with(":library") {
            assert_eq!(after.get(k), Some(v), "{k}");
        }
    }
    assert!(!after.contains_key(&library::doc_key(&other.doc.fingerprint)));
    // a bad file changes nothing
    let snapshot = kv.0.borrow().map.clone();
    assert!(col
        .import_library(b"{\"type\":\"nope\"}", "c-colleague", 9_000)
        .is_err());
    assert!(col.import_library(&[0xff, 0xfe], "c-colleague", 9_000).is_err());
    assert_eq!(kv.0.borrow().map, snapshot);
    let _ = &mut opened;
}

#[test]
fn exports_are_named_and_typed_by_kind() {
    let (ws, opened) = start(Mem::default(), "tab");
    let t = TermSettings::default();
    let kinds = [
        (
            ExportKind::Json {
                all_sets: true,
                include_text: true,
            },
            "-annotations.json",
            "application/json",
        ),
        (ExportKind::W3c, "-w3c.jsonld", "application/ld+json"),
        (
            ExportKind::Csv { all_sets: false },
            "-codes.csv",
            "text/csv;charset=utf-8",
        ),
        (
            ExportKind::Qdpx {
                unit: crate::formats::refi::OffsetUnit::CodePoints,
            },
            ".qdpx",
            "application/zip",
        ),
        (ExportKind::Qdc, "-codebook.qdc", "application/xml"),
        (
            ExportKind::CodebookMarkdown,
            "-codebook.md",
            "text/markdown;charset=utf-8",
        ),
    ];
    for (kind, suffix, media) in kinds {
        let f = ws.export(&opened.store, kind, "c-me", &t, 0, "test");
        assert!(f.name.ends_with(suffix) && f.name.contains("2022-07-14"), "{}", f.name);
        assert_eq!(f.media_type, media);
        assert!(!f.bytes.is_empty());
    }
    // what the export says, the import reads back
    let f = ws.export(
        &opened.store,
        ExportKind::Json {
            all_sets: true,
            include_text: true,
        },
        "c-me",
        &t,
        0,
        "test",
    );
    let back = crate::formats::read(&f.bytes, &opened.doc, &opened.store).unwrap();
    assert_eq!(back.document.fingerprint, opened.doc.fingerprint);
}

#[test]
fn an_unreadable_library_is_backed_up_once() {
    let kv = Shared::default();
    kv.0.borrow_mut().map.insert(library::library_key(), "{garbage".into());
    let (mut ws, _) = start(kv.clone(), "tab");
    assert_eq!(ws.take_recoveries().len(), 1);
    let (mut again, _) = start(kv.clone(), "tab-2");
    assert!(again.take_recoveries().is_empty());
    assert_eq!(
        kv.0.borrow().map.keys().filter(|k| persist::is_backup_key(k)).count(),
        1
    );
}

use crate::terms::TermSettings;

#[test]
fn a_document_deleted_in_another_tab_can_be_kept_by_the_tab_that_shows_it() {
    let kv = Shared::default();
    let (mut a, _) = start(kv.clone(), "tab-a");
    let mut shown = a.open_document(Document::parse(OTHER), Source::Pasted, 2_000);
    let fp = shown.doc.fingerprint.clone();
    // another tab deletes it
    let (mut b, _) = start(kv.clone(), "tab-b");
    b.open_stored(&before_fp(&b), 3_000).unwrap();
    assert!(b.delete_document(&fp, 4_000).is_some());
    let raw = kv.get(&library::library_key()).unwrap();
    a.external_write(&library::library_key(), raw.as_deref(), &mut shown.store);
    assert!(!a.open_is_listed());
    // the tab that shows it keeps it, with its tags
    tag(&mut shown.store, &first_paragraph(&shown.doc), "trade");
    a.keep_open_document(5_000);
    a.save(&mut shown.store, &ViewState::default(), 6_000).unwrap();
    assert!(a.open_is_listed());
    let raw = kv.get(&library::library_key()).unwrap();
    let mut other = Store::new("x", &AnnotationSet::new("c-me", "Me", "#000000", SetKind::Coder));
    b.external_write(&library::library_key(), raw.as_deref(), &mut other);
    assert!(b.library().get(&fp).is_some(), "the other tab's list takes it back");
    let back = b.open_stored(&fp, 7_000).unwrap();
    assert_eq!(back.store.themes_of("c-me", &first_paragraph(&back.doc)), ["trade"]);
}
