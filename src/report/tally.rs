//! Counting one period's tickets into [`MonthlyFigures`] (without the trend): per level, per
//! kind, per municipality, per category, the serious incidents and their downtime. Definitions:
//! `docs/REPORTS.md` ("What the figures mean").

use super::figures::{
    Availability, Counts, IncidentRow, LevelFigures, Month, MonthlyFigures, NamedCounts, Outcome,
};
use super::monthly::{as_of, bounds, incident_levels};
use crate::config::Config;
use crate::sla::{self, ClockState};
use crate::state::State;
use crate::ticket::{TicketKind, TrackedTicket};
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// `[start, end)`.
type Interval = (DateTime<Utc>, DateTime<Utc>);

fn within(at: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    start <= at && at < end
}

fn empty_levels(config: &Config) -> Vec<LevelFigures> {
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
    levels
}

/// Adds one ticket's (opened, resolved, open at end) to a count.
fn add(c: &mut Counts, opened: bool, resolved: bool, open: bool) {
    c.opened += opened as usize;
    c.resolved += resolved as usize;
    c.open_at_end += open as usize;
}

/// The figures of the months `from..=to` (`trend` empty). `None` for a bad month.
pub fn figures_without_trend(
    state: &State,
    config: &Config,
    from: Month,
    to: Month,
    now: DateTime<Utc>,
) -> Option<MonthlyFigures> {
    let (start, _) = bounds(config, from)?;
    let (_, end) = bounds(config, to)?;
    let cut = end.min(now);
    let mut levels = empty_levels(config);
    let serious = incident_levels(config);

    let mut times: BTreeMap<String, Vec<Duration>> = BTreeMap::new();
    let mut municipalities: BTreeMap<Option<String>, Counts> = BTreeMap::new();
    let mut categories: BTreeMap<Option<String>, Counts> = BTreeMap::new();
    let mut types: BTreeMap<TicketKind, Counts> = [
        (TicketKind::Incident, Counts::default()),
        (TicketKind::Request, Counts::default()),
        (TicketKind::Change, Counts::default()),
    ]
    .into();
    let mut downtime: BTreeMap<Option<String>, (Vec<Interval>, usize)> = BTreeMap::new();
    let mut f = MonthlyFigures {
        from,
        to,
        month: to,
        start,
        end,
        as_of: cut,
        partial: cut < end,
        levels: Vec::new(),
        incidents: Vec::new(),
        totals: Counts::default(),
        open_at_end: 0,
        per_municipality: BTreeMap::new(),
        municipalities: Vec::new(),
        types: BTreeMap::new(),
        categories: Vec::new(),
        opened_without_level: 0,
        trend: Vec::new(),
        availability: Vec::new(),
        unit_word: config.daemon.unit_word.clone(),
        backfilled: Default::default(),
    };

    for ticket in state.tickets.values() {
        let Some(t) = as_of(ticket, cut) else {
            continue;
        };
        let opened = within(t.created, start, end);
        let resolved_at = t.resolved_at();
        let resolved = resolved_at.is_some_and(|r| within(r, start, end));
        let open = !t.is_resolved();
        if (opened || resolved) && t.backfilled.is_some() {
            f.backfilled.tickets += 1;
            for a in t.approximations() {
                *f.backfilled.approximate.entry(a.key()).or_default() += 1;
            }
        }
        add(&mut f.totals, opened, resolved, open);
        if let Some(c) = types.get_mut(&t.kind) {
            add(c, opened, resolved, open);
        }
        add(
            categories.entry(t.category.clone()).or_default(),
            opened,
            resolved,
            open,
        );
        if t.municipalities.is_empty() {
            add(
                municipalities.entry(None).or_default(),
                opened,
                resolved,
                open,
            );
        }
        for m in &t.municipalities {
            add(
                municipalities.entry(Some(m.clone())).or_default(),
                opened,
                resolved,
                open,
            );
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
            f.opened_without_level += opened as usize;
            continue;
        };
        lf.opened += opened as usize;
        lf.open_at_end += open as usize;
        // The response is decided when it is met, or when its deadline passes unmet.
        match c.response.state {
            ClockState::Met { at } if within(at, start, end) => lf.response_met += 1,
            ClockState::Breached { .. } if within(c.response.due, start, end) => {
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
            let spans = open_spans(&t, start, cut);
            if !spans.is_empty() {
                let d = downtime.entry(t.service.clone()).or_default();
                d.0.extend(spans);
                d.1 += 1;
            }
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
            let (avg, median) = average_and_median(v);
            lf.average_resolution = Some(avg);
            lf.median_resolution = Some(median);
        }
    }
    f.incidents.sort_by_key(|i| (i.opened, i.number));
    f.levels = levels;
    f.open_at_end = f.totals.open_at_end;
    f.per_municipality = municipalities
        .iter()
        .filter(|(_, c)| c.opened > 0)
        .map(|(m, c)| (m.clone().unwrap_or_default(), c.opened))
        .collect();
    // By name, the tickets without a municipality last (BTreeMap puts `None` first).
    let (none, named): (Vec<_>, Vec<_>) = municipalities
        .into_iter()
        .map(|(name, counts)| NamedCounts { name, counts })
        .partition(|m| m.name.is_none());
    f.municipalities = named.into_iter().chain(none).collect();
    let mut cats: Vec<NamedCounts> = categories
        .into_iter()
        .filter(|(_, c)| c.opened > 0)
        .map(|(name, counts)| NamedCounts { name, counts })
        .collect();
    cats.sort_by(|a, b| {
        b.counts
            .opened
            .cmp(&a.counts.opened)
            .then(a.name.is_none().cmp(&b.name.is_none()))
            .then(a.name.cmp(&b.name))
    });
    f.categories = cats;
    f.types = types;
    let length = (cut - start).max(Duration::seconds(1));
    let mut avail: Vec<Availability> = downtime
        .into_iter()
        .map(|(service, (spans, incidents))| {
            let down = union_length(spans);
            Availability {
                service,
                downtime: down,
                percent: 100.0 * (1.0 - down.num_seconds() as f64 / length.num_seconds() as f64),
                incidents,
            }
        })
        .collect();
    avail.sort_by(|a, b| b.downtime.cmp(&a.downtime).then(a.service.cmp(&b.service)));
    f.availability = avail;
    Some(f)
}

/// Average (rounded down to the nanosecond) and median (the middle one; the mean of the two
/// middle ones for an even count) of a non-empty list; sorts it.
pub fn average_and_median(v: &mut [Duration]) -> (Duration, Duration) {
    v.sort();
    let total = v.iter().fold(Duration::zero(), |a, d| a + *d);
    let avg = total / v.len() as i32;
    let mid = v.len() / 2;
    let median = if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2
    };
    (avg, median)
}

/// The spans in which the ticket stood open (created → resolved, reopened → resolved again,
/// pauses included), clipped to `[start, cut)`.
fn open_spans(t: &TrackedTicket, start: DateTime<Utc>, cut: DateTime<Utc>) -> Vec<Interval> {
    let mut out = Vec::new();
    let mut from = Some(t.created);
    for r in &t.resolutions {
        if let Some(a) = from {
            out.push((a, r.start));
        }
        from = r.end;
    }
    if let Some(a) = from {
        out.push((a, cut));
    }
    out.into_iter()
        .map(|(a, b)| (a.max(start), b.min(cut)))
        .filter(|(a, b)| a < b)
        .collect()
}

/// Total length of the union of spans (overlapping incidents of one service count once).
fn union_length(mut spans: Vec<Interval>) -> Duration {
    spans.sort();
    let mut total = Duration::zero();
    let mut current: Option<Interval> = None;
    for (a, b) in spans {
        current = match current {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += cb - ca;
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((a, b)) = current {
        total += b - a;
    }
    total
}
