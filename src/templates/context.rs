//! The variables every template sees. All names are always present (strict templates): an
//! optional fact the ticket does not hold is `none`, so a template tests it with `{% if %}`.
//! Documented in docs/PLAN.md ("Template variables").

use super::format;
use crate::config::{Config, Language, Trigger};
use crate::plan::{spans, Intent};
use crate::sla::TicketClocks;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

/// The template context for one intent.
pub fn build(
    intent: &Intent,
    ticket: Option<&TrackedTicket>,
    clocks: Option<&TicketClocks>,
    config: &Config,
    now: DateTime<Utc>,
) -> Value {
    let lang = config.daemon.language;
    let tz = config.daemon.timezone;
    let dt = |t: DateTime<Utc>| Value::String(format::datetime(lang, tz, t));
    let opt_dt = |t: Option<DateTime<Utc>>| t.map(dt).unwrap_or(Value::Null);
    let vars: Map<String, Value> = intent
        .vars
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let items: Vec<Value> = intent
        .vars
        .get("items")
        .map(|s| s.lines().map(|l| Value::String(l.to_string())).collect())
        .unwrap_or_default();
    let (response_due, resolution_due) = match clocks {
        Some(c) => (dt(c.response.due), dt(c.resolution.due)),
        None => (Value::Null, Value::Null),
    };
    // The due instant a warning or breach is about, in words.
    let clock_due = intent
        .vars
        .get("due")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| dt(t.with_timezone(&Utc)))
        .unwrap_or(Value::Null);
    let since = intent
        .vars
        .get("since")
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc));
    let next_status = ticket
        .and_then(|t| next_status(t, config, now, &intent.audience, &intent.key.channel))
        .map(|t| json!({"full": dt(t), "time": format::time(lang, tz, t), "short": format::short(lang, tz, t)}))
        .unwrap_or(Value::Null);
    json!({
        "lang": lang.code(),
        "rule": intent.key.rule,
        "reason": intent.reason.as_str(),
        "occurrence": intent.key.occurrence,
        "important": intent.important,
        "late": intent.late,
        "due_at": dt(intent.due_at),
        "now": dt(now),
        "recipient": {"name": intent.recipient.name, "address": intent.recipient.address},
        "audience": intent.audience,
        "channel": intent.key.channel,
        "vars": vars,
        "items": items,
        "ticket": ticket.map(|t| ticket_value(t, config, lang, now)).unwrap_or(Value::Null),
        "response_due": response_due,
        "resolution_due": resolution_due,
        "clock_due": clock_due,
        "since_at": opt_dt(since),
        "since_short": since.map(|t| format::short(lang, tz, t)),
        "next_status": next_status,
        "checklist": ticket.map(|t| checklist(t, config)).unwrap_or(Value::Null),
    })
}

/// The start-of-incident checklist of the ticket's level (`[sla.LEVEL] checklist`), or `none`
/// when the level has none: `done` is what the plan's `opened` rules have slavakt send for this
/// ticket (`to`: role titles, or the audience codes; `via`: channel codes, worded by the
/// template), `todo` the steps left to people.
fn checklist(t: &TrackedTicket, config: &Config) -> Value {
    let Some(level) = t.level().and_then(|l| config.level(l)) else {
        return Value::Null;
    };
    if level.checklist.is_empty() {
        return Value::Null;
    }
    let (service, category) = (t.service.as_deref(), t.category.as_deref());
    let done: Vec<Value> = config
        .plan
        .iter()
        .filter(|r| r.when == Trigger::Opened && r.priorities.contains(&level.name))
        .filter(|r| r.filters.matches(service, category, &t.municipalities))
        .map(|r| {
            let to: Vec<String> =
                r.to.iter()
                    .map(|a| match a {
                        crate::config::Audience::Role(n) => config
                            .roles
                            .get(n)
                            .map(|role| role.title.clone().unwrap_or_else(|| role.name.clone()))
                            .unwrap_or_else(|| n.clone()),
                        other => other.to_string(),
                    })
                    .collect();
            let via: Vec<String> = r.via.iter().map(|v| v.to_string()).collect();
            json!({"rule": r.id, "to": to, "via": via})
        })
        .collect();
    json!({"done": done, "todo": level.checklist})
}

fn field<'a>(t: &'a TrackedTicket, semantic: &str, configured: &Option<String>) -> Option<&'a str> {
    t.fields
        .get(semantic)
        .or_else(|| configured.as_ref().and_then(|k| t.fields.get(k)))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

