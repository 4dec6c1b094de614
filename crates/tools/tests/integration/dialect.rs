//! The two pprof dialects (issue 16): today's `go tool pprof` (Go 1.27.3)
//! is the default, go1.19.8's is selected by `PPROF_TOOLS_COMPAT=go1.19`
//! (or `-compat=go1.19`). Each difference is checked on small fixtures of
//! our own, and, when the programs are installed, our output is compared
//! with the real pprofs': Go 1.27.3's (`pprof_testkit::go127`) for the
//! default and go1.19.8's `go tool pprof` for the compatibility mode.

use std::path::Path;
use std::process::{Command, Output};

use pprof_model::build::ProfileBuilder;
use pprof_model::{LocationId, Profile};

use crate::fixtures::*;

/// A CPU profile that shows every dialect difference: a documentation URL,
/// column numbers, ids that are not 1..n, an unused location and function,
/// a sample whose values are all 0, a sample without locations, inlined
/// frames, a Go function name without a dot after its package path, string
/// and numeric labels, and a drop_frames regexp.
fn today_profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let m = b.mapping("/bin/app", 0x400000, 0x500000);
    let main = b.function("main.main", "/src/app/main.go", 10);
    let serve = b.function("main.serve", "/src/app/serve.go", 20);
    let handle = b.function("main.(*server).handle", "/src/app/server.go", 30);
    let worker = b.function("example.com/app/internal/worker", "/src/app/worker.go", 40);
    let hash = b.function("crypto/sha256.block", "/go/src/crypto/sha256/block.go", 50);
    let exit = b.function("runtime.goexit", "/go/src/runtime/asm.s", 60);
    let unused = b.function("main.unused", "/src/app/main.go", 70);
    let l_exit = b.location(Some(m), 0x401000, &[(exit, 61)]);
    let l_main = b.location(Some(m), 0x402000, &[(main, 12)]);
    // handle inlined into serve.
    let l_serve = b.location(Some(m), 0x403000, &[(handle, 33), (serve, 22)]);
    let l_worker = b.location(Some(m), 0x404000, &[(worker, 44)]);
    let l_hash = b.location(Some(m), 0x405000, &[(hash, 55)]);
    let _unused = b.location(Some(m), 0x406000, &[(unused, 71)]);
    let stack = |ls: &[LocationId]| ls.to_vec();
    b.labelled_sample(
        &stack(&[l_hash, l_serve, l_main, l_exit]),
        &[7, 70_000_000],
        &[("handler", "api")],
    );
    b.num_label("bytes", 2048, "bytes");
    b.labelled_sample(
        &stack(&[l_worker, l_serve, l_main, l_exit]),
        &[5, 50_000_000],
        &[("handler", "batch")],
    );
    b.num_label("bytes", 512, "bytes");
    b.labelled_sample(
        &stack(&[l_worker, l_main, l_exit]),
        &[3, 30_000_000],
        &[("handler", "api")],
    );
    b.sample(&stack(&[l_serve, l_main, l_exit]), &[2, 20_000_000]);
    // All zero: today's pprof keeps it in -raw, go1.19's merge drops it.
    b.sample(&stack(&[l_worker, l_main, l_exit]), &[0, 0]);
    // No stack: go1.19's name filter drops it from the reports' total.
    b.sample(&[], &[1, 10_000_000]);
    let p = b.profile_mut();
    p.time_nanos = 1_700_000_000_123_456_789;
    p.duration_nanos = 2_500_000_000;
    p.doc_url = p.intern("https://example.com/doc/cpu");
    p.drop_frames = p.intern("crypto/sha256\\.block");
    let c = p.intern("dialect fixture");
    p.comments.push(c);
    // Ids that a merge renumbers, and column numbers.
    for (i, l) in p.locations.iter_mut().enumerate() {
        l.id = 10 * (i as u64 + 1);
        for (j, ln) in l.lines.iter_mut().enumerate() {
            ln.column = 3 + i as i64 + j as i64;
        }
    }
    for (i, f) in p.functions.iter_mut().enumerate() {
        f.id = 100 + 7 * i as u64;
    }
    p.mappings[0].id = 5;
    b.build()
}

