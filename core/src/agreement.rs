//! Intercoder agreement: how far coders who tagged the same paragraphs agree.
//!
//! A *unit* is a paragraph (a block id). Each coder either did not code a unit
//! (missing) or coded it, and then, for each theme, the theme is present or
//! absent. Missing and absent are kept apart throughout: a coder who skipped a
//! paragraph says nothing about it, so it can neither raise nor lower
//! agreement, whereas a coder who read it and left a theme off did disagree
//! with a coder who put it on.
//!
//! Three statistics are offered, because readers of coding studies ask for
//! all three:
//!
//! - [`krippendorff_alpha_nominal`]: any number of coders, tolerates missing
//!   values, corrects for chance; the figure content analysts report;
//! - [`cohen_kappa`]: two coders, corrects for chance from each coder's own
//!   habits; reported pairwise and averaged;
//! - [`percent_agreement`]: the plain share of agreeing coder pairs, with no
//!   chance correction, so readers can see what the corrected figures start from.
//!
//! [`report`] computes them per theme and pooled over all themes, and
//! [`disagreements`] lists the paragraphs an adjudicator should look at.
//! Each figure says what it is: [`Agreement::definitions`] words the
//! definition of each statistic with the counts it was computed from, and
//! [`KappaPairs`] names the coder pairs κ̄ leaves out, with why.
//!
//! For the present/absent variables of themes, [`BinaryCounts`] keeps
//! sums that add up across documents, so a corpus's figures are the sum
//! of its documents' counts (see [`crate::corpus`]) and are the same
//! whatever order the documents come in.
//!
//! A statistic that cannot be computed is `None` with an [`Undefined`] reason,
//! never NaN: the UI must be able to say *why* there is no number.
//!
//! Everything is one pass over units with per-unit tallies (no comparison of
//! units with each other), so a report on thousands of paragraphs is cheap.

use std::collections::{BTreeMap, BTreeSet};

mod counts;
mod definitions;

pub use counts::BinaryCounts;
pub use definitions::Definitions;

/// Who coded what.
///
/// `values[c][u]` is coder `coders[c]`'s coding of unit `units[u]`:
/// `None` when that coder did not code the unit (missing), otherwise the set of
/// theme ids the coder found present; every theme not in the set is absent.
///
/// The shape is taken as it comes, because it is built from user files: a
/// row or cell beyond `coders` or `units` is ignored, and a row or cell that
/// is not there counts as not coded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Coding {
    pub coders: Vec<String>,
    pub units: Vec<String>,
    pub themes: Vec<String>,
    pub values: Vec<Vec<Option<BTreeSet<String>>>>,
}

impl Coding {
    /// Coder `c`'s coding of unit `u`, or `None` if not coded.
    fn cell(&self, c: usize, u: usize) -> Option<&BTreeSet<String>> {
        self.values.get(c).and_then(|row| row.get(u)).and_then(Option::as_ref)
    }
}

/// Why a statistic has no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undefined {
    /// Fewer than two coders coded anything, so there is nobody to agree with.
    SingleCoder,
    /// No unit was coded by two or more coders (for kappa: by both coders),
    /// so there is nothing to compare.
    NoPairableUnits,
    /// Every compared value is the same (for example, nobody ever used the
    /// theme). Chance alone would then produce perfect agreement, so a
    /// chance-corrected coefficient is 0/0: undefined, not 1.
    NoVariation,
}

impl Undefined {
    /// The text the UI shows in place of the number.
    pub fn message(&self) -> &'static str {
        match self {
            Undefined::SingleCoder => "少于两位编码者 · Fewer than two coders",
            Undefined::NoPairableUnits => {
                "没有由两位以上编码者共同编码的段落 · No paragraph was coded by two or more coders"
            }
            Undefined::NoVariation => {
                "所有编码都相同，无法校正偶然一致 · Every coding is the same, so chance agreement cannot be corrected for"
            }
        }
    }

    /// Why Cohen's κ of one pair of coders is undefined, as the UI says it
    /// of that pair.
    pub fn pair_message(&self) -> &'static str {
        match self {
            Undefined::SingleCoder => "少于两位编码者 · Fewer than two coders",
            Undefined::NoPairableUnits => {
                "两人没有共同编码的段落 · The two coded no paragraph in common"
            }
            Undefined::NoVariation => {
                "两人在共同段落上始终给出同一个值（例如都未用过该主题） · Both gave one and the same value on every shared paragraph (for example, neither used the theme)"
            }
        }
    }
}

