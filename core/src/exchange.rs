//! What an imported file brings, and how it is applied.
//!
//! Every importer (the app's own file, W3C Web Annotation, later REFI-QDA)
//! reads untrusted input into an [`Incoming`]: themes, annotation sets and,
//! when the file carries it, the document's text. Nothing changes until the
//! user has seen the [`Preview`] and chosen a [`Mode`]; [`plan`] then turns
//! the choice into one [`Command::Batch`], applied whole through the
//! history, so every import can be undone.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use crate::document::Document;
use crate::store::{AnnotationSet, Command, SetKind, Status, Store, TagKey, TagOrigin};
use crate::terms::TermSettings;
use crate::themes::Theme;

/// Largest import file accepted, in bytes (checked before reading).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// One tag read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingTag {
    pub block: String,
    pub theme: String,
    /// Seconds since the epoch.
    pub at: u64,
    pub how: TagOrigin,
}

/// One coder's (or the consensus) annotations read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingSet {
    pub id: String,
    pub name: String,
    pub color: String,
    pub kind: SetKind,
    pub tags: Vec<IncomingTag>,
    /// Block id → note.
    pub notes: BTreeMap<String, String>,
    /// Blocks the coder marked as not coded.
    pub uncoded: BTreeSet<String>,
    /// The coder's status on the document, when the file carries one;
    /// `None`: derived from the set's items once imported
    /// ([`AnnotationSet::status`]).
    pub status: Option<Status>,
}

/// The document a file was made for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IncomingDocument {
    pub fingerprint: String,
    pub title: Option<String>,
    pub date: Option<String>,
    /// The full text, when the file carries it.
    pub text: Option<String>,
}

/// Everything a file brings, validated: ids are unique, every tag names a
/// theme the file defines or the app has, every string is within bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// Which format it was read as (shown to the user).
    pub format: &'static str,
    pub annotator: Option<String>,
    /// As written in the file (ISO 8601).
    pub exported_at: Option<String>,
    pub app: Option<String>,
    pub document: IncomingDocument,
    pub themes: Vec<Theme>,
    /// Codebook entries by theme id (files without a codebook still import).
    pub codebook: BTreeMap<String, crate::store::Codebook>,
    pub sets: Vec<IncomingSet>,
    /// Key-term settings and curation (the app's own file only).
    pub terms: Option<TermSettings>,
}

/// Why a file cannot be imported, with the message the user sees. A file
/// that fails changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportError {
    Empty,
    TooLarge(usize),
    NotUtf8,
    NotJson(String),
    TooDeep,
    NotAnObject,
    UnknownFormat(String),
    NewerVersion {
        found: u64,
        supported: u64,
    },
    Missing(String),
    WrongType {
        field: String,
        expected: &'static str,
    },
    TooLong {
        field: String,
        limit: usize,
    },
    DuplicateId(String),
    UnknownTheme(String),
    InvalidTheme {
        id: String,
        reason: String,
    },
    Nothing,
    /// Not a zip archive (a `.qdpx` project is one).
    NotZip(String),
    /// An archive that unpacks to more than the limit, or to more than it declares.
    ArchiveTooLarge(u64),
    TooManyEntries(usize),
    /// An archive entry named with `..` or an absolute path.
    UnsafePath(String),
    /// A file the archive must hold.
    MissingEntry(String),
    NotXml(String),
    /// XML with a DOCTYPE or entity declarations (refused: no entity expansion).
    Doctype,
    /// A position outside the text, or a range that ends before it starts.
    OutOfRange(String),
    /// Annotations without a tag or a comment (highlights, bookmarks, links):
    /// how many, and the first few sources they target.
    OnlyHighlights {
        count: usize,
        sources: Vec<String>,
    },
    /// JSON of another known kind: what it is (e.g. "Hypothesis JSON").
    Foreign(&'static str),
    /// The library document an import goes to has stored annotations that
    /// cannot be read (opening it backs them up and recovers what it can).
    StoredUnreadable,
    /// The store refused the planned change (its message).
    Refused(String),
}

