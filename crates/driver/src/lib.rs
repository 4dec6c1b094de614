//! pprof's driver as a library: the settings of a report (one table that
//! drives the command line, the shell and the web interface), loading and
//! combining the sources, and the report step, with the behaviour and
//! output of `go tool pprof`.
//!
//! * [`settings`]: every option, defined once in [`settings::OPTIONS`],
//!   which drives the command line ([`args::parse`], [`args::usage`]), the
//!   shell's options and the web interface's query parameters.
//! * [`Pipeline`]: what pprof's driver does for one command: load the
//!   sources (several at once), merge them, subtract or compare a base.
//! * [`write_report`]: one report of a loaded profile, with the filters in
//!   pprof's order; the loaded profile is never changed, so any number of
//!   reports can be made from one load.
//!
//! ```
//! use pprof_driver::{Command, OutputFormat, Pipeline, Settings, Sources};
//! use pprof_model::build::ProfileBuilder;
//!
//! // A tiny profile on disk: one function, one location, one sample.
//! let mut b = ProfileBuilder::new(&[("samples", "count")]);
//! let f = b.function("main.work", "main.go", 1);
//! let l = b.location(None, 0x1000, &[(f, 7)]);
//! b.sample(&[l], &[3]);
//! let dir = std::env::temp_dir().join(format!("pprof-driver-doc-{}", std::process::id()));
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
//! # Design constraints
//!
//! * The library never prints: notices pprof writes to stderr (a filter
//!   that matched nothing, a source that failed while others loaded) are
//!   returned or handed to a callback.
//! * Errors are one [`Error`] enum; the exit status of any of them is the
//!   dialect's ([`pprof_model::Dialect::error_exit_code`]), as in pprof.
#![deny(missing_docs)]

pub mod args;
mod error;
mod format;
mod pipeline;
mod reporting;
pub mod settings;
pub mod value;
pub mod viewer;

pub use error::{Error, Result, UsageError};
pub use format::{Command, OutputFormat};
pub use pipeline::{Loaded, NoticeSink, Pipeline, ProgressSink, Sources};
pub use pprof_report::{FormatInfo, Usage, FORMATS};
pub use reporting::{
    apply_command_overrides, dot_text_and_nodes, exit_after_report, greeting, prepare,
    stack_options, write_report, write_report_noting, Prepared,
};
pub use settings::{Granularity, Settings, Sort};
