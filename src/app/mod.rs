//! The daemon: wiring and lifecycle. One cycle is poll → track → plan → persist → send → mail
//! due scheduled reports → persist; [`Daemon::cycle`] runs exactly one (tests drive it with a
//! fake clock), [`Daemon::run`] loops on `poll_interval` until cancelled, reloading the config
//! on request.
//!
//! Invariants: an intent is in the saved state before it is sent; a failed poll applies nothing;
//! the state is saved after every cycle that changed something; WATCHDOG is sent only by the loop
//! itself (after each completed cycle, while it waits for the next, and while a cycle runs for up
//! to [`CYCLE_WATCHDOG_CAP`]), so systemd restarts a loop that hangs — but not a daemon that is
//! waiting out a Pureservice outage, which it reports itself. A stop abandons a poll in progress.
//! A cycle waits for the poll only up to `daemon.poll_wait` ([`poll`]): planning and delivery
//! never wait behind a slow Pureservice. An accepted push hint (`POST /hooks/pureservice`,
//! [`crate::http`]) ends the wait for the next cycle at once, at most once per [`HOOK_SPACING`].
//!
//! A failed state save is survived: the daemon keeps running, sends nothing (no delivery, no
//! report mail) while its decisions cannot be persisted, retries the save with backoff, reports
//! it on `/healthz` and in the metrics, and mails an alert once a save succeeds again. Only the
//! final save at shutdown ends the daemon with an error (exit 2) when it fails.

pub mod alert_words;
pub mod alerts;
pub mod leader;
pub mod poll;
pub mod signals;
pub mod source;
pub mod systemd;
pub mod wiring;

/// The engine's step, under the name the daemon's callers knew it by.
pub use crate::engine as cycle;

use crate::clock::Clock;
use crate::config::Config;
use crate::state::{State, StateStore};
use alert_words::Alert;
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// How long one cycle may run while still feeding the systemd watchdog (see
/// `Daemon::cycle_feeding_watchdog`): far above a slow but working poll, so only a hung one
/// gets the daemon restarted.
pub const CYCLE_WATCHDOG_CAP: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// The push hint starts at most one extra cycle this often (`POST /hooks/pureservice`).
pub const HOOK_SPACING: std::time::Duration = std::time::Duration::from_secs(1);

/// How often retention and minimising run (`state::prune`, `state::minimise`).
pub const HOUSEKEEPING_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// Why the daemon stopped with an error (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    State(#[from] crate::state::StateError),
    #[error("{0}")]
    Startup(String),
}

/// Everything the daemon needs from outside; tests and `demo` build it by hand.
pub struct RunOptions {
    pub config_path: PathBuf,
    pub config: Config,
    pub clock: Arc<dyn Clock>,
    pub shutdown: CancellationToken,
    /// Real time between cycles (defaults to the config's poll interval; `demo` shortens it).
    pub tick: Option<std::time::Duration>,
    pub systemd: systemd::Systemd,
    /// Pureservice client knobs that are not in the config (tests shorten retry timings).
    pub client_options: Option<crate::pureservice::client::ClientOptions>,
}

/// Called with every delivery outcome.
pub type DeliveryHook = Box<dyn Fn(&crate::outbox::DeliveryOutcome) + Send + Sync>;

/// A running daemon's state between cycles.
pub struct Daemon {
    config_path: PathBuf,
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    shutdown: CancellationToken,
    tick: Option<std::time::Duration>,
    systemd: systemd::Systemd,
    client_options: Option<crate::pureservice::client::ClientOptions>,
    store: StateStore,
    state: State,
    poller: poll::Poller,
    outbox: crate::outbox::Outbox,
    /// Whether the in-memory state differs from the file.
    dirty: bool,
    /// Saves failed in a row, since when, and when the next try is due.
    save_failures: u32,
    save_failing_since: Option<DateTime<Utc>>,
    save_retry_at: Option<tokio::time::Instant>,
    /// What each ticket can fire next, so a tick evaluates only what can still fire.
    plan_index: crate::plan::index::Index,
    /// When retention and minimising last ran.
    housekeeping_at: Option<DateTime<Utc>>,
    /// Health facts, metrics and the status view shared with the HTTP endpoint.
    pub http: Arc<crate::http::HttpShared>,
    /// Called with every delivery outcome (the `demo` prints them).
    pub on_delivery: Option<DeliveryHook>,
    /// PostgreSQL backend: the generation whose state is loaded (`None`: standing by).
    leading: Option<u64>,
    /// PostgreSQL backend: the standby's last database problem (logged once per change).
    standby_error: Option<String>,
}

