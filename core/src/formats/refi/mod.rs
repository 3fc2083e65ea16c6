//! REFI-QDA exchange: codebooks (`.qdc`) and projects (`.qdpx`).
//!
//! REFI-QDA is the XML standard that NVivo, ATLAS.ti, MAXQDA and QualCoder
//! read and write. A codebook is one XML file of codes; a project is a zip
//! holding `project.qde` (users, codebook, sources with coded selections,
//! notes) and the sources' texts under `Sources/`.
//!
//! Themes are codes, coders are users, a tagged paragraph is one
//! `PlainTextSelection` per coder with one `Coding` per theme, and a note is
//! a `Note` the selection points at with a `NoteRef`. Positions count
//! Unicode code points (Rust `char`s) of the source's plain text, as
//! QualCoder does; the app exports its canonical text, so positions are
//! block offsets. GUIDs are derived from ids (SHA-256), so exporting twice
//! gives the same GUIDs and an export read back finds its own themes and
//! coders again.
//!
//! Import reads untrusted archives: it refuses archives that are not zips,
//! unpack to too much (declared or actual), hold too many entries or unsafe
//! paths, and XML with a DOCTYPE (so no entity is ever expanded).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Cursor, Read, Write};

use quick_xml::events::Event;
use sha2::{Digest, Sha256};

use crate::compare::CONSENSUS;
use crate::document::{Block, Document};
use crate::exchange::{ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag, MAX_IMPORT_BYTES};
use crate::formats::dates::iso_utc;
use crate::formats::locate::locate_block;
use crate::formats::own_json::APP_NAME;
use crate::store::{Codebook, SetKind, Store, TagOrigin, MAX_CODEBOOK_FIELD, MAX_NOTE};
use crate::text::{char_len, fingerprint};
use crate::themes::{is_hex_color, Theme, MAX_NAME, PALETTE};

/// Namespace of a codebook file.
pub const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";
/// Namespace of `project.qde`.
pub const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";
/// Most bytes an archive may unpack to, declared or read.
pub const MAX_UNPACKED: u64 = 50 * 1024 * 1024;
/// Most entries an archive may hold.
pub const MAX_ENTRIES: usize = 10_000;
/// Most XML elements read from one file.
const MAX_ELEMENTS: usize = 500_000;
/// Deepest XML nesting read (codes nest; nothing else goes deep).
const MAX_DEPTH: usize = 128;
/// Chars of a block's text used to name its selection.
const NAME_CHARS: usize = 30;
const PROJECT_FORMAT: &str = "REFI-QDA 项目 · REFI-QDA project";
/// Name of the set that collects codings without a known user.
const ANONYMOUS: &str = "REFI-QDA import";

// ---------------------------------------------------------------- GUIDs

