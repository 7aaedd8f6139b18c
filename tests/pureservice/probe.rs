//! `slavakt probe`, the rest of its list, against the fake in each tenant behaviour and with
//! the fake's switches for what it measures: the page-size cap, `include` support, the
//! rate-limit answer, the mapping of statuses, priorities and request types, and the hit rate
//! of the configured municipality and service sources over the open tickets, with samples and
//! the names that map to nothing. Read-only throughout; `--json` keeps the INTERFACE keys.

use crate::kit::daemon as daemon_support;

use chrono::Duration;
use daemon_support::{world, World};
use slavakt::cli::probe::{probe, Probe};
use slavakt::clock::Clock;
use slavakt::config::FieldSource;
use slavakt::pureservice::fake::{Fault, NewTicket, RetryAfterForm, Tenant};
use std::collections::BTreeMap;

const START: &str = "2027-03-24T13:59:00.250+01:00";

impl World {
    /// Six open tickets from Molde: four Kritisk about patient alarms, two Lav without a
    /// service category, one of them a change; plus one solved ticket.
    fn tickets(&self) {
        for n in 0..6 {
            self.fake
                .create_ticket(NewTicket {
                    subject: format!("Sak {n}"),
                    priority: Some(if n < 4 { "Kritisk" } else { "Lav" }.into()),
                    requester: Some(102),
                    categories: if n < 4 {
                        vec!["Pasientvarsling".into()]
                    } else {
                        vec![]
                    },
                    request_type: Some(if n == 5 { 2 } else { 1 }),
                    custom: BTreeMap::from([("cf_9".to_string(), "Fjellvik".into())]),
                    ..NewTicket::default()
                })
                .unwrap();
            self.clock.advance(Duration::milliseconds(1_313));
        }
        self.fake
            .create_ticket(NewTicket {
                subject: "Ferdig sak".into(),
                status: Some("Løst".into()),
                requester: Some(102),
                ..NewTicket::default()
            })
            .unwrap();
    }

    async fn probe(&self) -> Probe {
        self.probe_with(&self.config).await
    }

