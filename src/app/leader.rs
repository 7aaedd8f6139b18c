//! Leadership under the PostgreSQL backend: which of the instances on one database polls, plans
//! and sends. Each cycle starts here ([`Daemon::lead`]): a leader checks that its lease still
//! holds (the database thread renews it, and a fenced save ends it); a standby tries to take it.
//!
//! Taking the lease loads the state from the database — entries the old leader left in flight
//! are healed and sent again, exactly as after a restart — and, when the old leader did not
//! release the lease (it died, froze or lost the database), logs a WARN and mails `[alerts] to`.
//! Losing it drops the in-memory state at once: a standby holds nothing that could be sent. The
//! database itself refuses any save from an older generation, so even a leader that has not yet
//! noticed its loss cannot record a claim, and without a recorded claim the outbox sends nothing.
//! With the file backend every call here is a no-op and the daemon always leads.

use super::alert_words::{self, Alert};
use super::{alerts, wiring, Daemon};
use crate::state::postgres::{instance_name, Role};
use crate::state::State;
use crate::status_view::HaView;
use chrono::{DateTime, Utc};

/// How often a standby checks the lease, as a share of the lease (a fifth: a dead leader's
/// lease is noticed within 1.2 × lease at worst).
const CHECKS_PER_LEASE: u32 = 5;

impl Daemon {
    /// Whether this cycle may go ahead (this instance leads). Takes or drops the lease's state
    /// as needed. Always `true` with the file backend.
    pub(super) fn lead(&mut self, now: DateTime<Utc>) -> bool {
        let Some(pg) = self.store.postgres() else {
            return true;
        };
        let role = pg.role();
        if let Some(generation) = self.leading {
            if role == (Role::Leader { generation }) {
                return true;
            }
            let why = pg
                .take_lost()
                .unwrap_or_else(|| "the lease was given up".into());
            self.step_down(generation, &why);
            return false;
        }
        match pg.try_acquire() {
            Ok(Some((generation, previous))) => self.take_over(generation, previous, now),
            Ok(None) => {
                self.standing_by(None);
                false
            }
            Err(e) => {
                self.standing_by(Some(e.to_string()));
                false
            }
        }
    }

    /// The run loop's wait between cycles while standing by (`None` when leading or file-backed).
    pub(super) fn standby_tick(&self) -> Option<std::time::Duration> {
        let pg = self.store.postgres()?;
        if self.leading.is_some() {
            return None;
        }
        Some((pg.lease() / CHECKS_PER_LEASE).max(std::time::Duration::from_millis(100)))
    }

    /// The role, for tests and `status`: `None` with the file backend.
    pub fn role(&self) -> Option<Role> {
        self.store.postgres().map(|_| match self.leading {
            Some(generation) => Role::Leader { generation },
            None => Role::Standby,
        })
    }

    /// Clean stop: hands the lease over (a standby takes over at its next check).
    pub(super) fn release_lease(&mut self) {
        let Some(pg) = self.store.postgres() else {
            return;
        };
        if self.leading.take().is_some() {
            match pg.release() {
                Ok(()) => tracing::info!("lease released: a standby takes over at its next check"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not release the lease; it expires by itself")
                }
            }
        }
    }

    fn take_over(&mut self, generation: u64, previous: Option<String>, now: DateTime<Utc>) -> bool {
        let Some(pg) = self.store.postgres() else {
            return true;
        };
        let mut state = match pg.load(now) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, generation, "took the lease but cannot read the state; giving it back");
                let _ = pg.release();
                self.standing_by(Some(e.to_string()));
                return false;
            }
        };
        for healed in pg.healed() {
            tracing::warn!(entry = %healed, "delivery was in flight when the last leader stopped; it will be sent again");
        }
        let fresh = pg.is_fresh();
        let target = pg.target().to_string();
        if fresh {
            tracing::info!(database = %target, "no state in the database yet: first start");
            crate::report::scheduled::skip_past_periods(&mut state, &self.config, now);
        }
        match wiring::build(
            &self.config,
            self.clock.clone(),
            self.client_options.clone(),
        ) {
            // A fresh poller and outbox: nothing from before (a poll started for another state)
            // is applied to this one.
            Ok((source, outbox)) => {
                self.poller.replace(source);
                self.outbox = outbox;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot rebuild the channels; keeping the ones built at start")
            }
        }
        self.state = state;
        self.leading = Some(generation);
        self.standby_error = None;
        self.plan_index.clear();
        self.housekeeping_at = None;
        self.save_failures = 0;
        self.save_failing_since = None;
        self.save_retry_at = None;
        self.dirty = fresh;
        let me = instance_name();
        self.http.metrics.took_over();
        self.http.set_ha(
            HaView {
                role: "leader",
                generation,
                instance: me.clone(),
            },
            None,
        );
        match previous {
            Some(prev) => {
                tracing::warn!(generation, previous = %prev, database = %target,
                    "took over as leader: the previous leader stopped renewing its lease (died, froze or lost the database)");
                let (subject, body) = alert_words::text(
                    self.config.daemon.language,
                    &Alert::Takeover {
                        me: &me,
                        generation,
                        prev: &prev,
                    },
                );
                let occurrence = u32::try_from(generation).unwrap_or(u32::MAX);
                let items =
                    alerts::alert(&self.config, "takeover", occurrence, &subject, &body, now);
                self.state.ledger.issue_rendered(items, now);
                self.dirty = true;
            }
            None => tracing::info!(generation, database = %target, "leading (lease taken)"),
        }
        self.http.publish(&self.state, now);
        true
    }

    fn step_down(&mut self, generation: u64, why: &str) {
        tracing::warn!(generation, reason = %why, "no longer the leader: standing by; nothing more is sent from here");
        self.leading = None;
        self.state = State::default();
        self.plan_index.clear();
        self.dirty = false;
        self.save_failures = 0;
        self.save_failing_since = None;
        self.save_retry_at = None;
        // Abandon a poll in progress: its result belongs to the state just dropped.
        if let Ok((source, outbox)) = wiring::build(
            &self.config,
            self.clock.clone(),
            self.client_options.clone(),
        ) {
            self.poller.replace(source);
            self.outbox = outbox;
        }
        self.publish_standby(generation, None);
    }

    fn standing_by(&mut self, problem: Option<String>) {
        if problem != self.standby_error {
            match &problem {
                Some(p) => tracing::error!(error = %p, "standby cannot reach the state database"),
                None if self.standby_error.is_some() => {
                    tracing::info!("standby reaches the state database again")
                }
                None => {}
            }
            self.standby_error = problem.clone();
        }
        let generation = self
            .store
            .postgres()
            .and_then(|pg| pg.leader().ok())
            .map(|l| l.generation)
            .unwrap_or(0);
        self.publish_standby(generation, problem);
    }

    fn publish_standby(&mut self, generation: u64, problem: Option<String>) {
        self.http.set_ha(
            HaView {
                role: "standby",
                generation,
                instance: instance_name(),
            },
            problem,
        );
        let now = self.clock.now();
        self.http.publish(&self.state, now);
    }
}
