//! Loading profiles: a source name (a file path, `-` for standard input,
//! later a URL) becomes a validated [`pprof_model::Profile`].
//!
//! The order of attempts is pprof's: read the bytes; if they start with the
//! gzip magic, decompress them (bounded by
//! [`FetchOptions::max_decompressed`]); a `perf record` file (`PERFILE2`)
//! is read by `pprof-perf`; try profile.proto; unless the data
//! was empty or held concatenated profiles, try the legacy text and binary
//! formats; finally check the profile's invariants.
//!
//! ```
//! use pprof_model::{Profile, Sample, ValueType};
//!
//! let mut p = Profile::new();
//! let (ty, unit) = (p.intern("samples"), p.intern("count"));
//! p.sample_types.push(ValueType { r#type: ty, unit });
//! p.samples.push(Sample { values: vec![7], ..Default::default() });
//! let bytes = pprof_model::encode(&p);
//!
//! let back = pprof_fetch::parse_data(&bytes, &pprof_fetch::FetchOptions::default())
//!     .map_err(|kind| pprof_fetch::Error::new("memory", kind))?;
//! assert_eq!(back.samples.at(0).values, vec![7]);
//! # Ok::<(), pprof_fetch::Error>(())
//! ```
//!
//! # Crate features
//!
//! * `http` (default): [`fetch`] requests URLs (`http://`, `https://`,
//!   `host:port/path`) with the [`http`] module; without it a URL gives
//!   [`ErrorKind::HttpUnsupported`].
//!
//! # Design constraints
//!
//! * No printing; every failure is a typed [`Error`] naming its source.
//! * Decompression is bounded, so a gzip bomb is an error.
#![deny(missing_docs)]

mod error;
#[cfg(feature = "http")]
pub mod http;
pub mod ordered;
pub mod save;

use std::path::PathBuf;

pub use error::{io_message, BadMemoryBudget, Error, ErrorKind, Result};
use pprof_model::{DecodeOptions, MemoryBudget, Profile, ReadError};

/// The environment variable [`FetchOptions::from_env`] reads the memory
/// budget from: a size in bytes with an optional unit (`8GiB`, `8G`,
/// `512MB`, `1000000000`), or `unlimited`.
pub const MEMORY_ENV: &str = "PPROF_TOOLS_MAX_MEMORY";

/// Options for loading sources.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FetchOptions {
    /// Largest accepted size of a file or standard input, and of
    /// decompressed data, in bytes (see [`Self::input_limit`]): `/dev/zero`
    /// is an error, not an out-of-memory abort. Default:
    /// [`pprof_model::DEFAULT_MAX_DECOMPRESSED`].
    pub max_decompressed: u64,
    /// How much memory a decoded profile may take. Default:
    /// [`MemoryBudget::FromInput`] (see [`pprof_model::BUDGET_PER_INPUT_BYTE`]).
    pub memory_budget: MemoryBudget,
    /// Duration of a profile to request from a server, in seconds (pprof's
    /// `-seconds`). Default: `None`. Used once HTTP fetching exists.
    pub seconds: Option<i64>,
    /// Timeout for remote fetches, in seconds (pprof's `-timeout`).
    /// Default: `None`. Used once HTTP fetching exists.
    pub timeout: Option<i64>,
    /// Name the frames of Go `debug=1` text profiles from their `#` lines
    /// ([`pprof_legacy::ParseOptions::text_frames`]); pprof ignores them.
    /// Default: false.
    pub text_frames: bool,
    /// The sample labels a profile.proto source keeps
    /// ([`pprof_model::DecodeOptions::labels`]). Default: all.
    pub labels: pprof_model::LabelNeed,
    /// Keep a large profile.proto source's decompressed bytes with its
    /// samples, for a caller that writes the profile back out
    /// ([`pprof_model::DecodeOptions::keep_records`]). Default: false.
    pub keep_records: bool,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_decompressed: pprof_model::DEFAULT_MAX_DECOMPRESSED,
            memory_budget: MemoryBudget::default(),
            seconds: None,
            timeout: None,
            text_frames: false,
            labels: pprof_model::LabelNeed::All,
            keep_records: false,
        }
    }
}

