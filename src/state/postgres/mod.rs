//! The PostgreSQL state backend (`[state] backend = "postgres"`), with leadership for two or more
//! instances on one database (`docs/HA.md`).
//!
//! Same contract as the file [`Store`](super::Store): `save` durably records what changed since
//! the last save (the same [`Shadow`] diff finds it: one transaction of upserts and deletes per
//! save, nothing when nothing changed), `Ok` only once committed. On top of it, the lease: one
//! instance holds it and leads (polls, plans, sends); every save carries its generation and the
//! database refuses a save from an older one (`sql.rs`), so an instance that lost the lease while
//! paused cannot record a claim, and so cannot send. The state is loaded when the lease is taken,
//! never before: a standby holds nothing.
//!
//! - `conn.rs`: the database thread (connection, deadlines, lease renewal).
//! - `sql.rs`: the statements, fencing included.
//! - `rows.rs`: the state as rows. `schema.rs`: the tables and their migrations.

mod conn;
mod rows;
mod schema;
mod sql;

pub use conn::LeaderRow;

use super::journal::Shadow;
use super::{heal, Health, State, StateError, HEALTH_EVERY};
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use conn::{DbError, LeaseState, Op};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Checks a connection string without connecting: it parses, names a host, and asks for no TLS
/// (not supported yet). The message never contains the string itself.
pub fn check_url(url: &Secret) -> Result<(), String> {
    parse(url).map(|_| ())
}

fn parse(url: &Secret) -> Result<tokio_postgres::Config, String> {
    let config: tokio_postgres::Config =
        url.expose().parse().map_err(|e: tokio_postgres::Error| {
            // The driver's message may quote a piece of the string: scrub the whole and, when
            // the URL form parses that far, the password alone.
            let password = url::Url::parse(url.expose())
                .ok()
                .and_then(|u| u.password().map(|p| Secret::new(p.to_string())));
            let mut secrets = vec![url];
            secrets.extend(password.as_ref());
            crate::secret::scrub(
                &format!("is not a PostgreSQL connection string: {e}"),
                &secrets,
            )
        })?;
    if config.get_hosts().is_empty() {
        return Err(
            "names no host; add one, e.g. postgresql://slavakt@db.kommune.example/slavakt".into(),
        );
    }
    if config.get_ssl_mode() == tokio_postgres::config::SslMode::Require {
        return Err(
            "asks for TLS (sslmode=require), which slavakt does not support yet; connect over \
             loopback or a private network (see docs/HA.md)"
                .into(),
        );
    }
    Ok(config)
}

/// The connection string without the password, for logs and messages:
/// `postgresql://slavakt@db.kommune.example:5432/slavakt`.
pub fn describe(url: &Secret) -> String {
    let Ok(c) = parse(url) else {
        return "postgresql://(invalid connection string)".into();
    };
    let host = match c.get_hosts().first() {
        Some(tokio_postgres::config::Host::Tcp(h)) => h.clone(),
        Some(tokio_postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => String::new(),
    };
    let port = c.get_ports().first().copied().unwrap_or(5432);
    format!(
        "postgresql://{}@{host}:{port}/{}",
        c.get_user().unwrap_or(""),
        c.get_dbname().unwrap_or("")
    )
}

/// This instance's name in the leader row: `host:pid`.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}

/// This instance's role, as `/healthz`, the status page, the metrics and the logs show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    Leader { generation: u64 },
    Standby,
}

/// An open connection to the state database.
pub struct PgStore {
    tx: Mutex<mpsc::Sender<Op>>,
    lease_state: Arc<Mutex<LeaseState>>,
    target: String,
    lease: Duration,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    shadow: Shadow,
    health_at: Option<DateTime<Utc>>,
    /// The next save rewrites every table (first save, or the last save failed).
    must_full: bool,
    touch_mark: u64,
    fresh: bool,
    healed: Vec<String>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .finish()
    }
}

