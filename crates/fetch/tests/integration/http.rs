//! HTTP fetching against an in-process server on 127.0.0.1 that replays
//! answers shaped like Go's net/http/pprof.
#![cfg(feature = "http")]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pprof_fetch::http::{
    adjust_url, fetch_bytes, fetch_remote, save_bytes_in, save_profile, save_profile_in,
    saved_profile_prefix, ErrorBody, FetchEvent, HttpError, HttpOptions, Progress, MAX_WAIT,
};
use pprof_fetch::{parse_data, FetchOptions};
use pprof_model::build::ProfileBuilder;
use pprof_model::{LocationId, Profile};

/// One canned answer.
#[derive(Clone)]
struct Route {
    /// Path the request must have.
    path: &'static str,
    /// Query the request must have, when given.
    query: Option<&'static str>,
    status: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
    /// Wait this long before answering (a CPU profile being collected).
    delay: Duration,
    /// Send the body in chunks (`Transfer-Encoding: chunked`), as Go does
    /// for the text endpoints.
    chunked: bool,
}

fn ok(
    path: &'static str,
    query: Option<&'static str>,
    ctype: &'static str,
    body: Vec<u8>,
) -> Route {
    Route {
        path,
        query,
        status: "200 OK",
        headers: vec![
            ("Content-Type", ctype),
            ("X-Content-Type-Options", "nosniff"),
        ],
        body,
        delay: Duration::ZERO,
        chunked: false,
    }
}

/// A route answering `status` (an error or a redirect) with `body`,
/// otherwise as [`ok`].
fn status_route(
    path: &'static str,
    status: &'static str,
    ctype: &'static str,
    body: Vec<u8>,
) -> Route {
    Route {
        status,
        ..ok(path, None, ctype, body)
    }
}

/// What Go's net/http/pprof answers to a request it cannot serve (its
/// `serveError`): `status`, and the line `text` as `text/plain` marked
/// `X-Go-Pprof: 1`.
fn go_pprof_error(path: &'static str, status: &'static str, text: &str) -> Route {
    let body = format!("{text}\n").into_bytes();
    let mut r = status_route(path, status, "text/plain; charset=utf-8", body);
    r.headers.push(("X-Go-Pprof", "1"));
    r
}

/// A `302 Found` redirect from `path` to `location`.
fn redirect(path: &'static str, location: &'static str) -> Route {
    let mut r = status_route(path, "302 Found", "text/plain", Vec::new());
    r.headers.push(("Location", location));
    r
}

/// The CPU profile endpoint asked `query` (its `seconds`): it answers a
/// profile ([`goroutine_profile`]'s) after `delay`, as a server does once
/// it has collected the profile.
fn cpu_profile_route(query: &'static str, delay: Duration) -> Route {
    Route {
        delay,
        ..ok(
            "/debug/pprof/profile",
            Some(query),
            "application/octet-stream",
            pprof_model::encode(&goroutine_profile()),
        )
    }
}

struct Server {
    base: String,
    /// Request targets received, in order.
    seen: Arc<Mutex<Vec<String>>>,
}

/// Serves `routes` on 127.0.0.1:0 from a background thread, answering at
/// most `max_conns` connections.
fn serve(routes: Vec<Route>, max_conns: usize) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max_conns) {
            let Ok(stream) = stream else { continue };
            let routes = routes.clone();
            let log = Arc::clone(&log);
            std::thread::spawn(move || answer(stream, &routes, &log));
        }
    });
    Server { base, seen }
}