impl FetchOptions {
    /// The most bytes read from a file, standard input or a decompressed
    /// stream: [`Self::max_decompressed`], and no more than a memory budget
    /// of [`MemoryBudget::Bytes`].
    pub fn input_limit(&self) -> u64 {
        match self.memory_budget {
            MemoryBudget::Bytes(n) => self.max_decompressed.min(n),
            _ => self.max_decompressed,
        }
    }

    /// The defaults, with the memory budget from [`MEMORY_ENV`] when it is
    /// set. A value that is not a size is an error naming the variable.
    ///
    /// ```
    /// use pprof_fetch::{parse_memory_budget, FetchOptions};
    /// use pprof_model::MemoryBudget;
    ///
    /// assert_eq!(parse_memory_budget("8GiB"), Some(MemoryBudget::Bytes(8 << 30)));
    /// assert_eq!(parse_memory_budget("unlimited"), Some(MemoryBudget::Unlimited));
    /// assert_eq!(parse_memory_budget("lots"), None);
    /// # let _ = FetchOptions::from_env();
    /// ```
    pub fn from_env() -> std::result::Result<FetchOptions, BadMemoryBudget> {
        let mut opts = FetchOptions::default();
        if let Some(v) = std::env::var_os(MEMORY_ENV) {
            let text = v.to_string_lossy();
            opts.memory_budget = parse_memory_budget(&text).ok_or_else(|| BadMemoryBudget {
                value: text.into_owned(),
            })?;
        }
        Ok(opts)
    }
}

/// Reads a memory budget as [`MEMORY_ENV`] holds it: `unlimited`, or a
/// size as [`parse_byte_size`] reads it.
pub fn parse_memory_budget(text: &str) -> Option<MemoryBudget> {
    if text.trim().eq_ignore_ascii_case("unlimited") {
        return Some(MemoryBudget::Unlimited);
    }
    parse_byte_size(text).map(MemoryBudget::Bytes)
}

/// Reads a size in bytes: a number (`123`, `1.5`) with an optional unit:
/// `B`, `K`, `M`, `G`, `T` (powers of 1000, also spelled `KB`...) or
/// `KiB`, `MiB`, `GiB`, `TiB` (powers of 1024); case and spaces around the
/// unit do not matter. A fraction of a byte rounds to the nearest byte.
///
/// ```
/// assert_eq!(pprof_fetch::parse_byte_size("8GiB"), Some(8 << 30));
/// assert_eq!(pprof_fetch::parse_byte_size("1.5 kb"), Some(1500));
/// assert_eq!(pprof_fetch::parse_byte_size("-1"), None);
/// ```
pub fn parse_byte_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "t" | "tb" => 1_000_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "tib" => 1 << 40,
        _ => return None,
    };
    if number.contains('.') {
        // Digits and one dot only (Rust's float syntax would also take
        // "inf" and exponents, which the split above already excludes).
        let x: f64 = number.parse().ok()?;
        let bytes = (x * scale as f64).round();
        return (bytes.is_finite() && bytes < u64::MAX as f64).then_some(bytes as u64);
    }
    number.parse::<u64>().ok()?.checked_mul(scale)
}

/// Where a source's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SourceKind {
    /// A local file.
    File(PathBuf),
    /// Standard input (the source `-`).
    Stdin,
    /// A URL (`http://host/path`, or `host:port/path` as pprof accepts).
    Url(String),
}

/// Decides how a source name is read, as pprof does: anything that looks
/// like `scheme://host/...` or `host:port[/...]` is a URL, `-` is standard
/// input, everything else a file path.
pub fn classify(source: &str) -> SourceKind {
    if source == "-" {
        return SourceKind::Stdin;
    }
    if let Some((scheme, rest)) = source.split_once("://") {
        let scheme_ok = !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if scheme_ok && !scheme.eq_ignore_ascii_case("file") && !rest.is_empty() {
            return SourceKind::Url(source.to_string());
        }
        return SourceKind::File(PathBuf::from(source));
    }
    // host:port or host:port/path, which pprof completes with http://.
    let head = source.split('/').next().unwrap_or("");
    if let Some((host, port)) = head.rsplit_once(':') {
        let host_ok = host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '[' | ']'));
        if host_ok
            && port.chars().all(|c| c.is_ascii_digit())
            && !(host.is_empty() && port.is_empty())
        {
            return SourceKind::Url(format!("http://{source}"));
        }
    }
    SourceKind::File(PathBuf::from(source))
}

