//! Integration tests: monthly, scheduled and serious-incident reports, rendered and in a browser.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.

#[path = "../kit/mod.rs"]
mod kit;

mod browser;
mod incident;
mod monthly;
mod render;
mod schedule;
mod scheduled;
