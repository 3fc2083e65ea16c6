//! Tests of the parent module.

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
// values 1 1 2 → 1 of 3 pairs agree; unit 2: 2 coders agree → 1 of 1; unit
// 3 has one value and is dropped. Pooled: 2 of 4 pairs = 0.5; the mean of
// the units' shares, (1/3 + 1)/2 = 2/3, is kept beside it.
#[test]
fn percent_is_the_pooled_share_of_agreeing_pairs() {
    let data = matrix(&["1 5 7", "1 5 .", "2 . ."]);
    let p = percent_agreement(&data);
    assert_eq!(p.units, 2);
    assert_eq!(p.coders, 3);
    assert_eq!((p.agreeing_pairs, p.pairs), (2, 4));
    assert_eq!(p.agreement, Some(0.5));
    assert!((p.mean_per_unit.unwrap() - 2.0 / 3.0).abs() < 1e-12);
}

// Source: Krippendorff (2011), section C: with every unit coded by the
// same number of coders, the pooled share of agreeing pairs is the
// observed agreement 1 − D_o. Binary example of section A: D_o = 8/20.
#[test]
fn percent_equals_observed_agreement_when_every_unit_has_as_many_coders() {
    let data = matrix(&["0 1 0 0 0 0 0 0 1 0", "1 1 1 0 0 1 0 0 0 0"]);
    let p = percent_agreement(&data);
    let a = krippendorff_alpha_nominal(&data);
    assert_eq!(a.observed_disagreement, Some(0.4));
    assert_eq!(p.agreement, Some(0.6));
    // D_e = 2·14·6/(20·19)
    assert!((a.expected_disagreement.unwrap() - 168.0 / 380.0).abs() < 1e-12);
}

/// Equal percent results, the mean of the units' shares to rounding
/// (summed per unit in one, grouped by coders per unit in the other).
fn assert_same_percent(a: &PercentResult, b: &PercentResult) {
    let close = |x: Option<f64>, y: Option<f64>| match (x, y) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-12,
        (x, y) => x == y,
    };
    assert!(close(a.mean_per_unit, b.mean_per_unit), "{a:?} {b:?}");
    let strip = |p: &PercentResult| PercentResult {
        mean_per_unit: None,
        ..p.clone()
    };
    assert_eq!(strip(a), strip(b));
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
        assert_same_percent(&r.themes[k].agreement.percent, &percent_agreement(&m));
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
    // κ̄ says what it averages, and which pair it leaves out, and why
    assert_eq!(
        econ.kappa_pairs,
        KappaPairs {
            averaged: 2,
            total: 3,
            undefined: vec![UndefinedPair {
                a: "bo".into(),
                b: "cy".into(),
                reason: Undefined::NoVariation
            }],
        }
    );
    let d = econ.definitions(&|id: &str| id.to_uppercase());
    assert!(d.kappa.contains("over 2 of 3 pairs"), "{}", d.kappa);
    assert!(d.kappa.contains("BO – CY: "), "{}", d.kappa);
    assert!(d.alpha.contains("nominal") && d.alpha.contains("each paragraph is a unit"));
    let pooled = r.overall.definitions(&|id: &str| id.to_string());
    assert!(pooled.alpha.contains("paragraph × theme") && pooled.alpha.contains("pooled"));
    assert!(pooled.percent.contains(&format!(
        "{} of {} pairs",
        r.overall.percent.agreeing_pairs, r.overall.percent.pairs
    )));
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
    assert_same_percent(&r.overall.percent, &percent_agreement(&pooled));
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
    (1usize..6, 0usize..25)
        .prop_flat_map(|(m, n)| prop::collection::vec(prop::collection::vec(prop::option::weighted(0.8, 0u8..4), n), m))
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

    // Source: definition: the counts are sums over units, so counts of two
    // parts added are the counts of the whole, and give the figures of the
    // direct computations on the same matrix.
    #[test]
    fn binary_counts_add_up_and_match_the_direct_figures(
        (data, cut) in (1usize..6, 0usize..25).prop_flat_map(|(m, n)| (
            prop::collection::vec(prop::collection::vec(prop::option::weighted(0.8, any::<bool>()), n), m),
            0..=n,
        ))
    ) {
        let width = data.len();
        let n = data.first().map_or(0, Vec::len);
        let unit = |u: usize| -> Vec<Option<bool>> { data.iter().map(|row| row[u]).collect() };
        let (mut whole, mut first, mut second) =
            (BinaryCounts::new(width), BinaryCounts::new(width), BinaryCounts::new(width));
        for u in 0..n {
            whole.add_unit(&unit(u));
            if u < cut { first.add_unit(&unit(u)) } else { second.add_unit(&unit(u)) }
        }
        second.add(&first);
        let coders: Vec<String> = (0..width).map(|c| format!("c{c}")).collect();
        let a = whole.agreement(&coders, Scope::Theme);
        prop_assert_eq!(&a, &second.agreement(&coders, Scope::Theme), "order does not matter");
        prop_assert!(same(&a.alpha, &krippendorff_alpha_nominal(&data)));
        let direct = percent_agreement(&data);
        prop_assert_eq!((a.percent.agreement, a.percent.pairs), (direct.agreement, direct.pairs));
        let mut k = 0;
        for i in 0..width {
            for j in i + 1..width {
                prop_assert_eq!(&a.pairwise_kappa[k].kappa, &cohen_kappa(&data[i], &data[j]));
                k += 1;
            }
        }
        prop_assert_eq!(a.kappa_pairs.total, width * width.saturating_sub(1) / 2);
        prop_assert_eq!(a.kappa_pairs.averaged + a.kappa_pairs.undefined.len(), a.kappa_pairs.total);
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
