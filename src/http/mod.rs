//! Health, metrics and the status page on `daemon.http_listen` (loopback by default; `None`
//! disables it). Read-only: nothing here changes the daemon's state. With `daemon.http_token`
//! set, `/` and `/status.json` (names, phone numbers, addresses) require it as a Bearer token or
//! as the Basic password; the config refuses a non-loopback listener without one.
//!
//! The listener cannot be used to stop the daemon: at most `http_max_connections` connections
//! are served at once (further ones wait in the kernel's backlog, using none of the daemon's
//! file descriptors), and the cap is lowered to leave [`FD_RESERVE`] descriptors for the
//! daemon's own work under the process's `RLIMIT_NOFILE`; each connection carries one request
//! (no keep-alive) and is closed after `http_request_timeout`, headers and body included.
//!
//! | Path | Answer |
//! |---|---|
//! | `/healthz` | 200 `ok` if the last poll succeeded within 3 poll intervals and the state is saved; else 503 with a one-line reason |
//! | `/metrics` | Prometheus text format 0.0.4 ([`crate::metrics`]) |
//! | `/` | HTML status page for the service desk ([`page`]; refetches `/status.json` every 30 s) |
//! | `/status.json` | the [`StatusView`] as JSON (503 before the first cycle) |
//! | `/public/`, `/public/status.json`, `/public/feed.atom` | public status feed without personal data, no token ([`public`]; 404 unless `[public] enabled`) |
//! | `/ack/<token>` | acknowledges a call-out (`ack_within` rules): 200, 410 once used, 404 if invalid ([`ack`]) |
//! | `POST /hooks/pureservice` | push hint: starts a cycle at once; 202, 401 without `daemon.hook_token`, 413 over 64 KiB, 404 unless a hook token is set ([`hook`]) |
//!
//! # For the run loop
//!
//! ```ignore
//! // always (even with http_listen off: it is also where the metrics' gauges are refreshed)
//! let metrics = Arc::new(Metrics::new());
//! let shared = HttpShared::new(config.clone(), metrics.clone(), clock.clone());
//! // at start-up, before READY: bind first so a taken port fails loudly, then serve
//! if let Some(addr) = config.daemon.http_listen {
//!     let server = http::bind(addr).await?;          // HttpError::Bind says which address
//!     tokio::spawn(server.run(shared.clone(), cancel.clone()));
//! }
//! shared.publish(&state, now);                       // right after loading the state
//! // in every cycle, as things happen:
//! metrics.poll_ok(now) / metrics.poll_failed();       // API errors: the client's on_error hook
//! metrics.intent_issued(&intent.key.rule);           // per intent recorded in the ledger
//! metrics.delivery_report(&report);                  // per outbox round
//! shared.state_saved(took, bytes);                   // or shared.state_save_failed(&err.to_string())
//! shared.publish(&state, now);                       // page, /status.json, health, state gauges
//! // on SIGHUP with a valid new config:
//! shared.set_config(new_config);
//! ```
//!
//! Handlers read the snapshot under a short read lock; the view is built once per cycle by
//! `publish` (not per request), so a page hit costs a string render, nothing more.

mod ack;
pub mod desk_words;
mod hook;
mod page;
mod public;

pub use ack::Clicked;

use crate::clock::Clock;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::state::State;
use crate::status_view::{self, StatusView};
use axum::extract::State as AxState;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::Router;
use chrono::{DateTime, Utc};
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use tokio_util::sync::CancellationToken;

/// What the HTTP side knows: the latest published view and health facts. Updated by the run
/// loop, read by the handlers.
pub struct HttpShared {
    inner: RwLock<Snapshot>,
    pub metrics: Arc<Metrics>,
    clock: Arc<dyn Clock>,
    /// Acknowledgement links clicked, and which ones are valid (see `ack.rs`).
    acks: std::sync::Mutex<ack::AckInbox>,
    /// Signalled by an accepted push hint; the run loop starts a cycle (one stored permit, so
    /// calls during a cycle coalesce into one more).
    pub hook: tokio::sync::Notify,
}

