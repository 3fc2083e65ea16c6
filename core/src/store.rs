//! The annotation store: themes and annotation sets (one per coder, plus any
//! consensus), changed only through [`Command`]s.
//!
//! Every command applied returns its inverse, so undo, redo, import and
//! adjudication share one path. Every item carries a [`Stamp`] (a Lamport
//! clock and the replica that wrote it) and deletions stay as tombstones, so
//! two tabs or two coders' stores merge deterministically and nothing either
//! side did is lost: per item, the later stamp wins, ties broken by replica.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

mod codebook;
mod merge;
mod status;

pub use codebook::{Codebook, CodebookEntry, MAX_CODEBOOK_FIELD};
use merge::merge_items;
pub use status::Status;

use crate::text::char_len;
use crate::themes::{builtin_themes, Theme, ThemeError};

/// Longest note accepted, in chars.
pub const MAX_NOTE: usize = 20_000;

/// When and by whom an item was last written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Stamp {
    /// Lamport clock.
    pub t: u64,
    /// The replica (a browser tab, a coder's file) that wrote it.
    pub by: String,
}

/// What a tag is on: a block (by its id, see [`crate::document`]) and a
/// theme (by its id). Ordered by block, then theme.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TagKey {
    pub block: String,
    pub theme: String,
}

impl TagKey {
    pub fn new(block: &str, theme: &str) -> TagKey {
        TagKey {
            block: block.into(),
            theme: theme.into(),
        }
    }
}

/// How a tag came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TagOrigin {
    #[default]
    Hand,
    Suggestion,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThemeEntry {
    pub theme: Theme,
    pub deleted: bool,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagEntry {
    /// `false` is a tombstone: the tag was removed.
    pub present: bool,
    /// Seconds since the epoch when it was last set.
    pub at: u64,
    pub how: TagOrigin,
    pub stamp: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteEntry {
    pub text: String,
    pub stamp: Stamp,
}

/// A coder's mark that a paragraph is *not coded*: skipped, or left for
/// later. Statistics count it as missing, never as "no theme applies".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UncodedEntry {
    /// `false` is a tombstone: the mark was taken back.
    pub on: bool,
    pub stamp: Stamp,
}

/// Whose annotations a set holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SetKind {
    Coder,
    Consensus,
}

/// When each of a set's own fields was last written. A set merges field
/// by field like everything else: whether it is open, its name, its colour,
/// its read-only flag and its status each keep the later stamp.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SetStamps {
    /// Opened ([`Command::AddSet`]) or closed ([`Command::RemoveSet`]).
    pub open: Stamp,
    pub name: Stamp,
    pub color: Stamp,
    pub readonly: Stamp,
    /// The status ([`Command::SetStatus`]); never written: the default.
    pub status: Stamp,
}

/// One coder's (or the consensus) tags and notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationSet {
    pub id: String,
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
    pub kind: SetKind,
    /// Sets opened side by side are read-only until adjudicated.
    pub readonly: bool,
    /// The coder's status on the document, when set explicitly; `None`:
    /// derived from the set's items ([`AnnotationSet::status`]).
    pub status: Option<Status>,
    /// When membership, name, colour, the read-only flag and the status
    /// were last set.
    pub stamps: SetStamps,
    /// Keyed by block and theme (named, so the two ids cannot be swapped).
    pub tags: BTreeMap<TagKey, TagEntry>,
    /// Keyed by block id.
    pub notes: BTreeMap<String, NoteEntry>,
    /// Blocks marked as not coded, keyed by block id.
    pub uncoded: BTreeMap<String, UncodedEntry>,
}

impl AnnotationSet {
    pub fn new(id: &str, name: &str, color: &str, kind: SetKind) -> Self {
        AnnotationSet {
            id: id.into(),
            name: name.into(),
            color: color.into(),
            kind,
            readonly: false,
            status: None,
            stamps: SetStamps::default(),
            tags: BTreeMap::new(),
            notes: BTreeMap::new(),
            uncoded: BTreeMap::new(),
        }
    }