fn answer(mut stream: TcpStream, routes: &[Route], log: &Mutex<Vec<String>>) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => break,
            Ok(_) if h == "\r\n" || h == "\n" => break,
            Ok(_) => {}
        }
    }
    let target = request_line.split(' ').nth(1).unwrap_or("").to_string();
    log.lock().expect("log").push(target.clone());
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target.as_str(), None),
    };
    let route = routes
        .iter()
        .find(|r| r.path == path && (r.query.is_none() || r.query == query));
    let (status, headers, body, delay, chunked) = match route {
        Some(r) => (
            r.status,
            r.headers.clone(),
            r.body.clone(),
            r.delay,
            r.chunked,
        ),
        None => (
            "404 Not Found",
            vec![("Content-Type", "text/plain; charset=utf-8")],
            b"404 page not found\n".to_vec(),
            Duration::ZERO,
            false,
        ),
    };
    std::thread::sleep(delay);
    let mut head = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
    if chunked {
        head.push_str("Transfer-Encoding: chunked\r\n");
    } else {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    if chunked {
        for piece in body.chunks(100) {
            let _ = stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes());
            let _ = stream.write_all(piece);
            let _ = stream.write_all(b"\r\n");
        }
        let _ = stream.write_all(b"0\r\n\r\n");
    } else {
        let _ = stream.write_all(&body);
    }
    let _ = stream.flush();
}

/// A goroutine profile of a program `/srv/bin/leakdemo`.
fn goroutine_profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    b.period("goroutine", "count", 1);
    let bin = b.mapping("/srv/bin/leakdemo", 0x400000, 0x800000);
    let locs: Vec<LocationId> = ["main.leak", "main.spawn", "main.main"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let f = b.function(name, "leakdemo/main.go", 0);
            b.location(
                Some(bin),
                0x401000 + 0x1000 * i as u64,
                &[(f, 17 + i as i64)],
            )
        })
        .collect();
    b.sample(&locs, &[10]);
    b.sample(&locs[1..], &[2]);
    b.build()
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/http")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn fetch_proto_then_save_with_increasing_numbers() {
    let profile = goroutine_profile();
    let body = pprof_model::encode(&profile);
    let server = serve(
        vec![ok(
            "/debug/pprof/goroutine",
            None,
            "application/octet-stream",
            body,
        )],
        4,
    );
    let source = format!("{}/debug/pprof/goroutine", server.base);
    let remote = adjust_url(&source, None, None).expect("a URL");
    assert_eq!(remote.url, source);
    assert_eq!(remote.timeout, Duration::from_secs(60));
    assert_eq!(remote.collect, None);

    let data = fetch_bytes(&remote, &HttpOptions::default(), None).expect("fetch");
    let fetched = parse_data(&data, &FetchOptions::default()).expect("parse");
    assert_eq!(fetched.to_raw_string(), profile.to_raw_string());

    let dir = tempfile::tempdir().expect("tempdir");
    assert_eq!(saved_profile_prefix(&fetched), "pprof.leakdemo.goroutine.");
    let first = save_profile_in(dir.path(), &fetched).expect("save");
    let second = save_profile_in(dir.path(), &fetched).expect("save again");
    assert_eq!(first, dir.path().join("pprof.leakdemo.goroutine.001.pb.gz"));
    assert_eq!(
        second,
        dir.path().join("pprof.leakdemo.goroutine.002.pb.gz")
    );
    let saved = std::fs::read(&second).expect("read saved");
    assert_eq!(&saved[..2], &[0x1f, 0x8b], "saved gzip-compressed");
    let back = parse_data(&saved, &FetchOptions::default()).expect("parse saved");
    assert_eq!(back.to_raw_string(), profile.to_raw_string());
    // Only the two profiles are left: no temporary files.
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "pprof.leakdemo.goroutine.001.pb.gz",
            "pprof.leakdemo.goroutine.002.pb.gz"
        ]
    );
    assert_eq!(server.seen.lock().expect("log").len(), 1);
}

#[test]
fn save_never_replaces_and_skips_taken_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pprof.x.001.pb.gz"), b"keep").expect("write");
    std::fs::write(dir.path().join("pprof.x.002.pb.gz"), b"keep").expect("write");
    let path = save_bytes_in(dir.path(), "pprof.x.", ".pb.gz", b"new").expect("save");
    assert_eq!(path, dir.path().join("pprof.x.003.pb.gz"));
    assert_eq!(
        std::fs::read(dir.path().join("pprof.x.001.pb.gz")).expect("read"),
        b"keep"
    );
    assert_eq!(std::fs::read(&path).expect("read"), b"new");
}

