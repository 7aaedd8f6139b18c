//! Pureservice: the HTTP client, tolerant wire models, the incremental sync, the mapping to the
//! domain [`crate::ticket::TicketSnapshot`], and a faithful fake server for tests and `demo`.
