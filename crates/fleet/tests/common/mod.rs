//! Helpers of the test binaries: profiles of services, datasets of them,
//! and a Ballista cluster of `pprof-fleet-node` processes on loopback.
// Each test binary uses some of them.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pprof_fleet::dataset::{DatasetWriter, PartitionKey};
use pprof_model::build::ProfileBuilder;
use pprof_model::Profile;

/// A profile of one service: `n` samples over a few stacks with labels.
pub fn service_profile(service: &str, time_nanos: i64, scale: i64) -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let m = b.mapping("/srv/bin/app", 0x400000, 0x800000);
    let f: Vec<_> = [
        "main.main",
        "main.handle",
        "runtime.mallocgc",
        "main.encode",
    ]
    .iter()
    .enumerate()
    .map(|(i, n)| b.function(n, "app/main.go", 10 * i as i64))
    .collect();
    let l: Vec<_> = f
        .iter()
        .enumerate()
        .map(|(i, &f)| b.location(Some(m), 0x401000 + 0x10 * i as u64, &[(f, 12 + i as i64)]))
        .collect();
    let svc = [("service", service)];
    b.labelled_sample(&[l[2], l[1], l[0]], &[3 * scale, 30_000_000 * scale], &svc);
    b.labelled_sample(&[l[3], l[1], l[0]], &[2 * scale, 20_000_000 * scale], &svc)
        .num_label("bytes", 512, "bytes");
    b.labelled_sample(&[l[0]], &[1, 10_000_000], &svc);
    let mut p = b.build();
    p.time_nanos = time_nanos;
    p.duration_nanos = 1_000_000_000;
    p
}

/// Five profiles named a..e of three services over three days (2026-12-01
/// 01:00 to 2026-12-03 02:00), scaled 1..5: checkout a, c, e; cart b;
/// search d.
pub fn five_services() -> Vec<(&'static str, Profile)> {
    vec![
        ("a", service_profile("checkout", DAY1 + HOUR, 1)),
        ("b", service_profile("cart", DAY1 + 2 * HOUR, 2)),
        ("c", service_profile("checkout", DAY1 + 25 * HOUR, 3)),
        ("d", service_profile("search", DAY1 + 26 * HOUR, 4)),
        ("e", service_profile("checkout", DAY1 + 50 * HOUR, 5)),
    ]
}

/// A dataset of the named profiles `ps`, partitioned by service and date.
pub fn service_dataset(ps: &[(&str, Profile)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let keys = PartitionKey::parse_list("service,date").unwrap();
    let mut w = DatasetWriter::create(dir.path(), keys).unwrap();
    for (n, p) in ps {
        w.add(n, p).unwrap();
    }
    dir
}

pub const DAY1: i64 = 1_796_083_200_000_000_000; // 2026-12-01T00:00:00Z
pub const HOUR: i64 = 3_600_000_000_000;

/// How long the cluster may take to come up.
const START: Duration = Duration::from_secs(60);

/// A child process, killed when dropped.
pub struct Node {
    pub name: String,
    pub child: Child,
    pub log: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One scheduler and two executors; every process ends with it (and by
/// itself after 300 s, or when this test process ends).
pub struct Cluster {
    pub url: String,
    nodes: Vec<Node>,
    work_dirs: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

pub fn node_command(dir: &Path, name: &str, args: &[&str]) -> (Command, PathBuf) {
    let log = dir.join(format!("{name}.log"));
    let mut c = Command::new(env!("CARGO_BIN_EXE_pprof-fleet-node"));
    c.args(args)
        .args(["--exit-after", "300", "--exit-with-parent"])
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    (c, log)
}

/// A loopback port that nothing listened on a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    pub fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let deadline = Instant::now() + START;

        // The scheduler picks its port and prints it.
        let (mut c, log) = node_command(
            dir.path(),
            "scheduler",
            &["scheduler", "--bind", "127.0.0.1:0"],
        );
        let mut child = c.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut nodes = vec![Node {
            name: "scheduler".into(),
            child,
            log,
        }];
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            // Keep reading, so that the scheduler never writes to a closed
            // pipe.
            for _ in lines {}
        });
        let first = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                panic!(
                    "the scheduler did not start within {} s{}",
                    START.as_secs(),
                    logs(&mut nodes)
                )
            });
        let addr = first
            .strip_prefix("pprof-fleet-node: scheduler listening on ")
            .unwrap_or_else(|| panic!("the scheduler said {first:?}"))
            .to_string();

        let mut work_dirs = Vec::new();
        let mut ports = Vec::new();
        for i in 0..2 {
            let name = format!("executor{i}");
            let (port, flight) = (free_port(), free_port());
            let work = dir.path().join(&name);
            let (p, f) = (port.to_string(), flight.to_string());
            let (mut c, log) = node_command(
                dir.path(),
                &name,
                &[
                    "executor",
                    "--scheduler",
                    &addr,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    &p,
                    "--flight-port",
                    &f,
                    "--work-dir",
                    work.to_str().unwrap(),
                    "--concurrency",
                    "2",
                ],
            );
            let child = c.stdout(Stdio::null()).spawn().unwrap();
            nodes.push(Node { name, child, log });
            work_dirs.push(work);
            ports.extend([port, flight]);
        }
        // Up when both executors serve both their ports.
        for port in ports {
            let a = SocketAddr::from(([127, 0, 0, 1], port));
            while TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_err() {
                if nodes
                    .iter_mut()
                    .any(|n| matches!(n.child.try_wait(), Ok(Some(_))))
                {
                    panic!("a node exited{}", logs(&mut nodes));
                }
                if Instant::now() > deadline {
                    panic!(
                        "the executors did not listen within {} s{}",
                        START.as_secs(),
                        logs(&mut nodes)
                    );
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        Cluster {
            url: format!("df://{addr}"),
            nodes,
            work_dirs,
            _dir: dir,
        }
    }

    /// Every node's log, to show with a failure.
    pub fn logs(&mut self) -> String {
        logs(&mut self.nodes)
    }

    /// How many files the executors keep (shuffle output of the tasks
    /// they ran).
    pub fn files_written(&self) -> usize {
        fn count(p: &Path) -> usize {
            match std::fs::read_dir(p) {
                Ok(rd) => rd.flatten().map(|e| count(&e.path())).sum(),
                Err(_) => usize::from(p.is_file()),
            }
        }
        self.work_dirs.iter().map(|d| count(d)).sum()
    }
}

pub fn logs(nodes: &mut [Node]) -> String {
    let mut out = String::new();
    for n in nodes {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(&n.log) {
            let _ = f.read_to_string(&mut text);
        }
        let status = match n.child.try_wait() {
            Ok(Some(s)) => s.to_string(),
            _ => "running".into(),
        };
        out.push_str(&format!("\n--- {} ({status}):\n{text}", n.name));
    }
    out
}

pub fn csv(batches: &[datafusion::arrow::record_batch::RecordBatch]) -> String {
    let mut out = Vec::new();
    pprof_fleet::write_table(batches, pprof_fleet::TableFormat::Csv, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}
