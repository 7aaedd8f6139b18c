//! A faithful fake Pureservice: a small axum server on `127.0.0.1:0` that behaves the way
//! `shared/design/PURESERVICE.md` says the real API does in every point marked [sure], plus
//! switchable faults. Tests and `slavakt demo` share it.
//!
//! Faithful: resource-named envelope (array of one for `GET /ticket/{id}`),
//! `/ticket/{n}/requestNumber/`, `/ticket/count/`, 401 on a wrong or missing key (both header
//! forms accepted), 406 without `Accept: application/vnd.api+json`, paging by `start`/`limit`
//! with `limit` capped at 500 and `offset` ignored, `sort=field dir, …`, the filter subset in
//! [`linq`] (400 with a message otherwise), `include` → de-duplicated `linked`, `POST
//! /communication/` (vnd.api+json body; stored; bumps the ticket's `modified`), `PATCH
//! /ticket/{id}` (plain JSON; bumps `modified`), reference endpoints, and 429 with
//! `Retry-After` over a per-window budget. Its `modified` stamps come from an injected
//! [`Clock`]. Faults: 5xx bursts, forced 429s, slow responses, a malformed body, odd timestamp
//! forms. [`Tenant`] switches how `sort` and date filters behave; a lower page cap, ignored
//! `include` and rate-limit headers are switches too (what `slavakt probe` reports). The request log shows what
//! the client sent.

pub mod linq;
mod seed;
mod server;
pub mod store;

pub use seed::API_USER_ID;
pub use store::Store;

use crate::clock::Clock;
use crate::config::PureserviceConfig;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the fake writes `Retry-After` on a 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfterForm {
    Seconds,
    /// An HTTP date, with a `Date` header from the same (injected) clock.
    HttpDate,
}

/// How the fake tenant treats `sort` and date comparisons in `filter=`: the behaviours public
/// integrations report from real tenants, or that nobody has ruled out. The sync must give the
/// same notices in each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tenant {
    /// `sort` honoured; dates compare with `DateTimeOffset(...)` and with a quoted ISO string.
    #[default]
    Faithful,
    /// A date compared with a quoted string is a 400 (`Operator '>' incompatible with operand
    /// types 'DateTimeOffset?' and 'String'`); only the constructor form filters.
    IsoRefused,
    /// `sort` is ignored: pages come in a fixed order that is neither id nor modified order.
    SortIgnored,
    /// Timestamps are served to the whole second, while sorting and filtering use the full
    /// precision.
    WholeSeconds,
    /// Every comparison of a date field is a 400.
    NoDateFilter,
}

impl Tenant {
    pub const ALL: [Tenant; 5] = [
        Tenant::Faithful,
        Tenant::IsoRefused,
        Tenant::SortIgnored,
        Tenant::WholeSeconds,
        Tenant::NoDateFilter,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Tenant::Faithful => "faithful",
            Tenant::IsoRefused => "iso-refused",
            Tenant::SortIgnored => "sort-ignored",
            Tenant::WholeSeconds => "whole-seconds",
            Tenant::NoDateFilter => "no-date-filter",
        }
    }
}

#[derive(Clone)]
pub struct FakeOptions {
    pub api_key: String,
    /// e.g. `/agent/api` (default) or `/api`.
    pub prefix: String,
    pub clock: Arc<dyn Clock>,
    /// At most this many requests per `window`; more get 429. `None`: no limit.
    pub budget: Option<u32>,
    pub window: Duration,
    pub retry_after_form: RetryAfterForm,
    /// Start with the default reference data (statuses, priorities, municipalities, …).
    pub seed: bool,
    pub tenant: Tenant,
}

impl FakeOptions {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        FakeOptions {
            api_key: "fake-pureservice-key-0001".into(),
            prefix: "/agent/api".into(),
            clock,
            budget: None,
            window: Duration::from_secs(60),
            retry_after_form: RetryAfterForm::Seconds,
            seed: true,
            tenant: Tenant::Faithful,
        }
    }
}

/// One request as the fake saw it (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedRequest {
    pub method: String,
    /// Path below the prefix, e.g. `/ticket/` or `/ticket/7/`.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// Decoded query parameters.
    pub params: BTreeMap<String, String>,
    pub body: String,
    pub status: u16,
    /// `x-authorization-key`, `bearer` or `none`.
    pub auth: &'static str,
}

