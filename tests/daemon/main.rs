//! Integration tests: the in-process daemon against the fake Pureservice and loopback peers, and its HTTP surface.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.
// These tests wait for real peers (SMTP, HTTP, child processes) against real-time deadlines.
#![allow(clippy::disallowed_methods)]

#[path = "../kit/mod.rs"]
mod kit;

mod classify;
mod e2e;
mod hostile_input;
mod http_health;
mod http_metrics;
mod http_page;
mod incident_report;
mod mail_trust;
mod metrics_changes;
mod public_feed;
mod status_page_browser;
