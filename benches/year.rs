//! Year benchmark: `cargo bench --bench year` (1× and 10× the ROR-IKT rate, 13 months each).
//! `SLAVAKT_YEAR_SCALE=10 SLAVAKT_YEAR_MONTHS=3 SLAVAKT_YEAR_CYCLE_MIN=30` runs one configuration.
//! Under `cargo test` it runs a small correctness version (1×, 1 month, a cycle every 4 hours).
//!
//! A simulated desk at 1,300 tickets a month × scale (1 % Kritisk, 2.4 % Høy, 55 % Middels, the
//! rest Lav; answered after 20 minutes, every tenth waiting on the user for a day, resolved after
//! 4 hours (Kritisk), a day (Høy) or 1–10 days, every 25th reopened once — about 240 open at
//! 1×), driven by a fake clock through the daemon's own steps: `cycle::track`,
//! `cycle::plan_indexed` with the shipped config (rendering included), the store's save before
//! and after each delivery round, prune and minimise once an hour (as the daemon does), health facts every cycle.
//! Delivery itself is simulated (in flight → saved → delivered with a remote id and a thread id,
//! slimmed → saved), as the outbox does without the network. Once a month the daemon
//! "restarts": the store is dropped and opened again (start-up time), the reloaded state must
//! equal the one in memory, and quiet cycles 30 s apart are measured (CPU, bytes written).
//!
//! Results: docs/BENCHMARKS.md.
// A benchmark measures real elapsed time.
#![allow(clippy::disallowed_methods)]

use chrono::{DateTime, Duration, Utc};
use slavakt::app::cycle;
use slavakt::config::Config;
use slavakt::ledger::{Attempt, DeliveryStatus};
use slavakt::plan::index::Index;
use slavakt::state::{State, Store};
use slavakt::ticket::{CoreStatus, Person, TicketSnapshot};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::path::Path;

#[path = "support/mod.rs"]
mod support;
use support::{peak_rss_mb, thread_cpu_ms, timed};

fn main() {
    let all: Vec<String> = std::env::args().collect();
    if std::env::var("SLAVAKT_YEAR_SCALE").is_ok() {
        let var = |k: &str, d: u32| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(d)
        };
        return run(
            var("SLAVAKT_YEAR_SCALE", 1),
            var("SLAVAKT_YEAR_MONTHS", 13),
            var("SLAVAKT_YEAR_CYCLE_MIN", 5),
        );
    }
    let runs: &[(u32, u32, u32)] = if all.iter().any(|a| a == "--bench") {
        &[(1, 13, 5), (10, 13, 60)]
    } else {
        println!(
            "year benchmark, small CI version (run `cargo bench --bench year` for the full one)"
        );
        &[(1, 1, 240)]
    };
    for (scale, months, cycle) in runs {
        let exe = std::env::current_exe().expect("own path");
        let status = std::process::Command::new(exe)
            .env("SLAVAKT_YEAR_SCALE", scale.to_string())
            .env("SLAVAKT_YEAR_MONTHS", months.to_string())
            .env("SLAVAKT_YEAR_CYCLE_MIN", cycle.to_string())
            .status()
            .expect("re-run the benchmark");
        assert!(status.success());
    }
}

fn config() -> Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    let mut c = slavakt::config::load_with_env(&path, &BTreeMap::new()).expect("shipped config");
    c.daemon.reports_dir = std::env::temp_dir();
    c
}

fn mix(mut x: u64) -> u64 {
    // splitmix64: a fixed, well-spread sequence without a dependency.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Open,
    Respond,
    Pause,
    Resume,
    Resolve,
    Reopen,
}

