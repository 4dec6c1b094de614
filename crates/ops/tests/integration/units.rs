//! The units of numeric labels, told from the decoder's record of them or
//! from the labels themselves.

use pprof_model::{Label, Location, LocationId, Profile, Sample, StrId, ValueType};

/// `n` samples whose numeric labels change units along the way: `bytes`
/// is first seen without a unit, then in bytes, then (only in the second
/// half) in kilobytes; `count` never has one; `wait` has one only at the
/// end.
fn profile(n: usize) -> Profile {
    let mut p = Profile::new();
    let (t, u) = (p.intern("samples"), p.intern("count"));
    p.sample_types.push(ValueType { r#type: t, unit: u });
    p.locations.push(Location {
        id: 1,
        ..Default::default()
    });
    let keys = [p.intern("bytes"), p.intern("count"), p.intern("wait")];
    let units = [
        p.intern("bytes"),
        p.intern("kilobytes"),
        p.intern("seconds"),
    ];
    let worker = p.intern("worker");
    let w1 = p.intern("w1");
    for i in 0..n {
        let bytes_unit = match i {
            0 => StrId::EMPTY,
            _ if i < 3 * n / 4 => units[0],
            _ => units[1],
        };
        let wait_unit = if i + 1 == n { units[2] } else { StrId::EMPTY };
        let num = |key, num_unit| Label {
            key,
            num: i as i64 + 1,
            num_unit,
            ..Default::default()
        };
        p.samples.push(Sample {
            locations: vec![LocationId(0)],
            values: vec![1],
            labels: vec![
                Label {
                    key: worker,
                    str: w1,
                    ..Default::default()
                },
                num(keys[0], bytes_unit),
                num(keys[1], StrId::EMPTY),
                num(keys[2], wait_unit),
            ],
        });
    }
    p
}

#[test]
fn units_from_the_decoder_are_those_read_from_the_labels() {
    // Small, and large enough to be decoded in two halves.
    for n in [4, 60_000] {
        let built = profile(n);
        assert!(built.samples.numeric_label_units().is_none());
        let decoded = pprof_model::decode(&pprof_model::encode(&built)).unwrap();
        assert!(decoded.samples.numeric_label_units().is_some(), "{n}");
        let want = pprof_ops::num_label_units(&built);
        assert_eq!(pprof_ops::num_label_units(&decoded), want, "{n} samples");
        assert_eq!(want.0["bytes"], "bytes");
        assert_eq!(want.1["bytes"], vec!["kilobytes".to_string()]);
        assert_eq!(want.0["count"], "count");
        assert_eq!(want.0["wait"], "seconds");
        // Fewer samples may hold fewer units: the record is dropped.
        let without_kilobytes = |p: &Profile| {
            let mut q = p.clone();
            let kb = q.strings.lookup("kilobytes");
            q.samples
                .retain(|s| !s.labels.iter().any(|l| Some(l.num_unit) == kb));
            q
        };
        let first_half = without_kilobytes(&decoded);
        let built_half = without_kilobytes(&built);
        assert_eq!(first_half.samples.len(), 3 * n / 4);
        assert!(first_half.samples.numeric_label_units().is_none());
        let half = pprof_ops::num_label_units(&first_half);
        assert_eq!(half, pprof_ops::num_label_units(&built_half));
        assert!(!half.1.contains_key("bytes"), "no kilobytes left");
        // An edited label is read again.
        let mut edited = decoded.clone();
        let seconds = edited.strings.lookup("seconds").unwrap();
        let count = edited.strings.lookup("count").unwrap();
        for l in edited.samples.labels_mut(0) {
            if l.key == count {
                l.num_unit = seconds;
            }
        }
        assert!(edited.samples.numeric_label_units().is_none());
        assert_eq!(pprof_ops::num_label_units(&edited).0["count"], "seconds");
    }
}