/// A stable GUID for `parts` (a kind and ids): SHA-256 of them, formatted
/// 8-4-4-4-12 with the version (5) and variant bits set, lower case.
fn guid(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"speech-annotator/refi");
    for p in parts {
        // Lengths keep ("ab", "c") apart from ("a", "bc").
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The GUID of a theme's code: the code's own GUID for a theme read from
/// REFI-QDA (`refi-<guid>`), so exports keep other tools' identities.
pub fn code_guid(theme: &str) -> String {
    theme
        .strip_prefix("refi-")
        .and_then(normalize_guid)
        .unwrap_or_else(|| guid(&["code", theme]))
}

/// The GUID of a coder's user.
pub fn user_guid(set: &str) -> String {
    guid(&["user", set])
}

/// A GUID as the schema allows it (optionally in braces, any case),
/// lower case without braces; `None` if it is not one.
fn normalize_guid(g: &str) -> Option<String> {
    let g = g.trim();
    let g = g.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(g);
    let ok = g.len() == 36
        && g.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    ok.then(|| g.to_ascii_lowercase())
}

// ---------------------------------------------------------------- export

/// Escapes text for XML content or a double-quoted attribute. Line ends and
/// tabs become references (attribute values would fold them to spaces);
/// characters XML 1.0 cannot carry at all are dropped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The first line of a code's `Description` this app writes, naming the
/// theme's id so that a codebook read back keeps its themes.
const THEME_ID_LINE: &str = "speech-annotator theme ";

/// `<Codes>…</Codes>` for the live themes of a store: sub-themes nested in
/// their parent's `Code`, each `Description` holding the theme's id and its
/// codebook entry ([`Codebook::summary`]).
fn codes_xml(store: &Store, indent: &str) -> String {
    let themes = store.themes();
    let parent_of = |id: &str| store.top_parent(id);
    let code = |t: &Theme, indent: &str, children: &str| {
        let mut description = format!("{THEME_ID_LINE}{}", t.id);
        let summary = store.codebook(&t.id).summary();
        if !summary.is_empty() {
            description.push('\n');
            description.push_str(&summary);
        }
        format!(
            "{indent}<Code guid=\"{}\" name=\"{}\" isCodable=\"true\" color=\"{}\">\n{indent}  <Description>{}</Description>\n{children}{indent}</Code>\n",
            code_guid(&t.id),
            esc(&t.label()),
            esc(&t.color),
            esc(&description),
        )
    };
    let mut x = format!("{indent}<Codes>\n");
    for t in themes.iter().filter(|t| parent_of(&t.id).is_none()) {
        let inner = format!("{indent}    ");
        let children: String = themes
            .iter()
            .filter(|c| parent_of(&c.id).as_deref() == Some(t.id.as_str()))
            .map(|c| code(c, &inner, ""))
            .collect();
        x.push_str(&code(t, &format!("{indent}  "), &children));
    }
    x.push_str(&format!("{indent}</Codes>\n"));
    x
}

/// Writes the live themes of `store` as a REFI-QDA codebook (`.qdc`): one
/// codable `Code` per theme, named with its label (`"投资 investment"`),
/// with its colour and a GUID that depends only on the theme id.
pub fn export_codebook(store: &Store) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CodeBook xmlns=\"{CODEBOOK_NS}\" origin=\"{APP_NAME}\">\n{}</CodeBook>\n",
        codes_xml(store, "  ")
    )
}

