//! Tests of the parent module.

use std::collections::BTreeMap;
use std::io::{Cursor, Write};

use super::archive::Archive;
use super::guid::{guid, legacy_guid, normalize_guid, NAMESPACE};
use super::project::parse_secs;
use super::xml::{parse_xml, MAX_DEPTH, MAX_ELEMENTS};
use super::*;
use crate::compare::CONSENSUS;
use crate::document::{Block, Document};
use crate::exchange::{ImportError, IncomingSet};
use crate::store::{AnnotationSet, Codebook, Command, SetKind, Store, TagOrigin};
use crate::themes::{Theme, PALETTE};

const SPEECH: &str = include_str!("../../../../assets/speech-foreign-trade-2022-07-14.txt");

fn tag(block: &str, theme: &str, at: u64) -> Command {
    Command::Tag {
        set: "me".into(),
        block: block.into(),
        theme: theme.into(),
        present: true,
        how: TagOrigin::Hand,
        at,
    }
}

pub(super) fn store() -> Store {
    Store::new("tab", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder))
}

/// [`tagged`] with a consensus set that gives the first paragraph "trade".
fn with_consensus(doc: &Document) -> Store {
    let mut s = tagged(doc);
    s.apply(Command::AddSet(Box::new(AnnotationSet::new(
        CONSENSUS,
        "共识 · Consensus",
        "#444444",
        SetKind::Consensus,
    ))))
    .unwrap();
    s.apply(Command::Tag {
        set: CONSENSUS.into(),
        block: doc.taggable().next().unwrap().id.clone(),
        theme: "trade".into(),
        present: true,
        how: TagOrigin::Hand,
        at: 0,
    })
    .unwrap();
    s
}

/// A store with a theme of its own, tags on three paragraphs and two notes.
fn tagged(doc: &Document) -> Store {
    let mut s = store();
    s.apply(Command::PutTheme(Theme {
        id: "u-1".into(),
        name_zh: "开放".into(),
        name_en: "opening <up> & \"out\"".into(),
        color: "#123abc".into(),
        key: Some(5),
    }))
    .unwrap();
    let p: Vec<&Block> = doc.taggable().collect();
    for cmd in [
        tag(&p[1].id, "trade", 1_657_765_361),
        tag(&p[1].id, "u-1", 0),
        tag(&p[2].id, "investment", 1_657_765_400),
        tag(&p[5].id, "trade", 0),
        Command::Note {
            set: "me".into(),
            block: p[2].id.clone(),
            text: "注意 <b>&\n第二行".into(),
        },
        Command::Note {
            set: "me".into(),
            block: p[7].id.clone(),
            text: "只有笔记".into(),
        },
    ] {
        s.apply(cmd).unwrap();
    }
    s
}

/// (block, theme) pairs and notes of a set in a store.
fn annotations(store: &Store, set: &str) -> (Vec<(String, String)>, BTreeMap<String, String>) {
    let s = &store.sets[set];
    let tags = s
        .tags
        .iter()
        .filter(|(_, e)| e.present)
        .map(|(k, _)| (k.block.clone(), k.theme.clone()))
        .collect();
    let notes = s.notes.iter().map(|(b, n)| (b.clone(), n.text.clone())).collect();
    (tags, notes)
}

fn incoming_annotations(set: &IncomingSet) -> (Vec<(String, String)>, BTreeMap<String, String>) {
    let mut tags: Vec<_> = set.tags.iter().map(|t| (t.block.clone(), t.theme.clone())).collect();
    tags.sort();
    (tags, set.notes.clone())
}

#[test]
fn guids_are_stable_and_well_formed() {
    let g = code_guid("trade");
    assert_eq!(g, code_guid("trade"));
    assert_ne!(g, code_guid("investment"));
    assert_ne!(g, user_guid("trade"));
    assert_eq!(normalize_guid(&g).as_deref(), Some(g.as_str()));
    assert_eq!(&g[14..15], "5");
    assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"));
    assert_eq!(normalize_guid(&format!("{{{}}}", g.to_uppercase())), Some(g));
    assert_eq!(normalize_guid("not-a-guid"), None);
}

