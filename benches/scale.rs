//! Scale benchmark: `cargo bench --bench scale` (add `-- 1000` to run one size only). Under
//! `cargo test` it runs a small correctness version (1,000 tickets, no latency).
//!
//! Each part runs in a fresh process, so peak RSS is that part's own:
//! - core (`SLAVAKT_BENCH_N`): N open tickets tracked; the evaluation tick (all SLA clocks + the
//!   plan; first tick with rendering, then steady ticks), state save time and size, start-up
//!   (lock, read, parse, heal the N-ticket state), peak RSS. CPU time is this thread's own
//!   (`CLOCK_THREAD_CPUTIME_ID`), so other processes on the machine barely move it.
//! - API (`SLAVAKT_BENCH_API`): the real sync code against the fake Pureservice holding N open
//!   tickets (last changed 10 min – 30 days ago), through a loopback proxy that counts bytes:
//!   requests and bytes of the initial load, then of steady cycles with 0, 3 and 490 changed.
//! - latency (`SLAVAKT_BENCH_LATENCY`): the whole daemon with a 5 s poll interval; a Kritisk
//!   ticket appears in the fake → the first mail about it accepted by the loopback SMTP sink.
//!
//! Results: docs/BENCHMARKS.md. Nothing is timed in an assertion; the asserts check that each
//! part did what it measures (all tickets loaded, the changes seen, the mail arrived).
// A benchmark measures real elapsed time.
#![allow(clippy::disallowed_methods)]

use chrono::{DateTime, Duration, Utc};
use slavakt::app::{cycle, systemd::Systemd, Daemon, RunOptions};
use slavakt::clock::{Clock, FakeClock, SystemClock};
use slavakt::config::Config;
use slavakt::demo::capture::{self, Captured, Inbox};
use slavakt::demo::{script, world};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket};
use slavakt::pureservice::{sync::Syncer, Client};
use slavakt::state::{State, Store, SyncCursor};
use slavakt::ticket::{CoreStatus, Person, TicketSnapshot};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

#[path = "support/mod.rs"]
mod support;
use support::{ms, peak_rss_mb, timed};

/// Latency samples; p99 of 30 is the second-highest sample.
const LATENCY_SAMPLES: u64 = 30;
/// Repetitions of each timed step (best and median are reported).
const REPEAT: usize = 5;

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<String> = all
        .iter()
        .filter(|a| !a.starts_with('-'))
        .cloned()
        .collect();
    if let Ok(n) = std::env::var("SLAVAKT_BENCH_N") {
        return one_size(n.parse().expect("N"));
    }
    if let Ok(n) = std::env::var("SLAVAKT_BENCH_API") {
        return api(n.parse().expect("N"));
    }
    if std::env::var("SLAVAKT_BENCH_LATENCY").is_ok() {
        return latency();
    }
    // `cargo test --all-targets` runs this without `--bench`: then only the small correctness
    // version runs (1,000 tickets, no latency), as CI wants — timings are printed, not asserted.
    if !all.iter().any(|a| a == "--bench") {
        println!(
            "scale benchmark, small CI version (run `cargo bench --bench scale` for the full one)"
        );
        rerun(&[("SLAVAKT_BENCH_N", "1000".into())]);
        return rerun(&[("SLAVAKT_BENCH_API", "1000".into())]);
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![1_000, 10_000, 100_000]
    } else {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    };
    println!(
        "slavakt scale benchmark ({} CPUs visible)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for n in sizes {
        rerun(&[("SLAVAKT_BENCH_N", n.to_string())]);
        rerun(&[("SLAVAKT_BENCH_API", n.to_string())]);
    }
    if std::env::var("SLAVAKT_BENCH_NO_LATENCY").is_err() {
        rerun(&[("SLAVAKT_BENCH_LATENCY", "1".into())]);
    }
}

