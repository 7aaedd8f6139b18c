//! `/healthz` against a real server on 127.0.0.1: 200 only while polls succeed within three
//! intervals and the state is saved; otherwise 503 with a one-line reason. Also binding errors
//! and shutdown.

use crate::kit::ops as ops_support;

use chrono::Duration;
use ops_support::*;
use slavakt::state::State;

fn polled_state() -> State {
    // Last successful poll 20 s before `now()`, saved once.
    let mut s = State::default();
    s.health.last_poll_ok = Some(t("2027-03-24T14:29:40Z"));
    s.saved_at = Some(t("2027-03-24T14:29:41Z"));
    s
}

#[tokio::test]
async fn unhealthy_before_the_first_poll() {
    let srv = start("nb").await;
    let (status, _, body) = srv.get("/healthz").await;
    assert_eq!(status, 503);
    assert_eq!(body, "no successful poll yet\n");
    srv.stop().await;
}

#[tokio::test]
async fn healthy_after_a_recent_poll_and_a_save() {
    let srv = start("nb").await;
    srv.shared.publish(&polled_state(), now());
    let (status, _, body) = srv.get("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok\n"));
    srv.stop().await;
}

#[tokio::test]
async fn unhealthy_when_the_last_poll_is_older_than_three_intervals() {
    let srv = start("nb").await;
    let mut state = polled_state();
    state.health.last_poll_error = Some("connect: connection refused".into());
    srv.shared.publish(&state, now());
    // 20 s + 70 s = 90 s = exactly three 30 s intervals: still healthy.
    srv.clock.advance(Duration::seconds(70));
    assert_eq!(srv.get("/healthz").await.0, 200);
    srv.clock.advance(Duration::seconds(1));
    let (status, _, body) = srv.get("/healthz").await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        "last successful poll 1m ago (limit 1m); last error: connect: connection refused\n"
    );
    assert_eq!(body.lines().count(), 1);
    srv.stop().await;
}

#[tokio::test]
async fn unhealthy_while_saving_fails_and_healthy_again_after_a_save() {
    let srv = start("nb").await;
    srv.shared.publish(&polled_state(), now());
    srv.shared.state_save_failed(
        "write /var/lib/slavakt/state.json.tmp: No space left on device\ndetail",
    );
    let (status, _, body) = srv.get("/healthz").await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        "last state save failed: write /var/lib/slavakt/state.json.tmp: No space left on device\n"
    );
    srv.shared
        .state_saved(std::time::Duration::from_millis(3), 2048);
    assert_eq!(srv.get("/healthz").await.0, 200);
    assert_eq!(
        srv.metrics.value("slavakt_state_save_failures_total", &[]),
        Some(1.0)
    );
    srv.stop().await;
}

#[tokio::test]
async fn unhealthy_until_the_state_was_saved_once() {
    let srv = start("nb").await;
    let mut state = polled_state();
    state.saved_at = None;
    srv.shared.publish(&state, now());
    let (status, _, body) = srv.get("/healthz").await;
    assert_eq!(
        (status, body.as_str()),
        (503, "state has not been saved yet\n")
    );
    srv.shared
        .state_saved(std::time::Duration::from_millis(1), 10);
    assert_eq!(srv.get("/healthz").await.0, 200);
    srv.stop().await;
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let srv = start("nb").await;
    let err = match slavakt::http::bind(srv.addr).await {
        Ok(_) => panic!("second bind on {} succeeded", srv.addr),
        Err(e) => e.to_string(),
    };
    assert!(
        err.starts_with(&format!(
            "cannot listen on {} (daemon.http_listen): ",
            srv.addr
        )),
        "{err}"
    );
    assert!(err.contains("http_listen = \"off\""), "{err}");
    srv.stop().await;
}

#[tokio::test]
async fn unknown_paths_are_404_and_cancel_stops_the_server() {
    let srv = start("nb").await;
    assert_eq!(srv.get("/nope").await.0, 404);
    let addr = srv.addr;
    srv.stop().await;
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err(),
        "server still answers after cancel"
    );
}
