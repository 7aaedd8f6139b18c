//! The report's three charts as SVG: compliance per level (bars), average resolution per level
//! over the trend months as a percentage of each level's target (lines, the target at 100 %),
//! and tickets opened vs resolved per month (paired bars).
//!
//! The same SVG text is inlined in the HTML page and rasterised to PNG for the mailed report
//! (`png.rs`). Each chart is legible at its own size (720 px wide, 14 px text), keeps a margin
//! wide enough for its last label, and carries its text alternative twice: `role="img"` with an
//! `aria-label`, and `<title>`/`<desc>` elements (the figures in words). The HTML report also has
//! the same figures as tables.

use super::figures::MonthlyFigures;
use super::text::{fixed, pct, Words};
use crate::config::Language;
use crate::escape::html as esc;
use std::fmt::Write;

/// Chart width and text size (px): the page's column width, and body-text size.
pub const WIDTH: f64 = 720.0;
const FONT: f64 = 14.0;
/// Text is set in DejaVu Sans where present: the font the PNG rasteriser finds on a Debian host
/// (package `fonts-dejavu-core`); browsers fall back to their sans-serif.
const FONT_FAMILY: &str = "DejaVu Sans, Verdana, Arial, sans-serif";

const COLORS: [&str; 6] = [
    "#b00020", "#c25e00", "#1f6fb2", "#2e7d32", "#6a3d9a", "#555555",
];

/// One chart: an id (for `cid:` and file names), its SVG, its text alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub alt: String,
    pub svg: String,
    pub width: f64,
    pub height: f64,
}

fn open_svg(id: &str, title: &str, alt: &str, h: f64) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{h}\" \
         viewBox=\"0 0 {WIDTH} {h}\" role=\"img\" aria-labelledby=\"{id}-t {id}-d\" \
         aria-label=\"{}\" font-family=\"{FONT_FAMILY}\" font-size=\"{FONT}\">\
         <title id=\"{id}-t\">{}</title><desc id=\"{id}-d\">{}</desc>\
         <rect width=\"{WIDTH}\" height=\"{h}\" fill=\"#ffffff\"/>",
        esc(&format!("{title}. {alt}")),
        esc(title),
        esc(alt)
    )
}

/// All three charts, in the order the report shows them.
pub fn charts(f: &MonthlyFigures, w: &Words, lang: Language) -> Vec<Chart> {
    vec![
        compliance(f, w, lang),
        resolution_trend(f, w, lang),
        flow(f, w),
    ]
}

