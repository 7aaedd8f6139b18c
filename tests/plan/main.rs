//! Integration tests: the plan engine, planned changes and the message templates.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.

#[path = "../kit/mod.rs"]
mod kit;

mod changes;
mod engine;
mod templates;
