//! Configuration: the TOML file admins edit, read in two stages.
//!
//! `raw` mirrors the file (strings, options; unknown keys collected with their paths), `validate`
//! turns it into the typed [`Config`] below, collecting **every** problem with its key path and a
//! hint ([`ConfigError`]). Everything after loading uses only the typed `Config`: durations are
//! parsed, time zones resolved, calendars compiled, references between sections checked.
//! Secrets are [`Secret`]s (redacted `Debug`) read from the file, a `*_file`, or the environment
//! (`SLAVAKT_<SECTION>__<KEY>`).

mod build;
mod calendars;
mod channels;
mod classify;
mod ctx;
mod daemon;
mod env;
mod incident_report;
mod people;
mod plan;
mod public;
mod pureservice;
mod raw;
mod refs;
mod reports;
mod sla;
mod state;
mod validate;

use crate::calendar::Calendar;
use crate::duration::HumanDuration;
use crate::secret::Secret;
use chrono_tz::Tz;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// One problem in a config file: where, what, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// Dotted key path, e.g. `plan[3].to[1]` or `roles.vakthavende.phone`.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// All problems found in one file.
#[derive(Debug, Clone)]
pub struct ConfigErrors {
    pub file: PathBuf,
    pub errors: Vec<ConfigError>,
}

impl std::fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}: {} problem(s) found",
            self.file.display(),
            self.errors.len()
        )?;
        for e in &self.errors {
            writeln!(f, "  - {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

/// Loads, applies environment overrides, reads secret files and validates.
pub fn load(path: &Path) -> Result<Config, ConfigErrors> {
    // `vars_os`: a non-UTF-8 variable elsewhere in the environment must not crash the loader.
    let env = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect();
    validate::load_file(path, &env)
}

/// Same as [`load`] with an explicit environment (tests).
pub fn load_with_env(path: &Path, env: &BTreeMap<String, String>) -> Result<Config, ConfigErrors> {
    validate::load_file(path, env)
}

/// Parses and validates TOML text; `base_dir` resolves relative `*_file` paths.
pub fn from_str(
    text: &str,
    origin: &Path,
    env: &BTreeMap<String, String>,
) -> Result<Config, ConfigErrors> {
    validate::from_str(text, origin, env)
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub source: PathBuf,
    pub daemon: DaemonConfig,
    pub pureservice: PureserviceConfig,
    /// Always contains `24x7`.
    pub calendars: BTreeMap<String, Calendar>,
    /// SLA levels by name (`kritisk`, `hoy`, …).
    pub sla: BTreeMap<String, SlaLevel>,
    /// `[sla] on_priority_change`: where deadlines count from after a raise.
    pub on_priority_change: OnPriorityChange,
    pub roles: BTreeMap<String, Role>,
    pub municipalities: Vec<Municipality>,
    pub services: Vec<Service>,
    pub channels: Channels,
    pub plan: Vec<PlanRule>,
    pub classify: ClassifyConfig,
    pub changes: ChangeConfig,
    pub alerts: AlertsConfig,
    pub reports: Vec<ReportSchedule>,
    pub incident_report: IncidentReportConfig,
    pub public: PublicConfig,
    /// `[state]`: where the state lives (the file, or PostgreSQL with leadership).
    pub state: StateConfig,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Nb,
    Nn,
    Da,
    En,
}

impl Language {
    pub fn code(&self) -> &'static str {
        match self {
            Language::Nb => "nb",
            Language::Nn => "nn",
            Language::Da => "da",
            Language::En => "en",
        }
    }
}

#[derive(Debug, Clone)]
pub struct DaemonConfig {
    pub state_file: PathBuf,
    pub timezone: Tz,
    pub poll_interval: chrono::Duration,
    pub language: Language,
    pub dry_run: bool,
    /// `None` disables the HTTP endpoint. Default `127.0.0.1:9464`.
    pub http_listen: Option<SocketAddr>,
    pub templates_dir: Option<PathBuf>,
    /// Where serious-incident reports and monthly reports are written.
    pub reports_dir: PathBuf,
    /// Calendar whose closed hours make `off_hours` stand-ins take over (default `kundeservice`).
    pub off_hours_calendar: String,
    /// More than this many intents for one recipient in one cycle are sent as one digest.
    pub storm_limit: u32,
    /// How long in-flight sends may take after SIGTERM.
    pub shutdown_grace: chrono::Duration,
    /// Resolved tickets are kept this long for reports (default 13 months ≈ 396 days).
    pub retention: chrono::Duration,
    /// How long a cycle waits for a running poll before planning and delivering without it
    /// (the poll goes on and is applied by a later cycle). Default 10 s.
    pub poll_wait: chrono::Duration,
    /// Open connections the HTTP endpoint serves at once; more wait in the kernel's backlog.
    pub http_max_connections: u32,
    /// Time a client has to send its request (headers and body) and the answer takes at most.
    pub http_request_timeout: chrono::Duration,
    /// Bearer token (or Basic password) for `/` and `/status.json`; required beyond loopback.
    pub http_token: Option<crate::secret::Secret>,
    /// Where people reach `http_listen` from (e.g. `https://slavakt.kommune.example`): the base
    /// of acknowledgement links. `None`: messages carry no link (a response in Pureservice
    /// still acknowledges).
    pub public_url: Option<url::Url>,
    /// Signs acknowledgement tokens; required with `public_url`.
    pub ack_secret: Option<Secret>,
    /// What an affected unit is called in messages ("kommune", "forvaltning", "enhet"), and
    /// its plural; default the language's word for municipality.
    pub unit_word: String,
    pub unit_word_plural: String,
    /// The sign-off / contact line that ends every e-mail (e.g. "Hilsen ROR-IKT Kundeservice,
    /// tlf. …"); none when unset.
    pub signature: Option<String>,
    /// Token a Pureservice workflow presents on `POST /hooks/pureservice` to start a cycle at
    /// once (the push hint); `None`: the endpoint does not exist.
    pub hook_token: Option<Secret>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    XAuthorizationKey,
    Bearer,
}

/// How a timestamp is written inside a Pureservice `filter=` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLiteral {
    /// `DateTimeOffset(2026, 5, 6, 0, 0, 0, 0, TimeSpan(0, 2, 0, 0))` (seen in production).
    DateTimeOffset,
    /// `"2026-05-06T00:00:00Z"` as a quoted string.
    IsoString,
}

