//! Readers for every profile format that is not profile.proto, detected
//! from the bytes: gperftools CPU profiles (32/64-bit words, either byte
//! order), heapz v1/v2 and Go `debug=1` heap pages (rate-based unsampling),
//! growthz, fragmentationz, Go count profiles (`goroutine profile: total N`,
//! `threadcreate profile: total N`), threadz, contentionz and Go
//! `--- mutex:` / `--- contention:` pages, and Java CPU, heapz and
//! contentionz profiles. Each produces the [`pprof_model::Profile`] that
//! go1.19.8's pprof builds from the same bytes.
//!
//! Beyond pprof, [`parse_goroutine_dump`] reads goroutine dumps
//! (`debug=2` pages and crash/SIGQUIT tracebacks) into goroutine profiles
//! with `state`, `wait`, `created_by` and `leaked` labels (see
//! [`goroutine`]), and [`parse_with`] can name the frames of Go `debug=1`
//! text profiles from their `#` lines ([`ParseOptions::text_frames`]),
//! which pprof ignores.
//!
//! ```
//! let text = b"goroutine profile: total 3\n3 @ 0x401001 0x402001\n";
//! let p = pprof_legacy::parse(text)?;
//! assert_eq!(p.samples.at(0).values, vec![3]);
//! // Return addresses become call addresses: PC - 1.
//! assert_eq!(p.locations[0].address, 0x401000);
//!
//! let dump = b"goroutine 7 [chan send, 3 minutes]:\nmain.work()\n\t/src/main.go:9 +0x1d\n\
//! created by main.main\n\t/src/main.go:4 +0x2a\n";
//! let g = pprof_legacy::parse(dump)?;
//! assert!(g.has_label(&g.samples.at(0), "state", "chan send"));
//!
//! assert!(pprof_legacy::parse(b"hello").unwrap_err().is_unrecognized());
//! # Ok::<(), pprof_legacy::Error>(())
//! ```
//!
//! Input must already be decompressed, and callers should try profile.proto
//! first, as pprof's `ParseData` does: these readers are its fallback.
//!
//! # Crate features
//!
//! None.
#![deny(missing_docs)]

mod build;
mod comments;
mod cpu;
mod error;
mod frames;
pub mod goroutine;
mod java;
mod maps;
mod memstats;
mod scan;
mod text;

use pprof_model::Profile;

pub use cpu::starts_like_cpu_profile;
pub use error::{Error, Result};
pub use goroutine::{is_goroutine_dump, parse_goroutine_dump};
pub use memstats::MemStats;

/// Which reader recognized the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// gperftools CPU profile (binary).
    Cpu,
    /// Java CPU profile (binary header and samples, text symbols).
    JavaCpu,
    /// heapz, Go `debug=1` heap page, growthz or fragmentationz text.
    Heap,
    /// Go count profile: `goroutine profile: total N` and the like.
    GoCount,
    /// threadz.
    Thread,
    /// contentionz, Go `--- mutex:` / `--- contention:` pages.
    Contention,
    /// Java heapz.
    JavaHeap,
    /// Java contentionz.
    JavaContention,
    /// Goroutine dump (`debug=2` or crash traceback); pprof rejects these.
    GoroutineDump,
}

/// A parsed profile with what the input said besides the profile.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Parsed {
    /// The profile.
    pub profile: Profile,
    /// The reader that recognized the input.
    pub format: Format,
    /// The `# runtime.MemStats` block of a Go `debug=1` heap page.
    pub memstats: Option<MemStats>,
}

/// Choices of the readers beyond pprof's behaviour. The default reads
/// every input as pprof does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ParseOptions {
    /// Name the frames of Go `debug=1` text profiles (goroutine,
    /// goroutineleak, threadcreate, heap, allocs, mutex, block) from the
    /// `#` lines that follow each record, for reading them without the
    /// binary. pprof ignores those lines and leaves the addresses unnamed;
    /// the frames Go's writer hides (leading runtime frames) stay unnamed
    /// here too, for the symbolizer to name when the binary is at hand
    /// (`pprof_symbolize::SymbolizeMode::keep_named` keeps the others).
    /// Default: false.
    pub text_frames: bool,
}

impl ParseOptions {
    /// The options with [`ParseOptions::text_frames`] set to `on`.
    pub fn with_text_frames(mut self, on: bool) -> Self {
        self.text_frames = on;
        self
    }
}

