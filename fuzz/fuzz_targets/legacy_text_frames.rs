//! Arbitrary bytes through the legacy readers with frames named from the
//! `#` lines of Go debug=1 texts, also behind a goroutine profile header so
//! that the bytes reach the record and `#` line parsers: an error or a
//! valid profile with the same sample values as without names, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn check(data: &[u8]) {
    let opts = pprof_legacy::ParseOptions::default().with_text_frames(true);
    let named = pprof_legacy::parse_with(data, &opts);
    let plain = pprof_legacy::parse(data);
    match (named, plain) {
        (Ok(n), Ok(p)) => {
            assert!(n.check_valid().is_ok());
            let _ = n.to_raw_string();
            let values = |x: &pprof_model::Profile| {
                x.samples.iter().map(|s| s.values.to_vec()).collect::<Vec<_>>()
            };
            assert_eq!(values(&n), values(&p));
        }
        (Err(_), Err(_)) => {}
        (n, p) => panic!("named {:?} vs plain {:?}", n.is_ok(), p.is_ok()),
    }
}

fuzz_target!(|data: &[u8]| {
    check(data);
    let mut framed = b"goroutine profile: total 1\n".to_vec();
    framed.extend_from_slice(data);
    check(&framed);
});
