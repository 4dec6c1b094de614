//! Errors of this crate.

use addr2line::gimli;

/// Why an object file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObjectError {
    /// Not an object file of a known format, or a damaged one.
    #[error("{0}")]
    Parse(#[source] object::Error),
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not an object file this crate understands.
    #[error("cannot parse object file: {0}")]
    Object(#[from] ObjectError),
    /// The debug information is malformed.
    #[error("malformed DWARF: {0}")]
    Dwarf(#[from] gimli::Error),
    /// The mapping cannot be placed in the object file.
    #[error("could not identify base: {0}")]
    Base(&'static str),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
