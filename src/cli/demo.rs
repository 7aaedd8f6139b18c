//! `slavakt demo`: a complete run with no outside service (see `crate::demo`).

use super::CliError;
use crate::demo::{self, capture::Captured, DemoOptions};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Simulated seconds per real second (the story spans 4 h 45 min of simulated time).
    #[arg(long, default_value_t = 600)]
    pub speed: u32,
    /// Simulated start (RFC 3339); default Wednesday 24 March 2027 13:58 in Oslo.
    #[arg(long, default_value = "2027-03-24T13:58:00+01:00")]
    pub start: String,
    /// Also print every captured message in full (mail decoded: headers, then the text part).
    #[arg(long)]
    pub full: bool,
    /// Where the live status page listens during the demo (loopback; port 0 picks a free one,
    /// and the URL is printed at the start).
    #[arg(long, default_value = "127.0.0.1:0", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
}

pub fn run(args: Args) -> Result<(), CliError> {
    if args.speed == 0 || args.speed > 100_000 {
        return Err(CliError::Invalid(
            "--speed must be between 1 and 100000".into(),
        ));
    }
    if !args.listen.ip().is_loopback() {
        return Err(CliError::Invalid(format!(
            "--listen {}: the demo's status page is for this machine only; use a loopback address such as 127.0.0.1:9464",
            args.listen
        )));
    }
    let start: DateTime<Utc> = DateTime::parse_from_rfc3339(&args.start)
        .map_err(|e| CliError::Invalid(format!("--start {:?} is not RFC 3339: {e}", args.start)))?
        .with_timezone(&Utc);
    if std::env::var_os("RUST_LOG").is_some() {
        super::run::init_logging();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::Runtime(format!("cannot start the async runtime: {e}")))?;
    let out: Arc<Mutex<dyn Write + Send>> = Arc::new(Mutex::new(std::io::stdout()));
    let summary = runtime
        .block_on(demo::run(
            DemoOptions {
                speed: args.speed,
                start,
                listen: args.listen,
            },
            out,
        ))
        .map_err(CliError::Runtime)?;
    let mails = summary
        .captured
        .iter()
        .filter(|c| matches!(c, Captured::Mail { .. }))
        .count();
    let posts = summary.captured.len() - mails;
    use std::fmt::Write as _;
    let mut text = String::from("\n");
    if args.full {
        for c in &summary.captured {
            let _ = match c {
                // Decoded (quoted-printable, base64, encoded words): as a mail client shows it.
                Captured::Mail { to, data, .. } => writeln!(
                    text,
                    "──── mail to {} ────\n{}",
                    to.join(", "),
                    demo::mime::readable(data).trim_end()
                ),
                Captured::Http { path, body, .. } => {
                    writeln!(text, "──── POST {path} ────\n{body}")
                }
            };
        }
        text.push('\n');
    }
    let _ = writeln!(
        text,
        "Summary: {} deliveries recorded ({} delivered, {} failed); the capture peers received {} e-mails and {} HTTP posts (SMS, Teams, intranet); {} internal notes were written on the tickets in Pureservice.",
        summary.deliveries.len(),
        summary.delivered,
        summary.failed,
        mails,
        posts,
        summary.notes_on_tickets
    );
    text.push_str("Run `slavakt demo --full` to read every message as sent.\n");
    super::print_out(&text)?;
    if summary.failed > 0 || summary.delivered == 0 {
        return Err(CliError::Runtime(
            "the demo did not deliver as expected".into(),
        ));
    }
    Ok(())
}
