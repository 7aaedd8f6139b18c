//! Integration tests: the Pureservice client, sync strategies, the fake and the internal note.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.
// These tests wait for real peers (SMTP, HTTP, child processes) against real-time deadlines.
#![allow(clippy::disallowed_methods)]

#[path = "../kit/mod.rs"]
mod kit;

mod bench_sync;
mod client;
mod e2e;
mod fake;
mod note;
mod probe;
mod sync;
mod tenants;
