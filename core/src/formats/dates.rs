//! Dates and times as the file formats write and read them: RFC 3339
//! (the internet profile of ISO 8601), in seconds since the Unix epoch,
//! UTC, as the store keeps them. Built on the `time` crate; nothing here
//! reads the clock (the shell passes the time in).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The last second [`iso_utc`] writes as itself, 9999-12-31T23:59:59Z:
/// RFC 3339 has four-digit years.
pub const MAX_ISO_SECS: u64 = 253_402_300_799;

/// Seconds since the epoch (UTC) as an RFC 3339 date-time in UTC, with
/// `T`, `Z` and no fraction: `2026-11-25T04:59:40Z`.
///
/// Never fails: a time after [`MAX_ISO_SECS`] (past the year 9999, which
/// RFC 3339 cannot write) is written as that last second.
///
/// ```
/// use annotator_core::formats::dates::iso_utc;
/// assert_eq!(iso_utc(0), "1970-01-01T00:00:00Z");
/// assert_eq!(iso_utc(1_657_765_361), "2022-07-14T02:22:41Z");
/// assert_eq!(iso_utc(u64::MAX), "9999-12-31T23:59:59Z");
/// ```
pub fn iso_utc(secs: u64) -> String {
    // In range by construction, so neither step can fail; the fallback
    // keeps the function total all the same.
    let secs = secs.min(MAX_ISO_SECS) as i64;
    OffsetDateTime::from_unix_timestamp(secs)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "9999-12-31T23:59:59Z".into())
}

