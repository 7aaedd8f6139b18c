//! When a rule fires for one ticket: the `when` triggers, each giving the occurrences due now
//! (with their due instants) and the next instant something of it may become due.
//!
//! Independent of the ledger: the engine filters out what was already issued. Occurrence numbers
//! are the idempotency part of the key, chosen so that each trigger fires exactly as documented
//! in docs/PLAN.md.

use super::spans::{self, Run};
use super::Reason;
use crate::config::{PlanRule, Trigger};
use crate::duration::format_secs;
use crate::sla::{Clock, ClockState, TicketClocks};
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One due occurrence of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    pub occurrence: u32,
    pub due_at: DateTime<Utc>,
    pub reason: Reason,
    pub vars: BTreeMap<String, String>,
}

/// What a rule does for one ticket at `now`.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub due: Vec<Firing>,
    /// Earliest instant after `now` at which this rule may fire for this ticket.
    pub next: Option<DateTime<Utc>>,
}

impl Outcome {
    pub(super) fn fire(
        &mut self,
        occurrence: u32,
        due_at: DateTime<Utc>,
        reason: Reason,
    ) -> &mut Firing {
        self.due.push(Firing {
            occurrence,
            due_at,
            reason,
            vars: BTreeMap::new(),
        });
        self.due.last_mut().expect("just pushed")
    }
    pub(super) fn later(&mut self, at: DateTime<Utc>) {
        self.next = Some(self.next.map_or(at, |n| n.min(at)));
    }
}

/// Every occurrence key of `every` rules spans `EVERY_SPAN` numbers per level run, so a new
/// run (re-entering the rule's priorities) restarts the count without colliding.
pub const EVERY_SPAN: u32 = 100_000;
/// Warning occurrences are `run × WARN_SPAN + percent` (a priority change re-arms them).
pub const WARN_SPAN: u32 = 1_000;

/// Whether this trigger is about planned changes (issue 8), not incidents.
pub fn is_change_trigger(t: &Trigger) -> bool {
    matches!(
        t,
        Trigger::ChangeStartsIn(_)
            | Trigger::ChangeStarted
            | Trigger::ChangeCompleted
            | Trigger::ChangeMoved
            | Trigger::ChangeCancelled
            | Trigger::ChangeShortNotice
    )
}

/// Whether the trigger needs the ticket's SLA clocks.
pub fn needs_clocks(t: &Trigger) -> bool {
    matches!(
        t,
        Trigger::ResponseWarning
            | Trigger::ResponseBreached
            | Trigger::ResolutionWarning
            | Trigger::ResolutionBreached
    )
}

