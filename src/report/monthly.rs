//! Computes [`MonthlyFigures`] from the tracked tickets: a pure function of state, config,
//! month and `now`.
//!
//! Every ticket is looked at *as it stood at the month end* (history after it is cut off), so a
//! month's report does not change when a ticket is reopened or re-prioritised later.

use super::figures::{IncidentRow, LevelFigures, Month, MonthlyFigures, Outcome, TrendPoint};
use crate::config::Config;
use crate::sla::{self, ClockState};
use crate::state::State;
use crate::ticket::{Span, TrackedTicket};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// How many earlier months the trend shows.
pub const TREND_MONTHS: u32 = 5;

/// The month's figures, with the trend over this month and the 5 before it.
pub fn figures(
    state: &State,
    config: &Config,
    month: Month,
    now: DateTime<Utc>,
) -> Option<MonthlyFigures> {
    let mut f = figures_without_trend(state, config, month, now)?;
    let mut trend = Vec::new();
    for back in (0..=TREND_MONTHS).rev() {
        let m = shift(month, -(back as i32));
        let g = if back == 0 {
            f.clone()
        } else {
            match figures_without_trend(state, config, m, now) {
                Some(g) => g,
                None => continue,
            }
        };
        trend.push(TrendPoint {
            month: m,
            compliance: g
                .levels
                .iter()
                .map(|l| (l.level.clone(), (l.compliance(), l.resolved)))
                .collect(),
        });
    }
    f.trend = trend;
    Some(f)
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

fn in_month(at: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    start <= at && at < end
}

/// The figures of one month alone (`trend` empty).
pub fn figures_without_trend(
    state: &State,
    config: &Config,
    month: Month,
    now: DateTime<Utc>,
) -> Option<MonthlyFigures> {
    let (start, end) = bounds(config, month)?;
    let cut = end.min(now);
    let mut levels: Vec<LevelFigures> = config
        .sla
        .values()
        .map(|l| {
            let cal = config.calendar(&l.calendar);
            let day = cal.map(|c| c.working_day()).unwrap_or(Duration::hours(8));
            LevelFigures {
                level: l.name.clone(),
                label: l.label.clone(),
                rank: l.rank,
                calendar: l.calendar.clone(),
                business_time: cal.is_some_and(|c| !c.always_open),
                working_day: day,
                response_target: l.response.resolve(day),
                resolution_target: l.resolution.resolve(day),
                opened: 0,
                resolved: 0,
                response_met: 0,
                response_breached: 0,
                resolution_met: 0,
                resolution_breached: 0,
                open_at_end: 0,
                average_resolution: None,
                median_resolution: None,
            }
        })
        .collect();
    levels.sort_by(|a, b| b.rank.cmp(&a.rank).then(a.level.cmp(&b.level)));
    let serious = incident_levels(config);

    let mut times: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut f = MonthlyFigures {
        month,
        start,
        end,
        as_of: cut,
        partial: cut < end,
        levels: Vec::new(),
        incidents: Vec::new(),
        open_at_end: 0,
        per_municipality: BTreeMap::new(),
        opened_without_level: 0,
        trend: Vec::new(),
    };

    for ticket in state.tickets.values() {
        let Some(t) = as_of(ticket, cut) else {
            continue;
        };
        let opened = in_month(t.created, start, end);
        let resolved_at = t.resolved_at();
        let resolved = resolved_at.is_some_and(|r| in_month(r, start, end));
        if opened {
            if t.municipalities.is_empty() {
                *f.per_municipality.entry(String::new()).or_default() += 1;
            }
            for m in &t.municipalities {
                *f.per_municipality.entry(m.clone()).or_default() += 1;
            }
        }
        if !t.is_resolved() {
            f.open_at_end += 1;
        }
        // Planned changes are held to the change notice rules (SLA §6.2), not the response and
        // resolution times of §5.6, so they stay out of the per-level figures and incidents.
        if t.is_change() {
            continue;
        }
        let clocks = sla::clocks(&t, config, cut);
        let lf = clocks
            .as_ref()
            .and_then(|c| levels.iter_mut().find(|l| l.level == c.level));
        let (Some(c), Some(lf)) = (clocks.as_ref(), lf) else {
            if opened {
                f.opened_without_level += 1;
            }
            continue;
        };
        if opened {
            lf.opened += 1;
        }
        if !t.is_resolved() {
            lf.open_at_end += 1;
        }
        // The response is decided when it is met, or when its deadline passes unmet.
        match c.response.state {
            ClockState::Met { at } if in_month(at, start, end) => lf.response_met += 1,
            ClockState::Breached { .. } if in_month(c.response.due, start, end) => {
                lf.response_breached += 1
            }
            _ => {}
        }
        if resolved {
            lf.resolved += 1;
            times
                .entry(lf.level.clone())
                .or_default()
                .push(c.resolution.used);
            if c.resolution.is_breached() {
                lf.resolution_breached += 1;
            } else {
                lf.resolution_met += 1;
            }
        }
        if serious.contains(&lf.level) && (opened || resolved) {
            f.incidents.push(IncidentRow {
                id: t.id,
                number: t.number,
                opened: t.created,
                resolved: resolved_at,
                level: lf.level.clone(),
                label: lf.label.clone(),
                municipalities: t.municipalities.clone(),
                service: t.service.clone(),
                title: t.subject.clone(),
                resolution_time: c.resolution.used,
                outcome: if c.resolution.is_breached() {
                    Outcome::Breached
                } else if resolved_at.is_some() {
                    Outcome::Met
                } else {
                    Outcome::Open
                },
            });
        }
    }
    for lf in &mut levels {
        if let Some(v) = times.get_mut(&lf.level) {
            v.sort();
            let total = v.iter().fold(Duration::zero(), |a, d| a + *d);
            lf.average_resolution = Some(total / v.len() as i32);
            let mid = v.len() / 2;
            lf.median_resolution = Some(if v.len() % 2 == 1 {
                v[mid]
            } else {
                (v[mid - 1] + v[mid]) / 2
            });
        }
    }
    f.incidents.sort_by_key(|i| (i.opened, i.number));
    f.levels = levels;
    Some(f)
}
