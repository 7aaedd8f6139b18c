//! The PostgreSQL state backend against a real PostgreSQL on loopback (a throwaway cluster,
//! `ha_support`): migrations, saves that write what changed in one transaction, the lease and its
//! fencing, `state export` / `import`, and the connection string's password kept out of every
//! message. Skipped (with a message) only where PostgreSQL is not installed.

use crate::kit::ha as ha_support;
use crate::kit::ops as ops_support;

use chrono::{DateTime, Utc};
use ha_support::{Pg, PASSWORD};
use slavakt::ledger::DeliveryStatus;
use slavakt::secret::Secret;
use slavakt::state::postgres::{PgStore, Role};
use slavakt::state::{State, StateError};
use std::path::Path;
use std::process::Command;

const V1: &[u8] = include_bytes!("../fixtures/state-v1.json");

fn now() -> DateTime<Utc> {
    "2027-03-24T14:30:00Z".parse().unwrap()
}

fn fixture() -> State {
    slavakt::state::decode_snapshot(V1).unwrap()
}

fn lease(secs: i64) -> chrono::Duration {
    chrono::Duration::seconds(secs)
}

fn connect(pg: &Pg, lease_secs: i64) -> PgStore {
    PgStore::connect(&Secret::new(pg.url()), lease(lease_secs)).unwrap()
}

#[test]
fn saves_write_what_changed_in_one_transaction_and_load_back() {
    let Some(pg) = Pg::start() else { return };
    let store = connect(&pg, 60);
    // A second instance runs the migrations again: nothing more is applied.
    let other = connect(&pg, 60);
    assert_eq!(pg.sql("SELECT count(*) FROM slavakt_schema"), "1");

    let (generation, previous) = store.try_acquire().unwrap().expect("a free lease");
    assert_eq!((generation, previous), (1, None));
    assert!(other.try_acquire().unwrap().is_none(), "the lease is held");
    let empty = store.load(now()).unwrap();
    assert!(store.is_fresh());
    assert!(empty.tickets.is_empty());

    // The first save writes everything.
    let mut state = fixture();
    assert!(store.save(&state, now()).unwrap() > 0);
    assert_eq!(
        pg.sql("SELECT count(*) FROM slavakt_ledger"),
        state.ledger.entries.len().to_string()
    );
    // A quiet save writes nothing.
    assert_eq!(store.save(&state, now()).unwrap(), 0);

    // One entry settles and one ticket changes: exactly those rows, in one transaction.
    let key = "1001/kritisk_every/2/sms/+4790000101";
    let before = pg.sql("SELECT xmin::text FROM slavakt_ledger ORDER BY key");
    state.ledger.entries.get_mut(key).unwrap().status = DeliveryStatus::Delivered;
    state
        .tickets
        .get_mut(&1001)
        .unwrap()
        .subject
        .push_str(" (oppdatert)");
    state.touch_ticket(1001);
    assert!(store.save(&state, now()).unwrap() > 0);
    let after = pg.sql("SELECT xmin::text FROM slavakt_ledger ORDER BY key");
    let changed: Vec<_> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "only the settled entry was rewritten");
    let ticket_tx = pg.sql("SELECT xmin::text FROM slavakt_tickets WHERE id = 1001");
    assert_eq!(
        ticket_tx, changed[0].1,
        "ticket and entry in one transaction"
    );
    assert_eq!(
        pg.sql(&format!(
            "SELECT status, generation FROM slavakt_ledger WHERE key = '{key}'"
        )),
        "delivered|1"
    );

    // Another instance reads exactly what was saved.
    let mut back = other.read_only().unwrap().expect("a saved state");
    back.saved_at = state.saved_at;
    assert_eq!(back, state);
}

#[test]
fn a_leader_whose_lease_was_taken_over_cannot_save_a_claim() {
    let Some(pg) = Pg::start() else { return };
    // Long leases: the renewals (every 20 s) stay out of the way of the staged expiry below.
    let a = connect(&pg, 60);
    let b = connect(&pg, 60);
    assert!(a.try_acquire().unwrap().is_some());
    a.load(now()).unwrap();
    let mut state = fixture();
    a.save(&state, now()).unwrap();

    // A is "paused past its lease": the lease runs out while its session stays open.
    pg.sql("UPDATE slavakt_leader SET expires_at = now() - interval '1 second'");
    let (generation, previous) = b.try_acquire().unwrap().expect("an expired lease is free");
    assert_eq!(generation, 2);
    assert!(
        previous.is_some_and(|p| p.contains(':')),
        "previous holder named"
    );
    let taken = b.load(now()).unwrap();
    assert!(
        !b.healed().is_empty(),
        "the old leader's in-flight entry is healed"
    );

    // A resumes and claims a pending entry (in flight) before sending: refused, nothing written.
    let key = "1001/kritisk_every/2/sms/+4790000101";
    state.ledger.entries.get_mut(key).unwrap().status = DeliveryStatus::InFlight;
    match a.save(&state, now()) {
        Err(StateError::Fenced { mine, current }) => assert_eq!((mine, current), (1, 2)),
        other => panic!("expected a fenced save, got {other:?}"),
    }
    assert_eq!(a.role(), Role::Standby);
    assert!(a
        .take_lost()
        .is_some_and(|why| why.contains("generation 2")));
    assert!(matches!(a.save(&state, now()), Err(StateError::NotLeader)));
    assert_eq!(
        pg.sql(&format!(
            "SELECT status FROM slavakt_ledger WHERE key = '{key}'"
        )),
        "pending"
    );
    // The new leader saves.
    let mut taken = taken;
    taken.ledger.entries.get_mut(key).unwrap().status = DeliveryStatus::Delivered;
    b.save(&taken, now()).unwrap();
    assert_eq!(
        pg.sql(&format!(
            "SELECT status, generation FROM slavakt_ledger WHERE key = '{key}'"
        )),
        "delivered|2"
    );
}

