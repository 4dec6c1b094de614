//! Property tests over generated profiles.

use pprof_model::arbitrary::profile;
use pprof_model::Profile;
use proptest::prelude::*;

fn totals(p: &Profile) -> Vec<i64> {
    let mut t = vec![0i64; p.sample_types.len()];
    for s in &p.samples {
        for (a, v) in t.iter_mut().zip(s.values) {
            *a += v;
        }
    }
    t
}

fn add(a: &[i64], b: &[i64]) -> Vec<i64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_roundtrip_after_compact(p in profile(2)) {
        let c = pprof_ops::compact(&p);
        let back = pprof_model::decode(&pprof_model::encode(&c)).unwrap();
        prop_assert_eq!(&back, &c);
    }

    #[test]
    fn streaming_merge_equals_merge(a in profile(2), b in profile(2), c in profile(2)) {
        let want = pprof_ops::merge(&[&a, &b, &c]).unwrap();
        let mut m = pprof_ops::StreamingMerge::new(&a);
        for p in [&a, &b, &c] {
            m.add(p).unwrap();
        }
        let got = m.finish();
        // Same samples, tables and header; only the string table's order may differ.
        prop_assert_eq!(got.to_raw_string(), want.to_raw_string());
        prop_assert_eq!(pprof_model::decode(&pprof_model::encode(&got)).unwrap().to_raw_string(), want.to_raw_string());
    }

    #[test]
    fn owned_merges_equal_borrowed_ones(a in profile(2), b in profile(2), c in profile(2)) {
        let want = pprof_ops::merge(&[&a, &b, &c]).unwrap();
        let got = pprof_ops::merge_owned(vec![a.clone(), b.clone(), c.clone()]).unwrap();
        prop_assert_eq!(&got, &want);
        let mut m = pprof_ops::StreamingMerge::new(&a);
        for p in [&a, &b, &c] {
            prop_assert!(m.accepts(p).is_ok());
            m.add_owned(p.clone()).unwrap();
        }
        prop_assert_eq!(m.finish().to_raw_string(), want.to_raw_string());
        prop_assert_eq!(pprof_ops::compact_owned(a.clone()), pprof_ops::compact(&a));
    }

    #[test]
    fn a_profile_added_in_parts_merges_as_a_whole(a in profile(2), b in profile(2), cut in 0usize..8) {
        let want = pprof_ops::merge(&[&a, &b]).unwrap();
        // a's samples in two parts: the first with a's header, the second
        // with the same tables (its header must not count again).
        let cut = cut.min(a.samples.len());
        let mut i = 0;
        let first = a.clone_with_samples(|_| { i += 1; i <= cut });
        let mut j = 0;
        let mut second = a.clone_with_samples(|_| { j += 1; j > cut });
        second.duration_nanos += 1_000;
        let mut m = pprof_ops::StreamingMerge::new(&a);
        m.add_owned(first).unwrap();
        m.add_samples(second).unwrap();
        m.add(&b).unwrap();
        prop_assert_eq!(m.finish().to_raw_string(), want.to_raw_string());
    }

    #[test]
    fn merge_keeps_totals_in_any_order(a in profile(2), b in profile(2)) {
        let ab = pprof_ops::merge(&[&a, &b]).unwrap();
        let ba = pprof_ops::merge(&[&b, &a]).unwrap();
        let want = add(&totals(&a), &totals(&b));
        prop_assert_eq!(totals(&ab), want.clone());
        prop_assert_eq!(totals(&ba), want);
        prop_assert_eq!(ab.samples.len(), ba.samples.len());
        prop_assert!(ab.samples.iter().all(|s| s.values.iter().any(|&v| v != 0)));
        prop_assert!(ab.check_valid().is_ok());
    }

    #[test]
    fn diff_with_itself_is_zero(p in profile(3), diff_base in any::<bool>()) {
        let d = pprof_ops::apply_base(p.clone(), p.clone(), diff_base, false, pprof_model::Dialect::Go119).unwrap();
        prop_assert_eq!(totals(&d), vec![0; 3]);
        if !diff_base {
            prop_assert!(d.samples.is_empty());
        }
    }

    #[test]
    fn compact_is_idempotent(p in profile(1)) {
        let c = pprof_ops::compact(&p);
        prop_assert_eq!(pprof_ops::compact(&c), c.clone());
        prop_assert_eq!(totals(&c), totals(&p));
        // Ids are renumbered 1..n.
        prop_assert!(c.locations.iter().enumerate().all(|(i, l)| l.id == i as u64 + 1));
        prop_assert!(c.functions.iter().enumerate().all(|(i, f)| f.id == i as u64 + 1));
        prop_assert!(c.mappings.iter().enumerate().all(|(i, m)| m.id == i as u64 + 1));
    }

    #[test]
    fn scale_by_one_is_identity(p in profile(2)) {
        let mut q = p.clone();
        pprof_ops::scale(&mut q, 1.0);
        prop_assert_eq!(&q, &p);
        pprof_ops::scale_n(&mut q, &[1.0, 1.0]).unwrap();
        prop_assert_eq!(&q, &p);
    }

    #[test]
    fn scale_by_two_doubles(p in profile(2)) {
        let mut q = p.clone();
        pprof_ops::scale(&mut q, 2.0);
        let doubled: Vec<i64> = totals(&p).iter().map(|v| v * 2).collect();
        prop_assert_eq!(totals(&q), doubled);
    }

    #[test]
    fn focus_everything_keeps_samples_with_stacks(p in profile(1)) {
        let mut q = p.clone();
        let re = regex::Regex::new("").unwrap();
        let m = pprof_ops::filter_samples_by_name(&mut q, Some(&re), None, None, None);
        let with_stack = p.samples.iter().filter(|s| !s.locations.is_empty()).count();
        prop_assert_eq!(q.samples.len(), with_stack);
        prop_assert_eq!(m.focus, !p.locations.is_empty());
    }
}

