//! The journal: an append-only JSON-lines file of per-save changes next to the snapshot.
//!
//! Each line is one save: the records that changed (a ticket, a ledger entry, a thread, …) with
//! their whole new value, `null` for a removed one, and the small parts (cursor, health) whole
//! when they changed. Replaying every line after the snapshot's `journal_seq` onto the snapshot
//! gives the state of the last save. A line is written with one `write` and made durable with
//! one `fdatasync`; a crash mid-write leaves a torn last line, which reading detects and drops.
//!
//! What changed is found by [`Shadow`], the store's memory of what is on disk: a cheap
//! fingerprint per ledger entry and thread (compared every save, so no caller has to say what it
//! changed), the key sets of every map, copies of the small sets, and the tickets the caller
//! marked with [`State::touch_ticket`](super::State::touch_ticket) — a ticket is the one record
//! too large to compare every save.

use super::{Health, LoadProblem, State, SyncCursor};
use crate::backfill::Checkpoint;
use crate::ledger::{DeliveryStatus, LedgerEntry};
use crate::report::incident::Record;
use crate::report::scheduled::OwedReport;
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

/// Added and removed members of a set.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct SetDiff<T> {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) add: Vec<T>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) del: Vec<T>,
}

impl<T> SetDiff<T> {
    fn is_empty(&self) -> bool {
        self.add.is_empty() && self.del.is_empty()
    }
}

/// One journal line as written (borrowing from the state).
#[derive(Debug, Serialize)]
pub(crate) struct LineOut<'a> {
    pub(crate) seq: u64,
    pub(crate) at: DateTime<Utc>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) tickets: BTreeMap<TicketId, Option<&'a TrackedTicket>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) ledger: BTreeMap<String, Option<&'a LedgerEntry>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) threads: BTreeMap<String, Option<&'a Vec<String>>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) incident_reports: BTreeMap<String, Option<&'a Record>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) reports_owed: BTreeMap<String, Option<&'a OwedReport>>,
    #[serde(skip_serializing_if = "SetDiff::is_empty")]
    pub(crate) reported: SetDiff<String>,
    #[serde(skip_serializing_if = "SetDiff::is_empty")]
    pub(crate) reports_sent: SetDiff<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cursor: Option<&'a SyncCursor>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) health: Option<&'a Health>,
    /// The backfill checkpoint, whole, when it changed (`Some(None)`: removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) backfill: Option<Option<&'a Checkpoint>>,
}

impl LineOut<'_> {
    /// Whether anything but health changed.
    pub(crate) fn has_changes(&self) -> bool {
        !self.tickets.is_empty()
            || !self.ledger.is_empty()
            || !self.threads.is_empty()
            || !self.incident_reports.is_empty()
            || !self.reports_owed.is_empty()
            || !self.reported.is_empty()
            || !self.reports_sent.is_empty()
            || self.cursor.is_some()
            || self.backfill.is_some()
    }

    pub(crate) fn writes_health(&self) -> bool {
        self.health.is_some()
    }

    pub(crate) fn is_empty(&self) -> bool {
        !self.has_changes() && self.health.is_none()
    }
}

/// One journal line as read (owned; parsed straight into the typed records).
#[derive(Debug, Deserialize)]
pub(crate) struct LineIn {
    pub(crate) seq: u64,
    at: DateTime<Utc>,
    #[serde(default)]
    tickets: BTreeMap<TicketId, Option<TrackedTicket>>,
    #[serde(default)]
    ledger: BTreeMap<String, Option<LedgerEntry>>,
    #[serde(default)]
    threads: BTreeMap<String, Option<Vec<String>>>,
    #[serde(default)]
    incident_reports: BTreeMap<String, Option<Record>>,
    #[serde(default)]
    reports_owed: BTreeMap<String, Option<OwedReport>>,
    #[serde(default)]
    reported: SetDiff<String>,
    #[serde(default)]
    reports_sent: SetDiff<String>,
    #[serde(default)]
    cursor: Option<SyncCursor>,
    #[serde(default)]
    health: Option<Health>,
    /// Present when the checkpoint changed; `null` when it was removed.
    #[serde(default, deserialize_with = "present")]
    backfill: Option<Option<Checkpoint>>,
}

