//! Finding text in a document: the blocks that contain a query, compared
//! without case and with full-width letters, digits and spaces read as
//! their half-width forms (ＧＤＰ finds GDP), and the next or previous hit
//! from a block. A long document renders only the blocks near the viewport,
//! so the browser's own find-in-page cannot see the rest; this can.

use crate::document::Document;
use crate::text::fold::fold_char;

/// Folds text for comparing: lower case; full-width ASCII forms
/// (U+FF01–U+FF5E) and the ideographic space read as ASCII; runs of white
/// space as one space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = fold_char(c);
        if c.is_whitespace() {
            if !space {
                out.push(' ');
            }
            space = true;
            continue;
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// A document's blocks folded once, searched on every keystroke.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextIndex {
    folded: Vec<String>,
}

impl TextIndex {
    pub fn new(doc: &Document) -> TextIndex {
        TextIndex {
            folded: doc.blocks.iter().map(|b| fold(&b.text)).collect(),
        }
    }

    /// Indexes of the blocks whose text contains `query` (folded; leading
    /// and trailing space ignored), in document order. An empty query
    /// finds nothing.
    pub fn find(&self, query: &str) -> Vec<usize> {
        let q = fold(query.trim());
        if q.is_empty() {
            return Vec::new();
        }
        self.folded
            .iter()
            .enumerate()
            .filter(|(_, t)| t.contains(&q))
            .map(|(i, _)| i)
            .collect()
    }
}

/// Which hit (a place in `hits`, ascending block indexes) comes next from
/// block `from`: forward, the first hit at or after it (strictly after,
/// with `skip_current`), else the first; backward, the last before it,
/// else the last. `None` without hits.
pub fn next_hit(hits: &[usize], from: Option<usize>, forward: bool, skip_current: bool) -> Option<usize> {
    if hits.is_empty() {
        return None;
    }
    let Some(from) = from else {
        return Some(if forward { 0 } else { hits.len() - 1 });
    };
    if forward {
        let n = if skip_current {
            hits.partition_point(|&h| h <= from)
        } else {
            hits.partition_point(|&h| h < from)
        };
        Some(if n == hits.len() { 0 } else { n })
    } else {
        let n = hits.partition_point(|&h| h < from);
        Some(if n == 0 { hits.len() - 1 } else { n - 1 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_width_and_space() {
        assert_eq!(fold("ＧＤＰ增长　Two  Words"), "gdp增长 two words");
        assert_eq!(fold("（２０２４）"), "(2024)");
        assert_eq!(fold(""), "");
    }

    #[test]
    fn finds_the_blocks_holding_a_query() {
        let doc = Document::parse("标题\n今年ＧＤＰ增长。\n外资GDP占比。\n其他。");
        let index = TextIndex::new(&doc);
        assert_eq!(index.find("gdp"), vec![1, 2]);
        assert_eq!(index.find(" ＧＤＰ增长 "), vec![1]);
        assert_eq!(index.find("不存在"), Vec::<usize>::new());
        assert_eq!(index.find("   "), Vec::<usize>::new());
        assert_eq!(index.find("标题"), vec![0]);
    }

    #[test]
    fn the_next_hit_wraps_around() {
        let hits = [3, 10, 20];
        assert_eq!(next_hit(&hits, None, true, false), Some(0));
        assert_eq!(next_hit(&hits, None, false, false), Some(2));
        assert_eq!(next_hit(&hits, Some(10), true, false), Some(1), "the block itself");
        assert_eq!(next_hit(&hits, Some(10), true, true), Some(2), "Enter goes on");
        assert_eq!(next_hit(&hits, Some(25), true, true), Some(0), "wraps");
        assert_eq!(next_hit(&hits, Some(10), false, true), Some(0));
        assert_eq!(next_hit(&hits, Some(2), false, true), Some(2), "wraps back");
        assert_eq!(next_hit(&[], Some(2), true, false), None);
    }
}
