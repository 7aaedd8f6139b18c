//! The notices classification sends, as plan [`Intent`]s: stateless over the tracked tickets
//! and the ledger, exactly like `plan::evaluate`, so restarts and `simulate` replays give the
//! same decisions and nothing is sent twice.
//!
//! Idempotency keys (ticket, rule, occurrence, channel, recipient):
//! - classified: (ticket, `classify:<rule>`, 1, …) — a later upgrade by another rule is a new
//!   key; the default level gives `classify:default`;
//! - mismatch: (ticket, `mismatch:<rule>`, 1, …);
//! - cluster: (first ticket of the cluster, `cluster:<group>`, n, …) — n = 1 is the alert,
//!   n ≥ 2 the updates while it grows (see [`super::cluster`] and docs/CLASSIFY.md).
//!
//! Audiences are resolved by the plan engine's `plan::audience::resolve` (off-hours stand-ins
//! included) through a synthetic rule, so classification reaches people exactly as the plan does.

use super::cluster::{self, Cluster};
use super::rules::DEFAULT_RULE;
use super::{mismatch, HORIZON};
use crate::config::{Audience, ChannelRef, Config, Language, PlanRule, Trigger};
use crate::ledger::Ledger;
use crate::plan::{self, audience, Evaluation, Finding, Intent, IntentKey, Reason};
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};

/// Template names (built-in set).
pub const TEMPLATE_CLASSIFIED: &str = "classified";
pub const TEMPLATE_MISMATCH: &str = "mismatch";
pub const TEMPLATE_CLUSTER: &str = "cluster";
/// Internal var on cluster intents: the ticket ids a notice listed (comma-separated).
pub const IDS_VAR: &str = "ids";

/// Everything classification wants sent at `now` that the ledger does not hold yet.
/// Record the result with [`Evaluation::record`] like the plan's.
pub fn evaluate(
    tickets: &BTreeMap<TicketId, TrackedTicket>,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
) -> Evaluation {
    let mut b = Builder {
        ledger,
        config,
        now,
        late_after: plan::late_after(config),
        ev: Evaluation::default(),
    };
    for t in tickets.values() {
        if t.resolved_when_first_seen || t.is_change() {
            continue;
        }
        classified(&mut b, t);
        mismatch::notices(&mut b, t);
    }
    let clusters = cluster::find(
        tickets.values(),
        config.classify.cluster_size,
        config.classify.cluster_window,
        now,
    );
    for c in &clusters {
        cluster_notices(&mut b, c);
    }
    let mut ev = b.ev;
    ev.intents
        .sort_by(|a, b| (a.due_at, &a.key).cmp(&(b.due_at, &b.key)));
    storm(&mut ev, tickets, config, now);
    let mut seen = BTreeSet::new();
    ev.findings.retain(|f| seen.insert(f.key.clone()));
    ev
}

/// Collects intents for one evaluation.
pub(super) struct Builder<'a> {
    pub ledger: &'a Ledger,
    pub config: &'a Config,
    pub now: DateTime<Utc>,
    late_after: chrono::Duration,
    pub ev: Evaluation,
}

/// One notice occurrence to address.
pub(super) struct Notice<'a> {
    pub ticket: &'a TrackedTicket,
    pub rule: String,
    pub occurrence: u32,
    pub reason: Reason,
    pub due_at: DateTime<Utc>,
    pub template: &'static str,
    pub important: bool,
    pub vars: BTreeMap<String, String>,
}

