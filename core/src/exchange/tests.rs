//! Tests of `plan` for side-by-side imports of the same coder again.

use super::*;
use crate::store::AnnotationSet;

const TEXT: &str = "讲话标题\n要扩大有效投资。\n要稳住外贸基本盘。";

fn incoming(doc: &Document, tags: &[(usize, &str)]) -> Incoming {
    let p: Vec<&str> = doc.taggable().map(|b| b.id.as_str()).collect();
    Incoming {
        sets: vec![IncomingSet {
            id: "c-a".into(),
            name: "coder a".into(),
            color: "#2f6fdb".into(),
            kind: SetKind::Coder,
            tags: tags
                .iter()
                .map(|(i, t)| IncomingTag {
                    block: p[*i].into(),
                    theme: (*t).into(),
                    at: 1,
                    how: TagOrigin::Hand,
                })
                .collect(),
            notes: BTreeMap::from([(p[0].to_string(), "理由".to_string())]),
            uncoded: BTreeSet::new(),
            status: None,
        }],
        ..Incoming::new("test", &doc.fingerprint)
    }
}

#[test]
fn the_same_coder_imported_again_side_by_side_is_updated_not_duplicated() {
    let doc = Document::parse(TEXT);
    let p: Vec<String> = doc.taggable().map(|b| b.id.clone()).collect();
    let mut store = Store::new("tab", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
    let first = incoming(&doc, &[(0, "investment"), (1, "trade")]);
    store.apply(plan(&first, Mode::SideBySide, &doc, &store, "me")).unwrap();
    assert_eq!(store.sets.keys().collect::<Vec<_>>(), ["c-a", "me"]);
    // the same file again changes nothing and adds no "c-a-2"
    let again = plan(&first, Mode::SideBySide, &doc, &store, "me");
    assert_eq!(again, Command::Batch(Vec::new()));
    // a newer file of the same coder: the open set follows it, still read-only
    let newer = incoming(&doc, &[(1, "trade"), (1, "investment")]);
    store.apply(plan(&newer, Mode::SideBySide, &doc, &store, "me")).unwrap();
    assert_eq!(store.sets.len(), 2);
    assert!(store.themes_of("c-a", &p[0]).is_empty());
    assert_eq!(store.themes_of("c-a", &p[1]), ["investment", "trade"]);
    assert!(store.sets["c-a"].readonly);
    // closed, then imported again: the coder reopens under its own id
    store.apply(Command::RemoveSet { id: "c-a".into() }).unwrap();
    store.apply(plan(&first, Mode::SideBySide, &doc, &store, "me")).unwrap();
    assert_eq!(store.sets.keys().collect::<Vec<_>>(), ["c-a", "me"]);
    assert_eq!(store.themes_of("c-a", &p[0]), ["investment"]);
    // the same coder renamed, recoloured and marked done: one coder still
    // (their id is who they are), who takes the new name, colour and status
    let mut renamed = incoming(&doc, &[(0, "trade")]);
    renamed.sets[0].name = "李明".into();
    renamed.sets[0].color = "#123456".into();
    renamed.sets[0].status = Some(Status::Done);
    let inverse = store
        .apply(plan(&renamed, Mode::SideBySide, &doc, &store, "me"))
        .unwrap();
    assert_eq!(store.sets.keys().collect::<Vec<_>>(), ["c-a", "me"]);
    let a = &store.sets["c-a"];
    assert_eq!((a.name.as_str(), a.color.as_str()), ("李明", "#123456"));
    assert_eq!(a.status(), Status::Done);
    assert!(a.readonly);
    store.apply(inverse).unwrap();
    assert_eq!(store.sets["c-a"].name, "coder a");
    assert_eq!(store.sets["c-a"].status, None);
    // a file of one's own coder opened side by side gets a fresh id
    let mut mine = incoming(&doc, &[(0, "trade")]);
    mine.sets[0].id = "me".into();
    store.apply(plan(&mine, Mode::SideBySide, &doc, &store, "me")).unwrap();
    assert!(store.sets.contains_key("me-2"));
}
