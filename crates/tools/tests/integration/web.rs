//! `-http`: the binary serves the web interface on a local port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;

use crate::fixtures::{bin, cpu_profile, TempDir};

/// Sends `method path` with `host` as the Host header to `base`
/// (`http://host:port`): status line, headers and body.
fn request(base: &str, method: &str, path: &str, host: Option<&str>) -> (String, String, String) {
    let hostport = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(hostport).expect("connect");
    let host = host.unwrap_or(hostport);
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    (status.to_string(), headers.to_lowercase(), body.to_string())
}

fn get(base: &str, path: &str) -> (String, String) {
    let (status, _, body) = request(base, "GET", path, None);
    (status, body)
}

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `pprof-tools -http=ADDR -no_browser PROFILE`: the server, its
/// URL and the lines it printed before it.
fn start(
    addr: &str,
    profile: &str,
    config_home: &std::path::Path,
) -> (Server, String, Vec<String>) {
    let mut child = bin()
        .args([&format!("-http={addr}"), "-no_browser", profile])
        .env("XDG_CONFIG_HOME", config_home)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start pprof-tools -http");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let mut lines = Vec::new();
    let mut reader = BufReader::new(stderr);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("a line") == 0 {
            panic!("the server ended: {lines:?}");
        }
        if let Some(url) = line.trim().strip_prefix("Serving web UI on ") {
            return (server, url.to_string(), lines);
        }
        lines.push(line.trim().to_string());
    }
}

#[test]
fn http_serves_the_views_of_the_profile() {
    let dir = TempDir::new("web");
    let path = dir.write_profile("cpu.pb.gz", &cpu_profile(1));
    let (server, url, said) = start("127.0.0.1:0", &path, &dir.path("config"));
    assert!(said.is_empty(), "{said:?}");

    let (status, body) = get(&url, "/ui/top?f=work");
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert!(body.contains("focus=work"), "{body}");
    assert!(body.contains("main.work"), "{body}");
    let (status, headers, body) = request(&url, "GET", "/ui/graph", None);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("<svg"), "{body}");
    assert!(
        headers.contains("content-security-policy: default-src 'none'; script-src 'self';"),
        "{headers}"
    );
    let (status, _) = get(&url, "/no/such/page");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    // HEAD: the GET's headers without a body.
    let (status, headers, body) = request(&url, "HEAD", "/ui/top", None);
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(headers.contains("content-type: text/html"), "{headers}");
    assert_eq!(body, "");
    // Bad input: 400 and the message.
    let (status, body) = get(&url, "/ui/top?f=(");
    assert_eq!(status, "HTTP/1.1 400 Bad Request");
    assert_eq!(
        body,
        "parsing focus regexp: error parsing regexp: missing closing ): `(`\n"
    );
    // A page reached through another host name (DNS rebinding) is refused.
    let (status, _, _) = request(&url, "GET", "/ui/top", Some("evil.example:80"));
    assert_eq!(status, "HTTP/1.1 403 Forbidden");
    let (status, _, _) = request(&url, "GET", "/ui/top", Some("localhost"));
    assert_eq!(status, "HTTP/1.1 200 OK");
    let (status, _) = get(&url, "/favicon.ico");
    assert_eq!(status, "HTTP/1.1 200 OK");
    drop(server);
}

#[test]
fn http_leak_view_of_one_goroutineleak_snapshot() {
    // The Go 1.27.3 fixture of pprof-leak: one goroutine leak profile is
    // enough for the leak view, which shows the runtime's proof.
    let leak = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../leak/tests/fixtures/go127/chansend/goroutineleak.pb.gz");
    let dir = TempDir::new("web-leak");
    let (server, url, _) = start("127.0.0.1:0", &leak.to_string_lossy(), &dir.path("config"));
    let (status, body) = get(&url, "/ui/leak");
    assert_eq!(status, "HTTP/1.1 200 OK", "{body}");
    assert!(
        body.contains("Verdict: leak proven by the runtime."),
        "{body}"
    );
    assert!(
        body.contains("<tr data-name=\"main.sendWorker\" class=\"proven\">"),
        "{body}"
    );
    assert!(body.contains("<td>chan send</td>"), "{body}");
    drop(server);
    // A CPU profile has no leak view.
    let path = dir.write_profile("cpu.pb.gz", &cpu_profile(1));
    let (server, url, _) = start("127.0.0.1:0", &path, &dir.path("config"));
    let (status, _) = get(&url, "/ui/leak");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    drop(server);
}

