//! The mailed report's charts: the same SVG the HTML page inlines, rasterised to PNG by resvg
//! with the system's fonts (fonts-dejavu-core): the size, the labels drawn (text needs a font),
//! the last month label inside the picture, and the text alternatives.

use crate::kit::report as report_support;

use resvg::tiny_skia::Pixmap;
use slavakt::config::Language;
use slavakt::report::charts::charts;
use slavakt::report::png::{png, SCALE};

/// Columns and rows of the band `y0..y1` holding a dark (text) pixel.
fn dark_in_band(p: &Pixmap, y0: u32, y1: u32) -> (Vec<u32>, Vec<u32>) {
    let (mut cols, mut rows) = (Vec::new(), Vec::new());
    for x in 0..p.width() {
        for y in y0..y1.min(p.height()) {
            let c = p.pixel(x, y).unwrap();
            if c.red() < 120 && c.green() < 120 && c.blue() < 120 {
                cols.push(x);
                rows.push(y);
            }
        }
    }
    cols.sort_unstable();
    cols.dedup();
    rows.sort_unstable();
    rows.dedup();
    (cols, rows)
}

#[test]
fn charts_rasterise_to_png_with_their_labels() {
    let f = report_support::march();
    let w = slavakt::report::text::words(Language::Nb);
    for chart in charts(&f, w, Language::Nb) {
        let bytes = png(&chart.svg).unwrap_or_else(|e| panic!("{}: {e}", chart.id));
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
        let p = Pixmap::decode_png(&bytes).unwrap();
        let s = SCALE as u32;
        assert_eq!(
            (p.width(), p.height()),
            (chart.width as u32 * s, chart.height as u32 * s)
        );
        // Labels are drawn: without a font resvg leaves text out and nothing would be dark.
        let (cols, _) = dark_in_band(&p, 0, p.height());
        assert!(cols.len() > 100, "{}: no text drawn", chart.id);
        if chart.id == "chart-compliance" {
            continue;
        }
        // The last month label ends inside the picture, with a margin; glyphs ≥ 9 px × scale.
        let (cols, rows) = dark_in_band(&p, p.height() - 32 * s, p.height() - 4 * s);
        let last = *cols.last().expect("month labels drawn");
        assert!(
            last > p.width() - 110 * s && last < p.width() - 8 * s,
            "{}: {last}",
            chart.id
        );
        assert!(
            rows.len() as u32 >= 9 * s,
            "{}: {} rows",
            chart.id,
            rows.len()
        );
    }
}

#[test]
fn every_chart_has_a_text_alternative_with_the_figures() {
    let f = report_support::march();
    let w = slavakt::report::text::words(Language::Nb);
    let all = charts(&f, w, Language::Nb);
    assert_eq!(all.len(), 3);
    for c in &all {
        assert!(c.svg.contains("role=\"img\""), "{}", c.id);
        assert!(c.svg.contains(&format!("<title id=\"{}-t\">", c.id)));
        assert!(c.svg.contains(&format!("<desc id=\"{}-d\">", c.id)));
        assert!(c.svg.contains("aria-label=\""));
    }
    // The figures in words: compliance per level, the months with opened/resolved.
    assert!(
        all[0].alt.contains("Kritisk: 50,0 % (1 / 2)"),
        "{}",
        all[0].alt
    );
    assert!(
        all[2].alt.contains("2027-03: meldt 7, løst 6"),
        "{}",
        all[2].alt
    );
    assert!(
        all[1].alt.contains("Kritisk:") && all[1].alt.contains("2027-02 50 %"),
        "{}",
        all[1].alt
    );
}
