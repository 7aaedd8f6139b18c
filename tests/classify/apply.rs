//! `classify::apply` / `remember` / `observe`: unprioritised tickets run at the classified
//! level from creation (through the real tracker and SLA clocks); a person's priority is never
//! changed; a lower one is a mismatch.

use crate::kit::classify as classify_support;

use chrono::Duration;
use classify_support::{assignee, config, oslo, set_mode, ticket};
use slavakt::classify::{self, Applied};
use slavakt::ticket::{ChangePlan, CoreStatus, TicketSnapshot, TrackedTicket};

fn patient_alarm(id: u64) -> TicketSnapshot {
    let mut s = ticket(
        id,
        "Pasientvarsling nede på Bergmo",
        "<p>Ingen alarmer kommer fram til vaktrommet.</p>",
        oslo(2027, 3, 24, 15, 25),
    );
    s.service = Some("Sensio Pasientvarsling".into());
    s
}

#[test]
fn suggest_mode_classifies_without_patch_and_clocks_run_at_kritisk_from_creation() {
    let cfg = config();
    let s = patient_alarm(1);
    let now = s.created + Duration::seconds(30);
    let (t, _, applied) = classify::observe(None, &s, &cfg, now);
    match applied.expect("classified") {
        Applied::Classified {
            decision,
            patch,
            first,
        } => {
            assert_eq!(decision.level, "kritisk");
            assert_eq!(patch, None, "suggest mode writes nothing to Pureservice");
            assert!(first);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(t.level(), Some("kritisk"));
    assert_eq!(t.levels[0].at, s.created);
    let c = t.classification.as_ref().unwrap();
    assert!(c.applied);
    assert_eq!(
        (c.level.as_str(), c.rule.as_str(), c.action.as_str()),
        ("kritisk", "liv-og-helse-nede", "suggest")
    );
    assert_eq!(c.at, now);
    assert_eq!(c.priority_name.as_deref(), Some("Kritisk"));
    assert!(
        c.reasons.iter().any(|r| r.contains("nede")),
        "{:?}",
        c.reasons
    );
    // The real SLA clocks: Kritisk (15 min / 2 h, 24x7) from creation.
    let clocks = slavakt::sla::clocks(&t, &cfg, now).expect("clocks");
    assert_eq!(clocks.response.due, s.created + Duration::minutes(15));
    assert_eq!(clocks.resolution.due, s.created + Duration::hours(2));
}

#[test]
fn set_mode_asks_for_the_patch_until_pureservice_shows_a_priority() {
    let cfg = set_mode(config());
    let s = patient_alarm(2);
    let (t, _, a) = classify::observe(None, &s, &cfg, s.created + Duration::seconds(30));
    assert!(
        matches!(&a, Some(Applied::Classified { patch: Some(p), first: true, .. }) if p == "Kritisk"),
        "{a:?}"
    );
    assert_eq!(t.classification.as_ref().unwrap().action, "set");
    // Next poll, the PATCH has not landed yet: same decision, asked again (the retry), not new.
    let mut s2 = s.clone();
    s2.modified = s.created + Duration::minutes(1);
    let (t2, _, a2) = classify::observe(Some(&t), &s2, &cfg, s2.modified);
    assert!(
        matches!(
            &a2,
            Some(Applied::Classified {
                patch: Some(_),
                first: false,
                ..
            })
        ),
        "{a2:?}"
    );
    assert_eq!(
        t2.classification.as_ref().unwrap().at,
        t.classification.as_ref().unwrap().at
    );
    // The PATCH landed: Pureservice says Kritisk. Nothing to do, level unchanged.
    let mut s3 = s2.clone();
    s3.priority = Some("Kritisk".into());
    s3.modified = s.created + Duration::minutes(2);
    s3.modified_by_us = true;
    let (t3, _, a3) = classify::observe(Some(&t2), &s3, &cfg, s3.modified);
    assert_eq!(a3, None);
    assert_eq!(t3.level(), Some("kritisk"));
    assert_eq!(t3.level_since(), Some(s.created));
    assert!(t3.classification.is_some(), "the classification is kept");
}

#[test]
fn kept_while_unset_even_if_the_text_changes_and_upgraded_but_never_lowered() {
    let cfg = config();
    let mut s = ticket(3, "Får ikke logget inn", "", oslo(2027, 3, 24, 10, 0));
    let (t, _, _) = classify::observe(None, &s, &cfg, s.created);
    assert_eq!(t.level(), Some("middels"));
    // The subject is edited to something no rule matches: the classification holds.
    s.subject = "Sak om tilgang".into();
    s.modified = s.created + Duration::minutes(5);
    let (t, _, a) = classify::observe(Some(&t), &s, &cfg, s.modified);
    let d = a.unwrap().decision().clone();
    assert_eq!((d.level.as_str(), d.rule_id()), ("middels", "innlogging"));
    assert_eq!(d.reasons, vec![classify::Why::Kept]);
    assert_eq!(t.level(), Some("middels"));
    // New words that call for more: raised.
    s.description = "Min side for innbyggere er utilgjengelig".into();
    s.modified = s.created + Duration::minutes(10);
    let (t, _, a) = classify::observe(Some(&t), &s, &cfg, s.modified);
    assert!(matches!(a, Some(Applied::Classified { first: true, .. })));
    assert_eq!(t.level(), Some("hoy"));
    assert_eq!(t.classification.as_ref().unwrap().rule, "innbyggertjeneste");
}

#[test]
fn person_set_lower_priority_is_a_mismatch_and_untouched() {
    let cfg = set_mode(config());
    let mut s = patient_alarm(4);
    s.priority = Some("Middels".into());
    s.assignee = Some(assignee());
    let mut copy = s.clone();
    let a = classify::apply(&mut copy, None, &cfg, s.created);
    assert_eq!(copy, s, "the snapshot (and so the priority) is not changed");
    match a.expect("mismatch") {
        Applied::Mismatch {
            decision,
            priority,
            level,
        } => {
            assert_eq!(decision.level, "kritisk");
            assert_eq!((priority.as_str(), level.as_str()), ("Middels", "middels"));
        }
        other => panic!("{other:?}"),
    }
    let (t, _, _) = classify::observe(None, &s, &cfg, s.created);
    assert_eq!(t.level(), Some("middels"), "never raised, even in set mode");
    let c = t.classification.as_ref().unwrap();
    assert!(!c.applied);
    let m = c.mismatch.as_ref().unwrap();
    assert_eq!((m.priority.as_str(), m.at), ("Middels", s.created));
    // Seen again later: still the first sighting recorded.
    let mut s2 = s.clone();
    s2.modified = s.created + Duration::minutes(3);
    let (t2, _, _) = classify::observe(Some(&t), &s2, &cfg, s2.modified);
    assert_eq!(
        t2.classification
            .as_ref()
            .unwrap()
            .mismatch
            .as_ref()
            .unwrap()
            .at,
        s.created
    );
    // Raised by the person to Kritisk: no mismatch any more (the record stays as history).
    let mut s3 = s2.clone();
    s3.priority = Some("Kritisk".into());
    let mut copy = s3.clone();
    assert_eq!(
        classify::apply(&mut copy, Some(&t2), &cfg, s3.modified),
        None
    );
}

#[test]
fn equal_or_higher_priority_and_default_level_are_no_mismatch() {
    let mut cfg = config();
    let mut s = patient_alarm(5);
    s.priority = Some("Kritisk".into());
    assert_eq!(classify::apply(&mut s.clone(), None, &cfg, s.created), None);
    // Pureservice's "Høy" on a ticket the rules call Høy (Min side): equal, no mismatch.
    let mut s = ticket(12, "Min side er nede", "", oslo(2027, 3, 24, 10, 0));
    s.priority = Some("Høy".into());
    assert_eq!(classify::apply(&mut s.clone(), None, &cfg, s.created), None);
    cfg.classify.default_level = Some("hoy".into());
    let mut s = ticket(6, "Skriver virker ikke", "", oslo(2027, 3, 24, 10, 0));
    s.priority = Some("Lav".into());
    assert_eq!(classify::apply(&mut s.clone(), None, &cfg, s.created), None);
}

#[test]
fn unset_priority_names_count_as_missing() {
    let cfg = config(); // unset_priorities = ["Ikke satt"]
    let mut s = patient_alarm(7);
    s.priority = Some("Ikke satt".into());
    let (t, _, a) = classify::observe(None, &s, &cfg, s.created);
    assert!(matches!(a, Some(Applied::Classified { .. })));
    assert_eq!(t.level(), Some("kritisk"));
}

#[test]
fn history_and_changes_are_left_alone() {
    let cfg = config();
    // Old ticket at first sight (first start of the daemon).
    let s = patient_alarm(8);
    let (t, _, a) = classify::observe(None, &s, &cfg, s.created + Duration::days(2));
    assert_eq!(a, None);
    assert_eq!(t.level(), None);
    // Already solved when first seen.
    let mut s = patient_alarm(9);
    s.core = CoreStatus::Solved;
    assert_eq!(classify::observe(None, &s, &cfg, s.created).2, None);
    // A planned change describing downtime.
    let mut s = patient_alarm(10);
    s.change = Some(ChangePlan {
        planned_start: Some(s.created + Duration::days(4)),
        planned_end: None,
        cancelled: false,
    });
    assert_eq!(classify::observe(None, &s, &cfg, s.created).2, None);
}

#[test]
fn a_classified_ticket_keeps_its_level_when_solved() {
    let cfg = config();
    let s = patient_alarm(11);
    let (t, _, _) = classify::observe(None, &s, &cfg, s.created);
    let mut solved = s.clone();
    solved.core = CoreStatus::Solved;
    solved.status = "Løst".into();
    solved.resolved = Some(s.created + Duration::minutes(50));
    solved.modified = s.created + Duration::minutes(50);
    let (t, _, _): (TrackedTicket, _, _) =
        classify::observe(Some(&t), &solved, &cfg, solved.modified);
    assert_eq!(t.level(), Some("kritisk"));
    assert_eq!(t.levels.len(), 1, "no level change at resolution");
    assert!(t.is_resolved());
}
