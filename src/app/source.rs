//! Where the daemon's tickets come from. The run loop only needs "give me what changed since the
//! cursor"; Pureservice's incremental sync implements it, and so can a test double.

use crate::config::Config;
use crate::state::SyncCursor;
use crate::ticket::{TicketId, TicketSnapshot};
use chrono::{DateTime, Utc};
use std::future::Future;
use std::pin::Pin;

/// What one poll returned.
#[derive(Debug, Default)]
pub struct Polled {
    pub snapshots: Vec<TicketSnapshot>,
    /// Tickets that disappeared (soft-deleted): tracking stops.
    pub removed: Vec<TicketId>,
    /// API requests this poll made (metrics, benchmark).
    pub requests: u64,
    /// What the sync says about how it read, when the source has sync modes (boxed: most
    /// polls of a test source have none, and the poll's result travels by value).
    pub sync: Option<Box<SyncNews>>,
}

/// How a poll read Pureservice: the mode, `auto`'s switches and what a reconcile found.
#[derive(Debug, Clone, Default)]
pub struct SyncNews {
    /// The sync mode the poll read in (`modified`, `open-set`).
    pub mode: &'static str,
    /// Mode switches `sync = "auto"` made during this poll.
    pub switches: Vec<crate::pureservice::sync::ModeSwitch>,
    /// Tickets a reconcile found that the modified window had missed.
    pub missed: Vec<TicketId>,
}

/// A failed poll: the cursor did not move and nothing was applied.
#[derive(Debug, Clone)]
pub struct PollError {
    /// Short class for metrics: `http_429`, `http_5xx`, `timeout`, `connect`, `malformed`, `auth`…
    pub kind: String,
    /// One line for the log; never contains a secret.
    pub message: String,
}

pub type PollFuture<'a> = Pin<Box<dyn Future<Output = Result<Polled, PollError>> + Send + 'a>>;
pub type WriteFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

pub trait TicketSource: Send {
    /// Fetches what changed since `cursor` and advances it only on success.
    fn poll<'a>(
        &'a mut self,
        cursor: &'a mut SyncCursor,
        config: &'a Config,
        now: DateTime<Utc>,
    ) -> PollFuture<'a>;

    /// Writes a classified priority back to the ticket (`[[classify]]` action `set`).
    fn set_priority<'a>(&'a mut self, ticket: TicketId, priority: &'a str) -> WriteFuture<'a>;
}
