//! The store interface the daemon uses, once for both backends: the file ([`Store`], the
//! default, unchanged) and PostgreSQL ([`PgStore`], with leadership). The calls are the ones
//! `docs/STATE_AND_DELIVERY.md` names — open, save, compact, health_due — and mean the same on
//! both: `save` returns `Ok` only once what changed is durable.

use super::postgres::{PgStore, Role};
use super::{Health, State, StateError, Store};
use crate::config::{Config, StateBackend};
use chrono::{DateTime, Utc};

/// An open state store.
#[derive(Debug)]
pub enum StateStore {
    File(Store),
    Postgres(PgStore),
}

impl StateStore {
    /// Opens the configured backend. File: [`Store::open`]. PostgreSQL: connects and migrates;
    /// the instance starts as a standby with an empty state, and loads the state when it takes
    /// the lease ([`PgStore::try_acquire`], [`PgStore::load`]; the daemon's `app::leader`).
    pub fn open(config: &Config, now: DateTime<Utc>) -> Result<(StateStore, State), StateError> {
        match &config.state.backend {
            StateBackend::File => {
                let (store, state) = Store::open(&config.daemon.state_file, now)?;
                Ok((StateStore::File(store), state))
            }
            StateBackend::Postgres { url } => {
                let pg = PgStore::connect(url, config.state.lease)?;
                Ok((StateStore::Postgres(pg), State::default()))
            }
        }
    }

    /// Opens for reading only: the file without its lock, or the database without the lease.
    /// `None` when nothing was saved yet.
    pub fn read_only(config: &Config) -> Result<Option<State>, StateError> {
        match &config.state.backend {
            StateBackend::File => super::read_only(&config.daemon.state_file),
            StateBackend::Postgres { url } => {
                PgStore::connect(url, config.state.lease)?.read_only()
            }
        }
    }

    pub fn save(&self, state: &State, now: DateTime<Utc>) -> Result<u64, StateError> {
        match self {
            StateStore::File(s) => s.save(state, now),
            StateStore::Postgres(p) => p.save(state, now),
        }
    }

    /// File: a new snapshot. PostgreSQL: a save (the tables need no folding); nothing for a
    /// standby, which holds no state of its own.
    pub fn compact(&self, state: &State, now: DateTime<Utc>) -> Result<u64, StateError> {
        match self {
            StateStore::File(s) => s.compact(state, now),
            StateStore::Postgres(p) if p.role() == Role::Standby => Ok(0),
            StateStore::Postgres(p) => p.save(state, now),
        }
    }

    pub fn health_due(&self, health: &Health, now: DateTime<Utc>) -> bool {
        match self {
            StateStore::File(s) => s.health_due(health, now),
            StateStore::Postgres(p) => p.role() != Role::Standby && p.health_due(health, now),
        }
    }

    pub fn is_fresh(&self) -> bool {
        match self {
            StateStore::File(s) => s.is_fresh(),
            StateStore::Postgres(p) => p.role() != Role::Standby && p.is_fresh(),
        }
    }

    pub fn healed(&self) -> Vec<String> {
        match self {
            StateStore::File(s) => s.healed().to_vec(),
            StateStore::Postgres(p) => p.healed(),
        }
    }

    pub fn dropped_torn_line(&self) -> bool {
        match self {
            StateStore::File(s) => s.dropped_torn_line(),
            StateStore::Postgres(_) => false,
        }
    }

    /// Where the state is, for logs: the file's path or the database without its password.
    pub fn describe(&self) -> String {
        match self {
            StateStore::File(s) => s.path().display().to_string(),
            StateStore::Postgres(p) => p.target().to_string(),
        }
    }

    pub fn postgres(&self) -> Option<&PgStore> {
        match self {
            StateStore::Postgres(p) => Some(p),
            StateStore::File(_) => None,
        }
    }
}
