//! Wire ticket + reference data → the domain [`TicketSnapshot`].
//!
//! Decisions (documented in `docs/PURESERVICE_CLIENT.md`):
//! - core status from the status's `coreStatus`: `< 50` open; `>= 50` solved, or closed when
//!   `coreStatus >= 60` or the ticket has a `closed` time. An unknown status id: status name
//!   `""`, treated as open, logged once.
//! - priority: the priority's name; a name listed in `unset_priorities` or an unknown id gives
//!   `None` (no level; classification applies). Unknown ids and names not mapped in
//!   `[pureservice.priorities]` are logged once.
//! - municipality and service: the `*_from` sources are tried in order; the first that yields
//!   something wins.
//! - a change ticket is cancelled when its status is listed in `[pureservice.statuses]
//!   cancelled` or its `[pureservice.fields] cancelled` field is set (not empty/false/0/nei/no).
//! - assignee mobile: the first phone number of `type` 1, normalised to E.164 (`+47` for eight
//!   digits).

use super::html;
use super::refcache::RefCache;
use super::wire::Ticket;
use crate::config::{FieldSource, Municipality, PureserviceConfig, Service};
use crate::ticket::{ChangePlan, CoreStatus, Person, TicketKind, TicketSnapshot};
use std::collections::{BTreeMap, HashSet};

/// What the mapping needs from the config.
#[derive(Debug, Clone)]
pub struct MapSettings {
    pub pureservice: PureserviceConfig,
    pub municipalities: Vec<Municipality>,
    pub services: Vec<Service>,
}

/// Remembers what was already logged, so each oddity is logged once per process.
#[derive(Debug, Default)]
pub struct Warned(HashSet<String>);

impl Warned {
    fn once(&mut self, key: String, msg: impl FnOnce() -> String) {
        if self.0.insert(key) {
            tracing::warn!("{}", msg());
        }
    }
}

/// Maps one ticket. `t.modified` must be set (the sync rejects pages without it).
pub fn to_snapshot(
    t: &Ticket,
    cache: &RefCache,
    s: &MapSettings,
    modified_by_us: bool,
    warned: &mut Warned,
) -> TicketSnapshot {
    let ps = &s.pureservice;
    let modified = t.modified.or(t.created).unwrap_or_default();

    let priority = match t.priority_id {
        None => None,
        Some(id) => match cache.priorities.get(&id).and_then(|p| p.name.clone()) {
            None => {
                warned.once(format!("priority-id:{id}"), || {
                    format!("Pureservice priority id {id} is unknown; the ticket gets no SLA level")
                });
                None
            }
            Some(name)
                if ps
                    .unset_priorities
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(&name)) =>
            {
                None
            }
            Some(name) => {
                if !ps.priorities.contains_key(&name) {
                    warned.once(format!("priority-name:{name}"), || {
                        format!(
                            "Pureservice priority {name:?} is not mapped in [pureservice.priorities]; \
                             tickets with it get no SLA level"
                        )
                    });
                }
                Some(name)
            }
        },
    };

    let status = t.status_id.and_then(|id| cache.statuses.get(&id));
    if status.is_none() {
        let id = t.status_id.map_or("none".to_string(), |i| i.to_string());
        warned.once(format!("status-id:{id}"), || {
            format!("Pureservice status id {id} is unknown; tickets with it are treated as open")
        });
    }
    let status_name = status.and_then(|s| s.name.clone()).unwrap_or_default();
    let core = match status.and_then(|s| s.core_status) {
        None => CoreStatus::Open,
        Some(c) if c < 50 => CoreStatus::Open,
        Some(c) if c >= 60 || t.closed.is_some() => CoreStatus::Closed,
        Some(_) => CoreStatus::Solved,
    };

    let categories: Vec<String> = [t.category1_id, t.category2_id, t.category3_id]
        .into_iter()
        .flatten()
        .filter_map(|id| cache.categories.get(&id)?.name.clone())
        .collect();
    let requester = t.user_id.and_then(|u| cache.users.get(&u));
    let company = requester
        .and_then(|u| u.company_id)
        .and_then(|c| cache.companies.get(&c))
        .and_then(|c| c.name.clone());

    let from = |src: &FieldSource| {
        municipalities_from(src, t, company.as_deref(), &categories, &s.municipalities)
    };
    let municipalities = if ps.municipality_from_all {
        let mut all: Vec<String> = Vec::new();
        for m in ps.municipality_from.iter().flat_map(from) {
            if !all.contains(&m) {
                all.push(m);
            }
        }
        all
    } else {
        first_hit(&ps.municipality_from, from)
    };
    let service = first_hit(&ps.service_from, |src| {
        service_from(src, t, &categories, &s.services)
            .into_iter()
            .collect()
    })
    .into_iter()
    .next();

    let assignee = t.assigned_agent_id.map(|id| match cache.users.get(&id) {
        Some(u) => Person {
            name: u.display_name().unwrap_or_else(|| format!("user {id}")),
            email: cache.email_of(u),
            phone: cache.mobile_of(u).map(|p| normalize_phone(&p)),
        },
        None => Person {
            name: format!("user {id}"),
            email: None,
            phone: None,
        },
    });

    let change = t
        .request_type_id
        .filter(|rt| ps.change_request_types.contains(rt))
        .map(|_| ChangePlan {
            planned_start: custom_time(t, ps.fields.planned_start.as_deref()),
            planned_end: custom_time(t, ps.fields.planned_end.as_deref()),
            cancelled: is_cancelled(t, &status_name, ps),
        });

    let kind = if change.is_some() {
        TicketKind::Change
    } else if t
        .request_type_id
        .is_some_and(|rt| ps.service_request_types.contains(&rt))
    {
        TicketKind::Request
    } else {
        TicketKind::Incident
    };

    let mut fields = BTreeMap::new();
    for (name, cf) in [
        ("consequence", &ps.fields.consequence),
        ("expected_fix", &ps.fields.expected_fix),
        ("cause", &ps.fields.cause),
        ("units", &ps.fields.units),
        ("actions", &ps.fields.actions),
        ("workaround", &ps.fields.workaround),
        ("fault_started", &ps.fields.fault_started),
        ("tell_callers", &ps.fields.tell_callers),
    ] {
        if let Some(v) = cf.as_deref().and_then(|cf| t.custom(cf)) {
            let text = html::to_text(&v);
            if !text.is_empty() {
                fields.insert(name.to_string(), text);
            }
        }
    }

    TicketSnapshot {
        id: t.id,
        number: t.request_number.unwrap_or(t.id),
        subject: t.subject.clone().unwrap_or_default().trim().to_string(),
        description: html::to_text(t.description.as_deref().unwrap_or("")),
        priority,
        status: status_name,
        core,
        municipalities,
        service,
        category: categories.last().cloned(),
        company,
        source: None,
        assignee,
        created: t.created.unwrap_or(modified),
        modified,
        responded: t.responded,
        resolved: t.resolved,
        closed: t.closed,
        reopened_count: t.reopened_count,
        change,
        fields,
        modified_by_us,
        kind,
    }
}

