//! What a tenant does with the two things no public source confirms: date comparisons in
//! `filter=` and `sort=`. Read-only, three or four small requests; the sync's `auto` mode and
//! `slavakt probe` both ask here.
//!
//! - Date filter: `modified >= <literal>` in the preferred form, then the other one; a 400 means
//!   "not this form". Any other failure is an error (the tenant could not be asked).
//! - Sort: the newest tickets with `sort=modified desc, id desc`; honoured when the page comes
//!   back in that order. Fewer than two tickets cannot tell (`None`).
//! - Whole seconds: every `modified` in that sample (at least three) has no fraction, so the
//!   server's order (finer) cannot be checked, nor a change within one second told apart.

use super::client::Client;
use super::filter::{self, ListQuery};
use super::PsError;
use crate::config::DateLiteral;
use chrono::{DateTime, Timelike, Utc};

/// How many recent tickets the sort check looks at.
const SAMPLE: u32 = 100;

/// What the tenant answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    /// The date-literal form that filters, if any.
    pub date_filter: Option<DateLiteral>,
    /// The 400's excerpt when no form filtered (for the log and `probe`).
    pub date_refusal: Option<String>,
    /// Whether `sort=modified desc, id desc` was honoured; `None` with too few tickets.
    pub sort_honoured: Option<bool>,
    /// Timestamps come to the whole second; `None` with too few tickets.
    pub whole_seconds: Option<bool>,
    /// Tickets in the sample.
    pub sample: usize,
}

impl Detected {
    /// Why the modified window cannot be trusted on this tenant, if it cannot.
    pub fn open_set_reason(&self) -> Option<String> {
        if self.date_filter.is_none() {
            return Some(format!(
                "the tenant refuses every date comparison in filter= ({})",
                self.date_refusal.as_deref().unwrap_or("400")
            ));
        }
        if self.sort_honoured == Some(false) {
            return Some("the tenant does not honour sort=modified".into());
        }
        if self.whole_seconds == Some(true) {
            return Some(
                "the tenant gives timestamps to the whole second, coarser than it sorts".into(),
            );
        }
        None
    }
}

/// The date-literal form name used in logs, `status` and `probe --json`.
pub fn literal_name(l: DateLiteral) -> &'static str {
    match l {
        DateLiteral::DateTimeOffset => "datetimeoffset",
        DateLiteral::IsoString => "iso",
    }
}

/// Asks the tenant (see the module header).
pub async fn detect(client: &Client, preferred: DateLiteral) -> Result<Detected, PsError> {
    let other = match preferred {
        DateLiteral::DateTimeOffset => DateLiteral::IsoString,
        DateLiteral::IsoString => DateLiteral::DateTimeOffset,
    };
    let since: DateTime<Utc> = DateTime::from_timestamp(946_684_800, 0).unwrap_or_default();
    let mut date_filter = None;
    let mut date_refusal = None;
    for form in [preferred, other] {
        let q = ListQuery {
            filter: Some(filter::modified_since(since, form)),
            start: Some(0),
            limit: Some(1),
            ..Default::default()
        };
        match client.tickets(&q).await {
            Ok(_) => {
                date_filter = Some(form);
                break;
            }
            Err(e) if e.status() == Some(400) => date_refusal = Some(refusal(&e)),
            Err(e) => return Err(e),
        }
    }
    let q = ListQuery {
        sort: Some("modified desc, id desc".into()),
        start: Some(0),
        limit: Some(SAMPLE),
        ..Default::default()
    };
    let page = client.tickets(&q).await?.items;
    let keys: Vec<(DateTime<Utc>, u64)> = page
        .iter()
        .filter_map(|t| Some((t.modified?, t.id)))
        .collect();
    let sort_honoured = (keys.len() >= 2).then(|| keys.windows(2).all(|w| w[0] >= w[1]));
    let whole_seconds = (keys.len() >= 3).then(|| keys.iter().all(|(m, _)| m.nanosecond() == 0));
    Ok(Detected {
        date_filter,
        date_refusal: date_filter.is_none().then_some(date_refusal).flatten(),
        sort_honoured,
        whole_seconds,
        sample: page.len(),
    })
}

/// The server's message of a 400, short.
fn refusal(e: &PsError) -> String {
    match e {
        PsError::Status { excerpt, .. } => excerpt.chars().take(160).collect(),
        e => e.to_string(),
    }
}
