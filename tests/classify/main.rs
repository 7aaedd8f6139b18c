//! Integration tests: classification rules, suggestions, write-back and their notices.
//! One binary per area (each links the whole crate once); the helpers are in `tests/kit`.

#[path = "../kit/mod.rs"]
mod kit;

mod apply;
mod notices;
mod props;
mod rules;
mod shipped;
mod simulate;
mod writeback;
