//! `[daemon] hook_token` / `hook_token_file`: read like the other secrets, refused when short
//! or when nothing listens, and never shown in a config error.

use slavakt::config;
use std::collections::BTreeMap;

fn shipped() -> String {
    std::fs::read_to_string("config/slavakt.toml").unwrap()
}

fn with_daemon_lines(lines: &str) -> String {
    shipped().replacen("[daemon]\n", &format!("[daemon]\n{lines}\n"), 1)
}

fn load(text: &str, dir: &std::path::Path) -> Result<config::Config, config::ConfigErrors> {
    config::from_str(text, &dir.join("slavakt.toml"), &BTreeMap::new())
}

#[test]
fn a_hook_token_from_its_file_is_read_and_kept_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hook"), "krok-0123456789abcdef\n").unwrap();
    let c = load(&with_daemon_lines("hook_token_file = \"hook\""), dir.path()).unwrap();
    let t = c.daemon.hook_token.as_ref().expect("hook token");
    assert_eq!(t.expose(), "krok-0123456789abcdef");
    assert!(!format!("{:?}", c.daemon).contains("krok-0123"));
}

#[test]
fn no_hook_token_means_no_hook() {
    let dir = tempfile::tempdir().unwrap();
    let c = load(&shipped(), dir.path()).unwrap();
    assert!(c.daemon.hook_token.is_none());
}

#[test]
fn a_short_hook_token_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = load(&with_daemon_lines("hook_token = \"kort-krok\""), dir.path()).unwrap_err();
    let text = e.to_string();
    assert!(
        e.errors
            .iter()
            .any(|p| p.path == "daemon.hook_token" && p.message.contains("too short")),
        "{text}"
    );
    assert!(!text.contains("kort-krok"), "{text}");
}

#[test]
fn a_hook_token_without_a_listener_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = with_daemon_lines("hook_token = \"krok-0123456789abcdef\"").replacen(
        "http_listen = \"127.0.0.1:9464\"",
        "http_listen = \"off\"",
        1,
    );
    let e = load(&text, dir.path()).unwrap_err();
    assert!(
        e.errors
            .iter()
            .any(|p| p.path == "daemon.hook_token" && p.message.contains("http_listen is off")),
        "{e}"
    );
}

#[test]
fn hook_token_and_its_file_together_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hook"), "krok-0123456789abcdef\n").unwrap();
    let text =
        with_daemon_lines("hook_token = \"krok-0123456789abcdef\"\nhook_token_file = \"hook\"");
    let e = load(&text, dir.path()).unwrap_err();
    assert!(
        e.errors.iter().any(|p| p.path == "daemon.hook_token_file"),
        "{e}"
    );
}
