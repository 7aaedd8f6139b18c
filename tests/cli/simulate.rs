//! `slavakt simulate` as an admin runs it: the `--json` document's fixed keys, the human
//! timeline, and exit code 1 with line and field for a bad scenario or config.

use std::process::{Command, Output};

fn simulate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .arg("simulate")
        .args(args)
        .env_remove("SLAVAKT_CONFIG")
        .output()
        .expect("run slavakt")
}

fn scenario_file(text: &str) -> tempfile::NamedTempFile {
    let f = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(f.path(), text).unwrap();
    f
}

#[test]
fn json_has_the_fixed_keys() {
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        "tests/scenarios/hoy_five_hours.toml",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions = v["actions"].as_array().unwrap();
    assert!(!actions.is_empty());
    for a in actions {
        for key in [
            "at",
            "ticket",
            "rule",
            "audience",
            "channel",
            "recipient",
            "reason",
        ] {
            assert!(a.get(key).is_some(), "action without {key}: {a}");
        }
        assert!(a["ticket"].is_u64());
        assert!(a["late"].is_boolean());
        let at = a["at"].as_str().unwrap();
        assert!(chrono::DateTime::parse_from_rfc3339(at).is_ok(), "{at}");
        assert!(at.ends_with("+01:00"), "in the configured zone: {at}");
    }
    let driftssjef = actions
        .iter()
        .find(|a| a["rule"] == "hoy-driftssjef")
        .unwrap();
    assert_eq!(driftssjef["at"], "2027-03-24T12:00:00+01:00");
    assert_eq!(driftssjef["audience"], "role:driftssjef");
    assert_eq!(driftssjef["channel"], "email");
    assert_eq!(driftssjef["recipient"], "tor.eidsvik@ror-ikt.example");
    assert_eq!(driftssjef["reason"], "after");
    let thread = actions.iter().find(|a| a["rule"] == "hoy-thread").unwrap();
    assert_eq!(thread["recipient"], "teams:ik_varsling");
    assert_eq!(thread["audience"], "channel");
    assert!(actions.iter().any(|a| a["reason"] == "every"));
    assert!(actions.iter().any(|a| a["reason"] == "resolution_warning"));
    let deadlines = v["deadlines"].as_array().unwrap();
    assert_eq!(deadlines.len(), 1);
    assert_eq!(deadlines[0]["ticket"], 2001);
    assert_eq!(deadlines[0]["response_due"], "2027-03-24T11:00:00+01:00");
    assert_eq!(deadlines[0]["resolution_due"], "2027-03-24T14:00:00+01:00");
}

#[test]
fn the_timeline_names_time_ticket_rule_channel_recipient_and_reason() {
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        "tests/scenarios/kritisk_saturday_night.toml",
        "--messages",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find(|l| l.contains("incident-open-alert") && l.contains("vakt@ror-ikt.example"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(line.starts_with("2027-03-27 03:00  #1001"), "{line}");
    assert!(
        line.contains(" email ")
            && line.contains("opened")
            && line.contains("[role:varslingsansvarlig]"),
        "{line}"
    );
    assert!(
        text.contains("Subject: Alvorlig hendelse – Kritisk: Sensio Pasientvarsling"),
        "{text}"
    );
    assert!(text.contains("Deadlines:"));
}

#[test]
fn a_bad_scenario_exits_1_with_line_and_field() {
    let f = scenario_file(
        "until = \"2027-03-24T16:00:00+01:00\"\n\n[[event]]\nat = \"2027-03-24T10:00:00+01:00\"\nticket = 1\nkind = \"exploded\"\n",
    );
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        f.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 6") && err.contains("exploded"), "{err}");

    let f = scenario_file(
        "until = \"2027-03-24T16:00:00+01:00\"\n\n[[event]]\nat = \"2027-03-24T10:00:00+01:00\"\nticket = 1\nkind = \"priority\"\n",
    );
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        f.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3") && err.contains("event[0]"), "{err}");

    let f = scenario_file("until = \"tomorrow\"\n");
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        f.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[test]
fn a_missing_scenario_or_config_exits_1() {
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        "/nonexistent/scenario.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/scenario.toml"));
    let out = simulate(&[
        "--config",
        "/nonexistent/slavakt.toml",
        "--scenario",
        "tests/scenarios/middels.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_kritisk_in_two_municipalities_reaches_both_priority_1_lists() {
    // `municipality` takes one name or a list.
    let f = scenario_file(
        r#"until = "2027-03-24T10:30:00+01:00"

[[event]]
at = "2027-03-24T10:00:00+01:00"
ticket = 1
kind = "created"
priority = "Kritisk"
municipality = ["Molde", "Aukra"]
service = "Nettverk"
subject = "Nettverk nede"
"#,
    );
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        f.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut sms: Vec<&str> = v["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["rule"] == "kritisk-municipality" && a["channel"] == "sms")
        .map(|a| a["recipient"].as_str().unwrap())
        .collect();
    sms.sort();
    // Molde's two priority-1 contacts and Aukra's one.
    assert_eq!(sms, ["+4790000201", "+4790000211", "+4790000212"]);
}

#[test]
fn names_are_matched_as_the_admin_means_them_and_an_unknown_priority_is_an_error() {
    // Lower-case priority and municipality, an en dash in the pause status.
    let f = scenario_file(
        r#"until = "2027-03-24T14:00:00+01:00"

[[event]]
at = "2027-03-24T10:00:00+01:00"
ticket = 1
kind = "created"
priority = "høy"
municipality = "molde"
service = "gerica"
subject = "Gerica nede"

[[event]]
at = "2027-03-24T10:30:00+01:00"
ticket = 1
kind = "status"
status = "Venter – leverandør"

[[event]]
at = "2027-03-24T11:30:00+01:00"
ticket = 1
kind = "status"
status = "Under arbeid"
"#,
    );
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        f.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let actions = v["actions"].as_array().unwrap();
    assert!(actions.iter().any(|a| a["rule"] == "hoy-thread"));
    assert!(actions
        .iter()
        .any(|a| a["rule"] == "incident-open-admin"
            && a["recipient"] == "tone.fannemel@ror-ikt.example"));
    // Paused for an hour: Høy's 4 h resolution is due at 15:00, not 14:00.
    assert_eq!(
        v["deadlines"][0]["resolution_due"],
        "2027-03-24T15:00:00+01:00"
    );

    let f = scenario_file(
        "until = \"2027-03-24T16:00:00+01:00\"\n\n[[event]]\nat = \"2027-03-24T10:00:00+01:00\"\nticket = 1\nkind = \"created\"\npriority = \"Superkritisk\"\n",
    );
    let out = simulate(&[
        "--config",
        "config/slavakt.toml",
        "--scenario",
        f.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3")
            && err.contains("unknown priority \"Superkritisk\"")
            && err.contains("Kritisk"),
        "{err}"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    // `slavakt simulate … | head -1`: the pipe closes before the timeline is written.
    let mut child = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args([
            "simulate",
            "--config",
            "config/slavakt.toml",
            "--scenario",
            "tests/scenarios/kritisk_office_hours.toml",
            "--messages",
        ])
        .env_remove("SLAVAKT_CONFIG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run slavakt");
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}
