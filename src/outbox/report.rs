//! What one delivery round did, for logs, metrics and the daemon's follow-up.

use super::fallback::FallbackIntent;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// A retryable failure; the entry is pending again.
    Retrying {
        next_attempt: DateTime<Utc>,
    },
    /// Settled as failed. `config_problem`: our configuration is wrong (401/403, missing
    /// channel) — louder than a refused message.
    Failed {
        config_problem: bool,
    },
    /// Not sent on purpose (dry run).
    Skipped,
    /// Shutdown came before the send started; pending again, nothing was sent.
    NotStarted,
    /// Shutdown grace ran out while sending; left in flight, re-sent after restart.
    Abandoned,
}

impl Outcome {
    /// Short label for metrics (`outcome="delivered"`).
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retrying { .. } => "retrying",
            Outcome::Failed { .. } => "failed",
            Outcome::Skipped => "skipped",
            Outcome::NotStarted => "not_started",
            Outcome::Abandoned => "abandoned",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// The ledger key.
    pub key: String,
    pub channel: String,
    pub outcome: Outcome,
    /// The attempt's outcome text as recorded in the ledger (no secrets).
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub outcomes: Vec<DeliveryOutcome>,
    /// Fallback and alert intents raised by failures in this round. They are already issued
    /// into the ledger (pending), so the next round sends them; listed here for logs.
    pub fallbacks: Vec<FallbackIntent>,
}

impl DeliveryReport {
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty() && self.fallbacks.is_empty()
    }
    /// How many outcomes carry `label` (see [`Outcome::label`]).
    pub fn count(&self, label: &str) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.outcome.label() == label)
            .count()
    }
    pub fn get(&self, key: &str) -> Option<&DeliveryOutcome> {
        self.outcomes.iter().find(|o| o.key == key)
    }
}
