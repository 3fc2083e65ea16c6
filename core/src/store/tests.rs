//! Tests of the parent module.

use super::*;
use crate::store::TagKey;

pub(crate) fn store(replica: &str) -> Store {
    Store::new(replica, &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder))
}

fn tag(block: &str, theme: &str, present: bool) -> Command {
    Command::Tag {
        set: "me".into(),
        block: block.into(),
        theme: theme.into(),
        present,
        how: TagOrigin::Hand,
        at: 1,
    }
}

fn note(block: &str, text: &str) -> Command {
    Command::Note {
        set: "me".into(),
        block: block.into(),
        text: text.into(),
    }
}

#[test]
fn toggling_a_tag_on_codes_a_not_coded_paragraph_in_one_step() {
    let mut a = store("tab-a");
    a.apply(a.toggle_tag("me", "p1", "trade", 1)).unwrap();
    assert_eq!(a.themes_of("me", "p1"), ["trade"]);
    a.apply(Command::Uncoded {
        set: "me".into(),
        block: "p1".into(),
        on: true,
    })
    .unwrap();
    // untagging leaves the mark alone
    a.apply(a.toggle_tag("me", "p1", "trade", 2)).unwrap();
    assert!(a.themes_of("me", "p1").is_empty() && a.sets["me"].is_uncoded("p1"));
    // tagging takes it away, and one undo brings both back
    let inverse = a.apply(a.toggle_tag("me", "p1", "investment", 3)).unwrap();
    assert!(!a.sets["me"].is_uncoded("p1"));
    a.apply(inverse).unwrap();
    assert!(a.sets["me"].is_uncoded("p1") && a.themes_of("me", "p1").is_empty());
}

#[test]
fn sub_themes_stay_one_level_and_merged_loops_do_not_hide_a_theme() {
    let mut a = store("tab-a");
    let parent = |theme: &str, p: &str| Command::PutCodebook {
        theme: theme.into(),
        entry: Codebook {
            parent: Some(p.into()),
            ..Default::default()
        },
    };
    a.apply(parent("trade", "investment")).unwrap();
    assert_eq!(a.top_parent("trade").as_deref(), Some("investment"));
    assert_eq!(a.top_parent("investment"), None);
    assert!(
        a.apply(parent("environment", "trade")).is_err(),
        "not under a sub-theme"
    );
    assert!(
        a.apply(parent("investment", "environment")).is_err(),
        "a parent cannot become a sub-theme"
    );
    // two tabs each set one parent: a loop after merging
    let mut b = store("tab-b");
    b.clock = a.clock;
    b.apply(parent("investment", "trade")).unwrap();
    a.merge(&b);
    assert_eq!(a.top_parent("trade"), None);
    assert_eq!(a.top_parent("investment"), None);
}

#[test]
fn pristine_clears_the_coding_and_one_undo_brings_it_back() {
    let mut a = store("tab-a");
    a.apply(tag("p1", "trade", true)).unwrap();
    a.apply(Command::Note {
        set: "me".into(),
        block: "p1".into(),
        text: "注".into(),
    })
    .unwrap();
    a.apply(Command::Uncoded {
        set: "me".into(),
        block: "p2".into(),
        on: true,
    })
    .unwrap();
    let mut other = AnnotationSet::new("b", "B", "#000000", SetKind::Coder);
    other.readonly = true;
    a.apply(Command::AddSet(Box::new(other))).unwrap();
    let before = a.clone();
    let inverse = a.apply(a.pristine("me")).unwrap();
    assert!(a.themes_of("me", "p1").is_empty() && a.note("me", "p1").is_empty());
    assert!(!a.sets["me"].is_uncoded("p2"));
    assert_eq!(a.sets.keys().collect::<Vec<_>>(), ["me"]);
    assert_eq!(a.themes().len(), before.themes().len(), "themes stay");
    a.apply(inverse).unwrap();
    assert_eq!(a.themes_of("me", "p1"), ["trade"]);
    assert_eq!(a.note("me", "p1"), "注");
    assert!(a.sets["me"].is_uncoded("p2"));
    let unstamped = |s: &AnnotationSet| AnnotationSet {
        stamps: SetStamps::default(),
        ..s.clone()
    };
    assert_eq!(unstamped(&a.sets["b"]), unstamped(&before.sets["b"]));
}

