//! Integration tests: every delivery channel against real peers, and the outbox.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.
// These tests wait for real peers (SMTP, HTTP, child processes) against real-time deadlines.
#![allow(clippy::disallowed_methods)]

#[path = "../kit/mod.rs"]
mod kit;

mod cli;
mod email;
mod intranet;
mod leak;
mod matrix;
mod outbox_crash;
mod outbox_delivery;
mod outbox_shipped;
mod sms;
mod teams;
