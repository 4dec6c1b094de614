//! Arbitrary valid profiles, relabelled as goroutine or heap snapshots with
//! random label keys: the analysis never panics and its invariants hold.

use pprof_leak::{analyze, render, Granularity, Options};
use pprof_model::Profile;
use proptest::prelude::*;

fn relabel(mut p: Profile, heap: bool, time: i64) -> Profile {
    let name = if heap { "inuse_space" } else { "goroutine" };
    let ty = p.intern(name);
    if let Some(st) = p.sample_types.first_mut() {
        st.r#type = ty;
    }
    // Reuse the generator's label keys as the dump labels.
    for (i, key) in ["state", "wait", "created_by"].iter().enumerate() {
        let id = p.intern(key);
        for s in &mut p.samples {
            if let Some(l) = s.labels.get_mut(i) {
                l.key = id;
            }
        }
    }
    p.sort_labels();
    p.time_nanos = time;
    p
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn never_panics(
        profiles in prop::collection::vec(pprof_model::arbitrary::profile(2), 2..5),
        heap in any::<bool>(),
        timed in any::<bool>(),
        lines in any::<bool>(),
    ) {
        let n = profiles.len();
        let snaps: Vec<Profile> = profiles
            .into_iter()
            .enumerate()
            .map(|(i, p)| relabel(p, heap, if timed { 1 + i as i64 * 30_000_000_000 } else { 0 }))
            .collect();
        let mut opts = Options::default();
        if lines {
            opts.granularity = Granularity::Lines;
        }
        let report = analyze(&snaps, &opts).unwrap();
        let t = if heap { report.heap.as_ref() } else { report.goroutines.as_ref() }.unwrap();
        prop_assert_eq!(t.snapshots.len(), n);
        for s in &t.stacks {
            prop_assert_eq!(s.counts.len(), n);
            prop_assert_eq!(s.increase, s.counts[n - 1].saturating_sub(s.counts[0]));
            if s.is_suspect() {
                prop_assert!(s.monotonic);
            }
        }
        // Suspects are ranked first.
        let k = t.suspects().count();
        prop_assert!(t.stacks[..k].iter().all(|s| s.is_suspect()));
        let _ = render::text(&report, &Default::default());
        let _ = render::json(&report);
        let _ = render::html(&report, &Default::default());
    }
}
