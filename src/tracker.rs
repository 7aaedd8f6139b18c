//! Folds ticket snapshots into tracked history ([`crate::ticket::TrackedTicket`]).
//!
//! Pure: `observe(previous, snapshot, config, now)`. The daemon calls it for every ticket a poll
//! returns; `simulate` for every scenario event. Changes are dated by `snapshot.modified`,
//! clamped so that history never runs backwards (a snapshot older than the last one seen is
//! dated at the last one's time). `now` is only used for `first_seen`.
//!
//! Rules (docs/SLA.md has the full list):
//! - First sight: the level in force is assumed to have held since `created`; a ticket already
//!   in a pause status is paused since `modified`; an already solved/closed one is resolved
//!   since `resolved` (else `closed`, else `modified`) and `resolved_when_first_seen`.
//! - A priority name maps to a level through `config.level_for_priority`; an unknown name or
//!   one listed in `unset_priorities` gives level `None` (no SLA clocks until it gets one).
//! - Observing the same snapshot twice changes nothing (idempotent).

use crate::config::Config;
use crate::ticket::{
    ChangePlan, CoreStatus, LevelChange, Span, StatusChange, TicketSnapshot, TrackedTicket,
    MAX_STATUS_CHANGES,
};
use chrono::{DateTime, Utc};

/// Something that changed in this observation (for logs, metrics and the incident timeline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    FirstSeen,
    LevelChanged {
        from: Option<String>,
        to: Option<String>,
    },
    Paused,
    Resumed,
    Responded,
    Resolved,
    Reopened,
    StatusChanged {
        from: String,
        to: String,
    },
    ChangeMoved,
    ChangeCancelled,
}

/// The SLA level a Pureservice priority name means under `config` (`None`: unset or unknown).
pub fn level_of(priority: Option<&str>, config: &Config) -> Option<String> {
    let name = priority?;
    if config
        .pureservice
        .unset_priorities
        .iter()
        .any(|u| u == name)
    {
        return None;
    }
    config.level_for_priority(name).map(|l| l.name.clone())
}

fn is_paused_status(status: &str, config: &Config) -> bool {
    config
        .pureservice
        .paused_statuses
        .iter()
        .any(|s| s == status)
}

fn is_solved(core: CoreStatus) -> bool {
    matches!(core, CoreStatus::Solved | CoreStatus::Closed)
}

/// When the snapshot says the ticket was solved: `resolved`, else `closed`, else `fallback`.
fn solved_at(snapshot: &TicketSnapshot, fallback: DateTime<Utc>) -> DateTime<Utc> {
    snapshot.resolved.or(snapshot.closed).unwrap_or(fallback)
}

/// Updates (or creates) the tracked ticket from a snapshot.
pub fn observe(
    previous: Option<&TrackedTicket>,
    snapshot: &TicketSnapshot,
    config: &Config,
    now: DateTime<Utc>,
) -> (TrackedTicket, Vec<Observed>) {
    match previous {
        None => (
            first_sight(snapshot, config, now),
            vec![Observed::FirstSeen],
        ),
        Some(prev) => {
            let mut ticket = prev.clone();
            let changes = update(&mut ticket, snapshot, config);
            (ticket, changes)
        }
    }
}

fn first_sight(s: &TicketSnapshot, config: &Config, now: DateTime<Utc>) -> TrackedTicket {
    // Nothing can have happened before creation; a snapshot dated earlier is a source glitch.
    let modified = s.modified.max(s.created);
    let solved = is_solved(s.core);
    let pauses = if is_paused_status(&s.status, config) && !solved {
        vec![Span {
            start: modified,
            end: None,
        }]
    } else {
        Vec::new()
    };
    let resolutions = if solved {
        vec![Span {
            start: solved_at(s, modified).max(s.created),
            end: None,
        }]
    } else {
        Vec::new()
    };
    let change_revisions = s
        .change
        .as_ref()
        .and_then(|c| c.planned_start)
        .into_iter()
        .collect();
    TrackedTicket {
        id: s.id,
        number: s.number,
        subject: s.subject.clone(),
        municipalities: s.municipalities.clone(),
        service: s.service.clone(),
        category: s.category.clone(),
        assignee: s.assignee.clone(),
        assigned: s.assignee.as_ref().map(|_| modified.max(s.created)),
        created: s.created,
        first_seen: now,
        last_modified: modified,
        status: s.status.clone(),
        core: s.core,
        levels: vec![LevelChange {
            at: s.created,
            level: level_of(s.priority.as_deref(), config),
            priority: s.priority.clone(),
        }],
        pauses,
        responded: s.responded.map(|r| r.max(s.created)),
        resolutions,
        last_agent_update: if s.modified_by_us {
            s.created
        } else {
            modified
        },
        resolved_when_first_seen: solved,
        change: s.change.clone(),
        change_revisions,
        classification: None,
        fields: s.fields.clone(),
        status_changes: Vec::new(),
        kind: s.kind,
        backfilled: None,
    }
}

