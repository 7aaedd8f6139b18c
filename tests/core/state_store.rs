//! The state file: atomic snapshot and journal, locking, corrupt and unknown files set aside,
//! the v1 fixture and its migration, torn journal lines, a crash during compaction, restart
//! healing and retention.

use chrono::{DateTime, Duration, Utc};
use slavakt::ledger::DeliveryStatus;
use slavakt::state::{self, LoadProblem, State, StateError, Store, INTERRUPTED_OUTCOME};
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

const FIXTURE_V1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/state-v1.json");

fn t(s: &str) -> DateTime<Utc> {
    s.parse().expect("test timestamp")
}

fn dir_names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn fixture_copy(dir: &Path) -> PathBuf {
    let path = dir.join("state.json");
    fs::copy(FIXTURE_V1, &path).unwrap();
    path
}

#[test]
fn missing_file_is_a_fresh_start_and_nothing_is_written_until_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (store, state) = Store::open(&path, t("2026-05-06T12:00:00Z")).unwrap();
    assert!(store.is_fresh());
    assert_eq!(state, State::default());
    assert!(!path.exists());
    store.save(&state, t("2026-05-06T12:00:01Z")).unwrap();
    drop(store);
    let (store, _) = Store::open(&path, t("2026-05-06T12:00:02Z")).unwrap();
    assert!(!store.is_fresh());
}

#[test]
fn saves_append_to_the_journal_and_compaction_replaces_the_snapshot_atomically_mode_0600() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let journal = dir.path().join("state.json.journal");
    let (store, mut state) = Store::open(&path, t("2026-05-06T12:00:00Z")).unwrap();

    // The first save of a fresh state writes the snapshot.
    let size = store.save(&state, t("2026-05-06T12:00:00Z")).unwrap();
    assert_eq!(size, fs::metadata(&path).unwrap().len());
    let first_inode = fs::metadata(&path).unwrap().ino();

    // A change goes into the journal; the snapshot is not touched.
    state.reported.insert("finding-1".into());
    let size = store.save(&state, t("2026-05-06T12:05:00Z")).unwrap();
    let jmeta = fs::metadata(&journal).unwrap();
    assert_eq!(size, fs::metadata(&path).unwrap().len() + jmeta.len());
    assert_eq!(jmeta.permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::metadata(&path).unwrap().ino(), first_inode);
    let line = fs::read_to_string(&journal).unwrap();
    assert_eq!(line.lines().count(), 1);
    assert!(line.contains("finding-1") && line.ends_with('\n'), "{line}");
    let on_disk = state::read_only(&path).unwrap().unwrap();
    assert!(on_disk.reported.contains("finding-1"));
    assert_eq!(on_disk.saved_at, Some(t("2026-05-06T12:05:00Z")));

    // A temp file left by a crash, with a loose mode, must not leak into the next snapshot.
    let stale = dir.path().join(".state.json.tmp");
    fs::write(&stale, b"half a state").unwrap();
    fs::set_permissions(&stale, fs::Permissions::from_mode(0o644)).unwrap();
    let size = store.compact(&state, t("2026-05-06T12:06:00Z")).unwrap();
    let meta = fs::metadata(&path).unwrap();
    assert_eq!(size, meta.len());
    assert_ne!(
        meta.ino(),
        first_inode,
        "replaced by rename, not rewritten in place"
    );
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(fs::metadata(&journal).unwrap().len(), 0, "journal emptied");
    assert_eq!(
        dir_names(dir.path()),
        ["state.json", "state.json.journal", "state.json.lock"]
    );
    let on_disk = state::read_only(&path).unwrap().unwrap();
    assert!(on_disk.reported.contains("finding-1"));
    let stats = store.stats();
    assert_eq!((stats.compactions, stats.journal_lines), (2, 1));
}

/// Opens the v1 fixture and saves it once (which writes it as a v2 snapshot).
fn migrated_fixture(dir: &Path) -> (PathBuf, Store, State) {
    let path = fixture_copy(dir);
    let (store, state) = Store::open(&path, t("2026-05-06T10:10:00Z")).unwrap();
    store.save(&state, t("2026-05-06T10:10:00Z")).unwrap();
    (path, store, state)
}

fn same(a: &State, b: &State) {
    let strip = |s: &State| State {
        saved_at: None,
        ..s.clone()
    };
    assert_eq!(strip(a), strip(b));
}

