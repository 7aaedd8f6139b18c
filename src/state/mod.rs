//! The persisted state: a versioned JSON snapshot, written atomically, plus an append-only
//! journal of the changes since (see `journal.rs`), so a save writes what changed, not the whole.
//!
//! Holds tracked tickets, the ledger, threading ids, the sync cursor and health facts. Never
//! descriptions or other personal free text. A corrupt or unknown-version file is moved aside
//! and the daemon stops loudly — never a silent empty start that would re-notify everyone.
//!
//! - [`Store`] (`store.rs`): open (lock, load snapshot + journal, migrate, heal), save (one
//!   journal line) and compaction (a new snapshot).
//! - `journal.rs`: the journal's line format and finding what changed since the last save.
//! - `lock.rs`: the sibling `<file>.lock` that keeps a second daemon away.
//! - `migrate.rs`: schema versions and the steps between them.
//! - `heal.rs`: what a restart does with deliveries that were in flight at a crash.
//! - `prune.rs`: dropping resolved tickets after the retention period.
//! - `error.rs`: [`StateError`], each variant saying what happened and what to do.
//! - `backend.rs`: [`StateStore`], the one interface over the file and PostgreSQL backends.
//! - `postgres/`: the PostgreSQL backend with the leader's lease and fencing (`docs/HA.md`).

mod backend;
mod error;
mod heal;
mod journal;
mod lock;
mod migrate;
pub mod postgres;
mod prune;
mod store;

pub use backend::StateStore;
pub use error::{LoadProblem, StateError};
pub use heal::{heal_in_flight, INTERRUPTED_OUTCOME};
pub use prune::{minimise, prune, Pruned, MINIMISE_AFTER};
pub use store::{journal_path, read_only, Store, WriteStats, HEALTH_EVERY};

