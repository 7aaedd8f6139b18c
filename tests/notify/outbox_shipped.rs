//! The outbox with the shipped config and the real templates: fallbacks find the people the
//! config names, and the delivery-failure alert renders through the `alert` template.

use crate::kit::outbox as outbox_support;

use chrono::Duration;
use outbox_support::*;
use slavakt::config;
use slavakt::notify::{Notifier, NotifyError};
use slavakt::outbox::{Fallbacks, Render};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

fn shipped() -> config::Config {
    config::load_with_env(Path::new("config/slavakt.toml"), &BTreeMap::new())
        .unwrap_or_else(|e| panic!("shipped config must be valid:\n{e}"))
}

#[test]
fn alerts_go_where_the_shipped_config_says() {
    let f = Fallbacks::from_config(&shipped());
    let targets: Vec<(&str, &str, &str)> = f
        .alert_to
        .iter()
        .map(|(c, r, a)| (c.as_str(), r.address.as_str(), a.as_str()))
        .collect();
    assert_eq!(
        targets,
        [(
            "email",
            "ingrid.hammervoll@ror-ikt.example",
            "role:incident_manager"
        )]
    );
    assert!(f
        .people
        .iter()
        .any(|p| p.phone.as_deref() == Some("+4790000201")
            && p.email.as_deref() == Some("liv.gossen@aukra.kommune.example")));
}

#[tokio::test]
async fn a_failed_sms_to_a_municipality_contact_falls_back_to_email_and_alerts_rendered() {
    let cfg = Arc::new(shipped());
    let t0 = t("2026-05-06T08:00:00Z");
    let sms = Scripted::always(
        "sms",
        NotifyError::Permanent("HTTP 422: unknown number".into()),
    );
    let email = Scripted::ok("email");
    let render: Render = {
        let cfg = cfg.clone();
        Arc::new(move |i, ticket, now| {
            slavakt::templates::render(i, ticket, None, &cfg, now).map_err(|e| e.to_string())
        })
    };
    let ob = outbox(
        vec![
            ("sms", sms.clone() as Arc<dyn Notifier>),
            ("email", email.clone() as Arc<dyn Notifier>),
        ],
        4,
    )
    .with_fallbacks(Fallbacks::from_config(&cfg))
    .with_renderer(render);
    let mut state = state_with(
        vec![intent(
            1001,
            "kritisk_opened",
            1,
            "sms",
            "Liv Gossen",
            "+4790000201",
        )],
        t0,
    );

    for now in [t0, t0 + Duration::seconds(30)] {
        let batch = ob.prepare(&mut state, now);
        let sent = ob
            .send(batch, &CancellationToken::new(), Duration::seconds(5))
            .await;
        ob.record(&mut state, sent, now);
    }

    let mails = email.sent();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let to: Vec<&str> = mails.iter().map(|d| d.recipient.address.as_str()).collect();
    assert!(to.contains(&"liv.gossen@aukra.kommune.example"), "{to:?}");
    assert!(to.contains(&"ingrid.hammervoll@ror-ikt.example"), "{to:?}");
    let alert = mails
        .iter()
        .find(|d| d.recipient.address == "ingrid.hammervoll@ror-ikt.example")
        .unwrap();
    assert_eq!(
        alert.message.subject,
        "slavakt: levering feilet: sms til Liv Gossen (sak 1001)"
    );
    assert!(
        alert.message.text.contains("HTTP 422: unknown number"),
        "{}",
        alert.message.text
    );
    assert!(alert
        .message
        .text
        .contains("Sendes i stedet via email liv.gossen@aukra.kommune.example"));
}