/// Krippendorff's alpha and what it was computed from.
///
/// Exactly one of `alpha` and `undefined` is `Some`. α = 1 − D_o/D_e
/// (Krippendorff 2011); both disagreements are given so a reader can
/// check the figure.
#[derive(Debug, Clone, PartialEq)]
pub struct AlphaResult {
    pub alpha: Option<f64>,
    pub undefined: Option<Undefined>,
    /// D_o, the observed disagreement: the share of off-diagonal pairs in
    /// the coincidence matrix, in [0, 1]. `None` without pairable units.
    pub observed_disagreement: Option<f64>,
    /// D_e, the disagreement expected by chance from the pooled value
    /// totals, in [0, 1]; 0 when every value is the same. `None` without
    /// pairable units.
    pub expected_disagreement: Option<f64>,
    /// Pairable units: units with at least two values.
    pub units: usize,
    /// Pairable values (n.. in Krippendorff's notation): values in those units.
    pub values: usize,
    /// Coders with at least one value in a pairable unit.
    pub coders: usize,
}

/// Cohen's kappa for two coders and what it was computed from.
///
/// `kappa` is `Some` exactly when `undefined` is `None`; `observed` and
/// `expected` are `Some` whenever the coders share at least one unit.
#[derive(Debug, Clone, PartialEq)]
pub struct KappaResult {
    pub kappa: Option<f64>,
    /// p_o: share of shared units on which the two coders agree.
    pub observed: Option<f64>,
    /// p_e: agreement expected by chance from each coder's own marginals.
    pub expected: Option<f64>,
    pub undefined: Option<Undefined>,
    /// Units both coders coded.
    pub units: usize,
}

/// Percent agreement and what it was computed from.
///
/// `agreement` is the share of agreeing pairs, pooled: over every unit
/// coded by two or more coders, each pair of coders who both coded it is
/// one comparison, and the figure is the agreeing comparisons over all of
/// them (`agreeing_pairs / pairs`). This is what "percent agreement" says
/// in words, what a reader recounts from the reliability data, and equals
/// Krippendorff's observed agreement 1 − D_o whenever every unit has the
/// same number of coders; a unit that five coders coded (ten pairs) weighs
/// more than one that two coded (one pair). `mean_per_unit`, the mean over
/// units of each unit's share of agreeing pairs (every unit weighing the
/// same), is the figure the panel showed before; it is kept, named, so
/// that a report that used it can still say so. Both are `Some` exactly
/// when `undefined` is `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentResult {
    /// The pooled share of agreeing pairs, in [0, 1] (the UI multiplies by 100).
    pub agreement: Option<f64>,
    /// The mean over units of each unit's share of agreeing pairs, in [0, 1].
    pub mean_per_unit: Option<f64>,
    /// Pairs of coders who both coded a unit, summed over units (unordered:
    /// a unit coded by m coders has m(m − 1)/2).
    pub pairs: u64,
    /// Of those, the pairs who gave the same value.
    pub agreeing_pairs: u64,
    pub undefined: Option<Undefined>,
    /// Units coded by at least two coders.
    pub units: usize,
    /// Coders with at least one value in those units.
    pub coders: usize,
}

/// Kappa for one pair of coders, named by id.
#[derive(Debug, Clone, PartialEq)]
pub struct PairKappa {
    pub a: String,
    pub b: String,
    pub kappa: KappaResult,
}

/// A pair of coders κ̄ leaves out, and why their κ is undefined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndefinedPair {
    pub a: String,
    pub b: String,
    pub reason: Undefined,
}