#[test]
fn a_not_coded_mark_undoes_merges_and_respects_read_only_sets() {
    let mut a = store("tab-a");
    let mark = |on| Command::Uncoded {
        set: "me".into(),
        block: "p1".into(),
        on,
    };
    let inverse = a.apply(mark(true)).unwrap();
    assert!(a.sets["me"].is_uncoded("p1"));
    assert_eq!(
        mark(true).touched(),
        Touched::Blocks(BTreeSet::from(["p1".to_string()]))
    );
    a.apply(inverse).unwrap();
    assert!(!a.sets["me"].is_uncoded("p1"));
    // another tab's later mark wins, and merging twice changes nothing
    let mut b = store("tab-b");
    b.clock = a.clock;
    b.apply(mark(true)).unwrap();
    assert!(a.merge(&b));
    assert!(a.sets["me"].is_uncoded("p1"));
    assert!(!a.merge(&b));
    assert_eq!(a.unmark("me", ["p1", "p2"]), [mark(false)], "only marked blocks");
    assert!(a.unmark("nobody", ["p1"]).is_empty());
    a.sets.get_mut("me").unwrap().readonly = true;
    assert!(matches!(a.apply(mark(false)), Err(StoreError::ReadOnlySet(_))));
}

#[test]
fn toggling_tags_keeps_several_themes_per_block() {
    let mut s = store("a");
    s.apply(tag("b1", "trade", true)).unwrap();
    s.apply(tag("b1", "investment", true)).unwrap();
    assert_eq!(s.themes_of("me", "b1"), ["investment", "trade"]);
    s.apply(tag("b1", "trade", false)).unwrap();
    assert_eq!(s.themes_of("me", "b1"), ["investment"]);
    assert_eq!(s.counts("me", |b| ["b1", "b2"].contains(&b))["investment"], 1);
    assert_eq!(s.counts("me", |b| ["b1", "b2"].contains(&b))["trade"], 0);
}

#[test]
fn every_command_is_undone_by_its_inverse() {
    let mut s = store("a");
    s.apply(tag("b1", "trade", true)).unwrap();
    s.apply(note("b1", "first")).unwrap();
    let user_theme = Theme {
        id: "u-1".into(),
        name_zh: "创新".into(),
        name_en: "".into(),
        color: "#123456".into(),
        key: Some(5),
    };
    let cmds = vec![
        tag("b1", "trade", false),
        tag("b2", "environment", true),
        note("b1", "second"),
        note("b3", "new"),
        Command::PutTheme(user_theme.clone()),
        Command::PutTheme(Theme {
            name_zh: "改名".into(),
            ..builtin_themes()[0].clone()
        }),
        Command::DeleteTheme { id: "trade".into() },
        Command::Batch(vec![tag("b4", "investment", true), note("b4", "n")]),
        Command::AddSet(Box::new(AnnotationSet::new("other", "Li", "#000000", SetKind::Coder))),
        Command::SetReadonly {
            set: "me".into(),
            readonly: true,
        },
    ];
    for cmd in cmds {
        let before = s.clone();
        let inverse = s.apply(cmd.clone()).unwrap();
        assert_ne!(visible(&s), visible(&before), "{cmd:?} changed nothing");
        s.apply(inverse).unwrap();
        assert_eq!(visible(&s), visible(&before), "inverse of {cmd:?}");
    }
}

type Visible = (
    Vec<Theme>,
    Vec<(String, String)>,
    Vec<(String, String)>,
    Vec<(String, bool)>,
    Vec<(String, Codebook)>,
);

/// What a user sees: live themes, tags and notes (not stamps or tombstones).
fn visible(s: &Store) -> Visible {
    let set = &s.sets["me"];
    (
        s.themes().into_iter().cloned().collect(),
        set.tags
            .iter()
            .filter(|(_, t)| t.present)
            .map(|(k, _)| (k.block.clone(), k.theme.clone()))
            .collect(),
        set.notes
            .iter()
            .filter(|(_, n)| !n.text.is_empty())
            .map(|(k, n)| (k.clone(), n.text.clone()))
            .collect(),
        s.sets.values().map(|x| (x.id.clone(), x.readonly)).collect(),
        s.codebook
            .iter()
            .filter(|(_, e)| !e.entry.is_empty())
            .map(|(k, e)| (k.clone(), e.entry.clone()))
            .collect(),
    )
}

