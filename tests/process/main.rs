//! Integration tests: the real `slavakt run` binary as a child process: systemd, signals, crashes, fault runs.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.
// These tests wait for real peers (SMTP, HTTP, child processes) against real-time deadlines.
#![allow(clippy::disallowed_methods)]

#[path = "../kit/mod.rs"]
mod kit;

mod contrib_monitoring;
mod daemon_crash;
mod daemon_process;
mod daemon_systemd;
mod fault_flaky_api;
mod fault_kill;
mod log_journald;
mod metrics_operator;
mod pureservice_live;
