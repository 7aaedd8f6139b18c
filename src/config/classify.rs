//! `[[classify]]` rules and `[classification]` (new-ticket priorities, suspected major
//! incidents), `[changes]` and `[alerts]`.

use super::ctx::Ctx;
use super::raw::{RawAlerts, RawChanges, RawClassification, RawClassifyRule, L};
use super::refs::{self, Known};
use super::{
    AlertsConfig, Audience, ChangeConfig, ChannelRef, ClassifyAction, ClassifyConfig, ClassifyRule,
    Municipality, Service, SlaLevel,
};
use std::collections::BTreeMap;

fn action(s: Option<String>, path: &str, default: ClassifyAction, ctx: &mut Ctx) -> ClassifyAction {
    match s.as_deref() {
        None => default,
        Some("suggest") => ClassifyAction::Suggest,
        Some("set") => ClassifyAction::Set,
        Some(o) => {
            ctx.err(
                path,
                format!("unknown action {o:?}"),
                Some("use \"suggest\" (tell people) or \"set\" (write the priority into Pureservice)".into()),
            );
            default
        }
    }
}

fn level_ref(l: &str, path: &str, levels: &BTreeMap<String, SlaLevel>, ctx: &mut Ctx) {
    if !levels.contains_key(l) {
        let known: Vec<&str> = levels.keys().map(|s| s.as_str()).collect();
        ctx.err(
            path,
            format!("unknown SLA level {l:?}"),
            Some(format!("use one of: {}", known.join(", "))),
        );
    }
}

pub(super) struct Refs<'a> {
    pub levels: &'a BTreeMap<String, SlaLevel>,
    pub services: &'a [Service],
    pub municipalities: &'a [Municipality],
    pub known: &'a Known<'a>,
    /// The first role the plan tells: the neutral default of `notify` and `alerts.to`.
    pub lead_role: Option<&'a str>,
}

pub(super) fn build(
    raw_rules: Vec<RawClassifyRule>,
    raw: Option<RawClassification>,
    refs_: &Refs,
    ctx: &mut Ctx,
) -> ClassifyConfig {
    let raw = raw.unwrap_or_default();
    let p = |k: &str| format!("classification.{k}");
    let default_action = {
        let s = ctx.text(&raw.action, &p("action"));
        action(s, &p("action"), ClassifyAction::Suggest, ctx)
    };
    let default_level = ctx.text(&raw.default_level, &p("default_level"));
    if let Some(l) = &default_level {
        level_ref(l, &p("default_level"), refs_.levels, ctx);
    }
    let notify = match refs::audiences(&raw.notify, &p("notify"), refs_.known, ctx) {
        Some(v) => v,
        None => default_role(refs_.lead_role, &p("notify"), ctx),
    };
    let via = match refs::channels(&raw.via, &p("via"), refs_.known, ctx) {
        Some(v) => v,
        None => default_email(&p("via"), refs_.known, ctx),
    };
    let mut ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for (i, r) in raw_rules.iter().enumerate() {
        let path = format!("classify[{i}]");
        let q = |k: &str| format!("{path}.{k}");
        let id = ctx
            .text(&r.id, &q("id"))
            .unwrap_or_else(|| format!("classify-{i}"));
        if let Some(first) = ids.insert(id.clone(), i) {
            ctx.err(
                q("id"),
                format!("duplicate classify rule id {id:?} (also classify[{first}])"),
                None,
            );
        }
        let level = ctx
            .req_text(
                &r.level,
                &q("level"),
                "the SLA level to give matching tickets, e.g. \"kritisk\"",
            )
            .unwrap_or_default();
        if !level.is_empty() {
            level_ref(&level, &q("level"), refs_.levels, ctx);
        }
        let act = {
            let s = ctx.text(&r.action, &q("action"));
            action(s, &q("action"), default_action, ctx)
        };
        let services = ctx.list(&r.services, &q("services"));
        for (j, s) in services.iter().enumerate() {
            if !refs_.services.iter().any(|x| &x.name == s) {
                let names: Vec<&str> = refs_.services.iter().map(|x| x.name.as_str()).collect();
                ctx.err(
                    format!("{}[{j}]", q("services")),
                    format!("unknown service {s:?}"),
                    Some(format!("use a [[services]] name: {}", names.join(", "))),
                );
            }
        }
        let municipalities = ctx.list(&r.municipalities, &q("municipalities"));
        for (j, m) in municipalities.iter().enumerate() {
            if !refs_.municipalities.iter().any(|x| &x.name == m) {
                let names: Vec<&str> = refs_
                    .municipalities
                    .iter()
                    .map(|x| x.name.as_str())
                    .collect();
                ctx.err(
                    format!("{}[{j}]", q("municipalities")),
                    format!("unknown municipality {m:?}"),
                    Some(format!(
                        "use a [[municipalities]] name: {}",
                        names.join(", ")
                    )),
                );
            }
        }
        let life_and_health = ctx.flag(&r.life_and_health, &q("life_and_health"));
        if life_and_health && !refs_.services.iter().any(|s| s.life_and_health) {
            ctx.err(
                q("life_and_health"),
                "no service has life_and_health = true, so this can never match",
                Some("mark the Liv og Helse services in [[services]]".into()),
            );
        }
        let categories = ctx.list(&r.categories, &q("categories"));
        let sources = ctx.list(&r.sources, &q("sources"));
        let mut keyword_group = |raw: &L<Vec<String>>, key: &str| -> Vec<String> {
            let list: Vec<String> = ctx
                .list(raw, &q(key))
                .iter()
                .map(|k| k.trim().to_lowercase())
                .collect();
            for (j, k) in list.iter().enumerate() {
                if k.is_empty() {
                    ctx.err(
                        format!("{}[{j}]", q(key)),
                        "empty keyword: it would match every ticket",
                        None,
                    );
                }
            }
            list
        };
        let keywords = keyword_group(&r.keywords, "keywords");
        let also_keywords = keyword_group(&r.also_keywords, "also_keywords");
        if services.is_empty()
            && !life_and_health
            && categories.is_empty()
            && municipalities.is_empty()
            && sources.is_empty()
            && keywords.is_empty()
            && also_keywords.is_empty()
        {
            ctx.err(
                &path,
                format!("classify rule {id:?} has no match criteria, so it would match every ticket"),
                Some("give at least one of services, life_and_health, categories, municipalities, sources, keywords; use classification.default_level for a catch-all".into()),
            );
        }
        rules.push(ClassifyRule {
            id,
            level,
            action: act,
            services,
            life_and_health,
            categories,
            municipalities,
            sources,
            keywords,
            also_keywords,
        });
    }
    ClassifyConfig {
        rules,
        default_level,
        default_action,
        cluster_size: ctx.number(&raw.cluster_size, &p("cluster_size"), 2, 10_000, 5) as u32,
        cluster_window: ctx.wall(&raw.cluster_window, &p("cluster_window"), "10m"),
        notify,
        via,
    }
}

