//! The status page and `/status.json` against a real server: ticket numbers most urgent first,
//! subjects escaped, labels in the configured language, refreshing itself.

use crate::kit::ops as ops_support;

use ops_support::*;

fn first(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in page:\n{body}"))
}

#[tokio::test]
async fn page_lists_open_tickets_most_urgent_first_with_escaped_subjects() {
    let srv = start("nb").await;
    srv.shared.publish(&state(), now());
    let (status, ctype, body) = srv.get("/").await;
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/html; charset=utf-8");
    // Refreshed by fetching /status.json, not by a meta refresh.
    assert!(!body.contains("http-equiv=\"refresh\""));
    assert!(body.contains("fetch('status.json'"));
    assert!(body.contains("<html lang=\"nb\">"));
    // Overdue Kritisk first, then the Høy by deadline, the unprioritised one last; the solved
    // 1003 is not on the page.
    let (a, b, c) = (
        first(&body, "<td data-label=\"Sak\">1001</td>"),
        first(&body, "<td data-label=\"Sak\">1002</td>"),
        first(&body, "<td data-label=\"Sak\">1004</td>"),
    );
    assert!(a < b && b < c, "order 1001 < 1002 < 1004 expected");
    assert!(!body.contains("1003"));
    assert!(body.contains(
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;Fagsystem&quot; treg"
    ));
    assert!(!body.contains("<script>alert"));
    for label in [
        "SLA-tavle (3)",
        "Pågående hendelser (2)",
        "Planlagte endringer (0)",
        "Åpne Kritisk: <strong>1</strong>",
        "Neste frist",
        "Neste handling",
        "Ventende utsendelser (1)",
    ] {
        assert!(body.contains(label), "label {label:?} missing");
    }
    // 1001's response was due 12:15 UTC = 13:15 Oslo time, 2 h 15 min ago.
    assert!(body.contains("Respons 24.03. 13:15<br><span class=\"breached\">2h 15m forfalt"));
    srv.stop().await;
}

#[tokio::test]
async fn page_follows_the_configured_language() {
    let srv = start("en").await;
    srv.shared.publish(&state(), now());
    let (_, _, body) = srv.get("/").await;
    assert!(body.contains("<html lang=\"en\">"));
    assert!(body.contains("SLA board (3)"));
    assert!(body.contains("Ongoing incidents (2)"));
    assert!(!body.contains("SLA-tavle"));
    srv.stop().await;
}

#[tokio::test]
async fn page_before_the_first_cycle_says_so() {
    let srv = start("nb").await;
    let (status, _, body) = srv.get("/").await;
    assert_eq!(status, 200);
    assert!(body.contains("aldri"), "{body}");
    let (status, _, body) = srv.get("/status.json").await;
    assert_eq!(status, 503);
    assert!(body.contains("no cycle has completed yet"));
    srv.stop().await;
}

