//! Writing REFI-QDA 1.0 codebooks (`.qdc`) and projects (`.qdpx`)
//! (<https://www.qdasoftware.org>); both validate against the REFI-QDA
//! schemas of March 2019 (`Codebook-mrt2019.xsd`, `Project-mrt2019.xsd`).

use std::collections::HashSet;
use std::io::{Cursor, Write};

use super::codebook::ThemeLine;
use super::coders::{colour_lines, status_note, STATUS_NOTE_NAME};
use super::guid::{code_guid, guid, user_guid};
use super::positions::{char_to_unit, OffsetUnit};
use super::xml::{Attr, XmlOut};
use super::{CODEBOOK_NS, NAME_CHARS, PROJECT_NS};
use crate::document::Document;
use crate::formats::dates::{iso_utc, parse_iso, MAX_ISO_SECS};
use crate::formats::own_json::APP_NAME;
use crate::store::{AnnotationSet, Store, TagKey};
use crate::themes::Theme;

/// Writes one `Code` for theme `t`, with `children` nested in it. Its
/// `Description` starts with [`THEME_ID_LINE`] and the theme's id; the
/// theme's codebook entry ([`crate::store::Codebook::summary`]) follows on
/// the next lines, if any.
fn write_code(out: &mut XmlOut, store: &Store, t: &Theme, children: &[&Theme]) {
    let mut description = ThemeLine::write(t);
    let summary = store.codebook(&t.id).summary();
    if !summary.is_empty() {
        description.push('\n');
        description.push_str(&summary);
    }
    let (guid, name) = (code_guid(&t.id), t.label());
    out.start(
        "Code",
        &[
            ("guid", &guid),
            ("name", &name),
            ("isCodable", "true"),
            ("color", &t.color),
        ],
    );
    out.text_element("Description", &description);
    for c in children {
        write_code(out, store, c, &[]);
    }
    out.end("Code");
}

/// Writes `<Codes>…</Codes>` for the live themes of a store: sub-themes
/// nested in their parent's `Code` (the app keeps one level).
fn write_codes(out: &mut XmlOut, store: &Store) {
    let themes = store.themes();
    out.start("Codes", &[]);
    for t in themes.iter().filter(|t| store.top_parent(&t.id).is_none()) {
        let children: Vec<&Theme> = themes
            .iter()
            .filter(|c| store.top_parent(&c.id).as_deref() == Some(t.id.as_str()))
            .copied()
            .collect();
        write_code(out, store, t, &children);
    }
    out.end("Codes");
}

/// Writes the live themes of `store` as a REFI-QDA 1.0 codebook (`.qdc`, XML in
/// UTF-8, namespace [`CODEBOOK_NS`]): one codable `Code` per theme, named
/// with its label (`"投资 investment"`), with its colour (`#rrggbb`) and a
/// GUID that depends only on the theme id ([`code_guid`]); sub-themes sit
/// inside their parent's code. Each code's `Description` names the theme's
/// id on its first line (so a codebook read back keeps its themes) and holds
/// its codebook entry after it. Never fails.
///
/// The file validates against the REFI-QDA 1.0 codebook schema
/// (`Codebook-mrt2019.xsd`; checked by `core/tests/refi_xsd.rs`) as long as
/// the store has a live theme: the schema wants at least one `Code`, so the
/// `<Codes>` of a store whose themes are all deleted is empty and refused.
pub fn export_codebook(store: &Store) -> String {
    let mut out = XmlOut::new();
    out.start("CodeBook", &[("xmlns", CODEBOOK_NS), ("origin", APP_NAME)]);
    write_codes(&mut out, store);
    out.end("CodeBook");
    out.finish()
}

/// One document of a project export: its text, its store and the ids of
/// the sets (coders) to write.
pub struct ProjectDoc<'a> {
    pub doc: &'a Document,
    /// The source's name: the library's name for the document, else its
    /// title.
    pub name: Option<&'a str>,
    pub store: &'a Store,
    pub sets: Vec<&'a str>,
}

/// Writes `doc` and the annotations of `sets` as a REFI-QDA 1.0 project
/// (`.qdpx`): [`export_library_project`] with one document, positions in
/// code points.
pub fn export_project(doc: &Document, store: &Store, sets: &[&str], created: &str) -> Vec<u8> {
    export_library_project(
        &[ProjectDoc {
            doc,
            name: None,
            store,
            sets: sets.to_vec(),
        }],
        created,
        OffsetUnit::CodePoints,
    )
}

