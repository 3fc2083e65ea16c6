//! A long document laid out one block under another, so that only the
//! blocks near the viewport need to be rendered: the height of every block
//! (measured once rendered, estimated from its text before), the top of
//! each shown block, which block sits at a scroll position, and the window
//! of blocks to render around it.
//!
//! Positions are in CSS pixels from the top of the first shown block.
//! "Rows" are the blocks shown, in document order (all of them, or those a
//! theme filter lets through); a row's number is its place among them.

use std::ops::Range;

use crate::document::{Block, BlockKind, Document};

/// The page's measures at a 16 px root font size, as the stylesheet sets
/// them: only a first guess, corrected by what is measured.
mod css {
    /// Text of a paragraph: 1.08rem.
    pub const PARA_FONT: f64 = 17.28;
    /// Its line height: 1.95.
    pub const PARA_LINE: f64 = 33.7;
    /// A block's vertical padding (.35rem twice) and bottom margin (.5rem).
    pub const BLOCK_EXTRA: f64 = 19.2;
    /// The row of theme chips under a taggable block.
    pub const TAGS_ROW: f64 = 26.0;
    /// Horizontal padding and border of a block (.8rem twice, 3px).
    pub const BLOCK_INSET: f64 = 28.6;
    /// Title: 1.6rem, line height 1.5, margins .4rem.
    pub const TITLE_FONT: f64 = 25.6;
    pub const TITLE_EXTRA: f64 = 12.8;
    /// Heading: 1.2rem, line height 1.6, margins 1rem and .2rem.
    pub const HEADING_FONT: f64 = 19.2;
    pub const HEADING_EXTRA: f64 = 19.2;
    /// Meta and residue lines: about .9rem of interface text.
    pub const SMALL_LINE: f64 = 28.0;
}

/// Width of a char in ems: CJK and full-width forms one, the rest about half.
fn char_em(c: char) -> f64 {
    if c.is_ascii() {
        if c == ' ' {
            0.3
        } else {
            0.55
        }
    } else if (c as u32) < 0x1100 {
        0.6
    } else {
        1.0
    }
}

/// Lines a text takes at `font` px in `width` px.
fn lines(text: &str, font: f64, width: f64) -> f64 {
    let em: f64 = text.chars().map(char_em).sum();
    let per_line = (width / font).max(1.0);
    (em / per_line).ceil().max(1.0)
}

/// A first guess at a block's height (px) in a document column `width` px
/// wide, before it has been rendered and measured.
pub fn estimate(block: &Block, width: f64) -> f64 {
    let inner = (width - css::BLOCK_INSET).max(100.0);
    let tags = if block.kind.is_taggable() { css::TAGS_ROW } else { 0.0 };
    let body = match block.kind {
        BlockKind::Title => lines(&block.text, css::TITLE_FONT, inner) * css::TITLE_FONT * 1.5 + css::TITLE_EXTRA,
        BlockKind::Heading => {
            lines(&block.text, css::HEADING_FONT, inner) * css::HEADING_FONT * 1.6 + css::HEADING_EXTRA
        }
        // Indented by two ems.
        BlockKind::Paragraph => lines(&block.text, css::PARA_FONT, inner - 2.0 * css::PARA_FONT) * css::PARA_LINE,
        BlockKind::Meta | BlockKind::Residue => css::SMALL_LINE,
    };
    body + tags + css::BLOCK_EXTRA
}

/// How far beyond the viewport, in viewport heights, the window reaches
/// on each side when it is placed.
const REACH: f64 = 1.5;
/// How close, in viewport heights, the viewport may come to either end of
/// the window before the window is placed again. Close to [`REACH`], so
/// the window moves in steps of about a third of a viewport: scrolling
/// builds a few blocks a frame rather than a viewport's worth every few
/// frames (the frame-interval p95 the budget counts), while a scroll of
/// a few lines still re-renders nothing.
const SLACK: f64 = 1.15;
/// At most this many rows are rendered, however small the blocks.
pub const MAX_ROWS: usize = 160;
/// At least this many rows are rendered around a position, however tall.
pub const MIN_ROWS: usize = 12;

