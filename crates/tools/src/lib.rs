//! pprof-tools: read, combine, filter and report pprof profiles, with the
//! behaviour and output of `go tool pprof`.
//!
//! This crate is the facade of the workspace. It re-exports the member
//! crates ([`model`], [`legacy`], [`fetch`], [`ops`], [`graph`],
//! [`report`], [`export`], [`symbolize`], [`leak`], [`driver`],
//! [`shell`], [`web`]) and the driver's main types. The `pprof-tools`
//! binary only parses the command line (with [`driver::args`]) and
//! dispatches.
//!
//! ```
//! use pprof_model::build::ProfileBuilder;
//! use pprof_tools::{Command, OutputFormat, Pipeline, Settings, Sources};
//!
//! // A tiny profile on disk: one function, one location, one sample.
//! let mut b = ProfileBuilder::new(&[("samples", "count")]);
//! let f = b.function("main.work", "main.go", 1);
//! let l = b.location(None, 0x1000, &[(f, 7)]);
//! b.sample(&[l], &[3]);
//! let dir = std::env::temp_dir().join(format!("pprof-tools-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let file = dir.join("a.pb.gz");
//! std::fs::write(&file, pprof_model::encode(&b.build()))?;
//!
//! // Merge it with itself and print pprof's -raw dump.
//! let path = file.to_string_lossy().into_owned();
//! let pipeline = Pipeline::new(Sources::new([path.clone(), path]), Settings::default());
//! let raw = Command { format: OutputFormat::Raw, regexp: None };
//! let mut out = Vec::new();
//! pipeline.run(&raw, &mut out)?;
//! let text = String::from_utf8_lossy(&out);
//! assert!(text.contains("samples/count"));
//! assert!(text.lines().any(|l| l.trim_start().starts_with("6:")));
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Command line
//!
//! The `pprof-tools` command takes pprof's flags (`-top`,
//! `-sample_index=1`, `-focus RE`, `-base=FILE`, ...; see `pprof-tools
//! -help`). It exits with status 0 on success (also when the reader of its
//! output goes away), 1 when a profile cannot be read or a report cannot
//! be made, 2 for a command-line mistake (unknown flag, two output formats,
//! no source), and `pprof-tools leak` with 3 when it finds a leak. Every
//! error is one line on standard error.
//!
//! # Crate features
//!
//! * `cli` (default): builds the `pprof-tools` binary and pulls in what
//!   only it needs: the allocator, signal handling, the shell's line
//!   editor (`pprof-shell/terminal`) and the web interface (`web`).
//! * `web`: [`web`], the `-http` interface (pprof-web, on axum and tokio).
//! * `fleet`: `fleet` (pprof-fleet), profiles as Parquet datasets queried
//!   and merged by Apache DataFusion: `pprof-tools export`, `pprof-tools
//!   sql`, and dataset directories as sources.
//!
//! A library user who wants neither builds with `default-features = false`.
#![deny(missing_docs)]

pub use pprof_disasm as disasm;
pub use pprof_driver as driver;
pub use pprof_driver::{args, viewer};
pub use pprof_export as export;
pub use pprof_fetch as fetch;
#[cfg(feature = "fleet")]
pub use pprof_fleet as fleet;
pub use pprof_graph as graph;
pub use pprof_leak as leak;
pub use pprof_legacy as legacy;
pub use pprof_model as model;
pub use pprof_ops as ops;
pub use pprof_report as report;
pub use pprof_shell as shell;
pub use pprof_symbolize as symbolize;
#[cfg(feature = "web")]
pub use pprof_web as web;

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

pub use pprof_driver::{
    write_report, write_report_noting, Command, Error, Granularity, Loaded, OutputFormat, Pipeline,
    Result, Settings, Sort, Sources,
};
