//! Table tests of `tracker::observe`: how snapshots become tracked history.

use crate::kit::sla as sla_support;

use chrono::{DateTime, Duration, Utc};
use sla_support::{config, oslo, snapshot};
use slavakt::ticket::{ChangePlan, CoreStatus, Person, Span, TicketSnapshot, TrackedTicket};
use slavakt::tracker::{observe, Observed};

/// Feeds snapshots in order; returns the final ticket and every observation batch.
fn run(snaps: &[TicketSnapshot]) -> (TrackedTicket, Vec<Vec<Observed>>) {
    let cfg = config();
    let mut cur: Option<TrackedTicket> = None;
    let mut all = Vec::new();
    for s in snaps {
        let (t, obs) = observe(cur.as_ref(), s, &cfg, s.modified + Duration::seconds(20));
        cur = Some(t);
        all.push(obs);
    }
    (cur.unwrap(), all)
}

fn at(s: &TicketSnapshot, t: DateTime<Utc>) -> TicketSnapshot {
    TicketSnapshot {
        modified: t,
        ..s.clone()
    }
}

#[test]
fn first_seen_open_ticket() {
    let created = oslo(2027, 3, 22, 10, 0);
    let mut s = snapshot(1, "Middels", created);
    s.modified = created + Duration::minutes(5);
    let (t, obs) = run(&[s]);
    assert_eq!(obs, vec![vec![Observed::FirstSeen]]);
    assert_eq!(t.level(), Some("middels"));
    assert_eq!(t.levels.len(), 1);
    // The level is assumed to have held since creation.
    assert_eq!(t.levels[0].at, created);
    assert_eq!(t.levels[0].priority.as_deref(), Some("Middels"));
    assert_eq!(
        t.first_seen,
        created + Duration::minutes(5) + Duration::seconds(20)
    );
    assert_eq!(t.last_modified, created + Duration::minutes(5));
    assert_eq!(t.last_agent_update, created + Duration::minutes(5));
    assert!(!t.resolved_when_first_seen);
    assert!(t.pauses.is_empty() && t.resolutions.is_empty());
    assert!(!t.is_resolved() && !t.is_paused());
}

#[test]
fn first_seen_solved_ticket() {
    let created = oslo(2027, 3, 22, 10, 0);
    let solved = oslo(2027, 3, 22, 12, 0);
    let mut s = snapshot(2, "Høy", created);
    s.core = CoreStatus::Solved;
    s.status = "Løst".into();
    s.responded = Some(created + Duration::minutes(10));
    s.resolved = Some(solved);
    s.modified = solved + Duration::minutes(1);
    let (t, _) = run(&[s]);
    assert!(t.resolved_when_first_seen);
    assert!(t.is_resolved());
    assert_eq!(t.resolved_at(), Some(solved));
    assert_eq!(t.responded, Some(created + Duration::minutes(10)));
    assert_eq!(t.level(), Some("hoy"));
}

#[test]
fn first_seen_closed_without_resolved_time_uses_closed() {
    let created = oslo(2027, 3, 22, 10, 0);
    let mut s = snapshot(3, "Lav", created);
    s.core = CoreStatus::Closed;
    s.closed = Some(created + Duration::hours(3));
    s.modified = created + Duration::hours(4);
    let (t, _) = run(&[s]);
    assert_eq!(t.resolved_at(), Some(created + Duration::hours(3)));
}

#[test]
fn first_seen_paused_is_paused_since_modified() {
    let created = oslo(2027, 3, 22, 10, 0);
    let mut s = snapshot(4, "Middels", created);
    s.status = "Venter - leverandør".into();
    s.modified = created + Duration::hours(1);
    let (t, _) = run(&[s]);
    assert!(t.is_paused());
    assert_eq!(
        t.pauses,
        vec![Span {
            start: created + Duration::hours(1),
            end: None
        }]
    );
}

#[test]
fn priority_raise_middels_to_kritisk() {
    let created = oslo(2027, 3, 22, 10, 0);
    let s0 = snapshot(5, "Middels", created);
    let mut s1 = at(&s0, created + Duration::minutes(30));
    s1.priority = Some("Kritisk".into());
    let (t, obs) = run(&[s0, s1]);
    assert_eq!(
        obs[1],
        vec![Observed::LevelChanged {
            from: Some("middels".into()),
            to: Some("kritisk".into())
        }]
    );
    assert_eq!(t.level(), Some("kritisk"));
    assert_eq!(t.levels.len(), 2);
    assert_eq!(t.levels[1].at, created + Duration::minutes(30));
    assert_eq!(t.level_since(), Some(created + Duration::minutes(30)));
}

