//! Agreement across the corpus: pooled over every paragraph of every
//! document that two or more coders marked done.
//!
//! **What counts.** A document enters when at least two coders marked it
//! done ([`Status::Done`]); in it, only those coders' codings count, each
//! under the done rule ([`crate::compare::UnitRule::WholeDocument`]: every paragraph
//! without a tag is absent, a paragraph marked not coded is missing). A
//! coder still at work on a document says nothing about it here, so the
//! corpus figure is a figure of finished work, as INCEpTION's curation
//! takes only finished documents. Coders are recognised across documents
//! by their set id ([`crate::coders`]).
//!
//! **How it pools.** Exactly as one document's report does
//! ([`crate::agreement::report`]): per theme, each paragraph is a unit
//! (present or absent); overall, each paragraph × theme is one unit. The
//! corpus is the union of its documents' units: the reliability data of
//! all documents side by side, one coder per row. A theme counts in a
//! document only where it is a live theme of that document's store (a
//! question never asked there is not answered "absent"). Chance agreement
//! is judged from the value totals of the whole corpus, so the corpus α is
//! not an average of the documents' α.
//!
//! **Cost.** Each document's values are read once, as bits ([`Values`]),
//! and reduced to additive counts ([`BinaryCounts`]); the corpus figures
//! are their sums, so nothing the size of the corpus is held beyond one
//! document's values at a time.
//!
//! Sources: Krippendorff (2011), "Computing Krippendorff's
//! Alpha-Reliability"; Cohen (1960).

use std::collections::BTreeMap;

use crate::agreement::{Agreement, AlphaResult, BinaryCounts, Scope};
use crate::compare::{coders, compare_sets, Compared, SubThemes, Values};
use crate::document::Document;
use crate::store::{AnnotationSet, Status, Store};
use crate::themes::Theme;

/// One document of the library with its annotations, as the corpus reads
/// it.
#[derive(Debug, Clone, Copy)]
pub struct CorpusDocument<'a> {
    /// The library's name for the document.
    pub title: &'a str,
    pub doc: &'a Document,
    pub store: &'a Store,
}

/// A document that enters the corpus: its coders who marked it done,
/// compared under the done rule.
#[derive(Debug, Clone)]
pub struct IncludedDocument<'a> {
    pub source: CorpusDocument<'a>,
    /// The done coders' matrix; `compared.coding.coders` are their set ids.
    pub compared: Compared,
}

/// The documents that enter the corpus, in the order given: those at least
/// two coders marked done, each compared over those coders only (set id
/// order).
pub fn included<'a>(docs: &[CorpusDocument<'a>], sub: SubThemes) -> Vec<IncludedDocument<'a>> {
    docs.iter()
        .filter_map(|d| {
            let done = done_coders(d.store);
            (done.len() >= 2).then(|| IncludedDocument {
                source: *d,
                compared: compare_sets(d.doc, d.store, &done, sub),
            })
        })
        .collect()
}

/// One document with every coder, each under the rule of their status:
/// the data of the document's own panel ([`crate::compare::report`]), for
/// the reliability data of that one document.
pub fn every_coder<'a>(source: CorpusDocument<'a>, sub: SubThemes) -> IncludedDocument<'a> {
    IncludedDocument {
        source,
        compared: crate::compare::compared(source.doc, source.store, sub),
    }
}

/// The coder sets of a store whose status is done, in id order.
fn done_coders(store: &Store) -> Vec<&AnnotationSet> {
    coders(store)
        .into_iter()
        .filter(|s| s.status() == Status::Done)
        .collect()
}

/// A coder of the corpus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusCoder {
    /// Their set id, the same in every document.
    pub id: String,
    /// Their name, as their most recently renamed set has it.
    pub name: String,
    /// `#rrggbb`, from the same set.
    pub color: String,
    /// Documents of the corpus they marked done.
    pub documents: usize,
}

/// Agreement on one theme across the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusTheme {
    /// The theme (names and colour as the first document that has it).
    pub theme: Theme,
    pub agreement: Agreement,
    /// Documents in which the theme had at least one pairable paragraph.
    pub documents: usize,
}

/// One document's part of the corpus figure.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentAgreement {
    /// The document's fingerprint (its id in the library).
    pub id: String,
    pub title: String,
    /// Set ids of the coders who marked it done.
    pub coders: Vec<String>,
    /// Paragraphs coded by two or more of them.
    pub units: usize,
    /// α pooled over the document's themes, as in the corpus.
    pub alpha: AlphaResult,
    /// Paragraphs on which they disagree on some theme.
    pub disagreements: usize,
}

