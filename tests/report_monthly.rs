//! The monthly figures of a synthetic March 2027 built through the real tracker and the shipped
//! config; every expected number is worked out by hand in the comments.

mod sla_support;

use chrono::{DateTime, Duration, Utc};
use sla_support::{config, oslo, snapshot};
use slavakt::report::figures::{MonthlyFigures, Outcome};
use slavakt::state::State;
use slavakt::ticket::{CoreStatus, TicketSnapshot};
use slavakt::tracker::observe;

/// A step in a ticket's life: at `at`, apply `f` to the previous snapshot.
type Step = (DateTime<Utc>, fn(&mut TicketSnapshot, DateTime<Utc>));

fn respond(s: &mut TicketSnapshot, at: DateTime<Utc>) {
    s.responded = Some(at);
    s.status = "Under arbeid".into();
}
fn pause(s: &mut TicketSnapshot, _: DateTime<Utc>) {
    s.status = "Venter - leverandør".into();
}
fn work(s: &mut TicketSnapshot, _: DateTime<Utc>) {
    s.status = "Under arbeid".into();
}
fn solve(s: &mut TicketSnapshot, at: DateTime<Utc>) {
    s.status = "Løst".into();
    s.core = CoreStatus::Solved;
    s.resolved = Some(at);
}
fn reopen(s: &mut TicketSnapshot, _: DateTime<Utc>) {
    s.status = "Gjenåpnet".into();
    s.core = CoreStatus::Open;
    s.resolved = None;
    s.reopened_count += 1;
}
fn raise_to_hoy(s: &mut TicketSnapshot, _: DateTime<Utc>) {
    s.priority = Some("Høy".into());
}

fn track(state: &mut State, first: TicketSnapshot, steps: &[Step]) {
    let cfg = config();
    let mut snap = first;
    let (mut t, _) = observe(None, &snap, &cfg, snap.modified + Duration::seconds(20));
    for (at, f) in steps {
        f(&mut snap, *at);
        snap.modified = *at;
        t = observe(Some(&t), &snap, &cfg, *at + Duration::seconds(20)).0;
    }
    state.tickets.insert(t.id, t);
}

fn ticket(id: u64, prio: &str, created: DateTime<Utc>, muni: &str) -> TicketSnapshot {
    let mut s = snapshot(id, prio, created);
    s.municipalities = vec![muni.into()];
    s
}

pub fn march_state() -> State {
    let mut st = State::default();
    // 1 Kritisk, Molde: response 10 min (met), resolved after 90 min (met, target 2h).
    track(
        &mut st,
        ticket(1, "Kritisk", oslo(2027, 3, 10, 10, 0), "Molde"),
        &[
            (oslo(2027, 3, 10, 10, 10), respond),
            (oslo(2027, 3, 10, 11, 30), solve),
        ],
    );
    // 2 Kritisk, Rauma: response after 30 min (breached, 15m), resolved after 3h (breached).
    track(
        &mut st,
        ticket(2, "Kritisk", oslo(2027, 3, 15, 20, 0), "Rauma"),
        &[
            (oslo(2027, 3, 15, 20, 30), respond),
            (oslo(2027, 3, 15, 23, 0), solve),
        ],
    );
    // 3 Høy, Molde, with a 3h vendor pause: 5h wall − 3h = 2h used (met, 4h).
    track(
        &mut st,
        ticket(3, "Høy", oslo(2027, 3, 20, 9, 0), "Molde"),
        &[
            (oslo(2027, 3, 20, 9, 20), respond),
            (oslo(2027, 3, 20, 10, 0), pause),
            (oslo(2027, 3, 20, 13, 0), work),
            (oslo(2027, 3, 20, 14, 0), solve),
        ],
    );
    // 4 Middels raised to Høy after 30 min: Høy from creation; response 45 min (met, 1h),
    // resolved after 2h (met).
    track(
        &mut st,
        ticket(4, "Middels", oslo(2027, 3, 8, 9, 0), "Molde"),
        &[
            (oslo(2027, 3, 8, 9, 30), raise_to_hoy),
            (oslo(2027, 3, 8, 9, 45), respond),
            (oslo(2027, 3, 8, 11, 0), solve),
        ],
    );
    // 5 Lav, reopened: Tue 09:00–15:30 (6.5h) + Wed 08:00–09:00 (1h) solved, reopened Thu 09:00,
    // solved Thu 12:00 (3h): 10.5h business time (met, 5wd = 37.5h).
    track(
        &mut st,
        ticket(5, "Lav", oslo(2027, 3, 2, 9, 0), "Molde"),
        &[
            (oslo(2027, 3, 2, 9, 30), respond),
            (oslo(2027, 3, 3, 9, 0), solve),
            (oslo(2027, 3, 4, 9, 0), reopen),
            (oslo(2027, 3, 4, 12, 0), solve),
        ],
    );
    // 6 Middels opened in February, resolved in March: Fri 14:00–15:30 (1.5h) + Mon 7.5h +
    // Tue 08:00–10:00 (2h) = 11h (met, 3wd = 22.5h). Response in February.
    track(
        &mut st,
        ticket(6, "Middels", oslo(2027, 2, 26, 14, 0), "Molde"),
        &[
            (oslo(2027, 2, 26, 14, 30), respond),
            (oslo(2027, 3, 2, 10, 0), solve),
        ],
    );
    // 7 Lav, Hustadvika, opened 31 March, resolved in April: open at the March end.
    track(
        &mut st,
        ticket(7, "Lav", oslo(2027, 3, 31, 14, 0), "Hustadvika"),
        &[
            (oslo(2027, 4, 1, 9, 0), respond),
            (oslo(2027, 4, 2, 10, 0), solve),
        ],
    );
    // 8 Middels, Aukra, never answered: response due 12:00 the same day (breached in March).
    track(
        &mut st,
        ticket(8, "Middels", oslo(2027, 3, 22, 9, 0), "Aukra"),
        &[],
    );
    // 9 Kritisk in February only (trend): resolved after 1h (met).
    track(
        &mut st,
        ticket(9, "Kritisk", oslo(2027, 2, 10, 10, 0), "Molde"),
        &[
            (oslo(2027, 2, 10, 10, 5), respond),
            (oslo(2027, 2, 10, 11, 0), solve),
        ],
    );
    st
}

