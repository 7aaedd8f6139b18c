//! The plan engine over hand-built tickets (observed through the real tracker): opening rules,
//! off-hours stand-ins, catch-up after downtime, idempotency, notified, findings, storm control.

use crate::kit::plan as plan_support;
use crate::kit::sla as sla_support;

use chrono::Duration;
use plan_support::*;
use slavakt::ledger::DeliveryStatus;
use slavakt::plan::Reason;
use slavakt::ticket::{CoreStatus, Person, TicketSnapshot};

fn kritisk(id: u64, at: chrono::DateTime<chrono::Utc>) -> TicketSnapshot {
    let mut s = snapshot(id, "Kritisk", at);
    s.assignee = Some(Person {
        name: "Per Saksbehandler".into(),
        email: Some("per@ikt.example".into()),
        phone: None,
    });
    s
}

fn opening_lines(varsling_email: &str, varsling_phone: &str) -> Vec<String> {
    let mut v: Vec<String> = [
        "incident-open-alert email im@ikt.example",
        &format!("incident-open-alert email {varsling_email}"),
        "incident-open-alert sms +4790000101",
        &format!("incident-open-alert sms {varsling_phone}"),
        "incident-open-admin email siri@ikt.example",
        "incident-open-admin email koord@ikt.example",
        "incident-driftsmelding teams:driftsmeldinger teams:driftsmeldinger",
        "incident-driftsmelding intranet intranet",
        "incident-driftsmelding pureservice_note pureservice_note",
        "kritisk-announcement teams:ik_varsling teams:ik_varsling",
        "kritisk-municipality sms +4790000201",
        "kritisk-municipality sms +4790000202",
        "kritisk-municipality email mona@molde.example",
        "kritisk-municipality email morten@molde.example",
        "kritisk-leadership email drift@ikt.example",
        "kritisk-leadership email tu@ikt.example",
        "kritisk-leadership email dl@ikt.example",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.sort();
    v
}

#[test]
fn kritisk_in_office_hours_fires_every_opening_rule_once() {
    let mut w = World::new(config());
    let at = oslo(2027, 3, 24, 10, 0); // Wednesday
    w.observe(&kritisk(1, at), at);
    let ev = w.tick(at);
    assert_eq!(
        lines(&ev),
        opening_lines("varsling@ikt.example", "+4790000102")
    );
    assert!(ev.findings.is_empty(), "{:?}", ev.findings);
    assert!(ev
        .intents
        .iter()
        .all(|i| i.reason == Reason::Opened && !i.late));
    let important: Vec<_> = ev
        .intents
        .iter()
        .filter(|i| i.important)
        .map(|i| i.key.rule.as_str())
        .collect();
    assert!(important
        .iter()
        .all(|r| *r == "kritisk-announcement" || *r == "kritisk-municipality"));
    assert_eq!(important.len(), 5);
    // The shared-channel posts name the channel as audience.
    let post = ev
        .intents
        .iter()
        .find(|i| i.key.channel == "intranet")
        .unwrap();
    assert_eq!(post.audience, "channel");
    // Idempotent: the same instant again, or a minute later, issues nothing new.
    assert!(w.tick(at).intents.is_empty());
    let next = w.tick(at + Duration::minutes(1));
    assert!(next.intents.is_empty(), "{:?}", lines(&next));
    // The next thing due is the hourly status (before the 75 % warning at 90 min).
    assert_eq!(next.next_due, Some(at + Duration::hours(1)));
}

#[test]
fn saturday_night_the_on_call_person_stands_in() {
    let mut w = World::new(config());
    let at = oslo(2027, 3, 27, 3, 0); // Saturday 03:00
    w.observe(&kritisk(1, at), at);
    let ev = w.tick(at);
    assert_eq!(lines(&ev), opening_lines("vakt@ikt.example", "+4790000103"));
    let stand_in = ev
        .intents
        .iter()
        .find(|i| i.recipient.address == "vakt@ikt.example")
        .unwrap();
    assert_eq!(stand_in.audience, "role:varslingsansvarlig");
    assert_eq!(stand_in.recipient.name, "Vidar Vakt");
}

#[test]
fn hourly_status_until_resolved_then_the_notified_hear_it_is_fixed() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 10, 0);
    let mut s = kritisk(1, t0);
    w.observe(&s, t0);
    w.tick(t0);
    let ev = w.tick(t0 + Duration::hours(1));
    let status: Vec<_> = ev
        .intents
        .iter()
        .filter(|i| i.key.rule == "kritisk-status")
        .collect();
    assert_eq!(status.len(), 3, "email + ik_varsling + intranet");
    assert!(status
        .iter()
        .all(|i| i.reason == Reason::Every && i.key.occurrence == 1));
    // An agent update at 11:10 keeps the no-update reminder from repeating at 12:00.
    s.modified = t0 + Duration::minutes(70);
    s.status = "Under arbeid".into();
    w.observe(&s, s.modified);
    let ev = w.tick(t0 + Duration::hours(2));
    assert!(ev.intents.iter().all(|i| i.key.rule != "kritisk-no-update"));
    assert!(ev
        .intents
        .iter()
        .any(|i| i.key.rule == "kritisk-status" && i.key.occurrence == 2));
    let before = w.ledger.notified(1);
    // Resolved at 12:30.
    let solved = t0 + Duration::minutes(150);
    s.core = CoreStatus::Solved;
    s.resolved = Some(solved);
    s.modified = solved;
    w.observe(&s, solved);
    let ev = w.tick(solved);
    let mut got: Vec<(String, String)> = ev
        .intents
        .iter()
        .map(|i| {
            assert_eq!(i.key.rule, "incident-resolved");
            assert_eq!(i.audience, "notified");
            (i.key.channel.clone(), i.recipient.address.clone())
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = before.into_iter().map(|(c, r)| (c, r.address)).collect();
    want.sort();
    assert_eq!(got, want);
    // Nothing more after resolution: no status, no reminders.
    let later = w.tick(solved + Duration::hours(3));
    assert!(later.intents.is_empty(), "{:?}", lines(&later));
    assert_eq!(later.next_due, None);
}

#[test]
fn after_downtime_missed_status_updates_collapse_into_one_and_are_late() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 10, 0);
    let now = t0 + Duration::minutes(5 * 60 + 10);
    w.observe(&kritisk(1, t0), now);
    let ev = w.tick(now);
    let status: Vec<_> = ev
        .intents
        .iter()
        .filter(|i| i.key.rule == "kritisk-status")
        .collect();
    assert_eq!(status.len(), 3);
    assert!(status
        .iter()
        .all(|i| i.key.occurrence == 5 && i.due_at == t0 + Duration::hours(5)));
    let opened: Vec<_> = ev
        .intents
        .iter()
        .filter(|i| i.reason == Reason::Opened)
        .collect();
    assert!(!opened.is_empty() && opened.iter().all(|i| i.late && i.due_at == t0));
    // The breach superseded the warning; it fires once.
    assert!(ev
        .intents
        .iter()
        .any(|i| i.key.rule == "sla-resolution-breached"));
    assert!(ev
        .intents
        .iter()
        .all(|i| i.key.rule != "sla-resolution-warning"));
    assert_eq!(
        ev.intents
            .iter()
            .filter(|i| i.key.rule == "kritisk-no-update")
            .count(),
        2
    );
    assert!(w.tick(now + Duration::minutes(1)).intents.is_empty());
    assert_eq!(w.eval(now).next_due, Some(t0 + Duration::hours(6)));
}

