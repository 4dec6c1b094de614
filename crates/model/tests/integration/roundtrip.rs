use pprof_model::{
    arbitrary, decode, decode_uncompressed, encode, encode_uncompressed, proto, Profile,
};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn decode_encode_roundtrip(p in arbitrary::profile(2)) {
        let back = decode(&encode(&p)).unwrap();
        prop_assert_eq!(&back, &p);
        let back = decode_uncompressed(&encode_uncompressed(&p)).unwrap();
        prop_assert_eq!(back, p);
    }

    #[test]
    fn parts_concatenate_to_the_whole(p in arbitrary::profile(2), cut in 0usize..64) {
        use pprof_model::{write_part, EncodePart};
        let n = p.samples.len();
        let cut = cut.min(n);
        let mut bytes = Vec::new();
        for part in [EncodePart::Head, EncodePart::Samples(0..cut), EncodePart::Samples(cut..n), EncodePart::Tail] {
            write_part(&p, &part, &mut bytes).unwrap();
        }
        prop_assert_eq!(&bytes, &encode_uncompressed(&p));
        // Ranges past the end are clamped.
        let mut tail = Vec::new();
        write_part(&p, &EncodePart::Samples(n..n + 5), &mut tail).unwrap();
        prop_assert!(tail.is_empty());
    }

    /// Go numbers each table 1, 2, 3...; other writers may not. However
    /// the ids run (reversed, with gaps, huge), the references resolve to
    /// the same entries.
    #[test]
    fn table_ids_resolve_however_they_are_numbered(p in arbitrary::profile(2), how in 0u8..3) {
        use prost::Message;
        let renumber = |id: u64, n: usize| -> u64 {
            match (id, how) {
                (0, _) => 0,
                (_, 0) => n as u64 + 1 - id,
                (_, 1) => id * 3,
                _ => id << 40,
            }
        };
        let mut msg = p.to_proto();
        let (nm, nf, nl) = (msg.mapping.len(), msg.function.len(), msg.location.len());
        for m in &mut msg.mapping {
            m.id = renumber(m.id, nm);
        }
        for f in &mut msg.function {
            f.id = renumber(f.id, nf);
        }
        for l in &mut msg.location {
            l.id = renumber(l.id, nl);
            l.mapping_id = renumber(l.mapping_id, nm);
            for line in &mut l.line {
                line.function_id = renumber(line.function_id, nf);
            }
        }
        for s in &mut msg.sample {
            for id in &mut s.location_id {
                *id = renumber(*id, nl);
            }
        }
        let mut want = p.clone();
        for m in &mut want.mappings {
            m.id = renumber(m.id, nm);
        }
        for f in &mut want.functions {
            f.id = renumber(f.id, nf);
        }
        for l in &mut want.locations {
            l.id = renumber(l.id, nl);
        }
        let back = decode_uncompressed(&msg.encode_to_vec()).unwrap();
        prop_assert_eq!(back, want);
    }

    #[test]
    fn prost_reads_what_we_write(p in arbitrary::profile(3)) {
        use prost::Message;
        let bytes = encode_uncompressed(&p);
        let msg = proto::Profile::decode(bytes.as_slice()).unwrap();
        prop_assert_eq!(msg.sample.len(), p.samples.len());
        prop_assert_eq!(msg.string_table.len(), p.strings.len());
        for (m, s) in msg.sample.iter().zip(&p.samples) {
            prop_assert_eq!(&m.value, &s.values);
            prop_assert_eq!(m.label.len(), s.labels.len());
        }
        // and we read what prost writes
        let again = Profile::from_proto(&msg).unwrap();
        prop_assert_eq!(again, p);
    }
}

