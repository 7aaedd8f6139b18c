//! The outbox: delivers the ledger's pending intents over the channels, with per-channel
//! concurrency, capped exponential backoff with jitter, `Retry-After`, a deadline per intent and
//! a fallback on permanent failure; records every attempt in the ledger.
//!
//! One round has three steps, and the delivery guarantee (at-least-once, see
//! `docs/STATE_AND_DELIVERY.md`) depends on their order:
//!
//! 1. [`Outbox::prepare`] marks each due entry `InFlight` (pure, no I/O);
//! 2. the caller **persists the state**; only then
//! 3. [`Outbox::send`] does the network calls (it never touches the state), and
//!    [`Outbox::record`] writes the outcomes; the caller persists again.
//!
//! [`Outbox::deliver_due`] runs 1–3 with the save in between; use it unless a test needs the
//! steps apart. Invariant: an entry leaves `InFlight` only through `record` (or restart
//! healing), and a `Delivered`, `Failed` or `Skipped` entry is never sent again.

pub(crate) mod backoff;
mod fallback;
mod report;
mod send;

pub use backoff::{delay, next_attempt, Retry};
pub use fallback::{
    FallbackIntent, Fallbacks, Person, ALERT_PREFIX, ALERT_TEMPLATE, FALLBACK_PREFIX,
};
pub use report::{DeliveryOutcome, DeliveryReport, Outcome};
pub use send::{Batch, Sent};

use crate::clock::Clock;
use crate::config::RetryPolicy;
use crate::ledger::DeliveryStatus;
use crate::notify::{Delivery, Message, Notifier, NotifyError, Thread};
use crate::plan::Intent;
use crate::state::State;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::SeedableRng;
use send::{Job, SendResult};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Renders an intent that has no message yet (e.g. an alert raised by a failure), given its
/// tracked ticket if any and `now`; typically a wrapper around `templates::render`.
pub type Render = Arc<
    dyn Fn(&Intent, Option<&TrackedTicket>, DateTime<Utc>) -> Result<Message, String> + Send + Sync,
>;

/// Outcome text recorded for a dry-run entry.
pub const DRY_RUN_OUTCOME: &str = "dry run";

/// Longest outcome text kept in the ledger.
const MAX_OUTCOME: usize = 300;

pub struct Outbox {
    notifiers: BTreeMap<String, Arc<dyn Notifier>>,
    limits: BTreeMap<String, Arc<Semaphore>>,
    policy: RetryPolicy,
    dry_run: bool,
    fallbacks: Fallbacks,
    render: Option<Render>,
    rng: Mutex<StdRng>,
}

impl Outbox {
    /// `notifiers` by channel name as in the ledger keys (`email`, `sms`, `teams:drift`, …);
    /// at most `concurrency` sends in flight per channel (at least 1).
    pub fn new(
        notifiers: BTreeMap<String, Arc<dyn Notifier>>,
        policy: RetryPolicy,
        concurrency: usize,
    ) -> Outbox {
        let limits = notifiers
            .keys()
            .map(|k| (k.clone(), Arc::new(Semaphore::new(concurrency.max(1)))))
            .collect();
        Outbox {
            notifiers,
            limits,
            policy,
            dry_run: false,
            fallbacks: Fallbacks::default(),
            render: None,
            rng: Mutex::new(StdRng::from_entropy()),
        }
    }

    /// `daemon.dry_run`: due entries are settled as `Skipped` ("dry run") and nothing is sent.
    pub fn with_dry_run(mut self, dry_run: bool) -> Outbox {
        self.dry_run = dry_run;
        self
    }

    /// Who gets fallbacks and alerts; without this, failures raise nothing.
    pub fn with_fallbacks(mut self, fallbacks: Fallbacks) -> Outbox {
        self.fallbacks = fallbacks;
        self
    }

    /// Renders entries that have no message (alerts raised here, or intents issued without
    /// one). Without it such entries fail ("no rendered message").
    pub fn with_renderer(mut self, render: Render) -> Outbox {
        self.render = Some(render);
        self
    }

