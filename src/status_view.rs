//! What the service desk sees: open tracked tickets with their clocks, next deadline and next
//! planned action, pending deliveries and poll health — one pure function of (state, config,
//! now), shared by the status page (`/`, `/status.json`) and `slavakt status`.
//!
//! Times are given in the configured zone's offset (RFC 3339), remaining times in seconds of the
//! level's own calendar (business time for business-hour levels). Tickets are sorted most urgent
//! first: overdue, then by next deadline, paused ones after running ones, unprioritised last.
//! Also holds the page/table labels in the configured language.

mod desk;

use crate::config::{Config, Language};
use crate::ledger::{DeliveryStatus, Ledger};
use crate::sla::{Clock, ClockKind, ClockState};
use crate::state::State;
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Duration, FixedOffset, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusView {
    pub generated_at: DateTime<FixedOffset>,
    pub timezone: String,
    pub language: String,
    /// The heading for a ticket's units: the configured `daemon.unit_word` with a capital
    /// ("Kommune", "Forvaltning").
    pub unit_heading: String,
    pub tickets: Vec<TicketView>,
    pub pending_deliveries: Vec<PendingView>,
    pub last_successful_poll: Option<DateTime<FixedOffset>>,
    pub last_error: Option<String>,
    /// Since when every poll has failed.
    pub failing_since: Option<DateTime<FixedOffset>>,
    /// An outage alert went out and the all-clear is still owed.
    pub outage: bool,
    pub state_saved_at: Option<DateTime<FixedOffset>>,
    /// How the sync reads Pureservice (`modified` or `open-set`), why, and since when.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_mode: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_since: Option<DateTime<FixedOffset>>,
    /// Where `next_action` comes from: `plan` (the plan engine's own decision) or `clocks`
    /// (the next warning or deadline of the SLA clocks only).
    pub next_action_source: &'static str,
    /// The strip at the top of the page.
    pub summary: SummaryView,
    /// Open incidents at the two most severe levels, longest running first, with their
    /// communication so far (from the ledger).
    pub incidents: Vec<IncidentView>,
    /// Open planned changes with their notice timeline; changes have no SLA.
    pub changes: Vec<ChangeView>,
    /// Open tickets per level over the last 24 hours and 7 days (the page's chart).
    pub history: HistoryView,
    /// With the PostgreSQL backend: this instance's role and the lease's generation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ha: Option<HaView>,
}