/// How the sync reads tickets (`[pureservice] sync`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SyncSetting {
    /// Decide from what the tenant answers, at start-up and again when it misbehaves.
    #[default]
    Auto,
    /// Tickets modified since the cursor (needs a date filter and an honoured sort).
    Modified,
    /// The whole open set every cycle, plus the tickets that left it, read by id.
    OpenSet,
}

/// Where the affected municipality (or service) of a ticket is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldSource {
    /// Requester → company → `[[municipalities]].companies`.
    RequesterCompany,
    /// Category names (`[[services]].categories`).
    Category,
    /// A custom field such as `cf_3`, holding a name (several separated by `,` or `;`).
    CustomField(String),
}

#[derive(Debug, Clone)]
pub struct PureserviceConfig {
    pub base_url: url::Url,
    pub api_prefix: String,
    pub api_key: Secret,
    pub auth: AuthMode,
    pub timeout: chrono::Duration,
    pub max_requests_per_minute: u32,
    pub page_size: u32,
    /// Largest answer body read from Pureservice (bytes); a longer one fails the request.
    pub max_response_bytes: u64,
    /// Most pages one paged read of a reference table may take; more fails the read.
    pub max_pages: u32,
    /// Re-read window behind the cursor, to survive clock skew and slow commits.
    pub sync_overlap: chrono::Duration,
    pub date_literal: DateLiteral,
    pub sync: SyncSetting,
    /// Refresh cached reference data (users, companies, …) this often.
    pub reference_refresh: chrono::Duration,
    /// Pureservice priority name → SLA level name.
    pub priorities: BTreeMap<String, String>,
    /// Priority names that mean "not set" (classification applies).
    pub unset_priorities: Vec<String>,
    /// Status names that pause the SLA clocks.
    pub paused_statuses: Vec<String>,
    /// Status names that mean a planned change was cancelled (`[pureservice.statuses] cancelled`).
    pub cancelled_statuses: Vec<String>,
    pub municipality_from: Vec<FieldSource>,
    /// `true`: the units of every `municipality_from` source, combined (a custom field listing
    /// several, the category, the requester's company); `false`: the first source naming any.
    pub municipality_from_all: bool,
    pub service_from: Vec<FieldSource>,
    /// `requestTypeId` values that are planned changes (default `[2]`).
    pub change_request_types: Vec<u64>,
    /// `requestTypeId` values that are service requests (tjenesteforespørsler) in the board
    /// report; every other non-change ticket is a fault report (default `[]`).
    pub service_request_types: Vec<u64>,
    pub fields: TicketFields,
    /// Who the daemon is in Pureservice (its own notes are not "status updates by an agent").
    pub own_user_id: Option<u64>,
}