fn rerun(env: &[(&str, String)]) {
    let exe = std::env::current_exe().expect("own path");
    let status = std::process::Command::new(exe)
        .envs(env.iter().map(|(k, v)| (k.to_string(), v.clone())))
        .status()
        .expect("re-run the benchmark");
    assert!(status.success(), "benchmark run failed: {env:?}");
}

fn config() -> Config {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    slavakt::config::load_with_env(&path, &BTreeMap::new()).expect("shipped config")
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2027-03-24T14:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc)
}

/// Minutes before now that ticket `i` was created: spread over 30 days, never the same minute
/// for neighbours.
fn age_minutes(i: usize) -> i64 {
    ((i * 7919) % (30 * 24 * 60)) as i64 + 1
}

/// A realistic mix: 1 % Kritisk, 4 % Høy, 55 % Middels, 40 % Lav; created over the last 30
/// days; every tenth waiting on the user (paused).
fn snapshot(i: usize, now: DateTime<Utc>) -> TicketSnapshot {
    let priority = match i % 100 {
        0 => "Kritisk",
        1..=4 => "Høy",
        5..=59 => "Middels",
        _ => "Lav",
    };
    let created = now - Duration::minutes(age_minutes(i));
    let municipality = ["Aukra", "Molde", "Rauma", "Vestnes", "Hustadvika"][i % 5];
    TicketSnapshot {
        id: i as u64 + 1,
        number: 100_000 + i as u64,
        subject: format!("Sak {i}"),
        description: String::new(),
        priority: Some(priority.into()),
        status: if i % 10 == 3 {
            "Venter - sluttbruker".into()
        } else {
            "Under arbeid".into()
        },
        core: CoreStatus::Open,
        municipalities: vec![municipality.into()],
        service: Some("Gerica".into()),
        category: None,
        company: None,
        source: None,
        assignee: Some(Person {
            name: "Ola Driftsen".into(),
            email: Some("ola.driftsen@ror-ikt.example".into()),
            phone: Some("+4790000201".into()),
        }),
        created,
        modified: created,
        responded: (i % 3 == 0).then_some(created + Duration::minutes(5)),
        resolved: None,
        closed: None,
        reopened_count: 0,
        change: None,
        fields: BTreeMap::new(),
        modified_by_us: false,
        kind: Default::default(),
    }
}

/// `best / median` of the samples.
fn spread(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!("{:.1} / {:.1}", v[0], v[v.len() / 2])
}

