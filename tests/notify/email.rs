//! E-mail channel against a real SMTP server on 127.0.0.1 (aiosmtpd): STARTTLS + AUTH with a
//! private CA, implicit TLS, plain; headers, threading, both MIME parts, Norwegian characters,
//! and the failure classes.

use crate::kit::notify as notify_support;

use notify_support::*;
use slavakt::clock::SystemClock;
use slavakt::config::{EmailChannel, SmtpTls};
use slavakt::notify::email::{message_id, EmailNotifier};
use slavakt::notify::{Notifier, NotifyError};
use slavakt::secret::Secret;
use std::sync::Arc;

const USER: &str = "slavakt-relay";
const PASSWORD: &str = "Smtp-Passord-æøå-0451";

fn channel(port: u16, tls: SmtpTls, ca: Option<&TestCerts>, auth: Option<&str>) -> EmailChannel {
    EmailChannel {
        host: "127.0.0.1".into(),
        port,
        tls,
        username: auth.map(|_| USER.to_string()),
        password: auth.map(Secret::new),
        from: "Driftsmeldinger ROR-IKT <driftsmeldinger@ror-ikt.example>".into(),
        ca_file: ca.map(|c| c.ca.clone()),
        timeout: chrono::Duration::seconds(10),
        reply_to: None,
    }
}

fn notifier(cfg: &EmailChannel) -> EmailNotifier {
    EmailNotifier::new(cfg, Arc::new(SystemClock)).expect("notifier")
}

