//! Replaying a scenario: events → ticket snapshots → [`crate::engine::step`] (the daemon's own
//! step) at every event instant and at every `next_due` until `until`, with an in-memory state.
//! Nothing is sent and no state file is touched.

use super::{Event, EventKind, Scenario};
use crate::config::Config;
use crate::ledger::Ledger;
use crate::plan::{Finding, Intent};
use crate::ticket::{ChangePlan, CoreStatus, Person, TicketId, TicketSnapshot, TrackedTicket};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// One message that would go out.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    /// When the engine issued it (an event instant or a `next_due`).
    pub at: DateTime<Utc>,
    pub intent: Intent,
    /// The rendered message, or why the template failed.
    pub message: Result<crate::notify::Message, String>,
}

/// A ticket's deadlines at the end of the simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadline {
    pub ticket: TicketId,
    pub level: Option<String>,
    pub response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct Simulation {
    pub actions: Vec<Action>,
    pub deadlines: Vec<Deadline>,
    /// Problems the plan reported (once each), e.g. a recipient without an address.
    pub findings: Vec<Finding>,
    pub tickets: BTreeMap<TicketId, TrackedTicket>,
    pub ledger: Ledger,
}

/// Safety net against a plan that keeps asking to be woken at the same instant.
const MAX_STEPS: usize = 200_000;

/// Runs the scenario against `config`.
pub fn replay(scenario: &Scenario, config: &Config) -> Simulation {
    let mut sim = Simulation::default();
    let mut state = crate::state::State::default();
    let mut snapshots: BTreeMap<TicketId, TicketSnapshot> = BTreeMap::new();
    let events = &scenario.events;
    let Some(first) = events.first() else {
        return sim;
    };
    let mut now = first.at_utc();
    let mut idx = 0;
    for _ in 0..MAX_STEPS {
        // This instant's events, one snapshot each in order (as polls close together would
        // return them); acknowledgements as a click on the link would record them.
        let mut polled = Vec::new();
        let mut acks = Vec::new();
        while idx < events.len() && events[idx].at_utc() <= now {
            let e = &events[idx];
            idx += 1;
            if e.kind == EventKind::Ack {
                acks.extend(acknowledgements(&state.ledger, e, config));
                continue;
            }
            let snap = apply(snapshots.remove(&e.ticket), e);
            snapshots.insert(e.ticket, snap.clone());
            polled.push(snap);
        }
        let input = crate::engine::Input {
            snapshots: &polled,
            removed: &[],
            acks,
        };
        let step = crate::engine::step(&mut state, input, None, config, now);
        sim.findings.extend(step.plan.findings);
        let mut actions: Vec<Action> = step
            .plan
            .issued
            .into_iter()
            .map(|intent| {
                let message = state
                    .ledger
                    .entries
                    .get(&intent.key.to_string())
                    .and_then(|e| e.message.clone())
                    .ok_or_else(|| "not rendered".to_string());
                Action {
                    at: now,
                    intent,
                    message,
                }
            })
            .chain(
                step.plan
                    .render_failures
                    .into_iter()
                    .map(|(intent, error)| Action {
                        at: now,
                        intent,
                        message: Err(error),
                    }),
            )
            .collect();
        actions.sort_by_key(|a| a.intent.due_at);
        sim.actions.extend(actions);
        let next_event = events.get(idx).map(|e| e.at_utc());
        let next = match (next_event, step.plan.next_due) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(n) => n,
                None => break,
            },
        };
        if next > scenario.until {
            break;
        }
        now = next.max(now + Duration::seconds(1));
    }
    sim.deadlines = state
        .tickets
        .values()
        .map(|t| {
            let c = crate::sla::clocks(t, config, scenario.until);
            Deadline {
                ticket: t.id,
                level: t.level().map(str::to_string),
                response_due: c.as_ref().map(|c| c.response.due),
                resolution_due: c.as_ref().map(|c| c.resolution.due),
            }
        })
        .collect();
    sim.tickets = state.tickets;
    sim.ledger = state.ledger;
    sim
}

