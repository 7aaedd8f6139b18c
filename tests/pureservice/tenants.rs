//! The whole daemon (in-process, fake clock, real SMTP peer) against the fake Pureservice in
//! each tenant behaviour the sync must survive (`Tenant::ALL`: sort honoured or ignored, the
//! quoted date form refused, no date comparison at all, whole-second stamps), with the shipped
//! `sync = "auto"`: the same notices, in the same cycle, in every one.

use crate::kit::daemon as daemon_support;
use crate::kit::notify as notify_support;

use chrono::Duration;
use daemon_support::{world, World};
use slavakt::app::Daemon;
use slavakt::plan::Reason;
use slavakt::pureservice::fake::{NewTicket, Tenant};
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

    fn mail_recipients(&self) -> Vec<String> {
        self.smtp
            .received()
            .iter()
            .flat_map(|m| m["rcpt_tos"].as_array().cloned().unwrap_or_default())
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }
}

/// One cycle that must have polled successfully; the reasons of what it issued for `ticket`.
async fn cycle(d: &mut Daemon, ticket: u64, tenant: Tenant) -> BTreeSet<Reason> {
    let r = d.cycle().await.unwrap();
    match &r.polled {
        Some(Ok(_)) => {}
        other => panic!("{}: the poll did not succeed: {other:?}", tenant.name()),
    }
    r.plan
        .issued
        .iter()
        .filter(|i| i.key.ticket == ticket)
        .map(|i| i.reason)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_notice_pause_resolution_deletion_and_restart_in_every_tenant_behaviour() {
    for tenant in Tenant::ALL {
        let name = tenant.name();
        // Stamps with milliseconds, as a real tenant's are (whole seconds are a behaviour).
        let w = world("2027-03-24T13:59:00.250+01:00").await;
        w.fake.set_tenant(tenant);
        // A few open tickets already there, so that `auto` can see how the tenant sorts.
        for n in 0..6 {
            w.fake
                .create_ticket(NewTicket {
                    subject: format!("Skriver {n} virker ikke"),
                    priority: Some("Lav".into()),
                    requester: Some(102),
                    ..NewTicket::default()
                })
                .unwrap();
            w.clock.advance(Duration::milliseconds(1_313));
        }
        let mut d = w.daemon();
        cycle(&mut d, 0, tenant).await; // initial load

        // A new Kritisk ticket: the incident manager hears of it in the next cycle.
        w.clock.advance(Duration::milliseconds(60_137));
        let id = w.kritisk("Pasientvarsling nede på Bergmo");
        w.clock.advance(Duration::milliseconds(30_411));
        let first = cycle(&mut d, id, tenant).await;
        assert!(
            !first.is_empty(),
            "{name}: the Kritisk ticket fired nothing"
        );
        assert!(
            w.mail_recipients()
                .contains(&w.role_email("incident_manager")),
            "{name}: no mail to the incident manager"
        );
        let mode = d.state().cursor.mode.clone().unwrap();
        let expected = match tenant {
            Tenant::Faithful | Tenant::IsoRefused => "modified",
            _ => "open-set",
        };
        assert_eq!(mode.mode, expected, "{name}: {}", mode.reason);

        // A pause is seen (the ticket's status follows).
        w.clock.advance(Duration::milliseconds(5_000 + 223));
        w.fake.set_status(id, "Venter - leverandør");
        w.clock.advance(Duration::milliseconds(2_000));
        cycle(&mut d, id, tenant).await;
        assert_eq!(
            d.state().tickets[&id].status,
            "Venter - leverandør",
            "{name}: the pause was not seen"
        );

        // The resolution sends the resolved notices, in the first cycle after it.
        w.clock.advance(Duration::milliseconds(10_000 + 71));
        w.fake.set_status(id, "Løst");
        let before = w.smtp.received().len();
        w.clock.advance(Duration::milliseconds(2_000));
        let resolved = cycle(&mut d, id, tenant).await;
        assert!(
            resolved.contains(&Reason::Resolved),
            "{name}: no resolved notice: {resolved:?}"
        );
        assert!(
            w.smtp.received().len() > before,
            "{name}: the resolved notice was not mailed"
        );

        // A deleted ticket is no longer tracked.
        let other = w.kritisk("Nettverket nede på rådhuset");
        w.clock.advance(Duration::milliseconds(3_000 + 17));
        cycle(&mut d, other, tenant).await;
        assert!(d.state().tickets.contains_key(&other), "{name}");
        w.fake
            .update_ticket(other, serde_json::json!({"isMarkedForDeletion": true}));
        w.clock.advance(Duration::milliseconds(2_000 + 9));
        cycle(&mut d, other, tenant).await;
        assert!(
            !d.state().tickets.contains_key(&other),
            "{name}: the deletion was not seen"
        );

        // A restart re-sends nothing.
        drop(d);
        let sent = w.smtp.received().len();
        let mut d = w.daemon();
        w.clock.advance(Duration::milliseconds(30_000 + 3));
        let r = d.cycle().await.unwrap();
        assert!(r.plan.issued.is_empty(), "{name}: re-sent after restart");
        assert_eq!(w.smtp.received().len(), sent, "{name}");
    }
}

/// A tenant that starts refusing date filters: `auto` switches to the open set in that cycle,
/// the change is not late, the switch is counted in `/metrics` and mailed once to `[alerts] to`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mid_run_switch_is_counted_alerted_once_and_costs_no_notice() {
    let w = world("2027-03-24T13:59:00.250+01:00").await;
    for n in 0..6 {
        w.kritisk(&format!("Gammel sak {n}"));
        w.clock.advance(Duration::milliseconds(1_313));
    }
    let mut d = w.daemon();
    cycle(&mut d, 0, Tenant::Faithful).await;
    assert_eq!(d.state().cursor.mode.as_ref().unwrap().mode, "modified");

    w.fake.set_tenant(Tenant::NoDateFilter);
    w.clock.advance(Duration::milliseconds(60_137));
    let id = w.kritisk("Pasientvarsling nede på Bergmo");
    w.clock.advance(Duration::milliseconds(30_411));
    let first = cycle(&mut d, id, Tenant::NoDateFilter).await;
    assert!(!first.is_empty(), "the Kritisk ticket fired nothing");
    assert_eq!(d.state().cursor.mode.as_ref().unwrap().mode, "open-set");
    let m = d.metrics_text();
    assert!(
        m.contains("slavakt_sync_mode_switches_total{to=\"open-set\"} 1"),
        "{m}"
    );
    assert!(m.contains("slavakt_sync_mode{mode=\"open-set\"} 1"), "{m}");

    let alerts = || {
        w.smtp
            .received()
            .iter()
            .filter(|m| {
                notify_support::header(m, "Subject").contains("Synkroniseringen med Pureservice")
            })
            .count()
    };
    assert_eq!(alerts(), 1, "one mail about the switch");
    w.clock.advance(Duration::milliseconds(30_007));
    cycle(&mut d, id, Tenant::NoDateFilter).await;
    assert_eq!(alerts(), 1, "the switch is mailed once");
}

