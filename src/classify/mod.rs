//! Classification of new tickets: `[[classify]]` rules, suspected major incidents (clusters) and
//! priority mismatches. docs/CLASSIFY.md is the admin's guide.
//!
//! Three pure steps, shared by the daemon and `simulate`:
//!
//! 1. [`apply`] — for every snapshot, **before** `tracker::observe`. A ticket without a
//!    Pureservice priority (missing, or one of `pureservice.unset_priorities`) gets the level the
//!    rules give it, written into `snapshot.priority` as the SLA level name, so the tracker runs
//!    its clocks and the plan at that level from the ticket's creation. The same classification
//!    is kept on later snapshots while Pureservice still has no priority (it may only be raised
//!    by a higher-ranked rule, never lowered). A priority a person set is never touched; when it
//!    is lower than the rules say, the result is [`Applied::Mismatch`].
//! 2. [`remember`] — after `tracker::observe`, records the outcome in
//!    `TrackedTicket::classification` (what [`evaluate`] and the next [`apply`] read).
//!    [`observe`] does 1 + tracker + 2 in one call.
//! 3. [`evaluate`] — like `plan::evaluate`: stateless over the tracked tickets and the ledger,
//!    it returns the notices that are due (reasons `classified`, `mismatch`, `cluster`).
//!
//! What the daemon must do with an [`Applied`] (the pure code cannot talk to Pureservice):
//! - `Applied::Classified { patch: Some(name), .. }` (rule action `set`): PATCH the ticket's
//!   `priorityId` to the id of the Pureservice priority `name` — [`writeback::write_priority`]
//!   does it (after `apply`, not inside the pure tick; log and carry on on error). Harmless to
//!   repeat: `apply` asks again on every poll until Pureservice shows a priority, which is also
//!   the retry after a failed PATCH. Mark the write as its own (`modified_by_us`).
//! - Nothing else: the internal note and the notices are intents from [`evaluate`], delivered
//!   by the outbox like every plan message (the note on channel `pureservice_note`).
//!
//! Only tickets created within [`HORIZON`] of `now` are newly classified (and newly found in
//! mismatch), so a first start on a tracker full of old tickets does not flood anyone or
//! rewrite history. Planned changes are never classified.

pub mod cluster;
pub mod mismatch;
pub mod notices;
pub mod rules;
pub mod text;
pub mod writeback;

pub use notices::evaluate;
pub use rules::{decide, Decision, Field, Why, DEFAULT_RULE};

use crate::config::{ClassifyAction, Config, ConfigError};
use crate::ticket::{Classification, CoreStatus, PriorityMismatch, TicketSnapshot, TrackedTicket};
use crate::tracker::{self, Observed};
use chrono::{DateTime, Duration, Utc};

/// How old a ticket may be (since `created`) to be newly classified or found in mismatch.
pub const HORIZON: Duration = Duration::hours(24);

/// What [`apply`] did to one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Pureservice has no priority: the snapshot now carries the classified level.
    Classified {
        decision: Decision,
        /// Action `set`: the Pureservice priority name to write (`None` in suggest mode, or
        /// when no Pureservice priority maps to the level — `lint` reports that).
        patch: Option<String>,
        /// The first time this classification was made (not kept from an earlier poll).
        first: bool,
    },
    /// A person set a priority below what the rules say. The priority is left alone.
    Mismatch {
        decision: Decision,
        /// The Pureservice priority name the person set, and its level.
        priority: String,
        level: String,
    },
}

impl Applied {
    pub fn decision(&self) -> &Decision {
        match self {
            Applied::Classified { decision, .. } | Applied::Mismatch { decision, .. } => decision,
        }
    }
}

/// Whether a Pureservice priority name means "not set".
pub fn is_unset(priority: Option<&str>, config: &Config) -> bool {
    match priority.map(str::trim) {
        None | Some("") => true,
        Some(p) => config.pureservice.unset_priorities.iter().any(|u| u == p),
    }
}

/// The Pureservice priority name that maps to SLA `level` (first in name order).
pub fn priority_name(config: &Config, level: &str) -> Option<String> {
    config
        .pureservice
        .priorities
        .iter()
        .find(|(n, l)| *l == level && !is_unset(Some(n), config))
        .map(|(n, _)| n.clone())
}

