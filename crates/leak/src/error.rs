//! Errors of the leak analysis and of loading snapshots.

/// Why an analysis could not be made or its snapshots not loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No profile was given.
    #[error("no snapshots given")]
    NoSnapshots,
    /// Fewer snapshots of one kind than the growth analysis needs, and
    /// nothing else to analyse.
    #[error(
        "{kind} leak analysis needs at least {need} snapshots, got {got} \
         (or one goroutineleak profile, or one debug=2 dump)"
    )]
    TooFewSnapshots {
        /// `goroutine` or `heap`.
        kind: &'static str,
        /// Snapshots given.
        got: usize,
        /// Snapshots needed.
        need: usize,
    },
    /// A profile is neither a goroutine, goroutine leak nor heap profile.
    #[error("{}: neither a goroutine, goroutineleak nor heap (inuse_space) profile", snapshot(*.index, .name))]
    UnknownKind {
        /// Position of the profile in the input.
        index: usize,
        /// Its file or URL, when known (else empty).
        name: String,
    },
    /// A profile is not of the kind that the chosen mode requires.
    #[error("{}: not a {want} profile", snapshot(*.index, .name))]
    WrongKind {
        /// Position of the profile in the input.
        index: usize,
        /// Its file or URL, when known (else empty).
        name: String,
        /// The required kind.
        want: &'static str,
    },
    /// A snapshot could not be read, fetched or parsed. Displays as
    /// `SOURCE: PROBLEM`.
    #[error(transparent)]
    Load(#[from] pprof_fetch::Error),
    /// Live mode was given a source that does not name a server.
    #[error("{source_name}: not a URL (live mode takes http://host:port/..., or host:port)")]
    NotAUrl {
        /// The source as given.
        source_name: String,
    },
    /// The memory budget in the environment is not a size.
    #[error(transparent)]
    MemoryBudget(#[from] pprof_fetch::BadMemoryBudget),
    /// Standard input (`-`) was named twice.
    #[error("standard input (-) can be read only once")]
    StdinTwice,
}

fn snapshot(index: usize, name: &str) -> String {
    if name.is_empty() {
        format!("snapshot {index}")
    } else {
        name.to_string()
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
