//! Times and durations as people read them, per language, in the configured zone:
//! nb/nn `tirsdag 24. mars 2027 kl. 14:00`, da `tirsdag den 24. marts 2027 kl. 14.00`,
//! en `Tuesday 24 March 2027 at 14:00`.

use crate::config::Language;
use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

const NB_DAYS: [&str; 7] = [
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
];
const NN_DAYS: [&str; 7] = [
    "måndag", "tysdag", "onsdag", "torsdag", "fredag", "laurdag", "søndag",
];
const DA_DAYS: [&str; 7] = [
    "mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag",
];
const EN_DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const NB_MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "mars",
    "april",
    "mai",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "desember",
];
const DA_MONTHS: [&str; 12] = [
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
];
const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Full date and time: `tirsdag 24. mars 2027 kl. 14:00`.
pub fn datetime(lang: Language, tz: Tz, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&tz);
    let wd = l.weekday().num_days_from_monday() as usize;
    let m = l.month0() as usize;
    let (h, min) = (l.hour(), l.minute());
    match lang {
        Language::Nb => format!(
            "{} {}. {} {} kl. {h:02}:{min:02}",
            NB_DAYS[wd],
            l.day(),
            NB_MONTHS[m],
            l.year()
        ),
        Language::Nn => format!(
            "{} {}. {} {} kl. {h:02}:{min:02}",
            NN_DAYS[wd],
            l.day(),
            NB_MONTHS[m],
            l.year()
        ),
        Language::Da => format!(
            "{} den {}. {} {} kl. {h:02}.{min:02}",
            DA_DAYS[wd],
            l.day(),
            DA_MONTHS[m],
            l.year()
        ),
        Language::En => format!(
            "{} {} {} {} at {h:02}:{min:02}",
            EN_DAYS[wd],
            l.day(),
            EN_MONTHS[m],
            l.year()
        ),
    }
}

/// A planned window: `tirsdag 13. april 2027 kl. 18:00–20:00` when it ends the same local day,
/// otherwise both ends in full joined by ` – `; only the start when the end is not known.
pub fn window(lang: Language, tz: Tz, start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> String {
    match end {
        None => datetime(lang, tz, start),
        Some(e) if e.with_timezone(&tz).date_naive() == start.with_timezone(&tz).date_naive() => {
            format!("{}–{}", datetime(lang, tz, start), time(lang, tz, e))
        }
        Some(e) => format!("{} – {}", datetime(lang, tz, start), datetime(lang, tz, e)),
    }
}

/// Clock time only, for short texts: `14:00` (da `14.00`).
pub fn time(lang: Language, tz: Tz, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&tz);
    match lang {
        Language::Da => format!("{:02}.{:02}", l.hour(), l.minute()),
        _ => format!("{:02}:{:02}", l.hour(), l.minute()),
    }
}

/// Short date and time for SMS: `24.03. kl. 14:00` (en `24/03 14:00`).
pub fn short(lang: Language, tz: Tz, t: DateTime<Utc>) -> String {
    let l = t.with_timezone(&tz);
    match lang {
        Language::En => format!("{:02}/{:02} {}", l.day(), l.month(), time(lang, tz, t)),
        _ => format!("{:02}.{:02}. kl. {}", l.day(), l.month(), time(lang, tz, t)),
    }
}

/// An elapsed time: `2 t 10 min` (en `2 h 10 min`, days as `1 d 3 t`).
pub fn duration(lang: Language, secs: i64) -> String {
    let mins = secs.max(0) / 60;
    let (d, h, m) = (mins / 1440, mins / 60 % 24, mins % 60);
    let hu = if lang == Language::En { "h" } else { "t" };
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} d"));
    }
    if h > 0 {
        parts.push(format!("{h} {hu}"));
    }
    if m > 0 || parts.is_empty() {
        parts.push(format!("{m} min"));
    }
    parts.join(" ")
}

/// An elapsed time in prose: `2 timer 10 min`, `1 time`, `1 dag 3 timer` (nn `timar`/`dagar`,
/// da `timer`/`dage`, en `hours`/`days`). Tables keep the compact [`duration`].
pub fn duration_words(lang: Language, secs: i64) -> String {
    let mins = secs.max(0) / 60;
    let (d, h, m) = (mins / 1440, mins / 60 % 24, mins % 60);
    let (day, days, hour, hours) = match lang {
        Language::Nb => ("dag", "dager", "time", "timer"),
        Language::Nn => ("dag", "dagar", "time", "timar"),
        Language::Da => ("dag", "dage", "time", "timer"),
        Language::En => ("day", "days", "hour", "hours"),
    };
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} {}", if d == 1 { day } else { days }));
    }
    if h > 0 {
        parts.push(format!("{h} {}", if h == 1 { hour } else { hours }));
    }
    if m > 0 || parts.is_empty() {
        parts.push(format!("{m} min"));
    }
    parts.join(" ")
}

/// A configured duration in prose: `3 dager`, `1 time 30 min`; working days as
/// `3 arbeidsdager` (nn `arbeidsdagar`, da `arbejdsdage`, en `working days`). Rules' durations
/// reach the templates this way (`vars.after`, `vars.silence`, `vars.min_notice`, …), never as
/// the config's `1h30m`.
pub fn human(lang: Language, d: &crate::duration::HumanDuration) -> String {
    use crate::duration::HumanDuration;
    match *d {
        HumanDuration::Seconds(s) => duration_words(lang, s),
        HumanDuration::WorkingDaysMilli(m) => {
            let (one, many) = match lang {
                Language::Nb => ("arbeidsdag", "arbeidsdager"),
                Language::Nn => ("arbeidsdag", "arbeidsdagar"),
                Language::Da => ("arbejdsdag", "arbejdsdage"),
                Language::En => ("working day", "working days"),
            };
            let n = if m % 1000 == 0 {
                (m / 1000).to_string()
            } else {
                let x = format!("{}", m as f64 / 1000.0);
                if lang == Language::En {
                    x
                } else {
                    x.replace('.', ",")
                }
            };
            format!("{n} {}", if m == 1000 { one } else { many })
        }
    }
}

