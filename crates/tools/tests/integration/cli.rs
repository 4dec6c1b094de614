//! Flag syntax, usage errors and runtime errors.

use std::io::Read;
use std::process::Stdio;

use crate::fixtures::*;

#[test]
fn help_is_grouped_and_exits_zero() {
    for flag in ["--help", "-help", "-h"] {
        let o = run(&[flag]);
        assert_eq!(o.status.code(), Some(0));
        // On standard error, as pprof writes it.
        assert!(o.stdout.is_empty());
        let out = stderr(&o);
        assert!(out.starts_with("usage:"), "{out}");
        for section in [
            "Output formats",
            "Options:",
            "Option groups",
            "granularity",
            "Source options:",
            "-sample_index",
            "-peek ",
        ] {
            assert!(out.contains(section), "{section} missing");
        }
    }
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let d = TempDir::new("usage");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    assert_error(
        &run(&["-top", "-no_such_flag", &f]),
        2,
        &["flag provided but not defined: -no_such_flag"],
    );
    assert_error(
        &run(&["-top", "-raw", &f]),
        2,
        &["must set at most one output format"],
    );
    assert_error(&run(&["-raw"]), 2, &["no profile source specified"]);
    assert_error(
        &run(&["-raw", "-nodecount"]),
        2,
        &["flag needs an argument: -nodecount"],
    );
    assert_error(
        &run(&["-raw", "-nodecount=ten", &f]),
        2,
        &["invalid value \"ten\" for flag -nodecount"],
    );
    assert_error(
        &run(&["-raw", "-base", &f, "-diff_base", &f, &f]),
        2,
        &["-base and -diff_base"],
    );
    assert_error(
        &run(&["-raw", "-normalize", &f]),
        2,
        &["must have base profile to normalize by"],
    );
    // No format is the interactive shell; with no input it just ends.
    let o = run(&[&f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("(pprof) "), "{}", stdout(&o));
    // -http: an address that cannot be listened on is an error (2, as
    // every error of today's pprof).
    assert_error(
        &run(&["-http=127.0.0.1:99999", "-no_browser", &f]),
        2,
        &["listen tcp: address 99999: invalid port"],
    );
    let o = run(&["-raw", "-bogus", &f]);
    assert!(stderr(&o).lines().nth(1).unwrap_or("").contains("-help"));
}

#[test]
fn bad_inputs_exit_2_naming_the_file() {
    let d = TempDir::new("bad");
    let missing = d.path("missing.pb.gz").to_string_lossy().into_owned();
    assert_error(
        &run(&["-raw", &missing]),
        2,
        &[&missing, "no such file or directory"],
    );

    let empty = d.path("empty.pb.gz");
    std::fs::write(&empty, b"").unwrap();
    let empty = empty.to_string_lossy().into_owned();
    assert_error(&run(&["-raw", &empty]), 2, &[&empty, "empty input file"]);

    let text = d.path("notes.txt");
    std::fs::write(&text, b"this is not a profile\n").unwrap();
    let text = text.to_string_lossy().into_owned();
    assert_error(
        &run(&["-raw", &text]),
        2,
        &[&text, "unrecognized profile format"],
    );

    let good = pprof_model::encode(&cpu_profile(1));
    let trunc = d.path("trunc.pb.gz");
    std::fs::write(&trunc, &good[..good.len() / 2]).unwrap();
    let trunc = trunc.to_string_lossy().into_owned();
    assert_error(
        &run(&["-raw", &trunc]),
        2,
        &[&trunc, "decompressing profile"],
    );

    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    assert_error(
        &run(&["-raw", &format!("-base={missing}"), &f]),
        2,
        &["base profile", &missing],
    );
    assert_error(
        &run(&["-raw", "-focus=(", &f]),
        2,
        &["parsing focus regexp"],
    );
    assert_error(
        &run(&["-raw", "-sample_index=bogus", &f]),
        2,
        &["sample_index \"bogus\" must be one of: [samples cpu]"],
    );
    assert_error(
        &run(&["-raw", "-sample_index=7", &f]),
        2,
        &["sample_index 7 is outside the range [0..1]"],
    );
    assert_error(
        &run(&["-raw", "-divide_by=0", &f]),
        2,
        &["zero divisor specified"],
    );
}

#[test]
fn one_bad_source_among_good_ones_is_a_notice() {
    let d = TempDir::new("partial");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let missing = d.path("nope.pb.gz").to_string_lossy().into_owned();
    let o = run(&["-raw", &f, &missing]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&missing), "{err}");
    assert!(err.contains("Fetched 1 source profiles out of 2"), "{err}");
}

#[test]
fn flag_spellings_are_equivalent() {
    let d = TempDir::new("spell");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let reference = stdout(&run(&["-raw", "-focus=leaf", &f]));
    assert!(!reference.is_empty());
    for args in [
        vec!["--raw", "--focus=leaf", f.as_str()],
        vec!["-raw", "-focus", "leaf", f.as_str()],
        vec!["-raw=true", "-top=false", "-focus=leaf", f.as_str()],
        vec!["-focus=leaf", f.as_str(), "-raw"],
        vec!["-raw", "-focus=leaf", "--", f.as_str()],
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), reference, "{args:?}");
    }
}

#[test]
fn output_file_is_written_atomically_and_overwritten() {
    let d = TempDir::new("output");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let out = d.path("report.txt");
    std::fs::write(&out, "old contents").unwrap();
    let o = run(&["-raw", &format!("-output={}", out.display()), &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(stderr(&o).contains("Generating report in"));
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written, stdout(&run(&["-raw", &f])));
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(&d.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");

    // A failing run leaves the old file alone.
    std::fs::write(&out, "keep me").unwrap();
    let o = run(&[
        "-raw",
        "-focus=(",
        &format!("-output={}", out.display()),
        &f,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "keep me");
}

#[test]
fn closed_pipe_exits_zero_quietly() {
    let d = TempDir::new("pipe");
    // Enough samples that the dump exceeds any pipe buffer.
    let mut p = cpu_profile(1);
    let template = p.samples.at(0).to_sample();
    for i in 0..60_000 {
        let mut s = template.clone();
        s.values = vec![i, i * 10];
        p.samples.push(s);
    }
    let f = d.write_profile("big.pb.gz", &p);
    let mut child = bin()
        .args(["-raw", &f])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 16];
    let _ = out.read(&mut buf);
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn binary_report_on_a_terminal_goes_to_a_file() {
    // `script` gives the command a pseudo-terminal as standard output.
    let Some(script) = pprof_testkit::client("script", "a report to a terminal (util-linux)")
    else {
        return;
    };
    let d = TempDir::new("tty");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    let cmd = format!("{} -proto {f}", env!("CARGO_BIN_EXE_pprof-tools"));
    let o = std::process::Command::new(&script)
        .args(["-qec", &cmd, "/dev/null"])
        .current_dir(&d.0)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Generating report in profile001.pb.gz"),
        "{}",
        stdout(&o)
    );
    let saved = std::fs::read(d.path("profile001.pb.gz")).unwrap();
    assert!(pprof_model::decode(&saved).is_ok());
}