/// Writes `doc` and the annotations of `sets` as a REFI-QDA project
/// (`.qdpx`, a zip): `project.qde` and `Sources/<guid>.txt`, the canonical
/// text in UTF-8.
///
/// Each coder is a `User`; each paragraph a coder tagged or annotated is one
/// `PlainTextSelection` (the block's char range, end exclusive) with one
/// `Coding` per live theme and a `NoteRef` to its note, kept in `<Notes>`.
/// `created` (ISO 8601) dates the project, the notes and tags without a time
/// of their own; it is left out if empty.
pub fn export_project(doc: &Document, store: &Store, sets: &[&str], created: &str) -> Vec<u8> {
    let created = created.trim();
    let when = |at: u64| -> String {
        if at > 0 && at < 253_402_300_800 {
            format!(" creationDateTime=\"{}\"", iso_utc(at))
        } else if !created.is_empty() {
            format!(" creationDateTime=\"{}\"", esc(created))
        } else {
            String::new()
        }
    };
    let mut seen = HashSet::new();
    let chosen: Vec<_> = sets
        .iter()
        .filter(|id| seen.insert(**id))
        .filter_map(|id| store.sets.get(*id))
        .collect();
    let source = guid(&["source", &doc.fingerprint]);
    let name = doc.title.clone().unwrap_or_else(|| "speech".into());

    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.push_str(&format!(
        "<Project xmlns=\"{PROJECT_NS}\" name=\"{}\" origin=\"{APP_NAME}\"{}>\n",
        esc(&name),
        when(0)
    ));
    if !chosen.is_empty() {
        x.push_str("  <Users>\n");
        for s in &chosen {
            x.push_str(&format!(
                "    <User guid=\"{}\" name=\"{}\"/>\n",
                user_guid(&s.id),
                esc(&s.name)
            ));
        }
        x.push_str("  </Users>\n");
    }
    x.push_str("  <CodeBook>\n");
    x.push_str(&codes_xml(store, "    "));
    x.push_str("  </CodeBook>\n");
    let creator = chosen
        .first()
        .map(|s| format!(" creatingUser=\"{}\"", user_guid(&s.id)))
        .unwrap_or_default();
    x.push_str(&format!(
        "  <Sources>\n    <TextSource guid=\"{source}\" name=\"{}\" plainTextPath=\"internal://{source}.txt\"{creator}{}>\n",
        esc(&name),
        when(0)
    ));
    let mut notes = String::new();
    for b in &doc.blocks {
        for s in &chosen {
            let user = user_guid(&s.id);
            let codings: Vec<(&Theme, u64)> = store
                .themes()
                .into_iter()
                .filter_map(|t| {
                    let e = s.tags.get(&(b.id.clone(), t.id.clone()))?;
                    e.present.then_some((t, e.at))
                })
                .collect();
            let note = s.notes.get(&b.id).map(|n| n.text.as_str()).unwrap_or("");
            if codings.is_empty() && note.is_empty() {
                continue;
            }
            let label: String = b.text.chars().take(NAME_CHARS).collect();
            x.push_str(&format!(
                "      <PlainTextSelection guid=\"{}\" name=\"{}\" startPosition=\"{}\" endPosition=\"{}\" creatingUser=\"{user}\"{}>\n",
                guid(&["selection", &s.id, &b.id]),
                esc(&label),
                b.start,
                b.end,
                when(codings.iter().map(|c| c.1).max().unwrap_or(0))
            ));
            for (t, at) in &codings {
                x.push_str(&format!(
                    "        <Coding guid=\"{}\" creatingUser=\"{user}\"{}>\n          <CodeRef targetGUID=\"{}\"/>\n        </Coding>\n",
                    guid(&["coding", &s.id, &b.id, &t.id]),
                    when(*at),
                    code_guid(&t.id)
                ));
            }
            if !note.is_empty() {
                let note_guid = guid(&["note", &s.id, &b.id]);
                x.push_str(&format!("        <NoteRef targetGUID=\"{note_guid}\"/>\n"));
                notes.push_str(&format!(
                    "    <Note guid=\"{note_guid}\" name=\"{}\" creatingUser=\"{user}\"{}>\n      <PlainTextContent>{}</PlainTextContent>\n    </Note>\n",
                    esc(&format!("{}: {label}", s.name)),
                    when(0),
                    esc(note)
                ));
            }
            x.push_str("      </PlainTextSelection>\n");
        }
    }
    x.push_str("    </TextSource>\n  </Sources>\n");
    if !notes.is_empty() {
        x.push_str("  <Notes>\n");
        x.push_str(&notes);
        x.push_str("  </Notes>\n");
    }
    x.push_str("</Project>\n");

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    // Writing to memory cannot fail.
    zip.start_file("project.qde", options).expect("in memory");
    zip.write_all(x.as_bytes()).expect("in memory");
    zip.start_file(format!("Sources/{source}.txt"), options)
        .expect("in memory");
    zip.write_all(doc.text.as_bytes()).expect("in memory");
    zip.finish().expect("in memory").into_inner()
}

// ---------------------------------------------------------------- XML

/// One element of a parsed XML file: local name, attributes (local names,
/// values unescaped), children and its own text.
#[derive(Debug, Default)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<El>,
    text: String,
}

