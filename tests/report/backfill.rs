//! `slavakt backfill` against the fake Pureservice holding a year of solved tickets, in every
//! tenant behaviour of `Tenant::ALL` (sort honoured with a date filter, only the constructor
//! date form, no date comparison accepted, sort ignored, whole seconds): the monthly report from the backfilled state equals the
//! one from the daemon's own tracking of the same tickets (the real sync and the daemon's
//! `cycle::track`, cycle by cycle as the tickets were opened, answered and solved); a dry run
//! writes nothing; an interrupted run continues where it stopped without reading anything
//! twice; nothing is ever sent, by the backfill or by the daemon started on its state.

use crate::kit::daemon::{at, world, World};
use chrono::{DateTime, Duration, Utc};
use slavakt::backfill::Checkpoint;
use slavakt::cli::backfill::{backfill, Finished, Options};
use slavakt::clock::Clock;
use slavakt::config::Config;
use slavakt::pureservice::client::{Client, ClientOptions};
use slavakt::pureservice::fake::{Fault, NewTicket, Tenant};
use slavakt::pureservice::Syncer;
use slavakt::report::monthly::shift;
use slavakt::state::State;
use slavakt::ticket::{Approximation, TicketKind};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The first month of the year of tickets, and the instant the backfill runs.
const FIRST: (i32, u32) = (2025, 12);
const NOW: &str = "2026-12-02T09:00:00+01:00";

/// One thing that happens to a ticket of the year: at `at`, ticket number `n` of the plan.
#[derive(Debug, Clone)]
enum Step {
    Create {
        n: usize,
        priority: &'static str,
        requester: u64,
        category: &'static str,
        request_type: u64,
    },
    Respond(usize),
    Resolve(usize),
}

/// A year of tickets: 11 a month at every priority, for every municipality, fault reports and
/// service requests, answered between 5 minutes and 5 hours after creation (one never), solved
/// from 40 minutes to 6 days after — so some breach and some cross a month end.
fn year() -> Vec<(DateTime<Utc>, Step)> {
    let priorities = ["Kritisk", "Høy", "Middels", "Lav"];
    let categories = ["Pasientvarsling", "Gerica", "Nettverk", "E-post", "Skriver"];
    let mut steps = Vec::new();
    let mut n = 0;
    for m in 0..12 {
        let (y, mo) = shift(FIRST, m);
        for k in 0..11usize {
            let day = 1 + (k as u32 * 3 + m as u32) % 27;
            let created = at(&format!(
                "{y:04}-{mo:02}-{day:02}T{:02}:17:00+01:00",
                7 + k % 9
            ));
            let priority = priorities[k % 4];
            steps.push((
                created,
                Step::Create {
                    n,
                    priority,
                    requester: 101 + (k % 5) as u64,
                    category: categories[(k + m as usize) % 5],
                    request_type: if k % 3 == 2 { 3 } else { 1 },
                },
            ));
            let hours = match priority {
                "Kritisk" => [1, 3][k % 2],
                "Høy" => [2, 6][(k / 2) % 2],
                _ => [20, 50, 100, 150][(k + m as usize) % 4],
            };
            let solved = created + Duration::hours(hours) + Duration::minutes(40);
            if k != 7 {
                // Answered before it is solved (a later answer would reopen it here).
                let after = [5, 12, 50, 130, 300][(k + m as usize) % 5];
                let answered =
                    (created + Duration::minutes(after)).min(solved - Duration::minutes(10));
                steps.push((answered, Step::Respond(n)));
            }
            steps.push((solved, Step::Resolve(n)));
            n += 1;
        }
    }
    steps.sort_by_key(|(t, _)| *t);
    steps
}

fn config_for(w: &World) -> Config {
    let mut c = w.config.clone();
    // Several pages, so paging (and a tenant ignoring sort) really matters.
    c.pureservice.page_size = 25;
    c.pureservice.service_request_types = vec![3];
    c
}

fn options(w: &World, dry_run: bool) -> Options {
    Options {
        since: FIRST,
        dry_run,
        clock: Arc::new(w.clock.clone()),
        client: ClientOptions {
            clock: Arc::new(w.clock.clone()),
            ..ClientOptions::default()
        },
        stop: CancellationToken::new(),
    }
}

