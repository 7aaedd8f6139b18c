//! Planned changes (kommunikasjonsplan §4, SLA §6.2) through the real tracker and plan engine
//! with the shipped config, ticked like the daemon: at chosen instants, with gaps where the
//! daemon was down. Each test is one case of issue 8: registered 10 days ahead, 1 day ahead,
//! moved later after the announcement, cancelled, and the daemon down across the −2 d moment.

use crate::kit::plan as plan_support;
use crate::kit::sla as sla_support;

use chrono::{DateTime, Duration, Utc};
use plan_support::{oslo, snapshot, World};
use slavakt::plan::{Evaluation, Intent, Reason};
use slavakt::ticket::{ChangePlan, CoreStatus, Person, TicketSnapshot};

/// A change ticket for Gerica registered at `created`, planned `start`..`start + 2 h`. It has a
/// Pureservice priority like every real ticket, and an assignee.
fn change(id: u64, created: DateTime<Utc>, start: DateTime<Utc>) -> TicketSnapshot {
    let mut s = snapshot(id, "Middels", created);
    s.subject = "Oppgradering av Gerica".into();
    s.service = Some("Gerica".into());
    s.municipalities = vec!["Rauma".into()];
    s.assignee = Some(Person {
        name: "Per Testesen".into(),
        email: Some("per.testesen@ror-ikt.example".into()),
        phone: None,
    });
    s.change = Some(ChangePlan {
        planned_start: Some(start),
        planned_end: Some(start + Duration::hours(2)),
        cancelled: false,
    });
    s
}

/// The same snapshot as Pureservice shows it at `at` (modified then).
fn at(s: &TicketSnapshot, at: DateTime<Utc>) -> TicketSnapshot {
    let mut s = s.clone();
    s.modified = at;
    s
}

/// The distinct rules issued, in order (one rule posts on several channels).
fn rules(ev: &Evaluation) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for i in &ev.intents {
        if v.last() != Some(&i.key.rule) {
            v.push(i.key.rule.clone());
        }
    }
    v
}

fn of<'a>(ev: &'a Evaluation, rule: &str) -> Vec<&'a Intent> {
    ev.intents.iter().filter(|i| i.key.rule == rule).collect()
}

/// The shipped config with every hour open for the change rules: these cases are about the
/// change triggers themselves; the shipped `send_within` (Kundeservice's hours) is tested in
/// tests/plan_change_hours.rs.
fn world() -> World {
    let mut cfg = sla_support::config();
    for r in &mut cfg.plan {
        r.hold = None;
    }
    World::new(cfg)
}

/// Ticks every `step` from `from` to `to` (inclusive), like a daemon that never stopped, and
/// returns `(tick, rules issued)` for every tick that issued something.
fn run(
    w: &mut World,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    step: Duration,
) -> Vec<(DateTime<Utc>, Vec<String>)> {
    let mut out = Vec::new();
    let mut now = from;
    while now <= to {
        let ev = w.tick(now);
        if !ev.intents.is_empty() {
            out.push((now, rules(&ev)));
        }
        now += step;
    }
    out
}