fn one_size(n: usize) {
    let config = config();
    let now = now();
    let mut state = State::default();
    let snapshots: Vec<TicketSnapshot> = (0..n).map(|i| snapshot(i, now)).collect();
    let (tracked, track_ms, track_cpu) =
        timed(|| cycle::track(&mut state, &snapshots, &config, now));
    drop(snapshots);
    assert_eq!(state.tickets.len(), n, "{} changed", tracked.changed);

    // The daemon's path: the index of next due instants (the first tick evaluates everything).
    let mut index = slavakt::plan::index::Index::new();
    let (first, first_ms, first_cpu) =
        timed(|| cycle::plan_indexed(&mut state, &mut index, &config, now));
    // Steady state: poll intervals later, nothing new is due for most tickets.
    let (mut wall, mut cpu) = (Vec::new(), Vec::new());
    for k in 0..REPEAT {
        let at = now + Duration::seconds(30 * (k as i64 + 1));
        let (step, w, c) = timed(|| cycle::plan_indexed(&mut state, &mut index, &config, at));
        std::hint::black_box(step);
        wall.push(w);
        cpu.push(c);
    }

    // Of which: the classification notices, which still look at every ticket (clusters span
    // tickets, so they are not behind the index).
    let mut classify_cpu = Vec::new();
    for k in 0..REPEAT {
        let at = now + Duration::seconds(30 * (REPEAT as i64 + k as i64 + 1));
        let (ev, _, c) =
            timed(|| slavakt::classify::evaluate(&state.tickets, &state.ledger, &config, at));
        std::hint::black_box(ev);
        classify_cpu.push(c);
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (store, _) = Store::open(&path, now).unwrap();
    // A fresh store's first save is a snapshot; then a cycle's save with 3 tickets changed (one
    // journal line), and a quiet save (nothing changed: nothing written).
    let (bytes, snap_wall, snap_cpu) = timed(|| store.save(&state, now).unwrap());
    let (mut save_wall, mut save_cpu, mut line_bytes) = (Vec::new(), Vec::new(), 0);
    let (mut quiet_wall, mut quiet_cpu) = (Vec::new(), Vec::new());
    for k in 0..REPEAT {
        let at = now + Duration::seconds(30 * (k as i64 + 1));
        for id in [1 + k as u64, 101 + k as u64, 201 + k as u64] {
            if let Some(t) = state.tickets.get_mut(&id) {
                t.status = format!("Under arbeid {k}");
                state.touch_ticket(id);
            }
        }
        let before = store.stats().bytes_written;
        let (_, w, c) = timed(|| store.save(&state, at).unwrap());
        line_bytes = store.stats().bytes_written - before;
        save_wall.push(w);
        save_cpu.push(c);
        let before = store.stats().bytes_written;
        let (_, w, c) = timed(|| store.save(&state, at).unwrap());
        assert_eq!(
            store.stats().bytes_written,
            before,
            "a quiet save writes nothing"
        );
        quiet_wall.push(w);
        quiet_cpu.push(c);
    }
    drop(store);
    if let Ok(keep) = std::env::var("SLAVAKT_BENCH_KEEP_STATE") {
        // For a look inside: `jq` over the file shows what the bytes are.
        std::fs::copy(&path, keep).expect("copy the state file");
    }
    let ledger = state.ledger.entries.len();
    drop(state);
    let (mut start_wall, mut start_cpu) = (Vec::new(), Vec::new());
    for _ in 0..REPEAT {
        let ((_store, loaded), w, c) = timed(|| Store::open(&path, now).unwrap());
        assert_eq!(loaded.tickets.len(), n);
        start_wall.push(w);
        start_cpu.push(c);
    }

    println!("\nN = {n} open tickets (times: best / median of {REPEAT}, wall ms and CPU ms)");
    println!("  track (fold {n} first-seen snapshots)   wall {track_ms:.1}  cpu {track_cpu:.1}");
    println!(
        "  first evaluation tick (issues {} intents, renders them)   wall {first_ms:.1}  cpu {first_cpu:.1}",
        first.issued.len()
    );
    println!(
        "  steady evaluation tick (indexed: only what can fire)   wall {}  cpu {}",
        spread(wall),
        spread(cpu)
    );
    println!(
        "    of which classification notices (every ticket)   cpu {}",
        spread(classify_cpu)
    );
    println!(
        "  snapshot (first save, compaction)   wall {snap_wall:.1}  cpu {snap_cpu:.1}   file {:.2} MB ({ledger} ledger entries)",
        bytes as f64 / 1e6
    );
    println!(
        "  save with 3 tickets changed (one journal line, {line_bytes} bytes)   wall {}  cpu {}",
        spread(save_wall),
        spread(save_cpu)
    );
    println!(
        "  quiet save (nothing changed, 0 bytes)   wall {}  cpu {}",
        spread(quiet_wall),
        spread(quiet_cpu)
    );
    println!(
        "  start-up (lock, read, parse, heal)   wall {}  cpu {}",
        spread(start_wall),
        spread(start_cpu)
    );
    println!("  peak RSS {:.1} MB", peak_rss_mb());
}

/// Bytes that went through a [`counting_proxy`], both directions.
#[derive(Default)]
struct Meter {
    up: AtomicU64,
    down: AtomicU64,
}

impl Meter {
    fn total(&self) -> u64 {
        self.up.load(Ordering::SeqCst) + self.down.load(Ordering::SeqCst)
    }
}

/// A loopback TCP proxy in front of `target` that counts every byte (HTTP headers included), so
/// the bytes are what would cross the network, not what the client chose to report.
async fn counting_proxy(target: SocketAddr, meter: Arc<Meter>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let Ok(server) = tokio::net::TcpStream::connect(target).await else {
                continue;
            };
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            let m = meter.clone();
            tokio::spawn(pump(cr, sw, move |k| m.up.fetch_add(k, Ordering::SeqCst)));
            let m = meter.clone();
            tokio::spawn(pump(sr, cw, move |k| m.down.fetch_add(k, Ordering::SeqCst)));
        }
    });
    addr
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    count: impl Fn(u64) -> u64,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let k = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(k) => k,
        };
        // Counted before forwarding: once the client has the bytes, the count includes them.
        count(k as u64);
        if to.write_all(&buf[..k]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Requests and bytes for the initial load of N open tickets and for steady cycles.
fn api(n: usize) {
    let config = config();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let clock = FakeClock::new(now());
        let fake = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
            .await
            .unwrap();
        let seeding = Instant::now();
        for i in 0..n {
            // Last changed 10 min – 30 days ago: the steady cycles read what changes now.
            let created = now() - Duration::minutes(10 + age_minutes(i));
            fake.create_ticket(NewTicket {
                subject: format!("Sak {i}"),
                priority: Some(["Lav", "Middels", "Høy"][i % 3].into()),
                requester: Some(101 + (i % 5) as u64),
                assignee: Some(201),
                created: Some(created),
                ..NewTicket::default()
            })
            .unwrap();
        }
        let seeding = seeding.elapsed();
        let meter = Arc::new(Meter::default());
        let target = fake.base_url();
        let target: SocketAddr = format!(
            "{}:{}",
            target.host_str().unwrap(),
            target.port().unwrap()
        )
        .parse()
        .unwrap();
        let proxy = counting_proxy(target, meter.clone()).await;
        let mut cfg = config.clone();
        cfg.pureservice.base_url = url::Url::parse(&format!("http://{proxy}")).unwrap();
        cfg.pureservice.api_key = fake.api_key();
        cfg.pureservice.max_requests_per_minute = 1_000_000;
        let client = Client::new(&cfg.pureservice).unwrap();
        let mut syncer = Syncer::new(client, &cfg);

        println!(
            "\nAPI, N = {n} open tickets in the fake (page size {}, overlap {} s; seeded in {:.1} s)",
            cfg.pureservice.page_size,
            cfg.pureservice.sync_overlap.num_seconds(),
            seeding.as_secs_f64()
        );
        let (b0, r0) = (meter.total(), fake.request_count());
        let t = Instant::now();
        let out = syncer.cycle(&SyncCursor::default(), clock.now()).await.unwrap();
        let load_s = t.elapsed().as_secs_f64();
        assert_eq!(out.changed.len(), n, "initial load");
        println!(
            "  initial load: {} requests (incl. reference data), {:.2} MB, {load_s:.1} s wall (fake included)",
            fake.request_count() - r0,
            (meter.total() - b0) as f64 / 1e6
        );
        let mut cursor = out.cursor;
        let mut next_id = 1u64;
        for changes in [0usize, 3, 490, 0] {
            // One poll interval later, `changes` tickets are edited (modified = now).
            clock.advance(Duration::seconds(30));
            for _ in 0..changes {
                assert!(fake.set_status(next_id, "Venter - sluttbruker"));
                next_id += 1;
            }
            let (b0, r0) = (meter.total(), fake.request_count());
            let out = syncer.cycle(&cursor, clock.now()).await.unwrap();
            assert_eq!(out.changed.len(), changes, "changes seen");
            println!(
                "  steady cycle, {changes:>3} changed: {} request(s), {:.1} kB",
                fake.request_count() - r0,
                (meter.total() - b0) as f64 / 1e3
            );
            cursor = out.cursor;
        }
    });
}