/// The decision to hold to, given an earlier applied classification: a fresh decision by the
/// same rule (fresh reasons) or by a higher-ranked one (an upgrade), else the earlier one.
fn effective(fresh: Option<Decision>, stored: &Classification, config: &Config) -> Decision {
    if let Some(d) = fresh {
        if d.rule_id() == stored.rule
            || rules::rank(config, &d.level) > rules::rank(config, &stored.level)
        {
            return d;
        }
    }
    Decision {
        level: stored.level.clone(),
        rule: (stored.rule != DEFAULT_RULE).then(|| stored.rule.clone()),
        action: rules::parse_action(&stored.action),
        reasons: vec![Why::Kept],
        matched: Vec::new(),
    }
}

/// Classifies one snapshot (see the module docs). Call before `tracker::observe`.
pub fn apply(
    s: &mut TicketSnapshot,
    previous: Option<&TrackedTicket>,
    config: &Config,
    now: DateTime<Utc>,
) -> Option<Applied> {
    if s.change.is_some() {
        return None;
    }
    let stored = previous.and_then(|p| p.classification.as_ref());
    let fresh = now - s.created <= HORIZON;
    let open = s.core == CoreStatus::Open;
    if is_unset(s.priority.as_deref(), config) {
        let kept = stored.filter(|c| c.applied);
        let decision = match kept {
            Some(c) => effective(decide(s, config), c, config),
            // A ticket first seen solved, or old, is history: left as it is.
            None if fresh && open => decide(s, config)?,
            None => return None,
        };
        let patch = match decision.action {
            ClassifyAction::Set => priority_name(config, &decision.level),
            ClassifyAction::Suggest => None,
        };
        let first =
            !kept.is_some_and(|c| c.rule == decision.rule_id() && c.level == decision.level);
        s.priority = Some(decision.level.clone());
        return Some(Applied::Classified {
            decision,
            patch,
            first,
        });
    }
    // A person's priority. Unknown names are left to the tracker (no level).
    let priority = s.priority.clone()?;
    let level = tracker::level_of(Some(&priority), config)?;
    let already = stored.is_some_and(|c| c.mismatch.is_some());
    if !open || !(fresh || already) {
        return None;
    }
    let claim = match stored.filter(|c| c.applied) {
        Some(c) => effective(decide(s, config), c, config),
        None => decide(s, config)?,
    };
    // The default level is a fallback, not evidence: it never raises a mismatch.
    if claim.is_default() || rules::rank(config, &claim.level) <= rules::rank(config, &level) {
        return None;
    }
    Some(Applied::Mismatch {
        decision: claim,
        priority,
        level,
    })
}

/// Records what [`apply`] did in the tracked ticket. Call after `tracker::observe`.
pub fn remember(t: &mut TrackedTicket, applied: &Applied, config: &Config, now: DateTime<Utc>) {
    let lang = config.daemon.language;
    let prev = t.classification.take();
    let d = applied.decision();
    let reasons: Vec<String> = match (d.reasons.as_slice(), prev.as_ref()) {
        ([Why::Kept], Some(p)) => p.reasons.clone(),
        _ => d.reasons.iter().map(|r| r.describe(lang)).collect(),
    };
    let fresh = |applied: bool, mismatch: Option<PriorityMismatch>| Classification {
        level: d.level.clone(),
        rule: d.rule_id().to_string(),
        action: rules::action_name(d.action).to_string(),
        at: now,
        reasons: reasons.clone(),
        applied,
        priority_name: priority_name(config, &d.level),
        mismatch,
    };
    t.classification = Some(match applied {
        Applied::Classified { .. } => match prev {
            Some(p) if p.applied && p.rule == d.rule_id() && p.level == d.level => Classification {
                reasons: reasons.clone(),
                ..p
            },
            Some(p) => fresh(true, p.mismatch),
            None => fresh(true, None),
        },
        Applied::Mismatch {
            priority, level, ..
        } => {
            let seen = PriorityMismatch {
                priority: priority.clone(),
                level: level.clone(),
                at: now,
            };
            match prev {
                Some(mut p) => {
                    p.mismatch.get_or_insert(seen);
                    p
                }
                None => fresh(false, Some(seen)),
            }
        }
    });
}

/// `apply` + `tracker::observe` + `remember`: the one call the daemon and `simulate` make per
/// snapshot. The snapshot is not changed (classification works on a copy).
pub fn observe(
    previous: Option<&TrackedTicket>,
    snapshot: &TicketSnapshot,
    config: &Config,
    now: DateTime<Utc>,
) -> (TrackedTicket, Vec<Observed>, Option<Applied>) {
    let mut s = snapshot.clone();
    let applied = apply(&mut s, previous, config, now);
    let (mut t, observed) = tracker::observe(previous, &s, config, now);
    if let Some(a) = &applied {
        remember(&mut t, a, config, now);
    }
    (t, observed, applied)
}

