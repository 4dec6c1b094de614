//! The chosen report: an output format and its argument.

pub use pprof_report::OutputFormat;

/// The chosen report: a format and, for `-list`/`-peek`/`-disasm`/`-weblist`,
/// its regexp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    /// The format.
    pub format: OutputFormat,
    /// The regexp argument of formats that take one.
    pub regexp: Option<String>,
}
