//! Reading solved tickets for `slavakt backfill`, whatever the tenant does with `sort` and
//! dates: GET requests only, through the client's rate limiter and retries.
//!
//! - The filter: solved or closed and not deleted (`status.coreStatus >= 50 AND
//!   !isMarkedForDeletion`), narrowed by `modified >= <since>` when the tenant accepts a date
//!   comparison (a ticket solved since then was modified since then: a safe superset). Which
//!   form filters is what `[pureservice] sync` says: `modified` uses `date_literal`, `auto`
//!   asks the tenant ([`super::detect`]), `open-set` (or a tenant refusing every form) filters
//!   by status alone and the caller drops older tickets on the client.
//! - Paging: `id >= N` added to the filter, `sort=id asc` asked for but never relied on — see
//!   [`crate::backfill::Paging`]: each page is checked, and a tenant that ignores `sort` is
//!   stepped through by offset instead.

use super::client::Client;
use super::detect::{self, literal_name};
use super::filter::{self, ListQuery};
use super::mapping::{self, MapSettings, Warned};
use super::refcache::RefCache;
use super::wire::Ticket;
use super::PsError;
use crate::backfill::Paging;
use crate::config::{Config, DateLiteral, SyncSetting};
use crate::ticket::TicketSnapshot;
use chrono::{DateTime, Utc};

/// Solved or closed, not deleted.
pub const SOLVED_TICKETS: &str = "status.coreStatus >= 50 AND !isMarkedForDeletion";

/// The filter a run pages through, and the date form in it (`None`: status alone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chosen {
    pub filter: String,
    pub date_literal: Option<DateLiteral>,
    /// Why, in words (for the command's output).
    pub reason: String,
}

/// The filter of solved tickets, narrowed to those modified since `from` when `lit` is given.
pub fn solved_filter(from: DateTime<Utc>, lit: Option<DateLiteral>) -> String {
    match lit {
        Some(l) => filter::and(SOLVED_TICKETS, &filter::modified_since(from, l)),
        None => SOLVED_TICKETS.to_string(),
    }
}

/// Whether a filter built by [`solved_filter`] holds a date comparison.
pub fn has_date(filter: &str) -> bool {
    filter.contains("modified >=")
}

/// The request for one page at `paging`.
pub fn page_query(filter: &str, paging: &Paging, limit: u32) -> ListQuery {
    let filter = if paging.next_id > 0 {
        filter::and(filter, &format!("id >= {}", paging.next_id))
    } else {
        filter.to_string()
    };
    ListQuery {
        filter: Some(filter),
        // Asked for, never relied on (see `Paging::apply`).
        sort: Some("id asc".into()),
        include: super::sync::TICKET_INCLUDE
            .iter()
            .map(|s| s.to_string())
            .collect(),
        start: Some(paging.start),
        limit: Some(limit),
    }
}

/// One page: the ids in the order served (for the paging) and the mapped snapshots.
#[derive(Debug, Default)]
pub struct Page {
    pub ids: Vec<u64>,
    pub snapshots: Vec<TicketSnapshot>,
}

/// Reads pages of solved tickets and maps them to snapshots as the sync does.
pub struct Reader {
    client: Client,
    settings: MapSettings,
    cache: RefCache,
    warned: Warned,
    limit: u32,
}

impl Reader {
    pub fn new(client: Client, config: &Config) -> Reader {
        Reader {
            client,
            settings: MapSettings {
                pureservice: config.pureservice.clone(),
                municipalities: config.municipalities.clone(),
                services: config.services.clone(),
            },
            cache: RefCache::default(),
            warned: Warned::default(),
            limit: config.pureservice.page_size.clamp(1, super::MAX_PAGE_SIZE),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Tickets per page.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Loads the reference data (statuses, priorities, categories, companies…).
    pub async fn prepare(&mut self, now: DateTime<Utc>) -> Result<(), PsError> {
        self.cache.refresh(&self.client, now).await
    }

    /// Which filter to page through (see the module header).
    pub async fn choose(&self, from: DateTime<Utc>) -> Result<Chosen, PsError> {
        let ps = &self.settings.pureservice;
        let (lit, reason) = match ps.sync {
            SyncSetting::Modified => (
                Some(ps.date_literal),
                format!(
                    "configured sync = \"modified\": dates filtered in the {} form",
                    literal_name(ps.date_literal)
                ),
            ),
            SyncSetting::OpenSet => (
                None,
                "configured sync = \"open-set\": filtered by status only, dates checked here"
                    .to_string(),
            ),
            SyncSetting::Auto => {
                let d = detect::detect(&self.client, ps.date_literal).await?;
                match d.date_filter {
                    Some(l) => (
                        Some(l),
                        format!("the tenant filters dates in the {} form", literal_name(l)),
                    ),
                    None => (
                        None,
                        format!(
                            "the tenant refuses every date comparison ({}): filtered by status \
                             only, dates checked here",
                            d.date_refusal.as_deref().unwrap_or("400")
                        ),
                    ),
                }
            }
        };
        Ok(Chosen {
            filter: solved_filter(from, lit),
            date_literal: lit,
            reason,
        })
    }

    /// How many tickets `filter` matches (for the progress line).
    pub async fn count(&self, filter: &str) -> Result<u64, PsError> {
        self.client.count_tickets(filter).await
    }

    /// Reads the page at `paging`.
    pub async fn page(&mut self, filter: &str, paging: &Paging) -> Result<Page, PsError> {
        let env = self
            .client
            .tickets(&page_query(filter, paging, self.limit))
            .await?;
        self.cache.absorb(env.linked);
        let ids = env.items.iter().map(|t| t.id).collect();
        let live: Vec<&Ticket> = env
            .items
            .iter()
            .filter(|t| !t.is_marked_for_deletion)
            .collect();
        self.cache.complete(&self.client, &live).await?;
        let snapshots = live
            .iter()
            .map(|t| mapping::to_snapshot(t, &self.cache, &self.settings, false, &mut self.warned))
            .collect();
        Ok(Page { ids, snapshots })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_and_queries() {
        let from: DateTime<Utc> = "2026-01-31T23:00:00Z".parse().unwrap();
        let f = solved_filter(from, Some(DateLiteral::DateTimeOffset));
        assert_eq!(
            f,
            "(status.coreStatus >= 50 AND !isMarkedForDeletion) AND (modified >= \
             DateTimeOffset(2026, 1, 31, 23, 0, 0, 0, TimeSpan(0, 0, 0, 0)))"
        );
        assert!(has_date(&f));
        assert!(!has_date(&solved_filter(from, None)));
        let q = page_query(
            SOLVED_TICKETS,
            &Paging {
                next_id: 501,
                start: 0,
                ..Paging::default()
            },
            500,
        );
        assert_eq!(
            q.filter.as_deref(),
            Some("(status.coreStatus >= 50 AND !isMarkedForDeletion) AND (id >= 501)")
        );
        assert_eq!((q.start, q.limit), (Some(0), Some(500)));
        assert_eq!(
            page_query(SOLVED_TICKETS, &Paging::default(), 500)
                .filter
                .as_deref(),
            Some(SOLVED_TICKETS)
        );
    }
}
