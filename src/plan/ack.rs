//! Acknowledgement and escalation: a rule with `ack_within` + `escalate_to` asks the people it
//! tells to acknowledge; an occurrence nobody acknowledged `ack_within` after it fired is told to
//! the next entry of the chain, one step per `ack_within`, with who did not answer.
//!
//! An occurrence is acknowledged by a click on its link (`GET /ack/<token>`, recorded in the
//! ledger's acks), by the ticket's first response or assignment in Pureservice, or by its
//! resolution. Links are `[daemon] public_url` + `/ack/` + a token: the occurrence it is for, in the clear, and an
//! HMAC-SHA256 of it under `[daemon] ack_secret` — so a token cannot be guessed, forged, or
//! moved to another ticket; the ledger keeps one acknowledgement per occurrence, so a second
//! click changes nothing (single use).

use super::audience;
use super::{Finding, Intent, IntentKey, Reason};
use crate::config::{ChannelRef, Config, PlanRule};
use crate::ledger::Ledger;
use crate::ticket::{TicketId, TrackedTicket};
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Escalation steps are issued under the rule's id with this suffix and the step number
/// (`krisestab-kald.escalation1`), so their keys never collide with the rule's own.
pub const ESCALATION_SUFFIX: &str = ".escalation";

/// One acknowledgement, as the ledger keeps it (key: `ticket/rule/occurrence`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub at: DateTime<Utc>,
    /// Who acknowledged: the recipient's name, or `Pureservice` for a response there.
    pub by: String,
    /// `link`, `scenario`.
    pub source: String,
}

/// The occurrence a token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRef {
    pub ticket: TicketId,
    pub rule: String,
    pub occurrence: u32,
    /// Short hash of the recipient's address (the address itself never goes into a URL).
    pub recipient: String,
}

impl AckRef {
    /// The ledger's key of the occurrence.
    pub fn key(&self) -> String {
        ack_key(self.ticket, &self.rule, self.occurrence)
    }
}

/// `ticket/rule/occurrence`.
pub fn ack_key(ticket: TicketId, rule: &str, occurrence: u32) -> String {
    format!("{ticket}/{rule}/{occurrence}")
}

