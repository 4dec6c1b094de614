//! A node of an Apache Ballista cluster for pprof-fleet: a scheduler or an
//! executor, run from Ballista's libraries (what Ballista's own
//! `ballista-scheduler` and `ballista-executor` binaries do, without
//! installing them).
//!
//! ```text
//! pprof-fleet-node scheduler [--bind HOST:PORT] [LIFETIME]
//! pprof-fleet-node executor [--scheduler HOST:PORT] [--bind HOST] [--port P]
//!                           [--flight-port P] [--work-dir DIR] [--concurrency N] [LIFETIME]
//! LIFETIME: [--exit-after SECONDS] [--exit-with-parent]
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use ballista_core::utils::default_session_builder;
use ballista_core::RuntimeProducer;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use ballista_scheduler::scheduler_server::SessionBuilder;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};
use pprof_fleet::progress::ReadCounter;
use pprof_fleet::store::Stores;

const USAGE: &str = "\
usage: pprof-fleet-node scheduler [--bind HOST:PORT] [LIFETIME]
       pprof-fleet-node executor [--scheduler HOST:PORT] [--bind HOST] [--port P]
                                 [--flight-port P] [--work-dir DIR] [--concurrency N] [LIFETIME]

Runs a node of an Apache Ballista cluster for `pprof-tools --ballista=df://HOST:PORT`.

scheduler:
  --bind HOST:PORT      where the scheduler listens (default 127.0.0.1:50050;
                        port 0 picks a free one); prints `listening on HOST:PORT`
executor:
  --scheduler HOST:PORT the scheduler (default 127.0.0.1:50050)
  --bind HOST           where the executor listens and what it tells the
                        scheduler (default 127.0.0.1)
  --port P              the executor's gRPC port (default 50052)
  --flight-port P       the port it serves results on, Arrow Flight (default 50051)
  --work-dir DIR        where it keeps shuffle files (default: a temporary directory)
  --concurrency N       tasks at once (default: the number of cores)
LIFETIME:
  --exit-after SECONDS  exit after this long (default: run until stopped)
  --exit-with-parent    exit when the process that started this one ends
";

/// What the command line asks for.
enum Node {
    Scheduler {
        bind: String,
    },
    Executor {
        scheduler: String,
        bind: String,
        port: u16,
        flight_port: u16,
        work_dir: Option<String>,
        concurrency: usize,
    },
}

struct Lifetime {
    exit_after: Option<Duration>,
    with_parent: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let (node, life) = match parse(&args) {
        Ok(x) => x,
        Err(msg) => {
            eprintln!("pprof-fleet-node: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    watch(&life);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Deep plans recurse deeply when they are (de)serialized.
        .thread_stack_size(32 << 20)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("pprof-fleet-node: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let r = match node {
        Node::Scheduler { bind } => rt.block_on(scheduler(&bind)),
        Node::Executor {
            scheduler,
            bind,
            port,
            flight_port,
            work_dir,
            concurrency,
        } => rt.block_on(executor(
            &scheduler,
            bind,
            port,
            flight_port,
            work_dir,
            concurrency,
        )),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("pprof-fleet-node: {msg}");
            ExitCode::FAILURE
        }
    }
}

fn parse(args: &[String]) -> Result<(Node, Lifetime), String> {
    let Some((kind, rest)) = args.split_first() else {
        return Err("want `scheduler` or `executor`".into());
    };
    let mut life = Lifetime {
        exit_after: None,
        with_parent: false,
    };
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        if a == "--exit-with-parent" {
            life.with_parent = true;
            continue;
        }
        let Some(name) = a.strip_prefix("--") else {
            return Err(format!("unexpected argument {a:?}"));
        };
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => {
                let v = it.next().ok_or_else(|| format!("--{name} wants a value"))?;
                (name.to_string(), v.clone())
            }
        };
        if name == "exit-after" {
            let s: u64 = value
                .parse()
                .map_err(|_| format!("--exit-after {value:?}: want seconds"))?;
            life.exit_after = Some(Duration::from_secs(s));
        } else {
            flags.push((name, value));
        }
    }
    let mut take = |name: &str| -> Option<String> {
        let i = flags.iter().position(|(n, _)| n == name)?;
        Some(flags.remove(i).1)
    };
    let port = |name: &str, v: Option<String>, default: u16| -> Result<u16, String> {
        match v {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("--{name} {v:?}: want a port number")),
        }
    };
    let node = match kind.as_str() {
        "scheduler" => Node::Scheduler {
            bind: take("bind").unwrap_or_else(|| "127.0.0.1:50050".into()),
        },
        "executor" => {
            let concurrency = match take("concurrency") {
                None => 0,
                Some(v) => v
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--concurrency {v:?}: want a positive number"))?,
            };
            Node::Executor {
                scheduler: take("scheduler").unwrap_or_else(|| "127.0.0.1:50050".into()),
                bind: take("bind").unwrap_or_else(|| "127.0.0.1".into()),
                port: port("port", take("port"), 50052)?,
                flight_port: port("flight-port", take("flight-port"), 50051)?,
                work_dir: take("work-dir"),
                concurrency,
            }
        }
        other => {
            return Err(format!(
                "unknown node {other:?}: want `scheduler` or `executor`"
            ))
        }
    };
    if let Some((name, _)) = flags.first() {
        return Err(format!("unknown flag --{name} for {kind}"));
    }
    Ok((node, life))
}

