//! Raw config → typed [`Config`], collecting every problem with its key path.
//!
//! Order: TOML syntax (one error with line and column, nothing else can be checked), then
//! environment overrides, then each section is deserialized on its own (unknown keys collected
//! with `serde_ignored`), then the sections are validated in dependency order (calendars before
//! SLA levels, roles before the plan, …). The typed config is returned only if no problem was
//! found.

use super::ctx::{key, Ctx};
use super::{Config, ConfigError, ConfigErrors};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::Path;

/// Top-level tables and arrays of tables, in the order they are documented.
const SECTIONS: &[&str] = &[
    "daemon",
    "pureservice",
    "calendars",
    "sla",
    "roles",
    "municipalities",
    "services",
    "channels",
    "plan",
    "classify",
    "classification",
    "changes",
    "alerts",
    "reports",
    "incident_report",
    "public",
    "state",
];

/// The largest config file read (a real one is a few tens of KB).
const MAX_CONFIG_FILE: u64 = 4 << 20;

pub(super) fn load_file(
    path: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigErrors> {
    let refuse = |message: String| ConfigErrors {
        file: path.to_path_buf(),
        errors: vec![ConfigError {
            path: "(file)".into(),
            message,
            hint: Some("give the right file with --config PATH or SLAVAKT_CONFIG".into()),
        }],
    };
    // Bounded, so `--config /dev/zero` (or a huge file) is an error, not a hang.
    match super::ctx::read_bounded(path, MAX_CONFIG_FILE) {
        Ok(Some(text)) => from_str(&text, path, env),
        Ok(None) => Err(refuse(format!(
            "the config file is larger than {} MiB; is it the right file?",
            MAX_CONFIG_FILE >> 20
        ))),
        Err(e) => Err(refuse(format!("cannot read the config file: {e}"))),
    }
}

pub(super) fn from_str(
    text: &str,
    origin: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigErrors> {
    let fail = |errors: Vec<ConfigError>| ConfigErrors {
        file: origin.to_path_buf(),
        errors,
    };
    let mut table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => return Err(fail(vec![syntax_error(text, &e)])),
    };
    let base_dir = origin
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut ctx = Ctx::new(base_dir);
    super::env::apply(&mut table, env, &mut ctx);
    for k in table.keys() {
        if !SECTIONS.contains(&k.as_str()) {
            ctx.err(
                key(k),
                "unknown section or key",
                Some(format!(
                    "the top-level sections are: {}",
                    SECTIONS.join(", ")
                )),
            );
        }
    }
    let config = super::build::build(&mut table, origin, &mut ctx);
    let errors = ctx.finish();
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(fail(errors))
    }
}

/// A TOML syntax error as one problem with line and column. Only the parser's message is kept:
/// its snippet of the offending line could contain a secret.
fn syntax_error(text: &str, e: &toml::de::Error) -> ConfigError {
    let (line, col) = match e.span() {
        Some(span) => line_col(text, span.start),
        None => (1, 1),
    };
    ConfigError {
        path: format!("line {line}, column {col}"),
        message: format!("TOML syntax error: {}", e.message().trim()),
        hint: Some("fix the syntax first; the rest of the file is checked once it parses".into()),
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Deserializes one table (or array element) at `path`, recording unknown keys and shape
/// errors. Gives `T::default()` when the value has the wrong shape.
pub(super) fn section<T: DeserializeOwned + Default>(
    value: toml::Value,
    path: &str,
    ctx: &mut Ctx,
) -> T {
    if !value.is_table() {
        ctx.err(
            path,
            format!("expected a table, found {}", value.type_str()),
            None,
        );
        return T::default();
    }
    let mut unknown = Vec::new();
    let result: Result<T, _> = serde_ignored::deserialize(value, |p| unknown.push(format_path(&p)));
    for u in unknown {
        let full = if path.is_empty() {
            u
        } else {
            format!("{path}.{u}")
        };
        ctx.err(
            full,
            "unknown key",
            Some("check the spelling against docs/CONFIG.md".into()),
        );
    }
    match result {
        Ok(t) => t,
        Err(e) => {
            ctx.err(path, format!("wrong shape: {e}"), None);
            T::default()
        }
    }
}

/// Deserializes an array of tables (`[[plan]]`) element by element.
pub(super) fn array_section<T: DeserializeOwned + Default>(
    value: Option<toml::Value>,
    path: &str,
    ctx: &mut Ctx,
) -> Vec<T> {
    match value {
        None => Vec::new(),
        Some(toml::Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| section(v, &format!("{path}[{i}]"), ctx))
            .collect(),
        Some(other) => {
            ctx.err(
                path,
                format!(
                    "expected an array of tables ([[{path}]]), found {}",
                    other.type_str()
                ),
                None,
            );
            Vec::new()
        }
    }
}

/// Deserializes a table of named tables (`[roles.NAME]`), keeping the file's order.
pub(super) fn named_section<T: DeserializeOwned + Default>(
    value: Option<toml::Value>,
    path: &str,
    ctx: &mut Ctx,
) -> Vec<(String, T)> {
    match value {
        None => Vec::new(),
        Some(toml::Value::Table(t)) => t
            .into_iter()
            .map(|(name, v)| {
                let p = format!("{path}.{}", key(&name));
                let parsed = section(v, &p, ctx);
                (name, parsed)
            })
            .collect(),
        Some(other) => {
            ctx.err(
                path,
                format!("expected a table, found {}", other.type_str()),
                None,
            );
            Vec::new()
        }
    }
}

fn format_path(p: &serde_ignored::Path) -> String {
    use serde_ignored::Path as P;
    match p {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", format_path(parent)),
        P::Map { parent, key: k } => {
            let head = format_path(parent);
            if head.is_empty() {
                key(k)
            } else {
                format!("{head}.{}", key(k))
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            format_path(parent)
        }
    }
}
