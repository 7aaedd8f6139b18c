//! Leak test: every channel is forced to fail — refused credentials, 500s and "200 but failed"
//! answers that echo every secret back — and no password, key, token or signed URL may appear
//! in any error (Display or Debug) or in any log line written meanwhile (TRACE, all targets).

use crate::kit::notify as notify_support;

use notify_support::{delivery, test_certs, SmtpPeer};
use serde_json::json;
use slavakt::clock::SystemClock;
use slavakt::config::{
    Channels, EmailChannel, GraphAuth, IntranetChannel, SmsChannel, SmsProvider, SmtpTls,
    TeamsChannel,
};
use slavakt::notify::{build_notifiers, Delivery, NotifyError};
use slavakt::secret::Secret;
use std::io::Write;
use std::sync::{Arc, Mutex};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SMTP_PASSWORD: &str = "leak-Smtp-Password-1";
const SMS_PASSWORD: &str = "leak-Sms-Password-2";
const WF_SIG: &str = "leakWorkflowSignature3";
const WF_ID: &str = "wf0123456789abcdef";
const CLIENT_SECRET: &str = "leak-Client-Secret-4";
const REFRESH_TOKEN: &str = "leak-Refresh-Token-5";
const ACCESS_TOKEN: &str = "leak-Access-Token-6";
const HOOK_TOKEN: &str = "leakHookToken7";
/// What a Basic Authorization header carries for the SMS account.
fn sms_basic() -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("sms-user:{SMS_PASSWORD}"))
}