/// Problems in `[[classify]]` that config validation cannot see on its own: rules that can
/// never match or can never act. For `check-config` (paths like config errors).
pub fn lint(config: &Config) -> Vec<ConfigError> {
    let mut out = Vec::new();
    for (i, r) in config.classify.rules.iter().enumerate() {
        let path = format!("classify[{i}]");
        if r.id == DEFAULT_RULE {
            out.push(ConfigError {
                path: format!("{path}.id"),
                message: format!(
                    "rule id {DEFAULT_RULE:?} is reserved for classification.default_level"
                ),
                hint: Some("choose another id".into()),
            });
        }
        for (key, group) in [
            ("keywords", &r.keywords),
            ("also_keywords", &r.also_keywords),
        ] {
            for (j, k) in group.iter().enumerate() {
                if text::Keyword::parse(k).is_none() {
                    out.push(ConfigError {
                        path: format!("{path}.{key}[{j}]"),
                        message: format!(
                            "keyword {k:?} has no letters or digits, so it can never match"
                        ),
                        hint: Some("write the word or phrase to look for, e.g. \"nede\"".into()),
                    });
                }
            }
            if !group.is_empty() && group.iter().all(|k| text::Keyword::parse(k).is_none()) {
                out.push(ConfigError {
                    path: format!("{path}.{key}"),
                    message: format!(
                        "rule {:?} can never match: none of its {key} has a word",
                        r.id
                    ),
                    hint: None,
                });
            }
        }
        if r.life_and_health && !r.services.is_empty() {
            let any = r.services.iter().any(|s| {
                config
                    .services
                    .iter()
                    .any(|x| x.name.eq_ignore_ascii_case(s) && x.life_and_health)
            });
            if !any {
                out.push(ConfigError {
                    path: format!("{path}.life_and_health"),
                    message: format!(
                        "rule {:?} can never match: none of its services has life_and_health = true",
                        r.id
                    ),
                    hint: Some("drop life_and_health here, or mark the service in [[services]]".into()),
                });
            }
        }
        if r.action == ClassifyAction::Set && priority_name(config, &r.level).is_none() {
            out.push(ConfigError {
                path: format!("{path}.action"),
                message: format!(
                    "action \"set\" but no Pureservice priority maps to level {:?}, so nothing can be written",
                    r.level
                ),
                hint: Some("add it to [pureservice.priorities], or use action = \"suggest\"".into()),
            });
        }
    }
    if let Some(l) = &config.classify.default_level {
        if config.classify.default_action == ClassifyAction::Set
            && priority_name(config, l).is_none()
        {
            out.push(ConfigError {
                path: "classification.action".into(),
                message: format!(
                    "action \"set\" but no Pureservice priority maps to the default level {l:?}"
                ),
                hint: Some(
                    "add it to [pureservice.priorities], or use action = \"suggest\"".into(),
                ),
            });
        }
    }
    out
}

/// `plan::evaluate` and classification's [`evaluate`] in one [`crate::plan::Evaluation`]: what
/// the daemon and `simulate` call each tick (intents of both, in due order; findings once;
/// the earlier `next_due`).
pub fn evaluate_all(
    tickets: &std::collections::BTreeMap<crate::ticket::TicketId, TrackedTicket>,
    ledger: &crate::ledger::Ledger,
    config: &Config,
    now: DateTime<Utc>,
) -> crate::plan::Evaluation {
    let mut ev = crate::plan::evaluate(tickets, ledger, config, now);
    merge(&mut ev, evaluate(tickets, ledger, config, now));
    ev
}

/// Adds `more` to `into` (see [`evaluate_all`]).
pub fn merge(into: &mut crate::plan::Evaluation, more: crate::plan::Evaluation) {
    into.intents.extend(more.intents);
    // Stable: same-instant intents keep plan-first order.
    into.intents.sort_by_key(|i| i.due_at);
    into.digested.extend(more.digested);
    for f in more.findings {
        if !into.findings.iter().any(|x| x.key == f.key) {
            into.findings.push(f);
        }
    }
    into.next_due = match (into.next_due, more.next_due) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
}
