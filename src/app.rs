//! Wiring and lifecycle of the daemon: `run(config, clock, shutdown)`.