fn first_hit(sources: &[FieldSource], f: impl Fn(&FieldSource) -> Vec<String>) -> Vec<String> {
    sources
        .iter()
        .map(f)
        .find(|v| !v.is_empty())
        .unwrap_or_default()
}

fn eq(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// `cf_N` text split on `,` and `;`.
pub(crate) fn custom_names(t: &Ticket, cf: &str) -> Vec<String> {
    t.custom(cf)
        .map(|v| {
            html::to_text(&v)
                .split([',', ';', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn municipalities_from(
    src: &FieldSource,
    t: &Ticket,
    company: Option<&str>,
    categories: &[String],
    all: &[Municipality],
) -> Vec<String> {
    // A name matches a municipality by its own name or one of its company names.
    let lookup = |names: &[String]| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for n in names {
            for m in all {
                if (eq(&m.name, n) || m.companies.iter().any(|c| eq(c, n)))
                    && !out.contains(&m.name)
                {
                    out.push(m.name.clone());
                }
            }
        }
        out
    };
    match src {
        FieldSource::RequesterCompany => {
            let Some(c) = company else { return Vec::new() };
            all.iter()
                .filter(|m| m.companies.iter().any(|x| eq(x, c)))
                .map(|m| m.name.clone())
                .collect()
        }
        FieldSource::Category => lookup(categories),
        FieldSource::CustomField(cf) => lookup(&custom_names(t, cf)),
    }
}

fn service_from(
    src: &FieldSource,
    t: &Ticket,
    categories: &[String],
    all: &[Service],
) -> Option<String> {
    match src {
        // The deepest category that names a service wins.
        FieldSource::Category => categories.iter().rev().find_map(|c| {
            all.iter()
                .find(|s| s.categories.iter().any(|x| eq(x, c)))
                .map(|s| s.name.clone())
        }),
        FieldSource::CustomField(cf) => custom_names(t, cf).iter().find_map(|n| {
            all.iter()
                .find(|s| eq(&s.name, n) || s.categories.iter().any(|x| eq(x, n)))
                .map(|s| s.name.clone())
        }),
        FieldSource::RequesterCompany => None,
    }
}

/// A change is cancelled when its status is one of `[pureservice.statuses] cancelled` or its
/// `[pureservice.fields] cancelled` field is set (a checkbox `true`, a date, a reason text).
fn is_cancelled(t: &Ticket, status: &str, ps: &PureserviceConfig) -> bool {
    let by_status = ps.cancelled_statuses.iter().any(|c| eq(c, status));
    let by_field = ps
        .fields
        .cancelled
        .as_deref()
        .and_then(|cf| t.custom(cf))
        .is_some_and(|v| {
            let v = v.trim().to_lowercase();
            !matches!(v.as_str(), "" | "false" | "0" | "nei" | "no" | "nej")
        });
    by_status || by_field
}

fn custom_time(t: &Ticket, cf: Option<&str>) -> Option<chrono::DateTime<chrono::Utc>> {
    super::time::parse_timestamp(&t.custom(cf?)?)
}

/// Normalises a Norwegian phone number to E.164: eight digits get `+47`, `0047…` becomes
/// `+47…`, spaces/dashes/dots/parentheses are removed. Anything else is returned cleaned.
pub fn normalize_phone(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')' | '\u{a0}'))
        .collect();
    let digits: String = cleaned.chars().filter(char::is_ascii_digit).collect();
    if cleaned.starts_with('+') && digits.len() + 1 == cleaned.len() {
        return cleaned;
    }
    if digits.len() != cleaned.len() {
        return cleaned;
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return format!("+{rest}");
    }
    match digits.len() {
        8 => format!("+47{digits}"),
        10 if digits.starts_with("47") => format!("+{digits}"),
        _ => digits,
    }
}

#[cfg(test)]
mod tests {
    use super::normalize_phone;

    #[test]
    fn phones() {
        assert_eq!(normalize_phone("90000201"), "+4790000201");
        assert_eq!(normalize_phone("900 00 201"), "+4790000201");
        assert_eq!(normalize_phone("+47 900 00 202"), "+4790000202");
        assert_eq!(normalize_phone("004790000203"), "+4790000203");
        assert_eq!(normalize_phone("4790000204"), "+4790000204");
        assert_eq!(normalize_phone("+46 70 000 00 00"), "+46700000000");
        assert_eq!(normalize_phone("ext. 12"), "ext12");
    }
}
