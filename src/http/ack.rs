//! `GET /ack/<token>`: the acknowledgement link of a rule with `ack_within` (see `plan::ack`).
//!
//! The handler checks the token's signature under `[daemon] ack_secret` and that it names an
//! occurrence the ledger holds for that recipient, then queues the acknowledgement; the run loop
//! records it in the ledger at its next cycle ([`HttpShared::take_acks`]). A token already used
//! (recorded, or queued) answers 410 and changes nothing. The answer is a small page in
//! `daemon.language`; it never echoes the token.

use super::HttpShared;
use crate::config::{Config, Language};
use crate::ledger::Ledger;
use crate::plan::ack::{self, AckRef};
use axum::extract::{Path, State as AxState};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What the handler may acknowledge, rebuilt with each published state.
#[derive(Debug, Default)]
pub(super) struct AckInbox {
    /// `ticket/rule/occurrence` → (recipient hash, name) of the people asked.
    asked: BTreeMap<String, Vec<(String, String)>>,
    /// Occurrences already acknowledged in the ledger.
    done: BTreeSet<String>,
    /// Clicked since the last cycle, not yet in the ledger.
    pending: Vec<Clicked>,
}

/// One click, waiting for the run loop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clicked {
    pub key: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl AckInbox {
    /// The occurrences of acknowledgement rules in `ledger` and who was asked.
    pub(super) fn refresh(&mut self, ledger: &Ledger, config: &Config) {
        let ack_rules: BTreeSet<&str> = config
            .plan
            .iter()
            .filter(|r| r.ack.is_some())
            .map(|r| r.id.as_str())
            .collect();
        self.asked.clear();
        if ack_rules.is_empty() {
            self.done.clear();
            return;
        }
        for e in ledger.entries.values() {
            let k = &e.intent.key;
            // Escalation steps are acknowledged for the rule's occurrence they escalate.
            let rule = k
                .rule
                .split_once(ack::ESCALATION_SUFFIX)
                .map_or(k.rule.as_str(), |(r, _)| r);
            if ack_rules.contains(rule) {
                self.asked
                    .entry(ack::ack_key(k.ticket, rule, k.occurrence))
                    .or_default()
                    .push((
                        ack::recipient_hash(&k.recipient),
                        e.intent.recipient.name.clone(),
                    ));
            }
        }
        self.done = ledger.acks().keys().cloned().collect();
        let done = &self.done;
        self.pending.retain(|c| !done.contains(&c.key));
    }
}

impl HttpShared {
    /// Acknowledgements clicked since the last call, for the run loop to record.
    pub fn take_acks(&self) -> Vec<Clicked> {
        std::mem::take(&mut self.acks().pending)
    }

    pub(super) fn acks(&self) -> std::sync::MutexGuard<'_, AckInbox> {
        self.acks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

enum Outcome {
    Thanks,
    AlreadyUsed,
    Invalid,
}

pub(super) async fn ack(
    AxState(shared): AxState<Arc<HttpShared>>,
    Path(token): Path<String>,
) -> Response {
    let config = shared.read().config.clone();
    let now = shared.clock.now();
    let outcome = match config
        .daemon
        .ack_secret
        .as_ref()
        .and_then(|s| ack::verify(s.expose(), &token))
    {
        None => Outcome::Invalid,
        Some(r) => record(&shared, &r, now),
    };
    let (status, text) = match outcome {
        Outcome::Thanks => (StatusCode::OK, words(config.daemon.language).0),
        Outcome::AlreadyUsed => (StatusCode::GONE, words(config.daemon.language).1),
        Outcome::Invalid => (StatusCode::NOT_FOUND, words(config.daemon.language).2),
    };
    let lang = config.daemon.language.code();
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>slavakt</title>\
         <meta name=\"viewport\" content=\"width=device-width\"></head><body><p>{text}</p></body></html>\n"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

fn record(shared: &HttpShared, r: &AckRef, now: DateTime<Utc>) -> Outcome {
    let key = r.key();
    let mut inbox = shared.acks();
    let Some(name) = inbox
        .asked
        .get(&key)
        .and_then(|people| people.iter().find(|(h, _)| *h == r.recipient))
        .map(|(_, n)| n.clone())
    else {
        return Outcome::Invalid;
    };
    if inbox.done.contains(&key) || inbox.pending.iter().any(|c| c.key == key) {
        return Outcome::AlreadyUsed;
    }
    inbox.pending.push(Clicked {
        key,
        by: name,
        at: now,
    });
    Outcome::Thanks
}

/// (thanks, already used, invalid) in one language.
fn words(lang: Language) -> (&'static str, &'static str, &'static str) {
    match lang {
        Language::Nb => (
            "Takk! Bekreftelsen er registrert.",
            "Denne lenken er allerede brukt: innkallingen er bekreftet.",
            "Lenken er ugyldig eller utløpt.",
        ),
        Language::Nn => (
            "Takk! Stadfestinga er registrert.",
            "Denne lenkja er alt brukt: innkallinga er stadfesta.",
            "Lenkja er ugyldig eller gått ut.",
        ),
        Language::Da => (
            "Tak! Din bekræftelse er registreret.",
            "Dette link er allerede brugt: indkaldelsen er bekræftet.",
            "Linket er ugyldigt eller udløbet.",
        ),
        Language::En => (
            "Thank you! Your confirmation has been recorded.",
            "This link has already been used: the call-out is confirmed.",
            "The link is invalid or has expired.",
        ),
    }
}
