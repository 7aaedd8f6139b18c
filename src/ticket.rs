//! The domain ticket and its tracked history.
//!
//! A [`TicketSnapshot`] is what a source (Pureservice, or a `simulate` scenario) says about a
//! ticket at one moment. The [`TrackedTicket`] is what slavakt remembers: the history it needs
//! for SLA clocks, the plan and the reports — ids, times, level spans, pauses, municipality and
//! service names. No descriptions or other free text beyond the subject (the reports' "title").
//!
//! `observe` is the only way history changes, so the daemon and `simulate` share one path:
//! changes are dated by the snapshot's `modified` time (never the poll time), clamped so history
//! never runs backwards.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type TicketId = u64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
}

/// Whether Pureservice considers the ticket open (`coreStatus < 50`), solved or closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CoreStatus {
    Open,
    Solved,
    Closed,
}

/// What kind of ticket it is, for the board report's split of fault reports (feilmeldinger),
/// service requests (tjenesteforespørsler) and planned changes. State files written before the
/// field existed load as `incident` (serde default), the kind most tickets are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum TicketKind {
    #[default]
    Incident,
    Request,
    Change,
}

/// Planned-change fields of a change ticket (`requestTypeId` 2 by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePlan {
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub cancelled: bool,
}

/// What a source says about a ticket now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketSnapshot {
    pub id: TicketId,
    /// The human ticket number (`requestNumber`).
    pub number: u64,
    pub subject: String,
    /// Plain text (HTML stripped). Used for classification and messages; never persisted.
    pub description: String,
    /// Pureservice priority name; `None` when not set.
    pub priority: Option<String>,
    pub status: String,
    pub core: CoreStatus,
    pub municipalities: Vec<String>,
    pub service: Option<String>,
    pub category: Option<String>,
    /// Requester's company name.
    pub company: Option<String>,
    /// Source name (e-mail, phone, portal…), when known.
    pub source: Option<String>,
    pub assignee: Option<Person>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub responded: Option<DateTime<Utc>>,
    pub resolved: Option<DateTime<Utc>>,
    pub closed: Option<DateTime<Utc>>,
    pub reopened_count: u32,
    pub change: Option<ChangePlan>,
    /// Custom fields named in `[pureservice.fields]` (consequence, expected fix, cause, units).
    pub fields: BTreeMap<String, String>,
    /// `true` when the last modification was the daemon's own write (its internal note), which
    /// must not count as a status update by an agent.
    pub modified_by_us: bool,
    /// Fault report, service request or planned change (from `requestTypeId`).
    #[serde(default)]
    pub kind: TicketKind,
}

/// A half-open span `[start, end)`; `end == None` means still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// From `at` on, the ticket had SLA level `level` (`None`: no level, e.g. priority unset).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelChange {
    pub at: DateTime<Utc>,
    pub level: Option<String>,
    /// The Pureservice priority name at that time (for reports and mismatch notices).
    pub priority: Option<String>,
}

/// What classification decided for the ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classification {
    pub level: String,
    pub rule: String,
    /// `suggest` or `set`.
    pub action: String,
    pub at: DateTime<Utc>,
    /// Why, in the configured language (for the notices).
    #[serde(default)]
    pub reasons: Vec<String>,
    /// `true`: Pureservice had no priority, so the ticket ran at `level` from creation.
    /// `false`: a person had set a priority; this only records what the rules said.
    #[serde(default)]
    pub applied: bool,
    /// The Pureservice priority name of `level` (what `action = "set"` writes), if one maps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_name: Option<String>,
    /// A person-set priority lower than `level` was seen (one notice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<PriorityMismatch>,
}

/// A person-set Pureservice priority below what the classification rules say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorityMismatch {
    /// The Pureservice priority name the person set.
    pub priority: String,
    /// Its SLA level.
    pub level: String,
    /// When slavakt first saw it.
    pub at: DateTime<Utc>,
}

