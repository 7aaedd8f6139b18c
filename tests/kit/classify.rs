//! Shared helpers for the classification tests: the SLA test config (`kit::sla`) plus
//! fictional roles, services, municipalities, channels and `[[classify]]` rules like the
//! shipped ROR-IKT ones, and snapshot builders.

use super::sla as sla_support;

pub use sla_support::oslo;

use chrono::{DateTime, Utc};
use slavakt::config::*;
use slavakt::ticket::{CoreStatus, Person, TicketSnapshot};
use std::collections::BTreeMap;

fn role(name: &str, email: &str, phone: &str, off_hours: Option<&str>) -> Role {
    Role {
        name: name.into(),
        email: Some(email.into()),
        phone: Some(phone.into()),
        off_hours: off_hours.map(str::to_string),
        title: None,
        members: Vec::new(),
    }
}

pub fn rule(id: &str, level: &str) -> ClassifyRule {
    ClassifyRule {
        id: id.into(),
        level: level.into(),
        action: ClassifyAction::Suggest,
        services: Vec::new(),
        life_and_health: false,
        categories: Vec::new(),
        municipalities: Vec::new(),
        sources: Vec::new(),
        keywords: Vec::new(),
        also_keywords: Vec::new(),
    }
}

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// The test config: suggest mode, cluster 5 tickets in 10 minutes.
pub fn config() -> Config {
    let mut c = sla_support::config();
    c.daemon.language = Language::Nb;
    c.roles = [
        (
            "incident_manager",
            role(
                "Ingrid Hendelsesleder",
                "ingrid@ror-ikt.example",
                "+4790000101",
                None,
            ),
        ),
        (
            "varslingsansvarlig",
            role(
                "Vegard Varsel",
                "vegard@ror-ikt.example",
                "+4790000102",
                Some("vakthavende"),
            ),
        ),
        (
            "vakthavende",
            role("Vilde Vakt", "vilde@ror-ikt.example", "+4790000103", None),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    c.services = vec![
        Service {
            name: "Sensio Pasientvarsling".into(),
            teams: None,
            categories: words(&["Pasientvarsling", "Trygghetsalarm"]),
            life_and_health: true,
            administrator: None,
            vendor: None,
        },
        Service {
            name: "Gerica".into(),
            teams: None,
            categories: words(&["Gerica", "EPJ"]),
            life_and_health: false,
            administrator: None,
            vendor: None,
        },
    ];
    c.municipalities = vec![Municipality {
        name: "Molde".into(),
        teams: None,
        companies: words(&["Molde kommune", "Molde helse og omsorg"]),
        contacts: Vec::new(),
    }];
    c.channels.email = Some(EmailChannel {
        host: "127.0.0.1".into(),
        port: 2525,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "slavakt@ror-ikt.example".into(),
        ca_file: None,
        timeout: chrono::Duration::seconds(10),
        reply_to: None,
    });
    c.channels.pureservice_note = true;
    let mut lh = rule("liv-og-helse-nede", "kritisk");
    lh.life_and_health = true;
    lh.keywords = words(&[
        "nede",
        "virker ikke",
        "fungerer ikke",
        "ute av drift",
        "alarm*",
    ]);
    let mut pv = rule("pasientvarsling", "kritisk");
    pv.services = words(&["Sensio Pasientvarsling"]);
    pv.keywords = words(&["pasientvarsling", "trygghetsalarm"]);
    let mut inn = rule("innbyggertjeneste", "hoy");
    inn.keywords = words(&["innbyggertjeneste", "min side", "e-skjema"]);
    let mut login = rule("innlogging", "middels");
    login.keywords = words(&["får ikke logget inn"]);
    let mut home = rule("hjemmekontor", "lav");
    home.keywords = words(&["hjemmekontor"]);
    c.classify = ClassifyConfig {
        rules: vec![home, login, inn, lh, pv],
        default_level: None,
        default_action: ClassifyAction::Suggest,
        cluster_size: 5,
        cluster_window: chrono::Duration::minutes(10),
        notify: vec![
            Audience::Role("incident_manager".into()),
            Audience::Role("varslingsansvarlig".into()),
        ],
        via: vec![ChannelRef::Email],
    };
    c
}

/// Every rule (and the default) in `set` mode.
pub fn set_mode(mut c: Config) -> Config {
    for r in &mut c.classify.rules {
        r.action = ClassifyAction::Set;
    }
    c.classify.default_action = ClassifyAction::Set;
    c
}

/// A new, unprioritised, open ticket.
pub fn ticket(id: u64, subject: &str, description: &str, created: DateTime<Utc>) -> TicketSnapshot {
    TicketSnapshot {
        id,
        number: 20_000 + id,
        subject: subject.into(),
        description: description.into(),
        priority: None,
        status: "Ny".into(),
        core: CoreStatus::Open,
        municipalities: vec!["Molde".into()],
        service: None,
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

pub fn assignee() -> Person {
    Person {
        name: "Aksel Agent".into(),
        email: Some("aksel@ror-ikt.example".into()),
        phone: Some("+4790000201".into()),
    }
}