/// This instance's place in an active/passive pair (`docs/HA.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HaView {
    /// `leader` or `standby`.
    pub role: &'static str,
    /// The lease's generation: this instance's while it leads, else the last one seen.
    pub generation: u64,
    /// This instance (`host:pid`).
    pub instance: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryView {
    pub day: Vec<HistoryPoint>,
    pub week: Vec<HistoryPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryPoint {
    pub at: DateTime<FixedOffset>,
    /// Open tickets per level, in the order of `summary.open`.
    pub counts: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryView {
    /// Open tickets per level, most severe first (every configured level, zero included).
    pub open: Vec<LevelCount>,
    /// Tickets with a clock that fell due (breached) since local midnight.
    pub breached_today: usize,
    pub deliveries_pending: usize,
    /// Pending deliveries whose last attempt failed, and deliveries failed for good today.
    pub deliveries_failing: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelCount {
    pub level: String,
    pub label: String,
    pub count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentView {
    pub number: u64,
    pub level: String,
    pub level_label: String,
    pub since: DateTime<FixedOffset>,
    pub running_seconds: i64,
    /// Who was told, on which channel, newest first (alerts about slavakt itself left out).
    pub told: Vec<ToldView>,
    /// The last regular status update (or first notice) delivered.
    pub last_update: Option<DateTime<FixedOffset>>,
    /// When the next regular status update is due: a due one not yet delivered, else the next
    /// `every` occurrence.
    pub next_update: Option<DateTime<FixedOffset>>,
    /// The next update is due and has not gone out.
    pub update_overdue: bool,
    pub acks: Vec<AckView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ToldView {
    pub at: DateTime<FixedOffset>,
    pub channel: String,
    pub recipient: String,
    /// `pending`, `in_flight`, `delivered`, `failed`, `skipped`.
    pub status: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AckView {
    pub at: DateTime<FixedOffset>,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeView {
    pub number: u64,
    pub subject: String,
    pub service: Option<String>,
    pub municipalities: Vec<String>,
    pub planned_start: Option<DateTime<FixedOffset>>,
    pub planned_end: Option<DateTime<FixedOffset>>,
    /// `planned`, `running`, `cancelled`.
    pub state: &'static str,
    /// Notices issued so far, oldest first (one per rule occurrence).
    pub notices: Vec<NoticeView>,
    pub next_notice: Option<ActionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoticeView {
    pub at: DateTime<FixedOffset>,
    /// The plan's reason (`change_notice`, `change_moved`, …).
    pub what: String,
    pub channels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketView {
    pub id: TicketId,
    pub number: u64,
    pub subject: String,
    /// Pureservice priority name, when set.
    pub priority: Option<String>,
    /// SLA level name (`kritisk`, …) and its label (`Kritisk`).
    pub level: Option<String>,
    pub level_label: Option<String>,
    pub municipalities: Vec<String>,
    pub service: Option<String>,
    pub status: String,
    pub paused: bool,
    pub response: Option<ClockView>,
    pub resolution: Option<ClockView>,
    /// A clock is past due and still running.
    pub overdue: bool,
    pub next_deadline: Option<DeadlineView>,
    pub next_action: Option<ActionView>,
    /// A planned change: no SLA clocks, shown in its own section.
    pub is_change: bool,
    /// Nobody is assigned in Pureservice.
    pub unassigned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClockView {
    /// `running`, `paused`, `warning`, `met`, `breached`.
    pub state: &'static str,
    /// Warning percentage passed, for `warning`.
    pub percent: Option<u8>,
    pub due: DateTime<FixedOffset>,
    /// Calendar time left; negative when overdue.
    pub remaining_seconds: i64,
    /// When it was met, or met late after a breach.
    pub stopped_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadlineView {
    /// `response` or `resolution`.
    pub clock: &'static str,
    pub due: DateTime<FixedOffset>,
    pub remaining_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionView {
    /// When it fires; in the past when it is due and waits for the next cycle.
    pub at: DateTime<FixedOffset>,
    /// Why, as the plan's machine-readable reason (`every`, `response_warning`,
    /// `resolution_breached`, …).
    pub what: String,
    /// The warning percentage, for a warning.
    pub percent: Option<u8>,
    /// Plan rule ids that fire then (empty when the view was built from the clocks alone).
    pub rules: Vec<String>,
    /// The channels those rules send on (`email`, `sms`, `teams:ik_varsling`, …).
    pub channels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingView {
    pub key: String,
    pub ticket: TicketId,
    /// The ticket number, when the ticket is tracked (alerts about slavakt itself have none).
    pub number: Option<u64>,
    pub rule: String,
    pub channel: String,
    pub recipient: String,
    /// `pending` or `in_flight`.
    pub status: &'static str,
    pub attempts: usize,
    pub last_outcome: Option<String>,
    pub next_attempt: Option<DateTime<FixedOffset>>,
    pub late: bool,
}

/// The view of `state` at `now`.
pub fn build(state: &State, config: &Config, now: DateTime<Utc>) -> StatusView {
    let tz = config.daemon.timezone;
    let at = |t: DateTime<Utc>| local(t, tz);
    let mut tickets: Vec<(SortKey, TicketView)> = state
        .tickets
        .values()
        .filter(|t| !t.is_resolved())
        .map(|t| ticket_view(t, &state.ledger, config, now, tz))
        .collect();
    tickets.sort_by_key(|a| a.0);

    let numbers: BTreeMap<TicketId, u64> =
        state.tickets.values().map(|t| (t.id, t.number)).collect();
    let pending_deliveries = state
        .ledger
        .pending()
        .into_iter()
        .map(|e| PendingView {
            key: e.intent.key.to_string(),
            ticket: e.intent.key.ticket,
            number: numbers.get(&e.intent.key.ticket).copied(),
            rule: e.intent.key.rule.clone(),
            channel: e.intent.key.channel.clone(),
            recipient: e.intent.recipient.name.clone(),
            status: match e.status {
                DeliveryStatus::InFlight => "in_flight",
                _ => "pending",
            },
            attempts: e.attempts.len(),
            last_outcome: e.attempts.last().map(|a| a.outcome.clone()),
            next_attempt: e.next_attempt.map(at),
            late: e.intent.late,
        })
        .collect();

    let summary = desk::summary(state, config, now);
    let incidents = desk::incidents(state, config, now);
    let changes = desk::changes(state, config, now);
    let history = desk::history(state, config, now);
    StatusView {
        generated_at: at(now),
        timezone: tz.name().to_string(),
        language: config.daemon.language.code().to_string(),
        unit_heading: crate::report::text::unit_heading(&config.daemon.unit_word),
        tickets: tickets.into_iter().map(|(_, v)| v).collect(),
        pending_deliveries,
        last_successful_poll: state.health.last_poll_ok.map(at),
        last_error: state.health.last_poll_error.clone(),
        failing_since: state.health.failing_since.map(at),
        outage: state.health.outage_alerted,
        state_saved_at: state.saved_at.map(at),
        sync_mode: state.cursor.mode.as_ref().map(|m| m.mode.clone()),
        sync_reason: state.cursor.mode.as_ref().map(|m| m.reason.clone()),
        sync_since: state.cursor.mode.as_ref().and_then(|m| m.since).map(at),
        next_action_source: if config.plan.is_empty() {
            "clocks"
        } else {
            "plan"
        },
        summary,
        incidents,
        changes,
        history,
        ha: None,
    }
}

/// Urgency order: (class, deadline, -rank, number). Classes: 0 overdue, 1 running, 2 paused,
/// 3 no deadline.
type SortKey = (u8, Option<DateTime<Utc>>, std::cmp::Reverse<u32>, u64);

fn ticket_view(
    t: &TrackedTicket,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
    tz: Tz,
) -> (SortKey, TicketView) {
    let level_cfg = t.level().and_then(|l| config.level(l));
    let clocks = crate::sla::clocks(t, config, now);
    let priority = t.levels.last().and_then(|l| l.priority.clone());
    let mut view = TicketView {
        id: t.id,
        number: t.number,
        subject: t.subject.clone(),
        priority,
        level: t.level().map(str::to_string),
        level_label: level_cfg.map(|l| l.label.clone()),
        municipalities: t.municipalities.clone(),
        service: t.service.clone(),
        status: t.status.clone(),
        paused: t.is_paused(),
        response: None,
        resolution: None,
        overdue: false,
        next_deadline: None,
        next_action: None,
        is_change: t.is_change(),
        unassigned: t.assignee.is_none(),
    };
    let rank = std::cmp::Reverse(level_cfg.map_or(0, |l| l.rank));
    // Planned changes have no SLA: no clocks, never breached.
    let clocks = clocks.filter(|_| !t.is_change());
    let Some(c) = clocks else {
        // No level, no clocks; the plan may still have something (e.g. a classification
        // notice), but nothing time-critical.
        if !config.plan.is_empty() {
            view.next_action = next_plan_action(t, ledger, config, now).map(|a| a.localized(tz));
        }
        return ((3, None, rank, t.number), view);
    };
    view.response = Some(clock_view(&c.response, tz));
    view.resolution = Some(clock_view(&c.resolution, tz));
    let live = [&c.response, &c.resolution]
        .into_iter()
        .filter(|k| is_live(k))
        .min_by_key(|k| k.due);
    view.overdue = [&c.response, &c.resolution]
        .iter()
        .any(|k| matches!(k.state, ClockState::Breached { stopped: None }));
    view.next_deadline = live.map(|k| DeadlineView {
        clock: clock_name(k.kind),
        due: local(k.due, tz),
        remaining_seconds: k.remaining().num_seconds(),
    });
    let from_clocks = || {
        next_clock_action(&c.response, &c.resolution, now).map(|a| ActionView {
            at: local(a.0, tz),
            what: a.1,
            percent: a.2,
            rules: Vec::new(),
            channels: Vec::new(),
        })
    };
    // When the plan has nothing for the ticket (no rule applies, or its recipient — the owner
    // of an unassigned ticket — has no address), the clocks' next step is still worth showing.
    view.next_action = if config.plan.is_empty() {
        from_clocks()
    } else {
        next_plan_action(t, ledger, config, now)
            .map(|a| a.localized(tz))
            .or_else(from_clocks)
    };
    let class = if view.overdue {
        0
    } else if live.is_some_and(|k| k.state != ClockState::Paused) {
        1
    } else if live.is_some() {
        2
    } else {
        3
    };
    ((class, live.map(|k| k.due), rank, t.number), view)
}

/// A clock that still has a deadline ahead or is overdue and running (not met, not stopped).
fn is_live(c: &Clock) -> bool {
    match c.state {
        ClockState::Running | ClockState::Paused | ClockState::Warning { .. } => true,
        ClockState::Breached { stopped } => stopped.is_none(),
        ClockState::Met { .. } => false,
    }
}

/// An action in UTC, before it is shown in the configured zone.
struct PlannedAction {
    at: DateTime<Utc>,
    what: String,
    percent: Option<u8>,
    rules: Vec<String>,
    channels: Vec<String>,
}

impl PlannedAction {
    fn localized(self, tz: Tz) -> ActionView {
        ActionView {
            at: local(self.at, tz),
            what: self.what,
            percent: self.percent,
            rules: self.rules,
            channels: self.channels,
        }
    }
}

/// What the plan engine will send for this ticket next, asked the way the daemon asks it
/// ([`crate::engine::preview`], the evaluation `engine::step` records): the
/// engine is pure, so evaluating the ticket alone at `now` gives what is due and not yet issued,
/// and evaluating it again at its `next_due` gives exactly what fires then (if nothing about
/// the ticket changes meanwhile). Cross-ticket rules (clusters) are not shown per ticket.
fn next_plan_action(
    t: &TrackedTicket,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
) -> Option<PlannedAction> {
    let one: BTreeMap<TicketId, TrackedTicket> = BTreeMap::from([(t.id, t.clone())]);
    let ev = crate::engine::preview(&one, ledger, config, now);
    let (ev, at) = if !ev.intents.is_empty() || !ev.digested.is_empty() {
        (ev, None)
    } else {
        let next = ev.next_due?;
        (
            crate::engine::preview(&one, ledger, config, next),
            Some(next),
        )
    };
    let mut all: Vec<&crate::plan::Intent> = ev.intents.iter().chain(&ev.digested).collect();
    all.retain(|i| i.reason != crate::plan::Reason::Digest);
    all.sort_by_key(|i| i.due_at);
    let first = all.first()?;
    let mut rules: Vec<String> = Vec::new();
    for i in &all {
        if !rules.contains(&i.key.rule) {
            rules.push(i.key.rule.clone());
        }
    }
    let mut channels: Vec<String> = all.iter().map(|i| i.key.channel.clone()).collect();
    channels.sort();
    channels.dedup();
    Some(PlannedAction {
        at: at.unwrap_or(first.due_at),
        what: first.reason.as_str().to_string(),
        percent: first.vars.get("percent").and_then(|p| p.parse().ok()),
        rules,
        channels,
    })
}

/// The next thing the clocks will trigger after `now`: a warning percentage or a breach, on a
/// clock that is running (paused clocks trigger nothing until resumed).
fn next_clock_action(
    response: &Clock,
    resolution: &Clock,
    now: DateTime<Utc>,
) -> Option<(DateTime<Utc>, String, Option<u8>)> {
    let mut best: Option<(DateTime<Utc>, String, Option<u8>)> = None;
    for c in [response, resolution] {
        if !matches!(c.state, ClockState::Running | ClockState::Warning { .. }) {
            continue;
        }
        let name = clock_name(c.kind);
        let mut candidates: Vec<(DateTime<Utc>, String, Option<u8>)> = c
            .warnings
            .iter()
            .filter(|(_, at)| *at > now)
            .map(|(p, at)| (*at, format!("{name}_warning"), Some(*p)))
            .collect();
        if c.due > now {
            candidates.push((c.due, format!("{name}_breached"), None));
        }
        for cand in candidates {
            if best.as_ref().map_or(true, |b| cand.0 < b.0) {
                best = Some(cand);
            }
        }
    }
    best
}

fn clock_view(c: &Clock, tz: Tz) -> ClockView {
    let (state, percent, stopped) = match &c.state {
        ClockState::Running => ("running", None, None),
        ClockState::Paused => ("paused", None, None),
        ClockState::Warning { percent } => ("warning", Some(*percent), None),
        ClockState::Met { at } => ("met", None, Some(*at)),
        ClockState::Breached { stopped } => ("breached", None, *stopped),
    };
    ClockView {
        state,
        percent,
        due: local(c.due, tz),
        remaining_seconds: c.remaining().num_seconds(),
        stopped_at: stopped.map(|t| local(t, tz)),
    }
}

pub fn clock_name(k: ClockKind) -> &'static str {
    match k {
        ClockKind::Response => "response",
        ClockKind::Resolution => "resolution",
    }
}

fn local(t: DateTime<Utc>, tz: Tz) -> DateTime<FixedOffset> {
    t.with_timezone(&tz).fixed_offset()
}

/// "2h 05m", "3d 4h", "45s"; a negative duration gets a leading minus.
pub fn human_duration(secs: i64) -> String {
    let sign = if secs < 0 { "-" } else { "" };
    let d = Duration::seconds(secs.abs());
    let (days, hours, mins) = (d.num_days(), d.num_hours() % 24, d.num_minutes() % 60);
    if days > 0 {
        format!("{sign}{days}d {hours}h")
    } else if hours > 0 {
        format!("{sign}{hours}h {mins:02}m")
    } else if mins > 0 {
        format!("{sign}{mins}m")
    } else {
        format!("{sign}{}s", d.num_seconds())
    }
}

/// Words used by the status page and the `status` table.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    pub title: &'static str,
    pub updated: &'static str,
    pub open_tickets: &'static str,
    pub no_open_tickets: &'static str,
    pub number: &'static str,
    pub priority: &'static str,
    pub subject: &'static str,
    pub municipality: &'static str,
    pub service: &'static str,
    pub status: &'static str,
    pub response: &'static str,
    pub resolution: &'static str,
    pub next_deadline: &'static str,
    pub next_action: &'static str,
    pub pending_deliveries: &'static str,
    pub channel: &'static str,
    pub recipient: &'static str,
    pub rule: &'static str,
    pub attempts: &'static str,
    pub last_poll: &'static str,
    pub sync: &'static str,
    pub last_error: &'static str,
    pub never: &'static str,
    pub outage: &'static str,
    pub none_priority: &'static str,
    pub overdue: &'static str,
    pub left: &'static str,
    pub running: &'static str,
    pub paused: &'static str,
    pub warning: &'static str,
    pub met: &'static str,
    pub breached: &'static str,
    pub warning_action: &'static str,
    pub breach_action: &'static str,
    pub reason_resolved: &'static str,
    pub reason_no_update: &'static str,
    pub reason_update: &'static str,
    pub reason_opened: &'static str,
}

impl Labels {
    pub fn for_language(lang: Language) -> &'static Labels {
        match lang {
            Language::En => &EN,
            Language::Da => &DA,
            // Bokmål is the default; nynorsk readers get bokmål rather than English.
            Language::Nb | Language::Nn => &NB,
        }
    }

    pub fn for_code(code: &str) -> &'static Labels {
        match code {
            "en" => &EN,
            "da" => &DA,
            _ => &NB,
        }
    }

    pub fn clock_state(&self, s: &str) -> &'static str {
        match s {
            "running" => self.running,
            "paused" => self.paused,
            "warning" => self.warning,
            "met" => self.met,
            "breached" => self.breached,
            _ => "?",
        }
    }

    pub fn clock(&self, name: &str) -> &'static str {
        if name == "response" {
            self.response
        } else {
            self.resolution
        }
    }

    /// "Varsel 75 % (løsning)", "Fristbrudd (respons)", "Statusoppdatering", …; reasons
    /// without a word of their own are shown by their machine name.
    pub fn action(&self, a: &ActionView) -> String {
        if let Some(clock) = a.what.strip_suffix("_warning") {
            let pct = a.percent.map(|p| format!(" {p} %")).unwrap_or_default();
            format!(
                "{}{pct} ({})",
                self.warning_action,
                self.clock(clock).to_lowercase()
            )
        } else if let Some(clock) = a.what.strip_suffix("_breached") {
            format!(
                "{} ({})",
                self.breach_action,
                self.clock(clock).to_lowercase()
            )
        } else {
            let word = match a.what.as_str() {
                "opened" => self.reason_opened,
                "after" | "every" => self.reason_update,
                "no_update" => self.reason_no_update,
                "resolved" => self.reason_resolved,
                other => other,
            };
            word.to_string()
        }
    }
}

static NB: Labels = Labels {
    title: "SLA-status",
    updated: "Oppdatert",
    open_tickets: "Åpne saker",
    no_open_tickets: "Ingen åpne saker med SLA.",
    number: "Sak",
    priority: "Prioritet",
    subject: "Emne",
    municipality: "Kommune",
    service: "Tjeneste",
    status: "Status",
    response: "Respons",
    resolution: "Løsning",
    next_deadline: "Neste frist",
    next_action: "Neste handling",
    pending_deliveries: "Ventende utsendelser",
    channel: "Kanal",
    recipient: "Mottaker",
    rule: "Regel",
    attempts: "Forsøk",
    last_poll: "Siste vellykkede henting fra Pureservice",
    sync: "Synkronisering med Pureservice",
    last_error: "Siste feil",
    never: "aldri",
    outage: "Pureservice svarer ikke — varsling om driftsavbrudd er sendt",
    none_priority: "(ingen)",
    overdue: "forfalt",
    left: "igjen",
    running: "løper",
    paused: "pause",
    warning: "varsel",
    met: "oppfylt",
    breached: "brutt",
    warning_action: "Varsel",
    breach_action: "Fristbrudd",
    reason_opened: "Første varsel",
    reason_update: "Statusoppdatering",
    reason_no_update: "Purring: ingen oppdatering",
    reason_resolved: "Melding om løst",
};

static DA: Labels = Labels {
    title: "SLA-status",
    updated: "Opdateret",
    open_tickets: "Åbne sager",
    no_open_tickets: "Ingen åbne sager med SLA.",
    number: "Sag",
    priority: "Prioritet",
    subject: "Emne",
    municipality: "Kommune",
    service: "Tjeneste",
    status: "Status",
    response: "Respons",
    resolution: "Løsning",
    next_deadline: "Næste frist",
    next_action: "Næste handling",
    pending_deliveries: "Ventende udsendelser",
    channel: "Kanal",
    recipient: "Modtager",
    rule: "Regel",
    attempts: "Forsøg",
    last_poll: "Seneste vellykkede hentning fra Pureservice",
    sync: "Synkronisering med Pureservice",
    last_error: "Seneste fejl",
    never: "aldrig",
    outage: "Pureservice svarer ikke — varsel om driftsafbrydelse er sendt",
    none_priority: "(ingen)",
    overdue: "overskredet",
    left: "tilbage",
    running: "løber",
    paused: "pause",
    warning: "varsel",
    met: "opfyldt",
    breached: "brudt",
    warning_action: "Varsel",
    breach_action: "Fristbrud",
    reason_opened: "Første varsel",
    reason_update: "Statusopdatering",
    reason_no_update: "Rykker: ingen opdatering",
    reason_resolved: "Besked om løst",
};

static EN: Labels = Labels {
    title: "SLA status",
    updated: "Updated",
    open_tickets: "Open tickets",
    no_open_tickets: "No open tickets with an SLA.",
    number: "Ticket",
    priority: "Priority",
    subject: "Subject",
    municipality: "Municipality",
    service: "Service",
    status: "Status",
    response: "Response",
    resolution: "Resolution",
    next_deadline: "Next deadline",
    next_action: "Next action",
    pending_deliveries: "Pending deliveries",
    channel: "Channel",
    recipient: "Recipient",
    rule: "Rule",
    attempts: "Attempts",
    last_poll: "Last successful Pureservice poll",
    sync: "Pureservice sync",
    last_error: "Last error",
    never: "never",
    outage: "Pureservice is not answering — an outage alert was sent",
    none_priority: "(none)",
    overdue: "overdue",
    left: "left",
    running: "running",
    paused: "paused",
    warning: "warning",
    met: "met",
    breached: "breached",
    warning_action: "Warning",
    breach_action: "Breach",
    reason_opened: "First notice",
    reason_update: "Status update",
    reason_no_update: "Reminder: no update",
    reason_resolved: "Resolved notice",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human_duration(45), "45s");
        assert_eq!(human_duration(0), "0s");
        assert_eq!(human_duration(15 * 60), "15m");
        assert_eq!(human_duration(2 * 3600 + 5 * 60), "2h 05m");
        assert_eq!(human_duration(-(26 * 3600)), "-1d 2h");
    }
}
