//! `slavakt backfill --since YYYY-MM [--dry-run]`: history for the reports from the tickets
//! Pureservice solved since that month, notifying no one (`docs/REPORTS.md`, "History from
//! before slavakt").
//!
//! Takes the state file's lock, so it never runs beside the daemon (which holds the lock for
//! its whole life): stop the daemon, backfill, start it again. Saves after every page with the
//! checkpoint ([`crate::backfill::Checkpoint`]) in the same state write, so an interrupted run
//! (Ctrl-C, a failed request, a crash) continues where it stopped when started again with the
//! same `--since`. Writes no ledger entry and sends nothing; a state file the daemon never
//! polled with gets the daemon's first-start rule for scheduled reports (periods already past
//! are not mailed).
//! `--dry-run` reads the state without the lock and writes nothing at all.

use super::CliError;
use crate::backfill::{self, Checkpoint, Counts, Outcome};
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::pureservice::backfill::{has_date, solved_filter, Reader};
use crate::pureservice::client::{Client, ClientOptions};
use crate::report::Month;
use crate::state::{State, StateError, Store};
use crate::ticket::{TicketKind, TrackedTicket};
use chrono::{DateTime, Utc};
use std::io::IsTerminal;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
    /// The first month to fill, `YYYY-MM` (in `daemon.timezone`): tickets solved since its
    /// first day.
    #[arg(long)]
    pub since: String,
    /// Print what would be recorded; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// How a run is set up (tests inject the clock, the client's knobs and the stop).
pub struct Options {
    pub since: Month,
    pub dry_run: bool,
    pub clock: Arc<dyn Clock>,
    pub client: ClientOptions,
    /// Cancelled: stop after saving the pages read so far.
    pub stop: CancellationToken,
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct Finished {
    pub checkpoint: Checkpoint,
    /// Whether it continued an interrupted run.
    pub resumed: bool,
    /// How the tickets were filtered, in words.
    pub strategy: String,
    /// Tickets the filter matched when the run began (`None` if the tenant would not count).
    pub total: Option<u64>,
    /// `--dry-run`: one line per ticket that would be recorded or updated.
    pub would_record: Vec<String>,
}

pub fn run(args: Args) -> Result<(), CliError> {
    let since = crate::report::parse_month(&args.since).ok_or_else(|| {
        CliError::Invalid(format!(
            "bad --since {:?}: expected YYYY-MM, e.g. 2026-01",
            args.since
        ))
    })?;
    let config = super::load_config(&args.config)?;
    // Warnings (a priority the config does not map, a refused filter, retries) on stderr with
    // the progress; stdout stays the summary.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .try_init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Runtime(format!("cannot start the runtime: {e}")))?;
    let stop = CancellationToken::new();
    let opts = Options {
        since,
        dry_run: args.dry_run,
        clock: Arc::new(SystemClock),
        client: ClientOptions::default(),
        stop: stop.clone(),
    };
    let terminal = std::io::stderr().is_terminal();
    let mut progress = |cp: &Checkpoint, total: Option<u64>| {
        let line = progress_line(cp, total);
        if terminal {
            // One line with a bar, rewritten in place.
            eprint!("\r\x1b[2K{}{line}", bar(cp.counts.read, total));
        } else {
            eprintln!("{line}");
        }
    };
    let result = runtime.block_on(async {
        let interrupt = stop.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                interrupt.cancel();
            }
        });
        backfill(&config, opts, &mut progress).await
    });
    if terminal {
        eprintln!();
    }
    let done = result?;
    let mut out = String::new();
    for line in &done.would_record {
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&summary(&done, &config, args.dry_run));
    super::print_out(&out)
}

/// `backfill 2026-01: 1500 of 15600 read (1320 recorded)`.
pub fn progress_line(cp: &Checkpoint, total: Option<u64>) -> String {
    let c = &cp.counts;
    let of = total.map(|t| format!(" of {t}")).unwrap_or_default();
    format!(
        "backfill since {}: {}{of} read ({} recorded, {} updated, {} unchanged)",
        cp.since, c.read, c.recorded, c.updated, c.unchanged
    )
}

/// `[########------------]  40 % ` when the total is known (a count can be passed by tickets
/// solved meanwhile: capped at 100 %).
pub fn bar(read: u64, total: Option<u64>) -> String {
    const WIDTH: u64 = 20;
    match total {
        Some(t) if t > 0 => {
            let done = read.min(t);
            let filled = (done * WIDTH / t) as usize;
            format!(
                "[{}{}] {:>3} % ",
                "#".repeat(filled),
                "-".repeat(WIDTH as usize - filled),
                done * 100 / t
            )
        }
        _ => String::new(),
    }
}

/// The error for a state file another process holds.
fn locked(e: &StateError) -> CliError {
    CliError::Runtime(format!(
        "{e}\nbackfill never runs beside the daemon: stop it (systemctl stop slavakt), run the \
         backfill, then start it again (`--dry-run` works while it runs)"
    ))
}

