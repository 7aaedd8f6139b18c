//! `slavakt test-notify` end to end: the shipped config with its channel sections pointed at
//! loopback peers (a real SMTP server, wiremock for SMS, Workflows and Graph); success, the
//! failure report with its likely fix, and argument errors.

use crate::kit::notify as notify_support;

use notify_support::{header, test_certs, SmtpPeer, TestCerts};
use serde_json::json;
use std::path::{Path, PathBuf};
use wiremock::matchers::{body_partial_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SMTP_PASSWORD: &str = "cli-Smtp-Password-7702";
const WF_SIG: &str = "cliWorkflowSig0042";

/// The shipped config with `[channels.*]` replaced by loopback peers.
fn write_config(
    dir: &Path,
    smtp_port: u16,
    certs: &TestCerts,
    http: &str,
    smtp_password: &str,
) -> PathBuf {
    let shipped =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml"))
            .expect("shipped config/slavakt.toml");
    let mut doc: toml::Table = shipped.parse().expect("shipped config is TOML");
    let pw_file = dir.join("smtp-password");
    std::fs::write(&pw_file, smtp_password).unwrap();
    let channels = doc
        .get_mut("channels")
        .and_then(|c| c.as_table_mut())
        .expect("[channels]");
    let email: toml::Table = toml::toml! {
        host = "127.0.0.1"
        tls = "starttls"
        username = "slavakt-relay"
        from = "ROR-IKT Varsling <varsling@ror-ikt.example>"
    };
    let mut email = email;
    email.insert("port".into(), toml::Value::Integer(smtp_port as i64));
    email.insert(
        "password_file".into(),
        toml::Value::String(pw_file.display().to_string()),
    );
    email.insert(
        "ca_file".into(),
        toml::Value::String(certs.ca.display().to_string()),
    );
    channels.insert("email".into(), toml::Value::Table(email));
    let sms = channels["sms"].as_table_mut().unwrap();
    sms.insert("url".into(), format!("{http}/sms/send").into());
    for (_, target) in channels["teams"].as_table_mut().unwrap().iter_mut() {
        let t = target.as_table_mut().unwrap();
        let name = t["url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .nth(1)
            .unwrap()
            .to_string();
        t.insert(
            "url".into(),
            format!("{http}/workflows/{name}/invoke?sig={WF_SIG}").into(),
        );
    }
    let intranet = channels["intranet"].as_table_mut().unwrap();
    intranet.insert("authority".into(), http.into());
    intranet.insert("graph_url".into(), format!("{http}/v1.0").into());
    let file = dir.join("slavakt.toml");
    std::fs::write(&file, toml::to_string(&doc).unwrap()).unwrap();
    file
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

async fn test_notify(config: &Path, args: &[&str]) -> Run {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .arg("test-notify")
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("SLAVAKT_CONFIG")
        .output()
        .await
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

#[tokio::test]
async fn every_channel_of_the_shipped_config_sends_a_test_message() {
    let certs = test_certs();
    let smtp = SmtpPeer::start(
        "starttls",
        Some(&certs),
        Some(("slavakt-relay", SMTP_PASSWORD)),
    );
    let http = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/send"))
        .and(body_partial_json(json!({"destination": "+4790000101"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"messageId": "link-1", "resultCode": 1005, "description": "Queued"}),
        ))
        .mount(&http)
        .await;
    Mock::given(method("POST"))
        .and(path("/workflows/ik-varsling/invoke"))
        .respond_with(ResponseTemplate::new(202))
        .expect(2)
        .mount(&http)
        .await;
    Mock::given(method("POST"))
        .and(path("/ror-ikt.example/oauth2/v2.0/token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"access_token": "AT-cli", "expires_in": 3600})),
        )
        .mount(&http)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            r"^/v1\.0/sites/[^/]+/pages$",
        ))
        .and(body_partial_json(
            json!({"promotionKind": "newsPost", "title": "[TEST] slavakt test-notify: intranet"}),
        ))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "page-test"})))
        .mount(&http)
        .await;
    Mock::given(method("POST"))
        .and(wiremock::matchers::path_regex(
            r"^/v1\.0/sites/[^/]+/pages/page-test/microsoft\.graph\.sitePage/publish$",
        ))
        .respond_with(ResponseTemplate::new(204))
        .mount(&http)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), smtp.port, &certs, &http.uri(), SMTP_PASSWORD);

    let r = test_notify(
        &config,
        &["--channel", "email", "--to", "kari@aukra.example"],
    )
    .await;
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(
        r.stdout.starts_with("OK: test message delivered via email"),
        "{}",
        r.stdout
    );
    let mail = &smtp.wait_for(1)[0];
    assert_eq!(header(mail, "Subject"), "[TEST] slavakt test-notify: email");
    assert_eq!(mail["rcpt_tos"], json!(["kari@aukra.example"]));

    let r = test_notify(&config, &["--channel", "sms", "--to", "+4790000101"]).await;
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("remote id: link-1"), "{}", r.stdout);

    for name in ["teams:ik_varsling", "ik_varsling"] {
        let r = test_notify(&config, &["--channel", name]).await;
        assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
        assert!(r.stdout.contains("HTTP 202"), "{}", r.stdout);
    }

    let r = test_notify(&config, &["--channel", "intranet"]).await;
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    assert!(r.stdout.contains("remote id: page-test"), "{}", r.stdout);
}

#[tokio::test]
async fn failures_exit_2_with_the_class_and_a_likely_fix() {
    let certs = test_certs();
    let smtp = SmtpPeer::start(
        "starttls",
        Some(&certs),
        Some(("slavakt-relay", SMTP_PASSWORD)),
    );
    let http = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(403).set_body_string(format!("denied sig={WF_SIG}")))
        .mount(&http)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let wrong = "cli-Wrong-Password-1";
    let config = write_config(dir.path(), smtp.port, &certs, &http.uri(), wrong);

    let r = test_notify(
        &config,
        &["--channel", "email", "--to", "kari@aukra.example"],
    )
    .await;
    assert_eq!(r.code, 2, "{} {}", r.stdout, r.stderr);
    assert!(r.stderr.contains("FAILED"), "{}", r.stderr);
    assert!(r.stderr.contains("535"), "{}", r.stderr);
    assert!(
        r.stderr.contains("likely fix: check the username"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(wrong) && !r.stdout.contains(wrong));

    let r = test_notify(&config, &["--channel", "teams:driftsmeldinger"]).await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("HTTP 403"), "{}", r.stderr);
    assert!(!r.stderr.contains(WF_SIG), "{}", r.stderr);

    // Nobody listens on the SMTP port any more.
    let port = smtp.port;
    drop(smtp);
    let config = write_config(dir.path(), port, &certs, &http.uri(), wrong);
    let r = test_notify(
        &config,
        &["--channel", "email", "--to", "kari@aukra.example"],
    )
    .await;
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("likely fix: nothing listens there"),
        "{}",
        r.stderr
    );
}

#[tokio::test]
async fn bad_arguments_exit_1() {
    let certs = test_certs();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), 25, &certs, "http://127.0.0.1:9", SMTP_PASSWORD);

    let r = test_notify(&config, &["--channel", "fax", "--to", "x"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("configured: email, sms, teams:driftsmeldinger, teams:ik_varsling, intranet"),
        "{}",
        r.stderr
    );
    let r = test_notify(&config, &["--channel", "sms"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("--to is required"), "{}", r.stderr);

    let r = test_notify(&dir.path().join("missing.toml"), &["--channel", "email"]).await;
    assert_eq!(r.code, 1, "{}", r.stderr);
}
