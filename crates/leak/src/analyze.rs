//! The trend analysis: stacks keyed by interned frame ids, counted per
//! snapshot, then scored and ranked.

use std::collections::HashMap;

use pprof_model::{Profile, StrId};

use crate::error::{Error, Result};
use crate::frames::{self, BlockKind};

/// How frames are told apart: pprof's granularity. [`Granularity::Lines`]
/// and [`Granularity::Addresses`] tell frames apart by function, file and
/// line; the others (the default [`Granularity::Functions`],
/// `FileFunctions`, `Files`) by function, the reported line of a frame
/// being the one holding the most goroutines (or bytes) in the last
/// snapshot.
pub use pprof_ops::Granularity;

/// Which snapshots to analyse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Goroutine, goroutine leak and heap snapshots are told apart by their
    /// sample types and each group is analysed on its own (the default).
    #[default]
    Auto,
    /// Every snapshot must be a goroutine or goroutine leak profile.
    Goroutine,
    /// Every snapshot must be a heap profile (`inuse_space`).
    Heap,
}

impl Mode {
    /// Every mode, the default first.
    pub const ALL: [Mode; 3] = [Mode::Auto, Mode::Goroutine, Mode::Heap];

    /// The name: `auto`, `goroutine` or `heap` (the leak command's
    /// `-goroutine` and `-heap`).
    pub fn name(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Goroutine => "goroutine",
            Mode::Heap => "heap",
        }
    }

    /// The mode called `name`.
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// The kind of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SnapshotKind {
    /// A goroutine profile: values count goroutines.
    Goroutine,
    /// A goroutine leak profile (`/debug/pprof/goroutineleak`, Go 1.27):
    /// values count the goroutines that the garbage collector proved can
    /// never run again.
    GoroutineLeak,
    /// A heap profile: the `inuse_space` values are analysed.
    Heap,
}

impl SnapshotKind {
    /// `goroutine`, `goroutineleak` or `heap`.
    pub fn name(self) -> &'static str {
        match self {
            SnapshotKind::Goroutine => "goroutine",
            SnapshotKind::GoroutineLeak => "goroutineleak",
            SnapshotKind::Heap => "heap",
        }
    }

    /// The sample type whose values are analysed.
    pub(crate) fn value_type(self) -> &'static str {
        match self {
            SnapshotKind::Goroutine => "goroutine",
            SnapshotKind::GoroutineLeak => "goroutineleak",
            SnapshotKind::Heap => "inuse_space",
        }
    }

    /// Whether values count goroutines (not bytes).
    pub fn counts_goroutines(self) -> bool {
        !matches!(self, SnapshotKind::Heap)
    }
}

/// The kind of a profile: a goroutine leak profile has a `goroutineleak`
/// sample or period type, a goroutine profile a `goroutine` one, a heap
/// profile an `inuse_space` sample type.
pub fn snapshot_kind(p: &Profile) -> Option<SnapshotKind> {
    let period = p.str(p.period_type.r#type);
    if p.sample_type_index("goroutineleak").is_some() || period == "goroutineleak" {
        Some(SnapshotKind::GoroutineLeak)
    } else if p.sample_type_index("goroutine").is_some() || period == "goroutine" {
        Some(SnapshotKind::Goroutine)
    } else if p.sample_type_index("inuse_space").is_some() {
        Some(SnapshotKind::Heap)
    } else {
        None
    }
}

/// What a finding rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Basis {
    /// The runtime proved it: a goroutine leak profile, or goroutines
    /// marked `(leaked)` in a `debug=2` dump. One snapshot is enough.
    Runtime,
    /// Growth across two or more snapshots.
    Growth,
    /// Wait times in one `debug=2` dump: many goroutines blocked at one
    /// site for a long time. A heuristic.
    WaitTime,
}

impl Basis {
    /// How reports name the basis: `proven by the runtime`, `suspected from
    /// growth`, `suspected from wait times (heuristic)`.
    pub fn describe(self) -> &'static str {
        match self {
            Basis::Runtime => "proven by the runtime",
            Basis::Growth => "suspected from growth",
            Basis::WaitTime => "suspected from wait times (heuristic)",
        }
    }
}

/// Default of [`Options::min_growth`]: 5 goroutines.
pub const DEFAULT_MIN_GROWTH: i64 = 5;
/// Default of [`Options::min_heap_growth`]: 1 MiB.
pub const DEFAULT_MIN_HEAP_GROWTH: i64 = 1 << 20;
/// Default of [`Options::min_relative_growth`]: 10%.
pub const DEFAULT_MIN_RELATIVE_GROWTH: f64 = 0.10;
/// Default of [`Options::stack_bytes`]: 8 KiB per goroutine.
pub const DEFAULT_STACK_BYTES: i64 = 8 << 10;
/// Default of [`Options::min_wait_minutes`]: 10 minutes.
pub const DEFAULT_MIN_WAIT_MINUTES: i64 = 10;
/// Default of [`Options::min_waiting`]: 50 goroutines.
pub const DEFAULT_MIN_WAITING: i64 = 50;

/// Thresholds and choices of the analysis. Start from
/// [`Options::default`] and change fields.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Options {
    /// Frame granularity. Default: [`Granularity::Functions`].
    pub granularity: Granularity,
    /// Which snapshots to analyse. Default: [`Mode::Auto`].
    pub mode: Mode,
    /// Fewest snapshots of a kind to analyse it. Default: 2 (values below
    /// 2 count as 2).
    pub min_snapshots: usize,
    /// Fewest goroutines a stack must gain between the first and the last
    /// snapshot to be a suspect. Default: [`DEFAULT_MIN_GROWTH`].
    pub min_growth: i64,
    /// Fewest `inuse_space` bytes a heap stack must gain. Default:
    /// [`DEFAULT_MIN_HEAP_GROWTH`].
    pub min_heap_growth: i64,
    /// Smallest gain relative to the first snapshot (0.1 = 10%); a stack
    /// absent from the first snapshot always passes. Default:
    /// [`DEFAULT_MIN_RELATIVE_GROWTH`].
    pub min_relative_growth: f64,
    /// Smallest growth per minute (goroutines or bytes), used only when the
    /// snapshots carry times. Default: 0 (off).
    pub min_rate_per_minute: f64,
    /// Functions whose goroutines are never suspects: a stack is ignored
    /// when one of these names its blocking frame or a frame above it
    /// (goleak's `IgnoreTopFunction`). Default: empty.
    pub ignore_top: Vec<String>,
    /// Bytes of stack counted per goroutine in the memory estimate.
    /// Default: [`DEFAULT_STACK_BYTES`].
    pub stack_bytes: i64,
    /// Wait-time heuristic (one `debug=2` dump without `(leaked)` marks):
    /// the shortest wait, in minutes, that counts. Default:
    /// [`DEFAULT_MIN_WAIT_MINUTES`].
    pub min_wait_minutes: i64,
    /// Wait-time heuristic: the fewest goroutines of one stack that must
    /// have waited [`Options::min_wait_minutes`] on a channel or a lock for
    /// the stack to be a suspect. Default: [`DEFAULT_MIN_WAITING`].
    pub min_waiting: i64,
    /// Whether wait-time suspects count in [`Report::leak_suspected`] (the
    /// command's exit status 3); when false they are reported only.
    /// Default: true.
    pub wait_gate: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            granularity: Granularity::Functions,
            mode: Mode::Auto,
            min_snapshots: 2,
            min_growth: DEFAULT_MIN_GROWTH,
            min_heap_growth: DEFAULT_MIN_HEAP_GROWTH,
            min_relative_growth: DEFAULT_MIN_RELATIVE_GROWTH,
            min_rate_per_minute: 0.0,
            ignore_top: Vec::new(),
            stack_bytes: DEFAULT_STACK_BYTES,
            min_wait_minutes: DEFAULT_MIN_WAIT_MINUTES,
            min_waiting: DEFAULT_MIN_WAITING,
            wait_gate: true,
        }
    }
}