/// The short, stable hash of an address used in tokens.
pub fn recipient_hash(address: &str) -> String {
    let d = Sha256::digest(address.trim().to_lowercase().as_bytes());
    d[..6].iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256 (RFC 2104) of `msg` under `key`.
fn hmac(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The token for one recipient of one occurrence.
pub fn token(secret: &str, r: &AckRef) -> String {
    let payload = format!("{}/{}/{}/{}", r.ticket, r.occurrence, r.recipient, r.rule);
    let mac = hmac(secret.as_bytes(), payload.as_bytes());
    format!("{}.{}", B64.encode(&payload), B64.encode(&mac[..20]))
}

/// The occurrence a token is for, if its signature holds.
pub fn verify(secret: &str, token: &str) -> Option<AckRef> {
    let (p, m) = token.split_once('.')?;
    if token.len() > 512 {
        return None;
    }
    let payload = B64.decode(p).ok()?;
    let given = B64.decode(m).ok()?;
    let mac = hmac(secret.as_bytes(), &payload);
    // Constant time: the comparison must not tell an attacker how many bytes were right.
    let same = given.len() == 20
        && given
            .iter()
            .zip(&mac[..20])
            .fold(0u8, |a, (x, y)| a | (x ^ y))
            == 0;
    if !same {
        return None;
    }
    let payload = String::from_utf8(payload).ok()?;
    let mut parts = payload.splitn(4, '/');
    let ticket = parts.next()?.parse().ok()?;
    let occurrence = parts.next()?.parse().ok()?;
    let recipient = parts.next()?.to_string();
    let rule = parts.next()?.to_string();
    Some(AckRef {
        ticket,
        rule,
        occurrence,
        recipient,
    })
}

/// The acknowledgement link for `address` of (ticket, rule, occurrence), when `[daemon]
/// public_url` and `ack_secret` are set.
pub fn link(
    config: &Config,
    ticket: TicketId,
    rule: &str,
    occurrence: u32,
    address: &str,
) -> Option<String> {
    let base = config.daemon.public_url.as_ref()?;
    let secret = config.daemon.ack_secret.as_ref()?;
    let r = AckRef {
        ticket,
        rule: rule.to_string(),
        occurrence,
        recipient: recipient_hash(address),
    };
    let t = token(secret.expose(), &r);
    Some(format!("{}/ack/{t}", base.as_str().trim_end_matches('/')))
}

/// When (and by whom) the occurrence counts as acknowledged: a recorded acknowledgement, the
/// ticket's first response or assignment in Pureservice, or its resolution — whichever came
/// first.
pub fn acknowledged(
    t: &TrackedTicket,
    rule: &str,
    occurrence: u32,
    ledger: &Ledger,
) -> Option<(DateTime<Utc>, String)> {
    let recorded = ledger
        .acks()
        .get(&ack_key(t.id, rule, occurrence))
        .map(|a| (a.at, a.by.clone()));
    let in_pureservice = [t.responded, t.assigned, t.resolved_at()]
        .into_iter()
        .flatten()
        .min()
        .map(|at| (at, "Pureservice".to_string()));
    match (recorded, in_pureservice) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// The escalation intents of `rule` for ticket `t` due at `now`, and the next instant a step
/// may become due.
pub fn escalations(
    rule: &PlanRule,
    t: &TrackedTicket,
    ledger: &Ledger,
    config: &Config,
    now: DateTime<Utc>,
    findings: &mut Vec<Finding>,
) -> (Vec<Intent>, Option<DateTime<Utc>>) {
    let mut out = Vec::new();
    let mut next: Option<DateTime<Utc>> = None;
    let Some(policy) = &rule.ack else {
        return (out, next);
    };
    // Each occurrence of the rule: when it fired and whom it told (on personal channels).
    let mut occurrences: BTreeMap<u32, (DateTime<Utc>, Vec<String>)> = BTreeMap::new();
    for e in ledger
        .for_ticket(t.id)
        .filter(|e| e.intent.key.rule == rule.id)
    {
        let o = occurrences
            .entry(e.intent.key.occurrence)
            .or_insert((e.intent.due_at, Vec::new()));
        o.0 = o.0.min(e.intent.due_at);
        let personal = ChannelRef::parse(&e.intent.key.channel).is_some_and(|c| c.is_personal());
        if personal && !o.1.contains(&e.intent.recipient.name) {
            o.1.push(e.intent.recipient.name.clone());
        }
    }
    let lang = config.daemon.language;
    for (occurrence, (fired, mut silent)) in occurrences {
        let acked = acknowledged(t, &rule.id, occurrence, ledger).map(|(at, _)| at);
        for (i, aud) in policy.escalate_to.iter().enumerate() {
            let Some(due) = fired.checked_add_signed(policy.within * (i as i32 + 1)) else {
                break;
            };
            if acked.is_some_and(|a| a <= due) {
                break;
            }
            if now < due {
                next = Some(next.map_or(due, |n| n.min(due)));
                break;
            }
            let step = PlanRule {
                id: format!("{}{ESCALATION_SUFFIX}{}", rule.id, i + 1),
                to: vec![aud.clone()],
                via: rule
                    .via
                    .iter()
                    .filter(|c| c.is_personal())
                    .cloned()
                    .collect(),
                template: policy.template.clone(),
                ack: None,
                ..rule.clone()
            };
            let targets = audience::resolve(&step, t, due, ledger, config, findings);
            let not_answered = crate::templates::format::join(lang, &silent);
            for target in &targets {
                let key = IntentKey {
                    ticket: t.id,
                    rule: step.id.clone(),
                    occurrence,
                    channel: target.channel.to_string(),
                    recipient: target.recipient.address.clone(),
                };
                if ledger.get(&key).is_some() {
                    continue;
                }
                let mut vars = BTreeMap::new();
                vars.insert("not_answered".to_string(), not_answered.clone());
                vars.insert("escalation_step".to_string(), (i + 1).to_string());
                vars.insert(
                    "ack_within".to_string(),
                    crate::templates::format::duration_words(lang, policy.within.num_seconds()),
                );
                if let Some(url) = link(
                    config,
                    t.id,
                    &rule.id,
                    occurrence,
                    &target.recipient.address,
                ) {
                    vars.insert("ack_url".to_string(), url);
                }
                out.push(Intent {
                    key,
                    reason: Reason::Escalation,
                    audience: target.audience.clone(),
                    recipient: target.recipient.clone(),
                    due_at: due,
                    late: due < now - super::late_after(config),
                    template: policy.template.clone(),
                    important: true,
                    vars,
                });
            }
            for target in targets {
                if !silent.contains(&target.recipient.name) {
                    silent.push(target.recipient.name);
                }
            }
        }
    }
    (out, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tokens_are_bound_and_unforgeable() {
        let r = AckRef {
            ticket: 1001,
            rule: "krisestab".into(),
            occurrence: 0,
            recipient: recipient_hash("kim@holstebro.example"),
        };
        let tok = token("a-long-secret-for-tests", &r);
        assert_eq!(verify("a-long-secret-for-tests", &tok), Some(r.clone()));
        assert_eq!(verify("another-secret-entirely", &tok), None);
        // Another ticket with the same signature is refused.
        let (_, mac) = tok.split_once('.').unwrap();
        let other = format!(
            "{}.{mac}",
            B64.encode(format!("1002/0/{}/krisestab", r.recipient))
        );
        assert_eq!(verify("a-long-secret-for-tests", &other), None);
        for bad in ["", ".", "x.y", "%%%.%%%", &tok[..tok.len() - 2]] {
            assert_eq!(verify("a-long-secret-for-tests", bad), None, "{bad}");
        }
    }
}
