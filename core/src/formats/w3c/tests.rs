//! Tests of the parent module.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{json, Value};

use super::date_time::parse_date_time;
use super::iri::{self, decode, encode};
use super::*;
use crate::document::Block;
use crate::exchange::{plan, IncomingSet, Mode};
use crate::formats::dates::iso_utc;
use crate::formats::own_json::APP_NAME;
use crate::store::{AnnotationSet, Command, SetKind, TagOrigin, MAX_NOTE};
use crate::text::char_len;
use crate::themes::{is_hex_color, Theme, MAX_NAME};

const SPEECH: &str = include_str!("../../../../assets/speech-foreign-trade-2022-07-14.txt");
const CREATED: &str = "2026-11-25T04:59:40Z";

fn tag(set: &str, block: &str, theme: &str, at: u64) -> Command {
    Command::Tag {
        set: set.into(),
        block: block.into(),
        theme: theme.into(),
        present: true,
        how: TagOrigin::Hand,
        at,
    }
}

fn note(set: &str, block: &str, text: &str) -> Command {
    Command::Note {
        set: set.into(),
        block: block.into(),
        text: text.into(),
    }
}

fn fresh() -> Store {
    Store::new("tab", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder))
}

/// The built-in speech coded by "me": built-in and user themes (one
/// with an id that needs escaping), a removed tag, a suggestion, notes.
fn coded() -> (Document, Store) {
    let doc = Document::parse(SPEECH);
    let mut store = fresh();
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    store
        .apply(Command::PutTheme(Theme {
            id: "u-1 创新/x:y".into(),
            name_zh: "创新<b>".into(),
            name_en: "".into(),
            color: "#123456".into(),
            key: Some(5),
        }))
        .unwrap();
    for c in [
        tag("me", &p[1], "trade", 1_657_765_361),
        tag("me", &p[1], "investment", 1_657_765_362),
        tag("me", &p[3], "u-1 创新/x:y", 0),
        tag("me", &p[5], "environment", 1_700_000_000),
        tag("me", &p[6], "trade", 1),
        note("me", &p[1], "贸易与投资 \"quoted\", <script>\n第二行"),
        note("me", &p[4], "只有笔记"),
    ] {
        store.apply(c).unwrap();
    }
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
        .apply(Command::Tag {
            set: "me".into(),
            block: p[7].clone(),
            theme: "accountability".into(),
            present: true,
            how: TagOrigin::Suggestion,
            at: 1_700_000_001,
        })
        .unwrap();
    (doc, store)
}

/// Live (block, theme) pairs and notes of a store's set.
fn live(store: &Store, set: &str) -> (BTreeSet<(String, String)>, BTreeMap<String, String>) {
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
    )
}

fn incoming_live(set: &IncomingSet) -> (BTreeSet<(String, String)>, BTreeMap<String, String>) {
    (
        set.tags.iter().map(|t| (t.block.clone(), t.theme.clone())).collect(),
        set.notes.clone(),
    )
}

/// Ajv 4's "fast" uri format, which the W3C conformance suite applies.
fn is_uri(s: &str) -> bool {
    let scheme = s
        .char_indices()
        .take_while(|(i, c)| {
            if *i == 0 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_alphanumeric() || "+,-.".contains(*c)
            }
        })
        .count();
    let rest = &s[scheme..];
    let rest = rest.strip_prefix([':', '/']);
    rest.is_some_and(|r| !r.chars().any(char::is_whitespace))
}

fn items(v: &Value) -> &Vec<Value> {
    v["first"]["items"].as_array().unwrap()
}

#[test]
fn iso_utc_and_parse_date_time_are_inverse() {
    for (secs, iso) in [
        (0, "1970-01-01T00:00:00Z"),
        (1_657_765_361, "2022-07-14T02:22:41Z"),
        (951_782_400, "2000-02-29T00:00:00Z"),
        (4_107_542_400, "2100-03-01T00:00:00Z"),
        (1_709_164_799, "2024-02-28T23:59:59Z"),
        (MAX_SECS - 1, "9999-12-31T23:59:59Z"),
    ] {
        assert_eq!(iso_utc(secs), iso);
        assert_eq!(parse_date_time(iso), Some(secs), "{iso}");
    }
    assert_eq!(parse_date_time("2022-07-14T10:22:41+08:00"), Some(1_657_765_361));
    assert_eq!(parse_date_time("2022-07-13T21:52:41.250-04:30"), Some(1_657_765_361));
    assert_eq!(parse_date_time("2022-07-14t02:22:41z"), Some(1_657_765_361));
    assert_eq!(parse_date_time("1969-12-31T23:59:59Z"), None, "before the epoch");
    for bad in [
        "",
        "2022-07-14T02:22:41",
        "2022-07-14",
        "2022-02-29T00:00:00Z",
        "2022-13-01T00:00:00Z",
        "2022-07-14T24:00:00Z",
        "2022-07-14T02:22:41.Z",
        "2022-07-14T02:22:41+0800",
        "２０２２-07-14T02:22:41Z",
        "2022-07-14T02:22:41Zjunk",
    ] {
        assert_eq!(parse_date_time(bad), None, "{bad}");
    }
}

#[test]
fn percent_encoding_round_trips_and_keeps_only_unreserved_characters() {
    for s in ["me", "Li 李", "a:b/c%d", "u-1 创新/x:y", "𠀀", ""] {
        let e = encode(s);
        assert!(
            e.bytes().all(|b| b.is_ascii_alphanumeric() || b"._~-%".contains(&b)),
            "{e}"
        );
        assert_eq!(decode(&e).as_deref(), Some(s));
    }
    assert_eq!(encode("Li 李"), "Li%20%E6%9D%8E");
    for bad in ["%", "%4", "%zz", "%+1", "%FF"] {
        assert_eq!(decode(bad), None, "{bad}");
    }
}

