//! pprof-tools: read, combine, filter and report pprof profiles, with the
//! behaviour and output of `go tool pprof` (go1.19.8).
//!
//! This crate is the facade of the workspace. It re-exports the member
//! crates ([`model`], [`legacy`], [`fetch`], [`ops`], [`graph`],
//! [`report`], [`export`], [`symbolize`], [`leak`]) and adds the [`Pipeline`], which
//! does what pprof's driver does for one non-interactive command: load the
//! sources (several at once), merge them, subtract or compare a base, apply
//! the filters in pprof's order and write one report. The `pprof-tools`
//! binary is a thin layer over it: [`args::parse`] reads pprof's command
//! line and [`args::usage`] is its help text.
//!
//! ```
//! use pprof_model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};
//! use pprof_tools::{Command, Config, OutputFormat, Pipeline, Sources};
//!
//! // A tiny profile on disk: one function, one location, one sample.
//! let mut p = Profile::new();
//! let (ty, unit) = (p.intern("samples"), p.intern("count"));
//! p.sample_types.push(ValueType { r#type: ty, unit });
//! let name = p.intern("main.work");
//! p.functions.push(Function { id: 1, name, system_name: name, ..Default::default() });
//! let lines = vec![Line { function: FunctionId(0), line: 7 }];
//! p.locations.push(Location { id: 1, lines, ..Default::default() });
//! p.samples.push(Sample { locations: vec![LocationId(0)], values: vec![3], ..Default::default() });
//! let dir = std::env::temp_dir().join(format!("pprof-tools-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let file = dir.join("a.pb.gz");
//! std::fs::write(&file, pprof_model::encode(&p))?;
//!
//! // Merge it with itself and print pprof's -raw dump.
//! let path = file.to_string_lossy().into_owned();
//! let pipeline = Pipeline::new(Sources::new([path.clone(), path]));
//! let raw = Command { format: OutputFormat::Raw, regexp: None };
//! let mut out = Vec::new();
//! pipeline.run(&raw, &Config::default(), false, &mut out)?;
//! let text = String::from_utf8_lossy(&out);
//! assert!(text.contains("samples/count"));
//! assert!(text.lines().any(|l| l.trim_start().starts_with("6:")));
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Command line
//!
//! The `pprof-tools` command takes pprof's flags (`-top`, `-sample_index=1`,
//! `-focus RE`, `-base=FILE`, ...; see `pprof-tools -help`). It exits with
//! status 0 on success (also when the reader of its output goes away), 1
//! when a profile cannot be read or a report cannot be made, and 2 for a
//! command-line mistake (unknown flag, two output formats, no source). Every
//! error is one line on standard error.
//!
//! # Crate features
//!
//! * `cli` (default): builds the `pprof-tools` binary.
//!
//! # Design constraints
//!
//! * The library never prints: notices pprof writes to stderr (a filter
//!   that matched nothing, a source that failed while others loaded) are
//!   returned as strings.
//! * Errors are one [`Error`] enum; [`Error::exit_code`] gives the status.
#![deny(missing_docs)]

pub mod args;
mod config;
mod error;
mod focus;
mod format;
mod pipeline;
mod reporting;
pub mod shell;
pub mod viewer;
pub mod web;

pub use pprof_disasm as disasm;
pub use pprof_export as export;
pub use pprof_fetch as fetch;
pub use pprof_graph as graph;
pub use pprof_leak as leak;
pub use pprof_legacy as legacy;
pub use pprof_model as model;
pub use pprof_ops as ops;
pub use pprof_report as report;
pub use pprof_symbolize as symbolize;

/// The README's examples, compiled as doctests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

pub use config::{Config, Granularity, Sort};
pub use error::{Error, Result};
pub use format::{Command, OutputFormat};
pub use pipeline::{Loaded, NoticeSink, Pipeline, ProgressSink, Sources};
pub use reporting::{
    apply_command_overrides, sample_choice, sample_index_by_name, write_report,
    write_report_noting, SampleChoice,
};
