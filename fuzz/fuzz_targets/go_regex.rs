//! Arbitrary text as a Go regular expression (every filter option and
//! -list/-peek argument goes through it): Go's error or a compiled regex
//! for the translated pattern, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(pattern) = std::str::from_utf8(data) {
        if let Ok(re) = pprof_ops::go_regex(pattern) {
            let _ = re.is_match(pattern);
        }
    }
});
