//! Business-time arithmetic, table-driven: weekends, holidays, Easter 2027 (which is also the
//! spring DST switch), Christmas and year ends, out-of-hours creation, both DST switches on the
//! 24x7 and business calendars, exact closing times, split days, open/closed dates, validation.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Oslo;
use slavakt::calendar::{parse_interval, Calendar, Country, DayKind, Interval, SEARCH_DAYS};
use std::collections::BTreeSet;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn dates(list: &[&str]) -> BTreeSet<NaiveDate> {
    list.iter().map(|s| date(s)).collect()
}

fn weekdays(h: &[Interval], weekend: &[Interval]) -> [Vec<Interval>; 7] {
    std::array::from_fn(|i| if i < 5 { h.to_vec() } else { weekend.to_vec() })
}

/// Mon–Fri 08:00–15:30 Europe/Oslo, Norwegian holidays, 24 and 31 December closed.
fn kundeservice() -> Calendar {
    let h = parse_interval("08:00-15:30").unwrap();
    let closed = dates(&["2026-12-24", "2026-12-31", "2027-12-24", "2027-12-31"]);
    Calendar::new(
        "kundeservice",
        Oslo,
        weekdays(&[h], &[]),
        Some(Country::No),
        closed,
        BTreeSet::new(),
    )
    .unwrap()
}

fn h(x: f64) -> Duration {
    Duration::minutes((x * 60.0) as i64)
}

