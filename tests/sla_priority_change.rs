//! `[sla] on_priority_change`: the re-plan rule when a ticket's priority changes, a reading of
//! SLA §5.6 to confirm with the service desk (docs/SLA.md). A Middels ticket raised to Kritisk
//! after 40 minutes: under `from_creation` (the default) the Kritisk deadlines count from the
//! creation, so the 15-minute response is breached at the raise; under `from_raise` they count
//! from the raise. Through the real tracker, SLA clocks, plan engine and config loading.

mod plan_support;
mod sla_support;

use chrono::{DateTime, Duration, Utc};
use plan_support::World;
use slavakt::config::{Config, OnPriorityChange};
use slavakt::sla::ClockState;
use std::collections::BTreeMap;

/// Wednesday 24 March 2027, 10:00 in Oslo (Kundeservice is open).
fn created() -> DateTime<Utc> {
    plan_support::oslo(2027, 3, 24, 10, 0)
}

fn raised() -> DateTime<Utc> {
    created() + Duration::minutes(40)
}

fn config(mode: OnPriorityChange) -> Config {
    let mut c = sla_support::config();
    c.on_priority_change = mode;
    c
}

/// The ticket created Middels, raised to Kritisk 40 minutes later, nobody has answered.
fn world(mode: OnPriorityChange) -> World {
    let mut w = World::new(config(mode));
    let mut s = plan_support::snapshot(1, "Middels", created());
    s.assignee = Some(slavakt::ticket::Person {
        name: "Per Testesen".into(),
        email: Some("per.testesen@ror-ikt.example".into()),
        phone: None,
    });
    w.observe(&s, created());
    assert!(w
        .tick(created())
        .intents
        .iter()
        .all(|i| i.key.rule != "sla-response-breached"));
    let mut up = s.clone();
    up.priority = Some("Kritisk".into());
    up.modified = raised();
    w.observe(&up, raised());
    w
}

fn breaches(ev: &slavakt::plan::Evaluation) -> Vec<(String, DateTime<Utc>)> {
    let mut v: Vec<(String, DateTime<Utc>)> = ev
        .intents
        .iter()
        .filter(|i| i.key.rule == "sla-response-breached")
        .map(|i| (i.key.rule.clone(), i.due_at))
        .collect();
    v.dedup();
    v
}

#[test]
fn from_creation_breaches_the_kritisk_response_at_the_raise() {
    let mut w = world(OnPriorityChange::FromCreation);
    let t = w.tickets.get(&1).unwrap().clone();
    let c = slavakt::sla::clocks(&t, &w.config, raised()).unwrap();
    assert_eq!(c.level, "kritisk");
    assert_eq!(c.response.due, created() + Duration::minutes(15));
    assert_eq!(c.resolution.due, created() + Duration::hours(2));
    assert_eq!(c.response.state, ClockState::Breached { stopped: None });
    // The engine tells the owner at the raise that the (re-planned) response was due at 10:15.
    let ev = w.tick(raised());
    assert_eq!(
        breaches(&ev),
        [(
            "sla-response-breached".to_string(),
            created() + Duration::minutes(15)
        )]
    );
}

#[test]
fn from_raise_counts_the_kritisk_deadlines_from_the_raise() {
    let mut w = world(OnPriorityChange::FromRaise);
    let t = w.tickets.get(&1).unwrap().clone();
    let c = slavakt::sla::clocks(&t, &w.config, raised()).unwrap();
    assert_eq!(c.response.due, raised() + Duration::minutes(15));
    assert_eq!(c.resolution.due, raised() + Duration::hours(2));
    assert_eq!(c.response.state, ClockState::Running);
    assert!(breaches(&w.tick(raised())).is_empty());
    assert!(breaches(&w.tick(raised() + Duration::minutes(14))).is_empty());
    // Unanswered 15 minutes after the raise: breached then.
    let due = raised() + Duration::minutes(15);
    assert_eq!(
        breaches(&w.tick(due)),
        [("sla-response-breached".to_string(), due)]
    );
    // `explain` counts from the raise too.
    let e = slavakt::sla::explain_ticket(&t, &w.config, raised()).unwrap();
    assert_eq!(e.counting_starts, raised());
}

#[test]
fn from_raise_keeps_the_raise_when_lowered_and_ignores_a_first_level() {
    let cfg = config(OnPriorityChange::FromRaise);
    let mut w = World::new(cfg.clone());
    // Created without a priority, given Middels after 10 minutes: not a raise.
    let mut s = plan_support::snapshot(2, "Ikke satt", created());
    s.priority = None;
    w.observe(&s, created());
    let at = |m: i64| created() + Duration::minutes(m);
    for (m, p) in [(10, "Middels"), (40, "Kritisk"), (60, "Høy")] {
        s.priority = Some(p.into());
        s.modified = at(m);
        w.observe(&s, at(m));
    }
    let t = w.tickets.get(&2).unwrap();
    assert_eq!(slavakt::sla::clock_start(t, &cfg), at(40));
    let c = slavakt::sla::clocks(t, &cfg, at(61)).unwrap();
    assert_eq!(c.level, "hoy");
    assert_eq!(c.response.due, at(40) + Duration::hours(1));
    // Under the default the same history counts from the creation.
    let dflt = config(OnPriorityChange::FromCreation);
    assert_eq!(slavakt::sla::clock_start(t, &dflt), created());
}

fn load(extra: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string("config/slavakt.toml").unwrap();
    let line = "on_priority_change = \"from_creation\"";
    assert!(text.contains(line), "test setup");
    let text = text.replacen(line, extra, 1);
    let dir = tempfile::tempdir().unwrap();
    slavakt::config::from_str(&text, &dir.path().join("slavakt.toml"), &BTreeMap::new())
        .map_err(|e| e.to_string())
}

#[test]
fn on_priority_change_is_read_from_the_sla_table_and_checked() {
    assert_eq!(
        sla_support::config().on_priority_change,
        OnPriorityChange::FromCreation,
        "the shipped default keeps today's behaviour"
    );
    let c = load("on_priority_change = \"from_raise\"").unwrap();
    assert_eq!(c.on_priority_change, OnPriorityChange::FromRaise);
    // The levels are still all there: the key is not taken for a level.
    assert_eq!(c.sla.len(), 4);
    let c = load("on_priority_change = \"from_creation\"").unwrap();
    assert_eq!(c.on_priority_change, OnPriorityChange::FromCreation);
    let e = load("on_priority_change = \"from_change\"").unwrap_err();
    assert!(e.contains("sla.on_priority_change"), "{e}");
    assert!(e.contains("from_raise"), "the hint names the choices: {e}");
    let e = load("on_priority_change = true").unwrap_err();
    assert!(e.contains("sla.on_priority_change"), "{e}");
}
