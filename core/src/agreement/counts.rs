//! Counts of binary (present/absent) reliability data that add up: the
//! sums Krippendorff's α, Cohen's κ per pair and percent agreement need,
//! kept so that the counts of two sets of units added together are the
//! counts of their union. A corpus's figures are then the sum of its
//! documents' counts, computed once per document.
//!
//! Every sum is an integer, grouped by the number of values m in a unit,
//! so the figures do not depend on the order units or documents are added
//! in (no float sum is carried): α and percent agreement come out bit for
//! bit the same however the corpus is split.

use super::{agreement_from, kappa_of, Agreement, KappaResult, PairKappa, Scope, Sums};

/// Cohen's κ counts of one pair of coder slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct PairCounts {
    /// Units both coded.
    n: u64,
    /// Of those, units where both said the same.
    agree: u64,
    /// Units where the first said present.
    a_present: u64,
    /// Units where the second said present.
    b_present: u64,
}

/// Additive counts of binary reliability data over `width` coder slots.
///
/// Built unit by unit ([`BinaryCounts::add_unit`]) and added together
/// ([`BinaryCounts::add`]); [`BinaryCounts::agreement`] gives the figures of
/// [`super::krippendorff_alpha_nominal`], [`super::cohen_kappa`] and
/// [`super::percent_agreement`] on the same data. Memory is
/// O(width²), whatever the number of units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinaryCounts {
    width: usize,
    /// Slots with any value at all.
    has_value: Vec<bool>,
    /// Slots with a value in a pairable unit.
    pairable: Vec<bool>,
    /// Pairable units by their number of values m (index m, 2 ≤ m ≤ width).
    units_by_m: Vec<u64>,
    /// Σ 2·n_u0·n_u1 (the unit's off-diagonal coincidences times m − 1),
    /// by m.
    disagreement_by_m: Vec<u64>,
    /// "Present" values in pairable units (n_1).
    present: u64,
    /// κ counts of slots (i, j), i < j, row by row.
    pairs: Vec<PairCounts>,
}

impl BinaryCounts {
    /// Empty counts over `width` coder slots.
    pub fn new(width: usize) -> BinaryCounts {
        BinaryCounts {
            width,
            has_value: vec![false; width],
            pairable: vec![false; width],
            units_by_m: vec![0; width + 1],
            disagreement_by_m: vec![0; width + 1],
            present: 0,
            pairs: vec![PairCounts::default(); width * width.saturating_sub(1) / 2],
        }
    }

    /// Number of coder slots.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Index of pair (i, j), i < j, in [`BinaryCounts::pairs`].
    fn pair_index(&self, i: usize, j: usize) -> usize {
        i * self.width - i * (i + 1) / 2 + (j - i - 1)
    }

    /// Adds one unit: `unit[slot]` is that coder's value (`None`: missing);
    /// slots past the slice's end are missing, values past `width` ignored.
    pub fn add_unit(&mut self, unit: &[Option<bool>]) {
        let unit = &unit[..unit.len().min(self.width)];
        let (mut m, mut ones) = (0u64, 0u64);
        for (slot, v) in unit.iter().enumerate() {
            if let Some(v) = v {
                self.has_value[slot] = true;
                m += 1;
                ones += u64::from(*v);
            }
        }
        if m < 2 {
            return;
        }
        let m_index = m as usize;
        self.units_by_m[m_index] += 1;
        self.disagreement_by_m[m_index] += 2 * ones * (m - ones);
        self.present += ones;
        for (i, a) in unit.iter().enumerate() {
            let Some(a) = *a else { continue };
            self.pairable[i] = true;
            for (j, b) in unit.iter().enumerate().skip(i + 1) {
                let Some(b) = *b else { continue };
                let k = self.pair_index(i, j);
                let p = &mut self.pairs[k];
                p.n += 1;
                p.agree += u64::from(a == b);
                p.a_present += u64::from(a);
                p.b_present += u64::from(b);
            }
        }
    }