#[test]
fn save_uses_pprof_tmpdir() {
    // The only test that touches the environment.
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("made/here");
    std::env::set_var("PPROF_TMPDIR", &target);
    let mut p = goroutine_profile();
    p.mappings.clear();
    for l in &mut p.locations {
        l.mapping = None;
    }
    let saved = save_profile(&p).expect("save");
    std::env::remove_var("PPROF_TMPDIR");
    assert!(saved.warnings.is_empty());
    assert_eq!(saved.path, target.join("pprof.goroutine.001.pb.gz"));
    assert!(saved.path.is_file());
}

#[test]
fn seconds_go_into_the_query_and_progress_ticks() {
    let cpu = cpu_profile_route("seconds=2", Duration::from_millis(2300));
    let server = serve(vec![cpu], 2);
    // host:port with no path means the CPU profile.
    let source = server.base.trim_start_matches("http://").to_string();
    let remote = adjust_url(&source, Some(2), None).expect("a URL");
    assert_eq!(
        remote.url,
        format!("{}/debug/pprof/profile?seconds=2", server.base)
    );
    assert_eq!(remote.timeout, Duration::from_secs(3));
    assert_eq!(remote.requested, Some(Duration::from_secs(2)));

    let ticks = Mutex::new(Vec::<Progress>::new());
    let record = |p: Progress| ticks.lock().expect("ticks").push(p);
    let data = fetch_bytes(&remote, &HttpOptions::default(), Some(&record)).expect("fetch");
    assert!(!data.is_empty());
    assert_eq!(
        *server.seen.lock().expect("log"),
        ["/debug/pprof/profile?seconds=2"]
    );
    let ticks = ticks.into_inner().expect("ticks");
    assert!(ticks.len() >= 2, "expected ticks, got {ticks:?}");
    assert!(ticks
        .iter()
        .all(|t| t.collect == Some(Duration::from_secs(2))));
    assert!(ticks.windows(2).all(|w| w[0].elapsed <= w[1].elapsed));
    assert_eq!(
        ticks.last().and_then(Progress::remaining),
        Some(Duration::ZERO)
    );
}

#[test]
fn a_slow_server_times_out() {
    let mut slow = ok(
        "/debug/pprof/heap",
        None,
        "application/octet-stream",
        vec![1, 2, 3],
    );
    slow.delay = Duration::from_secs(3);
    let server = serve(vec![slow], 1);
    let source = format!("{}/debug/pprof/heap", server.base);
    let mut remote = adjust_url(&source, None, Some(1)).expect("a URL");
    assert_eq!(remote.timeout, Duration::from_secs(1));
    remote.header_grace = Duration::ZERO;
    let start = std::time::Instant::now();
    let err = fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("timeout");
    assert!(
        start.elapsed() < Duration::from_millis(2900),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        err.to_string(),
        format!("Get \"{source}\": net/http: timeout awaiting response headers")
    );
}

#[test]
fn an_error_status_carries_the_servers_text() {
    let unknown = go_pprof_error("/debug/pprof/nosuch", "404 Not Found", "Unknown profile");
    let html = status_route(
        "/debug/pprof/broken",
        "500 Internal Server Error",
        "text/html",
        b"<h1>oops</h1>".to_vec(),
    );
    let server = serve(vec![unknown, html], 2);

    let remote =
        adjust_url(&format!("{}/debug/pprof/nosuch", server.base), None, None).expect("url");
    let err = fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("404");
    assert!(matches!(err, HttpError::Status { code: 404, .. }));
    assert_eq!(
        err.to_string(),
        "server response: 404 Not Found - Unknown profile"
    );

    let remote =
        adjust_url(&format!("{}/debug/pprof/broken", server.base), None, None).expect("url");
    let err = fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("500");
    assert_eq!(
        err.to_string(),
        "server response: 500 Internal Server Error - \"<h1>oops</h1>\""
    );
}

