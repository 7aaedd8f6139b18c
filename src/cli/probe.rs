//! `slavakt probe`: a read-only check of the configured Pureservice tenant for the admin's
//! first hour (GET requests only, ever). Can it reach and authenticate, under which header form
//! and API prefix; which date-literal form filters; whether `sort` is honoured; which sync mode
//! `auto` would choose; how many tickets are open; the page-size cap, `include` support and
//! what the tenant says about its rate limit ([`probe_api`](super::probe_api)); how statuses,
//! priorities and request types map, and how often the configured municipality and service
//! sources give a value over the open tickets, with samples and the names that map to nothing
//! ([`probe_map`](super::probe_map)). Exit 0: the daemon can work with this config; 1: the config must
//! change (each problem says what to write); 2: the tenant cannot be reached.

use super::probe_map::Mapping;
use super::CliError;
use crate::clock::{Clock, SystemClock};
use crate::config::{AuthMode, Config, PureserviceConfig, SyncSetting};
use crate::pureservice::client::{Client, RateSeen};
use crate::pureservice::detect::{self, literal_name};
use crate::pureservice::refcache::RefCache;
use crate::pureservice::{openset, PsError};
use serde::Serialize;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Config file.
    #[arg(long, env = "SLAVAKT_CONFIG", default_value = super::DEFAULT_CONFIG)]
    pub config: std::path::PathBuf,
    /// Print the findings as one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// What the tenant answered (the `--json` object; keys fixed by INTERFACE.md).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Probe {
    pub reachable: bool,
    /// The header form that authenticated (`x-authorization-key`, `bearer`), if one did.
    pub auth: Option<&'static str>,
    /// The API prefix that answered, if one did.
    pub api_prefix: Option<String>,
    /// `datetimeoffset`, `iso` or `null` (no date comparison accepted).
    pub date_filter: Option<&'static str>,
    /// `None` with too few tickets to tell.
    pub sort_honoured: Option<bool>,
    /// Timestamps come to the whole second (`None` with too few tickets).
    pub whole_seconds: Option<bool>,
    /// What `sync = "auto"` would choose: `modified` or `open-set`.
    pub sync: Option<&'static str>,
    /// Why, in words.
    pub sync_reason: Option<String>,
    pub open_tickets: Option<usize>,
    /// Tenant statuses with no `coreStatus` (cannot be told open from solved).
    pub unmapped_statuses: Vec<String>,
    /// Tenant priorities neither in `[pureservice.priorities]` nor in `unset_priorities`.
    pub unmapped_priorities: Vec<String>,
    /// The most tickets one page holds when more are asked for (`null`: no cap below 500 seen).
    pub page_size_cap: Option<u32>,
    /// Whether `include=` brings `linked` entities (`null`: no tickets to tell).
    pub include_supported: Option<bool>,
    /// Rate-limit headers the tenant sent and 429s met during the probe.
    pub rate_limit: RateSeen,
    /// Statuses, priorities, request types, and the municipality / service field hit rates.
    #[serde(flatten)]
    pub mapping: Mapping,
    /// Worth knowing, no change needed.
    pub notes: Vec<String>,
    /// What must change in the config; empty when the daemon can work with it.
    pub problems: Vec<String>,
}

impl Probe {
    /// 0 the daemon can work; 1 the config must change; 2 the tenant cannot be reached.
    pub fn exit_code(&self) -> u8 {
        if !self.reachable {
            2
        } else if self.problems.is_empty() {
            0
        } else {
            1
        }
    }
}

pub fn run(args: Args) -> Result<(), CliError> {
    let config = super::load_config(&args.config)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Runtime(format!("cannot start the runtime: {e}")))?;
    let p = runtime.block_on(probe(&config, SystemClock.now()));
    let text = if args.json {
        serde_json::to_string_pretty(&p)
            .map_err(|e| CliError::Runtime(format!("cannot encode the probe: {e}")))?
            + "\n"
    } else {
        render_text(&p)
    };
    super::print_out(&text)?;
    match p.exit_code() {
        0 => Ok(()),
        1 => Err(CliError::Invalid(format!(
            "{} problem(s): the config must change",
            p.problems.len()
        ))),
        _ => Err(CliError::Runtime("Pureservice cannot be reached".into())),
    }
}