/// A frame of a reported stack.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Frame {
    /// Function name (`main.compute`), or the address for unsymbolized code.
    pub function: String,
    /// Source file, may be empty.
    pub file: String,
    /// Line number, 0 when unknown.
    pub line: i64,
}

impl Frame {
    /// `file:line`, or the function name when the file is unknown.
    pub fn position(&self) -> String {
        match (self.file.is_empty(), self.line) {
            (true, _) => self.function.clone(),
            (false, 0) => self.file.clone(),
            (false, l) => format!("{}:{}", self.file, l),
        }
    }
}

/// Where a goroutine creator was learnt from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreatorSource {
    /// The `created_by` label of a `debug=2` dump.
    Label,
    /// The `go` statement found in the source of the entry function.
    Source,
    /// The entry is a closure (`f.func1`), created by its enclosing function.
    Closure,
}

/// The `go` statement that starts the goroutines of a stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Creator {
    /// The function holding the `go` statement.
    pub function: String,
    /// Its file, may be empty.
    pub file: String,
    /// Line of the `go` statement, 0 when unknown.
    pub line: i64,
    /// How it was found.
    pub source: CreatorSource,
}

/// One bucket of the wait-time distribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitBucket {
    /// Lower bound in minutes (inclusive).
    pub from_minutes: i64,
    /// Upper bound in minutes (exclusive); `None` for the last bucket.
    pub to_minutes: Option<i64>,
    /// Goroutines in the bucket.
    pub goroutines: i64,
}

/// How long the goroutines of a stack have been blocked, from the `wait`
/// labels (minutes) of a `debug=2` dump, in the last snapshot that has them.
/// A goroutine without a `wait` label waited less than a minute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitStats {
    /// Goroutines counted.
    pub goroutines: i64,
    /// Shortest wait in minutes.
    pub min_minutes: i64,
    /// Median wait in minutes.
    pub median_minutes: i64,
    /// Longest wait in minutes.
    pub max_minutes: i64,
    /// Non-empty buckets, shortest waits first.
    pub buckets: Vec<WaitBucket>,
    /// Goroutines that waited at least [`Options::min_wait_minutes`].
    pub long_waiting: i64,
}

/// The verdict on one stack, most certain leaks first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// The runtime proved these goroutines can never run again.
    Proven,
    /// Grew by more than the thresholds, never decreasing: a suspect.
    Leak,
    /// Many goroutines waited on a channel or lock for longer than the
    /// threshold (wait-time heuristic): a suspect.
    LongWait,
    /// Grew by more than the thresholds, but not monotonically.
    Growing,
    /// No growth beyond the thresholds.
    Steady,
    /// Fewer at the end than at the start.
    Shrinking,
}

impl Verdict {
    /// `proven`, `leak`, `long wait`, `growing`, `steady` or `shrinking`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Proven => "proven",
            Verdict::Leak => "leak",
            Verdict::LongWait => "long wait",
            Verdict::Growing => "growing",
            Verdict::Steady => "steady",
            Verdict::Shrinking => "shrinking",
        }
    }
}

/// One stack across the snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct StackTrend {
    /// Frames, leaf first (the representative stack at function granularity).
    pub frames: Vec<Frame>,
    /// Goroutines (or `inuse_space` bytes) at each snapshot, in time order.
    pub counts: Vec<i64>,
    /// Last count minus first count.
    pub increase: i64,
    /// Least-squares growth per minute, when the snapshots carry times.
    pub growth_per_minute: Option<f64>,
    /// Least-squares growth per snapshot interval.
    pub growth_per_snapshot: f64,
    /// Never decreasing, and higher at the end.
    pub monotonic: bool,
    /// The verdict.
    pub verdict: Verdict,
    /// Excluded by [`Options::ignore_top`].
    pub ignored: bool,
    /// Goroutines: the top user frame under the parking frames. Heap: the
    /// allocation site (first frame outside the runtime).
    pub blocking: Option<Frame>,
    /// Goroutines: what they wait for.
    pub kind: Option<BlockKind>,
    /// The most common `state` label (debug=2), if any.
    pub state: Option<String>,
    /// The outermost frame: the function the goroutines were started with.
    pub entry: Option<Frame>,
    /// The `go` statement that creates these goroutines, when known.
    pub created_by: Option<Creator>,
    /// Wait-time distribution, when labels give it.
    pub wait: Option<WaitStats>,
    /// Goroutines: last count × [`Options::stack_bytes`]. Heap: 0.
    pub stack_bytes: i64,
    /// Goroutines: `inuse_space` of the related growing heap stacks at the
    /// last heap snapshot (`None` without heap snapshots). Heap: the last count.
    pub heap_bytes: Option<i64>,
    /// Indexes of related suspects in the other trend: for a goroutine
    /// suspect, growing heap stacks sharing a user function with its stack
    /// or creator; for a heap suspect, such goroutine suspects (in
    /// [`Report::goroutines`], or in [`Report::proven`] when there is no
    /// growth analysis).
    pub related: Vec<usize>,
    /// The same stack among the proven leaks ([`Report::proven`]), for
    /// stacks of the growth and wait-time analyses.
    pub proven: Option<usize>,
    /// The same stack in the growth analysis ([`Report::goroutines`]), for
    /// proven and wait-time stacks.
    pub growth: Option<usize>,
}