/// The occurrences of `rule` due for ticket `t` at `now`.
pub fn evaluate(
    rule: &PlanRule,
    t: &TrackedTicket,
    runs: &[Run<'_>],
    clocks: Option<&TicketClocks>,
    config: &crate::config::Config,
    ledger: &crate::ledger::Ledger,
    now: DateTime<Utc>,
) -> Outcome {
    let mut out = Outcome::default();
    if is_change_trigger(&rule.when) {
        if spans::in_rule(rule, runs.last().and_then(|r| r.level)) {
            super::changes::evaluate(rule, t, config, ledger, now, &mut out);
        }
        return out;
    }
    let open = !t.is_resolved();
    let entry = spans::current_entry(rule, runs);
    // Incident and SLA triggers are not about planned changes: a change is held to its
    // announcement times (SLA §6.2), not to the response/resolution times of support cases
    // (§5.6) — a change registered ten days ahead would otherwise "breach" before it starts.
    if t.is_change() {
        return out;
    }
    match &rule.when {
        Trigger::Opened => {
            if let (true, Some(e)) = (open, &entry) {
                if e.start <= now {
                    out.fire(e.index, e.start, Reason::Opened);
                } else {
                    out.later(e.start);
                }
            }
        }
        Trigger::After(d) => {
            if let (true, Some(e)) = (open, &entry) {
                let d = d.as_wall();
                let due = e.start + d;
                if due <= now {
                    out.fire(e.index, due, Reason::After)
                        .vars
                        .insert("after".into(), format_secs(d.num_seconds()));
                } else {
                    out.later(due);
                }
            }
        }
        Trigger::Every(d) => {
            if let (true, Some(e)) = (open, &entry) {
                let step = d.as_wall().num_seconds().max(60);
                let elapsed = (now - e.start).num_seconds();
                let n = if elapsed < 0 { 0 } else { elapsed / step };
                if n >= 1 {
                    // After downtime only the latest due occurrence fires: no catch-up storm.
                    let n32 = u32::try_from(n).unwrap_or(u32::MAX).min(EVERY_SPAN - 1);
                    let due = e.start + chrono::Duration::seconds(n * step);
                    let f = out.fire(e.index * EVERY_SPAN + n32, due, Reason::Every);
                    f.vars.insert("n".into(), n.to_string());
                    f.vars.insert("every".into(), format_secs(step));
                }
                out.later(e.start + chrono::Duration::seconds((n + 1) * step));
            }
        }
        Trigger::NoUpdateFor(d) => {
            if let (true, Some(e)) = (open, &entry) {
                let basis = t.last_agent_update.max(e.start);
                let due = basis + d.as_wall();
                if due <= now {
                    let f = out.fire(spans::minute_key(basis), due, Reason::NoUpdate);
                    f.vars
                        .insert("silence".into(), format_secs(d.as_wall().num_seconds()));
                    f.vars.insert("since".into(), basis.to_rfc3339());
                } else {
                    out.later(due);
                }
            }
        }
        Trigger::ResponseWarning | Trigger::ResolutionWarning => {
            let response = rule.when == Trigger::ResponseWarning;
            if let (Some(c), Some(run)) = (clocks, runs.last()) {
                if spans::in_rule(rule, run.level) {
                    let clock = if response { &c.response } else { &c.resolution };
                    let reason = if response {
                        Reason::ResponseWarning
                    } else {
                        Reason::ResolutionWarning
                    };
                    warnings(&mut out, clock, run.index, reason, now);
                }
            }
        }
        Trigger::ResponseBreached | Trigger::ResolutionBreached => {
            let response = rule.when == Trigger::ResponseBreached;
            if let (Some(c), Some(run)) = (clocks, runs.last()) {
                if spans::in_rule(rule, run.level) {
                    let clock = if response { &c.response } else { &c.resolution };
                    let reason = if response {
                        Reason::ResponseBreached
                    } else {
                        Reason::ResolutionBreached
                    };
                    breach(&mut out, clock, run.index, reason, now);
                }
            }
        }
        Trigger::Resolved => {
            if let (Some(at), true) = (t.resolved_at(), spans::ever_in_rule(rule, runs)) {
                out.fire(t.resolutions.len() as u32, at, Reason::Resolved);
            }
        }
        Trigger::Reopened => {
            let reopens: Vec<_> = t.resolutions.iter().filter_map(|s| s.end).collect();
            if let (true, Some(at), true) = (open, reopens.last(), spans::ever_in_rule(rule, runs))
            {
                out.fire(reopens.len() as u32, *at, Reason::Reopened);
            }
        }
        _ => {}
    }
    out
}

fn clock_name(reason: Reason) -> &'static str {
    match reason {
        Reason::ResponseWarning | Reason::ResponseBreached => "response",
        _ => "resolution",
    }
}

/// Each `warn_at` percentage fires once per level run while the clock is neither met nor
/// breached (a breach supersedes a warning that was never sent).
fn warnings(out: &mut Outcome, clock: &Clock, run: u32, reason: Reason, now: DateTime<Utc>) {
    let paused = match clock.state {
        ClockState::Met { .. } | ClockState::Breached { .. } => return,
        ClockState::Paused => true,
        ClockState::Running | ClockState::Warning { .. } => false,
    };
    // Only the highest percentage already reached fires: lower ones are stale by now.
    let reached = clock
        .warnings
        .iter()
        .filter(|(_, at)| *at <= now)
        .max_by_key(|(pct, _)| *pct);
    if let Some((pct, at)) = reached {
        let f = out.fire(run * WARN_SPAN + u32::from(*pct), *at, reason);
        f.vars.insert("percent".into(), pct.to_string());
        f.vars.insert("clock".into(), clock_name(reason).into());
        f.vars.insert("due".into(), clock.due.to_rfc3339());
    }
    // While paused the instants move with the pause; nothing can become due until it ends.
    if !paused {
        if let Some((_, at)) = clock.warnings.iter().find(|(_, at)| *at > now) {
            out.later(*at);
        }
    }
}

/// The breach fires once per level run, while the clock is still unmet.
fn breach(out: &mut Outcome, clock: &Clock, run: u32, reason: Reason, now: DateTime<Utc>) {
    match clock.state {
        ClockState::Breached { stopped: None } => {
            let f = out.fire(run, clock.due, reason);
            f.vars.insert("clock".into(), clock_name(reason).into());
            f.vars.insert("due".into(), clock.due.to_rfc3339());
        }
        ClockState::Running | ClockState::Warning { .. } => {
            // At the very deadline the clock may still count as running: look again just after.
            out.later(clock.due.max(now + chrono::Duration::seconds(1)))
        }
        _ => {}
    }
}
