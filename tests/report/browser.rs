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
    // Per level: opened, resolved, response met/breached, resolution met/breached, compliance.
    assert!(text.contains("Kritisk 2 2 1 1 1 1 50.0"), "{text}");
    assert!(text.contains("Høy 2 2 2 0 2 0 100.0"), "{text}");
    assert!(text.contains("Middels 1 1 0 1 1 0 100.0"), "{text}");
    assert!(text.contains("Lav 2 1 1 0 1 0 100.0"), "{text}");
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
    assert!(text.contains("Åpne saker ved månedens slutt: 2"));
    assert!(text.contains("Molde: 4"));
    assert!(text.contains("2027-02 100.0 (1)"), "{text}");

    // Both inline SVG charts are in the DOM: compliance bars and the trend lines.
    assert_eq!(dom.matches("<svg").count(), 2, "{dom}");
    assert_eq!(dom.matches("</svg>").count(), 2);
    assert!(dom.matches("<rect").count() >= 4, "one bar per level");
    assert!(dom.contains("<polyline"), "trend line");
    assert!(text.contains("50.0 %"), "the Kritisk bar's label");
}
