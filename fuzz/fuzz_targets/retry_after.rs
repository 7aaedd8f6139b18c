//! Fuzz target: a `Retry-After` header value, then an optional `Date` after a newline
//! (`slavakt::fuzzing::retry_after`). Must never panic and never ask for more than the cap.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(wait) = slavakt::fuzzing::retry_after(data) {
        assert!(wait <= slavakt::pureservice::retry::MAX_RETRY_AFTER);
    }
});
