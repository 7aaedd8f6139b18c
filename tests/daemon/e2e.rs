//! End to end: the real daemon (in-process, fake clock) against the fake Pureservice, a real SMTP
//! server (aiosmtpd) and an HTTP capture sink for SMS, Teams and intranet posts.

use crate::kit::daemon as daemon_support;
use crate::kit::notify as notify_support;

use chrono::Duration;
use daemon_support::{at, world, World};
use serde_json::Value;
use slavakt::demo::capture::Captured;
use slavakt::ledger::DeliveryStatus;
use slavakt::pureservice::fake::{Fault, NewTicket};
use std::collections::BTreeSet;

impl World {
    fn kritisk(&self, subject: &str) -> u64 {
        self.fake
            .create_ticket(NewTicket {
                subject: subject.into(),
                description: "<p>Alarmene kommer ikke fram.</p>".into(),
                priority: Some("Kritisk".into()),
                requester: Some(102), // Molde
                assignee: Some(201),
                categories: vec!["Pasientvarsling".into()],
                ..NewTicket::default()
            })
            .unwrap()
    }

    /// E-mail recipients of every message the SMTP server accepted so far.
    fn mail_recipients(&self) -> Vec<String> {
        self.smtp
            .received()
            .iter()
            .flat_map(|m| m["rcpt_tos"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    fn message_ids(&self) -> Vec<String> {
        self.smtp
            .received()
            .iter()
            .map(|m| notify_support::header(m, "Message-ID"))
            .collect()
    }

    fn posts_to(&self, path: &str) -> Vec<String> {
        self.sink
            .snapshot()
            .into_iter()
            .filter_map(|c| match c {
                Captured::Http { path: p, body, .. } if p == path => Some(body),
                _ => None,
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kritisk_ticket_reaches_everyone_in_the_plan_within_one_cycle() {
    let w = world("2027-03-24T13:59:00+01:00").await; // Wednesday, office hours
    let mut d = w.daemon();
    d.cycle().await.unwrap(); // initial load: nothing open
    w.clock.advance(Duration::minutes(1));
    let id = w.kritisk("Pasientvarsling nede på Bergmo");
    w.clock.advance(Duration::seconds(30));
    let report = d.cycle().await.unwrap();
    assert!(
        !report.plan.issued.is_empty(),
        "the Kritisk ticket fired nothing"
    );

    let to = w.mail_recipients();
    for role in [
        "incident_manager",
        "varslingsansvarlig",
        "koordineringsansvarlig",
        "driftssjef",
        "leder_tjenesteutvikling",
        "daglig_leder",
    ] {
        assert!(
            to.contains(&w.role_email(role)),
            "no mail to {role}: {to:?}"
        );
    }
    let admin = w
        .config
        .service("Sensio Pasientvarsling")
        .unwrap()
        .administrator
        .clone()
        .unwrap();
    assert!(
        to.contains(&admin.email.unwrap()),
        "no mail to the service administrator"
    );
    let molde = w.config.municipality("Molde").unwrap();
    let sms: String = w.posts_to("/sms").join("\n");
    for c in molde.contacts.iter().filter(|c| c.critical) {
        assert!(
            sms.contains(c.phone.as_deref().unwrap()),
            "no SMS to Molde's critical contact {}",
            c.name
        );
    }
    for c in molde.contacts.iter().filter(|c| !c.critical) {
        if let Some(p) = &c.phone {
            assert!(
                !sms.contains(p.as_str()),
                "non-critical contact {} got an SMS",
                c.name
            );
        }
    }
    assert!(
        !w.posts_to("/teams/ik_varsling").is_empty(),
        "no IK Varsling announcement"
    );
    assert!(
        !w.posts_to("/teams/driftsmeldinger").is_empty(),
        "no driftsmelding in Teams"
    );
    assert!(
        !w.posts_to("/intranet").is_empty(),
        "no intranet driftsmelding"
    );
    assert!(
        !w.fake.notes(id).is_empty(),
        "no internal note on the ticket"
    );
    let failed: Vec<_> = d
        .state()
        .ledger
        .entries
        .values()
        .filter(|e| e.status != DeliveryStatus::Delivered)
        .map(|e| (e.intent.key.to_string(), e.status, e.attempts.clone()))
        .collect();
    assert!(failed.is_empty(), "undelivered: {failed:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_incident_keeps_the_hourly_rhythm_and_resends_nothing() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    w.clock.advance(Duration::minutes(1));
    w.kritisk("Pasientvarsling nede på Bergmo");
    w.clock.advance(Duration::seconds(30));
    d.cycle().await.unwrap();
    let opening_mails = w.smtp.received().len();
    assert!(opening_mails > 0);
    // 1 h after the ticket: the first hourly status goes out.
    w.clock.advance(Duration::minutes(60));
    let r = d.cycle().await.unwrap();
    let status_rules: BTreeSet<String> = r.plan.issued.iter().map(|i| i.key.rule.clone()).collect();
    assert!(
        status_rules.contains("kritisk-status"),
        "no hourly status: {status_rules:?}"
    );
    drop(d); // stop (the state was saved at the end of the cycle)

    // Restart: the same state file; nothing is re-sent.
    let mut d = w.daemon();
    w.clock.advance(Duration::seconds(30));
    let r = d.cycle().await.unwrap();
    assert!(
        r.plan.issued.is_empty(),
        "re-sent after restart: {:?}",
        r.plan.issued
    );
    // The second hourly status comes on schedule, once.
    w.clock.advance(Duration::minutes(60));
    let r = d.cycle().await.unwrap();
    let second: Vec<_> = r
        .plan
        .issued
        .iter()
        .filter(|i| i.key.rule == "kritisk-status")
        .collect();
    assert!(
        !second.is_empty() && second.iter().all(|i| i.key.occurrence == 2),
        "{second:?}"
    );
    let ids = w.message_ids();
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a mail was sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pureservice_outage_alerts_once_then_recovers_and_catches_up() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    let im = w.role_email("incident_manager");
    // Pureservice answers 503 to everything for 30 simulated minutes; a ticket arrives meanwhile.
    w.fake.inject(Fault::Status(503), 100_000, None);
    let mut id = None;
    for step in 0..12 {
        w.clock
            .advance(Duration::minutes(2) + Duration::seconds(30));
        if step == 4 {
            id = Some(w.kritisk("Pasientvarsling nede på Bergmo"));
        }
        let r = d.cycle().await.unwrap();
        assert!(
            matches!(r.polled, Some(Err(_))),
            "poll should fail during the outage"
        );
    }
    let alerts: Vec<Value> = w
        .smtp
        .received()
        .into_iter()
        .filter(|m| notify_support::header(m, "Subject").contains("Pureservice er utilgjengelig"))
        .collect();
    assert_eq!(alerts.len(), 1, "exactly one outage alert");
    // One language, the configured zone, to the minute: no English line, no raw UTC stamp.
    let text = alerts[0]["parts"][0]["content"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains("siden onsdag 24. mars 2027 kl. 14:01"),
        "outage time in Oslo time: {text}"
    );
    assert!(
        !text.contains("cannot reach") && !text.contains("UTC") && !text.contains("+00:00"),
        "{text}"
    );
    assert!(alerts[0]["rcpt_tos"].to_string().contains(&im));
    assert!(d.state().health.outage_alerted);

    w.fake.clear_faults();
    w.clock.advance(Duration::seconds(30));
    let r = d.cycle().await.unwrap();
    assert!(matches!(r.polled, Some(Ok(_))));
    let subjects: Vec<String> = w
        .smtp
        .received()
        .iter()
        .map(|m| notify_support::header(m, "Subject"))
        .collect();
    assert!(
        subjects.iter().any(|s| s.contains("tilgjengelig igjen")),
        "no all-clear: {subjects:?}"
    );
    // Catch-up: the ticket created during the outage gets its opening notices, marked late.
    let opened: Vec<_> = r
        .plan
        .issued
        .iter()
        .filter(|i| Some(i.key.ticket) == id && i.key.rule == "incident-open-alert")
        .collect();
    assert!(!opened.is_empty(), "no opening notice after the outage");
    assert!(
        opened.iter().all(|i| i.late),
        "catch-up notices must be marked late"
    );
    // Without a storm: each notice once, no backlog of repeats for the missed half hour.
    let mut keys = BTreeSet::new();
    for i in &r.plan.issued {
        // Occurrence 0 is a one-off notice, 1 the first of a repeating one.
        assert!(i.key.occurrence <= 1, "a repeat was caught up: {}", i.key);
        assert!(keys.insert(i.key.to_string()), "issued twice: {}", i.key);
    }
    w.clock.advance(Duration::seconds(30));
    let next = d.cycle().await.unwrap();
    assert!(
        next.plan.issued.is_empty(),
        "more catch-up on the next poll: {:?}",
        next.plan.issued
    );
    let ids = w.message_ids();
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "a mail was sent twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_state_file_stops_the_daemon_and_is_kept() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    std::fs::write(&w.config.daemon.state_file, b"{ this is not json").unwrap();
    let err = match w.try_daemon_with(w.config.clone()) {
        Ok(_) => panic!("started on a corrupt state file"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("corrupt") || err.contains("moved"), "{err}");
    let kept: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert_eq!(
        kept.len(),
        1,
        "the corrupt file must be set aside, not deleted"
    );
    assert_eq!(
        std::fs::read(kept[0].path()).unwrap(),
        b"{ this is not json"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planned_change_in_pureservice_is_announced_reminded_started_and_completed() {
    let w = world("2027-03-24T09:00:00+01:00").await;
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    // A Thursday noon: the reminder (Tuesday noon) and the completion (14:00) fall within
    // Kundeservice's hours, which the shipped change rules wait for (send_within).
    let start = at("2027-04-08T12:00:00+02:00");
    let id = w
        .fake
        .create_ticket(NewTicket {
            subject: "Oppgradering av Gerica".into(),
            description: "<p>Gerica er utilgjengelig under oppgraderingen.</p>".into(),
            requester: Some(102),
            assignee: Some(201),
            categories: vec!["Gerica".into()],
            request_type: Some(2),
            custom: [
                ("cf_5".to_string(), Value::from(start.to_rfc3339())),
                (
                    "cf_6".to_string(),
                    Value::from((start + Duration::hours(3)).to_rfc3339()),
                ),
            ]
            .into_iter()
            .collect(),
            ..NewTicket::default()
        })
        .unwrap();
    let mut fired = Vec::new();
    for (label, until) in [
        ("registered", at("2027-03-24T09:01:00+01:00")),
        (
            "3 days before",
            start - Duration::days(3) + Duration::minutes(1),
        ),
        (
            "2 days before",
            start - Duration::days(2) + Duration::minutes(1),
        ),
        ("started", start + Duration::minutes(1)),
    ] {
        w.clock.set(until);
        let r = d.cycle().await.unwrap();
        let rules: BTreeSet<String> = r
            .plan
            .issued
            .iter()
            .filter(|i| i.key.ticket == id)
            .map(|i| i.key.rule.clone())
            .collect();
        fired.push((label, rules));
    }
    w.fake.update_ticket(
        id,
        serde_json::json!({ "resolved": (start + Duration::hours(2)).to_rfc3339() }),
    );
    w.clock.set(start + Duration::hours(2));
    w.fake.set_status(id, "Løst");
    w.clock
        .set(start + Duration::hours(2) + Duration::minutes(1));
    let r = d.cycle().await.unwrap();
    let done: BTreeSet<String> = r
        .plan
        .issued
        .iter()
        .filter(|i| i.key.ticket == id)
        .map(|i| i.key.rule.clone())
        .collect();
    fired.push(("completed", done));
    let expect = [
        // Announced when registered (§4 "i rimelig tid"), not only 3 days before.
        ("registered", vec!["change-notice"]),
        ("3 days before", vec![]),
        ("2 days before", vec!["change-reminder"]),
        ("started", vec!["change-started"]),
        ("completed", vec!["change-completed"]),
    ];
    for ((label, got), (_, want)) in fired.iter().zip(expect.iter()) {
        let want: BTreeSet<String> = want.iter().map(|s| s.to_string()).collect();
        assert_eq!(got, &want, "at {label}");
    }
    let posts = w.posts_to("/teams/ik_varsling").join("\n");
    assert!(
        posts.contains("Gerica"),
        "the IK Varsling posts name the system"
    );
    assert!(
        !w.posts_to("/intranet").is_empty(),
        "the change is announced on the intranet"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_state_file_holds_no_description_requester_or_sent_message_text() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    w.clock.advance(Duration::minutes(1));
    let id = w
        .fake
        .create_ticket(NewTicket {
            subject: "Pasientvarsling nede på Bergmo".into(),
            description: "<p>Beboer på rom 12 falt og alarmen virket ikke.</p>".into(),
            priority: Some("Kritisk".into()),
            requester: Some(102), // Per Moldestad, Molde
            assignee: Some(201),
            categories: vec!["Pasientvarsling".into()],
            ..NewTicket::default()
        })
        .unwrap();
    w.clock.advance(Duration::seconds(30));
    d.cycle().await.unwrap();
    assert!(!w.smtp.received().is_empty(), "the incident was announced");
    // Every message went out, so none is kept: the texts stay with their recipients.
    let settled_with_text: Vec<&String> = d
        .state()
        .ledger
        .entries
        .iter()
        .filter(|(_, e)| e.message.is_some())
        .map(|(k, _)| k)
        .collect();
    assert!(
        settled_with_text.is_empty(),
        "settled entries keep their message: {settled_with_text:?}"
    );
    drop(d);
    // Snapshot and journal together are what is on disk.
    let journal = slavakt::state::journal_path(&w.config.daemon.state_file);
    let raw = std::fs::read_to_string(&w.config.daemon.state_file).unwrap()
        + &std::fs::read_to_string(journal).unwrap_or_default();
    for private in ["rom 12", "falt", "Moldestad", "per.moldestad"] {
        assert!(
            !raw.contains(private),
            "{private:?} (description or requester) is in the state file"
        );
    }
    // What it does hold: ids, times, and the names of municipality and service.
    assert!(raw.contains("Molde") && raw.contains("Sensio Pasientvarsling"));
    let state = slavakt::state::read_only(&w.config.daemon.state_file)
        .unwrap()
        .unwrap();
    assert!(state.tickets.contains_key(&id));
}

/// The value of one series in a text exposition (`name{labels} value`), if it is there.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn a_fresh_daemon_shows_every_documented_counter_at_zero_and_counts_api_errors_by_documented_kind(
) {
    let w = world("2027-03-24T09:00:00+01:00").await;
    let mut d = w.daemon();
    let text = d.http.metrics.render();
    for kind in slavakt::metrics::API_ERROR_KINDS {
        let series = format!("slavakt_api_errors_total{{kind=\"{kind}\"}}");
        assert_eq!(sample(&text, &series), Some(0.0), "{series} in\n{text}");
    }
    for channel in ["email", "sms", "teams:ik_varsling", "teams:driftsmeldinger"] {
        for outcome in slavakt::metrics::DELIVERY_OUTCOMES {
            let series =
                format!("slavakt_deliveries_total{{channel=\"{channel}\",outcome=\"{outcome}\"}}");
            assert_eq!(sample(&text, &series), Some(0.0), "{series} in\n{text}");
        }
    }
    for series in [
        "slavakt_polls_total{outcome=\"ok\"}",
        "slavakt_polls_total{outcome=\"error\"}",
        "slavakt_breaches_total{clock=\"response\"}",
        "slavakt_breaches_total{clock=\"resolution\"}",
        "slavakt_report_mails_total{outcome=\"sent\"}",
        "slavakt_report_mails_total{outcome=\"failed\"}",
        "slavakt_report_mails_total{outcome=\"dry_run\"}",
        "slavakt_state_save_failures_total",
    ] {
        assert_eq!(sample(&text, series), Some(0.0), "{series} in\n{text}");
    }
    assert!(text.contains("slavakt_build_info{version=\""), "{text}");
    assert!(text.contains("\nprocess_resident_memory_bytes "), "{text}");

    // A 503 from Pureservice is counted as the documented `http_5xx`, through the real poll.
    w.fake.inject(Fault::Status(503), 100, None);
    let r = d.cycle().await.unwrap();
    assert!(matches!(r.polled, Some(Err(_))));
    let text = d.http.metrics.render();
    assert!(
        sample(&text, "slavakt_api_errors_total{kind=\"http_5xx\"}").is_some_and(|v| v >= 1.0),
        "{text}"
    );
}
