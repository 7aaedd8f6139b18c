//! The hostile matrix: what a far side (Pureservice, a gateway), a local user or a ticket's
//! author can send, and what slavakt must do instead of crashing, stalling, leaking or planting.
//! Each class is a table; every row runs against loopback peers (wiremock, raw TCP listeners,
//! the fake Pureservice, aiosmtpd) or the real daemon in-process.

use crate::kit::daemon as daemon_support;
use crate::kit::notify as notify_support;

use chrono::Duration as Td;
use slavakt::clock::{Clock, SystemClock};
use slavakt::config::{Config, PureserviceConfig};
use slavakt::notify::http::HttpClient;
use slavakt::notify::{Message, NotifyError};
use slavakt::pureservice::client::{Client, ClientOptions};
use slavakt::pureservice::error::PsError;
use slavakt::pureservice::fake::{Fault, NewTicket};
use slavakt::pureservice::filter::ListQuery;
use slavakt::pureservice::retry::{RetryPolicy, MAX_RETRY_AFTER};
use slavakt::pureservice::wire::Status;
use slavakt::secret::Secret;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "ps-key-hostile-0123456789";
const DEADLINE: Duration = Duration::from_secs(20);

fn ps_config(uri: &str) -> PureserviceConfig {
    let mut c = PureserviceConfig::with_defaults(url::Url::parse(uri).unwrap(), Secret::new(KEY));
    c.timeout = Td::seconds(5);
    c
}

fn fast() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            initial: Duration::from_millis(5),
            max_backoff: Duration::from_millis(20),
            max_retry_after: Duration::from_millis(50),
        },
        ..ClientOptions::default()
    }
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// Absurd, fractional, negative, garbage and far-future `Retry-After` values, and what the one
/// parser must make of them: `Some(cap)`, a small wait, or ignored.
const RETRY_AFTER: &[(&str, Option<Duration>)] = &[
    ("1e20", Some(MAX_RETRY_AFTER)),
    ("99999999999999999999", Some(MAX_RETRY_AFTER)),
    ("10000000000000", Some(MAX_RETRY_AFTER)),
    ("18446744073709551615", Some(MAX_RETRY_AFTER)),
    ("1E308", Some(MAX_RETRY_AFTER)),
    ("Fri, 31 Dec 9999 23:59:59 GMT", Some(MAX_RETRY_AFTER)),
    ("0.25", Some(Duration::from_millis(250))),
    ("Thu, 01 Jan 1970 00:00:00 GMT", Some(Duration::ZERO)),
    ("-1", None),
    ("NaN", None),
    ("inf", None),
    ("1e400", None),
    ("soon", None),
];

#[tokio::test]
async fn absurd_retry_after_from_pureservice_is_clamped_not_a_crash() {
    for (value, want) in RETRY_AFTER {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/agent/api/ticket/"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", *value))
            .mount(&server)
            .await;
        let client = Client::with_options(&ps_config(&server.uri()), fast()).unwrap();
        let started = Instant::now();
        let err = client.tickets(&ListQuery::default()).await.unwrap_err();
        assert!(started.elapsed() < DEADLINE, "{value}: took too long");
        match err {
            PsError::Status {
                status: 429,
                retry_after,
                ..
            } => assert_eq!(retry_after, *want, "{value}"),
            other => panic!("{value}: {other}"),
        }
    }
}

#[tokio::test]
async fn absurd_retry_after_from_a_channel_is_clamped_not_a_crash() {
    let server = MockServer::start().await;
    let http = HttpClient::new(Duration::from_secs(5), clock()).unwrap();
    for (i, (value, want)) in RETRY_AFTER.iter().enumerate() {
        let p = format!("/sms/{i}");
        Mock::given(method("POST"))
            .and(path(p.as_str()))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", *value))
            .mount(&server)
            .await;
        let req = http.client().post(format!("{}{p}", server.uri()));
        match http.send(req, "test SMS", &[]).await {
            Err(NotifyError::Retryable { retry_after, .. }) => {
                assert_eq!(retry_after, *want, "{value}")
            }
            other => panic!("{value}: {other:?}"),
        }
    }
}

