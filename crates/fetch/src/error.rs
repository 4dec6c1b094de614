//! Errors of the fetch crate.

use std::fmt;

/// What went wrong while loading one source, without the source's name.
///
/// Every variant shows its cause in its message and none exposes it as a
/// `source()` (the workspace's convention: each cause is printed once).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file could not be opened or read.
    #[error("open {path}: {}", io_message(.err))]
    Open {
        /// The path as given.
        path: String,
        /// The operating system's error.
        err: std::io::Error,
    },
    /// The file was opened but reading it failed.
    #[error("read {path}: {}", io_message(.err))]
    Read {
        /// The path as given.
        path: String,
        /// The operating system's error.
        err: std::io::Error,
    },
    /// Reading standard input failed.
    #[error("reading standard input: {}", io_message(.0))]
    Stdin(std::io::Error),
    /// The file or standard input holds more bytes than the limit
    /// ([`crate::FetchOptions::max_decompressed`]), such as `/dev/zero`.
    #[error("reading profile: data exceeds the limit of {limit} bytes")]
    InputTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Memory ran out while reading or decompressing the data.
    #[error("reading profile: out of memory after {bytes} bytes")]
    OutOfMemory {
        /// Bytes held when allocation failed.
        bytes: u64,
    },
    /// The decoded profile would take more memory than the budget of
    /// [`crate::FetchOptions::memory_budget`].
    #[error(
        "parsing profile: the decoded profile would need more than {budget} bytes of memory, \
         the budget for {input} bytes of profile data (set {} to raise it)",
        crate::MEMORY_ENV
    )]
    OverBudget {
        /// The budget in bytes.
        budget: u64,
        /// Size of the uncompressed profile data, in bytes.
        input: u64,
    },
    /// The data starts like gzip but does not decompress.
    #[error("decompressing profile: {}", io_message(.0))]
    Decompress(std::io::Error),
    /// Decompressed data is larger than the configured limit.
    #[error("decompressing profile: data exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The source holds no bytes.
    #[error("parsing profile: empty input file")]
    Empty,
    /// Neither profile.proto nor any legacy format.
    #[error("parsing profile: unrecognized profile format")]
    Unrecognized,
    /// profile.proto data that cannot be decoded (for example
    /// concatenated profiles).
    #[error("parsing profile: {0}")]
    Proto(pprof_model::Error),
    /// A legacy text or binary profile that its parser rejected.
    #[error("parsing profile: {0}")]
    Legacy(pprof_legacy::Error),
    /// A `perf record` file (`PERFILE2`) that could not be read.
    #[error("parsing profile: {0}")]
    Perf(pprof_perf::Error),
    /// The profile was parsed but breaks an invariant of the model.
    #[error("malformed profile: {0}")]
    Malformed(pprof_model::ValidationError),
    /// The source is a URL and this build has no HTTP support (the `http`
    /// feature is off).
    #[error("fetching profiles over HTTP is not supported by this build")]
    HttpUnsupported,
    /// The [`crate::SourceHook`] that claimed the source failed.
    #[error("{0}")]
    Hook(Box<dyn std::error::Error + Send + Sync>),
    /// Fetching a URL failed. Displays as `go tool pprof` says it:
    /// `Get "URL": PROBLEM` or `server response: STATUS`.
    #[cfg(feature = "http")]
    #[error(transparent)]
    Http(crate::http::HttpError),
}

/// An error loading one source: the source's name and what went wrong.
///
/// Displays as `SOURCE: PROBLEM`, one line.
#[derive(Debug)]
pub struct Error {
    /// The source as the user named it (path, `-`, or URL).
    pub source_name: String,
    /// What went wrong.
    pub kind: ErrorKind,
}

impl Error {
    /// Creates an error for `source_name`.
    pub fn new(source_name: impl Into<String>, kind: ErrorKind) -> Self {
        Error {
            source_name: source_name.into(),
            kind,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source_name, self.kind)
    }
}

/// The message names the source and shows the whole problem, so there is
/// no `source()`: a printed chain names each cause once.
impl std::error::Error for Error {}

/// The memory budget in the environment ([`crate::MEMORY_ENV`]) is not a
/// size.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}={value:?}: not a size in bytes (such as 8GiB, 512MB or unlimited)",
    crate::MEMORY_ENV
)]
pub struct BadMemoryBudget {
    /// The variable's value.
    pub value: String,
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// An I/O error's message as Go prints it ("no such file or directory"):
/// [`pprof_model::gofmt::io_error_text`].
pub use pprof_model::gofmt::io_error_text as io_message;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_messages_read_like_go() {
        let err = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_message(&err), "no such file or directory");
        let e = Error::new(
            "x.pb.gz",
            ErrorKind::Open {
                path: "x.pb.gz".into(),
                err,
            },
        );
        assert_eq!(
            e.to_string(),
            "x.pb.gz: open x.pb.gz: no such file or directory"
        );
    }
}
