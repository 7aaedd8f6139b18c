//! The fake's HTTP side: one handler that checks auth, `Accept`, the budget and armed faults,
//! routes by path, and logs what it saw.

use super::store::{plural, ListParams, Store};
use super::{
    linq, seed, FakeState, Fault, LoggedRequest, NewTicket, RetryAfterForm, Shared, Tenant,
};
use crate::pureservice::time::{format_timestamp, parse_timestamp};
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

const JSON_API: &str = "application/vnd.api+json";
const TIMESTAMP_FIELDS: &[&str] = &[
    "created",
    "modified",
    "responded",
    "resolved",
    "closed",
    "userWaitedSince",
];

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

struct Reply {
    status: u16,
    body: String,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: u16, v: Value) -> Reply {
        Reply {
            status,
            body: v.to_string(),
            headers: vec![("content-type", JSON_API.into())],
        }
    }
    fn error(status: u16, message: &str) -> Reply {
        Reply::json(
            status,
            json!({"errors": [{"status": status, "title": message}]}),
        )
    }
}

async fn handle(
    axum::extract::State(shared): axum::extract::State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let query = uri.query().unwrap_or("").to_string();
    let params: BTreeMap<String, String> = url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let prefix = shared.opts.prefix.trim_end_matches('/');
    let path = uri
        .path()
        .strip_prefix(prefix)
        .filter(|_| !prefix.is_empty() || uri.path().starts_with('/'))
        .map(str::to_string);
    let (auth, auth_ok) = check_auth(&headers, &shared.opts.api_key);

    // Faults that delay come first and are applied outside the lock.
    let slow = {
        let mut st = shared.state.lock().expect("fake lock");
        take_fault(&mut st, path.as_deref().unwrap_or(""), |f| {
            matches!(f, Fault::Slow(_))
        })
    };
    if let Some(Fault::Slow(d)) = slow {
        tokio::time::sleep(d).await;
    }

    let now = shared.opts.clock.now();
    let mut st = shared.state.lock().expect("fake lock");
    let reply = match &path {
        None => Reply::error(404, "not found"),
        Some(_) if !auth_ok => Reply::error(401, "Unauthorized: missing or invalid API key"),
        Some(_) if !accepts_json_api(&headers) => {
            Reply::error(406, "Accept must be application/vnd.api+json")
        }
        Some(p) => match over_budget(&mut st) {
            Some(wait) => too_many(wait, shared.opts.retry_after_form, now),
            None => match take_fault(&mut st, p, |f| !matches!(f, Fault::Slow(_))) {
                Some(Fault::Status(code)) => Reply::error(code, "injected failure"),
                Some(Fault::TooManyRequests(secs, form)) => too_many(secs, form, now),
                Some(Fault::Malformed) => Reply {
                    status: 200,
                    body: "{\"tickets\":[{\"id\":1,\"subject\":\"cut off".into(),
                    headers: vec![("content-type", JSON_API.into())],
                },
                Some(Fault::Redirect(location)) => Reply {
                    status: 302,
                    body: String::new(),
                    headers: vec![("location", location)],
                },
                Some(Fault::Oversized(bytes)) => Reply {
                    status: 200,
                    body: format!("{{\"tickets\":[],\"pad\":\"{}\"}}", "x".repeat(bytes)),
                    headers: vec![("content-type", JSON_API.into())],
                },
                _ => route(&mut st, &method, p, &params, &headers, &body, now),
            },
        },
    };
    let mut reply = reply;
    if st.rate_headers {
        if let Some(budget) = st.budget {
            let left = budget.saturating_sub(st.accepted.len() as u32);
            reply
                .headers
                .push(("x-ratelimit-limit", budget.to_string()));
            reply
                .headers
                .push(("x-ratelimit-remaining", left.to_string()));
        }
    }
    let odd = st.odd_timestamps;
    let reply = if odd && reply.status < 300 {
        oddify(reply)
    } else if st.tenant == Tenant::WholeSeconds && reply.status < 300 {
        whole_seconds(reply)
    } else {
        reply
    };
    let logged_path = path.clone().unwrap_or_else(|| uri.path().to_string());
    st.log.push(LoggedRequest {
        method: method.to_string(),
        path: logged_path.clone(),
        query,
        params,
        body: String::from_utf8_lossy(&body).into_owned(),
        status: reply.status,
        auth,
    });
    run_hooks(&mut st, &logged_path, now);
    drop(st);

    let mut resp = (
        StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        reply.body,
    )
        .into_response();
    for (k, v) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(k, v);
        }
    }
    resp
}

