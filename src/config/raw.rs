//! The config file as written: strings and options, before validation.
//!
//! Every table is a struct whose fields are all optional, so a missing key is never a serde
//! error; validation decides what is required. Leaves are [`Lenient`], which accepts any TOML
//! value and remembers a type mismatch instead of failing, so one wrong type does not hide the
//! other problems of the same section. Unknown keys are not rejected here: the loader collects
//! them all with `serde_ignored`.

use serde::de::{DeserializeOwned, Deserializer};
use serde::Deserialize;
use std::collections::BTreeMap;

/// What a leaf type is called in an error message ("expected a whole number, found string").
pub(super) trait Kind {
    const WHAT: &'static str;
}

impl Kind for String {
    const WHAT: &'static str = "a string";
}
impl Kind for bool {
    const WHAT: &'static str = "true or false";
}
impl Kind for i64 {
    const WHAT: &'static str = "a whole number";
}
impl Kind for Vec<String> {
    const WHAT: &'static str = "a list of strings, e.g. [\"a\", \"b\"]";
}
impl Kind for Vec<i64> {
    const WHAT: &'static str = "a list of whole numbers, e.g. [1, 2]";
}
impl Kind for toml::Value {
    const WHAT: &'static str = "a value";
}

/// A leaf value: the parsed value, or the TOML type that was found instead.
#[derive(Debug, Clone)]
pub(super) enum Lenient<T> {
    Ok(T),
    Bad { found: &'static str },
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        let found = v.type_str();
        // The serde message may quote the value (a secret, perhaps): keep only its type.
        Ok(match T::deserialize(v) {
            Ok(t) => Lenient::Ok(t),
            Err(_) => Lenient::Bad { found },
        })
    }
}

