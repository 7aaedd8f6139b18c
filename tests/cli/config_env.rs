//! Environment overrides (`SLAVAKT_<SECTION>__<KEY>`), `*_file` secrets, and that no secret
//! value ever shows up in a problem report.

use slavakt::config::{self, Config, ConfigErrors, TeamsChannel};
use std::collections::BTreeMap;
use std::path::Path;

fn shipped() -> String {
    std::fs::read_to_string("config/slavakt.toml").unwrap()
}

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(text: &str, dir: &Path, pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    config::from_str(text, &dir.join("slavakt.toml"), &env(pairs))
}

#[test]
fn environment_overrides_secrets_and_plain_keys() {
    let dir = tempfile::tempdir().unwrap();
    let c = load(
        &shipped(),
        dir.path(),
        &[
            ("SLAVAKT_PURESERVICE__API_KEY", "key-from-env"),
            ("SLAVAKT_PURESERVICE__BASE_URL", "http://127.0.0.1:8080"),
            ("SLAVAKT_DAEMON__POLL_INTERVAL", "1m"),
            ("SLAVAKT_DAEMON__DRY_RUN", "true"),
            ("SLAVAKT_CHANNELS__EMAIL__PORT", "2525"),
            ("SLAVAKT_CHANNELS__EMAIL__PASSWORD", "mail-pass-env"),
            (
                "SLAVAKT_CHANNELS__TEAMS__IK_VARSLING__URL",
                "http://127.0.0.1:9/hook",
            ),
            ("SLAVAKT_CONFIG", "/not/an/override.toml"),
            ("SLAVAKT_LOG", "debug"),
        ],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.pureservice.api_key.expose(), "key-from-env");
    assert_eq!(c.pureservice.base_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(c.daemon.poll_interval, chrono::Duration::minutes(1));
    assert!(c.daemon.dry_run);
    let email = c.channels.email.as_ref().unwrap();
    assert_eq!(email.port, 2525);
    assert_eq!(email.password.as_ref().unwrap().expose(), "mail-pass-env");
    match &c.channels.teams["ik_varsling"] {
        TeamsChannel::Workflows { url } => assert_eq!(url.expose(), "http://127.0.0.1:9/hook"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn secret_files_relative_to_the_config_with_newline_trimmed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("creds")).unwrap();
    std::fs::write(dir.path().join("creds/api-key"), "file-key-123\n").unwrap();
    std::fs::write(
        dir.path().join("creds/hook"),
        "https://hooks.example/abc\r\n",
    )
    .unwrap();
    let text = shipped()
        .replace(
            "api_key = \"CHANGE-ME\"",
            "api_key_file = \"creds/api-key\"",
        )
        .replace(
            "url = \"https://workflows.ror-ikt.example/driftsmeldinger/CHANGE-ME\"",
            "url_file = \"creds/hook\"",
        );
    let c = load(&text, dir.path(), &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.pureservice.api_key.expose(), "file-key-123");
    match &c.channels.teams["driftsmeldinger"] {
        TeamsChannel::Workflows { url } => assert_eq!(url.expose(), "https://hooks.example/abc"),
        other => panic!("{other:?}"),
    }
    // Debug output of the whole config shows no secret.
    let dbg = format!("{c:?}");
    assert!(!dbg.contains("file-key-123") && !dbg.contains("hooks.example/abc"));
}

#[test]
fn env_file_twin_replaces_the_inline_secret() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("key");
    std::fs::write(&key, "from-credential\n").unwrap();
    let c = load(
        &shipped(),
        dir.path(),
        &[("SLAVAKT_PURESERVICE__API_KEY_FILE", key.to_str().unwrap())],
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.pureservice.api_key.expose(), "from-credential");
}

#[test]
fn bad_environment_values_name_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let errs = load(
        &shipped(),
        dir.path(),
        &[
            ("SLAVAKT_CHANNELS__EMAIL__PORT", "lots"),
            ("SLAVAKT_DAEMON__TIMEZONE", "Nowhere/Land"),
            ("SLAVAKT_DAEMON__NO_SUCH_KEY", "1"),
            ("SLAVAKT_PLAN__ID", "x"),
        ],
    )
    .unwrap_err();
    let shown = errs.to_string();
    assert!(shown.contains("SLAVAKT_CHANNELS__EMAIL__PORT"), "{shown}");
    assert!(
        errs.errors
            .iter()
            .any(|e| e.path == "daemon.timezone" && e.message.contains("SLAVAKT_DAEMON__TIMEZONE")),
        "{shown}"
    );
    assert!(
        errs.errors.iter().any(|e| e.path == "daemon.no_such_key"),
        "{shown}"
    );
    assert!(shown.contains("SLAVAKT_PLAN__ID"), "{shown}");
}

const CANARY: &str = "CANARY-s3cr3t-7781";

/// A config that is broken in many ways, with the canary in every secret slot and next to the
/// broken keys: no problem report may contain it.
#[test]
fn no_secret_in_any_problem_report() {
    let dir = tempfile::tempdir().unwrap();
    let cred = dir.path().join("smspass");
    std::fs::write(&cred, format!("{CANARY}\n")).unwrap();
    let text = shipped()
        .replace(
            "api_key = \"CHANGE-ME\"",
            &format!("api_key = \"{CANARY}\"\napi_key_file = \"k\""),
        )
        .replace(
            "password = \"CHANGE-ME\"\nfrom",
            &format!("password = \"{CANARY}\"\nfrom"),
        )
        .replace(
            "url = \"https://workflows.ror-ikt.example/ik-varsling/CHANGE-ME\"",
            &format!("url = \"ftp:{CANARY}\""),
        )
        .replace(
            "client_secret = \"CHANGE-ME\"",
            &format!("client_secret = \"{CANARY}\"\nsecret = \"{CANARY}\""),
        )
        .replace("timezone = \"Europe/Oslo\"", "timezone = \"Europe/Olso\"")
        .replace("port = 587", &format!("port = \"{CANARY}\""));
    let errs = load(
        &text,
        dir.path(),
        &[
            (
                "SLAVAKT_CHANNELS__SMS__PASSWORD_FILE",
                cred.to_str().unwrap(),
            ),
            ("SLAVAKT_CHANNELS__SMS__PASSWORD", CANARY),
            ("SLAVAKT_CHANNELS__EMAIL__TIMEOUT", CANARY),
            ("SLAVAKT_PURESERVICE__PAGE_SIZE", CANARY),
        ],
    )
    .unwrap_err();
    let shown = format!("{errs}\n{errs:?}");
    assert!(errs.errors.len() >= 6, "{shown}");
    assert!(!shown.contains(CANARY), "secret leaked:\n{shown}");
    assert!(!shown.contains("s3cr3t"), "secret leaked:\n{shown}");

    // A syntax error on the secret's own line does not echo the line.
    let broken = format!("[pureservice]\napi_key = \"{CANARY}\" x\n");
    let errs = load(&broken, dir.path(), &[]).unwrap_err();
    assert!(!format!("{errs}{errs:?}").contains(CANARY));
}
