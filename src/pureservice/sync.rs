//! Incremental sync: a pure pager (which query next, what a page means) and an async driver
//! that runs one cycle against the [`Client`].
//!
//! - First run: all open tickets (`status.coreStatus < 50 AND !isMarkedForDeletion`). Later
//!   cycles: `modified >= cursor − overlap`, deleted and solved tickets included.
//! - Sorted `modified asc, id asc`, `limit` = `page_size`. Pages after the first repeat the
//!   filter with `AND (modified >= M AND (modified != M OR id >= N + 1))` for the last ticket
//!   read `(M, N)`, and `start=0` (keyset paging): a ticket changed while we page moves *ahead*
//!   of us and is read later in the same cycle, and nobody's position shifts under a `start`
//!   offset. Only if the server makes no progress that way does `start` step through the
//!   block. A short page ends the cycle.
//! - De-duplication by `(id, modified)`: within the cycle only the newest version of each id is
//!   reported; across cycles `SyncCursor::seen_at_edge` suppresses what the overlap re-reads.
//! - The cursor only ever comes from server `modified` values, never the host clock; the
//!   overlap absorbs skew and late commits.
//! - All or nothing: any failed or malformed page (or failed reference lookup) fails the cycle;
//!   the caller keeps its old cursor and nothing is applied.

use super::client::{Client, OwnWrite};
use super::filter::{self, ListQuery};
use super::mapping::{self, MapSettings, Warned};
use super::refcache::RefCache;
use super::time::floor_millis;
use super::wire::Ticket;
use super::PsError;
use crate::config::{Config, DateLiteral};
use crate::state::SyncCursor;
use crate::ticket::{TicketId, TicketSnapshot};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What the ticket query includes so that one request carries what classification needs.
pub const TICKET_INCLUDE: &[&str] = &["user", "user.company", "status", "priority"];

/// A runaway guard: no cycle reads more pages than this.
const MAX_PAGES: usize = 2_000;

/// The pure paging state of one cycle.
#[derive(Debug, Clone)]
pub struct Pager {
    base: String,
    literal: DateLiteral,
    limit: u32,
    /// `(modified floor, id)` of the last page's last ticket, once a page was full.
    after: Option<(DateTime<Utc>, u64)>,
    start: u32,
    done: bool,
    pages: usize,
    /// Newest version per id read in this cycle.
    latest: BTreeMap<TicketId, Ticket>,
    max_modified: Option<DateTime<Utc>>,
}

impl Pager {
    pub fn new(base_filter: String, literal: DateLiteral, page_size: u32) -> Pager {
        Pager {
            base: base_filter,
            literal,
            limit: page_size.clamp(1, super::MAX_PAGE_SIZE),
            after: None,
            start: 0,
            done: false,
            pages: 0,
            latest: BTreeMap::new(),
            max_modified: None,
        }
    }

    /// The next request, or `None` when the cycle has read everything.
    pub fn next_query(&self) -> Option<ListQuery> {
        if self.done {
            return None;
        }
        let filter = match self.after {
            None => self.base.clone(),
            Some((t, id)) => filter::and(&self.base, &filter::after_key(t, id, self.literal)),
        };
        Some(ListQuery {
            filter: Some(filter),
            sort: Some(filter::SORT_MODIFIED_ASC.into()),
            include: TICKET_INCLUDE.iter().map(|s| s.to_string()).collect(),
            start: Some(self.start),
            limit: Some(self.limit),
        })
    }

