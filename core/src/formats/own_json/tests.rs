//! Tests of the parent module.

use super::*;
use crate::exchange::{plan, IncomingTag, Mode};
use crate::store::MAX_NOTE;
use crate::store::{AnnotationSet, Command};
use proptest::prelude::*;
use serde_json::json;

const SPEECH: &str = include_str!("../../../../assets/speech-foreign-trade-2022-07-14.txt");

fn coded() -> (Document, Store) {
    let doc = Document::parse(SPEECH);
    let mut store = Store::new("tab", &AnnotationSet::new("me", "Li 李", "#333333", SetKind::Coder));
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    let tag = |b: &str, t: &str| Command::Tag {
        set: "me".into(),
        block: b.into(),
        theme: t.into(),
        present: true,
        how: TagOrigin::Hand,
        at: 1_657_765_361,
    };
    store
        .apply(Command::PutTheme(Theme {
            id: "u-1".into(),
            name_zh: "创新<b>".into(),
            name_en: "".into(),
            color: "#123456".into(),
            key: Some(5),
        }))
        .unwrap();
    for (b, t) in [
        (&p[1], "trade"),
        (&p[1], "investment"),
        (&p[3], "u-1"),
        (&p[5], "environment"),
    ] {
        store.apply(tag(b, t)).unwrap();
    }
    store.apply(tag(&p[6], "trade")).unwrap();
    store
        .apply(Command::Tag {
            set: "me".into(),
            block: p[6].clone(),
            theme: "trade".into(),
            present: false,
            how: TagOrigin::Hand,
            at: 0,
        })
        .unwrap();
    store
        .apply(Command::Note {
            set: "me".into(),
            block: p[1].clone(),
            text: "贸易与投资 \"quoted\", <script>".into(),
        })
        .unwrap();
    for b in [&p[2], &p[7]] {
        store
            .apply(Command::Uncoded {
                set: "me".into(),
                block: b.clone(),
                on: true,
            })
            .unwrap();
    }
    (doc, store)
}

fn exported(doc: &Document, store: &Store, include_text: bool) -> String {
    export(
        doc,
        store,
        &ExportOptions {
            sets: &["me"],
            include_text,
            exported_at: "2026-11-25T04:59:40Z",
            app_version: "0.1.0",
            annotator: Some("me"),
            terms: None,
        },
    )
}

