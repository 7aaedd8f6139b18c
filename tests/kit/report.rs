//! The synthetic March 2027 shared by the report tests: tickets built through the real tracker
//! and the shipped config; every expected number is worked out by hand in the comments.

use super::sla::{config, oslo, snapshot};
use chrono::{DateTime, Duration, Utc};
use slavakt::report::figures::MonthlyFigures;
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
