//! `slavakt check-config`: exit 0 with a summary for the shipped config, exit 1 with every
//! problem (file, key path, hint) for a broken one, and never a secret in the output.

use std::process::Command;

fn check_config(path: &std::path::Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_slavakt"));
    cmd.arg("check-config")
        .arg("--config")
        .arg(path)
        .env_remove("SLAVAKT_CONFIG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn shipped_config_passes_with_a_summary() {
    let (code, out, err) = check_config(std::path::Path::new("config/slavakt.toml"), &[]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("configuration is valid"), "{out}");
    assert!(
        out.contains("SLA levels:     4 (kritisk, hoy, middels, lav)"),
        "{out}"
    );
    assert!(out.contains("municipalities: 5"), "{out}");
    assert!(out.contains("plan rules:     29"), "{out}");
    assert!(out.contains("teams:ik_varsling"), "{out}");
    // The placeholder secrets are not printed.
    assert!(!out.contains("CHANGE-ME"), "{out}");
}

#[test]
fn broken_config_exits_1_listing_every_problem_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slavakt.toml");
    let text = std::fs::read_to_string("config/slavakt.toml")
        .unwrap()
        .replace("api_key = \"CHANGE-ME\"", "api_key = \"cli-canary-9931\"")
        .replace("timezone = \"Europe/Oslo\"", "timezone = \"Europe/Olso\"")
        .replace("phone = \"+4790000101\"", "phone = \"90000101\"")
        .replace("template = \"sla_breach\"", "template = \"nope\"");
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = check_config(
        &path,
        &[("SLAVAKT_CHANNELS__EMAIL__PASSWORD", "env-canary-5512")],
    );
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    let all = format!("{out}{err}");
    assert!(all.contains(&path.display().to_string()), "{all}");
    for p in [
        "daemon.timezone",
        "roles.incident_manager.phone",
        "plan[17].template",
        "plan[18].template",
    ] {
        assert!(all.contains(p), "{p} missing in\n{all}");
    }
    assert!(all.contains("hint:"), "{all}");
    assert!(!all.contains("canary"), "secret leaked:\n{all}");
}

#[test]
fn missing_file_and_syntax_error_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = check_config(&dir.path().join("absent.toml"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("cannot read the config file"), "{err}");
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[daemon]\nstate_file = \n").unwrap();
    let (code, _, err) = check_config(&path, &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("line 2, column"), "{err}");
}

#[test]
fn whole_config_checks_run_too() {
    // A keyword without letters passes loading but can never match: check-config reports it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slavakt.toml");
    let text = std::fs::read_to_string("config/slavakt.toml")
        .unwrap()
        .replace(
            "keywords = [\"pasientvarsling\",",
            "keywords = [\"!!!\", \"pasientvarsling\",",
        );
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = check_config(&path, &[]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("classify[1].keywords[0]"), "{err}");
}

