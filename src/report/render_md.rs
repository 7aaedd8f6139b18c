//! The report as Markdown: the board's sections as tables, ticket text escaped through
//! [`crate::escape::markdown_cell`].

use super::figures::{Counts, LevelFigures, MonthlyFigures, Outcome};
use super::text::{
    amount, decimal, fixed, incident_time, kind_name, pct, per_unit, period_text, unit_heading,
    words, Words,
};
use crate::config::Language;
use crate::escape::markdown_cell as cell;
use chrono_tz::Tz;
use std::fmt::Write;

/// How many categories are listed by name (the rest are one line).
pub const TOP_CATEGORIES: usize = 10;

pub fn render(f: &MonthlyFigures, lang: Language, tz: Tz) -> String {
    let w = words(lang);
    let mut o = String::new();
    let _ = writeln!(o, "# {} {}\n", w.title, period_text(f));
    if f.partial {
        let _ = writeln!(
            o,
            "_{} {}._\n",
            w.partial,
            f.as_of.with_timezone(&tz).format("%d.%m.%Y %H:%M")
        );
    }
    if let Some(note) = super::text::backfill_note(lang, f) {
        let _ = writeln!(o, "_{note}_\n");
    }
    let _ = writeln!(o, "## {}\n", w.compliance);
    table_head(
        &mut o,
        &[
            w.level,
            w.opened,
            w.resolved,
            w.res_met,
            w.res_breached,
            w.resp_met,
            w.resp_breached,
            w.percent,
            w.open_at_end,
        ],
    );
    for row in level_rows(f, w, lang) {
        table_row(&mut o, &row);
    }
    let _ = writeln!(o, "\n## {}\n", w.resolution_time);
    table_head(&mut o, &[w.level, w.target, w.average, w.median]);
    for l in &f.levels {
        let opt = |d: Option<chrono::Duration>| d.map(|d| amount(d, l, lang));
        table_row(
            &mut o,
            &[
                l.label.clone(),
                amount(l.resolution_target, l, lang),
                opt(l.average_resolution).unwrap_or(w.none.into()),
                opt(l.median_resolution).unwrap_or(w.none.into()),
            ],
        );
    }
    let _ = writeln!(o, "\n## {}\n", w.incidents);
    if f.incidents.is_empty() {
        let _ = writeln!(o, "{}", w.no_incidents);
    } else {
        table_head(
            &mut o,
            &[
                w.date,
                w.number,
                w.level,
                &unit_heading(&f.unit_word),
                w.service,
                w.subject,
                w.ticket_resolution_time,
                w.outcome,
            ],
        );
        for i in &f.incidents {
            table_row(
                &mut o,
                &[
                    i.opened
                        .with_timezone(&tz)
                        .format("%d.%m.%Y %H:%M")
                        .to_string(),
                    i.number.to_string(),
                    cell(&i.label),
                    cell(&i.municipalities.join(", ")),
                    cell(i.service.as_deref().unwrap_or(w.none)),
                    cell(&i.title),
                    incident_time(f, i, lang),
                    outcome(i.outcome, w).to_string(),
                ],
            );
        }
    }
    let _ = writeln!(o, "\n## {}\n", w.types);
    table_head(&mut o, &[w.kind, w.opened, w.resolved, w.open_at_end]);
    for (kind, c) in &f.types {
        table_row(&mut o, &counts_row(kind_name(*kind, w), c));
    }
    table_row(&mut o, &counts_row(w.total, &f.totals));
    let _ = writeln!(o, "\n## {}\n", &per_unit(w, &f.unit_word));
    table_head(
        &mut o,
        &[
            &unit_heading(&f.unit_word),
            w.opened,
            w.resolved,
            w.open_at_end,
        ],
    );
    for m in &f.municipalities {
        let name = m.name.as_deref().map(cell).unwrap_or(w.unknown.into());
        table_row(&mut o, &counts_row(&name, &m.counts));
    }
    let _ = writeln!(o, "\n## {}\n", w.per_category);
    table_head(&mut o, &[w.category, w.opened]);
    for (name, n) in top_categories(f, TOP_CATEGORIES, w) {
        table_row(&mut o, &[cell(&name), n.to_string()]);
    }
    table_row(&mut o, &[w.total.to_string(), f.totals.opened.to_string()]);
    let _ = writeln!(o, "\n## {}\n\n### {}\n", w.trend, w.trend_resolution);
    let mut head = vec![w.month];
    head.extend(f.levels.iter().map(|l| l.label.as_str()));
    table_head(&mut o, &head);
    for row in trend_rows(f, w, lang) {
        table_row(&mut o, &row);
    }
    let _ = writeln!(o, "\n### {}\n", w.trend_flow);
    table_head(&mut o, &[w.month, w.opened, w.resolved]);
    for p in &f.trend {
        table_row(
            &mut o,
            &[
                super::month_text(p.month),
                p.opened.to_string(),
                p.resolved.to_string(),
            ],
        );
    }
    let _ = writeln!(o, "\n## {}\n", w.availability);
    if !f.availability.is_empty() {
        table_head(&mut o, &[w.service, w.downtime, w.uptime]);
        for a in &f.availability {
            table_row(
                &mut o,
                &[
                    cell(a.service.as_deref().unwrap_or(w.unknown_service)),
                    decimal(a.downtime.num_seconds() as f64 / 3600.0, lang),
                    fixed(a.percent, 2, lang),
                ],
            );
        }
        o.push('\n');
    }
    let _ = writeln!(
        o,
        "_{} {} %._\n",
        w.availability_note,
        decimal(super::figures::AVAILABILITY_TARGET, lang)
    );
    let _ = writeln!(o, "_{}_", w.out_of_scope);
    o
}