#[test]
fn export_has_the_shape_the_w3c_model_requires() {
    let (doc, store) = coded();
    let v: Value = serde_json::from_str(&export(&doc, &store, &["me", "me", "ghost"], CREATED)).unwrap();
    assert_eq!(v["@context"], CONTEXT);
    assert_eq!(v["type"], "AnnotationCollection");
    assert_eq!(v["label"], "市长在全市外经贸工作调度会议上的讲话");
    assert_eq!(v["created"], CREATED);
    assert!(is_uri(v["id"].as_str().unwrap()));
    assert_eq!(v["first"]["type"], "AnnotationPage");
    assert!(is_uri(v["first"]["id"].as_str().unwrap()));
    let items = items(&v);
    // five live tags, two notes; the removed tag and the duplicate set are left out
    assert_eq!(items.len(), 7);
    assert_eq!(v["total"], 7);
    let mut ids = BTreeSet::new();
    for a in items {
        assert_eq!(a["@context"], CONTEXT);
        assert_eq!(a["type"], "Annotation");
        let id = a["id"].as_str().unwrap();
        assert!(is_uri(id), "{id}");
        assert!(ids.insert(id.to_string()), "duplicate id {id}");
        assert!(parse_date_time(a["created"].as_str().unwrap()).is_some());
        assert!(is_uri(a["creator"]["id"].as_str().unwrap()));
        assert_eq!(a["creator"]["name"], "Me");
        let body = &a["body"];
        assert!(body.get("id").is_none(), "a body with a purpose has no id");
        assert_eq!(body["type"], "TextualBody");
        assert_eq!(body["purpose"], a["motivation"]);
        assert_eq!(body["format"], "text/plain");
        let target = &a["target"];
        assert_eq!(
            target["source"],
            format!("urn:speech-annotator:doc:{}", doc.fingerprint)
        );
        let [quote, position] = target["selector"].as_array().unwrap().as_slice() else {
            panic!("two selectors")
        };
        let (start, end) = (
            position["start"].as_u64().unwrap() as usize,
            position["end"].as_u64().unwrap() as usize,
        );
        let block = doc.blocks.iter().find(|b| b.start == start && b.end == end).unwrap();
        assert_eq!(quote["exact"], block.text.as_str());
        assert!(char_len(quote["prefix"].as_str().unwrap()) <= CONTEXT_CHARS);
        assert!(doc.text[..doc.text.find(&block.text).unwrap()].ends_with(quote["prefix"].as_str().unwrap()));
    }
    let tagging: Vec<_> = items.iter().filter(|a| a["motivation"] == "tagging").collect();
    assert_eq!(tagging.len(), 5);
    assert!(tagging.iter().any(|a| a["body"]["value"] == "投资 investment"));
    assert!(tagging.iter().any(|a| a["body"]["value"] == "创新<b>"));
    assert_eq!(
        tagging.iter().filter(|a| a[HOW_KEY] == "suggestion").count(),
        1,
        "suggestions are marked"
    );
    let trade = tagging.iter().find(|a| a["body"]["value"] == "贸易 trade").unwrap();
    assert_eq!(
        trade["created"], "2022-07-14T02:22:41Z",
        "a tag is dated when it was set"
    );
    let untimed = tagging.iter().find(|a| a["body"]["value"] == "创新<b>").unwrap();
    assert_eq!(untimed["created"], CREATED, "an undated tag gets the export time");
    assert_eq!(v[THEMES_KEY].as_array().unwrap().len(), 5);
    assert_eq!(v[DOCUMENT_KEY]["fingerprint"], doc.fingerprint.as_str());
}

#[test]
fn a_bad_export_time_is_left_out_rather_than_written_invalid() {
    let (doc, store) = coded();
    let v: Value = serde_json::from_str(&export(&doc, &store, &["me"], "yesterday")).unwrap();
    assert!(v.get("created").is_none());
    let untimed = items(&v).iter().find(|a| a["body"]["value"] == "创新<b>").unwrap();
    assert!(untimed.get("created").is_none());
}

#[test]
fn export_then_import_gives_the_same_tags_and_notes() {
    let (doc, store) = coded();
    let raw = export(&doc, &store, &["me"], CREATED);
    let inc = import(&raw, &doc, &fresh()).unwrap();
    assert_eq!(inc.format, FORMAT);
    assert_eq!(inc.exported_at.as_deref(), Some(CREATED));
    assert_eq!(inc.app.as_deref(), Some(APP_NAME));
    assert_eq!(inc.annotator.as_deref(), Some("Me"));
    assert_eq!(inc.document.fingerprint, doc.fingerprint);
    assert_eq!(inc.document.title, doc.title);
    assert_eq!(inc.document.date, doc.date);
    assert_eq!(inc.document.text, None);
    assert_eq!(inc.sets.len(), 1);
    let set = &inc.sets[0];
    assert_eq!(
        (set.id.as_str(), set.name.as_str(), set.color.as_str()),
        ("me", "Me", "#333333")
    );
    assert_eq!(set.kind, SetKind::Coder);
    assert_eq!(incoming_live(set), live(&store, "me"));
    // ids, colours and keys of themes come back
    let u1 = inc.themes.iter().find(|t| t.id == "u-1 创新/x:y").unwrap();
    assert_eq!(Some(u1), store.theme("u-1 创新/x:y"));
    // times and origins come back
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    let find = |b: &str, t: &str| set.tags.iter().find(|x| x.block == b && x.theme == t).unwrap();
    assert_eq!(find(&p[1], "trade").at, 1_657_765_361);
    assert_eq!(find(&p[7], "accountability").how, TagOrigin::Suggestion);
    assert_eq!(find(&p[1], "trade").how, TagOrigin::Hand);
    let preview = inc.preview(&doc, &fresh());
    assert_eq!((preview.tags, preview.notes, preview.unmatched_blocks), (5, 2, 0));
    assert!(preview.same_document);
    assert_eq!(preview.new_themes, ["创新<b>"]);
    // replace into a fresh store: the same live tags and notes as the original
    let mut target = Store::new("tab2", &AnnotationSet::new("you", "Wang", "#999999", SetKind::Coder));
    target.apply(plan(&inc, Mode::Replace, &doc, &target, "you")).unwrap();
    assert_eq!(live(&target, "you"), live(&store, "me"));
    // and the round trip is stable
    let again = import(&export(&doc, &target, &["you"], CREATED), &doc, &fresh()).unwrap();
    assert_eq!(incoming_live(&again.sets[0]), incoming_live(set));
}

