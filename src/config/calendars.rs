//! `[calendars.NAME]`: opening hours per weekday, holidays, extra closed/open dates, time zone.
//! The always-open `24x7` calendar is built in and cannot be redefined.

use super::ctx::{key, Ctx};
use super::daemon::parse_tz;
use super::raw::{RawCalendar, L};
use crate::calendar::{parse_interval, Calendar, Country, Interval, MonthDay};
use chrono::NaiveDate;
use chrono_tz::Tz;
use std::collections::{BTreeMap, BTreeSet};

pub(super) const ALWAYS_OPEN: &str = "24x7";
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

pub(super) fn build(
    raw: Vec<(String, RawCalendar)>,
    default_tz: Tz,
    ctx: &mut Ctx,
) -> BTreeMap<String, Calendar> {
    let mut out = BTreeMap::new();
    out.insert(
        ALWAYS_OPEN.to_string(),
        Calendar::always_open(ALWAYS_OPEN, default_tz),
    );
    for (name, cal) in raw {
        let path = format!("calendars.{}", key(&name));
        if name == ALWAYS_OPEN {
            ctx.err(
                path,
                "the 24x7 calendar is built in (always open) and cannot be redefined",
                Some("remove this table, or give your calendar another name".into()),
            );
            continue;
        }
        if let Some(c) = one(&name, &cal, &path, default_tz, ctx) {
            out.insert(name, c);
        }
    }
    out
}

fn one(
    name: &str,
    raw: &RawCalendar,
    path: &str,
    default_tz: Tz,
    ctx: &mut Ctx,
) -> Option<Calendar> {
    let errors_before = ctx.errors.len();
    let tz = match ctx.text(&raw.timezone, &format!("{path}.timezone")) {
        Some(s) => parse_tz(&s, &format!("{path}.timezone"), ctx).unwrap_or(default_tz),
        None => default_tz,
    };
    let holidays = match ctx.text(&raw.holidays, &format!("{path}.holidays")) {
        None => None,
        Some(s) if s.eq_ignore_ascii_case("none") => None,
        Some(s) => match Country::parse(&s) {
            Some(c) => Some(c),
            None => {
                ctx.err(
                    format!("{path}.holidays"),
                    format!("unknown holiday set {s:?}"),
                    Some("use \"NO\" (Norway), \"DK\" (Denmark) or \"none\"".into()),
                );
                None
            }
        },
    };
    let mut hours: [Vec<Interval>; 7] = Default::default();
    match &raw.hours {
        None => ctx.err(
            format!("{path}.hours"),
            "missing required key",
            Some("give the opening hours per weekday, e.g. hours = { mon = [\"08:00-15:30\"], tue = [\"08:00-15:30\"] }".into()),
        ),
        Some(h) => {
            let days: [&L<toml::Value>; 7] = [&h.mon, &h.tue, &h.wed, &h.thu, &h.fri, &h.sat, &h.sun];
            for (i, day) in days.into_iter().enumerate() {
                let dpath = format!("{path}.hours.{}", DAYS[i]);
                let list = day_list(ctx.get(day, &dpath), &dpath, ctx);
                hours[i] = day_intervals(&list, &dpath, ctx);
            }
            if hours.iter().all(|d| d.is_empty()) {
                ctx.err(
                    format!("{path}.hours"),
                    "the calendar is never open, so its deadlines could never be reached",
                    Some("give at least one weekday opening hours, or use the built-in \"24x7\"".into()),
                );
            }
        }
    }
    let (closed, closed_yearly) = dates(&raw.closed, &format!("{path}.closed"), ctx);
    let (open, open_yearly) = dates(&raw.open, &format!("{path}.open"), ctx);
    for d in closed.intersection(&open) {
        ctx.err(
            format!("{path}.open"),
            format!("{d} is listed both in closed and in open"),
            Some("remove it from one of the lists".into()),
        );
    }
    for (m, d) in closed_yearly.intersection(&open_yearly) {
        ctx.err(
            format!("{path}.open"),
            format!("{m:02}-{d:02} is listed both in closed and in open"),
            Some("remove it from one of the lists".into()),
        );
    }
    if ctx.errors.len() > errors_before {
        return None;
    }
    // The calendar module checks the same rules; anything it still finds is reported too.
    match Calendar::new(name, tz, hours, holidays, closed, open)
        .and_then(|c| c.with_yearly(closed_yearly, open_yearly))
    {
        Ok(c) => Some(c),
        Err(problems) => {
            for p in problems {
                ctx.err(path, p, None);
            }
            None
        }
    }
}

