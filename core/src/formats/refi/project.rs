//! Reading REFI-QDA 1.0 projects (`.qdpx`, <https://www.qdasoftware.org>):
//! every source with its selections, the codebook, the users and notes,
//! read once into a [`Project`]; [`Project::incoming`] maps one source onto
//! a document.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::archive::Archive;
use super::codebook::{known_codes, read_codes, split_codes, CodeDepth};
use super::guid::normalize_guid;
use super::positions::{decide_unit, OffsetUnit, UnitBasis, Utf16Map};
use super::xml::{parse_xml, unique_guids, El};
use crate::document::Document;
use crate::exchange::{ImportError, Incoming};
use crate::store::{Codebook, Status, Store, MAX_NOTE};
use crate::text::char_len;
use crate::themes::Theme;

/// What kind of source a project holds (REFI-QDA 1.0 `TextSource`,
/// `PDFSource`, `PictureSource`, `AudioSource`, `VideoSource`). Only text
/// sources are imported; the others are counted and named in the preview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SourceKind {
    Text,
    Pdf,
    Picture,
    Audio,
    Video,
}

impl SourceKind {
    /// The source element's local name → its kind.
    fn of_element(name: &str) -> Option<SourceKind> {
        Some(match name {
            "TextSource" => SourceKind::Text,
            "PDFSource" => SourceKind::Pdf,
            "PictureSource" => SourceKind::Picture,
            "AudioSource" => SourceKind::Audio,
            "VideoSource" => SourceKind::Video,
            _ => return None,
        })
    }

    /// The value of the page's `data-kind` hook: `text`, `pdf`, `picture`,
    /// `audio` or `video`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Text => "text",
            SourceKind::Pdf => "pdf",
            SourceKind::Picture => "picture",
            SourceKind::Audio => "audio",
            SourceKind::Video => "video",
        }
    }

    /// The kind's name in Chinese and English.
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Text => "文本 · text",
            SourceKind::Pdf => "PDF",
            SourceKind::Picture => "图片 · picture",
            SourceKind::Audio => "音频 · audio",
            SourceKind::Video => "视频 · video",
        }
    }
}

/// One coding of a selection: who, when (seconds since the Unix epoch, 0
/// when the file gives no time) and the theme ids of its codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SelectionCoding {
    pub(super) user: Option<String>,
    pub(super) at: u64,
    pub(super) themes: Vec<String>,
}

/// A `PlainTextSelection` read: its range in chars of the source's text
/// (end exclusive, already converted from the project's unit), its user,
/// its codings and the texts of the notes it points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Selection {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) user: Option<String>,
    pub(super) codings: Vec<SelectionCoding>,
    pub(super) notes: Vec<String>,
}

/// One source of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSource {
    /// The source's GUID, normalised (lower case, no braces).
    pub guid: String,
    /// Its `name` (up to 500 chars), or the file name of its text.
    pub name: String,
    pub kind: SourceKind,
    /// `Coding` elements in the source (of every selection kind).
    pub codings: usize,
    /// Names of the users whose codings it holds, sorted.
    pub coders: Vec<String>,
    /// A text source's plain text (a leading BOM dropped), when the archive
    /// holds it or the source carries it inline; `None` for other kinds and
    /// for a text the archive lacks.
    pub text: Option<String>,
    /// Length of the text in chars (0 without one).
    pub chars: usize,
    /// Fingerprint of the text parsed as a document ([`Document::parse`]),
    /// which is the library's key for it.
    pub fingerprint: Option<String>,
    pub(super) selections: Vec<Selection>,
    /// Coders' statuses on the source (their status notes): user GUID →
    /// status.
    pub(super) statuses: HashMap<String, Status>,
}