/// An `ack` event: every occurrence so far of the acknowledgement rules it names (or of all of
/// them) is acknowledged, as a click on the link would (the engine records them).
fn acknowledgements(
    ledger: &Ledger,
    e: &Event,
    config: &Config,
) -> Vec<(String, crate::plan::ack::Ack)> {
    let rules = config
        .plan
        .iter()
        .filter(|r| r.ack.is_some() && e.rule.as_ref().map_or(true, |n| *n == r.id));
    let mut keys = Vec::new();
    for r in rules {
        for entry in ledger.for_ticket(e.ticket) {
            if entry.intent.key.rule == r.id {
                keys.push(crate::plan::ack::ack_key(
                    e.ticket,
                    &r.id,
                    entry.intent.key.occurrence,
                ));
            }
        }
    }
    keys.into_iter()
        .map(|key| {
            let ack = crate::plan::ack::Ack {
                at: e.at_utc(),
                by: e.by.clone().unwrap_or_else(|| "scenario".into()),
                source: "scenario".into(),
            };
            (key, ack)
        })
        .collect()
}

/// The ticket's snapshot after event `e` (a new one for `created`).
fn apply(prev: Option<TicketSnapshot>, e: &Event) -> TicketSnapshot {
    let at = e.at_utc();
    let mut s = prev.unwrap_or_else(|| TicketSnapshot {
        id: e.ticket,
        number: e.ticket,
        subject: format!("Sak {}", e.ticket),
        description: String::new(),
        priority: None,
        status: "Ny".into(),
        core: CoreStatus::Open,
        municipalities: Vec::new(),
        service: None,
        category: None,
        company: None,
        source: None,
        assignee: None,
        created: at,
        modified: at,
        responded: None,
        resolved: None,
        closed: None,
        reopened_count: 0,
        change: None,
        fields: BTreeMap::new(),
        modified_by_us: false,
        kind: Default::default(),
    });
    s.modified = at;
    s.modified_by_us = e.by_us;
    if let Some(n) = e.number {
        s.number = n;
    }
    if let Some(v) = &e.subject {
        s.subject.clone_from(v);
    }
    if let Some(v) = &e.description {
        s.description.clone_from(v);
    }
    if let Some(v) = &e.priority {
        s.priority = Some(v.clone());
    }
    if let Some(v) = &e.status {
        s.status.clone_from(v);
    }
    if let Some(v) = &e.municipality {
        s.municipalities = v.to_vec();
    }
    if let Some(v) = &e.municipalities {
        s.municipalities.clone_from(v);
    }
    for (slot, v) in [
        (&mut s.service, &e.service),
        (&mut s.category, &e.category),
        (&mut s.company, &e.company),
        (&mut s.source, &e.source),
    ] {
        if let Some(v) = v {
            *slot = Some(v.clone());
        }
    }
    if let Some(name) = &e.assignee {
        s.assignee = Some(Person {
            name: name.clone(),
            email: e.assignee_email.clone(),
            phone: e.assignee_phone.clone(),
        });
    }
    if let Some(f) = &e.fields {
        s.fields
            .extend(f.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    if e.kind == EventKind::Created && e.ticket_type.as_deref() == Some("change")
        || e.planned_start.is_some()
        || e.planned_end.is_some()
    {
        let c = s.change.get_or_insert(ChangePlan {
            planned_start: None,
            planned_end: None,
            cancelled: false,
        });
        if let Some(p) = e.planned_start {
            c.planned_start = Some(p.with_timezone(&Utc));
        }
        if let Some(p) = e.planned_end {
            c.planned_end = Some(p.with_timezone(&Utc));
        }
    }
    match e.kind {
        EventKind::Responded => {
            s.responded.get_or_insert(at);
        }
        EventKind::Resolved => {
            s.core = CoreStatus::Solved;
            s.resolved = Some(at);
            if e.status.is_none() {
                s.status = "Løst".into();
            }
        }
        EventKind::Closed => {
            s.core = CoreStatus::Closed;
            s.resolved.get_or_insert(at);
            s.closed = Some(at);
            if e.status.is_none() {
                s.status = "Lukket".into();
            }
        }
        EventKind::Reopened => {
            s.core = CoreStatus::Open;
            s.resolved = None;
            s.closed = None;
            s.reopened_count += 1;
            if e.status.is_none() {
                s.status = "Gjenåpnet".into();
            }
        }
        EventKind::Cancelled => {
            if let Some(c) = s.change.as_mut() {
                c.cancelled = true;
            }
        }
        EventKind::Created
        | EventKind::Priority
        | EventKind::Status
        | EventKind::Planned
        | EventKind::Ack
        | EventKind::Update => {}
    }
    s
}
