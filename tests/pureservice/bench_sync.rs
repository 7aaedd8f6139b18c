//! The figures of `docs/BENCHMARKS.md`, "Sync modes and the push hint" (issue 13). Ignored:
//! run by hand, they take minutes and print tables rather than assert targets.
//!
//! ```sh
//! cargo test --test bench_sync -- --ignored --nocapture --test-threads 1
//! ```
//!
//! - `sync_cost_per_mode`: the sync (`Syncer`) against the fake holding 300, 2,000 and 10,000
//!   open tickets, in `modified` and `open-set` mode: requests and answer-body bytes of steady
//!   cycles 30 s apart with nothing changed, 3 changed, 3 resolved (they leave the open set), and
//!   the hourly reconcile of `modified`.
//! - `detection_latency`: the whole daemon (`Daemon::run`, real clock, 300 open tickets changing
//!   several times a second, aiosmtpd) in a sorting tenant (`modified`) and one refusing every
//!   date filter (`open-set`): from creating a Kritisk ticket to its first mail at the SMTP peer,
//!   with a 5 s poll and no hint, and with a 60 s poll and the push hint called at once.

use crate::kit::notify as notify_support;

use chrono::{DateTime, Duration, Utc};
use notify_support::{header, SmtpPeer};
use slavakt::app::{systemd::Systemd, Daemon, RunOptions};
use slavakt::clock::{Clock, FakeClock, SystemClock};
use slavakt::config::{Config, SyncSetting};
use slavakt::demo::capture::{self, Inbox};
use slavakt::demo::{script, world};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket, Tenant};
use slavakt::pureservice::{sync::Syncer, Client};
use slavakt::state::SyncCursor;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;
use tokio_util::sync::CancellationToken;

fn shipped() -> Config {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    slavakt::config::load_with_env(&path, &BTreeMap::new()).expect("shipped config")
}

fn start() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-03-24T13:59:00.250+01:00")
        .unwrap()
        .with_timezone(&Utc)
}

