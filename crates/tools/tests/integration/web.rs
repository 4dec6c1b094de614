//! `-http`: the binary serves the web interface on a local port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use crate::fixtures::{bin, cpu_profile, TempDir};

/// GETs `path` from `base` (`http://host:port`): status line and body.
fn get(base: &str, path: &str) -> (String, String) {
    let hostport = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(hostport).expect("connect");
    write!(s, "GET {path} HTTP/1.0\r\nHost: {hostport}\r\n\r\n").expect("send");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("read");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn http_serves_the_views_of_the_profile() {
    let dir = TempDir::new("web");
    let path = dir.write_profile("cpu.pb.gz", &cpu_profile(1));
    let mut child = bin()
        .args(["-http=127.0.0.1:0", "-no_browser", &path])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pprof-tools -http");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let mut line = String::new();
    BufReader::new(stderr)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("Serving web UI on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();

    let (status, body) = get(&url, "/ui/top?f=work");
    assert_eq!(status, "HTTP/1.0 200 OK", "{body}");
    assert!(body.contains("focus=work"), "{body}");
    assert!(body.contains("main.work"), "{body}");
    let (status, body) = get(&url, "/ui/graph.svg");
    assert_eq!(status, "HTTP/1.0 200 OK");
    assert!(body.contains("<svg"), "{body}");
    let (status, _) = get(&url, "/no/such/page");
    assert_eq!(status, "HTTP/1.0 404 Not Found");
    drop(server);
}

#[test]
fn http_flag_rules() {
    let out = bin()
        .args(["-http=:0", "-top", "x.pb.gz"])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("-http is not compatible with an output format on the command line"));
    let out = bin()
        .args(["-no_browser", "x.pb.gz"])
        .output()
        .expect("run");
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("-no_browser only makes sense with -http")
    );
}

/// `-web` saves the SVG to a temporary file, runs `$BROWSER` on it, waits,
/// and removes the file; a viewer that is not installed is pprof's error.
#[cfg(unix)]
#[test]
fn viewer_formats_open_a_temporary_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("viewer");
    let path = dir.write_profile("cpu.pb.gz", &cpu_profile(1));
    let seen = dir.path("seen.txt");
    let script = dir.path("viewer.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" > '{0}'\nhead -c 200 \"$1\" >> '{0}'\n",
            seen.display()
        ),
    )
    .expect("write viewer");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let tmp = dir.path("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let out = bin()
        .args(["-web", &path])
        .env("BROWSER", &script)
        .env("TMPDIR", &tmp)
        .output()
        .expect("run -web");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read_to_string(&seen).expect("the viewer ran");
    let opened = got.lines().next().unwrap_or("");
    assert!(opened.ends_with("/pprof001.svg"), "{got}");
    assert!(got.contains("<svg") || got.contains("<?xml"), "{got}");
    assert!(
        !std::path::Path::new(opened).exists(),
        "temporary file left behind"
    );

    // The shell's `web` runs the viewer in the background and goes on.
    std::fs::remove_file(&seen).expect("reset");
    let mut child = bin()
        .arg(&path)
        .env("BROWSER", &script)
        .env("TMPDIR", &tmp)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the shell");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"web\nquit\n")
        .expect("type");
    let out = child.wait_with_output().expect("shell ends");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::read_to_string(&seen).expect("the shell's viewer ran");
    assert!(got.lines().next().unwrap_or("").ends_with(".svg"), "{got}");

    let out = bin()
        .args(["-eog", &path])
        .env("PATH", "/nonexistent")
        .env("TMPDIR", &tmp)
        .output()
        .expect("run -eog");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "pprof-tools: exec: \"eog\": executable file not found in $PATH"
    );
}
