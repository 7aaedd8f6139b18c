//! History from before slavakt watched: turning a solved ticket read from Pureservice into a
//! tracked ticket for the reports (`slavakt backfill`), and the checkpoint that lets an
//! interrupted run continue. Pure: no I/O, `now` is an argument.
//!
//! A backfilled ticket is built by the same first-sight rule the daemon applies to a ticket
//! that is already solved when it first sees it ([`tracker::observe`]): its level held since
//! creation, its first response at `responded`, solved since `resolved` (else `closed`), and
//! `resolved_when_first_seen`, so neither the plan nor classification ever announces it. It
//! is marked [`Backfilled`], naming what the API could not tell ([`Approximation`]).
//!
//! Rules of [`record`] (idempotent: recording the same snapshot twice changes nothing):
//! - only solved or closed tickets, solved at or after the `--since` month's start and within
//!   `daemon.retention` (older ones the daemon would prune at once);
//! - a ticket the daemon tracked live is never replaced (its history is better than ours);
//! - a ticket backfilled before is replaced only when Pureservice now says something else.

use crate::config::{Config, OnPriorityChange};
use crate::state::State;
use crate::ticket::{Approximation, Backfilled, CoreStatus, TicketSnapshot, TrackedTicket};
use crate::tracker;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a backfill run stands, saved in the state with the tickets it recorded (so the two
/// never disagree after a crash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The `--since` month, `YYYY-MM`.
    pub since: String,
    /// Its first instant (in `daemon.timezone`), in UTC.
    pub from: DateTime<Utc>,
    pub started: DateTime<Utc>,
    /// When progress was last saved.
    pub updated: DateTime<Utc>,
    /// `None` while the run is under way or was interrupted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished: Option<DateTime<Utc>>,
    /// The server-side filter the run pages through (with a date comparison when the tenant
    /// accepts one); a resumed run keeps it, so its paging position stays meaningful.
    pub filter: String,
    pub paging: Paging,
    pub counts: Counts,
}

/// The paging position: every ticket with `id >= next_id` matching the filter is still to
/// read; `start` is the offset into that set once the tenant was seen to ignore `sort`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paging {
    pub next_id: u64,
    pub start: u32,
    /// A page came back out of id order: the tenant ignores `sort`, so the rest of the run
    /// steps through the same filter by offset instead of by id.
    pub by_offset: bool,
    pub done: bool,
}

/// How many tickets a run read and what became of them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub read: u64,
    /// Recorded for the first time.
    pub recorded: u64,
    /// Backfilled before, and Pureservice now says something else.
    pub updated: u64,
    /// Backfilled before, unchanged.
    pub unchanged: u64,
    /// Tracked by the daemon already: kept as it is.
    pub tracked: u64,
    /// Solved before the `--since` month.
    pub before: u64,
    /// Not solved (open again): left to the daemon.
    pub open: u64,
    /// Solved longer ago than `daemon.retention`.
    pub expired: u64,
    /// Recorded or updated tickets with each approximation.
    #[serde(default)]
    pub pauses: u64,
    #[serde(default)]
    pub reopenings: u64,
    #[serde(default)]
    pub resolved_time: u64,
    #[serde(default)]
    pub priority: u64,
}

impl Checkpoint {
    /// A new run from the beginning.
    pub fn new(since: String, from: DateTime<Utc>, filter: String, now: DateTime<Utc>) -> Self {
        Checkpoint {
            since,
            from,
            started: now,
            updated: now,
            finished: None,
            filter,
            paging: Paging::default(),
            counts: Counts::default(),
        }
    }

    /// Whether this is an unfinished run of the same `--since` month (to be continued).
    pub fn resumes(&self, since: &str) -> bool {
        self.finished.is_none() && self.since == since
    }
}

impl Paging {
    /// Takes the ids of one page (in the order served) of at most `limit`: moves past them.
    /// A page in ascending id order, all at or after `next_id`, moves `next_id` past its last
    /// id; any other page means the tenant ignores `sort`, and from then on the same filter is
    /// stepped through by offset (pages only need to be consistent with each other).
    pub fn apply(&mut self, ids: &[u64], limit: u32) {
        let n = ids.len() as u32;
        if !self.by_offset {
            let in_order = ids.windows(2).all(|w| w[0] < w[1])
                && ids.first().map_or(true, |f| *f >= self.next_id);
            if !in_order {
                self.by_offset = true;
            }
        }
        if n < limit {
            self.done = true;
        } else if self.by_offset {
            self.start += n;
        } else if let Some(last) = ids.last() {
            self.next_id = last + 1;
            self.start = 0;
        }
    }
}

/// What [`record`] did with one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Recorded,
    Updated,
    Unchanged,
    /// The daemon tracks it: kept.
    Tracked,
    Before,
    Open,
    Expired,
}

