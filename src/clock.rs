//! The one place that reads the wall clock.
//!
//! Domain code takes `now` as an argument; the daemon asks a [`Clock`] once per cycle and passes
//! the answer down. Tests and `simulate` use [`FakeClock`]. `clippy.toml` forbids
//! `Utc::now`/`Local::now`/`SystemTime::now` everywhere else.

use chrono::{DateTime, Utc};
use std::sync::{Arc, Mutex};

/// A source of "now".
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the single sanctioned wall-clock read
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to; shared between a test and the code under test.
#[derive(Debug, Clone)]
pub struct FakeClock(Arc<Mutex<DateTime<Utc>>>);

impl FakeClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        FakeClock(Arc::new(Mutex::new(start)))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = t;
    }
    pub fn advance(&self, d: chrono::Duration) {
        let mut g = self.0.lock().expect("clock lock");
        *g += d;
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

/// A clock that runs `factor` times faster than the wall clock from `start` (used by `demo`).
#[derive(Debug, Clone)]
pub struct AcceleratedClock {
    start: DateTime<Utc>,
    origin: std::time::Instant,
    factor: u32,
}

impl AcceleratedClock {
    pub fn new(start: DateTime<Utc>, factor: u32) -> Self {
        AcceleratedClock {
            start,
            #[allow(clippy::disallowed_methods)] // the demo's clock: real time, sped up
            origin: std::time::Instant::now(),
            factor,
        }
    }
}

impl Clock for AcceleratedClock {
    fn now(&self) -> DateTime<Utc> {
        let real = self.origin.elapsed();
        let scaled = real.saturating_mul(self.factor);
        self.start + chrono::Duration::from_std(scaled).unwrap_or(chrono::Duration::zero())
    }
}