fn auth_name(a: AuthMode) -> &'static str {
    match a {
        AuthMode::XAuthorizationKey => "x-authorization-key",
        AuthMode::Bearer => "bearer",
    }
}

/// Asks the tenant (read-only). `now` stamps the reference cache only.
pub async fn probe(config: &Config, now: chrono::DateTime<chrono::Utc>) -> Probe {
    let mut p = Probe::default();
    let configured = config.pureservice.clone();
    let Some((ps, client, mut cache)) = connect(&configured, &mut p, now).await else {
        return p;
    };
    match detect::detect(&client, ps.date_literal).await {
        Ok(d) => {
            p.date_filter = d.date_filter.map(literal_name);
            p.sort_honoured = d.sort_honoured;
            p.whole_seconds = d.whole_seconds;
            let reason = d.open_set_reason();
            p.sync = Some(if reason.is_some() {
                "open-set"
            } else {
                "modified"
            });
            p.sync_reason = reason.clone();
            if let (Some(lit), None) = (d.date_filter, &reason) {
                if lit != ps.date_literal && ps.sync == SyncSetting::Modified {
                    p.problems.push(format!(
                        "the tenant filters dates only in the {} form: set [pureservice] \
                         date_literal = \"{}\"",
                        literal_name(lit),
                        literal_name(lit)
                    ));
                }
            }
            if let (Some(why), SyncSetting::Modified) = (&reason, ps.sync) {
                p.problems.push(format!(
                    "sync = \"modified\" cannot work here ({why}): set [pureservice] sync = \
                     \"auto\" or \"open-set\""
                ));
            }
        }
        Err(e) => p
            .problems
            .push(format!("the tenant could not be asked: {e}")),
    }
    match super::probe_api::page_cap(&client).await {
        Ok(cap) => {
            p.page_size_cap = cap;
            if let Some(cap) = cap.filter(|c| *c < ps.page_size) {
                p.problems.push(format!(
                    "the tenant gives at most {cap} tickets per page, fewer than page_size = {} \
                     (a short page is taken for the last one): set [pureservice] page_size = {cap}",
                    ps.page_size
                ));
            }
        }
        Err(e) => p
            .problems
            .push(format!("the page size could not be checked: {e}")),
    }
    match super::probe_api::include_supported(&client).await {
        Ok(inc) => {
            p.include_supported = inc;
            if inc == Some(false) {
                p.notes.push(
                    "the tenant ignores include=: users and companies are read separately \
                     (more requests per cycle, same results)"
                        .into(),
                );
            }
        }
        Err(e) => p.notes.push(format!("include= could not be checked: {e}")),
    }
    // Read with the page size the tenant really gives, so that the open set is complete.
    let page_size = p
        .page_size_cap
        .map_or(ps.page_size, |c| c.min(ps.page_size));
    match openset::read(&client, &mut cache, &Default::default(), page_size).await {
        Ok(o) => {
            p.open_tickets = Some(o.open.len());
            let open: Vec<&crate::pureservice::wire::Ticket> =
                o.open.iter().filter_map(|id| o.tickets.get(id)).collect();
            if let Err(e) = cache.complete(&client, &open).await {
                p.notes
                    .push(format!("users and companies could not all be read: {e}"));
            }
            let request_types = request_type_names(&client).await;
            p.mapping = super::probe_map::mapping(config, &cache, &open, &request_types);
            super::probe_map::advice(&p.mapping, &mut p.problems, &mut p.notes);
        }
        Err(e) => p
            .problems
            .push(format!("the open tickets could not be read: {e}")),
    }
    let mut statuses: Vec<String> = cache
        .statuses
        .values()
        .filter(|s| s.core_status.is_none())
        .map(|s| s.name.clone().unwrap_or_else(|| format!("#{}", s.id)))
        .collect();
    statuses.sort();
    for s in &statuses {
        p.problems.push(format!(
            "status {s:?} has no coreStatus: slavakt cannot tell whether it is open or solved"
        ));
    }
    let names: Vec<String> = cache
        .statuses
        .values()
        .filter_map(|s| s.name.clone())
        .collect();
    for paused in &ps.paused_statuses {
        if !names.iter().any(|n| n == paused) {
            p.problems.push(format!(
                "paused_statuses names {paused:?}, which the tenant does not have: remove it \
                 or write the name as Pureservice spells it"
            ));
        }
    }
    p.unmapped_statuses = statuses;
    let mut priorities: Vec<String> = cache
        .priorities
        .values()
        .filter_map(|n| n.name.clone())
        .filter(|n| !ps.priorities.contains_key(n) && !ps.unset_priorities.contains(n))
        .collect();
    priorities.sort();
    for n in &priorities {
        p.problems.push(format!(
            "priority {n:?} is not mapped: add it to [pureservice.priorities] (→ an SLA level) \
             or to unset_priorities"
        ));
    }
    p.unmapped_priorities = priorities;
    p.rate_limit = client.rate_seen();
    if p.rate_limit.throttled > 0 {
        p.notes.push(format!(
            "the tenant answered 429 {} time(s) during the probe (Retry-After {}): keep \
             [pureservice] max_requests_per_minute below its limit",
            p.rate_limit.throttled,
            p.rate_limit.retry_after.as_deref().unwrap_or("not given")
        ));
    }
    p
}