#[test]
fn registered_ten_days_ahead_is_announced_reminded_started_and_completed() {
    let mut w = world();
    let created = oslo(2027, 4, 1, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    let s = change(1, created, start);
    w.observe(&s, created);
    let fired = run(
        &mut w,
        created,
        start + Duration::hours(1),
        Duration::minutes(30),
    );
    assert_eq!(
        fired,
        vec![
            // Announced when registered (§4 "i rimelig tid"), reminded 2 days before.
            (created, vec!["change-notice".to_string()]),
            (
                start - Duration::days(2),
                vec!["change-reminder".to_string()]
            ),
            (start, vec!["change-started".to_string()]),
        ],
        "a change ticket gets only the change rules (no SLA warnings or breaches)"
    );
    // Completed at 19:30: announced once, in IK Varsling and on the intranet.
    let done = start + Duration::minutes(90);
    let mut solved = at(&s, done);
    solved.core = CoreStatus::Solved;
    solved.resolved = Some(done);
    w.observe(&solved, done);
    let ev = w.tick(done);
    assert_eq!(rules(&ev), ["change-completed"]);
    let channels: Vec<&str> = ev.intents.iter().map(|i| i.key.channel.as_str()).collect();
    // §4: IK Varsling, Interne driftsmeldinger, the intranet and the internal note.
    assert_eq!(
        channels,
        [
            "intranet",
            "pureservice_note",
            "teams:driftsmeldinger",
            "teams:ik_varsling"
        ]
    );
    assert!(ev.intents.iter().all(|i| !i.late));
    assert!(w.tick(done + Duration::days(10)).intents.is_empty());
}

#[test]
fn registered_one_day_ahead_is_announced_at_once_with_a_short_notice_warning() {
    let mut w = world();
    let created = oslo(2027, 4, 10, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    w.observe(&change(2, created, start), created);
    let ev = w.tick(created);
    assert_eq!(rules(&ev), ["change-notice", "change-short-notice"]);
    let warn = of(&ev, "change-short-notice");
    assert_eq!(warn.len(), 1);
    assert_eq!(warn[0].recipient.address, "siri.aasen@ror-ikt.example");
    assert_eq!(warn[0].audience, "role:koordineringsansvarlig");
    assert_eq!(warn[0].reason, Reason::ChangeShortNotice);
    // The 2-day reminder would only repeat the announcement: it never comes; the start does.
    let fired = run(
        &mut w,
        created + Duration::minutes(30),
        start + Duration::hours(1),
        Duration::minutes(30),
    );
    assert_eq!(fired, vec![(start, vec!["change-started".to_string()])]);
}

#[test]
fn moved_later_after_the_announcement_posts_an_update_and_replans_the_reminder() {
    let mut w = world();
    let created = oslo(2027, 4, 1, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    let later = oslo(2027, 4, 15, 18, 0);
    let s = change(3, created, start);
    w.observe(&s, created);
    let fired = run(
        &mut w,
        created,
        start - Duration::days(3),
        Duration::hours(1),
    );
    assert_eq!(fired, vec![(created, vec!["change-notice".to_string()])]);
    // Moved four days later, before the old reminder time.
    let moved_at = start - Duration::days(3) + Duration::hours(5);
    let mut m = at(&s, moved_at);
    m.change.as_mut().unwrap().planned_start = Some(later);
    m.change.as_mut().unwrap().planned_end = Some(later + Duration::hours(2));
    w.observe(&m, moved_at);
    let ev = w.tick(moved_at);
    assert_eq!(rules(&ev), ["change-moved"]);
    // The update goes to the same places as the announcement (its thread in IK Varsling).
    let channels: Vec<&str> = of(&ev, "change-moved")
        .iter()
        .map(|i| i.key.channel.as_str())
        .collect();
    assert_eq!(
        channels,
        [
            "intranet",
            "pureservice_note",
            "teams:driftsmeldinger",
            "teams:ik_varsling"
        ]
    );
    // No second announcement; the reminder moves to 2 days before the new time; started then.
    let fired = run(
        &mut w,
        moved_at + Duration::hours(1),
        later + Duration::hours(1),
        Duration::hours(1),
    );
    assert_eq!(
        fired,
        vec![
            (
                later - Duration::days(2),
                vec!["change-reminder".to_string()]
            ),
            (later, vec!["change-started".to_string()]),
        ]
    );
}

#[test]
fn cancelled_after_the_announcement_is_posted_once_and_nothing_follows() {
    let mut w = world();
    let created = oslo(2027, 4, 1, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    let s = change(4, created, start);
    w.observe(&s, created);
    run(
        &mut w,
        created,
        start - Duration::days(3),
        Duration::hours(1),
    );
    let cancelled_at = start - Duration::days(3) + Duration::hours(2);
    let mut c = at(&s, cancelled_at);
    c.change.as_mut().unwrap().cancelled = true;
    w.observe(&c, cancelled_at);
    let ev = w.tick(cancelled_at);
    assert_eq!(rules(&ev), ["change-cancelled"]);
    assert_eq!(
        of(&ev, "change-cancelled")[0].reason,
        Reason::ChangeCancelled
    );
    // No reminder, no start, no completion of a cancelled change.
    let fired = run(
        &mut w,
        cancelled_at + Duration::hours(1),
        start + Duration::days(1),
        Duration::hours(1),
    );
    assert_eq!(fired, vec![]);
}

#[test]
fn cancelled_before_any_announcement_is_no_news() {
    let mut w = world();
    let created = oslo(2027, 4, 1, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    let s = change(5, created, start);
    w.observe(&s, created);
    let cancelled_at = created + Duration::days(1);
    let mut c = at(&s, cancelled_at);
    c.change.as_mut().unwrap().cancelled = true;
    w.observe(&c, cancelled_at);
    let fired = run(
        &mut w,
        created,
        start + Duration::days(1),
        Duration::hours(1),
    );
    assert_eq!(fired, vec![]);
}

#[test]
fn daemon_down_across_the_reminder_sends_it_once_marked_late() {
    let mut w = world();
    let created = oslo(2027, 4, 1, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    w.observe(&change(6, created, start), created);
    run(
        &mut w,
        created,
        start - Duration::days(2) - Duration::hours(1),
        Duration::hours(1),
    );
    // Down from −2 d −1 h to −2 d +6 h.
    let back = start - Duration::days(2) + Duration::hours(6);
    let ev = w.tick(back);
    assert_eq!(rules(&ev), ["change-reminder"]);
    let reminder = of(&ev, "change-reminder");
    assert_eq!(
        reminder.len(),
        3,
        "IK Varsling, Interne driftsmeldinger and the intranet"
    );
    assert!(reminder
        .iter()
        .all(|i| i.late && i.due_at == start - Duration::days(2)));
    // Sent once: later ticks do not repeat it; the start still comes on time.
    let fired = run(
        &mut w,
        back + Duration::minutes(30),
        start + Duration::minutes(30),
        Duration::minutes(30),
    );
    assert_eq!(fired, vec![(start, vec!["change-started".to_string()])]);
}

#[test]
fn daemon_down_across_announcement_and_reminder_sends_the_announcement_alone() {
    let mut w = world();
    let created = oslo(2027, 4, 1, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    w.observe(&change(7, created, start), created);
    // Down from registration until −1 d 20 h: the announcement and the −2 d moment were missed.
    let back = start - Duration::days(1) - Duration::hours(20);
    let ev = w.tick(back);
    assert_eq!(
        rules(&ev),
        ["change-notice"],
        "the reminder would only repeat it"
    );
    assert!(ev.intents.iter().all(|i| i.late && i.due_at == created));
    let fired = run(
        &mut w,
        back + Duration::hours(1),
        start + Duration::hours(1),
        Duration::hours(1),
    );
    assert_eq!(fired, vec![(start, vec!["change-started".to_string()])]);
}

#[test]
fn moved_and_moved_back_to_the_announced_time_posts_both_moves() {
    let mut w = world();
    let created = oslo(2027, 4, 1, 9, 0);
    let start = oslo(2027, 4, 11, 18, 0);
    let s = change(8, created, start);
    w.observe(&s, created);
    run(
        &mut w,
        created,
        start - Duration::days(3),
        Duration::hours(1),
    );
    let plan = |w: &mut World, when: DateTime<Utc>, to: DateTime<Utc>| {
        let mut m = at(&s, when);
        m.change.as_mut().unwrap().planned_start = Some(to);
        m.change.as_mut().unwrap().planned_end = Some(to + Duration::hours(2));
        w.observe(&m, when);
        rules(&w.tick(when))
    };
    let t1 = start - Duration::days(3) + Duration::hours(2);
    assert_eq!(
        plan(&mut w, t1, start + Duration::days(1)),
        ["change-moved"]
    );
    // Back to the time first announced: those who read the move must hear it too.
    let t2 = t1 + Duration::hours(2);
    assert_eq!(plan(&mut w, t2, start), ["change-moved"]);
    assert!(w.tick(t2 + Duration::hours(1)).intents.is_empty());
}

#[test]
fn a_change_registered_after_the_fact_and_completed_is_no_news() {
    // An emergency change written down after it started (planned start already past at
    // registration), then solved: never announced, so its completion is not posted either.
    let mut w = world();
    let start = oslo(2027, 4, 6, 22, 0);
    let created = start + Duration::hours(1);
    let s = change(9, created, start);
    w.observe(&s, created);
    let done_at = created + Duration::hours(1);
    let mut d = at(&s, done_at);
    d.core = CoreStatus::Solved;
    d.status = "Løst".into();
    d.resolved = Some(done_at);
    w.observe(&d, done_at);
    let fired = run(
        &mut w,
        created,
        done_at + Duration::hours(3),
        Duration::minutes(30),
    );
    assert_eq!(fired, vec![]);
}
