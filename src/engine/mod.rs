//! The engine: the one path that decides what is due, shared by the daemon (`run`), `simulate`
//! (scenario replay) and the status view's preview. [`step`] folds snapshots into tracked
//! history, evaluates the plan until quiet at that instant, renders what is due (drafting
//! serious-incident reports for resolved notices) and issues it to the ledger. No I/O, no clock:
//! (state, input, config, now) → (new state, what happened). The benchmark's "evaluation tick"
//! measures exactly this.

use crate::classify::{self, Applied};
use crate::config::Config;
use crate::ledger::DeliveryStatus;
use crate::plan::{self, Finding, Intent};
use crate::report::incident;
use crate::state::State;
use crate::ticket::{TicketId, TicketSnapshot};
use crate::tracker::Observed;
use chrono::{DateTime, Utc};

/// What one tracking + planning step did.
#[derive(Debug, Default)]
pub struct PlanStep {
    /// Newly issued intents (rendered and pending in the ledger).
    pub issued: Vec<Intent>,
    /// Intents merged into digests (recorded as skipped).
    pub digested: usize,
    /// Problems to report once (e.g. a recipient without an address), not yet reported.
    pub findings: Vec<Finding>,
    /// Intents whose template failed to render (recorded as failed; reported).
    pub render_failures: Vec<(Intent, String)>,
    /// Earliest future instant something may become due.
    pub next_due: Option<DateTime<Utc>>,
    /// Serious-incident reports drafted (file names; written to `reports_dir` after the save).
    pub incident_reports: Vec<String>,
}

impl PlanStep {
    pub fn changed(&self) -> bool {
        !self.issued.is_empty()
            || self.digested > 0
            || !self.render_failures.is_empty()
            || !self.incident_reports.is_empty()
    }
}

/// What one engine step consumes besides the state.
#[derive(Debug, Default, Clone)]
pub struct Input<'a> {
    /// Ticket snapshots polled since the last step (empty: a timer tick).
    pub snapshots: &'a [TicketSnapshot],
    /// Tickets deleted in Pureservice: no longer tracked.
    pub removed: &'a [TicketId],
    /// Acknowledgements (occurrence key, who and when) since the last step: they stop their
    /// escalations before the plan is evaluated.
    pub acks: Vec<(String, plan::ack::Ack)>,
}

/// What one engine step did: tracking, then planning until quiet.
#[derive(Debug, Default)]
pub struct Step {
    pub tracked: Tracked,
    /// Tracked tickets that were removed (deleted in Pureservice).
    pub removed: Vec<TicketId>,
    /// Occurrence keys newly acknowledged.
    pub acknowledged: Vec<String>,
    pub plan: PlanStep,
}

impl Step {
    /// Whether the state changed (and must be saved).
    pub fn changed(&self) -> bool {
        self.tracked.changed
            || !self.tracked.observed.is_empty()
            || !self.removed.is_empty()
            || !self.acknowledged.is_empty()
            || self.plan.changed()
            || !self.plan.findings.is_empty()
    }
}

/// Evaluations at one instant, at most: what one issues can make more due at the same instant
/// (the resolved notice reads who was notified); a plan that is still not quiet after this many
/// is finished by the next step.
const UNTIL_QUIET: usize = 4;

/// One step at `now`: [`track`] the snapshots, drop the removed tickets, record the
/// acknowledgements, then [`plan`] until nothing more is due at `now`.
/// `index` is the daemon's skip index (see [`plan_indexed`]); `None` evaluates every ticket, with
/// the same result.
pub fn step(
    state: &mut State,
    input: Input<'_>,
    mut index: Option<&mut plan::index::Index>,
    config: &Config,
    now: DateTime<Utc>,
) -> Step {
    let tracked = track(state, input.snapshots, config, now);
    let removed = input
        .removed
        .iter()
        .copied()
        .filter(|id| state.tickets.remove(id).is_some())
        .collect();
    let acknowledged = input
        .acks
        .into_iter()
        .filter_map(|(key, ack)| state.ledger.acknowledge(key.clone(), ack).then_some(key))
        .collect();
    let mut out = PlanStep::default();
    for _ in 0..UNTIL_QUIET {
        let p = plan_with(state, index.as_deref_mut(), config, now);
        let quiet = p.issued.is_empty() && p.digested == 0 && p.render_failures.is_empty();
        out.issued.extend(p.issued);
        out.digested += p.digested;
        out.findings.extend(p.findings);
        out.render_failures.extend(p.render_failures);
        out.incident_reports.extend(p.incident_reports);
        out.next_due = p.next_due;
        if quiet {
            break;
        }
    }
    Step {
        tracked,
        removed,
        acknowledged,
        plan: out,
    }
}

/// What tracking did: per-ticket changes, and classified priorities to write back.
#[derive(Debug, Default)]
pub struct Tracked {
    pub observed: Vec<(TicketId, Vec<Observed>)>,
    /// `[[classify]]` action `set`: (ticket, Pureservice priority name) to PATCH.
    pub patches: Vec<(TicketId, String)>,
    /// Whether any tracked ticket changed.
    pub changed: bool,
}

