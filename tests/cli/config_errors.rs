//! One broken config per kind of problem: the problem is reported with its key path and a
//! message saying what is wrong; and a config with many problems lists every one of them.

use slavakt::config::{self, ConfigErrors};
use std::collections::BTreeMap;
use std::path::Path;

fn shipped() -> String {
    std::fs::read_to_string("config/slavakt.toml").unwrap()
}

/// The shipped config with `from` replaced by `to` (which must occur).
fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "test setup: {from:?} not in config");
    text.replacen(from, to, 1)
}

fn errors_of(text: &str) -> ConfigErrors {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slavakt.toml");
    match config::from_str(text, &path, &BTreeMap::new()) {
        Ok(_) => panic!("config should be invalid"),
        Err(e) => e,
    }
}

/// Asserts that a problem at exactly `path` mentions `what`.
#[track_caller]
fn assert_problem(text: &str, path: &str, what: &str) {
    let errs = errors_of(text);
    assert!(
        errs.errors
            .iter()
            .any(|e| e.path == path && e.message.contains(what)),
        "expected {path}: …{what}… in\n{errs}"
    );
    // Every problem comes with a path and a message.
    assert!(errs
        .errors
        .iter()
        .all(|e| !e.path.is_empty() && !e.message.is_empty()));
}

#[test]
fn toml_syntax_error_has_line_and_column() {
    let text = edit(
        &shipped(),
        "poll_interval = \"30s\"",
        "poll_interval = = \"30s\"",
    );
    let line = text
        .lines()
        .position(|l| l.starts_with("poll_interval = ="))
        .unwrap()
        + 1;
    let errs = errors_of(&text);
    assert_eq!(errs.errors.len(), 1, "{errs}");
    assert!(
        errs.errors[0]
            .path
            .starts_with(&format!("line {line}, column ")),
        "{errs}"
    );
    assert!(errs.errors[0].message.contains("TOML syntax error"));
}

#[test]
fn unknown_keys_are_listed_with_their_full_paths() {
    let text = edit(&shipped(), "port = 587", "port = 587\nbogus = 1");
    let text = edit(
        &text,
        "id = \"hoy-thread\"",
        "id = \"hoy-thread\"\nwhen_later = \"1h\"",
    );
    let text = edit(&text, "[daemon]", "[deamon]\nx = 1\n\n[daemon]");
    let text = edit(
        &text,
        "title = \"IT-kontakt\"",
        "title = \"IT-kontakt\"\nmobile = \"+4790000999\"",
    );
    let errs = errors_of(&text);
    for p in [
        "channels.email.bogus",
        "plan[5].when_later",
        "deamon",
        "municipalities[0].contacts[1].mobile",
    ] {
        assert!(
            errs.errors.iter().any(|e| e.path == p),
            "{p} missing in\n{errs}"
        );
    }
}

#[test]
fn wrong_type_names_expected_and_found() {
    let text = edit(&shipped(), "port = 587", "port = \"587\"");
    assert_problem(
        &text,
        "channels.email.port",
        "expected a whole number, found string",
    );
}

#[test]
fn plan_rule_unknown_role() {
    let text = edit(
        &shipped(),
        "to = [\"role:driftssjef\"]",
        "to = [\"role:driftsjef\"]",
    );
    assert_problem(&text, "plan[7].to[0]", "unknown role \"driftsjef\"");
}

#[test]
fn plan_rule_bad_recipient_syntax() {
    let text = edit(
        &shipped(),
        "to = [\"role:driftssjef\"]",
        "to = [\"everyone\"]",
    );
    assert_problem(&text, "plan[7].to[0]", "is not a recipient");
}

#[test]
fn plan_rule_unknown_level() {
    let text = edit(
        &shipped(),
        "priorities = [\"hoy\"]\nwhen = { after = \"2h\" }",
        "priorities = [\"Høy\"]\nwhen = { after = \"2h\" }",
    );
    assert_problem(&text, "plan[7].priorities[0]", "unknown SLA level \"Høy\"");
}

