//! `send_within = "CALENDAR"`: a rule's firings that fall due while that calendar is closed wait
//! for its next opening (a change announced at 22:00 on a Sunday goes out at 08:00 on Monday).
//!
//! Applied to a rule's [`Outcome`] before recipients are resolved, so the held firing keeps its
//! idempotency key and is due — and counted late or not — from the instant it is released.
//! Never held: the first notice (`opened`) of an incident whose SLA level runs on an always-open
//! calendar (Kritisk, Høy: their response clock is already running; `hold_urgent = true` opts
//! in), and a notice about a planned change beyond the change's start (better late in the
//! evening than after the downtime began).

use super::triggers::Outcome;
use crate::config::{Config, PlanRule};
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};

/// Moves each of `out`'s firings to the next opening of the rule's `send_within` calendar;
/// those released after `now` leave `out.due` and wake the ticket then (`out.next`).
pub fn apply(
    rule: &PlanRule,
    t: &TrackedTicket,
    config: &Config,
    now: DateTime<Utc>,
    mut out: Outcome,
) -> Outcome {
    let Some(hold) = &rule.hold else {
        return out;
    };
    // An unknown calendar is refused by the config check; after a reload race, do not hold.
    let Some(calendar) = config.calendar(&hold.calendar) else {
        return out;
    };
    if !hold.urgent && urgent_first_notice(t, config, rule) {
        return out;
    }
    let start = t.change.as_ref().and_then(|c| c.planned_start);
    let mut kept = Vec::with_capacity(out.due.len());
    for mut f in std::mem::take(&mut out.due) {
        let Some(open) = calendar.next_opening(f.due_at) else {
            kept.push(f);
            continue;
        };
        // A change notice due before the start is never held past it.
        let release = match start {
            Some(s) if f.due_at < s && open >= s => f.due_at,
            _ => open,
        };
        if release <= now {
            f.due_at = release;
            kept.push(f);
        } else {
            out.later(release);
        }
    }
    out.due = kept;
    out
}

/// Whether the rule's firings for `t` are the first notice of an incident at a level whose SLA
/// calendar never closes.
fn urgent_first_notice(t: &TrackedTicket, config: &Config, rule: &PlanRule) -> bool {
    if t.is_change() || !matches!(rule.when, crate::config::Trigger::Opened) {
        return false;
    }
    t.level()
        .and_then(|l| config.level(l))
        .and_then(|l| config.calendar(&l.calendar))
        .is_some_and(|c| c.always_open)
}