#[test]
fn domain_example_and_business_deadlines() {
    let cal = kundeservice();
    assert_eq!(cal.working_day(), h(7.5));
    let wd = cal.working_day();
    let cases: &[(&str, Duration, &str, &str)] = &[
        // (created, duration, due, why)
        (
            "2026-11-23T10:00:00+01:00",
            wd * 3,
            "2026-11-26T10:00:00+01:00",
            "DOMAIN: Mon 10:00 + 3wd = Thu 10:00",
        ),
        (
            "2026-11-23T10:00:00+01:00",
            h(5.5),
            "2026-11-23T15:30:00+01:00",
            "lands exactly on closing: stays 15:30",
        ),
        (
            "2026-11-23T08:00:00+01:00",
            wd,
            "2026-11-23T15:30:00+01:00",
            "a full day from opening ends at closing",
        ),
        (
            "2026-11-23T15:30:00+01:00",
            h(0.5),
            "2026-11-24T08:30:00+01:00",
            "created at closing counts from next opening",
        ),
        (
            "2026-11-23T10:00:00+01:00",
            h(3.0),
            "2026-11-23T13:00:00+01:00",
            "3h response same day",
        ),
        (
            "2026-11-27T14:00:00+01:00",
            h(3.0),
            "2026-11-30T09:30:00+01:00",
            "Friday → Monday over the weekend",
        ),
        (
            "2026-11-27T14:00:00+01:00",
            h(1.5),
            "2026-11-27T15:30:00+01:00",
            "Friday closing, not Monday opening",
        ),
        (
            "2026-11-28T12:00:00+01:00",
            h(3.0),
            "2026-11-30T11:00:00+01:00",
            "created Saturday",
        ),
        (
            "2026-11-23T06:00:00+01:00",
            h(1.0),
            "2026-11-23T09:00:00+01:00",
            "created before opening",
        ),
        (
            "2026-11-23T20:00:00+01:00",
            h(1.0),
            "2026-11-24T09:00:00+01:00",
            "created after closing",
        ),
        (
            "2026-11-28T12:00:00+01:00",
            Duration::zero(),
            "2026-11-28T12:00:00+01:00",
            "zero is the start itself",
        ),
        (
            "2026-11-23T10:00:00+01:00",
            Duration::minutes(-5),
            "2026-11-23T10:00:00+01:00",
            "negative counts as zero",
        ),
        (
            "2026-11-23T10:00:00+01:00",
            Duration::seconds(1),
            "2026-11-23T10:00:01+01:00",
            "seconds are kept",
        ),
        // Easter 2027: Thu 25, Fri 26 and Mon 29 March are holidays; Sunday 28 is the DST switch.
        (
            "2027-03-24T14:00:00+01:00",
            wd * 3,
            "2027-04-01T14:00:00+02:00",
            "Middels over Easter and DST",
        ),
        (
            "2027-03-26T09:00:00+01:00",
            h(3.0),
            "2027-03-30T11:00:00+02:00",
            "created on Good Friday",
        ),
        (
            "2027-03-28T02:30:00+02:00",
            h(1.0),
            "2027-03-30T09:00:00+02:00",
            "created in the DST night of Easter",
        ),
        (
            "2027-03-24T15:00:00+01:00",
            h(0.5),
            "2027-03-24T15:30:00+01:00",
            "Wednesday before Easter, at closing",
        ),
        (
            "2027-03-24T15:00:00+01:00",
            h(0.75),
            "2027-03-30T08:15:00+02:00",
            "Wednesday before Easter, over it",
        ),
        // Christmas and the year end with 24 and 31 December closed.
        (
            "2026-12-22T10:00:00+01:00",
            wd * 3,
            "2026-12-29T10:00:00+01:00",
            "Middels over Christmas",
        ),
        (
            "2026-12-18T15:00:00+01:00",
            wd * 5,
            "2026-12-29T15:00:00+01:00",
            "Lav over Christmas",
        ),
        (
            "2026-12-30T12:00:00+01:00",
            wd * 3,
            "2027-01-06T12:00:00+01:00",
            "Middels over New Year",
        ),
        (
            "2026-12-23T15:00:00+01:00",
            h(1.0),
            "2026-12-28T08:30:00+01:00",
            "23 Dec afternoon → 28 Dec",
        ),
        (
            "2026-12-31T09:00:00+01:00",
            h(0.5),
            "2027-01-04T08:30:00+01:00",
            "created on a closed date",
        ),
        // Autumn DST switch on the business calendar (Sunday 31 October 2027).
        (
            "2027-10-29T14:00:00+02:00",
            h(3.0),
            "2027-11-01T09:30:00+01:00",
            "Friday CEST → Monday CET",
        ),
        (
            "2027-10-29T10:00:00+02:00",
            wd * 2,
            "2027-11-02T10:00:00+01:00",
            "2wd over the autumn switch",
        ),
        // Norwegian May holidays 2026: Fri 1 May, Thu 14 May (Ascension), Mon 25 May (Whit Monday).
        (
            "2026-04-30T12:00:00+02:00",
            wd,
            "2026-05-04T12:00:00+02:00",
            "over 1 May",
        ),
        (
            "2026-05-13T12:00:00+02:00",
            wd * 2,
            "2026-05-18T12:00:00+02:00",
            "over Ascension",
        ),
        (
            "2026-05-22T12:00:00+02:00",
            wd,
            "2026-05-26T12:00:00+02:00",
            "over Whit Monday",
        ),
    ];
    for &(start, d, due, why) in cases {
        let (start, due) = (t(start), t(due));
        assert_eq!(cal.add(start, d), due, "add: {why}");
        assert_eq!(cal.checked_add(start, d), Some(due), "checked_add: {why}");
        let want = d.max(Duration::zero());
        assert_eq!(cal.between(start, due), want, "between: {why}");
    }
}

#[test]
fn the_24x7_clock_is_elapsed_time_across_both_switches() {
    let cal = Calendar::always_open("24x7", Oslo);
    let cases: &[(&str, Duration, &str)] = &[
        (
            "2027-03-28T01:30:00+01:00",
            h(2.0),
            "2027-03-28T04:30:00+02:00",
        ),
        (
            "2027-03-27T12:00:00+01:00",
            h(24.0),
            "2027-03-28T13:00:00+02:00",
        ),
        (
            "2027-10-31T02:30:00+02:00",
            h(2.0),
            "2027-10-31T03:30:00+01:00",
        ),
        (
            "2027-10-30T12:00:00+02:00",
            h(24.0),
            "2027-10-31T11:00:00+01:00",
        ),
        (
            "2027-03-26T09:00:00+01:00",
            Duration::minutes(15),
            "2027-03-26T09:15:00+01:00",
        ),
    ];
    for &(start, d, due) in cases {
        assert_eq!(cal.add(t(start), d), t(due), "{start} + {d}");
        assert_eq!(cal.between(t(start), t(due)), d);
    }
    assert_eq!(
        cal.between(
            t("2027-03-28T00:00:00+01:00"),
            t("2027-03-29T00:00:00+02:00")
        ),
        h(23.0)
    );
    assert_eq!(
        cal.between(
            t("2027-10-31T00:00:00+02:00"),
            t("2027-11-01T00:00:00+01:00")
        ),
        h(25.0)
    );
    assert_eq!(
        cal.between(t("2027-10-31T00:00:00Z"), t("2027-10-30T00:00:00Z")),
        Duration::zero()
    );
    assert!(cal.is_open(t("2027-12-25T03:00:00+01:00")));
    assert_eq!(cal.working_day(), h(24.0));
    assert!(cal
        .skipped_days(t("2027-03-24T00:00:00Z"), t("2027-04-01T00:00:00Z"))
        .is_empty());
}