impl ImportError {
    pub fn message(&self) -> String {
        match self {
            ImportError::Empty => "文件是空的 · The file is empty".into(),
            ImportError::TooLarge(n) => format!(
                "文件过大（{:.1} MB，上限 {} MB） · The file is too large ({:.1} MB; the limit is {} MB)",
                *n as f64 / 1e6,
                MAX_IMPORT_BYTES / (1024 * 1024),
                *n as f64 / 1e6,
                MAX_IMPORT_BYTES / (1024 * 1024)
            ),
            ImportError::NotUtf8 => "文件不是 UTF-8 文本 · The file is not UTF-8 text".into(),
            ImportError::NotJson(e) => format!("文件不是有效的 JSON（可能被截断） · The file is not valid JSON (truncated?): {e}"),
            ImportError::TooDeep => "文件嵌套过深 · The file is nested too deeply".into(),
            ImportError::NotAnObject => "文件内容不是标注文件 · The file does not hold annotations".into(),
            ImportError::UnknownFormat(t) => format!("不认识的文件类型「{t}」 · Unknown file type «{t}»"),
            ImportError::NewerVersion { found, supported } => format!(
                "文件来自更新的版本（格式 {found}，本应用读到 {supported}），请更新本应用 · The file comes from a newer version (format {found}; this app reads up to {supported})"
            ),
            ImportError::Missing(f) => format!("缺少字段 {f} · Missing field {f}"),
            ImportError::WrongType { field, expected } => format!("字段 {field} 应为 {expected} · Field {field} should be {expected}"),
            ImportError::TooLong { field, limit } => format!("字段 {field} 过长（上限 {limit}） · Field {field} is too long (limit {limit})"),
            ImportError::DuplicateId(id) => format!("编号重复：{id} · Duplicate id: {id}"),
            ImportError::UnknownTheme(id) => format!("标签引用了未定义的主题 {id} · A tag refers to an undefined theme {id}"),
            ImportError::InvalidTheme { id, reason } => format!("主题 {id} 无效：{reason} · Theme {id} is invalid: {reason}"),
            ImportError::Nothing => "文件里没有标注 · The file holds no annotations".into(),
            ImportError::NotZip(e) => format!("文件不是 zip 压缩包（.qdpx 应为 zip） · The file is not a zip archive (a .qdpx is one): {e}"),
            ImportError::ArchiveTooLarge(limit) => format!(
                "压缩包解压后过大或与声明不符（上限 {} MB） · The archive unpacks to too much, or to more than it declares (limit {} MB)",
                limit / (1024 * 1024),
                limit / (1024 * 1024)
            ),
            ImportError::TooManyEntries(limit) => format!("压缩包内文件过多（上限 {limit}） · The archive holds too many files (limit {limit})"),
            ImportError::UnsafePath(p) => format!("压缩包含有不安全的路径「{p}」 · The archive holds an unsafe path «{p}»"),
            ImportError::MissingEntry(p) => format!("压缩包里缺少 {p} · The archive lacks {p}"),
            ImportError::NotXml(e) => format!("文件不是有效的 XML · The file is not valid XML: {e}"),
            ImportError::Doctype => "XML 含有 DOCTYPE 或实体声明，已拒绝 · The XML has a DOCTYPE or entity declarations, which are refused".into(),
            ImportError::OutOfRange(what) => format!("位置超出文本范围：{what} · A position is outside the text: {what}"),
            ImportError::OnlyHighlights { count, sources } => {
                let target = if sources.is_empty() {
                    "—".to_string()
                } else {
                    sources.join(", ")
                };
                format!(
                    "文件里有 {count} 条标注，但都没有标签或评论（只是高亮或链接），目标：{target} · \
                     The file holds {count} annotations without a tag or a comment (highlights or links), targeting {target}"
                )
            }
            ImportError::StoredUnreadable => "这份文档已保存的标注无法读取，未导入：请先打开它（会备份并恢复） · This document's saved annotations cannot be read, so nothing was imported into it: open it first (that backs them up and recovers them)".into(),
            ImportError::Refused(why) => format!("导入被拒绝：{why} · The import was refused: {why}"),
            ImportError::Foreign(what) => format!(
                "这是 {what}，不是 W3C Web Annotation 或本应用的标注文件 · This is {what}, not W3C Web Annotation or this app's annotation file"
            ),
        }
    }
}

