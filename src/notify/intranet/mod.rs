//! The intranet channel (`[channels.intranet]`): a SharePoint news page or a SharePoint list
//! item via Graph (app-only token from the client-credentials flow), one per incident and
//! updated in place, or a generic JSON webhook.

pub mod sharepoint_list;
pub mod sharepoint_news;
pub mod webhook;

use crate::clock::Clock;
use crate::config::IntranetChannel;
use crate::notify::graph_auth::{Grant, TokenPool};
use crate::notify::http::HttpClient;
use crate::notify::teams::urgency_label;
use crate::notify::{Message, Notifier, NotifyError};
use std::sync::Arc;
use std::time::Duration;

/// The HTML shown on the intranet: an urgency line for important messages, then the body.
pub fn page_html(m: &Message) -> String {
    match urgency_label(m) {
        Some(label) => format!("<p><strong>⚠ {label}</strong></p>{}", m.html),
        None => m.html.clone(),
    }
}

/// Builds the notifier for `[channels.intranet]`.
pub fn build(
    cfg: &IntranetChannel,
    timeout: Duration,
    clock: Arc<dyn Clock>,
    pool: &mut TokenPool,
) -> Result<Arc<dyn Notifier>, NotifyError> {
    let http = HttpClient::new(timeout, clock)?;
    match cfg {
        IntranetChannel::SharepointNews { auth, site_id } => {
            let token = pool.get(auth, Grant::ClientCredentials, http.clone())?;
            Ok(Arc::new(sharepoint_news::NewsNotifier::new(
                &auth.graph_url,
                site_id,
                token,
                http,
            )?))
        }
        IntranetChannel::SharepointList {
            auth,
            site_id,
            list_id,
        } => {
            let token = pool.get(auth, Grant::ClientCredentials, http.clone())?;
            Ok(Arc::new(sharepoint_list::ListNotifier::new(
                &auth.graph_url,
                site_id,
                list_id,
                token,
                http,
            )?))
        }
        IntranetChannel::Webhook { url } => Ok(Arc::new(webhook::WebhookNotifier::new(url, http)?)),
    }
}
