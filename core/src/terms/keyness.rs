//! Keyness: how much more often a term occurs in a document than in a
//! reference (the library's other documents), by the log-likelihood ratio
//! as corpus tools compute it (AntConc, KH Coder, Wmatrix):
//!
//! - Dunning, T. (1993). Accurate methods for the statistics of surprise
//!   and coincidence. *Computational Linguistics* 19(1), 61–74.
//! - Rayson, P. & Garside, R. (2000). Comparing corpora using frequency
//!   profiling. *Proceedings of the Workshop on Comparing Corpora*, ACL
//!   2000, 1–6.
//!
//! The reference travels from the page to the worker inside a
//! [`super::job::Job`], so it is plain data: per-term counts and a token
//! total, summed over the reference documents.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One document's candidate words and how often each occurs: what a
/// [`Reference`] is summed from. Built by [`super::Segmenter::counts`].
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Counts {
    /// Occurrences per candidate word (folded to half-width forms).
    pub terms: BTreeMap<String, u64>,
    /// All candidate tokens of the document (the sum of `terms`).
    pub tokens: u64,
}

/// The documents a document is compared with: the other documents of the
/// library, as summed [`Counts`].
///
/// JSON shape: `{"documents": 2, "tokens": 2310, "terms": {"腐败": 24, …}}`.
/// An empty reference (no documents or no tokens) is no reference: the
/// ranking falls back to the single-document method.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Reference {
    /// How many documents were summed.
    pub documents: u32,
    /// Candidate tokens over all of them.
    pub tokens: u64,
    /// Occurrences per candidate word over all of them.
    pub terms: BTreeMap<String, u64>,
}

impl Reference {
    /// The sum of the given documents' counts.
    ///
    /// ```
    /// use annotator_core::terms::keyness::{Counts, Reference};
    /// let a = Counts { terms: [("外资".to_string(), 3)].into(), tokens: 10 };
    /// let b = Counts { terms: [("外资".to_string(), 1), ("腐败".to_string(), 2)].into(), tokens: 5 };
    /// let r = Reference::from_counts([&a, &b]);
    /// assert_eq!((r.documents, r.tokens, r.terms["外资"], r.terms["腐败"]), (2, 15, 4, 2));
    /// ```
    pub fn from_counts<'a>(documents: impl IntoIterator<Item = &'a Counts>) -> Reference {
        let mut r = Reference::default();
        for c in documents {
            r.add(c);
        }
        r
    }

    /// Adds one document's counts (sums saturate, never overflow).
    pub fn add(&mut self, counts: &Counts) {
        self.documents = self.documents.saturating_add(1);
        self.tokens = self.tokens.saturating_add(counts.tokens);
        for (t, n) in &counts.terms {
            let e = self.terms.entry(t.clone()).or_default();
            *e = e.saturating_add(*n);
        }
    }

    /// Whether there is anything to compare with.
    pub fn is_empty(&self) -> bool {
        self.documents == 0 || self.tokens == 0
    }

    /// Occurrences of `term` in the reference (0 when absent).
    pub fn count(&self, term: &str) -> u64 {
        self.terms.get(term).copied().unwrap_or(0)
    }
}

/// The log-likelihood keyness of a term (Rayson & Garside 2000), signed:
/// positive when the term is relatively more frequent in the document than
/// in the reference (overuse), negative when less, 0 when equal or when a
/// total is 0.
///
/// `a` occurrences among `c` tokens in the document, `b` among `d` in the
/// reference. With `E1 = c·(a+b)/(c+d)` and `E2 = d·(a+b)/(c+d)`:
///
/// ```text
/// G² = 2 · (a·ln(a/E1) + b·ln(b/E2))      (a term with a zero count adds 0)
/// ```
///
/// G² above 3.84 is significant at p < 0.05, above 6.63 at p < 0.01 (one
/// degree of freedom).
///
/// ```
/// use annotator_core::terms::keyness::log_likelihood;
/// let g = log_likelihood(10, 1000, 1, 1000);
/// assert!(g > 6.63);
/// assert!(log_likelihood(1, 1000, 10, 1000) < 0.0);
/// assert_eq!(log_likelihood(5, 1000, 5, 1000), 0.0);
/// assert_eq!(log_likelihood(3, 0, 0, 0), 0.0);
/// ```
pub fn log_likelihood(a: u64, c: u64, b: u64, d: u64) -> f64 {
    if c == 0 || d == 0 || (a == 0 && b == 0) {
        return 0.0;
    }
    let (a, b, c, d) = (a as f64, b as f64, c as f64, d as f64);
    let e1 = c * (a + b) / (c + d);
    let e2 = d * (a + b) / (c + d);
    let part = |o: f64, e: f64| if o > 0.0 && e > 0.0 { o * (o / e).ln() } else { 0.0 };
    let g2 = (2.0 * (part(a, e1) + part(b, e2))).max(0.0);
    if a / c >= b / d {
        g2
    } else {
        -g2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_textbook_example_and_its_symmetry() {
        // Rayson & Garside's worked form: 10 in 1000 vs 1 in 1000.
        let g = log_likelihood(10, 1000, 1, 1000);
        assert!((g - 8.547).abs() < 0.001, "{g}");
        assert!((log_likelihood(1, 1000, 10, 1000) + g).abs() < 1e-12);
        assert_eq!(log_likelihood(0, 10, 0, 10), 0.0);
        assert!(log_likelihood(1, 10, 0, 1_000_000) > 0.0);
        assert!(log_likelihood(u64::MAX, u64::MAX, 1, 1).is_finite());
    }

    #[test]
    fn references_round_trip_and_old_jobs_have_none() {
        let r: Reference = serde_json::from_str("{}").unwrap();
        assert!(r.is_empty());
        let c = Counts {
            terms: [("园区".to_string(), 2)].into(),
            tokens: 9,
        };
        let r = Reference::from_counts([&c]);
        assert_eq!(
            serde_json::from_str::<Reference>(&serde_json::to_string(&r).unwrap()).unwrap(),
            r
        );
        assert_eq!((r.count("园区"), r.count("外资")), (2, 0));
    }
}