/// A field that is present (even as `null`) is `Some`: tells "removed" from "unchanged".
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

fn apply_map<K: Ord, V>(map: &mut BTreeMap<K, V>, changes: BTreeMap<K, Option<V>>) {
    for (k, v) in changes {
        match v {
            Some(v) => {
                map.insert(k, v);
            }
            None => {
                map.remove(&k);
            }
        }
    }
}

fn apply_set(set: &mut BTreeSet<String>, diff: SetDiff<String>) {
    for k in diff.del {
        set.remove(&k);
    }
    set.extend(diff.add);
}

impl LineIn {
    /// Applies this line's changes to `state`.
    pub(crate) fn apply(self, state: &mut State) {
        apply_map(&mut state.tickets, self.tickets);
        apply_map(&mut state.ledger.entries, self.ledger);
        apply_map(&mut state.threads, self.threads);
        apply_map(&mut state.incident_reports, self.incident_reports);
        apply_map(&mut state.reports_owed, self.reports_owed);
        apply_set(&mut state.reported, self.reported);
        apply_set(&mut state.reports_sent, self.reports_sent);
        if let Some(c) = self.cursor {
            state.cursor = c;
        }
        if let Some(h) = self.health {
            state.health = h;
        }
        if let Some(b) = self.backfill {
            state.backfill = b;
        }
        state.saved_at = Some(self.at);
    }
}

/// What the journal text held.
#[derive(Debug)]
pub(crate) struct Read {
    pub(crate) lines: Vec<LineIn>,
    /// Length of the valid prefix (complete, parsable lines); anything after it is a torn tail.
    pub(crate) valid_len: u64,
    /// Whether a torn last line was dropped.
    pub(crate) torn: bool,
}

/// Parses journal bytes. A last line that is incomplete (no newline) or does not parse is a torn
/// write and dropped; an unparsable line before the last one, or out-of-order sequence numbers,
/// is corruption.
pub(crate) fn read(bytes: &[u8]) -> Result<Read, LoadProblem> {
    let mut lines = Vec::new();
    let mut pos = 0usize;
    let mut number = 0usize;
    while pos < bytes.len() {
        number += 1;
        let (end, complete) = match bytes[pos..].iter().position(|&b| b == b'\n') {
            Some(i) => (pos + i, true),
            None => (bytes.len(), false),
        };
        let text = &bytes[pos..end];
        let next = if complete { end + 1 } else { end };
        let is_last = next >= bytes.len();
        if text.iter().all(u8::is_ascii_whitespace) && complete {
            pos = next;
            continue;
        }
        let parsed = if complete {
            serde_json::from_slice::<LineIn>(text).map_err(|e| e.to_string())
        } else {
            Err("the line is incomplete".into())
        };
        match parsed {
            Ok(line) => {
                if let Some(prev) = lines.last().map(|l: &LineIn| l.seq) {
                    if line.seq <= prev {
                        return Err(LoadProblem::Corrupt(format!(
                            "journal line {number} has sequence number {} after {prev}",
                            line.seq
                        )));
                    }
                }
                lines.push(line);
                pos = next;
            }
            Err(_) if is_last => {
                return Ok(Read {
                    lines,
                    valid_len: pos as u64,
                    torn: true,
                })
            }
            Err(e) => {
                return Err(LoadProblem::Corrupt(format!(
                    "journal line {number} is not a valid change record ({e}) and is not the last line, so it is not a torn write"
                )))
            }
        }
    }
    Ok(Read {
        lines,
        valid_len: pos as u64,
        torn: false,
    })
}

/// A ledger entry's fingerprint: everything that changes in an entry's life (an intent itself
/// never changes once issued).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EntryPrint {
    status: DeliveryStatus,
    attempts: usize,
    next_attempt: Option<DateTime<Utc>>,
    remote_id: bool,
    message: bool,
    vars: usize,
}