    /// Folds another copy's tags, notes and not-coded marks into this set,
    /// item by item, the later stamp winning (the set's own fields are left
    /// alone). Returns whether anything changed.
    pub fn merge_items(&mut self, theirs: &AnnotationSet) -> bool {
        let mut changed = merge_items(&mut self.tags, &theirs.tags, |e| &e.stamp);
        changed |= merge_items(&mut self.notes, &theirs.notes, |e| &e.stamp);
        changed |= merge_items(&mut self.uncoded, &theirs.uncoded, |e| &e.stamp);
        changed
    }

    /// Whether the coder marked the block as not coded.
    pub fn is_uncoded(&self, block: &str) -> bool {
        self.uncoded.get(block).is_some_and(|e| e.on)
    }

    pub fn has_tag(&self, block: &str, theme: &str) -> bool {
        self.tags.get(&TagKey::new(block, theme)).is_some_and(|t| t.present)
    }

    /// The themes present on a block, by theme id (deleted themes
    /// included): a range of the tags, whatever the codebook's size.
    pub fn tags_of<'a>(&'a self, block: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        // One allocation (the range's start); the walk compares borrowed text.
        let from = TagKey::new(block, "");
        self.tags
            .range(from..)
            .take_while(move |(k, _)| k.block == block)
            .filter(|(_, e)| e.present)
            .map(|(k, _)| k.theme.as_str())
    }
}

/// A change to the store. Applying one returns its inverse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Set or remove a theme on a block.
    Tag {
        set: String,
        block: String,
        theme: String,
        present: bool,
        how: TagOrigin,
        at: u64,
    },
    /// Replace a block's note (empty removes it).
    Note { set: String, block: String, text: String },
    /// Mark a block as not coded (or take the mark back).
    Uncoded { set: String, block: String, on: bool },
    /// Create a theme, edit it, or bring a deleted one back.
    PutTheme(Theme),
    /// Delete a theme (a tombstone; its tags stay, hidden, so undo restores them).
    DeleteTheme { id: String },
    /// Open another coder's set (an import side by side) or a consensus set.
    AddSet(Box<AnnotationSet>),
    /// Close a set (the inverse of `AddSet`). It is kept as a tombstone
    /// with the stamp of the closing, so a save, a reload or another tab's
    /// older copy never brings it back.
    RemoveSet { id: String },
    /// Lock or unlock a set against edits.
    SetReadonly { set: String, readonly: bool },
    /// Rename and recolour a set (a coder naming themselves). `color` is `#rrggbb`.
    SetInfo { set: String, name: String, color: String },
    /// Set a coder's status on the document (`None`: no explicit status,
    /// derived from the set's items, see [`AnnotationSet::status`]).
    /// Refused for a read-only set: the status is the coder's own claim.
    SetStatus { set: String, status: Option<Status> },
    /// Replace a theme's codebook entry.
    PutCodebook { theme: String, entry: Codebook },
    /// Several changes as one step: all apply or none does.
    Batch(Vec<Command>),
}

/// Which blocks a command changes, so a view can re-render only those.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touched {
    Blocks(BTreeSet<String>),
    /// Themes or sets changed: every block may look different.
    All,
}

impl Command {
    pub fn touched(&self) -> Touched {
        match self {
            Command::Tag { block, .. } | Command::Note { block, .. } | Command::Uncoded { block, .. } => {
                Touched::Blocks(BTreeSet::from([block.clone()]))
            }
            Command::Batch(cmds) => {
                let mut all = BTreeSet::new();
                for c in cmds {
                    match c.touched() {
                        Touched::All => return Touched::All,
                        Touched::Blocks(b) => all.extend(b),
                    }
                }
                Touched::Blocks(all)
            }
            _ => Touched::All,
        }
    }
}