/// How far ahead `secs` is, in prose: `om 2 dager`, `om ett døgn`, `om 5 timer` (nn, da, en
/// alike); under an hour `om kort tid`. Used for the true lead of a change reminder.
pub fn lead(lang: Language, secs: i64) -> String {
    let hours = (secs.max(0) + 1800) / 3600;
    let days = (secs.max(0) + 43_200) / 86_400;
    let (d_many, d_one, h_many, h_one, soon, pre) = match lang {
        Language::Nb => ("dager", "ett døgn", "timer", "én time", "om kort tid", "om"),
        Language::Nn => (
            "dagar",
            "eitt døgn",
            "timar",
            "éin time",
            "om kort tid",
            "om",
        ),
        Language::Da => ("dage", "et døgn", "timer", "en time", "om kort tid", "om"),
        Language::En => ("days", "a day", "hours", "an hour", "shortly", "in"),
    };
    if days >= 2 {
        format!("{pre} {days} {d_many}")
    } else if hours >= 24 {
        format!("{pre} {d_one}")
    } else if hours >= 2 {
        format!("{pre} {hours} {h_many}")
    } else if hours == 1 {
        format!("{pre} {h_one}")
    } else {
        soon.to_string()
    }
}

/// Names joined as a list: `Molde, Aukra og Rauma` (da `og`, en `and`).
pub fn join(lang: Language, items: &[String]) -> String {
    let and = if lang == Language::En { "and" } else { "og" };
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} {and} {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn norwegian_time_in_the_zone() {
        let t = Utc.with_ymd_and_hms(2027, 3, 24, 13, 0, 0).unwrap();
        let tz: Tz = "Europe/Oslo".parse().unwrap();
        assert_eq!(
            datetime(Language::Nb, tz, t),
            "onsdag 24. mars 2027 kl. 14:00"
        );
        assert_eq!(
            datetime(Language::Da, tz, t),
            "onsdag den 24. marts 2027 kl. 14.00"
        );
        assert_eq!(
            datetime(Language::En, tz, t),
            "Wednesday 24 March 2027 at 14:00"
        );
        assert_eq!(short(Language::Nb, tz, t), "24.03. kl. 14:00");
    }

    #[test]
    fn a_window_on_one_day_names_the_day_once() {
        let tz: Tz = "Europe/Oslo".parse().unwrap();
        let s = Utc.with_ymd_and_hms(2027, 4, 13, 16, 0, 0).unwrap();
        let same_day = Some(s + chrono::Duration::hours(2));
        assert_eq!(
            window(Language::Nb, tz, s, same_day),
            "tirsdag 13. april 2027 kl. 18:00–20:00"
        );
        assert_eq!(
            window(Language::Nn, tz, s, same_day),
            "tysdag 13. april 2027 kl. 18:00–20:00"
        );
        assert_eq!(
            window(Language::Da, tz, s, same_day),
            "tirsdag den 13. april 2027 kl. 18.00–20.00"
        );
        // Past local midnight: both ends in full.
        assert_eq!(
            window(Language::Nb, tz, s, Some(s + chrono::Duration::hours(9))),
            "tirsdag 13. april 2027 kl. 18:00 – onsdag 14. april 2027 kl. 03:00"
        );
        assert_eq!(
            window(Language::En, tz, s, None),
            "Tuesday 13 April 2027 at 18:00"
        );
    }

    #[test]
    fn durations_and_lists() {
        assert_eq!(duration(Language::Nb, 6600), "1 t 50 min");
        assert_eq!(duration(Language::En, 90_000), "1 d 1 h");
        assert_eq!(duration_words(Language::Nb, 7200), "2 timer");
        assert_eq!(lead(Language::Nb, 2 * 86_400), "om 2 dager");
        assert_eq!(lead(Language::Nn, 5 * 3600), "om 5 timar");
        assert_eq!(lead(Language::En, 600), "shortly");
        assert_eq!(duration_words(Language::Nb, 6600), "1 time 50 min");
        assert_eq!(duration_words(Language::Nn, 90_000), "1 dag 1 time");
        assert_eq!(duration_words(Language::Da, 180_000), "2 dage 2 timer");
        assert_eq!(duration(Language::Nb, 0), "0 min");
        let d = |s: &str| crate::duration::HumanDuration::parse(s).unwrap();
        assert_eq!(human(Language::Nb, &d("3d")), "3 dager");
        assert_eq!(human(Language::Nn, &d("1h30m")), "1 time 30 min");
        assert_eq!(human(Language::Da, &d("3wd")), "3 arbejdsdage");
        assert_eq!(human(Language::Nb, &d("0.5wd")), "0,5 arbeidsdager");
        let v = vec!["Molde".to_string(), "Aukra".into(), "Rauma".into()];
        assert_eq!(join(Language::Nb, &v), "Molde, Aukra og Rauma");
        assert_eq!(join(Language::En, &v[..2]), "Molde and Aukra");
    }
}
