//! The serious-incident report drafted from a ticket history built through the real tracker
//! (`cycle::track`) and a ledger filled by the real plan engine (`cycle::plan`) with the shipped
//! config: a Høy ticket raised to Kritisk, paused for a vendor, one SMS failing, then resolved.

use crate::kit::sla as sla_support;

use chrono::{DateTime, Duration, Utc};
use sla_support::{config, oslo, snapshot};
use slavakt::app::cycle;
use slavakt::config::{Config, Language};
use slavakt::ledger::{Attempt, DeliveryStatus};
use slavakt::plan::Reason;
use slavakt::state::State;
use slavakt::ticket::{CoreStatus, TicketSnapshot};

/// Settles every pending entry as the outbox would: delivered a few seconds after it was
/// issued, except the incident alert SMS to Varslingsansvarlig, which fails.
fn settle(state: &mut State, failing_phone: &str) {
    for e in state.ledger.entries.values_mut() {
        if e.status != DeliveryStatus::Pending {
            continue;
        }
        let at = e.created_at + Duration::seconds(4);
        let fail = e.intent.key.channel == "sms" && e.intent.recipient.address == failing_phone;
        e.status = if fail {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Delivered
        };
        e.attempts.push(Attempt {
            at,
            ok: !fail,
            outcome: if fail {
                "HTTP 503 (retryable)".into()
            } else {
                "250 accepted".into()
            },
        });
        e.next_attempt = None;
        e.message = None;
    }
}

struct Run {
    state: State,
    cfg: Config,
    snap: TicketSnapshot,
    failing_phone: String,
}

impl Run {
    /// Pureservice changes the ticket at `at`; the daemon sees it 20 s later and plans.
    fn step(&mut self, at: DateTime<Utc>, f: impl FnOnce(&mut TicketSnapshot)) -> cycle::PlanStep {
        f(&mut self.snap);
        self.snap.modified = at;
        let now = at + Duration::seconds(20);
        cycle::track(
            &mut self.state,
            std::slice::from_ref(&self.snap),
            &self.cfg,
            now,
        );
        cycle::plan(&mut self.state, &self.cfg, now)
    }
}

/// Høy at 09:00 (Wednesday 24 March 2027), response 09:10, raised to Kritisk 09:30, waiting on
/// the vendor 10:00–10:45, solved 11:30. The last step's plan is returned unsettled.
fn incident(lang: Language) -> (Run, cycle::PlanStep) {
    let mut cfg = config();
    cfg.daemon.language = lang;
    let failing_phone = cfg.roles["varslingsansvarlig"].phone.clone().unwrap();
    let mut snap = snapshot(7, "Høy", oslo(2027, 3, 24, 9, 0));
    snap.subject = "Pasientvarsling nede på Bergmo".into();
    snap.fields
        .insert("consequence".into(), "Alarmene kommer ikke fram".into());
    let mut run = Run {
        state: State::default(),
        cfg,
        snap,
        failing_phone,
    };
    run.step(oslo(2027, 3, 24, 9, 0), |_| {});
    let p = run.failing_phone.clone();
    settle(&mut run.state, &p);
    for (at, change) in [
        (oslo(2027, 3, 24, 9, 10), "respond"),
        (oslo(2027, 3, 24, 9, 30), "kritisk"),
        (oslo(2027, 3, 24, 10, 0), "pause"),
        (oslo(2027, 3, 24, 10, 45), "work"),
    ] {
        run.step(at, |s| match change {
            "respond" => {
                s.responded = Some(at);
                s.status = "Under arbeid".into();
            }
            "kritisk" => s.priority = Some("Kritisk".into()),
            "pause" => s.status = "Venter - leverandør".into(),
            _ => s.status = "Under arbeid".into(),
        });
        settle(&mut run.state, &p);
    }
    let at = oslo(2027, 3, 24, 11, 30);
    let last = run.step(at, |s| {
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
    });
    (run, last)
}