/// Maps serde_json's parse errors to what the user should hear.
pub fn json_error(e: serde_json::Error) -> ImportError {
    let text = e.to_string();
    if text.contains("recursion limit") {
        ImportError::TooDeep
    } else {
        ImportError::NotJson(text.chars().take(160).collect())
    }
}

/// How an import changes the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Union of tags into the user's own set; notes from both, marked by author.
    Merge,
    /// The user's own tags and notes become the file's.
    Replace,
    /// The file's sets open beside the user's, read-only.
    SideBySide,
}

/// What the user sees before choosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub format: &'static str,
    pub annotator: Option<String>,
    pub exported_at: Option<String>,
    pub title: Option<String>,
    pub sets: usize,
    pub tags: usize,
    pub notes: usize,
    pub new_themes: Vec<String>,
    /// The file was made for the open document.
    pub same_document: bool,
    /// The file carries its document's text (so it can be opened).
    pub has_text: bool,
    /// Blocks the file annotates that the open document has.
    pub matched_blocks: usize,
    /// Blocks it annotates that the open document lacks: never attached elsewhere.
    pub unmatched_blocks: usize,
    /// New themes (of `new_themes`) that no tag of the file uses: an import
    /// can leave them out ([`Incoming::without_unused_themes`]).
    pub unused_themes: usize,
}

/// What a planned import applies, counted from its command (not from what
/// the file held): themes added, tags set, notes written, sets opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    pub themes: usize,
    pub tags: usize,
    pub notes: usize,
    pub sets: usize,
}

impl Applied {
    /// Counts the commands of `cmd` (a [`Command::Batch`] or one command).
    pub fn of(cmd: &Command) -> Applied {
        let mut a = Applied::default();
        a.count(cmd);
        a
    }

    fn count(&mut self, cmd: &Command) {
        match cmd {
            Command::Batch(cmds) => cmds.iter().for_each(|c| self.count(c)),
            Command::PutTheme(_) => self.themes += 1,
            Command::Tag { present: true, .. } => self.tags += 1,
            Command::Note { text, .. } if !text.is_empty() => self.notes += 1,
            Command::AddSet(_) => self.sets += 1,
            _ => {}
        }
    }

    /// The ids of the themes `cmd` adds or changes ([`Command::PutTheme`]),
    /// so that imports into several documents count each theme once.
    pub fn theme_ids(cmd: &Command) -> BTreeSet<String> {
        match cmd {
            Command::Batch(cmds) => cmds.iter().flat_map(Applied::theme_ids).collect(),
            Command::PutTheme(t) => BTreeSet::from([t.id.clone()]),
            _ => BTreeSet::new(),
        }
    }

    /// Adds another import's counts.
    pub fn add(&mut self, other: Applied) {
        self.themes += other.themes;
        self.tags += other.tags;
        self.notes += other.notes;
        self.sets += other.sets;
    }

    /// "3 主题 themes, 12 标签 tags, 2 笔记 notes", for a notice.
    pub fn summary(&self) -> String {
        format!(
            "{} 标签 tags, {} 笔记 notes, {} 新主题 new themes",
            self.tags, self.notes, self.themes
        )
    }
}

impl Incoming {
    /// An import of `format` for the document `fingerprint` that brings
    /// nothing yet: no themes, codebook, sets or term settings.
    pub fn new(format: &'static str, fingerprint: &str) -> Incoming {
        Incoming {
            format,
            annotator: None,
            exported_at: None,
            app: None,
            document: IncomingDocument {
                fingerprint: fingerprint.into(),
                ..Default::default()
            },
            themes: Vec::new(),
            codebook: BTreeMap::new(),
            sets: Vec::new(),
            terms: None,
        }
    }