#[test]
fn a_round_the_clock_business_calendar_follows_the_wall_clock() {
    // Same hours as 24x7 but computed day by day: a local day is 23 h in spring, 25 h in autumn.
    let all = [(0u16, 1440u16)];
    let cal = Calendar::new(
        "ops",
        Oslo,
        weekdays(&all, &all),
        None,
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap();
    let ref24 = Calendar::always_open("24x7", Oslo);
    assert_eq!(
        cal.between(
            t("2027-03-28T00:00:00+01:00"),
            t("2027-03-29T00:00:00+02:00")
        ),
        h(23.0)
    );
    assert_eq!(
        cal.between(
            t("2027-10-31T00:00:00+02:00"),
            t("2027-11-01T00:00:00+01:00")
        ),
        h(25.0)
    );
    for start in [
        "2027-03-27T22:15:00+01:00",
        "2027-10-30T23:59:00+02:00",
        "2027-10-31T02:30:00+01:00",
    ] {
        for d in [h(0.5), h(2.0), h(26.0), h(100.0)] {
            assert_eq!(
                cal.add(t(start), d),
                ref24.add(t(start), d),
                "{start} + {d}"
            );
        }
    }
}

#[test]
fn opening_hours_inside_the_dst_night() {
    let sunday = |iv: Interval| {
        let mut hours: [Vec<Interval>; 7] = Default::default();
        hours[6] = vec![iv];
        Calendar::new("night", Oslo, hours, None, BTreeSet::new(), BTreeSet::new()).unwrap()
    };
    let spring = (t("2027-03-27T12:00:00Z"), t("2027-03-28T12:00:00Z"));
    let autumn = (t("2027-10-30T12:00:00Z"), t("2027-10-31T12:00:00Z"));
    // 01:00–04:00 spans the switch: 2 real hours in spring, 4 in autumn.
    let c = sunday((60, 240));
    assert_eq!(c.between(spring.0, spring.1), h(2.0));
    assert_eq!(c.between(autumn.0, autumn.1), h(4.0));
    // 02:30 does not exist in spring: opening is the end of the gap (03:00 CEST = 01:00 UTC).
    let c = sunday((150, 300));
    assert_eq!(c.add(spring.0, h(0.5)), t("2027-03-28T01:30:00Z"));
    assert_eq!(c.between(spring.0, spring.1), h(2.0));
    // 02:30 happens twice in autumn: opening is the first one (CEST, 00:30 UTC).
    assert_eq!(c.add(autumn.0, h(0.5)), t("2027-10-31T01:00:00Z"));
    assert_eq!(c.between(autumn.0, autumn.1), h(3.5));
    // An interval entirely inside the gap has no length.
    let c = sunday((130, 170));
    assert_eq!(c.between(spring.0, spring.1), Duration::zero());
    assert_eq!(c.add(spring.0, h(0.1)), t("2027-04-04T00:16:00Z"));
}

#[test]
fn split_days_and_is_open() {
    let hours = [
        parse_interval("08:00-11:30").unwrap(),
        parse_interval("12:00-15:30").unwrap(),
    ];
    let cal = Calendar::new(
        "lunch",
        Oslo,
        weekdays(&hours, &[]),
        Some(Country::No),
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap();
    assert_eq!(cal.working_day(), h(7.0));
    assert_eq!(
        cal.add(t("2026-11-23T11:00:00+01:00"), h(1.0)),
        t("2026-11-23T12:30:00+01:00")
    );
    assert_eq!(
        cal.add(t("2026-11-23T11:00:00+01:00"), h(0.5)),
        t("2026-11-23T11:30:00+01:00")
    );
    assert_eq!(
        cal.add(t("2026-11-23T11:40:00+01:00"), h(0.5)),
        t("2026-11-23T12:30:00+01:00")
    );
    assert_eq!(
        cal.between(
            t("2026-11-23T00:00:00+01:00"),
            t("2026-11-24T00:00:00+01:00")
        ),
        h(7.0)
    );

    let ks = kundeservice();
    for (at, open) in [
        ("2026-11-23T10:00:00+01:00", true),
        ("2026-11-23T08:00:00+01:00", true),
        ("2026-11-23T07:59:59+01:00", false),
        ("2026-11-23T15:29:59+01:00", true),
        ("2026-11-23T15:30:00+01:00", false),
        ("2026-11-28T10:00:00+01:00", false),
        ("2027-03-25T10:00:00+01:00", false),
        ("2026-12-24T10:00:00+01:00", false),
        ("2027-03-30T08:00:00+02:00", true),
    ] {
        assert_eq!(ks.is_open(t(at)), open, "{at}");
    }
    assert_eq!(
        ks.next_opening(t("2027-03-24T16:00:00+01:00")),
        Some(t("2027-03-30T08:00:00+02:00"))
    );
    assert_eq!(
        ks.next_opening(t("2027-03-24T10:00:00+01:00")),
        Some(t("2027-03-24T10:00:00+01:00"))
    );
}

#[test]
fn skipped_days_name_the_holidays_and_closed_dates() {
    let cal = kundeservice();
    let easter = cal.skipped_days(
        t("2027-03-24T14:00:00+01:00"),
        t("2027-04-01T14:00:00+02:00"),
    );
    assert_eq!(
        easter,
        vec![
            (date("2027-03-25"), "Skjærtorsdag".to_string()),
            (date("2027-03-26"), "Langfredag".to_string()),
            (date("2027-03-29"), "2. påskedag".to_string()),
        ]
    );
    let xmas = cal.skipped_days(
        t("2026-12-22T10:00:00+01:00"),
        t("2027-01-06T12:00:00+01:00"),
    );
    let want: Vec<(NaiveDate, String)> = [
        ("2026-12-24", "closed date"),
        ("2026-12-25", "1. juledag"),
        ("2026-12-31", "closed date"),
        ("2027-01-01", "1. nyttårsdag"),
    ]
    .iter()
    .map(|(d, n)| (date(d), n.to_string()))
    .collect();
    assert_eq!(xmas, want, "26 Dec 2026 is a Saturday and is not listed");
    assert!(cal
        .skipped_days(t("2027-01-06T00:00:00Z"), t("2027-01-01T00:00:00Z"))
        .is_empty());
    assert_eq!(cal.day_kind(date("2026-12-26")), DayKind::Off);
}

#[test]
fn open_dates_override_weekends_and_holidays() {
    let h830 = parse_interval("08:00-15:30").unwrap();
    let open = dates(&["2026-11-28", "2027-03-25"]);
    let cal = Calendar::new(
        "k",
        Oslo,
        weekdays(&[h830], &[]),
        Some(Country::No),
        BTreeSet::new(),
        open,
    )
    .unwrap();
    // Saturday 28 November uses the usual (Monday) hours.
    assert_eq!(
        cal.add(t("2026-11-27T14:00:00+01:00"), h(3.0)),
        t("2026-11-28T09:30:00+01:00")
    );
    assert!(cal.is_open(t("2026-11-28T08:00:00+01:00")));
    assert!(!cal.is_open(t("2026-11-29T08:00:00+01:00")));
    // Maundy Thursday 2027 open: 3wd from Wednesday end on Wednesday 31 March, a day earlier.
    assert_eq!(
        cal.add(t("2027-03-24T14:00:00+01:00"), cal.working_day() * 3),
        t("2027-03-31T14:00:00+02:00")
    );
    assert!(cal
        .skipped_days(t("2027-03-24T00:00:00Z"), t("2027-03-25T20:00:00Z"))
        .is_empty());
}

#[test]
fn denmark_skips_store_bededag_only_before_2024() {
    let h = parse_interval("08:00-16:00").unwrap();
    let cal = Calendar::new(
        "dk",
        chrono_tz::Europe::Copenhagen,
        weekdays(&[h], &[]),
        Some(Country::Dk),
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap();
    // Thursday 4 May 2023 12:00 + 1wd: Friday 5 May is Store bededag → Monday 8 May 12:00.
    assert_eq!(
        cal.add(t("2023-05-04T12:00:00+02:00"), cal.working_day()),
        t("2023-05-08T12:00:00+02:00")
    );
    // 2024: Friday 26 April (would-be Store bededag) is a working day.
    assert_eq!(
        cal.add(t("2024-04-25T12:00:00+02:00"), cal.working_day()),
        t("2024-04-26T12:00:00+02:00")
    );
}

#[test]
fn working_day_is_the_most_common_day_length() {
    let mut hours: [Vec<Interval>; 7] = Default::default();
    for d in hours.iter_mut().take(4) {
        *d = vec![(480, 960)]; // 8 h Mon–Thu
    }
    hours[4] = vec![(480, 840)]; // 6 h Friday
    let cal = Calendar::new(
        "x",
        Oslo,
        hours.clone(),
        None,
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap();
    assert_eq!(cal.working_day(), h(8.0));
    // Saturday opened by date uses the first 8-hour weekday's hours (Monday).
    hours[5] = vec![];
    let cal = Calendar::new(
        "x",
        Oslo,
        hours,
        None,
        BTreeSet::new(),
        dates(&["2026-11-28"]),
    )
    .unwrap();
    assert_eq!(cal.usual_hours(), &[(480, 960)]);
    // A tie between lengths goes to the longer one.
    let mut tie: [Vec<Interval>; 7] = Default::default();
    tie[0] = vec![(480, 600)];
    tie[1] = vec![(480, 720)];
    let cal = Calendar::new("x", Oslo, tie, None, BTreeSet::new(), BTreeSet::new()).unwrap();
    assert_eq!(cal.working_day(), h(4.0));
}

#[test]
fn validation_lists_every_problem() {
    let mut hours: [Vec<Interval>; 7] = Default::default();
    hours[0] = vec![(930, 480)]; // inverted
    hours[1] = vec![(480, 800), (720, 930)]; // overlapping
    hours[2] = vec![(480, 1500)]; // past midnight
    hours[3] = vec![(600, 600)]; // empty
    let both = dates(&["2026-12-24"]);
    let err = Calendar::new("bad", Oslo, hours, None, both.clone(), both).unwrap_err();
    assert_eq!(err.len(), 5, "{err:#?}");
    assert!(err[0].starts_with("hours.monday"));
    assert!(err[1].starts_with("hours.tuesday") && err[1].contains("overlaps"));
    assert!(err[2].starts_with("hours.wednesday"));
    assert!(err[3].starts_with("hours.thursday"));
    assert!(err[4].contains("2026-12-24"));

    let err = Calendar::new(
        "none",
        Oslo,
        Default::default(),
        None,
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap_err();
    assert_eq!(err.len(), 1);
    assert!(err[0].contains("no opening hours"));
}

#[test]
fn add_gives_up_after_the_search_window_instead_of_looping() {
    // Only Mondays are open, and every Monday for 21 years is closed.
    let mut hours: [Vec<Interval>; 7] = Default::default();
    hours[0] = vec![(480, 930)];
    let first = date("2026-11-23");
    let closed: BTreeSet<NaiveDate> = (0..(22 * 53)).map(|w| first + Duration::weeks(w)).collect();
    let cal = Calendar::new("never", Oslo, hours, None, closed, BTreeSet::new()).unwrap();
    let start = t("2026-11-23T10:00:00+01:00");
    assert_eq!(cal.checked_add(start, h(1.0)), None);
    assert_eq!(cal.next_opening(start), None);
    let far = cal.add(start, h(1.0));
    assert!(far > start + Duration::days(SEARCH_DAYS - 1), "{far}");
    assert!(far <= start + Duration::days(SEARCH_DAYS + 2), "{far}");
    assert_eq!(cal.between(start, far), Duration::zero());
}
