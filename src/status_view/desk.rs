//! The service desk's overview in the status view: the summary strip, the burning incidents
//! with their communication so far (from the ledger), and planned changes with their notices.

use super::{
    local, next_plan_action, AckView, ChangeView, IncidentView, LevelCount, NoticeView,
    SummaryView, ToldView,
};
use crate::config::Config;
use crate::ledger::DeliveryStatus;
use crate::plan::Reason;
use crate::sla::ClockState;
use crate::state::State;
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;

/// How many of the most severe levels count as "burning" (Kritisk and Høy in the shipped
/// config).
const BURNING_LEVELS: usize = 2;

fn status_name(s: DeliveryStatus) -> &'static str {
    match s {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::InFlight => "in_flight",
        DeliveryStatus::Delivered => "delivered",
        DeliveryStatus::Failed => "failed",
        DeliveryStatus::Skipped => "skipped",
    }
}

/// Local midnight of `now`'s day in the configured zone.
fn midnight(config: &Config, now: DateTime<Utc>) -> DateTime<Utc> {
    let tz = config.daemon.timezone;
    let day = now.with_timezone(&tz).date_naive();
    day.and_hms_opt(0, 0, 0)
        .and_then(|m| m.and_local_timezone(tz).earliest())
        .map_or(now, |m| m.with_timezone(&Utc))
}

pub(super) fn summary(state: &State, config: &Config, now: DateTime<Utc>) -> SummaryView {
    let mut levels: Vec<_> = config.sla.values().collect();
    levels.sort_by_key(|l| std::cmp::Reverse(l.rank));
    let open_tickets: Vec<_> = state
        .tickets
        .values()
        .filter(|t| !t.is_resolved() && !t.is_change())
        .collect();
    let open = levels
        .iter()
        .map(|l| LevelCount {
            level: l.name.clone(),
            label: l.label.clone(),
            count: open_tickets
                .iter()
                .filter(|t| t.level() == Some(&l.name))
                .count(),
        })
        .collect();
    let today = midnight(config, now);
    let breached_today = state
        .tickets
        .values()
        .filter(|t| !t.is_change() && t.resolved_at().map_or(true, |r| r >= today))
        .filter_map(|t| crate::sla::clocks(t, config, now))
        .filter(|c| {
            [&c.response, &c.resolution]
                .iter()
                .any(|k| matches!(k.state, ClockState::Breached { .. }) && k.due >= today)
        })
        .count();
    let pending = state.ledger.pending();
    let failing_now = pending
        .iter()
        .filter(|e| e.attempts.last().is_some_and(|a| !a.ok))
        .count();
    let failed_today = state
        .ledger
        .entries
        .values()
        .filter(|e| e.status == DeliveryStatus::Failed && e.created_at >= today)
        .count();
    SummaryView {
        open,
        breached_today,
        deliveries_pending: pending.len(),
        deliveries_failing: failing_now + failed_today,
    }
}

pub(super) fn incidents(state: &State, config: &Config, now: DateTime<Utc>) -> Vec<IncidentView> {
    let tz = config.daemon.timezone;
    let mut ranks: Vec<u32> = config.sla.values().map(|l| l.rank).collect();
    ranks.sort_unstable_by(|a, b| b.cmp(a));
    ranks.dedup();
    ranks.truncate(BURNING_LEVELS);
    let mut out: Vec<IncidentView> = Vec::new();
    for t in state.tickets.values() {
        if t.is_resolved() || t.is_change() {
            continue;
        }
        let Some(level) = t.level().and_then(|l| config.level(l)) else {
            continue;
        };
        if !ranks.contains(&level.rank) {
            continue;
        }
        let entries: Vec<_> = state
            .ledger
            .for_ticket(t.id)
            .filter(|e| e.intent.reason != Reason::Alert)
            .collect();
        let mut told: Vec<ToldView> = entries
            .iter()
            .map(|e| ToldView {
                at: local(e.attempts.last().map_or(e.created_at, |a| a.at), tz),
                channel: e.intent.key.channel.clone(),
                recipient: e.intent.recipient.name.clone(),
                status: status_name(e.status),
            })
            .collect();
        told.sort_by(|a, b| b.at.cmp(&a.at).then(a.channel.cmp(&b.channel)));
        let regular = |r: Reason| matches!(r, Reason::Opened | Reason::Every);
        let last_update = entries
            .iter()
            .filter(|e| regular(e.intent.reason) && e.status == DeliveryStatus::Delivered)
            .filter_map(|e| e.attempts.iter().rfind(|a| a.ok).map(|a| a.at))
            .max();
        let owed = entries
            .iter()
            .filter(|e| e.intent.reason == Reason::Every)
            .filter(|e| matches!(e.status, DeliveryStatus::Pending | DeliveryStatus::InFlight))
            .map(|e| e.intent.due_at)
            .min();
        let next_update =
            owed.or_else(|| crate::templates::context::next_status_any(t, config, now));
        let prefix = format!("{}/", t.id);
        let acks = state
            .ledger
            .acks()
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(_, a)| AckView {
                at: local(a.at, tz),
                by: a.by.clone(),
            })
            .collect();
        out.push(IncidentView {
            number: t.number,
            level: level.name.clone(),
            level_label: level.label.clone(),
            since: local(t.created, tz),
            running_seconds: (now - t.created).num_seconds().max(0),
            told,
            last_update: last_update.map(|a| local(a, tz)),
            next_update: next_update.map(|a| local(a, tz)),
            update_overdue: owed.is_some_and(|d| d <= now),
            acks,
        });
    }
    // Most severe first, then the longest running.
    out.sort_by_key(|i| {
        (
            std::cmp::Reverse(config.level(&i.level).map_or(0, |l| l.rank)),
            std::cmp::Reverse(i.running_seconds),
            i.number,
        )
    });
    out
}

