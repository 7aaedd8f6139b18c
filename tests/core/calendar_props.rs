//! Property tests of business-time arithmetic on several calendars (including ones with opening
//! hours inside the DST night): adding then measuring gives the duration back, deadlines never
//! move earlier when the start or the duration grows, the deadline is the earliest such instant,
//! measuring is additive, and on the business calendar `between` equals a minute-by-minute
//! count made from wall-clock times.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Europe::Oslo;
use proptest::prelude::*;
use slavakt::calendar::{holidays, Calendar, Country, Interval};
use std::collections::BTreeSet;

fn closed() -> BTreeSet<NaiveDate> {
    ["2026-12-24", "2026-12-31", "2027-12-24", "2027-12-31"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect()
}

fn kundeservice() -> Calendar {
    let h: [Vec<Interval>; 7] =
        std::array::from_fn(|i| if i < 5 { vec![(480, 930)] } else { vec![] });
    Calendar::new(
        "kundeservice",
        Oslo,
        h,
        Some(Country::No),
        closed(),
        BTreeSet::new(),
    )
    .unwrap()
}

fn calendars() -> Vec<Calendar> {
    let lunch: [Vec<Interval>; 7] = std::array::from_fn(|i| {
        if i < 5 {
            vec![(480, 690), (720, 930)]
        } else {
            vec![]
        }
    });
    // Opening and closing inside the DST night on some days, plus an evening to midnight.
    let night: [Vec<Interval>; 7] = std::array::from_fn(|i| match i {
        6 => vec![(150, 300), (1320, 1440)],
        5 => vec![(0, 130), (170, 200)],
        _ => vec![(60, 240)],
    });
    let all: [Vec<Interval>; 7] = std::array::from_fn(|_| vec![(0, 1440)]);
    let open_sat = ["2027-03-27", "2027-10-30"]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
    vec![
        kundeservice(),
        Calendar::new(
            "lunch",
            Oslo,
            lunch,
            Some(Country::No),
            BTreeSet::new(),
            open_sat,
        )
        .unwrap(),
        Calendar::new(
            "night",
            Oslo,
            night,
            Some(Country::Dk),
            closed(),
            BTreeSet::new(),
        )
        .unwrap(),
        Calendar::new("all", Oslo, all, None, BTreeSet::new(), BTreeSet::new()).unwrap(),
        Calendar::always_open("24x7", Oslo),
    ]
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Instants from 2026 to 2028, with extra weight on a week around each 2027 DST switch and
/// around Christmas 2026.
fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    let near = |centre: &'static str| {
        (-4 * 86_400i64..4 * 86_400).prop_map(move |s| utc(centre) + Duration::seconds(s))
    };
    prop_oneof![
        (0i64..3 * 365 * 86_400).prop_map(|s| utc("2026-01-01T00:00:00Z") + Duration::seconds(s)),
        near("2027-03-28T01:00:00Z"),
        near("2027-10-31T01:00:00Z"),
        near("2026-12-25T12:00:00Z"),
    ]
}

/// Business durations from zero to about 40 working days, to the second.
fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0i64..300 * 3600).prop_map(Duration::seconds),
        (0i64..24 * 60).prop_map(Duration::minutes),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn add_then_measure_gives_the_duration_back(c in 0usize..5, a in instant(), d in duration()) {
        let cal = &calendars()[c];
        let due = cal.checked_add(a, d).expect("reachable within the search window");
        prop_assert!(due >= a);
        prop_assert_eq!(cal.add(a, d), due);
        prop_assert_eq!(cal.between(a, due), d);
        // Earliest: one second before the deadline the full duration has not yet run.
        if d > Duration::zero() {
            prop_assert!(cal.between(a, due - Duration::seconds(1)) < d);
            prop_assert!(due > a);
        }
    }

    #[test]
    fn deadlines_never_move_earlier(
        c in 0usize..5, a in instant(), d in duration(), more in duration(), later in 0i64..5 * 86_400,
    ) {
        let cal = &calendars()[c];
        let base = cal.add(a, d);
        prop_assert!(cal.add(a, d + more) >= base, "longer duration");
        prop_assert!(cal.add(a + Duration::seconds(later), d) >= base, "later start");
    }

    #[test]
    fn measuring_is_additive(c in 0usize..5, x in instant(), y in instant(), z in instant()) {
        let cal = &calendars()[c];
        let mut v = [x, y, z];
        v.sort();
        let [a, b, e] = v;
        prop_assert_eq!(cal.between(a, b) + cal.between(b, e), cal.between(a, e));
        prop_assert_eq!(cal.between(e, a), Duration::zero());
        prop_assert!(cal.between(a, e) <= e - a);
    }
}

proptest! {
    // Each case walks up to four days minute by minute.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn between_matches_a_wall_clock_minute_count(a in instant(), minutes in 0i64..4 * 24 * 60) {
        let cal = kundeservice();
        let a = a.with_second(0).unwrap();
        let b = a + Duration::minutes(minutes);
        let shut = closed();
        let mut count = 0i64;
        let mut m = a;
        while m < b {
            let local = m.with_timezone(&Oslo);
            let date = local.date_naive();
            let minute = local.hour() * 60 + local.minute();
            let holiday = holidays::for_year(Country::No, date.year())
                .iter()
                .any(|h| h.date == date);
            let weekday = date.weekday().num_days_from_monday() < 5;
            let open = weekday && !holiday && !shut.contains(&date) && (480..930).contains(&minute);
            prop_assert_eq!(cal.is_open(m), open, "is_open at {}", m);
            count += i64::from(open);
            m += Duration::minutes(1);
        }
        prop_assert_eq!(cal.between(a, b), Duration::minutes(count));
    }
}
