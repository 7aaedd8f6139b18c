//! Fuzz target: config file text through parsing and validation
//! (`slavakt::fuzzing::config_text`). Text that is not UTF-8 never reaches the parser: the
//! loader's `read_to_string` already refuses it with a clean error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = slavakt::fuzzing::config_text(text);
    }
});
