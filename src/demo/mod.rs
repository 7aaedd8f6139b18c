//! `slavakt demo`: the whole daemon against a built-in fake world. A fake Pureservice on
//! loopback gets a scripted Kritisk and Høy incident; the real daemon (same code as `run`) polls
//! it with accelerated time and delivers through the real channel code to loopback capture
//! sinks; every message is printed as it goes out, and a summary closes the run. The service
//! desk's status page (the same `/`, `/status.json`, `/metrics` as `run`) is served live on a
//! loopback port for the whole run; its URL is printed first.

pub mod capture;
pub mod mime;
pub mod script;
pub mod world;

use crate::app::{systemd::Systemd, Daemon, RunOptions};
use crate::clock::{AcceleratedClock, Clock};
use crate::pureservice::fake::{FakeOptions, FakePureservice};
use capture::{Captured, Inbox};
use chrono::{DateTime, Utc};
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// Demo settings (the CLI exposes `speed`).
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Simulated seconds per real second.
    pub speed: u32,
    /// Where the demo's simulated time starts (a Wednesday in office hours by default).
    pub start: DateTime<Utc>,
    /// Where the live status page listens (loopback; port 0 picks a free one).
    pub listen: std::net::SocketAddr,
}

/// What the demo saw, for the summary and for tests.
#[derive(Debug, Default)]
pub struct DemoSummary {
    pub deliveries: Vec<String>,
    pub delivered: usize,
    pub failed: usize,
    pub captured: Vec<Captured>,
    pub notes_on_tickets: usize,
}

pub async fn run(
    opts: DemoOptions,
    out: Arc<Mutex<dyn Write + Send>>,
) -> Result<DemoSummary, String> {
    let clock: Arc<dyn Clock> = Arc::new(AcceleratedClock::new(opts.start, opts.speed));
    let cancel = CancellationToken::new();
    let inbox = Arc::new(Inbox::default());
    let smtp = capture::smtp_sink(inbox.clone(), cancel.clone())
        .await
        .map_err(|e| format!("cannot start the demo SMTP sink: {e}"))?;
    let http = capture::http_sink(inbox.clone(), cancel.clone())
        .await
        .map_err(|e| format!("cannot start the demo HTTP sink: {e}"))?;
    let fake = FakePureservice::start(FakeOptions::new(clock.clone()))
        .await
        .map_err(|e| format!("cannot start the simulated Pureservice: {e}"))?;
    script::prepare(&fake);
    let dir = tempfile_dir()?;
    let config = world::config(
        &world::Peers {
            pureservice: fake.base_url(),
            api_key: fake.api_key().expose().to_string(),
            smtp,
            http,
        },
        dir.path(),
    )?;
    let tick = (config.daemon.poll_interval.to_std().unwrap_or_default() / opts.speed.max(1))
        .max(std::time::Duration::from_millis(20));
    let shutdown = CancellationToken::new();
    let mut daemon = Daemon::start(RunOptions {
        config_path: dir.path().join("demo.toml"),
        config,
        clock: clock.clone(),
        shutdown: shutdown.clone(),
        tick: Some(tick),
        systemd: Systemd::disabled(),
        client_options: None,
    })
    .map_err(|e| e.to_string())?;

    let log: Arc<Mutex<Vec<String>>> = Arc::default();
    let (printer, lines, tz) = (out.clone(), log.clone(), daemon.config().daemon.timezone);
    let clock_for_print = clock.clone();
    daemon.on_delivery = Some(Box::new(move |o| {
        let at = clock_for_print.now().with_timezone(&tz).format("%a %H:%M");
        let line = format!(
            "{at}  {:<10} {:<24} {:<38} {}",
            o.outcome.label(),
            o.channel,
            truncate(o.key.splitn(5, '/').nth(4).unwrap_or(""), 38),
            o.key.split('/').nth(1).unwrap_or("")
        );
        lines.lock().expect("log lock").push(line.clone());
        let _ = writeln!(printer.lock().expect("out lock"), "{line}");
    }));

    {
        let mut w = out.lock().expect("out lock");
        let _ = writeln!(
            w,
            "slavakt demo: simulated Pureservice at {}, time runs {}× faster from {}.\n",
            fake.base_url(),
            opts.speed,
            opts.start
                .with_timezone(&chrono_tz::Europe::Oslo)
                .format("%A %d.%m.%Y %H:%M")
        );
    }
    // The status page, live while the demo runs: what the service desk would have on screen.
    let page = crate::http::bind(opts.listen)
        .await
        .map_err(|e| format!("cannot serve the demo's status page: {e}"))?;
    let page_url = format!("http://{}/", page.local_addr());
    let page_task = tokio::spawn(page.run(daemon.http.clone(), cancel.clone()));
    {
        let mut w = out.lock().expect("out lock");
        let _ = writeln!(
            w,
            "Status page (live while the demo runs): {page_url}  — also {page_url}status.json and {page_url}metrics\n"
        );
        let _ = w.flush();
    }
    let runner = tokio::spawn(daemon.run(None));
    let script_out = out.clone();
    let ids = script::play(&fake, clock.as_ref(), opts.start, &shutdown, script_out).await;
    shutdown.cancel();
    runner
        .await
        .map_err(|e| format!("daemon task failed: {e}"))?
        .map_err(|e| e.to_string())?;
    // Let the sinks settle: every delivery the daemon recorded has already been accepted.
    let captured = inbox.snapshot();
    cancel.cancel();
    let _ = page_task.await;
    let deliveries = log.lock().expect("log lock").clone();
    let summary = DemoSummary {
        delivered: deliveries
            .iter()
            .filter(|l| l.contains("delivered"))
            .count(),
        failed: deliveries.iter().filter(|l| l.contains("failed")).count(),
        deliveries,
        notes_on_tickets: ids.iter().map(|id| fake.notes(*id).len()).sum(),
        captured,
    };
    Ok(summary)
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).chain(std::iter::once('…')).collect()
    }
}

fn tempfile_dir() -> Result<TempDir, String> {
    TempDir::new().map_err(|e| format!("cannot create a temporary directory: {e}"))
}

/// A temporary directory removed on drop (the demo leaves nothing behind).
pub struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let base = std::env::temp_dir();
        for n in 0..1000u32 {
            let p = base.join(format!("slavakt-demo-{}-{n}", std::process::id()));
            if std::fs::create_dir(&p).is_ok() {
                return Ok(TempDir(p));
            }
        }
        Err(std::io::Error::other("no free temporary directory name"))
    }
    pub fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
