//! The `slavakt run` binary as systemd runs it: SIGHUP with a broken config keeps the old one
//! running; SIGTERM stops cleanly with the state saved. Real process, real signals, fake
//! Pureservice and capture sinks on loopback.

use slavakt::clock::SystemClock;
use slavakt::demo::capture::Captured;
use slavakt::pureservice::fake::NewTicket;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::kit::process as process_support;
use process_support::{collect_output, slavakt_run};
use process_support::{demo_world, DemoWorld};

const DEADLINE: Duration = Duration::from_secs(60);

/// Polls `cond` until it holds or the deadline passes.
async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn signal(pid: u32, sig: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_with_a_broken_config_keeps_the_old_one_and_sigterm_stops_cleanly() {
    let DemoWorld {
        fake,
        inbox,
        cancel,
        dir,
        config_path,
        ..
    } = demo_world(Arc::new(SystemClock)).await;
    let text = std::fs::read_to_string(&config_path).unwrap();

    // As under systemd: journald reads each line's priority from its `<N>` prefix.
    let mut child = slavakt_run(&config_path)
        .env("JOURNAL_STREAM", "8:424242")
        .spawn()
        .unwrap();
    let log = collect_output(&mut child);
    let state_file = dir.path().join("state.json");
    wait_until("the first saved state", || state_file.exists()).await;

    // A broken config and SIGHUP: refused, logged, the daemon keeps running on the old one.
    std::fs::write(
        &config_path,
        format!("{text}\nthis_key_does_not_exist = 1\n"),
    )
    .unwrap();
    signal(child.id(), "HUP");
    wait_until("the refusal in the log", || {
        log.contains("new configuration refused")
    })
    .await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "daemon died on a bad reload"
    );
    fake.create_ticket(NewTicket {
        subject: "Pasientvarsling nede på Bergmo".into(),
        priority: Some("Kritisk".into()),
        requester: Some(102),
        assignee: Some(201),
        categories: vec!["Pasientvarsling".into()],
        ..NewTicket::default()
    })
    .unwrap();
    wait_until("mail for the new Kritisk ticket", || {
        inbox
            .snapshot()
            .iter()
            .any(|c| matches!(c, Captured::Mail { .. }))
    })
    .await;

    // SIGTERM: a clean stop, exit 0, state saved.
    signal(child.id(), "TERM");
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(start.elapsed() < DEADLINE, "daemon did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        status.success(),
        "exit status {status:?}; log: {:?}",
        log.lines()
    );
    assert!(log.contains("stopped; state saved"));
    let line = |needle: &str| {
        log.lines()
            .into_iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?}"))
    };
    assert!(line("new configuration refused").starts_with("<3>"));
    assert!(line("stopped; state saved").starts_with("<6>"));
    assert!(
        log.lines()
            .iter()
            .all(|l| l.trim().is_empty() || l.starts_with('<')),
        "a line without its priority: {:?}",
        log.lines()
    );
    let state = slavakt::state::read_only(&state_file).unwrap().unwrap();
    assert_eq!(state.tickets.len(), 1);
    let api_key = fake.api_key();
    let secret = api_key.expose();
    assert!(!log.contains(secret), "the API key leaked into the log");
    cancel.cancel();
}
