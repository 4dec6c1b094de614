use crate::{addrs, fixture, num_label, types, unsample};
use pprof_legacy::{parse, parse_detailed, Error, Format};

#[test]
fn go_heap_debug1_is_unsampled_at_half_the_header_rate() {
    let parsed = parse_detailed(&fixture("go_heap_debug1.txt")).unwrap();
    assert_eq!(parsed.format, Format::Heap);
    let p = &parsed.profile;
    // `@ heap/1048576` is 2*MemProfileRate: the sampling rate is 524288.
    assert_eq!(p.period, 524288);
    assert_eq!(p.str(p.period_type.r#type), "space");
    assert_eq!(
        types(p),
        [
            "alloc_objects/count",
            "alloc_space/bytes",
            "inuse_objects/count",
            "inuse_space/bytes"
        ]
    );
    let (ac, asz) = unsample(3, 3072, 524288);
    let (ic, isz) = unsample(1, 1024, 524288);
    assert_eq!(p.samples.at(0).values, vec![ac, asz, ic, isz]);
    // The block size comes from the in-use pair (the last one read).
    assert_eq!(num_label(p, 0, "bytes"), Some(1024));
    assert_eq!(num_label(p, 1, "bytes"), Some(4096));
    assert_eq!(p.samples.at(2).values, vec![0, 0, 0, 0]);
    // A block size of 0 is a label of 0, as pprof's parser makes it (a
    // proto round trip drops it: go1.19's pprof never showed it).
    assert_eq!(num_label(p, 2, "bytes"), Some(0));
    // Return addresses are moved back onto the call: PC - 1.
    assert_eq!(addrs(p, 0), vec![0x401010, 0x402021]);
    assert_eq!(addrs(p, 1), vec![0x401010, 0x403032]);
    assert_eq!(p.locations.len(), 4);
    // No memory map: one fake mapping covering everything.
    assert_eq!(p.mappings.len(), 1);
    assert_eq!((p.mappings[0].start, p.mappings[0].limit), (0, u64::MAX));
    assert!(p.locations.iter().all(|l| l.mapping.is_some()));
    // Heap profiles hide allocator frames.
    assert!(p.str(p.drop_frames).contains("runtime\\..*"));
    assert!(p.str(p.keep_frames).starts_with("runtime\\.panic"));

    let m = parsed.memstats.expect("memstats");
    assert_eq!(m.alloc, 2842272);
    assert_eq!((m.stack_inuse, m.stack_sys), (262144, 524288));
    assert_eq!(m.pause_ns, vec![68372, 4536, 0]);
    assert_eq!(m.num_gc, 4);
    assert_eq!(m.max_rss, Some(6991872));
    assert!(!m.debug_gc);
}

#[test]
fn cpp_heap_v1_with_mapped_libraries() {
    let p = parse(&fixture("cpp_heap_v1.txt")).unwrap();
    // Equal in-use and alloc pairs: no alloc sample types; heapprofile is unsampled.
    assert_eq!(types(&p), ["objects/count", "space/bytes"]);
    assert_eq!(p.period, 1);
    assert_eq!(p.samples.at(0).values, vec![1, 1024]);
    assert_eq!(p.samples.at(1).values, vec![1, 2048]);
    assert_eq!(num_label(&p, 1, "bytes"), Some(2048));
    // Non-executable entries are skipped; the main binary (not a .so) is moved first.
    assert_eq!(p.mappings.len(), 2);
    assert_eq!(p.str(p.mappings[0].file), "/usr/bin/server");
    assert_eq!(p.mappings[0].id, 1);
    assert_eq!(p.str(p.mappings[1].file), "/lib/libc.so.6");
    for l in &p.locations {
        assert_eq!(l.mapping.map(|m| p.mapping(m).id), Some(1));
    }
}

#[test]
fn growthz() {
    let p = parse(&fixture("cpp_growth.txt")).unwrap();
    assert_eq!(types(&p), ["objects/count", "space/bytes"]);
    assert_eq!(p.period, 1);
    assert_eq!(p.samples.at(0).values, vec![1, 512]);
    assert_eq!(addrs(&p, 0), vec![0x1000, 0x2001]);
}

#[test]
fn fragmentationz_and_heap_v2_header() {
    let p = parse(b"heap profile: 1: 512 [ 1: 512] @ fragmentationz\n1: 512 [1: 512] @ 0x11\n")
        .unwrap();
    assert_eq!(p.samples.at(0).values, vec![1, 512]);
    let text = b"heap profile: 1: 100 [ 1: 100] @ heap_v2/50\n1: 100 [1: 100] @ 0x11\n";
    let p = parse(text).unwrap();
    assert_eq!(p.period, 50);
    let (c, s) = unsample(1, 100, 50);
    assert_eq!(p.samples.at(0).values, vec![c, s]);
}

#[test]
fn heap_record_errors_are_real_errors() {
    let e = parse(b"heap profile: 1: 1 [1: 1] @ heap/2\n0: 5 [0: 0] @ 0x1\n").unwrap_err();
    assert!(matches!(e, Error::BadRecord(_)), "{e:?}");
    let e = parse(b"heap profile: 1: 1 [1: 1] @ heap/2\nnot a record\n").unwrap_err();
    assert!(!e.is_unrecognized());
}

#[test]
fn goroutine_count_profile() {
    let parsed = parse_detailed(&fixture("go_goroutine_debug1.txt")).unwrap();
    assert_eq!(parsed.format, Format::GoCount);
    let p = parsed.profile;
    assert_eq!(types(&p), ["goroutine/count"]);
    assert_eq!(p.period, 1);
    assert_eq!(p.samples.len(), 2);
    assert_eq!(p.samples.at(0).values, vec![4]);
    assert_eq!(addrs(&p, 0), vec![0x437c15, 0x40560b, 0x4bc835, 0x461b40]);
    // Shared addresses share a location.
    assert_eq!(p.samples.at(0).locations[2], p.samples.at(1).locations[1]);
    assert_eq!(p.locations.len(), 5);
    assert!(p.str(p.drop_frames).starts_with("ProfileData::Add"));
}

#[test]
fn threadcreate_profile_and_empty_stacks() {
    let p = parse(&fixture("go_threadcreate_debug1.txt")).unwrap();
    assert_eq!(types(&p), ["threadcreate/count"]);
    assert_eq!(p.samples.at(0).values, vec![2]);
    assert_eq!(p.samples.at(1).values, vec![1]);
    // pprof cannot read records without addresses.
    assert_eq!(
        parse(b"threadcreate profile: total 1\n1 @\n").unwrap_err(),
        Error::Malformed
    );
}

#[test]
fn threadz_counts_same_as_previous() {
    let parsed = parse_detailed(&fixture("cpp_threadz.txt")).unwrap();
    assert_eq!(parsed.format, Format::Thread);
    let p = parsed.profile;
    assert_eq!(types(&p), ["thread/count"]);
    assert_eq!(p.samples.len(), 2);
    assert_eq!(p.samples.at(0).values, vec![1]);
    // The third thread repeats the second one's stack.
    assert_eq!(p.samples.at(1).values, vec![2]);
    // Leaf address kept, callers moved onto the call.
    assert_eq!(addrs(&p, 0), vec![0x400010, 0x40001f, 0x40002f]);
    assert_eq!(p.str(p.mappings[0].file), "/usr/bin/server");
}

#[test]
fn cpp_contentionz_unsamples_by_period_and_clock() {
    let parsed = parse_detailed(&fixture("cpp_contentionz.txt")).unwrap();
    assert_eq!(parsed.format, Format::Contention);
    let p = parsed.profile;
    assert_eq!(types(&p), ["contentions/count", "delay/nanoseconds"]);
    assert_eq!(p.period, 100);
    assert_eq!(p.duration_nanos, 5_000_000_000);
    // delay = cycles * period / (cycles per ns); contentions = count * period.
    let cycles_per_ns = 2_000_000_000.0 / 1e9;
    assert_eq!(
        p.samples.at(0).values,
        vec![2 * 100, (1000.0 * 100.0 / cycles_per_ns) as i64]
    );
    assert_eq!(p.samples.at(1).values, vec![100, 25000]);
    assert_eq!(addrs(&p, 0), vec![0x1000, 0x2001]);
    assert!(p.str(p.drop_frames).starts_with("RecordLockProfileData"));
}

#[test]
fn go_mutex_debug1() {
    let p = parse(&fixture("go_mutex_debug1.txt")).unwrap();
    assert_eq!(p.period, 1);
    assert_eq!(p.samples.at(0).values, vec![3, 3000]);
    assert_eq!(addrs(&p, 0), vec![0x401010, 0x402021]);
    let p = parse(b"--- contention:\ncycles/second=2000000000\n10 1 @ 0x5\n").unwrap();
    // Period 1 and 2 cycles per ns: 10 cycles are 5 ns.
    assert_eq!(p.samples.at(0).values, vec![1, 5]);
}

#[test]
fn unknown_contention_attribute_is_unrecognized() {
    assert!(parse(b"--- mutex:\nfoo=1\n").unwrap_err().is_unrecognized());
}

#[test]
fn unrecognized_inputs() {
    for input in [&b""[..], b"hello\n", b"# only a comment\n", b"\x00\x01\x02"] {
        assert_eq!(parse(input).unwrap_err(), Error::Unrecognized, "{input:?}");
    }
}

#[test]
fn memory_map_heuristics() {
    let p = parse(&fixture("cpp_heap_mapped.txt")).unwrap();
    // The glog prefix is removed, `$dir` expanded, the /anon_hugepage entry
    // before the adjacent main binary dropped, the two halves of the binary
    // merged (keeping the first half's offset), and since its start minus
    // its offset is the usual 0x400000, the start is moved there.
    let maps: Vec<(u64, u64, u64, &str, &str)> = p
        .mappings
        .iter()
        .map(|m| (m.start, m.limit, m.offset, p.str(m.file), p.str(m.build_id)))
        .collect();
    assert_eq!(
        maps,
        [
            (0x400000, 0x600000, 0, "/opt/app/bin/server", "0123abcd"),
            (0x7f0000000000, 0x7f0000001000, 0, "/lib/libm.so.6", ""),
        ]
    );
    let ids: Vec<u64> = p
        .samples
        .at(0)
        .locations
        .iter()
        .map(|l| p.mapping(p.location(*l).mapping.unwrap()).id)
        .collect();
    assert_eq!(ids, [1, 2, 1]);
}

#[test]
fn zero_block_size_is_a_zero_bytes_label() {
    // In-use only (equal pairs): the block size is size/count of the in-use
    // pair, here 2/3 = 0 and 0/0 treated as 0; a label of value 0 without a
    // unit does not survive a proto round trip.
    let text = b"heap profile: 4: 10 [4: 10] @ heapprofile\n\
3: 2 [3: 2] @ 0x1001\n\
1: 8 [1: 8] @ 0x2001\n\
0: 0 [0: 0] @ 0x3001\n";
    let mut p = parse(text).unwrap();
    assert_eq!(num_label(&p, 0, "bytes"), Some(0));
    assert_eq!(num_label(&p, 1, "bytes"), Some(8));
    assert_eq!(num_label(&p, 2, "bytes"), Some(0));
    assert_eq!(p.samples.at(0).values, vec![3, 2]);
    let back = pprof_model::decode(&pprof_model::encode(&p)).unwrap();
    p.drop_unencodable_labels();
    assert_eq!(back.samples, p.samples);
    assert_eq!(num_label(&p, 0, "bytes"), None);
    assert_eq!(num_label(&p, 1, "bytes"), Some(8));
}

/// Each location of a sample as its `function:line` entries, innermost
/// first (empty for an unnamed location), with its address.
fn named_stack(p: &pprof_model::Profile, sample: usize) -> Vec<(u64, Vec<String>)> {
    p.samples
        .at(sample)
        .locations
        .iter()
        .map(|l| {
            let loc = p.location(*l);
            let lines = loc
                .lines
                .iter()
                .map(|ln| {
                    let f = &p.functions[ln.function.index()];
                    format!("{}:{}", p.str(f.name), ln.line)
                })
                .collect();
            (loc.address, lines)
        })
        .collect()
}

#[test]
fn text_frames_name_debug1_frames_from_their_hash_lines() {
    let opts = pprof_legacy::ParseOptions::default().with_text_frames(true);
    let p = pprof_legacy::parse_with(&fixture("go_goroutine_debug1.txt"), &opts).unwrap();
    // The leading runtime frames Go hides stay unnamed; the frame after the
    // shown one can only be runtime.goexit, which the proto leaves out.
    assert_eq!(
        named_stack(&p, 0),
        vec![
            (0x437c15, vec![]),
            (0x40560b, vec![]),
            (0x4bc835, vec!["main.compute:28".to_string()]),
        ]
    );
    assert_eq!(
        named_stack(&p, 1),
        vec![
            (0x42d855, vec![]),
            (0x4bc835, vec!["main.compute:28".to_string()]),
        ]
    );
    let f = &p.functions[0];
    assert_eq!(p.str(f.filename), "/src/main.go");
    // Without the option the profile is pprof's: nothing named, goexit kept.
    let plain = parse(&fixture("go_goroutine_debug1.txt")).unwrap();
    assert!(plain.functions.is_empty());
    assert_eq!(addrs(&plain, 0).len(), 4);
    // Contention pages show every frame.
    let m = pprof_legacy::parse_with(&fixture("go_mutex_debug1.txt"), &opts).unwrap();
    assert_eq!(
        named_stack(&m, 0),
        vec![
            (0x401010, vec!["sync.(*Mutex).Unlock:1".to_string()]),
            (0x402021, vec!["main.main:20".to_string()]),
        ]
    );
}

#[test]
fn text_frames_fold_inlined_frames_and_keep_recursion_apart() {
    // Go 1.21+ give each inlined frame a PC of its own; frames inlined into
    // one function share its entry (PC - offset). Two calls of one function
    // share it too, but a function never repeats within an inlined run.
    let text = b"goroutine profile: total 2\n\
2 @ 0x1001 0x2011 0x2005 0x3001 0x3101\n\
#\t0x2010\tinner+0x10\ta.go:1\n\
#\t0x2004\touter+0x4\ta.go:2\n\
#\t0x3000\tf+0x100\tb.go:3\n\
#\t0x3100\tf+0x200\tb.go:4\n\n";
    let opts = pprof_legacy::ParseOptions::default().with_text_frames(true);
    let p = pprof_legacy::parse_with(text, &opts).unwrap();
    assert_eq!(
        named_stack(&p, 0),
        vec![
            (0x1000, vec![]),
            (0x2010, vec!["inner:1".to_string(), "outer:2".to_string()]),
            (0x3000, vec!["f:3".to_string()]),
            (0x3100, vec!["f:4".to_string()]),
        ]
    );
    assert_eq!(p.samples.at(0).values, vec![2]);
}
