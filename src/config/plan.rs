//! `[[plan]]`: the communication plan, one rule per table. Checks each rule's `when`, `to`,
//! `via`, `priorities` and `template` against the rest of the config.

use super::ctx::{Ctx, DURATION_HINT};
use super::raw::RawPlanRule;
use super::refs::{self, Known};
use super::{AckPolicy, Audience, PlanRule, RuleFilters, SendWithin, SlaLevel, Trigger};
use crate::duration::HumanDuration;
use std::collections::BTreeMap;
use std::path::Path;

const WHEN_FORMS: &str = "\"opened\", { after = \"2h\" }, { every = \"1h\" }, { no_update_for = \"1h\" }, \"response_warning\", \"response_breached\", \"resolution_warning\", \"resolution_breached\", \"resolved\", \"reopened\", { change_starts_in = \"3d\" }, \"change_started\", \"change_completed\", \"change_moved\", \"change_cancelled\", \"change_short_notice\"";

pub(super) struct TemplateCheck<'a> {
    pub dir: Option<&'a Path>,
    pub language: &'a str,
}

impl TemplateCheck<'_> {
    fn exists(&self, name: &str) -> bool {
        crate::templates::template_exists(name, self.dir)
    }
}

/// The names `[[plan]]` filters may use: those of `[[services]]` and `[[municipalities]]`;
/// and the calendars `send_within` may name (every declared one, `24x7` included).
pub(super) struct Units<'a> {
    pub services: &'a [String],
    pub municipalities: &'a [String],
    pub calendars: &'a [String],
}

/// A filter list of service or municipality names; each must be listed in the config (when the
/// config lists any), so a typo does not silently turn a rule off.
fn names(
    v: &super::raw::L<Vec<String>>,
    path: &str,
    what: &str,
    known: &[String],
    ctx: &mut Ctx,
) -> Vec<String> {
    let list = ctx.list(v, path);
    if known.is_empty() {
        return list;
    }
    for (i, n) in list.iter().enumerate() {
        if !known.iter().any(|k| k.to_lowercase() == n.to_lowercase()) {
            ctx.err(
                format!("{path}[{i}]"),
                format!("unknown {what} {n:?}"),
                Some(format!("use one of: {}", known.join(", "))),
            );
        }
    }
    list
}

