//! The poll beside the cycle: a poll runs as its own task, and a cycle waits for it only up to
//! `daemon.poll_wait`. A slow, rate-limited (429 storm) or hanging Pureservice therefore never
//! holds up planning and delivery: time-based notices go out on time from what is already
//! known, and the poll's result is applied by the first cycle that finds it finished. A poll
//! running longer than [`super::CYCLE_WATCHDOG_CAP`] is abandoned as failed, so a hung one does
//! not block polling for ever.

use super::source::{PollError, Polled, TicketSource};
use crate::config::Config;
use crate::state::SyncCursor;
use crate::ticket::TicketId;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

type Outcome = (SyncCursor, Result<Polled, PollError>);

/// What waiting for the poll gave.
pub enum PollState {
    /// Finished: the advanced cursor (unchanged on failure) and the result.
    Done(SyncCursor, Result<Polled, PollError>),
    /// Still running after `poll_wait`; a later cycle applies it.
    Running,
    /// The daemon is stopping; the poll was abandoned (applies nothing).
    Cancelled,
}

pub struct Poller {
    source: Arc<Mutex<Box<dyn TicketSource>>>,
    in_flight: Option<InFlight>,
}

struct InFlight {
    handle: JoinHandle<Outcome>,
    started: tokio::time::Instant,
}

impl Drop for InFlight {
    // An abandoned poll (stop, reload, stall) must not go on writing to Pureservice.
    fn drop(&mut self) {
        self.handle.abort();
    }
}

impl Poller {
    pub fn new(source: Box<dyn TicketSource>) -> Self {
        Poller {
            source: Arc::new(Mutex::new(source)),
            in_flight: None,
        }
    }

    /// A reloaded config's source; a poll in progress (with the old config) is abandoned.
    pub fn replace(&mut self, source: Box<dyn TicketSource>) {
        self.in_flight = None;
        self.source = Arc::new(Mutex::new(source));
    }

    /// Starts a poll from `cursor` unless one is running, then waits for it up to `wait`.
    pub async fn poll(
        &mut self,
        cursor: &SyncCursor,
        config: &Arc<Config>,
        now: DateTime<Utc>,
        wait: Duration,
        cancel: &CancellationToken,
    ) -> PollState {
        let in_flight = self.in_flight.get_or_insert_with(|| {
            let source = self.source.clone();
            let config = config.clone();
            let mut cursor = cursor.clone();
            InFlight {
                handle: tokio::spawn(async move {
                    let mut source = source.lock_owned().await;
                    let result = source.poll(&mut cursor, &config, now).await;
                    (cursor, result)
                }),
                started: tokio::time::Instant::now(),
            }
        });
        let state = tokio::select! {
            joined = &mut in_flight.handle => match joined {
                Ok((cursor, result)) => PollState::Done(cursor, result),
                Err(e) => PollState::Done(cursor.clone(), Err(PollError {
                    kind: "internal".into(),
                    message: format!("the poll task ended abnormally: {e}"),
                })),
            },
            _ = tokio::time::sleep(wait) => {
                if in_flight.started.elapsed() < super::CYCLE_WATCHDOG_CAP {
                    return PollState::Running;
                }
                PollState::Done(cursor.clone(), Err(PollError {
                    kind: "stalled".into(),
                    message: format!(
                        "no answer within {} minutes; the poll was abandoned and starts again",
                        super::CYCLE_WATCHDOG_CAP.as_secs() / 60
                    ),
                }))
            }
            _ = cancel.cancelled() => PollState::Cancelled,
        };
        self.in_flight = None;
        state
    }

    /// Writes a classified priority back (after a poll: none is running then).
    pub async fn set_priority(&self, ticket: TicketId, priority: &str) -> Result<(), String> {
        self.source
            .lock()
            .await
            .set_priority(ticket, priority)
            .await
    }
}