impl StackTrend {
    /// Whether this stack is a leak suspect (verdict [`Verdict::Proven`],
    /// [`Verdict::Leak`] or [`Verdict::LongWait`], and not ignored).
    pub fn is_suspect(&self) -> bool {
        matches!(
            self.verdict,
            Verdict::Proven | Verdict::Leak | Verdict::LongWait
        ) && !self.ignored
    }

    /// The name shown for the stack: the blocking frame's function, else the
    /// leaf function.
    pub fn title(&self) -> &str {
        self.blocking
            .as_ref()
            .or(self.frames.first())
            .map(|f| f.function.as_str())
            .unwrap_or("<empty stack>")
    }
}

/// One input snapshot, in time order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// Position in the input slice.
    pub input: usize,
    /// Profile time (ns since the epoch, 0 when unknown).
    pub time_nanos: i64,
    /// Total goroutines (or `inuse_space` bytes) counted. Negative sample
    /// values (which real snapshots never have) count as 0.
    pub total: i64,
    /// The kind of the snapshot (a goroutine dump used for its `(leaked)`
    /// marks is [`SnapshotKind::Goroutine`] in a proven analysis).
    pub kind: SnapshotKind,
}

/// The analysis of one kind of snapshots.
#[derive(Clone, Debug, PartialEq)]
pub struct Trend {
    /// What the findings rest on.
    pub basis: Basis,
    /// Goroutines (also for proven leaks) or heap.
    pub kind: SnapshotKind,
    /// Snapshots in time order.
    pub snapshots: Vec<SnapshotInfo>,
    /// Whether every snapshot has a distinct time, so rates per minute exist.
    pub timed: bool,
    /// Stacks, ranked: suspects first (largest growth first), then the rest.
    pub stacks: Vec<StackTrend>,
}

impl Trend {
    /// The suspects, in rank order.
    pub fn suspects(&self) -> impl Iterator<Item = &StackTrend> {
        self.stacks.iter().filter(|s| s.is_suspect())
    }

    /// Minutes between the first and the last snapshot, when timed.
    pub fn span_minutes(&self) -> Option<f64> {
        if !self.timed {
            return None;
        }
        let first = self.snapshots.first()?.time_nanos;
        let last = self.snapshots.last()?.time_nanos;
        Some((last as f64 - first as f64) / 60e9)
    }
}

/// An analysis that the inputs were too few for, while others were made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// `goroutine` or `heap` (growth analyses).
    pub kind: SnapshotKind,
    /// Snapshots given.
    pub got: usize,
    /// Snapshots needed.
    pub need: usize,
}

impl std::fmt::Display for Skipped {
    /// `goroutine growth needs at least 2 snapshots, got 1`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} growth needs at least {} snapshots, got {}",
            self.kind.name(),
            self.need,
            self.got
        )
    }
}

/// The result of [`analyze`]: proven leaks first, then growth, wait times
/// and heap growth.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Goroutines the runtime proved leaked: from goroutine leak profiles
    /// and the `(leaked)` marks of `debug=2` dumps (one snapshot is
    /// enough). Every stack's verdict is [`Verdict::Proven`].
    pub proven: Option<Trend>,
    /// The goroutine growth analysis, when two or more goroutine snapshots
    /// were given.
    pub goroutines: Option<Trend>,
    /// The wait-time heuristic, when one goroutine `debug=2` dump without
    /// `(leaked)` marks was given.
    pub waits: Option<Trend>,
    /// The heap analysis, when heap snapshots were given.
    pub heap: Option<Trend>,
    /// Growth analyses not made for lack of snapshots (others were made).
    pub skipped: Vec<Skipped>,
    /// The names of the inputs, by input position, when known
    /// ([`crate::analyze_snapshots`]); empty otherwise.
    pub names: Vec<String>,
    /// The options used.
    pub options: Options,
}

impl Report {
    /// The analyses made, in report order: proven, growth, wait times, heap.
    pub fn trends(&self) -> impl Iterator<Item = &Trend> {
        self.proven
            .iter()
            .chain(self.goroutines.iter())
            .chain(self.waits.iter())
            .chain(self.heap.iter())
    }

    /// Whether the runtime proved a leak (that is not ignored).
    pub fn leak_proven(&self) -> bool {
        self.proven
            .as_ref()
            .is_some_and(|t| t.suspects().next().is_some())
    }

    /// Whether any analysis has a suspect: proven, growth, heap growth, and
    /// wait-time suspects unless [`Options::wait_gate`] is off. The command
    /// exits with status 3 when this holds.
    pub fn leak_suspected(&self) -> bool {
        self.trends()
            .filter(|t| t.basis != Basis::WaitTime || self.options.wait_gate)
            .any(|t| t.suspects().next().is_some())
    }

    /// The name of input `index`: its file or URL when known, else
    /// `snapshot N`.
    pub fn input_name(&self, index: usize) -> String {
        match self.names.get(index) {
            Some(n) => n.clone(),
            None => format!("snapshot {index}"),
        }
    }
}

/// Reads the source text of a file named in a profile, for
/// [`analyze_with_source`]; returns `None` when it cannot be found.
pub type SourceReader<'a> = dyn FnMut(&str) -> Option<String> + 'a;

/// Analyses two or more snapshots (goroutine and/or heap profiles, in any
/// order: they are sorted by profile time).
pub fn analyze(profiles: &[Profile], opts: &Options) -> Result<Report> {
    analyze_with_source(profiles, opts, None)
}

/// Like [`analyze`]; `source` (when given) reads source files to find the
/// `go` statement creating goroutines whose creator no label tells.
pub fn analyze_with_source(
    profiles: &[Profile],
    opts: &Options,
    source: Option<&mut SourceReader<'_>>,
) -> Result<Report> {
    let refs: Vec<&Profile> = profiles.iter().collect();
    analyze_refs(&refs, opts, source)
}

