//! Issue 12: invalid ids get pprof's messages in pprof's order, and decoding
//! stays within a memory budget derived from the input.

use pprof_model::{
    decode, decode_uncompressed_with, decode_with, DecodeOptions, Error, MemoryBudget,
    ValidationError,
};

fn varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A length-delimited field.
fn msg(field: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3 | 2, &mut out);
    varint(payload.len() as u64, &mut out);
    out.extend_from_slice(payload);
    out
}

/// A varint field.
fn int(field: u64, v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    varint(field << 3, &mut out);
    varint(v, &mut out);
    out
}

/// One sample type `samples/count` and the strings `""`, `samples`,
/// `count`, `main`.
fn head() -> Vec<u8> {
    let mut b = msg(1, &[int(1, 1), int(2, 2)].concat());
    for s in ["", "samples", "count", "main"] {
        b.extend(msg(6, s.as_bytes()));
    }
    b
}

fn function(id: u64) -> Vec<u8> {
    msg(5, &[int(1, id), int(2, 3)].concat())
}

/// A location with one line calling function `fid`.
fn location(id: u64, fid: u64) -> Vec<u8> {
    msg(
        4,
        &[int(1, id), msg(4, &[int(1, fid), int(2, 7)].concat())].concat(),
    )
}

/// A sample at `locs` with the value 1.
fn sample(locs: &[u64]) -> Vec<u8> {
    let mut body: Vec<u8> = locs.iter().flat_map(|&l| int(1, l)).collect();
    body.extend(int(2, 1));
    msg(2, &body)
}

fn mapping(id: u64) -> Vec<u8> {
    msg(3, &int(1, id))
}

fn message(parts: &[Vec<u8>]) -> String {
    match decode(&parts.concat()) {
        Err(e @ Error::Invalid(_)) => e.to_string(),
        other => panic!("expected an invalid profile, got {other:?}"),
    }
}

/// Each message is the one go1.19.8's and Go 1.27's `go tool pprof` print
/// for the same bytes (checked by hand with both).
#[test]
fn issue12_invalid_ids_get_pprofs_messages() {
    let h = head;
    let cases: Vec<(Vec<Vec<u8>>, &str)> = vec![
        (
            vec![h(), b"\x12\x00\x12\x00".to_vec()],
            "mismatch: sample has 0 values vs. 1 types",
        ),
        (
            vec![msg(6, b""), msg(6, b"x"), sample(&[])],
            "missing sample type information",
        ),
        (
            vec![h(), function(1), location(1, 1), sample(&[1]), sample(&[5])],
            "sample has nil location",
        ),
        (
            vec![
                h(),
                function(1),
                location(1, 1),
                location(1, 1),
                sample(&[1]),
            ],
            "multiple locations with same id: 1",
        ),
        (
            vec![h(), function(1), function(1), location(1, 1), sample(&[1])],
            "multiple functions with same id: 1",
        ),
        (
            vec![h(), function(0), location(1, 0), sample(&[1])],
            "found function with reserved ID=0",
        ),
        (
            vec![h(), function(1), location(0, 1), sample(&[0])],
            "found location with reserved id=0",
        ),
        (
            vec![h(), mapping(0), function(1), location(1, 1), sample(&[1])],
            "found mapping with reserved ID=0",
        ),
        (
            vec![
                h(),
                mapping(1),
                mapping(1),
                function(1),
                location(1, 1),
                sample(&[1]),
            ],
            "multiple mappings with same id: 1",
        ),
        (
            vec![h(), function(1), location(1, 9), sample(&[1])],
            "location id: 1 has a line with nil function",
        ),
        (
            vec![h(), function(1), location(1, 0), sample(&[1])],
            "location id: 1 has a line with nil function",
        ),
        // pprof checks the samples before the tables.
        (
            vec![
                h(),
                function(1),
                location(1, 1),
                location(1, 1),
                msg(2, &int(1, 1)),
            ],
            "mismatch: sample has 0 values vs. 1 types",
        ),
        (
            vec![
                h(),
                function(1),
                location(1, 1),
                location(1, 1),
                sample(&[3]),
            ],
            "sample has nil location",
        ),
        // Locations in order: a bad line before a repeated id.
        (
            vec![
                h(),
                function(1),
                location(1, 4),
                location(2, 1),
                location(2, 1),
                sample(&[1]),
            ],
            "location id: 1 has a line with nil function",
        ),
    ];
    for (parts, want) in cases {
        assert_eq!(message(&parts), format!("malformed profile: {want}"));
    }
}

/// A location without a known mapping is fine for pprof (it has no
/// mapping), and so it is here.
#[test]
fn issue12_unknown_mapping_id_is_no_mapping() {
    let mut loc = int(1, 1);
    loc.extend(int(2, 7));
    let p = decode(&[head(), msg(4, &loc), sample(&[1])].concat()).expect("valid");
    assert_eq!(p.locations[0].mapping, None);
}

/// A message that does not decode is reported before any invariant, even
/// when the broken invariant comes first in the data.
#[test]
fn issue12_undecodable_sample_wins_over_a_broken_invariant() {
    let bad_label = msg(2, &[int(2, 1), msg(3, &int(1, 99))].concat());
    let err = decode(&[head(), b"\x12\x00".to_vec(), bad_label].concat()).unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(err.is_not_proto());
    let invalid = decode(&[head(), b"\x12\x00".to_vec()].concat()).unwrap_err();
    assert!(!invalid.is_not_proto(), "pprof does not try other formats");
}