fn check_auth(h: &HeaderMap, key: &str) -> (&'static str, bool) {
    if let Some(v) = h.get("x-authorization-key") {
        return ("x-authorization-key", v.as_bytes() == key.as_bytes());
    }
    if let Some(v) = h.get("authorization").and_then(|v| v.to_str().ok()) {
        let ok = v
            .strip_prefix("Bearer ")
            .or_else(|| v.strip_prefix("bearer "))
            .is_some_and(|k| k.trim() == key);
        return ("bearer", ok);
    }
    ("none", false)
}

fn accepts_json_api(h: &HeaderMap) -> bool {
    h.get_all("accept")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains(JSON_API))
}

fn over_budget(st: &mut FakeState) -> Option<u64> {
    let budget = st.budget? as usize;
    let now = tokio::time::Instant::now();
    while st
        .accepted
        .front()
        .is_some_and(|t| now.duration_since(*t) >= st.window)
    {
        st.accepted.pop_front();
    }
    if st.accepted.len() < budget {
        st.accepted.push_back(now);
        return None;
    }
    let oldest = *st.accepted.front()?;
    let left = (oldest + st.window).saturating_duration_since(now);
    Some(left.as_secs() + u64::from(left.subsec_nanos() > 0))
}

fn too_many(secs: u64, form: RetryAfterForm, now: DateTime<Utc>) -> Reply {
    let mut r = Reply::error(429, "Too many requests");
    match form {
        RetryAfterForm::Seconds => r.headers.push(("retry-after", secs.to_string())),
        RetryAfterForm::HttpDate => {
            let at = now + chrono::Duration::seconds(secs as i64);
            r.headers
                .push(("date", httpdate::fmt_http_date(now.into())));
            r.headers
                .push(("retry-after", httpdate::fmt_http_date(at.into())));
        }
    }
    r
}

fn take_fault(st: &mut FakeState, path: &str, want: impl Fn(&Fault) -> bool) -> Option<Fault> {
    let i = st.faults.iter().position(|f| {
        f.remaining > 0 && want(&f.fault) && f.path.as_deref().map_or(true, |p| path.contains(p))
    })?;
    let f = &mut st.faults[i];
    if f.skip > 0 {
        f.skip -= 1;
        return None;
    }
    f.remaining -= 1;
    let fault = f.fault.clone();
    if f.remaining == 0 {
        st.faults.remove(i);
    }
    Some(fault)
}

fn run_hooks(st: &mut FakeState, path: &str, now: DateTime<Utc>) {
    let mut due = Vec::new();
    for h in st.hooks.iter_mut().filter(|h| path.contains(&h.path)) {
        h.seen += 1;
        if h.seen == h.nth {
            due.extend(h.action.take());
        }
    }
    st.hooks.retain(|h| h.action.is_some());
    for action in due {
        action(&mut st.store, now);
    }
}

fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn route(
    st: &mut FakeState,
    method: &Method,
    path: &str,
    params: &BTreeMap<String, String>,
    headers: &HeaderMap,
    body: &[u8],
    now: DateTime<Utc>,
) -> Reply {
    let seg = segments(path);
    // A tenant's own page cap (below the documented 500) and a tenant that ignores `include`.
    let limit = match (params.get("limit"), st.page_cap) {
        (Some(l), Some(cap)) => Some(match l.trim().parse::<usize>() {
            Ok(n) => n.min(cap).to_string(),
            Err(_) => l.clone(),
        }),
        (None, Some(cap)) => Some(cap.to_string()),
        (l, None) => l.cloned(),
    };
    let list_params = ListParams {
        filter: params.get("filter").cloned(),
        sort: params.get("sort").cloned(),
        include: params
            .get("include")
            .filter(|_| !st.include_ignored)
            .cloned(),
        start: params.get("start").cloned(),
        limit,
        ignore_sort: st.tenant == Tenant::SortIgnored,
        // `offset` is silently ignored, as by the real API.
    };
    if method == Method::GET {
        if let Some(refused) = refuse_dates(st.tenant, list_params.filter.as_deref()) {
            return refused;
        }
    }
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (method.clone(), seg.as_slice()) {
        (Method::GET, ["ticket", "count"]) => {
            let p = ListParams {
                start: None,
                limit: Some(usize::MAX.to_string()),
                include: None,
                sort: None,
                ..list_params
            };
            match count(&st.store, &p) {
                Ok(n) => Reply::json(200, json!({ "count": n })),
                Err((s, m)) => Reply::error(s, &m),
            }
        }
        (Method::GET, ["ticket", n, "requestNumber"]) => {
            let Ok(n) = n.parse::<u64>() else {
                return Reply::error(400, "request number must be an integer");
            };
            let id = st.store.table("ticket").and_then(|t| {
                t.iter().find_map(|(id, o)| {
                    (o.get("requestNumber").and_then(Value::as_u64) == Some(n)).then_some(*id)
                })
            });
            match id {
                None => Reply::error(404, "ticket not found"),
                Some(id) => list(&st.store, "ticket", Some(id), &list_params),
            }
        }
        (Method::GET, [resource]) => list(&st.store, resource, None, &list_params),
        (Method::GET, [resource, id]) => match id.parse::<u64>() {
            Err(_) => Reply::error(400, "id must be an integer"),
            Ok(id) if st.store.get(resource, id).is_none() => {
                Reply::error(404, &format!("{resource} {id} not found"))
            }
            Ok(id) => list(&st.store, resource, Some(id), &list_params),
        },
        (Method::POST, ["communication"]) => {
            if !content_type.starts_with(JSON_API) {
                return Reply::error(415, "Content-Type must be application/vnd.api+json");
            }
            post_communication(&mut st.store, body, now)
        }
        (Method::PATCH, ["ticket", id]) => {
            if !content_type.starts_with("application/json") {
                return Reply::error(415, "Content-Type must be application/json");
            }
            let Ok(id) = id.parse::<u64>() else {
                return Reply::error(400, "id must be an integer");
            };
            let fields: Value = match serde_json::from_slice(body) {
                Ok(v @ Value::Object(_)) => v,
                _ => return Reply::error(400, "body must be a flat JSON object"),
            };
            if update_ticket(&mut st.store, id, fields, now, seed::API_USER_ID) {
                list(&st.store, "ticket", Some(id), &ListParams::default())
            } else {
                Reply::error(404, &format!("ticket {id} not found"))
            }
        }
        _ => Reply::error(404, "no such endpoint"),
    }
}