/// Reads the raw bytes of a local source (a file or standard input), at
/// most [`FetchOptions::input_limit`] of them; a URL gives
/// [`ErrorKind::HttpUnsupported`] (use [`fetch`] or the `http` module).
pub fn read_source(source: &str, opts: &FetchOptions) -> Result<Vec<u8>> {
    let fail = |kind| Error::new(source, kind);
    match classify(source) {
        SourceKind::Stdin => {
            read_sniffed(std::io::stdin().lock(), 0, opts, ErrorKind::Stdin).map_err(fail)
        }
        SourceKind::File(path) => {
            let file = std::fs::File::open(&path).map_err(|err| {
                fail(ErrorKind::Open {
                    path: source.to_string(),
                    err,
                })
            })?;
            // The size of a regular file sizes the buffer; devices and
            // pipes say 0 and are read up to the limit.
            let hint = file.metadata().map(|m| m.len()).unwrap_or(0);
            read_sniffed(file, hint, opts, |err| ErrorKind::Read {
                path: source.to_string(),
                err,
            })
            .map_err(fail)
        }
        SourceKind::Url(_) => Err(fail(ErrorKind::HttpUnsupported)),
    }
}

/// How much of a source of unknown size is read before asking whether it
/// can be a profile at all: more than Go's longest text line (64 KiB).
const SNIFF: u64 = 128 << 10;

/// Reads a local source of `hint` bytes (0: unknown, as for devices and
/// pipes) up to [`FetchOptions::input_limit`]. A source of unknown size is
/// first read [`SNIFF`] bytes far; when those bytes already decide that
/// the whole cannot be parsed ([`verdict_from_prefix`]), that error comes
/// at once instead of after reading up to the limit (`/dev/zero`).
fn read_sniffed(
    mut r: impl std::io::Read,
    hint: u64,
    opts: &FetchOptions,
    io: impl Fn(std::io::Error) -> ErrorKind,
) -> std::result::Result<Vec<u8>, ErrorKind> {
    use std::io::Read;
    let limit = opts.input_limit();
    if hint > 0 || limit <= SNIFF {
        return pprof_model::read_to_end_bounded(r, limit, hint).map_err(|e| read_error(e, io));
    }
    let head = pprof_model::read_to_end_bounded((&mut r).take(SNIFF), limit, 0)
        .map_err(|e| read_error(e, &io))?;
    if (head.len() as u64) < SNIFF {
        return Ok(head);
    }
    if let Some(kind) = verdict_from_prefix(&head, opts) {
        return Err(kind);
    }
    pprof_model::read_to_end_bounded(std::io::Cursor::new(head).chain(r), limit, 0)
        .map_err(|e| read_error(e, io))
}

/// The error that parsing any data starting with `prefix` (at least
/// [`SNIFF`] bytes) is bound to give, when the prefix decides it. Data
/// whose first byte is zero is no gzip, perf.data or profile.proto (field
/// number 0 does not exist), and unless it starts like a gperftools CPU
/// profile only a text reader could take it, which fails on its first
/// line when no newline comes within 64 KiB: what the prefix gives then
/// is what the whole gives.
fn verdict_from_prefix(prefix: &[u8], opts: &FetchOptions) -> Option<ErrorKind> {
    if prefix.first() != Some(&0) || pprof_legacy::starts_like_cpu_profile(prefix) {
        return None;
    }
    match parse_data(prefix, opts) {
        Err(kind @ ErrorKind::Legacy(pprof_legacy::Error::LineTooLong)) => Some(kind),
        _ => None,
    }
}

