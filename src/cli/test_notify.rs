//! `slavakt test-notify --channel NAME [--to RECIPIENT]`: sends one clearly marked test message
//! through one configured channel and reports the far side's receipt, or the exact failure with
//! its class and the likely fix. Exit 0 delivered, 2 delivery failed, 1 bad config/arguments.

use super::CliError;
use crate::clock::{Clock, SystemClock};
use crate::config::Channels;
use crate::notify::{self, Delivery, Message, NotifyError, Thread};
use crate::plan::Recipient;
use chrono::{DateTime, Utc};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
    /// Channel: `email`, `sms`, `teams:NAME` (or just NAME), `intranet`.
    #[arg(long)]
    pub channel: String,
    /// Recipient: an e-mail address (email) or an E.164 number (sms); not needed for Teams and
    /// the intranet, which post to their configured target.
    #[arg(long)]
    pub to: Option<String>,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let config = super::load_config(&args.config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Runtime(format!("cannot start the async runtime: {e}")))?;
    let report = runtime.block_on(send_test(
        &config.channels,
        &args.channel,
        args.to.as_deref(),
        Arc::new(SystemClock),
    ))?;
    super::print_out(&format!("{report}\n"))
}

/// The channel's `via` name for what the admin typed (`ik_varsling` → `teams:ik_varsling`).
fn resolve(channels: &Channels, typed: &str) -> Result<String, CliError> {
    let names = notify::configured_names(channels);
    if names.iter().any(|n| n == typed) {
        return Ok(typed.to_string());
    }
    let as_teams = format!("teams:{typed}");
    if names.contains(&as_teams) {
        return Ok(as_teams);
    }
    let hint = if typed == "pureservice_note" {
        " (the Pureservice note writes to a ticket and is not sent by test-notify)"
    } else {
        ""
    };
    Err(CliError::Invalid(format!(
        "unknown channel {typed:?}{hint}; configured: {}",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    )))
}

/// The test message: marked `[TEST]` in every part, never important.
pub fn test_message(channel: &str, now: DateTime<Utc>) -> Message {
    let at = now.format("%Y-%m-%d %H:%M UTC");
    let text = format!(
        "Dette er en testmelding fra slavakt (test-notify) via {channel}, sendt {at}.\n\
         Ingen handling er nødvendig.\n\nThis is a test message from slavakt; no action needed."
    );
    Message {
        subject: format!("[TEST] slavakt test-notify: {channel}"),
        html: format!(
            "<p><strong>[TEST]</strong> Dette er en testmelding fra slavakt (test-notify) via \
             {channel}, sendt {at}.</p><p>Ingen handling er nødvendig.</p>\
             <p>This is a test message from slavakt; no action needed.</p>"
        ),
        text: format!("[TEST] {text}"),
        short: format!("[TEST] slavakt test-notify via {channel}, {at}. Ingen handling nødvendig."),
        important: false,
        level: String::new(),
        attachments: Vec::new(),
    }
}

/// Sends the test message; `Ok` is the report to print.
pub async fn send_test(
    channels: &Channels,
    typed: &str,
    to: Option<&str>,
    clock: Arc<dyn Clock>,
) -> Result<String, CliError> {
    let channel = resolve(channels, typed)?;
    let personal = channel == "email" || channel == "sms";
    let address = match (personal, to.map(str::trim).filter(|t| !t.is_empty())) {
        (true, Some(t)) => t.to_string(),
        (true, None) => {
            return Err(CliError::Invalid(format!(
                "--to is required for {channel} ({})",
                if channel == "email" {
                    "an e-mail address"
                } else {
                    "a phone number such as +4790000101"
                }
            )))
        }
        (false, _) => channel.clone(),
    };
    let notifier = match notify::build_one(channels, &channel, clock.clone()) {
        Some(Ok(n)) => n,
        Some(Err(e)) => {
            return Err(CliError::Invalid(format!(
                "channel {channel} cannot be set up: {e}\n  likely fix: {}",
                likely_fix(&e)
            )))
        }
        None => return Err(CliError::Invalid(format!("unknown channel {channel:?}"))),
    };
    let now = clock.now();
    let delivery = Delivery {
        // Unique per run: a second test is a new message, not a duplicate of the first.
        key: format!("test-notify/{channel}/{address}/{}", now.to_rfc3339()),
        ticket: 0,
        recipient: Recipient {
            name: address.clone(),
            address: address.clone(),
        },
        message: test_message(&channel, now),
        thread: Thread::default(),
    };
    match notifier.send(&delivery).await {
        Ok(receipt) => {
            let mut out = format!("OK: test message delivered via {channel} to {address}\n");
            out.push_str(&format!("  detail: {}\n", receipt.detail));
            if let Some(id) = receipt.remote_id {
                out.push_str(&format!("  remote id: {id}\n"));
            }
            Ok(out.trim_end().to_string())
        }
        Err(e) => Err(CliError::Runtime(format!(
            "FAILED: test message via {channel} to {address} was not delivered\n  {e}\n  likely fix: {}",
            likely_fix(&e)
        ))),
    }
}

