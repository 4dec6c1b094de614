//! The command line over HTTP and the shell through the binary: a server on
//! 127.0.0.1 replays answers shaped like Go's net/http/pprof.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use pprof_model::build::ProfileBuilder;
use pprof_model::{LocationId, Profile};

/// A goroutine profile of `/srv/bin/leakdemo` with `n` goroutines parked in
/// main.compute.
fn goroutines(n: i64) -> Profile {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    b.period("goroutine", "count", 1);
    let bin = b.mapping("/srv/bin/leakdemo", 0x400000, 0x800000);
    let locs: Vec<LocationId> = ["runtime.gopark", "main.compute", "main.main"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let f = b.function(name, "leakdemo/main.go", 10 * i as i64);
            b.location(
                Some(bin),
                0x401000 + 0x100 * i as u64,
                &[(f, 10 * i as i64 + 2)],
            )
        })
        .collect();
    b.sample(&locs, &[n]);
    b.sample(&locs[2..], &[1]);
    b.build()
}

/// Serves `routes` (path with query -> status, content type, body) for at
/// most `conns` connections; returns `127.0.0.1:PORT`.
fn serve(routes: Vec<(String, &'static str, &'static str, Vec<u8>)>, conns: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(conns) {
            let Ok(stream) = stream else { continue };
            answer(stream, &routes);
        }
    });
    addr
}

