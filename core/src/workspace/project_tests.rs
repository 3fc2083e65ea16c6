//! A REFI-QDA project into the library and back out: sources become
//! documents, users coders, and a whole-library `.qdpx` round-trips into a
//! fresh profile.

use std::collections::BTreeSet;
use std::io::{Cursor, Write};

use super::*;
use crate::exchange::Mode;
use crate::formats::refi::{read_project, OffsetUnit};
use crate::persist::{KeyValue, Profile};
use crate::store::{AnnotationSet, Command, SetKind, Store};
use crate::test_support::Mem;

const SPEECH: &str = include_str!("../../../assets/speech-foreign-trade-2022-07-14.txt");

fn start(coder: &str) -> Workspace<Mem> {
    let profile = Profile {
        coder_id: coder.into(),
        name: coder.into(),
        color: "#2f6fdb".into(),
    };
    Workspace::start(Mem::default(), SPEECH, profile, "tab", 1_000).0
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// A project read as a fresh store (only the built-in themes) reads it.
fn read(bytes: &[u8]) -> crate::formats::refi::Project {
    let fresh = Store::new("x", &AnnotationSet::new("m", "m", "#000000", SetKind::Coder));
    read_project(bytes, &fresh).unwrap()
}

const U1: &str = "11111111-0000-4000-8000-000000000001";
const U2: &str = "11111111-0000-4000-8000-000000000002";

/// Two sources, two coders, codes nested three deep, a note.
fn project() -> Vec<u8> {
    let sel = |n: u32, start: usize, end: usize, user: &str, code: u32, note: bool| {
        format!(
            r#"<PlainTextSelection guid="44444444-0000-4000-8000-{n:012}" startPosition="{start}" endPosition="{end}" creatingUser="{user}"><Coding guid="55555555-0000-4000-8000-{n:012}" creatingUser="{user}"><CodeRef targetGUID="22222222-0000-4000-8000-{code:012}"/></Coding>{}</PlainTextSelection>"#,
            if note {
                r#"<NoteRef targetGUID="66666666-0000-4000-8000-000000000001"/>"#
            } else {
                ""
            }
        )
    };
    let qde = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="study" origin="MAXQDA 24">
<Users><User guid="{U1}" name="李明"/><User guid="{U2}" name="Wang"/></Users>
<CodeBook><Codes>
 <Code guid="22222222-0000-4000-8000-000000000001" name="开放 opening" isCodable="true" color="#aa0000">
  <Code guid="22222222-0000-4000-8000-000000000002" name="外资 foreign capital" isCodable="true">
   <Code guid="22222222-0000-4000-8000-000000000003" name="园区 parks" isCodable="true"/>
  </Code>
 </Code>
 <Code guid="22222222-0000-4000-8000-000000000004" name="对外 开放 opening up" isCodable="true"/>
</Codes></CodeBook>
<Sources>
 <TextSource guid="33333333-0000-4000-8000-000000000001" name="first" plainTextPath="internal://a.txt">{}{}</TextSource>
 <TextSource guid="33333333-0000-4000-8000-000000000002" name="second" plainTextPath="internal://b.txt">{}</TextSource>
</Sources>
<Notes><Note guid="66666666-0000-4000-8000-000000000001" name="n"><PlainTextContent>要核实 · check this</PlainTextContent></Note></Notes>
</Project>"##,
        sel(1, 5, 12, U1, 3, true),
        sel(2, 5, 12, U2, 1, false),
        sel(3, 0, 4, U2, 4, false),
    );
    zip_of(&[
        ("project.qde", qde.as_bytes()),
        (
            "Sources/a.txt",
            "一号讲话\n要扩大有效投资。\n要稳住外贸基本盘。".as_bytes(),
        ),
        ("Sources/b.txt", "第二篇讲话\n优化营商环境。".as_bytes()),
    ])
}

/// A document's coders as (name, tags as (paragraph text, theme label), notes).
type Coders = BTreeSet<(String, BTreeSet<(String, String)>, BTreeSet<(String, String)>)>;

/// Themes as (id, Chinese name, English name, key).
type Themes = BTreeSet<(String, String, String, Option<u8>)>;