/// Optional custom fields that carry information the templates use.
#[derive(Debug, Clone, Default)]
pub struct TicketFields {
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub consequence: Option<String>,
    pub expected_fix: Option<String>,
    pub cause: Option<String>,
    pub units: Option<String>,
    /// What is being done now (tiltak, §5).
    pub actions: Option<String>,
    /// Temporary solution (§2.4, life-and-health services).
    pub workaround: Option<String>,
    /// When the fault began, as people report it (not the ticket's creation).
    pub fault_started: Option<String>,
    /// What Kundeservice tells callers.
    pub tell_callers: Option<String>,
    /// A field that, when set (anything but empty, `false`, `0`, `nei`, `no`), marks a planned
    /// change cancelled.
    pub cancelled: Option<String>,
}

/// `[sla] on_priority_change`: the re-plan rule when a ticket's priority changes (a reading of
/// SLA §5.6 to confirm with the service desk; docs/SLA.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnPriorityChange {
    /// The new level's deadlines count from the ticket's creation (a Middels ticket raised to
    /// Kritisk after 40 minutes is breached at the raise). The default.
    #[default]
    FromCreation,
    /// They count from the last raise to a more severe level; a lowering keeps that start.
    FromRaise,
}

#[derive(Debug, Clone)]
pub struct SlaLevel {
    pub name: String,
    /// Shown in messages and reports, e.g. "Kritisk".
    pub label: String,
    pub response: HumanDuration,
    pub resolution: HumanDuration,
    pub calendar: String,
    /// Percentages (1–100) at which a warning fires, ascending.
    pub warn_at: Vec<u8>,
    /// Rank for "higher than": larger is more severe. Derived from the order of `[sla.*]`
    /// tables in the file unless `rank` is given (kritisk 4, hoy 3, middels 2, lav 1).
    pub rank: u32,
    /// `checklist`: the steps the plan leaves to people at the start of an incident of this
    /// level, listed in the opening alert beside what slavakt has done itself.
    pub checklist: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// The person's name; for a group, its `title` (or the role's key).
    pub name: String,
    /// What the role is called in the organisation ("Kriseleder"), shown beside the name.
    pub title: Option<String>,
    /// The one person's addresses; `None` for a group (its members have theirs).
    pub email: Option<String>,
    /// E.164, e.g. `+4790000101`.
    pub phone: Option<String>,
    /// Role that stands in outside `daemon.off_hours_calendar` hours.
    pub off_hours: Option<String>,
    /// A group role's members (`members = [{ name, email, phone }, …]`); empty for one person.
    pub members: Vec<Contact>,
}