/// Other far-side durations: a Graph token's `expires_in` of any size is used, not a panic.
#[tokio::test]
async fn absurd_token_lifetimes_are_clamped_not_a_crash() {
    use slavakt::notify::graph_auth::{Grant, GraphToken};
    for expires_in in [
        serde_json::json!(u64::MAX),
        serde_json::json!("18446744073709551615"),
        serde_json::json!(1e300),
        serde_json::json!(-5),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/tenant-ror/oauth2/v2.0/token"))
            .respond_with(ResponseTemplate::new(200).set_body_json(
                serde_json::json!({"access_token": "tok-hostile", "expires_in": expires_in}),
            ))
            .mount(&server)
            .await;
        let auth = slavakt::config::GraphAuth {
            authority: server.uri(),
            tenant: "tenant-ror".into(),
            client_id: "app-ror".into(),
            client_secret: Some(Secret::new("client-secret-0123")),
            graph_url: format!("{}/v1.0", server.uri()),
        };
        let http = HttpClient::new(Duration::from_secs(5), clock()).unwrap();
        let token = GraphToken::new(&auth, Grant::ClientCredentials, http).unwrap();
        let got = token
            .get()
            .await
            .unwrap_or_else(|e| panic!("{expires_in}: {e}"));
        assert_eq!(got.expose(), "tok-hostile");
        token.get().await.unwrap();
    }
}

/// Every redirect status, same-origin and cross-origin: never followed, the error names the
/// Location and what to change in the config, and the other side sees nothing.
#[tokio::test]
async fn no_outgoing_client_follows_a_redirect() {
    for status in [301u16, 302, 303, 307, 308] {
        let evil = MockServer::start().await;
        let server = MockServer::start().await;
        let target = format!("{}/agent/api/ticket/", evil.uri());
        Mock::given(wiremock::matchers::any())
            .respond_with(ResponseTemplate::new(status).insert_header("Location", target.as_str()))
            .mount(&server)
            .await;
        Mock::given(wiremock::matchers::any())
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"tickets": []})),
            )
            .mount(&evil)
            .await;

        // Pureservice: a GET (poll) and a POST (note).
        let client = Client::with_options(&ps_config(&server.uri()), fast()).unwrap();
        let get = client.tickets(&ListQuery::default()).await.unwrap_err();
        let post = client
            .post_note(4711, "Status", "<p>x</p>")
            .await
            .unwrap_err();
        for e in [get.to_string(), post.to_string()] {
            assert!(e.contains(&target), "{status}: {e}");
            assert!(e.contains("not followed") && e.contains("base_url"), "{e}");
            assert!(!e.contains(KEY), "{e}");
        }
        // A channel (SMS, Teams, Graph, intranet, webhooks share this client).
        let http = HttpClient::new(Duration::from_secs(5), clock()).unwrap();
        let password = Secret::new("sms-passord-0451");
        let req = http
            .client()
            .post(format!("{}/sms", server.uri()))
            .body(format!("password={}", password.expose()));
        match http.send(req, "Sveve SMS send", &[&password]).await {
            Err(NotifyError::Config(m)) => {
                assert!(m.contains(&target) && m.contains("not followed"), "{m}")
            }
            other => panic!("{status}: {other:?}"),
        }
        assert!(
            evil.received_requests().await.unwrap().is_empty(),
            "{status}: a redirect was followed"
        );
    }
}

/// A redirected poll is a failed poll (another host's empty list is not "no tickets").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirected_poll_is_not_a_healthy_poll() {
    let w = daemon_support::world("2027-03-24T13:59:00+01:00").await;
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    let evil = "http://127.0.0.1:9/agent/api/ticket/";
    w.fake.inject(Fault::Redirect(evil.into()), 1000, None);
    w.clock.advance(Td::seconds(30));
    let r = d.cycle().await.unwrap();
    match r.polled {
        Some(Err(e)) => assert!(e.message.contains(evil), "{}", e.message),
        other => panic!("a redirected poll counted as {other:?}"),
    }
    assert!(d.state().health.last_poll_error.is_some());
}