fn all_secrets() -> Vec<String> {
    let mut v: Vec<String> = vec![
        SMTP_PASSWORD,
        SMS_PASSWORD,
        WF_SIG,
        WF_ID,
        CLIENT_SECRET,
        REFRESH_TOKEN,
        ACCESS_TOKEN,
        HOOK_TOKEN,
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    v.push(sms_basic());
    v
}

/// Answers with `status` and a body that echoes the whole request back (URL, headers with the
/// Authorization header, body): the worst a far side can do with what it was sent.
struct Echo {
    status: u16,
    as_failed_200: bool,
}

impl wiremock::Respond for Echo {
    fn respond(&self, req: &wiremock::Request) -> ResponseTemplate {
        let echoed = format!(
            "you sent: {} {} {:?} {}",
            req.method,
            req.url,
            req.headers,
            String::from_utf8_lossy(&req.body)
        );
        if self.as_failed_200 {
            ResponseTemplate::new(200).set_body_json(json!({
                "resultCode": 106100, "description": echoed,
                "response": {"msgOkCount": 0, "fatalError": echoed},
                "status": "failed", "error": echoed, "sid": "SM1"
            }))
        } else {
            ResponseTemplate::new(self.status).set_body_string(echoed)
        }
    }
}

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

fn channels(
    server: &MockServer,
    smtp_port: u16,
    certs: &notify_support::TestCerts,
    rt: &std::path::Path,
    provider: SmsProvider,
) -> Channels {
    let graph = GraphAuth {
        authority: server.uri(),
        tenant: "tenant-leak".into(),
        client_id: "client-leak".into(),
        client_secret: Some(Secret::new(CLIENT_SECRET)),
        graph_url: format!("{}/v1.0", server.uri()),
    };
    let mut c = Channels {
        email: Some(EmailChannel {
            host: "127.0.0.1".into(),
            port: smtp_port,
            tls: SmtpTls::StartTls,
            username: Some("relay-user".into()),
            password: Some(Secret::new(SMTP_PASSWORD)),
            from: "Varsling <varsling@ror-ikt.example>".into(),
            ca_file: Some(certs.ca.clone()),
            timeout: chrono::Duration::seconds(5),
            reply_to: None,
        }),
        sms: Some(SmsChannel {
            provider,
            url: format!("{}/sms/{}", server.uri(), "send"),
            username: Some("sms-user".into()),
            password: Some(Secret::new(SMS_PASSWORD)),
            sender: "ROR-IKT".into(),
            body_template: Some(
                r#"{"to":"{{ to }}","text":"{{ text }}","key":"{{ password }}"}"#.into(),
            ),
            timeout: chrono::Duration::seconds(5),
        }),
        intranet: Some(IntranetChannel::SharepointNews {
            auth: graph.clone(),
            site_id: "site-leak".into(),
        }),
        ..Default::default()
    };
    c.teams.insert(
        "ik_varsling".into(),
        TeamsChannel::Workflows {
            url: Secret::new(format!(
                "{}/workflows/{WF_ID}/triggers/manual/paths/invoke?api-version=2016-06-01&sig={WF_SIG}",
                server.uri()
            )),
        },
    );
    c.teams.insert(
        "driftsmeldinger".into(),
        TeamsChannel::Graph {
            auth: graph.clone(),
            refresh_token_file: rt.to_path_buf(),
            team_id: "team-leak".into(),
            channel_id: "chan-leak".into(),
        },
    );
    c
}

fn webhook_channels(server: &MockServer) -> Channels {
    Channels {
        intranet: Some(IntranetChannel::Webhook {
            url: Secret::new(format!(
                "{}/hooks/intranet?token={HOOK_TOKEN}",
                server.uri()
            )),
        }),
        ..Default::default()
    }
}

fn list_channels(server: &MockServer) -> Channels {
    Channels {
        intranet: Some(IntranetChannel::SharepointList {
            auth: GraphAuth {
                authority: server.uri(),
                tenant: "tenant-leak".into(),
                client_id: "client-leak".into(),
                client_secret: Some(Secret::new(CLIENT_SECRET)),
                graph_url: format!("{}/v1.0", server.uri()),
            },
            site_id: "site-leak".into(),
            list_id: "list-leak".into(),
        }),
        ..Default::default()
    }
}

fn target(name: &str) -> Delivery {
    let address = match name {
        "email" => "kari@aukra.example".to_string(),
        "sms" => "+4790000101".to_string(),
        other => other.to_string(),
    };
    delivery(&format!("4711/leak/0/{name}"), &address, vec![], true)
}

/// Sends through every notifier of `channels`, returns every error's Display and Debug.
async fn fail_all(channels: &Channels) -> Vec<String> {
    let built = build_notifiers(channels, Arc::new(SystemClock));
    assert!(built.problems.is_empty(), "{:?}", built.problems);
    let mut out = Vec::new();
    for (name, n) in &built.notifiers {
        let err: NotifyError = n
            .send(&target(name))
            .await
            .expect_err(&format!("{name} must fail"));
        out.push(format!("{name}: {err} / {err:?}"));
    }
    out
}

fn assert_clean(texts: &[String], logs: &str) {
    for s in all_secrets() {
        for t in texts {
            assert!(!t.contains(&s), "secret {s:?} leaked in error: {t}");
        }
        assert!(!logs.contains(&s), "secret {s:?} leaked in logs:\n{logs}");
    }
}

#[tokio::test]
async fn no_secret_escapes_any_failing_channel() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let certs = test_certs();
    let smtp = SmtpPeer::start(
        "starttls",
        Some(&certs),
        Some(("relay-user", "the-right-one")),
    );
    let dir = tempfile::tempdir().unwrap();
    let rt = dir.path().join("rt");
    std::fs::write(&rt, REFRESH_TOKEN).unwrap();
    let mut errors = Vec::new();

    // Round 1: tokens are issued, every API call answers 500 echoing every secret.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/tenant-leak/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": ACCESS_TOKEN, "expires_in": 3600, "refresh_token": REFRESH_TOKEN
        })))
        .mount(&server)
        .await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Echo {
            status: 500,
            as_failed_200: false,
        })
        .mount(&server)
        .await;
    for provider in [
        SmsProvider::Link,
        SmsProvider::Sveve,
        SmsProvider::Twilio,
        SmsProvider::Http,
    ] {
        errors.extend(fail_all(&channels(&server, smtp.port, &certs, &rt, provider)).await);
    }
    errors.extend(fail_all(&webhook_channels(&server)).await);
    errors.extend(fail_all(&list_channels(&server)).await);

    // Round 2: everything, the token endpoint included, refuses the credentials and echoes.
    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Echo {
            status: 401,
            as_failed_200: false,
        })
        .mount(&server)
        .await;
    errors.extend(
        fail_all(&channels(
            &server,
            smtp.port,
            &certs,
            &rt,
            SmsProvider::Link,
        ))
        .await,
    );
    errors.extend(fail_all(&webhook_channels(&server)).await);
    errors.extend(fail_all(&list_channels(&server)).await);

    // Round 3: "200 but failed" answers that echo secrets.
    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(Echo {
            status: 200,
            as_failed_200: true,
        })
        .mount(&server)
        .await;
    for provider in [
        SmsProvider::Link,
        SmsProvider::Sveve,
        SmsProvider::Twilio,
        SmsProvider::Http,
    ] {
        let mut c = Channels {
            sms: channels(&server, smtp.port, &certs, &rt, provider).sms,
            ..Default::default()
        };
        c.email = None;
        errors.extend(fail_all(&c).await);
    }
    errors.extend(fail_all(&webhook_channels(&server)).await);

    // A channel whose secret URL is not even a URL: the set-up error must not show it.
    let mut bad = Channels::default();
    bad.teams.insert(
        "x".into(),
        TeamsChannel::Workflows {
            url: Secret::new(format!("not a url {WF_SIG}")),
        },
    );
    for (_, e) in build_notifiers(&bad, Arc::new(SystemClock)).problems {
        errors.push(format!("{e} / {e:?}"));
    }

    assert!(
        errors.len() >= 30,
        "every channel was exercised: {}",
        errors.len()
    );
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_string();
    assert!(!logs.is_empty(), "log lines were captured");
    assert_clean(&errors, &logs);
}
