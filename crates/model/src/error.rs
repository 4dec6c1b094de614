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
    /// A sample has the wrong number of values (pprof's wording, which
    /// does not say which sample).
    #[error("mismatch: sample has {got} values vs. {want} types")]
    ValueCount {
        /// Sample index.
        sample: usize,
        /// Values found.
        got: usize,
        /// Sample types.
        want: usize,
    },
    /// A sample refers to a location id that no location has (pprof:
    /// `sample has nil location`).
    #[error("sample has nil location")]
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
    /// A location's line names function id 0 or an id that no function
    /// has.
    #[error("location id: {location_id} has a line with nil function")]
    DanglingFunction {
        /// The location's id (as written in the file).
        location_id: u64,
    },
    /// A mapping, function or location has the reserved id 0.
    #[error("found {table} with reserved {}=0", table.id_word())]
    ReservedId {
        /// Which table.
        table: IdTable,
    },
    /// Two entries of one table share an id.
    #[error("multiple {table}s with same id: {id}")]
    DuplicateId {
        /// Which table.
        table: IdTable,
        /// The id.
        id: u64,
    },
    /// A string id outside the table.
    #[error("{what} refers to a missing string")]
    DanglingString {
        /// What holds the id.
        what: &'static str,
    },
}

/// The tables of a profile whose entries carry ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdTable {
    /// `Profile.mapping`.
    Mapping,
    /// `Profile.function`.
    Function,
    /// `Profile.location`.
    Location,
}

impl IdTable {
    /// How pprof spells "id" in its message about id 0 for this table
    /// (`ID` for mappings and functions, `id` for locations).
    fn id_word(self) -> &'static str {
        match self {
            IdTable::Location => "id",
            IdTable::Mapping | IdTable::Function => "ID",
        }
    }
}

impl std::fmt::Display for IdTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IdTable::Mapping => "mapping",
            IdTable::Function => "function",
            IdTable::Location => "location",
        })
    }
}

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is empty.
    #[error("empty input file")]
    Empty,
    /// gzip data is corrupt or truncated.
    #[error("decompressing profile: {}", crate::gofmt::io_error_text(.0))]
    Decompress(std::io::Error),
    /// Decompressed data exceeds the configured limit.
    #[error("decompressed profile exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Memory for the decompressed data could not be allocated.
    #[error("decompressing profile: out of memory after {bytes} bytes")]
    OutOfMemory {
        /// Bytes decompressed when allocation failed.
        bytes: u64,
    },
    /// The decoded profile would take more memory than its budget (see
    /// [`crate::MemoryBudget`]); decoding stopped before spending it.
    #[error(
        "the decoded profile would need more than {budget} bytes of memory, \
         the budget for {input} bytes of profile data"
    )]
    OverBudget {
        /// The budget in bytes.
        budget: u64,
        /// Size of the uncompressed profile data, in bytes.
        input: u64,
    },
    /// The bytes are not a valid profile.proto message.
    #[error("parsing profile: {0}")]
    Decode(DecodeError),
    /// The profile breaks an invariant.
    #[error("malformed profile: {0}")]
    Invalid(ValidationError),
    /// Writing failed.
    #[error("writing profile: {}", crate::gofmt::io_error_text(.0))]
    Io(std::io::Error),
}

// Each variant shows its cause in its message, so none is a `source()`
// (the workspace's error convention: a cause is printed once).
impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Error {
        Error::Decode(e)
    }
}

impl From<ValidationError> for Error {
    fn from(e: ValidationError) -> Error {
        Error::Invalid(e)
    }
}

impl Error {
    /// Whether the data is most likely not profile.proto at all (so a caller
    /// may try other formats), as opposed to an empty input, a broken gzip
    /// stream, a resource limit, or a message that decodes but breaks an
    /// invariant (pprof reports those as they are).
    pub fn is_not_proto(&self) -> bool {
        match self {
            Error::Decode(d) => d.kind != DecodeErrorKind::Concatenated,
            // pprof tries other formats only when the message does not
            // decode; a decoded profile that breaks an invariant is refused.
            Error::Invalid(_) => false,
            _ => false,
        }
    }
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;
