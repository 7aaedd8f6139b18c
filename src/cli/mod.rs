//! The admin's commands (names fixed by INTERFACE.md). Each submodule owns one subcommand:
//! `run(args) -> Result<(), CliError>`; `main.rs` maps errors to exit codes
//! (0 ok, 1 invalid config or input, 2 runtime failure).

pub mod backfill;
pub mod check_config;
pub mod demo;
pub mod explain;
pub mod generate_docs;
pub mod holidays;
pub mod journal;
pub mod probe;
mod probe_api;
mod probe_map;
pub mod report;
pub mod run;
pub mod simulate;
pub mod state;
pub mod status;
pub mod test_notify;

use std::path::Path;

/// A command's failure, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Exit 1: the config or the command's input is invalid. The message says what and where.
    #[error("{0}")]
    Invalid(String),
    /// Exit 2: something failed at run time.
    #[error("{0}")]
    Runtime(String),
}

impl CliError {
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Invalid(_) => 1,
            CliError::Runtime(_) => 2,
        }
    }
}

/// Writes a command's output to stdout. A reader that went away (`| head`, `less` quit early)
/// is not a failure: the rest is simply not wanted (`println!` would panic on the closed pipe).
pub fn print_out(text: &str) -> Result<(), CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(CliError::Runtime(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Default config path, overridable by `--config` or `SLAVAKT_CONFIG`.
pub const DEFAULT_CONFIG: &str = "/etc/slavakt/slavakt.toml";

/// Loads and validates the config, mapping problems to exit code 1 with every problem listed.
pub fn load_config(path: &Path) -> Result<crate::config::Config, CliError> {
    crate::config::load(path).map_err(|e| CliError::Invalid(e.to_string()))
}
