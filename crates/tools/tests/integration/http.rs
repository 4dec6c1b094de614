//! URL sources: fetched over HTTP from a one-shot server on 127.0.0.1,
//! reported like a file, and saved in $PPROF_TMPDIR as pprof does.

use std::io::{Read, Write};
use std::net::TcpListener;

use crate::fixtures::*;

/// Serves `body` with `status` to one request; returns the base URL.
fn serve_once(status: &'static str, body: Vec<u8>) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let handle = std::thread::spawn(move || {
        if let Ok((mut conn, _)) = listener.accept() {
            let mut buf = [0u8; 4096];
            let mut req = Vec::new();
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match conn.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    (url, handle)
}

#[test]
fn url_source_reads_like_a_file_and_is_saved() {
    let d = TempDir::new("http");
    let p = cpu_profile(1);
    let f = d.write_profile("a.pb.gz", &p);
    let (url, server) = serve_once("200 OK", pprof_model::encode(&p));
    let saved_dir = d.path("saved");
    let o = bin()
        .env("PPROF_TMPDIR", &saved_dir)
        .args(["-top", &format!("{url}/debug/pprof/profile")])
        .output()
        .unwrap();
    let _ = server.join();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(stdout(&o), stdout(&run(&["-top", &f])));
    let err = stderr(&o);
    assert!(err.contains("Fetching profile over HTTP from"), "{err}");
    assert!(err.contains("Saved profile in"), "{err}");
    let saved: Vec<_> = std::fs::read_dir(&saved_dir).unwrap().collect();
    assert_eq!(saved.len(), 1, "{err}");
}

#[test]
fn http_error_status_is_one_line_naming_the_url() {
    let (url, server) = serve_once("404 Not Found", b"no such profile".to_vec());
    let source = format!("{url}/debug/pprof/nothing");
    let o = run(&["-top", &source]);
    let _ = server.join();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let last = stderr(&o).lines().last().unwrap_or("").to_string();
    assert!(last.contains(&source) && last.contains("404"), "{last}");
}
