//! Writing a classified priority back to Pureservice (action `set`): the one side effect of
//! classification, done by the daemon when [`super::Applied::Classified`] carries a `patch`.
//!
//! The priority name is resolved to its `priorityId` from the reference data the sync already
//! holds, or — when the name is not there (cache cold, or renamed) — from `GET /priority/`.
//! The PATCH body is only `{"priorityId": N}`; the client records it as the daemon's own write,
//! so the next sync does not count it as an agent's update.

use crate::pureservice::wire::Named;
use crate::pureservice::{Client, PsError};
use std::collections::HashMap;

fn find(priorities: &HashMap<u64, Named>, name: &str) -> Option<u64> {
    let want = name.trim().to_lowercase();
    let mut ids: Vec<u64> = priorities
        .values()
        .filter(|p| {
            p.name
                .as_deref()
                .is_some_and(|n| n.trim().to_lowercase() == want)
        })
        .map(|p| p.id)
        .collect();
    ids.sort();
    ids.first().copied()
}

/// PATCHes ticket `ticket_id`'s priority to the Pureservice priority named `name`; returns the
/// priority id written. `known`: the sync's cached priorities, if at hand.
pub async fn write_priority(
    client: &Client,
    known: Option<&HashMap<u64, Named>>,
    ticket_id: u64,
    name: &str,
) -> Result<u64, PsError> {
    let id = match known.and_then(|k| find(k, name)) {
        Some(id) => id,
        None => {
            let all = client
                .list_all::<Named>("priority/", "priorities", None, &[])
                .await?;
            let map: HashMap<u64, Named> = all.items.into_iter().map(|p| (p.id, p)).collect();
            find(&map, name).ok_or_else(|| {
                PsError::Invalid(format!(
                    "Pureservice has no priority named {name:?}: check [pureservice.priorities]"
                ))
            })?
        }
    };
    let mut body = serde_json::Map::new();
    body.insert("priorityId".into(), serde_json::Value::from(id));
    client.patch_ticket(ticket_id, &body).await?;
    Ok(id)
}
