//! The renderers on the synthetic March 2027 of `report_monthly.rs`: the CSV parses as
//! RFC 4180, the HTML and Markdown carry the figures.

use crate::kit::report as report_support;
use crate::kit::sla as sla_support;

use slavakt::config::{Language, ReportFormat};
use slavakt::report::{render, render_csv};

/// A strict RFC 4180 reader: quoted fields with doubled quotes, CRLF records.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let mut fields = Vec::new();
        let mut chars = line.chars().peekable();
        loop {
            assert_eq!(chars.next(), Some('"'), "field not quoted in {line:?}");
            let mut f = String::new();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        f.push('"');
                    }
                    Some('"') => break,
                    Some(c) => f.push(c),
                    None => panic!("unterminated field in {line:?}"),
                }
            }
            fields.push(f);
            match chars.next() {
                Some(',') => continue,
                None => break,
                Some(c) => panic!("unexpected {c:?} after a field in {line:?}"),
            }
        }
        rows.push(fields);
    }
    rows
}

#[test]
fn csv_levels_parse_with_the_figures() {
    let f = report_support::march();
    let rows = parse_csv(&render_csv::levels(&f));
    assert_eq!(rows.len(), 5);
    let head = &rows[0];
    assert!(rows.iter().all(|r| r.len() == head.len()));
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let kritisk = &rows[1];
    assert_eq!(kritisk[col("level")], "kritisk");
    assert_eq!(kritisk[col("compliance_percent")], "50.0");
    assert_eq!(kritisk[col("average_resolution_minutes")], "135");
    assert_eq!(rows[3][col("median_resolution_minutes")], "660");
    assert_eq!(rows[4][col("open_at_end")], "1");
}

#[test]
fn csv_incidents_parse_even_with_quotes_and_commas_in_titles() {
    let mut state = report_support::march_state();
    state.tickets.get_mut(&2).unwrap().subject = "Nett \"nede\", Rauma".into();
    let cfg = sla_support::config();
    let f = slavakt::report::figures(&state, &cfg, (2027, 3), sla_support::oslo(2027, 5, 1, 0, 0))
        .unwrap();
    let rows = parse_csv(&render_csv::incidents(&f));
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[3][0], "1002");
    assert_eq!(rows[3][7], "Nett \"nede\", Rauma");
    assert_eq!(rows[3][9], "breached");
    // The combined text: both tables, separated by an empty line, still parses.
    assert_eq!(parse_csv(&render_csv::render(&f)).len(), 10);
}

#[test]
fn html_is_self_contained_and_carries_the_figures() {
    let f = report_support::march();
    let mut cfg = sla_support::config();
    cfg.daemon.language = Language::Nb;
    let html = render(&f, ReportFormat::Html, &cfg);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script") && !html.contains("src=\"http"));
    assert!(html.contains("Overholdelse av tjenestenivåavtalen"));
    assert_eq!(html.matches("<svg").count(), 2);
    assert!(html.contains("<td class=\"n\">50.0</td>"));
    assert!(html.contains("50.0 %"));
    assert!(html.contains("2,3 timer")); // Kritisk average (2 h 15 min), decimal comma
    assert!(html.contains("Sakens løsningstid") && !html.contains("arbeidstid"));
    assert!(html.contains("Rauma") && html.contains("class=\"breached\""));
    assert!(html.contains("2027-02") && html.contains("100.0 (1)"));
}

#[test]
fn markdown_follows_the_language() {
    let f = report_support::march();
    let mut cfg = sla_support::config();
    cfg.daemon.language = Language::Nb;
    let nb = render(&f, ReportFormat::Md, &cfg);
    assert!(nb.contains("# SLA-rapport 2027-03"));
    assert!(nb.contains("## Gjennomsnittlig løsningstid"));
    assert!(nb.contains("| Kritisk | 2 | 2 | 1 | 1 | 1 | 1 | 50.0 |"));
    assert!(nb.contains("| 20.03.2027 09:00 | 1003 | Høy | Molde |"));
    cfg.daemon.language = Language::En;
    let en = render(&f, ReportFormat::Md, &cfg);
    assert!(en.contains("## SLA compliance") && en.contains("- Molde: 4"));
}
