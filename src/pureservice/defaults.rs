//! Defaults of `[pureservice]`, for the config validator and for tests that talk to a fake.

use crate::config::{AuthMode, DateLiteral, FieldSource, PureserviceConfig, TicketFields};
use crate::secret::Secret;
use std::collections::BTreeMap;

pub const DEFAULT_PREFIX: &str = "/agent/api";
pub const DEFAULT_MAX_REQUESTS_PER_MINUTE: u32 = 90;
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// Pureservice never returns more than this per page.
pub const MAX_PAGE_SIZE: u32 = 500;

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
            sync_overlap: chrono::Duration::minutes(2),
            date_literal: DateLiteral::DateTimeOffset,
            reference_refresh: chrono::Duration::hours(6),
            priorities: BTreeMap::new(),
            unset_priorities: Vec::new(),
            paused_statuses: Vec::new(),
            municipality_from: vec![FieldSource::RequesterCompany],
            service_from: vec![FieldSource::Category],
            change_request_types: vec![2],
            fields: TicketFields::default(),
            own_user_id: None,
        }
    }
}

/// `auth`: `x-authorization-key` (default) or `bearer`.
pub fn parse_auth(s: &str) -> Option<AuthMode> {
    match s.trim().to_ascii_lowercase().as_str() {
        "x-authorization-key" => Some(AuthMode::XAuthorizationKey),
        "bearer" => Some(AuthMode::Bearer),
        _ => None,
    }
}

/// `date_literal`: `datetimeoffset` (default) or `iso`.
pub fn parse_date_literal(s: &str) -> Option<DateLiteral> {
    match s.trim().to_ascii_lowercase().as_str() {
        "datetimeoffset" => Some(DateLiteral::DateTimeOffset),
        "iso" | "iso_string" | "string" => Some(DateLiteral::IsoString),
        _ => None,
    }
}

/// An entry of `municipality_from` / `service_from`: `requester_company`, `category`, or a
/// custom field `cf_N`.
pub fn parse_field_source(s: &str) -> Option<FieldSource> {
    let t = s.trim();
    match t.to_ascii_lowercase().as_str() {
        "requester_company" | "company" => Some(FieldSource::RequesterCompany),
        "category" | "categories" => Some(FieldSource::Category),
        lower => {
            let n = lower.strip_prefix("cf_")?;
            (!n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
                .then(|| FieldSource::CustomField(lower.to_string()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_switches() {
        assert_eq!(parse_auth("Bearer"), Some(AuthMode::Bearer));
        assert_eq!(parse_auth("basic"), None);
        assert_eq!(parse_date_literal("iso"), Some(DateLiteral::IsoString));
        assert_eq!(
            parse_date_literal("DateTimeOffset"),
            Some(DateLiteral::DateTimeOffset)
        );
        assert_eq!(
            parse_field_source("requester_company"),
            Some(FieldSource::RequesterCompany)
        );
        assert_eq!(
            parse_field_source("CF_12"),
            Some(FieldSource::CustomField("cf_12".into()))
        );
        assert_eq!(parse_field_source("cf_x"), None);
    }
}