#[test]
fn refused_commands_change_nothing() {
    let mut s = store("a");
    s.apply(tag("b1", "trade", true)).unwrap();
    let before = s.clone();
    assert_eq!(
        s.apply(tag("b1", "nope", true)),
        Err(StoreError::UnknownTheme("nope".into()))
    );
    assert!(matches!(
        s.apply(note("b1", &"字".repeat(MAX_NOTE + 1))),
        Err(StoreError::NoteTooLong(_))
    ));
    let batch = Command::Batch(vec![tag("b2", "trade", true), tag("b3", "missing", true)]);
    assert!(s.apply(batch).is_err());
    assert_eq!(visible(&s), visible(&before));
    s.sets.get_mut("me").unwrap().readonly = true;
    assert!(matches!(
        s.apply(tag("b9", "trade", true)),
        Err(StoreError::ReadOnlySet(_))
    ));
}

#[test]
fn deleting_a_theme_hides_its_tags_and_undo_restores_them() {
    let mut s = store("a");
    s.apply(tag("b1", "trade", true)).unwrap();
    assert_eq!(s.uses_of_theme("trade"), 1);
    let inv = s.apply(Command::DeleteTheme { id: "trade".into() }).unwrap();
    assert!(s.themes_of("me", "b1").is_empty());
    assert!(s.theme_for_key(2).is_none());
    assert_eq!(s.free_key(), Some(2));
    s.apply(inv).unwrap();
    assert_eq!(s.themes_of("me", "b1"), ["trade"]);
}

#[test]
fn concurrent_histories_merge_and_lose_nothing() {
    let mut a = store("tab-a");
    let mut b = store("tab-b");
    a.apply(tag("p1", "trade", true)).unwrap();
    a.apply(note("p1", "from a")).unwrap();
    b.apply(tag("p2", "investment", true)).unwrap();
    b.apply(note("p3", "from b")).unwrap();
    b.apply(Command::PutTheme(Theme {
        id: "u-b".into(),
        name_zh: "新".into(),
        name_en: "new".into(),
        color: "#abcdef".into(),
        key: Some(5),
    }))
    .unwrap();
    let mut ab = a.clone();
    ab.merge(&b);
    let mut ba = b.clone();
    ba.merge(&a);
    assert_eq!(visible(&ab), visible(&ba), "merge is commutative");
    assert_eq!(ab.themes_of("me", "p1"), ["trade"]);
    assert_eq!(ab.themes_of("me", "p2"), ["investment"]);
    assert_eq!(ab.note("me", "p1"), "from a");
    assert_eq!(ab.note("me", "p3"), "from b");
    assert!(ab.theme("u-b").is_some());
    // idempotent
    let again = ab.clone();
    assert!(!ab.merge(&b));
    assert_eq!(ab, again);
}

#[test]
fn a_later_removal_wins_over_an_earlier_tag() {
    let mut a = store("tab-a");
    a.apply(tag("p1", "trade", true)).unwrap();
    let mut b = a.clone();
    b.replica = "tab-b".into();
    b.apply(tag("p1", "trade", false)).unwrap();
    a.merge(&b);
    assert!(a.themes_of("me", "p1").is_empty(), "tombstone kept and merged");
    // the clock moves past what was seen, so the next local change wins
    a.apply(tag("p1", "trade", true)).unwrap();
    b.merge(&a);
    assert_eq!(b.themes_of("me", "p1"), ["trade"]);
}

#[test]
fn equal_clocks_break_ties_by_replica() {
    let mut a = store("tab-a");
    let mut b = store("tab-b");
    a.apply(note("p", "A")).unwrap();
    b.apply(note("p", "B")).unwrap();
    let mut ab = a.clone();
    ab.merge(&b);
    let mut ba = b.clone();
    ba.merge(&a);
    assert_eq!(ab.note("me", "p"), "B");
    assert_eq!(ba.note("me", "p"), "B");
}