/// The error of a bounded read; `io` says which read failed.
pub(crate) fn read_error(e: ReadError, io: impl FnOnce(std::io::Error) -> ErrorKind) -> ErrorKind {
    match e {
        ReadError::TooLarge { limit } => ErrorKind::InputTooLarge { limit },
        ReadError::OutOfMemory { read } => ErrorKind::OutOfMemory { bytes: read },
        ReadError::Io(err) => io(err),
        // A future kind of failure still names the source.
        other => io(std::io::Error::other(other.to_string())),
    }
}

/// Opens the sources that are no profile file, such as a directory that a
/// higher crate reads as a whole (pprof-fleet's Parquet datasets):
/// `Some` with the profile, or with why it failed, when the hook takes the
/// source; `None` to let [`fetch`] read it as usual.
pub type SourceHook = fn(&str) -> Option<std::result::Result<Profile, ErrorKind>>;

static SOURCE_HOOK: std::sync::OnceLock<SourceHook> = std::sync::OnceLock::new();

/// Installs the program's [`SourceHook`], which [`fetch`] asks first about
/// every source. There is one per process; false when one was already set.
pub fn set_source_hook(hook: SourceHook) -> bool {
    SOURCE_HOOK.set(hook).is_ok()
}

/// The profile of `source` when the program's [`SourceHook`] takes it
/// (before anything else is tried: a dataset's selectors could look like
/// a URL's); `None` otherwise.
pub fn from_hook(source: &str) -> Option<Result<Profile>> {
    let r = SOURCE_HOOK.get().and_then(|hook| hook(source))?;
    Some(r.map_err(|kind| Error::new(source, kind)))
}

/// Loads one source into a validated profile: through the [`SourceHook`]
/// when it takes the source; otherwise, with the `http` feature, a URL is
/// fetched (default TLS options, no progress messages; see
/// [`http::fetch_remote`] for those), and anything else read as a file.
pub fn fetch(source: &str, opts: &FetchOptions) -> Result<Profile> {
    if let Some(r) = from_hook(source) {
        return r;
    }
    #[cfg(feature = "http")]
    if let Some((_, body)) = http::fetch_remote(
        source,
        opts.seconds,
        opts.timeout,
        &http::HttpOptions::default(),
        &|_| {},
    ) {
        let data = body.map_err(|e| Error::new(source, ErrorKind::Http(e)))?;
        return parse_data(&data, opts).map_err(|kind| Error::new(source, kind));
    }
    if let SourceKind::File(path) = classify(source) {
        if let Some(r) = parse_gzip_file(&path, opts) {
            return r.map_err(|kind| Error::new(source, kind));
        }
    }
    let data = read_source(source, opts)?;
    parse_data(&data, opts).map_err(|kind| Error::new(source, kind))
}

/// A large gzip file parsed as it is read: the thread that inflates it
/// reads it, while this one decodes what is inflated (the result of
/// [`parse_data`] on the file's bytes). `None` for anything else (not a
/// regular file, small, no gzip, beyond the input limit, unreadable): the
/// file is then read as a whole, which gives those cases their errors.
fn parse_gzip_file(
    path: &std::path::Path,
    opts: &FetchOptions,
) -> Option<std::result::Result<Profile, ErrorKind>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    let len = meta.len();
    let limit = opts.input_limit();
    if !meta.is_file() || len < pprof_model::OVERLAPPED_GZIP_BYTES as u64 || len > limit {
        return None;
    }
    let mut head = [0u8; 2];
    let mut tail = [0u8; 4];
    file.read_exact(&mut head).ok()?;
    file.seek(SeekFrom::End(-4)).ok()?;
    file.read_exact(&mut tail).ok()?;
    file.seek(SeekFrom::Start(0)).ok()?;
    if !pprof_model::is_gzip(&head) {
        return None;
    }
    // (A file that grows while it is read stops at the input limit.)
    let dopts = decode_options(opts);
    let raw = pprof_model::decompress_decoding_from(file.take(limit), len, tail, &dopts);
    Some(
        raw.map_err(decompress_error)
            .and_then(|raw| parse_decompressed(raw, opts)),
    )
}