fn coders(ws: &Workspace<Mem>, fp: &str) -> (Coders, Themes) {
    let raw = ws.kv.get(&crate::persist::annotations_key(fp)).unwrap().unwrap();
    let store: Store = crate::persist::decode_store(&raw, fp, "tab").value.unwrap();
    let text = ws.read_text(fp).unwrap();
    let doc = Document::parse(&text);
    let label = |id: &str| store.theme(id).map(|t| t.label()).unwrap_or_default();
    let sets = store
        .sets
        .values()
        .filter(|s| s.tags.values().any(|t| t.present))
        .map(|s| {
            let tags = s
                .tags
                .iter()
                .filter(|(_, e)| e.present)
                .map(|(k, _)| (doc.block(&k.block).unwrap().text.clone(), label(&k.theme)))
                .collect();
            let notes = s
                .notes
                .iter()
                .filter(|(_, n)| !n.text.is_empty())
                .map(|(b, n)| (doc.block(b).unwrap().text.clone(), n.text.clone()))
                .collect();
            (s.name.clone(), tags, notes)
        })
        .collect();
    let themes = store
        .themes()
        .into_iter()
        .map(|t| (t.id.clone(), t.name_zh.clone(), t.name_en.clone(), t.key))
        .collect();
    (sets, themes)
}

#[test]
fn a_project_s_sources_become_documents_with_their_coders_and_one_undo_takes_it_back() {
    let mut ws = start("c-me");
    let project = read(&project());
    assert_eq!(project.sources.len(), 2);
    let done = ws.import_project(&project, &[0, 1], Mode::SideBySide, false, "c-me", 2_000);
    assert!(done.skipped.is_empty(), "{:?}", done.skipped);
    assert_eq!(done.imported.len(), 2);
    assert_eq!(ws.library().entries.len(), 3, "the built-in speech and two sources");
    let titles: Vec<&str> = done.imported.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["first", "second"], "named as the sources were");
    let (sets, themes) = coders(&ws, &done.imported[0].fingerprint);
    let names: Vec<&str> = sets.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(names, ["Wang", "李明"]);
    let li = sets.iter().find(|s| s.0 == "李明").unwrap();
    assert_eq!(
        li.1,
        BTreeSet::from([(
            "要扩大有效投资。".to_string(),
            "外资 › 园区 foreign capital › parks".to_string()
        )])
    );
    assert_eq!(
        li.2,
        BTreeSet::from([("要扩大有效投资。".to_string(), "要核实 · check this".to_string())])
    );
    assert!(themes.iter().any(|t| t.1 == "对外 开放" && t.2 == "opening up"));
    assert_eq!(done.applied().tags, 3);

    // One undo: both documents and their annotations gone.
    ws.undo_library_import(&done.undo, 3_000);
    assert_eq!(ws.library().entries.len(), 1);
    for s in &done.imported {
        assert_eq!(
            ws.kv.get(&crate::persist::annotations_key(&s.fingerprint)).unwrap(),
            None
        );
    }
}

#[test]
fn a_whole_library_round_trips_through_qdpx_into_a_fresh_profile() {
    let mut a = start("c-a");
    let project = read(&project());
    let done = a.import_project(&project, &[0, 1], Mode::SideBySide, false, "c-a", 2_000);
    // Pin a key on a theme in both documents (a REFI-QDA codebook is one
    // for the whole project: the first document's entry goes for all).
    let fp = done.imported[0].fingerprint.clone();
    let mut last = None;
    for (i, s) in done.imported.iter().enumerate() {
        let mut opened = a.open_stored(&s.fingerprint, 2_500 + i as u64).unwrap();
        let mut t = opened
            .store
            .themes()
            .into_iter()
            .find(|t| t.name_en == "opening up")
            .unwrap()
            .clone();
        t.key = Some(5);
        opened.store.apply(Command::PutTheme(t)).unwrap();
        a.save(&mut opened.store, &Default::default(), 2_600).unwrap();
        last = Some(opened);
    }
    let opened = last.unwrap();
    let before: Vec<_> = done.imported.iter().map(|s| coders(&a, &s.fingerprint)).collect();

    let file = a.export_library_qdpx(&opened.store, None, OffsetUnit::CodePoints, 3);
    assert!(file.name.ends_with(".qdpx"));

    let mut b = start("c-b");
    let project = read(&file.bytes);
    assert_eq!(project.sources.len(), 3, "the built-in speech travels too");
    let picks: Vec<usize> = (0..project.sources.len()).collect();
    let done_b = b.import_project(&project, &picks, Mode::SideBySide, false, "c-b", 4_000);
    assert!(done_b.skipped.is_empty(), "{:?}", done_b.skipped);
    let after: Vec<_> = done.imported.iter().map(|s| coders(&b, &s.fingerprint)).collect();
    assert_eq!(before, after);
    assert!(after[0].1.iter().any(|t| t.2 == "opening up" && t.3 == Some(5)));
    // UTF-16 positions read back the same (all texts in the BMP).
    let utf16 = a.export_library_qdpx(&opened.store, Some(std::slice::from_ref(&fp)), OffsetUnit::Utf16, 3);
    let project = read(&utf16.bytes);
    assert_eq!(project.sources.len(), 1);
}
