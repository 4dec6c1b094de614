//! Leak analysis with the libraries alone: snapshot files (or `-`), or one
//! running Go service.
//!
//! ```sh
//! cargo run -p pprof-examples --example leak -- goroutineleak.pb.gz goroutine.*.pb.gz
//! cargo run -p pprof-examples --example leak -- localhost:6060
//! ```
//!
//! A service is asked for its goroutine leak profile (Go 1.27: leaks
//! proven by the runtime, one snapshot); one that does not serve it gets
//! three goroutine snapshots two seconds apart (leaks suspected from
//! growth). Prints each finding with what it rests on, then exits 3 when
//! there is one, like `pprof-tools leak`.

use std::time::Duration;

use pprof_leak::live::{self, LiveOptions, Service};
use pprof_leak::{analyze_snapshots, load, Options, SourcePath};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sources: Vec<String> = std::env::args().skip(1).collect();
    let snapshots = match sources.as_slice() {
        [] => return Err("usage: leak SNAPSHOT... | URL".into()),
        [one] if Service::parse(one).is_some() => {
            let mut opts = LiveOptions::default();
            opts.save = false;
            opts.count = Some(3);
            opts.every = Some(Duration::from_secs(2));
            // With a count, a service with a leak profile gives both proof
            // and growth; progress goes to stderr.
            live::collect(one, &opts, &mut |event| eprintln!("{event}"))?
        }
        files => load::load_all(files)?,
    };
    // Creators of proto goroutines are looked up in the sources under the
    // current directory.
    let sources = SourcePath::new(".");
    let mut reader = |file: &str| sources.read(file);
    let report = analyze_snapshots(&snapshots, &Options::default(), Some(&mut reader))?;
    for trend in report.trends() {
        for s in trend.suspects() {
            let blocked = s
                .blocking
                .as_ref()
                .map(|b| b.position())
                .unwrap_or_default();
            let kind = s.kind.map(|k| k.describe()).unwrap_or("allocated");
            println!(
                "{}: {} ({kind} at {blocked}), {} now",
                trend.basis.describe(),
                s.title(),
                s.counts.last().copied().unwrap_or(0)
            );
        }
    }
    println!("{}", pprof_leak::render::verdict_text(&report));
    if report.leak_suspected() {
        std::process::exit(pprof_leak::EXIT_LEAK);
    }
    Ok(())
}
