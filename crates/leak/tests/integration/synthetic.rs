//! Profiles built in code: labels of goroutine dumps, missing times,
//! errors, and arbitrary input.

use pprof_leak::{analyze, BlockKind, CreatorSource, Error, Options, Verdict};
use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Profile, Sample, ValueType,
};

/// (frames leaf first, count, labels); a label value `#N` is numeric.
pub type StackSpec<'a> = (&'a [&'a str], i64, &'a [(&'a str, &'a str)]);

/// A goroutine profile with the given stacks.
pub fn goroutine_profile(time_nanos: i64, stacks: &[StackSpec<'_>]) -> Profile {
    let mut p = Profile::new();
    let ty = p.intern("goroutine");
    let unit = p.intern("count");
    p.sample_types.push(ValueType { r#type: ty, unit });
    p.time_nanos = time_nanos;
    let file = p.intern("app/main.go");
    for (frames, count, labels) in stacks {
        let mut locs = Vec::new();
        for (depth, f) in frames.iter().enumerate() {
            let name = p.intern(f);
            let fid = match p.functions.iter().position(|x| x.name == name) {
                Some(i) => i,
                None => {
                    p.functions.push(Function {
                        id: p.functions.len() as u64 + 1,
                        name,
                        system_name: name,
                        filename: file,
                        start_line: 0,
                    });
                    p.functions.len() - 1
                }
            };
            p.locations.push(Location {
                id: p.locations.len() as u64 + 1,
                lines: vec![Line {
                    function: FunctionId(fid as u32),
                    line: 10 + depth as i64,
                    column: 0,
                }],
                ..Default::default()
            });
            locs.push(LocationId(p.locations.len() as u32 - 1));
        }
        let labels = labels
            .iter()
            .map(|(k, v)| {
                let key = p.intern(k);
                match v.strip_prefix('#') {
                    Some(n) => Label {
                        key,
                        num: n.parse().unwrap(),
                        ..Default::default()
                    },
                    None => Label {
                        key,
                        str: p.intern(v),
                        ..Default::default()
                    },
                }
            })
            .collect();
        p.samples.push(Sample {
            locations: locs,
            values: vec![*count],
            labels,
        });
    }
    p.sort_labels();
    p
}

const MIN: i64 = 60_000_000_000;

#[test]
fn dump_labels_give_kind_creator_and_wait_times() {
    // Like a debug=2 dump: runtime frames elided, one sample per goroutine.
    let leak: &[&str] = &["main.worker"];
    let steady: &[&str] = &["main.loop"];
    let mut snaps = Vec::new();
    for (i, n) in [2i64, 5, 9].iter().enumerate() {
        let mut stacks: Vec<StackSpec<'_>> = Vec::new();
        for g in 0..*n {
            let labels: &[(&str, &str)] = match g % 3 {
                0 => &[
                    ("state", "chan receive"),
                    ("created_by", "main.serve in goroutine 1"),
                    ("wait", "#90"),
                ],
                1 => &[
                    ("state", "chan receive"),
                    ("created_by", "main.serve in goroutine 1"),
                    ("wait", "#3"),
                ],
                _ => &[
                    ("state", "chan receive"),
                    ("created_by", "main.serve in goroutine 1"),
                ],
            };
            stacks.push((leak, 1, labels));
        }
        for _ in 0..4 {
            stacks.push((
                steady,
                1,
                &[("state", "sleep"), ("created_by", "main.main")],
            ));
        }
        snaps.push(goroutine_profile(1_000 + i as i64 * 2 * MIN, &stacks));
    }
    let report = analyze(&snaps, &Options::default()).unwrap();
    let g = report.goroutines.unwrap();
    let s = g.suspects().next().unwrap();
    assert_eq!(s.title(), "main.worker");
    assert_eq!(s.counts, vec![2, 5, 9]);
    assert_eq!(s.kind, Some(BlockKind::ChanReceive));
    assert_eq!(s.state.as_deref(), Some("chan receive"));
    let c = s.created_by.as_ref().unwrap();
    assert_eq!(
        (c.function.as_str(), c.source),
        ("main.serve", CreatorSource::Label)
    );
    // Least squares over (0,2) (2,5) (4,9): slope 7/4 per minute.
    assert!((s.growth_per_minute.unwrap() - 1.75).abs() < 1e-9);
    assert!((s.growth_per_snapshot - 3.5).abs() < 1e-9);
    // 9 goroutines in the last dump: 3 × 90 min, 3 × 3 min, 3 × <1 min.
    let w = s.wait.as_ref().unwrap();
    assert_eq!(w.goroutines, 9);
    assert_eq!((w.min_minutes, w.median_minutes, w.max_minutes), (0, 3, 90));
    let buckets: Vec<(i64, i64)> = w
        .buckets
        .iter()
        .map(|b| (b.from_minutes, b.goroutines))
        .collect();
    assert_eq!(buckets, vec![(0, 3), (1, 3), (60, 3)]);
    let steady = g.stacks.iter().find(|s| s.title() == "main.loop").unwrap();
    assert_eq!(steady.verdict, Verdict::Steady);
    assert_eq!(steady.kind, Some(BlockKind::Sleep));
    assert!(steady.wait.is_none());
}

#[test]
fn without_times_growth_is_per_snapshot_in_given_order() {
    let leak: &[&str] = &["runtime.gopark", "runtime.selectgo", "main.pump.func1"];
    let snaps: Vec<Profile> = [10i64, 20, 30]
        .iter()
        .map(|&n| goroutine_profile(0, &[(leak, n, &[])]))
        .collect();
    let g = analyze(&snaps, &Options::default())
        .unwrap()
        .goroutines
        .unwrap();
    assert!(!g.timed);
    assert!(g.span_minutes().is_none());
    let s = g.suspects().next().unwrap();
    assert_eq!(s.growth_per_minute, None);
    assert!((s.growth_per_snapshot - 10.0).abs() < 1e-9);
    assert_eq!(s.kind, Some(BlockKind::Select));
    // A closure is created by its enclosing function.
    let c = s.created_by.as_ref().unwrap();
    assert_eq!(
        (c.function.as_str(), c.source),
        ("main.pump", CreatorSource::Closure)
    );
}

#[test]
fn non_monotonic_growth_is_growing_not_leak() {
    let f: &[&str] = &[
        "runtime.gopark",
        "sync.runtime_SemacquireMutex",
        "sync.(*Mutex).lockSlow",
        "sync.(*Mutex).Lock",
        "main.h",
    ];
    let snaps: Vec<Profile> = [10i64, 40, 30, 50]
        .iter()
        .enumerate()
        .map(|(i, &n)| goroutine_profile(1 + i as i64 * MIN, &[(f, n, &[])]))
        .collect();
    let report = analyze(&snaps, &Options::default()).unwrap();
    let g = report.goroutines.as_ref().unwrap();
    let s = &g.stacks[0];
    assert_eq!(s.verdict, Verdict::Growing);
    assert!(!s.monotonic);
    assert_eq!(s.kind, Some(BlockKind::Mutex));
    assert_eq!(s.blocking.as_ref().unwrap().function, "main.h");
    assert!(!report.leak_suspected());
    let text = pprof_leak::render::text(&report, &Default::default());
    assert!(text.contains("Growing but not flagged"), "{text}");
}

#[test]
fn a_large_but_slight_growth_is_not_a_leak() {
    let f: &[&str] = &[
        "runtime.gopark",
        "internal/poll.runtime_pollWait",
        "internal/poll.(*pollDesc).wait",
        "net.(*netFD).Read",
        "main.serveConn",
    ];
    let snaps: Vec<Profile> = [1000i64, 1004, 1040]
        .iter()
        .enumerate()
        .map(|(i, &n)| goroutine_profile(1 + i as i64 * MIN, &[(f, n, &[])]))
        .collect();
    let g = analyze(&snaps, &Options::default())
        .unwrap()
        .goroutines
        .unwrap();
    let s = &g.stacks[0];
    // +40 on 1000 is under the 10% relative threshold.
    assert_eq!(s.verdict, Verdict::Steady);
    assert_eq!(s.kind, Some(BlockKind::IoWait));
    // The standard library frame is skipped for the user frame.
    assert_eq!(s.blocking.as_ref().unwrap().function, "main.serveConn");
    let mut opts = Options::default();
    opts.min_relative_growth = 0.0;
    let g = analyze(&snaps, &opts).unwrap().goroutines.unwrap();
    assert_eq!(g.stacks[0].verdict, Verdict::Leak);
}

#[test]
fn errors() {
    assert!(matches!(
        analyze(&[], &Options::default()),
        Err(Error::NoSnapshots)
    ));
    let one = goroutine_profile(1, &[(&["main.a"], 1, &[])]);
    assert!(matches!(
        analyze(std::slice::from_ref(&one), &Options::default()),
        Err(Error::TooFewSnapshots {
            kind: "goroutine",
            got: 1,
            need: 2
        })
    ));
    let mut cpu = Profile::new();
    let ty = cpu.intern("cpu");
    let unit = cpu.intern("nanoseconds");
    cpu.sample_types.push(ValueType { r#type: ty, unit });
    let e = analyze(&[one.clone(), cpu], &Options::default()).unwrap_err();
    assert!(matches!(e, Error::UnknownKind { index: 1, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "snapshot 1: neither a goroutine, goroutineleak nor heap (inuse_space) profile"
    );
}

#[test]
fn dangling_ids_do_not_panic() {
    let mut a = goroutine_profile(1, &[(&["main.a", "main.b"], 3, &[])]);
    a.samples.edit(0, |smp| {
        smp.locations.push(LocationId(999));
    });
    a.locations[0].lines.push(Line {
        function: FunctionId(77),
        line: 1,
        column: 0,
    });
    a.samples.edit(0, |smp| {
        smp.values.clear();
    });
    let mut b = goroutine_profile(2, &[(&["main.a"], i64::MAX, &[])]);
    b.samples.push(Sample {
        locations: vec![LocationId(0)],
        values: vec![i64::MAX],
        labels: vec![],
    });
    let report = analyze(&[a, b], &Options::default()).unwrap();
    let _ = pprof_leak::render::text(&report, &Default::default());
    let _ = pprof_leak::render::json(&report);
}
