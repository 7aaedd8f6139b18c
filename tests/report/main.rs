//! Integration tests: monthly, scheduled and serious-incident reports, rendered and in a browser.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.

#[path = "../kit/mod.rs"]
mod kit;

mod backfill;
mod board;
mod browser;
mod charts;
mod incident;
mod monthly;
mod period_schedule;
mod render;
mod schedule;
mod scheduled;