#[tokio::test]
async fn starttls_with_auth_delivers_threaded_multipart_mail() {
    let certs = test_certs();
    let peer = SmtpPeer::start("starttls", Some(&certs), Some((USER, PASSWORD)));
    let email = notifier(&channel(
        peer.port,
        SmtpTls::StartTls,
        Some(&certs),
        Some(PASSWORD),
    ));

    let first = delivery(
        "4711/opened/0/email/kari",
        "kari@aukra.example",
        vec![],
        true,
    );
    let receipt = email.send(&first).await.expect("first mail");
    let first_id = message_id("4711/opened/0/email/kari", "ror-ikt.example");
    assert_eq!(receipt.remote_id.as_deref(), Some(first_id.as_str()));
    assert!(receipt.detail.starts_with("250"), "{}", receipt.detail);

    let second_key = "4711/every-1h/1/email/kari";
    let second = delivery(
        second_key,
        "kari@aukra.example",
        vec![first_id.clone(), "<older@ror-ikt.example>".into()],
        false,
    );
    let receipt2 = email.send(&second).await.expect("follow-up");

    let got = peer.wait_for(2);
    let (m1, m2) = (&got[0], &got[1]);
    for m in [m1, m2] {
        assert_eq!(m["tls"], true, "STARTTLS was used");
        assert_eq!(m["login"], USER);
        assert_eq!(m["mail_from"], "driftsmeldinger@ror-ikt.example");
        assert_eq!(m["rcpt_tos"], serde_json::json!(["kari@aukra.example"]));
        assert_eq!(
            header(m, "Subject"),
            "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret"
        );
        assert_eq!(header(m, "To"), "Kari Ødegård <kari@aukra.example>");
        assert_eq!(
            header(m, "From"),
            "Driftsmeldinger ROR-IKT <driftsmeldinger@ror-ikt.example>"
        );
        let parts = m["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0]["type"], "text/plain");
        assert!(parts[0]["content"]
            .as_str()
            .unwrap()
            .contains("Blåbær og rødgrøt: æøå ÆØÅ."));
        assert_eq!(parts[1]["type"], "text/html");
        assert!(parts[1]["content"]
            .as_str()
            .unwrap()
            .contains("<p>Vi jobber med feilen. Blåbær og rødgrøt: æøå ÆØÅ.</p>"));
    }
    assert_eq!(header(m1, "Message-ID"), first_id);
    assert!(headers(m1, "In-Reply-To").is_empty());
    assert!(headers(m1, "References").is_empty());
    assert_eq!(header(m1, "Importance"), "high");

    assert_eq!(
        header(m2, "Message-ID"),
        message_id(second_key, "ror-ikt.example")
    );
    assert_eq!(receipt2.remote_id, Some(header(m2, "Message-ID")));
    assert_eq!(header(m2, "In-Reply-To"), first_id);
    assert_eq!(
        header(m2, "References"),
        format!("{first_id} <older@ror-ikt.example>")
    );
    assert!(headers(m2, "Importance").is_empty());
}

#[tokio::test]
async fn the_same_delivery_gets_the_same_message_id() {
    let peer = SmtpPeer::start("plain", None, None);
    let email = notifier(&channel(peer.port, SmtpTls::None, None, None));
    let d = delivery(
        "4711/opened/0/email/ola",
        "ola@molde.example",
        vec![],
        false,
    );
    email.send(&d).await.unwrap();
    email.send(&d).await.unwrap();
    let got = peer.wait_for(2);
    assert_eq!(header(&got[0], "Message-ID"), header(&got[1], "Message-ID"));
    assert_eq!(got[0]["tls"], false);
    assert_eq!(got[0]["login"], serde_json::Value::Null);
}

#[tokio::test]
async fn implicit_tls_delivers() {
    let certs = test_certs();
    let peer = SmtpPeer::start("tls", Some(&certs), Some((USER, PASSWORD)));
    let email = notifier(&channel(
        peer.port,
        SmtpTls::Tls,
        Some(&certs),
        Some(PASSWORD),
    ));
    let d = delivery(
        "4711/opened/0/email/per",
        "per@rauma.example",
        vec![],
        false,
    );
    email.send(&d).await.expect("implicit TLS send");
    let got = peer.wait_for(1);
    assert_eq!(got[0]["tls"], true);
    assert_eq!(got[0]["login"], USER);
}

#[tokio::test]
async fn wrong_password_is_a_config_error_without_the_password() {
    let certs = test_certs();
    let peer = SmtpPeer::start("starttls", Some(&certs), Some((USER, PASSWORD)));
    let wrong = "Feil-Passord-9182";
    let email = notifier(&channel(
        peer.port,
        SmtpTls::StartTls,
        Some(&certs),
        Some(wrong),
    ));
    let d = delivery(
        "4711/opened/0/email/kari",
        "kari@aukra.example",
        vec![],
        false,
    );
    let err = email.send(&d).await.unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(text.contains("535"), "{text}");
    assert!(!text.contains(wrong) && !text.contains(PASSWORD), "{text}");
    assert!(peer.received().is_empty());
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_config_error() {
    let certs = test_certs();
    let peer = SmtpPeer::start("starttls", Some(&certs), None);
    // No ca_file: the throwaway CA is not trusted.
    let email = notifier(&channel(peer.port, SmtpTls::StartTls, None, None));
    let d = delivery(
        "4711/opened/0/email/kari",
        "kari@aukra.example",
        vec![],
        false,
    );
    let err = email.send(&d).await.unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    assert!(err.to_string().contains("ca_file"), "{err}");
}

#[tokio::test]
async fn a_relay_without_starttls_is_refused_when_starttls_is_required() {
    let peer = SmtpPeer::start("plain", None, None);
    let certs = test_certs();
    let email = notifier(&channel(peer.port, SmtpTls::StartTls, Some(&certs), None));
    let d = delivery(
        "4711/opened/0/email/kari",
        "kari@aukra.example",
        vec![],
        false,
    );
    let err = email.send(&d).await.unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    assert!(peer.received().is_empty(), "nothing sent in clear text");
}

#[tokio::test]
async fn connection_refused_is_retryable() {
    // Bind and drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let email = notifier(&channel(port, SmtpTls::None, None, None));
    let d = delivery(
        "4711/opened/0/email/kari",
        "kari@aukra.example",
        vec![],
        false,
    );
    let err = email.send(&d).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[test]
fn a_missing_ca_file_is_a_config_error() {
    let mut cfg = channel(25, SmtpTls::StartTls, None, None);
    cfg.ca_file = Some("/nonexistent/slavakt-ca.pem".into());
    let err = EmailNotifier::new(&cfg, Arc::new(SystemClock))
        .err()
        .expect("must fail");
    assert!(matches!(err, NotifyError::Config(_)));
}
