//! The fake's data: every resource as JSON objects keyed by id, relations between them, and
//! list queries (filter, sort, paging, include/linked) evaluated the way Pureservice does.

use super::linq::{self, Resolver, Val};
use crate::pureservice::time::parse_timestamp;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Path name → envelope key. The API's resource names (`/ticket/` → `"tickets"`).
pub const RESOURCES: &[(&str, &str)] = &[
    ("ticket", "tickets"),
    ("status", "statuses"),
    ("priority", "priorities"),
    ("user", "users"),
    ("company", "companies"),
    ("category", "categories"),
    ("team", "teams"),
    ("emailaddress", "emailaddresses"),
    ("phonenumber", "phonenumbers"),
    ("communication", "communications"),
    ("tickettype", "tickettypes"),
    ("requesttype", "requesttypes"),
    ("department", "departments"),
    ("source", "sources"),
];

pub fn plural(resource: &str) -> Option<&'static str> {
    RESOURCES
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(resource))
        .map(|(_, p)| *p)
}

fn canonical(resource: &str) -> Option<&'static str> {
    RESOURCES
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(resource))
        .map(|(r, _)| *r)
}

/// A relation from an entity: its foreign-key field (to-one) or, for `phonenumbers`, the
/// back-reference `userId` on the target (to-many).
#[derive(Debug, Clone, Copy)]
enum Rel {
    One(&'static str, &'static str),
    ManyByUser(&'static str),
}

fn relation(name: &str) -> Option<Rel> {
    Some(match name.to_ascii_lowercase().as_str() {
        "status" => Rel::One("statusId", "status"),
        "priority" => Rel::One("priorityId", "priority"),
        "user" => Rel::One("userId", "user"),
        "assignedagent" => Rel::One("assignedAgentId", "user"),
        "assignedteam" => Rel::One("assignedTeamId", "team"),
        "assigneddepartment" => Rel::One("assignedDepartmentId", "department"),
        "category1" => Rel::One("category1Id", "category"),
        "category2" => Rel::One("category2Id", "category"),
        "category3" => Rel::One("category3Id", "category"),
        "company" => Rel::One("companyId", "company"),
        "emailaddress" => Rel::One("emailAddressId", "emailaddress"),
        "phonenumbers" | "phonenumber" => Rel::ManyByUser("phonenumber"),
        "requesttype" => Rel::One("requestTypeId", "requesttype"),
        "tickettype" => Rel::One("ticketTypeId", "tickettype"),
        "source" => Rel::One("sourceId", "source"),
        "ticket" => Rel::One("ticketId", "ticket"),
        _ => return None,
    })
}

/// A list request as the server parsed it.
#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub filter: Option<String>,
    pub sort: Option<String>,
    pub include: Option<String>,
    pub start: Option<String>,
    pub limit: Option<String>,
    /// Ignore `sort` and serve in a fixed order that is neither id nor modified order
    /// ([`super::Tenant::SortIgnored`]).
    pub ignore_sort: bool,
}

pub const MAX_LIMIT: usize = 500;

/// One page of entities (with `links`) and the `linked` object.
pub type Listed = (Vec<Map<String, Value>>, Map<String, Value>);

#[derive(Debug, Default, Clone)]
pub struct Store {
    pub data: BTreeMap<&'static str, BTreeMap<u64, Map<String, Value>>>,
}

impl Store {
    pub fn table(&self, resource: &str) -> Option<&BTreeMap<u64, Map<String, Value>>> {
        self.data.get(canonical(resource)?)
    }

    pub fn table_mut(&mut self, resource: &str) -> &mut BTreeMap<u64, Map<String, Value>> {
        let r = canonical(resource).unwrap_or("ticket");
        self.data.entry(r).or_default()
    }

    pub fn get(&self, resource: &str, id: u64) -> Option<&Map<String, Value>> {
        self.table(resource)?.get(&id)
    }

    pub fn next_id(&self, resource: &str) -> u64 {
        self.table(resource)
            .and_then(|t| t.keys().next_back().copied())
            .unwrap_or(0)
            + 1
    }

    /// Inserts an entity with the given id (the `id` field is set to match).
    pub fn insert(&mut self, resource: &str, id: u64, mut obj: Map<String, Value>) {
        obj.insert("id".into(), id.into());
        self.table_mut(resource).insert(id, obj);
    }

