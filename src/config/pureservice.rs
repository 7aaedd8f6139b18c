//! `[pureservice]`: the API endpoint and key, paging and rate limits, and how tickets map onto
//! slavakt's terms (priority names → SLA levels, pause statuses, municipality/service sources,
//! custom fields).

use super::ctx::{key, Ctx};
use super::raw::{RawFields, RawPureservice};
use super::{
    AuthMode, DateLiteral, FieldSource, PureserviceConfig, SlaLevel, SyncSetting, TicketFields,
};
use crate::secret::Secret;
use std::collections::BTreeMap;

pub(super) fn build(
    raw: Option<RawPureservice>,
    levels: &BTreeMap<String, SlaLevel>,
    ctx: &mut Ctx,
) -> PureserviceConfig {
    let missing = raw.is_none();
    let raw = raw.unwrap_or_default();
    if missing {
        ctx.err(
            "pureservice",
            "missing required section",
            Some("add [pureservice] with base_url and api_key_file".into()),
        );
    }
    let p = |k: &str| format!("pureservice.{k}");
    let base_url = match ctx.get(&raw.base_url, &p("base_url")) {
        None => {
            if !missing {
                ctx.err(
                    p("base_url"),
                    "missing required key",
                    Some(
                        "the address of your Pureservice, e.g. \"https://kommune.pureservice.com\""
                            .into(),
                    ),
                );
            }
            None
        }
        Some(s) => match url::Url::parse(s.trim()) {
            Ok(u) if u.scheme() == "http" || u.scheme() == "https" => Some(u),
            _ => {
                ctx.err(
                    p("base_url"),
                    format!("{s:?} is not an http(s) URL"),
                    Some("write e.g. \"https://kommune.pureservice.com\"".into()),
                );
                None
            }
        },
    };
    let mut api_key = ctx.secret(&raw.api_key, &raw.api_key_file, "pureservice", "api_key");
    // A key that cannot go into an HTTP header would pass here and fail every request of `run`.
    if api_key
        .as_ref()
        .is_some_and(|k| reqwest::header::HeaderValue::from_str(k.expose()).is_err())
    {
        ctx.err(
            p("api_key"),
            "the API key contains a line break or another control character",
            Some(
                "copy the key again; the file may hold only the key (one trailing newline is fine)"
                    .into(),
            ),
        );
        api_key = None;
    }
    if api_key.is_none() && raw.api_key.is_none() && raw.api_key_file.is_none() && !missing {
        ctx.err(
            p("api_key_file"),
            "no API key: set api_key_file (or api_key, or SLAVAKT_PURESERVICE__API_KEY)",
            Some("create an API key in Pureservice (Administrasjon → API-nøkler) and store it in a file readable only by slavakt".into()),
        );
    }
    let auth = match ctx.text(&raw.auth, &p("auth")).as_deref() {
        None | Some("x-authorization-key") => AuthMode::XAuthorizationKey,
        Some("bearer") => AuthMode::Bearer,
        Some(o) => {
            ctx.err(
                p("auth"),
                format!("unknown auth mode {o:?}"),
                Some("use \"x-authorization-key\" or \"bearer\"".into()),
            );
            AuthMode::XAuthorizationKey
        }
    };
    let date_literal = match ctx.text(&raw.date_literal, &p("date_literal")).as_deref() {
        None | Some("datetimeoffset") => DateLiteral::DateTimeOffset,
        Some("iso") => DateLiteral::IsoString,
        Some(o) => {
            ctx.err(
                p("date_literal"),
                format!("unknown date literal {o:?}"),
                Some("use \"datetimeoffset\" or \"iso\"".into()),
            );
            DateLiteral::DateTimeOffset
        }
    };
    let sync = match ctx.text(&raw.sync, &p("sync")).as_deref() {
        None | Some("auto") => SyncSetting::Auto,
        Some("modified") => SyncSetting::Modified,
        Some("open-set") => SyncSetting::OpenSet,
        Some(o) => {
            ctx.err(
                p("sync"),
                format!("unknown sync mode {o:?}"),
                Some("use \"auto\", \"modified\" or \"open-set\"".into()),
            );
            SyncSetting::Auto
        }
    };
    let api_prefix = ctx
        .text(&raw.api_prefix, &p("api_prefix"))
        .unwrap_or_else(|| "/agent/api".into());
    if !api_prefix.starts_with('/') {
        ctx.err(
            p("api_prefix"),
            format!("{api_prefix:?} must start with /"),
            Some("the default is \"/agent/api\"".into()),
        );
    }
    let mut priorities = BTreeMap::new();
    for (name, level) in raw.priorities.unwrap_or_default() {
        let path = format!("pureservice.priorities.{}", key(&name));
        let Some(level) = ctx.text(&Some(level), &path) else {
            continue;
        };
        if !levels.contains_key(&level) {
            let known: Vec<&str> = levels.keys().map(|s| s.as_str()).collect();
            ctx.err(
                &path,
                format!("priority {name:?} is mapped to the unknown SLA level {level:?}"),
                Some(format!(
                    "define [sla.{}] or use one of: {}",
                    key(&level),
                    known.join(", ")
                )),
            );
        }
        priorities.insert(name, level);
    }
    let unset_priorities = ctx.list(&raw.unset_priorities, &p("unset_priorities"));
    for (i, u) in unset_priorities.iter().enumerate() {
        if priorities.contains_key(u) {
            ctx.err(
                format!("{}[{i}]", p("unset_priorities")),
                format!("{u:?} is both an unset priority and mapped in [pureservice.priorities]"),
                Some("remove it from one of them".into()),
            );
        }
    }
    let paused_statuses = match &raw.statuses {
        Some(s) => ctx.list(&s.paused, "pureservice.statuses.paused"),
        None => Vec::new(),
    };
    let cancelled_statuses = match &raw.statuses {
        Some(s) => ctx.list(&s.cancelled, "pureservice.statuses.cancelled"),
        None => Vec::new(),
    };
    for (i, c) in cancelled_statuses.iter().enumerate() {
        if paused_statuses.iter().any(|p| p.eq_ignore_ascii_case(c)) {
            ctx.err(
                format!("pureservice.statuses.cancelled[{i}]"),
                format!("{c:?} is both a pause status and a cancelled status"),
                Some("a cancelled change is over; remove it from one of the lists".into()),
            );
        }
    }
    let mut request_types =
        |raw: &super::raw::L<Vec<i64>>, key: &str, default: Vec<u64>| match ctx.get(raw, &p(key)) {
            None => default,
            Some(v) => v
                .into_iter()
                .enumerate()
                .filter_map(|(i, n)| {
                    if n < 0 {
                        ctx.err(format!("{}[{i}]", p(key)), "must not be negative", None);
                        None
                    } else {
                        Some(n as u64)
                    }
                })
                .collect(),
        };
    let change_request_types =
        request_types(&raw.change_request_types, "change_request_types", vec![2]);
    let service_request_types = request_types(
        &raw.service_request_types,
        "service_request_types",
        Vec::new(),
    );
    let own_user_id = raw
        .own_user_id
        .as_ref()
        .map(|_| ctx.number(&raw.own_user_id, &p("own_user_id"), 1, i64::MAX, 1) as u64);
    PureserviceConfig {
        base_url: base_url
            .unwrap_or_else(|| url::Url::parse("http://invalid.example").expect("url")),
        api_prefix,
        api_key: api_key.unwrap_or_else(|| Secret::new("")),
        auth,
        timeout: ctx.wall(&raw.timeout, &p("timeout"), "30s"),
        max_requests_per_minute: ctx.number(
            &raw.max_requests_per_minute,
            &p("max_requests_per_minute"),
            1,
            100_000,
            90,
        ) as u32,
        page_size: ctx.number(&raw.page_size, &p("page_size"), 1, 10_000, 500) as u32,
        max_response_bytes: ctx.number(
            &raw.max_response_bytes,
            &p("max_response_bytes"),
            64 * 1024,
            1 << 30,
            crate::pureservice::DEFAULT_MAX_RESPONSE_BYTES as i64,
        ) as u64,
        max_pages: ctx.number(
            &raw.max_pages,
            &p("max_pages"),
            1,
            100_000,
            crate::pureservice::DEFAULT_MAX_PAGES as i64,
        ) as u32,
        sync_overlap: ctx.wall(&raw.sync_overlap, &p("sync_overlap"), "2m"),
        date_literal,
        sync,
        reference_refresh: ctx.wall(&raw.reference_refresh, &p("reference_refresh"), "1h"),
        priorities,
        unset_priorities,
        paused_statuses,
        cancelled_statuses,
        municipality_from: sources(
            &raw.municipality_from,
            &p("municipality_from"),
            "requester_company",
            ctx,
        ),
        municipality_from_all: ctx.flag(&raw.municipality_from_all, &p("municipality_from_all")),
        service_from: sources(&raw.service_from, &p("service_from"), "category", ctx),
        change_request_types,
        service_request_types,
        fields: fields(raw.fields.as_ref(), ctx),
        own_user_id,
    }
}

