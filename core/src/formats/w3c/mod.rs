//! W3C Web Annotation (JSON-LD) export and import.
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
//! `TextPositionSelector` (its char range in the canonical text), so an
//! import finds its paragraph again even in an edited copy of the speech.
//! Themes and coders are plain text there (`"投资 investment"`, a creator's
//! name); the collection also carries namespaced records of the themes, sets
//! and document (`speech-annotator:*`), which JSON-LD processors keep as
//! extra terms, so that the app's own round trip keeps theme ids, colours and
//! keys. Files from other tools, without those records, are mapped by label.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Map, Value};

use crate::document::{Block, Document};
use crate::exchange::{ImportError, Incoming, IncomingDocument, IncomingSet, IncomingTag};
use crate::formats::dates::iso_utc;
use crate::formats::locate::locate_block;
use crate::formats::own_json::APP_NAME;
use crate::store::{SetKind, Store, TagOrigin, MAX_NOTE};
use crate::text::char_len;
use crate::themes::{is_hex_color, Theme, MAX_NAME, PALETTE};

/// The Web Annotation JSON-LD context. The `http:` form is the one the model
/// (and its conformance suite) requires; `https:` fails it.
pub const CONTEXT: &str = "http://www.w3.org/ns/anno.jsonld";

/// Prefix of every id the app mints: a URN needs no server and never
/// pretends that the annotations are published anywhere.
const URN: &str = "urn:speech-annotator:";
const THEMES_KEY: &str = "speech-annotator:themes";
const SETS_KEY: &str = "speech-annotator:sets";
const DOCUMENT_KEY: &str = "speech-annotator:document";
/// Marks a tag that came from an accepted suggestion (absent: by hand).
const HOW_KEY: &str = "speech-annotator:how";

/// Most annotations one import reads.
pub const MAX_ANNOTATIONS: usize = 200_000;
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

// ---------------------------------------------------------------- export

