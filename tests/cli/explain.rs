//! `slavakt explain` as an admin runs it: the real binary, the shipped config, exit codes and
//! the `--json` contract of INTERFACE.md (RFC 3339 with the zone's offset).

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn shipped() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml")
}

fn explain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .arg("explain")
        .arg("--config")
        .arg(shipped())
        .args(args)
        .env_remove("SLAVAKT_CONFIG")
        .output()
        .expect("run slavakt")
}

fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = explain(&all);
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON object")
}

#[test]
fn middels_monday_10_is_due_thursday_10() {
    let v = json(&[
        "--priority",
        "Middels",
        "--created",
        "2027-01-11T10:00:00+01:00",
    ]);
    assert_eq!(v["priority"], "Middels");
    assert_eq!(v["level"], "middels");
    assert_eq!(v["response_due"], "2027-01-11T13:00:00+01:00");
    assert_eq!(v["resolution_due"], "2027-01-14T10:00:00+01:00");
    assert_eq!(v["calendar"]["name"], "kundeservice");
    assert_eq!(v["working_day_minutes"], 450);
}

#[test]
fn level_names_and_utc_input_are_accepted() {
    // 09:00Z is 10:00 in Oslo; the answer is in the configured zone's offset.
    let v = json(&["--priority", "middels", "--created", "2027-01-11T09:00:00Z"]);
    assert_eq!(v["level"], "middels");
    assert_eq!(v["resolution_due"], "2027-01-14T10:00:00+01:00");
}

#[test]
fn kritisk_across_the_spring_switch_changes_offset() {
    let v = json(&[
        "--priority",
        "Kritisk",
        "--created",
        "2027-03-28T01:30:00+01:00",
    ]);
    assert_eq!(v["response_due"], "2027-03-28T01:45:00+01:00");
    assert_eq!(v["resolution_due"], "2027-03-28T04:30:00+02:00");
    assert_eq!(v["calendar"]["name"], "24x7");
    assert_eq!(v["skipped_days"], serde_json::json!([]));
}

#[test]
fn hoy_across_the_autumn_switch() {
    let v = json(&[
        "--priority",
        "Høy",
        "--created",
        "2027-10-31T00:30:00+02:00",
    ]);
    assert_eq!(v["response_due"], "2027-10-31T01:30:00+02:00");
    assert_eq!(v["resolution_due"], "2027-10-31T03:30:00+01:00");
}

#[test]
fn easter_with_a_pause() {
    let v = json(&[
        "--priority",
        "Lav",
        "--created",
        "2027-03-24T14:00:00+01:00",
        "--paused",
        "2027-03-24T15:00:00+01:00/2027-03-30T09:00:00+02:00",
    ]);
    // 1h Wed; the pause ends Tue 09:00 (Easter and the pause overlap); 3h Tue from 09:00.
    assert_eq!(v["response_due"], "2027-03-30T12:00:00+02:00");
    // 5wd = 37h30: 1h Wed, 6h30 Tue (from 09:00), 7h30 Wed, Thu, Fri, Mon = 37h30 → Mon 15:30.
    assert_eq!(v["resolution_due"], "2027-04-05T15:30:00+02:00");
    let skipped: Vec<&str> = v["skipped_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, vec!["2027-03-25", "2027-03-26", "2027-03-29"]);
    assert_eq!(v["pauses"][0]["from"], "2027-03-24T15:00:00+01:00");
    assert_eq!(v["pauses"][0]["to"], "2027-03-30T09:00:00+02:00");
    // 30m Wed + 1h Tue of business time inside the pause.
    assert_eq!(v["pauses"][0]["resolution_minutes"], 90);
}

#[test]
fn human_output_follows_the_configured_language() {
    let out = explain(&[
        "--priority",
        "Middels",
        "--created",
        "2027-03-24T10:00:00+01:00",
    ]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // The shipped config speaks Norwegian (bokmål).
    for needle in [
        "Svarfrist: 3h",
        "Løsningsfrist: 3wd",
        "tor 2027-04-01 10:00 (+02:00)",
        "Skjærtorsdag",
        "kundeservice",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn unknown_priority_is_exit_1_listing_the_known_ones() {
    let out = explain(&[
        "--priority",
        "Akutt",
        "--created",
        "2027-01-11T10:00:00+01:00",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for known in [
        "Akutt", "Kritisk", "Høy", "Middels", "Lav", "kritisk", "hoy", "middels", "lav",
    ] {
        assert!(err.contains(known), "{known} missing: {err}");
    }
    assert!(out.stdout.is_empty());
}

#[test]
fn bad_times_are_exit_1() {
    for args in [
        &["--priority", "Lav", "--created", "next monday"][..],
        &[
            "--priority",
            "Lav",
            "--created",
            "2027-01-11T10:00:00+01:00",
            "--paused",
            "2027-01-11T11:00:00+01:00",
        ][..],
        &[
            "--priority",
            "Lav",
            "--created",
            "2027-01-11T10:00:00+01:00",
            "--paused",
            "2027-01-12T11:00:00+01:00/2027-01-11T11:00:00+01:00",
        ][..],
    ] {
        let out = explain(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
}

#[test]
fn a_missing_config_is_exit_1() {
    let out = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(["explain", "--config", "/nonexistent/slavakt.toml"])
        .args([
            "--priority",
            "Lav",
            "--created",
            "2027-01-11T10:00:00+01:00",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