/// What one cycle did (for tests, logs and the benchmark).
#[derive(Debug, Default)]
pub struct CycleReport {
    pub polled: Option<Result<usize, source::PollError>>,
    pub requests: u64,
    pub plan: cycle::PlanStep,
    pub deliveries: crate::outbox::DeliveryReport,
    /// Scheduled monthly reports mailed (or tried) this cycle.
    pub reports: crate::report::scheduled::Mailed,
    pub saved_bytes: Option<u64>,
}

impl Daemon {
    /// Opens (and locks) the state file and wires the parts from the config. A corrupt state
    /// file is moved aside and reported as an error (exit 2): never a silent empty start.
    pub fn start(opts: RunOptions) -> Result<Daemon, AppError> {
        let now = opts.clock.now();
        let (store, mut state) = StateStore::open(&opts.config, now)?;
        if let StateStore::File(file) = &store {
            if file.dropped_torn_line() {
                tracing::warn!(journal = %file.journal_path().display(), "the journal's last line was torn (slavakt stopped while writing it); dropped, the changes before it are kept");
            }
        }
        for healed in store.healed() {
            tracing::warn!(entry = %healed, "delivery was in flight when slavakt stopped; it will be sent again");
        }
        if store.is_fresh() && store.postgres().is_none() {
            tracing::info!(state_file = %opts.config.daemon.state_file.display(), "no state file yet: first start");
            crate::report::scheduled::skip_past_periods(&mut state, &opts.config, now);
        }
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let client_options = wiring::counting_errors(opts.client_options, metrics.clone());
        let (source, outbox) = wiring::build(
            &opts.config,
            opts.clock.clone(),
            Some(client_options.clone()),
        )
        .map_err(AppError::Startup)?;
        let config = Arc::new(opts.config);
        metrics.declare_channels(&config);
        let http = crate::http::HttpShared::new(config.clone(), metrics, opts.clock.clone());
        http.publish(&state, now);
        Ok(Daemon {
            config_path: opts.config_path,
            config,
            clock: opts.clock,
            shutdown: opts.shutdown,
            tick: opts.tick,
            systemd: opts.systemd,
            client_options: Some(client_options),
            store,
            state,
            poller: poll::Poller::new(source),
            outbox,
            dirty: false,
            save_failures: 0,
            save_failing_since: None,
            save_retry_at: None,
            plan_index: crate::plan::index::Index::new(),
            housekeeping_at: None,
            http,
            on_delivery: None,
            leading: None,
            standby_error: None,
        })
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// What `/metrics` would answer now (for tests of a daemon without a listener).
    pub fn metrics_text(&self) -> String {
        self.http.metrics.render()
    }

    /// Binds `daemon.http_listen` (if set) and serves health, metrics and the status page until
    /// `cancel`. Binding happens now, so a taken port fails start-up with a clear message.
    pub async fn serve_http(
        &self,
        cancel: CancellationToken,
    ) -> Result<Option<tokio::task::JoinHandle<()>>, String> {
        let Some(listen) = self.config.daemon.http_listen else {
            return Ok(None);
        };
        let server = crate::http::bind(listen).await.map_err(|e| e.to_string())?;
        let shared = self.http.clone();
        Ok(Some(tokio::spawn(async move {
            if let Err(e) = server.run(shared, cancel).await {
                tracing::error!(error = %e, "HTTP endpoint stopped");
            }
        })))
    }

    /// One full cycle: poll, track, plan, persist, deliver, persist.
    pub async fn cycle(&mut self) -> Result<CycleReport, AppError> {
        let mut report = CycleReport::default();
        let now = self.clock.now();
        let config = self.config.clone();
        // PostgreSQL backend: only the leader polls, plans and sends.
        if !self.lead(now) {
            return Ok(report);
        }

        // Poll. A failure applies nothing; the cursor does not move. A poll can take minutes on
        // a slow Pureservice (timeouts × retries, 429s): it goes on beside the cycle, and a stop
        // abandons it (applying nothing, like a failed poll).
        let wait = config.daemon.poll_wait.to_std().unwrap_or_default();
        let polled = match self
            .poller
            .poll(&self.state.cursor, &config, now, wait, &self.shutdown)
            .await
        {
            poll::PollState::Done(cursor, result) => Some((cursor, result)),
            poll::PollState::Running => {
                tracing::info!(
                    "poll still running; planning and delivery go ahead with what is known"
                );
                None
            }
            poll::PollState::Cancelled => {
                tracing::info!("stopping: the poll in progress was abandoned");
                None
            }
        };
        let (mut snapshots, mut removed) = (Vec::new(), Vec::new());
        match polled {
            None => {}
            Some((cursor, Ok(polled))) => {
                report.requests = polled.requests;
                report.polled = Some(Ok(polled.snapshots.len()));
                self.poll_succeeded(now);
                self.sync_observed(&polled, now);
                if cursor != self.state.cursor {
                    self.state.cursor = cursor;
                    self.dirty = true;
                }
                snapshots = polled.snapshots;
                removed = polled.removed;
            }
            Some((_, Err(e))) => {
                tracing::warn!(kind = %e.kind, error = %e.message, "poll failed; will retry next cycle");
                self.http.metrics.poll_failed();
                self.poll_failed(&e, now);
                report.polled = Some(Err(e));
            }
        }

        // Track what was polled, drop deleted tickets, apply the acknowledgement links clicked
        // since the last cycle (they stop their escalations), then plan what is due now
        // (including catch-up after downtime, marked late).
        let acks = self
            .http
            .take_acks()
            .into_iter()
            .map(|c| {
                let ack = crate::plan::ack::Ack {
                    at: c.at,
                    by: c.by,
                    source: "link".into(),
                };
                (c.key, ack)
            })
            .collect();
        let input = cycle::Input {
            snapshots: &snapshots,
            removed: &removed,
            acks,
        };
        let stepped = cycle::step(
            &mut self.state,
            input,
            Some(&mut self.plan_index),
            &config,
            now,
        );
        if stepped.changed() {
            self.dirty = true;
        }
        for (ticket, priority) in &stepped.tracked.patches {
            match self.poller.set_priority(*ticket, priority).await {
                Ok(()) => {
                    tracing::info!(ticket, %priority, "classified priority written to Pureservice")
                }
                // Harmless: classification asks again on the next poll until Pureservice
                // shows a priority.
                Err(e) => {
                    tracing::warn!(ticket, %priority, error = %e, "could not write the classified priority; will retry")
                }
            }
        }
        for id in &stepped.removed {
            tracing::info!(
                ticket = id,
                "ticket deleted in Pureservice: no longer tracked"
            );
        }
        for (id, changes) in &stepped.tracked.observed {
            tracing::info!(ticket = id, changes = ?changes, "ticket changed");
        }
        for key in &stepped.acknowledged {
            tracing::info!(occurrence = %key, "call-out acknowledged");
        }
        let step = stepped.plan;
        for f in &step.findings {
            tracing::warn!(finding = %f.key, "{}", f.message);
        }
        for (intent, error) in &step.render_failures {
            tracing::error!(intent = %intent.key, ticket = intent.key.ticket, rule = %intent.key.rule, channel = %intent.key.channel, %error, "template failed to render; message not sent");
        }
        for i in &step.issued {
            self.http.metrics.intent_issued(&i.key.rule);
            tracing::info!(intent = %i.key, ticket = i.key.ticket, rule = %i.key.rule, channel = %i.key.channel, reason = i.reason.as_str(), late = i.late, "notice due");
        }
        report.plan = step;
        // Scheduled reports whose period came are recorded as owed (saved before mailing).
        if crate::report::scheduled::take_due(&mut self.state, &config, now) {
            self.dirty = true;
        }

        // Persist what was decided before anything is sent; then deliver. While the state cannot
        // be saved nothing is sent: a send must never be missing from the ledger on disk.
        self.save_or_keep_going(now);
        if self.save_failures > 0 {
            tracing::warn!("state not saved: no deliveries or report mails until a save succeeds");
            report.saved_bytes = None;
            self.http.publish(&self.state, now);
            return Ok(report);
        }
        self.write_incident_reports(&config, now);
        let store = &self.store;
        let http = self.http.clone();
        let deliveries = self
            .outbox
            .deliver_due(
                &mut self.state,
                self.clock.as_ref(),
                |s, t| {
                    let started = tokio::time::Instant::now();
                    match store.save(s, t) {
                        Ok(bytes) => {
                            http.state_saved(started.elapsed(), bytes);
                            Ok(())
                        }
                        Err(e) => {
                            http.state_save_failed(&e.to_string());
                            Err(e)
                        }
                    }
                },
                &self.shutdown,
                config.daemon.shutdown_grace,
            )
            .await;
        let deliveries = match deliveries {
            Ok(d) => d,
            // Nothing was sent; the entries are pending again (see `deliver_due`).
            Err(e) => {
                self.save_failed(&e, now);
                self.http.publish(&self.state, now);
                return Ok(report);
            }
        };
        for o in &deliveries.outcomes {
            self.http.metrics.delivery(&o.channel, o.outcome.label());
            if let Some(cb) = &self.on_delivery {
                cb(o);
            }
        }
        if !deliveries.is_empty() {
            self.dirty = true;
        }
        report.deliveries = deliveries;

        // Mail the owed scheduled reports (CSV attached); a failure is retried in a later cycle.
        if !self.shutdown.is_cancelled() {
            let clock = self.clock.clone();
            let mailed = crate::report::scheduled::mail_owed(
                &mut self.state,
                &config,
                clock,
                self.clock.now(),
            )
            .await;
            for m in &mailed.outcomes {
                self.http.metrics.report_mail(m.label());
            }
            self.dirty |= mailed.changed();
            report.reports = mailed;
        }

        let now = self.clock.now();
        // Retention and minimising walk every ticket and ledger entry; their deadlines are
        // months and a week, so once an hour is as good as every cycle and keeps a quiet cycle
        // cheap.
        if self
            .housekeeping_at
            .map_or(true, |at| now - at >= HOUSEKEEPING_EVERY)
        {
            self.housekeeping_at = Some(now);
            let pruned = crate::state::prune(&mut self.state, config.daemon.retention, now);
            if pruned != crate::state::Pruned::default() {
                self.dirty = true;
            }
            let titled = crate::report::monthly::incident_levels(&config);
            if crate::state::minimise(&mut self.state, &titled, now) > 0 {
                self.dirty = true;
            }
        }
        if self.dirty && self.state.ledger.slim_settled() > 0 {
            tracing::debug!("settled ledger entries slimmed");
        }
        report.saved_bytes = self.save_or_keep_going(now);
        // Also refreshes the tracked-ticket gauges.
        self.http.publish(&self.state, now);
        Ok(report)
    }

    fn save_if_dirty(&mut self, now: DateTime<Utc>) -> Result<Option<u64>, AppError> {
        if !self.dirty && !self.store.health_due(&self.state.health, now) {
            return Ok(None);
        }
        let started = tokio::time::Instant::now();
        match self.store.save(&self.state, now) {
            Ok(bytes) => {
                self.http.state_saved(started.elapsed(), bytes);
                self.dirty = false;
                if self.save_failures > 0 {
                    self.save_recovered(now);
                    // The alert itself must be on disk before it is sent.
                    return self.save_if_dirty(now).map(|b| b.or(Some(bytes)));
                }
                Ok(Some(bytes))
            }
            Err(e) => {
                self.http.state_save_failed(&e.to_string());
                Err(e.into())
            }
        }
    }

    /// Saves if needed; a failure is logged, counted and retried with backoff, not an exit.
    fn save_or_keep_going(&mut self, now: DateTime<Utc>) -> Option<u64> {
        match self.save_if_dirty(now) {
            Ok(bytes) => bytes,
            Err(e) => {
                self.save_failed(&e, now);
                None
            }
        }
    }

    /// Records a failed save (already counted in the metrics by whoever saved) and schedules
    /// the next try: 1 s doubling up to 5 minutes, with jitter (the outbox's backoff).
    fn save_failed(&mut self, e: &dyn std::fmt::Display, now: DateTime<Utc>) {
        self.dirty = true;
        self.save_failures = self.save_failures.saturating_add(1);
        self.save_failing_since.get_or_insert(now);
        let policy = crate::config::RetryPolicy {
            initial: chrono::Duration::seconds(1),
            max: chrono::Duration::minutes(5),
            deadline: chrono::Duration::MAX,
        };
        let delay =
            crate::outbox::backoff::delay(&policy, self.save_failures, &mut rand::thread_rng())
                .to_std()
                .unwrap_or_default();
        self.save_retry_at = Some(tokio::time::Instant::now() + delay);
        tracing::error!(error = %e, failures = self.save_failures, retry_in_ms = delay.as_millis() as u64,
            "cannot save the state; nothing is sent until it can be saved, retrying");
    }

    /// A save worked again after failing: tell `[alerts]` (the mail goes out with the next
    /// deliveries).
    fn save_recovered(&mut self, now: DateTime<Utc>) {
        let since = self.save_failing_since.take().unwrap_or(now);
        let failures = std::mem::take(&mut self.save_failures);
        self.save_retry_at = None;
        let target = self.store.describe();
        let (subject, body) = alert_words::text(
            self.config.daemon.language,
            &Alert::SaveRecovered {
                database: self.store.postgres().is_some(),
                target: &target,
                since: &alerts::when(&self.config, since),
                failures,
            },
        );
        let occurrence = u32::try_from(since.timestamp()).unwrap_or(u32::MAX);
        let items = alerts::alert(
            &self.config,
            "state-save-failed",
            occurrence,
            &subject,
            &body,
            now,
        );
        self.state.ledger.issue_rendered(items, now);
        self.dirty = true;
        tracing::warn!(failures, since = %since, "state saved again after failures; alert sent");
    }
}

impl Daemon {
    /// Writes owed serious-incident report drafts into `reports_dir` (already in the saved
    /// state, so a crash here only means writing the same file again after the restart). A
    /// failed write stays owed and is retried next cycle.
    fn write_incident_reports(&mut self, config: &Config, now: DateTime<Utc>) {
        let dir = &config.daemon.reports_dir;
        let (written, failed) =
            crate::report::incident::write::write_owed(&mut self.state.incident_reports, dir, now);
        for path in &written {
            tracing::info!(file = %path.display(), "serious-incident report drafted");
        }
        for (key, error) in &failed {
            tracing::error!(report = %key, %error, "cannot write the serious-incident report; will retry");
        }
        self.dirty |= !written.is_empty();
    }

