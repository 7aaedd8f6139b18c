//! Teams via Graph: `POST /teams/{team}/channels/{channel}/messages` with `subject`, HTML body
//! and `importance: "high"` for important messages; later messages about the same incident
//! (the thread's first id is the root post) go to `…/messages/{root}/replies`. Needs a delegated
//! token (a service account's refresh token): app-only tokens cannot post channel messages.

use super::urgency_label;
use crate::notify::graph::{call, seg, url};
use crate::notify::graph_auth::GraphToken;
use crate::notify::http::HttpClient;
use crate::notify::{Delivery, Message, Notifier, NotifyError, Receipt, SendFuture};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

/// Where a delivery goes and what it carries (pure). Replies have no subject (Graph refuses it).
pub fn request(graph_url: &str, team: &str, channel: &str, delivery: &Delivery) -> (String, Value) {
    let base = format!("teams/{}/channels/{}/messages", seg(team), seg(channel));
    let root = delivery
        .thread
        .previous
        .first()
        .filter(|r| !r.trim().is_empty());
    let body = message_body(&delivery.message, root.is_none());
    match root {
        Some(root) => (
            url(graph_url, &format!("{base}/{}/replies", seg(root))),
            body,
        ),
        None => (url(graph_url, &base), body),
    }
}

fn message_body(m: &Message, with_subject: bool) -> Value {
    let mut content = String::new();
    if let Some(label) = urgency_label(m) {
        content.push_str(&format!("<p><strong>⚠ {label}</strong></p>"));
    }
    if !with_subject {
        content.push_str(&format!(
            "<p><strong>{}</strong></p>",
            crate::escape::html(&m.subject)
        ));
    }
    content.push_str(&m.html);
    let mut v = json!({
        "importance": if m.important { "high" } else { "normal" },
        "body": { "contentType": "html", "content": content }
    });
    if with_subject {
        v["subject"] = json!(m.subject);
    }
    v
}

pub struct GraphTeamsNotifier {
    name: String,
    graph_url: String,
    team: String,
    channel: String,
    token: Arc<GraphToken>,
    http: HttpClient,
}

impl GraphTeamsNotifier {
    pub fn new(
        name: &str,
        graph_url: &str,
        team: &str,
        channel: &str,
        token: Arc<GraphToken>,
        http: HttpClient,
    ) -> Result<Self, NotifyError> {
        if url::Url::parse(graph_url).is_err() {
            return Err(NotifyError::Config(format!(
                "channels.teams.{name}.graph_url {graph_url:?} is not a valid URL"
            )));
        }
        Ok(GraphTeamsNotifier {
            name: format!("teams:{name}"),
            graph_url: graph_url.to_string(),
            team: team.to_string(),
            channel: channel.to_string(),
            token,
            http,
        })
    }

    async fn deliver(&self, delivery: &Delivery) -> Result<Receipt, NotifyError> {
        let (target, body) = request(&self.graph_url, &self.team, &self.channel, delivery);
        let reply_to_root = !delivery.thread.previous.is_empty();
        let what = format!(
            "{} Graph {}",
            self.name,
            if reply_to_root {
                "reply"
            } else {
                "channel message"
            }
        );
        let reply = call(
            &self.http,
            &self.token,
            Method::POST,
            &target,
            Some(&body),
            &what,
        )
        .await?;
        let id = reply
            .json()
            .get("id")
            .and_then(|i| i.as_str())
            .map(str::to_string);
        if id.is_none() {
            return Err(NotifyError::Permanent(format!(
                "{what}: HTTP {} without a message id",
                reply.status
            )));
        }
        Ok(Receipt {
            remote_id: id,
            detail: format!("HTTP {}", reply.status),
        })
    }
}

impl Notifier for GraphTeamsNotifier {
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
    use crate::notify::Thread;
    use crate::plan::Recipient;

    fn delivery(previous: Vec<String>) -> Delivery {
        Delivery {
            key: "k".into(),
            ticket: 1,
            recipient: Recipient {
                name: "ik_varsling".into(),
                address: "ik_varsling".into(),
            },
            message: Message {
                subject: "Nede <nå>".into(),
                text: "t".into(),
                html: "<p>t</p>".into(),
                short: "s".into(),
                important: true,
                level: "kritisk".into(),
                attachments: Vec::new(),
            },
            thread: Thread { previous },
        }
    }

    #[test]
    fn first_post_has_subject_and_importance() {
        let (u, b) = request(
            "https://g.example/v1.0/",
            "team-1",
            "19:abc@thread.tacv2",
            &delivery(vec![]),
        );
        assert_eq!(
            u,
            "https://g.example/v1.0/teams/team-1/channels/19:abc@thread.tacv2/messages"
        );
        assert_eq!(b["subject"], "Nede <nå>");
        assert_eq!(b["importance"], "high");
        assert_eq!(b["body"]["contentType"], "html");
    }

    #[test]
    fn follow_ups_reply_to_the_root() {
        let (u, b) = request(
            "https://g.example/v1.0",
            "team-1",
            "chan",
            &delivery(vec!["1700000000001".into(), "1700000000002".into()]),
        );
        assert_eq!(
            u,
            "https://g.example/v1.0/teams/team-1/channels/chan/messages/1700000000001/replies"
        );
        assert!(b.get("subject").is_none());
        assert!(b["body"]["content"]
            .as_str()
            .unwrap()
            .contains("<strong>Nede &lt;nå&gt;</strong>"));
    }
}