/// A fault to inject into the next `count` requests (whose path contains `path`, if given).
#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    /// Answer with this status (e.g. 503) and a short body.
    Status(u16),
    /// Answer 429 with `Retry-After` of this many seconds in the given form.
    TooManyRequests(u64, RetryAfterForm),
    /// Wait this long before answering.
    Slow(Duration),
    /// Answer 200 with a truncated JSON body.
    Malformed,
    /// Answer 302 with this `Location` (a client must not follow it).
    Redirect(String),
    /// Answer 200 with a valid but enormous body of this many bytes.
    Oversized(usize),
}

#[derive(Debug, Clone)]
struct ArmedFault {
    fault: Fault,
    remaining: u32,
    path: Option<String>,
    /// Matching requests to let through before the fault starts.
    skip: u32,
}

type Hook = Box<dyn FnOnce(&mut Store, DateTime<Utc>) + Send>;

struct PendingHook {
    path: String,
    nth: usize,
    seen: usize,
    action: Option<Hook>,
}

pub(crate) struct Shared {
    opts: FakeOptions,
    state: Mutex<FakeState>,
}

struct FakeState {
    store: Store,
    log: Vec<LoggedRequest>,
    faults: Vec<ArmedFault>,
    odd_timestamps: bool,
    tenant: Tenant,
    /// Pages hold at most this many (below the documented 500), whatever `limit` says.
    page_cap: Option<usize>,
    /// `include` is ignored: no `linked` in any answer.
    include_ignored: bool,
    /// `X-RateLimit-Limit` / `-Remaining` on every answer while a budget is set.
    rate_headers: bool,
    budget: Option<u32>,
    window: Duration,
    accepted: VecDeque<tokio::time::Instant>,
    hooks: Vec<PendingHook>,
}

/// A running fake; stops when dropped.
pub struct FakePureservice {
    shared: Arc<Shared>,
    addr: std::net::SocketAddr,
    stop: tokio_util::sync::CancellationToken,
}