/// Writes the annotations of `sets` (live tags on live themes, non-empty
/// notes) as a W3C `AnnotationCollection`. `created` is the export time, ISO
/// 8601 with a zone; it also dates the notes and any tag without a time of
/// its own, and is left out if it is not a valid date-time.
///
/// A tag or note on a block the document lacks has no text to select, so it
/// is left out: a target without a selector would claim the whole speech.
pub fn export(doc: &Document, store: &Store, sets: &[&str], created: &str) -> String {
    let created = date_time_secs(created).map(|_| created);
    let fp = encode(&doc.fingerprint);
    let source = format!("{URN}doc:{fp}");
    let text = CharIndex::new(&doc.text);
    let blocks: HashMap<&str, &Block> = doc.blocks.iter().map(|b| (b.id.as_str(), b)).collect();
    let target = |block: &str| -> Option<Value> {
        let b = blocks.get(block)?;
        let mut quote = json!({"type": "TextQuoteSelector", "exact": b.text});
        let prefix = text.slice(b.start.saturating_sub(CONTEXT_CHARS), b.start);
        let suffix = text.slice(b.end, b.end + CONTEXT_CHARS);
        if !prefix.is_empty() {
            quote["prefix"] = prefix.into();
        }
        if !suffix.is_empty() {
            quote["suffix"] = suffix.into();
        }
        Some(json!({
            "type": "SpecificResource",
            "source": source,
            "selector": [quote, {"type": "TextPositionSelector", "start": b.start, "end": b.end}],
        }))
    };

    let mut seen = BTreeSet::new();
    let chosen: Vec<_> = sets
        .iter()
        .filter(|id| seen.insert(**id))
        .filter_map(|id| store.sets.get(*id))
        .collect();
    let mut items = Vec::new();
    for set in &chosen {
        let who = encode(&set.id);
        let creator = json!({"id": format!("{URN}coder:{who}"), "type": "Person", "name": set.name});
        for ((block, theme), e) in set.tags.iter().filter(|(_, e)| e.present) {
            let (Some(theme_def), Some(target)) = (store.theme(theme), target(block)) else {
                continue;
            };
            // No `id` on the body: a body with an id counts as an External
            // Web Resource, which must not carry `purpose`.
            let mut a = json!({
                "@context": CONTEXT,
                "id": format!("{URN}tag:{fp}:{who}:{}:{}", encode(block), encode(theme)),
                "type": "Annotation",
                "motivation": "tagging",
                "creator": creator,
                "body": {"type": "TextualBody", "purpose": "tagging", "value": theme_def.label(), "format": "text/plain"},
                "target": target,
            });
            let when = (e.at > 0 && e.at < MAX_SECS).then(|| iso_utc(e.at));
            if let Some(when) = when.as_deref().or(created) {
                a["created"] = when.into();
            }
            if e.how == TagOrigin::Suggestion {
                a[HOW_KEY] = "suggestion".into();
            }
            items.push(a);
        }
        for (block, note) in set.notes.iter().filter(|(_, n)| !n.text.is_empty()) {
            let Some(target) = target(block) else {
                continue;
            };
            let mut a = json!({
                "@context": CONTEXT,
                "id": format!("{URN}note:{fp}:{who}:{}", encode(block)),
                "type": "Annotation",
                "motivation": "commenting",
                "creator": creator,
                "body": {"type": "TextualBody", "purpose": "commenting", "value": note.text, "format": "text/plain"},
                "target": target,
            });
            if let Some(when) = created {
                a["created"] = when.into();
            }
            items.push(a);
        }
    }

    let themes: Vec<Value> = store
        .themes()
        .into_iter()
        .map(|t| json!({"id": t.id, "nameZh": t.name_zh, "nameEn": t.name_en, "color": t.color, "key": t.key}))
        .collect();
    let set_records: Vec<Value> = chosen
        .iter()
        .map(|s| json!({"id": s.id, "name": s.name, "color": s.color, "kind": s.kind}))
        .collect();
    // Two coders' exports of one speech are different collections.
    let who: Vec<String> = chosen.iter().map(|s| encode(&s.id)).collect();
    let id = format!("{URN}collection:{fp}:{}", who.join(","));
    let mut collection = json!({
        "@context": CONTEXT,
        "id": id,
        "type": "AnnotationCollection",
        "total": items.len(),
        "generator": {"id": format!("{URN}app"), "type": "Software", "name": APP_NAME},
        DOCUMENT_KEY: {"fingerprint": doc.fingerprint, "title": doc.title, "date": doc.date},
        THEMES_KEY: themes,
        SETS_KEY: set_records,
        "first": {
            "id": format!("{URN}page:{fp}:{}:0", who.join(",")),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    });
    if let Some(title) = &doc.title {
        collection["label"] = title.as_str().into();
    }
    if let Some(when) = created {
        collection["created"] = when.into();
    }
    serde_json::to_string_pretty(&collection).expect("plain data serialises")
}

/// Percent-encodes everything outside the unreserved characters
/// `[A-Za-z0-9._~-]`, so that a set or theme id (which may hold spaces,
/// colons, Chinese) is one component of a valid uri, and `:` stays the
/// separator of the app's URNs.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"._~-".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The inverse of [`encode`]; `None` for a malformed escape or bytes that
/// are not UTF-8.
fn decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Byte offsets of every char of a text, so that slicing by chars (the
/// offset unit) costs nothing per block.
struct CharIndex<'a> {
    text: &'a str,
    bytes: Vec<usize>,
}

impl<'a> CharIndex<'a> {
    fn new(text: &'a str) -> Self {
        let bytes = text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(text.len()))
            .collect();
        CharIndex { text, bytes }
    }

    /// The text between two char offsets, clamped to the text.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        let last = self.bytes.len() - 1;
        let (s, e) = (start.min(last), end.min(last));
        if s >= e {
            return "";
        }
        &self.text[self.bytes[s]..self.bytes[e]]
    }
}

// ---------------------------------------------------------- date-time

/// Days from 1970-01-01 to a civil date (Howard Hinnant's
/// `days_from_civil`, the inverse of the `civil_from_days` in
/// [`iso_utc`]).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Seconds since the epoch (negative before it) of an RFC 3339 date-time
/// with a zone: `2026-11-25T04:59:40Z`, `2022-07-14T10:22:41.5+08:00`.
/// `None` for anything else, including a date-time without a zone, which
/// the annotation model (and its conformance suite) rejects.
fn date_time_secs(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let num = |from: usize, to: usize| -> Option<i64> {
        let digits = b.get(from..to)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        digits.iter().try_fold(0i64, |n, d| Some(n * 10 + i64::from(d - b'0')))
    };
    let sep = |i: usize, allowed: &[u8]| b.get(i).is_some_and(|c| allowed.contains(c));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (h, mi, sec) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        i += 1 + digits;
    }
    let offset = match b.get(i..)? {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let (oh, om) = (num(i + 1, i + 3)?, num(i + 4, i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' {
                -o
            } else {
                o
            }
        }
        _ => return None,
    };
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// Seconds since the epoch of a date-time with a zone; `None` for anything
/// else or a time before the epoch (the store keeps unsigned seconds).
fn parse_date_time(s: &str) -> Option<u64> {
    date_time_secs(s).and_then(|t| u64::try_from(t).ok())
}

