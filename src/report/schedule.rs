//! Which `[[reports]]` schedule is due, for which month.
//!
//! A schedule's most recent fire time at or before `now` (in the daemon's time zone) reports the
//! month before the one it fires in (07:00 on 1 April reports March). The key
//! `"<schedule text>@YYYY-MM"` goes into `state.reports_sent` once mailed, so each period is
//! mailed once, also across restarts. Only the latest fire counts: a daemon that was down for
//! months sends the last month's report, not a backlog.
//!
//! An entry with `months = N` (N > 1) reports the N months ending with that month; its key is
//! `"<schedule text> months=N@YYYY-MM"` (the last month), so it is a schedule of its own next
//! to a one-month entry with the same cron text.

use super::figures::Month;
use crate::config::Config;
use crate::state::State;
use chrono::{DateTime, Datelike, Duration, Utc};

/// How far back the latest fire is looked for.
const LOOKBACK_DAYS: i64 = 62;

/// `(key, month)` for every schedule that fired and whose period is not in `reports_sent`.
pub fn due_schedules(config: &Config, state: &State, now: DateTime<Utc>) -> Vec<(String, Month)> {
    let tz = config.daemon.timezone;
    let mut due = Vec::new();
    for r in &config.reports {
        let from = (now - Duration::days(LOOKBACK_DAYS)).with_timezone(&tz);
        let last = r
            .schedule
            .after(&from)
            .take_while(|t| t.with_timezone(&Utc) <= now)
            .last();
        let Some(fired) = last else { continue };
        let month = super::monthly::shift((fired.year(), fired.month()), -1);
        let key = sent_key(&schedule_id(r), month);
        if !state.reports_sent.contains(&key) && !due.iter().any(|(k, _)| k == &key) {
            due.push((key, month));
        }
    }
    due
}

/// What identifies an entry's schedule in the state: the cron text, and the months when more
/// than one.
pub fn schedule_id(r: &crate::config::ReportSchedule) -> String {
    if r.months > 1 {
        format!("{} months={}", r.schedule_text.trim(), r.months)
    } else {
        r.schedule_text.trim().to_string()
    }
}

/// The `reports_sent` key of a schedule's period.
pub fn sent_key(schedule_text: &str, month: Month) -> String {
    format!("{}@{}", schedule_text.trim(), super::month_text(month))
}