#[test]
fn plan_rule_unconfigured_teams_target() {
    let text = edit(
        &shipped(),
        "id = \"hoy-thread\"\npriorities = [\"hoy\"]\nwhen = \"opened\"\nvia = [\"teams:ik_varsling\"]",
        "id = \"hoy-thread\"\npriorities = [\"hoy\"]\nwhen = \"opened\"\nvia = [\"teams:ik-varsling\"]",
    );
    assert_problem(
        &text,
        "plan[5].via[0]",
        "channel \"teams:ik-varsling\" is not configured",
    );
}

#[test]
fn plan_rule_bad_channel_syntax() {
    let text = edit(
        &shipped(),
        "via = [\"email\", \"sms\"]",
        "via = [\"email\", \"fax\"]",
    );
    assert_problem(&text, "plan[0].via[1]", "\"fax\" is not a channel");
}

#[test]
fn plan_rule_unknown_trigger_and_bad_duration() {
    let text = edit(&shipped(), "when = \"resolved\"", "when = \"solved\"");
    assert_problem(&text, "plan[13].when", "unknown trigger \"solved\"");
    let text = edit(
        &shipped(),
        "when = { after = \"2h\" }",
        "when = { after = \"2 hours\" }",
    );
    assert_problem(&text, "plan[7].when.after", "not a duration");
    let text = edit(
        &shipped(),
        "when = { after = \"2h\" }",
        "when = { afterwards = \"2h\" }",
    );
    assert_problem(
        &text,
        "plan[7].when",
        "unknown timed trigger \"afterwards\"",
    );
}

#[test]
fn plan_rule_unknown_template() {
    let text = edit(
        &shipped(),
        "template = \"sla_breach\"",
        "template = \"sla_breakfast\"",
    );
    assert_problem(
        &text,
        "plan[17].template",
        "unknown template \"sla_breakfast\"",
    );
}

#[test]
fn plan_rule_email_without_recipients() {
    let text = edit(
        &shipped(),
        "to = [\"role:daglig_leder\"]\nvia = [\"email\"]",
        "via = [\"email\"]",
    );
    assert_problem(&text, "plan[8].to", "names nobody");
}

#[test]
fn duplicate_rule_ids() {
    let text = edit(&shipped(), "id = \"hoy-status\"", "id = \"kritisk-status\"");
    assert_problem(
        &text,
        "plan[10].id",
        "duplicate rule id \"kritisk-status\" (also plan[9])",
    );
}

#[test]
fn priority_mapped_to_missing_level() {
    let text = edit(&shipped(), "\"Lav\" = \"lav\"", "\"Lav\" = \"low\"");
    assert_problem(
        &text,
        "pureservice.priorities.Lav",
        "unknown SLA level \"low\"",
    );
    let text = edit(&shipped(), "\"Høy\" = \"hoy\"", "\"Høy\" = \"høy\"");
    assert_problem(
        &text,
        "pureservice.priorities.\"Høy\"",
        "unknown SLA level \"høy\"",
    );
}

#[test]
fn overlapping_and_inverted_hours() {
    let text = edit(
        &shipped(),
        "mon = [\"08:00-15:30\"]",
        "mon = [\"08:00-12:00\", \"11:00-15:30\"]",
    );
    assert_problem(&text, "calendars.kundeservice.hours.mon[1]", "overlaps");
    let text = edit(
        &shipped(),
        "tue = [\"08:00-15:30\"]",
        "tue = [\"15:30-08:00\"]",
    );
    assert_problem(
        &text,
        "calendars.kundeservice.hours.tue[0]",
        "ends before it starts",
    );
    let text = edit(&shipped(), "wed = [\"08:00-15:30\"]", "wed = [\"8-15\"]");
    assert_problem(
        &text,
        "calendars.kundeservice.hours.wed[0]",
        "not a time of day",
    );
}

