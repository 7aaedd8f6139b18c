//! The daemon's Prometheus metrics: a small registry of counters and gauges that the run loop
//! updates and `/metrics` renders in the text exposition format 0.0.4.
//!
//! No metrics crate: the set is fixed and small, values live behind one `Mutex` per family, and
//! rendering (HELP/TYPE lines, label escaping, stable order) is done here. Every method takes
//! what it needs as arguments — `now` included — so the module never reads the wall clock.
//!
//! Who calls what (the run loop, once per event):
//! - `poll_ok(now)` / `poll_failed()` after each poll;
//! - `api_request_failed(&PsError)` for every failed Pureservice request, from the client's
//!   `on_error` hook (polls, reference data, notes, priority writes; each retry counts);
//! - `intent_issued(rule)` for each intent recorded in the ledger;
//! - `delivery_report(&report)` after each outbox round (or `delivery(channel, outcome)` per
//!   attempt; outcomes are `outbox::Outcome::label`: `delivered`, `retrying`, `failed`, …);
//! - `report_mail(outcome)` per recipient of a scheduled monthly report (`sent`, `failed`,
//!   `dry_run`);
//! - `state_saved(duration, bytes)` / `state_save_failed()` after each save;
//! - `set_tracked(state, config, now)` after each cycle (`http::HttpShared::publish` calls it):
//!   tracked tickets by level and clock state, pending deliveries, outage flag — and it counts
//!   newly seen breaches itself.

mod process;

use crate::config::Config;
use crate::outbox::DeliveryReport;
use crate::pureservice::error::{PsError, TransportKind};
use crate::sla::{ClockKind, ClockState, TicketClocks};
use crate::state::State;
use crate::ticket::TicketId;
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// One metric family: name, help, type, label names and the values per label set.
#[derive(Debug)]
struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    labels: &'static [&'static str],
    values: Mutex<BTreeMap<Vec<String>, f64>>,
}

impl Family {
    const fn new(
        name: &'static str,
        help: &'static str,
        kind: &'static str,
        labels: &'static [&'static str],
    ) -> Self {
        Family {
            name,
            help,
            kind,
            labels,
            values: Mutex::new(BTreeMap::new()),
        }
    }

    fn values(&self) -> std::sync::MutexGuard<'_, BTreeMap<Vec<String>, f64>> {
        // A panic while holding the lock cannot leave a half-written f64; keep serving.
        self.values.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn add(&self, labels: &[&str], v: f64) {
        let key = labels.iter().map(|s| s.to_string()).collect();
        *self.values().entry(key).or_insert(0.0) += v;
    }

    /// The series exists (at 0) without changing a value it already has.
    fn declare(&self, labels: &[&str]) {
        self.add(labels, 0.0);
    }

    fn set(&self, labels: &[&str], v: f64) {
        let key = labels.iter().map(|s| s.to_string()).collect();
        self.values().insert(key, v);
    }

    fn get(&self, labels: &[&str]) -> f64 {
        let key: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        self.values().get(&key).copied().unwrap_or(0.0)
    }

    fn replace(&self, all: BTreeMap<Vec<String>, f64>) {
        *self.values() = all;
    }

    fn render(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, escape_help(self.help));
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind);
        for (key, v) in self.values().iter() {
            out.push_str(self.name);
            if !self.labels.is_empty() {
                out.push('{');
                for (i, (n, val)) in self.labels.iter().zip(key).enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, "{n}=\"{}\"", escape_label(val));
                }
                out.push('}');
            }
            let _ = writeln!(out, " {}", format_value(*v));
        }
    }
}

/// The registry. Share it as `Arc<Metrics>`; every method takes `&self`.
#[derive(Debug)]
pub struct Metrics {
    polls: Family,
    api_errors: Family,
    tracked: Family,
    intents: Family,
    deliveries: Family,
    report_mails: Family,
    breaches: Family,
    pending: Family,
    outage: Family,
    save_last: Family,
    save_sum: Family,
    save_count: Family,
    save_failures: Family,
    state_bytes: Family,
    last_poll_ok: Family,
    sync_mode: Family,
    sync_switches: Family,
    sync_missed: Family,
    leader: Family,
    leader_generation: Family,
    takeovers: Family,
    hook_calls: Family,
    /// (ticket, clock) pairs whose breach was already counted.
    breaches_seen: Mutex<BreachMemory>,
}