    /// Finds an entity id by its `name` (case-insensitive).
    pub fn id_by_name(&self, resource: &str, name: &str) -> Option<u64> {
        self.table(resource)?.iter().find_map(|(id, o)| {
            o.get("name")
                .and_then(Value::as_str)
                .filter(|n| n.eq_ignore_ascii_case(name))
                .map(|_| *id)
        })
    }

    fn related(&self, obj: &Map<String, Value>, rel: Rel) -> Vec<(&'static str, u64)> {
        match rel {
            Rel::One(field, target) => obj
                .get(field)
                .and_then(Value::as_u64)
                .filter(|id| self.get(target, *id).is_some())
                .map(|id| vec![(target, id)])
                .unwrap_or_default(),
            Rel::ManyByUser(target) => {
                let Some(uid) = obj.get("id").and_then(Value::as_u64) else {
                    return Vec::new();
                };
                self.table(target)
                    .map(|t| {
                        t.iter()
                            .filter(|(_, o)| o.get("userId").and_then(Value::as_u64) == Some(uid))
                            .map(|(id, _)| (target, *id))
                            .collect()
                    })
                    .unwrap_or_default()
            }
        }
    }

    /// Runs a list query; `Err((status, message))` for what the real API would refuse.
    pub fn list(
        &self,
        resource: &str,
        only: Option<u64>,
        p: &ListParams,
    ) -> Result<Listed, (u16, String)> {
        let table = self
            .table(resource)
            .ok_or((404, format!("unknown resource {resource:?}")))?;
        let expr = match p.filter.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(f) => Some(linq::parse(f).map_err(|e| (400, format!("filter: {e}")))?),
        };
        let mut hits: Vec<&Map<String, Value>> = Vec::new();
        let candidates: Box<dyn Iterator<Item = &Map<String, Value>>> = match only {
            Some(id) => Box::new(table.get(&id).into_iter()),
            None => Box::new(table.values()),
        };
        for obj in candidates {
            let keep = match &expr {
                None => true,
                Some(e) => linq::eval(
                    e,
                    &Entity {
                        store: self,
                        resource,
                        obj,
                    },
                )
                .map_err(|e| (400, format!("filter: {e}")))?,
            };
            if keep {
                hits.push(obj);
            }
        }
        if p.ignore_sort {
            // Stable from request to request (so start/limit paging is consistent), yet
            // unrelated to id or modified.
            hits.sort_by_key(|o| {
                let id = o.get("id").and_then(Value::as_u64).unwrap_or(0);
                (id.wrapping_mul(2_654_435_761) % 4_294_967_291, id)
            });
        } else if let Some(sort) = p.sort.as_deref().filter(|s| !s.trim().is_empty()) {
            let keys = parse_sort(sort)?;
            let mut keyed: Vec<(Vec<SortKey>, &Map<String, Value>)> = hits
                .into_iter()
                .map(|o| {
                    (
                        keys.iter()
                            .map(|(f, _)| sort_key(o.get(f.as_str())))
                            .collect(),
                        o,
                    )
                })
                .collect();
            keyed.sort_by(|a, b| {
                for (i, (_, desc)) in keys.iter().enumerate() {
                    let o = a.0[i]
                        .partial_cmp(&b.0[i])
                        .unwrap_or(std::cmp::Ordering::Equal);
                    let o = if *desc { o.reverse() } else { o };
                    if o != std::cmp::Ordering::Equal {
                        return o;
                    }
                }
                std::cmp::Ordering::Equal
            });
            hits = keyed.into_iter().map(|(_, o)| o).collect();
        }
        let start = parse_num(p.start.as_deref(), "start")?.unwrap_or(0);
        let limit = parse_num(p.limit.as_deref(), "limit")?
            .unwrap_or(MAX_LIMIT)
            .min(MAX_LIMIT);
        let page: Vec<&Map<String, Value>> = hits.into_iter().skip(start).take(limit).collect();
        let linked = self.linked(resource, &page, p.include.as_deref())?;
        let items = page.into_iter().map(|o| self.with_links(o)).collect();
        Ok((items, linked))
    }

    /// The entity as served: its fields plus `links` for every to-one relation it has.
    pub fn with_links(&self, obj: &Map<String, Value>) -> Map<String, Value> {
        let mut out = obj.clone();
        let mut links = Map::new();
        for (k, v) in obj {
            if let (Some(name), Some(id)) = (k.strip_suffix("Id"), v.as_u64()) {
                if let Some(Rel::One(_, target)) = relation(name) {
                    links.insert(name.into(), serde_json::json!({"id": id, "type": target}));
                }
            }
        }
        if !links.is_empty() {
            out.insert("links".into(), Value::Object(links));
        }
        out
    }

    fn linked(
        &self,
        resource: &str,
        page: &[&Map<String, Value>],
        include: Option<&str>,
    ) -> Result<Map<String, Value>, (u16, String)> {
        let mut found: BTreeMap<&'static str, BTreeSet<u64>> = BTreeMap::new();
        // Every entity reachable through the include paths, once each (`resource` only names
        // the error).
        for path in include
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let mut current: Vec<&Map<String, Value>> = page.to_vec();
            for step in path.split('.') {
                let rel = relation(step).ok_or((
                    400,
                    format!("include: {resource} has no relation {step:?} ({path:?})"),
                ))?;
                let mut next = Vec::new();
                let mut stepped = BTreeSet::new();
                for o in &current {
                    for (target, id) in self.related(o, rel) {
                        found.entry(target).or_default().insert(id);
                        if stepped.insert(id) {
                            next.extend(self.get(target, id));
                        }
                    }
                }
                current = next;
            }
        }
        let mut linked = Map::new();
        for (target, ids) in found {
            let items: Vec<Value> = ids
                .iter()
                .filter_map(|id| self.get(target, *id))
                .map(|o| Value::Object(self.with_links(o)))
                .collect();
            linked.insert(plural(target).unwrap_or(target).into(), Value::Array(items));
        }
        Ok(linked)
    }
}

