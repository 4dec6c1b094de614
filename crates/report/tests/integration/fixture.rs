//! A small CPU-like profile: main → run → {work (inlining mix), fib
//! (recursive), hash}, with labels and a numeric `bytes` label.

use pprof_model::build::ProfileBuilder;
use pprof_model::{LocationId, Profile};

/// A sample drawn in the fixture: stack, count, `worker` label, `bytes`
/// label.
type Drawn<'a> = (&'a [LocationId], i64, Option<&'a str>, Option<i64>);

pub fn cpu() -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let demo = b.mapping("/build/demo", 0x400000, 0x500000);
    let p = b.profile_mut();
    // No time: its header line depends on the local time zone.
    p.duration_nanos = 2_000_000_000;
    let build_id = p.intern("abc123");
    let m = &mut p.mappings[demo.0 as usize];
    m.build_id = build_id;
    m.has_filenames = true;
    m.has_line_numbers = true;
    m.has_inline_frames = true;
    let demo = Some(demo);
    let f = "demo/main.go";
    let main = b.named_location(demo, 0x401000, &[("main.main", f, 10)]);
    let run = b.named_location(demo, 0x401100, &[("main.run", f, 20)]);
    let run2 = b.named_location(demo, 0x401120, &[("main.run", f, 22)]);
    let work = b.named_location(demo, 0x401200, &[("main.mix", f, 41), ("main.work", f, 31)]);
    let work_self = b.named_location(demo, 0x401210, &[("main.work", f, 32)]);
    let fib = b.named_location(demo, 0x401300, &[("main.fib", f, 50)]);
    let fib_rec = b.named_location(demo, 0x401310, &[("main.fib", f, 52)]);
    let hash = b.named_location(
        demo,
        0x401400,
        &[("crypto/sha256.block", "sha256/block.go", 7)],
    );
    let mix_direct = b.named_location(demo, 0x401500, &[("main.mix", f, 42)]);
    // (stack, count, worker label, bytes label); cpu is count × the period.
    let samples: [Drawn; 7] = [
        (&[work, run, main], 40, Some("w1"), None),
        (&[work_self, run, main], 15, Some("w1"), Some(2048)),
        (&[fib, fib_rec, fib_rec, run2, main], 30, Some("w2"), None),
        (&[fib_rec, run2, main], 5, None, Some(64)),
        (&[hash, work_self, run, main], 8, Some("w2"), None),
        (&[mix_direct, run2, main], 1, None, None),
        (&[main], 1, None, None),
    ];
    for (stack, n, worker, bytes) in samples {
        let labels: Vec<(&str, &str)> = worker.map(|w| ("worker", w)).into_iter().collect();
        b.labelled_sample(stack, &[n, n * 10_000_000], &labels);
        if let Some(bytes) = bytes {
            b.num_label("bytes", bytes, "");
        }
    }
    b.build()
}