impl PgStore {
    /// Connects (lazily: the first request does) and brings the schema up to date. A database
    /// that cannot be reached or migrated is an error: start-up stops, systemd retries.
    pub fn connect(url: &Secret, lease: chrono::Duration) -> Result<PgStore, StateError> {
        let target = describe(url);
        let config = parse(url).map_err(|e| db_error(&target, "use", e))?;
        let lease = lease.to_std().unwrap_or(Duration::from_secs(15));
        let config = {
            let mut c = config;
            // A leader frozen in the middle of a save would hold the lease row's lock for as
            // long as it is frozen, and no standby could take over: the server ends a session
            // idle inside a transaction once the lease would have run out. Waiting for a lock
            // never outlasts a request's deadline.
            let expiry_ms = (lease * 2 / 3).as_millis().max(500);
            let wait_ms = (lease / 2).max(Duration::from_secs(2)).as_millis();
            c.application_name("slavakt")
                .options(format!(
                    "-c idle_in_transaction_session_timeout={expiry_ms} -c lock_timeout={wait_ms}"
                ))
                .keepalives(true)
                .keepalives_idle(Duration::from_secs(10));
            c
        };
        let lease_state = Arc::new(Mutex::new(LeaseState::default()));
        let tx = conn::spawn(
            conn::Settings {
                config,
                password: password_of(url),
                lease,
                me: instance_name(),
            },
            lease_state.clone(),
        )
        .map_err(|e| db_error(&target, "start the database thread for", e.to_string()))?;
        let store = PgStore {
            tx: Mutex::new(tx),
            lease_state,
            target,
            lease,
            inner: Mutex::new(Inner::default()),
        };
        let applied = store
            .ask(Op::Migrate)
            .map_err(|e| store.error("migrate", e))?;
        if !applied.is_empty() {
            tracing::info!(database = %store.target, versions = ?applied, "database schema migrated");
        }
        Ok(store)
    }

    /// `postgresql://user@host:port/db` (no password).
    pub fn target(&self) -> &str {
        &self.target
    }

    pub fn lease(&self) -> Duration {
        self.lease
    }

    fn ask<T>(
        &self,
        op: impl FnOnce(mpsc::Sender<Result<T, DbError>>) -> Op,
    ) -> Result<T, DbError> {
        let (reply, answer) = mpsc::channel();
        self.tx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(op(reply))
            .map_err(|_| DbError::Failed("the database thread has stopped".into()))?;
        answer
            .recv()
            .unwrap_or_else(|_| Err(DbError::Failed("the database thread has stopped".into())))
    }

    fn error(&self, action: &'static str, e: DbError) -> StateError {
        match e {
            DbError::Fenced { mine, current } => StateError::Fenced { mine, current },
            other => db_error(&self.target, action, other.to_string()),
        }
    }

    fn lease_state(&self) -> std::sync::MutexGuard<'_, LeaseState> {
        self.lease_state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This instance's role now.
    pub fn role(&self) -> Role {
        match self.lease_state().leading {
            Some(generation) => Role::Leader { generation },
            None => Role::Standby,
        }
    }

    /// Why leadership ended since the last call (lost lease, fenced save), once.
    pub fn take_lost(&self) -> Option<String> {
        self.lease_state().lost.take()
    }

    /// The last database error, until a request succeeds again.
    pub fn last_error(&self) -> Option<String> {
        self.lease_state().last_error.clone()
    }

    /// Takes the lease if free. `Some((generation, previous holder))` when this instance now
    /// leads; then [`PgStore::load`] the state before doing anything.
    pub fn try_acquire(&self) -> Result<Option<(u64, Option<String>)>, StateError> {
        self.ask(Op::Acquire)
            .map(|a| a.map(|a| (a.generation, a.previous)))
            .map_err(|e| self.error("take the lease on", e))
    }

    /// Gives the lease up (clean stop); a standby takes over at its next check.
    pub fn release(&self) -> Result<(), StateError> {
        self.ask(Op::Release)
            .map_err(|e| self.error("release the lease on", e))
    }

    /// The leader row (for `status` and the logs).
    pub fn leader(&self) -> Result<LeaderRow, StateError> {
        self.ask(Op::Info)
            .map_err(|e| self.error("read the leader row of", e))
    }