/// Like [`analyze_with_source`], over borrowed profiles.
pub fn analyze_refs(
    profiles: &[&Profile],
    opts: &Options,
    source: Option<&mut SourceReader<'_>>,
) -> Result<Report> {
    if profiles.is_empty() {
        return Err(Error::NoSnapshots);
    }
    let mut gor: Vec<Input<'_>> = Vec::new();
    let mut leak: Vec<Input<'_>> = Vec::new();
    let mut heap: Vec<Input<'_>> = Vec::new();
    for (i, p) in profiles.iter().enumerate() {
        let kind = snapshot_kind(p);
        let input = |kind| Input {
            index: i,
            profile: p,
            kind,
            only_leaked: false,
        };
        match (kind, opts.mode) {
            (Some(k @ SnapshotKind::Goroutine), Mode::Auto | Mode::Goroutine) => {
                if has_leaked_marks(p) {
                    leak.push(Input {
                        only_leaked: true,
                        ..input(k)
                    });
                }
                gor.push(input(k));
            }
            (Some(k @ SnapshotKind::GoroutineLeak), Mode::Auto | Mode::Goroutine) => {
                leak.push(input(k))
            }
            (Some(k @ SnapshotKind::Heap), Mode::Auto | Mode::Heap) => heap.push(input(k)),
            (None, Mode::Auto) => {
                return Err(Error::UnknownKind {
                    index: i,
                    name: String::new(),
                })
            }
            (_, Mode::Goroutine) => {
                return Err(Error::WrongKind {
                    index: i,
                    name: String::new(),
                    want: "goroutine",
                })
            }
            (_, _) => {
                return Err(Error::WrongKind {
                    index: i,
                    name: String::new(),
                    want: "heap",
                })
            }
        }
    }
    let need = opts.min_snapshots.max(2);
    // One dump without proof: the wait-time heuristic.
    let wait_dump = (gor.len() == 1 && leak.is_empty())
        .then(|| gor.first().copied())
        .flatten()
        .filter(|g| has_wait_labels(g.profile));
    let mut skipped = Vec::new();
    let mut short = None;
    for (group, kind) in [(&gor, SnapshotKind::Goroutine), (&heap, SnapshotKind::Heap)] {
        if !group.is_empty() && group.len() < need {
            short.get_or_insert(Skipped {
                kind,
                got: group.len(),
                need,
            });
            if !(kind == SnapshotKind::Goroutine && wait_dump.is_some()) {
                skipped.push(Skipped {
                    kind,
                    got: group.len(),
                    need,
                });
            }
        }
    }
    let any_made =
        !leak.is_empty() || wait_dump.is_some() || gor.len() >= need || heap.len() >= need;
    if let (false, Some(s)) = (any_made, short) {
        return Err(Error::TooFewSnapshots {
            kind: s.kind.name(),
            got: s.got,
            need: s.need,
        });
    }

    let mut tables = Tables::default();
    let mut proven = (!leak.is_empty()).then(|| {
        trend(
            &mut tables,
            leak,
            SnapshotKind::Goroutine,
            Basis::Runtime,
            opts,
        )
    });
    let mut goroutines = (gor.len() >= need).then(|| {
        trend(
            &mut tables,
            gor,
            SnapshotKind::Goroutine,
            Basis::Growth,
            opts,
        )
    });
    let mut waits = wait_dump.map(|d| {
        trend(
            &mut tables,
            vec![d],
            SnapshotKind::Goroutine,
            Basis::WaitTime,
            opts,
        )
    });
    let mut heap_trend = (heap.len() >= need)
        .then(|| trend(&mut tables, heap, SnapshotKind::Heap, Basis::Growth, opts));
    let mut source = source;
    for t in [proven.as_mut(), goroutines.as_mut(), waits.as_mut()]
        .into_iter()
        .flatten()
    {
        if let Some(read) = source.as_deref_mut() {
            crate::source::resolve_creators(t, read);
        }
        for s in &mut t.stacks {
            if s.created_by.is_none() {
                s.created_by = closure_creator(s);
            }
        }
    }
    if let (Some(p), Some(g)) = (proven.as_mut(), goroutines.as_mut()) {
        cross_link(p, g, |s, i| s.growth = Some(i), |s, i| s.proven = Some(i));
    }
    if let (Some(p), Some(w)) = (proven.as_mut(), waits.as_mut()) {
        cross_link(p, w, |_, _| {}, |s, i| s.proven = Some(i));
    }
    if let Some(h) = heap_trend.as_mut() {
        // Heap stacks point into the growth analysis when there is one,
        // else into the proven leaks.
        let mut linked = false;
        if let Some(g) = goroutines.as_mut() {
            link(g, h);
            linked = true;
        }
        if let Some(p) = proven.as_mut() {
            let keep: Vec<Vec<usize>> = h.stacks.iter().map(|s| s.related.clone()).collect();
            link(p, h);
            if linked {
                for (s, k) in h.stacks.iter_mut().zip(keep) {
                    s.related = k;
                }
            }
        }
    }
    Ok(Report {
        proven,
        goroutines,
        waits,
        heap: heap_trend,
        skipped,
        names: Vec::new(),
        options: opts.clone(),
    })
}

/// One profile given to a trend.
#[derive(Clone, Copy)]
struct Input<'a> {
    index: usize,
    profile: &'a Profile,
    kind: SnapshotKind,
    /// Count only the samples labelled `leaked` (a `debug=2` dump's proven
    /// leaks).
    only_leaked: bool,
}

/// Whether a goroutine dump marks some goroutines `(leaked)`.
fn has_leaked_marks(p: &Profile) -> bool {
    let (Some(key), Some(yes)) = (p.strings.lookup("leaked"), p.strings.lookup("true")) else {
        return false;
    };
    p.samples
        .iter()
        .any(|s| s.labels.iter().any(|l| l.key == key && l.str == yes))
}

/// Whether a goroutine profile carries the `wait` labels of a dump.
fn has_wait_labels(p: &Profile) -> bool {
    let Some(key) = p.strings.lookup("wait") else {
        return false;
    };
    p.samples
        .iter()
        .any(|s| s.labels.iter().any(|l| l.key == key))
}

/// The user frames that identify a goroutine stack across inputs whose
/// runtime frames differ (a proto profile, a `debug=2` dump, a `debug=1`
/// text): the functions and lines outside the parking machinery.
fn identity(s: &StackTrend) -> Vec<(&str, i64)> {
    s.frames
        .iter()
        .filter(|f| !frames::is_parking(&f.function) && !frames::is_address(&f.function))
        .map(|f| (f.function.as_str(), f.line))
        .collect()
}

