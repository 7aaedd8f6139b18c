//! The demo's world: the shipped config rewired to loopback peers (fake Pureservice, capture
//! sinks), so the real daemon code runs unchanged with no outside service.

use crate::config::Config;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use toml::Value;

/// The shipped configuration, compiled in so `demo` works from any directory.
pub const SHIPPED_CONFIG: &str = include_str!("../../config/slavakt.toml");

/// Where the demo's peers listen.
pub struct Peers {
    pub pureservice: url::Url,
    pub api_key: String,
    pub smtp: SocketAddr,
    pub http: SocketAddr,
}

/// The shipped config with every outside endpoint pointed at `peers`, state in `state_dir`.
pub fn config(peers: &Peers, state_dir: &Path) -> Result<Config, String> {
    let text = config_text(peers, state_dir)?;
    crate::config::from_str(&text, &state_dir.join("demo.toml"), &BTreeMap::new())
        .map_err(|e| e.to_string())
}

/// [`config`] as TOML text (for running the `slavakt` binary against the same world).
pub fn config_text(peers: &Peers, state_dir: &Path) -> Result<String, String> {
    let mut doc: Value = SHIPPED_CONFIG
        .parse()
        .map_err(|e| format!("shipped config does not parse: {e}"))?;
    let http = format!("http://{}", peers.http);
    set(
        &mut doc,
        &["daemon", "state_file"],
        state_dir.join("state.json").display().to_string(),
    );
    set(
        &mut doc,
        &["daemon", "reports_dir"],
        state_dir.join("reports").display().to_string(),
    );
    set(&mut doc, &["daemon", "poll_interval"], "30s");
    // "off", not absent: an absent key means the default 127.0.0.1:9464, which a second demo,
    // a running daemon or a parallel test would already hold.
    set(&mut doc, &["daemon", "http_listen"], "off");
    set(
        &mut doc,
        &["pureservice", "base_url"],
        peers.pureservice.to_string(),
    );
    set(&mut doc, &["pureservice", "api_key"], peers.api_key.clone());
    // Time runs hundreds of times faster in the demo: so must the client's request budget.
    set(
        &mut doc,
        &["pureservice", "max_requests_per_minute"],
        Value::Integer(100_000),
    );
    let email = table(&mut doc, &["channels", "email"]);
    email.clear();
    email.insert("host".into(), "127.0.0.1".into());
    email.insert("port".into(), Value::Integer(peers.smtp.port().into()));
    email.insert("tls".into(), "none".into());
    email.insert("from".into(), "driftsmeldinger@ror-ikt.example".into());
    let sms = table(&mut doc, &["channels", "sms"]);
    sms.clear();
    sms.insert("provider".into(), "http".into());
    sms.insert("url".into(), format!("{http}/sms").into());
    sms.insert("sender".into(), "RORIKT".into());
    sms.insert(
        "body_template".into(),
        r#"{"to": "{{ to }}", "text": "{{ text }}", "from": "{{ sender }}"}"#.into(),
    );
    let teams = table(&mut doc, &["channels", "teams"]);
    let names: Vec<String> = teams.keys().cloned().collect();
    for name in names {
        let mut t = toml::map::Map::new();
        t.insert("kind".into(), "workflows".into());
        t.insert("url".into(), format!("{http}/teams/{name}").into());
        teams.insert(name, Value::Table(t));
    }
    let intranet = table(&mut doc, &["channels", "intranet"]);
    intranet.clear();
    intranet.insert("kind".into(), "webhook".into());
    intranet.insert("url".into(), format!("{http}/intranet").into());
    toml::to_string(&doc).map_err(|e| format!("cannot write the demo config: {e}"))
}

fn table<'a>(doc: &'a mut Value, path: &[&str]) -> &'a mut toml::map::Map<String, Value> {
    let mut cur = doc;
    for key in path {
        let t = cur.as_table_mut().expect("config tables are tables");
        cur = t
            .entry(key.to_string())
            .or_insert_with(|| Value::Table(Default::default()));
    }
    cur.as_table_mut().expect("config tables are tables")
}

fn set(doc: &mut Value, path: &[&str], value: impl Into<Value>) {
    let (last, parent) = path.split_last().expect("non-empty path");
    table(doc, parent).insert(last.to_string(), value.into());
}