/// A file that fills every field the writer can write: the text, a
/// codebook with a sub-theme, a consensus set with an accepted suggestion,
/// and key terms. `export-v1.json` beside this file is this export as the
/// first writer (the `json!` one) wrote it, byte for byte.
fn full_sample() -> String {
    let (doc, mut store) = coded();
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    store
        .apply(Command::PutCodebook {
            theme: "investment".into(),
            entry: crate::store::Codebook {
                definition: "吸引和利用外资".into(),
                when_to_use: "提到外资项目时".into(),
                when_not_to_use: "只谈内资时".into(),
                example: "招商引资".into(),
                parent: None,
            },
        })
        .unwrap();
    store
        .apply(Command::PutCodebook {
            theme: "u-1".into(),
            entry: crate::store::Codebook {
                definition: "加工贸易".into(),
                parent: Some("trade".into()),
                ..Default::default()
            },
        })
        .unwrap();
    store
        .apply(Command::AddSet(Box::new(AnnotationSet::new(
            crate::compare::CONSENSUS,
            "共识 · Consensus",
            "#444444",
            SetKind::Consensus,
        ))))
        .unwrap();
    store
        .apply(Command::Tag {
            set: crate::compare::CONSENSUS.into(),
            block: p[1].clone(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Suggestion,
            at: 1_657_765_400,
        })
        .unwrap();
    // The first writer's default method, written explicitly since the
    // default became `auto`.
    let mut terms = TermSettings {
        top_k: 12,
        method: crate::terms::Method::Fused,
        ..Default::default()
    };
    terms.curation.added.push("外经贸调度".into());
    terms.curation.dropped.push("工作".into());
    terms.curation.pinned.push("招商引资".into());
    export(
        &doc,
        &store,
        &ExportOptions {
            sets: &["me", crate::compare::CONSENSUS],
            include_text: true,
            exported_at: "2026-11-25T04:59:40Z",
            app_version: "0.1.0",
            annotator: Some("me"),
            terms: Some(&terms),
        },
    )
}

fn fresh() -> Store {
    Store::new("tab2", &AnnotationSet::new("you", "Wang", "#999999", SetKind::Coder))
}

/// Live tags, notes and not-coded marks of a set, for comparing stores.
type Pairs = Vec<(String, String)>;

fn live(store: &Store, set: &str) -> (Pairs, Pairs, Vec<String>) {
    let s = &store.sets[set];
    (
        s.tags
            .iter()
            .filter(|(_, e)| e.present)
            .map(|(k, _)| (k.block.clone(), k.theme.clone()))
            .collect(),
        s.notes
            .iter()
            .filter(|(_, n)| !n.text.is_empty())
            .map(|(k, n)| (k.clone(), n.text.clone()))
            .collect(),
        s.uncoded.iter().filter(|(_, u)| u.on).map(|(k, _)| k.clone()).collect(),
    )
}

#[test]
fn export_then_import_gives_the_same_annotations() {
    let (doc, store) = coded();
    let raw = exported(&doc, &store, true);
    let inc = import(&raw, &fresh()).unwrap();
    assert_eq!(inc.annotator.as_deref(), Some("Li 李"));
    assert_eq!(inc.document.text.as_deref(), Some(doc.text.as_str()));
    let preview = inc.preview(&doc, &fresh());
    assert_eq!((preview.tags, preview.notes, preview.unmatched_blocks), (4, 1, 0));
    assert!(preview.same_document);
    // replace into a fresh store: the same live tags and notes as the original
    let mut target = fresh();
    target.apply(plan(&inc, Mode::Replace, &doc, &target, "you")).unwrap();
    assert_eq!(live(&target, "you"), live(&store, "me"));
    assert_eq!(target.theme("u-1"), store.theme("u-1"));
    // the round trip is stable
    let again = export(
        &doc,
        &target,
        &ExportOptions {
            sets: &["you"],
            include_text: true,
            exported_at: "2026-11-25T04:59:40Z",
            app_version: "0.1.0",
            annotator: Some("you"),
            terms: None,
        },
    );
    assert_eq!(import(&again, &fresh()).unwrap().sets[0].tags, inc.sets[0].tags);
}

#[test]
fn key_term_curation_travels_and_merges_without_undoing_a_pin() {
    let (doc, store) = coded();
    let mut theirs = TermSettings {
        top_k: 12,
        ..Default::default()
    };
    theirs.curation.added.push("外经贸调度".into());
    theirs
        .curation
        .dropped
        .extend(["园区".to_string(), "稳外贸".to_string()]);
    theirs.curation.pinned.push("招商引资".into());
    let raw = export(
        &doc,
        &store,
        &ExportOptions {
            sets: &["me"],
            include_text: false,
            exported_at: "2026-11-25T04:59:40Z",
            app_version: "0.1.0",
            annotator: Some("me"),
            terms: Some(&theirs),
        },
    );
    let inc = import(&raw, &fresh()).unwrap();
    assert_eq!(inc.terms.as_ref(), Some(&theirs), "round trip");

    let mut mine = TermSettings::default();
    mine.curation.pinned.push("园区".into());
    let merged = crate::exchange::merge_terms(&mine, inc.terms.as_ref(), Mode::Merge).unwrap();
    assert_eq!(merged.top_k, mine.top_k, "a merge keeps my settings");
    assert_eq!(merged.curation.added, ["外经贸调度"]);
    assert_eq!(merged.curation.dropped, ["稳外贸"], "my pinned 园区 is not dropped");
    assert_eq!(merged.curation.pinned, ["园区", "招商引资"]);
    assert_eq!(
        crate::exchange::merge_terms(&merged, inc.terms.as_ref(), Mode::Merge),
        None,
        "idempotent"
    );
    assert_eq!(
        crate::exchange::merge_terms(&mine, inc.terms.as_ref(), Mode::Replace),
        Some(theirs.clone())
    );
    assert_eq!(
        crate::exchange::merge_terms(&mine, inc.terms.as_ref(), Mode::SideBySide),
        None
    );
    assert_eq!(crate::exchange::merge_terms(&mine, None, Mode::Merge), None);

    // bad key-term fields are refused with their path
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&raw).unwrap();
        f(&mut v);
        import(&v.to_string(), &fresh())
    };
    for (what, r) in [
        ("topK 0", with(&|v| v["keyTerms"]["topK"] = json!(0))),
        ("method", with(&|v| v["keyTerms"]["method"] = json!("magic"))),
        (
            "long term",
            with(&|v| v["keyTerms"]["added"] = json!(["长".repeat(41)])),
        ),
        ("not a string", with(&|v| v["keyTerms"]["dropped"] = json!([1]))),
        ("not an object", with(&|v| v["keyTerms"] = json!([]))),
    ] {
        assert!(r.is_err(), "{what}: {r:?}");
    }
    assert!(with(&|v| v["keyTerms"] = Value::Null).unwrap().terms.is_none());
}

