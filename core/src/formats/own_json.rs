//! The app's own annotation file (`.json`): what a coder sends a colleague.
//!
//! Self-describing (`type`, format `version`, the app and its version, the
//! export time, the annotator), it carries the themes, every live tag and
//! note of the chosen sets, and the document: its fingerprint and title
//! always, its full text unless the user opts out, so a colleague can open
//! the file alone. Documented in `docs/annotation-file.md`.
//!
//! The format is one set of serde structs (`file.rs`) whose fields check
//! their own limits as they are read (`fields.rs`). The writer fills them,
//! the reader deserializes them (through `serde_path_to_error`, so an error
//! names the JSON path of the field) and then checks what spans fields, and
//! a test generates the JSON Schema in `docs/annotation-file.schema.json`
//! (draft 2020-12) from them, so the schema cannot drift from the reader.
//!
//! Reading validates everything before anything changes: a bad file is an
//! [`ImportError`] naming the problem.

mod fields;
mod file;
#[cfg(test)]
mod schema;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::Value;
use serde_path_to_error::{Path, Segment};

use self::fields::{BlockId, Color, FileType, Fingerprint, List, Term, Text, TooLong, TopK, Version};
use crate::document::{BlockKind, Document};
use crate::exchange::{ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag};
use crate::store::{Codebook, SetKind, Status, Store, TagKey, TagOrigin};
use crate::terms::{Method, TermSettings};
use crate::text::fingerprint;
use crate::themes::{is_hex_color, Theme};

/// The `type` every annotation file carries; a file with another is not one.
pub const FILE_TYPE: &str = "speech-annotator/annotation-file";
/// The format version this build writes, and the newest it reads.
pub const FILE_VERSION: u64 = 1;
/// The program's name, written in `app.name` (and by the other formats).
pub const APP_NAME: &str = "speech-annotator";

/// The colour a set gets when its file gives none, or not `#rrggbb`.
const DEFAULT_SET_COLOR: &str = "#5b6b7f";

/// What to put in an exported file.
pub struct ExportOptions<'a> {
    /// Set ids to export (the user's own, and any others they choose), in
    /// order; ids the store lacks are skipped.
    pub sets: &'a [&'a str],
    /// Whether `document.text` carries the document's canonical text.
    pub include_text: bool,
    /// The export time, written as given in `exportedAt`: an RFC 3339
    /// date-time with a zone, as [`super::dates::iso_utc`] writes it.
    pub exported_at: &'a str,
    /// The app's version, written in `app.version`.
    pub app_version: &'a str,
    /// The exporting coder's set id, named as the annotator (`null` when
    /// `None` or not in the store).
    pub annotator: Option<&'a str>,
    /// The document's key-term settings and curation, to travel with it
    /// (`keyTerms`, left out when `None`).
    pub terms: Option<&'a TermSettings>,
}

