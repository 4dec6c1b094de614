//! Symbolization of pprof profiles: turns bare addresses into functions,
//! files and line numbers (inlined frames included) from the DWARF debug
//! information or, failing that, the symbol tables of the profiled
//! binaries, in process (pprof runs binutils for this).
//!
//! The core is sans-IO: [`symbolize_local_with`] asks a callback for the
//! bytes of each binary a profile needs, reads them with [`ObjectFile`]
//! (ELF, Mach-O, PE), translates runtime addresses to object addresses
//! (PIE executables and shared libraries included) and fills in the
//! locations, on all cores for large profiles. [`remote`] speaks the
//! `/debug/pprof/symbol` protocol through a callback that does the HTTP
//! request. [`demangle_profile`] is pprof's demangling pass. The setting
//! that drives all three is [`SymbolizeMode`], parsed from pprof's
//! `-symbolize` syntax. What to tell the user comes back as [`Warning`]s
//! whose text is pprof's.
//!
//! The `loader` feature adds [`loader`]: finding binaries on disk the way
//! pprof does (the binary named on the command line, `PPROF_BINARY_PATH`,
//! `$HOME/pprof/binaries`, build-id directories, separate debug files) and
//! [`loader::symbolize`], the whole of pprof's symbolization step.
//!
//! ```
//! use pprof_model::Profile;
//! use pprof_symbolize::{SymbolizeMode, SymbolSource};
//!
//! let mode: SymbolizeMode = "local:demangle=full".parse()?;
//! assert_eq!(mode.source, SymbolSource::Local);
//!
//! let mut p = Profile::new();
//! // A profile without addresses to resolve asks for no binary.
//! let warnings = pprof_symbolize::symbolize_local_with(&mut p, mode.force, |_req| {
//!     Err("never called".to_string())
//! });
//! assert!(warnings.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Crate features
//!
//! * `loader` (default): locate binaries on the local file system.
//!
//! # Design constraints
//!
//! * The core never touches the file system or the network; it only reads
//!   the bytes it is given.
//! * Bad, truncated or foreign object files and malformed DWARF are
//!   warnings, never panics: their addresses stay unsymbolized.
#![deny(missing_docs)]

mod demangle;
mod error;
mod mode;
mod object;
pub mod remote;
mod warning;

#[cfg(feature = "loader")]
pub mod loader;

use std::collections::HashMap;

use pprof_model::{Function, FunctionId, Line, MappingId, Profile};

pub use demangle::{demangle_name, demangle_profile, looks_like_demangled_cpp, remove_matching};
pub use error::{Error, ObjectError, Result};
pub use mode::{Demangle, ModeError, SymbolSource, SymbolizeMode};
pub use object::{Format, Frame, ObjectFile, Resolver, Symbol};
pub use warning::Warning;

/// A binary that the profile needs to be symbolized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryRequest {
    /// The mapping to symbolize.
    pub mapping: MappingId,
    /// The mapping's file name as recorded in the profile (or as located).
    pub file: String,
    /// The mapping's build id (may be empty).
    pub build_id: String,
}

/// The bytes of a binary, and of its separate debug file when it has one.
#[derive(Clone, Debug, Default)]
pub struct BinaryData {
    /// The file's name, for messages.
    pub path: String,
    /// The object file.
    pub bytes: Vec<u8>,
    /// A separate debug file (DWARF of a stripped binary).
    pub debug: Option<Vec<u8>>,
}

/// pprof's rule for mappings that can never be symbolized: `[vdso]`,
/// `[vsyscall]`, `[kernel.kallsyms]`, `linux-vdso…` and device files.
pub fn unsymbolizable(file: &str) -> bool {
    let base = file.rsplit('/').next().unwrap_or(file);
    base.starts_with('[') || base.starts_with("linux-vdso") || file.starts_with("/dev/dri/")
}

/// The mappings that local symbolization reads a binary for, in pprof's
/// order, and the warnings about the ones it cannot: mappings referenced
/// by a location, not yet symbolized (unless `force`), naming a file that
/// is not a system pseudo-file nor a URL.
pub fn requests(p: &Profile, force: bool) -> (Vec<BinaryRequest>, Vec<Warning>) {
    let wanted = |m: &pprof_model::Mapping| {
        force || !(m.has_functions || m.has_filenames || m.has_line_numbers)
    };
    // Which mappings the locations use matters only when one is wanted.
    let mut used = vec![false; p.mappings.len()];
    if p.mappings.iter().any(wanted) {
        for l in &p.locations {
            if let Some(u) = l.mapping.and_then(|m| used.get_mut(m.index())) {
                *u = true;
            }
        }
    }
    let mut reqs = Vec::new();
    let mut warnings = Vec::new();
    let mut missing = false;
    for (i, m) in p.mappings.iter().enumerate() {
        if !used[i] || !wanted(m) {
            continue;
        }
        let file = p.str(m.file);
        if file.is_empty() {
            if i == 0 {
                warnings.push(Warning::MainBinaryMissing);
            } else {
                missing = true;
            }
            continue;
        }
        if unsymbolizable(file) || (m.build_id.is_empty() && is_http_url(file)) {
            continue;
        }
        reqs.push(BinaryRequest {
            mapping: MappingId(i as u32),
            file: file.to_string(),
            build_id: p.str(m.build_id).to_string(),
        });
    }
    if missing {
        warnings.push(Warning::SomeBinariesMissing);
    }
    (reqs, warnings)
}

