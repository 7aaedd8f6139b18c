//! `slavakt holidays` end to end: the real binary, its stdout, and its exit codes.

use std::process::Command;

fn slavakt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(args)
        .env_remove("SLAVAKT_CONFIG")
        .output()
        .expect("run slavakt")
}

#[test]
fn json_lists_norway_2026_in_date_order() {
    let out = slavakt(&["holidays", "--country", "NO", "--year", "2026", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let arr = v.as_array().expect("array");
    let pairs: Vec<(&str, &str)> = arr
        .iter()
        .map(|h| (h["date"].as_str().unwrap(), h["name"].as_str().unwrap()))
        .collect();
    assert_eq!(pairs.len(), 12);
    assert_eq!(pairs[0], ("2026-01-01", "1. nyttårsdag"));
    assert!(pairs.contains(&("2026-04-05", "1. påskedag")));
    assert!(pairs.contains(&("2026-05-14", "Kristi himmelfartsdag")));
    assert!(pairs.contains(&("2026-05-25", "2. pinsedag")));
    assert_eq!(pairs[11], ("2026-12-26", "2. juledag"));
    assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0));
    // Only the two documented keys.
    assert!(arr.iter().all(|h| h.as_object().unwrap().len() == 2));
}

#[test]
fn json_for_denmark_knows_store_bededag_was_abolished() {
    let with = slavakt(&["holidays", "--country", "dk", "--year", "2023", "--json"]);
    assert!(with.status.success());
    let v: serde_json::Value = serde_json::from_slice(&with.stdout).unwrap();
    assert!(v
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h["date"] == "2023-05-05" && h["name"] == "Store bededag"));
    let without = slavakt(&["holidays", "--country", "DK", "--year", "2024", "--json"]);
    assert!(without.status.success());
    let v: serde_json::Value = serde_json::from_slice(&without.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 10);
    assert!(!String::from_utf8_lossy(&without.stdout).contains("bededag"));
}

#[test]
fn text_has_one_line_per_holiday_with_weekday() {
    let out = slavakt(&["holidays", "--country", "NO", "--year", "2027"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 11);
    assert!(
        lines.contains(&"2027-03-28  Sunday     1. påskedag"),
        "{text}"
    );
    assert!(
        lines.contains(&"2027-05-17  Monday     2. pinsedag / Grunnlovsdag"),
        "{text}"
    );
}

#[test]
fn bad_country_or_year_exits_1_with_a_message() {
    let cases: [&[&str]; 6] = [
        &["holidays", "--country", "SE", "--year", "2026"],
        &["holidays", "--country", "NO", "--year", "1899"],
        &["holidays", "--country", "DK", "--year", "2201"],
        &["holidays", "--country", "NO", "--year", "twenty"],
        &["holidays", "--country", "NO", "--json"],
        &["holidays", "--year", "2026"],
    ];
    for args in cases {
        let out = slavakt(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--country") || err.contains("--year"),
            "{args:?}: {err}"
        );
    }
}
