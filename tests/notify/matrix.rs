//! Every HTTP channel end to end: the real notifier inside the real outbox, against wiremock on
//! 127.0.0.1. For each SMS provider (`link`, `sveve`, `twilio`, `http`), the Teams Workflows
//! webhook, Teams via Graph (token + channel message), SharePoint news (token + page create +
//! publish), the SharePoint list item and the intranet webhook:
//!
//! - success → delivered, the far side's id in the ledger;
//! - 401 and 403 → failed at once as a configuration problem, logged at ERROR, never sent again
//!   (Graph: a 401 fetches one new token and tries once more, as documented);
//! - 429 with `Retry-After` (seconds and HTTP date) → the next attempt exactly then, delivered;
//! - 5xx, then success → retried by the outbox and delivered, two attempts in the ledger;
//! - a timeout → retried and delivered;
//! - "200 with an error body" → failed at once (permanent), never sent again.
//!
//! And the fallback through real channels: a failed SMS to a municipality's critical contact
//! (shipped config) reaches her by e-mail on a real SMTP server, and the incident manager gets
//! the alert.

use crate::kit::notify as notify_support;

use chrono::{DateTime, Duration, Utc};
use notify_support::{delivery, header, SmtpPeer};
use serde_json::json;
use slavakt::clock::{Clock, FakeClock};
use slavakt::config::{
    EmailChannel, GraphAuth, IntranetChannel, RetryPolicy, SmsChannel, SmsProvider, SmtpTls,
    TeamsChannel,
};
use slavakt::ledger::DeliveryStatus;
use slavakt::notify::email::EmailNotifier;
use slavakt::notify::graph_auth::TokenPool;
use slavakt::notify::sms::SmsNotifier;
use slavakt::notify::{intranet, teams, Notifier};
use slavakt::outbox::{DeliveryReport, Fallbacks, Outbox, Outcome, Render};
use slavakt::plan::{Intent, IntentKey, Reason, Recipient};
use slavakt::secret::Secret;
use slavakt::state::State;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const T0: &str = "2026-05-06T08:00:00Z";
const SMS_PASSWORD: &str = "matrix-Sms-Password-1";
const WF_SIG: &str = "matrixWorkflowSig2";
const CLIENT_SECRET: &str = "matrix-Client-Secret-3";
const TIMEOUT: std::time::Duration = std::time::Duration::from_millis(300);

fn t0() -> DateTime<Utc> {
    T0.parse().unwrap()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Link,
    Sveve,
    Twilio,
    HttpSms,
    Workflows,
    GraphTeams,
    News,
    List,
    Webhook,
}

const ALL: [Kind; 9] = [
    Kind::Link,
    Kind::Sveve,
    Kind::Twilio,
    Kind::HttpSms,
    Kind::Workflows,
    Kind::GraphTeams,
    Kind::News,
    Kind::List,
    Kind::Webhook,
];