/// A profile with other sample types than [`today_profile`]'s but one in
/// common (`samples/count`).
fn other_types_profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("wall", "nanoseconds"), ("samples", "count")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let m = b.mapping("/bin/app", 0x400000, 0x500000);
    let main = b.function("main.main", "/src/app/main.go", 10);
    let sleep = b.function("time.Sleep", "/go/src/time/sleep.go", 5);
    let l_main = b.location(Some(m), 0x402000, &[(main, 12)]);
    let l_sleep = b.location(Some(m), 0x407000, &[(sleep, 6)]);
    b.sample(&[l_sleep, l_main], &[9_000_000, 9]);
    b.sample(&[l_main], &[1_000_000, 1]);
    let p = b.profile_mut();
    p.time_nanos = 1_700_000_100_000_000_000;
    b.build()
}

/// Go's legacy heap text with an empty record: pprof gives it a `bytes`
/// label of 0, which a proto round trip drops (go1.19's pprof worked on
/// one).
const HEAP_TEXT: &str = "heap profile: 2: 3072 [3: 4096] @ heap/1048576
1: 1024 [2: 2048] @ 0x401011 0x402022
#\t0x401010\tmain.alloc+0x10\t/src/main.go:10
#\t0x402021\tmain.main+0x21\t/src/main.go:20

1: 2048 [1: 2048] @ 0x403033 0x402022
#\t0x403032\tmain.grow+0x12\t/src/main.go:30
#\t0x402021\tmain.main+0x21\t/src/main.go:20

0: 0 [0: 0] @ 0x404044 0x402022
#\t0x404043\tmain.once+0x13\t/src/main.go:40
#\t0x402021\tmain.main+0x21\t/src/main.go:20

";

/// The fixtures, written to `d`: (name, path).
fn write_fixtures(d: &TempDir) -> Vec<(&'static str, String)> {
    let heap = d.path("heap.txt");
    std::fs::write(&heap, HEAP_TEXT).expect("write heap fixture");
    vec![
        ("today", d.write_profile("today.pb.gz", &today_profile())),
        (
            "other",
            d.write_profile("other.pb.gz", &other_types_profile()),
        ),
        // Values apart from today_profile's: pprof orders equal values at
        // random.
        ("cpu", d.write_profile("cpu.pb.gz", &cpu_profile(11))),
        ("heap", heap.to_string_lossy().into_owned()),
    ]
}

/// Runs our binary with `PPROF_TOOLS_COMPAT` set to `compat` (unset when
/// `None`).
fn ours(compat: Option<&str>, args: &[&str], tmp: &Path) -> Output {
    let mut c = bin();
    c.env_remove("PPROF_TOOLS_COMPAT");
    if let Some(v) = compat {
        c.env("PPROF_TOOLS_COMPAT", v);
    }
    quiet_env(&mut c, tmp);
    c.args(args).output().expect("run pprof-tools")
}

