//! The Pureservice client against wiremock: headers, envelope, retries, errors, secrets.

use slavakt::config::{AuthMode, PureserviceConfig};
use slavakt::pureservice::client::{Client, ClientOptions};
use slavakt::pureservice::filter::ListQuery;
use slavakt::pureservice::retry::RetryPolicy;
use slavakt::pureservice::PsError;
use slavakt::secret::Secret;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::{body_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "ps-key-0123456789-very-secret";

fn config(server: &MockServer) -> PureserviceConfig {
    let mut c =
        PureserviceConfig::with_defaults(url::Url::parse(&server.uri()).unwrap(), Secret::new(KEY));
    c.timeout = chrono::Duration::milliseconds(500);
    c
}

fn fast() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 4,
            initial: Duration::from_millis(10),
            max_backoff: Duration::from_millis(40),
            max_retry_after: Duration::from_secs(3),
        },
        ..ClientOptions::default()
    }
}

fn ticket_json(id: u64) -> serde_json::Value {
    serde_json::json!({"id": id, "requestNumber": 1000 + id, "subject": "Skriver virker ikke",
        "statusId": 1, "modified": "2026-05-06T10:11:12.123Z", "created": "2026-05-06T10:00:00Z"})
}

#[tokio::test]
async fn sends_accept_and_x_authorization_key_under_the_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/agent/api/ticket/"))
        .and(header("accept", "application/vnd.api+json"))
        .and(header("x-authorization-key", KEY))
        .and(query_param("filter", "status.coreStatus < 50 AND !isMarkedForDeletion"))
        .and(query_param("sort", "modified asc, id asc"))
        .and(query_param("include", "user,user.company"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "tickets": [ticket_json(1), ticket_json(2)],
            "linked": {"users": [{"id": 5, "firstName": "Kari", "lastName": "Nordmann", "companyId": 2}],
                       "companies": [{"id": 2, "name": "Molde kommune", "organizationNumber": 964338531}]}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let env = client
        .tickets(&ListQuery {
            filter: Some("status.coreStatus < 50 AND !isMarkedForDeletion".into()),
            sort: Some("modified asc, id asc".into()),
            include: vec!["user".into(), "user.company".into()],
            start: Some(0),
            limit: Some(500),
        })
        .await
        .unwrap();
    assert_eq!(env.items.len(), 2);
    assert_eq!(
        env.linked.companies[0].organization_number.as_deref(),
        Some("964338531")
    );
}

#[tokio::test]
async fn bearer_form_and_other_prefix() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/ticket/7/"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"tickets": [ticket_json(7)]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server);
    cfg.auth = AuthMode::Bearer;
    cfg.api_prefix = "/api".into();
    let client = Client::with_options(&cfg, fast()).unwrap();
    let t = client.ticket(7, &[]).await.unwrap().unwrap();
    assert_eq!(t.request_number, Some(1007));
}

#[tokio::test]
async fn retry_after_in_seconds_is_honoured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"tickets": []})))
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let started = Instant::now();
    let env = client.tickets(&ListQuery::default()).await.unwrap();
    assert!(env.items.is_empty());
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn retry_after_as_http_date_is_measured_against_the_servers_date() {
    let server = MockServer::start().await;
    // The server's clock is decades off the host's; only the difference counts (1 s).
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Date", "Sun, 06 Nov 1994 08:49:37 GMT")
                .insert_header("Retry-After", "Sun, 06 Nov 1994 08:49:38 GMT"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"tickets": []})))
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let started = Instant::now();
    client.tickets(&ListQuery::default()).await.unwrap();
    // Measured against the host clock the date would lie decades in the past (no wait at all).
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(1), "waited {took:?}");
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn a_5xx_burst_then_recovery() {
    let server = MockServer::start().await;
    for status in [502u16, 503, 504] {
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(status).set_body_string("upstream busy"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"tickets": [ticket_json(1)]})),
        )
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let env = client.tickets(&ListQuery::default()).await.unwrap();
    assert_eq!(env.items.len(), 1);
    assert_eq!(client.requests_sent(), 4);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("maintenance until 22:00"))
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let err = client.tickets(&ListQuery::default()).await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    let text = err.to_string();
    assert!(text.contains("/agent/api/ticket/"), "{text}");
    assert!(text.contains("maintenance until 22:00"), "{text}");
    assert_eq!(client.requests_sent(), 4);
}

#[tokio::test]
async fn timeouts_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"tickets": []})))
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    client.tickets(&ListQuery::default()).await.unwrap();
    assert_eq!(client.requests_sent(), 2);
}