impl Role {
    /// The people the role stands for: a group's members, or the one person.
    pub fn people(&self) -> Vec<Contact> {
        if !self.members.is_empty() {
            return self.members.clone();
        }
        vec![Contact {
            name: self.name.clone(),
            title: self.title.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
            critical: false,
        }]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub name: String,
    pub title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub critical: bool,
}

#[derive(Debug, Clone)]
pub struct Municipality {
    pub name: String,
    pub companies: Vec<String>,
    pub contacts: Vec<Contact>,
    /// Its own Teams target (`[channels.teams.NAME]`), used by `via = "teams:municipality"`.
    pub teams: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub categories: Vec<String>,
    /// The SLA's Kritisk definition: systems needed for life and health.
    pub life_and_health: bool,
    pub administrator: Option<Contact>,
    pub vendor: Option<Contact>,
    /// Its own Teams target (`[channels.teams.NAME]`), used by `via = "teams:service"`.
    pub teams: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    StartTls,
    Tls,
    None,
}

#[derive(Debug, Clone)]
pub struct EmailChannel {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub from: String,
    /// Extra CA certificate (PEM) for a private relay.
    pub ca_file: Option<PathBuf>,
    pub timeout: chrono::Duration,
    /// `Reply-To` of every mail (`[channels.email] reply_to`): where a reader's answer goes,
    /// e.g. the service desk, when `from` is a no-reply address.
    pub reply_to: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsProvider {
    Link,
    Sveve,
    Twilio,
    Http,
}

#[derive(Debug, Clone)]
pub struct SmsChannel {
    pub provider: SmsProvider,
    pub url: String,
    pub username: Option<String>,
    pub password: Option<Secret>,
    pub sender: String,
    /// `http` provider: JSON body with `{{ to }}`, `{{ text }}`, `{{ sender }}` placeholders.
    pub body_template: Option<String>,
    pub timeout: chrono::Duration,
}

/// OAuth client settings shared by the Graph-based channels.
#[derive(Debug, Clone)]
pub struct GraphAuth {
    /// e.g. `https://login.microsoftonline.com`
    pub authority: String,
    pub tenant: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// e.g. `https://graph.microsoft.com/v1.0`
    pub graph_url: String,
}

#[derive(Debug, Clone)]
pub enum TeamsChannel {
    Workflows {
        url: Secret,
    },
    Graph {
        auth: GraphAuth,
        /// File holding the delegated refresh token; rotated tokens are written back.
        refresh_token_file: PathBuf,
        team_id: String,
        channel_id: String,
    },
}

#[derive(Debug, Clone)]
pub enum IntranetChannel {
    SharepointNews {
        auth: GraphAuth,
        site_id: String,
    },
    SharepointList {
        auth: GraphAuth,
        site_id: String,
        list_id: String,
    },
    Webhook {
        url: Secret,
    },
}

#[derive(Debug, Clone, Default)]
pub struct Channels {
    pub email: Option<EmailChannel>,
    pub sms: Option<SmsChannel>,
    pub teams: BTreeMap<String, TeamsChannel>,
    pub intranet: Option<IntranetChannel>,
    pub pureservice_note: bool,
    pub retry: RetryPolicy,
    /// At most this many sends in flight per channel.
    pub concurrency: usize,
}

#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub initial: chrono::Duration,
    pub max: chrono::Duration,
    /// Give up (permanent failure, fallback) after this long.
    pub deadline: chrono::Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            initial: chrono::Duration::seconds(5),
            max: chrono::Duration::minutes(5),
            deadline: chrono::Duration::hours(1),
        }
    }
}

/// A `via` entry of a plan rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ChannelRef {
    Email,
    Sms,
    Teams(String),
    Intranet,
    PureserviceNote,
}

impl ChannelRef {
    pub fn parse(s: &str) -> Option<ChannelRef> {
        match s {
            "email" => Some(ChannelRef::Email),
            "sms" => Some(ChannelRef::Sms),
            "intranet" => Some(ChannelRef::Intranet),
            "pureservice_note" => Some(ChannelRef::PureserviceNote),
            _ => s
                .strip_prefix("teams:")
                .filter(|n| !n.is_empty())
                .map(|n| ChannelRef::Teams(n.to_string())),
        }
    }
    /// Whether messages on this channel go to a person (e-mail, SMS) or to a shared target.
    pub fn is_personal(&self) -> bool {
        matches!(self, ChannelRef::Email | ChannelRef::Sms)
    }
}

impl std::fmt::Display for ChannelRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelRef::Email => f.write_str("email"),
            ChannelRef::Sms => f.write_str("sms"),
            ChannelRef::Teams(n) => write!(f, "teams:{n}"),
            ChannelRef::Intranet => f.write_str("intranet"),
            ChannelRef::PureserviceNote => f.write_str("pureservice_note"),
        }
    }
}

/// A `to` entry of a plan rule.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Audience {
    Role(String),
    ServiceAdministrator,
    ServiceVendor,
    MunicipalityCritical,
    MunicipalityAll,
    TicketAssignee,
    Notified,
}

impl Audience {
    pub fn parse(s: &str) -> Option<Audience> {
        match s {
            "service:administrator" => Some(Audience::ServiceAdministrator),
            "service:vendor" => Some(Audience::ServiceVendor),
            "municipality:critical" => Some(Audience::MunicipalityCritical),
            "municipality:all" => Some(Audience::MunicipalityAll),
            "ticket:assignee" => Some(Audience::TicketAssignee),
            "notified" => Some(Audience::Notified),
            _ => s
                .strip_prefix("role:")
                .filter(|n| !n.is_empty())
                .map(|n| Audience::Role(n.to_string())),
        }
    }
}

