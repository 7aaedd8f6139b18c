//! Builds the typed [`Config`] section by section, in dependency order, and runs the checks
//! that span sections (off-hours calendar, municipalities without critical contacts).

use super::ctx::Ctx;
use super::raw::{RawChannels, RawPureservice};
use super::refs::Known;
use super::validate::{array_section, named_section, section};
use super::{calendars, channels, classify, daemon, people, plan, pureservice, reports, sla};
use super::{Audience, Config};
use std::collections::BTreeSet;
use std::path::Path;

pub(super) fn build(table: &mut toml::Table, origin: &Path, ctx: &mut Ctx) -> Config {
    let mut take = |k: &str| table.remove(k);
    let table_or_empty =
        |v: Option<toml::Value>| v.unwrap_or_else(|| toml::Value::Table(toml::Table::new()));

    let raw_daemon = section(table_or_empty(take("daemon")), "daemon", ctx);
    let (daemon, extra) = daemon::build(&raw_daemon, ctx);

    let raw_calendars = named_section(take("calendars"), "calendars", ctx);
    // A calendar with problems of its own is left out of `calendars`; references to it are not
    // "unknown" (its own problems are already listed, a second report would mislead).
    let declared_calendars: BTreeSet<String> =
        raw_calendars.iter().map(|(n, _)| n.clone()).collect();
    let calendars = calendars::build(raw_calendars, daemon.timezone, ctx);
    let calendar_known =
        |name: &str| calendars.contains_key(name) || declared_calendars.contains(name);
    if !calendar_known(&daemon.off_hours_calendar) && extra.off_hours_calendar_set {
        ctx.err(
            "daemon.off_hours_calendar",
            format!("unknown calendar {:?}", daemon.off_hours_calendar),
            Some("name a [calendars.NAME] table".into()),
        );
    }
    let mut raw_sla = take("sla");
    let on_priority_change = sla::on_priority_change(&mut raw_sla, ctx);
    let sla = sla::build(
        named_section(raw_sla, "sla", ctx),
        &calendars,
        &declared_calendars,
        ctx,
    );

    let raw_ps: Option<RawPureservice> =
        take("pureservice").map(|v| section(v, "pureservice", ctx));
    let pureservice = pureservice::build(raw_ps, &sla, ctx);

    let roles = people::roles(named_section(take("roles"), "roles", ctx), ctx);
    if roles.values().any(|r| r.off_hours.is_some())
        && !calendar_known(&daemon.off_hours_calendar)
        && !extra.off_hours_calendar_set
    {
        ctx.err(
            "daemon.off_hours_calendar",
            format!("roles use off_hours, but the default calendar {:?} does not exist", daemon.off_hours_calendar),
            Some("set daemon.off_hours_calendar to the calendar whose closed hours make stand-ins take over".into()),
        );
    }
    let municipalities = people::municipalities(
        array_section(take("municipalities"), "municipalities", ctx),
        ctx,
    );
    let services = people::services(array_section(take("services"), "services", ctx), ctx);

    let raw_channels: Option<RawChannels> = take("channels").map(|v| section(v, "channels", ctx));
    let declared = declared_channels(raw_channels.as_ref());
    let channels = channels::build(raw_channels, ctx);
    let known = Known {
        roles: &roles,
        channels: declared,
    };

    let templates = plan::TemplateCheck {
        dir: daemon.templates_dir.as_deref(),
        language: daemon.language.code(),
    };
    let unit_names = |v: Vec<&String>| v.into_iter().cloned().collect::<Vec<String>>();
    let service_names = unit_names(services.iter().map(|s| &s.name).collect());
    let municipality_names = unit_names(municipalities.iter().map(|m| &m.name).collect());
    let mut calendar_names: Vec<String> = calendars.keys().cloned().collect();
    calendar_names.extend(declared_calendars.iter().cloned());
    calendar_names.sort();
    calendar_names.dedup();
    let units = plan::Units {
        services: &service_names,
        municipalities: &municipality_names,
        calendars: &calendar_names,
    };
    let plan = plan::build(
        array_section(take("plan"), "plan", ctx),
        &sla,
        &known,
        &units,
        &templates,
        ctx,
    );
    unit_teams(&municipalities, &services, &known, ctx);
    if plan
        .iter()
        .any(|r| r.to.contains(&Audience::MunicipalityCritical))
    {
        for (i, m) in municipalities.iter().enumerate() {
            if !m.contacts.iter().any(|c| c.critical) {
                ctx.err(
                    format!("municipalities[{i}].contacts"),
                    format!("municipality {:?} has no critical contact, but the plan sends to municipality:critical", m.name),
                    Some("mark its priority-1 contacts with critical = true".into()),
                );
            }
        }
    }

    let lead_role = plan.iter().flat_map(|r| &r.to).find_map(|a| match a {
        Audience::Role(n) => Some(n.as_str()),
        _ => None,
    });
    let refs = classify::Refs {
        levels: &sla,
        services: &services,
        municipalities: &municipalities,
        known: &known,
        lead_role,
    };
    let classify_rules = array_section(take("classify"), "classify", ctx);
    let raw_classification = take("classification").map(|v| section(v, "classification", ctx));
    let classify = classify::build(classify_rules, raw_classification, &refs, ctx);
    let changes = classify::changes(take("changes").map(|v| section(v, "changes", ctx)), ctx);
    let alerts = classify::alerts(
        take("alerts").map(|v| section(v, "alerts", ctx)),
        &known,
        lead_role,
        ctx,
    );
    let reports = reports::build(array_section(take("reports"), "reports", ctx), &known, ctx);
    let incident_report = super::incident_report::build(
        take("incident_report").map(|v| section(v, "incident_report", ctx)),
        &known,
        lead_role,
        ctx,
    );
    let public = super::public::build(take("public").map(|v| section(v, "public", ctx)), ctx);
    let state = super::state::build(take("state").map(|v| section(v, "state", ctx)), ctx);

    Config {
        source: origin.to_path_buf(),
        daemon,
        pureservice,
        calendars,
        sla,
        on_priority_change,
        roles,
        municipalities,
        services,
        channels,
        plan,
        classify,
        changes,
        alerts,
        reports,
        incident_report,
        public,
        state,
    }
}

