//! What the browser keeps: envelopes, schema versions, and restore from
//! untrusted input.
//!
//! Every stored value is an envelope `{type, version, fingerprint?, …}`. A
//! reader checks `type` first, then the version, and migrates older versions
//! in numbered steps. Restoring never fails the whole load: it returns what
//! could be read plus a list of problems, and the shell keeps the raw value
//! under a backup key whenever anything was dropped.
//!
//! The serde structs here are the stored format, a promise to users' data;
//! they are converted by hand to the domain types of [`crate::store`], so the
//! model can change without breaking what browsers hold.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{AnnotationSet, NoteEntry, SetKind, Stamp, Store, TagEntry, TagOrigin, ThemeEntry, UncodedEntry};
use crate::themes::Theme;

/// Prefix of every key the app writes.
pub const PREFIX: &str = "speech-annotator:v1:";
pub const ANNOTATIONS_TYPE: &str = "speech-annotator/annotations";
pub const VIEW_TYPE: &str = "speech-annotator/view";
pub const PROFILE_TYPE: &str = "speech-annotator/profile";
/// The schema version this build writes.
pub const VERSION: u64 = 1;

pub fn annotations_key(fingerprint: &str) -> String {
    format!("{PREFIX}annotations:{fingerprint}")
}
pub fn view_key(fingerprint: &str) -> String {
    format!("{PREFIX}view:{fingerprint}")
}
pub fn profile_key() -> String {
    format!("{PREFIX}profile")
}
/// Where an unreadable value is kept: never deleted, only moved aside.
pub fn backup_key(original: &str, now_ms: u64) -> String {
    format!("speech-annotator:backup:{now_ms}:{original}")
}
pub fn is_backup_key(key: &str) -> bool {
    key.starts_with("speech-annotator:backup:")
}

