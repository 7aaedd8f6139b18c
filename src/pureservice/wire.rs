//! Wire models of the Pureservice API and the resource-named envelope.
//!
//! Responses are `{"tickets":[...], "linked":{"users":[...], ...}}` (not JSON:API `data`), also
//! for a single entity (array of one). The models are deliberately tolerant: unknown fields are
//! ignored, everything that can be `null` is optional, known casing variants are aliases, ids may
//! be numbers or numeric strings, and timestamps are read by [`super::time::parse_timestamp`].

use super::de;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// A relationship under `links`: to-one `{"id": 7}`, to-many `{"ids": [..]}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Link {
    #[serde(deserialize_with = "de::opt_u64")]
    pub id: Option<u64>,
    #[serde(deserialize_with = "ids")]
    pub ids: Vec<u64>,
    #[serde(rename = "type", deserialize_with = "de::opt_string")]
    pub kind: Option<String>,
}

fn ids<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    let v = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    Ok(v.iter()
        .filter_map(|x| x.as_u64().or_else(|| x.as_str()?.trim().parse().ok()))
        .collect())
}

/// `links` of an entity, looked up case-insensitively (`emailAddress` vs `emailaddress`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Links(pub BTreeMap<String, Option<Link>>);

impl Links {
    pub fn get(&self, name: &str) -> Option<&Link> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_ref())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Ticket {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(deserialize_with = "de::opt_u64")]
    pub request_number: Option<u64>,
    #[serde(deserialize_with = "de::opt_string")]
    pub subject: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub description: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub solution: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub status_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub priority_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub ticket_type_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub request_type_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub source_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub user_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub assigned_agent_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub assigned_team_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub assigned_department_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub category1_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub category2_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub category3_id: Option<u64>,
    #[serde(deserialize_with = "de::flag")]
    pub is_marked_for_deletion: bool,
    #[serde(deserialize_with = "de::opt_ts")]
    pub created: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_ts")]
    pub modified: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub modified_by_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_ts")]
    pub responded: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_ts")]
    pub resolved: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_ts")]
    pub closed: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::count")]
    pub reopened_count: u32,
    #[serde(deserialize_with = "de::opt_ts")]
    pub user_waited_since: Option<DateTime<Utc>>,
    pub links: Links,
    /// Everything else, including the custom fields `cf_1`…`cf_N`.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

impl Ticket {
    /// A custom field (`cf_3`) as text; `None` when absent, null or empty.
    pub fn custom(&self, name: &str) -> Option<String> {
        let v = self
            .extra
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)?;
        let s = match v {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return None,
        };
        (!s.is_empty()).then_some(s)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Status {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub core_status: Option<u64>,
}

/// Priorities, categories, teams, sources, request types: an id and a name (and a level).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Named {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub level: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct User {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(deserialize_with = "de::opt_string")]
    pub first_name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub last_name: Option<String>,
    #[serde(alias = "name", deserialize_with = "de::opt_string")]
    pub full_name: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub company_id: Option<u64>,
    #[serde(alias = "emailaddressId", deserialize_with = "de::opt_u64")]
    pub email_address_id: Option<u64>,
    #[serde(
        rename = "phonenumberId",
        alias = "phoneNumberId",
        deserialize_with = "de::opt_u64"
    )]
    pub phonenumber_id: Option<u64>,
    pub links: Links,
}

