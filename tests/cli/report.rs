//! `slavakt report` as a process: the shipped config pointed at a real SMTP server (aiosmtpd) and
//! a state file with one Kritisk ticket in November 2026 (a past month for the command's wall
//! clock); the CSV on stdout, `--send` mailing each `[[reports]]` recipient with the CSV
//! attached, and argument errors with exit 1.

use crate::kit::notify as notify_support;
use crate::kit::sla as sla_support;

use chrono::Duration;
use notify_support::{header, SmtpPeer};
use sla_support::{oslo, snapshot};
use slavakt::state::State;
use slavakt::ticket::CoreStatus;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The shipped config with e-mail at `smtp_port`, state in `dir`; the state holds Kritisk
/// ticket 1: opened 10 November 2026 10:00, answered 10:10, resolved 11:30 (met, target 2 h).
fn setup(dir: &Path, smtp_port: u16) -> PathBuf {
    let peers = slavakt::demo::world::Peers {
        pureservice: "http://127.0.0.1:9/".parse().unwrap(),
        api_key: "not-used-by-report".into(),
        smtp: ([127, 0, 0, 1], smtp_port).into(),
        http: ([127, 0, 0, 1], 9).into(),
    };
    let text = slavakt::demo::world::config_text(&peers, dir).unwrap();
    let config_path = dir.join("slavakt.toml");
    std::fs::write(&config_path, text).unwrap();

    let cfg = sla_support::config();
    let opened = oslo(2026, 11, 10, 10, 0);
    let mut snap = snapshot(1, "Kritisk", opened);
    let (t, _) = slavakt::tracker::observe(None, &snap, &cfg, opened);
    snap.responded = Some(opened + Duration::minutes(10));
    snap.status = "Løst".into();
    snap.core = CoreStatus::Solved;
    snap.resolved = Some(opened + Duration::minutes(90));
    snap.modified = opened + Duration::minutes(90);
    let (t, _) = slavakt::tracker::observe(Some(&t), &snap, &cfg, snap.modified);
    let mut state = State::default();
    state.tickets.insert(t.id, t);
    std::fs::write(
        dir.join("state.json"),
        serde_json::to_string(&state).unwrap(),
    )
    .unwrap();
    config_path
}

fn report(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .arg("report")
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("SLAVAKT_CONFIG")
        .output()
        .unwrap()
}

#[test]
fn csv_on_stdout_and_send_mails_every_recipient_with_the_csv_attached() {
    let smtp = SmtpPeer::start("plain", None, None);
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), smtp.port);

    let out = report(&config, &["--month", "2026-11", "--format", "csv"]);
    assert!(out.status.success(), "{out:?}");
    let csv = String::from_utf8(out.stdout).unwrap();
    // Kritisk: opened 1, resolved 1, response met 1, resolution met 1, 100 %.
    assert!(
        csv.contains(
            "\"2026-11\",\"kritisk\",\"Kritisk\",\"1\",\"1\",\"1\",\"0\",\"1\",\"0\",\"100.0\""
        ),
        "{csv}"
    );
    assert!(smtp.received().is_empty(), "mailed without --send");

    let out = report(&config, &["--month", "2026-11", "--send"]);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.matches("OK: sent to").count(), 3, "{stderr}");
    let mails = smtp.wait_for(3);
    assert_eq!(mails.len(), 3);
    for m in &mails {
        assert_eq!(header(m, "Subject"), "SLA-rapport 2026-11");
        let parts = m["parts"].as_array().unwrap();
        let attached = parts
            .iter()
            .find(|p| p["type"] == "text/csv")
            .expect("CSV attached");
        assert_eq!(attached["filename"], "slavakt-sla-2026-11.csv");
        assert!(attached["content"].as_str().unwrap().contains("\"100.0\""));
        // The shipped entry's format is html: the page with its charts.
        let html = parts.iter().find(|p| p["type"] == "text/html").unwrap();
        assert!(html["content"].as_str().unwrap().contains("<svg"));
    }
}

#[test]
fn a_bad_month_or_format_is_exit_1_and_says_what_is_expected() {
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), 9);
    let out = report(&config, &["--month", "2026-13"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected YYYY-MM"));
    let out = report(&config, &["--month", "2026-11", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("expected md, html or csv"));
    // A month far ahead of the wall clock has not begun: refused, nothing printed.
    let out = report(&config, &["--month", "2999-01"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("has not begun"));
}