fn is_http_url(file: &str) -> bool {
    file.split_once("://").is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && scheme.to_ascii_lowercase().contains("http")
    })
}

/// The name pprof gives a mapping in its messages: the file's base name,
/// with ` (build ID X)` when the mapping has one.
pub fn mapping_display_name(req: &BinaryRequest) -> String {
    let base = req.file.rsplit('/').next().unwrap_or(&req.file);
    if req.build_id.is_empty() {
        base.to_string()
    } else {
        format!("{base} (build ID {})", req.build_id)
    }
}

/// pprof's local symbolization: for each mapping that [`requests`] lists,
/// `open` supplies the binary (or says why it cannot, in one line), and
/// every location of the mapping gets the frames found at its address.
/// Returns pprof's warnings, in pprof's order.
pub fn symbolize_local_with<F>(p: &mut Profile, force: bool, open: F) -> Vec<Warning>
where
    F: FnMut(&BinaryRequest) -> std::result::Result<BinaryData, String>,
{
    symbolize_local_keeping(p, force, false, open)
}

/// [`symbolize_local_with`]; with `keep_named`
/// ([`SymbolizeMode::keep_named`]), locations that already have lines
/// keep them.
pub(crate) fn symbolize_local_keeping<F>(
    p: &mut Profile,
    force: bool,
    keep_named: bool,
    mut open: F,
) -> Vec<Warning>
where
    F: FnMut(&BinaryRequest) -> std::result::Result<BinaryData, String>,
{
    let (reqs, mut warnings) = requests(p, force);
    let mut missing = warnings.contains(&Warning::SomeBinariesMissing);
    warnings.retain(|w| *w != Warning::SomeBinariesMissing);
    let mut functions = FunctionTable::default();
    for req in reqs {
        let name = mapping_display_name(&req);
        let data = match open(&req) {
            Ok(d) => d,
            Err(reason) => {
                warnings.push(Warning::LocalFailed { name, reason });
                missing = true;
                continue;
            }
        };
        match symbolize_binary(p, &req, &data, keep_named, &mut functions) {
            Ok(()) => {}
            Err(Failure::BuildId) => warnings.push(Warning::BuildIdMismatch { name }),
            Err(Failure::Open(reason)) => {
                warnings.push(Warning::LocalFailed { name, reason });
                missing = true;
            }
            Err(Failure::Read(reason)) => warnings.push(Warning::LocalFailed { name, reason }),
        }
    }
    if missing {
        warnings.push(Warning::SomeBinariesMissing);
    }
    warnings
}

enum Failure {
    BuildId,
    /// The file could not be used at all (pprof counts it as missing).
    Open(String),
    /// The file was opened but its debug information is broken.
    Read(String),
}

/// The text for an object file that does not parse.
fn object_failure(path: &str, bytes: &[u8], e: &ObjectError) -> String {
    if ::object::FileKind::parse(bytes).is_err() {
        format!("open {path}: unrecognized object file")
    } else {
        format!("{path}: malformed object file: {e}")
    }
}