#[tokio::test]
async fn post_note_body_and_no_blind_retry_on_5xx() {
    let server = MockServer::start().await;
    let expected = serde_json::json!({"communications": [{"ticketId": 42, "subject": "Varsel sendt",
        "text": "<p>SMS til vakthavende</p>", "type": 1, "direction": 3}]});
    Mock::given(method("POST"))
        .and(path("/agent/api/communication/"))
        .and(header("content-type", "application/vnd.api+json"))
        .and(header("accept", "application/vnd.api+json"))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let err = client
        .post_note(42, "Varsel sendt", "<p>SMS til vakthavende</p>")
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert!(client.take_own_writes().is_empty());
}

#[tokio::test]
async fn a_post_that_timed_out_is_not_sent_again() {
    // The server may have stored the note before the answer was lost: a second POST could
    // make a second note.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"communications": [{"id": 1, "ticketId": 42}]}))
                .set_delay(Duration::from_secs(5)),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let err = client.post_note(42, "s", "<p>x</p>").await.unwrap_err();
    assert!(
        matches!(
            err,
            PsError::Transport {
                kind: slavakt::pureservice::error::TransportKind::Timeout,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.is_transient(),
        "the caller may decide; the client does not"
    );
    assert_eq!(client.requests_sent(), 1);
}

#[tokio::test]
async fn post_note_is_retried_after_429_and_remembered() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({
            "communications": [{"id": 9, "ticketId": 42, "created": "2026-05-06T10:11:12.5Z"}]})))
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let c = client.post_note(42, "s", "<p>x</p>").await.unwrap();
    assert_eq!(c.id, 9);
    let w = client.take_own_writes();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].ticket, 42);
    assert_eq!(w[0].at, Some("2026-05-06T10:11:12.5Z".parse().unwrap()));
}

#[tokio::test]
async fn patch_is_plain_json_with_only_the_fields() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/agent/api/ticket/42/"))
        .and(header("content-type", "application/json"))
        .and(header_exists("x-authorization-key"))
        .and(body_json(serde_json::json!({"priorityId": 3})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let mut fields = serde_json::Map::new();
    fields.insert("priorityId".into(), 3.into());
    client.patch_ticket(42, &fields).await.unwrap();
    assert_eq!(client.take_own_writes()[0].ticket, 42);
}

#[tokio::test]
async fn malformed_body_is_a_typed_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"tickets\":[{\"id\":1,"))
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let err = client.tickets(&ListQuery::default()).await.unwrap_err();
    assert!(matches!(err, PsError::Malformed { .. }), "{err:?}");
}

/// A `tracing` writer that keeps everything for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_logs() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || sink.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    // A server that echoes the key back in its error body, and fails in every way.
    Mock::given(method("GET"))
        .and(path("/agent/api/ticket/"))
        .respond_with(ResponseTemplate::new(401).set_body_string(format!("invalid key {KEY}")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/agent/api/status/"))
        .respond_with(ResponseTemplate::new(503).set_body_string(format!("busy; key={KEY}")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/agent/api/priority/"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!("{{\"x\":\"{KEY}\"")))
        .mount(&server)
        .await;
    let client = Client::with_options(&config(&server), fast()).unwrap();
    let mut errors = Vec::new();
    errors.push(client.tickets(&ListQuery::default()).await.unwrap_err());
    errors.push(
        client
            .list::<slavakt::pureservice::wire::Status>(
                "status/",
                "statuses",
                &ListQuery::default(),
            )
            .await
            .unwrap_err(),
    );
    errors.push(
        client
            .list::<slavakt::pureservice::wire::Named>(
                "priority/",
                "priorities",
                &ListQuery::default(),
            )
            .await
            .unwrap_err(),
    );
    // Connection refused: a port nobody listens on.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let mut cfg = config(&server);
    cfg.base_url = url::Url::parse(&format!("http://{dead}")).unwrap();
    let dead_client = Client::with_options(&cfg, fast()).unwrap();
    errors.push(
        dead_client
            .tickets(&ListQuery::default())
            .await
            .unwrap_err(),
    );

    assert!(errors[0].is_auth());
    for e in &errors {
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains(KEY), "secret leaked: {shown}");
    }
    assert!(format!("{client:?}").find(KEY).is_none());
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("pureservice request"),
        "nothing logged: {logs}"
    );
    assert!(!logs.contains(KEY), "secret in logs: {logs}");
}
