//! Tests of the stored formats.

use super::*;
use crate::store::Command;
use proptest::prelude::*;

fn sample() -> Store {
    let mut s = Store::new("tab-a", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder));
    let tag = |b: &str, t: &str, p| Command::Tag {
        set: "me".into(),
        block: b.into(),
        theme: t.into(),
        present: p,
        how: TagOrigin::Hand,
        at: 17,
    };
    s.apply(tag("p1", "trade", true)).unwrap();
    s.apply(tag("p1", "investment", true)).unwrap();
    s.apply(tag("p2", "trade", true)).unwrap();
    s.apply(tag("p2", "trade", false)).unwrap();
    for (block, on) in [("p3", true), ("p4", true), ("p4", false)] {
        s.apply(Command::Uncoded {
            set: "me".into(),
            block: block.into(),
            on,
        })
        .unwrap();
    }
    s.apply(Command::Note {
        set: "me".into(),
        block: "p1".into(),
        text: "<b>注意</b> \"quotes\"".into(),
    })
    .unwrap();
    s.apply(Command::PutTheme(Theme {
        id: "u-1".into(),
        name_zh: "创新".into(),
        name_en: "".into(),
        color: "#123456".into(),
        key: Some(5),
    }))
    .unwrap();
    s.apply(Command::DeleteTheme {
        id: "accountability".into(),
    })
    .unwrap();
    s
}

#[test]
fn values_written_before_not_coded_marks_existed_still_load() {
    // Version 1 grew an optional field; a value without it is read as
    // "no marks", and nothing else changes.
    let s = sample();
    let mut v: Value = serde_json::from_str(&encode_store(&s, "fp")).unwrap();
    for set in v["sets"].as_array_mut().unwrap() {
        set.as_object_mut().unwrap().remove("uncoded");
    }
    let back = decode_store(&v.to_string(), "fp", "tab-a");
    assert_eq!(back.problems, vec![]);
    let mut expected = s.clone();
    for set in expected.sets.values_mut() {
        set.uncoded.clear();
    }
    assert_eq!(back.value.unwrap(), expected);
}

#[test]
fn a_store_round_trips() {
    let s = sample();
    let raw = encode_store(&s, "fp");
    let back = decode_store(&raw, "fp", "tab-a");
    assert_eq!(back.problems, vec![]);
    assert_eq!(back.value.unwrap(), s);
}

#[test]
fn closed_sets_and_set_stamps_round_trip_as_tombstones() {
    let mut s = sample();
    let mut li = AnnotationSet::new("li", "Li", "#000000", SetKind::Coder);
    li.readonly = true;
    s.apply(Command::AddSet(Box::new(li))).unwrap();
    s.apply(Command::SetInfo {
        set: "me".into(),
        name: "李明".into(),
        color: "#123456".into(),
    })
    .unwrap();
    s.apply(Command::RemoveSet { id: "li".into() }).unwrap();
    let raw = encode_store(&s, "fp");
    let back = decode_store(&raw, "fp", "tab-a").value.unwrap();
    assert_eq!(back, s);
    assert!(back.closed.contains_key("li") && !back.sets.contains_key("li"));
    assert_eq!(back.sets["me"].stamps, s.sets["me"].stamps);
    assert!(
        back.clock >= s.closed["li"].stamps.open.t,
        "the clock passes the tombstone"
    );
    // a value that lists a set both open and closed keeps the later one
    let v: Value = serde_json::from_str(&raw).unwrap();
    let mut sets = v["sets"].as_array().unwrap().clone();
    let mut open_again = sets.iter().find(|x| x["id"] == "li").unwrap().clone();
    open_again.as_object_mut().unwrap().remove("closed");
    sets.push(open_again);
    let mut v2 = v.clone();
    v2["sets"] = Value::Array(sets);
    let both = decode_store(&v2.to_string(), "fp", "x").value.unwrap();
    assert!(both.closed.contains_key("li") ^ both.sets.contains_key("li"));
}

#[test]
fn a_coders_status_round_trips_and_older_values_read_as_derived() {
    let mut s = sample();
    s.apply(s.toggle_done("me")).unwrap();
    let raw = encode_store(&s, "fp");
    let back = decode_store(&raw, "fp", "tab-a").value.unwrap();
    assert_eq!(back, s);
    assert_eq!(back.sets["me"].status(), Status::Done);
    // cleared again (undo): stored as none, with the stamp that cleared it
    s.apply(Command::SetStatus {
        set: "me".into(),
        status: None,
    })
    .unwrap();
    let back = decode_store(&encode_store(&s, "fp"), "fp", "x").value.unwrap();
    assert_eq!(back.sets["me"].status, None);
    assert_eq!(back.sets["me"].stamps.status, s.sets["me"].stamps.status);
    // a value written before statuses existed: derived from the tags
    let mut v: Value = serde_json::from_str(&raw).unwrap();
    for set in v["sets"].as_array_mut().unwrap() {
        set.as_object_mut().unwrap().remove("status");
    }
    let old = decode_store(&v.to_string(), "fp", "x");
    assert_eq!(old.problems, vec![]);
    let me = &old.value.unwrap().sets["me"];
    assert_eq!((me.status, me.status()), (None, Status::InProgress));
    // an unknown status drops the set, reported
    let mut v: Value = serde_json::from_str(&raw).unwrap();
    v["sets"][0]["status"][0] = "finished".into();
    assert!(!decode_store(&v.to_string(), "fp", "x").problems.is_empty());
}

