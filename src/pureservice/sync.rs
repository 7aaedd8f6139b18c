//! The sync: which tickets changed since the last cycle, whatever the tenant does with `sort`
//! and date filters. Two ways to read, chosen by `[pureservice] sync` (`auto` decides from what
//! the tenant answers, see [`super::detect`], and decides again when a cycle meets a filter 400
//! or a page it cannot trust):
//!
//! - **modified** — tickets with `modified >= cursor − overlap`, sorted `modified asc, id asc`,
//!   `limit` = `page_size`. Pages after a full one repeat the filter with `AND (modified >= M
//!   AND (modified != M OR id >= N + 1))` for the last ticket read `(M, N)`, `start=0` (keyset
//!   paging: a ticket changed while we page moves ahead and is read later in the same cycle).
//!   Every page is sorted on the client; a page the server did not sort (or that lies before
//!   the key it was asked for) is never an error: paging continues by `start` over the same
//!   filter, and under `auto` the cycle is read again by the open set at once. De-duplication
//!   by `(id, modified)`: within a cycle the newest version per id; across cycles
//!   `SyncCursor::seen_at_edge` suppresses what the overlap re-reads. The cursor only ever comes
//!   from server `modified` values, never the host clock. An open-set reconcile runs on the
//!   first cycle of a process and then hourly, and reports what the window missed.
//! - **open-set** — [`super::openset`]: every open ticket each cycle, plus the tickets that
//!   left the open set read by id. A ticket is news when its fingerprint (a hash of everything
//!   the server sent) differs from the last one reported; needs no sort and no date filter, and
//!   tells two changes within one second apart.
//!
//! All or nothing: any failed or malformed page (or failed reference lookup) fails the cycle;
//! the caller keeps its old cursor and nothing is applied.

use super::client::{Client, OwnWrite};
use super::detect::{self, literal_name};
use super::filter::{self, ListQuery};
use super::mapping::{self, MapSettings, Warned};
use super::openset;
use super::refcache::RefCache;
use super::time::floor_millis;
use super::wire::Ticket;
use super::PsError;
use crate::config::{Config, DateLiteral, SyncSetting};
use crate::state::{SyncCursor, SyncModeRecord};
use crate::ticket::{CoreStatus, TicketId, TicketSnapshot};
use chrono::{DateTime, Timelike, Utc};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};

/// What the ticket query includes so that one request carries what classification needs.
pub const TICKET_INCLUDE: &[&str] = &["user", "user.company", "status", "priority"];

/// A runaway guard: no cycle reads more pages than this.
const MAX_PAGES: usize = 2_000;

/// How often the modified window is checked against the whole open set.
pub const RECONCILE_EVERY: chrono::Duration = chrono::Duration::hours(1);

/// How a cycle reads tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The modified window, with date literals in this form.
    Modified(DateLiteral),
    OpenSet,
}

impl Mode {
    /// `modified` or `open-set` (logs, metrics, `status`, `probe`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Modified(_) => "modified",
            Mode::OpenSet => "open-set",
        }
    }
}

