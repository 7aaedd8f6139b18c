//! Defaults of `[pureservice]`, for the config validator and for tests that talk to a fake.

use crate::config::{AuthMode, DateLiteral, FieldSource, PureserviceConfig, TicketFields};
use crate::secret::Secret;
use std::collections::BTreeMap;

pub const DEFAULT_PREFIX: &str = "/agent/api";
pub const DEFAULT_MAX_REQUESTS_PER_MINUTE: u32 = 90;
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// Pureservice never returns more than this per page.
pub const MAX_PAGE_SIZE: u32 = 500;
/// `max_response_bytes`: a full page of 500 tickets with their linked users is a few MB; a
/// parsed body takes many times its size in memory, so this bounds one read to a few hundred MB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;
/// `max_pages` for reference tables: 200 pages of 500 is 100,000 users or companies.
pub const DEFAULT_MAX_PAGES: u32 = 200;

impl PureserviceConfig {
    /// The documented defaults for everything but the URL and the key.
    pub fn with_defaults(base_url: url::Url, api_key: Secret) -> Self {
        PureserviceConfig {
            base_url,
            api_prefix: DEFAULT_PREFIX.into(),
            api_key,
            auth: AuthMode::XAuthorizationKey,
            timeout: chrono::Duration::seconds(30),
            max_requests_per_minute: DEFAULT_MAX_REQUESTS_PER_MINUTE,
            page_size: DEFAULT_PAGE_SIZE,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_pages: DEFAULT_MAX_PAGES,
            sync_overlap: chrono::Duration::minutes(2),
            date_literal: DateLiteral::DateTimeOffset,
            sync: crate::config::SyncSetting::Auto,
            reference_refresh: chrono::Duration::hours(1),
            priorities: BTreeMap::new(),
            unset_priorities: Vec::new(),
            paused_statuses: Vec::new(),
            cancelled_statuses: Vec::new(),
            municipality_from: vec![FieldSource::RequesterCompany],
            municipality_from_all: false,
            service_from: vec![FieldSource::Category],
            change_request_types: vec![2],
            service_request_types: Vec::new(),
            fields: TicketFields::default(),
            own_user_id: None,
        }
    }
}
