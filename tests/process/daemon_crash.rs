//! The delivery guarantee at the exact edges, with the real `slavakt run` binary and a real SMTP
//! peer on loopback that can hold its answer to one message:
//!
//! - SIGTERM while a mail is in flight: the daemon waits for the SMTP server's answer (within
//!   `daemon.shutdown_grace`), records the mail as delivered, saves and exits 0.
//! - The process is killed after the SMTP server accepted a mail ("250") and before the ledger
//!   was written: after a restart every such mail is sent exactly once more with the same
//!   Message-ID (at least once, at most one duplicate per in-flight message), nothing is lost,
//!   and a third start sends nothing. See docs/STATE_AND_DELIVERY.md.

use slavakt::clock::{Clock, SystemClock};
use slavakt::demo::capture::{self, Inbox};
use slavakt::demo::{script, world};
use slavakt::ledger::DeliveryStatus;
use slavakt::notify::email::message_id;
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket};
use slavakt::state::INTERRUPTED_OUTCOME;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader as TokioBufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::kit::process as process_support;
use process_support::{collect_output, slavakt_run, Log};

const DEADLINE: Duration = Duration::from_secs(60);

/// Polls `cond` until it holds or the deadline passes.
async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A plain SMTP server that records every message and, when armed, holds its answer to the next
/// message's DATA until released.
#[derive(Default)]
struct GatedSmtp {
    /// Raw messages (headers and body) whose DATA was complete.
    messages: Mutex<Vec<String>>,
    armed: AtomicBool,
    /// The armed message's DATA arrived; the answer is held.
    held: AtomicBool,
    release: Notify,
    /// The held message's "250" was written to the socket.
    answered: AtomicBool,
    /// The held message's Message-ID.
    held_id: Mutex<Option<String>>,
}

impl GatedSmtp {
    async fn start() -> (Arc<GatedSmtp>, SocketAddr) {
        let me = Arc::new(GatedSmtp::default());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = me.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let server = server.clone();
                tokio::spawn(async move {
                    let _ = server.session(sock).await;
                });
            }
        });
        (me, addr)
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut lines = TokioBufReader::new(r).lines();
        w.write_all(b"220 gated ESMTP\r\n").await?;
        while let Some(line) = lines.next_line().await? {
            let upper = line.to_ascii_uppercase();
            if upper.starts_with("EHLO") {
                w.write_all(b"250-gated\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?;
            } else if upper == "DATA" {
                w.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                while let Some(l) = lines.next_line().await? {
                    if l == "." {
                        break;
                    }
                    data.push_str(l.strip_prefix('.').unwrap_or(&l));
                    data.push_str("\r\n");
                }
                let hold = self.armed.swap(false, Ordering::SeqCst);
                if hold {
                    *self.held_id.lock().unwrap() = Some(message_id_of(&data));
                }
                self.messages.lock().unwrap().push(data);
                if hold {
                    let released = self.release.notified();
                    self.held.store(true, Ordering::SeqCst);
                    released.await;
                }
                w.write_all(b"250 2.0.0 accepted\r\n").await?;
                w.flush().await?;
                if hold {
                    self.answered.store(true, Ordering::SeqCst);
                }
            } else if upper == "QUIT" {
                w.write_all(b"221 bye\r\n").await?;
                break;
            } else if upper.starts_with("MAIL")
                || upper.starts_with("RCPT")
                || upper.starts_with("RSET")
                || upper.starts_with("NOOP")
                || upper.starts_with("HELO")
            {
                w.write_all(b"250 ok\r\n").await?;
            } else {
                w.write_all(b"502 not implemented\r\n").await?;
            }
        }
        Ok(())
    }

    /// Message-ID → how many times it arrived.
    fn received(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for m in self.messages.lock().unwrap().iter() {
            *out.entry(message_id_of(m)).or_default() += 1;
        }
        out
    }

    fn held_id(&self) -> String {
        self.held_id
            .lock()
            .unwrap()
            .clone()
            .expect("a mail was held")
    }
}

