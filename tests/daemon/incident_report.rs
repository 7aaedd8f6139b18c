//! End to end: a Kritisk ticket in the fake Pureservice is handled by the real daemon
//! (in-process, fake clock) with a real SMTP peer (aiosmtpd); when it is resolved the
//! serious-incident report lands in `reports_dir` and rides on the resolved e-mail to Incident
//! Manager and Varslingsansvarlig — once, also across restarts, and not lost when the directory
//! cannot be written at first.

use crate::kit::daemon as daemon_support;
use crate::kit::notify as notify_support;

use chrono::Duration;
use daemon_support::{world, World};
use serde_json::{json, Value};
use slavakt::app::Daemon;
use slavakt::clock::Clock;
use slavakt::pureservice::fake::NewTicket;
use std::collections::BTreeSet;

impl World {
    /// Mails whose subject starts with `prefix`, as (recipients, message).
    fn mails_starting(&self, prefix: &str) -> Vec<(Vec<String>, Value)> {
        self.smtp
            .received()
            .into_iter()
            .filter(|m| notify_support::header(m, "Subject").starts_with(prefix))
            .map(|m| {
                let to = m["rcpt_tos"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect();
                (to, m)
            })
            .collect()
    }

    /// A Kritisk incident: opened 14:00, first response 14:05, waiting on the vendor
    /// 14:15–14:35, resolved 15:05 (one cycle after each change). Returns the ticket number.
    async fn incident(&self, d: &mut Daemon) -> u64 {
        d.cycle().await.unwrap(); // initial load: nothing open
        self.clock.advance(Duration::minutes(1));
        let id = self
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
        let number = self.fake.ticket(id).unwrap()["requestNumber"]
            .as_u64()
            .unwrap();
        self.clock.advance(Duration::seconds(30));
        d.cycle().await.unwrap();
        self.clock
            .advance(Duration::minutes(4) + Duration::seconds(30));
        let now = self.clock.now().to_rfc3339();
        self.fake.update_ticket(id, json!({ "responded": now }));
        self.fake.set_status(id, "Under arbeid");
        self.clock.advance(Duration::seconds(30));
        d.cycle().await.unwrap();
        self.clock
            .advance(Duration::minutes(9) + Duration::seconds(30));
        self.fake.set_status(id, "Venter - leverandør");
        self.clock.advance(Duration::seconds(30));
        d.cycle().await.unwrap();
        self.clock
            .advance(Duration::minutes(19) + Duration::seconds(30));
        self.fake.set_status(id, "Under arbeid");
        self.clock.advance(Duration::seconds(30));
        d.cycle().await.unwrap();
        self.clock
            .advance(Duration::minutes(29) + Duration::seconds(30));
        let now = self.clock.now().to_rfc3339();
        self.fake.update_ticket(id, json!({ "resolved": now }));
        self.fake.set_status(id, "Løst");
        self.clock.advance(Duration::seconds(30));
        let r = d.cycle().await.unwrap();
        assert!(
            r.plan
                .issued
                .iter()
                .any(|i| i.key.rule == "incident-resolved"),
            "the resolution was not seen: {:?}",
            r.plan.issued
        );
        number
    }
}

fn attachment(mail: &Value) -> Option<(String, String)> {
    mail["parts"].as_array().unwrap().iter().find_map(|p| {
        let name = p["filename"].as_str()?;
        Some((name.to_string(), p["content"].as_str()?.to_string()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resolved_kritisk_ticket_leaves_one_report_mailed_to_the_report_roles() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    let mut d = w.daemon();
    let number = w.incident(&mut d).await;

    // The file, with the timeline from the daemon's own records.
    let name = format!("hendelse-{number}-2027-03-24.md");
    let path = w.config.daemon.reports_dir.join(&name);
    let md = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("no report at {}: {e}", path.display()));
    for needle in [
        &format!("# Alvorlig hendelse-rapport – sak {number}"),
        "| Tittel | Pasientvarsling nede på Bergmo |",
        "| Kommuner | Molde |",
        "| Startet | onsdag 24. mars 2027 kl. 14:00 |",
        "| Løst | onsdag 24. mars 2027 kl. 15:05 |",
        // 1 h 5 min wall − 20 min pause = 45 min of the 2 h.
        "| Løsning | 2 t | onsdag 24. mars 2027 kl. 16:20 | onsdag 24. mars 2027 kl. 15:05 | 45 min | **overholdt** |",
        "| 2027-03-24 14:00 | Sak opprettet (Kritisk) |",
        "Varsel: incident-open-alert | email | Ingrid Hammervoll | levert |",
        "Varsel: kritisk-municipality | sms |",
        "| 2027-03-24 14:05 | Første respons |",
        "| 2027-03-24 14:15 | Status: Venter - leverandør |",
        "| 2027-03-24 14:15 | SLA-klokkene stoppet (venter) |",
        "| 2027-03-24 14:35 | SLA-klokkene går igjen |",
        "| 2027-03-24 15:05 | Løst |",
        "## Konsekvenser",
        "## Årsak",
        "## Tiltak",
    ] {
        assert!(md.contains(needle), "{needle:?} missing from:\n{md}");
    }

    // The resolved mail: the report attached for Incident Manager and Varslingsansvarlig only.
    let resolved = w.mails_starting("Løst");
    let im = w.role_email("incident_manager");
    let va = w.role_email("varslingsansvarlig");
    let ko = w.role_email("koordineringsansvarlig");
    for who in [&im, &va] {
        let (_, mail) = resolved
            .iter()
            .find(|(to, _)| to.contains(who))
            .unwrap_or_else(|| panic!("no resolved mail to {who}"));
        assert_eq!(
            attachment(mail),
            Some((name.clone(), md.clone())),
            "the report is not attached for {who}"
        );
    }
    let (_, other) = resolved
        .iter()
        .find(|(to, _)| to.contains(&ko))
        .expect("a resolved mail to Koordineringsansvarlig");
    assert_eq!(attachment(other), None);
    let sent = w.smtp.received().len();
    drop(d);

    // Restart (twice over a few cycles): the report is neither written nor mailed again — even
    // with the file gone (an admin moved it to the archive), it does not come back.
    std::fs::remove_file(&path).unwrap();
    for _ in 0..2 {
        let mut d = w.daemon();
        for _ in 0..2 {
            w.clock.advance(Duration::seconds(30));
            let r = d.cycle().await.unwrap();
            assert!(r.plan.incident_reports.is_empty());
            assert!(r.plan.issued.is_empty(), "{:?}", r.plan.issued);
        }
    }
    assert!(
        !path.exists(),
        "the report was written again after a restart"
    );
    assert_eq!(w.smtp.received().len(), sent, "something was mailed again");
    let ids: Vec<String> = w
        .smtp
        .received()
        .iter()
        .map(|m| notify_support::header(m, "Message-ID"))
        .collect();
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_that_cannot_be_written_yet_is_written_after_a_restart_and_mailed_once() {
    let mut w = world("2027-03-24T13:59:00+01:00").await;
    let good = w.config.daemon.reports_dir.clone();
    // reports_dir points below a plain file: every write fails.
    let blocker = w.dir.path().join("blocker");
    std::fs::write(&blocker, b"not a directory").unwrap();
    w.config.daemon.reports_dir = blocker.join("reports");
    let mut d = w.daemon();
    let number = w.incident(&mut d).await;
    let name = format!("hendelse-{number}-2027-03-24.md");
    let owed = d
        .state()
        .incident_reports
        .values()
        .find(|r| r.file == name)
        .expect("the report is recorded");
    assert!(owed.is_owed(), "{owed:?}");
    // The mail went out with the draft all the same.
    let im = w.role_email("incident_manager");
    let resolved = w.mails_starting("Løst");
    let (_, mail) = resolved.iter().find(|(to, _)| to.contains(&im)).unwrap();
    let (file, text) = attachment(mail).expect("attached");
    assert_eq!(file, name);
    let sent = w.smtp.received().len();
    drop(d);

    // Fixed and restarted: the owed file is written from the saved state, nothing re-sent.
    w.config.daemon.reports_dir = good.clone();
    let mut d = w.daemon();
    w.clock.advance(Duration::seconds(30));
    d.cycle().await.unwrap();
    assert_eq!(std::fs::read_to_string(good.join(&name)).unwrap(), text);
    assert!(d.state().incident_reports.values().all(|r| !r.is_owed()));
    assert_eq!(w.smtp.received().len(), sent);
    // The saved state no longer holds the draft's text.
    drop(d);
    // (Read as the state it is: an earlier journal line keeps the draft until the next
    // compaction, like any change.)
    let saved = serde_json::to_string(
        &slavakt::state::read_only(&w.config.daemon.state_file)
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    assert!(saved.contains(&name));
    assert!(!saved.contains("## Tidslinje"));
}
