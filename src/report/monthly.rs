//! Computes [`MonthlyFigures`] from the tracked tickets: a pure function of state, config,
//! period (whole months) and `now`.
//!
//! Every ticket is looked at *as it stood at the period end* (history after it is cut off), so
//! a finished period's report does not change when a ticket is reopened or re-prioritised later.
//! The per-ticket counting lives in `tally.rs`.

use super::figures::{Month, MonthlyFigures, TrendLevel, TrendPoint};
use crate::config::Config;
use crate::state::State;
use crate::ticket::{Span, TrackedTicket};
use chrono::{DateTime, TimeZone, Utc};
use std::collections::BTreeSet;

/// How many earlier months the trend shows.
pub const TREND_MONTHS: u32 = 5;

/// The month's figures, with the trend over this month and the 5 before it.
pub fn figures(
    state: &State,
    config: &Config,
    month: Month,
    now: DateTime<Utc>,
) -> Option<MonthlyFigures> {
    period_figures(state, config, month, month, now)
}

/// The figures of the months `from`..=`to`, with the trend over `to` and the 5 months before
/// it. `None` for a bad month or `from` after `to`.
pub fn period_figures(
    state: &State,
    config: &Config,
    from: Month,
    to: Month,
    now: DateTime<Utc>,
) -> Option<MonthlyFigures> {
    if from > to {
        return None;
    }
    let mut f = super::tally::figures_without_trend(state, config, from, to, now)?;
    let mut trend = Vec::new();
    for back in (0..=TREND_MONTHS).rev() {
        let m = shift(to, -(back as i32));
        let g = if back == 0 && from == to {
            f.clone()
        } else {
            match super::tally::figures_without_trend(state, config, m, m, now) {
                Some(g) if g.start <= now => g,
                _ => continue,
            }
        };
        trend.push(TrendPoint {
            month: m,
            compliance: g
                .levels
                .iter()
                .map(|l| (l.level.clone(), (l.compliance(), l.resolved)))
                .collect(),
            levels: g
                .levels
                .iter()
                .map(|l| {
                    let t = TrendLevel {
                        opened: l.opened,
                        resolved: l.resolved,
                        average_resolution: l.average_resolution,
                    };
                    (l.level.clone(), t)
                })
                .collect(),
            opened: g.totals.opened,
            resolved: g.totals.resolved,
        });
    }
    f.trend = trend;
    Some(f)
}

/// The months `from..=to`, oldest first.
pub fn months(from: Month, to: Month) -> Vec<Month> {
    let mut out = Vec::new();
    let mut m = from;
    while m <= to {
        out.push(m);
        m = shift(m, 1);
    }
    out
}

/// The levels whose tickets the report lists one by one (with their titles): those of the two
/// highest ranks (Kritisk and Høy in the shipped config).
pub fn incident_levels(config: &Config) -> BTreeSet<String> {
    let mut ranks: Vec<u32> = config.sla.values().map(|l| l.rank).collect();
    ranks.sort_unstable_by(|a, b| b.cmp(a));
    ranks.dedup();
    ranks.truncate(2);
    config
        .sla
        .values()
        .filter(|l| ranks.contains(&l.rank))
        .map(|l| l.name.clone())
        .collect()
}

/// The month `delta` months from `m`.
pub fn shift((y, m): Month, delta: i32) -> Month {
    let idx = y * 12 + (m as i32 - 1) + delta;
    (idx.div_euclid(12), idx.rem_euclid(12) as u32 + 1)
}

/// Month start and end (exclusive) in UTC for the configured time zone; `None` for a bad month.
pub fn bounds(config: &Config, (y, m): Month) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let tz = config.daemon.timezone;
    let start_of = |(y, m): Month| {
        tz.with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    };
    if !(1..=12).contains(&m) {
        return None;
    }
    Some((start_of((y, m))?, start_of(shift((y, m), 1))?))
}

/// The ticket as it stood at `cut`: later level changes, pauses, resolutions and the response
/// are dropped; spans still running at `cut` are open again. `None` if created at or after `cut`.
pub fn as_of(t: &TrackedTicket, cut: DateTime<Utc>) -> Option<TrackedTicket> {
    if t.created >= cut {
        return None;
    }
    let spans = |v: &[Span]| -> Vec<Span> {
        v.iter()
            .filter(|s| s.start < cut)
            .map(|s| Span {
                start: s.start,
                end: s.end.filter(|e| *e <= cut),
            })
            .collect()
    };
    let mut levels: Vec<_> = t.levels.iter().filter(|l| l.at < cut).cloned().collect();
    if levels.is_empty() {
        levels = t.levels.iter().take(1).cloned().collect();
    }
    Some(TrackedTicket {
        levels,
        pauses: spans(&t.pauses),
        resolutions: spans(&t.resolutions),
        responded: t.responded.filter(|r| *r < cut),
        ..t.clone()
    })
}