    fn poll_succeeded(&mut self, now: DateTime<Utc>) {
        self.http.metrics.poll_ok(now);
        let h = &mut self.state.health;
        let was_alerted = h.outage_alerted;
        let since = h.failing_since.take();
        // Health facts alone never force a save (they are served from memory; the store writes
        // them at most every `state::HEALTH_EVERY`). The all-clear below is a real change.
        h.last_poll_ok = Some(now);
        h.last_poll_error = None;
        h.outage_alerted = false;
        if was_alerted {
            self.dirty = true;
            let failing_since = since.map(|s| alerts::when(&self.config, s));
            let (subject, body) = alert_words::text(
                self.config.daemon.language,
                &Alert::OutageCleared {
                    failing_since: failing_since.as_deref(),
                },
            );
            let items = alerts::alert(
                &self.config,
                "outage-cleared",
                self.state.health.outages,
                &subject,
                &body,
                now,
            );
            self.state.ledger.issue_rendered(items, now);
            tracing::info!("Pureservice reachable again: all-clear sent");
        }
    }

    /// The sync's mode, its switches (WARN-logged by the sync, counted here and mailed once to
    /// `[alerts] to`) and what an hourly reconcile found the modified window had missed.
    fn sync_observed(&mut self, polled: &source::Polled, now: DateTime<Utc>) {
        let Some(news) = &polled.sync else {
            return;
        };
        self.http.metrics.sync_mode(news.mode);
        for s in &news.switches {
            self.http.metrics.sync_switched(&s.to);
            // The (technical, English) reason is in the log.
            let (subject, body) = alert_words::text(
                self.config.daemon.language,
                &Alert::SyncMode {
                    now: &s.to,
                    before: &s.from,
                },
            );
            let items = alerts::alert(&self.config, "sync-mode", s.number, &subject, &body, now);
            self.state.ledger.issue_rendered(items, now);
            self.dirty = true;
        }
        if !news.missed.is_empty() {
            self.http.metrics.sync_missed(news.missed.len());
            tracing::warn!(tickets = ?news.missed, "the open-set reconcile found changes the modified window had missed");
        }
    }

