//! The outbox's round: success, retries with backoff and Retry-After, the deadline, permanent
//! failures with fallbacks and alerts, per-channel concurrency, dry run, shutdown.

use crate::kit::outbox as outbox_support;

use chrono::{DateTime, Duration, Utc};
use outbox_support::*;
use slavakt::config::{AlertsConfig, Audience, ChannelRef, Role};
use slavakt::ledger::DeliveryStatus;
use slavakt::notify::{Notifier, NotifyError};
use slavakt::outbox::{DeliveryReport, Fallbacks, Outbox, Outcome, Person, DRY_RUN_OUTCOME};
use slavakt::plan::{Reason, Recipient};
use slavakt::state::State;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

const T0: &str = "2026-05-06T08:00:00Z";
const EMAIL_KEY: &str = "1001/opened/1/email/kari@ikt.example";
const SMS_KEY: &str = "1001/opened/1/sms/+4790000101";

async fn round(outbox: &Outbox, state: &mut State, now: DateTime<Utc>) -> DeliveryReport {
    let batch = outbox.prepare(state, now);
    let sent = outbox
        .send(batch, &CancellationToken::new(), Duration::seconds(5))
        .await;
    outbox.record(state, sent, now)
}

fn kari_email() -> slavakt::plan::Intent {
    intent(
        1001,
        "opened",
        1,
        "email",
        "Kari Fjellstad",
        "kari@ikt.example",
    )
}

fn kari_sms() -> slavakt::plan::Intent {
    intent(1001, "opened", 1, "sms", "Kari Fjellstad", "+4790000101")
}

fn people_and_alerts() -> Fallbacks {
    Fallbacks {
        people: vec![Person {
            name: "Kari Fjellstad".into(),
            email: Some("kari@ikt.example".into()),
            phone: Some("+4790000101".into()),
        }],
        alert_to: vec![(
            "email".into(),
            Recipient {
                name: "Hendelsesleder".into(),
                address: "hendelse@ikt.example".into(),
            },
            "role:incident_manager".into(),
        )],
    }
}

#[tokio::test]
async fn a_delivery_is_recorded_with_its_remote_id_and_threads_the_next_one() {
    let now = t(T0);
    let email = Scripted::ok("email");
    let ob = outbox(vec![("email", email.clone() as Arc<dyn Notifier>)], 4);
    let mut state = state_with(vec![kari_email()], now);

    let report = round(&ob, &mut state, now).await;

    assert_eq!(report.count("delivered"), 1);
    let e = &state.ledger.entries[EMAIL_KEY];
    assert_eq!(e.status, DeliveryStatus::Delivered);
    let id = receipt_for(EMAIL_KEY).remote_id.unwrap();
    assert_eq!(e.remote_id.as_deref(), Some(id.as_str()));
    assert_eq!(e.attempts.len(), 1);
    assert!(e.attempts[0].ok);
    assert_eq!(e.attempts[0].outcome, "250 accepted");
    assert!(e.message.is_none(), "no message text kept after delivery");
    assert_eq!(
        state.threads["1001/email/kari@ikt.example"],
        std::slice::from_ref(&id)
    );
    assert_eq!(email.sent()[0].message.subject, "Sak 1001: opened");
    assert!(email.sent()[0].thread.previous.is_empty());

    // A later message about the same ticket threads under the first.
    let later = now + Duration::hours(1);
    state.ledger.issue_rendered(
        vec![(
            intent(
                1001,
                "every",
                1,
                "email",
                "Kari Fjellstad",
                "kari@ikt.example",
            ),
            message("Påminnelse"),
        )],
        later,
    );
    round(&ob, &mut state, later).await;
    assert_eq!(email.sent()[1].thread.previous, [id]);
    assert_eq!(state.threads["1001/email/kari@ikt.example"].len(), 2);
}

#[tokio::test]
async fn several_messages_to_one_recipient_in_one_round_are_sent_in_order_and_threaded() {
    let now = t(T0);
    let teams = Scripted::ok("teams:drift");
    let ob = outbox(vec![("teams:drift", teams.clone() as Arc<dyn Notifier>)], 4);
    let mut state = State::default();
    for (rule, sub) in [("opened", "Ny"), ("response_breached", "Brudd")] {
        state.ledger.issue_rendered(
            vec![(
                intent(1001, rule, 1, "teams:drift", "teams:drift", "teams:drift"),
                message(sub),
            )],
            now,
        );
    }
    round(&ob, &mut state, now).await;
    let sent = teams.sent();
    assert_eq!(sent.len(), 2);
    assert!(sent[0].thread.previous.is_empty());
    assert_eq!(
        sent[1].thread.previous,
        [receipt_for(&sent[0].key).remote_id.unwrap()]
    );
}