    /// Makes the jitter reproducible (tests).
    pub fn with_jitter_seed(self, seed: u64) -> Outbox {
        *self.rng.lock().unwrap_or_else(|p| p.into_inner()) = StdRng::seed_from_u64(seed);
        self
    }

    /// Step 1: every pending entry due at `now` becomes `InFlight` (its rendered message kept)
    /// and goes into the batch. In dry-run mode they become `Skipped` instead and the batch is
    /// empty. **Persist the state before [`Outbox::send`].**
    pub fn prepare(&self, state: &mut State, now: DateTime<Utc>) -> Batch {
        let due: Vec<String> = state
            .ledger
            .pending()
            .into_iter()
            .filter(|e| e.status == DeliveryStatus::Pending)
            .filter(|e| e.next_attempt.map_or(true, |t| t <= now))
            .map(|e| e.intent.key.to_string())
            .collect();
        let mut batch = Batch {
            jobs: Vec::new(),
            settled: Vec::new(),
            prepared_at: now,
        };
        for key in due {
            let Some(e) = state.ledger.entries.get_mut(&key) else {
                continue;
            };
            let channel = e.intent.key.channel.clone();
            if self.dry_run {
                e.skip(now, DRY_RUN_OUTCOME);
                batch.settled.push(DeliveryOutcome {
                    key,
                    channel,
                    outcome: Outcome::Skipped,
                    detail: DRY_RUN_OUTCOME.into(),
                });
                continue;
            }
            let mut problem = None;
            if e.message.is_none() {
                match &self.render {
                    Some(render) => {
                        match render(&e.intent, state.tickets.get(&e.intent.key.ticket), now) {
                            Ok(m) => e.message = Some(m),
                            Err(err) => {
                                problem = Some(NotifyError::Permanent(format!(
                                    "template {:?} could not be rendered: {err}",
                                    e.intent.template
                                )))
                            }
                        }
                    }
                    None => {
                        problem = Some(NotifyError::Permanent(
                            "nothing to send: no rendered message for this intent".into(),
                        ))
                    }
                }
            }
            let delivery = match (problem, &e.message) {
                (Some(p), _) => Err(p),
                (None, Some(m)) => Ok(Delivery {
                    key: key.clone(),
                    ticket: e.intent.key.ticket,
                    recipient: e.intent.recipient.clone(),
                    message: m.clone(),
                    thread: Thread {
                        previous: thread_of(e.intent.key.ticket, &channel, &e.intent.recipient)
                            .and_then(|k| state.threads.get(&k))
                            .cloned()
                            .unwrap_or_default(),
                    },
                }),
                (None, None) => unreachable!("a message is present unless there is a problem"),
            };
            e.claim();
            batch.jobs.push(Job {
                key,
                ticket: e.intent.key.ticket,
                recipient: e.intent.recipient.address.clone(),
                channel,
                delivery,
            });
        }
        batch
    }

    /// Step 2: the network calls. On `cancel`, sends not yet started are not started, and those
    /// in flight get `grace` to finish before they are abandoned (left `InFlight`).
    pub async fn send(
        &self,
        batch: Batch,
        cancel: &CancellationToken,
        grace: chrono::Duration,
    ) -> Sent {
        let grace = grace.to_std().unwrap_or(std::time::Duration::ZERO);
        send::send_all(&self.notifiers, &self.limits, batch, cancel, grace).await
    }