fn draft(run: &Run) -> String {
    let r = &run.state.incident_reports["7/1"];
    r.draft.clone().expect("the draft is owed until written")
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

#[test]
fn the_draft_has_header_sla_outcome_timeline_and_headings() {
    let (run, step) = incident(Language::En);
    assert_eq!(step.incident_reports, vec!["incident-1007-2027-03-24.md"]);
    let md = draft(&run);

    // Header.
    assert!(
        md.starts_with("# Serious-incident report – ticket 1007"),
        "{md}"
    );
    assert!(
        md.contains("| Title | Pasientvarsling nede på Bergmo |"),
        "{md}"
    );
    assert!(md.contains("| Service/system | Sensio Pasientvarsling |"));
    assert!(md.contains("| Municipalities | Molde |"));
    assert!(md.contains("| Priority | Kritisk |"));
    assert!(md.contains("| Started | Wednesday 24 March 2027 at 09:00 |"));
    assert!(md.contains("| Resolved | Wednesday 24 March 2027 at 11:30 |"));
    assert!(md.contains("| Duration | 2 h 30 min |"));

    // SLA at Kritisk, re-planned from creation: response 10 min (met, target 15 min);
    // resolution 60 + 45 min counted, the 45 min pause excluded (met, target 2 h, due 11:45).
    assert!(
        md.contains("| Response | 15 min | Wednesday 24 March 2027 at 09:15 | Wednesday 24 March 2027 at 09:10 | 10 min | **met** |"),
        "{md}"
    );
    assert!(
        md.contains("| Resolution | 2 h | Wednesday 24 March 2027 at 11:45 | Wednesday 24 March 2027 at 11:30 | 1 h 45 min | **met** |"),
        "{md}"
    );
    assert!(md.contains("1 pause(s), 45 min in all"), "{md}");

    // Timeline, in order.
    let created = line_of(&md, "| 2027-03-24 09:00 | Ticket created (Høy) |");
    let alert = line_of(
        &md,
        "Notice: incident-open-alert | email | Ingrid Hammervoll | delivered",
    );
    let failed = line_of(
        &md,
        "Notice: incident-open-alert | sms | Per Kvalvik | failed: HTTP 503 (retryable)",
    );
    let responded = line_of(&md, "| 2027-03-24 09:10 | First response |");
    let raised = line_of(
        &md,
        "| 2027-03-24 09:30 | Priority changed: Høy → Kritisk |",
    );
    let announce = line_of(&md, "Notice: kritisk-announcement | teams:ik_varsling");
    let waiting = line_of(&md, "| 2027-03-24 10:00 | Status: Venter - leverandør |");
    let paused = line_of(&md, "| 2027-03-24 10:00 | SLA clocks paused (waiting) |");
    let resumed = line_of(&md, "| 2027-03-24 10:45 | SLA clocks running again |");
    let resolved = line_of(&md, "| 2027-03-24 11:30 | Resolved |");
    assert!(created < alert && alert <= failed && failed < responded);
    assert!(responded < raised && raised < announce && announce < waiting);
    assert!(waiting < paused && paused < resumed && resumed < resolved);
    // The resolved notices are issued after the draft: not in it.
    assert!(!md.contains("incident-resolved"), "{md}");

    // Headings for the person, with the Pureservice field as a head start.
    let c = line_of(&md, "## Consequences");
    let r = line_of(&md, "## Root cause");
    let m = line_of(&md, "## Measures");
    assert!(resolved < c && c < r && r < m);
    assert!(md.contains("From the ticket: Alarmene kommer ikke fram"));
}

#[test]
fn the_resolved_email_to_the_report_roles_carries_the_draft_and_no_one_else_gets_it() {
    let (run, step) = incident(Language::Nb);
    let md = draft(&run);
    let resolved: Vec<_> = run
        .state
        .ledger
        .entries
        .values()
        .filter(|e| e.intent.reason == Reason::Resolved)
        .collect();
    assert!(
        !resolved.is_empty(),
        "no resolved notices: {:?}",
        step.issued
    );
    let with: Vec<String> = resolved
        .iter()
        .filter(|e| {
            let m = e.message.as_ref().unwrap();
            !m.attachments.is_empty()
        })
        .map(|e| format!("{}/{}", e.intent.key.channel, e.intent.recipient.address))
        .collect();
    let im = run.cfg.roles["incident_manager"].email.clone().unwrap();
    let va = run.cfg.roles["varslingsansvarlig"].email.clone().unwrap();
    assert_eq!(with, vec![format!("email/{im}"), format!("email/{va}")]);
    let e = resolved
        .iter()
        .find(|e| e.intent.recipient.address == im && e.intent.key.channel == "email")
        .unwrap();
    let a = &e.message.as_ref().unwrap().attachments[0];
    assert_eq!(a.filename, "hendelse-1007-2027-03-24.md");
    assert_eq!(a.content_type, "text/markdown");
    assert_eq!(a.text, md);
    // Norwegian by default.
    for heading in [
        "# Alvorlig hendelse-rapport – sak 1007",
        "## Tjenestenivå (SLA)",
        "## Tidslinje",
        "## Konsekvenser",
        "## Årsak",
        "## Tiltak",
    ] {
        assert!(md.contains(heading), "{heading} missing:\n{md}");
    }
    assert!(md.contains("**overholdt**"));
    assert!(
        md.contains("| Startet | onsdag 24. mars 2027 kl. 09:00 |"),
        "{md}"
    );
}

#[test]
fn a_second_plan_of_the_same_resolution_drafts_nothing_and_a_reopen_gets_its_own_report() {
    let (mut run, _) = incident(Language::En);
    let p = run.failing_phone.clone();
    settle(&mut run.state, &p);
    // The next cycles (and a restart, which replays the same state) draft nothing new.
    let again = run.step(oslo(2027, 3, 24, 11, 35), |_| {});
    assert!(again.incident_reports.is_empty());
    assert_eq!(run.state.incident_reports.len(), 1);
    // Reopened and solved again: a second report for the second resolution.
    run.step(oslo(2027, 3, 24, 12, 0), |s| {
        s.status = "Gjenåpnet".into();
        s.core = CoreStatus::Open;
        s.resolved = None;
    });
    settle(&mut run.state, &p);
    let at = oslo(2027, 3, 24, 13, 0);
    let second = run.step(at, |s| {
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
    });
    assert_eq!(
        second.incident_reports,
        vec!["incident-1007-2027-03-24-2.md"]
    );
    let md = run.state.incident_reports["7/2"].draft.clone().unwrap();
    // The second draft knows the first resolution, the reopen and the first resolved notices.
    assert!(md.contains("| 2027-03-24 12:00 | Reopened |"), "{md}");
    assert!(md.contains("Notice: incident-resolved"), "{md}");
}

#[test]
fn a_breached_ticket_says_so_and_an_admin_template_overrides_the_built_in() {
    let mut cfg = config();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("incident_report.en.j2"),
        "Report {{ ticket.number }}: resolution {{ sla.resolution.outcome }} \
         ({{ sla.resolution.used }} of {{ sla.resolution.target }}); {{ timeline | length }} events\n",
    )
    .unwrap();
    cfg.daemon.templates_dir = Some(dir.path().to_path_buf());
    let mut run = Run {
        state: State::default(),
        cfg,
        snap: snapshot(8, "Kritisk", oslo(2027, 3, 24, 9, 0)),
        failing_phone: String::new(),
    };
    run.step(oslo(2027, 3, 24, 9, 0), |_| {});
    settle(&mut run.state, "");
    let at = oslo(2027, 3, 24, 12, 0);
    run.step(at, |s| {
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
    });
    let md = run.state.incident_reports["8/1"].draft.clone().unwrap();
    assert!(
        md.starts_with("Report 1008: resolution breached (3 h of 2 h);"),
        "{md}"
    );

    // A broken override: no draft, a finding once, and the resolved notices still go out.
    std::fs::write(dir.path().join("incident_report.en.j2"), "{{ nope }}\n").unwrap();
    let mut run2 = Run {
        state: State::default(),
        cfg: run.cfg.clone(),
        snap: snapshot(9, "Kritisk", oslo(2027, 3, 24, 9, 0)),
        failing_phone: String::new(),
    };
    run2.step(oslo(2027, 3, 24, 9, 0), |_| {});
    settle(&mut run2.state, "");
    let step = run2.step(at, |s| {
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
    });
    assert!(step.incident_reports.is_empty());
    let r = &run2.state.incident_reports["9/1"];
    assert!(
        r.draft.is_none() && r.error.as_deref().unwrap().contains("undefined"),
        "{r:?}"
    );
    assert!(
        step.findings.iter().any(|f| f.key == "incident-report/9/1"),
        "{:?}",
        step.findings
    );
    assert!(step.issued.iter().any(|i| i.reason == Reason::Resolved));
}