#[test]
fn codebook_round_trips_with_entries_and_sub_themes() {
    let doc = Document::parse(SPEECH);
    let mut s = tagged(&doc);
    let processing = Theme {
        id: "u-processing".into(),
        name_zh: "加工贸易".into(),
        name_en: "processing trade".into(),
        color: "#aa5500".into(),
        key: None,
    };
    s.apply(Command::PutTheme(processing)).unwrap();
    let sub = Codebook {
        definition: "来料加工、进料加工 & <其他>".into(),
        example: "加工贸易转型升级\n第二行".into(),
        parent: Some("trade".into()),
        ..Default::default()
    };
    let trade = Codebook {
        definition: "货物与服务贸易".into(),
        when_not_to_use: "只谈投资时".into(),
        ..Default::default()
    };
    for (theme, entry) in [("u-processing", &sub), ("trade", &trade)] {
        s.apply(Command::PutCodebook {
            theme: theme.into(),
            entry: entry.clone(),
        })
        .unwrap();
    }
    let xml = export_codebook(&s);
    assert!(xml.contains(&format!(
        "<CodeBook xmlns=\"{CODEBOOK_NS}\" origin=\"speech-annotator\">"
    )));
    assert!(xml.contains("name=\"贸易 trade\""));
    // the sub-theme's code sits inside its parent's
    let trade_at = xml.find("name=\"贸易 trade\"").unwrap();
    let sub_at = xml.find("name=\"加工贸易 processing trade\"").unwrap();
    let trade_end = trade_at + xml[trade_at..].find("</Code>\n    </Code>").unwrap_or(usize::MAX / 2);
    assert!(sub_at > trade_at && sub_at < trade_end, "{xml}");

    // a new coder's fresh store knows only the built-in themes
    let fresh = store();
    let (themes, entries) = import_codebook(xml.as_bytes(), &fresh).unwrap();
    assert_eq!(themes.len(), s.themes().len());
    for t in &themes {
        let orig = s.theme(&t.id).expect("ids kept, so tags and codebooks line up");
        assert_eq!(
            (t.name_zh.as_str(), t.name_en.as_str()),
            (orig.name_zh.as_str(), orig.name_en.as_str())
        );
        assert_eq!(t.color, orig.color);
        assert_eq!(t.key, orig.key, "keys travel in the description line");
    }
    assert_eq!(entries.get("u-processing"), Some(&sub));
    assert_eq!(entries.get("trade"), Some(&trade));
    assert_eq!(entries.len(), 2);

    // applied to the fresh store it gives the same codebook, and applying
    // it again changes nothing (no duplicate themes)
    let mut fresh = fresh;
    let incoming = crate::formats::read(xml.as_bytes(), &doc, &fresh).unwrap();
    let cmd = crate::exchange::plan(&incoming, crate::exchange::Mode::Merge, &doc, &fresh, "me");
    fresh.apply(cmd).unwrap();
    assert_eq!(fresh.codebook("u-processing"), sub);
    assert_eq!(fresh.codebook("trade"), trade);
    assert_eq!(fresh.themes().len(), s.themes().len());
    let again = crate::formats::read(xml.as_bytes(), &doc, &fresh).unwrap();
    let cmd = crate::exchange::plan(&again, crate::exchange::Mode::Merge, &doc, &fresh, "me");
    assert_eq!(cmd, Command::Batch(vec![]));
}

#[test]
fn a_consensus_set_comes_back_as_a_consensus_not_a_coder() {
    let doc = Document::parse(SPEECH);
    let s = with_consensus(&doc);
    let bytes = export_project(&doc, &s, &["me", CONSENSUS], "2026-11-25T00:00:00Z");
    let got = import_project(&bytes, &doc, &store()).unwrap();
    let kinds: Vec<(&str, SetKind)> = got.sets.iter().map(|x| (x.id.as_str(), x.kind)).collect();
    assert!(kinds.contains(&(CONSENSUS, SetKind::Consensus)), "{kinds:?}");
    assert_eq!(kinds.iter().filter(|(_, k)| *k == SetKind::Coder).count(), 1);
}

#[test]
fn another_tools_codebook_nested_two_deep_keeps_one_level() {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="{CODEBOOK_NS}" origin="MAXQDA">
  <Codes>
<Code guid="{{11111111-1111-4111-8111-111111111111}}" name="经济" isCodable="true">
  <Description>Economic matters, broadly.</Description>
  <Code guid="22222222-2222-4222-8222-222222222222" name="外资" isCodable="true">
    <Code guid="33333333-3333-4333-8333-333333333333" name="增资扩股" isCodable="true"/>
  </Code>
</Code>
  </Codes>
</CodeBook>"#
    );
    let (themes, entries) = import_codebook(xml.as_bytes(), &store()).unwrap();
    let ids: Vec<&str> = themes.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "refi-11111111-1111-4111-8111-111111111111",
            "refi-22222222-2222-4222-8222-222222222222",
            "refi-33333333-3333-4333-8333-333333333333"
        ]
    );
    let top = &entries[ids[0]];
    assert_eq!(
        top.definition, "Economic matters, broadly.",
        "a plain description is the definition"
    );
    assert_eq!(top.parent, None);
    assert_eq!(entries[ids[1]].parent.as_deref(), Some(ids[0]));
    assert_eq!(
        entries[ids[2]].parent.as_deref(),
        Some(ids[0]),
        "flattened to one level"
    );
    // exported again, the codes keep their GUIDs
    assert_eq!(code_guid(ids[1]), "22222222-2222-4222-8222-222222222222");
}