    /// Step 3: writes each outcome into the ledger: delivered (remote id kept, thread extended,
    /// message dropped), retry scheduled, or failed (message dropped, fallbacks issued as new
    /// pending entries). An entry no longer `InFlight` is left alone.
    pub fn record(&self, state: &mut State, sent: Sent, now: DateTime<Utc>) -> DeliveryReport {
        let mut report = DeliveryReport {
            outcomes: sent.settled,
            fallbacks: Vec::new(),
        };
        let mut failed: Vec<(String, Option<Message>)> = Vec::new();
        for (key, result) in sent.results {
            let Some(e) = state.ledger.entries.get_mut(&key) else {
                continue;
            };
            if e.status != DeliveryStatus::InFlight {
                continue;
            }
            let channel = e.intent.key.channel.clone();
            let (outcome, detail) = match result {
                SendResult::NotStarted => {
                    e.release(now);
                    (
                        Outcome::NotStarted,
                        "not started: shutting down".to_string(),
                    )
                }
                SendResult::Abandoned => (
                    Outcome::Abandoned,
                    "abandoned at shutdown; outcome unknown, re-sent after restart".to_string(),
                ),
                SendResult::Done(Ok(receipt)) => {
                    let detail = short(if receipt.detail.is_empty() {
                        "accepted"
                    } else {
                        &receipt.detail
                    });
                    e.deliver(sent.prepared_at, receipt.remote_id.clone(), detail.clone());
                    if let Some((id, k)) = receipt.remote_id.zip(thread_of(
                        e.intent.key.ticket,
                        &channel,
                        &e.intent.recipient,
                    )) {
                        extend_thread(state.threads.entry(k).or_default(), id);
                    }
                    tracing::info!(%key, ticket = e.intent.key.ticket, rule = %e.intent.key.rule, %channel, "delivered");
                    (Outcome::Delivered, detail)
                }
                SendResult::Done(Err(err)) => {
                    let mut detail = describe(&err);
                    // The entry is in flight (checked above), so the attempt is recorded.
                    let failures = e
                        .record_failure(sent.prepared_at, detail.clone())
                        .unwrap_or_default();
                    let retry = match &err {
                        NotifyError::Retryable { retry_after, .. } => {
                            let mut rng = self.rng.lock().unwrap_or_else(|p| p.into_inner());
                            Some(backoff::next_attempt(
                                &self.policy,
                                e.created_at,
                                failures,
                                *retry_after,
                                now,
                                &mut *rng,
                            ))
                        }
                        _ => None,
                    };
                    match retry {
                        Some(Retry::At(at)) => {
                            e.retry(at);
                            tracing::warn!(%key, ticket = e.intent.key.ticket, rule = %e.intent.key.rule, %channel, next_attempt = %at, error = %detail, "delivery failed; will retry");
                            (Outcome::Retrying { next_attempt: at }, detail)
                        }
                        other => {
                            if other == Some(Retry::GiveUp) {
                                detail = short(&format!(
                                    "{detail}; giving up: no retry possible within the deadline ({} after issue)",
                                    crate::duration::format_secs(self.policy.deadline.num_seconds())
                                ));
                                if let Some(last) = e.attempts.last_mut() {
                                    last.outcome = detail.clone();
                                }
                            }
                            failed.push((key.clone(), e.fail().flatten()));
                            let config_problem = matches!(err, NotifyError::Config(_));
                            tracing::error!(%key, ticket = e.intent.key.ticket, rule = %e.intent.key.rule, %channel, error = %detail, config_problem, "delivery failed for good");
                            (Outcome::Failed { config_problem }, detail)
                        }
                    }
                }
            };
            report.outcomes.push(DeliveryOutcome {
                key,
                channel,
                outcome,
                detail,
            });
        }

        let configured = |c: &str| self.notifiers.contains_key(c);
        for (key, message) in failed {
            let Some(entry) = state.ledger.entries.get(&key) else {
                continue;
            };
            let ticket = state.tickets.get(&entry.intent.key.ticket);
            let raised = self.fallbacks.for_failure(
                entry,
                message.as_ref(),
                ticket,
                &state.ledger,
                &configured,
                now,
            );
            for f in raised {
                let new = match &f.message {
                    Some(m) => {
                        state
                            .ledger
                            .issue_rendered(vec![(f.intent.clone(), m.clone())], now)
                            == 1
                    }
                    None => {
                        let k = f.intent.key.to_string();
                        let new = !state.ledger.entries.contains_key(&k);
                        state.ledger.issue(std::slice::from_ref(&f.intent), now);
                        new
                    }
                };
                if new {
                    tracing::warn!(key = %f.intent.key, ticket = f.intent.key.ticket, rule = %f.intent.key.rule, channel = %f.intent.key.channel, "raised after a failed delivery");
                    report.fallbacks.push(f);
                }
            }
        }
        report
    }