#[tokio::test]
async fn a_temporary_failure_is_retried_with_growing_backoff_then_delivered() {
    let t0 = t(T0);
    let sms = Scripted::with(
        "sms",
        vec![
            Err(retryable("HTTP 503", None)),
            Err(retryable("HTTP 503", None)),
        ],
    );
    let ob = outbox(vec![("sms", sms.clone() as Arc<dyn Notifier>)], 4);
    let mut state = state_with(vec![kari_sms()], t0);

    let r = round(&ob, &mut state, t0).await;
    let Outcome::Retrying { next_attempt: n1 } = r.get(SMS_KEY).unwrap().outcome else {
        panic!("{r:?}")
    };
    assert!(
        n1 >= t0 + Duration::milliseconds(2500) && n1 <= t0 + Duration::seconds(5),
        "{n1}"
    );
    assert_eq!(
        state.ledger.entries[SMS_KEY].status,
        DeliveryStatus::Pending
    );
    assert!(
        state.ledger.entries[SMS_KEY].message.is_some(),
        "kept for the retry"
    );

    // Not due yet: nothing is sent.
    let r = round(&ob, &mut state, n1 - Duration::milliseconds(1)).await;
    assert!(r.is_empty());
    assert_eq!(sms.sent().len(), 1);

    let r = round(&ob, &mut state, n1).await;
    let Outcome::Retrying { next_attempt: n2 } = r.get(SMS_KEY).unwrap().outcome else {
        panic!("{r:?}")
    };
    assert!(
        n2 >= n1 + Duration::seconds(5) && n2 <= n1 + Duration::seconds(10),
        "{n2}"
    );

    let r = round(&ob, &mut state, n2).await;
    assert_eq!(r.get(SMS_KEY).unwrap().outcome, Outcome::Delivered);
    let e = &state.ledger.entries[SMS_KEY];
    assert_eq!(e.status, DeliveryStatus::Delivered);
    let oks: Vec<bool> = e.attempts.iter().map(|a| a.ok).collect();
    assert_eq!(oks, [false, false, true]);
    assert_eq!(e.attempts[0].outcome, "temporary failure: HTTP 503");
    assert_eq!(sms.sent().len(), 3);
    assert!(sms
        .sent()
        .iter()
        .all(|d| d.message.subject == "Sak 1001: opened"));
}

#[tokio::test]
async fn retry_after_from_the_far_side_is_honoured() {
    let t0 = t(T0);
    let ra = std::time::Duration::from_secs(120);
    let sms = Scripted::with("sms", vec![Err(retryable("HTTP 429", Some(ra)))]);
    let ob = outbox(vec![("sms", sms.clone() as Arc<dyn Notifier>)], 4);
    let mut state = state_with(vec![kari_sms()], t0);

    round(&ob, &mut state, t0).await;
    let e = &state.ledger.entries[SMS_KEY];
    assert_eq!(e.next_attempt, Some(t0 + Duration::seconds(120)));
    assert_eq!(
        e.attempts[0].outcome,
        "temporary failure: HTTP 429 (retry after 120s)"
    );

    assert!(round(&ob, &mut state, t0 + Duration::seconds(119))
        .await
        .is_empty());
    let r = round(&ob, &mut state, t0 + Duration::seconds(120)).await;
    assert_eq!(r.count("delivered"), 1);
    assert_eq!(sms.sent().len(), 2);
}