/// A REFI-QDA project read whole: its sources, codebook and users, and the
/// unit its positions count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// The project's `name`, up to 200 chars.
    pub name: Option<String>,
    /// The producer the project names in `origin` (e.g. "NVivo 12"), up to 100 chars.
    pub origin: Option<String>,
    /// `creationDateTime` as written (ISO 8601), up to 60 chars.
    pub created: Option<String>,
    /// The name of the project's `creatingUser`.
    pub annotator: Option<String>,
    /// The unit the positions were read in, and why.
    pub unit: OffsetUnit,
    pub unit_basis: UnitBasis,
    pub sources: Vec<ProjectSource>,
    /// Every code, as a theme, in the file's order.
    pub themes: Vec<Theme>,
    pub codebook: BTreeMap<String, Codebook>,
    /// How deep codes nest, and which were flattened to the one level of
    /// sub-themes the app keeps.
    pub depth: CodeDepth,
    /// User names, in the file's order.
    pub users: Vec<String>,
    /// Where the file departs from REFI-QDA 1.0 and was read leniently, or
    /// holds what the app does not import (each a message in Chinese and
    /// English); empty for a file the schema accepts and the app reads whole.
    pub lenient: Vec<String>,
    pub(super) users_by_guid: HashMap<String, String>,
    /// User GUID → the coder id its `User@id` gives.
    pub(super) user_ids: HashMap<String, String>,
    /// User GUID → colour, from the project's `Description`.
    pub(super) colours: HashMap<String, String>,
}

/// The users of a project: their names in the file's order, and
/// normalised GUID → name (trimmed, up to 200 chars), and normalised GUID
/// → `id` (trimmed, 1–100 chars without white space inside).
///
/// # Errors
/// [`ImportError::TooLong`] for a longer name, what [`El::guid`] refuses.
#[allow(clippy::type_complexity)]
fn read_users(root: El) -> Result<(Vec<String>, HashMap<String, String>, HashMap<String, String>), ImportError> {
    let mut users = HashMap::new();
    let mut ids = HashMap::new();
    let mut names = Vec::new();
    for u in root.child("Users").into_iter().flat_map(|u| u.all("User")) {
        let name = u.attr("name").unwrap_or("").trim();
        if char_len(name) > 200 {
            return Err(ImportError::TooLong {
                field: "User@name".into(),
                limit: 200,
            });
        }
        let guid = u.guid()?;
        let id = u.attr("id").map(str::trim).unwrap_or("");
        if (1..=100).contains(&char_len(id)) && !id.contains(char::is_whitespace) {
            ids.insert(guid.clone(), id.to_string());
        }
        users.insert(guid, name.to_string());
        names.push(name.to_string());
    }
    Ok((names, users, ids))
}

/// The notes of a project: normalised GUID → plain text.
///
/// # Errors
/// [`ImportError::TooLong`] for a note over [`MAX_NOTE`] chars, what
/// [`El::guid`] refuses.
fn read_notes<'a>(root: El<'a, '_>) -> Result<HashMap<String, Cow<'a, str>>, ImportError> {
    let mut notes = HashMap::new();
    for n in root.child("Notes").into_iter().flat_map(|n| n.all("Note")) {
        let text = n.child("PlainTextContent").map(|c| c.text()).unwrap_or_default();
        if char_len(&text) > MAX_NOTE {
            return Err(ImportError::TooLong {
                field: "Note".into(),
                limit: MAX_NOTE,
            });
        }
        notes.insert(n.guid()?, text);
    }
    Ok(notes)
}

/// A selection's positions as written, before the unit is known.
struct RawSelection {
    guid: String,
    start: usize,
    end: usize,
    user: Option<String>,
    codings: Vec<SelectionCoding>,
    notes: Vec<String>,
}

