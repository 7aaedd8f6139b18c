//! `classify::evaluate`: the classified note and notices, the mismatch notice, and suspected
//! major incidents (clusters) — each exactly once, asked of the ledger like the plan engine.

use crate::kit::classify as classify_support;

use chrono::{DateTime, Duration, Utc};
use classify_support::{assignee, config, oslo, ticket};
use slavakt::classify;
use slavakt::config::Config;
use slavakt::ledger::Ledger;
use slavakt::plan::{Evaluation, Reason};
use slavakt::ticket::{TicketId, TicketSnapshot, TrackedTicket};
use std::collections::BTreeMap;

/// The daemon's cycle: observe each snapshot (classified), evaluate, record.
struct World {
    cfg: Config,
    tickets: BTreeMap<TicketId, TrackedTicket>,
    ledger: Ledger,
}

impl World {
    fn new(cfg: Config) -> World {
        World {
            cfg,
            tickets: BTreeMap::new(),
            ledger: Ledger::default(),
        }
    }
    fn see(&mut self, s: &TicketSnapshot, now: DateTime<Utc>) {
        let (t, _, _) = classify::observe(self.tickets.get(&s.id), s, &self.cfg, now);
        self.tickets.insert(s.id, t);
    }
    fn tick(&mut self, now: DateTime<Utc>) -> Evaluation {
        let ev = classify::evaluate(&self.tickets, &self.ledger, &self.cfg, now);
        ev.record(&mut self.ledger, now);
        ev
    }
}

fn keys(ev: &Evaluation) -> Vec<String> {
    ev.intents
        .iter()
        .map(|i| format!("{} {} {}", i.key.rule, i.key.channel, i.recipient.address))
        .collect()
}

fn patient_alarm(id: u64, at: DateTime<Utc>) -> TicketSnapshot {
    let mut s = ticket(id, "Pasientvarsling nede", "", at);
    s.service = Some("Sensio Pasientvarsling".into());
    s
}

#[test]
fn classified_ticket_gets_a_note_and_a_notice_once() {
    let mut w = World::new(config());
    let created = oslo(2027, 3, 24, 10, 0); // business hours: varslingsansvarlig in person
    w.see(&patient_alarm(1, created), created);
    let ev = w.tick(created);
    assert_eq!(
        keys(&ev),
        vec![
            "classify:liv-og-helse-nede email ingrid@ror-ikt.example",
            "classify:liv-og-helse-nede email vegard@ror-ikt.example",
            "classify:liv-og-helse-nede pureservice_note pureservice_note",
        ]
    );
    for i in &ev.intents {
        assert_eq!(i.reason, Reason::Classified);
        assert_eq!(i.template, "classified");
        assert_eq!(i.due_at, created);
        assert_eq!(i.key.ticket, 1);
        assert_eq!(i.vars["level"], "kritisk");
        assert_eq!(i.vars["level_label"], "Kritisk");
        assert_eq!(i.vars["action"], "suggest");
        assert!(
            i.vars["reasons"].contains("Liv og Helse"),
            "{}",
            i.vars["reasons"]
        );
    }
    assert!(ev.findings.is_empty(), "{:?}", ev.findings);
    // Re-evaluating, and a later poll of the same ticket: nothing new.
    assert!(w.tick(created + Duration::minutes(1)).intents.is_empty());
    let mut again = patient_alarm(1, created);
    again.modified = created + Duration::minutes(2);
    w.see(&again, again.modified);
    assert!(w.tick(again.modified).intents.is_empty());
}

#[test]
fn off_hours_the_stand_in_is_told() {
    let mut w = World::new(config());
    let created = oslo(2027, 3, 24, 15, 45); // after 15:30: vakthavende stands in
    w.see(&patient_alarm(2, created), created);
    let ev = w.tick(created);
    let to: Vec<String> = ev
        .intents
        .iter()
        .map(|i| i.recipient.address.clone())
        .collect();
    assert!(to.contains(&"vilde@ror-ikt.example".to_string()), "{to:?}");
    assert!(
        !to.contains(&"vegard@ror-ikt.example".to_string()),
        "{to:?}"
    );
}

