//! Errors of profile operations.

/// An error from a profile operation.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// `merge` was given no profiles.
    #[error("no profiles to merge")]
    NoProfiles,
    /// Two profiles have different period types.
    #[error("incompatible period types {0} and {1}")]
    IncompatiblePeriodTypes(String, String),
    /// Two profiles have different sample types.
    #[error("incompatible sample types {0} and {1}")]
    IncompatibleSampleTypes(String, String),
    /// Value types whose units cannot be converted into each other.
    #[error("incompatible types: {0} {1}")]
    IncompatibleTypes(String, String),
    /// Profiles with different numbers of sample types.
    #[error("inconsistent samples type count: {0} != {1}")]
    SampleTypeCount(usize, usize),
    /// No sample type is common to all the profiles being combined (today's
    /// pprof keeps only the common ones).
    #[error("profiles have empty common sample type list")]
    NoCommonSampleTypes,
    /// A sample type counted as common is missing from one profile (a
    /// profile naming one type twice can cause this).
    #[error("{0:?} sample type is not found in profile")]
    SampleTypeNotFound(String),
    /// A wrong number of ratios was given to `scale_n`.
    #[error("mismatched scale ratios, got {got}, want {want}")]
    RatioCount {
        /// Ratios given.
        got: usize,
        /// Sample types in the profile.
        want: usize,
    },
    /// A regular expression option did not compile.
    #[error("parsing {option} regexp: {message}")]
    Regex {
        /// Option name, such as `focus`.
        option: String,
        /// The regex compiler's message.
        message: String,
    },
    /// The profile's drop_frames or keep_frames expression did not compile.
    #[error("failed to compile regexp {expr}: {message}")]
    FrameRegex {
        /// The expression as written in the profile.
        expr: String,
        /// The compiler's message.
        message: String,
    },
    /// A number in a tag filter range does not fit in 64 bits.
    #[error("failed to parse int {0}")]
    BadNumber(String),
    /// `-sample_index` names no sample type.
    #[error("sample_index {0} is outside the range [0..{1}]")]
    SampleIndexRange(String, i64),
    /// `-sample_index` names an unknown sample type.
    #[error("sample_index {name} must be one of: {valid}")]
    SampleIndexName {
        /// The requested name, quoted.
        name: String,
        /// Valid names, comma separated.
        valid: String,
    },
    /// An error with the step that raised it (`period type`, `sample types`, `scale`).
    #[error("{context}: {inner}")]
    Context {
        /// What was being done.
        context: &'static str,
        /// The error (shown in this error's message, not as its source).
        inner: Box<Error>,
    },
    /// A message pprof prints as is, such as `profile has no samples` or
    /// `unexpected granularity`.
    #[error("{0}")]
    Message(String),
    /// The profile breaks the model's invariants.
    #[error("invalid profile: {0}")]
    Invalid(String),
}

/// Result of profile operations.
pub type Result<T> = std::result::Result<T, Error>;
