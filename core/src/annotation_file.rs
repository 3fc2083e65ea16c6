//! The app's own annotation file (`.json`): what a coder sends a colleague.
//!
//! Self-describing (`type`, format `version`, the app and its version, the
//! export time, the annotator), it carries the themes, every live tag and
//! note of the chosen sets, and the document: its fingerprint and title
//! always, its full text unless the user opts out, so a colleague can open
//! the file alone. Documented in `docs/annotation-file.md` with a JSON
//! Schema in `docs/annotation-file.schema.json`.
//!
//! Reading validates everything before anything changes: a bad file is an
//! [`ImportError`] naming the problem.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use crate::document::Document;
use crate::exchange::{
    json_error, ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag, MAX_IMPORT_BYTES,
};
use crate::store::{AnnotationSet, SetKind, Store, TagOrigin, MAX_NOTE};
use crate::terms::TermSettings;
use crate::text::{char_len, fingerprint};
use crate::themes::{Theme, MAX_NAME};

pub const FILE_TYPE: &str = "speech-annotator/annotation-file";
pub const FILE_VERSION: u64 = 1;
pub const APP_NAME: &str = "speech-annotator";

/// What to put in an exported file.
pub struct ExportOptions<'a> {
    /// Set ids to export (the user's own, and any others they choose).
    pub sets: &'a [&'a str],
    pub include_text: bool,
    /// ISO 8601 with a zone.
    pub exported_at: &'a str,
    pub app_version: &'a str,
    /// The exporting coder's set id, named as the annotator.
    pub annotator: Option<&'a str>,
    /// The document's key-term settings and curation, to travel with it.
    pub terms: Option<&'a TermSettings>,
}

/// Writes the annotation file.
pub fn export(doc: &Document, store: &Store, opts: &ExportOptions) -> String {
    let themes: Vec<Value> = store
        .themes()
        .into_iter()
        .map(|t| {
            let mut v = json!({"id": t.id, "nameZh": t.name_zh, "nameEn": t.name_en, "color": t.color, "key": t.key});
            let cb = store.codebook(&t.id);
            if !cb.is_empty() {
                v["codebook"] = serde_json::to_value(cb).expect("plain data serialises");
            }
            v
        })
        .collect();
    let sets: Vec<Value> = opts
        .sets
        .iter()
        .filter_map(|id| store.sets.get(*id))
        .map(|s| {
            let tags: Vec<Value> = s
                .tags
                .iter()
                .filter(|((_, theme), e)| e.present && store.theme(theme).is_some())
                .map(|((block, theme), e)| {
                    json!({"block": block, "theme": theme, "at": e.at, "how": if e.how == TagOrigin::Suggestion { "suggestion" } else { "hand" }})
                })
                .collect();
            let notes: Vec<Value> = s
                .notes
                .iter()
                .filter(|(_, n)| !n.text.is_empty())
                .map(|(block, n)| json!({"block": block, "text": n.text}))
                .collect();
            let uncoded: Vec<&String> = s.uncoded.iter().filter(|(_, u)| u.on).map(|(b, _)| b).collect();
            json!({"id": s.id, "name": s.name, "color": s.color, "kind": s.kind, "tags": tags, "notes": notes, "uncoded": uncoded})
        })
        .collect();
    let annotator = opts
        .annotator
        .and_then(|id| store.sets.get(id))
        .map(|s| json!({"id": s.id, "name": s.name, "color": s.color}));
    let mut document = json!({
        "fingerprint": doc.fingerprint,
        "title": doc.title,
        "date": doc.date,
        "blocks": doc.blocks.iter().map(|b| json!({"id": b.id, "kind": b.kind, "start": b.start, "end": b.end})).collect::<Vec<_>>(),
    });
    if opts.include_text {
        document["text"] = Value::String(doc.text.clone());
    }
    let mut file = json!({
        "type": FILE_TYPE,
        "version": FILE_VERSION,
        "app": {"name": APP_NAME, "version": opts.app_version},
        "exportedAt": opts.exported_at,
        "annotator": annotator,
        "document": document,
        "themes": themes,
        "sets": sets,
    });
    if let Some(t) = opts.terms {
        file["keyTerms"] = json!({
            "topK": t.top_k,
            "method": t.method,
            "partsOfSpeech": t.allowed_pos,
            "added": t.curation.added,
            "dropped": t.curation.dropped,
            "pinned": t.curation.pinned,
        });
    }
    serde_json::to_string_pretty(&file).expect("plain data serialises")
}

/// Most terms a curation list may hold, and the longest term, in a file.
const MAX_CURATED: usize = 2000;
const MAX_TERM: usize = 40;

