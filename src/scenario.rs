//! Scenario files for `simulate`: TOML events → ticket snapshots over time.
