//! The communication-plan engine: `[[plan]]` rules × tracked tickets × SLA clocks × ledger × now
//! → the intents that are due, each with its reason and idempotency key.
//!
//! Pure and stateless: it re-evaluates everything every tick and asks the ledger what was already
//! issued, so a restart, a late tick or a replay in `simulate` all give the same decisions.

pub mod ack;
pub mod audience;
pub mod changes;
pub mod hold;
pub mod index;
pub mod spans;
pub mod storm;
pub mod triggers;

use crate::config::Config;
use crate::ledger::{DeliveryStatus, Ledger, LedgerEntry};
use crate::ticket::{TicketId, TrackedTicket};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why an intent fires (machine-readable names are the `reason` of `simulate --json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    Opened,
    After,
    Every,
    NoUpdate,
    ResponseWarning,
    ResponseBreached,
    ResolutionWarning,
    ResolutionBreached,
    Resolved,
    Reopened,
    ChangeNotice,
    ChangeStarted,
    ChangeCompleted,
    ChangeMoved,
    ChangeCancelled,
    ChangeShortNotice,
    Classified,
    Mismatch,
    Cluster,
    /// A per-recipient digest that replaced several intents in one cycle (storm control).
    Digest,
    /// An alert about slavakt itself (Pureservice outage, delivery failure).
    Alert,
    /// Nobody acknowledged a rule's occurrence within `ack_within`: the next in the chain.
    Escalation,
}

impl Reason {
    pub fn as_str(&self) -> &'static str {
        match self {
            Reason::Opened => "opened",
            Reason::After => "after",
            Reason::Every => "every",
            Reason::NoUpdate => "no_update",
            Reason::ResponseWarning => "response_warning",
            Reason::ResponseBreached => "response_breached",
            Reason::ResolutionWarning => "resolution_warning",
            Reason::ResolutionBreached => "resolution_breached",
            Reason::Resolved => "resolved",
            Reason::Reopened => "reopened",
            Reason::ChangeNotice => "change_notice",
            Reason::ChangeStarted => "change_started",
            Reason::ChangeCompleted => "change_completed",
            Reason::ChangeMoved => "change_moved",
            Reason::ChangeCancelled => "change_cancelled",
            Reason::ChangeShortNotice => "change_short_notice",
            Reason::Classified => "classified",
            Reason::Mismatch => "mismatch",
            Reason::Cluster => "cluster",
            Reason::Digest => "digest",
            Reason::Alert => "alert",
            Reason::Escalation => "escalation",
        }
    }
}

/// Who a message goes to on one channel: a person's e-mail/phone, or a shared target's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Recipient {
    pub name: String,
    /// E-mail address, E.164 phone number, Teams target name, `intranet`, or `ticket`.
    pub address: String,
}

/// Identity of one delivery: (ticket, rule, occurrence, channel, recipient).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IntentKey {
    pub ticket: TicketId,
    pub rule: String,
    pub occurrence: u32,
    /// `ChannelRef` as text, e.g. `teams:ik_varsling`.
    pub channel: String,
    pub recipient: String,
}

impl std::fmt::Display for IntentKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}/{}/{}",
            self.ticket, self.rule, self.occurrence, self.channel, self.recipient
        )
    }
}

/// One message that must go out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub key: IntentKey,
    pub reason: Reason,
    /// The `to` entry that produced it (`role:driftssjef`, `municipality:critical`, …).
    pub audience: String,
    pub recipient: Recipient,
    /// When it was due (the rule's firing time); `fired_at` ≥ `due_at`.
    pub due_at: DateTime<Utc>,
    /// Due long before it was noticed (daemon was down, Pureservice unreachable).
    pub late: bool,
    pub template: String,
    pub important: bool,
    /// Extra template variables (e.g. warning percentage, digest items, cluster ticket numbers).
    pub vars: BTreeMap<String, String>,
}

/// A problem the engine noticed that an admin must hear about once (e.g. a recipient with no
/// address for the channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable key so it is reported once.
    pub key: String,
    pub message: String,
}

#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub intents: Vec<Intent>,
    pub findings: Vec<Finding>,
    /// The earliest future instant at which something may become due (for `simulate` and the
    /// daemon's sleep), if any.
    pub next_due: Option<DateTime<Utc>>,
    /// Intents replaced by a digest (storm control): record them as skipped so they never fire
    /// later ([`Evaluation::record`] does). Each carries `vars["digest"]` = the digest's key.
    pub digested: Vec<Intent>,
}

impl Evaluation {
    /// Records the outcome in the ledger: `intents` as pending, `digested` as skipped.
    pub fn record(&self, ledger: &mut Ledger, now: DateTime<Utc>) {
        ledger.issue(&self.intents, now);
        for i in &self.digested {
            ledger
                .entries
                .entry(i.key.to_string())
                .or_insert_with(|| LedgerEntry {
                    intent: i.clone(),
                    created_at: now,
                    status: DeliveryStatus::Skipped,
                    attempts: Vec::new(),
                    next_attempt: None,
                    remote_id: None,
                    message: None,
                });
        }
    }
}

/// How long after its due time an intent counts as late: max(2 × poll interval, 5 minutes).
pub fn late_after(config: &Config) -> chrono::Duration {
    (config.daemon.poll_interval * 2).max(chrono::Duration::minutes(5))
}

/// Everything that is due at `now` and not yet in the ledger.
pub fn evaluate(
    tickets: &BTreeMap<TicketId, TrackedTicket>,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
) -> Evaluation {
    evaluate_tickets(tickets, tickets.values(), ledger, config, now, |_, _| {})
}

/// [`evaluate`] for the `selected` tickets only (in id order, as `tickets.values()` gives them;
/// `tickets` is still all of them, for the digests' descriptions). `each_next` receives every
/// selected ticket's earliest future instant at which something may become due (`None`:
/// nothing until the ticket or its ledger entries change) — what [`index::Index`] keeps.
pub fn evaluate_tickets<'a>(
    tickets: &BTreeMap<TicketId, TrackedTicket>,
    selected: impl Iterator<Item = &'a TrackedTicket>,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
    mut each_next: impl FnMut(TicketId, Option<DateTime<Utc>>),
) -> Evaluation {
    let mut ev = Evaluation::default();
    let late_after = late_after(config);
    let mut intents: Vec<(usize, Intent)> = Vec::new();
    for t in selected {
        // Already solved when first seen: history, not an incident to announce.
        if t.resolved_when_first_seen {
            each_next(t.id, None);
            continue;
        }
        let mut ticket_next: Option<DateTime<Utc>> = None;
        // Keys contain the ticket id: a duplicate can only be among this ticket's intents.
        let this_ticket = intents.len();
        let runs = spans::runs(t);
        let needs_clocks = config.plan.iter().any(|r| triggers::needs_clocks(&r.when));
        let clocks = if needs_clocks {
            crate::sla::clocks(t, config, now)
        } else {
            None
        };
        for (order, rule) in config.plan.iter().enumerate() {
            let (service, category) = (t.service.as_deref(), t.category.as_deref());
            if !rule.filters.matches(service, category, &t.municipalities) {
                continue;
            }
            let out = triggers::evaluate(rule, t, &runs, clocks.as_ref(), config, ledger, now);
            let out = hold::apply(rule, t, config, now, out);
            if let Some(n) = out.next {
                ev.next_due = Some(ev.next_due.map_or(n, |x| x.min(n)));
                ticket_next = Some(ticket_next.map_or(n, |x| x.min(n)));
            }
            for f in out.due {
                let targets =
                    audience::resolve(rule, t, f.due_at, ledger, config, &mut ev.findings);
                for target in targets {
                    let key = IntentKey {
                        ticket: t.id,
                        rule: rule.id.clone(),
                        occurrence: f.occurrence,
                        channel: target.channel.to_string(),
                        recipient: target.recipient.address.clone(),
                    };
                    if ledger.get(&key).is_some()
                        || intents[this_ticket..].iter().any(|(_, i)| i.key == key)
                    {
                        continue;
                    }
                    let mut vars = f.vars.clone();
                    if rule.ack.is_some() && target.channel.is_personal() {
                        let url = ack::link(config, t.id, &rule.id, f.occurrence, &key.recipient);
                        if let Some(url) = url {
                            vars.insert("ack_url".into(), url);
                        }
                    }
                    intents.push((
                        order,
                        Intent {
                            key,
                            reason: f.reason,
                            audience: target.audience,
                            recipient: target.recipient,
                            due_at: f.due_at,
                            late: f.due_at < now - late_after,
                            template: rule.template.clone(),
                            important: rule.important_at(t.level()),
                            vars,
                        },
                    ));
                }
            }
            let (escalated, next) =
                ack::escalations(rule, t, ledger, config, now, &mut ev.findings);
            if let Some(n) = next {
                ev.next_due = Some(ev.next_due.map_or(n, |x| x.min(n)));
                // The index must wake the ticket for its next escalation step too.
                ticket_next = Some(ticket_next.map_or(n, |x| x.min(n)));
            }
            intents.extend(escalated.into_iter().map(|i| (order, i)));
        }
        each_next(t.id, ticket_next);
    }
    // Deterministic order: by due time, ticket, rule order in the file, then the key.
    intents.sort_by(|(oa, a), (ob, b)| {
        (a.due_at, a.key.ticket, *oa, &a.key).cmp(&(b.due_at, b.key.ticket, *ob, &b.key))
    });
    let intents: Vec<Intent> = intents.into_iter().map(|(_, i)| i).collect();
    let (sent, digested) = storm::apply(intents, config.daemon.storm_limit, now, |i| {
        describe(tickets.get(&i.key.ticket), config, i)
    });
    ev.intents = sent;
    ev.digested = digested;
    let mut seen = std::collections::BTreeSet::new();
    ev.findings.retain(|f| seen.insert(f.key.clone()));
    ev
}

/// One line about an intent for a digest: `#1001 Kritisk – Subject (incident-open-alert)`.
fn describe(t: Option<&TrackedTicket>, config: &Config, i: &Intent) -> String {
    match t {
        Some(t) => format!(
            "#{} {} – {} ({})",
            t.number,
            t.level()
                .map(|l| config.level(l).map_or(l, |s| s.label.as_str()))
                .unwrap_or("-"),
            t.subject,
            i.key.rule
        ),
        None => format!("#{} ({})", i.key.ticket, i.key.rule),
    }
}
