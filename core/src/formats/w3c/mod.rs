//! W3C Web Annotation (JSON-LD) export and import, after the W3C Web
//! Annotation Data Model (<https://www.w3.org/TR/annotation-model/>).
//!
//! The app's own file ([`crate::formats::own_json`]) is for colleagues using
//! this app; a W3C Web Annotation collection is what other annotation tools,
//! annotation servers and archives read. The export is one
//! `AnnotationCollection` with its annotations embedded in `first`, and it
//! passes the MUST assertions of the W3C conformance suite (checked in
//! `tests/e2e/w3c.test.mjs`, see `tests/conformance/w3c-annotation-model/`).
//!
//! W3C annotations address text, not block ids: every target carries a
//! `TextQuoteSelector` (the block's text with some context) and a
//! `TextPositionSelector` (its range in the canonical text, counted in
//! Unicode code points, i.e. Rust `char`s, as §4.2.5 of the model, Text
//! Position Selector, requires), so an import finds its paragraph again
//! even in an edited copy of the speech. Themes and coders are plain text
//! there (`"投资 investment"`, a creator's name); the collection also
//! carries namespaced records of the themes, sets and document
//! (`speech-annotator:*`), which JSON-LD processors keep as extra terms, so
//! that the app's own round trip keeps theme ids, colours and keys. Files
//! from other tools, without those records, are mapped by label.
//!
//! What is where: `model.rs` holds the model's shapes as serde structs,
//! written and read; `records.rs` the app's own `speech-annotator:*`
//! records, read strictly; `lenient.rs` the field types that read other
//! tools' files tolerantly; `export.rs` and `import.rs` the writing and
//! reading; `selectors.rs` the quote context and the placing of a target
//! on a paragraph; `iri.rs` the app's URNs and their percent-encoding;
//! `date_time.rs` RFC 3339 date-times.

mod date_time;
mod export;
mod import;
mod iri;
mod lenient;
mod model;
mod records;
mod selectors;

use serde_json::Value;

use crate::document::Document;
use crate::exchange::{ImportError, Incoming};
use crate::store::Store;

/// The Web Annotation JSON-LD context. The `http:` form is the one the model
/// (and its conformance suite) requires; `https:` fails it.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// Most annotations one import reads; a file with more is refused with
/// [`ImportError::TooLong`].
pub const MAX_ANNOTATIONS: usize = 200_000;

/// Key of the collection's record of the themes.
const THEMES_KEY: &str = "speech-annotator:themes";
/// Key of the collection's record of the exported sets.
const SETS_KEY: &str = "speech-annotator:sets";
/// Key of the collection's record of the document.
const DOCUMENT_KEY: &str = "speech-annotator:document";
/// Marks a tag that came from an accepted suggestion (absent: by hand).
/// The structs of `model.rs` name it (as they name the records' keys) in
/// their serde attributes; the tests check the export against it.
#[cfg(test)]
const HOW_KEY: &str = "speech-annotator:how";
/// Most targets one annotation may have.
const MAX_TARGETS: usize = 1_000;
/// Most quotes of less than a paragraph one import looks for in the text.
const MAX_PHRASE_SEARCHES: usize = 20_000;
/// Longest set or theme id kept (as in the app's own file).
const MAX_ID: usize = 200;
/// Longest coder name kept.
const MAX_SET_NAME: usize = 200;
/// Chars of context quoted before and after a block.
const CONTEXT_CHARS: usize = 32;
/// What the user sees as the file's format.
const FORMAT: &str = "W3C Web Annotation · W3C 网页标注";
/// Name of the set that collects annotations without a creator.
const ANONYMOUS: &str = "W3C import";
/// 10000-01-01T00:00:00Z: from here on a year no longer has four digits,
/// which `date-time` requires.
const MAX_SECS: u64 = 253_402_300_800;