fn table_head(o: &mut String, cols: &[&str]) {
    let _ = writeln!(o, "| {} |", cols.join(" | "));
    let align: Vec<&str> = (0..cols.len())
        .map(|i| if i == 0 { "---" } else { "---:" })
        .collect();
    let _ = writeln!(o, "|{}|", align.join("|"));
}

fn table_row(o: &mut String, cells: &[String]) {
    let _ = writeln!(o, "| {} |", cells.join(" | "));
}

fn counts_row(name: &str, c: &Counts) -> [String; 4] {
    [
        name.to_string(),
        c.opened.to_string(),
        c.resolved.to_string(),
        c.open_at_end.to_string(),
    ]
}

/// The per-level table's rows (label escaped), the total row last: opened, resolved, resolved
/// within, resolution breached, response within, response breached, compliance, open at end.
pub fn level_rows(f: &MonthlyFigures, w: &Words, lang: Language) -> Vec<Vec<String>> {
    let mut rows: Vec<Vec<String>> = f
        .levels
        .iter()
        .map(|l| {
            vec![
                cell(&l.label),
                l.opened.to_string(),
                l.resolved.to_string(),
                l.resolution_met.to_string(),
                l.resolution_breached.to_string(),
                l.response_met.to_string(),
                l.response_breached.to_string(),
                pct(l.compliance(), w, lang),
                l.open_at_end.to_string(),
            ]
        })
        .collect();
    let sum = |g: fn(&LevelFigures) -> usize| f.levels.iter().map(g).sum::<usize>();
    let total = |g: fn(&LevelFigures) -> usize| sum(g).to_string();
    rows.push(vec![
        w.total.to_string(),
        total(|l| l.opened),
        total(|l| l.resolved),
        total(|l| l.resolution_met),
        total(|l| l.resolution_breached),
        total(|l| l.response_met),
        total(|l| l.response_breached),
        pct(
            super::figures::percent(sum(|l| l.resolution_met), sum(|l| l.resolution_breached)),
            w,
            lang,
        ),
        total(|l| l.open_at_end),
    ]);
    rows
}

/// Trend rows: the month, then each level's average resolution in its unit (or the dash).
pub fn trend_rows(f: &MonthlyFigures, w: &Words, lang: Language) -> Vec<Vec<String>> {
    f.trend
        .iter()
        .map(|p| {
            let mut row = vec![super::month_text(p.month)];
            for l in &f.levels {
                let avg = p.levels.get(&l.level).and_then(|t| t.average_resolution);
                row.push(avg.map(|d| amount(d, l, lang)).unwrap_or(w.none.into()));
            }
            row
        })
        .collect()
}

/// The `n` categories with most tickets opened, then one line for the rest (if any); names
/// unescaped, none → the language's "(no category)".
pub fn top_categories(f: &MonthlyFigures, n: usize, w: &Words) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = f
        .categories
        .iter()
        .take(n)
        .map(|c| {
            let name = c.name.clone().unwrap_or(w.no_category.into());
            (name, c.counts.opened)
        })
        .collect();
    let rest: usize = f.categories.iter().skip(n).map(|c| c.counts.opened).sum();
    if f.categories.len() > n {
        out.push((w.other_categories.to_string(), rest));
    }
    out
}

pub fn outcome(o: Outcome, w: &Words) -> &'static str {
    match o {
        Outcome::Met => w.met,
        Outcome::Breached => w.breached,
        Outcome::Open => w.open,
    }
}
