//! SLA clock tables: each level of the ROR-IKT matrix, business and 24/7 calendars, DST, Easter,
//! pauses, priority changes, reopen, and the met / breached / warning / paused states.
//! Expected instants are worked out by hand from the SLA text (see docs/SLA.md).

use crate::kit::sla as sla_support;

use chrono::{DateTime, Duration, Utc};
use sla_support::{config, oslo, snapshot, utc};
use slavakt::config::Config;
use slavakt::sla::{clocks, ClockState, TicketClocks};
use slavakt::ticket::{LevelChange, Span, TrackedTicket};
use slavakt::tracker::observe;

fn ticket(cfg: &Config, priority: &str, created: DateTime<Utc>) -> TrackedTicket {
    observe(None, &snapshot(1, priority, created), cfg, created).0
}

fn pause(a: DateTime<Utc>, b: Option<DateTime<Utc>>) -> Span {
    Span { start: a, end: b }
}

fn at(t: &TrackedTicket, cfg: &Config, now: DateTime<Utc>) -> TicketClocks {
    clocks(t, cfg, now).expect("ticket has a level")
}

/// (priority, created, expected response due, expected resolution due)
type Row = (&'static str, DateTime<Utc>, DateTime<Utc>, DateTime<Utc>);

fn check_rows(rows: &[Row]) {
    let cfg = config();
    for (i, &(prio, created, response, resolution)) in rows.iter().enumerate() {
        let c = at(&ticket(&cfg, prio, created), &cfg, created);
        assert_eq!(c.response.due, response, "row {i} ({prio}) response");
        assert_eq!(c.resolution.due, resolution, "row {i} ({prio}) resolution");
    }
}

#[test]
fn middels_monday_10_is_due_thursday_10() {
    // DOMAIN.md: 3wd = 3 × 7h30m = 22h30m of Mon–Fri 08:00–15:30.
    let cfg = config();
    let c = at(
        &ticket(&cfg, "Middels", oslo(2027, 1, 11, 10, 0)),
        &cfg,
        oslo(2027, 1, 11, 10, 0),
    );
    assert_eq!(c.level, "middels");
    assert_eq!(c.calendar, "kundeservice");
    assert_eq!(c.resolution.target, Duration::minutes(1350));
    assert_eq!(c.resolution.due, oslo(2027, 1, 14, 10, 0));
    assert_eq!(c.response.target, Duration::hours(3));
    assert_eq!(c.response.due, oslo(2027, 1, 11, 13, 0));
    assert_eq!(c.response.state, ClockState::Running);
    assert_eq!(c.resolution.used, Duration::zero());
}

#[test]
fn business_hours_table() {
    check_rows(&[
        // lav: 5wd = 37h30m → the same time a week later.
        (
            "Lav",
            oslo(2027, 1, 11, 10, 0),
            oslo(2027, 1, 11, 14, 0),
            oslo(2027, 1, 18, 10, 0),
        ),
        // Response across closing time and the weekend: Fri 14:00 + 3h = 1h30 Fri + 1h30 Mon.
        (
            "Middels",
            oslo(2027, 1, 15, 14, 0),
            oslo(2027, 1, 18, 9, 30),
            oslo(2027, 1, 20, 14, 0),
        ),
        // lav Thu 14:30: 1h Thu + 3h Fri.
        (
            "Lav",
            oslo(2027, 1, 14, 14, 30),
            oslo(2027, 1, 15, 11, 0),
            oslo(2027, 1, 21, 14, 30),
        ),
        // lav Fri 15:00: 30m Fri + 3h30 Mon.
        (
            "Lav",
            oslo(2027, 1, 15, 15, 0),
            oslo(2027, 1, 18, 11, 30),
            oslo(2027, 1, 22, 15, 0),
        ),
        // Due exactly at closing time, never at the next opening.
        (
            "Middels",
            oslo(2027, 1, 11, 12, 30),
            oslo(2027, 1, 11, 15, 30),
            oslo(2027, 1, 14, 12, 30),
        ),
        (
            "Middels",
            oslo(2027, 1, 11, 8, 0),
            oslo(2027, 1, 11, 11, 0),
            oslo(2027, 1, 13, 15, 30),
        ),
        // Created outside business hours: counting starts at the next opening.
        (
            "Middels",
            oslo(2027, 1, 16, 12, 0),
            oslo(2027, 1, 18, 11, 0),
            oslo(2027, 1, 20, 15, 30),
        ),
        (
            "Lav",
            oslo(2027, 1, 12, 19, 45),
            oslo(2027, 1, 13, 12, 0),
            oslo(2027, 1, 19, 15, 30),
        ),
        (
            "Middels",
            oslo(2027, 1, 13, 6, 0),
            oslo(2027, 1, 13, 11, 0),
            oslo(2027, 1, 15, 15, 30),
        ),
        // Year end: Fri 31 Dec 2027 is a closed date in the shipped config and 1–2 Jan 2028
        // a weekend: counting starts Monday 3 January.
        (
            "Middels",
            oslo(2027, 12, 31, 14, 0),
            oslo(2028, 1, 3, 11, 0),
            oslo(2028, 1, 5, 15, 30),
        ),
        (
            "Middels",
            oslo(2027, 12, 30, 14, 0),
            oslo(2028, 1, 3, 9, 30),
            oslo(2028, 1, 5, 14, 0),
        ),
        // Christmas 2027: 24 Dec closed (config), 25/26 Dec a weekend.
        (
            "Lav",
            oslo(2027, 12, 22, 12, 0),
            oslo(2027, 12, 23, 8, 30),
            oslo(2027, 12, 30, 12, 0),
        ),
        // Christmas 2028: 25/26 Dec are Monday and Tuesday (holidays); 24 Dec 2028 is a Sunday.
        (
            "Middels",
            oslo(2028, 12, 22, 12, 0),
            oslo(2028, 12, 22, 15, 0),
            oslo(2028, 12, 29, 12, 0),
        ),
    ]);
}

#[test]
fn easter_2027_and_the_spring_dst_switch() {
    // Skjærtorsdag 25.3, Langfredag 26.3, 2. påskedag 29.3; DST starts Sunday 28.3.
    check_rows(&[
        (
            "Middels",
            oslo(2027, 3, 24, 10, 0),
            oslo(2027, 3, 24, 13, 0),
            oslo(2027, 4, 1, 10, 0),
        ),
        (
            "Lav",
            oslo(2027, 3, 24, 14, 0),
            oslo(2027, 3, 30, 10, 30),
            oslo(2027, 4, 5, 14, 0),
        ),
    ]);
    let cfg = config();
    let c = at(
        &ticket(&cfg, "Middels", oslo(2027, 3, 24, 10, 0)),
        &cfg,
        oslo(2027, 3, 24, 10, 0),
    );
    // Offsets: created in CET, due in CEST.
    assert_eq!(c.resolution.due, utc("2027-04-01T10:00:00+02:00"));
}

#[test]
fn kritisk_and_hoy_run_real_time_across_both_dst_switches() {
    check_rows(&[
        // Spring: 02:00 CET → 03:00 CEST. 2h is 120 real minutes: 01:30+01 → 04:30+02.
        (
            "Kritisk",
            utc("2027-03-28T01:30:00+01:00"),
            utc("2027-03-28T01:45:00+01:00"),
            utc("2027-03-28T04:30:00+02:00"),
        ),
        (
            "Høy",
            utc("2027-03-28T00:30:00+01:00"),
            utc("2027-03-28T01:30:00+01:00"),
            utc("2027-03-28T05:30:00+02:00"),
        ),
        // Autumn: 03:00 CEST → 02:00 CET. 01:30+02 + 2h = 02:30+01.
        (
            "Kritisk",
            utc("2027-10-31T01:30:00+02:00"),
            utc("2027-10-31T01:45:00+02:00"),
            utc("2027-10-31T02:30:00+01:00"),
        ),
        (
            "Høy",
            utc("2027-10-31T00:30:00+02:00"),
            utc("2027-10-31T01:30:00+02:00"),
            utc("2027-10-31T03:30:00+01:00"),
        ),
        // Weekends and holidays do not matter on 24x7.
        (
            "Kritisk",
            oslo(2027, 12, 24, 23, 0),
            oslo(2027, 12, 24, 23, 15),
            oslo(2027, 12, 25, 1, 0),
        ),
    ]);
}

#[test]
fn pauses_push_deadlines_by_business_time() {
    let cfg = config();
    let created = oslo(2027, 1, 11, 10, 0);
    let mut t = ticket(&cfg, "Middels", created);
    // Paused Mon 11:00 → Tue 11:00: 4h30 + 3h = 7h30 of business time.
    t.pauses = vec![pause(
        oslo(2027, 1, 11, 11, 0),
        Some(oslo(2027, 1, 12, 11, 0)),
    )];
    let c = at(&t, &cfg, oslo(2027, 1, 12, 12, 0));
    assert_eq!(c.response.due, oslo(2027, 1, 12, 13, 0));
    assert_eq!(c.resolution.due, oslo(2027, 1, 15, 10, 0));
    assert_eq!(c.response.used, Duration::hours(2));
    assert_eq!(c.response.state, ClockState::Running);
}

#[test]
fn an_open_pause_plans_as_if_it_ended_now() {
    let cfg = config();
    let mut t = ticket(&cfg, "Middels", oslo(2027, 1, 11, 10, 0));
    t.pauses = vec![pause(oslo(2027, 1, 11, 11, 0), None)];
    let c = at(&t, &cfg, oslo(2027, 1, 12, 12, 0));
    assert_eq!(c.response.state, ClockState::Paused);
    assert_eq!(c.resolution.state, ClockState::Paused);
    assert_eq!(c.response.used, Duration::hours(1));
    assert_eq!(c.response.due, oslo(2027, 1, 12, 14, 0));
    assert_eq!(c.resolution.due, oslo(2027, 1, 15, 11, 0));
    // An hour later the deadlines have moved by an hour of business time.
    let later = at(&t, &cfg, oslo(2027, 1, 12, 13, 0));
    assert_eq!(later.response.due, oslo(2027, 1, 12, 15, 0));
    // Overnight pause time is not business time: nothing moves.
    let night = at(&t, &cfg, oslo(2027, 1, 12, 20, 0));
    let morning = at(&t, &cfg, oslo(2027, 1, 13, 8, 0));
    assert_eq!(night.response.due, morning.response.due);
    assert_eq!(morning.response.due, oslo(2027, 1, 13, 10, 0));
}

#[test]
fn a_pause_before_the_first_business_minute_is_harmless() {
    let cfg = config();
    let created = oslo(2027, 1, 16, 12, 0); // Saturday
    let plain = at(&ticket(&cfg, "Middels", created), &cfg, created);
    let mut t = ticket(&cfg, "Middels", created);
    t.pauses = vec![pause(
        oslo(2027, 1, 16, 13, 0),
        Some(oslo(2027, 1, 18, 7, 0)),
    )];
    let paused = at(&t, &cfg, oslo(2027, 1, 18, 7, 0));
    assert_eq!(paused.response.due, plain.response.due);
    assert_eq!(paused.resolution.due, plain.resolution.due);
    assert_eq!(paused.response.due, oslo(2027, 1, 18, 11, 0));
}

#[test]
fn a_pause_on_24x7_counts_real_minutes() {
    let cfg = config();
    let mut t = ticket(&cfg, "Høy", oslo(2027, 1, 11, 22, 0));
    t.pauses = vec![pause(
        oslo(2027, 1, 11, 22, 30),
        Some(oslo(2027, 1, 12, 1, 0)),
    )];
    let c = at(&t, &cfg, oslo(2027, 1, 12, 1, 0));
    assert_eq!(c.response.due, oslo(2027, 1, 12, 1, 30));
    assert_eq!(c.resolution.due, oslo(2027, 1, 12, 4, 30));
}

#[test]
fn a_priority_change_replans_from_creation_keeping_paused_time() {
    let cfg = config();
    let created = oslo(2027, 1, 11, 10, 0);
    let mut t = ticket(&cfg, "Middels", created);
    t.responded = Some(oslo(2027, 1, 11, 10, 10));
    t.pauses = vec![pause(
        oslo(2027, 1, 11, 11, 0),
        Some(oslo(2027, 1, 11, 12, 0)),
    )];
    t.levels.push(LevelChange {
        at: oslo(2027, 1, 11, 11, 30),
        level: Some("kritisk".into()),
        priority: Some("Kritisk".into()),
    });
    let c = at(&t, &cfg, oslo(2027, 1, 11, 12, 30));
    assert_eq!(c.level, "kritisk");
    assert_eq!(c.calendar, "24x7");
    // Kritisk from creation: 2h + the 1h pause.
    assert_eq!(c.resolution.due, oslo(2027, 1, 11, 13, 0));
    assert_eq!(c.response.due, oslo(2027, 1, 11, 10, 15));
    assert_eq!(
        c.response.state,
        ClockState::Met {
            at: oslo(2027, 1, 11, 10, 10)
        }
    );
    // 75 % of 2h = 1h30 of clock time: 10:00–11:00 and 12:00–12:30.
    assert_eq!(c.resolution.warnings, vec![(75, oslo(2027, 1, 11, 12, 30))]);
    assert_eq!(c.resolution.state, ClockState::Warning { percent: 75 });
    assert_eq!(c.resolution.remaining(), Duration::minutes(30));
    // Lowered again to Lav: back on the business calendar, still from creation.
    t.levels.push(LevelChange {
        at: oslo(2027, 1, 11, 12, 45),
        level: Some("lav".into()),
        priority: Some("Lav".into()),
    });
    let c = at(&t, &cfg, oslo(2027, 1, 11, 13, 0));
    assert_eq!(c.resolution.due, oslo(2027, 1, 18, 11, 0));
}

#[test]
fn a_reopened_ticket_resumes_its_resolution_clock() {
    let cfg = config();
    let created = oslo(2027, 1, 11, 10, 0);
    let mut t = ticket(&cfg, "Høy", created);
    t.responded = Some(oslo(2027, 1, 11, 10, 30));
    // Solved 11:00, reopened 13:00.
    t.resolutions = vec![pause(
        oslo(2027, 1, 11, 11, 0),
        Some(oslo(2027, 1, 11, 13, 0)),
    )];
    let c = at(&t, &cfg, oslo(2027, 1, 11, 14, 0));
    assert_eq!(c.resolution.due, oslo(2027, 1, 11, 16, 0));
    assert_eq!(c.resolution.used, Duration::hours(2));
    assert_eq!(c.resolution.state, ClockState::Running);
    assert_eq!(c.resolution.warnings, vec![(75, oslo(2027, 1, 11, 15, 0))]);
    // The response clock stopped at the response, whatever happened after.
    assert_eq!(
        c.response.state,
        ClockState::Met {
            at: oslo(2027, 1, 11, 10, 30)
        }
    );
    // Solved again at 15:30: met, 3h30 of 4h used.
    t.resolutions.push(pause(oslo(2027, 1, 11, 15, 30), None));
    let c = at(&t, &cfg, oslo(2027, 1, 12, 9, 0));
    assert_eq!(
        c.resolution.state,
        ClockState::Met {
            at: oslo(2027, 1, 11, 15, 30)
        }
    );
    assert_eq!(c.resolution.used, Duration::minutes(210));
    assert_eq!(c.resolution.remaining(), Duration::minutes(30));
}

#[test]
fn states_over_a_kritisk_ticket_life() {
    let cfg = config();
    let created = oslo(2027, 1, 11, 10, 0);
    let t = ticket(&cfg, "Kritisk", created);
    let state = |t: &TrackedTicket, h: u32, m: u32| {
        let c = at(t, &cfg, oslo(2027, 1, 11, h, m));
        (c.response.state, c.resolution.state)
    };
    assert_eq!(state(&t, 10, 5), (ClockState::Running, ClockState::Running));
    // 75 % of 15m = 11m15s.
    assert_eq!(
        state(&t, 10, 12),
        (ClockState::Warning { percent: 75 }, ClockState::Running)
    );
    // At the deadline instant with no response the clock has run out.
    assert_eq!(state(&t, 10, 15).0, ClockState::Breached { stopped: None });
    assert_eq!(state(&t, 11, 30).1, ClockState::Warning { percent: 75 });
    assert_eq!(state(&t, 12, 0).1, ClockState::Breached { stopped: None });
    let c = at(&t, &cfg, oslo(2027, 1, 11, 12, 30));
    assert_eq!(c.resolution.remaining(), Duration::minutes(-30));
    assert_eq!(
        c.response.warnings,
        vec![(75, created + Duration::seconds(675))]
    );

    // Responded late, solved in time.
    let mut t2 = t.clone();
    t2.responded = Some(oslo(2027, 1, 11, 10, 20));
    t2.resolutions = vec![pause(oslo(2027, 1, 11, 11, 50), None)];
    let c = at(&t2, &cfg, oslo(2027, 1, 11, 13, 0));
    assert_eq!(
        c.response.state,
        ClockState::Breached {
            stopped: Some(oslo(2027, 1, 11, 10, 20))
        }
    );
    assert_eq!(c.response.used, Duration::minutes(20));
    assert_eq!(
        c.resolution.state,
        ClockState::Met {
            at: oslo(2027, 1, 11, 11, 50)
        }
    );
    // Met exactly at the deadline counts as met.
    let mut t3 = t.clone();
    t3.responded = Some(oslo(2027, 1, 11, 10, 15));
    assert_eq!(
        at(&t3, &cfg, oslo(2027, 1, 11, 11, 0)).response.state,
        ClockState::Met {
            at: oslo(2027, 1, 11, 10, 15)
        }
    );
}

#[test]
fn a_solved_ticket_without_a_response_has_been_answered() {
    let cfg = config();
    let mut t = ticket(&cfg, "Middels", oslo(2027, 1, 11, 10, 0));
    t.resolutions = vec![pause(oslo(2027, 1, 11, 11, 0), None)];
    let c = at(&t, &cfg, oslo(2027, 1, 20, 10, 0));
    assert_eq!(
        c.response.state,
        ClockState::Met {
            at: oslo(2027, 1, 11, 11, 0)
        }
    );
}

#[test]
fn a_breach_during_a_pause_stays_a_breach() {
    let cfg = config();
    let mut t = ticket(&cfg, "Kritisk", oslo(2027, 1, 11, 10, 0));
    t.pauses = vec![pause(oslo(2027, 1, 11, 10, 20), None)];
    let c = at(&t, &cfg, oslo(2027, 1, 11, 11, 0));
    // The response deadline (10:15) passed before the pause began.
    assert_eq!(c.response.due, oslo(2027, 1, 11, 10, 15));
    assert_eq!(c.response.state, ClockState::Breached { stopped: None });
    assert_eq!(c.resolution.state, ClockState::Paused);
    assert_eq!(c.resolution.due, oslo(2027, 1, 11, 12, 40));
}

#[test]
fn several_warning_levels_on_business_time() {
    let mut cfg = config();
    cfg.sla.get_mut("middels").unwrap().warn_at = vec![50, 75, 90];
    let created = oslo(2027, 1, 11, 10, 0);
    let t = ticket(&cfg, "Middels", created);
    let c = at(&t, &cfg, oslo(2027, 1, 13, 12, 0));
    // 22h30 × 50 % = 11h15: Mon 5h30 + Tue 5h45 → Tue 13:45.
    // × 75 % = 16h52m30s: Mon 5h30 + Tue 7h30 + Wed 3h52m30s → Wed 11:52:30.
    // × 90 % = 20h15: Mon 5h30 + Tue 7h30 + Wed 7h15 → Wed 15:15.
    assert_eq!(
        c.resolution.warnings,
        vec![
            (50, oslo(2027, 1, 12, 13, 45)),
            (75, oslo(2027, 1, 13, 11, 52) + Duration::seconds(30)),
            (90, oslo(2027, 1, 13, 15, 15)),
        ]
    );
    assert_eq!(c.resolution.state, ClockState::Warning { percent: 75 });
}

#[test]
fn no_level_means_no_clocks() {
    let cfg = config();
    let t = ticket(&cfg, "Ikke satt", oslo(2027, 1, 11, 10, 0));
    assert!(clocks(&t, &cfg, oslo(2027, 1, 11, 11, 0)).is_none());
}

#[test]
fn end_to_end_through_the_tracker() {
    // Middels at Mon 10:00, waiting on the vendor 11:00–12:00, raised to Kritisk at 11:30
    // (while paused), answered 10:10: Kritisk from creation with the paused hour kept out.
    let cfg = config();
    let created = oslo(2027, 1, 11, 10, 0);
    let s0 = snapshot(1, "Middels", created);
    let mut s1 = s0.clone();
    s1.modified = oslo(2027, 1, 11, 10, 10);
    s1.responded = Some(oslo(2027, 1, 11, 10, 10));
    let mut s2 = s1.clone();
    s2.modified = oslo(2027, 1, 11, 11, 0);
    s2.status = "Venter - leverandør".into();
    let mut s3 = s2.clone();
    s3.modified = oslo(2027, 1, 11, 11, 30);
    s3.priority = Some("Kritisk".into());
    let mut s4 = s3.clone();
    s4.modified = oslo(2027, 1, 11, 12, 0);
    s4.status = "Under arbeid".into();
    let mut t: Option<TrackedTicket> = None;
    for s in [&s0, &s1, &s2, &s3, &s4] {
        t = Some(observe(t.as_ref(), s, &cfg, s.modified).0);
    }
    let t = t.unwrap();
    let c = at(&t, &cfg, oslo(2027, 1, 11, 12, 30));
    assert_eq!(c.level, "kritisk");
    assert_eq!(c.resolution.due, oslo(2027, 1, 11, 13, 0));
    assert_eq!(c.resolution.state, ClockState::Warning { percent: 75 });
    assert_eq!(
        c.response.state,
        ClockState::Met {
            at: oslo(2027, 1, 11, 10, 10)
        }
    );
    // While it was still paused (and already Kritisk), the deadline floated with the pause.
    let mut paused = t.clone();
    paused.pauses[0].end = None;
    let c = at(&paused, &cfg, oslo(2027, 1, 11, 11, 45));
    assert_eq!(c.resolution.state, ClockState::Paused);
    assert_eq!(c.resolution.due, oslo(2027, 1, 11, 12, 45));
}
