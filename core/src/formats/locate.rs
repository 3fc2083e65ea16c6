//! Finding the block a quote or a char range points at.

use crate::document::{Block, Document};

/// Finds the block of `doc` a quoted text or a char range points at: the
/// block whose text equals the quote, else the one whose range holds the
/// position. Used by importers of formats that address text, not ids.
pub fn locate_block<'a>(
    doc: &'a Document,
    exact: Option<&str>,
    start: Option<usize>,
    end: Option<usize>,
) -> Option<&'a Block> {
    if let (Some(s), Some(e)) = (start, end) {
        if let Some(b) = doc.blocks.iter().find(|b| b.start == s && b.end == e) {
            if exact.is_none_or(|x| x == b.text) {
                return Some(b);
            }
        }
    }
    if let Some(x) = exact {
        let x = x.trim();
        if let Some(b) = doc.blocks.iter().find(|b| b.text == x) {
            return Some(b);
        }
    }
    let (s, e) = (start?, end?);
    doc.blocks.iter().find(|b| b.start <= s && e <= b.end && s < e)
}
