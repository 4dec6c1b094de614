//! Errors of the driver.

use crate::value::ValueError;

/// A mistake on the command line (exit status 2), worded as pprof's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsageError {
    /// A flag that is not `-name` or `-name=value`.
    #[error("bad flag syntax: {0}")]
    BadSyntax(String),
    /// No flag of that name.
    #[error("flag provided but not defined: -{0}")]
    UnknownFlag(String),
    /// A flag that needs a value came last.
    #[error("flag needs an argument: -{0}")]
    MissingValue(String),
    /// A value that does not suit its flag.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// No source after the flags.
    #[error("no profile source specified")]
    NoSource,
    /// Two choices of one group (`-lines -files`).
    #[error("conflicting options set: [{}]", .0.join(" "))]
    ConflictingChoices(Vec<String>),
    /// Two output formats.
    #[error("must set at most one output format")]
    TwoFormats,
    /// `-http` with an output format.
    #[error("-http is not compatible with an output format on the command line")]
    HttpWithFormat,
    /// `-no_browser` without `-http`.
    #[error("-no_browser only makes sense with -http")]
    NoBrowserWithoutHttp,
    /// `--json` with a format that has no JSON form.
    #[error("--json is not available for -{0}; it works with -text, -top, -traces, -tags, -peek and -tree")]
    NoJson(&'static str),
    /// Both `-base` and `-diff_base`.
    #[error("-base and -diff_base flags cannot both be specified")]
    BaseAndDiffBase,
    /// `-normalize` without a base.
    #[error("must have base profile to normalize by")]
    NormalizeWithoutBase,
    /// The environment variable choosing the pprof to reproduce names none
    /// (the variable's name, then what is wrong).
    #[error("{0}: {1}")]
    CompatEnv(&'static str, pprof_model::UnknownDialect),
    /// A value of the right type outside what the flag allows (`leak
    /// -count 0`).
    #[error("invalid value {} for flag -{flag}: want {want}", pprof_model::gofmt::quote(.value))]
    OutOfRange {
        /// The flag's name.
        flag: &'static str,
        /// The value.
        value: String,
        /// What the flag takes.
        want: &'static str,
    },
    /// A length of time below the flag's least (`leak -every 500ms`).
    #[error("-{flag} {value} is too short: the least is {least}")]
    TooShort {
        /// The flag's name.
        flag: &'static str,
        /// The value.
        value: String,
        /// The least accepted.
        least: String,
    },
    /// A number above the flag's most (`leak -count 20000`).
    #[error("-{flag} {value} is too large: the most is {most}")]
    TooLarge {
        /// The flag's name.
        flag: &'static str,
        /// The value.
        value: String,
        /// The most accepted.
        most: u64,
    },
    /// `pprof-tools leak` without a snapshot.
    #[error("no snapshots given")]
    NoSnapshots,
    /// The leak command's live mode (`-every`, `-count`, a URL) with other
    /// than one URL.
    #[error("live mode takes exactly one URL (-every DURATION -count N URL)")]
    LiveNeedsOneUrl,
    /// `pprof-tools export` without `-parquet DIR`.
    #[error("export needs -parquet DIR: the dataset to write")]
    ExportNeedsDir,
    /// `pprof-tools sql` without a query.
    #[error("sql needs a query: pprof-tools sql \"SELECT ...\" SOURCE...")]
    SqlNeedsQuery,
    /// `pprof-tools sql` with both `-csv` and `-json`.
    #[error("-csv and -json cannot both be specified")]
    CsvAndJson,
}

/// Everything that can stop a [`crate::Pipeline`], a report or the command
/// line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A mistake on the command line (exit status 2).
    #[error(transparent)]
    Usage(#[from] UsageError),
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
    /// The memory budget in the environment is not a size.
    #[error(transparent)]
    MemoryBudget(#[from] pprof_fetch::BadMemoryBudget),
    /// No source was given to load.
    #[error("no profile source specified")]
    NoSource,
    /// Combining, filtering or selecting samples failed.
    #[error(transparent)]
    Ops(#[from] pprof_ops::Error),
    /// A filter's regexp does not parse (pprof's wording).
    #[error("parsing {option} regexp: {message}")]
    FilterRegex {
        /// The option (`focus`, `tagfocus`...).
        option: String,
        /// Go's message.
        message: String,
    },
    /// The regexp argument of `-list`, `-peek`... does not parse.
    #[error("parsing argument regexp {regexp}: {message}")]
    ArgumentRegex {
        /// The regexp as given.
        regexp: String,
        /// Go's message.
        message: String,
    },
    /// `-divide_by=0`.
    #[error("zero divisor specified")]
    ZeroDivisor,
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
    /// Asking a server's symbol service failed (`-symbolize=remote`): pprof
    /// stops there too.
    #[error(transparent)]
    Symbolize(#[from] pprof_symbolize::remote::RemoteError<pprof_fetch::http::HttpError>),
    /// The requested output format is not implemented yet.
    #[error("-{0}: this output format is not implemented yet")]
    NotImplemented(&'static str),
    /// Writing the report failed (the message includes the cause).
    #[error("writing report: {}", pprof_fetch::io_message(.0))]
    Io(std::io::Error),
    /// The output file could not be written.
    #[error(transparent)]
    Output(#[from] pprof_fetch::save::SaveError),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e)
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
    /// Whether the error is a closed output pipe (the reader went away),
    /// which the command treats as success.
    pub fn is_broken_pipe(&self) -> bool {
        let pipe = |e: &std::io::Error| e.kind() == std::io::ErrorKind::BrokenPipe;
        match self {
            Error::Io(e) | Error::Report(pprof_report::Error::Io(e)) => pipe(e),
            Error::Output(e) => pipe(&e.err),
            _ => false,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