/// Oversized answers, endless answers and endless paging: a clear error, bounded memory.
#[tokio::test]
async fn oversized_and_endless_answers_are_refused() {
    // 1. A body larger than max_response_bytes (with and without Content-Length).
    let server = MockServer::start().await;
    let item = serde_json::json!({"id": 1, "name": "x"});
    let big = serde_json::json!({ "statuses": vec![item; 20_000] }).to_string();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string(big))
        .mount(&server)
        .await;
    let mut cfg = ps_config(&server.uri());
    cfg.max_response_bytes = 64 * 1024;
    let client = Client::with_options(&cfg, fast()).unwrap();
    let e = client
        .list_all::<Status>("status/", "statuses", None, &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("larger than 65536 bytes") && e.contains("max_response_bytes"),
        "{e}"
    );

    // 2. An endless chunked body from a raw listener.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .await;
                let chunk = format!("1000\r\n{}\r\n", "{".repeat(4096));
                while s.write_all(chunk.as_bytes()).await.is_ok() {}
            });
        }
    });
    let mut cfg = ps_config(&format!("http://{addr}"));
    cfg.max_response_bytes = 64 * 1024;
    let client = Client::with_options(&cfg, fast()).unwrap();
    let started = Instant::now();
    let e = client
        .tickets(&ListQuery::default())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("larger than"), "{e}");
    assert!(started.elapsed() < DEADLINE);

    // 3. A reference table that returns full pages for ever.
    let server = MockServer::start().await;
    let page: Vec<_> = (1..=500)
        .map(|i| serde_json::json!({"id": i, "name": "Åpen"}))
        .collect();
    Mock::given(method("GET"))
        .and(path("/agent/api/status/"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"statuses": page})),
        )
        .mount(&server)
        .await;
    let mut cfg = ps_config(&server.uri());
    cfg.max_pages = 3;
    let client = Client::with_options(&cfg, fast()).unwrap();
    let e = client
        .list_all::<Status>("status/", "statuses", None, &[])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("max_pages"), "{e}");
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

fn kritisk(w: &daemon_support::World, subject: &str) -> u64 {
    w.fake
        .create_ticket(NewTicket {
            subject: subject.into(),
            priority: Some("Kritisk".into()),
            requester: Some(102),
            assignee: Some(201),
            categories: vec!["Pasientvarsling".into()],
            ..NewTicket::default()
        })
        .unwrap()
}

/// A slow Pureservice (every request held for seconds, as in a 429 storm with long waits)
/// does not hold up time-based notices: the hourly status update goes out on time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planning_and_delivery_do_not_wait_for_a_slow_poll() {
    let w = daemon_support::world("2027-03-24T13:59:00+01:00").await;
    let mut config = w.config.clone();
    config.daemon.poll_wait = Td::milliseconds(100);
    let mut d = w.daemon_with(config);
    d.cycle().await.unwrap();
    w.clock.advance(Td::minutes(1));
    kritisk(&w, "Pasientvarsling nede på Bergmo");
    w.clock.advance(Td::seconds(30));
    let first = d.cycle().await.unwrap();
    assert!(!first.plan.issued.is_empty());
    let mails = w.smtp.received().len();

    w.fake
        .inject(Fault::Slow(Duration::from_secs(3)), 1000, None);
    w.clock.advance(Td::minutes(61));
    let started = Instant::now();
    let r = d.cycle().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the cycle waited for the poll"
    );
    assert!(r.polled.is_none(), "the slow poll cannot have finished");
    assert!(
        !r.plan.issued.is_empty() && !r.deliveries.is_empty(),
        "the hourly update waited for Pureservice"
    );
    w.smtp.wait_for(mails + 1);
}

