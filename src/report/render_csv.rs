//! The monthly report as CSV (RFC 4180, every field quoted, comma-separated, CRLF lines).
//!
//! [`levels`] gives one row per SLA level; [`incidents`] one row per serious incident. Column
//! names are fixed English keys (stable for spreadsheets), independent of `language`.

use super::figures::{MonthlyFigures, Outcome};

fn q(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn row(fields: &[String]) -> String {
    let mut s = fields.iter().map(|f| q(f)).collect::<Vec<_>>().join(",");
    s.push_str("\r\n");
    s
}

fn opt_min(d: Option<chrono::Duration>) -> String {
    d.map(|d| d.num_minutes().to_string()).unwrap_or_default()
}

fn opt_pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.1}")).unwrap_or_default()
}

/// One row per level; times in minutes of clock time, percentages with one decimal.
pub fn levels(f: &MonthlyFigures) -> String {
    let mut o = row(&[
        "month",
        "level",
        "label",
        "opened",
        "resolved",
        "response_met",
        "response_breached",
        "resolution_met",
        "resolution_breached",
        "compliance_percent",
        "response_compliance_percent",
        "resolution_target_minutes",
        "business_time",
        "average_resolution_minutes",
        "median_resolution_minutes",
        "open_at_end",
    ]
    .map(String::from));
    for l in &f.levels {
        o.push_str(&row(&[
            super::month_text(f.month),
            l.level.clone(),
            l.label.clone(),
            l.opened.to_string(),
            l.resolved.to_string(),
            l.response_met.to_string(),
            l.response_breached.to_string(),
            l.resolution_met.to_string(),
            l.resolution_breached.to_string(),
            opt_pct(l.compliance()),
            opt_pct(l.response_compliance()),
            l.resolution_target.num_minutes().to_string(),
            l.business_time.to_string(),
            opt_min(l.average_resolution),
            opt_min(l.median_resolution),
            l.open_at_end.to_string(),
        ]));
    }
    o
}

/// One row per Kritisk/Høy incident; times in UTC RFC 3339.
pub fn incidents(f: &MonthlyFigures) -> String {
    let mut o = row(&[
        "number",
        "level",
        "label",
        "opened",
        "resolved",
        "municipalities",
        "service",
        "title",
        "resolution_minutes",
        "outcome",
    ]
    .map(String::from));
    for i in &f.incidents {
        o.push_str(&row(&[
            i.number.to_string(),
            i.level.clone(),
            i.label.clone(),
            i.opened.to_rfc3339(),
            i.resolved.map(|r| r.to_rfc3339()).unwrap_or_default(),
            i.municipalities.join("; "),
            i.service.clone().unwrap_or_default(),
            i.title.clone(),
            i.resolution_time.num_minutes().to_string(),
            match i.outcome {
                Outcome::Met => "met",
                Outcome::Breached => "breached",
                Outcome::Open => "open",
            }
            .to_string(),
        ]));
    }
    o
}

/// Both tables in one text: the level table, an empty line, the incident table.
pub fn render(f: &MonthlyFigures) -> String {
    format!("{}\r\n{}", levels(f), incidents(f))
}
