//! Folds ticket snapshots into tracked history ([`crate::ticket::TrackedTicket`]).
//!
//! Pure: `observe(previous, snapshot, config, now)`. The daemon calls it for every ticket a poll
//! returns; `simulate` for every scenario event. Changes are dated by `snapshot.modified`.

use crate::config::Config;
use crate::ticket::{TicketSnapshot, TrackedTicket};
use chrono::{DateTime, Utc};

/// Something that changed in this observation (for logs, metrics and the incident timeline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    FirstSeen,
    LevelChanged {
        from: Option<String>,
        to: Option<String>,
    },
    Paused,
    Resumed,
    Responded,
    Resolved,
    Reopened,
    StatusChanged {
        from: String,
        to: String,
    },
    ChangeMoved,
    ChangeCancelled,
}

/// Updates (or creates) the tracked ticket from a snapshot.
pub fn observe(
    previous: Option<&TrackedTicket>,
    snapshot: &TicketSnapshot,
    config: &Config,
    now: DateTime<Utc>,
) -> (TrackedTicket, Vec<Observed>) {
    let _ = (previous, snapshot, config, now);
    todo!("tracker: observe")
}