/// Every `teams` target named on a `[[municipalities]]` or `[[services]]` entry is configured.
fn unit_teams(
    municipalities: &[super::Municipality],
    services: &[super::Service],
    known: &Known,
    ctx: &mut Ctx,
) {
    let named = municipalities
        .iter()
        .enumerate()
        .map(|(i, m)| (format!("municipalities[{i}].teams"), &m.teams))
        .chain(
            services
                .iter()
                .enumerate()
                .map(|(i, s)| (format!("services[{i}].teams"), &s.teams)),
        );
    for (path, teams) in named {
        if let Some(t) = teams {
            if !known.channels.contains(&format!("teams:{t}")) {
                ctx.err(
                    path,
                    format!("Teams target {t:?} is not configured"),
                    Some(format!("configure [channels.teams.{t}]")),
                );
            }
        }
    }
}

/// Channel names as `via` writes them, for every channel table present in the file.
fn declared_channels(raw: Option<&RawChannels>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let Some(c) = raw else { return out };
    if c.email.is_some() {
        out.insert("email".into());
    }
    if c.sms.is_some() {
        out.insert("sms".into());
    }
    if c.intranet.is_some() {
        out.insert("intranet".into());
    }
    if let Some(n) = &c.pureservice_note {
        if !matches!(n.enabled, Some(super::raw::Lenient::Ok(false))) {
            out.insert("pureservice_note".into());
        }
    }
    for name in c.teams.iter().flat_map(|t| t.keys()) {
        out.insert(format!("teams:{name}"));
    }
    out
}