pub(super) type L<T> = Option<Lenient<T>>;

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawDaemon {
    pub state_file: L<String>,
    pub timezone: L<String>,
    pub poll_interval: L<String>,
    pub language: L<String>,
    pub dry_run: L<bool>,
    pub http_listen: L<String>,
    pub templates_dir: L<String>,
    pub reports_dir: L<String>,
    pub off_hours_calendar: L<String>,
    pub storm_limit: L<i64>,
    pub shutdown_grace: L<String>,
    pub retention: L<String>,
    pub poll_wait: L<String>,
    pub http_max_connections: L<i64>,
    pub http_request_timeout: L<String>,
    pub http_token: L<String>,
    pub http_token_file: L<String>,
    pub public_url: L<String>,
    pub unit_word: L<String>,
    pub unit_word_plural: L<String>,
    pub signature: L<String>,
    pub ack_secret: L<String>,
    pub ack_secret_file: L<String>,
    pub hook_token: L<String>,
    pub hook_token_file: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawPureservice {
    pub base_url: L<String>,
    pub api_prefix: L<String>,
    pub api_key: L<String>,
    pub api_key_file: L<String>,
    pub auth: L<String>,
    pub timeout: L<String>,
    pub max_requests_per_minute: L<i64>,
    pub page_size: L<i64>,
    pub max_response_bytes: L<i64>,
    pub max_pages: L<i64>,
    pub sync_overlap: L<String>,
    pub date_literal: L<String>,
    pub sync: L<String>,
    pub reference_refresh: L<String>,
    pub unset_priorities: L<Vec<String>>,
    pub municipality_from: L<Vec<String>>,
    pub municipality_from_all: L<bool>,
    pub service_from: L<Vec<String>>,
    pub change_request_types: L<Vec<i64>>,
    pub service_request_types: L<Vec<i64>>,
    pub own_user_id: L<i64>,
    pub priorities: Option<BTreeMap<String, Lenient<String>>>,
    pub statuses: Option<RawStatuses>,
    pub fields: Option<RawFields>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawStatuses {
    pub paused: L<Vec<String>>,
    pub cancelled: L<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawFields {
    pub planned_start: L<String>,
    pub planned_end: L<String>,
    pub consequence: L<String>,
    pub expected_fix: L<String>,
    pub cause: L<String>,
    pub units: L<String>,
    pub actions: L<String>,
    pub workaround: L<String>,
    pub fault_started: L<String>,
    pub tell_callers: L<String>,
    pub cancelled: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawCalendar {
    pub hours: Option<RawHours>,
    pub holidays: L<String>,
    pub closed: L<Vec<String>>,
    pub open: L<Vec<String>>,
    pub timezone: L<String>,
}

/// Opening intervals per weekday: `mon = ["08:00-11:30", "12:00-15:30"]`, or one string
/// `mon = "08:00-11:30, 12:00-15:30"`. Full day names (`monday`) are accepted too.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawHours {
    #[serde(alias = "monday")]
    pub mon: L<toml::Value>,
    #[serde(alias = "tuesday")]
    pub tue: L<toml::Value>,
    #[serde(alias = "wednesday")]
    pub wed: L<toml::Value>,
    #[serde(alias = "thursday")]
    pub thu: L<toml::Value>,
    #[serde(alias = "friday")]
    pub fri: L<toml::Value>,
    #[serde(alias = "saturday")]
    pub sat: L<toml::Value>,
    #[serde(alias = "sunday")]
    pub sun: L<toml::Value>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawSla {
    pub response: L<String>,
    pub resolution: L<String>,
    pub calendar: L<String>,
    pub warn_at: L<Vec<String>>,
    pub label: L<String>,
    pub rank: L<i64>,
    pub checklist: L<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRole {
    pub name: L<String>,
    pub title: L<String>,
    pub email: L<String>,
    pub phone: L<String>,
    pub off_hours: L<String>,
    /// A group: everyone listed is told (instead of `name`/`email`/`phone`).
    pub members: Option<Vec<RawPerson>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawContact {
    pub name: L<String>,
    pub title: L<String>,
    pub email: L<String>,
    pub phone: L<String>,
    pub critical: L<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawMunicipality {
    pub name: L<String>,
    pub companies: L<Vec<String>>,
    pub contacts: Option<Vec<RawContact>>,
    pub teams: L<String>,
}

/// A service's administrator or vendor.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawPerson {
    pub name: L<String>,
    pub title: L<String>,
    pub email: L<String>,
    pub phone: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawService {
    pub name: L<String>,
    pub categories: L<Vec<String>>,
    pub life_and_health: L<bool>,
    pub administrator: Option<RawPerson>,
    pub vendor: Option<RawPerson>,
    pub teams: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawChannels {
    pub email: Option<RawEmail>,
    pub sms: Option<RawSms>,
    pub teams: Option<BTreeMap<String, RawGraphTarget>>,
    pub intranet: Option<RawGraphTarget>,
    pub pureservice_note: Option<RawNote>,
    pub retry: Option<RawRetry>,
    pub limits: Option<RawLimits>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawEmail {
    pub host: L<String>,
    pub port: L<i64>,
    pub tls: L<String>,
    pub username: L<String>,
    pub password: L<String>,
    pub password_file: L<String>,
    pub from: L<String>,
    pub ca_file: L<String>,
    pub timeout: L<String>,
    pub reply_to: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawSms {
    pub provider: L<String>,
    pub url: L<String>,
    pub username: L<String>,
    pub password: L<String>,
    pub password_file: L<String>,
    pub sender: L<String>,
    pub body_template: L<String>,
    pub timeout: L<String>,
}

/// A Teams target or the intranet: a webhook URL, or Microsoft Graph settings.
#[derive(Debug, Default, Deserialize)]
pub(super) struct RawGraphTarget {
    pub kind: L<String>,
    pub url: L<String>,
    pub url_file: L<String>,
    pub authority: L<String>,
    pub tenant: L<String>,
    pub client_id: L<String>,
    pub client_secret: L<String>,
    pub client_secret_file: L<String>,
    pub graph_url: L<String>,
    pub refresh_token_file: L<String>,
    pub team_id: L<String>,
    pub channel_id: L<String>,
    pub site_id: L<String>,
    pub list_id: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawNote {
    pub enabled: L<bool>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawRetry {
    pub initial: L<String>,
    pub max: L<String>,
    pub deadline: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawLimits {
    pub concurrency: L<i64>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawPlanRule {
    pub id: L<String>,
    pub priorities: L<Vec<String>>,
    pub when: L<toml::Value>,
    pub to: L<Vec<String>>,
    pub via: L<Vec<String>>,
    pub template: L<String>,
    pub important: L<bool>,
    pub services: L<Vec<String>>,
    pub categories: L<Vec<String>>,
    pub municipalities: L<Vec<String>>,
    pub ack_within: L<String>,
    pub escalate_to: L<Vec<String>>,
    pub escalation_template: L<String>,
    pub send_within: L<String>,
    pub hold_urgent: L<bool>,
    pub important_for: L<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawClassifyRule {
    pub id: L<String>,
    pub level: L<String>,
    pub action: L<String>,
    pub services: L<Vec<String>>,
    pub life_and_health: L<bool>,
    pub categories: L<Vec<String>>,
    pub municipalities: L<Vec<String>>,
    pub sources: L<Vec<String>>,
    pub keywords: L<Vec<String>>,
    pub also_keywords: L<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawClassification {
    pub default_level: L<String>,
    pub action: L<String>,
    pub cluster_size: L<i64>,
    pub cluster_window: L<String>,
    pub notify: L<Vec<String>>,
    pub via: L<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawChanges {
    pub min_notice: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawAlerts {
    pub to: L<Vec<String>>,
    pub via: L<Vec<String>>,
    pub outage_after: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawPublic {
    pub enabled: L<bool>,
    pub title: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawState {
    pub backend: L<String>,
    pub url: L<String>,
    pub url_file: L<String>,
    pub lease: L<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawIncidentReport {
    pub attach_to: L<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct RawReport {
    pub schedule: L<String>,
    pub to: L<Vec<String>>,
    pub format: L<String>,
    pub months: L<i64>,
}