/// Something that could not be read, with the message the user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    NotJson(String),
    NotAnObject,
    WrongType(String),
    MissingVersion,
    FutureVersion(u64),
    UnsupportedVersion(u64),
    WrongDocument { expected: String, found: String },
    MissingField(&'static str),
    Dropped { what: &'static str, count: usize },
}

impl Problem {
    pub fn message(&self) -> String {
        match self {
            Problem::NotJson(e) => format!("数据不是有效的 JSON · The data is not valid JSON ({e})"),
            Problem::NotAnObject => "数据格式不对 · The data has the wrong shape".into(),
            Problem::WrongType(t) => format!("不是本应用的数据（类型 {t}） · Not this app's data (type {t})"),
            Problem::MissingVersion => "缺少版本号 · The data has no version".into(),
            Problem::FutureVersion(v) => format!(
                "数据来自更新的版本（{v}），本版本只读到 {VERSION} · The data comes from a newer version ({v}); this one reads up to {VERSION}"
            ),
            Problem::UnsupportedVersion(v) => format!("不支持的版本 {v} · Unsupported version {v}"),
            Problem::WrongDocument { expected, found } => format!(
                "数据属于另一份文档（{found}，当前 {expected}） · The data belongs to another document ({found}, this is {expected})"
            ),
            Problem::MissingField(f) => format!("缺少字段 {f} · Missing field {f}"),
            Problem::Dropped { what, count } => format!("跳过了 {count} 条无法读取的{what} · Skipped {count} unreadable {what}"),
        }
    }
}

/// What a restore could read, and what it could not.
#[derive(Debug, Clone, PartialEq)]
pub struct Restored<T> {
    pub value: Option<T>,
    pub problems: Vec<Problem>,
}

impl<T> Restored<T> {
    fn fail(p: Problem) -> Self {
        Restored {
            value: None,
            problems: vec![p],
        }
    }
    /// Whether the raw input should be kept aside before it is overwritten.
    pub fn needs_backup(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Checks the envelope of a stored value and brings its body to [`VERSION`].
pub fn open_envelope(raw: &str, expected_type: &str) -> Result<serde_json::Map<String, Value>, Problem> {
    let value: Value = serde_json::from_str(raw).map_err(|e| Problem::NotJson(e.to_string()))?;
    let Value::Object(mut obj) = value else {
        return Err(Problem::NotAnObject);
    };
    match obj.get("type") {
        Some(Value::String(t)) if t == expected_type => {}
        Some(Value::String(t)) => return Err(Problem::WrongType(t.chars().take(80).collect())),
        _ => return Err(Problem::WrongType("—".into())),
    }
    let version = obj
        .get("version")
        .and_then(Value::as_u64)
        .ok_or(Problem::MissingVersion)?;
    if version > VERSION {
        return Err(Problem::FutureVersion(version));
    }
    // The migration ladder: one numbered step per older version would go
    // here. Version 1 is the first stored format, so there are no steps yet;
    // a version below it was never written by this app.
    if version < VERSION {
        return Err(Problem::UnsupportedVersion(version));
    }
    obj.insert("version".into(), Value::from(VERSION));
    Ok(obj)
}

#[derive(Serialize, Deserialize)]
struct ThemeV1 {
    id: String,
    #[serde(rename = "nameZh")]
    name_zh: String,
    #[serde(rename = "nameEn")]
    name_en: String,
    color: String,
    key: Option<u8>,
    #[serde(default)]
    deleted: bool,
    t: u64,
    /// Index into `replicas`.
    by: usize,
}

/// One tag, compact: `[theme, present 0|1, at (s), how 0=hand|1=suggestion, t, by]`.
type TagV1 = (String, u8, u64, u8, u64, usize);
/// One note, compact: `[text, t, by]`.
type NoteV1 = (String, u64, usize);
/// A not-coded mark: (on 0/1, clock, replica index).
type UncodedV1 = (u8, u64, usize);

#[derive(Serialize, Deserialize)]
struct SetV1 {
    id: String,
    name: String,
    color: String,
    kind: SetKind,
    #[serde(default)]
    readonly: bool,
    /// Block id → its tags.
    #[serde(default)]
    tags: serde_json::Map<String, Value>,
    /// Block id → its note.
    #[serde(default)]
    notes: serde_json::Map<String, Value>,
    /// Block id → its not-coded mark (absent in values written before marks
    /// existed, so version 1 still reads them).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    uncoded: serde_json::Map<String, Value>,
}

/// Replica ids are long and repeat on every item: store each once.
#[derive(Default)]
struct Replicas {
    ids: Vec<String>,
    index: BTreeMap<String, usize>,
}

impl Replicas {
    fn of(&mut self, id: &str) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        self.ids.push(id.to_string());
        self.index.insert(id.to_string(), self.ids.len() - 1);
        self.ids.len() - 1
    }
}

/// Serialises a store into its stored envelope. The format is compact (tags
/// grouped by block, replicas by index) so that fifty annotated speeches fit
/// in a browser's localStorage.
pub fn encode_store(store: &Store, fingerprint: &str) -> String {
    let mut replicas = Replicas::default();
    replicas.of("");
    let themes: Vec<ThemeV1> = store
        .themes
        .values()
        .map(|e| ThemeV1 {
            id: e.theme.id.clone(),
            name_zh: e.theme.name_zh.clone(),
            name_en: e.theme.name_en.clone(),
            color: e.theme.color.clone(),
            key: e.theme.key,
            deleted: e.deleted,
            t: e.stamp.t,
            by: replicas.of(&e.stamp.by),
        })
        .collect();
    let sets: Vec<SetV1> = store
        .sets
        .values()
        .map(|s| {
            let mut tags: BTreeMap<&str, Vec<TagV1>> = BTreeMap::new();
            for ((block, theme), e) in &s.tags {
                let how = u8::from(e.how == TagOrigin::Suggestion);
                let row = (
                    theme.clone(),
                    u8::from(e.present),
                    e.at,
                    how,
                    e.stamp.t,
                    replicas.of(&e.stamp.by),
                );
                tags.entry(block.as_str()).or_default().push(row);
            }
            let notes = s
                .notes
                .iter()
                .map(|(block, n)| {
                    let row: NoteV1 = (n.text.clone(), n.stamp.t, replicas.of(&n.stamp.by));
                    (block.clone(), serde_json::to_value(row).expect("plain data serialises"))
                })
                .collect();
            let uncoded = s
                .uncoded
                .iter()
                .map(|(block, u)| {
                    let row: UncodedV1 = (u8::from(u.on), u.stamp.t, replicas.of(&u.stamp.by));
                    (block.clone(), serde_json::to_value(row).expect("plain data serialises"))
                })
                .collect();
            SetV1 {
                id: s.id.clone(),
                name: s.name.clone(),
                color: s.color.clone(),
                kind: s.kind,
                readonly: s.readonly,
                uncoded,
                tags: tags
                    .into_iter()
                    .map(|(b, rows)| {
                        (
                            b.to_string(),
                            serde_json::to_value(rows).expect("plain data serialises"),
                        )
                    })
                    .collect(),
                notes,
            }
        })
        .collect();
    serde_json::json!({
        "type": ANNOTATIONS_TYPE,
        "version": VERSION,
        "fingerprint": fingerprint,
        "clock": store.clock,
        "replicas": replicas.ids,
        "themes": themes,
        "codebook": store.codebook.iter().map(|(id, e)| serde_json::json!({
            "theme": id, "entry": e.entry, "t": e.stamp.t, "by": replicas.of(&e.stamp.by),
        })).collect::<Vec<_>>(),
        "sets": sets,
    })
    .to_string()
}

/// Reads a stored store for the document `fingerprint`, keeping every entry
/// that can be read. `replica` becomes the reader's own replica id.
pub fn decode_store(raw: &str, fingerprint: &str, replica: &str) -> Restored<Store> {
    let obj = match open_envelope(raw, ANNOTATIONS_TYPE) {
        Ok(o) => o,
        Err(p) => return Restored::fail(p),
    };
    match obj.get("fingerprint").and_then(Value::as_str) {
        Some(f) if f == fingerprint => {}
        Some(f) => {
            return Restored::fail(Problem::WrongDocument {
                expected: fingerprint.into(),
                found: f.chars().take(40).collect(),
            })
        }
        None => return Restored::fail(Problem::MissingField("fingerprint")),
    }
    let replicas: Vec<String> = obj
        .get("replicas")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(|r| r.as_str().unwrap_or("?").to_string()).collect())
        .unwrap_or_default();
    let stamp = |t: u64, by: usize| replicas.get(by).map(|by| Stamp { t, by: by.clone() });
    let mut store = Store {
        themes: BTreeMap::new(),
        codebook: BTreeMap::new(),
        sets: BTreeMap::new(),
        clock: 0,
        replica: replica.into(),
    };
    let mut max_t = obj.get("clock").and_then(Value::as_u64).unwrap_or(0);
    let (mut bad_themes, mut bad_sets, mut bad_tags, mut bad_notes) = (0, 0, 0, 0);

    for v in obj
        .get("themes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let Ok(t) = serde_json::from_value::<ThemeV1>(v.clone()) else {
            bad_themes += 1;
            continue;
        };
        let theme = Theme {
            id: t.id,
            name_zh: t.name_zh,
            name_en: t.name_en,
            color: t.color,
            key: t.key,
        };
        match stamp(t.t, t.by) {
            Some(stamp) if theme.validate().is_ok() => {
                max_t = max_t.max(t.t);
                store.themes.insert(
                    theme.id.clone(),
                    ThemeEntry {
                        theme,
                        deleted: t.deleted,
                        stamp,
                    },
                );
            }
            _ => bad_themes += 1,
        }
    }
    for v in obj
        .get("sets")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let Ok(s) = serde_json::from_value::<SetV1>(v.clone()) else {
            bad_sets += 1;
            continue;
        };
        let mut set = AnnotationSet::new(&s.id, &s.name, &s.color, s.kind);
        set.readonly = s.readonly;
        for (block, rows) in s.tags {
            let Ok(rows) = serde_json::from_value::<Vec<Value>>(rows) else {
                bad_tags += 1;
                continue;
            };
            for row in rows {
                match serde_json::from_value::<TagV1>(row) {
                    Ok((theme, present, at, how, t, by)) if store.themes.contains_key(&theme) && present <= 1 => {
                        let Some(stamp) = stamp(t, by) else {
                            bad_tags += 1;
                            continue;
                        };
                        max_t = max_t.max(t);
                        let how = if how == 1 {
                            TagOrigin::Suggestion
                        } else {
                            TagOrigin::Hand
                        };
                        set.tags.insert(
                            (block.clone(), theme),
                            TagEntry {
                                present: present == 1,
                                at,
                                how,
                                stamp,
                            },
                        );
                    }
                    _ => bad_tags += 1,
                }
            }
        }
        for (block, row) in s.notes {
            match serde_json::from_value::<NoteV1>(row)
                .ok()
                .and_then(|(text, t, by)| Some((text, stamp(t, by)?)))
            {
                Some((text, stamp)) => {
                    max_t = max_t.max(stamp.t);
                    set.notes.insert(block, NoteEntry { text, stamp });
                }
                None => bad_notes += 1,
            }
        }
        for (block, row) in s.uncoded {
            match serde_json::from_value::<UncodedV1>(row)
                .ok()
                .filter(|(on, _, _)| *on <= 1)
                .and_then(|(on, t, by)| Some((on == 1, stamp(t, by)?)))
            {
                Some((on, stamp)) => {
                    max_t = max_t.max(stamp.t);
                    set.uncoded.insert(block, UncodedEntry { on, stamp });
                }
                None => bad_notes += 1,
            }
        }
        store.sets.insert(set.id.clone(), set);
    }
    let mut problems = Vec::new();
    for (what, count) in [
        ("themes · 主题", bad_themes),
        ("annotation sets · 标注集", bad_sets),
        ("tags · 标签", bad_tags),
        ("notes · 笔记", bad_notes),
    ] {
        if count > 0 {
            problems.push(Problem::Dropped { what, count });
        }
    }
    for v in obj
        .get("codebook")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        let theme = v.get("theme").and_then(Value::as_str);
        let entry = v
            .get("entry")
            .cloned()
            .and_then(|e| serde_json::from_value::<crate::store::Codebook>(e).ok());
        let st = v
            .get("t")
            .and_then(Value::as_u64)
            .zip(v.get("by").and_then(Value::as_u64))
            .and_then(|(t, by)| stamp(t, by as usize));
        if let (Some(theme), Some(entry), Some(st)) = (theme, entry, st) {
            max_t = max_t.max(st.t);
            store
                .codebook
                .insert(theme.to_string(), crate::store::CodebookEntry { entry, stamp: st });
        }
    }
    store.clock = max_t;
    Restored {
        value: Some(store),
        problems,
    }
}