/// Why a command was refused, with the message the UI shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    UnknownSet(String),
    ReadOnlySet(String),
    UnknownTheme(String),
    InvalidTheme(ThemeError),
    NoteTooLong(usize),
    DuplicateSet(String),
    /// A parent that is itself a sub-theme, or a theme with sub-themes given a parent.
    TooDeep(String),
    /// A set name that is empty or longer than [`crate::themes::MAX_NAME`] chars.
    InvalidSetName,
    /// A colour that is not `#rrggbb`.
    InvalidColor(String),
}

impl StoreError {
    pub fn message(&self) -> String {
        match self {
            StoreError::UnknownSet(s) => format!("没有这个标注集 · No annotation set {s}"),
            StoreError::ReadOnlySet(s) => format!("{s} 是只读的 · {s} is read-only"),
            StoreError::UnknownTheme(t) => format!("没有这个主题 · No theme {t}"),
            StoreError::InvalidTheme(e) => e.message(),
            StoreError::DuplicateSet(s) => format!("标注集已存在 · Annotation set {s} already exists"),
            StoreError::InvalidSetName => format!(
                "名称须为 1–{n} 个字 · A name must have 1–{n} characters",
                n = crate::themes::MAX_NAME
            ),
            StoreError::InvalidColor(c) => format!("颜色须为 #rrggbb：{c} · A colour must be #rrggbb: {c}"),
            StoreError::TooDeep(t) => {
                format!("子主题只能有一层（{t}） · Sub-themes go one level deep ({t})")
            }
            StoreError::NoteTooLong(n) => {
                format!("笔记过长（{n} 字，上限 {MAX_NOTE}） · Note too long ({n} characters, limit {MAX_NOTE})")
            }
        }
    }
}

/// Themes and annotation sets of one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub themes: BTreeMap<String, ThemeEntry>,
    /// Codebook entries by theme id (definition, usage, example, parent).
    pub codebook: BTreeMap<String, CodebookEntry>,
    /// Open sets: what every view, export and statistic reads.
    pub sets: BTreeMap<String, AnnotationSet>,
    /// Closed sets, kept as tombstones (their `stamps.open` is the closing)
    /// so that merging an older copy where they were open does not reopen
    /// them. Their tags and notes are not kept: undo carries them.
    pub closed: BTreeMap<String, AnnotationSet>,
    /// Lamport clock: greater than every stamp in the store.
    pub clock: u64,
    /// Who writes new stamps: this tab.
    pub replica: String,
}

impl Store {
    /// A store with the built-in themes and one coder's set.
    ///
    /// Built-in themes carry stamp 0, so any edit by anyone wins over them and
    /// two fresh stores merge without conflict.
    pub fn new(replica: &str, owner: &AnnotationSet) -> Store {
        let themes = builtin_themes()
            .into_iter()
            .map(|t| {
                (
                    t.id.clone(),
                    ThemeEntry {
                        theme: t,
                        deleted: false,
                        stamp: Stamp::default(),
                    },
                )
            })
            .collect();
        let mut sets = BTreeMap::new();
        sets.insert(owner.id.clone(), owner.clone());
        Store {
            themes,
            codebook: BTreeMap::new(),
            sets,
            closed: BTreeMap::new(),
            clock: 0,
            replica: replica.into(),
        }
    }

    fn tick(&mut self) -> Stamp {
        self.clock += 1;
        Stamp {
            t: self.clock,
            by: self.replica.clone(),
        }
    }

    /// The top-level theme a theme sits under (following parents through
    /// live themes), or `None` for a top-level theme. Entries merged from two
    /// tabs can nest deeper or loop; a loop counts as top level, so every
    /// theme has exactly one place in a tree.
    pub fn top_parent(&self, theme: &str) -> Option<String> {
        let mut seen = vec![theme.to_string()];
        let mut at = theme.to_string();
        while let Some(p) = self
            .codebook
            .get(&at)
            .and_then(|e| e.entry.parent.clone())
            .filter(|p| self.theme(p).is_some())
        {
            if seen.contains(&p) {
                return None;
            }
            seen.push(p.clone());
            at = p;
        }
        (at != theme).then_some(at)
    }

