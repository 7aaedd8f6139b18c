//! The incremental sync and the mapping, against the fake Pureservice.

use chrono::{DateTime, Duration, Utc};
use slavakt::clock::FakeClock;
use slavakt::config::{Contact, FieldSource, Municipality, PureserviceConfig, Service};
use slavakt::pureservice::client::{Client, ClientOptions};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, Fault, NewTicket, API_USER_ID};
use slavakt::pureservice::mapping::MapSettings;
use slavakt::pureservice::retry::RetryPolicy;
use slavakt::pureservice::{SyncOutcome, Syncer};
use slavakt::state::SyncCursor;
use slavakt::ticket::CoreStatus;
use std::collections::BTreeMap;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    "2026-11-02T08:00:00Z".parse().unwrap()
}

async fn fake() -> (FakePureservice, FakeClock) {
    let clock = FakeClock::new(t0());
    let f = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .unwrap();
    (f, clock)
}

fn municipality(name: &str) -> Municipality {
    Municipality {
        name: name.into(),
        teams: None,
        companies: vec![format!("{name} kommune")],
        contacts: vec![Contact {
            name: format!("Kontakt {name}"),
            title: None,
            email: Some(format!("kontakt@{}.example", name.to_lowercase())),
            phone: Some("+4790000100".into()),
            critical: true,
        }],
    }
}

fn settings(ps: PureserviceConfig) -> MapSettings {
    MapSettings {
        pureservice: ps,
        municipalities: ["Aukra", "Molde", "Rauma", "Vestnes", "Hustadvika"]
            .map(municipality)
            .to_vec(),
        services: vec![
            Service {
                name: "Sensio Pasientvarsling".into(),
                teams: None,
                categories: vec!["Pasientvarsling".into()],
                life_and_health: true,
                administrator: None,
                vendor: None,
            },
            Service {
                name: "Nettverk".into(),
                teams: None,
                categories: vec!["Nettverk".into(), "Infrastruktur".into()],
                life_and_health: false,
                administrator: None,
                vendor: None,
            },
        ],
    }
}