#[test]
fn attach_to_picks_whose_resolved_mail_carries_the_report() {
    let (run, _) = incident(Language::En);
    let with_default: Vec<String> = attached_to(&run);
    assert_eq!(with_default.len(), 2, "{with_default:?}");

    // Same incident, the report to Driftssjef only (told at the raise to Kritisk).
    let mut cfg = config();
    cfg.incident_report.attach_to = vec!["driftssjef".into()];
    let ds = cfg.roles["driftssjef"].email.clone().unwrap();
    let mut run = Run {
        state: State::default(),
        cfg,
        snap: snapshot(10, "Kritisk", oslo(2027, 3, 24, 9, 0)),
        failing_phone: String::new(),
    };
    run.step(oslo(2027, 3, 24, 9, 0), |_| {});
    settle(&mut run.state, "");
    let at = oslo(2027, 3, 24, 10, 0);
    run.step(at, |s| {
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
    });
    assert_eq!(attached_to(&run), vec![ds]);
}

/// E-mail addresses whose pending resolved notice carries an attachment.
fn attached_to(run: &Run) -> Vec<String> {
    run.state
        .ledger
        .entries
        .values()
        .filter(|e| e.intent.reason == Reason::Resolved)
        .filter(|e| {
            e.message
                .as_ref()
                .is_some_and(|m| !m.attachments.is_empty())
        })
        .map(|e| e.intent.recipient.address.clone())
        .collect()
}

