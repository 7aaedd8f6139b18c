//! Shared helpers for the SLA, tracker and explain tests: the shipped config, Oslo-time instants
//! and snapshot builders.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use slavakt::config::{Config, Language};
use slavakt::ticket::{CoreStatus, TicketSnapshot};
use std::collections::BTreeMap;

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

/// The shipped `config/slavakt.toml` (ROR-IKT: four levels, `kundeservice` with 24 and 31
/// December closed, `24x7`), loaded without any environment overrides; messages in English so
/// the explain tests read the same everywhere (tests that need `nb` set it).
pub fn config() -> Config {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    let mut cfg = slavakt::config::load_with_env(&path, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("shipped config: {e}"));
    cfg.daemon.language = Language::En;
    cfg
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
        kind: Default::default(),
    }
}
