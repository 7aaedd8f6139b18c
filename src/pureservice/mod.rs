//! Pureservice: the HTTP client, tolerant wire models, the incremental sync, the mapping to the
//! domain [`crate::ticket::TicketSnapshot`], and a faithful fake server for tests and `demo`.
//!
//! See `docs/PURESERVICE_CLIENT.md` for the switches (prefix, auth form, date literal, field
//! sources) and `shared/design/PURESERVICE.md` for what is known about the real API.

pub mod backfill;
pub mod client;
mod de;
mod defaults;
pub mod detect;
pub mod error;
pub mod fake;
pub mod filter;
pub mod html;
pub mod limiter;
pub mod mapping;
pub mod openset;
pub mod refcache;
pub mod retry;
pub mod sync;
pub mod time;
pub mod wire;

pub use client::Client;
pub use defaults::{
    DEFAULT_MAX_PAGES, DEFAULT_MAX_REQUESTS_PER_MINUTE, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_PAGE_SIZE, DEFAULT_PREFIX, MAX_PAGE_SIZE,
};
pub use error::PsError;
pub use html::to_text as html_to_text;
pub use sync::{SyncOutcome, Syncer};
