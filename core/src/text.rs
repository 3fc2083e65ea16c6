//! Text normalisation, fingerprints and offsets.
//!
//! The core counts offsets in Unicode scalar values (Rust `char`s), the
//! unit of W3C `TextPositionSelector` and REFI-QDA; conversion to UTF-16
//! (the DOM) or bytes (slicing) happens only at the edges. [`fold`] reads
//! full-width forms as ASCII for analysis, keeping char offsets.

use sha2::{Digest, Sha256};

pub mod fold;

/// Characters trimmed from both ends of every line: ASCII and Unicode white
/// space (including the full-width space U+3000 that Chinese sites use for
/// indentation) and the byte-order mark.
fn is_trim(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}'
}

/// A line without the white space, BOM and zero-width space at its ends.
pub fn trim_line(line: &str) -> &str {
    line.trim_matches(is_trim)
}

/// Splits a raw text into its trimmed, non-empty lines: CRLF, CR and LF all
/// end a line.
pub fn normalized_lines(raw: &str) -> Vec<&str> {
    raw.split(['\n', '\r'])
        .map(trim_line)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The canonical text of a document: its trimmed, non-empty lines joined by
/// `\n`. Two copies of a speech that differ only in line ends, indentation or
/// blank lines have the same canonical text.
pub fn normalize(raw: &str) -> String {
    normalized_lines(raw).join("\n")
}

/// A short, stable hash of a text (hex of the first 8 bytes of SHA-256).
pub fn short_hash(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(16);
    for b in &digest[..8] {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    out
}

/// The fingerprint of a document: the short hash of its canonical text.
/// It is `Document::parse(raw).fingerprint` unless `raw` is hard-wrapped
/// and its lines are joined (the document's canonical text is then the
/// joined one, whose fingerprint this gives).
///
/// ```
/// use annotator_core::text::fingerprint;
/// assert_eq!(fingerprint("标题\r\n\r\n  正文。 "), fingerprint("标题\n正文。"));
/// ```
pub fn fingerprint(raw: &str) -> String {
    short_hash(&normalize(raw))
}

/// A count with its English noun: `1 document`, `2 documents` (`many` is
/// the plural, since English plurals are not all an added `s`).
///
/// ```
/// use annotator_core::text::counted;
/// assert_eq!(counted(1, "document", "documents"), "1 document");
/// assert_eq!(counted(0, "coder", "coders"), "0 coders");
/// ```
pub fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Number of chars in `s` (the core's offset unit).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Converts a char offset in `s` to a UTF-16 offset (for the DOM).
pub fn char_to_utf16(s: &str, char_offset: usize) -> usize {
    s.chars().take(char_offset).map(char::len_utf16).sum()
}

/// The substring of `s` between two char offsets (clamped to the text).
pub fn char_slice(s: &str, start: usize, end: usize) -> &str {
    let mut idx = s.char_indices().map(|(i, _)| i).chain(std::iter::once(s.len()));
    let b0 = idx.nth(start).unwrap_or(s.len());
    let b1 = if end > start {
        idx.nth(end - start - 1).unwrap_or(s.len())
    } else {
        b0
    };
    &s[b0..b1]
}

/// A file name made from a title: no path separators, no characters file
/// systems refuse, bounded length.
///
/// ```
/// assert_eq!(annotator_core::text::safe_file_name("a/b:c"), "a_b_c");
/// ```
pub fn safe_file_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(60)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.');
    if cleaned.is_empty() {
        "speech".into()
    } else {
        cleaned.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalisation_folds_line_ends_and_full_width_spaces() {
        let raw = "\u{feff}　　标题\r\n\r\n　　第一段。\r第二段。\n\n";
        assert_eq!(normalize(raw), "标题\n第一段。\n第二段。");
    }

    #[test]
    fn offsets_convert_between_units() {
        let s = "a𝄞中";
        assert_eq!(char_len(s), 3);
        assert_eq!(char_to_utf16(s, 2), 3);
        assert_eq!(char_slice(s, 1, 3), "𝄞中");
        assert_eq!(char_slice(s, 2, 2), "");
        assert_eq!(char_slice(s, 2, 99), "中");
    }

    #[test]
    fn fingerprint_is_stable_and_short() {
        let f = fingerprint("一段文字");
        assert_eq!(f.len(), 16);
        assert_ne!(f, fingerprint("另一段文字"));
    }
}