#[test]
fn a_broken_calendar_is_reported_once_not_again_as_unknown_where_it_is_used() {
    // kundeservice is used by sla.middels, sla.lav and daemon.off_hours_calendar.
    let text = edit(
        &shipped(),
        "tue = [\"08:00-15:30\"]",
        "tue = [\"15:30-08:00\"]",
    );
    let errs = errors_of(&text);
    assert!(
        errs.errors
            .iter()
            .any(|e| e.path == "calendars.kundeservice.hours.tue[0]"),
        "{errs}"
    );
    assert!(
        errs.errors
            .iter()
            .all(|e| !e.message.contains("unknown calendar")
                && !e.message.contains("does not exist")),
        "{errs}"
    );
}

#[test]
fn calendar_dates_holidays_and_builtin_name() {
    let text = edit(&shipped(), "holidays = \"NO\"", "holidays = \"SE\"");
    assert_problem(
        &text,
        "calendars.kundeservice.holidays",
        "unknown holiday set \"SE\"",
    );
    let text = edit(
        &shipped(),
        "closed = [\"2026-12-24\"",
        "closed = [\"24.12.2026\"",
    );
    assert_problem(&text, "calendars.kundeservice.closed[0]", "is not a date");
    let text = format!(
        "{}\n[calendars.24x7]\nhours = {{ mon = [\"00:00-24:00\"] }}\n",
        shipped()
    );
    assert_problem(&text, "calendars.24x7", "built in");
    let text = edit(
        &shipped(),
        "\ncalendar = \"kundeservice\"",
        "\ncalendar = \"kontortid\"",
    );
    assert_problem(
        &text,
        "sla.middels.calendar",
        "unknown calendar \"kontortid\"",
    );
}

#[test]
fn phone_not_e164_and_bad_email() {
    let text = edit(
        &shipped(),
        "phone = \"+4790000101\"",
        "phone = \"900 00 101\"",
    );
    assert_problem(
        &text,
        "roles.incident_manager.phone",
        "not an E.164 phone number",
    );
    let text = edit(
        &shipped(),
        "phone = \"+4790000211\"",
        "phone = \"004790000211\"",
    );
    assert_problem(&text, "municipalities[1].contacts[0].phone", "not an E.164");
    let text = edit(
        &shipped(),
        "email = \"per.kvalvik@ror-ikt.example\"",
        "email = \"per.kvalvik\"",
    );
    assert_problem(
        &text,
        "roles.varslingsansvarlig.email",
        "not an e-mail address",
    );
}

#[test]
fn unknown_time_zone() {
    let text = edit(
        &shipped(),
        "timezone = \"Europe/Oslo\"",
        "timezone = \"Europe/Olso\"",
    );
    assert_problem(
        &text,
        "daemon.timezone",
        "unknown time zone \"Europe/Olso\"",
    );
}

#[test]
fn unreadable_secret_file_and_both_forms() {
    let text = edit(
        &shipped(),
        "api_key = \"CHANGE-ME\"",
        "api_key_file = \"no-such-key.txt\"",
    );
    assert_problem(&text, "pureservice.api_key_file", "cannot read secret file");
    let text = edit(
        &shipped(),
        "api_key = \"CHANGE-ME\"",
        "api_key = \"CHANGE-ME\"\napi_key_file = \"key.txt\"",
    );
    assert_problem(
        &text,
        "pureservice.api_key_file",
        "both api_key and api_key_file are set",
    );
}

#[test]
fn duplicate_municipality_and_service() {
    let text = edit(&shipped(), "name = \"Rauma\"", "name = \"Molde\"");
    assert_problem(
        &text,
        "municipalities[2].name",
        "duplicate municipality \"Molde\"",
    );
    let text = edit(&shipped(), "name = \"Nettverk\"", "name = \"Gerica\"");
    assert_problem(&text, "services[4].name", "duplicate service \"Gerica\"");
}

#[test]
fn off_hours_names_missing_role() {
    let text = edit(
        &shipped(),
        "off_hours = \"vakthavende\"",
        "off_hours = \"vakt\"",
    );
    assert_problem(
        &text,
        "roles.varslingsansvarlig.off_hours",
        "unknown role \"vakt\"",
    );
}