fn other_coder(a: &mut Store) {
    let mut other = AnnotationSet::new("li", "Li", "#000000", SetKind::Coder);
    other.tags.insert(
        TagKey::new("p1", "trade"),
        TagEntry {
            present: true,
            at: 1,
            how: TagOrigin::Hand,
            stamp: Stamp {
                t: 1,
                by: "file".into(),
            },
        },
    );
    a.apply(Command::AddSet(Box::new(other))).unwrap();
    a.apply(Command::SetReadonly {
        set: "li".into(),
        readonly: true,
    })
    .unwrap();
}

#[test]
fn a_closed_set_stays_closed_when_an_older_copy_is_merged_in() {
    let mut a = store("tab-a");
    other_coder(&mut a);
    let stored = a.clone(); // what the last save wrote
    let inverse = a.apply(Command::RemoveSet { id: "li".into() }).unwrap();
    assert!(!a.sets.contains_key("li") && a.closed.contains_key("li"));
    // the save reads storage and merges it in: the tombstone wins
    assert!(!a.merge(&stored), "nothing of the older copy is newer");
    assert!(!a.sets.contains_key("li"));
    // another tab that still has it open learns it was closed
    let mut b = stored.clone();
    b.replica = "tab-b".into();
    assert!(b.merge(&a));
    assert!(!b.sets.contains_key("li") && b.closed.contains_key("li"));
    // undo reopens it with its tags, and that wins over the tombstone everywhere
    a.apply(inverse).unwrap();
    assert_eq!(a.themes_of("li", "p1"), ["trade"]);
    assert!(a.sets["li"].readonly);
    b.merge(&a);
    assert_eq!(b.themes_of("li", "p1"), ["trade"]);
    let mut c = stored.clone();
    c.merge(&b);
    c.merge(&a);
    assert_eq!(c.sets.keys().collect::<Vec<_>>(), ["li", "me"]);
}

#[test]
fn renaming_a_set_is_an_undoable_stamped_command_that_merges() {
    let mut a = store("tab-a");
    let rename = |name: &str, color: &str| Command::SetInfo {
        set: "me".into(),
        name: name.into(),
        color: color.into(),
    };
    let inverse = a.apply(rename("李明", "#123456")).unwrap();
    assert_eq!(
        (a.sets["me"].name.as_str(), a.sets["me"].color.as_str()),
        ("李明", "#123456")
    );
    let older = store("tab-b");
    assert!(!a.merge(&older), "an unrenamed copy does not undo the rename");
    assert_eq!(a.sets["me"].name, "李明");
    let mut b = store("tab-b");
    b.clock = a.clock;
    b.apply(rename("王芳", "#123456")).unwrap(); // later clock, name only
    let (mut ab, mut ba) = (a.clone(), b.clone());
    ab.merge(&b);
    ba.merge(&a);
    assert_eq!(ab.sets["me"], ba.sets["me"], "commutative");
    assert_eq!(ab.sets["me"].name, "王芳");
    a.apply(inverse).unwrap();
    assert_eq!(a.sets["me"].name, "Me");
    assert_eq!(a.apply(rename(" ", "#123456")), Err(StoreError::InvalidSetName));
    assert!(matches!(a.apply(rename("A", "red")), Err(StoreError::InvalidColor(_))));
}

