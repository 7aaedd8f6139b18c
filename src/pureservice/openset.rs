//! The open-set read, which needs neither `sort` nor a date filter: every open ticket
//! (`status.coreStatus < 50 AND !isMarkedForDeletion`), paged by `start`/`limit` in whatever
//! order the tenant gives and keyed by id; then the tickets that were open after the last cycle
//! and are not in the open set now, read by id in batches, so that a resolution, a closure or a
//! deletion is seen in the same cycle. Which of the tickets read are news is decided by the
//! caller (fingerprints, see `sync`).

use super::client::Client;
use super::filter::{self, ListQuery};
use super::refcache::RefCache;
use super::wire::Ticket;
use super::PsError;
use crate::ticket::TicketId;
use std::collections::{BTreeMap, BTreeSet};

/// Ids per read-by-id request (`id == a OR id == b …`; keeps the URL short).
pub const BY_ID_BATCH: usize = 50;

/// A runaway guard: 2,000 pages of 500 are a million open tickets.
const MAX_PAGES: u32 = 2_000;

/// What one open-set read saw.
#[derive(Debug, Default)]
pub struct OpenRead {
    /// Every ticket read (open, and those that left the open set), one version per id.
    pub tickets: BTreeMap<TicketId, Ticket>,
    /// Tickets that left the open set and no longer exist at all (deleted outright).
    pub gone: BTreeSet<TicketId>,
    /// Open at the end of the read.
    pub open: BTreeSet<TicketId>,
}

/// Whether a ticket counts as open: not deleted, and a status below 50 (an unknown status is
/// open, as the mapping treats it).
pub fn is_open(t: &Ticket, cache: &RefCache) -> bool {
    !t.is_marked_for_deletion
        && t.status_id
            .and_then(|s| cache.statuses.get(&s))
            .and_then(|s| s.core_status)
            .map_or(true, |c| c < 50)
}

/// Reads the open set, then by id what left it since `previously_open`.
pub async fn read(
    client: &Client,
    cache: &mut RefCache,
    previously_open: &BTreeSet<TicketId>,
    page_size: u32,
) -> Result<OpenRead, PsError> {
    let include: Vec<String> = super::sync::TICKET_INCLUDE
        .iter()
        .map(|s| s.to_string())
        .collect();
    let limit = page_size.clamp(1, super::MAX_PAGE_SIZE);
    let mut out = OpenRead::default();
    let mut start = 0u32;
    for _ in 0..MAX_PAGES {
        let q = ListQuery {
            filter: Some(filter::OPEN_TICKETS.into()),
            // Asked for, never relied on: the pages only need to be consistent with each other.
            sort: Some("id asc".into()),
            include: include.clone(),
            start: Some(start),
            limit: Some(limit),
        };
        let env = client.tickets(&q).await?;
        cache.absorb(env.linked);
        let n = env.items.len() as u32;
        for t in env.items {
            keep_newest(&mut out.tickets, t);
        }
        if n < limit {
            break;
        }
        start += n;
    }
    out.open = out
        .tickets
        .values()
        .filter(|t| is_open(t, cache))
        .map(|t| t.id)
        .collect();
    // A ticket open before and not in the open set now: resolved, closed, deleted — or moved
    // between two pages while we read. Reading it by id tells which.
    let left: Vec<TicketId> = previously_open
        .iter()
        .copied()
        .filter(|id| !out.open.contains(id))
        .collect();
    for chunk in left.chunks(BY_ID_BATCH) {
        let env = client
            .list_all::<Ticket>(
                "ticket/",
                "tickets",
                Some(filter::any_of("id", chunk)),
                super::sync::TICKET_INCLUDE,
            )
            .await?;
        cache.absorb(env.linked);
        let mut found = BTreeSet::new();
        for t in env.items {
            found.insert(t.id);
            if is_open(&t, cache) {
                out.open.insert(t.id);
            }
            keep_newest(&mut out.tickets, t);
        }
        out.gone
            .extend(chunk.iter().copied().filter(|id| !found.contains(id)));
    }
    Ok(out)
}

fn keep_newest(into: &mut BTreeMap<TicketId, Ticket>, t: Ticket) {
    match into.get(&t.id) {
        Some(old) if old.modified > t.modified => {}
        _ => {
            into.insert(t.id, t);
        }
    }
}