/// A full disk / vanished state directory: the daemon keeps running, sends nothing it could
/// not record, reports it, and once a save works again sends what was held back plus an alert.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_state_save_is_survived_reported_and_alerted() {
    let w = daemon_support::world("2027-03-24T13:59:00+01:00").await;
    let state_dir = w.dir.path().join("state");
    std::fs::create_dir_all(&state_dir).unwrap();
    let mut config = w.config.clone();
    config.daemon.state_file = state_dir.join("state.json");
    let mut d = w.daemon_with(config);
    d.cycle().await.unwrap();
    let before = w.smtp.received().len();

    std::fs::remove_dir_all(&state_dir).unwrap();
    w.clock.advance(Td::minutes(1));
    kritisk(&w, "Pasientvarsling nede på Bergmo");
    w.clock.advance(Td::seconds(30));
    let r = d.cycle().await.expect("a failed save is not an exit");
    assert!(!r.plan.issued.is_empty(), "the ticket was planned");
    assert!(r.deliveries.is_empty(), "sent although not recorded");
    let health = d.http.health().unwrap_err();
    assert!(health.contains("last state save failed"), "{health}");
    assert!(d
        .http
        .metrics
        .render()
        .lines()
        .any(|l| l.starts_with("slavakt_state_save_failures_total") && !l.ends_with(" 0")));
    assert_eq!(w.smtp.received().len(), before, "mail sent while unsaved");

    std::fs::create_dir_all(&state_dir).unwrap();
    w.clock.advance(Td::seconds(30));
    let r = d.cycle().await.unwrap();
    assert!(!r.deliveries.is_empty(), "held-back notices not sent");
    assert!(d.http.health().is_ok() || !d.http.health().unwrap_err().contains("save"));
    let mails = w.smtp.wait_for(before + 2);
    assert!(
        mails
            .iter()
            .any(|m| notify_support::header(m, "Subject").contains("Tilstanden kunne ikke lagres")),
        "no alert about the failed saves"
    );
}

/// The listener: half-sent requests are cut off, the connection cap holds, the daemon's own
/// work keeps its file descriptors, and the status page needs the token when one is set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_cannot_be_held_open_or_read_without_the_token() {
    let w = daemon_support::world("2027-03-24T13:59:00+01:00").await;
    let mut config: Config = w.config.clone();
    config.daemon.http_max_connections = 8;
    config.daemon.http_request_timeout = Td::milliseconds(300);
    config.daemon.http_token = Some(Secret::new("status-token-0123456789"));
    let shared = slavakt::http::HttpShared::new(
        Arc::new(config),
        Arc::new(slavakt::metrics::Metrics::new()),
        clock(),
    );
    let server = slavakt::http::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = server.local_addr();
    let cancel = tokio_util::sync::CancellationToken::new();
    tokio::spawn(server.run(shared, cancel.clone()));

    // Half-sent requests (slowloris) beyond the cap: each is closed after the timeout.
    let mut idle = Vec::new();
    for _ in 0..40 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        idle.push(s);
    }
    let started = Instant::now();
    for mut s in idle {
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(DEADLINE, s.read_to_end(&mut buf))
            .await
            .expect("held open");
    }
    assert!(started.elapsed() < DEADLINE);

    let get = |path: &'static str, auth: Option<String>| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let auth = auth
            .map(|a| format!("Authorization: {a}\r\n"))
            .unwrap_or_default();
        s.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n{auth}\r\n").as_bytes())
            .await
            .unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(DEADLINE, s.read_to_end(&mut buf)).await;
        String::from_utf8_lossy(&buf)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    };
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode("vakt:status-token-0123456789");
    for (path, auth, want) in [
        ("/", None, "401"),
        ("/status.json", None, "401"),
        ("/", Some("Bearer wrong-token".to_string()), "401"),
        (
            "/",
            Some("Bearer status-token-0123456789".to_string()),
            "200",
        ),
        ("/", Some(format!("Basic {basic}")), "200"),
        ("/healthz", None, "503"),
        ("/metrics", None, "200"),
    ] {
        let line = get(path, auth.clone()).await;
        assert!(line.contains(want), "{path} {auth:?}: {line}");
    }
    // The cap leaves FD_RESERVE descriptors free under the soft RLIMIT_NOFILE.
    let soft: Option<u64> = std::fs::read_to_string("/proc/self/limits")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok());
    if let Some(soft) = soft {
        let cap = u64::from(slavakt::http::connection_cap(u32::MAX));
        assert_eq!(cap, soft.saturating_sub(slavakt::http::FD_RESERVE).max(1));
    }
    assert_eq!(slavakt::http::connection_cap(8), 8);
    cancel.cancel();
}

