//! `slavakt report`: the monthly SLA report from the state file (read-only), printed or mailed.

use super::CliError;
use crate::clock::{Clock, SystemClock};
use crate::config::ReportFormat;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
    /// The month, `YYYY-MM`.
    #[arg(long)]
    pub month: String,
    /// md, html or csv.
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Also mail the report to every `[[reports]]` recipient, in each entry's format, with the
    /// CSV attached.
    #[arg(long)]
    pub send: bool,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let month = crate::report::parse_month(&args.month).ok_or_else(|| {
        CliError::Invalid(format!(
            "bad --month {:?}: expected YYYY-MM, e.g. 2027-03",
            args.month
        ))
    })?;
    let format = match args.format.as_str() {
        "md" => ReportFormat::Md,
        "html" => ReportFormat::Html,
        "csv" => ReportFormat::Csv,
        other => {
            return Err(CliError::Invalid(format!(
                "bad --format {other:?}: expected md, html or csv"
            )))
        }
    };
    let config = super::load_config(&args.config)?;
    let state = super::status::read_configured_state(&config)?;
    let now = SystemClock.now();
    let figures = crate::report::figures(&state, &config, month, now).ok_or_else(|| {
        CliError::Invalid(format!(
            "month {} cannot be placed in the time zone",
            args.month
        ))
    })?;
    // A month that has not begun has no figures at all: say so rather than print zeros.
    if figures.start > now {
        return Err(CliError::Invalid(format!(
            "month {} has not begun yet; nothing to report",
            args.month
        )));
    }
    super::print_out(&crate::report::render(&figures, format, &config))?;
    if args.send {
        if config.reports.is_empty() {
            return Err(CliError::Invalid(
                "--send: no [[reports]] recipients configured".into(),
            ));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Runtime(format!("cannot start the async runtime: {e}")))?;
        let key = format!("cli@{}", crate::report::month_text(month));
        // Each entry's recipients get the mail in that entry's format, as the schedule sends it.
        let mut failed = Vec::new();
        for entry in &config.reports {
            let result = runtime.block_on(crate::report::send::send(
                &figures,
                &config,
                &entry.to,
                entry.format,
                &key,
                Arc::new(SystemClock),
            ));
            match result {
                Ok(lines) => lines.iter().for_each(|l| eprintln!("{l}")),
                Err(e) => {
                    eprintln!("{e}");
                    failed.push(e);
                }
            }
        }
        if !failed.is_empty() {
            return Err(CliError::Runtime(
                "--send: the report was not mailed to every recipient (see above)".into(),
            ));
        }
    }
    Ok(())
}
