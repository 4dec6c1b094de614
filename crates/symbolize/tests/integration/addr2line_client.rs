//! Every sampled address of the C and Rust fixtures resolves to the same
//! function, file, line and inline chain as binutils' `addr2line -a -f -i
//! -C -e BINARY`.

use std::collections::BTreeSet;
use std::process::Command;

use pprof_symbolize::{Demangle, ObjectFile};

use crate::fixtures::{self, Fixture};

/// (function, file, line) per frame, innermost first, as addr2line prints.
type Chain = Vec<(String, String, String)>;

fn addr2line_chains(bin: &std::path::Path, addrs: &[u64]) -> Vec<Chain> {
    let out = Command::new("addr2line")
        .args(["-a", "-f", "-i", "-C", "-e"])
        .arg(bin)
        .args(addrs.iter().map(|a| format!("{a:#x}")))
        .output()
        .expect("addr2line runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut chains: Vec<Chain> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        assert!(l.starts_with("0x"), "address line expected, got {l:?}");
        let mut chain = Chain::new();
        while lines.peek().is_some_and(|l| !l.starts_with("0x")) {
            let func = lines.next().unwrap().to_string();
            let loc = lines.next().expect("location line");
            // `file:line (discriminator N)`
            let loc = loc.split(" (discriminator").next().unwrap();
            let (file, line) = loc.rsplit_once(':').unwrap();
            chain.push((func, file.to_string(), line.to_string()));
        }
        chains.push(chain);
    }
    chains
}

/// Our frames in addr2line's words: `??` for unknown names and files,
/// `?` for unknown lines, names demangled in full.
fn our_chain(frames: &[pprof_symbolize::Frame]) -> Chain {
    if frames.is_empty() {
        return vec![("??".into(), "??".into(), "0".into())];
    }
    frames
        .iter()
        .map(|f| {
            let name = if f.function.is_empty() {
                "??".to_string()
            } else {
                pprof_symbolize::demangle_name(&f.function, Demangle::Full)
                    .unwrap_or_else(|| f.function.clone())
            };
            let file = if f.file.is_empty() {
                "??".to_string()
            } else {
                f.file.clone()
            };
            let line = if f.line == 0 {
                "?".to_string()
            } else {
                f.line.to_string()
            };
            (name, file, line)
        })
        .collect()
}

/// Compares every distinct sampled address of the fixture's own mapping.
fn compare(fx: &Fixture) -> usize {
    let p = fixtures::load(fx);
    let bin = std::fs::read(&fx.binary).unwrap();
    let obj = ObjectFile::parse(&bin).unwrap();
    let m = &p.mappings[0];
    assert_eq!(p.str(m.file), fx.binary.to_str().unwrap());
    let mut addrs = BTreeSet::new();
    let mut base = None;
    for l in p
        .locations
        .iter()
        .filter(|l| l.mapping.map(|m| m.index()) == Some(0))
    {
        let b =
            *base.get_or_insert_with(|| obj.base(m.start, m.limit, m.offset, l.address).unwrap());
        addrs.insert(l.address - b);
    }
    let addrs: Vec<u64> = addrs.into_iter().collect();
    assert!(
        addrs.len() >= 10,
        "too few sampled addresses: {}",
        addrs.len()
    );
    let theirs = addr2line_chains(&fx.binary, &addrs);
    assert_eq!(theirs.len(), addrs.len());
    let resolver = obj.resolver().unwrap();
    let mut inlined = 0;
    for (a, their) in addrs.iter().zip(&theirs) {
        let ours = our_chain(&resolver.frames(*a));
        let their: Chain = their
            .iter()
            .map(|(f, file, l)| {
                (
                    f.clone(),
                    file.clone(),
                    if l == "0" { "?".into() } else { l.clone() },
                )
            })
            .collect();
        let ours: Chain = ours
            .into_iter()
            .map(|(f, file, l)| (f, file, if l == "0" { "?".into() } else { l }))
            .collect();
        assert_eq!(ours, their, "address {a:#x} of {}", fx.binary.display());
        inlined += usize::from(ours.len() > 1);
    }
    assert!(inlined > 0, "no sampled address is in inlined code");
    addrs.len()
}

#[test]
fn c_fixture_matches_addr2line() {
    let Some(_) = pprof_testkit::client("addr2line", "binutils' addr2line checks our frames")
    else {
        return;
    };
    if let Some(fx) = fixtures::c_fixture() {
        let n = compare(&fx);
        println!("{n} addresses of the C fixture agree with addr2line");
    }
}

#[test]
fn rust_fixture_matches_addr2line() {
    let Some(_) = pprof_testkit::client("addr2line", "binutils' addr2line checks our frames")
    else {
        return;
    };
    if let Some(fx) = fixtures::rust_fixture() {
        let n = compare(&fx);
        println!("{n} addresses of the Rust fixture agree with addr2line");
    }
}

#[test]
fn whole_profile_symbolizes_with_inline_frames() {
    let Some(fx) = fixtures::c_fixture() else {
        return;
    };
    let mut p = fixtures::load(&fx);
    let loader = pprof_symbolize::loader::Loader::default();
    let warnings = loader.symbolize_local(&mut p, false);
    assert!(warnings.is_empty(), "{warnings:?}");
    pprof_symbolize::demangle_profile(&mut p, false, Demangle::Default);
    let names: BTreeSet<&str> = p.functions.iter().map(|f| p.str(f.name)).collect();
    for want in ["main", "phase_sieve", "sieve"] {
        assert!(names.contains(want), "{want} missing from {names:?}");
    }
    assert!(p.mappings[0].has_functions && p.mappings[0].has_line_numbers);
    // mix32 is only ever inlined: it shows up as an inner frame.
    let mix = p.functions.iter().position(|f| p.str(f.name) == "mix32");
    if let Some(mix) = mix {
        assert!(p
            .locations
            .iter()
            .any(|l| l.lines.len() > 1 && l.lines[0].function.index() == mix));
    }
}
