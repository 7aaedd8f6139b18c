//! SMS providers against wiremock on 127.0.0.1: payloads, auth, "200 but failed" bodies,
//! 401/429/5xx/timeout classes, length handling.

use crate::kit::notify as notify_support;

use base64::Engine;
use notify_support::delivery;
use serde_json::json;
use slavakt::clock::SystemClock;
use slavakt::config::{SmsChannel, SmsProvider};
use slavakt::notify::sms::SmsNotifier;
use slavakt::notify::{Notifier, NotifyError};
use slavakt::secret::Secret;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "sms-Passord-7731";

fn cfg(provider: SmsProvider, url: String) -> SmsChannel {
    SmsChannel {
        provider,
        url,
        username: Some("ror-ikt".into()),
        password: Some(Secret::new(PASSWORD)),
        sender: "ROR-IKT".into(),
        body_template: None,
        timeout: chrono::Duration::seconds(5),
    }
}

fn notifier(c: &SmsChannel) -> SmsNotifier {
    SmsNotifier::new(c, Arc::new(SystemClock)).unwrap()
}

fn basic(user: &str, pass: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

fn sms(address: &str) -> slavakt::notify::Delivery {
    delivery("4711/opened/0/sms/kari", address, vec![], true)
}

fn assert_clean(err: &NotifyError) {
    let t = format!("{err} {err:?}");
    assert!(!t.contains(PASSWORD), "secret leaked: {t}");
}

#[tokio::test]
async fn link_sends_json_with_basic_auth_and_reads_the_result_code() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/send"))
        .and(header("authorization", basic("ror-ikt", PASSWORD).as_str()))
        .and(body_partial_json(json!({
            "source": "ROR-IKT",
            "destination": "+4790000101",
            "userData": "Kritisk feil i fagsystem PLO. Vi jobber med saken. Hilsen ROR-IKT, æøå.",
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "messageId": "link-77", "resultCode": 1005, "description": "Queued"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Link,
        format!("{}/sms/send", server.uri()),
    ));
    let r = n.send(&sms("+4790000101")).await.expect("sent");
    assert_eq!(r.remote_id.as_deref(), Some("link-77"));
    assert!(r.detail.contains("1005"), "{}", r.detail);
    assert!(r.detail.contains("1 segment GSM-7"), "{}", r.detail);
}

#[tokio::test]
async fn link_200_with_an_error_code_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "resultCode": 106101, "description": "Invalid destination"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Link,
        format!("{}/sms/send", server.uri()),
    ));
    let err = n.send(&sms("+4790000101")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("106101"));
}

#[tokio::test]
async fn rejected_credentials_are_a_config_error_and_never_echo_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(401).set_body_string(format!("bad password {PASSWORD}")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Link,
        format!("{}/sms/send", server.uri()),
    ));
    let err = n.send(&sms("+4790000101")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    assert_clean(&err);
}

#[tokio::test]
async fn too_many_requests_is_retryable_with_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "30"))
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Link,
        format!("{}/sms/send", server.uri()),
    ));
    match n.send(&sms("+4790000101")).await.unwrap_err() {
        NotifyError::Retryable { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(30)))
        }
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn server_errors_are_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance"))
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Sveve,
        format!("{}/SMS/SendMessage", server.uri()),
    ));
    let err = n.send(&sms("+4790000101")).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_clean(&err);
}

#[tokio::test]
async fn a_slow_provider_times_out_as_retryable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(5))
                .set_body_json(json!({"resultCode": 1005})),
        )
        .mount(&server)
        .await;
    let mut c = cfg(SmsProvider::Link, format!("{}/sms/send", server.uri()));
    c.timeout = chrono::Duration::milliseconds(300);
    let err = notifier(&c).send(&sms("+4790000101")).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains("timed out"), "{err}");
}

