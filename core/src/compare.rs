//! Comparing coders on one document: which paragraphs each coder coded, the
//! agreement report, the disagreements, and adjudication into a consensus
//! set.
//!
//! **What counts as coded** depends on the coder's [`Status`] on the
//! document ([`UnitRule`]):
//!
//! - **done**: the coder read the whole document. Every taggable paragraph
//!   is a unit they coded; a paragraph without a tag is a decision that no
//!   theme applies (*absent* for every theme). A paragraph they marked
//!   *not coded* stays *missing*.
//! - **in progress** (or **not started**, for a coder who has tagged all
//!   the same): coders work through a speech in reading order, so a coder
//!   has coded every taggable paragraph up to the last one they tagged,
//!   untagged or wrote a note on; paragraphs after that (not reached yet,
//!   or beyond the end of a partial file) are *not coded* and count as
//!   missing, never as "absent". A paragraph before that point with no tag
//!   is a decision that no theme applies, unless the coder marked it *not
//!   coded*: a marked paragraph is missing wherever it is.
//!
//! [`compared`] says per coder which rule applied and how many units it
//! counted ([`CoderUnits`]), so the panel can say so.

use std::collections::BTreeSet;

mod values;

pub use values::Values;

use crate::agreement::{self, Coding, Report};
use crate::document::Document;
use crate::store::{AnnotationSet, Command, SetKind, Status, Store, TagOrigin};

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

/// Which of a document's paragraphs count as a coder's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitRule {
    /// The coder marked the document done: every paragraph counts, a
    /// paragraph without a tag is absent for every theme; only paragraphs
    /// marked not coded are missing.
    WholeDocument,
    /// The coder is not done: paragraphs up to the last one they touched
    /// (tag, note or not-coded mark) count; the ones after it are missing.
    ReadingOrder,
}

impl UnitRule {
    /// The rule a status calls for: [`UnitRule::WholeDocument`] for
    /// [`Status::Done`], [`UnitRule::ReadingOrder`] otherwise.
    pub fn for_status(status: Status) -> UnitRule {
        match status {
            Status::Done => UnitRule::WholeDocument,
            Status::NotStarted | Status::InProgress => UnitRule::ReadingOrder,
        }
    }
}

/// Which rule applied to one coder on a document, and how many of its
/// paragraphs it counted. `counted + marked + unreached == paragraphs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoderUnits {
    /// The coder's set id.
    pub coder: String,
    pub status: Status,
    pub rule: UnitRule,
    /// The document's taggable paragraphs (headings and paragraphs).
    pub paragraphs: usize,
    /// Paragraphs counted as coded (a theme present, or absent).
    pub counted: usize,
    /// Paragraphs missing because the coder marked them not coded (and, for
    /// the reading-order rule, before the last one touched).
    pub marked: usize,
    /// Paragraphs missing because they come after the last one the coder
    /// touched ([`UnitRule::ReadingOrder`] only; 0 when done).
    pub unreached: usize,
}

impl CoderUnits {
    /// What the panel says of this coder, in Chinese and English: the rule
    /// and the counts.
    pub fn summary(&self) -> String {
        let (n, c, m, r) = (self.paragraphs, self.counted, self.marked, self.unreached);
        match self.rule {
            UnitRule::WholeDocument => format!(
                "已完成：{n} 段中计入 {c} 段，无标签即“无”；{m} 段标为未编码（缺失） · \
                 Done: {c} of {n} paragraphs count, a paragraph without a tag as “absent”; {m} marked not coded (missing)"
            ),
            UnitRule::ReadingOrder => format!(
                "{}：{n} 段中计入至最后触及的段落为止的 {c} 段；其后 {r} 段与标为未编码的 {m} 段为缺失 · \
                 {}: {c} of {n} paragraphs count, up to the last one touched; the {r} after it and {m} marked not coded are missing",
                self.status.label().split(" · ").next().unwrap_or(""),
                self.status.label().split(" · ").nth(1).unwrap_or(""),
            ),
        }
    }
}

/// The coding matrix of some coders on a document, with the rule each
/// coder's units followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compared {
    pub coding: Coding,
    /// One per coder, in the order of [`Coding::coders`].
    pub units: Vec<CoderUnits>,
}

/// The present/absent/missing matrix of `sets` on `doc` (themes from
/// `store`), each coder's units chosen by [`UnitRule::for_status`] of the
/// set's [`AnnotationSet::status`].
pub fn compare_sets(doc: &Document, store: &Store, sets: &[&AnnotationSet], sub: SubThemes) -> Compared {
    let v = Values::of(doc, store, sets, sub);
    let values = (0..sets.len())
        .map(|c| {
            (0..v.units)
                .map(|u| {
                    v.themes_of(c, u)
                        .map(|ks| ks.map(|k| v.themes[k].clone()).collect::<BTreeSet<String>>())
                })
                .collect()
        })
        .collect();
    Compared {
        coding: Coding {
            coders: sets.iter().map(|s| s.id.clone()).collect(),
            units: doc.taggable().map(|b| b.id.clone()).collect(),
            themes: v.themes,
            values,
        },
        units: v.rules,
    }
}

/// Every coder set of `store` compared on `doc`: [`compare_sets`] over
/// [`coders`].
pub fn compared(doc: &Document, store: &Store, sub: SubThemes) -> Compared {
    compare_sets(doc, store, &coders(store), sub)
}

/// The present/absent/missing matrix of every coder set on `doc`.
pub fn coding(doc: &Document, store: &Store, sub: SubThemes) -> Coding {
    compared(doc, store, sub).coding
}

/// Agreement of every coder on `doc`, each under the rule of their
/// status: [`agreement::report`] of [`coding`].
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
mod tests;