impl User {
    /// "First Last", or the full name, or `None`.
    pub fn display_name(&self) -> Option<String> {
        let parts: Vec<&str> = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        if !parts.is_empty() {
            return Some(parts.join(" "));
        }
        self.full_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    }
    /// The e-mail address ids this user links to (field or `links`).
    pub fn email_ids(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.email_address_id.into_iter().collect();
        for name in ["emailAddress", "emailAddresses"] {
            if let Some(l) = self.links.get(name) {
                v.extend(l.id);
                v.extend(&l.ids);
            }
        }
        v.dedup();
        v
    }
    /// The phone number ids this user links to (field or `links`).
    pub fn phone_ids(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self.phonenumber_id.into_iter().collect();
        for name in ["phonenumber", "phonenumbers"] {
            if let Some(l) = self.links.get(name) {
                v.extend(l.id);
                v.extend(&l.ids);
            }
        }
        v.dedup();
        v
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Company {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(deserialize_with = "de::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "de::opt_string")]
    pub organization_number: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct EmailAddress {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(alias = "address", deserialize_with = "de::opt_string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub user_id: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PhoneNumber {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(deserialize_with = "de::opt_string")]
    pub number: Option<String>,
    /// 1 = mobile.
    #[serde(rename = "type", deserialize_with = "de::opt_u64")]
    pub kind: Option<u64>,
    #[serde(deserialize_with = "de::opt_u64")]
    pub user_id: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Communication {
    #[serde(deserialize_with = "de::id")]
    pub id: u64,
    #[serde(deserialize_with = "de::opt_u64")]
    pub ticket_id: Option<u64>,
    #[serde(deserialize_with = "de::opt_ts")]
    pub created: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "de::opt_ts")]
    pub modified: Option<DateTime<Utc>>,
}

/// The body of `POST /communication/` for an internal note.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCommunication {
    pub ticket_id: u64,
    pub subject: String,
    pub text: String,
    /// 1 = internal note.
    #[serde(rename = "type")]
    pub kind: u32,
    /// 3 = internal.
    pub direction: u32,
}

impl NewCommunication {
    pub fn internal_note(ticket_id: u64, subject: &str, html: &str) -> Self {
        NewCommunication {
            ticket_id,
            subject: subject.to_string(),
            text: html.to_string(),
            kind: 1,
            direction: 3,
        }
    }
    /// `{"communications":[{...}]}`.
    pub fn envelope(&self) -> Value {
        serde_json::json!({ "communications": [self] })
    }
}

/// Every wire entity has a positive integer id.
pub trait Entity: DeserializeOwned {
    fn id(&self) -> u64;
}

macro_rules! entity {
    ($($t:ty),*) => {$(impl Entity for $t { fn id(&self) -> u64 { self.id } })*};
}
entity!(
    Ticket,
    Status,
    Named,
    User,
    Company,
    EmailAddress,
    PhoneNumber,
    Communication
);

/// Related objects delivered once each under `linked` (absent `linked` = empty).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Linked {
    pub users: Vec<User>,
    pub companies: Vec<Company>,
    pub statuses: Vec<Status>,
    pub priorities: Vec<Named>,
    pub categories: Vec<Named>,
    pub teams: Vec<Named>,
    pub emailaddresses: Vec<EmailAddress>,
    pub phonenumbers: Vec<PhoneNumber>,
}

/// One decoded response: the entities under the resource key, and `linked`.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<T> {
    pub items: Vec<T>,
    pub linked: Linked,
}

/// Decodes `{"<key>":[...], "linked":{...}}`. Any deviation is an error naming where it was
/// found (the caller treats the whole page as unusable).
pub fn decode<T: Entity>(body: &[u8], key: &str) -> Result<Envelope<T>, String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("response is not JSON: {e}"))?;
    let Value::Object(mut top) = v else {
        return Err("response is not a JSON object".into());
    };
    let items = take_key(&mut top, key).ok_or_else(|| format!("response has no {key:?} array"))?;
    let items = items_of::<T>(items, key)?;
    let linked = match take_key(&mut top, "linked") {
        None | Some(Value::Null) => Linked::default(),
        Some(Value::Object(mut l)) => Linked {
            users: linked_of(&mut l, "users")?,
            companies: linked_of(&mut l, "companies")?,
            statuses: linked_of(&mut l, "statuses")?,
            priorities: linked_of(&mut l, "priorities")?,
            categories: linked_of(&mut l, "categories")?,
            teams: linked_of(&mut l, "teams")?,
            emailaddresses: linked_of(&mut l, "emailaddresses")?,
            phonenumbers: linked_of(&mut l, "phonenumbers")?,
        },
        Some(_) => return Err("\"linked\" is not an object".into()),
    };
    Ok(Envelope { items, linked })
}

fn take_key(m: &mut Map<String, Value>, key: &str) -> Option<Value> {
    let k = m.keys().find(|k| k.eq_ignore_ascii_case(key))?.clone();
    m.remove(&k)
}

fn items_of<T: Entity>(v: Value, key: &str) -> Result<Vec<T>, String> {
    let Value::Array(arr) = v else {
        return Err(format!("{key:?} is not an array"));
    };
    arr.into_iter()
        .enumerate()
        .filter(|(i, item)| {
            let Some(raw) = unusable_id(item) else {
                return true;
            };
            refused_once(key, *i, &raw);
            false
        })
        .map(|(i, item)| {
            let t: T = serde_json::from_value(item)
                .map_err(|e| format!("{key}[{i}]: {}", bounded(e.to_string())))?;
            // Container-level `default` would turn a missing id into 0; ids are positive.
            if t.id() == 0 {
                return Err(format!("{key}[{i}]: missing id"));
            }
            Ok(t)
        })
        .collect()
}

/// The raw `id` of a record whose id is present but cannot be ours: negative, fractional, or
/// beyond what a u64 (or, for a JSON float, a double) holds exactly. Such a record is refused on
/// its own — clamping would make two far-side tickets one — and the rest of the page is kept.
/// Any other malformation still fails the whole page.
fn unusable_id(item: &Value) -> Option<String> {
    let obj = item.as_object()?;
    let (_, id) = obj.iter().find(|(k, _)| k.eq_ignore_ascii_case("id"))?;
    let unusable = match id {
        Value::Number(n) => {
            n.as_u64().is_none()
                && !n.as_f64().is_some_and(|f| {
                    (0.0..=9_007_199_254_740_992.0).contains(&f) && f.fract() == 0.0
                })
        }
        Value::String(s) => {
            let t = s.trim();
            !t.is_empty()
                && t.bytes().all(|b| b.is_ascii_digit() || b == b'-')
                && t.parse::<u64>().is_err()
        }
        _ => false,
    };
    unusable.then(|| bounded(id.to_string()))
}