/// Ends the process when its lifetime is over.
fn watch(life: &Lifetime) {
    if let Some(d) = life.exit_after {
        std::thread::spawn(move || {
            std::thread::sleep(d);
            eprintln!(
                "pprof-fleet-node: exiting after {} s (--exit-after)",
                d.as_secs()
            );
            std::process::exit(0);
        });
    }
    if life.with_parent {
        watch_parent();
    }
}

/// Ends the process when its parent ends.
#[cfg(unix)]
fn watch_parent() {
    let parent = std::os::unix::process::parent_id();
    std::thread::spawn(move || loop {
        // An orphan is adopted by init (or a subreaper): the parent id
        // changes.
        if std::os::unix::process::parent_id() != parent {
            std::process::exit(0);
        }
        std::thread::sleep(Duration::from_millis(500));
    });
}

/// Without Unix's parent ids: `--exit-after` bounds the process.
#[cfg(not(unix))]
fn watch_parent() {}

async fn scheduler(bind: &str) -> Result<(), String> {
    let addr: SocketAddr = bind
        .parse()
        .map_err(|_| format!("--bind {bind:?}: want HOST:PORT, e.g. 127.0.0.1:50050"))?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("listening on {addr}: {e}"))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("listening on {addr}: {e}"))?;
    // Executors call the scheduler back at this address.
    // Sessions read datasets through pprof-fleet's stores (s3:// too).
    let sessions: SessionBuilder = Arc::new(|config| {
        let state = default_session_builder(config)?;
        let env = Stores::runtime_env(Arc::new(ReadCounter::default()), None)?;
        Ok(SessionStateBuilder::new_from_existing(state)
            .with_runtime_env(env)
            .build())
    });
    let config = SchedulerConfig::default()
        .with_hostname(addr.ip().to_string())
        .with_port(addr.port())
        .with_override_session_builder(sessions);
    config.validate().map_err(|e| e.to_string())?;
    let config = Arc::new(config);
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| e.to_string())?;
    let server = create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(cluster, config)
        .await
        .map_err(|e| e.to_string())?;
    println!("pprof-fleet-node: scheduler listening on {addr}");
    start_grpc_service_with_listener(listener, server)
        .await
        .map_err(|e| e.to_string())
}

async fn executor(
    scheduler: &str,
    bind: String,
    port: u16,
    flight_port: u16,
    work_dir: Option<String>,
    concurrency: usize,
) -> Result<(), String> {
    let (host, sport) = scheduler
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h.to_string(), p.parse::<u16>().ok()?)))
        .filter(|(h, _)| !h.is_empty())
        .ok_or_else(|| {
            format!("--scheduler {scheduler:?}: want HOST:PORT, e.g. 127.0.0.1:50050")
        })?;
    if let Some(dir) = &work_dir {
        std::fs::create_dir_all(dir).map_err(|e| format!("--work-dir {dir}: {e}"))?;
    }
    // Tasks read datasets through pprof-fleet's stores (s3:// too), and
    // spill into the work directory.
    let spill = work_dir.clone();
    let runtimes: RuntimeProducer =
        Arc::new(move |_| Stores::runtime_env(Arc::new(ReadCounter::default()), spill.as_deref()));
    let config = ExecutorProcessConfig {
        external_host: Some(bind.clone()),
        bind_host: bind,
        port: flight_port,
        grpc_port: port,
        scheduler_host: host,
        scheduler_port: sport,
        // Waits for a scheduler that is still starting.
        scheduler_connect_timeout_seconds: 30,
        vcores: concurrency,
        work_dir,
        override_runtime_producer: Some(runtimes),
        ..ExecutorProcessConfig::default()
    };
    println!(
        "pprof-fleet-node: executor on {}:{} (flight {}), scheduler {scheduler}",
        config.bind_host, config.grpc_port, config.port
    );
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| e.to_string())
}
