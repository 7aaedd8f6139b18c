//! The database schema and its migrations, run by slavakt at start-up.
//!
//! `slavakt_schema` lists the versions applied. Each step runs in one transaction together with
//! its row in that table, under a transaction-level advisory lock, so two instances starting at
//! once apply each step exactly once and a failed step leaves nothing behind. Running them again
//! changes nothing (idempotent). To change the schema: append a step; never edit a released one.

/// Key of the advisory lock that serialises migrations between instances ("slavakt" in ASCII).
const MIGRATION_LOCK: i64 = 0x0073_6c61_7661_6b74;

/// `STEPS[i]` takes the schema to version `i + 1`.
pub(crate) const STEPS: &[&str] = &[
    // 1: the state tables and the leader's lease.
    "CREATE TABLE slavakt_tickets (
         id bigint PRIMARY KEY,
         body jsonb NOT NULL
     );
     CREATE TABLE slavakt_ledger (
         key text PRIMARY KEY,
         ticket bigint NOT NULL,
         status text NOT NULL,
         generation bigint NOT NULL,
         body jsonb NOT NULL
     );
     CREATE INDEX slavakt_ledger_open ON slavakt_ledger (status) WHERE status IN ('pending', 'in_flight');
     CREATE TABLE slavakt_records (
         kind text NOT NULL,
         key text NOT NULL,
         body jsonb NOT NULL,
         PRIMARY KEY (kind, key)
     );
     CREATE TABLE slavakt_meta (
         name text PRIMARY KEY,
         body jsonb NOT NULL
     );
     CREATE TABLE slavakt_leader (
         id smallint PRIMARY KEY CHECK (id = 1),
         generation bigint NOT NULL,
         holder text,
         holder_pid integer,
         acquired_at timestamptz,
         renewed_at timestamptz,
         expires_at timestamptz
     );
     INSERT INTO slavakt_leader (id, generation) VALUES (1, 0);",
];

/// Brings the schema up to date; returns the versions applied now (empty if it was current).
pub(crate) async fn migrate(
    client: &mut tokio_postgres::Client,
) -> Result<Vec<usize>, tokio_postgres::Error> {
    let mut applied = Vec::new();
    for (i, step) in STEPS.iter().enumerate() {
        let version = (i + 1) as i32;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS slavakt_schema (
                 version integer PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await?;
        let done = tx
            .query_opt(
                "SELECT 1 FROM slavakt_schema WHERE version = $1",
                &[&version],
            )
            .await?
            .is_some();
        if !done {
            tx.batch_execute(step).await?;
            tx.execute(
                "INSERT INTO slavakt_schema (version) VALUES ($1)",
                &[&version],
            )
            .await?;
            applied.push(version as usize);
        }
        tx.commit().await?;
    }
    Ok(applied)
}

/// The newest version in the database, to refuse one written by a newer slavakt.
pub(crate) async fn newest(
    client: &tokio_postgres::Client,
) -> Result<Option<i32>, tokio_postgres::Error> {
    let row = client
        .query_one("SELECT max(version) FROM slavakt_schema", &[])
        .await?;
    Ok(row.get(0))
}
