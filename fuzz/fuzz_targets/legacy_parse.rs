//! Arbitrary bytes through every legacy reader (pprof's order, then goroutine
//! dumps): an error or a valid profile, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = pprof_legacy::parse_detailed(data) {
        let p = parsed.profile;
        assert!(p.check_valid().is_ok());
        let _ = p.to_raw_string();
        let again = pprof_model::decode(&pprof_model::encode_uncompressed(&p)).expect("re-decode");
        assert_eq!(again.samples.len(), p.samples.len());
    }
});