    async fn probe_with(&self, config: &slavakt::config::Config) -> Probe {
        let before = self.fake.request_count();
        let p = probe(config, self.clock.now()).await;
        assert!(
            self.fake.requests()[before..]
                .iter()
                .all(|r| r.method == "GET"),
            "probe wrote"
        );
        p
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mapping_and_field_hit_rates_in_every_tenant_behaviour() {
    for tenant in Tenant::ALL {
        let name = tenant.name();
        let w = world(START).await;
        w.fake.set_tenant(tenant);
        w.tickets();
        let p = w.probe().await;
        assert_eq!(p.exit_code(), 0, "{name}: {:?}", p.problems);
        assert_eq!(p.open_tickets, Some(6), "{name}");
        assert_eq!(p.page_size_cap, None, "{name}");
        assert_eq!(p.include_supported, Some(true), "{name}");
        assert!(p.rate_limit.headers.is_empty(), "{name}");
        assert_eq!(p.rate_limit.throttled, 0, "{name}");

        let m = &p.mapping;
        assert_eq!(m.statuses["Ny"], "open", "{name}");
        assert_eq!(m.statuses["Venter - leverandør"], "paused", "{name}");
        assert_eq!(m.statuses["Løst"], "solved", "{name}");
        assert_eq!(m.statuses["Lukket"], "closed", "{name}");
        assert_eq!(
            m.priorities["Kritisk"].as_deref(),
            Some("kritisk"),
            "{name}"
        );
        assert_eq!(
            m.priorities["Ikke satt"].as_deref(),
            Some("unset"),
            "{name}"
        );
        assert_eq!(m.request_types["Sak"], "incident", "{name}");
        assert_eq!(m.request_types["Endring"], "change", "{name}");

        // Every open ticket's requester is from Molde; four name a service by category.
        let mf = &m.municipality_field;
        assert_eq!((mf.hits, mf.of), (6, 6), "{name}");
        assert_eq!(mf.from, ["requester_company"], "{name}");
        assert_eq!(mf.samples, ["Molde"], "{name}");
        assert!(mf.unmatched.is_empty(), "{name}: {:?}", mf.unmatched);
        let sf = &m.service_field;
        assert_eq!((sf.hits, sf.of), (4, 6), "{name}");
        assert_eq!(sf.samples, ["Sensio Pasientvarsling"], "{name}");

        // The INTERFACE keys are all there, and the new ones beside them.
        let json = serde_json::to_value(&p).unwrap();
        for key in [
            "reachable",
            "auth",
            "api_prefix",
            "date_filter",
            "sort_honoured",
            "sync",
            "open_tickets",
            "unmapped_statuses",
            "unmapped_priorities",
            "problems",
            "page_size_cap",
            "include_supported",
            "rate_limit",
            "statuses",
            "priorities",
            "request_types",
            "municipality_field",
            "service_field",
        ] {
            assert!(json.get(key).is_some(), "{name}: no {key:?} in {json}");
        }
        let text = slavakt::cli::probe::render_text(&p);
        assert!(
            text.contains("municipality from [requester_company]: 6 of 6"),
            "{text}"
        );
    }
}

/// A tenant that caps pages below `page_size` would make the sync take a short page for the
/// last one: probe measures the cap, says what to set (exit 1), and still counts every ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_cap_below_page_size_is_found_and_must_be_configured() {
    let w = world(START).await;
    w.tickets();
    w.fake.set_page_cap(Some(4));
    let p = w.probe().await;
    assert_eq!(p.page_size_cap, Some(4));
    assert_eq!(p.open_tickets, Some(6), "the open set is read with the cap");
    assert_eq!(p.exit_code(), 1);
    assert!(
        p.problems.iter().any(|x| x.contains("page_size = 4")),
        "{:?}",
        p.problems
    );
    let mut fixed = w.config.clone();
    fixed.pureservice.page_size = 4;
    let p = w.probe_with(&fixed).await;
    assert_eq!(p.exit_code(), 0, "{:?}", p.problems);
}

/// A tenant that ignores `include`: said in a note, and the mapping still works (users and
/// companies read separately).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ignored_include_is_noted_and_the_mapping_still_works() {
    let w = world(START).await;
    w.tickets();
    w.fake.set_include_ignored(true);
    let p = w.probe().await;
    assert_eq!(p.include_supported, Some(false));
    assert!(
        p.notes.iter().any(|n| n.contains("include=")),
        "{:?}",
        p.notes
    );
    assert_eq!(p.exit_code(), 0, "{:?}", p.problems);
    assert_eq!(p.mapping.municipality_field.hits, 6);
}

/// The rate-limit answer: the headers the tenant sends, and a 429 met on the way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answer_is_reported() {
    let w = world(START).await;
    w.tickets();
    w.fake
        .set_budget(Some(10_000), std::time::Duration::from_secs(60));
    w.fake.set_rate_headers(true);
    w.fake.inject(
        Fault::TooManyRequests(0, RetryAfterForm::Seconds),
        1,
        Some("/ticket/"),
    );
    let p = w.probe().await;
    assert_eq!(
        p.rate_limit
            .headers
            .get("x-ratelimit-limit")
            .map(String::as_str),
        Some("10000")
    );
    assert!(p.rate_limit.headers.contains_key("x-ratelimit-remaining"));
    assert_eq!(p.rate_limit.throttled, 1);
    assert_eq!(p.rate_limit.retry_after.as_deref(), Some("0"));
    assert!(p.notes.iter().any(|n| n.contains("429")), "{:?}", p.notes);
    assert_eq!(p.exit_code(), 0, "{:?}", p.problems);
    let text = slavakt::cli::probe::render_text(&p);
    assert!(text.contains("x-ratelimit-limit: 10000"), "{text}");
}

/// A municipality source that gives nothing: a problem naming the values that map to nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_municipality_field_that_never_hits_must_change() {
    let w = world(START).await;
    w.tickets();
    let mut c = w.config.clone();
    c.pureservice.municipality_from = vec![FieldSource::CustomField("cf_9".into())];
    let p = w.probe_with(&c).await;
    let mf = &p.mapping.municipality_field;
    assert_eq!((mf.hits, mf.of), (0, 6));
    assert_eq!(mf.unmatched, ["Fjellvik"]);
    assert_eq!(p.exit_code(), 1);
    assert!(
        p.problems
            .iter()
            .any(|x| x.contains("municipality_from") && x.contains("Fjellvik")),
        "{:?}",
        p.problems
    );
}
