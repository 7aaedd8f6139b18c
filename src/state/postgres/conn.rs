//! The database thread: one connection, owned by one thread with its own small runtime, so the
//! store's calls stay synchronous like the file store's (`save` returns once the transaction is
//! committed) and work from any caller, async or not. Between requests the thread renews the
//! leader's lease every third of `lease`, so a long cycle never lets it lapse.
//!
//! Every request has a deadline; a request that misses it drops the connection (the server rolls
//! back what was open) and the next one reconnects. The password never leaves this module in a
//! message: every error text is scrubbed of it.

use super::rows::{Loaded, Rows};
use crate::secret::Secret;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
// Real time here (the thread's own runtime is never paused), through the one sanctioned Instant.
use tokio::time::Instant;
use tokio_postgres::{Client, NoTls};

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DbError {
    /// The lease moved on: another instance leads with a newer generation. Nothing was written.
    Fenced { mine: u64, current: u64 },
    /// Refused on purpose (e.g. an import while an instance leads); the text says why.
    Refused(String),
    /// The database could not be reached or answered an error (scrubbed text).
    Failed(String),
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DbError::Fenced { mine, current } => write!(
                f,
                "refused by the database: this instance's leadership (generation {mine}) has ended, \
                 another instance leads with generation {current}"
            ),
            DbError::Refused(why) | DbError::Failed(why) => f.write_str(why),
        }
    }
}

/// The leader row as read (for `status`, the logs and the takeover alert).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LeaderRow {
    pub generation: u64,
    pub holder: Option<String>,
    /// Whether the lease is still running (database time).
    pub live: bool,
    /// Seconds since the last renewal (database time).
    pub renewed_secs_ago: Option<f64>,
}

/// A lease just taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Acquired {
    pub generation: u64,
    /// Who held it before, if the lease was not released (a takeover after a failure).
    pub previous: Option<String>,
}

/// What the database thread knows about this instance's leadership, shared with the store.
#[derive(Debug, Clone, Default)]
pub(crate) struct LeaseState {
    /// The generation while this instance leads.
    pub leading: Option<u64>,
    /// Why leadership ended, until the daemon takes note ([`super::PgStore::take_lost`]).
    pub lost: Option<String>,
    /// The last connection or query error, cleared by the next success.
    pub last_error: Option<String>,
}

type Reply<T> = mpsc::Sender<Result<T, DbError>>;

pub(crate) enum Op {
    Migrate(Reply<Vec<usize>>),
    Load(Reply<Loaded>),
    /// Write `rows` in one transaction, fenced by the generation that must still lead.
    Save(Rows, u64, Reply<()>),
    /// Write `rows` (a full state) while no instance leads; `replace` allows a non-empty database.
    Import(Rows, bool, Reply<()>),
    Acquire(Reply<Option<Acquired>>),
    Release(Reply<()>),
    Info(Reply<LeaderRow>),
}

pub(crate) struct Settings {
    pub config: tokio_postgres::Config,
    pub password: Option<Secret>,
    pub lease: Duration,
    /// Who this instance is in the leader row (`host:pid`).
    pub me: String,
}

/// Starts the thread; it ends when the sender is dropped (the lease is released first).
pub(crate) fn spawn(
    settings: Settings,
    shared: Arc<Mutex<LeaseState>>,
) -> std::io::Result<mpsc::Sender<Op>> {
    let (tx, rx) = mpsc::channel::<Op>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name("slavakt-db".into())
        .spawn(move || {
            let mut s = Session {
                renew_every: settings.lease / 3,
                expiry: settings.lease * 2 / 3,
                op_timeout: (settings.lease / 2).max(Duration::from_secs(2)),
                settings,
                shared,
                client: None,
                renewed: None,
                last_renew_try: Instant::now(),
            };
            loop {
                let wait = if s.leading().is_some() {
                    s.renew_every.saturating_sub(s.last_renew_try.elapsed())
                } else {
                    Duration::from_secs(3600)
                };
                match rx.recv_timeout(wait) {
                    Ok(op) => runtime.block_on(s.run(op)),
                    Err(mpsc::RecvTimeoutError::Timeout) => {}
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        if s.leading().is_some() {
                            let _ = runtime.block_on(s.release());
                        }
                        return;
                    }
                }
                if s.leading().is_some() && s.last_renew_try.elapsed() >= s.renew_every {
                    runtime.block_on(s.renew());
                }
            }
        })?;
    Ok(tx)
}