fn answer(mut stream: TcpStream, routes: &[(String, &'static str, &'static str, Vec<u8>)]) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut first = String::new();
    let _ = reader.read_line(&mut first);
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => break,
            Ok(_) if h.trim().is_empty() => break,
            Ok(_) => {}
        }
    }
    let target = first.split(' ').nth(1).unwrap_or("");
    let (status, ctype, body) = routes
        .iter()
        .find(|r| r.0 == target)
        .map(|r| (r.1, r.2, r.3.clone()))
        .unwrap_or((
            "404 Not Found",
            "text/plain; charset=utf-8",
            b"404 page not found\n".to_vec(),
        ));
    let head = format!(
        "HTTP/1.1 {status}\r\nConnection: close\r\nContent-Type: {ctype}\r\nX-Go-Pprof: 1\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("pprof-remote-it-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).expect("dir");
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pprof_tools(tmp: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pprof-tools"))
        .args(args)
        .env("PPROF_TMPDIR", tmp)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pprof-tools");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin).expect("write stdin");
    drop(input);
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn fetch_saves_with_increasing_numbers() {
    let tmp = Dir::new("save");
    let addr = serve(
        vec![(
            "/debug/pprof/goroutine".into(),
            "200 OK",
            "application/octet-stream",
            pprof_model::encode(&goroutines(50)),
        )],
        2,
    );
    let url = format!("http://{addr}/debug/pprof/goroutine");
    for n in ["001", "002"] {
        let o = pprof_tools(
            &tmp.0,
            &["-raw", &format!("{addr}/debug/pprof/goroutine")],
            b"",
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let saved = tmp.0.join(format!("pprof.leakdemo.goroutine.{n}.pb.gz"));
        assert_eq!(
            text(&o.stderr),
            format!(
                "Fetching profile over HTTP from {url}\nSaved profile in {}\n",
                saved.display()
            )
        );
        let local = pprof_tools(&tmp.0, &["-raw", &saved.to_string_lossy()], b"");
        assert_eq!(
            text(&local.stdout),
            text(&o.stdout),
            "the saved profile is what was shown"
        );
    }
}

#[test]
fn base_local_and_source_remote() {
    let tmp = Dir::new("base");
    let addr = serve(
        vec![(
            "/debug/pprof/goroutine".into(),
            "200 OK",
            "application/octet-stream",
            pprof_model::encode(&goroutines(80)),
        )],
        1,
    );
    let base = tmp.0.join("before.pb.gz");
    std::fs::write(&base, pprof_model::encode(&goroutines(50))).expect("write base");
    let o = pprof_tools(
        &tmp.0,
        &[
            "-traces",
            "-base",
            &base.to_string_lossy(),
            &format!("{addr}/debug/pprof/goroutine"),
        ],
        b"",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    // 80 - 50 goroutines in main.compute; main.main's one cancels out.
    assert!(
        out.contains(
            "        30   runtime.gopark\n             main.compute\n             main.main\n"
        ),
        "{out}"
    );
    assert!(
        !out.contains("        80 ") && !out.contains("        50 "),
        "{out}"
    );
}

#[test]
fn seconds_and_errors() {
    let tmp = Dir::new("errors");
    let addr = serve(
        vec![
            (
                "/debug/pprof/profile?seconds=1".into(),
                "200 OK",
                "application/octet-stream",
                pprof_model::encode(&goroutines(3)),
            ),
            (
                "/debug/pprof/nosuch".into(),
                "404 Not Found",
                "text/plain; charset=utf-8",
                b"Unknown profile\n".to_vec(),
            ),
        ],
        2,
    );
    let o = pprof_tools(&tmp.0, &["-raw", "-seconds=1", &addr], b"");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stderr).starts_with(&format!(
        "Fetching profile over HTTP from http://{addr}/debug/pprof/profile?seconds=1\nPlease wait... (1s)\n"
    )));
    let o = pprof_tools(
        &tmp.0,
        &["-raw", &format!("{addr}/debug/pprof/nosuch")],
        b"",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("server response: 404 Not Found - Unknown profile"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn piped_shell_prints_the_flag_forms() {
    let tmp = Dir::new("shell");
    let file = tmp.0.join("g.pb.gz");
    std::fs::write(&file, pprof_model::encode(&goroutines(50))).expect("write");
    let f = file.to_string_lossy().into_owned();
    let o = pprof_tools(&tmp.0, &[&f], b"top 5\nlist compute\ntraces\nquit\n");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    // The shell sets compact_labels, as pprof does.
    let mut want = String::new();
    for args in [
        &["-top", "-nodecount=5", "-compact_labels"][..],
        &["-list", "compute", "-compact_labels"],
        &["-traces", "-compact_labels"],
    ] {
        let mut a = args.to_vec();
        a.push(&f);
        let form = pprof_tools(&tmp.0, &a, b"");
        assert_eq!(
            form.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&form.stderr)
        );
        want.push_str("(pprof) ");
        want.push_str(&text(&form.stdout));
    }
    want.push_str("(pprof) ");
    assert_eq!(text(&o.stdout), want);
    assert!(text(&o.stderr).contains("Entering interactive mode"));
}

/// Serves one profile after `delay`, as a CPU profile endpoint does while it
/// collects.
fn serve_slowly(body: Vec<u8>, delay: std::time::Duration) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        if let Some(Ok(stream)) = listener.incoming().next() {
            std::thread::sleep(delay);
            let route = vec![(
                "/debug/pprof/profile?seconds=2".to_string(),
                "200 OK",
                "application/octet-stream",
                body,
            )];
            answer(stream, &route);
        }
    });
    addr
}

/// Issue 6: a countdown line while a CPU profile is collected, on a
/// terminal only.
#[test]
fn countdown_while_collecting_on_a_terminal() {
    let dir = Dir::new("countdown");
    let body = pprof_model::encode(&goroutines(3));
    let addr = serve_slowly(body.clone(), std::time::Duration::from_millis(2500));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pprof-tools"));
    cmd.args([
        "-top",
        "-seconds=2",
        &format!("http://{addr}/debug/pprof/profile"),
    ])
    .env("PPROF_TMPDIR", &dir.0)
    .env("TERM", "xterm");
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn on a pty");
    p.exp_string("Please wait... (2s)").expect("please wait");
    p.exp_string("Collecting profile: ")
        .expect("countdown line");
    p.exp_string("Saved profile in").expect("saved");
    p.exp_string("main.compute").expect("report");

    // Not a terminal: no countdown.
    let addr = serve_slowly(body, std::time::Duration::from_millis(1500));
    let out = pprof_tools(
        &dir.0,
        &[
            "-top",
            "-seconds=2",
            &format!("http://{addr}/debug/pprof/profile"),
        ],
        b"",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("Please wait... (2s)"), "{err}");
    assert!(!err.contains("Collecting profile"), "{err}");
}
