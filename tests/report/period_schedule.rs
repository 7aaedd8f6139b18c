//! `[[reports]] months = 2`: a scheduled report over the two months before the one the
//! schedule fires in (the board's October–November report), through `take_due` / `mail_owed`
//! against a real SMTP server (aiosmtpd); and the key's validation.

use crate::kit::notify as notify_support;
use crate::kit::report as report_support;
use crate::kit::sla as sla_support;

use notify_support::{header, SmtpPeer};
use slavakt::clock::FakeClock;
use slavakt::config::{ReportFormat, ReportSchedule, SmtpTls};
use slavakt::report::scheduled::{mail_owed, take_due};
use std::collections::BTreeMap;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_month_schedule_mails_both_months_in_one_report() {
    let smtp = SmtpPeer::start("plain", None, None);
    let mut cfg = sla_support::config();
    cfg.daemon.language = slavakt::config::Language::Nb;
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
            to: vec!["styret@ror-ikt.example".into()],
            format: ReportFormat::Json,
            months: 2,
            ..shipped.clone()
        },
        // A one-month entry on the same cron text is a schedule of its own.
        ReportSchedule {
            to: vec!["okonomi@ror-ikt.example".into()],
            format: ReportFormat::Md,
            ..shipped
        },
    ];
    let mut state = report_support::march_state();
    let now = sla_support::oslo(2027, 4, 1, 7, 0);
    let clock = Arc::new(FakeClock::new(now));
    assert!(take_due(&mut state, &cfg, now));
    let keys: Vec<&String> = state.reports_owed.keys().collect();
    assert_eq!(
        keys,
        ["0 0 7 1 * * months=2@2027-03", "0 0 7 1 * *@2027-03"]
    );
    assert_eq!(state.reports_owed["0 0 7 1 * * months=2@2027-03"].months, 2);
    let mailed = mail_owed(&mut state, &cfg, clock, now).await;
    assert_eq!(mailed.completed.len(), 2, "{:?}", mailed.outcomes);
    let mails = smtp.wait_for(2);
    let board = mails
        .iter()
        .find(|m| m["rcpt_tos"][0] == "styret@ror-ikt.example")
        .unwrap();
    assert_eq!(header(board, "Subject"), "SLA-rapport 2027-02–2027-03");
    let parts = board["parts"].as_array().unwrap();
    let body = parts.iter().find(|p| p["type"] == "text/plain").unwrap();
    let j: serde_json::Value = serde_json::from_str(body["content"].as_str().unwrap()).unwrap();
    assert_eq!(j["period"]["from"], "2027-02");
    assert_eq!(j["period"]["to"], "2027-03");
    // Kritisk: ticket 9 in February and tickets 1 and 2 in March.
    assert_eq!(j["levels"][0]["resolved"], 3);
    let csv = parts.iter().find(|p| p["type"] == "text/csv").unwrap();
    assert_eq!(csv["filename"], "slavakt-sla-2027-02--2027-03.csv");
    let finance = mails
        .iter()
        .find(|m| m["rcpt_tos"][0] == "okonomi@ror-ikt.example")
        .unwrap();
    assert_eq!(header(finance, "Subject"), "SLA-rapport 2027-03");
}

#[test]
fn months_must_be_between_1_and_12() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (months, ok) in [("2", true), ("12", true), ("0", false), ("13", false)] {
        let changed = text.replacen(
            "[[reports]]\n",
            &format!("[[reports]]\nmonths = {months}\n"),
            1,
        );
        assert_ne!(changed, text, "the shipped config has a [[reports]] entry");
        let file = dir.path().join("slavakt.toml");
        std::fs::write(&file, &changed).unwrap();
        let result = slavakt::config::load_with_env(&file, &BTreeMap::new());
        match (ok, result) {
            (true, Ok(cfg)) => assert_eq!(cfg.reports[0].months.to_string(), months),
            (false, Err(e)) => assert!(e.to_string().contains("reports[0].months"), "{e}"),
            (ok, r) => panic!(
                "months = {months}: expected ok={ok}, got {:?}",
                r.map(|_| ())
            ),
        }
    }
}

#[test]
fn the_documented_every_second_month_schedule_fires_on_1_december() {
    use chrono::TimeZone;
    use std::str::FromStr;
    let s = cron::Schedule::from_str("0 0 7 1 2/2 *").unwrap();
    let tz = chrono_tz::Europe::Oslo;
    let after = tz.with_ymd_and_hms(2023, 10, 15, 0, 0, 0).unwrap();
    let next = s.after(&after).next().unwrap();
    assert_eq!(next, tz.with_ymd_and_hms(2023, 12, 1, 7, 0, 0).unwrap());
}
