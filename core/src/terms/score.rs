//! The numbers behind each ranking and the reason shown for a term.

use std::collections::BTreeMap;

use super::dispersion::dp_norm;
use super::genre::{is_register, part_shares};
use super::keyness::{log_likelihood, Reference};
use super::{normalise, text_rank, Method, Token};

/// Weight kept by a register word in the genre ranking ([`super::genre::REGISTER`]).
pub const REGISTER_WEIGHT: f64 = 0.2;
/// The least a term's dispersion factor can be (a term spread perfectly
/// evenly keeps this share of its TF-IDF): `floor + (1 − floor)·DPnorm`.
pub const DISPERSION_FLOOR: f64 = 0.3;

/// Everything measured about one candidate.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Measures {
    /// TF-IDF, TextRank, genre and keyness scores, each normalised so the
    /// document's best has 1 (keyness 0 without a reference).
    pub tfidf: f64,
    pub textrank: f64,
    pub genre: f64,
    pub keyness_weight: f64,
    /// Gries' DPnorm over the analysed blocks.
    pub dispersion: f64,
    /// Signed log-likelihood against the reference (0 without one).
    pub keyness: f64,
    /// Occurrences per 1000 candidate tokens, here and in the reference.
    pub per_mille: f64,
    pub reference_per_mille: f64,
    pub register: bool,
    /// The share of its uses outside longer candidates ([`part_shares`]).
    pub part_share: f64,
    /// Blocks that hold it, of the blocks with any candidate.
    pub blocks_with: usize,
    pub blocks: usize,
}

impl Measures {
    /// The weight `method` ranks by (`Auto` must be resolved first).
    pub fn weight(&self, method: Method) -> f64 {
        match method {
            Method::TfIdf => self.tfidf,
            Method::TextRank => self.textrank,
            Method::Fused => (self.tfidf + self.textrank) / 2.0,
            Method::Genre | Method::Auto => self.genre,
            Method::Keyness => self.keyness_weight,
        }
    }
}

/// Measures every candidate of `tf` (counts over `tokens`, `total` tokens
/// in all); `idf` gives a word's inverse document frequency.
pub(super) fn measure<'a>(
    tokens: &[(usize, Vec<Token<'a>>)],
    tf: &BTreeMap<&'a str, usize>,
    total: usize,
    idf: impl Fn(&str) -> f64,
    reference: Option<&Reference>,
) -> BTreeMap<&'a str, Measures> {
    let raw_tfidf: BTreeMap<&str, f64> = tf
        .iter()
        .map(|(w, n)| (*w, *n as f64 * idf(w) / total.max(1) as f64))
        .collect();
    let tfidf = normalise(raw_tfidf.clone());
    let textrank = normalise(text_rank(tokens));
    let shares = part_shares(tf);
    // Blocks with any candidate, their sizes, and each word's counts there.
    let filled: Vec<&Vec<Token>> = tokens.iter().map(|(_, k)| k).filter(|k| !k.is_empty()).collect();
    let sizes: Vec<usize> = filled.iter().map(|k| k.len()).collect();
    let mut per_block: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, kept) in filled.iter().enumerate() {
        for t in kept.iter() {
            per_block.entry(t.0).or_insert_with(|| vec![0; filled.len()])[i] += 1;
        }
    }
    let reference = reference.filter(|r| !r.is_empty());
    let mut out: BTreeMap<&str, Measures> = BTreeMap::new();
    let mut genre = BTreeMap::new();
    let mut keyness_weight = BTreeMap::new();
    for (&w, &n) in tf {
        let counts = per_block.get(w).cloned().unwrap_or_default();
        let dispersion = if counts.is_empty() {
            1.0
        } else {
            dp_norm(&counts, &sizes)
        };
        let register = is_register(w);
        let part_share = shares.get(w).copied().unwrap_or(1.0);
        let spread = DISPERSION_FLOOR + (1.0 - DISPERSION_FLOOR) * dispersion;
        let damp = if register { REGISTER_WEIGHT } else { 1.0 };
        genre.insert(w, raw_tfidf.get(w).copied().unwrap_or(0.0) * spread * part_share * damp);
        let (keyness, reference_per_mille) = match reference {
            Some(r) => (
                log_likelihood(n as u64, total as u64, r.count(w), r.tokens),
                r.count(w) as f64 * 1000.0 / r.tokens as f64,
            ),
            None => (0.0, 0.0),
        };
        keyness_weight.insert(w, keyness.max(0.0) * part_share * damp);
        out.insert(
            w,
            Measures {
                tfidf: tfidf.get(w).copied().unwrap_or(0.0),
                textrank: textrank.get(w).copied().unwrap_or(0.0),
                dispersion,
                keyness,
                per_mille: n as f64 * 1000.0 / total.max(1) as f64,
                reference_per_mille,
                register,
                part_share,
                blocks_with: counts.iter().filter(|&&c| c > 0).count(),
                blocks: sizes.len(),
                ..Measures::default()
            },
        );
    }
    let genre = normalise(genre);
    let keyness_weight = normalise(keyness_weight);
    for (w, m) in out.iter_mut() {
        m.genre = genre.get(w).copied().unwrap_or(0.0);
        m.keyness_weight = keyness_weight.get(w).copied().unwrap_or(0.0);
    }
    out
}

