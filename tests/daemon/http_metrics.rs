//! `/metrics` against a real server: the text exposition format 0.0.4 parses line by line,
//! label values are escaped, and the run loop's calls show up as the right series.

use crate::kit::ops as ops_support;

use ops_support::*;

/// One sample line: `name{label="value",...} number`, label values with `\\`, `\"`, `\n`
/// escapes only. Returns (name, labels, value).
type Sample = (String, Vec<(String, String)>, f64);

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| format!("no value: {line}"))?;
    let name = &line[..name_end];
    let valid_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
            && !s.starts_with(|c: char| c.is_ascii_digit())
    };
    if !valid_name(name) {
        return Err(format!("bad metric name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(mut r) = rest.strip_prefix('{') {
        loop {
            if let Some(after) = r.strip_prefix('}') {
                rest = after;
                break;
            }
            let eq = r
                .find('=')
                .ok_or_else(|| format!("label without = in {line}"))?;
            let lname = &r[..eq];
            if !valid_name(lname) || lname.contains(':') {
                return Err(format!("bad label name {lname:?}"));
            }
            let quoted = r[eq + 1..]
                .strip_prefix('"')
                .ok_or_else(|| format!("label value not quoted in {line}"))?;
            let mut value = String::new();
            let mut it = quoted.char_indices();
            let end = loop {
                match it.next() {
                    None => return Err(format!("unterminated label value in {line}")),
                    Some((i, '"')) => break i,
                    Some((_, '\\')) => match it.next() {
                        Some((_, '\\')) => value.push('\\'),
                        Some((_, '"')) => value.push('"'),
                        Some((_, 'n')) => value.push('\n'),
                        other => return Err(format!("bad escape {other:?} in {line}")),
                    },
                    Some((_, '\n')) => return Err("raw newline in label".into()),
                    Some((_, c)) => value.push(c),
                }
            };
            labels.push((lname.to_string(), value));
            r = &quoted[end + 1..];
            if let Some(after) = r.strip_prefix(',') {
                r = after;
            } else if !r.starts_with('}') {
                return Err(format!("expected , or }} after a label in {line}"));
            }
        }
    }
    let value_text = rest
        .strip_prefix(' ')
        .ok_or_else(|| format!("no space before value: {line}"))?;
    let value = match value_text {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse::<f64>().map_err(|_| format!("bad value {v:?}"))?,
    };
    Ok((name.to_string(), labels, value))
}

#[test]
fn the_parser_rejects_what_prometheus_rejects() {
    assert!(parse_sample("a_b{x=\"1\"} 2").is_ok());
    assert!(parse_sample("a_b{x=1} 2").is_err());
    assert!(parse_sample("a_b{x=\"1} 2").is_err());
    assert!(parse_sample("a_b 2x").is_err());
    assert!(parse_sample("1ab 2").is_err());
    let (_, labels, _) = parse_sample(r#"m{a="q\"\\\n",b="2"} 1"#).unwrap();
    assert_eq!(
        labels,
        vec![("a".into(), "q\"\\\n".into()), ("b".into(), "2".into())]
    );
}

#[tokio::test]
async fn metrics_text_parses_and_carries_the_run_loops_counts() {
    let srv = start("nb").await;
    let m = &srv.metrics;
    m.poll_ok(now());
    m.poll_ok(now());
    m.poll_failed();
    m.api_error("timeout");
    m.api_error("http_5xx");
    m.intent_issued("kritisk_opened");
    m.intent_issued("kritisk_opened");
    m.intent_issued("rule \"with\" quotes\\and\nnewline");
    m.delivery("teams:ik_varsling", "delivered");
    m.delivery("sms", "retry");
    m.state_saved(std::time::Duration::from_millis(125), 4096);

    let (status, ctype, body) = srv.get("/metrics").await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/plain; version=0.0.4; charset=utf-8");
    let mut samples = Vec::new();
    let mut typed = std::collections::BTreeSet::new();
    for line in body.lines() {
        if let Some(c) = line.strip_prefix('#') {
            let parts: Vec<&str> = c.trim_start().splitn(3, ' ').collect();
            assert!(
                matches!(parts.first(), Some(&"HELP") | Some(&"TYPE")),
                "unexpected comment {line:?}"
            );
            if parts[0] == "TYPE" {
                assert!(
                    matches!(parts.get(2), Some(&"counter" | &"gauge" | &"summary")),
                    "{line}"
                );
                assert!(typed.insert(parts[1].to_string()), "TYPE twice: {line}");
            }
            continue;
        }
        let s = parse_sample(line).unwrap_or_else(|e| panic!("{e}\n---\n{body}"));
        let family =
            s.0.strip_suffix("_sum")
                .or_else(|| s.0.strip_suffix("_count"))
                .filter(|f| typed.contains(*f))
                .unwrap_or(&s.0)
                .to_string();
        assert!(typed.contains(&family), "sample before its TYPE: {line}");
        samples.push(s);
    }
    let get = |name: &str, labels: &[(&str, &str)]| -> f64 {
        samples
            .iter()
            .find(|(n, l, _)| {
                n == name
                    && l.len() == labels.len()
                    && l.iter().zip(labels).all(|(a, b)| a.0 == b.0 && a.1 == b.1)
            })
            .unwrap_or_else(|| panic!("no sample {name} {labels:?} in\n{body}"))
            .2
    };
    assert_eq!(get("slavakt_polls_total", &[("outcome", "ok")]), 2.0);
    assert_eq!(get("slavakt_polls_total", &[("outcome", "error")]), 1.0);
    assert_eq!(get("slavakt_api_errors_total", &[("kind", "timeout")]), 1.0);
    assert_eq!(
        get("slavakt_api_errors_total", &[("kind", "http_5xx")]),
        1.0
    );
    assert_eq!(
        get("slavakt_intents_total", &[("rule", "kritisk_opened")]),
        2.0
    );
    assert_eq!(
        get(
            "slavakt_intents_total",
            &[("rule", "rule \"with\" quotes\\and\nnewline")]
        ),
        1.0
    );
    assert_eq!(
        get(
            "slavakt_deliveries_total",
            &[("channel", "sms"), ("outcome", "retry")]
        ),
        1.0
    );
    assert_eq!(get("slavakt_state_save_seconds_count", &[]), 1.0);
    assert_eq!(get("slavakt_state_save_seconds_sum", &[]), 0.125);
    assert_eq!(get("slavakt_state_bytes", &[]), 4096.0);
    assert_eq!(
        get("slavakt_last_poll_success_timestamp_seconds", &[]),
        now().timestamp() as f64
    );
    assert_eq!(get("slavakt_breaches_total", &[("clock", "response")]), 0.0);
    srv.stop().await;
}

#[tokio::test]
async fn tracked_tickets_by_level_and_clock_state_and_breaches_counted_once() {
    let srv = start("nb").await;
    let state = state();
    let config =
        slavakt::config::load_with_env(&srv.dir.path().join("slavakt.toml"), &Default::default())
            .expect("config");
    // publish refreshes the gauges; a second scan must not count the same breach again.
    srv.shared.publish(&state, now());
    srv.metrics
        .set_tracked(&state, &config, now() + chrono::Duration::seconds(30));
    let (_, _, body) = srv.get("/metrics").await;
    // 1001: kritisk, response overdue since 12:15 → breached; 1002: hoy, running (30 of 60
    // minutes); 1004: no level; 1003 is solved and not counted.
    for line in [
        "slavakt_tracked_tickets{level=\"kritisk\",clock_state=\"breached\"} 1\n",
        "slavakt_tracked_tickets{level=\"hoy\",clock_state=\"running\"} 1\n",
        "slavakt_tracked_tickets{level=\"hoy\",clock_state=\"breached\"} 0\n",
        "slavakt_tracked_tickets{level=\"none\",clock_state=\"none\"} 1\n",
        "slavakt_breaches_total{clock=\"response\"} 1\n",
        "slavakt_breaches_total{clock=\"resolution\"} 0\n",
        "slavakt_pending_deliveries 1\n",
        "slavakt_pureservice_outage 0\n",
    ] {
        assert!(body.contains(line), "missing {line:?} in\n{body}");
    }
    srv.stop().await;
}
