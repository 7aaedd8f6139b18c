//! Classification with the shipped `config/slavakt.toml`: its rules implement the SLA's
//! definitions, pass `classify::lint`, and an unprioritised patient-alarm outage produces the
//! Kritisk communication at once in `simulate`. A rule that can never match fails check-config.

use crate::kit::sla::utc as at;
use chrono::{DateTime, Duration, Utc};
use slavakt::classify;
use slavakt::config::{self, Config};
use slavakt::scenario;
use slavakt::ticket::{CoreStatus, TicketSnapshot};
use std::collections::BTreeMap;
use std::path::Path;

fn shipped() -> Config {
    config::load_with_env(Path::new("config/slavakt.toml"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("shipped config must be valid:\n{e}"))
}

fn new_ticket(subject: &str, service: Option<&str>, created: DateTime<Utc>) -> TicketSnapshot {
    TicketSnapshot {
        id: 7,
        number: 30_007,
        subject: subject.into(),
        description: String::new(),
        priority: None,
        status: "Ny".into(),
        core: CoreStatus::Open,
        municipalities: vec!["Molde".into()],
        service: service.map(str::to_string),
        category: None,
        company: None,
        source: None,
        assignee: None,
        created,
        modified: created,
        responded: None,
        resolved: None,
        closed: None,
        reopened_count: 0,
        change: None,
        fields: BTreeMap::new(),
        modified_by_us: false,
        kind: Default::default(),
    }
}

#[test]
fn shipped_rules_pass_lint() {
    let errs = classify::lint(&shipped());
    assert!(errs.is_empty(), "{errs:?}");
}

#[test]
fn shipped_rules_follow_the_sla_definitions() {
    let cfg = shipped();
    let t = at("2027-03-24T15:25:00+01:00");
    let cases = [
        (
            "Pasientvarsling nede på Bergmo",
            Some("Sensio Pasientvarsling"),
            Some("kritisk"),
        ),
        (
            "Trygghetsalarmene er ute av drift",
            Some("Sensio Pasientvarsling"),
            Some("kritisk"),
        ),
        (
            "Min side er utilgjengelig for innbyggere",
            None,
            Some("hoy"),
        ),
        ("Hele skolen kommer ikke på nett", None, Some("hoy")),
        ("Selvbetjeningsportalen er nede", None, Some("hoy")),
        // A mention is not an outage: Høy needs the outage words too.
        ("Hvordan bytter jeg passord på Min side?", None, None),
        ("Alle brukere skal få ny skriver", None, None),
        (
            "Alarmen går ikke til vaktrommet",
            Some("Sensio Pasientvarsling"),
            Some("kritisk"),
        ),
        (
            "Appen fungerer ikke hos bruker",
            Some("Sensio Pasientvarsling"),
            Some("kritisk"),
        ),
        (
            "Sykesignalanlegget er utilgjengelig",
            Some("Sensio Pasientvarsling"),
            Some("kritisk"),
        ),
        (
            "Far ikke logget inn i Sensio-portalen",
            Some("Sensio Pasientvarsling"),
            Some("kritisk"),
        ),
        (
            "Sykesignal fra rom 12 kommer ikke fram",
            Some("Sensio Pasientvarsling"),
            Some("kritisk"),
        ),
        // A misspelling is no match (and nothing else in the subject is).
        (
            "Portalen fungrer ikke",
            Some("Sensio Pasientvarsling"),
            None,
        ),
        ("Gerica er nede", Some("Gerica"), None),
        ("Bytte av toner", Some("Sensio Pasientvarsling"), None),
    ];
    for (subject, service, want) in cases {
        let d = classify::decide(&new_ticket(subject, service, t), &cfg);
        assert_eq!(d.map(|d| d.level), want.map(str::to_string), "{subject}");
    }
}

#[test]
fn unprioritised_patient_alarm_runs_kritisk_from_creation() {
    let cfg = shipped();
    let created = at("2027-03-24T15:25:00+01:00");
    let s = new_ticket(
        "Pasientvarsling nede på Bergmo",
        Some("Sensio Pasientvarsling"),
        created,
    );
    let (t, _, applied) = classify::observe(None, &s, &cfg, created + Duration::seconds(30));
    assert!(matches!(
        applied,
        Some(classify::Applied::Classified { patch: None, .. })
    ));
    let clocks = slavakt::sla::clocks(&t, &cfg, created + Duration::minutes(1)).unwrap();
    assert_eq!(clocks.response.due, created + Duration::minutes(15));
    assert_eq!(clocks.resolution.due, created + Duration::hours(2));
}

#[test]
fn simulate_sends_the_kritisk_opening_and_the_classified_note_at_once() {
    let cfg = shipped();
    let sc = scenario::parse(
        r#"
until = "2027-03-24T16:00:00+01:00"

[[event]]
at = "2027-03-24T15:25:00+01:00"
ticket = 1001
kind = "created"
municipality = "Molde"
service = "Sensio Pasientvarsling"
subject = "Pasientvarsling nede på Bergmo"
description = "<p>Ingen alarmer n&aring;r fram til vaktrommet.</p>"
"#,
    )
    .unwrap();
    let sim = scenario::replay(&sc, &cfg);
    let created = at("2027-03-24T15:25:00+01:00");
    let at_once: Vec<(&str, &str)> = sim
        .actions
        .iter()
        .filter(|a| a.at == created)
        .map(|a| (a.intent.key.rule.as_str(), a.intent.reason.as_str()))
        .collect();
    for (rule, reason) in [
        ("incident-open-alert", "opened"),
        ("kritisk-announcement", "opened"),
        ("kritisk-municipality", "opened"),
        ("classify:liv-og-helse-nede", "classified"),
    ] {
        assert!(at_once.contains(&(rule, reason)), "{rule}: {at_once:?}");
    }
    let note = sim
        .actions
        .iter()
        .find(|a| {
            a.intent.key.rule == "classify:liv-og-helse-nede"
                && a.intent.key.channel == "pureservice_note"
        })
        .expect("internal note");
    let msg = note.message.as_ref().expect("renders");
    assert!(msg.text.contains("Kritisk"), "{}", msg.text);
    assert!(msg.text.contains("Begrunnelse: «Sensio Pasientvarsling» er en Liv og Helse-tjeneste; nøkkelordet «nede» i emnet."), "{}", msg.text);
    for a in &sim.actions {
        assert!(a.message.is_ok(), "{}: {:?}", a.intent.template, a.message);
    }
    assert_eq!(sim.deadlines[0].level.as_deref(), Some("kritisk"));
}

#[test]
fn check_config_reports_a_rule_that_can_never_match() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("config/slavakt.toml").unwrap();
    let bad = format!(
        "{text}\n[[classify]]\nid = \"tom\"\nlevel = \"hoy\"\nkeywords = [\"!!!\"]\n\n[[classify]]\nid = \"gerica-lh\"\nlevel = \"kritisk\"\nservices = [\"Gerica\"]\nlife_and_health = true\n"
    );
    // [[classify]] after [classification] is still an array of tables at top level.
    let path = dir.path().join("slavakt.toml");
    std::fs::write(&path, bad).unwrap();
    let err = slavakt::cli::check_config::run(slavakt::cli::check_config::Args { config: path })
        .expect_err("invalid");
    let msg = err.to_string();
    assert!(msg.contains("classify[4].keywords[0]"), "{msg}");
    assert!(msg.contains("classify[5].life_and_health"), "{msg}");
    assert!(msg.contains("can never match"), "{msg}");
}