/// Writes the annotations of `sets` (live tags on live themes, non-empty
/// notes) as a W3C `AnnotationCollection` (§5.1 of the model), pretty-printed
/// JSON-LD:
///
/// - the collection: `@context` ([`CONTEXT`]), a URN `id`, `label` (the
///   document's title, if any), `created`, `total`, `generator` (the app),
///   the records `speech-annotator:document` / `:themes` / `:sets`, and
///   `first`, one `AnnotationPage` (§5.2, `startIndex` 0) whose `items` are
///   the annotations;
/// - one annotation (§3.1) per live tag (`motivation` `tagging`, body value
///   the theme's label, `created` the time the tag was set, and
///   `speech-annotator:how: "suggestion"` for an accepted suggestion) and
///   one per note (`commenting`, body value the note's text); each has a
///   `Person` creator (the set's name), one `TextualBody` whose `purpose` is
///   the motivation, and one `SpecificResource` target on the document's
///   URN with a `TextQuoteSelector` (the paragraph's text, with up to 32
///   chars of context each side) and a `TextPositionSelector` (the
///   paragraph's `start` and `end` in the canonical text, in Unicode code
///   points, §4.2.5).
///
/// `sets` are set ids; unknown ones and repeats are skipped. `created` is
/// the export time, RFC 3339 with a zone; it also dates the notes and any
/// tag without a time of its own, and is left out if it is not a valid
/// date-time. A tag or note on a block the document lacks has no text to
/// select, so it is left out: a target without a selector would claim the
/// whole speech.
///
/// Never fails: every value written is plain data.
pub fn export(doc: &Document, store: &Store, sets: &[&str], created: &str) -> String {
    export::collection(doc, store, sets, created)
}

/// Reads W3C Web Annotation JSON(-LD) text: the app's own export, or another
/// tool's AnnotationCollection (annotations in `first.items` or `items`),
/// AnnotationPage, array of annotations, or single Annotation. See [`read`]
/// for what becomes of them.
///
/// # Errors
/// [`ImportError::Empty`], [`ImportError::TooLarge`],
/// [`ImportError::NotJson`] or [`ImportError::TooDeep`] for text that is
/// not JSON that can be read (see [`super::parse_json`]); then whatever
/// [`read`] returns.
pub fn import(raw: &str, doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    read(&super::parse_json(raw)?, doc, store)
}

/// Reads W3C Web Annotation JSON already parsed (see [`super::read`] and
/// [`import`]).
///
/// Tagging bodies become tags (their value is matched to a theme by the
/// file's theme record, then by a theme label the app knows, else a new
/// theme `w3c-<n>` is made), commenting bodies (and bodies with no purpose
/// on annotations with no motivation) become notes, and annotations are
/// grouped into sets by creator. A target is placed on a block of `doc` by
/// its quote and position (char offsets, §4.2.5); one that cannot be placed
/// (another document, a bare uri, a selector the app does not read) is
/// kept on a synthetic block `unmatched:<n>`, so the preview counts it and
/// the import leaves it out. Annotations the app keeps nothing of
/// (highlights, bookmarks) and items given only as uris are skipped, and so
/// is any property of another tool's annotation that has the wrong type.
///
/// # Errors
/// - [`ImportError::NotAnObject`] when the JSON is a scalar;
/// - [`ImportError::UnknownFormat`] for an object that is none of the
///   model's containers (with its `type`, if any);
/// - [`ImportError::WrongType`] naming the JSON path (`first.items`,
///   `first.items[3]`) of `items` that are not an array or an item that is
///   neither an object nor a uri;
/// - [`ImportError::TooLong`] naming the path when there are more than
///   [`MAX_ANNOTATIONS`] annotations, more than 1,000 targets on one, or a
///   note, new theme label or creator name over its limit;
/// - [`ImportError::WrongType`], [`ImportError::Missing`],
///   [`ImportError::TooLong`], [`ImportError::InvalidTheme`] or
///   [`ImportError::DuplicateId`] for a damaged record of the app's own
///   (`speech-annotator:themes[2].color`);
/// - [`ImportError::Nothing`] when no tag or note is found.
pub fn read(value: &Value, doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    import::read(value, doc, store)
}

#[cfg(test)]
mod tests;