#[test]
fn incident_report_config_defaults_to_the_plan_roles_and_checks_entries() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/slavakt.toml");
    let shipped = std::fs::read_to_string(&path).unwrap();
    // The shipped file spells out its roles; without the section the neutral default is the
    // first role the plan tells. Each case below writes its own section.
    let text = shipped.split("\n[incident_report]").next().unwrap();
    assert_ne!(text, shipped, "the shipped config shows [incident_report]");
    let env = std::collections::BTreeMap::new();
    let load = |extra: &str| slavakt::config::from_str(&format!("{text}\n{extra}"), &path, &env);
    let cfg = load("").unwrap();
    assert_eq!(cfg.incident_report.attach_to, vec!["incident_manager"]);
    let cfg = load("[incident_report]\nattach_to = [\"role:driftssjef\"]\n").unwrap();
    assert_eq!(cfg.incident_report.attach_to, vec!["driftssjef"]);
    let cfg = load("[incident_report]\nattach_to = []\n").unwrap();
    assert!(cfg.incident_report.attach_to.is_empty());
    let err =
        load("[incident_report]\nattach_to = [\"role:kriseleder\", \"municipality:critical\"]\n")
            .unwrap_err()
            .to_string();
    assert!(err.contains("incident_report.attach_to[0]"), "{err}");
    assert!(err.contains("incident_report.attach_to[1]"), "{err}");
    let err = load("[incident_report]\nattach = [\"role:driftssjef\"]\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("incident_report.attach"), "{err}");
}

#[test]
fn check_config_renders_the_report_template_in_every_language_and_catches_a_broken_override() {
    for lang in [Language::Nb, Language::Nn, Language::Da, Language::En] {
        let mut cfg = config();
        cfg.daemon.language = lang;
        assert_eq!(slavakt::templates::check_all(&cfg), Vec::<String>::new());
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("incident_report.j2"),
        "# {{ ticket.nummer }}\n",
    )
    .unwrap();
    let mut cfg = config();
    cfg.daemon.templates_dir = Some(dir.path().to_path_buf());
    let problems = slavakt::templates::check_all(&cfg);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("incident_report"), "{problems:?}");
}

#[test]
fn the_tracker_keeps_status_changes_bounded_and_idempotent() {
    let cfg = config();
    let created = oslo(2027, 3, 24, 9, 0);
    let mut snap = snapshot(11, "Høy", created);
    let (mut t, _) = slavakt::tracker::observe(None, &snap, &cfg, created);
    assert!(t.status_changes.is_empty(), "first sight records no change");
    for i in 1..=150i64 {
        snap.modified = created + Duration::minutes(i);
        snap.status = if i % 2 == 0 { "Under arbeid" } else { "Ny" }.into();
        t = slavakt::tracker::observe(Some(&t), &snap, &cfg, snap.modified).0;
        // The same snapshot again changes nothing.
        let again = slavakt::tracker::observe(Some(&t), &snap, &cfg, snap.modified).0;
        assert_eq!(again, t);
    }
    assert_eq!(t.status_changes.len(), slavakt::ticket::MAX_STATUS_CHANGES);
    let last = t.status_changes.last().unwrap();
    assert_eq!(
        (last.at, last.status.as_str()),
        (created + Duration::minutes(150), "Under arbeid")
    );
    assert_eq!(
        t.status_changes[0].at,
        created + Duration::minutes(51),
        "the oldest are dropped"
    );
}

