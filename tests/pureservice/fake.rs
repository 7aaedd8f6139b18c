//! The fake Pureservice behaves as PURESERVICE.md says the real one does ([sure] facts).

use chrono::{DateTime, Utc};
use slavakt::clock::FakeClock;
use slavakt::config::AuthMode;
use slavakt::pureservice::client::{Client, ClientOptions};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, Fault, NewTicket, RetryAfterForm};
use slavakt::pureservice::filter::{self, ListQuery};
use slavakt::pureservice::retry::RetryPolicy;
use std::sync::Arc;
use std::time::Duration;

fn t0() -> DateTime<Utc> {
    "2026-11-02T08:00:00Z".parse().unwrap()
}

async fn fake() -> (FakePureservice, FakeClock) {
    let clock = FakeClock::new(t0());
    let f = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .unwrap();
    (f, clock)
}

fn fast() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 3,
            initial: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
        },
        ..ClientOptions::default()
    }
}

async fn raw(
    f: &FakePureservice,
    path_and_query: &str,
    key: Option<(&str, String)>,
) -> (u16, String) {
    let url = format!("{}agent/api/{}", f.base_url(), path_and_query);
    let mut rb = reqwest::Client::new()
        .get(url)
        .header("accept", "application/vnd.api+json");
    if let Some((h, v)) = key {
        rb = rb.header(h, v);
    }
    let r = rb.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

fn ticket(subject: &str, requester: u64) -> NewTicket {
    NewTicket {
        subject: subject.into(),
        requester: Some(requester),
        priority: Some("Høy".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn auth_both_headers_and_401_on_a_wrong_key() {
    let (f, _) = fake().await;
    let key = f.api_key().expose().to_string();
    assert_eq!(
        raw(&f, "status/", Some(("x-authorization-key", key.clone())))
            .await
            .0,
        200
    );
    assert_eq!(
        raw(
            &f,
            "status/",
            Some(("authorization", format!("Bearer {key}")))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        raw(&f, "status/", Some(("x-authorization-key", "wrong".into())))
            .await
            .0,
        401
    );
    assert_eq!(raw(&f, "status/", None).await.0, 401);
    let log = f.requests();
    assert_eq!(log[0].auth, "x-authorization-key");
    assert_eq!(log[1].auth, "bearer");

    let mut cfg = f.config();
    cfg.auth = AuthMode::Bearer;
    let c = Client::with_options(&cfg, fast()).unwrap();
    c.tickets(&ListQuery::default()).await.unwrap();
    cfg.api_key = slavakt::secret::Secret::new("wrong-key-123");
    let bad = Client::with_options(&cfg, fast()).unwrap();
    let err = bad.tickets(&ListQuery::default()).await.unwrap_err();
    assert!(err.is_auth(), "{err}");
}

#[tokio::test]
async fn envelope_by_id_request_number_and_count() {
    let (f, _) = fake().await;
    let c = Client::with_options(&f.config(), fast()).unwrap();
    let a = f.create_ticket(ticket("Skriver", 102)).unwrap();
    let _b = f.create_ticket(ticket("Nett nede", 101)).unwrap();
    let key = f.api_key().expose().to_string();
    let (status, body) = raw(
        &f,
        &format!("ticket/{a}"),
        Some(("x-authorization-key", key)),
    )
    .await;
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["tickets"].as_array().unwrap().len(),
        1,
        "array of one: {body}"
    );
    assert_eq!(v["tickets"][0]["links"]["status"]["id"], 1);
    let by_id = c.ticket(a, &[]).await.unwrap().unwrap();
    let by_number = c
        .ticket_by_number(by_id.request_number.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_number.id, a);
    assert_eq!(c.ticket(999_999, &[]).await.unwrap(), None);
    assert_eq!(c.count_tickets(filter::OPEN_TICKETS).await.unwrap(), 2);
    f.set_status(a, "Løst");
    assert_eq!(c.count_tickets(filter::OPEN_TICKETS).await.unwrap(), 1);
    let empty = c
        .tickets(&ListQuery {
            filter: Some("id == 123456".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(empty.items.is_empty());
}

#[tokio::test]
async fn paging_caps_limit_at_500_ignores_offset_and_sorts() {
    let (f, clock) = fake().await;
    for i in 0..620 {
        clock.set(t0() + chrono::Duration::seconds(620 - i));
        f.create_ticket(ticket(&format!("t{i}"), 101)).unwrap();
    }
    let key = f.api_key().expose().to_string();
    let (_, body) = raw(
        &f,
        "ticket/?limit=1000",
        Some(("x-authorization-key", key.clone())),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["tickets"].as_array().unwrap().len(), 500);
    let (_, body) = raw(
        &f,
        "ticket/?limit=2&offset=100&sort=modified%20asc%2C%20id%20asc",
        Some(("x-authorization-key", key.clone())),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    // offset ignored: the first two by modified asc are the last created ones.
    assert_eq!(v["tickets"][0]["id"], 620);
    assert_eq!(v["tickets"][1]["id"], 619);
    let (_, body) = raw(
        &f,
        "ticket/?start=600&limit=500",
        Some(("x-authorization-key", key)),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["tickets"].as_array().unwrap().len(),
        20,
        "short last page"
    );
}

#[tokio::test]
async fn filter_subset_and_400_on_anything_else() {
    let (f, clock) = fake().await;
    let c = Client::with_options(&f.config(), fast()).unwrap();
    let a = f
        .create_ticket(ticket("Pasientvarsling nede", 102))
        .unwrap();
    clock.advance(chrono::Duration::minutes(10));
    let b = f.create_ticket(ticket("Skriver", 101)).unwrap();
    f.update_ticket(b, serde_json::json!({"isMarkedForDeletion": true}));
    let since = t0() + chrono::Duration::minutes(5);
    for form in [
        slavakt::config::DateLiteral::DateTimeOffset,
        slavakt::config::DateLiteral::IsoString,
    ] {
        let env = c
            .tickets(&ListQuery {
                filter: Some(filter::modified_since(since, form)),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(env.items.iter().map(|t| t.id).collect::<Vec<_>>(), vec![b]);
    }
    let open = c
        .tickets(&ListQuery {
            filter: Some(filter::OPEN_TICKETS.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.items.iter().map(|t| t.id).collect::<Vec<_>>(), vec![a]);
    let contains = c
        .tickets(&ListQuery {
            filter: Some("subject.Contains(\"varsling\") && priority.name == \"Høy\"".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(contains.items.len(), 1);
    for bad in [
        "modified > yesterday()",
        "id = 1",
        "nosuchfield == 1",
        "status.coreStatus <",
    ] {
        let err = c
            .tickets(&ListQuery {
                filter: Some(bad.into()),
                ..Default::default()
            })
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(400), "{bad}: {err}");
        assert!(err.to_string().contains("filter"), "{err}");
    }
}

#[tokio::test]
async fn include_puts_related_objects_once_under_linked() {
    let (f, _) = fake().await;
    let c = Client::with_options(&f.config(), fast()).unwrap();
    for _ in 0..3 {
        f.create_ticket(ticket("Samme bruker", 102)).unwrap();
    }
    f.create_ticket(ticket("Annen bruker", 103)).unwrap();
    let env = c
        .tickets(&ListQuery {
            include: ["user", "user.company", "status", "priority"]
                .map(String::from)
                .to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(env.items.len(), 4);
    let mut users: Vec<u64> = env.linked.users.iter().map(|u| u.id).collect();
    users.sort();
    assert_eq!(users, vec![102, 103]);
    assert_eq!(env.linked.companies.len(), 2);
    assert_eq!(env.linked.statuses.len(), 1);
    assert_eq!(env.linked.priorities.len(), 1);
    let err = c
        .tickets(&ListQuery {
            include: vec!["nonsense".into()],
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
}

#[tokio::test]
async fn writes_bump_modified_and_are_stored() {
    let (f, clock) = fake().await;
    let c = Client::with_options(&f.config(), fast()).unwrap();
    let id = f.create_ticket(ticket("Nett nede", 104)).unwrap();
    clock.advance(chrono::Duration::minutes(3));
    let note = c
        .post_note(id, "Varslet", "<p>SMS sendt</p>")
        .await
        .unwrap();
    assert_eq!(note.ticket_id, Some(id));
    let notes = f.notes(id);
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["type"], 1);
    assert_eq!(notes[0]["direction"], 3);
    assert_eq!(notes[0]["text"], "<p>SMS sendt</p>");
    let t = c.ticket(id, &[]).await.unwrap().unwrap();
    assert_eq!(t.modified, Some(t0() + chrono::Duration::minutes(3)));
    assert_eq!(
        t.modified_by_id,
        Some(slavakt::pureservice::fake::API_USER_ID)
    );
    clock.advance(chrono::Duration::minutes(1));
    let mut fields = serde_json::Map::new();
    fields.insert("priorityId".into(), 1.into());
    c.patch_ticket(id, &fields).await.unwrap();
    let t = c.ticket(id, &[]).await.unwrap().unwrap();
    assert_eq!(t.priority_id, Some(1));
    assert_eq!(t.modified, Some(t0() + chrono::Duration::minutes(4)));
    let writes = c.take_own_writes();
    assert_eq!(writes.len(), 2);
    assert_eq!(writes[1].at, Some(t0() + chrono::Duration::minutes(4)));
    let log = f.requests();
    let post = log.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(post.path, "/communication/");
    assert!(post.body.contains("\"communications\""));
}

#[tokio::test]
async fn budget_exceeded_gives_429_with_retry_after_and_the_client_waits() {
    for form in [RetryAfterForm::Seconds, RetryAfterForm::HttpDate] {
        let clock = FakeClock::new(t0());
        let mut opts = FakeOptions::new(Arc::new(clock));
        opts.budget = Some(2);
        opts.window = Duration::from_secs(1);
        opts.retry_after_form = form;
        let f = FakePureservice::start(opts).await.unwrap();
        let c = Client::with_options(&f.config(), fast()).unwrap();
        for _ in 0..3 {
            c.tickets(&ListQuery::default()).await.unwrap();
        }
        let statuses: Vec<u16> = f.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![200, 200, 429, 200], "{form:?}");
    }
}

#[tokio::test]
async fn the_client_side_limiter_keeps_the_client_under_the_servers_budget() {
    // The fake allows 2 requests per 500 ms; the client is configured for 2 per (shortened)
    // minute of 1 s, so it waits instead of running into 429s.
    let clock = FakeClock::new(t0());
    let mut opts = FakeOptions::new(Arc::new(clock));
    opts.budget = Some(2);
    opts.window = Duration::from_millis(500);
    let f = FakePureservice::start(opts).await.unwrap();
    let mut cfg = f.config();
    cfg.max_requests_per_minute = 2;
    let c = Client::with_options(
        &cfg,
        ClientOptions {
            rate_window: Duration::from_secs(1),
            ..fast()
        },
    )
    .unwrap();
    let started = std::time::Instant::now();
    for _ in 0..5 {
        c.tickets(&ListQuery::default()).await.unwrap();
    }
    let statuses: Vec<u16> = f.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200; 5], "no request ran into the budget");
    assert_eq!(c.requests_sent(), 5);
    // Five requests at two per second need at least two full windows.
    assert!(started.elapsed() >= Duration::from_secs(2));
}

#[tokio::test]
async fn faults_5xx_burst_slow_malformed_and_odd_timestamps() {
    let (f, _) = fake().await;
    let c = Client::with_options(&f.config(), fast()).unwrap();
    let id = f.create_ticket(ticket("x", 105)).unwrap();
    f.inject(Fault::Status(503), 2, Some("/ticket/"));
    assert_eq!(c.ticket(id, &[]).await.unwrap().unwrap().id, id);
    assert_eq!(
        f.requests().iter().map(|r| r.status).collect::<Vec<_>>(),
        vec![503, 503, 200]
    );
    f.inject(Fault::Malformed, 1, None);
    assert!(matches!(
        c.tickets(&ListQuery::default()).await.unwrap_err(),
        slavakt::pureservice::PsError::Malformed { .. }
    ));
    let mut cfg = f.config();
    cfg.timeout = chrono::Duration::milliseconds(200);
    let impatient = Client::with_options(&cfg, fast()).unwrap();
    f.inject(Fault::Slow(Duration::from_millis(600)), 1, None);
    impatient.tickets(&ListQuery::default()).await.unwrap();
    f.set_odd_timestamps(true);
    let before = c.ticket(id, &[]).await.unwrap().unwrap();
    let body = {
        let key = f.api_key().expose().to_string();
        raw(
            &f,
            &format!("ticket/{id}/"),
            Some(("x-authorization-key", key)),
        )
        .await
        .1
    };
    assert!(!body.contains(".000Z"), "odd forms expected: {body}");
    assert_eq!(before.created, Some(t0()));
    assert_eq!(before.modified, Some(t0()));
}
