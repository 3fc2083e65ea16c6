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
use crate::exchange::{ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag};
use crate::store::{SetKind, Store, TagOrigin, MAX_NOTE};
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
    read(&super::parse_json(raw)?, store)
}

/// Reads an annotation file already parsed as JSON (see [`super::read`]).
///
/// # Errors
/// [`ImportError::NotAnObject`], [`ImportError::UnknownFormat`],
/// [`ImportError::NewerVersion`], or a field error naming its JSON path.
pub fn read(value: &Value, store: &Store) -> Result<Incoming, ImportError> {
    let root = Obj::new(value, "").map_err(|_| ImportError::NotAnObject)?;
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

#[cfg(test)]
mod tests;
