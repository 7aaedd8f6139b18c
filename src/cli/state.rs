//! `slavakt state export` / `slavakt state import`: move the state between the file and
//! PostgreSQL. The exchange format is the file backend's snapshot (`state.json`, schema version
//! 2), so an export is also a readable backup, and a `state.json` of any released version
//! imports (it is migrated on the way in).
//!
//! Export reads without the lease or the file lock (like `status`). Import writes only while no
//! daemon runs on the target: the file's lock, or no live lease on the database.

use super::CliError;
use crate::clock::{Clock, SystemClock};
use crate::config::StateBackend;
use crate::state::State;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Write the configured backend's state as one snapshot file (stdout without --out).
    Export {
        /// Config file.
        #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
        config: PathBuf,
        /// Where to write it (created with mode 0600).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Load a snapshot file into the configured backend (no daemon may run on it).
    Import {
        /// Config file.
        #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
        config: PathBuf,
        /// The snapshot to load (an export, or a state.json).
        file: PathBuf,
        /// Overwrite a state that is already there.
        #[arg(long)]
        replace: bool,
    },
}

pub fn run(args: Args) -> Result<(), CliError> {
    match args.command {
        Command::Export { config, out } => export(config, out),
        Command::Import {
            config,
            file,
            replace,
        } => import(config, file, replace),
    }
}

fn export(config: PathBuf, out: Option<PathBuf>) -> Result<(), CliError> {
    let config = super::load_config(&config)?;
    let state = super::status::read_configured_state(&config)?;
    let at = state.saved_at.unwrap_or_else(|| SystemClock.now());
    let mut bytes = crate::state::encode_snapshot(&state, at)
        .map_err(|e| CliError::Runtime(format!("cannot encode the state: {e}")))?;
    bytes.push(b'\n');
    match out {
        None => super::print_out(&String::from_utf8_lossy(&bytes)),
        Some(path) => {
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| CliError::Runtime(format!("cannot create {}: {e}", path.display())))?;
            f.write_all(&bytes)
                .and_then(|()| f.sync_all())
                .map_err(|e| CliError::Runtime(format!("cannot write {}: {e}", path.display())))?;
            eprintln!(
                "exported {} tickets and {} ledger entries to {}",
                state.tickets.len(),
                state.ledger.entries.len(),
                path.display()
            );
            Ok(())
        }
    }
}

fn import(config: PathBuf, file: PathBuf, replace: bool) -> Result<(), CliError> {
    let config = super::load_config(&config)?;
    let bytes = std::fs::read(&file)
        .map_err(|e| CliError::Invalid(format!("cannot read {}: {e}", file.display())))?;
    let state: State = crate::state::decode_snapshot(&bytes).map_err(|e| {
        CliError::Invalid(format!(
            "{} is not a slavakt state snapshot: {e}",
            file.display()
        ))
    })?;
    let now = SystemClock.now();
    match &config.state.backend {
        StateBackend::Postgres { url } => {
            let pg = crate::state::postgres::PgStore::connect(url, config.state.lease)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            pg.import(&state, replace, now)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            eprintln!(
                "imported {} tickets and {} ledger entries into {}",
                state.tickets.len(),
                state.ledger.entries.len(),
                pg.target()
            );
        }
        StateBackend::File => {
            let path = &config.daemon.state_file;
            if path.exists() && !replace {
                return Err(CliError::Runtime(format!(
                    "state file {} already exists; export it first if it matters, then import with \
                     --replace to overwrite it",
                    path.display()
                )));
            }
            // Opening takes the lock: refused while a daemon runs on the file.
            let (store, _) = crate::state::Store::open(path, now)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            store
                .compact(&state, now)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
            eprintln!(
                "imported {} tickets and {} ledger entries into {}",
                state.tickets.len(),
                state.ledger.entries.len(),
                path.display()
            );
        }
    }
    Ok(())
}