fn parse_num(v: Option<&str>, name: &str) -> Result<Option<usize>, (u16, String)> {
    match v.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => s
            .parse()
            .map(Some)
            .map_err(|_| (400, format!("{name} must be a non-negative integer"))),
    }
}

fn parse_sort(s: &str) -> Result<Vec<(String, bool)>, (u16, String)> {
    s.split(',')
        .map(|part| {
            let mut w = part.split_whitespace();
            let field = w
                .next()
                .ok_or((400, format!("sort: empty entry in {s:?}")))?;
            let desc = match w.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => return Err((400, format!("sort: unknown direction {other:?}"))),
            };
            if w.next().is_some() {
                return Err((400, format!("sort: cannot read {part:?}")));
            }
            Ok((field.to_string(), desc))
        })
        .collect()
}

#[derive(Debug, PartialEq, PartialOrd)]
enum SortKey {
    Null,
    Num(f64),
    Time(i64),
    Text(String),
}

fn sort_key(v: Option<&Value>) -> SortKey {
    match v {
        None | Some(Value::Null) => SortKey::Null,
        Some(Value::Number(n)) => SortKey::Num(n.as_f64().unwrap_or(0.0)),
        Some(Value::Bool(b)) => SortKey::Num(*b as u8 as f64),
        Some(Value::String(s)) => match parse_timestamp(s).filter(|_| s.len() > 12) {
            Some(t) => SortKey::Time(t.timestamp_nanos_opt().unwrap_or(i64::MAX)),
            None => SortKey::Text(s.clone()),
        },
        Some(_) => SortKey::Null,
    }
}

/// One entity seen through the filter's eyes.
struct Entity<'a> {
    store: &'a Store,
    resource: &'a str,
    obj: &'a Map<String, Value>,
}

impl Resolver for Entity<'_> {
    fn resolve(&self, path: &[String]) -> Result<Val, String> {
        let (first, rest) = path.split_first().ok_or("empty path")?;
        if rest.is_empty() {
            let v = self
                .obj
                .get(first.as_str())
                .or_else(|| {
                    self.obj
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(first))
                        .map(|(_, v)| v)
                })
                .ok_or_else(|| {
                    format!(
                        "No property or field '{first}' exists in type '{}'",
                        self.resource
                    )
                })?;
            return Ok(match v {
                Value::Null => Val::Null,
                Value::Bool(b) => Val::Bool(*b),
                Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
                Value::String(s) => Val::Str(s.clone()),
                _ => Val::Null,
            });
        }
        let rel = relation(first).ok_or_else(|| {
            format!(
                "No property or field '{first}' exists in type '{}'",
                self.resource
            )
        })?;
        let Rel::One(_, target) = rel else {
            return Err(format!("'{first}' is a collection"));
        };
        match self.store.related(self.obj, rel).first() {
            None => Ok(Val::Null),
            Some((_, id)) => {
                let obj = self.store.get(target, *id).ok_or("dangling relation")?;
                Entity {
                    store: self.store,
                    resource: target,
                    obj,
                }
                .resolve(rest)
            }
        }
    }
}