/// Writes the annotation file: pretty-printed JSON (two-space indent, no
/// final newline), fields in alphabetical order, as `docs/annotation-file.md`
/// describes. Themes are the store's, each with its codebook entry when it
/// has one; each set carries its live tags (on themes the store has), its
/// non-empty notes, its not-coded marks and its status when the coder set
/// one (left out otherwise: the reader derives it from the items, as the
/// store does). Never fails.
pub fn export(doc: &Document, store: &Store, opts: &ExportOptions) -> String {
    let themes = store
        .themes()
        .into_iter()
        .map(|t| {
            let cb = store.codebook(&t.id);
            file::Theme {
                codebook: (!cb.is_empty()).then(|| file::Codebook {
                    definition: Text(cb.definition),
                    example: Text(cb.example),
                    parent: cb.parent.map(Text),
                    when_not_to_use: Text(cb.when_not_to_use),
                    when_to_use: Text(cb.when_to_use),
                }),
                color: Text(t.color.clone()),
                id: Text(t.id.clone()),
                key: t.key,
                name_en: Some(Text(t.name_en.clone())),
                name_zh: Some(Text(t.name_zh.clone())),
            }
        })
        .collect();
    let sets = opts
        .sets
        .iter()
        .filter_map(|id| store.sets.get(*id))
        .map(|s| file::Set {
            color: Some(Color(s.color.clone())),
            id: Text(s.id.clone()),
            kind: Some(match s.kind {
                SetKind::Coder => file::SetKind::Coder,
                SetKind::Consensus => file::SetKind::Consensus,
            }),
            name: Text(s.name.clone()),
            status: s.status.map(|st| match st {
                Status::NotStarted => file::SetStatus::NotStarted,
                Status::InProgress => file::SetStatus::InProgress,
                Status::Done => file::SetStatus::Done,
            }),
            notes: Some(
                s.notes
                    .iter()
                    .filter(|(_, n)| !n.text.is_empty())
                    .map(|(block, n)| file::Note {
                        block: BlockId(block.clone()),
                        text: Text(n.text.clone()),
                    })
                    .collect(),
            ),
            tags: Some(
                s.tags
                    .iter()
                    .filter(|(k, e)| e.present && store.theme(&k.theme).is_some())
                    .map(|(TagKey { block, theme }, e)| file::Tag {
                        at: Some(e.at),
                        block: BlockId(block.clone()),
                        how: Some(match e.how {
                            TagOrigin::Hand => file::TagOrigin::Hand,
                            TagOrigin::Suggestion => file::TagOrigin::Suggestion,
                        }),
                        theme: Text(theme.clone()),
                    })
                    .collect(),
            ),
            uncoded: Some(
                s.uncoded
                    .iter()
                    .filter(|(_, u)| u.on)
                    .map(|(b, _)| BlockId(b.clone()))
                    .collect(),
            ),
        })
        .collect();
    let annotator = opts
        .annotator
        .and_then(|id| store.sets.get(id))
        .map(|s| file::Annotator {
            color: Some(Color(s.color.clone())),
            id: Some(Text(s.id.clone())),
            name: Text(s.name.clone()),
        });
    let blocks = doc
        .blocks
        .iter()
        .map(|b| file::Block {
            end: b.end,
            id: BlockId(b.id.clone()),
            kind: match b.kind {
                BlockKind::Title => file::BlockKind::Title,
                BlockKind::Meta => file::BlockKind::Meta,
                BlockKind::Heading => file::BlockKind::Heading,
                BlockKind::Paragraph => file::BlockKind::Paragraph,
                BlockKind::Residue => file::BlockKind::Residue,
            },
            start: b.start,
        })
        .collect();
    let terms = |list: &[String]| Some(List(list.iter().map(|t| Term(t.clone())).collect()));
    let file = file::AnnotationFile {
        annotator,
        app: Some(file::App {
            name: Text(APP_NAME.into()),
            version: Some(Text(opts.app_version.into())),
        }),
        document: file::Document {
            blocks: Some(blocks),
            date: doc.date.clone().map(Text),
            fingerprint: Fingerprint(doc.fingerprint.clone()),
            text: opts.include_text.then(|| Text(doc.text.clone())),
            title: doc.title.clone().map(Text),
        },
        exported_at: Some(Text(opts.exported_at.into())),
        key_terms: opts.terms.map(|t| file::KeyTerms {
            added: terms(&t.curation.added),
            dropped: terms(&t.curation.dropped),
            method: Some(match t.method {
                Method::TfIdf => file::Method::TfIdf,
                Method::TextRank => file::Method::TextRank,
                Method::Fused => file::Method::Fused,
                Method::Genre => file::Method::Genre,
                Method::Keyness => file::Method::Keyness,
                Method::Auto => file::Method::Auto,
            }),
            parts_of_speech: terms(&t.allowed_pos),
            pinned: terms(&t.curation.pinned),
            top_k: Some(TopK(t.top_k)),
        }),
        sets,
        themes: Some(themes),
        kind: FileType,
        version: Version(FILE_VERSION),
    };
    // Strings, numbers and string-keyed objects only: serialising cannot fail.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

/// Reads an annotation file from its text. `store` supplies the themes the
/// app already has, which tags may name without the file defining them.
///
/// # Errors
/// Those of [`super::parse_json`] (empty, too large, not JSON, nested too
/// deeply), then those of [`read`].
pub fn import(raw: &str, store: &Store) -> Result<Incoming, ImportError> {
    read(&super::parse_json(raw)?, store)
}

/// Reads an annotation file already parsed as JSON (see [`super::read`]).
///
/// Checks, in order: the root is an object; `type` (a string, then the
/// right one); `version` (an integer from 1 to [`FILE_VERSION`]); every
/// field's type and limit (`docs/annotation-file.md`); then, in file order,
/// the text against its fingerprint, each theme (`Theme::validate`) and
/// its id's uniqueness, and each set: a unique id, tags naming a known
/// theme once per block, one note per block, unique not-coded blocks.
///
/// # Errors
/// [`ImportError::NotAnObject`]; [`ImportError::UnknownFormat`] (with the
/// first 60 chars of the `type` found); [`ImportError::NewerVersion`];
/// [`ImportError::Missing`], [`ImportError::WrongType`] or
/// [`ImportError::TooLong`] naming the field's JSON path
/// (`sets[0].tags[2].block`); [`ImportError::InvalidTheme`];
/// [`ImportError::DuplicateId`]; [`ImportError::UnknownTheme`];
/// [`ImportError::Nothing`] when the file holds no set.
pub fn read(value: &Value, store: &Store) -> Result<Incoming, ImportError> {
    if !value.is_object() {
        return Err(ImportError::NotAnObject);
    }
    // The type and the version first, each alone: a file of another kind,
    // or of a newer version, is told so whatever else it holds.
    #[derive(Deserialize)]
    struct TypeField {
        #[serde(rename = "type")]
        kind: Text<200>,
    }
    let kind = parse::<TypeField>(value)?.kind.0;
    if kind != FILE_TYPE {
        return Err(ImportError::UnknownFormat(kind.chars().take(60).collect()));
    }
    #[derive(Deserialize)]
    struct VersionField {
        version: u64,
    }
    let version = parse::<VersionField>(value)?.version;
    if version > FILE_VERSION {
        return Err(ImportError::NewerVersion {
            found: version,
            supported: FILE_VERSION,
        });
    }
    if version == 0 {
        return Err(ImportError::WrongType {
            field: "version".into(),
            expected: "1",
        });
    }
    incoming(parse::<file::AnnotationFile>(value)?, store)
}

/// Deserializes `value` as `T`, naming the path of a field that fails.
fn parse<'a, T: Deserialize<'a>>(value: &'a Value) -> Result<T, ImportError> {
    serde_path_to_error::deserialize(value).map_err(field_error)
}

/// The [`ImportError`] for a field that failed to deserialize: missing,
/// over its limit (the message of [`TooLong`]), or else of the wrong type
/// or value, with what it should be.
fn field_error(e: serde_path_to_error::Error<serde_json::Error>) -> ImportError {
    let field = if e.path().iter().next().is_none() {
        String::new()
    } else {
        e.path().to_string()
    };
    let message = e.inner().to_string();
    // serde's own wording for a required field that is absent.
    if let Some(name) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        return ImportError::Missing(if field.is_empty() {
            name.into()
        } else {
            format!("{field}.{name}")
        });
    }
    if let Some(limit) = TooLong::read(&message) {
        return ImportError::TooLong { field, limit };
    }
    ImportError::WrongType {
        expected: expected(e.path()),
        field,
    }
}

