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
//!
//! A statistic that cannot be computed is `None` with an [`Undefined`] reason,
//! never NaN: the UI must be able to say *why* there is no number.
//!
//! Everything is one pass over units with per-unit tallies (no comparison of
//! units with each other), so a report on thousands of paragraphs is cheap.

use std::collections::{BTreeMap, BTreeSet};

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
}

/// Krippendorff's alpha and what it was computed from.
///
/// Exactly one of `alpha` and `undefined` is `Some`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlphaResult {
    pub alpha: Option<f64>,
    pub undefined: Option<Undefined>,
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

/// Mean pairwise percent agreement and what it was computed from.
///
/// Exactly one of `agreement` and `undefined` is `Some`.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentResult {
    /// A share in [0, 1] (the UI multiplies by 100).
    pub agreement: Option<f64>,
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

/// All agreement figures for one binary (present/absent) variable.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// Krippendorff's alpha over all coders.
    pub alpha: AlphaResult,
    /// Mean of the defined pairwise kappas; `None` if no pair has one.
    pub mean_kappa: Option<f64>,
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

/// Per-unit tallies shared by alpha and percent agreement, so that a report
/// walks the data once per variable.
struct Tally {
    /// Coders with any value at all.
    coders_with_values: usize,
    /// Coders with a value in a pairable unit.
    coders_pairable: usize,
    /// Units with at least two values.
    units: usize,
    /// n..: values in pairable units.
    values: u64,
    /// n_c: how often each distinct value occurs in pairable units.
    value_totals: Vec<u64>,
    /// Sum over pairable units of the unit's off-diagonal coincidences,
    /// (m_u² − Σ_c n_uc²) / (m_u − 1); their total over units is n·D_o.
    disagreement: f64,
    /// Sum over pairable units of the share of agreeing ordered coder pairs,
    /// Σ_c n_uc(n_uc − 1) / (m_u(m_u − 1)).
    pair_agreement: f64,
}

/// Walks `data[coder][unit]` once. Values are mapped to dense indices so that
/// each unit's counts come from sorting at most one value per coder.
fn tally<V: Ord>(data: &[Vec<Option<V>>]) -> Tally {
    let n_units = data.iter().map(Vec::len).max().unwrap_or(0);
    let mut index: BTreeMap<&V, usize> = BTreeMap::new();
    let mut value_totals: Vec<u64> = Vec::new();
    let mut has_values = vec![false; data.len()];
    let mut pairable_coder = vec![false; data.len()];
    let mut t = Tally {
        coders_with_values: 0,
        coders_pairable: 0,
        units: 0,
        values: 0,
        value_totals: Vec::new(),
        disagreement: 0.0,
        pair_agreement: 0.0,
    };
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
        t.pair_agreement += same_pairs as f64 / (m * (m - 1)) as f64;
    }
    t.coders_with_values = has_values.iter().filter(|&&b| b).count();
    t.coders_pairable = pairable_coder.iter().filter(|&&b| b).count();
    t.value_totals = value_totals;
    t
}

impl Tally {
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
            units: self.units,
            values: self.values as usize,
            coders: self.coders_pairable,
        };
        if r.undefined.is_some() {
            return r;
        }
        // n·(n − 1)·D_e = n² − Σ_c n_c², kept in integers so that "no
        // variation" is an exact test, not a float comparison.
        let n = u128::from(self.values);
        let sum_sq: u128 = self.value_totals.iter().map(|&x| u128::from(x) * u128::from(x)).sum();
        let expected = n * n - sum_sq;
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
        PercentResult {
            agreement: match undefined {
                Some(_) => None,
                None => Some(self.pair_agreement / self.units as f64),
            },
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

/// Mean pairwise percent agreement, `data[coder][unit]`.
///
/// For each unit coded by at least two coders, the share of coder pairs that
/// gave the same value; then the mean over those units, so every unit weighs
/// the same whatever its number of coders. Not corrected for chance.
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
    let chance: u128 = marginals.values().map(|&(x, y)| u128::from(x) * u128::from(y)).sum();
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

/// Alpha, pairwise kappa and percent agreement for one variable.
fn agreement_of<V: Ord>(coders: &[String], data: &[Vec<Option<V>>]) -> Agreement {
    let t = tally(data);
    let mut pairwise_kappa = Vec::new();
    for i in 0..data.len() {
        for j in i + 1..data.len() {
            pairwise_kappa.push(PairKappa {
                a: coders.get(i).cloned().unwrap_or_default(),
                b: coders.get(j).cloned().unwrap_or_default(),
                kappa: cohen_kappa(&data[i], &data[j]),
            });
        }
    }
    let defined: Vec<f64> = pairwise_kappa.iter().filter_map(|p| p.kappa.kappa).collect();
    let mean_kappa = match defined.len() {
        0 => None,
        k => Some(defined.iter().sum::<f64>() / k as f64),
    };
    Agreement {
        alpha: t.alpha(),
        mean_kappa,
        pairwise_kappa,
        percent: t.percent(),
        units: t.units,
        coders: t.coders_pairable,
    }
}

/// The present/absent variable of one theme, `[coder][unit]`.
fn theme_matrix(coding: &Coding, theme: &str) -> Vec<Vec<Option<bool>>> {
    (0..coding.coders.len())
        .map(|c| {
            (0..coding.units.len())
                .map(|u| coding.cell(c, u).map(|set| set.contains(theme)))
                .collect()
        })
        .collect()
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
pub fn report(coding: &Coding) -> Report {
    let matrices: Vec<Vec<Vec<Option<bool>>>> = coding.themes.iter().map(|t| theme_matrix(coding, t)).collect();
    let themes = coding
        .themes
        .iter()
        .zip(&matrices)
        .map(|(theme, m)| ThemeAgreement {
            theme: theme.clone(),
            agreement: agreement_of(&coding.coders, m),
        })
        .collect();
    // Pooled: coder c's row is its rows for every theme, one after another, so
    // column k·units + u is the question (unit u, theme k).
    let pooled: Vec<Vec<Option<bool>>> = (0..coding.coders.len())
        .map(|c| matrices.iter().flat_map(|m| m[c].iter().copied()).collect())
        .collect();
    Report {
        themes,
        overall: agreement_of(&coding.coders, &pooled),
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