#[test]
fn report_records_go_with_their_ticket_after_the_retention_but_owed_ones_stay() {
    let (mut run, _) = incident(Language::En);
    let at = |y, m| oslo(y, m, 1, 0, 0);
    // Written and owed records of the same (old) ticket, and one of a still-recent resolution.
    let mut written = run.state.incident_reports["7/1"].clone();
    written.written_at = Some(written.drafted_at);
    written.draft = None;
    let mut recent = written.clone();
    recent.drafted_at = at(2028, 3);
    run.state.incident_reports.insert("7/1".into(), written);
    run.state.incident_reports.insert("42/1".into(), recent);
    let owed = run.state.incident_reports["7/1"].clone();
    run.state.incident_reports.insert(
        "7/2".into(),
        slavakt::report::incident::Record {
            written_at: None,
            draft: Some("# x\n".into()),
            ..owed
        },
    );
    // 14 months after the resolution: ticket 7 is pruned.
    let pruned = slavakt::state::prune(&mut run.state, Duration::days(396), at(2028, 5));
    assert_eq!(pruned.tickets, 1);
    let keys: Vec<&String> = run.state.incident_reports.keys().collect();
    assert_eq!(keys, ["42/1", "7/2"]);
}

#[test]
fn a_planned_change_gets_no_incident_report() {
    let mut run = Run {
        state: State::default(),
        cfg: config(),
        snap: snapshot(12, "Kritisk", oslo(2027, 3, 24, 9, 0)),
        failing_phone: String::new(),
    };
    run.snap.change = Some(slavakt::ticket::ChangePlan {
        planned_start: Some(oslo(2027, 3, 30, 18, 0)),
        planned_end: Some(oslo(2027, 3, 30, 20, 0)),
        cancelled: false,
    });
    run.step(oslo(2027, 3, 24, 9, 0), |_| {});
    settle(&mut run.state, "");
    // Announced 3 days ahead (a completion is posted only for an announced change).
    run.step(oslo(2027, 3, 27, 18, 0), |_| {});
    settle(&mut run.state, "");
    // Closed the next morning, in Kundeservice's hours (the shipped change rules wait for them).
    let at = oslo(2027, 3, 31, 9, 0);
    let step = run.step(at, |s| {
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
    });
    assert!(step.incident_reports.is_empty());
    assert!(run.state.incident_reports.is_empty());
    // Even if a plan had a `resolved` rule for changes: the same intent as a resolved notice
    // drafts nothing for the change, and a report once the ticket is not a change.
    let mut intent = step.issued[0].clone();
    intent.reason = Reason::Resolved;
    let drafts = |state: &State| {
        slavakt::report::incident::draft_due(
            [&intent],
            &state.tickets,
            &state.ledger,
            &state.incident_reports,
            &run.cfg,
            at,
        )
    };
    assert!(drafts(&run.state).is_empty());
    let mut not_a_change = run.state.clone();
    not_a_change.tickets.get_mut(&12).unwrap().change = None;
    assert_eq!(drafts(&not_a_change).len(), 1);
}

/// Who acknowledged a call-out by its link, and when the ticket was first taken on in
/// Pureservice (which acknowledges too), are in the report's timeline (`plan::ack`).
#[test]
fn acknowledgements_and_the_first_assignment_are_in_the_timeline() {
    let mut cfg = config();
    cfg.daemon.language = Language::Nb;
    let mut snap = snapshot(8, "Kritisk", oslo(2027, 3, 24, 9, 0));
    snap.subject = "Omsorgsjournalen svarer ikke".into();
    let mut run = Run {
        state: State::default(),
        cfg,
        snap,
        failing_phone: String::new(),
    };
    run.step(oslo(2027, 3, 24, 9, 0), |_| {});
    run.state.ledger.acknowledge(
        "8/incident-open-alert/0".into(),
        slavakt::plan::ack::Ack {
            at: oslo(2027, 3, 24, 9, 4),
            by: "Ingrid Hammervoll".into(),
            source: "link".into(),
        },
    );
    run.step(oslo(2027, 3, 24, 9, 6), |s| {
        s.assignee = Some(slavakt::ticket::Person {
            name: "Sunniva Fiktiv".into(),
            email: None,
            phone: None,
        });
    });
    let at = oslo(2027, 3, 24, 10, 0);
    run.step(at, |s| {
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
    });
    let text = run.state.incident_reports["8/1"]
        .draft
        .clone()
        .expect("the draft is owed until written");
    let ack = line_of(
        &text,
        "Bekreftet av Ingrid Hammervoll (incident-open-alert)",
    );
    let assigned = line_of(&text, "Tildelt saksbehandler");
    let solved = line_of(&text, "10:00 | Løst |");
    assert!(ack < assigned && assigned < solved, "{text}");
    assert!(text.lines().nth(ack).unwrap().contains("09:04"), "{text}");
    assert!(
        text.lines().nth(assigned).unwrap().contains("09:06"),
        "{text}"
    );
}