fn name_regex() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "func1",
        "func[0-3]",
        "file2",
        "^pkg",
        "main",
        "src/",
        "nothing",
        ".",
    ])
    .prop_map(str::to_string)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn focus_and_ignore_same_expression_keeps_nothing(p in profile(1), re in name_regex()) {
        let re = regex::Regex::new(&re).unwrap();
        let mut q = p.clone();
        pprof_ops::filter_samples_by_name(&mut q, Some(&re), Some(&re), None, None);
        prop_assert!(q.samples.is_empty());
    }

    #[test]
    fn focus_and_ignore_partition_samples(p in profile(1), re in name_regex()) {
        let re = regex::Regex::new(&re).unwrap();
        let mut f = p.clone();
        pprof_ops::filter_samples_by_name(&mut f, Some(&re), None, None, None);
        let mut i = p.clone();
        pprof_ops::filter_samples_by_name(&mut i, None, Some(&re), None, None);
        let with_stack = p.samples.iter().filter(|s| !s.locations.is_empty()).count();
        prop_assert_eq!(f.samples.len() + i.samples.len(), with_stack);
    }

    #[test]
    fn hide_and_show_only_shrink(p in profile(1), re in name_regex()) {
        let re = regex::Regex::new(&re).unwrap();
        for (hide, show) in [(Some(&re), None), (None, Some(&re))] {
            let mut q = p.clone();
            pprof_ops::filter_samples_by_name(&mut q, None, None, hide, show);
            prop_assert!(q.samples.len() <= p.samples.len());
            prop_assert!(q.samples.iter().all(|s| !s.locations.is_empty()));
            prop_assert!(q.check_valid().is_ok());
        }
    }

    #[test]
    fn tag_filters_never_panic(p in profile(1), value in "[a-z=:,0-9kbms+\\-]{0,12}") {
        let (units, _) = pprof_ops::num_label_units(&p);
        if let Ok(Some(c)) = pprof_ops::compile_tag_filter("tagfocus", &value, &units, pprof_model::Dialect::Go127) {
            let mut q = p.clone();
            let (fm, im) = pprof_ops::filter_samples_by_tag(&mut q, Some(&c.filter), Some(&c.filter));
            prop_assert_eq!(fm, im);
            prop_assert!(q.samples.is_empty());
        }
    }

    #[test]
    fn prune_and_tagroot_keep_profiles_valid(p in profile(1), re in name_regex()) {
        let re = regex::Regex::new(&re).unwrap();
        let mut q = p.clone();
        pprof_ops::prune(&mut q, &re, None);
        pprof_ops::prune_from(&mut q, &re);
        pprof_ops::show_from(&mut q, Some(&re));
        pprof_ops::add_label_nodes(&mut q, &["worker", "bytes"], &["route"], "minimum");
        prop_assert!(q.check_valid().is_ok());
        let c = pprof_ops::compact(&q);
        prop_assert!(c.check_valid().is_ok());
    }
}