/// A change of sync mode made by `auto`: logged at WARN, counted, shown and mailed once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeSwitch {
    pub from: String,
    pub to: String,
    pub reason: String,
    /// The how-many-th switch (the alert's occurrence number).
    pub number: u32,
}

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
    /// Why the pages cannot be trusted to be in order, once one was not.
    unsorted: Option<String>,
    /// Why the stamps are too coarse to tell changes apart, once a page showed it.
    coarse: Option<String>,
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
            unsorted: None,
            coarse: None,
        }
    }

    /// Why a page was not in the requested order (or came in whole seconds), if one was.
    pub fn unsorted(&self) -> Option<&str> {
        self.unsorted.as_deref()
    }

    /// Why the stamps cannot tell two changes within a second apart, if a page showed it.
    pub fn coarse(&self) -> Option<&str> {
        self.coarse.as_deref()
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

    /// Takes one page. An error means the page (and so the cycle) is unusable; a page out of
    /// order is not an error: it is sorted here, and paging goes on by offset.
    pub fn apply(&mut self, mut page: Vec<Ticket>) -> Result<(), String> {
        self.pages += 1;
        if self.pages > MAX_PAGES {
            return Err(format!("more than {MAX_PAGES} pages in one cycle"));
        }
        let mut keys = Vec::with_capacity(page.len());
        for t in &page {
            let m = t
                .modified
                .ok_or_else(|| format!("ticket {} has no modified time", t.id))?;
            keys.push((m, t.id));
        }
        if self.unsorted.is_none() {
            if let Some(w) = keys.windows(2).find(|w| w[0] > w[1]) {
                self.unsorted = Some(format!(
                    "a page was not sorted by modified, id (ticket {} came after {})",
                    w[1].1, w[0].1
                ));
            } else if let Some((after, _)) = self.after {
                if let Some((m, id)) = keys.iter().find(|(m, _)| floor_millis(*m) < after) {
                    self.unsorted = Some(format!(
                        "ticket {id} modified {m} came on a page asked for changes from {after}"
                    ));
                }
            }
        }
        if self.coarse.is_none() && keys.len() >= 3 && keys.iter().all(|(m, _)| m.nanosecond() == 0)
        {
            // Keyset paging stays correct (a floored stamp only re-reads), but two changes of
            // one ticket within a second look alike: `auto` prefers the open set.
            self.coarse =
                Some("timestamps come to the whole second, coarser than the server sorts".into());
        }
        page.sort_by_key(|t| (t.modified, t.id));
        let n = page.len() as u32;
        let last = page.last().and_then(|t| Some((t.modified?, t.id)));
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
        if self.unsorted.is_some() || self.after == Some(key) {
            // An order we cannot trust, or no progress (a server that cannot narrow by id
            // within one timestamp): step through the same filter by offset instead.
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
    /// Soft-deleted tickets (`isMarkedForDeletion`) and tickets that no longer exist.
    pub removed: Vec<TicketId>,
    /// This cycle was the initial load of open tickets.
    pub initial: bool,
    /// HTTP requests this cycle made.
    pub requests: u64,
    /// The mode this cycle read in.
    pub mode: Mode,
    /// Switches `auto` made in this cycle (at most two: at start-up and after a refusal).
    pub switches: Vec<ModeSwitch>,
    /// Tickets an open-set reconcile found that the modified window had missed.
    pub missed: Vec<TicketId>,
}

/// Runs sync cycles; holds the reference cache and the daemon's own recent writes.
pub struct Syncer {
    client: Client,
    settings: MapSettings,
    cache: RefCache,
    own: Vec<OwnWrite>,
    warned: Warned,
    /// Decided on the first cycle of the process; `auto` may change it later.
    mode: Option<Mode>,
    /// Fingerprint of the last version reported, per open ticket (open-set change detection
    /// and the reconcile). Empty after a restart: the first read reports everything once,
    /// which tracking absorbs (it is idempotent) and the ledger never sends twice.
    known: HashMap<TicketId, u64>,
    last_reconcile: Option<DateTime<Utc>>,
}

/// How far apart the server's stamp of our write and the ticket's `modified` may be.
const OWN_WRITE_SLACK_MS: i64 = 2_000;

/// A hash of everything the server sent for a ticket (its fields, links and custom fields).
fn fingerprint(t: &Ticket) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    format!("{t:?}").hash(&mut h);
    h.finish()
}

/// What one read gave, before mapping.
struct Read {
    tickets: Vec<Ticket>,
    /// Ids that no longer exist (open-set read by id).
    gone: BTreeSet<TicketId>,
    /// The open set after the read, when an open-set read ran.
    open: Option<BTreeSet<TicketId>>,
    max_modified: Option<DateTime<Utc>>,
    /// `(id, modified)` pairs to remember at the edge (modified window).
    edge: Vec<(TicketId, DateTime<Utc>)>,
    missed: Vec<TicketId>,
}

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
            mode: None,
            known: HashMap::new(),
            last_reconcile: None,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The mode decided so far (`None` before the first cycle).
    pub fn mode(&self) -> Option<Mode> {
        self.mode
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
        if settings.pureservice.sync != self.settings.pureservice.sync {
            self.mode = None;
        }
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
        Ok(env
            .items
            .first()
            .and_then(|t| Some((t.modified?, t.id)))
            .map(|(m, id)| (id, m)))
    }

    /// The mode to start with, and why.
    async fn decide(&self, cursor: &SyncCursor) -> Result<(Mode, String), PsError> {
        let ps = &self.settings.pureservice;
        match ps.sync {
            SyncSetting::Modified => Ok((
                Mode::Modified(ps.date_literal),
                "configured: sync = \"modified\"".into(),
            )),
            SyncSetting::OpenSet => Ok((Mode::OpenSet, "configured: sync = \"open-set\"".into())),
            SyncSetting::Auto => {
                let d = detect::detect(&self.client, ps.date_literal).await?;
                if let Some(reason) = d.open_set_reason() {
                    return Ok((Mode::OpenSet, reason));
                }
                let lit = d.date_filter.unwrap_or(ps.date_literal);
                if d.sort_honoured.is_none() {
                    // Too few tickets to tell: keep what worked before, if anything did.
                    if let Some(r) = cursor.mode.as_ref().filter(|r| r.mode == "open-set") {
                        return Ok((Mode::OpenSet, r.reason.clone()));
                    }
                }
                let sort = match d.sort_honoured {
                    Some(true) => "sort honoured",
                    _ => "sort not yet verifiable (too few tickets); every page is checked",
                };
                Ok((
                    Mode::Modified(lit),
                    format!("date filter {} accepted, {sort}", literal_name(lit)),
                ))
            }
        }
    }

    /// Takes `mode` into use, recording it in `record` and, when `auto` changed it, in
    /// `switches`.
    fn adopt(
        &mut self,
        mode: Mode,
        reason: String,
        record: &mut Option<SyncModeRecord>,
        previous_default: bool,
        switches: &mut Vec<ModeSwitch>,
        now: DateTime<Utc>,
    ) {
        let auto = self.settings.pureservice.sync == SyncSetting::Auto;
        // Before modes existed the daemon always read the modified window.
        let from = record
            .as_ref()
            .map(|r| r.mode.clone())
            .or_else(|| previous_default.then(|| "modified".to_string()));
        let switched = from.as_deref().is_some_and(|f| f != mode.name());
        let mut r = record.clone().unwrap_or_default();
        if switched && auto {
            r.switches += 1;
            switches.push(ModeSwitch {
                from: from.clone().unwrap_or_default(),
                to: mode.name().into(),
                reason: reason.clone(),
                number: r.switches,
            });
        }
        if switched || r.mode != mode.name() || r.reason != reason {
            r.since = Some(now);
        }
        if switched || from.is_none() {
            tracing::info!(mode = mode.name(), %reason, "Pureservice sync mode chosen");
        }
        r.mode = mode.name().into();
        r.reason = reason;
        *record = Some(r);
        self.mode = Some(mode);
    }

    /// One cycle. `now` only decides when reference data is refreshed and a reconcile is due.
    pub async fn cycle(
        &mut self,
        cursor: &SyncCursor,
        now: DateTime<Utc>,
    ) -> Result<SyncOutcome, PsError> {
        let sent_before = self.client.requests_sent();
        let initial = !cursor.initial_done;
        let mut record = cursor.mode.clone();
        let mut switches = Vec::new();
        if self.mode.is_none() {
            let (mode, reason) = self.decide(cursor).await?;
            self.adopt(
                mode,
                reason,
                &mut record,
                cursor.initial_done,
                &mut switches,
                now,
            );
        }

        // Work on a copy of the cache: a failed cycle must not leave it half-updated.
        let mut cache = self.cache.clone();
        let ps = self.settings.pureservice.clone();
        if cache.refresh_due(now, ps.reference_refresh) {
            cache.refresh(&self.client, now).await?;
        }
        let auto = ps.sync == SyncSetting::Auto;
        let read = loop {
            let mode = self.mode.expect("decided above");
            let result = match mode {
                Mode::OpenSet => Ok(self.open_set(&mut cache, cursor, &ps, None).await?),
                Mode::Modified(lit) => self.window(&mut cache, cursor, &ps, lit, now).await?,
            };
            match result {
                Ok(read) => break read,
                // Under `auto`, a tenant that refuses the filter or cannot sort is read by the
                // open set — in this same cycle, so nothing is late.
                Err(reason) if auto => {
                    tracing::warn!(%reason, "the modified window cannot be trusted on this tenant; switching the sync to the open set");
                    self.adopt(Mode::OpenSet, reason, &mut record, true, &mut switches, now);
                }
                Err(reason) => {
                    return Err(PsError::Malformed {
                        method: "GET".into(),
                        path: format!("{}ticket/", self.client.base().path()),
                        message: format!(
                            "{reason}; set [pureservice] sync = \"auto\" or \"open-set\""
                        ),
                    })
                }
            }
        };
        for s in &switches {
            tracing::warn!(from = %s.from, to = %s.to, reason = %s.reason, "Pureservice sync mode switched");
        }
        let mode = self.mode.expect("decided above");
        let mut max_seen = read.max_modified;
        let mut probed = None;
        if initial && max_seen.is_none() {
            // No open tickets at all: start the cursor at the newest change of any ticket, so
            // the next cycle does not read the tenant's whole history.
            probed = self.newest().await?;
            max_seen = probed.map(|(_, m)| m);
        }
        let fresh: Vec<&Ticket> = read
            .tickets
            .iter()
            .filter(|t| match (mode, t.modified) {
                (Mode::Modified(_), Some(m)) if read.open.is_none() => {
                    !cursor.seen_at_edge.contains(&(t.id, m))
                }
                _ => self.known.get(&t.id) != Some(&fingerprint(t)),
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
        let mut removed: Vec<TicketId> = fresh
            .iter()
            .filter(|t| t.is_marked_for_deletion)
            .map(|t| t.id)
            .collect();
        removed.extend(read.gone.iter().copied());

        // What is open now, and the fingerprints of what was reported.
        let mut open = read.open.clone().unwrap_or_else(|| cursor.open.clone());
        for t in &fresh {
            self.known.insert(t.id, fingerprint(t));
        }
        for snap in &changed {
            if snap.core == CoreStatus::Open {
                open.insert(snap.id);
            } else {
                open.remove(&snap.id);
            }
        }
        for id in &removed {
            open.remove(id);
        }
        self.known.retain(|id, _| open.contains(id));

        let new_modified = match (cursor.modified, max_seen) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let mut seen = cursor.seen_at_edge.clone();
        seen.extend(probed);
        seen.extend(read.edge.iter().copied());
        let overlap = ps.sync_overlap.max(chrono::Duration::zero());
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
                open,
                mode: record,
            },
            changed,
            removed,
            initial,
            requests: self.client.requests_sent() - sent_before,
            mode,
            switches,
            missed: read.missed,
        })
    }

    /// The modified window (the first load reads the open set instead), plus the reconcile
    /// when due. `Ok(Err(why))`: the window cannot be trusted on this tenant (a 400 on the date
    /// filter, or under `auto` a page out of order); `Err` fails the cycle.
    async fn window(
        &mut self,
        cache: &mut RefCache,
        cursor: &SyncCursor,
        ps: &crate::config::PureserviceConfig,
        lit: DateLiteral,
        now: DateTime<Utc>,
    ) -> Result<Result<Read, String>, PsError> {
        let overlap = ps.sync_overlap.max(chrono::Duration::zero());
        let initial = !cursor.initial_done;
        let base = match cursor.modified {
            // The first load reads the open set with the same keyset paging, so a ticket that
            // changes while we page moves ahead of us instead of shifting an offset.
            _ if initial => filter::OPEN_TICKETS.to_string(),
            Some(c) => filter::modified_since(c - overlap, lit),
            // An empty tenant at the first load: read everything not deleted.
            None => "!isMarkedForDeletion".to_string(),
        };
        let mut pager = Pager::new(base, lit, ps.page_size);
        while let Some(q) = pager.next_query() {
            let env = match self.client.tickets(&q).await {
                Ok(env) => env,
                Err(e) if e.status() == Some(400) => {
                    return Ok(Err(format!(
                        "the tenant refused the date filter in the {} form: {}",
                        literal_name(lit),
                        match &e {
                            PsError::Status { excerpt, .. } => excerpt.chars().take(160).collect(),
                            e => e.to_string(),
                        }
                    )))
                }
                Err(e) => return Err(e),
            };
            cache.absorb(env.linked);
            pager.apply(env.items).map_err(|message| {
                // The page was answered but is unusable: a failed request too.
                let e = PsError::Malformed {
                    method: "GET".into(),
                    path: format!("{}ticket/", self.client.base().path()),
                    message,
                };
                self.client.failed(&e);
                e
            })?;
        }
        if let Some(why) = pager.unsorted().or(pager.coarse()) {
            if ps.sync == SyncSetting::Auto {
                return Ok(Err(why.to_string()));
            }
            tracing::debug!(reason = why, "pages read by offset this cycle");
        }
        let max_modified = pager.max_modified();
        let tickets = pager.into_tickets();
        let edge = tickets
            .iter()
            .filter_map(|t| Some((t.id, t.modified?)))
            .collect();
        let read = Read {
            tickets,
            gone: BTreeSet::new(),
            open: None,
            max_modified,
            edge,
            missed: Vec::new(),
        };
        if initial {
            // A full read of the open set: as good as a reconcile.
            self.last_reconcile = Some(now);
            return Ok(Ok(read));
        }
        let due = self
            .last_reconcile
            .map_or(true, |t| now - t >= RECONCILE_EVERY || now < t);
        if !due {
            return Ok(Ok(read));
        }
        let reconciled = self.open_set(cache, cursor, ps, Some(read)).await?;
        self.last_reconcile = Some(now);
        Ok(Ok(reconciled))
    }

    /// The open-set read; with `window`, a reconcile: the window's tickets join it, and what
    /// the window missed is listed (once a first reconcile gave a baseline).
    async fn open_set(
        &self,
        cache: &mut RefCache,
        cursor: &SyncCursor,
        ps: &crate::config::PureserviceConfig,
        window: Option<Read>,
    ) -> Result<Read, PsError> {
        let o = openset::read(&self.client, cache, &cursor.open, ps.page_size).await?;
        let mut tickets = o.tickets;
        let mut missed = Vec::new();
        let mut edge = Vec::new();
        let mut max_modified = tickets.values().filter_map(|t| t.modified).max();
        if let Some(w) = window {
            let baseline = self.last_reconcile.is_some();
            let in_window: BTreeSet<TicketId> = w.tickets.iter().map(|t| t.id).collect();
            if baseline {
                missed = tickets
                    .values()
                    .filter(|t| !in_window.contains(&t.id))
                    .filter(|t| self.known.get(&t.id) != Some(&fingerprint(t)))
                    // Changed after the window was read: the next window has it.
                    .filter(|t| t.modified.zip(w.max_modified).map_or(true, |(m, w)| m <= w))
                    .map(|t| t.id)
                    .chain(o.gone.iter().copied().filter(|id| !in_window.contains(id)))
                    .collect();
            }
            for t in w.tickets {
                match tickets.get(&t.id) {
                    Some(old) if old.modified > t.modified => {}
                    _ => {
                        tickets.insert(t.id, t);
                    }
                }
            }
            max_modified = max_modified.max(w.max_modified);
            edge = w.edge;
        }
        let mut tickets: Vec<Ticket> = tickets.into_values().collect();
        tickets.sort_by_key(|t| (t.modified, t.id));
        Ok(Read {
            tickets,
            gone: o.gone,
            open: Some(o.open),
            max_modified,
            edge,
            missed,
        })
    }
}