#[test]
fn default_level_only_writes_the_note() {
    let mut cfg = config();
    cfg.classify.default_level = Some("lav".into());
    let mut w = World::new(cfg);
    let created = oslo(2027, 3, 24, 10, 0);
    w.see(
        &ticket(3, "Skriveren er tom for toner", "", created),
        created,
    );
    assert_eq!(w.tickets[&3].level(), Some("lav"));
    let ev = w.tick(created);
    assert_eq!(
        keys(&ev),
        vec!["classify:default pureservice_note pureservice_note"]
    );
}

#[test]
fn mismatch_tells_assignee_and_incident_manager_once() {
    let mut w = World::new(config());
    let created = oslo(2027, 3, 24, 10, 0);
    let mut s = ticket(
        4,
        "Pasientvarsling",
        "Alarmene virker ikke på avdeling 2",
        created,
    );
    s.service = Some("Sensio Pasientvarsling".into());
    s.priority = Some("Middels".into());
    s.assignee = Some(assignee());
    w.see(&s, created + Duration::seconds(30));
    let ev = w.tick(created + Duration::seconds(30));
    assert_eq!(
        keys(&ev),
        vec![
            "mismatch:liv-og-helse-nede email aksel@ror-ikt.example",
            "mismatch:liv-og-helse-nede email ingrid@ror-ikt.example",
        ]
    );
    let i = &ev.intents[0];
    assert_eq!(i.reason, Reason::Mismatch);
    assert_eq!(i.template, "mismatch");
    assert_eq!(i.vars["priority"], "Middels");
    assert_eq!(i.vars["level_label"], "Kritisk");
    assert_eq!(w.tickets[&4].level(), Some("middels"), "priority untouched");
    // Later polls with the same mismatch: nothing more.
    let mut s2 = s.clone();
    s2.modified = created + Duration::minutes(5);
    w.see(&s2, s2.modified);
    assert!(w.tick(s2.modified).intents.is_empty());
}

fn outage_report(id: u64, at: DateTime<Utc>) -> TicketSnapshot {
    // Worded so that no rule matches (these are counted, not classified).
    let mut s = ticket(id, &format!("Melding fra bruker {id}"), "", at);
    s.service = Some("Gerica".into());
    s.priority = Some("Lav".into());
    s
}

#[test]
fn five_tickets_in_ten_minutes_raise_one_cluster_alert_then_an_update() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 9, 0);
    let mut all = Vec::new();
    // Four tickets: no cluster yet.
    for (n, min) in [(11, 0), (12, 2), (13, 4), (14, 6)] {
        let at = t0 + Duration::minutes(min);
        w.see(&outage_report(n, at), at);
        all.extend(w.tick(at).intents);
    }
    assert!(all.is_empty(), "{all:?}");
    // The fifth within ten minutes of the first: one alert, to the notify roles.
    let at5 = t0 + Duration::minutes(8);
    w.see(&outage_report(15, at5), at5);
    let ev = w.tick(at5);
    assert_eq!(
        keys(&ev),
        vec![
            "cluster:service:Gerica email ingrid@ror-ikt.example",
            "cluster:service:Gerica email vegard@ror-ikt.example",
        ]
    );
    let alert = &ev.intents[0];
    assert_eq!(alert.reason, Reason::Cluster);
    assert_eq!(alert.template, "cluster");
    assert_eq!(
        alert.key.ticket, 11,
        "keyed on the first ticket of the cluster"
    );
    assert_eq!(alert.key.occurrence, 1);
    assert_eq!(alert.due_at, at5);
    assert_eq!(alert.vars["count"], "5");
    assert_eq!(alert.vars["service"], "Gerica");
    assert_eq!(alert.vars["window"], "10 minutter");
    assert_eq!(
        alert.vars["tickets"],
        "#20011, #20012, #20013, #20014, #20015"
    );
    assert!(!alert.vars.contains_key("update"));
    // Re-evaluating: nothing new.
    assert!(w.tick(at5 + Duration::minutes(1)).intents.is_empty());
    // A sixth ticket: not a repeat at once; the update comes one window after the alert.
    let at6 = t0 + Duration::minutes(11);
    w.see(&outage_report(16, at6), at6);
    let ev = w.tick(at6);
    assert!(ev.intents.is_empty(), "{:?}", keys(&ev));
    assert_eq!(ev.next_due, Some(at5 + Duration::minutes(10)));
    let ev = w.tick(at5 + Duration::minutes(10));
    assert_eq!(ev.intents.len(), 2);
    let upd = &ev.intents[0];
    assert_eq!(upd.key.occurrence, 2);
    assert_eq!(upd.key.ticket, 11);
    assert_eq!(upd.vars["update"], "true");
    assert_eq!(upd.vars["count"], "6");
    assert_eq!(upd.vars["new_tickets"], "#20016");
    assert_eq!(upd.vars["previous_count"], "5");
    // Nothing more until another ticket joins.
    let ev = w.tick(at5 + Duration::minutes(30));
    assert!(ev.intents.is_empty() && ev.next_due.is_none());
}