/// Parses profile bytes in any supported format, in pprof's order: gzip,
/// profile.proto, then the legacy formats; then validation.
pub fn parse_data(data: &[u8], opts: &FetchOptions) -> std::result::Result<Profile, ErrorKind> {
    let dopts = decode_options(opts);
    // Large gzip data is decoded as it is inflated.
    let raw = pprof_model::decompress_decoding(data, &dopts).map_err(decompress_error)?;
    parse_decompressed(raw, opts)
}

/// The error of decompressing a source.
fn decompress_error(e: pprof_model::Error) -> ErrorKind {
    match e {
        pprof_model::Error::Decompress(io) => ErrorKind::Decompress(io),
        pprof_model::Error::TooLarge { limit } => ErrorKind::TooLarge { limit },
        pprof_model::Error::OutOfMemory { bytes } => ErrorKind::OutOfMemory { bytes },
        other => ErrorKind::Proto(other),
    }
}

/// [`parse_data`] after decompressing.
fn parse_decompressed(
    mut raw: pprof_model::Decompressed<'_>,
    opts: &FetchOptions,
) -> std::result::Result<Profile, ErrorKind> {
    let dopts = decode_options(opts);
    // Beyond pprof: `perf record` files, recognized by their magic.
    if pprof_perf::is_perf_data(raw.bytes()) {
        return pprof_perf::parse(raw.bytes())
            .map_err(ErrorKind::Perf)
            .and_then(validate);
    }
    match raw.profile(&dopts) {
        Ok(p) => validate(p),
        Err(pprof_model::Error::Empty) => Err(ErrorKind::Empty),
        // A message that decodes but breaks an invariant is a broken
        // profile, not some other format: pprof tries no other reader.
        Err(pprof_model::Error::Invalid(v)) => Err(ErrorKind::Malformed(v)),
        Err(pprof_model::Error::OverBudget { budget, input }) => {
            Err(ErrorKind::OverBudget { budget, input })
        }
        Err(e) if e.is_not_proto() => match parse_legacy(raw.bytes(), opts) {
            Ok(p) => validate(p),
            Err(other) => Err(other),
        },
        Err(e) => Err(ErrorKind::Proto(e)),
    }
}

fn decode_options(opts: &FetchOptions) -> DecodeOptions {
    let mut d = DecodeOptions::default();
    d.max_decompressed = opts.input_limit();
    d.memory_budget = opts.memory_budget;
    d.labels = opts.labels.clone();
    d.keep_records = opts.keep_records;
    d
}

fn validate(p: Profile) -> std::result::Result<Profile, ErrorKind> {
    match p.check_valid() {
        Ok(()) => Ok(p),
        Err(pprof_model::Error::Invalid(v)) => Err(ErrorKind::Malformed(v)),
        Err(other) => Err(ErrorKind::Proto(other)),
    }
}