struct Snapshot {
    config: Arc<Config>,
    view: Option<Arc<StatusView>>,
    last_poll_ok: Option<DateTime<Utc>>,
    last_poll_error: Option<String>,
    save: SaveHealth,
    /// With the PostgreSQL backend: role and generation; a standby's database problem.
    ha: Option<(status_view::HaView, Option<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SaveHealth {
    Unknown,
    Saved,
    Failed(String),
}

impl HttpShared {
    pub fn new(config: Arc<Config>, metrics: Arc<Metrics>, clock: Arc<dyn Clock>) -> Arc<Self> {
        Arc::new(HttpShared {
            inner: RwLock::new(Snapshot {
                config,
                view: None,
                last_poll_ok: None,
                last_poll_error: None,
                save: SaveHealth::Unknown,
                ha: None,
            }),
            metrics,
            clock,
            acks: Default::default(),
            hook: tokio::sync::Notify::new(),
        })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        // A panic elsewhere while writing leaves a complete (old or new) snapshot: keep serving.
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Snapshot> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// After each cycle: rebuilds the status view, takes the poll health from the state and
    /// refreshes the state gauges of the metrics ([`Metrics::set_tracked`]). A state that was
    /// saved before (`saved_at`) counts as saved until a save fails.
    pub fn publish(&self, state: &State, now: DateTime<Utc>) {
        let config = self.read().config.clone();
        let mut view = status_view::build(state, &config, now);
        view.ha = self.read().ha.as_ref().map(|(h, _)| h.clone());
        let view = Arc::new(view);
        self.metrics.set_tracked(state, &config, now);
        self.acks().refresh(&state.ledger, &config);
        let mut g = self.write();
        g.view = Some(view);
        g.last_poll_ok = state.health.last_poll_ok;
        g.last_poll_error = state.health.last_poll_error.clone();
        if g.save == SaveHealth::Unknown && state.saved_at.is_some() {
            g.save = SaveHealth::Saved;
        }
    }

    /// The state file was written.
    pub fn state_saved(&self, took: std::time::Duration, bytes: u64) {
        self.metrics.state_saved(took, bytes);
        self.write().save = SaveHealth::Saved;
    }

    /// Writing the state file failed; `/healthz` answers 503 until a save succeeds.
    pub fn state_save_failed(&self, error: &str) {
        self.metrics.state_save_failed();
        self.write().save = SaveHealth::Failed(error.lines().next().unwrap_or("").to_string());
    }

    /// A reloaded config (language, time zone, poll interval take effect at the next publish).
    pub fn set_config(&self, config: Arc<Config>) {
        self.write().config = config;
    }

    /// With the PostgreSQL backend: this instance's role (shown by `/healthz`, the page and the
    /// metrics), and for a standby the database problem that makes it unready, if any.
    pub fn set_ha(&self, ha: status_view::HaView, problem: Option<String>) {
        self.metrics.ha(ha.role == "leader", ha.generation);
        let mut g = self.write();
        if let Some(v) = g.view.as_mut() {
            Arc::make_mut(v).ha = Some(ha.clone());
        }
        g.ha = Some((ha, problem));
    }

    /// `/healthz`'s answer: `ok`, with the role and generation under the PostgreSQL backend.
    /// A standby is healthy while it reaches the database (it polls nothing).
    pub fn health_text(&self) -> Result<String, String> {
        let ha = self.read().ha.clone();
        match ha {
            None => self.health().map(|()| "ok".into()),
            Some((h, problem)) if h.role == "standby" => match problem {
                None => Ok(format!(
                    "ok standby (generation {}, {})",
                    h.generation, h.instance
                )),
                Some(p) => Err(format!("standby without the database: {p}")),
            },
            Some((h, _)) => self
                .health()
                .map(|()| format!("ok leader (generation {}, {})", h.generation, h.instance))
                .map_err(|e| format!("leader (generation {}): {e}", h.generation)),
        }
    }

    /// `Ok` when healthy, else the one-line reason.
    pub fn health(&self) -> Result<(), String> {
        let now = self.clock.now();
        let g = self.read();
        let limit = g.config.daemon.poll_interval * 3;
        match g.last_poll_ok {
            None => {
                return Err(match &g.last_poll_error {
                    Some(e) => format!("no successful poll yet; last error: {e}"),
                    None => "no successful poll yet".into(),
                })
            }
            Some(at) if now - at > limit => {
                let ago = status_view::human_duration((now - at).num_seconds());
                let mut msg = format!(
                    "last successful poll {ago} ago (limit {})",
                    status_view::human_duration(limit.num_seconds())
                );
                if let Some(e) = &g.last_poll_error {
                    msg.push_str(&format!("; last error: {e}"));
                }
                return Err(msg);
            }
            Some(_) => {}
        }
        match &g.save {
            SaveHealth::Saved => Ok(()),
            SaveHealth::Unknown => Err("state has not been saved yet".into()),
            SaveHealth::Failed(e) => Err(format!("last state save failed: {e}")),
        }
    }

    /// The latest published view, if a cycle has run.
    pub fn view(&self) -> Option<Arc<StatusView>> {
        self.read().view.clone()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error(
        "cannot listen on {addr} (daemon.http_listen): {source}; \
         choose a free address, or set http_listen = \"off\" to disable the endpoint"
    )]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A bound listener, not yet serving. Binding first lets start-up fail on a taken port.
pub struct Server {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
}

/// File descriptors kept free for polling, deliveries and the state save, whatever the
/// listener does.
pub const FD_RESERVE: u64 = 256;

/// How many connections the listener may hold open: `wanted`, lowered so that [`FD_RESERVE`]
/// descriptors stay free under the soft `RLIMIT_NOFILE` (read from `/proc/self/limits`).
pub fn connection_cap(wanted: u32) -> u32 {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        })
        .and_then(|n| n.parse::<u64>().ok());
    match soft {
        Some(soft) => {
            let room = soft.saturating_sub(FD_RESERVE).max(1);
            u32::try_from(room).unwrap_or(u32::MAX).min(wanted).max(1)
        }
        None => wanted.max(1),
    }
}

/// Binds `listen`; port 0 picks a free port (see [`Server::local_addr`]).
pub async fn bind(listen: SocketAddr) -> Result<Server, HttpError> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|source| HttpError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| HttpError::Bind {
        addr: listen,
        source,
    })?;
    Ok(Server { listener, addr })
}