/// The default `to` list: the first role the plan tells (no organisation's role names are
/// built in); a plan that tells no role leaves nobody to default to, which is a problem.
fn default_role(lead_role: Option<&str>, path: &str, ctx: &mut Ctx) -> Vec<Audience> {
    match lead_role {
        Some(r) => vec![Audience::Role(r.to_string())],
        None => {
            ctx.err(
                path,
                "no recipients: this key is not set, and the plan tells no role it could default to",
                Some("set this key to your own roles, e.g. [\"role:NAME\"]".into()),
            );
            Vec::new()
        }
    }
}

fn default_email(path: &str, known: &Known, ctx: &mut Ctx) -> Vec<ChannelRef> {
    if known.channels.contains("email") {
        vec![ChannelRef::Email]
    } else {
        ctx.err(
            path,
            "the default channel \"email\" is not configured",
            Some("configure [channels.email] or set this key".into()),
        );
        Vec::new()
    }
}

pub(super) fn changes(raw: Option<RawChanges>, ctx: &mut Ctx) -> ChangeConfig {
    let raw = raw.unwrap_or_default();
    ChangeConfig {
        min_notice: ctx.duration(&raw.min_notice, "changes.min_notice", "3d"),
    }
}

pub(super) fn alerts(
    raw: Option<RawAlerts>,
    known: &Known,
    lead_role: Option<&str>,
    ctx: &mut Ctx,
) -> AlertsConfig {
    let raw = raw.unwrap_or_default();
    let to = match refs::audiences(&raw.to, "alerts.to", known, ctx) {
        Some(v) => {
            for (i, a) in v.iter().enumerate() {
                if !matches!(a, Audience::Role(_)) {
                    ctx.err(
                        format!("alerts.to[{i}]"),
                        format!("{a} has no meaning for alerts about slavakt itself"),
                        Some("use \"role:NAME\" entries".into()),
                    );
                }
            }
            v
        }
        None => default_role(lead_role, "alerts.to", ctx),
    };
    let via = match refs::channels(&raw.via, "alerts.via", known, ctx) {
        Some(v) => v,
        None => default_email("alerts.via", known, ctx),
    };
    AlertsConfig {
        to,
        via,
        outage_after: ctx.wall(&raw.outage_after, "alerts.outage_after", "10m"),
    }
}
