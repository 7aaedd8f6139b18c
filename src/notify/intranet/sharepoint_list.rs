//! SharePoint list item via Graph: one item per incident, created with
//! `POST …/lists/{list}/items` and updated in place with `PATCH …/items/{id}/fields` when the
//! thread already has the item id. The list needs the columns `Title` (built in), `Message`
//! (multiple lines of text), `Level` (single line of text), `Important` (yes/no) and `TicketId`
//! (number).

use crate::notify::graph::{call, seg, url};
use crate::notify::graph_auth::GraphToken;
use crate::notify::http::HttpClient;
use crate::notify::{Delivery, Notifier, NotifyError, Receipt, SendFuture};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

/// The item's fields (pure).
pub fn fields(d: &Delivery) -> Value {
    json!({
        "Title": d.message.subject,
        "Message": d.message.text,
        "Level": d.message.level,
        "Important": d.message.important,
        "TicketId": d.ticket,
    })
}

pub struct ListNotifier {
    graph_url: String,
    site: String,
    list: String,
    token: Arc<GraphToken>,
    http: HttpClient,
}

impl ListNotifier {
    pub fn new(
        graph_url: &str,
        site: &str,
        list: &str,
        token: Arc<GraphToken>,
        http: HttpClient,
    ) -> Result<Self, NotifyError> {
        if url::Url::parse(graph_url).is_err() || site.trim().is_empty() || list.trim().is_empty() {
            return Err(NotifyError::Config(
                "channels.intranet: sharepoint_list needs a valid graph_url, site_id and list_id"
                    .into(),
            ));
        }
        Ok(ListNotifier {
            graph_url: graph_url.to_string(),
            site: site.to_string(),
            list: list.to_string(),
            token,
            http,
        })
    }

    fn items(&self) -> String {
        url(
            &self.graph_url,
            &format!("sites/{}/lists/{}/items", seg(&self.site), seg(&self.list)),
        )
    }

    async fn deliver(&self, d: &Delivery) -> Result<Receipt, NotifyError> {
        match d.thread.previous.first().filter(|p| !p.trim().is_empty()) {
            Some(id) => {
                let target = format!("{}/{}/fields", self.items(), seg(id));
                let reply = call(
                    &self.http,
                    &self.token,
                    Method::PATCH,
                    &target,
                    Some(&fields(d)),
                    "SharePoint list item update",
                )
                .await?;
                Ok(Receipt {
                    remote_id: Some(id.clone()),
                    detail: format!("item updated (HTTP {})", reply.status),
                })
            }
            None => {
                let reply = call(
                    &self.http,
                    &self.token,
                    Method::POST,
                    &self.items(),
                    Some(&json!({ "fields": fields(d) })),
                    "SharePoint list item create",
                )
                .await?;
                let id = reply
                    .json()
                    .get("id")
                    .and_then(|i| i.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        NotifyError::Permanent(format!(
                            "SharePoint list item create: HTTP {} without an item id",
                            reply.status
                        ))
                    })?;
                Ok(Receipt {
                    remote_id: Some(id),
                    detail: format!("item created (HTTP {})", reply.status),
                })
            }
        }
    }
}

impl Notifier for ListNotifier {
    fn name(&self) -> &str {
        "intranet"
    }
    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}
