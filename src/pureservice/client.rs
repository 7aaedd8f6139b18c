//! The Pureservice HTTP client (reqwest + rustls).
//!
//! Every request goes to `base_url + api_prefix + path`, carries `Accept:
//! application/vnd.api+json` and the key in the configured header (`X-Authorization-Key` or
//! `Authorization: Bearer`), passes the client-side [`RateLimiter`], and is retried per
//! [`RetryPolicy`] on 429, 502/503/504, timeouts and connection errors. A POST is retried only
//! when the server provably did not process it (429, or the connection was never made).
//! Redirects are never followed: the key would go with them to wherever `Location` points, and
//! another host's answer is not Pureservice's. A 3xx is an error naming the `Location`. Every
//! answer body is read up to `max_response_bytes` and every paged reference read stops at
//! `max_pages` (clear errors, not unbounded memory).
//! Successful writes are remembered as [`OwnWrite`]s so the sync can tell the daemon's own
//! changes from an agent's. Every failed request — each attempt, retries included, and an
//! answer that cannot be decoded — is reported to [`ClientOptions::on_error`], which the
//! daemon uses for `slavakt_api_errors_total` (one per failed request, not per failed poll).

use super::error::{excerpt, PsError, TransportKind};
use super::filter::ListQuery;
use super::limiter::RateLimiter;
use super::retry::{parse_retry_after, RetryPolicy};
use super::wire::{self, Communication, Entity, Envelope, NewCommunication, Ticket};
use crate::clock::{Clock, SystemClock};
use crate::config::{AuthMode, PureserviceConfig};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const JSON_API: &str = "application/vnd.api+json";

/// A write the daemon made, as the server dated it (response body, else its `Date` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OwnWrite {
    pub ticket: u64,
    pub at: Option<DateTime<Utc>>,
}

/// Told about every failed request (see the module header).
pub type ErrorHook = Arc<dyn Fn(&PsError) + Send + Sync>;

/// Knobs that are not in the config file (tests shorten the retry timings).
#[derive(Clone)]
pub struct ClientOptions {
    pub retry: RetryPolicy,
    /// Reference for an HTTP-date `Retry-After` when the response has no `Date` header.
    pub clock: Arc<dyn Clock>,
    /// Sliding window of the rate limiter (one minute in production).
    pub rate_window: Duration,
    /// Called once per failed request (the daemon counts them by kind).
    pub on_error: Option<ErrorHook>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            retry: RetryPolicy::default(),
            clock: Arc::new(SystemClock),
            rate_window: Duration::from_secs(60),
            on_error: None,
        }
    }
}

#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// `base_url` + prefix, always ending in `/`.
    base: url::Url,
    key: Secret,
    auth: AuthMode,
    limiter: RateLimiter,
    retry: RetryPolicy,
    clock: Arc<dyn Clock>,
    max_body: u64,
    max_pages: u32,
    /// `[pureservice] page_size`: also the page of reference-data reads, so that a tenant
    /// whose cap is below 500 (set there, as `slavakt probe` advises) is paged correctly.
    page_size: u32,
    own_writes: Mutex<Vec<OwnWrite>>,
    sent: AtomicU64,
    on_error: Option<ErrorHook>,
    /// Body bytes received (every answer, errors included).
    received: AtomicU64,
    rate: Mutex<RateSeen>,
}

/// What the tenant said about its rate limit so far (for `slavakt probe`): the last values of
/// any rate-limit headers, and the 429s met with their `Retry-After`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RateSeen {
    /// `X-RateLimit-*`, `RateLimit-*`, `X-Rate-Limit-*` headers, lower-cased, last value seen.
    pub headers: std::collections::BTreeMap<String, String>,
    /// Answers with status 429.
    pub throttled: u32,
    /// The last 429's `Retry-After`, as sent.
    pub retry_after: Option<String>,
}

impl RateSeen {
    fn note(&mut self, status: u16, headers: &HeaderMap) {
        for (name, value) in headers {
            let n = name.as_str();
            if n.starts_with("x-ratelimit")
                || n.starts_with("ratelimit")
                || n.starts_with("x-rate-limit")
            {
                if let Ok(v) = value.to_str() {
                    self.headers
                        .insert(n.to_string(), v.chars().take(80).collect());
                }
            }
        }
        if status == 429 {
            self.throttled = self.throttled.saturating_add(1);
            self.retry_after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.chars().take(80).collect());
        }
    }
}

