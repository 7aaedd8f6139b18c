//! The delivery guarantee with a real state file: persisted in flight before sending, and a
//! crash between "the far side accepted" and "the ledger was written" costs exactly one
//! duplicate per in-flight entry — never a loss. Also with the real e-mail channel and a real
//! SMTP server: a mail accepted with 250 just before the crash arrives once more after the
//! restart, with the same Message-ID, subject and body.

use crate::kit::notify as notify_support;
use crate::kit::outbox as outbox_support;

use chrono::Duration;
use notify_support::{header, SmtpPeer};
use outbox_support::*;
use slavakt::clock::FakeClock;
use slavakt::config::{EmailChannel, SmtpTls};
use slavakt::ledger::DeliveryStatus;
use slavakt::notify::email::EmailNotifier;
use slavakt::notify::{email::message_id, Delivery, Notifier, SendFuture};
use slavakt::outbox::Outbox;
use slavakt::state::{self, StateError, Store, INTERRUPTED_OUTCOME};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

const T0: &str = "2026-05-06T08:00:00Z";

fn intents() -> Vec<slavakt::plan::Intent> {
    vec![
        intent(
            1001,
            "opened",
            1,
            "email",
            "Kari Fjellstad",
            "kari@ikt.example",
        ),
        intent(
            1001,
            "opened",
            1,
            "email",
            "Ola Strand",
            "ola@nordvik.example",
        ),
        intent(1001, "opened", 1, "sms", "Kari Fjellstad", "+4790000101"),
    ]
}

/// Sends counted by the far side, which outlives every "process".
struct FarSide {
    email: Arc<Scripted>,
    sms: Arc<Scripted>,
}

impl FarSide {
    fn new() -> FarSide {
        FarSide {
            email: Scripted::ok("email"),
            sms: Scripted::ok("sms"),
        }
    }
    fn outbox(&self) -> Outbox {
        outbox(
            vec![
                ("email", self.email.clone() as Arc<dyn Notifier>),
                ("sms", self.sms.clone() as Arc<dyn Notifier>),
            ],
            4,
        )
    }
    fn all(&self) -> Vec<Delivery> {
        let mut v = self.email.sent();
        v.extend(self.sms.sent());
        v
    }
    fn sends_of(&self, key: &str) -> usize {
        self.all().iter().filter(|d| d.key == key).count()
    }
}

#[derive(Clone, Copy, Debug)]
enum CrashPoint {
    /// The far side accepted; `record` never ran.
    AfterSend,
    /// `record` ran in memory, the process died before the state was saved.
    AfterRecordBeforeSave,
}

#[tokio::test]
async fn a_crash_after_the_far_side_accepted_costs_exactly_one_duplicate_and_no_loss() {
    for crash in [CrashPoint::AfterSend, CrashPoint::AfterRecordBeforeSave] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let far = FarSide::new();
        let t0 = t(T0);
        let keys: Vec<String> = intents().iter().map(|i| i.key.to_string()).collect();

        // Process 1: issue, prepare, save (in flight), send ... and die.
        {
            let (store, _) = Store::open(&path, t0).unwrap();
            let mut state = state_with(intents(), t0);
            store.save(&state, t0).unwrap();
            let ob = far.outbox();
            let batch = ob.prepare(&mut state, t0);
            store.save(&state, t0).unwrap();
            let sent = ob
                .send(batch, &CancellationToken::new(), Duration::seconds(5))
                .await;
            if let CrashPoint::AfterRecordBeforeSave = crash {
                ob.record(&mut state, sent, t0);
            }
            // state, store, outbox dropped here: the process is gone.
        }
        for k in &keys {
            assert_eq!(far.sends_of(k), 1, "{crash:?}: sent once before the crash");
        }

        // Process 2: the in-flight entries are healed and sent again, once.
        let t1 = t0 + Duration::minutes(2);
        {
            let (store, mut state) = Store::open(&path, t1).unwrap();
            assert_eq!(store.healed().len(), 3, "{crash:?}");
            let ob = far.outbox();
            let clock = FakeClock::new(t1);
            let report = ob
                .deliver_due(
                    &mut state,
                    &clock,
                    |s, now| store.save(s, now).map(|_| ()),
                    &CancellationToken::new(),
                    Duration::seconds(5),
                )
                .await
                .unwrap();
            assert_eq!(report.count("delivered"), 3, "{crash:?}");
            store.save(&state, t1).unwrap();
        }

        // Process 3: nothing left to send.
        let t2 = t1 + Duration::hours(1);
        {
            let (store, mut state) = Store::open(&path, t2).unwrap();
            assert!(store.healed().is_empty());
            let ob = far.outbox();
            let report = ob
                .deliver_due(
                    &mut state,
                    &FakeClock::new(t2),
                    |s, now| store.save(s, now).map(|_| ()),
                    &CancellationToken::new(),
                    Duration::seconds(5),
                )
                .await
                .unwrap();
            assert!(report.is_empty(), "{crash:?}: {report:?}");
            for k in &keys {
                let e = &state.ledger.entries[k];
                assert_eq!(e.status, DeliveryStatus::Delivered);
                let outcomes: Vec<&str> = e.attempts.iter().map(|a| a.outcome.as_str()).collect();
                assert_eq!(outcomes, [INTERRUPTED_OUTCOME, "250 accepted"], "{crash:?}");
            }
        }

        // Exactly one duplicate per in-flight entry, and it is the same message: same key,
        // so the same Message-ID for e-mail, which lets mail clients fold it.
        for k in &keys {
            let copies: Vec<Delivery> = far.all().into_iter().filter(|d| &d.key == k).collect();
            assert_eq!(copies.len(), 2, "{crash:?} {k}");
            assert_eq!(copies[0].message, copies[1].message);
            assert_eq!(
                message_id(&copies[0].key, "ikt.example"),
                message_id(&copies[1].key, "ikt.example")
            );
        }
    }
}

