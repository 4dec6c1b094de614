use crate::{fixture, num_label, types, unsample};
use pprof_legacy::{parse_detailed, Format};

fn names(p: &pprof_model::Profile, sample: usize) -> Vec<(String, String, i64)> {
    p.samples
        .at(sample)
        .locations
        .iter()
        .map(|l| {
            let ln = p.location(*l).lines[0];
            let f = p.function(ln.function);
            (
                p.str(f.name).to_string(),
                p.str(f.filename).to_string(),
                ln.line,
            )
        })
        .collect()
}

#[test]
fn java_contention() {
    let parsed = parse_detailed(&fixture("java_contention.txt")).unwrap();
    assert_eq!(parsed.format, Format::JavaContention);
    let p = parsed.profile;
    assert_eq!(types(&p), ["contentions/count", "delay/microseconds"]);
    assert_eq!(p.period, 100);
    assert_eq!(p.duration_nanos, 6_000_000_000);
    // Java puts the delay first and the count second; both are scaled by the period.
    assert_eq!(p.samples.at(0).values, vec![500, 2500]);
    assert_eq!(p.samples.at(1).values, vec![200, 1000]);
    assert_eq!(
        names(&p, 0),
        [
            ("com.example.Lock.acquire".into(), "Lock.java".into(), 42),
            ("com.example.Main.main".into(), "Main.java".into(), 7)
        ]
    );
}

#[test]
fn java_heap() {
    let parsed = parse_detailed(&fixture("java_heap.txt")).unwrap();
    assert_eq!(parsed.format, Format::JavaHeap);
    let p = parsed.profile;
    assert_eq!(types(&p), ["inuse_objects/count", "inuse_space/bytes"]);
    assert_eq!(p.period, 0);
    let (c, s) = unsample(2, 1048576, 524288);
    assert_eq!(p.samples.at(0).values, vec![c, s]);
    assert_eq!(num_label(&p, 0, "bytes"), Some(524288));
    assert_eq!(num_label(&p, 1, "bytes"), Some(16));
    assert_eq!(
        names(&p, 0),
        [
            ("com.example.Cache.grow".into(), "Cache.java".into(), 17),
            ("Interpreter".into(), "libjvm.so".into(), 0),
            ("STUB".into(), "".into(), 0)
        ]
    );
    assert_eq!(names(&p, 1), [("GC".into(), "".into(), 0)]);
}

#[test]
fn java_heap_zero_count_is_an_error() {
    let e = pprof_legacy::parse(b"--- heapz 1 ---\nformat = java\n  5 0 @ 0x1\n").unwrap_err();
    assert!(!e.is_unrecognized());
}

#[test]
fn java_heap_zero_block_size_is_a_zero_bytes_label() {
    // Java heapz puts the byte count second: "2 1024" means 1024 objects of
    // 2 bytes in total, so the block size 2/1024 is 0, a label that
    // profile.proto cannot carry (go1.19's pprof never showed it).
    let text = b"--- heapz 1 ---\nformat = java\nresolution = bytes\n\
2 1024 @ 0x10\n4096 2 @ 0x20\n0x10 a.B.c (B.java:1)\n0x20 a.B.d (B.java:2)\n";
    let mut p = parse_detailed(text).unwrap().profile;
    assert_eq!(num_label(&p, 0, "bytes"), Some(0));
    assert_eq!(num_label(&p, 1, "bytes"), Some(2048));
    p.drop_unencodable_labels();
    assert!(p.samples.at(0).labels.is_empty());
    assert_eq!(num_label(&p, 1, "bytes"), Some(2048));
}
