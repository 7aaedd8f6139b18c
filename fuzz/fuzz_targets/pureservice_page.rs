//! Fuzz target: one Pureservice response body through what the sync does with a ticket page
//! (`slavakt::fuzzing::pureservice_page`). Any panic, hang or runaway allocation is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let _ = slavakt::fuzzing::pureservice_page(body);
});
