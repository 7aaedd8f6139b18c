//! Failure classes shared by the channels: HTTP status → retryable / permanent / configuration,
//! `Retry-After` parsing, and cleaning far-side text (scrub secrets, one short line) before it
//! goes into an error, a log line or the ledger.

use super::NotifyError;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Longest far-side excerpt kept in an error: enough to diagnose, short enough for a log line.
const MAX_EXCERPT: usize = 300;

/// Scrubs every secret from `text`, folds it to one line and cuts it to a short excerpt.
pub fn clean(text: &str, secrets: &[&Secret]) -> String {
    let scrubbed = crate::secret::scrub(text, secrets);
    let one_line: String = scrubbed.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > MAX_EXCERPT {
        let cut: String = one_line.chars().take(MAX_EXCERPT).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// `Retry-After` relative to `now` (no `Date` header at hand): the one parser, shared with the
/// Pureservice client, clamped to [`crate::pureservice::retry::MAX_RETRY_AFTER`].
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    crate::pureservice::retry::parse_retry_after(value, None, now)
}

/// The class of a non-2xx HTTP answer. `what` names the request ("LINK SMS send");
/// `body` is the far side's answer, scrubbed here.
pub fn classify_http(
    status: u16,
    retry_after: Option<Duration>,
    body: &str,
    what: &str,
    secrets: &[&Secret],
) -> NotifyError {
    let excerpt = clean(body, secrets);
    let text = if excerpt.is_empty() {
        format!("{what}: HTTP {status}")
    } else {
        format!("{what}: HTTP {status}: {excerpt}")
    };
    match status {
        401 | 403 => NotifyError::Config(format!(
            "{text} (credentials or permissions rejected: check the secret and the account's rights)"
        )),
        408 | 425 | 429 | 500..=599 => NotifyError::Retryable {
            message: text,
            retry_after,
        },
        _ => NotifyError::Permanent(text),
    }
}

/// `base64(user:password)` as in a Basic `Authorization` header: a secret too, since a far side
/// may echo the header.
pub fn basic_credentials(user: &str, password: &Secret) -> Secret {
    use base64::Engine;
    Secret::new(
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose())),
    )
}

/// Whether a 2xx JSON answer of a generic endpoint says it failed: `success: false`,
/// `ok: false`, `status: "failed" | "error"`, or a non-empty `error`/`errors`.
pub fn body_reports_failure(v: &serde_json::Value) -> bool {
    use serde_json::Value;
    let flag_false = |k: &str| v.get(k).and_then(Value::as_bool) == Some(false);
    let status = v.get("status").and_then(Value::as_str).unwrap_or("");
    let has_error = ["error", "errors"].iter().any(|k| match v.get(*k) {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        Some(_) => true,
    });
    flag_false("success") || flag_false("ok") || matches!(status, "failed" | "error") || has_error
}

/// The created object's id in a generic JSON answer (`id`, `messageId` or `message_id`).
pub fn generic_id(v: &serde_json::Value) -> Option<String> {
    ["id", "messageId", "message_id"]
        .iter()
        .find_map(|k| v.get(*k))
        .filter(|i| !i.is_null())
        .map(|i| i.to_string().trim_matches('"').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap()
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            parse_retry_after("120", now()),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Mon, 02 Mar 2026 08:00:30 GMT", now()),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Mon, 02 Mar 2026 07:00:00 GMT", now()),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now()), None);
    }

    #[test]
    fn statuses_map_to_classes() {
        let s = Secret::new("tok-abcdef");
        let e = classify_http(401, None, "bad token tok-abcdef", "x", &[&s]);
        assert!(matches!(e, NotifyError::Config(_)));
        assert!(!e.to_string().contains("tok-abcdef"));
        assert!(matches!(
            classify_http(403, None, "", "x", &[]),
            NotifyError::Config(_)
        ));
        let e = classify_http(429, Some(Duration::from_secs(7)), "", "x", &[]);
        assert_eq!(
            e,
            NotifyError::Retryable {
                message: "x: HTTP 429".into(),
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert!(classify_http(503, None, "", "x", &[]).is_retryable());
        for st in [400, 404, 422] {
            assert!(matches!(
                classify_http(st, None, "", "x", &[]),
                NotifyError::Permanent(_)
            ));
        }
    }

    #[test]
    fn excerpts_are_one_short_line() {
        let long = "a\nb ".repeat(400);
        let c = clean(&long, &[]);
        assert!(!c.contains('\n'));
        assert!(c.chars().count() <= MAX_EXCERPT + 1);
    }
}