impl Outcome {
    /// Whether the state now holds a (new) backfilled record from this snapshot.
    pub fn wrote(self) -> bool {
        matches!(self, Outcome::Recorded | Outcome::Updated)
    }
}

/// When the snapshot says the ticket was solved (as the tracker reads it).
pub fn solved_at(s: &TicketSnapshot) -> DateTime<Utc> {
    s.resolved.or(s.closed).unwrap_or(s.modified).max(s.created)
}

/// The tracked ticket a solved snapshot gives, marked backfilled at `now`.
pub fn tracked_from(s: &TicketSnapshot, config: &Config, now: DateTime<Utc>) -> TrackedTicket {
    let (mut t, _) = tracker::observe(None, s, config, now);
    let mut approximate = Vec::new();
    if !config.pureservice.paused_statuses.is_empty() {
        approximate.push(Approximation::Pauses);
    }
    if s.reopened_count > 0 {
        approximate.push(Approximation::Reopenings);
    }
    if s.resolved.is_none() {
        approximate.push(Approximation::ResolvedTime);
    }
    if config.on_priority_change == OnPriorityChange::FromRaise {
        approximate.push(Approximation::Priority);
    }
    t.backfilled = Some(Backfilled {
        at: now,
        approximate,
    });
    t
}

/// Whether `new` says nothing that `old` does not: equal but for when they were recorded, and
/// for what the daemon's minimising dropped from `old` since (`state::minimise`).
fn same(old: &TrackedTicket, new: &TrackedTicket) -> bool {
    let mut n = new.clone();
    n.first_seen = old.first_seen;
    if let (Some(nb), Some(ob)) = (n.backfilled.as_mut(), old.backfilled.as_ref()) {
        nb.at = ob.at;
    }
    if old.assignee.is_none() {
        n.assignee = None;
    }
    if old.fields.is_empty() {
        n.fields.clear();
    }
    if old.subject.is_empty() {
        n.subject.clear();
    }
    n == *old
}

/// Records one snapshot into `state` (see the module header); `from` is the `--since` month's
/// start. Counts the outcome in `counts`.
pub fn record(
    state: &mut State,
    s: &TicketSnapshot,
    config: &Config,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> Outcome {
    counts.read += 1;
    let outcome = decide(state, s, config, from, now);
    match outcome {
        Outcome::Recorded | Outcome::Updated => {
            let t = tracked_from(s, config, now);
            for a in t.backfilled.iter().flat_map(|b| &b.approximate) {
                match a {
                    Approximation::Pauses => counts.pauses += 1,
                    Approximation::Reopenings => counts.reopenings += 1,
                    Approximation::ResolvedTime => counts.resolved_time += 1,
                    Approximation::Priority => counts.priority += 1,
                }
            }
            let existed = state.tickets.insert(s.id, t).is_some();
            if existed {
                state.touch_ticket(s.id);
                counts.updated += 1;
            } else {
                counts.recorded += 1;
            }
        }
        Outcome::Unchanged => counts.unchanged += 1,
        Outcome::Tracked => counts.tracked += 1,
        Outcome::Before => counts.before += 1,
        Outcome::Open => counts.open += 1,
        Outcome::Expired => counts.expired += 1,
    }
    outcome
}

fn decide(
    state: &State,
    s: &TicketSnapshot,
    config: &Config,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Outcome {
    if s.core == CoreStatus::Open {
        return Outcome::Open;
    }
    let solved = solved_at(s);
    if solved < from {
        return Outcome::Before;
    }
    if solved < now - config.daemon.retention {
        return Outcome::Expired;
    }
    match state.tickets.get(&s.id) {
        None => Outcome::Recorded,
        Some(old) if old.backfilled.is_none() => Outcome::Tracked,
        Some(old) if same(old, &tracked_from(s, config, now)) => Outcome::Unchanged,
        Some(_) => Outcome::Updated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_by_id_while_sorted() {
        let mut p = Paging::default();
        p.apply(&[3, 5, 9], 3);
        assert_eq!(
            (p.next_id, p.start, p.by_offset, p.done),
            (10, 0, false, false)
        );
        p.apply(&[10, 12], 3);
        assert!(p.done);
        assert_eq!(p.next_id, 10, "a short page ends the run where it stood");
    }

    #[test]
    fn paging_falls_back_to_offsets_when_sort_is_ignored() {
        let mut p = Paging::default();
        p.apply(&[3, 5, 9], 3);
        p.apply(&[14, 11, 12], 3);
        assert_eq!((p.next_id, p.start, p.by_offset), (10, 3, true));
        p.apply(&[10, 20, 13], 3);
        assert_eq!((p.next_id, p.start), (10, 6));
        p.apply(&[], 3);
        assert!(p.done);
        // A page before the key it asked for is out of order too.
        let mut q = Paging {
            next_id: 50,
            ..Paging::default()
        };
        q.apply(&[40, 41], 2);
        assert!(q.by_offset);
    }
}
