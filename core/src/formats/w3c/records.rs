//! The app's own records in a collection: the document, themes and sets
//! (`speech-annotator:document`, `speech-annotator:themes`,
//! `speech-annotator:sets`). Annotations carry themes and coders as plain
//! text; these records let the app's own round trip keep theme ids,
//! colours and keys, and set ids, colours and kinds. Another tool's file
//! has none.
//!
//! They are read strictly: they are the app's own, so a damaged one is an
//! error naming its JSON path rather than half an import.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::lenient::Object;
use super::model::RootIn;
use super::{MAX_ID, MAX_SET_NAME, SETS_KEY, THEMES_KEY};
use crate::exchange::{ImportError, IncomingDocument};
use crate::store::SetKind;
use crate::text::char_len;
use crate::themes::{is_hex_color, Theme, MAX_NAME};

// ------------------------------------------------------------- written

/// `speech-annotator:document`: the document the annotations are on.
/// `title` and `date` are `null` when the document has none.
#[derive(Debug, Serialize)]
pub(super) struct DocumentRecord<'a> {
    pub fingerprint: &'a str,
    pub title: Option<&'a str>,
    pub date: Option<&'a str>,
}

/// One entry of `speech-annotator:themes`: every theme of the store.
/// `key` is the digit 1–9 that toggles it, or `null`.
#[derive(Debug, Serialize)]
pub(super) struct ThemeRecord<'a> {
    pub id: &'a str,
    #[serde(rename = "nameZh")]
    pub name_zh: &'a str,
    #[serde(rename = "nameEn")]
    pub name_en: &'a str,
    /// `#rrggbb`.
    pub color: &'a str,
    pub key: Option<u8>,
}

impl<'a> From<&'a Theme> for ThemeRecord<'a> {
    fn from(t: &'a Theme) -> Self {
        ThemeRecord {
            id: &t.id,
            name_zh: &t.name_zh,
            name_en: &t.name_en,
            color: &t.color,
            key: t.key,
        }
    }
}

/// One entry of `speech-annotator:sets`: an exported set.
/// `kind` is `"coder"` or `"consensus"`.
#[derive(Debug, Serialize)]
pub(super) struct SetRecord<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub color: &'a str,
    pub kind: SetKind,
}

// ---------------------------------------------------------------- read

/// A member of a record as found: absent, `null`, of the expected shape, or
/// of another. The strict checks ([`Field::text`], …) turn it into a value
/// or a typed error. Never fails to deserialize: serde tries the shapes in
/// turn on a buffered copy of the value, which costs little for records
/// this small (an object `T` must be an [`Object`], which takes no array).
#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub(super) enum Field<T> {
    #[default]
    #[serde(skip_deserializing)]
    Absent,
    Null,
    Fits(T),
    Wrong(serde::de::IgnoredAny),
}

impl<'a> Field<&'a str> {
    /// The string, or `None` when absent or `null`.
    ///
    /// # Errors
    /// [`ImportError::TooLong`] over `limit` chars, [`ImportError::WrongType`]
    /// for anything but a string; both name `path()`.
    fn text(&self, path: impl Fn() -> String, limit: usize) -> Result<Option<&'a str>, ImportError> {
        match *self {
            Field::Absent | Field::Null => Ok(None),
            Field::Fits(s) if char_len(s) > limit => Err(ImportError::TooLong { field: path(), limit }),
            Field::Fits(s) => Ok(Some(s)),
            Field::Wrong(_) => Err(ImportError::WrongType {
                field: path(),
                expected: "string",
            }),
        }
    }

    /// The string, which must be there.
    ///
    /// # Errors
    /// As [`Field::text`], and [`ImportError::Missing`] when absent or `null`.
    fn required(&self, path: impl Fn() -> String, limit: usize) -> Result<&'a str, ImportError> {
        self.text(&path, limit)?.ok_or_else(|| ImportError::Missing(path()))
    }
}

/// The entries of an array of records, which may be absent or `null` (no
/// records), each checked to be an object when it is reached.
///
/// # Errors
/// [`ImportError::WrongType`] naming `field` for anything but an array; an
/// entry that is not an object is an [`ImportError::WrongType`] naming
/// `field[i]`.
fn records<'r, T>(
    list: &'r Field<Vec<Object<T>>>,
    field: &'static str,
) -> Result<impl Iterator<Item = Result<(usize, &'r T), ImportError>>, ImportError> {
    let list: &[Object<T>] = match list {
        Field::Absent | Field::Null => &[],
        Field::Fits(list) => list,
        Field::Wrong(_) => {
            return Err(ImportError::WrongType {
                field: field.into(),
                expected: "array",
            })
        }
    };
    Ok(list.iter().enumerate().map(move |(i, r)| match &r.0 {
        Some(r) => Ok((i, r)),
        None => Err(ImportError::WrongType {
            field: format!("{field}[{i}]"),
            expected: "object",
        }),
    }))
}