/// Detection latency: Kritisk ticket in the fake → first mail about it accepted by the SMTP sink.
fn latency() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let fake = FakePureservice::start(FakeOptions::new(clock.clone()))
            .await
            .unwrap();
        script::prepare(&fake);
        let cancel = CancellationToken::new();
        let inbox = Arc::new(Inbox::default());
        let smtp = capture::smtp_sink(inbox.clone(), cancel.clone())
            .await
            .unwrap();
        let http = capture::http_sink(Arc::new(Inbox::default()), cancel.clone())
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut config = world::config(
            &world::Peers {
                pureservice: fake.base_url(),
                api_key: fake.api_key().expose().into(),
                smtp,
                http,
            },
            dir.path(),
        )
        .unwrap();
        config.daemon.poll_interval = Duration::seconds(5);
        let shutdown = CancellationToken::new();
        let daemon = Daemon::start(RunOptions {
            config_path: dir.path().join("demo.toml"),
            config,
            clock: clock.clone(),
            shutdown: shutdown.clone(),
            tick: None,
            systemd: Systemd::disabled(),
            client_options: None,
        })
        .unwrap();
        let runner = tokio::spawn(daemon.run(None));
        let mut samples = Vec::new();
        for k in 0..LATENCY_SAMPLES {
            // Start at a spread of phases of the 5 s poll cycle.
            tokio::time::sleep(std::time::Duration::from_millis(1000 + (k * 1_777) % 4_000)).await;
            let subject = format!("Pasientvarsling nede {k}");
            let t = Instant::now();
            fake.create_ticket(NewTicket {
                subject: subject.clone(),
                priority: Some("Kritisk".into()),
                requester: Some(102),
                assignee: Some(201),
                categories: vec!["Pasientvarsling".into()],
                ..NewTicket::default()
            })
            .unwrap();
            let deadline = Instant::now() + std::time::Duration::from_secs(60);
            loop {
                let seen = inbox.len();
                let about_it = inbox.snapshot().iter().any(|c| {
                    matches!(c, Captured::Mail { data, .. } if squeeze(&subject_of(data)).contains(&squeeze(&subject)))
                });
                if about_it {
                    break;
                }
                assert!(Instant::now() < deadline, "no mail about {subject}");
                inbox
                    .wait_for(seen + 1, deadline - Instant::now())
                    .await;
            }
            samples.push(ms(t.elapsed()));
        }
        shutdown.cancel();
        let _ = runner.await;
        samples.sort_by(f64::total_cmp);
        let p = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "\nDetection latency (poll interval 5 s, {} samples): min {:.0} ms, p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            samples.len(),
            samples[0],
            p(0.5),
            p(0.99),
            samples.last().unwrap()
        );
    });
}

