//! GUIDs of the REFI-QDA elements this app writes, and the reading of GUIDs
//! found in files.
//!
//! REFI-QDA 1.0 (<https://www.qdasoftware.org>) gives every code, user,
//! source, selection, coding and note a GUID (`GUIDType` in the schemas:
//! 8-4-4-4-12 hex digits, optionally in braces, any case). The app derives
//! its GUIDs from ids as name-based UUIDs, version 5 (SHA-1, RFC 9562), in a
//! namespace of its own ([`NAMESPACE`]), so exporting twice gives the same
//! GUIDs and an export read back finds its own themes and coders again.
//!
//! Earlier versions stamped a truncated SHA-256 hash with the version-5 bits
//! ([`legacy_guid`]); files they wrote carry those GUIDs, so the importers
//! recognise both.

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The namespace of the app's name-based GUIDs:
/// `Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:speech-annotator:refi-qda")`,
/// written out so that it can never change.
pub(super) const NAMESPACE: Uuid = Uuid::from_u128(0xa38b_474a_244f_5671_84d7_8df6_f2e7_5b4a);

/// The name a GUID is derived from: each part with its length (8 bytes,
/// little-endian) before it, so `("ab", "c")` and `("a", "bc")` differ.
fn name_of(parts: &[&str]) -> Vec<u8> {
    let mut name = Vec::with_capacity(parts.iter().map(|p| p.len() + 8).sum());
    for p in parts {
        name.extend_from_slice(&(p.len() as u64).to_le_bytes());
        name.extend_from_slice(p.as_bytes());
    }
    name
}

/// A stable GUID for `parts` (a kind such as `"code"`, then ids): the
/// version-5 UUID of their [`name_of`] in [`NAMESPACE`], hyphenated, lower
/// case (`"1b2c798e-66a0-5…"`, 36 chars).
pub(super) fn guid(parts: &[&str]) -> String {
    Uuid::new_v5(&NAMESPACE, &name_of(parts)).hyphenated().to_string()
}

/// The GUID earlier versions of the app wrote for `parts`: the first 16
/// bytes of SHA-256 over a fixed prefix and [`name_of`], with the version
/// (5) and variant bits set, formatted like [`guid`]. Only read back, never
/// written: it lets files those versions exported find their themes and
/// coders.
pub(super) fn legacy_guid(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    h.update(b"speech-annotator/refi");
    h.update(name_of(parts));
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.finalize()[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    Uuid::from_bytes(b).hyphenated().to_string()
}

/// The GUID of the REFI-QDA 1.0 `Code` for theme id `theme`, as 36
/// lower-case chars (8-4-4-4-12, the schema's `GUIDType`). A theme read from REFI-QDA (`refi-<guid>`) keeps the
/// code's own GUID, so exports keep other tools' identities; any other id
/// gets a version-5 GUID that depends on the id only. Never fails.
pub fn code_guid(theme: &str) -> String {
    theme
        .strip_prefix("refi-")
        .and_then(normalize_guid)
        .unwrap_or_else(|| guid(&["code", theme]))
}

/// The GUID of the REFI-QDA 1.0 `User` for annotation set id `set` (a coder
/// or the consensus), as 36 lower-case chars (the schema's `GUIDType`): a version-5 GUID that depends on
/// the id only. Never fails.
pub fn user_guid(set: &str) -> String {
    guid(&["user", set])
}

/// The GUIDs, current and [legacy](legacy_guid), that the app's exports
/// give to `kind` (`"code"` or `"user"`) with id `id`.
pub(super) fn own_guids(kind: &str, id: &str) -> [String; 2] {
    let current = match kind {
        "code" => code_guid(id),
        _ => guid(&[kind, id]),
    };
    [current, legacy_guid(&[kind, id])]
}

/// A GUID as REFI-QDA's `GUIDType` allows it (8-4-4-4-12 hex digits,
/// optionally in braces, any case, surrounding white space ignored),
/// parsed by [`Uuid::try_parse`] and given back lower case without braces;
/// `None` if it is not one (the simple 32-digit and `urn:uuid:` forms the
/// schema does not allow are refused too).
pub(super) fn normalize_guid(g: &str) -> Option<String> {
    let g = g.trim();
    let g = g.strip_prefix('{').and_then(|x| x.strip_suffix('}')).unwrap_or(g);
    if g.len() != 36 {
        return None;
    }
    Uuid::try_parse(g).ok().map(|u| u.hyphenated().to_string())
}
