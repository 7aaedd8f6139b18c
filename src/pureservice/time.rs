//! Pureservice timestamps: parsing every ISO-8601 form the API may send, and writing the forms
//! the client puts into `filter=` expressions.
//!
//! Accepted on input: `Z` or a numeric offset (`+01:00`, `+0100`), **no offset at all (read as
//! UTC)**, any number of fraction digits (more than nine are truncated), `T`, `t` or a space
//! between date and time, a bare date (midnight UTC), and the old .NET `/Date(ms)/` form.
//! Only instants in years 1–9999 (the range of .NET's `DateTime`, which Pureservice runs on) are
//! accepted: anything outside is as unreadable as garbage, and the bound keeps later arithmetic
//! (`modified − overlap`, deadlines) inside chrono's range.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parses a timestamp in any of the accepted forms; `None` when it is none of them or lies
/// outside years 1–9999.
pub fn parse_timestamp(input: &str) -> Option<DateTime<Utc>> {
    parse_any_form(input).filter(|t| (1..=9999).contains(&t.year()))
}

fn parse_any_form(input: &str) -> Option<DateTime<Utc>> {
    let s = input.trim();
    if s.is_empty() {
        return None;
    }
    if let Some(ms) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(1700000000000)/` or `/Date(1700000000000+0100)/`: the number is UTC millis.
        let digits: String = ms
            .chars()
            .enumerate()
            .take_while(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
            .map(|(_, c)| c)
            .collect();
        return digits
            .parse::<i64>()
            .ok()
            .and_then(|v| Utc.timestamp_millis_opt(v).single());
    }
    let s = truncate_fraction(s);
    let s = s.as_str();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let normalized = s.replacen(['t', ' '], "T", 1);
    let n = normalized.as_str();
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%#z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(n, fmt) {
            return Some(t.with_timezone(&Utc));
        }
    }
    // No offset: Pureservice stores UTC, so a bare local time is read as UTC (documented).
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(n, fmt) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(n, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    }
    None
}

/// Cuts a fraction longer than nine digits (chrono stops at nanoseconds).
fn truncate_fraction(s: &str) -> String {
    let Some(dot) = s.find('.') else {
        return s.to_string();
    };
    let digits = s[dot + 1..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits <= 9 {
        return s.to_string();
    }
    format!("{}{}", &s[..dot + 10], &s[dot + 1 + digits..])
}

/// Canonical output form used by the fake: milliseconds and `Z`.
pub fn format_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `t` rounded down to whole milliseconds (the precision of a filter date literal).
pub fn floor_millis(t: DateTime<Utc>) -> DateTime<Utc> {
    let ms = t.timestamp_millis();
    Utc.timestamp_millis_opt(ms).single().unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn accepts_every_form() {
        let want = at("2026-05-06T10:11:12Z");
        for s in [
            "2026-05-06T10:11:12Z",
            "2026-05-06T10:11:12z",
            "2026-05-06T12:11:12+02:00",
            "2026-05-06T12:11:12+0200",
            "2026-05-06T10:11:12",
            "2026-05-06 10:11:12",
            "2026-05-06T10:11:12.000Z",
            "2026-05-06T10:11:12.0000000",
            " 2026-05-06T10:11:12 ",
        ] {
            assert_eq!(parse_timestamp(s), Some(want), "{s}");
        }
        assert_eq!(
            parse_timestamp("2026-05-06T10:11:12.1234567891234Z"),
            Some(at("2026-05-06T10:11:12.123456789Z"))
        );
        assert_eq!(
            parse_timestamp("2026-05-06T10:11:12.1234567"),
            Some(at("2026-05-06T10:11:12.1234567Z"))
        );
        assert_eq!(
            parse_timestamp("2026-05-06"),
            Some(at("2026-05-06T00:00:00Z"))
        );
        assert_eq!(
            parse_timestamp("/Date(1778062272000)/"),
            Some(at("2026-05-06T10:11:12Z"))
        );
        for bad in ["", "yesterday", "2026-13-01T00:00:00Z", "12:00"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        // .NET's DateTime range is accepted, both ends included.
        assert_eq!(
            parse_timestamp("0001-01-01T00:00:00"),
            Some(at("0001-01-01T00:00:00Z"))
        );
        assert!(parse_timestamp("9999-12-31T23:59:59.9999999").is_some());
    }

    #[test]
    fn rejects_instants_outside_years_1_to_9999() {
        // Found by fuzzing a ticket page: chrono parses these, and the sync's next filter
        // (`modified − overlap`) then panicked with "`DateTime - TimeDelta` overflowed".
        for bad in [
            "-262143-01-01T00:00:00Z",
            "+262142-12-31T23:59:59Z",
            "0000-12-31T23:59:59Z",
            "10000-01-01T00:00:00Z",
            "/Date(-8210298412800000)/",
            "/Date(-62135596800001)/",
            "/Date(253402300800000)/",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    #[test]
    fn format_round_trips() {
        let t = at("2026-05-06T10:11:12.345Z");
        assert_eq!(format_timestamp(t), "2026-05-06T10:11:12.345Z");
        assert_eq!(parse_timestamp(&format_timestamp(t)), Some(t));
        assert_eq!(floor_millis(at("2026-05-06T10:11:12.3459Z")), t);
    }
}