/// The decoded `Subject:` header of a raw message (folded lines joined, RFC 2047 encoded words
/// decoded), since lettre encodes a subject that is not plain ASCII.
fn subject_of(raw: &str) -> String {
    let mut value: Option<String> = None;
    for line in raw.split("\r\n").take_while(|l| !l.is_empty()) {
        match value.as_mut() {
            Some(v) if line.starts_with([' ', '\t']) => v.push_str(line),
            Some(_) => break,
            None => {
                if let Some((k, v)) = line.split_once(':') {
                    if k.eq_ignore_ascii_case("subject") {
                        value = Some(v.to_string());
                    }
                }
            }
        }
    }
    let mut out = String::new();
    for word in value.unwrap_or_default().split_whitespace() {
        out.push_str(&decode_word(word).unwrap_or_else(|| word.to_string()));
    }
    out
}

/// `=?charset?B|Q?text?=` → text (UTF-8 assumed, as lettre writes).
fn decode_word(word: &str) -> Option<String> {
    use base64::Engine;
    let inner = word.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let (_charset, enc, text) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = if enc.eq_ignore_ascii_case("b") {
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .ok()?
    } else {
        let mut b = Vec::new();
        let mut it = text.bytes();
        while let Some(c) = it.next() {
            match c {
                b'_' => b.push(b' '),
                b'=' => {
                    let hex = [it.next()?, it.next()?];
                    b.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
                }
                c => b.push(c),
            }
        }
        b
    };
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}
