//! The ledger: every intent the plan issued, and every delivery attempt and outcome.
//!
//! It is the source of truth for "already sent": the plan engine asks it whether a rule
//! occurrence fired; the outbox records attempts here; `status` and the reports read it.
//! Persisted in the state file.
//!
//! A settled entry (delivered, failed, skipped) is kept small ([`Ledger::slim_settled`]): its
//! key, status, times, attempts, remote id and the intent's few facts that `status`, the reports,
//! the incident report and later plan decisions read; the rendered message and the template
//! variables nobody reads any more (digest item lists, alert texts) are dropped.

use crate::notify::Message;
use crate::plan::{Intent, IntentKey, Recipient};
use crate::ticket::TicketId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Persisted, not yet sent (or waiting for a retry).
    Pending,
    /// A send was started; if the process died now we do not know whether it arrived.
    InFlight,
    Delivered,
    /// Permanently failed (after retries, or a permanent error); fallback raised.
    Failed,
    /// Not sent on purpose (dry run, or merged into a digest).
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub ok: bool,
    /// Short outcome text: "250 accepted", "HTTP 503 (retryable)", … — never secrets.
    pub outcome: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub intent: Intent,
    pub created_at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub attempts: Vec<Attempt>,
    /// Earliest time of the next attempt while pending.
    pub next_attempt: Option<DateTime<Utc>>,
    /// Id the far side gave (Message-ID, Teams message id, SharePoint page id…).
    pub remote_id: Option<String>,
    /// The rendered message, held only until the entry is settled (delivered, failed or
    /// skipped) so that a retry or a re-send after a crash sends the same text. Dropped then,
    /// which keeps personal free text out of the state file once it is no longer needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

impl LedgerEntry {
    /// Delivered, failed or skipped: final, never sent again.
    pub fn is_settled(&self) -> bool {
        matches!(
            self.status,
            DeliveryStatus::Delivered | DeliveryStatus::Failed | DeliveryStatus::Skipped
        )
    }

    // The delivery state machine. Every status change goes through one of these; each one
    // checks the state it leaves and refuses (returns `false`, changes nothing) an illegal
    // transition, so a late or doubled outcome cannot resurrect or overwrite a settled entry.
    //
    //   Pending --claim--> InFlight --deliver--> Delivered
    //   Pending --skip---> Skipped            InFlight --retry--> Pending (next_attempt)
    //   InFlight --release--> Pending (now)   InFlight --fail--> Failed

    /// Pending → Skipped (dry run): the attempt is recorded as ok with `outcome`.
    pub fn skip(&mut self, at: DateTime<Utc>, outcome: &str) -> bool {
        if self.status != DeliveryStatus::Pending {
            return false;
        }
        self.status = DeliveryStatus::Skipped;
        self.next_attempt = None;
        self.message = None;
        self.attempts.push(Attempt {
            at,
            ok: true,
            outcome: outcome.into(),
        });
        true
    }

    /// Pending → InFlight: a send is about to start (persist before sending).
    pub fn claim(&mut self) -> bool {
        if self.status != DeliveryStatus::Pending {
            return false;
        }
        self.status = DeliveryStatus::InFlight;
        self.next_attempt = None;
        true
    }

    /// InFlight → Pending, due at `now`: the send was never started (shutdown, or the state
    /// could not be persisted first). No attempt is recorded.
    pub fn release(&mut self, now: DateTime<Utc>) -> bool {
        if self.status != DeliveryStatus::InFlight {
            return false;
        }
        self.status = DeliveryStatus::Pending;
        self.next_attempt = Some(now);
        true
    }

    /// InFlight → Delivered: the attempt succeeded; the message is dropped, the remote id kept.
    pub fn deliver(
        &mut self,
        at: DateTime<Utc>,
        remote_id: Option<String>,
        outcome: String,
    ) -> bool {
        if self.status != DeliveryStatus::InFlight {
            return false;
        }
        self.status = DeliveryStatus::Delivered;
        self.next_attempt = None;
        self.message = None;
        self.remote_id = remote_id;
        self.attempts.push(Attempt {
            at,
            ok: true,
            outcome,
        });
        true
    }

    /// Records a failed attempt of an in-flight send (before deciding retry or fail); returns
    /// the number of failed attempts so far, or `None` (nothing recorded) when not in flight.
    pub fn record_failure(&mut self, at: DateTime<Utc>, outcome: String) -> Option<u32> {
        if self.status != DeliveryStatus::InFlight {
            return None;
        }
        self.attempts.push(Attempt {
            at,
            ok: false,
            outcome,
        });
        Some(self.attempts.iter().filter(|a| !a.ok).count() as u32)
    }

