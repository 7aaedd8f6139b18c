//! `slavakt run` under journald, natively: the real binary, with stdout as the `JOURNAL_STREAM`
//! and a fake journal socket at `/run/systemd/journal/socket` (a private mount namespace puts a
//! temp dir there, so the host's /run is untouched). Each event arrives as one journal entry with
//! its priority and `SLAVAKT_TICKET`, `SLAVAKT_RULE`, `SLAVAKT_CHANNEL`; nothing is written to
//! stdout twice. Needs root (for the mount namespace), as CI runs.

use crate::kit::process::{demo_world, DemoWorld};
use slavakt::clock::SystemClock;
use slavakt::demo::capture::{Captured, Inbox};
use slavakt::pureservice::fake::{FakePureservice, NewTicket};
use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

const DEADLINE: Duration = Duration::from_secs(60);

type Entry = HashMap<String, String>;

/// One datagram of the journal's native protocol: `NAME=value\n`, or for values that may hold
/// a newline `NAME\n`, a little-endian u64 length, the value and `\n`.
fn parse_entry(mut b: &[u8]) -> Entry {
    let mut entry = Entry::new();
    while !b.is_empty() {
        let end = b.iter().position(|&c| c == b'=' || c == b'\n').unwrap();
        let name = String::from_utf8_lossy(&b[..end]).into_owned();
        if b[end] == b'=' {
            let rest = &b[end + 1..];
            let nl = rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len());
            entry.insert(name, String::from_utf8_lossy(&rest[..nl]).into_owned());
            b = rest.get(nl + 1..).unwrap_or(&[]);
        } else {
            let rest = &b[end + 1..];
            let len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
            let value = &rest[8..8 + len];
            assert_eq!(
                rest[8 + len],
                b'\n',
                "length-encoded field {name} not closed"
            );
            entry.insert(name, String::from_utf8_lossy(value).into_owned());
            b = &rest[8 + len + 1..];
        }
    }
    entry
}