#[test]
fn several_sets_come_back_as_several_sets() {
    let (doc, mut store) = coded();
    let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
    let other = AnnotationSet::new("Li 李:2", "李老师", "#abcdef", SetKind::Consensus);
    store.apply(Command::AddSet(Box::new(other))).unwrap();
    store.apply(tag("Li 李:2", &p[2], "trade", 5)).unwrap();
    store.apply(tag("Li 李:2", &p[1], "trade", 5)).unwrap();
    let inc = import(&export(&doc, &store, &["me", "Li 李:2"], CREATED), &doc, &fresh()).unwrap();
    assert_eq!(inc.sets.len(), 2);
    assert_eq!(inc.annotator, None);
    let li = inc.sets.iter().find(|s| s.id == "Li 李:2").unwrap();
    assert_eq!(
        (li.name.as_str(), li.color.as_str(), li.kind),
        ("李老师", "#abcdef", SetKind::Consensus)
    );
    assert_eq!(incoming_live(li), live(&store, "Li 李:2"));
}

#[test]
fn an_edited_speech_places_tags_by_quote_and_reports_the_rest() {
    let (doc, store) = coded();
    let raw = export(&doc, &store, &["me"], CREATED);
    let p: Vec<_> = doc.taggable().collect();
    // a paragraph inserted near the top shifts every position; the one
    // that carried the user theme is rewritten
    let edited = SPEECH
        .replacen(&p[0].text, &format!("新加的一段。\n{}", p[0].text), 1)
        .replace(&p[3].text, "一段新写的话。");
    let edited = Document::parse(&edited);
    let inc = import(&raw, &edited, &fresh()).unwrap();
    let preview = inc.preview(&edited, &fresh());
    assert!(!preview.same_document);
    assert_eq!((preview.matched_blocks, preview.unmatched_blocks), (4, 1));
    let mut target = fresh();
    target.apply(plan(&inc, Mode::Merge, &edited, &target, "me")).unwrap();
    let moved = edited.blocks.iter().find(|b| b.text == p[1].text).unwrap();
    assert_ne!(moved.start, p[1].start, "the paragraph moved");
    assert_eq!(target.themes_of("me", &moved.id), ["investment", "trade"]);
    assert_eq!(
        live(&target, "me").0.len(),
        4,
        "the tag on the rewritten paragraph is not attached"
    );
}

#[test]
fn positions_count_chars_not_utf16_units_or_bytes() {
    // U+20000 is one char, two UTF-16 units, four bytes
    let doc = Document::parse("𠀀𠀀标题\n𠀀𠀁第一段，𠀂。\n第二段。\n𠀀𠀁第一段，𠀂。");
    let mut store = fresh();
    let second = doc.blocks[1].clone();
    let last = doc.blocks[3].clone();
    assert_eq!(second.text, last.text, "a repeated paragraph");
    store.apply(tag("me", &last.id, "trade", 0)).unwrap();
    let raw = export(&doc, &store, &["me"], CREATED);
    let v: Value = serde_json::from_str(&raw).unwrap();
    let selector = &items(&v)[0]["target"]["selector"];
    assert_eq!(selector[1]["start"], 19);
    assert_eq!(selector[1]["end"], 27);
    assert_eq!((last.start, last.end), (19, 27));
    assert_eq!(selector[0]["prefix"], "𠀀𠀀标题\n𠀀𠀁第一段，𠀂。\n第二段。\n");
    let inc = import(&raw, &doc, &fresh()).unwrap();
    assert_eq!(inc.sets[0].tags[0].block, last.id, "the position picks the repeat");
    // without the position, the prefix picks it
    let mut v2 = v.clone();
    v2["first"]["items"][0]["target"]["selector"] = selector[0].clone();
    let inc = import(&v2.to_string(), &doc, &fresh()).unwrap();
    assert_eq!(inc.sets[0].tags[0].block, last.id, "the context picks the repeat");
    // without the quote, the position alone places it
    v2["first"]["items"][0]["target"]["selector"] = selector[1].clone();
    let inc = import(&v2.to_string(), &doc, &fresh()).unwrap();
    assert_eq!(inc.sets[0].tags[0].block, last.id);
}

#[test]
fn a_foreign_annotation_with_only_a_quote_becomes_a_note() {
    let doc = Document::parse(SPEECH);
    let p: Vec<_> = doc.taggable().collect();
    let raw = json!({
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": "http://example.org/anno1",
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "值得注意"},
        "target": {"source": "http://example.org/speech.html", "selector": {"type": "TextQuoteSelector", "exact": p[2].text}},
    })
    .to_string();
    let inc = import(&raw, &doc, &fresh()).unwrap();
    assert_eq!(inc.sets.len(), 1);
    assert_eq!(inc.sets[0].name, ANONYMOUS);
    assert_eq!(inc.sets[0].kind, SetKind::Coder);
    assert!(is_hex_color(&inc.sets[0].color));
    assert_eq!(inc.sets[0].notes.get(&p[2].id).map(String::as_str), Some("值得注意"));
    assert_eq!(
        inc.document.fingerprint, "",
        "a foreign file does not know our fingerprint"
    );
    assert!(!inc.preview(&doc, &fresh()).same_document);
}

