//! Errors of the leak analysis.

/// Why an analysis could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No profile was given.
    #[error("no snapshots given")]
    NoSnapshots,
    /// Fewer snapshots of one kind than the analysis needs.
    #[error("{kind} leak analysis needs at least {need} snapshots, got {got}")]
    TooFewSnapshots {
        /// `goroutine` or `heap`.
        kind: &'static str,
        /// Snapshots given.
        got: usize,
        /// Snapshots needed.
        need: usize,
    },
    /// A profile is neither a goroutine nor a heap profile.
    #[error("snapshot {index} is neither a goroutine nor a heap (inuse_space) profile")]
    UnknownKind {
        /// Position of the profile in the input.
        index: usize,
    },
    /// A profile is not of the kind that the chosen mode requires.
    #[error("snapshot {index} is not a {want} profile")]
    WrongKind {
        /// Position of the profile in the input.
        index: usize,
        /// The required kind.
        want: &'static str,
    },
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