/// Logs a refused record at WARN the first time it is seen (the same page comes back every
/// cycle); remembers a bounded number of them.
fn refused_once(key: &str, index: usize, raw_id: &str) {
    use std::collections::BTreeSet;
    use std::sync::{Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<BTreeSet<String>>> = OnceLock::new();
    let mark = format!("{key}:{raw_id}");
    let mut seen = SEEN
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if seen.len() >= 1024 || !seen.insert(mark) {
        return;
    }
    tracing::warn!(
        record = %format!("{key}[{index}]"),
        id = %raw_id,
        "Pureservice sent a record whose id is out of range; that record is ignored, the rest of the page is used"
    );
}

/// Longest decoder message kept: serde quotes the offending value whole, and a page error is
/// logged every cycle, so a huge string must not end up in the log (found by fuzzing).
const MAX_MESSAGE_CHARS: usize = 300;

fn bounded(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let mut cut: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    cut.push('…');
    cut
}

fn linked_of<T: Entity>(m: &mut Map<String, Value>, key: &str) -> Result<Vec<T>, String> {
    match take_key(m, key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(v) => items_of(v, &format!("linked.{key}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_with_an_out_of_range_id_is_refused_alone() {
        let body = br#"{"tickets":[{"id":18446744073709551616,"subject":"huge"},
            {"id":-3},{"id":1.5},{"id":"99999999999999999999999"},{"id":1e300},
            {"id":7,"subject":"kept"}]}"#;
        let env: Envelope<Ticket> = decode(body, "tickets").unwrap();
        assert_eq!(env.items.len(), 1);
        assert_eq!(env.items[0].id, 7);
        // Other malformations still fail the page: never half-apply a page we cannot read.
        assert!(decode::<Ticket>(br#"{"tickets":[{"id":"abc"},{"id":7}]}"#, "tickets").is_err());
    }

    #[test]
    fn tolerant_ticket() {
        let body = br#"{"tickets":[{"id":"12","requestNumber":1001,"subject":null,
            "statusId":3,"modified":"2026-05-06T10:11:12.1234567","created":"2026-05-06T10:00:00+02:00",
            "isMarkedForDeletion":null,"reopenedCount":null,"cf_3":"Molde","cf_4":7,
            "links":{"status":{"id":3,"type":"status"},"x":null},"somethingNew":{"a":1}}],
            "linked":{"users":[{"id":5,"firstName":"Kari","lastName":"Nordmann","phoneNumberId":"9",
            "companyId":2}],"companies":[{"id":2,"name":"Molde kommune","organizationNumber":964338531}]}}"#;
        let env: Envelope<Ticket> = decode(body, "tickets").unwrap();
        let t = &env.items[0];
        assert_eq!(t.id, 12);
        assert_eq!(t.request_number, Some(1001));
        assert_eq!(t.subject, None);
        assert!(!t.is_marked_for_deletion);
        assert_eq!(t.custom("cf_3").as_deref(), Some("Molde"));
        assert_eq!(t.custom("CF_4").as_deref(), Some("7"));
        assert_eq!(t.links.get("Status").and_then(|l| l.id), Some(3));
        assert_eq!(env.linked.users[0].phone_ids(), vec![9]);
        assert_eq!(
            env.linked.users[0].display_name().as_deref(),
            Some("Kari Nordmann")
        );
        assert_eq!(
            env.linked.companies[0].organization_number.as_deref(),
            Some("964338531")
        );
    }

    #[test]
    fn malformed_is_an_error() {
        assert!(decode::<Ticket>(b"{\"tickets\":[{\"id\":1,", "tickets").is_err());
        assert!(decode::<Ticket>(b"{\"data\":[]}", "tickets").is_err());
        assert!(decode::<Ticket>(b"{\"tickets\":{}}", "tickets").is_err());
        assert!(decode::<Ticket>(b"{\"tickets\":[{\"subject\":\"x\"}]}", "tickets").is_err());
        let e = decode::<Ticket>(
            b"{\"tickets\":[{\"id\":1,\"modified\":\"soon\"}]}",
            "tickets",
        )
        .unwrap_err();
        assert!(e.contains("unreadable timestamp"), "{e}");
        let long = "x".repeat(100_000);
        let e = decode::<Ticket>(
            format!("{{\"tickets\":[{{\"id\":1,\"links\":\"{long}\"}}]}}").as_bytes(),
            "tickets",
        )
        .unwrap_err();
        assert!(e.starts_with("tickets[0]: invalid type"), "{e}");
        assert!(e.chars().count() <= 320, "{} chars", e.chars().count());
        let ok = decode::<Ticket>(b"{\"tickets\":[]}", "tickets").unwrap();
        assert!(ok.items.is_empty());
    }
}