impl std::fmt::Display for Audience {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Audience::Role(n) => write!(f, "role:{n}"),
            Audience::ServiceAdministrator => f.write_str("service:administrator"),
            Audience::ServiceVendor => f.write_str("service:vendor"),
            Audience::MunicipalityCritical => f.write_str("municipality:critical"),
            Audience::MunicipalityAll => f.write_str("municipality:all"),
            Audience::TicketAssignee => f.write_str("ticket:assignee"),
            Audience::Notified => f.write_str("notified"),
        }
    }
}

/// A `when` entry of a plan rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    Opened,
    After(HumanDuration),
    Every(HumanDuration),
    NoUpdateFor(HumanDuration),
    ResponseWarning,
    ResponseBreached,
    ResolutionWarning,
    ResolutionBreached,
    Resolved,
    Reopened,
    ChangeStartsIn(HumanDuration),
    ChangeStarted,
    ChangeCompleted,
    /// Planned start/end moved after the announcement.
    ChangeMoved,
    ChangeCancelled,
    /// Registered with less notice than the longest `change_starts_in` rule.
    ChangeShortNotice,
}

#[derive(Debug, Clone)]
pub struct PlanRule {
    pub id: String,
    /// SLA level names the rule applies to.
    pub priorities: Vec<String>,
    pub when: Trigger,
    pub to: Vec<Audience>,
    pub via: Vec<ChannelRef>,
    pub template: String,
    pub important: bool,
    /// `important_for`: SLA levels at which the rule's messages are important although
    /// `important` is false (one change rule: a Kritisk change announced, others a conversation).
    pub important_for: Vec<String>,
    /// Which tickets the rule is for, beyond `priorities`.
    pub filters: RuleFilters,
    /// `ack_within` + `escalate_to`: the occurrence must be acknowledged, or the chain is told.
    pub ack: Option<AckPolicy>,
    /// `send_within`: hold what falls outside this calendar's hours until it opens.
    pub hold: Option<SendWithin>,
}

impl PlanRule {
    /// Whether the rule's message about a ticket at `level` is marked important.
    pub fn important_at(&self, level: Option<&str>) -> bool {
        self.important || level.is_some_and(|l| self.important_for.iter().any(|i| i == l))
    }
}

/// `send_within = "CALENDAR"` (+ `hold_urgent`): a non-urgent notice that falls due while the
/// calendar is closed waits for its next opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendWithin {
    /// A `[calendars.NAME]` (checked when the config is built).
    pub calendar: String,
    /// `hold_urgent = true`: hold even the first notice of an incident whose level runs on an
    /// always-open calendar (Kritisk, Høy). Default `false`: that notice is never held.
    pub urgent: bool,
}

/// A rule that asks for acknowledgement: unacknowledged `within` after an occurrence, the next
/// entry of `escalate_to` is told (one step per `within`), with who did not answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckPolicy {
    /// Wall-clock time each step waits.
    pub within: chrono::Duration,
    /// The chain, in order; each entry is told on the rule's personal channels.
    pub escalate_to: Vec<Audience>,
    /// Template of the escalation messages (default `escalation`).
    pub template: String,
}

/// `[[plan]]` `services`, `categories` and `municipalities`: a rule fires only for tickets
/// matching every filter it gives (an empty list does not filter). Names compare ignoring case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleFilters {
    pub services: Vec<String>,
    pub categories: Vec<String>,
    /// Any of the ticket's affected municipalities (units) may match.
    pub municipalities: Vec<String>,
}

impl RuleFilters {
    pub fn matches(
        &self,
        service: Option<&str>,
        category: Option<&str>,
        municipalities: &[String],
    ) -> bool {
        let one = |list: &[String], v: Option<&str>| {
            list.is_empty()
                || v.is_some_and(|v| list.iter().any(|x| x.to_lowercase() == v.to_lowercase()))
        };
        one(&self.services, service)
            && one(&self.categories, category)
            && (self.municipalities.is_empty()
                || municipalities
                    .iter()
                    .any(|m| one(&self.municipalities, Some(m))))
    }
}

