//! Arbitrary bytes through the profile.proto decoder (gzip sniffing included):
//! it must return an error or a profile that passes validation, never panic;
//! decoded without the labels no reader needs, the same data decodes or
//! fails alike, to the same samples but for their labels.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = {
        let mut o = pprof_model::DecodeOptions::default();
        o.max_decompressed = 16 << 20;
        o
    };
    let mut label_free = opts.clone();
    label_free.labels = pprof_model::LabelNeed::Keys(vec!["pprof::base".to_string()]);
    match (
        pprof_model::decode_with(data, &opts),
        pprof_model::decode_with(data, &label_free),
    ) {
        (Ok(all), Ok(free)) => {
            assert_eq!(all.samples.len(), free.samples.len());
            for (a, f) in all.samples.iter().zip(free.samples.iter()) {
                assert_eq!((a.locations, a.values), (f.locations, f.values));
                assert!(f.labels.is_empty() || f.labels == a.labels);
            }
        }
        (Err(all), Err(free)) => assert_eq!(all.to_string(), free.to_string()),
        (all, free) => panic!("labels decide: {:?} vs {:?}", all.err(), free.err()),
    }
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