pub(super) fn build(
    raw: Vec<RawPlanRule>,
    levels: &BTreeMap<String, SlaLevel>,
    known: &Known,
    units: &Units,
    templates: &TemplateCheck,
    ctx: &mut Ctx,
) -> Vec<PlanRule> {
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let path = format!("plan[{i}]");
        let p = |k: &str| format!("{path}.{k}");
        let errors_before = ctx.errors.len();
        let id = ctx
            .req_text(&r.id, &p("id"), "a unique, stable name such as \"kritisk-status\" (it is the idempotency key: do not rename it later)")
            .unwrap_or_default();
        if id.chars().any(char::is_whitespace) {
            ctx.err(
                p("id"),
                format!("{id:?} contains white space"),
                Some("use letters, digits, - and _".into()),
            );
        }
        if !id.is_empty() {
            if let Some(first) = ids.insert(id.clone(), i) {
                ctx.err(
                    p("id"),
                    format!("duplicate rule id {id:?} (also plan[{first}])"),
                    Some("every rule needs its own id".into()),
                );
            }
        }
        let label = if id.is_empty() {
            String::new()
        } else {
            format!("rule {id:?}: ")
        };
        let mut priorities = Vec::new();
        for (j, l) in ctx.list(&r.priorities, &p("priorities")).iter().enumerate() {
            if levels.contains_key(l) {
                priorities.push(l.clone());
            } else {
                let known_levels: Vec<&str> = levels.keys().map(|s| s.as_str()).collect();
                ctx.err(
                    format!("{}[{j}]", p("priorities")),
                    format!("{label}unknown SLA level {l:?}"),
                    Some(format!(
                        "use SLA level names (not Pureservice priority names): {}",
                        known_levels.join(", ")
                    )),
                );
            }
        }
        let when = match ctx.req(&r.when, &p("when"), WHEN_FORMS) {
            Some(v) => trigger(&v, &p("when"), &label, ctx),
            None => None,
        };
        let to = refs::audiences(&r.to, &p("to"), known, ctx).unwrap_or_default();
        let via = refs::channels(&r.via, &p("via"), known, ctx).unwrap_or_default();
        if r.via.is_none() {
            ctx.err(
                p("via"),
                format!("{label}missing required key"),
                Some("the channels to use, e.g. [\"email\", \"sms\"]".into()),
            );
        } else if via.is_empty()
            && matches!(&r.via, Some(super::raw::Lenient::Ok(v)) if v.is_empty())
        {
            ctx.err(
                p("via"),
                format!("{label}no channel given"),
                Some("list at least one channel, e.g. [\"email\"]".into()),
            );
        }
        let personal = via.iter().any(|c| c.is_personal());
        let people = to.iter().any(|a| *a != Audience::Notified);
        let to_written_empty = match &r.to {
            None => true,
            Some(super::raw::Lenient::Ok(v)) => v.is_empty(),
            Some(_) => false,
        };
        if personal && to_written_empty {
            ctx.err(
                p("to"),
                format!("{label}via has e-mail/SMS but `to` names nobody"),
                Some(
                    "add recipients such as \"role:driftssjef\", or drop email/sms from via".into(),
                ),
            );
        }
        if people && !personal && !via.is_empty() {
            ctx.err(
                p("via"),
                format!("{label}`to` names recipients but via has no personal channel (email, sms), so they would get nothing"),
                Some("add \"email\" or \"sms\" to via, or remove `to`".into()),
            );
        }
        let template = ctx
            .req_text(
                &r.template,
                &p("template"),
                "a template name such as \"incident_alert\"",
            )
            .unwrap_or_default();
        if !template.is_empty() && !templates.exists(&template) {
            ctx.err(
                p("template"),
                format!("{label}unknown template {template:?}"),
                Some(format!(
                    "use a built-in template ({}) or put {template}.{}.j2 or {template}.j2 into daemon.templates_dir",
                    crate::templates::BUILTIN_NAMES.join(", "),
                    templates.language
                )),
            );
        }
        let important = ctx.flag(&r.important, &p("important"));
        let mut important_for = Vec::new();
        for (j, l) in ctx
            .list(&r.important_for, &p("important_for"))
            .iter()
            .enumerate()
        {
            if levels.contains_key(l) {
                important_for.push(l.clone());
            } else {
                let known_levels: Vec<&str> = levels.keys().map(|s| s.as_str()).collect();
                ctx.err(
                    format!("{}[{j}]", p("important_for")),
                    format!("{label}unknown SLA level {l:?}"),
                    Some(format!("use SLA level names: {}", known_levels.join(", "))),
                );
            }
        }
        let filters = RuleFilters {
            services: names(&r.services, &p("services"), "service", units.services, ctx),
            categories: ctx.list(&r.categories, &p("categories")),
            municipalities: names(
                &r.municipalities,
                &p("municipalities"),
                "municipality",
                units.municipalities,
                ctx,
            ),
        };
        let ack = ack_policy(r, &p, &label, known, templates, personal, ctx);
        let hold = send_within(r, &p, &label, units.calendars, ctx);
        // Name the rule in every problem about it (references are checked elsewhere).
        if !label.is_empty() {
            for e in &mut ctx.errors[errors_before..] {
                if !e.message.starts_with("rule ") {
                    e.message = format!("{label}{}", e.message);
                }
            }
        }
        if let Some(when) = when {
            out.push(PlanRule {
                id,
                priorities,
                when,
                to,
                via,
                template,
                important,
                important_for,
                filters,
                ack,
                hold,
            });
        }
    }
    out
}

/// `send_within` (a known calendar) and `hold_urgent` (only beside it).
fn send_within(
    r: &RawPlanRule,
    p: &dyn Fn(&str) -> String,
    label: &str,
    calendars: &[String],
    ctx: &mut Ctx,
) -> Option<SendWithin> {
    let urgent = ctx.flag(&r.hold_urgent, &p("hold_urgent"));
    let Some(calendar) = ctx.text(&r.send_within, &p("send_within")) else {
        if urgent {
            ctx.err(
                p("hold_urgent"),
                format!("{label}hold_urgent is set, but not which calendar to wait for"),
                Some(
                    "add send_within = \"kundeservice\" (a [calendars.NAME]), or drop hold_urgent"
                        .into(),
                ),
            );
        }
        return None;
    };
    if !calendars.contains(&calendar) {
        ctx.err(
            p("send_within"),
            format!("{label}unknown calendar {calendar:?}"),
            Some(format!("use one of: {}", calendars.join(", "))),
        );
        return None;
    }
    Some(SendWithin { calendar, urgent })
}

