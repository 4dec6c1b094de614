//! Symbolization speed: a C program of 4,000 functions compiled with `cc
//! -O1 -g` (skipped when there is no C compiler), a profile of 20,000
//! distinct addresses in them; symbolizing it from the binary's bytes
//! (DWARF with inline chains, on all cores) and resolving single addresses.
//! Throughput in addresses. For the comparison with `go tool pprof` on a
//! binary of 100 MB see `benches/native_profile.py` and README's speed
//! table.

use std::fmt::Write as _;
use std::process::Command;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pprof_model::build::ProfileBuilder;
use pprof_model::Profile;
use pprof_tools::symbolize::{symbolize_local_with, BinaryData, ObjectFile};

const FUNCTIONS: usize = 4000;
const ADDRESSES: usize = 20_000;

/// Builds the binary; `None` without a C compiler.
fn binary() -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().ok()?;
    let mut src = String::from("#include <stdio.h>\n");
    for i in 0..FUNCTIONS {
        let _ = writeln!(
            src,
            "static inline int mix{i}(int x) {{ return x * {k} + (x >> 3); }}\n\
             __attribute__((noinline)) int f{i}(int n) {{ int s = 0; for (int j = 0; j < n; j++) s += mix{i}(j ^ s); return s; }}",
            k = i + 3
        );
    }
    src.push_str("int main(int argc, char **argv) { int s = 0;\n");
    for i in 0..FUNCTIONS {
        let _ = writeln!(src, "s += f{i}(argc);");
    }
    src.push_str("printf(\"%d\\n\", s); return 0; }\n");
    let c = dir.path().join("many.c");
    std::fs::write(&c, src).ok()?;
    let out = dir.path().join("many");
    let ok = Command::new("cc")
        .args(["-O1", "-g", "-no-pie", "-o"])
        .arg(&out)
        .arg(&c)
        .status()
        .ok()?
        .success();
    ok.then(|| std::fs::read(out).ok()).flatten()
}

/// Addresses spread over the functions' code.
fn addresses(bin: &[u8]) -> Vec<u64> {
    let obj = ObjectFile::parse(bin).expect("object");
    let funcs: Vec<(u64, u64)> = obj
        .symbols()
        .iter()
        .filter(|s| s.name.starts_with('f') && s.size > 8)
        .map(|s| (s.address, s.size))
        .collect();
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut out = std::collections::BTreeSet::new();
    while out.len() < ADDRESSES {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let (start, size) = funcs[(seed % funcs.len() as u64) as usize];
        out.insert(start + (seed >> 32) % size);
    }
    out.into_iter().collect()
}

fn profile(addrs: &[u64]) -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let many = b.mapping("/bench/many", 0x40_0000, 0x4000_0000);
    b.profile_mut().mappings[many.0 as usize].has_functions = false;
    for &a in addrs {
        let loc = b.location(Some(many), a, &[]);
        b.sample(&[loc], &[1]);
    }
    b.build()
}

fn symbolize(c: &mut Criterion) {
    let Some(bin) = binary() else {
        println!("skipped: no C compiler (cc) to build the benchmark's binary");
        return;
    };
    let addrs = addresses(&bin);
    let p = profile(&addrs);
    let mut group = c.benchmark_group("symbolize");
    group.sample_size(10);
    group.throughput(Throughput::Elements(addrs.len() as u64));
    group.bench_function("profile/20k-addresses", |b| {
        b.iter_batched(
            || p.clone(),
            |mut p| {
                let w = symbolize_local_with(&mut p, false, |_| {
                    Ok(BinaryData {
                        path: "/bench/many".into(),
                        bytes: bin.clone(),
                        debug: None,
                    })
                });
                assert!(w.is_empty());
                p.functions.len()
            },
            BatchSize::LargeInput,
        )
    });
    let obj = ObjectFile::parse(&bin).unwrap();
    let resolver = obj.resolver().unwrap();
    group.throughput(Throughput::Elements(1000));
    group.bench_function("frames/1000-addresses-warm", |b| {
        b.iter(|| {
            addrs
                .iter()
                .take(1000)
                .map(|&a| resolver.frames(a).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, symbolize);
criterion_main!(benches);