/// A file the first writer wrote imports, and today's writer still writes
/// it byte for byte.
#[test]
fn the_committed_export_of_the_first_writer_imports_and_is_written_the_same() {
    const SAMPLE: &str = include_str!("export-v1.json");
    assert!(full_sample() == SAMPLE, "the writer's output changed");
    let inc = import(SAMPLE, &fresh()).unwrap();
    let (doc, _) = coded();
    assert_eq!(inc.annotator.as_deref(), Some("Li 李"));
    assert_eq!(inc.app.as_deref(), Some("speech-annotator 0.1.0"));
    assert_eq!(inc.exported_at.as_deref(), Some("2026-11-25T04:59:40Z"));
    assert_eq!(inc.document.fingerprint, doc.fingerprint);
    assert_eq!(inc.document.text.as_deref(), Some(doc.text.as_str()));
    assert_eq!(inc.document.title, doc.title);
    assert_eq!(inc.themes.len(), 5);
    assert_eq!(inc.themes[4].key, Some(5));
    assert_eq!(inc.codebook["investment"].when_not_to_use, "只谈内资时");
    assert_eq!(inc.codebook["u-1"].parent.as_deref(), Some("trade"));
    let [me, consensus] = &inc.sets[..] else {
        panic!("two sets: {:?}", inc.sets)
    };
    assert_eq!(
        (me.kind, me.tags.len(), me.notes.len(), me.uncoded.len()),
        (SetKind::Coder, 4, 1, 2)
    );
    assert_eq!(consensus.kind, SetKind::Consensus);
    assert_eq!(consensus.color, "#444444");
    assert_eq!(
        consensus.tags,
        [IncomingTag {
            block: doc.taggable().nth(1).unwrap().id.clone(),
            theme: "trade".into(),
            at: 1_657_765_400,
            how: TagOrigin::Suggestion,
        }]
    );
    let terms = inc.terms.unwrap();
    assert_eq!(
        (terms.top_k, terms.curation.pinned.as_slice()),
        (12, ["招商引资".to_string()].as_slice())
    );
    assert_eq!(terms.allowed_pos, TermSettings::default().allowed_pos);
}

