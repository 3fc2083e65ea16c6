//! A speech parsed into blocks.
//!
//! Parsing needs no dictionary, so the text can be shown before the
//! segmenter is ready. Each line of the canonical text is one block; a block
//! keeps its char range in that text and an id derived from its own text
//! (plus its occurrence index among equal texts), never from its position, so
//! annotations survive edits elsewhere in the document.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::text::{char_len, normalized_lines, short_hash};

/// What a block is, as the `data-kind` attribute spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Title,
    Meta,
    Heading,
    Paragraph,
    /// Not part of the speech: navigation left over from the source site, or
    /// a repeat of the title. Kept in the text, left out of the analysis.
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
    /// The date found in the meta line, as written there (e.g. `2022-07-14`).
    pub date: Option<String>,
    pub blocks: Vec<Block>,
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

/// The first date in a line: `2022-07-14`, `2022/7/14` or `2022年7月14日`.
fn find_date(line: &str) -> Option<String> {
    let chars: Vec<char> = line.chars().collect();
    for i in 0..chars.len() {
        let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits != 4 || (i > 0 && chars[i - 1].is_ascii_digit()) {
            continue;
        }
        let mut j = i + 4;
        let mut parts = 1;
        while parts < 3 && j < chars.len() && matches!(chars[j], '-' | '/' | '.' | '年' | '月') {
            let d = chars[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if d == 0 || d > 2 {
                break;
            }
            j += 1 + d;
            parts += 1;
        }
        if parts == 3 {
            if chars.get(j) == Some(&'日') {
                j += 1;
            }
            return Some(chars[i..j].iter().collect());
        }
    }
    None
}

fn looks_like_title(line: &str) -> bool {
    let len = char_len(line);
    len <= 60 && !line.ends_with('。') && !is_section_heading(line)
}

impl Document {
    /// Parses a raw text (any line ends, any indentation) into blocks.
    ///
    /// ```
    /// use annotator_core::document::{Document, BlockKind};
    /// let doc = Document::parse("讲话标题\n时间:2022-07-14\n一、第一部分\n正文。");
    /// let kinds: Vec<_> = doc.blocks.iter().map(|b| b.kind).collect();
    /// assert_eq!(kinds, [BlockKind::Title, BlockKind::Meta, BlockKind::Heading, BlockKind::Paragraph]);
    /// assert_eq!(doc.date.as_deref(), Some("2022-07-14"));
    /// ```
    pub fn parse(raw: &str) -> Document {
        let lines = normalized_lines(raw);
        let text = lines.join("\n");
        let mut blocks = Vec::with_capacity(lines.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut title: Option<String> = None;
        let mut date = None;
        let mut offset = 0;
        for (index, line) in lines.iter().enumerate() {
            let (kind, note) = classify(index, line, &title, &date);
            match kind {
                BlockKind::Title => title = Some(line.to_string()),
                BlockKind::Meta if date.is_none() => date = find_date(line),
                _ => {}
            }
            let hash = short_hash(line);
            let occurrence = seen.entry(hash.clone()).or_insert(0);
            let id = format!("{hash}-{occurrence}");
            *occurrence += 1;
            let len = char_len(line);
            blocks.push(Block {
                id,
                index,
                kind,
                text: line.to_string(),
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

fn classify(
    index: usize,
    line: &str,
    title: &Option<String>,
    date: &Option<String>,
) -> (BlockKind, Option<&'static str>) {
    if RESIDUE_MARKERS.iter().any(|m| line.contains(m)) && char_len(line) <= 200 {
        return (BlockKind::Residue, Some("navigation residue · 网页导航残留"));
    }
    if title.as_deref() == Some(line) {
        return (BlockKind::Residue, Some("repeated title · 重复的标题"));
    }
    if index == 0 && looks_like_title(line) {
        return (BlockKind::Title, None);
    }
    if index <= 3 && date.is_none() {
        if let Some(_d) = meta_date(line) {
            return (BlockKind::Meta, None);
        }
    }
    if is_section_heading(line) || is_part_heading(line) {
        return (BlockKind::Heading, None);
    }
    (BlockKind::Paragraph, None)
}

#[cfg(test)]
mod tests;
