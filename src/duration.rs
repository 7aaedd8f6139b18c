//! Human durations as admins write them: `45s`, `15m`, `2h`, `1h30m`, `3d`, `3wd`.
//!
//! `d` is 24 hours of wall time; `wd` is a *working day*: the length of one working day of the
//! calendar the duration is measured on (3 wd on Mon–Fri 08:00–15:30 = 22.5 business hours).
//! A working-day duration only has a meaning together with a calendar, so it stays symbolic
//! until [`HumanDuration::resolve`] is given the day length.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest duration accepted: 100 years (36,525 days, or as many working days). Anything
/// longer is a typo, and bounding it keeps every later `instant + duration` inside chrono's range.
pub const MAX_DAYS: i64 = 36_525;

/// A parsed duration: wall-clock seconds, or a number of working days (possibly fractional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HumanDuration {
    /// Fixed length in seconds.
    Seconds(i64),
    /// Working days in thousandths (so `0.5wd` is representable), resolved against a calendar.
    WorkingDaysMilli(i64),
}

impl HumanDuration {
    pub fn from_secs(s: i64) -> Self {
        HumanDuration::Seconds(s)
    }

    /// Parses `15m`, `2h`, `1h30m`, `3d`, `3wd`, `0.5wd`, `90s`. Errors say what is accepted.
    pub fn parse(input: &str) -> Result<Self, String> {
        let s = input.trim();
        if s.is_empty() {
            return Err("empty duration; write e.g. \"15m\", \"2h\" or \"3wd\"".into());
        }
        if let Some(num) = s.strip_suffix("wd") {
            let v: f64 = num.trim().parse().map_err(|_| {
                format!("{input:?} is not a duration; working days are written like \"3wd\"")
            })?;
            if !(v.is_finite() && v > 0.0) {
                return Err(format!("{input:?}: working days must be positive"));
            }
            if v > MAX_DAYS as f64 {
                return Err(too_long(input));
            }
            let milli = (v * 1000.0).round() as i64;
            if milli < 1 {
                return Err(format!("{input:?}: a duration must be longer than zero"));
            }
            return Ok(HumanDuration::WorkingDaysMilli(milli));
        }
        let mut total: i64 = 0;
        let mut digits = String::new();
        let mut seen_unit = false;
        for c in s.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            if c.is_whitespace() {
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                'w' => 7 * 86_400,
                _ => {
                    return Err(format!(
                        "{input:?} is not a duration; use a number with s, m, h, d, w or wd (e.g. \"15m\", \"2h\", \"3wd\")"
                    ))
                }
            };
            let n: i64 = digits.parse().map_err(|_| {
                format!("{input:?} is not a duration; each unit needs a number before it (e.g. \"1h30m\")")
            })?;
            total = total
                .checked_add(n.checked_mul(unit).ok_or("duration too large")?)
                .ok_or("duration too large")?;
            digits.clear();
            seen_unit = true;
        }
        if !digits.is_empty() || !seen_unit {
            return Err(format!(
                "{input:?} has no unit; write e.g. \"{}m\" or \"{}h\"",
                digits, digits
            ));
        }
        if total <= 0 {
            return Err(format!("{input:?}: a duration must be longer than zero"));
        }
        if total > MAX_DAYS * 86_400 {
            return Err(too_long(input));
        }
        Ok(HumanDuration::Seconds(total))
    }

    /// The duration as business/wall time, given the length of one working day of the calendar.
    /// Saturates instead of overflowing (parsed values are bounded by [`MAX_DAYS`] anyway).
    pub fn resolve(&self, working_day: chrono::Duration) -> chrono::Duration {
        match *self {
            HumanDuration::Seconds(s) => chrono::Duration::try_seconds(s).unwrap_or(if s < 0 {
                chrono::Duration::MIN
            } else {
                chrono::Duration::MAX
            }),
            HumanDuration::WorkingDaysMilli(m) => chrono::Duration::milliseconds(
                working_day.num_milliseconds().saturating_mul(m) / 1000,
            ),
        }
    }

    /// Wall-clock length; working days count as 24 h each (used only where no calendar applies).
    pub fn as_wall(&self) -> chrono::Duration {
        self.resolve(chrono::Duration::hours(24))
    }

    pub fn is_working_days(&self) -> bool {
        matches!(self, HumanDuration::WorkingDaysMilli(_))
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            HumanDuration::WorkingDaysMilli(m) if m % 1000 == 0 => write!(f, "{}wd", m / 1000),
            HumanDuration::WorkingDaysMilli(m) => write!(f, "{}wd", m as f64 / 1000.0),
            HumanDuration::Seconds(s) => f.write_str(&format_secs(s)),
        }
    }
}