/// Every wrong field is named by its JSON path, with what it should be.
#[test]
fn a_wrong_field_is_named_by_its_path() {
    let raw = full_sample();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v: Value = serde_json::from_str(&raw).unwrap();
        f(&mut v);
        import(&v.to_string(), &fresh())
    };
    let wrong = |field: &str, expected: &'static str| {
        Err(ImportError::WrongType {
            field: field.into(),
            expected,
        })
    };
    let long = |field: &str, limit: usize| {
        Err(ImportError::TooLong {
            field: field.into(),
            limit,
        })
    };
    let remove = |v: &mut Value, key: &str| {
        v.as_object_mut().unwrap().remove(key);
    };
    type Read = Result<Incoming, ImportError>;
    let cases: Vec<(&str, Read, Read)> = vec![
        (
            "type a number",
            with(&|v| v["type"] = json!(5)),
            wrong("type", "string"),
        ),
        (
            "no type",
            with(&|v| remove(v, "type")),
            Err(ImportError::Missing("type".into())),
        ),
        (
            "another type before a bad version",
            with(&|v| {
                v["type"] = json!("x".repeat(100));
                v["version"] = json!("one");
            }),
            Err(ImportError::UnknownFormat("x".repeat(60))),
        ),
        (
            "version a string",
            with(&|v| v["version"] = json!("1")),
            wrong("version", "integer"),
        ),
        ("version 0", with(&|v| v["version"] = json!(0)), wrong("version", "1")),
        (
            "a newer version before its fields",
            with(&|v| {
                v["version"] = json!(3);
                remove(v, "sets");
            }),
            Err(ImportError::NewerVersion { found: 3, supported: 1 }),
        ),
        (
            "document a number",
            with(&|v| v["document"] = json!(5)),
            wrong("document", "object"),
        ),
        (
            "no fingerprint",
            with(&|v| remove(&mut v["document"], "fingerprint")),
            Err(ImportError::Missing("document.fingerprint".into())),
        ),
        (
            "a fingerprint in capitals",
            with(&|v| v["document"]["fingerprint"] = json!("1A5219364FA3F97F")),
            wrong("document.fingerprint", "16 hex digits (0-9, a-f)"),
        ),
        (
            "a block of no kind",
            with(&|v| v["document"]["blocks"][2]["kind"] = json!("footer")),
            wrong(
                "document.blocks[2].kind",
                "\"title\", \"meta\", \"heading\", \"paragraph\" or \"residue\"",
            ),
        ),
        (
            "a block offset below 0",
            with(&|v| v["document"]["blocks"][0]["end"] = json!(-1)),
            wrong("document.blocks[0].end", "a char offset (integer)"),
        ),
        (
            "a long title",
            with(&|v| v["document"]["title"] = json!("长".repeat(501))),
            long("document.title", 500),
        ),
        (
            "sets a string",
            with(&|v| v["sets"] = json!("all of them")),
            wrong("sets", "array"),
        ),
        (
            "a set a number",
            with(&|v| v["sets"][1] = json!(5)),
            wrong("sets[1]", "object"),
        ),
        (
            "a set without a name",
            with(&|v| remove(&mut v["sets"][1], "name")),
            Err(ImportError::Missing("sets[1].name".into())),
        ),
        (
            "a set of another kind",
            with(&|v| v["sets"][0]["kind"] = json!("referee")),
            wrong("sets[0].kind", "\"coder\" or \"consensus\""),
        ),
        (
            "a set colour too long",
            with(&|v| v["sets"][0]["color"] = json!("#1234567")),
            long("sets[0].color", 7),
        ),
        (
            "a tag before 1970",
            with(&|v| v["sets"][0]["tags"][1]["at"] = json!(-1)),
            wrong("sets[0].tags[1].at", "seconds (integer)"),
        ),
        (
            "a tag set by a robot",
            with(&|v| v["sets"][0]["tags"][0]["how"] = json!("robot")),
            wrong("sets[0].tags[0].how", "\"hand\" or \"suggestion\""),
        ),
        (
            "a tag on an empty block id",
            with(&|v| v["sets"][0]["tags"][0]["block"] = json!("")),
            wrong("sets[0].tags[0].block", "a block id (string)"),
        ),
        (
            "a note too long",
            with(&|v| v["sets"][0]["notes"][0]["text"] = json!("长".repeat(MAX_NOTE + 1))),
            long("sets[0].notes[0].text", MAX_NOTE),
        ),
        (
            "a not-coded block a number",
            with(&|v| v["sets"][0]["uncoded"][1] = json!(7)),
            wrong("sets[0].uncoded[1]", "a block id (string)"),
        ),
        (
            "a key out of a byte",
            with(&|v| v["themes"][0]["key"] = json!(300)),
            wrong("themes[0].key", "a digit 1–9 or null"),
        ),
        (
            "a codebook a string",
            with(&|v| v["themes"][0]["codebook"] = json!("吸引外资")),
            wrong("themes[0].codebook", "a codebook entry"),
        ),
        (
            "a codebook field too long",
            with(&|v| v["themes"][0]["codebook"]["example"] = json!("例".repeat(4001))),
            long("themes[0].codebook.example", 4000),
        ),
        (
            "a theme id too long",
            with(&|v| v["themes"][1]["id"] = json!("t".repeat(65))),
            long("themes[1].id", 64),
        ),
        (
            "keyTerms an array",
            with(&|v| v["keyTerms"] = json!([])),
            wrong("keyTerms", "object"),
        ),
        (
            "topK 0",
            with(&|v| v["keyTerms"]["topK"] = json!(0)),
            wrong("keyTerms.topK", "an integer from 1 to 500"),
        ),
        (
            "a method of no name",
            with(&|v| v["keyTerms"]["method"] = json!("magic")),
            wrong("keyTerms.method", "\"tfidf\", \"textrank\" or \"fused\""),
        ),
        (
            "a blank term",
            with(&|v| v["keyTerms"]["pinned"] = json!(["招商引资", " \u{3000}"])),
            wrong("keyTerms.pinned[1]", "a term of 1–40 characters"),
        ),
        (
            "too many terms",
            with(&|v| v["keyTerms"]["dropped"] = json!(vec!["词"; 2001])),
            long("keyTerms.dropped", 2000),
        ),
    ];
    for (what, got, want) in cases {
        assert_eq!(got, want, "{what}");
    }
    let e = with(&|v| v["sets"][0]["tags"][1]["at"] = json!(1.5)).unwrap_err();
    assert_eq!(
        e.message(),
        "字段 sets[0].tags[1].at 应为 seconds (integer) · Field sets[0].tags[1].at should be seconds (integer)"
    );
}

