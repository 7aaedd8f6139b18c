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