impl El {
    fn attr(&self, k: &str) -> Option<&str> {
        self.attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&El> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a El> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The GUID attribute, required and well formed.
    fn guid(&self) -> Result<String, ImportError> {
        let g = self
            .attr("guid")
            .ok_or_else(|| ImportError::Missing(format!("{}@guid", self.name)))?;
        normalize_guid(g).ok_or_else(|| ImportError::WrongType {
            field: format!("{}@guid", self.name),
            expected: "a GUID",
        })
    }
}

fn xml_error(e: impl std::fmt::Display) -> ImportError {
    ImportError::NotXml(e.to_string().chars().take(160).collect())
}

/// Parses XML into a tree, refusing any DOCTYPE (and with it every entity
/// declaration: only the five predefined entities and character references
/// are read), bounded in depth and element count.
fn parse_xml(bytes: &[u8]) -> Result<El, ImportError> {
    let raw = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    if raw.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    let mut reader = quick_xml::Reader::from_str(raw);
    reader.config_mut().check_comments = true;
    let mut stack: Vec<El> = Vec::new();
    let mut root: Option<El> = None;
    let mut count = 0usize;
    let element = |e: &quick_xml::events::BytesStart| -> Result<El, ImportError> {
        let mut el = El {
            name: e.local_name().as_ref().to_string(),
            ..El::default()
        };
        for a in e.attributes() {
            let a = a.map_err(xml_error)?;
            let key = a.key;
            if key.as_ref() == "xmlns" || key.as_ref().starts_with("xmlns:") {
                continue;
            }
            let value = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(xml_error)?;
            el.attrs
                .push((key.local_name().as_ref().to_string(), value.into_owned()));
        }
        Ok(el)
    };
    loop {
        let event = reader.read_event().map_err(xml_error)?;
        fn text(stack: &mut [El], s: &str) -> Result<(), ImportError> {
            match stack.last_mut() {
                Some(top) => top.text.push_str(s),
                None if s.trim().is_empty() => {}
                None => return Err(xml_error("text outside the root element")),
            }
            Ok(())
        }
        match event {
            Event::DocType(_) => return Err(ImportError::Doctype),
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                return Err(xml_error("more than one root element"));
            }
            Event::Start(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(ImportError::TooLong {
                        field: "elements".into(),
                        limit: MAX_ELEMENTS,
                    });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(ImportError::TooDeep);
                }
                stack.push(element(&e)?);
            }
            Event::Empty(e) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(ImportError::TooLong {
                        field: "elements".into(),
                        limit: MAX_ELEMENTS,
                    });
                }
                let el = element(&e)?;
                match stack.last_mut() {
                    Some(top) => top.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| xml_error("unmatched end tag"))?;
                match stack.last_mut() {
                    Some(top) => top.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => text(&mut stack, &t.xml10_content())?,
            Event::CData(t) => text(&mut stack, &t.into_inner())?,
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().map_err(xml_error)? {
                    Some(c) => c.to_string(),
                    None => match &*r {
                        "lt" => "<".into(),
                        "gt" => ">".into(),
                        "amp" => "&".into(),
                        "quot" => "\"".into(),
                        "apos" => "'".into(),
                        other => return Err(xml_error(format!("undeclared entity &{other};"))),
                    },
                };
                text(&mut stack, &c)?;
            }
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(xml_error("the file ends inside an element (truncated?)"));
    }
    root.ok_or_else(|| xml_error("no root element"))
}

/// Checks that no two elements share a GUID.
fn unique_guids(root: &El) -> Result<(), ImportError> {
    let mut seen = HashSet::new();
    let mut todo = vec![root];
    while let Some(el) = todo.pop() {
        if let Some(g) = el.attr("guid") {
            let g = normalize_guid(g).unwrap_or_else(|| g.to_string());
            if !seen.insert(g.clone()) {
                return Err(ImportError::DuplicateId(format!("guid {g}")));
            }
        }
        todo.extend(el.children.iter());
    }
    Ok(())
}

// ---------------------------------------------------------------- zip

/// A zip archive checked for safety: entry count, paths and declared sizes
/// up front, actual sizes while reading.
struct Archive<'a> {
    zip: zip::ZipArchive<Cursor<&'a [u8]>>,
    /// Entry name (`/`-separated) → index.
    names: Vec<(String, usize)>,
    /// Bytes that may still be unpacked.
    budget: u64,
}

