//! The annotation file as serde structs: the one definition the writer
//! fills, the reader checks and the JSON Schema is generated from. Their
//! doc comments are the schema's descriptions, written for whoever reads
//! the file, in its JSON names.
//!
//! Fields are declared in the alphabetical order of their JSON names: the
//! order the first writer (a `serde_json::Value`, whose keys are sorted)
//! put them in, so exports stay byte for byte the same. No object refuses
//! unknown fields: a later version-1 writer may add some, and this reader
//! ignores them. An optional field may be left out or be `null`.

use serde::{Deserialize, Serialize};

use super::fields::{
    BlockId, Color, FileType, Fingerprint, List, Term, Text, TopK, Version, MAX_CURATED, MAX_ID, MAX_THEME_ID,
};
use crate::store::{MAX_CODEBOOK_FIELD, MAX_NOTE};
use crate::themes::MAX_NAME;

/// Longest document text read, in chars (the limit on a decoded text's bytes).
const MAX_TEXT: usize = crate::encoding::MAX_TEXT_BYTES;

/// The annotation file a coder exports and a colleague imports: the
/// document it was made for, the themes in use and one or more annotation
/// sets. UTF-8 JSON; offsets count Unicode code points.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
#[cfg_attr(
    test,
    schemars(
        title = "Speech Annotator annotation file, version 1",
        extend("$id" = "urn:speech-annotator:schema:annotation-file:1")
    )
)]
pub(super) struct AnnotationFile {
    /// The coder who exported the file, or null.
    pub annotator: Option<Annotator>,
    /// The program and version that wrote the file (informational).
    pub app: Option<App>,
    pub document: Document,
    /// When the file was written: ISO 8601 date-time with a zone.
    #[cfg_attr(test, schemars(extend("format" = "date-time")))]
    pub exported_at: Option<Text<60>>,
    /// The document's key-term settings and curation. Optional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_terms: Option<KeyTerms>,
    /// One set per coder, or a consensus: at least one.
    #[cfg_attr(test, schemars(length(min = 1)))]
    pub sets: Vec<Set>,
    /// The themes in use. A tag may also name a theme built into the app
    /// (investment, trade, environment, accountability) without it.
    pub themes: Option<Vec<Theme>>,
    /// Always "speech-annotator/annotation-file"; anything else is refused.
    #[serde(rename = "type")]
    pub kind: FileType,
    /// The format version, 1. A larger number comes from a newer app and is
    /// refused with a message asking to update.
    pub version: Version,
}

/// The coder who exported the file.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Annotator {
    pub color: Option<Color>,
    /// The coder's set id.
    pub id: Option<Text<MAX_ID>>,
    pub name: Text<200>,
}

/// The program that wrote the file.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct App {
    pub name: Text<100>,
    pub version: Option<Text<40>>,
}

/// The document the file was made for.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Document {
    /// Each block's id, kind and char range in the canonical text
    /// (informational).
    pub blocks: Option<Vec<Block>>,
    /// The speech's date as the document gives it.
    pub date: Option<Text<60>>,
    /// The first 16 hex digits of SHA-256 of the document's canonical text
    /// (its non-empty lines, trimmed of white space including U+3000, joined
    /// by a line feed).
    pub fingerprint: Fingerprint,
    /// The canonical text itself, unless the coder chose to leave it out.
    /// When present its fingerprint must equal `fingerprint`; with it the
    /// file opens the document on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text<MAX_TEXT>>,
    pub title: Option<Text<500>>,
}

/// One block of the document.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Block {
    /// Where the block ends in the canonical text (exclusive), in Unicode
    /// code points.
    pub end: usize,
    pub id: BlockId,
    pub kind: BlockKind,
    /// Where the block starts in the canonical text, in Unicode code points.
    pub start: usize,
}

/// What a block is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) enum BlockKind {
    Title,
    Meta,
    Heading,
    Paragraph,
    Residue,
}

