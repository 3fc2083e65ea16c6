//! The theme list as a coder works with it, however long the codebook:
//! the panel's outline (parents and their sub-themes, searched and
//! collapsed), the chips a paragraph offers, the picker's search, and
//! pinning a theme to a number key.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use crate::store::{Command, Store};
use crate::themes::Theme;

/// Codebooks of at most this many themes show every theme as a chip on
/// every paragraph, and list their sub-themes expanded. Above it a
/// paragraph offers its pinned themes and those it carries (the rest
/// through the picker), and parents start collapsed.
pub const SMALL_CODEBOOK: usize = 12;

/// One theme in the outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub theme: Theme,
    /// The top-level theme it sits under (`None`: top level).
    pub parent: Option<String>,
    /// How many sub-themes it has (top level only).
    pub children: usize,
}

/// Live themes as the panel lists them: top-level themes, each followed by
/// its sub-themes; at each level the pinned ones first (by key), then the
/// rest by name ([`natural`] order: 类别2 before 类别10). A theme whose
/// parent is gone is top level; one nested deeper (merged from two tabs)
/// sits under its top-level theme.
pub fn outline(store: &Store) -> Vec<Entry> {
    let mut themes = store.themes();
    themes.sort_by(|a, b| {
        (a.key.unwrap_or(u8::MAX))
            .cmp(&b.key.unwrap_or(u8::MAX))
            .then_with(|| natural(&a.label(), &b.label()))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut under: BTreeMap<String, Vec<&Theme>> = BTreeMap::new();
    let mut top = Vec::new();
    for t in &themes {
        match store.top_parent(&t.id) {
            Some(p) => under.entry(p).or_default().push(t),
            None => top.push(*t),
        }
    }
    let mut out = Vec::with_capacity(themes.len());
    for t in top {
        let children = under.remove(&t.id).unwrap_or_default();
        out.push(Entry {
            theme: t.clone(),
            parent: None,
            children: children.len(),
        });
        out.extend(children.into_iter().map(|c| Entry {
            theme: c.clone(),
            parent: Some(t.id.clone()),
            children: 0,
        }));
    }
    out
}

/// Compares names as people read them: case aside, and runs of digits by
/// their value.
///
/// ```
/// use annotator_core::outline::natural;
/// use std::cmp::Ordering::*;
/// assert_eq!(natural("Code 2", "code 10"), Less);
/// assert_eq!(natural("类别05", "类别5"), Equal);
/// assert_eq!(natural("b", "A1"), Greater);
/// ```
pub fn natural(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.chars().peekable(), b.chars().peekable());
    let digits = |it: &mut std::iter::Peekable<std::str::Chars>| {
        let mut run = String::new();
        while let Some(c) = it.next_if(char::is_ascii_digit) {
            run.push(c);
        }
        run.trim_start_matches('0').to_string()
    };
    loop {
        match (x.peek().copied(), y.peek().copied()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let (n, m) = (digits(&mut x), digits(&mut y));
                match n.len().cmp(&m.len()).then_with(|| n.cmp(&m)) {
                    Ordering::Equal => {}
                    o => return o,
                }
            }
            (Some(c), Some(d)) => {
                match c.to_lowercase().cmp(d.to_lowercase()) {
                    Ordering::Equal => {}
                    o => return o,
                }
                x.next();
                y.next();
            }
        }
    }
}

/// A search as typed: lower-cased words, every one of which a theme must
/// contain (in its Chinese or English name or its id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    whole: String,
    words: Vec<String>,
}

impl Query {
    pub fn new(text: &str) -> Query {
        let whole = text.trim().to_lowercase();
        let words = whole.split_whitespace().map(String::from).collect();
        Query { whole, words }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    fn fields(t: &Theme) -> [String; 3] {
        [t.name_zh.to_lowercase(), t.name_en.to_lowercase(), t.id.to_lowercase()]
    }

    /// Whether a theme matches (the empty query matches every theme).
    ///
    /// ```
    /// use annotator_core::outline::Query;
    /// let t = annotator_core::themes::builtin_themes().remove(0);
    /// assert!(Query::new("投").matches(&t) && Query::new("INVEST").matches(&t));
    /// assert!(Query::new("投资 ment").matches(&t) && !Query::new("投资 trade").matches(&t));
    /// ```
    pub fn matches(&self, t: &Theme) -> bool {
        let fields = Query::fields(t);
        self.words.iter().all(|w| fields.iter().any(|f| f.contains(w.as_str())))
    }

    /// How well a matching theme fits, best first: a name or id equal to
    /// the query, then one starting with it, then any other match.
    fn rank(&self, t: &Theme) -> u8 {
        let fields = Query::fields(t);
        if fields.contains(&self.whole) {
            0
        } else if fields.iter().any(|f| f.starts_with(self.whole.as_str())) {
            1
        } else {
            2
        }
    }
}

/// The picker's list: the themes matching `query`, best first (ties in
/// outline order), so that Enter takes the first.
pub fn search<'a>(entries: &'a [Entry], query: &Query) -> Vec<&'a Entry> {
    let mut found: Vec<(u8, &Entry)> = entries
        .iter()
        .filter(|e| query.matches(&e.theme))
        .map(|e| (if query.is_empty() { 0 } else { query.rank(&e.theme) }, e))
        .collect();
    found.sort_by_key(|(rank, _)| *rank);
    found.into_iter().map(|(_, e)| e).collect()
}

