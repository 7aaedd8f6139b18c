//! The explanation API and the `explain` command's output, on the shipped config.

use crate::kit::sla as sla_support;

use chrono::Duration;
use sla_support::{config, oslo, utc};
use slavakt::cli::explain::{render, Args};
use slavakt::config::Language;
use slavakt::sla::explain::{explain, ExcludedKind, ExplainInput};

fn args(priority: &str, created: &str, paused: &[&str], json: bool) -> Args {
    Args {
        config: "unused.toml".into(),
        priority: priority.into(),
        created: created.into(),
        paused: paused.iter().map(|s| s.to_string()).collect(),
        json,
    }
}

#[test]
fn easter_middels_explained() {
    let cfg = config();
    let input = ExplainInput {
        priority: "Middels".into(),
        created: oslo(2027, 3, 24, 10, 0),
        pauses: vec![],
    };
    let ex = explain(&input, &cfg, input.created).unwrap();
    assert_eq!(ex.level, "middels");
    assert_eq!(ex.calendar, "kundeservice");
    assert_eq!(ex.working_day, Duration::minutes(450));
    assert_eq!(ex.resolution.clock.due, oslo(2027, 4, 1, 10, 0));
    let skipped: Vec<String> = ex.skipped_days.iter().map(|(d, _)| d.to_string()).collect();
    assert_eq!(skipped, vec!["2027-03-25", "2027-03-26", "2027-03-29"]);
    assert_eq!(ex.skipped_days[0].1, "Skjærtorsdag");
    // Counting starts at once (created inside business hours); no pauses.
    assert_eq!(ex.counting_starts, ex.created);
    assert!(ex.excluded.is_empty());
    assert_eq!(ex.resolution.excluded, Duration::zero());
}

#[test]
fn pauses_are_merged_and_measured() {
    let cfg = config();
    let input = ExplainInput {
        priority: "middels".into(),
        created: oslo(2027, 1, 11, 10, 0),
        pauses: vec![
            (oslo(2027, 1, 12, 9, 0), oslo(2027, 1, 12, 11, 0)),
            (oslo(2027, 1, 11, 11, 0), oslo(2027, 1, 11, 17, 0)),
            (oslo(2027, 1, 11, 16, 0), oslo(2027, 1, 12, 9, 30)),
        ],
    };
    let ex = explain(&input, &cfg, input.created).unwrap();
    // Merged: Mon 11:00 → Tue 11:00 = 7h30 business time.
    assert_eq!(ex.excluded.len(), 1);
    assert_eq!(ex.excluded[0].kind, ExcludedKind::Pause);
    assert_eq!(ex.excluded[0].resolution, Duration::minutes(450));
    // The response (due Tue 13:00) lost the same 7h30.
    assert_eq!(ex.response.clock.due, oslo(2027, 1, 12, 13, 0));
    assert_eq!(ex.excluded[0].response, Duration::minutes(450));
    assert_eq!(ex.response.excluded, Duration::minutes(450));
    assert_eq!(ex.resolution.clock.due, oslo(2027, 1, 15, 10, 0));
}

#[test]
fn out_of_hours_creation_says_when_counting_starts() {
    let cfg = config();
    let input = ExplainInput {
        priority: "Lav".into(),
        created: oslo(2027, 1, 16, 12, 0),
        pauses: vec![],
    };
    let ex = explain(&input, &cfg, input.created).unwrap();
    assert_eq!(ex.counting_starts, oslo(2027, 1, 18, 8, 0));
}

#[test]
fn json_has_the_interface_keys_with_zone_offsets() {
    let cfg = config();
    let out = render(
        &args("Kritisk", "2027-03-28T01:30:00+01:00", &[], true),
        &cfg,
        utc("2027-03-28T00:00:00Z"),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["priority"], "Kritisk");
    assert_eq!(v["level"], "kritisk");
    assert_eq!(v["calendar"]["name"], "24x7");
    assert_eq!(v["response_due"], "2027-03-28T01:45:00+01:00");
    assert_eq!(v["resolution_due"], "2027-03-28T04:30:00+02:00");
    assert_eq!(v["working_day_minutes"], 1440);
    assert_eq!(v["skipped_days"], serde_json::json!([]));
    assert_eq!(v["pauses"], serde_json::json!([]));
}

#[test]
fn json_with_pauses_and_local_times() {
    let cfg = config();
    let out = render(
        &args(
            "Middels",
            "2027-01-11T10:00",
            &["2027-01-11T11:00:00+01:00/2027-01-12T11:00:00+01:00"],
            true,
        ),
        &cfg,
        utc("2027-01-11T09:00:00Z"),
    )
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["created"], "2027-01-11T10:00:00+01:00");
    assert_eq!(v["response_due"], "2027-01-12T13:00:00+01:00");
    assert_eq!(v["resolution_due"], "2027-01-15T10:00:00+01:00");
    assert_eq!(v["working_day_minutes"], 450);
    assert_eq!(v["pauses"][0]["resolution_minutes"], 450);
    assert_eq!(v["calendar"]["hours"]["mon"][0], "08:00-15:30");
    assert_eq!(v["calendar"]["hours"]["sat"], serde_json::json!([]));
}