impl Server {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `cancel` fires; open requests finish first (each within its timeout).
    pub async fn run(
        self,
        shared: Arc<HttpShared>,
        cancel: CancellationToken,
    ) -> Result<(), HttpError> {
        let addr = self.addr;
        let (wanted, timeout) = {
            let d = &shared.read().config.daemon;
            let timeout = d.http_request_timeout.to_std().unwrap_or_default();
            (
                d.http_max_connections,
                timeout.max(std::time::Duration::from_millis(100)),
            )
        };
        let cap = connection_cap(wanted);
        if cap < wanted {
            tracing::warn!(wanted, cap, "daemon.http_max_connections lowered to keep file descriptors for polling and saving; raise LimitNOFILE to allow more");
        }
        tracing::info!(%addr, max_connections = cap, "status page, /healthz and /metrics listening");
        let slots = Arc::new(tokio::sync::Semaphore::new(cap as usize));
        let app = router(shared);
        loop {
            // Take a slot before accepting: beyond the cap, clients wait in the backlog.
            let permit = tokio::select! {
                p = slots.clone().acquire_owned() => p.expect("semaphore is never closed"),
                _ = cancel.cancelled() => break,
            };
            let stream = tokio::select! {
                a = self.listener.accept() => match a {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // EMFILE and friends: back off briefly rather than spin.
                        tracing::warn!(error = %e, "HTTP accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        continue;
                    }
                },
                _ = cancel.cancelled() => break,
            };
            let service = hyper_util::service::TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let _permit = permit;
                let mut builder = hyper::server::conn::http1::Builder::new();
                builder
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(timeout)
                    .keep_alive(false);
                let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                // One deadline for the whole exchange: slow headers, a trickled body, a client
                // that never reads the answer.
                let _ = tokio::time::timeout(timeout, conn).await;
            });
        }
        // Let open requests finish (each is bounded by the timeout).
        let _ = tokio::time::timeout(timeout, slots.acquire_many(cap)).await;
        Ok(())
    }
}