/// The 400 a tenant gives for a date comparison it does not accept, if this filter has one.
fn refuse_dates(tenant: Tenant, filter: Option<&str>) -> Option<Reply> {
    if !matches!(tenant, Tenant::IsoRefused | Tenant::NoDateFilter) {
        return None;
    }
    let expr = linq::parse(filter?.trim()).ok()?;
    let mut lits = Vec::new();
    let is_date = |f: &str| TIMESTAMP_FIELDS.iter().any(|d| d.eq_ignore_ascii_case(f));
    linq::date_literals(&expr, &is_date, &mut lits);
    let refused = lits.iter().find(|v| match tenant {
        Tenant::IsoRefused => matches!(v, linq::Val::Str(_)),
        _ => !matches!(v, linq::Val::Null),
    })?;
    let operand = match refused {
        linq::Val::Str(_) => "String",
        _ => "DateTimeOffset",
    };
    Some(Reply::error(
        400,
        &format!("Operator '>=' incompatible with operand types 'DateTimeOffset?' and '{operand}'"),
    ))
}

fn list(store: &Store, resource: &str, only: Option<u64>, p: &ListParams) -> Reply {
    let Some(key) = plural(resource) else {
        return Reply::error(404, &format!("unknown resource {resource:?}"));
    };
    match store.list(resource, only, p) {
        Err((s, m)) => Reply::error(s, &m),
        Ok((items, linked)) => {
            let mut top = Map::new();
            top.insert(
                key.into(),
                Value::Array(items.into_iter().map(Value::Object).collect()),
            );
            if !linked.is_empty() {
                top.insert("linked".into(), Value::Object(linked));
            }
            Reply::json(200, Value::Object(top))
        }
    }
}

fn count(store: &Store, p: &ListParams) -> Result<usize, (u16, String)> {
    store.list("ticket", None, p).map(|(items, _)| items.len())
}

fn post_communication(store: &mut Store, body: &[u8], now: DateTime<Utc>) -> Reply {
    let v: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Reply::error(400, &format!("body is not JSON: {e}")),
    };
    let Some(Value::Object(c)) = v
        .get("communications")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .cloned()
    else {
        return Reply::error(400, "expected {\"communications\":[{...}]}");
    };
    let Some(ticket) = c.get("ticketId").and_then(Value::as_u64) else {
        return Reply::error(400, "ticketId is required");
    };
    if store.get("ticket", ticket).is_none() {
        return Reply::error(404, &format!("ticket {ticket} not found"));
    }
    let id = store.next_id("communication");
    let mut stored = c.clone();
    stored.insert("created".into(), format_timestamp(now).into());
    stored.insert("modified".into(), format_timestamp(now).into());
    stored.insert("createdById".into(), seed::API_USER_ID.into());
    store.insert("communication", id, stored);
    update_ticket(store, ticket, json!({}), now, seed::API_USER_ID);
    let out = store.get("communication", id).cloned().unwrap_or_default();
    Reply::json(201, json!({ "communications": [out] }))
}

