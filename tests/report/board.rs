//! The board's report for May 2023 (aktivitetsrapport 2023-06 §2.1.6): a state holding the five
//! serious incidents that report lists, with resolution times chosen so the averages are the
//! board's own figures (Kritisk 34,2 timer, Høy 40,2 timer, Middels 10,4 dager, Lav 4,9 dager),
//! plus earlier months for the trend. Built through the real tracker and the shipped config.

use crate::kit::sla as sla_support;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sla_support::{config, oslo, snapshot};
use slavakt::config::{Config, Language, ReportFormat};
use slavakt::state::State;
use slavakt::ticket::{CoreStatus, TicketKind};
use slavakt::tracker::observe;

struct T {
    id: u64,
    prio: &'static str,
    created: DateTime<Utc>,
    muni: &'static str,
    service: &'static str,
    category: &'static str,
    kind: TicketKind,
    title: &'static str,
    /// Resolved this long after creation (wall time); `None`: still open.
    after: Option<Duration>,
}

fn add(state: &mut State, cfg: &Config, t: T) {
    let mut s = snapshot(t.id, t.prio, t.created);
    s.municipalities = vec![t.muni.into()];
    s.service = Some(t.service.into());
    s.category = Some(t.category.into());
    s.kind = t.kind;
    s.subject = t.title.into();
    let (mut tracked, _) = observe(None, &s, cfg, t.created + Duration::seconds(20));
    s.responded = Some(t.created + Duration::minutes(5));
    s.status = "Under arbeid".into();
    s.modified = t.created + Duration::minutes(5);
    tracked = observe(Some(&tracked), &s, cfg, s.modified + Duration::seconds(20)).0;
    if let Some(after) = t.after {
        let at = t.created + after;
        s.status = "Løst".into();
        s.core = CoreStatus::Solved;
        s.resolved = Some(at);
        s.modified = at;
        tracked = observe(Some(&tracked), &s, cfg, at + Duration::seconds(20)).0;
    }
    state.tickets.insert(tracked.id, tracked);
}

fn h(hours: i64, minutes: i64) -> Duration {
    Duration::hours(hours) + Duration::minutes(minutes)
}

/// Wall time from `created` to the instant `business` time later on `kundeservice`.
fn business(cfg: &Config, created: DateTime<Utc>, business: Duration) -> Duration {
    let cal = cfg.calendar("kundeservice").unwrap();
    cal.add(created, business) - created
}