/// A coding theme.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Theme {
    /// The theme's codebook entry; files without it still import.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub codebook: Option<Codebook>,
    #[cfg_attr(test, schemars(regex(pattern = "^#[0-9A-Fa-f]{6}$")))]
    pub color: Text<7>,
    #[cfg_attr(test, schemars(length(min = 1)))]
    pub id: Text<MAX_THEME_ID>,
    /// The digit key (1–9) that toggles the theme, or null.
    #[cfg_attr(test, schemars(range(min = 1, max = 9)))]
    pub key: Option<u8>,
    /// English name. At least one of the two names is not empty.
    pub name_en: Option<Text<MAX_NAME>>,
    /// Chinese name.
    pub name_zh: Option<Text<MAX_NAME>>,
}

/// What a codebook says about a theme.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Codebook {
    #[serde(default)]
    pub definition: Text<MAX_CODEBOOK_FIELD>,
    #[serde(default)]
    pub example: Text<MAX_CODEBOOK_FIELD>,
    /// The id of the parent theme (one level of sub-themes).
    pub parent: Option<Text<MAX_THEME_ID>>,
    #[serde(default)]
    pub when_not_to_use: Text<MAX_CODEBOOK_FIELD>,
    #[serde(default)]
    pub when_to_use: Text<MAX_CODEBOOK_FIELD>,
}

/// One coder's annotations, or the consensus.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Set {
    /// The set's colour; a set whose colour is not `#rrggbb` is shown in
    /// grey.
    pub color: Option<Color>,
    pub id: Text<MAX_ID>,
    /// A coder's set (the default) or the consensus.
    pub kind: Option<SetKind>,
    pub name: Text<200>,
    /// Non-empty notes, one per block at most.
    pub notes: Option<Vec<Note>>,
    /// The coder's status on the document: "not-started", "in-progress"
    /// or "done". Left out when the coder never set one; then it is read
    /// as "in-progress" if the set holds a tag, a note or a not-coded
    /// mark, else "not-started". In a "done" document every paragraph
    /// without a tag counts as "no theme applies" in agreement statistics.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<SetStatus>,
    /// Live tags, one per block and theme at most.
    pub tags: Option<Vec<Tag>>,
    /// Blocks the coder marked as not coded: missing in agreement
    /// statistics, not 'no theme'. Optional.
    #[cfg_attr(test, schemars(extend("uniqueItems" = true)))]
    pub uncoded: Option<Vec<BlockId>>,
}

/// How far a coder has got with the document.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) enum SetStatus {
    NotStarted,
    InProgress,
    Done,
}

/// Whose annotations a set holds.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) enum SetKind {
    Coder,
    Consensus,
}

/// A theme given to a block.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Tag {
    /// When the tag was set, in seconds since the epoch (UTC); 0 or
    /// missing when unknown.
    pub at: Option<u64>,
    pub block: BlockId,
    /// By hand (the default) or by accepting a suggestion.
    pub how: Option<TagOrigin>,
    /// A theme id defined in `themes` or built into the app.
    pub theme: Text<MAX_ID>,
}

/// How a tag came to be.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) enum TagOrigin {
    Hand,
    Suggestion,
}

/// A coder's note on a block.
#[derive(Debug, Serialize, Deserialize)]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct Note {
    pub block: BlockId,
    /// Free text, always shown as text, never as HTML.
    pub text: Text<MAX_NOTE>,
}

/// The key-term settings and curation that travel with the document. A
/// merge adds the file's curation to the user's and keeps the user's
/// settings; a replace takes the file's.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) struct KeyTerms {
    /// Phrases cut as one word and always listed.
    pub added: Option<List<Term, MAX_CURATED>>,
    /// Terms never listed.
    pub dropped: Option<List<Term, MAX_CURATED>>,
    /// How terms are scored (default fused).
    pub method: Option<Method>,
    /// The parts of speech that count (jieba tags); missing means the
    /// app's default list.
    pub parts_of_speech: Option<List<Term, MAX_CURATED>>,
    /// Terms listed first, in this order.
    pub pinned: Option<List<Term, MAX_CURATED>>,
    /// How many terms to keep by score (default 30).
    pub top_k: Option<TopK>,
}

/// How key terms are scored.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(test, derive(schemars::JsonSchema))]
pub(super) enum Method {
    TfIdf,
    TextRank,
    Fused,
    /// The single-document genre ranking (dispersion, compounds first,
    /// register words weighed down).
    Genre,
    /// Log-likelihood keyness against the library's other documents.
    Keyness,
    /// Keyness when the library has other documents, the genre ranking
    /// otherwise.
    Auto,
}
