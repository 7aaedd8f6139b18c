//! The figures of one monthly SLA report: plain data, computed by `monthly`, shown by the
//! renderers. Durations are clock time (business time for business-calendar levels).

use crate::ticket::TicketId;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// A calendar month `(year, month)`, 1-based month.
pub type Month = (i32, u32);

#[derive(Debug, Clone, PartialEq)]
pub struct MonthlyFigures {
    pub month: Month,
    /// Month start and end (exclusive) in UTC, from the configured time zone.
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The instant the figures stand at: the month end, or `now` if the month is not over.
    pub as_of: DateTime<Utc>,
    /// `true` when `as_of < end` (the month is still running).
    pub partial: bool,
    /// One entry per configured SLA level, most severe first.
    pub levels: Vec<LevelFigures>,
    /// Tickets at the two most severe levels opened or resolved in the month.
    pub incidents: Vec<IncidentRow>,
    /// Tickets created before the month end and not resolved at the month end (all levels).
    pub open_at_end: usize,
    /// Tickets opened in the month per municipality (a ticket counts for each of its
    /// municipalities; none → the empty string).
    pub per_municipality: BTreeMap<String, usize>,
    /// Tickets opened in the month that had no SLA level at the month end.
    pub opened_without_level: usize,
    /// This month and up to 5 before it, oldest first.
    pub trend: Vec<TrendPoint>,
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
    /// Open at this level at the month end.
    pub open_at_end: usize,
    /// Resolution clock time of the tickets resolved in the month.
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
}

pub fn percent(met: usize, breached: usize) -> Option<f64> {
    let decided = met + breached;
    (decided > 0).then(|| met as f64 * 100.0 / decided as f64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Met,
    Breached,
    /// Not resolved at the month end and still within its deadline.
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
    /// Resolution clock time (to the month end if not resolved).
    pub resolution_time: Duration,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    pub month: Month,
    /// Per level name: (resolution compliance %, resolved count).
    pub compliance: BTreeMap<String, (Option<f64>, usize)>,
}