    /// Takes one page. An error means the page (and so the cycle) is unusable.
    pub fn apply(&mut self, page: Vec<Ticket>) -> Result<(), String> {
        self.pages += 1;
        if self.pages > MAX_PAGES {
            return Err(format!("more than {MAX_PAGES} pages in one cycle"));
        }
        let mut prev: Option<(DateTime<Utc>, u64)> = None;
        for t in &page {
            let m = t
                .modified
                .ok_or_else(|| format!("ticket {} has no modified time", t.id))?;
            let key = (m, t.id);
            if prev.is_some_and(|p| p > key) {
                return Err(format!(
                    "page is not sorted by modified, id (ticket {} out of order)",
                    t.id
                ));
            }
            if let Some((after, _)) = self.after {
                if floor_millis(m) < after {
                    return Err(format!(
                        "ticket {} modified {m} is before the requested {after}",
                        t.id
                    ));
                }
            }
            prev = Some(key);
        }
        let n = page.len() as u32;
        let last = prev;
        for t in page {
            let m = t.modified.expect("checked above");
            self.max_modified = Some(self.max_modified.map_or(m, |x| x.max(m)));
            match self.latest.get(&t.id) {
                Some(old) if old.modified >= t.modified => {}
                _ => {
                    self.latest.insert(t.id, t);
                }
            }
        }
        if n < self.limit {
            self.done = true;
            return Ok(());
        }
        let (m, id) = last.expect("a full page is not empty");
        let key = (floor_millis(m), id);
        if self.after == Some(key) {
            // No progress (a server that cannot narrow by id within one timestamp): step
            // through the block by offset instead.
            self.start += n;
        } else {
            self.after = Some(key);
            self.start = 0;
        }
        Ok(())
    }

    pub fn max_modified(&self) -> Option<DateTime<Utc>> {
        self.max_modified
    }

    /// The newest version of every ticket read, by `(modified, id)`.
    pub fn into_tickets(self) -> Vec<Ticket> {
        let mut v: Vec<Ticket> = self.latest.into_values().collect();
        v.sort_by_key(|t| (t.modified, t.id));
        v
    }
}

/// The result of one successful cycle. Apply `changed`/`removed`, then store `cursor`.
#[derive(Debug, Clone)]
pub struct SyncOutcome {
    pub cursor: SyncCursor,
    /// New or changed tickets (newest version each), oldest change first.
    pub changed: Vec<TicketSnapshot>,
    /// Soft-deleted tickets (`isMarkedForDeletion`).
    pub removed: Vec<TicketId>,
    /// This cycle was the initial load of open tickets.
    pub initial: bool,
    /// HTTP requests this cycle made.
    pub requests: u64,
}

/// Runs sync cycles; holds the reference cache and the daemon's own recent writes.
pub struct Syncer {
    client: Client,
    settings: MapSettings,
    cache: RefCache,
    own: Vec<OwnWrite>,
    warned: Warned,
}

/// How far apart the server's stamp of our write and the ticket's `modified` may be.
const OWN_WRITE_SLACK_MS: i64 = 2_000;

impl Syncer {
    pub fn new(client: Client, config: &Config) -> Syncer {
        Self::from_settings(
            client,
            MapSettings {
                pureservice: config.pureservice.clone(),
                municipalities: config.municipalities.clone(),
                services: config.services.clone(),
            },
        )
    }