#[test]
fn parses_both_field_encodings() {
    let mut d = b"PRIORITY=6\nMESSAGE\n".to_vec();
    d.extend_from_slice(&5u64.to_le_bytes());
    d.extend_from_slice(b"a\nb c\nSLAVAKT_TICKET=7\n");
    let e = parse_entry(&d);
    assert_eq!(e["PRIORITY"], "6");
    assert_eq!(e["MESSAGE"], "a\nb c");
    assert_eq!(e["SLAVAKT_TICKET"], "7");
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// A fake Pureservice with the demo's people, capture sinks, and a config for them.
struct World {
    fake: FakePureservice,
    inbox: Arc<Inbox>,
    cancel: CancellationToken,
    dir: tempfile::TempDir,
    config_path: std::path::PathBuf,
}

async fn world() -> World {
    let DemoWorld {
        fake,
        inbox,
        cancel,
        dir,
        config_path,
        ..
    } = demo_world(Arc::new(SystemClock)).await;
    World {
        fake,
        inbox,
        cancel,
        dir,
        config_path,
    }
}

/// `slavakt run` as systemd starts it with `StandardOutput=journal`: stdout is `stdout_path`,
/// whose device and inode are the `JOURNAL_STREAM`, and `/run/systemd/journal` is
/// `journal_dir` (in a private mount namespace over a private /run).
fn spawn_under_journald(
    w: &World,
    journal_dir: &std::path::Path,
    stdout_path: &std::path::Path,
) -> Child {
    let stdout = std::fs::File::create(stdout_path).unwrap();
    let meta = stdout.metadata().unwrap();
    Command::new("unshare")
        .args([
            "--mount",
            "sh",
            "-c",
            "mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/journal \
             && mount --bind \"$1\" /run/systemd/journal && shift && exec \"$@\"",
            "sh",
        ])
        .arg(journal_dir)
        .arg(env!("CARGO_BIN_EXE_slavakt"))
        .args(["run", "--config"])
        .arg(&w.config_path)
        .env("SLAVAKT_DAEMON__POLL_INTERVAL", "1s")
        .env("RUST_LOG", "info")
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stdout(Stdio::from(stdout))
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// SIGTERM, and wait for the exit.
async fn stop(child: &mut Child) {
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(start.elapsed() < DEADLINE, "daemon did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_journal_socket_the_lines_carry_priority_prefixes() {
    if !is_root() {
        eprintln!("skipped: a private mount namespace needs root (CI runs as root)");
        return;
    }
    let w = world().await;
    // The journal stream is stdout, but nothing listens at /run/systemd/journal/socket.
    let journal_dir = w.dir.path().join("journal");
    std::fs::create_dir(&journal_dir).unwrap();
    let stdout_path = w.dir.path().join("stdout");
    let mut child = spawn_under_journald(&w, &journal_dir, &stdout_path);
    let read = || std::fs::read_to_string(&stdout_path).unwrap_or_default();
    wait_until("the start on stdout", || read().contains("slavakt started")).await;
    stop(&mut child).await;
    let out = read();
    let started = out.lines().find(|l| l.contains("slavakt started")).unwrap();
    assert!(started.starts_with("<6>"), "{out}");
    assert!(
        out.lines().all(|l| l.starts_with('<')),
        "a line without its priority: {out}"
    );
    w.cancel.cancel();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_journald_events_carry_priority_and_ticket_rule_channel_fields() {
    if !is_root() {
        eprintln!("skipped: a private mount namespace needs root (CI runs as root)");
        return;
    }
    let w = world().await;
    let (fake, inbox, dir) = (&w.fake, &w.inbox, w.dir.path());

    // The fake journal: a datagram socket the child sees as /run/systemd/journal/socket.
    let journal_dir = dir.join("journal");
    std::fs::create_dir(&journal_dir).unwrap();
    let socket = UnixDatagram::bind(journal_dir.join("socket")).unwrap();
    let entries: Arc<Mutex<Vec<Entry>>> = Arc::default();
    {
        let entries = entries.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 256 * 1024];
            while let Ok(n) = socket.recv(&mut buf) {
                if n > 0 {
                    entries.lock().unwrap().push(parse_entry(&buf[..n]));
                }
            }
        });
    }
    let stdout_path = dir.join("stdout");
    let mut child = spawn_under_journald(&w, &journal_dir, &stdout_path);
    let find =
        |pred: &dyn Fn(&Entry) -> bool| entries.lock().unwrap().iter().find(|e| pred(e)).cloned();
    let message = |needle: &'static str| {
        move |e: &Entry| e.get("MESSAGE").is_some_and(|m| m.contains(needle))
    };
    wait_until("the start in the journal", || {
        find(&message("slavakt started")).is_some()
    })
    .await;
    let started = find(&message("slavakt started")).unwrap();
    assert_eq!(started["PRIORITY"], "6", "{started:?}");
    assert_eq!(started["SYSLOG_IDENTIFIER"], "slavakt");
    assert!(started.contains_key("SLAVAKT_CONFIG"), "{started:?}");

    let id = fake
        .create_ticket(NewTicket {
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
    let ticket = id.to_string();
    wait_until("a delivery in the journal", || {
        find(&|e: &Entry| message("delivered")(e) && e.get("SLAVAKT_TICKET") == Some(&ticket))
            .is_some()
    })
    .await;
    let delivered =
        find(&|e: &Entry| message("delivered")(e) && e.get("SLAVAKT_TICKET") == Some(&ticket))
            .unwrap();
    assert_eq!(delivered["PRIORITY"], "6");
    assert!(!delivered["SLAVAKT_CHANNEL"].is_empty(), "{delivered:?}");
    let rule = delivered["SLAVAKT_RULE"].clone();
    let due = find(&|e: &Entry| {
        message("notice due")(e)
            && e.get("SLAVAKT_TICKET") == Some(&ticket)
            && e.get("SLAVAKT_RULE") == Some(&rule)
    })
    .unwrap_or_else(|| panic!("no `notice due` entry for ticket {ticket}, rule {rule}"));
    assert_eq!(due["PRIORITY"], "6");
    assert_eq!(due["SLAVAKT_CHANNEL"], delivered["SLAVAKT_CHANNEL"]);

    stop(&mut child).await;
    // The journal got the events; stdout did not get them a second time.
    let out = std::fs::read_to_string(&stdout_path).unwrap();
    assert!(!out.contains("slavakt started"), "logged twice: {out}");
    let api_key = fake.api_key();
    let all = format!("{:?}", entries.lock().unwrap());
    assert!(
        !all.contains(api_key.expose()),
        "the API key leaked into the journal"
    );
    w.cancel.cancel();
}