#[test]
fn bad_durations_and_percentages() {
    let text = edit(
        &shipped(),
        "response = \"15m\"",
        "response = \"15 minutes\"",
    );
    assert_problem(&text, "sla.kritisk.response", "not a duration");
    let text = edit(&shipped(), "warn_at = [\"75%\"]", "warn_at = [\"75\"]");
    assert_problem(&text, "sla.kritisk.warn_at[0]", "not a percentage");
    let text = edit(
        &shipped(),
        "poll_interval = \"30s\"",
        "poll_interval = \"1wd\"",
    );
    assert_problem(&text, "daemon.poll_interval", "working days");
}

#[test]
fn bad_cron_in_reports() {
    let text = edit(
        &shipped(),
        "schedule = \"0 0 7 1 * *\"",
        "schedule = \"monthly\"",
    );
    assert_problem(&text, "reports[0].schedule", "is not a cron expression");
    let text = edit(&shipped(), "\"styret@ror-ikt.example\"", "\"role:styret\"");
    assert_problem(&text, "reports[0].to[2]", "unknown role \"styret\"");
}

#[test]
fn classify_rules_reference_known_names_and_match_something() {
    let text = edit(
        &shipped(),
        "services = [\"Sensio Pasientvarsling\"]",
        "services = [\"Sensio\"]",
    );
    assert_problem(
        &text,
        "classify[1].services[0]",
        "unknown service \"Sensio\"",
    );
    let text = edit(&shipped(), "level = \"hoy\"", "level = \"high\"");
    assert_problem(&text, "classify[2].level", "unknown SLA level \"high\"");
    let text = format!(
        "{}\n[[classify]]\nid = \"molde\"\nlevel = \"hoy\"\nmunicipalities = [\"Molde by\"]\n\n[[classify]]\nid = \"all\"\nlevel = \"lav\"\n",
        shipped().replace("[classification]", "[classification_moved_below]")
    )
    .replace("[classification_moved_below]", "[classification]");
    assert_problem(
        &text,
        "classify[4].municipalities[0]",
        "unknown municipality \"Molde by\"",
    );
    assert_problem(&text, "classify[5]", "no match criteria");
}

/// A small valid config to remove whole sections from.
const MINIMAL: &str = r#"
[pureservice]
base_url = "http://127.0.0.1:1"
api_key = "k"

[sla.kritisk]
response = "15m"
resolution = "2h"

[roles.incident_manager]
name = "Ida"
email = "ida@x.example"

[channels.email]
host = "127.0.0.1"
from = "slavakt@x.example"

[[plan]]
id = "a"
priorities = ["kritisk"]
when = "opened"
to = ["role:incident_manager"]
via = ["email"]
template = "incident_alert"
"#;

fn minimal_ok(text: &str) {
    let dir = tempfile::tempdir().unwrap();
    let env = BTreeMap::new();
    if let Err(e) = config::from_str(text, &dir.path().join("c.toml"), &env) {
        panic!("{e}");
    }
}

#[test]
fn minimal_config_is_valid_and_gets_defaults() {
    minimal_ok(MINIMAL);
    let dir = tempfile::tempdir().unwrap();
    let c = config::from_str(MINIMAL, &dir.path().join("c.toml"), &BTreeMap::new()).unwrap();
    assert_eq!(c.daemon.timezone, chrono_tz::Europe::Oslo);
    assert_eq!(c.daemon.poll_interval, chrono::Duration::seconds(30));
    assert_eq!(
        c.daemon.state_file,
        Path::new("/var/lib/slavakt/state.json")
    );
    assert_eq!(c.pureservice.api_prefix, "/agent/api");
    assert_eq!(c.pureservice.page_size, 500);
    assert_eq!(c.channels.email.as_ref().unwrap().port, 587);
    assert_eq!(c.sla["kritisk"].calendar, "24x7");
    assert!(c.calendars.contains_key("24x7"));
    assert_eq!(c.classify.cluster_size, 5);
    assert_eq!(c.changes.min_notice.to_string(), "3d");
    // Who is told by default: the first role the plan tells (no built-in role names).
    let im = slavakt::config::Audience::Role("incident_manager".into());
    assert_eq!(c.classify.notify, vec![im.clone()]);
    assert_eq!(c.alerts.to, vec![im]);
}