/// Why a term is listed, for the settings panel: `中文 · English`, naming
/// the numbers the ranking used.
pub(super) fn reason(method: Method, m: &Measures, pinned: bool, added: bool) -> String {
    let mut zh: Vec<String> = Vec::new();
    let mut en: Vec<String> = Vec::new();
    if pinned {
        zh.push("已置顶".into());
        en.push("pinned".into());
    } else if added {
        zh.push("已添加".into());
        en.push("added".into());
    }
    match method {
        Method::TfIdf | Method::TextRank | Method::Fused => {
            zh.push(format!("TF-IDF {:.2}，TextRank {:.2}", m.tfidf, m.textrank));
            en.push(format!("TF-IDF {:.2}, TextRank {:.2}", m.tfidf, m.textrank));
        }
        Method::Keyness => {
            zh.push(format!(
                "本文每千词 {:.1} 次，参照文档 {:.1} 次（对数似然 {:.1}）",
                m.per_mille, m.reference_per_mille, m.keyness
            ));
            en.push(format!(
                "{:.1} per 1000 words here, {:.1} in the reference (log-likelihood {:.1})",
                m.per_mille, m.reference_per_mille, m.keyness
            ));
        }
        Method::Genre | Method::Auto => {
            let (zh_spread, en_spread) = if m.dispersion >= 0.5 {
                ("集中出现", "clustered")
            } else {
                ("通篇分布", "spread evenly")
            };
            zh.push(format!(
                "见于 {}/{} 段，{zh_spread}（DP {:.2}），TF-IDF {:.2}",
                m.blocks_with, m.blocks, m.dispersion, m.tfidf
            ));
            en.push(format!(
                "in {} of {} paragraphs, {en_spread} (DP {:.2}), TF-IDF {:.2}",
                m.blocks_with, m.blocks, m.dispersion, m.tfidf
            ));
            if m.register {
                zh.push("政府讲话常用词，降权".into());
                en.push("ordinary in government speeches, weighed down".into());
            }
        }
    }
    if matches!(method, Method::Genre | Method::Auto | Method::Keyness) && m.part_share < 1.0 {
        zh.push(format!(
            "{:.0}% 的用例在更长的词内，让位于复合词",
            (1.0 - m.part_share) * 100.0
        ));
        en.push(format!(
            "{:.0}% of its uses are inside longer terms, which come first",
            (1.0 - m.part_share) * 100.0
        ));
    }
    format!("{} · {}", zh.join("；"), en.join("; "))
}