#[test]
fn marking_done_is_an_undoable_stamped_command_that_merges() {
    let mut a = store("tab-a");
    assert_eq!(a.sets["me"].status(), Status::NotStarted, "nothing coded");
    a.apply(tag("p1", "trade", true)).unwrap();
    assert_eq!(a.sets["me"].status(), Status::InProgress, "derived from the tags");
    assert_eq!(a.sets["me"].status, None, "derived, not set");
    let inverse = a.apply(a.toggle_done("me")).unwrap();
    assert_eq!(a.sets["me"].status(), Status::Done);
    assert_eq!(
        inverse,
        Command::SetStatus {
            set: "me".into(),
            status: None
        }
    );
    // toggled again: back to in progress, explicitly
    let again = a.apply(a.toggle_done("me")).unwrap();
    assert_eq!(a.sets["me"].status, Some(Status::InProgress));
    a.apply(again).unwrap();
    // an older copy does not undo the mark; a later one from another tab wins
    let older = store("tab-b");
    assert!(!a.merge(&older));
    assert_eq!(a.sets["me"].status(), Status::Done);
    let mut b = a.clone();
    b.replica = "tab-b".into();
    b.apply(Command::SetStatus {
        set: "me".into(),
        status: Some(Status::InProgress),
    })
    .unwrap();
    let (mut ab, mut ba) = (a.clone(), b.clone());
    ab.merge(&b);
    ba.merge(&a);
    assert_eq!(ab.sets["me"], ba.sets["me"], "commutative");
    assert_eq!(ab.sets["me"].status(), Status::InProgress);
    // undo takes the first mark back: derived again
    a.apply(inverse).unwrap();
    assert_eq!(a.sets["me"].status, None);
    assert_eq!(a.sets["me"].status(), Status::InProgress);
    // a read-only coder's status is theirs: refused, nothing changes
    other_coder(&mut a);
    let before = a.clone();
    assert_eq!(a.apply(a.toggle_done("li")), Err(StoreError::ReadOnlySet("Li".into())));
    assert_eq!(a, before);
    assert!(matches!(
        a.apply(a.toggle_done("nobody")),
        Err(StoreError::UnknownSet(_))
    ));
}

#[test]
fn status_names_round_trip() {
    for s in Status::ALL {
        assert_eq!(Status::parse(s.as_str()), Some(s));
    }
    assert_eq!(Status::parse("finished"), None);
    assert_eq!(serde_json::to_string(&Status::NotStarted).unwrap(), "\"not-started\"");
}

#[test]
fn concurrent_close_and_rename_keep_both() {
    let mut a = store("tab-a");
    other_coder(&mut a);
    let mut b = a.clone();
    b.replica = "tab-b".into();
    a.apply(Command::RemoveSet { id: "li".into() }).unwrap();
    b.apply(Command::SetReadonly {
        set: "li".into(),
        readonly: false,
    })
    .unwrap();
    let (mut ab, mut ba) = (a.clone(), b.clone());
    ab.merge(&b);
    ba.merge(&a);
    assert!(!ab.sets.contains_key("li") && !ba.sets.contains_key("li"));
    assert_eq!(ab.closed["li"], ba.closed["li"]);
    assert!(
        !ab.closed["li"].readonly,
        "the other tab's unlock is kept on the tombstone"
    );
}

proptest::proptest! {
    /// Whatever two tabs do to sets, tags and notes, merging in either order
    /// gives the same store, and merging again changes nothing.
    #[test]
    fn merge_converges(ops in proptest::collection::vec((0u8..2, 0u8..7, 0u8..3), 0..40)) {
        let mut tabs = [store("tab-a"), store("tab-b")];
        for (tab, op, x) in ops {
            let s = &mut tabs[tab as usize];
            let id = format!("s{x}");
            let cmd = match op {
                0 => Command::AddSet(Box::new(AnnotationSet::new(&id, "S", "#000000", SetKind::Coder))),
                1 => Command::RemoveSet { id },
                2 => Command::SetInfo { set: id, name: format!("n{x}"), color: "#111111".into() },
                3 if x == 2 => Command::SetStatus { set: id, status: Some(Status::Done) },
                3 => Command::SetReadonly { set: id, readonly: x == 1 },
                4 => Command::Tag { set: id, block: "p".into(), theme: "trade".into(), present: true, how: TagOrigin::Hand, at: 0 },
                5 => Command::Note { set: "me".into(), block: "p".into(), text: format!("{x}") },
                _ => {
                    let (a, b) = (tabs[0].clone(), tabs[1].clone());
                    tabs[0].merge(&b);
                    tabs[1].merge(&a);
                    continue;
                }
            };
            let _ = s.apply(cmd);
        }
        let (a, b) = (tabs[0].clone(), tabs[1].clone());
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        proptest::prop_assert_eq!(&ab.sets, &ba.sets);
        proptest::prop_assert_eq!(&ab.closed, &ba.closed);
        let again = ab.clone();
        proptest::prop_assert!(!ab.merge(&b));
        proptest::prop_assert_eq!(ab, again);
    }
}

