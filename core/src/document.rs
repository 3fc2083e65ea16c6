//! A speech parsed into blocks.
//!
//! Parsing needs no dictionary, so the text can be shown before the
//! segmenter is ready. Each line of the canonical text is one block; a block
//! keeps its char range in that text and an id derived from its own text
//! (plus its occurrence index among equal texts), never from its position, so
//! annotations survive edits elsewhere in the document.
//!
//! Structure is read from each line folded ([`crate::text::fold`]: `２０２４`
//! as `2024`), while blocks keep the text as written. A hard-wrapped text
//! (a PDF copy) is first joined back into paragraphs ([`wrap`]), and page
//! numbers and running headers are residue ([`residue`]).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::text::fold::fold_width;
use crate::text::{char_len, short_hash};

pub mod residue;
pub mod wrap;

/// What a block is, as the `data-kind` attribute spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Title,
    Meta,
    Heading,
    Paragraph,
    /// Not part of the speech: navigation left over from the source site, a
    /// repeat of the title, a page number or a running header. Kept in the
    /// text, left out of the analysis; [`Block::note`] says which.
    Residue,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Title => "title",
            BlockKind::Meta => "meta",
            BlockKind::Heading => "heading",
            BlockKind::Paragraph => "paragraph",
            BlockKind::Residue => "residue",
        }
    }

    /// Whether key terms are drawn from blocks of this kind.
    pub fn is_analysed(self) -> bool {
        matches!(self, BlockKind::Title | BlockKind::Heading | BlockKind::Paragraph)
    }

    /// Whether a coder can tag blocks of this kind with themes.
    pub fn is_taggable(self) -> bool {
        matches!(self, BlockKind::Heading | BlockKind::Paragraph)
    }
}

/// One block of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Stable id: hash of the block's text, `-` and its occurrence index
    /// among blocks with the same text.
    pub id: String,
    /// Position in the document (0-based), for display and `data-block`.
    pub index: usize,
    pub kind: BlockKind,
    pub text: String,
    /// Char offsets of the block in the document's canonical text.
    pub start: usize,
    pub end: usize,
    /// Why a residue block was set aside (shown to the user).
    pub note: Option<&'static str>,
}

/// A parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Canonical text: trimmed non-empty lines joined by `\n`.
    pub text: String,
    pub fingerprint: String,
    pub title: Option<String>,
    /// The date found in the meta line, as `YYYY-MM-DD` whatever its form
    /// there (`2022-07-14 02:22:41`, `２０２４年３月５日`, `2020/1/2`).
    pub date: Option<String>,
    pub blocks: Vec<Block>,
}

/// How [`Document::parse_with`] reads a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseOptions {
    /// Join the lines of a hard-wrapped text into paragraphs (the rule is
    /// in [`wrap`]). On by default; off keeps every line a block, for a
    /// user who undoes the joining.
    pub join_wrapped: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { join_wrapped: true }
    }
}

/// A parsed document and what parsing did to its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub document: Document,
    /// Line breaks removed by joining a hard-wrapped text (0: the text is
    /// not hard-wrapped, or joining was off).
    pub joined_lines: usize,
    /// The wrap width in chars when the text is hard-wrapped (whether or
    /// not its lines were joined), so the shell can offer the choice.
    pub wrap_width: Option<usize>,
}

impl Parsed {
    /// Whether lines were joined into paragraphs (the shell says so and
    /// offers to parse again with [`ParseOptions::join_wrapped`] off).
    pub fn joined(&self) -> bool {
        self.joined_lines > 0
    }
}

const CN_NUMERALS: &str = "一二三四五六七八九十百零〇两";

/// Markers of navigation and page chrome copied along with a speech.
const RESIDUE_MARKERS: &[&str] = &[
    "上一篇",
    "下一篇",
    "返回顶部",
    "打印本页",
    "关闭窗口",
    "【打印】",
    "【关闭】",
    "分享到",
];

/// `一、…` to `十九、…`: a top-level section heading.
fn is_section_heading(line: &str) -> bool {
    let numeral_len = line.chars().take_while(|c| CN_NUMERALS.contains(*c)).count();
    if numeral_len == 0 || numeral_len > 3 {
        return false;
    }
    let rest: String = line.chars().skip(numeral_len).collect();
    let Some(body) = rest.strip_prefix('、') else {
        return false;
    };
    // A heading is one short line; a paragraph that begins with a numeral
    // runs on over several sentences.
    let len = char_len(body);
    len > 0 && len <= 60 && body.matches('。').count() <= 1
}

