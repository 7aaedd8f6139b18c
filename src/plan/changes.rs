//! Planned-change triggers (kommunikasjonsplan §4, SLA §6.2): announce, remind, start, move,
//! cancel, complete, and flag short notice. Only change tickets fire them.
//!
//! Occurrences: the announcement (the longest `change_starts_in`) fires once per change, when
//! the change is registered;
//! shorter ones (reminders) and `change_started` are keyed by the planned start (minutes since
//! the epoch), so a move re-arms them for the new time; `change_moved` by the revision
//! number; `change_completed` by the resolution count; cancel and short notice fire once.
//! A move, a cancellation or the completion is posted only if the change was announced, and a reminder
//! only if the announcement went out before the reminder was due.

use super::spans::minute_key;
use super::triggers::Outcome;
use super::Reason;
use crate::config::{Config, PlanRule, Trigger};
use crate::ledger::Ledger;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Duration, Utc};

/// Var on change notices: the planned start they announced.
const PLANNED_START: &str = "planned_start";

/// The longest `change_starts_in` of the plan: the rule(s) with it are the announcement, which
/// goes out at registration.
pub fn longest_lead(config: &Config) -> Option<Duration> {
    config
        .plan
        .iter()
        .filter_map(|r| match &r.when {
            Trigger::ChangeStartsIn(d) => Some(d.as_wall()),
            _ => None,
        })
        .max()
}

/// Whether the announcement (a rule with the longest `change_starts_in` that applies to this
/// change) goes out only at or after `due`, so a reminder due then would just repeat it: after
/// downtime across both moments, or in the same evaluation as a late announcement.
fn announcement_not_before(
    t: &TrackedTicket,
    config: &Config,
    ledger: &Ledger,
    due: DateTime<Utc>,
) -> bool {
    let lead = longest_lead(config);
    let announcing: Vec<&str> = config
        .plan
        .iter()
        .filter(|r| matches!(&r.when, Trigger::ChangeStartsIn(d) if Some(d.as_wall()) == lead))
        .filter(|r| super::spans::in_rule(r, t.level()))
        .map(|r| r.id.as_str())
        .collect();
    if announcing.is_empty() {
        return false;
    }
    // Not issued yet means due now as well (it is due before any reminder): it goes out alone.
    !ledger.for_ticket(t.id).any(|e| {
        e.intent.reason == Reason::ChangeNotice
            && announcing.contains(&e.intent.key.rule.as_str())
            && e.created_at < due
    })
}

/// Whether an announcement or reminder of this change was issued.
fn announced(t: &TrackedTicket, ledger: &Ledger) -> bool {
    ledger
        .for_ticket(t.id)
        .any(|e| e.intent.reason == Reason::ChangeNotice)
}

pub fn evaluate(
    rule: &PlanRule,
    t: &TrackedTicket,
    config: &Config,
    ledger: &Ledger,
    now: DateTime<Utc>,
    out: &mut Outcome,
) {
    let Some(change) = &t.change else {
        return;
    };
    let done = t.is_resolved();
    let live = !change.cancelled && !done;
    let start = change.planned_start;
    match &rule.when {
        Trigger::ChangeStartsIn(d) => {
            let (Some(s), true) = (start, live) else {
                return;
            };
            if now >= s {
                return;
            }
            let lead = d.as_wall();
            let announcement = longest_lead(config) == Some(lead);
            let due = s - lead;
            // §4 "i rimelig tid": the announcement (the longest lead) goes out when the change is
            // registered, however far ahead; a reminder whose time had passed at registration
            // would only repeat it.
            let due = if announcement {
                t.created
            } else if due >= t.created {
                due
            } else {
                return;
            };
            // The announcement goes out once per change (a move is posted by `change_moved`);
            // reminders are keyed by the planned start, so a move re-arms them.
            let occurrence = if announcement { 0 } else { minute_key(s) };
            if due <= now {
                // A reminder only repeats an announcement that went out before it was due: after
                // downtime across both moments the (late) announcement alone goes out.
                if !announcement && announcement_not_before(t, config, ledger, due) {
                    return;
                }
                let f = out.fire(occurrence, due, Reason::ChangeNotice);
                f.vars.insert(
                    "starts_in".into(),
                    crate::duration::format_secs(lead.num_seconds()),
                );
                f.vars.insert(PLANNED_START.into(), s.to_rfc3339());
            } else {
                out.later(due);
            }
        }
        Trigger::ChangeStarted => {
            let (Some(s), true) = (start, live) else {
                return;
            };
            if s <= now {
                out.fire(minute_key(s), s, Reason::ChangeStarted);
            } else {
                out.later(s);
            }
        }
        Trigger::ChangeCompleted => {
            // Completion is news only to those who were told of the change: one registered
            // after the fact, or first seen already done, was never announced.
            if let (Some(at), false) = (t.resolved_at(), change.cancelled) {
                if announced(t, ledger) {
                    out.fire(t.resolutions.len() as u32, at, Reason::ChangeCompleted);
                }
            }
        }
        Trigger::ChangeMoved => {
            // A move is news only if the time last posted (announcement, reminder or an
            // earlier move) is another one: a move before the announcement is not, a move back
            // to the announced time after a posted move is.
            let current = start.map(|s| s.to_rfc3339());
            let last_posted = ledger
                .for_ticket(t.id)
                .filter(|e| matches!(e.intent.reason, Reason::ChangeNotice | Reason::ChangeMoved))
                .filter_map(|e| e.intent.vars.get(PLANNED_START).map(|s| (e.created_at, s)))
                .max_by_key(|(at, _)| *at)
                .map(|(_, s)| s);
            let news = last_posted.is_some_and(|s| Some(s) != current.as_ref());
            let moves = t.change_revisions.len().saturating_sub(1) as u32;
            if moves > 0 && live && news && start.is_some_and(|s| s > now) {
                let f = out.fire(moves, t.last_modified.min(now), Reason::ChangeMoved);
                if let Some(c) = current {
                    f.vars.insert(PLANNED_START.into(), c);
                }
            }
        }
        Trigger::ChangeCancelled if change.cancelled && announced(t, ledger) => {
            out.fire(1, t.last_modified.min(now), Reason::ChangeCancelled);
        }
        Trigger::ChangeShortNotice => {
            let first = t.change_revisions.first().copied().or(start);
            let min = config.changes.min_notice.as_wall();
            if let (Some(s), true) = (first, live) {
                if s - t.created < min && now < s {
                    out.fire(0, t.created, Reason::ChangeShortNotice)
                        .vars
                        .insert("min_notice".into(), config.changes.min_notice.to_string());
                }
            }
        }
        _ => {}
    }
}
