//! The public status feed (`/public/`, `/public/status.json`, `/public/feed.atom`) against a
//! real server: Statuspage v2 keys and values, Atom that parses, no personal data, off by
//! default.

use crate::kit::ops as ops_support;

use ops_support::*;
use slavakt::clock::{Clock, FakeClock};
use slavakt::http::{self, HttpShared};
use slavakt::metrics::Metrics;
use slavakt::state::State;
use std::collections::BTreeMap;
use std::sync::Arc;

const TOKEN: &str = "public-feed-test-token-0123456789abcdef";

const SECRETS: &[&str] = &[
    "Kari Testesen",
    "+4790000123",
    "someone@x.example",
    "<script>",
    "Beate Hemmelig",
    "intern merknad",
];

/// `[public]` plus services and a municipality whose contact is personal data.
fn extra(public: &str) -> String {
    format!(
        r#"
{public}

[[services]]
name = "Sensio Pasientvarsling"

[[services]]
name = "Fagsystem"

[[services]]
name = "Gerica"

[[municipalities]]
name = "Molde"

[[municipalities.contacts]]
name = "Beate Hemmelig"
phone = "+4790000123"
email = "someone@x.example"
critical = true
"#
    )
}

/// The fixture state with ticket 1001's subject and assignee full of personal data.
fn leaky_state() -> State {
    let mut v: serde_json::Value = serde_json::from_str(STATE_JSON).expect("fixture");
    let t = &mut v["tickets"]["501"];
    t["subject"] = "Kari Testesen +4790000123 someone@x.example <script> intern merknad".into();
    t["assignee"] = serde_json::json!({
        "name": "Kari Testesen", "email": "someone@x.example", "phone": "+4790000123"
    });
    serde_json::from_value(v).expect("still a State")
}

async fn start_with(public: &str) -> Running {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("slavakt.toml");
    // With a token set the private paths need it; the public ones must not.
    let text = config_text(&dir.path().join("state.json"), "nb", true).replacen(
        "poll_interval = \"30s\"\n",
        &format!("poll_interval = \"30s\"\nhttp_token = \"{TOKEN}\"\n"),
        1,
    ) + &extra(public);
    std::fs::write(&path, text).expect("write config");
    let config = slavakt::config::load_with_env(&path, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("test config is valid: {e}"));
    let clock = FakeClock::new(now());
    let metrics = Arc::new(Metrics::new());
    let shared = HttpShared::new(
        Arc::new(config),
        metrics.clone(),
        Arc::new(clock.clone()) as Arc<dyn Clock>,
    );
    let server = http::bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind loopback");
    let addr = server.local_addr();
    let cancel = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(server.run(shared.clone(), cancel.clone()));
    shared.publish(&leaky_state(), now());
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

#[tokio::test]
async fn status_json_has_the_statuspage_shape() {
    let srv = start_with("[public]\nenabled = true\ntitle = \"ROR-IKT driftsstatus\"").await;
    let (status, ctype, body) = srv.get("/public/status.json").await;
    assert_eq!(status, 200, "{body}");
    assert!(ctype.starts_with("application/json"));
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["page"]["name"], "ROR-IKT driftsstatus");
    for k in ["id", "url", "updated_at"] {
        assert!(v["page"].get(k).is_some(), "page.{k} missing");
    }
    // 1001 is Kritisk (the most severe level) on Sensio, 1002 Høy on Fagsystem.
    assert_eq!(v["status"]["indicator"], "critical");
    assert!(v["status"]["description"].is_string());
    let comp: BTreeMap<String, String> = v["components"]
        .as_array()
        .expect("components")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().into(),
                c["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(comp["Sensio Pasientvarsling"], "major_outage");
    assert_eq!(comp["Fagsystem"], "partial_outage");
    assert_eq!(comp["Gerica"], "operational");
    let incidents = v["incidents"].as_array().expect("incidents");
    let ids: Vec<&str> = incidents
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"1001") && ids.contains(&"1002"), "{ids:?}");
    let i = incidents.iter().find(|i| i["id"] == "1001").unwrap();
    assert_eq!(i["name"], "Kritisk: Sensio Pasientvarsling – Molde");
    assert_eq!(i["impact"], "critical");
    let allowed = ["investigating", "identified", "monitoring", "resolved"];
    assert!(allowed.contains(&i["status"].as_str().unwrap()));
    for k in ["created_at", "updated_at", "incident_updates"] {
        assert!(i.get(k).is_some(), "incident.{k} missing");
    }
    assert!(v["scheduled_maintenances"].is_array());
    srv.stop().await;
}