#[tokio::test]
async fn status_json_is_the_status_view() {
    let srv = start("nb").await;
    srv.shared.publish(&state(), now());
    let (status, ctype, body) = srv.get("/status.json").await;
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/json"), "{ctype}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let numbers: Vec<u64> = v["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["number"].as_u64().expect("number"))
        .collect();
    assert_eq!(numbers, vec![1001, 1002, 1004]);
    let k = &v["tickets"][0];
    assert_eq!(k["level"], "kritisk");
    assert_eq!(k["priority"], "Kritisk");
    assert_eq!(k["overdue"], true);
    assert_eq!(k["response"]["state"], "breached");
    assert_eq!(k["resolution"]["due"], "2027-03-24T17:00:00+01:00");
    assert_eq!(k["next_deadline"]["clock"], "response");
    assert_eq!(k["next_deadline"]["due"], "2027-03-24T13:15:00+01:00");
    assert_eq!(k["next_deadline"]["remaining_seconds"], -8100);
    // The plan's next step for 1001: the 3 h follow-up at 15:00 UTC.
    assert_eq!(v["next_action_source"], "plan");
    assert_eq!(k["next_action"]["at"], "2027-03-24T16:00:00+01:00");
    assert_eq!(k["next_action"]["what"], "after");
    assert_eq!(
        k["next_action"]["rules"],
        serde_json::json!(["kritisk-followup"])
    );
    assert_eq!(k["next_action"]["channels"], serde_json::json!(["email"]));
    let h = &v["tickets"][1];
    // 1002: the Høy response warning at 75 % of 1 h after 14:00 UTC.
    assert_eq!(h["next_action"]["at"], "2027-03-24T15:45:00+01:00");
    assert_eq!(h["next_action"]["what"], "response_warning");
    assert_eq!(h["next_action"]["percent"], 75);
    assert_eq!(
        h["next_action"]["rules"],
        serde_json::json!(["hoy-response-warning"])
    );
    assert_eq!(h["response"]["state"], "running");
    assert_eq!(h["next_deadline"]["remaining_seconds"], 1800);
    assert!(v["tickets"][2]["response"].is_null());
    assert!(v["tickets"][2]["next_action"].is_null());
    assert_eq!(v["last_successful_poll"], "2027-03-24T15:29:40+01:00");
    assert_eq!(v["outage"], false);
    let p = &v["pending_deliveries"];
    assert_eq!(p.as_array().map(Vec::len), Some(1));
    assert_eq!(p[0]["number"], 1001);
    assert_eq!(p[0]["channel"], "sms");
    assert_eq!(p[0]["last_outcome"], "HTTP 503 (retryable)");
    srv.stop().await;
}

#[test]
fn without_plan_rules_the_next_action_comes_from_the_clocks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_with(dir.path(), "nb", false);
    let view = slavakt::status_view::build(&state(), &config, now());
    assert_eq!(view.next_action_source, "clocks");
    // 1001: response already breached; the resolution clock's 75 % warning (3 h of 4 h) is next.
    let a = view.tickets[0].next_action.as_ref().expect("an action");
    assert_eq!(a.at.to_rfc3339(), "2027-03-24T16:00:00+01:00");
    assert_eq!(
        (a.what.as_str(), a.percent),
        ("resolution_warning", Some(75))
    );
    assert!(a.rules.is_empty());
    // 1002: its response warning at 14:45 UTC.
    let b = view.tickets[1].next_action.as_ref().expect("an action");
    assert_eq!(b.at.to_rfc3339(), "2027-03-24T15:45:00+01:00");
    assert_eq!(b.what, "response_warning");
}

#[tokio::test]
async fn page_shows_the_planned_action_in_words() {
    let srv = start("nb").await;
    srv.shared.publish(&state(), now());
    let (_, _, body) = srv.get("/").await;
    assert!(
        body.contains("24.03. 15:45 — Varsel 75 % (respons) på e-post"),
        "{body}"
    );
    assert!(body.contains("24.03. 16:00 — Statusoppdatering på e-post"));
    // Plain language: no rule ids, no template names.
    for id in [
        "hoy-response-warning",
        "kritisk-followup",
        "sla_warning",
        "incident_status",
    ] {
        assert!(!body.contains(id), "{id} on the page");
    }
    srv.stop().await;
}

/// A desk whose units are not municipalities sees its own word on the board, the incident
/// cards and in `/status.json` (`daemon.unit_word`).
#[tokio::test]
async fn the_configured_unit_word_heads_the_unit_column() {
    let srv = start_with("nb", |c| c.daemon.unit_word = "forvaltning".into()).await;
    srv.shared.publish(&state(), now());
    let (status, _, body) = srv.get("/").await;
    assert_eq!(status, 200);
    // The board's column heading, and each row's label on a phone (cards).
    assert!(body.contains(">Forvaltning<"), "{body}");
    assert!(body.contains("data-label=\"Forvaltning\""), "{body}");
    assert!(!body.contains(">Kommune<"), "{body}");
    let (_, _, json) = srv.get("/status.json").await;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["unit_heading"], "Forvaltning");
}