/// Points the stacks of `proven` and `other` that are the same goroutines
/// at each other, and fills what a proven stack lacks (creator, state,
/// waits, a precise kind) from its match.
fn cross_link(
    proven: &mut Trend,
    other: &mut Trend,
    mark_proven: impl Fn(&mut StackTrend, usize),
    mark_other: impl Fn(&mut StackTrend, usize),
) {
    let mut index: HashMap<Vec<(&str, i64)>, usize> = HashMap::new();
    for (i, s) in other.stacks.iter().enumerate() {
        index.entry(identity(s)).or_insert(i);
    }
    let mut pairs = Vec::new();
    for (pi, ps) in proven.stacks.iter().enumerate() {
        if let Some(&oi) = index.get(&identity(ps)) {
            pairs.push((pi, oi));
        }
    }
    drop(index);
    for (pi, oi) in pairs {
        let Some(os) = other.stacks.get_mut(oi) else {
            continue;
        };
        mark_other(os, pi);
        let os = os.clone();
        let Some(ps) = proven.stacks.get_mut(pi) else {
            continue;
        };
        mark_proven(ps, oi);
        if ps.created_by.is_none()
            || ps
                .created_by
                .as_ref()
                .is_some_and(|c| c.source != CreatorSource::Label)
        {
            if let Some(c) = os.created_by.filter(|c| c.source == CreatorSource::Label) {
                ps.created_by = Some(c);
            }
        }
        if !ps.kind.is_some_and(BlockKind::is_specific)
            && os.kind.is_some_and(BlockKind::is_specific)
        {
            ps.kind = os.kind;
        }
        if ps.state.is_none() {
            ps.state = os.state;
        }
        if ps.wait.is_none() {
            ps.wait = os.wait;
        }
    }
}

fn closure_creator(s: &StackTrend) -> Option<Creator> {
    let entry = s.entry.as_ref()?;
    let parent = frames::closure_parent(&entry.function)?;
    Some(Creator {
        function: parent.to_string(),
        file: entry.file.clone(),
        line: 0,
        source: CreatorSource::Closure,
    })
}

/// Links goroutine suspects and heap suspects that share a user function
/// (the goroutine's stack and creator against the heap allocation path).
fn link(g: &mut Trend, h: &mut Trend) {
    let heap_sets: Vec<Option<Vec<&str>>> = h
        .stacks
        .iter()
        .map(|s| s.is_suspect().then(|| user_functions(&s.frames, None)))
        .collect();
    let mut back: Vec<Vec<usize>> = vec![Vec::new(); h.stacks.len()];
    for (gi, gs) in g.stacks.iter_mut().enumerate() {
        gs.heap_bytes = Some(0);
        if !gs.is_suspect() {
            continue;
        }
        let mine = user_functions(&gs.frames, gs.created_by.as_ref());
        let mut held = 0i64;
        for (hi, set) in heap_sets.iter().enumerate() {
            let Some(set) = set else { continue };
            if set.iter().any(|f| mine.contains(f)) {
                gs.related.push(hi);
                if let Some(b) = back.get_mut(hi) {
                    b.push(gi);
                }
                let last = h
                    .stacks
                    .get(hi)
                    .and_then(|s| s.counts.last())
                    .copied()
                    .unwrap_or(0);
                held = held.saturating_add(last);
            }
        }
        gs.heap_bytes = Some(held);
    }
    for (hs, b) in h.stacks.iter_mut().zip(back) {
        hs.related = b;
    }
}