/// Reads the optional `keyTerms` object: every field checked, none required
/// (missing ones take the defaults).
fn read_terms(root: &Obj) -> Result<Option<TermSettings>, ImportError> {
    let t = match root.map.get("keyTerms") {
        None | Some(Value::Null) => return Ok(None),
        Some(v) => Obj::new(v, "keyTerms")?,
    };
    let list = |k: &str| -> Result<Vec<String>, ImportError> {
        let items = t.opt_array(k)?;
        if items.len() > MAX_CURATED {
            return Err(ImportError::TooLong {
                field: t.field(k),
                limit: MAX_CURATED,
            });
        }
        items
            .iter()
            .enumerate()
            .map(|(i, v)| match v.as_str() {
                Some(s) if !s.trim().is_empty() && char_len(s) <= MAX_TERM => Ok(s.trim().to_string()),
                _ => Err(ImportError::WrongType {
                    field: format!("{}[{i}]", t.field(k)),
                    expected: "a term of 1–40 characters",
                }),
            })
            .collect()
    };
    let mut out = TermSettings::default();
    if let Some(v) = t.map.get("topK").filter(|v| !v.is_null()) {
        out.top_k = v
            .as_u64()
            .filter(|n| (1..=500).contains(n))
            .ok_or(ImportError::WrongType {
                field: t.field("topK"),
                expected: "an integer from 1 to 500",
            })? as usize;
    }
    if let Some(m) = t.opt_str("method", 20)? {
        out.method = serde_json::from_value(Value::String(m.into())).map_err(|_| ImportError::WrongType {
            field: t.field("method"),
            expected: "\"tfidf\", \"textrank\" or \"fused\"",
        })?;
    }
    if t.map.contains_key("partsOfSpeech") {
        out.allowed_pos = list("partsOfSpeech")?;
    }
    out.curation.added = list("added")?;
    out.curation.dropped = list("dropped")?;
    out.curation.pinned = list("pinned")?;
    Ok(Some(out))
}

/// Walks a JSON object, naming the path of whatever is wrong.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: &str) -> Result<Self, ImportError> {
        v.as_object()
            .map(|map| Obj { map, path: path.into() })
            .ok_or(ImportError::WrongType {
                field: path.into(),
                expected: "object",
            })
    }
    fn field(&self, k: &str) -> String {
        if self.path.is_empty() {
            k.into()
        } else {
            format!("{}.{k}", self.path)
        }
    }
    fn get(&self, k: &str) -> Result<&'a Value, ImportError> {
        self.map.get(k).ok_or_else(|| ImportError::Missing(self.field(k)))
    }
    fn str(&self, k: &str, limit: usize) -> Result<&'a str, ImportError> {
        let s = self.get(k)?.as_str().ok_or(ImportError::WrongType {
            field: self.field(k),
            expected: "string",
        })?;
        if char_len(s) > limit {
            return Err(ImportError::TooLong {
                field: self.field(k),
                limit,
            });
        }
        Ok(s)
    }
    fn opt_str(&self, k: &str, limit: usize) -> Result<Option<&'a str>, ImportError> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => self.str(k, limit).map(Some),
        }
    }
    fn array(&self, k: &str) -> Result<&'a [Value], ImportError> {
        self.get(k)?
            .as_array()
            .map(Vec::as_slice)
            .ok_or(ImportError::WrongType {
                field: self.field(k),
                expected: "array",
            })
    }
    fn opt_array(&self, k: &str) -> Result<&'a [Value], ImportError> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(&[]),
            Some(_) => self.array(k),
        }
    }
}

/// Longest id accepted.
const MAX_ID: usize = 200;

