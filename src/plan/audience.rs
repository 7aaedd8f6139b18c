//! Who a rule reaches: `to` entries × `via` channels → concrete (audience, channel, recipient)
//! targets, with off-hours stand-ins for roles. A person without an address for a channel is a
//! [`Finding`], never silently dropped.

use super::{Finding, Recipient};
use crate::config::{
    Audience, ChannelRef, Config, Contact, PlanRule, TEAMS_MUNICIPALITY, TEAMS_SERVICE,
};
use crate::ledger::Ledger;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};

/// One place a rule occurrence goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The `to` entry that produced it, or `channel` for a shared-channel post.
    pub audience: String,
    pub channel: ChannelRef,
    pub recipient: Recipient,
}

/// A person an audience stands for, with the addresses we know.
struct Person {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    /// Short description for findings ("role:driftssjef", "assignee of #1001").
    what: String,
}

impl Person {
    fn from_contact(c: &Contact, what: String) -> Person {
        Person {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            what,
        }
    }
}

/// Whether the off-hours calendar is closed at `at` (stand-ins take over).
pub fn off_hours(config: &Config, at: DateTime<Utc>) -> bool {
    config
        .calendar(&config.daemon.off_hours_calendar)
        .is_some_and(|c| !c.is_open(at))
}

/// The targets of one occurrence of `rule` for ticket `t`, due at `at`.
pub fn resolve(
    rule: &PlanRule,
    t: &TrackedTicket,
    at: DateTime<Utc>,
    ledger: &Ledger,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Vec<Target> {
    let mut out = Vec::new();
    for aud in &rule.to {
        if *aud == Audience::Notified {
            for (channel, recipient) in ledger.notified(t.id) {
                if let Some(ch) = ChannelRef::parse(&channel).filter(|c| rule.via.contains(c)) {
                    out.push(Target {
                        audience: aud.to_string(),
                        channel: ch,
                        recipient,
                    });
                }
            }
            continue;
        }
        for p in people(aud, t, at, config, findings) {
            for ch in rule.via.iter().filter(|c| c.is_personal()) {
                let address = match ch {
                    ChannelRef::Email => p.email.as_ref(),
                    _ => p.phone.as_ref(),
                };
                match address {
                    Some(a) if !a.trim().is_empty() => out.push(Target {
                        audience: aud.to_string(),
                        channel: ch.clone(),
                        recipient: Recipient {
                            name: p.name.clone(),
                            address: a.trim().to_string(),
                        },
                    }),
                    _ => findings.push(Finding {
                        key: format!("no-address/{ch}/{}", p.what),
                        message: format!(
                            "{} ({}) has no {} address: rule {} cannot reach them by {ch}; add it to the config",
                            p.what,
                            p.name,
                            if *ch == ChannelRef::Email { "e-mail" } else { "phone" },
                            rule.id
                        ),
                    }),
                }
            }
        }
    }
    // Shared channels are posts: once per occurrence, unless the rule only re-reaches the
    // notified (then they were included above if the ticket's plan posted there before).
    let only_notified = !rule.to.is_empty() && rule.to.iter().all(|a| *a == Audience::Notified);
    if !only_notified {
        for via in rule.via.iter().filter(|c| !c.is_personal()) {
            for ch in shared(via, t, config, findings) {
                out.push(Target {
                    audience: "channel".into(),
                    channel: ch.clone(),
                    recipient: Recipient {
                        name: ch.to_string(),
                        address: ch.to_string(),
                    },
                });
            }
        }
    }
    out
}

/// The shared channels one `via` entry means for ticket `t`: itself, or for
/// `teams:municipality` / `teams:service` the `teams` targets of the ticket's municipalities
/// or service ("aktuell kanal"); a unit without one is a finding.
fn shared(
    via: &ChannelRef,
    t: &TrackedTicket,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Vec<ChannelRef> {
    let ChannelRef::Teams(which) = via else {
        return vec![via.clone()];
    };
    let units: Vec<(&str, Option<&str>)> = if which == TEAMS_MUNICIPALITY {
        t.municipalities
            .iter()
            .map(|m| {
                (
                    m.as_str(),
                    config.municipality(m).and_then(|x| x.teams.as_deref()),
                )
            })
            .collect()
    } else if which == TEAMS_SERVICE {
        t.service
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    config.service(s).and_then(|x| x.teams.as_deref()),
                )
            })
            .collect()
    } else {
        return vec![via.clone()];
    };
    if units.is_empty() {
        findings.push(Finding {
            key: format!("no-unit/{via}/{}", t.id),
            message: format!(
                "ticket #{} names no {which}, so {via} has no Teams target for it",
                t.number
            ),
        });
    }
    let mut out: Vec<ChannelRef> = Vec::new();
    for (unit, teams) in units {
        match teams {
            Some(name) => {
                let ch = ChannelRef::Teams(name.to_string());
                if !out.contains(&ch) {
                    out.push(ch);
                }
            }
            None => findings.push(Finding {
                key: format!("no-unit-teams/{which}/{unit}"),
                message: format!(
                    "{which} {unit:?} has no `teams` target in the config, so {via} cannot post for it"
                ),
            }),
        }
    }
    out
}

