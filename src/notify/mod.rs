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
