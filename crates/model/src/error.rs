//! Errors of the model crate.

/// What went wrong while decoding protobuf bytes. Cheap to copy and compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The input ended inside a field.
    #[error("unexpected end of data")]
    Truncated,
    /// A varint is longer than 10 bytes.
    #[error("varint overflows 64 bits")]
    VarintOverflow,
    /// A field uses a wire type that protobuf does not define or that does not fit the field.
    #[error("invalid wire type {0}")]
    WireType(u8),
    /// A field number of 0 (no longer produced: pprof skips such fields as unknown).
    #[error("field number 0")]
    FieldZero,
    /// A length prefix runs past the end of its enclosing message.
    #[error("length {0} runs past the end of the message")]
    Length(u64),
    /// A string index outside the string table.
    #[error("string index {0} out of range")]
    StringIndex(i64),
    /// The first string of the table is not empty.
    #[error("string_table[0] must be empty")]
    FirstStringNotEmpty,
    /// Two time_nanos fields: several profiles were concatenated.
    #[error("concatenated profiles detected")]
    Concatenated,
    /// An id of 0 where ids must be non-zero.
    #[error("reserved id 0")]
    ZeroId,
    /// Two entries of one table share an id.
    #[error("duplicate id {0}")]
    DuplicateId(u64),
    /// A sample refers to a location id that the profile does not define.
    #[error("unknown location id {0}")]
    UnknownLocation(u64),
    /// A line refers to a function id that the profile does not define.
    #[error("unknown function id {0}")]
    UnknownFunction(u64),
}

/// A decode error with where it happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{kind} in {field} at byte {offset}")]
pub struct DecodeError {
    /// What went wrong.
    pub kind: DecodeErrorKind,
    /// The message or field being read, such as `Sample.location_id`.
    pub field: &'static str,
    /// Byte offset in the uncompressed data.
    pub offset: usize,
}

/// A broken invariant of a decoded or built profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// Samples exist but no sample types.
    #[error("missing sample type information")]
    MissingSampleTypes,
    /// A sample has the wrong number of values.
    #[error("mismatch: sample {sample} has {got} values vs. {want} types")]
    ValueCount {
        /// Sample index.
        sample: usize,
        /// Values found.
        got: usize,
        /// Sample types.
        want: usize,
    },
    /// A sample refers to a missing location.
    #[error("sample {sample} refers to a missing location")]
    DanglingLocation {
        /// Sample index.
        sample: usize,
    },
    /// A location refers to a missing mapping.
    #[error("location {location} refers to a missing mapping")]
    DanglingMapping {
        /// Location index.
        location: usize,
    },
    /// A location line refers to a missing function.
    #[error("location {location} has a line with a missing function")]
    DanglingFunction {
        /// Location index.
        location: usize,
    },
    /// A string id outside the table.
    #[error("{what} refers to a missing string")]
    DanglingString {
        /// What holds the id.
        what: &'static str,
    },
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is empty.
    #[error("empty input file")]
    Empty,
    /// gzip data is corrupt or truncated.
    #[error("decompressing profile: {0}")]
    Decompress(#[source] std::io::Error),
    /// Decompressed data exceeds the configured limit.
    #[error("decompressed profile exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The bytes are not a valid profile.proto message.
    #[error("parsing profile: {0}")]
    Decode(#[from] DecodeError),
    /// The profile breaks an invariant.
    #[error("malformed profile: {0}")]
    Invalid(#[from] ValidationError),
    /// Writing failed.
    #[error("writing profile: {0}")]
    Io(#[source] std::io::Error),
}

impl Error {
    /// Whether the data is most likely not profile.proto at all (so a caller
    /// may try other formats), as opposed to an empty input, a broken gzip
    /// stream or a resource limit.
    pub fn is_not_proto(&self) -> bool {
        match self {
            Error::Decode(d) => d.kind != DecodeErrorKind::Concatenated,
            Error::Invalid(_) => true,
            _ => false,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
