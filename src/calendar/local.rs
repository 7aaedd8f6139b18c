//! Local wall time → UTC instants for opening hours, with the DST rules of the calendar:
//!
//! - a wall time that occurs twice (autumn fall-back) means its **first** occurrence;
//! - a wall time that does not exist (spring-forward gap) means the **first instant after the
//!   gap** (e.g. 02:30 on 2027-03-28 in Europe/Oslo is 03:00 CEST = 01:00 UTC).
//!
//! Both rules make the mapping non-decreasing in wall time, so a day's sorted intervals map to
//! sorted, non-overlapping instants, and consecutive days tile without gaps or double counting.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The instant at `minute` minutes after local midnight of `date` (1440 = next midnight).
pub fn instant_at(tz: Tz, date: NaiveDate, minute: u16) -> DateTime<Utc> {
    match date
        .and_time(NaiveTime::MIN)
        .checked_add_signed(Duration::minutes(i64::from(minute)))
    {
        Some(wall) => resolve(tz, wall),
        None => DateTime::<Utc>::MAX_UTC, // the last day chrono can represent
    }
}

/// The local calendar date of `t`.
pub fn date_of(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

fn resolve(tz: Tz, wall: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        LocalResult::None => {
            // Gaps are whole minutes in practice and at most a day long (Samoa skipped
            // 2011-12-30): the first existing minute is the end of the gap.
            for step in 1..=(2 * 24 * 60) {
                let Some(later) = wall.checked_add_signed(Duration::minutes(step)) else {
                    break;
                };
                match tz.from_local_datetime(&later) {
                    LocalResult::Single(t) => return t.with_timezone(&Utc),
                    LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
                    LocalResult::None => {}
                }
            }
            // Unreachable for real zones; read the wall time as UTC rather than fail.
            wall.and_utc()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn spring_gap_maps_to_the_end_of_the_gap() {
        let tz = chrono_tz::Europe::Oslo;
        let day = NaiveDate::from_ymd_opt(2027, 3, 28).unwrap();
        assert_eq!(instant_at(tz, day, 120), utc("2027-03-28T01:00:00Z"));
        assert_eq!(instant_at(tz, day, 150), utc("2027-03-28T01:00:00Z"));
        assert_eq!(instant_at(tz, day, 180), utc("2027-03-28T01:00:00Z"));
        assert_eq!(instant_at(tz, day, 119), utc("2027-03-28T00:59:00Z"));
        assert_eq!(instant_at(tz, day, 1440), utc("2027-03-28T22:00:00Z"));
    }

    #[test]
    fn autumn_repeat_maps_to_the_first_occurrence() {
        let tz = chrono_tz::Europe::Oslo;
        let day = NaiveDate::from_ymd_opt(2027, 10, 31).unwrap();
        assert_eq!(instant_at(tz, day, 150), utc("2027-10-31T00:30:00Z"));
        assert_eq!(instant_at(tz, day, 180), utc("2027-10-31T02:00:00Z"));
        assert_eq!(instant_at(tz, day, 0), utc("2027-10-30T22:00:00Z"));
        assert_eq!(instant_at(tz, day, 1440), utc("2027-10-31T23:00:00Z"));
    }

    #[test]
    fn a_skipped_day_has_no_length() {
        // Samoa moved across the date line: 2011-12-30 never happened in Pacific/Apia.
        let tz = chrono_tz::Pacific::Apia;
        let day = NaiveDate::from_ymd_opt(2011, 12, 30).unwrap();
        assert_eq!(instant_at(tz, day, 0), instant_at(tz, day, 1440));
    }
}
