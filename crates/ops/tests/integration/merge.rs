//! Merge behaviour on hand-built profiles.

use pprof_model::{
    Dialect, Function, FunctionId, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// A one-binary profile loaded at `base`, with function `f` at `base+0x10`
/// and `main` at `base+0x20`, one sample `f;main` of `value`.
fn binary_profile(base: u64, value: i64, time_nanos: i64, period: i64) -> Profile {
    let mut p = Profile::new();
    let t = p.intern("cpu");
    let u = p.intern("nanoseconds");
    p.sample_types.push(ValueType { r#type: t, unit: u });
    p.period_type = ValueType { r#type: t, unit: u };
    p.period = period;
    p.time_nanos = time_nanos;
    p.duration_nanos = 10;
    let file = p.intern("/bin/app");
    let build = p.intern("abc123");
    // An unused mapping first, in the second slot the main binary: merge
    // must put the file's first mapping first anyway.
    let libc = p.intern("/lib/libc.so");
    p.mappings.push(Mapping {
        id: 7,
        start: base,
        limit: base + 0x1800,
        file,
        build_id: build,
        has_functions: true,
        ..Default::default()
    });
    p.mappings.push(Mapping {
        id: 9,
        start: 0x7000_0000,
        limit: 0x7000_1000,
        file: libc,
        ..Default::default()
    });
    for (i, name) in ["f", "main"].iter().enumerate() {
        let n = p.intern(name);
        p.functions.push(Function {
            id: 40 + i as u64,
            name: n,
            system_name: n,
            filename: file,
            start_line: 1,
        });
        p.locations.push(Location {
            id: 100 + i as u64,
            mapping: Some(MappingId(0)),
            address: base + 0x10 * (i as u64 + 1),
            lines: vec![Line {
                function: FunctionId(i as u32),
                line: 5,
                column: 0,
            }],
            is_folded: false,
        });
    }
    p.samples.push(Sample {
        locations: vec![LocationId(0), LocationId(1)],
        values: vec![value],
        labels: Vec::new(),
    });
    p
}

#[test]
fn merge_relocates_shifted_mappings() {
    let a = binary_profile(0x40_0000, 3, 500, 10);
    let b = binary_profile(0x50_0000, 4, 200, 20);
    let m = pprof_ops::merge(&[&a, &b]).unwrap();
    // Same build id and rounded size: one mapping, where profile a had it;
    // the unused libc mapping is dropped.
    assert_eq!(m.mappings.len(), 1);
    assert_eq!(m.mappings[0].start, 0x40_0000);
    assert_eq!(m.mappings[0].id, 1);
    // b's locations are moved by -0x10_0000 and then equal a's.
    assert_eq!(m.locations.len(), 2);
    assert_eq!(m.locations[1].address, 0x40_0020);
    assert_eq!(m.samples.len(), 1);
    assert_eq!(m.samples.at(0).values, vec![7]);
    assert_eq!(
        m.samples.at(0).locations,
        vec![LocationId(0), LocationId(1)]
    );
    assert_eq!(m.time_nanos, 200);
    assert_eq!(m.period, 20);
    assert_eq!(m.duration_nanos, 20);
}

#[test]
fn first_mapping_of_the_file_comes_first() {
    let mut a = binary_profile(0x40_0000, 3, 0, 10);
    a.mappings.swap(0, 1);
    for l in &mut a.locations {
        l.mapping = Some(MappingId(1));
    }
    let m = pprof_ops::compact(&a);
    assert_eq!(m.mappings.len(), 2);
    assert_eq!(m.str(m.mappings[0].file), "/lib/libc.so");
    assert_eq!(m.str(m.mappings[1].file), "/bin/app");
    assert_eq!(m.locations[0].mapping, Some(MappingId(1)));
}

#[test]
fn incompatible_profiles_fail() {
    let a = binary_profile(0x40_0000, 3, 0, 10);
    let mut b = a.clone();
    b.sample_types[0].unit = b.intern("ms");
    let err = pprof_ops::merge(&[&a, &b]).unwrap_err();
    assert!(matches!(err, pprof_ops::Error::IncompatibleSampleTypes(..)));
    assert_eq!(
        pprof_ops::merge(&[]).unwrap_err(),
        pprof_ops::Error::NoProfiles
    );
    // Reconciling units first makes them mergeable: ms is coarser, so b's
    // values are converted to nanoseconds.
    for dialect in Dialect::ALL {
        let merged = pprof_ops::combine_profiles(vec![a.clone(), b.clone()], dialect).unwrap();
        assert_eq!(
            merged.samples.at(0).values,
            vec![3 + 3_000_000],
            "{dialect}"
        );
    }
}

#[test]
fn a_lone_source_is_merged_only_by_go119() {
    let mut p = binary_profile(0x40_0000, 3, 0, 10);
    // A zero-valued sample, and the same stack twice.
    let again = p.samples.at(0).to_sample();
    p.samples.push(Sample {
        values: vec![0],
        ..again.clone()
    });
    p.samples.push(again);
    let today = pprof_ops::combine_profiles(vec![p.clone()], Dialect::Go127).unwrap();
    assert_eq!(today, p, "today's pprof keeps a lone source as it is");
    let go119 = pprof_ops::combine_profiles(vec![p.clone()], Dialect::Go119).unwrap();
    assert_eq!(go119.samples.len(), 1);
    assert_eq!(go119.samples.at(0).values, vec![6]);
    // Renumbered from 1, the unused mapping gone.
    assert_eq!(go119.locations[0].id, 1);
    assert_eq!(go119.mappings.len(), 1);
    assert_eq!(go119, pprof_ops::compact(&p));
}

#[test]
fn differing_sample_types_keep_the_common_ones_today() {
    let a = binary_profile(0x40_0000, 3, 0, 10);
    let mut b = binary_profile(0x40_0000, 4, 0, 10);
    // b measures (samples, cpu); a only cpu.
    let samples = ValueType {
        r#type: b.intern("samples"),
        unit: b.intern("count"),
    };
    b.sample_types.insert(0, samples);
    b.samples.edit(0, |smp| {
        smp.values.insert(0, 1);
    });
    b.default_sample_type = b.intern("samples");
    let err = pprof_ops::combine_profiles(vec![a.clone(), b.clone()], Dialect::Go119).unwrap_err();
    assert!(
        matches!(err, pprof_ops::Error::SampleTypeCount(1, 2)),
        "{err}"
    );
    let m = pprof_ops::combine_profiles(vec![a.clone(), b.clone()], Dialect::Go127).unwrap();
    assert_eq!(m.sample_types.len(), 1);
    assert_eq!(m.str(m.sample_types[0].r#type), "cpu");
    assert_eq!(m.samples.at(0).values, vec![7]);
    // b's default type was dropped: the first common type replaces it.
    assert_eq!(m.str(m.default_sample_type), "cpu");
    // Nothing in common is an error.
    let mut c = a.clone();
    c.sample_types[0].r#type = c.intern("other");
    let err = pprof_ops::combine_profiles(vec![a, c], Dialect::Go127).unwrap_err();
    assert_eq!(
        err.to_string(),
        "profiles have empty common sample type list"
    );
}

#[test]
fn zero_sum_samples_are_dropped_with_their_locations() {
    let a = binary_profile(0x40_0000, 3, 0, 10);
    let mut b = binary_profile(0x40_0000, 3, 0, 10);
    pprof_ops::scale(&mut b, -1.0);
    let m = pprof_ops::merge(&[&a, &b]).unwrap();
    assert!(m.samples.is_empty());
    assert!(m.locations.is_empty());
    // The main mapping survives: it is always taken first.
    assert_eq!(m.mappings.len(), 1);
}

/// Many samples, some equal, merged without room made up front: the sample
/// table grows several times while holding samples and still finds each.
#[test]
fn many_samples_merge_as_the_table_grows() {
    let mut p = binary_profile(0x400000, 1, 0, 1);
    p.samples.clear();
    // 3000 distinct samples by their stack (f repeated k times, then
    // main), then each one again with a label, then the first 1000 again.
    let stack = |k: usize| {
        let mut locs = vec![LocationId(0); k % 50 + 1];
        locs.extend(std::iter::repeat_n(LocationId(1), k / 50 + 1));
        locs
    };
    let key = p.intern("k");
    for k in 0..3000 {
        p.samples.push(Sample {
            locations: stack(k),
            values: vec![k as i64 + 1],
            ..Default::default()
        });
    }
    for k in 0..3000 {
        p.samples.push(Sample {
            locations: stack(k),
            values: vec![1],
            labels: vec![pprof_model::Label {
                key,
                str: key,
                ..Default::default()
            }],
        });
    }
    for k in 0..1000 {
        p.samples.push(Sample {
            locations: stack(k),
            values: vec![10],
            ..Default::default()
        });
    }
    let mut m = pprof_ops::StreamingMerge::new(&p);
    m.add(&p).unwrap();
    m.add(&p).unwrap();
    let out = m.finish();
    assert_eq!(out.samples.len(), 6000);
    for k in 0..3000 {
        let s = out.samples.at(k);
        assert_eq!(s.locations.len(), stack(k).len());
        let want = 2 * (k as i64 + 1) + if k < 1000 { 20 } else { 0 };
        assert_eq!(s.values, [want], "sample {k}");
        assert!(s.labels.is_empty());
        let l = out.samples.at(3000 + k);
        assert_eq!((l.values, l.labels.len()), (&[2][..], 1));
    }
}
