//! The shipped monitoring files name only what slavakt really exports: every metric in
//! `contrib/prometheus/slavakt-rules.yml` and in the Grafana dashboard
//! `contrib/grafana/slavakt-dashboard.json` is a family on a freshly started daemon's
//! `/metrics`, and every label value a rule or panel selects (`outcome="failed"`,
//! `kind="auth"`) is a series there already (at 0). promtool checks the rules' syntax and
//! behaviour (scripts/test); this checks that they watch something.

use crate::kit::process::demo_world;
use slavakt::clock::SystemClock;
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(60);
const RULES: &str = include_str!("../../contrib/prometheus/slavakt-rules.yml");
const DASHBOARD: &str = include_str!("../../contrib/grafana/slavakt-dashboard.json");

/// A metric selector found in a PromQL text: the name and its `label="value"` /
/// `label=~"a|b"` matchers (negative matchers are not requirements and are left out).
#[derive(Debug, PartialEq)]
struct Selector {
    name: String,
    labels: Vec<(String, Vec<String>)>,
}

/// Every `slavakt_*` and `process_*` selector in `text`.
fn selectors(text: &str) -> Vec<Selector> {
    let b = text.as_bytes();
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b':';
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = (text[i..].starts_with("slavakt_") || text[i..].starts_with("process_"))
            && (i == 0 || !is_name(b[i - 1]));
        if !starts {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < b.len() && is_name(b[end]) {
            end += 1;
        }
        let mut sel = Selector {
            name: text[i..end].to_string(),
            labels: Vec::new(),
        };
        if b.get(end) == Some(&b'{') {
            let close = text[end..].find('}').expect("unclosed selector") + end;
            for m in text[end + 1..close].split(',').map(str::trim) {
                let m = m.replace("\\\"", "\"");
                let (k, values) = if let Some((k, v)) = m.split_once("=~") {
                    let v = v.trim().trim_matches('"');
                    (k, v.split('|').map(str::to_string).collect::<Vec<_>>())
                } else if let Some((k, v)) = m.split_once('=') {
                    if k.ends_with('!') {
                        continue;
                    }
                    (k, vec![v.trim().trim_matches('"').to_string()])
                } else {
                    continue;
                };
                // `job` and `instance` come from Prometheus, `$instance` from Grafana: not
                // labels the daemon exports.
                let k = k.trim();
                if k != "job" && k != "instance" {
                    sel.labels.push((k.into(), values));
                }
            }
            end = close + 1;
        }
        out.push(sel);
        i = end;
    }
    out
}

#[test]
fn selectors_are_found_with_their_matchers() {
    let s = selectors(
        "increase(slavakt_deliveries_total{outcome=\"failed\",channel!=\"x\"}[15m]) \
         / process_open_fds{job=\"slavakt\",outcome=~\"a|b\"} + up{job=\"slavakt\"}",
    );
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0].name, "slavakt_deliveries_total");
    assert_eq!(s[0].labels, vec![("outcome".into(), vec!["failed".into()])]);
    assert_eq!(s[1].name, "process_open_fds");
    assert_eq!(
        s[1].labels,
        vec![("outcome".into(), vec!["a".into(), "b".into()])]
    );
}

/// Families (`# TYPE` lines, plus `_sum`/`_count` of summaries) and every series' labels.
struct Exposition {
    families: BTreeSet<String>,
    series: BTreeMap<String, Vec<BTreeMap<String, String>>>,
}

fn parse_exposition(text: &str) -> Exposition {
    let mut families = BTreeSet::new();
    let mut series: BTreeMap<String, Vec<BTreeMap<String, String>>> = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').unwrap();
            families.insert(name.to_string());
            if kind == "summary" || kind == "histogram" {
                families.insert(format!("{name}_sum"));
                families.insert(format!("{name}_count"));
            }
        } else if !line.starts_with('#') && !line.is_empty() {
            let name_end = line.find(['{', ' ']).unwrap();
            let mut labels = BTreeMap::new();
            if line[name_end..].starts_with('{') {
                let close = line.rfind('}').unwrap();
                for pair in line[name_end + 1..close].split("\",") {
                    let (k, v) = pair.split_once("=\"").unwrap();
                    labels.insert(k.to_string(), v.trim_end_matches('"').to_string());
                }
            }
            families.insert(line[..name_end].to_string());
            series
                .entry(line[..name_end].to_string())
                .or_default()
                .push(labels);
        }
    }
    Exposition { families, series }
}

/// Everything `source` selects is exported: the family, and a series for each label value.
fn check(source: &str, selectors: &[Selector], m: &Exposition) {
    assert!(!selectors.is_empty(), "{source}: no slavakt metrics found");
    for s in selectors {
        assert!(
            m.families.contains(&s.name),
            "{source} uses {}, which the daemon does not export",
            s.name
        );
        for (label, values) in &s.labels {
            for value in values {
                let found = m.series.get(&s.name).is_some_and(|all| {
                    all.iter()
                        .any(|l| l.get(label).map(String::as_str) == Some(value))
                });
                assert!(
                    found,
                    "{source} selects {}{{{label}=\"{value}\"}}, which a freshly started daemon \
                     does not export (so the alert or panel would miss the first event)",
                    s.name
                );
            }
        }
    }
}

/// Every `expr` string anywhere in the dashboard JSON.
fn dashboard_exprs(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("expr", serde_json::Value::String(e)) => out.push(e.clone()),
                    _ => dashboard_exprs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| dashboard_exprs(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_metric_the_rules_and_the_dashboard_use_is_exported_from_start_up() {
    // The alerts the issue asks for are there.
    for alert in [
        "SlavaktNotPolling",
        "SlavaktDeliveriesFailing",
        "SlavaktStateNotSaved",
        "SlavaktPureserviceOutage",
        "SlavaktBreachRate",
    ] {
        assert!(
            RULES.contains(&format!("- alert: {alert}\n")),
            "no {alert} rule"
        );
    }
    let dashboard: serde_json::Value =
        serde_json::from_str(DASHBOARD).expect("the dashboard is valid JSON");
    assert!(dashboard["panels"]
        .as_array()
        .is_some_and(|p| p.len() >= 10));
    let mut exprs = Vec::new();
    dashboard_exprs(&dashboard, &mut exprs);
    assert!(exprs.len() >= 10, "{exprs:?}");

    // Kept whole to the end: the fake, the sinks and the config's directory must outlive the child.
    let world = demo_world(Arc::new(SystemClock)).await;
    let (config_path, cancel) = (&world.config_path, &world.cancel);
    let listen = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(["run", "--config"])
        .arg(config_path)
        .env("SLAVAKT_DAEMON__HTTP_LISTEN", listen.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first answer of /metrics: as fresh as a scrape can see it.
    let start = Instant::now();
    let metrics = loop {
        if let Ok(r) = reqwest::get(format!("http://{listen}/metrics")).await {
            if r.status().is_success() {
                break r.text().await.unwrap();
            }
        }
        assert!(start.elapsed() < DEADLINE, "/metrics never answered");
        assert!(child.try_wait().unwrap().is_none(), "the daemon exited");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    cancel.cancel();

    let m = parse_exposition(&metrics);
    check("slavakt-rules.yml", &selectors(RULES), &m);
    check("slavakt-dashboard.json", &selectors(&exprs.join("\n")), &m);
}
