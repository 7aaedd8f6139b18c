//! Shared helpers for the HTTP and `status` tests: a small config, a hand-written state file
//! (`ops_state.json`: four tickets — an overdue Kritisk, a Høy with an HTML-hostile subject, a
//! solved one, an unprioritised one — and one pending SMS), and a server on 127.0.0.1:0.

use chrono::{DateTime, Utc};
use slavakt::clock::{Clock, FakeClock};
use slavakt::config::Config;
use slavakt::http::{self, HttpShared};
use slavakt::metrics::Metrics;
use slavakt::state::State;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

pub const STATE_JSON: &str = include_str!("ops_state.json");

/// The instant the fixture describes: 14:30 UTC, 30 s after the last successful poll.
pub fn now() -> DateTime<Utc> {
    t("2027-03-24T14:30:00Z")
}

pub fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test time")
        .with_timezone(&Utc)
}

pub fn state() -> State {
    serde_json::from_str(STATE_JSON).expect("fixture state.json matches the State schema")
}

/// Config text: two 24x7 levels so the expected deadlines are plain arithmetic, and (with
/// `plan`) two plan rules: Kritisk gets a follow-up 3 h after creation, Høy a warning at 75 %
/// of the response time.
pub fn config_text(state_file: &Path, language: &str, plan: bool) -> String {
    let plan = if plan { PLAN } else { "" };
    format!(
        r#"
[daemon]
state_file = "{state}"
poll_interval = "30s"
language = "{language}"
timezone = "Europe/Oslo"

[pureservice]
base_url = "http://127.0.0.1:9"
api_key = "test-key-not-secret"

[pureservice.priorities]
"Kritisk" = "kritisk"
"Høy" = "hoy"

[sla.kritisk]
label = "Kritisk"
response = "15m"
resolution = "4h"
calendar = "24x7"
warn_at = ["75%"]

[sla.hoy]
label = "Høy"
response = "1h"
resolution = "8h"
calendar = "24x7"
warn_at = ["75%"]

[roles.incident_manager]
name = "Ingrid Testvik"
email = "ingrid@ikt.example"
phone = "+4790000201"

[roles.varslingsansvarlig]
name = "Per Prøvenes"
email = "per@ikt.example"
phone = "+4790000202"

[channels.email]
host = "127.0.0.1"
port = 2525
tls = "none"
from = "Varsling <varsling@ikt.example>"

[alerts]
to = ["role:incident_manager"]

[classification]
notify = ["role:incident_manager"]
{plan}"#,
        state = state_file.display()
    )
}

const PLAN: &str = r#"
[[plan]]
id = "kritisk-followup"
priorities = ["kritisk"]
when = { after = "3h" }
to = ["role:incident_manager"]
via = ["email"]
template = "incident_status"

[[plan]]
id = "hoy-response-warning"
priorities = ["hoy"]
when = "response_warning"
to = ["role:varslingsansvarlig"]
via = ["email"]
template = "sla_warning"
"#;

/// Writes the config (and nothing else) into `dir`; returns its path.
pub fn write_config(dir: &Path, state_file: &Path, language: &str) -> PathBuf {
    write_config_with(dir, state_file, language, true)
}

pub fn write_config_with(dir: &Path, state_file: &Path, language: &str, plan: bool) -> PathBuf {
    let path = dir.join("slavakt.toml");
    std::fs::write(&path, config_text(state_file, language, plan)).expect("write config");
    path
}

pub fn config(dir: &Path, language: &str) -> Config {
    config_with(dir, language, true)
}

pub fn config_with(dir: &Path, language: &str, plan: bool) -> Config {
    let path = write_config_with(dir, &dir.join("state.json"), language, plan);
    slavakt::config::load_with_env(&path, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("test config is valid: {e}"))
}

/// A running status server with a fake clock at [`now`].
pub struct Running {
    pub base: String,
    pub addr: SocketAddr,
    pub shared: Arc<HttpShared>,
    pub metrics: Arc<Metrics>,
    pub clock: FakeClock,
    pub cancel: CancellationToken,
    pub task: tokio::task::JoinHandle<Result<(), http::HttpError>>,
    pub dir: tempfile::TempDir,
}

pub async fn start(language: &str) -> Running {
    start_with(language, |_| {}).await
}

/// [`start`] with the config changed by `edit` first.
pub async fn start_with(language: &str, edit: impl FnOnce(&mut Config)) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = config(dir.path(), language);
    edit(&mut config);
    let config = Arc::new(config);
    let clock = FakeClock::new(now());
    let metrics = Arc::new(Metrics::new());
    let shared = HttpShared::new(
        config,
        metrics.clone(),
        Arc::new(clock.clone()) as Arc<dyn Clock>,
    );
    let server = http::bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind loopback");
    let addr = server.local_addr();
    let cancel = CancellationToken::new();
    let task = tokio::spawn(server.run(shared.clone(), cancel.clone()));
    Running {
        base: format!("http://{addr}"),
        addr,
        shared,
        metrics,
        clock,
        cancel,
        task,
        dir,
    }
}

impl Running {
    pub async fn get(&self, path: &str) -> (u16, String, String) {
        let resp = reqwest::get(format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = resp.status().as_u16();
        let ctype = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (status, ctype, resp.text().await.expect("body"))
    }

    /// Stops the server and waits for it, with a deadline.
    pub async fn stop(self) {
        self.cancel.cancel();
        let res = tokio::time::timeout(std::time::Duration::from_secs(10), self.task)
            .await
            .expect("server stops within 10 s after cancel")
            .expect("server task did not panic");
        res.expect("server ended without error");
    }
}
