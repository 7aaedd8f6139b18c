//! Holiday tables checked against independently known dates: Easter Sundays 1900–2200 from an
//! independent computus implementation (python-dateutil's `easter`, Gregorian method), and the
//! official Norwegian and Danish holiday lists of chosen years.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use slavakt::calendar::holidays::{self, checked_for_year, easter_sunday, for_year, Country};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// Easter Sunday as MMDD for 1900, 1901, … 2200 (ten a row), from python-dateutil 2.x
/// `dateutil.easter.easter(y)` — an implementation independent of this crate.
const EASTER_1900_2200: &[&str] = &[
    "0415 0407 0330 0412 0403 0423 0415 0331 0419 0411",
    "0327 0416 0407 0323 0412 0404 0423 0408 0331 0420",
    "0404 0327 0416 0401 0420 0412 0404 0417 0408 0331",
    "0420 0405 0327 0416 0401 0421 0412 0328 0417 0409",
    "0324 0413 0405 0425 0409 0401 0421 0406 0328 0417",
    "0409 0325 0413 0405 0418 0410 0401 0421 0406 0329",
    "0417 0402 0422 0414 0329 0418 0410 0326 0414 0406",
    "0329 0411 0402 0422 0414 0330 0418 0410 0326 0415",
    "0406 0419 0411 0403 0422 0407 0330 0419 0403 0326",
    "0415 0331 0419 0411 0403 0416 0407 0330 0412 0404",
    "0423 0415 0331 0420 0411 0327 0416 0408 0323 0412",
    "0404 0424 0408 0331 0420 0405 0327 0416 0401 0421",
    "0412 0404 0417 0409 0331 0420 0405 0328 0416 0401",
    "0421 0413 0328 0417 0409 0325 0413 0405 0425 0410",
    "0401 0421 0406 0329 0417 0409 0325 0414 0405 0418",
    "0410 0402 0421 0406 0329 0418 0402 0422 0414 0330",
    "0418 0410 0326 0415 0406 0329 0411 0403 0422 0414",
    "0330 0419 0410 0326 0415 0407 0419 0411 0403 0423",
    "0407 0330 0419 0404 0326 0415 0331 0420 0411 0403",
    "0416 0408 0330 0412 0404 0424 0415 0331 0420 0412",
    "0328 0417 0409 0325 0413 0405 0418 0410 0401 0421",
    "0406 0329 0417 0402 0422 0414 0329 0418 0410 0326",
    "0414 0406 0329 0411 0402 0422 0414 0330 0418 0410",
    "0326 0415 0406 0419 0411 0403 0422 0407 0330 0419",
    "0403 0326 0415 0331 0419 0411 0403 0416 0407 0330",
    "0412 0404 0423 0415 0331 0420 0411 0327 0416 0408",
    "0323 0412 0404 0424 0408 0331 0420 0405 0327 0416",
    "0401 0421 0412 0404 0417 0409 0331 0420 0405 0328",
    "0416 0401 0421 0413 0328 0417 0409 0325 0413 0405",
    "0425 0410 0401 0421 0406 0329 0417 0409 0325 0414",
    "0406",
];

#[test]
fn easter_matches_an_independent_table_for_every_year() {
    let table: Vec<&str> = EASTER_1900_2200
        .iter()
        .flat_map(|row| row.split_whitespace())
        .collect();
    assert_eq!(table.len(), 301);
    for (i, mmdd) in table.iter().enumerate() {
        let year = 1900 + i as i32;
        let m: u32 = mmdd[..2].parse().unwrap();
        let day: u32 = mmdd[2..].parse().unwrap();
        assert_eq!(easter_sunday(year), d(year, m, day), "Easter {year}");
    }
}

fn dates(country: Country, year: i32) -> Vec<(NaiveDate, String)> {
    for_year(country, year)
        .into_iter()
        .map(|h| (h.date, h.name))
        .collect()
}

#[test]
fn norway_2026_is_the_official_list() {
    let got = dates(Country::No, 2026);
    let want = [
        (d(2026, 1, 1), "1. nyttårsdag"),
        (d(2026, 4, 2), "Skjærtorsdag"),
        (d(2026, 4, 3), "Langfredag"),
        (d(2026, 4, 5), "1. påskedag"),
        (d(2026, 4, 6), "2. påskedag"),
        (d(2026, 5, 1), "Offentlig høytidsdag"),
        (d(2026, 5, 14), "Kristi himmelfartsdag"),
        (d(2026, 5, 17), "Grunnlovsdag"),
        (d(2026, 5, 24), "1. pinsedag"),
        (d(2026, 5, 25), "2. pinsedag"),
        (d(2026, 12, 25), "1. juledag"),
        (d(2026, 12, 26), "2. juledag"),
    ];
    let want: Vec<(NaiveDate, String)> = want.iter().map(|(d, n)| (*d, n.to_string())).collect();
    assert_eq!(got, want);
}