/// The blocks of a document stacked one under another.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Estimated height of each block, by block index.
    estimated: Vec<f64>,
    /// Measured height of each block rendered so far.
    measured: Vec<Option<f64>>,
    /// Sum of the measured heights, and of the estimates of those blocks:
    /// their ratio scales the estimates of blocks not yet measured.
    measured_sum: f64,
    estimated_sum: f64,
    /// The rows: block indexes shown, ascending.
    rows: Vec<usize>,
    /// Top of each row, and the total height last (`rows.len() + 1` values).
    tops: Vec<f64>,
}

impl Layout {
    /// Every block of `doc` shown, with estimated heights for a document
    /// column `width` px wide.
    pub fn new(doc: &Document, width: f64) -> Layout {
        let estimated: Vec<f64> = doc.blocks.iter().map(|b| estimate(b, width)).collect();
        let n = estimated.len();
        let mut layout = Layout {
            estimated,
            measured: vec![None; n],
            measured_sum: 0.0,
            estimated_sum: 0.0,
            rows: (0..n).collect(),
            tops: Vec::new(),
        };
        layout.stack();
        layout
    }

    /// Shows only these blocks (ascending block indexes; others ignored).
    pub fn set_rows(&mut self, mut rows: Vec<usize>) {
        rows.retain(|&i| i < self.estimated.len());
        rows.sort_unstable();
        rows.dedup();
        if rows != self.rows {
            self.rows = rows;
            self.stack();
        }
    }

    /// The block indexes shown, in order.
    pub fn rows(&self) -> &[usize] {
        &self.rows
    }

    /// The height a block is taken to have: measured, else its estimate
    /// scaled by how the measured blocks compared to their estimates.
    pub fn height(&self, block: usize) -> f64 {
        match self.measured.get(block) {
            Some(Some(h)) => *h,
            Some(None) => self.estimated[block] * self.scale(),
            None => 0.0,
        }
    }

    fn scale(&self) -> f64 {
        if self.measured_sum > 0.0 && self.estimated_sum > 0.0 {
            (self.measured_sum / self.estimated_sum).clamp(0.25, 4.0)
        } else {
            1.0
        }
    }

    /// Records the heights of rendered blocks (`(block index, px)`).
    /// Returns whether any row's top moved.
    pub fn measure(&mut self, sizes: &[(usize, f64)]) -> bool {
        let mut changed = false;
        for &(block, h) in sizes {
            if block >= self.measured.len() || !h.is_finite() || h < 0.0 {
                continue;
            }
            match self.measured[block] {
                Some(old) if (old - h).abs() < 0.5 => {}
                Some(old) => {
                    self.measured_sum += h - old;
                    self.measured[block] = Some(h);
                    changed = true;
                }
                None => {
                    self.measured_sum += h;
                    self.estimated_sum += self.estimated[block];
                    self.measured[block] = Some(h);
                    changed = true;
                }
            }
        }
        if changed {
            let before = self.tops.clone();
            self.stack();
            return before != self.tops;
        }
        false
    }

    fn stack(&mut self) {
        let scale = self.scale();
        let mut tops = Vec::with_capacity(self.rows.len() + 1);
        let mut y = 0.0;
        for &i in &self.rows {
            tops.push(y);
            y += self.measured[i].unwrap_or(self.estimated[i] * scale);
        }
        tops.push(y);
        self.tops = tops;
    }

    /// Height of all rows.
    pub fn total(&self) -> f64 {
        self.tops.last().copied().unwrap_or(0.0)
    }

    /// Top of a row (the total height for `rows().len()` and beyond).
    pub fn top(&self, row: usize) -> f64 {
        self.tops.get(row).copied().unwrap_or_else(|| self.total())
    }

