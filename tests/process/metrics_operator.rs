//! The metrics an operator alerts on, read from the `/metrics` of the real `slavakt run` binary
//! against the fake Pureservice and capture sinks on loopback:
//! - every counter docs/OPERATIONS.md names is there at 0 from start-up, for every label value
//!   the doc lists (and, for `channel` and `rule`, every configured channel and plan rule) — the
//!   doc's metric table is parsed, so a counter added to the doc without code fails here;
//! - `slavakt_api_errors_total` counts failed requests, one per failed HTTP request (retries
//!   included) by documented `kind`: 500s, timeouts and refused connections.

use slavakt::clock::SystemClock;
use slavakt::demo::capture::{self, Inbox};
use slavakt::demo::{script, world};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, Fault};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Child;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

use crate::kit::process as process_support;
use process_support::{collect_output, slavakt_run, Log};

const DEADLINE: Duration = Duration::from_secs(90);

/// `name{labels}` → value, from a text exposition.
fn samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (series, v) = l.rsplit_once(' ')?;
            Some((series.to_string(), v.parse().ok()?))
        })
        .collect()
}

/// One counter row of the doc's table: names, and per label its documented values (empty:
/// the values come from the config, as for `channel` and `rule`).
#[derive(Debug)]
struct DocCounter {
    names: Vec<String>,
    labels: Vec<(String, Vec<String>)>,
}

/// The counters of the "Metrics:" table in docs/OPERATIONS.md.
fn documented_counters() -> Vec<DocCounter> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/OPERATIONS.md"))
            .expect("docs/OPERATIONS.md");
    let table = doc
        .split("| Metric | Type | Labels |")
        .nth(1)
        .expect("the metric table in docs/OPERATIONS.md");
    let mut out = Vec::new();
    for row in table.lines().skip(2).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "row {row:?}");
        if !cells[1].contains("counter") {
            continue;
        }
        let names = code_spans(cells[0]).into_iter().map(|(c, _)| c).collect();
        out.push(DocCounter {
            names,
            labels: labels_of(cells[2]),
        });
    }
    assert!(out.len() >= 6, "too few counters parsed: {out:?}");
    out
}

