//! The shipped `config/slavakt.toml` is valid and contains the fixed names of INTERFACE.md and
//! every rule of the shipped plan.

use slavakt::config::{self, Audience, ChannelRef, Trigger};
use std::collections::BTreeMap;
use std::path::Path;

fn shipped() -> config::Config {
    config::load_with_env(Path::new("config/slavakt.toml"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("shipped config must be valid:\n{e}"))
}

#[test]
fn shipped_config_loads() {
    config::load(Path::new("config/slavakt.toml")).unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn fixed_names_are_there() {
    let c = shipped();
    for l in ["kritisk", "hoy", "middels", "lav"] {
        assert!(c.sla.contains_key(l), "level {l}");
    }
    for (p, l) in [
        ("Kritisk", "kritisk"),
        ("Høy", "hoy"),
        ("Middels", "middels"),
        ("Lav", "lav"),
    ] {
        assert_eq!(c.level_for_priority(p).map(|x| x.name.as_str()), Some(l));
    }
    assert_eq!(
        c.pureservice.paused_statuses,
        vec!["Venter - sluttbruker", "Venter - leverandør"]
    );
    assert!(c.calendars.contains_key("24x7") && c.calendars.contains_key("kundeservice"));
    for r in [
        "incident_manager",
        "varslingsansvarlig",
        "vakthavende",
        "koordineringsansvarlig",
        "driftssjef",
        "leder_tjenesteutvikling",
        "daglig_leder",
    ] {
        assert!(c.roles.contains_key(r), "role {r}");
    }
    assert_eq!(
        c.roles["varslingsansvarlig"].off_hours.as_deref(),
        Some("vakthavende")
    );
    for m in ["Aukra", "Molde", "Rauma", "Vestnes", "Hustadvika"] {
        let m = c.municipality(m).expect(m);
        assert!(m.contacts.iter().any(|c| c.critical), "{}", m.name);
        assert!(m.contacts.iter().any(|c| !c.critical), "{}", m.name);
    }
    assert!(c.channels.teams.contains_key("ik_varsling"));
    assert!(c.channels.teams.contains_key("driftsmeldinger"));
    assert!(c.service("Sensio Pasientvarsling").unwrap().life_and_health);
    assert_eq!(
        c.daemon.state_file,
        Path::new("/var/lib/slavakt/state.json")
    );
}

#[test]
fn levels_are_as_in_the_sla() {
    let c = shipped();
    let k = &c.sla["kritisk"];
    assert_eq!(
        (
            k.response.to_string().as_str(),
            k.resolution.to_string().as_str()
        ),
        ("15m", "2h")
    );
    assert_eq!(k.calendar, "24x7");
    assert_eq!(c.sla["middels"].resolution.to_string(), "3wd");
    assert_eq!(c.sla["lav"].calendar, "kundeservice");
    assert_eq!(k.warn_at, vec![75]);
    assert!(k.rank > c.sla["hoy"].rank && c.sla["hoy"].rank > c.sla["middels"].rank);
    assert!(c.sla["middels"].rank > c.sla["lav"].rank);
    let ks = &c.calendars["kundeservice"];
    assert_eq!(ks.hours[0], vec![(480, 930)]);
    assert!(ks.hours[5].is_empty() && ks.hours[6].is_empty());
    assert!(ks
        .closed
        .contains(&chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()));
}

#[test]
fn every_shipped_plan_rule_is_there() {
    let c = shipped();
    let rule = |id: &str| {
        c.plan
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("rule {id}"))
    };
    let expected = [
        ("incident-open-alert", "incident_alert"),
        ("incident-open-admin", "incident_admin"),
        ("incident-driftsmelding", "driftsmelding"),
        ("kritisk-announcement", "incident_announcement"),
        ("kritisk-municipality", "incident_municipality"),
        ("hoy-thread", "incident_announcement"),
        ("kritisk-leadership", "incident_leadership"),
        ("hoy-driftssjef", "incident_leadership"),
        ("hoy-daglig-leder", "incident_leadership"),
        ("kritisk-status", "incident_status"),
        ("kritisk-status-municipality", "incident_status"),
        ("hoy-status", "incident_status"),
        ("kritisk-no-update", "status_overdue"),
        ("hoy-no-update", "status_overdue"),
        ("incident-resolved", "incident_resolved"),
        ("incident-reopened", "incident_reopened"),
        ("sla-response-warning", "sla_warning"),
        ("sla-resolution-warning", "sla_warning"),
        ("sla-response-breached", "sla_breach"),
        ("sla-resolution-breached", "sla_breach"),
        ("sla-response-escalation", "sla_breach"),
        ("sla-resolution-escalation", "sla_breach"),
        ("change-notice", "change_notice"),
        ("change-reminder", "change_reminder"),
        ("change-started", "change_started"),
        ("change-completed", "change_completed"),
        ("change-moved", "change_moved"),
        ("change-cancelled", "change_cancelled"),
        ("change-short-notice", "change_short_notice"),
    ];
    assert_eq!(c.plan.len(), expected.len());
    for (id, template) in expected {
        assert_eq!(rule(id).template, template, "{id}");
    }
    let two_h = slavakt::duration::HumanDuration::parse("2h").unwrap();
    assert_eq!(rule("hoy-driftssjef").when, Trigger::After(two_h));
    assert_eq!(rule("hoy-status").when, Trigger::Every(two_h));
    assert!(rule("kritisk-announcement").important);
    assert_eq!(
        rule("kritisk-municipality").to,
        vec![Audience::MunicipalityCritical]
    );
    // The hourly Kritisk status reaches the priority-1 contacts the first notice promised it to.
    assert_eq!(
        rule("kritisk-status-municipality").to,
        vec![Audience::MunicipalityCritical]
    );
    assert!(slavakt::templates::check::promise_warnings(&c).is_empty());
    assert_eq!(rule("incident-resolved").to, vec![Audience::Notified]);
    // §4: every change, with or without a level, is announced — a Kritisk change as an
    // announcement marked important, any other as a conversation — in Interne driftsmeldinger
    // and as an internal note too, in Kundeservice's hours.
    let notice = rule("change-notice");
    assert!(notice.priorities.is_empty());
    assert!(notice.important_at(Some("kritisk")));
    assert!(!notice.important_at(Some("hoy")));
    assert!(!notice.important_at(None));
    assert_eq!(
        notice.via,
        vec![
            ChannelRef::Teams("ik_varsling".into()),
            ChannelRef::Teams("driftsmeldinger".into()),
            ChannelRef::Intranet,
            ChannelRef::PureserviceNote
        ]
    );
    for r in c.plan.iter().filter(|r| r.id.starts_with("change-")) {
        let held = r.hold.as_ref().map(|h| h.calendar.as_str());
        let want = (r.id != "change-started").then_some("kundeservice");
        assert_eq!(held, want, "{}", r.id);
    }
    assert!(c
        .plan
        .iter()
        .all(|r| !r.hold.as_ref().is_some_and(|h| h.urgent)));
    assert_eq!(c.pureservice.cancelled_statuses, ["Avbrutt"]);
    assert_eq!(
        rule("incident-driftsmelding").via,
        vec![
            ChannelRef::Teams("driftsmeldinger".into()),
            ChannelRef::Intranet,
            ChannelRef::PureserviceNote
        ]
    );
}
