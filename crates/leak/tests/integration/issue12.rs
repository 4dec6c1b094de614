//! Regression tests for issue 12, item 7 (the leak command's findings):
//! long series, int64-extreme values, and (item 5) live mode's requests
//! bounded by `-timeout`. (Standard input and `-every` are tested through
//! the binary, in pprof-tools' CLI tests.)

use pprof_leak::{analyze, render, Options};
use pprof_model::{Profile, ValueType};

use crate::synthetic::goroutine_profile;

const MIN: i64 = 60_000_000_000;

fn as_heap(mut p: Profile) -> Profile {
    let ty = p.intern("inuse_space");
    let unit = p.intern("bytes");
    p.sample_types = vec![ValueType { r#type: ty, unit }];
    p
}

#[test]
fn issue12_leak_count_series_of_1000_snapshots_are_abbreviated() {
    let snaps: Vec<Profile> = (0..1000)
        .map(|i| {
            goroutine_profile(
                1 + i * MIN,
                &[(&["runtime.gopark", "main.leak"], 10 + i, &[])],
            )
        })
        .collect();
    let report = analyze(&snaps, &Options::default()).unwrap();
    let text = render::text(&report, &Default::default());
    for line in text.lines() {
        assert!(line.chars().count() < 200, "long line: {line}");
    }
    assert!(
        text.contains(
            "Total goroutines: 10 → 11 → 12 → 13 → … → 1006 → 1007 → 1008 → 1009 (1000 snapshots)"
        ),
        "{text}"
    );
    assert!(
        text.contains("#1 main.leak  10 → 11 → 12 → 13 → … → 1006"),
        "{text}"
    );
    // JSON keeps every count.
    let v: serde_json::Value = serde_json::from_str(&render::json(&report)).unwrap();
    assert_eq!(
        v["goroutines"]["stacks"][0]["counts"]
            .as_array()
            .unwrap()
            .len(),
        1000
    );
    let html = render::html(&report, &Default::default());
    assert!(!html.contains("→ 500 →"));
}

#[test]
fn issue12_leak_int64_extreme_values_saturate() {
    let big = i64::MAX;
    let g = |t: i64, v: i64| {
        goroutine_profile(
            t,
            &[
                (&["runtime.gopark", "main.a"], v, &[]),
                (&["runtime.gopark", "main.b"], v, &[]),
                (&["runtime.gopark", "main.c"], i64::MIN, &[]),
            ],
        )
    };
    let snaps = vec![g(1, 1), g(1 + MIN, big), g(1 + 2 * MIN, big)];
    let mut heaps: Vec<Profile> = snaps.iter().cloned().map(as_heap).collect();
    let mut all = snaps.clone();
    all.append(&mut heaps);
    let mut opts = Options::default();
    opts.stack_bytes = big;
    let report = analyze(&all, &opts).unwrap();
    for t in report.trends() {
        for s in &t.snapshots {
            assert!(s.total >= 0, "{:?}", t.snapshots);
        }
        assert_eq!(t.snapshots.last().unwrap().total, big);
        for s in &t.stacks {
            assert!(s.counts.iter().all(|&c| c >= 0), "{s:?}");
            assert!(s.increase >= 0);
            assert!(s.stack_bytes >= 0);
            assert!(s.heap_bytes.unwrap_or(0) >= 0);
        }
    }
    let text = render::text(&report, &Default::default());
    assert!(!text.contains("TiB"), "{text}");
    assert!(text.contains("8EiB"), "{text}");
    assert!(!text.contains(": -") && !text.contains("→ -"), "{text}");
    let _ = render::json(&report);
    let _ = render::html(&report, &Default::default());
}

/// Live mode fetched a body trickling one byte a second for ever (issue 12,
/// item 5, "also in leak live mode"); `-timeout` now bounds the whole
/// transfer of each request.
#[test]
fn issue12_leak_live_timeout_bounds_a_trickling_body() {
    use std::io::{BufRead, BufReader, Write};
    use std::time::{Duration, Instant};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\
                      Content-Length: 100000\r\n\r\n",
                );
                while stream.write_all(b"x").is_ok() {
                    std::thread::sleep(Duration::from_millis(200));
                }
            });
        }
    });
    // What `pprof-tools leak -timeout=1 ADDR` asks for (the command line
    // itself is pprof-driver's, tested there).
    let mut args = pprof_leak::LeakOptions::default();
    args.sources = vec![addr.to_string()];
    args.live.timeout = Some(1);
    assert!(args.is_live());
    let start = Instant::now();
    let err = pprof_leak::run(&args, &mut |_| {}).expect_err("a timeout");
    let took = start.elapsed();
    // One second for the transfer, and the few seconds pprof's client
    // gives a server to start answering.
    assert!(took < Duration::from_secs(15), "{took:?}");
    assert_eq!(
        err.to_string(),
        format!("http://{addr}/debug/pprof/goroutineleak: Get \"http://{addr}/debug/pprof/goroutineleak\": timeout reading the response body")
    );
}
