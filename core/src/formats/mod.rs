//! File formats: every file the app writes or reads, and nothing else.
//!
//! Formats depend on the model ([`crate::document`], [`crate::store`],
//! [`crate::themes`]) and on [`crate::exchange`] (what an import brings);
//! the model never depends on a format, and no format module imports one
//! that imports it back. A format never changes the store: importers return
//! an [`Incoming`], exporters return text or bytes.
//!
//! - [`own_json`]: the app's own annotation file (`docs/annotation-file.md`);
//! - [`w3c`]: W3C Web Annotation JSON-LD;
//! - [`refi`]: REFI-QDA codebook (`.qdc`) and project (`.qdpx`);
//! - [`csv`]: one row per block and coder, for spreadsheets, R and pandas;
//! - [`reliability`]: the reliability data, one row per unit × coder × theme,
//!   from which R and Python reproduce every agreement figure;
//! - [`markdown`]: the codebook as a readable document;
//! - [`dates`]: ISO 8601 times as the formats write and read them;
//! - [`locate`]: the block a quote or a char range points at.
//!
//! [`read`] is the one entry for imports: it checks size and emptiness once,
//! tells the format from the bytes once, and parses once.

pub mod csv;
pub mod dates;
pub mod locate;
pub mod markdown;
pub mod own_json;
pub mod refi;
pub mod reliability;
pub mod w3c;

use serde_json::Value;

use crate::document::Document;
use crate::exchange::{json_error, ImportError, Incoming, MAX_IMPORT_BYTES};
use crate::store::Store;

/// A format told from a file's first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A zip archive: a REFI-QDA project (`.qdpx`).
    Zip,
    /// XML: a REFI-QDA codebook (`.qdc`).
    Xml,
    /// Anything else is read as JSON: the own file or W3C Web Annotation.
    Json,
}

/// Tells the format from the bytes: `PK` opens a zip, `<` (after a BOM and
/// white space) XML, anything else JSON. Never reads past the first bytes.
///
/// ```
/// use annotator_core::formats::{detect, Detected};
/// assert_eq!(detect(b"PK\x03\x04"), Detected::Zip);
/// assert_eq!(detect("\u{feff} <?xml".as_bytes()), Detected::Xml);
/// assert_eq!(detect(b"{}"), Detected::Json);
/// ```
pub fn detect(bytes: &[u8]) -> Detected {
    if bytes.starts_with(b"PK") {
        return Detected::Zip;
    }
    let head = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'<') => Detected::Xml,
        _ => Detected::Json,
    }
}

/// Checks that a file is neither empty nor over [`MAX_IMPORT_BYTES`].
///
/// # Errors
/// [`ImportError::Empty`] for no bytes or only white space,
/// [`ImportError::TooLarge`] (with the size in bytes) over the limit.
pub fn check_size(bytes: &[u8]) -> Result<(), ImportError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(bytes.len()));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ImportError::Empty);
    }
    Ok(())
}

/// Parses JSON text once, after [`check_size`].
///
/// # Errors
/// [`ImportError::Empty`], [`ImportError::TooLarge`], or
/// [`ImportError::NotJson`] / [`ImportError::TooDeep`] from the parser
/// (serde_json's recursion limit of 128 guards deep nesting).
pub fn parse_json(raw: &str) -> Result<Value, ImportError> {
    check_size(raw.as_bytes())?;
    serde_json::from_str(raw).map_err(json_error)
}

/// Reads an import file as [`read`] does, first checking that a name which
/// promises a format (`.qdpx`/`.zip` a zip archive, `.qdc`/`.xml` XML) holds
/// it, so that the message names what is wrong with that file rather than
/// with the format its bytes happen to look like.
///
/// # Errors
/// [`ImportError::NotZip`] or [`ImportError::NotXml`] for a name and bytes
/// that disagree; otherwise as [`read`].
pub fn read_named(name: &str, bytes: &[u8], doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    check_size(bytes)?;
    let lower = name.to_lowercase();
    let detected = detect(bytes);
    if (lower.ends_with(".qdpx") || lower.ends_with(".zip")) && detected != Detected::Zip {
        return Err(ImportError::NotZip("no zip signature (PK)".into()));
    }
    if (lower.ends_with(".qdc") || lower.ends_with(".xml")) && detected != Detected::Xml {
        return Err(ImportError::NotXml("the file does not start with <".into()));
    }
    read(bytes, doc, store)
}

/// An import file read: what it brings to the open document, and for a
/// REFI-QDA project the whole project, whose sources the user picks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadFile {
    pub incoming: Incoming,
    pub project: Option<refi::Project>,
}

/// Reads an import file as [`read_named`] does, keeping a REFI-QDA
/// project whole ([`refi::read_project`]) beside what it brings to the open
/// document `doc` ([`refi::Project::incoming`] for
/// [`refi::Project::source_for`], or its codes alone when it has no
/// readable text source).
///
/// # Errors
/// As [`read_named`].
pub fn read_file(name: &str, bytes: &[u8], doc: &Document, store: &Store) -> Result<ReadFile, ImportError> {
    check_size(bytes)?;
    let lower = name.to_lowercase();
    let named_xml = lower.ends_with(".qdc") || lower.ends_with(".xml");
    if detect(bytes) != Detected::Zip || named_xml {
        return Ok(ReadFile {
            incoming: read_named(name, bytes, doc, store)?,
            project: None,
        });
    }
    let project = refi::read_project(bytes, store)?;
    let incoming = match project.source_for(doc) {
        Some(i) => project.incoming(i, doc, store)?,
        None => project.bare_incoming(doc),
    };
    Ok(ReadFile {
        incoming,
        project: Some(project),
    })
}

/// Reads any file the app imports, from its bytes: a REFI-QDA project or
/// codebook, the app's own annotation file (decided by its `type` field,
/// never by searching the text, since a note may quote anything), or W3C
/// Web Annotation JSON-LD. `doc` is the open document (formats that address
/// text rather than block ids are resolved against it); `store` supplies
/// the themes the app already has.
///
/// # Errors
/// Whatever [`ImportError`] the detected format's reader returns; a file
/// that fails changes nothing.
pub fn read(bytes: &[u8], doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    check_size(bytes)?;
    match detect(bytes) {
        Detected::Zip => refi::import_project(bytes, doc, store),
        Detected::Xml => {
            let (themes, codebook) = refi::import_codebook(bytes, store)?;
            Ok(Incoming {
                themes,
                codebook,
                ..Incoming::new("REFI-QDA codebook (.qdc) · 编码簿", &doc.fingerprint)
            })
        }
        Detected::Json => {
            let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
            // A byte-order mark (a file saved by Notepad) is not JSON's business.
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let value: Value = serde_json::from_str(text).map_err(json_error)?;
            if value.get("type").and_then(Value::as_str) == Some(own_json::FILE_TYPE) {
                own_json::read(&value, store)
            } else {
                w3c::read(&value, doc, store)
            }
        }
    }
}
