//! SharePoint news post via Graph: create a page with `promotionKind: "newsPost"` (201, page
//! id), then publish it (204). Later deliveries about the same incident (the thread's first id is
//! the page id) update that page (`PATCH …/pages/{id}/microsoft.graph.sitePage`) and publish
//! again, so readers see one news item per incident.
//!
//! If the page was created but publishing failed, a retry from this process publishes the same
//! page instead of creating a second one (created pages are remembered by delivery key).

use super::page_html;
use crate::notify::graph::{call, seg, url};
use crate::notify::graph_auth::GraphToken;
use crate::notify::http::HttpClient;
use crate::notify::{Delivery, Notifier, NotifyError, Receipt, SendFuture};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The page's file name: stable per delivery (`slavakt-<ticket>-<hash>.aspx`).
pub fn page_name(delivery: &Delivery) -> String {
    let h = Sha256::digest(delivery.key.as_bytes());
    let hex: String = h.iter().take(5).map(|b| format!("{b:02x}")).collect();
    format!("slavakt-{}-{hex}.aspx", delivery.ticket)
}

fn canvas(delivery: &Delivery) -> Value {
    json!({
        "horizontalSections": [{
            "layout": "oneColumn",
            "id": "1",
            "emphasis": "none",
            "columns": [{
                "id": "1",
                "width": 12,
                "webparts": [{
                    "@odata.type": "#microsoft.graph.textWebPart",
                    "innerHtml": page_html(&delivery.message)
                }]
            }]
        }]
    })
}

/// Body of the create request (pure).
pub fn create_body(delivery: &Delivery) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.sitePage",
        "name": page_name(delivery),
        "title": delivery.message.subject,
        "pageLayout": "article",
        "promotionKind": "newsPost",
        "showComments": false,
        "showRecommendedPages": false,
        "canvasLayout": canvas(delivery)
    })
}

/// Body of the update request (pure).
pub fn update_body(delivery: &Delivery) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.sitePage",
        "title": delivery.message.subject,
        "canvasLayout": canvas(delivery)
    })
}

pub struct NewsNotifier {
    graph_url: String,
    site: String,
    token: Arc<GraphToken>,
    http: HttpClient,
    unpublished: Mutex<BTreeMap<String, String>>,
}

impl NewsNotifier {
    pub fn new(
        graph_url: &str,
        site: &str,
        token: Arc<GraphToken>,
        http: HttpClient,
    ) -> Result<Self, NotifyError> {
        if url::Url::parse(graph_url).is_err() || site.trim().is_empty() {
            return Err(NotifyError::Config(
                "channels.intranet: sharepoint_news needs a valid graph_url and site_id".into(),
            ));
        }
        Ok(NewsNotifier {
            graph_url: graph_url.to_string(),
            site: site.to_string(),
            token,
            http,
            unpublished: Mutex::new(BTreeMap::new()),
        })
    }

    fn pages(&self) -> String {
        url(&self.graph_url, &format!("sites/{}/pages", seg(&self.site)))
    }

    async fn deliver(&self, d: &Delivery) -> Result<Receipt, NotifyError> {
        let existing = d
            .thread
            .previous
            .first()
            .filter(|p| !p.trim().is_empty())
            .cloned();
        let pending = self
            .unpublished
            .lock()
            .map(|m| m.get(&d.key).cloned())
            .unwrap_or(None);
        let (id, action) = match (existing, pending) {
            (_, Some(id)) => (id, "published"),
            (Some(id), None) => {
                let target = format!("{}/{}/microsoft.graph.sitePage", self.pages(), seg(&id));
                call(
                    &self.http,
                    &self.token,
                    Method::PATCH,
                    &target,
                    Some(&update_body(d)),
                    "SharePoint news page update",
                )
                .await?;
                (id, "updated and published")
            }
            (None, None) => {
                let reply = call(
                    &self.http,
                    &self.token,
                    Method::POST,
                    &self.pages(),
                    Some(&create_body(d)),
                    "SharePoint news page create",
                )
                .await?;
                let id = reply
                    .json()
                    .get("id")
                    .and_then(|i| i.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| {
                        NotifyError::Permanent(format!(
                            "SharePoint news page create: HTTP {} without a page id",
                            reply.status
                        ))
                    })?;
                if let Ok(mut m) = self.unpublished.lock() {
                    m.insert(d.key.clone(), id.clone());
                }
                (id, "created and published")
            }
        };
        let publish = format!(
            "{}/{}/microsoft.graph.sitePage/publish",
            self.pages(),
            seg(&id)
        );
        let reply = call(
            &self.http,
            &self.token,
            Method::POST,
            &publish,
            None,
            "SharePoint news page publish",
        )
        .await?;
        if let Ok(mut m) = self.unpublished.lock() {
            m.remove(&d.key);
        }
        Ok(Receipt {
            remote_id: Some(id),
            detail: format!("page {action} (HTTP {})", reply.status),
        })
    }
}

impl Notifier for NewsNotifier {
    fn name(&self) -> &str {
        "intranet"
    }
    fn send<'a>(&'a self, delivery: &'a Delivery) -> SendFuture<'a> {
        Box::pin(self.deliver(delivery))
    }
}