#[test]
fn a_foreign_array_maps_labels_to_themes_and_creators_to_sets() {
    let doc = Document::parse(SPEECH);
    let p: Vec<_> = doc.taggable().collect();
    let target = |b: &Block| json!({"source": "x:y", "selector": [{"type": "TextPositionSelector", "start": b.start, "end": b.end}]});
    let raw = json!([
        {"type": "Annotation", "motivation": "tagging", "creator": {"id": "https://example.org/wang", "name": "Wang"},
         "body": [{"type": "TextualBody", "value": "贸易 trade"}, {"type": "TextualBody", "value": "environment"}],
         "target": target(p[0]), "created": "2022-07-14T10:22:41+08:00"},
        {"type": "Annotation", "creator": "https://example.org/zhao",
         "body": {"type": "TextualBody", "purpose": "tagging", "value": "新主题"},
         "target": [target(p[1]), target(p[2])]},
        {"type": "Annotation", "motivation": "tagging", "creator": {"id": "https://example.org/wang", "name": "Wang"},
         "body": {"type": "TextualBody", "value": "新主题"}, "target": "http://example.org/speech.html"},
        {"type": "Annotation", "motivation": "commenting", "creator": {"name": "Wang"},
         "bodyValue": "一", "target": target(p[3])},
        {"type": "Annotation", "motivation": ["commenting"], "creator": {"name": "Wang"},
         "body": [{"value": "二"}, {"value": "一"}], "target": target(p[3])},
        {"type": "Annotation", "motivation": "highlighting", "target": target(p[4])},
        {"type": "Annotation", "motivation": "tagging", "body": {"type": "Choice", "items": [{"value": "Finance"}]},
         "target": {"source": "x:y", "selector": {"type": "TextQuoteSelector", "exact": "这句话不在讲话里"}}},
        "http://example.org/anno-by-reference",
    ])
    .to_string();
    let inc = import(&raw, &doc, &fresh()).unwrap();
    let names: Vec<_> = inc.sets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Wang", "https://example.org/zhao", "Wang", ANONYMOUS]);
    let ids: BTreeSet<_> = inc.sets.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), 4, "set ids are unique");
    let wang = &inc.sets[0];
    let themes: Vec<_> = wang.tags.iter().map(|t| (t.block.as_str(), t.theme.as_str())).collect();
    assert_eq!(
        themes,
        [
            (p[0].id.as_str(), "trade"),
            (p[0].id.as_str(), "environment"),
            ("unmatched:1", "w3c-1")
        ]
    );
    assert_eq!(wang.tags[0].at, 1_657_765_361);
    let zhao = &inc.sets[1];
    assert_eq!(zhao.tags.len(), 2, "one tag per target");
    assert!(zhao.tags.iter().all(|t| t.theme == "w3c-1"), "one new theme per label");
    assert_eq!(
        inc.sets[2].notes.get(&p[3].id).map(String::as_str),
        Some("一\n二"),
        "notes on a block joined"
    );
    let new: Vec<_> = inc.themes.iter().map(|t| (t.id.as_str(), t.label())).collect();
    assert_eq!(new, [("w3c-1", "新主题".to_string()), ("w3c-2", "Finance".to_string())]);
    for t in &inc.themes {
        assert_eq!(t.validate(), Ok(()));
        assert_eq!(t.key, None);
    }
    let preview = inc.preview(&doc, &fresh());
    assert_eq!(preview.unmatched_blocks, 2, "the bare-uri target and the missing quote");
    // applying it leaves the unmatched ones out
    let mut store = fresh();
    store.apply(plan(&inc, Mode::Merge, &doc, &store, "me")).unwrap();
    assert_eq!(store.themes_of("me", &p[0].id), ["trade", "environment"]);
    assert!(store.sets["me"].tags.keys().all(|k| !k.block.starts_with("unmatched:")));
}

#[test]
fn a_quoted_phrase_is_placed_on_its_paragraph() {
    let doc = Document::parse(SPEECH);
    let p = doc.taggable().nth(2).unwrap();
    let phrase: String = p.text.chars().skip(3).take(6).collect();
    let raw = json!({"type": "AnnotationPage", "items": [{
        "type": "Annotation", "motivation": "tagging", "body": {"type": "TextualBody", "value": "投资"},
        "target": {"source": "x:y", "selector": {"type": "TextQuoteSelector", "exact": phrase}}}]})
    .to_string();
    let inc = import(&raw, &doc, &fresh()).unwrap();
    assert_eq!(inc.sets[0].tags[0].block, p.id);
    assert_eq!(inc.sets[0].tags[0].theme, "investment", "matched by the Chinese name");
}