/// A day's intervals as a list of strings: an array, or one comma-separated string.
fn day_list(v: Option<toml::Value>, path: &str, ctx: &mut Ctx) -> Vec<String> {
    match v {
        None => Vec::new(),
        Some(toml::Value::String(s))
            if s.trim().is_empty() || s.trim().eq_ignore_ascii_case("closed") =>
        {
            Vec::new()
        }
        Some(toml::Value::String(s)) => s.split(',').map(|p| p.trim().to_string()).collect(),
        Some(toml::Value::Array(items)) => items
            .iter()
            .enumerate()
            .filter_map(|(i, x)| match x.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    ctx.err(
                        format!("{path}[{i}]"),
                        format!(
                            "expected a string like \"08:00-15:30\", found {}",
                            x.type_str()
                        ),
                        None,
                    );
                    None
                }
            })
            .collect(),
        Some(other) => {
            ctx.err(
                path,
                format!("expected a list of intervals, found {}", other.type_str()),
                Some("write e.g. [\"08:00-11:30\", \"12:00-15:30\"]".into()),
            );
            Vec::new()
        }
    }
}

/// Parses and checks one weekday's intervals: each well-formed and not inverted, none
/// overlapping. Touching intervals (`08:00-12:00`, `12:00-15:30`) are merged.
fn day_intervals(list: &[String], path: &str, ctx: &mut Ctx) -> Vec<Interval> {
    let mut parsed: Vec<(Interval, usize)> = Vec::new();
    for (i, s) in list.iter().enumerate() {
        match parse_interval(s) {
            Ok(iv) => parsed.push((iv, i)),
            Err(e) => ctx.err(
                format!("{path}[{i}]"),
                e,
                Some("write \"HH:MM-HH:MM\", e.g. \"08:00-15:30\"".into()),
            ),
        }
    }
    parsed.sort();
    let mut out: Vec<Interval> = Vec::new();
    for w in parsed.windows(2) {
        let ((a, ai), (b, bi)) = (w[0], w[1]);
        if b.0 < a.1 {
            ctx.err(
                format!("{path}[{bi}]"),
                format!("{} overlaps {} ({path}[{ai}])", list[bi], list[ai]),
                Some("intervals of one day must not overlap; merge them".into()),
            );
        }
    }
    for ((s, e), _) in parsed {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// Dates (`"2026-12-24"`) and recurring days (`"12-24"`, every year) of one list.
fn dates(
    v: &L<Vec<String>>,
    path: &str,
    ctx: &mut Ctx,
) -> (BTreeSet<NaiveDate>, BTreeSet<MonthDay>) {
    let (mut once, mut yearly) = (BTreeSet::new(), BTreeSet::new());
    for (i, s) in ctx.list(v, path).iter().enumerate() {
        let t = s.trim();
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            once.insert(d);
        } else if let Some(md) = month_day(t) {
            yearly.insert(md);
        } else {
            ctx.err(
                format!("{path}[{i}]"),
                format!("{s:?} is not a date"),
                Some("write YYYY-MM-DD for one date (\"2026-12-24\") or MM-DD for every year (\"12-24\")".into()),
            );
        }
    }
    (once, yearly)
}

/// `"MM-DD"` that is a real day in some year (`"02-29"` recurs in leap years only).
fn month_day(s: &str) -> Option<MonthDay> {
    let (m, d) = s.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (m, d): (u32, u32) = (m.parse().ok()?, d.parse().ok()?);
    NaiveDate::from_ymd_opt(2000, m, d).map(|_| (m, d))
}
