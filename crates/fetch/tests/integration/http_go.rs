//! Fetching from a real Go service with net/http/pprof, when `go` is on
//! PATH (otherwise the test says why it did nothing and passes; under
//! `.ci/run` a missing `go` fails it: pprof-testkit).
#![cfg(feature = "http")]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use pprof_fetch::http::{adjust_url, fetch_bytes, HttpError, HttpOptions, Progress};
use pprof_fetch::{parse_data, FetchOptions};

/// A service that leaks goroutines blocked on a channel send.
const LEAKY_SERVICE: &str = r#"package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"time"
)

func leak(out chan int) {
	out <- 0
}

func main() {
	for i := 0; i < 25; i++ {
		go leak(make(chan int))
	}
	// Let every worker reach its send before anyone looks.
	time.Sleep(300 * time.Millisecond)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(ln.Addr().String())
	http.Serve(ln, nil)
}
"#;

struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Builds and starts the service; returns it and its `host:port`.
fn start(go: &std::path::Path, dir: &std::path::Path) -> (Service, String) {
    std::fs::write(dir.join("main.go"), LEAKY_SERVICE).expect("write main.go");
    std::fs::write(dir.join("go.mod"), "module leakyservice\n\ngo 1.19\n").expect("write go.mod");
    let built = Command::new(go)
        .args(["build", "-o", "leakyservice", "."])
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .status()
        .expect("go build");
    assert!(built.success(), "go build failed");
    let mut child = Command::new(dir.join("leakyservice"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("start service");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read address");
    (Service(child), line.trim().to_string())
}

#[test]
fn fetches_from_net_http_pprof() {
    let Some(go) = pprof_testkit::client("go", "fetching from a real net/http/pprof service")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let (_service, addr) = start(&go, dir.path());
    let opts = HttpOptions::default();

    // The goroutine profile, as profile.proto.
    let remote = adjust_url(&format!("{addr}/debug/pprof/goroutine"), None, None).expect("url");
    assert_eq!(remote.url, format!("http://{addr}/debug/pprof/goroutine"));
    let data = fetch_bytes(&remote, &opts, None).expect("goroutine profile");
    let p = parse_data(&data, &FetchOptions::default()).expect("parse");
    assert_eq!(p.str(p.sample_types[0].r#type), "goroutine");
    let leaked: i64 = p
        .samples
        .iter()
        .filter(|s| {
            s.locations.iter().any(|&l| {
                p.locations[l.index()]
                    .lines
                    .iter()
                    .any(|line| p.str(p.functions[line.function.index()].name) == "main.leak")
            })
        })
        .map(|s| s.values[0])
        .sum();
    assert_eq!(leaked, 25);

    // The text endpoint.
    let remote =
        adjust_url(&format!("{addr}/debug/pprof/goroutine?debug=1"), None, None).expect("url");
    let text = fetch_bytes(&remote, &opts, None).expect("debug=1");
    let text = String::from_utf8_lossy(&text);
    assert!(text.starts_with("goroutine profile: total "), "{text}");
    assert!(text.contains("main.leak"));

    // An unknown profile: Go's error text comes back.
    let remote = adjust_url(&format!("{addr}/debug/pprof/nosuch"), None, None).expect("url");
    let err = fetch_bytes(&remote, &opts, None).expect_err("404");
    assert!(matches!(err, HttpError::Status { code: 404, .. }));
    assert_eq!(
        err.to_string(),
        "server response: 404 Not Found - Unknown profile"
    );

    // A one-second CPU profile, with progress.
    let remote = adjust_url(&addr, Some(1), None).expect("url");
    assert_eq!(
        remote.url,
        format!("http://{addr}/debug/pprof/profile?seconds=1")
    );
    let ticks = std::sync::Mutex::new(0u32);
    let tick = |_: Progress| *ticks.lock().expect("ticks") += 1;
    let data = fetch_bytes(&remote, &opts, Some(&tick)).expect("cpu profile");
    let p = parse_data(&data, &FetchOptions::default()).expect("parse cpu");
    assert_eq!(p.str(p.period_type.r#type), "cpu");
    assert!(p.duration_nanos >= Duration::from_millis(900).as_nanos() as i64);
}
