//! Deadlines that explain themselves: the reasoning behind a ticket's two SLA clocks — which
//! level and calendar, the working-day length used for `wd`, when counting starts, which
//! holidays and closed days were skipped, which pauses moved the deadlines and by how much.
//!
//! Used by `slavakt explain` (from a priority, a creation time and pauses) and by anything that
//! shows a tracked ticket's deadlines ([`explain_ticket`]). `to_json` gives the `--json` shape
//! of INTERFACE.md with times in a configured zone's offset.

use super::{clock, specs, timeline, Clock, ClockSpec};
use crate::calendar::{Calendar, Interval};
use crate::config::{Config, SlaLevel};
use crate::duration::HumanDuration;
use crate::ticket::{LevelChange, Span, TrackedTicket};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

/// What `slavakt explain` is asked about.
#[derive(Debug, Clone)]
pub struct ExplainInput {
    /// A Pureservice priority name (`Kritisk`) or an SLA level name (`kritisk`).
    pub priority: String,
    pub created: DateTime<Utc>,
    /// Closed pause intervals, any order; overlapping ones are merged.
    pub pauses: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

/// Why an input cannot be explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExplainError {
    #[error("unknown priority {given:?}; known Pureservice priorities: {priorities}; SLA levels: {levels}")]
    UnknownPriority {
        given: String,
        priorities: String,
        levels: String,
    },
    #[error("priority {0:?} maps to no SLA level in this config")]
    NoLevel(String),
    #[error("SLA level {level:?} uses calendar {calendar:?}, which is not configured")]
    NoCalendar { level: String, calendar: String },
    #[error("pause {from}/{to} ends before it starts; write FROM/TO with FROM earlier than TO")]
    InvertedPause {
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    },
}

/// Which kind of excluded span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcludedKind {
    /// A pause status (or a `--paused` interval).
    Pause,
    /// Solved, then reopened: excluded from the resolution clock only.
    Solved,
}

/// One excluded span and how much clock time it took out of each deadline's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludedSpan {
    pub kind: ExcludedKind,
    pub from: DateTime<Utc>,
    /// `None`: still going (the deadline assumes it ends at `now`).
    pub to: Option<DateTime<Utc>>,
    /// Clock time inside the span before the response deadline (what it pushed that out by).
    pub response: Duration,
    /// Same for the resolution deadline.
    pub resolution: Duration,
}

/// One clock's reasoning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockExplanation {
    /// As configured, e.g. `3wd`, `15m`.
    pub target_text: String,
    pub clock: Clock,
    /// Clock time the exclusions pushed the deadline out by.
    pub excluded: Duration,
}

/// Where the deadlines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The priority as given (or the ticket's Pureservice priority name).
    pub priority: String,
    pub level: String,
    pub level_label: String,
    pub calendar: String,
    pub timezone: Tz,
    pub always_open: bool,
    /// Opening hours per weekday, Monday first (minutes from local midnight).
    pub hours: [Vec<Interval>; 7],
    /// `NO`, `DK`, or `None`.
    pub holidays: Option<String>,
    /// One `wd` on this calendar.
    pub working_day: Duration,
    pub created: DateTime<Utc>,
    /// First instant the clocks count (next opening after creation, after any pause).
    pub counting_starts: DateTime<Utc>,
    /// Levels the ticket had (for tracked tickets; the deadlines use the last one).
    pub level_history: Vec<LevelChange>,
    pub excluded: Vec<ExcludedSpan>,
    /// Working days the calendar skips between creation and the later deadline, with reason.
    pub skipped_days: Vec<(NaiveDate, String)>,
    pub response: ClockExplanation,
    pub resolution: ClockExplanation,
}

