//! Trends over a series of snapshots: which stacks grow, how fast, and
//! whether the growth looks like a leak.
//!
//! This is the analysis half of `pprof-tools leak`, kept in its own crate
//! (`pprof-leak`, which also renders reports) and exposed here with the rest
//! of the profile math. Snapshots are ordered by their time; each stack gets
//! its count (or bytes) per snapshot, its growth per minute, whether the
//! growth is monotonic, and a [`Verdict`].
//!
//! ```
//! use pprof_ops::trend::{analyze, Options};
//! use pprof_model::{Profile, ValueType};
//!
//! let snapshot = |n: i64, t: i64| {
//!     let mut p = Profile::new();
//!     let (ty, unit) = (p.intern("goroutine"), p.intern("count"));
//!     p.sample_types.push(ValueType { r#type: ty, unit });
//!     p.time_nanos = t;
//!     p.samples.push(pprof_model::Sample { values: vec![n], ..Default::default() });
//!     p
//! };
//! let report = analyze(&[snapshot(10, 0), snapshot(10, 60_000_000_000)], &Options::default())?;
//! assert!(!report.leak_suspected());
//! # Ok::<(), pprof_ops::trend::Error>(())
//! ```

pub use pprof_leak::{
    analyze, analyze_refs, analyze_with_source, snapshot_kind, BlockKind, Creator, CreatorSource,
    Error, Frame, Granularity, Mode, Options, Report, SnapshotInfo, SnapshotKind, SourceReader,
    StackTrend, Trend, Verdict, WaitBucket, WaitStats,
};
