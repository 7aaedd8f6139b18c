//! The daemon's side of `[[reports]]`: which scheduled monthly reports are owed, mailing them,
//! and the bookkeeping in the state that makes each period go out once, also across restarts.
//!
//! A period (key `"<schedule>@YYYY-MM"`, see `schedule.rs`) goes through:
//! 1. [`take_due`], before the cycle's first save: a due key becomes an [`OwedReport`] in
//!    `state.reports_owed`. It is on disk before any mail goes out, and stays owed when the next
//!    period fires, so a report that cannot be mailed for a while is not dropped.
//! 2. [`mail_owed`], after the outbox round: every owed report whose `next_attempt` has come is
//!    computed at `now` and mailed — in each matching `[[reports]]` entry's format, CSV
//!    attached — to every recipient not yet in `sent_to`. When all have it, the key moves to
//!    `state.reports_sent`. A failure keeps it owed, retried after a backoff
//!    (`channels.retry.initial`, doubling, at most [`MAX_BACKOFF`]), logged and counted.
//!
//! While Pureservice cannot be polled (`health.failing_since` set) nothing is mailed: the month's
//! last changes may not be tracked yet, and the board should not get figures that are missing
//! them. The report goes out with the first cycle after a successful poll.
//!
//! A stop between the SMTP server's acceptance and the state save leaves that recipient out of
//! `sent_to` on disk, so after the restart the recipient gets the report once more, with the
//! same Message-ID: the delivery guarantee of docs/STATE_AND_DELIVERY.md (at least once, at
//! most one duplicate per mail in flight when the process stops).
//!
//! A fresh state file (first start) has seen no month: [`skip_past_periods`] marks the periods
//! already fired as done, so a new installation does not mail a report of a month it did not
//! watch.

use super::schedule::due_schedules;
use super::send::{self, format_name};
use crate::clock::Clock;
use crate::config::{Config, ReportFormat};
use crate::plan::Recipient;
use crate::state::State;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The longest wait between two attempts at an owed report.
pub const MAX_BACKOFF: Duration = Duration::hours(1);

/// A scheduled report whose period came but that not every recipient has yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwedReport {
    /// The schedule's cron text (matches `[[reports]].schedule`, trimmed).
    pub schedule: String,
    /// The reported month, `YYYY-MM`.
    pub month: String,
    pub due_since: DateTime<Utc>,
    /// Mailing rounds that failed so far.
    pub failures: u32,
    pub next_attempt: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// How many months the report covers, ending with `month` (1 for older state files).
    #[serde(default = "one_month", skip_serializing_if = "is_one_month")]
    pub months: u32,
    /// Recipients whose mail was accepted, as `<format>:<address>`.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub sent_to: BTreeSet<String>,
}

fn one_month() -> u32 {
    1
}

fn is_one_month(m: &u32) -> bool {
    *m == 1
}

/// Marks every period that has already fired as sent (call on a fresh state file).
pub fn skip_past_periods(state: &mut State, config: &Config, now: DateTime<Utc>) {
    for (key, _) in due_schedules(config, state, now) {
        tracing::info!(report = %key, "first start: this period was before slavakt watched; not mailed");
        state.reports_sent.insert(key);
    }
}

/// Records newly due periods as owed and forgets sent keys of months older than the retention.
/// Returns whether the state changed.
pub fn take_due(state: &mut State, config: &Config, now: DateTime<Utc>) -> bool {
    let mut changed = false;
    for (key, month) in due_schedules(config, state, now) {
        if state.reports_owed.contains_key(&key) {
            continue;
        }
        let schedule = key.rsplit_once('@').map(|(s, _)| s).unwrap_or(&key);
        let months = config
            .reports
            .iter()
            .find(|r| super::schedule::schedule_id(r) == schedule)
            .map(|r| r.months)
            .unwrap_or(1);
        tracing::info!(report = %key, "scheduled report due");
        state.reports_owed.insert(
            key.clone(),
            OwedReport {
                schedule: schedule.to_string(),
                month: super::month_text(month),
                due_since: now,
                failures: 0,
                next_attempt: now,
                last_error: None,
                months,
                sent_to: BTreeSet::new(),
            },
        );
        changed = true;
    }
    let oldest = super::monthly::shift(month_of(now, config), -13);
    let before = state.reports_sent.len();
    state.reports_sent.retain(|k| {
        match k.rsplit_once('@').and_then(|(_, m)| super::parse_month(m)) {
            Some(m) => m >= oldest,
            None => true,
        }
    });
    changed || state.reports_sent.len() != before
}

fn month_of(now: DateTime<Utc>, config: &Config) -> super::Month {
    use chrono::Datelike;
    let local = now.with_timezone(&config.daemon.timezone);
    (local.year(), local.month())
}

/// What happened to one recipient's mail in [`mail_owed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailOutcome {
    pub key: String,
    pub recipient: String,
    /// `None` when accepted (or skipped in a dry run); the error otherwise.
    pub error: Option<String>,
    pub dry_run: bool,
}

impl MailOutcome {
    /// `sent`, `failed` or `dry_run` (the metric's label).
    pub fn label(&self) -> &'static str {
        match (&self.error, self.dry_run) {
            (Some(_), _) => "failed",
            (None, true) => "dry_run",
            (None, false) => "sent",
        }
    }
}

/// What [`mail_owed`] did this cycle.
#[derive(Debug, Default)]
pub struct Mailed {
    pub outcomes: Vec<MailOutcome>,
    /// Keys that every recipient now has (moved to `reports_sent`).
    pub completed: Vec<String>,
    /// Owed reports dropped because no `[[reports]]` entry has their schedule any more.
    pub dropped: Vec<String>,
}