#[test]
fn a_quiet_save_writes_nothing_and_a_restart_reads_snapshot_plus_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, mut state) = migrated_fixture(dir.path());
    let journal = dir.path().join("state.json.journal");
    let snapshot = fs::read(&path).unwrap();

    // Nothing changed: nothing written (the file is not even created).
    store.save(&state, t("2026-05-06T10:10:30Z")).unwrap();
    assert!(!journal.exists());

    // Every kind of change, over three saves.
    state.tickets.get_mut(&1001).unwrap().subject = "Nettverket er nede i Molde".into();
    state.touch_ticket(1001);
    let key = "1001/kritisk_every/2/email/kari.fjellstad@ikt.example";
    let e = state.ledger.entries.get_mut(key).unwrap();
    e.status = DeliveryStatus::Delivered;
    e.message = None;
    e.remote_id = Some("<a@slavakt.example>".into());
    // Settled: only what status and the reports need stays.
    assert_eq!(state.ledger.slim_settled(), 1);
    assert!(state.ledger.entries[key].intent.vars.is_empty());
    store.save(&state, t("2026-05-06T10:11:00Z")).unwrap();
    state.tickets.remove(&1002);
    state.ledger.entries.retain(|k, _| !k.starts_with("1002/"));
    state
        .threads
        .get_mut("1001/email")
        .unwrap()
        .push("<b@slavakt.example>".into());
    state.reports_sent.insert("monthly@2026-04".into());
    store.save(&state, t("2026-05-06T10:11:30Z")).unwrap();
    state.cursor.modified = Some(t("2026-05-06T10:11:29Z"));
    store.save(&state, t("2026-05-06T10:12:00Z")).unwrap();

    assert_eq!(fs::read(&path).unwrap(), snapshot, "snapshot untouched");
    assert_eq!(fs::read_to_string(&journal).unwrap().lines().count(), 3);
    drop(store);
    let (_store, back) = Store::open(&path, t("2026-05-06T10:13:00Z")).unwrap();
    same(&back, &state);
    assert_eq!(back.saved_at, Some(t("2026-05-06T10:12:00Z")));
}

#[test]
fn health_facts_alone_are_written_at_most_every_few_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, store, mut state) = migrated_fixture(dir.path());
    let journal = dir.path().join("state.json.journal");
    let start = t("2026-05-06T10:10:00Z");
    for i in 1..10 {
        let now = start + Duration::seconds(30 * i);
        state.health.last_poll_ok = Some(now);
        assert_eq!(
            store.health_due(&state.health, now),
            now - start >= state::HEALTH_EVERY
        );
        store.save(&state, now).unwrap();
    }
    // 9 polls over 4.5 minutes: nothing on disk.
    assert!(!journal.exists());
    let now = start + state::HEALTH_EVERY;
    state.health.last_poll_ok = Some(now);
    assert!(store.health_due(&state.health, now));
    store.save(&state, now).unwrap();
    assert_eq!(fs::read_to_string(&journal).unwrap().lines().count(), 1);
    // A real change takes the health facts along at once.
    state.health.last_poll_ok = Some(now + Duration::seconds(30));
    state.reported.insert("x".into());
    store.save(&state, now + Duration::seconds(30)).unwrap();
    let text = fs::read_to_string(&journal).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().last().unwrap().contains("last_poll_ok"));
}