impl Kind {
    fn channel(self) -> &'static str {
        match self {
            Kind::Link | Kind::Sveve | Kind::Twilio | Kind::HttpSms => "sms",
            Kind::Workflows => "teams:ik_varsling",
            Kind::GraphTeams => "teams:driftsmeldinger",
            Kind::News | Kind::List | Kind::Webhook => "intranet",
        }
    }

    fn address(self) -> &'static str {
        match self.channel() {
            "sms" => "+4790000101",
            "teams:ik_varsling" => "ik_varsling",
            "teams:driftsmeldinger" => "driftsmeldinger",
            _ => "intranet",
        }
    }

    /// The path of the request that carries the message (where failures are injected).
    fn send_path(self) -> &'static str {
        match self {
            Kind::Link => "/sms/send",
            Kind::Sveve => "/SMS/SendMessage",
            Kind::Twilio => "/2010-04-01/Accounts/ror-ikt/Messages.json",
            Kind::HttpSms => "/send",
            Kind::Workflows => "/workflows/wf-1/triggers/manual/paths/invoke",
            Kind::GraphTeams => "/v1.0/teams/team-1/channels/chan-1/messages",
            Kind::News => "/v1.0/sites/site-1/pages",
            Kind::List => "/v1.0/sites/site-1/lists/list-1/items",
            Kind::Webhook => "/hooks/intranet",
        }
    }

    fn uses_graph(self) -> bool {
        matches!(self, Kind::GraphTeams | Kind::News | Kind::List)
    }

    /// How the provider says "accepted", and the id it gives.
    fn success(self) -> (ResponseTemplate, Option<&'static str>) {
        let ok = |status: u16, body: serde_json::Value| {
            ResponseTemplate::new(status).set_body_json(body)
        };
        match self {
            Kind::Link => (
                ok(
                    200,
                    json!({"messageId": "link-1", "resultCode": 1005, "description": "Queued"}),
                ),
                Some("link-1"),
            ),
            Kind::Sveve => (
                ok(
                    200,
                    json!({"response": {"msgOkCount": 1, "stdSMSCount": 1, "ids": [4242]}}),
                ),
                Some("4242"),
            ),
            Kind::Twilio => (
                ok(201, json!({"sid": "SM42", "status": "queued"})),
                Some("SM42"),
            ),
            Kind::HttpSms => (ok(200, json!({"id": "h-1"})), Some("h-1")),
            Kind::Workflows => (ResponseTemplate::new(202), None),
            Kind::GraphTeams => (
                ok(201, json!({"id": "1700000000001"})),
                Some("1700000000001"),
            ),
            Kind::News => (ok(201, json!({"id": "page-1"})), Some("page-1")),
            Kind::List => (ok(201, json!({"id": "17"})), Some("17")),
            Kind::Webhook => (ok(200, json!({"id": "post-1"})), Some("post-1")),
        }
    }

    /// A 2xx answer that says the message was not taken.
    fn failed_inside_success(self) -> ResponseTemplate {
        let body = match self {
            Kind::Link => json!({"resultCode": 106101, "description": "Invalid destination"}),
            Kind::Sveve => {
                json!({"response": {"msgOkCount": 0, "stdSMSCount": 0, "fatalError": "Ikke nok SMS-kreditt"}})
            }
            Kind::Twilio => {
                json!({"sid": "SM43", "status": "failed", "error_code": 30006, "error_message": "Landline or unreachable carrier"})
            }
            Kind::HttpSms => json!({"success": false, "error": "no credit left"}),
            Kind::Workflows => {
                json!({"error": {"code": "InvalidTemplate", "message": "The card could not be posted"}})
            }
            // Graph answers without the created object's id: nothing to thread under.
            Kind::GraphTeams | Kind::News | Kind::List => {
                json!({"error": {"code": "generalException", "message": "General exception while processing"}})
            }
            Kind::Webhook => json!({"ok": false, "error": "intranet is read-only today"}),
        };
        let status = if self == Kind::Twilio { 201 } else { 200 };
        ResponseTemplate::new(status).set_body_json(body)
    }
}

struct Peer {
    kind: Kind,
    server: MockServer,
    _dir: tempfile::TempDir,
    outbox: Outbox,
}

