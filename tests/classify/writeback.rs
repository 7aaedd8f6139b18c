//! End to end against the fake Pureservice: a new unprioritised patient-alarm ticket is read by
//! the real sync, classified Kritisk in `set` mode, its priority PATCHed (seen by the fake), its
//! internal note rendered and posted, and the next sync sees the written priority without any
//! level change or new classification.

use crate::kit::classify as classify_support;

use chrono::{DateTime, Duration, Utc};
use classify_support::{config, set_mode};
use slavakt::classify::{self, writeback, Applied};
use slavakt::clock::{Clock, FakeClock};
use slavakt::ledger::Ledger;
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, NewTicket, API_USER_ID};
use slavakt::pureservice::{Client, Syncer};
use slavakt::state::SyncCursor;
use std::collections::BTreeMap;
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    "2027-03-24T14:25:00Z".parse().unwrap() // 15:25 in Oslo
}

#[tokio::test]
async fn set_mode_patches_the_priority_and_posts_the_note() {
    let clock = FakeClock::new(t0());
    let fake = FakePureservice::start(FakeOptions::new(Arc::new(clock.clone())))
        .await
        .unwrap();
    let mut cfg = set_mode(config());
    let mut ps = fake.config();
    ps.own_user_id = Some(API_USER_ID);
    ps.priorities = cfg.pureservice.priorities.clone();
    ps.unset_priorities = cfg.pureservice.unset_priorities.clone();
    cfg.pureservice = ps;

    let id = fake
        .create_ticket(NewTicket {
            subject: "Pasientvarsling nede på Bergmo".into(),
            description: "<p>Ingen alarmer n&aring;r fram til vaktrommet</p>".into(),
            requester: Some(102),
            categories: vec!["Helse og omsorg".into(), "Pasientvarsling".into()],
            ..Default::default()
        })
        .unwrap();

    let client = Client::new(&cfg.pureservice).unwrap();
    let mut sync = Syncer::new(client.clone(), &cfg);
    let first = sync
        .cycle(&SyncCursor::default(), clock.now())
        .await
        .unwrap();
    let snap = first
        .changed
        .iter()
        .find(|s| s.id == id)
        .expect("ticket synced");
    assert_eq!(snap.priority, None);
    assert_eq!(snap.service.as_deref(), Some("Sensio Pasientvarsling"));

    let now = clock.now();
    let (t, _, applied) = classify::observe(None, snap, &cfg, now);
    let Some(Applied::Classified {
        patch: Some(name), ..
    }) = applied
    else {
        panic!("expected a patch, got {applied:?}");
    };
    assert_eq!(name, "Kritisk");
    // The write happens a moment after the poll (the fake stamps `modified` from its clock).
    clock.advance(Duration::seconds(2));
    let written = writeback::write_priority(&client, None, id, &name)
        .await
        .unwrap();
    assert_eq!(Some(written), fake.id_by_name("priority", "Kritisk"));
    let stored = fake.ticket(id).unwrap();
    assert_eq!(stored["priorityId"], serde_json::json!(written));
    let patch = fake
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .expect("PATCH sent");
    assert_eq!(patch.path, format!("/ticket/{id}/"));
    assert_eq!(patch.body, format!("{{\"priorityId\":{written}}}"));

    // The internal note: an intent like any other, rendered and posted (the outbox's job).
    let mut tickets = BTreeMap::new();
    tickets.insert(id, t);
    let ev = classify::evaluate(&tickets, &Ledger::default(), &cfg, now);
    let note = ev
        .intents
        .iter()
        .find(|i| i.key.channel == "pureservice_note")
        .expect("note intent");
    let msg = slavakt::templates::render(note, tickets.get(&id), None, &cfg, now).unwrap();
    assert!(msg.text.contains("satt til Kritisk"), "{}", msg.text);
    client.post_note(id, &msg.subject, &msg.html).await.unwrap();
    assert_eq!(fake.notes(id).len(), 1);

    // Next poll: Pureservice now says Kritisk; nothing more to classify, level unchanged.
    clock.advance(Duration::seconds(30));
    let second = sync.cycle(&first.cursor, clock.now()).await.unwrap();
    let snap2 = second
        .changed
        .iter()
        .find(|s| s.id == id)
        .expect("changed by our writes");
    assert_eq!(snap2.priority.as_deref(), Some("Kritisk"));
    assert!(
        snap2.modified_by_us,
        "our PATCH and note are not an agent's update"
    );
    let prev = tickets.get(&id).unwrap();
    let (t2, _, applied2) = classify::observe(Some(prev), snap2, &cfg, clock.now());
    assert_eq!(applied2, None);
    assert_eq!(t2.level(), Some("kritisk"));
    assert_eq!(t2.level_since(), Some(prev.created));
}