#[test]
fn a_torn_last_journal_line_is_dropped_never_a_reason_to_start_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, mut state) = migrated_fixture(dir.path());
    let journal = dir.path().join("state.json.journal");
    state.reported.insert("kept".into());
    store.save(&state, t("2026-05-06T10:11:00Z")).unwrap();
    let good = fs::read(&journal).unwrap();
    drop(store);
    // The process died while writing the next line.
    let mut torn = good.clone();
    torn.extend_from_slice(
        b"{\"seq\":3,\"at\":\"2026-05-06T10:11:30Z\",\"reported\":{\"add\":[\"lo",
    );
    fs::write(&journal, &torn).unwrap();

    let (store, back) = Store::open(&path, t("2026-05-06T10:12:00Z")).unwrap();
    assert!(store.dropped_torn_line());
    assert!(back.reported.contains("kept") && back.tickets.len() == 2);
    assert_eq!(
        fs::read(&journal).unwrap(),
        good,
        "the torn tail is cut off"
    );
    // The next line starts on a clean line and reads back.
    let mut back = back;
    back.reported.insert("after".into());
    store.save(&back, t("2026-05-06T10:12:30Z")).unwrap();
    drop(store);
    let again = state::read_only(&path).unwrap().unwrap();
    assert!(again.reported.contains("kept") && again.reported.contains("after"));

    // A bad line that is not the last is not a torn write: refused, nothing moved.
    let mut bad = b"{\"seq\":1,\"at\":\"2026-05-06T10:11:00Z\",\"tick\n".to_vec();
    bad.extend_from_slice(&fs::read(&journal).unwrap());
    fs::write(&journal, &bad).unwrap();
    let err = Store::open(&path, t("2026-05-06T10:13:00Z")).unwrap_err();
    assert!(
        matches!(&err, StateError::Unusable { moved_to: None, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("journal line 1"), "{err}");
    assert!(path.exists() && journal.exists());
}

#[test]
fn a_kill_during_compaction_replays_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, mut state) = migrated_fixture(dir.path());
    let journal = dir.path().join("state.json.journal");
    state.reported.insert("a".into());
    store.save(&state, t("2026-05-06T10:11:00Z")).unwrap();
    state.reported.remove("a");
    state.threads.clear();
    store.save(&state, t("2026-05-06T10:11:30Z")).unwrap();
    let old_journal = fs::read(&journal).unwrap();
    store.compact(&state, t("2026-05-06T10:12:00Z")).unwrap();
    drop(store);
    // Killed after the new snapshot's rename, before the journal was emptied.
    fs::write(&journal, &old_journal).unwrap();
    let (store, back) = Store::open(&path, t("2026-05-06T10:13:00Z")).unwrap();
    same(&back, &state);
    assert!(!back.reported.contains("a"));
    // New lines continue after the old ones' numbers.
    let mut back = back;
    back.reported.insert("b".into());
    store.save(&back, t("2026-05-06T10:13:30Z")).unwrap();
    drop(store);
    let (_s, again) = Store::open(&path, t("2026-05-06T10:14:00Z")).unwrap();
    same(&again, &back);
}

#[test]
fn a_journal_without_its_snapshot_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store, mut state) = migrated_fixture(dir.path());
    state.reported.insert("a".into());
    store.save(&state, t("2026-05-06T10:11:00Z")).unwrap();
    drop(store);
    fs::remove_file(&path).unwrap();
    let err = Store::open(&path, t("2026-05-06T10:12:00Z")).unwrap_err();
    assert!(err.to_string().contains("no snapshot"), "{err}");
}

#[test]
fn a_second_open_of_a_locked_file_is_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (first, state) = Store::open(&path, t("2026-05-06T12:00:00Z")).unwrap();
    first.save(&state, t("2026-05-06T12:00:00Z")).unwrap();

    let err = Store::open(&path, t("2026-05-06T12:00:01Z")).unwrap_err();
    assert!(matches!(err, StateError::Locked { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("in use by another slavakt"), "{msg}");
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains("state.json.lock"), "{msg}");

    // The lock survives saves (which rename the state file) ...
    first.save(&state, t("2026-05-06T12:00:02Z")).unwrap();
    assert!(matches!(
        Store::open(&path, t("2026-05-06T12:00:03Z")),
        Err(StateError::Locked { .. })
    ));
    // ... and goes with the store.
    drop(first);
    Store::open(&path, t("2026-05-06T12:00:04Z")).unwrap();
}

