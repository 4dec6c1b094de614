//! A small CPU-like profile: main → run → {work (inlining mix), fib
//! (recursive), hash}, with labels and a numeric `bytes` label.

use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// (function name, file, line) frames of one location, innermost first.
type Frames<'a> = &'a [(&'a str, &'a str, i64)];

pub fn add_location(p: &mut Profile, address: u64, frames: Frames<'_>) -> LocationId {
    let mut lines = Vec::new();
    for &(name, file, line) in frames {
        let name_id = p.intern(name);
        let file_id = p.intern(file);
        let fid = match p.functions.iter().position(|f| f.name == name_id) {
            Some(i) => FunctionId(i as u32),
            None => {
                p.functions.push(Function {
                    id: p.functions.len() as u64 + 1,
                    name: name_id,
                    system_name: name_id,
                    filename: file_id,
                    start_line: 0,
                });
                FunctionId(p.functions.len() as u32 - 1)
            }
        };
        lines.push(Line {
            function: fid,
            line,
            column: 0,
        });
    }
    p.locations.push(Location {
        id: p.locations.len() as u64 + 1,
        mapping: Some(MappingId(0)),
        address,
        lines,
        is_folded: false,
    });
    LocationId(p.locations.len() as u32 - 1)
}

pub fn cpu() -> Profile {
    let mut p = Profile::new();
    let cpu = p.intern("cpu");
    let ns = p.intern("nanoseconds");
    let samples = p.intern("samples");
    let count = p.intern("count");
    p.sample_types = vec![
        ValueType {
            r#type: samples,
            unit: count,
        },
        ValueType {
            r#type: cpu,
            unit: ns,
        },
    ];
    p.period_type = ValueType {
        r#type: cpu,
        unit: ns,
    };
    p.period = 10_000_000;
    // No time: its header line depends on the local time zone.
    p.duration_nanos = 2_000_000_000;
    let file = p.intern("/build/demo");
    let build_id = p.intern("abc123");
    p.mappings.push(Mapping {
        id: 1,
        start: 0x400000,
        limit: 0x500000,
        file,
        build_id,
        has_functions: true,
        has_filenames: true,
        has_line_numbers: true,
        has_inline_frames: true,
        ..Default::default()
    });
    let f = "demo/main.go";
    let main = add_location(&mut p, 0x401000, &[("main.main", f, 10)]);
    let run = add_location(&mut p, 0x401100, &[("main.run", f, 20)]);
    let run2 = add_location(&mut p, 0x401120, &[("main.run", f, 22)]);
    let work = add_location(
        &mut p,
        0x401200,
        &[("main.mix", f, 41), ("main.work", f, 31)],
    );
    let work_self = add_location(&mut p, 0x401210, &[("main.work", f, 32)]);
    let fib = add_location(&mut p, 0x401300, &[("main.fib", f, 50)]);
    let fib_rec = add_location(&mut p, 0x401310, &[("main.fib", f, 52)]);
    let hash = add_location(
        &mut p,
        0x401400,
        &[("crypto/sha256.block", "sha256/block.go", 7)],
    );
    let mix_direct = add_location(&mut p, 0x401500, &[("main.mix", f, 42)]);
    let worker = p.intern("worker");
    let w1 = p.intern("w1");
    let w2 = p.intern("w2");
    let bytes = p.intern("bytes");
    let add = |p: &mut Profile,
               locs: Vec<LocationId>,
               n: i64,
               w: Option<pprof_model::StrId>,
               b: Option<i64>| {
        let mut labels = Vec::new();
        if let Some(w) = w {
            labels.push(Label {
                key: worker,
                str: w,
                num: 0,
                num_unit: Default::default(),
            });
        }
        if let Some(b) = b {
            labels.push(Label {
                key: bytes,
                str: Default::default(),
                num: b,
                num_unit: Default::default(),
            });
        }
        p.samples.push(Sample {
            locations: locs,
            values: vec![n, n * 10_000_000],
            labels,
        });
    };
    add(&mut p, vec![work, run, main], 40, Some(w1), None);
    add(&mut p, vec![work_self, run, main], 15, Some(w1), Some(2048));
    add(
        &mut p,
        vec![fib, fib_rec, fib_rec, run2, main],
        30,
        Some(w2),
        None,
    );
    add(&mut p, vec![fib_rec, run2, main], 5, None, Some(64));
    add(&mut p, vec![hash, work_self, run, main], 8, Some(w2), None);
    add(&mut p, vec![mix_direct, run2, main], 1, None, None);
    add(&mut p, vec![main], 1, None, None);
    p
}
