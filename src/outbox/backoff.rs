//! When to try again: capped exponential backoff with jitter, `Retry-After`, and the deadline.

use crate::config::RetryPolicy;
use chrono::{DateTime, Utc};
use rand::Rng;

/// The decision after a retryable failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    At(DateTime<Utc>),
    /// The next attempt would fall after the deadline: give up now.
    GiveUp,
}

/// Delay before attempt `failures + 1`, where `failures` ≥ 1 counts the failed attempts so far:
/// `initial × 2^(failures−1)`, capped at `max`, then drawn uniformly from its upper half
/// ("equal jitter") so that a burst of failures does not retry in lockstep.
pub fn delay(policy: &RetryPolicy, failures: u32, rng: &mut impl Rng) -> chrono::Duration {
    let initial = policy.initial.num_milliseconds().max(1);
    let max = policy.max.num_milliseconds().max(initial);
    let exp = failures.saturating_sub(1).min(30);
    let base = initial.saturating_mul(1i64 << exp).min(max);
    let jittered = rng.gen_range(base / 2..=base);
    chrono::Duration::milliseconds(jittered)
}

/// Next attempt after a retryable failure at `now`: the backoff delay, or the far side's
/// `Retry-After` if that is longer (it says "not before"). A retry is only scheduled if it can
/// happen by the deadline (`created_at + policy.deadline`).
pub fn next_attempt(
    policy: &RetryPolicy,
    created_at: DateTime<Utc>,
    failures: u32,
    retry_after: Option<std::time::Duration>,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Retry {
    let mut wait = delay(policy, failures, rng);
    if let Some(ra) = retry_after.and_then(|d| chrono::Duration::from_std(d).ok()) {
        wait = wait.max(ra);
    }
    // `Retry-After` is far-side input and the deadline comes from the config: neither may
    // overflow the date arithmetic (a retry beyond the representable range is past any deadline).
    let Some(at) = now.checked_add_signed(wait) else {
        return Retry::GiveUp;
    };
    match created_at.checked_add_signed(policy.deadline) {
        Some(deadline) if at > deadline => Retry::GiveUp,
        _ => Retry::At(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use rand::SeedableRng;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            initial: Duration::seconds(5),
            max: Duration::minutes(5),
            deadline: Duration::hours(1),
        }
    }

    #[test]
    fn doubles_within_the_jitter_band_and_caps() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for (failures, base) in [
            (1, 5_000),
            (2, 10_000),
            (3, 20_000),
            (7, 300_000),
            (40, 300_000),
        ] {
            for _ in 0..50 {
                let d = delay(&policy(), failures, &mut rng).num_milliseconds();
                assert!((base / 2..=base).contains(&d), "{failures}: {d}");
            }
        }
    }

    #[test]
    fn retry_after_wins_when_longer_and_the_deadline_bounds_everything() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let t0: DateTime<Utc> = "2026-05-06T08:00:00Z".parse().unwrap();
        let ra = Some(std::time::Duration::from_secs(120));
        assert_eq!(
            next_attempt(&policy(), t0, 1, ra, t0, &mut rng),
            Retry::At(t0 + Duration::seconds(120))
        );
        let late = t0 + Duration::minutes(59);
        assert_eq!(
            next_attempt(&policy(), t0, 1, ra, late, &mut rng),
            Retry::GiveUp
        );
    }

    #[test]
    fn absurd_waits_and_deadlines_never_overflow() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let t0: DateTime<Utc> = "2026-05-06T08:00:00Z".parse().unwrap();
        let huge = Some(std::time::Duration::from_secs(10_000_000_000_000));
        assert_eq!(
            next_attempt(&policy(), t0, 1, huge, t0, &mut rng),
            Retry::GiveUp
        );
        let endless = RetryPolicy {
            deadline: Duration::MAX,
            ..policy()
        };
        assert!(matches!(
            next_attempt(&endless, t0, 1, None, t0, &mut rng),
            Retry::At(_)
        ));
        assert_eq!(
            next_attempt(&endless, t0, 1, huge, DateTime::<Utc>::MAX_UTC, &mut rng),
            Retry::GiveUp
        );
    }
}