    /// Ids of the file's themes that `store` lacks and that no tag of the
    /// file uses, nor any sub-theme of theirs that a tag uses.
    pub fn unused_themes(&self, store: &Store) -> BTreeSet<String> {
        let used: BTreeSet<&str> = self
            .sets
            .iter()
            .flat_map(|s| &s.tags)
            .map(|t| t.theme.as_str())
            .collect();
        let parents: BTreeSet<&str> = used
            .iter()
            .filter_map(|t| self.codebook.get(*t).and_then(|c| c.parent.as_deref()))
            .collect();
        self.themes
            .iter()
            .filter(|t| store.theme(&t.id).is_none())
            .filter(|t| !used.contains(t.id.as_str()) && !parents.contains(t.id.as_str()))
            .map(|t| t.id.clone())
            .collect()
    }

    /// The import without the themes [`Incoming::unused_themes`] names
    /// (and their codebook entries).
    pub fn without_unused_themes(&self, store: &Store) -> Incoming {
        let unused = self.unused_themes(store);
        let mut out = self.clone();
        out.themes.retain(|t| !unused.contains(&t.id));
        out.codebook.retain(|id, _| !unused.contains(id));
        out
    }

    fn blocks(&self) -> BTreeSet<&str> {
        self.sets
            .iter()
            .flat_map(|s| {
                s.tags
                    .iter()
                    .map(|t| t.block.as_str())
                    .chain(s.notes.keys().map(String::as_str))
            })
            .collect()
    }

    pub fn preview(&self, doc: &Document, store: &Store) -> Preview {
        let blocks = self.blocks();
        let ids = block_ids(doc);
        let matched = blocks.iter().filter(|b| ids.contains(*b)).count();
        Preview {
            format: self.format,
            annotator: self.annotator.clone(),
            exported_at: self.exported_at.clone(),
            title: self.document.title.clone(),
            sets: self.sets.len(),
            tags: self.sets.iter().map(|s| s.tags.len()).sum(),
            notes: self
                .sets
                .iter()
                .map(|s| s.notes.values().filter(|n| !n.is_empty()).count())
                .sum(),
            new_themes: self
                .themes
                .iter()
                .filter(|t| store.theme(&t.id).is_none())
                .map(|t| t.label())
                .collect(),
            same_document: self.document.fingerprint == doc.fingerprint,
            has_text: self.document.text.is_some(),
            matched_blocks: matched,
            unmatched_blocks: blocks.len() - matched,
            unused_themes: self.unused_themes(store).len(),
        }
    }
}

/// The ids of a document's blocks, for lookups by id (a long document has
/// thousands: a scan per lookup would be quadratic).
fn block_ids(doc: &Document) -> HashSet<&str> {
    doc.blocks.iter().map(|b| b.id.as_str()).collect()
}