// ---------------------------------------------------------------- import

/// Reads W3C Web Annotation JSON(-LD): the app's own export, or another
/// tool's AnnotationCollection (annotations in `first.items` or `items`),
/// AnnotationPage, array of annotations, or single Annotation.
///
/// Tagging bodies become tags (their value is matched to a theme by the
/// file's theme record, then by a theme label the app knows, else a new
/// theme is made), commenting bodies become notes, and annotations are
/// grouped into sets by creator. A target is placed on a block of `doc` by
/// its quote and position; one that cannot be placed (another document, a
/// bare uri, a selector the app does not read) is kept on a synthetic block
/// `unmatched:<n>`, so the preview counts it and the import leaves it out.
pub fn import(raw: &str, doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    read(&super::parse_json(raw)?, doc, store)
}

/// Reads W3C Web Annotation JSON already parsed (see [`super::read`] and
/// [`import`]).
///
/// # Errors
/// [`ImportError::Nothing`] when no annotation is found, or a field error
/// naming its JSON path.
pub fn read(value: &Value, doc: &Document, store: &Store) -> Result<Incoming, ImportError> {
    let Found { root, items, field } = annotations_of(value)?;
    if items.len() > MAX_ANNOTATIONS {
        return Err(ImportError::TooLong {
            field: field.into(),
            limit: MAX_ANNOTATIONS,
        });
    }
    let record = match root {
        Some(root) => Record::read(root)?,
        None => Record::default(),
    };
    let mut reader = Reader::new(doc, store, record);
    for (i, item) in items.iter().enumerate() {
        reader.annotation(item, || format!("{field}[{i}]"))?;
    }
    reader.finish(root)
}

/// Where a file keeps its annotations.
struct Found<'a> {
    /// The collection or page, which may carry the app's records.
    root: Option<&'a Map<String, Value>>,
    items: &'a [Value],
    /// Where the items are, for messages.
    field: &'static str,
}

/// Finds the annotations of a file by its `type`, or by its shape when it
/// has none.
fn annotations_of(value: &Value) -> Result<Found<'_>, ImportError> {
    let found = |root, items, field| Ok(Found { root, items, field });
    fn items_of<'a>(m: &'a Map<String, Value>, field: &'static str) -> Result<&'a [Value], ImportError> {
        match m.get("items") {
            Some(Value::Array(a)) => Ok(a),
            _ => Err(ImportError::WrongType {
                field: field.into(),
                expected: "array",
            }),
        }
    }
    let map = match value {
        Value::Array(items) => return found(None, items, ""),
        Value::Object(map) => map,
        _ => return Err(ImportError::NotAnObject),
    };
    let types = strings(map.get("type"));
    // Untyped JSON is read by its shape.
    let untyped = types.is_empty();
    if types.contains(&"AnnotationCollection") || (untyped && map.contains_key("first")) {
        return match map.get("first") {
            Some(Value::Object(first)) => found(Some(map), items_of(first, "first.items")?, "first.items"),
            _ if map.contains_key("items") => found(Some(map), items_of(map, "items")?, "items"),
            // `first` only names a page elsewhere: nothing embedded to read.
            _ => found(Some(map), &[], "items"),
        };
    }
    if types.contains(&"AnnotationPage") || (untyped && map.contains_key("items")) {
        return found(Some(map), items_of(map, "items")?, "items");
    }
    if types.contains(&"Annotation") || (untyped && map.contains_key("target")) {
        return found(None, std::slice::from_ref(value), "annotation");
    }
    let shown = types.first().copied().unwrap_or("");
    Err(ImportError::UnknownFormat(shown.chars().take(60).collect()))
}