fn symbolize_binary(
    p: &mut Profile,
    req: &BinaryRequest,
    data: &BinaryData,
    keep_named: bool,
    functions: &mut FunctionTable,
) -> std::result::Result<(), Failure> {
    let path = data.path.as_str();
    let mut obj = ObjectFile::parse(&data.bytes)
        .map_err(|e| Failure::Open(object_failure(path, &data.bytes, &e)))?;
    if let Some(fid) = obj.build_id() {
        if !req.build_id.is_empty() && !fid.eq_ignore_ascii_case(&req.build_id) {
            return Err(Failure::BuildId);
        }
    }
    if let Some(debug) = &data.debug {
        // A debug file that does not parse is ignored: the binary's own
        // symbols still serve.
        if let Ok(o) = ObjectFile::parse(&data.bytes).and_then(|o| o.with_debug_file(debug)) {
            obj = o;
        }
    }
    let m = &p.mappings[req.mapping.index()];
    let (start, limit, offset) = (m.start, m.limit, m.offset);
    let mut locs: Vec<usize> = p
        .locations
        .iter()
        .enumerate()
        .filter(|(_, l)| l.mapping == Some(req.mapping))
        .map(|(i, _)| i)
        .collect();
    let Some(&first) = locs.first() else {
        return Ok(());
    };
    let base = obj
        .base(start, limit, offset, p.locations[first].address)
        .map_err(|e| Failure::Open(format!("{path}: {e}")))?;
    // The kept locations still count for the base (as in pprof).
    if keep_named {
        locs.retain(|&i| p.locations[i].lines.is_empty());
        if locs.is_empty() {
            return Ok(());
        }
    }
    let resolver = obj
        .resolver()
        .map_err(|e| Failure::Read(format!("{path}: {e}")))?;
    let addrs: Vec<u64> = locs
        .iter()
        .map(|&i| p.locations[i].address.wrapping_sub(base))
        .collect();
    let answers = resolve_all(&obj, resolver, &addrs);
    let mut flags = (false, false, false, false);
    for (k, &li) in locs.iter().enumerate() {
        let Some(frames) = answers.get(&addrs[k]) else {
            continue;
        };
        if frames.is_empty() {
            continue;
        }
        let mut lines = Vec::with_capacity(frames.len());
        for f in frames {
            flags.0 |= !f.function.is_empty();
            flags.1 |= !f.file.is_empty();
            flags.2 |= f.line != 0;
            let id = functions.get(p, &f.function, &f.file);
            lines.push(Line {
                function: id,
                line: i64::from(f.line),
                column: 0,
            });
        }
        flags.3 = true;
        let l = &mut p.locations[li];
        l.lines = lines;
        l.is_folded = false;
    }
    let m = &mut p.mappings[req.mapping.index()];
    m.has_functions |= flags.0;
    m.has_filenames |= flags.1;
    m.has_line_numbers |= flags.2;
    m.has_inline_frames |= flags.3;
    Ok(())
}

/// Unique addresses at or above which the lookups are spread over threads.
const PARALLEL_MIN: usize = 2048;

/// Resolves every distinct address, on all cores when there are many
/// (each thread with its own resolver over a contiguous, sorted share, so
/// that each reads its own part of the debug information).
fn resolve_all<'o>(
    obj: &'o ObjectFile<'_>,
    first: Resolver<'o, '_>,
    addrs: &[u64],
) -> HashMap<u64, Vec<Frame>> {
    let mut uniq: Vec<u64> = addrs.to_vec();
    uniq.sort_unstable();
    uniq.dedup();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(uniq.len() / (PARALLEL_MIN / 2))
        .max(1);
    if threads == 1 || uniq.len() < PARALLEL_MIN {
        return uniq.into_iter().map(|a| (a, first.frames(a))).collect();
    }
    let chunk = uniq.len().div_ceil(threads);
    let mut parts = uniq.chunks(chunk);
    let mine = parts.next().unwrap_or(&[]);
    std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .map(|part| {
                s.spawn(move || match obj.resolver() {
                    Ok(r) => part.iter().map(|&a| (a, r.frames(a))).collect(),
                    Err(_) => Vec::new(),
                })
            })
            .collect();
        let mut out: HashMap<u64, Vec<Frame>> =
            mine.iter().map(|&a| (a, first.frames(a))).collect();
        for h in handles {
            if let Ok(v) = h.join() {
                out.extend(v);
            }
        }
        out
    })
}

/// The functions created by one symbolization pass, by name and file.
#[derive(Default)]
struct FunctionTable {
    ids: HashMap<(String, String), FunctionId>,
    /// The largest function id in the profile, found on first use.
    max_id: Option<u64>,
}

impl FunctionTable {
    fn get(&mut self, p: &mut Profile, name: &str, file: &str) -> FunctionId {
        if let Some(id) = self.ids.get(&(name.to_string(), file.to_string())) {
            return *id;
        }
        let n = p.intern(name);
        let f = p.intern(file);
        let max_id = *self
            .max_id
            .get_or_insert_with(|| p.functions.iter().map(|f| f.id).max().unwrap_or(0));
        // pprof numbers new functions after the ones there (ids are 1..n
        // after a merge); an uncompacted profile may have larger ids.
        let next = (p.functions.len() as u64 + 1).max(max_id + 1);
        self.max_id = Some(next);
        let id = FunctionId(p.functions.len() as u32);
        p.functions.push(Function {
            id: next,
            name: n,
            system_name: n,
            filename: f,
            start_line: 0,
        });
        self.ids.insert((name.to_string(), file.to_string()), id);
        id
    }
}
