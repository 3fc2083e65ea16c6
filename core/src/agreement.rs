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
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round3(x: f64) -> f64 {
        (x * 1000.0).round() / 1000.0
    }

    /// Parses rows like "1 2 . 3", `.` being missing.
    fn matrix(rows: &[&str]) -> Vec<Vec<Option<u32>>> {
        rows.iter()
            .map(|r| r.split_whitespace().map(|v| v.parse().ok()).collect())
            .collect()
    }

    fn set(themes: &[&str]) -> Option<BTreeSet<String>> {
        Some(themes.iter().map(|t| t.to_string()).collect())
    }

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| x.to_string()).collect()
    }

    // Source: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability",
    // section C, "Nominal data, any number of observers, missing data":
    // 4 observers × 12 units, n.. = 40 pairable values, α = 0.743. The matrix
    // also appears in the doctest of the `krippendorff` Python package.
    #[test]
    fn krippendorff_2011_nominal_four_observers_missing_data() {
        let data = matrix(&[
            "1 2 3 3 2 1 4 1 2 . . .",
            "1 2 3 3 2 2 4 1 2 5 . 3",
            ". 3 3 3 2 3 4 2 2 5 1 .",
            "1 2 3 3 2 4 4 1 2 5 1 .",
        ]);
        let r = krippendorff_alpha_nominal(&data);
        assert_eq!(r.undefined, None);
        assert_eq!(round3(r.alpha.unwrap()), 0.743);
        assert_eq!(r.units, 11, "unit 12 has one value and is dropped");
        assert_eq!(r.values, 40);
        assert_eq!(r.coders, 4);
    }

    // Source: Krippendorff (2011), section A, "Binary or dichotomous data, two
    // observers, no missing data": α = 0.095. By hand: o_00 = 10, o_11 = 2,
    // o_01 = o_10 = 4, n_0 = 14, n_1 = 6, α = 1 − 19·4/(14·6) = 0.0952.
    #[test]
    fn krippendorff_2011_binary_two_observers() {
        let data = matrix(&["0 1 0 0 0 0 0 0 1 0", "1 1 1 0 0 1 0 0 0 0"]);
        let r = krippendorff_alpha_nominal(&data);
        assert_eq!(round3(r.alpha.unwrap()), 0.095);
        assert_eq!(r.values, 20);
    }

    // Source: Wikipedia, "Krippendorff's alpha", section "A computational
    // example": 3 coders × 15 units with missing values, nominal α = 0.691
    // (also the sample in the `krippendorff` Python package).
    #[test]
    fn wikipedia_krippendorff_computational_example() {
        let data = matrix(&[
            ". . . . . 3 4 1 2 1 1 3 3 . 3",
            "1 . 2 1 3 3 4 3 . . . . . . .",
            ". . 2 1 3 4 4 . 2 1 1 3 3 . 4",
        ]);
        let r = krippendorff_alpha_nominal(&data);
        assert_eq!(round3(r.alpha.unwrap()), 0.691);
    }

    /// Two coders' yes/no codes from a 2×2 table: both yes, a yes and b no,
    /// a no and b yes, both no.
    fn two_by_two(yy: usize, yn: usize, ny: usize, nn: usize) -> (Vec<Option<bool>>, Vec<Option<bool>>) {
        let mut a = Vec::new();
        let mut b = Vec::new();
        for (count, x, y) in [
            (yy, true, true),
            (yn, true, false),
            (ny, false, true),
            (nn, false, false),
        ] {
            a.extend(std::iter::repeat_n(Some(x), count));
            b.extend(std::iter::repeat_n(Some(y), count));
        }
        (a, b)
    }

    // Source: Wikipedia, "Cohen's kappa", worked example: 50 proposals, both
    // yes 20, A yes/B no 5, A no/B yes 10, both no 15: p_o = 0.70, p_e = 0.50,
    // κ = 0.40.
    #[test]
    fn wikipedia_cohen_kappa_worked_example() {
        let (a, b) = two_by_two(20, 5, 10, 15);
        let k = cohen_kappa(&a, &b);
        assert_eq!(k.units, 50);
        assert_eq!(round3(k.observed.unwrap()), 0.700);
        assert_eq!(round3(k.expected.unwrap()), 0.500);
        assert_eq!(round3(k.kappa.unwrap()), 0.400);
    }

    // Source: Fleiss, Levin & Paik (2003), Statistical Methods for Rates and
    // Proportions, 3rd ed., ch. 18, the textbook's opening kappa example: two
    // raters' diagnoses (psychotic, neurotic, organic) of 100 subjects, as
    // proportions .75 .01 .04 / .05 .04 .01 / .00 .00 .10; p_o = .89,
    // p_e = .66, κ = .23/.34 (.68 there, rounded to two decimals).
    #[test]
    fn fleiss_levin_paik_three_category_diagnoses() {
        let cells = [
            ("psychotic", "psychotic", 75),
            ("psychotic", "neurotic", 1),
            ("psychotic", "organic", 4),
            ("neurotic", "psychotic", 5),
            ("neurotic", "neurotic", 4),
            ("neurotic", "organic", 1),
            ("organic", "organic", 10),
        ];
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for (x, y, n) in cells {
            for _ in 0..n {
                a.push(Some(x));
                b.push(Some(y));
            }
        }
        let k = cohen_kappa(&a, &b);
        assert_eq!(k.units, 100);
        assert_eq!(round3(k.observed.unwrap()), 0.890);
        assert_eq!(round3(k.expected.unwrap()), 0.660);
        assert_eq!(round3(k.kappa.unwrap()), 0.676);
    }

    // Source: Wikipedia, "Cohen's kappa", section "Same percentages but
    // different numbers": two 2×2 tables of 100 items with the same p_o = 0.60,
    // (45, 15, 25, 15) giving κ = 0.1304 and (25, 35, 5, 35) giving κ = 0.2593.
    // By hand: p_e = 0.6·0.7 + 0.4·0.3 = 0.54, κ = 0.06/0.46; and
    // p_e = 0.6·0.3 + 0.4·0.7 = 0.46, κ = 0.14/0.54.
    #[test]
    fn wikipedia_cohen_kappa_same_percentages_different_numbers() {
        let (a, b) = two_by_two(45, 15, 25, 15);
        let k = cohen_kappa(&a, &b);
        assert_eq!(round3(k.observed.unwrap()), 0.600);
        assert_eq!(round3(k.expected.unwrap()), 0.540);
        assert_eq!(round3(k.kappa.unwrap()), 0.130);
        let (a, b) = two_by_two(25, 35, 5, 35);
        let k = cohen_kappa(&a, &b);
        assert_eq!(round3(k.observed.unwrap()), 0.600);
        assert_eq!(round3(k.expected.unwrap()), 0.460);
        assert_eq!(round3(k.kappa.unwrap()), 0.259);
    }

    // Source: by construction (definition of kappa): the unshared unit is ignored.
    #[test]
    fn kappa_counts_only_shared_units() {
        let a = [Some(1), Some(2), None, Some(1)];
        let b = [Some(1), Some(2), Some(2), None];
        let k = cohen_kappa(&a, &b);
        assert_eq!(k.units, 2);
        assert_eq!(k.kappa, Some(1.0));
    }

    // Source: by construction: edge cases where the coefficients are 0/0.
    #[test]
    fn all_agree_on_one_value_is_no_variation_not_nan() {
        let data = matrix(&["1 1 1 1", "1 1 1 1", "1 . 1 1"]);
        let r = krippendorff_alpha_nominal(&data);
        assert_eq!(r.alpha, None);
        assert_eq!(r.undefined, Some(Undefined::NoVariation));
        assert_eq!(r.units, 4);
        let k = cohen_kappa(&data[0], &data[1]);
        assert_eq!(k.kappa, None);
        assert_eq!(k.undefined, Some(Undefined::NoVariation));
        assert_eq!(k.observed, Some(1.0));
        assert_eq!(k.expected, Some(1.0));
        let p = percent_agreement(&data);
        assert_eq!(p.agreement, Some(1.0));
    }

    #[test]
    fn one_coder_is_undefined() {
        let data = matrix(&["1 2 3"]);
        let r = krippendorff_alpha_nominal(&data);
        assert_eq!((r.alpha, r.undefined), (None, Some(Undefined::SingleCoder)));
        let p = percent_agreement(&data);
        assert_eq!((p.agreement, p.undefined), (None, Some(Undefined::SingleCoder)));
        // A second coder who coded nothing is no second coder.
        let data = matrix(&["1 2 3", ". . ."]);
        assert_eq!(
            krippendorff_alpha_nominal(&data).undefined,
            Some(Undefined::SingleCoder)
        );
        let empty: Vec<Vec<Option<u32>>> = Vec::new();
        assert_eq!(
            krippendorff_alpha_nominal(&empty).undefined,
            Some(Undefined::SingleCoder)
        );
    }

    #[test]
    fn no_overlap_is_undefined() {
        let data = matrix(&["1 2 . .", ". . 1 2"]);
        let r = krippendorff_alpha_nominal(&data);
        assert_eq!((r.alpha, r.undefined), (None, Some(Undefined::NoPairableUnits)));
        assert_eq!((r.units, r.values, r.coders), (0, 0, 0));
        let p = percent_agreement(&data);
        assert_eq!(p.undefined, Some(Undefined::NoPairableUnits));
        let k = cohen_kappa(&data[0], &data[1]);
        assert_eq!(k.undefined, Some(Undefined::NoPairableUnits));
        assert_eq!((k.kappa, k.observed, k.expected, k.units), (None, None, None, 0));
    }

    #[test]
    fn kappa_with_no_shared_units_is_undefined() {
        let k = cohen_kappa::<u32>(&[], &[Some(1)]);
        assert_eq!((k.kappa, k.undefined), (None, Some(Undefined::NoPairableUnits)));
    }

    // Source: by construction: pairwise agreement by hand. Unit 1: 3 coders,
    // values 1 1 2 → 1 of 3 pairs agree; unit 2: 2 coders agree → 1; unit 3
    // has one value and is dropped. Mean (1/3 + 1)/2 = 2/3.
    #[test]
    fn percent_is_mean_of_pairwise_shares() {
        let data = matrix(&["1 5 7", "1 5 .", "2 . ."]);
        let p = percent_agreement(&data);
        assert_eq!(p.units, 2);
        assert_eq!(p.coders, 3);
        assert!((p.agreement.unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    fn coding() -> Coding {
        Coding {
            coders: strings(&["ann", "bo", "cy"]),
            units: strings(&["p1", "p2", "p3", "p4"]),
            themes: strings(&["econ", "party"]),
            values: vec![
                vec![set(&["econ"]), set(&[]), set(&["party"]), set(&["econ", "party"])],
                vec![set(&["econ"]), set(&["party"]), set(&["party"]), None],
                vec![None, set(&[]), set(&["party"]), set(&["econ"])],
            ],
        }
    }

    // Source: by construction: a skipped unit must not count as "absent".
    #[test]
    fn missing_is_not_absent() {
        // Everyone who coded a paragraph agrees on it; bo skipped p4, which
        // ann and cy both tagged econ and party.
        let mut c = coding();
        c.values[1][1] = set(&[]);
        c.values[2][3] = set(&["econ", "party"]);
        let r = report(&c);
        let econ = &r.themes[0].agreement;
        assert_eq!(econ.percent.agreement, Some(1.0));
        assert_eq!(econ.alpha.alpha, Some(1.0));
        assert!(disagreements(&c, None).is_empty());
        assert_eq!(econ.units, 4);
        // The same data with the skip written as an empty coding disagrees.
        let mut absent = c.clone();
        absent.values[1][3] = set(&[]);
        let r2 = report(&absent);
        assert!(r2.themes[0].agreement.percent.agreement.unwrap() < 1.0);
        assert!(r2.themes[0].agreement.alpha.alpha.unwrap() < 1.0);
        assert_eq!(disagreements(&absent, None), strings(&["p4"]));
    }

    #[test]
    fn report_per_theme_matches_direct_computation() {
        let c = coding();
        let r = report(&c);
        assert_eq!(r.themes.len(), 2);
        for (k, theme) in c.themes.iter().enumerate() {
            let m = theme_matrix(&c, theme);
            assert_eq!(r.themes[k].theme, *theme);
            assert_eq!(r.themes[k].agreement.alpha, krippendorff_alpha_nominal(&m));
            assert_eq!(r.themes[k].agreement.percent, percent_agreement(&m));
        }
        let pairs: Vec<(&str, &str)> = r.themes[0]
            .agreement
            .pairwise_kappa
            .iter()
            .map(|p| (p.a.as_str(), p.b.as_str()))
            .collect();
        assert_eq!(pairs, [("ann", "bo"), ("ann", "cy"), ("bo", "cy")]);
        // econ: ann/bo share p1–p3 (Y N N vs Y N N): κ = 1; bo/cy share p2, p3
        // (all N): no variation; ann/cy share p2–p4 (N N Y both): κ = 1.
        let econ = &r.themes[0].agreement;
        assert_eq!(econ.pairwise_kappa[0].kappa.kappa, Some(1.0));
        assert_eq!(econ.pairwise_kappa[1].kappa.kappa, Some(1.0));
        assert_eq!(econ.pairwise_kappa[2].kappa.undefined, Some(Undefined::NoVariation));
        assert_eq!(econ.mean_kappa, Some(1.0));
        assert_eq!(econ.coders, 3);
    }

    // Source: by construction: pooled data is every (unit, theme) question.
    #[test]
    fn overall_pools_every_theme_decision() {
        let c = coding();
        let r = report(&c);
        let mut pooled: Vec<Vec<Option<bool>>> = vec![Vec::new(); 3];
        for theme in &c.themes {
            for (row, theme_row) in pooled.iter_mut().zip(theme_matrix(&c, theme)) {
                row.extend(theme_row);
            }
        }
        assert_eq!(r.overall.alpha, krippendorff_alpha_nominal(&pooled));
        assert_eq!(r.overall.percent, percent_agreement(&pooled));
        // Every paragraph is coded by at least two coders: 4 paragraphs × 2 themes.
        assert_eq!(r.overall.units, 8);
        assert_eq!(r.overall.alpha.values, 2 * (2 + 3 + 3 + 2));
    }

    #[test]
    fn disagreements_per_theme_and_any_theme_in_input_order() {
        let c = coding();
        // econ: p4 ann Y, cy Y → agree; p1–p3 agree. party: p2 (bo Y, others N),
        // p4 (ann Y, cy N).
        assert!(disagreements(&c, Some("econ")).is_empty());
        assert_eq!(disagreements(&c, Some("party")), strings(&["p2", "p4"]));
        assert_eq!(disagreements(&c, None), strings(&["p2", "p4"]));
        assert!(disagreements(&c, Some("unknown")).is_empty());
    }

    #[test]
    fn ragged_input_is_read_as_missing_not_a_panic() {
        let c = Coding {
            coders: strings(&["a", "b", "c"]),
            units: strings(&["p1", "p2"]),
            themes: strings(&["t"]),
            values: vec![vec![set(&["t"]), set(&[]), set(&["t"])], vec![set(&["t"])]],
        };
        let r = report(&c);
        let t = &r.themes[0].agreement;
        assert_eq!((t.units, t.coders), (1, 2));
        assert_eq!(t.alpha.undefined, Some(Undefined::NoVariation));
        assert_eq!(t.pairwise_kappa.len(), 3);
        assert!(disagreements(&c, None).is_empty());
    }

    // Sized like the brief's budget case (1,000 paragraphs × 3 coders × 10
    // themes); checks the counts, not the time.
    #[test]
    fn large_report_has_expected_counts() {
        let themes: Vec<String> = (0..10).map(|k| format!("t{k}")).collect();
        let units: Vec<String> = (0..1000).map(|u| format!("p{u}")).collect();
        // Coder c skips every seventh paragraph (offset c) and tags a
        // deterministic, coder-dependent fifth of the themes.
        let tags = |c: usize, u: usize| -> BTreeSet<String> {
            let on = |k: &usize| (u * 31 + k * 7 + c).is_multiple_of(5);
            (0..themes.len()).filter(on).map(|k| themes[k].clone()).collect()
        };
        let values = (0..3)
            .map(|c| (0..1000).map(|u| (u % 7 != c).then(|| tags(c, u))).collect())
            .collect();
        let c = Coding {
            coders: strings(&["a", "b", "c"]),
            units,
            themes,
            values,
        };
        let r = report(&c);
        assert_eq!(r.themes.len(), 10);
        assert_eq!(r.overall.units, 10_000);
        assert!(r.overall.alpha.alpha.is_some_and(f64::is_finite));
    }

    /// A coders × units matrix of small codes with missing values.
    fn data_strategy() -> impl Strategy<Value = Vec<Vec<Option<u8>>>> {
        (1usize..6, 0usize..25).prop_flat_map(|(m, n)| {
            prop::collection::vec(prop::collection::vec(prop::option::weighted(0.8, 0u8..4), n), m)
        })
    }

    fn same(a: &AlphaResult, b: &AlphaResult) -> bool {
        let values = match (a.alpha, b.alpha) {
            (Some(x), Some(y)) => (x - y).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        };
        values && (a.undefined, a.units, a.values, a.coders) == (b.undefined, b.units, b.values, b.coders)
    }

    proptest! {
        // Source: definition: D_o = 0 when coders never differ, so α = 1.
        #[test]
        fn identical_coders_have_alpha_one(
            row in prop::collection::vec(prop::option::of(0u8..4), 0..30),
            m in 2usize..6,
        ) {
            let data = vec![row; m];
            let r = krippendorff_alpha_nominal(&data);
            prop_assert_eq!(r.alpha.is_some(), r.undefined.is_none());
            if let Some(a) = r.alpha {
                prop_assert_eq!(a, 1.0);
            }
        }

        // Source: definition: alpha depends on coders and units only through
        // per-unit value counts.
        #[test]
        fn alpha_ignores_order_of_coders_and_units(
            (data, coder_order, unit_order) in data_strategy().prop_flat_map(|d| {
                let m = d.len();
                let n = d.first().map_or(0, Vec::len);
                (
                    Just(d),
                    Just((0..m).collect::<Vec<_>>()).prop_shuffle(),
                    Just((0..n).collect::<Vec<_>>()).prop_shuffle(),
                )
            })
        ) {
            let r = krippendorff_alpha_nominal(&data);
            if let Some(a) = r.alpha {
                prop_assert!(a.is_finite() && a <= 1.0);
            }
            let by_coder: Vec<_> = coder_order.iter().map(|&c| data[c].clone()).collect();
            prop_assert!(same(&r, &krippendorff_alpha_nominal(&by_coder)));
            let by_unit: Vec<Vec<_>> = data.iter().map(|row| unit_order.iter().map(|&u| row[u]).collect()).collect();
            prop_assert!(same(&r, &krippendorff_alpha_nominal(&by_unit)));
        }

        #[test]
        fn percent_is_a_share(data in data_strategy()) {
            let p = percent_agreement(&data);
            prop_assert_eq!(p.agreement.is_some(), p.undefined.is_none());
            if let Some(x) = p.agreement {
                prop_assert!((0.0..=1.0).contains(&x));
            }
        }

        #[test]
        fn kappa_is_at_most_one(
            pairs in prop::collection::vec((prop::option::of(0u8..4), prop::option::of(0u8..4)), 0..40)
        ) {
            let (a, b): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
            let k = cohen_kappa(&a, &b);
            prop_assert_eq!(k.kappa.is_some(), k.undefined.is_none());
            if let Some(x) = k.kappa {
                prop_assert!(x.is_finite() && x <= 1.0 + 1e-12);
            }
        }
    }
}
