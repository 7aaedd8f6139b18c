//! Fault run: the real `slavakt run` binary is SIGKILLed (`kill -9`) at seeded random moments
//! during a storm of Kritisk/Høy incidents and restarted on the same config and state file.
//! Afterwards no opening notice may be lost, and every duplicate e-mail must be explained by a
//! send that was in flight at a kill (at-least-once, see src/state/heal.rs). Loopback only:
//! in-process fake Pureservice and capture sinks. See docs/FAULTS.md.
//!
//! CI runs 3 kills. The full run picks K with `SLAVAKT_FAULT_KILLS` (and optionally a seed with
//! `SLAVAKT_FAULT_SEED`), e.g.
//! `SLAVAKT_FAULT_KILLS=25 cargo test --release --test fault_kill -- --nocapture`.

use slavakt::clock::SystemClock;
use slavakt::demo::capture::Captured;
use slavakt::ledger::DeliveryStatus;
use slavakt::notify::email::message_id;
use slavakt::plan::storm::DIGEST_VAR;
use slavakt::pureservice::fake::NewTicket;
use slavakt::state::INTERRUPTED_OUTCOME;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::kit::process as process_support;
use process_support::slavakt_run;
use process_support::{demo_world, DemoWorld};

/// Time for the first state save, and (doubled) for the ledger to settle after the storm.
const DEADLINE: Duration = Duration::from_secs(45);
const DEFAULT_KILLS: usize = 3;
const DEFAULT_SEED: u64 = 0x5eed_0009;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

/// splitmix64: a tiny seeded generator so a failing run can be replayed exactly.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo))
    }
}

