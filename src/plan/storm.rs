//! Storm control: when one evaluation would send more than `storm_limit` messages to a single
//! recipient on one channel, that recipient gets one digest instead. The replaced intents are
//! handed back so the caller records them as skipped (they must not fire later), each naming the
//! digest that carried it. The first notice of an incident (`opened`: the Kritisk/Høy alert,
//! announcement, driftsmelding) is never merged: it is what the plan exists to deliver.

use super::{Intent, IntentKey, Reason};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Rule id of digest intents (their key's ticket is 0: a digest is about several tickets).
pub const DIGEST_RULE: &str = "digest";
/// Var set on a digested original: the digest key that carried it.
pub const DIGEST_VAR: &str = "digest";

/// Splits `intents` into what is sent (with digests replacing floods) and what was digested.
/// `describe` gives a one-line description of an intent for the digest's item list, starting
/// with `#<request number>` (the number people see; the digest's `numbers` var lists them).
pub fn apply(
    intents: Vec<Intent>,
    limit: u32,
    now: DateTime<Utc>,
    describe: impl Fn(&Intent) -> String,
) -> (Vec<Intent>, Vec<Intent>) {
    let mut groups: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for (i, it) in intents.iter().enumerate() {
        // Internal notes belong on their own ticket, and an incident's first notice must reach
        // its readers as itself: never merged.
        if it.key.channel != "pureservice_note" && it.reason != Reason::Opened {
            groups
                .entry((it.key.channel.clone(), it.recipient.address.clone()))
                .or_default()
                .push(i);
        }
    }
    let mut flooded = vec![false; intents.len()];
    let mut digests = Vec::new();
    let mut digested = Vec::new();
    for ((channel, _), idx) in groups {
        if idx.len() <= limit.max(1) as usize {
            continue;
        }
        let members: Vec<&Intent> = idx.iter().map(|&i| &intents[i]).collect();
        let digest = build(&channel, &members, now, &describe);
        for &i in &idx {
            flooded[i] = true;
            let mut orig = intents[i].clone();
            orig.vars.insert(DIGEST_VAR.into(), digest.key.to_string());
            digested.push(orig);
        }
        digests.push(digest);
    }
    let mut sent: Vec<Intent> = intents
        .into_iter()
        .zip(flooded)
        .filter(|(_, f)| !f)
        .map(|(i, _)| i)
        .collect();
    sent.extend(digests);
    (sent, digested)
}

fn build(
    channel: &str,
    members: &[&Intent],
    now: DateTime<Utc>,
    describe: &impl Fn(&Intent) -> String,
) -> Intent {
    let first = members[0];
    let mut audiences: Vec<&str> = members.iter().map(|m| m.audience.as_str()).collect();
    audiences.sort();
    audiences.dedup();
    let mut tickets: Vec<u64> = members.iter().map(|m| m.key.ticket).collect();
    tickets.sort();
    tickets.dedup();
    let mut rules: Vec<&str> = members.iter().map(|m| m.key.rule.as_str()).collect();
    rules.sort();
    rules.dedup();
    let items: Vec<String> = members.iter().map(|m| describe(m)).collect();
    let mut numbers: Vec<&str> = items
        .iter()
        .filter_map(|l| l.strip_prefix('#')?.split(' ').next())
        .collect();
    numbers.sort();
    numbers.dedup();
    let mut vars = BTreeMap::new();
    vars.insert("count".into(), members.len().to_string());
    vars.insert("ticket_count".into(), tickets.len().to_string());
    vars.insert(
        "tickets".into(),
        tickets
            .iter()
            .map(|t| t.to_string())
            .collect::<Vec<_>>()
            .join(","),
    );
    vars.insert("numbers".into(), numbers.join(", "));
    vars.insert("rules".into(), rules.join(","));
    vars.insert("items".into(), items.join("\n"));
    Intent {
        key: IntentKey {
            ticket: 0,
            rule: DIGEST_RULE.into(),
            // Seconds since the epoch: one digest per recipient and evaluation (valid to 2106).
            occurrence: now.timestamp().clamp(0, u32::MAX as i64) as u32,
            channel: channel.to_string(),
            recipient: first.recipient.address.clone(),
        },
        reason: Reason::Digest,
        audience: audiences.join(","),
        recipient: first.recipient.clone(),
        due_at: now,
        late: false,
        template: "digest".into(),
        important: members.iter().any(|m| m.important),
        vars,
    }
}