#[test]
fn project_round_trips_on_the_speech() {
    let doc = Document::parse(SPEECH);
    let s = tagged(&doc);
    let bytes = export_project(&doc, &s, &["me", "me", "nobody"], "2026-01-02T03:04:05Z");
    let mut archive = Archive::open(&bytes).unwrap();
    let names: Vec<&str> = archive.names.iter().map(|(n, _)| n.as_str()).collect();
    let source = guid(&["source", &doc.fingerprint]);
    assert_eq!(names, ["project.qde".to_string(), format!("Sources/{source}.txt")]);
    let i = archive.find(&format!("Sources/{source}.txt")).unwrap();
    assert_eq!(archive.read(i).unwrap(), doc.text.as_bytes());
    let qde = String::from_utf8(archive.read(archive.find("project.qde").unwrap()).unwrap()).unwrap();
    // Schema order: Users, CodeBook, Sources, Notes.
    let at = |x: &str| qde.find(x).unwrap();
    assert!(at("<Users>") < at("<CodeBook>") && at("<CodeBook>") < at("<Sources>") && at("<Sources>") < at("<Notes>"));
    assert!(qde.contains("creationDateTime=\"2022-07-14T02:22:41Z\""));

    let incoming = import_project(&bytes, &doc, &s).unwrap();
    assert_eq!(incoming.format, PROJECT_FORMAT);
    assert_eq!(incoming.app.as_deref(), Some("speech-annotator"));
    assert_eq!(incoming.document.fingerprint, doc.fingerprint);
    assert_eq!(incoming.document.text, None);
    assert_eq!(incoming.sets.len(), 1);
    let set = &incoming.sets[0];
    assert_eq!(
        (set.id.as_str(), set.name.as_str(), set.color.as_str()),
        ("me", "Me", "#333333")
    );
    assert_eq!(incoming_annotations(set), annotations(&s, "me"));
    let trade = set.tags.iter().find(|t| t.theme == "trade").unwrap();
    assert_eq!(trade.at, 1_657_765_361);
    // Every theme is known by its id: nothing new.
    let preview = incoming.preview(&doc, &s);
    assert!(preview.new_themes.is_empty());
    assert_eq!(preview.unmatched_blocks, 0);
    assert!(preview.same_document);

    // Into a fresh store, through the plan, the same annotations.
    let mut fresh = store();
    let plan = crate::exchange::plan(&incoming, crate::exchange::Mode::Replace, &doc, &fresh, "me");
    // The fresh store lacks the user's theme: the import brings it.
    fresh.apply(plan).unwrap();
    assert_eq!(annotations(&fresh, "me").0.len(), annotations(&s, "me").0.len());
    assert_eq!(annotations(&fresh, "me").1, annotations(&s, "me").1);

    // Exports are deterministic.
    assert_eq!(bytes, export_project(&doc, &s, &["me"], "2026-01-02T03:04:05Z"));
}

