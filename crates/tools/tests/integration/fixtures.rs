//! Tiny profiles written to a fresh temporary directory, and helpers to run
//! the binary.

use std::path::PathBuf;
use std::process::{Command, Output};

use pprof_model::{
    Function, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Sample, StrId,
    ValueType,
};

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "pprof-tools-it-{tag}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes `p` gzip-encoded as `name` and returns the path as a string.
    pub fn write_profile(&self, name: &str, p: &Profile) -> String {
        let path = self.path(name);
        std::fs::write(&path, pprof_model::encode(p)).expect("write fixture");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A CPU-like profile: samples/count and cpu/nanoseconds, one mapping,
/// three functions (main -> work -> leaf), a string label on one sample and
/// a numeric one on another. `scale` multiplies the values.
pub fn cpu_profile(scale: i64) -> Profile {
    let mut p = Profile::new();
    let st = |p: &mut Profile, t: &str, u: &str| ValueType {
        r#type: p.intern(t),
        unit: p.intern(u),
    };
    let samples = st(&mut p, "samples", "count");
    let cpu = st(&mut p, "cpu", "nanoseconds");
    p.sample_types = vec![samples, cpu];
    p.period_type = cpu;
    p.period = 10_000_000;
    p.time_nanos = 1_700_000_000_000_000_000;
    p.duration_nanos = 3_000_000_000;
    let file = p.intern("demo");
    p.mappings.push(Mapping {
        id: 1,
        start: 0x400000,
        limit: 0x500000,
        file,
        has_functions: true,
        ..Mapping::default()
    });
    let names = ["main.main", "main.work", "main.leaf"];
    let src = p.intern("demo/main.go");
    for (i, n) in names.iter().enumerate() {
        let name = p.intern(n);
        p.functions.push(Function {
            id: i as u64 + 1,
            name,
            system_name: name,
            filename: src,
            start_line: 10 * (i as i64 + 1),
        });
    }
    for i in 0..3u32 {
        p.locations.push(Location {
            id: u64::from(i) + 1,
            mapping: Some(MappingId(0)),
            address: 0x401000 + 0x10 * u64::from(i),
            lines: vec![Line {
                function: pprof_model::FunctionId(i),
                line: 10 * (i64::from(i) + 1) + 2,
                column: 0,
            }],
            is_folded: false,
        });
    }
    let key = p.intern("worker");
    let val = p.intern("w1");
    let bytes = p.intern("bytes");
    let unit = p.intern("bytes");
    let loc = |ids: &[u32]| ids.iter().map(|&i| LocationId(i)).collect::<Vec<_>>();
    p.samples.push(Sample {
        locations: loc(&[2, 1, 0]),
        values: vec![3 * scale, 30_000_000 * scale],
        labels: vec![Label {
            key,
            str: val,
            num: 0,
            num_unit: StrId::EMPTY,
        }],
    });
    p.samples.push(Sample {
        locations: loc(&[1, 0]),
        values: vec![2 * scale, 20_000_000 * scale],
        labels: vec![Label {
            key: bytes,
            str: StrId::EMPTY,
            num: 1024,
            num_unit: unit,
        }],
    });
    p.samples.push(Sample {
        locations: loc(&[0]),
        values: vec![scale, 10_000_000 * scale],
        labels: vec![],
    });
    p.sort_labels();
    p
}

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pprof-tools"));
    // Today's pprof (the default dialect), whatever the environment says.
    c.env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env_remove("PPROF_TOOLS_COMPAT");
    c
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run pprof-tools")
}

/// The pprof binary of the Go toolchain `go` (`go tool -n pprof` names it,
/// building it first if needed), to run directly: the go command's
/// start-up is spared on every run, and its build cache stays where it is
/// when a test changes `HOME`.
pub fn pprof_of(go: &std::path::Path) -> PathBuf {
    let o = Command::new(go)
        .args(["tool", "-n", "pprof"])
        .output()
        .expect("run go tool -n pprof");
    assert!(o.status.success(), "go tool -n pprof: {}", stderr(&o));
    PathBuf::from(stdout(&o).trim())
}