#[test]
fn a_corrupt_file_is_moved_aside_unchanged_and_the_error_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let original = b"{\"version\": 1, \"tickets\": {\"1001\": ".to_vec();
    fs::write(&path, &original).unwrap();

    let err = Store::open(&path, t("2026-05-06T12:34:56Z")).unwrap_err();
    let moved = dir.path().join("state.json.corrupt-20260506T123456Z");
    match &err {
        StateError::Unusable {
            moved_to,
            problem: LoadProblem::Corrupt(_),
            ..
        } => assert_eq!(moved_to.as_deref(), Some(moved.as_path())),
        other => panic!("unexpected {other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("is corrupt"), "{msg}");
    assert!(msg.contains(&moved.display().to_string()), "{msg}");
    assert!(msg.contains("restore a good copy"), "{msg}");
    assert!(!path.exists());
    assert_eq!(fs::read(&moved).unwrap(), original);

    // A restart must not quietly begin from nothing while the set-aside file is there.
    let err = Store::open(&path, t("2026-05-06T12:35:00Z")).unwrap_err();
    assert!(matches!(err, StateError::SetAside { .. }), "{err:?}");
    assert!(
        err.to_string().contains("corrupt-20260506T123456Z"),
        "{err}"
    );

    // Moving it out is the deliberate way to start fresh.
    fs::rename(&moved, dir.path().join("kept-for-analysis.json")).unwrap();
    let (store, _) = Store::open(&path, t("2026-05-06T12:36:00Z")).unwrap();
    assert!(store.is_fresh());
}

#[test]
fn json_that_does_not_fit_the_schema_counts_as_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    fs::write(&path, br#"{"version": 1, "tickets": "none"}"#).unwrap();
    let err = Store::open(&path, t("2026-05-06T12:00:00Z")).unwrap_err();
    assert!(
        matches!(
            &err,
            StateError::Unusable { problem: LoadProblem::Corrupt(m), .. } if m.contains("schema version 1")
        ),
        "{err:?}"
    );
}

#[test]
fn an_unknown_version_is_refused_and_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let original = br#"{"version": 7, "tickets": {}}"#.to_vec();
    fs::write(&path, &original).unwrap();

    let err = Store::open(&path, t("2026-05-06T12:00:00Z")).unwrap_err();
    assert!(
        matches!(
            &err,
            StateError::Unusable {
                problem: LoadProblem::UnknownVersion(_),
                ..
            }
        ),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("version 7, written by a newer slavakt"),
        "{msg}"
    );
    assert!(msg.contains("run the newer slavakt"), "{msg}");
    let moved = dir.path().join("state.json.corrupt-20260506T120000Z");
    assert_eq!(fs::read(moved).unwrap(), original);
}

#[test]
fn set_aside_names_do_not_overwrite_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let now = t("2026-05-06T12:00:00Z");
    fs::write(&path, b"first").unwrap();
    Store::open(&path, now).unwrap_err();
    fs::write(&path, b"second").unwrap();
    Store::open(&path, now).unwrap_err();
    assert_eq!(
        fs::read(dir.path().join("state.json.corrupt-20260506T120000Z")).unwrap(),
        b"first"
    );
    assert_eq!(
        fs::read(dir.path().join("state.json.corrupt-20260506T120000Z-2")).unwrap(),
        b"second"
    );
}

#[test]
fn a_missing_directory_is_reported_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("state.json");
    let err = Store::open(&path, t("2026-05-06T12:00:00Z")).unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("no-such-dir"), "{msg}");
    assert!(msg.contains("does not exist"), "{msg}");
}

#[test]
fn the_v1_fixture_keeps_loading() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_copy(dir.path());
    let now = t("2026-05-06T10:10:00Z");

    // Read as written (status reads this way), migrated in memory.
    let file: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["version"], 1);
    let raw = state::read_only(&path).unwrap().unwrap();
    assert_eq!(raw.version, state::SCHEMA_VERSION);
    assert_eq!(raw.tickets.len(), 2);
    assert_eq!(raw.ledger.entries.len(), 6);
    let statuses: Vec<DeliveryStatus> = raw.ledger.entries.values().map(|e| e.status).collect();
    for s in [
        DeliveryStatus::Pending,
        DeliveryStatus::InFlight,
        DeliveryStatus::Delivered,
        DeliveryStatus::Failed,
        DeliveryStatus::Skipped,
    ] {
        assert!(statuses.contains(&s), "fixture lacks {s:?}");
    }
    assert_eq!(raw.threads["1001/email"].len(), 1);
    assert_eq!(raw.cursor.modified, Some(t("2026-05-06T09:40:12Z")));
    assert!(raw.cursor.initial_done);
    assert!(raw.tickets[&1002].is_resolved());
    assert_eq!(raw.tickets[&1001].level(), Some("kritisk"));

    // Opened by the daemon: the in-flight reminder is pending again, due now, with its text.
    let (store, state) = Store::open(&path, now).unwrap();
    let key = "1001/kritisk_every/2/email/kari.fjellstad@ikt.example";
    assert_eq!(store.healed(), [key.to_string()]);
    let e = &state.ledger.entries[key];
    assert_eq!(e.status, DeliveryStatus::Pending);
    assert_eq!(e.next_attempt, Some(now));
    assert_eq!(e.attempts.last().unwrap().outcome, INTERRUPTED_OUTCOME);
    assert!(e.message.is_some());
    // Settled entries carry no message text.
    assert!(state
        .ledger
        .entries
        .values()
        .filter(|e| e.status != DeliveryStatus::Pending)
        .all(|e| e.message.is_none()));

    // And what we write reads back identically: the first save writes a v2 snapshot.
    store.save(&state, now).unwrap();
    let file: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    assert_eq!(file["version"], 2);
    assert_eq!(file["journal_seq"], 0);
    let again = state::read_only(&path).unwrap().unwrap();
    assert_eq!(
        State {
            saved_at: None,
            ..again
        },
        State {
            saved_at: None,
            ..state
        }
    );
}

