//! Comparing coders on one document: which paragraphs each coder coded, the
//! agreement report, the disagreements, and adjudication into a consensus
//! set.
//!
//! **What counts as coded.** Coders work through a speech in reading order,
//! so a coder has coded every taggable paragraph up to the last one they
//! tagged, untagged or wrote a note on; paragraphs after that (not reached
//! yet, or beyond the end of a partial file) are *not coded* and count as
//! missing, never as "absent". A paragraph before that point with no tag is
//! a decision that no theme applies, unless the coder marked it *not
//! coded*: a marked paragraph is missing wherever it is.

use std::collections::BTreeSet;

use crate::agreement::{self, Coding, Report};
use crate::document::Document;
use crate::store::{AnnotationSet, Command, SetKind, Store, TagOrigin};

/// Id of the consensus set adjudication writes into.
pub const CONSENSUS: &str = "consensus";

/// The coder sets compared (consensus sets are the outcome, not a coder).
pub fn coders(store: &Store) -> Vec<&AnnotationSet> {
    store.sets.values().filter(|s| s.kind == SetKind::Coder).collect()
}

/// How sub-themes count in the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubThemes {
    /// Every theme is its own variable: tagging a sub-theme says nothing of
    /// its parent (what the coder clicked is what is compared).
    #[default]
    Separate,
    /// A parent theme counts as present on a paragraph that carries it or any
    /// of its sub-themes (agreement on the broad category).
    WithParent,
}

/// The present/absent/missing matrix of every coder set on `doc`.
pub fn coding(doc: &Document, store: &Store, sub: SubThemes) -> Coding {
    let units: Vec<&str> = doc.taggable().map(|b| b.id.as_str()).collect();
    let themes: Vec<String> = store.themes().iter().map(|t| t.id.clone()).collect();
    // Each theme with the themes whose tags count for it (the parent map is
    // read once: this runs on every keypress while coders are compared).
    let parent: std::collections::BTreeMap<&str, &str> = store
        .codebook
        .iter()
        .filter_map(|(id, e)| e.entry.parent.as_deref().map(|p| (id.as_str(), p)))
        .collect();
    let counted: Vec<(String, Vec<String>)> = themes
        .iter()
        .map(|t| {
            let mut ids = vec![t.clone()];
            if sub == SubThemes::WithParent {
                ids.extend(
                    themes
                        .iter()
                        .filter(|c| parent.get(c.as_str()) == Some(&t.as_str()))
                        .cloned(),
                );
            }
            (t.clone(), ids)
        })
        .collect();
    let sets = coders(store);
    let values = sets
        .iter()
        .map(|s| {
            let touched: BTreeSet<&str> = s
                .tags
                .keys()
                .map(|k| k.block.as_str())
                .chain(
                    s.notes
                        .iter()
                        .filter(|(_, n)| !n.text.is_empty())
                        .map(|(b, _)| b.as_str()),
                )
                .chain(s.uncoded.iter().filter(|(_, u)| u.on).map(|(b, _)| b.as_str()))
                .collect();
            let last = units.iter().rposition(|u| touched.contains(u));
            units
                .iter()
                .enumerate()
                .map(|(i, u)| {
                    last.filter(|l| i <= *l && !s.is_uncoded(u)).map(|_| {
                        counted
                            .iter()
                            .filter(|(_, ids)| ids.iter().any(|t| s.has_tag(u, t)))
                            .map(|(t, _)| t.clone())
                            .collect::<BTreeSet<String>>()
                    })
                })
                .collect()
        })
        .collect();
    Coding {
        coders: sets.iter().map(|s| s.id.clone()).collect(),
        units: units.iter().map(|u| u.to_string()).collect(),
        themes,
        values,
    }
}

pub fn report(doc: &Document, store: &Store, sub: SubThemes) -> Report {
    agreement::report(&coding(doc, store, sub))
}

/// Block ids where the coders who coded them differ (on `theme`, or any).
pub fn disagreements(doc: &Document, store: &Store, theme: Option<&str>, sub: SubThemes) -> Vec<String> {
    agreement::disagreements(&coding(doc, store, sub), theme)
}

/// How a paragraph is settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ruling {
    /// Take one coder's themes.
    Coder(String),
    /// Every theme any coder gave.
    Union,
    /// Only the themes every coder who coded it gave.
    Intersection,
}

/// The command that makes the consensus themes of `block` follow `ruling`,
/// creating the consensus set on first use. Undoable like any command.
pub fn adjudicate(doc: &Document, store: &Store, block: &str, ruling: &Ruling, at: u64) -> Command {
    // The consensus takes the themes coders actually gave, sub-themes as such.
    let c = coding(doc, store, SubThemes::Separate);
    let Some(u) = c.units.iter().position(|x| x == block) else {
        return Command::Batch(vec![]);
    };
    let coded: Vec<(&String, &BTreeSet<String>)> = c
        .coders
        .iter()
        .zip(&c.values)
        .filter_map(|(id, row)| row.get(u).and_then(|v| v.as_ref()).map(|v| (id, v)))
        .collect();
    let chosen: BTreeSet<String> = match ruling {
        Ruling::Coder(id) => coded
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, v)| (*v).clone())
            .unwrap_or_default(),
        Ruling::Union => coded.iter().flat_map(|(_, v)| v.iter().cloned()).collect(),
        Ruling::Intersection => {
            let mut it = coded.iter().map(|(_, v)| (*v).clone());
            let first = it.next().unwrap_or_default();
            it.fold(first, |acc, v| acc.intersection(&v).cloned().collect())
        }
    };
    let mut cmds = Vec::new();
    if !store.sets.contains_key(CONSENSUS) {
        cmds.push(Command::AddSet(Box::new(AnnotationSet::new(
            CONSENSUS,
            "共识 · Consensus",
            "#444444",
            SetKind::Consensus,
        ))));
    }
    let set = store.sets.get(CONSENSUS);
    for t in &c.themes {
        let has = set.is_some_and(|s| s.has_tag(block, t));
        let want = chosen.contains(t);
        if has != want {
            cmds.push(Command::Tag {
                set: CONSENSUS.into(),
                block: block.into(),
                theme: t.clone(),
                present: want,
                how: TagOrigin::Hand,
                at,
            });
        }
    }
    Command::Batch(cmds)
}

#[cfg(test)]
mod tests {
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
}
