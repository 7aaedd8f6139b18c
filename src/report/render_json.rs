//! The report as JSON: the machine-readable figures, independent of `language` (keys, level
//! names and kinds are fixed English identifiers; labels are given next to them). Every key is
//! defined in `docs/REPORTS.md` ("JSON"). Durations are `{value, unit}` with the value
//! unrounded, in `"hours"` (24/7 levels) or `"working_days"` (business-calendar levels).

use super::figures::{Counts, LevelFigures, MonthlyFigures, Outcome, AVAILABILITY_TARGET};
use crate::ticket::TicketKind;
use chrono::Duration;
use serde_json::{json, Map, Value};

fn amount(d: Option<Duration>, l: &LevelFigures) -> Value {
    match d {
        Some(d) => {
            let (value, unit) = l.in_unit(d);
            json!({ "value": value, "unit": unit })
        }
        None => Value::Null,
    }
}

fn counts(c: &Counts) -> Value {
    json!({ "opened": c.opened, "resolved": c.resolved, "open_at_end": c.open_at_end })
}

fn kind_key(k: TicketKind) -> &'static str {
    match k {
        TicketKind::Incident => "incident",
        TicketKind::Request => "request",
        TicketKind::Change => "change",
    }
}

/// The report as a JSON value.
pub fn value(f: &MonthlyFigures) -> Value {
    let levels: Vec<Value> = f
        .levels
        .iter()
        .map(|l| {
            json!({
                "level": l.level,
                "label": l.label,
                "business_time": l.business_time,
                "opened": l.opened,
                "resolved": l.resolved,
                "resolved_within": l.resolution_met,
                "resolution_breached": l.resolution_breached,
                "response_within": l.response_met,
                "response_breached": l.response_breached,
                "open_at_end": l.open_at_end,
                "resolution_target": amount(Some(l.resolution_target), l),
                "average_resolution": amount(l.average_resolution, l),
                "median_resolution": amount(l.median_resolution, l),
            })
        })
        .collect();
    let sum = |g: fn(&LevelFigures) -> usize| f.levels.iter().map(g).sum::<usize>();
    let levels_total = json!({
        "opened": sum(|l| l.opened),
        "resolved": sum(|l| l.resolved),
        "resolved_within": sum(|l| l.resolution_met),
        "resolution_breached": sum(|l| l.resolution_breached),
        "response_within": sum(|l| l.response_met),
        "response_breached": sum(|l| l.response_breached),
        "open_at_end": sum(|l| l.open_at_end),
    });
    let incidents: Vec<Value> = f
        .incidents
        .iter()
        .map(|i| {
            let duration = match f.levels.iter().find(|l| l.level == i.level) {
                Some(l) => amount(Some(i.resolution_time), l),
                None => json!({
                    "value": i.resolution_time.num_seconds() as f64 / 3600.0,
                    "unit": "hours"
                }),
            };
            json!({
                "ticket": i.number,
                "id": i.id,
                "level": i.level,
                "opened": i.opened.to_rfc3339(),
                "resolved": i.resolved.map(|r| r.to_rfc3339()),
                "municipality": i.municipalities.join(", "),
                "municipalities": i.municipalities,
                "service": i.service,
                "title": i.title,
                "duration": duration,
                "within": match i.outcome {
                    Outcome::Met => Value::Bool(true),
                    Outcome::Breached => Value::Bool(false),
                    Outcome::Open => Value::Null,
                },
                "outcome": match i.outcome {
                    Outcome::Met => "met",
                    Outcome::Breached => "breached",
                    Outcome::Open => "open",
                },
            })
        })
        .collect();
    let categories: Vec<Value> = f
        .categories
        .iter()
        .map(|c| json!({ "name": c.name, "opened": c.counts.opened }))
        .collect();
    let municipalities: Vec<Value> = f
        .municipalities
        .iter()
        .map(|m| {
            json!({
                "name": m.name,
                "opened": m.counts.opened,
                "resolved": m.counts.resolved,
                "open_at_end": m.counts.open_at_end,
            })
        })
        .collect();
    let types: Map<String, Value> = f
        .types
        .iter()
        .map(|(k, c)| (kind_key(*k).to_string(), counts(c)))
        .collect();
    let trend: Vec<Value> = f
        .trend
        .iter()
        .map(|p| {
            let levels: Map<String, Value> = f
                .levels
                .iter()
                .filter_map(|l| {
                    let t = p.levels.get(&l.level)?;
                    let v = json!({
                        "average_resolution": amount(t.average_resolution, l),
                        "opened": t.opened,
                        "resolved": t.resolved,
                    });
                    Some((l.level.clone(), v))
                })
                .collect();
            json!({
                "month": super::month_text(p.month),
                "levels": levels,
                "opened": p.opened,
                "resolved": p.resolved,
            })
        })
        .collect();
    let availability: Vec<Value> = f
        .availability
        .iter()
        .map(|a| {
            json!({
                "service": a.service,
                "downtime_hours": a.downtime.num_seconds() as f64 / 3600.0,
                "percent": a.percent,
                "incidents": a.incidents,
                "within_target": a.within_target(),
                "estimate": true,
            })
        })
        .collect();
    json!({
        "period": {
            "from": super::month_text(f.from),
            "to": super::month_text(f.to),
            "start": f.start.to_rfc3339(),
            "end": f.end.to_rfc3339(),
            "as_of": f.as_of.to_rfc3339(),
            "partial": f.partial,
        },
        "levels": levels,
        "levels_total": levels_total,
        "opened_without_level": f.opened_without_level,
        "totals": counts(&f.totals),
        "incidents": incidents,
        "categories": categories,
        "municipalities": municipalities,
        "types": types,
        "trend": trend,
        "availability": availability,
        "availability_target_percent": AVAILABILITY_TARGET,
        "backfilled": {
            "tickets": f.backfilled.tickets,
            "approximate": f.backfilled.approximate,
        },
    })
}

/// The report as pretty-printed JSON text with a final newline.
pub fn render(f: &MonthlyFigures) -> String {
    let mut s = serde_json::to_string_pretty(&value(f)).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