/// Reads an annotation file. `store` supplies the themes the app already
/// has, which tags may name without the file defining them.
pub fn import(raw: &str, store: &Store) -> Result<Incoming, ImportError> {
    if raw.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    if raw.len() > MAX_IMPORT_BYTES {
        return Err(ImportError::TooLarge(raw.len()));
    }
    let value: Value = serde_json::from_str(raw).map_err(json_error)?;
    let root = Obj::new(&value, "").map_err(|_| ImportError::NotAnObject)?;
    let kind = root.str("type", 200)?;
    if kind != FILE_TYPE {
        return Err(ImportError::UnknownFormat(kind.chars().take(60).collect()));
    }
    let version = root.get("version")?.as_u64().ok_or(ImportError::WrongType {
        field: "version".into(),
        expected: "integer",
    })?;
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
    let app = match root.map.get("app") {
        Some(a @ Value::Object(_)) => {
            let a = Obj::new(a, "app")?;
            Some(
                format!("{} {}", a.str("name", 100)?, a.opt_str("version", 40)?.unwrap_or(""))
                    .trim()
                    .to_string(),
            )
        }
        _ => None,
    };
    let exported_at = root.opt_str("exportedAt", 60)?.map(str::to_string);
    let annotator = match root.map.get("annotator") {
        Some(a @ Value::Object(_)) => Some(Obj::new(a, "annotator")?.str("name", 200)?.to_string()),
        _ => None,
    };

    let d = Obj::new(root.get("document")?, "document")?;
    let text = d.opt_str("text", crate::encoding::MAX_TEXT_BYTES)?.map(str::to_string);
    let fp = d.str("fingerprint", 64)?.to_string();
    if let Some(t) = &text {
        if fingerprint(t) != fp {
            return Err(ImportError::WrongType {
                field: "document.text".into(),
                expected: "the text whose fingerprint is document.fingerprint",
            });
        }
    }
    let document = IncomingDocument {
        fingerprint: fp,
        title: d.opt_str("title", 500)?.map(str::to_string),
        date: d.opt_str("date", 60)?.map(str::to_string),
        text,
    };

    let mut themes = Vec::new();
    let mut codebook = BTreeMap::new();
    let mut theme_ids: BTreeSet<String> = BTreeSet::new();
    for (i, v) in root.opt_array("themes")?.iter().enumerate() {
        let t = Obj::new(v, &format!("themes[{i}]"))?;
        let key = match t.map.get("key") {
            None | Some(Value::Null) => None,
            Some(k) => Some(k.as_u64().filter(|k| *k <= 255).ok_or(ImportError::WrongType {
                field: t.field("key"),
                expected: "a digit 1–9 or null",
            })? as u8),
        };
        let theme = Theme {
            id: t.str("id", MAX_ID)?.into(),
            name_zh: t.opt_str("nameZh", MAX_NAME)?.unwrap_or("").into(),
            name_en: t.opt_str("nameEn", MAX_NAME)?.unwrap_or("").into(),
            color: t.str("color", 7)?.into(),
            key,
        };
        theme.validate().map_err(|e| ImportError::InvalidTheme {
            id: theme.id.clone(),
            reason: e.message(),
        })?;
        if !theme_ids.insert(theme.id.clone()) {
            return Err(ImportError::DuplicateId(format!("themes: {}", theme.id)));
        }
        if let Some(cb) = t.map.get("codebook").filter(|c| !c.is_null()) {
            let cb: crate::store::Codebook =
                serde_json::from_value(cb.clone()).map_err(|_| ImportError::WrongType {
                    field: t.field("codebook"),
                    expected: "a codebook entry",
                })?;
            for f in [&cb.definition, &cb.when_to_use, &cb.when_not_to_use, &cb.example] {
                if char_len(f) > crate::store::MAX_CODEBOOK_FIELD {
                    return Err(ImportError::TooLong {
                        field: t.field("codebook"),
                        limit: crate::store::MAX_CODEBOOK_FIELD,
                    });
                }
            }
            codebook.insert(theme.id.clone(), cb);
        }
        themes.push(theme);
    }

    let mut sets = Vec::new();
    let mut set_ids: BTreeSet<String> = BTreeSet::new();
    for (i, v) in root.array("sets")?.iter().enumerate() {
        let s = Obj::new(v, &format!("sets[{i}]"))?;
        let id = s.str("id", MAX_ID)?.to_string();
        if !set_ids.insert(id.clone()) {
            return Err(ImportError::DuplicateId(format!("sets: {id}")));
        }
        let kind = match s.opt_str("kind", 20)? {
            None | Some("coder") => SetKind::Coder,
            Some("consensus") => SetKind::Consensus,
            Some(_) => {
                return Err(ImportError::WrongType {
                    field: s.field("kind"),
                    expected: "\"coder\" or \"consensus\"",
                })
            }
        };
        let color = s
            .opt_str("color", 7)?
            .filter(|c| crate::themes::is_hex_color(c))
            .unwrap_or("#5b6b7f");
        let mut tags = Vec::new();
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        for (j, tv) in s.opt_array("tags")?.iter().enumerate() {
            let t = Obj::new(tv, &format!("sets[{i}].tags[{j}]"))?;
            let block = t.str("block", MAX_ID)?.to_string();
            let theme = t.str("theme", MAX_ID)?.to_string();
            if !theme_ids.contains(&theme) && store.theme(&theme).is_none() {
                return Err(ImportError::UnknownTheme(theme));
            }
            if !seen.insert((block.clone(), theme.clone())) {
                return Err(ImportError::DuplicateId(format!("sets[{i}].tags: {block} {theme}")));
            }
            let at = match t.map.get("at") {
                None | Some(Value::Null) => 0,
                Some(a) => a.as_u64().ok_or(ImportError::WrongType {
                    field: t.field("at"),
                    expected: "seconds (integer)",
                })?,
            };
            let how = if t.opt_str("how", 20)? == Some("suggestion") {
                TagOrigin::Suggestion
            } else {
                TagOrigin::Hand
            };
            tags.push(IncomingTag { block, theme, at, how });
        }
        let mut notes = BTreeMap::new();
        for (j, nv) in s.opt_array("notes")?.iter().enumerate() {
            let n = Obj::new(nv, &format!("sets[{i}].notes[{j}]"))?;
            let block = n.str("block", MAX_ID)?.to_string();
            let text = n.str("text", MAX_NOTE)?.to_string();
            if notes.insert(block.clone(), text).is_some() {
                return Err(ImportError::DuplicateId(format!("sets[{i}].notes: {block}")));
            }
        }
        let mut uncoded = BTreeSet::new();
        for (j, bv) in s.opt_array("uncoded")?.iter().enumerate() {
            let block = bv
                .as_str()
                .filter(|b| !b.is_empty() && b.len() <= MAX_ID)
                .ok_or_else(|| ImportError::WrongType {
                    field: format!("sets[{i}].uncoded[{j}]"),
                    expected: "a block id (string)",
                })?;
            if !uncoded.insert(block.to_string()) {
                return Err(ImportError::DuplicateId(format!("sets[{i}].uncoded: {block}")));
            }
        }
        sets.push(IncomingSet {
            id,
            name: s.str("name", 200)?.to_string(),
            color: color.to_string(),
            kind,
            tags,
            notes,
            uncoded,
        });
    }
    if sets.is_empty() {
        return Err(ImportError::Nothing);
    }
    Ok(Incoming {
        format: "annotation file · 标注文件",
        annotator,
        exported_at,
        app,
        document,
        themes,
        codebook,
        sets,
        terms: read_terms(&root)?,
    })
}

