//! `slavakt status` on a hand-written state file: the table, `--json`, and exit 2 with a clear
//! message when the state file is missing, corrupt or of an unknown version.

use crate::kit::ops as ops_support;

use ops_support::*;
use std::path::Path;
use std::process::{Command, Output};

fn status(config: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .arg("status")
        .arg("--config")
        .arg(config)
        .args(extra)
        .env_remove("SLAVAKT_CONFIG")
        .output()
        .expect("run slavakt")
}

fn setup(state: Option<&str>) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let state_file = dir.path().join("state.json");
    if let Some(s) = state {
        std::fs::write(&state_file, s).expect("write state");
    }
    let config = write_config(dir.path(), &state_file, "nb");
    (dir, config)
}

#[test]
fn json_lists_open_tickets_pending_deliveries_and_the_last_poll() {
    let (_dir, config) = setup(Some(STATE_JSON));
    let out = status(&config, &["--json", "--at", "2027-03-24T14:30:00Z"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let numbers: Vec<u64> = v["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["number"].as_u64().expect("number"))
        .collect();
    assert_eq!(numbers, vec![1001, 1002, 1004]);
    assert_eq!(
        v["tickets"][0]["next_deadline"]["due"],
        "2027-03-24T13:15:00+01:00"
    );
    assert_eq!(
        v["tickets"][1]["municipalities"],
        serde_json::json!(["Aukra", "Rauma"])
    );
    assert_eq!(v["pending_deliveries"][0]["recipient"], "Ola Vaktmann");
    assert_eq!(v["last_successful_poll"], "2027-03-24T15:29:40+01:00");
    assert_eq!(v["generated_at"], "2027-03-24T15:30:00+01:00");
}

#[test]
fn table_for_humans() {
    let (_dir, config) = setup(Some(STATE_JSON));
    let out = status(
        &config,
        &["--wide", "--verbose", "--at", "2027-03-24T14:30:00Z"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(
        text.starts_with("SLA-status — Oppdatert 24.03. 15:30 (Europe/Oslo)\n"),
        "{text}"
    );
    assert!(text.contains("Siste vellykkede henting fra Pureservice: 24.03. 15:29\n"));
    assert!(text.contains("Åpne saker (3)\n"));
    // The ticket table: from its header to the blank line before the pending deliveries.
    let rows: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Sak "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect();
    assert_eq!(rows.len(), 3, "{text}");
    assert!(rows[0].starts_with("1001  Kritisk"), "{}", rows[0]);
    assert!(
        rows[0].contains("Respons 24.03. 13:15 (2h 15m forfalt)"),
        "{}",
        rows[0]
    );
    assert!(rows[0].ends_with("Pasientvarsling nede på Bergmo"));
    // In words, then (with --verbose) the rule ids.
    assert!(
        rows[0].contains("24.03. 16:00 Statusoppdatering på "),
        "{}",
        rows[0]
    );
    assert!(rows[0].contains("[kritisk-followup]"), "{}", rows[0]);
    assert!(rows[1].starts_with("1002  Høy"));
    assert!(
        rows[1].contains("24.03. 15:45 Varsel 75 % (respons) på "),
        "{}",
        rows[1]
    );
    assert!(rows[1].contains("[hoy-response-warning]"), "{}", rows[1]);
    assert!(rows[2].starts_with("1004  (ingen)"));
    assert!(text.contains("Ventende utsendelser (1)\n"));
    assert!(text.contains("HTTP 503 (retryable)"));
}

/// By default every line fits 120 columns: long cells are cut with "…", the short ones (number,
/// level) stay whole; `--wide` prints the same rows in full.
#[test]
fn table_fits_120_columns_unless_wide() {
    let (_dir, config) = setup(Some(STATE_JSON));
    let run = |extra: &[&str]| {
        let mut args = vec!["--at", "2027-03-24T14:30:00Z"];
        args.extend_from_slice(extra);
        let out = status(&config, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let narrow = run(&[]);
    let wide = run(&["--wide"]);
    let longest = |t: &str| t.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(longest(&wide) > 120, "fixture too narrow to test:\n{wide}");
    assert!(longest(&narrow) <= 120, "{narrow}");
    assert!(narrow.contains('…'), "{narrow}");
    assert!(!wide.contains('…'), "{wide}");
    let row = |t: &str, n: &str| t.lines().find(|l| l.starts_with(n)).map(str::to_string);
    assert!(row(&narrow, "1001  Kritisk").is_some(), "{narrow}");
    assert!(row(&narrow, "1002  Høy").is_some(), "{narrow}");
    assert_eq!(
        narrow.lines().count(),
        wide.lines().count(),
        "rows are cut, never wrapped or dropped"
    );
}

#[test]
fn works_with_the_wall_clock_too() {
    let (_dir, config) = setup(Some(STATE_JSON));
    let out = status(&config, &["--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["tickets"].as_array().map(Vec::len), Some(3));
}

#[test]
fn missing_state_file_exits_2_with_a_clear_message() {
    let (dir, config) = setup(None);
    let out = status(&config, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = format!(
        "slavakt: state file {} does not exist",
        dir.path().join("state.json").display()
    );
    assert!(err.starts_with(&expected), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn corrupt_state_file_exits_2_and_is_left_alone() {
    let broken = &STATE_JSON[..STATE_JSON.len() / 2];
    let (dir, config) = setup(Some(broken));
    let out = status(&config, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is corrupt (not valid JSON"), "{err}");
    let after = std::fs::read_to_string(dir.path().join("state.json")).expect("still there");
    assert_eq!(after, broken, "status must never touch the state file");
}

#[test]
fn unknown_schema_version_exits_2() {
    let newer = STATE_JSON.replacen("\"version\": 1", "\"version\": 99", 1);
    let (_dir, config) = setup(Some(&newer));
    let out = status(&config, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("has a schema version this slavakt cannot read (version 99"),
        "{err}"
    );
}

#[test]
fn wrong_shape_is_corrupt_too() {
    let wrong = STATE_JSON.replacen("\"number\": 1001", "\"number\": \"tusen\"", 1);
    let (_dir, config) = setup(Some(&wrong));
    let out = status(&config, &[]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("state.json is corrupt (does not match"),
        "{err}"
    );
}

#[test]
fn a_reader_that_stops_early_is_not_a_crash() {
    // `slavakt status | head -1`: the pipe is closed before the table is written.
    let (_dir, config) = setup(Some(STATE_JSON));
    let mut child = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .arg("status")
        .arg("--config")
        .arg(&config)
        .args(["--at", "2027-03-24T14:30:00Z"])
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