/// Agreement across the corpus.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusReport {
    /// Documents that entered (two or more coders marked them done).
    pub documents: usize,
    /// Paragraphs coded by two or more coders, over those documents.
    pub units: usize,
    /// Every coder who marked a document of the corpus done, by id.
    pub coders: Vec<CorpusCoder>,
    /// Per theme, in the order themes first appear (each document's in
    /// display order).
    pub themes: Vec<CorpusTheme>,
    /// Every theme pooled: each paragraph × theme a unit.
    pub overall: Agreement,
    /// One entry per document that entered, in the order given.
    pub per_document: Vec<DocumentAgreement>,
    /// Documents left out, with how many coders marked each done (0 or 1),
    /// by id, in the order given.
    pub left_out: Vec<(String, usize)>,
}

/// Corpus agreement over `docs` (the library's documents with their
/// stores), sub-themes counted as `sub` says.
///
/// Figures are those of [`crate::agreement::report`] on the reliability
/// data of every included document side by side ([`included`]); κ is per
/// pair of corpus coders over the units both coded. Empty input, or no
/// document with two done coders, gives undefined figures (reason
/// [`agreement::Undefined::SingleCoder`]), never a panic.
pub fn corpus_agreement(docs: &[CorpusDocument], sub: SubThemes) -> CorpusReport {
    let mut left_out = Vec::new();
    let mut entered: Vec<(&CorpusDocument, Vec<&AnnotationSet>)> = Vec::new();
    // Coders by id, each with the set of the latest rename.
    let mut coder_sets: BTreeMap<&str, (&AnnotationSet, usize)> = BTreeMap::new();
    for d in docs {
        let done = done_coders(d.store);
        if done.len() < 2 {
            left_out.push((d.doc.fingerprint.clone(), done.len()));
            continue;
        }
        for s in &done {
            let e = coder_sets.entry(s.id.as_str()).or_insert((s, 0));
            if s.stamps.name.t > e.0.stamps.name.t {
                e.0 = s;
            }
            e.1 += 1;
        }
        entered.push((d, done));
    }
    let slot: BTreeMap<&str, usize> = coder_sets.keys().enumerate().map(|(i, id)| (*id, i)).collect();
    let width = slot.len();
    let ids: Vec<String> = coder_sets.keys().map(|id| id.to_string()).collect();

    let mut themes: Vec<(Theme, BinaryCounts, usize)> = Vec::new();
    let mut theme_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut pooled = BinaryCounts::new(width);
    let mut per_document = Vec::with_capacity(entered.len());
    let mut units = 0;
    // One unit's values, coder by coder in their corpus slots.
    let mut unit: Vec<Option<bool>> = vec![None; width];
    for (d, done) in &entered {
        let v = Values::of(d.doc, d.store, done, sub);
        let slots: Vec<usize> = done.iter().map(|s| slot[s.id.as_str()]).collect();
        let mut doc_pooled = BinaryCounts::new(width);
        for (k, theme_id) in v.themes.iter().enumerate() {
            let mut counts = BinaryCounts::new(width);
            for u in 0..v.units {
                for (c, &s) in slots.iter().enumerate() {
                    unit[s] = v.value(c, u, k);
                }
                counts.add_unit(&unit);
            }
            let g = *theme_index.entry(theme_id.clone()).or_insert_with(|| {
                let theme = d.store.theme(theme_id).cloned().unwrap_or_else(|| Theme {
                    id: theme_id.clone(),
                    name_zh: String::new(),
                    name_en: theme_id.clone(),
                    color: "#888888".into(),
                    key: None,
                });
                themes.push((theme, BinaryCounts::new(width), 0));
                themes.len() - 1
            });
            themes[g].1.add(&counts);
            themes[g].2 += usize::from(counts.units() > 0);
            doc_pooled.add(&counts);
        }
        for &s in &slots {
            unit[s] = None;
        }
        pooled.add(&doc_pooled);
        let paragraphs = (0..v.units).filter(|&u| v.coders_of(u) >= 2).count();
        units += paragraphs;
        per_document.push(DocumentAgreement {
            id: d.doc.fingerprint.clone(),
            title: d.title.to_string(),
            coders: done.iter().map(|s| s.id.clone()).collect(),
            units: paragraphs,
            alpha: doc_pooled.agreement(&ids, Scope::Pooled).alpha,
            disagreements: (0..v.units).filter(|&u| v.coders_of(u) >= 2 && v.disagree(u)).count(),
        });
    }
    CorpusReport {
        documents: entered.len(),
        units,
        coders: coder_sets
            .into_iter()
            .map(|(id, (s, documents))| CorpusCoder {
                id: id.to_string(),
                name: s.name.clone(),
                color: s.color.clone(),
                documents,
            })
            .collect(),
        themes: themes
            .into_iter()
            .map(|(theme, counts, documents)| CorpusTheme {
                theme,
                agreement: counts.agreement(&ids, Scope::Theme),
                documents,
            })
            .collect(),
        overall: pooled.agreement(&ids, Scope::Pooled),
        per_document,
        left_out,
    }
}

#[cfg(test)]
mod tests;