/// The people one `to` entry stands for.
fn people(
    aud: &Audience,
    t: &TrackedTicket,
    at: DateTime<Utc>,
    config: &Config,
    findings: &mut Vec<Finding>,
) -> Vec<Person> {
    let mut out = Vec::new();
    match aud {
        Audience::Role(name) => {
            let Some(role) = config.roles.get(name) else {
                findings.push(Finding {
                    key: format!("unknown-role/{name}"),
                    message: format!(
                        "role {name:?} is used by the plan but not defined in [roles]"
                    ),
                });
                return out;
            };
            let (key, role) = match role.off_hours.as_deref() {
                Some(stand_in) if off_hours(config, at) => match config.roles.get(stand_in) {
                    Some(r) => (stand_in, r),
                    None => (name.as_str(), role),
                },
                _ => (name.as_str(), role),
            };
            // A group role is every member, each on every channel the rule names.
            for c in role.people() {
                out.push(Person::from_contact(&c, format!("role:{key}")));
            }
        }
        Audience::ServiceAdministrator | Audience::ServiceVendor => {
            let admin = *aud == Audience::ServiceAdministrator;
            let which = if admin { "administrator" } else { "vendor" };
            let Some(sname) = t.service.as_deref() else {
                findings.push(Finding {
                    key: format!("no-service/{}/{which}", t.id),
                    message: format!(
                        "ticket #{} names no service: its service {which} cannot be told",
                        t.number
                    ),
                });
                return out;
            };
            let Some(service) = config.service(sname) else {
                findings.push(Finding {
                    key: format!("unknown-service/{sname}"),
                    message: format!("service {sname:?} (ticket #{}) is not in [[services]]: its {which} cannot be told", t.number),
                });
                return out;
            };
            match if admin {
                &service.administrator
            } else {
                &service.vendor
            } {
                Some(c) => out.push(Person::from_contact(
                    c,
                    format!("service {sname:?} {which}"),
                )),
                None => findings.push(Finding {
                    key: format!("no-{which}/{sname}"),
                    message: format!("service {sname:?} has no {which} in the config"),
                }),
            }
        }
        Audience::MunicipalityCritical | Audience::MunicipalityAll => {
            let critical = *aud == Audience::MunicipalityCritical;
            if t.municipalities.is_empty() {
                findings.push(Finding {
                    key: format!("no-municipality/{}", t.id),
                    message: format!(
                        "ticket #{} names no municipality: its contacts cannot be told",
                        t.number
                    ),
                });
            }
            for mname in &t.municipalities {
                let Some(m) = config.municipality(mname) else {
                    findings.push(Finding {
                        key: format!("unknown-municipality/{mname}"),
                        message: format!(
                            "municipality {mname:?} (ticket #{}) is not in [[municipalities]]",
                            t.number
                        ),
                    });
                    continue;
                };
                let before = out.len();
                for c in m.contacts.iter().filter(|c| c.critical || !critical) {
                    out.push(Person::from_contact(c, format!("{mname} contact")));
                }
                if out.len() == before {
                    findings.push(Finding {
                        key: format!("no-contacts/{mname}/{critical}"),
                        message: format!(
                            "municipality {mname:?} has no {}contacts",
                            if critical { "critical " } else { "" }
                        ),
                    });
                }
            }
        }
        Audience::TicketAssignee => match &t.assignee {
            Some(p) => out.push(Person {
                name: p.name.clone(),
                email: p.email.clone(),
                phone: p.phone.clone(),
                what: format!("assignee {:?}", p.name),
            }),
            None => findings.push(Finding {
                key: format!("no-assignee/{}", t.id),
                message: format!("ticket #{} has no assignee to tell", t.number),
            }),
        },
        Audience::Notified => {}
    }
    out
}