impl<'a> Archive<'a> {
    fn open(bytes: &'a [u8]) -> Result<Self, ImportError> {
        if bytes.is_empty() {
            return Err(ImportError::Empty);
        }
        if bytes.len() > MAX_IMPORT_BYTES {
            return Err(ImportError::TooLarge(bytes.len()));
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| ImportError::NotZip(e.to_string()))?;
        if zip.len() > MAX_ENTRIES {
            return Err(ImportError::TooManyEntries(MAX_ENTRIES));
        }
        let mut names = Vec::with_capacity(zip.len());
        let mut declared = 0u64;
        for i in 0..zip.len() {
            let f = zip.by_index_raw(i).map_err(|e| ImportError::NotZip(e.to_string()))?;
            let name = f
                .name()
                .map_err(|e| ImportError::NotZip(e.to_string()))?
                .replace('\\', "/");
            let drive = name.as_bytes().get(1) == Some(&b':');
            if name.starts_with('/')
                || drive
                || name.split('/').any(|c| c == "..")
                || name.contains('\0')
                || f.enclosed_name().is_none()
            {
                return Err(ImportError::UnsafePath(name.chars().take(120).collect()));
            }
            declared = declared.saturating_add(f.size());
            if declared > MAX_UNPACKED {
                return Err(ImportError::ArchiveTooLarge(MAX_UNPACKED));
            }
            names.push((name, i));
        }
        Ok(Archive {
            zip,
            names,
            budget: MAX_UNPACKED,
        })
    }

    /// The index of an entry, its name compared without case.
    fn find(&self, name: &str) -> Option<usize> {
        self.names
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, i)| *i)
    }

    /// Unpacks an entry, never more than it declares or the budget allows.
    fn read(&mut self, index: usize) -> Result<Vec<u8>, ImportError> {
        let f = self
            .zip
            .by_index(index)
            .map_err(|e| ImportError::NotZip(e.to_string()))?;
        let limit = f.size().min(self.budget);
        let mut buf = Vec::with_capacity(usize::try_from(limit).unwrap_or(0).min(1 << 20));
        f.take(limit + 1)
            .read_to_end(&mut buf)
            .map_err(|e| ImportError::NotZip(e.to_string()))?;
        let read = buf.len() as u64;
        if read > limit {
            return Err(ImportError::ArchiveTooLarge(MAX_UNPACKED));
        }
        self.budget -= read;
        Ok(buf)
    }
}

// ---------------------------------------------------------------- import

/// Seconds since the epoch of an ISO 8601 date-time (`2022-07-14T10:22:41Z`,
/// with fraction or offset; without a zone read as UTC); `None` otherwise.
fn parse_secs(s: &str) -> Option<u64> {
    let b = s.trim().as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        let d = b.get(from..to)?;
        d.iter()
            .try_fold(0i64, |n, c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
    };
    let at = |i: usize, c: &[u8]| b.get(i).is_some_and(|x| c.contains(x));
    if !(at(4, b"-") && at(7, b"-") && at(10, b"Tt ") && at(13, b":") && at(16, b":")) {
        return None;
    }
    let (y, mo, d, h, mi, sec) = (
        num(0, 4)?,
        num(5, 7)?,
        num(8, 10)?,
        num(11, 13)?,
        num(14, 16)?,
        num(17, 19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1 + b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    let offset = match b.get(i..)? {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let o = num(i + 1, i + 3)? * 3600 + num(i + 4, i + 6)? * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    // Howard Hinnant's days_from_civil.
    let yy = if mo <= 2 { y - 1 } else { y };
    let era = yy.div_euclid(400);
    let yoe = yy - era * 400;
    let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + sec - offset).ok()
}

/// Whether a name holds Chinese (CJK) characters.
fn has_cjk(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0x20000..=0x3134f))
}

/// A code's name as theme names: `"投资 investment"` (Chinese, then a part
/// without Chinese) splits into both; otherwise Chinese names are `name_zh`,
/// others `name_en`. Each is cut to [`MAX_NAME`] chars.
fn theme_names(name: &str) -> (String, String) {
    let cut = |s: &str| s.trim().chars().take(MAX_NAME).collect::<String>();
    let name = name.trim();
    if !has_cjk(name) {
        return (String::new(), cut(name));
    }
    if let Some((zh, en)) = name.split_once(' ') {
        if has_cjk(zh) && !has_cjk(en) && !en.trim().is_empty() {
            return (cut(zh), cut(en));
        }
    }
    (cut(name), String::new())
}