struct Session {
    settings: Settings,
    shared: Arc<Mutex<LeaseState>>,
    client: Option<Client>,
    renew_every: Duration,
    /// How long a renewal keeps the lease in the database: two thirds of `lease`, so a standby
    /// checking every fifth of it takes over within the lease of a leader's last renewal.
    expiry: Duration,
    op_timeout: Duration,
    /// When the lease was last renewed (this machine's clock, for self-fencing).
    renewed: Option<Instant>,
    last_renew_try: Instant,
}

/// Long operations (migrations, a whole state's load or import) get this long.
const LONG_OP: Duration = Duration::from_secs(300);

impl Session {
    fn lease_state(&self) -> std::sync::MutexGuard<'_, LeaseState> {
        self.shared.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn leading(&self) -> Option<u64> {
        self.lease_state().leading
    }

    fn scrub(&self, text: String) -> String {
        match &self.settings.password {
            Some(p) => crate::secret::scrub(&text, &[p]),
            None => text,
        }
    }

    fn fail(&mut self, what: &str, e: impl std::fmt::Display) -> DbError {
        let text = self.scrub(format!("PostgreSQL: cannot {what}: {e}"));
        self.lease_state().last_error = Some(text.clone());
        DbError::Failed(text)
    }

    fn lose(&mut self, why: String) {
        let mut l = self.lease_state();
        if l.leading.take().is_some() {
            l.lost = Some(why);
        }
        drop(l);
        self.renewed = None;
    }

    async fn connect(&mut self) -> Result<(), DbError> {
        if self.client.as_ref().is_some_and(|c| !c.is_closed()) {
            return Ok(());
        }
        self.client = None;
        let mut config = self.settings.config.clone();
        config.connect_timeout(self.op_timeout);
        match tokio::time::timeout(self.op_timeout, config.connect(NoTls)).await {
            Ok(Ok((client, connection))) => {
                tokio::spawn(async move {
                    // Ends when the server or the network closes it; the next request reconnects.
                    let _ = connection.await;
                });
                self.client = Some(client);
                Ok(())
            }
            Ok(Err(e)) => Err(self.fail("connect", describe(&e))),
            Err(_) => Err(self.fail("connect", "no answer in time")),
        }
    }

    /// Runs `f` on a connected client within `limit`; a miss drops the connection. A request
    /// that finds the connection closed (the server restarted, or ended the session) is tried
    /// once more on a new one: every request is idempotent (a save writes the same rows under
    /// the same fence; taking a free lease twice only skips a generation).
    async fn with<T>(
        &mut self,
        what: &str,
        limit: Duration,
        f: impl for<'c> Fn(
            &'c mut Client,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<T, Outcome>> + Send + 'c>,
        >,
    ) -> Result<T, DbError> {
        let mut tries = 0;
        loop {
            tries += 1;
            self.connect().await?;
            let client = self.client.as_mut().expect("connected above");
            let result = tokio::time::timeout(limit, f(client)).await;
            match result {
                Ok(Ok(v)) => {
                    self.lease_state().last_error = None;
                    return Ok(v);
                }
                Ok(Err(Outcome::Db(e))) => {
                    if self.client.as_ref().is_some_and(|c| c.is_closed()) {
                        self.client = None;
                        if tries == 1 {
                            continue;
                        }
                    }
                    return Err(self.fail(what, describe(&e)));
                }
                Ok(Err(Outcome::Refused(e))) => return Err(e),
                Err(_) => {
                    self.client = None;
                    return Err(self.fail(what, format!("no answer within {} s", limit.as_secs())));
                }
            }
        }
    }