#[test]
fn values_written_before_sets_were_stamped_still_load() {
    let s = sample();
    let mut v: Value = serde_json::from_str(&encode_store(&s, "fp")).unwrap();
    for set in v["sets"].as_array_mut().unwrap() {
        set.as_object_mut().unwrap().remove("st");
    }
    let back = decode_store(&v.to_string(), "fp", "x");
    assert_eq!(back.problems, vec![]);
    assert_eq!(back.value.unwrap().sets["me"].stamps, SetStamps::default());
}

#[test]
fn the_envelope_is_checked_before_the_body() {
    let raw = encode_store(&sample(), "fp");
    let case = |raw: &str, fp: &str| decode_store(raw, fp, "x").problems.first().cloned();
    assert!(matches!(case("not json", "fp"), Some(Problem::NotJson(_))));
    assert_eq!(case("[1,2]", "fp"), Some(Problem::NotAnObject));
    assert_eq!(
        case(r#"{"type":"other","version":1}"#, "fp"),
        Some(Problem::WrongType("other".into()))
    );
    assert_eq!(
        case(r#"{"type":"speech-annotator/annotations"}"#, "fp"),
        Some(Problem::MissingVersion)
    );
    assert_eq!(
        case(&raw.replace("\"version\":1", "\"version\":7"), "fp"),
        Some(Problem::FutureVersion(7))
    );
    assert_eq!(
        case(&raw.replace("\"version\":1", "\"version\":0"), "fp"),
        Some(Problem::UnsupportedVersion(0))
    );
    assert!(matches!(case(&raw, "other-fp"), Some(Problem::WrongDocument { .. })));
    assert!(decode_store(&raw, "other-fp", "x").value.is_none());
}

#[test]
fn unreadable_entries_are_dropped_and_reported_the_rest_kept() {
    let raw = encode_store(&sample(), "fp");
    let mut v: Value = serde_json::from_str(&raw).unwrap();
    let tags = v["sets"][0]["tags"].as_object_mut().unwrap();
    tags.insert("p8".into(), serde_json::json!([{"block": 3}]));
    tags.insert("p9".into(), serde_json::json!([["ghost", 1, 0, 0, 1, 0]]));
    let bad_theme =
        serde_json::json!({"id":"bad","nameZh":"x","nameEn":"","color":"javascript:1","key":null,"t":1,"by":0});
    v["themes"].as_array_mut().unwrap().push(bad_theme);
    v["sets"].as_array_mut().unwrap().push(serde_json::json!("nonsense"));
    let back = decode_store(&v.to_string(), "fp", "tab-a");
    assert!(back.needs_backup());
    assert_eq!(back.problems.len(), 3, "{:?}", back.problems);
    let store = back.value.unwrap();
    assert_eq!(store.themes_of("me", "p1"), ["investment", "trade"]);
}

#[test]
fn the_clock_moves_past_every_restored_stamp() {
    let s = sample();
    let back = decode_store(&encode_store(&s, "fp"), "fp", "tab-b").value.unwrap();
    assert!(back.clock >= s.clock);
    assert_eq!(back.replica, "tab-b");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = "[".repeat(100_000) + &"]".repeat(100_000);
    assert!(matches!(
        decode_store(&deep, "fp", "x").problems[0],
        Problem::NotJson(_)
    ));
}

#[test]
fn view_and_profile_round_trip() {
    let v = ViewState {
        focused: Some("abc-0".into()),
        filter: Some("trade".into()),
    };
    assert_eq!(decode_view(&encode_view(&v, "fp"), "fp").value, Some(v));
    assert!(decode_view("{}", "fp").value.is_none());
    let p = Profile {
        coder_id: "c-1".into(),
        name: "Li".into(),
        color: "#000000".into(),
    };
    assert_eq!(decode_profile(&encode_profile(&p)).value, Some(p));
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let raw = String::from_utf8_lossy(&bytes);
        let _ = decode_store(&raw, "fp", "x");
        let _ = decode_view(&raw, "fp");
        let _ = decode_profile(&raw);
    }

    #[test]
    fn mutated_stores_never_panic(cut in 0usize..2000, junk in "\\PC{0,20}") {
        let raw = encode_store(&sample(), "fp");
        let cut = cut.min(raw.len());
        let cut = (0..=cut).rev().find(|i| raw.is_char_boundary(*i)).unwrap_or(0);
        let mutated = format!("{}{}{}", &raw[..cut], junk, &raw[cut..]);
        let r = decode_store(&mutated, "fp", "x");
        prop_assert!(r.value.is_some() || !r.problems.is_empty());
        let truncated = decode_store(&raw[..cut], "fp", "x");
        prop_assert!(truncated.value.is_some() || !truncated.problems.is_empty());
    }
}