    /// Reads the state for the instance that just took the lease: heals entries that were in
    /// flight when the last leader stopped (they are sent again, as after a restart), and makes
    /// the next save's diff start from what is in the database.
    pub fn load(&self, now: DateTime<Utc>) -> Result<State, StateError> {
        let loaded = self.ask(Op::Load).map_err(|e| self.error("read", e))?;
        let fresh = loaded.is_empty();
        let mut state = loaded
            .into_state()
            .map_err(|e| db_error(&self.target, "read", e))?;
        state.ledger.slim_settled();
        let healed = heal::heal_in_flight(&mut state, now);
        let mut inner = self.inner();
        *inner = Inner {
            shadow: Shadow::of(&state),
            health_at: None,
            must_full: fresh,
            touch_mark: state.touched.since(0).1,
            fresh,
            healed,
        };
        Ok(state)
    }

    /// Reads the state without the lease and without changing anything (`status`, `export`).
    pub fn read_only(&self) -> Result<Option<State>, StateError> {
        let loaded = self.ask(Op::Load).map_err(|e| self.error("read", e))?;
        if loaded.is_empty() {
            return Ok(None);
        }
        loaded
            .into_state()
            .map(Some)
            .map_err(|e| db_error(&self.target, "read", e))
    }

    /// Writes a whole state into a database no instance leads (`slavakt state import`).
    pub fn import(
        &self,
        state: &State,
        replace: bool,
        now: DateTime<Utc>,
    ) -> Result<u64, StateError> {
        let rows = rows::full(state, now).map_err(|e| db_error(&self.target, "import into", e))?;
        let bytes = rows.bytes();
        self.ask(|r| Op::Import(rows, replace, r))
            .map_err(|e| self.error("import into", e))?;
        Ok(bytes)
    }

    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_fresh(&self) -> bool {
        self.inner().fresh
    }

    pub fn healed(&self) -> Vec<String> {
        self.inner().healed.clone()
    }

    /// As [`Store::health_due`](super::Store::health_due).
    pub fn health_due(&self, health: &Health, now: DateTime<Utc>) -> bool {
        let inner = self.inner();
        inner.shadow.health_differs(health)
            && !inner.health_at.is_some_and(|at| now - at < HEALTH_EVERY)
    }

    /// Records what changed since the last save in one transaction, fenced by this instance's
    /// generation; nothing when nothing changed. Refused with [`StateError::Fenced`] once another
    /// instance leads, and with [`StateError::NotLeader`] while this one does not. Returns the
    /// bytes of JSON written.
    pub fn save(&self, state: &State, now: DateTime<Utc>) -> Result<u64, StateError> {
        let Role::Leader { generation } = self.role() else {
            return Err(StateError::NotLeader);
        };
        let mut inner = self.inner();
        let (touched, mark) = state.touched.since(inner.touch_mark);
        let health_due = !inner.health_at.is_some_and(|at| now - at < HEALTH_EVERY);
        let rows = if inner.must_full {
            inner.shadow = Shadow::of(state);
            rows::full(state, now)
        } else {
            let line = inner.shadow.changes(state, &touched, 0, now, health_due);
            if line.is_empty() {
                inner.touch_mark = mark;
                return Ok(0);
            }
            rows::from_changes(&line)
        };
        let rows = match rows {
            Ok(r) => r,
            Err(e) => {
                inner.must_full = true;
                return Err(db_error(&self.target, "save to", e));
            }
        };
        let wrote_health = rows.full || rows.meta_put.0.iter().any(|n| n == "health");
        let bytes = rows.bytes();
        match self.ask(|r| Op::Save(rows, generation, r)) {
            Ok(()) => {
                inner.must_full = false;
                inner.touch_mark = mark;
                if wrote_health {
                    inner.health_at = Some(now);
                }
                Ok(bytes)
            }
            Err(e) => {
                // The shadow already counts the rows as written: only a full write is safe now.
                inner.must_full = true;
                Err(self.error("save to", e))
            }
        }
    }
}

fn password_of(url: &Secret) -> Option<Secret> {
    let c: tokio_postgres::Config = url.expose().parse().ok()?;
    c.get_password()
        .map(|p| Secret::new(String::from_utf8_lossy(p).into_owned()))
        .filter(|p| !p.is_empty())
}

fn db_error(target: &str, action: &'static str, detail: impl Into<String>) -> StateError {
    StateError::Database {
        action,
        target: target.to_string(),
        detail: detail.into(),
    }
}