/// Writes documents and their annotations as one REFI-QDA 1.0 project
/// (`.qdpx`, a zip, deflated): `project.qde` (XML in UTF-8, namespace
/// [`PROJECT_NS`]) and one `Sources/<guid>.txt` per document, its canonical
/// text in UTF-8.
///
/// Each coder of any document (ids of its store's sets; unknown and
/// repeated ids are skipped) is one `User`, named as in the first document
/// that has the set, its `id` the set's id; its colour is a line of the
/// project's `Description`, and its status on a document, when set, a
/// `Note` of its own the `TextSource` points at (see `coders`: REFI-QDA
/// 1.0 has no field for either); the codebook is the union of the documents' live
/// themes (by id, the first document's entry winning). Each paragraph a
/// coder tagged or annotated is one `PlainTextSelection` whose
/// `startPosition`/`endPosition` are the block's range in the canonical
/// text, counted in `unit` (code points unless the target tool counts
/// UTF-16 units, see `docs/refi-qda.md`), end exclusive, with one `Coding`
/// per live theme and a `NoteRef` to its note, kept in `<Notes>`.
/// `created` (RFC 3339, or a date alone) dates the project, the sources,
/// the notes and tags without a time of their own, written in UTC as
/// `2026-11-25T04:59:40Z`; it is left out if empty or not a date. Tags with
/// a time (seconds since the Unix epoch) carry it, in UTC. Stores whose
/// themes are all deleted write no `CodeBook` (the schema wants at least
/// one code in one).
///
/// The `project.qde` written validates against the REFI-QDA 1.0 project
/// schema (`Project-mrt2019.xsd`; checked by `core/tests/refi_xsd.rs`).
///
/// GUIDs depend only on ids and the texts, so the same input gives the
/// same bytes. Never fails.
pub fn export_library_project(docs: &[ProjectDoc], created: &str, unit: OffsetUnit) -> Vec<u8> {
    // Written as the schema's `xsd:dateTime` wants it (`T`, `Z`), whatever
    // form of ISO 8601 it came in; left out if it is none.
    let created = parse_iso(created.trim()).map(iso_utc);
    let when = |at: u64| -> Option<String> {
        if at > 0 && at <= MAX_ISO_SECS {
            Some(iso_utc(at))
        } else {
            created.clone()
        }
    };
    // `attrs` plus `creationDateTime` when there is a time to give.
    fn dated<'a>(mut attrs: Vec<Attr<'a>>, at: &'a Option<String>) -> Vec<Attr<'a>> {
        if let Some(at) = at {
            attrs.push(("creationDateTime", at));
        }
        attrs
    }
    // Per document, its chosen sets; over all, the users in first-seen order.
    let mut users: Vec<(&str, &str, &str)> = Vec::new();
    let chosen: Vec<Vec<&AnnotationSet>> = docs
        .iter()
        .map(|d| {
            let mut seen = HashSet::new();
            d.sets
                .iter()
                .filter(|id| seen.insert(**id))
                .filter_map(|id| d.store.sets.get(*id))
                .inspect(|s| {
                    if !users.iter().any(|(id, _, _)| *id == s.id) {
                        users.push((&s.id, &s.name, &s.color));
                    }
                })
                .collect()
        })
        .collect();
    // The codebook: every document's themes, the first document's entry winning.
    let book = docs.first().map(|first| {
        let mut book = first.store.clone();
        for d in &docs[1..] {
            for (id, e) in &d.store.themes {
                book.themes.entry(id.clone()).or_insert_with(|| e.clone());
            }
            for (id, e) in &d.store.codebook {
                book.codebook.entry(id.clone()).or_insert_with(|| e.clone());
            }
        }
        book
    });
    let many = docs.len() > 1;
    let name = match docs {
        [one] => one.doc.title.clone().unwrap_or_else(|| "speech".into()),
        _ => "speech-annotator library".into(),
    };
    let created_at = when(0);

    let mut x = XmlOut::new();
    x.start(
        "Project",
        &dated(
            vec![("xmlns", PROJECT_NS), ("name", &name), ("origin", APP_NAME)],
            &created_at,
        ),
    );
    if !users.is_empty() {
        x.start("Users", &[]);
        for (id, name, _) in &users {
            x.empty("User", &[("guid", &user_guid(id)), ("name", name), ("id", id)]);
        }
        x.end("Users");
    }
    // The schema wants at least one `Code` in a `CodeBook`: stores whose
    // themes are all deleted write none.
    if let Some(book) = book.as_ref().filter(|b| !b.themes().is_empty()) {
        x.start("CodeBook", &[]);
        write_codes(&mut x, book);
        x.end("CodeBook");
    }

    // (note GUID, its name, its user, its text) in the order they are referred to.
    let mut notes: Vec<(String, String, String, String)> = Vec::new();
    let mut files: Vec<(String, &str)> = Vec::new();
    if !docs.is_empty() {
        x.start("Sources", &[]);
    }
    for (d, chosen) in docs.iter().zip(&chosen) {
        let (doc, store) = (d.doc, d.store);
        let source = guid(&["source", &doc.fingerprint]);
        // With several documents, block ids repeat: the GUIDs of what is in
        // a source name its document too.
        let scope = |parts: &[&str]| -> String {
            let mut all: Vec<&str> = parts.to_vec();
            if many {
                all.insert(1, &doc.fingerprint);
            }
            guid(&all)
        };
        let source_name = d
            .name
            .map(str::to_string)
            .or_else(|| doc.title.clone())
            .unwrap_or_else(|| "speech".into());
        let path = format!("internal://{source}.txt");
        let creator = chosen.first().map(|s| user_guid(&s.id));
        let mut attrs = vec![
            ("guid", source.as_str()),
            ("name", &source_name),
            ("plainTextPath", &path),
        ];
        if let Some(c) = &creator {
            attrs.push(("creatingUser", c));
        }
        x.start("TextSource", &dated(attrs, &created_at));
        for b in &doc.blocks {
            for s in chosen {
                let user = user_guid(&s.id);
                let codings: Vec<(&Theme, u64)> = store
                    .themes()
                    .into_iter()
                    .filter_map(|t| {
                        let e = s.tags.get(&TagKey::new(&b.id, &t.id))?;
                        e.present.then_some((t, e.at))
                    })
                    .collect();
                let note = s.notes.get(&b.id).map(|n| n.text.as_str()).unwrap_or("");
                if codings.is_empty() && note.is_empty() {
                    continue;
                }
                let label: String = b.text.chars().take(NAME_CHARS).collect();
                let (g, start, end) = (
                    scope(&["selection", &s.id, &b.id]),
                    char_to_unit(&doc.text, unit, b.start).to_string(),
                    char_to_unit(&doc.text, unit, b.end).to_string(),
                );
                let at = when(codings.iter().map(|c| c.1).max().unwrap_or(0));
                x.start(
                    "PlainTextSelection",
                    &dated(
                        vec![
                            ("guid", &g),
                            ("name", &label),
                            ("startPosition", &start),
                            ("endPosition", &end),
                            ("creatingUser", &user),
                        ],
                        &at,
                    ),
                );
                for (t, at) in &codings {
                    let (g, code, at) = (scope(&["coding", &s.id, &b.id, &t.id]), code_guid(&t.id), when(*at));
                    x.start("Coding", &dated(vec![("guid", &g), ("creatingUser", &user)], &at));
                    x.empty("CodeRef", &[("targetGUID", &code)]);
                    x.end("Coding");
                }
                if !note.is_empty() {
                    let note_guid = scope(&["note", &s.id, &b.id]);
                    x.empty("NoteRef", &[("targetGUID", &note_guid)]);
                    notes.push((
                        note_guid,
                        format!("{}: {label}", s.name),
                        user.clone(),
                        note.to_string(),
                    ));
                }
                x.end("PlainTextSelection");
            }
        }
        // Each coder's status on the source, when they set one: their own
        // note on it (REFI-QDA 1.0 has no status field; see `coders`).
        for s in chosen {
            if let Some(status) = s.status {
                let note_guid = scope(&["status", &s.id]);
                x.empty("NoteRef", &[("targetGUID", &note_guid)]);
                let name = format!("{STATUS_NOTE_NAME}: {}", s.name);
                notes.push((note_guid, name, user_guid(&s.id), status_note(status)));
            }
        }
        x.end("TextSource");
        files.push((format!("Sources/{source}.txt"), &doc.text));
    }
    if !docs.is_empty() {
        x.end("Sources");
    }
    if !notes.is_empty() {
        x.start("Notes", &[]);
        for (g, name, user, text) in &notes {
            x.start(
                "Note",
                &dated(vec![("guid", g), ("name", name), ("creatingUser", user)], &created_at),
            );
            x.text_element("PlainTextContent", text);
            x.end("Note");
        }
        x.end("Notes");
    }
    // The coders' colours, which REFI-QDA 1.0 has no field for.
    let colours: Vec<(String, &str)> = users.iter().map(|(id, _, c)| (user_guid(id), *c)).collect();
    let description = colour_lines(&colours);
    if !description.is_empty() {
        x.text_element("Description", &description);
    }
    x.end("Project");
    let qde = x.finish();

    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    // Writing to memory cannot fail.
    zip.start_file("project.qde", options).expect("in memory");
    zip.write_all(qde.as_bytes()).expect("in memory");
    for (path, text) in files {
        zip.start_file(path, options).expect("in memory");
        zip.write_all(text.as_bytes()).expect("in memory");
    }
    zip.finish().expect("in memory").into_inner()
}
