//! Intranet channel against wiremock: SharePoint news (client-credentials token, create +
//! publish, update + publish), SharePoint list item (create, update in place), webhook; failure
//! classes and secrets.

use crate::kit::notify as notify_support;

use notify_support::delivery;
use serde_json::json;
use slavakt::clock::SystemClock;
use slavakt::config::{GraphAuth, IntranetChannel};
use slavakt::notify::graph_auth::TokenPool;
use slavakt::notify::intranet;
use slavakt::notify::{Notifier, NotifyError};
use slavakt::secret::Secret;
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{body_partial_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CLIENT_SECRET: &str = "app-Secret-8812";
const SITE: &str = "ror.sharepoint.example,1111,2222";
const PAGES: &str = "/v1.0/sites/ror.sharepoint.example,1111,2222/pages";

fn auth(server: &MockServer) -> GraphAuth {
    GraphAuth {
        authority: server.uri(),
        tenant: "tenant-ror".into(),
        client_id: "app-ror".into(),
        client_secret: Some(Secret::new(CLIENT_SECRET)),
        graph_url: format!("{}/v1.0", server.uri()),
    }
}

fn build(cfg: &IntranetChannel, timeout: Duration) -> Arc<dyn Notifier> {
    intranet::build(
        cfg,
        timeout,
        Arc::new(SystemClock),
        &mut TokenPool::default(),
    )
    .unwrap()
}

async fn app_token(server: &MockServer, expect: u64) {
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=app-ror"))
        .and(body_string_contains(format!(
            "client_secret={CLIENT_SECRET}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "access_token": "AT-app"
        })))
        .expect(expect)
        .mount(server)
        .await;
}

#[tokio::test]
async fn news_page_is_created_published_then_updated_in_place() {
    let server = MockServer::start().await;
    app_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(PAGES))
        .and(header("authorization", "Bearer AT-app"))
        .and(body_partial_json(json!({
            "promotionKind": "newsPost",
            "title": "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret",
        })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "page-1"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "{PAGES}/page-1/microsoft.graph.sitePage/publish"
        )))
        .respond_with(ResponseTemplate::new(204))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{PAGES}/page-1/microsoft.graph.sitePage")))
        .and(body_partial_json(
            json!({"title": "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "page-1"})))
        .expect(1)
        .mount(&server)
        .await;

    let n = build(
        &IntranetChannel::SharepointNews {
            auth: auth(&server),
            site_id: SITE.into(),
        },
        Duration::from_secs(5),
    );
    let r1 = n
        .send(&delivery("k1", "intranet", vec![], true))
        .await
        .expect("created");
    assert_eq!(r1.remote_id.as_deref(), Some("page-1"));
    assert!(r1.detail.contains("created and published"), "{}", r1.detail);
    let r2 = n
        .send(&delivery("k2", "intranet", vec!["page-1".into()], false))
        .await
        .expect("updated");
    assert_eq!(r2.remote_id.as_deref(), Some("page-1"));
    assert!(r2.detail.contains("updated and published"), "{}", r2.detail);

    let create = &server.received_requests().await.unwrap()[1];
    let v: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    let html = v["canvasLayout"]["horizontalSections"][0]["columns"][0]["webparts"][0]["innerHtml"]
        .as_str()
        .unwrap();
    assert!(html.contains("⚠ KRITISK"), "{html}");
    assert!(html.contains("æøå ÆØÅ"), "{html}");
}

#[tokio::test]
async fn a_failed_publish_is_retried_without_a_second_page() {
    let server = MockServer::start().await;
    app_token(&server, 1).await;
    Mock::given(method("POST"))
        .and(path(PAGES))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "page-7"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "{PAGES}/page-7/microsoft.graph.sitePage/publish"
        )))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "{PAGES}/page-7/microsoft.graph.sitePage/publish"
        )))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let n = build(
        &IntranetChannel::SharepointNews {
            auth: auth(&server),
            site_id: SITE.into(),
        },
        Duration::from_secs(5),
    );
    let d = delivery("k1", "intranet", vec![], false);
    assert!(n.send(&d).await.unwrap_err().is_retryable());
    let r = n.send(&d).await.expect("published on retry");
    assert_eq!(r.remote_id.as_deref(), Some("page-7"));
}

