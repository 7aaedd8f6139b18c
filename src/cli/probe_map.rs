//! `slavakt probe`, second half: how the tenant's names map under this config, read from the
//! reference data and the open tickets (GET only). Statuses → open / paused / solved,
//! priorities → SLA levels, request types → change / service request / incident, and for the
//! configured municipality and service sources the hit rate over the open tickets, sample
//! values, and the Pureservice names that map to nothing.

use crate::config::{Config, FieldSource};
use crate::pureservice::mapping::{self, MapSettings, Warned};
use crate::pureservice::refcache::RefCache;
use crate::pureservice::wire::Ticket;
use crate::ticket::TicketKind;
use serde::Serialize;
use std::collections::BTreeMap;

/// How many sample values and unmatched names are shown per field.
const SAMPLES: usize = 5;
const UNMATCHED: usize = 20;

/// How one configured source field did over the open tickets.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct FieldHit {
    /// The configured sources, in order (`requester_company`, `category`, `cf_3`).
    pub from: Vec<String>,
    /// Open tickets the sources gave a value for.
    pub hits: usize,
    /// Open tickets looked at.
    pub of: usize,
    /// `hits / of` (0 when there are none).
    pub rate: f64,
    /// Values found (after mapping), most frequent first.
    pub samples: Vec<String>,
    /// Pureservice names on those tickets that map to nothing in the config.
    pub unmatched: Vec<String>,
}

/// The mapping findings.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Mapping {
    /// Status name → `open`, `paused`, `solved`, `closed` or `unknown` (no `coreStatus`).
    pub statuses: BTreeMap<String, &'static str>,
    /// Priority name → SLA level, `unset` (classification applies) or `null` (not mapped).
    pub priorities: BTreeMap<String, Option<String>>,
    /// Request types on the open tickets (`#id` when the tenant has no name for it) →
    /// `change`, `service_request` or `incident`.
    pub request_types: BTreeMap<String, &'static str>,
    pub municipality_field: FieldHit,
    pub service_field: FieldHit,
}

fn source_name(s: &FieldSource) -> String {
    match s {
        FieldSource::RequesterCompany => "requester_company".into(),
        FieldSource::Category => "category".into(),
        FieldSource::CustomField(cf) => cf.clone(),
    }
}

/// The raw Pureservice names a source offers on a ticket (what the config would have to map).
fn raw_names(src: &FieldSource, t: &Ticket, cache: &RefCache) -> Vec<String> {
    match src {
        FieldSource::RequesterCompany => t
            .user_id
            .and_then(|u| cache.users.get(&u))
            .and_then(|u| u.company_id)
            .and_then(|c| cache.companies.get(&c))
            .and_then(|c| c.name.clone())
            .into_iter()
            .collect(),
        FieldSource::Category => [t.category1_id, t.category2_id, t.category3_id]
            .into_iter()
            .flatten()
            .filter_map(|id| cache.categories.get(&id)?.name.clone())
            .collect(),
        FieldSource::CustomField(cf) => mapping::custom_names(t, cf),
    }
}