#[test]
fn bad_inputs_are_refused_or_skipped_never_a_panic() {
    let (doc, store) = coded();
    let good: Value = serde_json::from_str(&export(&doc, &store, &["me"], CREATED)).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        v.to_string()
    };
    let good = good.to_string();
    let p0 = doc.taggable().next().unwrap();
    let anno = |body: Value, target: Value| {
        json!({"type": "Annotation", "motivation": "tagging", "body": body, "target": target}).to_string()
    };
    let located = json!({"selector": {"type": "TextQuoteSelector", "exact": p0.text}});
    type Check = fn(&Result<Incoming, ImportError>) -> bool;
    let cases: Vec<(&str, String, Check)> = vec![
        ("empty", String::new(), |r| r == &Err(ImportError::Empty)),
        ("blank", " \n\t".into(), |r| r == &Err(ImportError::Empty)),
        ("not json", "hello".into(), |r| matches!(r, Err(ImportError::NotJson(_)))),
        (
            "truncated",
            good.chars().take(good.chars().count() / 2).collect(),
            |r| matches!(r, Err(ImportError::NotJson(_))),
        ),
        ("deep nesting", "[".repeat(100_000), |r| r == &Err(ImportError::TooDeep)),
        (
            "deep objects",
            format!("{}1{}", "{\"a\":".repeat(1000), "}".repeat(1000)),
            |r| r == &Err(ImportError::TooDeep),
        ),
        ("a number", "42".into(), |r| r == &Err(ImportError::NotAnObject)),
        ("null", "null".into(), |r| r == &Err(ImportError::NotAnObject)),
        ("an empty array", "[]".into(), |r| r == &Err(ImportError::Nothing)),
        ("an array of numbers", "[1,2]".into(), |r| {
            matches!(r, Err(ImportError::WrongType { field, .. }) if field == "[0]")
        }),
        ("another kind of object", r#"{"type":"Person"}"#.into(), |r| {
            r == &Err(ImportError::UnknownFormat("Person".into()))
        }),
        // not "unknown file type «»": an object with no type says it holds no annotations
        ("an untyped object", r#"{"a":1}"#.into(), |r| r == &Err(ImportError::NotAnObject)),
        ("items not an array", with(&|v| v["first"]["items"] = json!("x")), |r| {
            matches!(r, Err(ImportError::WrongType { field, .. }) if field == "first.items")
        }),
        ("no items", with(&|v| v["first"]["items"] = json!([])), |r| r == &Err(ImportError::Nothing)),
        ("first only a uri", with(&|v| v["first"] = json!("urn:x:page1")), |r| {
            r == &Err(ImportError::Nothing)
        }),
        ("themes record not an array", with(&|v| v[THEMES_KEY] = json!({})), |r| {
            matches!(r, Err(ImportError::WrongType { .. }))
        }),
        ("bad theme colour", with(&|v| v[THEMES_KEY][0]["color"] = json!("red")), |r| {
            matches!(r, Err(ImportError::InvalidTheme { .. }))
        }),
        (
            "duplicate theme",
            with(&|v| {
                let t = v[THEMES_KEY][0].clone();
                v[THEMES_KEY].as_array_mut().unwrap().push(t);
            }),
            |r| matches!(r, Err(ImportError::DuplicateId(_))),
        ),
        ("document record wrong", with(&|v| v[DOCUMENT_KEY]["fingerprint"] = json!(7)), |r| {
            matches!(r, Err(ImportError::WrongType { .. }))
        }),
        ("a theme label too long", anno(json!({"value": "长".repeat(MAX_NAME + 1)}), located.clone()), |r| {
            matches!(r, Err(ImportError::TooLong { limit: MAX_NAME, .. }))
        }),
        (
            "a note too long",
            json!({"type": "Annotation", "bodyValue": "长".repeat(MAX_NOTE + 1), "target": located.clone()}).to_string(),
            |r| matches!(r, Err(ImportError::TooLong { limit: MAX_NOTE, .. })),
        ),
        (
            "a creator name too long",
            json!({"type": "Annotation", "bodyValue": "x", "creator": {"name": "n".repeat(201)}, "target": located.clone()})
                .to_string(),
            |r| matches!(r, Err(ImportError::TooLong { .. })),
        ),
        ("a bare string target: skipped, counted", anno(json!({"value": "投资"}), json!("http://example.org/x")), |r| {
            matches!(r, Ok(inc) if inc.sets[0].tags[0].block == "unmatched:1")
        }),
        ("no target", anno(json!({"value": "投资"}), Value::Null), |r| {
            matches!(r, Ok(inc) if inc.sets[0].tags[0].block == "unmatched:1")
        }),
        (
            "positions of the wrong type",
            anno(
                json!({"value": "投资"}),
                json!({"selector": {"type": "TextPositionSelector", "start": "0", "end": -1.5}}),
            ),
            |r| matches!(r, Ok(inc) if inc.sets[0].tags[0].block == "unmatched:1"),
        ),
        (
            "positions past the end",
            anno(
                json!({"value": "投资"}),
                json!({"selector": {"type": "TextPositionSelector", "start": u64::MAX, "end": u64::MAX}}),
            ),
            |r| matches!(r, Ok(inc) if inc.sets[0].tags[0].block == "unmatched:1"),
        ),
        ("selectors of the wrong type", anno(json!({"value": "投资"}), json!({"selector": [1, "x", null]})), |r| {
            matches!(r, Ok(inc) if inc.sets[0].tags[0].block == "unmatched:1")
        }),
        // an annotation with no tag and no comment in it: said as such
        ("body of the wrong type", anno(json!(5), located.clone()), |r| {
            matches!(r, Err(ImportError::OnlyHighlights { count: 1, .. }))
        }),
        ("body value of the wrong type", anno(json!({"value": {"a": 1}}), located.clone()), |r| {
            matches!(r, Err(ImportError::OnlyHighlights { count: 1, .. }))
        }),
        ("an empty body value", anno(json!({"value": "  "}), located.clone()), |r| {
            matches!(r, Err(ImportError::OnlyHighlights { count: 1, .. }))
        }),
        (
            "too many annotations",
            format!("[{}]", vec!["1"; MAX_ANNOTATIONS + 1].join(",")),
            |r| matches!(r, Err(ImportError::TooLong { limit: MAX_ANNOTATIONS, .. })),
        ),
        (
            "bad dates and creators are tolerated",
            json!({"type": "Annotation", "bodyValue": "x", "created": "tomorrow", "creator": [7], "target": located.clone()})
                .to_string(),
            |r| matches!(r, Ok(inc) if inc.sets[0].name == ANONYMOUS),
        ),
    ];
    for (name, raw, ok) in cases {
        let result = import(&raw, &doc, &store);
        assert!(ok(&result), "{name}: unexpected {result:?}");
        if let Err(e) = result {
            assert!(!e.message().is_empty());
        }
    }
}