    fn poll_failed(&mut self, e: &source::PollError, now: DateTime<Utc>) {
        let outage_after = self.config.alerts.outage_after;
        let h = &mut self.state.health;
        h.last_poll_error = Some(format!("{}: {}", e.kind, e.message));
        let since = *h.failing_since.get_or_insert(now);
        if !h.outage_alerted && now - since >= outage_after {
            self.dirty = true;
            h.outage_alerted = true;
            h.outages += 1;
            let lang = self.config.daemon.language;
            let (subject, body) = alert_words::text(
                lang,
                &Alert::Outage {
                    since: &alerts::when(&self.config, since),
                    error: &alert_words::poll_failure(lang, &e.kind),
                },
            );
            let items = alerts::alert(&self.config, "outage", h.outages, &subject, &body, now);
            self.state.ledger.issue_rendered(items, now);
            tracing::error!(since = %since, error = %e.message, "Pureservice unreachable: outage alert sent");
        }
    }

    /// Reloads the config from its file. A bad new config is refused and logged; the old one
    /// keeps running.
    pub fn reload(&mut self) -> Result<(), String> {
        self.systemd.reloading();
        let result = crate::config::load(&self.config_path)
            .map_err(|e| e.to_string())
            .and_then(|new| {
                if new.daemon.state_file != self.config.daemon.state_file {
                    return Err(
                        "daemon.state_file cannot change on reload; restart slavakt instead".into(),
                    );
                }
                if new.state != self.config.state {
                    return Err("[state] cannot change on reload; restart slavakt instead".into());
                }
                let (source, outbox) =
                    wiring::build(&new, self.clock.clone(), self.client_options.clone())?;
                Ok((new, source, outbox))
            });
        let outcome = match result {
            Ok((new, source, outbox)) => {
                self.config = Arc::new(new);
                self.plan_index.clear();
                self.http.set_config(self.config.clone());
                self.http.metrics.declare_channels(&self.config);
                self.poller.replace(source);
                self.outbox = outbox;
                tracing::info!(config = %self.config_path.display(), "configuration reloaded");
                Ok(())
            }
            Err(e) => {
                tracing::error!(config = %self.config_path.display(), error = %e, "new configuration refused; the old one keeps running");
                Err(e)
            }
        };
        self.systemd.ready();
        outcome
    }