impl Peer {
    async fn start(kind: Kind, clock: &FakeClock) -> Peer {
        let server = MockServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let uri = server.uri();
        let clock: Arc<dyn Clock> = Arc::new(clock.clone());
        let auth = GraphAuth {
            authority: uri.clone(),
            tenant: "tenant-1".into(),
            client_id: "client-1".into(),
            client_secret: Some(Secret::new(CLIENT_SECRET)),
            graph_url: format!("{uri}/v1.0"),
        };
        if kind.uses_graph() {
            Mock::given(method("POST"))
                .and(path("/tenant-1/oauth2/v2.0/token"))
                .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                    "token_type": "Bearer", "expires_in": 3600,
                    "access_token": "AT-matrix", "refresh_token": "RT-matrix-2"
                })))
                .mount(&server)
                .await;
        }
        if kind == Kind::News {
            Mock::given(method("POST"))
                .and(path(
                    "/v1.0/sites/site-1/pages/page-1/microsoft.graph.sitePage/publish",
                ))
                .respond_with(ResponseTemplate::new(204))
                .mount(&server)
                .await;
        }
        let mut pool = TokenPool::default();
        let sms = |provider: SmsProvider, url: String| SmsChannel {
            provider,
            url,
            username: Some("ror-ikt".into()),
            password: Some(Secret::new(SMS_PASSWORD)),
            sender: "ROR-IKT".into(),
            body_template: None,
            timeout: chrono::Duration::from_std(TIMEOUT).unwrap(),
        };
        let notifier: Arc<dyn Notifier> = match kind {
            Kind::Link => Arc::new(
                SmsNotifier::new(&sms(SmsProvider::Link, format!("{uri}/sms/send")), clock)
                    .unwrap(),
            ),
            Kind::Sveve => Arc::new(
                SmsNotifier::new(
                    &sms(SmsProvider::Sveve, format!("{uri}/SMS/SendMessage")),
                    clock,
                )
                .unwrap(),
            ),
            Kind::Twilio => Arc::new(
                SmsNotifier::new(&sms(SmsProvider::Twilio, format!("{uri}/2010-04-01")), clock)
                    .unwrap(),
            ),
            Kind::HttpSms => {
                let mut c = sms(SmsProvider::Http, format!("{uri}/send"));
                c.username = None;
                c.body_template = Some(r#"{"to": "{{ to }}", "text": "{{ text }}"}"#.into());
                Arc::new(SmsNotifier::new(&c, clock).unwrap())
            }
            Kind::Workflows => teams::build(
                "ik_varsling",
                &TeamsChannel::Workflows {
                    url: Secret::new(format!(
                        "{uri}/workflows/wf-1/triggers/manual/paths/invoke?api-version=2016-06-01&sig={WF_SIG}"
                    )),
                },
                TIMEOUT,
                clock,
                &mut pool,
            )
            .unwrap(),
            Kind::GraphTeams => {
                let rt = dir.path().join("refresh-token");
                std::fs::write(&rt, "RT-matrix-1\n").unwrap();
                teams::build(
                    "driftsmeldinger",
                    &TeamsChannel::Graph {
                        auth,
                        refresh_token_file: rt,
                        team_id: "team-1".into(),
                        channel_id: "chan-1".into(),
                    },
                    TIMEOUT,
                    clock,
                    &mut pool,
                )
                .unwrap()
            }
            Kind::News => intranet::build(
                &IntranetChannel::SharepointNews {
                    auth,
                    site_id: "site-1".into(),
                },
                TIMEOUT,
                clock,
                &mut pool,
            )
            .unwrap(),
            Kind::List => intranet::build(
                &IntranetChannel::SharepointList {
                    auth,
                    site_id: "site-1".into(),
                    list_id: "list-1".into(),
                },
                TIMEOUT,
                clock,
                &mut pool,
            )
            .unwrap(),
            Kind::Webhook => intranet::build(
                &IntranetChannel::Webhook {
                    url: Secret::new(format!("{uri}/hooks/intranet?token=hook-Token-4")),
                },
                TIMEOUT,
                clock,
                &mut pool,
            )
            .unwrap(),
        };
        let mut map: BTreeMap<String, Arc<dyn Notifier>> = BTreeMap::new();
        map.insert(kind.channel().to_string(), notifier);
        let outbox = Outbox::new(map, policy(), 4).with_jitter_seed(7);
        Peer {
            kind,
            server,
            _dir: dir,
            outbox,
        }
    }

    /// Mounts `answer` for the next `times` message requests (all of them if `None`).
    async fn answer(&self, answer: ResponseTemplate, times: Option<u64>) {
        let m = Mock::given(method("POST"))
            .and(path(self.kind.send_path()))
            .respond_with(answer);
        let m = match times {
            Some(n) => m.up_to_n_times(n),
            None => m,
        };
        m.mount(&self.server).await;
    }

    /// Message requests the far side received so far.
    async fn sends(&self) -> usize {
        self.server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == self.kind.send_path())
            .count()
    }

    async fn round(&self, state: &mut State, now: DateTime<Utc>) -> DeliveryReport {
        let batch = self.outbox.prepare(state, now);
        let sent = self
            .outbox
            .send(batch, &CancellationToken::new(), Duration::seconds(5))
            .await;
        self.outbox.record(state, sent, now)
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        initial: Duration::seconds(5),
        max: Duration::minutes(5),
        deadline: Duration::hours(1),
    }
}

/// A state with one rendered intent for `kind`'s channel; returns it and the ledger key.
fn state_for(kind: Kind) -> (State, String) {
    let key = IntentKey {
        ticket: 4711,
        rule: "kritisk_opened".into(),
        occurrence: 0,
        channel: kind.channel().into(),
        recipient: kind.address().into(),
    };
    let message = delivery(&key.to_string(), kind.address(), vec![], true).message;
    let intent = Intent {
        key: key.clone(),
        reason: Reason::Opened,
        audience: "role:vakthavende".into(),
        recipient: Recipient {
            name: "Kari Ødegård".into(),
            address: kind.address().into(),
        },
        due_at: t0(),
        late: false,
        template: "incident_opened".into(),
        important: true,
        vars: BTreeMap::new(),
    };
    let mut state = State::default();
    state.ledger.issue_rendered(vec![(intent, message)], t0());
    (state, key.to_string())
}