/// The `code` spans of a cell, each with the text that follows it up to the next span.
fn code_spans(cell: &str) -> Vec<(String, String)> {
    let parts: Vec<&str> = cell.split('`').collect();
    (1..parts.len())
        .step_by(2)
        .map(|i| {
            (
                parts[i].to_string(),
                parts.get(i + 1).copied().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// "`channel`, `outcome` = `delivered`, `retrying`: …" → channel: [], outcome: [delivered,
/// retrying]. Values run while they are separated by ", "; anything else ends the list.
/// A cell that does not start with a label (`read from /proc/self …`) names none.
fn labels_of(cell: &str) -> Vec<(String, Vec<String>)> {
    if !cell.trim_start().starts_with('`') {
        return Vec::new();
    }
    let spans = code_spans(cell);
    let mut labels: Vec<(String, Vec<String>)> = Vec::new();
    let mut i = 0;
    while i < spans.len() {
        let (name, after) = &spans[i];
        labels.push((name.clone(), Vec::new()));
        i += 1;
        if after.trim() == "=" {
            let values = &mut labels.last_mut().unwrap().1;
            while i < spans.len() {
                values.push(spans[i].0.clone());
                let sep = spans[i].1.clone();
                i += 1;
                if sep != ", " {
                    break;
                }
            }
            break;
        }
        if after.trim() != "," {
            break;
        }
    }
    labels
}

/// Label values the config decides: the configured channels and the plan's rule ids.
fn configured(label: &str, config: &slavakt::config::Config) -> Vec<String> {
    match label {
        "channel" => {
            let ch = &config.channels;
            let mut v = Vec::new();
            if ch.email.is_some() {
                v.push("email".to_string());
            }
            if ch.sms.is_some() {
                v.push("sms".into());
            }
            v.extend(ch.teams.keys().map(|t| format!("teams:{t}")));
            if ch.intranet.is_some() {
                v.push("intranet".into());
            }
            if ch.pureservice_note {
                v.push("pureservice_note".into());
            }
            v
        }
        "rule" => config.plan.iter().map(|r| r.id.clone()).collect(),
        other => panic!("the doc lists no values for label {other:?} and the config has none"),
    }
}

/// Every label set of a counter: the cross product of its labels' values.
fn label_sets(labels: &[(String, Vec<String>)], config: &slavakt::config::Config) -> Vec<String> {
    let mut sets = vec![String::new()];
    for (name, values) in labels {
        let values = if values.is_empty() {
            configured(name, config)
        } else {
            values.clone()
        };
        assert!(!values.is_empty(), "no values for {name}");
        sets = sets
            .iter()
            .flat_map(|s| {
                values.iter().map(move |v| {
                    let sep = if s.is_empty() { "" } else { "," };
                    format!("{s}{sep}{name}=\"{v}\"")
                })
            })
            .collect();
    }
    sets
}

struct Running {
    child: Child,
    log: Log,
    metrics_url: String,
    config: slavakt::config::Config,
    _dir: tempfile::TempDir,
    _cancel: CancellationToken,
}

impl Running {
    async fn metrics(&self) -> BTreeMap<String, f64> {
        let text = reqwest::get(&self.metrics_url)
            .await
            .expect("GET /metrics")
            .text()
            .await
            .unwrap();
        samples(&text)
    }

    async fn value(&self, series: &str) -> f64 {
        self.metrics()
            .await
            .get(series)
            .copied()
            .unwrap_or(f64::NAN)
    }

    /// Waits until `series` reaches at least `min`.
    async fn wait_for(&self, series: &str, min: f64) {
        let start = Instant::now();
        loop {
            if self.value(series).await >= min {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "{series} never reached {min}; log: {:#?}",
                self.log.lines()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `slavakt run` on the demo world's config with Pureservice at `pureservice`, `/metrics` on a
/// free loopback port, a 1 s request timeout; returns once `/metrics` answers.
async fn start(fake: &FakePureservice, pureservice: url::Url) -> Running {
    let cancel = CancellationToken::new();
    let inbox = Arc::new(Inbox::default());
    let smtp = capture::smtp_sink(inbox.clone(), cancel.clone())
        .await
        .unwrap();
    let http = capture::http_sink(inbox, cancel.clone()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let text = world::config_text(
        &world::Peers {
            pureservice,
            api_key: fake.api_key().expose().to_string(),
            smtp,
            http,
        },
        dir.path(),
    )
    .unwrap();
    let path = dir.path().join("slavakt.toml");
    std::fs::write(&path, &text).unwrap();
    let config = slavakt::config::load(&path).expect("the demo world's config");
    let mut child = slavakt_run(&path)
        .env("SLAVAKT_DAEMON__HTTP_LISTEN", "127.0.0.1:0")
        .env("SLAVAKT_PURESERVICE__TIMEOUT", "1s")
        .spawn()
        .unwrap();
    let log = collect_output(&mut child);
    let start = Instant::now();
    let addr = loop {
        let found = log
            .lines()
            .iter()
            .filter(|l| l.contains("/metrics listening"))
            .find_map(|l| {
                let a = l.split("addr=").nth(1)?;
                Some(a.split_whitespace().next()?.to_string())
            });
        if let Some(a) = found {
            break a;
        }
        assert!(
            start.elapsed() < DEADLINE,
            "the daemon never listened: {:#?}",
            log.lines()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    Running {
        child,
        log,
        metrics_url: format!("http://{addr}/metrics"),
        config,
        _dir: dir,
        _cancel: cancel,
    }
}

async fn fake() -> FakePureservice {
    let fake = FakePureservice::start(FakeOptions::new(Arc::new(SystemClock)))
        .await
        .unwrap();
    script::prepare(&fake);
    fake
}

#[test]
fn the_doc_table_parser_reads_values_and_stops_at_prose() {
    assert_eq!(
        labels_of("`outcome` = `sent`, `failed`, `dry_run`: one per recipient (`docs/REPORTS.md`)"),
        vec![(
            "outcome".into(),
            vec!["sent".into(), "failed".into(), "dry_run".into()]
        )]
    );
    assert_eq!(
        labels_of("`channel`, `outcome` = `delivered`, `failed`"),
        vec![
            ("channel".into(), vec![]),
            ("outcome".into(), vec!["delivered".into(), "failed".into()])
        ]
    );
    assert_eq!(
        labels_of("`rule` (plan rule id)"),
        vec![("rule".into(), vec![])]
    );
    assert_eq!(
        labels_of("`clock` = `response`, `resolution`; each (ticket, clock) counted once"),
        vec![("clock".into(), vec!["response".into(), "resolution".into()])]
    );
    assert!(labels_of("").is_empty());
    assert!(labels_of("read from `/proc/self` at each scrape").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_daemon_has_every_documented_counter_at_zero_and_counts_each_failed_request() {
    let fake = fake().await;
    // The first answer is held back (within the 1 s timeout), so the first scrape comes before
    // the first poll has finished: a daemon as fresh as it gets.
    fake.inject(Fault::Slow(Duration::from_millis(900)), 1, None);
    let d = start(&fake, fake.base_url()).await;

    // Fresh: scraped as soon as the listener is up.
    let fresh = d.metrics().await;
    let mut checked = 0;
    for c in documented_counters() {
        for name in &c.names {
            if c.labels.is_empty() {
                let v = fresh.get(name.as_str());
                assert!(v.is_some(), "{name} missing at start-up: {fresh:#?}");
                if name.starts_with("slavakt_") {
                    assert_eq!(v, Some(&0.0), "{name} at start-up");
                }
                checked += 1;
                continue;
            }
            for set in label_sets(&c.labels, &d.config) {
                let series = format!("{name}{{{set}}}");
                assert_eq!(
                    fresh.get(&series),
                    Some(&0.0),
                    "{series} is not at 0 at start-up"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 40, "only {checked} series checked");

    // Per request: three 500s (not retried: three failed polls), then two timeouts that the
    // retry absorbs (no failed poll, two failed requests).
    d.wait_for("slavakt_polls_total{outcome=\"ok\"}", 1.0).await;
    assert_eq!(fake.faults_left(), 0);
    let before = d.metrics().await;
    let at = |m: &BTreeMap<String, f64>, s: &str| m.get(s).copied().unwrap_or(f64::NAN);
    fake.clear_log();
    fake.inject(Fault::Status(500), 3, Some("ticket"));
    let start = Instant::now();
    while fake.faults_left() > 0 {
        assert!(start.elapsed() < DEADLINE, "the 500s were never asked for");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ok = at(&d.metrics().await, "slavakt_polls_total{outcome=\"ok\"}");
    d.wait_for("slavakt_polls_total{outcome=\"ok\"}", ok + 1.0)
        .await;
    fake.inject(Fault::Slow(Duration::from_secs(3)), 2, Some("ticket"));
    let start = Instant::now();
    while fake.faults_left() > 0 {
        assert!(
            start.elapsed() < DEADLINE,
            "the slow answers were never asked for"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let ok = at(&d.metrics().await, "slavakt_polls_total{outcome=\"ok\"}");
    d.wait_for("slavakt_polls_total{outcome=\"ok\"}", ok + 1.0)
        .await;
    let after = d.metrics().await;
    let delta = |s: &str| at(&after, s) - at(&before, s);
    let served_500 = fake.requests().iter().filter(|r| r.status == 500).count() as f64;
    assert_eq!(served_500, 3.0);
    assert_eq!(
        delta("slavakt_api_errors_total{kind=\"http_5xx\"}"),
        served_500
    );
    assert_eq!(delta("slavakt_api_errors_total{kind=\"timeout\"}"), 2.0);
    assert_eq!(delta("slavakt_polls_total{outcome=\"error\"}"), 3.0);
    for kind in slavakt::metrics::API_ERROR_KINDS {
        if kind != "http_5xx" && kind != "timeout" {
            let series = format!("slavakt_api_errors_total{{kind=\"{kind}\"}}");
            assert_eq!(delta(&series), 0.0, "{series}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_connections_count_one_per_attempt_not_one_per_poll() {
    let fake = fake().await;
    // A port nobody listens on (yet): every connection is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap();
    let d = start(&fake, url).await;
    // More than one poll's worth of attempts (5 per poll).
    d.wait_for("slavakt_api_errors_total{kind=\"connect\"}", 6.0)
        .await;
    // Pureservice comes up on that port (a proxy to the fake): the refusals end.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let target = format!("127.0.0.1:{}", fake.base_url().port().unwrap());
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            tokio::spawn(async move {
                if let Ok(mut out) = tokio::net::TcpStream::connect(&target).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    });
    d.wait_for("slavakt_polls_total{outcome=\"ok\"}", 1.0).await;
    let m = d.metrics().await;
    let connect = m["slavakt_api_errors_total{kind=\"connect\"}"];
    let polls_failed = m["slavakt_polls_total{outcome=\"error\"}"];
    // Each refused attempt is logged once ("will be retried" or "failed").
    let attempts = d
        .log
        .lines()
        .iter()
        .filter(|l| l.contains("pureservice request") && l.contains("connection failed"))
        .count() as f64;
    assert_eq!(connect, attempts, "log: {:#?}", d.log.lines());
    assert!(polls_failed >= 1.0);
    assert!(
        connect >= 5.0 * polls_failed,
        "{connect} refused requests for {polls_failed} failed polls: counted per poll?"
    );
}
