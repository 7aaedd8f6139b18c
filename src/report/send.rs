//! Mailing a monthly report through the e-mail channel (the CLI's `--send` and the daemon's
//! `[[reports]]` schedules). The CSV goes inline in the text part: the e-mail notifier has no
//! attachment support yet.

use super::figures::MonthlyFigures;
use crate::config::Config;
use crate::notify::{Delivery, Message, Thread};
use crate::plan::Recipient;
use std::sync::Arc;

/// `to` entries (`role:NAME` or an address) → recipients with an e-mail address; unknown roles
/// or roles without e-mail are returned as errors (text) next to the good ones.
pub fn recipients(config: &Config, to: &[String]) -> (Vec<Recipient>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for entry in to {
        if let Some(role) = entry.strip_prefix("role:") {
            match config
                .roles
                .get(role)
                .and_then(|r| Some((r, r.email.clone()?)))
            {
                Some((r, email)) => ok.push(Recipient {
                    name: r.name.clone(),
                    address: email,
                }),
                None => bad.push(format!("role {role:?} is unknown or has no e-mail")),
            }
        } else {
            ok.push(Recipient {
                name: entry.clone(),
                address: entry.clone(),
            });
        }
    }
    (ok, bad)
}

/// The e-mail: subject, HTML report, and a text part with the Markdown report and the CSV.
pub fn message(f: &MonthlyFigures, config: &Config) -> Message {
    let lang = config.daemon.language;
    let tz = config.daemon.timezone;
    let w = super::text::words(lang);
    let mut text = super::render_md::render(f, lang, tz);
    text.push_str("\n---\nCSV:\n\n");
    text.push_str(&super::render_csv::render(f));
    Message {
        subject: format!("{} {}", w.title, super::month_text(f.month)),
        text,
        html: super::render_html::render(f, lang, tz),
        short: String::new(),
        important: false,
        level: String::new(),
    }
}

/// Sends the report to every recipient; returns one line per recipient (`OK`/`FAILED`) and
/// whether all succeeded. `key` makes the Message-ID deterministic (schedule@period).
pub async fn send(
    f: &MonthlyFigures,
    config: &Config,
    to: &[String],
    key: &str,
    clock: Arc<dyn crate::clock::Clock>,
) -> Result<Vec<String>, String> {
    let notifier = match crate::notify::build_one(&config.channels, "email", clock) {
        Some(Ok(n)) => n,
        Some(Err(e)) => return Err(format!("cannot set up the e-mail channel: {e}")),
        None => return Err("no [channels.email] is configured".into()),
    };
    let (recipients, mut lines) = recipients(config, to);
    let mut failed = !lines.is_empty();
    let message = message(f, config);
    for r in recipients {
        let delivery = Delivery {
            key: format!("report/{key}/{}", r.address),
            ticket: 0,
            recipient: r.clone(),
            message: message.clone(),
            thread: Thread::default(),
        };
        match notifier.send(&delivery).await {
            Ok(_) => lines.push(format!("OK: sent to {} <{}>", r.name, r.address)),
            Err(e) => {
                failed = true;
                lines.push(format!("FAILED: {} <{}>: {e}", r.name, r.address));
            }
        }
    }
    if failed {
        Err(lines.join("\n"))
    } else {
        Ok(lines)
    }
}