/// Many samples decode in runs on two threads: the first broken sample is
/// reported, whichever run it is in.
#[test]
fn issue12_first_broken_sample_of_a_large_profile() {
    let mut parts = vec![head(), function(1), location(1, 1)];
    for i in 0..50_000 {
        parts.push(match i {
            30_000 => sample(&[7]),
            40_000 => msg(2, &int(1, 1)),
            _ => sample(&[1]),
        });
    }
    assert_eq!(
        message(&parts),
        "malformed profile: sample has nil location"
    );
    parts[3 + 10] = msg(2, &[int(2, 1), int(2, 2)].concat());
    assert_eq!(
        message(&parts),
        "malformed profile: mismatch: sample has 2 values vs. 1 types"
    );
}

/// 2-byte empty samples took a whole `Sample` each once decoded (50 M of
/// them, 97 KB gzipped, took 7.7 GB). In the flat sample table they cost
/// a few words each: the default budget lets decoding go on to pprof's own
/// error, and a budget smaller than that cost refuses them while scanning.
#[test]
fn issue12_empty_samples_fail_within_the_budget() {
    let n = 5_000_000;
    let mut data = head();
    for _ in 0..n {
        data.extend_from_slice(b"\x12\x00");
    }
    let err = decode(&data).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid(ValidationError::ValueCount {
                sample: 0,
                got: 0,
                want: 1
            })
        ),
        "{err:?}"
    );

    // One byte of memory per byte of input is less than a sample's entry.
    let mut opts = DecodeOptions::default();
    opts.memory_budget = MemoryBudget::Bytes(data.len() as u64);
    let err = decode_uncompressed_with(&data, &opts).unwrap_err();
    match &err {
        Error::OverBudget { budget, input } => {
            assert_eq!(*budget, data.len() as u64);
            assert_eq!(*input, data.len() as u64);
        }
        other => panic!("expected the budget error, got {other:?}"),
    }
    assert!(!err.is_not_proto());
    assert!(err.to_string().contains("bytes of memory"), "{err}");
}

/// Samples of one value (5 bytes each) are what real profiles are made of:
/// the default budget takes them.
#[test]
fn issue12_one_value_samples_fit_the_budget() {
    let mut data = head();
    for _ in 0..2_000_000 {
        data.extend_from_slice(b"\x12\x03\x12\x01\x01");
    }
    let p = decode(&data).expect("within the budget");
    assert_eq!(p.samples.len(), 2_000_000);
    let mut opts = DecodeOptions::default();
    opts.memory_budget = MemoryBudget::Bytes(1 << 20);
    assert!(matches!(
        decode_with(&data, &opts),
        Err(Error::OverBudget { budget, .. }) if budget == 1 << 20
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Issue 12, finding 1: decode → encode → decode is the identity on
    /// arbitrary byte strings (invalid UTF-8 and the model's private-use
    /// block included), and each string's bytes survive unchanged.
    #[test]
    fn issue12_strings_round_trip_as_bytes(
        strings in proptest::collection::vec(proptest::collection::vec(proptest::prelude::any::<u8>(), 0..12), 0..16),
        names in proptest::collection::vec(0usize..16, 1..4),
    ) {
        let mut table: Vec<Vec<u8>> = vec![Vec::new(), b"samples".to_vec(), b"count".to_vec()];
        table.extend(strings.iter().cloned());
        let mut data = msg(1, &[int(1, 1), int(2, 2)].concat());
        for (i, &n) in names.iter().enumerate() {
            let id = i as u64 + 1;
            let name = (n % table.len()) as u64;
            data.extend(msg(5, &[int(1, id), int(2, name)].concat()));
            data.extend(location(id, id));
        }
        data.extend(sample(&(1..=names.len() as u64).collect::<Vec<_>>()));
        for s in &table {
            data.extend(msg(6, s));
        }
        let p = decode(&data).unwrap();
        let bytes = |p: &pprof_model::Profile| -> Vec<Vec<u8>> {
            p.strings.iter().map(|s| pprof_model::strings::to_bytes(s).into_owned()).collect()
        };
        // Every input string is in the table, byte for byte.
        let held = bytes(&p);
        for s in &table {
            proptest::prop_assert!(held.contains(s), "{:?} lost", s);
        }
        for (f, &n) in p.functions.iter().zip(&names) {
            proptest::prop_assert_eq!(&*p.strings.bytes(f.name), &table[n % table.len()][..]);
        }
        let again = decode(&pprof_model::encode(&p)).unwrap();
        proptest::prop_assert_eq!(bytes(&again), held);
        proptest::prop_assert_eq!(again.to_raw_string(), p.to_raw_string());
    }
}

/// Among many samples, decoded in runs on two threads, one that cannot be
/// decoded is reported rather than a broken one in an earlier run, as when
/// the samples are decoded in one run.
#[test]
fn issue12_undecodable_sample_is_reported_before_an_earlier_broken_one() {
    let profile = |n: usize, broken: usize, bad: usize| -> Vec<u8> {
        let mut parts = vec![head(), function(1), location(1, 1)];
        for i in 0..n {
            parts.push(match i {
                i if i == broken => sample(&[7]),
                // Field 1 with wire type 3 (a group).
                i if i == bad => msg(2, &[0x0b]),
                _ => sample(&[1]),
            });
        }
        parts.concat()
    };
    let kind = |data: &[u8]| match decode(data) {
        Err(Error::Decode(e)) => format!("{:?} in {}", e.kind, e.field),
        other => panic!("expected a decoding error, got {other:?}"),
    };
    // Few samples: one run; many: runs on two threads, the broken sample
    // in the first, the undecodable one in a late one.
    let one = kind(&profile(100, 10, 90));
    assert_eq!(kind(&profile(50_000, 10, 45_000)), one);
    assert_eq!(kind(&profile(50_000, 30_000, 45_000)), one);
}