/// `probe` tells the tenant behaviours apart, and says when the config must change (exit 1)
/// or the tenant cannot be reached (exit 2).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probe_tells_each_tenant_behaviour_apart() {
    use slavakt::cli::probe::probe;
    for tenant in Tenant::ALL {
        let name = tenant.name();
        let w = world("2027-03-24T13:59:00.250+01:00").await;
        w.fake.set_tenant(tenant);
        for n in 0..6 {
            w.kritisk(&format!("Sak {n}"));
            w.clock.advance(Duration::milliseconds(1_313));
        }
        let before = w.fake.request_count();
        let p = probe(&w.config, w.clock.now_for_test()).await;
        assert!(
            w.fake.requests()[before..]
                .iter()
                .all(|r| r.method == "GET"),
            "{name}: probe wrote"
        );
        assert!(p.reachable, "{name}");
        assert_eq!(p.open_tickets, Some(6), "{name}");
        let (date, sort, sync) = match tenant {
            Tenant::Faithful | Tenant::IsoRefused => {
                (Some("datetimeoffset"), Some(true), "modified")
            }
            Tenant::SortIgnored => (Some("datetimeoffset"), Some(false), "open-set"),
            Tenant::WholeSeconds => (Some("datetimeoffset"), Some(true), "open-set"),
            Tenant::NoDateFilter => (None, Some(true), "open-set"),
        };
        assert_eq!(p.date_filter, date, "{name}");
        assert_eq!(p.sort_honoured, sort, "{name}");
        assert_eq!(
            p.whole_seconds,
            Some(tenant == Tenant::WholeSeconds),
            "{name}"
        );
        assert_eq!(p.sync, Some(sync), "{name}");
        assert_eq!(p.exit_code(), 0, "{name}: {:?}", p.problems);

        let mut wrong = w.config.clone();
        wrong.pureservice.api_key = slavakt::secret::Secret::new("feil-nokkel");
        let p = probe(&wrong, w.clock.now_for_test()).await;
        assert_eq!(p.exit_code(), 1, "{name}: {p:?}");
        assert!(p.problems[0].contains("refused"), "{:?}", p.problems);
    }
    let w = world("2027-03-24T13:59:00.250+01:00").await;
    let mut gone = w.config.clone();
    gone.pureservice.base_url = "http://127.0.0.1:9/".parse().unwrap();
    let p = probe(&gone, w.clock.now_for_test()).await;
    assert!(!p.reachable);
    assert_eq!(p.exit_code(), 2, "{p:?}");
}

trait NowForTest {
    fn now_for_test(&self) -> chrono::DateTime<chrono::Utc>;
}

impl NowForTest for slavakt::clock::FakeClock {
    fn now_for_test(&self) -> chrono::DateTime<chrono::Utc> {
        slavakt::clock::Clock::now(self)
    }
}