/// Number of live tags in a stored value, for the library's overview.
pub fn count_tags(raw: &str, fingerprint: &str) -> usize {
    decode_store(raw, fingerprint, "")
        .value
        .map(|s| {
            s.sets
                .values()
                .flat_map(|x| x.tags.values())
                .filter(|t| t.present)
                .count()
        })
        .unwrap_or(0)
}

/// Where the reader was: restored on reload.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ViewState {
    /// Block id of the focused block.
    pub focused: Option<String>,
    /// Theme id the document is filtered by.
    pub filter: Option<String>,
}

pub fn encode_view(view: &ViewState, fingerprint: &str) -> String {
    serde_json::json!({
        "type": VIEW_TYPE, "version": VERSION, "fingerprint": fingerprint,
        "focused": view.focused, "filter": view.filter,
    })
    .to_string()
}

pub fn decode_view(raw: &str, fingerprint: &str) -> Restored<ViewState> {
    let obj = match open_envelope(raw, VIEW_TYPE) {
        Ok(o) => o,
        Err(p) => return Restored::fail(p),
    };
    if obj.get("fingerprint").and_then(Value::as_str) != Some(fingerprint) {
        return Restored::fail(Problem::WrongDocument {
            expected: fingerprint.into(),
            found: "?".into(),
        });
    }
    let s = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .map(|v| v.chars().take(200).collect())
    };
    Restored {
        value: Some(ViewState {
            focused: s("focused"),
            filter: s("filter"),
        }),
        problems: vec![],
    }
}