fn today(args: &[&str]) -> String {
    let d = TempDir::new("dialect-run");
    let o = ours(None, args, &d.0);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

fn go119(args: &[&str]) -> String {
    let d = TempDir::new("dialect-run");
    let o = ours(Some("go1.19"), args, &d.0);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    stdout(&o)
}

/// The environment the conformance corpus runs pprof in: UTC, no saved
/// settings, no binaries found.
fn quiet_env(c: &mut Command, tmp: &Path) {
    c.env("TZ", "UTC")
        .env("LC_ALL", "C")
        .env("PPROF_TMPDIR", tmp)
        .env("PPROF_BINARY_PATH", tmp.join("no-binaries"));
}

#[test]
fn header_time_layout() {
    let d = TempDir::new("dialect");
    let f = d.write_profile("a.pb.gz", &today_profile());
    let t = today(&["-top", "-symbolize=none", &f]);
    assert!(t.contains("\nTime: 2023-11-14 22:13:20 UTC\n"), "{t}");
    let old = go119(&["-top", "-symbolize=none", &f]);
    assert!(
        old.contains("\nTime: Nov 14, 2023 at 10:13pm (UTC)\n"),
        "{old}"
    );
    // -compat on the command line wins over the environment.
    let o = ours(
        Some("go1.19"),
        &["-top", "-compat=go1.27", "-symbolize=none", &f],
        &d.0,
    );
    assert_eq!(stdout(&o), t);
}

#[test]
fn raw_doc_url_columns_and_the_lone_source() {
    let d = TempDir::new("dialect");
    let f = d.write_profile("a.pb.gz", &today_profile());
    let t = today(&["-raw", "-symbolize=none", &f]);
    // Today's pprof reads doc_url and columns, and does not merge a lone
    // source: the zero sample, the unused location and the ids stay.
    assert!(t.contains("\nDoc: https://example.com/doc/cpu\n"), "{t}");
    assert!(t.contains("\n          0          0: 40 20 10 \n"), "{t}");
    assert!(
        t.contains("\n    30: 0x403000 M=5 main.(*server).handle /src/app/server.go:33:5 s=30\n"),
        "{t}"
    );
    assert!(t.contains("\n    60: 0x406000 M=5 main.unused"), "{t}");
    // go1.19's: no Doc, no columns, merged (renumbered, no zero sample, no
    // unused location).
    let old = go119(&["-raw", "-symbolize=none", &f]);
    assert!(!old.contains("Doc:"), "{old}");
    assert!(!old.contains(":5 s="), "{old}");
    assert!(
        old.contains("main.(*server).handle /src/app/server.go:33 s=30\n"),
        "{old}"
    );
    assert!(!old.contains("main.unused"), "{old}");
    assert!(!old.contains("          0          0:"), "{old}");
    assert!(old.contains("\n     1: 0x"), "{old}");
    assert!(!old.contains(" M=5 "), "{old}");
}

#[test]
fn zero_and_empty_samples_stay_today() {
    let d = TempDir::new("dialect");
    let f = d.write_profile("a.pb.gz", &today_profile());
    // Today's pprof does not merge a lone source: the sample whose values
    // are 0 is a trace, and the sample without locations is in -raw.
    let t = today(&["-traces", "-symbolize=none", &f]);
    assert!(
        t.contains("\n         0   example.com/app/internal/worker\n"),
        "{t}"
    );
    let old = go119(&["-traces", "-symbolize=none", &f]);
    assert!(!old.contains("         0   "), "{old}");
    let t = today(&["-raw", "-symbolize=none", &f]);
    assert!(t.contains("\n          1   10000000: \n"), "{t}");
    let old = go119(&["-raw", "-symbolize=none", &f]);
    assert!(!old.contains("   10000000: \n"), "{old}");
}

#[test]
fn tags_in_report_units_against_the_total() {
    let d = TempDir::new("dialect");
    let f = d.write_profile("a.pb.gz", &today_profile());
    let t = today(&["-tags", "-symbolize=none", &f]);
    assert!(t.contains(" bytes: Total 120ms of 180ms (66.67%)\n"), "{t}");
    assert!(t.contains("70ms (38.89%): 2kB\n"), "{t}");
    let old = go119(&["-tags", "-symbolize=none", &f]);
    assert!(old.contains(" bytes: Total 120.0ms\n"), "{old}");
    assert!(old.contains("70.0ms (58.33%): 2kB\n"), "{old}");
}

#[test]
fn go_package_paths_need_a_dot_to_be_shortened_today() {
    let d = TempDir::new("dialect");
    let f = d.write_profile("a.pb.gz", &today_profile());
    let t = today(&["-dot", "-symbolize=none", &f]);
    assert!(
        t.contains("label=\"example\\ncom/app/internal/worker\\n"),
        "{t}"
    );
    let old = go119(&["-dot", "-symbolize=none", &f]);
    assert!(old.contains("label=\"worker\\n"), "{old}");
}

#[test]
fn noinlines_applies_to_proto_today() {
    let d = TempDir::new("dialect");
    let f = d.write_profile("a.pb.gz", &today_profile());
    let raw_of_proto = |compat: Option<&str>| {
        let o = ours(
            compat,
            &["-proto", "-noinlines", "-symbolize=none", &f],
            &d.0,
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let back = d.path("back.pb.gz");
        std::fs::write(&back, &o.stdout).unwrap();
        today(&["-raw", "-symbolize=none", &back.to_string_lossy()])
    };
    let t = raw_of_proto(None);
    assert!(!t.contains("main.(*server).handle"), "{t}");
    let old = raw_of_proto(Some("go1.19"));
    assert!(old.contains("main.(*server).handle"), "{old}");
}

#[test]
fn sample_types_in_common_merge_today() {
    let d = TempDir::new("dialect");
    let fx = write_fixtures(&d);
    let (a, b) = (&fx[0].1, &fx[1].1);
    let t = today(&["-top", "-symbolize=none", a, b]);
    assert!(t.contains("\nType: samples\n"), "{t}");
    // 18 + 10 samples.
    assert!(t.contains("of 28 total"), "{t}");
    let o = ours(Some("go1.19"), &["-top", "-symbolize=none", a, b], &d.0);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stderr(&o).contains("incompatible"), "{}", stderr(&o));
}

#[test]
fn legacy_zero_byte_labels_stay_today() {
    let d = TempDir::new("dialect");
    let fx = write_fixtures(&d);
    let heap = &fx[3].1;
    let t = today(&["-raw", "-symbolize=none", heap]);
    assert!(t.contains("bytes:[0]"), "{t}");
    let old = go119(&["-raw", "-symbolize=none", heap]);
    assert!(!old.contains("bytes:[0]"), "{old}");
    assert!(old.contains("bytes:[1024]"), "{old}");
}

#[test]
fn options_only_today_has() {
    let d = TempDir::new("dialect");
    let f = d.write_profile("a.pb.gz", &today_profile());
    let t = today(&["-top", "-lines", "-showcolumns", "-symbolize=none", &f]);
    assert!(t.contains("/src/app/server.go:33:5"), "{t}");
    // The profile's drop_frames hides crypto/sha256.block unless
    // -all_frames.
    let t = today(&["-traces", "-all_frames", "-symbolize=none", &f]);
    assert!(t.contains("crypto/sha256.block"), "{t}");
    let t = today(&["-traces", "-symbolize=none", &f]);
    assert!(!t.contains("crypto/sha256.block"), "{t}");
    for flag in ["-showcolumns", "-all_frames"] {
        let o = ours(Some("go1.19"), &["-top", flag, "-symbolize=none", &f], &d.0);
        assert_error(&o, 1, &[&format!("flag provided but not defined: {flag}")]);
    }
    let o = ours(Some("go1.5"), &["-top", "-symbolize=none", &f], &d.0);
    assert_error(&o, 2, &["PPROF_TOOLS_COMPAT", "go1.5"]);
}

/// The command lines compared with the real pprofs on every fixture.
const COMMANDS: &[&str] = &[
    "-top",
    "-text -cum -lines",
    "-top -addresses",
    "-top -noinlines",
    "-top -files",
    "-raw",
    "-raw -lines",
    "-raw -noinlines",
    "-raw -focus=main",
    "-traces",
    "-traces -tagshow=handler",
    "-tags",
    "-tags -tagshow=bytes",
    "-tree",
    "-peek=main",
    "-dot",
    "-dot -lines",
    "-callgrind",
    "-comments",
    "-top -tagfocus=handler=api",
    "-top -mean",
    "-proto",
    "-proto -noinlines",
    "-topproto",
];

/// Commands only today's pprof has.
const TODAYS_COMMANDS: &[&str] = &["-top -lines -showcolumns", "-traces -all_frames"];

/// Runs `pprof` with `args`; for `-proto` and `-topproto`, reads the
/// result back with the same pprof's `-raw`.
fn go_pprof(pprof: &Path, args: &[String], tmp: &Path) -> Output {
    let run = |args: &[String]| {
        let mut c = Command::new(pprof);
        c.args(args);
        quiet_env(&mut c, tmp);
        c.output().expect("run pprof")
    };
    let o = run(args);
    if o.status.success() && args[0].ends_with("proto") {
        let f = tmp.join("theirs.pb.gz");
        std::fs::write(&f, &o.stdout).unwrap();
        return run(&["-raw".into(), f.to_string_lossy().into_owned()]);
    }
    o
}

/// Our output for `args`, `-proto` outputs read back by `pprof`.
fn ours_as_pprof_sees_it(
    compat: Option<&str>,
    pprof: &Path,
    args: &[String],
    tmp: &Path,
) -> Output {
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = ours(compat, &refs, tmp);
    if o.status.success() && args[0].ends_with("proto") {
        let f = tmp.join("ours.pb.gz");
        std::fs::write(&f, &o.stdout).unwrap();
        let mut c = Command::new(pprof);
        c.arg("-raw").arg(&f);
        quiet_env(&mut c, tmp);
        return c.output().expect("run pprof");
    }
    o
}

/// Compares our output in dialect `compat` with `pprof`'s on every fixture
/// and command; returns the differences.
fn compare_with(pprof: &Path, compat: Option<&str>, commands: &[&str]) -> Vec<String> {
    let d = TempDir::new("dialect-vs-go");
    let fx = write_fixtures(&d);
    let mut sources: Vec<Vec<String>> = fx.iter().map(|(_, f)| vec![f.clone()]).collect();
    // Two sources: a merge (today: of the sample types in common) and a
    // base.
    sources.push(vec![fx[0].1.clone(), fx[1].1.clone()]);
    sources.push(vec![fx[2].1.clone(), fx[2].1.clone()]);
    sources.push(vec!["-base".into(), fx[2].1.clone(), fx[0].1.clone()]);
    let mut problems = Vec::new();
    for cmd in commands {
        for src in &sources {
            let mut args: Vec<String> = cmd.split(' ').map(String::from).collect();
            args.push("-symbolize=none".into());
            args.extend(src.iter().cloned());
            let theirs = go_pprof(pprof, &args, &d.0);
            let mine = ours_as_pprof_sees_it(compat, pprof, &args, &d.0);
            let (t, m) = (theirs.status.success(), mine.status.success());
            if t != m {
                problems.push(format!(
                    "{args:?}: go {} ({}), ours {} ({})",
                    theirs.status,
                    stderr(&theirs).trim(),
                    mine.status,
                    stderr(&mine).trim()
                ));
            } else if t && theirs.stdout != mine.stdout {
                problems.push(format!(
                    "{args:?}: output differs\n--- go\n{}\n--- ours\n{}",
                    stdout(&theirs),
                    stdout(&mine)
                ));
            }
        }
    }
    problems
}

#[test]
fn default_output_matches_go_1_27_pprof() {
    let Some(go) = pprof_testkit::go127("our default output matches Go 1.27.3's pprof") else {
        return;
    };
    let all: Vec<&str> = COMMANDS.iter().chain(TODAYS_COMMANDS).copied().collect();
    let problems = compare_with(&pprof_of(&go), None, &all);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// go1.19.8's pprof: `go tool pprof` of the `go` on `PATH` when that is
/// go1.19 (skipped with a message otherwise).
fn go119_pprof(purpose: &str) -> Option<std::path::PathBuf> {
    let go = pprof_testkit::client("go", purpose)?;
    let version = Command::new(&go)
        .arg("version")
        .output()
        .expect("go version");
    if !stdout(&version).contains("go1.19") {
        println!(
            "skipped: `go` on PATH is not go1.19: {}",
            stdout(&version).trim()
        );
        return None;
    }
    Some(pprof_of(&go))
}

#[test]
fn compat_output_matches_go_1_19_pprof() {
    let Some(pprof) = go119_pprof("PPROF_TOOLS_COMPAT=go1.19 matches go1.19's pprof") else {
        return;
    };
    let problems = compare_with(&pprof, Some("go1.19"), COMMANDS);
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Go 1.27.3's `go tool pprof -raw` reads our `-proto` of every fixture
/// (ours, the legacy parsers' and real Go profiles, and a large profile
/// whose sample records are copied) as it reads its own.
#[test]
fn go_1_27_reads_our_proto_of_every_fixture() {
    let Some(go) = pprof_testkit::go127("Go 1.27.3's pprof reads our -proto") else {
        return;
    };
    let pprof = pprof_of(&go);
    let d = TempDir::new("dialect-proto");
    let mut files: Vec<String> = write_fixtures(&d).into_iter().map(|(_, f)| f).collect();
    files.push(d.write_profile("hostile.pb.gz", &hostile_profile()));
    // Large enough that its sample records are copied as they are.
    let big = large_profile_with_unsorted_labels(120_000);
    files.push(d.write_profile("records.pb.gz", &big));
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for dir in ["leak/tests/fixtures/shapes", "legacy/tests/fixtures"] {
        let mut found: Vec<_> = std::fs::read_dir(crates.join(dir))
            .expect("fixture folder")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| {
                let n = p.to_string_lossy();
                n.ends_with(".pb.gz") || n.contains("go_") || n.contains("java_")
            })
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        found.sort();
        files.extend(found);
    }
    assert!(files.len() > 10, "{files:?}");
    let mut problems = Vec::new();
    for f in &files {
        let args: Vec<String> = vec!["-proto".into(), "-symbolize=none".into(), f.clone()];
        let theirs = go_pprof(&pprof, &args, &d.0);
        let mine = ours_as_pprof_sees_it(None, &pprof, &args, &d.0);
        if !theirs.status.success() || !mine.status.success() || theirs.stdout != mine.stdout {
            problems.push(format!(
                "{f}: go {} ours {}\n{}\n--- go\n{}\n--- ours\n{}",
                theirs.status,
                mine.status,
                stderr(&mine),
                stdout(&theirs),
                stdout(&mine)
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// One of several profiles of one program for a merge: the same 60
/// locations (some inlined, some in a second mapping) listed in an order
/// that depends on `k`, the binary loaded at an address that depends on
/// `k` (so that merged addresses are relocated), and 300 samples drawn
/// from `k`: stacks over a small pool (so that sources share samples),
/// values of 0 at times, string and numeric labels at times.
fn merge_source(k: u64) -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let base = 0x40_0000 + (k % 3) * 0x10_0000;
    let app = b.mapping("/bin/app", base, base + 0x10_0000);
    let lib = b.mapping("/lib/libc.so.6", 0x7f00_0000_0000, 0x7f00_0010_0000);
    let funcs: Vec<_> = (0..40)
        .map(|i| b.function(&format!("main.f{i}"), &format!("/src/f{}.go", i % 7), i))
        .collect();
    let mut locs = vec![LocationId(0); 60];
    for j in 0..60usize {
        let i = (j * 7 + k as usize * 13) % 60;
        let f = funcs[i % 40];
        locs[i] = if i.is_multiple_of(9) {
            b.location(Some(lib), 0x7f00_0000_0000 + 0x100 * i as u64, &[(f, 0)])
        } else if i.is_multiple_of(5) {
            let g = funcs[(i + 1) % 40];
            b.location(
                Some(app),
                base + 0x1000 * i as u64,
                &[(g, 3), (f, i as i64)],
            )
        } else {
            b.location(Some(app), base + 0x1000 * i as u64, &[(f, i as i64)])
        };
    }
    let mut rng = k.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    for _ in 0..300 {
        let depth = 1 + next(5) as usize;
        let stack: Vec<LocationId> = (0..depth)
            .map(|_| locs[next(12) as usize * 5 % 60])
            .collect();
        let n = next(4) as i64;
        let values = [n, n * 10_000_000];
        match next(3) {
            0 => b.sample(&stack, &values),
            1 => b.labelled_sample(
                &stack,
                &values,
                &[("handler", ["api", "batch"][next(2) as usize])],
            ),
            _ => b
                .labelled_sample(&stack, &values, &[("tenant", "t1")])
                .num_label("bytes", next(3) as i64 * 512, "bytes"),
        };
    }
    let mut p = b.build();
    p.time_nanos = 1_700_000_000_000_000_000 + k as i64;
    p.duration_nanos = 1_000_000_000;
    p
}

/// A merge of many sources (relocated mappings, shared and zero samples,
/// labels) in the dialect `compat` against `pprof`: its `-raw` and
/// `-top`, and `pprof` reads our `-proto` of it as its own.
fn check_merge_of_many_sources(pprof: &Path, compat: Option<&str>) {
    let d = TempDir::new("dialect-merge");
    let files: Vec<String> = (0..12)
        .map(|k| d.write_profile(&format!("m{k}.pb.gz"), &merge_source(k)))
        .collect();
    for cmd in ["-raw", "-proto", "-top"] {
        let mut args = vec![cmd.to_string(), "-symbolize=none".to_string()];
        args.extend(files.iter().cloned());
        let theirs = go_pprof(pprof, &args, &d.0);
        let mine = ours_as_pprof_sees_it(compat, pprof, &args, &d.0);
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert!(mine.status.success(), "{}", stderr(&mine));
        assert_eq!(stdout(&mine), stdout(&theirs), "{cmd} {compat:?}");
    }
    let mut args = vec!["-raw", "-symbolize=none"];
    args.extend(files.iter().map(String::as_str));
    let raw = ours(compat, &args, &d.0);
    assert!(stdout(&raw).lines().count() > 500, "{}", stdout(&raw));
}

#[test]
fn merge_of_many_sources_matches_go_1_27() {
    let Some(go) = pprof_testkit::go127("our merge matches Go 1.27.3's pprof") else {
        return;
    };
    check_merge_of_many_sources(&pprof_of(&go), None);
}

#[test]
fn merge_of_many_sources_matches_go_1_19() {
    let Some(pprof) = go119_pprof("our go1.19 merge matches go1.19's pprof") else {
        return;
    };
    check_merge_of_many_sources(&pprof, Some("go1.19"));
}

#[test]
fn errors_exit_as_each_go_tool_pprof_exits() {
    let d = TempDir::new("dialect-exit");
    let fx = write_fixtures(&d);
    let good = fx[0].1.as_str();
    let missing = d.0.join("missing.pb.gz").display().to_string();
    // (arguments, what goes wrong)
    let cases: [(&[&str], &str); 5] = [
        (&["-top", &missing], "missing file"),
        (&["-top", "-focus=(", good], "bad regexp"),
        (&["-top", "-sample_index=9", good], "no such value"),
        (&["-top", "-no_such_flag", good], "unknown flag"),
        (&["-top"], "no source"),
    ];
    for (args, what) in cases {
        // Today's pprof (and its go command) exits 2 on every error; go1.19's
        // go command made it 1.
        let o = ours(None, args, &d.0);
        assert_eq!(o.status.code(), Some(2), "{what}: {}", stderr(&o));
        let o = ours(Some("go1.19"), args, &d.0);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", stderr(&o));
    }
    // The -compat flag chooses too, over the environment.
    let o = ours(Some("go1.19"), &["-compat=go1.27", "-top", &missing], &d.0);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = ours(None, &["-compat=go1.19", "-top", &missing], &d.0);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn go119_merges_a_lone_source_whose_sums_overflow() {
    // go1.19's pprof merged a lone source: three records of one stack
    // become one sample whose value wraps, and the total, a sum of
    // absolute values, is taken after that merge.
    let d = TempDir::new("dialect-overflow");
    let f = d.path("goroutine.txt");
    let frames =
        "#\t0x4bbc6a\tmain.alloc+0x2a\tmain.go:45\n#\t0x4bbcdc\tmain.main+0x3c\tmain.go:52\n\n";
    let text = format!(
        "goroutine profile: total 3\n4294967296 @ 0x4bbc6b 0x4bbcdd\n{frames}\
         9223372036854775807 @ 0x4bbc6b 0x4bbcdd\n{frames}\
         4294967296 @ 0x4bbc6b 0x4bbcdd\n{frames}"
    );
    std::fs::write(&f, text).expect("write fixture");
    let f = f.display().to_string();
    let t = go119(&["-top", "-symbolize=none", &f]);
    assert!(
        t.contains(
            "Showing nodes accounting for -9223372028264841216, 100% of 9223372028264841216 total"
        ),
        "{t}"
    );
}