pub(super) fn changes(state: &State, config: &Config, now: DateTime<Utc>) -> Vec<ChangeView> {
    let tz = config.daemon.timezone;
    let mut out: Vec<ChangeView> = state
        .tickets
        .values()
        .filter(|t| !t.is_resolved())
        .filter_map(|t| t.change.as_ref().map(|c| (t, c)))
        .map(|(t, c)| {
            let state_word = if c.cancelled {
                "cancelled"
            } else if c.planned_start.is_some_and(|s| s <= now) {
                "running"
            } else {
                "planned"
            };
            let mut notices: Vec<NoticeView> = Vec::new();
            let mut seen: BTreeSet<(String, u32)> = BTreeSet::new();
            let mut entries: Vec<_> = state
                .ledger
                .for_ticket(t.id)
                .filter(|e| {
                    matches!(
                        e.intent.reason,
                        Reason::ChangeNotice
                            | Reason::ChangeStarted
                            | Reason::ChangeCompleted
                            | Reason::ChangeMoved
                            | Reason::ChangeCancelled
                            | Reason::ChangeShortNotice
                    )
                })
                .collect();
            entries.sort_by_key(|e| e.created_at);
            for e in entries {
                let key = (e.intent.key.rule.clone(), e.intent.key.occurrence);
                if seen.insert(key.clone()) {
                    notices.push(NoticeView {
                        at: local(e.created_at, tz),
                        what: e.intent.reason.as_str().to_string(),
                        channels: vec![e.intent.key.channel.clone()],
                    });
                } else if let Some(n) = notices.last_mut() {
                    if !n.channels.contains(&e.intent.key.channel) {
                        n.channels.push(e.intent.key.channel.clone());
                    }
                }
            }
            let next_notice = if config.plan.is_empty() {
                None
            } else {
                next_plan_action(t, &state.ledger, config, now).map(|a| a.localized(tz))
            };
            ChangeView {
                number: t.number,
                subject: t.subject.clone(),
                service: t.service.clone(),
                municipalities: t.municipalities.clone(),
                planned_start: c.planned_start.map(|s| local(s, tz)),
                planned_end: c.planned_end.map(|s| local(s, tz)),
                state: state_word,
                notices,
                next_notice,
            }
        })
        .collect();
    out.sort_by_key(|c| (c.planned_start, c.number));
    out
}

/// Open tickets per level (in `summary.open` order) at hourly points over the last 24 hours
/// and 6-hourly points over the last 7 days, oldest first. Derived from the tickets' own
/// history in the state (creation, level changes, solved spans) — nothing extra is stored, and
/// a restart loses nothing; tickets already pruned from the state no longer count.
pub(super) fn history(state: &State, config: &Config, now: DateTime<Utc>) -> super::HistoryView {
    let mut levels: Vec<_> = config.sla.values().collect();
    levels.sort_by_key(|l| std::cmp::Reverse(l.rank));
    let tz = config.daemon.timezone;
    let points = |step_hours: i64, n: i64| -> Vec<super::HistoryPoint> {
        (0..=n)
            .rev()
            .map(|k| now - chrono::Duration::hours(k * step_hours))
            .map(|at| super::HistoryPoint {
                at: local(at, tz),
                counts: levels
                    .iter()
                    .map(|l| {
                        state
                            .tickets
                            .values()
                            .filter(|t| !t.is_change() && t.created <= at)
                            .filter(|t| {
                                !t.resolutions
                                    .iter()
                                    .any(|s| s.start <= at && s.end.map_or(true, |e| at < e))
                            })
                            .filter(|t| {
                                t.levels
                                    .iter()
                                    .rev()
                                    .find(|c| c.at <= at)
                                    .and_then(|c| c.level.as_deref())
                                    == Some(l.name.as_str())
                            })
                            .count()
                    })
                    .collect(),
            })
            .collect()
    };
    super::HistoryView {
        day: points(1, 24),
        week: points(6, 28),
    }
}