    /// Adds `other`'s counts to these. Counts of one width are meant to be
    /// added; of another width, the unit sums are added whole and the
    /// per-slot and per-pair counts of the slots both have.
    pub fn add(&mut self, other: &BinaryCounts) {
        for (x, y) in self.has_value.iter_mut().zip(&other.has_value) {
            *x |= *y;
        }
        for (x, y) in self.pairable.iter_mut().zip(&other.pairable) {
            *x |= *y;
        }
        for (m, (&u, &d)) in other.units_by_m.iter().zip(&other.disagreement_by_m).enumerate() {
            if m >= self.units_by_m.len() {
                self.units_by_m.resize(m + 1, 0);
                self.disagreement_by_m.resize(m + 1, 0);
            }
            self.units_by_m[m] += u;
            self.disagreement_by_m[m] += d;
        }
        self.present += other.present;
        for i in 0..self.width.min(other.width) {
            for j in i + 1..self.width.min(other.width) {
                let (k, l) = (self.pair_index(i, j), other.pair_index(i, j));
                let (p, q) = (&mut self.pairs[k], other.pairs[l]);
                p.n += q.n;
                p.agree += q.agree;
                p.a_present += q.a_present;
                p.b_present += q.b_present;
            }
        }
    }

    /// Pairable units: units with at least two values.
    pub fn units(&self) -> usize {
        self.units_by_m.iter().sum::<u64>() as usize
    }

    /// The sums alpha and percent agreement need.
    fn sums(&self) -> Sums {
        let mut s = Sums {
            coders_with_values: self.has_value.iter().filter(|&&b| b).count(),
            coders_pairable: self.pairable.iter().filter(|&&b| b).count(),
            ..Sums::default()
        };
        for (m, (&units, &dis)) in self.units_by_m.iter().zip(&self.disagreement_by_m).enumerate() {
            if units == 0 {
                continue;
            }
            let m = m as u64;
            let ordered = units * m * (m - 1);
            s.units += units as usize;
            s.values += units * m;
            s.disagreement += dis as f64 / (m - 1) as f64;
            s.pairs += ordered;
            // Within a unit, agreeing ordered pairs and off-diagonal ones
            // add up to m(m − 1).
            s.agreeing += ordered - dis;
            s.unit_shares += (ordered - dis) as f64 / (m * (m - 1)) as f64;
        }
        let absent = s.values - self.present;
        s.sum_sq_totals = u128::from(self.present).pow(2) + u128::from(absent).pow(2);
        s
    }

    /// Cohen's κ of slots `i` and `j` (in either order); an empty result
    /// (no shared unit) for a slot out of range or `i == j`.
    pub fn kappa(&self, i: usize, j: usize) -> KappaResult {
        let (i, j) = (i.min(j), i.max(j));
        let p = if i != j && j < self.width {
            self.pairs[self.pair_index(i, j)]
        } else {
            PairCounts::default()
        };
        let marginals = [(p.n - p.a_present, p.n - p.b_present), (p.a_present, p.b_present)];
        kappa_of(p.n, p.agree, marginals.into_iter())
    }

    /// Every figure of these counts: α, κ per pair of slots (named by
    /// `coders[slot]`, an empty name past its end) and their mean, percent
    /// agreement, for data of `scope`.
    pub fn agreement(&self, coders: &[String], scope: Scope) -> Agreement {
        let name = |i: usize| coders.get(i).cloned().unwrap_or_default();
        let mut pairwise = Vec::with_capacity(self.pairs.len());
        for i in 0..self.width {
            for j in i + 1..self.width {
                pairwise.push(PairKappa {
                    a: name(i),
                    b: name(j),
                    kappa: self.kappa(i, j),
                });
            }
        }
        agreement_from(scope, &self.sums(), pairwise)
    }
}
