//! Helpers for the plan and template tests: the SLA test config (`kit::sla`) completed
//! with people, municipalities, a service and the shipped plan's incident rules, built by hand
//! so these tests do not depend on config loading. Fictional people, `.example` addresses.

use super::sla as sla_support;
use chrono::{DateTime, Utc};
use slavakt::config::*;
use slavakt::ledger::Ledger;
use slavakt::plan::{self, Evaluation};
use slavakt::ticket::{TicketSnapshot, TrackedTicket};
use std::collections::BTreeMap;

pub use sla_support::{oslo, snapshot};

fn role(name: &str, email: Option<&str>, phone: Option<&str>, off: Option<&str>) -> Role {
    Role {
        name: name.into(),
        email: email.map(Into::into),
        phone: phone.map(Into::into),
        off_hours: off.map(Into::into),
        title: None,
        members: Vec::new(),
    }
}

fn contact(name: &str, email: &str, phone: &str, critical: bool) -> Contact {
    Contact {
        name: name.into(),
        title: None,
        email: Some(email.into()),
        phone: Some(phone.into()),
        critical,
    }
}

pub fn rule(
    id: &str,
    prios: &[&str],
    when: Trigger,
    to: &[&str],
    via: &[&str],
    template: &str,
) -> PlanRule {
    PlanRule {
        id: id.into(),
        priorities: prios.iter().map(|s| s.to_string()).collect(),
        when,
        to: to
            .iter()
            .map(|s| Audience::parse(s).expect("audience"))
            .collect(),
        via: via
            .iter()
            .map(|s| ChannelRef::parse(s).expect("channel"))
            .collect(),
        template: template.into(),
        important: false,
        important_for: Vec::new(),
        filters: Default::default(),
        ack: None,
        hold: None,
    }
}

fn d(s: &str) -> slavakt::duration::HumanDuration {
    slavakt::duration::HumanDuration::parse(s).unwrap()
}

/// The incident part of the shipped plan (config/slavakt.toml), in Norwegian.
pub fn plan_rules() -> Vec<PlanRule> {
    let kh = &["kritisk", "hoy"][..];
    let all = &["kritisk", "hoy", "middels", "lav"][..];
    let mut v = vec![
        rule(
            "incident-open-alert",
            kh,
            Trigger::Opened,
            &["role:incident_manager", "role:varslingsansvarlig"],
            &["email", "sms"],
            "incident_alert",
        ),
        rule(
            "incident-open-admin",
            kh,
            Trigger::Opened,
            &["service:administrator", "role:koordineringsansvarlig"],
            &["email"],
            "incident_admin",
        ),
        rule(
            "incident-driftsmelding",
            kh,
            Trigger::Opened,
            &[],
            &["teams:driftsmeldinger", "intranet", "pureservice_note"],
            "driftsmelding",
        ),
        rule(
            "kritisk-announcement",
            &["kritisk"],
            Trigger::Opened,
            &[],
            &["teams:ik_varsling"],
            "incident_announcement",
        ),
        rule(
            "kritisk-municipality",
            &["kritisk"],
            Trigger::Opened,
            &["municipality:critical"],
            &["sms", "email"],
            "incident_announcement",
        ),
        rule(
            "hoy-thread",
            &["hoy"],
            Trigger::Opened,
            &[],
            &["teams:ik_varsling"],
            "incident_announcement",
        ),
        rule(
            "kritisk-leadership",
            &["kritisk"],
            Trigger::Opened,
            &[
                "role:driftssjef",
                "role:leder_tjenesteutvikling",
                "role:daglig_leder",
            ],
            &["email"],
            "incident_leadership",
        ),
        rule(
            "hoy-driftssjef",
            &["hoy"],
            Trigger::After(d("2h")),
            &["role:driftssjef"],
            &["email"],
            "incident_leadership",
        ),
        rule(
            "hoy-daglig-leder",
            &["hoy"],
            Trigger::After(d("4h")),
            &["role:daglig_leder"],
            &["email"],
            "incident_leadership",
        ),
        rule(
            "kritisk-status",
            &["kritisk"],
            Trigger::Every(d("1h")),
            &["role:varslingsansvarlig"],
            &["email", "teams:ik_varsling", "intranet"],
            "incident_status",
        ),
        rule(
            "hoy-status",
            &["hoy"],
            Trigger::Every(d("2h")),
            &["role:varslingsansvarlig"],
            &["email", "teams:ik_varsling", "intranet"],
            "incident_status",
        ),
        rule(
            "kritisk-no-update",
            &["kritisk"],
            Trigger::NoUpdateFor(d("1h")),
            &["ticket:assignee", "role:varslingsansvarlig"],
            &["email"],
            "status_overdue",
        ),
        rule(
            "incident-resolved",
            kh,
            Trigger::Resolved,
            &["notified"],
            &[
                "email",
                "sms",
                "teams:ik_varsling",
                "teams:driftsmeldinger",
                "intranet",
                "pureservice_note",
            ],
            "incident_resolved",
        ),
        rule(
            "incident-reopened",
            kh,
            Trigger::Reopened,
            &["notified"],
            &["email", "teams:ik_varsling"],
            "incident_reopened",
        ),
        rule(
            "sla-resolution-warning",
            all,
            Trigger::ResolutionWarning,
            &["ticket:assignee"],
            &["email"],
            "sla_warning",
        ),
        rule(
            "sla-resolution-breached",
            all,
            Trigger::ResolutionBreached,
            &["ticket:assignee", "role:incident_manager"],
            &["email"],
            "sla_breach",
        ),
    ];
    v[3].important = true;
    v[4].important = true;
    v
}