/// Who this browser's coder is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub coder_id: String,
    pub name: String,
    pub color: String,
}

pub fn encode_profile(p: &Profile) -> String {
    serde_json::json!({"type": PROFILE_TYPE, "version": VERSION, "coderId": p.coder_id, "name": p.name, "color": p.color}).to_string()
}

pub fn decode_profile(raw: &str) -> Restored<Profile> {
    let obj = match open_envelope(raw, PROFILE_TYPE) {
        Ok(o) => o,
        Err(p) => return Restored::fail(p),
    };
    let s = |k: &str| {
        obj.get(k)
            .and_then(Value::as_str)
            .map(|v| v.chars().take(80).collect::<String>())
    };
    match (s("coderId"), s("name"), s("color")) {
        (Some(id), Some(name), Some(color)) if !id.is_empty() => Restored {
            value: Some(Profile {
                coder_id: id,
                name,
                color,
            }),
            problems: vec![],
        },
        _ => Restored::fail(Problem::MissingField("coderId")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Command;
    use proptest::prelude::*;

    fn sample() -> Store {
        let mut s = Store::new("tab-a", &AnnotationSet::new("me", "Me", "#333333", SetKind::Coder));
        let tag = |b: &str, t: &str, p| Command::Tag {
            set: "me".into(),
            block: b.into(),
            theme: t.into(),
            present: p,
            how: TagOrigin::Hand,
            at: 17,
        };
        s.apply(tag("p1", "trade", true)).unwrap();
        s.apply(tag("p1", "investment", true)).unwrap();
        s.apply(tag("p2", "trade", true)).unwrap();
        s.apply(tag("p2", "trade", false)).unwrap();
        for (block, on) in [("p3", true), ("p4", true), ("p4", false)] {
            s.apply(Command::Uncoded {
                set: "me".into(),
                block: block.into(),
                on,
            })
            .unwrap();
        }
        s.apply(Command::Note {
            set: "me".into(),
            block: "p1".into(),
            text: "<b>注意</b> \"quotes\"".into(),
        })
        .unwrap();
        s.apply(Command::PutTheme(Theme {
            id: "u-1".into(),
            name_zh: "创新".into(),
            name_en: "".into(),
            color: "#123456".into(),
            key: Some(5),
        }))
        .unwrap();
        s.apply(Command::DeleteTheme {
            id: "accountability".into(),
        })
        .unwrap();
        s
    }

    #[test]
    fn values_written_before_not_coded_marks_existed_still_load() {
        // Version 1 grew an optional field; a value without it is read as
        // "no marks", and nothing else changes.
        let s = sample();
        let mut v: Value = serde_json::from_str(&encode_store(&s, "fp")).unwrap();
        for set in v["sets"].as_array_mut().unwrap() {
            set.as_object_mut().unwrap().remove("uncoded");
        }
        let back = decode_store(&v.to_string(), "fp", "tab-a");
        assert_eq!(back.problems, vec![]);
        let mut expected = s.clone();
        for set in expected.sets.values_mut() {
            set.uncoded.clear();
        }
        assert_eq!(back.value.unwrap(), expected);
    }

    #[test]
    fn a_store_round_trips() {
        let s = sample();
        let raw = encode_store(&s, "fp");
        let back = decode_store(&raw, "fp", "tab-a");
        assert_eq!(back.problems, vec![]);
        assert_eq!(back.value.unwrap(), s);
    }

    #[test]
    fn the_envelope_is_checked_before_the_body() {
        let raw = encode_store(&sample(), "fp");
        let case = |raw: &str, fp: &str| decode_store(raw, fp, "x").problems.first().cloned();
        assert!(matches!(case("not json", "fp"), Some(Problem::NotJson(_))));
        assert_eq!(case("[1,2]", "fp"), Some(Problem::NotAnObject));
        assert_eq!(
            case(r#"{"type":"other","version":1}"#, "fp"),
            Some(Problem::WrongType("other".into()))
        );
        assert_eq!(
            case(r#"{"type":"speech-annotator/annotations"}"#, "fp"),
            Some(Problem::MissingVersion)
        );
        assert_eq!(
            case(&raw.replace("\"version\":1", "\"version\":7"), "fp"),
            Some(Problem::FutureVersion(7))
        );
        assert_eq!(
            case(&raw.replace("\"version\":1", "\"version\":0"), "fp"),
            Some(Problem::UnsupportedVersion(0))
        );
        assert!(matches!(case(&raw, "other-fp"), Some(Problem::WrongDocument { .. })));
        assert!(decode_store(&raw, "other-fp", "x").value.is_none());
    }

    #[test]
    fn unreadable_entries_are_dropped_and_reported_the_rest_kept() {
        let raw = encode_store(&sample(), "fp");
        let mut v: Value = serde_json::from_str(&raw).unwrap();
        let tags = v["sets"][0]["tags"].as_object_mut().unwrap();
        tags.insert("p8".into(), serde_json::json!([{"block": 3}]));
        tags.insert("p9".into(), serde_json::json!([["ghost", 1, 0, 0, 1, 0]]));
        let bad_theme =
            serde_json::json!({"id":"bad","nameZh":"x","nameEn":"","color":"javascript:1","key":null,"t":1,"by":0});
        v["themes"].as_array_mut().unwrap().push(bad_theme);
        v["sets"].as_array_mut().unwrap().push(serde_json::json!("nonsense"));
        let back = decode_store(&v.to_string(), "fp", "tab-a");
        assert!(back.needs_backup());
        assert_eq!(back.problems.len(), 3, "{:?}", back.problems);
        let store = back.value.unwrap();
        assert_eq!(store.themes_of("me", "p1"), ["investment", "trade"]);
    }

    #[test]
    fn the_clock_moves_past_every_restored_stamp() {
        let s = sample();
        let back = decode_store(&encode_store(&s, "fp"), "fp", "tab-b").value.unwrap();
        assert!(back.clock >= s.clock);
        assert_eq!(back.replica, "tab-b");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(matches!(
            decode_store(&deep, "fp", "x").problems[0],
            Problem::NotJson(_)
        ));
    }

    #[test]
    fn view_and_profile_round_trip() {
        let v = ViewState {
            focused: Some("abc-0".into()),
            filter: Some("trade".into()),
        };
        assert_eq!(decode_view(&encode_view(&v, "fp"), "fp").value, Some(v));
        assert!(decode_view("{}", "fp").value.is_none());
        let p = Profile {
            coder_id: "c-1".into(),
            name: "Li".into(),
            color: "#000000".into(),
        };
        assert_eq!(decode_profile(&encode_profile(&p)).value, Some(p));
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
            let raw = String::from_utf8_lossy(&bytes);
            let _ = decode_store(&raw, "fp", "x");
            let _ = decode_view(&raw, "fp");
            let _ = decode_profile(&raw);
        }

        #[test]
        fn mutated_stores_never_panic(cut in 0usize..2000, junk in "\\PC{0,20}") {
            let raw = encode_store(&sample(), "fp");
            let cut = cut.min(raw.len());
            let cut = (0..=cut).rev().find(|i| raw.is_char_boundary(*i)).unwrap_or(0);
            let mutated = format!("{}{}{}", &raw[..cut], junk, &raw[cut..]);
            let r = decode_store(&mutated, "fp", "x");
            prop_assert!(r.value.is_some() || !r.problems.is_empty());
            let truncated = decode_store(&raw[..cut], "fp", "x");
            prop_assert!(truncated.value.is_some() || !truncated.problems.is_empty());
        }
    }
}

/// The browser's key-value storage as the core sees it, so that loading and
/// saving (backups, merges, quota failures) are tested natively.
pub trait KeyValue {
    fn get(&self, key: &str) -> Result<Option<String>, StorageFailure>;
    fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure>;
    fn remove(&mut self, key: &str) -> Result<(), StorageFailure>;
}

/// Why storage refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageFailure {
    /// Storage is disabled or absent (private mode, blocked by settings).
    Unavailable,
    /// The quota is exhausted.
    Full,
    Other(String),
}

impl StorageFailure {
    pub fn message(&self) -> String {
        match self {
            StorageFailure::Unavailable => {
                "浏览器禁用了本地存储，更改不会被保存 · This browser's storage is disabled: changes are not being saved"
                    .into()
            }
            StorageFailure::Full => {
                "本地存储已满，更改不会被保存 · Browser storage is full: changes are not being saved".into()
            }
            StorageFailure::Other(e) => format!("无法保存 · Could not save: {e}"),
        }
    }
}

/// A stored value that could not be read whole, and where it was kept.
#[derive(Debug, Clone, PartialEq)]
pub struct Recovery {
    pub key: String,
    /// Where the raw value now also lives; `None` if even the backup could
    /// not be written (then `raw` is the only copy the user can download).
    pub backup_key: Option<String>,
    pub raw: String,
    pub problems: Vec<Problem>,
    /// Whether part of it was still restored.
    pub partial: bool,
}

/// Everything restored at start-up for one document.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub store: Store,
    pub view: ViewState,
    pub profile: Profile,
    pub recoveries: Vec<Recovery>,
    /// Set when storage could not even be read.
    pub failure: Option<StorageFailure>,
}

/// Keeps a value that could not be read under a backup key (see [`backup_key`]).
pub fn recover(
    kv: &mut dyn KeyValue,
    key: &str,
    raw: String,
    problems: Vec<Problem>,
    partial: bool,
    now_ms: u64,
) -> Recovery {
    let bk = backup_key(key, now_ms);
    let backup_key = kv.set(&bk, &raw).ok().map(|_| bk);
    Recovery {
        key: key.into(),
        backup_key,
        raw,
        problems,
        partial,
    }
}

/// What a stored key holds, for the recovery notice: a short kind (used in
/// the backup's file name) and a label for the user.
pub fn key_label(key: &str) -> (&'static str, &'static str) {
    let rest = key.strip_prefix(PREFIX).unwrap_or(key);
    match rest.split(':').next().unwrap_or("") {
        "annotations" => ("annotations", "标注 · Annotations"),
        "view" => ("view", "视图 · View"),
        "profile" => ("profile", "编码者资料 · Coder profile"),
        "terms" => ("terms", "关键词设置 · Key-term settings"),
        "settings" => ("settings", "用户设置与词典 · Settings and dictionary"),
        "library" => ("library", "文档库 · Library"),
        "doc" => ("document", "文档文本 · Document text"),
        _ => ("data", "数据 · Data"),
    }
}

/// Reads a stored value other than annotations (settings, the library).
/// What cannot be read is backed up and reported; once the backup is
/// written, the original gives way to what was restored (or is removed when
/// nothing was), so the next start neither loses it nor backs it up again.
pub fn load_value<T>(
    kv: &mut dyn KeyValue,
    key: &str,
    decode: impl Fn(&str) -> Restored<T>,
    encode: impl Fn(&T) -> String,
    now_ms: u64,
    recoveries: &mut Vec<Recovery>,
) -> Option<T> {
    let raw = kv.get(key).ok().flatten()?;
    let r = decode(&raw);
    if r.needs_backup() {
        let rec = recover(kv, key, raw, r.problems.clone(), r.value.is_some(), now_ms);
        if rec.backup_key.is_some() {
            let _ = match &r.value {
                Some(v) => kv.set(key, &encode(v)),
                None => kv.remove(key),
            };
        }
        recoveries.push(rec);
    }
    r.value
}

/// Restores the profile, the annotations and the view of one document.
/// Never fails: what cannot be read is backed up and reported, and a fresh
/// value takes its place.
pub fn load(kv: &mut dyn KeyValue, fingerprint: &str, replica: &str, fresh_profile: Profile, now_ms: u64) -> Loaded {
    let mut recoveries = Vec::new();
    let mut failure = None;
    let profile = load_profile(kv, fresh_profile, now_ms, &mut recoveries, &mut failure);
    let (store, view) = load_annotations(
        kv,
        fingerprint,
        replica,
        &profile,
        now_ms,
        &mut recoveries,
        &mut failure,
    );
    Loaded {
        store,
        view,
        profile,
        recoveries,
        failure,
    }
}

fn read(kv: &dyn KeyValue, key: &str, failure: &mut Option<StorageFailure>) -> Option<String> {
    match kv.get(key) {
        Ok(v) => v,
        Err(e) => {
            failure.get_or_insert(e);
            None
        }
    }
}

/// Restores this browser's coder profile, creating one on first use.
pub fn load_profile(
    kv: &mut dyn KeyValue,
    fresh: Profile,
    now_ms: u64,
    recoveries: &mut Vec<Recovery>,
    failure: &mut Option<StorageFailure>,
) -> Profile {
    let key = profile_key();
    if let Some(raw) = read(kv, &key, failure) {
        let r = decode_profile(&raw);
        if let Some(p) = r.value {
            return p;
        }
        recoveries.push(recover(kv, &key, raw, r.problems, false, now_ms));
    }
    let _ = kv.set(&key, &encode_profile(&fresh));
    fresh
}

/// Restores one document's annotations and view for `profile`'s coder.
pub fn load_annotations(
    kv: &mut dyn KeyValue,
    fingerprint: &str,
    replica: &str,
    profile: &Profile,
    now_ms: u64,
    recoveries: &mut Vec<Recovery>,
    failure: &mut Option<StorageFailure>,
) -> (Store, ViewState) {
    let owner = AnnotationSet::new(&profile.coder_id, &profile.name, &profile.color, SetKind::Coder);
    let akey = annotations_key(fingerprint);
    let mut store = match read(kv, &akey, failure) {
        Some(raw) => {
            let r = decode_store(&raw, fingerprint, replica);
            let store = r.value.clone().unwrap_or_else(|| Store::new(replica, &owner));
            if r.needs_backup() {
                let rec = recover(kv, &akey, raw, r.problems.clone(), r.value.is_some(), now_ms);
                if rec.backup_key.is_some() {
                    // The original is safe in its backup: replace it with what
                    // was restored, so it is not backed up again on every save.
                    let _ = kv.set(&akey, &encode_store(&store, fingerprint));
                }
                recoveries.push(rec);
            }
            store
        }
        None => Store::new(replica, &owner),
    };
    store.sets.entry(owner.id.clone()).or_insert(owner);

    let vkey = view_key(fingerprint);
    let view = match read(kv, &vkey, failure) {
        Some(raw) => {
            let r = decode_view(&raw, fingerprint);
            if r.needs_backup() {
                recoveries.push(recover(kv, &vkey, raw, r.problems.clone(), false, now_ms));
            }
            r.value.unwrap_or_default()
        }
        None => ViewState::default(),
    };
    (store, view)
}

/// What a save did besides writing.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Saved {
    /// The merge brought another tab's changes into the store.
    pub merged: bool,
    /// The stored value could not be read, so it was kept aside first.
    pub recovery: Option<Recovery>,
}