/// `第一部分 …`, `第二章 …`: another common way of titling a section.
fn is_part_heading(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('第') else {
        return false;
    };
    let numeral_len = rest
        .chars()
        .take_while(|c| CN_NUMERALS.contains(*c) || c.is_ascii_digit())
        .count();
    if numeral_len == 0 {
        return false;
    }
    let after: String = rest.chars().skip(numeral_len).collect();
    ["部分", "章", "节"].iter().any(|p| after.starts_with(p)) && char_len(line) <= 40 && !line.ends_with('。')
}

/// A line that says when the speech was given or published.
fn meta_date(line: &str) -> Option<Option<String>> {
    const LABELS: &[&str] = &["时间", "日期", "发布时间", "发布日期", "来源", "作者", "Date", "Time"];
    let labelled = LABELS.iter().any(|l| {
        line.strip_prefix(l)
            .is_some_and(|r| r.starts_with(':') || r.starts_with('：'))
    });
    let date = find_date(line);
    let short_date_line = date.is_some() && char_len(line) <= 30 && !line.ends_with('。');
    (labelled || short_date_line).then_some(date)
}

/// The first date in a (folded) line: `2022-07-14`, `2022/7/14`,
/// `2022.7.14` or `2022年7月14日`, as `YYYY-MM-DD`. A month over 12 or a
/// day over 31 is no date.
fn find_date(line: &str) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    for i in 0..chars.len() {
        let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits != 4 || (i > 0 && chars[i - 1].is_ascii_digit()) {
            continue;
        }
        let number = |from: usize, n: usize| chars[from..from + n].iter().collect::<String>().parse::<u32>().ok();
        let mut j = i + 4;
        let mut parts = vec![number(i, 4)];
        while parts.len() < 3 && j < chars.len() && matches!(chars[j], '-' | '/' | '.' | '年' | '月') {
            let d = chars[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if d == 0 || d > 2 {
                break;
            }
            parts.push(number(j + 1, d));
            j += 1 + d;
        }
        if let [Some(y), Some(m), Some(d)] = parts[..] {
            if (1..=12).contains(&m) && (1..=31).contains(&d) {
                return Some(format!("{y:04}-{m:02}-{d:02}"));
            }
        }
    }
    None
}

fn looks_like_title(line: &str) -> bool {
    let len = char_len(line);
    len <= 60 && !line.ends_with('。') && !is_section_heading(line)
}

impl Document {
    /// Parses a raw text (any line ends, any indentation) into blocks,
    /// joining a hard-wrapped text's lines ([`ParseOptions::default`]).
    ///
    /// ```
    /// use annotator_core::document::{Document, BlockKind};
    /// let doc = Document::parse("讲话标题\n时间:2022-07-14\n一、第一部分\n正文。");
    /// let kinds: Vec<_> = doc.blocks.iter().map(|b| b.kind).collect();
    /// assert_eq!(kinds, [BlockKind::Title, BlockKind::Meta, BlockKind::Heading, BlockKind::Paragraph]);
    /// assert_eq!(doc.date.as_deref(), Some("2022-07-14"));
    /// ```
    pub fn parse(raw: &str) -> Document {
        Document::parse_with(raw, ParseOptions::default()).document
    }

    /// Parses a raw text into blocks as `options` say, and reports whether
    /// a hard-wrapped text's lines were joined.
    ///
    /// Lines are trimmed (white space, U+3000, BOM) and blank lines
    /// dropped; the canonical text is the blocks' texts joined by `\n`, so
    /// parsing `document.text` again gives the same blocks. Never fails:
    /// an empty text has no blocks.
    ///
    /// ```
    /// use annotator_core::document::{Document, ParseOptions};
    /// let raw = "标题\n\n一段从PDF复制出来的讲话正文被切成了同样长的几\n行文字而每一行都没有在句子的结尾处结束所以应\n该连成一段不然每一行都会成为一个单独的段落\n。";
    /// let parsed = Document::parse_with(raw, ParseOptions::default());
    /// assert_eq!(parsed.joined_lines, 3);
    /// assert_eq!(parsed.document.blocks.len(), 2);
    /// let kept = Document::parse_with(raw, ParseOptions { join_wrapped: false });
    /// assert_eq!((kept.joined_lines, kept.document.blocks.len()), (0, 5));
    /// assert!(kept.wrap_width.is_some());
    /// ```
    pub fn parse_with(raw: &str, options: ParseOptions) -> Parsed {
        let raw_lines = trimmed_lines(raw);
        let folded: Vec<std::borrow::Cow<str>> = raw_lines.iter().map(|l| fold_width(l)).collect();
        let folded_refs: Vec<&str> = folded.iter().map(|l| l.as_ref()).collect();
        let headers = residue::running_headers(&folded_refs);
        let furniture: Vec<bool> = folded_refs
            .iter()
            .map(|l| !l.is_empty() && (residue::is_page_number(l) || headers.contains(l)))
            .collect();
        let wrap_width = wrap::wrap_width(&raw_lines, &furniture);
        let (lines, joined_lines) = match wrap_width {
            Some(width) if options.join_wrapped => wrap::join(&raw_lines, &furniture, width),
            _ => (
                raw_lines
                    .iter()
                    .filter(|l| !l.is_empty())
                    .map(|l| l.to_string())
                    .collect(),
                0,
            ),
        };
        Parsed {
            document: Document::from_lines(lines, &headers),
            joined_lines,
            wrap_width,
        }
    }