impl Builder<'_> {
    /// Adds one intent per resolved (audience, channel, recipient) of `to` × `via`.
    pub fn issue(&mut self, n: &Notice, to: &[Audience], via: &[ChannelRef]) {
        if to.is_empty() && via.iter().all(ChannelRef::is_personal) {
            return;
        }
        let rule = PlanRule {
            id: n.rule.clone(),
            priorities: Vec::new(),
            when: Trigger::Opened,
            to: to.to_vec(),
            via: via.to_vec(),
            template: n.template.to_string(),
            important: n.important,
            important_for: Vec::new(),
            filters: Default::default(),
            ack: None,
            hold: None,
        };
        let mut findings: Vec<Finding> = Vec::new();
        let targets = audience::resolve(
            &rule,
            n.ticket,
            n.due_at,
            self.ledger,
            self.config,
            &mut findings,
        );
        self.ev.findings.extend(findings);
        for target in targets {
            let key = IntentKey {
                ticket: n.ticket.id,
                rule: n.rule.clone(),
                occurrence: n.occurrence,
                channel: target.channel.to_string(),
                recipient: target.recipient.address.clone(),
            };
            if self.ledger.get(&key).is_some() || self.ev.intents.iter().any(|i| i.key == key) {
                continue;
            }
            self.ev.intents.push(Intent {
                key,
                reason: n.reason,
                audience: target.audience,
                recipient: target.recipient,
                due_at: n.due_at,
                late: n.due_at < self.now - self.late_after,
                template: n.template.to_string(),
                important: n.important,
                vars: n.vars.clone(),
            });
        }
    }

    /// Asks to be woken at `at`.
    pub fn wake(&mut self, at: DateTime<Utc>) {
        self.ev.next_due = Some(self.ev.next_due.map_or(at, |n| n.min(at)));
    }

    pub fn label(&self, level: &str) -> String {
        self.config
            .level(level)
            .map_or_else(|| level.to_string(), |l| l.label.clone())
    }
}