#[test]
fn http_address_messages() {
    let dir = TempDir::new("web-addr");
    let path = dir.write_profile("cpu.pb.gz", &cpu_profile(1));
    let out = bin()
        .args(["-http=18098", "-no_browser", &path])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "pprof-tools: could not split http address: address 18098: missing port in address\n"
    );
    // Another machine may reach a non-loopback address: a warning says so,
    // and any Host is answered.
    let (server, url, said) = start("0.0.0.0:0", &path, &dir.path("config"));
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(said[0].starts_with("Warning: "), "{said:?}");
    let port = url.rsplit(':').next().unwrap_or("");
    let (status, _, _) = request(
        &format!("http://127.0.0.1:{port}"),
        "GET",
        "/ui/tags",
        Some("example.com"),
    );
    assert_eq!(status, "HTTP/1.1 200 OK");
    drop(server);
}

/// The web interface in headless Chromium, driven by
/// `tests/web-e2e/e2e.mjs` (playwright-core): every view on a fixture whose
/// names, labels, comment, mapping and build id carry script injections.
#[test]
fn chromium_end_to_end() {
    let Some(chromium) = pprof_testkit::client("chromium", "the web UI in headless Chromium")
    else {
        return;
    };
    let Some(node) = pprof_testkit::client("node", "the web UI's end-to-end script") else {
        return;
    };
    let e2e = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web-e2e");
    if !e2e.join("node_modules/playwright-core").is_dir() {
        pprof_testkit::missing::<()>(
            "the web UI in headless Chromium",
            "playwright-core is not installed (npm ci in crates/tools/tests/web-e2e)",
        );
        return;
    }
    let dir = TempDir::new("web-e2e");
    let fixture = crate::fixtures::hostile_profile();
    let path = dir.write_profile("hostile.pb.gz", &fixture);
    let (server, url, _) = start("127.0.0.1:0", &path, &dir.path("config"));
    let svg = dir.path("graph.svg");
    let made = bin()
        .args(["-svg", &format!("-output={}", svg.display()), &path])
        .output()
        .expect("run -svg");
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    // -weblist pages: the hostile profile's (no binary: lines without
    // instructions), and the C fixture's (instructions under lines).
    let mut weblists = vec![dir.path("hostile.html")];
    let made = bin()
        .args([
            "-weblist=.",
            &format!("-output={}", weblists[0].display()),
            &path,
        ])
        .output()
        .expect("run -weblist");
    assert_eq!(made.status.code(), Some(0), "{made:?}");
    if let Some(page) = crate::native::weblist_page() {
        weblists.push(page);
    }
    let out = std::process::Command::new(node)
        .arg(e2e.join("e2e.mjs"))
        .arg(&url)
        .arg(dir.path("out"))
        .arg(&svg)
        .args(&weblists)
        .env("CHROMIUM", chromium)
        .output()
        .expect("run node");
    let log = String::from_utf8_lossy(&out.stdout);
    println!("{log}");
    assert!(
        out.status.success(),
        "{log}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The download is the profile.
    let data = std::fs::read(dir.path("out/profile.pb.gz")).expect("downloaded profile");
    let back = pprof_model::decode(&data).expect("decodes");
    assert_eq!(back.samples.len(), fixture.samples.len());
    let names = |p: &pprof_model::Profile| {
        let mut v: Vec<String> = p
            .functions
            .iter()
            .map(|f| p.str(f.name).to_string())
            .collect();
        v.sort();
        v
    };
    // pprof's symbolization step (default demangling) simplifies names
    // that look like demangled C++ ("<...>" without ".<"), so the download is
    // the profile as the command line's -proto writes it, not the input.
    let proto = bin().args(["-proto", &path]).output().expect("run -proto");
    assert_eq!(proto.status.code(), Some(0), "{proto:?}");
    let cli = pprof_model::decode(&proto.stdout).expect("-proto decodes");
    assert_eq!(names(&back), names(&cli));
    assert_eq!(back.samples.len(), cli.samples.len());
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
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "pprof-tools: exec: \"eog\": executable file not found in $PATH"
    );
}