#[test]
fn raw_dump_of_small_profile() {
    let mut p = Profile::new();
    let t = p.intern("samples");
    let u = p.intern("count");
    p.sample_types
        .push(pprof_model::ValueType { r#type: t, unit: u });
    let f = p.intern("main.work");
    let file = p.intern("main.go");
    p.functions.push(pprof_model::Function {
        id: 1,
        name: f,
        system_name: f,
        filename: file,
        start_line: 3,
    });
    let bin = p.intern("demo");
    p.mappings.push(pprof_model::Mapping {
        id: 1,
        start: 0x1000,
        limit: 0x2000,
        file: bin,
        has_functions: true,
        ..Default::default()
    });
    p.locations.push(pprof_model::Location {
        id: 1,
        mapping: Some(pprof_model::MappingId(0)),
        address: 0x1234,
        lines: vec![pprof_model::Line {
            function: pprof_model::FunctionId(0),
            line: 7,
            column: 5,
        }],
        is_folded: false,
    });
    let k = p.intern("state");
    let v = p.intern("chan send");
    p.samples.push(pprof_model::Sample {
        locations: vec![pprof_model::LocationId(0)],
        values: vec![42],
        labels: vec![pprof_model::Label {
            key: k,
            str: v,
            num: 0,
            num_unit: pprof_model::StrId::EMPTY,
        }],
    });
    p.duration_nanos = 3_104_000_000;
    p.doc_url = p.intern("https://go.dev/doc/diagnostics");
    // go1.19's pprof knows neither columns nor the documentation URL.
    let go119 = "PeriodType:  \nPeriod: 0\nDuration: 3.10\nSamples:\nsamples/count\n         42: 1 \n                state:[chan send]\nLocations\n     1: 0x1234 M=1 main.work main.go:7 s=3\nMappings\n1: 0x1000/0x2000/0x0 demo  [FN]\n";
    assert_eq!(p.to_raw_string_in(pprof_model::Dialect::Go119), go119);
    let today = "Doc: https://go.dev/doc/diagnostics\nPeriodType:  \nPeriod: 0\nDuration: 3.10\nSamples:\nsamples/count\n         42: 1 \n                state:[chan send]\nLocations\n     1: 0x1234 M=1 main.work main.go:7:5 s=3\nMappings\n1: 0x1000/0x2000/0x0 demo  [FN]\n";
    assert_eq!(p.to_raw_string(), today);
    // Columns and the URL survive encoding; go1.19 would not have read them.
    let mut back = pprof_model::decode(&pprof_model::encode(&p)).unwrap();
    assert_eq!(back.to_raw_string(), today);
    back.restrict_to(pprof_model::Dialect::Go119);
    assert_eq!(
        back.to_raw_string(),
        go119.replace("main.go:7 ", "main.go:7:0 ")
    );
}

#[test]
fn prost_types_describe_the_same_wire_format() {
    use prost::Message;
    let msg = proto::Profile {
        sample_type: vec![proto::ValueType { r#type: 1, unit: 2 }],
        sample: vec![proto::Sample {
            location_id: vec![10],
            value: vec![5],
            label: vec![proto::Label {
                key: 3,
                num: 64,
                num_unit: 2,
                ..Default::default()
            }],
        }],
        location: vec![proto::Location {
            id: 10,
            line: vec![proto::Line {
                function_id: 7,
                line: 12,
                column: 9,
            }],
            ..Default::default()
        }],
        function: vec![proto::Function {
            id: 7,
            name: 4,
            ..Default::default()
        }],
        string_table: vec![
            "".into(),
            "alloc_space".into(),
            "bytes".into(),
            "size".into(),
            "f".into(),
            "https://example.com/doc".into(),
        ],
        doc_url: 5,
        ..Default::default()
    };
    let p = decode_uncompressed(&msg.encode_to_vec()).unwrap();
    assert_eq!(p.str(p.sample_types[0].unit), "bytes");
    let s = &p.samples.at(0);
    assert_eq!(s.values, vec![5]);
    assert_eq!(p.str(s.labels[0].key), "size");
    assert_eq!(s.labels[0].num, 64);
    let loc = p.location(s.locations[0]);
    assert_eq!(loc.id, 10);
    assert_eq!(p.str(p.function(loc.lines[0].function).name), "f");
    assert_eq!(loc.lines[0].column, 9);
    assert_eq!(p.str(p.doc_url), "https://example.com/doc");
    assert_eq!(
        proto::Profile::decode(pprof_model::encode_uncompressed(&p).as_slice()).unwrap(),
        msg
    );
}

/// Profiles of 20 000 samples and more are decoded in runs on two threads,
/// into one flat table whose room is counted from the bytes: labels that
/// decoding drops (a key alone) leave room that the join closes.
#[test]
fn large_profiles_decode_in_runs_into_one_table() {
    use pprof_model::{Function, FunctionId, Label, Line, Location, LocationId, Sample, ValueType};
    let mut p = Profile::new();
    for (t, u) in [("samples", "count"), ("cpu", "nanoseconds")] {
        let (t, u) = (p.intern(t), p.intern(u));
        p.sample_types.push(ValueType { r#type: t, unit: u });
    }
    let name = p.intern("f");
    p.functions.push(Function {
        id: 1,
        name,
        ..Default::default()
    });
    for i in 0..10u64 {
        p.locations.push(Location {
            id: i + 1,
            address: 0x1000 + i,
            lines: vec![Line {
                function: FunctionId(0),
                line: i as i64,
                column: 0,
            }],
            ..Default::default()
        });
    }
    let (key, val, num) = (p.intern("k"), p.intern("v"), p.intern("n"));
    let mut expect = p.clone();
    for i in 0..45_001usize {
        let locations: Vec<LocationId> = (0..i % 7)
            .map(|k| LocationId((k + i) as u32 % 10))
            .collect();
        let mut labels = Vec::new();
        if i % 3 == 0 {
            labels.push(Label {
                key,
                str: val,
                ..Default::default()
            });
        }
        if i % 5 == 0 {
            labels.push(Label {
                key: num,
                num: i as i64 + 1,
                ..Default::default()
            });
        }
        let kept = labels.clone();
        // Dropped when read: more of them in the first half.
        if i % 11 == 0 || (i < 20_000 && i % 4 == 1) {
            labels.push(Label {
                key: num,
                ..Default::default()
            });
        }
        let values = vec![i as i64, 2 * i as i64];
        p.samples.push(Sample {
            locations: locations.clone(),
            values: values.clone(),
            labels,
        });
        expect.samples.push(Sample {
            locations,
            values,
            labels: kept,
        });
    }
    let back = decode_uncompressed(&encode_uncompressed(&p)).unwrap();
    assert_eq!(back.samples.len(), 45_001);
    assert_eq!(back.samples.at(22_501).values, &[22_501, 45_002]);
    assert_eq!(back, expect);
    assert!(back.samples.heap_bytes() <= expect.samples.heap_bytes() + 64);
}