/// A complete config for the plan tests (language nb, storm limit 5).
pub fn config() -> Config {
    let mut c = sla_support::config();
    c.daemon.language = Language::Nb;
    c.daemon.storm_limit = 5;
    let roles = [
        (
            "incident_manager",
            role(
                "Ingrid Imsen",
                Some("im@ikt.example"),
                Some("+4790000101"),
                None,
            ),
        ),
        (
            "varslingsansvarlig",
            role(
                "Vera Varsel",
                Some("varsling@ikt.example"),
                Some("+4790000102"),
                Some("vakthavende"),
            ),
        ),
        (
            "vakthavende",
            role(
                "Vidar Vakt",
                Some("vakt@ikt.example"),
                Some("+4790000103"),
                None,
            ),
        ),
        (
            "koordineringsansvarlig",
            role("Kåre Koord", Some("koord@ikt.example"), None, None),
        ),
        (
            "driftssjef",
            role("Dina Drift", Some("drift@ikt.example"), None, None),
        ),
        (
            "leder_tjenesteutvikling",
            role("Lars Leder", Some("tu@ikt.example"), None, None),
        ),
        (
            "daglig_leder",
            role("Dagny Dagleder", Some("dl@ikt.example"), None, None),
        ),
    ];
    c.roles = roles.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    c.municipalities = vec![
        Municipality {
            name: "Molde".into(),
            teams: None,
            companies: vec!["Molde kommune".into()],
            contacts: vec![
                contact("Mona Molde", "mona@molde.example", "+4790000201", true),
                contact("Morten Molde", "morten@molde.example", "+4790000202", true),
                contact("Mia Ikkekritisk", "mia@molde.example", "+4790000203", false),
            ],
        },
        Municipality {
            name: "Aukra".into(),
            teams: None,
            companies: vec!["Aukra kommune".into()],
            contacts: vec![contact(
                "Arne Aukra",
                "arne@aukra.example",
                "+4790000301",
                true,
            )],
        },
    ];
    c.services = vec![Service {
        name: "Sensio Pasientvarsling".into(),
        teams: None,
        categories: vec!["Velferdsteknologi".into()],
        life_and_health: true,
        administrator: Some(contact(
            "Siri Sensio",
            "siri@ikt.example",
            "+4790000401",
            false,
        )),
        vendor: Some(contact(
            "Sensio kundesenter",
            "support@sensio.example",
            "+4790000402",
            false,
        )),
    }];
    c.plan = plan_rules();
    c
}

/// Tickets observed through the real tracker.
pub struct World {
    pub config: Config,
    pub tickets: BTreeMap<u64, TrackedTicket>,
    pub ledger: Ledger,
}

impl World {
    pub fn new(config: Config) -> World {
        World {
            config,
            tickets: BTreeMap::new(),
            ledger: Ledger::default(),
        }
    }
    pub fn observe(&mut self, s: &TicketSnapshot, now: DateTime<Utc>) {
        let (t, _) = slavakt::tracker::observe(self.tickets.get(&s.id), s, &self.config, now);
        self.tickets.insert(s.id, t);
    }
    pub fn eval(&self, now: DateTime<Utc>) -> Evaluation {
        plan::evaluate(&self.tickets, &self.ledger, &self.config, now)
    }
    /// Evaluates and records, like one daemon tick.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Evaluation {
        let ev = self.eval(now);
        ev.record(&mut self.ledger, now);
        ev
    }
}

/// `rule → channel → recipient` lines, sorted, for compact assertions.
pub fn lines(ev: &Evaluation) -> Vec<String> {
    let mut v: Vec<String> = ev
        .intents
        .iter()
        .map(|i| format!("{} {} {}", i.key.rule, i.key.channel, i.recipient.address))
        .collect();
    v.sort();
    v
}