/// What the field at `path` should be, for [`ImportError::WrongType`], by
/// its JSON name (and its parent's, and whether it is an array's item).
fn expected(path: &Path) -> &'static str {
    let item = matches!(path.iter().next_back(), Some(Segment::Seq { .. }));
    let keys: Vec<&str> = path
        .iter()
        .filter_map(|s| match s {
            Segment::Map { key } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    let (parent, name) = match keys.as_slice() {
        [.., parent, name] => (*parent, *name),
        [name] => ("", *name),
        [] => ("", ""),
    };
    const ARRAYS: [&str; 5] = ["themes", "sets", "tags", "notes", "blocks"];
    const TERMS: [&str; 4] = ["added", "dropped", "pinned", "partsOfSpeech"];
    match name {
        "version" => "integer",
        "key" => "a digit 1–9 or null",
        "at" => "seconds (integer)",
        "start" | "end" => "a char offset (integer)",
        "topK" => "an integer from 1 to 500",
        "method" => "\"tfidf\", \"textrank\" or \"fused\"",
        "kind" if parent == "blocks" => "\"title\", \"meta\", \"heading\", \"paragraph\" or \"residue\"",
        "kind" => "\"coder\" or \"consensus\"",
        "how" => "\"hand\" or \"suggestion\"",
        "status" => "\"not-started\", \"in-progress\" or \"done\"",
        "codebook" => "a codebook entry",
        "fingerprint" => "16 hex digits (0-9, a-f)",
        "block" => "a block id (string)",
        "uncoded" if item => "a block id (string)",
        "id" if parent == "blocks" => "a block id (string)",
        n if TERMS.contains(&n) && item => "a term of 1–40 characters",
        n if ARRAYS.contains(&n) && item => "object",
        n if ARRAYS.contains(&n) || TERMS.contains(&n) || n == "uncoded" => "array",
        "app" | "annotator" | "document" | "keyTerms" if parent.is_empty() => "object",
        _ => "string",
    }
}

/// What a deserialized file brings, after the checks that span fields.
fn incoming(f: file::AnnotationFile, store: &Store) -> Result<Incoming, ImportError> {
    let d = f.document;
    let text = d.text.map(|t| t.0);
    if let Some(t) = &text {
        if fingerprint(t) != d.fingerprint.0 {
            return Err(ImportError::WrongType {
                field: "document.text".into(),
                expected: "the text whose fingerprint is document.fingerprint",
            });
        }
    }
    let document = IncomingDocument {
        fingerprint: d.fingerprint.0,
        title: d.title.map(|t| t.0),
        date: d.date.map(|t| t.0),
        text,
    };

    let mut themes = Vec::new();
    let mut codebook = BTreeMap::new();
    let mut theme_ids: BTreeSet<String> = BTreeSet::new();
    for t in f.themes.unwrap_or_default() {
        let theme = Theme {
            id: t.id.0,
            name_zh: t.name_zh.map(|n| n.0).unwrap_or_default(),
            name_en: t.name_en.map(|n| n.0).unwrap_or_default(),
            color: t.color.0,
            key: t.key,
        };
        theme.validate().map_err(|e| ImportError::InvalidTheme {
            id: theme.id.clone(),
            reason: e.message(),
        })?;
        if !theme_ids.insert(theme.id.clone()) {
            return Err(ImportError::DuplicateId(format!("themes: {}", theme.id)));
        }
        if let Some(cb) = t.codebook {
            let entry = Codebook {
                definition: cb.definition.0,
                when_to_use: cb.when_to_use.0,
                when_not_to_use: cb.when_not_to_use.0,
                example: cb.example.0,
                parent: cb.parent.map(|p| p.0),
            };
            codebook.insert(theme.id.clone(), entry);
        }
        themes.push(theme);
    }

    let mut sets = Vec::new();
    let mut set_ids: BTreeSet<String> = BTreeSet::new();
    for (i, s) in f.sets.into_iter().enumerate() {
        let id = s.id.0;
        if !set_ids.insert(id.clone()) {
            return Err(ImportError::DuplicateId(format!("sets: {id}")));
        }
        let mut tags = Vec::new();
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        for t in s.tags.unwrap_or_default() {
            let (block, theme) = (t.block.0, t.theme.0);
            if !theme_ids.contains(&theme) && store.theme(&theme).is_none() {
                return Err(ImportError::UnknownTheme(theme));
            }
            if !seen.insert((block.clone(), theme.clone())) {
                return Err(ImportError::DuplicateId(format!("sets[{i}].tags: {block} {theme}")));
            }
            let how = match t.how {
                Some(file::TagOrigin::Suggestion) => TagOrigin::Suggestion,
                Some(file::TagOrigin::Hand) | None => TagOrigin::Hand,
            };
            tags.push(IncomingTag {
                block,
                theme,
                at: t.at.unwrap_or(0),
                how,
            });
        }
        let mut notes = BTreeMap::new();
        for n in s.notes.unwrap_or_default() {
            let block = n.block.0;
            if notes.insert(block.clone(), n.text.0).is_some() {
                return Err(ImportError::DuplicateId(format!("sets[{i}].notes: {block}")));
            }
        }
        let mut uncoded = BTreeSet::new();
        for b in s.uncoded.unwrap_or_default() {
            if !uncoded.insert(b.0.clone()) {
                return Err(ImportError::DuplicateId(format!("sets[{i}].uncoded: {}", b.0)));
            }
        }
        sets.push(IncomingSet {
            id,
            name: s.name.0,
            color: s
                .color
                .map(|c| c.0)
                .filter(|c| is_hex_color(c))
                .unwrap_or_else(|| DEFAULT_SET_COLOR.into()),
            kind: match s.kind {
                Some(file::SetKind::Consensus) => SetKind::Consensus,
                Some(file::SetKind::Coder) | None => SetKind::Coder,
            },
            tags,
            notes,
            uncoded,
            status: s.status.map(|st| match st {
                file::SetStatus::NotStarted => Status::NotStarted,
                file::SetStatus::InProgress => Status::InProgress,
                file::SetStatus::Done => Status::Done,
            }),
        });
    }
    if sets.is_empty() {
        return Err(ImportError::Nothing);
    }
    Ok(Incoming {
        format: "annotation file · 标注文件",
        annotator: f.annotator.map(|a| a.name.0),
        exported_at: f.exported_at.map(|t| t.0),
        app: f.app.map(|a| {
            format!("{} {}", a.name.0, a.version.map(|v| v.0).unwrap_or_default())
                .trim()
                .to_string()
        }),
        document,
        themes,
        codebook,
        sets,
        terms: f.key_terms.map(key_terms),
    })
}

/// The key-term settings a file carries; fields it leaves out take the
/// defaults.
fn key_terms(k: file::KeyTerms) -> TermSettings {
    let list = |l: Option<List<Term, { fields::MAX_CURATED }>>| -> Vec<String> {
        l.map(|l| l.0.into_iter().map(|t| t.0).collect()).unwrap_or_default()
    };
    let mut out = TermSettings::default();
    if let Some(k) = k.top_k {
        out.top_k = k.0;
    }
    if let Some(m) = k.method {
        out.method = match m {
            file::Method::TfIdf => Method::TfIdf,
            file::Method::TextRank => Method::TextRank,
            file::Method::Fused => Method::Fused,
            file::Method::Genre => Method::Genre,
            file::Method::Keyness => Method::Keyness,
            file::Method::Auto => Method::Auto,
        };
    }
    if k.parts_of_speech.is_some() {
        out.allowed_pos = list(k.parts_of_speech);
    }
    out.curation.added = list(k.added);
    out.curation.dropped = list(k.dropped);
    out.curation.pinned = list(k.pinned);
    out
}