/// Writes the store, first folding in whatever another tab wrote since
/// (read, merge, write), so neither tab's work is overwritten. A stored value
/// that cannot be read is backed up before it is replaced.
pub fn save(kv: &mut dyn KeyValue, store: &mut Store, fingerprint: &str, now_ms: u64) -> Result<Saved, StorageFailure> {
    let replica = store.replica.clone();
    write_merged(
        kv,
        &annotations_key(fingerprint),
        store,
        |raw| decode_store(raw, fingerprint, &replica),
        |ours, theirs| ours.merge(&theirs),
        |s| encode_store(s, fingerprint),
        now_ms,
    )
}

/// Read, merge, write, for any value several tabs write: whatever another
/// tab stored is folded into `ours` first; a stored value that cannot be read
/// is kept under a backup key before it is replaced, and if there is no room
/// for the backup nothing is overwritten.
pub fn write_merged<T>(
    kv: &mut dyn KeyValue,
    key: &str,
    ours: &mut T,
    decode: impl Fn(&str) -> Restored<T>,
    merge: impl Fn(&mut T, T) -> bool,
    encode: impl Fn(&T) -> String,
    now_ms: u64,
) -> Result<Saved, StorageFailure> {
    let mut saved = Saved::default();
    if let Some(raw) = kv.get(key)? {
        let theirs = decode(&raw);
        if theirs.needs_backup() {
            let partial = theirs.value.is_some();
            let r = recover(kv, key, raw, theirs.problems.clone(), partial, now_ms);
            if r.backup_key.is_none() {
                // Nowhere to keep it: do not overwrite what cannot be restored.
                return Err(StorageFailure::Full);
            }
            saved.recovery = Some(r);
        }
        if let Some(theirs) = theirs.value {
            saved.merged = merge(ours, theirs);
        }
    }
    kv.set(key, &encode(ours))?;
    Ok(saved)
}