/// Merges fields and bumps `modified` (the real API does this on every write).
pub(super) fn update_ticket(
    store: &mut Store,
    id: u64,
    fields: Value,
    now: DateTime<Utc>,
    by: u64,
) -> bool {
    let Some(t) = store.table_mut("ticket").get_mut(&id) else {
        return false;
    };
    if let Value::Object(f) = fields {
        for (k, v) in f {
            if k != "id" {
                t.insert(k, v);
            }
        }
    }
    t.insert("modified".into(), format_timestamp(now).into());
    t.insert("modifiedById".into(), by.into());
    true
}

pub(super) fn create_ticket(
    store: &mut Store,
    t: NewTicket,
    now: DateTime<Utc>,
) -> Result<u64, String> {
    let name_id = |store: &Store, res: &str, name: &str| {
        store
            .id_by_name(res, name)
            .ok_or_else(|| format!("the fake has no {res} named {name:?}"))
    };
    let status = name_id(store, "status", t.status.as_deref().unwrap_or("Ny"))?;
    let priority = match &t.priority {
        Some(p) => Some(name_id(store, "priority", p)?),
        None => None,
    };
    let mut cats = [Value::Null, Value::Null, Value::Null];
    for (i, c) in t.categories.iter().take(3).enumerate() {
        cats[i] = name_id(store, "category", c)?.into();
    }
    let id = store.next_id("ticket");
    let created = t.created.unwrap_or(now);
    let modified = t.modified.unwrap_or(created);
    let mut obj = json!({
        "requestNumber": 1000 + id,
        "subject": t.subject,
        "description": t.description,
        "solution": null,
        "statusId": status,
        "priorityId": priority,
        "ticketTypeId": 1,
        "requestTypeId": t.request_type.unwrap_or(1),
        "sourceId": 1,
        "userId": t.requester,
        "assignedAgentId": t.assignee,
        "assignedTeamId": 1,
        "assignedDepartmentId": 1,
        "category1Id": cats[0],
        "category2Id": cats[1],
        "category3Id": cats[2],
        "visibility": 0,
        "customerReference": null,
        "isMarkedForDeletion": false,
        "created": format_timestamp(created),
        "modified": format_timestamp(modified),
        "createdById": t.requester,
        "modifiedById": t.requester,
        "responded": null,
        "resolved": null,
        "closed": null,
        "reopenedCount": 0,
        "userWaitedSince": null,
    });
    if let Value::Object(m) = &mut obj {
        for (k, v) in t.custom {
            m.insert(k, v);
        }
    }
    let Value::Object(m) = obj else {
        return Err("internal".into());
    };
    store.insert("ticket", id, m);
    Ok(id)
}

/// Rewrites every timestamp in a successful body into one of several valid but unusual forms
/// (no offset, seven fraction digits, a `+02:00` offset, a space separator) — same instants.
fn oddify(mut r: Reply) -> Reply {
    let Ok(mut v) = serde_json::from_str::<Value>(&r.body) else {
        return r;
    };
    fn walk(v: &mut Value, n: &mut usize) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if TIMESTAMP_FIELDS.contains(&k.as_str()) {
                        if let Some(t) = x.as_str().and_then(parse_timestamp) {
                            *n += 1;
                            *x = odd_form(t, *n).into();
                            continue;
                        }
                    }
                    walk(x, n);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, n)),
            _ => {}
        }
    }
    let mut n = 0;
    walk(&mut v, &mut n);
    r.body = v.to_string();
    r
}

/// Rewrites every timestamp in a successful body to the whole second (rounded down), as a
/// tenant that renders coarser than it sorts would.
fn whole_seconds(mut r: Reply) -> Reply {
    let Ok(mut v) = serde_json::from_str::<Value>(&r.body) else {
        return r;
    };
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if TIMESTAMP_FIELDS.contains(&k.as_str()) {
                        if let Some(t) = x.as_str().and_then(parse_timestamp) {
                            *x = t.format("%Y-%m-%dT%H:%M:%SZ").to_string().into();
                            continue;
                        }
                    }
                    walk(x);
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    r.body = v.to_string();
    r
}

fn odd_form(t: DateTime<Utc>, n: usize) -> String {
    match n % 4 {
        0 => t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string() + "0000",
        1 => t
            .with_timezone(&chrono::FixedOffset::east_opt(2 * 3600).expect("offset"))
            .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string(),
        2 => t.format("%Y-%m-%d %H:%M:%S%.6f").to_string(),
        _ => t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string(),
    }
}