/// Turns an import into one command on `store` for `doc`: tags and notes on
/// blocks the document lacks are left out (the preview reported them).
/// `own` is the user's set; `now` stamps new tags (seconds).
pub fn plan(incoming: &Incoming, mode: Mode, doc: &Document, store: &Store, own: &str) -> Command {
    let mut cmds = Vec::new();
    for t in &incoming.themes {
        // A theme the store lacks is added; a built-in theme nobody here has
        // edited (stamp 0) takes the file's names, colour and key, so a
        // colleague's renamed or re-keyed built-in arrives as they left it.
        // A theme edited here is never overwritten.
        let untouched = store
            .themes
            .get(&t.id)
            .is_some_and(|e| !e.deleted && e.stamp == Default::default() && e.theme != *t);
        if store.theme(&t.id).is_none() || untouched {
            let mut t = t.clone();
            // Keep keys unique: a clashing key is dropped, the theme kept.
            if t.key
                .is_some_and(|k| store.theme_for_key(k).is_some_and(|o| o.id != t.id))
            {
                t.key = None;
            }
            cmds.push(Command::PutTheme(t));
        }
    }
    // Codebook entries fill in themes that have none here: a merge never
    // overwrites a coder's own notes on a theme; a replace takes the file's.
    for (theme, entry) in &incoming.codebook {
        let exists = store.theme(theme).is_some() || incoming.themes.iter().any(|t| &t.id == theme);
        let wanted = mode == Mode::Replace || store.codebook(theme).is_empty();
        if exists && wanted && !entry.is_empty() && store.codebook(theme) != *entry {
            cmds.push(Command::PutCodebook {
                theme: theme.clone(),
                entry: entry.clone(),
            });
        }
    }
    let ids = block_ids(doc);
    let known = |b: &str| ids.contains(b);
    match mode {
        Mode::SideBySide => {
            for s in &incoming.sets {
                // The same coder's file again (a coder is their id, made at
                // random per profile, whatever they call themselves now):
                // their open set becomes what the file holds, name included.
                if let Some(open) = store.sets.get(&s.id).filter(|x| x.id != own && x.kind == s.kind) {
                    cmds.extend(refresh_set(open, s, &known));
                    continue;
                }
                // A closed set's id is taken back (the set reopens); an open one's is not.
                let mut id = s.id.clone();
                while id == own || store.sets.contains_key(&id) {
                    id.push_str("-2");
                }
                let set = AnnotationSet::new(&id, &s.name, &s.color, s.kind);
                cmds.push(Command::AddSet(Box::new(set)));
                // Tags and notes go in while the set is still being built.
                for t in s.tags.iter().filter(|t| known(&t.block)) {
                    cmds.push(Command::Tag {
                        set: id.clone(),
                        block: t.block.clone(),
                        theme: t.theme.clone(),
                        present: true,
                        how: t.how,
                        at: t.at,
                    });
                }
                for (b, n) in s.notes.iter().filter(|(b, n)| known(b) && !n.is_empty()) {
                    cmds.push(Command::Note {
                        set: id.clone(),
                        block: b.clone(),
                        text: n.clone(),
                    });
                }
                for b in s.uncoded.iter().filter(|b| known(b)) {
                    cmds.push(Command::Uncoded {
                        set: id.clone(),
                        block: b.clone(),
                        on: true,
                    });
                }
                if s.status.is_some() {
                    cmds.push(Command::SetStatus {
                        set: id.clone(),
                        status: s.status,
                    });
                }
                // Other coders are read-only; a consensus that becomes this
                // document's consensus set stays open for adjudication.
                if !(s.kind == SetKind::Consensus && id == crate::compare::CONSENSUS) {
                    cmds.push(Command::SetReadonly {
                        set: id,
                        readonly: true,
                    });
                }
            }
        }
        Mode::Merge | Mode::Replace => {
            // (block, theme) → when and how the file's coder tagged it.
            let mut wanted: BTreeMap<(String, String), (u64, TagOrigin)> = BTreeMap::new();
            let mut notes: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
            for s in &incoming.sets {
                for t in s.tags.iter().filter(|t| known(&t.block)) {
                    wanted.insert((t.block.clone(), t.theme.clone()), (t.at, t.how));
                }
                for (b, n) in s.notes.iter().filter(|(b, n)| known(b) && !n.trim().is_empty()) {
                    notes.entry(b.clone()).or_default().push((s.name.clone(), n.clone()));
                }
            }
            let mine = store.sets.get(own);
            let has = |b: &str, t: &str| mine.is_some_and(|s| s.has_tag(b, t));
            if mode == Mode::Replace {
                if let Some(s) = mine {
                    for (TagKey { block: b, theme: t }, e) in &s.tags {
                        if e.present && !wanted.contains_key(&(b.clone(), t.clone())) {
                            cmds.push(tag(own, b, t, false, (e.at, e.how)));
                        }
                    }
                    for b in s.notes.keys() {
                        if !notes.contains_key(b) && !store.note(own, b).is_empty() {
                            cmds.push(Command::Note {
                                set: own.into(),
                                block: b.clone(),
                                text: String::new(),
                            });
                        }
                    }
                }
            }
            for ((b, t), origin) in &wanted {
                if !has(b, t) {
                    cmds.push(tag(own, b, t, true, *origin));
                }
            }
            // Not-coded marks: a replace takes the file's; a merge adds a mark
            // only where nobody gave the paragraph a theme.
            let marked: BTreeSet<&String> = incoming
                .sets
                .iter()
                .flat_map(|s| &s.uncoded)
                .filter(|b| known(b))
                .collect();
            let is_marked = |b: &str| mine.is_some_and(|s| s.is_uncoded(b));
            if mode == Mode::Replace {
                for b in mine.iter().flat_map(|s| s.uncoded.keys()) {
                    if is_marked(b) && !marked.contains(b) {
                        cmds.push(Command::Uncoded {
                            set: own.into(),
                            block: b.clone(),
                            on: false,
                        });
                    }
                }
            }
            for b in &marked {
                let tagged_in_file = wanted.keys().any(|(wb, _)| wb == *b);
                let tagged_here = mine.is_some_and(|s| s.tags.iter().any(|(k, e)| k.block == **b && e.present));
                let take = mode == Mode::Replace || (!tagged_here && !tagged_in_file);
                if !is_marked(b) && take {
                    cmds.push(Command::Uncoded {
                        set: own.into(),
                        block: (*b).clone(),
                        on: true,
                    });
                }
            }
            // A paragraph the file gives a theme is coded now: our mark goes.
            if mode == Mode::Merge {
                let tagged: BTreeSet<&String> = wanted.keys().map(|(b, _)| b).collect();
                for b in tagged.into_iter().filter(|b| is_marked(b) && !marked.contains(b)) {
                    cmds.push(Command::Uncoded {
                        set: own.into(),
                        block: b.clone(),
                        on: false,
                    });
                }
            }
            // A replace takes the coder's status when the file holds one
            // coder; a merge keeps the user's own.
            if let ([one], Mode::Replace) = (&incoming.sets[..], mode) {
                if one.kind == SetKind::Coder && mine.is_some_and(|m| m.status != one.status) {
                    cmds.push(Command::SetStatus {
                        set: own.into(),
                        status: one.status,
                    });
                }
            }
            let single = incoming.sets.len() == 1;
            for (b, theirs) in notes {
                let text = match mode {
                    // The file's notes become the user's own: unmarked when one author wrote them.
                    Mode::Replace if single => theirs[0].1.clone(),
                    Mode::Replace => fold_notes("", &theirs),
                    _ => fold_notes(store.note(own, &b), &theirs),
                };
                if text != store.note(own, &b) {
                    cmds.push(Command::Note {
                        set: own.into(),
                        block: b,
                        text,
                    });
                }
            }
        }
    }
    Command::Batch(cmds)
}

