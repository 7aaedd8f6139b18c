//! `simulate` with classification: a `created` event without `priority` is classified by the
//! same code as the daemon; its notices carry reason "classified"/"cluster" and the plan and
//! the deadlines run at the classified level.

use crate::kit::classify as classify_support;

use chrono::Duration;
use classify_support::{config, oslo};
use slavakt::config::{Audience, ChannelRef, PlanRule, Trigger};
use slavakt::scenario;

fn with_opening_rule() -> slavakt::config::Config {
    let mut cfg = config();
    cfg.plan = vec![PlanRule {
        id: "incident-open-alert".into(),
        priorities: vec!["kritisk".into(), "hoy".into()],
        when: Trigger::Opened,
        to: vec![Audience::Role("incident_manager".into())],
        via: vec![ChannelRef::Email],
        template: "incident_alert".into(),
        important: false,
        important_for: Vec::new(),
        filters: Default::default(),
        ack: None,
        hold: None,
    }];
    cfg
}

#[test]
fn unprioritised_patient_alarm_is_kritisk_in_simulate() {
    let cfg = with_opening_rule();
    let sc = scenario::parse(
        r#"
until = "2027-03-24T18:00:00+01:00"

[[event]]
at = "2027-03-24T15:25:00+01:00"
ticket = 1001
kind = "created"
service = "Sensio Pasientvarsling"
municipality = "Molde"
subject = "Pasientvarsling nede på Bergmo"
description = "<p>Ingen alarmer når fram til vaktrommet</p>"
"#,
    )
    .expect("scenario");
    let sim = scenario::replay(&sc, &cfg);
    let created = oslo(2027, 3, 24, 15, 25);
    let reasons: Vec<(&str, &str, &str)> = sim
        .actions
        .iter()
        .map(|a| {
            (
                a.intent.key.rule.as_str(),
                a.intent.reason.as_str(),
                a.intent.recipient.address.as_str(),
            )
        })
        .collect();
    assert!(
        reasons.contains(&("incident-open-alert", "opened", "ingrid@ror-ikt.example")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(
            "classify:liv-og-helse-nede",
            "classified",
            "pureservice_note"
        )),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(
            "classify:liv-og-helse-nede",
            "classified",
            "ingrid@ror-ikt.example"
        )),
        "{reasons:?}"
    );
    // Everything at once, at creation.
    assert!(
        sim.actions.iter().all(|a| a.at == created),
        "{:?}",
        sim.actions
    );
    for a in &sim.actions {
        assert!(
            a.message.is_ok(),
            "template {}: {:?}",
            a.intent.template,
            a.message
        );
    }
    let d = &sim.deadlines[0];
    assert_eq!(d.level.as_deref(), Some("kritisk"));
    assert_eq!(d.response_due, Some(created + Duration::minutes(15)));
    assert_eq!(d.resolution_due, Some(created + Duration::hours(2)));
}

#[test]
fn burst_of_tickets_gives_one_cluster_alert_in_simulate() {
    let cfg = with_opening_rule();
    let mut text = String::from("until = \"2027-03-24T11:00:00+01:00\"\n");
    for k in 0..7 {
        text.push_str(&format!(
            "\n[[event]]\nat = \"2027-03-24T09:{:02}:00+01:00\"\nticket = {}\nkind = \"created\"\npriority = \"Lav\"\nservice = \"Gerica\"\nsubject = \"Melding {k}\"\n",
            k * 2,
            2000 + k
        ));
    }
    let sim = scenario::replay(&scenario::parse(&text).expect("scenario"), &cfg);
    let cluster: Vec<_> = sim
        .actions
        .iter()
        .filter(|a| a.intent.reason.as_str() == "cluster")
        .collect();
    // Alert at the fifth (09:08) to two people; one update a window later with the 6th and 7th.
    let alerts: Vec<_> = cluster
        .iter()
        .filter(|a| a.intent.key.occurrence == 1)
        .collect();
    assert_eq!(alerts.len(), 2, "{cluster:?}");
    assert!(alerts.iter().all(|a| a.at == oslo(2027, 3, 24, 9, 8)));
    let updates: Vec<_> = cluster
        .iter()
        .filter(|a| a.intent.key.occurrence == 2)
        .collect();
    assert_eq!(updates.len(), 2, "{cluster:?}");
    assert!(updates.iter().all(|a| a.at == oslo(2027, 3, 24, 9, 18)));
    assert_eq!(updates[0].intent.vars["new_tickets"], "#2005, #2006");
    let text = &updates[0].message.as_ref().expect("renders").text;
    assert!(
        text.contains("Nye siden forrige varsel: #2005, #2006"),
        "{text}"
    );
    assert_eq!(cluster.len(), 4);
    for a in &cluster {
        assert!(a.message.is_ok(), "{:?}", a.message);
    }
}
