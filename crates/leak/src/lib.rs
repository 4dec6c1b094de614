//! Goroutine and heap leak detection: leaks proven by the Go runtime, and
//! leaks suspected from growth over a series of pprof snapshots.
//!
//! Give [`analyze`] a goroutine leak profile (one is enough; see below), or
//! two or more goroutine profiles (and/or heap profiles) of one program
//! taken some time apart. Every stack is followed across the
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
//!         p.locations.push(Location { id: i as u64 + 1, lines: vec![Line { function, line: 10, column: 0 }], ..Default::default() });
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
//! # Proof, growth and wait times
//!
//! * **Proven by the runtime.** Go 1.27's goroutine leak profile
//!   (`/debug/pprof/goroutineleak`, no `GOEXPERIMENT` needed) lists the
//!   goroutines that the garbage collector proved can never run again:
//!   they wait on channels or locks that no goroutine that could run can
//!   reach. `debug=2` dumps mark them `[chan send (leaked)]`. One such
//!   snapshot is enough: its stacks are [`Report::proven`], ranked first.
//! * **Suspected from growth.** Two or more goroutine (or heap) snapshots:
//!   [`Report::goroutines`] and [`Report::heap`], as above.
//! * **Suspected from wait times (a heuristic).** One goroutine `debug=2`
//!   dump without `(leaked)` marks: stacks where at least
//!   [`Options::min_waiting`] goroutines waited
//!   [`Options::min_wait_minutes`] or more on a channel or lock
//!   ([`Report::waits`]). [`Options::wait_gate`] says whether they count
//!   in [`Report::leak_suspected`].
//!
//! Inputs may be mixed: the same goroutines found by several analyses
//! point at each other ([`StackTrend::proven`], [`StackTrend::growth`]).
//!
//! # Inputs
//!
//! Proto goroutine profiles (`?debug=0`) hold each goroutine's own stack
//! only; [`analyze_with_source`] finds their creators in the source files.
//! Goroutine dumps (`?debug=2`, crash tracebacks) read by `pprof-legacy`
//! carry `state`, `wait`, `created_by` and `leaked` labels, which give the
//! creator, the kind of wait, the wait-time distribution and the proof
//! directly; they have no profile time, so growth is per snapshot. Go
//! `debug=1` texts are read with their frames named from the `#` lines
//! ([`load`]).
//!
//! # Loading, live services and the command
//!
//! [`load`] reads snapshots from files, standard input and URLs;
//! [`live`] takes them from a running service, asking for the goroutine
//! leak profile first; [`run`] does what the `pprof-tools leak` command
//! does, short of printing, with typed [`LeakOptions`] (the command line
//! itself is read by `pprof-driver`, whose option table has the leak
//! command's flags). Rendering (text, JSON, SVG sparklines, HTML) is in
//! [`render`].
//!
//! ```no_run
//! // What `pprof-tools leak goroutineleak.pb.gz` does, without printing.
//! let mut options = pprof_leak::LeakOptions::default();
//! options.sources = vec!["goroutineleak.pb.gz".to_string()];
//! let report = pprof_leak::run(&options, &mut |event| eprintln!("{event}"))?;
//! print!("{}", pprof_leak::render::text(&report, &options.render));
//! std::process::exit(if report.leak_suspected() { pprof_leak::EXIT_LEAK } else { 0 });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Performance
//!
//! Frames are interned once per location and stacks are hashed as slices
//! of frame ids, so a snapshot costs one hash lookup per sample without
//! allocation; labels are matched by string id.
//!
//! # Design constraints
//!
//! Nothing here prints; live mode reports what it does through
//! [`live::LiveEvent`]s, which display as the command's progress lines.
#![deny(missing_docs)]

use std::path::PathBuf;

use render::RenderOptions;

mod analyze;
mod error;
pub mod frames;
pub mod live;
pub mod load;
pub mod render;
mod source;

pub use analyze::{
    analyze, analyze_refs, analyze_with_source, snapshot_kind, Basis, Creator, CreatorSource,
    Frame, Granularity, Mode, Options, Report, Skipped, SnapshotInfo, SnapshotKind, SourceReader,
    StackTrend, Trend, Verdict, WaitBucket, WaitStats, DEFAULT_MIN_GROWTH, DEFAULT_MIN_HEAP_GROWTH,
    DEFAULT_MIN_RELATIVE_GROWTH, DEFAULT_MIN_WAITING, DEFAULT_MIN_WAIT_MINUTES,
    DEFAULT_STACK_BYTES,
};
pub use error::{Error, Result};
pub use frames::BlockKind;
pub use live::{LiveOptions, MIN_EVERY};
pub use load::{analyze_snapshots, Snapshot, SourcePath};
pub use source::{find_go_statement, resolve_creators};

/// The leak command's exit status when a leak is proven or suspected.
pub const EXIT_LEAK: i32 = 3;

/// Everything `pprof-tools leak` is asked to do: the snapshots, the
/// analysis, the report's forms and live mode. Start from
/// [`LeakOptions::default`]; `pprof-driver` fills one from the leak
/// command line.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct LeakOptions {
    /// Snapshot files, `-` (standard input), or one URL (live mode).
    pub sources: Vec<String>,
    /// Analysis options.
    pub options: Options,
    /// Text, HTML and SVG rendering options.
    pub render: RenderOptions,
    /// JSON instead of text.
    pub json: bool,
    /// Also write an HTML report to this file.
    pub html: Option<PathBuf>,
    /// Also write an SVG report to this file.
    pub svg: Option<PathBuf>,
    /// Where to find Go sources (`:`-separated); `None` means
    /// `$PPROF_SOURCE_PATH`, else `.`.
    pub source_path: Option<String>,
    /// Live mode options.
    pub live: LiveOptions,
}

impl LeakOptions {
    /// Whether the sources name a service (live mode), rather than files:
    /// a URL, or a series asked for ([`LiveOptions::every`],
    /// [`LiveOptions::count`]).
    pub fn is_live(&self) -> bool {
        self.live.every.is_some()
            || self.live.count.is_some()
            || self
                .sources
                .iter()
                .any(|s| matches!(pprof_fetch::classify(s), pprof_fetch::SourceKind::Url(_)))
    }
}

/// Does what `pprof-tools leak` does, short of printing: loads the
/// snapshots `options` names (files and standard input, or a live service:
/// [`live::collect`], telling `events`), finds creators in the sources of
/// [`LeakOptions::source_path`], and analyses them.
pub fn run(options: &LeakOptions, events: &mut dyn FnMut(live::LiveEvent<'_>)) -> Result<Report> {
    let snapshots = match options.sources.first() {
        Some(url) if options.is_live() => live::collect(url, &options.live, events)?,
        _ => load::load_all(&options.sources)?,
    };
    let sources = SourcePath::or_env(options.source_path.as_deref());
    let mut reader = |file: &str| sources.read(file);
    analyze_snapshots(&snapshots, &options.options, Some(&mut reader))
}