/// What the reader lets pass: fields it does not know (a later version-1
/// writer may add some), `null` or nothing for an optional field, a set
/// colour that is not one (grey instead), white space around a term.
#[test]
fn unknown_fields_nulls_and_left_out_fields_are_read() {
    let mut v: Value = serde_json::from_str(&full_sample()).unwrap();
    v["comment"] = json!("from a later writer");
    v["document"]["language"] = json!("zh");
    v["sets"][0]["tags"][0]["confidence"] = json!(0.9);
    v["themes"][0]["codebook"]["notes"] = json!([]);
    for key in ["annotator", "app", "exportedAt", "keyTerms", "themes"] {
        v[key] = Value::Null;
    }
    let set = &mut v["sets"][0];
    for key in ["kind", "notes", "uncoded"] {
        set[key] = Value::Null;
    }
    set["color"] = json!("red");
    set["tags"] = json!([{ "block": "c342c736fb4e954e-0", "theme": "trade", "at": null, "how": null }]);
    let mut w = v.clone();
    w["sets"][1]["tags"] = json!([{ "block": "c342c736fb4e954e-0", "theme": "trade" }]);
    for key in ["kind", "color", "notes", "uncoded"] {
        w["sets"][1].as_object_mut().unwrap().remove(key);
    }
    w["keyTerms"] = json!({ "added": [" 外经贸调度 "] });
    for (v, second_kind, added) in [(v, SetKind::Consensus, None), (w, SetKind::Coder, Some("外经贸调度"))] {
        let inc = import(&v.to_string(), &fresh()).unwrap();
        assert_eq!((inc.annotator, inc.app, inc.exported_at), (None, None, None));
        assert!(inc.themes.is_empty());
        let s = &inc.sets[0];
        assert_eq!((s.kind, s.color.as_str(), s.tags.len()), (SetKind::Coder, "#5b6b7f", 1));
        assert_eq!((s.tags[0].at, s.tags[0].how), (0, TagOrigin::Hand));
        assert!(s.notes.is_empty() && s.uncoded.is_empty());
        assert_eq!(inc.sets[1].kind, second_kind);
        assert_eq!(inc.terms.is_some(), added.is_some(), "keyTerms null is no key terms");
        if let Some(t) = inc.terms {
            assert_eq!(t.curation.added, added.as_slice(), "trimmed");
            assert_eq!((t.top_k, t.allowed_pos), (30, TermSettings::default().allowed_pos));
        }
    }
}

#[test]
fn merge_is_a_union_with_notes_marked_by_author_and_undoable() {
    let (doc, theirs) = coded();
    let inc = import(&exported(&doc, &theirs, false), &fresh()).unwrap();
    let mut mine = fresh();
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    mine.apply(Command::Tag {
        set: "you".into(),
        block: p[2].clone(),
        theme: "accountability".into(),
        present: true,
        how: TagOrigin::Hand,
        at: 1,
    })
    .unwrap();
    mine.apply(Command::Note {
        set: "you".into(),
        block: p[1].clone(),
        text: "我的笔记".into(),
    })
    .unwrap();
    mine.apply(Command::Uncoded {
        set: "you".into(),
        block: p[1].clone(),
        on: true,
    })
    .unwrap();
    let before = mine.clone();
    let inverse = mine.apply(plan(&inc, Mode::Merge, &doc, &mine, "you")).unwrap();
    assert_eq!(mine.themes_of("you", &p[1]), ["investment", "trade"]);
    assert_eq!(mine.themes_of("you", &p[2]), ["accountability"], "own tags kept");
    assert!(mine.sets["you"].is_uncoded(&p[7]), "their not-coded mark comes in");
    assert!(
        !mine.sets["you"].is_uncoded(&p[2]),
        "but not over a paragraph we tagged"
    );
    assert!(
        !mine.sets["you"].is_uncoded(&p[1]),
        "a paragraph the file tags is coded now"
    );
    assert_eq!(
        mine.note("you", &p[1]),
        "我的笔记\n— Li 李: 贸易与投资 \"quoted\", <script>"
    );
    // merging the same file again changes nothing (duplicates folded)
    let twice = plan(&inc, Mode::Merge, &doc, &mine, "you");
    assert_eq!(twice, Command::Batch(vec![]));
    mine.apply(inverse).unwrap();
    assert_eq!(live(&mine, "you"), live(&before, "you"));
    assert!(mine.theme("u-1").is_none(), "the imported theme went with the undo");
}