/// Runs a backfill (see the module header). Progress after every page goes to `progress`.
pub async fn backfill(
    config: &Config,
    opts: Options,
    progress: &mut dyn FnMut(&Checkpoint, Option<u64>),
) -> Result<Finished, CliError> {
    let now = opts.clock.now();
    let since_text = crate::report::month_text(opts.since);
    let (from, _) = crate::report::monthly::bounds(config, opts.since).ok_or_else(|| {
        CliError::Invalid(format!(
            "month {since_text} cannot be placed in the time zone"
        ))
    })?;
    if from > now {
        return Err(CliError::Invalid(format!(
            "--since {since_text} has not begun yet; nothing to fill"
        )));
    }
    let path = &config.daemon.state_file;
    let (store, mut state): (Option<Store>, State) = if opts.dry_run {
        let state = crate::state::read_only(path)
            .map_err(|e| CliError::Runtime(e.to_string()))?
            .unwrap_or_default();
        (None, state)
    } else {
        match Store::open(path, now) {
            Ok((store, state)) => (Some(store), state),
            Err(e @ StateError::Locked { .. }) => return Err(locked(&e)),
            Err(e) => return Err(CliError::Runtime(e.to_string())),
        }
    };
    if store.is_some() && !state.cursor.initial_done {
        // The daemon has never polled with this state file: its first start would not mail
        // the periods already past (`skip_past_periods` on a missing file); a state file made
        // by backfill must not change that. Done before the first save, so an interrupted run
        // keeps it too.
        crate::report::scheduled::skip_past_periods(&mut state, config, now);
    }
    if from < now - config.daemon.retention {
        tracing::warn!(since = %since_text, "tickets solved longer ago than daemon.retention are not recorded (the daemon would drop them at once)");
    }

    let client = Client::with_options(&config.pureservice, opts.client.clone())
        .map_err(|e| CliError::Invalid(format!("[pureservice]: {e}")))?;
    let mut reader = Reader::new(client, config);
    let ps_err = |e: crate::pureservice::PsError| CliError::Runtime(format!("Pureservice: {e}"));
    reader.prepare(now).await.map_err(ps_err)?;
    let previous = state.backfill.clone().filter(|c| c.resumes(&since_text));
    let resumed = previous.is_some();
    let (mut cp, strategy) = match previous {
        Some(cp) => {
            let s = format!(
                "continuing the interrupted run of {} (filter: {})",
                cp.started.format("%Y-%m-%d %H:%M UTC"),
                cp.filter
            );
            (cp, s)
        }
        None => {
            let chosen = reader.choose(from).await.map_err(ps_err)?;
            (
                Checkpoint::new(since_text.clone(), from, chosen.filter, now),
                chosen.reason,
            )
        }
    };
    let mut total = reader.count(&cp.filter).await.ok();
    let limit = reader.limit();
    let mut would_record = Vec::new();
    let mut strategy = strategy;
    let titled = crate::report::monthly::incident_levels(config);

    while !cp.paging.done {
        let page = tokio::select! {
            p = reader.page(&cp.filter, &cp.paging) => p,
            _ = opts.stop.cancelled() => {
                return Err(CliError::Runtime(format!(
                    "interrupted after {} tickets; run the same command again to continue \
                     where it stopped",
                    cp.counts.read
                )));
            }
        };
        let page = match page {
            Ok(p) => p,
            // A tenant that accepted the date form when asked may still refuse it on a
            // longer filter: go on without it, from the start (recording is idempotent).
            Err(e) if e.status() == Some(400) && has_date(&cp.filter) => {
                tracing::warn!(error = %e, "the tenant refused the date filter; reading by status only");
                cp.filter = solved_filter(from, None);
                cp.paging = Default::default();
                strategy = "the tenant refused the date filter: filtered by status only, dates \
                            checked here"
                    .into();
                total = reader.count(&cp.filter).await.ok();
                continue;
            }
            Err(e) => {
                return Err(CliError::Runtime(format!(
                    "Pureservice: {e}\n{} tickets were read and saved before it; run the same \
                     command again to continue where it stopped",
                    cp.counts.read
                )))
            }
        };
        let at = opts.clock.now();
        for s in &page.snapshots {
            let outcome = backfill::record(&mut state, s, config, from, at, &mut cp.counts);
            if opts.dry_run && outcome.wrote() {
                if let Some(t) = state.tickets.get(&s.id) {
                    would_record.push(describe(t, outcome, config, at));
                }
            }
        }
        // Keep no more about a solved ticket than the daemon would a week after it was
        // solved (assignee, template fields, most titles): the same rule, at once.
        crate::state::minimise(&mut state, &titled, at);
        cp.paging.apply(&page.ids, limit);
        cp.updated = at;
        if let Some(store) = &store {
            state.backfill = Some(cp.clone());
            store
                .save(&state, at)
                .map_err(|e| CliError::Runtime(e.to_string()))?;
        }
        progress(&cp, total);
    }

    let at = opts.clock.now();
    cp.finished = Some(at);
    if let Some(store) = &store {
        state.backfill = Some(cp.clone());
        // One whole snapshot at the end, as a clean daemon stop leaves it.
        store
            .compact(&state, at)
            .map_err(|e| CliError::Runtime(e.to_string()))?;
    }
    Ok(Finished {
        checkpoint: cp,
        resumed,
        strategy,
        total,
        would_record,
    })
}

