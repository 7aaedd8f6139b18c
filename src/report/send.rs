//! Mailing a monthly report through the e-mail channel (the CLI's `--send` and the daemon's
//! `[[reports]]` schedules): the body in the chosen format, the CSV always attached.

use super::figures::MonthlyFigures;
use crate::config::{Config, ReportFormat};
use crate::notify::email::EmailNotifier;
use crate::notify::{Delivery, Message, Notifier, NotifyError, Receipt, TextAttachment, Thread};
use crate::plan::Recipient;
use std::sync::Arc;

/// `to` entries (`role:NAME` or an address) → recipients with an e-mail address; unknown roles
/// or roles without e-mail are returned as errors (text) next to the good ones.
pub fn recipients(config: &Config, to: &[String]) -> (Vec<Recipient>, Vec<String>) {
    let mut ok = Vec::new();
    let mut bad = Vec::new();
    for entry in to {
        if let Some(role) = entry.strip_prefix("role:") {
            // A group role is each of its members with an e-mail address.
            let people: Vec<Recipient> = config
                .roles
                .get(role)
                .map(|r| r.people())
                .unwrap_or_default()
                .into_iter()
                .filter_map(|p| {
                    Some(Recipient {
                        address: p.email?,
                        name: p.name,
                    })
                })
                .collect();
            if people.is_empty() {
                bad.push(format!("role {role:?} is unknown or has no e-mail"));
            }
            ok.extend(people);
        } else {
            ok.push(Recipient {
                name: entry.clone(),
                address: entry.clone(),
            });
        }
    }
    (ok, bad)
}

/// The e-mail in `format`: `html` → the HTML report with the Markdown as its text part; `md` →
/// the Markdown; `csv` → the CSV (`md` and `csv` also as preformatted HTML, so HTML-first mail
/// clients show them as written). The CSV is always attached.
pub fn message(f: &MonthlyFigures, config: &Config, format: ReportFormat) -> Message {
    let lang = config.daemon.language;
    let tz = config.daemon.timezone;
    let w = super::text::words(lang);
    let markdown = || super::render_md::render(f, lang, tz);
    let pre = |s: &str| format!("<pre>{}</pre>", super::render_html::esc(s));
    let (text, html) = match format {
        ReportFormat::Html => (markdown(), super::render_html::render(f, lang, tz)),
        ReportFormat::Md => {
            let md = markdown();
            let html = pre(&md);
            (md, html)
        }
        ReportFormat::Csv => {
            let csv = super::render_csv::render(f);
            let html = pre(&csv);
            (csv, html)
        }
    };
    Message {
        subject: format!("{} {}", w.title, super::month_text(f.month)),
        text,
        html,
        short: String::new(),
        important: false,
        level: String::new(),
        attachments: vec![csv_attachment(f)],
    }
}

/// The CSV file attached to every report mail: `slavakt-sla-YYYY-MM.csv`.
pub fn csv_attachment(f: &MonthlyFigures) -> TextAttachment {
    TextAttachment {
        filename: format!("slavakt-sla-{}.csv", super::month_text(f.month)),
        content_type: "text/csv".into(),
        text: super::render_csv::render(f),
    }
}

/// The e-mail channel, or why it cannot be used.
pub fn notifier(
    config: &Config,
    clock: Arc<dyn crate::clock::Clock>,
) -> Result<EmailNotifier, String> {
    let email = config
        .channels
        .email
        .as_ref()
        .ok_or("no [channels.email] is configured")?;
    EmailNotifier::new(email, clock).map_err(|e| format!("cannot set up the e-mail channel: {e}"))
}

/// Mails the report to one recipient. `key` (`<schedule>@YYYY-MM`, or `cli@YYYY-MM`) makes the
/// Message-ID deterministic, so a re-send after a crash is the same mail.
pub async fn mail_one(
    notifier: &EmailNotifier,
    f: &MonthlyFigures,
    config: &Config,
    format: ReportFormat,
    recipient: &Recipient,
    key: &str,
) -> Result<Receipt, NotifyError> {
    let delivery = Delivery {
        key: format!("report/{key}/{}/{}", format_name(format), recipient.address),
        ticket: 0,
        recipient: recipient.clone(),
        message: message(f, config, format),
        thread: Thread::default(),
    };
    notifier.send(&delivery).await
}

pub fn format_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Md => "md",
        ReportFormat::Html => "html",
        ReportFormat::Csv => "csv",
    }
}

/// Sends the report in `format` to every recipient (the CLI's `--send`); returns one line per
/// recipient (`OK`/`FAILED`), as `Err` if any failed.
pub async fn send(
    f: &MonthlyFigures,
    config: &Config,
    to: &[String],
    format: ReportFormat,
    key: &str,
    clock: Arc<dyn crate::clock::Clock>,
) -> Result<Vec<String>, String> {
    let notifier = notifier(config, clock)?;
    let (recipients, mut lines) = recipients(config, to);
    let mut failed = !lines.is_empty();
    for r in recipients {
        match mail_one(&notifier, f, config, format, &r, key).await {
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