#[test]
fn text_endpoints_are_fetched_as_they_are() {
    let d1 = fixture("goroutine.debug1.txt");
    let d2 = fixture("goroutine.debug2.txt");
    let heap = fixture("heap.debug1.txt");
    let text = "text/plain; charset=utf-8";
    let chunked = |mut r: Route| {
        r.chunked = true;
        r
    };
    let server = serve(
        vec![
            ok("/debug/pprof/goroutine", Some("debug=1"), text, d1.clone()),
            chunked(ok(
                "/debug/pprof/goroutine",
                Some("debug=2"),
                text,
                d2.clone(),
            )),
            chunked(ok("/debug/pprof/heap", Some("debug=1"), text, heap.clone())),
        ],
        3,
    );
    for (query, want) in [
        ("/debug/pprof/goroutine?debug=1", &d1),
        ("/debug/pprof/goroutine?debug=2", &d2),
        ("/debug/pprof/heap?debug=1", &heap),
    ] {
        let remote = adjust_url(&format!("{}{query}", server.base), None, None).expect("url");
        let got = fetch_bytes(&remote, &HttpOptions::default(), None).expect("fetch");
        assert_eq!(&got, want, "{query}");
    }
    assert_eq!(
        *server.seen.lock().expect("log"),
        [
            "/debug/pprof/goroutine?debug=1",
            "/debug/pprof/goroutine?debug=2",
            "/debug/pprof/heap?debug=1"
        ]
    );
}

#[test]
fn refused_connection_names_the_url() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let source = format!("127.0.0.1:{port}/debug/pprof/heap");
    let remote = adjust_url(&source, None, None).expect("url");
    let err = fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("refused");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!("Get \"http://{source}\": ")),
        "{text}"
    );
    assert!(matches!(err, HttpError::Request { .. }));
}

#[test]
fn a_body_over_the_limit_is_refused() {
    let server = serve(
        vec![ok("/big", None, "application/octet-stream", vec![7; 4096])],
        1,
    );
    let remote = adjust_url(&format!("{}/big", server.base), None, None).expect("url");
    let mut opts = HttpOptions::default();
    opts.max_body = 1000;
    let err = fetch_bytes(&remote, &opts, None).expect_err("too large");
    assert!(matches!(err, HttpError::TooLarge { limit: 1000, .. }));
}

#[test]
fn missing_tls_files_are_named() {
    let remote = adjust_url("https://127.0.0.1:1/x", None, None).expect("url");
    let mut opts = HttpOptions::default();
    opts.tls_ca = Some("/nonexistent/ca.pem".into());
    let err = fetch_bytes(&remote, &opts, None).expect_err("no ca");
    assert_eq!(
        err.to_string(),
        "tls_ca /nonexistent/ca.pem: no such file or directory"
    );
}

#[test]
fn fetch_remote_tells_what_it_does() {
    let cpu = cpu_profile_route("seconds=1", Duration::from_millis(1200));
    let server = serve(vec![cpu], 1);
    let events = Mutex::new(Vec::<String>::new());
    let log = |e: FetchEvent<'_>| {
        let text = match e {
            FetchEvent::Fetching { url } => format!("Fetching profile over HTTP from {url}"),
            FetchEvent::PleaseWait(d) => pprof_fetch::http::please_wait_text(d),
            FetchEvent::Progress(_) => "tick".to_string(),
            FetchEvent::Done => "done".to_string(),
            _ => "other".to_string(),
        };
        events.lock().expect("events").push(text);
    };
    let (remote, body) =
        fetch_remote(&server.base, Some(1), None, &HttpOptions::default(), &log).expect("a URL");
    assert!(!body.expect("body").is_empty());
    assert!(fetch_remote(
        "profiles/x.pb.gz",
        None,
        None,
        &HttpOptions::default(),
        &log
    )
    .is_none());
    let events = events.lock().expect("events").clone();
    assert_eq!(
        events[..2],
        [
            format!("Fetching profile over HTTP from {}", remote.url),
            "Please wait... (1s)".to_string()
        ]
    );
    let (last, ticks) = events[2..].split_last().expect("events");
    assert_eq!(last, "done");
    assert!(
        !ticks.is_empty() && ticks.iter().all(|e| e == "tick"),
        "{events:?}"
    );
}