/// The legacy formats (pprof's `parseLegacy`).
fn parse_legacy(data: &[u8], opts: &FetchOptions) -> std::result::Result<Profile, ErrorKind> {
    let lo = pprof_legacy::ParseOptions::default().with_text_frames(opts.text_frames);
    match pprof_legacy::parse_with(data, &lo) {
        Ok(p) => Ok(p),
        Err(pprof_legacy::Error::Unrecognized) => Err(ErrorKind::Unrecognized),
        Err(e) => Err(ErrorKind::Legacy(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The program's hook sees every source first; what it leaves is read
    /// as usual, and its failures name the source.
    #[test]
    fn the_source_hook_answers_first() {
        fn hook(source: &str) -> Option<std::result::Result<Profile, ErrorKind>> {
            match source.strip_prefix("hook-test:")? {
                "ok" => Some(Ok(Profile::new())),
                _ => Some(Err(ErrorKind::Hook("no such selection".into()))),
            }
        }
        assert!(set_source_hook(hook));
        assert!(!set_source_hook(hook), "one hook per process");
        let opts = FetchOptions::default();
        assert_eq!(fetch("hook-test:ok", &opts).unwrap().samples.len(), 0);
        let e = fetch("hook-test:bad", &opts).unwrap_err().to_string();
        assert_eq!(e, "hook-test:bad: no such selection");
        let e = fetch("/nonexistent/p.pb.gz", &opts)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("/nonexistent/p.pb.gz: open "), "{e}");
    }

    #[test]
    fn classify_sources() {
        assert_eq!(classify("-"), SourceKind::Stdin);
        assert_eq!(
            classify("profiles/cpu.pb.gz"),
            SourceKind::File("profiles/cpu.pb.gz".into())
        );
        assert_eq!(
            classify("http://localhost:6060/debug/pprof/heap"),
            SourceKind::Url("http://localhost:6060/debug/pprof/heap".into())
        );
        assert_eq!(
            classify("localhost:6060/debug/pprof/heap"),
            SourceKind::Url("http://localhost:6060/debug/pprof/heap".into())
        );
        assert_eq!(classify("a:b"), SourceKind::File("a:b".into()));
        assert_eq!(classify("file:///x"), SourceKind::File("file:///x".into()));
    }

    #[test]
    fn empty_and_garbage() {
        let o = FetchOptions::default();
        assert!(matches!(parse_data(b"", &o), Err(ErrorKind::Empty)));
        assert!(matches!(
            parse_data(b"hello, world\n", &o),
            Err(ErrorKind::Unrecognized)
        ));
        assert!(matches!(
            parse_data(&[0x1f, 0x8b, 1, 2, 3], &o),
            Err(ErrorKind::Decompress(_))
        ));
    }

    /// `-top /dev/zero` read until allocation failed, then (with a limit)
    /// read 4 GiB before failing; its first bytes decide it now.
    #[test]
    fn issue12_dev_zero_is_refused_from_its_first_bytes() {
        // The default limit is 4 GiB: this returns at once only because
        // the first 128 KiB already give the verdict.
        let e = fetch("/dev/zero", &FetchOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/dev/zero: parsing profile: bufio.Scanner: token too long"
        );
        // The same message as for a regular file of zeros, read whole.
        let zeros = vec![0u8; 3 * SNIFF as usize];
        assert!(matches!(
            parse_data(&zeros, &FetchOptions::default()),
            Err(ErrorKind::Legacy(pprof_legacy::Error::LineTooLong))
        ));
    }

    /// Data of unknown size that the first bytes do not decide is read
    /// up to the limit, and no further.
    #[test]
    fn issue12_endless_input_is_read_under_the_limit() {
        let o = FetchOptions {
            memory_budget: MemoryBudget::Bytes(1 << 20),
            ..FetchOptions::default()
        };
        assert_eq!(o.input_limit(), 1 << 20);
        let io = |err| ErrorKind::Read {
            path: "endless".into(),
            err,
        };
        // A gperftools CPU header, then zeros without end.
        let cpu = std::io::Read::chain(&[0u8, 0, 0, 0, 3, 0, 0, 0][..], std::io::repeat(0));
        assert!(matches!(
            read_sniffed(cpu, 0, &o, io),
            Err(ErrorKind::InputTooLarge { limit }) if limit == 1 << 20
        ));
        // Only a zero first byte rules out every reader before the first
        // line: endless text is read to the limit.
        assert!(matches!(
            read_sniffed(std::io::repeat(b'a'), 0, &o, io),
            Err(ErrorKind::InputTooLarge { .. })
        ));
        // Ordinary input of unknown size is read whole.
        let small = std::io::Read::chain(&b"--- heapz 1 ---\n"[..], &[0u8; 200_000][..]);
        assert_eq!(read_sniffed(small, 0, &o, io).unwrap().len(), 16 + 200_000);
        let o = FetchOptions {
            max_decompressed: 4096,
            ..FetchOptions::default()
        };
        assert!(matches!(
            read_sniffed(std::io::repeat(0), 0, &o, io),
            Err(ErrorKind::InputTooLarge { limit: 4096 })
        ));
    }

    /// A large gzip file is parsed as it is read, to the profile (or the
    /// error) that its bytes give.
    #[test]
    fn large_gzip_files_parse_as_their_bytes() {
        let mut p = Profile::new();
        let mut next = pprof_testkit::numbers(7);
        for _ in 0..200_000 {
            let text = format!("{:08x}{:08x}", next(1 << 32), next(1 << 32));
            let id = p.intern(&text);
            p.comments.push(id);
        }
        let gz = pprof_model::encode(&p);
        assert!(gz.len() > pprof_model::OVERLAPPED_GZIP_BYTES + 1000);
        let mut corrupt = gz.clone();
        corrupt[gz.len() / 2] ^= 0x55;
        let dir = tempfile::tempdir().unwrap();
        let o = FetchOptions::default();
        let cases = [
            ("whole", gz.clone()),
            ("truncated", gz[..gz.len() - 1000].to_vec()),
            ("corrupt", corrupt),
        ];
        for (name, data) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, &data).unwrap();
            assert!(parse_gzip_file(&path, &o).is_some(), "{name}");
            let source = path.display().to_string();
            let got = fetch(&source, &o);
            let want = parse_data(&data, &o).map_err(|k| Error::new(&source, k));
            match (got, want) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "{name}");
                    assert_eq!(a.comments.len(), 200_000, "{name}");
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name}: {:?} vs {:?}", a.err(), b.err()),
            }
        }
        // Small files and files beyond the input limit are read whole.
        let small = dir.path().join("small");
        std::fs::write(&small, pprof_model::encode(&Profile::new())).unwrap();
        assert!(parse_gzip_file(&small, &o).is_none());
        let limited = FetchOptions {
            max_decompressed: 1 << 20,
            ..FetchOptions::default()
        };
        assert!(parse_gzip_file(&dir.path().join("whole"), &limited).is_none());
    }

    #[test]
    fn issue12_reading_a_directory_names_it() {
        let dir = std::env::temp_dir();
        let name = dir.display().to_string();
        let e = read_source(&name, &FetchOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("{name}: read {name}: is a directory")
        );
    }

    #[test]
    fn memory_budgets_from_text() {
        assert_eq!(parse_memory_budget("123"), Some(MemoryBudget::Bytes(123)));
        assert_eq!(parse_memory_budget("2k"), Some(MemoryBudget::Bytes(2000)));
        assert_eq!(
            parse_memory_budget("512MB"),
            Some(MemoryBudget::Bytes(512_000_000))
        );
        assert_eq!(
            parse_memory_budget(" 3 GiB "),
            Some(MemoryBudget::Bytes(3 << 30))
        );
        assert_eq!(
            parse_memory_budget("Unlimited"),
            Some(MemoryBudget::Unlimited)
        );
        assert_eq!(parse_byte_size("1.5G"), Some(1_500_000_000));
        assert_eq!(parse_byte_size(".5k"), Some(500));
        for bad in [
            "",
            "G",
            "-1",
            "1.2.3",
            ".",
            "99999999999999999999",
            "20000000000TiB",
            "5 apples",
        ] {
            assert_eq!(parse_memory_budget(bad), None, "{bad}");
        }
    }

    /// Profile data that decodes into far more memory than it occupies is
    /// refused, with a message that says how to allow it.
    #[test]
    fn issue12_over_budget_names_the_variable() {
        let mut data = vec![
            0x0a, 0x04, 0x08, 0x01, 0x10, 0x01, 0x32, 0x00, 0x32, 0x01, b'x',
        ];
        for _ in 0..100_000 {
            data.extend_from_slice(b"\x12\x00");
        }
        let mut o = FetchOptions {
            memory_budget: MemoryBudget::Bytes(1 << 20),
            ..FetchOptions::default()
        };
        let e = parse_data(&data, &o).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "parsing profile: the decoded profile would need more than 1048576 bytes of \
                 memory, the budget for {} bytes of profile data (set PPROF_TOOLS_MAX_MEMORY \
                 to raise it)",
                data.len()
            )
        );
        // With room, the same data is pprof's malformed profile.
        o.memory_budget = MemoryBudget::Unlimited;
        assert_eq!(
            parse_data(&data, &o).unwrap_err().to_string(),
            "malformed profile: mismatch: sample has 0 values vs. 1 types"
        );
    }

    #[test]
    fn missing_file_names_it() {
        let e = fetch("/nonexistent/dir/x.pb.gz", &FetchOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/dir/x.pb.gz: open /nonexistent/dir/x.pb.gz: no such file or directory"
        );
    }
}