    pub fn codebook(&self, theme: &str) -> Codebook {
        self.codebook.get(theme).map(|e| e.entry.clone()).unwrap_or_default()
    }

    /// Live themes in display order: by key, then by id.
    pub fn themes(&self) -> Vec<&Theme> {
        let mut v: Vec<&Theme> = self.themes.values().filter(|e| !e.deleted).map(|e| &e.theme).collect();
        v.sort_by(|a, b| display_order(a, b));
        v
    }

    pub fn theme(&self, id: &str) -> Option<&Theme> {
        self.themes.get(id).filter(|e| !e.deleted).map(|e| &e.theme)
    }

    /// The live theme bound to a digit key.
    pub fn theme_for_key(&self, key: u8) -> Option<&Theme> {
        self.themes().into_iter().find(|t| t.key == Some(key))
    }

    /// The lowest digit key no live theme uses.
    pub fn free_key(&self) -> Option<u8> {
        (1..=9).find(|k| self.theme_for_key(*k).is_none())
    }

    /// Live theme ids on a block in a set, in display order.
    pub fn themes_of(&self, set: &str, block: &str) -> Vec<String> {
        let Some(s) = self.sets.get(set) else {
            return Vec::new();
        };
        // The block's own tags, not every theme: a paragraph of a long
        // document with a large codebook is looked up in a few steps.
        let mut found: Vec<&Theme> = s.tags_of(block).filter_map(|t| self.theme(t)).collect();
        found.sort_by(|a, b| display_order(a, b));
        found.into_iter().map(|t| t.id.clone()).collect()
    }

    pub fn note(&self, set: &str, block: &str) -> &str {
        self.sets
            .get(set)
            .and_then(|s| s.notes.get(block))
            .map(|n| n.text.as_str())
            .unwrap_or("")
    }

    /// Number of blocks (those for which `counted` holds, such as the
    /// document's taggable ones) carrying each live theme in a set. Walks
    /// the set's tags once and asks nothing else of the document (it runs on
    /// every keypress, for the panel, whatever the document's length).
    pub fn counts(&self, set: &str, counted: impl Fn(&str) -> bool) -> BTreeMap<String, usize> {
        let mut counts: BTreeMap<String, usize> = self.themes().iter().map(|t| (t.id.clone(), 0)).collect();
        let Some(s) = self.sets.get(set) else {
            return counts;
        };
        for (TagKey { block, theme }, e) in &s.tags {
            if e.present && counted(block.as_str()) {
                if let Some(n) = counts.get_mut(theme) {
                    *n += 1;
                }
            }
        }
        counts
    }

    /// Number of live tags on a theme in any set (to ask before deleting it).
    pub fn uses_of_theme(&self, theme: &str) -> usize {
        self.sets
            .values()
            .flat_map(|s| s.tags.iter())
            .filter(|(k, e)| k.theme == theme && e.present)
            .count()
    }

    fn writable_set(&mut self, set: &str) -> Result<&mut AnnotationSet, StoreError> {
        let s = self
            .sets
            .get_mut(set)
            .ok_or_else(|| StoreError::UnknownSet(set.into()))?;
        if s.readonly {
            return Err(StoreError::ReadOnlySet(s.name.clone()));
        }
        Ok(s)
    }

