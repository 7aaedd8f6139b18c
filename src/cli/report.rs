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
    /// Also mail the report to every `[[reports]]` recipient (HTML with Markdown+CSV text part).
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
    let state = super::status::read_state(&config.daemon.state_file)?;
    let now = SystemClock.now();
    let figures = crate::report::figures(&state, &config, month, now).ok_or_else(|| {
        CliError::Invalid(format!(
            "month {} cannot be placed in the time zone",
            args.month
        ))
    })?;
    print!("{}", crate::report::render(&figures, format, &config));
    if args.send {
        let mut to: Vec<String> = config.reports.iter().flat_map(|r| r.to.clone()).collect();
        to.sort();
        to.dedup();
        if to.is_empty() {
            return Err(CliError::Invalid(
                "--send: no [[reports]] recipients configured".into(),
            ));
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Runtime(format!("cannot start the async runtime: {e}")))?;
        let key = format!("cli@{}", crate::report::month_text(month));
        let lines = runtime
            .block_on(crate::report::send::send(
                &figures,
                &config,
                &to,
                &key,
                Arc::new(SystemClock),
            ))
            .map_err(CliError::Runtime)?;
        for l in lines {
            eprintln!("{l}");
        }
    }
    Ok(())
}
