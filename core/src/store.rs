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

/// One coder's (or the consensus) tags and notes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationSet {
    pub id: String,
    pub name: String,
    pub color: String,
    pub kind: SetKind,
    /// Sets opened side by side are read-only until adjudicated.
    pub readonly: bool,
    /// Keyed by (block id, theme id).
    pub tags: BTreeMap<(String, String), TagEntry>,
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
            tags: BTreeMap::new(),
            notes: BTreeMap::new(),
            uncoded: BTreeMap::new(),
        }
    }

    /// Whether the coder marked the block as not coded.
    pub fn is_uncoded(&self, block: &str) -> bool {
        self.uncoded.get(block).is_some_and(|e| e.on)
    }

    pub fn has_tag(&self, block: &str, theme: &str) -> bool {
        self.tags
            .get(&(block.to_string(), theme.to_string()))
            .is_some_and(|t| t.present)
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
    /// Close a set (the inverse of `AddSet`).
    RemoveSet { id: String },
    /// Lock or unlock a set against edits.
    SetReadonly { set: String, readonly: bool },
    /// Replace a theme's codebook entry.
    PutCodebook { theme: String, entry: Codebook },
    /// Several changes as one step: all apply or none does.
    Batch(Vec<Command>),
}

/// What a codebook says about a theme; all optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Codebook {
    pub definition: String,
    #[serde(rename = "whenToUse")]
    pub when_to_use: String,
    #[serde(rename = "whenNotToUse")]
    pub when_not_to_use: String,
    pub example: String,
    /// One level of sub-themes: the parent theme's id.
    pub parent: Option<String>,
}

/// The labels of the codebook's text fields, as [`Codebook::summary`]
/// writes them.
const SUMMARY_LABELS: [&str; 4] = [
    "定义 · Definition: ",
    "何时使用 · When to use: ",
    "何时不用 · When not to use: ",
    "示例 · Example: ",
];

impl Codebook {
    pub fn is_empty(&self) -> bool {
        *self == Codebook::default()
    }

    fn fields_mut(&mut self) -> [&mut String; 4] {
        [
            &mut self.definition,
            &mut self.when_to_use,
            &mut self.when_not_to_use,
            &mut self.example,
        ]
    }