#[test]
fn a_consensus_opened_side_by_side_stays_open_for_adjudication() {
    let (doc, mut theirs) = coded();
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    theirs
        .apply(Command::AddSet(Box::new(AnnotationSet::new(
            crate::compare::CONSENSUS,
            "共识 · Consensus",
            "#444444",
            SetKind::Consensus,
        ))))
        .unwrap();
    let raw = export(
        &doc,
        &theirs,
        &ExportOptions {
            sets: &["me", crate::compare::CONSENSUS],
            include_text: false,
            exported_at: "2026-11-25T04:59:40Z",
            app_version: "0.1.0",
            annotator: Some("me"),
            terms: None,
        },
    );
    let inc = import(&raw, &fresh()).unwrap();
    let mut mine = fresh();
    mine.apply(plan(&inc, Mode::SideBySide, &doc, &mine, "you")).unwrap();
    assert!(mine.sets["me"].readonly, "a coder is read-only");
    assert!(!mine.sets[crate::compare::CONSENSUS].readonly);
    let rule = crate::compare::adjudicate(&doc, &mine, &p[1], &crate::compare::Ruling::Coder("me".into()), 1);
    mine.apply(rule).unwrap();
    assert_eq!(
        mine.themes_of(crate::compare::CONSENSUS, &p[1]),
        ["investment", "trade"]
    );
}

#[test]
fn a_coders_status_travels_and_a_file_without_one_reads_as_derived() {
    let (doc, mut theirs) = coded();
    theirs.apply(theirs.toggle_done("me")).unwrap();
    let raw = exported(&doc, &theirs, false);
    assert!(raw.contains("\"status\": \"done\""), "{raw}");
    let inc = import(&raw, &fresh()).unwrap();
    assert_eq!(inc.sets[0].status, Some(crate::store::Status::Done));
    // side by side: the coder's set is done, and still read-only
    let mut mine = fresh();
    mine.apply(plan(&inc, Mode::SideBySide, &doc, &mine, "you")).unwrap();
    assert_eq!(mine.sets["me"].status(), crate::store::Status::Done);
    assert!(mine.sets["me"].readonly);
    // a replace takes it into one's own set; a merge leaves one's own alone
    let mut merged = fresh();
    merged.apply(plan(&inc, Mode::Merge, &doc, &merged, "you")).unwrap();
    assert_eq!(merged.sets["you"].status, None);
    let mut replaced = fresh();
    replaced
        .apply(plan(&inc, Mode::Replace, &doc, &replaced, "you"))
        .unwrap();
    assert_eq!(replaced.sets["you"].status, Some(crate::store::Status::Done));
    // a file written before statuses existed: in progress, derived from its tags
    let old = exported(&doc, &coded().1, false);
    assert!(!old.contains("\"status\""), "no status set, none written");
    let inc = import(&old, &fresh()).unwrap();
    assert_eq!(inc.sets[0].status, None);
    let mut mine = fresh();
    mine.apply(plan(&inc, Mode::SideBySide, &doc, &mine, "you")).unwrap();
    assert_eq!(mine.sets["me"].status(), crate::store::Status::InProgress);
    // a status that is not one of the three is refused, naming the field
    let bad = raw.replace("\"status\": \"done\"", "\"status\": \"finished\"");
    assert_eq!(
        import(&bad, &fresh()),
        Err(ImportError::WrongType {
            field: "sets[0].status".into(),
            expected: "\"not-started\", \"in-progress\" or \"done\"",
        })
    );
}

#[test]
fn side_by_side_opens_a_read_only_set() {
    let (doc, theirs) = coded();
    let inc = import(&exported(&doc, &theirs, false), &fresh()).unwrap();
    let mut mine = fresh();
    mine.apply(plan(&inc, Mode::SideBySide, &doc, &mine, "you")).unwrap();
    assert!(mine.sets["me"].readonly);
    assert_eq!(live(&mine, "me"), live(&theirs, "me"));
    assert!(live(&mine, "you").0.is_empty(), "own set untouched");
}