/// Runs Go's `pprof` (a pprof binary, or `go` with `args` starting
/// `tool pprof`) with `args` in UTC, its home, saved profiles and binary
/// search path all `d/home`; asserts that it succeeds and returns its
/// standard output.
pub fn run_go_pprof(pprof: &std::path::Path, d: &TempDir, args: &[&str]) -> Vec<u8> {
    let home = d.path("home");
    let o = Command::new(pprof)
        .args(args)
        .env("TZ", "UTC")
        .env("HOME", &home)
        .env("PPROF_TMPDIR", &home)
        .env("PPROF_BINARY_PATH", &home)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    o.stdout
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failure with `code`, a one-line message (plus, for usage
/// errors, the hint line) containing every piece of `needles`, and no panic.
/// (Today's pprof exits 2 on every error, go1.19's `go tool pprof` 1.)
pub fn assert_error(o: &Output, code: i32, needles: &[&str]) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "stderr: {err}");
    assert!(!err.contains("panicked"), "{err}");
    let first = err.lines().next().unwrap_or("");
    for n in needles {
        assert!(
            first.contains(n),
            "{n:?} not in first stderr line {first:?}"
        );
    }
    // The hint of a usage error (`pprof-tools -help`, `pprof-tools export
    // -help`...) may follow.
    let hint = |l: &str| {
        l.starts_with("Run 'pprof-tools ") && l.ends_with("-help' for the list of flags.")
    };
    let rest: Vec<&str> = err.lines().skip(1).collect();
    assert!(
        rest.is_empty() || (rest.len() == 1 && hint(rest[0])),
        "too many lines: {err}"
    );
}

/// Script injections a profile can carry.
pub const INJECTIONS: [&str; 3] = [
    "<img src=x onerror=alert(1)>",
    "\"><script>alert(2)</script>",
    "v\" URL=\"javascript:alert(3)\"",
];

/// A profile whose function names, file names, label keys and values,
/// comment, mapping file and build id carry [`INJECTIONS`]; flat and
/// cumulative orders of its functions differ.
pub fn hostile_profile() -> Profile {
    let [img, script, url] = INJECTIONS;
    let mut b =
        pprof_model::build::ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let m = b.mapping(&format!("/bin/{img}"), 0x400000, 0x800000);
    let main = b.function("main.main", &format!("{script}.go"), 1);
    let run = b.function(&format!("main.run{url}"), "main.go", 10);
    let leaf = b.function(&format!("main.{img}"), &format!("{script}/x.go"), 20);
    let other = b.function(&format!("pkg/{script}.work"), "w.go", 30);
    let lm = b.location(Some(m), 0x401000, &[(main, 2)]);
    let lr = b.location(Some(m), 0x402000, &[(run, 11)]);
    let ll = b.location(Some(m), 0x403000, &[(leaf, 21)]);
    let lo = b.location(Some(m), 0x404000, &[(other, 31)]);
    b.labelled_sample(
        &[ll, lr, lm],
        &[6, 60_000_000],
        &[(img, url), ("k", script)],
    );
    b.labelled_sample(&[lo, lr, lm], &[3, 30_000_000], &[(url, img)]);
    b.labelled_sample(&[lr, lm], &[1, 10_000_000], &[("k", url)]);
    let p = b.profile_mut();
    let c = p.intern(&format!("{img} {script} {url}"));
    p.comments.push(c);
    let id = p.intern(url);
    if let Some(mapping) = p.mappings.first_mut() {
        mapping.build_id = id;
    }
    b.build()
}

/// A profile of `n` samples large enough to be decoded while inflated
/// (over [`pprof_model::OVERLAPPED_GZIP_BYTES`] once encoded), with values
/// and labels that hardly compress, and each sample's labels in the
/// reverse of the order this tool keeps them in (numeric before string),
/// so that its encoding differs from what encoding its decoding gives.
pub fn large_profile_with_unsorted_labels(n: u64) -> Profile {
    let mut p = cpu_profile(1);
    let (key, unit) = (p.intern("worker"), p.intern("bytes"));
    let workers: Vec<StrId> = (0..50).map(|w| p.intern(&format!("w{w}"))).collect();
    let bytes = p.intern("bytes");
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let stack: Vec<LocationId> = (0..1 + i % 3)
            .map(|k| LocationId(((x >> (8 * k)) % 3) as u32))
            .collect();
        p.samples.push(Sample {
            locations: stack,
            values: vec![(x % 1000) as i64 + 1, (x >> 20) as i64 % 1_000_000_007],
            labels: vec![
                Label {
                    key: bytes,
                    str: StrId::EMPTY,
                    num: (x >> 30) as i64 % 1_000_000 + 1,
                    num_unit: unit,
                },
                Label {
                    key,
                    str: workers[(x % 50) as usize],
                    num: 0,
                    num_unit: StrId::EMPTY,
                },
            ],
        });
    }
    p
}