/// The daemon with its output discarded: this test judges by the state file and the capture.
fn spawn(config: &Path) -> Child {
    slavakt_run(config)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn kill9(child: &mut Child) {
    let ok = Command::new("kill")
        .args(["-9", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -9 failed");
    child.wait().unwrap();
}

/// The opening rules of the shipped plan per priority (config/slavakt.toml, `when = "opened"`).
fn opening_rules(priority: &str) -> &'static [&'static str] {
    match priority {
        "Kritisk" => &[
            "incident-open-alert",
            "incident-open-admin",
            "incident-open-coordinator",
            "incident-driftsmelding",
            "incident-intranet",
            "incident-note",
            "kritisk-announcement",
            "kritisk-municipality",
            "kritisk-leadership",
        ],
        _ => &[
            "incident-open-alert",
            "incident-open-admin",
            "incident-open-coordinator",
            "incident-driftsmelding",
            "incident-intranet",
            "incident-note",
            "hoy-thread",
        ],
    }
}

fn header<'a>(raw: &'a str, name: &str) -> Option<&'a str> {
    raw.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then_some(v.trim())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_an_incident_storm_loses_no_notice() {
    let DemoWorld {
        fake,
        inbox,
        cancel,
        dir,
        config_path,
        ..
    } = demo_world(Arc::new(SystemClock)).await;
    let state_file = dir.path().join("state.json");

    let kills_wanted: usize = env_or("SLAVAKT_FAULT_KILLS", DEFAULT_KILLS);
    let seed: u64 = env_or("SLAVAKT_FAULT_SEED", DEFAULT_SEED);
    let mut rng = Rng(seed);
    let mut child = spawn(&config_path);
    let start = Instant::now();
    while !state_file.exists() {
        assert!(start.elapsed() < DEADLINE, "no first state save");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // The storm: 2K + 2 incidents, one every 200–600 ms; a kill -9 at a random moment after
    // every 2nd ticket (plus a random extra delay), restarting at once each time.
    let mut tickets: BTreeMap<u64, &str> = BTreeMap::new();
    let mut kills = 0;
    for n in 0..2 * kills_wanted + 2 {
        let priority = if n % 3 == 2 { "Høy" } else { "Kritisk" };
        let id = fake
            .create_ticket(NewTicket {
                subject: format!("Storm {n}: Pasientvarsling nede"),
                priority: Some(priority.into()),
                requester: Some(102),
                assignee: Some(201),
                categories: vec!["Pasientvarsling".into()],
                ..NewTicket::default()
            })
            .unwrap();
        tickets.insert(id, priority);
        tokio::time::sleep(rng.millis(200, 600)).await;
        if n % 2 == 1 && kills < kills_wanted {
            tokio::time::sleep(rng.millis(0, 1500)).await;
            kill9(&mut child);
            kills += 1;
            child = spawn(&config_path);
        }
    }
    assert_eq!(kills, kills_wanted);
    let storm_end = Instant::now();

    // Let the last instance settle the ledger: every ticket tracked, nothing Pending/InFlight.
    let settled = loop {
        if let Ok(Some(s)) = slavakt::state::read_only(&state_file) {
            let open =
                s.ledger.entries.values().any(|e| {
                    matches!(e.status, DeliveryStatus::Pending | DeliveryStatus::InFlight)
                });
            let all_fired = tickets.iter().all(|(id, p)| {
                opening_rules(p).iter().all(|r| {
                    s.ledger
                        .entries
                        .values()
                        .any(|e| e.intent.key.ticket == *id && e.intent.key.rule == *r)
                })
            });
            if all_fired && !open {
                break s;
            }
        }
        assert!(storm_end.elapsed() < DEADLINE * 2, "ledger never settled");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    kill9(&mut child);

    // Zero lost: every opening notice of every incident is Delivered, or — when storm control
    // merged it (more than `storm_limit` messages to one person in one cycle, which a long
    // storm reaches) — skipped into a digest that was Delivered.
    let delivered = |key: &str| {
        settled
            .ledger
            .entries
            .get(key)
            .is_some_and(|e| e.status == DeliveryStatus::Delivered)
    };
    let (mut lost, mut in_digest) = (Vec::new(), 0);
    for (key, e) in &settled.ledger.entries {
        if !tickets.contains_key(&e.intent.key.ticket) {
            continue;
        }
        let reached = match e.status {
            DeliveryStatus::Delivered => true,
            DeliveryStatus::Skipped => {
                let digest = e.intent.vars.get(DIGEST_VAR);
                in_digest += usize::from(digest.is_some());
                digest.is_some_and(|d| delivered(d))
            }
            _ => false,
        };
        if !reached {
            lost.push((key.clone(), e.status, e.attempts.clone()));
        }
    }
    assert!(lost.is_empty(), "not delivered: {lost:#?}");

    // Every delivered e-mail is in the SMTP capture, found by its deterministic Message-ID.
    let mails: Vec<(String, String)> = inbox
        .snapshot()
        .into_iter()
        .filter_map(|c| match c {
            Captured::Mail { from, data, .. } => Some((from, data)),
            _ => None,
        })
        .collect();
    assert!(!mails.is_empty());
    let domain = mails[0].0.rsplit('@').next().unwrap().to_ascii_lowercase();
    let mut received: BTreeMap<String, usize> = BTreeMap::new();
    for (_, data) in &mails {
        let id = header(data, "Message-ID")
            .unwrap_or_else(|| panic!("mail without Message-ID:\n{data}"));
        *received.entry(id.to_string()).or_default() += 1;
    }
    let mut email_entries = 0;
    for (key, e) in &settled.ledger.entries {
        if !e.intent.key.channel.starts_with("email") || e.status != DeliveryStatus::Delivered {
            continue;
        }
        email_entries += 1;
        let id = message_id(key, &domain);
        let n = received.get(&id).copied().unwrap_or(0);
        assert!(n >= 1, "delivered e-mail {key} never reached the SMTP sink");
        // A duplicate is only allowed where a send was interrupted by a kill.
        let interrupted = e
            .attempts
            .iter()
            .filter(|a| a.outcome == INTERRUPTED_OUTCOME)
            .count();
        assert!(
            n - 1 <= interrupted,
            "{key} received {n} times but only {interrupted} interrupted sends"
        );
    }
    let duplicates: usize = received.values().map(|n| n - 1).sum();
    let healed: usize = settled
        .ledger
        .entries
        .values()
        .flat_map(|e| &e.attempts)
        .filter(|a| a.outcome == INTERRUPTED_OUTCOME)
        .count();
    let expected_rules: usize = tickets.values().map(|p| opening_rules(p).len()).sum();
    let notices = settled
        .ledger
        .entries
        .values()
        .filter(|e| tickets.contains_key(&e.intent.key.ticket))
        .count();
    eprintln!(
        "fault_kill: seed={seed:#x} kills={kills} tickets={} opening_rules={expected_rules} \
         notices={notices} (all delivered; {in_digest} of them in a digest) ledger={} email={email_entries} \
         mails_received={} duplicates={duplicates} interrupted_sends={healed} lost=0 in {:?}",
        tickets.len(),
        settled.ledger.entries.len(),
        mails.len(),
        start.elapsed()
    );
    cancel.cancel();
}
