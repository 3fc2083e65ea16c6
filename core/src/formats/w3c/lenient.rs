//! Field types for reading other tools' JSON-LD tolerantly.
//!
//! The W3C model lets many properties be one value or an array of them, a
//! uri string or an object, and other tools' files hold whatever they hold.
//! A field of one of these types never fails to deserialize: a value of
//! the wrong shape reads as nothing, so one odd property of one annotation
//! never costs the whole import. Each [`Deserialize`] here is total for
//! input from a [`serde_json::Value`], which is what the importer reads.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// `T` when the JSON value has `T`'s shape, else nothing: a string for
/// `&str`, a non-negative integer that fits for `usize`. Absent reads as
/// [`Loose::Other`] too.
///
/// Not for structs: serde would read a struct from an array by position;
/// use [`Object`] for those.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum Loose<T> {
    Fits(T),
    Other(IgnoredAny),
}

impl<T> Default for Loose<T> {
    fn default() -> Self {
        Loose::Other(IgnoredAny)
    }
}

impl<T> Loose<T> {
    /// A reference to the value, if it had the shape.
    pub(super) fn fits(&self) -> Option<&T> {
        match self {
            Loose::Fits(t) => Some(t),
            Loose::Other(_) => None,
        }
    }
}

impl<T: Copy> Loose<T> {
    /// The value, if it had the shape.
    pub(super) fn get(&self) -> Option<T> {
        match self {
            Loose::Fits(t) => Some(*t),
            Loose::Other(_) => None,
        }
    }
}

/// One value or an array of them: JSON-LD writes a set of one as the value
/// alone (`"motivation": "tagging"` or `["tagging", "describing"]`).
/// Absent reads as an empty [`OneOrMany::Many`].
///
/// `T` must itself never fail ([`Loose`], [`Object`]), so that a value that
/// is not an array reads as one `T`.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub(super) enum OneOrMany<T> {
    Many(Vec<T>),
    One(T),
}

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany::Many(Vec::new())
    }
}

impl<T> OneOrMany<T> {
    /// The values in order: one, or the array's.
    pub(super) fn as_slice(&self) -> &[T] {
        match self {
            OneOrMany::Many(v) => v,
            OneOrMany::One(t) => std::slice::from_ref(t),
        }
    }
}

impl<T: Copy> OneOrMany<Loose<T>> {
    /// The values that have `T`'s shape, in order; the others are skipped.
    pub(super) fn fitting(&self) -> Vec<T> {
        self.as_slice().iter().filter_map(Loose::get).collect()
    }
}

/// A JSON object read as the struct `T`; any other value (a uri string, a
/// number, `null`, an array) reads as `None`. Absent reads as `None` too.
#[derive(Debug)]
pub(super) struct Object<T>(pub(super) Option<T>);

impl<T> Default for Object<T> {
    fn default() -> Self {
        Object(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ObjectVisitor(PhantomData))
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = Object<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|t| Object(Some(t)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // Every element must be taken, or the deserializer reports a length error.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Object(None))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Object(None))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(Object(None))
    }
}
