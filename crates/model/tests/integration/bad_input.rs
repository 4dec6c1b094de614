use pprof_model::{
    decode, decode_with, encode, DecodeErrorKind, DecodeOptions, Error, Profile, ValidationError,
};
use proptest::prelude::*;

fn small() -> Vec<u8> {
    let mut p = Profile::new();
    let t = p.intern("samples");
    p.sample_types
        .push(pprof_model::ValueType { r#type: t, unit: t });
    for i in 0..50 {
        p.samples.push(pprof_model::Sample {
            values: vec![i],
            ..Default::default()
        });
    }
    pprof_model::encode_uncompressed(&p)
}

#[test]
fn empty_input() {
    assert!(matches!(decode(&[]), Err(Error::Empty)));
}

#[test]
fn truncated_proto_names_field_and_offset() {
    let b = small();
    let err = decode(&b[..b.len() / 2]).unwrap_err();
    match err {
        Error::Decode(d) => {
            assert!(matches!(
                d.kind,
                DecodeErrorKind::Length(_) | DecodeErrorKind::Truncated
            ));
            assert!(d.offset <= b.len() / 2);
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn truncated_gzip() {
    let mut p = Profile::new();
    let t = p.intern("x");
    p.sample_types
        .push(pprof_model::ValueType { r#type: t, unit: t });
    for i in 0..2000 {
        let s = p.intern(&format!("label value {i}"));
        p.comments.push(s);
    }
    let gz = encode(&p);
    assert!(matches!(
        decode(&gz[..gz.len() / 2]),
        Err(Error::Decompress(_))
    ));
}

#[test]
fn gzip_bomb_is_bounded() {
    // 8 MiB of zeros compresses to a few KiB.
    let zeros = vec![0u8; 8 << 20];
    let mut gz = Vec::new();
    {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
        e.write_all(&zeros).unwrap();
        e.finish().unwrap();
    }
    let mut opts = DecodeOptions::default();
    opts.max_decompressed = 1 << 20;
    assert!(matches!(decode_with(&gz, &opts), Err(Error::TooLarge { limit }) if limit == 1 << 20));
}

#[test]
fn hostile_length_prefix() {
    // field 2 (sample), LEN, length = 2^62
    let b = [0x12, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40];
    let err = decode(&b).unwrap_err();
    assert!(matches!(err, Error::Decode(d) if matches!(d.kind, DecodeErrorKind::Length(_))));
}

#[test]
fn dangling_location_id() {
    // sample with location id 5 but no locations: pprof decodes it and
    // finds a nil location when it checks the profile.
    let b = [
        0x0a, 0x00, 0x12, 0x05, 0x0a, 0x01, 0x05, 0x10, 0x01, 0x32, 0x00,
    ];
    let err = decode(&b).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Invalid(ValidationError::DanglingLocation { sample: 0 })
        ),
        "{err:?}"
    );
}

#[test]
fn error_messages_are_one_line() {
    for bad in [
        &b""[..],
        b"\x1f\x8b\x08",
        b"hello world",
        b"\x12\xff\xff\xff\xff\x0f",
    ] {
        let msg = decode(bad).unwrap_err().to_string();
        assert!(!msg.contains('\n'), "{msg}");
        assert!(!msg.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&data);
    }

    #[test]
    fn mutated_profiles_never_panic(pos in 0usize..4096, byte in any::<u8>(), cut in 0usize..4096) {
        let mut b = small();
        let n = b.len();
        b[pos % n] = byte;
        b.truncate(cut % (n + 1));
        let _ = decode(&b);
    }
}

#[test]
fn field_zero_is_skipped_like_pprof() {
    // pprof's decoder tables have no entry 0, so a field numbered 0 is an
    // unknown field and skipped, whatever its wire type.
    let b = small();
    let want = decode(&b).unwrap();
    let mut with_zero = vec![0x00, 0x05, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x01, 0xaa];
    with_zero.extend_from_slice(&b);
    let got = decode(&with_zero).unwrap();
    assert_eq!(got.samples.len(), want.samples.len());
    assert_eq!(got.to_raw_string(), want.to_raw_string());
}

#[test]
fn ten_byte_varint_with_bits_past_64_decodes_like_pprof() {
    // period (field 12) as a 10-byte varint whose last byte is 0x02: pprof
    // keeps the low 64 bits, 0x7f << 56 | ... = all ones but the top bit.
    let mut b = small();
    b.push(12 << 3);
    b.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
    let p = decode(&b).unwrap();
    assert_eq!(p.period as u64, u64::MAX >> 1);
}

/// Samples are checked flat, all at once; the error is still the first bad
/// sample's.
#[test]
fn check_valid_reports_the_first_bad_sample_of_a_large_profile() {
    use pprof_model::{Error, Profile, Sample, ValidationError, ValueType};
    let mut p = Profile::new();
    let (t, u) = (p.intern("samples"), p.intern("count"));
    p.sample_types.push(ValueType { r#type: t, unit: u });
    for _ in 0..200_000 {
        p.samples.push(Sample {
            values: vec![1],
            ..Default::default()
        });
    }
    assert!(p.check_valid().is_ok());
    let set_values = |p: &mut Profile, i: usize, values: Vec<i64>| {
        let mut s = p.samples.at(i).to_sample();
        s.values = values;
        p.samples.replace(i, s);
    };
    set_values(&mut p, 150_000, vec![1, 2]);
    let first = |p: &Profile| match p.check_valid() {
        Err(Error::Invalid(ValidationError::ValueCount { sample, .. })) => sample,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(first(&p), 150_000);
    set_values(&mut p, 120_000, vec![]);
    assert_eq!(first(&p), 120_000);
    set_values(&mut p, 7, vec![1, 3]);
    assert_eq!(first(&p), 7);
}

/// A valid profile of `n` samples, each with the `depth` locations of
/// the profile, its index as value and as a numeric label `k`.
fn numbered_samples(n: usize, depth: u32) -> pprof_model::Profile {
    use pprof_model::{Label, Location, LocationId, Profile, Sample, ValueType};
    let mut p = Profile::new();
    let (t, u) = (p.intern("samples"), p.intern("count"));
    p.sample_types.push(ValueType { r#type: t, unit: u });
    for id in 1..=u64::from(depth) {
        p.locations.push(Location {
            id,
            ..Default::default()
        });
    }
    let key = p.intern("k");
    for i in 0..n as i64 {
        p.samples.push(Sample {
            locations: (0..depth).map(LocationId).collect(),
            values: vec![i],
            labels: vec![Label {
                key,
                num: i,
                ..Default::default()
            }],
        });
    }
    p
}

/// Each kind of broken sample is found by the flat check and named as the
/// sample-by-sample check names it.
#[test]
fn check_valid_finds_each_kind_of_bad_sample() {
    use pprof_model::{Error, LocationId, Sample, StrId, ValidationError as V};
    let p = numbered_samples(10, 1);
    assert!(p.check_valid().is_ok());
    let mut bad = p.clone();
    bad.samples.locations_mut(4)[0] = LocationId(1);
    assert!(matches!(
        bad.check_valid(),
        Err(Error::Invalid(V::DanglingLocation { sample: 4 }))
    ));
    let mut bad = p.clone();
    bad.samples.labels_mut(6)[0].num_unit = StrId(99);
    assert!(matches!(
        bad.check_valid(),
        Err(Error::Invalid(V::DanglingString { what: "label" }))
    ));
    // No sample with a value, one sample type.
    let mut bad = p.clone();
    bad.samples.clear();
    bad.samples.push(Sample::default());
    assert!(matches!(
        bad.check_valid(),
        Err(Error::Invalid(V::ValueCount {
            sample: 0,
            got: 0,
            want: 1
        }))
    ));
}

/// Sample tables of more than a million ids are checked on two threads:
/// a dangling location or label string is still found.
#[test]
fn check_valid_finds_a_bad_id_in_a_large_table() {
    use pprof_model::{Error, LocationId, StrId, ValidationError as V};
    let p = numbered_samples(300_000, 4);
    assert!(p.check_valid().is_ok());
    let mut bad = p.clone();
    bad.samples.locations_mut(299_999)[3] = LocationId(4);
    assert!(matches!(
        bad.check_valid(),
        Err(Error::Invalid(V::DanglingLocation { sample: 299_999 }))
    ));
    let mut bad = p.clone();
    bad.samples.labels_mut(150_000)[0].key = StrId(1 << 20);
    assert!(matches!(
        bad.check_valid(),
        Err(Error::Invalid(V::DanglingString { what: "label" }))
    ));
}