/// A JSON-LD value that may be one string or an array of them.
fn strings(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Typed access to an object of the app's own records, naming the path of
/// whatever is wrong.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: String) -> Result<Self, ImportError> {
        match v {
            Value::Object(map) => Ok(Obj { map, path }),
            _ => Err(ImportError::WrongType {
                field: path,
                expected: "object",
            }),
        }
    }

    fn field(&self, k: &str) -> String {
        format!("{}.{k}", self.path)
    }

    fn opt_str(&self, k: &str, limit: usize) -> Result<Option<&'a str>, ImportError> {
        match self.map.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if char_len(s) > limit => Err(ImportError::TooLong {
                field: self.field(k),
                limit,
            }),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(ImportError::WrongType {
                field: self.field(k),
                expected: "string",
            }),
        }
    }

    fn str(&self, k: &str, limit: usize) -> Result<&'a str, ImportError> {
        self.opt_str(k, limit)?
            .ok_or_else(|| ImportError::Missing(self.field(k)))
    }
}

/// One set as the app's record describes it.
struct SetRecord {
    name: String,
    color: String,
    kind: SetKind,
}

/// What the app's own export records beside the annotations; empty for
/// another tool's file.
#[derive(Default)]
struct Record {
    document: Option<IncomingDocument>,
    themes: Vec<Theme>,
    sets: HashMap<String, SetRecord>,
}

impl Record {
    /// Reads the records strictly: they are the app's own, so a damaged one
    /// is an error rather than half an import.
    fn read(root: &Map<String, Value>) -> Result<Record, ImportError> {
        let mut record = Record::default();
        if let Some(d) = root.get(DOCUMENT_KEY) {
            let d = Obj::new(d, DOCUMENT_KEY.into())?;
            record.document = Some(IncomingDocument {
                fingerprint: d.str("fingerprint", 64)?.into(),
                title: d.opt_str("title", 500)?.map(str::to_string),
                date: d.opt_str("date", 60)?.map(str::to_string),
                text: None,
            });
        }
        let mut ids = BTreeSet::new();
        for (i, v) in array(root, THEMES_KEY)?.iter().enumerate() {
            let t = Obj::new(v, format!("{THEMES_KEY}[{i}]"))?;
            let key = match t.map.get("key") {
                None | Some(Value::Null) => None,
                Some(k) => {
                    Some(
                        k.as_u64()
                            .and_then(|k| u8::try_from(k).ok())
                            .ok_or_else(|| ImportError::WrongType {
                                field: t.field("key"),
                                expected: "a digit 1–9 or null",
                            })?,
                    )
                }
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
            if !ids.insert(theme.id.clone()) {
                return Err(ImportError::DuplicateId(format!("{THEMES_KEY}: {}", theme.id)));
            }
            record.themes.push(theme);
        }
        for (i, v) in array(root, SETS_KEY)?.iter().enumerate() {
            let s = Obj::new(v, format!("{SETS_KEY}[{i}]"))?;
            let id = s.str("id", MAX_ID)?.to_string();
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
            let set = SetRecord {
                name: s.str("name", MAX_SET_NAME)?.into(),
                color: s.opt_str("color", 7)?.filter(|c| is_hex_color(c)).unwrap_or("").into(),
                kind,
            };
            if record.sets.insert(id.clone(), set).is_some() {
                return Err(ImportError::DuplicateId(format!("{SETS_KEY}: {id}")));
            }
        }
        Ok(record)
    }
}

/// An optional array member of an object.
fn array<'a>(map: &'a Map<String, Value>, k: &str) -> Result<&'a [Value], ImportError> {
    match map.get(k) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(ImportError::WrongType {
            field: k.into(),
            expected: "array",
        }),
    }
}

/// What one text body says, and in which role.
struct TextBody<'a> {
    purposes: Vec<&'a str>,
    value: &'a str,
}

/// The text bodies of an annotation: `bodyValue`, TextualBodies, and the
/// items of a Choice or Composite body (which pass their purpose on).
/// Bodies that are uris have no text to read.
fn text_bodies(a: &Map<String, Value>) -> Vec<TextBody<'_>> {
    fn walk<'a>(b: &'a Value, inherited: &[&'a str], nested: bool, out: &mut Vec<TextBody<'a>>) {
        let Value::Object(m) = b else {
            return;
        };
        let mut purposes = strings(m.get("purpose"));
        if purposes.is_empty() {
            purposes = inherited.to_vec();
        }
        if let Some(Value::String(value)) = m.get("value") {
            out.push(TextBody { purposes, value });
        } else if let (false, Some(Value::Array(items))) = (nested, m.get("items")) {
            for item in items {
                walk(item, &purposes, true, out);
            }
        }
    }
    let mut out = Vec::new();
    if let Some(Value::String(value)) = a.get("bodyValue") {
        out.push(TextBody {
            purposes: Vec::new(),
            value,
        });
    }
    match a.get("body") {
        Some(Value::Array(bodies)) => bodies.iter().for_each(|b| walk(b, &[], false, &mut out)),
        Some(b) => walk(b, &[], false, &mut out),
        None => {}
    }
    out
}