/// A coder is one coder across documents in REFI-QDA too: their id in
/// `User@id`, their colour in the project's description, their status in
/// a note of theirs on the source, read back by a store that never saw
/// them; a coder done without a single tag still comes back, done.
#[test]
fn coders_keep_their_id_colour_and_status_through_a_project() {
    let doc = Document::parse(SPEECH);
    let p: Vec<String> = doc.taggable().map(|b| b.id.clone()).collect();
    let mut s = Store::new(
        "tab",
        &AnnotationSet::new("c-1a2b3c4d5e6f7a8b", "李明", "#2f6fdb", SetKind::Coder),
    );
    let cmds = vec![
        Command::AddSet(Box::new(AnnotationSet::new(
            "c-9f8e7d6c5b4a3928",
            "王芳",
            "#c2410c",
            SetKind::Coder,
        ))),
        Command::Tag {
            set: "c-1a2b3c4d5e6f7a8b".into(),
            block: p[1].clone(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 0,
        },
        Command::SetStatus {
            set: "c-1a2b3c4d5e6f7a8b".into(),
            status: Some(crate::store::Status::InProgress),
        },
        Command::SetStatus {
            set: "c-9f8e7d6c5b4a3928".into(),
            status: Some(crate::store::Status::Done),
        },
    ];
    s.apply(Command::Batch(cmds)).unwrap();
    let sets = ["c-1a2b3c4d5e6f7a8b", "c-9f8e7d6c5b4a3928"];
    let bytes = export_project(&doc, &s, &sets, "2026-01-02T03:04:05Z");
    let qde = {
        let mut archive = Archive::open(&bytes).unwrap();
        String::from_utf8(archive.read(archive.find("project.qde").unwrap()).unwrap()).unwrap()
    };
    assert!(qde.contains("id=\"c-9f8e7d6c5b4a3928\""), "{qde}");
    assert!(qde.contains("speech-annotator status: done"));
    assert!(qde.contains(&format!(
        "speech-annotator coder {} colour #c2410c",
        user_guid("c-9f8e7d6c5b4a3928")
    )));
    // a store that knows neither coder
    let fresh = Store::new("x", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
    let incoming = import_project(&bytes, &doc, &fresh).unwrap();
    let got: Vec<(&str, &str, &str, Option<crate::store::Status>, usize)> = incoming
        .sets
        .iter()
        .map(|x| (x.id.as_str(), x.name.as_str(), x.color.as_str(), x.status, x.tags.len()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "c-1a2b3c4d5e6f7a8b",
                "李明",
                "#2f6fdb",
                Some(crate::store::Status::InProgress),
                1
            ),
            (
                "c-9f8e7d6c5b4a3928",
                "王芳",
                "#c2410c",
                Some(crate::store::Status::Done),
                0
            ),
        ]
    );
    // opened side by side, the done coder's status is theirs, read-only
    let mut mine = fresh.clone();
    mine.apply(crate::exchange::plan(
        &incoming,
        crate::exchange::Mode::SideBySide,
        &doc,
        &fresh,
        "me",
    ))
    .unwrap();
    assert_eq!(mine.sets["c-9f8e7d6c5b4a3928"].status(), crate::store::Status::Done);
    // no status note becomes a note on a paragraph
    assert!(incoming.sets.iter().all(|x| x.notes.is_empty()));
}

#[test]
fn positions_count_code_points() {
    let doc = Document::parse("标题𠀀\n第一段𠀀𠀀有字。\n第二段。");
    let mut s = store();
    let p: Vec<&Block> = doc.taggable().collect();
    s.apply(tag(&p[0].id, "trade", 0)).unwrap();
    let bytes = export_project(&doc, &s, &["me"], "");
    let qde = {
        let mut a = Archive::open(&bytes).unwrap();
        let i = a.find("project.qde").unwrap();
        String::from_utf8(a.read(i).unwrap()).unwrap()
    };
    // "标题𠀀\n" is 4 code points (5 UTF-16 units, 13 bytes); "第一段𠀀𠀀有字。" is 8 (10 units).
    assert_eq!((p[0].start, p[0].end), (4, 12));
    assert!(qde.contains("startPosition=\"4\" endPosition=\"12\""), "{qde}");
    let incoming = import_project(&bytes, &doc, &s).unwrap();
    assert_eq!(incoming.sets[0].tags[0].block, p[0].id);
}

/// A zip of the given entries, deflated.
pub(super) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in entries {
        z.start_file(*name, o).unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

const U1: &str = "aaaaaaaa-0000-4000-8000-000000000001";
const C1: &str = "cccccccc-0000-4000-8000-000000000001";
const C2: &str = "cccccccc-0000-4000-8000-000000000002";

/// A QualCoder-style project over `text` with the given selections.
fn qualcoder(text_path: &str, selections: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="qc" origin="QualCoder 3.5" creationDateTime="2024-03-01T10:00:00Z">
<Users><User guid="{U1}" name="Wang"/></Users>
<CodeBook><Codes>
<Code guid="{C1}" name="开放" isCodable="true" color="#F0A"><Description>d</Description>
<Code guid="{C2}" name="Reform" isCodable="true" color="not a colour"/></Code>
</Codes></CodeBook>
<Sources><TextSource guid="eeeeeeee-0000-4000-8000-000000000001" name="speech.txt" plainTextPath="{text_path}" creatingUser="{U1}">
{selections}
</TextSource></Sources>
<Notes><Note guid="dddddddd-0000-4000-8000-000000000001" name="memo" creatingUser="{U1}"><PlainTextContent>备忘 &amp; memo</PlainTextContent></Note></Notes>
</Project>"##
    )
}

fn selection(n: u32, start: usize, end: usize, code: &str, note: bool) -> String {
    format!(
        r#"<PlainTextSelection guid="ffffffff-0000-4000-8000-{n:012}" name="s" startPosition="{start}" endPosition="{end}" creatingUser="{U1}" creationDateTime="2024-03-01T10:00:00Z"><Coding guid="bbbbbbbb-0000-4000-8000-{n:012}" creatingUser="{U1}"><CodeRef targetGUID="{code}"/></Coding>{}</PlainTextSelection>"#,
        if note {
            r#"<NoteRef targetGUID="dddddddd-0000-4000-8000-000000000001"/>"#
        } else {
            ""
        }
    )
}

#[test]
fn qualcoder_selections_map_to_paragraphs() {
    // The file's text has CRLF and indentation; the open document is its canonical form.
    let raw = "标题\r\n\r\n　　第一段很长很长很长。\r\n第二段。\r\n第三段也很长很长很长很长。";
    let doc = Document::parse(raw);
    let s = store();
    // Raw offsets: "标题\r\n\r\n　　" = 8 chars, so 第一段… is [8, 18); \r\n; 第二段。 [20, 24); \r\n; 第三段… [26, 39).
    let sels = [
        // Spans the whole of paragraph 1 and half of paragraph 2: both.
        selection(1, 8, 23, C1, true),
        // Part of paragraph 3: paragraph 3.
        selection(2, 30, 33, C2, false),
        // The tails of two paragraphs, under half of each: none.
        selection(3, 17, 21, C2, false),
    ]
    .concat();
    let qde = qualcoder("internal://abc.txt", &sels);
    let bytes = zip_of(&[("project.qde", qde.as_bytes()), ("Sources/abc.txt", raw.as_bytes())]);
    let incoming = import_project(&bytes, &doc, &s).unwrap();
    assert_eq!(incoming.document.fingerprint, doc.fingerprint);
    assert_eq!(incoming.document.text, None);
    assert_eq!(incoming.app.as_deref(), Some("QualCoder 3.5"));
    assert_eq!(incoming.themes.len(), 2);
    let (open, reform) = (&incoming.themes[0], &incoming.themes[1]);
    assert_eq!((open.name_zh.as_str(), open.color.as_str()), ("开放", "#ff00aa"));
    assert_eq!((reform.name_en.as_str(), reform.color.as_str()), ("Reform", PALETTE[1]));
    assert_eq!(open.id, format!("refi-{C1}"));
    let set = &incoming.sets[0];
    assert_eq!(
        (set.id.as_str(), set.name.as_str()),
        (format!("refi-{U1}").as_str(), "Wang")
    );
    let b = |i: usize| doc.blocks[i].id.clone();
    let tags: Vec<(String, String)> = set.tags.iter().map(|t| (t.block.clone(), t.theme.clone())).collect();
    assert_eq!(
        tags,
        [
            (b(1), open.id.clone()),
            (b(2), open.id.clone()),
            (b(3), reform.id.clone()),
            ("unmatched:1".into(), reform.id.clone())
        ]
    );
    assert_eq!(set.notes.get(&b(1)).map(String::as_str), Some("备忘 & memo"));
    assert_eq!(set.tags[0].at, parse_secs("2024-03-01T10:00:00Z").unwrap());
    let preview = incoming.preview(&doc, &s);
    assert_eq!((preview.matched_blocks, preview.unmatched_blocks), (3, 1));

    // Another document: the text is offered, paragraphs found by their text.
    let other = Document::parse("别的标题\n第二段。");
    let incoming = import_project(&bytes, &other, &s).unwrap();
    assert_eq!(incoming.document.text.as_deref(), Some(raw));
    let tags: Vec<&str> = incoming.sets[0].tags.iter().map(|t| t.block.as_str()).collect();
    assert_eq!(tags, [other.blocks[1].id.as_str(), "unmatched:1", "unmatched:2"]);

    // Inline text works as well.
    let inline = qualcoder("", &sels).replace(
        "creatingUser=\"aaaaaaaa-0000-4000-8000-000000000001\">\n<PlainTextSelection",
        &format!(
            "creatingUser=\"{U1}\"><PlainTextContent>{}</PlainTextContent>\n<PlainTextSelection",
            quick_xml::escape::escape(raw)
        ),
    );
    let bytes = zip_of(&[("project.qde", inline.as_bytes())]);
    assert_eq!(import_project(&bytes, &doc, &s).unwrap().sets[0].tags.len(), 4);
}

/// Sets the uncompressed size of every entry (local header and central
/// directory) of a zip to `size`.
fn declare_size(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let mut i = 0;
    while i + 4 <= zip.len() {
        match &zip[i..i + 4] {
            b"PK\x03\x04" => zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes()),
            b"PK\x01\x02" => zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes()),
            _ => {}
        }
        i += 1;
    }
    zip
}

