//! The world the in-process daemon tests run in: a fake clock, the fake Pureservice with the demo
//! script's reference data, a real SMTP server (aiosmtpd), an HTTP capture sink for SMS, Teams
//! and intranet posts, and the shipped config pointed at those loopback peers.
//!
//! A test module adds its own helpers in an `impl World` block.

use super::notify::SmtpPeer;
use chrono::{DateTime, Utc};
use slavakt::app::{systemd::Systemd, AppError, Daemon, RunOptions};
use slavakt::clock::FakeClock;
use slavakt::config::Config;
use slavakt::demo::capture::{self, Inbox};
use slavakt::demo::{script, world};
use slavakt::pureservice::client::ClientOptions;
use slavakt::pureservice::fake::{FakeOptions, FakePureservice};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub struct World {
    pub clock: FakeClock,
    pub fake: FakePureservice,
    pub smtp: SmtpPeer,
    pub sink: Arc<Inbox>,
    pub dir: tempfile::TempDir,
    pub config: Config,
    _cancel: CancellationToken,
}

/// RFC 3339 → UTC instant (the kit's one timestamp parser, under the name these tests use).
pub use super::sla::utc as at;

/// The world with the clock at `start` (RFC 3339).
pub async fn world(start: &str) -> World {
    let clock = FakeClock::new(at(start));
    let fake = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .unwrap();
    script::prepare(&fake);
    let smtp = SmtpPeer::start("plain", None, None);
    let cancel = CancellationToken::new();
    let sink = Arc::new(Inbox::default());
    let http = capture::http_sink(sink.clone(), cancel.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let peers = world::Peers {
        pureservice: fake.base_url(),
        api_key: fake.api_key().expose().to_string(),
        smtp: ([127, 0, 0, 1], smtp.port).into(),
        http,
    };
    let config = world::config(&peers, dir.path()).unwrap();
    World {
        clock,
        fake,
        smtp,
        sink,
        dir,
        config,
        _cancel: cancel,
    }
}

impl World {
    /// A daemon on `config` and this world's clock and state directory, or why it would not
    /// start. Pureservice retries are short so that an outage costs milliseconds per cycle.
    pub fn try_daemon_with(&self, config: Config) -> Result<Daemon, AppError> {
        let retry = slavakt::pureservice::retry::RetryPolicy {
            max_attempts: 2,
            initial: std::time::Duration::from_millis(5),
            max_backoff: std::time::Duration::from_millis(20),
            max_retry_after: std::time::Duration::from_millis(50),
        };
        Daemon::start(RunOptions {
            config_path: self.dir.path().join("demo.toml"),
            config,
            clock: Arc::new(self.clock.clone()),
            shutdown: CancellationToken::new(),
            tick: Some(std::time::Duration::from_millis(20)),
            systemd: Systemd::disabled(),
            client_options: Some(ClientOptions {
                retry,
                ..ClientOptions::default()
            }),
        })
    }

    pub fn daemon_with(&self, config: Config) -> Daemon {
        self.try_daemon_with(config).unwrap()
    }

    /// A daemon on this world's config.
    pub fn daemon(&self) -> Daemon {
        self.daemon_with(self.config.clone())
    }

    /// The configured e-mail address of a role.
    pub fn role_email(&self, role: &str) -> String {
        self.config.roles[role].email.clone().unwrap()
    }
}