impl EntryPrint {
    fn of(e: &LedgerEntry) -> Self {
        EntryPrint {
            status: e.status,
            attempts: e.attempts.len(),
            next_attempt: e.next_attempt,
            remote_id: e.remote_id.is_some(),
            message: e.message.is_some(),
            vars: e.intent.vars.len(),
        }
    }
}

/// A thread changes by appending (and dropping from the middle once capped): length and last id.
fn thread_print(ids: &[String]) -> (usize, u64) {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    ids.last().hash(&mut h);
    (ids.len(), h.finish())
}

/// A hash of a record's JSON form, for the few small, rarely changing maps.
fn json_print<T: Serialize>(value: &T) -> u64 {
    struct HashWriter(std::collections::hash_map::DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = HashWriter(std::collections::hash_map::DefaultHasher::new());
    // Serializing these types into a writer cannot fail (no maps with non-string keys).
    let _ = serde_json::to_writer(&mut w, value);
    w.0.finish()
}

/// What is on disk, as far as finding changes needs to know.
#[derive(Debug, Default)]
pub(crate) struct Shadow {
    tickets: BTreeSet<TicketId>,
    ledger: BTreeMap<String, EntryPrint>,
    threads: BTreeMap<String, (usize, u64)>,
    incident_reports: BTreeMap<String, u64>,
    reports_owed: BTreeMap<String, u64>,
    reported: BTreeSet<String>,
    reports_sent: BTreeSet<String>,
    cursor: SyncCursor,
    health: Health,
    backfill: Option<Checkpoint>,
}

/// Walks `current` and `shadow` (both sorted) together in one pass: new keys and changed prints
/// go to `out` with their value, keys gone go with `None`; `shadow` is updated to match.
fn diff_map<'a, K: Ord + Clone, V, P: PartialEq>(
    current: &'a BTreeMap<K, V>,
    shadow: &mut BTreeMap<K, P>,
    print: impl Fn(&V) -> P,
    out: &mut BTreeMap<K, Option<&'a V>>,
) {
    let mut gone = Vec::new();
    let mut set = Vec::new();
    let mut old = shadow.iter().peekable();
    for (k, v) in current {
        while let Some((ok, _)) = old.peek() {
            if *ok < k {
                gone.push((*ok).clone());
                old.next();
            } else {
                break;
            }
        }
        let p = print(v);
        match old.peek() {
            Some((ok, op)) if *ok == k => {
                if **op != p {
                    set.push((k.clone(), p));
                    out.insert(k.clone(), Some(v));
                }
                old.next();
            }
            _ => {
                set.push((k.clone(), p));
                out.insert(k.clone(), Some(v));
            }
        }
    }
    gone.extend(old.map(|(k, _)| k.clone()));
    for k in gone {
        shadow.remove(&k);
        out.insert(k, None);
    }
    for (k, p) in set {
        shadow.insert(k, p);
    }
}

fn diff_set(current: &BTreeSet<String>, shadow: &mut BTreeSet<String>) -> SetDiff<String> {
    if current == shadow {
        return SetDiff::default();
    }
    let diff = SetDiff {
        add: current.difference(shadow).cloned().collect(),
        del: shadow.difference(current).cloned().collect(),
    };
    shadow.clone_from(current);
    diff
}

impl Shadow {
    /// The shadow of a state that is entirely on disk.
    pub(crate) fn of(state: &State) -> Shadow {
        let mut s = Shadow::default();
        let _ = s.changes(
            state,
            &BTreeSet::new(),
            0,
            state.saved_at.unwrap_or_default(),
            true,
        );
        s
    }