#[derive(Debug, Default)]
struct BreachMemory {
    seen: BTreeSet<(TicketId, u8)>,
    /// Last `set_tracked` time: tickets resolved after it are still looked at once.
    last_scan: Option<DateTime<Utc>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let m = Metrics {
            sync_mode: Family::new(
                "slavakt_sync_mode",
                "The Pureservice sync mode in use (1 for the mode in use: modified, open-set).",
                "gauge",
                &["mode"],
            ),
            sync_switches: Family::new(
                "slavakt_sync_mode_switches_total",
                "Sync mode switches made by sync = \"auto\", by the mode switched to.",
                "counter",
                &["to"],
            ),
            sync_missed: Family::new(
                "slavakt_sync_reconcile_missed_total",
                "Tickets the hourly open-set reconcile found that the modified window had missed.",
                "counter",
                &[],
            ),
            hook_calls: Family::new(
                "slavakt_hook_calls_total",
                "Calls of POST /hooks/pureservice by result (accepted, unauthorized, too_large).",
                "counter",
                &["result"],
            ),
            polls: Family::new(
                "slavakt_polls_total",
                "Pureservice poll cycles by outcome (ok, error).",
                "counter",
                &["outcome"],
            ),
            api_errors: Family::new(
                "slavakt_api_errors_total",
                "Failed Pureservice API calls by kind of error.",
                "counter",
                &["kind"],
            ),
            tracked: Family::new(
                "slavakt_tracked_tickets",
                "Open tracked tickets by SLA level and most severe clock state.",
                "gauge",
                &["level", "clock_state"],
            ),
            intents: Family::new(
                "slavakt_intents_total",
                "Intents issued by the communication plan, by rule id.",
                "counter",
                &["rule"],
            ),
            deliveries: Family::new(
                "slavakt_deliveries_total",
                "Delivery attempts by channel and outcome.",
                "counter",
                &["channel", "outcome"],
            ),
            report_mails: Family::new(
                "slavakt_report_mails_total",
                "Scheduled monthly report mails by outcome (sent, failed, dry_run).",
                "counter",
                &["outcome"],
            ),
            breaches: Family::new(
                "slavakt_breaches_total",
                "SLA clocks seen breached (counted once per ticket and clock while the daemon runs).",
                "counter",
                &["clock"],
            ),
            pending: Family::new(
                "slavakt_pending_deliveries",
                "Ledger entries waiting to be sent (pending or in flight).",
                "gauge",
                &[],
            ),
            outage: Family::new(
                "slavakt_pureservice_outage",
                "1 while every poll has failed for longer than alerts.outage_after.",
                "gauge",
                &[],
            ),
            save_last: Family::new(
                "slavakt_state_save_last_seconds",
                "Duration of the last state save.",
                "gauge",
                &[],
            ),
            save_sum: Family::new(
                "slavakt_state_save_seconds_sum",
                "Total time spent saving the state.",
                "",
                &[],
            ),
            save_count: Family::new(
                "slavakt_state_save_seconds_count",
                "Number of state saves.",
                "",
                &[],
            ),
            save_failures: Family::new(
                "slavakt_state_save_failures_total",
                "State saves that failed.",
                "counter",
                &[],
            ),
            state_bytes: Family::new(
                "slavakt_state_bytes",
                "Size of the state file after the last save.",
                "gauge",
                &[],
            ),
            last_poll_ok: Family::new(
                "slavakt_last_poll_success_timestamp_seconds",
                "Unix time of the last successful poll.",
                "gauge",
                &[],
            ),
            leader: Family::new(
                "slavakt_leader",
                "1 while this instance leads (holds the lease), 0 while it stands by (PostgreSQL backend).",
                "gauge",
                &[],
            ),
            leader_generation: Family::new(
                "slavakt_leader_generation",
                "The lease's generation: this instance's while it leads, else the last one seen.",
                "gauge",
                &[],
            ),
            takeovers: Family::new(
                "slavakt_leader_takeovers_total",
                "Times this instance took the lease.",
                "counter",
                &[],
            ),
            breaches_seen: Mutex::new(BreachMemory::default()),
        };
        // Series that alert rules use exist from the start, so `rate()` and absence checks work.
        for outcome in ["ok", "error"] {
            m.polls.set(&[outcome], 0.0);
        }
        for clock in ["response", "resolution"] {
            m.breaches.set(&[clock], 0.0);
        }
        for outcome in ["sent", "failed", "dry_run"] {
            m.report_mails.set(&[outcome], 0.0);
        }
        m.sync_missed.set(&[], 0.0);
        for to in ["modified", "open-set"] {
            m.sync_switches.set(&[to], 0.0);
        }
        for result in ["accepted", "unauthorized", "too_large"] {
            m.hook_calls.set(&[result], 0.0);
        }
        for kind in API_ERROR_KINDS {
            m.api_errors.set(&[kind], 0.0);
        }
        m.pending.set(&[], 0.0);
        m.outage.set(&[], 0.0);
        m.save_sum.set(&[], 0.0);
        m.save_count.set(&[], 0.0);
        m.save_failures.set(&[], 0.0);
        m
    }

    /// A poll cycle completed.
    pub fn poll_ok(&self, now: DateTime<Utc>) {
        self.polls.add(&["ok"], 1.0);
        self.last_poll_ok.set(&[], now.timestamp() as f64);
    }

    /// Every configured channel's delivery series and every plan rule's intent series at 0 (kept
    /// at their values after a reload), so an alert on
    /// `increase(slavakt_deliveries_total{outcome="failed"}[…]) > 0` sees the first failure too.
    pub fn declare_channels(&self, config: &Config) {
        let ch = &config.channels;
        let mut names: Vec<String> = Vec::new();
        if ch.email.is_some() {
            names.push("email".into());
        }
        if ch.sms.is_some() {
            names.push("sms".into());
        }
        names.extend(ch.teams.keys().map(|t| format!("teams:{t}")));
        if ch.intranet.is_some() {
            names.push("intranet".into());
        }
        if ch.pureservice_note {
            names.push("pureservice_note".into());
        }
        for name in &names {
            for outcome in DELIVERY_OUTCOMES {
                self.deliveries.declare(&[name, outcome]);
            }
        }
        // Every plan rule's intent series too: `increase(slavakt_intents_total{rule="…"}[…])`
        // must see a rule's first intent.
        for rule in &config.plan {
            self.intents.declare(&[&rule.id]);
        }
    }

    /// A poll cycle failed. Counts the poll only: its failed requests were counted one by one
    /// ([`Metrics::api_request_failed`]), so a poll retried five times counts five API errors.
    pub fn poll_failed(&self) {
        self.polls.add(&["error"], 1.0);
    }

    /// One failed Pureservice request (an attempt, retries included); `kind` as [`error_kind`].
    pub fn api_error(&self, kind: &str) {
        self.api_errors.add(&[kind], 1.0);
    }

    /// [`Metrics::api_error`] with the kind taken from the client's error (the client's
    /// `on_error` hook calls it).
    pub fn api_request_failed(&self, e: &PsError) {
        self.api_error(error_kind(e));
    }

    /// The sync mode in use (`modified` or `open-set`).
    pub fn sync_mode(&self, mode: &str) {
        let mut all = BTreeMap::new();
        for m in ["modified", "open-set"] {
            all.insert(vec![m.to_string()], f64::from(u8::from(m == mode)));
        }
        self.sync_mode.replace(all);
    }

    /// `auto` switched the sync to `to`.
    pub fn sync_switched(&self, to: &str) {
        self.sync_switches.add(&[to], 1.0);
    }

    /// A call of the push hint was answered with `result`.
    pub fn hook_call(&self, result: &str) {
        self.hook_calls.add(&[result], 1.0);
    }

    /// The reconcile found `n` tickets the modified window had missed.
    pub fn sync_missed(&self, n: usize) {
        self.sync_missed.add(&[], n as f64);
    }

    pub fn intent_issued(&self, rule: &str) {
        self.intents.add(&[rule], 1.0);
    }

    /// One delivery attempt's result; `channel` as in the plan (`email`, `teams:ik_varsling`).
    pub fn delivery(&self, channel: &str, outcome: &str) {
        self.deliveries.add(&[channel, outcome], 1.0);
    }

    /// One recipient's scheduled report mail (`report::scheduled::MailOutcome::label`).
    pub fn report_mail(&self, outcome: &str) {
        self.report_mails.add(&[outcome], 1.0);
    }

    /// Every outcome of one outbox round (`outcome` = [`crate::outbox::Outcome::label`]).
    pub fn delivery_report(&self, report: &DeliveryReport) {
        for o in &report.outcomes {
            self.delivery(&o.channel, o.outcome.label());
        }
    }

    pub fn state_saved(&self, took: Duration, bytes: u64) {
        let secs = took.as_secs_f64();
        self.save_last.set(&[], secs);
        self.save_sum.add(&[], secs);
        self.save_count.add(&[], 1.0);
        self.state_bytes.set(&[], bytes as f64);
    }

    /// The role under the PostgreSQL backend (see [`crate::http::HttpShared::set_ha`]).
    pub fn ha(&self, leader: bool, generation: u64) {
        self.leader.set(&[], if leader { 1.0 } else { 0.0 });
        self.leader_generation.set(&[], generation as f64);
        self.takeovers.declare(&[]);
    }

    /// This instance took the lease.
    pub fn took_over(&self) {
        self.takeovers.add(&[], 1.0);
    }

    pub fn state_save_failed(&self) {
        self.save_failures.add(&[], 1.0);
    }

    /// Recomputes the gauges that describe the state: open tickets by level and clock state,
    /// pending deliveries, outage. Counts each (ticket, clock) breach the first time it is seen.
    pub fn set_tracked(&self, state: &State, config: &Config, now: DateTime<Utc>) {
        let mut memory = self.breaches_seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut gauge: BTreeMap<Vec<String>, f64> = BTreeMap::new();
        // Every configured level × state exists (as 0), so a series does not vanish when the
        // last ticket of its kind closes.
        for level in config.sla.keys() {
            for st in ClockSummary::ALL {
                gauge.insert(vec![level.clone(), st.as_str().to_string()], 0.0);
            }
        }
        gauge.insert(vec!["change".into(), "none".into()], 0.0);
        for t in state.tickets.values() {
            let open = !t.is_resolved();
            // A ticket resolved since the last scan is looked at once more, so a breach that
            // happened between two cycles is still counted.
            let recently_resolved = t.resolved_at().is_some_and(|at| match memory.last_scan {
                Some(s) => at >= s,
                None => true,
            });
            if !open && !recently_resolved {
                continue;
            }
            // A planned change has no SLA (its notices follow the change rules): never a
            // breach, and counted apart under `level="change"`.
            if t.is_change() {
                if open {
                    *gauge
                        .entry(vec!["change".into(), ClockSummary::None.as_str().into()])
                        .or_insert(0.0) += 1.0;
                }
                continue;
            }
            let clocks = crate::sla::clocks(t, config, now);
            if let Some(c) = &clocks {
                for (kind, clock) in [(0u8, &c.response), (1u8, &c.resolution)] {
                    if matches!(clock.state, ClockState::Breached { .. })
                        && memory.seen.insert((t.id, kind))
                    {
                        self.breaches.add(&[clock_name(clock.kind)], 1.0);
                    }
                }
            }
            if open {
                let (level, st) = match &clocks {
                    Some(c) => (c.level.clone(), ClockSummary::of(c)),
                    None => ("none".to_string(), ClockSummary::None),
                };
                *gauge
                    .entry(vec![level, st.as_str().to_string()])
                    .or_insert(0.0) += 1.0;
            }
        }
        memory.seen.retain(|(id, _)| state.tickets.contains_key(id));
        memory.last_scan = Some(now);
        self.tracked.replace(gauge);
        self.pending.set(&[], state.ledger.pending().len() as f64);
        self.outage.set(
            &[],
            if state.health.outage_alerted {
                1.0
            } else {
                0.0
            },
        );
    }

    /// The text exposition (format 0.0.4).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        for f in [
            &self.polls,
            &self.api_errors,
            &self.tracked,
            &self.intents,
            &self.deliveries,
            &self.report_mails,
            &self.breaches,
            &self.pending,
            &self.outage,
            &self.save_last,
            &self.save_failures,
            &self.state_bytes,
            &self.last_poll_ok,
            &self.sync_mode,
            &self.sync_switches,
            &self.sync_missed,
            &self.hook_calls,
        ] {
            f.render(&mut out);
        }
        // Only with the PostgreSQL backend (a file-backed daemon has no role).
        if !self.leader.values().is_empty() {
            for f in [&self.leader, &self.leader_generation, &self.takeovers] {
                f.render(&mut out);
            }
        }
        // `_sum` and `_count` belong to one summary family without quantiles.
        let _ = writeln!(
            out,
            "# HELP slavakt_state_save_seconds Time spent saving the state file."
        );
        let _ = writeln!(out, "# TYPE slavakt_state_save_seconds summary");
        let _ = writeln!(
            out,
            "slavakt_state_save_seconds_sum {}",
            format_value(self.save_sum.get(&[]))
        );
        let _ = writeln!(
            out,
            "slavakt_state_save_seconds_count {}",
            format_value(self.save_count.get(&[]))
        );
        let _ = writeln!(
            out,
            "# HELP slavakt_build_info The running build (value 1).\n# TYPE slavakt_build_info gauge"
        );
        let _ = writeln!(
            out,
            "slavakt_build_info{{version=\"{}\",commit=\"{}\",build_date=\"{}\"}} 1",
            escape_label(crate::build_info::VERSION),
            escape_label(crate::build_info::COMMIT),
            escape_label(crate::build_info::DATE)
        );
        process::render(&mut out);
        out
    }

    /// Current value of a series (tests and `status`).
    pub fn value(&self, name: &str, labels: &[&str]) -> Option<f64> {
        let fam = [
            &self.polls,
            &self.api_errors,
            &self.tracked,
            &self.intents,
            &self.deliveries,
            &self.report_mails,
            &self.breaches,
            &self.pending,
            &self.outage,
            &self.save_last,
            &self.save_sum,
            &self.save_count,
            &self.save_failures,
            &self.state_bytes,
            &self.last_poll_ok,
            &self.leader,
            &self.leader_generation,
            &self.takeovers,
        ]
        .into_iter()
        .find(|f| f.name == name)?;
        let key: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        let v = fam.values().get(&key).copied();
        v
    }
}

