//! Client-side rate limiter: at most `max` requests in any sliding window (one minute), so the
//! daemon stays under Pureservice's ~100/min per key. Built on `tokio::time`, so tests can pause
//! and advance time.

use std::collections::VecDeque;
use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    max: usize,
    window: Duration,
    // tokio's Mutex is fair (FIFO), so waiting callers are served in order.
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    pub fn per_minute(max: u32) -> Self {
        Self::new(max, Duration::from_secs(60))
    }

    pub fn new(max: u32, window: Duration) -> Self {
        RateLimiter {
            max: max.max(1) as usize,
            window,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until one more request fits in the window, then counts it.
    pub async fn acquire(&self) {
        let mut sent = self.sent.lock().await;
        loop {
            let now = Instant::now();
            while sent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= self.window)
            {
                sent.pop_front();
            }
            if sent.len() < self.max {
                sent.push_back(now);
                return;
            }
            let oldest = *sent.front().expect("non-empty when full");
            tokio::time::sleep_until(oldest + self.window).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spreads_requests_over_the_window() {
        let l = RateLimiter::per_minute(3);
        let start = Instant::now();
        for _ in 0..3 {
            l.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        l.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        for _ in 0..2 {
            l.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(60));
        l.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_secs(120));
    }
}
