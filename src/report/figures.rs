//! The figures of one SLA report over a period of whole months: plain data, computed by
//! `monthly`, shown by the renderers. Durations are SLA clock time (business time for levels on
//! a business calendar); `docs/REPORTS.md` defines every figure.

use crate::ticket::{TicketId, TicketKind};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// A calendar month `(year, month)`, 1-based month.
pub type Month = (i32, u32);

/// The SLA's availability target (tjenestenivåavtalen §6.2: "en oppetid på 99,8 %").
pub const AVAILABILITY_TARGET: f64 = 99.8;

#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyFigures {
    /// First and last month of the period (equal for a one-month report).
    pub from: Month,
    pub to: Month,
    /// The last month of the period (the only one for a one-month report).
    pub month: Month,
    /// Period start and end (exclusive) in UTC, from the configured time zone.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The instant the figures stand at: the period end, or `now` if the period is not over.
    pub as_of: DateTime<Utc>,
    /// `true` when `as_of < end` (the period is still running).
    pub partial: bool,
    /// One entry per configured SLA level, most severe first.
    pub levels: Vec<LevelFigures>,
    /// Tickets at the two most severe levels opened or resolved in the period.
    pub incidents: Vec<IncidentRow>,
    /// All tickets (every kind, with or without a level).
    pub totals: Counts,
    /// Tickets created before the period end and not resolved at it (all tickets).
    pub open_at_end: usize,
    /// Tickets opened in the period per municipality (kept for callers of the old shape).
    pub per_municipality: BTreeMap<String, usize>,
    /// Per municipality (a ticket counts for each of its municipalities; none → `None`),
    /// by name, the unnamed last.
    pub municipalities: Vec<NamedCounts>,
    /// Fault reports, service requests, planned changes.
    pub types: BTreeMap<TicketKind, Counts>,
    /// Tickets opened in the period per category, most first (ties by name); none → `None`.
    pub categories: Vec<NamedCounts>,
    /// Tickets opened in the period that had no SLA level at its end.
    pub opened_without_level: usize,
    /// The last month of the period and the 5 before it, oldest first.
    pub trend: Vec<TrendPoint>,
    /// Estimated downtime per service from its Kritisk/Høy incidents, most downtime first.
    pub availability: Vec<Availability>,
    /// The configured word for a unit (`daemon.unit_word`: "kommune", "forvaltning", …), for
    /// the headings of the per-unit table and column.
    pub unit_word: String,
    /// Tickets opened or resolved in the period that `slavakt backfill` recorded, and how many
    /// of them carry each estimate (`Approximation::key`): the report says so.
    pub backfilled: BackfillNote,
}

/// How much of a period's figures rests on backfilled tickets (docs/REPORTS.md, "History from
/// before slavakt").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackfillNote {
    pub tickets: usize,
    /// Approximation key (`pauses`, `reopenings`, `resolved_time`, `priority`) → tickets.
    pub approximate: BTreeMap<&'static str, usize>,
}

/// Opened in the period, resolved in it, open at its end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub opened: usize,
    pub resolved: usize,
    pub open_at_end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCounts {
    pub name: Option<String>,
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LevelFigures {
    pub level: String,
    pub label: String,
    pub rank: u32,
    /// Calendar name and whether it counts business time only.
    pub calendar: String,
    pub business_time: bool,
    /// Length of one working day on the level's calendar (24 h on a 24×7 calendar): the unit
    /// the board's working-day figures are counted in.
    pub working_day: Duration,
    pub response_target: Duration,
    pub resolution_target: Duration,
    pub opened: usize,
    pub resolved: usize,
    pub response_met: usize,
    pub response_breached: usize,
    pub resolution_met: usize,
    pub resolution_breached: usize,
    /// Open at this level at the period end.
    pub open_at_end: usize,
    /// Resolution clock time of the tickets resolved in the period.
    pub average_resolution: Option<Duration>,
    pub median_resolution: Option<Duration>,
}

impl LevelFigures {
    /// Resolution compliance in percent: met / (met + breached); `None` if nothing was decided.
    pub fn compliance(&self) -> Option<f64> {
        percent(self.resolution_met, self.resolution_breached)
    }
    pub fn response_compliance(&self) -> Option<f64> {
        percent(self.response_met, self.response_breached)
    }
    /// A duration in the board's unit for this level: (value, `"hours"` | `"working_days"`),
    /// unrounded (seconds of clock time over 3600, or over the seconds of a working day).
    pub fn in_unit(&self, d: Duration) -> (f64, &'static str) {
        let secs = d.num_seconds().max(0) as f64;
        if self.business_time {
            let day = self.working_day.num_seconds().max(1) as f64;
            (secs / day, "working_days")
        } else {
            (secs / 3600.0, "hours")
        }
    }
}

pub fn percent(met: usize, breached: usize) -> Option<f64> {
    let decided = met + breached;
    (decided > 0).then(|| met as f64 * 100.0 / decided as f64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    Breached,
    /// Not resolved at the period end and still within its deadline.
    Open,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRow {
    pub id: TicketId,
    pub number: u64,
    pub opened: DateTime<Utc>,
    pub resolved: Option<DateTime<Utc>>,
    pub level: String,
    pub label: String,
    pub municipalities: Vec<String>,
    pub service: Option<String>,
    pub title: String,
    /// Resolution clock time (to the period end if not resolved).
    pub resolution_time: Duration,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub month: Month,
    /// Per level name: (resolution compliance %, resolved count).
    pub compliance: BTreeMap<String, (Option<f64>, usize)>,
    /// Per level name: the month's opened, resolved and average resolution.
    pub levels: BTreeMap<String, TrendLevel>,
    /// All tickets opened / resolved in the month.
    pub opened: usize,
    pub resolved: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrendLevel {
    pub opened: usize,
    pub resolved: usize,
    pub average_resolution: Option<Duration>,
}

/// Estimated downtime of one service: the union of the times its Kritisk/Høy incidents stood
/// open (reported → resolved, pauses included) within the period.
#[derive(Debug, Clone, PartialEq)]
pub struct Availability {
    pub service: Option<String>,
    pub downtime: Duration,
    /// `100 × (1 − downtime / period length)`.
    pub percent: f64,
    pub incidents: usize,
}

impl Availability {
    pub fn within_target(&self) -> bool {
        self.percent >= AVAILABILITY_TARGET
    }
}