/// The level a priority name or SLA level name means; exact first, then ignoring case.
pub fn resolve_priority<'c>(name: &str, config: &'c Config) -> Result<&'c SlaLevel, ExplainError> {
    let exact = config
        .pureservice
        .priorities
        .get(name)
        .map(|l| {
            config
                .level(l)
                .ok_or_else(|| ExplainError::NoLevel(name.into()))
        })
        .or_else(|| config.level(name).map(Ok));
    if let Some(found) = exact {
        return found;
    }
    let folded = name.to_lowercase();
    let by_priority = config
        .pureservice
        .priorities
        .iter()
        .find(|(p, _)| p.to_lowercase() == folded);
    if let Some((p, l)) = by_priority {
        return config
            .level(l)
            .ok_or_else(|| ExplainError::NoLevel(p.clone()));
    }
    if let Some(l) = config
        .sla
        .values()
        .find(|l| l.name.to_lowercase() == folded)
    {
        return Ok(l);
    }
    Err(ExplainError::UnknownPriority {
        given: name.to_string(),
        priorities: config
            .pureservice
            .priorities
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", "),
        levels: config.sla.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

/// Explains the deadlines of a hypothetical ticket (`slavakt explain`).
pub fn explain(
    input: &ExplainInput,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Explanation, ExplainError> {
    let level = resolve_priority(&input.priority, config)?;
    let calendar = config
        .calendar(&level.calendar)
        .ok_or_else(|| ExplainError::NoCalendar {
            level: level.name.clone(),
            calendar: level.calendar.clone(),
        })?;
    if let Some(&(from, to)) = input.pauses.iter().find(|(a, b)| b < a) {
        return Err(ExplainError::InvertedPause { from, to });
    }
    let mut pauses: Vec<(DateTime<Utc>, DateTime<Utc>)> = input.pauses.clone();
    pauses.sort();
    let mut merged: Vec<Span> = Vec::with_capacity(pauses.len());
    for (from, to) in pauses {
        match merged.last_mut() {
            Some(last) if last.end.is_some_and(|e| from <= e) => {
                last.end = last.end.max(Some(to));
            }
            _ => merged.push(Span {
                start: from,
                end: Some(to),
            }),
        }
    }
    let ticket = TrackedTicket {
        id: 0,
        number: 0,
        subject: String::new(),
        municipalities: Vec::new(),
        service: None,
        category: None,
        assignee: None,
        assigned: None,
        created: input.created,
        first_seen: input.created,
        last_modified: input.created,
        status: String::new(),
        core: crate::ticket::CoreStatus::Open,
        levels: vec![LevelChange {
            at: input.created,
            level: Some(level.name.clone()),
            priority: Some(input.priority.clone()),
        }],
        pauses: merged,
        responded: None,
        resolutions: Vec::new(),
        last_agent_update: input.created,
        resolved_when_first_seen: false,
        change: None,
        change_revisions: Vec::new(),
        classification: None,
        fields: Default::default(),
        status_changes: Vec::new(),
        kind: Default::default(),
        backfilled: None,
    };
    Ok(build(
        &ticket,
        input.priority.clone(),
        level,
        calendar,
        input.created,
        now,
    ))
}

/// Explains a tracked ticket's current deadlines; `None` without an SLA level.
pub fn explain_ticket(
    ticket: &TrackedTicket,
    config: &Config,
    now: DateTime<Utc>,
) -> Option<Explanation> {
    let level = config.level(ticket.level()?)?;
    let calendar = config.calendar(&level.calendar)?;
    let priority = ticket
        .levels
        .last()
        .and_then(|l| l.priority.clone())
        .unwrap_or_else(|| level.label.clone());
    let start = super::clock_start(ticket, config);
    Some(build(ticket, priority, level, calendar, start, now))
}

fn build(
    ticket: &TrackedTicket,
    priority: String,
    level: &SlaLevel,
    calendar: &Calendar,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Explanation {
    let (rs, ls) = specs(ticket, level, calendar, start);
    let response = clock(&rs, now);
    let resolution = clock(&ls, now);

    let mut excluded: Vec<ExcludedSpan> = ticket
        .pauses
        .iter()
        .map(|p| (ExcludedKind::Pause, p))
        .chain(
            ticket
                .resolutions
                .iter()
                .filter(|s| s.end.is_some())
                .map(|s| (ExcludedKind::Solved, s)),
        )
        .map(|(kind, s)| {
            let end = s.end.unwrap_or(now).max(s.start);
            let inside = |due: DateTime<Utc>| calendar.between(s.start.max(start), end.min(due));
            ExcludedSpan {
                kind,
                from: s.start,
                to: s.end,
                response: if kind == ExcludedKind::Pause {
                    inside(response.due)
                } else {
                    Duration::zero()
                },
                resolution: inside(resolution.due),
            }
        })
        .collect();
    excluded.sort_by_key(|e| e.from);

    // Counting starts where one tick of clock time has run, minus that tick.
    let tick = Duration::milliseconds(1);
    let first = timeline::reach_one(
        calendar,
        timeline::Gaps::new(start, &ticket.pauses, &[], now),
        tick,
    );
    let last_due = response.due.max(resolution.due);
    Explanation {
        priority,
        level: level.name.clone(),
        level_label: level.label.clone(),
        calendar: calendar.name.clone(),
        timezone: calendar.tz,
        always_open: calendar.always_open,
        hours: calendar.hours.clone(),
        holidays: calendar.holidays.map(|c| match c {
            crate::calendar::Country::No => "NO".to_string(),
            crate::calendar::Country::Dk => "DK".to_string(),
        }),
        working_day: calendar.working_day(),
        created: ticket.created,
        counting_starts: first - tick,
        level_history: ticket.levels.clone(),
        skipped_days: calendar.skipped_days(ticket.created, last_due),
        response: explain_clock(&rs, level.response, response),
        resolution: explain_clock(&ls, level.resolution, resolution),
        excluded,
    }
}

fn explain_clock(spec: &ClockSpec<'_>, target: HumanDuration, clock: Clock) -> ClockExplanation {
    // Clock time between creation and the deadline that did not count (the deadline is where
    // the counted time reaches the target).
    let window = spec.calendar.between(spec.start, clock.due);
    ClockExplanation {
        target_text: target.to_string(),
        excluded: (window - clock.target).max(Duration::zero()),
        clock,
    }
}

/// `HH:MM` from minutes after local midnight.
pub fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Minutes as a JSON number: whole when exact, fractional otherwise.
fn minutes(d: Duration) -> Value {
    let ms = d.num_milliseconds();
    if ms % 60_000 == 0 {
        json!(ms / 60_000)
    } else {
        json!(ms as f64 / 60_000.0)
    }
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Explanation {
    /// The `--json` object; times are RFC 3339 in `tz`'s offset.
    pub fn to_json(&self, tz: Tz) -> Value {
        let ts = |t: DateTime<Utc>| Value::String(t.with_timezone(&tz).to_rfc3339());
        let clock = |c: &ClockExplanation| {
            json!({
                "target": c.target_text,
                "target_minutes": minutes(c.clock.target),
                "due": ts(c.clock.due),
                "excluded_minutes": minutes(c.excluded),
                "warnings": c.clock.warnings.iter()
                    .map(|(p, at)| json!({"percent": p, "at": ts(*at)}))
                    .collect::<Vec<_>>(),
            })
        };
        let hours: serde_json::Map<String, Value> = DAYS
            .iter()
            .zip(&self.hours)
            .map(|(d, iv)| {
                let list = iv
                    .iter()
                    .map(|(a, b)| Value::String(format!("{}-{}", hhmm(*a), hhmm(*b))))
                    .collect();
                (d.to_string(), Value::Array(list))
            })
            .collect();
        json!({
            "priority": self.priority,
            "level": self.level,
            "level_label": self.level_label,
            "calendar": {
                "name": self.calendar,
                "timezone": self.timezone.name(),
                "always_open": self.always_open,
                "holidays": self.holidays,
                "hours": hours,
            },
            "working_day_minutes": minutes(self.working_day),
            "created": ts(self.created),
            "counting_starts": ts(self.counting_starts),
            "response_due": ts(self.response.clock.due),
            "resolution_due": ts(self.resolution.clock.due),
            "response": clock(&self.response),
            "resolution": clock(&self.resolution),
            "skipped_days": self.skipped_days.iter()
                .map(|(d, why)| json!({"date": d.format("%Y-%m-%d").to_string(), "reason": why}))
                .collect::<Vec<_>>(),
            "pauses": self.excluded.iter().map(|e| json!({
                "kind": match e.kind { ExcludedKind::Pause => "pause", ExcludedKind::Solved => "solved" },
                "from": ts(e.from),
                "to": e.to.map(ts),
                "response_minutes": minutes(e.response),
                "resolution_minutes": minutes(e.resolution),
            })).collect::<Vec<_>>(),
        })
    }
}