    /// The row at position `y` (the first or last row beyond the ends);
    /// `None` when nothing is shown.
    pub fn row_at(&self, y: f64) -> Option<usize> {
        if self.rows.is_empty() {
            return None;
        }
        // The last row whose top is at or above y.
        let n = self.tops[..self.rows.len()].partition_point(|&t| t <= y);
        Some(n.saturating_sub(1))
    }

    /// The row that shows a block, if it is shown.
    pub fn row_of(&self, block: usize) -> Option<usize> {
        self.rows.binary_search(&block).ok()
    }

    /// The rows to render for a viewport `height` px tall whose top is at
    /// `y`: `current` if it still reaches far enough around the viewport,
    /// else a new window reaching [`REACH`] viewport heights beyond it on
    /// each side (at least [`MIN_ROWS`] and at most [`MAX_ROWS`] rows).
    pub fn window(&self, y: f64, height: f64, current: Range<usize>) -> Range<usize> {
        let n = self.rows.len();
        if n == 0 {
            return 0..0;
        }
        let height = height.max(1.0);
        let covered = |lo: f64, hi: f64| {
            current.start < current.end
                && current.end <= n
                && (current.start == 0 || self.top(current.start) <= lo.max(0.0))
                && (current.end == n || self.top(current.end) >= hi.min(self.total()))
                && current.len() <= MAX_ROWS
        };
        if covered(y - SLACK * height, y + height + SLACK * height) {
            return current;
        }
        self.span(y - REACH * height, y + height + REACH * height, y)
    }

    /// The rows to render so that a row is on screen: the window a viewport
    /// `height` px tall would get with that row at its top.
    pub fn around(&self, row: usize, height: f64) -> Range<usize> {
        let y = self.top(row.min(self.rows.len()));
        self.window(y, height, 0..0)
    }