fn update(t: &mut TrackedTicket, s: &TicketSnapshot, config: &Config) -> Vec<Observed> {
    let mut out = Vec::new();
    // Every change below is dated `at`: the snapshot's time, never before what we already saw.
    let at = s.modified.max(t.last_modified);
    let newer = s.modified > t.last_modified;

    // Level.
    let level = level_of(s.priority.as_deref(), config);
    let current = t.levels.last();
    let level_differs = current.map(|l| &l.level) != Some(&level);
    let priority_differs = current.map(|l| &l.priority) != Some(&s.priority);
    if level_differs || priority_differs {
        if level_differs {
            out.push(Observed::LevelChanged {
                from: t.level().map(str::to_string),
                to: level.clone(),
            });
        }
        t.levels.push(LevelChange {
            at,
            level,
            priority: s.priority.clone(),
        });
    }

    t.kind = s.kind;

    // Status and pauses.
    if t.status != s.status {
        t.status_changes.push(StatusChange {
            at,
            status: s.status.clone(),
        });
        if t.status_changes.len() > MAX_STATUS_CHANGES {
            t.status_changes.remove(0);
        }
        out.push(Observed::StatusChanged {
            from: std::mem::replace(&mut t.status, s.status.clone()),
            to: s.status.clone(),
        });
    }
    let solved = is_solved(s.core);
    let pausing = is_paused_status(&s.status, config) && !solved;
    if pausing && !t.is_paused() {
        t.pauses.push(Span {
            start: at,
            end: None,
        });
        out.push(Observed::Paused);
    } else if !pausing && t.is_paused() {
        if let Some(p) = t.pauses.last_mut() {
            p.end = Some(at.max(p.start));
        }
        out.push(Observed::Resumed);
    }

    // Response: the first one counts.
    if t.responded.is_none() {
        if let Some(r) = s.responded {
            t.responded = Some(r.max(t.created));
            out.push(Observed::Responded);
        }
    }

    // Resolution spans.
    observe_resolution(t, s, at, &mut out);
    t.core = s.core;

    // Who touched it last.
    if newer && !s.modified_by_us {
        t.last_agent_update = at;
    }
    t.last_modified = at;

    // Planned change.
    observe_change(t, s.change.as_ref(), &mut out);

    // Descriptive fields simply follow the source.
    t.number = s.number;
    t.subject.clone_from(&s.subject);
    t.municipalities.clone_from(&s.municipalities);
    t.service.clone_from(&s.service);
    t.category.clone_from(&s.category);
    if t.assigned.is_none() && s.assignee.is_some() {
        t.assigned = Some(at);
    }
    t.assignee.clone_from(&s.assignee);
    t.fields.clone_from(&s.fields);
    out
}

fn observe_resolution(
    t: &mut TrackedTicket,
    s: &TicketSnapshot,
    at: DateTime<Utc>,
    out: &mut Vec<Observed>,
) {
    let solved = is_solved(s.core);
    // A solved span never starts before creation or before the previous span ended.
    let floor = t
        .resolutions
        .last()
        .map(|r| r.end.unwrap_or(r.start))
        .unwrap_or(t.created)
        .max(t.created);
    match (t.is_resolved(), solved) {
        (false, true) => {
            let start = solved_at(s, at).clamp(floor, at.max(floor));
            t.resolutions.push(Span { start, end: None });
            out.push(Observed::Resolved);
        }
        (true, false) => {
            if let Some(r) = t.resolutions.last_mut() {
                r.end = Some(at.max(r.start));
            }
            out.push(Observed::Reopened);
        }
        (true, true) => {
            // Reopened and solved again between two looks: the source's solve time moved on.
            // The reopen instant is unknown, so the old span is cut to zero length (all the time
            // in between counts: the conservative reading) and a new one starts.
            let current = t.resolutions.last().map(|r| r.start);
            if let (Some(cur), Some(new)) = (current, s.resolved) {
                if new > cur && new <= at {
                    if let Some(r) = t.resolutions.last_mut() {
                        r.end = Some(cur);
                    }
                    t.resolutions.push(Span {
                        start: new,
                        end: None,
                    });
                    out.push(Observed::Reopened);
                    out.push(Observed::Resolved);
                }
            }
        }
        (false, false) => {}
    }
}

fn observe_change(t: &mut TrackedTicket, new: Option<&ChangePlan>, out: &mut Vec<Observed>) {
    let Some(new) = new else {
        return;
    };
    let old = t.change.replace(new.clone());
    if let Some(start) = new.planned_start {
        if t.change_revisions.last() != Some(&start) {
            t.change_revisions.push(start);
        }
    }
    let Some(old) = old else {
        return;
    };
    let moved = (old.planned_start.is_some() && old.planned_start != new.planned_start)
        || (old.planned_end.is_some() && old.planned_end != new.planned_end);
    if moved {
        out.push(Observed::ChangeMoved);
    }
    if new.cancelled && !old.cancelled {
        out.push(Observed::ChangeCancelled);
    }
}
