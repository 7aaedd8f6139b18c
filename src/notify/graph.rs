//! Graph API calls for the Teams and SharePoint channels: bearer token from a [`GraphToken`],
//! and on a 401 one fresh token and one more try; a second 401 is a configuration problem.

use super::graph_auth::GraphToken;
use super::http::{HttpClient, Reply};
use super::NotifyError;
use crate::secret::Secret;
use reqwest::Method;
use serde_json::Value;

pub async fn call(
    http: &HttpClient,
    token: &GraphToken,
    method: Method,
    url: &str,
    body: Option<&Value>,
    what: &str,
) -> Result<Reply, NotifyError> {
    let mut refreshed = false;
    loop {
        let access = token.get().await?;
        let mut secrets = token.static_secrets();
        secrets.push(access.clone());
        let refs: Vec<&Secret> = secrets.iter().collect();
        let mut req = http
            .client()
            .request(method.clone(), url)
            .bearer_auth(access.expose());
        if let Some(b) = body {
            req = req.json(b);
        }
        let answer = http.exchange(req, what, &refs).await?;
        if answer.status == 401 && !refreshed {
            // The cached token may have been revoked or expired early: fetch anew once.
            token.invalidate().await;
            refreshed = true;
            continue;
        }
        return answer.into_result(what, &refs);
    }
}

/// `{graph_url}/{path}` without doubled slashes.
pub fn url(graph_url: &str, path: &str) -> String {
    format!(
        "{}/{}",
        graph_url.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// A Graph id as a URL path segment (ids may contain `:` or `,`; keep those, escape the rest).
pub fn seg(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric()
                || matches!(c, '-' | '_' | '.' | ',' | ':' | '@' | '!' | '=' | '~')
            {
                c.to_string()
            } else {
                let mut b = [0u8; 4];
                c.encode_utf8(&mut b)
                    .bytes()
                    .map(|x| format!("%{x:02X}"))
                    .collect()
            }
        })
        .collect()
}