fn ticket_value(t: &TrackedTicket, config: &Config, lang: Language, now: DateTime<Utc>) -> Value {
    let tz = config.daemon.timezone;
    let f = &config.pureservice.fields;
    let level = t.level();
    let label = level.map(|l| config.level(l).map_or(l.to_string(), |s| s.label.clone()));
    let resolved_at = t.resolved_at();
    let change = t.change.as_ref().map(|c| {
        json!({
            "planned_start": c.planned_start.map(|x| format::datetime(lang, tz, x)),
            "planned_end": c.planned_end.map(|x| format::datetime(lang, tz, x)),
            "window": c.planned_start.map(|s| format::window(lang, tz, s, c.planned_end)),
            "cancelled": c.cancelled,
            "lead": c.planned_start.map(|s| format::lead(lang, (s - now).num_seconds())),
        })
    });
    json!({
        "id": t.id,
        "number": t.number,
        "url": super::ticket_url(config, t.number),
        "subject": t.subject,
        "level": level,
        "level_label": label,
        "priority": t.levels.last().and_then(|l| l.priority.clone()),
        "status": t.status,
        "paused": t.is_paused(),
        "resolved": t.is_resolved(),
        "service": t.service,
        "category": t.category,
        "vendor": t.service.as_deref().and_then(|s| config.service(s)).and_then(|s| s.vendor.as_ref()).map(|v| v.name.clone()),
        "municipalities": t.municipalities,
        "unit_word": config.daemon.unit_word,
        "unit_word_plural": config.daemon.unit_word_plural,
        "municipalities_text": if t.municipalities.is_empty() { Value::Null } else { Value::String(format::join(lang, &t.municipalities)) },
        "assignee": t.assignee.as_ref().map(|p| p.name.clone()),
        "created": format::datetime(lang, tz, t.created),
        "created_short": format::short(lang, tz, t.created),
        "consequence": field(t, "consequence", &f.consequence),
        "expected_fix": field(t, "expected_fix", &f.expected_fix),
        "cause": field(t, "cause", &f.cause),
        "units": field(t, "units", &f.units),
        "actions": field(t, "actions", &f.actions),
        "workaround": field(t, "workaround", &f.workaround),
        "fault_started": field(t, "fault_started", &f.fault_started),
        "tell_callers": field(t, "tell_callers", &f.tell_callers),
        "resolved_at": resolved_at.map(|x| format::datetime(lang, tz, x)),
        "resolved_short": resolved_at.map(|x| format::short(lang, tz, x)),
        "duration": format::duration_words(lang, (resolved_at.unwrap_or(now) - t.created).num_seconds()),
        "change": change,
    })
}

/// Whether `rule` delivers to the reader of a message sent to `audience` on `channel`: a post
/// on a shared channel (audience "channel") needs the rule to post there; a person (e-mail,
/// SMS) needs the rule to reach the same audience (e.g. `municipality:critical`) on any
/// personal channel. A message promises a next status only to readers a cadence rule reaches.
pub fn reaches(rule: &crate::config::PlanRule, audience: &str, channel: &str) -> bool {
    if audience == "channel" || !matches!(channel, "email" | "sms") {
        rule.via.iter().any(|v| v.to_string() == channel)
    } else {
        rule.via.iter().any(|v| v.is_personal())
            && audience
                .split(',')
                .any(|a| rule.to.iter().any(|t| t.to_string() == a))
    }
}

/// When the next regular status update is due for this reader: the earliest next `every`
/// occurrence of the rules that apply to the ticket now and reach `audience` on `channel`
/// (none when resolved or no such rule: then no message promises one).
pub fn next_status(
    t: &TrackedTicket,
    config: &Config,
    now: DateTime<Utc>,
    audience: &str,
    channel: &str,
) -> Option<DateTime<Utc>> {
    next_status_where(t, config, now, |r| reaches(r, audience, channel))
}

/// When the next regular status update is due to anyone (the status page's "next update").
pub fn next_status_any(
    t: &TrackedTicket,
    config: &Config,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    next_status_where(t, config, now, |_| true)
}

fn next_status_where(
    t: &TrackedTicket,
    config: &Config,
    now: DateTime<Utc>,
    applies: impl Fn(&crate::config::PlanRule) -> bool,
) -> Option<DateTime<Utc>> {
    if t.is_resolved() {
        return None;
    }
    let runs = spans::runs(t);
    config
        .plan
        .iter()
        .filter(|r| applies(r))
        .filter_map(|r| match &r.when {
            Trigger::Every(d) => {
                let entry = spans::current_entry(r, &runs)?;
                let step = d.as_wall().num_seconds().max(60);
                let n = ((now - entry.start).num_seconds().max(0)) / step + 1;
                Some(entry.start + chrono::Duration::seconds(n * step))
            }
            _ => None,
        })
        .min()
}

/// The same context with every string HTML-escaped, for the `html` block.
pub fn escaped(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(escape(s)),
        Value::Array(a) => Value::Array(a.iter().map(escaped).collect()),
        Value::Object(o) => Value::Object(o.iter().map(|(k, v)| (k.clone(), escaped(v))).collect()),
        other => other.clone(),
    }
}

pub fn escape(s: &str) -> String {
    crate::escape::html(s)
}
