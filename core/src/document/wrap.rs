//! Hard-wrapped text (a PDF copy) joined back into paragraphs.
//!
//! A PDF copy cuts every paragraph into lines of about one width and marks
//! paragraphs with a blank line. The rule, on the trimmed lines of the raw
//! text (page numbers and running headers set aside, see
//! [`super::residue`]):
//!
//! - a *group* is a run of non-blank lines between blank lines; the *inner
//!   lines* are the lines of a group that have a line after them in it;
//! - the text is *hard-wrapped* when it has at least [`MIN_INNER_LINES`]
//!   inner lines, their median length (in chars) — the *width* — is at
//!   least [`MIN_WIDTH`], at least three in four of them are within an
//!   eighth of the width (at least 2 chars) of it, and at most one in three
//!   ends with sentence punctuation (`。！？；：…` and their ASCII forms,
//!   before any closing quote or bracket);
//! - in a hard-wrapped text, an inner line at least as long as the width
//!   less that tolerance (a *full* line) is joined with the line after it.
//!   A short inner line (a heading above its paragraph) keeps its break,
//!   and lines are never joined across a blank line.
//!
//! Nothing is inserted between the joined lines, except one space between
//! two Latin words (an ASCII letter or digit on each side, not two digits:
//! a number cut in two is one number).
//!
//! A text with one paragraph per line (blank lines between them or not)
//! has no inner lines of one width that run on, so it is never joined; and
//! a canonical text (no blank lines, see [`crate::text::normalize`]) is one
//! group whose lines end in sentence punctuation, so parsing a parsed
//! document's text again joins nothing more.

use crate::text::char_len;
use crate::text::fold::fold_char;

/// Fewer inner lines than this never make a text hard-wrapped.
pub const MIN_INNER_LINES: usize = 3;

/// A narrower width is a list or verse, not a wrapped page.
pub const MIN_WIDTH: usize = 16;

/// Chars that end a sentence (after folding: `。！？；：…` and `.!?;:`).
fn ends_sentence(line: &str) -> bool {
    let last = line
        .chars()
        .rev()
        .map(fold_char)
        .find(|c| !matches!(c, '"' | '\'' | ')' | ']' | '”' | '’' | '」' | '』' | '》' | '】'));
    matches!(last, Some('。' | '!' | '?' | ';' | ':' | '…' | '.'))
}

/// How far from the width a line may be and still count as one of it.
fn tolerance(width: usize) -> usize {
    (width / 8).max(2)
}

/// The wrap width of a hard-wrapped text, or `None` when it is not one.
///
/// `lines`: the trimmed lines of the raw text, blank ones included, in
/// order; `fixed[i]`: line `i` is page furniture, never joined (counted as
/// a blank line).
pub fn wrap_width(lines: &[&str], fixed: &[bool]) -> Option<usize> {
    let inner: Vec<&str> = inner_lines(lines, fixed).map(|i| lines[i]).collect();
    if inner.len() < MIN_INNER_LINES {
        return None;
    }
    let mut lengths: Vec<usize> = inner.iter().map(|l| char_len(l)).collect();
    lengths.sort_unstable();
    let width = lengths[lengths.len() / 2];
    if width < MIN_WIDTH {
        return None;
    }
    let tol = tolerance(width);
    let similar = lengths.iter().filter(|&&n| n.abs_diff(width) <= tol).count();
    let ending = inner.iter().filter(|l| ends_sentence(l)).count();
    (similar * 4 >= inner.len() * 3 && ending * 3 <= inner.len()).then_some(width)
}

/// Indexes of the inner lines: non-blank, not fixed, followed by a line of
/// the same group.
fn inner_lines<'a>(lines: &'a [&str], fixed: &'a [bool]) -> impl Iterator<Item = usize> + 'a {
    let open = |i: usize| !lines[i].is_empty() && !fixed.get(i).copied().unwrap_or(false);
    (0..lines.len().saturating_sub(1)).filter(move |&i| open(i) && open(i + 1))
}

