//! The `pureservice_note` channel: the message as an internal note on the ticket
//! (`POST /communication/`, `type` 1, `direction` 3), the log of what was communicated where the
//! agents work.
//!
//! A POST must not be retried blindly, so every note carries a short reference derived from
//! the delivery key (`slavakt-ref:…`, a small footer line) and each send first asks whether a
//! note with that reference is already on the ticket. A retry after a timeout or a 5xx whose
//! note did land is then recognised instead of duplicated. If that check itself fails the send
//! goes ahead (a rare duplicate note is better than a missing one).

use super::{Delivery, Notifier, NotifyError, Receipt, SendFuture};
use crate::pureservice::error::PsError;
use crate::pureservice::filter::ListQuery;
use crate::pureservice::wire::Communication;
use crate::pureservice::Client;
use sha2::{Digest, Sha256};

pub struct PureserviceNoteNotifier {
    client: Client,
}

impl PureserviceNoteNotifier {
    /// Uses the daemon's Pureservice client (so notes share its rate limiter and its record
    /// of own writes, which keeps the sync from mistaking notes for agent updates).
    pub fn new(client: Client) -> Self {
        PureserviceNoteNotifier { client }
    }
}

/// `slavakt-ref:` + 16 hex digits of SHA-256 of the delivery key.
pub fn reference(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("slavakt-ref:{hex}")
}

/// The note's HTML: the message's HTML (or its text, escaped) and the reference footer.
pub fn note_html(d: &Delivery) -> String {
    let body = if d.message.html.trim().is_empty() {
        let escaped = d
            .message
            .text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!("<p>{}</p>", escaped.replace('\n', "<br>"))
    } else {
        d.message.html.clone()
    };
    format!(
        "{body}<p style=\"color:#888888;font-size:small\">{}</p>",
        reference(&d.key)
    )
}

/// Failure class of a client error for the outbox.
pub fn classify(e: &PsError) -> NotifyError {
    match e {
        PsError::Status {
            status: 401 | 403, ..
        } => NotifyError::Config(e.to_string()),
        PsError::Status {
            status: 429 | 500..=599,
            retry_after,
            ..
        } => NotifyError::Retryable {
            message: e.to_string(),
            retry_after: *retry_after,
        },
        PsError::Status { .. } => NotifyError::Permanent(e.to_string()),
        // The reference check makes a retry safe even if the note did land.
        PsError::Transport { .. } | PsError::Malformed { .. } => NotifyError::Retryable {
            message: e.to_string(),
            retry_after: None,
        },
        PsError::Invalid(_) => NotifyError::Config(e.to_string()),
    }
}

impl PureserviceNoteNotifier {
    async fn existing(&self, ticket: u64, reference: &str) -> Option<Communication> {
        let q = ListQuery {
            filter: Some(format!(
                "ticketId == {ticket} AND text.Contains(\"{reference}\")"
            )),
            limit: Some(1),
            ..Default::default()
        };
        match self
            .client
            .list::<Communication>("communication/", "communications", &q)
            .await
        {
            Ok(env) => env.items.into_iter().next(),
            Err(e) => {
                tracing::info!(ticket, error = %e, "could not check for an earlier note; sending");
                None
            }
        }
    }

    async fn deliver(&self, d: &Delivery) -> Result<Receipt, NotifyError> {
        let reference = reference(&d.key);
        if let Some(c) = self.existing(d.ticket, &reference).await {
            return Ok(Receipt {
                remote_id: Some(c.id.to_string()),
                detail: format!("note {} already on ticket {}", c.id, d.ticket),
            });
        }
        let html = note_html(d);
        let c = self
            .client
            .post_note(d.ticket, &d.message.subject, &html)
            .await
            .map_err(|e| classify(&e))?;
        Ok(Receipt {
            remote_id: Some(c.id.to_string()),
            detail: format!("note {} added to ticket {}", c.id, d.ticket),
        })
    }
}

impl Notifier for PureserviceNoteNotifier {
    fn name(&self) -> &str {
        "pureservice_note"
    }

    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}
