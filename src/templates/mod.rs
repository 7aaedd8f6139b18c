//! Message templates (minijinja, strict): built-in sets per language, per-deployment overrides
//! from `daemon.templates_dir`, rendering of an intent into a channel-neutral [`Message`].
//!
//! A template is one file with four blocks: `subject`, `text`, `html`, `short` (SMS, no URLs).
//! Lookup of `NAME` for language `L`: `templates_dir/NAME.L.j2`, `templates_dir/NAME.j2`, the
//! built-in `L` set, then the built-in `nb` set (a safety net: every built-in set is complete).
//! The `html` block sees the same variables HTML-escaped; a template without an `html` block
//! gets its text as escaped paragraphs, one without `short` gets its subject.

mod builtin;
pub mod context;
pub mod format;

use crate::config::{Config, Language};
use crate::notify::Message;
use crate::plan::Intent;
use crate::sla::TicketClocks;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use std::path::Path;

/// Every built-in template name (see docs/PLAN.md, "Templates"); rules may use these or override files.
pub const BUILTIN_NAMES: &[&str] = &[
    "incident_alert",
    "incident_admin",
    "driftsmelding",
    "incident_announcement",
    "incident_municipality",
    "incident_leadership",
    "incident_status",
    "status_overdue",
    "incident_resolved",
    "incident_reopened",
    "sla_warning",
    "sla_breach",
    "change_notice",
    "change_reminder",
    "change_started",
    "change_completed",
    "change_moved",
    "change_cancelled",
    "change_short_notice",
    "classified",
    "mismatch",
    "cluster",
    "digest",
    "alert",
    "test",
    "callout",
    "escalation",
    "driftsmelding_intranet",
    "incident_note",
    "incident_coordinator",
    "incident_status_municipality",
];

/// An SMS is at most this many segments (GSM-7: 306 characters); a longer one is shortened in
/// the middle so that its last sentence (the request number) survives.
pub const SHORT_MAX_SEGMENTS: usize = 2;

/// A template that could not be loaded or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template {name:?} ({lang}): {message}")]
pub struct TemplateError {
    pub name: String,
    pub lang: String,
    pub message: String,
}

/// Whether a template of that name exists (built-in, or a file in `templates_dir`).
pub fn template_exists(name: &str, templates_dir: Option<&Path>) -> bool {
    BUILTIN_NAMES.contains(&name)
        || templates_dir.is_some_and(|d| {
            d.join(format!("{name}.j2")).is_file()
                || ["nb", "nn", "da", "en"]
                    .iter()
                    .any(|l| d.join(format!("{name}.{l}.j2")).is_file())
        })
}

/// The template source for `name` in `lang` (override first), if any.
pub fn source(name: &str, lang: Language, templates_dir: Option<&Path>) -> Option<String> {
    if let Some(dir) = templates_dir {
        for file in [format!("{name}.{}.j2", lang.code()), format!("{name}.j2")] {
            if let Ok(s) = std::fs::read_to_string(dir.join(file)) {
                return Some(s);
            }
        }
    }
    builtin::get(lang.code(), name)
        .or_else(|| builtin::get("nb", name))
        .map(str::to_string)
}

fn environment(config: &Config) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // Escaping is done on the context of the html block only (see `context::escaped`).
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    // `clip(n)`: at most n characters, cut at a word with "...", for subjects in SMS.
    env.add_filter("clip", |s: String, n: usize| clip(&s, n));
    let lang = config.daemon.language;
    let dir = config.daemon.templates_dir.clone();
    env.set_loader(move |name| Ok(source(name, lang, dir.as_deref())));
    env
}