fn outcome(report: &DeliveryReport, key: &str) -> Outcome {
    report
        .get(key)
        .unwrap_or_else(|| panic!("no outcome for {key}: {report:?}"))
        .outcome
        .clone()
}

#[tokio::test]
async fn every_channel_delivers_and_records_the_far_sides_id() {
    for kind in ALL {
        let clock = FakeClock::new(t0());
        let peer = Peer::start(kind, &clock).await;
        let (answer, id) = kind.success();
        peer.answer(answer, None).await;
        let (mut state, key) = state_for(kind);

        let r = peer.round(&mut state, t0()).await;
        assert_eq!(outcome(&r, &key), Outcome::Delivered, "{kind:?}: {r:?}");
        let e = &state.ledger.entries[&key];
        assert_eq!(e.status, DeliveryStatus::Delivered, "{kind:?}");
        assert_eq!(e.remote_id.as_deref(), id, "{kind:?}");
        assert_eq!(peer.sends().await, 1, "{kind:?}");
        // Delivered is final.
        assert!(peer
            .round(&mut state, t0() + Duration::hours(2))
            .await
            .is_empty());
        assert_eq!(peer.sends().await, 1, "{kind:?}");
    }
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
async fn refused_credentials_fail_at_once_loudly_and_are_never_retried() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    for status in [401u16, 403] {
        for kind in ALL {
            let clock = FakeClock::new(t0());
            let peer = Peer::start(kind, &clock).await;
            peer.answer(
                ResponseTemplate::new(status).set_body_string("credentials refused"),
                None,
            )
            .await;
            let (mut state, key) = state_for(kind);

            let r = peer.round(&mut state, t0()).await;
            assert_eq!(
                outcome(&r, &key),
                Outcome::Failed {
                    config_problem: true
                },
                "{kind:?} HTTP {status}: {r:?}"
            );
            let e = &state.ledger.entries[&key];
            assert_eq!(e.status, DeliveryStatus::Failed);
            assert!(
                e.attempts[0].outcome.starts_with("configuration problem:")
                    && e.attempts[0].outcome.contains(&format!("HTTP {status}")),
                "{kind:?}: {:?}",
                e.attempts
            );
            // Graph fetches one fresh token after a 401 and tries once more; nothing else
            // repeats a refused request.
            let expected = if status == 401 && kind.uses_graph() {
                2
            } else {
                1
            };
            assert_eq!(peer.sends().await, expected, "{kind:?} HTTP {status}");
            assert!(peer
                .round(&mut state, t0() + Duration::hours(2))
                .await
                .is_empty());
            assert_eq!(peer.sends().await, expected, "{kind:?}: never sent again");

            let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_string();
            let line = logs
                .lines()
                .find(|l| l.contains(&key) && l.contains("delivery failed for good"))
                .unwrap_or_else(|| panic!("{kind:?}: no log line for {key}:\n{logs}"));
            assert!(
                line.contains("ERROR") && line.contains("config_problem=true"),
                "{line}"
            );
            captured.0.lock().unwrap().clear();
        }
    }
}

#[tokio::test]
async fn too_many_requests_waits_exactly_for_retry_after_in_both_forms() {
    for kind in ALL {
        for as_date in [false, true] {
            let clock = FakeClock::new(t0());
            let peer = Peer::start(kind, &clock).await;
            let retry_after = if as_date {
                httpdate::fmt_http_date((t0() + Duration::seconds(120)).into())
            } else {
                "120".to_string()
            };
            peer.answer(
                ResponseTemplate::new(429).insert_header("Retry-After", retry_after.as_str()),
                Some(1),
            )
            .await;
            let (answer, _) = kind.success();
            peer.answer(answer, None).await;
            let (mut state, key) = state_for(kind);

            let r = peer.round(&mut state, t0()).await;
            let at = t0() + Duration::seconds(120);
            assert_eq!(
                outcome(&r, &key),
                Outcome::Retrying { next_attempt: at },
                "{kind:?} Retry-After {retry_after}: {r:?}"
            );
            assert!(
                state.ledger.entries[&key].attempts[0]
                    .outcome
                    .contains("(retry after 120s)"),
                "{kind:?}: {:?}",
                state.ledger.entries[&key].attempts
            );
            // Not before the far side said so.
            assert!(peer
                .round(&mut state, at - Duration::seconds(1))
                .await
                .is_empty());
            let r = peer.round(&mut state, at).await;
            assert_eq!(outcome(&r, &key), Outcome::Delivered, "{kind:?}: {r:?}");
            assert_eq!(peer.sends().await, 2, "{kind:?}");
        }
    }
}

