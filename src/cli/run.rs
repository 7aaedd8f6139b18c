//! `slavakt run`: the daemon. Logs go to stdout (journald adds time and unit; set
//! `SLAVAKT_LOG=json` for JSON lines, `RUST_LOG` for levels).

use super::CliError;
use crate::app::{signals, systemd::Systemd, Daemon, RunOptions};
use crate::clock::SystemClock;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
}

pub fn run(args: Args) -> Result<(), CliError> {
    init_logging();
    let config = super::load_config(&args.config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async move {
        let shutdown = CancellationToken::new();
        let reload = signals::install(shutdown.clone())
            .map_err(|e| CliError::Runtime(format!("cannot install signal handlers: {e}")))?;
        let daemon = Daemon::start(RunOptions {
            config_path: args.config.clone(),
            config,
            clock: Arc::new(SystemClock),
            shutdown: shutdown.clone(),
            tick: None,
            systemd: Systemd::from_env(true),
            client_options: None,
        })
        .map_err(|e| CliError::Runtime(e.to_string()))?;
        tracing::info!(
            config = %args.config.display(),
            state_file = %daemon.config().daemon.state_file.display(),
            "slavakt started"
        );
        let http = daemon
            .serve_http(shutdown.clone())
            .await
            .map_err(CliError::Runtime)?;
        let result = daemon.run(Some(reload)).await;
        shutdown.cancel();
        if let Some(h) = http {
            let _ = h.await;
        }
        result.map_err(|e| CliError::Runtime(e.to_string()))
    })
}

/// Plain text lines without colours (journald-friendly); JSON with `SLAVAKT_LOG=json`.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("SLAVAKT_LOG").is_ok_and(|v| v == "json");
    // Under systemd, journald stamps each line; a second timestamp is noise.
    let under_journald = std::env::var_os("JOURNAL_STREAM").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else if under_journald {
        builder.without_time().try_init()
    } else {
        builder.try_init()
    };
}
