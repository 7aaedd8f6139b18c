//! Teams targets against wiremock: the Workflows webhook (Adaptive Card, URL kept secret) and
//! Graph channel messages with a delegated token (token endpoint, refresh-token rotation, root
//! post, reply in thread, 401 refresh-once, 429, 5xx, timeout).

use crate::kit::notify as notify_support;

use notify_support::delivery;
use serde_json::json;
use slavakt::clock::SystemClock;
use slavakt::config::{GraphAuth, TeamsChannel};
use slavakt::notify::graph_auth::TokenPool;
use slavakt::notify::teams;
use slavakt::notify::{Notifier, NotifyError};
use slavakt::secret::Secret;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SIG: &str = "SiG-wOrKfLoW-0123456789abcdef";
const CLIENT_SECRET: &str = "client-Secret-5521";

fn workflows(server: &MockServer, timeout: Duration) -> Arc<dyn Notifier> {
    let url = format!(
        "{}/workflows/wf-77/triggers/manual/paths/invoke?api-version=2016-06-01&sig={SIG}",
        server.uri()
    );
    teams::build(
        "ik_varsling",
        &TeamsChannel::Workflows {
            url: Secret::new(url),
        },
        timeout,
        Arc::new(SystemClock),
        &mut TokenPool::default(),
    )
    .unwrap()
}

fn assert_no_url_secret(err: &NotifyError) {
    let t = format!("{err} {err:?}");
    assert!(!t.contains(SIG), "signature leaked: {t}");
    assert!(!t.contains("wf-77"), "URL path leaked: {t}");
}

#[tokio::test]
async fn workflows_posts_an_adaptive_card_with_urgency() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/workflows/wf-77/triggers/manual/paths/invoke"))
        .and(body_partial_json(json!({
            "type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive"}]
        })))
        .respond_with(ResponseTemplate::new(202))
        .expect(1)
        .mount(&server)
        .await;
    let n = workflows(&server, Duration::from_secs(5));
    assert_eq!(n.name(), "teams:ik_varsling");
    let r = n
        .send(&delivery("k1", "ik_varsling", vec![], true))
        .await
        .expect("sent");
    assert_eq!(r.detail, "HTTP 202");
    let req = &server.received_requests().await.unwrap()[0];
    let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
    let body = &v["attachments"][0]["content"]["body"];
    assert_eq!(body[0]["style"], "attention");
    assert_eq!(body[0]["items"][0]["text"], "⚠ KRITISK");
    assert_eq!(
        body[1]["text"],
        "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret"
    );
}

#[tokio::test]
async fn workflows_failures_are_classed_and_never_show_the_url() {
    let server = MockServer::start().await;
    let n = workflows(&server, Duration::from_secs(5));
    let d = delivery("k1", "ik_varsling", vec![], false);
    let echo = format!("bad request to /workflows/wf-77/triggers?sig={SIG}");

    for (status, check) in [
        (401u16, "config"),
        (403, "config"),
        (404, "permanent"),
        (500, "retryable"),
    ] {
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string(echo.clone()))
            .expect(1)
            .mount(&server)
            .await;
        let err = n.send(&d).await.unwrap_err();
        let class = match err {
            NotifyError::Config(_) => "config",
            NotifyError::Permanent(_) => "permanent",
            NotifyError::Retryable { .. } => "retryable",
        };
        assert_eq!(class, check, "HTTP {status}: {err:?}");
        assert_no_url_secret(&err);
    }
}

#[tokio::test]
async fn workflows_429_with_an_http_date_retry_after() {
    let server = MockServer::start().await;
    // A date far in the future: whatever the wall clock says, the wait is the longest allowed.
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT"),
        )
        .mount(&server)
        .await;
    let n = workflows(&server, Duration::from_secs(5));
    match n
        .send(&delivery("k1", "ik_varsling", vec![], false))
        .await
        .unwrap_err()
    {
        NotifyError::Retryable {
            retry_after: Some(d),
            ..
        // Long and positive, and clamped to the documented cap.
        } => assert_eq!(d, slavakt::pureservice::retry::MAX_RETRY_AFTER),
        e => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn workflows_timeout_is_retryable_without_the_url() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(202).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let n = workflows(&server, Duration::from_millis(300));
    let err = n
        .send(&delivery("k1", "ik_varsling", vec![], false))
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_no_url_secret(&err);
}

struct GraphSetup {
    server: MockServer,
    _dir: tempfile::TempDir,
    rt_file: std::path::PathBuf,
    notifier: Arc<dyn Notifier>,
}

async fn graph_setup() -> GraphSetup {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rt_file = dir.path().join("teams-refresh-token");
    std::fs::write(&rt_file, "RT-one-111111\n").unwrap();
    let cfg = TeamsChannel::Graph {
        auth: GraphAuth {
            authority: server.uri(),
            tenant: "tenant-ror".into(),
            client_id: "client-ror".into(),
            client_secret: Some(Secret::new(CLIENT_SECRET)),
            graph_url: format!("{}/v1.0", server.uri()),
        },
        refresh_token_file: rt_file.clone(),
        team_id: "team-1".into(),
        channel_id: "19:chan@thread.tacv2".into(),
    };
    let notifier = teams::build(
        "driftsmeldinger",
        &cfg,
        Duration::from_secs(5),
        Arc::new(SystemClock),
        &mut TokenPool::default(),
    )
    .unwrap();
    GraphSetup {
        server,
        _dir: dir,
        rt_file,
        notifier,
    }
}

