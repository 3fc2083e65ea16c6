//! A team's files in one import: routed by fingerprint, each coder a set,
//! new documents from the text a file carries, zips opened, one undo.

use std::io::Write;

use super::batch::{BatchInput, Target};
use super::*;
use crate::exchange::ImportError;
use crate::formats::own_json::{export, ExportOptions};
use crate::store::{AnnotationSet, Command, SetKind, TagOrigin};
use crate::test_support::Mem;

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");
const SECOND: &str = "第二篇讲话\n要扩大有效投资。\n要稳住外贸基本盘。";
const THIRD: &str = "第三篇讲话\n优化营商环境。\n压实责任，严肃问责。";
const FOURTH: &str = "第四篇讲话\n推进生态文明建设。";

fn me() -> Profile {
    Profile {
        coder_id: "c-me".into(),
        name: "Me".into(),
        color: "#2f6fdb".into(),
    }
}

/// A coder's annotation file for `text`: their set tagging the first
/// paragraph with `theme`, with the text or without.
fn coder_file(text: &str, coder: &str, theme: &str, include_text: bool) -> Vec<u8> {
    let doc = Document::parse(text);
    let set = AnnotationSet::new(coder, &format!("{coder} name"), "#123456", SetKind::Coder);
    let mut store = Store::new("r-coder", &set);
    store
        .apply(Command::Tag {
            set: coder.into(),
            block: doc.taggable().next().unwrap().id.clone(),
            theme: theme.into(),
            present: true,
            how: TagOrigin::Hand,
            at: 5,
        })
        .unwrap();
    export(
        &doc,
        &store,
        &ExportOptions {
            sets: &[coder],
            include_text,
            exported_at: "2026-11-30T00:00:00Z",
            app_version: "test",
            annotator: Some(coder),
            terms: None,
        },
    )
    .into_bytes()
}

fn input(name: &str, bytes: Vec<u8>) -> BatchInput {
    BatchInput {
        name: name.into(),
        bytes,
    }
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn each_file_goes_to_its_document_and_each_coder_is_a_set_with_one_undo() {
    let (mut ws, started) = Workspace::start(Mem::default(), SPEECH, me(), "r-me", 1_000);
    let open_store = started.opened.store;
    // The library holds SECOND; THIRD only comes with its text.
    let opened = ws.open_document(Document::parse(SECOND), Source::Pasted, 2_000);
    ws.open_stored(&Document::parse(SPEECH).fingerprint, 3_000).unwrap();
    drop(opened);
    let files = vec![
        input("a-speech.json", coder_file(SPEECH, "c-a", "trade", false)),
        input("b-speech.json", coder_file(SPEECH, "c-b", "investment", false)),
        input("a-second.json", coder_file(SECOND, "c-a", "investment", false)),
        input("b-third.json", coder_file(THIRD, "c-b", "environment", true)),
        input("c-fourth-no-text.json", coder_file(FOURTH, "c-c", "trade", false)),
    ];
    let batch = ws.read_batch(files, &open_store);
    let targets: Vec<(String, Target)> = batch.items.iter().map(|i| (i.file.clone(), i.target)).collect();
    assert_eq!(
        targets,
        [
            ("a-speech.json".to_string(), Target::Open),
            ("b-speech.json".to_string(), Target::Open),
            ("a-second.json".to_string(), Target::Library),
            ("b-third.json".to_string(), Target::New),
        ]
    );
    // FOURTH is neither in the library nor in the batch, and this file
    // carries no text: named, not guessed.
    assert_eq!(batch.problems.len(), 1);
    assert_eq!(batch.problems[0].file, "c-fourth-no-text.json");
    assert!(batch.problems[0].error.message().contains("not in the library"));
    assert_eq!(batch.documents(), 3);
    let names: Vec<String> = batch.coders().into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["c-a name", "c-b name"]);

    let before_library = ws.library().clone();
    let done = ws.apply_batch(&batch, &open_store, "c-me", 4_000).unwrap();
    assert_eq!((done.documents, done.added), (3, 1));
    assert!(done.open_changed);
    assert_eq!(done.applied.tags, 4);
    let third = Document::parse(THIRD);
    assert!(
        ws.library().get(&third.fingerprint).is_some(),
        "THIRD added from its text"
    );
    let stored = |ws: &Workspace<Mem>, text: &str| {
        let fp = Document::parse(text).fingerprint;
        let raw = ws.kv.get(&persist::annotations_key(&fp)).unwrap().unwrap();
        persist::decode_store(&raw, &fp, "r-me").value.unwrap()
    };
    let speech = stored(&ws, SPEECH);
    assert!(speech.sets.contains_key("c-a") && speech.sets.contains_key("c-b"));
    assert!(stored(&ws, SECOND).sets.contains_key("c-a"));
    assert!(stored(&ws, THIRD).sets.contains_key("c-b"));
    // One undo takes it all back.
    let redo = ws.snapshot_for(&done.undo);
    ws.undo_library_import(&done.undo, 5_000);
    assert_eq!(ws.library().get(&third.fingerprint), None);
    assert_eq!(ws.library().entries.len(), before_library.entries.len());
    let fp = Document::parse(SPEECH).fingerprint;
    assert_eq!(ws.kv.get(&persist::annotations_key(&fp)).unwrap(), None);
    // And one redo brings it all again, the added document listed anew.
    ws.redo_library_import(&redo, 6_000);
    assert!(ws.library().get(&third.fingerprint).is_some());
    assert!(stored(&ws, SPEECH).sets.contains_key("c-b"));
    assert!(stored(&ws, THIRD).sets.contains_key("c-b"));
    assert_eq!(ws.library().entries.len(), before_library.entries.len() + 1);
}

