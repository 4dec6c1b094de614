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
//! assert_eq!(back.samples[0].values, vec![7]);
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

use std::io::Read;
use std::path::PathBuf;

pub use error::{io_message, Error, ErrorKind, Result};
use pprof_model::{DecodeOptions, Profile};

/// Options for loading sources.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct FetchOptions {
    /// Largest accepted size of decompressed data, in bytes.
    /// Default: [`pprof_model::DEFAULT_MAX_DECOMPRESSED`].
    pub max_decompressed: u64,
    /// Duration of a profile to request from a server, in seconds (pprof's
    /// `-seconds`). Default: `None`. Used once HTTP fetching exists.
    pub seconds: Option<i64>,
    /// Timeout for remote fetches, in seconds (pprof's `-timeout`).
    /// Default: `None`. Used once HTTP fetching exists.
    pub timeout: Option<i64>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            max_decompressed: pprof_model::DEFAULT_MAX_DECOMPRESSED,
            seconds: None,
            timeout: None,
        }
    }
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

/// Reads the raw bytes of a local source (a file or standard input); a URL
/// gives [`ErrorKind::HttpUnsupported`] (use [`fetch`] or the `http`
/// module).
pub fn read_source(source: &str) -> Result<Vec<u8>> {
    match classify(source) {
        SourceKind::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .lock()
                .read_to_end(&mut buf)
                .map_err(|e| Error::new(source, ErrorKind::Stdin(e)))?;
            Ok(buf)
        }
        SourceKind::File(path) => std::fs::read(&path).map_err(|err| {
            Error::new(
                source,
                ErrorKind::Open {
                    path: source.to_string(),
                    err,
                },
            )
        }),
        SourceKind::Url(_) => Err(Error::new(source, ErrorKind::HttpUnsupported)),
    }
}

/// Loads one source into a validated profile. With the `http` feature, a
/// URL is fetched (default TLS options, no progress messages; see
/// [`http::fetch_remote`] for those).
pub fn fetch(source: &str, opts: &FetchOptions) -> Result<Profile> {
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
    let data = read_source(source)?;
    parse_data(&data, opts).map_err(|kind| Error::new(source, kind))
}

/// Parses profile bytes in any supported format, in pprof's order: gzip,
/// profile.proto, then the legacy formats; then validation.
pub fn parse_data(data: &[u8], opts: &FetchOptions) -> std::result::Result<Profile, ErrorKind> {
    let dopts = decode_options(opts);
    let raw = pprof_model::maybe_decompress(data, &dopts).map_err(|e| match e {
        pprof_model::Error::Decompress(io) => ErrorKind::Decompress(io),
        pprof_model::Error::TooLarge { limit } => ErrorKind::TooLarge { limit },
        other => ErrorKind::Proto(other),
    })?;
    // Beyond pprof: `perf record` files, recognized by their magic.
    if pprof_perf::is_perf_data(&raw) {
        return pprof_perf::parse(&raw)
            .map_err(ErrorKind::Perf)
            .and_then(validate);
    }
    match pprof_model::decode_uncompressed(&raw) {
        Ok(p) => validate(p),
        Err(pprof_model::Error::Empty) => Err(ErrorKind::Empty),
        Err(e) if e.is_not_proto() => match parse_legacy(&raw) {
            Ok(p) => validate(p),
            Err(ErrorKind::Unrecognized) => match e {
                // A message that decodes but breaks an invariant is a broken
                // profile rather than some other format.
                pprof_model::Error::Invalid(v) => Err(ErrorKind::Malformed(v)),
                _ => Err(ErrorKind::Unrecognized),
            },
            Err(other) => Err(other),
        },
        Err(e) => Err(ErrorKind::Proto(e)),
    }
}

fn decode_options(opts: &FetchOptions) -> DecodeOptions {
    let mut d = DecodeOptions::default();
    d.max_decompressed = opts.max_decompressed;
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
fn parse_legacy(data: &[u8]) -> std::result::Result<Profile, ErrorKind> {
    match pprof_legacy::parse(data) {
        Ok(p) => Ok(p),
        Err(pprof_legacy::Error::Unrecognized) => Err(ErrorKind::Unrecognized),
        Err(e) => Err(ErrorKind::Legacy(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn missing_file_names_it() {
        let e = fetch("/nonexistent/dir/x.pb.gz", &FetchOptions::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "/nonexistent/dir/x.pb.gz: open /nonexistent/dir/x.pb.gz: no such file or directory"
        );
    }
}
