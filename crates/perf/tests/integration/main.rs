//! pprof-perf's integration tests: the committed `perf record` fixture and
//! damaged copies of it.

use pprof_testkit::error_chain;

const FIXTURE: &[u8] = include_bytes!("../fixtures/cwork.perf.data");

#[test]
fn fixture_reads_into_a_valid_profile() {
    let p = pprof_perf::parse(FIXTURE).expect("the fixture parses");
    p.check_valid().expect("valid profile");
    assert!(!p.samples.is_empty());
    assert!(!p.mappings.is_empty());
}

#[test]
fn damaged_file_names_each_cause_once() {
    // Every cut of the fixture either reads or fails; a failure's chain
    // never repeats a message, and no message holds the next one.
    let mut failures = 0;
    for cut in (8..FIXTURE.len()).step_by(97) {
        let Err(e) = pprof_perf::parse(&FIXTURE[..cut]) else {
            continue;
        };
        failures += 1;
        let chain = error_chain(&e);
        for pair in chain.windows(2) {
            assert!(
                !pair[0].contains(&pair[1]),
                "cause printed twice at cut {cut}: {chain:?}"
            );
        }
    }
    assert!(failures > 0, "some truncations must fail");
}