/// Seconds since the epoch (UTC) of an RFC 3339 date-time with a zone, or
/// of a date alone, read as midnight UTC.
///
/// Accepted, as RFC 3339 §5.6 writes them:
/// - `2022-07-14T02:22:41Z`, with `T` or `t` or a space between date and
///   time, `Z` or `z` or an offset `±hh:mm` (hours to 23);
/// - a fraction of a second of any length (`…41.250+08:00`), dropped: the
///   result is the whole second at or before the time;
/// - a leap second (`23:59:60`) only where one can fall, at the end of a
///   month in UTC, read as the second before it;
/// - `2022-07-14` alone (ISO 8601 calendar date), as `2022-07-14T00:00:00Z`.
///
/// `None` for anything else: surrounding white space, a date-time without
/// a zone, an offset without its colon (`+0800`), week or ordinal dates,
/// years not of four ASCII digits, days a month does not have, and any time
/// before 1970-01-01T00:00:00Z (the store keeps unsigned seconds).
///
/// ```
/// use annotator_core::formats::dates::parse_iso;
/// assert_eq!(parse_iso("2022-07-14T02:22:41Z"), Some(1_657_765_361));
/// assert_eq!(parse_iso("2022-07-14T10:22:41+08:00"), Some(1_657_765_361));
/// assert_eq!(parse_iso("2022-07-13T21:52:41.250-04:30"), Some(1_657_765_361));
/// assert_eq!(parse_iso("2022-07-14t02:22:41z"), Some(1_657_765_361));
/// assert_eq!(parse_iso("2022-07-14 02:22:41Z"), Some(1_657_765_361));
/// assert_eq!(parse_iso("2022-07-14"), Some(1_657_756_800));
/// assert_eq!(parse_iso("1970-01-01T00:00:00Z"), Some(0));
/// assert_eq!(parse_iso("2016-12-31T23:59:60Z"), Some(1_483_228_799));
///
/// assert_eq!(parse_iso("2022-07-14T02:22:41"), None, "no zone");
/// assert_eq!(parse_iso("2022-07-14T02:22:41+0800"), None);
/// assert_eq!(parse_iso("2022-02-29"), None);
/// assert_eq!(parse_iso("1969-12-31T23:59:59Z"), None, "before the epoch");
/// assert_eq!(parse_iso(" 2022-07-14"), None);
/// assert_eq!(parse_iso("yesterday"), None);
/// ```
pub fn parse_iso(s: &str) -> Option<u64> {
    let at = if s.len() == 10 {
        // A date alone: the same rules as the date of a date-time.
        OffsetDateTime::parse(&format!("{s}T00:00:00Z"), &Rfc3339).ok()?
    } else {
        // `time` takes any byte between date and time; RFC 3339 names these.
        if !matches!(s.as_bytes().get(10), Some(b'T' | b't' | b' ')) {
            return None;
        }
        OffsetDateTime::parse(s, &Rfc3339).ok()?
    };
    u64::try_from(at.unix_timestamp()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every input the tests of the W3C reader (`parse_date_time`) and of the
    /// REFI-QDA reader (`parse_secs`) give those parsers, with the answer
    /// those tests expect, so both can be moved onto `parse_iso`; the two
    /// tested inputs where it answers otherwise (a date alone, a date-time
    /// without a zone) are in the next test, with the untested ones.
    #[test]
    fn reads_what_the_other_readers_read() {
        for (s, secs) in [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2022-07-14T02:22:41Z", Some(1_657_765_361)),
            ("2000-02-29T00:00:00Z", Some(951_782_400)),
            ("2100-03-01T00:00:00Z", Some(4_107_542_400)),
            ("2024-02-28T23:59:59Z", Some(1_709_164_799)),
            ("9999-12-31T23:59:59Z", Some(MAX_ISO_SECS)),
            ("2022-07-14T10:22:41+08:00", Some(1_657_765_361)),
            ("2022-07-14T10:22:41.5+08:00", Some(1_657_765_361)),
            ("2022-07-13T21:52:41.250-04:30", Some(1_657_765_361)),
            ("2022-07-14t02:22:41z", Some(1_657_765_361)),
            ("2024-03-01T10:00:00Z", Some(1_709_287_200)),
            ("1969-12-31T23:59:59Z", None),
            ("", None),
            ("yesterday", None),
            ("2022-02-29T00:00:00Z", None),
            ("2022-13-01T00:00:00Z", None),
            ("2022-07-14T24:00:00Z", None),
            ("2022-07-14T02:22:41.Z", None),
            ("2022-07-14T02:22:41+0800", None),
            ("２０２２-07-14T02:22:41Z", None),
            ("2022-07-14T02:22:41Zjunk", None),
        ] {
            assert_eq!(parse_iso(s), secs, "{s}");
        }
    }

    /// Where `parse_iso` and the two older readers part, by design.
    #[test]
    fn where_the_older_readers_differ() {
        // Both older readers refuse these, RFC 3339 allows them (and the
        // W3C reader's tests expect `None` for the date alone).
        assert_eq!(parse_iso("2022-07-14"), Some(1_657_756_800), "a date alone");
        assert_eq!(parse_iso("2016-12-31T23:59:60Z"), Some(1_483_228_799), "a leap second");
        // REFI-QDA's `parse_secs` takes these (its tests expect the first
        // as UTC); RFC 3339 does not.
        assert_eq!(parse_iso("2022-07-14T02:22:41"), None, "no zone (parse_secs: UTC)");
        assert_eq!(
            parse_iso(" 2022-07-14T02:22:41Z "),
            None,
            "white space (parse_secs trims)"
        );
        assert_eq!(
            parse_iso("2022-02-30T00:00:00Z"),
            None,
            "no such day (parse_secs: March 2)"
        );
        assert_eq!(
            parse_iso("2022-07-14T10:00:60Z"),
            None,
            "not a leap second (parse_secs: 10:01:00)"
        );
        assert_eq!(parse_iso("2022-07-14T02:22:41.Z"), None, "empty fraction");
        assert_eq!(parse_iso("2022-07-14T02:22:41+24:00"), None, "offset of 24 hours");
        assert_eq!(parse_iso("2022-07-14T02:22:41+08:60"), None, "offset of 60 minutes");
        // Separators other than RFC 3339's are refused, as before.
        assert_eq!(parse_iso("2022-07-14X02:22:41Z"), None);
        assert_eq!(parse_iso("2022/07/14"), None);
    }

    proptest! {
        #[test]
        fn any_time_survives_iso_and_back(secs in 0u64..=MAX_ISO_SECS) {
            prop_assert_eq!(parse_iso(&iso_utc(secs)), Some(secs));
        }

        #[test]
        fn any_offset_names_the_same_second(secs in 100_000u64..MAX_ISO_SECS - 100_000, h in 0i64..24, m in 0i64..60, east: bool) {
            let offset = (h * 3600 + m * 60) * if east { 1 } else { -1 };
            let local = iso_utc((secs as i64 + offset) as u64);
            let sign = if east { '+' } else { '-' };
            let s = format!("{}{sign}{h:02}:{m:02}", local.trim_end_matches('Z'));
            prop_assert_eq!(parse_iso(&s), Some(secs));
        }

        #[test]
        fn any_text_never_panics(s in "\\PC{0,40}") {
            let _ = parse_iso(&s);
        }
    }
}
