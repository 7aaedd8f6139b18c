//! Planned changes as kommunikasjonsplan §4 asks, with the shipped config (config/slavakt.toml)
//! replayed like `simulate`: announced when registered, in Kundeservice's hours
//! (`send_within`); reminded 2 days before, in those hours too, with the true lead; a Kritisk
//! change as an announcement marked important, a Høy one as a conversation; a change cancelled in
//! Pureservice (status or field) fires `change_cancelled` and is never announced as completed.
//! And the `send_within` rule option itself: held notices, the urgent first notice it never
//! holds unless `hold_urgent`, and check-config refusing an unknown calendar.

mod plan_support;
mod sla_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use plan_support::{snapshot, World};
use slavakt::config::{Config, SendWithin, Trigger};
use slavakt::pureservice::client::{Client, ClientOptions};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket};
use slavakt::pureservice::mapping::MapSettings;
use slavakt::pureservice::Syncer;
use slavakt::scenario::{self, Action, Simulation};
use slavakt::state::SyncCursor;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn shipped() -> Config {
    slavakt::config::load_with_env(Path::new("config/slavakt.toml"), &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn simulate(text: &str) -> Simulation {
    let sc = scenario::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let sim = scenario::replay(&sc, &shipped());
    for a in &sim.actions {
        if let Err(e) = &a.message {
            panic!("{}: {e}", a.intent.key);
        }
    }
    sim
}

fn oslo(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Oslo.with_ymd_and_hms(2027, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn of<'a>(sim: &'a Simulation, rule: &str) -> Vec<&'a Action> {
    sim.actions
        .iter()
        .filter(|a| a.intent.key.rule == rule)
        .collect()
}

/// The distinct instants at which `rule` was issued.
fn times(sim: &Simulation, rule: &str) -> Vec<DateTime<Utc>> {
    let mut v: Vec<_> = of(sim, rule).iter().map(|a| a.at).collect();
    v.dedup();
    v
}

/// Every change message but the start itself goes out in Kundeservice's hours.
#[track_caller]
fn all_in_business_hours(sim: &Simulation) {
    let cfg = shipped();
    let cal = cfg.calendar("kundeservice").unwrap();
    for a in &sim.actions {
        if a.intent.key.rule != "change-started" {
            assert!(
                cal.is_open(a.at),
                "{} at {} (closed)",
                a.intent.key,
                a.at.with_timezone(&Oslo)
            );
        }
    }
}

#[test]
fn registered_eleven_days_ahead_is_announced_that_day_and_reminded_two_days_before_in_business_hours(
) {
    // Registered Friday 9 April 10:00 for Tuesday 20 April 22:00–23:30: the reminder is due
    // 2 days before, at 22:00 on Sunday 18 April, when nobody is at work.
    let sim = simulate(
        r#"
until = "2027-04-22T12:00:00+02:00"

[[event]]
at = "2027-04-09T10:00:00+02:00"
ticket = 7001
kind = "created"
type = "change"
priority = "Middels"
service = "Gerica"
subject = "Oppgradering av Gerica"
planned_start = "2027-04-20T22:00:00+02:00"
planned_end = "2027-04-20T23:30:00+02:00"

[[event]]
at = "2027-04-20T23:20:00+02:00"
ticket = 7001
kind = "resolved"
"#,
    );
    // Announced the day it was registered, at once (it is within business hours).
    assert_eq!(times(&sim, "change-notice"), [oslo(4, 9, 10, 0)]);
    // Reminded at the next opening after the Sunday-evening due time: Monday 08:00.
    assert_eq!(times(&sim, "change-reminder"), [oslo(4, 19, 8, 0)]);
    assert!(
        sim.actions.iter().all(|a| a.at != oslo(4, 18, 22, 0)),
        "nothing at 22:00 on a Sunday"
    );
    // The reminder says the true lead (38 hours: "om 2 dager"), not the rule's "2d".
    let reminder = of(&sim, "change-reminder")[0].message.as_ref().unwrap();
    assert!(reminder.text.contains("om 2 dager"), "{}", reminder.text);
    // The start is posted at the start; the completion waits for Wednesday 08:00.
    assert_eq!(times(&sim, "change-started"), [oslo(4, 20, 22, 0)]);
    assert_eq!(times(&sim, "change-completed"), [oslo(4, 21, 8, 0)]);
    all_in_business_hours(&sim);
    // §4: IK Varsling, Interne driftsmeldinger, the intranet and an internal note.
    let mut channels: Vec<&str> = of(&sim, "change-notice")
        .iter()
        .map(|a| a.intent.key.channel.as_str())
        .collect();
    channels.sort();
    assert_eq!(
        channels,
        [
            "intranet",
            "pureservice_note",
            "teams:driftsmeldinger",
            "teams:ik_varsling"
        ]
    );
    assert!(sim.actions.iter().all(|a| !a.intent.late));
}

#[test]
fn registered_at_22_on_a_sunday_is_announced_at_8_on_monday() {
    let sim = simulate(
        r#"
until = "2027-04-23T00:00:00+02:00"

[[event]]
at = "2027-04-11T22:00:00+02:00"
ticket = 7002
kind = "created"
type = "change"
priority = "Middels"
service = "Gerica"
subject = "Oppgradering av Gerica"
planned_start = "2027-04-22T22:00:00+02:00"
planned_end = "2027-04-22T23:00:00+02:00"
"#,
    );
    assert_eq!(times(&sim, "change-notice"), [oslo(4, 12, 8, 0)]);
    // Due Tuesday 22:00, sent Wednesday 08:00.
    assert_eq!(times(&sim, "change-reminder"), [oslo(4, 21, 8, 0)]);
    all_in_business_hours(&sim);
    assert!(of(&sim, "change-short-notice").is_empty());
}

#[test]
fn a_notice_is_never_held_past_the_start_of_the_change() {
    // Registered Saturday 10:00 for Monday 06:00: Kundeservice opens only after the start, so
    // the (short-notice) announcement goes out at once rather than after the downtime.
    let sim = simulate(
        r#"
until = "2027-04-12T12:00:00+02:00"

[[event]]
at = "2027-04-10T10:00:00+02:00"
ticket = 7003
kind = "created"
type = "change"
priority = "Middels"
service = "Nettverk"
subject = "Bytte av kjernesvitsj"
planned_start = "2027-04-12T06:00:00+02:00"
planned_end = "2027-04-12T07:00:00+02:00"
"#,
    );
    assert_eq!(times(&sim, "change-notice"), [oslo(4, 10, 10, 0)]);
    assert_eq!(times(&sim, "change-short-notice"), [oslo(4, 10, 10, 0)]);
    assert_eq!(times(&sim, "change-started"), [oslo(4, 12, 6, 0)]);
}

fn change_scenario(priority: &str) -> String {
    format!(
        r#"
until = "2027-04-06T12:00:00+02:00"

[[event]]
at = "2027-04-05T09:00:00+02:00"
ticket = 7010
kind = "created"
type = "change"
priority = "{priority}"
service = "Gerica"
subject = "Oppgradering av Gerica"
planned_start = "2027-04-15T18:00:00+02:00"
planned_end = "2027-04-15T20:00:00+02:00"
"#
    )
}

#[test]
fn a_kritisk_change_is_an_important_announcement_a_hoy_change_a_conversation() {
    for (priority, important) in [("Kritisk", true), ("Høy", false), ("Middels", false)] {
        let sim = simulate(&change_scenario(priority));
        let teams: Vec<&Action> = of(&sim, "change-notice")
            .into_iter()
            .filter(|a| a.intent.key.channel == "teams:ik_varsling")
            .collect();
        assert_eq!(teams.len(), 1, "{priority}");
        assert_eq!(teams[0].intent.important, important, "{priority}");
        // The Teams channels show it: a Kritisk post starts with the ⚠ KRITISK banner (a
        // Workflows card cannot be marked important) or carries importance "high" (Graph).
        let m = teams[0].message.as_ref().unwrap();
        assert_eq!(m.important, important, "{priority}");
        assert_eq!(
            slavakt::notify::teams::urgency_label(m).is_some(),
            important,
            "{priority}"
        );
    }
}

#[test]
fn cancelled_then_closed_sends_change_cancelled_and_never_change_completed() {
    let sim = simulate(
        r#"
until = "2027-04-20T12:00:00+02:00"

[[event]]
at = "2027-04-05T09:00:00+02:00"
ticket = 7020
kind = "created"
type = "change"
priority = "Høy"
service = "Gerica"
subject = "Oppgradering av Gerica"
planned_start = "2027-04-15T18:00:00+02:00"
planned_end = "2027-04-15T20:00:00+02:00"

[[event]]
at = "2027-04-08T11:00:00+02:00"
ticket = 7020
kind = "cancelled"

[[event]]
at = "2027-04-08T11:30:00+02:00"
ticket = 7020
kind = "resolved"
"#,
    );
    assert_eq!(times(&sim, "change-cancelled"), [oslo(4, 8, 11, 0)]);
    assert!(of(&sim, "change-completed").is_empty());
    assert!(of(&sim, "change-reminder").is_empty());
    assert!(of(&sim, "change-started").is_empty());
}

// ── Cancelled in Pureservice: by status or by field ────────────────────────────────────────

fn t0() -> DateTime<Utc> {
    oslo(4, 5, 9, 0)
}

/// A change ticket in the fake Pureservice, planned for 15 April 18:00 (cf_5/cf_6 as shipped).
fn new_change(f: &FakePureservice) -> u64 {
    let mut custom = BTreeMap::new();
    custom.insert("cf_5".into(), serde_json::json!("2027-04-15T16:00:00Z"));
    custom.insert("cf_6".into(), serde_json::json!("2027-04-15T18:00:00Z"));
    f.create_ticket(NewTicket {
        subject: "Oppgradering av Gerica".into(),
        priority: Some("Middels".into()),
        requester: Some(101),
        request_type: Some(2),
        custom,
        created: Some(t0()),
        ..Default::default()
    })
    .unwrap()
}

/// Syncs the fake with the shipped `[pureservice]` mapping, feeds every changed ticket to the
/// world at `now` and ticks: the rules issued.
async fn step(
    f: &FakePureservice,
    sync: &mut Syncer,
    cursor: &mut SyncCursor,
    w: &mut World,
    now: DateTime<Utc>,
) -> Vec<String> {
    let out = sync.cycle(cursor, now).await.unwrap();
    *cursor = out.cursor.clone();
    for s in &out.changed {
        w.observe(s, now);
    }
    let _ = f;
    let mut rules: Vec<String> = w
        .tick(now)
        .intents
        .iter()
        .map(|i| i.key.rule.clone())
        .collect();
    rules.dedup();
    rules
}

async fn pureservice_world() -> (FakePureservice, slavakt::clock::FakeClock, Syncer, World) {
    let clock = slavakt::clock::FakeClock::new(t0());
    let f = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .unwrap();
    // A status Pureservice closes a cancelled change with (the seed has none).
    f.with_store(|s| {
        let mut obj = serde_json::Map::new();
        obj.insert("name".into(), "Avbrutt".into());
        obj.insert("coreStatus".into(), 60.into());
        s.insert("status", 50, obj)
    });
    let cfg = shipped();
    let mut ps = f.config();
    ps.priorities = cfg.pureservice.priorities.clone();
    ps.cancelled_statuses = cfg.pureservice.cancelled_statuses.clone();
    ps.fields = cfg.pureservice.fields.clone();
    ps.fields.cancelled = Some("cf_11".into());
    ps.sync = slavakt::config::SyncSetting::Modified;
    let client = Client::with_options(&ps, ClientOptions::default()).unwrap();
    let sync = Syncer::from_settings(
        client,
        MapSettings {
            pureservice: ps,
            municipalities: cfg.municipalities.clone(),
            services: cfg.services.clone(),
        },
    );
    let mut w_cfg = cfg;
    // Every hour open: this test is about where the cancellation comes from.
    for r in &mut w_cfg.plan {
        r.hold = None;
    }
    (f, clock, sync, World::new(w_cfg))
}

#[tokio::test]
async fn a_change_closed_with_a_cancelled_status_in_pureservice_is_cancelled_not_completed() {
    let (f, clock, mut sync, mut w) = pureservice_world().await;
    let id = new_change(&f);
    let mut cursor = SyncCursor::default();
    assert_eq!(
        step(&f, &mut sync, &mut cursor, &mut w, t0()).await,
        ["change-notice"]
    );
    // Two days later it is closed as "Avbrutt" (closed, resolved time set).
    let later = t0() + Duration::days(2);
    clock.set(later);
    f.update_ticket(id, serde_json::json!({ "resolved": later.to_rfc3339() }));
    f.set_status(id, "Avbrutt");
    assert_eq!(
        step(&f, &mut sync, &mut cursor, &mut w, later).await,
        ["change-cancelled"]
    );
    let ticket = w.tickets.get(&id).unwrap();
    assert!(ticket.change.as_ref().unwrap().cancelled);
    // Nothing more: no reminder, no start, never "completed".
    for h in [1, 24, 24 * 8, 24 * 12] {
        let now = later + Duration::hours(h);
        clock.set(now);
        assert!(step(&f, &mut sync, &mut cursor, &mut w, now)
            .await
            .is_empty());
    }
}

#[tokio::test]
async fn a_change_marked_cancelled_in_a_field_is_cancelled_and_its_closing_is_not_a_completion() {
    let (f, clock, mut sync, mut w) = pureservice_world().await;
    let id = new_change(&f);
    let mut cursor = SyncCursor::default();
    assert_eq!(
        step(&f, &mut sync, &mut cursor, &mut w, t0()).await,
        ["change-notice"]
    );
    // "false" in the field is not a cancellation.
    let t1 = t0() + Duration::hours(3);
    clock.set(t1);
    f.update_ticket(id, serde_json::json!({ "cf_11": "false" }));
    assert!(step(&f, &mut sync, &mut cursor, &mut w, t1)
        .await
        .is_empty());
    let t2 = t0() + Duration::days(1);
    clock.set(t2);
    f.update_ticket(id, serde_json::json!({ "cf_11": true }));
    assert_eq!(
        step(&f, &mut sync, &mut cursor, &mut w, t2).await,
        ["change-cancelled"]
    );
    // Later closed the ordinary way ("Løst"): still no completion notice.
    let t3 = t0() + Duration::days(2);
    clock.set(t3);
    f.update_ticket(id, serde_json::json!({ "resolved": t3.to_rfc3339() }));
    f.set_status(id, "Løst");
    assert!(step(&f, &mut sync, &mut cursor, &mut w, t3)
        .await
        .is_empty());
}

// ── The `send_within` option itself ─────────────────────────────────────────────────────────

/// The plan test config with one `opened` rule for `prios`, held to Kundeservice's hours.
fn held_opened(prios: &[&str], urgent: bool) -> World {
    let mut cfg = plan_support::config();
    let mut r = plan_support::rule(
        "held",
        prios,
        Trigger::Opened,
        &["role:incident_manager"],
        &["email"],
        "incident_alert",
    );
    r.hold = Some(SendWithin {
        calendar: "kundeservice".into(),
        urgent,
    });
    cfg.plan = vec![r];
    World::new(cfg)
}

/// Saturday 20 March 2027, 02:00 in Oslo.
fn saturday_night() -> DateTime<Utc> {
    plan_support::oslo(2027, 3, 20, 2, 0)
}

#[test]
fn send_within_never_holds_the_first_notice_of_a_kritisk_or_hoy_incident() {
    for level in ["Kritisk", "Høy"] {
        let mut w = held_opened(&["kritisk", "hoy"], false);
        w.observe(&snapshot(1, level, saturday_night()), saturday_night());
        let ev = w.tick(saturday_night());
        assert_eq!(ev.intents.len(), 1, "{level}");
        assert_eq!(ev.intents[0].due_at, saturday_night());
    }
}

#[test]
fn send_within_holds_a_middels_first_notice_and_with_hold_urgent_a_kritisk_one() {
    let monday = oslo(3, 22, 8, 0);
    for (prios, level, urgent) in [
        (&["middels"][..], "Middels", false),
        (&["kritisk"][..], "Kritisk", true),
    ] {
        let mut w = held_opened(prios, urgent);
        w.observe(&snapshot(1, level, saturday_night()), saturday_night());
        let ev = w.tick(saturday_night());
        assert!(ev.intents.is_empty(), "{level}: held");
        assert_eq!(ev.next_due, Some(monday), "{level}: wakes at the opening");
        assert!(w.tick(monday - Duration::minutes(1)).intents.is_empty());
        let ev = w.tick(monday);
        assert_eq!(ev.intents.len(), 1, "{level}");
        assert_eq!(ev.intents[0].due_at, monday);
        assert!(!ev.intents[0].late);
        // Released once.
        assert!(w.tick(monday + Duration::hours(1)).intents.is_empty());
    }
}

fn config_error(text: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    match slavakt::config::from_str(text, &dir.path().join("slavakt.toml"), &BTreeMap::new()) {
        Ok(_) => panic!("config should be invalid"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn check_config_refuses_an_unknown_send_within_calendar_and_a_lone_hold_urgent() {
    let text = std::fs::read_to_string("config/slavakt.toml").unwrap();
    let from = "id = \"change-reminder\"\nwhen = { change_starts_in = \"2d\" }\nvia = [\"teams:ik_varsling\", \"teams:driftsmeldinger\", \"intranet\"]\ntemplate = \"change_reminder\"\nsend_within = \"kundeservice\"";
    assert!(text.contains(from), "test setup");
    let e =
        config_error(&text.replacen(from, &from.replace("\"kundeservice\"", "\"kontortid\""), 1));
    assert!(e.contains("send_within"), "{e}");
    assert!(e.contains("unknown calendar \"kontortid\""), "{e}");
    assert!(
        e.contains("kundeservice"),
        "the hint names the calendars: {e}"
    );
    let e = config_error(&text.replacen(
        from,
        &from.replace("send_within = \"kundeservice\"", "hold_urgent = true"),
        1,
    ));
    assert!(e.contains("hold_urgent"), "{e}");
    // important_for names SLA levels.
    let notice = "important_for = [\"kritisk\"]";
    assert!(text.contains(notice), "test setup");
    let e = config_error(&text.replacen(notice, "important_for = [\"Kritisk!\"]", 1));
    assert!(e.contains("important_for[0]"), "{e}");
    assert!(e.contains("unknown SLA level"), "{e}");
}