#[test]
fn undo_in_one_tab_survives_another_tab_closing_or_reopening_the_set() {
    use crate::history::History;
    // tab B opens a coder side by side (one step); tab A closes it
    let mut b = store("tab-b");
    let mut hb = History::default();
    hb.apply(&mut b, tag("p1", "trade", true)).unwrap();
    hb.apply(
        &mut b,
        Command::AddSet(Box::new(AnnotationSet::new("li", "Li", "#000000", SetKind::Coder))),
    )
    .unwrap();
    let mut a = b.clone();
    a.replica = "tab-a".into();
    a.apply(Command::RemoveSet { id: "li".into() }).unwrap();
    b.merge(&a);
    assert!(!b.sets.contains_key("li"));
    // B's undo of its import finds the coder closed already: a no-op, not a stuck step
    assert_eq!(hb.undo(&mut b), Ok(true));
    assert_eq!(hb.undo(&mut b), Ok(true), "the step before it still undoes");
    assert!(b.themes_of("me", "p1").is_empty());
    // both tabs close, A undoes (reopens), B's undo of its own close still works
    let mut b = store("tab-b");
    b.apply(Command::AddSet(Box::new(AnnotationSet::new(
        "li",
        "Li",
        "#000000",
        SetKind::Coder,
    ))))
    .unwrap();
    let mut hb = History::default();
    let mut a = b.clone();
    a.replica = "tab-a".into();
    let mut ha = History::default();
    ha.apply(&mut a, Command::RemoveSet { id: "li".into() }).unwrap();
    hb.apply(&mut b, Command::RemoveSet { id: "li".into() }).unwrap();
    ha.undo(&mut a).unwrap();
    b.merge(&a);
    assert!(b.sets.contains_key("li"), "A's reopening is later");
    assert_eq!(hb.undo(&mut b), Ok(true), "reopening an open set folds it in");
    assert!(b.sets.contains_key("li"));
    // a step whose set is gone is dropped with an error, never blocking the rest
    let mut c = store("tab-c");
    let mut hc = History::default();
    hc.apply(&mut c, tag("p2", "trade", true)).unwrap();
    hc.apply(
        &mut c,
        Command::AddSet(Box::new(AnnotationSet::new("x", "X", "#000000", SetKind::Coder))),
    )
    .unwrap();
    hc.apply(
        &mut c,
        Command::Note {
            set: "x".into(),
            block: "p".into(),
            text: "n".into(),
        },
    )
    .unwrap();
    c.sets.remove("x"); // gone without a tombstone (a hostile merge)
    assert!(hc.undo(&mut c).is_err());
    assert!(hc.undo(&mut c).is_err(), "the AddSet's inverse: nothing to close");
    assert_eq!(hc.undo(&mut c), Ok(true));
    assert!(c.themes_of("me", "p2").is_empty());
}

#[test]
fn undoing_an_import_whose_coder_another_tab_closed_undoes_the_rest() {
    use crate::history::History;
    let mut a = store("tab-a");
    let mut h = History::default();
    h.apply(&mut a, tag("p0", "trade", true)).unwrap();
    let import = Command::Batch(vec![
        Command::AddSet(Box::new(AnnotationSet::new("c-a", "A", "#000000", SetKind::Coder))),
        Command::Tag {
            set: "c-a".into(),
            block: "p1".into(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 1,
        },
        Command::SetReadonly {
            set: "c-a".into(),
            readonly: true,
        },
        Command::AddSet(Box::new(AnnotationSet::new("c-b", "B", "#000000", SetKind::Coder))),
    ]);
    h.apply(&mut a, import).unwrap();
    let mut b = a.clone();
    b.replica = "tab-b".into();
    b.apply(Command::RemoveSet { id: "c-a".into() }).unwrap();
    a.merge(&b);
    assert_eq!(h.undo(&mut a), Ok(true));
    assert!(a.sets.keys().all(|k| k == "me"), "both coders closed");
    assert_eq!(h.undo(&mut a), Ok(true));
    assert!(a.themes_of("me", "p0").is_empty());
    assert_eq!(h.redo(&mut a), Ok(true));
    assert_eq!(h.redo(&mut a), Ok(true));
    assert!(a.sets.contains_key("c-b"));
}