/// Day one: the shipped placeholders pass (exit 0) but each is named, with the `*_file` key and
/// the environment variable that replace it; a filled-in secret is not named.
#[test]
fn placeholder_secrets_are_warnings_naming_the_key() {
    let (code, out, err) = check_config(std::path::Path::new("config/slavakt.toml"), &[]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    for key in [
        "pureservice.api_key",
        "channels.email.password",
        "channels.sms.password",
        "channels.teams.ik_varsling.url",
        "channels.teams.driftsmeldinger.url",
        "channels.intranet.client_secret",
    ] {
        let line = format!("warning: {key} is still a placeholder: set {key}_file");
        assert!(err.contains(&line), "{line} missing in\n{err}");
    }
    assert!(err.contains("SLAVAKT_CHANNELS__SMS__PASSWORD"), "{err}");
    let (code, _, err) = check_config(
        std::path::Path::new("config/slavakt.toml"),
        &[("SLAVAKT_PURESERVICE__API_KEY", "filled-in-0001")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("pureservice.api_key is"), "{err}");
    assert!(!err.contains("filled-in-0001"), "{err}");
    for lower in ["changeme", "x-Change-Me-x"] {
        let (_, _, err) = check_config(
            std::path::Path::new("config/slavakt.toml"),
            &[("SLAVAKT_PURESERVICE__API_KEY", lower)],
        );
        assert!(
            err.contains("pureservice.api_key is still a placeholder"),
            "{lower}: {err}"
        );
    }
}

#[test]
fn sms_sender_must_be_a_short_alphanumeric_id_or_e164() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slavakt.toml");
    let shipped = std::fs::read_to_string("config/slavakt.toml").unwrap();
    assert!(shipped.contains("sender = \"RORIKT\""));
    for (sender, ok) in [
        ("RORIKT", true),
        ("Kommune2024", true),
        ("+4790000999", true),
        ("ROR-IKT Varsling", false), // 16 characters and a space
        ("ROR-IKT", false),
        ("12345", false),
        ("+47 900 00 999", false),
        ("+0790000999", false),
    ] {
        let text = shipped.replace("sender = \"RORIKT\"", &format!("sender = {sender:?}"));
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = check_config(&path, &[]);
        if ok {
            assert_eq!(code, 0, "{sender}: {out}{err}");
        } else {
            assert_eq!(code, 1, "{sender}: {out}{err}");
            assert!(err.contains("channels.sms.sender"), "{sender}: {err}");
            assert!(
                err.contains("at most 11 letters and digits"),
                "{sender}: {err}"
            );
        }
    }
}

/// The unit's `LoadCredential=` names and the shipped config's credential paths are one set.
#[test]
fn unit_credentials_match_the_config_credential_paths() {
    const DIR: &str = "/run/credentials/slavakt.service/";
    let unit = std::fs::read_to_string("systemd/slavakt.service").unwrap();
    let loaded: std::collections::BTreeSet<String> = unit
        .lines()
        .filter_map(|l| l.trim().strip_prefix("LoadCredential="))
        .map(|l| l.split(':').next().unwrap().to_string())
        .collect();
    let config = std::fs::read_to_string("config/slavakt.toml").unwrap();
    // Every `key_file = "/run/credentials/…"` line, commented out or not.
    let named: std::collections::BTreeSet<String> = config
        .lines()
        .map(|l| l.trim_start_matches(['#', ' ']))
        .filter(|l| l.contains("_file = \""))
        .filter_map(|l| l.split_once(DIR))
        .map(|(_, rest)| rest.split('"').next().unwrap().to_string())
        .collect();
    assert!(named.contains("pureservice_api_key"), "{named:?}");
    assert_eq!(loaded, named, "unit LoadCredential= vs config *_file paths");
    for name in &loaded {
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "{name}: one naming scheme (lower-case, underscores)"
        );
    }
    // One credential per Teams target, and one for the intranet.
    for (section, cred) in [
        ("[channels.teams.ik_varsling]", "teams_ik_varsling_url"),
        (
            "[channels.teams.driftsmeldinger]",
            "teams_driftsmeldinger_url",
        ),
        ("[channels.intranet]", "intranet_client_secret"),
    ] {
        assert!(config.contains(section), "{section}");
        assert!(loaded.contains(cred), "{cred}");
    }
}

/// A Teams target or the intranet without its secret is a problem, not a silent no-op.
#[test]
fn teams_target_or_intranet_without_its_secret_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slavakt.toml");
    let shipped = std::fs::read_to_string("config/slavakt.toml").unwrap();
    let text = shipped
        .replace(
            "url = \"https://workflows.ror-ikt.example/driftsmeldinger/CHANGE-ME\"\n",
            "",
        )
        .replace("client_secret = \"CHANGE-ME\"\n", "");
    std::fs::write(&path, text).unwrap();
    let (code, out, err) = check_config(&path, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("channels.teams.driftsmeldinger.url_file"),
        "{err}"
    );
    assert!(
        err.contains("channels.intranet.client_secret_file"),
        "{err}"
    );
}
