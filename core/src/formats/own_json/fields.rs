//! The annotation file's bounded values: each checks its own limits as it
//! is read and, in tests, describes the same limits to the JSON Schema, so
//! the reader and `docs/annotation-file.schema.json` share one definition.
//!
//! A value that breaks its limit fails with a message [`field_error`]
//! (in the parent) reads back: [`TooLong`] for a string or list over its
//! length, anything else for a wrong value (reported as the field's
//! expected type).
//!
//! [`field_error`]: super::field_error

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::{FILE_TYPE, FILE_VERSION};
use crate::text::char_len;

/// Longest id (set, block, a tag's theme) accepted, in chars.
pub(super) const MAX_ID: usize = 200;
/// Longest theme id, in chars (what `Theme::validate` allows).
pub(super) const MAX_THEME_ID: usize = 64;
/// Most terms a curation list (or the parts of speech) may hold.
pub(super) const MAX_CURATED: usize = 2000;
/// Longest key term, in chars.
pub(super) const MAX_TERM: usize = 40;

/// Why a value is too long: its limit, in chars or items. Its text is the
/// error message a deserializer carries; [`TooLong::read`] gets the limit
/// back.
pub(super) struct TooLong(pub(super) usize);

impl TooLong {
    const PREFIX: &'static str = "too long, the limit is ";

    /// The limit in a message written by [`TooLong`]'s `Display`, if it is one.
    pub(super) fn read(message: &str) -> Option<usize> {
        message.strip_prefix(Self::PREFIX)?.parse().ok()
    }
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::PREFIX, self.0)
    }
}

/// A string of at most `MAX` chars.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct Text<const MAX: usize>(pub(super) String);

impl<'de, const MAX: usize> Deserialize<'de> for Text<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if char_len(&s) > MAX {
            return Err(de::Error::custom(TooLong(MAX)));
        }
        Ok(Text(s))
    }
}

impl<const MAX: usize> From<&str> for Text<MAX> {
    fn from(s: &str) -> Self {
        Text(s.to_string())
    }
}

/// A block id: 1 to [`MAX_ID`] chars.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct BlockId(pub(super) String);

impl<'de> Deserialize<'de> for BlockId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() {
            return Err(de::Error::custom("an empty block id"));
        }
        if char_len(&s) > MAX_ID {
            return Err(de::Error::custom(TooLong(MAX_ID)));
        }
        Ok(BlockId(s))
    }
}

/// A document fingerprint: 16 lowercase hex digits (see
/// [`crate::text::fingerprint`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct Fingerprint(pub(super) String);

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.len() != 16 || !s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(de::Error::custom("not a fingerprint"));
        }
        Ok(Fingerprint(s))
    }
}

/// A colour, `#rrggbb` when the app wrote it; at most 7 chars are read, and
/// whether it is a colour is left to whoever uses it (a theme refuses
/// anything else, a set takes a neutral grey).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct Color(pub(super) String);

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Text::<7>::deserialize(d).map(|t| Color(t.0))
    }
}

/// A key term (or a part-of-speech tag): 1 to [`MAX_TERM`] chars, not only
/// white space; read trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct Term(pub(super) String);

impl<'de> Deserialize<'de> for Term {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.trim().is_empty() || char_len(&s) > MAX_TERM {
            return Err(de::Error::custom("not a term"));
        }
        Ok(Term(s.trim().to_string()))
    }
}

/// A list of at most `MAX` items; reading stops at the first one too many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct List<T, const MAX: usize>(pub(super) Vec<T>);

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for List<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Items<T, const MAX: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for Items<T, MAX> {
            type Value = List<T, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "an array of at most {MAX} items")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX));
                while let Some(item) = seq.next_element()? {
                    if items.len() == MAX {
                        return Err(de::Error::custom(TooLong(MAX)));
                    }
                    items.push(item);
                }
                Ok(List(items))
            }
        }
        d.deserialize_seq(Items(PhantomData))
    }
}

/// The `type` field: always [`FILE_TYPE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct FileType;

impl Serialize for FileType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(FILE_TYPE)
    }
}

impl<'de> Deserialize<'de> for FileType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match String::deserialize(d)?.as_str() {
            FILE_TYPE => Ok(FileType),
            _ => Err(de::Error::custom("another file type")),
        }
    }
}

/// The `version` field: 1 to [`FILE_VERSION`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct Version(pub(super) u64);

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u64::deserialize(d)? {
            v @ 1..=FILE_VERSION => Ok(Version(v)),
            _ => Err(de::Error::custom("another format version")),
        }
    }
}

/// How many key terms to keep by score: 1 to 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(super) struct TopK(pub(super) usize);

impl<'de> Deserialize<'de> for TopK {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match u64::deserialize(d)? {
            k @ 1..=500 => Ok(TopK(k as usize)),
            _ => Err(de::Error::custom("out of range")),
        }
    }
}

/// The same limits, told to the JSON Schema generator (tests only: the
/// schema is generated by a test, and `schemars` stays out of the app).
#[cfg(test)]
mod schema {
    use std::borrow::Cow;

    use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

    use super::*;

    impl<const MAX: usize> JsonSchema for Text<MAX> {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            format!("Text{MAX}").into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "maxLength": MAX })
        }
    }

    impl JsonSchema for BlockId {
        fn schema_name() -> Cow<'static, str> {
            "blockId".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "A block id: the first 16 hex digits of SHA-256 of the block's own text, `-` and its occurrence among blocks with the same text (it does not depend on position).",
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_ID,
            })
        }
    }

    impl JsonSchema for Fingerprint {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Fingerprint".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "pattern": "^[0-9a-f]{16}$" })
        }
    }

    impl JsonSchema for Color {
        fn schema_name() -> Cow<'static, str> {
            "color".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "A colour, `#rrggbb`.",
                "type": "string",
                "pattern": "^#[0-9A-Fa-f]{6}$",
            })
        }
    }

    impl JsonSchema for Term {
        fn schema_name() -> Cow<'static, str> {
            "term".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "description": "A key term or a jieba part-of-speech tag: 1 to 40 characters, not only white space (read trimmed).",
                "type": "string",
                "minLength": 1,
                "maxLength": MAX_TERM,
                "pattern": "\\S",
            })
        }
    }

    impl<T: JsonSchema, const MAX: usize> JsonSchema for List<T, MAX> {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            format!("List{MAX}_{}", T::schema_name()).into()
        }
        fn json_schema(generator: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "array", "maxItems": MAX, "items": generator.subschema_for::<T>() })
        }
    }

    impl JsonSchema for FileType {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "FileType".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "string", "const": FILE_TYPE })
        }
    }

    impl JsonSchema for Version {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "Version".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "integer", "const": FILE_VERSION })
        }
    }

    impl JsonSchema for TopK {
        fn inline_schema() -> bool {
            true
        }
        fn schema_name() -> Cow<'static, str> {
            "TopK".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({ "type": "integer", "minimum": 1, "maximum": 500 })
        }
    }
}
