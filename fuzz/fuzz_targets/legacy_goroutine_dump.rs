//! Arbitrary text through the goroutine dump reader (debug=2 pages and crash
//! tracebacks): an error or a valid, aggregated profile, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = pprof_legacy::is_goroutine_dump(data);
    if let Ok(p) = pprof_legacy::parse_goroutine_dump(data) {
        assert!(p.check_valid().is_ok());
        let total: i64 = p.samples.iter().map(|s| s.values[0]).sum();
        assert!(total >= p.samples.len() as i64);
        let _ = p.to_raw_string();
    }
});
