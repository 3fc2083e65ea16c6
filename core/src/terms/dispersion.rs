//! How evenly a term is spread through a document's blocks.
//!
//! A term a speech uses in every paragraph is part of its register (发展,
//! 工作); a term gathered in one section is a subject that section treats
//! (园区 in the section on parks). The measure is Gries' *deviation of
//! proportions*, normalised as Lijffijt & Gries propose:
//!
//! - Gries, S. Th. (2008). Dispersions and adjusted frequencies in corpora.
//!   *International Journal of Corpus Linguistics* 13(4), 403–437.
//! - Lijffijt, J. & Gries, S. Th. (2012). Correction to Stefan Th. Gries'
//!   "Dispersions and adjusted frequencies in corpora". *IJCL* 17(1), 147–149.

/// Gries' DP, normalised (DPnorm), in `0..=1`: 0 when the term's
/// occurrences are shared among the blocks exactly as the blocks' sizes
/// are, 1 when they all sit in the smallest block.
///
/// `counts[i]` is the term's occurrences in block `i`, `sizes[i]` the
/// block's size (candidate tokens); both indexed alike. With `s_i` each
/// block's share of all tokens and `v_i` its share of the term's:
///
/// ```text
/// DP     = ½ · Σ |v_i − s_i|
/// DPnorm = DP / (1 − min_i s_i)
/// ```
///
/// Degenerate inputs give a defined value, never a panic or NaN: a term
/// that never occurs, an empty document or mismatched lengths give 1
/// (nothing to call spread); a document of one block gives 0.
///
/// ```
/// use annotator_core::terms::dispersion::dp_norm;
/// assert_eq!(dp_norm(&[1, 1, 1, 1], &[10, 10, 10, 10]), 0.0);
/// assert_eq!(dp_norm(&[4, 0, 0, 0], &[10, 10, 10, 10]), 1.0);
/// ```
pub fn dp_norm(counts: &[usize], sizes: &[usize]) -> f64 {
    let total: usize = sizes.iter().sum();
    let n: usize = counts.iter().sum();
    if counts.len() != sizes.len() || total == 0 || n == 0 {
        return 1.0;
    }
    let min_share = sizes.iter().map(|&s| s as f64 / total as f64).fold(1.0, f64::min);
    if min_share >= 1.0 {
        return 0.0;
    }
    let dp: f64 = counts
        .iter()
        .zip(sizes)
        .map(|(&c, &s)| (c as f64 / n as f64 - s as f64 / total as f64).abs())
        .sum::<f64>()
        / 2.0;
    (dp / (1.0 - min_share)).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_terms_score_low_and_clustered_terms_high() {
        let sizes = [20, 10, 30, 40];
        let even = dp_norm(&[2, 1, 3, 4], &sizes);
        let clustered = dp_norm(&[0, 0, 5, 0], &sizes);
        assert!(even.abs() < 1e-12, "{even}");
        assert!(clustered > 0.75 && clustered <= 1.0, "{clustered}");
    }

    #[test]
    fn degenerate_inputs_never_panic() {
        assert_eq!(dp_norm(&[], &[]), 1.0);
        assert_eq!(dp_norm(&[0, 0], &[3, 4]), 1.0);
        assert_eq!(dp_norm(&[1], &[5]), 0.0);
        assert_eq!(dp_norm(&[1, 2], &[5]), 1.0);
        assert_eq!(dp_norm(&[1, 0], &[0, 0]), 1.0);
        assert_eq!(dp_norm(&[1, 0], &[0, 7]), 1.0, "min share 0 still bounded");
    }
}
