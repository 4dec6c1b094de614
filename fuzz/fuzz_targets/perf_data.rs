//! Arbitrary bytes as a `perf record` file (pprof-perf, on the
//! linux-perf-data reader): an error or a profile, never a panic. Bytes
//! without the perf.data magic are given it, so that every input reaches
//! the reader; the committed fixture
//! (`crates/perf/tests/fixtures/cwork.perf.data`) is a good seed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes;
    let data = if pprof_perf::is_perf_data(data) {
        data
    } else {
        bytes = b"PERFILE2".to_vec();
        bytes.extend_from_slice(data);
        &bytes
    };
    if let Ok(p) = pprof_perf::parse(data) {
        // Validation (as loading does next) reports, never panics.
        let _ = p.check_valid();
    }
});