/// A row the panel shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Position in the outline.
    pub index: usize,
    /// Shown only as the parent of matching sub-themes, not a match itself.
    pub context: bool,
}

/// What the panel shows of an outline.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Listing {
    pub rows: Vec<Row>,
    /// Parents whose sub-themes are listed (for `aria-expanded`).
    pub open: BTreeSet<String>,
    /// Themes matching the search (all themes without one).
    pub matches: usize,
}

/// The panel's rows. Without a search: every top-level theme, and the
/// sub-themes of the parents `expanded` says are open (and `keep`, the
/// theme the document is filtered by, wherever it is). With a search: the
/// matching themes, under collapsed parents too, each sub-theme after its
/// parent (shown as context when it does not match itself).
pub fn listing(entries: &[Entry], query: &Query, expanded: impl Fn(&str) -> bool, keep: Option<&str>) -> Listing {
    let mut out = Listing::default();
    if query.is_empty() {
        out.matches = entries.len();
        for (index, e) in entries.iter().enumerate() {
            let shown = match &e.parent {
                None => true,
                Some(p) => expanded(p) || keep == Some(e.theme.id.as_str()),
            };
            if shown {
                out.rows.push(Row { index, context: false });
            }
            if e.children > 0 && expanded(&e.theme.id) {
                out.open.insert(e.theme.id.clone());
            }
        }
        return out;
    }
    let hit: Vec<bool> = entries.iter().map(|e| query.matches(&e.theme)).collect();
    out.matches = hit.iter().filter(|h| **h).count();
    // The last top-level theme, and whether it is listed yet.
    let mut parent: Option<(usize, bool)> = None;
    for (index, e) in entries.iter().enumerate() {
        match &e.parent {
            None => {
                parent = Some((index, hit[index]));
                if hit[index] {
                    out.rows.push(Row { index, context: false });
                }
            }
            Some(p) if hit[index] => {
                // The parent comes first, as context if it did not match.
                if let Some((at, listed)) = parent.as_mut().filter(|(at, _)| entries[*at].theme.id == *p) {
                    if !*listed {
                        out.rows.push(Row {
                            index: *at,
                            context: true,
                        });
                        *listed = true;
                    }
                }
                out.open.insert(p.clone());
                out.rows.push(Row { index, context: false });
            }
            Some(_) => {}
        }
    }
    out
}

/// The themes a paragraph offers as chips, in display order: all of a
/// small codebook ([`SMALL_CODEBOOK`]); of a larger one, the pinned themes
/// (those with a key) and the ones in `on` (the paragraph's own).
pub fn chips<'a>(themes: &'a [Theme], on: &[String]) -> Vec<&'a Theme> {
    let small = themes.len() <= SMALL_CODEBOOK;
    themes
        .iter()
        .filter(|t| small || t.key.is_some() || on.contains(&t.id))
        .collect()
}

/// Whether paragraphs offer only some themes as chips (and a picker for
/// the rest).
pub fn is_compact(themes: usize) -> bool {
    themes > SMALL_CODEBOOK
}

/// Why a theme cannot be pinned or unpinned, with the message the UI shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinError {
    /// Every number key already toggles a theme.
    NoFreeKey,
    UnknownTheme(String),
}

impl PinError {
    pub fn message(&self) -> String {
        match self {
            PinError::NoFreeKey => {
                "数字键 1–9 都已分配给主题：请先取消固定一个 · All number keys 1–9 are taken: unpin a theme first"
                    .into()
            }
            PinError::UnknownTheme(t) => format!("没有这个主题 · No theme {t}"),
        }
    }
}

/// The command that pins a theme to the lowest free number key, or, when
/// it has a key, takes the key away: one undoable step.
///
/// ```
/// use annotator_core::outline::pin;
/// use annotator_core::store::{AnnotationSet, Command, SetKind, Store};
/// let store = Store::new("tab", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
/// let Ok(Command::PutTheme(t)) = pin(&store, "trade") else { panic!() };
/// assert_eq!((t.id.as_str(), t.key), ("trade", None));
/// ```
pub fn pin(store: &Store, id: &str) -> Result<Command, PinError> {
    let theme = store.theme(id).ok_or_else(|| PinError::UnknownTheme(id.into()))?;
    let key = match theme.key {
        Some(_) => None,
        None => Some(store.free_key().ok_or(PinError::NoFreeKey)?),
    };
    Ok(Command::PutTheme(Theme { key, ..theme.clone() }))
}

#[cfg(test)]
mod tests;