#[test]
fn a_ticket_already_solved_when_first_seen_gets_no_messages() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 10, 0);
    let mut s = kritisk(1, t0);
    s.core = CoreStatus::Solved;
    s.resolved = Some(t0 + Duration::minutes(30));
    s.modified = t0 + Duration::minutes(30);
    w.observe(&s, t0 + Duration::hours(1));
    let ev = w.tick(t0 + Duration::hours(1));
    assert!(ev.intents.is_empty(), "{:?}", lines(&ev));
}

#[test]
fn a_person_without_an_address_is_a_finding_not_a_silent_drop() {
    let mut c = config();
    c.roles.get_mut("driftssjef").unwrap().email = None;
    let mut w = World::new(c);
    let t0 = oslo(2027, 3, 24, 10, 0);
    w.observe(&kritisk(1, t0), t0);
    let ev = w.tick(t0);
    assert!(ev.intents.iter().all(|i| i.recipient.name != "Dina Drift"));
    let f: Vec<_> = ev
        .findings
        .iter()
        .filter(|f| f.key == "no-address/email/role:driftssjef")
        .collect();
    assert_eq!(f.len(), 1, "{:?}", ev.findings);
    assert!(
        f[0].message.contains("kritisk-leadership"),
        "{}",
        f[0].message
    );
}

