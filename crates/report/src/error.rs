//! Errors of report generation.

/// Errors returned while generating a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Writing the report failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// `-list`, `-peek` (or another symbol-driven report) matched nothing.
    /// The message is pprof's `no matches found for regexp: RE`.
    #[error("no matches found for regexp: {0}")]
    NoMatches(String),
    /// The report needs a symbol regular expression (`-list`, `-peek`).
    #[error("this report needs a symbol regular expression")]
    MissingSymbol,
    /// The current directory could not be read (pprof's
    /// `could not stat current dir: ...`).
    #[error("could not stat current dir: {0}")]
    CurrentDir(std::io::Error),
    /// An object file could not be disassembled (`-disasm`, `-weblist`).
    #[error(transparent)]
    Disasm(#[from] crate::asm::ObjError),
    /// The output format is not a text report of this crate.
    #[error("unexpected output format")]
    UnsupportedFormat,
}

/// Result of report generation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