#[test]
fn large_hostile_files_stay_bounded() {
    let doc = Document::parse(SPEECH);
    let p0 = doc.taggable().next().unwrap();
    // many phrase quotes that match everywhere and nowhere: searched up to a budget, then unmatched
    let phrase = json!({"type": "Annotation", "motivation": "tagging", "body": {"value": "投资"},
        "target": {"selector": {"type": "TextQuoteSelector", "exact": "的", "prefix": "不在"}}});
    let raw = Value::Array(vec![phrase; 40_000]).to_string();
    let started = std::time::Instant::now();
    let inc = import(&raw, &doc, &fresh()).unwrap();
    assert_eq!(inc.preview(&doc, &fresh()).unmatched_blocks, 40_000);
    assert!(started.elapsed().as_secs() < 20, "took {:?}", started.elapsed());
    // comments piling up on one block: refused at the note limit, duplicates folded
    let comments: Vec<Value> = (0..30_000)
        .map(|i| json!({"type": "Annotation", "bodyValue": format!("{}", i % 10_000), "target": {"selector": {"type": "TextQuoteSelector", "exact": p0.text}}}))
        .collect();
    let result = import(&Value::Array(comments).to_string(), &doc, &fresh());
    assert!(
        matches!(result, Err(ImportError::TooLong { limit: MAX_NOTE, .. })),
        "{result:?}"
    );
    let few: Vec<Value> = (0..30_000)
        .map(|i| json!({"type": "Annotation", "bodyValue": format!("{}", i % 3), "target": {"selector": {"type": "TextQuoteSelector", "exact": p0.text}}}))
        .collect();
    let inc = import(&Value::Array(few).to_string(), &doc, &fresh()).unwrap();
    assert_eq!(inc.sets[0].notes[&p0.id], "0\n1\n2");
}

#[test]
fn export_writes_exactly_the_fields_of_the_model_and_the_records() {
    let doc = Document::parse("标题\n第一段。\n第二段。");
    let b = doc.taggable().next().unwrap().clone();
    let mut store = fresh();
    store
        .apply(Command::Tag {
            set: "me".into(),
            block: b.id.clone(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Suggestion,
            at: 1_657_765_361,
        })
        .unwrap();
    store.apply(note("me", &b.id, "笔记")).unwrap();
    let v: Value = serde_json::from_str(&export(&doc, &store, &["me"], CREATED)).unwrap();
    let fp = &doc.fingerprint;
    let block = encode(&b.id);
    let before: String = doc.text.chars().take(b.start).collect();
    let after: String = doc.text.chars().skip(b.end).collect();
    let target = json!({
        "type": "SpecificResource",
        "source": format!("urn:speech-annotator:doc:{fp}"),
        "selector": [
            {"type": "TextQuoteSelector", "exact": b.text, "prefix": before, "suffix": after},
            {"type": "TextPositionSelector", "start": b.start, "end": b.end},
        ],
    });
    let creator = json!({"id": "urn:speech-annotator:coder:me", "type": "Person", "name": "Me"});
    let themes: Vec<Value> = store
        .themes()
        .iter()
        .map(|t| json!({"id": t.id, "nameZh": t.name_zh, "nameEn": t.name_en, "color": t.color, "key": t.key}))
        .collect();
    let expected = json!({
        "@context": CONTEXT,
        "id": format!("urn:speech-annotator:collection:{fp}:me"),
        "type": "AnnotationCollection",
        "label": doc.title,
        "created": CREATED,
        "total": 2,
        "generator": {"id": "urn:speech-annotator:app", "type": "Software", "name": APP_NAME},
        DOCUMENT_KEY: {"fingerprint": fp, "title": doc.title, "date": null},
        THEMES_KEY: themes,
        SETS_KEY: [{"id": "me", "name": "Me", "color": "#333333", "kind": "coder"}],
        "first": {
            "id": format!("urn:speech-annotator:page:{fp}:me:0"),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": [
                {
                    "@context": CONTEXT,
                    "id": format!("urn:speech-annotator:tag:{fp}:me:{block}:trade"),
                    "type": "Annotation",
                    "motivation": "tagging",
                    "created": "2022-07-14T02:22:41Z",
                    "creator": creator,
                    "body": {"type": "TextualBody", "purpose": "tagging", "value": "贸易 trade", "format": "text/plain"},
                    "target": target,
                    HOW_KEY: "suggestion",
                },
                {
                    "@context": CONTEXT,
                    "id": format!("urn:speech-annotator:note:{fp}:me:{block}"),
                    "type": "Annotation",
                    "motivation": "commenting",
                    "created": CREATED,
                    "creator": creator,
                    "body": {"type": "TextualBody", "purpose": "commenting", "value": "笔记", "format": "text/plain"},
                    "target": target,
                },
            ],
        },
    });
    assert_eq!(v, expected);
}

