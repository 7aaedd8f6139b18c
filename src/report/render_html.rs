//! The report as one self-contained HTML page: inline CSS (screen and A4 print), no script, no
//! outside resources. The sections are the Markdown report's; the three charts of `charts.rs`
//! sit next to the tables that hold the same figures. For the mailed report the charts are
//! `<img src="cid:…">` references to PNG parts instead of inline SVG (`send.rs`), since common
//! mail clients do not show inline SVG.

use super::charts::{self, Chart};
use super::figures::{Counts, MonthlyFigures};
use super::render_md::{level_rows, outcome, top_categories, trend_rows, TOP_CATEGORIES};
use super::text::{
    amount, decimal, fixed, html_lang, incident_time, kind_name, per_unit, period_text,
    unit_heading, words,
};
use crate::config::Language;
use chrono_tz::Tz;
use std::fmt::Write;

pub use crate::escape::html as esc;

/// How the charts are embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartMode {
    /// Inline SVG (the page on disk or in a browser).
    Svg,
    /// `<img src="cid:ID@slavakt">`, the PNG parts of the mail.
    Cid,
    /// No charts (the mail when they could not be rasterised); the tables remain.
    None,
}

/// The `Content-ID` (without brackets) of a chart's PNG part.
pub fn cid(chart: &Chart) -> String {
    format!("{}@slavakt", chart.id)
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;font-size:15px;\
max-width:52em;margin:1em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.6em}h3{font-size:1.05em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.25em .5em;\
vertical-align:top}th{background:#eee;text-align:left}td.n{text-align:right;white-space:nowrap}\
tr.total td{font-weight:bold;border-top:2px solid #666}.breached{color:#b00020;font-weight:bold}\
figure{margin:1em 0}figure svg,figure img{display:block;width:100%;max-width:720px;height:auto}\
figcaption{font-size:.9em;color:#444;margin-top:.3em}.note{font-size:.9em;color:#444}\
@page{size:A4;margin:15mm}\
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}\
figure,table{break-inside:avoid}h2,h3{break-after:avoid}a{color:inherit}}";

pub fn render(f: &MonthlyFigures, lang: Language, tz: Tz) -> String {
    render_with(f, lang, tz, ChartMode::Svg)
}

fn figure(o: &mut String, c: &Chart, mode: ChartMode) {
    if mode == ChartMode::None {
        return;
    }
    o.push_str("<figure>");
    match mode {
        ChartMode::None => {}
        ChartMode::Svg => o.push_str(&c.svg),
        ChartMode::Cid => {
            let _ = write!(
                o,
                "<img src=\"cid:{}\" width=\"{}\" height=\"{}\" alt=\"{}\">",
                cid(c),
                c.width,
                c.height,
                esc(&format!("{}. {}", c.title, c.alt))
            );
        }
    }
    let _ = write!(o, "<figcaption>{}</figcaption></figure>", esc(&c.title));
}

fn head_row(o: &mut String, cols: &[&str]) {
    o.push_str("<tr>");
    for c in cols {
        let _ = write!(o, "<th scope=\"col\">{}</th>", esc(c));
    }
    o.push_str("</tr>");
}

/// A row: the first cell a row header, the others right-aligned figures.
fn row(o: &mut String, cells: &[String], class: &str) {
    let _ = write!(o, "<tr{class}>");
    for (i, c) in cells.iter().enumerate() {
        if i == 0 {
            let _ = write!(o, "<th scope=\"row\">{}</th>", esc(c));
        } else {
            let _ = write!(o, "<td class=\"n\">{}</td>", esc(c));
        }
    }
    o.push_str("</tr>");
}

fn counts(name: &str, c: &Counts) -> [String; 4] {
    [
        name.to_string(),
        c.opened.to_string(),
        c.resolved.to_string(),
        c.open_at_end.to_string(),
    ]
}

pub fn render_with(f: &MonthlyFigures, lang: Language, tz: Tz, mode: ChartMode) -> String {
    let w = words(lang);
    let period = period_text(f);
    let charts = charts::charts(f, w, lang);
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} {period}</title><style>{CSS}</style></head><body><h1>{} {period}</h1>",
        html_lang(lang),
        w.title,
        w.title
    );
    if f.partial {
        let _ = write!(
            o,
            "<p><em>{} {}.</em></p>",
            w.partial,
            f.as_of.with_timezone(&tz).format("%d.%m.%Y %H:%M")
        );
    }
    if let Some(note) = super::text::backfill_note(lang, f) {
        let _ = write!(o, "<p><em>{}</em></p>", esc(&note));
    }
    // Per level, with the total row; the Markdown's cells are escaped for Markdown, so the
    // labels are taken from the figures here.
    let _ = write!(o, "<h2>{}</h2><table>", w.compliance);
    head_row(
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
    let rows = level_rows(f, w, lang);
    for (i, mut r) in rows.into_iter().enumerate() {
        let total = i == f.levels.len();
        if let Some(l) = f.levels.get(i) {
            r[0] = l.label.clone();
        }
        row(&mut o, &r, if total { " class=\"total\"" } else { "" });
    }
    o.push_str("</table>");
    figure(&mut o, &charts[0], mode);
    let _ = write!(o, "<h2>{}</h2><table>", w.resolution_time);
    head_row(&mut o, &[w.level, w.target, w.average, w.median]);
    for l in &f.levels {
        let opt = |d: Option<chrono::Duration>| {
            d.map(|d| amount(d, l, lang))
                .unwrap_or_else(|| w.none.into())
        };
        row(
            &mut o,
            &[
                l.label.clone(),
                amount(l.resolution_target, l, lang),
                opt(l.average_resolution),
                opt(l.median_resolution),
            ],
            "",
        );
    }
    let _ = write!(o, "</table><h2>{}</h2>", w.incidents);
    if f.incidents.is_empty() {
        let _ = write!(o, "<p>{}</p>", w.no_incidents);
    } else {
        o.push_str("<table>");
        head_row(
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
            let out = outcome(i.outcome, w);
            let class = if out == w.breached {
                " class=\"breached\""
            } else {
                ""
            };
            let _ = write!(
                o,
                "<tr><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td class=\"n\">{}</td><td{class}>{out}</td></tr>",
                i.opened.with_timezone(&tz).format("%d.%m.%Y %H:%M"),
                i.number,
                esc(&i.label),
                esc(&i.municipalities.join(", ")),
                esc(i.service.as_deref().unwrap_or(w.none)),
                esc(&i.title),
                incident_time(f, i, lang)
            );
        }
        o.push_str("</table>");
    }
    let _ = write!(o, "<h2>{}</h2><table>", w.types);
    head_row(&mut o, &[w.kind, w.opened, w.resolved, w.open_at_end]);
    for (kind, c) in &f.types {
        row(&mut o, &counts(kind_name(*kind, w), c), "");
    }
    row(&mut o, &counts(w.total, &f.totals), " class=\"total\"");
    let _ = write!(o, "</table><h2>{}</h2><table>", &per_unit(w, &f.unit_word));
    head_row(
        &mut o,
        &[
            &unit_heading(&f.unit_word),
            w.opened,
            w.resolved,
            w.open_at_end,
        ],
    );
    for m in &f.municipalities {
        row(
            &mut o,
            &counts(m.name.as_deref().unwrap_or(w.unknown), &m.counts),
            "",
        );
    }
    let _ = write!(o, "</table><h2>{}</h2><table>", w.per_category);
    head_row(&mut o, &[w.category, w.opened]);
    for (name, n) in top_categories(f, TOP_CATEGORIES, w) {
        row(&mut o, &[name, n.to_string()], "");
    }
    row(
        &mut o,
        &[w.total.to_string(), f.totals.opened.to_string()],
        " class=\"total\"",
    );
    let _ = write!(
        o,
        "</table><h2>{}</h2><h3>{}</h3>",
        w.trend, w.trend_resolution
    );
    figure(&mut o, &charts[1], mode);
    o.push_str("<table>");
    let mut head = vec![w.month];
    head.extend(f.levels.iter().map(|l| l.label.as_str()));
    head_row(&mut o, &head);
    for r in trend_rows(f, w, lang) {
        row(&mut o, &r, "");
    }
    let _ = write!(o, "</table><h3>{}</h3>", w.trend_flow);
    figure(&mut o, &charts[2], mode);
    o.push_str("<table>");
    head_row(&mut o, &[w.month, w.opened, w.resolved]);
    for p in &f.trend {
        row(
            &mut o,
            &[
                super::month_text(p.month),
                p.opened.to_string(),
                p.resolved.to_string(),
            ],
            "",
        );
    }
    let _ = write!(o, "</table><h2>{}</h2>", w.availability);
    if !f.availability.is_empty() {
        o.push_str("<table>");
        head_row(&mut o, &[w.service, w.downtime, w.uptime]);
        for a in &f.availability {
            row(
                &mut o,
                &[
                    a.service.clone().unwrap_or(w.unknown_service.into()),
                    decimal(a.downtime.num_seconds() as f64 / 3600.0, lang),
                    fixed(a.percent, 2, lang),
                ],
                "",
            );
        }
        o.push_str("</table>");
    }
    let _ = writeln!(
        o,
        "<p class=\"note\">{} {} %.</p><p class=\"note\">{}</p></body></html>",
        esc(w.availability_note),
        decimal(super::figures::AVAILABILITY_TARGET, lang),
        esc(w.out_of_scope)
    );
    o
}