#[cfg(test)]
mod storage_tests {
    use super::*;
    use crate::store::Command;
    use std::collections::HashMap;

    #[test]
    fn saving_the_library_merges_another_tabs_list_and_backs_up_a_bad_one() {
        use crate::library::{self, tests::entry, Library};
        let mut kv = Mem::default();
        let mut other = Library::default();
        other.upsert(entry("b"));
        library::save_library(&mut kv, &mut other, 5).unwrap();
        let mut ours = Library::default();
        ours.upsert(entry("a"));
        let saved = library::save_library(&mut kv, &mut ours, 6).unwrap();
        assert!(
            saved.merged && ours.get("b").is_some(),
            "the other tab's document is kept"
        );
        kv.set(&library::library_key(), "{broken").unwrap();
        let saved = library::save_library(&mut kv, &mut ours, 7).unwrap();
        let backup = saved.recovery.and_then(|r| r.backup_key).expect("backed up first");
        assert_eq!(kv.get(&backup).unwrap().as_deref(), Some("{broken"));
        let stored = library::decode_library(&kv.get(&library::library_key()).unwrap().unwrap());
        assert_eq!(stored.value.unwrap().entries.len(), 2);
    }

    #[test]
    fn an_unreadable_setting_is_backed_up_once_and_replaced() {
        let mut kv = Mem::default();
        let key = format!("{PREFIX}settings");
        kv.set(&key, "{not json").unwrap();
        let decode = |raw: &str| decode_profile(raw);
        let mut recoveries = Vec::new();
        let got = load_value(&mut kv, &key, decode, encode_profile, 7, &mut recoveries);
        assert!(got.is_none());
        assert_eq!(recoveries.len(), 1);
        let backup = recoveries[0].backup_key.clone().expect("backed up");
        assert_eq!(
            kv.get(&backup).unwrap().as_deref(),
            Some("{not json"),
            "kept byte for byte"
        );
        assert_eq!(kv.get(&key).unwrap(), None, "the original gave way");
        // the next start finds nothing to back up
        let mut again = Vec::new();
        assert!(load_value(&mut kv, &key, decode, encode_profile, 8, &mut again).is_none());
        assert!(again.is_empty());
        assert_eq!(key_label(&format!("{PREFIX}library")).0, "library");
        assert_eq!(key_label(&format!("{PREFIX}terms:abc")).0, "terms");
    }

