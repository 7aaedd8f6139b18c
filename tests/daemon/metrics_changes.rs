//! Planned changes are held to the change rules, not the SLA's response and resolution times:
//! a Kritisk-prioritised change left open for hours is never a breach — not in
//! `slavakt_breaches_total`, not in `slavakt_tracked_tickets`, not on the status page's "breached
//! today", not in the monthly report — while an incident of the same age is, in each of them.
//! The real daemon (in-process, fake clock) against the fake Pureservice.

use crate::kit::daemon as daemon_support;

use chrono::Duration;
use daemon_support::{at, world};
use slavakt::clock::Clock;
use slavakt::pureservice::fake::NewTicket;

fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_planned_change_is_never_counted_as_a_breach() {
    let w = world("2027-03-24T13:59:00+01:00").await;
    let created = at("2027-03-24T10:00:00+01:00");
    let kritisk = |subject: &str, request_type: Option<u64>| NewTicket {
        subject: subject.into(),
        priority: Some("Kritisk".into()),
        requester: Some(102),
        assignee: Some(201),
        categories: vec!["Pasientvarsling".into()],
        request_type,
        created: Some(created),
        ..NewTicket::default()
    };
    let change = w
        .fake
        .create_ticket(kritisk("Oppgradering av pasientvarslingen", Some(2)))
        .unwrap();
    let incident = w
        .fake
        .create_ticket(kritisk("Pasientvarsling nede på Bergmo", None))
        .unwrap();
    let mut d = w.daemon();
    d.cycle().await.unwrap();
    w.clock.advance(Duration::minutes(5));
    d.cycle().await.unwrap();
    let state = d.state();
    assert!(
        state.tickets[&change].is_change(),
        "the change was not read as one"
    );
    assert!(!state.tickets[&incident].is_change());

    let text = d.metrics_text();
    // The incident, four hours without a response, is the one breach.
    assert_eq!(
        sample(&text, "slavakt_breaches_total{clock=\"response\"}"),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "slavakt_tracked_tickets{level=\"kritisk\",clock_state=\"breached\"}"
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            "slavakt_tracked_tickets{level=\"change\",clock_state=\"none\"}"
        ),
        Some(1.0),
        "{text}"
    );

    let now = w.clock.now();
    let view = slavakt::status_view::build(state, d.config(), now);
    assert_eq!(view.summary.breached_today, 1);

    let f = slavakt::report::figures(state, d.config(), (2027, 3), now).unwrap();
    let k = f.levels.iter().find(|l| l.level == "kritisk").unwrap();
    assert_eq!(
        k.opened, 1,
        "the change is not a Kritisk ticket of the report"
    );
    assert_eq!(k.response_breached, 1);
}
