//! The communication-plan engine: `[[plan]]` rules × tracked tickets × SLA clocks × ledger × now
//! → the intents that are due, each with its reason and idempotency key.
//!
//! Pure and stateless: it re-evaluates everything every tick and asks the ledger what was already
//! issued, so a restart, a late tick or a replay in `simulate` all give the same decisions.

use crate::config::Config;
use crate::ledger::Ledger;
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why an intent fires (machine-readable names are the `reason` of `simulate --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Opened,
    After,
    Every,
    NoUpdate,
    ResponseWarning,
    ResponseBreached,
    ResolutionWarning,
    ResolutionBreached,
    Resolved,
    Reopened,
    ChangeNotice,
    ChangeStarted,
    ChangeCompleted,
    ChangeMoved,
    ChangeCancelled,
    ChangeShortNotice,
    Classified,
    Mismatch,
    Cluster,
    /// A per-recipient digest that replaced several intents in one cycle (storm control).
    Digest,
    /// An alert about slavakt itself (Pureservice outage, delivery failure).
    Alert,
}

impl Reason {
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Opened => "opened",
            Reason::After => "after",
            Reason::Every => "every",
            Reason::NoUpdate => "no_update",
            Reason::ResponseWarning => "response_warning",
            Reason::ResponseBreached => "response_breached",
            Reason::ResolutionWarning => "resolution_warning",
            Reason::ResolutionBreached => "resolution_breached",
            Reason::Resolved => "resolved",
            Reason::Reopened => "reopened",
            Reason::ChangeNotice => "change_notice",
            Reason::ChangeStarted => "change_started",
            Reason::ChangeCompleted => "change_completed",
            Reason::ChangeMoved => "change_moved",
            Reason::ChangeCancelled => "change_cancelled",
            Reason::ChangeShortNotice => "change_short_notice",
            Reason::Classified => "classified",
            Reason::Mismatch => "mismatch",
            Reason::Cluster => "cluster",
            Reason::Digest => "digest",
            Reason::Alert => "alert",
        }
    }
}

/// Who a message goes to on one channel: a person's e-mail/phone, or a shared target's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    /// E-mail address, E.164 phone number, Teams target name, `intranet`, or `ticket`.
    pub address: String,
}

/// Identity of one delivery: (ticket, rule, occurrence, channel, recipient).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IntentKey {
    pub ticket: TicketId,
    pub rule: String,
    pub occurrence: u32,
    /// `ChannelRef` as text, e.g. `teams:ik_varsling`.
    pub channel: String,
    pub recipient: String,
}

impl std::fmt::Display for IntentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}/{}",
            self.ticket, self.rule, self.occurrence, self.channel, self.recipient
        )
    }
}

/// One message that must go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub key: IntentKey,
    pub reason: Reason,
    /// The `to` entry that produced it (`role:driftssjef`, `municipality:critical`, …).
    pub audience: String,
    pub recipient: Recipient,
    /// When it was due (the rule's firing time); `fired_at` ≥ `due_at`.
    pub due_at: DateTime<Utc>,
    /// Due long before it was noticed (daemon was down, Pureservice unreachable).
    pub late: bool,
    pub template: String,
    pub important: bool,
    /// Extra template variables (e.g. warning percentage, digest items, cluster ticket numbers).
    pub vars: BTreeMap<String, String>,
}

/// A problem the engine noticed that an admin must hear about once (e.g. a recipient with no
/// address for the channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable key so it is reported once.
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub intents: Vec<Intent>,
    pub findings: Vec<Finding>,
    /// The earliest future instant at which something may become due (for `simulate` and the
    /// daemon's sleep), if any.
    pub next_due: Option<DateTime<Utc>>,
}

/// Everything that is due at `now` and not yet in the ledger.
pub fn evaluate(
    tickets: &BTreeMap<TicketId, TrackedTicket>,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
) -> Evaluation {
    let _ = (tickets, ledger, config, now);
    todo!("plan: evaluate")
}
