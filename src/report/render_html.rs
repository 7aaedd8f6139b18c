//! The monthly report as one self-contained HTML page: inline CSS, inline SVG charts, no script.
//! The tables are the Markdown report's content; two charts show compliance per level this
//! month and the trend over the months.

use super::figures::MonthlyFigures;
use super::text::{amount, incident_time, pct, words};
use crate::config::Language;
use chrono_tz::Tz;
use std::fmt::Write;

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const CSS: &str = "body{font-family:sans-serif;max-width:60em;margin:1em auto;color:#222}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:.2em .5em}\
td.n{text-align:right}th{background:#eee}.breached{color:#b00;font-weight:bold}";

const COLORS: [&str; 6] = [
    "#b00020", "#e07000", "#1f6fb2", "#2e8b57", "#6a3d9a", "#777",
];

pub fn render(f: &MonthlyFigures, lang: Language, tz: Tz) -> String {
    let w = words(lang);
    let month = super::month_text(f.month);
    let mut o = String::new();
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{} {month}</title>\
         <style>{CSS}</style></head><body><h1>{} {month}</h1>",
        if lang == Language::En { "en" } else { "nb" },
        w.title,
        w.title
    );
    if f.partial {
        let _ = write!(
            o,
            "<p><em>{} {}.</em></p>",
            w.partial,
            f.as_of.with_timezone(&tz).format("%Y-%m-%d %H:%M")
        );
    }
    let _ = write!(o, "<h2>{}</h2><table><tr>", w.compliance);
    for h in [
        w.level,
        w.opened,
        w.resolved,
        w.resp_met,
        w.resp_breached,
        w.res_met,
        w.res_breached,
        w.percent,
    ] {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr>");
    for l in &f.levels {
        let _ = write!(o, "<tr><td>{}</td>", esc(&l.label));
        for n in [
            l.opened,
            l.resolved,
            l.response_met,
            l.response_breached,
            l.resolution_met,
            l.resolution_breached,
        ] {
            let _ = write!(o, "<td class=\"n\">{n}</td>");
        }
        let _ = write!(o, "<td class=\"n\">{}</td></tr>", pct(l.compliance(), w));
    }
    o.push_str("</table>");
    o.push_str(&bars(f));
    let _ = write!(
        o,
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        w.resolution_time, w.level, w.target, w.average, w.median
    );
    for l in &f.levels {
        let opt =
            |d: Option<chrono::Duration>| d.map(|d| amount(d, l, lang)).unwrap_or(w.none.into());
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&l.label),
            amount(l.resolution_target, l, lang),
            opt(l.average_resolution),
            opt(l.median_resolution)
        );
    }
    let _ = write!(o, "</table><h2>{}</h2>", w.incidents);
    if f.incidents.is_empty() {
        let _ = write!(o, "<p>{}</p>", w.none);
    } else {
        let _ = write!(o, "<table><tr><th>{}</th><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            w.date, w.level, w.municipality, w.service, w.subject, w.ticket_resolution_time, w.outcome);
        for i in &f.incidents {
            let out = super::render_md::outcome(i.outcome, w);
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
    let _ = write!(o, "<h2>{}: {}</h2><ul>", w.open_at_end, f.open_at_end);
    for l in &f.levels {
        let _ = write!(o, "<li>{}: {}</li>", esc(&l.label), l.open_at_end);
    }
    let _ = write!(o, "</ul><h2>{}</h2><ul>", w.per_municipality);
    for (m, n) in &f.per_municipality {
        let name = if m.is_empty() { w.unknown } else { m };
        let _ = write!(o, "<li>{}: {n}</li>", esc(name));
    }
    let _ = write!(o, "</ul><h2>{}</h2>", w.trend);
    o.push_str(&trend(f));
    let _ = write!(o, "<table><tr><th>{}</th>", w.month);
    for l in &f.levels {
        let _ = write!(o, "<th>{}</th>", esc(&l.label));
    }
    o.push_str("</tr>");
    for p in &f.trend {
        let _ = write!(o, "<tr><td>{}</td>", super::month_text(p.month));
        for l in &f.levels {
            let (c, n) = p.compliance.get(&l.level).copied().unwrap_or((None, 0));
            let _ = write!(o, "<td class=\"n\">{} ({n})</td>", pct(c, w));
        }
        o.push_str("</tr>");
    }
    o.push_str("</table></body></html>\n");
    o
}

/// Horizontal bars: resolution compliance per level, 0–100 %.
fn bars(f: &MonthlyFigures) -> String {
    let row_h = 22;
    let h = row_h * f.levels.len() as i32 + 4;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"420\" height=\"{h}\" role=\"img\">"
    );
    for (i, l) in f.levels.iter().enumerate() {
        let y = i as i32 * row_h + 2;
        let p = l.compliance().unwrap_or(0.0);
        let _ = write!(
            s,
            "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text>\
             <rect x=\"90\" y=\"{y}\" width=\"{:.0}\" height=\"16\" fill=\"{}\"/>\
             <text x=\"{:.0}\" y=\"{}\" font-size=\"12\">{}</text>",
            y + 13,
            esc(&l.label),
            p * 2.5,
            COLORS[i % COLORS.len()],
            95.0 + p * 2.5,
            y + 13,
            l.compliance()
                .map(|p| format!("{p:.1} %"))
                .unwrap_or("–".into())
        );
    }
    s.push_str("</svg>");
    s
}

/// One line per level over the trend months (months without decided tickets leave a gap).
fn trend(f: &MonthlyFigures) -> String {
    let (w, h, left, top) = (420.0, 160.0, 30.0, 10.0);
    let n = f.trend.len().max(1);
    let step = (w - left - 10.0) / (n.max(2) - 1) as f64;
    let y_of = |p: f64| top + (100.0 - p) / 100.0 * (h - top - 25.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" role=\"img\">\
         <line x1=\"{left}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>\
         <text x=\"0\" y=\"{}\" font-size=\"10\">100</text><text x=\"0\" y=\"{}\" font-size=\"10\">0</text>",
        y_of(0.0),
        w - 10.0,
        y_of(0.0),
        y_of(100.0) + 4.0,
        y_of(0.0)
    );
    for (j, p) in f.trend.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.0}\" y=\"{}\" font-size=\"10\">{}</text>",
            left + step * j as f64 - 15.0,
            h - 5.0,
            super::month_text(p.month)
        );
    }
    for (i, l) in f.levels.iter().enumerate() {
        let pts: Vec<String> = f
            .trend
            .iter()
            .enumerate()
            .filter_map(|(j, p)| {
                let c = p.compliance.get(&l.level)?.0?;
                Some(format!("{:.1},{:.1}", left + step * j as f64, y_of(c)))
            })
            .collect();
        let color = COLORS[i % COLORS.len()];
        if !pts.is_empty() {
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>",
                pts.join(" ")
            );
            for p in &pts {
                let (x, y) = p.split_once(',').unwrap_or(("0", "0"));
                let _ = write!(
                    s,
                    "<circle cx=\"{x}\" cy=\"{y}\" r=\"3\" fill=\"{color}\"/>"
                );
            }
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"{color}\">{}</text>",
            left + 5.0 + 70.0 * i as f64,
            top + 5.0,
            esc(&l.label)
        );
    }
    s.push_str("</svg>");
    s
}