    /// Rows overlapping `lo..hi`, widened to [`MIN_ROWS`] and cut to
    /// [`MAX_ROWS`] around the row at `focus`.
    fn span(&self, lo: f64, hi: f64, focus: f64) -> Range<usize> {
        let n = self.rows.len();
        let first = self.row_at(lo).unwrap_or(0);
        let last = self.row_at(hi).unwrap_or(0);
        let (mut start, mut end) = (first, (last + 1).min(n));
        let at = self.row_at(focus.max(0.0)).unwrap_or(0);
        if end - start > MAX_ROWS {
            start = at.saturating_sub(MAX_ROWS / 3).max(start);
            end = (start + MAX_ROWS).min(n);
        }
        while end - start < MIN_ROWS.min(n) {
            start = start.saturating_sub(1);
            if end - start < MIN_ROWS.min(n) && end < n {
                end += 1;
            }
        }
        start..end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(n: usize) -> Document {
        let mut text = String::from("标题\n");
        for i in 0..n {
            text.push_str(&format!(
                "第{i}段：这是一段用来测试的文字，长度适中，不会太短也不会太长。\n"
            ));
        }
        Document::parse(&text)
    }

    #[test]
    fn estimates_grow_with_the_text_and_differ_by_kind() {
        let doc = Document::parse("标题\n一、部分\n短段。\n这是一段很长的文字。这是一段很长的文字。这是一段很长的文字。这是一段很长的文字。这是一段很长的文字。这是一段很长的文字。");
        let h: Vec<f64> = doc.blocks.iter().map(|b| estimate(b, 700.0)).collect();
        assert!(h[3] > h[2], "a longer paragraph is taller: {h:?}");
        assert!(h[2] > 60.0 && h[2] < 100.0, "one line and the tags: {}", h[2]);
        assert!(estimate(&doc.blocks[3], 300.0) > h[3], "narrower is taller");
        assert!(h.iter().all(|x| x.is_finite() && *x > 0.0));
    }

    #[test]
    fn tops_stack_the_rows_and_positions_find_their_row() {
        let doc = long(100);
        let layout = Layout::new(&doc, 700.0);
        assert_eq!(layout.rows().len(), 101);
        assert_eq!(layout.top(0), 0.0);
        let h0 = layout.height(0);
        assert_eq!(layout.top(1), h0);
        assert!((layout.total() - (0..101).map(|i| layout.height(i)).sum::<f64>()).abs() < 1e-6);
        assert_eq!(layout.row_at(-50.0), Some(0));
        assert_eq!(layout.row_at(0.0), Some(0));
        assert_eq!(layout.row_at(h0), Some(1));
        assert_eq!(layout.row_at(h0 - 0.1), Some(0));
        assert_eq!(layout.row_at(1e9), Some(100));
        assert_eq!(layout.top(500), layout.total());
    }

    #[test]
    fn measured_heights_replace_estimates_and_scale_the_rest() {
        let doc = long(100);
        let mut layout = Layout::new(&doc, 700.0);
        let est = layout.height(50);
        assert!(layout.measure(&[(1, est * 2.0), (2, est * 2.0)]));
        assert_eq!(layout.height(1), est * 2.0);
        // Unmeasured blocks are taken to be as much off as the measured ones.
        assert!((layout.height(50) - est * 2.0).abs() < 1e-6);
        assert!(
            !layout.measure(&[(1, est * 2.0 + 0.1)]),
            "sub-pixel changes move nothing"
        );
        assert!(
            !layout.measure(&[(9999, 10.0), (3, f64::NAN)]),
            "out of range and NaN are ignored"
        );
    }

    #[test]
    fn rows_follow_a_filter() {
        let doc = long(100);
        let mut layout = Layout::new(&doc, 700.0);
        layout.set_rows(vec![40, 0, 10, 10, 500]);
        assert_eq!(layout.rows(), &[0, 10, 40]);
        assert_eq!(layout.row_of(10), Some(1));
        assert_eq!(layout.row_of(11), None);
        assert_eq!(layout.top(2), layout.height(0) + layout.height(10));
        layout.set_rows(Vec::new());
        assert_eq!(layout.row_at(10.0), None);
        assert_eq!(layout.window(0.0, 800.0, 0..0), 0..0);
    }

    #[test]
    fn the_window_covers_the_viewport_with_room_and_stays_put_on_small_scrolls() {
        let doc = long(15_000);
        let layout = Layout::new(&doc, 700.0);
        let h = layout.height(5000);
        let y = layout.top(5000);
        let w = layout.window(y, 900.0, 0..0);
        assert!(w.contains(&5000));
        assert!(layout.top(w.start) <= y - 900.0 && layout.top(w.end) >= y + 900.0 + 900.0);
        assert!(w.len() <= MAX_ROWS && w.len() >= MIN_ROWS, "{w:?}");
        // A scroll by one block keeps it; a scroll by two screens moves it.
        assert_eq!(layout.window(y + h, 900.0, w.clone()), w);
        let moved = layout.window(y + 3000.0, 900.0, w.clone());
        assert_ne!(moved, w);
        assert!(layout.top(moved.start) <= y + 3000.0 && layout.top(moved.end) >= y + 3900.0);
        // The ends.
        let top = layout.window(0.0, 900.0, 0..0);
        assert_eq!(top.start, 0);
        let end = layout.window(layout.total() - 900.0, 900.0, 0..0);
        assert_eq!(end.end, 15_001);
    }

    #[test]
    fn tiny_and_huge_viewports_keep_the_window_within_bounds() {
        let doc = long(15_000);
        let layout = Layout::new(&doc, 700.0);
        let w = layout.window(layout.top(7000), 1.0, 0..0);
        assert!(w.len() >= MIN_ROWS && w.contains(&7000), "{w:?}");
        let w = layout.window(layout.top(7000), 1e7, 0..0);
        assert!(w.len() <= MAX_ROWS && w.contains(&7000), "{w:?}");
        let a = layout.around(14_999, 900.0);
        assert!(a.contains(&14_999), "{a:?}");
        let short = Layout::new(&long(3), 700.0);
        assert_eq!(short.window(0.0, 900.0, 0..0), 0..4);
    }
}
