//! Scheduled monthly reports through the real daemon (in-process, fake clock) with the shipped
//! `[[reports]]` entry ("0 0 7 1 * *", HTML, three recipients) against a real SMTP server
//! (aiosmtpd): mailed once per period with the CSV attached, not again after a restart, the next
//! period mailed; a relay that refuses connections leaves the report owed and retried with
//! backoff until it gets through; entries sharing a schedule each get their format, and after a
//! partial failure only the recipients still missing are mailed.

use crate::kit::daemon as daemon_support;
use crate::kit::notify as notify_support;
#[allow(dead_code)] // only the synthetic state is used here
use crate::kit::report as report_support;
use crate::kit::sla as sla_support;

use chrono::Duration;
use daemon_support::{at, world, World};
use notify_support::SmtpPeer;
use serde_json::Value;
use slavakt::clock::FakeClock;
use slavakt::pureservice::fake::NewTicket;
use std::collections::BTreeSet;
use std::sync::Arc;

const MARCH_KEY: &str = "0 0 7 1 * *@2027-03";

impl World {
    /// Report mails received so far for `month` (`YYYY-MM`).
    fn reports(&self, month: &str) -> Vec<Value> {
        let subject = format!("SLA-rapport {month}");
        self.smtp
            .received()
            .into_iter()
            .filter(|m| notify_support::header(m, "Subject") == subject)
            .collect()
    }

    /// The three shipped recipients: two roles and the board's address.
    fn recipients(&self) -> BTreeSet<String> {
        let role = |r: &str| self.config.roles[r].email.clone().unwrap();
        [
            role("daglig_leder"),
            role("driftssjef"),
            "samarbeidsradet@ror-ikt.example".to_string(),
        ]
        .into_iter()
        .collect()
    }
}

