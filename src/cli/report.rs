//! `slavakt report`: the SLA report over one month (`--month`) or several (`--from`/`--to`)
//! from the state file (read-only), printed or mailed.

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
    #[arg(long, conflicts_with_all = ["from", "to"], required_unless_present_any = ["from", "to"])]
    pub month: Option<String>,
    /// First month of a report over several months, `YYYY-MM` (with `--to`).
    #[arg(long, requires = "to")]
    pub from: Option<String>,
    /// Last month of a report over several months, `YYYY-MM` (with `--from`).
    #[arg(long, requires = "from")]
    pub to: Option<String>,
    /// md, html, csv or json.
    #[arg(long, default_value = "md")]
    pub format: String,
    /// Also mail the report to every `[[reports]]` recipient, in each entry's format, with the
    /// CSV attached.
    #[arg(long)]
    pub send: bool,
}

fn month_arg(flag: &str, text: &str) -> Result<crate::report::Month, CliError> {
    crate::report::parse_month(text).ok_or_else(|| {
        CliError::Invalid(format!(
            "bad --{flag} {text:?}: expected YYYY-MM, e.g. 2027-03"
        ))
    })
}

pub fn run(args: Args) -> Result<(), CliError> {
    let (from, to) = match (&args.month, &args.from, &args.to) {
        (Some(m), _, _) => {
            let m = month_arg("month", m)?;
            (m, m)
        }
        (None, Some(a), Some(b)) => (month_arg("from", a)?, month_arg("to", b)?),
        _ => {
            return Err(CliError::Invalid(
                "give --month YYYY-MM, or --from YYYY-MM --to YYYY-MM".into(),
            ))
        }
    };
    if from > to {
        return Err(CliError::Invalid(format!(
            "--from {} is after --to {}",
            crate::report::month_text(from),
            crate::report::month_text(to)
        )));
    }
    let format = match args.format.as_str() {
        "md" => ReportFormat::Md,
        "html" => ReportFormat::Html,
        "csv" => ReportFormat::Csv,
        "json" => ReportFormat::Json,
        other => {
            return Err(CliError::Invalid(format!(
                "bad --format {other:?}: expected md, html, csv or json"
            )))
        }
    };
    let config = super::load_config(&args.config)?;
    let state = super::status::read_configured_state(&config)?;
    let now = SystemClock.now();
    let figures =
        crate::report::period_figures(&state, &config, from, to, now).ok_or_else(|| {
            CliError::Invalid(format!(
                "month {} cannot be placed in the time zone",
                crate::report::month_text(from)
            ))
        })?;
    // A period that has not begun has no figures at all: say so rather than print zeros.
    if figures.start > now {
        return Err(CliError::Invalid(format!(
            "{} has not begun yet; nothing to report",
            crate::report::text::period_text(&figures)
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
        let key = format!("cli@{}", crate::report::text::period_text(&figures));
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
