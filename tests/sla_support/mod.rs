//! Shared helpers for the SLA, tracker and explain tests: a hand-built ROR-IKT-like config
//! (four levels, `kundeservice` and `24x7`), Oslo-time instants and snapshot builders.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use slavakt::calendar::{Calendar, Country};
use slavakt::config::*;
use slavakt::duration::HumanDuration;
use slavakt::secret::Secret;
use slavakt::ticket::{CoreStatus, TicketSnapshot};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Oslo wall time → UTC instant (panics on a nonexistent/ambiguous local time: test input).
pub fn oslo(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Oslo.with_ymd_and_hms(y, mo, d, h, mi, 0)
        .single()
        .expect("unambiguous Oslo time")
        .with_timezone(&Utc)
}

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn dur(s: &str) -> HumanDuration {
    HumanDuration::parse(s).unwrap()
}

pub fn kundeservice() -> Calendar {
    let mut hours: [Vec<(u16, u16)>; 7] = Default::default();
    for day in hours.iter_mut().take(5) {
        day.push((8 * 60, 15 * 60 + 30));
    }
    Calendar {
        name: "kundeservice".into(),
        tz: Oslo,
        hours,
        holidays: Some(Country::No),
        closed: BTreeSet::new(),
        open: BTreeSet::new(),
        always_open: false,
    }
}

fn level(
    name: &str,
    label: &str,
    response: &str,
    resolution: &str,
    cal: &str,
    rank: u32,
) -> SlaLevel {
    SlaLevel {
        name: name.into(),
        label: label.into(),
        response: dur(response),
        resolution: dur(resolution),
        calendar: cal.into(),
        warn_at: vec![75],
        rank,
    }
}

/// The ROR-IKT SLA matrix with the shipped names.
pub fn config() -> Config {
    let mut calendars = BTreeMap::new();
    calendars.insert("24x7".to_string(), Calendar::always_open("24x7", Oslo));
    calendars.insert("kundeservice".to_string(), kundeservice());
    let mut sla = BTreeMap::new();
    for l in [
        level("kritisk", "Kritisk", "15m", "2h", "24x7", 4),
        level("hoy", "Høy", "1h", "4h", "24x7", 3),
        level("middels", "Middels", "3h", "3wd", "kundeservice", 2),
        level("lav", "Lav", "4h", "5wd", "kundeservice", 1),
    ] {
        sla.insert(l.name.clone(), l);
    }
    let priorities = [
        ("Kritisk", "kritisk"),
        ("Høy", "hoy"),
        ("Middels", "middels"),
        ("Lav", "lav"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    Config {
        source: PathBuf::from("test.toml"),
        daemon: DaemonConfig {
            state_file: PathBuf::from("/tmp/slavakt-test-state.json"),
            timezone: Oslo,
            poll_interval: chrono::Duration::seconds(30),
            language: Language::En,
            dry_run: true,
            http_listen: None,
            templates_dir: None,
            reports_dir: PathBuf::from("/tmp"),
            off_hours_calendar: "kundeservice".into(),
            storm_limit: 10,
            shutdown_grace: chrono::Duration::seconds(10),
            retention: chrono::Duration::days(396),
        },
        pureservice: PureserviceConfig {
            base_url: url::Url::parse("http://127.0.0.1:1").unwrap(),
            api_prefix: "/agent/api".into(),
            api_key: Secret::new("test-key"),
            auth: AuthMode::XAuthorizationKey,
            timeout: chrono::Duration::seconds(10),
            max_requests_per_minute: 60,
            page_size: 100,
            sync_overlap: chrono::Duration::seconds(120),
            date_literal: DateLiteral::IsoString,
            reference_refresh: chrono::Duration::hours(1),
            priorities,
            unset_priorities: vec!["Ikke satt".into()],
            paused_statuses: vec!["Venter - sluttbruker".into(), "Venter - leverandør".into()],
            municipality_from: vec![FieldSource::RequesterCompany],
            service_from: vec![FieldSource::Category],
            change_request_types: vec![2],
            fields: TicketFields::default(),
            own_user_id: None,
        },
        calendars,
        sla,
        roles: BTreeMap::new(),
        municipalities: Vec::new(),
        services: Vec::new(),
        channels: Channels::default(),
        plan: Vec::new(),
        classify: ClassifyConfig {
            rules: Vec::new(),
            default_level: None,
            default_action: ClassifyAction::Suggest,
            cluster_size: 5,
            cluster_window: chrono::Duration::minutes(30),
            notify: Vec::new(),
            via: Vec::new(),
        },
        changes: ChangeConfig {
            min_notice: dur("3d"),
        },
        alerts: AlertsConfig {
            to: Vec::new(),
            via: Vec::new(),
            outage_after: chrono::Duration::minutes(10),
        },
        reports: Vec::new(),
    }
}

/// An open ticket snapshot with the given priority, created (and last modified) at `created`.
pub fn snapshot(id: u64, priority: &str, created: DateTime<Utc>) -> TicketSnapshot {
    TicketSnapshot {
        id,
        number: 1000 + id,
        subject: format!("Testsak {id}"),
        description: String::new(),
        priority: Some(priority.to_string()),
        status: "Ny".into(),
        core: CoreStatus::Open,
        municipalities: vec!["Molde".into()],
        service: Some("Sensio Pasientvarsling".into()),
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
    }
}