/// A theme read from a code: its GUID, the theme, its codebook entry.
type ReadCode = (String, Theme, Codebook);

/// Whether a string can be a theme id taken from a file.
fn plain_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads a `<Codes>` element (in document order) into themes. A code keeps
/// the theme id its GUID is known by (`known`: this app's GUIDs for the
/// store's themes), else the id its `Description` names (a codebook this app
/// wrote), else gets `refi-<guid>`. The rest of the description is the
/// codebook entry ([`Codebook::from_summary`]: another tool's plain
/// description becomes the definition). A nested code is a sub-theme of the
/// top-level code it sits in (the app keeps one level).
fn read_codes(codes: &El, known: &HashMap<String, String>, out: &mut Vec<ReadCode>) -> Result<(), ImportError> {
    let mut todo: Vec<(&El, Option<String>)> = codes.all("Code").map(|c| (c, None)).collect();
    todo.reverse();
    while let Some((code, parent)) = todo.pop() {
        let g = code.guid()?;
        let name = code.attr("name").unwrap_or("");
        let (name_zh, name_en) = theme_names(name);
        if name_zh.is_empty() && name_en.is_empty() {
            return Err(ImportError::Missing(format!("Code@name ({g})")));
        }
        let color = code.attr("color").map(str::trim).unwrap_or("");
        let color = match color.len() {
            4 if color.starts_with('#') && color[1..].chars().all(|c| c.is_ascii_hexdigit()) => {
                color[1..].chars().fold(String::from("#"), |mut s, c| {
                    s.push(c);
                    s.push(c);
                    s
                })
            }
            _ if is_hex_color(color) => color.to_string(),
            _ => PALETTE[out.len() % PALETTE.len()].to_string(),
        }
        .to_ascii_lowercase();
        let description = code.child("Description").map(|d| d.text.as_str()).unwrap_or("");
        let named = description
            .lines()
            .find_map(|l| l.trim().strip_prefix(THEME_ID_LINE))
            .map(str::trim)
            .filter(|id| plain_id(id));
        let id = known
            .get(&g)
            .cloned()
            .or_else(|| named.map(String::from))
            .unwrap_or_else(|| format!("refi-{g}"));
        let rest: String = description
            .lines()
            .filter(|l| !l.trim().starts_with(THEME_ID_LINE))
            .collect::<Vec<_>>()
            .join("\n");
        let mut entry = Codebook::from_summary(&rest);
        if [
            &entry.definition,
            &entry.when_to_use,
            &entry.when_not_to_use,
            &entry.example,
        ]
        .iter()
        .any(|f| char_len(f) > MAX_CODEBOOK_FIELD)
        {
            return Err(ImportError::TooLong {
                field: "Code/Description".into(),
                limit: MAX_CODEBOOK_FIELD,
            });
        }
        entry.parent = parent.clone();
        let theme = Theme {
            id,
            name_zh,
            name_en,
            color,
            key: None,
        };
        theme.validate().map_err(|e| ImportError::InvalidTheme {
            id: theme.id.clone(),
            reason: e.message(),
        })?;
        let top = parent.unwrap_or_else(|| theme.id.clone());
        out.push((g, theme, entry));
        let mut nested: Vec<(&El, Option<String>)> = code.all("Code").map(|c| (c, Some(top.clone()))).collect();
        nested.reverse();
        todo.extend(nested);
    }
    Ok(())
}

/// Reads a REFI-QDA codebook (`.qdc`): each code becomes a theme (see
/// [`read_codes`] for its id and codebook entry) named by the code (Chinese
/// → `name_zh`, else `name_en`), coloured by its `color` or else from
/// [`PALETTE`], without a key; nested codes become sub-themes.
pub fn import_codebook(bytes: &[u8], store: &Store) -> Result<ReadCodebook, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    let root = parse_xml(bytes)?;
    if root.name != "CodeBook" {
        return Err(ImportError::UnknownFormat(root.name.chars().take(60).collect()));
    }
    unique_guids(&root)?;
    let mut codes = Vec::new();
    if let Some(c) = root.child("Codes") {
        read_codes(c, &known_codes(store), &mut codes)?;
    }
    if codes.is_empty() {
        return Err(ImportError::Nothing);
    }
    Ok(split_codes(codes))
}