/// `speech-annotator:document` as read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct DocumentRecordIn<'a> {
    #[serde(borrow)]
    fingerprint: Field<&'a str>,
    #[serde(borrow)]
    title: Field<&'a str>,
    #[serde(borrow)]
    date: Field<&'a str>,
}

/// An entry of `speech-annotator:themes` as read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ThemeRecordIn<'a> {
    #[serde(borrow)]
    id: Field<&'a str>,
    #[serde(rename = "nameZh", borrow)]
    name_zh: Field<&'a str>,
    #[serde(rename = "nameEn", borrow)]
    name_en: Field<&'a str>,
    #[serde(borrow)]
    color: Field<&'a str>,
    key: Field<u8>,
}

/// An entry of `speech-annotator:sets` as read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SetRecordIn<'a> {
    #[serde(borrow)]
    id: Field<&'a str>,
    #[serde(borrow)]
    name: Field<&'a str>,
    #[serde(borrow)]
    color: Field<&'a str>,
    #[serde(borrow)]
    kind: Field<&'a str>,
}

/// One set as the app's record describes it.
pub(super) struct SetRecordOf {
    pub name: String,
    /// `#rrggbb`, or empty when the record's colour is not one.
    pub color: String,
    pub kind: SetKind,
}

/// What the app's own export records beside the annotations; empty for
/// another tool's file.
#[derive(Default)]
pub(super) struct Record {
    pub document: Option<IncomingDocument>,
    pub themes: Vec<Theme>,
    /// By set id.
    pub sets: HashMap<String, SetRecordOf>,
}

impl Record {
    /// Checks the records of a collection or page.
    ///
    /// # Errors
    /// [`ImportError::WrongType`], [`ImportError::Missing`] or
    /// [`ImportError::TooLong`] naming the JSON path of the bad member
    /// (`speech-annotator:themes[2].color`), [`ImportError::InvalidTheme`]
    /// for a theme [`Theme::validate`] refuses, and
    /// [`ImportError::DuplicateId`] for a theme or set id given twice.
    pub(super) fn read(root: &RootIn) -> Result<Record, ImportError> {
        let mut record = Record::default();
        match &root.document {
            Field::Absent => {}
            Field::Fits(Object(Some(d))) => {
                let at = |k: &'static str| move || format!("{}.{k}", super::DOCUMENT_KEY);
                record.document = Some(IncomingDocument {
                    fingerprint: d.fingerprint.required(at("fingerprint"), 64)?.into(),
                    title: d.title.text(at("title"), 500)?.map(str::to_string),
                    date: d.date.text(at("date"), 60)?.map(str::to_string),
                    text: None,
                });
            }
            _ => {
                return Err(ImportError::WrongType {
                    field: super::DOCUMENT_KEY.into(),
                    expected: "object",
                })
            }
        }
        let mut ids = BTreeSet::new();
        for entry in records(&root.themes, THEMES_KEY)? {
            let (i, t) = entry?;
            let at = |k: &'static str| move || format!("{THEMES_KEY}[{i}].{k}");
            let key = match t.key {
                Field::Absent | Field::Null => None,
                Field::Fits(k) => Some(k),
                Field::Wrong(_) => {
                    return Err(ImportError::WrongType {
                        field: at("key")(),
                        expected: "a digit 1–9 or null",
                    })
                }
            };
            let theme = Theme {
                id: t.id.required(at("id"), MAX_ID)?.into(),
                name_zh: t.name_zh.text(at("nameZh"), MAX_NAME)?.unwrap_or("").into(),
                name_en: t.name_en.text(at("nameEn"), MAX_NAME)?.unwrap_or("").into(),
                color: t.color.required(at("color"), 7)?.into(),
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
        for entry in records(&root.sets, SETS_KEY)? {
            let (i, s) = entry?;
            let at = |k: &'static str| move || format!("{SETS_KEY}[{i}].{k}");
            let id = s.id.required(at("id"), MAX_ID)?.to_string();
            let kind = match s.kind.text(at("kind"), 20)? {
                None | Some("coder") => SetKind::Coder,
                Some("consensus") => SetKind::Consensus,
                Some(_) => {
                    return Err(ImportError::WrongType {
                        field: at("kind")(),
                        expected: "\"coder\" or \"consensus\"",
                    })
                }
            };
            let set = SetRecordOf {
                name: s.name.required(at("name"), MAX_SET_NAME)?.into(),
                color: s
                    .color
                    .text(at("color"), 7)?
                    .filter(|c| is_hex_color(c))
                    .unwrap_or("")
                    .into(),
                kind,
            };
            if record.sets.insert(id.clone(), set).is_some() {
                return Err(ImportError::DuplicateId(format!("{SETS_KEY}: {id}")));
            }
        }
        Ok(record)
    }
}