/// A target's text selectors.
#[derive(Default)]
struct Quote<'a> {
    exact: Option<&'a str>,
    prefix: Option<&'a str>,
    suffix: Option<&'a str>,
    start: Option<usize>,
    end: Option<usize>,
}

impl<'a> Quote<'a> {
    /// Reads the first TextQuoteSelector and TextPositionSelector of a
    /// target (one selector or an array); other selectors are ignored.
    fn of(target: &'a Map<String, Value>) -> Quote<'a> {
        let mut q = Quote::default();
        let selectors = match target.get("selector") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(s) => vec![s],
            None => Vec::new(),
        };
        let uint =
            |s: &Map<String, Value>, k: &str| s.get(k).and_then(Value::as_u64).and_then(|n| usize::try_from(n).ok());
        for s in selectors.into_iter().filter_map(Value::as_object) {
            match s.get("type").and_then(Value::as_str) {
                Some("TextQuoteSelector") if q.exact.is_none() => {
                    q.exact = s.get("exact").and_then(Value::as_str);
                    q.prefix = s.get("prefix").and_then(Value::as_str);
                    q.suffix = s.get("suffix").and_then(Value::as_str);
                }
                Some("TextPositionSelector") if q.start.is_none() => {
                    q.start = uint(s, "start");
                    q.end = uint(s, "end");
                }
                _ => {}
            }
        }
        q
    }
}

/// One incoming set as it is being built.
struct SetBuild {
    set: IncomingSet,
    /// (block, theme) → index in `set.tags`, to fold duplicates.
    tags: HashMap<(String, String), usize>,
    /// (block, comment) already in a note, to fold duplicates.
    note_lines: HashSet<(String, String)>,
    /// Block → chars in its note, so the limit is checked without recounting.
    note_chars: HashMap<String, usize>,
}

/// Reads annotations one by one into sets, themes and blocks.
struct Reader<'a> {
    doc: &'a Document,
    store: &'a Store,
    text: CharIndex<'a>,
    record: Record,
    /// Themes made for labels nobody knows.
    new_themes: Vec<Theme>,
    sets: Vec<SetBuild>,
    /// Creator key (id, else name) → index in `sets`.
    by_creator: HashMap<String, usize>,
    unmatched: usize,
    /// Phrase searches left (see [`Reader::locate`]).
    phrase_searches: usize,
    /// The document's fingerprint as the first target source of the app names it.
    source_fp: Option<String>,
}

impl<'a> Reader<'a> {
    fn new(doc: &'a Document, store: &'a Store, record: Record) -> Self {
        Reader {
            doc,
            store,
            text: CharIndex::new(&doc.text),
            record,
            new_themes: Vec::new(),
            sets: Vec::new(),
            by_creator: HashMap::new(),
            unmatched: 0,
            phrase_searches: MAX_PHRASE_SEARCHES,
            source_fp: None,
        }
    }