#[test]
fn raised_from_middels_fires_the_kritisk_opening_rules_then() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 9, 0);
    let mut s = kritisk(1, t0);
    s.priority = Some("Middels".into());
    w.observe(&s, t0);
    assert!(w.tick(t0).intents.is_empty());
    let raised = t0 + Duration::hours(1);
    s.priority = Some("Kritisk".into());
    s.modified = raised;
    w.observe(&s, raised);
    let ev = w.tick(raised);
    assert_eq!(
        lines(&ev),
        opening_lines("varsling@ikt.example", "+4790000102")
    );
    assert!(ev
        .intents
        .iter()
        .all(|i| i.due_at == raised && i.key.occurrence == 1));
    // Status counts from the raise; the SLA clock was re-planned from creation (09:00 + 2 h,
    // 75 % at 10:30), so its warning is due already.
    let ev = w.tick(raised + Duration::minutes(59));
    assert_eq!(lines(&ev), ["sla-resolution-warning email per@ikt.example"]);
    let ev = w.tick(raised + Duration::hours(1));
    assert!(ev.intents.iter().any(|i| i.key.rule == "kritisk-status"));
}

#[test]
fn hoy_raised_to_kritisk_adds_only_the_kritisk_rules() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 9, 0);
    let mut s = kritisk(1, t0);
    s.priority = Some("Høy".into());
    w.observe(&s, t0);
    let ev = w.tick(t0);
    assert!(ev.intents.iter().any(|i| i.key.rule == "hoy-thread"));
    let raised = t0 + Duration::minutes(30);
    s.priority = Some("Kritisk".into());
    s.modified = raised;
    w.observe(&s, raised);
    let ev = w.tick(raised);
    let mut rules: Vec<_> = ev.intents.iter().map(|i| i.key.rule.as_str()).collect();
    rules.dedup();
    assert_eq!(
        rules,
        [
            "kritisk-announcement",
            "kritisk-municipality",
            "kritisk-leadership"
        ]
    );
}

#[test]
fn lowered_and_raised_again_announces_again() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 9, 0);
    let mut s = kritisk(1, t0);
    w.observe(&s, t0);
    w.tick(t0);
    for (mins, prio) in [(20, "Middels"), (40, "Kritisk")] {
        s.priority = Some(prio.into());
        s.modified = t0 + Duration::minutes(mins);
        w.observe(&s, s.modified);
    }
    let ev = w.tick(t0 + Duration::minutes(40));
    let ann: Vec<_> = ev
        .intents
        .iter()
        .filter(|i| i.key.rule == "kritisk-announcement")
        .collect();
    assert_eq!(ann.len(), 1);
    assert_eq!(ann[0].key.occurrence, 2, "third level run");
}

#[test]
fn forty_simultaneous_incidents_keep_their_first_notices_and_digest_the_rest() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 10, 0);
    for id in 1..=40 {
        w.observe(&kritisk(id, t0), t0);
    }
    // The first notice of every Kritisk incident goes out as itself (never merged).
    let ev = w.tick(t0);
    assert!(ev.digested.is_empty());
    assert!(ev.intents.iter().all(|i| i.reason != Reason::Digest));
    let to_im = ev
        .intents
        .iter()
        .filter(|i| i.recipient.address == "im@ikt.example" && i.key.channel == "email")
        .count();
    assert_eq!(to_im, 40);
    // The hourly status of 40 incidents is a flood: one digest per recipient and channel,
    // listing the request numbers people see.
    let ev = w.tick(t0 + Duration::hours(1));
    let digests: Vec<_> = ev
        .intents
        .iter()
        .filter(|i| i.reason == Reason::Digest)
        .collect();
    assert!(!digests.is_empty());
    for d in &digests {
        assert_eq!(d.template, "digest");
        let n: usize = d.vars["count"].parse().unwrap();
        assert!(n >= 40, "{n}");
        assert_eq!(d.vars["items"].lines().count(), n);
        assert!(
            d.vars["items"].lines().all(|l| l.starts_with("#10")),
            "{}",
            d.vars["items"]
        );
        assert!(
            d.vars["numbers"].starts_with("1001, 1002"),
            "{}",
            d.vars["numbers"]
        );
    }
    let mut per: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for i in ev
        .intents
        .iter()
        .filter(|i| i.key.channel != "pureservice_note")
    {
        *per.entry((i.key.channel.clone(), i.recipient.address.clone()))
            .or_default() += 1;
    }
    assert!(per.values().all(|n| *n <= 5), "{per:?}");
    // The originals are recorded as skipped and never fire later.
    let skipped = w
        .ledger
        .entries
        .values()
        .filter(|e| e.status == DeliveryStatus::Skipped)
        .count();
    assert_eq!(skipped, ev.digested.len());
    assert!(w
        .tick(t0 + Duration::hours(1) + Duration::minutes(1))
        .intents
        .iter()
        .all(|i| i.reason != Reason::Every));
}