/// What κ̄ averages: how many of the coder pairs had a κ, and the others.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KappaPairs {
    /// Pairs whose κ is defined: the mean is over these.
    pub averaged: usize,
    /// Every pair of coders: c(c − 1)/2 for c coders.
    pub total: usize,
    /// The pairs left out, in coder order, each with its reason.
    pub undefined: Vec<UndefinedPair>,
}

/// Which data a figure pools, for its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One theme: each paragraph is a unit, present or absent.
    Theme,
    /// Every theme together: each paragraph × theme is a unit.
    Pooled,
}

/// All agreement figures for one binary (present/absent) variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// What the figures pool: one theme, or every theme.
    pub scope: Scope,
    /// Krippendorff's alpha over all coders.
    pub alpha: AlphaResult,
    /// Mean of the defined pairwise kappas; `None` if no pair has one.
    pub mean_kappa: Option<f64>,
    /// Over how many pairs `mean_kappa` averages, and which it leaves out.
    pub kappa_pairs: KappaPairs,
    /// Every coder pair, in coder order, defined or not.
    pub pairwise_kappa: Vec<PairKappa>,
    pub percent: PercentResult,
    /// Units (per theme: paragraphs; pooled: paragraph–theme pairs) coded by at
    /// least two coders.
    pub units: usize,
    /// Coders who coded at least one of those units.
    pub coders: usize,
}

/// Agreement on one theme.
#[derive(Debug, Clone, PartialEq)]
pub struct ThemeAgreement {
    pub theme: String,
    pub agreement: Agreement,
}

/// Agreement per theme and pooled over all themes.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// One entry per theme, in the order of [`Coding::themes`].
    pub themes: Vec<ThemeAgreement>,
    /// All theme decisions pooled; see [`report`].
    pub overall: Agreement,
}

/// The sums alpha and percent agreement are computed from, whatever the
/// values: what [`tally`] and [`BinaryCounts`] both come to.
#[derive(Default)]
struct Sums {
    /// Coders with any value at all.
    coders_with_values: usize,
    /// Coders with a value in a pairable unit.
    coders_pairable: usize,
    /// Units with at least two values.
    units: usize,
    /// n..: values in pairable units.
    values: u64,
    /// Σ_c n_c², over the value totals n_c of pairable units.
    sum_sq_totals: u128,
    /// Sum over pairable units of the unit's off-diagonal coincidences,
    /// (m_u² − Σ_c n_uc²) / (m_u − 1); their total over units is n·D_o.
    disagreement: f64,
    /// Ordered pairs of values from different coders in pairable units,
    /// Σ_u m_u(m_u − 1).
    pairs: u64,
    /// Of those, the pairs of equal values, Σ_u Σ_c n_uc(n_uc − 1).
    agreeing: u64,
    /// Sum over pairable units of the unit's share of agreeing pairs.
    unit_shares: f64,
}

/// Walks `data[coder][unit]` once. Values are mapped to dense indices so that
/// each unit's counts come from sorting at most one value per coder.
fn tally<V: Ord>(data: &[Vec<Option<V>>]) -> Sums {
    let n_units = data.iter().map(Vec::len).max().unwrap_or(0);
    let mut index: BTreeMap<&V, usize> = BTreeMap::new();
    let mut value_totals: Vec<u64> = Vec::new();
    let mut has_values = vec![false; data.len()];
    let mut pairable_coder = vec![false; data.len()];
    let mut t = Sums::default();
    // Reused per unit: (value index, coder) of each value in the unit.
    let mut unit: Vec<(usize, usize)> = Vec::with_capacity(data.len());
    for u in 0..n_units {
        unit.clear();
        for (c, row) in data.iter().enumerate() {
            if let Some(Some(v)) = row.get(u) {
                let next = index.len();
                let i = *index.entry(v).or_insert(next);
                if i == value_totals.len() {
                    value_totals.push(0);
                }
                has_values[c] = true;
                unit.push((i, c));
            }
        }
        let m = unit.len();
        if m < 2 {
            continue;
        }
        unit.sort_unstable();
        let mut sum_sq: u64 = 0;
        let mut same_pairs: u64 = 0;
        for run in unit.chunk_by(|x, y| x.0 == y.0) {
            let n = run.len() as u64;
            sum_sq += n * n;
            same_pairs += n * (n - 1);
            value_totals[run[0].0] += n;
            for &(_, c) in run {
                pairable_coder[c] = true;
            }
        }
        let m = m as u64;
        t.units += 1;
        t.values += m;
        t.disagreement += (m * m - sum_sq) as f64 / (m - 1) as f64;
        t.pairs += m * (m - 1);
        t.agreeing += same_pairs;
        t.unit_shares += same_pairs as f64 / (m * (m - 1)) as f64;
    }
    t.coders_with_values = has_values.iter().filter(|&&b| b).count();
    t.coders_pairable = pairable_coder.iter().filter(|&&b| b).count();
    t.sum_sq_totals = value_totals.iter().map(|&x| u128::from(x) * u128::from(x)).sum();
    t
}