    pub fn from_settings(client: Client, settings: MapSettings) -> Syncer {
        Syncer {
            client,
            settings,
            cache: RefCache::default(),
            own: Vec::new(),
            warned: Warned::default(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The id of the Pureservice priority called `name` (from the reference cache), for writing
    /// a classified priority back.
    pub fn priority_id(&self, name: &str) -> Option<u64> {
        self.cache
            .priorities
            .values()
            .find(|p| p.name.as_deref() == Some(name))
            .map(|p| p.id)
    }

    /// Replaces the mapping settings (config reload); the caches stay.
    pub fn set_settings(&mut self, settings: MapSettings) {
        self.settings = settings;
    }

    /// `(id, modified)` of the most recently changed ticket (any status), if there is one.
    async fn newest(&self) -> Result<Option<(TicketId, DateTime<Utc>)>, PsError> {
        let q = ListQuery {
            sort: Some("modified desc, id desc".into()),
            start: Some(0),
            limit: Some(1),
            ..Default::default()
        };
        let env = self.client.tickets(&q).await?;
        Ok(env.items.first().and_then(|t| Some((t.id, t.modified?))))
    }

    /// One cycle. `now` only decides when reference data is refreshed.
    pub async fn cycle(
        &mut self,
        cursor: &SyncCursor,
        now: DateTime<Utc>,
    ) -> Result<SyncOutcome, PsError> {
        let sent_before = self.client.requests_sent();
        let ps = &self.settings.pureservice;
        let overlap = ps.sync_overlap.max(chrono::Duration::zero());
        let initial = !cursor.initial_done;
        let base = if initial {
            filter::OPEN_TICKETS.to_string()
        } else {
            match cursor.modified {
                Some(c) => filter::modified_since(c - overlap, ps.date_literal),
                // An empty tenant at the first load: read everything not deleted.
                None => "!isMarkedForDeletion".to_string(),
            }
        };

        // Work on a copy of the cache: a failed cycle must not leave it half-updated.
        let mut cache = self.cache.clone();
        if cache.refresh_due(now, ps.reference_refresh) {
            cache.refresh(&self.client, now).await?;
        }
        let mut pager = Pager::new(base, ps.date_literal, ps.page_size);
        while let Some(q) = pager.next_query() {
            let env = self.client.tickets(&q).await?;
            cache.absorb(env.linked);
            pager
                .apply(env.items)
                .map_err(|message| PsError::Malformed {
                    method: "GET".into(),
                    path: format!("{}ticket/", self.client.base().path()),
                    message,
                })?;
        }
        let mut max_seen = pager.max_modified();
        let mut probed = None;
        if initial && max_seen.is_none() {
            // No open tickets at all: start the cursor at the newest change of any ticket, so
            // the next cycle does not read the tenant's whole history.
            probed = self.newest().await?;
            max_seen = probed.map(|(_, m)| m);
        }
        let tickets = pager.into_tickets();
        let fresh: Vec<&Ticket> = tickets
            .iter()
            .filter(|t| {
                let m = t.modified.expect("pager checked");
                !cursor.seen_at_edge.contains(&(t.id, m))
            })
            .collect();
        let live: Vec<&Ticket> = fresh
            .iter()
            .copied()
            .filter(|t| !t.is_marked_for_deletion)
            .collect();
        cache.complete(&self.client, &live).await?;

        // Everything fetched: from here on nothing can fail.
        self.own.extend(self.client.take_own_writes());
        let own_user = ps.own_user_id;
        let changed: Vec<TicketSnapshot> = live
            .iter()
            .map(|t| {
                let by_us = own_user.is_some() && t.modified_by_id == own_user
                    || self.own.iter().any(|w| {
                        w.ticket == t.id
                            && w.at.zip(t.modified).is_some_and(|(a, m)| {
                                (a - m).num_milliseconds().abs() <= OWN_WRITE_SLACK_MS
                            })
                    });
                mapping::to_snapshot(t, &cache, &self.settings, by_us, &mut self.warned)
            })
            .collect();
        let removed: Vec<TicketId> = fresh
            .iter()
            .filter(|t| t.is_marked_for_deletion)
            .map(|t| t.id)
            .collect();

        let new_modified = match (cursor.modified, max_seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let mut seen = cursor.seen_at_edge.clone();
        seen.extend(probed);
        for t in &tickets {
            seen.insert((t.id, t.modified.expect("pager checked")));
        }
        if let Some(c) = new_modified {
            let edge = c - overlap;
            seen.retain(|(_, m)| *m >= edge);
            // Own writes older than the re-read window can no longer be confused.
            self.own.retain(|w| {
                w.at.map_or(true, |a| a >= edge - chrono::Duration::minutes(10))
            });
        }
        self.cache = cache;
        Ok(SyncOutcome {
            cursor: SyncCursor {
                modified: new_modified,
                seen_at_edge: seen,
                initial_done: true,
            },
            changed,
            removed,
            initial,
            requests: self.client.requests_sent() - sent_before,
        })
    }
}