#[test]
fn evaluation_is_deterministic() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 10, 0);
    for id in [3, 1, 2] {
        w.observe(&kritisk(id, t0), t0);
    }
    let a = w.eval(t0);
    let b = w.eval(t0);
    assert_eq!(a.intents, b.intents);
    let tickets: Vec<u64> = a.intents.iter().map(|i| i.key.ticket).collect();
    let mut sorted = tickets.clone();
    sorted.sort();
    assert_eq!(tickets, sorted);
}

#[test]
fn after_downtime_a_missed_after_fires_once_marked_late() {
    let mut w = World::new(config());
    let t0 = oslo(2027, 3, 24, 10, 0);
    let mut s = snapshot(7, "Høy", t0);
    s.assignee = kritisk(7, t0).assignee;
    w.observe(&s, t0);
    w.tick(t0);
    // Down from 10:00 to 14:30: Driftssjef (2 h) and Daglig leder (4 h) were both missed.
    let back = t0 + Duration::minutes(4 * 60 + 30);
    let ev = w.tick(back);
    for (rule, due) in [
        ("hoy-driftssjef", t0 + Duration::hours(2)),
        ("hoy-daglig-leder", t0 + Duration::hours(4)),
    ] {
        let fired: Vec<_> = ev.intents.iter().filter(|i| i.key.rule == rule).collect();
        assert_eq!(fired.len(), 1, "{rule}: {:?}", lines(&ev));
        assert_eq!(fired[0].reason, Reason::After);
        assert!(fired[0].late && fired[0].due_at == due, "{rule}");
    }
    // Once: not again on the next tick, nor after more time.
    let again = w.tick(back + Duration::hours(3));
    assert!(again
        .intents
        .iter()
        .all(|i| i.key.rule != "hoy-driftssjef" && i.key.rule != "hoy-daglig-leder"));
}

