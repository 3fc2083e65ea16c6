//! Tests of the parent module.

use super::*;
use crate::store::{AnnotationSet, Codebook, SetKind};

fn store() -> Store {
    Store::new("tab", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder))
}

fn theme(id: &str, zh: &str, en: &str) -> Theme {
    Theme {
        id: id.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        color: "#123456".into(),
        key: None,
    }
}

fn add(s: &mut Store, id: &str, zh: &str, en: &str, parent: Option<&str>) {
    s.apply(Command::PutTheme(theme(id, zh, en))).unwrap();
    if let Some(p) = parent {
        s.apply(Command::PutCodebook {
            theme: id.into(),
            entry: Codebook {
                parent: Some(p.into()),
                ..Default::default()
            },
        })
        .unwrap();
    }
}

/// The built-ins, two parents with sub-themes, and one sub-theme of trade.
fn nested() -> Store {
    let mut s = store();
    add(&mut s, "p-energy", "能源", "Energy", None);
    add(&mut s, "c-coal", "煤炭", "Coal", Some("p-energy"));
    add(&mut s, "c-solar", "太阳能", "Solar power", Some("p-energy"));
    add(&mut s, "p-labour", "劳动", "Labour", None);
    add(&mut s, "c-wages", "工资", "Wages", Some("p-labour"));
    add(&mut s, "c-export", "出口", "Exports", Some("trade"));
    s
}

fn ids(entries: &[Entry], rows: &[Row]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            let id = &entries[r.index].theme.id;
            if r.context {
                format!("({id})")
            } else {
                id.clone()
            }
        })
        .collect()
}

#[test]
fn the_outline_lists_each_parent_followed_by_its_sub_themes() {
    let s = nested();
    let o = outline(&s);
    let order: Vec<(&str, Option<&str>, usize)> = o
        .iter()
        .map(|e| (e.theme.id.as_str(), e.parent.as_deref(), e.children))
        .collect();
    assert_eq!(
        order,
        [
            ("investment", None, 0),
            ("trade", None, 1),
            ("c-export", Some("trade"), 0),
            ("environment", None, 0),
            ("accountability", None, 0),
            // by name: 劳动 before 能源, 太阳能 before 煤炭 (code points)
            ("p-labour", None, 1),
            ("c-wages", Some("p-labour"), 0),
            ("p-energy", None, 2),
            ("c-solar", Some("p-energy"), 0),
            ("c-coal", Some("p-energy"), 0),
        ]
    );
}

#[test]
fn unpinned_themes_are_listed_by_name_and_numbers_by_value() {
    let mut s = store();
    add(&mut s, "z1", "类别10", "Category 10", None);
    add(&mut s, "a1", "类别2", "Category 2", None);
    add(&mut s, "m1", "", "apples", None);
    add(&mut s, "c2", "", "Code 10", Some("a1"));
    add(&mut s, "c1", "", "code 9", Some("a1"));
    s.apply(pin(&s, "z1").unwrap()).unwrap();
    let order: Vec<String> = outline(&s).into_iter().map(|e| e.theme.id).collect();
    assert_eq!(
        order,
        [
            "investment",
            "trade",
            "environment",
            "accountability",
            "z1",
            "m1",
            "a1",
            "c1",
            "c2"
        ]
    );
}

#[test]
fn a_sub_theme_whose_parent_is_deleted_is_top_level() {
    let mut s = nested();
    s.apply(Command::DeleteTheme { id: "p-labour".into() }).unwrap();
    let o = outline(&s);
    let wages = o.iter().find(|e| e.theme.id == "c-wages").unwrap();
    assert_eq!(wages.parent, None);
    assert_eq!(o.len(), s.themes().len(), "every live theme once");
}

#[test]
fn collapsed_parents_hide_their_sub_themes_but_not_the_filtered_one() {
    let s = nested();
    let o = outline(&s);
    let none = Query::default();
    let all = listing(&o, &none, |_| true, None);
    assert_eq!(all.rows.len(), o.len());
    assert_eq!(all.matches, o.len());
    assert_eq!(
        all.open,
        BTreeSet::from(["trade".into(), "p-energy".into(), "p-labour".into()])
    );

    let collapsed = listing(&o, &none, |p| p == "p-labour", None);
    assert_eq!(
        ids(&o, &collapsed.rows),
        [
            "investment",
            "trade",
            "environment",
            "accountability",
            "p-labour",
            "c-wages",
            "p-energy"
        ]
    );
    assert_eq!(collapsed.open, BTreeSet::from(["p-labour".into()]));

    let kept = listing(&o, &none, |_| false, Some("c-solar"));
    assert!(ids(&o, &kept.rows).contains(&"c-solar".to_string()));
    assert!(!ids(&o, &kept.rows).contains(&"c-coal".to_string()));
}