/// A ticket's clocks summed up as one label value: the most severe of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClockSummary {
    None,
    Met,
    Running,
    Paused,
    Warning,
    Breached,
}

impl ClockSummary {
    pub const ALL: [ClockSummary; 5] = [
        ClockSummary::Running,
        ClockSummary::Paused,
        ClockSummary::Warning,
        ClockSummary::Breached,
        ClockSummary::Met,
    ];

    pub fn of(c: &TicketClocks) -> ClockSummary {
        Self::of_state(&c.response.state).max(Self::of_state(&c.resolution.state))
    }

    pub fn of_state(s: &ClockState) -> ClockSummary {
        match s {
            ClockState::Running => ClockSummary::Running,
            ClockState::Paused => ClockSummary::Paused,
            ClockState::Warning { .. } => ClockSummary::Warning,
            ClockState::Met { .. } => ClockSummary::Met,
            ClockState::Breached { .. } => ClockSummary::Breached,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            ClockSummary::None => "none",
            ClockSummary::Met => "met",
            ClockSummary::Running => "running",
            ClockSummary::Paused => "paused",
            ClockSummary::Warning => "warning",
            ClockSummary::Breached => "breached",
        }
    }
}

/// The `kind` label of a failed Pureservice call: `auth`, `rate_limited`, `http_5xx`,
/// `http_4xx`, `timeout`, `connect`, `transport`, `malformed`, `invalid`.
/// Every `kind` of `slavakt_api_errors_total` ([`error_kind`]); all exist from start-up.
pub const API_ERROR_KINDS: [&str; 9] = [
    "auth",
    "rate_limited",
    "http_5xx",
    "http_4xx",
    "timeout",
    "connect",
    "transport",
    "malformed",
    "invalid",
];

