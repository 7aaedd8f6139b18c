//! End to end on the Pureservice side: the shipped config (pointed at the fake by environment
//! overrides), the client, the sync, the mapping and the tracker, with an agent working the
//! ticket and slavakt's own note in between.

use chrono::{DateTime, Duration, Utc};
use slavakt::clock::{Clock, FakeClock};
use slavakt::notify::pureservice_note::PureserviceNoteNotifier;
use slavakt::notify::{Delivery, Message, Notifier, Thread};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket};
use slavakt::pureservice::{Client, Syncer};
use slavakt::state::SyncCursor;
use slavakt::ticket::CoreStatus;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    // A Tuesday morning inside kundeservice hours.
    "2026-11-03T08:30:00Z".parse().unwrap()
}

#[tokio::test]
async fn shipped_config_against_the_fake() {
    let clock = FakeClock::new(t0());
    let fake = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .unwrap();
    let mut env = BTreeMap::new();
    env.insert(
        "SLAVAKT_PURESERVICE__BASE_URL".to_string(),
        fake.base_url().to_string(),
    );
    env.insert(
        "SLAVAKT_PURESERVICE__API_KEY".to_string(),
        fake.api_key().expose().to_string(),
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    let config = slavakt::config::load_with_env(&path, &env).unwrap_or_else(|e| panic!("{e}"));

    let incident = fake
        .create_ticket(NewTicket {
            subject: "Pasientvarsling nede på Bergmo".into(),
            description: "<p>Ingen alarmer kommer fram</p>".into(),
            priority: Some("Kritisk".into()),
            requester: Some(102),
            assignee: Some(202),
            categories: vec!["Helse og omsorg".into(), "Pasientvarsling".into()],
            ..Default::default()
        })
        .unwrap();

    let client = Client::new(&config.pureservice).unwrap();
    let mut sync = Syncer::new(client.clone(), &config);
    let out = sync
        .cycle(&SyncCursor::default(), clock.now())
        .await
        .unwrap();
    assert_eq!(out.changed.len(), 1);
    let snap = &out.changed[0];
    assert_eq!(snap.municipalities, vec!["Molde".to_string()]);
    assert_eq!(snap.service.as_deref(), Some("Sensio Pasientvarsling"));
    assert_eq!(
        snap.assignee.as_ref().unwrap().phone.as_deref(),
        Some("+4790000202")
    );
    let (tracked, _) = slavakt::tracker::observe(None, snap, &config, clock.now());
    assert_eq!(tracked.level(), Some("kritisk"));

    // slavakt notes what it sent; an agent then sets the ticket waiting on the vendor.
    clock.advance(Duration::minutes(5));
    let note = PureserviceNoteNotifier::new(client.clone());
    note.send(&Delivery {
        key: format!("{incident}/opened/0/pureservice_note/ticket"),
        ticket: incident,
        recipient: slavakt::plan::Recipient {
            name: "Saken".into(),
            address: "ticket".into(),
        },
        message: Message {
            subject: "Varsling sendt".into(),
            text: "Vakthavende varslet".into(),
            html: "<p>Vakthavende varslet</p>".into(),
            short: "Varslet".into(),
            important: true,
            level: "kritisk".into(),
            attachments: Vec::new(),
        },
        thread: Thread::default(),
    })
    .await
    .unwrap();
    let out2 = sync.cycle(&out.cursor, clock.now()).await.unwrap();
    assert_eq!(out2.changed.len(), 1);
    assert!(
        out2.changed[0].modified_by_us,
        "our note is not an agent update"
    );

    clock.advance(Duration::minutes(10));
    fake.set_status(incident, "Venter - leverandør");
    let out3 = sync.cycle(&out2.cursor, clock.now()).await.unwrap();
    let snap3 = &out3.changed[0];
    assert!(!snap3.modified_by_us);
    assert_eq!(snap3.core, CoreStatus::Open);
    let (tracked3, _) = slavakt::tracker::observe(Some(&tracked), snap3, &config, clock.now());
    assert!(
        tracked3.is_paused(),
        "Venter - leverandør pauses the clocks"
    );

    clock.advance(Duration::minutes(30));
    fake.set_status(incident, "Løst");
    let out4 = sync.cycle(&out3.cursor, clock.now()).await.unwrap();
    assert_eq!(out4.changed[0].core, CoreStatus::Solved);
    // Steady state: one request per cycle.
    fake.clear_log();
    let idle = sync.cycle(&out4.cursor, clock.now()).await.unwrap();
    assert!(idle.changed.is_empty());
    assert_eq!(fake.request_count(), 1);
}
