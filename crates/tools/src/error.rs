//! Errors of the pprof-tools facade.

/// Everything that can stop a [`crate::Pipeline`] or the command line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A mistake on the command line (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// No source could be read; the first failure names its file.
    #[error("{first}{}", more_text(*.more))]
    Fetch {
        /// The first failure.
        first: pprof_fetch::Error,
        /// How many other sources failed too.
        more: usize,
    },
    /// No base profile could be read.
    #[error("base profile {first}{}", more_text(*.more))]
    FetchBase {
        /// The first failure.
        first: pprof_fetch::Error,
        /// How many other base sources failed too.
        more: usize,
    },
    /// Combining or filtering profiles failed.
    #[error(transparent)]
    Ops(#[from] pprof_ops::Error),
    /// The combined profile breaks an invariant.
    #[error(transparent)]
    Model(#[from] pprof_model::Error),
    /// The report could not be made (for example no function matches
    /// `-list`).
    #[error(transparent)]
    Report(#[from] pprof_report::Error),
    /// A graph export failed (for example Graphviz is missing).
    #[error(transparent)]
    Export(#[from] pprof_export::Error),
    /// An option value that cannot be used, such as a bad regexp or a zero
    /// divisor.
    #[error("{0}")]
    Option(String),
    /// Asking a server's symbol service failed (`-symbolize=remote`): pprof
    /// stops there too.
    #[error(transparent)]
    Symbolize(#[from] pprof_symbolize::remote::RemoteError<pprof_fetch::http::HttpError>),
    /// The requested output format is not implemented yet.
    #[error("-{format}: {hint}", format = .0, hint = not_implemented_hint(.0))]
    NotImplemented(&'static str),
    /// Writing the report failed.
    #[error("writing report: {0}")]
    Io(#[from] std::io::Error),
    /// The output file could not be written.
    #[error("{path}: {err}")]
    Output {
        /// The file.
        path: String,
        /// What went wrong.
        #[source]
        err: std::io::Error,
    },
}

fn not_implemented_hint(format: &str) -> &'static str {
    match format {
        "disasm" | "weblist" => {
            "annotated assembly needs the program's binaries and is not supported yet"
        }
        _ => "this output format is not implemented yet",
    }
}

fn more_text(more: usize) -> String {
    match more {
        0 => String::new(),
        1 => " (and 1 more source failed)".to_string(),
        n => format!(" (and {n} more sources failed)"),
    }
}

impl Error {
    /// The process exit status for this error: 2 for usage errors, 1
    /// otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 2,
            _ => 1,
        }
    }

    /// Whether the error is a closed output pipe (the reader went away),
    /// which the command treats as success.
    pub fn is_broken_pipe(&self) -> bool {
        match self {
            Error::Io(e)
            | Error::Output { err: e, .. }
            | Error::Report(pprof_report::Error::Io(e)) => {
                e.kind() == std::io::ErrorKind::BrokenPipe
            }
            _ => false,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