#[tokio::test]
async fn a_server_error_then_success_is_retried_and_delivered() {
    for (i, kind) in ALL.into_iter().enumerate() {
        let status = [500u16, 502, 503, 504][i % 4];
        let clock = FakeClock::new(t0());
        let peer = Peer::start(kind, &clock).await;
        peer.answer(
            ResponseTemplate::new(status).set_body_string("upstream busy"),
            Some(1),
        )
        .await;
        let (answer, id) = kind.success();
        peer.answer(answer, None).await;
        let (mut state, key) = state_for(kind);

        let r = peer.round(&mut state, t0()).await;
        let Outcome::Retrying { next_attempt } = outcome(&r, &key) else {
            panic!("{kind:?} HTTP {status}: {r:?}")
        };
        // First backoff: 5 s with equal jitter.
        assert!(
            next_attempt >= t0() + Duration::milliseconds(2500)
                && next_attempt <= t0() + Duration::seconds(5),
            "{kind:?}: {next_attempt}"
        );
        let r = peer.round(&mut state, next_attempt).await;
        assert_eq!(outcome(&r, &key), Outcome::Delivered, "{kind:?}: {r:?}");
        let e = &state.ledger.entries[&key];
        let oks: Vec<bool> = e.attempts.iter().map(|a| a.ok).collect();
        assert_eq!(oks, [false, true], "{kind:?}");
        assert!(
            e.attempts[0].outcome.starts_with("temporary failure:")
                && e.attempts[0].outcome.contains(&format!("HTTP {status}")),
            "{kind:?}: {:?}",
            e.attempts
        );
        assert_eq!(e.remote_id.as_deref(), id);
        assert_eq!(peer.sends().await, 2, "{kind:?}");
    }
}

#[tokio::test]
async fn a_timeout_is_retried_and_then_delivered() {
    for kind in ALL {
        let clock = FakeClock::new(t0());
        let peer = Peer::start(kind, &clock).await;
        let (slow, _) = kind.success();
        peer.answer(slow.set_delay(std::time::Duration::from_secs(3)), Some(1))
            .await;
        let (answer, _) = kind.success();
        peer.answer(answer, None).await;
        let (mut state, key) = state_for(kind);

        let r = peer.round(&mut state, t0()).await;
        let Outcome::Retrying { next_attempt } = outcome(&r, &key) else {
            panic!("{kind:?}: {r:?}")
        };
        assert!(
            state.ledger.entries[&key].attempts[0]
                .outcome
                .contains("timed out"),
            "{kind:?}: {:?}",
            state.ledger.entries[&key].attempts
        );
        let r = peer.round(&mut state, next_attempt).await;
        assert_eq!(outcome(&r, &key), Outcome::Delivered, "{kind:?}: {r:?}");
    }
}

#[tokio::test]
async fn an_error_inside_a_success_answer_fails_at_once_and_is_not_retried() {
    for kind in ALL {
        let clock = FakeClock::new(t0());
        let peer = Peer::start(kind, &clock).await;
        peer.answer(kind.failed_inside_success(), None).await;
        let (mut state, key) = state_for(kind);

        let r = peer.round(&mut state, t0()).await;
        assert_eq!(
            outcome(&r, &key),
            Outcome::Failed {
                config_problem: false
            },
            "{kind:?}: {r:?}"
        );
        let e = &state.ledger.entries[&key];
        assert!(
            e.attempts[0].outcome.starts_with("permanent failure:"),
            "{kind:?}: {:?}",
            e.attempts
        );
        assert_eq!(e.remote_id, None);
        assert!(peer
            .round(&mut state, t0() + Duration::hours(2))
            .await
            .is_empty());
        assert_eq!(peer.sends().await, 1, "{kind:?}");
    }
}

