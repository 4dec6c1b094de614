//! Integration tests of pprof-symbolize: a C program compiled at test time
//! (skipped, with a printed reason, when no C compiler is available).

use std::path::PathBuf;
use std::process::Command;

use object::{Object, ObjectSymbol};
use pprof_model::{Location, Mapping, MappingId, Profile, Sample, ValueType};

const SOURCE: &str = r#"
#include <stdio.h>
static inline __attribute__((always_inline)) int square(int x) { return x * x; }
__attribute__((noinline)) int leaf_work(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += square(i);
    return s;
}
int main(int argc, char **argv) { printf("%d\n", leaf_work(argc * 1000)); return 0; }
"#;

fn compile(extra: &[&str]) -> Option<PathBuf> {
    let dir = std::env::temp_dir().join(format!("pprof-symbolize-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let src = dir.join("prog.c");
    std::fs::write(&src, SOURCE).ok()?;
    let out = dir.join(format!("prog{}", extra.join("").replace('-', "_")));
    let status = Command::new("cc")
        .args(["-g", "-O1"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .ok()?;
    status.success().then_some(out)
}

fn symbol_address(bin: &[u8], name: &str) -> u64 {
    let f = object::File::parse(bin).unwrap();
    f.symbols()
        .find(|s| s.name() == Ok(name))
        .map(|s| s.address())
        .expect("symbol present")
}

fn profile_for(file: &str, start: u64, limit: u64, addr: u64) -> Profile {
    let mut p = Profile::new();
    let t = p.intern("samples");
    let u = p.intern("count");
    p.sample_types.push(ValueType { r#type: t, unit: u });
    let f = p.intern(file);
    p.mappings.push(Mapping {
        id: 1,
        start,
        limit,
        file: f,
        ..Default::default()
    });
    p.locations.push(Location {
        id: 1,
        mapping: Some(MappingId(0)),
        address: addr,
        lines: vec![],
        is_folded: false,
    });
    p.samples.push(Sample {
        locations: vec![pprof_model::LocationId(0)],
        values: vec![1],
        labels: vec![],
    });
    p
}

fn check(bin: PathBuf, pie: bool) {
    let bytes = std::fs::read(&bin).unwrap();
    let sym = symbol_address(&bytes, "leaf_work");
    let start = if pie { 0x5555_5555_4000 } else { 0 };
    let addr = start + sym + 4;
    let mut p = profile_for(bin.to_str().unwrap(), start, start + 0x10_0000, addr);
    let reqs = pprof_symbolize::requests(&p);
    assert_eq!(reqs.len(), 1);
    let stats = pprof_symbolize::symbolize_with(&mut p, |_| Some(bytes.clone())).unwrap();
    assert_eq!(stats.locations, 1);
    let loc = &p.locations[0];
    let outer = loc.lines.last().expect("frames");
    let f = p.function(outer.function);
    assert_eq!(p.str(f.name), "leaf_work");
    assert!(
        p.str(f.filename).ends_with("prog.c"),
        "{}",
        p.str(f.filename)
    );
    assert!(outer.line >= 4 && outer.line <= 7, "line {}", outer.line);
    assert!(p.mappings[0].has_functions);
    // nothing left to do
    assert!(pprof_symbolize::requests(&p).is_empty());
}

#[test]
fn symbolizes_position_dependent_executable() {
    match compile(&["-no-pie", "-fno-pie"]) {
        Some(bin) => check(bin, false),
        None => println!("skipped: no working C compiler (cc) to build a test binary"),
    }
}

#[test]
fn symbolizes_pie_executable() {
    match compile(&["-fpie", "-pie"]) {
        Some(bin) => check(bin, true),
        None => println!("skipped: no working C compiler (cc) to build a test binary"),
    }
}

#[test]
fn vdso_and_symbolized_mappings_are_not_requested() {
    let mut p = profile_for("[vdso]", 0x1000, 0x2000, 0x1100);
    assert!(pprof_symbolize::requests(&p).is_empty());
    p.mappings[0].file = p.intern("/bin/app");
    assert_eq!(pprof_symbolize::requests(&p).len(), 1);
    p.mappings[0].has_functions = true;
    assert!(pprof_symbolize::requests(&p).is_empty());
}

#[test]
fn garbage_object_is_an_error_not_a_panic() {
    let mut p = profile_for("/bin/app", 0x1000, 0x2000, 0x1100);
    let err = pprof_symbolize::symbolize_with(&mut p, |_| {
        Some(vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0])
    });
    assert!(err.is_err());
    let err = pprof_symbolize::symbolize_with(&mut p, |_| Some(b"not an object".to_vec()));
    assert!(err.is_err());
}

#[test]
fn loader_search_order_follows_pprof() {
    let req = pprof_symbolize::BinaryRequest {
        mapping: MappingId(0),
        file: "/usr/bin/app".into(),
        build_id: "abc".into(),
    };
    let dirs = vec![PathBuf::from("/sym")];
    let c = pprof_symbolize::loader::candidates(&req, &dirs);
    assert_eq!(c[0], PathBuf::from("/sym/abc/app"));
    assert!(c.contains(&PathBuf::from("/sym/usr/bin/app/abc")));
    assert!(c.contains(&PathBuf::from("/sym/app")));
    assert_eq!(c.last(), Some(&PathBuf::from("/usr/bin/app")));
}
