//! `pprof-tools leak` through the binary: exit codes, inputs (files,
//! standard input, live services built with Go 1.27.3 and go1.19), and
//! `-text_frames` on Go's debug=1 texts.

use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::fixtures::*;

fn leak_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../leak/tests")
}

fn fixture(dir: &str, file: &str) -> String {
    leak_dir()
        .join("fixtures")
        .join(dir)
        .join(file)
        .to_string_lossy()
        .into_owned()
}

fn leak(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["leak"];
    all.extend_from_slice(args);
    let o = run(&all);
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

/// The 1-based line of a source file holding `marker`.
fn line_of(file: &Path, marker: &str) -> usize {
    let src = std::fs::read_to_string(file).unwrap();
    src.lines().position(|l| l.contains(marker)).unwrap() + 1
}

const PROTOS: [&str; 3] = [
    "goroutine.001.pb.gz",
    "goroutine.002.pb.gz",
    "goroutine.003.pb.gz",
];

#[test]
fn leak_exit_codes_gate_ci() {
    let files = |dir: &str| PROTOS.iter().map(|f| fixture(dir, f)).collect::<Vec<_>>();
    let shapes = files("shapes");
    let args: Vec<&str> = shapes.iter().map(String::as_str).collect();
    let (code, out, err) = leak(&args);
    assert_eq!(code, 3, "{err}");
    assert!(
        out.contains("5 suspect(s), suspected from growth:"),
        "{out}"
    );
    assert!(
        out.ends_with("Verdict: leak suspected from growth\n"),
        "{out}"
    );
    let steady = files("steady");
    let args: Vec<&str> = steady.iter().map(String::as_str).collect();
    let (code, out, _) = leak(&args);
    assert_eq!(code, 0);
    assert!(out.ends_with("Verdict: no leak\n"));
    // Allow-listing every leaking function clears the gate.
    let mut args: Vec<&str> = vec!["-ignore_top=main.sendWorker,main.recvWorker,main.selectWorker,main.lockWorker,main.bufferHolder"];
    args.extend(shapes.iter().map(String::as_str));
    assert_eq!(leak(&args).0, 0);
}

#[test]
fn leak_json_svg_html_from_dumps() {
    let d = TempDir::new("leak-files");
    let html = d.path("r.html").display().to_string();
    let svg = d.path("r.svg").display().to_string();
    let dumps: Vec<String> = (1..=3)
        .map(|i| fixture("shapes", &format!("goroutine.00{i}.debug2.txt")))
        .collect();
    let mut args = vec!["-json", "-html", &html, "--svg", &svg];
    args.extend(dumps.iter().map(String::as_str));
    let (code, out, err) = leak(&args);
    assert_eq!(code, 3, "{err}");
    assert!(out.starts_with("{\"leak_suspected\":true"), "{out}");
    assert!(out.contains("\"created_by\":{\"function\":\"main.handleSend\""));
    let h = std::fs::read_to_string(&html).unwrap();
    let v = std::fs::read_to_string(&svg).unwrap();
    assert_eq!(h.matches("<polyline").count(), 5);
    assert_eq!(v.matches("<polyline").count(), 5);
}

#[test]
fn leak_errors_name_the_input() {
    let one = fixture("shapes", "goroutine.001.pb.gz");
    let (code, _, err) = leak(&[&one]);
    assert_eq!(code, 1);
    assert!(err.contains("at least 2 snapshots"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let (code, _, err) = leak(&["missing.pb.gz", &one]);
    assert_eq!(code, 1);
    assert!(err.contains("missing.pb.gz: open missing.pb.gz"), "{err}");
    let cpu = {
        let d = TempDir::new("leak-cpu");
        let f = d.write_profile("cpu.pb.gz", &cpu_profile(1));
        let (code, _, err) = leak(&[&one, &f]);
        assert_eq!(code, 1);
        err
    };
    assert!(cpu.contains("cpu.pb.gz: neither a goroutine"), "{cpu}");
    // Usage errors exit 2 with a hint.
    let (code, _, err) = leak(&[]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("pprof-tools leak: no snapshots given\n"),
        "{err}"
    );
    let (code, _, err) = leak(&["-bogus", &one]);
    assert_eq!(code, 2);
    assert!(
        err.contains("flag provided but not defined: -bogus"),
        "{err}"
    );
    let (code, _, err) = leak(&["-every", "10s", &one, &one]);
    assert_eq!(code, 2);
    assert!(err.contains("exactly one URL"), "{err}");
    let (code, out, err) = leak(&["-help"]);
    assert_eq!(code, 0);
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("-min_wait DURATION"), "{err}");
    // A report file that cannot be written: its path and the reason, once.
    let dump = fixture("go127/chansend", "goroutineleak.pb.gz");
    let (code, _, err) = leak(&["-html", "/nonexistent-dir/leak.html", &dump]);
    assert_eq!(code, 1);
    assert_eq!(
        err,
        "pprof-tools leak: /nonexistent-dir/leak.html: no such file or directory\n"
    );
    // The memory budget of pprof-tools applies: a bad value is named.
    let o = bin()
        .args(["leak", &dump])
        .env("PPROF_TOOLS_MAX_MEMORY", "lots")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "pprof-tools leak: PPROF_TOOLS_MAX_MEMORY=\"lots\": not a size in bytes (such as 8GiB, 512MB or unlimited)\n"
    );
    // And a budget too small for the snapshot is an error, not an abort.
    let o = bin()
        .args(["leak", &dump])
        .env("PPROF_TOOLS_MAX_MEMORY", "100B")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

#[test]
fn issue12_leak_stdin() {
    let data = std::fs::read(fixture("go127/chansend", "goroutineleak.pb.gz")).unwrap();
    let mut child = bin()
        .args(["leak", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    let o = child.wait_with_output().unwrap();
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(out.contains("(goroutineleak profile -)"), "{out}");
    assert!(
        out.contains("#1 main.sendWorker  16 goroutine(s)  [proven by the runtime]"),
        "{out}"
    );
    // Standard input can be read once.
    let (code, _, err) = leak(&["-", "-"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("standard input (-) can be read only once"),
        "{err}"
    );
}

#[test]
fn issue12_leak_every_minimum() {
    for v in ["1ns", "999ms", "0s"] {
        let (code, _, err) = leak(&["-every", v, "127.0.0.1:1"]);
        assert_eq!(code, 2, "{v}: {err}");
        assert!(
            err.starts_with(&format!(
                "pprof-tools leak: -every {v} is too short: the least is 1s\n"
            )),
            "{err}"
        );
    }
    let (code, _, err) = leak(&["-count", "10001", "127.0.0.1:1"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the most is 10000"), "{err}");
    let (code, _, err) = leak(&["-count", "0", "127.0.0.1:1"]);
    assert_eq!(code, 2, "{err}");
    // 1s is accepted: the failure is the closed port, not the flag.
    let (code, _, err) = leak(&["-every", "1s", "-count", "2", "127.0.0.1:1"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("http://127.0.0.1:1/debug/pprof/goroutineleak"),
        "{err}"
    );
}

/// (fixture directory, leaking function, kind, marker of its blocking line).
const GO127_SHAPES: [(&str, &str, &str, &str); 4] = [
    (
        "chansend",
        "main.sendWorker",
        "chan send",
        "// leak: chan send",
    ),
    (
        "chanrecv",
        "main.recvWorker",
        "chan receive",
        "// leak: chan receive",
    ),
    (
        "select",
        "main.selectWorker",
        "select",
        "// leak: select without timeout",
    ),
    ("mutex", "main.lockWorker", "mutex", "// leak: mutex wait"),
];

#[test]
fn leak_verdicts_from_one_goroutineleak_snapshot_and_one_dump() {
    let src = leak_dir().join("gosrc/leakshapes127/main.go");
    for (dir, func, kind, marker) in GO127_SHAPES {
        let line = line_of(&src, marker);
        for file in ["goroutineleak.pb.gz", "goroutine.debug2.txt"] {
            let f = fixture(&format!("go127/{dir}"), file);
            let (code, out, err) = leak(&[&f]);
            assert_eq!(code, 3, "{dir}/{file}: {err}");
            assert!(out.contains(&format!("{func}  ")), "{out}");
            assert!(out.contains("[proven by the runtime]"), "{out}");
            assert!(
                out.contains(&format!(
                    "blocked on:  {kind} at {func} (leakshapes127/main.go:{line})"
                )),
                "{dir}/{file}: {out}"
            );
            assert!(
                out.ends_with("Verdict: leak proven by the runtime\n"),
                "{out}"
            );
        }
    }
    for file in ["goroutineleak.pb.gz", "goroutine.debug2.txt"] {
        let (code, out, err) = leak(&[&fixture("go127/steady", file)]);
        assert_eq!(code, 0, "steady/{file}: {out}{err}");
        assert!(out.ends_with("Verdict: no leak\n"), "{out}");
    }
}

/// The rows of a `-top` report (after its header), as lines.
fn top_rows(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .map(String::from)
        .collect()
}

fn row_function(row: &str) -> &str {
    // flat flat% sum% cum cum% NAME...
    let mut rest = row.trim_start();
    for _ in 0..5 {
        rest = rest
            .split_once(char::is_whitespace)
            .map(|x| x.1)
            .unwrap_or("");
        rest = rest.trim_start();
    }
    rest.strip_suffix(" (inline)").unwrap_or(rest)
}

fn first_number(row: &str) -> i64 {
    row.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn text_frames_top_of_debug1_matches_the_proto_taken_at_the_same_moment() {
    for dir in ["chansend", "chanrecv", "select", "mutex", "steady", "all"] {
        let text = fixture(&format!("go127/{dir}"), "goroutine.debug1.txt");
        let proto = fixture(&format!("go127/{dir}"), "goroutine.pb.gz");
        let o = run(&["-top", "-text_frames", &text]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let ours = stdout(&o);
        let o = run(&["-top", &proto]);
        let theirs = stdout(&o);
        // Same header totals.
        let total = |s: &str| {
            s.lines()
                .find(|l| l.starts_with("Showing nodes"))
                .unwrap()
                .to_string()
        };
        assert_eq!(total(&ours), total(&theirs), "{dir}");
        let (ours, theirs) = (top_rows(&ours), top_rows(&theirs));
        // Every function the text names has the proto's row, in the
        // proto's order; the runtime frames Go's debug=1 writer leaves out
        // (leading runtime.* frames) make the one `<unknown>` row, whose
        // flat weight is theirs.
        let named: Vec<&String> = ours
            .iter()
            .filter(|r| row_function(r) != "<unknown>")
            .collect();
        let names: Vec<&str> = named.iter().map(|r| row_function(r)).collect();
        let kept: Vec<&String> = theirs
            .iter()
            .filter(|r| names.contains(&row_function(r)))
            .collect();
        assert_eq!(named, kept, "{dir}");
        let hidden: Vec<&String> = theirs
            .iter()
            .filter(|r| !names.contains(&row_function(r)))
            .collect();
        assert!(
            hidden
                .iter()
                .all(|r| row_function(r).starts_with("runtime.")),
            "{dir}: {hidden:?}"
        );
        let unknown = ours
            .iter()
            .find(|r| row_function(r) == "<unknown>")
            .expect("the unnamed runtime frames");
        assert_eq!(
            first_number(unknown),
            hidden.iter().map(|r| first_number(r)).sum::<i64>(),
            "{dir}"
        );
        assert!(named.len() >= 3, "{dir}: {named:?}");
        // Without the option, the output stays pprof's: nothing named.
        let o = run(&["-top", &text]);
        let rows = top_rows(&stdout(&o));
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert!(rows[0].ends_with("<unknown>"));
    }
}

/// The rows of a `-top` report by function: (flat, cum).
fn rows_by_function(out: &str) -> BTreeMap<String, (i64, i64)> {
    let mut rows = BTreeMap::new();
    for row in top_rows(out) {
        let cum = row.split_whitespace().nth(3).unwrap().parse().unwrap();
        let old = rows.insert(row_function(&row).to_string(), (first_number(&row), cum));
        assert!(old.is_none(), "two rows for one function: {out}");
    }
    rows
}

#[test]
fn text_frames_with_the_binary_top_matches_the_proto_taken_at_the_same_moment() {
    let Some(go) = pprof_testkit::go127(
        "-top -text_frames BINARY names the runtime frames of a Go 1.27.3 debug=1 text",
    ) else {
        return;
    };
    let d = TempDir::new("text-frames-binary");
    let prog = d.path("leakshapes127");
    build_gosrc(&go, "leakshapes127", &prog);
    let prog = prog.to_string_lossy().into_owned();
    // Every leak shape at once, written at one moment as proto and text.
    let dir = d.path("all");
    let o = Command::new(&prog)
        .args(["-shape", "all", "-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for kind in ["goroutine", "goroutineleak"] {
        let file = |f: &str| dir.join(f).to_string_lossy().into_owned();
        let text = file(&format!("{kind}.debug1.txt"));
        let proto = file(&format!("{kind}.pb.gz"));
        let o = run(&["-top", "-text_frames", &prog, &text]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let ours = stdout(&o);
        let o = run(&["-top", &proto]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let theirs = stdout(&o);
        let total = |s: &str| {
            s.lines()
                .find(|l| l.starts_with("Showing nodes"))
                .map(String::from)
        };
        assert_eq!(total(&ours), total(&theirs), "{kind}");
        let (ours_rows, theirs_rows) = (rows_by_function(&ours), rows_by_function(&theirs));
        // The same functions with the same flat and cumulative counts:
        // the leading runtime frames (runtime.gopark...) named from the
        // binary, the others from the `#` lines.
        assert_eq!(ours_rows, theirs_rows, "{kind}:\n{ours}\n{theirs}");
        assert!(theirs_rows.contains_key("runtime.gopark"), "{theirs}");
        assert!(theirs_rows.contains_key("main.sendWorker"), "{theirs}");
        // The frames of the `#` lines keep their names: main.poolWorker
        // is inlined into a wrapper (main.main.gowrap1) that the lines
        // and the proto leave out, and the binary's debug information
        // would name.
        if kind == "goroutine" {
            assert!(theirs_rows.contains_key("main.poolWorker"), "{theirs}");
        }
        // Without the option, pprof's output: every frame from the binary
        // (runtime.goexit included, which the `#` lines leave out).
        let o = run(&["-top", &prog, &text]);
        let plain = rows_by_function(&stdout(&o));
        assert!(plain.contains_key("runtime.goexit"), "{plain:?}");
        assert!(!ours_rows.contains_key("runtime.goexit"));
    }
}

// ---------------------------------------------------------------------------
// Live services.

/// A leakserver built with `go` and started: the process and its address.
struct Service {
    child: Child,
    addr: String,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds the Go program `tests/gosrc/PROGRAM` of pprof-leak into `out`.
fn build_gosrc(go: &Path, program: &str, out: &Path) {
    let built = Command::new(go)
        .args(["build", "-trimpath", "-o"])
        .arg(out)
        .arg(".")
        .current_dir(leak_dir().join("gosrc").join(program))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .output()
        .unwrap();
    assert!(
        built.status.success(),
        "go build: {}",
        String::from_utf8_lossy(&built.stderr)
    );
}

fn start(bin: &Path, steady: bool) -> Service {
    let mut cmd = Command::new(bin);
    if steady {
        cmd.arg("-steady");
    }
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    Service { child, addr }
}

/// GET http://ADDR/PATH with HTTP/1.0; the body.
fn http_get(addr: &str, path: &str) -> Vec<u8> {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let at = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    assert!(all.starts_with(b"HTTP/1.0 200") || all.starts_with(b"HTTP/1.1 200"));
    all.split_off(at + 4)
}

fn leak_in(tmp: &Path, args: &[&str]) -> (i32, String, String) {
    let o = bin()
        .arg("leak")
        .args(args)
        .env("PPROF_TMPDIR", tmp)
        .output()
        .unwrap();
    (o.status.code().unwrap_or(-1), stdout(&o), stderr(&o))
}

#[test]
fn e2e_go127_service_leak_is_proven_by_the_runtime() {
    let Some(go) = pprof_testkit::go127("leak URL on a Go 1.27.3 service (goroutineleak)") else {
        return;
    };
    let d = TempDir::new("leak-go127");
    let server = d.path("leakserver");
    build_gosrc(&go, "leakserver", &server);
    let src = leak_dir().join("gosrc/leakserver/main.go");
    let line = line_of(&src, "// leak: chan send");
    let blocked = format!("blocked on:  chan send at main.serveJob (leakserver/main.go:{line})");

    let svc = start(&server, false);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let tmp = d.path("saved");
    let (code, out, err) = leak_in(&tmp, &[&svc.addr]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(
        err.starts_with(&format!(
            "Using http://{}/debug/pprof/goroutineleak: the runtime proves leaks, one snapshot is enough\n",
            svc.addr
        )),
        "{err}"
    );
    assert!(err.contains("Snapshot 1/1 of "), "{err}");
    assert!(out.contains("#1 main.serveJob  "), "{out}");
    assert!(out.contains("[proven by the runtime]"), "{out}");
    assert!(out.contains(&blocked), "{out}");
    assert!(
        out.ends_with("Verdict: leak proven by the runtime\n"),
        "{out}"
    );

    // The same verdict from the saved goroutineleak snapshot, and from a
    // debug=2 dump of the service.
    let saved: Vec<PathBuf> = std::fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let name = saved[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.contains(".goroutineleak."), "{name}");
    let dump = d.path("dump.txt");
    std::fs::write(&dump, http_get(&svc.addr, "/debug/pprof/goroutine?debug=2")).unwrap();
    for f in [&saved[0], &dump] {
        let (code, out, err) = leak(&[&f.to_string_lossy()]);
        assert_eq!(code, 3, "{}: {out}{err}", f.display());
        assert!(out.contains("#1 main.serveJob  "), "{out}");
        assert!(out.contains("[proven by the runtime]"), "{out}");
        assert!(out.contains(&blocked), "{out}");
    }

    // A series: goroutineleak and goroutine snapshots, proof and growth.
    let (code, out, err) = leak_in(&tmp, &["-every", "1s", "-count", "2", &svc.addr]);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(err.contains("taking 2 snapshots 1s apart"), "{err}");
    assert_eq!(err.matches("Snapshot ").count(), 4, "{err}");
    assert!(
        out.contains("Goroutine growth analysis: 2 snapshots"),
        "{out}"
    );
    drop(svc);

    // The control leaks nothing.
    let svc = start(&server, true);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let (code, out, err) = leak_in(&tmp, &[&format!("http://{}/debug/pprof/", svc.addr)]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("None: the runtime proved no goroutine leaked."),
        "{out}"
    );
    assert!(out.ends_with("Verdict: no leak\n"), "{out}");
}

#[test]
fn e2e_go119_service_falls_back_to_growth() {
    let Some(go) =
        pprof_testkit::client("go", "leak URL falls back to goroutine snapshots (go1.19)")
    else {
        return;
    };
    let d = TempDir::new("leak-go119");
    let server = d.path("leakserver");
    build_gosrc(&go, "leakserver", &server);
    let svc = start(&server, false);
    let tmp = d.path("saved");
    let (code, out, err) = leak_in(
        &tmp,
        &[
            "-every",
            "1s",
            "-count",
            "3",
            "-with_heap",
            &format!("http://{}/debug/pprof/goroutine", svc.addr),
        ],
    );
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(
        err.starts_with(&format!(
            "http://{}/debug/pprof/goroutineleak is not served (Go before 1.27?): taking 3 snapshots 1s apart",
            svc.addr
        )),
        "{err}"
    );
    assert_eq!(err.matches("Snapshot ").count(), 6, "{err}");
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 6);
    assert!(out.contains("#1 main.serveJob"), "{out}");
    assert!(
        out.contains("blocked on:  chan send at main.serveJob"),
        "{out}"
    );
    assert!(
        out.ends_with("Verdict: leak suspected from growth\n"),
        "{out}"
    );
}
