//! SLA clocks: response and resolution deadlines of one ticket, as pure functions of its tracked
//! history, the config and `now`.
//!
//! Deadlines are planned from the ticket's creation at the level in force (a priority change
//! re-plans from creation, keeping paused time). Paused spans and solved spans (before a reopen)
//! never count. Business-calendar levels count business time only; `24x7` counts real time.

use crate::config::Config;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TicketClocks {
    pub level: String,
    pub calendar: String,
    pub response: Clock,
    pub resolution: Clock,
}

/// The ticket's clocks at `now`; `None` if it has no SLA level.
pub fn clocks(ticket: &TrackedTicket, config: &Config, now: DateTime<Utc>) -> Option<TicketClocks> {
    let _ = (ticket, config, now);
    todo!("sla: clocks")
}

fn ser_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_i64(d.num_seconds())
}
