//! Exports of the open document: which format, and the file it makes.

use crate::document::Document;
use crate::formats::refi::OffsetUnit;
use crate::formats::{self, own_json};
use crate::persist::KeyValue;
use crate::store::Store;
use crate::terms::TermSettings;

use super::Workspace;

/// What to export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// The app's own annotation file: the user's set or every set, with the
    /// document's text or without.
    Json { all_sets: bool, include_text: bool },
    /// W3C Web Annotation JSON-LD, every set.
    W3c,
    /// The user's own set, or every set (one row per coder and paragraph).
    Csv { all_sets: bool },
    /// REFI-QDA project: the text and every coder's codings, positions in
    /// the unit the target tool counts.
    Qdpx { unit: OffsetUnit },
    /// REFI-QDA codebook.
    Qdc,
    /// The codebook as a readable Markdown document.
    CodebookMarkdown,
}

impl ExportKind {
    /// Whether the file names coders (every kind but the codebooks), so
    /// an unnamed user is asked for their name before it goes out.
    pub fn names_coders(&self) -> bool {
        !matches!(self, ExportKind::Qdc | ExportKind::CodebookMarkdown)
    }
}

/// A file to hand to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// Safe on every file system: `标题-2022-07-14-annotations.json`.
    pub name: String,
    /// The media type, with a charset for text.
    pub media_type: &'static str,
    pub bytes: Vec<u8>,
}

/// `标题-2022-07-14`: file names that say what they hold.
pub fn base_name(doc: &Document) -> String {
    let title = doc.title.clone().unwrap_or_else(|| "speech".into());
    let date = doc.date.as_deref().map(|d| format!("-{d}")).unwrap_or_default();
    crate::text::safe_file_name(&format!("{title}{date}"))
}

impl<K: KeyValue> Workspace<K> {
    /// Exports the open document's annotations in `store`. `own` is the
    /// user's set (named as the annotator), `terms` the document's key-term
    /// settings (carried by the own format), `now_secs` the export time in
    /// seconds since the epoch, `app_version` the app's version.
    pub fn export(
        &self,
        store: &Store,
        kind: ExportKind,
        own: &str,
        terms: &TermSettings,
        now_secs: u64,
        app_version: &str,
    ) -> ExportFile {
        let doc = &*self.doc;
        let created = formats::dates::iso_utc(now_secs);
        let base = base_name(doc);
        let all: Vec<&str> = store.sets.keys().map(String::as_str).collect();
        let own_only = [own];
        let (name, media_type, bytes) = match kind {
            ExportKind::Json { all_sets, include_text } => {
                let opts = own_json::ExportOptions {
                    sets: if all_sets { &all } else { &own_only },
                    include_text,
                    exported_at: &created,
                    app_version,
                    annotator: Some(own),
                    terms: Some(terms),
                };
                (
                    format!("{base}-annotations.json"),
                    "application/json",
                    own_json::export(doc, store, &opts).into_bytes(),
                )
            }
            ExportKind::W3c => (
                format!("{base}-w3c.jsonld"),
                "application/ld+json",
                formats::w3c::export(doc, store, &all, &created).into_bytes(),
            ),
            ExportKind::Qdpx { unit } => (
                format!("{base}.qdpx"),
                "application/zip",
                formats::refi::export_library_project(
                    &[formats::refi::ProjectDoc {
                        doc,
                        name: None,
                        store,
                        sets: all.clone(),
                    }],
                    &created,
                    unit,
                ),
            ),
            ExportKind::CodebookMarkdown => (
                format!("{base}-codebook.md"),
                "text/markdown;charset=utf-8",
                formats::markdown::codebook_markdown(store, doc.title.as_deref().unwrap_or("")).into_bytes(),
            ),
            ExportKind::Qdc => (
                format!("{base}-codebook.qdc"),
                "application/xml",
                formats::refi::export_codebook(store).into_bytes(),
            ),
            ExportKind::Csv { all_sets } => (
                format!("{base}-codes.csv"),
                "text/csv;charset=utf-8",
                formats::csv::csv(doc, store, if all_sets { &all } else { &own_only }).into_bytes(),
            ),
        };
        ExportFile {
            name,
            media_type,
            bytes,
        }
    }
}
