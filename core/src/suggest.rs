//! Theme suggestions (pre-annotation): blocks whose text holds a theme's
//! words are offered that theme, for the coder to accept or reject.
//!
//! A suggestion is never a tag until the coder accepts it; accepting goes
//! through the store's ordinary [`Command`] path with
//! [`TagOrigin::Suggestion`], so undo works and the export can say which
//! tags a machine proposed. Rejections are kept by the caller, so a
//! rejected (block, theme) pair is not offered again.
//!
//! Texts and words are compared folded ([`crate::text::fold`]): a word
//! written `GDP` matches `ＧＤＰ` in the text, and the other way round.

use std::collections::{BTreeMap, BTreeSet};

use crate::document::Document;
use crate::store::{Command, Store, TagKey, TagOrigin};
use crate::text::fold::fold_char;

/// The words that suggest each built-in theme, keyed by theme id. Users'
/// themes start with none, so they are never suggested until given words.
pub fn builtin_lexicons() -> BTreeMap<String, Vec<String>> {
    let lexicon = |id: &str, words: &[&str]| (id.to_string(), words.iter().map(|w| w.to_string()).collect());
    BTreeMap::from([
        lexicon(
            "investment",
            &[
                "投资",
                "外资",
                "利用外资",
                "引进外资",
                "招商引资",
                "招商",
                "增资",
                "增资扩股",
                "项目",
                "资金",
                "引资",
                "外商",
                "合资",
                "融资",
                "大项目",
                "落户",
            ],
        ),
        lexicon(
            "trade",
            &[
                "贸易",
                "外贸",
                "出口",
                "进口",
                "进出口",
                "加工贸易",
                "一般贸易",
                "市场",
                "展会",
                "营销",
                "品牌",
                "通关",
                "结汇",
                "科技兴贸",
                "出口信用保险",
            ],
        ),
        lexicon(
            "environment",
            &[
                "环境",
                "发展环境",
                "营商环境",
                "政务服务",
                "服务",
                "审批",
                "效率",
                "绿灯",
                "便捷",
                "高效",
                "政策",
                "要素保障",
                "用地",
                "用工",
            ],
        ),
        lexicon(
            "accountability",
            &[
                "问责",
                "责任",
                "考核",
                "奖惩",
                "监察",
                "督查",
                "落实",
                "不作为",
                "乱作为",
                "滥作为",
                "一查到底",
                "责任落实",
                "检验",
            ],
        ),
    ])
}

/// One theme offered for one block, with the evidence shown to the coder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    /// Block id.
    pub block: String,
    /// Theme id.
    pub theme: String,
    /// Char ranges `(start, end)` of the matched words in the block text,
    /// in text order and never overlapping, for highlighting.
    pub matches: Vec<(usize, usize)>,
    /// The distinct lexicon words found, in order of first occurrence.
    pub words: Vec<String>,
}

/// A lexicon prepared once for many texts: its distinct words, longest
/// first (equal lengths in word order, so the result never depends on how
/// the lexicon was listed), each with its chars.
struct Lexicon<'a> {
    words: Vec<(Vec<char>, &'a str)>,
}