    /// In-memory storage with a quota, like a browser's.
    #[derive(Default)]
    struct Mem {
        map: HashMap<String, String>,
        quota: Option<usize>,
        disabled: bool,
    }

    impl KeyValue for Mem {
        fn get(&self, key: &str) -> Result<Option<String>, StorageFailure> {
            if self.disabled {
                return Err(StorageFailure::Unavailable);
            }
            Ok(self.map.get(key).cloned())
        }
        fn set(&mut self, key: &str, value: &str) -> Result<(), StorageFailure> {
            if self.disabled {
                return Err(StorageFailure::Unavailable);
            }
            let used: usize = self
                .map
                .iter()
                .filter(|(k, _)| *k != key)
                .map(|(k, v)| k.len() + v.len())
                .sum();
            if self.quota.is_some_and(|q| used + key.len() + value.len() > q) {
                return Err(StorageFailure::Full);
            }
            self.map.insert(key.into(), value.into());
            Ok(())
        }
        fn remove(&mut self, key: &str) -> Result<(), StorageFailure> {
            self.map.remove(key);
            Ok(())
        }
    }

    fn profile() -> Profile {
        Profile {
            coder_id: "c-1".into(),
            name: "Me".into(),
            color: "#222222".into(),
        }
    }

    fn tag(set: &str, block: &str) -> Command {
        Command::Tag {
            set: set.into(),
            block: block.into(),
            theme: "trade".into(),
            present: true,
            how: TagOrigin::Hand,
            at: 0,
        }
    }

