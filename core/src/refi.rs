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

use crate::annotation_file::{iso_utc, APP_NAME};
use crate::compare::CONSENSUS;
use crate::document::{Block, Document};
use crate::exchange::{
    locate_block, ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag, MAX_IMPORT_BYTES,
};
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
mod tests {
    use super::*;
    use crate::store::{AnnotationSet, Command};

    const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");

    fn tag(block: &str, theme: &str, at: u64) -> Command {
        Command::Tag {
            set: "me".into(),
            block: block.into(),
            theme: theme.into(),
            present: true,
            how: TagOrigin::Hand,
            at,
        }
    }

    fn store() -> Store {
        Store::new("tab", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder))
    }

    /// A store with a theme of its own, tags on three paragraphs and two notes.
    fn tagged(doc: &Document) -> Store {
        let mut s = store();
        s.apply(Command::PutTheme(Theme {
            id: "u-1".into(),
            name_zh: "开放".into(),
            name_en: "opening <up> & \"out\"".into(),
            color: "#123abc".into(),
            key: Some(5),
        }))
        .unwrap();
        let p: Vec<&Block> = doc.taggable().collect();
        for cmd in [
            tag(&p[1].id, "trade", 1_657_765_361),
            tag(&p[1].id, "u-1", 0),
            tag(&p[2].id, "investment", 1_657_765_400),
            tag(&p[5].id, "trade", 0),
            Command::Note {
                set: "me".into(),
                block: p[2].id.clone(),
                text: "注意 <b>&\n第二行".into(),
            },
            Command::Note {
                set: "me".into(),
                block: p[7].id.clone(),
                text: "只有笔记".into(),
            },
        ] {
            s.apply(cmd).unwrap();
        }
        s
    }

    /// (block, theme) pairs and notes of a set in a store.
    fn annotations(store: &Store, set: &str) -> (Vec<(String, String)>, BTreeMap<String, String>) {
        let s = &store.sets[set];
        let tags = s
            .tags
            .iter()
            .filter(|(_, e)| e.present)
            .map(|(k, _)| k.clone())
            .collect();
        let notes = s.notes.iter().map(|(b, n)| (b.clone(), n.text.clone())).collect();
        (tags, notes)
    }

    fn incoming_annotations(set: &IncomingSet) -> (Vec<(String, String)>, BTreeMap<String, String>) {
        let mut tags: Vec<_> = set.tags.iter().map(|t| (t.block.clone(), t.theme.clone())).collect();
        tags.sort();
        (tags, set.notes.clone())
    }

    #[test]
    fn guids_are_stable_and_well_formed() {
        let g = code_guid("trade");
        assert_eq!(g, code_guid("trade"));
        assert_ne!(g, code_guid("investment"));
        assert_ne!(g, user_guid("trade"));
        assert_eq!(normalize_guid(&g).as_deref(), Some(g.as_str()));
        assert_eq!(&g[14..15], "5");
        assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(normalize_guid(&format!("{{{}}}", g.to_uppercase())), Some(g));
        assert_eq!(normalize_guid("not-a-guid"), None);
    }

    #[test]
    fn codebook_round_trips_with_entries_and_sub_themes() {
        let doc = Document::parse(SPEECH);
        let mut s = tagged(&doc);
        let processing = Theme {
            id: "u-processing".into(),
            name_zh: "加工贸易".into(),
            name_en: "processing trade".into(),
            color: "#aa5500".into(),
            key: None,
        };
        s.apply(Command::PutTheme(processing)).unwrap();
        let sub = Codebook {
            definition: "来料加工、进料加工 & <其他>".into(),
            example: "加工贸易转型升级\n第二行".into(),
            parent: Some("trade".into()),
            ..Default::default()
        };
        let trade = Codebook {
            definition: "货物与服务贸易".into(),
            when_not_to_use: "只谈投资时".into(),
            ..Default::default()
        };
        for (theme, entry) in [("u-processing", &sub), ("trade", &trade)] {
            s.apply(Command::PutCodebook {
                theme: theme.into(),
                entry: entry.clone(),
            })
            .unwrap();
        }
        let xml = export_codebook(&s);
        assert!(xml.contains(&format!(
            "<CodeBook xmlns=\"{CODEBOOK_NS}\" origin=\"speech-annotator\">"
        )));
        assert!(xml.contains("name=\"贸易 trade\""));
        // the sub-theme's code sits inside its parent's
        let trade_at = xml.find("name=\"贸易 trade\"").unwrap();
        let sub_at = xml.find("name=\"加工贸易 processing trade\"").unwrap();
        let trade_end = trade_at + xml[trade_at..].find("</Code>\n    </Code>").unwrap_or(usize::MAX / 2);
        assert!(sub_at > trade_at && sub_at < trade_end, "{xml}");

        // a new coder's fresh store knows only the built-in themes
        let fresh = store();
        let (themes, entries) = import_codebook(xml.as_bytes(), &fresh).unwrap();
        assert_eq!(themes.len(), s.themes().len());
        for t in &themes {
            let orig = s.theme(&t.id).expect("ids kept, so tags and codebooks line up");
            assert_eq!(
                (t.name_zh.as_str(), t.name_en.as_str()),
                (orig.name_zh.as_str(), orig.name_en.as_str())
            );
            assert_eq!(t.color, orig.color);
            assert_eq!(t.key, None);
        }
        assert_eq!(entries.get("u-processing"), Some(&sub));
        assert_eq!(entries.get("trade"), Some(&trade));
        assert_eq!(entries.len(), 2);

        // applied to the fresh store it gives the same codebook, and applying
        // it again changes nothing (no duplicate themes)
        let mut fresh = fresh;
        let incoming = crate::exchange::read_bytes(xml.as_bytes(), &doc, &fresh).unwrap();
        let cmd = crate::exchange::plan(&incoming, crate::exchange::Mode::Merge, &doc, &fresh, "me");
        fresh.apply(cmd).unwrap();
        assert_eq!(fresh.codebook("u-processing"), sub);
        assert_eq!(fresh.codebook("trade"), trade);
        assert_eq!(fresh.themes().len(), s.themes().len());
        let again = crate::exchange::read_bytes(xml.as_bytes(), &doc, &fresh).unwrap();
        let cmd = crate::exchange::plan(&again, crate::exchange::Mode::Merge, &doc, &fresh, "me");
        assert_eq!(cmd, Command::Batch(vec![]));
    }

    #[test]
    fn a_consensus_set_comes_back_as_a_consensus_not_a_coder() {
        let doc = Document::parse(SPEECH);
        let mut s = tagged(&doc);
        let p = doc.taggable().next().unwrap().id.clone();
        s.apply(Command::AddSet(Box::new(AnnotationSet::new(
            CONSENSUS,
            "共识 · Consensus",
            "#444444",
            SetKind::Consensus,
        ))))
        .unwrap();
        s.apply(Command::Tag {
            set: CONSENSUS.into(),
            block: p,
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 0,
        })
        .unwrap();
        let bytes = export_project(&doc, &s, &["me", CONSENSUS], "2026-11-25T00:00:00Z");
        let got = import_project(&bytes, &doc, &store()).unwrap();
        let kinds: Vec<(&str, SetKind)> = got.sets.iter().map(|x| (x.id.as_str(), x.kind)).collect();
        assert!(kinds.contains(&(CONSENSUS, SetKind::Consensus)), "{kinds:?}");
        assert_eq!(kinds.iter().filter(|(_, k)| *k == SetKind::Coder).count(), 1);
    }

    #[test]
    fn another_tools_codebook_nested_two_deep_keeps_one_level() {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="{CODEBOOK_NS}" origin="MAXQDA">
  <Codes>
    <Code guid="{{11111111-1111-4111-8111-111111111111}}" name="经济" isCodable="true">
      <Description>Economic matters, broadly.</Description>
      <Code guid="22222222-2222-4222-8222-222222222222" name="外资" isCodable="true">
        <Code guid="33333333-3333-4333-8333-333333333333" name="增资扩股" isCodable="true"/>
      </Code>
    </Code>
  </Codes>
</CodeBook>"#
        );
        let (themes, entries) = import_codebook(xml.as_bytes(), &store()).unwrap();
        let ids: Vec<&str> = themes.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "refi-11111111-1111-4111-8111-111111111111",
                "refi-22222222-2222-4222-8222-222222222222",
                "refi-33333333-3333-4333-8333-333333333333"
            ]
        );
        let top = &entries[ids[0]];
        assert_eq!(
            top.definition, "Economic matters, broadly.",
            "a plain description is the definition"
        );
        assert_eq!(top.parent, None);
        assert_eq!(entries[ids[1]].parent.as_deref(), Some(ids[0]));
        assert_eq!(
            entries[ids[2]].parent.as_deref(),
            Some(ids[0]),
            "flattened to one level"
        );
        // exported again, the codes keep their GUIDs
        assert_eq!(code_guid(ids[1]), "22222222-2222-4222-8222-222222222222");
    }

    #[test]
    fn project_round_trips_on_the_speech() {
        let doc = Document::parse(SPEECH);
        let s = tagged(&doc);
        let bytes = export_project(&doc, &s, &["me", "me", "nobody"], "2026-01-02T03:04:05Z");
        let mut archive = Archive::open(&bytes).unwrap();
        let names: Vec<&str> = archive.names.iter().map(|(n, _)| n.as_str()).collect();
        let source = guid(&["source", &doc.fingerprint]);
        assert_eq!(names, ["project.qde".to_string(), format!("Sources/{source}.txt")]);
        let i = archive.find(&format!("Sources/{source}.txt")).unwrap();
        assert_eq!(archive.read(i).unwrap(), doc.text.as_bytes());
        let qde = String::from_utf8(archive.read(archive.find("project.qde").unwrap()).unwrap()).unwrap();
        // Schema order: Users, CodeBook, Sources, Notes.
        let at = |x: &str| qde.find(x).unwrap();
        assert!(
            at("<Users>") < at("<CodeBook>") && at("<CodeBook>") < at("<Sources>") && at("<Sources>") < at("<Notes>")
        );
        assert!(qde.contains("creationDateTime=\"2022-07-14T02:22:41Z\""));

        let incoming = import_project(&bytes, &doc, &s).unwrap();
        assert_eq!(incoming.format, PROJECT_FORMAT);
        assert_eq!(incoming.app.as_deref(), Some("speech-annotator"));
        assert_eq!(incoming.document.fingerprint, doc.fingerprint);
        assert_eq!(incoming.document.text, None);
        assert_eq!(incoming.sets.len(), 1);
        let set = &incoming.sets[0];
        assert_eq!(
            (set.id.as_str(), set.name.as_str(), set.color.as_str()),
            ("me", "Me", "#333333")
        );
        assert_eq!(incoming_annotations(set), annotations(&s, "me"));
        let trade = set.tags.iter().find(|t| t.theme == "trade").unwrap();
        assert_eq!(trade.at, 1_657_765_361);
        // Every theme is known by its id: nothing new.
        let preview = incoming.preview(&doc, &s);
        assert!(preview.new_themes.is_empty());
        assert_eq!(preview.unmatched_blocks, 0);
        assert!(preview.same_document);

        // Into a fresh store, through the plan, the same annotations.
        let mut fresh = store();
        let plan = crate::exchange::plan(&incoming, crate::exchange::Mode::Replace, &doc, &fresh, "me");
        // The fresh store lacks the user's theme: the import brings it.
        fresh.apply(plan).unwrap();
        assert_eq!(annotations(&fresh, "me").0.len(), annotations(&s, "me").0.len());
        assert_eq!(annotations(&fresh, "me").1, annotations(&s, "me").1);

        // Exports are deterministic.
        assert_eq!(bytes, export_project(&doc, &s, &["me"], "2026-01-02T03:04:05Z"));
    }

    #[test]
    fn positions_count_code_points() {
        let doc = Document::parse("标题𠀀\n第一段𠀀𠀀有字。\n第二段。");
        let mut s = store();
        let p: Vec<&Block> = doc.taggable().collect();
        s.apply(tag(&p[0].id, "trade", 0)).unwrap();
        let bytes = export_project(&doc, &s, &["me"], "");
        let qde = {
            let mut a = Archive::open(&bytes).unwrap();
            let i = a.find("project.qde").unwrap();
            String::from_utf8(a.read(i).unwrap()).unwrap()
        };
        // "标题𠀀\n" is 4 code points (5 UTF-16 units, 13 bytes); "第一段𠀀𠀀有字。" is 8 (10 units).
        assert_eq!((p[0].start, p[0].end), (4, 12));
        assert!(qde.contains("startPosition=\"4\" endPosition=\"12\""), "{qde}");
        let incoming = import_project(&bytes, &doc, &s).unwrap();
        assert_eq!(incoming.sets[0].tags[0].block, p[0].id);
    }

    /// A zip of the given entries, deflated.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            z.start_file(*name, o).unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    const U1: &str = "aaaaaaaa-0000-4000-8000-000000000001";
    const C1: &str = "cccccccc-0000-4000-8000-000000000001";
    const C2: &str = "cccccccc-0000-4000-8000-000000000002";

    /// A QualCoder-style project over `text` with the given selections.
    fn qualcoder(text_path: &str, selections: &str) -> String {
        format!(
            r##"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="qc" origin="QualCoder 3.5" creationDateTime="2024-03-01T10:00:00Z">
<Users><User guid="{U1}" name="Wang"/></Users>
<CodeBook><Codes>
<Code guid="{C1}" name="开放" isCodable="true" color="#F0A"><Description>d</Description>
<Code guid="{C2}" name="Reform" isCodable="true" color="not a colour"/></Code>
</Codes></CodeBook>
<Sources><TextSource guid="eeeeeeee-0000-4000-8000-000000000001" name="speech.txt" plainTextPath="{text_path}" creatingUser="{U1}">
{selections}
</TextSource></Sources>
<Notes><Note guid="dddddddd-0000-4000-8000-000000000001" name="memo" creatingUser="{U1}"><PlainTextContent>备忘 &amp; memo</PlainTextContent></Note></Notes>
</Project>"##
        )
    }

    fn selection(n: u32, start: usize, end: usize, code: &str, note: bool) -> String {
        format!(
            r#"<PlainTextSelection guid="ffffffff-0000-4000-8000-{n:012}" name="s" startPosition="{start}" endPosition="{end}" creatingUser="{U1}" creationDateTime="2024-03-01T10:00:00Z"><Coding guid="bbbbbbbb-0000-4000-8000-{n:012}" creatingUser="{U1}"><CodeRef targetGUID="{code}"/></Coding>{}</PlainTextSelection>"#,
            if note {
                r#"<NoteRef targetGUID="dddddddd-0000-4000-8000-000000000001"/>"#
            } else {
                ""
            }
        )
    }

    #[test]
    fn qualcoder_selections_map_to_paragraphs() {
        // The file's text has CRLF and indentation; the open document is its canonical form.
        let raw = "标题\r\n\r\n　　第一段很长很长很长。\r\n第二段。\r\n第三段也很长很长很长很长。";
        let doc = Document::parse(raw);
        let s = store();
        // Raw offsets: "标题\r\n\r\n　　" = 8 chars, so 第一段… is [8, 18); \r\n; 第二段。 [20, 24); \r\n; 第三段… [26, 39).
        let sels = [
            // Spans the whole of paragraph 1 and half of paragraph 2: both.
            selection(1, 8, 23, C1, true),
            // Part of paragraph 3: paragraph 3.
            selection(2, 30, 33, C2, false),
            // The tails of two paragraphs, under half of each: none.
            selection(3, 17, 21, C2, false),
        ]
        .concat();
        let qde = qualcoder("internal://abc.txt", &sels);
        let bytes = zip_of(&[("project.qde", qde.as_bytes()), ("Sources/abc.txt", raw.as_bytes())]);
        let incoming = import_project(&bytes, &doc, &s).unwrap();
        assert_eq!(incoming.document.fingerprint, doc.fingerprint);
        assert_eq!(incoming.document.text, None);
        assert_eq!(incoming.app.as_deref(), Some("QualCoder 3.5"));
        assert_eq!(incoming.themes.len(), 2);
        let (open, reform) = (&incoming.themes[0], &incoming.themes[1]);
        assert_eq!((open.name_zh.as_str(), open.color.as_str()), ("开放", "#ff00aa"));
        assert_eq!((reform.name_en.as_str(), reform.color.as_str()), ("Reform", PALETTE[1]));
        assert_eq!(open.id, format!("refi-{C1}"));
        let set = &incoming.sets[0];
        assert_eq!(
            (set.id.as_str(), set.name.as_str()),
            (format!("refi-{U1}").as_str(), "Wang")
        );
        let b = |i: usize| doc.blocks[i].id.clone();
        let tags: Vec<(String, String)> = set.tags.iter().map(|t| (t.block.clone(), t.theme.clone())).collect();
        assert_eq!(
            tags,
            [
                (b(1), open.id.clone()),
                (b(2), open.id.clone()),
                (b(3), reform.id.clone()),
                ("unmatched:1".into(), reform.id.clone())
            ]
        );
        assert_eq!(set.notes.get(&b(1)).map(String::as_str), Some("备忘 & memo"));
        assert_eq!(set.tags[0].at, parse_secs("2024-03-01T10:00:00Z").unwrap());
        let preview = incoming.preview(&doc, &s);
        assert_eq!((preview.matched_blocks, preview.unmatched_blocks), (3, 1));

        // Another document: the text is offered, paragraphs found by their text.
        let other = Document::parse("别的标题\n第二段。");
        let incoming = import_project(&bytes, &other, &s).unwrap();
        assert_eq!(incoming.document.text.as_deref(), Some(raw));
        let tags: Vec<&str> = incoming.sets[0].tags.iter().map(|t| t.block.as_str()).collect();
        assert_eq!(tags, [other.blocks[1].id.as_str(), "unmatched:1", "unmatched:2"]);

        // Inline text works as well.
        let inline = qualcoder("", &sels).replace(
            "creatingUser=\"aaaaaaaa-0000-4000-8000-000000000001\">\n<PlainTextSelection",
            &format!(
                "creatingUser=\"{U1}\"><PlainTextContent>{}</PlainTextContent>\n<PlainTextSelection",
                esc(raw)
            ),
        );
        let bytes = zip_of(&[("project.qde", inline.as_bytes())]);
        assert_eq!(import_project(&bytes, &doc, &s).unwrap().sets[0].tags.len(), 4);
    }

    /// Sets the uncompressed size of every entry (local header and central
    /// directory) of a zip to `size`.
    fn declare_size(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
        let mut i = 0;
        while i + 4 <= zip.len() {
            match &zip[i..i + 4] {
                b"PK\x03\x04" => zip[i + 22..i + 26].copy_from_slice(&size.to_le_bytes()),
                b"PK\x01\x02" => zip[i + 24..i + 28].copy_from_slice(&size.to_le_bytes()),
                _ => {}
            }
            i += 1;
        }
        zip
    }

    #[test]
    fn bad_archives_are_refused() {
        let doc = Document::parse("标题\n第一段。\n第二段。");
        let s = store();
        let text = doc.text.as_bytes();
        let good = qualcoder("internal://t.txt", &selection(1, 3, 7, C1, false));
        let project = |qde: &str| zip_of(&[("project.qde", qde.as_bytes()), ("Sources/t.txt", text)]);
        assert!(import_project(&project(&good), &doc, &s).is_ok());
        let zeros = vec![0u8; 100_000];
        let billion_laughs = format!(
            "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>{}",
            good.replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "")
                .replace("name=\"memo\"", "name=\"&lol2;\"")
        );
        type Check = fn(&ImportError) -> bool;
        let cases: Vec<(&str, Vec<u8>, Check)> = vec![
            ("not a zip", b"<Project/>".to_vec(), |e| {
                matches!(e, ImportError::NotZip(_))
            }),
            ("empty", Vec::new(), |e| *e == ImportError::Empty),
            ("truncated zip", project(&good)[..60].to_vec(), |e| {
                matches!(e, ImportError::NotZip(_))
            }),
            (
                "an entry inflating past what it declares",
                declare_size(zip_of(&[("project.qde", &zeros)]), 100),
                |e| matches!(e, ImportError::ArchiveTooLarge(_) | ImportError::NotZip(_)),
            ),
            (
                "entries declaring too much",
                declare_size(zip_of(&[("project.qde", b"x"), ("b", b"y")]), 30_000_000),
                |e| matches!(e, ImportError::ArchiveTooLarge(_)),
            ),
            (
                "a ../ path",
                zip_of(&[("../evil", b"x"), ("project.qde", good.as_bytes())]),
                |e| matches!(e, ImportError::UnsafePath(_)),
            ),
            ("an absolute path", zip_of(&[("/etc/evil", b"x")]), |e| {
                matches!(e, ImportError::UnsafePath(_))
            }),
            ("no project.qde", zip_of(&[("Sources/t.txt", text)]), |e| {
                matches!(e, ImportError::MissingEntry(_))
            }),
            ("malformed XML", project("<Project><Sources></Project>"), |e| {
                matches!(e, ImportError::NotXml(_))
            }),
            ("truncated XML", project(&good[..good.len() - 20]), |e| {
                matches!(e, ImportError::NotXml(_))
            }),
            (
                "not UTF-8",
                zip_of(&[("project.qde", b"<Project name=\"\xff\"/>")]),
                |e| *e == ImportError::NotUtf8,
            ),
            ("billion laughs", project(&billion_laughs), |e| {
                *e == ImportError::Doctype
            }),
            ("an undeclared entity", project(&good.replace("备忘", "&lol;")), |e| {
                matches!(e, ImportError::NotXml(_))
            }),
            ("another root", project("<CodeBook/>"), |e| {
                matches!(e, ImportError::UnknownFormat(_))
            }),
            (
                "end before start",
                project(&qualcoder("internal://t.txt", &selection(1, 7, 3, C1, false))),
                |e| matches!(e, ImportError::OutOfRange(_)),
            ),
            (
                "end beyond the text",
                project(&qualcoder("internal://t.txt", &selection(1, 3, 99, C1, false))),
                |e| matches!(e, ImportError::OutOfRange(_)),
            ),
            (
                "negative position",
                project(&qualcoder(
                    "internal://t.txt",
                    &selection(1, 3, 7, C1, false).replace("startPosition=\"3\"", "startPosition=\"-3\""),
                )),
                |e| matches!(e, ImportError::WrongType { .. }),
            ),
            (
                "duplicate GUIDs",
                project(&qualcoder(
                    "internal://t.txt",
                    &[selection(1, 3, 7, C1, false), selection(1, 8, 11, C1, false)].concat(),
                )),
                |e| matches!(e, ImportError::DuplicateId(_)),
            ),
            (
                "an unknown code",
                project(&qualcoder("internal://t.txt", &selection(1, 3, 7, U1, false))),
                |e| matches!(e, ImportError::UnknownTheme(_)),
            ),
            (
                "a missing source text",
                zip_of(&[("project.qde", good.as_bytes())]),
                |e| matches!(e, ImportError::MissingEntry(_)),
            ),
            ("a bad GUID", project(&good.replace(C1, "nope")), |e| {
                matches!(e, ImportError::WrongType { .. })
            }),
            (
                "too deep",
                project(&format!("{}{}", "<a>".repeat(200), "</a>".repeat(200))),
                |e| *e == ImportError::TooDeep,
            ),
        ];
        for (what, bytes, ok) in cases {
            match import_project(&bytes, &doc, &s) {
                Err(e) => {
                    assert!(ok(&e), "{what}: {e:?}");
                    assert!(!e.message().is_empty());
                }
                Ok(_) => panic!("{what}: accepted"),
            }
        }
        let many: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES).map(|i| (format!("f{i}"), Vec::new())).collect();
        let many: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        let stored = {
            let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
            for (name, _) in &many {
                z.start_file(*name, o).unwrap();
            }
            z.finish().unwrap().into_inner()
        };
        assert_eq!(
            import_project(&stored, &doc, &s),
            Err(ImportError::TooManyEntries(MAX_ENTRIES))
        );

        for (what, xml) in [
            ("empty", ""),
            (
                "doctype",
                "<!DOCTYPE x [<!ENTITY a \"b\">]><CodeBook><Codes/></CodeBook>",
            ),
            ("malformed", "<CodeBook><Codes></CodeBook>"),
            ("no codes", "<CodeBook><Codes/></CodeBook>"),
            ("project", "<Project/>"),
        ] {
            assert!(import_codebook(xml.as_bytes(), &store()).is_err(), "{what}");
        }
    }

    #[test]
    fn dates_parse() {
        assert_eq!(parse_secs("2022-07-14T02:22:41Z"), Some(1_657_765_361));
        assert_eq!(parse_secs("2022-07-14T10:22:41.5+08:00"), Some(1_657_765_361));
        assert_eq!(parse_secs("2022-07-14T02:22:41"), Some(1_657_765_361));
        assert_eq!(parse_secs("yesterday"), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..2000)) {
            let doc = Document::parse("标题\n第一段。");
            let s = store();
            let _ = import_project(&bytes, &doc, &s);
            let _ = import_codebook(&bytes, &store());
        }

        #[test]
        fn damaged_projects_never_panic(cut in 0usize..4000, flip in 0usize..4000, bit in 0u8..8) {
            let doc = Document::parse(SPEECH);
            let s = tagged(&doc);
            let mut bytes = export_project(&doc, &s, &["me"], "2026-01-02T03:04:05Z");
            let n = bytes.len();
            bytes[flip % n] ^= 1 << bit;
            bytes.truncate(n - cut % n);
            let _ = import_project(&bytes, &doc, &s);
        }
    }
}
