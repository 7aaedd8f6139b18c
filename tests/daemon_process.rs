//! The `slavakt run` binary as systemd runs it: SIGHUP with a broken config keeps the old one
//! running; SIGTERM stops cleanly with the state saved. Real process, real signals, fake
//! Pureservice and capture sinks on loopback.

use slavakt::clock::SystemClock;
use slavakt::demo::capture::{self, Captured, Inbox};
use slavakt::demo::{script, world};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket};
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

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
    let fake = FakePureservice::start(FakeOptions::new(Arc::new(SystemClock)))
        .await
        .unwrap();
    script::prepare(&fake);
    let cancel = CancellationToken::new();
    let inbox = Arc::new(Inbox::default());
    let smtp = capture::smtp_sink(inbox.clone(), cancel.clone())
        .await
        .unwrap();
    let http = capture::http_sink(inbox.clone(), cancel.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = world::config_text(
        &world::Peers {
            pureservice: fake.base_url(),
            api_key: fake.api_key().expose().to_string(),
            smtp,
            http,
        },
        dir.path(),
    )
    .unwrap();
    let config_path = dir.path().join("slavakt.toml");
    std::fs::write(&config_path, &text).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(["run", "--config"])
        .arg(&config_path)
        .env("SLAVAKT_DAEMON__POLL_INTERVAL", "1s")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    for stream in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ] {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                log.lock().unwrap().push(line);
            }
        });
    }
    let logged = |needle: &str| log.lock().unwrap().iter().any(|l| l.contains(needle));
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
        logged("new configuration refused")
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
        log.lock().unwrap()
    );
    assert!(logged("stopped; state saved"));
    let state = slavakt::state::read_only(&state_file).unwrap().unwrap();
    assert_eq!(state.tickets.len(), 1);
    let api_key = fake.api_key();
    let secret = api_key.expose();
    assert!(
        !log.lock().unwrap().iter().any(|l| l.contains(secret)),
        "the API key leaked into the log"
    );
    cancel.cancel();
}