/// Themes and their codebook entries, as a codebook file gives them.
pub type ReadCodebook = (Vec<Theme>, BTreeMap<String, Codebook>);

/// This app's code GUIDs of the store's themes.
fn known_codes(store: &Store) -> HashMap<String, String> {
    store.themes.keys().map(|id| (code_guid(id), id.clone())).collect()
}

fn split_codes(codes: Vec<ReadCode>) -> ReadCodebook {
    let entries = codes
        .iter()
        .filter(|(_, _, e)| !e.is_empty())
        .map(|(_, t, e)| (t.id.clone(), e.clone()))
        .collect();
    (codes.into_iter().map(|(_, t, _)| t).collect(), entries)
}

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

/// Reads a REFI-QDA project (`.qdpx`) for `doc`.
///
/// The first `TextSource` whose text the archive holds (`plainTextPath`
/// `internal://x.txt` → `Sources/x.txt`) or carries inline
/// (`PlainTextContent`) is read. Its selections are mapped to paragraphs as
/// [`blocks_for`] describes, in the source's own text; when that text is the
/// open document's (same fingerprint) the paragraphs are the document's,
/// otherwise each is found in the open document by its text
/// ([`locate_block`]) and the source's text is offered
/// ([`IncomingDocument::text`]). A selection that fits no paragraph is kept
/// on a synthetic block `unmatched:<n>`, which the preview counts and the
/// import leaves out.
///
/// Codings are grouped into sets by their `creatingUser` (named from
/// `<Users>`); notes a selection points at (`NoteRef`) become notes on its
/// paragraphs. Codes are read as [`import_codebook`] reads them, except that
/// a code this app exported keeps its theme's id, and a user this app
/// exported keeps its set's id.
pub fn import_project(bytes: &[u8], doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    let mut archive = Archive::open(bytes)?;
    let qde = archive
        .find("project.qde")
        .ok_or_else(|| ImportError::MissingEntry("project.qde".into()))?;
    let qde = archive.read(qde)?;
    let root = parse_xml(&qde)?;
    if root.name != "Project" {
        return Err(ImportError::UnknownFormat(root.name.chars().take(60).collect()));
    }
    unique_guids(&root)?;

    // Codes.
    let mut codes = Vec::new();
    if let Some(c) = root.child("CodeBook").and_then(|b| b.child("Codes")) {
        read_codes(c, &known_codes(store), &mut codes)?;
    }
    let theme_of: HashMap<String, String> = codes.iter().map(|(g, t, _)| (g.clone(), t.id.clone())).collect();

    // Users.
    let mut users: HashMap<String, String> = HashMap::new();
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

    // Notes.
    let mut notes: HashMap<String, &str> = HashMap::new();
    for n in root.child("Notes").into_iter().flat_map(|n| n.all("Note")) {
        let text = n.child("PlainTextContent").map(|c| c.text.as_str()).unwrap_or("");
        if char_len(text) > MAX_NOTE {
            return Err(ImportError::TooLong {
                field: "Note".into(),
                limit: MAX_NOTE,
            });
        }
        notes.insert(n.guid()?, text);
    }

    // The source.
    let sources: Vec<&El> = root
        .child("Sources")
        .into_iter()
        .flat_map(|s| s.all("TextSource"))
        .collect();
    let mut found: Option<(&El, String)> = None;
    for s in &sources {
        if let Some(inline) = s.child("PlainTextContent") {
            found = Some((s, inline.text.clone()));
            break;
        }
        let path = s.attr("plainTextPath").unwrap_or("");
        let Some(file) = path.strip_prefix("internal://") else {
            continue;
        };
        if let Some(i) = archive.find(&format!("Sources/{file}")) {
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
        .map(|id| (user_guid(id), id.to_string()))
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
                .and_then(|t| notes.get(&t).copied())
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

#[cfg(test)]
mod tests;