#[tokio::test]
async fn a_crash_before_the_in_flight_save_sends_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let far = FarSide::new();
    let t0 = t(T0);
    {
        let (store, _) = Store::open(&path, t0).unwrap();
        let mut state = state_with(intents(), t0);
        store.save(&state, t0).unwrap();
        let _batch = far.outbox().prepare(&mut state, t0);
        // dies before saving: on disk the entries are still pending, nothing was sent
    }
    let (store, mut state) = Store::open(&path, t0).unwrap();
    assert!(store.healed().is_empty());
    far.outbox()
        .deliver_due(
            &mut state,
            &FakeClock::new(t0),
            |s, now| store.save(s, now).map(|_| ()),
            &CancellationToken::new(),
            Duration::seconds(5),
        )
        .await
        .unwrap();
    for i in intents() {
        assert_eq!(far.sends_of(&i.key.to_string()), 1);
    }
}

/// Looks at the state file at the moment of sending.
struct DiskWitness {
    path: PathBuf,
    seen: Mutex<Vec<(String, Option<DeliveryStatus>)>>,
}

impl Notifier for DiskWitness {
    fn name(&self) -> &str {
        "email"
    }
    fn send<'a>(&'a self, d: &'a Delivery) -> SendFuture<'a> {
        Box::pin(async move {
            let on_disk = state::read_only(&self.path)
                .unwrap()
                .and_then(|s| s.ledger.entries.get(&d.key).map(|e| e.status));
            self.seen.lock().unwrap().push((d.key.clone(), on_disk));
            Ok(receipt_for(&d.key))
        })
    }
}

#[tokio::test]
async fn the_entry_is_on_disk_in_flight_before_the_send_starts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let t0 = t(T0);
    let (store, _) = Store::open(&path, t0).unwrap();
    let mut state = state_with(vec![intents()[0].clone()], t0);
    store.save(&state, t0).unwrap();
    let witness = Arc::new(DiskWitness {
        path: path.clone(),
        seen: Mutex::default(),
    });
    let ob = outbox(vec![("email", witness.clone() as Arc<dyn Notifier>)], 4);
    ob.deliver_due(
        &mut state,
        &FakeClock::new(t0),
        |s, now| store.save(s, now).map(|_| ()),
        &CancellationToken::new(),
        Duration::seconds(5),
    )
    .await
    .unwrap();
    let seen = witness.seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        [(intents()[0].key.to_string(), Some(DeliveryStatus::InFlight))]
    );
}

