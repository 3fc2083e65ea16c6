//! RFC 3339 date-times as annotations carry them (`created`, `modified`).
//!
//! The export writes UTC times with [`crate::formats::dates::iso_utc`]; an
//! import reads any RFC 3339 date-time with a zone, as the W3C model
//! requires of `created` and `modified` (§3.3.1), through
//! [`crate::formats::dates::parse_iso`] (the `time` crate).

use crate::formats::dates::parse_iso;

/// Seconds since the epoch of an RFC 3339 date-time with a zone:
/// `2026-11-25T04:59:40Z`, `2022-07-14T10:22:41.5+08:00`. `None` for
/// anything else: a date alone or a date-time without a zone (which the
/// annotation model and its conformance suite reject), or a time before the
/// epoch (the store keeps unsigned seconds).
pub(super) fn parse_date_time(s: &str) -> Option<u64> {
    // `parse_iso` also reads a date alone, which is not a date-time.
    if s.len() <= "2022-07-14".len() {
        return None;
    }
    parse_iso(s)
}
