//! The monthly report as Markdown.

use super::figures::{MonthlyFigures, Outcome};
use super::text::{amount, incident_time, pct, words, Words};
use crate::config::Language;
use chrono_tz::Tz;
use std::fmt::Write;

pub fn render(f: &MonthlyFigures, lang: Language, tz: Tz) -> String {
    let w = words(lang);
    let mut o = String::new();
    let _ = writeln!(o, "# {} {}\n", w.title, super::month_text(f.month));
    if f.partial {
        let _ = writeln!(
            o,
            "_{} {}._\n",
            w.partial,
            f.as_of.with_timezone(&tz).format("%Y-%m-%d %H:%M")
        );
    }
    let _ = writeln!(o, "## {}\n", w.compliance);
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} | {} | {} | {} |\n|---|---:|---:|---:|---:|---:|---:|---:|",
        w.level,
        w.opened,
        w.resolved,
        w.resp_met,
        w.resp_breached,
        w.res_met,
        w.res_breached,
        w.percent
    );
    for l in &f.levels {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            l.label,
            l.opened,
            l.resolved,
            l.response_met,
            l.response_breached,
            l.resolution_met,
            l.resolution_breached,
            pct(l.compliance(), w)
        );
    }
    let _ = writeln!(o, "\n## {}\n", w.resolution_time);
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} |\n|---|---:|---:|---:|",
        w.level, w.target, w.average, w.median
    );
    for l in &f.levels {
        let opt =
            |d: Option<chrono::Duration>| d.map(|d| amount(d, l, lang)).unwrap_or(w.none.into());
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            l.label,
            amount(l.resolution_target, l, lang),
            opt(l.average_resolution),
            opt(l.median_resolution)
        );
    }
    let _ = writeln!(o, "\n## {}\n", w.incidents);
    if f.incidents.is_empty() {
        let _ = writeln!(o, "{}", w.none);
    } else {
        let _ = writeln!(
            o,
            "| {} | # | {} | {} | {} | {} | {} | {} |\n|---|---:|---|---|---|---|---:|---|",
            w.date,
            w.level,
            w.municipality,
            w.service,
            w.subject,
            w.ticket_resolution_time,
            w.outcome
        );
        for i in &f.incidents {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                i.opened.with_timezone(&tz).format("%d.%m.%Y %H:%M"),
                i.number,
                i.label,
                cell(&i.municipalities.join(", ")),
                cell(i.service.as_deref().unwrap_or(w.none)),
                cell(&i.title),
                incident_time(f, i, lang),
                outcome(i.outcome, w)
            );
        }
    }
    let _ = writeln!(o, "\n## {}: {}\n", w.open_at_end, f.open_at_end);
    for l in &f.levels {
        let _ = writeln!(o, "- {}: {}", l.label, l.open_at_end);
    }
    let _ = writeln!(o, "\n## {}\n", w.per_municipality);
    for (m, n) in &f.per_municipality {
        let name = if m.is_empty() { w.unknown } else { m };
        let _ = writeln!(o, "- {}: {n}", cell(name));
    }
    let _ = writeln!(o, "\n## {}\n", w.trend);
    let _ = write!(o, "| {} |", w.month);
    for l in &f.levels {
        let _ = write!(o, " {} |", l.label);
    }
    let _ = writeln!(o, "\n|---|{}", "---:|".repeat(f.levels.len()));
    for p in &f.trend {
        let _ = write!(o, "| {} |", super::month_text(p.month));
        for l in &f.levels {
            let (c, n) = p.compliance.get(&l.level).copied().unwrap_or((None, 0));
            let _ = write!(o, " {} ({n}) |", pct(c, w));
        }
        o.push('\n');
    }
    o
}

pub fn outcome(o: Outcome, w: &Words) -> &'static str {
    match o {
        Outcome::Met => w.met,
        Outcome::Breached => w.breached,
        Outcome::Open => w.open,
    }
}

/// A table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "/").replace(['\n', '\r'], " ")
}
