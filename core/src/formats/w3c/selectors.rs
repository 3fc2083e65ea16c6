//! Text selectors: the quote context the export writes, and placing an
//! imported target's selectors on a paragraph of the document.
//!
//! Offsets are chars (Unicode code points), the unit of the model's
//! `TextPositionSelector` (§4.2.5 of the model) and of [`Block::start`]/[`Block::end`].

use super::model::{SelectorIn, TargetIn};
use super::{CONTEXT_CHARS, MAX_PHRASE_SEARCHES};
use crate::document::{Block, Document};
use crate::formats::locate::locate_block;
use crate::text::char_len;

/// Byte offsets of every char of a text, so that slicing by chars (the
/// offset unit) costs nothing per block.
pub(super) struct CharIndex<'a> {
    text: &'a str,
    bytes: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let bytes = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        CharIndex { text, bytes }
    }

    /// The text between two char offsets, clamped to the text.
    pub(super) fn slice(&self, start: usize, end: usize) -> &'a str {
        let last = self.bytes.len() - 1;
        let (s, e) = (start.min(last), end.min(last));
        if s >= e {
            return "";
        }
        &self.text[self.bytes[s]..self.bytes[e]]
    }
}

/// A target's text selectors: its first `TextQuoteSelector` and first
/// `TextPositionSelector` (char offsets).
#[derive(Debug, Default)]
pub(super) struct Quote<'a> {
    pub exact: Option<&'a str>,
    pub prefix: Option<&'a str>,
    pub suffix: Option<&'a str>,
    pub start: Option<usize>,
    pub end: Option<usize>,
}

impl<'a> Quote<'a> {
    /// Reads the first TextQuoteSelector with an `exact` and the first
    /// TextPositionSelector with a `start` of a target (one selector or an
    /// array); other selectors, and members of the wrong type, are ignored.
    pub(super) fn of(target: &TargetIn<'a>) -> Quote<'a> {
        let mut q = Quote::default();
        let selectors = target.selector.as_slice().iter().filter_map(|s| s.0.as_ref());
        for s in selectors {
            let SelectorIn {
                kind,
                exact,
                prefix,
                suffix,
                start,
                end,
            } = s;
            match kind.0 {
                Some("TextQuoteSelector") if q.exact.is_none() => {
                    q.exact = exact.0;
                    q.prefix = prefix.0;
                    q.suffix = suffix.0;
                }
                Some("TextPositionSelector") if q.start.is_none() => {
                    q.start = start.0;
                    q.end = end.0;
                }
                _ => {}
            }
        }
        q
    }
}

/// Places quotes on the paragraphs of one document.
pub(super) struct Locator<'a> {
    doc: &'a Document,
    text: CharIndex<'a>,
    /// Phrase searches left (see [`Locator::locate`]).
    phrase_searches: usize,
}

impl<'a> Locator<'a> {
    pub(super) fn new(doc: &'a Document) -> Self {
        Locator {
            doc,
            text: CharIndex::new(&doc.text),
            phrase_searches: MAX_PHRASE_SEARCHES,
        }
    }

    /// The block a quote and position point at ([`locate_block`]), with two
    /// additions for files that quote less than a paragraph or a paragraph
    /// the speech repeats: the quote's context picks among equal
    /// paragraphs, and a phrase found in exactly one paragraph (or in one
    /// whose context matches) places the annotation on that paragraph.
    /// `None` when the quote is in no paragraph, or after
    /// [`MAX_PHRASE_SEARCHES`] phrase searches.
    pub(super) fn locate(&mut self, q: &Quote) -> Option<&'a Block> {
        let doc = self.doc;
        let (mut start, mut end) = (q.start, q.end);
        let exact = q.exact.map(str::trim).filter(|x| !x.is_empty());
        if let Some(x) = exact {
            let same: Vec<&Block> = doc.blocks.iter().filter(|b| b.text == x).collect();
            let placed = same.iter().any(|b| Some(b.start) == start && Some(b.end) == end);
            if same.len() > 1 && !placed {
                if let Some(b) = same.iter().find(|b| self.context_matches(b.start, b.end, q)) {
                    (start, end) = (Some(b.start), Some(b.end));
                }
            }
        }
        // A position that another tool counted differently can land on the
        // wrong paragraph: the quote, when there is one, must be in it.
        if let Some(b) = locate_block(doc, exact, start, end) {
            if exact.is_none_or(|x| b.text.contains(x)) {
                return Some(b);
            }
        }
        let x = exact.filter(|x| !x.contains('\n'))?;
        // Searching the whole text for every quote of a hostile file would
        // take minutes; real files quote phrases a few hundred times.
        self.phrase_searches = self.phrase_searches.checked_sub(1)?;
        let holding: Vec<(&Block, usize)> = doc
            .blocks
            .iter()
            .flat_map(|b| {
                b.text
                    .match_indices(x)
                    .map(move |(i, _)| (b, b.start + char_len(&b.text[..i])))
            })
            .collect();
        match holding[..] {
            [(b, _)] => Some(b),
            _ => holding
                .iter()
                .find(|(_, s)| {
                    (q.prefix.is_some() || q.suffix.is_some()) && self.context_matches(*s, s + char_len(x), q)
                })
                .map(|(b, _)| *b),
        }
    }

    /// Whether the text around `start..end` is the quote's prefix and suffix.
    fn context_matches(&self, start: usize, end: usize, q: &Quote) -> bool {
        let before = self.text.slice(start.saturating_sub(CONTEXT_CHARS * 8), start);
        let after = self.text.slice(end, end + CONTEXT_CHARS * 8);
        q.prefix.is_none_or(|p| before.ends_with(p)) && q.suffix.is_none_or(|s| after.starts_with(s))
    }
}
