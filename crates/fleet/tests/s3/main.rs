//! Datasets in an S3-compatible object store: moto's S3 server on a
//! loopback port holds a copy of a dataset directory; merges, selections
//! and SQL over `s3://BUCKET/PREFIX`, in this process and on a Ballista
//! cluster whose nodes have the same settings, give what they give over
//! the directory.
//!
//! One test in a binary of its own: it sets this process's `AWS_*`
//! variables (the store's settings) before any other thread reads them.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../common/mod.rs"]
mod common;

use common::{csv, five_services, service_dataset, Cluster, Node};
use pprof_fleet::{Engine, Error, Root, Selection};

/// moto's server, stopped when dropped (a [`Node`]).
struct Moto {
    node: Node,
    port: u16,
}

impl Moto {
    /// Starts `moto_server` on a free loopback port; `None` (a skip) when
    /// it is not installed.
    fn start(dir: &Path) -> Option<Moto> {
        let prog = pprof_testkit::client(
            "moto_server",
            "an S3-compatible server holds a dataset (pip install 'moto[server]')",
        )?;
        let port = common::free_port();
        let err_log = dir.join("moto.err");
        let child = Command::new(prog)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&err_log).unwrap())
            .spawn()
            .unwrap();
        let node = Node {
            name: "moto_server".into(),
            child,
            log: err_log.clone(),
        };
        let mut moto = Moto { node, port };
        let deadline = Instant::now() + Duration::from_secs(60);
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        while TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err() {
            if matches!(moto.node.child.try_wait(), Ok(Some(_))) || Instant::now() > deadline {
                let err = std::fs::read_to_string(&err_log).unwrap_or_default();
                panic!("moto_server did not start on port {port}:\n{err}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// `PUT path` with `body` (a bucket or an object); panics unless the
    /// server answers 200.
    fn put(&self, path: &str, body: &[u8]) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        let status = answer.lines().next().unwrap_or_default();
        assert!(status.contains(" 200 "), "PUT {path}: {status}");
    }

    /// Copies every file under `dir` to `s3://BUCKET/PREFIX/...` as
    /// `prefix` (`/BUCKET/PREFIX`) says.
    fn upload(&self, dir: &Path, prefix: &str) -> usize {
        let mut n = 0;
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    stack.push(p);
                } else {
                    let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                    self.put(&format!("{prefix}/{rel}"), &std::fs::read(&p).unwrap());
                    n += 1;
                }
            }
        }
        n
    }
}

#[test]
fn datasets_in_an_s3_compatible_store_read_as_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(moto) = Moto::start(tmp.path()) else {
        return;
    };
    // The settings of the object_store crate's S3 builder; the cluster's
    // nodes, started below, inherit them.
    for (k, v) in [
        ("AWS_ENDPOINT", format!("http://127.0.0.1:{}", moto.port)),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_ACCESS_KEY_ID", "pprof-fleet-test".into()),
        ("AWS_SECRET_ACCESS_KEY", "pprof-fleet-test".into()),
        ("AWS_REGION", "us-east-1".into()),
    ] {
        std::env::set_var(k, v);
    }

    let ps = five_services();
    let data = service_dataset(&ps);
    let dir = data.path();
    moto.put("/fleet", b"");
    let files = moto.upload(dir, "/fleet/team/ds");
    assert!(files >= 10, "{files} files");

    let url = "s3://fleet/team/ds";
    let root = Root::url(url).unwrap();
    let local = Engine::new().unwrap();
    let sels = [
        "",
        "service=checkout&from=2026-12-01T00:30:00Z&to=2026-12-02T12:00:00Z",
        "service=cart&service=search",
        "service=search",
    ];
    for sel in sels {
        let s = Selection::parse(sel).unwrap();
        let want = local.load(dir, &s).unwrap().to_raw_string();
        let got = local
            .load(root.clone(), &s)
            .unwrap_or_else(|e| panic!("{url}?{sel}: {e}"))
            .to_raw_string();
        assert_eq!(got, want, "{sel:?}");
        // What was read came from the bucket.
        let (bytes, read) = local.bytes_read();
        assert!(
            bytes > 0 && read > 0,
            "{sel:?}: {bytes} bytes from {read} files"
        );
    }

    // A source with selectors, as the CLI's hook reads it.
    let hooked = pprof_fleet::source_hook(&format!("{url}?service=checkout&from=2026-12-02"))
        .expect("an s3:// source is a dataset")
        .unwrap();
    let refs = [&ps[2].1, &ps[4].1];
    assert_eq!(
        hooked.to_raw_string(),
        pprof_ops::merge(&refs).unwrap().to_raw_string()
    );

    // SQL, with the partition columns.
    let q = "SELECT service, date, count(*) AS samples, sum(\"cpu/nanoseconds\") AS cpu \
             FROM samples GROUP BY service, date ORDER BY service, date";
    local
        .register(&[dir.to_string_lossy().into_owned()])
        .unwrap();
    let want = csv(&local.sql(q).unwrap());
    local.register(&[url.to_string()]).unwrap();
    let got = csv(&local.sql(q).unwrap());
    assert_eq!(got, want);
    assert_eq!(got.lines().count(), 1 + 5, "{got}");

    // A prefix without a dataset, and a bucket that does not exist: one
    // line naming the url.
    let e = local
        .load(Root::url("s3://fleet/none").unwrap(), &Selection::default())
        .unwrap_err();
    assert!(
        matches!(&e, Error::Invalid(m) if m.starts_with("s3://fleet/none: not a dataset")),
        "{e}"
    );
    let e = local
        .load(
            Root::url("s3://no-such-bucket/ds").unwrap(),
            &Selection::default(),
        )
        .unwrap_err();
    let m = e.to_string();
    assert!(matches!(e, Error::Store(_)), "{m}");
    assert_eq!(
        m,
        "listing s3://no-such-bucket/ds/samples/: NoSuchBucket: The specified bucket does not exist"
    );

    // The same on a cluster: the nodes read the bucket themselves.
    let mut cluster = Cluster::start();
    let remote = Engine::remote(&cluster.url).unwrap_or_else(|e| panic!("{e}{}", cluster.logs()));
    for sel in sels {
        let s = Selection::parse(sel).unwrap();
        let want = local.load(dir, &s).unwrap().to_raw_string();
        let got = remote
            .load(root.clone(), &s)
            .unwrap_or_else(|e| panic!("{url}?{sel} on the cluster: {e}{}", cluster.logs()))
            .to_raw_string();
        assert_eq!(got, want, "{sel:?}");
    }
    assert!(cluster.files_written() > 0, "{}", cluster.logs());
    remote.register(&[url.to_string()]).unwrap();
    let there = csv(&remote
        .sql(q)
        .unwrap_or_else(|e| panic!("{e}{}", cluster.logs())));
    assert_eq!(there, want);
}