/// `ack_within` and `escalate_to` (both or neither), and `escalation_template`.
fn ack_policy(
    r: &RawPlanRule,
    p: &dyn Fn(&str) -> String,
    label: &str,
    known: &Known,
    templates: &TemplateCheck,
    personal: bool,
    ctx: &mut Ctx,
) -> Option<AckPolicy> {
    let escalate_to = refs::audiences(&r.escalate_to, &p("escalate_to"), known, ctx);
    if r.ack_within.is_none() {
        if r.escalate_to.is_some() || r.escalation_template.is_some() {
            ctx.err(
                p("ack_within"),
                format!(
                    "{label}escalate_to is given, but not how long to wait for an acknowledgement"
                ),
                Some("add ack_within = \"15m\"".into()),
            );
        }
        return None;
    }
    let within = ctx.wall(&r.ack_within, &p("ack_within"), "15m");
    if !personal {
        ctx.err(
            p("ack_within"),
            format!("{label}an acknowledgement is asked of people, but via has no e-mail or SMS"),
            Some("add \"email\" or \"sms\" to via".into()),
        );
    }
    let escalate_to = escalate_to.unwrap_or_default();
    if escalate_to.is_empty() {
        ctx.err(
            p("escalate_to"),
            format!("{label}nobody to tell when no one acknowledges"),
            Some("list the chain, e.g. escalate_to = [\"role:stedfortraeder\"]".into()),
        );
    }
    let template = ctx
        .text(&r.escalation_template, &p("escalation_template"))
        .unwrap_or_else(|| "escalation".into());
    if !templates.exists(&template) {
        ctx.err(
            p("escalation_template"),
            format!("{label}unknown template {template:?}"),
            Some("use the built-in \"escalation\" or a template in daemon.templates_dir".into()),
        );
    }
    Some(AckPolicy {
        within,
        escalate_to,
        template,
    })
}

fn trigger(v: &toml::Value, path: &str, label: &str, ctx: &mut Ctx) -> Option<Trigger> {
    let bad = |ctx: &mut Ctx, what: String| {
        ctx.err(
            path,
            format!("{label}{what}"),
            Some(format!("use one of {WHEN_FORMS}")),
        );
        None
    };
    match v {
        toml::Value::String(s) => Some(match s.as_str() {
            "opened" => Trigger::Opened,
            "response_warning" => Trigger::ResponseWarning,
            "response_breached" => Trigger::ResponseBreached,
            "resolution_warning" => Trigger::ResolutionWarning,
            "resolution_breached" => Trigger::ResolutionBreached,
            "resolved" => Trigger::Resolved,
            "reopened" => Trigger::Reopened,
            "change_started" => Trigger::ChangeStarted,
            "change_completed" => Trigger::ChangeCompleted,
            "change_moved" => Trigger::ChangeMoved,
            "change_cancelled" => Trigger::ChangeCancelled,
            "change_short_notice" => Trigger::ChangeShortNotice,
            "after" | "every" | "no_update_for" | "change_starts_in" => {
                return bad(
                    ctx,
                    format!("{s:?} needs a duration: write {{ {s} = \"1h\" }}"),
                )
            }
            other => return bad(ctx, format!("unknown trigger {other:?}")),
        }),
        toml::Value::Table(t) => {
            if t.len() != 1 {
                return bad(
                    ctx,
                    "a timed trigger is a table with exactly one key".into(),
                );
            }
            let (k, d) = t.iter().next().expect("one entry");
            let make: fn(HumanDuration) -> Trigger = match k.as_str() {
                "after" => Trigger::After,
                "every" => Trigger::Every,
                "no_update_for" => Trigger::NoUpdateFor,
                "change_starts_in" => Trigger::ChangeStartsIn,
                other => return bad(ctx, format!("unknown timed trigger {other:?}")),
            };
            let kpath = format!("{path}.{k}");
            let Some(s) = d.as_str() else {
                ctx.err(
                    kpath,
                    format!("{label}expected a duration string, found {}", d.type_str()),
                    Some(DURATION_HINT.into()),
                );
                return None;
            };
            match HumanDuration::parse(s) {
                Ok(d) => Some(make(d)),
                Err(e) => {
                    ctx.err(kpath, format!("{label}{e}"), Some(DURATION_HINT.into()));
                    None
                }
            }
        }
        other => bad(
            ctx,
            format!("expected a string or a table, found {}", other.type_str()),
        ),
    }
}
