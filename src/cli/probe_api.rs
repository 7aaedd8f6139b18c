//! `slavakt probe`: what the tenant does with paging and `include` (GET only). The sync takes
//! a page shorter than `limit` for the last one, so a tenant that silently caps pages below
//! `[pureservice] page_size` would hide tickets: the cap is measured, not assumed.

use crate::pureservice::client::Client;
use crate::pureservice::filter::ListQuery;
use crate::pureservice::{PsError, MAX_PAGE_SIZE};

/// The most tickets the tenant puts on one page when asked for [`MAX_PAGE_SIZE`], if it puts
/// fewer while more exist; `None` when no cap below that shows (or too few tickets to tell).
pub async fn page_cap(client: &Client) -> Result<Option<u32>, PsError> {
    let page = |start: u32| ListQuery {
        sort: Some("id asc".into()),
        start: Some(start),
        limit: Some(MAX_PAGE_SIZE),
        ..Default::default()
    };
    let first = client.tickets(&page(0)).await?.items.len() as u32;
    if first == 0 || first >= MAX_PAGE_SIZE {
        return Ok(None);
    }
    // A short first page is either everything or a cap: the next page tells.
    let more = client.tickets(&page(first)).await?.items.len();
    Ok((more > 0).then_some(first))
}

/// Whether `include=status` brings the tickets' statuses in `linked`; `None` without tickets.
pub async fn include_supported(client: &Client) -> Result<Option<bool>, PsError> {
    let q = ListQuery {
        include: vec!["status".into()],
        start: Some(0),
        limit: Some(5),
        ..Default::default()
    };
    let env = client.tickets(&q).await?;
    let with_status = env.items.iter().any(|t| t.status_id.is_some());
    if !with_status {
        return Ok(None);
    }
    Ok(Some(!env.linked.statuses.is_empty()))
}