/// What slavakt remembers about one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedTicket {
    pub id: TicketId,
    pub number: u64,
    pub subject: String,
    pub municipalities: Vec<String>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub assignee: Option<Person>,
    /// When the ticket first had an assignee (dated by Pureservice's `modified`): being taken
    /// on by someone counts as an acknowledgement (`plan::ack`). `None` for older state files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub first_seen: DateTime<Utc>,
    pub last_modified: DateTime<Utc>,
    pub status: String,
    pub core: CoreStatus,
    /// Level history, oldest first; never empty.
    pub levels: Vec<LevelChange>,
    /// Spans in a pause status, oldest first.
    pub pauses: Vec<Span>,
    pub responded: Option<DateTime<Utc>>,
    /// Spans in which the ticket stood solved/closed; an open end means it is solved now.
    /// A reopen closes the last span (the resolution clock resumes).
    pub resolutions: Vec<Span>,
    /// Last status update by an agent (status change, or any change not made by slavakt).
    pub last_agent_update: DateTime<Utc>,
    /// Already solved when slavakt first saw it: it gets no incident messages.
    pub resolved_when_first_seen: bool,
    pub change: Option<ChangePlan>,
    /// History of planned starts (first = as registered); each move adds one.
    pub change_revisions: Vec<DateTime<Utc>>,
    pub classification: Option<Classification>,
    /// Template fields (consequence, expected fix, cause, units): short operational text only.
    pub fields: BTreeMap<String, String>,
    /// Status changes seen after first sight, oldest first, at most [`MAX_STATUS_CHANGES`]
    /// (the newest are kept): the serious-incident report's timeline. Status names only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_changes: Vec<StatusChange>,
    /// Fault report, service request or planned change; `incident` for older state files.
    #[serde(default)]
    pub kind: TicketKind,
    /// Set when `slavakt backfill` recorded the ticket from what the API gives about a solved
    /// ticket, instead of the daemon tracking it live: the report marks the figures named in
    /// [`Backfilled::approximate`] as estimates. `None` for every ticket the daemon tracked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfilled: Option<Backfilled>,
}

/// How a backfilled ticket's history was obtained, and what in it is an estimate
/// (`docs/REPORTS.md`, "History from before slavakt").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backfilled {
    /// When `slavakt backfill` recorded it.
    pub at: DateTime<Utc>,
    /// The parts of the ticket's history the API did not give, so its figures are estimates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approximate: Vec<Approximation>,
}

/// A part of a backfilled ticket's history that is estimated, not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Approximation {
    /// Pureservice gives no status history, so time in a pausing status is not known and is
    /// counted as running time: the resolution (and response) clock time is an upper bound.
    Pauses,
    /// The ticket was reopened (`reopenedCount` > 0): only its last resolution is known, so
    /// the time it stood solved before a reopening is counted as open time.
    Reopenings,
    /// The ticket has no `resolved` time: its `closed` time (else its last change) stands in.
    ResolvedTime,
    /// `[sla] on_priority_change = "from_raise"`: a raise of priority is not visible afterwards,
    /// so the clocks count from creation at the priority the ticket has now.
    Priority,
}

impl Approximation {
    /// The key used in the state file and the report's JSON (`pauses`, `reopenings`,
    /// `resolved_time`, `priority`).
    pub fn key(self) -> &'static str {
        match self {
            Approximation::Pauses => "pauses",
            Approximation::Reopenings => "reopenings",
            Approximation::ResolvedTime => "resolved_time",
            Approximation::Priority => "priority",
        }
    }
}

/// The most status changes kept per ticket: enough for any real incident, and a bound on the
/// state file if a ticket flaps.
pub const MAX_STATUS_CHANGES: usize = 100;

/// From `at` on, the ticket stood in Pureservice status `status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub at: DateTime<Utc>,
    pub status: String,
}

impl TrackedTicket {
    /// The SLA level in force now (last entry of `levels`).
    pub fn level(&self) -> Option<&str> {
        self.levels.last().and_then(|l| l.level.as_deref())
    }
    /// When the ticket reached its current level (start of the current unbroken span at it).
    pub fn level_since(&self) -> Option<DateTime<Utc>> {
        let current = self.levels.last()?.level.clone();
        let mut since = None;
        for l in self.levels.iter().rev() {
            if l.level == current {
                since = Some(l.at);
            } else {
                break;
            }
        }
        since
    }
    pub fn is_resolved(&self) -> bool {
        self.resolutions.last().is_some_and(|s| s.end.is_none())
    }
    pub fn is_paused(&self) -> bool {
        self.pauses.last().is_some_and(|s| s.end.is_none())
    }
    /// When the ticket was last resolved (if it is resolved now).
    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.resolutions
            .last()
            .filter(|s| s.end.is_none())
            .map(|s| s.start)
    }
    pub fn is_change(&self) -> bool {
        self.change.is_some()
    }
    /// What in this ticket's history is an estimate: empty for every ticket the daemon
    /// tracked live (see [`Backfilled`]).
    pub fn approximations(&self) -> &[Approximation] {
        self.backfilled
            .as_ref()
            .map_or(&[], |b| b.approximate.as_slice())
    }
}