fn ps_config(f: &FakePureservice) -> PureserviceConfig {
    let mut ps = f.config();
    ps.own_user_id = Some(API_USER_ID);
    ps.priorities = [
        ("Kritisk", "kritisk"),
        ("Høy", "hoy"),
        ("Middels", "middels"),
        ("Lav", "lav"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    ps.unset_priorities = vec!["Ikke satt".into()];
    // These tests pin the modified window; the tenant behaviours and `auto` have their own.
    ps.sync = slavakt::config::SyncSetting::Modified;
    ps
}

fn fast() -> ClientOptions {
    ClientOptions {
        retry: RetryPolicy {
            max_attempts: 4,
            initial: std::time::Duration::from_millis(5),
            max_backoff: std::time::Duration::from_millis(20),
            max_retry_after: std::time::Duration::from_secs(2),
        },
        ..ClientOptions::default()
    }
}

fn syncer(_f: &FakePureservice, ps: PureserviceConfig) -> Syncer {
    let client = Client::with_options(&ps, fast()).unwrap();
    Syncer::from_settings(client, settings(ps))
}

fn ticket(i: u64) -> NewTicket {
    NewTicket {
        subject: format!("Sak {i}"),
        requester: Some(101 + i % 5),
        assignee: [None, Some(201), Some(202), Some(203)][(i % 4) as usize],
        priority: Some(["Kritisk", "Høy", "Middels", "Lav"][(i % 4) as usize].into()),
        categories: vec!["Infrastruktur".into(), "Nettverk".into()],
        ..Default::default()
    }
}

/// Creates `n` open tickets with distinct, increasing `modified` times before `t0`.
fn populate(f: &FakePureservice, n: u64) -> Vec<u64> {
    (0..n)
        .map(|i| {
            let at = t0() - Duration::seconds((n - i) as i64);
            f.create_ticket(NewTicket {
                created: Some(at),
                ..ticket(i)
            })
            .unwrap()
        })
        .collect()
}

fn ids(o: &SyncOutcome) -> Vec<u64> {
    let mut v: Vec<u64> = o.changed.iter().map(|s| s.id).collect();
    v.sort();
    v
}

#[tokio::test]
async fn ten_thousand_open_tickets_initial_load_then_one_request_per_cycle() {
    let (f, clock) = fake().await;
    let all = populate(&f, 10_000);
    let mut s = syncer(&f, ps_config(&f));

    let first = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    assert!(first.initial);
    assert_eq!(first.changed.len(), 10_000);
    assert_eq!(ids(&first), all);
    assert!(
        f.request_count() <= 25,
        "initial load took {} requests",
        f.request_count()
    );
    assert_eq!(first.requests as usize, f.request_count());
    assert_eq!(first.cursor.modified, Some(t0() - Duration::seconds(1)));

    clock.advance(Duration::minutes(1));
    for id in [17, 4242, 9999] {
        f.set_status(id, "Under arbeid");
    }
    f.clear_log();
    let second = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(f.request_count(), 1, "{:#?}", f.requests());
    assert!(!second.initial);
    assert_eq!(ids(&second), vec![17, 4242, 9999]);
    assert!(second.changed.iter().all(|t| t.status == "Under arbeid"));
    let q = &f.requests()[0];
    assert_eq!(q.params["sort"], "modified asc, id asc");
    assert!(
        q.params["filter"].starts_with("modified >= DateTimeOffset(2026, 11, 2, 7, 57, 59, 0"),
        "{q:?}"
    );

    // Nothing changed: still one request, and the overlap's re-reads are not news.
    f.clear_log();
    let third = s.cycle(&second.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(f.request_count(), 1);
    assert!(third.changed.is_empty(), "{:?}", ids(&third));
    assert_eq!(third.cursor.modified, second.cursor.modified);
}

trait NowForTest {
    fn now_for_test(&self) -> DateTime<Utc>;
}

impl NowForTest for FakeClock {
    fn now_for_test(&self) -> DateTime<Utc> {
        slavakt::clock::Clock::now(self)
    }
}

#[tokio::test]
async fn a_ticket_modified_between_page_fetches_is_neither_lost_nor_doubled() {
    let (f, clock) = fake().await;
    let all = populate(&f, 1_200);
    let mut ps = ps_config(&f);
    ps.page_size = 500;
    let mut s = syncer(&f, ps);
    // After the first ticket page, an agent edits ticket 3 (already read) and closes ticket 4
    // (already read, leaves the open set): with start/limit paging, the tickets at the page
    // boundaries would shift and one would be skipped.
    f.after_request("/ticket/", 1, |store, now| {
        let closed = store.id_by_name("status", "Lukket").unwrap();
        for (id, status) in [(3u64, None), (4u64, Some(closed))] {
            let t = store.table_mut("ticket").get_mut(&id).unwrap();
            t.insert(
                "modified".into(),
                slavakt::pureservice::time::format_timestamp(now).into(),
            );
            t.insert("subject".into(), "Endret under lesing".into());
            if let Some(st) = status {
                t.insert("statusId".into(), st.into());
            }
        }
    });
    let first = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    assert_eq!(first.changed.len(), 1_200, "each ticket exactly once");
    assert_eq!(ids(&first), all);
    let t3 = first.changed.iter().find(|t| t.id == 3).unwrap();
    assert_eq!(
        t3.subject, "Endret under lesing",
        "the newest version is reported"
    );

    // The closed one is caught by the next cycle (modified >= cursor − overlap).
    let second = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
    let t4: Vec<_> = second.changed.iter().filter(|t| t.id == 4).collect();
    assert_eq!(t4.len(), 1);
    assert_eq!(t4[0].core, CoreStatus::Closed);
    assert!(
        second.changed.iter().all(|t| t.id == 4),
        "{:?}",
        ids(&second)
    );

    // Incremental cycle over two pages with a change in between.
    clock.advance(Duration::minutes(5));
    for id in 100..700 {
        f.update_ticket(id, serde_json::json!({"subject": format!("Runde 2 {id}")}));
    }
    clock.advance(Duration::seconds(1));
    f.after_request("/ticket/", 1, |store, now| {
        let t = store.table_mut("ticket").get_mut(&150).unwrap();
        t.insert(
            "modified".into(),
            slavakt::pureservice::time::format_timestamp(now).into(),
        );
        t.insert("subject".into(), "Endret igjen".into());
    });
    f.clear_log();
    let third = s.cycle(&second.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(ids(&third), (100..700).collect::<Vec<_>>());
    assert_eq!(
        third.changed.iter().find(|t| t.id == 150).unwrap().subject,
        "Endret igjen"
    );
    assert_eq!(f.request_count(), 2);
}

#[tokio::test]
async fn a_malformed_page_fails_the_cycle_and_nothing_is_lost() {
    let (f, clock) = fake().await;
    populate(&f, 30);
    let mut ps = ps_config(&f);
    ps.page_size = 10;
    let mut s = syncer(&f, ps);
    let first = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    clock.advance(Duration::minutes(3));
    for id in 1..=25 {
        f.update_ticket(id, serde_json::json!({"subject": "ny"}));
    }
    // The second ticket page is cut off.
    f.inject_after(1, Fault::Malformed, 1, Some("/ticket/"));
    let err = s.cycle(&first.cursor, clock.now_for_test()).await;
    let err = match err {
        Ok(_) => panic!("cycle succeeded: {:#?}", f.requests()),
        Err(e) => e,
    };
    assert!(
        matches!(err, slavakt::pureservice::PsError::Malformed { .. }),
        "{err}"
    );
    // A garbage timestamp is just as fatal.
    f.with_store(|st| {
        st.table_mut("ticket")
            .get_mut(&7)
            .unwrap()
            .insert("responded".into(), "tomorrow-ish".into());
    });
    let err = s
        .cycle(&first.cursor, clock.now_for_test())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unreadable timestamp"), "{err}");
    f.update_ticket(7, serde_json::json!({"responded": null}));
    // With the old cursor kept, the next good cycle delivers every change.
    let ok = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(ids(&ok), (1..=25).collect::<Vec<_>>());
}

#[tokio::test]
async fn server_errors_and_429_inside_a_cycle_are_retried() {
    let (f, clock) = fake().await;
    populate(&f, 5);
    let mut s = syncer(&f, ps_config(&f));
    f.inject(Fault::Status(502), 2, Some("/ticket/"));
    f.inject(
        Fault::TooManyRequests(1, slavakt::pureservice::fake::RetryAfterForm::HttpDate),
        1,
        Some("/status/"),
    );
    let out = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    assert_eq!(out.changed.len(), 5);
    let statuses: Vec<u16> = f.requests().iter().map(|r| r.status).collect();
    assert!(
        statuses.contains(&502) && statuses.contains(&429),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn mapping_municipality_service_assignee_change_and_odd_timestamps() {
    let (f, clock) = fake().await;
    let mut ps = ps_config(&f);
    ps.fields.planned_start = Some("cf_1".into());
    ps.fields.planned_end = Some("cf_2".into());
    ps.fields.consequence = Some("cf_3".into());
    let mut s = syncer(&f, ps.clone());
    let mut custom = BTreeMap::new();
    custom.insert("cf_1".to_string(), serde_json::json!("2026-11-10T06:00:00"));
    custom.insert(
        "cf_2".to_string(),
        serde_json::json!("2026-11-10T08:00:00+01:00"),
    );
    custom.insert(
        "cf_3".to_string(),
        serde_json::json!("<p>Ingen pasientvarsling p&aring; Bergmo</p>"),
    );
    let change = f
        .create_ticket(NewTicket {
            subject: "Oppgradering Sensio".into(),
            description: "<p>Planlagt <b>nedetid</b></p>".into(),
            requester: Some(102),
            assignee: Some(201),
            priority: Some("Kritisk".into()),
            categories: vec!["Helse og omsorg".into(), "Pasientvarsling".into()],
            request_type: Some(2),
            custom,
            ..Default::default()
        })
        .unwrap();
    let landline = f
        .create_ticket(NewTicket {
            subject: "Skriver".into(),
            requester: Some(105),
            assignee: Some(203),
            priority: Some("Ikke satt".into()),
            ..Default::default()
        })
        .unwrap();
    f.set_odd_timestamps(true);
    let out = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    let c = out.changed.iter().find(|t| t.id == change).unwrap();
    assert_eq!(c.municipalities, vec!["Molde".to_string()]);
    assert_eq!(c.company.as_deref(), Some("Molde kommune"));
    assert_eq!(c.service.as_deref(), Some("Sensio Pasientvarsling"));
    assert_eq!(c.category.as_deref(), Some("Pasientvarsling"));
    assert_eq!(c.priority.as_deref(), Some("Kritisk"));
    assert_eq!(c.status, "Ny");
    assert_eq!(c.core, CoreStatus::Open);
    assert_eq!(c.description, "Planlagt nedetid");
    assert_eq!(
        c.created,
        t0(),
        "odd timestamp forms read as the same instant"
    );
    assert_eq!(c.modified, t0());
    assert_eq!(c.number, 1000 + change);
    let a = c.assignee.as_ref().unwrap();
    assert_eq!(a.name, "Ola Driftsen");
    assert_eq!(a.email.as_deref(), Some("ola.driftsen@ror-ikt.example"));
    assert_eq!(a.phone.as_deref(), Some("+4790000201"));
    let plan = c.change.as_ref().unwrap();
    assert_eq!(
        plan.planned_start,
        Some("2026-11-10T06:00:00Z".parse().unwrap())
    );
    assert_eq!(
        plan.planned_end,
        Some("2026-11-10T07:00:00Z".parse().unwrap())
    );
    assert_eq!(c.fields["consequence"], "Ingen pasientvarsling på Bergmo");
    assert!(!c.modified_by_us);

    let l = out.changed.iter().find(|t| t.id == landline).unwrap();
    assert_eq!(l.municipalities, vec!["Hustadvika".to_string()]);
    assert_eq!(l.priority, None, "an unset priority name means no priority");
    assert_eq!(
        l.assignee.as_ref().unwrap().phone,
        None,
        "a landline is not a mobile"
    );
    assert_eq!(l.service, None);
    assert!(l.change.is_none());

    // Municipality and service from custom fields instead.
    let mut ps2 = ps.clone();
    ps2.municipality_from = vec![
        FieldSource::CustomField("cf_9".into()),
        FieldSource::RequesterCompany,
    ];
    ps2.service_from = vec![FieldSource::CustomField("cf_8".into())];
    s.set_settings(settings(ps2));
    clock.advance(Duration::minutes(1));
    f.update_ticket(
        landline,
        serde_json::json!({"cf_9": "Aukra; Rauma kommune", "cf_8": "nettverk"}),
    );
    let out = s.cycle(&out.cursor, clock.now_for_test()).await.unwrap();
    let l = &out.changed[0];
    assert_eq!(
        l.municipalities,
        vec!["Aukra".to_string(), "Rauma".to_string()]
    );
    assert_eq!(l.service.as_deref(), Some("Nettverk"));
}

#[tokio::test]
async fn status_changes_deletions_own_notes_and_new_reference_data() {
    let (f, clock) = fake().await;
    populate(&f, 4);
    let mut s = syncer(&f, ps_config(&f));
    let first = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();

    clock.advance(Duration::minutes(1));
    f.set_status(1, "Løst");
    f.set_status(2, "Lukket");
    f.update_ticket(3, serde_json::json!({"isMarkedForDeletion": true}));
    s.client()
        .post_note(4, "Varsel sendt", "<p>SMS til vakthavende</p>")
        .await
        .unwrap();
    let out = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(out.removed, vec![3]);
    assert_eq!(ids(&out), vec![1, 2, 4]);
    let by = |id| out.changed.iter().find(|t| t.id == id).unwrap();
    assert_eq!(by(1).core, CoreStatus::Solved);
    assert_eq!(by(2).core, CoreStatus::Closed);
    assert!(!by(1).modified_by_us);
    assert!(
        by(4).modified_by_us,
        "our own note is not an agent's update"
    );

    // Our own write is recognised without own_user_id too (by its server time).
    let mut ps = ps_config(&f);
    ps.own_user_id = None;
    let mut anon = syncer(&f, ps);
    let base = anon
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    clock.advance(Duration::minutes(1));
    anon.client().post_note(1, "x", "<p>y</p>").await.unwrap();
    let out = anon
        .cycle(&base.cursor, clock.now_for_test())
        .await
        .unwrap();
    assert!(
        out.changed
            .iter()
            .find(|t| t.id == 1)
            .unwrap()
            .modified_by_us
    );

    // A status created after the cache was filled is fetched when first seen.
    f.with_store(|st| {
        st.insert(
            "status",
            7,
            serde_json::json!({"name": "Venter - leverandør 2", "coreStatus": 32})
                .as_object()
                .unwrap()
                .clone(),
        )
    });
    clock.advance(Duration::minutes(1));
    f.update_ticket(4, serde_json::json!({"statusId": 7}));
    f.clear_log();
    let out2 = s.cycle(&out.cursor, clock.now_for_test()).await;
    let out2 = out2.unwrap();
    assert_eq!(
        out2.changed.iter().find(|t| t.id == 4).unwrap().status,
        "Venter - leverandør 2"
    );
}

#[tokio::test]
async fn iso_string_date_literal_and_the_api_prefix_switch() {
    let clock = FakeClock::new(t0());
    let mut opts = FakeOptions::new(Arc::new(clock.clone()));
    opts.prefix = "/api".into();
    let f = FakePureservice::start(opts).await.unwrap();
    populate(&f, 3);
    let mut ps = ps_config(&f);
    ps.date_literal = slavakt::config::DateLiteral::IsoString;
    ps.auth = slavakt::config::AuthMode::Bearer;
    let mut s = syncer(&f, ps);
    let first = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    clock.advance(Duration::minutes(1));
    f.set_status(2, "Under arbeid");
    let out = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(ids(&out), vec![2]);
    let last = f.requests().last().unwrap().clone();
    assert!(
        last.params["filter"].starts_with("modified >= \"2026-11-02T07:57:59.000Z\""),
        "{last:?}"
    );
    assert_eq!(last.auth, "bearer");
}

#[tokio::test]
async fn cursor_follows_server_time_and_the_overlap_catches_late_commits() {
    let (f, clock) = fake().await;
    populate(&f, 3);
    let mut s = syncer(&f, ps_config(&f));
    // The host believes it is a day later than Pureservice: irrelevant for the cursor.
    let host_now = t0() + Duration::days(1);
    let first = s.cycle(&SyncCursor::default(), host_now).await.unwrap();
    assert_eq!(first.cursor.modified, Some(t0() - Duration::seconds(1)));
    // A change committed late: stamped 30 s before the cursor, visible only now.
    clock.set(t0() - Duration::seconds(31));
    let late = f.create_ticket(ticket(99)).unwrap();
    let out = s.cycle(&first.cursor, host_now).await.unwrap();
    assert_eq!(ids(&out), vec![late]);
    assert_eq!(
        out.cursor.modified, first.cursor.modified,
        "cursor never goes back"
    );
}

#[tokio::test]
async fn no_open_tickets_starts_the_cursor_at_the_newest_change() {
    let (f, clock) = fake().await;
    let id = f.create_ticket(ticket(1)).unwrap();
    clock.advance(Duration::minutes(10));
    f.set_status(id, "Lukket");
    let mut s = syncer(&f, ps_config(&f));
    let first = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    assert!(first.changed.is_empty());
    assert_eq!(first.cursor.modified, Some(t0() + Duration::minutes(10)));
    clock.advance(Duration::minutes(10));
    let new = f.create_ticket(ticket(2)).unwrap();
    let out = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(
        ids(&out),
        vec![new],
        "the closed ticket is not re-read as news"
    );
}

/// A `tracing` writer that keeps everything for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn unknown_priorities_and_statuses_are_logged_once_and_get_the_documented_default() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (f, clock) = fake().await;
    // A priority the tenant added that [pureservice.priorities] does not map.
    f.with_store(|st| {
        st.insert(
            "priority",
            90,
            serde_json::json!({"name": "Haster"})
                .as_object()
                .unwrap()
                .clone(),
        )
    });
    let unmapped = f
        .create_ticket(NewTicket {
            priority: Some("Haster".into()),
            ..ticket(1)
        })
        .unwrap();
    let no_status = f.create_ticket(ticket(2)).unwrap();
    let no_priority = f.create_ticket(ticket(3)).unwrap();
    let mut s = syncer(&f, ps_config(&f));
    let mut cursor = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap()
        .cursor;

    // Ids that do not exist in /status/ and /priority/ (deleted reference data), twice.
    for round in 0..2 {
        clock.advance(Duration::minutes(1));
        f.update_ticket(
            no_status,
            serde_json::json!({"statusId": 77, "subject": format!("runde {round}")}),
        );
        f.update_ticket(
            no_priority,
            serde_json::json!({"priorityId": 88, "subject": format!("runde {round}")}),
        );
        f.update_ticket(
            unmapped,
            serde_json::json!({"subject": format!("runde {round}")}),
        );
        let out = s.cycle(&cursor, clock.now_for_test()).await.unwrap();
        let by = |id| out.changed.iter().find(|t| t.id == id).unwrap();
        assert_eq!(by(unmapped).priority.as_deref(), Some("Haster"));
        assert_eq!(by(no_status).status, "");
        assert_eq!(by(no_status).core, CoreStatus::Open, "treated as open");
        assert_eq!(by(no_priority).priority, None, "no SLA level");
        cursor = out.cursor;
    }

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).to_string();
    let count = |needle: &str| logs.lines().filter(|l| l.contains(needle)).count();
    assert_eq!(
        count("priority \"Haster\" is not mapped"),
        1,
        "logged once:\n{logs}"
    );
    assert_eq!(count("status id 77 is unknown"), 1, "{logs}");
    assert_eq!(count("priority id 88 is unknown"), 1, "{logs}");
    assert!(logs.lines().all(|l| l.contains("WARN")), "{logs}");
}

/// `n` open tickets whose `modified` stamps carry milliseconds, as a real tenant's do.
fn populate_ms(f: &FakePureservice, n: u64) -> Vec<u64> {
    (0..n)
        .map(|i| {
            let at = t0() - Duration::milliseconds(((n - i) * 1_37) as i64);
            f.create_ticket(NewTicket {
                created: Some(at),
                ..ticket(i)
            })
            .unwrap()
        })
        .collect()
}

/// Every tenant behaviour, `sync = "auto"`: no cycle fails, and a new ticket, a pause, a
/// resolution and a deletion are all seen in the first cycle after they happen.
#[tokio::test]
async fn every_tenant_behaviour_gives_the_same_changes_under_auto() {
    use slavakt::pureservice::fake::Tenant;
    for tenant in Tenant::ALL {
        let clock = FakeClock::new(t0() + Duration::milliseconds(250));
        let mut opts = FakeOptions::new(Arc::new(clock.clone()));
        opts.tenant = tenant;
        let f = FakePureservice::start(opts).await.unwrap();
        let all = populate_ms(&f, 300);
        let mut ps = ps_config(&f);
        ps.sync = slavakt::config::SyncSetting::Auto;
        // The quoted form first, so that the tenant refusing it is met.
        ps.date_literal = slavakt::config::DateLiteral::IsoString;
        let mut s = syncer(&f, ps);
        let name = tenant.name();

        let first = s
            .cycle(&SyncCursor::default(), clock.now_for_test())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(ids(&first), all, "{name}");
        let expected = match tenant {
            Tenant::Faithful | Tenant::IsoRefused => "modified",
            _ => "open-set",
        };
        assert_eq!(first.mode.name(), expected, "{name}");
        assert_eq!(first.cursor.mode.as_ref().unwrap().mode, expected, "{name}");

        clock.advance(Duration::milliseconds(1_300));
        let new = f
            .create_ticket(NewTicket {
                subject: "Pasientvarsling nede".into(),
                priority: Some("Kritisk".into()),
                ..ticket(1)
            })
            .unwrap();
        clock.advance(Duration::milliseconds(120));
        f.set_status(all[5], "Løst");
        f.set_status(all[11], "Venter - sluttbruker");
        f.update_ticket(all[7], serde_json::json!({"isMarkedForDeletion": true}));
        clock.advance(Duration::milliseconds(700));
        let second = s
            .cycle(&first.cursor, clock.now_for_test())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut want = vec![all[5], all[11], new];
        want.sort();
        assert_eq!(ids(&second), want, "{name}");
        let core = |id| second.changed.iter().find(|t| t.id == id).unwrap().core;
        assert_eq!(core(all[5]), CoreStatus::Solved, "{name}");
        assert_eq!(core(all[11]), CoreStatus::Open, "{name}");
        let paused = second.changed.iter().find(|t| t.id == all[11]).unwrap();
        assert_eq!(paused.status, "Venter - sluttbruker", "{name}");
        assert_eq!(core(new), CoreStatus::Open, "{name}");
        assert_eq!(second.removed, vec![all[7]], "{name}");

        // Nothing changed: nothing is news.
        clock.advance(Duration::milliseconds(1_100));
        let third = s
            .cycle(&second.cursor, clock.now_for_test())
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(third.changed.is_empty(), "{name}: {:?}", ids(&third));
        assert!(third.removed.is_empty(), "{name}");
        assert!(third.switches.is_empty(), "{name}");
    }
}

/// A tenant that starts refusing date filters mid-run: `auto` switches to the open set in the
/// same cycle (the switch is reported once) and the change is not late.
#[tokio::test]
async fn auto_switches_to_the_open_set_when_the_filter_is_refused_mid_run() {
    use slavakt::pureservice::fake::Tenant;
    let clock = FakeClock::new(t0() + Duration::milliseconds(250));
    let f = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .unwrap();
    let all = populate_ms(&f, 20);
    let mut ps = ps_config(&f);
    ps.sync = slavakt::config::SyncSetting::Auto;
    let mut s = syncer(&f, ps);
    let first = s
        .cycle(&SyncCursor::default(), clock.now_for_test())
        .await
        .unwrap();
    assert_eq!(first.mode.name(), "modified");

    f.set_tenant(Tenant::NoDateFilter);
    clock.advance(Duration::milliseconds(1_500));
    f.set_status(all[3], "Løst");
    let second = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
    assert_eq!(ids(&second), vec![all[3]]);
    assert_eq!(second.mode.name(), "open-set");
    assert_eq!(second.switches.len(), 1, "{:?}", second.switches);
    let sw = &second.switches[0];
    assert_eq!((sw.from.as_str(), sw.to.as_str()), ("modified", "open-set"));
    assert!(sw.reason.contains("refused"), "{}", sw.reason);
    let record = second.cursor.mode.as_ref().unwrap();
    assert_eq!((record.mode.as_str(), record.switches), ("open-set", 1));

    let third = s.cycle(&second.cursor, clock.now_for_test()).await.unwrap();
    assert!(third.switches.is_empty() && third.changed.is_empty());
}

/// `sync = "modified"` on a tenant that ignores `sort`: pages are sorted on the client and the
/// cycle still succeeds; `sync = "open-set"` needs neither sort nor date filter.
#[tokio::test]
async fn fixed_modes_never_fail_a_cycle_for_page_order() {
    use slavakt::pureservice::fake::Tenant;
    for (setting, tenant) in [
        (slavakt::config::SyncSetting::Modified, Tenant::SortIgnored),
        (slavakt::config::SyncSetting::OpenSet, Tenant::NoDateFilter),
    ] {
        let clock = FakeClock::new(t0() + Duration::milliseconds(250));
        let mut opts = FakeOptions::new(Arc::new(clock.clone()));
        opts.tenant = tenant;
        let f = FakePureservice::start(opts).await.unwrap();
        let all = populate_ms(&f, 120);
        let mut ps = ps_config(&f);
        ps.sync = setting;
        ps.page_size = 50;
        let mut s = syncer(&f, ps);
        let first = s
            .cycle(&SyncCursor::default(), clock.now_for_test())
            .await
            .unwrap();
        assert_eq!(ids(&first), all, "{setting:?}");
        clock.advance(Duration::milliseconds(1_200));
        f.set_status(all[60], "Løst");
        let second = s.cycle(&first.cursor, clock.now_for_test()).await.unwrap();
        assert_eq!(ids(&second), vec![all[60]], "{setting:?}");
        assert!(second.switches.is_empty(), "{setting:?}");
    }
}