    /// The text fields as labelled lines, empty ones left out: what a
    /// theme's tooltip shows and what a REFI-QDA `Description` carries.
    ///
    /// ```
    /// use annotator_core::store::Codebook;
    /// let c = Codebook { definition: "吸引外资".into(), example: "招商引资".into(), ..Default::default() };
    /// assert_eq!(c.summary(), "定义 · Definition: 吸引外资\n示例 · Example: 招商引资");
    /// assert_eq!(Codebook::from_summary(&c.summary()), c);
    /// ```
    pub fn summary(&self) -> String {
        let mut c = self.clone();
        SUMMARY_LABELS
            .iter()
            .zip(c.fields_mut())
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(label, v)| format!("{label}{}", v.trim()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Reads [`Codebook::summary`]'s text back. Lines under a label continue
    /// its field; text before any label (another tool's plain description)
    /// is the definition. The parent is not part of the text.
    pub fn from_summary(text: &str) -> Codebook {
        let mut c = Codebook::default();
        let mut current = 0;
        for line in text.lines() {
            let found = SUMMARY_LABELS
                .iter()
                .position(|l| line.starts_with(l) || line.starts_with(l.trim_end()));
            let rest = match found {
                Some(i) => {
                    current = i;
                    line[SUMMARY_LABELS[i].trim_end().len()..].trim_start()
                }
                None => line,
            };
            let field = c.fields_mut().into_iter().nth(current).expect("four fields");
            if !field.is_empty() {
                field.push('\n');
            }
            field.push_str(rest);
        }
        for f in c.fields_mut() {
            *f = f.trim().to_string();
        }
        c
    }
}

/// Longest codebook field accepted, in chars.
pub const MAX_CODEBOOK_FIELD: usize = 4000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodebookEntry {
    pub entry: Codebook,
    pub stamp: Stamp,
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
}

impl StoreError {
    pub fn message(&self) -> String {
        match self {
            StoreError::UnknownSet(s) => format!("没有这个标注集 · No annotation set {s}"),
            StoreError::ReadOnlySet(s) => format!("{s} 是只读的 · {s} is read-only"),
            StoreError::UnknownTheme(t) => format!("没有这个主题 · No theme {t}"),
            StoreError::InvalidTheme(e) => e.message(),
            StoreError::DuplicateSet(s) => format!("标注集已存在 · Annotation set {s} already exists"),
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
    pub sets: BTreeMap<String, AnnotationSet>,
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
        v.sort_by(|a, b| (a.key.unwrap_or(u8::MAX), &a.id).cmp(&(b.key.unwrap_or(u8::MAX), &b.id)));
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
        self.themes()
            .into_iter()
            .filter(|t| s.has_tag(block, &t.id))
            .map(|t| t.id.clone())
            .collect()
    }

    pub fn note(&self, set: &str, block: &str) -> &str {
        self.sets
            .get(set)
            .and_then(|s| s.notes.get(block))
            .map(|n| n.text.as_str())
            .unwrap_or("")
    }

    /// Number of blocks (among `blocks`) carrying each live theme in a set.
    /// Walks the set's tags once (it runs on every keypress, for the panel).
    pub fn counts<'a>(&self, set: &str, blocks: impl IntoIterator<Item = &'a str>) -> BTreeMap<String, usize> {
        let mut counts: BTreeMap<String, usize> = self.themes().iter().map(|t| (t.id.clone(), 0)).collect();
        let Some(s) = self.sets.get(set) else {
            return counts;
        };
        let blocks: BTreeSet<&str> = blocks.into_iter().collect();
        for ((block, theme), e) in &s.tags {
            if e.present && blocks.contains(block.as_str()) {
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
            .filter(|((_, t), e)| t == theme && e.present)
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
                let key = (block.clone(), theme.clone());
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
                if self.sets.contains_key(&set.id) {
                    return Err(StoreError::DuplicateSet(set.id.clone()));
                }
                let id = set.id.clone();
                self.sets.insert(id.clone(), *set);
                Ok(Command::RemoveSet { id })
            }
            Command::RemoveSet { id } => {
                let set = self.sets.remove(&id).ok_or(StoreError::UnknownSet(id))?;
                Ok(Command::AddSet(Box::new(set)))
            }
            Command::SetReadonly { set, readonly } => {
                let s = self
                    .sets
                    .get_mut(&set)
                    .ok_or_else(|| StoreError::UnknownSet(set.clone()))?;
                let was = s.readonly;
                s.readonly = readonly;
                Ok(Command::SetReadonly { set, readonly: was })
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
            for ((block, theme), e) in set.tags.iter().filter(|(_, e)| e.present) {
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

    /// Folds another replica's store into this one: per item the later stamp
    /// wins. Commutative, associative and idempotent, so tabs converge
    /// whatever order their writes arrive in. Returns whether anything changed.
    pub fn merge(&mut self, other: &Store) -> bool {
        let mut changed = merge_items(&mut self.codebook, &other.codebook, |e| &e.stamp);
        changed |= merge_items(&mut self.themes, &other.themes, |e| &e.stamp);
        for (id, theirs) in &other.sets {
            let ours = self.sets.entry(id.clone()).or_insert_with(|| {
                changed = true;
                AnnotationSet {
                    tags: BTreeMap::new(),
                    notes: BTreeMap::new(),
                    uncoded: BTreeMap::new(),
                    ..theirs.clone()
                }
            });
            changed |= merge_items(&mut ours.tags, &theirs.tags, |e| &e.stamp);
            changed |= merge_items(&mut ours.notes, &theirs.notes, |e| &e.stamp);
            changed |= merge_items(&mut ours.uncoded, &theirs.uncoded, |e| &e.stamp);
        }
        self.clock = self.clock.max(other.clock);
        changed
    }
}

/// Per key, the item with the later stamp wins (ties keep ours: stamps are
/// unique per replica, so equal stamps are the same write). Returns whether
/// anything of theirs was taken.
fn merge_items<K: Ord + Clone, V: Clone>(
    ours: &mut BTreeMap<K, V>,
    theirs: &BTreeMap<K, V>,
    stamp: fn(&V) -> &Stamp,
) -> bool {
    let mut changed = false;
    for (k, t) in theirs {
        match ours.get(k) {
            Some(o) if stamp(o) >= stamp(t) => {}
            _ => {
                ours.insert(k.clone(), t.clone());
                changed = true;
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn store(replica: &str) -> Store {
        Store::new(replica, &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder))
    }

    fn tag(block: &str, theme: &str, present: bool) -> Command {
        Command::Tag {
            set: "me".into(),
            block: block.into(),
            theme: theme.into(),
            present,
            how: TagOrigin::Hand,
            at: 1,
        }
    }

    fn note(block: &str, text: &str) -> Command {
        Command::Note {
            set: "me".into(),
            block: block.into(),
            text: text.into(),
        }
    }

    #[test]
    fn toggling_a_tag_on_codes_a_not_coded_paragraph_in_one_step() {
        let mut a = store("tab-a");
        a.apply(a.toggle_tag("me", "p1", "trade", 1)).unwrap();
        assert_eq!(a.themes_of("me", "p1"), ["trade"]);
        a.apply(Command::Uncoded {
            set: "me".into(),
            block: "p1".into(),
            on: true,
        })
        .unwrap();
        // untagging leaves the mark alone
        a.apply(a.toggle_tag("me", "p1", "trade", 2)).unwrap();
        assert!(a.themes_of("me", "p1").is_empty() && a.sets["me"].is_uncoded("p1"));
        // tagging takes it away, and one undo brings both back
        let inverse = a.apply(a.toggle_tag("me", "p1", "investment", 3)).unwrap();
        assert!(!a.sets["me"].is_uncoded("p1"));
        a.apply(inverse).unwrap();
        assert!(a.sets["me"].is_uncoded("p1") && a.themes_of("me", "p1").is_empty());
    }

    #[test]
    fn sub_themes_stay_one_level_and_merged_loops_do_not_hide_a_theme() {
        let mut a = store("tab-a");
        let parent = |theme: &str, p: &str| Command::PutCodebook {
            theme: theme.into(),
            entry: Codebook {
                parent: Some(p.into()),
                ..Default::default()
            },
        };
        a.apply(parent("trade", "investment")).unwrap();
        assert_eq!(a.top_parent("trade").as_deref(), Some("investment"));
        assert_eq!(a.top_parent("investment"), None);
        assert!(
            a.apply(parent("environment", "trade")).is_err(),
            "not under a sub-theme"
        );
        assert!(
            a.apply(parent("investment", "environment")).is_err(),
            "a parent cannot become a sub-theme"
        );
        // two tabs each set one parent: a loop after merging
        let mut b = store("tab-b");
        b.clock = a.clock;
        b.apply(parent("investment", "trade")).unwrap();
        a.merge(&b);
        assert_eq!(a.top_parent("trade"), None);
        assert_eq!(a.top_parent("investment"), None);
    }

    #[test]
    fn pristine_clears_the_coding_and_one_undo_brings_it_back() {
        let mut a = store("tab-a");
        a.apply(tag("p1", "trade", true)).unwrap();
        a.apply(Command::Note {
            set: "me".into(),
            block: "p1".into(),
            text: "注".into(),
        })
        .unwrap();
        a.apply(Command::Uncoded {
            set: "me".into(),
            block: "p2".into(),
            on: true,
        })
        .unwrap();
        let mut other = AnnotationSet::new("b", "B", "#000000", SetKind::Coder);
        other.readonly = true;
        a.apply(Command::AddSet(Box::new(other))).unwrap();
        let before = a.clone();
        let inverse = a.apply(a.pristine("me")).unwrap();
        assert!(a.themes_of("me", "p1").is_empty() && a.note("me", "p1").is_empty());
        assert!(!a.sets["me"].is_uncoded("p2"));
        assert_eq!(a.sets.keys().collect::<Vec<_>>(), ["me"]);
        assert_eq!(a.themes().len(), before.themes().len(), "themes stay");
        a.apply(inverse).unwrap();
        assert_eq!(a.themes_of("me", "p1"), ["trade"]);
        assert_eq!(a.note("me", "p1"), "注");
        assert!(a.sets["me"].is_uncoded("p2"));
        assert_eq!(a.sets["b"], before.sets["b"]);
    }

    #[test]
    fn a_not_coded_mark_undoes_merges_and_respects_read_only_sets() {
        let mut a = store("tab-a");
        let mark = |on| Command::Uncoded {
            set: "me".into(),
            block: "p1".into(),
            on,
        };
        let inverse = a.apply(mark(true)).unwrap();
        assert!(a.sets["me"].is_uncoded("p1"));
        assert_eq!(
            mark(true).touched(),
            Touched::Blocks(BTreeSet::from(["p1".to_string()]))
        );
        a.apply(inverse).unwrap();
        assert!(!a.sets["me"].is_uncoded("p1"));
        // another tab's later mark wins, and merging twice changes nothing
        let mut b = store("tab-b");
        b.clock = a.clock;
        b.apply(mark(true)).unwrap();
        assert!(a.merge(&b));
        assert!(a.sets["me"].is_uncoded("p1"));
        assert!(!a.merge(&b));
        assert_eq!(a.unmark("me", ["p1", "p2"]), [mark(false)], "only marked blocks");
        assert!(a.unmark("nobody", ["p1"]).is_empty());
        a.sets.get_mut("me").unwrap().readonly = true;
        assert!(matches!(a.apply(mark(false)), Err(StoreError::ReadOnlySet(_))));
    }

    #[test]
    fn toggling_tags_keeps_several_themes_per_block() {
        let mut s = store("a");
        s.apply(tag("b1", "trade", true)).unwrap();
        s.apply(tag("b1", "investment", true)).unwrap();
        assert_eq!(s.themes_of("me", "b1"), ["investment", "trade"]);
        s.apply(tag("b1", "trade", false)).unwrap();
        assert_eq!(s.themes_of("me", "b1"), ["investment"]);
        assert_eq!(s.counts("me", ["b1", "b2"])["investment"], 1);
        assert_eq!(s.counts("me", ["b1", "b2"])["trade"], 0);
    }

    #[test]
    fn every_command_is_undone_by_its_inverse() {
        let mut s = store("a");
        s.apply(tag("b1", "trade", true)).unwrap();
        s.apply(note("b1", "first")).unwrap();
        let user_theme = Theme {
            id: "u-1".into(),
            name_zh: "创新".into(),
            name_en: "".into(),
            color: "#123456".into(),
            key: Some(5),
        };
        let cmds = vec![
            tag("b1", "trade", false),
            tag("b2", "environment", true),
            note("b1", "second"),
            note("b3", "new"),
            Command::PutTheme(user_theme.clone()),
            Command::PutTheme(Theme {
                name_zh: "改名".into(),
                ..builtin_themes()[0].clone()
            }),
            Command::DeleteTheme { id: "trade".into() },
            Command::Batch(vec![tag("b4", "investment", true), note("b4", "n")]),
            Command::AddSet(Box::new(AnnotationSet::new("other", "Li", "#000000", SetKind::Coder))),
            Command::SetReadonly {
                set: "me".into(),
                readonly: true,
            },
        ];
        for cmd in cmds {
            let before = s.clone();
            let inverse = s.apply(cmd.clone()).unwrap();
            assert_ne!(visible(&s), visible(&before), "{cmd:?} changed nothing");
            s.apply(inverse).unwrap();
            assert_eq!(visible(&s), visible(&before), "inverse of {cmd:?}");
        }
    }

    type Visible = (
        Vec<Theme>,
        Vec<(String, String)>,
        Vec<(String, String)>,
        Vec<(String, bool)>,
        Vec<(String, Codebook)>,
    );

    /// What a user sees: live themes, tags and notes (not stamps or tombstones).
    fn visible(s: &Store) -> Visible {
        let set = &s.sets["me"];
        (
            s.themes().into_iter().cloned().collect(),
            set.tags
                .iter()
                .filter(|(_, t)| t.present)
                .map(|(k, _)| k.clone())
                .collect(),
            set.notes
                .iter()
                .filter(|(_, n)| !n.text.is_empty())
                .map(|(k, n)| (k.clone(), n.text.clone()))
                .collect(),
            s.sets.values().map(|x| (x.id.clone(), x.readonly)).collect(),
            s.codebook
                .iter()
                .filter(|(_, e)| !e.entry.is_empty())
                .map(|(k, e)| (k.clone(), e.entry.clone()))
                .collect(),
        )
    }

    #[test]
    fn refused_commands_change_nothing() {
        let mut s = store("a");
        s.apply(tag("b1", "trade", true)).unwrap();
        let before = s.clone();
        assert_eq!(
            s.apply(tag("b1", "nope", true)),
            Err(StoreError::UnknownTheme("nope".into()))
        );
        assert!(matches!(
            s.apply(note("b1", &"字".repeat(MAX_NOTE + 1))),
            Err(StoreError::NoteTooLong(_))
        ));
        let batch = Command::Batch(vec![tag("b2", "trade", true), tag("b3", "missing", true)]);
        assert!(s.apply(batch).is_err());
        assert_eq!(visible(&s), visible(&before));
        s.sets.get_mut("me").unwrap().readonly = true;
        assert!(matches!(
            s.apply(tag("b9", "trade", true)),
            Err(StoreError::ReadOnlySet(_))
        ));
    }

    #[test]
    fn deleting_a_theme_hides_its_tags_and_undo_restores_them() {
        let mut s = store("a");
        s.apply(tag("b1", "trade", true)).unwrap();
        assert_eq!(s.uses_of_theme("trade"), 1);
        let inv = s.apply(Command::DeleteTheme { id: "trade".into() }).unwrap();
        assert!(s.themes_of("me", "b1").is_empty());
        assert!(s.theme_for_key(2).is_none());
        assert_eq!(s.free_key(), Some(2));
        s.apply(inv).unwrap();
        assert_eq!(s.themes_of("me", "b1"), ["trade"]);
    }

    #[test]
    fn concurrent_histories_merge_and_lose_nothing() {
        let mut a = store("tab-a");
        let mut b = store("tab-b");
        a.apply(tag("p1", "trade", true)).unwrap();
        a.apply(note("p1", "from a")).unwrap();
        b.apply(tag("p2", "investment", true)).unwrap();
        b.apply(note("p3", "from b")).unwrap();
        b.apply(Command::PutTheme(Theme {
            id: "u-b".into(),
            name_zh: "新".into(),
            name_en: "new".into(),
            color: "#abcdef".into(),
            key: Some(5),
        }))
        .unwrap();
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(visible(&ab), visible(&ba), "merge is commutative");
        assert_eq!(ab.themes_of("me", "p1"), ["trade"]);
        assert_eq!(ab.themes_of("me", "p2"), ["investment"]);
        assert_eq!(ab.note("me", "p1"), "from a");
        assert_eq!(ab.note("me", "p3"), "from b");
        assert!(ab.theme("u-b").is_some());
        // idempotent
        let again = ab.clone();
        assert!(!ab.merge(&b));
        assert_eq!(ab, again);
    }

    #[test]
    fn a_later_removal_wins_over_an_earlier_tag() {
        let mut a = store("tab-a");
        a.apply(tag("p1", "trade", true)).unwrap();
        let mut b = a.clone();
        b.replica = "tab-b".into();
        b.apply(tag("p1", "trade", false)).unwrap();
        a.merge(&b);
        assert!(a.themes_of("me", "p1").is_empty(), "tombstone kept and merged");
        // the clock moves past what was seen, so the next local change wins
        a.apply(tag("p1", "trade", true)).unwrap();
        b.merge(&a);
        assert_eq!(b.themes_of("me", "p1"), ["trade"]);
    }

    #[test]
    fn equal_clocks_break_ties_by_replica() {
        let mut a = store("tab-a");
        let mut b = store("tab-b");
        a.apply(note("p", "A")).unwrap();
        b.apply(note("p", "B")).unwrap();
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(ab.note("me", "p"), "B");
        assert_eq!(ba.note("me", "p"), "B");
    }
}