#[tokio::test]
async fn a_failed_sms_to_a_critical_contact_is_mailed_to_her_and_alerts_the_incident_manager() {
    let config = Arc::new(
        slavakt::config::load_with_env(
            std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config/slavakt.toml")),
            &BTreeMap::new(),
        )
        .unwrap_or_else(|e| panic!("shipped config: {e}")),
    );
    // Kari Fiktiv is Aukra's critical contact in the shipped config.
    let aukra = config
        .municipalities
        .iter()
        .find(|m| m.name == "Aukra")
        .unwrap();
    let liv = aukra
        .contacts
        .iter()
        .find(|c| c.name == "Kari Fiktiv")
        .unwrap();
    assert!(liv.critical);
    let (liv_phone, liv_email) = (liv.phone.clone().unwrap(), liv.email.clone().unwrap());
    let manager = config.roles["incident_manager"].email.clone().unwrap();

    let clock = FakeClock::new(t0());
    let http = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/sms/send"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"resultCode": 106101, "description": "Invalid destination"})),
        )
        .expect(1)
        .mount(&http)
        .await;
    let smtp = SmtpPeer::start("plain", None, None);
    let sms = SmsNotifier::new(
        &SmsChannel {
            provider: SmsProvider::Link,
            url: format!("{}/sms/send", http.uri()),
            username: Some("ror-ikt".into()),
            password: Some(Secret::new(SMS_PASSWORD)),
            sender: "ROR-IKT".into(),
            body_template: None,
            timeout: chrono::Duration::seconds(5),
        },
        Arc::new(clock.clone()),
    )
    .unwrap();
    let email = EmailNotifier::new(
        &EmailChannel {
            host: "127.0.0.1".into(),
            port: smtp.port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "ROR-IKT Varsling <varsling@ror-ikt.example>".into(),
            ca_file: None,
            timeout: chrono::Duration::seconds(10),
            reply_to: None,
        },
        Arc::new(clock.clone()),
    )
    .unwrap();
    let mut map: BTreeMap<String, Arc<dyn Notifier>> = BTreeMap::new();
    map.insert("sms".into(), Arc::new(sms));
    map.insert("email".into(), Arc::new(email));
    let render: Render = {
        let config = config.clone();
        Arc::new(move |intent, ticket, now| {
            slavakt::templates::render(intent, ticket, None, &config, now)
                .map_err(|e| e.to_string())
        })
    };
    let outbox = Outbox::new(map, policy(), 4)
        .with_jitter_seed(7)
        .with_fallbacks(Fallbacks::from_config(&config))
        .with_renderer(render);

    let key = IntentKey {
        ticket: 4711,
        rule: "kritisk_opened".into(),
        occurrence: 0,
        channel: "sms".into(),
        recipient: liv_phone.clone(),
    };
    let original = delivery(&key.to_string(), &liv_phone, vec![], true).message;
    let mut state = State::default();
    state.ledger.issue_rendered(
        vec![(
            Intent {
                key: key.clone(),
                reason: Reason::Opened,
                audience: "municipality:critical".into(),
                recipient: Recipient {
                    name: "Kari Fiktiv".into(),
                    address: liv_phone.clone(),
                },
                due_at: t0(),
                late: false,
                template: "incident_opened".into(),
                important: true,
                vars: BTreeMap::new(),
            },
            original.clone(),
        )],
        t0(),
    );

    for now in [t0(), t0() + Duration::seconds(30)] {
        let batch = outbox.prepare(&mut state, now);
        let sent = outbox
            .send(batch, &CancellationToken::new(), Duration::seconds(5))
            .await;
        outbox.record(&mut state, sent, now);
    }

    assert_eq!(
        state.ledger.entries[&key.to_string()].status,
        DeliveryStatus::Failed
    );
    let mails = smtp.wait_for(2);
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to = |addr: &str| {
        mails
            .iter()
            .find(|m| m["rcpt_tos"] == json!([addr]))
            .unwrap_or_else(|| panic!("no mail to {addr}: {mails:?}"))
    };
    let fallback = to(&liv_email);
    assert_eq!(header(fallback, "Subject"), original.subject);
    assert!(fallback["parts"][0]["content"]
        .as_str()
        .unwrap()
        .contains("æøå ÆØÅ"));
    let alert = to(&manager);
    assert_eq!(
        header(alert, "Subject"),
        "slavakt: levering feilet: sms til Kari Fiktiv (sak 4711)"
    );
    let text = alert["parts"][0]["content"].as_str().unwrap();
    assert!(text.contains("106101"), "{text}");
    assert!(
        text.contains(&format!("Sendes i stedet via email {liv_email}")),
        "{text}"
    );
    // Both are in the ledger as delivered, with their Message-IDs.
    let delivered: Vec<_> = state
        .ledger
        .entries
        .values()
        .filter(|e| e.intent.key.channel == "email")
        .collect();
    assert_eq!(delivered.len(), 2);
    assert!(delivered
        .iter()
        .all(|e| e.status == DeliveryStatus::Delivered
            && e.remote_id
                .as_deref()
                .is_some_and(|id| id.ends_with("@slavakt.ror-ikt.example>"))));
}