fn user_functions<'a>(frames: &'a [Frame], creator: Option<&'a Creator>) -> Vec<&'a str> {
    let mut v: Vec<&str> = frames
        .iter()
        .map(|f| f.function.as_str())
        .chain(creator.map(|c| c.function.as_str()))
        .filter(|f| frames::is_user(f) && *f != "main.main")
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

// ---------------------------------------------------------------------------
// Interning and aggregation.

const UNSET: u32 = u32::MAX;

#[derive(Default)]
struct Interner {
    map: HashMap<Box<str>, u32>,
    strs: Vec<Box<str>>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.strs.len() as u32;
        self.strs.push(s.into());
        self.map.insert(s.into(), id);
        id
    }

    fn get(&self, id: u32) -> &str {
        self.strs.get(id as usize).map(|s| &**s).unwrap_or("")
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct FrameRec {
    func: u32,
    file: u32,
    line: i64,
}

/// Strings and frames shared by the goroutine and heap analyses.
#[derive(Default)]
struct Tables {
    strs: Interner,
    frames: Vec<FrameRec>,
    frame_ids: HashMap<FrameRec, u32>,
}

impl Tables {
    fn frame(&mut self, rec: FrameRec) -> u32 {
        if let Some(&id) = self.frame_ids.get(&rec) {
            return id;
        }
        let id = self.frames.len() as u32;
        self.frames.push(rec);
        self.frame_ids.insert(rec, id);
        id
    }

    fn to_frame(&self, id: u32) -> Frame {
        let rec = self.frames.get(id as usize).copied().unwrap_or(FrameRec {
            func: UNSET,
            file: UNSET,
            line: 0,
        });
        Frame {
            function: self.strs.get(rec.func).to_string(),
            file: self.strs.get(rec.file).to_string(),
            line: rec.line,
        }
    }

    fn func_name(&self, frame: u32) -> &str {
        self.frames
            .get(frame as usize)
            .map(|r| self.strs.get(r.func))
            .unwrap_or("")
    }
}

/// A stack at line granularity, with its per-snapshot counts and labels.
struct LineStack {
    frames: Box<[u32]>,
    counts: Vec<i64>,
    group: u32,
    /// Snapshot whose labels `states` and `waits` describe.
    label_snap: usize,
    /// (state string id, goroutines) in `label_snap`.
    states: Vec<(u32, i64)>,
    /// (wait minutes, goroutines) in `label_snap`; goroutines without a
    /// label are counted under -1.
    waits: Vec<(i64, i64)>,
    has_wait: bool,
    /// Length at which `waits` is merged next.
    wait_limit: usize,
    /// (created_by string id, goroutines) over all snapshots.
    creators: Vec<(u32, i64)>,
}

fn bump<K: PartialEq>(v: &mut Vec<(K, i64)>, k: K, n: i64) {
    match v.iter_mut().find(|(x, _)| *x == k) {
        Some(e) => e.1 = e.1.saturating_add(n),
        None => v.push((k, n)),
    }
}

/// Adds `n` goroutines waiting `minutes`; amortised O(log n): the list is
/// merged (sorted, equal minutes summed) whenever it reaches `limit`, and
/// the limit is then set to twice the merged length.
fn push_wait(v: &mut Vec<(i64, i64)>, limit: &mut usize, minutes: i64, n: i64) {
    if let Some(last) = v.last_mut() {
        if last.0 == minutes {
            last.1 = last.1.saturating_add(n);
            return;
        }
    }
    v.push((minutes, n));
    if v.len() >= *limit {
        compact_waits(v);
        *limit = v.len().saturating_mul(2).max(64);
    }
}

fn compact_waits(v: &mut Vec<(i64, i64)>) {
    v.sort_unstable_by_key(|w| w.0);
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(v.len());
    for &(m, c) in v.iter() {
        match out.last_mut() {
            Some(last) if last.0 == m => last.1 = last.1.saturating_add(c),
            _ => out.push((m, c)),
        }
    }
    *v = out;
}

struct LabelKeys {
    state: Option<StrId>,
    wait: Option<StrId>,
    created_by: Option<StrId>,
}

/// Maps a profile's string ids to global ids, lazily.
struct StrMap {
    ids: Vec<u32>,
}

impl StrMap {
    fn get(&mut self, p: &Profile, strs: &mut Interner, id: StrId) -> u32 {
        match self.ids.get(id.index()) {
            Some(&g) if g != UNSET => g,
            Some(_) => {
                let g = strs.intern(p.str(id));
                if let Some(slot) = self.ids.get_mut(id.index()) {
                    *slot = g;
                }
                g
            }
            None => strs.intern(p.str(id)),
        }
    }
}

fn trend(
    t: &mut Tables,
    mut inputs: Vec<Input<'_>>,
    kind: SnapshotKind,
    basis: Basis,
    opts: &Options,
) -> Trend {
    // Order by time when every snapshot has a time; keep the given order
    // otherwise.
    let all_timed = inputs.iter().all(|i| i.profile.time_nanos != 0);
    if all_timed {
        inputs.sort_by_key(|i| (i.profile.time_nanos, i.index));
    }
    let timed = all_timed
        && inputs
            .windows(2)
            .all(|w| w[0].profile.time_nanos < w[1].profile.time_nanos);
    let n = inputs.len();
    let mut stacks: Vec<LineStack> = Vec::new();
    let mut stack_ids: HashMap<Box<[u32]>, u32> = HashMap::new();
    let mut snapshots = Vec::with_capacity(n);
    let mut buf: Vec<u32> = Vec::new();
    let mut loc_frames: Vec<u32> = Vec::new();
    let mut loc_span: Vec<(u32, u32)> = Vec::new();

    for (snap, input) in inputs.iter().enumerate() {
        let p = input.profile;
        let vi = p.sample_type_index(input.kind.value_type()).unwrap_or(0);
        let leaked = match (p.strings.lookup("leaked"), p.strings.lookup("true")) {
            (Some(k), Some(v)) if input.only_leaked => Some((k, v)),
            _ => None,
        };
        let mut sm = StrMap {
            ids: vec![UNSET; p.strings.len()],
        };
        // Frames of each location, leaf first, computed once per profile.
        loc_frames.clear();
        loc_span.clear();
        for loc in &p.locations {
            let start = loc_frames.len() as u32;
            if loc.lines.is_empty() {
                let func = t.strs.intern(&format!("{:#x}", loc.address));
                let file = t.strs.intern("");
                let id = t.frame(FrameRec {
                    func,
                    file,
                    line: 0,
                });
                loc_frames.push(id);
            }
            for ln in &loc.lines {
                let (name, file) = match p.functions.get(ln.function.index()) {
                    Some(f) => (f.name, f.filename),
                    None => (StrId::EMPTY, StrId::EMPTY),
                };
                let func = sm.get(p, &mut t.strs, name);
                let file = sm.get(p, &mut t.strs, file);
                let id = t.frame(FrameRec {
                    func,
                    file,
                    line: ln.line,
                });
                loc_frames.push(id);
            }
            loc_span.push((start, loc_frames.len() as u32));
        }
        let keys = LabelKeys {
            state: p.strings.lookup("state"),
            wait: p.strings.lookup("wait"),
            created_by: p.strings.lookup("created_by"),
        };
        let any_keys = keys.state.is_some() || keys.wait.is_some() || keys.created_by.is_some();
        let mut total = 0i64;
        for s in &p.samples {
            // Snapshots count things: a negative value (never in a real
            // one) counts as none.
            let v = s.values.get(vi).copied().unwrap_or(0).max(0);
            if v == 0 {
                continue;
            }
            if input.only_leaked
                && !leaked
                    .is_some_and(|(k, yes)| s.labels.iter().any(|l| l.key == k && l.str == yes))
            {
                continue;
            }
            total = total.saturating_add(v);
            buf.clear();
            for l in s.locations {
                if let Some(&(a, b)) = loc_span.get(l.index()) {
                    if let Some(fr) = loc_frames.get(a as usize..b as usize) {
                        buf.extend_from_slice(fr);
                    }
                }
            }
            let idx = match stack_ids.get(buf.as_slice()) {
                Some(&i) => i as usize,
                None => {
                    let i = stacks.len();
                    let key: Box<[u32]> = buf.as_slice().into();
                    stack_ids.insert(key.clone(), i as u32);
                    stacks.push(LineStack {
                        frames: key,
                        counts: vec![0; n],
                        group: 0,
                        label_snap: snap,
                        states: Vec::new(),
                        waits: Vec::new(),
                        has_wait: false,
                        wait_limit: 64,
                        creators: Vec::new(),
                    });
                    i
                }
            };
            let Some(st) = stacks.get_mut(idx) else {
                continue;
            };
            if let Some(c) = st.counts.get_mut(snap) {
                *c = c.saturating_add(v);
            }
            if !any_keys || kind == SnapshotKind::Heap {
                continue;
            }
            if st.label_snap != snap {
                st.label_snap = snap;
                st.states.clear();
                st.waits.clear();
                st.wait_limit = 64;
            }
            let mut wait = -1i64;
            for l in s.labels {
                if Some(l.key) == keys.state && l.is_str() {
                    let g = sm.get(p, &mut t.strs, l.str);
                    bump(&mut st.states, g, v);
                } else if Some(l.key) == keys.created_by && l.is_str() {
                    let g = sm.get(p, &mut t.strs, l.str);
                    bump(&mut st.creators, g, v);
                } else if Some(l.key) == keys.wait {
                    wait = if l.is_str() {
                        p.str(l.str)
                            .trim()
                            .trim_end_matches("minutes")
                            .trim()
                            .parse()
                            .unwrap_or(-1)
                    } else {
                        l.num
                    };
                }
            }
            if wait >= 0 {
                st.has_wait = true;
            }
            push_wait(&mut st.waits, &mut st.wait_limit, wait, v);
        }
        snapshots.push(SnapshotInfo {
            input: input.index,
            time_nanos: p.time_nanos,
            total,
            kind: input.kind,
        });
    }

    // Group line stacks into reported stacks.
    let mut groups: Vec<Vec<u32>> = Vec::new();
    match opts.granularity {
        Granularity::Lines | Granularity::Addresses => {
            for (i, st) in stacks.iter_mut().enumerate() {
                st.group = i as u32;
                groups.push(vec![i as u32]);
            }
        }
        _ => {
            let mut group_ids: HashMap<Box<[u32]>, u32> = HashMap::new();
            for (i, st) in stacks.iter_mut().enumerate() {
                buf.clear();
                buf.extend(
                    st.frames
                        .iter()
                        .map(|&f| t.frames.get(f as usize).map(|r| r.func).unwrap_or(UNSET)),
                );
                let g = match group_ids.get(buf.as_slice()) {
                    Some(&g) => g,
                    None => {
                        let g = groups.len() as u32;
                        group_ids.insert(buf.as_slice().into(), g);
                        groups.push(Vec::new());
                        g
                    }
                };
                st.group = g;
                if let Some(members) = groups.get_mut(g as usize) {
                    members.push(i as u32);
                }
            }
        }
    }

    let times: Vec<f64> = if timed {
        let t0 = inputs.first().map(|i| i.profile.time_nanos).unwrap_or(0);
        inputs
            .iter()
            .map(|i| (i.profile.time_nanos as f64 - t0 as f64) / 60e9)
            .collect()
    } else {
        Vec::new()
    };
    let index_x: Vec<f64> = (0..n).map(|i| i as f64).collect();

    let mut out: Vec<StackTrend> = groups
        .iter()
        .map(|members| build_stack(t, &stacks, members, kind, basis, opts, n, &times, &index_x))
        .collect();
    out.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| b.increase.cmp(&a.increase))
            .then_with(|| b.counts.last().cmp(&a.counts.last()))
            .then_with(|| a.title().cmp(b.title()))
    });
    Trend {
        basis,
        kind,
        snapshots,
        timed,
        stacks: out,
    }
}