    /// One round: prepare, `persist`, send, record. Nothing is sent if `persist` fails (the
    /// entries go back to pending and the error is returned). The caller saves the state again
    /// afterwards (at the end of its cycle) to keep the outcomes; if it dies first, the entries
    /// are in flight on disk and are re-sent once after restart.
    pub async fn deliver_due<E>(
        &self,
        state: &mut State,
        clock: &dyn Clock,
        mut persist: impl FnMut(&State, DateTime<Utc>) -> Result<(), E>,
        cancel: &CancellationToken,
        grace: chrono::Duration,
    ) -> Result<DeliveryReport, E> {
        if cancel.is_cancelled() {
            return Ok(DeliveryReport::default());
        }
        let now = clock.now();
        let batch = self.prepare(state, now);
        if batch.is_empty() {
            return Ok(DeliveryReport {
                outcomes: batch.settled,
                fallbacks: Vec::new(),
            });
        }
        if let Err(e) = persist(state, now) {
            for key in batch.keys() {
                if let Some(entry) = state.ledger.entries.get_mut(key) {
                    entry.release(now);
                }
            }
            return Err(e);
        }
        let sent = self.send(batch, cancel, grace).await;
        Ok(self.record(state, sent, clock.now()))
    }
}

/// Most remote ids kept per thread: the first (the root every channel threads under) and the
/// most recent ones. Keeps e-mail `References` headers and the state file bounded for long
/// incidents with many recipients (RFC 5322 §3.6.4 allows trimming `References` this way).
pub const THREAD_KEEP: usize = 10;

/// Appends `id` to a thread (once), keeping the first and the latest `THREAD_KEEP - 1`.
pub fn extend_thread(thread: &mut Vec<String>, id: String) {
    if thread.contains(&id) {
        return;
    }
    thread.push(id);
    if thread.len() > THREAD_KEEP {
        thread.drain(1..thread.len() - (THREAD_KEEP - 1));
    }
}

/// `state.threads` key: `"<ticket>/<channel>"`.
pub fn thread_key(ticket: crate::ticket::TicketId, channel: &str) -> String {
    format!("{ticket}/{channel}")
}

/// The thread a delivery belongs to, if any. E-mail threads per recipient
/// (`"<ticket>/email/<address>"`): a reader's `In-Reply-To`/`References` name only mails that
/// reader got, never another recipient's. Teams and the intranet thread per ticket and target
/// (their recipient is the target). Messages about no ticket (pseudo-ticket 0: alerts about
/// slavakt, digests, reports) are never threaded together.
pub fn thread_of(
    ticket: crate::ticket::TicketId,
    channel: &str,
    recipient: &crate::plan::Recipient,
) -> Option<String> {
    if ticket == crate::app::alerts::SYSTEM_TICKET {
        return None;
    }
    let key = thread_key(ticket, channel);
    Some(if channel == "email" {
        format!("{key}/{}", recipient.address.trim().to_lowercase())
    } else {
        key
    })
}

/// The ledger's outcome text for an error: one short line, no secrets (channels scrub theirs).
fn describe(err: &NotifyError) -> String {
    match err {
        NotifyError::Retryable {
            retry_after: Some(ra),
            ..
        } => short(&format!("{err} (retry after {}s)", ra.as_secs())),
        _ => short(&err.to_string()),
    }
}

fn short(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_OUTCOME {
        let cut: String = one_line.chars().take(MAX_OUTCOME).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}
