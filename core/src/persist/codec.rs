//! The stored formats: envelopes, keys, and the annotation store, view and
//! profile encoded and decoded field by field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{
    AnnotationSet, NoteEntry, SetKind, SetStamps, Stamp, Status, Store, TagEntry, TagKey, TagOrigin, ThemeEntry,
    UncodedEntry,
};
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
    /// A closed set: a tombstone with no items (absent means open).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    closed: bool,
    /// The set's own stamps, compact: `[open t, by, name t, by, colour t,
    /// by, read-only t, by]` (absent in values written before sets were
    /// stamped: read as never written, so any later change wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    st: Option<[u64; 8]>,
    /// The coder's status and its stamp, compact: `[status, t, by]`, the
    /// status `""` (none set: derived from the items), `"not-started"`,
    /// `"in-progress"` or `"done"`. Absent in values written before
    /// statuses existed (and while the status was never set), read as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<StatusV1>,
}

/// A set's status, compact: (status name or `""`, clock, replica index).
type StatusV1 = (String, u64, usize);

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
        .chain(store.closed.values())
        .map(|s| {
            let closed = store.closed.contains_key(&s.id) && !store.sets.contains_key(&s.id);
            let st = &s.stamps;
            let mut stamp = |x: &Stamp| [x.t, replicas.of(&x.by) as u64];
            let [a, b] = stamp(&st.open);
            let [c, d] = stamp(&st.name);
            let [e, f] = stamp(&st.color);
            let [g, h] = stamp(&st.readonly);
            let st = [a, b, c, d, e, f, g, h];
            let mut tags: BTreeMap<&str, Vec<TagV1>> = BTreeMap::new();
            for (TagKey { block, theme }, e) in &s.tags {
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
            let status = (s.stamps.status != Stamp::default()).then(|| {
                let name = s.status.map(Status::as_str).unwrap_or("");
                (name.to_string(), s.stamps.status.t, replicas.of(&s.stamps.status.by))
            });
            SetV1 {
                status,
                id: s.id.clone(),
                name: s.name.clone(),
                color: s.color.clone(),
                kind: s.kind,
                readonly: s.readonly,
                closed,
                st: (st != [0; 8]).then_some(st),
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
        closed: BTreeMap::new(),
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
        if let Some(st) = s.st {
            let read = |t: u64, by: u64| stamp(t, by as usize);
            match (
                read(st[0], st[1]),
                read(st[2], st[3]),
                read(st[4], st[5]),
                read(st[6], st[7]),
            ) {
                (Some(open), Some(name), Some(color), Some(readonly)) => {
                    max_t = max_t.max(st[0]).max(st[2]).max(st[4]).max(st[6]);
                    set.stamps = SetStamps {
                        open,
                        name,
                        color,
                        readonly,
                        status: Stamp::default(),
                    };
                }
                _ => {
                    bad_sets += 1;
                    continue;
                }
            }
        }
        if let Some((name, t, by)) = s.status {
            let status = match name.as_str() {
                "" => Some(None),
                n => Status::parse(n).map(Some),
            };
            match (status, stamp(t, by)) {
                (Some(status), Some(st)) => {
                    max_t = max_t.max(t);
                    set.status = status;
                    set.stamps.status = st;
                }
                _ => {
                    bad_sets += 1;
                    continue;
                }
            }
        }
        if s.closed {
            store.closed.insert(set.id.clone(), set);
            continue;
        }
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
                            TagKey {
                                block: block.clone(),
                                theme,
                            },
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
    // A hostile or hand-edited value may list a set both open and closed:
    // the later stamp decides, as a merge would.
    let both: Vec<String> = store
        .closed
        .keys()
        .filter(|id| store.sets.contains_key(*id))
        .cloned()
        .collect();
    for id in both {
        if store.closed[&id].stamps.open > store.sets[&id].stamps.open {
            store.sets.remove(&id);
        } else {
            store.closed.remove(&id);
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

impl Profile {
    /// The coder's own annotation set, empty: what a document this coder
    /// has not annotated yet starts with.
    pub fn own_set(&self) -> crate::store::AnnotationSet {
        crate::store::AnnotationSet::new(&self.coder_id, &self.name, &self.color, crate::store::SetKind::Coder)
    }
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
#[path = "codec_tests.rs"]
mod tests;