/// Reads one request's head from `stream`; its target, or `None` when the
/// client closed the connection first.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<String> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    loop {
        let mut h = String::new();
        match reader.read_line(&mut h) {
            Ok(0) | Err(_) => return None,
            Ok(_) if h == "\r\n" || h == "\n" => break,
            Ok(_) => {}
        }
    }
    Some(line.split(' ').nth(1).unwrap_or("").to_string())
}

/// Serves each connection with `handle` on a thread of its own.
fn serve_raw(handle: impl Fn(TcpStream, BufReader<TcpStream>) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = Arc::new(handle);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let reader = BufReader::new(stream.try_clone().expect("clone"));
            let handle = Arc::clone(&handle);
            std::thread::spawn(move || handle(stream, reader));
        }
    });
    base
}

/// `-seconds=6200000000000000000` and `-timeout=9223372036854775807` with
/// a URL panicked (`overflow when adding duration to instant`); they now
/// saturate to a wait of centuries, and the fetch works.
#[test]
fn issue12_huge_seconds_and_timeout_do_not_panic() {
    let body = pprof_model::encode(&goroutine_profile());
    let server = serve(
        vec![ok(
            "/debug/pprof/profile",
            None,
            "application/octet-stream",
            body,
        )],
        4,
    );
    for (seconds, timeout) in [
        (Some(6_200_000_000_000_000_000), None),
        (None, Some(i64::MAX)),
        (Some(i64::MAX), Some(i64::MAX)),
    ] {
        let (remote, data) = fetch_remote(
            &server.base,
            seconds,
            timeout,
            &HttpOptions::default(),
            &|_| {},
        )
        .expect("a URL");
        assert_eq!(remote.timeout, MAX_WAIT);
        assert!(!data.expect("fetched").is_empty());
    }
    assert!(server.seen.lock().expect("log")[0].ends_with("?seconds=6200000000000000000"));
}