/// The text of a `TextSource`: inline (`PlainTextContent`) or the archive
/// entry its `plainTextPath` names (`internal://x.txt` → `Sources/x.txt`; a
/// bare `x.txt`, as qc writes, → `Sources/x.txt` or `x.txt`, any case).
/// `relative://` and `absolute://` paths are outside the archive: `None`.
///
/// # Errors
/// What reading the entry refuses; [`ImportError::NotUtf8`] for a text
/// that is not UTF-8.
fn source_text(archive: &mut Archive, s: El) -> Result<Option<String>, ImportError> {
    if let Some(inline) = s.child("PlainTextContent") {
        return Ok(Some(inline.text().into_owned()));
    }
    let path = s.attr("plainTextPath").unwrap_or("");
    let file = match path.split_once("://") {
        Some(("internal", f)) => f,
        Some(_) => return Ok(None),
        None if !path.is_empty() => path,
        None => return Ok(None),
    };
    let Some(i) = archive.find(&format!("Sources/{file}")).or_else(|| archive.find(file)) else {
        return Ok(None);
    };
    let bytes = archive.read(i)?;
    let text = String::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    Ok(Some(text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text)))
}

/// Reads the `PlainTextSelection`s of a text source, positions as written.
///
/// # Errors
/// [`ImportError::Missing`] / [`ImportError::WrongType`] for a missing or
/// malformed GUID or position, [`ImportError::OutOfRange`] for a selection
/// ending before it starts, [`ImportError::UnknownTheme`] for a `CodeRef`
/// to no code.
fn read_selections(
    source: El,
    theme_of: &HashMap<String, String>,
    notes: &HashMap<String, Cow<str>>,
) -> Result<Vec<RawSelection>, ImportError> {
    let mut out = Vec::new();
    for sel in source.all("PlainTextSelection") {
        let g = sel.guid()?;
        let pos = |k: &str| -> Result<usize, ImportError> {
            let v = sel
                .attr(k)
                .ok_or_else(|| ImportError::Missing(format!("PlainTextSelection@{k} ({g})")))?;
            v.trim().parse::<usize>().map_err(|_| ImportError::WrongType {
                field: format!("PlainTextSelection@{k} ({g})"),
                expected: "a position (0 or more)",
            })
        };
        let (start, end) = (pos("startPosition")?, pos("endPosition")?);
        if end < start {
            return Err(ImportError::OutOfRange(format!(
                "PlainTextSelection {g}: {start}–{end}"
            )));
        }
        let user = sel.attr("creatingUser").and_then(normalize_guid);
        let sel_at = sel.attr("creationDateTime").and_then(parse_secs);
        let mut codings = Vec::new();
        for coding in sel.all("Coding") {
            let mut themes = Vec::new();
            for r in coding.all("CodeRef") {
                let target = r
                    .attr("targetGUID")
                    .ok_or_else(|| ImportError::Missing("CodeRef@targetGUID".into()))?;
                let theme = normalize_guid(target)
                    .and_then(|t| theme_of.get(t.as_str()).cloned())
                    .ok_or_else(|| ImportError::UnknownTheme(target.chars().take(60).collect()))?;
                themes.push(theme);
            }
            codings.push(SelectionCoding {
                user: coding.attr("creatingUser").and_then(normalize_guid).or(user.clone()),
                at: coding
                    .attr("creationDateTime")
                    .and_then(parse_secs)
                    .or(sel_at)
                    .unwrap_or(0),
                themes,
            });
        }
        let notes = sel
            .all("NoteRef")
            .filter_map(|r| r.attr("targetGUID").and_then(normalize_guid))
            .filter_map(|t| notes.get(&t))
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.to_string())
            .collect();
        out.push(RawSelection {
            guid: g,
            start,
            end,
            user,
            codings,
            notes,
        });
    }
    Ok(out)
}