impl Sums {
    /// The reason no statistic can be computed, if there is one before looking
    /// at variation.
    fn unpairable(&self) -> Option<Undefined> {
        if self.coders_with_values < 2 {
            Some(Undefined::SingleCoder)
        } else if self.units == 0 {
            Some(Undefined::NoPairableUnits)
        } else {
            None
        }
    }

    fn alpha(&self) -> AlphaResult {
        let mut r = AlphaResult {
            alpha: None,
            undefined: self.unpairable(),
            observed_disagreement: None,
            expected_disagreement: None,
            units: self.units,
            values: self.values as usize,
            coders: self.coders_pairable,
        };
        if self.units == 0 {
            return r;
        }
        // n·(n − 1)·D_e = n² − Σ_c n_c², kept in integers so that "no
        // variation" is an exact test, not a float comparison.
        let n = u128::from(self.values);
        let expected = n * n - self.sum_sq_totals;
        r.observed_disagreement = Some(self.disagreement / n as f64);
        r.expected_disagreement = Some(expected as f64 / (n * (n - 1)) as f64);
        if r.undefined.is_some() {
            return r;
        }
        if expected == 0 {
            r.undefined = Some(Undefined::NoVariation);
            return r;
        }
        // α = 1 − D_o/D_e = 1 − (n − 1) · Σ_u (off-diagonal coincidences) / (n² − Σ n_c²).
        r.alpha = Some(1.0 - (n - 1) as f64 * self.disagreement / expected as f64);
        r
    }

    fn percent(&self) -> PercentResult {
        let undefined = self.unpairable();
        let defined = |x: f64| if undefined.is_none() { Some(x) } else { None };
        PercentResult {
            agreement: defined(self.agreeing as f64 / self.pairs.max(1) as f64),
            mean_per_unit: defined(self.unit_shares / self.units.max(1) as f64),
            pairs: self.pairs / 2,
            agreeing_pairs: self.agreeing / 2,
            undefined,
            units: self.units,
            coders: self.coders_pairable,
        }
    }
}

/// Krippendorff's alpha for nominal data, `data[coder][unit]`, `None` where a
/// coder did not code a unit.
///
/// Follows Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability":
/// units with fewer than two values cannot be paired and are dropped; the
/// coincidence matrix counts, within each remaining unit, every ordered pair of
/// values from different coders weighted 1/(m_u − 1); then D_o is the share of
/// off-diagonal coincidences, D_e the same share expected from the marginals,
/// and α = 1 − D_o/D_e. Only the sums alpha needs are kept, not the matrix.
///
/// Rows may differ in length: a unit beyond a coder's row is missing for that
/// coder.
pub fn krippendorff_alpha_nominal<V: Ord>(data: &[Vec<Option<V>>]) -> AlphaResult {
    tally(data).alpha()
}

/// Percent agreement, `data[coder][unit]`: the share of agreeing pairs,
/// pooled over the units coded by at least two coders (each pair of
/// coders who both coded a unit is one comparison), with the mean of the
/// units' shares beside it; see [`PercentResult`]. Not corrected for chance.
pub fn percent_agreement<V: Ord>(data: &[Vec<Option<V>>]) -> PercentResult {
    tally(data).percent()
}