#[test]
fn prune_drops_tickets_resolved_longer_ago_than_the_retention_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_copy(dir.path());
    let mut state = state::read_only(&path).unwrap().unwrap();
    let retention = Duration::days(396);
    let now = t("2027-07-01T00:00:00Z");

    // 1002 was resolved 2026-05-05: 14 months before `now`. Add one resolved 12 months ago.
    let mut recent = state.tickets[&1002].clone();
    recent.id = 1003;
    recent.resolutions[0].start = t("2026-07-01T00:00:00Z");
    state.tickets.insert(1003, recent);
    state
        .threads
        .insert("1003/email".into(), vec!["<x@y.example>".into()]);
    state
        .threads
        .insert("1002/email".into(), vec!["<a@b.example>".into()]);
    // An old, settled alert about slavakt itself (no ticket) and a pending one.
    let mut alert = state.ledger.entries["1002/hoy_resolved/1/intranet/intranet"].clone();
    alert.intent.key.ticket = 0;
    alert.intent.key.rule = "outage".into();
    state
        .ledger
        .entries
        .insert(alert.intent.key.to_string(), alert.clone());
    let mut pending_alert = alert.clone();
    pending_alert.intent.key.rule = "outage_pending".into();
    pending_alert.status = DeliveryStatus::Pending;
    state
        .ledger
        .entries
        .insert(pending_alert.intent.key.to_string(), pending_alert);

    let pruned = state::prune(&mut state, retention, now);

    assert_eq!(pruned.tickets, 1);
    assert_eq!(pruned.ledger_entries, 2); // 1002's entry and the old alert
    assert_eq!(pruned.threads, 1);
    assert!(!state.tickets.contains_key(&1002));
    assert!(
        state.tickets.contains_key(&1003),
        "resolved 12 months ago: kept"
    );
    assert!(state.tickets.contains_key(&1001), "open: kept however old");
    assert!(state.ledger.for_ticket(1002).next().is_none());
    assert_eq!(state.ledger.for_ticket(1001).count(), 5);
    assert!(state
        .ledger
        .entries
        .contains_key("0/outage_pending/1/intranet/intranet"));
    assert!(!state.threads.contains_key("1002/email"));
    assert!(state.threads.contains_key("1003/email"));
    assert!(state.threads.contains_key("1001/email"));

    // Just inside the retention nothing goes.
    let mut fresh = state::read_only(&path).unwrap().unwrap();
    let inside = t("2026-05-05T15:20:00Z") + retention - Duration::seconds(1);
    assert_eq!(
        state::prune(&mut fresh, retention, inside),
        Default::default()
    );
}

#[test]
fn reading_for_status_neither_locks_nor_moves_nor_heals() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture_copy(dir.path());
    let (_daemon, _) = Store::open(&path, t("2026-05-06T10:10:00Z")).unwrap();
    // The daemon holds the lock; status can still read, and sees the file as written.
    let s = state::read_only(&path).unwrap().unwrap();
    assert!(s
        .ledger
        .entries
        .values()
        .any(|e| e.status == DeliveryStatus::InFlight));

    let bad = dir.path().join("bad.json");
    fs::write(&bad, b"not json").unwrap();
    let err = state::read_only(&bad).unwrap_err();
    assert!(
        matches!(&err, StateError::Unusable { moved_to: None, .. }),
        "{err:?}"
    );
    assert!(bad.exists(), "left where it is");
    assert!(state::read_only(&dir.path().join("none.json"))
        .unwrap()
        .is_none());
}