fn may_2023() -> (State, Config) {
    let mut cfg = config();
    cfg.daemon.language = Language::Nb;
    let mut st = State::default();
    let inc = TicketKind::Incident;
    let req = TicketKind::Request;
    let serious = [
        // Kritisk: 30 h and 38 h 24 min → 34,2 timer.
        (
            1,
            "Kritisk",
            oslo(2023, 5, 16, 10, 0),
            "Molde",
            "Sensio Pasientvarsling",
            "Sensio Pasientvarsling ved Bergmo OMS",
            h(30, 0),
        ),
        (
            2,
            "Kritisk",
            oslo(2023, 5, 24, 9, 0),
            "Molde",
            "Sensio Pasientvarsling",
            "Sensio pasientvarsling ved Nobel OMS",
            h(38, 24),
        ),
        // Høy: 20 h, 40 h 36 min and 60 h → 40,2 timer.
        (
            3,
            "Høy",
            oslo(2023, 5, 3, 8, 0),
            "Rauma",
            "Nettverk",
            "Nettverk nede ved Måndalen skole",
            h(20, 0),
        ),
        (
            4,
            "Høy",
            oslo(2023, 5, 5, 12, 0),
            "Molde",
            "Nettverk",
            "Nettverksfeil i parkeringstunell",
            h(40, 36),
        ),
        (
            5,
            "Høy",
            oslo(2023, 5, 11, 7, 30),
            "Molde",
            "Nettverk",
            "Tregt nettverk rådhuset",
            h(60, 0),
        ),
    ];
    for (id, prio, created, muni, service, title, after) in serious {
        add(
            &mut st,
            &cfg,
            T {
                id,
                prio,
                created,
                muni,
                service,
                category: "Nettverk og fagsystem",
                kind: inc,
                title,
                after: Some(after),
            },
        );
    }
    // Middels: a service request resolved after 78 h of 7,5 h working days → 10,4 dager.
    let c6 = oslo(2023, 5, 2, 9, 0);
    let a6 = business(&cfg, c6, h(78, 0));
    add(
        &mut st,
        &cfg,
        T {
            id: 6,
            prio: "Middels",
            created: c6,
            muni: "Aukra",
            service: "Brukerstøtte",
            category: "Databruker og tilganger",
            kind: req,
            title: "Ny bruker til vikar",
            after: Some(a6),
        },
    );
    // Lav: a fault report resolved after 36 h 45 min of working time → 4,9 dager.
    let c7 = oslo(2023, 5, 8, 9, 0);
    let a7 = business(&cfg, c7, h(36, 45));
    add(
        &mut st,
        &cfg,
        T {
            id: 7,
            prio: "Lav",
            created: c7,
            muni: "Vestnes",
            service: "Brukerstøtte",
            category: "PC og utstyr",
            kind: inc,
            title: "Treg PC",
            after: Some(a7),
        },
    );
    // Two requests open at the end of May (Hustadvika), one more access request.
    for (id, day) in [(8, 30), (9, 31)] {
        add(
            &mut st,
            &cfg,
            T {
                id,
                prio: "Middels",
                created: oslo(2023, 5, day, 10, 0),
                muni: "Hustadvika",
                service: "Brukerstøtte",
                category: "Databruker og tilganger",
                kind: req,
                title: "Tilgang til fagsystem",
                after: None,
            },
        );
    }
    // The trend: March Kritisk 3,1 timer and Høy 78,7 timer; April Kritisk 23,3 timer.
    add(
        &mut st,
        &cfg,
        T {
            id: 10,
            prio: "Kritisk",
            created: oslo(2023, 3, 7, 10, 0),
            muni: "Molde",
            service: "Nettverk",
            category: "Nettverk og fagsystem",
            kind: inc,
            title: "Nett nede",
            after: Some(h(3, 6)),
        },
    );
    add(
        &mut st,
        &cfg,
        T {
            id: 11,
            prio: "Høy",
            created: oslo(2023, 3, 14, 10, 0),
            muni: "Aukra",
            service: "Nettverk",
            category: "Nettverk og fagsystem",
            kind: inc,
            title: "Trådløst nett nede",
            after: Some(h(78, 42)),
        },
    );
    add(
        &mut st,
        &cfg,
        T {
            id: 12,
            prio: "Kritisk",
            created: oslo(2023, 4, 20, 10, 0),
            muni: "Rauma",
            service: "Sensio Pasientvarsling",
            category: "Nettverk og fagsystem",
            kind: inc,
            title: "Pasientvarsling nede",
            after: Some(h(23, 18)),
        },
    );
    (st, cfg)
}

fn now() -> DateTime<Utc> {
    oslo(2023, 6, 5, 12, 0)
}

fn json(st: &State, cfg: &Config, from: (i32, u32), to: (i32, u32)) -> Value {
    let f = slavakt::report::period_figures(st, cfg, from, to, now()).unwrap();
    serde_json::from_str(&slavakt::report::render(&f, ReportFormat::Json, cfg)).unwrap()
}

#[test]
fn may_2023_in_the_boards_units_markdown() {
    let (st, cfg) = may_2023();
    let f = slavakt::report::figures(&st, &cfg, (2023, 5), now()).unwrap();
    let md = slavakt::report::render(&f, ReportFormat::Md, &cfg);
    // Average resolution per priority against the target, as the board writes it.
    assert!(md.contains("| Kritisk | 2 timer | 34,2 timer |"), "{md}");
    assert!(md.contains("| Høy | 4 timer | 40,2 timer |"), "{md}");
    assert!(md.contains("| Middels | 3 dager | 10,4 dager |"), "{md}");
    assert!(md.contains("| Lav | 5 dager | 4,9 dager |"), "{md}");
    // The five incidents, oldest first, each with its own duration and outcome.
    let rows: Vec<&str> = md.lines().filter(|l| l.contains(".05.2023 ")).collect();
    assert_eq!(rows.len(), 5, "{md}");
    assert!(rows[0].starts_with("| 03.05.2023 08:00 | 1003 | Høy | Rauma | Nettverk | Nettverk nede ved Måndalen skole | 20 timer | brutt |"), "{}", rows[0]);
    assert!(rows[1].contains(
        "| 1004 | Høy | Molde | Nettverk | Nettverksfeil i parkeringstunell | 40,6 timer | brutt |"
    ));
    assert!(rows[2].contains("| Tregt nettverk rådhuset | 60 timer |"));
    assert!(rows[3].starts_with("| 16.05.2023 10:00 | 1001 | Kritisk | Molde | Sensio Pasientvarsling | Sensio Pasientvarsling ved Bergmo OMS | 30 timer |"));
    assert!(rows[4].contains("| Sensio pasientvarsling ved Nobel OMS | 38,4 timer |"));
    // Fault reports vs service requests: opened, resolved, open at the end.
    assert!(md.contains("| Feilmeldinger | 6 | 6 | 0 |"), "{md}");
    assert!(md.contains("| Tjenesteforespørsler | 3 | 1 | 2 |"), "{md}");
    assert!(md.contains("| Totalt | 9 | 7 | 2 |"), "{md}");
    // Per category, most first.
    let cat = md.split("## Saker per kategori").nth(1).unwrap();
    let cat = cat.split("\n## ").next().unwrap();
    let cat_rows: Vec<&str> = cat
        .lines()
        .filter(|l| l.starts_with("| ") && !l.contains("---"))
        .collect();
    assert_eq!(
        &cat_rows[1..],
        [
            "| Nettverk og fagsystem | 5 |",
            "| Databruker og tilganger | 3 |",
            "| PC og utstyr | 1 |",
            "| Totalt | 9 |"
        ]
    );
    // Per municipality, open at the end.
    assert!(md.contains("| Hustadvika | 2 | 0 | 2 |"), "{md}");
    // Six months of average resolution: December 2022 to May 2023.
    assert!(
        md.contains("| 2023-03 | 3,1 timer | 78,7 timer | – | – |"),
        "{md}"
    );
    assert!(md.contains("| 2023-04 | 23,3 timer | – | – | – |"), "{md}");
    assert!(
        md.contains("| 2023-05 | 34,2 timer | 40,2 timer | 10,4 dager | 4,9 dager |"),
        "{md}"
    );
    assert!(md.contains("| 2022-12 |"));
    // Telephone statistics are out of scope, and said to be.
    assert!(md.contains("Telefonstatistikk"));
}

