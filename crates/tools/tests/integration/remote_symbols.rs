//! `-symbolize=remote`: a fetched profile without function names is named
//! by its server's `/debug/pprof/symbol` service (GET `num_symbols`, POST
//! `0xADDR+0xADDR`), against an in-process server and a live Go
//! `net/http/pprof` service.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use crate::fixtures::*;

/// A gperftools-style profile of two addresses without symbols, in a
/// mapping of `server-bin`.
fn unsymbolized() -> pprof_model::Profile {
    let mut b = pprof_model::build::ProfileBuilder::new(&[("samples", "count")]);
    let bin = b.mapping("/opt/server-bin", 0x400000, 0x500000);
    b.profile_mut().mappings[bin.0 as usize].has_functions = false;
    let (x, y) = (
        b.location(Some(bin), 0x401000, &[]),
        b.location(Some(bin), 0x401234, &[]),
    );
    b.sample(&[x, y], &[3]).sample(&[y], &[2]);
    b.build()
}

/// One request read from a connection: method, path and body.
fn read_request(conn: &mut std::net::TcpStream) -> (String, String, String) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break data.len(),
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut first = head.lines().next().unwrap_or("").split_whitespace();
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while data.len() < head_end + length {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
    let body = String::from_utf8_lossy(&data[head_end..]).into_owned();
    (method, path, body)
}

#[test]
fn in_process_symbol_server() {
    use std::io::Write;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<(String, String, String)>>> = Arc::default();
    let log = seen.clone();
    let profile = pprof_model::encode(&unsymbolized());
    let handle = std::thread::spawn(move || {
        for _ in 0..3 {
            let Ok((mut conn, _)) = listener.accept() else {
                return;
            };
            let (method, path, body) = read_request(&mut conn);
            log.lock()
                .unwrap()
                .push((method.clone(), path.clone(), body));
            let answer: Vec<u8> = match (method.as_str(), path.as_str()) {
                (_, p) if p.starts_with("/debug/pprof/profile") => profile.clone(),
                ("GET", "/debug/pprof/symbol") => b"num_symbols: 2\n".to_vec(),
                ("POST", "/debug/pprof/symbol") => {
                    b"0x401000 server::handle\n0x401234 server::work\n".to_vec()
                }
                _ => b"?".to_vec(),
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                answer.len()
            );
            let _ = conn.write_all(head.as_bytes());
            let _ = conn.write_all(&answer);
        }
    });
    let d = TempDir::new("remote-sym");
    let o = bin()
        .env("PPROF_TMPDIR", d.path("saved"))
        .env("HOME", d.path("home"))
        .args([
            "-top",
            "-symbolize=remote",
            &format!("{url}/debug/pprof/profile?seconds=1"),
        ])
        .output()
        .unwrap();
    let _ = handle.join();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("server::work"), "{out}");
    assert!(out.contains("server::handle"), "{out}");
    let seen = seen.lock().unwrap();
    assert_eq!(seen[1].0, "GET");
    assert_eq!(seen[1].1, "/debug/pprof/symbol");
    assert_eq!(seen[2].0, "POST");
    assert_eq!(seen[2].2, "0x401000+0x401234");
}

/// A live Go service: its heap profile in the legacy text format has no
/// function names and no mappings, so pprof asks the service itself.
#[test]
fn live_go_service() {
    let Some(go) =
        pprof_testkit::client("go", "a Go net/http/pprof service answers symbol requests")
    else {
        return;
    };
    let d = TempDir::new("remote-go");
    let dir = d.path("svc");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("main.go"),
        r#"package main

import (
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"time"
)

var keep [][]byte

//go:noinline
func allocateForever() {
	for i := 0; i < 2000; i++ {
		keep = append(keep, make([]byte, 4096))
	}
}

func main() {
	runtime.MemProfileRate = 1
	allocateForever()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().String())
	go func() { time.Sleep(60 * time.Second); os.Exit(0) }()
	http.Serve(ln, nil)
}
"#,
    )
    .unwrap();
    std::fs::write(dir.join("go.mod"), "module svc\n\ngo 1.19\n").unwrap();
    let build = Command::new(&go)
        .args(["build", "-o", "svc", "."])
        .current_dir(&dir)
        .env("GOFLAGS", "-mod=mod")
        .env("HOME", d.path("home"))
        .env("GOCACHE", d.path("gocache"))
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let mut child = Command::new(dir.join("svc"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut addr = String::new();
    {
        use std::io::BufRead;
        let mut r = std::io::BufReader::new(child.stdout.as_mut().unwrap());
        r.read_line(&mut addr).unwrap();
    }
    let url = format!("http://{}/debug/pprof/heap?debug=1", addr.trim());
    let o = bin()
        .env("PPROF_TMPDIR", d.path("saved"))
        .env("HOME", d.path("home"))
        .args([
            "-top",
            "-sample_index=alloc_space",
            "-symbolize=remote",
            &url,
        ])
        .output()
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("main.allocateForever"),
        "{out}\n{}",
        stderr(&o)
    );
    // And without the server's help the addresses stay bare.
    let saved: Vec<_> = std::fs::read_dir(d.path("saved")).unwrap().collect();
    assert_eq!(saved.len(), 1);
}