/// Reads a REFI-QDA 1.0 project (`.qdpx`: a zip holding `project.qde`, or
/// one `.qde` of another name as ATLAS.ti writes, root `Project`, and the
/// sources' texts) whole; `store` is only read (codes keep the ids of the
/// store's themes they were exported from).
///
/// Every source is listed in the file's order, of every kind (text, PDF,
/// picture, audio, video), with its codings counted; text sources carry
/// their text when the archive holds it ([`ProjectSource::text`]). Codes
/// are read as [`super::import_codebook`] reads them; users by GUID.
///
/// Positions (`startPosition`, `endPosition`, end exclusive) are read in
/// the unit [`decide_unit`] picks for the file (code points, or UTF-16
/// code units as NVivo counts) and kept as chars. Times
/// (`creationDateTime`, ISO 8601) become seconds since the Unix epoch, 0
/// when absent.
///
/// # Errors
/// - [`ImportError::Empty`], [`ImportError::TooLarge`] for the file;
///   [`ImportError::NotZip`] if it is not a readable zip,
///   [`ImportError::TooManyEntries`] over [`MAX_ENTRIES`](super::MAX_ENTRIES) entries,
///   [`ImportError::UnsafePath`] for an entry named with `..` or an absolute
///   path, [`ImportError::ArchiveTooLarge`] if the entries declare or
///   inflate to more than [`MAX_UNPACKED`](super::MAX_UNPACKED) bytes;
/// - [`ImportError::MissingEntry`] without a `.qde`, or when text sources
///   are listed but the archive holds the text of none;
/// - [`ImportError::NotUtf8`], [`ImportError::Doctype`],
///   [`ImportError::NotXml`], [`ImportError::TooDeep`],
///   [`ImportError::TooLong`] as for a codebook
///   ([`super::import_codebook`]); [`ImportError::UnknownFormat`] for another root
///   element; [`ImportError::DuplicateId`] for a GUID used twice;
/// - what reading codes refuses (see [`super::import_codebook`]);
/// - [`ImportError::Missing`] / [`ImportError::WrongType`] for a missing or
///   malformed GUID or position, [`ImportError::OutOfRange`] for a selection
///   ending before it starts or past its text, [`ImportError::UnknownTheme`]
///   for a `CodeRef` to no code, [`ImportError::TooLong`] for a user name
///   over 200 chars or a note over [`MAX_NOTE`];
/// - [`ImportError::Nothing`] if the project brings neither codes nor
///   sources.
pub fn read_project(bytes: &[u8], store: &Store) -> Result<Project, ImportError> {
    let mut archive = Archive::open(bytes)?;
    let qde = archive
        .find_qde()
        .ok_or_else(|| ImportError::MissingEntry("project.qde".into()))?;
    let qde = archive.read(qde)?;
    let xml = parse_xml(&qde)?;
    let root = El::root(&xml);
    if root.name() != "Project" {
        return Err(ImportError::UnknownFormat(root.name().chars().take(60).collect()));
    }
    unique_guids(&xml)?;
    let lenient = departures(root);

    let mut codes = Vec::new();
    let mut depth = CodeDepth::default();
    if let Some(c) = root.child("CodeBook").and_then(|b| b.child("Codes")) {
        read_codes(c, &known_codes(store), &mut codes, &mut depth)?;
    }
    let theme_of: HashMap<String, String> = codes.iter().map(|(g, t, _)| (g.clone(), t.id.clone())).collect();
    let (users, users_by_guid, user_ids) = read_users(root)?;
    let notes = read_notes(root)?;
    let status_notes = super::coders::status_notes(root);

    // Every source, with its text and its selections as written.
    let mut read: Vec<(ProjectSource, Vec<RawSelection>)> = Vec::new();
    for s in root.child("Sources").into_iter().flat_map(|s| s.0.children()).map(El) {
        let Some(kind) = SourceKind::of_element(s.name()) else {
            continue;
        };
        let guid = s.guid()?;
        let (text, selections, statuses) = if kind == SourceKind::Text {
            (
                source_text(&mut archive, s)?,
                read_selections(s, &theme_of, &notes)?,
                super::coders::source_statuses(s, &status_notes),
            )
        } else {
            (None, Vec::new(), HashMap::new())
        };
        // Every `Coding` of the source, of any selection kind, in one pass:
        // how many, and whose.
        let mut codings = 0;
        let mut coding_users = BTreeSet::new();
        for n in
            s.0.descendants()
                .filter(|n| n.is_element() && n.tag_name().name() == "Coding")
        {
            codings += 1;
            let user = El(n)
                .attr("creatingUser")
                .or_else(|| n.parent_element().and_then(|p| El(p).attr("creatingUser")))
                .and_then(normalize_guid);
            coding_users.insert(
                user.and_then(|u| users_by_guid.get(&u).cloned())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| super::ANONYMOUS.to_string()),
            );
        }
        let name = s
            .attr("name")
            .map(|n| n.trim().chars().take(500).collect::<String>())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                s.attr("plainTextPath")
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap_or("")
                    .to_string()
            });
        let (chars, fingerprint) = match &text {
            Some(t) => (char_len(t), Some(crate::text::fingerprint(t))),
            None => (0, None),
        };
        read.push((
            ProjectSource {
                guid,
                name,
                kind,
                codings,
                coders: coding_users.into_iter().collect(),
                text,
                chars,
                fingerprint,
                selections: Vec::new(),
                statuses,
            },
            selections,
        ));
    }
    let texts: Vec<&ProjectSource> = read
        .iter()
        .map(|(s, _)| s)
        .filter(|s| s.kind == SourceKind::Text)
        .collect();
    if !texts.is_empty() && texts.iter().all(|s| s.text.is_none()) {
        let first = texts[0];
        let path = root
            .child("Sources")
            .into_iter()
            .flat_map(|s| s.all("TextSource"))
            .find(|t| t.guid().ok().as_deref() == Some(first.guid.as_str()))
            .and_then(|t| t.attr("plainTextPath").or_else(|| t.attr("richTextPath")))
            .unwrap_or("—");
        return Err(ImportError::MissingEntry(format!(
            "「{}」的文本 · the text of «{}» ({})",
            first.name,
            first.name,
            path.chars().take(120).collect::<String>()
        )));
    }

    // The unit, decided over the whole file, then the positions in chars.
    let origin: Option<String> = root.attr("origin").map(|s| s.chars().take(100).collect());
    let coded: Vec<(&str, Vec<(usize, usize)>)> = read
        .iter()
        .filter_map(|(s, sel)| Some((s.text.as_deref()?, sel.iter().map(|x| (x.start, x.end)).collect())))
        .collect();
    let (unit, unit_basis) = decide_unit(origin.as_deref(), &coded);
    let mut sources = Vec::with_capacity(read.len());
    for (mut source, raw) in read {
        if let Some(text) = &source.text {
            let map = Utf16Map::new(text);
            for r in raw {
                let (Some(start), Some(end)) = (map.read(unit, r.start), map.read(unit, r.end)) else {
                    return Err(ImportError::OutOfRange(format!(
                        "PlainTextSelection {}: {}–{} ({}: {})",
                        r.guid,
                        r.start,
                        r.end,
                        unit.as_str(),
                        map.chars()
                    )));
                };
                source.selections.push(Selection {
                    start,
                    end,
                    user: r.user,
                    codings: r.codings,
                    notes: r.notes,
                });
            }
        }
        sources.push(source);
    }

    if sources.is_empty() && codes.is_empty() {
        return Err(ImportError::Nothing);
    }
    let annotator = root
        .attr("creatingUserGUID")
        .or_else(|| root.attr("creatingUser"))
        .and_then(normalize_guid)
        .and_then(|g| users_by_guid.get(&g).cloned());
    let (themes, codebook) = split_codes(codes);
    Ok(Project {
        name: root.attr("name").map(|s| s.chars().take(200).collect()),
        origin,
        created: root.attr("creationDateTime").map(|s| s.chars().take(60).collect()),
        annotator,
        unit,
        unit_basis,
        sources,
        themes,
        codebook,
        depth,
        users,
        users_by_guid,
        user_ids,
        colours: super::coders::read_colours(root),
        lenient,
    })
}

