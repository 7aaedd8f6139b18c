//! Integration tests: active/passive on PostgreSQL — the store, leadership with fencing and
//! failover of two real `slavakt run` processes against a throwaway cluster on loopback.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.
// These tests wait for real peers (PostgreSQL, SMTP, child processes) against real-time deadlines.
#![allow(clippy::disallowed_methods)]

#[path = "../kit/mod.rs"]
mod kit;

mod config;
mod failover;
mod store;
