//! Restart healing: what happens to deliveries that were in flight when the process died.
//!
//! The outbox writes an entry as `InFlight` to disk *before* it sends. Finding one at startup
//! means the process stopped between "send started" and "outcome recorded": the message may or
//! may not have arrived. We choose at-least-once: the entry becomes `Pending` again (due now) and
//! is sent once more. Losing a notice about a critical incident is worse than a duplicate, and
//! e-mail duplicates carry the same deterministic Message-ID, so clients can fold them.

use crate::state::State;
use chrono::{DateTime, Utc};

/// Outcome recorded on a healed entry's interrupted attempt.
pub const INTERRUPTED_OUTCOME: &str =
    "interrupted: slavakt stopped while sending; outcome unknown, sending again";

/// Turns every `InFlight` entry back into `Pending`, due at `now`, recording the interrupted
/// attempt. Returns the keys of the healed entries.
pub fn heal_in_flight(state: &mut State, now: DateTime<Utc>) -> Vec<String> {
    let mut healed = Vec::new();
    for (key, e) in state.ledger.entries.iter_mut() {
        // The interrupted attempt is a failure of unknown outcome, retried at once; both
        // transitions refuse (change nothing) unless the entry is in flight.
        if e.record_failure(now, INTERRUPTED_OUTCOME.into()).is_some() && e.retry(now) {
            healed.push(key.clone());
        }
    }
    healed
}
