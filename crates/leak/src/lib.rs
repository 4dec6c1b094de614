//! Goroutine and heap leak detection over a series of pprof snapshots.
//!
//! Give [`analyze`] two or more goroutine profiles (and/or heap profiles)
//! of one program taken some time apart. Every stack is followed across the
//! snapshots (sorted by profile time): its count at each snapshot, its
//! growth per minute (least squares), whether the growth is monotonic, and
//! a [`Verdict`]. Suspects — stacks that grew monotonically by more than
//! the thresholds of [`Options`] — come first, each with the frame it is
//! blocked at, the kind of wait ([`BlockKind`]), the `go` statement that
//! creates it (from a `created_by` label of a `debug=2` dump, the source
//! file, or the closure's enclosing function), the wait-time distribution
//! when `wait` labels give it, and the memory it holds.
//!
//! Heap snapshots (`inuse_space`) are analysed the same way; growing heap
//! stacks are linked to goroutine suspects that share a user function with
//! them ([`StackTrend::related`]).
//!
//! ```
//! use pprof_model::{Function, Line, Location, LocationId, Profile, Sample, ValueType};
//!
//! // A goroutine profile with `n` goroutines blocked in main.worker.
//! fn snapshot(n: i64, minute: i64) -> Profile {
//!     let mut p = Profile::new();
//!     let ty = p.intern("goroutine");
//!     let unit = p.intern("count");
//!     p.sample_types.push(ValueType { r#type: ty, unit });
//!     p.time_nanos = 1_700_000_000_000_000_000 + minute * 60_000_000_000;
//!     for (i, name) in ["runtime.gopark", "runtime.chansend1", "main.worker"].iter().enumerate() {
//!         let name = p.intern(name);
//!         let file = p.intern("main.go");
//!         p.functions.push(Function { id: i as u64 + 1, name, system_name: name, filename: file, start_line: 0 });
//!         let function = pprof_model::FunctionId(i as u32);
//!         p.locations.push(Location { id: i as u64 + 1, lines: vec![Line { function, line: 10 }], ..Default::default() });
//!     }
//!     p.samples.push(Sample {
//!         locations: vec![LocationId(0), LocationId(1), LocationId(2)],
//!         values: vec![n],
//!         labels: vec![],
//!     });
//!     p
//! }
//!
//! let report = pprof_leak::analyze(&[snapshot(10, 0), snapshot(40, 2)], &pprof_leak::Options::default())?;
//! let g = report.goroutines.as_ref().expect("goroutine snapshots");
//! let first = g.suspects().next().expect("a suspect");
//! assert_eq!(first.title(), "main.worker");
//! assert_eq!(first.kind, Some(pprof_leak::BlockKind::ChanSend));
//! assert_eq!(first.growth_per_minute, Some(15.0));
//! assert!(report.leak_suspected());
//! # Ok::<(), pprof_leak::Error>(())
//! ```
//!
//! # Inputs
//!
//! Proto goroutine profiles (`?debug=0`) hold each goroutine's own stack
//! only; [`analyze_with_source`] finds their creators in the source files.
//! Goroutine dumps (`?debug=2`, crash tracebacks) read by `pprof-legacy`
//! carry `state`, `wait` and `created_by` labels, which give the creator,
//! the kind of wait and the wait-time distribution directly; they have no
//! profile time, so growth is per snapshot.
//!
//! Rendering (text, JSON, SVG sparklines, HTML) is in [`render`]; the
//! `pprof-tools leak` command wraps all of it.
//!
//! # Performance
//!
//! Frames are interned once per location and stacks are hashed as slices
//! of frame ids, so a snapshot costs one hash lookup per sample without
//! allocation; labels are matched by string id.
#![deny(missing_docs)]

mod analyze;
mod error;
pub mod frames;
pub mod render;
mod source;

pub use analyze::{
    analyze, analyze_refs, analyze_with_source, snapshot_kind, Creator, CreatorSource, Frame,
    Granularity, Mode, Options, Report, SnapshotInfo, SnapshotKind, SourceReader, StackTrend,
    Trend, Verdict, WaitBucket, WaitStats, DEFAULT_MIN_GROWTH, DEFAULT_MIN_HEAP_GROWTH,
    DEFAULT_MIN_RELATIVE_GROWTH, DEFAULT_STACK_BYTES,
};
pub use error::{Error, Result};
pub use frames::BlockKind;
pub use source::{find_go_statement, resolve_creators};
