//! The serious-incident report (Alvorlig hendelse-rapport, kommunikasjonsplan §5).
//!
//! When the plan issues a ticket's `resolved` notice (in the shipped plan: `incident-resolved`,
//! Kritisk and Høy), the same cycle drafts the report from the daemon's own records — the
//! tracked ticket (priority changes, status changes, pauses, response, resolution) and the
//! ledger (every notice: when, to whom, which channel, delivered or failed) — and attaches it to
//! that notice's e-mails to the `[incident_report] attach_to` roles. The draft waits in the state until
//! [`write::write_owed`] has put it into `daemon.reports_dir`; then only a small [`Record`]
//! remains, so a restart neither writes nor attaches it twice.
//!
//! - `facts.rs`: what the report says (pure).
//! - `words.rs`: its words in nb/nn/da/en.
//! - `render.rs`: the Markdown template (built-in or `templates_dir` override).
//! - `write.rs`: writing owed drafts into the reports directory (the only I/O).
//!
//! Timing: the draft is made before the resolved notices are rendered, so it holds everything
//! up to the resolution; the resolved notices themselves (and anything later) are not in it.

pub mod facts;
pub mod render;
pub mod words;
pub mod write;

use crate::config::Config;
use crate::ledger::Ledger;
use crate::notify::{Message, TextAttachment};
use crate::plan::{Intent, Reason};
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The attachment's MIME type.
pub const CONTENT_TYPE: &str = "text/markdown";

/// What the state keeps about one report, keyed `"<ticket>/<resolution number>"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// File name inside `daemon.reports_dir`.
    pub file: String,
    pub drafted_at: DateTime<Utc>,
    /// When the file was written; `None` while it is still owed.
    #[serde(default)]
    pub written_at: Option<DateTime<Utc>>,
    /// The draft, held only until it is written (then dropped: the file is the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<String>,
    /// Why no draft could be made (the template failed); nothing is owed then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Record {
    pub fn is_owed(&self) -> bool {
        self.written_at.is_none() && self.draft.is_some()
    }
}

/// A report drafted in this cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub key: String,
    pub ticket: TicketId,
    pub file: String,
    /// The Markdown, or why the template failed.
    pub markdown: Result<String, String>,
}

/// `"<ticket>/<resolution number>"`: a ticket reopened and solved again gets a second report.
pub fn key(ticket: TicketId, occurrence: u32) -> String {
    format!("{ticket}/{occurrence}")
}

/// `hendelse-<number>-<local resolution date>.md` (`-<n>` added from the second resolution).
pub fn file_name(t: &TrackedTicket, occurrence: u32, config: &Config) -> String {
    let w = words::words(config.daemon.language);
    let date = t
        .resolved_at()
        .unwrap_or(t.last_modified)
        .with_timezone(&config.daemon.timezone)
        .format("%Y-%m-%d");
    let n = if occurrence > 1 {
        format!("-{occurrence}")
    } else {
        String::new()
    };
    format!("{}-{}-{date}{n}.md", w.file_prefix, t.number)
}

/// Drafts the report of ticket `t` at `now` (its current resolution).
pub fn draft(
    t: &TrackedTicket,
    occurrence: u32,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
) -> Draft {
    let facts = facts::gather(t, ledger, config, now);
    Draft {
        key: key(t.id, occurrence),
        ticket: t.id,
        file: file_name(t, occurrence, config),
        markdown: render::render(&facts, config),
    }
}

/// Drafts a report for every ticket whose `resolved` notice is among `intents` (issued or
/// digested this cycle) and that has no report yet; never for planned changes.
pub fn draft_due<'a>(
    intents: impl IntoIterator<Item = &'a Intent>,
    tickets: &BTreeMap<TicketId, TrackedTicket>,
    ledger: &Ledger,
    records: &BTreeMap<String, Record>,
    config: &Config,
    now: DateTime<Utc>,
) -> Vec<Draft> {
    let due: BTreeSet<(TicketId, u32)> = intents
        .into_iter()
        .filter(|i| i.reason == Reason::Resolved)
        .map(|i| (i.key.ticket, i.key.occurrence))
        .filter(|(t, n)| !records.contains_key(&key(*t, *n)))
        .collect();
    due.into_iter()
        .filter_map(|(id, n)| tickets.get(&id).map(|t| (t, n)))
        // A planned change is not an incident (an incident it causes has its own ticket).
        .filter(|(t, _)| !t.is_change())
        .map(|(t, n)| draft(t, n, ledger, config, now))
        .collect()
}

/// The e-mail addresses (lower case) of the `[incident_report] attach_to` roles and their
/// off-hours stand-ins.
pub fn report_addresses(config: &Config) -> BTreeSet<String> {
    let roles = &config.incident_report.attach_to;
    let mut names: Vec<&str> = roles.iter().map(String::as_str).collect();
    for r in roles {
        if let Some(stand_in) = config.roles.get(r).and_then(|r| r.off_hours.as_deref()) {
            names.push(stand_in);
        }
    }
    names
        .iter()
        .filter_map(|n| config.roles.get(*n))
        .flat_map(|r| r.people()) // a group's members each get it
        .filter_map(|p| p.email)
        .map(|e| e.trim().to_lowercase())
        .collect()
}

/// Attaches the ticket's fresh draft to `message` when `intent` is its resolved notice by
/// e-mail to one of `addresses`.
pub fn attach(
    message: &mut Message,
    intent: &Intent,
    drafts: &[Draft],
    addresses: &BTreeSet<String>,
) {
    if intent.reason != Reason::Resolved
        || intent.key.channel != "email"
        || !addresses.contains(&intent.recipient.address.trim().to_lowercase())
    {
        return;
    }
    let wanted = key(intent.key.ticket, intent.key.occurrence);
    if let Some(Draft {
        file,
        markdown: Ok(text),
        ..
    }) = drafts.iter().find(|d| d.key == wanted)
    {
        message.attachments.push(TextAttachment {
            filename: file.clone(),
            content_type: CONTENT_TYPE.into(),
            text: text.clone(),
        });
    }
}

/// Remembers this cycle's drafts: the good ones as owed files, failed ones with their error.
pub fn record(records: &mut BTreeMap<String, Record>, drafts: Vec<Draft>, now: DateTime<Utc>) {
    for d in drafts {
        let (draft, error) = match d.markdown {
            Ok(text) => (Some(text), None),
            Err(e) => (None, Some(e)),
        };
        records.entry(d.key).or_insert(Record {
            file: d.file,
            drafted_at: now,
            written_at: None,
            draft,
            error,
        });
    }
}