#[test]
fn norway_2027_easter_in_march_and_whit_monday_on_constitution_day() {
    let got = dates(Country::No, 2027);
    let on = |date: NaiveDate| {
        got.iter()
            .find(|(d, _)| *d == date)
            .map(|(_, n)| n.as_str())
    };
    assert_eq!(on(d(2027, 3, 25)), Some("Skjærtorsdag"));
    assert_eq!(on(d(2027, 3, 26)), Some("Langfredag"));
    assert_eq!(on(d(2027, 3, 28)), Some("1. påskedag"));
    assert_eq!(on(d(2027, 3, 29)), Some("2. påskedag"));
    assert_eq!(on(d(2027, 5, 6)), Some("Kristi himmelfartsdag"));
    assert_eq!(on(d(2027, 5, 16)), Some("1. pinsedag"));
    // One entry per date; both names are kept.
    assert_eq!(on(d(2027, 5, 17)), Some("2. pinsedag / Grunnlovsdag"));
    assert_eq!(got.len(), 11);
}

#[test]
fn norway_may_days_are_holidays_from_1947() {
    let has = |y: i32, m: u32, day: u32| {
        dates(Country::No, y)
            .iter()
            .any(|(x, _)| *x == d(y, m, day))
    };
    assert!(!has(1946, 5, 1));
    assert!(!has(1946, 5, 17));
    assert!(has(1947, 5, 1));
    assert!(has(1947, 5, 17));
    assert_eq!(dates(Country::No, 1946).len(), 10);
}

#[test]
fn denmark_2023_has_store_bededag_and_2024_does_not() {
    let y2023 = dates(Country::Dk, 2023);
    assert!(y2023.contains(&(d(2023, 5, 5), "Store bededag".to_string())));
    assert_eq!(y2023.len(), 11);
    let y2024 = dates(Country::Dk, 2024);
    assert!(y2024.iter().all(|(_, n)| n != "Store bededag"));
    let want = [
        (d(2024, 1, 1), "Nytårsdag"),
        (d(2024, 3, 28), "Skærtorsdag"),
        (d(2024, 3, 29), "Langfredag"),
        (d(2024, 3, 31), "Påskedag"),
        (d(2024, 4, 1), "2. påskedag"),
        (d(2024, 5, 9), "Kristi himmelfartsdag"),
        (d(2024, 5, 19), "Pinsedag"),
        (d(2024, 5, 20), "2. pinsedag"),
        (d(2024, 12, 25), "Juledag"),
        (d(2024, 12, 26), "2. juledag"),
    ];
    let want: Vec<(NaiveDate, String)> = want.iter().map(|(d, n)| (*d, n.to_string())).collect();
    assert_eq!(y2024, want);
}

#[test]
fn every_year_is_in_date_order_with_the_right_weekdays() {
    for year in holidays::MIN_YEAR..=holidays::MAX_YEAR {
        for country in [Country::No, Country::Dk] {
            let list = for_year(country, year);
            assert!(
                list.windows(2).all(|w| w[0].date < w[1].date),
                "{country:?} {year}"
            );
            assert!(list.iter().all(|h| h.date.year() == year));
            let easter = easter_sunday(year);
            for h in &list {
                let off = (h.date - easter).num_days();
                let want = match off {
                    -3 => Some(Weekday::Thu),
                    -2 | 26 => Some(Weekday::Fri),
                    0 | 49 => Some(Weekday::Sun),
                    1 | 50 => Some(Weekday::Mon),
                    39 => Some(Weekday::Thu),
                    _ => None,
                };
                if let Some(w) = want {
                    assert_eq!(h.date.weekday(), w, "{country:?} {year} {}", h.name);
                }
            }
            if country == Country::Dk && year < 2024 {
                let bededag = easter + Duration::days(26);
                assert!(list
                    .iter()
                    .any(|h| h.date == bededag && h.name == "Store bededag"));
            }
        }
    }
}

#[test]
fn years_outside_1900_2200_are_refused() {
    assert!(checked_for_year(Country::No, 1899).is_err());
    assert!(checked_for_year(Country::Dk, 2201).is_err());
    assert!(checked_for_year(Country::No, 1900).is_ok());
    assert!(checked_for_year(Country::Dk, 2200).is_ok());
}

#[test]
fn country_codes_parse_case_insensitively() {
    assert_eq!(Country::parse("no"), Some(Country::No));
    assert_eq!(Country::parse("DK"), Some(Country::Dk));
    assert_eq!(Country::parse("SE"), None);
    assert_eq!(
        holidays::name_on(Country::No, d(2026, 5, 17)).as_deref(),
        Some("Grunnlovsdag")
    );
    assert_eq!(holidays::name_on(Country::No, d(2026, 5, 18)), None);
}