fn rank(s: &StackTrend) -> (bool, Verdict) {
    (s.ignored, s.verdict)
}

fn slope(x: &[f64], y: &[i64]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return 0.0;
    }
    let nf = n as f64;
    let mx = x.iter().take(n).sum::<f64>() / nf;
    let my = y.iter().take(n).map(|&v| v as f64).sum::<f64>() / nf;
    let mut num = 0.0;
    let mut den = 0.0;
    for (xi, yi) in x.iter().zip(y) {
        num += (xi - mx) * (*yi as f64 - my);
        den += (xi - mx) * (xi - mx);
    }
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

fn build_stack(
    t: &Tables,
    stacks: &[LineStack],
    members: &[u32],
    kind: SnapshotKind,
    basis: Basis,
    opts: &Options,
    n: usize,
    times: &[f64],
    index_x: &[f64],
) -> StackTrend {
    let mut counts = vec![0i64; n];
    let mut rep: Option<&LineStack> = None;
    let mut states: Vec<(u32, i64)> = Vec::new();
    let mut waits: Vec<(i64, i64)> = Vec::new();
    let mut has_wait = false;
    let mut label_snap = 0usize;
    let mut creators: Vec<(u32, i64)> = Vec::new();
    for st in members.iter().filter_map(|&m| stacks.get(m as usize)) {
        for (c, v) in counts.iter_mut().zip(&st.counts) {
            *c = c.saturating_add(*v);
        }
        let better = match rep {
            None => true,
            Some(r) => st.counts.last() > r.counts.last(),
        };
        if better {
            rep = Some(st);
        }
        for &(k, v) in &st.creators {
            bump(&mut creators, k, v);
        }
        // Labels of the latest snapshot that has any.
        if !st.states.is_empty() || !st.waits.is_empty() {
            if st.label_snap > label_snap {
                label_snap = st.label_snap;
                states.clear();
                waits.clear();
                has_wait = false;
            }
            if st.label_snap == label_snap {
                for &(k, v) in &st.states {
                    bump(&mut states, k, v);
                }
                waits.extend_from_slice(&st.waits);
                has_wait |= st.has_wait;
            }
        }
    }
    let frame_ids: &[u32] = rep.map(|r| &*r.frames).unwrap_or(&[]);
    let frames: Vec<Frame> = frame_ids.iter().map(|&f| t.to_frame(f)).collect();
    let first = counts.first().copied().unwrap_or(0);
    let last = counts.last().copied().unwrap_or(0);
    let increase = last.saturating_sub(first);
    let monotonic = increase > 0 && counts.windows(2).all(|w| w[0] <= w[1]);
    let growth_per_snapshot = slope(index_x, &counts);
    let growth_per_minute = (!times.is_empty()).then(|| slope(times, &counts));
    let min_growth = match kind {
        SnapshotKind::Goroutine | SnapshotKind::GoroutineLeak => opts.min_growth,
        SnapshotKind::Heap => opts.min_heap_growth,
    };
    let relative_ok = first <= 0 || (increase as f64) >= opts.min_relative_growth * first as f64;
    let rate_ok = growth_per_minute.is_none_or(|r| r >= opts.min_rate_per_minute);
    let verdict = if basis == Basis::Runtime {
        Verdict::Proven
    } else if basis == Basis::WaitTime {
        // Decided below, once the kind and the waits are known.
        Verdict::Steady
    } else if increase >= min_growth.max(1) && relative_ok && rate_ok {
        if monotonic {
            Verdict::Leak
        } else {
            Verdict::Growing
        }
    } else if increase < 0 && last.saturating_mul(10) < first.saturating_mul(9) {
        Verdict::Shrinking
    } else {
        Verdict::Steady
    };

    let mut s = StackTrend {
        frames,
        counts,
        increase,
        growth_per_minute,
        growth_per_snapshot,
        monotonic,
        verdict,
        ignored: false,
        blocking: None,
        kind: None,
        state: None,
        entry: None,
        created_by: None,
        wait: None,
        stack_bytes: 0,
        heap_bytes: None,
        related: Vec::new(),
        proven: None,
        growth: None,
    };
    s.entry = s.frames.last().cloned();
    match kind {
        SnapshotKind::Heap => {
            s.blocking = s
                .frames
                .iter()
                .find(|f| !f.function.starts_with("runtime."))
                .or(s.frames.first())
                .cloned();
            s.heap_bytes = Some(last);
        }
        SnapshotKind::Goroutine | SnapshotKind::GoroutineLeak => {
            let names: Vec<&str> = frame_ids.iter().map(|&f| t.func_name(f)).collect();
            // Unnamed leading frames followed by named ones are the runtime
            // frames a `debug=1` text hides: parking machinery.
            let hidden = names.iter().take_while(|f| frames::is_address(f)).count();
            let hidden = if hidden < names.len() { hidden } else { 0 };
            // The first frame below the parking machinery, then the first
            // user frame from there (standard library frames skipped).
            let below = names
                .iter()
                .skip(hidden)
                .position(|f| !frames::is_parking(f))
                .map(|i| i + hidden)
                .unwrap_or(names.len());
            let user = names
                .iter()
                .skip(below)
                .position(|f| !frames::is_std(f))
                .map(|i| i + below);
            let bi = user.or((below < names.len()).then_some(below));
            s.blocking = bi.and_then(|i| s.frames.get(i)).cloned();
            let upto = bi.unwrap_or(names.len().saturating_sub(1));
            let from_frames = names
                .iter()
                .take(upto.saturating_add(1))
                .rev()
                .find_map(|f| BlockKind::from_function(f));
            states.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            s.state = states.first().map(|&(k, _)| t.strs.get(k).to_string());
            let from_state = s.state.as_deref().and_then(BlockKind::from_state);
            let has_gopark = hidden > 0 || names.first().is_some_and(|f| frames::is_parking(f));
            s.kind = Some(match (from_frames, from_state) {
                (Some(k), _) if k.is_specific() => k,
                (_, Some(k)) => k,
                (Some(k), None) => k,
                (None, None) if has_gopark => BlockKind::Parked,
                (None, None) => BlockKind::Running,
            });
            s.ignored = !opts.ignore_top.is_empty()
                && names
                    .iter()
                    .take(upto.saturating_add(1))
                    .any(|f| opts.ignore_top.iter().any(|i| i == f));
            s.stack_bytes = last.saturating_mul(opts.stack_bytes);
            // The most common creator (the first seen on ties).
            let mut best: Option<(u32, i64)> = None;
            for &(k, v) in &creators {
                if best.is_none_or(|(_, bv)| v > bv) {
                    best = Some((k, v));
                }
            }
            if let Some((k, _)) = best {
                s.created_by = Some(parse_creator(t.strs.get(k)));
            }
            if has_wait {
                compact_waits(&mut waits);
                s.wait = wait_stats(&mut waits, opts.min_wait_minutes);
            }
            if basis == Basis::WaitTime
                && s.kind.is_some_and(BlockKind::is_sync_wait)
                && s.wait
                    .as_ref()
                    .is_some_and(|w| w.long_waiting >= opts.min_waiting.max(1))
            {
                s.verdict = Verdict::LongWait;
            }
        }
    }
    s
}