/// Binds and serves until `cancel` fires.
pub async fn serve(
    listen: SocketAddr,
    shared: Arc<HttpShared>,
    cancel: CancellationToken,
) -> Result<(), HttpError> {
    bind(listen).await?.run(shared, cancel).await
}

pub fn router(shared: Arc<HttpShared>) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/status.json", get(status_json))
        .route("/ack/{token}", get(ack::ack))
        .route("/public/", get(public_page))
        .route("/public/status.json", get(public_json))
        .route("/public/feed.atom", get(public_atom))
        .route("/hooks/pureservice", any(hook::pureservice))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            require_token,
        ))
        .with_state(shared)
}

/// Paths that show personal data and so need `daemon.http_token` when one is set.
const PROTECTED: &[&str] = &["/", "/status.json"];

async fn require_token(
    AxState(shared): AxState<Arc<HttpShared>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let token = shared.read().config.daemon.http_token.clone();
    let Some(token) = token.filter(|_| PROTECTED.contains(&request.uri().path())) else {
        return next.run(request).await;
    };
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(presented_token);
    if given.is_some_and(|g| same(g.as_bytes(), token.expose().as_bytes())) {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"slavakt\"")],
        "token required (daemon.http_token)\n",
    )
        .into_response()
}

/// The token of `Authorization: Bearer <t>` or the password of `Basic base64(user:t)`.
fn presented_token(value: &str) -> Option<String> {
    use base64::Engine;
    let (scheme, rest) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_string());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        return text.split_once(':').map(|(_, p)| p.to_string());
    }
    None
}

/// Compares without stopping at the first difference (no timing hint about the token).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn healthz(AxState(shared): AxState<Arc<HttpShared>>) -> Response {
    match shared.health_text() {
        Ok(text) => (StatusCode::OK, format!("{text}\n")).into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, format!("{reason}\n")).into_response(),
    }
}

async fn metrics(AxState(shared): AxState<Arc<HttpShared>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        shared.metrics.render(),
    )
        .into_response()
}

async fn status_json(AxState(shared): AxState<Arc<HttpShared>>) -> Response {
    match shared.view() {
        Some(v) => axum::Json(v.as_ref().clone()).into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"error": "no cycle has completed yet"})),
        )
            .into_response(),
    }
}

async fn status_page(AxState(shared): AxState<Arc<HttpShared>>) -> Response {
    let language = shared.read().config.daemon.language;
    let html = page::render(shared.view().as_deref(), language);
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

/// The public feed, or why not: 404 when `[public]` is off, 503 before the first cycle.
fn public_feed(shared: &HttpShared) -> Result<public::Feed, (StatusCode, &'static str)> {
    let config = shared.read().config.clone();
    if !config.public.enabled {
        return Err((StatusCode::NOT_FOUND, "not found\n"));
    }
    match shared.view() {
        Some(v) => Ok(public::Feed::build(&v, &config)),
        None => Err((
            StatusCode::SERVICE_UNAVAILABLE,
            "no cycle has completed yet
",
        )),
    }
}

async fn public_json(AxState(shared): AxState<Arc<HttpShared>>) -> Response {
    match public_feed(&shared) {
        Ok(feed) => axum::Json(feed.json()).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn public_atom(AxState(shared): AxState<Arc<HttpShared>>) -> Response {
    match public_feed(&shared) {
        Ok(feed) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            feed.atom(),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

async fn public_page(AxState(shared): AxState<Arc<HttpShared>>) -> Response {
    match public_feed(&shared) {
        Ok(feed) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            feed.html(),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}