/// The lines with every full inner line joined to the next (see the module
/// rule), blank lines dropped, and the number of line breaks removed.
/// Fixed lines stay lines of their own.
pub fn join(lines: &[&str], fixed: &[bool], width: usize) -> (Vec<String>, usize) {
    let full = width.saturating_sub(tolerance(width));
    let mut joins = vec![false; lines.len()];
    for i in inner_lines(lines, fixed) {
        joins[i] = char_len(lines[i]) >= full;
    }
    let mut out: Vec<String> = Vec::new();
    let mut joined = 0;
    let mut continues = false;
    for (i, line) in lines.iter().enumerate() {
        if line.is_empty() {
            continue;
        }
        match out.last_mut() {
            Some(last) if continues => {
                if needs_space(last, line) {
                    last.push(' ');
                }
                last.push_str(line);
                joined += 1;
            }
            _ => out.push((*line).to_string()),
        }
        continues = joins[i];
    }
    (out, joined)
}

/// Whether two joined lines need a space between them: a Latin word or
/// number on each side, not two digits.
fn needs_space(before: &str, after: &str) -> bool {
    let (Some(a), Some(b)) = (
        before.chars().last().map(fold_char),
        after.chars().next().map(fold_char),
    ) else {
        return false;
    };
    a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric() && !(a.is_ascii_digit() && b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<&str> {
        text.split('\n').map(str::trim).collect()
    }

    #[test]
    fn wrapped_lines_of_one_width_are_joined_and_headings_keep_their_break() {
        let raw = "标题\n\n这是一段被硬换行切开的很长的讲话正文第一行内容\n这是一段被硬换行切开的很长的讲话正文第二行内容\n结尾。\n\n一、短标题\n这是另一段被硬换行切开的讲话正文的第一行的内容\n后半句。";
        let l = lines(raw);
        let fixed = vec![false; l.len()];
        let width = wrap_width(&l, &fixed).expect("hard-wrapped");
        assert_eq!(width, 23);
        let (out, joined) = join(&l, &fixed, width);
        assert_eq!(joined, 3);
        assert_eq!(
            out,
            [
                "标题",
                "这是一段被硬换行切开的很长的讲话正文第一行内容这是一段被硬换行切开的很长的讲话正文第二行内容结尾。",
                "一、短标题",
                "这是另一段被硬换行切开的讲话正文的第一行的内容后半句。",
            ]
        );
    }

    #[test]
    fn one_paragraph_per_line_is_never_wrapped() {
        let raw = "第一段话说的是一件事情。\n第二段话说的是另一件事情，长一些。\n第三段。\n第四段话也是完整的一句话，到此为止。";
        let l = lines(raw);
        assert_eq!(wrap_width(&l, &vec![false; l.len()]), None);
        let blank_separated = raw.replace('\n', "\n\n");
        let l = lines(&blank_separated);
        assert_eq!(wrap_width(&l, &vec![false; l.len()]), None);
    }

    #[test]
    fn lines_that_end_sentences_are_not_wrapped() {
        let raw = "这一行话说完了一个完整的句子。\n这一行话也说完了一个完整句子！\n这一行话同样说完了完整句子；\n这一行话还是说完了完整句子。\n最后一行。";
        let l = lines(raw);
        assert_eq!(wrap_width(&l, &vec![false; l.len()]), None);
    }

    #[test]
    fn latin_words_keep_a_space_and_cjk_and_numbers_none() {
        assert!(needs_space("the", "next"));
        assert!(needs_space("ＧＤＰ", "growth"));
        assert!(!needs_space("20", "24"));
        assert!(!needs_space("增长", "GDP"));
        assert!(!needs_space("inter-", "national"));
        assert!(!needs_space("", "x"));
    }

    #[test]
    fn fixed_lines_are_never_joined() {
        let raw = "一段被切开的很长很长很长很长的讲话正文的第一行\n－ 1 －\n一段被切开的很长很长很长很长的讲话正文的第二行\n一段被切开的很长很长很长很长的讲话正文的第三行\n一段被切开的很长很长很长很长的讲话正文的第四行\n结束。";
        let l = lines(raw);
        let mut fixed = vec![false; l.len()];
        fixed[1] = true;
        let width = wrap_width(&l, &fixed).expect("hard-wrapped");
        let (out, joined) = join(&l, &fixed, width);
        assert_eq!(joined, 3);
        assert_eq!(out.len(), 3);
        assert_eq!(out[1], "－ 1 －");
    }
}
