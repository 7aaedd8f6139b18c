//! Scenario files for `simulate`: a TOML list of ticket events (INTERFACE.md), parsed with line
//! numbers for every error, and replayed ([`replay`]) through the same tracker, SLA and plan
//! code as the daemon.

mod names;
mod replay;

pub use names::resolve as resolve_names;
pub use names::unknown_statuses;
pub use replay::{replay, Action, Deadline, Simulation};

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What happens to a ticket at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The ticket appears (first event of every ticket).
    Created,
    /// Its priority changes (`priority` required).
    Priority,
    /// Its status changes (`status` required); pause statuses stop the clocks.
    Status,
    /// First response to the user.
    Responded,
    /// Solved (a change: completed).
    Resolved,
    /// Opened again after being solved.
    Reopened,
    /// Closed (counts as solved if it was not).
    Closed,
    /// A planned change's start/end moved (`planned_start` / `planned_end`).
    Planned,
    /// A planned change was cancelled.
    Cancelled,
    /// Any other update by an agent (a comment, a field change): resets "no update for".
    Update,
    /// Someone acknowledged the call-out of an `ack_within` rule (as by its link): `by` names
    /// them, `rule` the rule (default: every such rule that has told the ticket so far).
    Ack,
}

/// One `[[event]]`. Optional descriptive fields may accompany any kind and update the ticket.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub at: DateTime<chrono::FixedOffset>,
    pub ticket: u64,
    pub kind: EventKind,
    /// Pureservice priority name (`Kritisk`) or SLA level name.
    pub priority: Option<String>,
    pub status: Option<String>,
    pub subject: Option<String>,
    pub description: Option<String>,
    /// The affected municipality, or several: `"Molde"` or `["Molde", "Aukra"]`.
    pub municipality: Option<Names>,
    /// Several affected municipalities (instead of `municipality`).
    pub municipalities: Option<Vec<String>>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub company: Option<String>,
    pub source: Option<String>,
    /// The ticket's assignee (name); `assignee_email` / `assignee_phone` give addresses.
    pub assignee: Option<String>,
    pub assignee_email: Option<String>,
    pub assignee_phone: Option<String>,
    /// `"change"` on a `created` event makes it a planned change.
    #[serde(rename = "type")]
    pub ticket_type: Option<String>,
    pub planned_start: Option<DateTime<chrono::FixedOffset>>,
    pub planned_end: Option<DateTime<chrono::FixedOffset>>,
    /// Template fields: `consequence`, `expected_fix`, `cause`, `units`.
    pub fields: Option<BTreeMap<String, String>>,
    /// The ticket number people see (default: the ticket id).
    pub number: Option<u64>,
    /// The change was made by slavakt itself (not an agent's status update).
    #[serde(default)]
    pub by_us: bool,
    /// `ack`: who acknowledged (default `scenario`).
    pub by: Option<String>,
    /// `ack`: the rule whose call-out is acknowledged.
    pub rule: Option<String>,
    /// Line of the event in the file (filled in by the parser).
    #[serde(skip)]
    pub line: usize,
}

/// One name or a list of names.
#[derive(Debug, Clone, PartialEq)]
pub enum Names {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for Names {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Untagged by hand, for an error message an admin understands.
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            One(String),
            Many(Vec<String>),
        }
        match Either::deserialize(d) {
            Ok(Either::One(s)) => Ok(Names::One(s)),
            Ok(Either::Many(v)) => Ok(Names::Many(v)),
            Err(_) => Err(serde::de::Error::custom(
                "expected a name or a list of names, e.g. \"Molde\" or [\"Molde\", \"Aukra\"]",
            )),
        }
    }
}

impl Names {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Names::One(s) => vec![s.clone()],
            Names::Many(v) => v.clone(),
        }
    }
}

