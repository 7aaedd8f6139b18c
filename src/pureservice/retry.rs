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

/// Reads `Retry-After`: delta-seconds, or an HTTP date relative to `server_now` (the response's
/// `Date` header) or, failing that, `local_now`. A date in the past means "now".
pub fn parse_retry_after(
    value: &str,
    server_now: Option<&str>,
    local_now: DateTime<Utc>,
) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = v.parse::<f64>() {
        if secs.is_finite() && secs >= 0.0 {
            return Some(Duration::from_secs_f64(secs));
        }
    }
    let at: DateTime<Utc> = httpdate::parse_http_date(v).ok()?.into();
    let now = server_now
        .and_then(|d| httpdate::parse_http_date(d.trim()).ok())
        .map(DateTime::<Utc>::from)
        .unwrap_or(local_now);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
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
