//! Teams via a Workflows (Power Automate) webhook: POST an Adaptive Card; 202 with an empty body
//! means accepted. Workflows cannot mark a post important, so urgency is shown in the card: a
//! full-width red ("attention") banner with the level. The URL carries its own signature and is
//! treated as a secret: errors name only its host. A 2xx whose JSON body reports an error
//! (`error`, `errors`, `success: false`, `status: "failed"`) is a permanent failure.

use super::urgency_label;
use crate::clock::Clock;
use crate::notify::failure::{body_reports_failure, clean};
use crate::notify::http::{host_of, url_secrets, HttpClient};
use crate::notify::{Delivery, Message, Notifier, NotifyError, Receipt, SendFuture};
use crate::secret::Secret;
use serde_json::{json, Value};
use std::sync::Arc;

/// The webhook body: one Adaptive Card attachment (pure).
pub fn card(message: &Message) -> Value {
    let mut body = Vec::new();
    if let Some(label) = urgency_label(message) {
        body.push(json!({
            "type": "Container",
            "style": "attention",
            "bleed": true,
            "items": [{
                "type": "TextBlock",
                "text": format!("⚠ {label}"),
                "weight": "Bolder",
                "size": "Large",
                "color": "Attention",
                "wrap": true
            }]
        }));
    }
    body.push(json!({
        "type": "TextBlock",
        // Ticket text: shown as typed, never as Markdown links or formatting.
        "text": crate::escape::card_text(&message.subject),
        "weight": "Bolder",
        "size": "Medium",
        "wrap": true
    }));
    body.push(json!({
        "type": "TextBlock",
        "text": crate::escape::card_text(&message.text),
        "wrap": true
    }));
    json!({
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": null,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "msteams": { "width": "Full" },
                "body": body
            }
        }]
    })
}

pub struct WorkflowsNotifier {
    name: String,
    url: Secret,
    secrets: Vec<Secret>,
    http: HttpClient,
}

impl WorkflowsNotifier {
    pub fn new(
        name: &str,
        url: &Secret,
        timeout: std::time::Duration,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, NotifyError> {
        if url::Url::parse(url.expose()).is_err() {
            return Err(NotifyError::Config(format!(
                "channels.teams.{name}.url is not a valid URL (value not shown)"
            )));
        }
        Ok(WorkflowsNotifier {
            name: format!("teams:{name}"),
            url: url.clone(),
            secrets: url_secrets(url),
            http: HttpClient::new(timeout, clock)?,
        })
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Receipt, NotifyError> {
        let what = format!(
            "{} Workflows webhook at {} (URL redacted)",
            self.name,
            host_of(self.url.expose())
        );
        let refs: Vec<&Secret> = self.secrets.iter().collect();
        let req = self
            .http
            .client()
            .post(self.url.expose())
            .json(&card(&delivery.message));
        let reply = self.http.send(req, &what, &refs).await?;
        // Workflows answers 202 with an empty body; a JSON answer that reports an error (a
        // flow that rejected the card) is a failure, not a delivery.
        if body_reports_failure(&reply.json()) {
            return Err(NotifyError::Permanent(format!(
                "{what}: HTTP {} but the answer reports a failure: {}",
                reply.status,
                clean(&reply.body, &refs)
            )));
        }
        Ok(Receipt {
            remote_id: None,
            detail: format!("HTTP {}", reply.status),
        })
    }
}

impl Notifier for WorkflowsNotifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(important: bool) -> Message {
        Message {
            subject: "Fagsystem nede".into(),
            text: "Vi jobber med saken.".into(),
            html: "<p>Vi jobber med saken.</p>".into(),
            short: "x".into(),
            important,
            level: "kritisk".into(),
            attachments: Vec::new(),
        }
    }

    #[test]
    fn important_cards_carry_a_red_banner() {
        let c = card(&msg(true));
        let body = &c["attachments"][0]["content"]["body"];
        assert_eq!(body[0]["style"], "attention");
        assert_eq!(body[0]["items"][0]["text"], "⚠ KRITISK");
        assert_eq!(body[1]["text"], "Fagsystem nede");
        let plain = card(&msg(false));
        let body = plain["attachments"][0]["content"]["body"]
            .as_array()
            .unwrap();
        assert_eq!(body.len(), 2);
        assert_eq!(body[0]["text"], "Fagsystem nede");
    }
}
