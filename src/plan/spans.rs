//! Level runs of a ticket and how they meet a rule's priority set.
//!
//! A *level run* is a maximal stretch of the level history at one level (consecutive entries at
//! the same level merge). Its index is stable once written, so it can key occurrences: a priority
//! change starts a new run and thereby re-arms the triggers that are keyed on it.

use crate::config::PlanRule;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};

/// One level run: index in the run list, start, level (`None` = no level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run<'a> {
    pub index: u32,
    pub start: DateTime<Utc>,
    pub level: Option<&'a str>,
}

/// The ticket's level runs, oldest first.
pub fn runs(t: &TrackedTicket) -> Vec<Run<'_>> {
    let mut out: Vec<Run<'_>> = Vec::new();
    for l in &t.levels {
        let level = l.level.as_deref();
        if out.last().is_some_and(|r| r.level == level) {
            continue;
        }
        out.push(Run {
            index: out.len() as u32,
            start: l.at,
            level,
        });
    }
    out
}

/// Whether a level is among the rule's priorities (`priorities = []`: every level, or none).
pub fn in_rule(rule: &PlanRule, level: Option<&str>) -> bool {
    rule.priorities.is_empty() || level.is_some_and(|l| rule.priorities.iter().any(|p| p == l))
}

/// The run at which the ticket last *entered* the rule's priorities and has stayed in them
/// since, if it is in them now. Høy → Kritisk keeps the entry of a `[kritisk, hoy]` rule at the
/// Høy run; Middels → Kritisk enters at the Kritisk run.
pub fn current_entry<'a>(rule: &PlanRule, runs: &[Run<'a>]) -> Option<Run<'a>> {
    let mut entry = None;
    for r in runs.iter().rev() {
        if in_rule(rule, r.level) {
            entry = Some(r.clone());
        } else {
            break;
        }
    }
    entry
}

/// Whether the ticket stood at one of the rule's priorities at any time.
pub fn ever_in_rule(rule: &PlanRule, runs: &[Run<'_>]) -> bool {
    runs.iter().any(|r| in_rule(rule, r.level))
}

/// Minutes since the Unix epoch, as an occurrence number for instant-keyed triggers
/// (fits `u32` until the year 10 000).
pub fn minute_key(t: DateTime<Utc>) -> u32 {
    (t.timestamp().max(0) / 60) as u32
}