#[tokio::test]
async fn sveve_puts_credentials_in_the_body_and_uses_national_numbers() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/SMS/SendMessage"))
        .and(body_partial_json(json!({
            "user": "ror-ikt", "passwd": PASSWORD, "to": "90000101", "from": "ROR-IKT", "f": "json"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "response": {"msgOkCount": 1, "stdSMSCount": 1, "ids": [90211]}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Sveve,
        format!("{}/SMS/SendMessage", server.uri()),
    ));
    let r = n.send(&sms("+4790000101")).await.expect("sent");
    assert_eq!(r.remote_id.as_deref(), Some("90211"));
}

#[tokio::test]
async fn sveve_200_with_fatal_error_is_detected_without_leaking() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "response": {"msgOkCount": 0, "stdSMSCount": 0,
                         "fatalError": format!("Feil brukernavn/passord ({PASSWORD})")}
        })))
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Sveve,
        format!("{}/SMS/SendMessage", server.uri()),
    ));
    let err = n.send(&sms("+4790000101")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    assert_clean(&err);
}

#[tokio::test]
async fn twilio_posts_a_form_to_the_account() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/2010-04-01/Accounts/ror-ikt/Messages.json"))
        .and(header("authorization", basic("ror-ikt", PASSWORD).as_str()))
        .and(body_string_contains("To=%2B4790000101"))
        .and(body_string_contains("From=ROR-IKT"))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"sid": "SM42", "status": "queued"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Twilio,
        format!("{}/2010-04-01", server.uri()),
    ));
    let r = n.send(&sms("+4790000101")).await.expect("sent");
    assert_eq!(r.remote_id.as_deref(), Some("SM42"));
}

#[tokio::test]
async fn twilio_invalid_number_is_permanent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}),
        ))
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Twilio,
        format!("{}/2010-04-01", server.uri()),
    ));
    let err = n.send(&sms("+4790000101")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err:?}");
    assert!(err.to_string().contains("21211"));
}

#[tokio::test]
async fn http_provider_renders_the_template_and_detects_failure_bodies() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .and(body_partial_json(json!({"number": "+4790000102"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": false, "error": "no credit"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/send"))
        .and(body_partial_json(json!({
            "number": "+4790000101", "from": "ROR-IKT",
            "text": "Kritisk feil i fagsystem PLO. Vi jobber med saken. Hilsen ROR-IKT, æøå."
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "h-1"})))
        .mount(&server)
        .await;
    let mut c = cfg(SmsProvider::Http, format!("{}/send", server.uri()));
    c.username = None;
    c.body_template =
        Some(r#"{"number": "{{ to }}", "text": "{{ text }}", "from": "{{ sender }}"}"#.into());
    let n = notifier(&c);
    let r = n.send(&sms("+4790000101")).await.expect("sent");
    assert_eq!(r.remote_id.as_deref(), Some("h-1"));
    let err = n.send(&sms("+4790000102")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err:?}");
}

#[tokio::test]
async fn long_texts_are_truncated_and_concatenation_is_noted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"resultCode": 1005})))
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Link,
        format!("{}/sms/send", server.uri()),
    ));
    let mut d = sms("+4790000101");
    d.message.short = "Driftsmelding: fagsystemet på Ålesund legevakt er nede. ".repeat(12);
    let r = n.send(&d).await.expect("sent");
    assert!(
        r.detail
            .contains("3 segments GSM-7, concatenated; truncated"),
        "{}",
        r.detail
    );
    let req = &server.received_requests().await.unwrap()[0];
    let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    let text = body["userData"].as_str().unwrap();
    assert!(text.ends_with("..."), "{text}");
    assert!(text.chars().count() <= 3 * 153);
}

#[tokio::test]
async fn an_address_that_is_not_a_phone_number_is_permanent_and_nothing_is_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let n = notifier(&cfg(
        SmsProvider::Link,
        format!("{}/sms/send", server.uri()),
    ));
    let err = n.send(&sms("kari@aukra.example")).await.unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)));
}
