//! systemd notifications: READY once the first cycle ran, WATCHDOG only while the loop is healthy,
//! STOPPING on shutdown, STATUS lines for `systemctl status`. No-ops outside systemd.

use sd_notify::NotifyState;

#[derive(Debug, Clone, Copy)]
pub struct Systemd {
    enabled: bool,
    /// Half the unit's WatchdogSec, if a watchdog is configured.
    pub watchdog_every: Option<std::time::Duration>,
}

impl Systemd {
    pub fn from_env(enabled: bool) -> Systemd {
        let mut usec = 0u64;
        let watchdog = enabled && sd_notify::watchdog_enabled(false, &mut usec);
        Systemd {
            enabled,
            watchdog_every: watchdog.then(|| std::time::Duration::from_micros(usec / 2)),
        }
    }
    pub fn disabled() -> Systemd {
        Systemd {
            enabled: false,
            watchdog_every: None,
        }
    }
    fn send(&self, states: &[NotifyState]) {
        if self.enabled {
            if let Err(e) = sd_notify::notify(false, states) {
                tracing::debug!(error = %e, "sd_notify failed");
            }
        }
    }
    pub fn ready(&self) {
        self.send(&[NotifyState::Ready]);
    }
    pub fn watchdog(&self) {
        self.send(&[NotifyState::Watchdog]);
    }
    pub fn stopping(&self) {
        self.send(&[NotifyState::Stopping]);
    }
    pub fn reloading(&self) {
        self.send(&[NotifyState::Reloading]);
    }
    pub fn status(&self, line: &str) {
        self.send(&[NotifyState::Status(line)]);
    }
}