    /// Applies a command and returns its inverse. A refused command changes
    /// nothing; a batch is applied whole or not at all.
    ///
    /// ```
    /// use annotator_core::store::{AnnotationSet, Command, SetKind, Store, TagOrigin};
    /// let mut store = Store::new("tab", &AnnotationSet::new("me", "Me", "#000000", SetKind::Coder));
    /// let tag = Command::Tag { set: "me".into(), block: "b".into(), theme: "trade".into(), present: true, how: TagOrigin::Hand, at: 0 };
    /// let inverse = store.apply(tag).unwrap();
    /// assert_eq!(store.themes_of("me", "b"), ["trade"]);
    /// store.apply(inverse).unwrap();
    /// assert!(store.themes_of("me", "b").is_empty());
    /// ```
    pub fn apply(&mut self, cmd: Command) -> Result<Command, StoreError> {
        // A change to a set that is closed (here or, merged in, by another
        // tab) changes nothing: the tombstone keeps no items. An undo that
        // meets one goes on with the rest of its step.
        if let Command::Tag { set, .. }
        | Command::Note { set, .. }
        | Command::Uncoded { set, .. }
        | Command::SetReadonly { set, .. }
        | Command::SetInfo { set, .. }
        | Command::SetStatus { set, .. } = &cmd
        {
            if !self.sets.contains_key(set) && self.closed.contains_key(set) {
                return Ok(Command::Batch(Vec::new()));
            }
        }
        match cmd {
            Command::Tag {
                set,
                block,
                theme,
                present,
                how,
                at,
            } => {
                if !self.themes.contains_key(&theme) {
                    return Err(StoreError::UnknownTheme(theme));
                }
                self.writable_set(&set)?;
                let stamp = self.tick();
                let s = self.sets.get_mut(&set).expect("checked above");
                let key = TagKey::new(&block, &theme);
                let prev = s.tags.get(&key).cloned();
                s.tags.insert(
                    key,
                    TagEntry {
                        present,
                        at,
                        how,
                        stamp,
                    },
                );
                let inverse = match prev {
                    Some(p) => Command::Tag {
                        set,
                        block,
                        theme,
                        present: p.present,
                        how: p.how,
                        at: p.at,
                    },
                    None => Command::Tag {
                        set,
                        block,
                        theme,
                        present: false,
                        how,
                        at,
                    },
                };
                Ok(inverse)
            }
            Command::Note { set, block, text } => {
                let n = char_len(&text);
                if n > MAX_NOTE {
                    return Err(StoreError::NoteTooLong(n));
                }
                self.writable_set(&set)?;
                let stamp = self.tick();
                let s = self.sets.get_mut(&set).expect("checked above");
                let prev = s.notes.insert(block.clone(), NoteEntry { text, stamp });
                Ok(Command::Note {
                    set,
                    block,
                    text: prev.map(|p| p.text).unwrap_or_default(),
                })
            }
            Command::Uncoded { set, block, on } => {
                self.writable_set(&set)?;
                let stamp = self.tick();
                let s = self.sets.get_mut(&set).expect("checked above");
                let was = s.is_uncoded(&block);
                s.uncoded.insert(block.clone(), UncodedEntry { on, stamp });
                Ok(Command::Uncoded { set, block, on: was })
            }
            Command::PutTheme(theme) => {
                theme.validate().map_err(StoreError::InvalidTheme)?;
                let stamp = self.tick();
                let prev = self.themes.insert(
                    theme.id.clone(),
                    ThemeEntry {
                        theme: theme.clone(),
                        deleted: false,
                        stamp,
                    },
                );
                Ok(match prev {
                    Some(p) if !p.deleted => Command::PutTheme(p.theme),
                    _ => Command::DeleteTheme { id: theme.id },
                })
            }
            Command::DeleteTheme { id } => {
                let stamp = self.tick();
                let entry = self
                    .themes
                    .get_mut(&id)
                    .ok_or_else(|| StoreError::UnknownTheme(id.clone()))?;
                let was_deleted = entry.deleted;
                entry.deleted = true;
                entry.stamp = stamp;
                Ok(if was_deleted {
                    Command::DeleteTheme { id }
                } else {
                    Command::PutTheme(entry.theme.clone())
                })
            }
            Command::PutCodebook { theme, entry } => {
                if !self.themes.contains_key(&theme) {
                    return Err(StoreError::UnknownTheme(theme));
                }
                let fields = [
                    &entry.definition,
                    &entry.when_to_use,
                    &entry.when_not_to_use,
                    &entry.example,
                ];
                if let Some(f) = fields.iter().find(|f| char_len(f) > MAX_CODEBOOK_FIELD) {
                    return Err(StoreError::NoteTooLong(char_len(f)));
                }
                if let Some(p) = &entry.parent {
                    // One level only: never itself, never under a sub-theme,
                    // and a theme with sub-themes cannot become one.
                    let parent_is_sub = self.codebook.get(p).is_some_and(|e| e.entry.parent.is_some());
                    let has_children = self
                        .codebook
                        .values()
                        .any(|e| e.entry.parent.as_deref() == Some(theme.as_str()));
                    if p == &theme || !self.themes.contains_key(p) {
                        return Err(StoreError::UnknownTheme(p.clone()));
                    }
                    if parent_is_sub || has_children {
                        return Err(StoreError::TooDeep(theme.clone()));
                    }
                }
                let stamp = self.tick();
                let prev = self.codebook.insert(theme.clone(), CodebookEntry { entry, stamp });
                Ok(Command::PutCodebook {
                    theme,
                    entry: prev.map(|p| p.entry).unwrap_or_default(),
                })
            }
            Command::AddSet(set) => {
                if let Some(open) = self.sets.get_mut(&set.id) {
                    // Already open (another tab reopened it, or an undo came
                    // twice): fold the carried items in, so nothing is lost
                    // and the step still undoes.
                    open.merge_items(&set);
                    return Ok(Command::RemoveSet { id: set.id.clone() });
                }
                let mut set = *set;
                set.stamps.open = self.tick();
                self.closed.remove(&set.id);
                let id = set.id.clone();
                self.sets.insert(id.clone(), set);
                Ok(Command::RemoveSet { id })
            }
            Command::RemoveSet { id } => {
                if !self.sets.contains_key(&id) && self.closed.contains_key(&id) {
                    // Closed already (in another tab): nothing to do, nothing to redo.
                    return Ok(Command::Batch(Vec::new()));
                }
                let set = self.sets.remove(&id).ok_or(StoreError::UnknownSet(id))?;
                let mut tombstone = AnnotationSet {
                    tags: BTreeMap::new(),
                    notes: BTreeMap::new(),
                    uncoded: BTreeMap::new(),
                    ..set.clone()
                };
                tombstone.stamps.open = self.tick();
                self.closed.insert(tombstone.id.clone(), tombstone);
                Ok(Command::AddSet(Box::new(set)))
            }
            Command::SetReadonly { set, readonly } => {
                if !self.sets.contains_key(&set) {
                    return Err(StoreError::UnknownSet(set));
                }
                let stamp = self.tick();
                let s = self.sets.get_mut(&set).expect("checked above");
                let was = s.readonly;
                s.readonly = readonly;
                s.stamps.readonly = stamp;
                Ok(Command::SetReadonly { set, readonly: was })
            }
            Command::SetInfo { set, name, color } => {
                let name = name.trim().to_string();
                let n = char_len(&name);
                if n == 0 || n > crate::themes::MAX_NAME {
                    return Err(StoreError::InvalidSetName);
                }
                if !crate::themes::is_hex_color(&color) {
                    return Err(StoreError::InvalidColor(color.chars().take(20).collect()));
                }
                if !self.sets.contains_key(&set) {
                    return Err(StoreError::UnknownSet(set));
                }
                let stamp = self.tick();
                let s = self.sets.get_mut(&set).expect("checked above");
                let inverse = Command::SetInfo {
                    set: set.clone(),
                    name: s.name.clone(),
                    color: s.color.clone(),
                };
                if s.name != name {
                    s.name = name;
                    s.stamps.name = stamp.clone();
                }
                if s.color != color {
                    s.color = color;
                    s.stamps.color = stamp;
                }
                Ok(inverse)
            }
            Command::SetStatus { set, status } => {
                self.writable_set(&set)?;
                let stamp = self.tick();
                let s = self.sets.get_mut(&set).expect("checked above");
                let was = std::mem::replace(&mut s.status, status);
                s.stamps.status = stamp;
                Ok(Command::SetStatus { set, status: was })
            }
            Command::Batch(cmds) => {
                let mut inverses = Vec::with_capacity(cmds.len());
                for c in cmds {
                    match self.apply(c) {
                        Ok(inv) => inverses.push(inv),
                        Err(e) => {
                            for inv in inverses.into_iter().rev() {
                                let _ = self.apply(inv);
                            }
                            return Err(e);
                        }
                    }
                }
                inverses.reverse();
                Ok(Command::Batch(inverses))
            }
        }
    }

