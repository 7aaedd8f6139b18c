//! `check-config`'s template check: render every template the config uses (and the
//! serious-incident report's) with sample data, in the configured language, so a broken
//! override is found before the daemon needs it.

use super::{render, BUILTIN_NAMES};
use crate::config::Config;
use crate::plan::{Intent, IntentKey, Reason, Recipient};
use crate::report::incident;
use crate::ticket::{ChangePlan, CoreStatus, LevelChange, Person, Span, TrackedTicket};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::collections::BTreeMap;

/// Problems found, one line each (empty: every template renders).
pub fn check_all(config: &Config) -> Vec<String> {
    let now = Utc
        .with_ymd_and_hms(2027, 3, 24, 13, 30, 0)
        .single()
        .expect("valid date");
    let mut names: Vec<(String, Option<Reason>)> = config
        .plan
        .iter()
        .map(|r| (r.template.clone(), None))
        .collect();
    // Escalation templates of `ack_within` rules.
    names.extend(
        config
            .plan
            .iter()
            .filter_map(|r| Some((r.ack.as_ref()?.template.clone(), None))),
    );
    names.extend(BUILTIN_NAMES.iter().map(|n| (n.to_string(), None)));
    names.sort();
    names.dedup();
    let mut problems = Vec::new();
    for (name, _) in names {
        for resolved in [false, true] {
            let t = sample_ticket(config, now, resolved);
            let intent = sample_intent(&name, now);
            if let Err(e) = render(&intent, Some(&t), None, config, now) {
                problems.push(format!("{e} (with sample data)"));
                break;
            }
        }
    }
    // The serious-incident report's template (an override in templates_dir may break it).
    let t = sample_ticket(config, now, true);
    let facts = incident::facts::gather(&t, &crate::ledger::Ledger::default(), config, now);
    if let Err(e) = incident::render::render(&facts, config) {
        problems.push(format!("{e} (with sample data)"));
    }
    problems
}

/// Broken promises: a rule whose template says when the next status comes, to an audience
/// (and channel) that no `every` rule at an overlapping priority reaches. Such a message
/// drops the promise at run time (see `context::next_status`); check-config warns.
pub fn promise_warnings(config: &Config) -> Vec<String> {
    use crate::config::{Audience, Trigger};
    let lang = config.daemon.language;
    let dir = config.daemon.templates_dir.as_deref();
    let overlap = |a: &[String], b: &[String]| {
        a.is_empty() || b.is_empty() || a.iter().any(|p| b.contains(p))
    };
    let mut out = Vec::new();
    for rule in &config.plan {
        if matches!(rule.when, Trigger::Every(_)) {
            continue;
        }
        let promises =
            super::source(&rule.template, lang, dir).is_some_and(|s| s.contains("next_status"));
        if !promises {
            continue;
        }
        let mut readers: Vec<(String, String)> = Vec::new();
        for aud in rule.to.iter().filter(|a| **a != Audience::Notified) {
            for ch in rule.via.iter().filter(|c| c.is_personal()) {
                readers.push((aud.to_string(), ch.to_string()));
            }
        }
        // The internal note is a record on the ticket, not a reader waiting for a status (the
        // promise is left out of it at run time when no rule posts there).
        for ch in rule
            .via
            .iter()
            .filter(|c| !c.is_personal() && c.to_string() != "pureservice_note")
        {
            readers.push(("channel".into(), ch.to_string()));
        }
        for (aud, ch) in readers {
            let kept = config.plan.iter().any(|r| {
                matches!(r.when, Trigger::Every(_))
                    && overlap(&r.priorities, &rule.priorities)
                    && super::context::reaches(r, &aud, &ch)
            });
            if !kept {
                let who = if aud == "channel" {
                    ch.clone()
                } else {
                    format!("{aud} by {ch}")
                };
                out.push(format!(
                    "plan rule {:?}: template {:?} promises a next status to {who}, but no `every` rule reaches them (the promise is left out of the message)",
                    rule.id, rule.template
                ));
            }
        }
    }
    out
}