fn message_id_of(raw: &str) -> String {
    raw.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("Message-ID")
                .then(|| v.trim().to_string())
        })
        .expect("mail without Message-ID")
}

struct World {
    fake: FakePureservice,
    smtp: Arc<GatedSmtp>,
    dir: tempfile::TempDir,
    config_path: PathBuf,
    _cancel: CancellationToken,
}

async fn world() -> World {
    let fake = FakePureservice::start(FakeOptions::new(Arc::new(SystemClock)))
        .await
        .unwrap();
    script::prepare(&fake);
    let (smtp, smtp_addr) = GatedSmtp::start().await;
    let cancel = CancellationToken::new();
    let http = capture::http_sink(Arc::new(Inbox::default()), cancel.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = world::config_text(
        &world::Peers {
            pureservice: fake.base_url(),
            api_key: fake.api_key().expose().to_string(),
            smtp: smtp_addr,
            http,
        },
        dir.path(),
    )
    .unwrap();
    let config_path = dir.path().join("slavakt.toml");
    std::fs::write(&config_path, text).unwrap();
    World {
        fake,
        smtp,
        dir,
        config_path,
        _cancel: cancel,
    }
}

/// A running `slavakt run` with its log collected.
struct Daemon {
    child: Child,
    log: Log,
}

impl Daemon {
    fn spawn(config: &Path) -> Daemon {
        let mut child = slavakt_run(config).spawn().unwrap();
        let log = collect_output(&mut child);
        Daemon { child, log }
    }

    /// Waits for the first saved state; fails with the log if the daemon exits instead.
    async fn wait_started(&mut self, state_file: &Path) {
        let start = Instant::now();
        while !state_file.exists() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("daemon exited {status:?}: {:?}", self.log.lines());
            }
            assert!(
                start.elapsed() < DEADLINE,
                "no state saved: {:?}",
                self.log.lines()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn logged(&self, needle: &str) -> bool {
        self.log.contains(needle)
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    async fn exit_status(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(start.elapsed() < DEADLINE, "daemon did not stop");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl World {
    fn state_file(&self) -> PathBuf {
        self.dir.path().join("state.json")
    }

    fn state(&self) -> slavakt::state::State {
        slavakt::state::read_only(&self.state_file())
            .unwrap()
            .expect("state file")
    }

    fn kritisk(&self) -> u64 {
        self.fake
            .create_ticket(NewTicket {
                subject: "Pasientvarsling nede på Bergmo".into(),
                priority: Some("Kritisk".into()),
                requester: Some(102),
                assignee: Some(201),
                categories: vec!["Pasientvarsling".into()],
                ..NewTicket::default()
            })
            .unwrap()
    }

    /// The Message-ID slavakt gives the e-mail of ledger entry `key`.
    fn mail_id(&self, key: &str) -> String {
        message_id(key, "ror-ikt.example")
    }

    /// Ledger keys of e-mail entries and their status.
    fn email_entries(&self) -> BTreeMap<String, (DeliveryStatus, usize)> {
        self.state()
            .ledger
            .entries
            .iter()
            .filter(|(_, e)| e.intent.key.channel == "email")
            .map(|(k, e)| {
                let interrupted = e
                    .attempts
                    .iter()
                    .filter(|a| a.outcome == INTERRUPTED_OUTCOME)
                    .count();
                (k.clone(), (e.status, interrupted))
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_waits_for_the_mail_in_flight_records_it_and_saves() {
    let w = world().await;
    let mut d = Daemon::spawn(&w.config_path);
    d.wait_started(&w.state_file()).await;

    w.smtp.armed.store(true, Ordering::SeqCst);
    w.kritisk();
    wait_until("a mail in flight", || w.smtp.held.load(Ordering::SeqCst)).await;
    d.signal("TERM");
    wait_until("the daemon to see SIGTERM", || d.logged("SIGTERM")).await;
    assert!(
        d.child.try_wait().unwrap().is_none(),
        "the daemon quit with a mail in flight"
    );
    w.smtp.release.notify_one();

    let status = d.exit_status().await;
    assert!(status.success(), "exit {status:?}: {:?}", d.log.lines());
    assert!(d.logged("stopped; state saved"));
    let entries = w.email_entries();
    assert!(!entries.is_empty());
    let in_flight: Vec<_> = entries
        .iter()
        .filter(|(_, (s, _))| *s == DeliveryStatus::InFlight)
        .collect();
    assert!(in_flight.is_empty(), "left in flight: {in_flight:?}");
    // The held mail is among the delivered ones: its answer came after SIGTERM.
    let received = w.smtp.received();
    let delivered: Vec<&String> = entries
        .iter()
        .filter(|(_, (s, _))| *s == DeliveryStatus::Delivered)
        .map(|(k, _)| k)
        .collect();
    assert!(!delivered.is_empty());
    for key in &delivered {
        assert_eq!(
            received.get(&w.mail_id(key)),
            Some(&1),
            "{key} recorded delivered but not received once"
        );
    }
    assert_eq!(
        delivered.len(),
        received.len(),
        "every mail the server accepted is recorded as delivered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_between_smtp_accept_and_ledger_costs_one_duplicate_never_a_loss() {
    let w = world().await;
    let mut d = Daemon::spawn(&w.config_path);
    d.wait_started(&w.state_file()).await;

    w.smtp.armed.store(true, Ordering::SeqCst);
    let id = w.kritisk();
    wait_until("a mail in flight", || w.smtp.held.load(Ordering::SeqCst)).await;
    // Freeze the process, let the server accept the mail ("250" on the wire), then kill it:
    // the far side has the mail, the ledger never heard of the answer.
    d.signal("STOP");
    w.smtp.release.notify_one();
    wait_until("the 250 answer", || w.smtp.answered.load(Ordering::SeqCst)).await;
    d.signal("KILL");
    d.exit_status().await;
    let before = w.smtp.received();
    let at_kill = w.email_entries();
    let in_flight: Vec<&String> = at_kill
        .iter()
        .filter(|(_, (s, _))| *s == DeliveryStatus::InFlight)
        .map(|(k, _)| k)
        .collect();
    assert!(
        !in_flight.is_empty(),
        "the state must show the mails in flight at the kill: {at_kill:?}"
    );

    // Restart: in-flight mails are sent once more; nothing is lost.
    let mut d = Daemon::spawn(&w.config_path);
    wait_until("every e-mail settled", || {
        let e = w.email_entries();
        e.values().all(|(s, _)| *s == DeliveryStatus::Delivered)
            && in_flight.iter().all(|k| e.contains_key(*k))
    })
    .await;
    d.signal("TERM");
    assert!(d.exit_status().await.success());
    let after_restart = w.smtp.received();
    let entries = w.email_entries();
    for (key, (_, interrupted)) in &entries {
        let n = after_restart.get(&w.mail_id(key)).copied().unwrap_or(0);
        assert!(n >= 1, "{key} lost");
        if in_flight.contains(&key) {
            assert_eq!(*interrupted, 1, "{key}: the heal is recorded");
            assert!(n <= 2, "{key} arrived {n} times");
        } else {
            assert_eq!(n, 1, "{key} duplicated without being in flight");
        }
    }
    // The held mail itself: accepted before the kill, then exactly once more.
    let held = w.smtp.held_id();
    assert_eq!(
        before.get(&held),
        Some(&1),
        "held mail accepted before the kill"
    );
    assert_eq!(
        after_restart.get(&held),
        Some(&2),
        "held mail sent once more"
    );

    // A third start sends nothing more.
    let total: usize = after_restart.values().sum();
    let started = SystemClock.now();
    let mut d = Daemon::spawn(&w.config_path);
    wait_until("a saved cycle after the third start", || {
        let s = w.state();
        s.health.last_poll_ok.is_some_and(|t| t >= started)
            && s.saved_at.is_some_and(|t| t >= started)
    })
    .await;
    d.signal("TERM");
    assert!(d.exit_status().await.success());
    assert_eq!(w.smtp.received().values().sum::<usize>(), total);
    assert!(
        !w.fake.notes(id).is_empty(),
        "the internal note went out too"
    );
}
