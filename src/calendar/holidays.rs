//! Public holidays computed for any year 1900–2200: Norway and Denmark, Easter-based days
//! included (Gregorian computus), Denmark's Store Bededag only before 2024.
//!
//! Only statutory public holidays are listed (days off by law), named in the country's own
//! language. Ordinary Sundays are not listed; Easter Sunday and Whit Sunday are, because they are
//! named holidays. Christmas Eve and New Year's Eve are not public holidays in either country
//! (admins add them as `closed` dates); neither is Denmark's Constitution Day (5 June).

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

/// First year the holiday tables are defined for.
pub const MIN_YEAR: i32 = 1900;
/// Last year the holiday tables are defined for.
pub const MAX_YEAR: i32 = 2200;

/// Norway made 1 and 17 May statutory public holidays by the act of 26 April 1947.
const NO_MAY_DAYS_FROM: i32 = 1947;
/// Denmark abolished Store Bededag from 2024; it was last a holiday in 2023.
const DK_STORE_BEDEDAG_UNTIL: i32 = 2023;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Country {
    No,
    Dk,
}

impl Country {
    pub fn parse(s: &str) -> Option<Country> {
        match s.trim().to_ascii_uppercase().as_str() {
            "NO" => Some(Country::No),
            "DK" => Some(Country::Dk),
            _ => None,
        }
    }

    /// The ISO 3166 code, as written in config (`"NO"`, `"DK"`).
    pub fn code(self) -> &'static str {
        match self {
            Country::No => "NO",
            Country::Dk => "DK",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: String,
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous Gregorian computus: the
/// first Sunday after the ecclesiastical full moon on or after 21 March).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let golden = year.rem_euclid(19); // position in the 19-year Metonic cycle
    let century = year.div_euclid(100);
    let year_in_century = year.rem_euclid(100);
    // Leap years the Gregorian reform dropped, and the lunar correction of the epact.
    let skipped_leaps = century.div_euclid(4);
    let century_rest = century.rem_euclid(4);
    let lunar_correction = (century + 8).div_euclid(25);
    let moon_shift = (century - lunar_correction + 1).div_euclid(3);
    // Days from 21 March to the paschal full moon.
    let full_moon = (19 * golden + century - skipped_leaps - moon_shift + 15).rem_euclid(30);
    let leaps_in_century = year_in_century.div_euclid(4);
    let year_rest = year_in_century.rem_euclid(4);
    // Days from the full moon to the following Sunday.
    let to_sunday =
        (32 + 2 * century_rest + 2 * leaps_in_century - full_moon - year_rest).rem_euclid(7);
    // Correction for the two exceptional epacts (full moon on 18/19 April falling too late).
    let exception = (golden + 11 * full_moon + 22 * to_sunday).div_euclid(451);
    let day_of_march = full_moon + to_sunday - 7 * exception + 22; // 22 March = day 22
    let march_1 = NaiveDate::from_ymd_opt(year, 3, 1).expect("1 March exists in every year");
    march_1 + Duration::days(i64::from(day_of_march - 1))
}

/// The public holidays of `year` in date order. Defined for any year chrono supports; the
/// project only promises (and the CLI only accepts) `MIN_YEAR..=MAX_YEAR`.
pub fn for_year(country: Country, year: i32) -> Vec<Holiday> {
    let easter = easter_sunday(year);
    let rel = |days: i64| easter + Duration::days(days);
    let fixed = |month: u32, day: u32| {
        NaiveDate::from_ymd_opt(year, month, day).expect("fixed holiday dates exist every year")
    };
    let mut days: Vec<(NaiveDate, &str)> = match country {
        Country::No => {
            let mut v = vec![
                (fixed(1, 1), "1. nyttårsdag"),
                (rel(-3), "Skjærtorsdag"),
                (rel(-2), "Langfredag"),
                (rel(0), "1. påskedag"),
                (rel(1), "2. påskedag"),
                (rel(39), "Kristi himmelfartsdag"),
                (rel(49), "1. pinsedag"),
                (rel(50), "2. pinsedag"),
                (fixed(12, 25), "1. juledag"),
                (fixed(12, 26), "2. juledag"),
            ];
            if year >= NO_MAY_DAYS_FROM {
                v.push((fixed(5, 1), "Offentlig høytidsdag"));
                v.push((fixed(5, 17), "Grunnlovsdag"));
            }
            v
        }
        Country::Dk => {
            let mut v = vec![
                (fixed(1, 1), "Nytårsdag"),
                (rel(-3), "Skærtorsdag"),
                (rel(-2), "Langfredag"),
                (rel(0), "Påskedag"),
                (rel(1), "2. påskedag"),
                (rel(39), "Kristi himmelfartsdag"),
                (rel(49), "Pinsedag"),
                (rel(50), "2. pinsedag"),
                (fixed(12, 25), "Juledag"),
                (fixed(12, 26), "2. juledag"),
            ];
            if year <= DK_STORE_BEDEDAG_UNTIL {
                // The fourth Friday after Easter.
                v.push((rel(26), "Store bededag"));
            }
            v
        }
    };
    // Two holidays can share a date (in Norway 17 May is sometimes Ascension or Whit Monday,
    // e.g. 2027): one entry per date, names joined in the order listed above.
    days.sort_by_key(|(d, _)| *d); // stable: keeps the listed order on a shared date
    let mut out: Vec<Holiday> = Vec::with_capacity(days.len());
    for (date, name) in days {
        match out.last_mut() {
            Some(last) if last.date == date => {
                last.name.push_str(" / ");
                last.name.push_str(name);
            }
            _ => out.push(Holiday {
                date,
                name: name.to_string(),
            }),
        }
    }
    out
}

/// Like [`for_year`], but refuses years outside `MIN_YEAR..=MAX_YEAR` with a message for humans.
pub fn checked_for_year(country: Country, year: i32) -> Result<Vec<Holiday>, String> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(format!(
            "year {year} is out of range: holidays are computed for {MIN_YEAR}–{MAX_YEAR}"
        ));
    }
    Ok(for_year(country, year))
}

/// The holiday name on `date` (names joined with " / " when two fall on it), if any.
pub fn name_on(country: Country, date: NaiveDate) -> Option<String> {
    for_year(country, date.year())
        .into_iter()
        .find(|h| h.date == date)
        .map(|h| h.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_sundays_match_published_tables() {
        for (y, m, day) in [
            (1900, 4, 15),
            (1913, 3, 23),
            (1943, 4, 25), // latest possible
            (1954, 4, 18), // exceptional epact
            (1981, 4, 19), // exceptional epact
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2049, 4, 18), // exceptional epact
            (2076, 4, 19), // exceptional epact
            (2160, 3, 23),
            (2200, 4, 6),
        ] {
            assert_eq!(easter_sunday(y), d(y, m, day), "Easter {y}");
        }
    }

    #[test]
    fn easter_is_a_sunday_between_22_march_and_25_april() {
        for y in MIN_YEAR..=MAX_YEAR {
            let e = easter_sunday(y);
            assert_eq!(e.weekday(), chrono::Weekday::Sun, "{y}");
            assert!(e >= d(y, 3, 22) && e <= d(y, 4, 25), "{y}: {e}");
        }
    }
}
