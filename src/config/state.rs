//! `[state]`: which backend keeps the state — the file (`daemon.state_file`, the default) or
//! PostgreSQL, shared by two or more instances of which one leads (`docs/HA.md`) — and the
//! leader's lease. The connection string is a secret: it is checked here, never shown.

use super::ctx::Ctx;
use super::raw::RawState;
use super::{StateBackend, StateConfig};

/// Shortest lease accepted: a renewal every third of it must fit a database round trip.
const MIN_LEASE_SECS: i64 = 1;
/// Longest lease accepted: a longer one means notices wait that long after a machine dies.
const MAX_LEASE_SECS: i64 = 600;

pub(super) fn build(raw: Option<RawState>, ctx: &mut Ctx) -> StateConfig {
    let raw = raw.unwrap_or_default();
    let url = ctx.secret(&raw.url, &raw.url_file, "state", "url");
    let lease = ctx.wall(&raw.lease, "state.lease", "15s");
    if lease.num_seconds() < MIN_LEASE_SECS || lease.num_seconds() > MAX_LEASE_SECS {
        ctx.err(
            "state.lease",
            format!(
                "{} s is outside {MIN_LEASE_SECS} s to {MAX_LEASE_SECS} s",
                lease.num_seconds()
            ),
            Some("the default \"15s\" suits most sites; see docs/HA.md".into()),
        );
    }
    let backend = match ctx.text(&raw.backend, "state.backend").as_deref() {
        None | Some("file") => {
            if url.is_some() {
                ctx.err(
                    "state.url",
                    "is set, but state.backend is \"file\"",
                    Some("set backend = \"postgres\" to use the database, or remove url".into()),
                );
            }
            StateBackend::File
        }
        Some("postgres") => match url {
            None => {
                ctx.err(
                    "state.url_file",
                    "backend \"postgres\" needs a connection string",
                    Some(
                        "set url_file to a file holding e.g. \
                         postgresql://slavakt:PASSWORD@db.kommune.example/slavakt"
                            .into(),
                    ),
                );
                StateBackend::File
            }
            Some(url) => {
                if let Err(problem) = crate::state::postgres::check_url(&url) {
                    ctx.err("state.url", problem, Some(URL_HINT.into()));
                }
                StateBackend::Postgres { url }
            }
        },
        Some(other) => {
            ctx.err(
                "state.backend",
                format!("unknown backend {other:?}"),
                Some("use \"file\" or \"postgres\"".into()),
            );
            StateBackend::File
        }
    };
    StateConfig { backend, lease }
}

const URL_HINT: &str = "write postgresql://USER:PASSWORD@HOST:PORT/DATABASE or \
                        \"host=… user=… dbname=…\"; TLS is not supported yet (see docs/HA.md)";