#[test]
fn unknown_and_unset_priorities_have_no_level() {
    let created = oslo(2027, 3, 22, 10, 0);
    let s0 = snapshot(6, "Ikke satt", created);
    let mut s1 = at(&s0, created + Duration::minutes(1));
    s1.priority = Some("Superhøy".into());
    let mut s2 = at(&s1, created + Duration::minutes(2));
    s2.priority = Some("Høy".into());
    let (t, obs) = run(&[s0, s1, s2]);
    assert_eq!(t.levels[0].level, None);
    // Name changed, level did not: history records it, no LevelChanged.
    assert_eq!(obs[1], vec![]);
    assert_eq!(t.levels[1].level, None);
    assert_eq!(t.levels[1].priority.as_deref(), Some("Superhøy"));
    assert_eq!(
        obs[2],
        vec![Observed::LevelChanged {
            from: None,
            to: Some("hoy".into())
        }]
    );
}

#[test]
fn pause_and_resume() {
    let created = oslo(2027, 3, 22, 10, 0);
    let s0 = snapshot(7, "Middels", created);
    let mut s1 = at(&s0, created + Duration::hours(1));
    s1.status = "Venter - sluttbruker".into();
    let mut s2 = at(&s1, created + Duration::hours(2));
    s2.status = "Venter - leverandør".into();
    let mut s3 = at(&s2, created + Duration::hours(3));
    s3.status = "Under arbeid".into();
    let (t, obs) = run(&[s0, s1, s2, s3]);
    assert_eq!(
        obs[1],
        vec![
            Observed::StatusChanged {
                from: "Ny".into(),
                to: "Venter - sluttbruker".into()
            },
            Observed::Paused
        ]
    );
    // Moving between two pause statuses keeps one pause.
    assert_eq!(
        obs[2],
        vec![Observed::StatusChanged {
            from: "Venter - sluttbruker".into(),
            to: "Venter - leverandør".into()
        }]
    );
    assert!(obs[3].contains(&Observed::Resumed));
    assert_eq!(
        t.pauses,
        vec![Span {
            start: created + Duration::hours(1),
            end: Some(created + Duration::hours(3))
        }]
    );
    assert!(!t.is_paused());
}

#[test]
fn respond_resolve_reopen_resolve() {
    let created = oslo(2027, 3, 22, 10, 0);
    let s0 = snapshot(8, "Høy", created);
    let mut s1 = at(&s0, created + Duration::minutes(20));
    s1.responded = Some(created + Duration::minutes(19));
    let mut s2 = at(&s1, created + Duration::hours(2));
    s2.core = CoreStatus::Solved;
    s2.status = "Løst".into();
    s2.resolved = Some(created + Duration::minutes(119));
    let mut s3 = at(&s2, created + Duration::hours(3));
    s3.core = CoreStatus::Open;
    s3.status = "Under arbeid".into();
    s3.resolved = None;
    s3.reopened_count = 1;
    let mut s4 = at(&s3, created + Duration::hours(4));
    s4.core = CoreStatus::Closed;
    s4.status = "Lukket".into();
    s4.closed = Some(created + Duration::hours(4));
    let (t, obs) = run(&[s0, s1, s2, s3, s4]);
    assert_eq!(obs[1], vec![Observed::Responded]);
    assert!(obs[2].contains(&Observed::Resolved));
    assert!(obs[3].contains(&Observed::Reopened));
    assert!(obs[4].contains(&Observed::Resolved));
    assert_eq!(t.responded, Some(created + Duration::minutes(19)));
    assert_eq!(
        t.resolutions,
        vec![
            Span {
                start: created + Duration::minutes(119),
                end: Some(created + Duration::hours(3))
            },
            Span {
                start: created + Duration::hours(4),
                end: None
            }
        ]
    );
    assert!(!t.resolved_when_first_seen);
    assert!(t.is_resolved());
}

#[test]
fn solved_to_closed_is_not_a_new_resolution() {
    let created = oslo(2027, 3, 22, 10, 0);
    let mut s0 = snapshot(9, "Lav", created);
    s0.core = CoreStatus::Solved;
    s0.resolved = Some(created + Duration::hours(1));
    s0.modified = created + Duration::hours(1);
    let mut s1 = at(&s0, created + Duration::days(3));
    s1.core = CoreStatus::Closed;
    s1.closed = Some(created + Duration::days(3));
    let (t, obs) = run(&[s0, s1]);
    assert!(!obs[1].contains(&Observed::Resolved));
    assert_eq!(t.resolutions.len(), 1);
    assert_eq!(t.resolved_at(), Some(created + Duration::hours(1)));
}

#[test]
fn reopened_and_solved_again_between_polls() {
    let created = oslo(2027, 3, 22, 10, 0);
    let mut s0 = snapshot(10, "Høy", created);
    s0.core = CoreStatus::Solved;
    s0.resolved = Some(created + Duration::hours(1));
    s0.modified = created + Duration::hours(1);
    let mut s1 = at(&s0, created + Duration::hours(3));
    s1.resolved = Some(created + Duration::hours(3));
    s1.reopened_count = 1;
    let (t, obs) = run(&[s0, s1]);
    assert_eq!(obs[1], vec![Observed::Reopened, Observed::Resolved]);
    assert_eq!(t.resolutions.len(), 2);
    assert_eq!(t.resolved_at(), Some(created + Duration::hours(3)));
}

