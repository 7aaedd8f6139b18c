//! Environment overrides: `SLAVAKT_<SECTION>__<KEY>` sets `section.key` before validation.
//!
//! Path segments are separated by a double underscore and lower-cased:
//! `SLAVAKT_CHANNELS__EMAIL__PASSWORD` → `channels.email.password`,
//! `SLAVAKT_CHANNELS__TEAMS__IK_VARSLING__URL` → `channels.teams.ik_varsling.url`.
//! Only keys inside tables can be set (not inside `[[arrays]]`). The value's type follows the
//! key: the type already in the file, else the known type of the key, else a string. Setting a
//! secret (`password`) drops its `password_file` twin from the file and the other way round, so
//! the environment always wins. Variables without `__` (`SLAVAKT_CONFIG`) are not overrides.

use super::ctx::Ctx;
use std::collections::BTreeMap;

const PREFIX: &str = "SLAVAKT_";

/// Keys that are not strings, by their last path segment.
const INTEGER_KEYS: &[&str] = &[
    "port",
    "max_requests_per_minute",
    "page_size",
    "http_max_connections",
    "max_response_bytes",
    "max_pages",
    "own_user_id",
    "storm_limit",
    "concurrency",
    "cluster_size",
    "rank",
];
const BOOL_KEYS: &[&str] = &[
    "dry_run",
    "enabled",
    "life_and_health",
    "important",
    "critical",
];

pub(super) fn apply(table: &mut toml::Table, env: &BTreeMap<String, String>, ctx: &mut Ctx) {
    for (var, value) in env {
        let Some(rest) = var.strip_prefix(PREFIX) else {
            continue;
        };
        if !rest.contains("__") {
            continue;
        }
        let parts: Vec<String> = rest.split("__").map(|p| p.to_ascii_lowercase()).collect();
        let path = parts.join(".");
        if parts.iter().any(|p| p.is_empty()) {
            ctx.err(
                format!("environment variable {var}"),
                "is not a valid override name",
                Some("write SLAVAKT_<SECTION>__<KEY>, e.g. SLAVAKT_PURESERVICE__API_KEY".into()),
            );
            continue;
        }
        set(table, &parts, value, var, &path, ctx);
    }
}

fn set(
    table: &mut toml::Table,
    parts: &[String],
    value: &str,
    var: &str,
    path: &str,
    ctx: &mut Ctx,
) {
    let (last, parents) = parts.split_last().expect("at least two parts");
    let mut t = table;
    for p in parents {
        let entry = t
            .entry(p.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        match entry {
            toml::Value::Table(inner) => t = inner,
            _ => {
                ctx.err(
                    format!("environment variable {var}"),
                    format!("cannot set {path}: {p} is not a table"),
                    Some("only keys of [tables] can be overridden, not of [[arrays]]".into()),
                );
                return;
            }
        }
    }
    let typed = match typed_value(t.get(last), last, value) {
        Ok(v) => v,
        Err(what) => {
            // The value itself is not shown: it may be a secret.
            ctx.err(
                format!("environment variable {var}"),
                format!("expected {what} for {path}"),
                None,
            );
            return;
        }
    };
    let twin = match last.strip_suffix("_file") {
        Some(base) => base.to_string(),
        None => format!("{last}_file"),
    };
    let parent_path = parents.join(".");
    let twin_path = format!("{parent_path}.{twin}");
    if !ctx.env_paths.contains_key(&twin_path) {
        t.remove(&twin);
    }
    t.insert(last.clone(), typed);
    ctx.env_paths.insert(path.to_string(), var.to_string());
}

fn typed_value(
    existing: Option<&toml::Value>,
    key: &str,
    value: &str,
) -> Result<toml::Value, &'static str> {
    let kind = match existing {
        Some(toml::Value::Integer(_)) => "int",
        Some(toml::Value::Boolean(_)) => "bool",
        Some(toml::Value::Array(_)) => "array",
        Some(_) => "string",
        None if INTEGER_KEYS.contains(&key) => "int",
        None if BOOL_KEYS.contains(&key) => "bool",
        None => "string",
    };
    match kind {
        "int" => value
            .trim()
            .parse::<i64>()
            .map(toml::Value::Integer)
            .map_err(|_| "a whole number"),
        "bool" => match value.trim() {
            "true" | "1" | "yes" => Ok(toml::Value::Boolean(true)),
            "false" | "0" | "no" => Ok(toml::Value::Boolean(false)),
            _ => Err("true or false"),
        },
        // A list from the environment is written as comma-separated strings.
        "array" => Ok(toml::Value::Array(
            value
                .split(',')
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .map(|s| match s.parse::<i64>() {
                    Ok(n) if existing_is_int_array(existing) => toml::Value::Integer(n),
                    _ => toml::Value::String(s.to_string()),
                })
                .collect(),
        )),
        _ => Ok(toml::Value::String(value.to_string())),
    }
}

fn existing_is_int_array(existing: Option<&toml::Value>) -> bool {
    matches!(existing, Some(toml::Value::Array(a)) if a.first().is_some_and(|v| v.is_integer()))
}