#[test]
fn a_file_for_an_edited_document_maps_by_paragraph_text_and_reports_the_rest() {
    let (doc, store) = coded();
    let raw = exported(&doc, &store, false);
    let p: Vec<_> = doc.taggable().collect();
    // the edited speech lost the paragraph that carried u-1 and gained another
    let edited = SPEECH.replace(&p[3].text, "一段新写的话。");
    let edited = Document::parse(&edited);
    let inc = import(&raw, &fresh()).unwrap();
    let preview = inc.preview(&edited, &fresh());
    assert!(!preview.same_document);
    assert_eq!((preview.matched_blocks, preview.unmatched_blocks), (2, 1));
    let mut target = fresh();
    target.apply(plan(&inc, Mode::Merge, &edited, &target, "you")).unwrap();
    let tagged: usize = live(&target, "you").0.len();
    assert_eq!(tagged, 3, "the tag on the missing paragraph is not attached anywhere");
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    let (doc, store) = coded();
    let good = exported(&doc, &store, true);
    let v: Value = serde_json::from_str(&good).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = v.clone();
        f(&mut v);
        v.to_string()
    };
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let huge_note = with(&|v| v["sets"][0]["notes"][0]["text"] = Value::String("长".repeat(MAX_NOTE + 1)));
    type Case = (&'static str, String, fn(&ImportError) -> bool);
    let cases: Vec<Case> = vec![
        ("empty", String::new(), |e| *e == ImportError::Empty),
        (
            "a 50 MB file",
            format!("{{\"type\":\"{}\"}}", "长".repeat(50 * 1024 * 1024 / 3)),
            |e| matches!(e, ImportError::TooLarge(n) if *n > 50_000_000),
        ),
        ("not json", "hello".into(), |e| matches!(e, ImportError::NotJson(_))),
        (
            "truncated",
            good.chars().take(good.chars().count() / 2).collect(),
            |e| matches!(e, ImportError::NotJson(_)),
        ),
        ("deep nesting", deep, |e| *e == ImportError::TooDeep),
        ("an array", "[1,2,3]".into(), |e| *e == ImportError::NotAnObject),
        ("wrong type", with(&|v| v["type"] = json!("something/else")), |e| {
            matches!(e, ImportError::UnknownFormat(_))
        }),
        ("newer version", with(&|v| v["version"] = json!(2)), |e| {
            matches!(e, ImportError::NewerVersion { found: 2, .. })
        }),
        (
            "missing sets",
            with(&|v| {
                v.as_object_mut().unwrap().remove("sets");
            }),
            |e| *e == ImportError::Missing("sets".into()),
        ),
        (
            "missing document",
            with(&|v| {
                v.as_object_mut().unwrap().remove("document");
            }),
            |e| *e == ImportError::Missing("document".into()),
        ),
        ("sets not an array", with(&|v| v["sets"] = json!("x")), |e| {
            matches!(e, ImportError::WrongType { .. })
        }),
        (
            "tag block a number",
            with(&|v| v["sets"][0]["tags"][0]["block"] = json!(3)),
            |e| matches!(e, ImportError::WrongType { field, .. } if field == "sets[0].tags[0].block"),
        ),
        ("huge note", huge_note, |e| matches!(e, ImportError::TooLong { .. })),
        (
            "duplicate theme",
            with(&|v| {
                let t = v["themes"][0].clone();
                v["themes"].as_array_mut().unwrap().push(t);
            }),
            |e| matches!(e, ImportError::DuplicateId(_)),
        ),
        (
            "duplicate set",
            with(&|v| {
                let s = v["sets"][0].clone();
                v["sets"].as_array_mut().unwrap().push(s);
            }),
            |e| matches!(e, ImportError::DuplicateId(_)),
        ),
        (
            "duplicate tag",
            with(&|v| {
                let t = v["sets"][0]["tags"][0].clone();
                v["sets"][0]["tags"].as_array_mut().unwrap().push(t);
            }),
            |e| matches!(e, ImportError::DuplicateId(_)),
        ),
        (
            "unknown theme",
            with(&|v| v["sets"][0]["tags"][0]["theme"] = json!("ghost")),
            |e| *e == ImportError::UnknownTheme("ghost".into()),
        ),
        (
            "bad colour",
            with(&|v| v["themes"][0]["color"] = json!("url(x)")),
            |e| matches!(e, ImportError::InvalidTheme { .. } | ImportError::TooLong { .. }),
        ),
        (
            "text not matching fingerprint",
            with(&|v| v["document"]["text"] = json!("别的文本")),
            |e| matches!(e, ImportError::WrongType { .. }),
        ),
        ("no sets", with(&|v| v["sets"] = json!([])), |e| {
            *e == ImportError::Nothing
        }),
    ];
    for (name, raw, ok) in cases {
        match import(&raw, &fresh()) {
            Err(e) => {
                assert!(ok(&e), "{name}: unexpected error {e:?}");
                assert!(!e.message().is_empty());
            }
            Ok(_) => panic!("{name}: accepted"),
        }
    }
}

