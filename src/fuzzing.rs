//! Entry points for fuzzing the parsers that face the outside world: a Pureservice response
//! page, the config file, and a `Retry-After` header (from Pureservice or any HTTP channel). The cargo-fuzz targets in `fuzz/` and the CI "short fuzz"
//! (`tests/core/fuzz_corpus.rs`) call exactly these functions, so a crash found by one is reproduced
//! by the other. See `docs/FUZZING.md`.
//!
//! Neither function may panic, loop without bound or allocate without bound, whatever the bytes:
//! bad input must come back as an `Err` with a readable message.

use crate::config::{self, ConfigErrors, DateLiteral, FieldSource};
use crate::pureservice::client::merge_linked;
use crate::pureservice::filter;
use crate::pureservice::mapping::{self, MapSettings, Warned};
use crate::pureservice::refcache::RefCache;
use crate::pureservice::sync::Pager;
use crate::pureservice::wire::{
    self, Communication, EmailAddress, Named, PhoneNumber, Status, Ticket, User,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

/// The config the page entry maps tickets with: the shipped one, plus custom-field sources so
/// that the `cf_N` paths of the mapping are reached too.
const SHIPPED_CONFIG: &str = include_str!("../config/slavakt.toml");

/// Where fuzzed config text pretends to live: relative `*_file` paths resolve below a directory
/// that does not exist, so they fail cleanly instead of reading the host's files.
const FUZZ_ORIGIN: &str = "/nonexistent/slavakt-fuzz/slavakt.toml";

/// What one page amounted to (for the tests' sanity checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PageSummary {
    /// Tickets in the page after de-duplication, all mapped to snapshots.
    pub tickets: usize,
    /// Linked reference entities absorbed into the cache.
    pub linked: usize,
}

fn settings() -> &'static MapSettings {
    static SETTINGS: OnceLock<MapSettings> = OnceLock::new();
    SETTINGS.get_or_init(|| {
        let c = config::from_str(SHIPPED_CONFIG, Path::new(FUZZ_ORIGIN), &BTreeMap::new())
            .unwrap_or_else(|e| panic!("the shipped config must be valid:\n{e}"));
        let mut ps = c.pureservice;
        ps.municipality_from
            .push(FieldSource::CustomField("cf_7".into()));
        ps.municipality_from.push(FieldSource::Category);
        ps.service_from
            .push(FieldSource::CustomField("cf_8".into()));
        MapSettings {
            pureservice: ps,
            municipalities: c.municipalities,
            services: c.services,
        }
    })
}

/// Runs one `GET /ticket/` response body through what the sync does with it: decode the
/// envelope, absorb `linked` into a reference cache, hand the tickets to the pager (sort and
/// range checks), build the next page's and the next cycle's filter from what was read (both
/// date literal forms), and map every ticket to a snapshot. The same body is also decoded as
/// each reference-data and communication envelope the client reads.
pub fn pureservice_page(body: &[u8]) -> Result<PageSummary, String> {
    // Reference lookups and note replies share the decoder; errors there are expected for a
    // ticket page and only the absence of panics matters. Each is tried only when its key
    // occurs in the body at all, which keeps the CI short fuzz quick in a debug build.
    let mut refs = wire::Linked::default();
    if mentions(body, "statuses") {
        if let Ok(e) = wire::decode::<Status>(body, "statuses") {
            refs.statuses = e.items;
        }
    }
    if mentions(body, "priorities") {
        if let Ok(e) = wire::decode::<Named>(body, "priorities") {
            refs.priorities = e.items;
        }
    }
    if mentions(body, "users") {
        if let Ok(e) = wire::decode::<User>(body, "users") {
            refs.users = e.items;
        }
    }
    if mentions(body, "emailaddresses") {
        if let Ok(e) = wire::decode::<EmailAddress>(body, "emailaddresses") {
            refs.emailaddresses = e.items;
        }
    }
    if mentions(body, "phonenumbers") {
        if let Ok(e) = wire::decode::<PhoneNumber>(body, "phonenumbers") {
            refs.phonenumbers = e.items;
        }
    }
    if mentions(body, "communications") {
        let _ = wire::decode::<Communication>(body, "communications");
    }

    let env = wire::decode::<Ticket>(body, "tickets")?;
    let linked = count_linked(&env.linked);
    let mut cache = RefCache::default();
    merge_linked(&mut refs, env.linked);
    cache.absorb(refs);

    let s = settings();
    let ps = &s.pureservice;
    // A limit equal to the page size makes the page "full", so the pager also builds the
    // keyset filter for the next page from the last ticket.
    let limit = u32::try_from(env.items.len().clamp(1, 500)).unwrap_or(500);
    let mut pager = Pager::new(filter::OPEN_TICKETS.into(), ps.date_literal, limit);
    pager.apply(env.items)?;
    let _ = pager.next_query();
    if let Some(m) = pager.max_modified() {
        // As the next cycle does: its filter starts one overlap before the newest change.
        let since = m - ps.sync_overlap;
        for form in [DateLiteral::DateTimeOffset, DateLiteral::IsoString] {
            let _ = filter::modified_since(since, form);
        }
    }
    let tickets = pager.into_tickets();
    let mut warned = Warned::default();
    for t in &tickets {
        let snap = mapping::to_snapshot(t, &cache, s, false, &mut warned);
        debug_assert_eq!(snap.id, t.id);
    }
    Ok(PageSummary {
        tickets: tickets.len(),
        linked,
    })
}

/// Whether `key` occurs in `body`, ignoring ASCII case as the envelope's key lookup does.
fn mentions(body: &[u8], key: &str) -> bool {
    body.windows(key.len())
        .any(|w| w.eq_ignore_ascii_case(key.as_bytes()))
}

fn count_linked(l: &wire::Linked) -> usize {
    l.users.len()
        + l.companies.len()
        + l.statuses.len()
        + l.priorities.len()
        + l.categories.len()
        + l.teams.len()
        + l.emailaddresses.len()
        + l.phonenumbers.len()
}

/// Reads a `Retry-After` value (with a `Date` header of the same bytes) the way the Pureservice
/// client and every HTTP channel do. Whatever the bytes, the wait is at most
/// [`crate::pureservice::retry::MAX_RETRY_AFTER`].
pub fn retry_after(value: &[u8]) -> Option<std::time::Duration> {
    let text = String::from_utf8_lossy(value);
    let local = chrono::DateTime::<chrono::Utc>::from_timestamp(1_800_000_000, 0)?;
    let (v, date) = text.split_once('\n').unwrap_or((&text, ""));
    crate::pureservice::retry::parse_retry_after(v, Some(date), local)
}

/// Parses and validates config text as `slavakt check-config` would, with an empty environment
/// and relative file paths pointing nowhere. Returns the number of plan rules on success.
pub fn config_text(text: &str) -> Result<usize, ConfigErrors> {
    config::from_str(text, Path::new(FUZZ_ORIGIN), &BTreeMap::new()).map(|c| c.plan.len())
}
