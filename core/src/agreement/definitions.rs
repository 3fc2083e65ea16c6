//! What each agreement figure is, in words a report can quote: the
//! definition of each statistic with the counts it was computed from.

use super::{Agreement, Scope};

/// The definition of each figure of an [`Agreement`], in Chinese and
/// English (`中文 · English`), with its counts filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definitions {
    /// Krippendorff's α: nominal, what a unit is, how themes are pooled.
    pub alpha: String,
    /// κ̄: Cohen's κ per pair, over how many pairs it averages, and the
    /// pairs left out with why.
    pub kappa: String,
    /// Percent agreement: the pooled share of agreeing pairs.
    pub percent: String,
}

impl Agreement {
    /// The definitions of this agreement's figures. `name` turns a coder
    /// id into the name to show (see [`crate::coders::display_names`]).
    ///
    /// Sources: Krippendorff (2011), "Computing Krippendorff's
    /// Alpha-Reliability"; Cohen (1960), "A coefficient of agreement for
    /// nominal scales".
    pub fn definitions(&self, name: &dyn Fn(&str) -> String) -> Definitions {
        let a = &self.alpha;
        let (unit_zh, unit_en, pooling_zh, pooling_en) = match self.scope {
            Scope::Theme => (
                "每个段落是一个单位",
                "each paragraph is a unit",
                "",
                "",
            ),
            Scope::Pooled => (
                "每个“段落 × 主题”是一个单位",
                "each paragraph × theme is a unit",
                "；所有主题合并为一个信度矩阵，偶然一致按全部主题中“有”的比例估计",
                "; every theme's units are pooled into one reliability matrix, chance agreement judged from the share of “present” over all themes",
            ),
        };
        let alpha = format!(
            "Krippendorff α（名义尺度）：{unit_zh}，每位编码者判断主题“有”或“无”；未编码的为缺失，不计入{pooling_zh}；α = 1 − D_o/D_e（Krippendorff 2011）。基于 {u} 个可配对单位、{v} 个值、{c} 位编码者。 · \
             Krippendorff's α (nominal): {unit_en}, each coder says present or absent; what a coder did not code is missing and left out{pooling_en}; α = 1 − D_o/D_e (Krippendorff 2011). From {u} pairable units, {v} values, {c} coders.",
            u = a.units,
            v = a.values,
            c = a.coders,
        );
        let p = &self.percent;
        let percent = format!(
            "百分比一致：在所有至少两位编码者都编码了的单位中，两两编码者给出相同判断的对数占全部对数的比例（{g}/{t} 对），未校正偶然一致。 · \
             Percent agreement: of all pairs of coders who both coded a unit, over every unit, the share that gave the same value ({g} of {t} pairs); not corrected for chance.",
            g = p.agreeing_pairs,
            t = p.pairs,
        );
        let k = &self.kappa_pairs;
        let left_out: Vec<String> = k
            .undefined
            .iter()
            .map(|u| format!("{} – {}: {}", name(&u.a), name(&u.b), u.reason.pair_message()))
            .collect();
        let mut kappa = format!(
            "κ̄：每两位编码者之间的 Cohen κ（只用两人都编码了的单位，各自的边际比例，Cohen 1960）的平均，基于 {n} 对中的 {m} 对。 · \
             κ̄: the mean of Cohen's κ between each two coders (over the units both coded, each coder's own marginals, Cohen 1960), over {m} of {n} pairs.",
            m = k.averaged,
            n = k.total,
        );
        if !left_out.is_empty() {
            kappa.push_str("\n未计入 · Left out:\n");
            kappa.push_str(&left_out.join("\n"));
        }
        Definitions { alpha, kappa, percent }
    }
}