#[test]
fn the_codebook_travels_with_the_file_and_reads_as_markdown() {
    let (doc, mut store) = coded();
    let entry = crate::store::Codebook {
        definition: "吸引和利用外资".into(),
        when_to_use: "提到外资项目时".into(),
        parent: None,
        ..Default::default()
    };
    store
        .apply(Command::PutCodebook {
            theme: "investment".into(),
            entry: entry.clone(),
        })
        .unwrap();
    let sub = crate::store::Codebook {
        definition: "加工贸易".into(),
        parent: Some("trade".into()),
        ..Default::default()
    };
    store
        .apply(Command::PutCodebook {
            theme: "u-1".into(),
            entry: sub,
        })
        .unwrap();
    let inc = import(&exported(&doc, &store, false), &fresh()).unwrap();
    assert_eq!(inc.codebook["investment"], entry);
    let mut target = fresh();
    target.apply(plan(&inc, Mode::Merge, &doc, &target, "you")).unwrap();
    assert_eq!(target.codebook("investment"), entry);
    assert_eq!(target.codebook("u-1").parent.as_deref(), Some("trade"));
    let md = crate::formats::markdown::codebook_markdown(&target, "讲话");
    assert!(md.contains("## 投资 investment") && md.contains("**定义 · Definition.** 吸引和利用外资"));
    assert!(md.contains("### 创新<b>"), "sub-theme under its parent: {md}");
    // a file without a codebook still imports
    let mut v: Value = serde_json::from_str(&exported(&doc, &store, false)).unwrap();
    for t in v["themes"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("codebook");
    }
    assert!(import(&v.to_string(), &fresh()).unwrap().codebook.is_empty());
}

#[test]
fn html_in_names_and_notes_is_kept_as_text() {
    let (doc, store) = coded();
    let inc = import(&exported(&doc, &store, false), &fresh()).unwrap();
    assert!(inc.themes.iter().any(|t| t.name_zh == "创新<b>"));
    assert!(inc.sets[0].notes.values().any(|n| n.contains("<script>")));
}

#[test]
fn csv_has_a_bom_a_row_per_paragraph_and_safe_cells() {
    let (doc, mut store) = coded();
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    store
        .apply(Command::Note {
            set: "me".into(),
            block: p[0].clone(),
            text: "=HYPERLINK(\"x\")".into(),
        })
        .unwrap();
    let csv = crate::formats::csv::csv(&doc, &store, &["me"]);
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + doc.taggable().count());
    assert!(lines[0].contains("投资 investment"));
    assert!(
        csv.contains("\"'=HYPERLINK(\"\"x\"\")\""),
        "formula neutralised and quoted"
    );
    let second = lines.iter().find(|l| l.contains(&p[1])).unwrap();
    assert!(second.contains(",1,1,0,0,0,0,"), "{second}");
    let third = lines.iter().find(|l| l.contains(&p[2])).unwrap();
    assert!(third.contains(",0,0,0,0,0,1,"), "not coded: {third}");

    // several coders: long format with a coder column
    store
        .apply(Command::AddSet(Box::new(AnnotationSet::new(
            "b",
            "Wang 王",
            "#999999",
            SetKind::Coder,
        ))))
        .unwrap();
    let both = crate::formats::csv::csv(&doc, &store, &["b", "me"]);
    let lines: Vec<&str> = both.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 2 * doc.taggable().count());
    assert!(lines[0].starts_with("\u{feff}block,block_id,kind,coder,coder_id,"));
    assert!(lines[1].contains(",Wang 王,b,"));
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,300}") {
        let _ = import(&s, &fresh());
    }

    #[test]
    fn mutated_files_never_panic(cut in 0usize..4000, junk in "[\\[\\]{}\",:0-9a-z]{0,8}") {
        let (doc, store) = coded();
        let raw = exported(&doc, &store, false);
        let cut = (0..=cut.min(raw.len())).rev().find(|i| raw.is_char_boundary(*i)).unwrap_or(0);
        let _ = import(&format!("{}{}{}", &raw[..cut], junk, &raw[cut..]), &fresh());
        let _ = import(&raw[..cut], &fresh());
    }
}

#[test]
fn a_file_with_a_byte_order_mark_and_a_name_that_disagrees_with_its_bytes() {
    let doc = Document::parse(SPEECH);
    let store = Store::new("t", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder));
    let opts = ExportOptions {
        sets: &["me"],
        include_text: false,
        exported_at: "2026-11-25T00:00:00Z",
        app_version: "test",
        annotator: None,
        terms: None,
    };
    let mut store2 = store.clone();
    let p = doc.taggable().next().unwrap().id.clone();
    store2
        .apply(crate::store::Command::Tag {
            set: "me".into(),
            block: p,
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 1,
        })
        .unwrap();
    let file = format!("\u{feff}{}", export(&doc, &store2, &opts));
    assert!(
        crate::formats::read(file.as_bytes(), &doc, &store).is_ok(),
        "a BOM is skipped"
    );
    assert!(matches!(
        crate::formats::read_named("project.qdpx", file.as_bytes(), &doc, &store),
        Err(ImportError::NotZip(_))
    ));
    assert!(matches!(
        crate::formats::read_named("codebook.qdc", b"{}", &doc, &store),
        Err(ImportError::NotXml(_))
    ));
    assert!(crate::formats::read_named("mine.json", file.as_bytes(), &doc, &store).is_ok());
}
