//! Tolerant serde helpers for the wire models: nulls everywhere, numbers that arrive as strings
//! (and the other way round), and every timestamp form [`super::time`] accepts.

use chrono::{DateTime, Utc};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// `null`, missing or a timestamp string in any accepted form. Garbage is an error: a ticket
/// with an unreadable `modified` must fail the page rather than be silently misdated.
pub fn opt_ts<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => super::time::parse_timestamp(&s)
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("unreadable timestamp {:?}", excerpt(&s)))),
        Some(other) => Err(D::Error::custom(format!(
            "expected a timestamp string, got {}",
            kind(&other)
        ))),
    }
}

/// An integer that may arrive as a number, a numeric string or `null`.
pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .or_else(|| {
                // Only integers a float holds exactly: `1e30 as u64` would silently become
                // u64::MAX, and two different far-side ids one ticket.
                n.as_f64()
                    .filter(|f| (0.0..=9_007_199_254_740_992.0).contains(f) && f.fract() == 0.0)
                    .map(|f| f as u64)
            })
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a non-negative integer, got {n}"))),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => {
            s.trim().parse().map(Some).map_err(|_| {
                D::Error::custom(format!("expected an integer, got {:?}", excerpt(&s)))
            })
        }
        Some(other) => Err(D::Error::custom(format!(
            "expected an integer, got {}",
            kind(&other)
        ))),
    }
}

/// Required integer id (number or numeric string).
pub fn id<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    opt_u64(d)?.ok_or_else(|| D::Error::custom("missing id"))
}

/// Text that may arrive as a string, a number (`organizationNumber`) or `null`.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(D::Error::custom(format!(
            "expected text, got {}",
            kind(&other)
        ))),
    }
}

/// `true`/`false`, `null` (false), or 0/1.
pub fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(b),
        Some(Value::Number(n)) => Ok(n.as_f64().unwrap_or(0.0) != 0.0),
        Some(Value::String(s)) => Ok(matches!(s.trim(), "true" | "True" | "1")),
        Some(other) => Err(D::Error::custom(format!(
            "expected a boolean, got {}",
            kind(&other)
        ))),
    }
}

/// A count that may be `null` (0).
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    Ok(opt_u64(d)?
        .map(|v| v.min(u32::MAX as u64) as u32)
        .unwrap_or(0))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn excerpt(s: &str) -> String {
    s.chars().take(40).collect()
}
