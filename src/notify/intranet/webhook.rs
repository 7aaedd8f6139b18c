//! Generic intranet webhook: POST the message and its ticket as JSON. The URL is treated as a
//! secret (it often embeds a token). A 2xx answer whose JSON reports a failure (`success:false`,
//! `ok:false`, `status:"failed"|"error"`, a non-empty `error`/`errors`) is a failure.

use crate::notify::failure::{body_reports_failure, clean, generic_id};
use crate::notify::http::{host_of, url_secrets, HttpClient};
use crate::notify::{Delivery, Notifier, NotifyError, Receipt, SendFuture};
use crate::secret::Secret;
use serde_json::{json, Value};

/// The JSON posted (pure).
pub fn body(d: &Delivery) -> Value {
    json!({
        "source": "slavakt",
        "key": d.key,
        "ticket": d.ticket,
        "subject": d.message.subject,
        "text": d.message.text,
        "html": d.message.html,
        "important": d.message.important,
        "level": d.message.level,
        "thread": d.thread.previous,
    })
}

pub struct WebhookNotifier {
    url: Secret,
    secrets: Vec<Secret>,
    http: HttpClient,
}

impl WebhookNotifier {
    pub fn new(url: &Secret, http: HttpClient) -> Result<Self, NotifyError> {
        if url::Url::parse(url.expose()).is_err() {
            return Err(NotifyError::Config(
                "channels.intranet.url is not a valid URL (value not shown)".into(),
            ));
        }
        Ok(WebhookNotifier {
            url: url.clone(),
            secrets: url_secrets(url),
            http,
        })
    }

    async fn deliver(&self, d: &Delivery) -> Result<Receipt, NotifyError> {
        let what = format!(
            "intranet webhook at {} (URL redacted)",
            host_of(self.url.expose())
        );
        let refs: Vec<&Secret> = self.secrets.iter().collect();
        let req = self.http.client().post(self.url.expose()).json(&body(d));
        let reply = self.http.send(req, &what, &refs).await?;
        let v = reply.json();
        if body_reports_failure(&v) {
            return Err(NotifyError::Permanent(format!(
                "{what}: HTTP {} but the answer reports a failure: {}",
                reply.status,
                clean(&reply.body, &refs)
            )));
        }
        Ok(Receipt {
            remote_id: generic_id(&v),
            detail: format!("HTTP {}", reply.status),
        })
    }
}

impl Notifier for WebhookNotifier {
    fn name(&self) -> &str {
        "intranet"
    }
    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}
