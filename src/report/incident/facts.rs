//! What the serious-incident report says, gathered from the tracked ticket and the ledger
//! (pure). Every text is already in the configured language; the template only lays it out.

use super::words::{words, Words};
use crate::config::{Config, Language};
use crate::ledger::{DeliveryStatus, Ledger, LedgerEntry};
use crate::sla::{Clock, ClockState};
use crate::templates::format;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// Everything the template sees (documented in docs/REPORTS.md).
#[derive(Debug, Clone, Serialize)]
pub struct Facts {
    pub lang: &'static str,
    /// When the draft was made (the cycle that saw the resolution).
    pub generated: String,
    pub ticket: Header,
    /// `None` when the ticket has no SLA level (or the level left the config).
    pub sla: Option<Sla>,
    /// Oldest first; times are local `YYYY-MM-DD HH:MM`.
    pub timeline: Vec<Entry>,
    /// Pureservice custom fields, when filled in (a head start for the person writing).
    pub fields: Fields,
}

#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub service: Option<String>,
    pub municipalities: Vec<String>,
    pub municipalities_text: Option<String>,
    pub level: Option<String>,
    pub level_label: Option<String>,
    pub priority: Option<String>,
    pub started: String,
    pub resolved: Option<String>,
    /// Wall time from creation to resolution.
    pub duration: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sla {
    pub calendar: String,
    /// "arbeidstid" or "døgnkontinuerlig" (business time or real time).
    pub clock: String,
    pub response: Outcome,
    pub resolution: Outcome,
    pub pauses: usize,
    /// Real time spent paused (not counted by either clock).
    pub paused_total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub target: String,
    pub due: String,
    /// When the clock stopped (first response / resolution), if it did.
    pub at: Option<String>,
    /// Clock time used, pauses excluded.
    pub used: String,
    pub met: bool,
    pub breached: bool,
    pub outcome: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub at: String,
    #[serde(skip)]
    pub instant: DateTime<Utc>,
    /// `created`, `priority`, `classified`, `status`, `paused`, `resumed`, `responded`,
    /// `assigned`, `acknowledged`, `resolved`, `reopened` or `notice`.
    pub kind: &'static str,
    pub text: String,
    /// Notices only.
    pub channel: Option<String>,
    pub recipient: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Fields {
    pub consequence: Option<String>,
    pub units: Option<String>,
    pub cause: Option<String>,
    pub actions: Option<String>,
    pub workaround: Option<String>,
    pub fault_started: Option<String>,
}

/// The facts of ticket `t` at `now` (normally the cycle that saw it resolved).
pub fn gather(t: &TrackedTicket, ledger: &Ledger, config: &Config, now: DateTime<Utc>) -> Facts {
    let lang = config.daemon.language;
    let tz = config.daemon.timezone;
    let w = words(lang);
    let label = |level: Option<&str>| {
        level.map(|l| config.level(l).map_or(l.to_string(), |s| s.label.clone()))
    };
    let resolved = t.resolved_at();
    let f = &config.pureservice.fields;
    let field = |semantic: &str, configured: &Option<String>| {
        t.fields
            .get(semantic)
            .or_else(|| configured.as_ref().and_then(|k| t.fields.get(k)))
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };
    Facts {
        lang: lang.code(),
        generated: format::datetime(lang, tz, now),
        ticket: Header {
            id: t.id,
            number: t.number,
            title: t.subject.clone(),
            service: t.service.clone(),
            municipalities: t.municipalities.clone(),
            municipalities_text: (!t.municipalities.is_empty())
                .then(|| format::join(lang, &t.municipalities)),
            level: t.level().map(str::to_string),
            level_label: label(t.level()),
            priority: t.levels.last().and_then(|l| l.priority.clone()),
            started: format::datetime(lang, tz, t.created),
            resolved: resolved.map(|r| format::datetime(lang, tz, r)),
            duration: format::duration(lang, (resolved.unwrap_or(now) - t.created).num_seconds()),
        },
        sla: sla(t, config, lang, w, now),
        timeline: timeline(t, ledger, config, w, now),
        fields: Fields {
            consequence: field("consequence", &f.consequence),
            units: field("units", &f.units),
            cause: field("cause", &f.cause),
            actions: field("actions", &f.actions),
            workaround: field("workaround", &f.workaround),
            fault_started: field("fault_started", &f.fault_started),
        },
    }
}

fn sla(
    t: &TrackedTicket,
    config: &Config,
    lang: Language,
    w: &Words,
    now: DateTime<Utc>,
) -> Option<Sla> {
    let clocks = crate::sla::clocks(t, config, now)?;
    let tz = config.daemon.timezone;
    let wall = config
        .calendar(&clocks.calendar)
        .is_some_and(|c| c.always_open);
    let paused: Duration = t
        .pauses
        .iter()
        .map(|p| p.end.unwrap_or(now).min(now) - p.start)
        .filter(|d| *d > Duration::zero())
        .sum();
    let outcome = |c: &Clock| outcome(c, lang, tz, w);
    Some(Sla {
        calendar: clocks.calendar.clone(),
        clock: if wall { w.wall } else { w.business }.to_string(),
        response: outcome(&clocks.response),
        resolution: outcome(&clocks.resolution),
        pauses: t.pauses.len(),
        paused_total: format::duration_words(lang, paused.num_seconds()),
    })
}

fn outcome(c: &Clock, lang: Language, tz: Tz, w: &Words) -> Outcome {
    let (at, met, breached) = match c.state {
        ClockState::Met { at } => (Some(at), true, false),
        ClockState::Breached { stopped } => (stopped, false, true),
        _ => (None, false, false),
    };
    Outcome {
        target: format::duration(lang, c.target.num_seconds()),
        due: format::datetime(lang, tz, c.due),
        at: at.map(|a| format::datetime(lang, tz, a)),
        used: format::duration(lang, c.used.num_seconds()),
        met,
        breached,
        outcome: if met {
            w.met
        } else if breached {
            w.breached
        } else {
            w.open
        }
        .to_string(),
    }
}

/// Local `YYYY-MM-DD HH:MM`: sortable, and short enough for a table column.
pub fn stamp(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn timeline(
    t: &TrackedTicket,
    ledger: &Ledger,
    config: &Config,
    w: &Words,
    now: DateTime<Utc>,
) -> Vec<Entry> {
    let tz = config.daemon.timezone;
    let name = |priority: &Option<String>, level: &Option<String>| {
        priority
            .clone()
            .or_else(|| {
                level
                    .as_deref()
                    .map(|l| config.level(l).map_or(l, |s| &s.label).to_string())
            })
            .unwrap_or_else(|| w.none.to_string())
    };
    let mut out = Vec::new();
    let mut push = |at: DateTime<Utc>, kind: &'static str, text: String| {
        out.push(Entry {
            at: stamp(tz, at),
            instant: at,
            kind,
            text,
            channel: None,
            recipient: None,
            outcome: None,
        })
    };
    if let Some(first) = t.levels.first() {
        push(
            t.created,
            "created",
            format!("{} ({})", w.created, name(&first.priority, &first.level)),
        );
    }
    for pair in t.levels.windows(2) {
        let (from, to) = (&pair[0], &pair[1]);
        push(
            to.at,
            "priority",
            format!(
                "{}: {} → {}",
                w.priority_changed,
                name(&from.priority, &from.level),
                name(&to.priority, &to.level)
            ),
        );
    }
    if let Some(c) = &t.classification {
        let label = config
            .level(&c.level)
            .map_or(c.level.as_str(), |s| &s.label);
        push(
            c.at,
            "classified",
            format!("{}: {label} ({})", w.classified, c.rule),
        );
    }
    for s in &t.status_changes {
        push(s.at, "status", format!("{}: {}", w.status, s.status));
    }
    for p in &t.pauses {
        push(p.start, "paused", w.paused.to_string());
        if let Some(end) = p.end {
            push(end, "resumed", w.resumed.to_string());
        }
    }
    if let Some(r) = t.responded {
        push(r, "responded", w.responded.to_string());
    }
    if let Some(a) = t.assigned {
        push(a, "assigned", w.assigned.to_string());
    }
    // Call-outs acknowledged by their link (`plan::ack`; a response or an assignment above
    // acknowledges too). Keys are `ticket/rule/occurrence`.
    let prefix = format!("{}/", t.id);
    for (key, a) in ledger.acks().range(prefix.clone()..) {
        let Some(rest) = key.strip_prefix(&prefix) else {
            break;
        };
        let rule = rest.rsplit_once('/').map_or(rest, |(r, _)| r);
        push(
            a.at,
            "acknowledged",
            format!("{} {} ({rule})", w.acknowledged_by, a.by),
        );
    }
    for r in &t.resolutions {
        push(r.start, "resolved", w.resolved.to_string());
        if let Some(end) = r.end {
            push(end, "reopened", w.reopened.to_string());
        }
    }
    for e in ledger.for_ticket(t.id) {
        out.push(notice(e, tz, w));
    }
    // Stable: at equal times, ticket events before the notices they caused.
    out.retain(|e| e.instant <= now);
    out.sort_by_key(|e| e.instant);
    out
}

fn notice(e: &LedgerEntry, tz: Tz, w: &Words) -> Entry {
    // When it happened: the successful attempt, else the last one, else when it was issued.
    let at = e
        .attempts
        .iter()
        .find(|a| a.ok)
        .or(e.attempts.last())
        .map_or(e.created_at, |a| a.at);
    let last = e.attempts.last().map(|a| a.outcome.as_str()).unwrap_or("");
    let with = |word: &str| {
        if last.is_empty() {
            word.to_string()
        } else {
            format!("{word}: {last}")
        }
    };
    let outcome = match e.status {
        DeliveryStatus::Delivered => w.delivered.to_string(),
        DeliveryStatus::Failed => with(w.failed),
        DeliveryStatus::Pending => w.pending.to_string(),
        DeliveryStatus::InFlight => w.in_flight.to_string(),
        // The ledger's own outcomes are worded for the reader; a channel's detail is kept.
        DeliveryStatus::Skipped if last == crate::ledger::MERGED_OUTCOME => w.merged.to_string(),
        DeliveryStatus::Skipped if last == crate::outbox::DRY_RUN_OUTCOME => w.dry_run.to_string(),
        DeliveryStatus::Skipped => with(w.not_sent),
    };
    let late = if e.intent.late {
        format!(" ({})", w.late)
    } else {
        String::new()
    };
    let r = &e.intent.recipient;
    let channel = &e.intent.key.channel;
    // Shared places (Teams, intranet, the ticket note) are named by their channel already.
    let who = if r.name.trim().is_empty() {
        &r.address
    } else {
        &r.name
    };
    Entry {
        at: stamp(tz, at),
        instant: at,
        kind: "notice",
        text: format!("{}: {}{late}", w.notice, e.intent.key.rule),
        channel: Some(channel.clone()),
        recipient: (who != channel).then(|| who.clone()),
        outcome: Some(outcome),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Attempt;
    use crate::plan::{Intent, IntentKey, Reason, Recipient};
    use chrono::TimeZone;

    fn skipped(outcome: &str) -> LedgerEntry {
        let at = Utc.with_ymd_and_hms(2027, 3, 27, 1, 0, 0).unwrap();
        LedgerEntry {
            intent: Intent {
                key: IntentKey {
                    ticket: 1,
                    rule: "kritisk-status".into(),
                    occurrence: 1,
                    channel: "email".into(),
                    recipient: "anne.fiktiv@molde.example".into(),
                },
                reason: Reason::Every,
                audience: "municipality:critical".into(),
                recipient: Recipient {
                    name: "Anne Fiktiv".into(),
                    address: "anne.fiktiv@molde.example".into(),
                },
                due_at: at,
                late: false,
                template: "incident_status".into(),
                important: false,
                vars: Default::default(),
            },
            created_at: at,
            status: DeliveryStatus::Skipped,
            attempts: vec![Attempt {
                at,
                ok: true,
                outcome: outcome.into(),
            }],
            next_attempt: None,
            remote_id: None,
            message: None,
        }
    }

    /// The ledger's own outcomes ("merged into a digest", "dry run") are worded in the
    /// report's language, not copied in English.
    #[test]
    fn a_digested_or_dry_run_notice_reads_in_the_reports_language() {
        let tz: Tz = "Europe/Oslo".parse().unwrap();
        for (lang, merged) in [
            (
                Language::Nb,
                "slått sammen med andre varsler i én samlemelding",
            ),
            (
                Language::Nn,
                "slått saman med andre varsel i éi samlemelding",
            ),
            (
                Language::Da,
                "slået sammen med andre varsler i én samlet besked",
            ),
        ] {
            let w = words(lang);
            let e = notice(&skipped(crate::ledger::MERGED_OUTCOME), tz, w);
            assert_eq!(e.outcome.as_deref(), Some(merged));
            let e = notice(&skipped(crate::outbox::DRY_RUN_OUTCOME), tz, w);
            assert!(!e.outcome.unwrap().contains("dry run"), "{lang:?}");
        }
    }
}