/// `via = "teams:municipality"`: each affected municipality's own `teams` target.
pub const TEAMS_MUNICIPALITY: &str = "municipality";
/// `via = "teams:service"`: the ticket's service's own `teams` target.
pub const TEAMS_SERVICE: &str = "service";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassifyAction {
    Suggest,
    Set,
}

#[derive(Debug, Clone)]
pub struct ClassifyRule {
    pub id: String,
    pub level: String,
    pub action: ClassifyAction,
    pub services: Vec<String>,
    /// Matches any service flagged `life_and_health`.
    pub life_and_health: bool,
    pub categories: Vec<String>,
    pub municipalities: Vec<String>,
    pub sources: Vec<String>,
    /// Normalised keywords (lower case, diacritics folded as documented in `classify`).
    pub keywords: Vec<String>,
    /// A second keyword group: when given, one of these must match as well as one of
    /// `keywords` (e.g. the system's name and an outage word).
    pub also_keywords: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ClassifyConfig {
    pub rules: Vec<ClassifyRule>,
    /// Level for an unprioritised ticket no rule matches (`None`: leave it unclassified).
    pub default_level: Option<String>,
    pub default_action: ClassifyAction,
    /// Suspected major incident: `cluster_size` tickets about one service within `cluster_window`.
    pub cluster_size: u32,
    pub cluster_window: chrono::Duration,
    pub notify: Vec<Audience>,
    pub via: Vec<ChannelRef>,
}

#[derive(Debug, Clone)]
pub struct ChangeConfig {
    /// Minimum notice for planned downtime (SLA §6.2: 3 days).
    pub min_notice: HumanDuration,
}

/// `[incident_report]`: roles whose resolved-notice e-mail carries the serious-incident report
/// (default: the first role the plan tells). The roles'
/// `off_hours` stand-ins get it too.
#[derive(Debug, Clone)]
pub struct IncidentReportConfig {
    pub attach_to: Vec<String>,
}

/// `[public]`: the public status feed under `/public/` (off unless `enabled = true`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublicConfig {
    pub enabled: bool,
    /// The page's name; `None` uses the language's default title.
    pub title: Option<String>,
}

/// `[state]`: the state backend. `File` (default) is `daemon.state_file`; `Postgres` keeps the
/// state in a database shared by several instances, one of which leads (see `docs/HA.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateConfig {
    pub backend: StateBackend,
    /// How long a leader's lease lasts without renewal: a standby takes over within it.
    pub lease: chrono::Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateBackend {
    File,
    /// The connection string (URL or `key=value` form): a secret, it may hold the password.
    Postgres {
        url: Secret,
    },
}

impl Default for StateConfig {
    fn default() -> Self {
        StateConfig {
            backend: StateBackend::File,
            lease: chrono::Duration::seconds(15),
        }
    }
}

/// Where alerts about the daemon itself go (Pureservice outage, failed deliveries).
#[derive(Debug, Clone)]
pub struct AlertsConfig {
    pub to: Vec<Audience>,
    pub via: Vec<ChannelRef>,
    /// Pureservice unreachable this long → outage alert.
    pub outage_after: chrono::Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Md,
    Html,
    Csv,
    Json,
}

#[derive(Debug, Clone)]
pub struct ReportSchedule {
    pub schedule: cron::Schedule,
    /// Cron source text (for display and as the idempotency key).
    pub schedule_text: String,
    /// E-mail addresses or `role:NAME` entries, resolved at send time.
    pub to: Vec<String>,
    pub format: ReportFormat,
    /// How many months the report covers, ending with the month before the fire (1–12).
    pub months: u32,
}

impl Config {
    pub fn level(&self, name: &str) -> Option<&SlaLevel> {
        self.sla.get(name)
    }
    /// SLA level for a Pureservice priority name (or an SLA level name given directly).
    pub fn level_for_priority(&self, priority: &str) -> Option<&SlaLevel> {
        self.pureservice
            .priorities
            .get(priority)
            .and_then(|l| self.sla.get(l))
            .or_else(|| self.sla.get(priority))
    }
    pub fn calendar(&self, name: &str) -> Option<&Calendar> {
        self.calendars.get(name)
    }
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }
    pub fn municipality(&self, name: &str) -> Option<&Municipality> {
        self.municipalities.iter().find(|m| m.name == name)
    }
}