/// Parses a `created_by` label: `main.handle`, optionally followed by
/// ` in goroutine N` and/or a `file:line` position.
fn parse_creator(text: &str) -> Creator {
    let mut parts = text.split_whitespace();
    let function = parts.next().unwrap_or("").to_string();
    let mut file = String::new();
    let mut line = 0;
    if let Some(pos) = text.split_whitespace().skip(1).find(|p| p.contains(':')) {
        let pos = pos.split(" +").next().unwrap_or(pos);
        if let Some((f, l)) = pos.rsplit_once(':') {
            if let Ok(l) = l.parse() {
                file = f.to_string();
                line = l;
            }
        }
    }
    Creator {
        function,
        file,
        line,
        source: CreatorSource::Label,
    }
}

fn wait_stats(waits: &mut [(i64, i64)], min_wait: i64) -> Option<WaitStats> {
    // -1 stands for "no wait label": less than a minute.
    for w in waits.iter_mut() {
        if w.0 < 0 {
            w.0 = 0;
        }
    }
    waits.sort_unstable();
    let total: i64 = waits.iter().map(|w| w.1).fold(0, i64::saturating_add);
    if total <= 0 {
        return None;
    }
    let min = waits.first()?.0;
    let max = waits.last()?.0;
    let mut acc = 0i64;
    let mut median = max;
    for &(m, c) in waits.iter() {
        acc = acc.saturating_add(c);
        if acc.saturating_mul(2) >= total {
            median = m;
            break;
        }
    }
    const EDGES: [i64; 6] = [0, 1, 5, 15, 60, 240];
    let mut buckets = Vec::new();
    for (i, &from) in EDGES.iter().enumerate() {
        let to = EDGES.get(i + 1).copied();
        let c: i64 = waits
            .iter()
            .filter(|w| w.0 >= from && to.is_none_or(|t| w.0 < t))
            .map(|w| w.1)
            .fold(0, i64::saturating_add);
        if c > 0 {
            buckets.push(WaitBucket {
                from_minutes: from,
                to_minutes: to,
                goroutines: c,
            });
        }
    }
    let long_waiting = waits
        .iter()
        .filter(|w| w.0 >= min_wait)
        .map(|w| w.1)
        .fold(0, i64::saturating_add);
    Some(WaitStats {
        goroutines: total,
        min_minutes: min,
        median_minutes: median,
        max_minutes: max,
        buckets,
        long_waiting,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_of_line() {
        let x = [0.0, 1.0, 2.0];
        assert!((slope(&x, &[1, 3, 5]) - 2.0).abs() < 1e-9);
        assert_eq!(slope(&[0.0], &[4]), 0.0);
        assert_eq!(slope(&[1.0, 1.0], &[4, 8]), 0.0);
    }

    #[test]
    fn creator_label_forms() {
        let c = parse_creator("main.handle");
        assert_eq!((c.function.as_str(), c.line), ("main.handle", 0));
        let c = parse_creator("main.handle in goroutine 7 /src/main.go:35 +0x6a");
        assert_eq!(c.function, "main.handle");
        assert_eq!((c.file.as_str(), c.line), ("/src/main.go", 35));
    }

    #[test]
    fn wait_distribution() {
        let mut w = vec![(-1, 3), (2, 1), (70, 2)];
        let s = wait_stats(&mut w, 60).unwrap();
        assert_eq!(s.long_waiting, 2);
        assert_eq!(s.goroutines, 6);
        assert_eq!((s.min_minutes, s.median_minutes, s.max_minutes), (0, 0, 70));
        assert_eq!(s.buckets.len(), 3);
        assert_eq!(s.buckets[2].from_minutes, 60);
        assert_eq!(s.buckets[2].goroutines, 2);
    }
}