/// Seconds since the epoch as ISO 8601 UTC (`2026-11-25T04:59:40Z`).
///
/// ```
/// assert_eq!(annotator_core::annotation_file::iso_utc(0), "1970-01-01T00:00:00Z");
/// assert_eq!(annotator_core::annotation_file::iso_utc(1_657_765_361), "2022-07-14T02:22:41Z");
/// ```
pub fn iso_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The codebook as a readable Markdown document, to print or attach to a
/// paper's appendix. Sub-themes are listed under their parent.
pub fn codebook_markdown(store: &Store, title: &str) -> String {
    let themes = store.themes();
    let mut out = format!("# 编码簿 · Codebook\n\n{title}\n\n");
    let top: Vec<_> = themes
        .iter()
        .filter(|t| store.codebook(&t.id).parent.is_none())
        .collect();
    for t in top {
        write_theme(&mut out, store, t, "##");
        for sub in themes
            .iter()
            .filter(|s| store.codebook(&s.id).parent.as_deref() == Some(t.id.as_str()))
        {
            write_theme(&mut out, store, sub, "###");
        }
    }
    out
}

fn write_theme(out: &mut String, store: &Store, t: &Theme, level: &str) {
    let cb = store.codebook(&t.id);
    let key = t.key.map(|k| format!(" · key {k}")).unwrap_or_default();
    out.push_str(&format!("{level} {}\n\n`{}` · {}{key}\n\n", t.label(), t.id, t.color));
    for (label, text) in [
        ("定义 · Definition", &cb.definition),
        ("何时使用 · When to use", &cb.when_to_use),
        ("何时不用 · When not to use", &cb.when_not_to_use),
        ("示例 · Example", &cb.example),
    ] {
        if !text.trim().is_empty() {
            out.push_str(&format!("**{label}.** {}\n\n", text.trim()));
        }
    }
}

/// One row per taggable block (per coder, with `coder` and `coder_id` columns, when
/// several sets are exported: the long format R and pandas group by), a 0/1
/// column per theme, whether the coder marked it not coded, the note and the
/// text; UTF-8 with a BOM so Excel shows Chinese. Cells that a spreadsheet
/// would run as a formula are prefixed with `'`.
pub fn csv(doc: &Document, store: &Store, sets: &[&str]) -> String {
    let themes = store.themes();
    let sets: Vec<&AnnotationSet> = sets.iter().filter_map(|id| store.sets.get(*id)).collect();
    let several = sets.len() > 1;
    let mut out = String::from("\u{feff}");
    let mut header = vec!["block".to_string(), "block_id".into(), "kind".into()];
    if several {
        // The id tells coders apart when two never changed the default name.
        header.extend(["coder".to_string(), "coder_id".into()]);
    }
    header.extend(themes.iter().map(|t| t.label()));
    header.extend(["not_coded".to_string(), "note".into(), "text".into()]);
    push_row(&mut out, &header);
    for s in sets {
        for b in doc.taggable() {
            let mut row = vec![b.index.to_string(), b.id.clone(), b.kind.as_str().to_string()];
            if several {
                row.extend([s.name.clone(), s.id.clone()]);
            }
            let flag = |on: bool| if on { "1" } else { "0" }.to_string();
            row.extend(themes.iter().map(|t| flag(s.has_tag(&b.id, &t.id))));
            row.push(flag(s.is_uncoded(&b.id)));
            row.push(store.note(&s.id, &b.id).to_string());
            row.push(b.text.clone());
            push_row(&mut out, &row);
        }
    }
    out
}

fn push_row(out: &mut String, cells: &[String]) {
    let quoted: Vec<String> = cells.iter().map(|c| csv_cell(c)).collect();
    out.push_str(&quoted.join(","));
    out.push_str("\r\n");
}

fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::{plan, Mode};
    use crate::store::{AnnotationSet, Command};
    use proptest::prelude::*;

    const SPEECH: &str = include_str!("../../assets/speech-foreign-trade-2022-07-14.txt");

    fn coded() -> (Document, Store) {
        let doc = Document::parse(SPEECH);
        let mut store = Store::new("tab", &AnnotationSet::new("me", "Li 李", "#333333", SetKind::Coder));
        let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
        let tag = |b: &str, t: &str| Command::Tag {
            set: "me".into(),
            block: b.into(),
            theme: t.into(),
            present: true,
            how: TagOrigin::Hand,
            at: 1_657_765_361,
        };
        store
            .apply(Command::PutTheme(Theme {
                id: "u-1".into(),
                name_zh: "创新<b>".into(),
                name_en: "".into(),
                color: "#123456".into(),
                key: Some(5),
            }))
            .unwrap();
        for (b, t) in [
            (&p[1], "trade"),
            (&p[1], "investment"),
            (&p[3], "u-1"),
            (&p[5], "environment"),
        ] {
            store.apply(tag(b, t)).unwrap();
        }
        store.apply(tag(&p[6], "trade")).unwrap();
        store
            .apply(Command::Tag {
                set: "me".into(),
                block: p[6].clone(),
                theme: "trade".into(),
                present: false,
                how: TagOrigin::Hand,
                at: 0,
            })
            .unwrap();
        store
            .apply(Command::Note {
                set: "me".into(),
                block: p[1].clone(),
                text: "贸易与投资 \"quoted\", <script>".into(),
            })
            .unwrap();
        for b in [&p[2], &p[7]] {
            store
                .apply(Command::Uncoded {
                    set: "me".into(),
                    block: b.clone(),
                    on: true,
                })
                .unwrap();
        }
        (doc, store)
    }

    fn exported(doc: &Document, store: &Store, include_text: bool) -> String {
        export(
            doc,
            store,
            &ExportOptions {
                sets: &["me"],
                include_text,
                exported_at: "2026-11-25T04:59:40Z",
                app_version: "0.1.0",
                annotator: Some("me"),
                terms: None,
            },
        )
    }

    fn fresh() -> Store {
        Store::new("tab2", &AnnotationSet::new("you", "Wang", "#999999", SetKind::Coder))
    }

    /// Live tags, notes and not-coded marks of a set, for comparing stores.
    type Pairs = Vec<(String, String)>;

    fn live(store: &Store, set: &str) -> (Pairs, Pairs, Vec<String>) {
        let s = &store.sets[set];
        (
            s.tags
                .iter()
                .filter(|(_, e)| e.present)
                .map(|(k, _)| k.clone())
                .collect(),
            s.notes
                .iter()
                .filter(|(_, n)| !n.text.is_empty())
                .map(|(k, n)| (k.clone(), n.text.clone()))
                .collect(),
            s.uncoded.iter().filter(|(_, u)| u.on).map(|(k, _)| k.clone()).collect(),
        )
    }

    #[test]
    fn export_then_import_gives_the_same_annotations() {
        let (doc, store) = coded();
        let raw = exported(&doc, &store, true);
        let inc = import(&raw, &fresh()).unwrap();
        assert_eq!(inc.annotator.as_deref(), Some("Li 李"));
        assert_eq!(inc.document.text.as_deref(), Some(doc.text.as_str()));
        let preview = inc.preview(&doc, &fresh());
        assert_eq!((preview.tags, preview.notes, preview.unmatched_blocks), (4, 1, 0));
        assert!(preview.same_document);
        // replace into a fresh store: the same live tags and notes as the original
        let mut target = fresh();
        target.apply(plan(&inc, Mode::Replace, &doc, &target, "you")).unwrap();
        assert_eq!(live(&target, "you"), live(&store, "me"));
        assert_eq!(target.theme("u-1"), store.theme("u-1"));
        // the round trip is stable
        let again = export(
            &doc,
            &target,
            &ExportOptions {
                sets: &["you"],
                include_text: true,
                exported_at: "2026-11-25T04:59:40Z",
                app_version: "0.1.0",
                annotator: Some("you"),
                terms: None,
            },
        );
        assert_eq!(import(&again, &fresh()).unwrap().sets[0].tags, inc.sets[0].tags);
    }

    #[test]
    fn key_term_curation_travels_and_merges_without_undoing_a_pin() {
        let (doc, store) = coded();
        let mut theirs = TermSettings {
            top_k: 12,
            ..Default::default()
        };
        theirs.curation.added.push("外经贸调度".into());
        theirs
            .curation
            .dropped
            .extend(["园区".to_string(), "稳外贸".to_string()]);
        theirs.curation.pinned.push("招商引资".into());
        let raw = export(
            &doc,
            &store,
            &ExportOptions {
                sets: &["me"],
                include_text: false,
                exported_at: "2026-11-25T04:59:40Z",
                app_version: "0.1.0",
                annotator: Some("me"),
                terms: Some(&theirs),
            },
        );
        let inc = import(&raw, &fresh()).unwrap();
        assert_eq!(inc.terms.as_ref(), Some(&theirs), "round trip");

        let mut mine = TermSettings::default();
        mine.curation.pinned.push("园区".into());
        let merged = crate::exchange::merge_terms(&mine, inc.terms.as_ref(), Mode::Merge).unwrap();
        assert_eq!(merged.top_k, mine.top_k, "a merge keeps my settings");
        assert_eq!(merged.curation.added, ["外经贸调度"]);
        assert_eq!(merged.curation.dropped, ["稳外贸"], "my pinned 园区 is not dropped");
        assert_eq!(merged.curation.pinned, ["园区", "招商引资"]);
        assert_eq!(
            crate::exchange::merge_terms(&merged, inc.terms.as_ref(), Mode::Merge),
            None,
            "idempotent"
        );
        assert_eq!(
            crate::exchange::merge_terms(&mine, inc.terms.as_ref(), Mode::Replace),
            Some(theirs.clone())
        );
        assert_eq!(
            crate::exchange::merge_terms(&mine, inc.terms.as_ref(), Mode::SideBySide),
            None
        );
        assert_eq!(crate::exchange::merge_terms(&mine, None, Mode::Merge), None);

        // bad key-term fields are refused with their path
        let with = |f: &dyn Fn(&mut Value)| {
            let mut v: Value = serde_json::from_str(&raw).unwrap();
            f(&mut v);
            import(&v.to_string(), &fresh())
        };
        for (what, r) in [
            ("topK 0", with(&|v| v["keyTerms"]["topK"] = json!(0))),
            ("method", with(&|v| v["keyTerms"]["method"] = json!("magic"))),
            (
                "long term",
                with(&|v| v["keyTerms"]["added"] = json!(["长".repeat(41)])),
            ),
            ("not a string", with(&|v| v["keyTerms"]["dropped"] = json!([1]))),
            ("not an object", with(&|v| v["keyTerms"] = json!([]))),
        ] {
            assert!(r.is_err(), "{what}: {r:?}");
        }
        assert!(with(&|v| v["keyTerms"] = Value::Null).unwrap().terms.is_none());
    }

    #[test]
    fn merge_is_a_union_with_notes_marked_by_author_and_undoable() {
        let (doc, theirs) = coded();
        let inc = import(&exported(&doc, &theirs, false), &fresh()).unwrap();
        let mut mine = fresh();
        let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
        mine.apply(Command::Tag {
            set: "you".into(),
            block: p[2].clone(),
            theme: "accountability".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 1,
        })
        .unwrap();
        mine.apply(Command::Note {
            set: "you".into(),
            block: p[1].clone(),
            text: "我的笔记".into(),
        })
        .unwrap();
        mine.apply(Command::Uncoded {
            set: "you".into(),
            block: p[1].clone(),
            on: true,
        })
        .unwrap();
        let before = mine.clone();
        let inverse = mine.apply(plan(&inc, Mode::Merge, &doc, &mine, "you")).unwrap();
        assert_eq!(mine.themes_of("you", &p[1]), ["investment", "trade"]);
        assert_eq!(mine.themes_of("you", &p[2]), ["accountability"], "own tags kept");
        assert!(mine.sets["you"].is_uncoded(&p[7]), "their not-coded mark comes in");
        assert!(
            !mine.sets["you"].is_uncoded(&p[2]),
            "but not over a paragraph we tagged"
        );
        assert!(
            !mine.sets["you"].is_uncoded(&p[1]),
            "a paragraph the file tags is coded now"
        );
        assert_eq!(
            mine.note("you", &p[1]),
            "我的笔记\n— Li 李: 贸易与投资 \"quoted\", <script>"
        );
        // merging the same file again changes nothing (duplicates folded)
        let twice = plan(&inc, Mode::Merge, &doc, &mine, "you");
        assert_eq!(twice, Command::Batch(vec![]));
        mine.apply(inverse).unwrap();
        assert_eq!(live(&mine, "you"), live(&before, "you"));
        assert!(mine.theme("u-1").is_none(), "the imported theme went with the undo");
    }

    #[test]
    fn a_consensus_opened_side_by_side_stays_open_for_adjudication() {
        let (doc, mut theirs) = coded();
        let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
        theirs
            .apply(Command::AddSet(Box::new(AnnotationSet::new(
                crate::compare::CONSENSUS,
                "共识 · Consensus",
                "#444444",
                SetKind::Consensus,
            ))))
            .unwrap();
        let raw = export(
            &doc,
            &theirs,
            &ExportOptions {
                sets: &["me", crate::compare::CONSENSUS],
                include_text: false,
                exported_at: "2026-11-25T04:59:40Z",
                app_version: "0.1.0",
                annotator: Some("me"),
                terms: None,
            },
        );
        let inc = import(&raw, &fresh()).unwrap();
        let mut mine = fresh();
        mine.apply(plan(&inc, Mode::SideBySide, &doc, &mine, "you")).unwrap();
        assert!(mine.sets["me"].readonly, "a coder is read-only");
        assert!(!mine.sets[crate::compare::CONSENSUS].readonly);
        let rule = crate::compare::adjudicate(&doc, &mine, &p[1], &crate::compare::Ruling::Coder("me".into()), 1);
        mine.apply(rule).unwrap();
        assert_eq!(
            mine.themes_of(crate::compare::CONSENSUS, &p[1]),
            ["investment", "trade"]
        );
    }

    #[test]
    fn side_by_side_opens_a_read_only_set() {
        let (doc, theirs) = coded();
        let inc = import(&exported(&doc, &theirs, false), &fresh()).unwrap();
        let mut mine = fresh();
        mine.apply(plan(&inc, Mode::SideBySide, &doc, &mine, "you")).unwrap();
        assert!(mine.sets["me"].readonly);
        assert_eq!(live(&mine, "me"), live(&theirs, "me"));
        assert!(live(&mine, "you").0.is_empty(), "own set untouched");
    }

    #[test]
    fn a_file_for_an_edited_document_maps_by_paragraph_text_and_reports_the_rest() {
        let (doc, store) = coded();
        let raw = exported(&doc, &store, false);
        let p: Vec<_> = doc.taggable().collect();
        // the edited speech lost the paragraph that carried u-1 and gained another
        let edited = SPEECH.replace(&p[3].text, "一段新写的话。");
        let edited = Document::parse(&edited);
        let inc = import(&raw, &fresh()).unwrap();
        let preview = inc.preview(&edited, &fresh());
        assert!(!preview.same_document);
        assert_eq!((preview.matched_blocks, preview.unmatched_blocks), (2, 1));
        let mut target = fresh();
        target.apply(plan(&inc, Mode::Merge, &edited, &target, "you")).unwrap();
        let tagged: usize = live(&target, "you").0.len();
        assert_eq!(tagged, 3, "the tag on the missing paragraph is not attached anywhere");
    }

    #[test]
    fn bad_files_are_refused_with_a_reason() {
        let (doc, store) = coded();
        let good = exported(&doc, &store, true);
        let v: Value = serde_json::from_str(&good).unwrap();
        let with = |f: &dyn Fn(&mut Value)| {
            let mut v = v.clone();
            f(&mut v);
            v.to_string()
        };
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let huge_note = with(&|v| v["sets"][0]["notes"][0]["text"] = Value::String("长".repeat(MAX_NOTE + 1)));
        type Case = (&'static str, String, fn(&ImportError) -> bool);
        let cases: Vec<Case> = vec![
            ("empty", String::new(), |e| *e == ImportError::Empty),
            (
                "a 50 MB file",
                format!("{{\"type\":\"{}\"}}", "长".repeat(50 * 1024 * 1024 / 3)),
                |e| matches!(e, ImportError::TooLarge(n) if *n > 50_000_000),
            ),
            ("not json", "hello".into(), |e| matches!(e, ImportError::NotJson(_))),
            (
                "truncated",
                good.chars().take(good.chars().count() / 2).collect(),
                |e| matches!(e, ImportError::NotJson(_)),
            ),
            ("deep nesting", deep, |e| *e == ImportError::TooDeep),
            ("an array", "[1,2,3]".into(), |e| *e == ImportError::NotAnObject),
            ("wrong type", with(&|v| v["type"] = json!("something/else")), |e| {
                matches!(e, ImportError::UnknownFormat(_))
            }),
            ("newer version", with(&|v| v["version"] = json!(2)), |e| {
                matches!(e, ImportError::NewerVersion { found: 2, .. })
            }),
            (
                "missing sets",
                with(&|v| {
                    v.as_object_mut().unwrap().remove("sets");
                }),
                |e| *e == ImportError::Missing("sets".into()),
            ),
            (
                "missing document",
                with(&|v| {
                    v.as_object_mut().unwrap().remove("document");
                }),
                |e| *e == ImportError::Missing("document".into()),
            ),
            ("sets not an array", with(&|v| v["sets"] = json!("x")), |e| {
                matches!(e, ImportError::WrongType { .. })
            }),
            (
                "tag block a number",
                with(&|v| v["sets"][0]["tags"][0]["block"] = json!(3)),
                |e| matches!(e, ImportError::WrongType { field, .. } if field == "sets[0].tags[0].block"),
            ),
            ("huge note", huge_note, |e| matches!(e, ImportError::TooLong { .. })),
            (
                "duplicate theme",
                with(&|v| {
                    let t = v["themes"][0].clone();
                    v["themes"].as_array_mut().unwrap().push(t);
                }),
                |e| matches!(e, ImportError::DuplicateId(_)),
            ),
            (
                "duplicate set",
                with(&|v| {
                    let s = v["sets"][0].clone();
                    v["sets"].as_array_mut().unwrap().push(s);
                }),
                |e| matches!(e, ImportError::DuplicateId(_)),
            ),
            (
                "duplicate tag",
                with(&|v| {
                    let t = v["sets"][0]["tags"][0].clone();
                    v["sets"][0]["tags"].as_array_mut().unwrap().push(t);
                }),
                |e| matches!(e, ImportError::DuplicateId(_)),
            ),
            (
                "unknown theme",
                with(&|v| v["sets"][0]["tags"][0]["theme"] = json!("ghost")),
                |e| *e == ImportError::UnknownTheme("ghost".into()),
            ),
            (
                "bad colour",
                with(&|v| v["themes"][0]["color"] = json!("url(x)")),
                |e| matches!(e, ImportError::InvalidTheme { .. } | ImportError::TooLong { .. }),
            ),
            (
                "text not matching fingerprint",
                with(&|v| v["document"]["text"] = json!("别的文本")),
                |e| matches!(e, ImportError::WrongType { .. }),
            ),
            ("no sets", with(&|v| v["sets"] = json!([])), |e| {
                *e == ImportError::Nothing
            }),
        ];
        for (name, raw, ok) in cases {
            match import(&raw, &fresh()) {
                Err(e) => {
                    assert!(ok(&e), "{name}: unexpected error {e:?}");
                    assert!(!e.message().is_empty());
                }
                Ok(_) => panic!("{name}: accepted"),
            }
        }
    }

    #[test]
    fn the_codebook_travels_with_the_file_and_reads_as_markdown() {
        let (doc, mut store) = coded();
        let entry = crate::store::Codebook {
            definition: "吸引和利用外资".into(),
            when_to_use: "提到外资项目时".into(),
            parent: None,
            ..Default::default()
        };
        store
            .apply(Command::PutCodebook {
                theme: "investment".into(),
                entry: entry.clone(),
            })
            .unwrap();
        let sub = crate::store::Codebook {
            definition: "加工贸易".into(),
            parent: Some("trade".into()),
            ..Default::default()
        };
        store
            .apply(Command::PutCodebook {
                theme: "u-1".into(),
                entry: sub,
            })
            .unwrap();
        let inc = import(&exported(&doc, &store, false), &fresh()).unwrap();
        assert_eq!(inc.codebook["investment"], entry);
        let mut target = fresh();
        target.apply(plan(&inc, Mode::Merge, &doc, &target, "you")).unwrap();
        assert_eq!(target.codebook("investment"), entry);
        assert_eq!(target.codebook("u-1").parent.as_deref(), Some("trade"));
        let md = codebook_markdown(&target, "讲话");
        assert!(md.contains("## 投资 investment") && md.contains("**定义 · Definition.** 吸引和利用外资"));
        assert!(md.contains("### 创新<b>"), "sub-theme under its parent: {md}");
        // a file without a codebook still imports
        let mut v: Value = serde_json::from_str(&exported(&doc, &store, false)).unwrap();
        for t in v["themes"].as_array_mut().unwrap() {
            t.as_object_mut().unwrap().remove("codebook");
        }
        assert!(import(&v.to_string(), &fresh()).unwrap().codebook.is_empty());
    }

    #[test]
    fn html_in_names_and_notes_is_kept_as_text() {
        let (doc, store) = coded();
        let inc = import(&exported(&doc, &store, false), &fresh()).unwrap();
        assert!(inc.themes.iter().any(|t| t.name_zh == "创新<b>"));
        assert!(inc.sets[0].notes.values().any(|n| n.contains("<script>")));
    }

    #[test]
    fn csv_has_a_bom_a_row_per_paragraph_and_safe_cells() {
        let (doc, mut store) = coded();
        let p: Vec<_> = doc.taggable().map(|b| b.id.clone()).collect();
        store
            .apply(Command::Note {
                set: "me".into(),
                block: p[0].clone(),
                text: "=HYPERLINK(\"x\")".into(),
            })
            .unwrap();
        let csv = csv(&doc, &store, &["me"]);
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 1 + doc.taggable().count());
        assert!(lines[0].contains("投资 investment"));
        assert!(
            csv.contains("\"'=HYPERLINK(\"\"x\"\")\""),
            "formula neutralised and quoted"
        );
        let second = lines.iter().find(|l| l.contains(&p[1])).unwrap();
        assert!(second.contains(",1,1,0,0,0,0,"), "{second}");
        let third = lines.iter().find(|l| l.contains(&p[2])).unwrap();
        assert!(third.contains(",0,0,0,0,0,1,"), "not coded: {third}");

        // several coders: long format with a coder column
        store
            .apply(Command::AddSet(Box::new(AnnotationSet::new(
                "b",
                "Wang 王",
                "#999999",
                SetKind::Coder,
            ))))
            .unwrap();
        let both = super::csv(&doc, &store, &["b", "me"]);
        let lines: Vec<&str> = both.trim_end().split("\r\n").collect();
        assert_eq!(lines.len(), 1 + 2 * doc.taggable().count());
        assert!(lines[0].starts_with("\u{feff}block,block_id,kind,coder,coder_id,"));
        assert!(lines[1].contains(",Wang 王,b,"));
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,300}") {
            let _ = import(&s, &fresh());
        }

        #[test]
        fn mutated_files_never_panic(cut in 0usize..4000, junk in "[\\[\\]{}\",:0-9a-z]{0,8}") {
            let (doc, store) = coded();
            let raw = exported(&doc, &store, false);
            let cut = (0..=cut.min(raw.len())).rev().find(|i| raw.is_char_boundary(*i)).unwrap_or(0);
            let _ = import(&format!("{}{}{}", &raw[..cut], junk, &raw[cut..]), &fresh());
            let _ = import(&raw[..cut], &fresh());
        }
    }
}