/// Cohen's kappa for two coders over the units both coded.
///
/// p_o is the share of those units on which they agree; p_e = Σ_c p_a(c)·p_b(c)
/// uses each coder's own proportions (Cohen 1960, unlike alpha's pooled ones);
/// κ = (p_o − p_e)/(1 − p_e). Undefined with no shared unit, or when p_e = 1
/// (both coders used one and the same value throughout). Computed from integer
/// counts, so p_e = 1 is tested exactly. If the slices differ in length, the
/// extra units are missing for the shorter coder.
pub fn cohen_kappa<V: Ord>(a: &[Option<V>], b: &[Option<V>]) -> KappaResult {
    let mut marginals: BTreeMap<&V, (u64, u64)> = BTreeMap::new();
    let mut n: u64 = 0;
    let mut agree: u64 = 0;
    for (x, y) in a.iter().zip(b) {
        if let (Some(x), Some(y)) = (x, y) {
            n += 1;
            if x == y {
                agree += 1;
            }
            marginals.entry(x).or_default().0 += 1;
            marginals.entry(y).or_default().1 += 1;
        }
    }
    kappa_of(n, agree, marginals.values().copied())
}

/// Cohen's κ from the counts of a pair: `n` shared units, `agree` of them
/// with equal values, and each value's marginals (coder a's count, coder
/// b's count).
fn kappa_of(n: u64, agree: u64, marginals: impl Iterator<Item = (u64, u64)>) -> KappaResult {
    let mut r = KappaResult {
        kappa: None,
        observed: None,
        expected: None,
        undefined: None,
        units: n as usize,
    };
    if n == 0 {
        r.undefined = Some(Undefined::NoPairableUnits);
        return r;
    }
    let n = u128::from(n);
    let chance: u128 = marginals.map(|(x, y)| u128::from(x) * u128::from(y)).sum();
    let nn = n * n;
    r.observed = Some(agree as f64 / n as f64);
    r.expected = Some(chance as f64 / nn as f64);
    if chance == nn {
        r.undefined = Some(Undefined::NoVariation);
        return r;
    }
    // κ = (n·agree − chance) / (n² − chance), the same ratio scaled by n²;
    // the numerator is negative when coders agree less than chance.
    let num = (n * u128::from(agree)) as i128 - chance as i128;
    r.kappa = Some(num as f64 / (nn - chance) as f64);
    r
}

/// Every figure of one variable, from its sums and its pairs' κ.
fn agreement_from(scope: Scope, sums: &Sums, pairwise_kappa: Vec<PairKappa>) -> Agreement {
    let defined: Vec<f64> = pairwise_kappa.iter().filter_map(|p| p.kappa.kappa).collect();
    let mean_kappa = match defined.len() {
        0 => None,
        k => Some(defined.iter().sum::<f64>() / k as f64),
    };
    let kappa_pairs = KappaPairs {
        averaged: defined.len(),
        total: pairwise_kappa.len(),
        undefined: pairwise_kappa
            .iter()
            .filter_map(|p| {
                p.kappa.undefined.map(|reason| UndefinedPair {
                    a: p.a.clone(),
                    b: p.b.clone(),
                    reason,
                })
            })
            .collect(),
    };
    Agreement {
        scope,
        alpha: sums.alpha(),
        mean_kappa,
        kappa_pairs,
        pairwise_kappa,
        percent: sums.percent(),
        units: sums.units,
        coders: sums.coders_pairable,
    }
}

/// The present/absent variable of one theme, `[coder][unit]`.
#[cfg(test)]
fn theme_matrix(coding: &Coding, theme: &str) -> Vec<Vec<Option<bool>>> {
    (0..coding.coders.len())
        .map(|c| {
            (0..coding.units.len())
                .map(|u| coding.cell(c, u).map(|set| set.contains(theme)))
                .collect()
        })
        .collect()
}