/// The events of ticket `id` created at `at`.
fn life(id: u64, at: DateTime<Utc>) -> Vec<(DateTime<Utc>, Kind)> {
    let r = mix(id);
    let h = |n: i64| Duration::hours(n);
    let duration = match id % 1000 {
        0..=9 => h(4),
        10..=33 => h(24),
        _ => h(24 + (r % 216) as i64),
    };
    let mut v = vec![
        (at, Kind::Open),
        (at + Duration::minutes(20), Kind::Respond),
    ];
    if id % 10 == 3 && duration > h(26) {
        v.push((at + h(2), Kind::Pause));
        v.push((at + h(26), Kind::Resume));
    }
    v.push((at + duration, Kind::Resolve));
    if id % 25 == 7 {
        v.push((at + duration + h(24), Kind::Reopen));
        v.push((at + duration + h(48), Kind::Resolve));
    }
    v
}

fn snapshot(id: u64, at: DateTime<Utc>) -> TicketSnapshot {
    let priority = match id % 1000 {
        0..=9 => "Kritisk",
        10..=33 => "Høy",
        34..=583 => "Middels",
        _ => "Lav",
    };
    TicketSnapshot {
        id,
        number: 100_000 + id,
        subject: format!("Sak {id}: Gerica svarer tregt"),
        description: String::new(),
        priority: Some(priority.into()),
        status: "Ny".into(),
        core: CoreStatus::Open,
        municipalities: vec![
            ["Aukra", "Molde", "Rauma", "Vestnes", "Hustadvika"][id as usize % 5].into(),
        ],
        service: Some("Gerica".into()),
        category: None,
        company: None,
        source: None,
        assignee: Some(Person {
            name: "Ola Driftsen".into(),
            email: Some("ola.driftsen@ror-ikt.example".into()),
            phone: Some("+4790000201".into()),
        }),
        created: at,
        modified: at,
        responded: None,
        resolved: None,
        closed: None,
        reopened_count: 0,
        change: None,
        fields: BTreeMap::new(),
        modified_by_us: false,
        kind: Default::default(),
    }
}

fn apply(s: &mut TicketSnapshot, kind: Kind, at: DateTime<Utc>) {
    match kind {
        Kind::Open => {}
        Kind::Respond => {
            s.responded = Some(at);
            s.status = "Under arbeid".into();
        }
        Kind::Pause => s.status = "Venter - sluttbruker".into(),
        Kind::Resume => s.status = "Under arbeid".into(),
        Kind::Resolve => {
            s.core = CoreStatus::Solved;
            s.status = "Løst".into();
            s.resolved = Some(at);
        }
        Kind::Reopen => {
            s.core = CoreStatus::Open;
            s.status = "Under arbeid".into();
            s.resolved = None;
            s.reopened_count += 1;
        }
    }
    s.modified = at;
}

/// What the daemon holds between cycles.
struct Sim {
    config: Config,
    store: Option<Store>,
    state: State,
    index: Index,
    path: std::path::PathBuf,
    save_cpu: Vec<f64>,
    tick_cpu: Vec<f64>,
    housekeeping_at: Option<DateTime<Utc>>,
}

impl Sim {
    fn store(&self) -> &Store {
        self.store.as_ref().expect("open")
    }

    fn save(&mut self, now: DateTime<Utc>) {
        let before = self.store().stats().bytes_written;
        let (r, _, cpu) = timed(|| self.store().save(&self.state, now));
        r.expect("save");
        if self.store().stats().bytes_written > before {
            self.save_cpu.push(cpu);
        }
    }