#[test]
fn all_contacts_of_every_named_municipality_and_the_vendor() {
    let mut c = config();
    c.plan.push(rule(
        "kritisk-everyone",
        &["kritisk"],
        slavakt::config::Trigger::Opened,
        &[
            "municipality:all",
            "municipality:critical",
            "service:vendor",
        ],
        &["email"],
        "incident_announcement",
    ));
    let mut w = World::new(c);
    let at = oslo(2027, 3, 24, 10, 0);
    let mut s = kritisk(1, at);
    s.municipalities = vec!["Molde".into(), "Aukra".into()];
    w.observe(&s, at);
    let ev = w.tick(at);
    let mut got: Vec<String> = ev
        .intents
        .iter()
        .filter(|i| i.key.rule == "kritisk-everyone")
        .map(|i| format!("{} {}", i.audience, i.recipient.address))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            // municipality:all also reaches the contact who is not on the priority-1 list;
            // one person reached through two audiences gets one message.
            "municipality:all arne@aukra.example",
            "municipality:all mia@molde.example",
            "municipality:all mona@molde.example",
            "municipality:all morten@molde.example",
            "service:vendor support@sensio.example",
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Evaluating only what can still fire (plan::index) gives the same results as evaluating
// everything, on random histories through the shipped plan: tickets opened, re-prioritised,
// answered, paused, resolved and reopened at random instants, ticks at random intervals (from
// one poll to a day), and delivery outcomes written into the ledger between ticks.

mod index_equivalence {
    use super::sla_support;
    use chrono::{DateTime, Duration, Utc};
    use proptest::prelude::*;
    use slavakt::app::cycle;
    use slavakt::ledger::DeliveryStatus;
    use slavakt::plan::index::Index;
    use slavakt::state::State;
    use slavakt::ticket::{CoreStatus, TicketSnapshot};
    use std::collections::BTreeMap;

    #[derive(Debug, Clone)]
    enum Event {
        Open { priority: usize },
        Priority(usize),
        Respond,
        Pause(bool),
        Resolve,
        Reopen,
    }

    const PRIORITIES: [&str; 4] = ["Kritisk", "Høy", "Middels", "Lav"];

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            3 => (0..4usize).prop_map(|priority| Event::Open { priority }),
            1 => (0..4usize).prop_map(Event::Priority),
            1 => Just(Event::Respond),
            1 => any::<bool>().prop_map(Event::Pause),
            2 => Just(Event::Resolve),
            1 => Just(Event::Reopen),
        ]
    }

    /// One step: wait `secs`, apply an event to ticket `ticket % 6`, mark outcomes, tick.
    fn step() -> impl Strategy<Value = (u32, usize, Event, u8)> {
        (
            prop_oneof![3 => 30u32..600, 2 => 600u32..14_400, 1 => 14_400u32..172_800],
            0..6usize,
            event(),
            any::<u8>(),
        )
    }

    fn apply(s: &mut TicketSnapshot, e: &Event, now: DateTime<Utc>) {
        match e {
            Event::Open { .. } => {}
            Event::Priority(p) => s.priority = Some(PRIORITIES[*p].into()),
            Event::Respond => s.responded = s.responded.or(Some(now)),
            Event::Pause(on) => {
                s.status = if *on {
                    "Venter - sluttbruker".into()
                } else {
                    "Under arbeid".into()
                }
            }
            Event::Resolve => {
                s.core = CoreStatus::Solved;
                s.status = "Løst".into();
                s.resolved = Some(now);
            }
            Event::Reopen => {
                if s.core != CoreStatus::Open {
                    s.core = CoreStatus::Open;
                    s.status = "Under arbeid".into();
                    s.resolved = None;
                    s.reopened_count += 1;
                }
            }
        }
        s.modified = now;
    }

    /// Settles some pending entries the same way in both ledgers (as the outbox would).
    fn settle(state: &mut State, seed: u8, now: DateTime<Utc>) {
        for (i, e) in state.ledger.entries.values_mut().enumerate() {
            if e.status == DeliveryStatus::Pending && (i as u8).wrapping_add(seed) % 3 == 0 {
                e.status = match seed % 4 {
                    0 => DeliveryStatus::Failed,
                    1 => DeliveryStatus::Skipped,
                    _ => DeliveryStatus::Delivered,
                };
                e.next_attempt = None;
                e.message = None;
                e.attempts.push(slavakt::ledger::Attempt {
                    at: now,
                    ok: true,
                    outcome: "test".into(),
                });
            }
        }
        state.ledger.slim_settled();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn indexed_evaluation_issues_exactly_what_full_evaluation_issues(
            steps in proptest::collection::vec(step(), 1..40)
        ) {
            let config = sla_support::config();
            let mut full = State::default();
            let mut fast = State::default();
            let mut index = Index::new();
            let mut snaps: BTreeMap<u64, TicketSnapshot> = BTreeMap::new();
            let mut now = sla_support::utc("2026-03-02T07:00:00Z");
            for (n, (secs, slot, event, seed)) in steps.iter().enumerate() {
                now += Duration::seconds(i64::from(*secs));
                let id = 1 + *slot as u64;
                let changed = match (snaps.get_mut(&id), event) {
                    (None, Event::Open { priority }) => {
                        snaps.insert(id, sla_support::snapshot(id, PRIORITIES[*priority], now));
                        true
                    }
                    (Some(s), e) if !matches!(e, Event::Open { .. }) => {
                        apply(s, e, now);
                        true
                    }
                    _ => false,
                };
                if changed {
                    let snap = [snaps[&id].clone()];
                    cycle::track(&mut full, &snap, &config, now);
                    cycle::track(&mut fast, &snap, &config, now);
                }
                let a = cycle::plan(&mut full, &config, now);
                let b = cycle::plan_indexed(&mut fast, &mut index, &config, now);
                let keys = |s: &cycle::PlanStep| {
                    s.issued.iter().map(|i| (i.key.to_string(), i.due_at, i.late)).collect::<Vec<_>>()
                };
                prop_assert_eq!(keys(&a), keys(&b), "step {} at {}", n, now);
                prop_assert_eq!(a.digested, b.digested);
                prop_assert_eq!(a.render_failures.len(), b.render_failures.len());
                prop_assert_eq!(a.next_due, b.next_due, "next due, step {}", n);
                settle(&mut full, *seed, now);
                settle(&mut fast, *seed, now);
            }
            prop_assert_eq!(&full.ledger, &fast.ledger);
        }
    }
}
