//! What happens after a delivery fails for good: the same message by the person's other
//! personal channel, and an alert to the admins (`[alerts]`).
//!
//! Rules (loop-free by construction):
//! - A failed **SMS** to someone whose e-mail we know → the same message by e-mail; a failed
//!   **e-mail** to someone whose phone we know → by SMS. Only if that channel is configured and
//!   the plan has not already reached them there for the same occurrence. Key:
//!   `<ticket>/fallback:<rule>/<occurrence>/<channel>/<address>`, same reason, template and
//!   message as the original.
//! - Every failure except that of an alert → one alert per `[alerts]` target (roles by their
//!   e-mail/phone, shared channels such as `teams:drift` or `pureservice_note` as posts; the
//!   `intranet` is never used for alerts). Key:
//!   `<ticket>/delivery_failed:<rule>:<channel>:<address>/<occurrence>/<alert channel>/<alert address>`,
//!   reason `alert`, template `alert` (`vars.title`, `vars.message` in Norwegian), with the
//!   facts in `vars` too.
//! - A failed fallback gets an alert but no further fallback; a failed alert gets nothing more
//!   (it is in the ledger, the log and the metrics).

use crate::config::{AlertsConfig, Audience, ChannelRef, Config, Contact, Role};
use crate::ledger::{DeliveryStatus, Ledger, LedgerEntry};
use crate::notify::Message;
use crate::plan::{Intent, IntentKey, Reason, Recipient};
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// Rule-id prefix of a personal fallback.
pub const FALLBACK_PREFIX: &str = "fallback:";
/// Rule-id prefix of a delivery-failure alert.
pub const ALERT_PREFIX: &str = "delivery_failed:";
/// Template of a delivery-failure alert: the generic `alert` template, which shows
/// `vars.title` and `vars.message`.
pub const ALERT_TEMPLATE: &str = "alert";

/// A person's personal addresses, for finding the other channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// Where alerts go and whom we know: built from the config.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fallbacks {
    pub people: Vec<Person>,
    /// (channel, recipient, audience) for each alert target.
    pub alert_to: Vec<(String, Recipient, String)>,
}

/// A fallback or alert intent raised by a failure, with the message if it is already known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackIntent {
    pub intent: Intent,
    /// The original's rendered message for a personal fallback; `None` for alerts, which are
    /// rendered from [`ALERT_TEMPLATE`].
    pub message: Option<Message>,
}

impl Fallbacks {
    /// People from `[roles]`, municipality contacts and service administrators/vendors; alert
    /// targets from `[alerts]` (`role:` entries and shared channels; other audiences need a
    /// ticket's context and are not used for alerts).
    pub fn from_config(config: &Config) -> Fallbacks {
        let contacts = config
            .municipalities
            .iter()
            .flat_map(|m| m.contacts.iter())
            .chain(
                config
                    .services
                    .iter()
                    .flat_map(|s| s.administrator.iter().chain(s.vendor.iter())),
            );
        Fallbacks::from_parts(&config.roles, contacts, &config.alerts)
    }

