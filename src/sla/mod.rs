//! SLA clocks: response and resolution deadlines of one ticket, as pure functions of its tracked
//! history, the config and `now`.
//!
//! Deadlines are planned from the ticket's creation at the level in force (a priority change
//! re-plans from creation, keeping paused time), or with `[sla] on_priority_change =
//! "from_raise"` from the last raise to a more severe level. Paused spans and solved spans (before a reopen)
//! never count. Business-calendar levels count business time only; `24x7` counts real time.
//! The exact semantics, with worked examples, are in docs/SLA.md.

pub mod explain;
pub mod index;
pub mod timeline;

pub use explain::{explain, explain_ticket, ExplainInput, Explanation};

use crate::calendar::Calendar;
use crate::config::{Config, OnPriorityChange, SlaLevel};
use crate::ticket::{Span, TrackedTicket};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use timeline::{BusinessTime, Gaps};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockKind {
    Response,
    Resolution,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum ClockState {
    Running,
    Paused,
    /// Running and past the given `warn_at` percentage.
    Warning {
        percent: u8,
    },
    Met {
        at: DateTime<Utc>,
    },
    /// Past due; `stopped` is when it was finally met (late), if it was.
    Breached {
        stopped: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Clock {
    pub kind: ClockKind,
    /// The full duration in the calendar's time (business time or real time).
    #[serde(serialize_with = "ser_secs")]
    pub target: Duration,
    /// When the clock runs out. While paused: the deadline if the pause ended now.
    pub due: DateTime<Utc>,
    /// Clock time used so far (pauses excluded), up to `now` or until stopped.
    #[serde(serialize_with = "ser_secs")]
    pub used: Duration,
    pub state: ClockState,
    /// Instant each `warn_at` percentage is (or was, or would be) reached.
    pub warnings: Vec<(u8, DateTime<Utc>)>,
}

impl Clock {
    /// Positive: time left; negative: overdue (clock time).
    pub fn remaining(&self) -> Duration {
        self.target - self.used
    }
    /// Met or breached-and-met: the clock no longer runs.
    pub fn is_stopped(&self) -> bool {
        matches!(
            self.state,
            ClockState::Met { .. } | ClockState::Breached { stopped: Some(_) }
        )
    }
    pub fn is_breached(&self) -> bool {
        matches!(self.state, ClockState::Breached { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketClocks {
    pub level: String,
    pub calendar: String,
    pub response: Clock,
    pub resolution: Clock,
}

/// Everything one clock depends on, already resolved from the config.
#[derive(Debug, Clone, Copy)]
pub struct ClockSpec<'a> {
    pub kind: ClockKind,
    pub calendar: &'a Calendar,
    /// Where counting starts (the ticket's creation).
    pub start: DateTime<Utc>,
    pub target: Duration,
    /// Ascending percentages.
    pub warn_at: &'a [u8],
    /// Excluded, sorted by start; an open one is the current pause.
    pub pauses: &'a [Span],
    /// Solved spans, sorted; closed ones (reopened later) are excluded, an open one is ignored
    /// (pass its start as `stop`). Empty for the response clock.
    pub solved: &'a [Span],
    /// When the clock stopped (responded / resolved), if it did.
    pub stop: Option<DateTime<Utc>>,
}

/// The ticket's clocks at `now`; `None` if it has no SLA level (or its level or calendar is
/// missing from `config`, e.g. after a reload removed it).
pub fn clocks(ticket: &TrackedTicket, config: &Config, now: DateTime<Utc>) -> Option<TicketClocks> {
    let level = config.level(ticket.level()?)?;
    let calendar = config.calendar(&level.calendar)?;
    let start = clock_start(ticket, config);
    let (response, resolution) = ticket_clocks(ticket, level, calendar, start, now);
    Some(TicketClocks {
        level: level.name.clone(),
        calendar: calendar.name.clone(),
        response,
        resolution,
    })
}

/// Where the ticket's clocks start counting: its creation, or under `from_raise` the last time
/// it was raised to a more severe level (a first level given later, after "Ikke satt", is not a
/// raise; a lowering keeps the start of the raise before it).
pub fn clock_start(ticket: &TrackedTicket, config: &Config) -> DateTime<Utc> {
    if config.on_priority_change == OnPriorityChange::FromCreation {
        return ticket.created;
    }
    let mut start = ticket.created;
    let mut before: Option<u32> = None;
    for change in &ticket.levels {
        let Some(rank) = change
            .level
            .as_deref()
            .and_then(|l| config.level(l))
            .map(|l| l.rank)
        else {
            continue;
        };
        if before.is_some_and(|b| rank > b) {
            start = change.at.max(ticket.created);
        }
        before = Some(rank);
    }
    start
}

/// The two clock specs of a ticket at a level, counting from `start` ([`clock_start`]).
pub fn specs<'a>(
    ticket: &'a TrackedTicket,
    level: &'a SlaLevel,
    calendar: &'a Calendar,
    start: DateTime<Utc>,
) -> (ClockSpec<'a>, ClockSpec<'a>) {
    specs_with_day(ticket, level, calendar, start, calendar.working_day())
}

fn specs_with_day<'a>(
    ticket: &'a TrackedTicket,
    level: &'a SlaLevel,
    calendar: &'a Calendar,
    start: DateTime<Utc>,
    day: Duration,
) -> (ClockSpec<'a>, ClockSpec<'a>) {
    // A solved ticket has been answered, even if Pureservice recorded no separate response.
    let first_solved = ticket.resolutions.first().map(|s| s.start);
    let response = ClockSpec {
        kind: ClockKind::Response,
        calendar,
        start,
        target: calendar.resolve_from(&level.response, start, day),
        warn_at: &level.warn_at,
        pauses: &ticket.pauses,
        solved: &[],
        stop: match (ticket.responded, first_solved) {
            (Some(r), Some(s)) => Some(r.min(s)),
            (r, s) => r.or(s),
        },
    };
    let resolution = ClockSpec {
        kind: ClockKind::Resolution,
        target: calendar.resolve_from(&level.resolution, start, day),
        solved: &ticket.resolutions,
        stop: ticket.resolved_at(),
        ..response
    };
    (response, resolution)
}

fn ticket_clocks(
    ticket: &TrackedTicket,
    level: &SlaLevel,
    calendar: &Calendar,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> (Clock, Clock) {
    let cal = index::Indexed::new(calendar, now);
    let (response, resolution) = specs_with_day(ticket, level, calendar, start, cal.working_day());
    (
        clock_with(&response, &cal, now),
        clock_with(&resolution, &cal, now),
    )
}

/// Up to this many `warn_at` entries are handled without allocating.
const INLINE_WARNINGS: usize = 7;

/// One clock at `now`.
pub fn clock(spec: &ClockSpec<'_>, now: DateTime<Utc>) -> Clock {
    clock_with(spec, &index::Indexed::new(spec.calendar, now), now)
}

/// One clock at `now`, computed with `cal` (the spec's calendar, possibly indexed).
fn clock_with(spec: &ClockSpec<'_>, cal: &impl BusinessTime, now: DateTime<Utc>) -> Clock {
    let gaps = || Gaps::new(spec.start, spec.pauses, spec.solved, now);
    let target = spec.target.max(Duration::zero());

    // The warning instants and the due instant in one walk: amounts ascending, target last.
    let n = spec.warn_at.len();
    let mut warnings = Vec::with_capacity(n);
    let mut due = spec.start;
    let sorted = spec.warn_at.windows(2).all(|w| w[0] <= w[1]);
    if n < INLINE_WARNINGS && sorted {
        let mut amounts = [Duration::zero(); INLINE_WARNINGS + 1];
        for (slot, &pct) in amounts.iter_mut().zip(spec.warn_at) {
            *slot = share(target, pct);
        }
        amounts[n] = target;
        timeline::reach(cal, gaps(), &amounts[..=n], |i, at| {
            if i < n {
                warnings.push((spec.warn_at[i], at));
            } else {
                due = at;
            }
        });
    } else {
        for &pct in spec.warn_at {
            warnings.push((pct, timeline::reach_one(cal, gaps(), share(target, pct))));
        }
        warnings.sort();
        due = timeline::reach_one(cal, gaps(), target);
    }

    let until = spec.stop.unwrap_or(now);
    let used = timeline::used(cal, gaps(), until);
    let paused = spec
        .pauses
        .last()
        .is_some_and(|p| p.end.is_none() && p.start <= now);
    let state = match spec.stop {
        Some(stop) if stop <= due => ClockState::Met { at: stop },
        Some(stop) => ClockState::Breached {
            stopped: Some(stop),
        },
        None if now >= due => ClockState::Breached { stopped: None },
        None if paused => ClockState::Paused,
        None => match warnings.iter().rev().find(|(_, at)| now >= *at) {
            Some(&(percent, _)) => ClockState::Warning { percent },
            None => ClockState::Running,
        },
    };
    Clock {
        kind: spec.kind,
        target,
        due,
        used,
        state,
        warnings,
    }
}

/// `pct` % of `d`, to the millisecond.
fn share(d: Duration, pct: u8) -> Duration {
    Duration::milliseconds(d.num_milliseconds() * i64::from(pct) / 100)
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.num_seconds())
}