/// The children `Project` may have, in the order REFI-QDA 1.0
/// (`Project-mrt2019.xsd`, `ProjectType`) lists them.
const PROJECT_CHILDREN: [&str; 11] = [
    "Users",
    "CodeBook",
    "Variables",
    "Cases",
    "Sources",
    "Notes",
    "Links",
    "Sets",
    "Graphs",
    "Description",
    "NoteRef",
];

/// What a reader of the schema would refuse or the app leaves out, found
/// in one look at the project: a missing `name`, unknown or misplaced
/// children of `Project`, unknown elements among the sources, and codings
/// of whole text sources (not of a selection), which the app, coding
/// paragraphs, does not import.
fn departures(root: El) -> Vec<String> {
    let mut out = Vec::new();
    if root.attr("name").is_none() {
        out.push("项目缺少 name 属性 · the Project has no name attribute".to_string());
    }
    let mut last = 0;
    let mut odd: Vec<String> = Vec::new();
    for c in root.0.children().filter(|c| c.is_element()).map(El) {
        match PROJECT_CHILDREN.iter().position(|n| *n == c.name()) {
            Some(i) if i >= last => last = i,
            _ => odd.push(c.name().chars().take(40).collect()),
        }
    }
    let sources = root.child("Sources");
    for c in sources
        .iter()
        .flat_map(|s| s.0.children())
        .filter(|c| c.is_element())
        .map(El)
    {
        if SourceKind::of_element(c.name()).is_none() {
            odd.push(format!("Sources/{}", c.name().chars().take(40).collect::<String>()));
        }
    }
    if !odd.is_empty() {
        odd.dedup();
        out.push(format!(
            "未知或顺序不符的元素，已忽略或照读：{} · elements unknown or out of the schema's order, ignored or read as they are: {}",
            odd.join(", "),
            odd.join(", ")
        ));
    }
    let whole = sources
        .iter()
        .flat_map(|s| s.all("TextSource"))
        .map(|t| t.all("Coding").count())
        .sum::<usize>();
    if whole > 0 {
        out.push(format!(
            "{whole} 个编码针对整个来源而非选区，未导入（本应用按段落编码） · {whole} codings of whole sources, not of selections, were not imported (the app codes paragraphs)"
        ));
    }
    out
}

