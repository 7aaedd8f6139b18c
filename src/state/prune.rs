//! Retention: resolved tickets are kept for reports (13 months by default), then dropped with
//! everything recorded about them; a week after resolution, what only the messages needed
//! (assignee, template fields, and the title of a ticket the reports do not list) is dropped.

use crate::state::State;
use crate::ticket::TicketId;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// What one [`prune`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub tickets: usize,
    pub ledger_entries: usize,
    pub threads: usize,
    /// Findings reported about the removed tickets.
    pub reported: usize,
}

/// Removes tickets resolved before `now - retention`, their ledger entries, thread ids and
/// incident-report records.
///
/// Also removes settled ledger entries older than the cut-off whose ticket is not tracked (for
/// example alerts about slavakt itself), so the ledger does not grow forever. Open tickets and
/// anything still pending or in flight are never touched.
pub fn prune(state: &mut State, retention: chrono::Duration, now: DateTime<Utc>) -> Pruned {
    let cutoff = now - retention;
    let gone: BTreeSet<TicketId> = state
        .tickets
        .values()
        .filter(|t| t.resolved_at().is_some_and(|at| at < cutoff))
        .map(|t| t.id)
        .collect();
    let mut out = Pruned::default();
    for id in &gone {
        state.tickets.remove(id);
        out.tickets += 1;
    }
    if !gone.is_empty() {
        state.touched.retain(|id| !gone.contains(id));
    }

    let tickets = &state.tickets;
    out.ledger_entries = state.ledger.retain_entries(|e| {
        let t = e.intent.key.ticket;
        if gone.contains(&t) {
            return false;
        }
        !(e.is_settled() && e.created_at < cutoff && !tickets.contains_key(&t))
    });

    // Incident-report records go with their ticket or after the retention period (the files
    // in reports_dir stay: they are the admins' documents). One still owed stays until its file
    // is written.
    state.incident_reports.retain(|key, r| {
        let id = key
            .split('/')
            .next()
            .and_then(|s| s.parse::<TicketId>().ok());
        r.is_owed() || (r.drafted_at >= cutoff && !id.is_some_and(|id| gone.contains(&id)))
    });

    // A thread is worth keeping while its ticket is tracked or has ledger entries left.
    let ledger = &state.ledger;
    let before = state.threads.len();
    state.threads.retain(|key, _| {
        let Some(id) = key
            .split('/')
            .next()
            .and_then(|s| s.parse::<TicketId>().ok())
        else {
            return true; // not a "<ticket>/<channel>" key: not ours to judge
        };
        !gone.contains(&id) && (tickets.contains_key(&id) || ledger.for_ticket(id).next().is_some())
    });
    out.threads = before - state.threads.len();

    // Findings about one ticket (`no-assignee/<ticket>`, `no-service/<ticket>/…`,
    // `incident-report/<ticket>/<n>`) go with it; the others name config entries and are bounded
    // by the config.
    let before = state.reported.len();
    if !gone.is_empty() {
        state
            .reported
            .retain(|key| !finding_ticket(key).is_some_and(|id| gone.contains(&id)));
    }
    out.reported = before - state.reported.len();
    out
}

/// The ticket a finding key is about, for the kinds that are about one ticket.
fn finding_ticket(key: &str) -> Option<TicketId> {
    let mut parts = key.split('/');
    let kind = parts.next()?;
    if !matches!(
        kind,
        "no-assignee" | "no-service" | "no-municipality" | "incident-report"
    ) {
        return None;
    }
    parts.next()?.parse().ok()
}

/// How long after its resolution a ticket keeps what only its messages need: long enough for
/// the resolved notices, their retries and a quick reopening.
pub const MINIMISE_AFTER: chrono::Duration = chrono::Duration::days(7);

/// Drops, from tickets resolved at least [`MINIMISE_AFTER`] before `now`, what the reports do
/// not need: the assignee's name and addresses, the template fields (consequence, cause, …),
/// and the subject unless the ticket's level is in `titled_levels` (the monthly report lists
/// those incidents by title). A reopened ticket gets them back from Pureservice at its next
/// change. Returns how many tickets were changed.
pub fn minimise(state: &mut State, titled_levels: &BTreeSet<String>, now: DateTime<Utc>) -> usize {
    let cutoff = now - MINIMISE_AFTER;
    let mut changed = 0;
    let mut touched = Vec::new();
    for t in state.tickets.values_mut() {
        if !t.resolved_at().is_some_and(|at| at <= cutoff) {
            continue;
        }
        let keep_subject = t.level().is_some_and(|l| titled_levels.contains(l));
        let before = (t.assignee.is_some(), t.fields.len(), t.subject.len());
        t.assignee = None;
        t.fields.clear();
        if !keep_subject {
            t.subject.clear();
        }
        if before != (t.assignee.is_some(), t.fields.len(), t.subject.len()) {
            changed += 1;
            touched.push(t.id);
        }
    }
    for id in touched {
        state.touch_ticket(id);
    }
    changed
}