#[test]
fn a_search_shows_matching_sub_themes_under_collapsed_parents_with_their_parent_as_context() {
    let s = nested();
    let o = outline(&s);
    // "solar" (English, any case) matches one sub-theme; its parent comes first, as context
    let l = listing(&o, &Query::new("SOLAR"), |_| false, None);
    assert_eq!(ids(&o, &l.rows), ["(p-energy)", "c-solar"]);
    assert_eq!(l.matches, 1);
    assert_eq!(l.open, BTreeSet::from(["p-energy".into()]));
    // Chinese, part of a name
    let l = listing(&o, &Query::new("能"), |_| false, None);
    assert_eq!(ids(&o, &l.rows), ["p-energy", "c-solar"]);
    assert_eq!(l.matches, 2);
    // by id
    let l = listing(&o, &Query::new("c-"), |_| false, None);
    assert_eq!(
        ids(&o, &l.rows),
        [
            "(trade)",
            "c-export",
            "(p-labour)",
            "c-wages",
            "(p-energy)",
            "c-solar",
            "c-coal"
        ]
    );
    assert_eq!(l.matches, 4);
    // a matching parent alone does not list its sub-themes
    let l = listing(&o, &Query::new("labour"), |_| false, None);
    assert_eq!(ids(&o, &l.rows), ["p-labour"]);
    assert!(l.open.is_empty());
    // nothing
    let l = listing(&o, &Query::new("zzz"), |_| true, None);
    assert!(l.rows.is_empty() && l.matches == 0);
}

#[test]
fn the_picker_ranks_an_exact_name_then_a_prefix_then_any_match() {
    let mut s = store();
    add(&mut s, "a1", "外贸新业态", "New forms of trade", None);
    add(&mut s, "a2", "贸易摩擦", "Trade friction", None);
    let o = outline(&s);
    let found: Vec<&str> = search(&o, &Query::new("贸易"))
        .iter()
        .map(|e| e.theme.id.as_str())
        .collect();
    assert_eq!(found, ["trade", "a2"]);
    let found: Vec<&str> = search(&o, &Query::new("Trade"))
        .iter()
        .map(|e| e.theme.id.as_str())
        .collect();
    assert_eq!(found, ["trade", "a2", "a1"]);
    assert_eq!(
        search(&o, &Query::new("  ")).len(),
        o.len(),
        "an empty query lists every theme"
    );
}

#[test]
fn a_small_codebook_offers_every_theme_and_a_large_one_its_pinned_and_present_themes() {
    let mut s = store();
    for i in 0..(SMALL_CODEBOOK - 4) {
        add(&mut s, &format!("t{i:02}"), &format!("主题{i}"), "", None);
    }
    let themes: Vec<Theme> = s.themes().into_iter().cloned().collect();
    assert!(!is_compact(themes.len()));
    assert_eq!(chips(&themes, &[]).len(), SMALL_CODEBOOK);

    add(&mut s, "t99", "主题99", "", None);
    let themes: Vec<Theme> = s.themes().into_iter().cloned().collect();
    assert!(is_compact(themes.len()));
    let shown: Vec<&str> = chips(&themes, &["t03".into(), "gone".into()])
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(shown, ["investment", "trade", "environment", "accountability", "t03"]);
}

#[test]
fn pinning_takes_the_lowest_free_key_unpinning_frees_it_and_both_undo() {
    let mut s = nested();
    let inverse = s.apply(pin(&s, "c-solar").unwrap()).unwrap();
    assert_eq!(s.theme("c-solar").unwrap().key, Some(5));
    assert_eq!(s.theme_for_key(5).unwrap().id, "c-solar");
    s.apply(inverse).unwrap();
    assert_eq!(s.theme("c-solar").unwrap().key, None);

    s.apply(pin(&s, "trade").unwrap()).unwrap();
    assert_eq!(s.theme("trade").unwrap().key, None);
    s.apply(pin(&s, "c-coal").unwrap()).unwrap();
    assert_eq!(s.theme("c-coal").unwrap().key, Some(2), "the key trade left");
}

#[test]
fn with_all_nine_keys_taken_pinning_says_so_and_unpinning_still_works() {
    let mut s = store();
    for i in 0..5 {
        add(&mut s, &format!("t{i}"), &format!("主题{i}"), "", None);
        s.apply(pin(&s, &format!("t{i}")).unwrap()).unwrap();
    }
    add(&mut s, "t5", "主题5", "", None);
    assert_eq!(s.free_key(), None, "keys 1–9: four built-ins and five of these");
    assert_eq!(s.theme("t5").unwrap().key, None);
    let err = pin(&s, "t5").unwrap_err();
    assert_eq!(err, PinError::NoFreeKey);
    assert!(err.message().contains("1–9") && err.message().contains(" · "));
    assert!(pin(&s, "t0").is_ok());
    assert_eq!(pin(&s, "nope"), Err(PinError::UnknownTheme("nope".into())));
}
