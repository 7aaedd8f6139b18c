//! Mailing a report through the e-mail channel (the CLI's `--send` and the daemon's
//! `[[reports]]` schedules): the body in the chosen format (HTML with its charts as inline PNG
//! parts), the CSV always attached.

use super::figures::MonthlyFigures;
use super::render_html::ChartMode;
use crate::config::{Config, ReportFormat};
use crate::notify::email::{EmailNotifier, InlineImage};
use crate::notify::{Delivery, Message, NotifyError, Receipt, TextAttachment, Thread};
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

/// The e-mail in `format`, and the images its HTML part shows: `html` → the HTML report with
/// the charts as PNG parts (`cid:`; inline SVG does not show in Outlook or Gmail) and the
/// Markdown as its text part; `md` → the Markdown; `csv` / `json` → that text (`md`, `csv` and
/// `json` also as preformatted HTML, so HTML-first mail clients show them as written). The CSV
/// is always attached. If the charts cannot be rasterised (no fonts on the host) the HTML mail
/// goes without them, with a warning in the log: the tables hold the same figures.
pub fn message(
    f: &MonthlyFigures,
    config: &Config,
    format: ReportFormat,
) -> (Message, Vec<InlineImage>) {
    let lang = config.daemon.language;
    let tz = config.daemon.timezone;
    let w = super::text::words(lang);
    let markdown = || super::render_md::render(f, lang, tz);
    let pre = |s: &str| format!("<pre>{}</pre>", super::render_html::esc(s));
    let mut images = Vec::new();
    let (text, html) = match format {
        ReportFormat::Html => {
            let charts = super::charts::charts(f, w, lang);
            let pngs: Result<Vec<InlineImage>, String> = charts
                .iter()
                .map(|c| {
                    Ok(InlineImage {
                        cid: super::render_html::cid(c),
                        content_type: "image/png".into(),
                        bytes: super::png::png(&c.svg)?,
                    })
                })
                .collect();
            let mode = match pngs {
                Ok(p) => {
                    images = p;
                    ChartMode::Cid
                }
                Err(e) => {
                    tracing::warn!(error = %e, "report charts not rendered as PNG; mailed without them");
                    ChartMode::None
                }
            };
            let html = super::render_html::render_with(f, lang, tz, mode);
            (markdown(), html)
        }
        ReportFormat::Md => {
            let md = markdown();
            let html = pre(&md);
            (md, html)
        }
        ReportFormat::Csv | ReportFormat::Json => {
            let body = super::render(f, format, config);
            let body = body.trim_start_matches(super::render_csv::BOM).to_string();
            let html = pre(&body);
            (body, html)
        }
    };
    let message = Message {
        subject: format!("{} {}", w.title, super::text::period_text(f)),
        text,
        html,
        short: String::new(),
        important: false,
        level: String::new(),
        attachments: vec![csv_attachment(f, config)],
    };
    (message, images)
}

/// The CSV file attached to every report mail: `slavakt-sla-YYYY-MM.csv` (or
/// `slavakt-sla-YYYY-MM--YYYY-MM.csv` over several months), with its BOM.
pub fn csv_attachment(f: &MonthlyFigures, config: &Config) -> TextAttachment {
    let name = if f.from == f.to {
        super::month_text(f.to)
    } else {
        format!("{}--{}", super::month_text(f.from), super::month_text(f.to))
    };
    TextAttachment {
        filename: format!("slavakt-sla-{name}.csv"),
        content_type: "text/csv".into(),
        text: super::render_csv::render(f, config.daemon.language, config.daemon.timezone),
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
    let (message, images) = message(f, config, format);
    let delivery = Delivery {
        key: format!("report/{key}/{}/{}", format_name(format), recipient.address),
        ticket: 0,
        recipient: recipient.clone(),
        message,
        thread: Thread::default(),
    };
    notifier.send_with_images(&delivery, &images).await
}

pub fn format_name(format: ReportFormat) -> &'static str {
    match format {
        ReportFormat::Md => "md",
        ReportFormat::Html => "html",
        ReportFormat::Csv => "csv",
        ReportFormat::Json => "json",
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
