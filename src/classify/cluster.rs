//! Suspected major incidents: many new tickets about one thing in a short time, the way an
//! outage shows up at the service desk.
//!
//! Tickets are grouped by their service; a ticket without a service by each of its
//! municipalities together with its category. Within a group, tickets (by creation time) form a
//! *chain* while each follows the previous one within `cluster_window`. A chain becomes a
//! cluster when `cluster_size` of its tickets were created within one `cluster_window`; the
//! cluster *forms* at the creation of the ticket that completes that count, and keeps every
//! ticket of the chain (earlier stragglers included) and every later one that joins it. A gap
//! longer than the window ends it: later tickets must reach `cluster_size` again to form a new
//! one. Planned changes never count. Clusters whose newest ticket is older than
//! [`super::HORIZON`] are history and ignored.

use super::HORIZON;
use crate::ticket::TrackedTicket;
use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// What the tickets of a cluster have in common.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Service(String),
    /// No service known: the same municipality and category.
    Place {
        municipality: String,
        category: String,
    },
}

impl Group {
    /// Stable text for idempotency keys (`/` would clash with the key separator).
    pub fn key(&self) -> String {
        let k = match self {
            Group::Service(s) => format!("service:{s}"),
            Group::Place {
                municipality,
                category,
            } => format!("municipality:{municipality}:category:{category}"),
        };
        k.replace('/', "-")
    }
    /// Human label for messages: `Sensio Pasientvarsling`, `Trådløst nett (Molde)`.
    pub fn label(&self) -> String {
        match self {
            Group::Service(s) => s.clone(),
            Group::Place {
                municipality,
                category,
            } => format!("{category} ({municipality})"),
        }
    }
}

/// One suspected major incident.
#[derive(Debug, Clone)]
pub struct Cluster<'a> {
    pub group: Group,
    /// In creation order (ties by id).
    pub members: Vec<&'a TrackedTicket>,
    /// When `cluster_size` tickets within one window were first reached.
    pub formed_at: DateTime<Utc>,
}

fn groups_of(t: &TrackedTicket) -> Vec<Group> {
    match (&t.service, &t.category) {
        (Some(s), _) => vec![Group::Service(s.clone())],
        (None, Some(c)) => t
            .municipalities
            .iter()
            .map(|m| Group::Place {
                municipality: m.clone(),
                category: c.clone(),
            })
            .collect(),
        (None, None) => Vec::new(),
    }
}

/// Every live cluster among `tickets` at `now`.
pub fn find<'a>(
    tickets: impl IntoIterator<Item = &'a TrackedTicket>,
    size: u32,
    window: Duration,
    now: DateTime<Utc>,
) -> Vec<Cluster<'a>> {
    let size = size.max(2) as usize;
    let mut groups: BTreeMap<Group, Vec<&TrackedTicket>> = BTreeMap::new();
    for t in tickets {
        if t.is_change() || t.created > now {
            continue;
        }
        for g in groups_of(t) {
            groups.entry(g).or_default().push(t);
        }
    }
    let mut out = Vec::new();
    for (group, mut list) in groups {
        list.sort_by_key(|t| (t.created, t.id));
        let mut start = 0;
        for i in 1..=list.len() {
            let ends = i == list.len() || list[i].created - list[i - 1].created > window;
            if !ends {
                continue;
            }
            let chain = &list[start..i];
            start = i;
            let live = chain.last().is_some_and(|t| t.created >= now - HORIZON);
            if !live || chain.len() < size {
                continue;
            }
            let formed = (size - 1..chain.len())
                .find(|&j| chain[j].created - chain[j + 1 - size].created <= window);
            if let Some(j) = formed {
                out.push(Cluster {
                    group: group.clone(),
                    members: chain.to_vec(),
                    formed_at: chain[j].created,
                });
            }
        }
    }
    out
}