/// The counts of each theme of `coding` (in the order of
/// [`Coding::themes`]), coder `c` in slot `slots[c]` of `width` slots:
/// what [`report`] computes from, and what a corpus adds up across
/// documents whose coders sit in different slots.
pub fn theme_counts(coding: &Coding, slots: &[usize], width: usize) -> Vec<BinaryCounts> {
    let k = coding.themes.len();
    let index: BTreeMap<&str, usize> = coding.themes.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
    let mut counts = vec![BinaryCounts::new(width); k];
    // One unit's values, theme by theme: `cells[theme * width + slot]`.
    let mut cells: Vec<Option<bool>> = vec![None; k * width];
    for u in 0..coding.units.len() {
        cells.fill(None);
        for (c, &slot) in slots.iter().enumerate().take(coding.coders.len()) {
            let Some(set) = coding.cell(c, u) else { continue };
            if slot >= width {
                continue;
            }
            for theme in 0..k {
                cells[theme * width + slot] = Some(false);
            }
            for t in set.iter().filter_map(|t| index.get(t.as_str())) {
                cells[t * width + slot] = Some(true);
            }
        }
        for (theme, c) in counts.iter_mut().enumerate() {
            c.add_unit(&cells[theme * width..(theme + 1) * width]);
        }
    }
    counts
}

/// Agreement per theme, and overall.
///
/// Per theme, each paragraph is one unit and each coder who coded it says
/// "present" or "absent"; a coder who did not code a paragraph is left out of
/// it rather than counted as "absent".
///
/// The overall figures pool every theme decision. Each combination of a
/// paragraph and a theme (say, paragraph 12 × "economy") counts as one yes/no
/// question, and every coder who coded paragraph 12 answered it: the theme is
/// there or it is not. Alpha, kappa and percent agreement are then computed
/// once over all these questions together, as if they were one long list of
/// present/absent decisions. Every theme thus asks one question per paragraph
/// and weighs the same, and chance agreement is judged from the share of
/// "present" answers over all themes together. A paragraph a coder did not
/// code asks that coder nothing. Because most paragraphs carry few of the
/// themes, much of the pooled agreement is agreement that a theme is absent;
/// the per-theme figures show which themes coders actually disagree on.
///
/// The figures are those of [`krippendorff_alpha_nominal`], [`cohen_kappa`]
/// and [`percent_agreement`] on each theme's matrix (and on the themes'
/// matrices side by side), computed from [`BinaryCounts`] in one pass.
pub fn report(coding: &Coding) -> Report {
    let width = coding.coders.len();
    let slots: Vec<usize> = (0..width).collect();
    let counts = theme_counts(coding, &slots, width);
    let mut pooled = BinaryCounts::new(width);
    for c in &counts {
        pooled.add(c);
    }
    let themes = coding
        .themes
        .iter()
        .zip(&counts)
        .map(|(theme, c)| ThemeAgreement {
            theme: theme.clone(),
            agreement: c.agreement(&coding.coders, Scope::Theme),
        })
        .collect();
    Report {
        themes,
        overall: pooled.agreement(&coding.coders, Scope::Pooled),
    }
}

/// Ids of the units on which the coders who coded them disagree, in input
/// order: on `theme` if given, else on any theme of [`Coding::themes`].
///
/// Units coded by fewer than two coders are never listed: a skipped unit is
/// not a disagreement. A theme id not in the list may still be asked about; it
/// is present where a coder's set holds it.
pub fn disagreements(coding: &Coding, theme: Option<&str>) -> Vec<String> {
    let themes: Vec<&str> = match theme {
        Some(t) => vec![t],
        None => coding.themes.iter().map(String::as_str).collect(),
    };
    let mut out = Vec::new();
    for (u, id) in coding.units.iter().enumerate() {
        let sets: Vec<&BTreeSet<String>> = (0..coding.coders.len()).filter_map(|c| coding.cell(c, u)).collect();
        let Some((first, rest)) = sets.split_first() else {
            continue;
        };
        let differs = themes
            .iter()
            .any(|t| rest.iter().any(|s| s.contains(*t) != first.contains(*t)));
        if differs {
            out.push(id.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests;