pub fn march() -> MonthlyFigures {
    slavakt::report::figures(&march_state(), &config(), (2027, 3), oslo(2027, 5, 1, 0, 0))
        .expect("a valid month")
}

#[test]
fn per_level_figures() {
    let f = march();
    assert!(!f.partial);
    assert_eq!(f.start, oslo(2027, 3, 1, 0, 0));
    assert_eq!(f.end, oslo(2027, 4, 1, 0, 0));
    let names: Vec<_> = f.levels.iter().map(|l| l.level.as_str()).collect();
    assert_eq!(names, ["kritisk", "hoy", "middels", "lav"]);
    let row = |i: usize| {
        let l = &f.levels[i];
        [
            l.opened,
            l.resolved,
            l.response_met,
            l.response_breached,
            l.resolution_met,
            l.resolution_breached,
            l.open_at_end,
        ]
    };
    assert_eq!(row(0), [2, 2, 1, 1, 1, 1, 0]);
    assert_eq!(row(1), [2, 2, 2, 0, 2, 0, 0]);
    assert_eq!(row(2), [1, 1, 0, 1, 1, 0, 1]);
    assert_eq!(row(3), [2, 1, 1, 0, 1, 0, 1]);
    assert_eq!(f.levels[0].compliance(), Some(50.0));
    assert_eq!(f.levels[1].compliance(), Some(100.0));
    let m = Duration::minutes;
    assert_eq!(f.levels[0].average_resolution, Some(m(135)));
    assert_eq!(f.levels[0].median_resolution, Some(m(135)));
    assert_eq!(f.levels[1].average_resolution, Some(m(120)));
    assert_eq!(f.levels[2].average_resolution, Some(m(660)));
    assert_eq!(f.levels[3].median_resolution, Some(m(630)));
    assert_eq!(f.levels[2].resolution_target, m(22 * 60 + 30));
    assert!(f.levels[2].business_time && !f.levels[0].business_time);
    assert_eq!(f.open_at_end, 2);
    let munis: Vec<_> = f
        .per_municipality
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        munis,
        [("Aukra", 1), ("Hustadvika", 1), ("Molde", 4), ("Rauma", 1)]
    );
}

#[test]
fn incidents_and_trend() {
    let f = march();
    let inc: Vec<_> = f.incidents.iter().map(|i| (i.number, i.outcome)).collect();
    assert_eq!(
        inc,
        [
            (1004, Outcome::Met),
            (1001, Outcome::Met),
            (1002, Outcome::Breached),
            (1003, Outcome::Met)
        ]
    );
    assert_eq!(f.incidents[2].municipalities, ["Rauma"]);
    assert_eq!(f.incidents[2].resolution_time, Duration::hours(3));
    let months: Vec<_> = f.trend.iter().map(|p| p.month).collect();
    assert_eq!(
        months,
        [
            (2026, 10),
            (2026, 11),
            (2026, 12),
            (2027, 1),
            (2027, 2),
            (2027, 3)
        ]
    );
    assert_eq!(f.trend[4].compliance["kritisk"], (Some(100.0), 1));
    assert_eq!(f.trend[4].compliance["middels"], (None, 0));
    assert_eq!(f.trend[5].compliance["kritisk"], (Some(50.0), 2));
}

#[test]
fn the_next_month_counts_the_boundary_ticket_there() {
    let f = slavakt::report::figures(&march_state(), &config(), (2027, 4), oslo(2027, 5, 1, 0, 0))
        .unwrap();
    let lav = &f.levels[3];
    // Ticket 7: opened in March, resolved (and answered) in April.
    assert_eq!((lav.opened, lav.resolved, lav.response_met), (0, 1, 1));
    assert_eq!(f.open_at_end, 1); // ticket 8
}

#[test]
fn a_running_month_is_partial() {
    let now = oslo(2027, 3, 16, 0, 0);
    let f = slavakt::report::figures(&march_state(), &config(), (2027, 3), now).unwrap();
    assert!(f.partial);
    assert_eq!(f.as_of, now);
    // Only tickets 1 and 2 of the Kritisk ones, both resolved by then.
    assert_eq!(f.levels[0].resolved, 2);
    assert_eq!(f.levels[1].opened, 1); // ticket 4; ticket 3 is not created yet
}