    /// Blocks from the final lines (trimmed, non-empty); `headers` are the
    /// running headers (folded).
    fn from_lines(lines: Vec<String>, headers: &HashSet<&str>) -> Document {
        let text = lines.join("\n");
        let mut blocks = Vec::with_capacity(lines.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut title: Option<String> = None;
        let mut folded_title: Option<String> = None;
        let mut date = None;
        let mut offset = 0;
        let mut content = 0;
        for (index, line) in lines.into_iter().enumerate() {
            let folded = fold_width(&line);
            let (kind, note) = classify(content, &folded, folded_title.as_deref(), &date, headers);
            match kind {
                BlockKind::Title => {
                    title = Some(line.clone());
                    folded_title = Some(folded.to_string());
                }
                BlockKind::Meta if date.is_none() => date = find_date(&folded),
                _ => {}
            }
            if kind != BlockKind::Residue {
                content += 1;
            }
            let hash = short_hash(&line);
            let occurrence = seen.entry(hash.clone()).or_insert(0);
            let id = format!("{hash}-{occurrence}");
            *occurrence += 1;
            let len = char_len(&line);
            blocks.push(Block {
                id,
                index,
                kind,
                text: line,
                start: offset,
                end: offset + len,
                note,
            });
            offset += len + 1;
        }
        let fingerprint = short_hash(&text);
        Document {
            text,
            fingerprint,
            title,
            date,
            blocks,
        }
    }

    pub fn block(&self, id: &str) -> Option<&Block> {
        self.blocks.iter().find(|b| b.id == id)
    }

    /// Blocks a coder can tag, in document order.
    pub fn taggable(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.kind.is_taggable())
    }

    /// Section headings, for the table of contents.
    pub fn headings(&self) -> impl Iterator<Item = &Block> {
        self.blocks.iter().filter(|b| b.kind == BlockKind::Heading)
    }
}

/// The trimmed lines of a raw text, blank ones kept (they separate the
/// paragraphs of a hard-wrapped text): CRLF, CR and LF each end a line.
fn trimmed_lines(raw: &str) -> Vec<&str> {
    raw.split('\n')
        .flat_map(|l| l.strip_suffix('\r').unwrap_or(l).split('\r'))
        .map(crate::text::trim_line)
        .collect()
}

/// A block's kind from its folded line. `content` counts the blocks before
/// it that are not residue (the title is the first of them, a date line
/// one of the first four); `title` is the folded title once found.
fn classify(
    content: usize,
    line: &str,
    title: Option<&str>,
    date: &Option<String>,
    headers: &HashSet<&str>,
) -> (BlockKind, Option<&'static str>) {
    if RESIDUE_MARKERS.iter().any(|m| line.contains(m)) && char_len(line) <= 200 {
        return (BlockKind::Residue, Some("navigation residue · 网页导航残留"));
    }
    if title == Some(line) {
        return (BlockKind::Residue, Some("repeated title · 重复的标题"));
    }
    if residue::is_page_number(line) {
        return (BlockKind::Residue, Some(residue::PAGE_NUMBER_NOTE));
    }
    if headers.contains(line) {
        return (BlockKind::Residue, Some(residue::RUNNING_HEADER_NOTE));
    }
    if content == 0 && looks_like_title(line) {
        return (BlockKind::Title, None);
    }
    if content <= 3 && date.is_none() && meta_date(line).is_some() {
        return (BlockKind::Meta, None);
    }
    if is_section_heading(line) || is_part_heading(line) {
        return (BlockKind::Heading, None);
    }
    (BlockKind::Paragraph, None)
}

#[cfg(test)]
mod tests;
