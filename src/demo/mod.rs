//! `slavakt demo`: the whole daemon against a built-in fake Pureservice and capture peers.

pub mod capture;