#[test]
fn a_dead_leader_session_frees_the_lease_before_it_expires() {
    let Some(pg) = Pg::start() else { return };
    let a = connect(&pg, 300);
    let b = connect(&pg, 300);
    assert!(a.try_acquire().unwrap().is_some());
    assert!(b.try_acquire().unwrap().is_none());
    // The leader's process dies: the server sees its session end (a machine that vanishes
    // leaves the session until TCP gives up; then only the lease's expiry helps).
    pg.superuser_sql_in(
        "slavakt",
        "SELECT pg_terminate_backend(holder_pid) FROM slavakt_leader WHERE holder_pid IS NOT NULL",
    );
    ha_support::wait_for(
        "the standby to take over",
        std::time::Duration::from_secs(10),
        || b.try_acquire().unwrap().is_some(),
    );
    assert_eq!(pg.leader().0, 2);
    // A clean stop releases: the other takes over at once.
    b.release().unwrap();
    assert_eq!(a.try_acquire().unwrap(), Some((3, None)));
}

fn slavakt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_slavakt"))
        .args(args)
        .output()
        .unwrap()
}

fn pg_config(dir: &Path, url: &str) -> std::path::PathBuf {
    let file = ops_support::write_config(dir, &dir.join("state.json"), "nb");
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&format!(
        "\n[state]\nbackend = \"postgres\"\nurl_file = \"{}\"\nlease = \"5s\"\n",
        dir.join("db-url").display()
    ));
    std::fs::write(dir.join("db-url"), format!("{url}\n")).unwrap();
    let path = dir.join("pg.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn export_and_import_move_the_state_between_file_and_database() {
    let Some(pg) = Pg::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file_config = ops_support::write_config(dir.path(), &dir.path().join("state.json"), "nb");
    std::fs::write(dir.path().join("state.json"), V1).unwrap();
    let db_config = pg_config(dir.path(), &pg.url());
    let (fc, dc) = (file_config.to_str().unwrap(), db_config.to_str().unwrap());
    let export = dir.path().join("export.json");

    let out = slavakt(&["check-config", "--config", dc]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "PostgreSQL postgresql://slavakt@127.0.0.1:{}/slavakt",
            pg.port
        )),
        "{text}"
    );

    let out = slavakt(&[
        "state",
        "export",
        "--config",
        fc,
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = slavakt(&["state", "import", "--config", dc, export.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Importing over a state needs --replace.
    let out = slavakt(&["state", "import", "--config", dc, export.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--replace"));

    let out = slavakt(&["state", "export", "--config", dc]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut from_db = slavakt::state::decode_snapshot(&out.stdout).unwrap();
    let from_file = fixture();
    from_db.saved_at = from_file.saved_at;
    assert_eq!(from_db, from_file);

    // `status` reads the database and says nobody leads.
    let out = slavakt(&["status", "--config", dc]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Aktiv instans: ingen (generasjon 0)"),
        "{text}"
    );
    // While an instance leads, import is refused.
    let leader = connect(&pg, 60);
    leader.try_acquire().unwrap().unwrap();
    let out = slavakt(&[
        "state",
        "import",
        "--config",
        dc,
        "--replace",
        export.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stop every instance"));
}

#[test]
fn the_password_never_appears_in_a_message() {
    let Some(pg) = Pg::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    // Nothing listens on this port: connecting fails, and the error names the database.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bad = format!("postgresql://slavakt:{PASSWORD}@127.0.0.1:{closed}/slavakt");
    let config = pg_config(dir.path(), &bad);
    let out = slavakt(&["status", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        all.contains(&format!("postgresql://slavakt@127.0.0.1:{closed}/slavakt")),
        "{all}"
    );
    assert!(!all.contains(PASSWORD), "password leaked: {all}");
    // A wrong password for a database that asks for one: the server's refusal, scrubbed too.
    pg.superuser_sql("ALTER ROLE slavakt PASSWORD 'noe-annet'");
    let refused = PgStore::connect(&Secret::new(pg.url()), lease(5)).unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("password authentication failed"),
        "{refused}"
    );
    assert!(!refused.to_string().contains(PASSWORD), "{refused}");
    // An unparsable string in the config: the message does not quote it.
    std::fs::write(
        dir.path().join("db-url"),
        format!("postgresql://slavakt:{PASSWORD}@[::1/x\n"),
    )
    .unwrap();
    let out = slavakt(&["check-config", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("state.url"), "{all}");
    assert!(!all.contains(PASSWORD), "password leaked: {all}");
}
