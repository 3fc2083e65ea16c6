//! Tests of the parent module.

use super::*;
use crate::themes::Theme;

fn setup() -> (Document, Store, Vec<String>) {
    let doc = Document::parse("标题\n甲段。\n乙段。\n丙段。\n丁段。");
    let mut store = Store::new("t", &AnnotationSet::new("a", "A", "#000000", SetKind::Coder));
    store
        .apply(Command::AddSet(Box::new(AnnotationSet::new(
            "b",
            "B",
            "#111111",
            SetKind::Coder,
        ))))
        .unwrap();
    let p: Vec<String> = doc.taggable().map(|b| b.id.clone()).collect();
    let tag = |set: &str, b: &str, t: &str| Command::Tag {
        set: set.into(),
        block: b.into(),
        theme: t.into(),
        present: true,
        how: TagOrigin::Hand,
        at: 0,
    };
    for c in [
        tag("a", &p[0], "trade"),
        tag("a", &p[1], "trade"),
        tag("a", &p[1], "investment"),
        tag("b", &p[0], "trade"),
        tag("b", &p[1], "trade"),
    ] {
        store.apply(c).unwrap();
    }
    (doc, store, p)
}

#[test]
fn paragraphs_past_a_coders_last_touch_are_missing_not_absent() {
    let (doc, store, _) = setup();
    let c = coding(&doc, &store, SubThemes::Separate);
    assert_eq!(c.coders, ["a", "b"]);
    assert!(c.values[0][0].is_some() && c.values[0][1].is_some());
    assert!(c.values[0][2].is_none() && c.values[1][3].is_none());
}