#[test]
fn bad_archives_are_refused() {
    let doc = Document::parse("标题\n第一段。\n第二段。");
    let s = store();
    let text = doc.text.as_bytes();
    let good = qualcoder("internal://t.txt", &selection(1, 3, 7, C1, false));
    let project = |qde: &str| zip_of(&[("project.qde", qde.as_bytes()), ("Sources/t.txt", text)]);
    assert!(import_project(&project(&good), &doc, &s).is_ok());
    let zeros = vec![0u8; 100_000];
    let billion_laughs = format!(
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>{}",
        good.replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "")
            .replace("name=\"memo\"", "name=\"&lol2;\"")
    );
    type Check = fn(&ImportError) -> bool;
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        ("not a zip", b"<Project/>".to_vec(), |e| {
            matches!(e, ImportError::NotZip(_))
        }),
        ("empty", Vec::new(), |e| *e == ImportError::Empty),
        ("truncated zip", project(&good)[..60].to_vec(), |e| {
            matches!(e, ImportError::NotZip(_))
        }),
        (
            "an entry inflating past what it declares",
            declare_size(zip_of(&[("project.qde", &zeros)]), 100),
            |e| matches!(e, ImportError::ArchiveTooLarge(_) | ImportError::NotZip(_)),
        ),
        (
            "entries declaring too much",
            declare_size(zip_of(&[("project.qde", b"x"), ("b", b"y")]), 30_000_000),
            |e| matches!(e, ImportError::ArchiveTooLarge(_)),
        ),
        (
            "a ../ path",
            zip_of(&[("../evil", b"x"), ("project.qde", good.as_bytes())]),
            |e| matches!(e, ImportError::UnsafePath(_)),
        ),
        ("an absolute path", zip_of(&[("/etc/evil", b"x")]), |e| {
            matches!(e, ImportError::UnsafePath(_))
        }),
        ("no project.qde", zip_of(&[("Sources/t.txt", text)]), |e| {
            matches!(e, ImportError::MissingEntry(_))
        }),
        ("malformed XML", project("<Project><Sources></Project>"), |e| {
            matches!(e, ImportError::NotXml(_))
        }),
        ("truncated XML", project(&good[..good.len() - 20]), |e| {
            matches!(e, ImportError::NotXml(_))
        }),
        (
            "not UTF-8",
            zip_of(&[("project.qde", b"<Project name=\"\xff\"/>")]),
            |e| *e == ImportError::NotUtf8,
        ),
        ("billion laughs", project(&billion_laughs), |e| {
            *e == ImportError::Doctype
        }),
        ("an undeclared entity", project(&good.replace("备忘", "&lol;")), |e| {
            matches!(e, ImportError::NotXml(_))
        }),
        ("another root", project("<CodeBook/>"), |e| {
            matches!(e, ImportError::UnknownFormat(_))
        }),
        (
            "end before start",
            project(&qualcoder("internal://t.txt", &selection(1, 7, 3, C1, false))),
            |e| matches!(e, ImportError::OutOfRange(_)),
        ),
        (
            "end beyond the text",
            project(&qualcoder("internal://t.txt", &selection(1, 3, 99, C1, false))),
            |e| matches!(e, ImportError::OutOfRange(_)),
        ),
        (
            "negative position",
            project(&qualcoder(
                "internal://t.txt",
                &selection(1, 3, 7, C1, false).replace("startPosition=\"3\"", "startPosition=\"-3\""),
            )),
            |e| matches!(e, ImportError::WrongType { .. }),
        ),
        (
            "duplicate GUIDs",
            project(&qualcoder(
                "internal://t.txt",
                &[selection(1, 3, 7, C1, false), selection(1, 8, 11, C1, false)].concat(),
            )),
            |e| matches!(e, ImportError::DuplicateId(_)),
        ),
        (
            "an unknown code",
            project(&qualcoder("internal://t.txt", &selection(1, 3, 7, U1, false))),
            |e| matches!(e, ImportError::UnknownTheme(_)),
        ),
        (
            "a missing source text",
            zip_of(&[("project.qde", good.as_bytes())]),
            |e| matches!(e, ImportError::MissingEntry(_)),
        ),
        ("a bad GUID", project(&good.replace(C1, "nope")), |e| {
            matches!(e, ImportError::WrongType { .. })
        }),
        (
            "too deep",
            project(&format!("{}{}", "<a>".repeat(200), "</a>".repeat(200))),
            |e| *e == ImportError::TooDeep,
        ),
    ];
    for (what, bytes, ok) in cases {
        match import_project(&bytes, &doc, &s) {
            Err(e) => {
                assert!(ok(&e), "{what}: {e:?}");
                assert!(!e.message().is_empty());
            }
            Ok(_) => panic!("{what}: accepted"),
        }
    }
    let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES).map(|i| (format!("f{i}"), Vec::new())).collect();
    let many: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    let stored = {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        for (name, _) in &many {
            z.start_file(*name, o).unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    assert_eq!(
        import_project(&stored, &doc, &s),
        Err(ImportError::TooManyEntries(MAX_ENTRIES))
    );

    for (what, xml) in [
        ("empty", ""),
        (
            "doctype",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><CodeBook><Codes/></CodeBook>",
        ),
        ("malformed", "<CodeBook><Codes></CodeBook>"),
        ("no codes", "<CodeBook><Codes/></CodeBook>"),
        ("project", "<Project/>"),
    ] {
        assert!(import_codebook(xml.as_bytes(), &store()).is_err(), "{what}");
    }
}

#[test]
fn dates_parse() {
    assert_eq!(parse_secs("2022-07-14T02:22:41Z"), Some(1_657_765_361));
    assert_eq!(parse_secs("2022-07-14T10:22:41.5+08:00"), Some(1_657_765_361));
    assert_eq!(parse_secs("2022-07-14T02:22:41"), Some(1_657_765_361));
    assert_eq!(parse_secs("yesterday"), None);
    assert_eq!(parse_secs(" 2022-07-14T02:22:41 "), Some(1_657_765_361));
    assert_eq!(parse_secs("2022-07-14T02:22:4一二"), None);
    assert_eq!(parse_secs("一二三四五六七八九十"), None);
}

proptest::proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2000)) {
        let doc = Document::parse("标题\n第一段。");
        let s = store();
        let _ = import_project(&bytes, &doc, &s);
        let _ = import_codebook(&bytes, &store());
    }

    #[test]
    fn damaged_projects_never_panic(cut in 0usize..4000, flip in 0usize..4000, bit in 0u8..8) {
        let doc = Document::parse(SPEECH);
        let s = tagged(&doc);
        let mut bytes = export_project(&doc, &s, &["me"], "2026-01-02T03:04:05Z");
        let n = bytes.len();
        bytes[flip % n] ^= 1 << bit;
        bytes.truncate(n - cut % n);
        let _ = import_project(&bytes, &doc, &s);
    }
}

