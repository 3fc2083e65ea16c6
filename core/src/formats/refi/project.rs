//! Reading REFI-QDA 1.0 projects (`.qdpx`, <https://www.qdasoftware.org>):
//! codings and notes on a text source, mapped to the open document's
//! paragraphs.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use super::archive::Archive;
use super::codebook::{known_codes, read_codes, split_codes};
use super::guid::{normalize_guid, own_guids};
use super::xml::{parse_xml, unique_guids, El};
use super::{ANONYMOUS, PROJECT_FORMAT};
use crate::compare::CONSENSUS;
use crate::document::{Block, Document};
use crate::exchange::{ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag};
use crate::formats::locate::locate_block;
use crate::store::{SetKind, Store, TagOrigin, MAX_NOTE};
use crate::text::{char_len, fingerprint};
use crate::themes::PALETTE;

/// A block of the source's own text: its char range there, and as a block
/// of the source parsed as a document.
struct SourceBlock<'d> {
    start: usize,
    end: usize,
    block: &'d Block,
}

/// The blocks of a source's parsed text with their ranges in the raw text,
/// so that positions counted in the raw text (as other tools count them,
/// with its line ends and indentation) find their paragraph.
fn source_blocks<'d>(raw: &str, parsed: &'d Document) -> Vec<SourceBlock<'d>> {
    let is_trim = |c: char| c.is_whitespace() || c == '\u{feff}' || c == '\u{200b}';
    let mut ranges = Vec::with_capacity(parsed.blocks.len());
    let mut offset = 0;
    // The raw lines as `normalized_lines` splits and trims them.
    for line in raw.split(['\n', '\r']) {
        let trimmed = line.trim_matches(is_trim);
        if !trimmed.is_empty() {
            let start = offset + char_len(&line[..line.len() - line.trim_start_matches(is_trim).len()]);
            ranges.push((start, start + char_len(trimmed)));
        }
        offset += char_len(line) + 1;
    }
    ranges
        .into_iter()
        .zip(&parsed.blocks)
        .map(|((start, end), block)| SourceBlock { start, end, block })
        .collect()
}

/// The blocks a selection `[start, end)` of the source codes:
///
/// - a selection within (part of) one paragraph codes that paragraph;
/// - one that spans several codes each paragraph it covers wholly or by at
///   least half of that paragraph's length;
/// - one that overlaps no paragraph (only line breaks, or an empty range)
///   or spans several without covering half of any codes none.
fn blocks_for<'d>(blocks: &[SourceBlock<'d>], start: usize, end: usize) -> Vec<&'d Block> {
    let first = blocks.partition_point(|b| b.end <= start);
    let hit: Vec<(&SourceBlock, usize)> = blocks[first..]
        .iter()
        .take_while(|b| b.start < end)
        .map(|b| (b, end.min(b.end).saturating_sub(start.max(b.start))))
        .filter(|(_, overlap)| *overlap > 0)
        .collect();
    match hit[..] {
        [(b, _)] => vec![b.block],
        _ => hit
            .iter()
            .filter(|(b, overlap)| *overlap * 2 >= b.end - b.start)
            .map(|(b, _)| b.block)
            .collect(),
    }
}

/// One incoming set as it is being built.
struct SetBuild {
    set: IncomingSet,
    tags: HashMap<(String, String), usize>,
}

/// The sets of an import, one per user, made on first sight.
struct Sets<'s> {
    list: Vec<SetBuild>,
    /// User GUID (empty: none) → index in `list`.
    by_user: HashMap<String, usize>,
    /// User GUID → name, from `<Users>`.
    users: &'s HashMap<String, String>,
    /// User GUID → id of the store's set this app exported it from.
    known: &'s HashMap<String, String>,
    store: &'s Store,
}

impl Sets<'_> {
    fn index(&mut self, user: Option<String>) -> usize {
        let key = user.clone().unwrap_or_default();
        if let Some(&i) = self.by_user.get(&key) {
            return i;
        }
        let name = user
            .as_ref()
            .and_then(|u| self.users.get(u))
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| ANONYMOUS.to_string());
        let ours = user.as_ref().and_then(|u| self.known.get(u));
        let id = match (ours, &user) {
            (Some(id), _) => id.clone(),
            (None, Some(u)) => format!("refi-{u}"),
            (None, None) => "refi-anonymous".into(),
        };
        let color = ours
            .and_then(|id| self.store.sets.get(id))
            .map(|s| s.color.clone())
            .unwrap_or_else(|| PALETTE[self.list.len() % PALETTE.len()].to_string());
        self.list.push(SetBuild {
            set: IncomingSet {
                id,
                name,
                color,
                kind: if ours.is_some_and(|id| id == CONSENSUS) {
                    SetKind::Consensus
                } else {
                    SetKind::Coder
                },
                tags: Vec::new(),
                notes: BTreeMap::new(),
                // Not-coded marks travel in the app's own file only.
                uncoded: Default::default(),
            },
            tags: HashMap::new(),
        });
        self.by_user.insert(key, self.list.len() - 1);
        self.list.len() - 1
    }
}

