//! Page furniture a PDF copy brings along: page numbers and running
//! headers. Both become residue blocks (kept, dimmed, not units of coding,
//! left out of key terms), like the site navigation of a web copy.
//!
//! Lines are read folded ([`crate::text::fold`]), so `－ 3 －` and `- 3 -`
//! are the same page number.

use std::collections::{HashMap, HashSet};

use crate::text::char_len;

/// The note of a page-number block (shown to the user).
pub const PAGE_NUMBER_NOTE: &str = "page number · 页码";

/// The note of a running-header block (shown to the user).
pub const RUNNING_HEADER_NOTE: &str = "running header · 页眉";

/// A running header is at most this many chars long.
pub const MAX_HEADER_LEN: usize = 30;

/// A running header occurs at least this many times, identically.
pub const MIN_HEADER_REPEATS: usize = 3;

/// Chars that may surround a page number: dashes, dots and brackets (folded).
const DECORATION: &str = "-‐‑‒–—―−~·•()[]{}<>〈〉《》「」【】〔〕";

/// Whether a folded line is only a page number: 1 to 4 digits, optionally
/// between dashes or brackets (`- 3 -`, `(3)`), as `3/12`, `第3页`
/// (`第三页`, `第3页 共12页`) or `Page 3` (`page 3 of 12`). Spaces are
/// ignored.
///
/// ```
/// use annotator_core::document::residue::is_page_number;
/// for line in ["- 3 -", "—3—", "(12)", "3/12", "第3页", "第 3 页 共 12 页", "第三页", "Page 3 of 12", "7"] {
///     assert!(is_page_number(line), "{line}");
/// }
/// for line in ["3月", "一、总体要求", "第三部分", "- 12345 -", "--", "3.5%"] {
///     assert!(!is_page_number(line), "{line}");
/// }
/// ```
pub fn is_page_number(folded: &str) -> bool {
    let squeezed: String = folded
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let core = squeezed.trim_matches(|c| DECORATION.contains(c));
    let number = |s: &str| (1..=4).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let cn_or_number = |s: &str| {
        number(s)
            || (!s.is_empty() && char_len(s) <= 4 && s.chars().all(|c| "一二三四五六七八九十百零〇两".contains(c)))
    };
    if number(core) {
        return true;
    }
    if let Some((a, b)) = core.split_once('/') {
        if number(a) && number(b) {
            return true;
        }
    }
    if let Some(rest) = core.strip_prefix("第") {
        let (page, total) = rest.split_once('页').unwrap_or((rest, "-"));
        let total = total.trim_start_matches([',', '，', '/', '、']);
        let total_ok = total.is_empty()
            || total
                .strip_prefix('共')
                .and_then(|t| t.strip_suffix('页'))
                .is_some_and(cn_or_number);
        return cn_or_number(page) && total_ok;
    }
    if let Some(rest) = core.strip_prefix("page") {
        let (page, total) = rest.split_once("of").unwrap_or((rest, "1"));
        return number(page) && number(total);
    }
    false
}

/// The folded lines that are running headers: at most [`MAX_HEADER_LEN`]
/// chars, not ending a sentence (`。！？：；` and their ASCII forms), found
/// identically at least [`MIN_HEADER_REPEATS`] times.
pub fn running_headers<'a>(folded: &[&'a str]) -> HashSet<&'a str> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for line in folded {
        if !line.is_empty() && char_len(line) <= MAX_HEADER_LEN && !line.ends_with(['。', '!', '?', ':', ';', '.']) {
            *counts.entry(line).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n >= MIN_HEADER_REPEATS)
        .map(|(l, _)| l)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_in_every_width_and_form() {
        use crate::text::fold::fold_width;
        for line in ["－ 1 －", "－１－", "（３）", "第１页", "３／１２", "- 3 -", "·3·"] {
            assert!(is_page_number(&fold_width(line)), "{line}");
        }
        for line in ["三", "第一章", "第3页的内容说明了问题。", "page one", "2022年"] {
            assert!(!is_page_number(&fold_width(line)), "{line}");
        }
    }

    #[test]
    fn a_short_line_three_times_is_a_running_header() {
        let lines = [
            "办公室文件",
            "正文。",
            "办公室文件",
            "正文二。",
            "办公室文件",
            "同志们:",
            "同志们:",
            "同志们:",
        ];
        let headers = running_headers(&lines);
        assert_eq!(headers.into_iter().collect::<Vec<_>>(), ["办公室文件"]);
        assert!(running_headers(&["办公室文件", "办公室文件"]).is_empty());
    }
}