impl<'a> Lexicon<'a> {
    fn new(lexicon: &'a [String]) -> Self {
        let mut words: Vec<(Vec<char>, &str)> = lexicon
            .iter()
            .map(|w| w.trim())
            .filter(|w| !w.is_empty())
            .map(|w| (w.chars().map(fold_char).collect(), w))
            .collect();
        words.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.1.cmp(b.1)));
        words.dedup_by(|a, b| a.1 == b.1);
        Lexicon { words }
    }

    /// The first chars of the words: a text holding none of them holds no word.
    fn first_chars(&self) -> impl Iterator<Item = char> + '_ {
        self.words.iter().filter_map(|(c, _)| c.first().copied())
    }

    /// [`Lexicon::find_in`], working out the text's distinct chars itself.
    #[cfg(test)]
    fn find(&self, text: &[char]) -> Vec<(usize, usize, &'a str)> {
        let mut present = text.to_vec();
        present.sort_unstable();
        present.dedup();
        self.find_in(text, &present)
    }

    /// Finds the words in a text: longest words first, each occurrence
    /// taken only where it overlaps nothing taken before, so 招商引资 is one
    /// match and not 招商 plus 引资. Returns char ranges in text order,
    /// each with its word. `present` is the text's distinct chars, sorted:
    /// a word whose first char the text lacks is not searched for (on a
    /// long document most words of most lexicons are skipped so).
    fn find_in(&self, text: &[char], present: &[char]) -> Vec<(usize, usize, &'a str)> {
        let mut taken = vec![false; text.len()];
        let mut found = Vec::new();
        for (chars, word) in &self.words {
            if chars.first().is_none_or(|c| present.binary_search(c).is_err()) {
                continue;
            }
            let n = chars.len();
            let mut i = 0;
            while i + n <= text.len() {
                if text[i..i + n] == chars[..] && !taken[i..i + n].iter().any(|t| *t) {
                    taken[i..i + n].iter_mut().for_each(|t| *t = true);
                    found.push((i, i + n, *word));
                    i += n;
                } else {
                    i += 1;
                }
            }
        }
        found.sort();
        found
    }
}

#[cfg(test)]
fn find_words<'a>(text: &[char], lexicon: &'a [String]) -> Vec<(usize, usize, &'a str)> {
    Lexicon::new(lexicon).find(text)
}

/// Theme suggestions for a coder's set: for each taggable block (document
/// order) and each live theme with words (display order), a suggestion when
/// the block holds at least one of the words, does not carry the theme in
/// `set` already and the pair has not been rejected.
///
/// An unknown or read-only set gets none: nothing could be accepted into it.
pub fn suggest(
    doc: &Document,
    store: &Store,
    set: &str,
    lexicons: &BTreeMap<String, Vec<String>>,
    rejected: &BTreeSet<(String, String)>,
) -> Vec<Suggestion> {
    let themes: Vec<String> = store.themes().iter().map(|t| t.id.clone()).collect();
    pending(&candidates(doc, &themes, lexicons), store, set, rejected)
}

/// Every lexicon match in the document, for the given theme ids (display
/// order), whatever is tagged: the expensive part, which depends only on the
/// text and the lexicons, so the UI computes it once, not on every tag.
pub fn candidates(doc: &Document, themes: &[String], lexicons: &BTreeMap<String, Vec<String>>) -> Vec<Suggestion> {
    // Each lexicon prepared once, not once per paragraph.
    let themes: Vec<(&str, Lexicon)> = themes
        .iter()
        .filter_map(|t| lexicons.get(t).map(|l| (t.as_str(), Lexicon::new(l))))
        .filter(|(_, l)| !l.words.is_empty())
        .collect();
    let mut starts: Vec<char> = themes.iter().flat_map(|(_, l)| l.first_chars()).collect();
    starts.sort_unstable();
    starts.dedup();
    let mut out = Vec::new();
    let mut present: Vec<char> = Vec::new();
    for block in doc.taggable() {
        // The block's distinct chars, once: a block holding no word's first
        // char is skipped, and each lexicon searches only the words that
        // could occur (a 15,000-paragraph text is searched in tens of
        // milliseconds, not hundreds).
        // Read folded (ＧＤＰ as GDP), one char for one: the matches'
        // ranges hold in the text as written.
        let text: Vec<char> = block.text.chars().map(fold_char).collect();
        present.clear();
        present.extend_from_slice(&text);
        present.sort_unstable();
        present.dedup();
        if !starts.iter().any(|c| present.binary_search(c).is_ok()) {
            continue;
        }
        for (theme, lexicon) in &themes {
            let found = lexicon.find_in(&text, &present);
            if found.is_empty() {
                continue;
            }
            let mut words: Vec<String> = Vec::new();
            for (_, _, w) in &found {
                if !words.iter().any(|x| x == w) {
                    words.push(w.to_string());
                }
            }
            out.push(Suggestion {
                block: block.id.clone(),
                theme: theme.to_string(),
                matches: found.iter().map(|(s, e, _)| (*s, *e)).collect(),
                words,
            });
        }
    }
    out
}