#[test]
fn bad_input_is_a_clear_exit_1_error() {
    let cfg = config();
    let now = utc("2027-01-11T09:00:00Z");
    let e = render(
        &args("Akutt", "2027-01-11T10:00:00+01:00", &[], true),
        &cfg,
        now,
    )
    .unwrap_err();
    assert_eq!(e.exit_code(), 1);
    let msg = e.to_string();
    for known in ["Kritisk", "Høy", "Middels", "Lav", "kritisk", "hoy"] {
        assert!(msg.contains(known), "{msg}");
    }
    let e = render(&args("Lav", "yesterday", &[], true), &cfg, now).unwrap_err();
    assert_eq!(e.exit_code(), 1);
    assert!(e.to_string().contains("--created"));
    for bad in [
        "2027-01-11T11:00:00+01:00",
        "2027-01-12T11:00:00+01:00/2027-01-11T11:00:00+01:00",
        "x/y",
    ] {
        let e = render(
            &args("Lav", "2027-01-11T10:00:00+01:00", &[bad], true),
            &cfg,
            now,
        )
        .unwrap_err();
        assert_eq!(e.exit_code(), 1, "{bad}");
        assert!(e.to_string().contains("--paused"), "{bad}");
    }
    // A local time that does not exist (spring switch) asks for an offset.
    let e = render(&args("Lav", "2027-03-28T02:30", &[], true), &cfg, now).unwrap_err();
    assert!(e.to_string().contains("offset"));
}

#[test]
fn human_output_in_english_and_norwegian() {
    let mut cfg = config();
    let a = args(
        "Middels",
        "2027-03-24T10:00:00+01:00",
        &["2027-03-24T11:00:00+01:00/2027-03-24T12:00:00+01:00"],
        false,
    );
    let en = render(&a, &cfg, utc("2027-03-24T09:00:00Z")).unwrap();
    for needle in [
        "kundeservice",
        "Europe/Oslo",
        "Mon–Fri 08:00–15:30",
        "7h30m",
        "2027-03-25 Skjærtorsdag",
        "2027-03-29 2. påskedag",
        "Resolution due: 3wd (22h30m business time) → Thu 2027-04-01 11:00 (+02:00)",
        "moves the deadlines by response 1h, resolution 1h",
        "Response due: 3h (3h business time) → Wed 2027-03-24 14:00 (+01:00)",
    ] {
        assert!(en.contains(needle), "missing {needle:?} in\n{en}");
    }
    // Business time longer than 24 hours is shown in hours, not as calendar days.
    let lav = render(
        &args("Lav", "2027-03-15T10:00:00+01:00", &[], false),
        &cfg,
        utc("2027-03-15T09:00:00Z"),
    )
    .unwrap();
    assert!(
        lav.contains("Resolution due: 5wd (37h30m business time) → Mon 2027-03-22 10:00 (+01:00)"),
        "{lav}"
    );
    cfg.daemon.language = Language::Nb;
    let nb = render(&a, &cfg, utc("2027-03-24T09:00:00Z")).unwrap();
    for needle in [
        "Løsningsfrist: 3wd (22h30m åpningstid) → tor 2027-04-01 11:00 (+02:00)",
        "Svarfrist",
        "man–fre 08:00–15:30",
        "Pauser",
    ] {
        assert!(nb.contains(needle), "missing {needle:?} in\n{nb}");
    }
}

#[test]
fn extra_closed_dates_are_listed_as_skipped() {
    let cfg = config();
    let input = ExplainInput {
        priority: "Lav".into(),
        created: oslo(2027, 12, 22, 12, 0),
        pauses: vec![],
    };
    let ex = explain(&input, &cfg, input.created).unwrap();
    assert_eq!(ex.resolution.clock.due, oslo(2027, 12, 30, 12, 0));
    let skipped: Vec<(String, &str)> = ex
        .skipped_days
        .iter()
        .map(|(d, why)| (d.to_string(), why.as_str()))
        .collect();
    // 25/26 December 2027 are a weekend: not "skipped working days".
    assert_eq!(skipped, vec![("2027-12-24".to_string(), "closed date")]);
}

#[test]
fn extra_closed_date_is_named_in_the_readers_language() {
    let mut cfg = config();
    let a = args("Lav", "2027-12-22T12:00:00+01:00", &[], false);
    let now = utc("2027-12-22T11:00:00Z");
    for (lang, word) in [
        (Language::Nb, "2027-12-24 stengt dag"),
        (Language::Nn, "2027-12-24 stengd dag"),
        (Language::Da, "2027-12-24 lukkedag"),
        (Language::En, "2027-12-24 closed date"),
    ] {
        cfg.daemon.language = lang;
        let out = render(&a, &cfg, now).unwrap();
        assert!(out.contains(word), "missing {word:?} in\n{out}");
        if lang != Language::En {
            assert!(!out.contains("closed date"), "English in\n{out}");
        }
    }
}
