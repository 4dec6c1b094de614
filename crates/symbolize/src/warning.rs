//! What symbolization tells the user, as typed values whose text is
//! pprof's.

use std::fmt;

/// A message for the user (printed on stderr by the command). `Display`
/// gives pprof's text, which may span two lines.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// A `-symbolize` value with parts pprof does not know (two lines).
    UnrecognizedMode {
        /// The value as given.
        value: String,
    },
    /// The first mapping names no file.
    MainBinaryMissing,
    /// A binary could not be opened or read.
    LocalFailed {
        /// Base name of the mapping's file, with ` (build ID X)` when the
        /// mapping has one.
        name: String,
        /// Why, in one line.
        reason: String,
    },
    /// The binary found has another build id than the mapping.
    BuildIdMismatch {
        /// As in [`Warning::LocalFailed`].
        name: String,
    },
    /// A file on the search path has another build id than the mapping.
    IgnoringLocalFile {
        /// The file.
        path: String,
        /// The mapping's build id.
        wanted: String,
        /// The file's build id (may be empty).
        found: String,
    },
    /// Some mappings could not be symbolized for lack of a binary (two
    /// lines).
    SomeBinariesMissing,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::UnrecognizedMode { value } => write!(
                f,
                "ignoring unrecognized symbolization option: {value}\n\
                 expecting -symbolize=[local|fastlocal|remote|none][:force][:demangle=[none|full|templates|default]"
            ),
            Warning::MainBinaryMissing => f.write_str("Main binary filename not available."),
            Warning::LocalFailed { name, reason } => {
                write!(f, "Local symbolization failed for {name}: {reason}")
            }
            Warning::BuildIdMismatch { name } => {
                write!(f, "Local symbolization failed for {name}: build ID mismatch")
            }
            Warning::IgnoringLocalFile {
                path,
                wanted,
                found,
            } => write!(
                f,
                "Ignoring local file {path}: build-id mismatch ({wanted} != {found})"
            ),
            Warning::SomeBinariesMissing => f.write_str(
                "Some binary filenames not available. Symbolization may be incomplete.\n\
                 Try setting PPROF_BINARY_PATH to the search path for local binaries.",
            ),
        }
    }
}