/// The candidates still to decide: not tagged in `set`, not rejected. An
/// unknown or read-only set gets none: nothing could be accepted into it.
pub fn pending<'a>(
    candidates: impl IntoIterator<Item = &'a Suggestion>,
    store: &Store,
    set: &str,
    rejected: &BTreeSet<(String, String)>,
) -> Vec<Suggestion> {
    pending_refs(candidates, store, set, rejected)
        .into_iter()
        .cloned()
        .collect()
}

/// [`pending`] without cloning: it runs over the whole document on every
/// keypress (the panel's counts), so a long list is checked against sets of
/// borrowed keys instead of a lookup that allocates per candidate.
pub fn pending_refs<'a>(
    candidates: impl IntoIterator<Item = &'a Suggestion>,
    store: &Store,
    set: &str,
    rejected: &BTreeSet<(String, String)>,
) -> Vec<&'a Suggestion> {
    let Some(tags) = store.sets.get(set).filter(|s| !s.readonly) else {
        return Vec::new();
    };
    let candidates: Vec<&Suggestion> = candidates
        .into_iter()
        .filter(|s| store.theme(&s.theme).is_some())
        .collect();
    if candidates.len() <= 16 {
        return candidates
            .into_iter()
            .filter(|s| !tags.has_tag(&s.block, &s.theme) && !rejected.contains(&(s.block.clone(), s.theme.clone())))
            .collect();
    }
    let decided: std::collections::HashSet<(&str, &str)> = tags
        .tags
        .iter()
        .filter(|(_, e)| e.present)
        .map(|(k, _)| (k.block.as_str(), k.theme.as_str()))
        .chain(rejected.iter().map(|(b, t)| (b.as_str(), t.as_str())))
        .collect();
    candidates
        .into_iter()
        .filter(|s| !decided.contains(&(s.block.as_str(), s.theme.as_str())))
        .collect()
}

/// Candidates grouped by block id, so a paragraph's view looks up only its
/// own (and a tag re-filters one paragraph, not the document).
pub fn by_block(candidates: Vec<Suggestion>) -> BTreeMap<String, Vec<Suggestion>> {
    let mut out: BTreeMap<String, Vec<Suggestion>> = BTreeMap::new();
    for s in candidates {
        out.entry(s.block.clone()).or_default().push(s);
    }
    out
}

/// Candidates per theme id that are not rejected, whatever is tagged: the
/// part of [`pending_counts`] that changes only with the candidates or the
/// rejections, computed once over the document. Themes without one are
/// left out.
pub fn open_counts(
    by_block: &BTreeMap<String, Vec<Suggestion>>,
    rejected: &BTreeSet<(String, String)>,
) -> BTreeMap<String, usize> {
    let mut out: BTreeMap<String, usize> = BTreeMap::new();
    for (block, list) in by_block {
        for s in list {
            if !rejected.contains(&(block.clone(), s.theme.clone())) {
                *out.entry(s.theme.clone()).or_insert(0) += 1;
            }
        }
    }
    out
}