#[tokio::test]
async fn atom_feed_parses_and_the_page_uses_the_norwegian_labels() {
    let srv = start_with("[public]\nenabled = true").await;
    let (status, ctype, atom) = srv.get("/public/feed.atom").await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "application/atom+xml; charset=utf-8");
    let script = r#"
import sys, xml.etree.ElementTree as E
A = '{http://www.w3.org/2005/Atom}'
r = E.fromstring(sys.stdin.buffer.read())
assert r.tag == A + 'feed', r.tag
for k in ('id', 'title', 'updated'):
    assert r.find(A + k) is not None, k
es = r.findall(A + 'entry')
for e in es:
    for k in ('id', 'title', 'updated', 'content'):
        assert e.find(A + k) is not None, k
print(len(es), '|'.join(e.find(A + 'title').text for e in es))
"#;
    let mut child = std::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(atom.as_bytes())
        .unwrap();
    let out = child.wait_with_output().expect("python3 ran");
    assert!(
        out.status.success(),
        "{}\n{atom}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.starts_with("2 "), "{printed}");
    assert!(
        printed.contains("Høy: Fagsystem – Aukra, Rauma"),
        "{printed}"
    );

    let (status, _, page) = srv.get("/public/").await;
    assert_eq!(status, 200);
    assert!(page.contains("<html lang=\"nb\">"));
    assert!(page.contains("<th>Sensio Pasientvarsling</th><td>Utilgjengelig</td>"));
    assert!(page.contains("<th>Fagsystem</th><td>Delvis utilgjengelig</td>"));
    assert!(page.contains("<th>Gerica</th><td>Normal drift</td>"));
    srv.stop().await;
}

#[tokio::test]
async fn no_personal_data_reaches_any_public_path_and_no_token_is_needed() {
    let srv = start_with("[public]\nenabled = true").await;
    for path in ["/public/", "/public/status.json", "/public/feed.atom"] {
        let (status, _, body) = srv.get(path).await;
        assert_eq!(status, 200, "{path}");
        for s in SECRETS {
            assert!(!body.contains(s), "{s:?} leaked on {path}:\n{body}");
        }
        // Escaped forms would leak just the same.
        assert!(!body.contains("&lt;script"), "{path}");
        assert!(!body.contains("Testesen"), "{path}");
    }
    // The private page still shows the subject: the data was there to leak.
    let (status, _, _) = srv.get("/status.json").await;
    assert_eq!(status, 401, "the private view needs the token");
    let private = reqwest::Client::new()
        .get(format!("{}/status.json", srv.base))
        .bearer_auth(TOKEN)
        .send()
        .await
        .expect("GET /status.json")
        .text()
        .await
        .expect("body");
    assert!(private.contains("someone@x.example"));
    srv.stop().await;
}

#[tokio::test]
async fn public_paths_are_404_unless_enabled() {
    for public in ["", "[public]\nenabled = false"] {
        let srv = start_with(public).await;
        for path in ["/public/", "/public/status.json", "/public/feed.atom"] {
            let (status, _, _) = srv.get(path).await;
            assert_eq!(status, 404, "{path} with {public:?}");
        }
        srv.stop().await;
    }
}