/// Maps the open tickets (already read, the cache completed) and the reference data.
pub fn mapping(
    config: &Config,
    cache: &RefCache,
    open: &[&Ticket],
    request_type_names: &BTreeMap<u64, String>,
) -> Mapping {
    let ps = &config.pureservice;
    let mut m = Mapping::default();
    for s in cache.statuses.values() {
        let name = s.name.clone().unwrap_or_else(|| format!("#{}", s.id));
        let class = match s.core_status {
            None => "unknown",
            Some(_) if ps.paused_statuses.iter().any(|p| p == &name) => "paused",
            Some(c) if c < 50 => "open",
            Some(c) if c >= 60 => "closed",
            Some(_) => "solved",
        };
        m.statuses.insert(name, class);
    }
    for p in cache.priorities.values() {
        let Some(name) = p.name.clone() else { continue };
        let level = if ps
            .unset_priorities
            .iter()
            .any(|u| u.eq_ignore_ascii_case(&name))
        {
            Some("unset".to_string())
        } else {
            ps.priorities.get(&name).cloned()
        };
        m.priorities.insert(name, level);
    }
    let settings = MapSettings {
        pureservice: ps.clone(),
        municipalities: config.municipalities.clone(),
        services: config.services.clone(),
    };
    let mut warned = Warned::default();
    let mut found_m: BTreeMap<String, usize> = BTreeMap::new();
    let mut found_s: BTreeMap<String, usize> = BTreeMap::new();
    let mut miss_m: BTreeMap<String, usize> = BTreeMap::new();
    let mut miss_s: BTreeMap<String, usize> = BTreeMap::new();
    let (mut hits_m, mut hits_s) = (0, 0);
    for t in open {
        let snap = mapping::to_snapshot(t, cache, &settings, false, &mut warned);
        if let Some(rt) = t.request_type_id {
            let name = request_type_names
                .get(&rt)
                .cloned()
                .unwrap_or_else(|| format!("#{rt}"));
            let kind = match snap.kind {
                TicketKind::Change => "change",
                TicketKind::Request => "service_request",
                TicketKind::Incident => "incident",
            };
            m.request_types.insert(name, kind);
        }
        if !snap.municipalities.is_empty() {
            hits_m += 1;
        }
        for v in &snap.municipalities {
            *found_m.entry(v.clone()).or_default() += 1;
        }
        if let Some(v) = &snap.service {
            hits_s += 1;
            *found_s.entry(v.clone()).or_default() += 1;
        }
        for src in &ps.municipality_from {
            for raw in raw_names(src, t, cache) {
                if !config
                    .municipalities
                    .iter()
                    .any(|x| same(&x.name, &raw) || x.companies.iter().any(|c| same(c, &raw)))
                {
                    *miss_m.entry(raw).or_default() += 1;
                }
            }
        }
        if snap.service.is_none() {
            for src in &ps.service_from {
                for raw in raw_names(src, t, cache) {
                    *miss_s.entry(raw).or_default() += 1;
                }
            }
        }
    }
    // A category that names a service at another level is not "unmapped".
    miss_s.retain(|raw, _| {
        !config
            .services
            .iter()
            .any(|s| same(&s.name, raw) || s.categories.iter().any(|c| same(c, raw)))
    });
    m.municipality_field = field(&ps.municipality_from, hits_m, open.len(), found_m, miss_m);
    m.service_field = field(&ps.service_from, hits_s, open.len(), found_s, miss_s);
    m
}

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn by_count(counts: BTreeMap<String, usize>, n: usize) -> Vec<String> {
    let mut v: Vec<(String, usize)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().take(n).map(|(k, _)| k).collect()
}

fn field(
    from: &[FieldSource],
    hits: usize,
    of: usize,
    found: BTreeMap<String, usize>,
    missed: BTreeMap<String, usize>,
) -> FieldHit {
    FieldHit {
        from: from.iter().map(source_name).collect(),
        hits,
        of,
        rate: if of == 0 {
            0.0
        } else {
            (hits as f64 / of as f64 * 1000.0).round() / 1000.0
        },
        samples: by_count(found, SAMPLES),
        unmatched: by_count(missed, UNMATCHED),
    }
}

/// What the findings ask of the config (problems) and what is only worth knowing (notes).
pub fn advice(m: &Mapping, problems: &mut Vec<String>, notes: &mut Vec<String>) {
    for (what, key, f) in [
        ("municipality", "municipality_from", &m.municipality_field),
        ("service", "service_from", &m.service_field),
    ] {
        if f.of == 0 || f.from.is_empty() {
            continue;
        }
        let unmatched = if f.unmatched.is_empty() {
            String::new()
        } else {
            format!("; names that map to nothing: {}", f.unmatched.join(", "))
        };
        if f.hits == 0 && f.of >= 5 {
            problems.push(format!(
                "no open ticket gets a {what} from [pureservice] {key} = [{}]{unmatched}: point \
                 {key} at the field that holds it, or add the names to the config",
                f.from.join(", ")
            ));
        } else if f.hits * 2 < f.of {
            notes.push(format!(
                "only {} of {} open tickets get a {what} from {key}{unmatched}",
                f.hits, f.of
            ));
        } else if !f.unmatched.is_empty() {
            notes.push(format!("{what}: {}", unmatched.trim_start_matches("; ")));
        }
    }
}
