//! Building and running the fixture programs, once per test process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use pprof_model::{Location, LocationId, Mapping, MappingId, Profile, Sample, ValueType};

/// The folder of the fixture sources.
pub fn sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// A scratch folder for this test process.
pub fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pprof-symbolize-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn run(cmd: &mut Command) -> bool {
    match cmd.output() {
        Ok(o) if o.status.success() => true,
        Ok(o) => panic!(
            "{:?} failed: {}\n{}",
            cmd,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("{cmd:?}: {e}"),
    }
}

/// A compiled fixture and the profile it wrote of itself.
#[derive(Clone, Debug)]
pub struct Fixture {
    pub binary: PathBuf,
    pub profile: PathBuf,
}

/// The C fixture (`cwork.c`, `-O2 -g`, PIE), profiled for `ms` of CPU.
pub fn c_fixture() -> Option<Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let cc = pprof_testkit::client("cc", "a C compiler builds the C fixture")?;
        let dir = scratch();
        let bin = dir.join("cwork");
        pprof_testkit::fixtures::compile_c_fixture(&cc, &sources(), &bin);
        let prof = dir.join("cwork.prof");
        run(Command::new(&bin).arg(&prof).arg("700"));
        Some(Fixture {
            binary: bin,
            profile: prof,
        })
    })
    .clone()
}

/// The Rust fixture (`rwork.rs`, `-O -g`, v0 mangling, PIE), linked with
/// the C sampler.
pub fn rust_fixture() -> Option<Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let cc =
            pprof_testkit::client("cc", "a C compiler builds the sampler of the Rust fixture")?;
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let dir = scratch();
        let obj = dir.join("sampler.o");
        run(Command::new(&cc)
            .args(["-O2", "-fpie", "-c", "-o"])
            .arg(&obj)
            .arg(sources().join("sampler.c")));
        let bin = dir.join("rwork");
        let mut link = std::ffi::OsString::from("link-arg=");
        link.push(&obj);
        run(Command::new(rustc)
            .args(["-g", "-O", "-C", "force-frame-pointers=yes"])
            .args(["-C", "symbol-mangling-version=v0", "-C"])
            .arg(link)
            .arg("-o")
            .arg(&bin)
            .arg(sources().join("rwork.rs")));
        let prof = dir.join("rwork.prof");
        run(Command::new(&bin).arg(&prof).arg("900"));
        Some(Fixture {
            binary: bin,
            profile: prof,
        })
    })
    .clone()
}

/// A small C program built with `extra` flags (no profile).
pub fn small_c(name: &str, extra: &[&str]) -> Option<PathBuf> {
    let cc = pprof_testkit::client("cc", "a C compiler builds a test binary")?;
    let dir = scratch();
    let src = dir.join(format!("{name}.c"));
    std::fs::write(
        &src,
        "#include <stdio.h>\n\
         static inline __attribute__((always_inline)) int square(int x) { return x * x; }\n\
         __attribute__((noinline)) int leaf_work(int n) {\n\
             int s = 0;\n\
             for (int i = 0; i < n; i++) s += square(i);\n\
             return s;\n\
         }\n\
         int main(int argc, char **argv) { printf(\"%d\\n\", leaf_work(argc * 1000)); return 0; }\n",
    )
    .ok()?;
    let out = dir.join(name);
    run(Command::new(cc)
        .args(["-g", "-O1"])
        .args(extra)
        .arg("-o")
        .arg(&out)
        .arg(&src));
    Some(out)
}

/// Loads a gperftools profile and points its main mapping at `binary`
/// (what `pprof BINARY PROFILE` does).
pub fn load(fx: &Fixture) -> Profile {
    let bytes = std::fs::read(&fx.profile).expect("profile");
    let mut p = pprof_legacy::parse(&bytes).expect("legacy profile parses");
    let loader = pprof_symbolize::loader::Loader::default();
    loader.locate_binaries(&mut p, Some(fx.binary.to_str().unwrap()), None);
    p
}

/// A profile with one location at `addr` in a mapping of `file`.
pub fn one_address(file: &str, start: u64, limit: u64, offset: u64, addr: u64) -> Profile {
    let mut p = Profile::new();
    let t = p.intern("samples");
    let u = p.intern("count");
    p.sample_types.push(ValueType { r#type: t, unit: u });
    let f = p.intern(file);
    p.mappings.push(Mapping {
        id: 1,
        start,
        limit,
        offset,
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
        locations: vec![LocationId(0)],
        values: vec![1],
        labels: vec![],
    });
    p
}
