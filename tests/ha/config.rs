//! `[state]` in the config: the backend, the connection string (a secret, never quoted back) and
//! the lease, each mistake reported with its key path. No database needed.

use crate::kit::ops as ops_support;

use slavakt::config::{Config, StateBackend};
use std::collections::BTreeMap;

const PASSWORD: &str = "hemmelig-passord-4711";

fn load(state: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "{}\n{state}\n",
        ops_support::config_text(&dir.path().join("state.json"), "nb", false)
    );
    slavakt::config::from_str(&text, &dir.path().join("t.toml"), &BTreeMap::new())
        .map_err(|e| e.to_string())
}

#[test]
fn file_is_the_default_and_postgres_takes_a_url_and_a_lease() {
    let c = load("").unwrap();
    assert_eq!(c.state.backend, StateBackend::File);
    assert_eq!(c.state.lease, chrono::Duration::seconds(15));

    let c = load(&format!(
        "[state]\nbackend = \"postgres\"\nurl = \"postgresql://slavakt:{PASSWORD}@db.kommune.example:5433/slavakt\"\nlease = \"30s\""
    ))
    .unwrap();
    let StateBackend::Postgres { url } = &c.state.backend else {
        panic!("postgres expected");
    };
    assert_eq!(
        slavakt::state::postgres::describe(url),
        "postgresql://slavakt@db.kommune.example:5433/slavakt"
    );
    assert!(
        !format!("{c:?}").contains(PASSWORD),
        "Debug shows the secret"
    );
    assert_eq!(c.state.lease, chrono::Duration::seconds(30));
    // The key=value form works too.
    assert!(load(
        "[state]\nbackend = \"postgres\"\nurl = \"host=127.0.0.1 user=slavakt dbname=slavakt\""
    )
    .is_ok());
}

#[test]
fn each_mistake_is_named_by_its_key() {
    let cases = [
        ("[state]\nbackend = \"sqlite\"", "state.backend", "unknown backend"),
        ("[state]\nbackend = \"postgres\"", "state.url_file", "needs a connection string"),
        (
            "[state]\nurl = \"postgresql://slavakt@127.0.0.1/slavakt\"",
            "state.url",
            "backend is \"file\"",
        ),
        (
            "[state]\nbackend = \"postgres\"\nurl = \"postgresql://slavakt@127.0.0.1/slavakt?sslmode=require\"",
            "state.url",
            "TLS",
        ),
        (
            "[state]\nbackend = \"postgres\"\nurl = \"postgresql://slavakt@127.0.0.1/slavakt\"\nlease = \"20m\"",
            "state.lease",
            "outside",
        ),
        (
            "[state]\nbackend = \"postgres\"\nurl = \"postgresql://slavakt@127.0.0.1/slavakt\"\nlease = \"2wd\"",
            "state.lease",
            "working days",
        ),
        ("[state]\nbakend = \"postgres\"", "state.bakend", ""),
    ];
    for (state, key, words) in cases {
        let e = load(state).expect_err(state);
        assert!(e.contains(key) && e.contains(words), "{state}: {e}");
    }
}

#[test]
fn an_unparsable_url_is_not_quoted_back() {
    let e = load(&format!(
        "[state]\nbackend = \"postgres\"\nurl = \"postgresql://slavakt:{PASSWORD}@[::1/slavakt\""
    ))
    .expect_err("a broken URL");
    assert!(e.contains("state.url"), "{e}");
    assert!(!e.contains(PASSWORD), "password quoted: {e}");
}