/// Reads a non-proto profile (already decompressed), trying pprof's readers
/// in pprof's order, then goroutine dumps.
///
/// [`Error::Unrecognized`] means no reader knew the bytes (pprof prints
/// "parsing profile: unrecognized profile format"); other errors come from a
/// reader that recognized the input but could not read it.
pub fn parse(data: &[u8]) -> Result<Profile> {
    parse_detailed(data).map(|p| p.profile)
}

/// Like [`parse`], with choices beyond pprof's behaviour.
///
/// ```
/// let text = b"goroutine profile: total 2\n2 @ 0x401001 0x402001\n\
/// #\t0x401000\tmain.work+0x10\t/src/main.go:9\n\
/// #\t0x402000\tmain.main+0x20\t/src/main.go:4\n\n";
/// let opts = pprof_legacy::ParseOptions::default().with_text_frames(true);
/// let p = pprof_legacy::parse_with(text, &opts)?;
/// let leaf = &p.locations[p.samples.at(0).locations[0].index()];
/// assert_eq!(p.str(p.functions[leaf.lines[0].function.index()].name), "main.work");
/// # Ok::<(), pprof_legacy::Error>(())
/// ```
pub fn parse_with(data: &[u8], opts: &ParseOptions) -> Result<Profile> {
    parse_detailed_with(data, opts).map(|p| p.profile)
}

/// Like [`parse`], also telling which format was read and returning the
/// `runtime.MemStats` block of Go heap pages.
pub fn parse_detailed(data: &[u8]) -> Result<Parsed> {
    parse_detailed_with(data, &ParseOptions::default())
}

/// Like [`parse_detailed`], with choices beyond pprof's behaviour.
pub fn parse_detailed_with(data: &[u8], opts: &ParseOptions) -> Result<Parsed> {
    match legacy_with(data, opts) {
        Err(Error::Unrecognized) => {}
        other => return other,
    }
    if is_goroutine_dump(data) {
        return Ok(Parsed {
            profile: parse_goroutine_dump(data)?,
            format: Format::GoroutineDump,
            memstats: None,
        });
    }
    Err(Error::Unrecognized)
}

/// Exactly the legacy readers of go1.19.8's pprof (its `parseLegacy` plus
/// the validity check of `ParseData`): goroutine dumps are rejected.
pub fn parse_pprof_legacy(data: &[u8]) -> Result<Parsed> {
    legacy_with(data, &ParseOptions::default())
}

fn legacy_with(data: &[u8], opts: &ParseOptions) -> Result<Parsed> {
    let (p, format) = try_readers(data)?;
    let mut p = p;
    if opts.text_frames && matches!(format, Format::Heap | Format::GoCount | Format::Contention) {
        comments::name_frames(&mut p, &pprof_model::strings::from_bytes(data));
    }
    p.add_legacy_frame_info();
    p.check_valid()?;
    let memstats = if format == Format::Heap {
        MemStats::parse(&pprof_model::strings::from_bytes(data))
    } else {
        None
    };
    Ok(Parsed {
        profile: p.into_profile(),
        format,
        memstats,
    })
}

fn try_readers(data: &[u8]) -> Result<(build::RProfile, Format)> {
    match cpu::parse_cpu(data) {
        Ok((p, cpu::CpuKind::Cpp)) => return Ok((p, Format::Cpu)),
        Ok((p, cpu::CpuKind::Java)) => return Ok((p, Format::JavaCpu)),
        Err(Error::Unrecognized) => {}
        Err(e) => return Err(e),
    }
    let text = pprof_model::strings::from_bytes(data);
    type Reader = fn(&str) -> Result<build::RProfile>;
    let readers: [(Reader, Format); 4] = [
        (text::parse_heap, Format::Heap),
        (text::parse_go_count, Format::GoCount),
        (text::parse_thread, Format::Thread),
        (text::parse_contention, Format::Contention),
    ];
    for (reader, format) in readers {
        match reader(&text) {
            Ok(p) => return Ok((p, format)),
            Err(Error::Unrecognized) => {}
            Err(e) => return Err(e),
        }
    }
    match java::parse_java_profile(&text) {
        Ok((p, java::JavaKind::Heap)) => Ok((p, Format::JavaHeap)),
        Ok((p, java::JavaKind::Contention)) => Ok((p, Format::JavaContention)),
        Err(e) => Err(e),
    }
}
