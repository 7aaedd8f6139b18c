//! Alerts about slavakt itself (Pureservice outage and its all-clear, delivery failures): built
//! as ordinary intents on the pseudo-ticket 0 so they go through the same ledger and outbox, and
//! are sent once.

use crate::config::{Audience, ChannelRef, Config};
use crate::notify::Message;
use crate::plan::{Intent, IntentKey, Reason, Recipient};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Ticket id used for alerts that belong to no ticket.
pub const SYSTEM_TICKET: u64 = 0;

/// A moment in an alert's text: the configured zone, to the minute, in the configured
/// language (`super::alert_words`), e.g. `onsdag 24. mars 2027 kl. 13:59`.
pub fn when(config: &Config, t: DateTime<Utc>) -> String {
    crate::templates::format::datetime(config.daemon.language, config.daemon.timezone, t)
}

/// Intents (with their messages) that tell `[alerts].to` over `[alerts].via`.
pub fn alert(
    config: &Config,
    rule: &str,
    occurrence: u32,
    subject: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Vec<(Intent, Message)> {
    let mut out = Vec::new();
    let message = Message {
        subject: format!("[slavakt] {subject}"),
        text: body.to_string(),
        html: format!("<p>{}</p>", crate::escape::html(body)),
        short: format!("slavakt: {subject}"),
        important: true,
        level: String::new(),
        attachments: Vec::new(),
    };
    for via in &config.alerts.via {
        for (audience, recipient) in recipients(config, via) {
            out.push((
                Intent {
                    key: IntentKey {
                        ticket: SYSTEM_TICKET,
                        rule: rule.to_string(),
                        occurrence,
                        channel: via.to_string(),
                        recipient: recipient.address.clone(),
                    },
                    reason: Reason::Alert,
                    audience,
                    recipient,
                    due_at: now,
                    late: false,
                    template: "alert".into(),
                    important: true,
                    vars: BTreeMap::new(),
                },
                message.clone(),
            ));
        }
    }
    out
}

fn recipients(config: &Config, via: &ChannelRef) -> Vec<(String, Recipient)> {
    if !via.is_personal() {
        return vec![(
            "channel".into(),
            Recipient {
                name: via.to_string(),
                address: via.to_string(),
            },
        )];
    }
    let mut out = Vec::new();
    for audience in &config.alerts.to {
        let Audience::Role(role) = audience else {
            continue;
        };
        let Some(r) = config.roles.get(role) else {
            continue;
        };
        for person in r.people() {
            let address = match via {
                ChannelRef::Email => person.email,
                ChannelRef::Sms => person.phone,
                _ => None,
            };
            if let Some(address) = address {
                out.push((
                    audience.to_string(),
                    Recipient {
                        name: person.name,
                        address,
                    },
                ));
            }
        }
    }
    out
}