#[test]
fn guids_are_version_5_uuids_in_our_namespace() {
    assert_eq!(
        NAMESPACE,
        uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:speech-annotator:refi-qda")
    );
    let g = uuid::Uuid::parse_str(&code_guid("trade")).unwrap();
    assert_eq!(g.get_version_num(), 5);
    assert_eq!(g.get_variant(), uuid::Variant::RFC4122);
    let mut name = Vec::new();
    for part in ["code", "trade"] {
        name.extend_from_slice(&(part.len() as u64).to_le_bytes());
        name.extend_from_slice(part.as_bytes());
    }
    assert_eq!(g, uuid::Uuid::new_v5(&NAMESPACE, &name));
    // Lengths keep the parts apart.
    assert_ne!(guid(&["ab", "c"]), guid(&["a", "bc"]));
    // The forms the schema does not allow are refused.
    assert_eq!(normalize_guid(&g.simple().to_string()), None);
    assert_eq!(normalize_guid(&g.urn().to_string()), None);
    assert_eq!(
        normalize_guid(" {1B2C798E-66A0-577F-8ECC-B730035C015F} ").as_deref(),
        Some(LEGACY_TRADE)
    );
}

/// The GUIDs earlier versions wrote for the theme `trade` and the set `me`.
const LEGACY_TRADE: &str = "1b2c798e-66a0-577f-8ecc-b730035c015f";
const LEGACY_ME: &str = "16cbe276-1b83-5fd1-9ee0-78b6078daf1d";

#[test]
fn legacy_guids_are_the_ones_earlier_versions_wrote() {
    assert_eq!(legacy_guid(&["code", "trade"]), LEGACY_TRADE);
    assert_eq!(legacy_guid(&["user", "me"]), LEGACY_ME);
    assert_eq!(
        legacy_guid(&["user", CONSENSUS]),
        "1cba7a11-771a-5ae6-b127-6679d6e7ac5b"
    );
    assert_ne!(code_guid("trade"), LEGACY_TRADE);
    assert_ne!(user_guid("me"), LEGACY_ME);
}

