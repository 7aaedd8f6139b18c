//! The network part of a round: sends a prepared batch with a concurrency limit per channel,
//! in order within one (ticket, channel, recipient) so each message can thread under the one
//! before, and with a grace period on shutdown. Never touches the state.

use super::report::DeliveryOutcome;
use crate::notify::{Delivery, Notifier, NotifyError, Receipt};
use crate::ticket::TicketId;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;

/// One entry to send.
#[derive(Debug)]
pub(crate) struct Job {
    pub key: String,
    pub channel: String,
    pub ticket: TicketId,
    pub recipient: String,
    /// An error here (nothing to send) is recorded without a network call.
    pub delivery: Result<Delivery, NotifyError>,
}

/// Entries marked in flight by `Outbox::prepare`. Persist the state, then pass it to
/// `Outbox::send`: the delivery guarantee rests on that order.
#[derive(Debug)]
pub struct Batch {
    pub(crate) jobs: Vec<Job>,
    /// Entries settled without sending (dry run).
    pub(crate) settled: Vec<DeliveryOutcome>,
    pub(crate) prepared_at: DateTime<Utc>,
}

impl Batch {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty()
    }
    pub fn len(&self) -> usize {
        self.jobs.len()
    }
    /// Ledger keys to be sent, in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.jobs.iter().map(|j| j.key.as_str())
    }
}

#[derive(Debug)]
pub(crate) enum SendResult {
    Done(Result<Receipt, NotifyError>),
    NotStarted,
    Abandoned,
}

/// What `Outbox::send` hands to `Outbox::record`.
#[derive(Debug)]
pub struct Sent {
    pub(crate) results: Vec<(String, SendResult)>,
    pub(crate) settled: Vec<DeliveryOutcome>,
    pub(crate) prepared_at: DateTime<Utc>,
}

type Results = Arc<Mutex<BTreeMap<String, SendResult>>>;

/// Aborts the task when dropped, so abandoning a group also abandons its send.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub(crate) async fn send_all(
    notifiers: &BTreeMap<String, Arc<dyn Notifier>>,
    limits: &BTreeMap<String, Arc<Semaphore>>,
    batch: Batch,
    cancel: &CancellationToken,
    grace: std::time::Duration,
) -> Sent {
    let order: Vec<String> = batch.jobs.iter().map(|j| j.key.clone()).collect();
    let mut groups: BTreeMap<(TicketId, String, String), Vec<Job>> = BTreeMap::new();
    for job in batch.jobs {
        groups
            .entry((job.ticket, job.channel.clone(), job.recipient.clone()))
            .or_default()
            .push(job);
    }

    let results: Results = Arc::default();
    let mut set = JoinSet::new();
    for ((_, channel, _), jobs) in groups {
        set.spawn(run_group(
            jobs,
            notifiers.get(&channel).cloned(),
            limits.get(&channel).cloned(),
            cancel.clone(),
            results.clone(),
        ));
    }

    let finished = {
        let drain = async { while set.join_next().await.is_some() {} };
        let expire = async {
            cancel.cancelled().await;
            tokio::time::sleep(grace).await;
        };
        tokio::select! {
            _ = drain => true,
            _ = expire => false,
        }
    };
    if !finished {
        tracing::warn!(
            grace_secs = grace.as_secs(),
            "shutdown grace ran out: abandoning sends still in flight; they are re-sent after restart"
        );
        set.abort_all();
        while set.join_next().await.is_some() {}
    }

    let mut map = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    let results = order
        .into_iter()
        .map(|k| {
            let r = map.remove(&k).unwrap_or(SendResult::NotStarted);
            (k, r)
        })
        .collect();
    Sent {
        results,
        settled: batch.settled,
        prepared_at: batch.prepared_at,
    }
}

fn put(results: &Results, key: &str, r: SendResult) {
    results
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key.to_string(), r);
}

/// Sends one group's jobs in order. A job never started leaves no result (→ NotStarted); a
/// started one is marked Abandoned until its outcome replaces that.
async fn run_group(
    jobs: Vec<Job>,
    notifier: Option<Arc<dyn Notifier>>,
    limit: Option<Arc<Semaphore>>,
    cancel: CancellationToken,
    results: Results,
) {
    let mut earlier: Vec<String> = Vec::new();
    for job in jobs {
        let mut delivery = match job.delivery {
            Ok(d) => d,
            Err(e) => {
                put(&results, &job.key, SendResult::Done(Err(e)));
                continue;
            }
        };
        let (Some(notifier), Some(limit)) = (notifier.clone(), limit.clone()) else {
            let e = NotifyError::Config(format!(
                "channel {} is not configured (no [channels] entry for it)",
                job.channel
            ));
            put(&results, &job.key, SendResult::Done(Err(e)));
            continue;
        };
        let permit = tokio::select! {
            biased;
            _ = cancel.cancelled() => None,
            p = limit.acquire_owned() => p.ok(),
        };
        let Some(_permit) = permit else {
            return; // shutting down: this and the rest of the group were not started
        };
        for id in &earlier {
            super::extend_thread(&mut delivery.thread.previous, id.clone());
        }
        put(&results, &job.key, SendResult::Abandoned);
        let mut task = AbortOnDrop(tokio::spawn(async move { notifier.send(&delivery).await }));
        let r = match (&mut task.0).await {
            Ok(r) => r,
            Err(e) if e.is_panic() => {
                tracing::error!(key = %job.key, channel = %job.channel, "channel panicked while sending (a bug)");
                Err(NotifyError::Permanent(
                    "the channel crashed while sending (a bug in slavakt; see the log)".into(),
                ))
            }
            Err(_) => continue, // aborted: stays Abandoned
        };
        if let Ok(Receipt {
            remote_id: Some(id),
            ..
        }) = &r
        {
            earlier.push(id.clone());
        }
        put(&results, &job.key, SendResult::Done(r));
    }
}