/// One `--dry-run` line: the ticket, its clocks as the report will compute them, and what
/// in them is approximate.
fn describe(t: &TrackedTicket, outcome: Outcome, config: &Config, now: DateTime<Utc>) -> String {
    let tz = config.daemon.timezone;
    let local = |d: DateTime<Utc>| d.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
    let verb = if outcome == Outcome::Updated {
        "would update"
    } else {
        "would record"
    };
    let solved = t.resolved_at().map(local).unwrap_or_default();
    let clocks = match crate::sla::clocks(t, config, now) {
        Some(c) => format!(
            "{}: resolution {:.1} h of {:.1} h clock time, {}",
            c.level,
            c.resolution.used.num_minutes() as f64 / 60.0,
            c.resolution.target.num_minutes() as f64 / 60.0,
            if c.resolution.is_breached() {
                "breached"
            } else {
                "met"
            }
        ),
        None => "no SLA level".into(),
    };
    let approx: Vec<&str> = t
        .backfilled
        .iter()
        .flat_map(|b| &b.approximate)
        .map(|a| a.key())
        .collect();
    let approx = if approx.is_empty() {
        String::new()
    } else {
        format!(" [approximate: {}]", approx.join(", "))
    };
    format!(
        "{verb} #{} ({}, {}), opened {}, solved {}, {clocks}{approx}",
        t.number,
        kind_name(t.kind),
        if t.municipalities.is_empty() {
            "no municipality".to_string()
        } else {
            t.municipalities.join("/")
        },
        local(t.created),
        solved
    )
}

fn kind_name(k: TicketKind) -> &'static str {
    match k {
        TicketKind::Incident => "incident",
        TicketKind::Request => "request",
        TicketKind::Change => "change",
    }
}

/// The closing summary: counts, the strategy, and plainly what is approximate.
pub fn summary(done: &Finished, config: &Config, dry_run: bool) -> String {
    let c: &Counts = &done.checkpoint.counts;
    let mut s = String::new();
    let head = if dry_run {
        "Dry run: nothing was written."
    } else if done.resumed {
        "Backfill finished (continued an interrupted run)."
    } else {
        "Backfill finished."
    };
    s.push_str(&format!(
        "{head}\nSince {} ({}): {}.\n",
        done.checkpoint.since,
        done.checkpoint.from.format("%Y-%m-%dT%H:%M:%SZ"),
        done.strategy
    ));
    let would = if dry_run { "would be " } else { "" };
    s.push_str(&format!(
        "{} tickets read: {} {would}recorded, {} {would}updated, {} unchanged; {} tracked by \
         the daemon (kept as they are); {} solved before {}; {} open again (left to the \
         daemon); {} older than daemon.retention.\n",
        c.read,
        c.recorded,
        c.updated,
        c.unchanged,
        c.tracked,
        c.before,
        done.checkpoint.since,
        c.open,
        c.expired
    ));
    s.push_str("Approximate for backfilled tickets (the report marks them; docs/REPORTS.md):\n");
    let pausing = config.pureservice.paused_statuses.join(", ");
    if c.pauses > 0 {
        s.push_str(&format!(
            "  - {} tickets: pauses. Pureservice gives no status history, so time in a pausing \
             status ({pausing}) counts as running time: their resolution times are upper \
             bounds, and a ticket that waited may show as breached.\n",
            c.pauses
        ));
    }
    if c.reopenings > 0 {
        s.push_str(&format!(
            "  - {} tickets: reopenings. Only the last resolution is known; the time they stood \
             solved before being reopened counts as open time.\n",
            c.reopenings
        ));
    }
    if c.resolved_time > 0 {
        s.push_str(&format!(
            "  - {} tickets: resolved time. No resolved time in Pureservice; the closed time (or \
             the last change) stands in.\n",
            c.resolved_time
        ));
    }
    if c.priority > 0 {
        s.push_str(&format!(
            "  - {} tickets: priority. With [sla] on_priority_change = \"from_raise\" the clocks \
             of a raised ticket count from the raise, which is not visible afterwards: they \
             count from creation here.\n",
            c.priority
        ));
    }
    s.push_str(
        "  - every ticket: its priority now is taken as its priority since creation (a \
         priority change is not visible afterwards).\n  Exact: created, first response \
         (responded), resolved, priority → SLA level, municipality, service, category, ticket \
         type.\n",
    );
    s.push_str(
        "Nobody was notified, and the daemon will not announce these tickets (they count as \
         already solved when first seen).\n",
    );
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bar() {
        assert_eq!(super::bar(50, Some(200)), "[#####---------------]  25 % ");
        assert_eq!(super::bar(300, Some(200)), "[####################] 100 % ");
        assert_eq!(super::bar(3, None), "");
        assert_eq!(super::bar(0, Some(0)), "");
    }
}
