//! `[sla.LEVEL]`: response and resolution times, the calendar they run on, warnings, rank.
//! Levels are written from most to least severe; the order gives the rank unless `rank` is set.

use super::ctx::{key, Ctx};
use super::raw::RawSla;
use super::{OnPriorityChange, SlaLevel};
use crate::calendar::Calendar;
use crate::duration::{parse_percent, HumanDuration};
use std::collections::{BTreeMap, BTreeSet};

pub(super) fn build(
    raw: Vec<(String, RawSla)>,
    calendars: &BTreeMap<String, Calendar>,
    declared_calendars: &BTreeSet<String>,
    ctx: &mut Ctx,
) -> BTreeMap<String, SlaLevel> {
    if raw.is_empty() {
        ctx.err(
            "sla",
            "no SLA levels are defined",
            Some("add at least one [sla.NAME] table with response, resolution and calendar".into()),
        );
    }
    let n = raw.len() as u32;
    let mut out = BTreeMap::new();
    let mut ranks: BTreeMap<u32, String> = BTreeMap::new();
    for (i, (name, r)) in raw.into_iter().enumerate() {
        let path = format!("sla.{}", key(&name));
        let p = |k: &str| format!("{path}.{k}");
        let response = ctx.req_duration(&r.response, &p("response"));
        let resolution = ctx.req_duration(&r.resolution, &p("resolution"));
        let calendar = ctx
            .text(&r.calendar, &p("calendar"))
            .unwrap_or_else(|| "24x7".into());
        // A declared calendar that had problems of its own is not "unknown" here.
        if !calendars.contains_key(&calendar) && !declared_calendars.contains(&calendar) {
            let known: Vec<&str> = calendars.keys().map(|s| s.as_str()).collect();
            ctx.err(
                p("calendar"),
                format!("unknown calendar {calendar:?}"),
                Some(format!(
                    "define [calendars.{}] or use one of: {}",
                    key(&calendar),
                    known.join(", ")
                )),
            );
        }
        let mut warn_at = Vec::new();
        for (j, s) in ctx.list(&r.warn_at, &p("warn_at")).iter().enumerate() {
            match parse_percent(s) {
                Ok(v) => warn_at.push(v),
                Err(e) => ctx.err(format!("{}[{j}]", p("warn_at")), e, None),
            }
        }
        warn_at.sort_unstable();
        warn_at.dedup();
        let checklist: Vec<String> = ctx
            .list(&r.checklist, &p("checklist"))
            .into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let rank = match &r.rank {
            None => n - i as u32,
            Some(_) => ctx.number(&r.rank, &p("rank"), 0, 1000, (n - i as u32) as i64) as u32,
        };
        if let Some(other) = ranks.insert(rank, name.clone()) {
            ctx.err(
                p("rank"),
                format!("rank {rank} is also the rank of level {other:?}"),
                Some("every level needs its own rank (larger = more severe)".into()),
            );
        }
        let label = ctx
            .text(&r.label, &p("label"))
            .unwrap_or_else(|| capitalise(&name));
        let fallback = HumanDuration::from_secs(3600);
        out.insert(
            name.clone(),
            SlaLevel {
                name,
                label,
                response: response.unwrap_or(fallback),
                resolution: resolution.unwrap_or(fallback),
                calendar,
                warn_at,
                rank,
                checklist,
            },
        );
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Takes `on_priority_change` out of the `[sla]` table (its other keys are levels) and parses it.
pub(super) fn on_priority_change(sla: &mut Option<toml::Value>, ctx: &mut Ctx) -> OnPriorityChange {
    const PATH: &str = "sla.on_priority_change";
    let Some(toml::Value::Table(t)) = sla else {
        return OnPriorityChange::default();
    };
    // A table of that name would be a level: leave it to the level checks.
    if t.get("on_priority_change").map_or(true, |v| v.is_table()) {
        return OnPriorityChange::default();
    }
    let v = t.remove("on_priority_change").expect("present");
    let hint = Some("use \"from_creation\" (the default) or \"from_raise\"".to_string());
    match v.as_str() {
        Some("from_creation") => OnPriorityChange::FromCreation,
        Some("from_raise") => OnPriorityChange::FromRaise,
        Some(other) => {
            ctx.err(PATH, format!("unknown re-plan rule {other:?}"), hint);
            OnPriorityChange::default()
        }
        None => {
            ctx.err(
                PATH,
                format!("expected a string, found {}", v.type_str()),
                hint,
            );
            OnPriorityChange::default()
        }
    }
}