/// Every `outcome` of `slavakt_deliveries_total` (`outbox::Outcome::label`).
pub const DELIVERY_OUTCOMES: [&str; 6] = [
    "delivered",
    "retrying",
    "failed",
    "skipped",
    "not_started",
    "abandoned",
];

pub fn error_kind(e: &PsError) -> &'static str {
    match e {
        PsError::Status { status, .. } => match status {
            401 | 403 => "auth",
            429 => "rate_limited",
            500..=599 => "http_5xx",
            _ => "http_4xx",
        },
        PsError::Transport { kind, .. } => match kind {
            TransportKind::Timeout => "timeout",
            TransportKind::Connect => "connect",
            TransportKind::Other => "transport",
        },
        PsError::Malformed { .. } => "malformed",
        PsError::Invalid(_) => "invalid",
    }
}

fn clock_name(k: ClockKind) -> &'static str {
    match k {
        ClockKind::Response => "response",
        ClockKind::Resolution => "resolution",
    }
}

/// Label values: backslash, double quote and line feed are escaped (format 0.0.4).
pub fn escape_label(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// HELP text: backslash and line feed are escaped.
fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        // Rust prints 3.0 as "3" and 0.25 as "0.25": both valid Go floats.
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn counters_render_with_help_type_and_labels() {
        let m = Metrics::new();
        m.poll_failed();
        m.api_error("http_5xx");
        m.api_error("http_5xx");
        m.delivery("teams:ik_varsling", "delivered");
        m.intent_issued("kritisk \"første\"");
        let text = m.render();
        assert!(text.contains("# TYPE slavakt_polls_total counter\n"));
        assert!(text.contains("slavakt_polls_total{outcome=\"error\"} 1\n"));
        assert!(text.contains("slavakt_api_errors_total{kind=\"http_5xx\"} 2\n"));
        assert!(text.contains(
            "slavakt_deliveries_total{channel=\"teams:ik_varsling\",outcome=\"delivered\"} 1\n"
        ));
        assert!(text.contains("slavakt_intents_total{rule=\"kritisk \\\"første\\\"\"} 1\n"));
    }

    #[test]
    fn pureservice_errors_map_to_stable_kinds() {
        let status = |status| PsError::Status {
            method: "GET".into(),
            path: "/agent/api/ticket".into(),
            status,
            excerpt: String::new(),
            retry_after: None,
        };
        assert_eq!(error_kind(&status(401)), "auth");
        assert_eq!(error_kind(&status(429)), "rate_limited");
        assert_eq!(error_kind(&status(503)), "http_5xx");
        assert_eq!(error_kind(&status(404)), "http_4xx");
        let m = Metrics::new();
        m.api_request_failed(&PsError::Transport {
            method: "GET".into(),
            path: "/agent/api/ticket".into(),
            kind: TransportKind::Timeout,
            message: "timed out".into(),
        });
        assert_eq!(m.value("slavakt_api_errors_total", &["timeout"]), Some(1.0));
        // A failed request is not a failed poll.
        assert_eq!(m.value("slavakt_polls_total", &["error"]), Some(0.0));
    }

    #[test]
    fn save_durations_sum_and_count() {
        let m = Metrics::new();
        m.state_saved(Duration::from_millis(250), 1000);
        m.state_saved(Duration::from_millis(500), 2048);
        let text = m.render();
        assert!(
            text.contains("slavakt_state_save_seconds_sum 0.75\n"),
            "{text}"
        );
        assert!(text.contains("slavakt_state_save_seconds_count 2\n"));
        assert!(text.contains("slavakt_state_save_last_seconds 0.5\n"));
        assert!(text.contains("slavakt_state_bytes 2048\n"));
    }

    #[test]
    fn last_poll_timestamp_is_unix_seconds() {
        let m = Metrics::new();
        let now = DateTime::parse_from_rfc3339("2027-03-24T14:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        m.poll_ok(now);
        assert_eq!(
            m.value("slavakt_last_poll_success_timestamp_seconds", &[]),
            Some(1_805_896_800.0)
        );
    }
}
