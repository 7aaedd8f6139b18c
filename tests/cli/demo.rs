//! `slavakt demo` as a newcomer runs it: one command, no outside service. The story (a Kritisk
//! and a Høy incident, answered, paused, resolved) runs at twice the default speed; every
//! message goes through the real channel code to the loopback capture peers.

use std::process::Command;

#[test]
fn the_demo_runs_the_whole_story_and_delivers_every_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(["demo", "--speed", "1200"])
        .env_remove("RUST_LOG")
        .output()
        .expect("run slavakt demo");
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{text}\n{err}");
    for needle in [
        "simulated Pureservice at http://127.0.0.1:",
        "new Kritisk ticket",
        "kritisk-announcement",
        "incident-open-alert",
        "hoy-thread",
        "incident-resolved",
        "Summary: ",
        " 0 failed",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in:\n{text}");
    }
    assert!(!err.contains("panicked"), "{err}");
}