/// Plays the year into the fake and, like the daemon, syncs and tracks after every step.
/// Returns the daemon's state.
async fn play_year(w: &World, config: &Config) -> State {
    let client = Client::with_options(
        &config.pureservice,
        ClientOptions {
            clock: Arc::new(w.clock.clone()),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let mut syncer = Syncer::new(client, config);
    let mut state = State::default();
    let solved = w.fake.id_by_name("status", "Løst").unwrap();
    let working = w.fake.id_by_name("status", "Under arbeid").unwrap();
    let mut ids = std::collections::BTreeMap::new();
    for (t, step) in year() {
        w.clock.set(t);
        let ts = t.to_rfc3339();
        match step {
            Step::Create {
                n,
                priority,
                requester,
                category,
                request_type,
            } => {
                let id = w
                    .fake
                    .create_ticket(NewTicket {
                        subject: format!("Sak {n}: {category} virker ikke"),
                        description: "<p>Feil meldt av bruker.</p>".into(),
                        priority: Some(priority.into()),
                        requester: Some(requester),
                        assignee: Some(201),
                        categories: vec![category.into()],
                        request_type: Some(request_type),
                        ..NewTicket::default()
                    })
                    .unwrap();
                ids.insert(n, id);
            }
            Step::Respond(n) => {
                w.fake.update_ticket(
                    ids[&n],
                    serde_json::json!({"responded": ts, "statusId": working}),
                );
            }
            Step::Resolve(n) => {
                w.fake.update_ticket(
                    ids[&n],
                    serde_json::json!({"resolved": ts, "statusId": solved}),
                );
            }
        }
        let out = syncer.cycle(&state.cursor, t).await.unwrap();
        state.cursor = out.cursor.clone();
        slavakt::app::cycle::track(&mut state, &out.changed, config, t);
        for id in out.removed {
            state.tickets.remove(&id);
        }
    }
    w.clock.set(at(NOW));
    state
}

async fn run(w: &World, config: &Config, dry_run: bool) -> Result<Finished, String> {
    backfill(config, options(w, dry_run), &mut |_, _| {})
        .await
        .map_err(|e| e.to_string())
}

fn load(config: &Config) -> State {
    slavakt::state::read_only(&config.daemon.state_file)
        .unwrap()
        .expect("a state file")
}

/// The monthly figures of every month of the year agree, month by month.
fn assert_same_reports(daemon: &State, backfilled: &State, config: &Config, tenant: Tenant) {
    let now = at(NOW);
    for m in 0..12 {
        let month = shift(FIRST, m);
        let a = slavakt::report::figures(daemon, config, month, now).unwrap();
        let mut b = slavakt::report::figures(backfilled, config, month, now).unwrap();
        // The backfilled report says which of its figures are estimates; the figures agree.
        assert_eq!(a.backfilled.tickets, 0);
        assert!(
            b.backfilled.tickets > 0,
            "{}: no backfill note",
            tenant.name()
        );
        b.backfilled = a.backfilled.clone();
        assert_eq!(a, b, "{}: month {month:?} differs", tenant.name());
        assert!(a.levels.iter().map(|l| l.resolved).sum::<usize>() > 0);
    }
}

async fn same_reports_in(tenant: Tenant) {
    let w = world("2025-11-30T12:00:00+01:00").await;
    w.fake.set_tenant(tenant);
    let config = config_for(&w);
    let daemon_state = play_year(&w, &config).await;
    assert_eq!(daemon_state.tickets.len(), 132);
    assert!(daemon_state.tickets.values().all(|t| t.is_resolved()));

    let done = run(&w, &config, false).await.unwrap();
    let c = &done.checkpoint.counts;
    assert_eq!((c.read, c.recorded), (132, 132), "{}: {c:?}", tenant.name());
    assert!(done.checkpoint.finished.is_some());
    if tenant == Tenant::NoDateFilter {
        assert!(!done.checkpoint.filter.contains("modified"), "{done:?}");
    } else if tenant == Tenant::Faithful {
        assert!(
            done.checkpoint.filter.contains("DateTimeOffset"),
            "{done:?}"
        );
        assert!(!done.checkpoint.paging.by_offset);
    } else if tenant == Tenant::SortIgnored {
        assert!(done.checkpoint.paging.by_offset, "{done:?}");
    }
    let state = load(&config);
    assert_eq!(state.tickets.len(), 132);
    for t in state.tickets.values() {
        let b = t.backfilled.as_ref().expect("marked as backfilled");
        assert_eq!(b.approximate, vec![Approximation::Pauses], "{t:?}");
        assert!(t.resolved_when_first_seen);
        // Minimised as the daemon does a week after the solution: no assignee kept.
        let week_old = t.resolved_at().unwrap() <= at(NOW) - slavakt::state::MINIMISE_AFTER;
        assert_eq!(t.assignee.is_none(), week_old, "{t:?}");
    }
    assert!(state
        .tickets
        .values()
        .any(|t| t.kind == TicketKind::Request));
    assert!(state.ledger.entries.is_empty(), "backfill issues no intent");
    assert_same_reports(&daemon_state, &state, &config, tenant);
    assert!(w.smtp.received().is_empty());
    // The fake only ever saw reads.
    assert!(w.fake.requests().iter().all(|r| r.method == "GET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_gives_the_daemons_reports_when_sort_and_dates_work() {
    same_reports_in(Tenant::Faithful).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_gives_the_daemons_reports_when_no_date_comparison_is_accepted() {
    same_reports_in(Tenant::NoDateFilter).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_gives_the_daemons_reports_when_sort_is_ignored() {
    same_reports_in(Tenant::SortIgnored).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_gives_the_daemons_reports_when_only_the_constructor_date_form_works() {
    same_reports_in(Tenant::IsoRefused).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_gives_the_daemons_reports_with_whole_second_timestamps() {
    same_reports_in(Tenant::WholeSeconds).await;
}

/// Fills the fake with the year without tracking it (the daemon never ran).
async fn year_only(w: &World) {
    let solved = w.fake.id_by_name("status", "Løst").unwrap();
    let mut ids = std::collections::BTreeMap::new();
    for (t, step) in year() {
        w.clock.set(t);
        let ts = t.to_rfc3339();
        match step {
            Step::Create {
                n,
                priority,
                requester,
                category,
                request_type,
            } => {
                let id = w
                    .fake
                    .create_ticket(NewTicket {
                        subject: "Skriveren skriver ikke".into(),
                        priority: Some(priority.into()),
                        requester: Some(requester),
                        categories: vec![category.into()],
                        request_type: Some(request_type),
                        ..NewTicket::default()
                    })
                    .unwrap();
                ids.insert(n, id);
            }
            Step::Respond(n) => {
                w.fake
                    .update_ticket(ids[&n], serde_json::json!({ "responded": ts }));
            }
            Step::Resolve(n) => {
                w.fake.update_ticket(
                    ids[&n],
                    serde_json::json!({"resolved": ts, "statusId": solved}),
                );
            }
        }
    }
    w.clock.set(at(NOW));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_prints_what_it_would_record_and_writes_nothing() {
    let w = world("2025-11-30T12:00:00+01:00").await;
    let config = config_for(&w);
    year_only(&w).await;
    let done = run(&w, &config, true).await.unwrap();
    assert_eq!(done.checkpoint.counts.recorded, 132);
    assert_eq!(done.would_record.len(), 132);
    assert!(
        done.would_record[0].starts_with("would record #"),
        "{:?}",
        done.would_record[0]
    );
    assert!(done.would_record.iter().any(|l| l.contains("breached")));
    assert!(done
        .would_record
        .iter()
        .all(|l| l.contains("[approximate: pauses]")));
    let text = slavakt::cli::backfill::summary(&done, &config, true);
    assert!(text.contains("Dry run: nothing was written."), "{text}");
    assert!(text.contains("132 tickets: pauses"), "{text}");
    // Clocks that count from a raise cannot be rebuilt: said, per ticket and in the summary.
    let mut from_raise = config.clone();
    from_raise.on_priority_change = slavakt::config::OnPriorityChange::FromRaise;
    let done = run(&w, &from_raise, true).await.unwrap();
    assert!(done
        .would_record
        .iter()
        .all(|l| l.contains("[approximate: pauses, priority]")));
    let text = slavakt::cli::backfill::summary(&done, &from_raise, true);
    assert!(text.contains("132 tickets: priority"), "{text}");
    // No state file, no journal, no lock file: nothing at all in the state directory.
    let dir = config.daemon.state_file.parent().unwrap();
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("state"))
        .collect();
    assert!(files.is_empty(), "{files:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_backfill_continues_where_it_stopped_without_duplicates() {
    let w = world("2025-11-30T12:00:00+01:00").await;
    let config = config_for(&w);
    year_only(&w).await;
    // Detect (2 requests), count (1), then two pages of 25 go through; the third page fails.
    w.fake.clear_log();
    w.fake
        .inject_after(5, Fault::Status(500), 1, Some("/ticket/"));
    let err = run(&w, &config, false).await.unwrap_err();
    assert!(err.contains("run the same command again"), "{err}");
    let state = load(&config);
    let cp: &Checkpoint = state.backfill.as_ref().unwrap();
    assert!(cp.finished.is_none());
    assert_eq!(cp.counts.read, 50);
    assert_eq!(state.tickets.len(), 50);
    assert!(cp.paging.next_id > 0);
    let next = cp.paging.next_id;
    // Even an interrupted run keeps the first start from mailing last month's report.
    assert!(
        state.reports_sent.iter().any(|k| k.ends_with("@2026-11")),
        "{:?}",
        state.reports_sent
    );

    w.fake.clear_log();
    let done = run(&w, &config, false).await.unwrap();
    assert!(done.resumed);
    let c = &done.checkpoint.counts;
    assert_eq!((c.read, c.recorded, c.unchanged), (132, 132, 0), "{c:?}");
    // The first page asked for continues at the checkpoint.
    let first_page = w
        .fake
        .requests()
        .into_iter()
        .find(|r| {
            r.path == "/ticket/"
                && r.params
                    .get("filter")
                    .is_some_and(|f| f.contains("coreStatus >= 50"))
        })
        .unwrap();
    assert!(
        first_page.params["filter"].contains(&format!("id >= {next}")),
        "{first_page:?}"
    );
    assert_eq!(load(&config).tickets.len(), 132);

    // A run again from the start records nothing new: idempotent.
    let again = run(&w, &config, false).await.unwrap();
    assert!(!again.resumed);
    let c = &again.checkpoint.counts;
    assert_eq!(
        (c.read, c.recorded, c.updated, c.unchanged),
        (132, 0, 0, 132)
    );
    assert_eq!(load(&config).tickets.len(), 132);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_refuses_while_the_daemon_holds_the_state() {
    let w = world("2025-11-30T12:00:00+01:00").await;
    let config = config_for(&w);
    year_only(&w).await;
    let daemon = w.daemon_with(config.clone());
    let err = run(&w, &config, false).await.unwrap_err();
    assert!(err.contains("never runs beside the daemon"), "{err}");
    assert!(err.contains("systemctl stop slavakt"), "{err}");
    // A dry run reads without the lock.
    assert!(run(&w, &config, true).await.is_ok());
    drop(daemon);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_sent_and_the_daemon_does_not_announce_backfilled_tickets() {
    let w = world("2025-11-30T12:00:00+01:00").await;
    let config = config_for(&w);
    year_only(&w).await;
    run(&w, &config, false).await.unwrap();

    // The daemon on the backfilled state: first cycle, then a backfilled Kritisk ticket is
    // closed and another reopened in Pureservice, and a scheduled report would be due.
    let mut daemon = w.daemon_with(config.clone());
    daemon.cycle().await.unwrap();
    let state = daemon.state().clone();
    let kritisk = state
        .tickets
        .values()
        .filter(|t| t.level() == Some("kritisk"))
        .map(|t| t.id)
        .collect::<Vec<_>>();
    w.clock.advance(Duration::minutes(5));
    w.fake.set_status(kritisk[0], "Lukket");
    w.fake.set_status(kritisk[1], "Under arbeid");
    for _ in 0..3 {
        w.clock.advance(Duration::seconds(30));
        daemon.cycle().await.unwrap();
    }
    let state = daemon.state();
    assert!(
        state.ledger.entries.is_empty(),
        "{:?}",
        state.ledger.entries.keys()
    );
    assert!(state.reports_owed.is_empty());
    assert!(state.tickets[&kritisk[0]].backfilled.is_some());
    assert!(!state.tickets[&kritisk[1]].is_resolved());
    assert!(w.smtp.received().is_empty());
    assert!(w.sink.is_empty());

    // A ticket the daemon itself watched from opening to solution is never replaced by a
    // backfilled record; the reopened one is left to the daemon.
    let live = w
        .fake
        .create_ticket(NewTicket {
            subject: "Skriver på rådhuset".into(),
            priority: Some("Lav".into()),
            requester: Some(104),
            categories: vec!["Skriver".into()],
            ..NewTicket::default()
        })
        .unwrap();
    w.clock.advance(Duration::seconds(30));
    daemon.cycle().await.unwrap();
    w.clock.advance(Duration::minutes(20));
    w.fake.update_ticket(
        live,
        serde_json::json!({"resolved": w.clock.now().to_rfc3339(), "statusId": 5}),
    );
    w.clock.advance(Duration::seconds(30));
    daemon.cycle().await.unwrap();
    assert!(daemon.state().tickets[&live].is_resolved());
    let tracked = daemon.state().tickets[&live].clone();
    drop(daemon);
    let done = run(&w, &config, false).await.unwrap();
    let c = &done.checkpoint.counts;
    assert_eq!((c.tracked, c.open, c.recorded), (1, 0, 0), "{c:?}");
    let state = load(&config);
    assert_eq!(state.tickets[&live], tracked);
    assert!(state.tickets[&live].backfilled.is_none());
    assert!(w.smtp.received().is_empty());
}

/// The `slavakt` binary against the fake: plain progress lines on a stderr that is not a
/// terminal, the summary on stdout, exit 0; exit 2 with the reason while the daemon runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_logs_plain_progress_lines_and_refuses_beside_the_daemon() {
    // The binary reads the wall clock: the tickets are placed relative to it.
    let now = slavakt::clock::SystemClock.now();
    let w = world(&(now - Duration::days(40)).to_rfc3339()).await;
    let solved = w.fake.id_by_name("status", "Løst").unwrap();
    for (i, prio) in ["Kritisk", "Middels", "Lav"].into_iter().enumerate() {
        w.clock.set(now - Duration::days(30 - i as i64));
        let id = w
            .fake
            .create_ticket(NewTicket {
                subject: "Gerica henger".into(),
                priority: Some(prio.into()),
                requester: Some(102),
                categories: vec!["Gerica".into()],
                ..NewTicket::default()
            })
            .unwrap();
        w.clock.advance(Duration::hours(2));
        let ts = w.clock.now().to_rfc3339();
        w.fake.update_ticket(
            id,
            serde_json::json!({"responded": ts, "resolved": ts, "statusId": solved}),
        );
    }
    let peers = slavakt::demo::world::Peers {
        pureservice: w.fake.base_url(),
        api_key: w.fake.api_key().expose().to_string(),
        smtp: ([127, 0, 0, 1], w.smtp.port).into(),
        http: ([127, 0, 0, 1], 9).into(),
    };
    let text = slavakt::demo::world::config_text(&peers, w.dir.path()).unwrap();
    let path = w.dir.path().join("slavakt.toml");
    std::fs::write(&path, text).unwrap();
    let since = (now - Duration::days(40)).format("%Y-%m").to_string();
    let bin = env!("CARGO_BIN_EXE_slavakt");
    let run_bin = |path: std::path::PathBuf, since: String| {
        tokio::task::spawn_blocking(move || {
            std::process::Command::new(bin)
                .args(["backfill", "--since", &since, "--config"])
                .arg(&path)
                .output()
                .unwrap()
        })
    };
    let out = run_bin(path.clone(), since.clone()).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("Backfill finished."), "{stdout}");
    assert!(stdout.contains("3 recorded"), "{stdout}");
    assert!(stdout.contains("3 tickets: pauses"), "{stdout}");
    assert!(stdout.contains("Nobody was notified"), "{stdout}");
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("backfill since ") && l.contains("3 of 3 read")),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\r'),
        "no terminal: no line rewriting: {stderr:?}"
    );

    // Beside the daemon: refused, exit 2, with what to do.
    w.clock.set(now);
    let config = slavakt::config::load(&path).unwrap();
    let daemon = w.daemon_with(config);
    let out = run_bin(path.clone(), since.clone()).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("never runs beside the daemon"), "{stderr}");
    drop(daemon);
    assert!(w.smtp.received().is_empty());
}

/// What the API cannot give is marked, and the report's figure for it is the upper bound the
/// docs say: a Høy ticket that waited 3 hours on a vendor shows 3 hours more when backfilled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pause_the_api_does_not_show_is_marked_approximate() {
    let w = world("2026-10-05T08:00:00+02:00").await;
    let config = config_for(&w);
    let client = Client::with_options(
        &config.pureservice,
        ClientOptions {
            clock: Arc::new(w.clock.clone()),
            ..ClientOptions::default()
        },
    )
    .unwrap();
    let mut syncer = Syncer::new(client, &config);
    let mut daemon_state = State::default();
    let start = at("2026-10-05T09:00:00+02:00");
    let mut id = 0;
    for (minutes, what) in [
        (0, "create"),
        (10, "Under arbeid"),
        (60, "Venter - leverandør"),
        (240, "Under arbeid"),
        (300, "solve"),
    ] {
        let t = start + Duration::minutes(minutes);
        w.clock.set(t);
        match what {
            "create" => {
                id = w
                    .fake
                    .create_ticket(NewTicket {
                        subject: "Fagsystemet er nede".into(),
                        priority: Some("Høy".into()),
                        requester: Some(103),
                        categories: vec!["Gerica".into()],
                        ..NewTicket::default()
                    })
                    .unwrap()
            }
            "solve" => {
                w.fake.update_ticket(
                    id,
                    serde_json::json!({"resolved": t.to_rfc3339(), "statusId": 5}),
                );
            }
            status => {
                if status == "Under arbeid" && minutes == 10 {
                    w.fake
                        .update_ticket(id, serde_json::json!({"responded": t.to_rfc3339()}));
                }
                assert!(w.fake.set_status(id, status));
            }
        }
        let out = syncer.cycle(&daemon_state.cursor, t).await.unwrap();
        daemon_state.cursor = out.cursor.clone();
        slavakt::app::cycle::track(&mut daemon_state, &out.changed, &config, t);
    }
    assert_eq!(daemon_state.tickets[&id].pauses.len(), 1);
    let now = at("2026-11-02T09:00:00+01:00");
    w.clock.set(now);
    let mut opts = options(&w, false);
    opts.since = (2026, 10);
    backfill(&config, opts, &mut |_, _| {}).await.unwrap();
    let state = load(&config);
    let t = &state.tickets[&id];
    assert!(t.pauses.is_empty());
    assert_eq!(
        t.backfilled.as_ref().unwrap().approximate,
        vec![Approximation::Pauses]
    );
    let used = |s: &State| {
        let f = slavakt::report::figures(s, &config, (2026, 10), now).unwrap();
        let hoy = f.levels.iter().find(|l| l.level == "hoy").unwrap().clone();
        (hoy.average_resolution.unwrap(), hoy.resolution_breached)
    };
    assert_eq!(used(&daemon_state), (Duration::hours(2), 0));
    assert_eq!(used(&state), (Duration::hours(5), 1));
}

/// `sync = "modified"` with a date form the tenant refuses: the first page's 400 does not end
/// the run; it goes on by status alone and still records everything, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_date_filter_falls_back_to_the_status_filter() {
    let w = world("2025-11-30T12:00:00+01:00").await;
    w.fake.set_tenant(Tenant::IsoRefused);
    let mut config = config_for(&w);
    config.pureservice.sync = slavakt::config::SyncSetting::Modified;
    config.pureservice.date_literal = slavakt::config::DateLiteral::IsoString;
    year_only(&w).await;
    let done = run(&w, &config, false).await.unwrap();
    assert!(
        done.strategy.contains("refused the date filter"),
        "{done:?}"
    );
    assert!(!done.checkpoint.filter.contains("modified"), "{done:?}");
    let c = &done.checkpoint.counts;
    assert_eq!((c.recorded, c.updated), (132, 0), "{c:?}");
    assert_eq!(load(&config).tickets.len(), 132);
    assert!(w
        .fake
        .requests()
        .iter()
        .any(|r| r.status == 400 && r.path == "/ticket/"));
}
