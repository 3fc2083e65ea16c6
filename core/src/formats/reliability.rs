//! The reliability data as CSV (RFC 4180): one row per unit × coder ×
//! theme, so R or Python reproduce every agreement figure the app shows.
//!
//! How: `docs/agreement.md` (R's `irr::kripp.alpha` and Python's
//! `krippendorff.alpha` on a coders × units matrix per theme, and the
//! pooled matrix).

use std::collections::BTreeMap;

use super::csv::Rows;
use crate::coders::display_names;
use crate::corpus::IncludedDocument;
use crate::store::AnnotationSet;

/// The columns, in order.
pub const COLUMNS: [&str; 11] = [
    "document_id",
    "document_title",
    "paragraph_id",
    "paragraph",
    "coder_id",
    "coder_name",
    "coder_status",
    "rule",
    "theme_id",
    "theme_name",
    "value",
];

/// The reliability data of `docs` (as [`crate::corpus::included`] gives
/// them for the corpus figures, or one document with every coder,
/// [`crate::corpus::every_coder`], for its panel figures) as CSV text.
///
/// One row per document × theme × paragraph × coder of that document's
/// comparison, in that order (documents as given, themes in display order,
/// paragraphs in reading order, coders by id). Columns ([`COLUMNS`]):
///
/// - `document_id`: the document's fingerprint (16 hex digits);
///   `document_title`: the library's name for it;
/// - `paragraph_id`: the block id (the same in every copy of the text);
///   `paragraph`: its position among the document's taggable paragraphs,
///   from 1;
/// - `coder_id`: the coder's set id, one coder across documents;
///   `coder_name`: their name, told apart when two share one (`李明 (2)`);
///   `coder_status`: `not-started`, `in-progress` or `done`; `rule`: which
///   paragraphs counted for them, `whole-document` (done: untagged is
///   absent) or `reading-order` (up to the last paragraph touched);
/// - `theme_id`, `theme_name` (its label, `投资 investment`);
/// - `value`: `1` the theme is present, `0` absent, empty when the coder
///   did not code the paragraph (missing: marked not coded, or past the
///   last touched under the reading-order rule).
///
/// Every unit is written, pairable or not: Krippendorff's α and Cohen's κ
/// leave the units with fewer than two values out themselves. RFC 4180
/// with CRLF, a UTF-8 byte order mark, formula-like cells prefixed with
/// `'` (as [`super::csv::csv`]). Never fails.
pub fn csv(docs: &[IncludedDocument]) -> String {
    // Names: each coder's set of the latest rename, then told apart.
    let mut latest: BTreeMap<&str, &AnnotationSet> = BTreeMap::new();
    for d in docs {
        for id in &d.compared.coding.coders {
            if let Some(s) = d.source.store.sets.get(id) {
                let e = latest.entry(id.as_str()).or_insert(s);
                if s.stamps.name.t > e.stamps.name.t {
                    *e = s;
                }
            }
        }
    }
    let pairs: Vec<(&str, &str)> = latest.iter().map(|(id, s)| (*id, s.name.as_str())).collect();
    let names = display_names(&pairs, None);
    let mut w = Rows::new();
    w.row(COLUMNS);
    for d in docs {
        let coding = &d.compared.coding;
        let title = d.source.title;
        let fp = d.source.doc.fingerprint.as_str();
        let coders: Vec<(&str, &str, &str, &str)> = coding
            .coders
            .iter()
            .zip(&d.compared.units)
            .map(|(id, u)| {
                let name = names.get(id).map(String::as_str).unwrap_or(id);
                let rule = match u.rule {
                    crate::compare::UnitRule::WholeDocument => "whole-document",
                    crate::compare::UnitRule::ReadingOrder => "reading-order",
                };
                (id.as_str(), name, u.status.as_str(), rule)
            })
            .collect();
        for theme in &coding.themes {
            let label = d
                .source
                .store
                .theme(theme)
                .map(|t| t.label())
                .unwrap_or_else(|| theme.clone());
            for (u, block) in coding.units.iter().enumerate() {
                let paragraph = (u + 1).to_string();
                for (c, (id, name, status, rule)) in coders.iter().enumerate() {
                    let value = match coding.values.get(c).and_then(|row| row.get(u)) {
                        Some(Some(set)) if set.contains(theme) => "1",
                        Some(Some(_)) => "0",
                        _ => "",
                    };
                    w.row([
                        fp, title, block, &paragraph, id, name, status, rule, theme, &label, value,
                    ]);
                }
            }
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests;
