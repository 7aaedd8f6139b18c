//! Helpers for the outbox tests: in-test notifiers (scripted, slow, hanging, panicking) and
//! ledger entries that read like the plan's.

use chrono::{DateTime, Utc};
use slavakt::config::RetryPolicy;
use slavakt::notify::{Delivery, Message, Notifier, NotifyError, Receipt, SendFuture};
use slavakt::outbox::Outbox;
use slavakt::plan::{Intent, IntentKey, Reason, Recipient};
use slavakt::state::State;
use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("test timestamp")
}

pub fn policy() -> RetryPolicy {
    RetryPolicy {
        initial: chrono::Duration::seconds(5),
        max: chrono::Duration::minutes(5),
        deadline: chrono::Duration::hours(1),
    }
}

pub fn message(subject: &str) -> Message {
    Message {
        subject: subject.into(),
        text: format!("{subject} – tekst"),
        html: format!("<p>{subject}</p>"),
        short: subject.into(),
        important: true,
        level: "kritisk".into(),
        attachments: Vec::new(),
    }
}

pub fn intent(
    ticket: u64,
    rule: &str,
    occurrence: u32,
    channel: &str,
    name: &str,
    address: &str,
) -> Intent {
    Intent {
        key: IntentKey {
            ticket,
            rule: rule.into(),
            occurrence,
            channel: channel.into(),
            recipient: address.into(),
        },
        reason: Reason::Opened,
        audience: "role:driftssjef".into(),
        recipient: Recipient {
            name: name.into(),
            address: address.into(),
        },
        due_at: t("2026-05-06T08:00:00Z"),
        late: false,
        template: "incident_opened".into(),
        important: true,
        vars: BTreeMap::new(),
    }
}

/// A state holding `intents`, each with a rendered message, issued at `now`.
pub fn state_with(intents: Vec<Intent>, now: DateTime<Utc>) -> State {
    let mut s = State::default();
    let items = intents
        .into_iter()
        .map(|i| {
            let m = message(&format!("Sak {}: {}", i.key.ticket, i.key.rule));
            (i, m)
        })
        .collect();
    s.ledger.issue_rendered(items, now);
    s
}

/// Answers from a script, then succeeds; records every delivery it was given.
pub struct Scripted {
    name: String,
    script: Mutex<VecDeque<Result<Receipt, NotifyError>>>,
    pub received: Mutex<Vec<Delivery>>,
}

impl Scripted {
    pub fn ok(name: &str) -> Arc<Scripted> {
        Scripted::with(name, Vec::new())
    }
    pub fn with(name: &str, script: Vec<Result<Receipt, NotifyError>>) -> Arc<Scripted> {
        Arc::new(Scripted {
            name: name.into(),
            script: Mutex::new(script.into()),
            received: Mutex::new(Vec::new()),
        })
    }
    /// Fails every time with `err`.
    pub fn always(name: &str, err: NotifyError) -> Arc<Scripted> {
        Scripted::with(name, vec![Err(err); 1000])
    }
    pub fn sent(&self) -> Vec<Delivery> {
        self.received.lock().unwrap().clone()
    }
    pub fn sends_of(&self, key: &str) -> usize {
        self.received
            .lock()
            .unwrap()
            .iter()
            .filter(|d| d.key == key)
            .count()
    }
}

/// The receipt a successful fake send gives: a remote id derived from the key, as e-mail's
/// deterministic Message-ID is.
pub fn receipt_for(key: &str) -> Receipt {
    Receipt {
        remote_id: Some(format!("<{}@slavakt.test>", key.replace('/', "."))),
        detail: "250 accepted".into(),
    }
}

impl Notifier for Scripted {
    fn name(&self) -> &str {
        &self.name
    }
    fn send<'a>(&'a self, d: &'a Delivery) -> SendFuture<'a> {
        Box::pin(async move {
            self.received.lock().unwrap().push(d.clone());
            let next = self.script.lock().unwrap().pop_front();
            next.unwrap_or_else(|| Ok(receipt_for(&d.key)))
        })
    }
}

pub fn retryable(msg: &str, retry_after: Option<Duration>) -> NotifyError {
    NotifyError::Retryable {
        message: msg.into(),
        retry_after,
    }
}

/// Takes `work` (tokio time) per send and records the most sends it saw at once.
pub struct Gauge {
    name: String,
    work: Duration,
    now: AtomicUsize,
    pub max: AtomicUsize,
    pub total: AtomicUsize,
}

impl Gauge {
    pub fn new(name: &str, work: Duration) -> Arc<Gauge> {
        Arc::new(Gauge {
            name: name.into(),
            work,
            now: AtomicUsize::new(0),
            max: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
        })
    }
}

impl Notifier for Gauge {
    fn name(&self) -> &str {
        &self.name
    }
    fn send<'a>(&'a self, d: &'a Delivery) -> SendFuture<'a> {
        Box::pin(async move {
            let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.max.fetch_max(n, Ordering::SeqCst);
            tokio::time::sleep(self.work).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            self.total.fetch_add(1, Ordering::SeqCst);
            Ok(receipt_for(&d.key))
        })
    }
}

/// Never answers; counts the sends that started.
pub struct Hanging {
    pub started: AtomicUsize,
}

impl Notifier for Hanging {
    fn name(&self) -> &str {
        "sms"
    }
    fn send<'a>(&'a self, _d: &'a Delivery) -> SendFuture<'a> {
        Box::pin(async move {
            self.started.fetch_add(1, Ordering::SeqCst);
            std::future::pending().await
        })
    }
}

/// A channel with a bug.
pub struct Panicking;

impl Notifier for Panicking {
    fn name(&self) -> &str {
        "email"
    }
    fn send<'a>(&'a self, _d: &'a Delivery) -> SendFuture<'a> {
        Box::pin(async move { panic!("bug in a channel") })
    }
}

pub fn outbox(channels: Vec<(&str, Arc<dyn Notifier>)>, concurrency: usize) -> Outbox {
    let map: BTreeMap<String, Arc<dyn Notifier>> = channels
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    Outbox::new(map, policy(), concurrency).with_jitter_seed(42)
}