#[test]
fn the_app_urns_are_read_back_and_foreign_ids_are_not() {
    let fp = "ab12";
    assert_eq!(iri::document_of(&iri::document(fp)).as_deref(), Some(fp));
    assert_eq!(iri::coder_of(&iri::coder("Li 李:2")).as_deref(), Some("Li 李:2"));
    let tag = iri::tag(fp, "Li 李:2", "p:3", "u-1 创新/x:y");
    assert_eq!(tag.matches(':').count(), 6, "{tag}");
    assert_eq!(iri::theme_of_tag(&tag).as_deref(), Some("u-1 创新/x:y"));
    assert_eq!(iri::theme_of_tag(&iri::note(fp, "me", "p3")), None);
    for foreign in [
        "https://example.org/me",
        "urn:other:coder:me",
        "urn:speech-annotator:coder:%zz",
        "",
    ] {
        assert_eq!(iri::coder_of(foreign), None, "{foreign}");
        assert_eq!(iri::document_of(foreign), None, "{foreign}");
    }
    assert_eq!(iri::theme_of_tag("urn:speech-annotator:tag:a:b:c"), None, "three parts");
    assert_eq!(
        iri::collection(fp, &["me", "Li 李"]),
        "urn:speech-annotator:collection:ab12:me,Li%20%E6%9D%8E"
    );
    assert_eq!(iri::first_page(fp, &["me"]), "urn:speech-annotator:page:ab12:me:0");
}

#[test]
fn a_damaged_record_of_the_app_names_its_json_path() {
    let (doc, store) = coded();
    let good: Value = serde_json::from_str(&export(&doc, &store, &["me"], CREATED)).unwrap();
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        f(&mut v);
        import(&v.to_string(), &doc, &store)
    };
    let field = |k: &str| format!("{THEMES_KEY}[1].{k}");
    assert_eq!(
        with(&|v| {
            v[THEMES_KEY][1].as_object_mut().unwrap().remove("color");
        }),
        Err(ImportError::Missing(field("color")))
    );
    assert_eq!(
        with(&|v| v[THEMES_KEY][1]["key"] = json!(300)),
        Err(ImportError::WrongType {
            field: field("key"),
            expected: "a digit 1–9 or null"
        })
    );
    assert_eq!(
        with(&|v| v[THEMES_KEY][1]["id"] = json!("i".repeat(MAX_ID + 1))),
        Err(ImportError::TooLong {
            field: field("id"),
            limit: MAX_ID
        })
    );
    assert_eq!(
        with(&|v| v[THEMES_KEY][1]["nameEn"] = json!(["x"])),
        Err(ImportError::WrongType {
            field: field("nameEn"),
            expected: "string"
        })
    );
    assert_eq!(
        with(&|v| v[THEMES_KEY][1] = json!("trade")),
        Err(ImportError::WrongType {
            field: format!("{THEMES_KEY}[1]"),
            expected: "object"
        })
    );
    assert_eq!(
        with(&|v| v[SETS_KEY][0]["kind"] = json!("boss")),
        Err(ImportError::WrongType {
            field: format!("{SETS_KEY}[0].kind"),
            expected: "\"coder\" or \"consensus\""
        })
    );
    assert_eq!(
        with(&|v| v[SETS_KEY][0]["name"] = Value::Null),
        Err(ImportError::Missing(format!("{SETS_KEY}[0].name")))
    );
    // An object given as an array is not read field by field.
    for document in [json!(null), json!([doc.fingerprint, "标题"]), json!("x")] {
        assert_eq!(
            with(&|v| v[DOCUMENT_KEY] = document.clone()),
            Err(ImportError::WrongType {
                field: DOCUMENT_KEY.into(),
                expected: "object"
            })
        );
    }
    // Absent or null lists are no records at all.
    let inc = with(&|v| {
        v[THEMES_KEY] = Value::Null;
        v.as_object_mut().unwrap().remove(SETS_KEY);
    })
    .unwrap();
    assert_eq!(inc.sets[0].name, "Me", "the creator's name, without the set record");
}

#[test]
fn odd_shapes_of_other_tools_are_skipped_not_read_by_position() {
    let doc = Document::parse(SPEECH);
    let p = doc.taggable().nth(2).unwrap();
    let anno = |target: Value| {
        json!({"type": "Annotation", "motivation": "tagging", "body": {"value": "投资"}, "target": target}).to_string()
    };
    let block_of = |raw: String| import(&raw, &doc, &fresh()).map(|inc| inc.sets[0].tags[0].block.clone());
    // one selector, an array of them, or a target array: all read
    let quote = json!({"type": "TextQuoteSelector", "exact": p.text});
    assert_eq!(block_of(anno(json!({"selector": quote}))), Ok(p.id.clone()));
    assert_eq!(block_of(anno(json!([{"selector": [quote]}]))), Ok(p.id.clone()));
    // a selector written as an array of its values is no selector
    let positional = json!({"selector": [["TextQuoteSelector", p.text]]});
    assert_eq!(block_of(anno(positional)), Ok("unmatched:1".into()));
    // a type given as an array is not one the app reads
    let typed = json!({"selector": {"type": ["TextQuoteSelector"], "exact": p.text}});
    assert_eq!(block_of(anno(typed)), Ok("unmatched:1".into()));
    // a creator that is an array of arrays, a number or an empty list: anonymous
    for creator in [json!([["Wang"]]), json!(7), json!([])] {
        let raw = json!({"type": "Annotation", "bodyValue": "x", "creator": creator, "target": {"selector": quote}});
        let inc = import(&raw.to_string(), &doc, &fresh()).unwrap();
        assert_eq!(inc.sets[0].name, ANONYMOUS, "{creator}");
    }
    // a nickname names a creator without a name; the first string of a list is taken
    let raw = json!([
        {"type": "Annotation", "bodyValue": "x", "creator": {"nickname": "wz"}, "target": {"selector": quote}},
        {"type": "Annotation", "bodyValue": "y", "creator": {"name": [7, "Li", "Zhao"]}, "target": {"selector": quote}},
    ]);
    let inc = import(&raw.to_string(), &doc, &fresh()).unwrap();
    let names: Vec<_> = inc.sets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["wz", "Li"]);
}