/// The most likely fix for a failure, from its class and text.
pub fn likely_fix(e: &NotifyError) -> &'static str {
    let text = e.to_string().to_ascii_lowercase();
    let has = |w: &str| text.contains(w);
    match e {
        NotifyError::Config(_) if has("refresh token") || has("invalid_grant") => {
            "sign the service account in again and write its new refresh token to refresh_token_file"
        }
        NotifyError::Config(_) if has("certificate") || has("tls") => {
            "check tls (starttls on 587, tls on 465, none only for a loopback relay), the port, and ca_file for a private CA"
        }
        NotifyError::Config(_)
            if has("401") || has("403") || has("login") || has("credentials") || has("passord") =>
        {
            "check the username and the secret (password/password_file, url_file, client_secret_file) and the account's permissions"
        }
        NotifyError::Config(_) if has("url") => "check the URL in the channel's config",
        NotifyError::Config(_) => "fix the channel's settings in the config file",
        NotifyError::Retryable { .. } if has("connection refused") => {
            "nothing listens there: check host, port and tls mode (or the URL)"
        }
        NotifyError::Retryable { .. } if has("dns") || has("resolve") || has("lookup") => {
            "the host name does not resolve: check host/URL and DNS"
        }
        NotifyError::Retryable { .. } if has("timed out") || has("timeout") => {
            "no answer in time: check firewall rules, host and port, or raise the timeout"
        }
        NotifyError::Retryable { .. } => {
            "the service is busy or failing (the daemon retries these); try again later"
        }
        NotifyError::Permanent(_) if has("404") => {
            "check the URL and the ids in it (site, list, team, channel, account)"
        }
        NotifyError::Permanent(_) => {
            "the far side refused this message: check the recipient (address/number), sender and template settings"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_test_message_is_marked_everywhere() {
        let m = test_message("sms", Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap());
        for part in [&m.subject, &m.text, &m.html, &m.short] {
            assert!(part.contains("[TEST]"), "{part}");
        }
        assert!(!m.important);
        assert!(crate::notify::sms::gsm::size(&m.short).segments == 1);
    }

    #[test]
    fn hints_follow_the_failure() {
        let cfg = |s: &str| NotifyError::Config(s.into());
        let retry = |s: &str| NotifyError::Retryable {
            message: s.into(),
            retry_after: None,
        };
        assert!(likely_fix(&cfg("SMTP x rejected the login: 535")).contains("username"));
        assert!(likely_fix(&cfg("x: HTTP 401")).contains("secret"));
        assert!(likely_fix(&cfg("SMTP x: TLS failed: certificate")).contains("ca_file"));
        assert!(likely_fix(&cfg("invalid_grant ... refresh token file")).contains("refresh token"));
        assert!(likely_fix(&retry("SMTP x: Connection refused (os error 111)")).contains("port"));
        assert!(likely_fix(&retry("x: timed out")).contains("firewall"));
        assert!(likely_fix(&NotifyError::Permanent("x: HTTP 404".into())).contains("URL"));
    }

    #[test]
    fn unknown_channels_list_the_configured_ones() {
        let channels = Channels {
            teams: [(
                "ik_varsling".to_string(),
                crate::config::TeamsChannel::Workflows {
                    url: crate::secret::Secret::new("https://wf.example/x"),
                },
            )]
            .into_iter()
            .collect(),
            ..Default::default()
        };
        assert_eq!(
            resolve(&channels, "ik_varsling").unwrap(),
            "teams:ik_varsling"
        );
        let e = resolve(&channels, "fax").unwrap_err();
        assert_eq!(e.exit_code(), 1);
        assert!(
            e.to_string().contains("configured: teams:ik_varsling"),
            "{e}"
        );
    }
}