#[test]
fn own_writes_do_not_count_as_agent_updates() {
    let created = oslo(2027, 3, 22, 10, 0);
    let s0 = snapshot(11, "Kritisk", created);
    let mut s1 = at(&s0, created + Duration::minutes(10));
    s1.modified_by_us = true;
    let mut s2 = at(&s1, created + Duration::minutes(30));
    s2.modified_by_us = false;
    s2.assignee = Some(Person {
        name: "Kari Testnes".into(),
        email: Some("kari@ror.example".into()),
        phone: None,
    });
    let cfg = config();
    let (t0, _) = observe(None, &s0, &cfg, created);
    let (t1, _) = observe(Some(&t0), &s1, &cfg, created + Duration::minutes(11));
    assert_eq!(t1.last_agent_update, created);
    assert_eq!(t1.last_modified, created + Duration::minutes(10));
    let (t2, _) = observe(Some(&t1), &s2, &cfg, created + Duration::minutes(31));
    assert_eq!(t2.last_agent_update, created + Duration::minutes(30));
    assert_eq!(
        t2.assignee.as_ref().map(|p| p.name.as_str()),
        Some("Kari Testnes")
    );
}

#[test]
fn observing_the_same_snapshot_twice_changes_nothing() {
    let created = oslo(2027, 3, 22, 10, 0);
    let cfg = config();
    let mut variants = vec![snapshot(12, "Middels", created)];
    let mut paused = at(&variants[0], created + Duration::hours(1));
    paused.status = "Venter - leverandør".into();
    paused.responded = Some(created + Duration::minutes(5));
    variants.push(paused);
    let mut solved = at(&variants[1], created + Duration::hours(2));
    solved.core = CoreStatus::Solved;
    solved.status = "Løst".into();
    solved.resolved = Some(created + Duration::hours(2));
    variants.push(solved);
    let mut prev: Option<TrackedTicket> = None;
    for s in &variants {
        let (t1, _) = observe(prev.as_ref(), s, &cfg, s.modified);
        let (t2, obs) = observe(Some(&t1), s, &cfg, s.modified + Duration::minutes(1));
        assert_eq!(obs, vec![], "re-observing {:?}", s.status);
        assert_eq!(t1, t2);
        prev = Some(t2);
    }
}

#[test]
fn stale_snapshot_never_dates_history_backwards() {
    let created = oslo(2027, 3, 22, 10, 0);
    let s0 = at(
        &snapshot(13, "Middels", created),
        created + Duration::hours(2),
    );
    let mut s1 = at(&s0, created + Duration::hours(1));
    s1.status = "Venter - sluttbruker".into();
    let (t, _) = run(&[s0, s1]);
    assert_eq!(t.pauses[0].start, created + Duration::hours(2));
    assert_eq!(t.last_modified, created + Duration::hours(2));
}

#[test]
fn planned_change_moves_and_cancellation() {
    let created = oslo(2027, 3, 1, 9, 0);
    let start1 = oslo(2027, 3, 10, 18, 0);
    let start2 = oslo(2027, 3, 12, 18, 0);
    let mut s0 = snapshot(14, "Lav", created);
    s0.change = Some(ChangePlan {
        planned_start: Some(start1),
        planned_end: Some(start1 + Duration::hours(2)),
        cancelled: false,
    });
    let mut s1 = at(&s0, created + Duration::days(1));
    s1.change = Some(ChangePlan {
        planned_start: Some(start2),
        planned_end: Some(start2 + Duration::hours(2)),
        cancelled: false,
    });
    let mut s2 = at(&s1, created + Duration::days(2));
    s2.change.as_mut().unwrap().cancelled = true;
    let (t, obs) = run(&[s0, s1, s2]);
    assert!(t.is_change());
    assert_eq!(obs[1], vec![Observed::ChangeMoved]);
    assert_eq!(obs[2], vec![Observed::ChangeCancelled]);
    assert_eq!(t.change_revisions, vec![start1, start2]);
    assert!(t.change.as_ref().unwrap().cancelled);
}

#[test]
fn descriptive_fields_follow_the_source() {
    let created = oslo(2027, 3, 22, 10, 0);
    let s0 = snapshot(15, "Høy", created);
    let mut s1 = at(&s0, created + Duration::minutes(3));
    s1.subject = "Fagsystem nede i Rauma".into();
    s1.municipalities = vec!["Rauma".into(), "Vestnes".into()];
    s1.service = Some("Fagsystem".into());
    s1.fields
        .insert("consequence".into(), "Ingen tilgang".into());
    let (t, _) = run(&[s0, s1]);
    assert_eq!(t.subject, "Fagsystem nede i Rauma");
    assert_eq!(t.municipalities, vec!["Rauma", "Vestnes"]);
    assert_eq!(t.service.as_deref(), Some("Fagsystem"));
    assert_eq!(
        t.fields.get("consequence").map(String::as_str),
        Some("Ingen tilgang")
    );
}