    /// [`Fallbacks::from_config`] from its parts.
    pub fn from_parts<'a>(
        roles: &BTreeMap<String, Role>,
        contacts: impl Iterator<Item = &'a Contact>,
        alerts: &AlertsConfig,
    ) -> Fallbacks {
        let mut people: Vec<Person> = roles
            .values()
            .map(|r| Person {
                name: r.name.clone(),
                email: r.email.clone(),
                phone: r.phone.clone(),
            })
            .collect();
        people.extend(contacts.map(|c| Person {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
        }));

        let mut alert_to = Vec::new();
        for via in &alerts.via {
            match via {
                ChannelRef::Email | ChannelRef::Sms => {
                    for aud in &alerts.to {
                        let Audience::Role(name) = aud else { continue };
                        let Some(role) = roles.get(name) else {
                            continue;
                        };
                        for person in role.people() {
                            let addr = if *via == ChannelRef::Email {
                                &person.email
                            } else {
                                &person.phone
                            };
                            if let Some(a) =
                                addr.as_deref().map(str::trim).filter(|a| !a.is_empty())
                            {
                                alert_to.push((
                                    via.to_string(),
                                    Recipient {
                                        name: person.name.clone(),
                                        address: a.to_string(),
                                    },
                                    aud.to_string(),
                                ));
                            }
                        }
                    }
                }
                ChannelRef::Intranet => {} // public pages are no place for alerts
                shared => alert_to.push((
                    shared.to_string(),
                    Recipient {
                        name: shared.to_string(),
                        address: shared.to_string(),
                    },
                    "channel".into(),
                )),
            }
        }
        alert_to.sort();
        alert_to.dedup();
        Fallbacks { people, alert_to }
    }

    /// The fallbacks for `failed` (just marked Failed, its message taken out as `message`).
    /// `configured` tells whether a channel has a notifier.
    pub(crate) fn for_failure(
        &self,
        failed: &LedgerEntry,
        message: Option<&Message>,
        ticket: Option<&TrackedTicket>,
        ledger: &Ledger,
        configured: &dyn Fn(&str) -> bool,
        now: DateTime<Utc>,
    ) -> Vec<FallbackIntent> {
        let i = &failed.intent;
        if i.reason == Reason::Alert || i.key.rule.starts_with(ALERT_PREFIX) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let personal = self.personal(failed, message, ticket, ledger, configured, now);
        let fallback_text = personal
            .as_ref()
            .map(|p| format!("{} {}", p.intent.key.channel, p.intent.recipient.address))
            .unwrap_or_default();
        out.extend(personal);

        let last = failed
            .attempts
            .last()
            .map(|a| a.outcome.as_str())
            .unwrap_or("");
        // The human ticket number when we track the ticket, else the internal id.
        let number = ticket.map_or(i.key.ticket, |t| t.number).to_string();
        let title = format!(
            "levering feilet: {} til {} (sak {number})",
            i.key.channel, i.recipient.name
        );
        let text = format!(
            "Meldingen «{}» (nr. {}) om sak {number} kunne ikke leveres via {} til {} ({}) etter {} forsøk. Siste svar: {}. {}",
            i.key.rule,
            i.key.occurrence,
            i.key.channel,
            i.recipient.name,
            i.recipient.address,
            failed.attempts.len(),
            if last.is_empty() { "ingen" } else { last },
            if fallback_text.is_empty() {
                "Ingen reservekanal: sørg for at mottakeren får beskjed på annen måte.".to_string()
            } else {
                format!("Sendes i stedet via {fallback_text}.")
            }
        );
        for (channel, recipient, audience) in &self.alert_to {
            if !configured(channel)
                || (channel == &i.key.channel && recipient.address == i.recipient.address)
            {
                continue;
            }
            let vars: BTreeMap<String, String> = [
                ("title", title.clone()),
                ("message", text.clone()),
                ("ticket", i.key.ticket.to_string()),
                ("ticket_number", number.clone()),
                ("rule", i.key.rule.clone()),
                ("occurrence", i.key.occurrence.to_string()),
                ("channel", i.key.channel.clone()),
                ("recipient_name", i.recipient.name.clone()),
                ("recipient_address", i.recipient.address.clone()),
                ("reason", i.reason.as_str().to_string()),
                ("attempts", failed.attempts.len().to_string()),
                ("last_outcome", last.to_string()),
                ("fallback", fallback_text.clone()),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            out.push(FallbackIntent {
                intent: Intent {
                    key: IntentKey {
                        ticket: i.key.ticket,
                        rule: format!(
                            "{ALERT_PREFIX}{}:{}:{}",
                            i.key.rule, i.key.channel, i.key.recipient
                        ),
                        occurrence: i.key.occurrence,
                        channel: channel.clone(),
                        recipient: recipient.address.clone(),
                    },
                    reason: Reason::Alert,
                    audience: audience.clone(),
                    recipient: recipient.clone(),
                    due_at: now,
                    late: false,
                    template: ALERT_TEMPLATE.into(),
                    important: true,
                    vars,
                },
                message: None,
            });
        }
        out
    }

    /// The same message over the person's other personal channel, if there is one to use.
    fn personal(
        &self,
        failed: &LedgerEntry,
        message: Option<&Message>,
        ticket: Option<&TrackedTicket>,
        ledger: &Ledger,
        configured: &dyn Fn(&str) -> bool,
        now: DateTime<Utc>,
    ) -> Option<FallbackIntent> {
        let i = &failed.intent;
        if i.key.rule.starts_with(FALLBACK_PREFIX) {
            return None;
        }
        let addr = i.recipient.address.as_str();
        let assignee = ticket.and_then(|t| t.assignee.as_ref()).map(|p| Person {
            name: p.name.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
        });
        let mut known = self.people.iter().chain(assignee.iter());
        let (alt_channel, alt_addr) = match i.key.channel.as_str() {
            "sms" => (
                "email",
                known.find_map(|p| same(&p.phone, addr).then(|| p.email.clone()).flatten())?,
            ),
            "email" => (
                "sms",
                known.find_map(|p| same(&p.email, addr).then(|| p.phone.clone()).flatten())?,
            ),
            _ => return None,
        };
        let alt_addr = alt_addr.trim().to_string();
        if alt_addr.is_empty() || !configured(alt_channel) {
            return None;
        }
        let already = ledger.entries.values().any(|e| {
            let k = &e.intent.key;
            k.ticket == i.key.ticket
                && k.rule == i.key.rule
                && k.occurrence == i.key.occurrence
                && k.channel == alt_channel
                && e.intent.recipient.address == alt_addr
                && e.status != DeliveryStatus::Failed
        });
        if already {
            return None;
        }
        let mut vars = i.vars.clone();
        vars.insert("fallback_for".into(), i.key.channel.clone());
        Some(FallbackIntent {
            intent: Intent {
                key: IntentKey {
                    ticket: i.key.ticket,
                    rule: format!("{FALLBACK_PREFIX}{}", i.key.rule),
                    occurrence: i.key.occurrence,
                    channel: alt_channel.into(),
                    recipient: alt_addr.clone(),
                },
                reason: i.reason,
                audience: i.audience.clone(),
                recipient: Recipient {
                    name: i.recipient.name.clone(),
                    address: alt_addr,
                },
                due_at: now,
                late: false,
                template: i.template.clone(),
                important: i.important,
                vars,
            },
            message: message.cloned(),
        })
    }
}

/// Address comparison: e-mail case-insensitively, phone numbers ignoring spaces.
fn same(known: &Option<String>, addr: &str) -> bool {
    let norm = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase()
    };
    known.as_deref().is_some_and(|k| norm(k) == norm(addr))
}