#[test]
fn deeply_nested_properties_are_read_within_the_stack() {
    let doc = Document::parse(SPEECH);
    let p = doc.taggable().next().unwrap();
    // serde_json refuses more than 128 levels; just under that, inside an annotation
    for (open, close) in [("[", "]"), ("{\"items\":[", "]}"), ("{\"a\":", "}")] {
        let deep = format!("{}1{}", open.repeat(60), close.repeat(60));
        let raw = format!(
            r#"[{{"type":"Annotation","bodyValue":"x","body":{deep},"creator":{deep},"motivation":{deep},"target":[{{"selector":{{"type":"TextQuoteSelector","exact":{exact}}}}},{deep}]}}]"#,
            exact = Value::from(p.text.as_str())
        );
        let inc = import(&raw, &doc, &fresh()).unwrap();
        assert_eq!(inc.sets[0].notes[&p.id], "x");
    }
}

/// Any JSON, with the keys and strings of the model turning up often.
fn arb_json() -> impl Strategy<Value = Value> {
    let words = prop::sample::select(vec![
        "type",
        "id",
        "motivation",
        "purpose",
        "value",
        "bodyValue",
        "body",
        "target",
        "selector",
        "exact",
        "prefix",
        "start",
        "end",
        "items",
        "first",
        "creator",
        "name",
        "nickname",
        "created",
        "source",
        "tagging",
        "commenting",
        "TextQuoteSelector",
        "TextPositionSelector",
        "Annotation",
        "AnnotationPage",
        "AnnotationCollection",
        THEMES_KEY,
        SETS_KEY,
        DOCUMENT_KEY,
        HOW_KEY,
        "key",
        "color",
        "kind",
        "fingerprint",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::String),
        words.clone().prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 60, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((words.clone(), inner), 0..7)
                .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

proptest! {
    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,300}") {
        let doc = Document::parse(SPEECH);
        let _ = import(&s, &doc, &fresh());
    }

    #[test]
    fn mutated_and_truncated_exports_never_panic(cut in 0usize..20_000, junk in "[\\[\\]{}\",:0-9a-z%-]{0,8}") {
        let (doc, store) = coded();
        let raw = export(&doc, &store, &["me"], CREATED);
        let cut = (0..=cut.min(raw.len())).rev().find(|i| raw.is_char_boundary(*i)).unwrap_or(0);
        let _ = import(&format!("{}{}{}", &raw[..cut], junk, &raw[cut..]), &doc, &store);
        let _ = import(&raw[..cut], &doc, &store);
    }

    #[test]
    fn the_tolerant_structs_read_any_object(v in arb_json()) {
        use serde::Deserialize;
        let map = json!({"type": "Annotation", "target": v.clone(), "body": v.clone(), "creator": v.clone(),
            "motivation": v.clone(), THEMES_KEY: v.clone(), DOCUMENT_KEY: v.clone(), "x": v.clone()});
        for v in [&v, &map] {
            if v.is_object() {
                prop_assert!(model::AnnotationIn::deserialize(v).is_ok());
                prop_assert!(model::RootIn::deserialize(v).is_ok());
            }
        }
        let doc = Document::parse(SPEECH);
        let _ = import(&v.to_string(), &doc, &fresh());
        let _ = import(&map.to_string(), &doc, &fresh());
        let _ = import(&json!([map]).to_string(), &doc, &fresh());
    }

    #[test]
    fn any_time_survives_iso_and_back(secs in 0u64..MAX_SECS) {
        prop_assert_eq!(parse_date_time(&iso_utc(secs)), Some(secs));
    }

    #[test]
    fn any_id_survives_encoding(s in "\\PC{0,40}") {
        let e = encode(&s);
        let uri = format!("urn:x:{e}");
        prop_assert!(is_uri(&uri), "{}", uri);
        prop_assert_eq!(decode(&e), Some(s));
    }
}

#[test]
fn files_of_highlights_or_links_say_what_they_hold_and_what_they_target() {
    let doc = Document::parse(SPEECH);
    let store = Store::new(
        "t",
        &crate::store::AnnotationSet::new("me", "Me", "#000000", SetKind::Coder),
    );
    // a Recogito highlight with `"body": []`
    let empty = include_str!("../../../tests/cases/w3c/empty-body.w3c.json");
    match import(empty, &doc, &store) {
        Err(e @ ImportError::OnlyHighlights { .. }) => {
            assert_eq!(
                e,
                ImportError::OnlyHighlights {
                    count: 1,
                    sources: vec!["https://www.gutenberg.org/files/1727/1727-h/1727-h.htm".into()]
                }
            );
            assert!(e.message().contains("1727-h.htm") && e.message().contains("without a tag or a comment"));
        }
        other => panic!("{other:?}"),
    }
    // the W3C model's example: a body that is a link
    let link = include_str!("../../../tests/cases/w3c/link-body.w3c.json");
    assert_eq!(
        import(link, &doc, &store),
        Err(ImportError::OnlyHighlights {
            count: 1,
            sources: vec!["http://example.org/page1".into()]
        })
    );
    // Hypothesis' API answer, and JSON that is no annotation at all
    let hypothesis = json!({"total": 1, "rows": [{"uri": "https://example.org/", "user": "acct:someone@hypothes.is", "tags": ["x"], "text": "note", "target": [{"source": "https://example.org/"}]}]});
    let e = import(&hypothesis.to_string(), &doc, &store).unwrap_err();
    assert_eq!(e, ImportError::Foreign("Hypothesis JSON"));
    assert!(e.message().contains("Hypothesis JSON, not W3C Web Annotation"));
    assert_eq!(
        import(r#"{"hello":"world"}"#, &doc, &store),
        Err(ImportError::NotAnObject)
    );
}
