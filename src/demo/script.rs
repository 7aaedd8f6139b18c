//! The demo's scripted incidents, in simulated time from the demo's start: a Kritisk patient-
//! alarm outage in Molde (answered, resolved after 1 h 40 min) and a Høy school-system outage in
//! Rauma that lasts 4 h 30 min, so hourly and two-hourly status reminders, leadership notices,
//! SLA warnings and the resolved notices all show.

use crate::clock::Clock;
use crate::pureservice::fake::{FakePureservice, NewTicket};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

/// Subjects of the scripted tickets.
pub const TICKETS: [&str; 2] = [
    "Pasientvarsling nede på Bergmo omsorgssenter",
    "Visma Flyt Skole utilgjengelig for skolene i Rauma",
];

/// How long the scripted story runs in simulated time.
pub fn length() -> Duration {
    Duration::minutes(4 * 60 + 45)
}

/// Adds the categories the shipped config's services use to the fake's reference data.
pub fn prepare(fake: &FakePureservice) {
    fake.with_store(|s| {
        for (id, name) in [(21u64, "Pasientvarsling"), (22, "Visma Flyt Skole")] {
            let mut obj = serde_json::Map::new();
            obj.insert("name".into(), json!(name));
            obj.insert("level".into(), json!(2));
            s.insert("category", id, obj);
        }
    });
}

enum Step {
    Create {
        subject: &'static str,
        priority: &'static str,
        requester: u64,
        category: &'static str,
    },
    Respond(usize),
    Status(usize, &'static str),
}

/// Plays the story against the fake as simulated time passes; returns when it is over.
pub async fn play(
    fake: &FakePureservice,
    clock: &dyn Clock,
    start: DateTime<Utc>,
    stop: &CancellationToken,
    out: Arc<Mutex<dyn Write + Send>>,
) -> Vec<u64> {
    let steps: Vec<(i64, Step)> = vec![
        (
            1,
            Step::Create {
                subject: TICKETS[0],
                priority: "Kritisk",
                requester: 102,
                category: "Pasientvarsling",
            },
        ),
        (10, Step::Respond(0)),
        (12, Step::Status(0, "Under arbeid")),
        (
            25,
            Step::Create {
                subject: TICKETS[1],
                priority: "Høy",
                requester: 103,
                category: "Visma Flyt Skole",
            },
        ),
        (50, Step::Respond(1)),
        (100, Step::Status(0, "Løst")),
        (270, Step::Status(1, "Løst")),
    ];
    let mut ids: Vec<u64> = Vec::new();
    for (minute, step) in steps {
        if !wait_until(clock, start + Duration::minutes(minute), stop).await {
            return ids;
        }
        let line = match step {
            Step::Create {
                subject,
                priority,
                requester,
                category,
            } => {
                match fake.create_ticket(NewTicket {
                    subject: subject.into(),
                    description: format!("<p>{subject}. Meldt av bruker.</p>"),
                    priority: Some(priority.into()),
                    requester: Some(requester),
                    assignee: Some(201),
                    categories: vec![category.into()],
                    ..NewTicket::default()
                }) {
                    Ok(id) => {
                        ids.push(id);
                        format!("── Pureservice: new {priority} ticket #{id}: {subject}")
                    }
                    Err(e) => format!("── Pureservice refused the scripted ticket: {e}"),
                }
            }
            Step::Respond(i) => {
                let Some(&id) = ids.get(i) else { continue };
                fake.update_ticket(id, json!({ "responded": clock.now().to_rfc3339() }));
                format!("── Pureservice: ticket #{id} answered by the service desk")
            }
            Step::Status(i, status) => {
                let Some(&id) = ids.get(i) else { continue };
                if status == "Løst" {
                    fake.update_ticket(id, json!({ "resolved": clock.now().to_rfc3339() }));
                }
                fake.set_status(id, status);
                format!("── Pureservice: ticket #{id} → {status}")
            }
        };
        let at = clock
            .now()
            .with_timezone(&chrono_tz::Europe::Oslo)
            .format("%a %H:%M");
        let _ = writeln!(out.lock().expect("out lock"), "{at}  {line}");
    }
    wait_until(clock, start + length(), stop).await;
    ids
}

/// Waits (in real time, polling the accelerated clock) until simulated time reaches `t`.
async fn wait_until(clock: &dyn Clock, t: DateTime<Utc>, stop: &CancellationToken) -> bool {
    while clock.now() < t {
        if stop.is_cancelled() {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    true
}
