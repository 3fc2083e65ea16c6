//! The app's URNs and the percent-encoding of their parts.
//!
//! Every id the export mints is a URN under [`URN`] (`urn:speech-annotator:`):
//! a URN needs no server and never pretends that the annotations are
//! published anywhere. Set, theme and block ids may hold spaces, colons or
//! Chinese, so each is percent-encoded into one component, and `:` stays
//! the separator:
//!
//! | id | shape |
//! | --- | --- |
//! | document (target `source`) | `urn:speech-annotator:doc:<fingerprint>` |
//! | coder (creator `id`) | `urn:speech-annotator:coder:<set>` |
//! | tag annotation | `urn:speech-annotator:tag:<fingerprint>:<set>:<block>:<theme>` |
//! | note annotation | `urn:speech-annotator:note:<fingerprint>:<set>:<block>` |
//! | collection | `urn:speech-annotator:collection:<fingerprint>:<set>,<set>…` |
//! | first page | `urn:speech-annotator:page:<fingerprint>:<set>,<set>…:0` |
//! | generator | `urn:speech-annotator:app` |
//!
//! An import reads three of them back: the fingerprint of a target's
//! `source`, the set of a creator's `id`, and the theme of a tag
//! annotation's `id` (see [`document_of`], [`coder_of`], [`theme_of_tag`]).

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Prefix of every id the app mints.
pub(super) const URN: &str = "urn:speech-annotator:";

/// What [`encode`] escapes: every byte but RFC 3986's unreserved characters
/// `[A-Za-z0-9._~-]`.
const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes (upper-case hex, UTF-8 bytes) everything outside the
/// unreserved characters `[A-Za-z0-9._~-]`, so that a set or theme id
/// (which may hold spaces, colons, Chinese) is one component of a valid
/// uri: `Li 李` → `Li%20%E6%9D%8E`.
pub(super) fn encode(s: &str) -> String {
    utf8_percent_encode(s, ESCAPED).to_string()
}

/// The inverse of [`encode`]: `None` for a malformed escape (a `%` not
/// followed by two hex digits) or escaped bytes that are not UTF-8.
/// Characters that need no escape are taken as they are.
pub(super) fn decode(s: &str) -> Option<String> {
    let well_formed = s.split('%').skip(1).all(|after| {
        after
            .as_bytes()
            .get(..2)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    percent_decode_str(s).decode_utf8().ok().map(|c| c.into_owned())
}

/// `urn:speech-annotator:doc:<fingerprint>`: the target `source` of every
/// annotation of one document.
pub(super) fn document(fingerprint: &str) -> String {
    format!("{URN}doc:{}", encode(fingerprint))
}

/// `urn:speech-annotator:coder:<set>`: the `id` of a set's creator.
pub(super) fn coder(set: &str) -> String {
    format!("{URN}coder:{}", encode(set))
}

/// The `id` of the annotation that tags `block` with `theme` in `set`.
pub(super) fn tag(fingerprint: &str, set: &str, block: &str, theme: &str) -> String {
    format!(
        "{URN}tag:{}:{}:{}:{}",
        encode(fingerprint),
        encode(set),
        encode(block),
        encode(theme)
    )
}

/// The `id` of the annotation that holds `set`'s note on `block`.
pub(super) fn note(fingerprint: &str, set: &str, block: &str) -> String {
    format!("{URN}note:{}:{}:{}", encode(fingerprint), encode(set), encode(block))
}

/// The `id` of the collection of `sets` on one document: two coders'
/// exports of one speech are different collections.
pub(super) fn collection(fingerprint: &str, sets: &[&str]) -> String {
    format!("{URN}collection:{}:{}", encode(fingerprint), joined(sets))
}

/// The `id` of the collection's first (and only) page.
pub(super) fn first_page(fingerprint: &str, sets: &[&str]) -> String {
    format!("{URN}page:{}:{}:0", encode(fingerprint), joined(sets))
}

/// The `id` of the app as the `generator`.
pub(super) fn app() -> String {
    format!("{URN}app")
}

fn joined(sets: &[&str]) -> String {
    sets.iter().map(|s| encode(s)).collect::<Vec<_>>().join(",")
}

/// The fingerprint a target `source` of the app names, if it is one.
pub(super) fn document_of(source: &str) -> Option<String> {
    decode(source.strip_prefix(URN)?.strip_prefix("doc:")?)
}

/// The set id a creator `id` of the app names, if it is one.
pub(super) fn coder_of(id: &str) -> Option<String> {
    decode(id.strip_prefix(URN)?.strip_prefix("coder:")?)
}

/// The theme id a tag annotation's `id` of the app names, if it is one.
pub(super) fn theme_of_tag(id: &str) -> Option<String> {
    match id
        .strip_prefix(URN)?
        .strip_prefix("tag:")?
        .split(':')
        .collect::<Vec<_>>()[..]
    {
        [_, _, _, theme] => decode(theme),
        _ => None,
    }
}