/// Ticket text in every output kind: a CR/LF/NUL name and a 1,262-character token reach the
/// SMTP server (aiosmtpd refuses lines over 1,000 octets) as valid mail.
#[tokio::test]
async fn hostile_ticket_text_still_makes_valid_mail() {
    let peer = notify_support::SmtpPeer::start("plain", None, None);
    let cfg = slavakt::config::EmailChannel {
        host: "127.0.0.1".into(),
        port: peer.port,
        tls: slavakt::config::SmtpTls::None,
        username: None,
        password: None,
        from: "Driftsmeldinger ROR-IKT <driftsmeldinger@ror-ikt.example>".into(),
        ca_file: None,
        timeout: Td::seconds(10),
        reply_to: None,
    };
    let email = slavakt::notify::email::EmailNotifier::new(&cfg, clock()).unwrap();
    use slavakt::notify::Notifier;
    let token = "X".repeat(1262);
    let cases: &[(&str, String)] = &[
        (
            "Kari\r\nBcc: alle@evil.example",
            "Kritisk: skriver nede".into(),
        ),
        ("Kari\0Ødegård", "Kritisk: skriver nede".into()),
        ("Kari Ødegård", format!("Kritisk: {token}")),
        (
            "Kari Ødegård",
            "\u{1b}]8;;https://evil.example\u{7}Klikk\u{1b}[2J".into(),
        ),
    ];
    for (i, (name, subject)) in cases.iter().enumerate() {
        let mut d = notify_support::delivery(
            &format!("4711/case{i}"),
            "kari@aukra.example",
            vec![],
            false,
        );
        d.recipient.name = name.to_string();
        d.message.subject = subject.clone();
        d.message.text = format!("Emne: {subject}\n");
        email
            .send(&d)
            .await
            .unwrap_or_else(|e| panic!("case {i}: {e}"));
    }
    let got = peer.wait_for(cases.len());
    for m in &got {
        let subject = notify_support::header(m, "Subject");
        assert!(!subject.contains('\u{1b}'), "{subject}");
        assert!(notify_support::headers(m, "Bcc").is_empty());
    }
}

#[test]
fn hostile_ticket_text_is_inert_in_cards_sms_and_pages() {
    let message = Message {
        subject: "[Klikk her](https://evil.example/login)".into(),
        text: "**Viktig** [logg inn](https://evil.example)\n# Overskrift".into(),
        html: String::new(),
        short: "Kritisk\u{1b}[2J feil\u{9b}31m".into(),
        important: false,
        level: String::new(),
        attachments: Vec::new(),
    };
    let card = slavakt::notify::teams::workflows::card(&message).to_string();
    assert!(!card.contains("](https"), "{card}");
    let sms = slavakt::escape::sms(&message.short);
    assert!(!sms.chars().any(char::is_control), "{sms:?}");
    let page = slavakt::escape::html("<script>alert(1)</script>");
    assert!(!page.contains('<'));
    let status = slavakt::escape::terminal("\u{1b}[31mRØD");
    assert!(!status.contains('\u{1b}'));
}

