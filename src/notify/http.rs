//! The HTTP side shared by the web channels: one reqwest client with the channel's timeout,
//! sending a prepared request and turning the outcome into a [`Reply`] or a classed
//! [`NotifyError`]. Transport errors are described without their URL (a Workflows or webhook
//! URL is itself a secret) and with every secret scrubbed. Redirects are never followed (a
//! password in a body or a token in a header would go along to wherever `Location` points): a
//! 3xx is a configuration error naming the `Location`.

use super::failure::{classify_http, clean};
use super::NotifyError;
use crate::clock::Clock;
use crate::secret::Secret;
use std::sync::Arc;
use std::time::Duration;

/// Cap on how much of an answer body is read: enough for any JSON receipt or error.
const MAX_BODY: usize = 64 * 1024;

/// A successful (2xx) answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: String,
}

impl Reply {
    /// The body as JSON, or `Value::Null` if it is empty or not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

#[derive(Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    clock: Arc<dyn Clock>,
}

impl HttpClient {
    pub fn new(timeout: Duration, clock: Arc<dyn Clock>) -> Result<Self, NotifyError> {
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("slavakt/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| NotifyError::Config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(HttpClient { client, clock })
    }

    /// The underlying client, for building requests.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends `req`; 2xx → [`Reply`], anything else → a classed error naming `what`.
    pub async fn send(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
        secrets: &[&Secret],
    ) -> Result<Reply, NotifyError> {
        self.exchange(req, what, secrets)
            .await?
            .into_result(what, secrets)
    }

    /// Sends `req` and returns whatever status came back; only transport failures are errors.
    pub async fn exchange(
        &self,
        req: reqwest::RequestBuilder,
        what: &str,
        secrets: &[&Secret],
    ) -> Result<Answer, NotifyError> {
        let response = req.send().await.map_err(|e| {
            let e = transport_error(e, what, secrets);
            tracing::debug!(error = %e, "HTTP request failed");
            e
        })?;
        let status = response.status().as_u16();
        tracing::debug!(what, status, "HTTP answer");
        let headers = response.headers();
        let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
        let retry_after = text(reqwest::header::RETRY_AFTER)
            .and_then(|v| super::failure::parse_retry_after(v, self.clock.now()));
        let location = headers
            .get(reqwest::header::LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned());
        let body = read_body(response).await;
        Ok(Answer {
            status,
            body,
            retry_after,
            location,
        })
    }
}

/// Any HTTP answer, before classification.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<Duration>,
    /// `Location` of a 3xx (never followed).
    pub location: Option<String>,
}

impl Answer {
    /// 2xx → [`Reply`], anything else → its class.
    pub fn into_result(self, what: &str, secrets: &[&Secret]) -> Result<Reply, NotifyError> {
        if (200..300).contains(&self.status) {
            Ok(Reply {
                status: self.status,
                body: self.body,
            })
        } else if (300..400).contains(&self.status) {
            let location = clean(self.location.as_deref().unwrap_or("(no Location)"), secrets);
            Err(NotifyError::Config(format!(
                "{what}: HTTP {} redirect to {location} not followed (credentials must not go \
                 to another address); put the address it redirects to in the channel's URL",
                self.status
            )))
        } else {
            Err(classify_http(
                self.status,
                self.retry_after,
                &self.body,
                what,
                secrets,
            ))
        }
    }
}

async fn read_body(mut response: reqwest::Response) -> String {
    let mut buf = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        buf.extend_from_slice(&chunk);
        if buf.len() >= MAX_BODY {
            buf.truncate(MAX_BODY);
            break;
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// A request that never got an HTTP answer. Bad URLs are configuration; timeouts and
/// connection failures are worth a retry.
fn transport_error(e: reqwest::Error, what: &str, secrets: &[&Secret]) -> NotifyError {
    let e = e.without_url();
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        let t = s.to_string();
        if !chain.contains(&t) {
            chain.push_str(": ");
            chain.push_str(&t);
        }
        source = s.source();
    }
    let text = clean(&chain, secrets);
    if e.is_builder() {
        return NotifyError::Config(format!("{what}: invalid request (check the URL): {text}"));
    }
    if e.is_timeout() {
        return NotifyError::Retryable {
            message: format!("{what}: timed out: {text}"),
            retry_after: None,
        };
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("certificate") {
        return NotifyError::Config(format!(
            "{what}: TLS certificate not trusted: {text} (check the URL's host)"
        ));
    }
    NotifyError::Retryable {
        message: format!("{what}: {text}"),
        retry_after: None,
    }
}

/// The parts of a secret URL that must never be printed: the URL itself, its path and query,
/// and each query value (a Workflows `sig=` may be echoed alone).
pub fn url_secrets(url: &Secret) -> Vec<Secret> {
    let mut out = vec![url.clone()];
    if let Ok(parsed) = url::Url::parse(url.expose()) {
        let mut path_query = parsed.path().to_string();
        if path_query.len() > 1 {
            out.push(Secret::new(path_query.clone()));
        }
        if let Some(q) = parsed.query() {
            path_query.push('?');
            path_query.push_str(q);
            out.push(Secret::new(q));
        }
        if path_query.len() > 1 {
            out.push(Secret::new(path_query));
        }
        // Ids in the path (a workflow id, a webhook token) may be echoed on their own.
        for segment in parsed.path().split('/') {
            if segment.len() >= 5 && segment.chars().any(|c| c.is_ascii_digit()) {
                out.push(Secret::new(segment));
            }
        }
        for (_, v) in parsed.query_pairs() {
            if v.len() >= 6 {
                out.push(Secret::new(v.into_owned()));
            }
        }
        if let Some(p) = parsed.password() {
            out.push(Secret::new(p));
        }
    }
    // Longest first, so a whole URL is replaced before its parts.
    out.sort_by_key(|s| std::cmp::Reverse(s.expose().len()));
    out
}

/// `scheme://host` of a URL, safe to print even when the URL is a secret.
pub fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| format!("{}://{h}", u.scheme())))
        .unwrap_or_else(|| "(invalid URL)".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_url_parts_are_all_scrubbed() {
        let url = Secret::new(
            "https://prod-01.westeurope.logic.azure.example/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE-0123456789",
        );
        let secrets = url_secrets(&url);
        let refs: Vec<&Secret> = secrets.iter().collect();
        let echoed = format!(
            "bad {} sig SiGnAtUrE-0123456789 path /workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sig=SiGnAtUrE-0123456789",
            url.expose()
        );
        let c = clean(&echoed, &refs);
        assert!(!c.contains("SiGnAtUrE"), "{c}");
        assert!(!c.contains("abc123"), "{c}");
        assert_eq!(
            host_of(url.expose()),
            "https://prod-01.westeurope.logic.azure.example"
        );
    }
}
