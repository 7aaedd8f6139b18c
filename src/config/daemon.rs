//! `[daemon]`: state file, time zone, polling, language, HTTP endpoint, directories, limits.

use super::ctx::Ctx;
use super::raw::RawDaemon;
use super::{DaemonConfig, Language};
use chrono_tz::Tz;
use std::net::SocketAddr;
use std::path::PathBuf;

pub(super) const DEFAULT_STATE_FILE: &str = "/var/lib/slavakt/state.json";
pub(super) const DEFAULT_REPORTS_DIR: &str = "/var/lib/slavakt/reports";
pub(super) const DEFAULT_HTTP_LISTEN: &str = "127.0.0.1:9464";

/// `off_hours_calendar` as written (`None`: defaulted), checked once calendars are known.
pub(super) struct DaemonExtra {
    pub off_hours_calendar_set: bool,
}

pub(super) fn build(raw: &RawDaemon, ctx: &mut Ctx) -> (DaemonConfig, DaemonExtra) {
    let p = |k: &str| format!("daemon.{k}");
    let timezone = match ctx.text(&raw.timezone, &p("timezone")) {
        None => chrono_tz::Europe::Oslo,
        Some(s) => parse_tz(&s, &p("timezone"), ctx).unwrap_or(chrono_tz::Europe::Oslo),
    };
    let language = match ctx.text(&raw.language, &p("language")).as_deref() {
        None | Some("nb") => Language::Nb,
        Some("nn") => Language::Nn,
        Some("da") => Language::Da,
        Some("en") => Language::En,
        Some(other) => {
            ctx.err(
                p("language"),
                format!("unknown language {other:?}"),
                Some("use \"nb\", \"nn\", \"da\" or \"en\"".into()),
            );
            Language::Nb
        }
    };
    let http_listen = match ctx.get(&raw.http_listen, &p("http_listen")) {
        None => Some(DEFAULT_HTTP_LISTEN.parse().expect("default address")),
        Some(s) if matches!(s.trim(), "" | "off" | "none") => None,
        Some(s) => {
            match s.trim().parse::<SocketAddr>() {
                Ok(a) => Some(a),
                Err(_) => {
                    ctx.err(
                    p("http_listen"),
                    format!("{s:?} is not an address:port"),
                    Some("write e.g. \"127.0.0.1:9464\" or \"[::1]:9464\", or \"off\" to disable".into()),
                );
                    None
                }
            }
        }
    };
    let templates_dir = ctx.path(&raw.templates_dir, &p("templates_dir"));
    if let Some(dir) = &templates_dir {
        if !dir.is_dir() {
            ctx.err(
                p("templates_dir"),
                format!("{} is not a readable directory", dir.display()),
                Some("create it or remove the key to use only the built-in templates".into()),
            );
        }
    }
    let off_hours_calendar_set = raw.off_hours_calendar.is_some();
    let hook_token = ctx
        .secret(&raw.hook_token, &raw.hook_token_file, "daemon", "hook_token")
        .filter(|t| {
            // A guessable token would let anyone make the daemon poll at will.
            let long = t.expose().trim().chars().count() >= 16;
            if !long {
                ctx.err(
                    p("hook_token"),
                    "the hook token is shorter than 16 characters (value not shown: it is a secret)",
                    Some("use a random token, e.g. `openssl rand -hex 24`".into()),
                );
            }
            long
        });
    let daemon = DaemonConfig {
        state_file: ctx
            .path(&raw.state_file, &p("state_file"))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_FILE)),
        timezone,
        poll_interval: ctx.wall(&raw.poll_interval, &p("poll_interval"), "30s"),
        language,
        dry_run: ctx.flag(&raw.dry_run, &p("dry_run")),
        http_listen,
        templates_dir,
        reports_dir: ctx
            .path(&raw.reports_dir, &p("reports_dir"))
            .unwrap_or_else(|| PathBuf::from(DEFAULT_REPORTS_DIR)),
        off_hours_calendar: ctx
            .text(&raw.off_hours_calendar, &p("off_hours_calendar"))
            .unwrap_or_else(|| "kundeservice".into()),
        storm_limit: ctx.number(&raw.storm_limit, &p("storm_limit"), 1, 1000, 5) as u32,
        shutdown_grace: ctx.wall(&raw.shutdown_grace, &p("shutdown_grace"), "30s"),
        retention: ctx.wall(&raw.retention, &p("retention"), "396d"),
        hook_token,
    };
    (
        daemon,
        DaemonExtra {
            off_hours_calendar_set,
        },
    )
}

/// An IANA time zone name such as `Europe/Oslo`.
pub(super) fn parse_tz(s: &str, path: &str, ctx: &mut Ctx) -> Option<Tz> {
    match s.trim().parse::<Tz>() {
        Ok(tz) => Some(tz),
        Err(_) => {
            ctx.err(
                path,
                format!("unknown time zone {s:?}"),
                Some("use an IANA name such as \"Europe/Oslo\" or \"Europe/Copenhagen\"".into()),
            );
            None
        }
    }
}