/// `xml` with every theme's and set's current GUID replaced by the one
/// earlier versions wrote.
fn with_legacy_guids(xml: &str, store: &Store) -> String {
    let mut xml = xml.to_string();
    for id in store.themes.keys() {
        xml = xml.replace(&code_guid(id), &legacy_guid(&["code", id]));
    }
    for id in store.sets.keys().map(String::as_str).chain([CONSENSUS]) {
        xml = xml.replace(&user_guid(id), &legacy_guid(&["user", id]));
    }
    xml
}

#[test]
fn an_old_codebook_still_finds_its_themes() {
    let doc = Document::parse(SPEECH);
    let s = tagged(&doc);
    let old = with_legacy_guids(&export_codebook(&s), &s);
    assert!(old.contains(LEGACY_TRADE));

    // Through the theme id in the description, even in a store without the theme.
    let (themes, _) = import_codebook(old.as_bytes(), &store()).unwrap();
    let mut ids: Vec<&str> = themes.iter().map(|t| t.id.as_str()).collect();
    let mut want: Vec<&str> = s.themes().iter().map(|t| t.id.as_str()).collect();
    ids.sort_unstable();
    want.sort_unstable();
    assert_eq!(ids, want);

    // Through the old GUID alone, where another tool dropped the description.
    let bare = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="{CODEBOOK_NS}" origin="other tool">
  <Codes>
    <Code guid="{{{}}}" name="Trade" isCodable="true" color="#112233"/>
    <Code guid="{}" name="User&apos;s" isCodable="true"/>
  </Codes>
</CodeBook>"##,
        LEGACY_TRADE.to_uppercase(),
        legacy_guid(&["code", "u-1"]),
    );
    let (themes, _) = import_codebook(bare.as_bytes(), &s).unwrap();
    let ids: Vec<&str> = themes.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["trade", "u-1"]);
    // A store without the theme gets a REFI id, keyed by the GUID.
    let (themes, _) = import_codebook(bare.as_bytes(), &store()).unwrap();
    assert_eq!(themes[0].id, "trade", "a built-in theme");
    assert_eq!(themes[1].id, format!("refi-{}", legacy_guid(&["code", "u-1"])));
}

#[test]
fn an_old_project_still_finds_its_themes_and_coders() {
    let doc = Document::parse(SPEECH);
    let s = with_consensus(&doc);
    let bytes = export_project(&doc, &s, &["me", CONSENSUS], "2026-01-02T03:04:05Z");
    let mut archive = Archive::open(&bytes).unwrap();
    let qde = String::from_utf8(archive.read(archive.find("project.qde").unwrap()).unwrap()).unwrap();
    let text = archive.read(1).unwrap();
    let source = archive.names[1].0.clone();
    let old = with_legacy_guids(&qde, &s);
    assert!(old.contains(LEGACY_ME) && old.contains(LEGACY_TRADE));
    let old = zip_of(&[("project.qde", old.as_bytes()), (&source, &text)]);

    // A fresh store (no consensus set yet, only built-in themes).
    let got = import_project(&old, &doc, &store()).unwrap();
    let mut sets: Vec<(&str, SetKind)> = got.sets.iter().map(|x| (x.id.as_str(), x.kind)).collect();
    sets.sort_unstable_by_key(|(id, _)| *id);
    assert_eq!(sets, [(CONSENSUS, SetKind::Consensus), ("me", SetKind::Coder)]);
    let me = got.sets.iter().find(|x| x.id == "me").unwrap();
    assert_eq!(incoming_annotations(me), annotations(&s, "me"));
    assert!(got.preview(&doc, &s).new_themes.is_empty());
}

#[test]
fn xml_escaping_round_trips() {
    let doc = Document::parse("标题\n第一段。\n第二段。");
    let mut s = Store::new(
        "tab",
        &AnnotationSet::new("me", "A\t\"B\" <C> & 'D'\u{1}", "#333333", SetKind::Coder),
    );
    let p = doc.taggable().next().unwrap().id.clone();
    let note = "一 <b>&amp;</b>\r\n二\t\"三\"\n四]]>";
    s.apply(Command::Note {
        set: "me".into(),
        block: p.clone(),
        text: note.into(),
    })
    .unwrap();
    let bytes = export_project(&doc, &s, &["me"], "");
    let got = import_project(&bytes, &doc, &s).unwrap();
    let set = &got.sets[0];
    assert_eq!(set.name, "A\t\"B\" <C> & 'D'", "the control char is dropped");
    assert_eq!(
        set.notes.get(&p).map(String::as_str),
        Some(s.sets["me"].notes[&p].text.as_str())
    );
}

