use crate::{addrs, types};
use pprof_legacy::{parse, parse_detailed, Format};

#[derive(Clone, Copy)]
enum Order {
    Little,
    Big,
}

fn words(ws: &[u64], bits: u32, order: Order) -> Vec<u8> {
    let mut out = Vec::new();
    for &w in ws {
        match (bits, order) {
            (32, Order::Little) => out.extend_from_slice(&(w as u32).to_le_bytes()),
            (32, Order::Big) => out.extend_from_slice(&(w as u32).to_be_bytes()),
            (_, Order::Little) => out.extend_from_slice(&w.to_le_bytes()),
            (_, Order::Big) => out.extend_from_slice(&w.to_be_bytes()),
        }
    }
    out
}

/// Two samples whose second frame (0x400900, the signal handler) is shared.
fn cpu_profile(bits: u32, order: Order) -> Vec<u8> {
    let mut b = words(
        &[
            0, 3, 0, 10000, 0, // header: 10ms period
            1, 3, 0x400100, 0x400900, 0x400200, //
            2, 3, 0x400110, 0x400900, 0x400300, //
            0, 1, 0, // end marker
        ],
        bits,
        order,
    );
    b.extend_from_slice(b"00400000-00500000 r-xp 00000000 08:01 1 /usr/bin/server\n");
    b
}

#[test]
fn cpu_all_word_formats() {
    for bits in [32, 64] {
        for order in [Order::Little, Order::Big] {
            let parsed = parse_detailed(&cpu_profile(bits, order)).unwrap();
            assert_eq!(parsed.format, Format::Cpu);
            let p = parsed.profile;
            assert_eq!(types(&p), ["samples/count", "cpu/nanoseconds"]);
            assert_eq!(p.period, 10_000_000);
            assert_eq!(p.samples.at(0).values, vec![1, 10_000_000]);
            assert_eq!(p.samples.at(1).values, vec![2, 20_000_000]);
            // The shared signal-handler frame is stripped; callers are PC - 1.
            assert_eq!(addrs(&p, 0), vec![0x400100, 0x4001ff]);
            assert_eq!(addrs(&p, 1), vec![0x400110, 0x4002ff]);
            // The stripped frame's location is gone after renumbering.
            assert_eq!(p.locations.len(), 4);
            assert_eq!(p.mappings.len(), 1);
            assert_eq!(p.str(p.mappings[0].file), "/usr/bin/server");
        }
    }
}

#[test]
fn cpu_duplicate_leaf_is_removed() {
    let b = words(
        &[
            0, 3, 0, 1000, 0, 1, 2, 0x500, 0x500, 1, 2, 0x600, 0x700, 0, 1, 0,
        ],
        64,
        Order::Little,
    );
    let p = parse(&b).unwrap();
    // 0x500 then 0x500-1: the second frame duplicates the leaf.
    assert_eq!(addrs(&p, 0), vec![0x500]);
    assert_eq!(addrs(&p, 1), vec![0x600, 0x6ff]);
}

#[test]
fn java_cpu() {
    let mut b = words(
        &[0, 3, 1, 10000, 0, 5, 2, 0x1, 0x2, 0, 1, 0],
        64,
        Order::Little,
    );
    b.extend_from_slice(b"0x1 Foo.run (Foo.java:5)\n0x2 Foo.main (Foo.java:1)\n");
    let parsed = parse_detailed(&b).unwrap();
    assert_eq!(parsed.format, Format::JavaCpu);
    let p = parsed.profile;
    assert_eq!(p.samples.at(0).values, vec![5, 50_000_000]);
    // Java addresses are not adjusted, then dropped once named.
    assert_eq!(addrs(&p, 0), vec![0, 0]);
    let f = p.function(p.location(p.samples.at(0).locations[0]).lines[0].function);
    assert_eq!(p.str(f.name), "Foo.run");
    assert_eq!(p.str(f.filename), "Foo.java");
    assert_eq!(p.location(p.samples.at(0).locations[0]).lines[0].line, 5);
    assert!(p.mappings.is_empty());
}

#[test]
fn names_keep_bytes_that_are_not_utf8() {
    let mut b = words(&[0, 3, 1, 10000, 0, 5, 1, 0x1, 0, 1, 0], 64, Order::Little);
    b.extend_from_slice(b"0x1 Fo\xebo.run (F\xffoo.java:5)\n");
    let p = parse(&b).unwrap();
    let f = p.function(p.location(p.samples.at(0).locations[0]).lines[0].function);
    // As pprof reads them: the bytes themselves, not U+FFFD.
    assert_eq!(p.strings.bytes(f.name).as_ref(), b"Fo\xebo.run");
    assert_eq!(p.strings.bytes(f.filename).as_ref(), b"F\xffoo.java");
}

#[test]
fn truncated_cpu_is_unrecognized() {
    let b = words(&[0, 3, 0, 10000, 0, 1, 1000], 64, Order::Little);
    assert!(parse(&b).unwrap_err().is_unrecognized());
}