const MESSAGES: &str = "/v1.0/teams/team-1/channels/19:chan@thread.tacv2/messages";

fn token_answer(access: &str, refresh: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "token_type": "Bearer", "expires_in": 3600,
        "access_token": access, "refresh_token": refresh
    }))
}

#[tokio::test]
async fn graph_posts_root_then_replies_and_rotates_the_refresh_token() {
    let g = graph_setup().await;
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=refresh_token"))
        .and(body_string_contains("refresh_token=RT-one-111111"))
        .respond_with(token_answer("AT-one", "RT-two-222222"))
        .expect(1) // cached for the second send
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(header("authorization", "Bearer AT-one"))
        .and(body_partial_json(json!({
            "subject": "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret",
            "importance": "high",
            "body": {"contentType": "html"}
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "1700000000001"})))
        .expect(1)
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{MESSAGES}/1700000000001/replies")))
        .and(header("authorization", "Bearer AT-one"))
        .and(body_partial_json(json!({"importance": "normal"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "1700000000002"})))
        .expect(1)
        .mount(&g.server)
        .await;

    let r1 = g
        .notifier
        .send(&delivery("k1", "driftsmeldinger", vec![], true))
        .await
        .expect("root post");
    assert_eq!(r1.remote_id.as_deref(), Some("1700000000001"));
    assert_eq!(
        std::fs::read_to_string(&g.rt_file).unwrap().trim(),
        "RT-two-222222"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&g.rt_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let r2 = g
        .notifier
        .send(&delivery(
            "k2",
            "driftsmeldinger",
            vec!["1700000000001".into()],
            false,
        ))
        .await
        .expect("reply");
    assert_eq!(r2.remote_id.as_deref(), Some("1700000000002"));
}

#[tokio::test]
async fn graph_401_refreshes_once_then_succeeds() {
    let g = graph_setup().await;
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .respond_with(token_answer("AT-stale", "RT-two-222222"))
        .up_to_n_times(1)
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .and(body_string_contains("refresh_token=RT-two-222222"))
        .respond_with(token_answer("AT-fresh", "RT-three-33333"))
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(header("authorization", "Bearer AT-stale"))
        .respond_with(ResponseTemplate::new(401))
        .expect(1)
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .and(header("authorization", "Bearer AT-fresh"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "m-9"})))
        .expect(1)
        .mount(&g.server)
        .await;
    let r = g
        .notifier
        .send(&delivery("k1", "driftsmeldinger", vec![], false))
        .await
        .expect("sent after one refresh");
    assert_eq!(r.remote_id.as_deref(), Some("m-9"));
    assert_eq!(
        std::fs::read_to_string(&g.rt_file).unwrap().trim(),
        "RT-three-33333"
    );
}

#[tokio::test]
async fn graph_401_twice_is_a_config_error_without_tokens() {
    let g = graph_setup().await;
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .respond_with(token_answer("AT-never-works", "RT-two-222222"))
        .expect(2)
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string("token AT-never-works rejected; client-Secret-5521"),
        )
        .expect(2)
        .mount(&g.server)
        .await;
    let err = g
        .notifier
        .send(&delivery("k1", "driftsmeldinger", vec![], false))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    let t = format!("{err} {err:?}");
    assert!(
        !t.contains("AT-never-works") && !t.contains(CLIENT_SECRET),
        "{t}"
    );
}

#[tokio::test]
async fn an_expired_refresh_token_is_a_config_error() {
    let g = graph_setup().await;
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "invalid_grant",
            "error_description": "AADSTS70043: The refresh token has expired. RT-one-111111"
        })))
        .mount(&g.server)
        .await;
    let err = g
        .notifier
        .send(&delivery("k1", "driftsmeldinger", vec![], false))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    let t = err.to_string();
    assert!(
        t.contains("invalid_grant") && t.contains("refresh token file"),
        "{t}"
    );
    assert!(!t.contains("RT-one-111111"), "{t}");
}

#[tokio::test]
async fn graph_throttling_and_outages_are_retryable() {
    let g = graph_setup().await;
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .respond_with(token_answer("AT-one", "RT-one-111111"))
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "12"))
        .up_to_n_times(1)
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&g.server)
        .await;
    Mock::given(method("POST"))
        .and(path(MESSAGES))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "m-1"})))
        .mount(&g.server)
        .await;
    let d = delivery("k1", "driftsmeldinger", vec![], false);
    match g.notifier.send(&d).await.unwrap_err() {
        NotifyError::Retryable { retry_after, .. } => {
            assert_eq!(retry_after, Some(Duration::from_secs(12)))
        }
        e => panic!("{e:?}"),
    }
    assert!(g.notifier.send(&d).await.unwrap_err().is_retryable());
    assert_eq!(
        g.notifier.send(&d).await.unwrap().remote_id.as_deref(),
        Some("m-1")
    );
}
