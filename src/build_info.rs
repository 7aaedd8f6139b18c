//! What was built: the version, git commit and build date (set by `build.rs`), for
//! `slavakt --version` and the `slavakt_build_info` metric.

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const COMMIT: &str = env!("SLAVAKT_BUILD_COMMIT");
pub const DATE: &str = env!("SLAVAKT_BUILD_DATE");

/// `0.2.0 (commit 1a2b3c4d5e6f, built 2026-12-02)`: the `--version` text.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("SLAVAKT_BUILD_COMMIT"),
    ", built ",
    env!("SLAVAKT_BUILD_DATE"),
    ")"
);
