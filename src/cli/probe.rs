//! `slavakt probe`: a read-only check of the configured Pureservice tenant for the admin's
//! first hour (GET requests only, ever). Can it reach and authenticate, under which header form
//! and API prefix; which date-literal form filters; whether `sort` is honoured; which sync mode
//! `auto` would choose; how many tickets are open; which Pureservice priorities and statuses
//! the config does not map. Exit 0: the daemon can work with this config; 1: the config must
//! change (each problem says what to write); 2: the tenant cannot be reached.

use super::CliError;
use crate::clock::{Clock, SystemClock};
use crate::config::{AuthMode, Config, PureserviceConfig, SyncSetting};
use crate::pureservice::client::Client;
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
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
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
    match openset::read(&client, &mut cache, &Default::default(), ps.page_size).await {
        Ok(o) => p.open_tickets = Some(o.open.len()),
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
    p
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
