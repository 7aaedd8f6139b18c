//! The service desk's status page in a real headless Chromium at 1280 and 390 px: the burning
//! Kritisk incident comes first, the planned change sits in its own section and is never
//! breached, the 24 h / 7 day chart is drawn, nothing overflows the phone's width, and axe-core finds no violations.
//! Screenshots go to `target/status-page/` (kept by CI as artifacts). `scripts/test` installs
//! Chromium and axe-core (into `target/test-tools`); without them this test fails and says so.

use crate::kit::ops as ops_support;

use ops_support::*;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const DEADLINE: Duration = Duration::from_secs(90);

fn axe_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-tools/node_modules/axe-core/axe.min.js")
}

/// Runs Chromium on `url` with `args`, returning stdout; fails past [`DEADLINE`].
fn chromium(url: &str, profile: &Path, args: &[String]) -> String {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: run ./scripts/test (it installs chromium)"
    );
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {CHROMIUM}: {e}"));
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut out = String::new();
        let _ = tx.send(stdout.read_to_string(&mut out).map(|_| out));
    });
    let out = match rx.recv_timeout(DEADLINE) {
        Ok(read) => read.expect("chromium's output is not UTF-8"),
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {DEADLINE:?}");
        }
    };
    assert!(child.wait().unwrap().success(), "chromium failed");
    out
}

/// The fixture state plus a planned change (Fagsystem upgrade tomorrow) whose notice went out.
fn state_with_change() -> slavakt::state::State {
    let mut v: serde_json::Value = serde_json::from_str(STATE_JSON).unwrap();
    let mut change = v["tickets"]["502"].clone();
    change["id"] = 505.into();
    change["number"] = 1005.into();
    change["subject"] = "Oppgradering av Fagsystem".into();
    change["levels"][0]["level"] = "hoy".into();
    change["created"] = "2027-03-20T08:00:00Z".into();
    change["change"] = serde_json::json!({
        "planned_start": "2027-03-25T16:00:00Z",
        "planned_end": "2027-03-25T18:00:00Z",
        "cancelled": false
    });
    change["change_revisions"] = serde_json::json!(["2027-03-25T16:00:00Z"]);
    v["tickets"]["505"] = change;
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
async fn the_status_page_reads_in_chromium_on_a_wall_screen_and_a_phone() {
    let srv = start("nb").await;
    srv.shared.publish(&state_with_change(), now());
    let (status, _, html) = srv.get("/").await;
    assert_eq!(status, 200);

    // What burns first, then the board, then the change apart, never breached.
    let burning = html.find("Pågående hendelser").expect("incidents section");
    let board = html.find("SLA-tavle").expect("board");
    let changes = html
        .find("Planlagte endringer (1)")
        .expect("changes section");
    assert!(burning < board && board < changes);
    let kritisk_card = html[burning..board].find("Sak 1001").expect("1001 burning");
    let hoy_card = html[burning..board].find("Sak 1002").expect("1002 burning");
    assert!(kritisk_card < hoy_card, "Kritisk before Høy");
    assert!(
        !html[board..changes].contains(">1005<"),
        "the change is not on the board"
    );
    let change_section = &html[changes..];
    assert!(change_section.contains("Oppgradering av Fagsystem"));
    assert!(
        change_section.contains("25.03. 17:00 – 25.03. 19:00"),
        "{change_section}"
    );
    assert!(!change_section.contains("brutt") && !change_section.contains("forfalt"));

    // The chart: open tickets per level over 24 h and 7 days, from the tickets' own history.
    assert_eq!(html.matches("<svg").count(), 2, "two charts");
    assert!(html.contains("Åpne saker per nivå, siste 24 timer; nå: Kritisk 1, Høy 1"));
    let (_, _, json) = srv.get("/status.json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let day = v["history"]["day"].as_array().unwrap();
    assert_eq!(day.len(), 25);
    assert_eq!(
        day[24]["counts"],
        serde_json::json!([1, 1]),
        "now: 1001 and 1002"
    );
    assert_eq!(
        day[21]["counts"],
        serde_json::json!([0, 0]),
        "11:30 UTC, before 1001"
    );
    assert_eq!(v["history"]["week"].as_array().map(Vec::len), Some(29));
    // The change: in its own list, without clocks.
    assert_eq!(v["changes"][0]["number"], 1005);
    assert_eq!(v["changes"][0]["state"], "planned");
    let c = v["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["number"] == 1005)
        .unwrap();
    assert!(c["response"].is_null() && c["next_deadline"].is_null() && c["overdue"] == false);

    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/status-page");
    std::fs::create_dir_all(&out).unwrap();
    let axe = axe_path();
    assert!(
        axe.exists(),
        "{} is missing: run ./scripts/test (it installs axe-core with npm)",
        axe.display()
    );
    // The page as served, plus axe-core and a probe that writes its findings into the DOM.
    let probe = format!(
        "<script src=\"file://{}\"></script><script>\
         axe.run(document,{{runOnly:['wcag2a','wcag2aa','best-practice']}}).then(function(r){{\
         var p=document.createElement('pre');p.id='probe';\
         p.textContent=JSON.stringify({{overflow:document.documentElement.scrollWidth>window.innerWidth,\
         violations:r.violations.map(function(v){{return v.id+': '+v.nodes.map(function(n){{return n.target.join(' ')}}).join(', ')}})}});\
         document.body.appendChild(p);}});</script></body>",
        axe.display()
    );
    let page = out.join("page.html");
    std::fs::write(&page, html.replace("</body>", &probe)).unwrap();
    let url = format!("file://{}", page.display());
    let dir = tempfile::tempdir().unwrap();
    for width in [1280, 390] {
        let size = format!("--window-size={width},1400");
        let dom = chromium(
            &url,
            &dir.path().join(format!("dom{width}")),
            &[
                size.clone(),
                "--virtual-time-budget=20000".into(),
                "--dump-dom".into(),
            ],
        );
        let start = dom
            .find("<pre id=\"probe\">")
            .unwrap_or_else(|| panic!("axe did not finish at {width} px:\n{dom}"));
        let probe = &dom[start + 16..];
        let probe = &probe[..probe.find("</pre>").unwrap()];
        let probe = probe
            .replace("&quot;", "\"")
            .replace("&gt;", ">")
            .replace("&lt;", "<")
            .replace("&amp;", "&");
        let found: serde_json::Value = serde_json::from_str(&probe).unwrap();
        assert_eq!(found["overflow"], false, "wider than {width} px");
        assert_eq!(
            found["violations"],
            serde_json::json!([]),
            "axe-core at {width} px"
        );
        let shot = out.join(format!("status-page-{width}.png"));
        let _ = std::fs::remove_file(&shot);
        chromium(
            &url,
            &dir.path().join(format!("shot{width}")),
            &[size, format!("--screenshot={}", shot.display())],
        );
        assert!(shot.exists(), "no screenshot at {width} px");
    }
    srv.stop().await;
}
