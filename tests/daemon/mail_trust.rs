//! Mail a mail admin trusts, through the real daemon (in-process, fake clock) to a real SMTP
//! server (aiosmtpd): `Reply-To` from `[channels.email] reply_to`, a link to the ticket in
//! Pureservice in both MIME parts, threading per recipient (a reader's `In-Reply-To` and
//! `References` name only mails that reader got about that ticket), and mails about no ticket
//! (the outage alert and its all-clear) never threaded together.

use crate::kit::daemon as daemon_support;
use crate::kit::notify as notify_support;

use chrono::Duration;
use daemon_support::world;
use notify_support::{header, headers};
use serde_json::Value;
use slavakt::pureservice::fake::{Fault, NewTicket};
use std::collections::BTreeMap;

const REPLY_TO: &str = "ROR-IKT Kundeservice <kundeservice@ror-ikt.example>";

fn recipient(m: &Value) -> String {
    let rcpts = m["rcpt_tos"].as_array().expect("rcpt_tos");
    assert_eq!(rcpts.len(), 1, "one recipient per mail: {rcpts:?}");
    rcpts[0].as_str().unwrap().to_lowercase()
}

fn part<'a>(m: &'a Value, mime: &str) -> Option<&'a str> {
    m["parts"]
        .as_array()?
        .iter()
        .find(|p| p["type"] == mime)
        .and_then(|p| p["content"].as_str())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reader_threads_under_their_own_mails_with_reply_to_and_a_link_to_the_ticket() {
    let w = world("2027-03-24T13:59:00+01:00").await; // Wednesday, office hours
    let mut config = w.config.clone();
    config.channels.email.as_mut().unwrap().reply_to = Some(REPLY_TO.into());
    let mut d = w.daemon_with(config);
    d.cycle().await.unwrap();
    w.clock.advance(Duration::minutes(1));
    let id = w
        .fake
        .create_ticket(NewTicket {
            subject: "Pasientvarsling nede på Bergmo".into(),
            description: "<p>Alarmene kommer ikke fram.</p>".into(),
            priority: Some("Kritisk".into()),
            requester: Some(102), // Molde
            assignee: Some(201),
            categories: vec!["Pasientvarsling".into()],
            ..NewTicket::default()
        })
        .unwrap();
    w.clock.advance(Duration::seconds(30));
    d.cycle().await.unwrap();
    let first_round = w.smtp.received();
    assert!(first_round.len() >= 3, "{} mails", first_round.len());
    // An hour on: the hourly status goes to the readers the opening notices reached.
    w.clock.advance(Duration::minutes(61));
    d.cycle().await.unwrap();
    let mails = w.smtp.received();
    assert!(
        mails.len() > first_round.len(),
        "no status update after an hour"
    );

    let number = w.fake.ticket(id).unwrap()["requestNumber"]
        .as_u64()
        .expect("requestNumber");
    let base = w.config.pureservice.base_url.as_str().trim_end_matches('/');
    let link = format!("{base}/agent/app#/ticket/{number}");

    let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut threaded = 0;
    for (i, m) in mails.iter().enumerate() {
        let to = recipient(m);
        let subject = header(m, "Subject");
        assert_eq!(header(m, "Reply-To"), REPLY_TO, "{subject}");
        let text = part(m, "text/plain").expect("text part");
        assert!(
            text.contains(&format!("Saken i Pureservice: {link}")),
            "{text}"
        );
        if let Some(html) = part(m, "text/html") {
            assert!(
                html.contains(&format!("agent/app#/ticket/{number}\"")),
                "{html}"
            );
        }
        let earlier = got.entry(to.clone()).or_default();
        let in_reply_to = headers(m, "In-Reply-To");
        let references: Vec<String> = headers(m, "References")
            .iter()
            .flat_map(|r| r.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .collect();
        for id in in_reply_to.iter().chain(&references) {
            assert!(
                earlier.contains(id),
                "mail {i} to {to} ({subject}) names {id}, which {to} never got; got {earlier:?}"
            );
        }
        // The status round: everyone who had mail in the first round is threaded now.
        if i >= first_round.len() && !earlier.is_empty() {
            assert_eq!(in_reply_to.len(), 1, "mail {i} to {to} is not threaded");
            threaded += 1;
        }
        earlier.push(header(m, "Message-ID"));
    }
    assert!(threaded >= 2, "only {threaded} threaded follow-ups");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mails_about_no_ticket_are_not_threaded_together() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    // Pureservice down long enough for the outage alert, then back: the all-clear.
    w.fake.inject(Fault::Status(503), 100_000, None);
    for _ in 0..12 {
        w.clock
            .advance(Duration::minutes(2) + Duration::seconds(30));
        d.cycle().await.unwrap();
    }
    w.fake.clear_faults();
    w.clock.advance(Duration::seconds(30));
    d.cycle().await.unwrap();
    let mails = w.smtp.received();
    let alert = |m: &&Value| {
        let s = header(m, "Subject");
        s.contains("Pureservice er utilgjengelig") || s.contains("tilgjengelig igjen")
    };
    let alerts: Vec<&Value> = mails.iter().filter(alert).collect();
    let im = w.role_email("incident_manager").to_lowercase();
    let to_im: Vec<&&Value> = alerts.iter().filter(|m| recipient(m) == im).collect();
    assert_eq!(to_im.len(), 2, "the alert and the all-clear to {im}");
    for m in alerts {
        assert!(headers(m, "In-Reply-To").is_empty(), "{m}");
        assert!(headers(m, "References").is_empty(), "{m}");
        // No ticket, so no link to one.
        assert!(!part(m, "text/plain")
            .unwrap_or("")
            .contains("agent/app#/ticket/"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_link_to_the_ticket_is_in_the_readers_language() {
    for (lang, words) in [
        ("nb", "Saken i Pureservice: "),
        ("nn", "Saka i Pureservice: "),
        ("da", "Sagen i Pureservice: "),
        ("en", "The ticket in Pureservice: "),
    ] {
        let w = world("2027-03-24T13:59:00+01:00").await;
        let mut config = w.config.clone();
        config.daemon.language = match lang {
            "nb" => slavakt::config::Language::Nb,
            "nn" => slavakt::config::Language::Nn,
            "da" => slavakt::config::Language::Da,
            _ => slavakt::config::Language::En,
        };
        let mut d = w.daemon_with(config);
        d.cycle().await.unwrap();
        let id = w
            .fake
            .create_ticket(NewTicket {
                subject: "Pasientvarsling nede på Bergmo".into(),
                priority: Some("Kritisk".into()),
                requester: Some(102),
                assignee: Some(201),
                categories: vec!["Pasientvarsling".into()],
                ..NewTicket::default()
            })
            .unwrap();
        w.clock.advance(Duration::seconds(30));
        d.cycle().await.unwrap();
        let number = w.fake.ticket(id).unwrap()["requestNumber"]
            .as_u64()
            .unwrap();
        let mails = w.smtp.received();
        assert!(!mails.is_empty(), "{lang}: no mail");
        for m in &mails {
            let text = part(m, "text/plain").unwrap();
            let line = text
                .lines()
                .find(|l| l.contains("/agent/app#/ticket/"))
                .unwrap_or_else(|| panic!("{lang}: no link in\n{text}"));
            assert!(line.starts_with(words), "{lang}: {line:?}");
            assert!(
                line.ends_with(&format!("/agent/app#/ticket/{number}")),
                "{line}"
            );
            let html = part(m, "text/html").unwrap();
            assert!(
                html.contains(&format!("{}<a href=", words)),
                "{lang}: {html}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reply_to_is_read_from_the_config_and_a_bad_one_is_refused_with_its_key() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    let peers = slavakt::demo::world::Peers {
        pureservice: w.fake.base_url(),
        api_key: w.fake.api_key().expose().to_string(),
        smtp: ([127, 0, 0, 1], w.smtp.port).into(),
        http: ([127, 0, 0, 1], 9).into(),
    };
    let text = slavakt::demo::world::config_text(&peers, w.dir.path()).unwrap();
    assert!(text.contains("[channels.email]\n"));
    let with = |reply_to: &str| {
        let path = w.dir.path().join("reply_to.toml");
        std::fs::write(
            &path,
            text.replace(
                "[channels.email]\n",
                &format!("[channels.email]\nreply_to = {reply_to:?}\n"),
            ),
        )
        .unwrap();
        slavakt::config::load(&path)
    };
    let config = with(REPLY_TO).expect("a valid reply_to");
    assert_eq!(
        config.channels.email.as_ref().unwrap().reply_to.as_deref(),
        Some(REPLY_TO)
    );
    let err = with("kundeservice på ror-ikt").unwrap_err().to_string();
    assert!(
        err.contains("channels.email.reply_to") && err.contains("not an e-mail address"),
        "{err}"
    );
}