#[test]
fn may_2023_json_has_every_key_with_exact_figures() {
    let (st, cfg) = may_2023();
    let j = json(&st, &cfg, (2023, 5), (2023, 5));
    assert_eq!(j["period"]["from"], "2023-05");
    assert_eq!(j["period"]["to"], "2023-05");
    let level = |name: &str| {
        j["levels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["level"] == name)
            .unwrap()
            .clone()
    };
    let k = level("kritisk");
    assert_eq!(
        (k["opened"].as_u64(), k["resolved"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(k["resolved_within"], 0);
    assert_eq!(k["response_within"], 2);
    assert_eq!(k["average_resolution"]["unit"], "hours");
    assert_eq!(k["average_resolution"]["value"], 34.2);
    let hoy = level("hoy");
    assert_eq!(hoy["average_resolution"]["value"], 40.2);
    let m = level("middels");
    assert_eq!(m["average_resolution"]["unit"], "working_days");
    assert!((m["average_resolution"]["value"].as_f64().unwrap() - 10.4).abs() < 1e-9);
    let lav = level("lav");
    assert!((lav["average_resolution"]["value"].as_f64().unwrap() - 4.9).abs() < 1e-9);
    assert_eq!(m["opened"], 3);
    assert_eq!(m["open_at_end"], 2);

    let inc = j["incidents"].as_array().unwrap();
    assert_eq!(inc.len(), 5);
    assert_eq!(inc[0]["ticket"], 1003);
    assert_eq!(inc[0]["level"], "hoy");
    assert_eq!(inc[0]["municipality"], "Rauma");
    assert_eq!(inc[0]["service"], "Nettverk");
    assert_eq!(inc[0]["title"], "Nettverk nede ved Måndalen skole");
    assert_eq!(inc[0]["duration"]["value"], 20.0);
    assert_eq!(inc[0]["duration"]["unit"], "hours");
    assert_eq!(inc[0]["within"], false);

    assert_eq!(j["categories"][0]["name"], "Nettverk og fagsystem");
    assert_eq!(j["categories"][0]["opened"], 5);
    let hustadvika = j["municipalities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Hustadvika")
        .unwrap();
    assert_eq!(hustadvika["opened"], 2);
    assert_eq!(hustadvika["open_at_end"], 2);
    assert_eq!(j["types"]["incident"]["opened"], 6);
    assert_eq!(j["types"]["request"]["opened"], 3);
    assert_eq!(j["types"]["request"]["open_at_end"], 2);
    assert_eq!(j["types"]["change"]["opened"], 0);

    let trend = j["trend"].as_array().unwrap();
    let months: Vec<&str> = trend.iter().map(|p| p["month"].as_str().unwrap()).collect();
    assert_eq!(
        months,
        ["2022-12", "2023-01", "2023-02", "2023-03", "2023-04", "2023-05"]
    );
    assert!(
        (trend[3]["levels"]["kritisk"]["average_resolution"]["value"]
            .as_f64()
            .unwrap()
            - 3.1)
            .abs()
            < 1e-9
    );
    assert_eq!(trend[4]["levels"]["hoy"]["average_resolution"], Value::Null);
    assert_eq!(trend[5]["levels"]["kritisk"]["resolved"], 2);
    assert_eq!(trend[5]["opened"], 9);
    assert_eq!(trend[5]["resolved"], 7);

    // Downtime: Sensio 30 h + 38,4 h, Nettverk 20 h + 40,6 h + 60 h (no overlaps); May has
    // 744 hours.
    let av = j["availability"].as_array().unwrap();
    assert_eq!(av[0]["service"], "Nettverk");
    assert!((av[0]["downtime_hours"].as_f64().unwrap() - 120.6).abs() < 1e-9);
    let pct = 100.0 * (1.0 - 120.6 / 744.0);
    assert!((av[0]["percent"].as_f64().unwrap() - pct).abs() < 1e-9);
    assert_eq!(av[1]["service"], "Sensio Pasientvarsling");
    assert!((av[1]["downtime_hours"].as_f64().unwrap() - 68.4).abs() < 1e-9);
}

#[test]
fn a_report_over_two_months_counts_both() {
    let (st, cfg) = may_2023();
    let j = json(&st, &cfg, (2023, 4), (2023, 5));
    assert_eq!(j["period"]["from"], "2023-04");
    assert_eq!(j["period"]["to"], "2023-05");
    let k = &j["levels"][0];
    assert_eq!(k["level"], "kritisk");
    assert_eq!(k["resolved"], 3);
    // (23,3 + 30 + 38,4) / 3 hours.
    let avg = (23.3 + 30.0 + 38.4) / 3.0;
    assert!((k["average_resolution"]["value"].as_f64().unwrap() - avg).abs() < 1e-9);
    assert_eq!(j["incidents"].as_array().unwrap().len(), 6);
    // The trend still ends with the period's last month.
    assert_eq!(
        j["trend"].as_array().unwrap().last().unwrap()["month"],
        "2023-05"
    );
    let f = slavakt::report::period_figures(&st, &cfg, (2023, 4), (2023, 5), now()).unwrap();
    let md = slavakt::report::render(&f, ReportFormat::Md, &cfg);
    assert!(md.starts_with("# SLA-rapport 2023-04–2023-05"), "{md}");
}

#[test]
fn every_language_has_its_own_words() {
    let (st, mut cfg) = may_2023();
    let f = slavakt::report::figures(&st, &cfg, (2023, 5), now()).unwrap();
    for (lang, words, not) in [
        (
            Language::Nn,
            [
                "34,2 timar",
                "10,4 dagar",
                "Hendingar med kritisk og høg prioritet",
                "Tenesteførespurnader",
            ],
            ["Hendelser", "Tjenesteforespørsler"],
        ),
        (
            Language::Da,
            [
                "34,2 timer",
                "10,4 dage",
                "Hændelser med kritisk og høj prioritet",
                "Serviceanmodninger",
            ],
            ["Hendelser", "Tjenesteforespørsler"],
        ),
        (
            Language::En,
            [
                "34.2 hours",
                "10.4 working days",
                "Critical and high priority incidents",
                "Service requests",
            ],
            ["timer", "Hendelser"],
        ),
    ] {
        cfg.daemon.language = lang;
        for format in [ReportFormat::Md, ReportFormat::Html, ReportFormat::Csv] {
            let text = slavakt::report::render(&f, format, &cfg);
            for w in words {
                // CSV durations are bare numbers with the unit in its own column.
                if format == ReportFormat::Csv && (w.contains("34") || w.contains("10")) {
                    continue;
                }
                assert!(text.contains(w), "{lang:?} {format:?}: {w:?} missing");
            }
            for w in not {
                assert!(!text.contains(w), "{lang:?} {format:?}: {w:?} present");
            }
        }
    }
}

#[test]
fn a_state_file_from_before_the_ticket_type_loads_every_ticket_as_a_fault_report() {
    let (st, cfg) = may_2023();
    let mut v: Value = serde_json::to_value(&st).unwrap();
    for t in v["tickets"].as_object_mut().unwrap().values_mut() {
        assert!(t.as_object_mut().unwrap().remove("kind").is_some());
    }
    let old: State = serde_json::from_value(v).unwrap();
    assert!(old.tickets.values().all(|t| t.kind == TicketKind::Incident));
    let j = json(&old, &cfg, (2023, 5), (2023, 5));
    assert_eq!(j["types"]["incident"]["opened"], 9);
    assert_eq!(j["types"]["request"]["opened"], 0);
}