fn rcpts(mails: &[Value]) -> BTreeSet<String> {
    mails
        .iter()
        .flat_map(|m| m["rcpt_tos"].as_array().cloned().unwrap())
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn part<'a>(mail: &'a Value, content_type: &str) -> &'a Value {
    mail["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == content_type)
        .unwrap_or_else(|| panic!("no {content_type} part in {mail:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_report_is_mailed_once_per_period_also_across_a_restart() {
    let w = world("2027-03-24T09:00:00+01:00").await;
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    // A first start does not mail February (slavakt did not watch it).
    assert!(d.state().reports_sent.contains("0 0 7 1 * *@2027-02"));
    w.fake
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

    // Just before the schedule fires: nothing.
    w.clock.set(at("2027-04-01T06:59:30+02:00"));
    let r = d.cycle().await.unwrap();
    assert!(r.reports.outcomes.is_empty());
    assert!(w.reports("2027-03").is_empty());

    // 07:00 on 1 April: March goes to all three, HTML with the CSV attached.
    w.clock.set(at("2027-04-01T07:00:30+02:00"));
    let r = d.cycle().await.unwrap();
    assert_eq!(r.reports.completed, [MARCH_KEY]);
    let mails = w.reports("2027-03");
    assert_eq!(mails.len(), 3, "one mail per recipient");
    assert_eq!(rcpts(&mails), w.recipients());
    for m in &mails {
        let csv = part(m, "text/csv");
        assert_eq!(csv["filename"], "slavakt-sla-2027-03.csv");
        let text = csv["content"].as_str().unwrap();
        // For Excel: a BOM, `;` between fields (nb).
        assert!(
            text.starts_with("\u{feff}\"SLA-rapport\";\"2027-03\""),
            "{text}"
        );
        // The Kritisk ticket of 24 March: opened 1, resolved 0.
        assert!(text.contains("\"Kritisk\";\"1\";\"0\""), "{text}");
        // The charts are PNG parts the HTML refers to by Content-ID (no inline SVG in mail).
        let html = part(m, "text/html")["content"].as_str().unwrap();
        assert!(!html.contains("<svg") && html.contains("SLA-rapport 2027-03"));
        let pngs: Vec<&Value> = m["parts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["type"] == "image/png")
            .collect();
        assert_eq!(pngs.len(), 3, "{m:#}");
        for p in pngs {
            let cid = p["content_id"].as_str().unwrap();
            let cid = cid.trim_start_matches('<').trim_end_matches('>');
            assert!(
                html.contains(&format!("src=\"cid:{cid}\"")),
                "{cid} not in {html}"
            );
        }
        assert!(part(m, "text/plain")["content"]
            .as_str()
            .unwrap()
            .contains("# SLA-rapport 2027-03"));
    }
    assert_eq!(
        d.http
            .metrics
            .value("slavakt_report_mails_total", &["sent"]),
        Some(3.0)
    );
    assert!(d.state().reports_sent.contains(MARCH_KEY));
    assert!(d.state().reports_owed.is_empty());

    // Later the same day: not again.
    w.clock.set(at("2027-04-01T09:00:00+02:00"));
    assert!(d.cycle().await.unwrap().reports.outcomes.is_empty());

    // Restart on the same state file: still not again.
    drop(d);
    let mut d = w.daemon();
    w.clock.set(at("2027-04-01T09:05:00+02:00"));
    let r = d.cycle().await.unwrap();
    assert!(r.reports.outcomes.is_empty());
    w.clock.set(at("2027-04-20T12:00:00+02:00"));
    assert!(d.cycle().await.unwrap().reports.outcomes.is_empty());
    assert_eq!(w.reports("2027-03").len(), 3);

    // The next period: April, once.
    w.clock.set(at("2027-05-01T07:00:30+02:00"));
    let r = d.cycle().await.unwrap();
    assert_eq!(r.reports.completed, ["0 0 7 1 * *@2027-04"]);
    w.clock.set(at("2027-05-01T07:10:00+02:00"));
    d.cycle().await.unwrap();
    let april = w.reports("2027-04");
    assert_eq!(rcpts(&april), w.recipients());
    assert_eq!(april.len(), 3);
    assert_eq!(w.reports("2027-03").len(), 3);
    let ids: BTreeSet<String> = w
        .reports("2027-03")
        .iter()
        .chain(&april)
        .map(|m| notify_support::header(m, "Message-ID"))
        .collect();
    assert_eq!(ids.len(), 6, "every report mail has its own Message-ID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_the_relay_refuses_stays_owed_and_is_retried_with_backoff_until_sent() {
    let w = world("2027-03-31T12:00:00+02:00").await;
    // A relay address where nothing listens: every connection is refused.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    let mut broken = w.config.clone();
    broken.channels.email.as_mut().unwrap().port = dead_port;
    let mut d = w.daemon_with(broken.clone());
    d.cycle().await.unwrap();

    w.clock.set(at("2027-04-01T07:00:30+02:00"));
    let r = d.cycle().await.unwrap();
    assert_eq!(r.reports.outcomes.len(), 3);
    assert!(r.reports.outcomes.iter().all(|o| o.error.is_some()));
    let owed = &d.state().reports_owed[MARCH_KEY];
    assert_eq!(owed.failures, 1);
    assert_eq!(owed.next_attempt, at("2027-04-01T07:00:35+02:00")); // retry.initial 5 s
    assert!(owed.last_error.is_some());
    assert_eq!(
        d.http
            .metrics
            .value("slavakt_report_mails_total", &["failed"]),
        Some(3.0)
    );

    // Within the backoff: no attempt. After it: another one, and the wait doubles.
    w.clock.set(at("2027-04-01T07:00:33+02:00"));
    assert!(d.cycle().await.unwrap().reports.outcomes.is_empty());
    w.clock.set(at("2027-04-01T07:00:36+02:00"));
    assert_eq!(d.cycle().await.unwrap().reports.outcomes.len(), 3);
    let owed = &d.state().reports_owed[MARCH_KEY];
    assert_eq!(owed.failures, 2);
    assert_eq!(owed.next_attempt, at("2027-04-01T07:00:46+02:00"));

    // The relay is fixed and slavakt restarted: the owed report goes out once.
    drop(d);
    let mut d = w.daemon();
    w.clock.set(at("2027-04-01T07:05:00+02:00"));
    let r = d.cycle().await.unwrap();
    assert_eq!(r.reports.completed, [MARCH_KEY]);
    assert!(d.state().reports_owed.is_empty());
    w.clock.set(at("2027-04-01T08:00:00+02:00"));
    d.cycle().await.unwrap();
    let mails = w.reports("2027-03");
    assert_eq!(mails.len(), 3);
    assert_eq!(rcpts(&mails), w.recipients());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_sharing_a_schedule_get_their_format_and_only_missing_recipients_are_retried() {
    use slavakt::config::{ReportFormat, ReportSchedule, SmtpTls};
    use slavakt::report::scheduled::{mail_owed, take_due};
    let smtp = SmtpPeer::start("plain", None, None);
    let mut cfg = sla_support::config();
    let email = cfg.channels.email.as_mut().unwrap();
    email.host = "127.0.0.1".into();
    email.port = smtp.port;
    email.tls = SmtpTls::None;
    email.username = None;
    email.password = None;
    email.ca_file = None;
    let shipped = cfg.reports[0].clone();
    cfg.reports = vec![
        ReportSchedule {
            to: vec!["styret@ror-ikt.example".into(), "role:driftssjef".into()],
            format: ReportFormat::Html,
            ..shipped.clone()
        },
        ReportSchedule {
            to: vec!["okonomi@ror-ikt.example".into()],
            format: ReportFormat::Csv,
            ..shipped
        },
    ];
    // The role has lost its address: that recipient cannot be mailed for now.
    let driftssjef = cfg
        .roles
        .get_mut("driftssjef")
        .unwrap()
        .email
        .take()
        .unwrap();
    let mut state = report_support::march_state();
    let now = sla_support::oslo(2027, 4, 1, 7, 0);
    let clock = Arc::new(FakeClock::new(now));
    assert!(take_due(&mut state, &cfg, now));
    // While Pureservice cannot be polled the month may be incomplete: nothing goes out yet.
    state.health.failing_since = Some(now - Duration::minutes(3));
    assert!(!mail_owed(&mut state, &cfg, clock.clone(), now)
        .await
        .changed());
    assert!(smtp.received().is_empty());
    state.health.failing_since = None;

    let mailed = mail_owed(&mut state, &cfg, clock.clone(), now).await;
    let sent: BTreeSet<_> = mailed
        .outcomes
        .iter()
        .map(|o| (o.recipient.as_str(), o.label()))
        .collect();
    assert_eq!(
        sent,
        [
            ("okonomi@ror-ikt.example", "sent"),
            ("styret@ror-ikt.example", "sent")
        ]
        .into_iter()
        .collect()
    );
    assert!(mailed.completed.is_empty());
    let owed = &state.reports_owed[MARCH_KEY];
    assert!(owed.last_error.as_deref().unwrap().contains("driftssjef"));
    let mails = smtp.wait_for(2);
    let to = |m: &Value| m["rcpt_tos"][0].as_str().unwrap().to_string();
    let board = mails
        .iter()
        .find(|m| to(m) == "styret@ror-ikt.example")
        .unwrap();
    assert!(part(board, "text/html")["content"]
        .as_str()
        .unwrap()
        .contains("src=\"cid:chart-flow@slavakt\""));
    let finance = mails
        .iter()
        .find(|m| to(m) == "okonomi@ror-ikt.example")
        .unwrap();
    // The CSV entry: the CSV is the body (with its HTML twin) and the attachment; this config
    // is in English: `,` and no BOM in the body.
    assert!(part(finance, "text/plain")["content"]
        .as_str()
        .unwrap()
        .starts_with("\"SLA report\",\"2027-03\""));
    for m in [board, finance] {
        assert_eq!(part(m, "text/csv")["filename"], "slavakt-sla-2027-03.csv");
    }

    // The address is back (a reload); the next attempt mails only the one still missing.
    cfg.roles.get_mut("driftssjef").unwrap().email = Some(driftssjef.clone());
    let later = owed.next_attempt;
    let mailed = mail_owed(&mut state, &cfg, clock, later).await;
    let again: Vec<_> = mailed
        .outcomes
        .iter()
        .map(|o| o.recipient.clone())
        .collect();
    assert_eq!(again, [driftssjef.as_str()]);
    assert_eq!(mailed.completed, [MARCH_KEY]);
    assert!(state.reports_sent.contains(MARCH_KEY));
    assert!(state.reports_owed.is_empty());
    let all: Vec<String> = smtp.wait_for(3).iter().map(to).collect();
    assert_eq!(all.len(), 3);
    assert_eq!(
        all.iter()
            .filter(|a| *a == "styret@ror-ikt.example")
            .count(),
        1
    );
    assert!(all.contains(&driftssjef));
}