    #[test]
    fn a_fresh_browser_gets_a_profile_and_an_empty_store() {
        let mut kv = Mem::default();
        let l = load(&mut kv, "fp", "tab", profile(), 1);
        assert!(l.recoveries.is_empty());
        assert!(l.store.sets.contains_key("c-1"));
        assert!(kv.map.contains_key(&profile_key()));
    }

    #[test]
    fn saved_work_comes_back() {
        let mut kv = Mem::default();
        let mut l = load(&mut kv, "fp", "tab", profile(), 1);
        l.store.apply(tag("c-1", "p1")).unwrap();
        save(&mut kv, &mut l.store, "fp", 3).unwrap();
        let again = load(&mut kv, "fp", "tab2", profile(), 2);
        assert_eq!(again.store.themes_of("c-1", "p1"), ["trade"]);
    }

    #[test]
    fn garbage_is_backed_up_never_deleted() {
        let mut kv = Mem::default();
        kv.map.insert(annotations_key("fp"), "{garbage".into());
        kv.map.insert(view_key("fp"), "[]".into());
        let l = load(&mut kv, "fp", "tab", profile(), 42);
        assert_eq!(l.recoveries.len(), 2);
        let r = &l.recoveries[0];
        assert_eq!(
            r.backup_key.as_deref(),
            Some(backup_key(&annotations_key("fp"), 42).as_str())
        );
        assert_eq!(kv.map[r.backup_key.as_ref().unwrap()], "{garbage");
        assert!(l.store.sets.contains_key("c-1"), "the app starts with a fresh store");
    }

    #[test]
    fn a_future_version_is_kept_aside() {
        let mut kv = Mem::default();
        let future = encode_store(
            &Store::new("x", &AnnotationSet::new("c-1", "Me", "#222222", SetKind::Coder)),
            "fp",
        )
        .replace("\"version\":1", "\"version\":99");
        kv.map.insert(annotations_key("fp"), future.clone());
        let l = load(&mut kv, "fp", "tab", profile(), 5);
        assert_eq!(l.recoveries[0].problems, vec![Problem::FutureVersion(99)]);
        assert_eq!(kv.map[&backup_key(&annotations_key("fp"), 5)], future);
    }

    #[test]
    fn when_even_the_backup_fails_the_raw_value_is_returned() {
        let mut kv = Mem {
            quota: Some(10),
            ..Default::default()
        };
        kv.map.insert(annotations_key("fp"), "not json at all".into());
        let l = load(&mut kv, "fp", "tab", profile(), 1);
        let r = l.recoveries.iter().find(|r| r.key == annotations_key("fp")).unwrap();
        assert_eq!(r.backup_key, None);
        assert_eq!(r.raw, "not json at all");
    }

    #[test]
    fn a_full_storage_is_reported_and_work_stays_in_memory() {
        let mut kv = Mem::default();
        let mut l = load(&mut kv, "fp", "tab", profile(), 1);
        kv.quota = Some(0);
        l.store.apply(tag("c-1", "p1")).unwrap();
        assert_eq!(save(&mut kv, &mut l.store, "fp", 3), Err(StorageFailure::Full));
        assert_eq!(l.store.themes_of("c-1", "p1"), ["trade"]);
        let mut disabled = Mem {
            disabled: true,
            ..Default::default()
        };
        let l = load(&mut disabled, "fp", "tab", profile(), 1);
        assert_eq!(l.failure, Some(StorageFailure::Unavailable));
    }

    #[test]
    fn a_save_never_overwrites_an_unreadable_value_without_a_backup() {
        let mut kv = Mem::default();
        let mut l = load(&mut kv, "fp", "tab", profile(), 1);
        kv.map.insert(annotations_key("fp"), "written by something else".into());
        let saved = save(&mut kv, &mut l.store, "fp", 9).unwrap();
        assert_eq!(
            saved.recovery.unwrap().backup_key,
            Some(backup_key(&annotations_key("fp"), 9))
        );
        assert_eq!(
            kv.map[&backup_key(&annotations_key("fp"), 9)],
            "written by something else"
        );
        // with no room for the backup, the value is left alone
        kv.map.insert(annotations_key("fp"), "again".into());
        let used: usize = kv.map.iter().map(|(k, v)| k.len() + v.len()).sum();
        kv.quota = Some(used);
        assert_eq!(save(&mut kv, &mut l.store, "fp", 10), Err(StorageFailure::Full));
        assert_eq!(kv.map[&annotations_key("fp")], "again");
    }

    #[test]
    fn two_tabs_saving_in_turn_lose_nothing() {
        let mut kv = Mem::default();
        let mut a = load(&mut kv, "fp", "tab-a", profile(), 1).store;
        let mut b = load(&mut kv, "fp", "tab-b", profile(), 1).store;
        a.apply(tag("c-1", "p1")).unwrap();
        b.apply(tag("c-1", "p2")).unwrap();
        save(&mut kv, &mut a, "fp", 3).unwrap();
        assert!(save(&mut kv, &mut b, "fp", 4).unwrap().merged, "b folds in a's tag");
        let stored = load(&mut kv, "fp", "tab-c", profile(), 1).store;
        assert_eq!(stored.themes_of("c-1", "p1"), ["trade"]);
        assert_eq!(stored.themes_of("c-1", "p2"), ["trade"]);
    }
}