impl Event {
    pub fn at_utc(&self) -> DateTime<Utc> {
        self.at.with_timezone(&Utc)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub until: DateTime<Utc>,
    /// In time order (events at the same instant keep their file order).
    pub events: Vec<Event>,
}

/// A scenario problem with where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{field}: {message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct ScenarioError {
    pub line: Option<usize>,
    /// `until`, `event[3].priority`, …
    pub field: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    until: toml::Spanned<DateTime<chrono::FixedOffset>>,
    #[serde(default, rename = "event")]
    events: Vec<toml::Spanned<Event>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses and checks a scenario: every ticket starts with `created`, kinds have the fields
/// they need, times are RFC 3339, nothing happens after `until`.
pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    let raw: RawScenario = toml::from_str(text).map_err(|e| ScenarioError {
        line: e.span().map(|s| line_of(text, s.start)),
        field: "scenario".into(),
        message: e.message().to_string(),
    })?;
    let until = raw.until.get_ref().with_timezone(&Utc);
    let mut events: Vec<Event> = raw
        .events
        .into_iter()
        .map(|s| {
            let line = line_of(text, s.span().start);
            let mut e = s.into_inner();
            e.line = line;
            e
        })
        .collect();
    let mut created: BTreeMap<u64, DateTime<Utc>> = BTreeMap::new();
    for (i, e) in events.iter().enumerate() {
        if e.kind == EventKind::Created && created.insert(e.ticket, e.at_utc()).is_some() {
            return Err(ScenarioError {
                line: Some(e.line),
                field: format!("event[{i}].kind"),
                message: format!("ticket {} is created twice", e.ticket),
            });
        }
    }
    for (i, e) in events.iter().enumerate() {
        let bad = |field: &str, message: String| ScenarioError {
            line: Some(e.line),
            field: format!("event[{i}].{field}"),
            message,
        };
        let at = e.at_utc();
        if at > until {
            return Err(bad(
                "at",
                format!(
                    "{} is after `until` ({})",
                    e.at.to_rfc3339(),
                    raw.until.get_ref().to_rfc3339()
                ),
            ));
        }
        match e.kind {
            EventKind::Created => {
                if let Some(t) = e
                    .ticket_type
                    .as_deref()
                    .filter(|t| *t != "change" && *t != "incident")
                {
                    return Err(bad(
                        "type",
                        format!("{t:?} is not a ticket type; use \"change\" or leave it out"),
                    ));
                }
            }
            _ => match created.get(&e.ticket) {
                None => {
                    return Err(bad(
                        "ticket",
                        format!("ticket {} has no earlier `created` event", e.ticket),
                    ))
                }
                Some(c) if *c > at => {
                    return Err(bad(
                        "at",
                        format!("ticket {} is not created until later", e.ticket),
                    ))
                }
                _ => {}
            },
        }
        if e.kind == EventKind::Priority && e.priority.is_none() {
            return Err(bad(
                "priority",
                "a `priority` event needs `priority = \"…\"`".into(),
            ));
        }
        if e.kind == EventKind::Status && e.status.is_none() {
            return Err(bad(
                "status",
                "a `status` event needs `status = \"…\"`".into(),
            ));
        }
        if e.kind == EventKind::Planned && e.planned_start.is_none() && e.planned_end.is_none() {
            return Err(bad(
                "planned_start",
                "a `planned` event needs `planned_start` and/or `planned_end`".into(),
            ));
        }
        if e.municipality.is_some() && e.municipalities.is_some() {
            return Err(bad(
                "municipalities",
                "give `municipality` or `municipalities`, not both".into(),
            ));
        }
    }
    // Stable: same-instant events keep file order.
    events.sort_by_key(|e| e.at_utc());
    Ok(Scenario { until, events })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "until = \"2027-03-24T16:00:00+01:00\"\n";

    fn ev(at: &str, ticket: u64, kind: &str, extra: &str) -> String {
        format!("\n[[event]]\nat = \"{at}\"\nticket = {ticket}\nkind = \"{kind}\"\n{extra}")
    }

    #[test]
    fn events_are_sorted_and_keep_their_lines() {
        let text = format!(
            "{HEAD}{}{}",
            ev("2027-03-24T11:00:00+01:00", 1, "resolved", ""),
            ev(
                "2027-03-24T10:00:00+01:00",
                1,
                "created",
                "priority = \"Kritisk\"\n"
            )
        );
        let s = parse(&text).unwrap();
        assert_eq!(s.events[0].kind, EventKind::Created);
        assert_eq!(s.events[0].line, 8);
        assert_eq!(s.events[1].line, 3);
    }

    #[test]
    fn problems_name_line_and_field() {
        let cases = [
            (ev("2027-03-24T10:00:00+01:00", 1, "status", ""), "ticket"),
            (
                format!(
                    "{}{}",
                    ev("2027-03-24T10:00:00+01:00", 1, "created", ""),
                    ev("2027-03-24T11:00:00+01:00", 1, "status", "")
                ),
                "event[1].status",
            ),
            (
                ev("2027-03-25T10:00:00+01:00", 1, "created", ""),
                "after `until`",
            ),
            (
                ev(
                    "2027-03-24T10:00:00+01:00",
                    1,
                    "created",
                    "colour = \"red\"\n",
                ),
                "colour",
            ),
            (
                ev(
                    "2027-03-24T10:00:00+01:00",
                    1,
                    "created",
                    "type = \"problem\"\n",
                ),
                "type",
            ),
        ];
        for (body, want) in cases {
            let err = parse(&format!("{HEAD}{body}")).unwrap_err();
            assert!(err.line.is_some(), "{err}");
            assert!(err.to_string().contains(want), "{err} (wanted {want})");
        }
    }
}