/// The number of pending suggestions per theme id: what counting
/// [`pending_refs`] over every candidate by theme gives (live themes only,
/// none for an unknown or read-only set, themes without one left out),
/// but from `open` ([`open_counts`] of the same candidates and rejections)
/// less the candidates the set's present tags decide. It walks the set's
/// tags, not the document, so a keypress on a long document costs a
/// lookup per tag.
pub fn pending_counts(
    open: &BTreeMap<String, usize>,
    by_block: &BTreeMap<String, Vec<Suggestion>>,
    store: &Store,
    set: &str,
    rejected: &BTreeSet<(String, String)>,
) -> BTreeMap<String, usize> {
    let Some(tags) = store.sets.get(set).filter(|s| !s.readonly) else {
        return BTreeMap::new();
    };
    let mut out: BTreeMap<String, usize> = open
        .iter()
        .filter(|(theme, _)| store.theme(theme).is_some())
        .map(|(theme, n)| (theme.clone(), *n))
        .collect();
    for (key, _) in tags.tags.iter().filter(|(_, e)| e.present) {
        let Some(list) = by_block.get(&key.block) else {
            continue;
        };
        let decided = list.iter().filter(|s| s.theme == key.theme).count();
        if decided == 0 || rejected.contains(&(key.block.clone(), key.theme.clone())) {
            continue;
        }
        if let Some(n) = out.get_mut(&key.theme) {
            *n = n.saturating_sub(decided);
        }
    }
    out.retain(|_, n| *n > 0);
    out
}

/// The tag that accepts a suggestion, marked as machine-proposed.
pub fn accept(s: &Suggestion, set: &str, at: u64) -> Command {
    Command::Tag {
        set: set.to_string(),
        block: s.block.clone(),
        theme: s.theme.clone(),
        present: true,
        how: TagOrigin::Suggestion,
        at,
    }
}

/// Accepts suggestions (one paragraph's, or one theme's across the text) as
/// a single step, so one undo takes them all back. An accepted suggestion
/// codes its paragraph, so a not-coded mark there goes in the same step.
pub fn accept_all(store: &Store, suggestions: &[Suggestion], set: &str, at: u64) -> Command {
    let mut cmds = store.unmark(set, suggestions.iter().map(|s| s.block.as_str()));
    cmds.extend(suggestions.iter().map(|s| accept(s, set, at)));
    Command::Batch(cmds)
}

/// How the coder answered the suggestions of one theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Live tags that came from an accepted suggestion.
    pub accepted: usize,
    /// Rejected (block, theme) pairs.
    pub rejected: usize,
}

