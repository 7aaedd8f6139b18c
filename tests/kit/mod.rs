//! The shared test kit: one copy of every helper the integration tests use — the SLA test
//! config and instants (`sla`), the plan and classification worlds, the SMTP peer and channel
//! helpers (`notify`), outbox notifiers, the in-process daemon world (`daemon`), the HTTP/status
//! world (`ops`), the report month (`report`) and the `slavakt run` process helpers (`process`).
//!
//! Each test binary (`tests/<area>/main.rs`) includes the whole kit and uses part of it, hence
//! the one `dead_code` allowance here instead of one per helper module.
#![allow(dead_code, unused_imports)]
// Waiting for real peers needs real-time deadlines.
#![allow(clippy::disallowed_methods)]

pub mod classify;
pub mod daemon;
pub mod ha;
pub mod notify;
pub mod ops;
pub mod outbox;
pub mod plan;
pub mod process;
pub mod report;
pub mod sla;