/// Classifies and folds `snapshots` into `state.tickets` (dated by each snapshot's `modified`).
pub fn track(
    state: &mut State,
    snapshots: &[TicketSnapshot],
    config: &Config,
    now: DateTime<Utc>,
) -> Tracked {
    let mut out = Tracked::default();
    for snap in snapshots {
        let previous = state.tickets.get(&snap.id);
        let (next, observed, applied) = classify::observe(previous, snap, config, now);
        if let Some(Applied::Classified {
            patch: Some(name), ..
        }) = &applied
        {
            out.patches.push((snap.id, name.clone()));
        }
        if previous != Some(&next) {
            state.tickets.insert(snap.id, next);
            state.touch_ticket(snap.id);
            out.changed = true;
        }
        if !observed.is_empty() {
            out.observed.push((snap.id, observed));
        }
    }
    out
}

/// Evaluates the plan at `now`, renders every due intent and issues it to the ledger.
pub fn plan(state: &mut State, config: &Config, now: DateTime<Utc>) -> PlanStep {
    plan_with(state, None, config, now)
}

/// [`plan`], evaluating only the tickets that can still fire (see [`plan::index`]); the same
/// result. The daemon keeps one index for its life (cleared on a config reload).
pub fn plan_indexed(
    state: &mut State,
    index: &mut plan::index::Index,
    config: &Config,
    now: DateTime<Utc>,
) -> PlanStep {
    plan_with(state, Some(index), config, now)
}

/// What is due at `now` and not yet in the ledger — the plan's rules and the classification
/// notices, merged — without rendering or recording anything: the status view's "next" preview
/// asks this (on a ticket alone, at `now` and at its `next_due`), the same evaluation [`step`]
/// records.
pub fn preview(
    tickets: &std::collections::BTreeMap<TicketId, crate::ticket::TrackedTicket>,
    ledger: &crate::ledger::Ledger,
    config: &Config,
    now: DateTime<Utc>,
) -> plan::Evaluation {
    let mut evaluation = plan::evaluate(tickets, ledger, config, now);
    classify::merge(
        &mut evaluation,
        classify::evaluate(tickets, ledger, config, now),
    );
    evaluation
}

fn plan_with(
    state: &mut State,
    index: Option<&mut plan::index::Index>,
    config: &Config,
    now: DateTime<Utc>,
) -> PlanStep {
    // The index narrows only the plan's per-ticket rules; the classification notices (cross-
    // ticket) are evaluated every time, as in `preview`.
    let mut evaluation = match index {
        None => preview(&state.tickets, &state.ledger, config, now),
        Some(ix) => {
            let (changed, mark) = state.touched.since(ix.touch_mark());
            let selected = ix.select(&state.tickets, &state.ledger, &changed, mark, now);
            let mut ev = plan::evaluate_tickets(
                &state.tickets,
                selected.into_iter(),
                &state.ledger,
                config,
                now,
                |id, next| ix.evaluated(id, next),
            );
            ev.next_due = ix.next_due();
            classify::merge(
                &mut ev,
                classify::evaluate(&state.tickets, &state.ledger, config, now),
            );
            ev
        }
    };
    let mut step = PlanStep {
        next_due: evaluation.next_due,
        digested: evaluation.digested.len(),
        ..PlanStep::default()
    };
    // Serious-incident reports are drafted before the resolved notices are rendered (and before
    // they enter the ledger), so each draft holds everything up to the resolution and can ride
    // on those notices' e-mails.
    let drafts = incident::draft_due(
        evaluation.intents.iter().chain(&evaluation.digested),
        &state.tickets,
        &state.ledger,
        &state.incident_reports,
        config,
        now,
    );
    let report_to = incident::report_addresses(config);
    let mut rendered = Vec::with_capacity(evaluation.intents.len());
    for intent in &evaluation.intents {
        let ticket = state.tickets.get(&intent.key.ticket);
        let clocks = ticket.and_then(|t| crate::sla::clocks(t, config, now));
        match crate::templates::render(intent, ticket, clocks.as_ref(), config, now) {
            Ok(mut message) => {
                incident::attach(&mut message, intent, &drafts, &report_to);
                rendered.push((intent.clone(), message))
            }
            Err(e) => step.render_failures.push((intent.clone(), e.to_string())),
        }
    }
    for d in &drafts {
        match &d.markdown {
            Ok(_) => step.incident_reports.push(d.file.clone()),
            Err(e) => evaluation.findings.push(Finding {
                key: format!("incident-report/{}", d.key),
                message: format!(
                    "the serious-incident report of ticket {} could not be drafted: {e}",
                    d.ticket
                ),
            }),
        }
    }
    incident::record(&mut state.incident_reports, drafts, now);
    step.issued = rendered.iter().map(|(i, _)| i.clone()).collect();
    state.ledger.issue_rendered(rendered, now);
    for (intent, error) in &step.render_failures {
        state.ledger.record_settled(
            intent,
            DeliveryStatus::Failed,
            format!("template: {error}"),
            now,
        );
    }
    for intent in &evaluation.digested {
        state.ledger.record_settled(
            intent,
            DeliveryStatus::Skipped,
            crate::ledger::MERGED_OUTCOME.into(),
            now,
        );
    }
    step.findings = evaluation
        .findings
        .into_iter()
        .filter(|f| state.reported.insert(f.key.clone()))
        .collect();
    step
}