impl Drop for FakePureservice {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// A ticket to create, by names (resolved against the fake's reference data).
#[derive(Debug, Clone, Default)]
pub struct NewTicket {
    pub subject: String,
    pub description: String,
    /// Status name; default `Ny`.
    pub status: Option<String>,
    pub priority: Option<String>,
    /// Requester user id (seed: 101–105, one per municipality).
    pub requester: Option<u64>,
    /// Assigned agent user id (seed: 201–203).
    pub assignee: Option<u64>,
    /// Category names, level 1..3.
    pub categories: Vec<String>,
    /// 1 ticket (default), 2 change.
    pub request_type: Option<u64>,
    /// Custom fields `cf_N`.
    pub custom: BTreeMap<String, Value>,
    /// Defaults to the clock's now.
    pub created: Option<DateTime<Utc>>,
    /// Defaults to `created`.
    pub modified: Option<DateTime<Utc>>,
}

impl FakePureservice {
    /// Starts the fake on `127.0.0.1:0`.
    pub async fn start(opts: FakeOptions) -> std::io::Result<FakePureservice> {
        let mut store = Store::default();
        if opts.seed {
            seed::seed(&mut store);
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState {
                store,
                log: Vec::new(),
                faults: Vec::new(),
                odd_timestamps: false,
                tenant: opts.tenant,
                page_cap: None,
                include_ignored: false,
                rate_headers: false,
                budget: opts.budget,
                window: opts.window,
                accepted: VecDeque::new(),
                hooks: Vec::new(),
            }),
            opts,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let stop = tokio_util::sync::CancellationToken::new();
        let app = server::router(shared.clone());
        let token = stop.clone();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move { token.cancelled().await })
                .await;
        });
        Ok(FakePureservice { shared, addr, stop })
    }

    /// `http://127.0.0.1:PORT` (without the prefix).
    pub fn base_url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}", self.addr)).expect("loopback url")
    }

    pub fn api_key(&self) -> Secret {
        Secret::new(self.shared.opts.api_key.clone())
    }

    /// A `[pureservice]` config with the defaults, pointed at this fake.
    pub fn config(&self) -> PureserviceConfig {
        let mut c = PureserviceConfig::with_defaults(self.base_url(), self.api_key());
        c.api_prefix = self.shared.opts.prefix.clone();
        c
    }

    fn with<R>(&self, f: impl FnOnce(&mut FakeState) -> R) -> R {
        f(&mut self.shared.state.lock().expect("fake lock"))
    }

    /// Direct access to the data (for setups the helpers below do not cover).
    pub fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        self.with(|s| f(&mut s.store))
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.shared.opts.clock.now()
    }

    /// Creates a ticket; returns its id. Unknown names are an error message.
    pub fn create_ticket(&self, t: NewTicket) -> Result<u64, String> {
        let now = self.now();
        self.with(|s| server::create_ticket(&mut s.store, t, now))
    }

    /// Merges `fields` into the ticket and bumps `modified` to the clock's now, as an agent's
    /// edit would (`modifiedById` = the assignee or the first agent). `false` if unknown.
    pub fn update_ticket(&self, id: u64, fields: Value) -> bool {
        let now = self.now();
        self.with(|s| server::update_ticket(&mut s.store, id, fields, now, 201))
    }

    /// Sets a ticket's status by name (bumping `modified`).
    pub fn set_status(&self, id: u64, status: &str) -> bool {
        let Some(sid) = self.id_by_name("status", status) else {
            return false;
        };
        self.update_ticket(id, serde_json::json!({ "statusId": sid }))
    }

    pub fn id_by_name(&self, resource: &str, name: &str) -> Option<u64> {
        self.with(|s| s.store.id_by_name(resource, name))
    }

    /// The ticket as stored.
    pub fn ticket(&self, id: u64) -> Option<Map<String, Value>> {
        self.with(|s| s.store.get("ticket", id).cloned())
    }

    /// Internal notes (communications) posted on a ticket, oldest first.
    pub fn notes(&self, ticket: u64) -> Vec<Map<String, Value>> {
        self.with(|s| {
            s.store
                .table("communication")
                .map(|t| {
                    t.values()
                        .filter(|c| c.get("ticketId").and_then(Value::as_u64) == Some(ticket))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default()
        })
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.with(|s| s.log.clone())
    }

    pub fn request_count(&self) -> usize {
        self.with(|s| s.log.len())
    }

    pub fn clear_log(&self) {
        self.with(|s| s.log.clear())
    }

    /// Injects `fault` into the next `count` requests (to paths containing `path`, if given).
    pub fn inject(&self, fault: Fault, count: u32, path: Option<&str>) {
        self.inject_after(0, fault, count, path)
    }

    /// Like [`inject`](Self::inject), but lets `skip` matching requests through first (e.g.
    /// to break the second page of a cycle).
    pub fn inject_after(&self, skip: u32, fault: Fault, count: u32, path: Option<&str>) {
        self.with(|s| {
            s.faults.push(ArmedFault {
                fault,
                remaining: count,
                path: path.map(str::to_string),
                skip,
            })
        })
    }

    /// How many injected fault uses are left; a `Slow` fault is used when its request arrives,
    /// so a drop tells a test that a held request is under way.
    pub fn faults_left(&self) -> u32 {
        self.with(|s| s.faults.iter().map(|f| f.remaining).sum())
    }

    /// Removes every injected fault (the outage is over).
    pub fn clear_faults(&self) {
        self.with(|s| s.faults.clear())
    }

    /// Serve timestamps in rotating odd (but valid ISO-8601) forms.
    pub fn set_odd_timestamps(&self, on: bool) {
        self.with(|s| s.odd_timestamps = on)
    }

    /// Switches how the tenant treats `sort` and date filters (see [`Tenant`]).
    pub fn set_tenant(&self, tenant: Tenant) {
        self.with(|s| s.tenant = tenant)
    }

    /// Caps every page at `cap` tickets (`None`: the documented 500), as a tenant with a
    /// lower server-side limit would, silently.
    pub fn set_page_cap(&self, cap: Option<usize>) {
        self.with(|s| s.page_cap = cap)
    }

    /// Ignores `include` (answers carry no `linked`).
    pub fn set_include_ignored(&self, on: bool) {
        self.with(|s| s.include_ignored = on)
    }

    /// Sends `X-RateLimit-Limit` and `X-RateLimit-Remaining` while a budget is set.
    pub fn set_rate_headers(&self, on: bool) {
        self.with(|s| s.rate_headers = on)
    }

    /// Changes the per-window request budget.
    pub fn set_budget(&self, budget: Option<u32>, window: Duration) {
        self.with(|s| {
            s.budget = budget;
            s.window = window;
            s.accepted.clear();
        })
    }

    /// Runs `action` on the data right after the `nth` (1-based) answered request whose path
    /// contains `path` — e.g. to modify a ticket between two page fetches.
    pub fn after_request(
        &self,
        path: &str,
        nth: usize,
        action: impl FnOnce(&mut Store, DateTime<Utc>) + Send + 'static,
    ) {
        self.with(|s| {
            s.hooks.push(PendingHook {
                path: path.to_string(),
                nth,
                seen: 0,
                action: Some(Box::new(action)),
            })
        })
    }
}
