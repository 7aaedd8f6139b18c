//! Issue 14's first done-when check, as `simulate` runs it (scenario replay with the shipped
//! config): a Kritisk incident at 02:00 on a Saturday affecting two municipalities. Every
//! message that promises a next status ("… senest kl. HH:MM") is followed, by that time, by
//! another message to the same person (on any channel) about the same ticket — the status
//! update, or the resolved notice. The promise is read from the rendered text, independently
//! of the engine's own idea of when the next status is due.

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use slavakt::scenario::{self, Simulation};
use std::collections::BTreeSet;
use std::path::Path;

fn shipped() -> slavakt::config::Config {
    slavakt::config::load_with_env(Path::new("config/slavakt.toml"), &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

const SCENARIO: &str = r#"
# Kritisk on Saturday 20 March 2027 at 02:00, in Molde and Aukra; fixed at 05:40.
until = "2027-03-20T09:00:00+01:00"

[[event]]
at = "2027-03-20T02:00:00+01:00"
ticket = 1401
kind = "created"
priority = "Kritisk"
municipalities = ["Molde", "Aukra"]
service = "Sensio Pasientvarsling"
subject = "Pasientvarsling nede på sykehjemmene"
assignee = "Per Testesen"
assignee_email = "per.testesen@ror-ikt.example"

[[event]]
at = "2027-03-20T02:10:00+01:00"
ticket = 1401
kind = "responded"

[[event]]
at = "2027-03-20T05:40:00+01:00"
ticket = 1401
kind = "resolved"
fields = { cause = "Defekt nettverkssvitsj" }
"#;

/// The time a text promises the next status by: the `HH:MM` (or `HH.MM`) after "kl." that
/// follows "senest" in the same sentence.
fn promised(text: &str) -> Option<NaiveTime> {
    let at = text.find("senest")?;
    let rest = &text[at..];
    let rest = &rest[..rest.find(['\n']).unwrap_or(rest.len())];
    let k = rest.find("kl. ")?;
    let hm = rest.get(k + 4..k + 9)?;
    NaiveTime::parse_from_str(&hm.replace('.', ":"), "%H:%M").ok()
}

/// The first instant after `after` whose Oslo wall-clock time is `t`.
fn next_at(after: DateTime<Utc>, t: NaiveTime) -> DateTime<Utc> {
    let local = after.with_timezone(&Oslo).date_naive();
    (0..3)
        .filter_map(|d| {
            Oslo.from_local_datetime(&(local + Duration::days(d)).and_time(t))
                .earliest()
        })
        .map(|x| x.with_timezone(&Utc))
        .find(|x| *x > after)
        .expect("a promised time within three days")
}

fn run() -> Simulation {
    let sc = scenario::parse(SCENARIO).unwrap_or_else(|e| panic!("{e}"));
    let sim = scenario::replay(&sc, &shipped());
    for a in &sim.actions {
        if let Err(e) = &a.message {
            panic!("{}: {e}", a.intent.key);
        }
    }
    sim
}

#[test]
fn kritisk_at_2_on_a_saturday_in_two_municipalities_keeps_every_promised_status() {
    let sim = run();
    let cfg = shipped();
    let mut promises = 0;
    let mut promised_to: BTreeSet<String> = BTreeSet::new();
    for a in &sim.actions {
        let m = a.message.as_ref().unwrap();
        let body = if a.intent.key.channel == "sms" {
            &m.short
        } else {
            &m.text
        };
        let Some(t) = promised(body) else {
            continue;
        };
        promises += 1;
        let by = next_at(a.at, t);
        let who = &a.intent.recipient.name;
        promised_to.insert(who.clone());
        let kept = sim.actions.iter().any(|b| {
            b.intent.key.ticket == a.intent.key.ticket
                && &b.intent.recipient.name == who
                && b.at > a.at
                && b.at <= by
        });
        assert!(
            kept,
            "{} ({}) at {} promised a status by {} to {who}; none came:\n{body}",
            a.intent.key.rule,
            a.intent.key.channel,
            a.at.with_timezone(&Oslo),
            by.with_timezone(&Oslo)
        );
    }
    assert!(promises > 0, "the Kritisk notices promise a next status");
    // The priority-1 contacts of both municipalities were told, and promised a status.
    for name in ["Molde", "Aukra"] {
        let m = cfg.municipalities.iter().find(|m| m.name == name).unwrap();
        let critical: Vec<&str> = m
            .contacts
            .iter()
            .filter(|c| c.critical)
            .map(|c| c.name.as_str())
            .collect();
        assert!(!critical.is_empty(), "{name}");
        for c in critical {
            assert!(
                promised_to.contains(c),
                "{c} ({name}) was promised a status"
            );
            // And got the hourly status (03:00, 04:00, 05:00) and the resolved notice.
            let got: BTreeSet<String> = sim
                .actions
                .iter()
                .filter(|a| a.intent.recipient.name == c)
                .map(|a| a.at.with_timezone(&Oslo).format("%H:%M").to_string())
                .collect();
            for hm in ["02:00", "03:00", "04:00", "05:00", "05:40"] {
                assert!(got.contains(hm), "{c} ({name}) at {hm}: {got:?}");
            }
        }
    }
}

#[test]
fn the_promise_reader_reads_what_the_templates_write() {
    let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    assert_eq!(
        promised("Ny status senest kl. 04:00. Sak 1401."),
        Some(t(4, 0))
    );
    assert_eq!(
        promised("Neste statusoppdatering: senest lørdag 20. mars 2027 kl. 03:00."),
        Some(t(3, 0))
    );
    assert_eq!(promised("Næste status senest kl. 03.00."), Some(t(3, 0)));
    assert_eq!(promised("Feilen er rettet kl. 05:40."), None);
}
