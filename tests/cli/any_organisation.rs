//! Issue 15, "any organisation's plan": calendars as they really are (recurring `MM-DD` days,
//! working days counted at each day's own length), roles as groups, `[[plan]]` filters by
//! service, category and municipality, per-unit Teams targets, neutral defaults, and the
//! shipped Danish example (config/examples/holstebro.toml) replayed through `simulate`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Copenhagen;
use slavakt::calendar::{parse_interval, Calendar, Country, DayKind};
use slavakt::duration::HumanDuration;
use std::collections::BTreeSet;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .with_timezone(&Utc)
}

/// Holstebro-like: Mon–Thu 08:00–15:30, a 5-hour Friday 08:00–13:00, DK holidays.
fn short_friday() -> Calendar {
    let long = vec![parse_interval("08:00-15:30").unwrap()];
    let fri = vec![parse_interval("08:00-13:00").unwrap()];
    let hours = std::array::from_fn(|i| match i {
        0..=3 => long.clone(),
        4 => fri.clone(),
        _ => Vec::new(),
    });
    Calendar::new(
        "it",
        Copenhagen,
        hours,
        Some(Country::Dk),
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap()
    .with_yearly([(12, 24), (12, 31), (6, 5)].into(), BTreeSet::new())
    .unwrap()
}

fn due(cal: &Calendar, start: &str, d: &str) -> DateTime<Utc> {
    let start = t(start);
    let target = cal.resolve_from(&HumanDuration::parse(d).unwrap(), start, cal.working_day());
    cal.add(start, target)
}

#[test]
fn three_working_days_from_a_short_friday_noon_end_wednesday_noon() {
    let cal = short_friday();
    assert!(cal.uneven_days());
    // Fri 2031-11-07 12:00 → Wed 2031-11-12 12:00 (not 14:30 as 3 × 7h30 would give).
    assert_eq!(
        due(&cal, "2031-11-07T12:00:00+01:00", "3wd"),
        t("2031-11-12T12:00:00+01:00")
    );
    // Into a short Friday: Wed 14:00 + 2wd is Friday's closing (Friday is a whole day).
    assert_eq!(
        due(&cal, "2031-11-05T14:00:00+01:00", "2wd"),
        t("2031-11-07T13:00:00+01:00")
    );
    // Out of hours: counting starts at the next opening; 1wd from Saturday is Monday's close.
    assert_eq!(
        due(&cal, "2031-11-08T10:00:00+01:00", "1wd"),
        t("2031-11-10T15:30:00+01:00")
    );
    // A fraction is that share of the day landed on: half of Friday is 2h30m.
    assert_eq!(
        due(&cal, "2031-11-07T08:00:00+01:00", "0.5wd"),
        t("2031-11-07T10:30:00+01:00")
    );
    // Wall-clock durations are unchanged.
    assert_eq!(
        due(&cal, "2031-11-07T12:00:00+01:00", "2h"),
        t("2031-11-10T09:00:00+01:00")
    );
}

#[test]
fn even_calendars_keep_one_working_day_length() {
    let h = vec![parse_interval("08:00-15:30").unwrap()];
    let hours = std::array::from_fn(|i| if i < 5 { h.clone() } else { Vec::new() });
    let cal = Calendar::new(
        "k",
        Copenhagen,
        hours,
        None,
        BTreeSet::new(),
        BTreeSet::new(),
    )
    .unwrap();
    assert!(!cal.uneven_days());
    let start = t("2031-11-07T12:00:00+01:00");
    let wd = HumanDuration::parse("3wd").unwrap();
    assert_eq!(
        cal.resolve_from(&wd, start, cal.working_day()),
        Duration::minutes(3 * 450)
    );
}

#[test]
fn recurring_closed_days_close_every_year() {
    let cal = short_friday();
    let d = |s: &str| s.parse::<NaiveDate>().unwrap();
    for day in ["2031-12-24", "2031-12-31", "2040-12-24", "2031-06-05"] {
        assert!(
            matches!(cal.day_kind(d(day)), DayKind::Closed(_)),
            "{day} should be closed"
        );
    }
    assert_eq!(
        cal.day_kind(d("2031-12-23")),
        DayKind::Working(&cal.hours[1])
    );
    // Skipped in explanations, and deadlines step over it.
    assert_eq!(
        due(&cal, "2031-12-23T10:00:00+01:00", "1wd"),
        t("2031-12-29T10:00:00+01:00")
    );
    // A dated `open` wins over a recurring closed day.
    let open = short_friday();
    let open = Calendar {
        open: [d("2031-12-24")].into(),
        ..open
    };
    assert!(matches!(
        open.day_kind(d("2031-12-24")),
        DayKind::Working(_)
    ));
    // Both closed and open every year is refused.
    let both = short_friday().with_yearly([(12, 24)].into(), [(12, 24)].into());
    assert!(both.unwrap_err()[0].contains("12-24"));
}

fn config(text: &str) -> Result<slavakt::config::Config, slavakt::config::ConfigErrors> {
    slavakt::config::from_str(
        text,
        std::path::Path::new("/tmp/any_organisation.toml"),
        &Default::default(),
    )
}

/// The smallest valid config this file's config tests build on.
const BASE: &str = r#"
[daemon]
state_file = "/tmp/slavakt-any-org.json"
language = "da"
timezone = "Europe/Copenhagen"
off_hours_calendar = "it"

[pureservice]
base_url = "https://pureservice.example"
api_key = "x"

[pureservice.priorities]
"Kritisk" = "kritisk"

[calendars.it]
timezone = "Europe/Copenhagen"
holidays = "DK"
hours = { mon = "08:00-15:30", tue = "08:00-15:30", wed = "08:00-15:30", thu = "08:00-15:30", fri = "08:00-13:00" }
closed = ["12-24", "12-31", "06-05", "2031-11-14"]

[sla.kritisk]
response = "15m"
resolution = "3wd"
calendar = "it"

[channels.email]
host = "127.0.0.1"
port = 2525
from = "it@holstebro.example"
tls = "none"

[[plan]]
id = "x"
when = "opened"
to = ["role:kriseleder"]
via = ["email"]
template = "incident_alert"
"#;

#[test]
fn config_reads_recurring_days_and_refuses_bad_ones() {
    let roles = r#"
[roles.kriseleder]
name = "Kim Krog"
email = "kim.krog@holstebro.example"
"#;
    let cfg = config(&format!("{BASE}{roles}")).unwrap_or_else(|e| panic!("{e}"));
    let cal = cfg.calendar("it").unwrap();
    assert!(cal.closed_yearly.contains(&(12, 24)));
    assert!(matches!(
        cal.day_kind("2031-12-24".parse().unwrap()),
        DayKind::Closed(_)
    ));
    assert!(cal.closed.contains(&"2031-11-14".parse().unwrap()));
    let bad = BASE.replace("\"06-05\"", "\"02-30\"");
    let e = config(&format!("{bad}{roles}")).unwrap_err().to_string();
    assert!(
        e.contains("calendars.it.closed[2]") && e.contains("MM-DD"),
        "{e}"
    );
}

fn shipped_with(extra: &str) -> slavakt::config::Config {
    let text = std::fs::read_to_string("config/slavakt.toml").unwrap();
    slavakt::config::from_str(
        &format!("{text}\n{extra}"),
        std::path::Path::new("config/slavakt.toml"),
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn simulate(cfg: &slavakt::config::Config, scenario: &str) -> slavakt::scenario::Simulation {
    let sc = slavakt::scenario::parse(scenario).unwrap_or_else(|e| panic!("{e}"));
    slavakt::scenario::replay(&sc, cfg)
}

/// `rule channel recipient` of every action of `rule`.
fn sent(sim: &slavakt::scenario::Simulation, rule: &str) -> Vec<String> {
    sim.actions
        .iter()
        .filter(|a| a.intent.key.rule == rule)
        .map(|a| format!("{} {}", a.intent.key.channel, a.intent.recipient.address))
        .collect()
}

fn one_ticket(municipality: &str, service: &str) -> String {
    format!(
        r#"
until = "2027-03-24T12:00:00+01:00"

[[event]]
at = "2027-03-24T10:00:00+01:00"
ticket = 1001
kind = "created"
priority = "Kritisk"
municipality = "{municipality}"
service = "{service}"
subject = "Nede"
"#
    )
}

#[test]
fn plan_rules_filter_by_municipality_service_and_category() {
    let cfg = shipped_with(
        r#"
[[plan]]
id = "molde-only"
when = "opened"
to = ["role:driftssjef"]
via = ["email"]
template = "incident_alert"
municipalities = ["Molde"]

[[plan]]
id = "sensio-in-rauma"
when = "opened"
to = ["role:driftssjef"]
via = ["email"]
template = "incident_alert"
municipalities = ["rauma"]
services = ["Sensio Pasientvarsling"]

[[plan]]
id = "by-category"
when = "opened"
to = ["role:driftssjef"]
via = ["email"]
template = "incident_alert"
categories = ["Sikkerhetshendelse"]
"#,
    );
    let molde = simulate(&cfg, &one_ticket("Molde", "Sensio Pasientvarsling"));
    assert_eq!(sent(&molde, "molde-only").len(), 1);
    assert!(sent(&molde, "sensio-in-rauma").is_empty());
    assert!(sent(&molde, "by-category").is_empty());
    let rauma = simulate(&cfg, &one_ticket("Rauma", "Sensio Pasientvarsling"));
    assert!(sent(&rauma, "molde-only").is_empty());
    assert_eq!(sent(&rauma, "sensio-in-rauma").len(), 1);
    let rauma_gerica = simulate(&cfg, &one_ticket("Rauma", "Gerica"));
    assert!(sent(&rauma_gerica, "sensio-in-rauma").is_empty());
}

#[test]
fn plan_filters_name_known_units() {
    let text = std::fs::read_to_string("config/slavakt.toml").unwrap();
    let bad = format!(
        "{text}\n[[plan]]\nid = \"typo\"\nwhen = \"opened\"\nvia = [\"teams:ik_varsling\"]\ntemplate = \"incident_alert\"\nmunicipalities = [\"Mlode\"]\n"
    );
    let e = slavakt::config::from_str(
        &bad,
        std::path::Path::new("config/slavakt.toml"),
        &Default::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("unknown municipality \"Mlode\""), "{e}");
}

#[test]
fn teams_per_municipality_posts_in_the_units_own_channel() {
    let text = std::fs::read_to_string("config/slavakt.toml")
        .unwrap()
        .replacen(
            "name = \"Molde\"\n",
            "name = \"Molde\"\nteams = \"driftsmeldinger\"\n",
            1,
        );
    let cfg = slavakt::config::from_str(
        &format!(
            "{text}\n[[plan]]\nid = \"aktuell-kanal\"\nwhen = \"opened\"\nvia = [\"teams:municipality\"]\ntemplate = \"driftsmelding\"\n"
        ),
        std::path::Path::new("config/slavakt.toml"),
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let molde = simulate(&cfg, &one_ticket("Molde", "Gerica"));
    assert_eq!(
        sent(&molde, "aktuell-kanal"),
        ["teams:driftsmeldinger teams:driftsmeldinger"]
    );
    // Rauma has no channel of its own: nothing is posted, and the gap is a finding.
    let rauma = simulate(&cfg, &one_ticket("Rauma", "Gerica"));
    assert!(sent(&rauma, "aktuell-kanal").is_empty());
}

#[test]
fn group_roles_reach_every_member_and_stand_in_cycles_are_refused() {
    let groups = r#"
[roles.kriseleder]
title = "Kriseleder"
name = "Kim Krog"
email = "kim.krog@holstebro.example"
phone = "+4590000101"
off_hours = "ledergruppe"

[roles.ledergruppe]
title = "IT-ledergruppen"
members = [
  { name = "Lise Lund", email = "lise.lund@holstebro.example", phone = "+4590000102" },
  { name = "Ole Ravn", title = "Leder af IT-drift", phone = "+4590000103" },
]
"#;
    let cfg = config(&format!("{BASE}{groups}")).unwrap_or_else(|e| panic!("{e}"));
    let g = &cfg.roles["ledergruppe"];
    assert_eq!(g.name, "IT-ledergruppen");
    let names: Vec<String> = g.people().into_iter().map(|p| p.name).collect();
    assert_eq!(names, ["Lise Lund", "Ole Ravn"]);
    assert_eq!(cfg.roles["kriseleder"].title.as_deref(), Some("Kriseleder"));

    let cycle = groups.replace(
        "title = \"IT-ledergruppen\"",
        "title = \"IT-ledergruppen\"\noff_hours = \"kriseleder\"",
    );
    let e = config(&format!("{BASE}{cycle}")).unwrap_err().to_string();
    assert!(e.contains("kriseleder → ledergruppe → kriseleder"), "{e}");
    let empty = format!("{BASE}\n[roles.kriseleder]\nmembers = []\n");
    let e = config(&empty).unwrap_err().to_string();
    assert!(
        e.contains("roles.kriseleder.members") && e.contains("no members"),
        "{e}"
    );
}

fn holstebro() -> slavakt::config::Config {
    slavakt::config::load_with_env(
        std::path::Path::new("config/examples/holstebro.toml"),
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// `HH:MM ticket rule channel recipient` of every action.
fn timeline(sim: &slavakt::scenario::Simulation) -> Vec<String> {
    sim.actions
        .iter()
        .map(|a| {
            format!(
                "{} {} {} {} {}",
                a.at.with_timezone(&Copenhagen).format("%H:%M"),
                a.intent.key.ticket,
                a.intent.key.rule,
                a.intent.key.channel,
                a.intent.recipient.address
            )
        })
        .collect()
}

#[test]
fn holstebro_calls_out_the_whole_crisis_group_and_escalates_when_nobody_acknowledges() {
    let cfg = holstebro();
    let text = std::fs::read_to_string("tests/scenarios/holstebro_krisestab.toml").unwrap();
    let sc = slavakt::scenario::parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let sim = slavakt::scenario::replay(&sc, &cfg);
    let lines = timeline(&sim);
    let has = |l: &str| lines.iter().any(|x| x == l);
    // The call-out reaches every member of IT-ledergruppen on SMS and e-mail, for each ticket.
    for ticket in [2001, 2002, 2003] {
        for (phone, mail) in [
            ("+4590000101", "karen.holm@holstebro.example"),
            ("+4590000102", "ole.bech@holstebro.example"),
            ("+4590000103", "mette.lund@holstebro.example"),
        ] {
            for l in [
                format!("10:00 {ticket} krisestab-indkaldelse sms {phone}"),
                format!("10:00 {ticket} krisestab-indkaldelse email {mail}"),
            ] {
                assert!(has(&l), "missing {l}\n{}", lines.join("\n"));
            }
        }
    }
    // Nobody acknowledged 2001: the emergency phone at 10:15, the deputy director at 10:30.
    assert!(
        has("10:15 2001 krisestab-indkaldelse.escalation1 sms +4590000100"),
        "{lines:#?}"
    );
    assert!(
        has("10:30 2001 krisestab-indkaldelse.escalation2 sms +4590000105"),
        "{lines:#?}"
    );
    assert!(has(
        "10:30 2001 krisestab-indkaldelse.escalation2 email anders.krogh@holstebro.example"
    ));
    // Acknowledged by the link (2002), answered (2003) or taken on (2004) in Pureservice: no
    // escalation.
    let escalated: BTreeSet<u64> = sim
        .actions
        .iter()
        .filter(|a| a.intent.key.rule.contains(".escalation"))
        .map(|a| a.intent.key.ticket)
        .collect();
    assert_eq!(escalated, [2001].into());
    assert_eq!(
        sim.ledger.acks()["2002/krisestab-indkaldelse/0"].by,
        "Ole Bech"
    );
    // `status` lists each call-out's acknowledgement, in Danish.
    let state = slavakt::state::State {
        tickets: sim.tickets.clone(),
        ledger: sim.ledger.clone(),
        ..Default::default()
    };
    let status = slavakt::cli::status::acks_text(&state, &cfg);
    assert_eq!(
        status,
        "\nBekræftelser:\n  #2001 krisestab-indkaldelse: ikke bekræftet, eskaleret ×2\n  \
         #2002 krisestab-indkaldelse: bekræftet af Ole Bech 24.03. 10:05\n  \
         #2003 krisestab-indkaldelse: bekræftet af Pureservice 24.03. 10:10\n  \
         #2004 krisestab-indkaldelse: bekræftet af Pureservice 24.03. 10:12\n"
    );

    // Danish text throughout, with the meeting places, the link and who did not answer.
    let msg = |rule: &str, channel: &str| {
        sim.actions
            .iter()
            .find(|a| {
                a.intent.key.ticket == 2001
                    && a.intent.key.rule == rule
                    && a.intent.key.channel == channel
            })
            .and_then(|a| a.message.as_ref().ok())
            .unwrap_or_else(|| panic!("{rule} {channel}"))
            .clone()
    };
    let callout = msg("krisestab-indkaldelse", "email");
    let body = format!("{} {}", callout.subject, callout.text);
    for want in [
        "Indkaldelse af krisestaben",
        "Møderum 1224, Kirkestræde 15",
        "Bekræft, at du kommer: https://slavakt.holstebro.example/ack/",
        "Berørte forvaltninger: Social og Sundhed og Børn og Unge",
    ] {
        assert!(body.contains(want), "{want:?} not in\n{body}");
    }
    let up = msg("krisestab-indkaldelse.escalation2", "email");
    let body = format!("{} {}", up.subject, up.text);
    for want in [
        "Ingen har bekræftet",
        "Har ikke svaret: Karen Holm, Mette Lund, Ole Bech og Beredskabstelefonen.",
        "inden for 15 min",
    ] {
        assert!(body.contains(want), "{want:?} not in\n{body}");
    }
    for a in &sim.actions {
        let m = a
            .message
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", a.intent.key));
        let all = format!("{} {} {}", m.subject, m.text, m.short);
        for english in [
            "Ticket ",
            " ticket ",
            "Affected",
            "municipalit",
            "Hello",
            "Dear",
        ] {
            assert!(
                !all.contains(english),
                "{english:?} in {}:\n{all}",
                a.intent.key
            );
        }
    }
    // The situation picture goes to the crisis group every hour.
    assert!(
        has("11:00 2001 situationsbillede email ole.bech@holstebro.example"),
        "{lines:#?}"
    );
    // The unit's own Teams channel ("aktuel kanal") for Social og Sundhed and Børn og Unge.
    assert!(has(
        "10:00 2001 forvaltningens-kanal teams:social_og_sundhed teams:social_og_sundhed"
    ));
    assert!(has(
        "10:00 2001 forvaltningens-kanal teams:boern_og_unge teams:boern_og_unge"
    ));
    // Omsorgssystem in Social og Sundhed: its administrator, only for that ticket.
    assert!(has("10:00 2001 omsorg-administrator sms +4590000201"));
    assert!(!lines
        .iter()
        .any(|l| l.contains("omsorg-administrator") && !l.contains(" 2001 ")));
}

#[tokio::test]
async fn ack_links_work_once_for_their_own_ticket_only() {
    use slavakt::clock::{Clock, FakeClock};
    use std::sync::Arc;
    let cfg = holstebro();
    let text = std::fs::read_to_string("tests/scenarios/holstebro_krisestab.toml").unwrap();
    let sim = slavakt::scenario::replay(&slavakt::scenario::parse(&text).unwrap(), &cfg);
    let link = |ticket: u64, address: &str| {
        sim.actions
            .iter()
            .find(|a| {
                a.intent.key.ticket == ticket
                    && a.intent.key.rule == "krisestab-indkaldelse"
                    && a.intent.recipient.address == address
            })
            .and_then(|a| a.intent.vars.get("ack_url").cloned())
            .expect("the call-out carries its link")
    };
    let karen = link(2001, "karen.holm@holstebro.example");
    let path = karen
        .strip_prefix("https://slavakt.holstebro.example")
        .unwrap()
        .to_string();

    let state = slavakt::state::State {
        ledger: sim.ledger.clone(),
        ..Default::default()
    };
    let clock = FakeClock::new(t("2027-03-24T10:05:00+01:00"));
    let shared = slavakt::http::HttpShared::new(
        Arc::new(cfg),
        Arc::new(slavakt::metrics::Metrics::new()),
        Arc::new(clock.clone()) as Arc<dyn Clock>,
    );
    shared.publish(&state, clock.now());
    let server = slavakt::http::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    let cancel = tokio_util::sync::CancellationToken::new();
    let task = tokio::spawn(server.run(shared.clone(), cancel.clone()));
    let get = |p: String| {
        let url = format!("{base}{p}");
        async move {
            let r = reqwest::get(url).await.unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };

    let (status, body) = get(path.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("Tak! Din bekræftelse er registreret."),
        "{body}"
    );
    assert!(
        !body.contains(&path[5..]),
        "the page never echoes the token"
    );
    // Used once: a second click answers 410 and queues nothing more.
    let (status, body) = get(path.clone()).await;
    assert_eq!(status, 410);
    assert!(body.contains("allerede brugt"), "{body}");
    // A forged signature, another ticket's payload with this signature, garbage: 404.
    let (payload, mac) = path["/ack/".len()..].split_once('.').unwrap();
    let mut forged = mac.to_string();
    forged.replace_range(0..1, if mac.starts_with('A') { "B" } else { "A" });
    let other = link(2002, "karen.holm@holstebro.example");
    let (other_payload, _) = other.rsplit_once('/').unwrap().1.split_once('.').unwrap();
    for bad in [
        format!("/ack/{payload}.{forged}"),
        format!("/ack/{other_payload}.{mac}"),
        "/ack/nonsense".to_string(),
    ] {
        let (status, body) = get(bad.clone()).await;
        assert_eq!(status, 404, "{bad}");
        assert!(body.contains("Linket er ugyldigt"), "{body}");
    }
    let clicked = shared.take_acks();
    assert_eq!(clicked.len(), 1);
    assert_eq!(clicked[0].key, "2001/krisestab-indkaldelse/0");
    assert_eq!(clicked[0].by, "Karen Holm");
    assert!(shared.take_acks().is_empty());

    // Recorded in the ledger, the escalation of 2001 no longer fires.
    let mut ledger = sim.ledger.clone();
    ledger
        .entries
        .retain(|_, e| !e.intent.key.rule.contains(".escalation"));
    let c = &clicked[0];
    assert!(ledger.acknowledge(
        c.key.clone(),
        slavakt::plan::ack::Ack {
            at: c.at,
            by: c.by.clone(),
            source: "link".into()
        }
    ));
    let cfg = holstebro();
    let ev = slavakt::plan::evaluate(&sim.tickets, &ledger, &cfg, t("2027-03-24T10:40:00+01:00"));
    assert!(
        ev.intents
            .iter()
            .all(|i| !i.key.rule.contains(".escalation")),
        "{:?}",
        ev.intents
    );
    cancel.cancel();
    task.await.unwrap().unwrap();
}

#[test]
fn explain_shows_the_per_day_working_day_in_the_configured_language() {
    let args = |priority: &str| slavakt::cli::explain::Args {
        config: "config/examples/holstebro.toml".into(),
        priority: priority.into(),
        created: "2031-11-07T12:00".into(),
        paused: Vec::new(),
        json: false,
    };
    let now = t("2031-11-01T00:00:00Z");
    let da = slavakt::cli::explain::render(&args("Middel"), &holstebro(), now).unwrap();
    assert!(
        da.contains("hver tæller som én hel arbejdsdag med sin egen længde: man–tor 7h30m; fre 5h"),
        "{da}"
    );
    assert!(
        da.contains("Løsningsfrist: 3wd (20h åbningstid) → ons 2031-11-12 12:00"),
        "{da}"
    );
    let text = std::fs::read_to_string("config/examples/holstebro.toml")
        .unwrap()
        .replace("language = \"da\"", "language = \"nn\"");
    let nn_cfg = slavakt::config::from_str(
        &text,
        std::path::Path::new("config/examples/holstebro.toml"),
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let nn = slavakt::cli::explain::render(&args("Middel"), &nn_cfg, now).unwrap();
    assert!(
        nn.contains("kvar tel som éin heil arbeidsdag med si eiga lengd"),
        "{nn}"
    );
    assert!(nn.contains("Løysingsfrist"), "{nn}");
}

/// The daemon's indexed evaluation (which skips tickets that did not change and are not due)
/// escalates an unacknowledged call-out on time, exactly as full evaluation does.
#[test]
fn the_daemons_indexed_plan_escalates_an_untouched_ticket_on_time() {
    use slavakt::app::cycle;
    use slavakt::ledger::DeliveryStatus;
    use slavakt::ticket::{CoreStatus, TicketSnapshot};
    let cfg = holstebro();
    let t0 = t("2027-03-24T10:00:00+01:00");
    let snap = TicketSnapshot {
        id: 7,
        number: 7007,
        subject: "Omsorgssystemet svarer ikke".into(),
        description: String::new(),
        priority: Some("Kritisk".into()),
        status: "Ny".into(),
        core: CoreStatus::Open,
        municipalities: vec!["Social og Sundhed".into()],
        service: Some("Omsorgssystem".into()),
        category: Some("Omsorgssystem".into()),
        company: None,
        source: None,
        assignee: None,
        created: t0,
        modified: t0,
        responded: None,
        resolved: None,
        closed: None,
        reopened_count: 0,
        change: None,
        fields: Default::default(),
        modified_by_us: false,
        kind: Default::default(),
    };
    let mut full = slavakt::state::State::default();
    let mut fast = slavakt::state::State::default();
    let mut index = slavakt::plan::index::Index::new();
    cycle::track(&mut full, std::slice::from_ref(&snap), &cfg, t0);
    cycle::track(&mut fast, std::slice::from_ref(&snap), &cfg, t0);
    let mut escalated = Vec::new();
    // Ticks every 30 s for 20 minutes; nobody acknowledges, nothing changes in Pureservice.
    for tick in 0..=40 {
        let now = t0 + Duration::seconds(30 * tick);
        let a = cycle::plan(&mut full, &cfg, now);
        let b = cycle::plan_indexed(&mut fast, &mut index, &cfg, now);
        let keys = |s: &cycle::PlanStep| {
            s.issued
                .iter()
                .map(|i| i.key.to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(keys(&a), keys(&b), "tick {tick}");
        escalated.extend(
            b.issued
                .iter()
                .filter(|i| i.key.rule.contains(".escalation"))
                .map(|i| (now, i.key.to_string())),
        );
        for state in [&mut full, &mut fast] {
            for e in state.ledger.entries.values_mut() {
                e.status = DeliveryStatus::Delivered;
            }
        }
    }
    let first = escalated.first().expect("an escalation within 20 minutes");
    assert_eq!(first.0, t0 + Duration::minutes(15), "{escalated:?}");
}