/// The users of a project: normalised GUID → name (trimmed, up to 200
/// chars).
///
/// # Errors
/// [`ImportError::TooLong`] for a longer name, what [`El::guid`] refuses.
fn read_users(root: El) -> Result<HashMap<String, String>, ImportError> {
    let mut users = HashMap::new();
    for u in root.child("Users").into_iter().flat_map(|u| u.all("User")) {
        let name = u.attr("name").unwrap_or("").trim();
        if char_len(name) > 200 {
            return Err(ImportError::TooLong {
                field: "User@name".into(),
                limit: 200,
            });
        }
        users.insert(u.guid()?, name.to_string());
    }
    Ok(users)
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

/// Reads a REFI-QDA 1.0 project (`.qdpx`: a zip holding `project.qde` (or
/// one `.qde` of another name, as ATLAS.ti writes), root
/// `Project`, and the sources' texts) for the open document `doc`; `store`
/// is only read.
///
/// The first `TextSource` whose text the archive holds (`plainTextPath`
/// `internal://x.txt` → `Sources/x.txt`; a bare `x.txt` → `Sources/x.txt`
/// or `x.txt`, any case) or carries inline
/// (`PlainTextContent`) is read. Its selections are mapped to paragraphs of
/// the source's own text: a selection within (part of) one paragraph codes
/// that paragraph; one that spans several codes each paragraph it covers
/// wholly or by at least half; one that overlaps none (only line breaks, an
/// empty range) or covers no paragraph by half codes none. When that text is the
/// open document's (same fingerprint) the paragraphs are the document's,
/// otherwise each is found in the open document by its text
/// ([`locate_block`]) and the source's text is offered
/// ([`IncomingDocument::text`]). A selection that fits no paragraph is kept
/// on a synthetic block `unmatched:<n>`, which the preview counts and the
/// import leaves out.
///
/// Codings are grouped into sets by their `creatingUser` (named from
/// `<Users>`); notes a selection points at (`NoteRef`) become notes on its
/// paragraphs. Codes are read as [`super::import_codebook`] reads them; a
/// user this app exported (with the GUIDs of now or of earlier versions)
/// keeps its set's id, and the consensus stays a consensus.
///
/// Positions (`startPosition`, `endPosition`) count chars (Unicode scalar
/// values) of the source's text, end exclusive. Times (`creationDateTime`,
/// ISO 8601) become seconds since the Unix epoch, 0 when absent.
///
/// # Errors
/// - [`ImportError::Empty`], [`ImportError::TooLarge`] for the file;
///   [`ImportError::NotZip`] if it is not a readable zip,
///   [`ImportError::TooManyEntries`] over [`MAX_ENTRIES`](super::MAX_ENTRIES) entries,
///   [`ImportError::UnsafePath`] for an entry named with `..` or an absolute
///   path, [`ImportError::ArchiveTooLarge`] if the entries declare or
///   inflate to more than [`MAX_UNPACKED`](super::MAX_UNPACKED) bytes;
/// - [`ImportError::MissingEntry`] without `project.qde`, or when a source
///   is listed but no text of one is found;
/// - [`ImportError::NotUtf8`], [`ImportError::Doctype`],
///   [`ImportError::NotXml`], [`ImportError::TooDeep`],
///   [`ImportError::TooLong`] as for a codebook
///   ([`super::import_codebook`]); [`ImportError::UnknownFormat`] for another root
///   element; [`ImportError::DuplicateId`] for a GUID used twice;
/// - what reading codes refuses (see [`super::import_codebook`]);
/// - [`ImportError::Missing`] / [`ImportError::WrongType`] for a missing or
///   malformed GUID or position, [`ImportError::OutOfRange`] for a selection
///   ending before it starts or past the text, [`ImportError::UnknownTheme`]
///   for a `CodeRef` to no code, [`ImportError::TooLong`] for a user name
///   over 200 chars or a note over [`MAX_NOTE`];
/// - [`ImportError::Nothing`] if the project brings neither codes nor
///   codings.
pub fn import_project(bytes: &[u8], doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
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

    // Codes.
    let mut codes = Vec::new();
    if let Some(c) = root.child("CodeBook").and_then(|b| b.child("Codes")) {
        read_codes(c, &known_codes(store), &mut codes)?;
    }
    let theme_of: HashMap<String, String> = codes.iter().map(|(g, t, _)| (g.clone(), t.id.clone())).collect();

    let users = read_users(root)?;
    let notes = read_notes(root)?;

    // The source.
    let sources: Vec<El> = root
        .child("Sources")
        .into_iter()
        .flat_map(|s| s.all("TextSource"))
        .collect();
    let mut found: Option<(El, String)> = None;
    for &s in &sources {
        if let Some(inline) = s.child("PlainTextContent") {
            found = Some((s, inline.text().into_owned()));
            break;
        }
        // `internal://x.txt` lives in the archive's `Sources/`; a bare name
        // (qc writes one, with a `sources/` folder) is looked for there and
        // at the root. `relative://` and `absolute://` sources are outside
        // the archive.
        let path = s.attr("plainTextPath").unwrap_or("");
        let file = match path.split_once("://") {
            Some(("internal", f)) => f,
            Some(_) => continue,
            None if !path.is_empty() => path,
            None => continue,
        };
        let entry = archive.find(&format!("Sources/{file}")).or_else(|| archive.find(file));
        if let Some(i) = entry {
            let bytes = archive.read(i)?;
            let text = String::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
            let text = text.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(text);
            found = Some((s, text));
            break;
        }
    }
    let annotator = root
        .attr("creatingUserGUID")
        .and_then(normalize_guid)
        .and_then(|g| users.get(&g).cloned());
    let (themes, codebook) = split_codes(codes);
    let mut incoming = Incoming {
        format: PROJECT_FORMAT,
        annotator,
        exported_at: root.attr("creationDateTime").map(|s| s.chars().take(60).collect()),
        app: root.attr("origin").map(|s| s.chars().take(100).collect()),
        document: IncomingDocument::default(),
        themes,
        codebook,
        sets: Vec::new(),
        terms: None,
    };
    let Some((source, raw)) = found else {
        if sources.is_empty() {
            if incoming.themes.is_empty() {
                return Err(ImportError::Nothing);
            }
            return Ok(incoming);
        }
        return Err(ImportError::MissingEntry("Sources/…txt".into()));
    };

    let parsed = Document::parse(&raw);
    let same = parsed.fingerprint == doc.fingerprint;
    incoming.document = IncomingDocument {
        fingerprint: fingerprint(&raw),
        title: source
            .attr("name")
            .map(|n| n.chars().take(500).collect())
            .or_else(|| parsed.title.clone()),
        date: parsed.date.clone(),
        text: (!same).then(|| raw.clone()),
    };
    let blocks = source_blocks(&raw, &parsed);
    let raw_len = char_len(&raw);
    // The consensus set is known by its GUID even to a store that has none
    // yet: a re-imported consensus stays a consensus, never a third coder.
    let known_sets: HashMap<String, String> = store
        .sets
        .keys()
        .map(String::as_str)
        .chain([CONSENSUS])
        .flat_map(|id| own_guids("user", id).map(|g| (g, id.to_string())))
        .collect();

    let mut sets = Sets {
        list: Vec::new(),
        by_user: HashMap::new(),
        users: &users,
        known: &known_sets,
        store,
    };
    let mut unmatched = 0usize;
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
        if end < start || end > raw_len {
            return Err(ImportError::OutOfRange(format!(
                "PlainTextSelection {g}: {start}–{end} (text: {raw_len})"
            )));
        }
        let mut targets: Vec<String> = blocks_for(&blocks, start, end)
            .into_iter()
            .filter_map(|b| {
                if same {
                    Some(b.id.clone())
                } else {
                    locate_block(doc, Some(&b.text), Some(b.start), Some(b.end)).map(|d| d.id.clone())
                }
            })
            .collect();
        targets.dedup();
        if targets.is_empty() {
            unmatched += 1;
            targets.push(format!("unmatched:{unmatched}"));
        }
        let sel_user = sel.attr("creatingUser").and_then(normalize_guid);
        let sel_at = sel.attr("creationDateTime").and_then(parse_secs);
        for coding in sel.all("Coding") {
            let user = coding
                .attr("creatingUser")
                .and_then(normalize_guid)
                .or(sel_user.clone());
            let at = coding
                .attr("creationDateTime")
                .and_then(parse_secs)
                .or(sel_at)
                .unwrap_or(0);
            let i = sets.index(user);
            for r in coding.all("CodeRef") {
                let target = r
                    .attr("targetGUID")
                    .ok_or_else(|| ImportError::Missing("CodeRef@targetGUID".into()))?;
                let theme = normalize_guid(target)
                    .and_then(|t| theme_of.get(t.as_str()).cloned())
                    .ok_or_else(|| ImportError::UnknownTheme(target.chars().take(60).collect()))?;
                let build = &mut sets.list[i];
                for block in &targets {
                    let key = (block.clone(), theme.to_string());
                    match build.tags.get(&key) {
                        Some(&t) => build.set.tags[t].at = build.set.tags[t].at.max(at),
                        None => {
                            build.tags.insert(key, build.set.tags.len());
                            build.set.tags.push(IncomingTag {
                                block: block.clone(),
                                theme: theme.to_string(),
                                at,
                                how: TagOrigin::Hand,
                            });
                        }
                    }
                }
            }
        }
        for r in sel.all("NoteRef") {
            let Some(text) = r
                .attr("targetGUID")
                .and_then(normalize_guid)
                .and_then(|t| notes.get(&t).map(|n| n.as_ref()))
            else {
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let i = sets.index(sel_user.clone());
            for block in &targets {
                let note = sets.list[i].set.notes.entry(block.clone()).or_default();
                if note.split('\n').any(|l| l == text) {
                    continue;
                }
                if !note.is_empty() {
                    note.push('\n');
                }
                note.push_str(text);
                if char_len(note) > MAX_NOTE {
                    return Err(ImportError::TooLong {
                        field: "Note".into(),
                        limit: MAX_NOTE,
                    });
                }
            }
        }
    }
    incoming.sets = sets.list.into_iter().map(|b| b.set).collect();
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