#[test]
fn a_paragraph_marked_not_coded_is_missing_even_before_the_last_touch() {
    let (doc, mut store, p) = setup();
    // a: p0, p1 tagged; b marks p0 as not coded and tags p2
    for cmd in [
        Command::Uncoded {
            set: "b".into(),
            block: p[0].clone(),
            on: true,
        },
        Command::Tag {
            set: "b".into(),
            block: p[2].clone(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 0,
        },
    ] {
        store.apply(cmd).unwrap();
    }
    let c = coding(&doc, &store, SubThemes::Separate);
    assert!(c.values[1][0].is_none(), "marked: missing, not absent");
    assert!(c.values[1][1].is_some() && c.values[1][2].is_some());
    // a paragraph whose only mark is "not coded" still moves the coded range
    let (doc, mut store, p) = setup();
    store
        .apply(Command::Uncoded {
            set: "b".into(),
            block: p[3].clone(),
            on: true,
        })
        .unwrap();
    let c = coding(&doc, &store, SubThemes::Separate);
    assert_eq!(
        c.values[1][2].as_ref().map(|v| v.len()),
        Some(0),
        "p2 before the mark: absent"
    );
    assert!(c.values[1][3].is_none());
}

#[test]
fn disagreements_and_adjudication() {
    let (doc, mut store, p) = setup();
    assert_eq!(disagreements(&doc, &store, None, SubThemes::Separate), [p[1].clone()]);
    assert_eq!(
        disagreements(&doc, &store, Some("trade"), SubThemes::Separate),
        Vec::<String>::new()
    );
    let r = report(&doc, &store, SubThemes::Separate);
    let trade = r.themes.iter().find(|t| t.theme == "trade").unwrap();
    assert_eq!(trade.agreement.percent.agreement, Some(1.0));
    let cmd = adjudicate(&doc, &store, &p[1], &Ruling::Intersection, 1);
    let inverse = store.apply(cmd).unwrap();
    assert_eq!(store.themes_of(CONSENSUS, &p[1]), ["trade"]);
    store.apply(adjudicate(&doc, &store, &p[1], &Ruling::Union, 1)).unwrap();
    assert_eq!(store.themes_of(CONSENSUS, &p[1]), ["investment", "trade"]);
    store
        .apply(adjudicate(&doc, &store, &p[1], &Ruling::Coder("b".into()), 1))
        .unwrap();
    assert_eq!(store.themes_of(CONSENSUS, &p[1]), ["trade"]);
    // the consensus is not a coder: agreement is unchanged
    assert_eq!(disagreements(&doc, &store, None, SubThemes::Separate), [p[1].clone()]);
    store.apply(inverse).unwrap();
    assert!(
        store.themes_of(CONSENSUS, &p[1]).is_empty(),
        "undo takes the ruling back"
    );
}

#[test]
fn sub_themes_count_for_their_parent_only_when_asked() {
    let (doc, mut store, p) = setup();
    let sub = Theme {
        id: "processing".into(),
        name_zh: "加工贸易".into(),
        name_en: "processing trade".into(),
        color: "#123456".into(),
        key: None,
    };
    store.apply(Command::PutTheme(sub)).unwrap();
    store
        .apply(Command::PutCodebook {
            theme: "processing".into(),
            entry: crate::store::Codebook {
                parent: Some("investment".into()),
                ..Default::default()
            },
        })
        .unwrap();
    // b gives the sub-theme where a gave its parent
    store
        .apply(Command::Tag {
            set: "b".into(),
            block: p[1].clone(),
            theme: "processing".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 0,
        })
        .unwrap();
    let separate = report(&doc, &store, SubThemes::Separate);
    let with_parent = report(&doc, &store, SubThemes::WithParent);
    let inv = |r: &Report| {
        r.themes
            .iter()
            .find(|t| t.theme == "investment")
            .unwrap()
            .agreement
            .percent
            .agreement
    };
    assert_eq!(inv(&separate), Some(0.5), "a: investment, b: none of it");
    assert_eq!(inv(&with_parent), Some(1.0), "b's sub-theme counts as investment");
    assert_eq!(
        disagreements(&doc, &store, Some("investment"), SubThemes::WithParent),
        Vec::<String>::new()
    );
    assert_eq!(
        disagreements(&doc, &store, Some("investment"), SubThemes::Separate),
        [p[1].clone()]
    );
    // the tag itself is untouched: a's row has no sub-theme
    let c = coding(&doc, &store, SubThemes::WithParent);
    assert!(c.values[0][1].as_ref().unwrap().contains("investment"));
    assert!(!c.values[0][1].as_ref().unwrap().contains("processing"));
}

/// One row of the status-rule table: a coder's status (`None`: never set,
/// derived), what they did on paragraphs p0–p4, and what the rule makes of
/// each paragraph for the theme "trade": `P` present, `A` absent, `M`
/// missing.
struct Case {
    name: &'static str,
    status: Option<Status>,
    tagged: &'static [usize],
    untagged: &'static [usize],
    marked: &'static [usize],
    noted: &'static [usize],
    expected: &'static str,
    rule: UnitRule,
    /// (counted, marked, unreached)
    counts: (usize, usize, usize),
}

// Source: the status rules of the module documentation, case by case.
#[test]
fn status_rules_as_a_table_of_cases() {
    use Status::*;
    use UnitRule::*;
    let none: &[usize] = &[];
    let cases = [
        Case {
            name: "not started, nothing done: every paragraph missing",
            status: None,
            tagged: none,
            untagged: none,
            marked: none,
            noted: none,
            expected: "MMMMM",
            rule: ReadingOrder,
            counts: (0, 0, 5),
        },
        Case {
            name: "in progress (derived from a tag): up to the last touched",
            status: None,
            tagged: &[1],
            untagged: none,
            marked: none,
            noted: none,
            expected: "APMMM",
            rule: ReadingOrder,
            counts: (2, 0, 3),
        },
        Case {
            name: "done: every paragraph without a tag is absent",
            status: Some(Done),
            tagged: &[1],
            untagged: none,
            marked: none,
            noted: none,
            expected: "APAAA",
            rule: WholeDocument,
            counts: (5, 0, 0),
        },
        Case {
            name: "done: a not-coded mark stays missing",
            status: Some(Done),
            tagged: &[1],
            untagged: none,
            marked: &[3],
            noted: none,
            expected: "APAMA",
            rule: WholeDocument,
            counts: (4, 1, 0),
        },
        Case {
            name: "done having found nothing: all absent",
            status: Some(Done),
            tagged: none,
            untagged: none,
            marked: none,
            noted: none,
            expected: "AAAAA",
            rule: WholeDocument,
            counts: (5, 0, 0),
        },
        Case {
            name: "in progress, set explicitly: a mark is a touch and missing",
            status: Some(InProgress),
            tagged: &[1],
            untagged: none,
            marked: &[3],
            noted: none,
            expected: "APAMM",
            rule: ReadingOrder,
            counts: (3, 1, 1),
        },
        Case {
            name: "not started, set explicitly, with tags: today's rule",
            status: Some(NotStarted),
            tagged: &[2],
            untagged: none,
            marked: none,
            noted: none,
            expected: "AAPMM",
            rule: ReadingOrder,
            counts: (3, 0, 2),
        },
        Case {
            name: "in progress, a note on the last paragraph: everything coded",
            status: None,
            tagged: none,
            untagged: none,
            marked: none,
            noted: &[4],
            expected: "AAAAA",
            rule: ReadingOrder,
            counts: (5, 0, 0),
        },
        Case {
            name: "in progress, a tag given and taken off is a touch",
            status: None,
            tagged: &[0],
            untagged: &[3],
            marked: none,
            noted: none,
            expected: "PAAAM",
            rule: ReadingOrder,
            counts: (4, 0, 1),
        },
        Case {
            name: "done, every paragraph marked not coded: nothing counted",
            status: Some(Done),
            tagged: none,
            untagged: none,
            marked: &[0, 1, 2, 3, 4],
            noted: none,
            expected: "MMMMM",
            rule: WholeDocument,
            counts: (0, 5, 0),
        },
    ];
    let doc = Document::parse("标题\n甲段。\n乙段。\n丙段。\n丁段。\n戊段。");
    let p: Vec<String> = doc.taggable().map(|b| b.id.clone()).collect();
    assert_eq!(p.len(), 5);
    for case in &cases {
        let mut store = Store::new("t", &AnnotationSet::new("a", "A", "#000000", SetKind::Coder));
        let tag = |i: usize, present: bool| Command::Tag {
            set: "a".into(),
            block: p[i].clone(),
            theme: "trade".into(),
            present,
            how: TagOrigin::Hand,
            at: 0,
        };
        let mut cmds: Vec<Command> = case.tagged.iter().map(|&i| tag(i, true)).collect();
        for &i in case.untagged {
            cmds.extend([tag(i, true), tag(i, false)]);
        }
        cmds.extend(case.marked.iter().map(|&i| Command::Uncoded {
            set: "a".into(),
            block: p[i].clone(),
            on: true,
        }));
        cmds.extend(case.noted.iter().map(|&i| Command::Note {
            set: "a".into(),
            block: p[i].clone(),
            text: "读过 · read".into(),
        }));
        cmds.push(Command::SetStatus {
            set: "a".into(),
            status: case.status,
        });
        store.apply(Command::Batch(cmds)).unwrap();
        let c = compared(&doc, &store, SubThemes::Separate);
        let got: String = c.coding.values[0]
            .iter()
            .map(|v| match v {
                None => 'M',
                Some(s) if s.contains("trade") => 'P',
                Some(_) => 'A',
            })
            .collect();
        assert_eq!(got, case.expected, "{}", case.name);
        let u = &c.units[0];
        assert_eq!(u.rule, case.rule, "{}", case.name);
        assert_eq!((u.counted, u.marked, u.unreached), case.counts, "{}", case.name);
        assert_eq!(u.paragraphs, 5);
        assert_eq!(u.status, store.sets["a"].status(), "{}", case.name);
        assert!(!u.summary().is_empty());
    }
}

// Source: the shared case of two coders on a two-paragraph speech: coder a
// tagged the first paragraph only, coder b both. With the reading-order
// rule a's second paragraph is missing, so the two agree on the one unit
// they share; once a marks the document done it is a's "absent" against
// b's "present", a disagreement.
#[test]
fn a_coder_marked_done_disagrees_where_the_reading_order_rule_saw_nothing() {
    let text = "讲话标题\n要扩大有效投资。\n要稳住外贸基本盘。";
    let doc = Document::parse(text);
    let p: Vec<String> = doc.taggable().map(|b| b.id.clone()).collect();
    let mut store = Store::new("t", &AnnotationSet::new("c-a", "coder a", "#2f6fdb", SetKind::Coder));
    store
        .apply(Command::AddSet(Box::new(AnnotationSet::new(
            "c-b",
            "coder b",
            "#2f6fdb",
            SetKind::Coder,
        ))))
        .unwrap();
    let tag = |set: &str, b: &str| Command::Tag {
        set: set.into(),
        block: b.into(),
        theme: "investment".into(),
        present: true,
        how: TagOrigin::Hand,
        at: 0,
    };
    for c in [tag("c-a", &p[0]), tag("c-b", &p[0]), tag("c-b", &p[1])] {
        store.apply(c).unwrap();
    }
    let before = compared(&doc, &store, SubThemes::Separate);
    assert_eq!(before.units[0].unreached, 1);
    assert!(disagreements(&doc, &store, None, SubThemes::Separate).is_empty());
    for set in ["c-a", "c-b"] {
        store.apply(store.toggle_done(set)).unwrap();
    }
    let after = compared(&doc, &store, SubThemes::Separate);
    assert_eq!(after.units[0].rule, UnitRule::WholeDocument);
    assert_eq!(after.units[0].counted, 2);
    assert_eq!(disagreements(&doc, &store, None, SubThemes::Separate), [p[1].clone()]);
    let r = report(&doc, &store, SubThemes::Separate);
    let inv = r.themes.iter().find(|t| t.theme == "investment").unwrap();
    assert_eq!(inv.agreement.units, 2);
    assert_eq!(inv.agreement.percent.agreement, Some(0.5));
}