    /// One cycle at `now` with these polled snapshots, as `Daemon::cycle` runs it.
    fn cycle(&mut self, polled: &[TicketSnapshot], now: DateTime<Utc>) {
        self.state.health.last_poll_ok = Some(now);
        let tracked = cycle::track(&mut self.state, polled, &self.config, now);
        let (step, _, cpu) =
            timed(|| cycle::plan_indexed(&mut self.state, &mut self.index, &self.config, now));
        self.tick_cpu.push(cpu);
        let mut dirty = tracked.changed || step.changed() || !step.findings.is_empty();
        if dirty || self.store().health_due(&self.state.health, now) {
            self.save(now);
        }
        // Delivery: due entries in flight, saved, then delivered.
        let due: Vec<String> = self
            .state
            .ledger
            .pending()
            .into_iter()
            .filter(|e| !e.next_attempt.is_some_and(|t| t > now))
            .map(|e| e.intent.key.to_string())
            .collect();
        if !due.is_empty() {
            for k in &due {
                self.state.ledger.entries.get_mut(k).unwrap().status = DeliveryStatus::InFlight;
            }
            self.save(now);
            for k in &due {
                let e = self.state.ledger.entries.get_mut(k).unwrap();
                e.status = DeliveryStatus::Delivered;
                e.next_attempt = None;
                let id = format!(
                    "<{}.{}@slavakt.ror-ikt.example>",
                    e.intent.key.ticket,
                    mix(k.len() as u64 ^ now.timestamp() as u64) % 100_000
                );
                e.attempts.push(Attempt {
                    at: now,
                    ok: true,
                    outcome: "250 2.0.0 queued".into(),
                });
                e.remote_id = Some(id.clone());
                let thread = self
                    .state
                    .threads
                    .entry(format!("{}/{}", e.intent.key.ticket, e.intent.key.channel))
                    .or_default();
                thread.push(id);
                if thread.len() > 10 {
                    thread.remove(1);
                }
            }
            dirty = true;
        }
        if self
            .housekeeping_at
            .map_or(true, |at| now - at >= slavakt::app::HOUSEKEEPING_EVERY)
        {
            self.housekeeping_at = Some(now);
            let pruned = slavakt::state::prune(&mut self.state, self.config.daemon.retention, now);
            dirty |= pruned != Default::default();
            let titled = slavakt::report::monthly::incident_levels(&self.config);
            dirty |= slavakt::state::minimise(&mut self.state, &titled, now) > 0;
        }
        if dirty {
            self.state.ledger.slim_settled();
            self.save(now);
        }
    }

    fn disk_bytes(&self) -> u64 {
        let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        len(&self.path) + len(&slavakt::state::journal_path(&self.path))
    }
}