/// Request type id → name (`/requesttype/`); empty when the tenant does not list them.
async fn request_type_names(client: &Client) -> std::collections::BTreeMap<u64, String> {
    match client
        .list_all::<crate::pureservice::wire::Named>("requesttype/", "requesttypes", None, &[])
        .await
    {
        Ok(env) => env
            .items
            .into_iter()
            .filter_map(|n| Some((n.id, n.name?)))
            .collect(),
        Err(_) => Default::default(),
    }
}

/// Reads the statuses under the configured auth and prefix, then the alternatives: which
/// combination answers. `None` when none does (the reason is in `p`).
async fn connect(
    configured: &PureserviceConfig,
    p: &mut Probe,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(PureserviceConfig, Client, RefCache)> {
    let other_auth = match configured.auth {
        AuthMode::XAuthorizationKey => AuthMode::Bearer,
        AuthMode::Bearer => AuthMode::XAuthorizationKey,
    };
    let mut prefixes = vec![configured.api_prefix.clone()];
    for alt in ["/agent/api", "/api"] {
        if !prefixes.iter().any(|x| x == alt) {
            prefixes.push(alt.into());
        }
    }
    let mut last_error: Option<PsError> = None;
    for prefix in &prefixes {
        for auth in [configured.auth, other_auth] {
            let mut ps = configured.clone();
            ps.api_prefix = prefix.clone();
            ps.auth = auth;
            let client = match Client::new(&ps) {
                Ok(c) => c,
                Err(e) => {
                    p.problems.push(format!("the client cannot be built: {e}"));
                    return None;
                }
            };
            let mut cache = RefCache::default();
            match cache.refresh(&client, now).await {
                Ok(()) => {
                    p.reachable = true;
                    p.auth = Some(auth_name(auth));
                    p.api_prefix = Some(prefix.clone());
                    if auth != configured.auth {
                        p.problems.push(format!(
                            "the tenant accepts the key only as {}: set [pureservice] auth = \"{}\"",
                            auth_name(auth),
                            auth_name(auth)
                        ));
                    }
                    if *prefix != configured.api_prefix {
                        p.problems.push(format!(
                            "the API answers under {prefix:?}: set [pureservice] api_prefix = \"{prefix}\""
                        ));
                    }
                    return Some((ps, client, cache));
                }
                Err(e @ PsError::Transport { .. }) => {
                    p.problems
                        .push(format!("Pureservice cannot be reached: {e}"));
                    return None;
                }
                Err(e) => {
                    if e.is_auth() || e.status() == Some(404) {
                        p.reachable = true;
                    }
                    // A refused key says more than the 404 of a wrong prefix tried after it.
                    if last_error.as_ref().map_or(true, |l| !l.is_auth()) {
                        last_error = Some(e);
                    }
                }
            }
        }
    }
    if let Some(e) = last_error {
        p.problems.push(match e.is_auth() {
            true => format!("the API key was refused under every header form: {e}"),
            false => format!("no API prefix answered: {e}"),
        });
    }
    None
}

/// The human form: what was found, then what to change.
pub fn render_text(p: &Probe) -> String {
    let yes_no = |b: Option<bool>| match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "cannot tell (too few tickets)",
    };
    let mut out = String::new();
    out.push_str(&format!("reachable:          {}\n", p.reachable));
    out.push_str(&format!("auth:               {}\n", p.auth.unwrap_or("-")));
    out.push_str(&format!(
        "api_prefix:         {}\n",
        p.api_prefix.as_deref().unwrap_or("-")
    ));
    out.push_str(&format!(
        "date filter:        {}\n",
        p.date_filter.unwrap_or("none accepted")
    ));
    out.push_str(&format!(
        "sort honoured:      {}\n",
        yes_no(p.sort_honoured)
    ));
    out.push_str(&format!(
        "whole seconds:      {}\n",
        yes_no(p.whole_seconds)
    ));
    out.push_str(&format!(
        "sync (auto):        {}{}\n",
        p.sync.unwrap_or("-"),
        p.sync_reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default()
    ));
    if let Some(n) = p.open_tickets {
        out.push_str(&format!("open tickets:       {n}\n"));
    }
    out.push_str(&format!(
        "page size cap:      {}\n",
        p.page_size_cap
            .map_or("none below 500 seen".to_string(), |c| c.to_string())
    ));
    out.push_str(&format!(
        "include= honoured:  {}\n",
        match p.include_supported {
            Some(true) => "yes",
            Some(false) => "no",
            None => "cannot tell (no tickets)",
        }
    ));
    let rate: Vec<String> = p
        .rate_limit
        .headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    out.push_str(&format!(
        "rate limit:         {}; 429s met: {}\n",
        if rate.is_empty() {
            "no rate-limit headers".to_string()
        } else {
            rate.join(", ")
        },
        p.rate_limit.throttled
    ));
    let m = &p.mapping;
    if !m.statuses.is_empty() {
        out.push_str("\nstatuses:\n");
        for (name, class) in &m.statuses {
            out.push_str(&format!("  {name:<28} {class}\n"));
        }
    }
    if !m.priorities.is_empty() {
        out.push_str("priorities:\n");
        for (name, level) in &m.priorities {
            out.push_str(&format!(
                "  {name:<28} {}\n",
                level.as_deref().unwrap_or("NOT MAPPED")
            ));
        }
    }
    if !m.request_types.is_empty() {
        out.push_str("request types on open tickets:\n");
        for (name, kind) in &m.request_types {
            out.push_str(&format!("  {name:<28} {kind}\n"));
        }
    }
    for (what, f) in [
        ("municipality", &m.municipality_field),
        ("service", &m.service_field),
    ] {
        if f.of == 0 {
            continue;
        }
        out.push_str(&format!(
            "{what} from [{}]: {} of {} open tickets ({:.0} %){}\n",
            f.from.join(", "),
            f.hits,
            f.of,
            f.rate * 100.0,
            if f.samples.is_empty() {
                String::new()
            } else {
                format!(", e.g. {}", f.samples.join(", "))
            }
        ));
        if !f.unmatched.is_empty() {
            out.push_str(&format!("  not mapped: {}\n", f.unmatched.join(", ")));
        }
    }
    if !p.notes.is_empty() {
        out.push_str("\nNotes:\n");
        for n in &p.notes {
            out.push_str(&format!("  - {n}\n"));
        }
    }
    if p.problems.is_empty() {
        out.push_str("\nThe daemon can work with this config.\n");
    } else {
        out.push_str("\nChange in the config:\n");
        for x in &p.problems {
            out.push_str(&format!("  - {x}\n"));
        }
    }
    out
}
