//! Properties of the SLA clocks: deadlines never move earlier when pause time is added, and the
//! deadlines agree with a minute-by-minute reference count (built on `Calendar::is_open` only).

use crate::kit::sla as sla_support;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use sla_support::{config, snapshot};
use slavakt::config::Config;
use slavakt::sla::clocks;
use slavakt::ticket::{Span, TrackedTicket};
use slavakt::tracker::observe;

const PRIORITIES: [&str; 4] = ["Kritisk", "Høy", "Middels", "Lav"];

/// 2027-01-01T00:00Z + `minutes`.
fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap() + Duration::minutes(minutes)
}

fn ticket(cfg: &Config, prio: usize, created: i64, pauses: &[(i64, i64)]) -> TrackedTicket {
    let c = t(created);
    let mut tk = observe(None, &snapshot(1, PRIORITIES[prio], c), cfg, c).0;
    let mut spans: Vec<Span> = pauses
        .iter()
        .map(|&(a, len)| Span {
            start: c + Duration::minutes(a),
            end: Some(c + Duration::minutes(a + len)),
        })
        .collect();
    spans.sort_by_key(|s| s.start);
    tk.pauses = spans;
    tk
}

/// Minute-by-minute: the end of the minute in which `target` counted minutes are reached.
fn reference_due(cfg: &Config, tk: &TrackedTicket, target: i64) -> DateTime<Utc> {
    let level = cfg.level(tk.level().unwrap()).unwrap();
    let cal = cfg.calendar(&level.calendar).unwrap();
    let mut m = tk.created;
    let mut counted = 0;
    loop {
        let paused = tk
            .pauses
            .iter()
            .any(|p| p.start <= m && p.end.map_or(true, |e| m < e));
        if !paused && cal.is_open(m) {
            counted += 1;
            if counted == target {
                return m + Duration::minutes(1);
            }
        }
        m += Duration::minutes(1);
    }
}

fn pauses() -> impl Strategy<Value = Vec<(i64, i64)>> {
    // Up to three pauses starting within 5 days of creation, up to 3 days long (may overlap).
    prop::collection::vec((-120i64..7200, 1i64..4320), 0..3)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn more_pause_never_moves_a_deadline_earlier(
        prio in 0usize..4,
        created in 0i64..(365 * 1440),
        base in pauses(),
        extra in (-120i64..7200, 1i64..4320),
    ) {
        let cfg = config();
        let now = t(created) + Duration::days(60);
        let before = clocks(&ticket(&cfg, prio, created, &base), &cfg, now).unwrap();
        let mut more = base.clone();
        more.push(extra);
        let after = clocks(&ticket(&cfg, prio, created, &more), &cfg, now).unwrap();
        prop_assert!(after.response.due >= before.response.due);
        prop_assert!(after.resolution.due >= before.resolution.due);
        for (a, b) in after.resolution.warnings.iter().zip(&before.resolution.warnings) {
            prop_assert!(a.1 >= b.1);
        }
    }

    #[test]
    fn deadlines_match_a_minute_by_minute_count(
        prio in 0usize..4,
        created in 0i64..(365 * 1440),
        ps in pauses(),
    ) {
        let cfg = config();
        let tk = ticket(&cfg, prio, created, &ps);
        let c = clocks(&tk, &cfg, t(created) + Duration::days(60)).unwrap();
        prop_assert_eq!(c.response.due, reference_due(&cfg, &tk, c.response.target.num_minutes()));
        prop_assert_eq!(c.resolution.due, reference_due(&cfg, &tk, c.resolution.target.num_minutes()));
        // Used up to the deadline is the full target.
        let at_due = clocks(&tk, &cfg, c.resolution.due).unwrap();
        prop_assert_eq!(at_due.resolution.used, c.resolution.target);
    }
}