#[test]
fn a_file_without_its_text_goes_to_the_document_another_file_of_the_batch_brings() {
    let (mut ws, started) = Workspace::start(Mem::default(), SPEECH, me(), "r-me", 1_000);
    let batch = ws.read_batch(
        vec![
            input("a-third-no-text.json", coder_file(THIRD, "c-a", "trade", false)),
            input("b-third.json", coder_file(THIRD, "c-b", "environment", true)),
        ],
        &started.opened.store,
    );
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    assert_eq!(batch.items.len(), 2);
    assert!(batch.items.iter().all(|i| i.target == Target::New));
    let done = ws.apply_batch(&batch, &started.opened.store, "c-me", 2_000).unwrap();
    assert_eq!((done.documents, done.added), (1, 1));
    let fp = Document::parse(THIRD).fingerprint;
    let raw = ws.kv.get(&persist::annotations_key(&fp)).unwrap().unwrap();
    let store = persist::decode_store(&raw, &fp, "r-me").value.unwrap();
    assert!(store.sets.contains_key("c-a") && store.sets.contains_key("c-b"));
}

#[test]
fn a_zip_of_files_is_opened_and_a_broken_one_is_named() {
    let (ws, started) = Workspace::start(Mem::default(), SPEECH, me(), "r-me", 1_000);
    let zip = zip_of(&[
        ("round-1/a.json", coder_file(SPEECH, "c-a", "trade", false)),
        ("round-1/b.json", coder_file(SPEECH, "c-b", "trade", false)),
        ("__MACOSX/._a.json", b"junk".to_vec()),
        (".DS_Store", b"junk".to_vec()),
    ]);
    let batch = ws.read_batch(
        vec![
            input("round-1.zip", zip),
            input("broken.zip", b"PK\x03\x04 not really".to_vec()),
        ],
        &started.opened.store,
    );
    let files: Vec<&str> = batch.items.iter().map(|i| i.file.as_str()).collect();
    assert_eq!(files, ["round-1.zip › round-1/a.json", "round-1.zip › round-1/b.json"]);
    assert_eq!(batch.problems.len(), 1);
    assert_eq!(batch.problems[0].file, "broken.zip");
}

#[test]
fn a_full_storage_takes_the_whole_batch_back() {
    let (mut ws, started) = Workspace::start(Mem::default(), SPEECH, me(), "r-me", 1_000);
    let batch = ws.read_batch(
        vec![
            input("a.json", coder_file(SPEECH, "c-a", "trade", false)),
            input("third.json", coder_file(THIRD, "c-b", "trade", true)),
        ],
        &started.opened.store,
    );
    let library = ws.library().clone();
    ws.kv.quota = Some(ws.kv.map.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() + 10);
    let err = ws
        .apply_batch(&batch, &started.opened.store, "c-me", 2_000)
        .unwrap_err();
    assert!(matches!(err, ImportError::Refused(_)), "{err:?}");
    assert_eq!(ws.library(), &library, "nothing added");
    let third = Document::parse(THIRD).fingerprint;
    assert_eq!(ws.kv.get(&library::doc_key(&third)).unwrap(), None);
}
