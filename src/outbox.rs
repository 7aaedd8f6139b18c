//! The outbox: delivers the ledger's pending intents over the channels, with per-channel
//! concurrency, capped exponential backoff with jitter, `Retry-After`, a deadline per intent and
//! a fallback on permanent failure; records every attempt in the ledger.
