//! The HTML report of the synthetic March 2027 (`report_support`) loaded in a real headless
//! Chromium: the DOM the browser built from the file carries the figures and both inline SVG
//! charts. `scripts/test` installs Chromium; without it this test fails and says so.

use crate::kit::report as report_support;
use crate::kit::sla as sla_support;

use slavakt::config::{Language, ReportFormat};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
/// How long the browser may take to start, load the file and print the DOM.
const DEADLINE: Duration = Duration::from_secs(90);

/// Loads `file` in headless Chromium and returns the serialised DOM (`--dump-dom`).
fn dump_dom(file: &Path, profile: &Path) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run ./scripts/test (it installs chromium), or \
         `apt-get install -y chromium`"
    );
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut dom = String::new();
        let read = stdout.read_to_string(&mut dom).map(|_| dom);
        let _ = tx.send(read);
    });
    let dom = match rx.recv_timeout(DEADLINE) {
        Ok(read) => read.expect("chromium's output is not UTF-8"),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not print the DOM within {DEADLINE:?}");
        }
    };
    let status = child.wait().unwrap();
    assert!(status.success(), "chromium exited with {status}");
    dom
}

/// The page's text: tags replaced by spaces, whitespace collapsed.
fn text_of(dom: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in dom.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_html_report_renders_in_headless_chromium_with_its_figures_and_charts() {
    let f = report_support::march();
    let mut cfg = sla_support::config();
    cfg.daemon.language = Language::Nb;
    let html = slavakt::report::render(&f, ReportFormat::Html, &cfg);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sla-2027-03.html");
    std::fs::write(&file, &html).unwrap();

    let dom = dump_dom(&file, &dir.path().join("profile"));
    // The browser's DOM, not the file echoed: Chromium adds the <tbody> the source leaves out.
    assert!(
        dom.contains("<tbody>") && !html.contains("<tbody>"),
        "{dom}"
    );
    let text = text_of(&dom);
    // UTF-8 decoded, in Norwegian.
    assert!(text.contains("SLA-rapport 2027-03"), "{text}");
    assert!(text.contains("Overholdelse av tjenestenivåavtalen"));
    // Per level: opened, resolved, resolved within / breached, response within / breached,
    // compliance, open at the end; then the total row.
    assert!(text.contains("Kritisk 2 2 1 1 1 1 50,0 0"), "{text}");
    assert!(text.contains("Høy 2 2 2 0 2 0 100,0 0"), "{text}");
    assert!(text.contains("Middels 1 1 1 0 0 1 100,0 1"), "{text}");
    assert!(text.contains("Lav 2 1 1 0 1 0 100,0 1"), "{text}");
    assert!(text.contains("Totalt 7 6 5 1 4 2 83,3 2"), "{text}");
    // Resolution times against the target (Middels: 3 working days of 7.5 h, business time).
    assert!(
        text.contains("Kritisk 2 timer 2,3 timer 2,3 timer"),
        "{text}"
    );
    assert!(
        text.contains("Middels 3 dager 1,5 dager 1,5 dager"),
        "{text}"
    );
    // The breached Kritisk incident in Rauma, open tickets, municipalities, the trend.
    assert!(text.contains("1002 Kritisk Rauma"), "{text}");
    assert!(text.contains("Feilmeldinger 7 6 2"), "{text}");
    assert!(text.contains("Molde 4 5 0"), "{text}");
    assert!(text.contains("2027-02 1 timer – – –"), "{text}");

    // The three inline SVG charts are in the DOM, each with its text alternative.
    assert_eq!(dom.matches("<svg").count(), 3, "{dom}");
    assert_eq!(dom.matches("</svg>").count(), 3);
    assert_eq!(dom.matches("role=\"img\"").count(), 3);
    assert_eq!(dom.matches("<title id=\"chart-").count(), 3);
    assert!(dom.matches("<rect").count() >= 4, "one bar per level");
    assert!(dom.contains("<polyline"), "trend line");
    assert!(text.contains("50,0 %"), "the Kritisk bar's label");
}

/// Takes a `width`×`height` screenshot of `file` in headless Chromium; returns the pixels.
fn screenshot(file: &Path, profile: &Path, width: u32, height: u32) -> resvg::tiny_skia::Pixmap {
    let out = file.with_extension("png");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", out.display()))
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    // Waited for on a thread, so the deadline is the channel's (no wall clock here).
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    let status = match rx.recv_timeout(DEADLINE) {
        Ok(status) => status.unwrap(),
        Err(_) => {
            // Only the browser this test started, by its process id.
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("chromium did not take the screenshot within {DEADLINE:?}");
        }
    };
    assert!(status.success(), "chromium exited with {status}");
    resvg::tiny_skia::Pixmap::load_png(&out).expect("chromium wrote a PNG")
}

/// Columns and rows of the band `y0..y1` that hold a dark (text) pixel.
fn dark_in_band(p: &resvg::tiny_skia::Pixmap, y0: u32, y1: u32) -> (Vec<u32>, Vec<u32>) {
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
fn the_charts_render_legibly_in_chromium_and_the_last_label_is_not_clipped() {
    let f = report_support::march();
    let w = slavakt::report::text::words(Language::Nb);
    let dir = tempfile::tempdir().unwrap();
    for chart in slavakt::report::charts::charts(&f, w, Language::Nb) {
        let file = dir.path().join(format!("{}.html", chart.id));
        std::fs::write(
            &file,
            format!(
                "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><style>body{{margin:0;\
                 background:#fff}}</style></head><body>{}</body></html>",
                chart.svg
            ),
        )
        .unwrap();
        let shot = screenshot(&file, &dir.path().join("profile"), 800, 600);
        let (cw, ch) = (chart.width as u32, chart.height as u32);
        // The chart fills its 720 px: something is drawn in its right part, nothing beyond it.
        let (cols, _) = dark_in_band(&shot, 0, ch);
        assert!(
            cols.iter().any(|&x| x > cw * 3 / 4),
            "{}: right part empty",
            chart.id
        );
        assert!(
            cols.iter().all(|&x| x < cw),
            "{}: drawn beyond its width",
            chart.id
        );
        if chart.id == "chart-compliance" {
            continue;
        }
        // The month labels along the foot: the last one, 2027-03, ends inside the chart with a
        // white margin, and its glyphs are at least 9 px tall (14 px text).
        let (cols, rows) = dark_in_band(&shot, ch - 32, ch - 4);
        let last = *cols.last().expect("month labels drawn");
        assert!(
            last > cw - 110 && last < cw - 8,
            "{}: last label ends at {last}",
            chart.id
        );
        assert!(
            rows.len() >= 9,
            "{}: labels only {} px tall",
            chart.id,
            rows.len()
        );
    }
}

#[test]
fn the_html_report_prints_on_a4() {
    let f = report_support::march();
    let mut cfg = sla_support::config();
    cfg.daemon.language = Language::Nb;
    let html = slavakt::report::render(&f, ReportFormat::Html, &cfg);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sla-2027-03.html");
    std::fs::write(&file, &html).unwrap();
    let pdf = dir.path().join("sla-2027-03.pdf");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", file.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(status) => assert!(status.unwrap().success()),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("chromium did not print within {DEADLINE:?}");
        }
    }
    let bytes = std::fs::read(&pdf).expect("chromium wrote the PDF");
    let text = String::from_utf8_lossy(&bytes);
    // Every page is A4 (595 × 842 points): the report's @page rule, not the browser's Letter.
    let boxes: Vec<&str> = text
        .match_indices("/MediaBox")
        .map(|(i, _)| &text[i..i + 40])
        .collect();
    assert!(!boxes.is_empty(), "no pages");
    for b in &boxes {
        let nums: Vec<f64> = b
            .trim_start_matches("/MediaBox")
            .trim_start_matches([' ', '['])
            .split([' ', ']'])
            .filter_map(|n| n.parse().ok())
            .collect();
        let (w, h) = (nums[2], nums[3]);
        assert!(
            (w - 595.3).abs() < 2.0 && (h - 841.9).abs() < 2.0,
            "{b}: not A4"
        );
    }
}
