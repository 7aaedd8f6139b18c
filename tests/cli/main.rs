//! Integration tests: the command line: check-config, config loading, demo, explain, holidays, report, status, simulate, other organisations.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.

#[path = "../kit/mod.rs"]
mod kit;

mod any_organisation;
mod check_config;
mod config_env;
mod config_errors;
mod config_shipped;
mod demo;
mod docs;
mod explain;
mod holidays;
mod hook_config;
mod report;
mod simulate;
mod simulate_promises;
mod simulate_shipped;
mod status;
mod words;