/// Horizontal bars: resolution compliance per level, 0–100 %.
pub fn compliance(f: &MonthlyFigures, w: &Words, lang: Language) -> Chart {
    let (label_w, right, row_h) = (140.0, 110.0, 34.0);
    let h = row_h * f.levels.len().max(1) as f64 + 44.0;
    let scale = (WIDTH - label_w - right) / 100.0;
    let alt = f
        .levels
        .iter()
        .map(|l| match l.compliance() {
            Some(_) => format!(
                "{}: {} % ({} / {})",
                l.label,
                pct(l.compliance(), w, lang),
                l.resolution_met,
                l.resolved
            ),
            None => format!("{}: {}", l.label, w.chart_no_data),
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut s = open_svg("chart-compliance", w.chart_compliance, &alt, h);
    // Scale: 0, 50, 100 % at the foot.
    for p in [0.0, 50.0, 100.0] {
        let x = label_w + p * scale;
        let _ = write!(
            s,
            "<line x1=\"{x}\" y1=\"8\" x2=\"{x}\" y2=\"{}\" stroke=\"#cccccc\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#444444\">{} %</text>",
            h - 30.0,
            h - 10.0,
            fixed(p, 0, lang)
        );
    }
    for (i, l) in f.levels.iter().enumerate() {
        let y = 10.0 + i as f64 * row_h;
        let p = l.compliance().unwrap_or(0.0);
        let value = match l.compliance() {
            Some(_) => format!("{} %", pct(l.compliance(), w, lang)),
            None => w.chart_no_data.to_string(),
        };
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{:.1}\" height=\"22\" fill=\"{}\"/>\
             <text x=\"{:.1}\" y=\"{}\">{}</text>",
            label_w - 8.0,
            y + 16.0,
            esc(&l.label),
            p * scale,
            COLORS[i % COLORS.len()],
            label_w + p * scale + 6.0,
            y + 16.0,
            esc(&value)
        );
    }
    s.push_str("</svg>");
    Chart {
        id: "chart-compliance",
        title: w.chart_compliance.into(),
        alt,
        svg: s,
        width: WIDTH,
        height: h,
    }
}

/// Lines: each level's average resolution per trend month as a percentage of its target, with
/// the target as a dashed line at 100 % (levels use different units, so a common scale).
pub fn resolution_trend(f: &MonthlyFigures, w: &Words, lang: Language) -> Chart {
    let (h, left, right, top, bottom) = (320.0, 56.0, 50.0, 44.0, 40.0);
    let n = f.trend.len().max(1);
    let step = (WIDTH - left - right) / (n.max(2) - 1) as f64;
    let x_of = |j: usize| {
        if n == 1 {
            left + (WIDTH - left - right) / 2.0
        } else {
            left + step * j as f64
        }
    };
    let values: Vec<Vec<Option<f64>>> = f
        .levels
        .iter()
        .map(|l| {
            f.trend
                .iter()
                .map(|p| {
                    let avg = p.levels.get(&l.level)?.average_resolution?;
                    let target = l.resolution_target.num_seconds().max(1) as f64;
                    Some(avg.num_seconds() as f64 * 100.0 / target)
                })
                .collect()
        })
        .collect();
    let max = values
        .iter()
        .flatten()
        .flatten()
        .fold(100.0f64, |a, b| a.max(*b));
    // A round top: the next multiple of 50 % above the largest value.
    let top_pct = ((max / 50.0).ceil() * 50.0).max(100.0);
    let y_of = |p: f64| top + (top_pct - p) / top_pct * (h - top - bottom);
    let alt = f
        .levels
        .iter()
        .zip(&values)
        .map(|(l, vs)| {
            let months = f
                .trend
                .iter()
                .zip(vs)
                .map(|(p, v)| {
                    let v = v
                        .map(|v| format!("{} %", fixed(v, 0, lang)))
                        .unwrap_or(w.none.into());
                    format!("{} {v}", super::month_text(p.month))
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("{}: {months}", l.label)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut s = open_svg("chart-resolution", w.chart_resolution, &alt, h);
    for p in [0.0, top_pct / 2.0, top_pct] {
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#dddddd\"/>\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#444444\">{} %</text>",
            WIDTH - right,
            left - 6.0,
            y_of(p) + 5.0,
            fixed(p, 0, lang),
            y = y_of(p)
        );
    }
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#000000\" \
         stroke-dasharray=\"6 4\"/><text x=\"{}\" y=\"{}\">{}</text>",
        WIDTH - right,
        left + 6.0,
        y_of(100.0) - 6.0,
        esc(w.target),
        y = y_of(100.0)
    );
    for (j, p) in f.trend.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#444444\">{}</text>",
            x_of(j),
            h - 14.0,
            super::month_text(p.month)
        );
    }
    for (i, (l, vs)) in f.levels.iter().zip(&values).enumerate() {
        let color = COLORS[i % COLORS.len()];
        let pts: Vec<(f64, f64)> = vs
            .iter()
            .enumerate()
            .filter_map(|(j, v)| Some((x_of(j), y_of((*v)?))))
            .collect();
        if pts.len() > 1 {
            let list: Vec<String> = pts.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = write!(
                s,
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2.5\" points=\"{}\"/>",
                list.join(" ")
            );
        }
        for (x, y) in &pts {
            let _ = write!(
                s,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"4\" fill=\"{color}\"/>"
            );
        }
        // Legend along the top.
        let lx = left + 130.0 * i as f64;
        let _ = write!(
            s,
            "<rect x=\"{lx}\" y=\"12\" width=\"14\" height=\"14\" fill=\"{color}\"/>\
             <text x=\"{}\" y=\"24\">{}</text>",
            lx + 20.0,
            esc(&l.label)
        );
    }
    s.push_str("</svg>");
    Chart {
        id: "chart-resolution",
        title: w.chart_resolution.into(),
        alt,
        svg: s,
        width: WIDTH,
        height: h,
    }
}

/// Paired bars per trend month: tickets opened and resolved.
pub fn flow(f: &MonthlyFigures, w: &Words) -> Chart {
    let (h, left, right, top, bottom) = (300.0, 56.0, 40.0, 44.0, 40.0);
    let n = f.trend.len().max(1) as f64;
    let slot = (WIDTH - left - right) / n;
    let max = f
        .trend
        .iter()
        .map(|p| p.opened.max(p.resolved))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let y_of = |v: f64| top + (max - v) / max * (h - top - bottom);
    let alt = f
        .trend
        .iter()
        .map(|p| {
            format!(
                "{}: {} {}, {} {}",
                super::month_text(p.month),
                w.opened.to_lowercase(),
                p.opened,
                w.resolved.to_lowercase(),
                p.resolved
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut s = open_svg("chart-flow", w.chart_flow, &alt, h);
    let _ = write!(
        s,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#999999\"/>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#444444\">{max}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#444444\">0</text>",
        WIDTH - right,
        left - 6.0,
        y_of(max) + 5.0,
        left - 6.0,
        y_of(0.0) + 5.0,
        y = y_of(0.0)
    );
    let bar = (slot * 0.32).min(40.0);
    for (j, p) in f.trend.iter().enumerate() {
        let cx = left + slot * (j as f64 + 0.5);
        for (k, (v, color)) in [(p.opened, COLORS[2]), (p.resolved, COLORS[3])]
            .into_iter()
            .enumerate()
        {
            let x = cx - bar - 2.0 + k as f64 * (bar + 4.0);
            let y = y_of(v as f64);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{color}\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{v}</text>",
                y_of(0.0) - y,
                x + bar / 2.0,
                y - 5.0
            );
        }
        let _ = write!(
            s,
            "<text x=\"{cx:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#444444\">{}</text>",
            h - 14.0,
            super::month_text(p.month)
        );
    }
    for (k, (label, color)) in [(w.opened, COLORS[2]), (w.resolved, COLORS[3])]
        .into_iter()
        .enumerate()
    {
        let lx = left + 130.0 * k as f64;
        let _ = write!(
            s,
            "<rect x=\"{lx}\" y=\"12\" width=\"14\" height=\"14\" fill=\"{color}\"/>\
             <text x=\"{}\" y=\"24\">{}</text>",
            lx + 20.0,
            esc(label)
        );
    }
    s.push_str("</svg>");
    Chart {
        id: "chart-flow",
        title: w.chart_flow.into(),
        alt,
        svg: s,
        width: WIDTH,
        height: h,
    }
}