/// `#1001, #1002, #1003`
pub fn numbers(ts: &[&TrackedTicket]) -> String {
    ts.iter()
        .map(|t| format!("#{}", t.number))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A whole-minute duration in words for messages: `10 minutter`, `1 time`, `10 minutes`.
pub fn minutes_text(d: chrono::Duration, lang: Language) -> String {
    let m = d.num_minutes().max(1);
    let (h, rest) = (m / 60, m % 60);
    let unit = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let (hours, mins) = match lang {
        Language::En => (unit(h, "hour", "hours"), unit(rest, "minute", "minutes")),
        Language::Da => (unit(h, "time", "timer"), unit(rest, "minut", "minutter")),
        Language::Nb => (unit(h, "time", "timer"), unit(rest, "minutt", "minutter")),
        Language::Nn => (unit(h, "time", "timar"), unit(rest, "minutt", "minutt")),
    };
    match (h, rest) {
        (0, _) => mins,
        (_, 0) => hours,
        _ => format!("{hours} {mins}"),
    }
}

/// The classified notice: an internal note on the ticket (if `pureservice_note` is enabled)
/// and, for a rule match (not the default level), a notice to `[classification].notify`.
fn classified(b: &mut Builder, t: &TrackedTicket) {
    let Some(c) = t.classification.as_ref().filter(|c| c.applied) else {
        return;
    };
    if c.at < b.now - HORIZON {
        return;
    }
    let mut vars = BTreeMap::new();
    vars.insert("level".into(), c.level.clone());
    vars.insert("level_label".into(), b.label(&c.level));
    vars.insert("rule".into(), c.rule.clone());
    vars.insert("action".into(), c.action.clone());
    vars.insert("reasons".into(), c.reasons.join("; "));
    if let Some(p) = &c.priority_name {
        vars.insert("priority".into(), p.clone());
    }
    let n = Notice {
        ticket: t,
        rule: format!("classify:{}", c.rule),
        occurrence: 1,
        reason: Reason::Classified,
        due_at: c.at,
        template: TEMPLATE_CLASSIFIED,
        important: false,
        vars,
    };
    let cfg = &b.config.classify;
    let mut via = cfg.via.clone();
    if b.config.channels.pureservice_note && !via.contains(&ChannelRef::PureserviceNote) {
        via.push(ChannelRef::PureserviceNote);
    }
    if c.rule == DEFAULT_RULE {
        // The default level is routine: a note on the ticket, nobody paged.
        let note: Vec<ChannelRef> = via
            .into_iter()
            .filter(|v| *v == ChannelRef::PureserviceNote)
            .collect();
        b.issue(&n, &[], &note);
    } else {
        let to = cfg.notify.clone();
        b.issue(&n, &to, &via);
    }
}

/// Alert at formation, then at most one update per window while new tickets join.
fn cluster_notices(b: &mut Builder, c: &Cluster) {
    let rule = format!("cluster:{}", c.group.key());
    let window = b.config.classify.cluster_window;
    let lang = b.config.daemon.language;
    // A cluster already alerted keeps its first key even if an earlier ticket shows up late.
    let anchor = c
        .members
        .iter()
        .copied()
        .find(|m| b.ledger.last_occurrence(m.id, &rule).is_some())
        .unwrap_or(c.members[0]);
    let mut vars = BTreeMap::new();
    vars.insert("service".into(), c.group.label());
    vars.insert("window".into(), minutes_text(window, lang));
    vars.insert("count".into(), c.members.len().to_string());
    vars.insert("tickets".into(), numbers(&c.members));
    vars.insert(
        IDS_VAR.into(),
        c.members
            .iter()
            .map(|m| m.id.to_string())
            .collect::<Vec<_>>()
            .join(","),
    );
    let (occurrence, due_at) = match b.ledger.last_occurrence(anchor.id, &rule) {
        None => (1, c.formed_at),
        Some(last) => {
            let mut reported: BTreeSet<TicketId> = BTreeSet::new();
            let mut last_due = c.formed_at;
            for e in b
                .ledger
                .for_ticket(anchor.id)
                .filter(|e| e.intent.key.rule == rule)
            {
                if let Some(ids) = e.intent.vars.get(IDS_VAR) {
                    reported.extend(ids.split(',').filter_map(|s| s.parse::<TicketId>().ok()));
                }
                if e.intent.key.occurrence == last {
                    last_due = last_due.max(e.intent.due_at);
                }
            }
            let new: Vec<&TrackedTicket> = c
                .members
                .iter()
                .copied()
                .filter(|m| !reported.contains(&m.id))
                .collect();
            let Some(first_new) = new.first() else {
                return;
            };
            let earliest = last_due + window;
            if b.now < earliest {
                b.wake(earliest);
                return;
            }
            vars.insert("update".into(), "true".into());
            vars.insert("new_count".into(), new.len().to_string());
            vars.insert("new_tickets".into(), numbers(&new));
            vars.insert(
                "previous_count".into(),
                (c.members.len() - new.len()).to_string(),
            );
            (last + 1, earliest.max(first_new.created))
        }
    };
    let n = Notice {
        ticket: anchor,
        rule,
        occurrence,
        reason: Reason::Cluster,
        due_at,
        template: TEMPLATE_CLUSTER,
        important: occurrence == 1,
        vars,
    };
    let (to, via) = (
        b.config.classify.notify.clone(),
        b.config.classify.via.clone(),
    );
    b.issue(&n, &to, &via);
}

/// Rule id of classification digests (distinct from the plan's, whose digest for the same
/// recipient in the same evaluation has the same time-based key).
pub const DIGEST_RULE: &str = "classify-digest";

/// Storm control, as in the plan: a flood of classification notices to one recipient in one
/// evaluation (many unprioritised tickets at once) becomes one digest.
fn storm(
    ev: &mut Evaluation,
    tickets: &BTreeMap<TicketId, TrackedTicket>,
    config: &Config,
    now: DateTime<Utc>,
) {
    let describe = |i: &Intent| match tickets.get(&i.key.ticket) {
        Some(t) => format!(
            "#{} {} – {} ({})",
            t.number,
            i.vars.get("level_label").map_or("-", String::as_str),
            t.subject,
            i.key.rule
        ),
        None => format!("#{} ({})", i.key.ticket, i.key.rule),
    };
    let intents = std::mem::take(&mut ev.intents);
    let (mut sent, mut digested) =
        plan::storm::apply(intents, config.daemon.storm_limit, now, describe);
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for i in sent
        .iter_mut()
        .filter(|i| i.key.rule == plan::storm::DIGEST_RULE)
    {
        let old = i.key.to_string();
        i.key.rule = DIGEST_RULE.into();
        renamed.insert(old, i.key.to_string());
    }
    for i in &mut digested {
        if let Some(k) = i.vars.get_mut(plan::storm::DIGEST_VAR) {
            if let Some(new) = renamed.get(k.as_str()) {
                *k = new.clone();
            }
        }
    }
    // Recorded, the digested originals are in the ledger (skipped): never issued again.
    ev.intents = sent;
    ev.digested = digested;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_in_words() {
        let m = chrono::Duration::minutes;
        assert_eq!(minutes_text(m(10), Language::Nb), "10 minutter");
        assert_eq!(minutes_text(m(60), Language::Nb), "1 time");
        assert_eq!(minutes_text(m(90), Language::En), "1 hour 30 minutes");
        assert_eq!(minutes_text(m(1), Language::Da), "1 minut");
        assert_eq!(minutes_text(m(120), Language::Nn), "2 timar");
    }
}
