//! Delivery channels behind one small trait.
//!
//! Each channel builds its payload in a pure function (unit-tested) and sends it; its error says
//! whether a retry can help. Channels: e-mail (SMTP via lettre), SMS (LINK, Sveve, Twilio, generic
//! HTTP), Teams (Workflows webhook, Graph), intranet (SharePoint news/list via Graph, webhook),
//! Pureservice internal note.

pub mod email;
pub mod failure;
pub mod graph;
pub mod graph_auth;
pub mod http;
pub mod intranet;
pub mod pureservice_note;
pub mod sms;
pub mod teams;

use crate::plan::Recipient;
use crate::ticket::TicketId;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;

/// A rendered message, channel-neutral; channels pick the parts they can carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub subject: String,
    /// Plain text body (e-mail text part, Teams, notes).
    pub text: String,
    /// HTML body (e-mail HTML part, intranet, Pureservice note).
    pub html: String,
    /// Short text for SMS (no URLs).
    pub short: String,
    pub important: bool,
    /// `kritisk`, `hoy`, … (for urgency styling); empty for alerts.
    pub level: String,
    /// Text files sent along by e-mail (the serious-incident report draft); other channels
    /// ignore them. Held in the ledger with the message until it is settled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<TextAttachment>,
}

/// A text file carried by a [`Message`] (UTF-8; e-mail sends it as an attachment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextAttachment {
    pub filename: String,
    /// MIME type without charset, e.g. `text/markdown` (sent as UTF-8).
    pub content_type: String,
    pub text: String,
}

/// Threading context: what earlier deliveries about the same ticket on this channel left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// Remote ids of earlier messages in this thread, oldest first (Message-IDs for e-mail,
    /// the root message id for Teams Graph, the page/item id for SharePoint).
    pub previous: Vec<String>,
}

/// One delivery to perform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    /// The intent key as text: deterministic ids (Message-ID) are derived from it.
    pub key: String,
    pub ticket: TicketId,
    pub recipient: Recipient,
    pub message: Message,
    pub thread: Thread,
}

/// What the far side said when it accepted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Receipt {
    /// Id of the created message/page/item, for threading later deliveries.
    pub remote_id: Option<String>,
    /// Short outcome for the ledger ("250 2.0.0 queued", "HTTP 202").
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotifyError {
    /// Temporary: retry with backoff (429, 5xx, timeout, connection refused).
    #[error("temporary failure: {message}")]
    Retryable {
        message: String,
        retry_after: Option<std::time::Duration>,
    },
    /// The far side refused this message (400/404/422, unknown number): do not retry.
    #[error("permanent failure: {0}")]
    Permanent(String),
    /// Our configuration is wrong (401/403, bad URL, missing credentials): do not retry; loud.
    #[error("configuration problem: {0}")]
    Config(String),
}

impl NotifyError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, NotifyError::Retryable { .. })
    }
}

pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Receipt, NotifyError>> + Send + 'a>>;

/// A delivery channel.
pub trait Notifier: Send + Sync {
    /// The `via` name, e.g. `email`, `teams:ik_varsling`.
    fn name(&self) -> &str;
    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a>;
}

/// Timeout for channels whose config has no `timeout` key (Teams, intranet).
pub const DEFAULT_HTTP_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The channels slavakt builds itself, as `via` names (`email`, `sms`, `teams:NAME`,
/// `intranet`). `pureservice_note` is built by the Pureservice module and added by the caller.
pub fn configured_names(channels: &crate::config::Channels) -> Vec<String> {
    let mut names = Vec::new();
    if channels.email.is_some() {
        names.push("email".to_string());
    }
    if channels.sms.is_some() {
        names.push("sms".to_string());
    }
    for name in channels.teams.keys() {
        names.push(format!("teams:{name}"));
    }
    if channels.intranet.is_some() {
        names.push("intranet".to_string());
    }
    names
}

/// Notifiers built from the config, and the channels that could not be built (with why).
pub struct Built {
    pub notifiers: std::collections::BTreeMap<String, std::sync::Arc<dyn Notifier>>,
    pub problems: Vec<(String, NotifyError)>,
}

/// Builds every configured channel (Graph token sources shared where tenant, client and grant
/// match). A channel that cannot be built is reported in `problems`, not silently dropped.
pub fn build_notifiers(
    channels: &crate::config::Channels,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
) -> Built {
    let mut pool = graph_auth::TokenPool::default();
    let mut built = Built {
        notifiers: Default::default(),
        problems: Vec::new(),
    };
    for name in configured_names(channels) {
        match build_with_pool(channels, &name, clock.clone(), &mut pool) {
            Some(Ok(n)) => {
                built.notifiers.insert(name, n);
            }
            Some(Err(e)) => built.problems.push((name, e)),
            None => {}
        }
    }
    built
}

/// Builds one channel by its `via` name; `None` if no such channel is configured.
pub fn build_one(
    channels: &crate::config::Channels,
    name: &str,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
) -> Option<Result<std::sync::Arc<dyn Notifier>, NotifyError>> {
    build_with_pool(channels, name, clock, &mut graph_auth::TokenPool::default())
}

fn build_with_pool(
    channels: &crate::config::Channels,
    name: &str,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    pool: &mut graph_auth::TokenPool,
) -> Option<Result<std::sync::Arc<dyn Notifier>, NotifyError>> {
    use std::sync::Arc;
    match name {
        "email" => channels
            .email
            .as_ref()
            .map(|c| email::EmailNotifier::new(c, clock).map(|n| Arc::new(n) as Arc<dyn Notifier>)),
        "sms" => channels
            .sms
            .as_ref()
            .map(|c| sms::SmsNotifier::new(c, clock).map(|n| Arc::new(n) as Arc<dyn Notifier>)),
        "intranet" => channels
            .intranet
            .as_ref()
            .map(|c| intranet::build(c, DEFAULT_HTTP_TIMEOUT, clock, pool)),
        _ => {
            let team = name.strip_prefix("teams:")?;
            channels
                .teams
                .get(team)
                .map(|c| teams::build(team, c, DEFAULT_HTTP_TIMEOUT, clock, pool))
        }
    }
}
