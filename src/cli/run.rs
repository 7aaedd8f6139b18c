//! `slavakt run`: the daemon. Logs go to stdout (journald adds time and unit; set
//! `SLAVAKT_LOG=json` for JSON lines, `RUST_LOG` for levels), or natively to the journal when
//! stdout is the journal stream (`super::journal`).

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
///
/// Under journald (`JOURNAL_STREAM` set, as systemd does for a unit's stdout) each line starts
/// with its syslog priority (`<3>` error, `<4>` warning, `<6>` info, `<7>` debug and trace),
/// which journald strips and stores as the entry's priority, so `journalctl -p warning` works.
/// When stdout really is that stream and the journal socket answers, events go to the journal
/// natively instead, with their fields as journal fields ([`super::journal`]).
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("SLAVAKT_LOG").is_ok_and(|v| v == "json");
    let journal_stream = std::env::var("JOURNAL_STREAM").ok();
    let under_journald = journal_stream.is_some();
    if !json && journal_stream.is_some_and(|s| super::journal::connected(&s)) {
        if let Some(layer) = super::journal::layer() {
            use tracing_subscriber::layer::SubscriberExt as _;
            use tracing_subscriber::util::SubscriberInitExt as _;
            let _ = tracing_subscriber::registry()
                .with(filter)
                .with(layer)
                .try_init();
            return;
        }
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else if under_journald {
        // journald stamps each line; a second timestamp is noise.
        let format = tracing_subscriber::fmt::format()
            .without_time()
            .with_target(false)
            .with_ansi(false);
        builder.event_format(SyslogPriority(format)).try_init()
    } else {
        builder.try_init()
    };
}

/// An event format that puts the sd-daemon priority prefix before the inner format's line and
/// keeps each event on one line.
struct SyslogPriority<F>(F);

/// The syslog priority of a tracing level (sd-daemon(3) prefix number).
pub fn syslog_priority(level: tracing::Level) -> u8 {
    match level {
        tracing::Level::ERROR => 3,
        tracing::Level::WARN => 4,
        tracing::Level::INFO => 6,
        _ => 7,
    }
}

impl<S, N, F> tracing_subscriber::fmt::FormatEvent<S, N> for SyslogPriority<F>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
    F: tracing_subscriber::fmt::FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &tracing_subscriber::fmt::FmtContext<'_, S, N>,
        mut writer: tracing_subscriber::fmt::format::Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        // One event is one journal entry: a multi-line message (a config error lists its
        // problems line by line) would otherwise become entries without a priority.
        let mut line = String::new();
        self.0.format_event(
            ctx,
            tracing_subscriber::fmt::format::Writer::new(&mut line),
            event,
        )?;
        let line = line.trim_end().replace('\n', " | ");
        writeln!(
            writer,
            "<{}>{line}",
            syslog_priority(*event.metadata().level())
        )
    }
}