fn too_long(input: &str) -> String {
    format!("{input:?} is longer than {MAX_DAYS}d (100 years)")
}

/// `5400` → `1h30m`; used in messages and explanations.
pub fn format_secs(s: i64) -> String {
    if s == 0 {
        return "0m".into();
    }
    let neg = s < 0;
    let mut rest = s.unsigned_abs();
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    for (unit, label) in [(86_400u64, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if rest >= unit {
            out.push_str(&format!("{}{}", rest / unit, label));
            rest %= unit;
        }
    }
    out
}

/// Parses `"75%"` into 75. Accepts 1–100.
pub fn parse_percent(input: &str) -> Result<u8, String> {
    let num = input
        .trim()
        .strip_suffix('%')
        .ok_or_else(|| format!("{input:?} is not a percentage; write e.g. \"75%\""))?;
    let v: u8 = num
        .trim()
        .parse()
        .map_err(|_| format!("{input:?} is not a percentage; write e.g. \"75%\""))?;
    if v == 0 || v > 100 {
        return Err(format!(
            "{input:?}: a percentage must be between 1% and 100%"
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_admins_write() {
        assert_eq!(HumanDuration::parse("15m"), Ok(HumanDuration::Seconds(900)));
        assert_eq!(HumanDuration::parse("2h"), Ok(HumanDuration::Seconds(7200)));
        assert_eq!(
            HumanDuration::parse("1h30m"),
            Ok(HumanDuration::Seconds(5400))
        );
        assert_eq!(
            HumanDuration::parse("3d"),
            Ok(HumanDuration::Seconds(259_200))
        );
        assert_eq!(HumanDuration::parse("90s"), Ok(HumanDuration::Seconds(90)));
        assert_eq!(
            HumanDuration::parse("3wd"),
            Ok(HumanDuration::WorkingDaysMilli(3000))
        );
        assert_eq!(
            HumanDuration::parse("0.5wd"),
            Ok(HumanDuration::WorkingDaysMilli(500))
        );
    }

    #[test]
    fn rejects_nonsense_with_a_hint() {
        for bad in ["", "15", "m", "2x", "0m", "-1h", "wd", "1.5h"] {
            let err = HumanDuration::parse(bad).unwrap_err();
            assert!(!err.is_empty(), "{bad}");
        }
    }

    #[test]
    fn absurd_lengths_are_rejected_not_overflowed() {
        // Found by fuzzing the config: these used to panic in chrono (`TimeDelta::seconds out
        // of bounds`) or overflow `i64` when resolved.
        for bad in [
            "99999999999999999s",
            "9223372036854775807s",
            "36526d",
            "5219w",
            "36525.001wd",
            "9999999999999wd",
            "0.0004wd",
        ] {
            assert!(HumanDuration::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            HumanDuration::parse("36525d"),
            Ok(HumanDuration::Seconds(MAX_DAYS * 86_400))
        );
        assert!(HumanDuration::parse("36525wd").is_ok());
        let huge = HumanDuration::Seconds(i64::MAX);
        assert_eq!(huge.as_wall(), chrono::Duration::MAX);
        let wd = HumanDuration::WorkingDaysMilli(i64::MAX);
        assert!(wd.resolve(chrono::Duration::hours(24)) > chrono::Duration::zero());
    }

    #[test]
    fn working_days_resolve_against_the_day_length() {
        let day = chrono::Duration::minutes(450);
        assert_eq!(
            HumanDuration::parse("3wd").unwrap().resolve(day),
            chrono::Duration::minutes(1350)
        );
    }

    #[test]
    fn display_round_trips() {
        for s in ["15m", "2h", "1h30m", "3wd", "1d", "0.5wd"] {
            let d = HumanDuration::parse(s).unwrap();
            assert_eq!(HumanDuration::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn percent() {
        assert_eq!(parse_percent("75%"), Ok(75));
        assert!(parse_percent("0%").is_err());
        assert!(parse_percent("75").is_err());
        assert!(parse_percent("101%").is_err());
    }
}
