//! Full-width forms read as their ASCII forms, one char for one char.
//!
//! Chinese texts often write digits and Latin letters in full-width forms
//! (`２０２４`, `ＧＤＰ`). Structure detection (dates, heading numbers,
//! meta lines, page numbers), segmentation, key terms and suggestions read
//! the folded text; the text shown and stored stays as written.
//!
//! The fold maps every char to exactly one char, so a folded text has the
//! same char count as the original and every char offset (a mark, a
//! selection, a block's range) found in the folded text points at the same
//! place in the text as written.

use std::borrow::Cow;

/// The full-width ASCII forms U+FF01 (`！`) to U+FF5E (`～`) as their ASCII
/// forms U+0021 to U+007E, and the ideographic space U+3000 as a space;
/// every other char as itself.
///
/// ```
/// use annotator_core::text::fold::fold_char;
/// assert_eq!(fold_char('Ｇ'), 'G');
/// assert_eq!(fold_char('２'), '2');
/// assert_eq!(fold_char('（'), '(');
/// assert_eq!(fold_char('\u{3000}'), ' ');
/// assert_eq!(fold_char('。'), '。');
/// ```
pub fn fold_char(c: char) -> char {
    match c as u32 {
        0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        0x3000 => ' ',
        _ => c,
    }
}

/// Whether [`fold_char`] changes `c`.
pub fn is_wide(c: char) -> bool {
    matches!(c as u32, 0xFF01..=0xFF5E | 0x3000)
}

/// A text with [`fold_char`] applied to every char: borrowed when nothing
/// changes (most texts), so the common case costs one scan. The result has
/// as many chars as `text`, so char offsets carry over unchanged.
///
/// ```
/// use annotator_core::text::fold::fold_width;
/// assert_eq!(fold_width("全市ＧＤＰ增长５．２％"), "全市GDP增长5.2%");
/// assert_eq!(fold_width("（２０２４年３月５日）"), "(2024年3月5日)");
/// ```
pub fn fold_width(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_wide) {
        Cow::Owned(text.chars().map(fold_char).collect())
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{char_len, char_slice};

    #[test]
    fn every_full_width_form_folds_to_its_ascii_form() {
        for (i, c) in ('\u{FF01}'..='\u{FF5E}').enumerate() {
            assert_eq!(fold_char(c) as u32, 0x21 + i as u32);
        }
        assert_eq!(fold_char('\u{FF00}'), '\u{FF00}');
        assert_eq!(fold_char('\u{FF5F}'), '\u{FF5F}');
        assert_eq!(fold_width("ＡＢＣ　ｘｙｚ"), "ABC xyz");
    }

    #[test]
    fn a_text_without_wide_forms_is_borrowed() {
        assert!(matches!(fold_width("全市GDP增长。"), Cow::Borrowed(_)));
    }

    /// The property offsets rely on: one char for one char, so a range
    /// found in the folded text selects the same words in the original.
    #[test]
    fn folding_keeps_char_counts_and_offsets() {
        let original = "　全市ＧＤＰ增长５．２％，𝄞ＧＤＰ总量创新高。";
        let folded = fold_width(original);
        assert_eq!(char_len(&folded), char_len(original));
        let at = folded.find("GDP总量").unwrap();
        let start = char_len(&folded[..at]);
        assert_eq!(char_slice(original, start, start + 5), "ＧＤＰ总量");
        for (a, b) in original.chars().zip(folded.chars()) {
            assert_eq!(fold_char(a), b);
        }
    }
}
