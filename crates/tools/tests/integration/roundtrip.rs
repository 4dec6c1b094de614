//! `-raw` and `-proto`: what they print, and that they agree.

use std::io::Write;
use std::process::Stdio;

use crate::fixtures::*;

use pprof_model::Dialect;

/// What `-raw` prints for a lone source `p`: today's pprof prints it as it
/// was read.
fn expected_raw(p: &pprof_model::Profile) -> String {
    p.to_raw_string()
}

/// What `-raw` prints for the merge of sources (`p` being their sum), and
/// go1.19's pprof for a lone source too: the merge renumbers ids by first
/// use.
fn merged_raw(p: &pprof_model::Profile, dialect: Dialect) -> String {
    pprof_ops::compact(p).to_raw_string_in(dialect)
}

/// Runs the binary as go1.19's pprof (`PPROF_TOOLS_COMPAT=go1.19`).
fn run_go119(args: &[&str]) -> std::process::Output {
    bin()
        .env("PPROF_TOOLS_COMPAT", "go1.19")
        .args(args)
        .output()
        .expect("run pprof-tools")
}

#[test]
fn raw_of_one_profile_is_its_dump_or_go119s_compacted_dump() {
    let d = TempDir::new("raw1");
    let p = cpu_profile(1);
    let f = d.write_profile("a.pb.gz", &p);
    let o = run(&["-raw", "-symbolize=none", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected_raw(&p));
    assert!(stdout(&o).contains("samples/count cpu/nanoseconds"));
    let o = run_go119(&["-raw", "-symbolize=none", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), merged_raw(&p, Dialect::Go119));
    assert_ne!(expected_raw(&p), merged_raw(&p, Dialect::Go119));
}

#[test]
fn merging_a_profile_with_itself_doubles_values_and_duration() {
    let d = TempDir::new("merge");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let g = d.write_profile("b.pb.gz", &cpu_profile(1));
    let mut want = cpu_profile(2);
    want.duration_nanos *= 2;
    let o = run(&["-raw", &f, &g]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), merged_raw(&want, Dialect::Go127));
}

