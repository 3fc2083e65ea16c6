//! Coders' values on one document, compactly: per coder and unit, missing
//! or the themes present as bits over the theme indices. What
//! [`super::compare_sets`] turns into a [`crate::agreement::Coding`], and
//! what a corpus counts from directly (no string per cell).

use std::collections::BTreeMap;

use super::{CoderUnits, SubThemes, UnitRule};
use crate::document::Document;
use crate::store::{AnnotationSet, Store};

/// The values of some coders on a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values {
    /// Live theme ids, in display order: bit `k` is `themes[k]`.
    pub themes: Vec<String>,
    /// Taggable paragraphs, in reading order.
    pub units: usize,
    /// u64 words per cell.
    words: usize,
    /// `[coder][unit]`: whether the coder coded the unit.
    coded: Vec<Vec<bool>>,
    /// `[coder][unit * words + w]`: the themes present, as bits.
    bits: Vec<Vec<u64>>,
    /// Per coder, the rule that chose their units.
    pub rules: Vec<CoderUnits>,
}

impl Values {
    /// The values of `sets` on `doc` under the rule of each set's status
    /// (see [`super`]), themes from `store`, sub-themes as `sub` says.
    pub fn of(doc: &Document, store: &Store, sets: &[&AnnotationSet], sub: SubThemes) -> Values {
        let units: Vec<&str> = doc.taggable().map(|b| b.id.as_str()).collect();
        // Units sorted by block id with their position: tags, notes and
        // marks are keyed by block id, so one sorted walk finds each.
        let mut order: Vec<(&str, usize)> = units.iter().enumerate().map(|(i, u)| (*u, i)).collect();
        order.sort_unstable();
        let position = |block: &str| -> Option<usize> {
            order
                .binary_search_by(|(b, _)| (*b).cmp(block))
                .ok()
                .map(|i| order[i].1)
        };
        let themes: Vec<String> = store.themes().iter().map(|t| t.id.clone()).collect();
        let index: BTreeMap<&str, usize> = themes.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
        // A theme's tags count for the theme and, asked, for its parent.
        let counts_for: BTreeMap<&str, (usize, Option<usize>)> = themes
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let parent = (sub == SubThemes::WithParent)
                    .then(|| store.codebook.get(t).and_then(|e| e.entry.parent.as_deref()))
                    .flatten()
                    .and_then(|p| index.get(p).copied());
                (t.as_str(), (i, parent))
            })
            .collect();
        let words = themes.len().div_ceil(64).max(1);
        let n = units.len();
        let mut values = Values {
            themes: Vec::new(),
            units: n,
            words,
            coded: Vec::with_capacity(sets.len()),
            bits: Vec::with_capacity(sets.len()),
            rules: Vec::with_capacity(sets.len()),
        };
        for s in sets {
            let status = s.status();
            let rule = UnitRule::for_status(status);
            let mut bits = vec![0u64; n * words];
            let mut last: Option<usize> = None;
            let mut touch = |u: usize| last = Some(last.map_or(u, |l: usize| l.max(u)));
            // Tags come sorted by block: one search per block, not per tag.
            let mut at: Option<(&str, Option<usize>)> = None;
            for (k, e) in &s.tags {
                let u = match at {
                    Some((b, u)) if b == k.block => u,
                    _ => {
                        let u = position(&k.block);
                        at = Some((k.block.as_str(), u));
                        u
                    }
                };
                let Some(u) = u else { continue };
                // A tag taken off (a tombstone) was a touch too.
                touch(u);
                if !e.present {
                    continue;
                }
                if let Some(&(t, parent)) = counts_for.get(k.theme.as_str()) {
                    for t in std::iter::once(t).chain(parent) {
                        bits[u * words + t / 64] |= 1 << (t % 64);
                    }
                }
            }
            let mut marked_at = vec![false; n];
            for (b, m) in &s.uncoded {
                if let Some(u) = position(b).filter(|_| m.on) {
                    marked_at[u] = true;
                    touch(u);
                }
            }
            for (b, note) in &s.notes {
                if let Some(u) = position(b).filter(|_| !note.text.is_empty()) {
                    touch(u);
                }
            }
            let reached = match rule {
                UnitRule::WholeDocument => n,
                UnitRule::ReadingOrder => last.map_or(0, |l| l + 1),
            };
            let coded: Vec<bool> = (0..n).map(|u| u < reached && !marked_at[u]).collect();
            let marked = marked_at[..reached].iter().filter(|&&m| m).count();
            values.rules.push(CoderUnits {
                coder: s.id.clone(),
                status,
                rule,
                paragraphs: n,
                counted: reached - marked,
                marked,
                unreached: n - reached,
            });
            values.coded.push(coded);
            values.bits.push(bits);
        }
        values.themes = themes;
        values
    }

    /// Coder `c`'s value of theme `k` on unit `u`: `None` when the coder
    /// did not code the unit.
    pub fn value(&self, c: usize, u: usize, k: usize) -> Option<bool> {
        let coded = *self.coded.get(c)?.get(u)?;
        coded.then(|| self.bits[c][u * self.words + k / 64] >> (k % 64) & 1 == 1)
    }

    /// The themes coder `c` gave unit `u`, by index; `None` when not coded.
    pub fn themes_of(&self, c: usize, u: usize) -> Option<impl Iterator<Item = usize> + '_> {
        let coded = *self.coded.get(c)?.get(u)?;
        let cell = &self.bits[c][u * self.words..(u + 1) * self.words];
        coded.then(|| (0..self.themes.len()).filter(move |k| cell[k / 64] >> (k % 64) & 1 == 1))
    }

    /// Whether the coders who coded unit `u` differ on some theme.
    pub fn disagree(&self, u: usize) -> bool {
        let mut first: Option<&[u64]> = None;
        for (coded, bits) in self.coded.iter().zip(&self.bits) {
            if !coded.get(u).copied().unwrap_or(false) {
                continue;
            }
            let cell = &bits[u * self.words..(u + 1) * self.words];
            match first {
                None => first = Some(cell),
                Some(f) if f != cell => return true,
                Some(_) => {}
            }
        }
        false
    }

    /// How many coders coded unit `u`.
    pub fn coders_of(&self, u: usize) -> usize {
        self.coded.iter().filter(|c| c.get(u).copied().unwrap_or(false)).count()
    }
}
