//! Finding the block a quote or a char range points at.

use crate::document::{Block, Document};

/// Finds the block of `doc` a quoted text or a char range points at.
/// Offsets count chars (Unicode scalar values) of `doc.text`.
///
/// Text decides; position only breaks ties between equal texts:
/// - with a quote (`exact`), the block whose text equals it (trimmed); of
///   several equal ones, the one whose range is `start..end`, else the one
///   starting nearest `start`, else the first. A quote that no block holds
///   finds nothing, whatever the position says (it may be another
///   document's position);
/// - without a quote, the block whose range is `start..end`, else the one
///   whose range holds it (a position alone is only trusted for the same
///   text, which the caller checks).
pub fn locate_block<'a>(
    doc: &'a Document,
    exact: Option<&str>,
    start: Option<usize>,
    end: Option<usize>,
) -> Option<&'a Block> {
    if let Some(x) = exact {
        let x = x.trim();
        let mut equal = doc.blocks.iter().filter(|b| b.text == x).peekable();
        let first = *equal.peek()?;
        let Some(s) = start else { return Some(first) };
        let all: Vec<&Block> = equal.collect();
        if let Some(e) = end {
            if let Some(b) = all.iter().find(|b| b.start == s && b.end == e) {
                return Some(b);
            }
        }
        return all.into_iter().min_by_key(|b| b.start.abs_diff(s));
    }
    let (s, e) = (start?, end?);
    doc.blocks
        .iter()
        .find(|b| b.start == s && b.end == e)
        .or_else(|| doc.blocks.iter().find(|b| b.start <= s && e <= b.end && s < e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_decides_and_position_breaks_ties() {
        let doc = Document::parse("标题\n同样的一段。\n别的段落。\n同样的一段。");
        let same: Vec<&Block> = doc.blocks.iter().filter(|b| b.text == "同样的一段。").collect();
        assert_eq!(
            locate_block(&doc, Some("同样的一段。"), None, None).unwrap().id,
            same[0].id
        );
        let near_last = Some(same[1].start + 1);
        assert_eq!(
            locate_block(&doc, Some("同样的一段。"), near_last, None).unwrap().id,
            same[1].id
        );
        // a quote the document lacks finds nothing, even at a position inside a block
        let other = &doc.blocks[2];
        assert!(locate_block(&doc, Some("another text"), Some(other.start), Some(other.end)).is_none());
        // a position alone (same text) still finds its block
        assert_eq!(
            locate_block(&doc, None, Some(other.start), Some(other.end)).unwrap().id,
            other.id
        );
        assert_eq!(
            locate_block(&doc, None, Some(other.start + 1), Some(other.end - 1))
                .unwrap()
                .id,
            other.id
        );
    }
}