fn sources(
    v: &super::raw::L<Vec<String>>,
    path: &str,
    default: &str,
    ctx: &mut Ctx,
) -> Vec<FieldSource> {
    let list = match ctx.get(v, path) {
        None => vec![default.to_string()],
        Some(l) => l,
    };
    let mut out = Vec::new();
    for (i, s) in list.iter().enumerate() {
        match s.as_str() {
            "requester_company" => out.push(FieldSource::RequesterCompany),
            "category" => out.push(FieldSource::Category),
            cf if is_custom_field(cf) => out.push(FieldSource::CustomField(cf.to_string())),
            other => ctx.err(
                format!("{path}[{i}]"),
                format!("unknown source {other:?}"),
                Some("use \"requester_company\", \"category\" or a custom field \"cf_N\" (e.g. \"cf_3\")".into()),
            ),
        }
    }
    out
}

pub(super) fn is_custom_field(s: &str) -> bool {
    s.strip_prefix("cf_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn fields(raw: Option<&RawFields>, ctx: &mut Ctx) -> TicketFields {
    let Some(f) = raw else {
        return TicketFields::default();
    };
    let mut one = |v: &super::raw::L<String>, k: &str| {
        let path = format!("pureservice.fields.{k}");
        ctx.text(v, &path)
    };
    TicketFields {
        planned_start: one(&f.planned_start, "planned_start"),
        planned_end: one(&f.planned_end, "planned_end"),
        consequence: one(&f.consequence, "consequence"),
        expected_fix: one(&f.expected_fix, "expected_fix"),
        cause: one(&f.cause, "cause"),
        units: one(&f.units, "units"),
        actions: one(&f.actions, "actions"),
        workaround: one(&f.workaround, "workaround"),
        fault_started: one(&f.fault_started, "fault_started"),
        tell_callers: one(&f.tell_callers, "tell_callers"),
        cancelled: one(&f.cancelled, "cancelled"),
    }
}