#[tokio::test]
async fn retries_stop_at_the_deadline_and_the_failure_raises_a_fallback_and_an_alert() {
    let t0 = t(T0);
    let sms = Scripted::always("sms", retryable("HTTP 503", None));
    let email = Scripted::ok("email");
    let render = Arc::new(|i: &slavakt::plan::Intent, _: Option<&_>, _| {
        Ok(message(&format!("Varsel: {}", i.template)))
    });
    let ob = outbox(
        vec![
            ("sms", sms.clone() as Arc<dyn Notifier>),
            ("email", email.clone() as Arc<dyn Notifier>),
        ],
        4,
    )
    .with_fallbacks(people_and_alerts())
    .with_renderer(render);
    let mut state = state_with(vec![kari_sms()], t0);

    // Run rounds at each scheduled retry until the entry settles.
    let mut now = t0;
    let mut rounds = 0;
    let report = loop {
        let r = round(&ob, &mut state, now).await;
        rounds += 1;
        match r.get(SMS_KEY).map(|o| o.outcome.clone()) {
            Some(Outcome::Retrying { next_attempt }) => now = next_attempt,
            Some(Outcome::Failed { config_problem }) => {
                assert!(!config_problem);
                break r;
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(rounds < 100, "never gave up");
    };
    let e = &state.ledger.entries[SMS_KEY];
    assert_eq!(e.status, DeliveryStatus::Failed);
    assert!(
        now <= t0 + Duration::hours(1),
        "no attempt after the deadline: {now}"
    );
    assert!(
        now > t0 + Duration::minutes(50),
        "kept trying until near the deadline: {now}"
    );
    assert!(
        e.attempts.last().unwrap().outcome.contains("giving up"),
        "{:?}",
        e.attempts.last()
    );
    assert_eq!(e.attempts.len(), sms.sent().len());
    assert!(e.message.is_none());

    // The same message by e-mail to Kari, and an alert to the incident manager.
    assert_eq!(report.fallbacks.len(), 2, "{:?}", report.fallbacks);
    let fb = &report.fallbacks[0];
    assert_eq!(
        fb.intent.key.to_string(),
        "1001/fallback:opened/1/email/kari@ikt.example"
    );
    assert_eq!(fb.intent.reason, Reason::Opened);
    assert_eq!(fb.message.as_ref().unwrap().subject, "Sak 1001: opened");
    let alert = &report.fallbacks[1];
    assert_eq!(alert.intent.reason, Reason::Alert);
    assert_eq!(alert.intent.template, "alert");
    assert_eq!(
        alert.intent.vars["title"],
        "levering feilet: sms til Kari Fjellstad (sak 1001)"
    );
    assert!(alert.intent.vars["message"].contains("Sendes i stedet via email kari@ikt.example"));
    assert_eq!(alert.intent.recipient.address, "hendelse@ikt.example");
    assert_eq!(alert.intent.vars["channel"], "sms");
    assert_eq!(alert.intent.vars["recipient_address"], "+4790000101");
    assert_eq!(alert.intent.vars["fallback"], "email kari@ikt.example");
    assert!(alert.intent.vars["last_outcome"].contains("HTTP 503"));
    for f in &report.fallbacks {
        assert_eq!(
            state.ledger.get(&f.intent.key).unwrap().status,
            DeliveryStatus::Pending,
            "issued into the ledger"
        );
    }

    // The next round sends both by e-mail (the alert rendered by the renderer).
    let r = round(&ob, &mut state, now).await;
    assert_eq!(r.count("delivered"), 2, "{r:?}");
    let subjects: Vec<String> = email
        .sent()
        .iter()
        .map(|d| d.message.subject.clone())
        .collect();
    assert!(
        subjects.contains(&"Sak 1001: opened".to_string()),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Varsel: alert".to_string()),
        "{subjects:?}"
    );
}

#[tokio::test]
async fn a_permanent_failure_settles_at_once_and_a_config_problem_is_flagged() {
    let t0 = t(T0);
    let sms = Scripted::always(
        "sms",
        NotifyError::Permanent("HTTP 422: unknown number".into()),
    );
    let teams = Scripted::always(
        "teams:drift",
        NotifyError::Config("HTTP 403 (check the secret)".into()),
    );
    let email = Scripted::ok("email");
    let ob = outbox(
        vec![
            ("sms", sms.clone() as Arc<dyn Notifier>),
            ("teams:drift", teams.clone() as Arc<dyn Notifier>),
            ("email", email.clone() as Arc<dyn Notifier>),
        ],
        4,
    )
    .with_fallbacks(people_and_alerts());
    let mut state = state_with(
        vec![
            kari_sms(),
            intent(
                1001,
                "opened",
                1,
                "teams:drift",
                "teams:drift",
                "teams:drift",
            ),
        ],
        t0,
    );

    let r = round(&ob, &mut state, t0).await;

    assert_eq!(
        r.get(SMS_KEY).unwrap().outcome,
        Outcome::Failed {
            config_problem: false
        }
    );
    let teams_key = "1001/opened/1/teams:drift/teams:drift";
    assert_eq!(
        r.get(teams_key).unwrap().outcome,
        Outcome::Failed {
            config_problem: true
        }
    );
    assert_eq!(sms.sent().len(), 1, "no retry");
    assert_eq!(teams.sent().len(), 1, "no retry");
    assert_eq!(
        state.ledger.entries[SMS_KEY].attempts[0].outcome,
        "permanent failure: HTTP 422: unknown number"
    );
    // SMS: fallback e-mail + alert; Teams (a shared channel): alert only.
    let keys: Vec<String> = r
        .fallbacks
        .iter()
        .map(|f| f.intent.key.to_string())
        .collect();
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert!(keys.contains(&"1001/fallback:opened/1/email/kari@ikt.example".to_string()));
    // The fallback counts as reaching Kari about the ticket; the admins' alert does not.
    let notified = state.ledger.notified(1001);
    assert!(notified
        .iter()
        .any(|(c, r)| c == "email" && r.address == "kari@ikt.example"));
    assert!(!notified
        .iter()
        .any(|(_, r)| r.address == "hendelse@ikt.example"));
    assert!(keys.contains(
        &"1001/delivery_failed:opened:teams:drift:teams:drift/1/email/hendelse@ikt.example"
            .to_string()
    ));
}

#[tokio::test]
async fn no_personal_fallback_when_the_plan_already_reached_the_person_there() {
    let t0 = t(T0);
    let sms = Scripted::always("sms", NotifyError::Permanent("HTTP 422".into()));
    let email = Scripted::ok("email");
    let ob = outbox(
        vec![
            ("sms", sms.clone() as Arc<dyn Notifier>),
            ("email", email.clone() as Arc<dyn Notifier>),
        ],
        4,
    )
    .with_fallbacks(people_and_alerts());
    let mut state = state_with(vec![kari_sms(), kari_email()], t0);
    let r = round(&ob, &mut state, t0).await;
    assert_eq!(r.fallbacks.len(), 1, "only the alert: {:?}", r.fallbacks);
    assert_eq!(r.fallbacks[0].intent.reason, Reason::Alert);
}

#[tokio::test]
async fn failing_fallbacks_and_alerts_do_not_cascade() {
    let t0 = t(T0);
    let sms = Scripted::always("sms", NotifyError::Permanent("HTTP 422".into()));
    let email = Scripted::always("email", NotifyError::Permanent("550 no such user".into()));
    let render = Arc::new(|_: &slavakt::plan::Intent, _: Option<&_>, _| Ok(message("Varsel")));
    let ob = outbox(
        vec![
            ("sms", sms.clone() as Arc<dyn Notifier>),
            ("email", email.clone() as Arc<dyn Notifier>),
        ],
        4,
    )
    .with_fallbacks(people_and_alerts())
    .with_renderer(render);
    let mut state = state_with(vec![kari_sms()], t0);
    let mut now = t0;
    for _ in 0..5 {
        round(&ob, &mut state, now).await;
        now += Duration::minutes(1);
    }
    // sms fails → e-mail fallback + alert; the fallback fails → one more alert; alerts fail → nothing.
    let keys: Vec<&String> = state.ledger.entries.keys().collect();
    assert_eq!(state.ledger.entries.len(), 4, "{keys:?}");
    assert!(state
        .ledger
        .entries
        .values()
        .all(|e| e.status == DeliveryStatus::Failed));
}

#[tokio::test(start_paused = true)]
async fn sends_per_channel_never_exceed_the_concurrency_limit() {
    let t0 = t(T0);
    let sms = Gauge::new("sms", std::time::Duration::from_millis(200));
    let email = Gauge::new("email", std::time::Duration::from_millis(200));
    let ob = outbox(
        vec![
            ("sms", sms.clone() as Arc<dyn Notifier>),
            ("email", email.clone() as Arc<dyn Notifier>),
        ],
        3,
    );
    let mut intents = Vec::new();
    for n in 0..10u64 {
        intents.push(intent(
            2000 + n,
            "opened",
            1,
            "sms",
            "P",
            &format!("+47900001{n:02}"),
        ));
        intents.push(intent(
            2000 + n,
            "opened",
            1,
            "email",
            "P",
            &format!("p{n}@k.example"),
        ));
    }
    let mut state = state_with(intents, t0);
    let r = round(&ob, &mut state, t0).await;
    assert_eq!(r.count("delivered"), 20);
    for g in [&sms, &email] {
        assert_eq!(g.total.load(Ordering::SeqCst), 10);
        assert_eq!(
            g.max.load(Ordering::SeqCst),
            3,
            "limit reached and never exceeded"
        );
    }
}

#[tokio::test]
async fn a_delivered_entry_is_never_sent_again() {
    let t0 = t(T0);
    let email = Scripted::ok("email");
    let ob = outbox(vec![("email", email.clone() as Arc<dyn Notifier>)], 4);
    let mut state = state_with(vec![kari_email()], t0);
    round(&ob, &mut state, t0).await;
    assert_eq!(email.sends_of(EMAIL_KEY), 1);

    // Re-issuing the same intent (a replayed plan) does not re-arm it, even with a due time.
    state
        .ledger
        .issue_rendered(vec![(kari_email(), message("igjen"))], t0);
    state
        .ledger
        .entries
        .get_mut(EMAIL_KEY)
        .unwrap()
        .next_attempt = Some(t0);
    for k in 0..3 {
        let r = round(&ob, &mut state, t0 + Duration::hours(k)).await;
        assert!(r.is_empty());
    }
    assert_eq!(email.sends_of(EMAIL_KEY), 1);

    // A stale result arriving for a delivered entry is ignored.
    let mut other = state_with(vec![kari_email()], t0);
    let batch = ob.prepare(&mut other, t0);
    let sent = ob
        .send(batch, &CancellationToken::new(), Duration::seconds(1))
        .await;
    let before = state.ledger.entries[EMAIL_KEY].clone();
    let r = ob.record(&mut state, sent, t0);
    assert!(r.outcomes.is_empty());
    assert_eq!(state.ledger.entries[EMAIL_KEY], before);
}

#[tokio::test]
async fn dry_run_skips_without_sending() {
    let t0 = t(T0);
    let email = Scripted::ok("email");
    let ob = outbox(vec![("email", email.clone() as Arc<dyn Notifier>)], 4).with_dry_run(true);
    let mut state = state_with(vec![kari_email()], t0);
    let batch = ob.prepare(&mut state, t0);
    assert!(batch.is_empty());
    let sent = ob
        .send(batch, &CancellationToken::new(), Duration::seconds(1))
        .await;
    let r = ob.record(&mut state, sent, t0);
    assert_eq!(r.count("skipped"), 1);
    let e = &state.ledger.entries[EMAIL_KEY];
    assert_eq!(e.status, DeliveryStatus::Skipped);
    assert_eq!(e.attempts[0].outcome, DRY_RUN_OUTCOME);
    assert!(e.message.is_none());
    assert!(email.sent().is_empty());
}

#[tokio::test]
async fn nothing_to_send_or_nowhere_to_send_it_fails_loudly() {
    let t0 = t(T0);
    let ob = outbox(
        vec![("email", Scripted::ok("email") as Arc<dyn Notifier>)],
        4,
    );
    let mut state = State::default();
    state.ledger.issue(&[kari_email()], t0); // no rendered message, no renderer
    state
        .ledger
        .issue_rendered(vec![(kari_sms(), message("x"))], t0); // no sms channel
    let r = round(&ob, &mut state, t0).await;
    assert_eq!(
        r.get(EMAIL_KEY).unwrap().outcome,
        Outcome::Failed {
            config_problem: false
        }
    );
    assert!(r
        .get(EMAIL_KEY)
        .unwrap()
        .detail
        .contains("no rendered message"));
    assert_eq!(
        r.get(SMS_KEY).unwrap().outcome,
        Outcome::Failed {
            config_problem: true
        }
    );
    assert!(r
        .get(SMS_KEY)
        .unwrap()
        .detail
        .contains("channel sms is not configured"));
}

#[tokio::test]
async fn a_panicking_channel_is_a_failure_not_a_crash() {
    let t0 = t(T0);
    let ob = outbox(vec![("email", Arc::new(Panicking) as Arc<dyn Notifier>)], 4);
    let mut state = state_with(vec![kari_email()], t0);
    let r = round(&ob, &mut state, t0).await;
    assert_eq!(
        r.get(EMAIL_KEY).unwrap().outcome,
        Outcome::Failed {
            config_problem: false
        }
    );
    assert!(r.get(EMAIL_KEY).unwrap().detail.contains("crashed"));
}

#[tokio::test(start_paused = true)]
async fn on_shutdown_sends_get_the_grace_period_then_are_abandoned_in_flight() {
    let t0 = t(T0);
    let hanging = Arc::new(Hanging {
        started: Default::default(),
    });
    let ob = outbox(vec![("sms", hanging.clone() as Arc<dyn Notifier>)], 1);
    // Two to one recipient (sent in order) and one to another (waits for the single permit).
    let mut state = state_with(
        vec![
            kari_sms(),
            intent(1001, "every", 1, "sms", "Kari Fjellstad", "+4790000101"),
            intent(1002, "opened", 1, "sms", "Ola", "+4790000102"),
        ],
        t0,
    );
    let batch = ob.prepare(&mut state, t0);
    assert_eq!(batch.len(), 3);
    let cancel = CancellationToken::new();
    let trigger = {
        let cancel = cancel.clone();
        let hanging = hanging.clone();
        tokio::spawn(async move {
            // Wait (tokio time, paused) until the first send is under way, then shut down.
            let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
            while hanging.started.load(Ordering::SeqCst) == 0 {
                assert!(tokio::time::Instant::now() < deadline, "send never started");
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            cancel.cancel();
            tokio::time::Instant::now()
        })
    };
    let sent = ob.send(batch, &cancel, Duration::seconds(5)).await;
    let cancelled_at = trigger.await.unwrap();
    let waited = tokio::time::Instant::now() - cancelled_at;
    assert!(
        waited >= std::time::Duration::from_secs(5),
        "grace honoured: {waited:?}"
    );
    assert!(
        waited < std::time::Duration::from_secs(6),
        "then abandoned: {waited:?}"
    );

    let r = ob.record(&mut state, sent, t0);
    assert_eq!(hanging.started.load(Ordering::SeqCst), 1);
    assert_eq!(r.count("abandoned"), 1);
    assert_eq!(r.count("not_started"), 2);
    let statuses: BTreeMap<&str, DeliveryStatus> = state
        .ledger
        .entries
        .iter()
        .map(|(k, e)| (k.as_str(), e.status))
        .collect();
    let in_flight = statuses
        .values()
        .filter(|s| **s == DeliveryStatus::InFlight)
        .count();
    let pending = statuses
        .values()
        .filter(|s| **s == DeliveryStatus::Pending)
        .count();
    assert_eq!((in_flight, pending), (1, 2), "{statuses:?}");
}

#[test]
fn fallbacks_from_config_parts_use_roles_and_shared_channels_but_never_the_intranet() {
    let mut roles = BTreeMap::new();
    roles.insert(
        "incident_manager".to_string(),
        Role {
            name: "Hendelsesleder".into(),
            email: Some("hendelse@ikt.example".into()),
            phone: Some("+4790000199".into()),
            off_hours: None,
            title: None,
            members: Vec::new(),
        },
    );
    roles.insert(
        "no_phone".to_string(),
        Role {
            name: "Uten telefon".into(),
            email: Some("uten@ikt.example".into()),
            phone: None,
            off_hours: None,
            title: None,
            members: Vec::new(),
        },
    );
    let alerts = AlertsConfig {
        to: vec![
            Audience::Role("incident_manager".into()),
            Audience::Role("no_phone".into()),
            Audience::MunicipalityAll,
        ],
        via: vec![
            ChannelRef::Sms,
            ChannelRef::Teams("drift".into()),
            ChannelRef::Intranet,
        ],
        outage_after: Duration::minutes(10),
    };
    let f = Fallbacks::from_parts(&roles, std::iter::empty(), &alerts);
    let targets: Vec<(String, String)> = f
        .alert_to
        .iter()
        .map(|(c, r, _)| (c.clone(), r.address.clone()))
        .collect();
    assert_eq!(
        targets,
        [
            ("sms".to_string(), "+4790000199".to_string()),
            ("teams:drift".to_string(), "teams:drift".to_string())
        ]
    );
    assert_eq!(f.people.len(), 2);
}

#[test]
fn threads_keep_their_root_and_the_latest_ids_only() {
    let mut thread = Vec::new();
    for n in 0..25 {
        slavakt::outbox::extend_thread(&mut thread, format!("<{n}@x.example>"));
    }
    slavakt::outbox::extend_thread(&mut thread, "<24@x.example>".into()); // already there
    assert_eq!(thread.len(), slavakt::outbox::THREAD_KEEP);
    assert_eq!(thread[0], "<0@x.example>");
    assert_eq!(thread[1], "<16@x.example>");
    assert_eq!(thread.last().unwrap(), "<24@x.example>");
}