    /// [`Daemon::cycle`], pinging the watchdog while it runs — for at most
    /// [`CYCLE_WATCHDOG_CAP`]. A poll may legitimately take minutes (a hanging Pureservice:
    /// 5 attempts × `timeout`; rate limits; a large initial load), longer than `WatchdogSec`;
    /// without the pings systemd would kill the daemon in every such outage before it could
    /// report it. A cycle stuck beyond the cap stops the pings, and systemd restarts it.
    async fn cycle_feeding_watchdog(&mut self) -> Result<CycleReport, AppError> {
        let systemd = self.systemd;
        let Some(every) = systemd.watchdog_every else {
            return self.cycle().await;
        };
        let every = every.max(std::time::Duration::from_millis(10));
        let until = tokio::time::Instant::now() + CYCLE_WATCHDOG_CAP;
        let cycle = self.cycle();
        tokio::pin!(cycle);
        loop {
            tokio::select! {
                r = &mut cycle => return r,
                _ = tokio::time::sleep(every) => {
                    if tokio::time::Instant::now() < until {
                        systemd.watchdog();
                    }
                }
            }
        }
    }

    /// Runs cycles until shutdown. `reload` receives SIGHUP requests.
    pub async fn run(
        mut self,
        mut reload: Option<tokio::sync::mpsc::Receiver<()>>,
    ) -> Result<(), AppError> {
        // Ready once the state is loaded and the channels are built: the first poll may take
        // long (initial load, or Pureservice down) and must not trip systemd's start timeout.
        self.systemd.ready();
        // When the last cycle started by a push hint was (or is due to be) started.
        let mut hinted_at: Option<tokio::time::Instant> = None;
        loop {
            let started = tokio::time::Instant::now();
            let report = self.cycle_feeding_watchdog().await?;
            tracing::debug!(
                took_ms = started.elapsed().as_millis() as u64,
                requests = report.requests,
                "cycle done"
            );
            self.systemd.watchdog();
            self.systemd.status(&format!(
                "{} tickets tracked, {} pending deliveries, last poll {}",
                self.state.tickets.len(),
                self.state.ledger.pending().len(),
                if matches!(report.polled, Some(Ok(_))) {
                    "ok"
                } else {
                    "failed"
                }
            ));
            if self.shutdown.is_cancelled() {
                break;
            }
            let tick = self.tick.unwrap_or_else(|| {
                self.config
                    .daemon
                    .poll_interval
                    .to_std()
                    .unwrap_or_default()
            });
            // A standby checks the lease more often than a leader polls.
            let tick = self.standby_tick().map_or(tick, |t| t.min(tick));
            // Cycles start `tick` apart (not `tick` after the last one ended), so a change
            // waits at most one poll interval plus one cycle; a cycle that overran leaves a
            // tenth of the interval before the next, so an overloaded daemon does not spin.
            let mut next_cycle = (started + tick).max(tokio::time::Instant::now() + tick / 10);
            // Keep feeding the watchdog while waiting (WatchdogSec may be shorter than the
            // poll interval).
            let ping = self
                .systemd
                .watchdog_every
                .unwrap_or(tick)
                .max(std::time::Duration::from_millis(10));
            loop {
                let mut wake = next_cycle.min(tokio::time::Instant::now() + ping);
                if let Some(retry) = self.save_retry_at {
                    wake = wake.min(retry);
                }
                tokio::select! {
                    _ = self.shutdown.cancelled() => break,
                    _ = tokio::time::sleep_until(wake) => {
                        self.systemd.watchdog();
                        if self.save_retry_at.is_some_and(|r| tokio::time::Instant::now() >= r) {
                            let now = self.clock.now();
                            if self.save_or_keep_going(now).is_some() {
                                // Saved again: send what was held back now, not a cycle later.
                                break;
                            }
                        }
                        if tokio::time::Instant::now() >= next_cycle {
                            break;
                        }
                    }
                    Some(()) = async { match reload.as_mut() { Some(r) => r.recv().await, None => std::future::pending().await } } => {
                        let _ = self.reload();
                    }
                    // The push hint: a cycle now, or as soon as the last hinted one is a
                    // second old (a burst of calls costs at most one extra cycle a second).
                    _ = self.http.hook.notified() => {
                        let ready = hinted_at.map_or(tokio::time::Instant::now(), |at| at + HOOK_SPACING);
                        if tokio::time::Instant::now() >= ready {
                            hinted_at = Some(tokio::time::Instant::now());
                            break;
                        }
                        if ready < next_cycle {
                            next_cycle = ready;
                            hinted_at = Some(ready);
                        }
                    }
                }
            }
            if self.shutdown.is_cancelled() {
                break;
            }
        }
        self.systemd.stopping();
        let now = self.clock.now();
        // A clean stop leaves one whole snapshot and an empty journal (PostgreSQL: a last save,
        // then the lease is released so a standby takes over at once).
        let started = tokio::time::Instant::now();
        let leading = self.store.postgres().is_none() || self.leading.is_some();
        if leading {
            match self.store.compact(&self.state, now) {
                Ok(bytes) => self.http.state_saved(started.elapsed(), bytes),
                // Another instance leads now: its state is the one that counts.
                Err(
                    e @ (crate::state::StateError::Fenced { .. }
                    | crate::state::StateError::NotLeader),
                ) => {
                    tracing::warn!(error = %e, "stopping without a last save: another instance leads");
                }
                Err(e) => {
                    self.http.state_save_failed(&e.to_string());
                    return Err(e.into());
                }
            }
        }
        self.release_lease();
        tracing::info!("stopped; state saved");
        Ok(())
    }
}
