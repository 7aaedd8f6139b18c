//! Retry policy of the client: capped exponential backoff with jitter, and `Retry-After`
//! (seconds, or an HTTP date measured against the response's own `Date` header so that host
//! clock skew does not matter).

use chrono::{DateTime, Utc};
use rand::Rng;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in total, the first included.
    pub max_attempts: u32,
    pub initial: Duration,
    pub max_backoff: Duration,
    /// A longer `Retry-After` is cut to this (then the call retries or gives up as usual).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Backoff before attempt `attempt + 1` (`attempt` counts from 1): `initial · 2^(attempt-1)`
    /// capped at `max_backoff`, then "equal jitter" (half fixed, half random).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(self.max_backoff);
        let half = capped / 2;
        let jitter = rand::thread_rng().gen_range(0..=half.as_millis().max(1) as u64);
        half + Duration::from_millis(jitter)
    }

    /// The wait a `Retry-After` asks for, capped; a little jitter keeps clients apart.
    pub fn after(&self, retry_after: Duration) -> Duration {
        let jitter = rand::thread_rng().gen_range(0..=50u64);
        retry_after.min(self.max_retry_after) + Duration::from_millis(jitter)
    }
}

/// The longest wait a `Retry-After` can ask for: anything longer (a 20-digit number, `1e20`,
/// a date in the year 9999) is read as this. The Pureservice client then cuts it further to
/// `max_retry_after`; the outbox gives up on a delivery whose retry would pass its deadline.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60 * 60);

/// The one `Retry-After` reader (Pureservice and every HTTP channel use it): delta-seconds
/// (integer, or a decimal such as `1.5`/`1e3`), or an HTTP date relative to `server_now` (the
/// response's `Date` header) or, failing that, `local_now`. A date in the past means "now";
/// every value is clamped to [`MAX_RETRY_AFTER`]; negative, non-finite or unreadable values
/// are ignored (`None`). Far-side input, so no arithmetic here can overflow or panic.
pub fn parse_retry_after(
    value: &str,
    server_now: Option<&str>,
    local_now: DateTime<Utc>,
) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "a very long time", not garbage.
        let secs = v.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    if v.bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+'))
    {
        if let Ok(secs) = v.parse::<f64>() {
            if secs.is_finite() && secs >= 0.0 {
                let capped = secs.min(MAX_RETRY_AFTER.as_secs_f64());
                return Some(Duration::try_from_secs_f64(capped).unwrap_or(MAX_RETRY_AFTER));
            }
            return None;
        }
    }
    let at: DateTime<Utc> = httpdate::parse_http_date(v).ok()?.into();
    let now = server_now
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .map(DateTime::<Utc>::from)
        .unwrap_or(local_now);
    let wait = at
        .signed_duration_since(now)
        .to_std()
        .unwrap_or(Duration::ZERO);
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let local: DateTime<Utc> = "2030-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("7", None, local),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after(
                "Sun, 06 Nov 1994 08:49:40 GMT",
                Some("Sun, 06 Nov 1994 08:49:37 GMT"),
                local
            ),
            Some(Duration::from_secs(3))
        );
        // Without a Date header the host clock is the reference; the past means "now".
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:40 GMT", None, local),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", None, local), None);
    }

    #[test]
    fn absurd_retry_after_is_clamped_never_a_panic() {
        let local: DateTime<Utc> = "2030-01-01T00:00:00Z".parse().unwrap();
        for v in [
            "1e20",
            "99999999999999999999",
            "10000000000000",
            "1E308",
            "Fri, 31 Dec 9999 23:59:59 GMT",
        ] {
            assert_eq!(
                parse_retry_after(v, None, local),
                Some(MAX_RETRY_AFTER),
                "{v}"
            );
        }
        assert_eq!(
            parse_retry_after("1.5", None, local),
            Some(Duration::from_millis(1500))
        );
        for v in ["-5", "NaN", "inf", "1e999", "", "12abc", "0x10", "+-1"] {
            assert_eq!(parse_retry_after(v, None, local), None, "{v}");
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            initial: Duration::from_millis(100),
            max_backoff: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b9 = p.backoff(9);
            assert!(b9 >= Duration::from_millis(500) && b9 <= Duration::from_millis(1000));
        }
        assert!(p.after(Duration::from_secs(60)) <= Duration::from_millis(5050));
    }
}