fn sample_intent(template: &str, now: DateTime<Utc>) -> Intent {
    let mut vars = BTreeMap::new();
    for (k, v) in [
        ("percent", "75"),
        ("clock", "resolution"),
        ("due", "2027-03-24T15:00:00+00:00"),
        ("since", "2027-03-24T12:00:00+00:00"),
        ("numbers", "1001, 1002"),
        ("silence", "1h"),
        ("after", "2h"),
        ("every", "1h"),
        ("n", "1"),
        ("count", "6"),
        ("ticket_count", "6"),
        ("tickets", "1001,1002,1003,1004,1005,1006"),
        ("rules", "incident-open-alert"),
        ("items", "#1001 Kritisk – Eksempel (incident-open-alert)\n#1002 Høy – Eksempel (incident-open-alert)"),
        ("level", "kritisk"),
        ("rule", "eksempel"),
        ("message", "Eksempel på driftsvarsel."),
        ("ack_url", "https://slavakt.kommune.example/ack/eksempel"),
        ("ack_within", "15 min"),
        ("not_answered", "Eksempel Mottaker"),
        ("escalation_step", "1"),
    ] {
        vars.insert(k.to_string(), v.to_string());
    }
    Intent {
        key: IntentKey {
            ticket: 1001,
            rule: "check-config".into(),
            occurrence: 0,
            channel: "email".into(),
            recipient: "eksempel@kommune.example".into(),
        },
        reason: Reason::Opened,
        audience: "role:incident_manager".into(),
        recipient: Recipient {
            name: "Eksempel Mottaker".into(),
            address: "eksempel@kommune.example".into(),
        },
        due_at: now,
        late: false,
        template: template.to_string(),
        important: true,
        vars,
    }
}

/// A ticket that exercises the templates: at the config's first level, with the first
/// municipality and service of the config and every optional field filled in.
fn sample_ticket(config: &Config, now: DateTime<Utc>, resolved: bool) -> TrackedTicket {
    let created = now - Duration::minutes(90);
    let level = config.sla.keys().next().cloned();
    let mut fields = BTreeMap::new();
    fields.insert("consequence".into(), "Pasientvarsling virker ikke".into());
    fields.insert("expected_fix".into(), "i løpet av dagen".into());
    fields.insert("cause".into(), "feil hos leverandør".into());
    fields.insert("units".into(), "Bergmo omsorgssenter".into());
    fields.insert("actions".into(), "leverandøren feilsøker".into());
    fields.insert("workaround".into(), "manuell runde hver time".into());
    fields.insert("fault_started".into(), "i natt".into());
    fields.insert("tell_callers".into(), "feilen er kjent".into());
    TrackedTicket {
        id: 1001,
        number: 1001,
        subject: "Eksempelsak".into(),
        municipalities: config
            .municipalities
            .iter()
            .take(1)
            .map(|m| m.name.clone())
            .collect(),
        service: config.services.first().map(|s| s.name.clone()),
        category: None,
        assignee: Some(Person {
            name: "Eksempel Saksbehandler".into(),
            email: Some("saksbehandler@kommune.example".into()),
            phone: None,
        }),
        assigned: Some(created),
        created,
        first_seen: created,
        last_modified: created,
        status: "Under arbeid".into(),
        core: if resolved {
            CoreStatus::Solved
        } else {
            CoreStatus::Open
        },
        levels: vec![LevelChange {
            at: created,
            level,
            priority: None,
        }],
        pauses: Vec::new(),
        responded: Some(created + Duration::minutes(5)),
        resolutions: if resolved {
            vec![Span {
                start: now - Duration::minutes(1),
                end: None,
            }]
        } else {
            Vec::new()
        },
        last_agent_update: created,
        resolved_when_first_seen: false,
        change: Some(ChangePlan {
            planned_start: Some(now + Duration::days(3)),
            planned_end: Some(now + Duration::days(3) + Duration::hours(2)),
            cancelled: false,
        }),
        change_revisions: Vec::new(),
        classification: None,
        fields,
        status_changes: Vec::new(),
        kind: Default::default(),
        backfilled: None,
    }
}