    async fn run(&mut self, op: Op) {
        match op {
            Op::Migrate(reply) => {
                let r = self
                    .with("migrate the schema", LONG_OP, |c| {
                        Box::pin(async move {
                            let applied = super::schema::migrate(c).await?;
                            let newest = super::schema::newest(c).await?.unwrap_or(0);
                            if newest as usize > super::schema::STEPS.len() {
                                return Err(Outcome::Refused(DbError::Refused(format!(
                                    "the database has schema version {newest}, written by a newer slavakt \
                                     (this one knows up to {}); run the newer slavakt",
                                    super::schema::STEPS.len()
                                ))));
                            }
                            Ok(applied)
                        })
                    })
                    .await;
                let _ = reply.send(r);
            }
            Op::Load(reply) => {
                let r = self
                    .with("read the state", LONG_OP, |c| Box::pin(super::sql::load(c)))
                    .await;
                let _ = reply.send(r);
            }
            Op::Save(rows, generation, reply) => {
                let lease = self.expiry;
                let limit = self.op_timeout;
                let rows = Arc::new(rows);
                let r = self
                    .with("save the state", limit, move |c| {
                        let rows = rows.clone();
                        Box::pin(async move { super::sql::save(c, &rows, generation, lease).await })
                    })
                    .await;
                match &r {
                    Ok(()) => {
                        self.renewed = Some(Instant::now());
                    }
                    Err(DbError::Fenced { current, .. }) => {
                        self.lose(format!(
                            "the database refused a save: another instance leads with generation {current}"
                        ));
                    }
                    Err(_) => {}
                }
                let _ = reply.send(r);
            }
            Op::Import(rows, replace, reply) => {
                let rows = Arc::new(rows);
                let r = self
                    .with("import the state", LONG_OP, move |c| {
                        let rows = rows.clone();
                        Box::pin(async move { super::sql::import(c, &rows, replace).await })
                    })
                    .await;
                let _ = reply.send(r);
            }
            Op::Acquire(reply) => {
                let (me, lease, limit) = (
                    self.settings.me.clone(),
                    self.settings.lease,
                    self.op_timeout,
                );
                let r = self
                    .with("take the lease", limit, move |c| {
                        let me = me.clone();
                        Box::pin(async move { super::sql::acquire(c, &me, lease).await })
                    })
                    .await;
                if let Ok(Some(a)) = &r {
                    let mut l = self.lease_state();
                    l.leading = Some(a.generation);
                    l.lost = None;
                    drop(l);
                    self.renewed = Some(Instant::now());
                    self.last_renew_try = Instant::now();
                }
                let _ = reply.send(r);
            }
            Op::Release(reply) => {
                let _ = reply.send(self.release().await);
            }
            Op::Info(reply) => {
                let limit = self.op_timeout;
                let r = self
                    .with("read the leader", limit, |c| Box::pin(super::sql::info(c)))
                    .await;
                let _ = reply.send(r);
            }
        }
    }

    async fn release(&mut self) -> Result<(), DbError> {
        let Some(generation) = self.leading() else {
            return Ok(());
        };
        let limit = self.op_timeout;
        let r = self
            .with("release the lease", limit, move |c| {
                Box::pin(super::sql::release(c, generation))
            })
            .await;
        // Released or not, this instance no longer leads (an unreleased lease simply expires).
        self.lease_state().leading = None;
        self.renewed = None;
        r
    }

    async fn renew(&mut self) {
        self.last_renew_try = Instant::now();
        let Some(generation) = self.leading() else {
            return;
        };
        let (lease, limit) = (
            self.settings.lease,
            self.renew_every.max(Duration::from_millis(500)),
        );
        let r = self
            .with("renew the lease", limit, move |c| {
                Box::pin(super::sql::renew(c, generation, lease))
            })
            .await;
        match r {
            Ok(true) => self.renewed = Some(Instant::now()),
            Ok(false) => self.lose(format!(
                "the lease of generation {generation} was taken over by another instance"
            )),
            Err(e) => {
                if !matches!(self.renewed, Some(at) if at.elapsed() < lease) {
                    self.lose(format!(
                        "the lease could not be renewed within {} s: {e}",
                        lease.as_secs()
                    ));
                }
            }
        }
    }
}

/// A driver error in one line: the server's own message for a database error (tokio-postgres
/// shows only "db error"), else the error with its causes.
fn describe(e: &tokio_postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut text = format!("{}: {}", db.severity(), db.message());
        if let Some(detail) = db.detail() {
            text.push_str(&format!(" ({detail})"));
        }
        return text;
    }
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(&format!(": {more}"));
        }
        source = s.source();
    }
    text
}

/// A failed request inside the thread: a database error (scrubbed by [`Session::with`]) or a
/// refusal with its own words.
pub(crate) enum Outcome {
    Db(tokio_postgres::Error),
    Refused(DbError),
}

impl From<tokio_postgres::Error> for Outcome {
    fn from(e: tokio_postgres::Error) -> Self {
        Outcome::Db(e)
    }
}
