//! The same merges and queries on a Ballista cluster: one scheduler and
//! two executors of `pprof-fleet-node` on loopback ports, against the
//! engine of this process.

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use pprof_fleet::{Engine, Selection};
use pprof_model::Profile;

use super::{service_dataset, service_profile, DAY1, HOUR};

/// How long the cluster may take to come up.
const START: Duration = Duration::from_secs(60);

/// A child process, killed when dropped.
struct Node {
    name: String,
    child: Child,
    log: PathBuf,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One scheduler and two executors; every process ends with it (and by
/// itself after 300 s, or when this test process ends).
struct Cluster {
    url: String,
    nodes: Vec<Node>,
    work_dirs: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

fn node_command(dir: &Path, name: &str, args: &[&str]) -> (Command, PathBuf) {
    let log = dir.join(format!("{name}.log"));
    let mut c = Command::new(env!("CARGO_BIN_EXE_pprof-fleet-node"));
    c.args(args)
        .args(["--exit-after", "300", "--exit-with-parent"])
        .stdin(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    (c, log)
}

/// A loopback port that nothing listened on a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    fn start() -> Cluster {
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
    fn logs(&mut self) -> String {
        logs(&mut self.nodes)
    }

    /// How many files the executors keep (shuffle output of the tasks
    /// they ran).
    fn files_written(&self) -> usize {
        fn count(p: &Path) -> usize {
            match std::fs::read_dir(p) {
                Ok(rd) => rd.flatten().map(|e| count(&e.path())).sum(),
                Err(_) => usize::from(p.is_file()),
            }
        }
        self.work_dirs.iter().map(|d| count(d)).sum()
    }
}

fn logs(nodes: &mut [Node]) -> String {
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

fn csv(batches: &[datafusion::arrow::record_batch::RecordBatch]) -> String {
    let mut out = Vec::new();
    pprof_fleet::write_table(batches, pprof_fleet::TableFormat::Csv, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

/// A dataset partitioned by service and date, merged and queried on the
/// cluster and in this process: the same profiles and rows.
#[test]
fn a_ballista_cluster_merges_as_this_process_does() {
    let ps: Vec<(&str, Profile)> = vec![
        ("a", service_profile("checkout", DAY1 + HOUR, 1)),
        ("b", service_profile("cart", DAY1 + 2 * HOUR, 2)),
        ("c", service_profile("checkout", DAY1 + 25 * HOUR, 3)),
        ("d", service_profile("search", DAY1 + 26 * HOUR, 4)),
        ("e", service_profile("checkout", DAY1 + 50 * HOUR, 5)),
    ];
    let data = service_dataset(&ps);
    let dir = data.path();

    let mut cluster = Cluster::start();
    let local = Engine::new().unwrap();
    let remote = Engine::remote(&cluster.url).unwrap_or_else(|e| panic!("{e}{}", cluster.logs()));
    assert_eq!(remote.cluster(), Some(cluster.url.as_str()));
    assert_eq!(local.cluster(), None);

    let want = |which: &[usize]| {
        let refs: Vec<&Profile> = which.iter().map(|&i| &ps[i].1).collect();
        pprof_ops::merge(&refs).unwrap().to_raw_string()
    };
    for (sel, which) in [
        ("", &[0, 1, 2, 3, 4][..]),
        (
            "service=checkout&from=2026-12-01T00:30:00Z&to=2026-12-02T12:00:00Z",
            &[0, 2][..],
        ),
        ("service=cart&service=search", &[1, 3][..]),
    ] {
        let sel_parsed = Selection::parse(sel).unwrap();
        let here = local.load(dir, &sel_parsed).unwrap().to_raw_string();
        let there = remote
            .load(dir, &sel_parsed)
            .unwrap_or_else(|e| panic!("{sel:?} on the cluster: {e}{}", cluster.logs()))
            .to_raw_string();
        assert_eq!(there, here, "{sel:?}");
        assert_eq!(here, want(which), "{sel:?}");
    }
    // The tasks ran on the executors: they wrote their shuffle files.
    assert!(cluster.files_written() > 0, "{}", cluster.logs());

    // Nothing selected is the same error there.
    let none = remote.load(dir, &Selection::parse("service=none").unwrap());
    assert!(
        matches!(none, Err(pprof_fleet::Error::Empty(_))),
        "{:?}",
        none.err()
    );

    // SQL over the dataset with its partition columns.
    let q = "SELECT service, date, leaf, count(*) AS samples, sum(\"cpu/nanoseconds\") AS cpu \
             FROM samples GROUP BY service, date, leaf ORDER BY service, date, cpu DESC, leaf";
    let source = [dir.to_string_lossy().into_owned()];
    local.register(&source).unwrap();
    remote.register(&source).unwrap();
    let here = csv(&local.sql(q).unwrap());
    let there = csv(&remote
        .sql(q)
        .unwrap_or_else(|e| panic!("{e}{}", cluster.logs())));
    assert_eq!(there, here);
    assert_eq!(here.lines().count(), 1 + 5 * 3, "{here}");
    assert!(
        here.contains("search,2026-12-02,runtime.mallocgc,1,120000000\n"),
        "{here}"
    );

    // `.pb.gz` files are read in this process only.
    let pbdir = tempfile::tempdir().unwrap();
    let pb = pbdir.path().join("a.pb.gz");
    std::fs::write(&pb, pprof_model::encode(&ps[0].1)).unwrap();
    let e = remote
        .register(&[pb.to_string_lossy().into_owned()])
        .unwrap_err();
    assert!(
        matches!(&e, pprof_fleet::Error::Invalid(m) if m.contains("pprof-tools export -parquet")),
        "{e}"
    );

    // The process-wide cluster of the CLI's source hook.
    assert!(pprof_fleet::set_cluster(cluster.url.clone()));
    assert!(!pprof_fleet::set_cluster("df://127.0.0.1:1".into()));
    let source = format!("{}?service=checkout&from=2026-12-02", dir.display());
    let hooked = pprof_fleet::source_hook(&source)
        .expect("a dataset source")
        .unwrap_or_else(|e| panic!("{e:?}{}", cluster.logs()));
    assert_eq!(hooked.to_raw_string(), want(&[2, 4]));
}