/// Accepted and rejected suggestions per live theme in a set (every live
/// theme is present, with zeros if never suggested), so the coder can judge
/// how far to trust a theme's words.
pub fn tally(store: &Store, set: &str, rejected: &BTreeSet<(String, String)>) -> BTreeMap<String, Tally> {
    let mut out: BTreeMap<String, Tally> = store
        .themes()
        .into_iter()
        .map(|t| (t.id.clone(), Tally::default()))
        .collect();
    if let Some(s) = store.sets.get(set) {
        // Only accepted suggestions are looked up, not every tag of the set.
        for (TagKey { theme, .. }, entry) in &s.tags {
            if !entry.present || entry.how != TagOrigin::Suggestion {
                continue;
            }
            if let Some(t) = out.get_mut(theme) {
                t.accepted += 1;
            }
        }
    }
    for (_, theme) in rejected {
        if let Some(t) = out.get_mut(theme) {
            t.rejected += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AnnotationSet, SetKind};
    use crate::text::char_slice;
    use crate::themes::Theme;

    const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");

    fn store() -> Store {
        Store::new("tab", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder))
    }

    fn no_rejections() -> BTreeSet<(String, String)> {
        BTreeSet::new()
    }

    #[test]
    fn longest_words_win_and_matches_never_overlap() {
        let text: Vec<char> = "招商引资和引资，利用外资".chars().collect();
        let lexicon: Vec<String> = ["引资", "招商", "招商引资", "外资", "利用外资", "", " "]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let found = find_words(&text, &lexicon);
        assert_eq!(found, [(0, 4, "招商引资"), (5, 7, "引资"), (8, 12, "利用外资")]);
        assert!(find_words(&[], &lexicon).is_empty());
    }

    #[test]
    fn speech_paragraph_with_zhaoshang_yinzi_gets_investment() {
        let doc = Document::parse(SPEECH);
        let out = suggest(&doc, &store(), "me", &builtin_lexicons(), &no_rejections());
        let block = doc
            .taggable()
            .find(|b| b.text.contains("招商引资"))
            .expect("speech mentions 招商引资");
        let s = out
            .iter()
            .find(|s| s.block == block.id && s.theme == "investment")
            .expect("investment suggested");
        assert!(s.words.iter().any(|w| w == "招商引资"));
        assert!(s
            .matches
            .iter()
            .any(|(a, b)| char_slice(&block.text, *a, *b) == "招商引资"));
        assert!(s.matches.windows(2).all(|w| w[0].1 <= w[1].0));
        // Deterministic, in document order then theme display order.
        assert_eq!(
            out,
            suggest(&doc, &store(), "me", &builtin_lexicons(), &no_rejections())
        );
        let order = |s: &Suggestion| {
            let b = doc.block(&s.block).map_or(usize::MAX, |b| b.index);
            let t = store().themes().iter().position(|t| t.id == s.theme);
            (b, t)
        };
        assert!(out.windows(2).all(|w| order(&w[0]) < order(&w[1])));
        assert!(out
            .iter()
            .all(|s| doc.block(&s.block).is_some_and(|b| b.kind.is_taggable())));
    }

    #[test]
    fn tagged_and_rejected_pairs_are_not_suggested() {
        let doc = Document::parse(SPEECH);
        let lex = builtin_lexicons();
        let first = suggest(&doc, &store(), "me", &lex, &no_rejections());
        let (a, b) = (&first[0], &first[1]);
        let mut st = store();
        st.apply(Command::Tag {
            set: "me".into(),
            block: a.block.clone(),
            theme: a.theme.clone(),
            present: true,
            how: TagOrigin::Hand,
            at: 7,
        })
        .unwrap();
        let rejected = BTreeSet::from([(b.block.clone(), b.theme.clone())]);
        let again = suggest(&doc, &st, "me", &lex, &rejected);
        assert!(!again.iter().any(|s| s.block == a.block && s.theme == a.theme));
        assert!(!again.iter().any(|s| s.block == b.block && s.theme == b.theme));
        assert_eq!(again.len(), first.len() - 2);
        assert!(suggest(&doc, &st, "nobody", &lex, &rejected).is_empty());
        // the long-list path and the per-paragraph path agree
        assert!(first.len() > 16);
        let whole = pending(&first, &st, "me", &rejected);
        let piecewise: Vec<Suggestion> = first.chunks(3).flat_map(|c| pending(c, &st, "me", &rejected)).collect();
        assert_eq!(whole, piecewise);
        assert_eq!(whole, again);
    }

    #[test]
    fn pending_counts_equal_counting_the_pending_list() {
        let doc = Document::parse(SPEECH);
        let lex = builtin_lexicons();
        let themes: Vec<String> = store().themes().iter().map(|t| t.id.clone()).collect();
        let by = by_block(candidates(&doc, &themes, &lex));
        let all: Vec<&Suggestion> = by.values().flatten().collect();
        let count = |st: &Store, rejected: &BTreeSet<(String, String)>| {
            let mut c: BTreeMap<String, usize> = BTreeMap::new();
            for s in pending_refs(all.iter().copied(), st, "me", rejected) {
                *c.entry(s.theme.clone()).or_insert(0) += 1;
            }
            c
        };
        let mut st = store();
        let mut rejected = no_rejections();
        // Tagged, rejected, both, a tag taken back, a theme deleted.
        for (i, s) in all.iter().enumerate().take(12) {
            if i % 3 != 1 {
                st.apply(Command::Tag {
                    set: "me".into(),
                    block: s.block.clone(),
                    theme: s.theme.clone(),
                    present: true,
                    at: 1,
                    how: TagOrigin::Hand,
                })
                .unwrap();
            }
            if i == 6 {
                st.apply(Command::Tag {
                    set: "me".into(),
                    block: s.block.clone(),
                    theme: s.theme.clone(),
                    present: false,
                    at: 2,
                    how: TagOrigin::Hand,
                })
                .unwrap();
            }
            if i % 2 == 1 {
                rejected.insert((s.block.clone(), s.theme.clone()));
            }
            let open = open_counts(&by, &rejected);
            assert_eq!(
                pending_counts(&open, &by, &st, "me", &rejected),
                count(&st, &rejected),
                "step {i}"
            );
        }
        st.apply(Command::DeleteTheme {
            id: all[0].theme.clone(),
        })
        .unwrap();
        let open = open_counts(&by, &rejected);
        assert_eq!(pending_counts(&open, &by, &st, "me", &rejected), count(&st, &rejected));
        assert!(pending_counts(&open, &by, &st, "nobody", &rejected).is_empty());
    }

    #[test]
    fn accepting_tags_as_suggestion_and_is_tallied() {
        let doc = Document::parse(SPEECH);
        let out = suggest(&doc, &store(), "me", &builtin_lexicons(), &no_rejections());
        let mut st = store();
        st.apply(accept(&out[0], "me", 42)).unwrap();
        let tag = &st.sets["me"].tags[&TagKey::new(&out[0].block, &out[0].theme)];
        assert!(tag.present);
        assert_eq!((tag.how, tag.at), (TagOrigin::Suggestion, 42));
        let rejected = BTreeSet::from([(out[1].block.clone(), out[1].theme.clone())]);
        let t = tally(&st, "me", &rejected);
        assert_eq!(t.len(), 4);
        let accepted: usize = t.values().map(|t| t.accepted).sum();
        assert_eq!(accepted, 1);
        assert_eq!(t[&out[0].theme].accepted, 1);
        assert_eq!(t[&out[1].theme].rejected, 1);

        // A hand tag is not counted; accept_all is one undoable step.
        let before = tally(&st, "me", &no_rejections())["accountability"].accepted;
        st.apply(Command::Tag {
            set: "me".into(),
            block: out[1].block.clone(),
            theme: "accountability".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 43,
        })
        .unwrap();
        assert_eq!(tally(&st, "me", &no_rejections())["accountability"].accepted, before);
        let trade: Vec<Suggestion> = out.iter().filter(|s| s.theme == "trade").cloned().collect();
        let inverse = st.apply(accept_all(&st, &trade, "me", 43)).unwrap();
        assert_eq!(tally(&st, "me", &no_rejections())["trade"].accepted, trade.len());
        st.apply(inverse).unwrap();
        assert_eq!(tally(&st, "me", &no_rejections())["trade"].accepted, 0);
        match accept_all(&st, &trade, "me", 43) {
            Command::Batch(cmds) => assert_eq!(cmds.len(), trade.len()),
            other => panic!("not a batch: {other:?}"),
        }
        // accepting codes the paragraph: its not-coded mark goes in the same step
        st.apply(Command::Uncoded {
            set: "me".into(),
            block: trade[0].block.clone(),
            on: true,
        })
        .unwrap();
        let inverse = st.apply(accept_all(&st, &trade[..1], "me", 44)).unwrap();
        assert!(!st.sets["me"].is_uncoded(&trade[0].block));
        st.apply(inverse).unwrap();
        assert!(
            st.sets["me"].is_uncoded(&trade[0].block),
            "one undo brings the mark back"
        );
    }

    #[test]
    fn user_themes_without_words_get_none() {
        let doc = Document::parse(SPEECH);
        let mut st = store();
        st.apply(Command::PutTheme(Theme {
            id: "mine".into(),
            name_zh: "我的".into(),
            name_en: "mine".into(),
            color: "#7b4bd1".into(),
            key: Some(5),
        }))
        .unwrap();
        let mut lex = builtin_lexicons();
        assert!(suggest(&doc, &st, "me", &lex, &no_rejections())
            .iter()
            .all(|s| s.theme != "mine"));
        lex.insert("mine".into(), Vec::new());
        assert!(suggest(&doc, &st, "me", &lex, &no_rejections())
            .iter()
            .all(|s| s.theme != "mine"));
        lex.insert("mine".into(), vec!["园区".into()]);
        assert!(suggest(&doc, &st, "me", &lex, &no_rejections())
            .iter()
            .any(|s| s.theme == "mine"));
    }
}
