//! Cached reference data: statuses, priorities, categories (whole tables, refreshed every
//! `reference_refresh`), and the users, companies, e-mail addresses and phone numbers tickets
//! point at (filled from `linked` and fetched in batches when an unknown id appears).

use super::client::Client;
use super::filter::any_of;
use super::wire::{Company, EmailAddress, Linked, Named, PhoneNumber, Status, Ticket, User};
use super::PsError;
use chrono::{DateTime, Utc};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Ids per batch request (keeps the URL well under common limits).
const BATCH: usize = 50;

#[derive(Debug, Default, Clone)]
pub struct RefCache {
    pub statuses: HashMap<u64, Status>,
    pub priorities: HashMap<u64, Named>,
    pub categories: HashMap<u64, Named>,
    pub users: HashMap<u64, User>,
    pub companies: HashMap<u64, Company>,
    pub emails: HashMap<u64, EmailAddress>,
    pub phones: HashMap<u64, PhoneNumber>,
    /// Users whose phone numbers were fetched (a user may have none).
    phones_for: HashSet<u64>,
    /// Ids asked for and not found, per table: not asked again until the next refresh.
    absent: HashSet<(&'static str, u64)>,
    loaded_at: Option<DateTime<Utc>>,
}

impl RefCache {
    pub fn absorb(&mut self, l: Linked) {
        for s in l.statuses {
            self.statuses.insert(s.id, s);
        }
        for p in l.priorities {
            self.priorities.insert(p.id, p);
        }
        for c in l.categories {
            self.categories.insert(c.id, c);
        }
        for u in l.users {
            self.users.insert(u.id, u);
        }
        for c in l.companies {
            self.companies.insert(c.id, c);
        }
        for e in l.emailaddresses {
            self.emails.insert(e.id, e);
        }
        for p in l.phonenumbers {
            if let Some(u) = p.user_id {
                self.phones_for.insert(u);
            }
            self.phones.insert(p.id, p);
        }
    }

    /// Whether the periodic refresh is due at `now`.
    pub fn refresh_due(&self, now: DateTime<Utc>, every: chrono::Duration) -> bool {
        // A clock that went backwards also forces a refresh.
        self.loaded_at.map_or(true, |t| now - t >= every || now < t)
    }

    /// Reloads the small tables and forgets the per-entity caches (they refill lazily).
    pub async fn refresh(&mut self, client: &Client, now: DateTime<Utc>) -> Result<(), PsError> {
        let statuses = client
            .list_all::<Status>("status/", "statuses", None, &[])
            .await?;
        let priorities = client
            .list_all::<Named>("priority/", "priorities", None, &[])
            .await?;
        let categories = client
            .list_all::<Named>("category/", "categories", None, &[])
            .await?;
        // Only replace once all three arrived: a failed refresh keeps the old cache.
        *self = RefCache::default();
        self.statuses = statuses.items.into_iter().map(|s| (s.id, s)).collect();
        self.priorities = priorities.items.into_iter().map(|s| (s.id, s)).collect();
        self.categories = categories.items.into_iter().map(|s| (s.id, s)).collect();
        self.loaded_at = Some(now);
        Ok(())
    }