    fn annotation(&mut self, item: &Value, path: impl Fn() -> String) -> Result<(), ImportError> {
        let a = match item {
            Value::Object(a) => a,
            // A page may list annotations by uri: nothing embedded to read.
            Value::String(_) => return Ok(()),
            _ => {
                return Err(ImportError::WrongType {
                    field: path(),
                    expected: "object",
                })
            }
        };
        let motivations = strings(a.get("motivation"));
        let mut tags = Vec::new();
        let mut comments = Vec::new();
        for body in text_bodies(a) {
            // A body without a purpose plays the annotation's motivation.
            let purposes = if body.purposes.is_empty() {
                &motivations
            } else {
                &body.purposes
            };
            let value = body.value.trim();
            if value.is_empty() {
                continue;
            }
            if purposes.contains(&"tagging") {
                tags.push(value);
            } else if purposes.is_empty()
                || purposes
                    .iter()
                    .any(|p| matches!(*p, "commenting" | "describing" | "replying"))
            {
                if char_len(body.value) > MAX_NOTE {
                    return Err(ImportError::TooLong {
                        field: format!("{}.body", path()),
                        limit: MAX_NOTE,
                    });
                }
                comments.push(body.value);
            }
        }
        if tags.is_empty() && comments.is_empty() {
            // Highlights, bookmarks, links: nothing the app keeps.
            return Ok(());
        }
        let id = a.get("id").and_then(Value::as_str).unwrap_or("");
        let hinted_theme = id.strip_prefix(URN).and_then(|r| r.strip_prefix("tag:")).and_then(|r| {
            match r.split(':').collect::<Vec<_>>()[..] {
                [_, _, _, theme] => decode(theme),
                _ => None,
            }
        });
        let mut themes = Vec::with_capacity(tags.len());
        for value in tags {
            themes.push(self.theme_for(value, hinted_theme.as_deref(), &path)?);
        }
        let blocks = self.blocks_of(a.get("target"), &path)?;
        let set = self.set_for(a.get("creator"), &path)?;
        let at = ["modified", "created"]
            .iter()
            .find_map(|k| a.get(*k).and_then(Value::as_str).and_then(parse_date_time))
            .unwrap_or(0);
        let how = match a.get(HOW_KEY).and_then(Value::as_str) {
            Some("suggestion") => TagOrigin::Suggestion,
            _ => TagOrigin::Hand,
        };
        let build = &mut self.sets[set];
        for block in &blocks {
            for theme in &themes {
                let key = (block.clone(), theme.clone());
                match build.tags.get(&key) {
                    Some(&i) => {
                        let t = &mut build.set.tags[i];
                        t.at = t.at.max(at);
                    }
                    None => {
                        build.tags.insert(key, build.set.tags.len());
                        build.set.tags.push(IncomingTag {
                            block: block.clone(),
                            theme: theme.clone(),
                            at,
                            how,
                        });
                    }
                }
            }
            for text in &comments {
                if !build.note_lines.insert((block.clone(), text.to_string())) {
                    continue;
                }
                let chars = build.note_chars.entry(block.clone()).or_default();
                let note = build.set.notes.entry(block.clone()).or_default();
                if !note.is_empty() {
                    note.push('\n');
                    *chars += 1;
                }
                note.push_str(text);
                *chars += char_len(text);
                if *chars > MAX_NOTE {
                    return Err(ImportError::TooLong {
                        field: format!("{}.body", path()),
                        limit: MAX_NOTE,
                    });
                }
            }
        }
        Ok(())
    }

    /// The blocks an annotation's targets point at; `unmatched:<n>` for each
    /// target that cannot be placed in the document.
    fn blocks_of(&mut self, target: Option<&Value>, path: &impl Fn() -> String) -> Result<Vec<String>, ImportError> {
        let targets: Vec<Option<&Value>> = match target {
            Some(Value::Array(a)) if a.len() > MAX_TARGETS => {
                return Err(ImportError::TooLong {
                    field: format!("{}.target", path()),
                    limit: MAX_TARGETS,
                })
            }
            Some(Value::Array(a)) if !a.is_empty() => a.iter().map(Some).collect(),
            t => vec![t],
        };
        let mut blocks = Vec::with_capacity(targets.len());
        let mut seen = HashSet::new();
        for t in targets {
            let found = match t {
                Some(Value::Object(t)) => {
                    if self.source_fp.is_none() {
                        self.source_fp = t
                            .get("source")
                            .and_then(Value::as_str)
                            .and_then(|s| s.strip_prefix(URN)?.strip_prefix("doc:"))
                            .and_then(decode)
                            .filter(|fp| char_len(fp) <= 64);
                    }
                    self.locate(&Quote::of(t)).map(|b| b.id.clone())
                }
                // A bare uri names the whole resource: no paragraph to place it on.
                // No target at all: nowhere to place it.
                _ => None,
            };
            let block = found.unwrap_or_else(|| {
                self.unmatched += 1;
                format!("unmatched:{}", self.unmatched)
            });
            if seen.insert(block.clone()) {
                blocks.push(block);
            }
        }
        Ok(blocks)
    }