    /// InFlight → Pending with the next attempt at `at` (a retryable failure).
    pub fn retry(&mut self, at: DateTime<Utc>) -> bool {
        if self.status != DeliveryStatus::InFlight {
            return false;
        }
        self.status = DeliveryStatus::Pending;
        self.next_attempt = Some(at);
        true
    }

    /// InFlight → Failed (for good); returns the rendered message (for the fallbacks), or
    /// `None` and nothing changes when not in flight.
    pub fn fail(&mut self) -> Option<Option<Message>> {
        if self.status != DeliveryStatus::InFlight {
            return None;
        }
        self.status = DeliveryStatus::Failed;
        self.next_attempt = None;
        Some(self.message.take())
    }
}

/// The outcome recorded for an intent merged into a digest (storm control); readers word it in
/// their language (the serious-incident report's timeline).
pub const MERGED_OUTCOME: &str = "merged into a digest";

/// Template variables a settled entry keeps, because something reads them from the ledger later:
/// the digest an original was merged into (`Ledger::notified`), the tickets a cluster notice
/// covered (`classify::notices`), and the planned start a change notice announced
/// (`plan::changes`, to tell a move from a move back).
pub const KEPT_VARS: &[&str] = &[
    crate::plan::storm::DIGEST_VAR,
    crate::classify::notices::IDS_VAR,
    "planned_start",
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ledger {
    /// Keyed by `IntentKey`'s display form.
    pub entries: BTreeMap<String, LedgerEntry>,
    /// Acknowledgements of rule occurrences (`ticket/rule/occurrence`), see `plan::ack`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub acks: BTreeMap<String, crate::plan::ack::Ack>,
}

impl Ledger {
    /// Records an acknowledgement; `false` (and nothing changes) when the occurrence was
    /// acknowledged before — a link works once.
    pub fn acknowledge(&mut self, key: String, ack: crate::plan::ack::Ack) -> bool {
        match self.acks.entry(key) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(ack);
                true
            }
        }
    }

    pub fn get(&self, key: &IntentKey) -> Option<&LedgerEntry> {
        self.entries.get(&key.to_string())
    }

    /// Records newly issued intents as pending. An intent already present is left untouched.
    /// The outbox cannot send an entry without a message; use [`Ledger::issue_rendered`] for
    /// intents that are to be delivered.
    pub fn issue(&mut self, intents: &[Intent], now: DateTime<Utc>) {
        for i in intents {
            self.insert_new(i.clone(), None, now);
        }
    }

    /// Records newly issued intents as pending together with their rendered messages, which the
    /// outbox sends. An intent already present is left untouched (its message too). Returns
    /// how many were new.
    pub fn issue_rendered(&mut self, items: Vec<(Intent, Message)>, now: DateTime<Utc>) -> usize {
        let mut new = 0;
        for (intent, message) in items {
            if self.insert_new(intent, Some(message), now) {
                new += 1;
            }
        }
        new
    }

    fn insert_new(&mut self, intent: Intent, message: Option<Message>, now: DateTime<Utc>) -> bool {
        match self.entries.entry(intent.key.to_string()) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(LedgerEntry {
                    intent,
                    created_at: now,
                    status: DeliveryStatus::Pending,
                    attempts: Vec::new(),
                    next_attempt: Some(now),
                    remote_id: None,
                    message,
                });
                true
            }
        }
    }

    /// Whether any intent of (ticket, rule, occurrence) was issued.
    pub fn fired(&self, ticket: TicketId, rule: &str, occurrence: u32) -> bool {
        self.for_ticket(ticket)
            .any(|e| e.intent.key.rule == rule && e.intent.key.occurrence == occurrence)
    }

    /// Highest occurrence of (ticket, rule) issued so far.
    pub fn last_occurrence(&self, ticket: TicketId, rule: &str) -> Option<u32> {
        self.for_ticket(ticket)
            .filter(|e| e.intent.key.rule == rule)
            .map(|e| e.intent.key.occurrence)
            .max()
    }

    /// Distinct (channel, recipient) pairs this ticket's plan reached or tried to reach.
    pub fn notified(&self, ticket: TicketId) -> Vec<(String, Recipient)> {
        let mut out: Vec<(String, Recipient)> = self
            .for_ticket(ticket)
            // Alerts to the admins about slavakt itself (e.g. a failed delivery) are not
            // communication about the ticket: their recipients are not "notified".
            .filter(|e| e.intent.reason != crate::plan::Reason::Alert)
            // Merged into a digest still counts: the person heard about the ticket.
            .filter(|e| {
                e.status != DeliveryStatus::Skipped
                    || e.intent.reason == crate::plan::Reason::Digest
                    || e.intent.vars.contains_key(crate::plan::storm::DIGEST_VAR)
            })
            .map(|e| (e.intent.key.channel.clone(), e.intent.recipient.clone()))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn for_ticket(&self, ticket: TicketId) -> impl Iterator<Item = &LedgerEntry> {
        let prefix = format!("{ticket}/");
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(_, e)| e)
    }

    /// Drops from every settled entry what only sending needed: the rendered message and the
    /// template variables not in [`KEPT_VARS`]. Idempotent and cheap on an already slim ledger;
    /// returns how many entries changed.
    pub fn slim_settled(&mut self) -> usize {
        let mut changed = 0;
        for e in self.entries.values_mut() {
            if !e.is_settled() {
                continue;
            }
            let extra = e
                .intent
                .vars
                .keys()
                .any(|k| !KEPT_VARS.contains(&k.as_str()));
            if e.message.is_some() || extra {
                e.message = None;
                e.intent.vars.retain(|k, _| KEPT_VARS.contains(&k.as_str()));
                changed += 1;
            }
        }
        changed
    }

    /// Entries waiting to be sent (pending, or in flight at a crash) in creation order.
    pub fn pending(&self) -> Vec<&LedgerEntry> {
        let mut v: Vec<&LedgerEntry> = self
            .entries
            .values()
            .filter(|e| matches!(e.status, DeliveryStatus::Pending | DeliveryStatus::InFlight))
            .collect();
        v.sort_by_key(|e| (e.created_at, e.intent.key.clone()));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Reason;

    fn t(s: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn entry() -> LedgerEntry {
        let intent = Intent {
            key: IntentKey {
                ticket: 1,
                rule: "r".into(),
                occurrence: 0,
                channel: "email".into(),
                recipient: "a@example.org".into(),
            },
            reason: Reason::Opened,
            audience: "role:x".into(),
            recipient: Recipient {
                name: "A".into(),
                address: "a@example.org".into(),
            },
            due_at: t(0),
            late: false,
            template: "opened".into(),
            important: false,
            vars: BTreeMap::new(),
        };
        let mut l = Ledger::default();
        l.issue(&[intent], t(0));
        l.entries.into_values().next().unwrap()
    }

    #[test]
    fn claim_then_deliver_settles_and_keeps_the_remote_id() {
        let mut e = entry();
        assert!(e.claim());
        assert_eq!(e.status, DeliveryStatus::InFlight);
        assert!(!e.claim(), "claimed twice");
        assert!(e.deliver(t(1), Some("<id>".into()), "250".into()));
        assert_eq!(e.status, DeliveryStatus::Delivered);
        assert_eq!(e.remote_id.as_deref(), Some("<id>"));
        assert!(e.is_settled() && e.next_attempt.is_none());
        // A late or doubled outcome does not touch a settled entry.
        assert!(!e.deliver(t(2), None, "again".into()));
        assert!(!e.retry(t(3)) && e.fail().is_none() && !e.release(t(3)));
        assert!(e.record_failure(t(3), "x".into()).is_none());
        assert_eq!(e.attempts.len(), 1);
    }

    #[test]
    fn a_failure_retries_then_fails_for_good() {
        let mut e = entry();
        assert!(e.claim());
        assert_eq!(e.record_failure(t(1), "503".into()), Some(1));
        assert!(e.retry(t(60)));
        assert_eq!(
            (e.status, e.next_attempt),
            (DeliveryStatus::Pending, Some(t(60)))
        );
        assert!(e.fail().is_none(), "a pending entry cannot fail");
        assert!(e.claim());
        assert_eq!(e.record_failure(t(61), "550".into()), Some(2));
        assert_eq!(e.fail(), Some(None));
        assert_eq!(e.status, DeliveryStatus::Failed);
    }

    #[test]
    fn release_returns_an_unsent_claim_and_skip_needs_pending() {
        let mut e = entry();
        assert!(!e.release(t(1)), "a pending entry is not released");
        assert!(e.claim());
        assert!(e.release(t(2)));
        assert_eq!(
            (e.status, e.next_attempt),
            (DeliveryStatus::Pending, Some(t(2)))
        );
        assert!(e.attempts.is_empty());
        assert!(e.skip(t(3), "dry run"));
        assert_eq!(e.status, DeliveryStatus::Skipped);
        assert!(!e.skip(t(4), "dry run") && !e.claim());
    }
}