impl Mailed {
    pub fn changed(&self) -> bool {
        !self.outcomes.is_empty() || !self.completed.is_empty() || !self.dropped.is_empty()
    }
}

/// Mails every owed report whose attempt is due at `now`; see the module header.
pub async fn mail_owed(
    state: &mut State,
    config: &Config,
    clock: Arc<dyn Clock>,
    now: DateTime<Utc>,
) -> Mailed {
    let mut out = Mailed::default();
    let due: Vec<String> = state
        .reports_owed
        .iter()
        .filter(|(_, o)| o.next_attempt <= now)
        .map(|(k, _)| k.clone())
        .collect();
    if due.is_empty() {
        return out;
    }
    if state.health.failing_since.is_some() {
        tracing::debug!(
            owed = due.len(),
            "Pureservice unreachable: scheduled reports wait for a successful poll"
        );
        return out;
    }
    let notifier = send::notifier(config, clock);
    for key in due {
        let Some(owed) = state.reports_owed.get(&key).cloned() else {
            continue;
        };
        let jobs = jobs(config, &owed);
        if jobs.entries == 0 {
            tracing::warn!(report = %key, "no [[reports]] entry has this schedule any more; the owed report is dropped");
            state.reports_owed.remove(&key);
            out.dropped.push(key);
            continue;
        }
        let mut errors: Vec<String> = jobs.bad.clone();
        let mut sent_to = owed.sent_to.clone();
        let figures = super::parse_month(&owed.month)
            .and_then(|m| {
                let from = super::monthly::shift(m, 1 - owed.months.max(1) as i32);
                super::period_figures(state, config, from, m, now)
            })
            .ok_or_else(|| format!("month {} cannot be placed in the time zone", owed.month));
        for (format, recipient) in &jobs.todo {
            let id = format!("{}:{}", format_name(*format), recipient.address);
            let result = if config.daemon.dry_run {
                Ok(())
            } else {
                match (&figures, &notifier) {
                    (Err(e), _) | (_, Err(e)) => Err(e.clone()),
                    (Ok(f), Ok(n)) => send::mail_one(n, f, config, *format, recipient, &key)
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string()),
                }
            };
            match &result {
                Ok(()) if config.daemon.dry_run => {
                    tracing::info!(report = %key, to = %recipient.address, "dry run: scheduled report not mailed")
                }
                Ok(()) => {
                    tracing::info!(report = %key, to = %recipient.address, "scheduled report mailed")
                }
                Err(e) => {
                    tracing::error!(report = %key, to = %recipient.address, error = %e, "scheduled report could not be mailed; will retry")
                }
            }
            if result.is_ok() {
                sent_to.insert(id);
            }
            out.outcomes.push(MailOutcome {
                key: key.clone(),
                recipient: recipient.address.clone(),
                error: result.err().inspect(|e| errors.push(e.clone())),
                dry_run: config.daemon.dry_run,
            });
        }
        if errors.is_empty() {
            state.reports_owed.remove(&key);
            state.reports_sent.insert(key.clone());
            out.completed.push(key);
            continue;
        }
        for bad in &jobs.bad {
            tracing::error!(report = %key, problem = %bad, "scheduled report has a recipient it cannot mail");
        }
        let failures = owed.failures + 1;
        let wait = backoff(config.channels.retry.initial, failures);
        if let Some(o) = state.reports_owed.get_mut(&key) {
            o.failures = failures;
            o.next_attempt = now + wait;
            o.last_error = Some(errors.join("; "));
            o.sent_to = sent_to;
        }
        tracing::warn!(report = %key, failures, retry_at = %(now + wait), "scheduled report not mailed to everyone yet");
    }
    out
}

/// `initial × 2^(failures−1)`, at most [`MAX_BACKOFF`].
pub fn backoff(initial: Duration, failures: u32) -> Duration {
    let initial = initial.max(Duration::seconds(1));
    let factor = 1i32 << failures.saturating_sub(1).min(20);
    (initial * factor).min(MAX_BACKOFF)
}

/// The recipients an owed report still has to reach.
struct Jobs {
    /// How many `[[reports]]` entries have this schedule.
    entries: usize,
    todo: Vec<(ReportFormat, Recipient)>,
    /// `to` entries that name no e-mail address.
    bad: Vec<String>,
}

fn jobs(config: &Config, owed: &OwedReport) -> Jobs {
    let mut jobs = Jobs {
        entries: 0,
        todo: Vec::new(),
        bad: Vec::new(),
    };
    for entry in &config.reports {
        if super::schedule::schedule_id(entry) != owed.schedule.trim() {
            continue;
        }
        jobs.entries += 1;
        let (ok, bad) = send::recipients(config, &entry.to);
        jobs.bad.extend(bad);
        for r in ok {
            let id = format!("{}:{}", format_name(entry.format), r.address);
            let seen = jobs
                .todo
                .iter()
                .any(|(f, x)| *f == entry.format && x.address == r.address);
            if !owed.sent_to.contains(&id) && !seen {
                jobs.todo.push((entry.format, r));
            }
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let s = Duration::seconds;
        assert_eq!(backoff(s(5), 1), s(5));
        assert_eq!(backoff(s(5), 2), s(10));
        assert_eq!(backoff(s(5), 5), s(80));
        assert_eq!(backoff(s(5), 12), MAX_BACKOFF);
        assert_eq!(backoff(s(5), 400), MAX_BACKOFF);
    }
}
