//! Evaluating only what can still fire: an index of each ticket's next due instant.
//!
//! [`super::evaluate`] is stateless: every tick it re-derives every tracked ticket × rule and asks
//! the ledger what was already issued — after a year that is 17,000 tickets, almost all resolved
//! long ago, for nothing. A ticket's evaluation depends only on the ticket, its own ledger
//! entries, the config and `now`, and what it yields can only change at the next instant one of
//! its rules names (`Outcome::next`). So the index remembers, per evaluated ticket, that instant
//! and a fingerprint of its ledger entries, and a tick evaluates a ticket only if
//!
//! - it was never evaluated, or it changed since (the caller passes `State::touched`),
//! - its next due instant has come, or
//! - its ledger entries changed (what the last evaluation issued, delivery outcomes, fallbacks).
//!
//! Everything a tick issues is recorded in the ledger, which changes the fingerprint, so the
//! ticket is evaluated once more the next tick and then rests. A resolved ticket kept for the
//! reports ends with no next instant and costs one fingerprint comparison per tick. The config
//! is part of every evaluation: a reload must [`Index::clear`] the index. Same results as
//! [`super::evaluate`] — `tests/plan/engine.rs` runs both on random histories.

use crate::ledger::Ledger;
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A ticket's ledger entries, as far as evaluation can tell them apart: how many there are, and
/// the sum of their statuses (an entry's intent never changes; its status may matter, e.g. a
/// skipped one does not count as notified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct LedgerPrint {
    entries: u32,
    statuses: u32,
}

fn ledger_prints(ledger: &Ledger) -> HashMap<TicketId, LedgerPrint> {
    let mut out: HashMap<TicketId, LedgerPrint> = HashMap::new();
    let mut current: Option<(TicketId, LedgerPrint)> = None;
    // Keys start with the ticket id, so one ticket's entries are (almost always) adjacent.
    for e in ledger.entries.values() {
        let id = e.intent.key.ticket;
        let status = e.status as u32 + 1;
        match &mut current {
            Some((cur, p)) if *cur == id => {
                p.entries += 1;
                p.statuses = p.statuses.wrapping_add(status);
            }
            _ => {
                if let Some((cur, p)) = current.take() {
                    let acc = out.entry(cur).or_default();
                    acc.entries += p.entries;
                    acc.statuses = acc.statuses.wrapping_add(p.statuses);
                }
                current = Some((
                    id,
                    LedgerPrint {
                        entries: 1,
                        statuses: status,
                    },
                ));
            }
        }
    }
    if let Some((cur, p)) = current {
        let acc = out.entry(cur).or_default();
        acc.entries += p.entries;
        acc.statuses = acc.statuses.wrapping_add(p.statuses);
    }
    out
}

#[derive(Debug, Clone, Copy)]
struct Known {
    next: Option<DateTime<Utc>>,
    ledger: LedgerPrint,
}

/// Per ticket: when it was last evaluated, what it could fire next and its ledger then.
#[derive(Debug, Default)]
pub struct Index {
    known: HashMap<TicketId, Known>,
    /// `State::touched` up to here is accounted for.
    touch_mark: u64,
    /// Ledger fingerprints of the tickets selected by the last [`Index::select`].
    pending: HashMap<TicketId, LedgerPrint>,
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    /// Forgets everything (the config changed): the next tick evaluates every ticket.
    pub fn clear(&mut self) {
        self.known.clear();
    }

    /// The mark to pass to `State::touched.since`, and taking the new one.
    pub fn touch_mark(&self) -> u64 {
        self.touch_mark
    }

    /// The tickets to evaluate at `now`, in id order; `changed` are those changed since the
    /// last call (touched at `touch_mark` and after), `mark` the touch mark to remember.
    pub fn select<'a>(
        &mut self,
        tickets: &'a BTreeMap<TicketId, TrackedTicket>,
        ledger: &Ledger,
        changed: &BTreeSet<TicketId>,
        mark: u64,
        now: DateTime<Utc>,
    ) -> Vec<&'a TrackedTicket> {
        self.touch_mark = mark;
        for id in changed {
            self.known.remove(id);
        }
        if self.known.len() > tickets.len() {
            self.known.retain(|id, _| tickets.contains_key(id));
        }
        let prints = ledger_prints(ledger);
        self.pending.clear();
        let mut out = Vec::new();
        for t in tickets.values() {
            let print = prints.get(&t.id).copied().unwrap_or_default();
            let due = match self.known.get(&t.id) {
                None => true,
                Some(k) => k.ledger != print || k.next.is_some_and(|n| n <= now),
            };
            if due {
                self.pending.insert(t.id, print);
                out.push(t);
            }
        }
        out
    }

    /// The earliest next due instant of any ticket (what `Evaluation::next_due` is for all).
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        self.known.values().filter_map(|k| k.next).min()
    }

    /// Records one selected ticket's evaluation (its next due instant).
    pub fn evaluated(&mut self, id: TicketId, next: Option<DateTime<Utc>>) {
        let ledger = self.pending.get(&id).copied().unwrap_or_default();
        self.known.insert(id, Known { next, ledger });
    }
}