/// The commands that make an open set hold what an incoming set holds (on
/// the blocks `known` accepts): tags, notes and not-coded marks added or
/// taken away, its status, name and colour taken, a read-only set unlocked
/// for the step and locked again.
fn refresh_set(open: &AnnotationSet, s: &IncomingSet, known: &dyn Fn(&str) -> bool) -> Vec<Command> {
    let id = open.id.as_str();
    let mut cmds = Vec::new();
    let wanted: BTreeMap<(&str, &str), &IncomingTag> = s
        .tags
        .iter()
        .filter(|t| known(&t.block))
        .map(|t| ((t.block.as_str(), t.theme.as_str()), t))
        .collect();
    for (k, e) in open.tags.iter().filter(|(_, e)| e.present) {
        if !wanted.contains_key(&(k.block.as_str(), k.theme.as_str())) {
            cmds.push(tag(id, &k.block, &k.theme, false, (e.at, e.how)));
        }
    }
    for ((b, t), x) in &wanted {
        if !open.has_tag(b, t) {
            cmds.push(tag(id, b, t, true, (x.at, x.how)));
        }
    }
    let notes: BTreeMap<&str, &str> = s
        .notes
        .iter()
        .filter(|(b, n)| known(b) && !n.is_empty())
        .map(|(b, n)| (b.as_str(), n.as_str()))
        .collect();
    for (b, n) in open.notes.iter().filter(|(_, n)| !n.text.is_empty()) {
        if !notes.contains_key(b.as_str()) {
            cmds.push(Command::Note {
                set: id.into(),
                block: b.clone(),
                text: String::new(),
            });
        } else if notes[b.as_str()] != n.text {
            cmds.push(Command::Note {
                set: id.into(),
                block: b.clone(),
                text: notes[b.as_str()].into(),
            });
        }
    }
    for (b, n) in &notes {
        if !open.notes.contains_key(*b) {
            cmds.push(Command::Note {
                set: id.into(),
                block: (*b).into(),
                text: (*n).into(),
            });
        }
    }
    let marked: BTreeSet<&str> = s.uncoded.iter().map(String::as_str).filter(|b| known(b)).collect();
    for b in open.uncoded.keys() {
        if open.is_uncoded(b) != marked.contains(b.as_str()) {
            cmds.push(Command::Uncoded {
                set: id.into(),
                block: b.clone(),
                on: !open.is_uncoded(b),
            });
        }
    }
    for b in marked.iter().filter(|b| !open.uncoded.contains_key(**b)) {
        cmds.push(Command::Uncoded {
            set: id.into(),
            block: (*b).into(),
            on: true,
        });
    }
    if open.status != s.status {
        cmds.push(Command::SetStatus {
            set: id.into(),
            status: s.status,
        });
    }
    // A name a coder could not have typed here (over the limit) is left.
    let fits = (1..=crate::themes::MAX_NAME).contains(&crate::text::char_len(s.name.trim()));
    if (open.name != s.name.trim() || open.color != s.color) && fits && crate::themes::is_hex_color(&s.color) {
        cmds.push(Command::SetInfo {
            set: id.into(),
            name: s.name.clone(),
            color: s.color.clone(),
        });
    }
    if open.readonly && !cmds.is_empty() {
        cmds.insert(
            0,
            Command::SetReadonly {
                set: id.into(),
                readonly: false,
            },
        );
        cmds.push(Command::SetReadonly {
            set: id.into(),
            readonly: true,
        });
    }
    cmds
}