/// A body that trickles one byte per second never timed out with
/// `-timeout=3`; the timeout now bounds the whole transfer.
#[test]
fn issue12_trickling_body_times_out() {
    let base = serve_raw(|mut stream, mut reader| {
        if read_request(&mut reader).is_none() {
            return;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                    Content-Length: 1000\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        for _ in 0..1000 {
            if stream.write_all(b"\0").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let url = format!("{base}/debug/pprof/heap");
    let mut remote = adjust_url(&url, None, Some(1)).expect("a URL");
    remote.header_grace = Duration::from_millis(500);
    let start = std::time::Instant::now();
    let err = fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("timeout");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(1400) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("Get \"{url}\": timeout reading the response body")
    );
}

/// A same-host 302 from a server that keeps the connection open without
/// `Connection: close` and then drops it: the redirect went out on the
/// dropped connection (`connection reset by peer`, 5 times in 40). Each
/// request now has a connection of its own.
#[test]
fn issue12_stale_connection_after_redirect_is_not_reused() {
    let profile = pprof_model::encode(&goroutine_profile());
    let base = serve_raw(move |mut stream, mut reader| {
        let Some(target) = read_request(&mut reader) else {
            return;
        };
        if target == "/stale" {
            let _ = stream
                .write_all(b"HTTP/1.1 302 Found\r\nLocation: /target\r\nContent-Length: 0\r\n\r\n");
            // A request on this kept-alive connection gets no answer: the
            // server drops it, as one closing idle connections would.
            let _ = read_request(&mut reader);
            return;
        }
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
             Content-Length: {}\r\n\r\n",
            profile.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&profile);
    });
    let remote = adjust_url(&format!("{base}/stale"), None, None).expect("a URL");
    let failures = (0..40)
        .filter(|_| fetch_bytes(&remote, &HttpOptions::default(), None).is_err())
        .count();
    assert_eq!(failures, 0);
}

/// A redirect loop said "connection reset"; it now stops after 10
/// redirects with Go's message, naming the last Location.
#[test]
fn issue12_redirect_loop_says_too_many_redirects() {
    let looping = redirect("/loop", "/loop");
    let server = serve(vec![looping], 20);
    let remote = adjust_url(&format!("{}/loop", server.base), None, None).expect("a URL");
    let err = fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("loop");
    assert_eq!(err.to_string(), "Get \"/loop\": stopped after 10 redirects");
    assert_eq!(server.seen.lock().expect("log").len(), 10);
}

/// A redirect to `file:///etc/passwd` was requested as a path on the same
/// server; it is refused as Go refuses it.
#[test]
fn issue12_redirect_to_another_scheme_is_refused() {
    let to_file = redirect("/file", "file:///etc/passwd");
    let server = serve(vec![to_file], 4);
    let remote = adjust_url(&format!("{}/file", server.base), None, None).expect("a URL");
    let err = fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("file");
    assert_eq!(
        err.to_string(),
        "Get \"file:///etc/passwd\": unsupported protocol scheme \"file\""
    );
    assert_eq!(*server.seen.lock().expect("log"), ["/file"]);
}

/// Error bodies were printed raw (64 KiB on one line, carriage returns
/// and escape sequences reaching the terminal). A Go pprof handler's text
/// (`text/plain` with `X-Go-Pprof`) is shown as pprof shows it; any other
/// body as a short quoted excerpt.
#[test]
fn issue12_error_bodies_are_shown_as_pprof_does() {
    let pprof = go_pprof_error(
        "/pprof",
        "500 Internal Server Error",
        "Could not enable CPU profiling: cpu profiling already in use",
    );
    let text = status_route(
        "/text",
        "503 Service Unavailable",
        "text/plain; charset=utf-8",
        [
            &b"line one\x1b[2J\rtwo\nline 2\nline 3\nline 4\n"[..],
            &[b'y'; 70_000],
        ]
        .concat(),
    );
    let html = status_route(
        "/html",
        "500 Internal Server Error",
        "text/html",
        b"<html>\x1b[31mred\x1b[0m\rover\r\n".repeat(5000),
    );
    let server = serve(vec![pprof, text, html], 3);
    let get = |path: &str| {
        let remote = adjust_url(&format!("{}{path}", server.base), None, None).expect("url");
        fetch_bytes(&remote, &HttpOptions::default(), None).expect_err("an error status")
    };
    assert_eq!(
        get("/pprof").to_string(),
        "server response: 500 Internal Server Error - Could not enable CPU profiling: \
         cpu profiling already in use"
    );
    let err = get("/text");
    assert!(matches!(
        &err,
        HttpError::Status {
            code: 503,
            body: ErrorBody::Excerpt {
                truncated: true,
                ..
            },
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "server response: 503 Service Unavailable - \
         \"line one\\x1b[2J\\rtwo\\nline 2\\nline 3\\n\"..."
    );
    let msg = get("/html").to_string();
    assert!(msg.len() < 300, "{msg}");
    assert!(!msg.chars().any(char::is_control), "{msg:?}");
    assert!(msg.starts_with("server response: 500 Internal Server Error - \"<html>\\x1b[31m"));
}

/// `-tls_ca=/dev/zero` read until allocation failed; TLS files are read
/// under the body's limit.
#[test]
fn issue12_tls_ca_from_dev_zero_is_bounded() {
    let remote = adjust_url("https://127.0.0.1:1/x", None, None).expect("url");
    let mut opts = HttpOptions::default();
    opts.tls_ca = Some("/dev/zero".into());
    opts.max_body = 1 << 20;
    let err = fetch_bytes(&remote, &opts, None).expect_err("too large");
    assert_eq!(
        err.to_string(),
        "tls_ca /dev/zero: data exceeds the limit of 1048576 bytes"
    );
}