#[tokio::test]
async fn if_the_in_flight_save_fails_nothing_is_sent() {
    let far = FarSide::new();
    let t0 = t(T0);
    let mut state = state_with(intents(), t0);
    let err = far
        .outbox()
        .deliver_due(
            &mut state,
            &FakeClock::new(t0),
            |_, _| {
                Err(StateError::Io {
                    action: "write",
                    path: "/full-disk/state.json".into(),
                    source: std::io::Error::other("no space left on device"),
                })
            },
            &CancellationToken::new(),
            Duration::seconds(5),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no space left"));
    assert!(far.all().is_empty());
    assert!(state
        .ledger
        .entries
        .values()
        .all(|e| e.status == DeliveryStatus::Pending && e.message.is_some()));
}

#[tokio::test]
async fn a_crash_after_the_smtp_server_said_250_resends_the_same_mail_exactly_once() {
    let smtp = SmtpPeer::start("plain", None, None);
    let t0 = t(T0);
    let clock = FakeClock::new(t0);
    let email: Arc<dyn Notifier> = Arc::new(
        EmailNotifier::new(
            &EmailChannel {
                host: "127.0.0.1".into(),
                port: smtp.port,
                tls: SmtpTls::None,
                username: None,
                password: None,
                from: "ROR-IKT Varsling <varsling@ror-ikt.example>".into(),
                ca_file: None,
                timeout: Duration::seconds(10),
                reply_to: None,
            },
            Arc::new(clock.clone()),
        )
        .unwrap(),
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let kari = intents()[0].clone();
    let key = kari.key.to_string();

    // Process 1: in flight on disk, the relay answers 250 ... and the process dies before the
    // outcome reaches the ledger.
    {
        let (store, _) = Store::open(&path, t0).unwrap();
        let mut state = state_with(vec![kari.clone()], t0);
        store.save(&state, t0).unwrap();
        let ob = outbox(vec![("email", email.clone())], 4);
        let batch = ob.prepare(&mut state, t0);
        store.save(&state, t0).unwrap();
        let sent = ob
            .send(batch, &CancellationToken::new(), Duration::seconds(5))
            .await;
        drop(sent);
    }
    assert_eq!(smtp.received().len(), 1, "the relay accepted the mail");

    // Process 2: the entry is healed and the mail goes out once more.
    let t1 = t0 + Duration::minutes(1);
    {
        let (store, mut state) = Store::open(&path, t1).unwrap();
        assert_eq!(store.healed().to_vec(), vec![key.clone()]);
        let ob = outbox(vec![("email", email.clone())], 4);
        let report = ob
            .deliver_due(
                &mut state,
                &FakeClock::new(t1),
                |s, now| store.save(s, now).map(|_| ()),
                &CancellationToken::new(),
                Duration::seconds(5),
            )
            .await
            .unwrap();
        assert_eq!(report.count("delivered"), 1);
        store.save(&state, t1).unwrap();
    }

    // Process 3: nothing left to send.
    let t2 = t1 + Duration::hours(1);
    {
        let (store, mut state) = Store::open(&path, t2).unwrap();
        let ob = outbox(vec![("email", email.clone())], 4);
        let report = ob
            .deliver_due(
                &mut state,
                &FakeClock::new(t2),
                |s, now| store.save(s, now).map(|_| ()),
                &CancellationToken::new(),
                Duration::seconds(5),
            )
            .await
            .unwrap();
        assert!(report.is_empty(), "{report:?}");
        let e = &state.ledger.entries[&key];
        assert_eq!(e.status, DeliveryStatus::Delivered);
        let id = message_id(&key, "ror-ikt.example");
        assert_eq!(e.remote_id.as_deref(), Some(id.as_str()));
        assert_eq!(e.attempts[0].outcome, INTERRUPTED_OUTCOME);
        assert!(e.attempts[1].outcome.starts_with("250"), "{:?}", e.attempts);
    }

    // Exactly one duplicate, recognisably the same mail.
    let mails = smtp.received();
    assert_eq!(mails.len(), 2);
    for name in ["Message-ID", "Subject", "To", "From"] {
        assert_eq!(header(&mails[0], name), header(&mails[1], name), "{name}");
    }
    assert_eq!(
        header(&mails[0], "Message-ID"),
        message_id(&key, "ror-ikt.example")
    );
    assert_eq!(mails[0]["parts"], mails[1]["parts"]);
}
