//! Field types for reading other tools' JSON-LD tolerantly.
//!
//! The W3C model lets many properties be one value or an array of them, a
//! uri string or an object, and other tools' files hold whatever they hold.
//! A field of one of these types never fails to deserialize: a value of
//! the wrong shape reads as nothing, so one odd property of one annotation
//! never costs the whole import. Each type looks at the kind of JSON value
//! once ([`Total`]), without buffering it to try several shapes.
//!
//! Strings are borrowed from the input: the importer reads a parsed
//! [`serde_json::Value`], which lends every string.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A type read from any JSON value: each kind of value maps to a value of
/// the type, never to an error (other than the deserializer's own).
pub(super) trait Total<'de>: Sized {
    /// What a value of a kind the type does not take reads as.
    fn other() -> Self;

    /// From a string the input lends.
    fn from_str(_: &'de str) -> Self {
        Self::other()
    }

    /// From a non-negative integer.
    fn from_u64(_: u64) -> Self {
        Self::other()
    }

    /// From an object; every entry must be taken.
    fn from_map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::other())
    }

    /// From an array; every element must be taken.
    fn from_seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::other())
    }
}

/// Deserializes a [`Total`] type from whatever value comes.
pub(super) fn total<'de, T: Total<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<T, D::Error> {
    struct TotalVisitor<T>(PhantomData<T>);

    impl<'de, T: Total<'de>> Visitor<'de> for TotalVisitor<T> {
        type Value = T;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_borrowed_str<E>(self, s: &'de str) -> Result<T, E> {
            Ok(T::from_str(s))
        }

        fn visit_str<E>(self, _: &str) -> Result<T, E> {
            Ok(T::other())
        }

        fn visit_u64<E>(self, n: u64) -> Result<T, E> {
            Ok(T::from_u64(n))
        }

        fn visit_i64<E>(self, n: i64) -> Result<T, E> {
            Ok(u64::try_from(n).map_or_else(|_| T::other(), T::from_u64))
        }

        fn visit_f64<E>(self, _: f64) -> Result<T, E> {
            Ok(T::other())
        }

        fn visit_bool<E>(self, _: bool) -> Result<T, E> {
            Ok(T::other())
        }

        fn visit_unit<E>(self) -> Result<T, E> {
            Ok(T::other())
        }

        fn visit_none<E>(self) -> Result<T, E> {
            Ok(T::other())
        }

        fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
            T::from_map(map)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
            T::from_seq(seq)
        }
    }

    deserializer.deserialize_any(TotalVisitor(PhantomData))
}

/// Implements [`Deserialize`] for a [`Total`] type.
macro_rules! deserialize_total {
    (impl<$($g:tt),*> for $t:ty where $($bounds:tt)*) => {
        impl<$($g),*> serde::Deserialize<'de> for $t where $($bounds)* {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::formats::w3c::lenient::total(deserializer)
            }
        }
    };
}
pub(super) use deserialize_total;

/// A string, else nothing. Absent reads as nothing too.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Text<'a>(pub(super) Option<&'a str>);

impl<'de: 'a, 'a> Total<'de> for Text<'a> {
    fn other() -> Self {
        Text(None)
    }

    fn from_str(s: &'de str) -> Self {
        Text(Some(s))
    }
}

deserialize_total!(impl<'de, 'a> for Text<'a> where 'de: 'a);

/// A non-negative integer that fits a `usize`, else nothing (a negative
/// number, a fraction, a numeric string). Absent reads as nothing too.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Count(pub(super) Option<usize>);

impl Total<'_> for Count {
    fn other() -> Self {
        Count(None)
    }

    fn from_u64(n: u64) -> Self {
        Count(usize::try_from(n).ok())
    }
}

deserialize_total!(impl<'de> for Count where);

/// A JSON object read as the struct `T` (whose fields must be total too),
/// else `None`: a uri string, a number, `null`, or an array, which serde
/// would otherwise read into a struct by position. Absent reads as `None`.
#[derive(Debug)]
pub(super) struct Object<T>(pub(super) Option<T>);

impl<T> Default for Object<T> {
    fn default() -> Self {
        Object(None)
    }
}

impl<'de, T: Deserialize<'de>> Total<'de> for Object<T> {
    fn other() -> Self {
        Object(None)
    }

    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(|t| Object(Some(t)))
    }
}

deserialize_total!(impl<'de, T> for Object<T> where T: Deserialize<'de>);

/// An array of `T` (each read as [`Total`]), else `None`. Absent reads as
/// `None`.
#[derive(Debug)]
pub(super) struct List<T>(pub(super) Option<Vec<T>>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(None)
    }
}

impl<'de, T: Deserialize<'de>> Total<'de> for List<T> {
    fn other() -> Self {
        List(None)
    }

    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        elements(seq).map(|v| List(Some(v)))
    }
}

deserialize_total!(impl<'de, T> for List<T> where T: Deserialize<'de>);

fn elements<'de, T: Deserialize<'de>, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<T>, A::Error> {
    // No capacity from the size hint: a hostile length must not allocate.
    let mut out = Vec::new();
    while let Some(t) = seq.next_element()? {
        out.push(t);
    }
    Ok(out)
}

/// One value or an array of them: JSON-LD writes a set of one as the value
/// alone (`"motivation": "tagging"` or `["tagging", "describing"]`). A
/// value that is not an array reads as one `T`, of whatever shape; absent
/// reads as none.
#[derive(Debug)]
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

impl<'a> OneOrMany<Text<'a>> {
    /// The strings, in order; values of other kinds are skipped.
    pub(super) fn strings(&self) -> Vec<&'a str> {
        self.as_slice().iter().filter_map(|t| t.0).collect()
    }
}

impl<'de, T: Total<'de> + Deserialize<'de>> Total<'de> for OneOrMany<T> {
    fn other() -> Self {
        OneOrMany::One(T::other())
    }

    fn from_str(s: &'de str) -> Self {
        OneOrMany::One(T::from_str(s))
    }

    fn from_u64(n: u64) -> Self {
        OneOrMany::One(T::from_u64(n))
    }

    fn from_map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::from_map(map).map(OneOrMany::One)
    }

    fn from_seq<A: SeqAccess<'de>>(seq: A) -> Result<Self, A::Error> {
        elements(seq).map(OneOrMany::Many)
    }
}

deserialize_total!(impl<'de, T> for OneOrMany<T> where T: Total<'de> + Deserialize<'de>);
