//! The statements: load, the fenced save, import, and the lease (take, renew, release, read).
//!
//! Fencing: every save is one transaction whose first statement renews the lease *only if* the
//! generation this instance holds is still the current one (`UPDATE slavakt_leader … WHERE
//! generation = $gen`). No row → the transaction is rolled back and nothing is written, so an
//! old leader that was paused and resumed cannot record a claim (an entry in flight) and hence
//! never sends. The row lock it takes also orders the save against a takeover: a standby's
//! takeover waits for a save in progress, and loads what it committed.
//!
//! Lease times are the database's clock (`now()`), so the machines' clocks need not agree.

use super::conn::{Acquired, DbError, LeaderRow, Outcome};
use super::rows::{Loaded, Rows};
use std::time::Duration;
use tokio_postgres::{Client, IsolationLevel, Transaction};

pub(crate) async fn load(c: &mut Client) -> Result<Loaded, Outcome> {
    let tx = c
        .build_transaction()
        .isolation_level(IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .await?;
    let mut out = Loaded::default();
    for r in tx
        .query("SELECT body::text FROM slavakt_tickets ORDER BY id", &[])
        .await?
    {
        out.tickets.push(r.get(0));
    }
    for r in tx
        .query("SELECT key, body::text FROM slavakt_ledger", &[])
        .await?
    {
        out.ledger.push((r.get(0), r.get(1)));
    }
    for r in tx
        .query("SELECT kind, key, body::text FROM slavakt_records", &[])
        .await?
    {
        out.records.push((r.get(0), r.get(1), r.get(2)));
    }
    for r in tx
        .query("SELECT name, body::text FROM slavakt_meta", &[])
        .await?
    {
        out.meta.push((r.get(0), r.get(1)));
    }
    tx.commit().await?;
    Ok(out)
}

pub(crate) async fn save(
    c: &mut Client,
    rows: &Rows,
    generation: u64,
    lease: Duration,
) -> Result<(), Outcome> {
    let tx = c.transaction().await?;
    let gen = generation as i64;
    let fenced = tx
        .execute(
            "UPDATE slavakt_leader SET renewed_at = now(), expires_at = now() + make_interval(secs => $2), \
             holder_pid = pg_backend_pid() WHERE id = 1 AND generation = $1",
            &[&gen, &lease.as_secs_f64()],
        )
        .await?
        == 0;
    if fenced {
        let current: i64 = tx
            .query_one("SELECT generation FROM slavakt_leader WHERE id = 1", &[])
            .await?
            .get(0);
        tx.rollback().await?;
        return Err(Outcome::Refused(DbError::Fenced {
            mine: generation,
            current: current as u64,
        }));
    }
    write(&tx, rows, gen).await?;
    tx.commit().await?;
    Ok(())
}

pub(crate) async fn import(c: &mut Client, rows: &Rows, replace: bool) -> Result<(), Outcome> {
    let tx = c.transaction().await?;
    let row = tx
        .query_one(
            "SELECT holder, coalesce(expires_at > now(), false), generation FROM slavakt_leader WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await?;
    let (holder, live, gen): (Option<String>, bool, i64) = (row.get(0), row.get(1), row.get(2));
    if let (Some(h), true) = (&holder, live) {
        return Err(Outcome::Refused(DbError::Refused(format!(
            "slavakt instance {h} leads on this database (generation {gen}); stop every instance \
             (systemctl stop slavakt on each machine) before importing"
        ))));
    }
    let saved = tx
        .query_opt("SELECT 1 FROM slavakt_meta WHERE name = 'saved_at'", &[])
        .await?
        .is_some();
    if saved && !replace {
        return Err(Outcome::Refused(DbError::Refused(
            "the database already holds a slavakt state; export it first if it matters, then \
             import with --replace to overwrite it"
                .into(),
        )));
    }
    write(&tx, rows, gen).await?;
    tx.commit().await?;
    Ok(())
}

/// Applies `rows` inside `tx`: one statement per table and kind of change (arrays, not one
/// round trip per record).
async fn write(
    tx: &Transaction<'_>,
    rows: &Rows,
    generation: i64,
) -> Result<(), tokio_postgres::Error> {
    if rows.full {
        tx.batch_execute(
            "DELETE FROM slavakt_tickets; DELETE FROM slavakt_ledger; \
             DELETE FROM slavakt_records; DELETE FROM slavakt_meta;",
        )
        .await?;
    }
    if !rows.tickets_del.is_empty() {
        tx.execute(
            "DELETE FROM slavakt_tickets WHERE id = ANY($1)",
            &[&rows.tickets_del],
        )
        .await?;
    }
    if !rows.tickets_put.0.is_empty() {
        tx.execute(
            "INSERT INTO slavakt_tickets (id, body) \
             SELECT u.id, u.body::jsonb FROM unnest($1::bigint[], $2::text[]) AS u(id, body) \
             ON CONFLICT (id) DO UPDATE SET body = EXCLUDED.body",
            &[&rows.tickets_put.0, &rows.tickets_put.1],
        )
        .await?;
    }
    if !rows.ledger_del.is_empty() {
        tx.execute(
            "DELETE FROM slavakt_ledger WHERE key = ANY($1)",
            &[&rows.ledger_del],
        )
        .await?;
    }
    if !rows.ledger_put.0.is_empty() {
        let (k, t, s, b) = &rows.ledger_put;
        tx.execute(
            "INSERT INTO slavakt_ledger (key, ticket, status, generation, body) \
             SELECT u.key, u.ticket, u.status, $5, u.body::jsonb \
             FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(key, ticket, status, body) \
             ON CONFLICT (key) DO UPDATE SET ticket = EXCLUDED.ticket, status = EXCLUDED.status, \
             generation = EXCLUDED.generation, body = EXCLUDED.body",
            &[k, t, s, b, &generation],
        )
        .await?;
    }
    if !rows.records_del.0.is_empty() {
        tx.execute(
            "DELETE FROM slavakt_records r USING unnest($1::text[], $2::text[]) AS d(kind, key) \
             WHERE r.kind = d.kind AND r.key = d.key",
            &[&rows.records_del.0, &rows.records_del.1],
        )
        .await?;
    }
    if !rows.records_put.0.is_empty() {
        let (k, key, b) = &rows.records_put;
        tx.execute(
            "INSERT INTO slavakt_records (kind, key, body) \
             SELECT u.kind, u.key, u.body::jsonb FROM unnest($1::text[], $2::text[], $3::text[]) AS u(kind, key, body) \
             ON CONFLICT (kind, key) DO UPDATE SET body = EXCLUDED.body",
            &[k, key, b],
        )
        .await?;
    }
    if !rows.meta_put.0.is_empty() {
        tx.execute(
            "INSERT INTO slavakt_meta (name, body) \
             SELECT u.name, u.body::jsonb FROM unnest($1::text[], $2::text[]) AS u(name, body) \
             ON CONFLICT (name) DO UPDATE SET body = EXCLUDED.body",
            &[&rows.meta_put.0, &rows.meta_put.1],
        )
        .await?;
    }
    Ok(())
}

/// Takes the lease if it is free: never taken, released, expired, or its holder's database
/// session is gone (a dead process: its connection closed, so a standby need not wait out the
/// lease). A new generation every time.
pub(crate) async fn acquire(
    c: &mut Client,
    me: &str,
    lease: Duration,
) -> Result<Option<Acquired>, Outcome> {
    let tx = c.transaction().await?;
    let row = tx
        .query_one(
            "SELECT generation, holder, holder_pid, coalesce(expires_at > now(), false) \
             FROM slavakt_leader WHERE id = 1 FOR UPDATE",
            &[],
        )
        .await?;
    let (gen, holder, pid, live): (i64, Option<String>, Option<i32>, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3));
    let session_alive = match pid {
        Some(pid) => tx
            .query_opt("SELECT 1 FROM pg_stat_activity WHERE pid = $1", &[&pid])
            .await?
            .is_some(),
        None => false,
    };
    if holder.is_some() && live && session_alive {
        tx.rollback().await?;
        return Ok(None);
    }
    let new: i64 = tx
        .query_one(
            "UPDATE slavakt_leader SET generation = generation + 1, holder = $1, holder_pid = pg_backend_pid(), \
             acquired_at = now(), renewed_at = now(), expires_at = now() + make_interval(secs => $2) \
             WHERE id = 1 RETURNING generation",
            &[&me, &lease.as_secs_f64()],
        )
        .await?
        .get(0);
    tx.commit().await?;
    debug_assert_eq!(new, gen + 1);
    Ok(Some(Acquired {
        generation: new as u64,
        previous: holder,
    }))
}

/// Extends the lease; `false` when the generation is no longer current (taken over).
pub(crate) async fn renew(
    c: &mut Client,
    generation: u64,
    lease: Duration,
) -> Result<bool, Outcome> {
    let n = c
        .execute(
            "UPDATE slavakt_leader SET renewed_at = now(), expires_at = now() + make_interval(secs => $2), \
             holder_pid = pg_backend_pid() WHERE id = 1 AND generation = $1",
            &[&(generation as i64), &lease.as_secs_f64()],
        )
        .await?;
    Ok(n == 1)
}

/// Gives the lease up (a clean stop): a standby takes over at its next check.
pub(crate) async fn release(c: &mut Client, generation: u64) -> Result<(), Outcome> {
    c.execute(
        "UPDATE slavakt_leader SET holder = NULL, holder_pid = NULL, expires_at = now() \
         WHERE id = 1 AND generation = $1",
        &[&(generation as i64)],
    )
    .await?;
    Ok(())
}

pub(crate) async fn info(c: &mut Client) -> Result<LeaderRow, Outcome> {
    let row = c
        .query_one(
            "SELECT generation, holder, coalesce(expires_at > now(), false), \
             extract(epoch FROM now() - renewed_at)::float8 FROM slavakt_leader WHERE id = 1",
            &[],
        )
        .await?;
    let gen: i64 = row.get(0);
    Ok(LeaderRow {
        generation: gen as u64,
        holder: row.get(1),
        live: row.get(2),
        renewed_secs_ago: row.get(3),
    })
}