#[test]
fn slow_trickle_is_no_cluster_and_a_gap_ends_one() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 9, 0);
    // Five tickets nine minutes apart: chained, but never five within ten minutes.
    for k in 0..5 {
        let at = t0 + Duration::minutes(9 * k);
        w.see(&outage_report(20 + k as u64, at), at);
        assert!(w.tick(at).intents.is_empty());
    }
    // A burst much later is a new cluster of its own (five again), alerted once.
    let t1 = t0 + Duration::hours(3);
    let mut alerts = 0;
    for k in 0..5 {
        let at = t1 + Duration::minutes(k);
        w.see(&outage_report(30 + k as u64, at), at);
        alerts += w
            .tick(at)
            .intents
            .iter()
            .filter(|i| i.key.occurrence == 1)
            .count();
    }
    assert_eq!(alerts, 2, "one alert, to two people");
}

#[test]
fn same_municipality_and_category_without_a_service() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 9, 0);
    let mut last = Evaluation::default();
    for k in 0..5u64 {
        let at = t0 + Duration::minutes(k as i64);
        let mut s = ticket(40 + k, &format!("Nett {k}"), "", at);
        s.category = Some("Trådløst nett".into());
        s.priority = Some("Lav".into());
        w.see(&s, at);
        last = w.tick(at);
    }
    assert_eq!(last.intents.len(), 2);
    assert_eq!(
        last.intents[0].key.rule,
        "cluster:municipality:Molde:category:Trådløst nett"
    );
    assert_eq!(last.intents[0].vars["service"], "Trådløst nett (Molde)");
}

#[test]
fn a_flood_of_classified_tickets_becomes_one_digest_per_recipient() {
    let mut cfg = config();
    cfg.daemon.storm_limit = 3;
    cfg.classify.cluster_size = 50; // only storm control here
    let mut w = World::new(cfg);
    let t0 = oslo(2027, 3, 24, 10, 0);
    for k in 0..6u64 {
        w.see(&patient_alarm(60 + k, t0), t0);
    }
    let ev = w.tick(t0);
    let to_ingrid: Vec<_> = ev
        .intents
        .iter()
        .filter(|i| i.recipient.address == "ingrid@ror-ikt.example")
        .collect();
    assert_eq!(to_ingrid.len(), 1, "{:?}", keys(&ev));
    let d = to_ingrid[0];
    assert_eq!(d.reason, Reason::Digest);
    assert_eq!(d.key.rule, "classify-digest");
    assert_eq!(d.vars["count"], "6");
    // Notes on each ticket are never merged.
    let notes = ev
        .intents
        .iter()
        .filter(|i| i.key.channel == "pureservice_note")
        .count();
    assert_eq!(notes, 6);
    assert_eq!(ev.digested.len(), 12);
    assert!(ev
        .digested
        .iter()
        .all(|i| i.vars["digest"].contains("/classify-digest/")));
    // Recorded: nothing again.
    assert!(w.tick(t0 + Duration::minutes(1)).intents.is_empty());
}
