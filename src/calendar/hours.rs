//! Opening hours as text and their rules: `"08:00-15:30"` ↔ minutes from local midnight, and the
//! checks a day's intervals must pass (no inverted, empty or overlapping intervals).

use super::Interval;

/// Weekday names in the order of `Calendar::hours` (Monday first), as used in messages.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Parses `"HH:MM-HH:MM"` (spaces around the parts allowed; `24:00` allowed as the end only)
/// into minutes from local midnight. The end must be after the start.
pub fn parse_interval(s: &str) -> Result<Interval, String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("{s:?} is not an interval: write it like \"08:00-15:30\""))?;
    let start = parse_time(a.trim(), false).map_err(|e| format!("{s:?}: {e}"))?;
    let end = parse_time(b.trim(), true).map_err(|e| format!("{s:?}: {e}"))?;
    if end <= start {
        return Err(format!(
            "{s:?} ends before it starts: the end must be after the start (use 24:00 for midnight)"
        ));
    }
    Ok((start, end))
}

/// Parses a comma-separated list such as `"08:00-11:30, 12:00-15:30"`; an empty string (or
/// `"closed"`) is a closed day. Intervals are returned sorted; overlaps are not checked here.
pub fn parse_intervals(s: &str) -> Result<Vec<Interval>, String> {
    let t = s.trim();
    if t.is_empty() || t.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut v = t
        .split(',')
        .map(|p| parse_interval(p.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    v.sort_unstable();
    Ok(v)
}

/// `"HH:MM"` with one or two hour digits and exactly two minute digits.
fn parse_time(s: &str, is_end: bool) -> Result<u16, String> {
    let bad = || format!("{s:?} is not a time of day: write HH:MM, e.g. 08:00");
    let (h, m) = s.split_once(':').ok_or_else(bad)?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|c| c.is_ascii_digit());
    if !digits(h) || h.len() > 2 || !digits(m) || m.len() != 2 {
        return Err(bad());
    }
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m > 59 {
        return Err(bad());
    }
    match (h, m) {
        (24, 0) if is_end => Ok(1440),
        (24, 0) => Err(format!("{s:?}: 24:00 is only allowed as an end")),
        (h, _) if h > 23 => Err(bad()),
        (h, m) => Ok(h * 60 + m),
    }
}

/// `(480, 930)` → `"08:00-15:30"`.
pub fn format_interval(iv: Interval) -> String {
    let t = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
    format!("{}-{}", t(iv.0), t(iv.1))
}

/// Sorts `day` and returns one message per problem, each starting with `hours.<weekday>`.
pub fn check_day(weekday: usize, day: &mut [Interval]) -> Vec<String> {
    let name = WEEKDAYS[weekday];
    let mut problems = Vec::new();
    for &(s, e) in day.iter() {
        if e > 1440 || s >= 1440 {
            problems.push(format!(
                "hours.{name}: {s}–{e} minutes is outside the day: times go from 00:00 to 24:00"
            ));
        } else if e <= s {
            problems.push(format!(
                "hours.{name}: {} ends before it starts: the end must be after the start",
                format_interval((s, e))
            ));
        }
    }
    day.sort_unstable();
    for w in day.windows(2) {
        if w[1].0 < w[0].1 {
            problems.push(format!(
                "hours.{name}: {} overlaps {}: merge them or make them disjoint",
                format_interval(w[0]),
                format_interval(w[1])
            ));
        }
    }
    problems
}

/// Total open minutes of one day's intervals.
pub fn day_minutes(day: &[Interval]) -> u32 {
    day.iter()
        .map(|&(s, e)| u32::from(e.saturating_sub(s)))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats() {
        assert_eq!(parse_interval("08:00-15:30"), Ok((480, 930)));
        assert_eq!(parse_interval(" 8:05 - 24:00 "), Ok((485, 1440)));
        assert_eq!(parse_interval("00:00-00:01"), Ok((0, 1)));
        assert_eq!(format_interval((480, 930)), "08:00-15:30");
        assert_eq!(format_interval((0, 1440)), "00:00-24:00");
    }

    #[test]
    fn rejects_bad_intervals() {
        for bad in [
            "",
            "08:00",
            "15:30-08:00",
            "08:00-08:00",
            "24:00-24:00",
            "08:60-09:00",
            "25:00-26:00",
            "8-15",
            "08:0-15:30",
            "08:00-24:01",
            "aa:bb-cc:dd",
            "-1:00-02:00",
            "08:00-15:30-16:00",
        ] {
            assert!(parse_interval(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn lists_sort_and_closed_is_empty() {
        assert_eq!(
            parse_intervals("12:00-15:30, 08:00-11:30"),
            Ok(vec![(480, 690), (720, 930)])
        );
        assert_eq!(parse_intervals(""), Ok(vec![]));
        assert_eq!(parse_intervals("closed"), Ok(vec![]));
        assert!(parse_intervals("08:00-11:30,").is_err());
    }

    #[test]
    fn checks_a_day() {
        let mut ok = vec![(720, 930), (480, 720)];
        assert!(
            check_day(0, &mut ok).is_empty(),
            "touching intervals are fine"
        );
        assert_eq!(ok, vec![(480, 720), (720, 930)]);
        let mut overlap = vec![(480, 800), (720, 930)];
        let p = check_day(2, &mut overlap);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("hours.wednesday: 08:00-13:20 overlaps 12:00-15:30"));
        assert_eq!(check_day(0, &mut [(930, 480)]).len(), 1);
        assert_eq!(check_day(0, &mut [(0, 1441)]).len(), 1);
    }
}