/// Reads a REFI-QDA project for the open document `doc`, as
/// [`read_project`] then [`Project::incoming`] for the source that belongs
/// to it ([`Project::source_for`]: the one with its text, else the first
/// coded text source, whose paragraphs are then found in `doc` by their
/// text). A project without a readable text source brings its codes.
///
/// # Errors
/// As [`read_project`] and [`Project::incoming`]; [`ImportError::Nothing`]
/// if the result brings neither themes nor sets.
pub fn import_project(bytes: &[u8], doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    let project = read_project(bytes, store)?;
    let incoming = match project.source_for(doc) {
        Some(i) => project.incoming(i, doc, store)?,
        None => project.bare_incoming(doc),
    };
    if incoming.sets.is_empty() && incoming.themes.is_empty() {
        return Err(ImportError::Nothing);
    }
    Ok(incoming)
}

// ---------------------------------------------------------------- dates

/// Seconds since the epoch of a REFI-QDA `creationDateTime` (an
/// `xs:dateTime`, RFC 3339 with fraction or offset, see
/// [`crate::formats::dates::parse_iso`]). A time without a zone, which
/// `xs:dateTime` allows and some tools write, is read as UTC; surrounding
/// white space is ignored. `None` for anything else.
pub(super) fn parse_secs(s: &str) -> Option<u64> {
    let s = s.trim();
    crate::formats::dates::parse_iso(s).or_else(|| {
        let tail = &s.as_bytes()[s.len().saturating_sub(6)..];
        let zoneless = s.len() >= 19 && !s.ends_with(['Z', 'z']) && !tail.contains(&b'+') && !tail.contains(&b'-');
        zoneless
            .then(|| crate::formats::dates::parse_iso(&format!("{s}Z")))
            .flatten()
    })
}