#[test]
fn defaults_without_a_role_in_the_plan_are_a_problem() {
    let text = MINIMAL.replace(
        "to = [\"role:incident_manager\"]",
        "to = [\"ticket:assignee\"]",
    );
    assert_problem(&text, "alerts.to", "no recipients");
    assert_problem(&text, "classification.notify", "no recipients");
}

#[test]
fn sms_and_email_referenced_but_not_configured() {
    let text = MINIMAL.replace(
        "via = [\"email\"]",
        "via = [\"sms\", \"intranet\", \"pureservice_note\"]",
    );
    assert_problem(&text, "plan[0].via[0]", "channel \"sms\" is not configured");
    assert_problem(
        &text,
        "plan[0].via[1]",
        "channel \"intranet\" is not configured",
    );
    assert_problem(
        &text,
        "plan[0].via[2]",
        "channel \"pureservice_note\" is not configured",
    );
    let no_email = MINIMAL.replace(
        "[channels.email]\nhost = \"127.0.0.1\"\nfrom = \"slavakt@x.example\"\n",
        "",
    );
    assert_problem(
        &no_email,
        "plan[0].via[0]",
        "channel \"email\" is not configured",
    );
}

#[test]
fn missing_pureservice_and_no_levels() {
    let text = MINIMAL.replace("[pureservice]", "[pureservice_x]");
    assert_problem(&text, "pureservice", "missing required section");
    let text = MINIMAL.replace(
        "[sla.kritisk]\nresponse = \"15m\"\nresolution = \"2h\"\n",
        "",
    );
    assert_problem(&text, "sla", "no SLA levels");
}

#[test]
fn many_problems_are_all_listed() {
    let mut text = shipped();
    for (from, to) in [
        ("timezone = \"Europe/Oslo\"", "timezone = \"Mars/Olympus\""),
        ("phone = \"+4790000101\"", "phone = \"12345\""),
        ("\"Lav\" = \"lav\"", "\"Lav\" = \"low\""),
        ("to = [\"role:driftssjef\"]", "to = [\"role:nobody\"]"),
        ("id = \"hoy-status\"", "id = \"kritisk-status\""),
        ("template = \"sla_breach\"", "template = \"nope\""),
        ("port = 587", "port = 587\nbogus = true"),
        ("schedule = \"0 0 7 1 * *\"", "schedule = \"never\""),
        ("off_hours = \"vakthavende\"", "off_hours = \"ghost\""),
        ("warn_at = [\"75%\"]", "warn_at = [\"175%\"]"),
    ] {
        text = edit(&text, from, to);
    }
    let errs = errors_of(&text);
    for p in [
        "daemon.timezone",
        "roles.incident_manager.phone",
        "pureservice.priorities.Lav",
        "plan[7].to[0]",
        "plan[10].id",
        "plan[17].template",
        "channels.email.bogus",
        "reports[0].schedule",
        "roles.varslingsansvarlig.off_hours",
        "sla.kritisk.warn_at[0]",
    ] {
        assert!(
            errs.errors.iter().any(|e| e.path == p),
            "{p} missing in\n{errs}"
        );
    }
    assert!(errs.errors.len() >= 10);
    // Each problem says how to fix it, even where the check has no specific advice.
    for e in &errs.errors {
        assert!(
            e.hint.as_deref().is_some_and(|h| !h.is_empty()),
            "no hint: {e}"
        );
    }
    let shown = errs.to_string();
    assert!(shown.contains(&format!("{} problem(s)", errs.errors.len())));
}
