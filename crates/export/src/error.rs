//! Errors of the export crate.

/// Everything that can go wrong while writing an export.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Writing the output failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// An external program (graphviz `dot`) is needed but is not on `PATH`.
    #[error("{program} not found on PATH: install graphviz to produce {format} output")]
    MissingProgram {
        /// The program that was looked for.
        program: String,
        /// The output format that needs it.
        format: String,
    },
    /// An external program ran but failed.
    #[error("{program} failed ({status}): {stderr}")]
    ProgramFailed {
        /// The program that ran.
        program: String,
        /// Its exit status, as text.
        status: String,
        /// What it wrote to stderr (trimmed).
        stderr: String,
    },
    /// The DOT text could not be laid out by the built-in renderer.
    #[error("cannot lay out the graph: {0}")]
    Layout(String),
    /// A sample value index is out of range for the profile's sample types.
    #[error("sample index {index} out of range: the profile has {count} sample types")]
    SampleIndex {
        /// The requested index.
        index: usize,
        /// How many sample types the profile has.
        count: usize,
    },
    /// The requested output format cannot be produced.
    #[error("unsupported output format {0:?}")]
    UnsupportedFormat(String),
}

/// Result type of this crate.
pub type Result<T> = std::result::Result<T, Error>;
