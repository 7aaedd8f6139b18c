//! Building `filter=` expressions (the .NET Dynamic-LINQ subset seen in production) and the
//! query string that carries them. The fake server parses exactly this subset.

use crate::config::DateLiteral;
use chrono::{DateTime, Datelike, Timelike, Utc};

/// Open tickets: `status.coreStatus < 50 AND !isMarkedForDeletion`.
pub const OPEN_TICKETS: &str = "status.coreStatus < 50 AND !isMarkedForDeletion";

/// The ticket sort the sync relies on: oldest change first, ties by id.
pub const SORT_MODIFIED_ASC: &str = "modified asc, id asc";

/// A timestamp as a filter literal, rounded down to whole milliseconds (a literal cannot carry
/// more, and rounding down keeps `>=` inclusive).
pub fn date_literal(t: DateTime<Utc>, form: DateLiteral) -> String {
    let t = super::time::floor_millis(t);
    match form {
        DateLiteral::DateTimeOffset => format!(
            "DateTimeOffset({}, {}, {}, {}, {}, {}, {}, TimeSpan(0, 0, 0, 0))",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.timestamp_subsec_millis()
        ),
        DateLiteral::IsoString => format!("\"{}\"", super::time::format_timestamp(t)),
    }
}

/// `modified >= <literal>`.
pub fn modified_since(t: DateTime<Utc>, form: DateLiteral) -> String {
    format!("modified >= {}", date_literal(t, form))
}

/// Everything after `(t, id)` in `modified asc, id asc` order, using only the operators seen
/// in production: `modified >= T AND (modified != T OR id >= id+1)`. With stamps finer than a
/// millisecond `!=` is true for the whole millisecond: a harmless superset.
pub fn after_key(t: DateTime<Utc>, id: u64, form: DateLiteral) -> String {
    let lit = date_literal(t, form);
    format!(
        "modified >= {lit} AND (modified != {lit} OR id >= {})",
        id + 1
    )
}

/// `(a) AND (b)`.
pub fn and(a: &str, b: &str) -> String {
    format!("({a}) AND ({b})")
}

/// `field == 1 OR field == 2 …` (empty input gives an expression that matches nothing).
pub fn any_of(field: &str, ids: &[u64]) -> String {
    if ids.is_empty() {
        return format!("{field} == -1");
    }
    ids.iter()
        .map(|id| format!("{field} == {id}"))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// Percent-encodes a query component completely (RFC 3986 unreserved characters stay), so the
/// whole expression survives proxies: spaces become `%20`, never `+`.
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The query of one list request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub sort: Option<String>,
    pub include: Vec<String>,
    pub start: Option<u32>,
    pub limit: Option<u32>,
}

impl ListQuery {
    /// `a=b&c=d`, every value fully percent-encoded.
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        if let Some(f) = &self.filter {
            parts.push(format!("filter={}", encode_component(f)));
        }
        if let Some(s) = &self.sort {
            parts.push(format!("sort={}", encode_component(s)));
        }
        if !self.include.is_empty() {
            parts.push(format!(
                "include={}",
                encode_component(&self.include.join(","))
            ));
        }
        if let Some(s) = self.start {
            parts.push(format!("start={s}"));
        }
        if let Some(l) = self.limit {
            parts.push(format!("limit={l}"));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        let t: DateTime<Utc> = "2026-05-06T10:11:12.3456Z".parse().unwrap();
        assert_eq!(
            modified_since(t, DateLiteral::DateTimeOffset),
            "modified >= DateTimeOffset(2026, 5, 6, 10, 11, 12, 345, TimeSpan(0, 0, 0, 0))"
        );
        assert_eq!(
            modified_since(t, DateLiteral::IsoString),
            "modified >= \"2026-05-06T10:11:12.345Z\""
        );
    }

    #[test]
    fn query_string_is_fully_encoded() {
        let q = ListQuery {
            filter: Some("status.coreStatus < 50 AND !isMarkedForDeletion".into()),
            sort: Some(SORT_MODIFIED_ASC.into()),
            include: vec!["user".into(), "user.company".into()],
            start: Some(0),
            limit: Some(500),
        };
        assert_eq!(
            q.to_query_string(),
            "filter=status.coreStatus%20%3C%2050%20AND%20%21isMarkedForDeletion\
             &sort=modified%20asc%2C%20id%20asc&include=user%2Cuser.company&start=0&limit=500"
        );
        assert_eq!(any_of("id", &[3, 4]), "id == 3 OR id == 4");
    }
}
