//! The communication plan of the shipped config (config/slavakt.toml), replayed through
//! `scenario::replay` — the same tracker, SLA clocks and plan engine as the daemon. Each test
//! is one row of DOMAIN.md's table (or an edge of it), scenario files in tests/scenarios/.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Europe::Oslo;
use slavakt::plan::Reason;
use slavakt::scenario::{self, Action, Simulation};
use std::collections::BTreeSet;
use std::path::Path;

fn shipped() -> slavakt::config::Config {
    slavakt::config::load_with_env(Path::new("config/slavakt.toml"), &Default::default())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn run(file: &str) -> Simulation {
    let text = std::fs::read_to_string(format!("tests/scenarios/{file}")).unwrap();
    let sc = scenario::parse(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    scenario::replay(&sc, &shipped())
}

fn oslo(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Oslo.with_ymd_and_hms(2027, 3, d, h, m, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// `HH:MM rule channel recipient` for the actions of `rule` (all rules when empty).
fn fired(sim: &Simulation, rule: &str) -> Vec<String> {
    sim.actions
        .iter()
        .filter(|a| rule.is_empty() || a.intent.key.rule == rule)
        .map(|a| {
            format!(
                "{} {} {} {}",
                a.at.with_timezone(&Oslo).format("%d %H:%M"),
                a.intent.key.rule,
                a.intent.key.channel,
                a.intent.recipient.address
            )
        })
        .collect()
}

fn rules(sim: &Simulation) -> BTreeSet<String> {
    sim.actions
        .iter()
        .map(|a| a.intent.key.rule.clone())
        .collect()
}

fn all_rendered(sim: &Simulation) {
    for a in &sim.actions {
        if let Err(e) = &a.message {
            panic!("{}: {e}", a.intent.key);
        }
    }
}

const OPENING_KRITISK: &[&str] = &[
    "incident-open-alert email ingrid.hammervoll@ror-ikt.example",
    "incident-open-alert email per.kvalvik@ror-ikt.example",
    "incident-open-alert sms +4790000101",
    "incident-open-alert sms +4790000102",
    "incident-open-admin email siri.aasen@ror-ikt.example",
    "incident-open-admin email sunniva.bjornerem@ror-ikt.example",
    "incident-driftsmelding intranet intranet",
    "incident-driftsmelding pureservice_note pureservice_note",
    "incident-driftsmelding teams:driftsmeldinger teams:driftsmeldinger",
    "kritisk-announcement teams:ik_varsling teams:ik_varsling",
    "kritisk-municipality email eirik.hjelset@molde.kommune.example",
    "kritisk-municipality email kari.bolsoy@molde.kommune.example",
    "kritisk-municipality sms +4790000211",
    "kritisk-municipality sms +4790000212",
    "kritisk-leadership email jon.moldskred@ror-ikt.example",
    "kritisk-leadership email marit.gjelsvik@ror-ikt.example",
    "kritisk-leadership email tor.eidsvik@ror-ikt.example",
];

fn at(sim: &Simulation, when: &str) -> Vec<String> {
    let mut v: Vec<String> = fired(sim, "")
        .into_iter()
        .filter_map(|l| l.strip_prefix(&format!("{when} ")).map(str::to_string))
        .collect();
    v.sort();
    v
}

fn sorted(v: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = v.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn kritisk_in_office_hours() {
    let sim = run("kritisk_office_hours.toml");
    all_rendered(&sim);
    assert_eq!(at(&sim, "24 10:00"), sorted(OPENING_KRITISK));
    let important: BTreeSet<_> = sim
        .actions
        .iter()
        .filter(|a| a.intent.important)
        .map(|a| a.intent.key.rule.as_str())
        .collect();
    assert_eq!(
        important,
        ["kritisk-announcement", "kritisk-municipality"]
            .into_iter()
            .collect()
    );
    let announcement = sim
        .actions
        .iter()
        .find(|a| a.intent.key.rule == "kritisk-announcement")
        .unwrap();
    let text = &announcement.message.as_ref().unwrap().text;
    assert!(
        text.starts_with("KUNNGJØRING – alvorlig hendelse med prioritet Kritisk"),
        "{text}"
    );
    // The Varslingsansvarlig's alert: what slavakt has sent, what the plan leaves to people.
    let alert = sim
        .actions
        .iter()
        .find(|a| {
            a.intent.key.rule == "incident-open-alert"
                && a.intent.audience == "role:varslingsansvarlig"
                && a.intent.key.channel == "email"
        })
        .unwrap();
    let text = &alert.message.as_ref().unwrap().text;
    for needle in [
        "kl. 11:00.\n\nDette har slavakt allerede varslet:\n- Ingrid Hammervoll, Per Kvalvik: e-post, SMS\n",
        "- Teams (driftsmeldinger), intranett, internt notat i Pureservice\n",
        "e-post\n\nDette gjør du selv etter kommunikasjonsplanen:\n- Legg inn meldingsmal i Pureservice\n\
         - Endre telefonsvaret til Kundeservice\n",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
    // The administrator is reminded to report the fault to the service's vendor.
    let admin = sim
        .actions
        .iter()
        .find(|a| {
            a.intent.key.rule == "incident-open-admin"
                && a.intent.audience == "service:administrator"
        })
        .unwrap();
    let text = &admin.message.as_ref().unwrap().text;
    assert!(
        text.contains("meld feilen til leverandøren (Sensio kundesenter)"),
        "{text}"
    );
    // Hourly status until resolved at 12:30, to everyone the opening notices promised one:
    // varslingsansvarlig, incident manager, koordineringsansvarlig, the service's administrator
    // (e-mail) and IK Varsling, Interne driftsmeldinger and the intranet.
    let status = fired(&sim, "kritisk-status");
    assert_eq!(status.len(), 14, "{status:?}");
    // … and the municipality's priority-1 contacts by e-mail.
    assert!(!fired(&sim, "kritisk-status-municipality").is_empty());
    assert!(status
        .iter()
        .all(|s| s.starts_with("24 11:00") || s.starts_with("24 12:00")));
    // Resolved: exactly the (channel, recipient) pairs reached before, on the rule's channels.
    let before: BTreeSet<(String, String)> = sim
        .actions
        .iter()
        .filter(|a| a.intent.key.rule != "incident-resolved")
        .map(|a| {
            (
                a.intent.key.channel.clone(),
                a.intent.recipient.address.clone(),
            )
        })
        .collect();
    let resolved: BTreeSet<(String, String)> = sim
        .actions
        .iter()
        .filter(|a| a.intent.key.rule == "incident-resolved")
        .map(|a| {
            assert_eq!(a.at, oslo(24, 12, 30));
            assert_eq!(a.intent.reason, Reason::Resolved);
            (
                a.intent.key.channel.clone(),
                a.intent.recipient.address.clone(),
            )
        })
        .collect();
    assert_eq!(resolved, before);
    // Nothing after the resolution.
    assert!(sim.actions.iter().all(|a| a.at <= oslo(24, 12, 30)));
    let d = &sim.deadlines[0];
    assert_eq!(d.response_due, Some(oslo(24, 10, 15)));
    assert_eq!(d.resolution_due, Some(oslo(24, 12, 0)));
    // The resolved notice carries the cause.
    let note = sim
        .actions
        .iter()
        .find(|a| a.intent.key.rule == "incident-resolved")
        .unwrap();
    assert!(note
        .message
        .as_ref()
        .unwrap()
        .text
        .contains("Defekt nettverkssvitsj på Bergmo"));
}

#[test]
fn kritisk_on_a_saturday_night_reaches_the_on_call_person() {
    let sim = run("kritisk_saturday_night.toml");
    all_rendered(&sim);
    let opening: Vec<String> = OPENING_KRITISK
        .iter()
        .map(|l| {
            l.replace("per.kvalvik@ror-ikt.example", "vakt@ror-ikt.example")
                .replace("+4790000102", "+4790000103")
        })
        .collect();
    let mut opening: Vec<&str> = opening.iter().map(String::as_str).collect();
    opening.sort();
    assert_eq!(at(&sim, "27 03:00"), sorted(&opening));
    assert!(sim
        .actions
        .iter()
        .all(|a| a.intent.recipient.address != "per.kvalvik@ror-ikt.example"));
    let stand_in = sim
        .actions
        .iter()
        .find(|a| a.intent.recipient.address == "vakt@ror-ikt.example")
        .unwrap();
    assert_eq!(stand_in.intent.audience, "role:varslingsansvarlig");
}

#[test]
fn hoy_lasting_five_hours() {
    let sim = run("hoy_five_hours.toml");
    all_rendered(&sim);
    assert_eq!(
        fired(&sim, "hoy-driftssjef"),
        ["24 12:00 hoy-driftssjef email tor.eidsvik@ror-ikt.example"]
    );
    assert_eq!(
        fired(&sim, "hoy-daglig-leder"),
        ["24 14:00 hoy-daglig-leder email jon.moldskred@ror-ikt.example"]
    );
    let status: BTreeSet<String> = fired(&sim, "hoy-status")
        .iter()
        .map(|s| s[..8].to_string())
        .collect();
    assert_eq!(
        status,
        ["24 12:00", "24 14:00"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    );
    assert_eq!(fired(&sim, "hoy-status").len(), 14);
    assert!(fired(&sim, "hoy-thread").len() == 1);
    // Høy opens a conversation thread with a subject in IK Varsling, not an announcement.
    let thread = sim
        .actions
        .iter()
        .find(|a| a.intent.key.rule == "hoy-thread")
        .unwrap();
    assert!(!thread.intent.important);
    let m = thread.message.as_ref().unwrap();
    assert!(m.subject.contains("Høy: Gerica"), "{}", m.subject);
    assert!(
        m.text
            .starts_with("Alvorlig hendelse med prioritet Høy: Gerica utilgjengelig"),
        "{}",
        m.text
    );
    let r = rules(&sim);
    for absent in [
        "kritisk-announcement",
        "kritisk-municipality",
        "kritisk-leadership",
        "hoy-no-update",
    ] {
        assert!(!r.contains(absent), "{absent}");
    }
    // The leadership notice says how long it has lasted.
    let dl = sim
        .actions
        .iter()
        .find(|a| a.intent.key.rule == "hoy-daglig-leder")
        .unwrap();
    assert_eq!(dl.intent.reason, Reason::After);
    assert!(
        dl.message
            .as_ref()
            .unwrap()
            .text
            .contains("har nå pågått i 4 t"),
        "{}",
        dl.message.as_ref().unwrap().text
    );
}

#[test]
fn hoy_resolved_at_1h50_tells_no_leadership() {
    let sim = run("hoy_resolved_early.toml");
    all_rendered(&sim);
    let r = rules(&sim);
    assert!(
        !r.contains("hoy-driftssjef")
            && !r.contains("hoy-daglig-leder")
            && !r.contains("hoy-status"),
        "{r:?}"
    );
    assert!(r.contains("incident-resolved"));
    assert!(sim
        .actions
        .iter()
        .all(|a| a.intent.recipient.address != "tor.eidsvik@ror-ikt.example"));
}

#[test]
fn middels_only_gets_sla_warnings_and_breaches() {
    let sim = run("middels.toml");
    all_rendered(&sim);
    assert!(!sim.actions.is_empty());
    // Only SLA warnings and breaches, and only to the ticket's owner: no escalation.
    for a in &sim.actions {
        assert!(a.intent.key.rule.starts_with("sla-"), "{}", a.intent.key);
        assert_eq!(a.intent.audience, "ticket:assignee", "{}", a.intent.key);
    }
    let apr = |d: u32, h: u32, m: u32| {
        Oslo.with_ymd_and_hms(2027, 4, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    let d = &sim.deadlines[0];
    assert_eq!(d.response_due, Some(apr(12, 13, 0)));
    assert_eq!(
        d.resolution_due,
        Some(apr(15, 10, 0)),
        "3 working days: Monday 10:00 → Thursday 10:00"
    );
    let warn = sim
        .actions
        .iter()
        .find(|a| a.intent.key.rule == "sla-response-warning")
        .unwrap();
    assert_eq!(warn.at, apr(12, 12, 15));
    let breach: Vec<_> = sim
        .actions
        .iter()
        .filter(|a| a.intent.key.rule == "sla-resolution-breached")
        .collect();
    assert_eq!(breach.len(), 1, "the assignee only");
    assert!(breach.iter().all(|a| a.at == apr(15, 10, 0)));
}

#[test]
fn middels_raised_to_kritisk_fires_the_kritisk_opening_rules_then() {
    let sim = run("middels_raised.toml");
    all_rendered(&sim);
    assert!(at(&sim, "24 09:00").is_empty());
    assert_eq!(at(&sim, "24 10:00"), sorted(OPENING_KRITISK));
    // The clocks re-plan from creation (09:00): resolution due 11:00, so already 75 % used.
    assert_eq!(
        fired(&sim, "sla-resolution-warning"),
        ["24 10:30 sla-resolution-warning email per.testesen@ror-ikt.example"]
    );
    assert_eq!(sim.deadlines[0].resolution_due, Some(oslo(24, 11, 0)));
    // Status counts from the raise.
    assert!(fired(&sim, "kritisk-status")
        .iter()
        .all(|s| s.starts_with("24 11:00") || s.starts_with("24 12:00")));
}

#[test]
fn a_paused_kritisk_moves_its_sla_deadline_but_keeps_the_status_updates() {
    let sim = run("kritisk_paused.toml");
    all_rendered(&sim);
    // Two hours waiting on the vendor: resolution due 14:00 instead of 12:00.
    assert_eq!(sim.deadlines[0].resolution_due, Some(oslo(24, 14, 0)));
    assert_eq!(
        fired(&sim, "sla-resolution-warning"),
        ["24 13:30 sla-resolution-warning email per.testesen@ror-ikt.example"]
    );
    assert!(fired(&sim, "sla-resolution-breached")
        .iter()
        .all(|s| s.starts_with("24 14:00")));
    // A serious incident's breach is escalated to the Incident Manager.
    assert_eq!(
        fired(&sim, "sla-resolution-escalation"),
        ["24 14:00 sla-resolution-escalation email ingrid.hammervoll@ror-ikt.example"]
    );
    // The incident is still ongoing for the users: hourly status goes on through the pause.
    let hours: BTreeSet<String> = fired(&sim, "kritisk-status")
        .iter()
        .map(|s| s[..8].to_string())
        .collect();
    assert_eq!(hours.len(), 4, "{hours:?}");
    assert!(rules(&sim).contains("incident-resolved"));
}

#[test]
fn a_reopened_incident_tells_the_notified_and_resolves_again() {
    let sim = run("reopened.toml");
    all_rendered(&sim);
    let reopened: Vec<&Action> = sim
        .actions
        .iter()
        .filter(|a| a.intent.key.rule == "incident-reopened")
        .collect();
    assert!(!reopened.is_empty());
    assert!(reopened
        .iter()
        .all(|a| a.at == oslo(24, 11, 30) && a.intent.audience == "notified"));
    let channels: BTreeSet<&str> = reopened
        .iter()
        .map(|a| a.intent.key.channel.as_str())
        .collect();
    assert_eq!(
        channels,
        ["email", "teams:ik_varsling"].into_iter().collect()
    );
    let resolved: BTreeSet<u32> = sim
        .actions
        .iter()
        .filter(|a| a.intent.key.rule == "incident-resolved")
        .map(|a| a.intent.key.occurrence)
        .collect();
    assert_eq!(
        resolved,
        [1, 2].into_iter().collect(),
        "one resolved notice per resolution"
    );
}

#[test]
fn forty_simultaneous_incidents_keep_their_first_notices_and_digest_the_status() {
    let mut text = String::from("until = \"2027-03-24T11:05:00+01:00\"\n");
    for n in 0..40 {
        text.push_str(&format!(
            "[[event]]\nat = \"2027-03-24T10:00:00+01:00\"\nticket = {}\nkind = \"created\"\npriority = \"Kritisk\"\nmunicipality = \"Molde\"\nservice = \"Nettverk\"\nsubject = \"Nettverk nede, bygg {n}\"\n",
            7000 + n
        ));
    }
    let sim = scenario::replay(&scenario::parse(&text).unwrap(), &shipped());
    all_rendered(&sim);
    // Every incident's first notice reaches Molde's contact as itself, SMS and e-mail.
    let opened_sms = sim
        .actions
        .iter()
        .filter(|a| {
            a.intent.reason == Reason::Opened && a.intent.recipient.address == "+4790000211"
        })
        .count();
    assert_eq!(opened_sms, 40);
    // The 11:00 status of 40 incidents is one digest per recipient and channel.
    let mut per: std::collections::BTreeMap<(String, String), usize> = Default::default();
    for a in sim
        .actions
        .iter()
        .filter(|a| a.intent.key.channel != "pureservice_note" && a.intent.reason != Reason::Opened)
    {
        *per.entry((
            a.intent.key.channel.clone(),
            a.intent.recipient.address.clone(),
        ))
        .or_default() += 1;
    }
    assert!(per.values().all(|n| *n <= 5), "{per:?}");
    let digest = sim
        .actions
        .iter()
        .find(|a| {
            a.intent.reason == Reason::Digest
                && a.intent.recipient.address == "kari.bolsoy@molde.kommune.example"
        })
        .expect("Molde's contact gets one status digest");
    assert_eq!(digest.intent.vars["count"], "40");
    let m = digest.message.as_ref().unwrap();
    assert!(m.subject.contains("40 varsler"), "{}", m.subject);
    assert!(m.text.contains("#7000"), "request numbers: {}", m.text);
    let on_channel = sim
        .actions
        .iter()
        .find(|a| a.intent.reason == Reason::Digest && a.intent.key.channel == "teams:ik_varsling")
        .expect("IK Varsling gets one status digest");
    let m = on_channel.message.as_ref().unwrap();
    assert!(
        !m.text.contains("Hei "),
        "a channel is greeted by no one: {}",
        m.text
    );
}

#[test]
fn planned_changes_are_announced_reminded_moved_cancelled_and_completed() {
    let sim = run("planned_change.toml");
    all_rendered(&sim);
    // The reminder says the true lead, not "om kort tid": due 2 days before the start (Sunday
    // 18:00), it waits for Kundeservice's hours (Monday 08:00), 34 hours ahead.
    let reminder = sim
        .actions
        .iter()
        .find(|a| a.intent.key.ticket == 6001 && a.intent.key.rule == "change-reminder")
        .and_then(|a| a.message.as_ref().ok())
        .expect("a reminder");
    assert!(
        reminder.text.contains("med nedetid om ett døgn"),
        "{}",
        reminder.text
    );
    let apr = |d: u32, h: u32| {
        Oslo.with_ymd_and_hms(2027, 4, d, h, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    };
    let of = |ticket: u64, rule: &str| -> Vec<DateTime<Utc>> {
        let mut v: Vec<_> = sim
            .actions
            .iter()
            .filter(|a| a.intent.key.ticket == ticket && a.intent.key.rule == rule)
            .map(|a| a.at)
            .collect();
        v.dedup();
        v
    };
    // Registered in good time: announced when registered (§4 "i rimelig tid"); the move is
    // posted; reminded 2 days before the new time, at the next opening of Kundeservice.
    assert_eq!(of(6001, "change-notice"), [apr(5, 9)]);
    assert_eq!(of(6001, "change-moved"), [apr(8, 10)]);
    assert_eq!(of(6001, "change-reminder"), [apr(12, 8)]);
    assert_eq!(of(6001, "change-started"), [apr(13, 18)]);
    assert_eq!(of(6001, "change-completed").len(), 1);
    // Registered a day ahead: announced at once, no separate reminder, coordinator warned;
    // its move and its cancellation are posted; it never starts.
    assert_eq!(of(6002, "change-notice"), [apr(12, 9)]);
    assert!(of(6002, "change-reminder").is_empty());
    assert_eq!(of(6002, "change-short-notice"), [apr(12, 9)]);
    let short = sim
        .actions
        .iter()
        .find(|a| a.intent.key.rule == "change-short-notice")
        .and_then(|a| a.message.as_ref().ok())
        .expect("a short-notice warning");
    assert_eq!(short.subject, "Kort varsel: planlagt endring av Nettverk");
    assert_eq!(of(6002, "change-moved"), [apr(12, 15)]);
    assert_eq!(of(6002, "change-cancelled"), [apr(13, 9)]);
    assert!(of(6002, "change-started").is_empty());
    // Change tickets get no incident messages.
    assert!(sim
        .actions
        .iter()
        .all(|a| a.intent.key.rule.starts_with("change-")));
    let notice = sim
        .actions
        .iter()
        .find(|a| a.intent.key.rule == "change-notice")
        .unwrap();
    let text = &notice.message.as_ref().unwrap().text;
    assert!(
        text.contains("Nedetid: mandag 12. april 2027 kl. 18:00–20:00\n"),
        "{text}"
    );
    assert!(
        text.contains("Gerica er utilgjengelig i hele perioden"),
        "{text}"
    );
}
