//! Address translation of position-dependent and PIE executables, which
//! mappings are asked for, and pprof's messages.

use object::{Object, ObjectSymbol};
use pprof_symbolize::loader::Loader;
use pprof_symbolize::Warning;

use crate::fixtures;

fn symbol(bin: &[u8], name: &str) -> u64 {
    let f = object::File::parse(bin).unwrap();
    f.symbols()
        .find(|s| s.name() == Ok(name))
        .map(|s| s.address())
        .expect("symbol present")
}

fn check(bin: std::path::PathBuf, pie: bool) {
    let bytes = std::fs::read(&bin).unwrap();
    let sym = symbol(&bytes, "leaf_work");
    // A mapping of the executable segment, as /proc/PID/maps shows it.
    let obj = pprof_symbolize::ObjectFile::parse(&bytes).unwrap();
    let (start, offset) = if pie {
        (0x5555_5555_5000, 0x1000)
    } else {
        (0x401000, 0x1000)
    };
    let addr = if pie {
        0x5555_5555_4000 + sym + 4
    } else {
        sym + 4
    };
    let mut p = fixtures::one_address(
        bin.to_str().unwrap(),
        start,
        start + 0x10_0000,
        offset,
        addr,
    );
    assert_eq!(
        obj.base(start, start + 0x10_0000, offset, addr).unwrap(),
        addr - sym - 4
    );
    let (reqs, w) = pprof_symbolize::requests(&p, false);
    assert_eq!(reqs.len(), 1);
    assert!(w.is_empty());
    let w = Loader::default().symbolize_local(&mut p, false);
    assert!(w.is_empty(), "{w:?}");
    let loc = &p.locations[0];
    let outer = loc.lines.last().expect("frames");
    let f = p.function(outer.function);
    assert_eq!(p.str(f.name), "leaf_work");
    assert!(p.str(f.filename).ends_with(".c"), "{}", p.str(f.filename));
    assert!(outer.line >= 4 && outer.line <= 7, "line {}", outer.line);
    assert!(p.mappings[0].has_functions);
    // nothing left to do, unless forced
    assert!(pprof_symbolize::requests(&p, false).0.is_empty());
    assert_eq!(pprof_symbolize::requests(&p, true).0.len(), 1);
}

#[test]
fn position_dependent_executable() {
    if let Some(bin) = fixtures::small_c("small_pde", &["-no-pie", "-fno-pie"]) {
        check(bin, false);
    }
}

#[test]
fn pie_executable() {
    if let Some(bin) = fixtures::small_c("small_pie", &["-fpie", "-pie"]) {
        check(bin, true);
    }
}

#[test]
fn system_mappings_are_not_requested() {
    for f in [
        "[vdso]",
        "[kernel.kallsyms]",
        "linux-vdso.so.1",
        "/dev/dri/card0",
        "http://host/x",
    ] {
        let p = fixtures::one_address(f, 0x1000, 0x2000, 0, 0x1100);
        assert!(pprof_symbolize::requests(&p, false).0.is_empty(), "{f}");
    }
}

#[test]
fn pprof_messages() {
    // The main mapping without a file, another one missing on disk.
    let mut p = fixtures::one_address("", 0x1000, 0x2000, 0, 0x1100);
    let f = p.intern("/nonexistent/libfoo.so");
    let b = p.intern("abcd");
    let mut m = p.mappings[0].clone();
    m.id = 2;
    m.file = f;
    m.build_id = b;
    p.mappings.push(m);
    let mut l = p.locations[0].clone();
    l.id = 2;
    l.mapping = Some(pprof_model::MappingId(1));
    p.locations.push(l);
    let w: Vec<String> = Loader::default()
        .symbolize_local(&mut p, false)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        w,
        [
            "Main binary filename not available.",
            "Local symbolization failed for libfoo.so (build ID abcd): open /nonexistent/libfoo.so: no such file or directory",
            "Some binary filenames not available. Symbolization may be incomplete.\nTry setting PPROF_BINARY_PATH to the search path for local binaries.",
        ]
    );
    let (mode, warning) = pprof_symbolize::SymbolizeMode::parse_lenient("local:sideways");
    assert_eq!(mode.source, pprof_symbolize::SymbolSource::Local);
    assert_eq!(
        warning.unwrap().to_string(),
        "ignoring unrecognized symbolization option: local:sideways\n\
         expecting -symbolize=[local|fastlocal|remote|none][:force][:demangle=[none|full|templates|default]"
    );
    let _ = Warning::MainBinaryMissing;
}

/// The function names of a location's lines, innermost first.
fn names(p: &pprof_model::Profile, i: usize) -> Vec<String> {
    p.locations[i]
        .lines
        .iter()
        .map(|l| p.str(p.function(l.function).name).to_string())
        .collect()
}

#[test]
fn keep_named_fills_only_the_locations_without_lines() {
    let Some(bin) = fixtures::small_c("small_keep", &["-no-pie", "-fno-pie"]) else {
        return;
    };
    let bytes = std::fs::read(&bin).unwrap();
    let sym = symbol(&bytes, "leaf_work");
    let mut p = fixtures::one_address(bin.to_str().unwrap(), 0x401000, 0x50_1000, 0x1000, sym + 4);
    // A second location of the mapping, already named (as `-text_frames`
    // names the frames of a debug=1 text from its `#` lines).
    let name = p.intern("main.fromHashLine");
    let file = p.intern("main.go");
    p.functions.push(pprof_model::Function {
        id: 1,
        name,
        system_name: name,
        filename: file,
        start_line: 0,
    });
    let mut named = p.locations[0].clone();
    named.id = 2;
    named.address = sym + 8;
    named.lines = vec![pprof_model::Line {
        function: pprof_model::FunctionId(0),
        line: 9,
        column: 0,
    }];
    p.locations.push(named);
    let symbolize = |p: &mut pprof_model::Profile, spec: &str, keep_named: bool| {
        let mut mode: pprof_symbolize::SymbolizeMode = spec.parse().unwrap();
        mode.keep_named = keep_named;
        let none: Option<(
            &pprof_symbolize::remote::MappingSources,
            &mut pprof_symbolize::loader::NoService,
        )> = None;
        pprof_symbolize::loader::symbolize(p, mode, &Loader::default(), none).unwrap()
    };
    for spec in ["local", "local:force"] {
        let mut q = p.clone();
        assert!(symbolize(&mut q, spec, true).is_empty());
        assert_eq!(names(&q, 0).last().map(String::as_str), Some("leaf_work"));
        assert_eq!(names(&q, 1), ["main.fromHashLine"], "{spec}");
        assert_eq!(q.locations[1].lines[0].line, 9);
        assert!(q.mappings[0].has_functions);
    }
    // pprof rewrites every location of the mapping it symbolizes.
    let mut q = p.clone();
    symbolize(&mut q, "local", false);
    assert_eq!(names(&q, 1).last().map(String::as_str), Some("leaf_work"));
}