use crate::ledger::Ledger;
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The state as one snapshot document (the file backend's format; `slavakt state export`).
pub fn encode_snapshot(state: &State, at: DateTime<Utc>) -> Result<Vec<u8>, String> {
    store::encode(state, 0, at).map_err(|e| e.to_string())
}

/// A snapshot document of any released version → the current [`State`] (`state import`).
pub fn decode_snapshot(bytes: &[u8]) -> Result<State, String> {
    store::decode(bytes)
        .map(|(state, _, _)| state)
        .map_err(|p| match p {
            LoadProblem::Corrupt(why) | LoadProblem::UnknownVersion(why) => why,
        })
}

/// 2: the snapshot names the last journal line it includes (`journal_seq`).
pub const SCHEMA_VERSION: u32 = 2;

/// Which tracked tickets changed in memory, and in which order: the one kind of record too
/// large to compare on every save, so whoever changes a tracked ticket marks it
/// ([`State::touch_ticket`]). Each reader (the store's journal, the plan's index) keeps its own
/// mark and asks for what was touched after it ([`Touched::since`]). Tickets added or removed
/// are found without a mark. Not persisted, and never part of a state's equality.
#[derive(Debug, Default)]
pub struct Touched(std::sync::Mutex<TouchLog>);

#[derive(Debug, Clone, Default)]
struct TouchLog {
    counter: u64,
    /// Ticket → the counter at its last touch.
    last: BTreeMap<TicketId, u64>,
}

impl Touched {
    fn log(&self) -> std::sync::MutexGuard<'_, TouchLog> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Tickets touched after `mark`, and the mark to pass next time.
    pub fn since(&self, mark: u64) -> (BTreeSet<TicketId>, u64) {
        let log = self.log();
        let ids = log
            .last
            .iter()
            .filter(|(_, at)| **at > mark)
            .map(|(id, _)| *id)
            .collect();
        (ids, log.counter)
    }

    /// Forgets tickets no longer tracked (after pruning).
    pub(crate) fn retain(&self, keep: impl Fn(&TicketId) -> bool) {
        self.log().last.retain(|id, _| keep(id));
    }
}

impl Clone for Touched {
    fn clone(&self) -> Self {
        Touched(std::sync::Mutex::new(self.log().clone()))
    }
}

impl PartialEq for Touched {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Touched {}

/// Where the incremental sync stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncCursor {
    /// Highest `modified` seen; the next cycle asks for `modified >= cursor - overlap`.
    pub modified: Option<DateTime<Utc>>,
    /// (id, modified) pairs already applied at the cursor's edge, to de-duplicate the overlap.
    pub seen_at_edge: BTreeSet<(TicketId, DateTime<Utc>)>,
    /// Whether the initial load of open tickets has completed.
    pub initial_done: bool,
    /// Tickets open at the end of the last cycle: one that leaves the open set is read by id
    /// (`pureservice::sync`, open-set mode).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub open: BTreeSet<TicketId>,
    /// The sync mode in use (`modified` or `open-set`) and why; `None` before the first cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<SyncModeRecord>,
}

/// The sync mode the daemon uses, why, and how often it changed (the alert's occurrence).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncModeRecord {
    pub mode: String,
    pub reason: String,
    pub since: Option<DateTime<Utc>>,
    pub switches: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub last_poll_ok: Option<DateTime<Utc>>,
    pub last_poll_error: Option<String>,
    /// Since when every poll has failed (outage detection).
    pub failing_since: Option<DateTime<Utc>>,
    /// An outage alert was sent and the all-clear is owed.
    pub outage_alerted: bool,
    /// How many outage alerts were raised so far (the alert's occurrence number).
    #[serde(default)]
    pub outages: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub cursor: SyncCursor,
    pub tickets: BTreeMap<TicketId, TrackedTicket>,
    pub ledger: Ledger,
    /// Thread ids per (ticket, channel): e.g. `"1001/email"` → first Message-ID.
    pub threads: BTreeMap<String, Vec<String>>,
    pub health: Health,
    /// Findings already reported (keys), so each is reported once.
    pub reported: BTreeSet<String>,
    /// Periods for which a scheduled report was mailed (`"<schedule>@<period>"`).
    pub reports_sent: BTreeSet<String>,
    /// Scheduled reports whose period came but that are not yet mailed to everyone (key as in
    /// `reports_sent`); retried with backoff, see `report::scheduled`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub reports_owed: BTreeMap<String, crate::report::scheduled::OwedReport>,
    /// Serious-incident reports drafted (`"<ticket>/<resolution number>"`): the draft text
    /// only until its file is written, then just the file name and times. Pruned with the
    /// ticket.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub incident_reports: BTreeMap<String, crate::report::incident::Record>,
    /// Where `slavakt backfill` stands (its checkpoint): an interrupted run continues from
    /// here. Only the backfill command writes it; the daemon carries it along untouched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<crate::backfill::Checkpoint>,
    #[serde(skip)]
    pub touched: Touched,
    /// Last field: `store::encode` relies on it.
    pub saved_at: Option<DateTime<Utc>>,
}

impl State {
    /// Marks a tracked ticket as changed, so the next save writes it. Every change to an
    /// existing entry of `tickets` must be marked; adding or removing one need not be.
    pub fn touch_ticket(&self, id: TicketId) {
        let mut log = self.touched.log();
        log.counter += 1;
        let at = log.counter;
        log.last.insert(id, at);
    }
}

impl Default for State {
    fn default() -> Self {
        State {
            version: SCHEMA_VERSION,
            cursor: SyncCursor::default(),
            tickets: BTreeMap::new(),
            ledger: Ledger::default(),
            threads: BTreeMap::new(),
            health: Health::default(),
            reported: BTreeSet::new(),
            reports_sent: BTreeSet::new(),
            reports_owed: BTreeMap::new(),
            incident_reports: BTreeMap::new(),
            backfill: None,
            touched: Touched::default(),
            saved_at: None,
        }
    }
}
