//! Leak analysis: 10 snapshots of 100k goroutines each (one sample per
//! goroutine, as a parsed debug=2 dump gives), must take well under a second.

use criterion::{criterion_group, criterion_main, Criterion};
use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Profile, Sample, StrId, ValueType,
};

fn snapshot(k: i64) -> Profile {
    let mut p = Profile::new();
    let ty = p.intern("goroutine");
    let unit = p.intern("count");
    p.sample_types.push(ValueType { r#type: ty, unit });
    p.time_nanos = 1_700_000_000_000_000_000 + k * 60_000_000_000;
    let file = p.intern("app/main.go");
    for f in 0..300u64 {
        let name = p.intern(&format!("github.com/acme/app/pkg{}.Func{}", f % 17, f));
        p.functions.push(Function {
            id: f + 1,
            name,
            system_name: name,
            filename: file,
            start_line: 1,
        });
        p.locations.push(Location {
            id: f + 1,
            lines: vec![Line {
                function: FunctionId(f as u32),
                line: f as i64,
                column: 0,
            }],
            ..Default::default()
        });
    }
    let state = p.intern("state");
    let created_by = p.intern("created_by");
    let wait = p.intern("wait");
    let minutes = p.intern("minutes");
    let states: Vec<StrId> = ["chan receive", "select", "IO wait", "semacquire"]
        .iter()
        .map(|s| p.intern(s))
        .collect();
    let creators: Vec<StrId> = (0..60)
        .map(|i| p.intern(&format!("github.com/acme/app.start{i}")))
        .collect();
    let stacks: Vec<Vec<LocationId>> = (0..60usize)
        .map(|s| {
            (0..14)
                .map(|d| LocationId(((s * 7 + d * 13) % 300) as u32))
                .collect()
        })
        .collect();
    for g in 0..100_000i64 {
        // stack 0 leaks: it holds k*1000 more goroutines at snapshot k
        let s = if g < k * 1000 {
            0
        } else {
            (g as usize * 7919) % 60
        };
        let mut labels = vec![
            Label {
                key: state,
                str: states[s % 4],
                ..Default::default()
            },
            Label {
                key: created_by,
                str: creators[s],
                ..Default::default()
            },
        ];
        if g % 10 == 0 {
            labels.push(Label {
                key: wait,
                num: g % 500,
                num_unit: minutes,
                ..Default::default()
            });
        }
        p.samples.push(Sample {
            locations: stacks[s].clone(),
            values: vec![1],
            labels,
        });
    }
    p.sort_labels();
    p
}

fn leak(c: &mut Criterion) {
    let profiles: Vec<Profile> = (0..10).map(snapshot).collect();
    let mut group = c.benchmark_group("leak");
    group.sample_size(10);
    group.bench_function("10x100k_goroutines", |b| {
        b.iter(|| {
            pprof_leak::analyze(&profiles, &pprof_leak::Options::default()).expect("analysis")
        })
    });
    group.finish();
}

criterion_group!(benches, leak);
criterion_main!(benches);