#[test]
fn xml_limits_hold() {
    let nested = |n: usize| format!("{}{}", "<a>".repeat(n), "</a>".repeat(n));
    assert!(parse_xml(nested(MAX_DEPTH).as_bytes()).is_ok());
    assert_eq!(
        parse_xml(nested(MAX_DEPTH + 1).as_bytes()).err(),
        Some(ImportError::TooDeep)
    );
    let wide = |n: usize| format!("<r>{}</r>", "<a/>".repeat(n));
    assert!(parse_xml(wide(MAX_ELEMENTS - 1).as_bytes()).is_ok());
    assert!(matches!(
        parse_xml(wide(MAX_ELEMENTS).as_bytes()),
        Err(ImportError::TooLong {
            limit: MAX_ELEMENTS,
            ..
        })
    ));
    for (what, xml) in [
        ("an empty doctype", "<!DOCTYPE r><r/>"),
        ("an external doctype", "<!DOCTYPE r SYSTEM \"http://x/r.dtd\"><r/>"),
        (
            "an external entity",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
        ),
    ] {
        assert_eq!(parse_xml(xml.as_bytes()).err(), Some(ImportError::Doctype), "{what}");
    }
    match parse_xml(b"<r><a></r>") {
        Err(ImportError::NotXml(m)) => assert!(m.contains("1:"), "{m}"),
        other => panic!("{other:?}"),
    }
    match parse_xml(b"<r><a>") {
        Err(ImportError::NotXml(m)) => assert!(m.contains("truncated"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_code_group_refers_to_a_code_and_is_not_a_duplicate() {
    let bytes = include_bytes!("../../../tests/cases/refi/codebook-with-set.qdc");
    let store = store();
    let (themes, codebook) = import_codebook(bytes, &store).unwrap();
    let code1: Vec<_> = themes.iter().filter(|t| t.label().contains("code1")).collect();
    assert_eq!(code1.len(), 1, "{themes:?}");
    assert_eq!(code1[0].color.to_lowercase(), "#46aa00");
    assert_eq!(codebook[&code1[0].id].definition, "description");
    // a code defined twice is still refused
    let twice =
        String::from_utf8_lossy(bytes).replace("<MemberCode guid=\"1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294\" />", "");
    let twice = twice.replace(
        "</Codes>",
        "<Code guid=\"1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294\" name=\"again\" isCodable=\"true\"/></Codes>",
    );
    assert!(matches!(
        import_codebook(twice.as_bytes(), &store),
        Err(ImportError::DuplicateId(_))
    ));
}

#[test]
fn a_qde_named_after_the_project_is_read_as_atlas_ti_writes_it() {
    let bytes = include_bytes!("../../../tests/cases/refi/qde-not-named-project.qdpx");
    let doc = Document::parse(include_str!(
        "../../../tests/cases/refi/qde-not-named-project.speech.txt"
    ));
    let store = store();
    let incoming = import_project(bytes, &doc, &store).unwrap();
    let first = doc.taggable().next().unwrap();
    assert_eq!(first.text, "我们要扩大有效投资。");
    let tags: Vec<_> = incoming.sets.iter().flat_map(|s| &s.tags).collect();
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].block, first.id);
    let label = incoming
        .themes
        .iter()
        .find(|t| t.id == tags[0].theme)
        .map(|t| t.label())
        .or_else(|| store.theme(&tags[0].theme).map(|t| t.label()))
        .unwrap();
    assert!(label.contains("投资"), "{label}");
}

#[test]
fn a_source_path_without_a_scheme_is_found_in_a_lower_case_sources_folder() {
    let bytes = include_bytes!("../../../tests/cases/refi/path-without-scheme.qdpx");
    let other = Document::parse("不相干的讲话\n一段文字。");
    let store = store();
    let incoming = import_project(bytes, &other, &store).unwrap();
    let text = incoming
        .document
        .text
        .clone()
        .expect("the source's text travels with it");
    assert!(text.starts_with("Title line"));
    // opened as its own document, the coding lands on its line
    let doc = Document::parse(&text);
    let again = import_project(bytes, &doc, &store).unwrap();
    let tags: Vec<_> = again.sets.iter().flat_map(|s| &s.tags).collect();
    assert_eq!(tags.len(), 1);
    assert_eq!(doc.block(&tags[0].block).unwrap().text, "First comment here.");
}

#[test]
fn codings_of_another_document_never_attach_by_position() {
    let bytes = include_bytes!("../../../tests/cases/refi/other-document.qdpx");
    let doc = Document::parse(SPEECH);
    let store = store();
    let incoming = import_project(bytes, &doc, &store).unwrap();
    let preview = incoming.preview(&doc, &store);
    assert_eq!(preview.matched_blocks, 0, "{preview:?}");
    assert!(incoming
        .sets
        .iter()
        .flat_map(|s| &s.tags)
        .all(|t| doc.block(&t.block).is_none()));
}

#[test]
fn opening_that_document_keeps_its_codings() {
    let bytes = include_bytes!("../../../tests/cases/refi/open-that-document.qdpx");
    let store = store();
    // read against another document: nothing attaches, the text travels
    let first = import_project(bytes, &Document::parse(SPEECH), &store).unwrap();
    let text = first.document.text.clone().expect("the source's text");
    // read again against that text, opened as a document (what "Open that document" does)
    let doc = Document::parse(&text);
    let again = import_project(bytes, &doc, &store).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut got: Vec<(String, String)> = again
        .sets
        .iter()
        .flat_map(|s| &s.tags)
        .map(|t| {
            let name = again
                .themes
                .iter()
                .find(|x| x.id == t.theme)
                .map(|x| x.label())
                .unwrap_or_default();
            (doc.block(&t.block).unwrap().text.clone(), name)
        })
        .collect();
    got.sort();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].0, lines[1].trim(), "11–30: the line after the title");
    assert!(got[0].1.contains("alpha code"), "{got:?}");
    assert_eq!(got[1].0, lines[3].trim(), "63–88");
    assert!(got[1].1.contains("beta code"), "{got:?}");
}