#[test]
fn base_of_itself_leaves_no_samples() {
    let d = TempDir::new("base");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let o = run(&["-raw", "-base", &f, &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let samples = out
        .split("Samples:\n")
        .nth(1)
        .and_then(|s| s.split("Locations").next())
        .unwrap_or("");
    assert_eq!(samples.trim(), "samples/count cpu/nanoseconds", "{out}");
}

#[test]
fn diff_base_keeps_base_samples_apart() {
    let d = TempDir::new("diffbase");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let o = run(&["-raw", "-diff_base", &f, &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // Each of the 3 samples appears once as is and once negated with the
    // pprof::base label, so nothing cancels.
    assert_eq!(out.matches("pprof::base:[true]").count(), 3, "{out}");
    assert!(out.contains("-3  -30000000:"), "{out}");
    assert!(out.contains("3   30000000:"), "{out}");
}

#[test]
fn raw_of_proto_equals_raw() {
    let d = TempDir::new("proto");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    for (dialect, extra) in [Dialect::Go127, Dialect::Go119].into_iter().flat_map(|d| {
        [
            vec![],
            vec!["-focus=work"],
            vec!["-tagfocus=worker=w1"],
            vec!["-add_comment=hello"],
        ]
        .map(|e| (d, e))
    }) {
        let run = |args: &[&str]| {
            bin()
                .env("PPROF_TOOLS_COMPAT", dialect.name())
                .args(args)
                .output()
                .unwrap()
        };
        let mut args = vec!["-proto"];
        args.extend(extra.iter().copied());
        args.push(&f);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert!(pprof_model::is_gzip(&o.stdout), "-proto output is gzip");
        let out = d.path("out.pb.gz");
        std::fs::write(&out, &o.stdout).unwrap();
        let via_proto = stdout(&run(&["-raw", out.to_str().unwrap()]));
        let mut args = vec!["-raw"];
        args.extend(extra.iter().copied());
        args.push(&f);
        // -raw keeps unused locations after a filter; a second pass through
        // -raw (which merges) drops them, as pprof's does.
        let direct = stdout(&run(&args));
        let direct_file = d.path("direct.txt");
        std::fs::write(&direct_file, &direct).unwrap();
        let reparsed = pprof_model::decode(&o.stdout).unwrap();
        let want = match dialect {
            Dialect::Go127 => expected_raw(&reparsed),
            Dialect::Go119 => merged_raw(&reparsed, dialect),
        };
        assert_eq!(via_proto, want, "{dialect} {extra:?}");
        if extra.is_empty() {
            assert_eq!(via_proto, direct);
        }
        if extra == ["-add_comment=hello"] {
            assert!(via_proto.contains("Comment: hello"), "{via_proto}");
        }
    }
}

#[test]
fn focus_keeps_only_matching_samples() {
    let d = TempDir::new("focus");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let out = stdout(&run(&["-raw", "-focus=main.leaf", &f]));
    // Only the first sample (3 samples, 30ms) goes through main.leaf.
    let samples: Vec<&str> = out
        .split("Samples:\n")
        .nth(1)
        .unwrap_or("")
        .split("Locations")
        .next()
        .unwrap_or("")
        .lines()
        .skip(1)
        .filter(|l| {
            l.contains(':')
                && !l.trim_start().starts_with("worker")
                && !l.trim_start().starts_with("bytes")
        })
        .collect();
    assert_eq!(samples.len(), 1, "{out}");
    assert!(
        samples[0].trim_start().starts_with("3   30000000:"),
        "{out}"
    );
}

#[test]
fn proto_to_output_file_and_divide_by() {
    let d = TempDir::new("div");
    let f = d.write_profile("a.pb.gz", &cpu_profile(2));
    let out = d.path("half.pb.gz");
    let o = run(&[
        "-proto",
        "-divide_by=2",
        &format!("-output={}", out.display()),
        &f,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let halved = pprof_model::decode(&std::fs::read(&out).unwrap()).unwrap();
    let mut want = cpu_profile(1);
    want.duration_nanos = halved.duration_nanos;
    assert_eq!(expected_raw(&halved), expected_raw(&want));
}

#[test]
fn stdin_source() {
    let bytes = pprof_model::encode(&cpu_profile(1));
    let mut child = bin()
        .args(["-raw", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), expected_raw(&cpu_profile(1)));
}

#[test]
fn graph_reports_do_not_depend_on_the_single_source_merge() {
    // A lone source skips pprof's renumbering merge for graph-based
    // reports; they must read the same as for the merged (compacted)
    // profile. The fixture has a duplicate sample and an all-zero one.
    let d = TempDir::new("nomerge");
    let mut p = cpu_profile(1);
    let dup = p.samples.at(1).to_sample();
    let mut zero = p.samples.at(0).to_sample();
    zero.values = vec![0, 0];
    p.samples.insert(0, zero);
    p.samples.push(dup);
    let loose = d.write_profile("loose.pb.gz", &p);
    let compact = d.write_profile("compact.pb.gz", &pprof_ops::compact(&p));
    for args in [
        vec!["-top"],
        vec!["-top", "-nodefraction=0", "-trim=false"],
        vec!["-tree"],
        vec!["-tags"],
        vec!["-dot"],
        vec!["-peek=work"],
        vec!["-folded"],
        vec!["-top", "-lines"],
    ] {
        let run_on = |f: &str| {
            let mut a = args.clone();
            a.push(f);
            let o = run(&a);
            assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
            stdout(&o)
        };
        let (a, b) = (run_on(&loose), run_on(&compact));
        assert!(!a.is_empty(), "{args:?}");
        assert_eq!(a, b, "{args:?}");
    }
}

#[test]
fn large_proto_is_compressed_in_parts_that_read_back() {
    // Over 8 MB of profile.proto: compressed as several gzip members on
    // machines with several cores; either way it must read back whole.
    let d = TempDir::new("parts");
    let mut p = cpu_profile(1);
    let template = p.samples.at(1).to_sample();
    for i in 0..400_000 {
        let mut s = template.clone();
        s.values = vec![i + 1, (i + 1) * 7];
        // A distinct numeric label keeps the samples apart in the merge.
        s.labels[0].num = i;
        p.samples.push(s);
    }
    let f = d.write_profile("big.pb.gz", &p);
    let o = run(&["-proto", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let members = o
        .stdout
        .windows(3)
        .filter(|w| w == &[0x1f, 0x8b, 8])
        .count();
    assert!(members >= 1);
    let back = pprof_model::decode(&o.stdout).unwrap();
    // Today's pprof writes a lone source as it was read (go1.19's merged
    // it, joining the sample whose label repeats the original's).
    assert_eq!(back.samples.len(), p.samples.len());
    assert_eq!(expected_raw(&back), expected_raw(&p));
}

/// A large profile written back unchanged: its sample records are copied
/// as they are (here with labels in an order this tool would not write
/// them in), and read back as its samples.
#[test]
fn large_proto_written_back_copies_its_sample_records() {
    use pprof_model::{write_part, EncodePart};
    let d = TempDir::new("records");
    let p = large_profile_with_unsorted_labels(120_000);
    let f = d.write_profile("big.pb.gz", &p);
    let len = std::fs::metadata(&f).unwrap().len();
    assert!(
        len > pprof_model::OVERLAPPED_GZIP_BYTES as u64,
        "{len} bytes"
    );
    let o = run(&["-proto", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let n = p.samples.len();
    let mut records = Vec::new();
    write_part(&p, &EncodePart::Samples(0..n), &mut records).unwrap();
    let read = pprof_model::decode(&std::fs::read(&f).unwrap()).unwrap();
    let mut encoded = Vec::new();
    write_part(&read, &EncodePart::Samples(0..n), &mut encoded).unwrap();
    assert_ne!(encoded, records, "the records differ from a new encoding");
    let out = pprof_model::maybe_decompress(&o.stdout, &Default::default()).unwrap();
    assert!(out.ends_with(&records), "the output ends with the records");
    assert!(pprof_model::decode(&o.stdout).unwrap() == read);
}

#[test]
fn default_symbolization_reads_local_binaries() {
    // A profile of bare addresses in our own executable: by default the
    // binary is read and the address gets a function name from the debug
    // information; -symbolize=none keeps it bare. Needs `nm` and `readelf`
    // to find the address of `pprof_driver::args::usage` and the segment.
    let exe = env!("CARGO_BIN_EXE_pprof-tools");
    let what = "symbolization of our own executable";
    let (Some(nm), Some(readelf)) = (
        pprof_testkit::client("nm", what),
        pprof_testkit::client("readelf", what),
    ) else {
        return;
    };
    let nm = std::process::Command::new(nm)
        .arg(exe)
        .output()
        .expect("run nm");
    let listing = String::from_utf8_lossy(&nm.stdout);
    let Some(addr) = listing.lines().find_map(|l| {
        let mut it = l.split_whitespace();
        let (a, _, name) = (it.next()?, it.next()?, it.next()?);
        name.contains("12pprof_driver4args5usage")
            .then(|| u64::from_str_radix(a, 16).ok())?
    }) else {
        panic!("nm lists no symbol for pprof_driver::args::usage in {exe}");
    };
    let mut p = pprof_model::Profile::new();
    let (t, u) = (p.intern("samples"), p.intern("count"));
    p.sample_types
        .push(pprof_model::ValueType { r#type: t, unit: u });
    let file = p.intern(exe);
    // The executable segment as the kernel maps it for a position-
    // independent binary loaded at `base` (from `readelf -lW`).
    let (seg_off, seg_vaddr, seg_size) =
        exec_segment(&readelf, exe).expect("readelf -lW shows an executable LOAD segment");
    let base = 0x5555_5555_4000u64;
    let page = |v: u64| v & !0xfff;
    p.mappings.push(pprof_model::Mapping {
        id: 1,
        start: base + page(seg_vaddr),
        limit: base + seg_vaddr + seg_size,
        offset: page(seg_off),
        file,
        ..Default::default()
    });
    p.locations.push(pprof_model::Location {
        id: 1,
        mapping: Some(pprof_model::MappingId(0)),
        address: base + addr,
        lines: vec![],
        is_folded: false,
    });
    p.samples.push(pprof_model::Sample {
        locations: vec![pprof_model::LocationId(0)],
        values: vec![5],
        labels: vec![],
    });
    let d = TempDir::new("sym");
    let f = d.write_profile("bare.pb.gz", &p);
    let home = d.path("home");
    let run_env = |args: &[&str]| {
        let o = bin()
            .env("HOME", &home)
            .env("PPROF_BINARY_PATH", &home)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        stdout(&o)
    };
    let named = run_env(&["-traces", &f]);
    assert!(named.contains("pprof_driver::args::usage"), "{named}");
    let bare = run_env(&["-traces", "-symbolize=none", &f]);
    assert!(!bare.contains("pprof_driver::args::usage"), "{bare}");
}

/// (file offset, virtual address, file size) of the executable LOAD
/// segment of `exe`, from `readelf -lW`.
fn exec_segment(readelf: &std::path::Path, exe: &str) -> Option<(u64, u64, u64)> {
    let out = std::process::Command::new(readelf)
        .args(["-lW", exe])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok();
    text.lines().find_map(|l| {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.first() != Some(&"LOAD") || !f.contains(&"E") {
            return None;
        }
        Some((hex(f.get(1)?)?, hex(f.get(2)?)?, hex(f.get(4)?)?))
    })
}