    /// The block a quote and position point at ([`locate_block`]), with two
    /// additions for files that quote less than a paragraph or a paragraph
    /// the speech repeats: the quote's context picks among equal
    /// paragraphs, and a phrase found in exactly one paragraph (or in one
    /// whose context matches) places the annotation on that paragraph.
    fn locate(&mut self, q: &Quote) -> Option<&'a Block> {
        let doc = self.doc;
        let (mut start, mut end) = (q.start, q.end);
        let exact = q.exact.map(str::trim).filter(|x| !x.is_empty());
        if let Some(x) = exact {
            let same: Vec<&Block> = doc.blocks.iter().filter(|b| b.text == x).collect();
            let placed = same.iter().any(|b| Some(b.start) == start && Some(b.end) == end);
            if same.len() > 1 && !placed {
                if let Some(b) = same.iter().find(|b| self.context_matches(b.start, b.end, q)) {
                    (start, end) = (Some(b.start), Some(b.end));
                }
            }
        }
        // A position that another tool counted differently can land on the
        // wrong paragraph: the quote, when there is one, must be in it.
        if let Some(b) = locate_block(doc, exact, start, end) {
            if exact.is_none_or(|x| b.text.contains(x)) {
                return Some(b);
            }
        }
        let x = exact.filter(|x| !x.contains('\n'))?;
        // Searching the whole text for every quote of a hostile file would
        // take minutes; real files quote phrases a few hundred times.
        self.phrase_searches = self.phrase_searches.checked_sub(1)?;
        let holding: Vec<(&Block, usize)> = doc
            .blocks
            .iter()
            .flat_map(|b| {
                b.text
                    .match_indices(x)
                    .map(move |(i, _)| (b, b.start + char_len(&b.text[..i])))
            })
            .collect();
        match holding[..] {
            [(b, _)] => Some(b),
            _ => holding
                .iter()
                .find(|(_, s)| {
                    (q.prefix.is_some() || q.suffix.is_some()) && self.context_matches(*s, s + char_len(x), q)
                })
                .map(|(b, _)| *b),
        }
    }

    /// Whether the text around `start..end` is the quote's prefix and suffix.
    fn context_matches(&self, start: usize, end: usize, q: &Quote) -> bool {
        let before = self.text.slice(start.saturating_sub(CONTEXT_CHARS * 8), start);
        let after = self.text.slice(end, end + CONTEXT_CHARS * 8);
        q.prefix.is_none_or(|p| before.ends_with(p)) && q.suffix.is_none_or(|s| after.starts_with(s))
    }

    /// The theme a tagging body's value names: the theme the app's own id
    /// names, then the file's theme record, then a theme the app has, then
    /// a theme made for it.
    fn theme_for(
        &mut self,
        value: &str,
        hint: Option<&str>,
        path: &impl Fn() -> String,
    ) -> Result<String, ImportError> {
        let named = |t: &Theme| t.label() == value || t.name_zh == value || t.name_en == value;
        if let Some(h) = hint {
            if self.record.themes.iter().any(|t| t.id == h) || self.store.theme(h).is_some_and(named) {
                return Ok(h.to_string());
            }
        }
        let known = self
            .record
            .themes
            .iter()
            .find(|t| named(t))
            .or_else(|| self.store.themes().into_iter().find(|t| named(t)))
            .or_else(|| self.new_themes.iter().find(|t| named(t)));
        if let Some(t) = known {
            return Ok(t.id.clone());
        }
        if char_len(value) > MAX_NAME {
            return Err(ImportError::TooLong {
                field: format!("{}.body.value", path()),
                limit: MAX_NAME,
            });
        }
        let taken = |id: &str| {
            self.store.themes.contains_key(id)
                || self.record.themes.iter().any(|t| t.id == id)
                || self.new_themes.iter().any(|t| t.id == id)
        };
        let n = (self.new_themes.len() + 1..)
            .find(|n| !taken(&format!("w3c-{n}")))
            .expect("an unused number");
        let chinese = !value.is_ascii();
        let theme = Theme {
            id: format!("w3c-{n}"),
            name_zh: if chinese { value.into() } else { String::new() },
            name_en: if chinese { String::new() } else { value.into() },
            color: PALETTE[(n - 1) % PALETTE.len()].into(),
            key: None,
        };
        self.new_themes.push(theme);
        Ok(format!("w3c-{n}"))
    }

    /// The set of an annotation's creator (a uri, an agent object, or the
    /// first of several), made on first sight.
    fn set_for(&mut self, creator: Option<&Value>, path: &impl Fn() -> String) -> Result<usize, ImportError> {
        let creator = match creator {
            Some(Value::Array(a)) => a.first(),
            c => c,
        };
        let (id, name) = match creator {
            Some(Value::String(id)) => (Some(id.as_str()), None),
            Some(Value::Object(c)) => (
                c.get("id").and_then(Value::as_str),
                ["name", "nickname"]
                    .iter()
                    .find_map(|k| strings(c.get(*k)).first().copied()),
            ),
            _ => (None, None),
        };
        let key = id.or(name).unwrap_or("").to_string();
        if let Some(&i) = self.by_creator.get(&key) {
            return Ok(i);
        }
        let ours = id
            .and_then(|id| id.strip_prefix(URN)?.strip_prefix("coder:"))
            .and_then(decode)
            .filter(|id| !id.is_empty() && char_len(id) <= MAX_ID);
        let record = ours.as_ref().and_then(|id| self.record.sets.get(id));
        let name = match (record, name, id) {
            (Some(r), _, _) => r.name.clone(),
            (None, Some(n), _) | (None, None, Some(n)) => n.trim().to_string(),
            (None, None, None) => ANONYMOUS.to_string(),
        };
        if char_len(&name) > MAX_SET_NAME {
            return Err(ImportError::TooLong {
                field: format!("{}.creator.name", path()),
                limit: MAX_SET_NAME,
            });
        }
        let index = self.sets.len();
        let taken = |id: &str| self.sets.iter().any(|s| s.set.id == id);
        let id = match ours {
            Some(id) if !taken(&id) => id,
            _ if key.is_empty() && !taken("w3c-import") => "w3c-import".to_string(),
            _ => (index + 1..)
                .map(|n| format!("w3c-coder-{n}"))
                .find(|id| !taken(id))
                .expect("an unused number"),
        };
        let color = record
            .map(|r| r.color.clone())
            .filter(|c| is_hex_color(c))
            .unwrap_or_else(|| PALETTE[index % PALETTE.len()].to_string());
        self.sets.push(SetBuild {
            set: IncomingSet {
                id,
                name: if name.is_empty() { ANONYMOUS.into() } else { name },
                color,
                kind: record.map_or(SetKind::Coder, |r| r.kind),
                tags: Vec::new(),
                notes: BTreeMap::new(),
                // Not-coded marks travel in the app's own file only.
                uncoded: Default::default(),
            },
            tags: HashMap::new(),
            note_lines: HashSet::new(),
            note_chars: HashMap::new(),
        });
        self.by_creator.insert(key, index);
        Ok(index)
    }

    fn finish(self, root: Option<&Map<String, Value>>) -> Result<Incoming, ImportError> {
        let sets: Vec<IncomingSet> = self
            .sets
            .into_iter()
            .map(|b| b.set)
            .filter(|s| !s.tags.is_empty() || !s.notes.is_empty())
            .collect();
        if sets.is_empty() {
            return Err(ImportError::Nothing);
        }
        let root_str = |k: &str, limit: usize| {
            root.and_then(|r| r.get(k))
                .and_then(Value::as_str)
                .filter(|s| char_len(s) <= limit)
                .map(str::to_string)
        };
        let agent_name = |k: &str| {
            root.and_then(|r| r.get(k))
                .and_then(Value::as_object)
                .and_then(|a| strings(a.get("name")).first().map(|n| n.to_string()))
                .filter(|n| char_len(n) <= MAX_SET_NAME)
        };
        let document = match self.record.document {
            Some(d) => d,
            None => IncomingDocument {
                fingerprint: self.source_fp.unwrap_or_default(),
                title: root_str("label", 500),
                date: None,
                text: None,
            },
        };
        let annotator = agent_name("creator").or_else(|| match &sets[..] {
            [only] => Some(only.name.clone()),
            _ => None,
        });
        let mut themes = self.record.themes;
        themes.extend(self.new_themes);
        Ok(Incoming {
            format: FORMAT,
            annotator,
            exported_at: root_str("created", 60).or_else(|| root_str("generated", 60)),
            app: agent_name("generator"),
            document,
            themes,
            codebook: Default::default(),
            sets,
            terms: None,
        })
    }
}

#[cfg(test)]
mod tests;