/// A hash of the state's JSON form (its records; `saved_at` is set by the load).
fn json_hash(state: &State) -> u64 {
    use std::hash::Hasher;
    struct W(std::collections::hash_map::DefaultHasher);
    impl std::io::Write for W {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.write(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = W(Default::default());
    serde_json::to_writer(
        &mut w,
        &(
            &state.tickets,
            &state.ledger,
            &state.threads,
            &state.reported,
            &state.cursor,
            &state.health,
        ),
    )
    .unwrap();
    w.0.finish()
}

/// Resets the peak RSS (`VmHWM`) so the next month's figure is its own (Linux `clear_refs` 5).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn run(scale: u32, months: u32, cycle_min: u32) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let start: DateTime<Utc> = "2026-01-05T06:00:00Z".parse().unwrap();
    let (store, state) = Store::open(&path, start).unwrap();
    let mut sim = Sim {
        config: config(),
        store: Some(store),
        state,
        index: Index::new(),
        path: path.clone(),
        save_cpu: Vec::new(),
        tick_cpu: Vec::new(),
        housekeeping_at: None,
    };
    let per_day = 1300.0 * f64::from(scale) * 12.0 / 365.0;
    let step = Duration::minutes(i64::from(cycle_min));
    let mut events: BinaryHeap<Reverse<(DateTime<Utc>, u64, Kind)>> = BinaryHeap::new();
    let mut open: BTreeMap<u64, TicketSnapshot> = BTreeMap::new();
    let mut remaining: BTreeMap<u64, usize> = BTreeMap::new();
    let mut next_id = 1u64;
    let mut created = 0.0f64;
    let mut now = start;
    println!(
        "\nyear benchmark: {scale}× ROR-IKT ({:.0} tickets/month), {months} months, a cycle every {cycle_min} min of simulated time",
        1300.0 * f64::from(scale)
    );
    println!("month | tracked | open | ledger | on disk MB | written MB/day | changed MB/day | saves/day | compactions | save ms | start-up ms | first tick ms | tick ms | quiet cycle ms | quiet bytes | peak RSS MB");
    let mut month_start = start;
    for month in 1..=months {
        let month_end = start + Duration::days(30 * i64::from(month));
        while now < month_end {
            now += step;
            // New tickets for this step.
            created += per_day * step.num_seconds() as f64 / 86_400.0;
            while created >= 1.0 {
                created -= 1.0;
                let id = next_id;
                next_id += 1;
                let at = now - Duration::seconds((mix(id) % step.num_seconds() as u64) as i64);
                let life = life(id, at);
                remaining.insert(id, life.len());
                for (t, k) in life {
                    events.push(Reverse((t, id, k)));
                }
            }
            let mut changed: BTreeMap<u64, TicketSnapshot> = BTreeMap::new();
            while events.peek().is_some_and(|Reverse((t, _, _))| *t <= now) {
                let Reverse((t, id, k)) = events.pop().unwrap();
                let s = open.entry(id).or_insert_with(|| snapshot(id, t));
                apply(s, k, t);
                changed.insert(id, s.clone());
                let left = remaining.get_mut(&id).expect("counted");
                *left -= 1;
                if *left == 0 {
                    remaining.remove(&id);
                    open.remove(&id);
                }
            }
            let polled: Vec<TicketSnapshot> = changed.into_values().collect();
            sim.cycle(&polled, now);
        }
        // The store was opened at the last restart: its counters are this month's.
        let stats = sim.store().stats();
        let days = (now - month_start).num_seconds() as f64 / 86_400.0;
        let written_day = stats.bytes_written as f64 / days / 1e6;
        let changed_day = stats.journal_bytes_written as f64 / days / 1e6;
        let saves_day = stats.writes as f64 / days;
        let save_ms = median(std::mem::take(&mut sim.save_cpu));
        let tick_ms = median(std::mem::take(&mut sim.tick_cpu));
        let compactions = stats.compactions;
        // Peak RSS of the month's work (the high-water mark is reset after each restart check).
        let month_rss = peak_rss_mb();
        // Restart: close the store, drop the state (as a stopped daemon would), open again; the
        // reloaded state must be what was in memory (compared by a hash of its JSON form, so
        // two states never coexist and the start-up's peak memory is its own).
        let before = json_hash(&sim.state);
        sim.store = None;
        sim.state = State::default();
        let ((store, loaded), _, startup_ms) = timed(|| Store::open(&path, now).unwrap());
        let startup_rss = peak_rss_mb();
        assert_eq!(
            json_hash(&loaded),
            before,
            "the restart reads back what was in memory"
        );
        sim.store = Some(store);
        sim.state = loaded;
        sim.index = Index::new();
        // The first tick after the start evaluates every ticket; then quiet cycles 30 s apart.
        now += Duration::seconds(30);
        sim.cycle(&[], now);
        let first_tick = sim.tick_cpu.pop().unwrap_or(f64::NAN);
        let bytes_before = sim.store().stats().bytes_written;
        let mut quiet = Vec::new();
        for _ in 0..5 {
            now += Duration::seconds(30);
            let c = thread_cpu_ms();
            sim.cycle(&[], now);
            quiet.push(thread_cpu_ms() - c);
        }
        let quiet_bytes = sim.store().stats().bytes_written - bytes_before;
        sim.tick_cpu.clear();
        sim.save_cpu.clear();
        let open_now = sim
            .state
            .tickets
            .values()
            .filter(|t| !t.is_resolved())
            .count();
        println!(
            "{month:>5} | {:>7} | {open_now:>4} | {:>6} | {:>10.2} | {written_day:>14.2} | {changed_day:>14.3} | {saves_day:>9.0} | {compactions:>11} | {save_ms:>7.2} | {startup_ms:>11.1} | {first_tick:>13.1} | {tick_ms:>7.2} | {:>14.2} | {quiet_bytes:>11} | {:>11.1}",
            sim.state.tickets.len(),
            sim.state.ledger.entries.len(),
            sim.disk_bytes() as f64 / 1e6,
            median(quiet),
            month_rss.max(startup_rss)
        );
        reset_peak_rss();
        month_start = now;
    }
}
