//! Errors of the legacy readers.

/// What went wrong while reading a legacy profile.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No reader recognized the input (pprof: "unrecognized profile format").
    #[error("unrecognized profile format")]
    Unrecognized,
    /// A Go count profile (`goroutine profile: total N`) has a bad record
    /// (pprof: "malformed profile format").
    #[error("malformed profile format")]
    Malformed,
    /// A recognized profile has a record that cannot be read.
    #[error("{0}")]
    BadRecord(String),
    /// A text line is longer than Go's line scanner accepts (64 KiB).
    #[error("bufio.Scanner: token too long")]
    LineTooLong,
    /// The parsed profile breaks an invariant (pprof: "malformed profile: ...").
    #[error("malformed profile: {0}")]
    Invalid(String),
}

impl Error {
    /// Whether this is the "unrecognized profile format" error, after which a
    /// caller may try other readers.
    pub fn is_unrecognized(&self) -> bool {
        matches!(self, Error::Unrecognized)
    }
}

/// Result of the legacy readers.
pub type Result<T, E = Error> = std::result::Result<T, E>;