/// Renders an intent into a message. `ticket` is `None` for messages about no single ticket
/// (digests, alerts, tests).
pub fn render(
    intent: &Intent,
    ticket: Option<&TrackedTicket>,
    clocks: Option<&TicketClocks>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Message, TemplateError> {
    let err = |message: String| TemplateError {
        name: intent.template.clone(),
        lang: config.daemon.language.code().into(),
        message,
    };
    let env = environment(config);
    let tmpl = env
        .get_template(&intent.template)
        .map_err(|e| err(describe(&e)))?;
    let ctx = context::build(intent, ticket, clocks, config, now);
    let html_ctx = context::escaped(&ctx);
    // Rendering a block may leave the state unusable after an error: one state per block.
    let block = |ctx: &serde_json::Value, name: &str| -> Result<Option<String>, TemplateError> {
        let mut captured = tmpl
            .render_captured_to(ctx, std::io::sink())
            .map_err(|e| err(describe(&e)))?;
        match captured.with_state_mut(|state| state.render_block(name)) {
            Ok(s) => Ok(Some(s)),
            Err(e) if e.kind() == ErrorKind::UnknownBlock => Ok(None),
            Err(e) => Err(err(describe(&e))),
        }
    };
    let subject = block(&ctx, "subject")?.ok_or_else(|| err("has no `subject` block".into()))?;
    let text = block(&ctx, "text")?.ok_or_else(|| err("has no `text` block".into()))?;
    let subject = one_line(&subject);
    let mut text = tidy(&text);
    let mut html = match block(&html_ctx, "html")? {
        Some(h) => h.trim().to_string(),
        None => paragraphs(&text),
    };
    // Every e-mail about a ticket links to it in Pureservice (unless the template already did).
    if let Some(t) = ticket.filter(|_| intent.key.channel == "email") {
        let url = ticket_url(config, t.number);
        if !text.contains(&url) {
            let words = match config.daemon.language {
                Language::Nb => "Saken i Pureservice",
                Language::Nn => "Saka i Pureservice",
                Language::Da => "Sagen i Pureservice",
                Language::En => "The ticket in Pureservice",
            };
            text.push_str(&format!("\n\n{words}: {url}"));
            let href = context::escape(&url);
            html.push_str(&format!(
                "\n<p>{}: <a href=\"{href}\">{href}</a></p>",
                context::escape(words)
            ));
        }
    }
    // Every e-mail ends with the configured sign-off / contact line.
    if let Some(sig) = config
        .daemon
        .signature
        .as_deref()
        .filter(|_| intent.key.channel == "email")
    {
        text.push_str(&format!("\n\n{sig}"));
        html.push_str(&format!("\n<p>{}</p>", context::escape(sig)));
    }
    let short = match block(&ctx, "short")? {
        Some(s) => one_line(&s),
        None => subject.clone(),
    };
    Ok(Message {
        subject,
        text,
        html,
        short: fit_sms(&gsm_text(&short)),
        important: intent.important,
        level: ticket
            .and_then(|t| t.level())
            .unwrap_or_default()
            .to_string(),
        attachments: Vec::new(),
    })
}

/// The ticket in Pureservice's agent app: `<base_url>/agent/app#/ticket/<requestNumber>`.
pub fn ticket_url(config: &Config, number: u64) -> String {
    format!(
        "{}/agent/app#/ticket/{number}",
        config.pureservice.base_url.as_str().trim_end_matches('/')
    )
}

/// A minijinja error with its chain and line, without the template source dump.
fn describe(e: &minijinja::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        s.push_str(&format!(": {inner}"));
        src = inner.source();
    }
    s
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Trims lines' ends and collapses runs of blank lines to one.
fn tidy(s: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for line in s.lines().map(str::trim_end) {
        if line.is_empty() && out.last().map_or(true, |l| l.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out.join("\n")
}

fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(|p| format!("<p>{}</p>", context::escape(p).replace('\n', "<br>\n")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max.saturating_sub(3)).collect();
    let head = match head.rfind(' ') {
        Some(i) if i > head.len() / 2 => &head[..i],
        _ => head.as_str(),
    };
    format!("{}...", head.trim_end())
}

/// Typographic characters outside the GSM-7 alphabet replaced by their plain look-alikes, so
/// that one dash or quote does not turn an SMS into UCS-2 (twice the segments). æøå are GSM-7.
pub fn gsm_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => out.push('-'),
            '«' | '»' | '\u{201C}' | '\u{201D}' | '\u{201E}' => out.push('"'),
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '´' | '`' => out.push('\''),
            '…' => out.push_str("..."),
            '\u{00A0}' | '\u{2009}' | '\u{202F}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// At most [`SHORT_MAX_SEGMENTS`]: when longer, the middle goes and the last sentence (the
/// request number) stays; the start (level, service, municipality, start time) is kept.
fn fit_sms(s: &str) -> String {
    use crate::notify::sms::gsm;
    if gsm::size(s).segments <= SHORT_MAX_SEGMENTS {
        return s.to_string();
    }
    let body = s.trim_end().trim_end_matches('.');
    let tail = match body.rfind(". ") {
        Some(i) if s.len() - i < 40 => &s[i + 2..],
        _ => "",
    };
    let head = &s[..s.len() - tail.len()];
    // Septets left for the head in two segments, after "... " and the tail.
    let room = (153 * SHORT_MAX_SEGMENTS).saturating_sub(gsm::size(&format!("... {tail}")).units);
    let mut cut = String::new();
    for c in head.chars() {
        cut.push(c);
        if gsm::size(&cut).units > room {
            cut.pop();
            break;
        }
    }
    let cut = match cut.rfind(' ') {
        Some(i) if i > cut.len() * 4 / 5 => cut[..i].to_string(),
        _ => cut,
    };
    let out = format!("{}... {tail}", cut.trim_end().trim_end_matches('.'));
    gsm::truncate(out.trim_end(), SHORT_MAX_SEGMENTS)
}

pub mod check;
pub use check::check_all;