/// The key-term settings an import leaves the document with, or `None` if
/// they do not change: a replace takes the file's; a merge keeps the user's
/// settings and adds the file's curation (a term the user pinned is never
/// dropped by a colleague's file); side by side leaves them alone.
pub fn merge_terms(mine: &TermSettings, theirs: Option<&TermSettings>, mode: Mode) -> Option<TermSettings> {
    let theirs = theirs?;
    let next = match mode {
        Mode::SideBySide => return None,
        Mode::Replace => theirs.clone(),
        Mode::Merge => {
            let mut t = mine.clone();
            let union = |a: &mut Vec<String>, b: &[String]| {
                for x in b {
                    if !a.contains(x) {
                        a.push(x.clone());
                    }
                }
            };
            union(&mut t.curation.added, &theirs.curation.added);
            union(&mut t.curation.pinned, &theirs.curation.pinned);
            let keep: Vec<String> = theirs
                .curation
                .dropped
                .iter()
                .filter(|d| !mine.curation.pinned.contains(d) && !mine.curation.added.contains(d))
                .cloned()
                .collect();
            union(&mut t.curation.dropped, &keep);
            let dropped = t.curation.dropped.clone();
            t.curation.pinned.retain(|p| !dropped.contains(p));
            t
        }
    };
    (next != *mine).then_some(next)
}

fn tag(set: &str, block: &str, theme: &str, present: bool, (at, how): (u64, TagOrigin)) -> Command {
    Command::Tag {
        set: set.into(),
        block: block.into(),
        theme: theme.into(),
        present,
        how,
        at,
    }
}

/// Notes from several authors in one: each incoming note marked with its
/// author, a note already present (as is, or marked) folded away.
///
/// ```
/// use annotator_core::exchange::fold_notes;
/// let mine = "我的看法";
/// let merged = fold_notes(mine, &[("Li".into(), "另一种看法".into()), ("Wang".into(), "我的看法".into())]);
/// assert_eq!(merged, "我的看法\n— Li: 另一种看法");
/// assert_eq!(fold_notes(&merged, &[("Li".into(), "另一种看法".into())]), merged);
/// ```
pub fn fold_notes(current: &str, incoming: &[(String, String)]) -> String {
    let mut lines: Vec<String> = if current.is_empty() {
        Vec::new()
    } else {
        vec![current.to_string()]
    };
    for (author, text) in incoming {
        let text = text.trim();
        let marked = format!("— {author}: {text}");
        let present = lines
            .iter()
            .any(|l| l.split('\n').any(|x| x.trim() == text || x.trim() == marked));
        if !present {
            lines.push(marked);
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests;