/// One measured cycle: requests, body bytes.
async fn measured(
    syncer: &mut Syncer,
    client: &Client,
    cursor: &mut SyncCursor,
    now: DateTime<Utc>,
) -> (u64, u64, usize) {
    let b0 = client.bytes_received();
    let out = syncer.cycle(cursor, now).await.unwrap();
    *cursor = out.cursor;
    (
        out.requests,
        client.bytes_received() - b0,
        out.changed.len(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by hand (docs/BENCHMARKS.md)"]
async fn sync_cost_per_mode() {
    println!("| open | mode | steady, 0 changed | 3 changed | 3 resolved | hourly reconcile |");
    println!("|---:|---|---|---|---|---|");
    for n in [300usize, 2_000, 10_000] {
        for mode in [SyncSetting::Modified, SyncSetting::OpenSet] {
            let clock = FakeClock::new(start());
            let fake = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
                .await
                .unwrap();
            for i in 0..n {
                fake.create_ticket(NewTicket {
                    subject: format!("Sak {i}"),
                    description: "<p>Skriveren på kontoret skriver ikke ut.</p>".into(),
                    priority: Some(["Lav", "Middels", "Høy"][i % 3].into()),
                    requester: Some(101 + (i % 5) as u64),
                    assignee: Some(201),
                    created: Some(start() - Duration::minutes(10 + (i as i64 * 7) % 43_000)),
                    ..NewTicket::default()
                })
                .unwrap();
            }
            let mut cfg = shipped();
            cfg.pureservice.base_url = fake.base_url();
            cfg.pureservice.api_key = fake.api_key();
            cfg.pureservice.max_requests_per_minute = 1_000_000;
            cfg.pureservice.sync = mode;
            let client = Client::new(&cfg.pureservice).unwrap();
            let mut syncer = Syncer::new(client.clone(), &cfg);
            let mut cursor = SyncCursor::default();
            let load = measured(&mut syncer, &client, &mut cursor, clock.now()).await;
            assert_eq!(load.2, n, "initial load");
            // The first cycle after the load (the modified mode's reconcile runs in the first
            // cycle of a process): not a steady one.
            clock.advance(Duration::seconds(30));
            measured(&mut syncer, &client, &mut cursor, clock.now()).await;
            let mut cells = Vec::new();
            let mut next = 1u64;
            for (changes, status) in [(0, ""), (3, "Under arbeid"), (3, "Løst")] {
                clock.advance(Duration::seconds(30));
                for _ in 0..changes {
                    assert!(fake.set_status(next, status));
                    next += 1;
                }
                let (r, b, seen) = measured(&mut syncer, &client, &mut cursor, clock.now()).await;
                assert_eq!(seen, changes, "{n} {mode:?}: changes seen");
                cells.push(format!("{r} req, {:.1} kB", b as f64 / 1e3));
            }
            clock.advance(Duration::minutes(61));
            let (r, b, _) = measured(&mut syncer, &client, &mut cursor, clock.now()).await;
            cells.push(format!("{r} req, {:.1} kB", b as f64 / 1e3));
            let name = match mode {
                SyncSetting::Modified => "modified",
                _ => "open-set",
            };
            println!("| {n} | {name} | {} |", cells.join(" | "));
        }
    }
}

/// Percentile of sorted milliseconds.
fn pct(sorted: &[f64], p: f64) -> f64 {
    let i = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// `samples` detection latencies (ms) of the daemon in `tenant`; `hint`: 60 s poll and the
/// push hint called right after each ticket is made, else a 5 s poll.
async fn latencies(tenant: Tenant, hint: bool, samples: usize) -> Vec<f64> {
    let fake = Arc::new(
        FakePureservice::start(FakeOptions::new(Arc::new(SystemClock)))
            .await
            .unwrap(),
    );
    script::prepare(&fake);
    fake.set_tenant(tenant);
    let mut open = Vec::new();
    for n in 0..300u64 {
        open.push(
            fake.create_ticket(NewTicket {
                subject: format!("Skriver {n} virker ikke"),
                priority: Some("Lav".into()),
                requester: Some(101 + n % 5),
                ..NewTicket::default()
            })
            .unwrap(),
        );
    }
    let stop = CancellationToken::new();
    {
        let (fake, stop) = (fake.clone(), stop.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_millis(150));
            for k in 0u64.. {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tick.tick() => {}
                }
                let id = open[(k * 37 % 300) as usize];
                fake.update_ticket(
                    id,
                    serde_json::json!({"description": format!("<p>{k}</p>")}),
                );
            }
        });
    }
    let smtp = SmtpPeer::start("plain", None, None);
    let http = capture::http_sink(Arc::new(Inbox::default()), stop.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let peers = world::Peers {
        pureservice: fake.base_url(),
        api_key: fake.api_key().expose().to_string(),
        smtp: ([127, 0, 0, 1], smtp.port).into(),
        http,
    };
    let mut config = world::config(&peers, dir.path()).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    config.daemon.http_listen = Some(([127, 0, 0, 1], port).into());
    config.daemon.poll_interval = Duration::seconds(if hint { 60 } else { 5 });
    let token = "bench-hook-0123456789abcdef";
    if hint {
        config.daemon.hook_token = Some(slavakt::secret::Secret::new(token));
    }
    let im = config.roles["incident_manager"].email.clone().unwrap();
    let shutdown = CancellationToken::new();
    let daemon = Daemon::start(RunOptions {
        config_path: dir.path().join("slavakt.toml"),
        config,
        clock: Arc::new(SystemClock),
        shutdown: shutdown.clone(),
        tick: None,
        systemd: Systemd::disabled(),
        client_options: None,
    })
    .unwrap();
    let server = daemon.serve_http(shutdown.clone()).await.unwrap();
    let run = tokio::spawn(daemon.run(None));
    let state = dir.path().join("state.json");
    let loaded = Instant::now();
    while slavakt::state::read_only(&state)
        .ok()
        .flatten()
        .map_or(true, |s| s.tickets.len() < 300)
    {
        assert!(loaded.elapsed().as_secs() < 120, "no initial load");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let client = reqwest::Client::new();
    let hook = format!("http://127.0.0.1:{port}/hooks/pureservice");
    let mut out = Vec::new();
    let mut seen = 0usize;
    for i in 0..samples {
        let subject = format!("Pasientvarsling nede, måling {i}");
        if !hint {
            // Spread the samples over the poll cycle (a fixed, scattered phase each), rather
            // than always starting right after a cycle.
            let phase = (i as f64 * 0.618_034).fract() * 5.0;
            tokio::time::sleep(std::time::Duration::from_secs_f64(phase)).await;
        }
        let made = Instant::now();
        fake.create_ticket(NewTicket {
            subject: subject.clone(),
            priority: Some("Kritisk".into()),
            requester: Some(102),
            assignee: Some(201),
            categories: vec!["Pasientvarsling".into()],
            ..NewTicket::default()
        })
        .unwrap();
        if hint {
            let r = client.post(&hook).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), 202);
        }
        loop {
            let got = received_from(&smtp, seen);
            let hit = got.iter().any(|m| {
                m["rcpt_tos"]
                    .as_array()
                    .is_some_and(|r| r.iter().any(|a| a == &im))
                    && header(m, "Subject").contains(&subject)
            });
            if hit {
                out.push(made.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            assert!(made.elapsed().as_secs() < 120, "no mail for sample {i}");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        // This sample's other deliveries finish before the next ticket, so samples do not
        // queue behind each other.
        let settle = Instant::now();
        while pending(&client, port).await != Some(0.0) {
            assert!(settle.elapsed().as_secs() < 60, "deliveries never settled");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        seen = mail_files(&smtp).len();
        if hint {
            // A workflow's calls for different tickets come apart; closer ones coalesce by
            // design (HOOK_SPACING), which is not what this measures.
            tokio::time::sleep_until((made + slavakt::app::HOOK_SPACING).into()).await;
        }
    }
    shutdown.cancel();
    stop.cancel();
    let _ = run.await;
    if let Some(s) = server {
        let _ = s.await;
    }
    out
}

/// The SMTP peer's message files, in arrival order (names only: cheap to list).
fn mail_files(smtp: &SmtpPeer) -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(smtp.out.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// Messages from the `skip`-th on, parsing only those (so that polling the peer does not
/// compete with the daemon for the CPU as the mails pile up).
fn received_from(smtp: &SmtpPeer, skip: usize) -> Vec<serde_json::Value> {
    mail_files(smtp)
        .iter()
        .skip(skip)
        .filter_map(|p| serde_json::from_str(&std::fs::read_to_string(p).ok()?).ok())
        .collect()
}

async fn pending(client: &reqwest::Client, port: u16) -> Option<f64> {
    let text = client
        .get(format!("http://127.0.0.1:{port}/metrics"))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    text.lines().find_map(|l| {
        l.strip_prefix("slavakt_pending_deliveries ")?
            .trim()
            .parse()
            .ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run by hand (docs/BENCHMARKS.md)"]
async fn detection_latency() {
    let samples: usize = std::env::var("SLAVAKT_BENCH_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    println!("| tenant (mode) | poll | hint | samples | p50 ms | p90 ms | p99 ms | max ms |");
    println!("|---|---|---|---:|---:|---:|---:|---:|");
    for (tenant, mode) in [
        (Tenant::Faithful, "modified"),
        (Tenant::NoDateFilter, "open-set"),
    ] {
        for hint in [false, true] {
            let mut v = latencies(tenant, hint, samples).await;
            v.sort_by(f64::total_cmp);
            println!(
                "| {} ({mode}) | {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
                tenant.name(),
                if hint { "60 s" } else { "5 s" },
                if hint { "yes" } else { "no" },
                v.len(),
                pct(&v, 50.0),
                pct(&v, 90.0),
                pct(&v, 99.0),
                v[v.len() - 1]
            );
        }
    }
}
