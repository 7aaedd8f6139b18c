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
    let http_token = ctx.secret(
        &raw.http_token,
        &raw.http_token_file,
        "daemon",
        "http_token",
    );
    if let Some(addr) = http_listen.filter(|a| !a.ip().is_loopback()) {
        if http_token.is_none() {
            ctx.err(
                p("http_listen"),
                format!(
                    "{addr} is beyond loopback, and the status page shows names, phone numbers \
                     and addresses"
                ),
                Some(
                    "set daemon.http_token_file (a file with a long random token) or listen on \
                     127.0.0.1 behind a reverse proxy"
                        .into(),
                ),
            );
        }
    }
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
    let public_url = match ctx.text(&raw.public_url, &p("public_url")) {
        None => None,
        Some(s) => match url::Url::parse(s.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            _ => {
                ctx.err(
                    p("public_url"),
                    format!("{s:?} is not an http(s) address"),
                    Some("write where people reach slavakt, e.g. \"https://slavakt.kommune.example\"".into()),
                );
                None
            }
        },
    };
    let unit_word = ctx
        .text(&raw.unit_word, &p("unit_word"))
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty());
    let unit_word_plural = ctx
        .text(&raw.unit_word_plural, &p("unit_word_plural"))
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .or_else(|| unit_word.as_deref().map(|w| plural(language, w)));
    let signature = ctx
        .text(&raw.signature, &p("signature"))
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty());
    let (default_one, default_many) = match language {
        Language::Nb | Language::Da => ("kommune", "kommuner"),
        Language::Nn => ("kommune", "kommunar"),
        Language::En => ("municipality", "municipalities"),
    };
    let ack_secret = ctx.secret(
        &raw.ack_secret,
        &raw.ack_secret_file,
        "daemon",
        "ack_secret",
    );
    if public_url.is_some() && ack_secret.is_none() {
        ctx.err(
            p("ack_secret"),
            "public_url is set, so acknowledgement links are made, but nothing signs them",
            Some("set ack_secret_file to a file holding a long random string (e.g. from `openssl rand -hex 32`)".into()),
        );
    }
    if let Some(s) = &ack_secret {
        if s.expose().len() < 16 {
            ctx.err(
                p("ack_secret"),
                "too short to sign acknowledgement links safely",
                Some("use at least 16 random characters, e.g. `openssl rand -hex 32`".into()),
            );
        }
    }
    let hook_token = ctx.secret(
        &raw.hook_token,
        &raw.hook_token_file,
        "daemon",
        "hook_token",
    );
    if let Some(t) = &hook_token {
        // Anyone who can reach the listener may guess it; 16 characters is the floor the ack
        // secret uses too.
        if t.expose().trim().len() < 16 {
            ctx.err(
                p("hook_token"),
                "too short to guard the push hint",
                Some("use at least 16 random characters, e.g. `openssl rand -hex 32`".into()),
            );
        }
        if http_listen.is_none() {
            ctx.err(
                p("hook_token"),
                "set, but daemon.http_listen is off, so nothing can call the push hint",
                Some("set daemon.http_listen, or remove hook_token".into()),
            );
        }
    }
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
        poll_wait: ctx.wall(&raw.poll_wait, &p("poll_wait"), "10s"),
        http_max_connections: ctx.number(
            &raw.http_max_connections,
            &p("http_max_connections"),
            1,
            10_000,
            64,
        ) as u32,
        http_request_timeout: ctx.wall(
            &raw.http_request_timeout,
            &p("http_request_timeout"),
            "10s",
        ),
        http_token,
        public_url,
        ack_secret,
        unit_word: unit_word.unwrap_or_else(|| default_one.into()),
        unit_word_plural: unit_word_plural.unwrap_or_else(|| default_many.into()),
        signature,
        hook_token,
    };
    (
        daemon,
        DaemonExtra {
            off_hours_calendar_set,
        },
    )
}

/// The usual plural of a unit word (`forvaltning` → `forvaltninger`, nn `eining` →
/// `einingar`); `unit_word_plural` overrides it for irregular words.
fn plural(lang: Language, w: &str) -> String {
    match lang {
        Language::Nb | Language::Da if w.ends_with('e') => format!("{w}r"),
        Language::Nb | Language::Da => format!("{w}er"),
        Language::Nn => format!("{}ar", w.strip_suffix('e').unwrap_or(w)),
        Language::En if w.ends_with('y') => format!("{}ies", &w[..w.len() - 1]),
        Language::En => format!("{w}s"),
    }
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