/// One raw answer.
struct Answer {
    headers: HeaderMap,
    body: Vec<u8>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(cfg: &PureserviceConfig) -> Result<Client, PsError> {
        Self::with_options(cfg, ClientOptions::default())
    }

    pub fn with_options(cfg: &PureserviceConfig, opts: ClientOptions) -> Result<Client, PsError> {
        let base = api_base(&cfg.base_url, &cfg.api_prefix)?;
        let timeout = cfg
            .timeout
            .to_std()
            .ok()
            .filter(|d| !d.is_zero())
            .unwrap_or(Duration::from_secs(30));
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("slavakt/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| PsError::Invalid(format!("cannot build HTTP client: {e}")))?;
        if HeaderValue::from_str(cfg.api_key.expose()).is_err() {
            return Err(PsError::Invalid(
                "the API key contains characters not allowed in an HTTP header".into(),
            ));
        }
        let max = if cfg.max_requests_per_minute == 0 {
            90
        } else {
            cfg.max_requests_per_minute
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                key: cfg.api_key.clone(),
                auth: cfg.auth,
                limiter: RateLimiter::new(max, opts.rate_window),
                retry: opts.retry,
                clock: opts.clock,
                max_body: cfg.max_response_bytes.max(1),
                max_pages: cfg.max_pages.max(1),
                page_size: cfg.page_size.clamp(1, super::MAX_PAGE_SIZE),
                own_writes: Mutex::new(Vec::new()),
                sent: AtomicU64::new(0),
                on_error: opts.on_error,
                received: AtomicU64::new(0),
                rate: Mutex::new(RateSeen::default()),
            }),
        })
    }

    /// HTTP requests actually sent (attempts, retries included) since the client was built.
    pub fn requests_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::Relaxed)
    }

    /// Answer body bytes received since the client was built.
    pub fn bytes_received(&self) -> u64 {
        self.inner.received.load(Ordering::Relaxed)
    }

    /// What the tenant said about its rate limit so far.
    pub fn rate_seen(&self) -> RateSeen {
        self.inner
            .rate
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The API base this client talks to (`https://tenant.pureservice.com/agent/api/`).
    pub fn base(&self) -> &url::Url {
        &self.inner.base
    }

    /// `GET /<path>` with a list query, decoded from the envelope under `key`.
    pub async fn list<T: Entity>(
        &self,
        path: &str,
        key: &str,
        query: &ListQuery,
    ) -> Result<Envelope<T>, PsError> {
        self.list_or_absent(path, key, query, false).await
    }

    /// [`Client::list`]; with `absent_ok` a 404 is an answer ("no such entity"), not a failed
    /// request, and is not reported to `on_error`.
    async fn list_or_absent<T: Entity>(
        &self,
        path: &str,
        key: &str,
        query: &ListQuery,
        absent_ok: bool,
    ) -> Result<Envelope<T>, PsError> {
        let q = query.to_query_string();
        let answer = self
            .send_inner(
                Method::GET,
                path,
                (!q.is_empty()).then_some(q),
                None,
                absent_ok,
            )
            .await?;
        wire::decode(&answer.body, key).map_err(|m| self.malformed("GET", path, m))
    }

    /// Every entity of a resource matching `filter`, paging by `start`/`limit` (`page_size`,
    /// at most 500) until a short page (for reference data; tickets use the sync's paging).
    pub async fn list_all<T: Entity>(
        &self,
        path: &str,
        key: &str,
        filter: Option<String>,
        include: &[&str],
    ) -> Result<Envelope<T>, PsError> {
        let mut out = Envelope {
            items: Vec::new(),
            linked: wire::Linked::default(),
        };
        let limit = self.inner.page_size;
        let mut start = 0u32;
        for _ in 0..self.inner.max_pages {
            let q = ListQuery {
                filter: filter.clone(),
                sort: Some("id asc".into()),
                include: include.iter().map(|s| s.to_string()).collect(),
                start: Some(start),
                limit: Some(limit),
            };
            let page: Envelope<T> = self.list(path, key, &q).await?;
            let n = page.items.len() as u32;
            out.items.extend(page.items);
            merge_linked(&mut out.linked, page.linked);
            if n < limit {
                return Ok(out);
            }
            start = start.saturating_add(n);
        }
        Err(self.malformed(
            "GET",
            path,
            format!(
                "still full pages after {} pages of {limit}; raise [pureservice] max_pages if \
                 the table is really that large",
                self.inner.max_pages
            ),
        ))
    }

    /// `GET /ticket/` with the given query.
    pub async fn tickets(&self, query: &ListQuery) -> Result<Envelope<Ticket>, PsError> {
        self.list("ticket/", "tickets", query).await
    }

    /// `GET /ticket/{id}/` (an array of one; `None` when empty).
    pub async fn ticket(&self, id: u64, include: &[&str]) -> Result<Option<Ticket>, PsError> {
        let q = ListQuery {
            include: include.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        match self
            .list_or_absent(&format!("ticket/{id}/"), "tickets", &q, true)
            .await
        {
            Ok(env) => Ok(env.items.into_iter().next()),
            // An unknown id may come back as 404 or as an empty array: both mean "none".
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /ticket/{requestNumber}/requestNumber/`.
    pub async fn ticket_by_number(&self, number: u64) -> Result<Option<Ticket>, PsError> {
        let path = format!("ticket/{number}/requestNumber/");
        match self
            .list_or_absent(&path, "tickets", &ListQuery::default(), true)
            .await
        {
            Ok(env) => Ok(env.items.into_iter().next()),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /ticket/count/?filter=…` → `{"count": N}`.
    pub async fn count_tickets(&self, filter: &str) -> Result<u64, PsError> {
        let q = ListQuery {
            filter: Some(filter.to_string()),
            ..Default::default()
        };
        let path = "ticket/count/";
        let answer = self
            .send(Method::GET, path, Some(q.to_query_string()), None)
            .await?;
        let v: Value = serde_json::from_slice(&answer.body)
            .map_err(|e| self.malformed("GET", path, format!("not JSON: {e}")))?;
        v.get("count")
            .and_then(|c| c.as_u64().or_else(|| c.as_str()?.parse().ok()))
            .ok_or_else(|| self.malformed("GET", path, "no \"count\" number".into()))
    }

    /// Adds an internal note (`type` 1, `direction` 3) to a ticket: `POST /communication/`.
    pub async fn post_note(
        &self,
        ticket_id: u64,
        subject: &str,
        html: &str,
    ) -> Result<Communication, PsError> {
        let body = NewCommunication::internal_note(ticket_id, subject, html).envelope();
        let bytes = serde_json::to_vec(&body).map_err(|e| PsError::Invalid(e.to_string()))?;
        let path = "communication/";
        let answer = self
            .send(Method::POST, path, None, Some((JSON_API, bytes)))
            .await?;
        let env: Envelope<Communication> = wire::decode(&answer.body, "communications")
            .map_err(|m| self.malformed("POST", path, m))?;
        let created = env
            .items
            .into_iter()
            .next()
            .ok_or_else(|| self.malformed("POST", path, "no communication returned".into()))?;
        let at = created
            .modified
            .or(created.created)
            .or_else(|| date_header(&answer.headers));
        self.remember(ticket_id, at);
        Ok(created)
    }

    /// `PATCH /ticket/{id}/` with a flat body of only the changed fields (plain JSON).
    pub async fn patch_ticket(&self, id: u64, fields: &Map<String, Value>) -> Result<(), PsError> {
        let bytes = serde_json::to_vec(fields).map_err(|e| PsError::Invalid(e.to_string()))?;
        let path = format!("ticket/{id}/");
        let answer = self
            .send(
                Method::PATCH,
                &path,
                None,
                Some(("application/json", bytes)),
            )
            .await?;
        // The answer may be empty (204) or the ticket; its `modified` dates our write best.
        let at = wire::decode::<Ticket>(&answer.body, "tickets")
            .ok()
            .and_then(|e| e.items.into_iter().next())
            .and_then(|t| t.modified)
            .or_else(|| date_header(&answer.headers));
        self.remember(id, at);
        Ok(())
    }

    /// The writes made since the last call (the sync drains them every cycle).
    pub fn take_own_writes(&self) -> Vec<OwnWrite> {
        std::mem::take(&mut *self.inner.own_writes.lock().expect("own writes lock"))
    }

    fn remember(&self, ticket: u64, at: Option<DateTime<Utc>>) {
        self.inner
            .own_writes
            .lock()
            .expect("own writes lock")
            .push(OwnWrite { ticket, at });
    }

    fn malformed(&self, method: &str, path: &str, message: String) -> PsError {
        let e = PsError::Malformed {
            method: method.into(),
            path: self.path_of(path),
            message: crate::secret::scrub(&message, &[&self.inner.key]),
        };
        self.failed(&e);
        e
    }

    /// Reports one failed request to `on_error`; the sync calls it for an answer it cannot use.
    pub fn failed(&self, e: &PsError) {
        if let Some(hook) = &self.inner.on_error {
            hook(e);
        }
    }

    fn path_of(&self, rel: &str) -> String {
        format!("{}{}", self.inner.base.path(), rel.trim_start_matches('/'))
    }

    /// Sends one logical request with limiter and retries.
    async fn send(
        &self,
        method: Method,
        path: &str,
        query: Option<String>,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<Answer, PsError> {
        self.send_inner(method, path, query, body, false).await
    }

    /// [`Client::send`]; every failed attempt is reported to `on_error` (a 404 not, with
    /// `absent_ok`).
    async fn send_inner(
        &self,
        method: Method,
        path: &str,
        query: Option<String>,
        body: Option<(&'static str, Vec<u8>)>,
        absent_ok: bool,
    ) -> Result<Answer, PsError> {
        let inner = &*self.inner;
        let mut url = inner
            .base
            .join(path.trim_start_matches('/'))
            .map_err(|e| PsError::Invalid(format!("bad path {path:?}: {e}")))?;
        url.set_query(query.as_deref());
        let full_path = url.path().to_string();
        let is_post = method == Method::POST;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            inner.limiter.acquire().await;
            let mut rb = inner
                .http
                .request(method.clone(), url.clone())
                .header(ACCEPT, JSON_API);
            rb = match inner.auth {
                AuthMode::XAuthorizationKey => {
                    rb.header("X-Authorization-Key", sensitive(inner.key.expose()))
                }
                AuthMode::Bearer => rb.header(
                    AUTHORIZATION,
                    sensitive(&format!("Bearer {}", inner.key.expose())),
                ),
            };
            if let Some((ct, bytes)) = &body {
                rb = rb.header(CONTENT_TYPE, *ct).body(bytes.clone());
            }
            inner.sent.fetch_add(1, Ordering::Relaxed);
            let last = attempt >= inner.retry.max_attempts.max(1);
            let err = match rb.send().await {
                Ok(resp) if resp.status().is_redirection() => {
                    // Not retryable: the configuration points at the wrong address.
                    let err = self.redirected(&method, &full_path, &resp);
                    tracing::warn!(method = %method, path = %full_path, error = %err, "pureservice request redirected");
                    self.failed(&err);
                    return Err(err);
                }
                Ok(resp) => {
                    let status = resp.status();
                    let headers = resp.headers().clone();
                    if let Ok(mut r) = inner.rate.lock() {
                        r.note(status.as_u16(), &headers);
                    }
                    let read = read_capped(resp, inner.max_body).await;
                    if let Ok(b) = &read {
                        inner.received.fetch_add(b.len() as u64, Ordering::Relaxed);
                    }
                    match read {
                        Err(Capped::TooLarge) => {
                            let err = PsError::Malformed {
                                method: method.to_string(),
                                path: full_path.clone(),
                                message: format!(
                                    "answer larger than {} bytes; raise [pureservice] \
                                     max_response_bytes or lower page_size if it is genuine",
                                    inner.max_body
                                ),
                            };
                            self.failed(&err);
                            return Err(err);
                        }
                        Err(Capped::Transport(e)) => transport(&method, &full_path, e, &inner.key),
                        Ok(b) if status.is_success() => {
                            tracing::debug!(method = %method, path = %full_path, status = status.as_u16(), "pureservice request");
                            return Ok(Answer { headers, body: b });
                        }
                        Ok(b) => {
                            let retry_after = headers
                                .get(reqwest::header::RETRY_AFTER)
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| {
                                    parse_retry_after(
                                        v,
                                        headers
                                            .get(reqwest::header::DATE)
                                            .and_then(|d| d.to_str().ok()),
                                        inner.clock.now(),
                                    )
                                });
                            PsError::Status {
                                method: method.to_string(),
                                path: full_path.clone(),
                                status: status.as_u16(),
                                excerpt: excerpt(&b, &[&inner.key]),
                                retry_after,
                            }
                        }
                    }
                }
                Err(e) => transport(&method, &full_path, e, &inner.key),
            };
            if !(absent_ok && err.status() == Some(404)) {
                self.failed(&err);
            }
            let retryable = match &err {
                PsError::Status { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => true,
                PsError::Transport {
                    kind: TransportKind::Connect,
                    ..
                } => true,
                e => e.is_transient() && !is_post,
            };
            if !retryable || last {
                tracing::warn!(method = %method, path = %full_path, attempt, error = %err, "pureservice request failed");
                return Err(err);
            }
            let wait = match &err {
                PsError::Status {
                    retry_after: Some(ra),
                    ..
                } => inner.retry.after(*ra),
                _ => inner.retry.backoff(attempt),
            };
            tracing::info!(method = %method, path = %full_path, attempt, wait_ms = wait.as_millis() as u64, error = %err, "pureservice request will be retried");
            tokio::time::sleep(wait).await;
        }
    }
}

impl Client {
    /// The error for a 3xx answer: where it pointed (scrubbed) and what to change.
    fn redirected(&self, method: &Method, path: &str, resp: &reqwest::Response) -> PsError {
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|l| String::from_utf8_lossy(l.as_bytes()).into_owned())
            .unwrap_or_else(|| "(no Location)".into());
        let location = excerpt(location.as_bytes(), &[&self.inner.key]);
        PsError::Status {
            method: method.to_string(),
            path: path.to_string(),
            status: resp.status().as_u16(),
            excerpt: format!(
                "redirect to {location} not followed (the API key must not go to another \
                 address); set [pureservice] base_url/api_prefix to the address Pureservice \
                 really answers on"
            ),
            retry_after: None,
        }
    }
}

enum Capped {
    TooLarge,
    Transport(reqwest::Error),
}

/// Reads a body in chunks, refusing one longer than `max` bytes before it is all in memory.
async fn read_capped(mut resp: reqwest::Response, max: u64) -> Result<Vec<u8>, Capped> {
    if resp.content_length().is_some_and(|n| n > max) {
        return Err(Capped::TooLarge);
    }
    let mut buf = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(Capped::Transport)? {
        if (buf.len() + chunk.len()) as u64 > max {
            return Err(Capped::TooLarge);
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// `base_url` + `api_prefix`, normalised to end in exactly one `/`.
pub fn api_base(base_url: &url::Url, prefix: &str) -> Result<url::Url, PsError> {
    let mut base = base_url.clone();
    base.set_query(None);
    base.set_fragment(None);
    let mut path = base.path().trim_end_matches('/').to_string();
    let p = prefix.trim().trim_matches('/');
    if !p.is_empty() {
        path.push('/');
        path.push_str(p);
    }
    path.push('/');
    base.set_path(&path);
    if base.cannot_be_a_base() {
        return Err(PsError::Invalid(format!(
            "base_url {:?} cannot carry a path",
            base_url.as_str()
        )));
    }
    Ok(base)
}

fn sensitive(v: &str) -> HeaderValue {
    // Validated in `with_options`; a header value marked sensitive is never printed by hyper.
    let mut h = HeaderValue::from_str(v).unwrap_or_else(|_| HeaderValue::from_static(""));
    h.set_sensitive(true);
    h
}

fn transport(method: &Method, path: &str, e: reqwest::Error, key: &Secret) -> PsError {
    let kind = if e.is_timeout() {
        TransportKind::Timeout
    } else if e.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Other
    };
    // Describe the error chain without the URL (`without_url`), then scrub to be sure.
    let e = e.without_url();
    let mut message = e.to_string();
    let mut src = std::error::Error::source(&e);
    while let Some(s) = src {
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
    }
    let message = crate::secret::scrub(&message, &[key]);
    PsError::Transport {
        method: method.to_string(),
        path: path.to_string(),
        kind,
        message,
    }
}

fn date_header(h: &HeaderMap) -> Option<DateTime<Utc>> {
    let v = h.get(reqwest::header::DATE)?.to_str().ok()?;
    httpdate::parse_http_date(v).ok().map(DateTime::<Utc>::from)
}

/// Adds `from`'s linked entities to `into` (duplicates are harmless: caches key by id).
pub fn merge_linked(into: &mut wire::Linked, from: wire::Linked) {
    into.users.extend(from.users);
    into.companies.extend(from.companies);
    into.statuses.extend(from.statuses);
    into.priorities.extend(from.priorities);
    into.categories.extend(from.categories);
    into.teams.extend(from.teams);
    into.emailaddresses.extend(from.emailaddresses);
    into.phonenumbers.extend(from.phonenumbers);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_and_prefix() {
        let u = url::Url::parse("https://t.pureservice.example").unwrap();
        assert_eq!(
            api_base(&u, "/agent/api").unwrap().as_str(),
            "https://t.pureservice.example/agent/api/"
        );
        assert_eq!(
            api_base(&u, "api/").unwrap().as_str(),
            "https://t.pureservice.example/api/"
        );
        let u = url::Url::parse("http://127.0.0.1:9/x/").unwrap();
        assert_eq!(api_base(&u, "").unwrap().as_str(), "http://127.0.0.1:9/x/");
    }
}
