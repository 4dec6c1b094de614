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

/// The fixture's little-endian u64 at `at`.
fn u64_at(d: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(d[at..at + 8].try_into().unwrap())
}

/// The fixture's little-endian u32 at `at`.
fn u32_at(d: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(d[at..at + 4].try_into().unwrap())
}

/// The (offset, size) table entry of feature `bit` in `d`, and where the
/// entry is.
fn feature_section(d: &[u8], bit: usize) -> (usize, u64, u64) {
    let table = (u64_at(d, 40) + u64_at(d, 48)) as usize;
    let below = (0..bit)
        .filter(|&b| u64_at(d, 72 + 8 * (b / 64)) >> (b % 64) & 1 == 1)
        .count();
    let at = table + 16 * below;
    (at, u64_at(d, at), u64_at(d, at + 8))
}

/// Where the first record of type `kind` of `d`'s data section starts,
/// and its size.
fn first_record(d: &[u8], kind: u32) -> Option<(usize, usize)> {
    let (start, size) = (u64_at(d, 40) as usize, u64_at(d, 48) as usize);
    let mut at = start;
    while at + 8 <= start + size {
        let len = usize::from(u16::from_le_bytes([d[at + 6], d[at + 7]]));
        if u32_at(d, at) == kind {
            return Some((at, len));
        }
        at += len.max(8);
    }
    None
}

/// The error message of reading `d`.
fn refusal(d: &[u8]) -> String {
    match pprof_perf::parse(d) {
        Ok(_) => panic!("a damaged file was read"),
        Err(e) => e.to_string(),
    }
}

/// The refusal of the fixture with `bytes` written at `at`.
fn refusal_with(at: usize, bytes: &[u8]) -> String {
    let mut d = FIXTURE.to_vec();
    d[at..at + bytes.len()].copy_from_slice(bytes);
    refusal(&d)
}

/// Sizes and counts that the reader would make room for before reading
/// (a feature section's size, the event description's counts, the
/// attribute size it divides by) are refused when the file cannot hold
/// them, with a message that names the field; none makes the process
/// abort.
#[test]
fn sizes_and_counts_past_the_file_are_refused() {
    // A feature section of 2^62 bytes (the build ids, feature 2).
    let (entry, _, _) = feature_section(FIXTURE, 2);
    let msg = refusal_with(entry + 8, &(1u64 << 62).to_le_bytes());
    assert!(
        msg.contains("feature section 2") && msg.contains("past the end"),
        "{msg}"
    );

    // The event description (feature 12): its event count, then the id
    // count of its first event.
    let (_, desc, size) = feature_section(FIXTURE, 12);
    let desc = desc as usize;
    assert!(size > 16);
    let msg = refusal_with(desc, &u32::MAX.to_le_bytes());
    assert!(
        msg.contains("event description counts 4294967295 events"),
        "{msg}"
    );
    let attr_size = u32_at(FIXTURE, desc + 4) as usize;
    // The fixture's attribute is of the size the section gives.
    assert_eq!(u32_at(FIXTURE, desc + 12) as usize, attr_size);
    let msg = refusal_with(desc + 8 + attr_size, &u32::MAX.to_le_bytes());
    assert!(
        msg.contains("event description gives event 0 more"),
        "{msg}"
    );

    // An attribute size of 0 (the reader divides by it).
    let msg = refusal_with(16, &0u64.to_le_bytes());
    assert!(msg.contains("attribute size 0"), "{msg}");
}

/// An `MMAP2` record whose build id is longer than 20 bytes (which the
/// record reader asserts) is refused.
#[test]
fn long_mmap2_build_id_is_refused() {
    let mut d = FIXTURE.to_vec();
    // PERF_RECORD_MMAP2, with PERF_RECORD_MISC_MMAP_BUILD_ID set.
    let (at, _) = first_record(&d, 10).expect("the fixture has an MMAP2 record");
    let misc = u16::from_le_bytes([d[at + 4], d[at + 5]]) | 1 << 14;
    d[at + 4..at + 6].copy_from_slice(&misc.to_le_bytes());
    d[at + 8 + 32] = 21;
    let msg = refusal(&d);
    assert!(msg.contains("21-byte build id"), "{msg}");
}

/// The stream `perf record -o -` writes is refused by name.
#[test]
fn pipe_mode_stream_is_refused_by_name() {
    let mut d = b"PERFILE2".to_vec();
    d.extend_from_slice(&16u64.to_le_bytes());
    d.extend_from_slice(&[0; 64]);
    assert!(matches!(
        pprof_perf::parse(&d),
        Err(pprof_perf::Error::PipeMode)
    ));
    assert!(refusal(&d).contains("pipe-mode"));
}

/// Every word of a sample record set to a count of 2^61 + 1 (which,
/// times 8, wraps) reads or is refused: none makes the reader panic, and
/// a call chain that long is refused by name.
#[test]
fn huge_call_chain_length_is_refused() {
    // PERF_RECORD_SAMPLE.
    let (at, len) = first_record(FIXTURE, 9).expect("the fixture has a sample record");
    let mut named = 0;
    for word in (at + 8..at + len - 7).step_by(8) {
        let mut d = FIXTURE.to_vec();
        d[word..word + 8].copy_from_slice(&((1u64 << 61) + 1).to_le_bytes());
        if let Err(e) = pprof_perf::parse(&d) {
            named += usize::from(
                e.to_string()
                    .contains("call chain claims 2305843009213693953 frames"),
            );
        }
    }
    assert_eq!(named, 1, "the call chain's length is refused by name");
}
