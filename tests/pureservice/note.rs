//! The `pureservice_note` channel against the fake Pureservice.

use slavakt::clock::FakeClock;
use slavakt::notify::pureservice_note::{reference, PureserviceNoteNotifier};
use slavakt::notify::{Delivery, Message, Notifier, NotifyError, Thread};
use slavakt::plan::Recipient;
use slavakt::pureservice::client::{Client, ClientOptions};
use slavakt::pureservice::fake::{FakeOptions, FakePureservice, Fault, NewTicket};
use slavakt::pureservice::retry::RetryPolicy;
use std::sync::Arc;
use std::time::Duration;

fn delivery(ticket: u64, key: &str) -> Delivery {
    Delivery {
        key: key.into(),
        ticket,
        recipient: Recipient {
            name: "Saken".into(),
            address: "ticket".into(),
        },
        message: Message {
            subject: "Varsling sendt".into(),
            text: "SMS til vakthavende kl. 14:05".into(),
            html: "<p>SMS til <b>vakthavende</b> kl. 14:05</p>".into(),
            short: "SMS sendt".into(),
            important: false,
            level: "kritisk".into(),
            attachments: Vec::new(),
        },
        thread: Thread::default(),
    }
}

async fn setup() -> (FakePureservice, Client, u64) {
    let clock = FakeClock::new("2026-11-02T08:00:00Z".parse().unwrap());
    let f = FakePureservice::start(FakeOptions::new(Arc::new(clock)))
        .await
        .unwrap();
    let id = f
        .create_ticket(NewTicket {
            subject: "Pasientvarsling nede".into(),
            requester: Some(102),
            ..Default::default()
        })
        .unwrap();
    let opts = ClientOptions {
        retry: RetryPolicy {
            max_attempts: 2,
            initial: Duration::from_millis(5),
            max_backoff: Duration::from_millis(10),
            max_retry_after: Duration::from_secs(1),
        },
        ..ClientOptions::default()
    };
    let client = Client::with_options(&f.config(), opts).unwrap();
    (f, client, id)
}

#[tokio::test]
async fn posts_an_internal_note_once_per_delivery_key() {
    let (f, client, id) = setup().await;
    let n = PureserviceNoteNotifier::new(client.clone());
    assert_eq!(n.name(), "pureservice_note");
    let d = delivery(id, "1001/opened/0/pureservice_note/ticket");
    let r = n.send(&d).await.unwrap();
    let notes = f.notes(id);
    assert_eq!(notes.len(), 1);
    assert_eq!(r.remote_id, Some(notes[0]["id"].to_string()));
    assert_eq!(notes[0]["subject"], "Varsling sendt");
    assert_eq!(notes[0]["type"], 1);
    assert_eq!(notes[0]["direction"], 3);
    let text = notes[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("<p>SMS til <b>vakthavende</b> kl. 14:05</p>"),
        "{text}"
    );
    assert!(text.contains(&reference(&d.key)));
    // The same delivery again (a retry after a lost answer): no second note.
    let again = n.send(&d).await.unwrap();
    assert_eq!(f.notes(id).len(), 1);
    assert_eq!(again.remote_id, r.remote_id);
    // Another delivery is another note; the client remembers both writes as its own.
    n.send(&delivery(id, "1001/every/1/pureservice_note/ticket"))
        .await
        .unwrap();
    assert_eq!(f.notes(id).len(), 2);
    assert_eq!(client.take_own_writes().len(), 2);
}

#[tokio::test]
async fn failures_are_classified_and_never_show_the_key() {
    let (f, client, id) = setup().await;
    let key = f.api_key().expose().to_string();
    let n = PureserviceNoteNotifier::new(client);
    f.inject(Fault::Status(503), 1, Some("/communication/"));
    f.inject_after(1, Fault::Status(503), 1, Some("/communication/"));
    // First the reference check (503, so it goes ahead), then the POST: 503, not retried.
    let e = n.send(&delivery(id, "k1")).await.unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    assert!(f.notes(id).is_empty());
    let posts = f.requests().iter().filter(|r| r.method == "POST").count();
    assert_eq!(posts, 1, "a POST is not retried blindly");

    let e = n.send(&delivery(999_999, "k2")).await.unwrap_err();
    assert!(matches!(e, NotifyError::Permanent(_)), "{e:?}");

    let mut cfg = f.config();
    cfg.api_key = slavakt::secret::Secret::new("not-the-right-key-42");
    let bad = PureserviceNoteNotifier::new(Client::new(&cfg).unwrap());
    let e = bad.send(&delivery(id, "k3")).await.unwrap_err();
    assert!(matches!(e, NotifyError::Config(_)), "{e:?}");
    for shown in [format!("{e}"), format!("{e:?}")] {
        assert!(!shown.contains("not-the-right-key-42") && !shown.contains(&key));
    }
}