    /// Fetches whatever `tickets` refer to that the cache lacks: whole tables for statuses,
    /// priorities and categories; batches by id for users, companies, e-mails and phones.
    pub async fn complete(&mut self, client: &Client, tickets: &[&Ticket]) -> Result<(), PsError> {
        let need_st = tickets
            .iter()
            .filter_map(|t| t.status_id)
            .any(|id| !self.statuses.contains_key(&id) && !self.absent.contains(&("status", id)));
        let need_pr = tickets.iter().filter_map(|t| t.priority_id).any(|id| {
            !self.priorities.contains_key(&id) && !self.absent.contains(&("priority", id))
        });
        let need_ca = tickets
            .iter()
            .flat_map(|t| [t.category1_id, t.category2_id, t.category3_id])
            .flatten()
            .any(|id| {
                !self.categories.contains_key(&id) && !self.absent.contains(&("category", id))
            });
        if need_st {
            let env = client
                .list_all::<Status>("status/", "statuses", None, &[])
                .await?;
            self.statuses
                .extend(env.items.into_iter().map(|s| (s.id, s)));
            mark_absent(
                &mut self.absent,
                "status",
                tickets.iter().filter_map(|t| t.status_id),
                |id| self.statuses.contains_key(&id),
            );
        }
        if need_pr {
            let env = client
                .list_all::<Named>("priority/", "priorities", None, &[])
                .await?;
            self.priorities
                .extend(env.items.into_iter().map(|s| (s.id, s)));
            let known = &self.priorities;
            mark_absent(
                &mut self.absent,
                "priority",
                tickets.iter().filter_map(|t| t.priority_id),
                |id| known.contains_key(&id),
            );
        }
        if need_ca {
            let env = client
                .list_all::<Named>("category/", "categories", None, &[])
                .await?;
            self.categories
                .extend(env.items.into_iter().map(|s| (s.id, s)));
            let known = &self.categories;
            let ids = tickets
                .iter()
                .flat_map(|t| [t.category1_id, t.category2_id, t.category3_id])
                .flatten();
            mark_absent(&mut self.absent, "category", ids, |id| {
                known.contains_key(&id)
            });
        }

        // Requesters (for the company) and assignees (for name, e-mail, mobile).
        let users: BTreeSet<u64> = tickets
            .iter()
            .flat_map(|t| [t.user_id, t.assigned_agent_id])
            .flatten()
            .filter(|id| !self.users.contains_key(id) && !self.absent.contains(&("user", *id)))
            .collect();
        for chunk in users.iter().copied().collect::<Vec<_>>().chunks(BATCH) {
            let env = client
                .list_all::<User>(
                    "user/",
                    "users",
                    Some(any_of("id", chunk)),
                    &["company", "emailaddress", "phonenumbers"],
                )
                .await?;
            for u in env.items {
                self.users.insert(u.id, u);
            }
            for id in chunk {
                // The include above delivered their phone numbers, if any.
                self.phones_for.insert(*id);
            }
            self.absorb(env.linked);
            let known = &self.users;
            mark_absent(&mut self.absent, "user", chunk.iter().copied(), |id| {
                known.contains_key(&id)
            });
        }

        let requesters: Vec<u64> = tickets.iter().filter_map(|t| t.user_id).collect();
        let companies: BTreeSet<u64> = requesters
            .iter()
            .filter_map(|u| self.users.get(u)?.company_id)
            .filter(|id| {
                !self.companies.contains_key(id) && !self.absent.contains(&("company", *id))
            })
            .collect();
        for chunk in companies.iter().copied().collect::<Vec<_>>().chunks(BATCH) {
            let env = client
                .list_all::<Company>("company/", "companies", Some(any_of("id", chunk)), &[])
                .await?;
            self.companies
                .extend(env.items.into_iter().map(|c| (c.id, c)));
            let known = &self.companies;
            mark_absent(&mut self.absent, "company", chunk.iter().copied(), |id| {
                known.contains_key(&id)
            });
        }

        let agents: Vec<u64> = tickets.iter().filter_map(|t| t.assigned_agent_id).collect();
        let emails: BTreeSet<u64> = agents
            .iter()
            .filter_map(|a| self.users.get(a))
            .flat_map(|u| u.email_ids())
            .filter(|id| {
                !self.emails.contains_key(id) && !self.absent.contains(&("emailaddress", *id))
            })
            .collect();
        for chunk in emails.iter().copied().collect::<Vec<_>>().chunks(BATCH) {
            let env = client
                .list_all::<EmailAddress>(
                    "emailaddress/",
                    "emailaddresses",
                    Some(any_of("id", chunk)),
                    &[],
                )
                .await?;
            self.emails.extend(env.items.into_iter().map(|e| (e.id, e)));
            let known = &self.emails;
            mark_absent(
                &mut self.absent,
                "emailaddress",
                chunk.iter().copied(),
                |id| known.contains_key(&id),
            );
        }
        let phone_users: BTreeSet<u64> = agents
            .iter()
            .copied()
            .filter(|a| self.users.contains_key(a) && !self.phones_for.contains(a))
            .collect();
        for chunk in phone_users
            .iter()
            .copied()
            .collect::<Vec<_>>()
            .chunks(BATCH)
        {
            let env = client
                .list_all::<PhoneNumber>(
                    "phonenumber/",
                    "phonenumbers",
                    Some(any_of("userId", chunk)),
                    &[],
                )
                .await?;
            self.phones.extend(env.items.into_iter().map(|p| (p.id, p)));
            self.phones_for.extend(chunk.iter().copied());
        }
        Ok(())
    }

    /// A user's e-mail address (the first one linked).
    pub fn email_of(&self, user: &User) -> Option<String> {
        user.email_ids()
            .iter()
            .filter_map(|id| self.emails.get(id))
            .chain(self.emails.values().filter(|e| e.user_id == Some(user.id)))
            .find_map(|e| e.email.clone().filter(|s| !s.trim().is_empty()))
    }

    /// A user's mobile number (phone `type` 1), as given.
    pub fn mobile_of(&self, user: &User) -> Option<String> {
        let linked = user.phone_ids();
        let mut candidates: Vec<&PhoneNumber> =
            linked.iter().filter_map(|id| self.phones.get(id)).collect();
        let mut by_user: Vec<&PhoneNumber> = self
            .phones
            .values()
            .filter(|p| p.user_id == Some(user.id))
            .collect();
        by_user.sort_by_key(|p| p.id);
        candidates.extend(by_user);
        candidates
            .into_iter()
            .filter(|p| p.kind == Some(1))
            .find_map(|p| p.number.clone().filter(|s| !s.trim().is_empty()))
    }
}

fn mark_absent(
    absent: &mut HashSet<(&'static str, u64)>,
    table: &'static str,
    ids: impl Iterator<Item = u64>,
    known: impl Fn(u64) -> bool,
) {
    for id in ids {
        if !known(id) {
            absent.insert((table, id));
        }
    }
}
