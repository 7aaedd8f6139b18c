//! The CLI as a newcomer reads it: `status` says the next action in words (rule ids only with
//! `--verbose`), `simulate` warns about a status the config does not know, and `slavakt demo`
//! serves the status page live while it runs and prints its mail decoded with `--full`.

// The demo test waits for a child process against a real-time deadline.
#![allow(clippy::disallowed_methods)]

use crate::kit::ops as ops_support;
use crate::kit::process as process_support;

use ops_support::*;
use process_support::collect_output;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn slavakt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(args)
        .env_remove("SLAVAKT_CONFIG")
        .env_remove("RUST_LOG")
        .output()
        .expect("run slavakt")
}

/// The ticket rows of `slavakt status` (header to the blank line).
fn ticket_rows(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.starts_with("Sak "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn status_says_the_next_action_in_words_and_names_rules_only_when_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let state_file = dir.path().join("state.json");
    std::fs::write(&state_file, STATE_JSON).unwrap();
    let config = write_config(dir.path(), &state_file, "nb");
    let config = config.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "status",
            "--config",
            config,
            "--wide",
            "--at",
            "2027-03-24T14:30:00Z",
        ];
        args.extend_from_slice(extra);
        let out = slavakt(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = run(&[]);
    let rows = ticket_rows(&plain);
    assert_eq!(rows.len(), 3, "{plain}");
    assert!(
        rows[0].contains("24.03. 16:00 Statusoppdatering på "),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].contains("24.03. 15:45 Varsel 75 % (respons) på "),
        "{}",
        rows[1]
    );
    for id in ["kritisk-followup", "hoy-response-warning"] {
        assert!(
            !plain.contains(id),
            "rule id {id} without --verbose:\n{plain}"
        );
    }
    assert!(!plain.contains(" ["), "{plain}");
    // The pending deliveries name no rule either, and say the channel in words.
    assert!(plain.contains("Ventende utsendelser (1)\n"), "{plain}");
    let pending_header = plain
        .lines()
        .skip_while(|l| !l.starts_with("Ventende utsendelser"))
        .nth(1)
        .unwrap();
    assert!(!pending_header.contains("Regel"), "{pending_header}");

    let verbose = run(&["--verbose"]);
    let rows = ticket_rows(&verbose);
    assert!(rows[0].contains("[kritisk-followup]"), "{}", rows[0]);
    assert!(rows[1].contains("[hoy-response-warning]"), "{}", rows[1]);
}

#[test]
fn simulate_warns_about_a_status_the_config_does_not_know() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = std::fs::read_to_string("tests/scenarios/kritisk_paused.toml").unwrap();
    // A misspelt pause status: the clocks would silently keep running.
    let misspelt = scenario.replace("Venter - leverandør", "Venter - leverandor");
    let path = dir.path().join("misspelt.toml");
    std::fs::write(&path, &misspelt).unwrap();
    let out = slavakt(&[
        "simulate",
        "--config",
        "config/slavakt.toml",
        "--scenario",
        path.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning:")
            && err.contains("\"Venter - leverandor\"")
            && err.contains("paused_statuses"),
        "{err}"
    );
    assert!(err.contains("line "), "the warning names the line: {err}");
    // The configured pause status (an en dash and other case fold to it) gives no warning
    // about it.
    let folded = scenario.replace("Venter - leverandør", "venter – leverandør");
    std::fs::write(&path, &folded).unwrap();
    let out = slavakt(&[
        "simulate",
        "--config",
        "config/slavakt.toml",
        "--scenario",
        path.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.to_lowercase().contains("status \"venter"), "{err}");
    // An ordinary open status is named, so a reader can tell it is meant to run the clocks.
    assert!(err.contains("status \"Under arbeid\""), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_serves_the_status_page_live_and_prints_mail_decoded() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(["demo", "--speed", "1200", "--full"])
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = collect_output(&mut child);
    let deadline = Duration::from_secs(60);
    let start = Instant::now();
    let url = loop {
        let found = log.lines().iter().find_map(|l| {
            let rest = l.split("Status page (live while the demo runs): ").nth(1)?;
            Some(rest.split_whitespace().next()?.to_string())
        });
        if let Some(u) = found {
            break u;
        }
        assert!(
            start.elapsed() < deadline,
            "no status page URL: {:#?}",
            log.lines()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    // While the demo runs, the page shows its tickets.
    let json_url = format!("{url}status.json");
    loop {
        let running = child.try_wait().unwrap().is_none();
        assert!(running, "the demo ended before its page showed a ticket");
        if let Ok(r) = reqwest::get(&json_url).await {
            if r.status() == 200 {
                let v: serde_json::Value = r.json().await.unwrap();
                if v["tickets"].as_array().is_some_and(|t| !t.is_empty()) {
                    break;
                }
            }
        }
        assert!(start.elapsed() < deadline, "the page never showed a ticket");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("<html"), "{html}");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the page answered after the demo"
    );

    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the demo did not end"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // Let the reader threads drain the pipes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let text = log.lines().join("\n");
    assert!(status.success(), "{text}");
    // --full: the mails as a mail client shows them.
    assert!(text.contains("──── mail to "), "{text}");
    assert!(text.contains("\nSubject: "), "{text}");
    assert!(
        text.contains("Saken i Pureservice: http://127.0.0.1:"),
        "{text}"
    );
    for raw in ["Content-Transfer-Encoding", "=C3=", "=?utf-8?", "boundary="] {
        assert!(!text.contains(raw), "{raw} in the decoded mails:\n{text}");
    }
    assert!(text.contains('ø') || text.contains('å') || text.contains('æ'));
}