    /// Toggles a hand tag on a block. Giving a theme codes the paragraph, so
    /// a not-coded mark there goes in the same step (one undo for both).
    pub fn toggle_tag(&self, set: &str, block: &str, theme: &str, at: u64) -> Command {
        let present = self.sets.get(set).is_some_and(|s| s.has_tag(block, theme));
        let tag = Command::Tag {
            set: set.into(),
            block: block.into(),
            theme: theme.into(),
            present: !present,
            how: TagOrigin::Hand,
            at,
        };
        let mut cmds = if present { Vec::new() } else { self.unmark(set, [block]) };
        if cmds.is_empty() {
            return tag;
        }
        cmds.push(tag);
        Command::Batch(cmds)
    }

    /// The commands that take `set`'s not-coded marks off `blocks`: a block
    /// given a theme is coded, so tagging it clears the mark in the same step.
    pub fn unmark<'a>(&self, set: &str, blocks: impl IntoIterator<Item = &'a str>) -> Vec<Command> {
        let Some(s) = self.sets.get(set) else {
            return Vec::new();
        };
        let blocks: BTreeSet<&str> = blocks.into_iter().filter(|b| s.is_uncoded(b)).collect();
        blocks
            .into_iter()
            .map(|b| Command::Uncoded {
                set: set.into(),
                block: b.into(),
                on: false,
            })
            .collect()
    }

    /// The command that brings a document's annotations back to pristine:
    /// the user's own tags, notes and not-coded marks removed, every other
    /// set (coders opened side by side, the consensus) closed. Themes and
    /// the codebook stay: they are the user's scheme, not this text's
    /// coding. One step, so one undo brings it all back.
    pub fn pristine(&self, own: &str) -> Command {
        let mut cmds = Vec::new();
        if let Some(set) = self.sets.get(own) {
            for (TagKey { block, theme }, e) in set.tags.iter().filter(|(_, e)| e.present) {
                cmds.push(Command::Tag {
                    set: own.into(),
                    block: block.clone(),
                    theme: theme.clone(),
                    present: false,
                    how: e.how,
                    at: e.at,
                });
            }
            for (block, _) in set.notes.iter().filter(|(_, n)| !n.text.is_empty()) {
                cmds.push(Command::Note {
                    set: own.into(),
                    block: block.clone(),
                    text: String::new(),
                });
            }
            for (block, _) in set.uncoded.iter().filter(|(_, u)| u.on) {
                cmds.push(Command::Uncoded {
                    set: own.into(),
                    block: block.clone(),
                    on: false,
                });
            }
        }
        for id in self.sets.keys().filter(|id| id.as_str() != own) {
            cmds.push(Command::RemoveSet { id: id.clone() });
        }
        Command::Batch(cmds)
    }

    /// A set, open or closed (a tombstone).
    pub fn set_any(&self, id: &str) -> Option<&AnnotationSet> {
        self.sets.get(id).or_else(|| self.closed.get(id))
    }
}

/// Themes in display order: by number key (themes without one last), then by id.
fn display_order(a: &Theme, b: &Theme) -> std::cmp::Ordering {
    (a.key.unwrap_or(u8::MAX), &a.id).cmp(&(b.key.unwrap_or(u8::MAX), &b.id))
}

#[cfg(test)]
mod tests;
