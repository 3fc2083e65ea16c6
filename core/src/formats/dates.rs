//! Dates and times as the file formats write them.

/// Seconds since the epoch as ISO 8601 UTC (`2026-11-25T04:59:40Z`).
///
/// ```
/// assert_eq!(annotator_core::formats::dates::iso_utc(0), "1970-01-01T00:00:00Z");
/// assert_eq!(annotator_core::formats::dates::iso_utc(1_657_765_361), "2022-07-14T02:22:41Z");
/// ```
pub fn iso_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}
