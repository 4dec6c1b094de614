//! Arbitrary bytes through the profile.proto decoder (gzip sniffing included):
//! it must return an error or a profile that passes validation, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = {
        let mut o = pprof_model::DecodeOptions::default();
        o.max_decompressed = 16 << 20;
        o
    };
    if let Ok(p) = pprof_model::decode_with(data, &opts) {
        assert!(p.check_valid().is_ok());
        let again = pprof_model::decode(&pprof_model::encode_uncompressed(&p)).expect("re-decode");
        assert_eq!(again.samples.len(), p.samples.len());
        // Strings are bytes: re-encoding keeps every one exactly.
        let bytes = |p: &pprof_model::Profile| -> Vec<Vec<u8>> {
            p.strings
                .iter()
                .map(|s| pprof_model::strings::to_bytes(s).into_owned())
                .collect()
        };
        assert_eq!(bytes(&again), bytes(&p));
        let _ = p.to_raw_string();
    }
});