/// Smaller holes, one row each.
#[tokio::test]
async fn smaller_holes_are_closed() {
    let dir = tempfile::tempdir().unwrap();
    // A symlinked lock file: refused, its target untouched.
    let target = dir.path().join("precious.txt");
    std::fs::write(&target, "viktig innhold").unwrap();
    std::os::unix::fs::symlink(&target, dir.path().join("state.json.lock")).unwrap();
    let e = slavakt::state::Store::open(
        &dir.path().join("state.json"),
        daemon_support::at("2027-03-24T12:00:00Z"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("symbolic link"), "{e}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "viktig innhold");

    // `--config /dev/zero` is an error, not a hang.
    let started = Instant::now();
    let e = slavakt::config::load(std::path::Path::new("/dev/zero")).unwrap_err();
    assert!(e.to_string().contains("larger than"), "{e}");
    assert!(started.elapsed() < DEADLINE);

    // An API key with CR/LF is refused by the config check (not first by `run`).
    let key_file = dir.path().join("key");
    std::fs::write(&key_file, "abc\r\ndef\n").unwrap();
    let text = slavakt::demo::world::config_text(
        &slavakt::demo::world::Peers {
            pureservice: url::Url::parse("https://kommune.pureservice.example").unwrap(),
            api_key: "placeholder".into(),
            smtp: ([127, 0, 0, 1], 25).into(),
            http: ([127, 0, 0, 1], 80).into(),
        },
        dir.path(),
    )
    .unwrap();
    let mut doc: toml::Table = text.parse().unwrap();
    let ps = doc["pureservice"].as_table_mut().unwrap();
    ps.remove("api_key");
    ps.insert("api_key_file".into(), key_file.display().to_string().into());
    let e = slavakt::config::from_str(
        &doc.to_string(),
        &dir.path().join("c.toml"),
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("control character"), "{e}");

    // A non-loopback listener without a token is refused; with one it passes.
    let mut doc2 = doc.clone();
    let ps = doc2["pureservice"].as_table_mut().unwrap();
    ps.remove("api_key_file");
    ps.insert("api_key".into(), "gyldig-nokkel-0123".into());
    let daemon = doc2["daemon"].as_table_mut().unwrap();
    daemon.insert("http_listen".into(), "0.0.0.0:9464".into());
    let e = slavakt::config::from_str(
        &doc2.to_string(),
        &dir.path().join("c.toml"),
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("http_token"), "{e}");
    doc2["daemon"]
        .as_table_mut()
        .unwrap()
        .insert("http_token".into(), "status-token-0123456789".into());
    let config = slavakt::config::from_str(
        &doc2.to_string(),
        &dir.path().join("c.toml"),
        &Default::default(),
    )
    .unwrap();

    // check-config warns about credentials in clear text.
    let mut risky = config.clone();
    risky.pureservice.base_url = url::Url::parse("http://kommune.pureservice.example").unwrap();
    if let Some(e) = risky.channels.email.as_mut() {
        e.host = "smtp.kommune.example".into();
        e.tls = slavakt::config::SmtpTls::None;
        e.password = Some(Secret::new("smtp-passord"));
    }
    let warnings = slavakt::cli::check_config::security_warnings(&risky);
    assert!(
        warnings.iter().any(|w| w.contains("pureservice.base_url")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("tls = \"none\"")),
        "{warnings:?}"
    );

    // An id beyond what a JSON number holds exactly is refused, not clamped to u64::MAX: that
    // record alone is dropped (and logged once), the rest of the page is used.
    let body = r#"{"statuses": [{"id": 1e30, "name": "Åpen"}, {"id": 2, "name": "Løst"}]}"#;
    let env = slavakt::pureservice::wire::decode::<Status>(body.as_bytes(), "statuses").unwrap();
    assert_eq!(env.items.len(), 1, "{env:?}");
    assert_eq!(env.items[0].id, 2);
}

/// Serious-incident report files are 0640, not world-readable under umask 022.
#[test]
fn incident_report_files_are_not_world_readable() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let now = daemon_support::at("2027-03-24T12:00:00Z");
    let mut owed = std::collections::BTreeMap::new();
    owed.insert(
        "4711/1".to_string(),
        slavakt::report::incident::Record {
            file: "alvorlig-hendelse-4711.md".into(),
            drafted_at: now,
            written_at: None,
            draft: Some("# Rapport\n".into()),
            error: None,
        },
    );
    let (written, failed) =
        slavakt::report::incident::write::write_owed(&mut owed, dir.path(), now);
    assert!(failed.is_empty(), "{failed:?}");
    let mode = std::fs::metadata(&written[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}