    /// The changes from what is on disk to `state` as one line numbered `seq`, `touched` being
    /// the tickets changed in memory. Health facts go in when they changed and either something
    /// else did or `health_due`. Updates the shadow as if the line were written; after a failed
    /// write only a snapshot is safe (see `Store::save`).
    pub(crate) fn changes<'a>(
        &mut self,
        state: &'a State,
        touched: &BTreeSet<TicketId>,
        seq: u64,
        at: DateTime<Utc>,
        health_due: bool,
    ) -> LineOut<'a> {
        let mut tickets = BTreeMap::new();
        for id in touched {
            tickets.insert(*id, state.tickets.get(id));
        }
        if self.tickets.len() != state.tickets.len()
            || !self.tickets.iter().eq(state.tickets.keys())
        {
            for id in self
                .tickets
                .iter()
                .filter(|id| !state.tickets.contains_key(id))
            {
                tickets.insert(*id, None);
            }
            for (id, t) in state
                .tickets
                .iter()
                .filter(|(id, _)| !self.tickets.contains(id))
            {
                tickets.insert(*id, Some(t));
            }
            self.tickets = state.tickets.keys().copied().collect();
        }
        let mut line = LineOut {
            seq,
            at,
            tickets,
            ledger: BTreeMap::new(),
            threads: BTreeMap::new(),
            incident_reports: BTreeMap::new(),
            reports_owed: BTreeMap::new(),
            reported: diff_set(&state.reported, &mut self.reported),
            reports_sent: diff_set(&state.reports_sent, &mut self.reports_sent),
            cursor: None,
            health: None,
            backfill: None,
        };
        diff_map(
            &state.ledger.entries,
            &mut self.ledger,
            EntryPrint::of,
            &mut line.ledger,
        );
        diff_map(
            &state.threads,
            &mut self.threads,
            |v| thread_print(v),
            &mut line.threads,
        );
        diff_map(
            &state.incident_reports,
            &mut self.incident_reports,
            json_print,
            &mut line.incident_reports,
        );
        diff_map(
            &state.reports_owed,
            &mut self.reports_owed,
            json_print,
            &mut line.reports_owed,
        );
        if state.cursor != self.cursor {
            self.cursor.clone_from(&state.cursor);
            line.cursor = Some(&state.cursor);
        }
        if state.backfill != self.backfill {
            self.backfill.clone_from(&state.backfill);
            line.backfill = Some(state.backfill.as_ref());
        }
        if state.health != self.health && (health_due || line.has_changes()) {
            self.health.clone_from(&state.health);
            line.health = Some(&state.health);
        }
        line
    }

    /// Whether `health` differs from what is on disk.
    pub(crate) fn health_differs(&self, health: &Health) -> bool {
        *health != self.health
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backfill_checkpoint_travels_in_the_journal() {
        let mut state = State::default();
        let mut shadow = Shadow::of(&state);
        let now: DateTime<Utc> = "2026-12-02T08:00:00Z".parse().unwrap();
        state.backfill = Some(Checkpoint::new("2026-01".into(), now, "x".into(), now));
        let line = serde_json::to_string(&shadow.changes(&state, &BTreeSet::new(), 1, now, false))
            .unwrap();
        assert!(line.contains("\"backfill\""), "{line}");
        let mut replayed = State::default();
        serde_json::from_str::<LineIn>(&line)
            .unwrap()
            .apply(&mut replayed);
        assert_eq!(replayed.backfill, state.backfill);
        // Unchanged: not written again; removed: written as null and removed on replay.
        let same = shadow.changes(&state, &BTreeSet::new(), 2, now, false);
        assert!(same.is_empty());
        state.backfill = None;
        let line = serde_json::to_string(&shadow.changes(&state, &BTreeSet::new(), 3, now, false))
            .unwrap();
        assert!(line.contains("\"backfill\":null"), "{line}");
        serde_json::from_str::<LineIn>(&line)
            .unwrap()
            .apply(&mut replayed);
        assert_eq!(replayed.backfill, None);
        // A line without the field leaves the checkpoint alone.
        replayed.backfill = Some(Checkpoint::new("2026-02".into(), now, "y".into(), now));
        serde_json::from_str::<LineIn>(r#"{"seq":4,"at":"2026-12-02T08:00:00Z"}"#)
            .unwrap()
            .apply(&mut replayed);
        assert!(replayed.backfill.is_some());
    }
}
