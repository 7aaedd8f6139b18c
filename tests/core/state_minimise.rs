//! Data minimisation: a week after resolution a ticket keeps only what the reports need — no
//! assignee, no template fields, and a title only for the levels the monthly report lists.

use crate::kit::sla as sla_support;

use chrono::{DateTime, Duration, Utc};
use sla_support::{config, oslo, snapshot};
use slavakt::state::{minimise, State, MINIMISE_AFTER};
use slavakt::ticket::{CoreStatus, Person, TicketSnapshot};
use slavakt::tracker::observe;

/// A ticket at `priority`, with an assignee and a template field, resolved at `solved`.
fn resolved(state: &mut State, id: u64, priority: &str, solved: DateTime<Utc>) {
    let cfg = config();
    let mut s: TicketSnapshot = snapshot(id, priority, solved - Duration::hours(1));
    s.assignee = Some(Person {
        name: "Petter Saksbehandler".into(),
        email: Some("petter@ror-ikt.example".into()),
        phone: Some("+4790000555".into()),
    });
    s.fields
        .insert("cause".into(), "Strømbrudd i serverrommet".into());
    let (t, _) = observe(None, &s, &cfg, s.created);
    s.core = CoreStatus::Solved;
    s.status = "Løst".into();
    s.resolved = Some(solved);
    s.modified = solved;
    let t = observe(Some(&t), &s, &cfg, solved).0;
    state.tickets.insert(id, t);
}

#[test]
fn a_week_after_resolution_only_what_the_reports_need_is_kept() {
    let solved = oslo(2027, 3, 10, 12, 0);
    let mut state = State::default();
    resolved(&mut state, 1, "Kritisk", solved);
    resolved(&mut state, 2, "Middels", solved);
    let titled = slavakt::report::monthly::incident_levels(&config());
    assert_eq!(
        titled.iter().map(String::as_str).collect::<Vec<_>>(),
        ["hoy", "kritisk"]
    );

    // Within the week: nothing is dropped (resolved notices and a quick reopen need it).
    let almost = solved + MINIMISE_AFTER - Duration::minutes(1);
    assert_eq!(minimise(&mut state, &titled, almost), 0);
    assert!(state.tickets[&1].assignee.is_some());
    assert_eq!(state.tickets[&2].subject, "Testsak 2");

    let later = solved + MINIMISE_AFTER;
    assert_eq!(minimise(&mut state, &titled, later), 2);
    let (k, m) = (&state.tickets[&1], &state.tickets[&2]);
    assert_eq!(k.assignee, None);
    assert!(k.fields.is_empty());
    assert_eq!(
        k.subject, "Testsak 1",
        "the board report lists Kritisk by title"
    );
    assert_eq!(m.assignee, None);
    assert!(m.fields.is_empty());
    assert_eq!(m.subject, "", "a Middels title is in no report");
    // Clocks, spans and names of municipality and service stay for the figures.
    assert_eq!(k.resolved_at(), Some(solved));
    assert_eq!(k.municipalities, vec!["Molde".to_string()]);
    assert_eq!(k.service.as_deref(), Some("Sensio Pasientvarsling"));

    // Idempotent: nothing more to drop, so no needless state write.
    assert_eq!(minimise(&mut state, &titled, later + Duration::days(1)), 0);
    let json = serde_json::to_string(&state).unwrap();
    assert!(!json.contains("Petter") && !json.contains("Strømbrudd"));
}

#[test]
fn open_and_reopened_tickets_keep_everything() {
    let cfg = config();
    let solved = oslo(2027, 3, 10, 12, 0);
    let mut state = State::default();
    resolved(&mut state, 3, "Høy", solved);
    let titled = slavakt::report::monthly::incident_levels(&cfg);
    // Reopened a month later and seen again with its assignee: not resolved, so kept.
    let mut s = snapshot(3, "Høy", solved - Duration::hours(1));
    s.assignee = Some(Person {
        name: "Petter Saksbehandler".into(),
        email: Some("petter@ror-ikt.example".into()),
        phone: None,
    });
    s.status = "Gjenåpnet".into();
    s.reopened_count = 1;
    s.modified = solved + Duration::days(30);
    let t = observe(state.tickets.get(&3), &s, &cfg, s.modified).0;
    state.tickets.insert(3, t);
    assert_eq!(
        minimise(&mut state, &titled, solved + Duration::days(31)),
        0
    );
    assert!(state.tickets[&3].assignee.is_some());
}
