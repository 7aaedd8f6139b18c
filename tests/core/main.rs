//! Integration tests: calendars, SLA clocks, the tracker, the state store and the fuzz-corpus replay.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.

#[path = "../kit/mod.rs"]
mod kit;

mod calendar_arithmetic;
mod calendar_holidays;
mod calendar_props;
mod fuzz_corpus;
mod layout;
mod sla_clocks;
mod sla_explain;
mod sla_properties;
mod state_minimise;
mod state_store;
mod tracker_observe;