#[tokio::test]
async fn list_item_is_created_then_updated_in_place() {
    let server = MockServer::start().await;
    app_token(&server, 1).await;
    let items = format!("/v1.0/sites/{SITE}/lists/list-drift/items");
    Mock::given(method("POST"))
        .and(path(items.clone()))
        .and(body_partial_json(json!({"fields": {
            "Title": "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret",
            "Level": "kritisk", "Important": true, "TicketId": 4711
        }})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "17"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path(format!("{items}/17/fields")))
        .and(body_partial_json(json!({"Important": false})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"Title": "x"})))
        .expect(1)
        .mount(&server)
        .await;
    let n = build(
        &IntranetChannel::SharepointList {
            auth: auth(&server),
            site_id: SITE.into(),
            list_id: "list-drift".into(),
        },
        Duration::from_secs(5),
    );
    let r1 = n
        .send(&delivery("k1", "intranet", vec![], true))
        .await
        .unwrap();
    assert_eq!(r1.remote_id.as_deref(), Some("17"));
    let r2 = n
        .send(&delivery("k2", "intranet", vec!["17".into()], false))
        .await
        .unwrap();
    assert_eq!(r2.remote_id.as_deref(), Some("17"));
}

#[tokio::test]
async fn graph_failures_are_classed() {
    let server = MockServer::start().await;
    app_token(&server, 1).await;
    let items = format!("/v1.0/sites/{SITE}/lists/list-drift/items");
    let n = build(
        &IntranetChannel::SharepointList {
            auth: auth(&server),
            site_id: SITE.into(),
            list_id: "list-drift".into(),
        },
        Duration::from_millis(400),
    );
    let d = delivery("k1", "intranet", vec![], false);
    let cases: Vec<(ResponseTemplate, &str)> = vec![
        (ResponseTemplate::new(403), "config"),
        (
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": {"message": "Field 'Level' is not recognized"}})),
            "permanent",
        ),
        (
            ResponseTemplate::new(429).insert_header("Retry-After", "3"),
            "retryable",
        ),
        (ResponseTemplate::new(502), "retryable"),
        (
            ResponseTemplate::new(201)
                .set_body_json(json!({"id": "1"}))
                .set_delay(Duration::from_secs(5)),
            "retryable",
        ),
    ];
    for (template, class) in cases {
        let m = Mock::given(method("POST"))
            .and(path(items.clone()))
            .respond_with(template)
            .mount_as_scoped(&server)
            .await;
        let err = n.send(&d).await.unwrap_err();
        let got = match &err {
            NotifyError::Config(_) => "config",
            NotifyError::Permanent(_) => "permanent",
            NotifyError::Retryable { .. } => "retryable",
        };
        assert_eq!(got, class, "{err:?}");
        drop(m);
    }
}

#[tokio::test]
async fn a_refused_client_secret_is_a_config_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tenant-ror/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "invalid_client",
            "error_description": format!("AADSTS7000215: Invalid client secret provided: {CLIENT_SECRET}")
        })))
        .mount(&server)
        .await;
    let n = build(
        &IntranetChannel::SharepointNews {
            auth: auth(&server),
            site_id: SITE.into(),
        },
        Duration::from_secs(5),
    );
    let err = n
        .send(&delivery("k1", "intranet", vec![], false))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Config(_)), "{err:?}");
    assert!(!format!("{err} {err:?}").contains(CLIENT_SECRET));
}

#[tokio::test]
async fn webhook_posts_message_and_ticket_and_detects_failure_bodies() {
    let server = MockServer::start().await;
    let url = Secret::new(format!(
        "{}/hooks/intranet-9f8e7d6c5b?token=hook-Token-4455",
        server.uri()
    ));
    Mock::given(method("POST"))
        .and(path("/hooks/intranet-9f8e7d6c5b"))
        .and(body_partial_json(json!({
            "ticket": 4711, "key": "k1", "important": true, "level": "kritisk",
            "subject": "Kritisk: Fagsystem for pleie og omsorg er nede på Ålesund-kontoret"
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "post-3"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"ok": false, "error": "token hook-Token-4455 expired"})),
        )
        .mount(&server)
        .await;
    let n = build(&IntranetChannel::Webhook { url }, Duration::from_secs(5));
    let r = n
        .send(&delivery("k1", "intranet", vec![], true))
        .await
        .unwrap();
    assert_eq!(r.remote_id.as_deref(), Some("post-3"));
    let err = n
        .send(&delivery("k1", "intranet", vec![], true))
        .await
        .unwrap_err();
    assert!(matches!(err, NotifyError::Permanent(_)), "{err:?}");
    let t = format!("{err} {err:?}");
    assert!(
        !t.contains("hook-Token-4455") && !t.contains("intranet-9f8e7d6c5b"),
        "{t}"
    );
}
