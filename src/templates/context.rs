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
    // The rules' durations read as prose ("3 dager", not the config's "3d").
    let vars: Map<String, Value> = intent
        .vars
        .iter()
        .map(|(k, v)| {
            let worded = matches!(k.as_str(), "after" | "every" | "silence" | "min_notice")
                .then(|| crate::duration::HumanDuration::parse(v).ok())
                .flatten()
                .map(|d| format::human(lang, &d));
            (
                k.clone(),
                Value::String(worded.unwrap_or_else(|| v.clone())),
            )
        })
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
        "recipient": {
            "name": intent.recipient.name,
            "address": intent.recipient.address,
            "first_name": first_name(&intent.recipient.name),
        },
        "reader": reader(intent, config),
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

/// The first name to greet a person by ("Per Kvalvik" → "Per"), or `none` for what reads as
/// a role mailbox or an organisation ("Vakthavende ROR-IKT", "Sensio kundesenter",
/// "Nettleverandøren AS", a single word): those are greeted without a name. A person's name is
/// two to four words, each a capital followed by small letters (hyphens allowed: "Anne-Lise").
pub fn first_name(name: &str) -> Option<String> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let personal = |w: &&str| {
        w.split('-').all(|part| {
            let mut cs = part.chars();
            cs.next().is_some_and(char::is_uppercase)
                && cs.clone().next().is_some()
                && cs.all(|c| c.is_lowercase() || c == '\'' || c == '.')
        })
    };
    ((2..=4).contains(&words.len()) && words.iter().all(personal)).then(|| words[0].to_string())
}

/// Who reads the message, for texts that differ by reader: `municipality` (a municipality's
/// contact, also when reached again as `notified`, or a municipality's own Teams channel),
/// `vendor`, `intranet` (all staff), `note` (the internal note on the ticket), `channel`
/// (another shared Teams channel) or `internal` (ROR-IKT's own people by e-mail or SMS). Only
/// `internal` and `note` readers are inside the service desk: the others never see a
/// caseworker's name or a raw Pureservice status.
pub fn reader(intent: &Intent, config: &Config) -> &'static str {
    let (aud, ch, addr) = (
        intent.audience.as_str(),
        intent.key.channel.as_str(),
        intent.recipient.address.trim(),
    );
    let is = |c: &crate::config::Contact| {
        c.email
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(addr))
            || c.phone.as_deref() == Some(addr)
    };
    let municipal = aud.starts_with("municipality:")
        || config.municipalities.iter().any(|m| {
            m.contacts.iter().any(is)
                || m.teams
                    .as_deref()
                    .is_some_and(|t| ch == format!("teams:{t}"))
        });
    if municipal {
        return "municipality";
    }
    if aud == "service:vendor"
        || config
            .services
            .iter()
            .any(|s| s.vendor.as_ref().is_some_and(is))
    {
        return "vendor";
    }
    match ch {
        "intranet" => "intranet",
        "pureservice_note" => "note",
        "email" | "sms" => "internal",
        _ => "channel",
    }
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
            let to: Vec<String> = r
                .to
                .iter()
                .map(|a| match a {
                    // The role, and who holds it: "Koordineringsansvarlig (Siri Aasen)".
                    crate::config::Audience::Role(n) => config
                        .roles
                        .get(n)
                        .map(|role| {
                            let what = role.title.clone().unwrap_or_else(|| n.replace('_', " "));
                            if role.members.is_empty() && role.name != what {
                                format!("{what} ({})", role.name)
                            } else {
                                what
                            }
                        })
                        .unwrap_or_else(|| n.clone()),
                    other => other.to_string(),
                })
                .collect();
            // Who an audience code stands for on this ticket, for "tjenesteadministrator
            // (Sunniva Bjørnerem)" and "… prioritet 1-kontakter (Molde: Anne Fiktiv, …)".
            let names: Map<String, Value> =
                r.to.iter()
                    .filter_map(|a| Some((a.to_string(), Value::String(names_of(a, t, config)?))))
                    .collect();
            let via: Vec<String> = r.via.iter().map(|v| v.to_string()).collect();
            json!({"rule": r.id, "to": to, "names": names, "via": via})
        })
        .collect();
    json!({"done": done, "todo": level.checklist})
}

/// The people a non-role audience stands for on ticket `t`, joined for a checklist line;
/// `None` when the config names nobody (or for roles and `notified`).
fn names_of(a: &crate::config::Audience, t: &TrackedTicket, config: &Config) -> Option<String> {
    use crate::config::Audience;
    let service = t.service.as_deref().and_then(|s| config.service(s));
    let joined = |v: Vec<String>| (!v.is_empty()).then(|| v.join(", "));
    match a {
        Audience::ServiceAdministrator => service?.administrator.as_ref().map(|p| p.name.clone()),
        Audience::ServiceVendor => service?.vendor.as_ref().map(|p| p.name.clone()),
        Audience::TicketAssignee => t.assignee.as_ref().map(|p| p.name.clone()),
        Audience::MunicipalityCritical | Audience::MunicipalityAll => {
            let all = *a == Audience::MunicipalityAll;
            let per: Vec<String> = t
                .municipalities
                .iter()
                .filter_map(|m| {
                    let people: Vec<String> = config
                        .municipality(m)?
                        .contacts
                        .iter()
                        .filter(|c| all || c.critical)
                        .map(|c| c.name.clone())
                        .collect();
                    joined(people).map(|p| format!("{m}: {p}"))
                })
                .collect();
            (!per.is_empty()).then(|| per.join("; "))
        }
        Audience::Role(_) | Audience::Notified => None,
    }
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
