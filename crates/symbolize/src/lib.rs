//! Symbolization of pprof profiles: turns bare addresses into functions,
//! files and line numbers (inlined frames included) using the DWARF debug
//! information or, failing that, the symbol table of the profiled binaries.
//!
//! The core is sans-IO: [`requests`] says which binaries a profile needs,
//! the caller supplies their bytes, and [`symbolize_mapping`] fills in the
//! locations of one mapping. The `loader` feature adds [`loader`], which finds
//! binaries on disk the way pprof does (`PPROF_BINARY_PATH`, then
//! `$HOME/pprof/binaries`, by build id or file name).
//!
//! ```
//! use pprof_model::Profile;
//!
//! let mut p = Profile::new();
//! // A profile whose mappings already carry function names needs nothing.
//! assert!(pprof_symbolize::requests(&p).is_empty());
//! let stats = pprof_symbolize::symbolize_with(&mut p, |_req| None::<Vec<u8>>)?;
//! assert_eq!(stats.locations, 0);
//! # Ok::<(), pprof_symbolize::Error>(())
//! ```
//!
//! # Crate features
//!
//! * `loader` (default): locate binaries on the local file system.
//!
//! # Design constraints
//!
//! * The core never touches the file system; it only reads the bytes it is given.
//! * Bad or foreign object files are errors, never panics.
#![deny(missing_docs)]

use std::borrow::Cow;
use std::collections::HashMap;

use addr2line::gimli;
use object::{Object, ObjectSection, ObjectSegment, ObjectSymbol};
use pprof_model::{Function, FunctionId, Line, MappingId, Profile};

#[cfg(feature = "loader")]
pub mod loader;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not an object file this crate understands.
    #[error("cannot parse object file: {0}")]
    Object(#[from] object::Error),
    /// The debug information is malformed.
    #[error("cannot read debug information: {0}")]
    Dwarf(#[from] gimli::Error),
}

/// Result alias of this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// A binary that the profile needs to be symbolized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinaryRequest {
    /// The mapping to symbolize.
    pub mapping: MappingId,
    /// The mapping's file name as recorded in the profile.
    pub file: String,
    /// The mapping's build id (may be empty).
    pub build_id: String,
}

/// Counts of what a symbolization pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Mappings symbolized.
    pub mappings: usize,
    /// Locations that received frames.
    pub locations: usize,
}

/// The mappings of `p` whose locations lack function information and that
/// name a file that could be symbolized (not `[vdso]` and the like).
pub fn requests(p: &Profile) -> Vec<BinaryRequest> {
    let mut needed = vec![false; p.mappings.len()];
    for l in &p.locations {
        if let Some(m) = l.mapping {
            if l.lines.is_empty() {
                if let Some(n) = needed.get_mut(m.index()) {
                    *n = true;
                }
            }
        }
    }
    p.mappings
        .iter()
        .enumerate()
        .filter(|(i, m)| needed[*i] && !m.has_functions && !unsymbolizable(p.str(m.file)))
        .map(|(i, m)| BinaryRequest {
            mapping: MappingId(i as u32),
            file: p.str(m.file).to_string(),
            build_id: p.str(m.build_id).to_string(),
        })
        .collect()
}

/// pprof's rule for mappings that can never be symbolized: `[vdso]`,
/// `[vsyscall]`, `linux-vdso…` and device files.
pub fn unsymbolizable(file: &str) -> bool {
    let base = file.rsplit('/').next().unwrap_or(file);
    base.starts_with('[') || base.starts_with("linux-vdso") || file.starts_with("/dev/dri/")
}

/// Symbolizes every mapping that [`requests`] lists, asking `load` for the
/// bytes of each binary (return `None` when it cannot be found).
pub fn symbolize_with<F, B>(p: &mut Profile, mut load: F) -> Result<Stats>
where
    F: FnMut(&BinaryRequest) -> Option<B>,
    B: AsRef<[u8]>,
{
    let mut stats = Stats::default();
    for req in requests(p) {
        if let Some(bytes) = load(&req) {
            let obj = ObjectFile::parse(bytes.as_ref())?;
            let n = symbolize_mapping(p, req.mapping, &obj);
            stats.mappings += 1;
            stats.locations += n;
        }
    }
    Ok(stats)
}

/// One resolved frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Demangled function name.
    pub function: String,
    /// Name as in the binary (mangled).
    pub system_name: String,
    /// Source file, empty when unknown.
    pub file: String,
    /// Line number, 0 when unknown.
    pub line: i64,
}

/// A parsed object file ready for address lookups.
pub struct ObjectFile<'a> {
    ctx: Option<addr2line::Context<gimli::EndianSlice<'a, gimli::RunTimeEndian>>>,
    /// (address, size, name), sorted by address.
    symbols: Vec<(u64, u64, &'a str)>,
    /// (vaddr, file offset, file size) of loadable segments.
    segments: Vec<(u64, u64, u64)>,
    relocatable_image: bool,
}

impl<'a> ObjectFile<'a> {
    /// Parses an ELF, Mach-O or PE file.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let file = object::File::parse(data)?;
        let endian = if file.is_little_endian() {
            gimli::RunTimeEndian::Little
        } else {
            gimli::RunTimeEndian::Big
        };
        let load = |id: gimli::SectionId| -> std::result::Result<
            gimli::EndianSlice<'a, gimli::RunTimeEndian>,
            gimli::Error,
        > {
            let data: &'a [u8] = match file.section_by_name(id.name()) {
                Some(s) => match s.data() {
                    Ok(d) => d,
                    Err(_) => &[],
                },
                None => &[],
            };
            Ok(gimli::EndianSlice::new(data, endian))
        };
        let dwarf = gimli::Dwarf::load(load)?;
        let has_info = file.section_by_name(".debug_info").is_some()
            || file.section_by_name("__debug_info").is_some();
        let ctx = if has_info {
            addr2line::Context::from_dwarf(dwarf).ok()
        } else {
            None
        };
        let mut symbols: Vec<(u64, u64, &'a str)> = file
            .symbols()
            .chain(file.dynamic_symbols())
            .filter(|s| s.kind() == object::SymbolKind::Text && s.address() != 0)
            .filter_map(|s| s.name().ok().map(|n| (s.address(), s.size(), n)))
            .collect();
        symbols.sort_by_key(|s| s.0);
        symbols.dedup_by_key(|s| s.0);
        let segments = file
            .segments()
            .map(|s| {
                let (off, size) = s.file_range();
                (s.address(), off, size)
            })
            .collect();
        let relocatable_image = matches!(file.kind(), object::ObjectKind::Dynamic);
        Ok(ObjectFile {
            ctx,
            symbols,
            segments,
            relocatable_image,
        })
    }

    /// Translates a runtime address in a mapping to an address of the object
    /// file (pprof's base computation, simplified): position-dependent
    /// executables are used as linked; shared objects and PIE executables are
    /// rebased through the segment holding the mapping's file offset.
    pub fn object_address(&self, start: u64, offset: u64, addr: u64) -> u64 {
        if !self.relocatable_image {
            return addr;
        }
        let file_off = addr.wrapping_sub(start).wrapping_add(offset);
        for &(vaddr, seg_off, size) in &self.segments {
            if file_off >= seg_off && file_off < seg_off.saturating_add(size.max(1)) {
                return file_off - seg_off + vaddr;
            }
        }
        file_off
    }

    /// Frames at an object-file address, innermost (inlined) first.
    pub fn frames(&self, addr: u64) -> Vec<Frame> {
        let mut out = Vec::new();
        if let Some(ctx) = &self.ctx {
            if let Ok(mut it) = ctx.find_frames(addr).skip_all_loads() {
                while let Ok(Some(f)) = it.next() {
                    let (function, system_name) = match &f.function {
                        Some(func) => {
                            let raw = func.raw_name().map(Cow::into_owned).unwrap_or_default();
                            let dem = func
                                .demangle()
                                .map(Cow::into_owned)
                                .unwrap_or_else(|_| raw.clone());
                            (dem, raw)
                        }
                        None => (String::new(), String::new()),
                    };
                    let (file, line) = match &f.location {
                        Some(l) => (l.file.unwrap_or("").to_string(), l.line.unwrap_or(0) as i64),
                        None => (String::new(), 0),
                    };
                    out.push(Frame {
                        function,
                        system_name,
                        file,
                        line,
                    });
                }
            }
        }
        // Minimal debug info (`line-tables-only`) names functions without
        // their path (`usage` for `crate::args::usage`): the symbol table's
        // linkage name of the outermost frame says more.
        if let (Some(last), Some(sym)) = (out.last_mut(), self.symbol_at(addr)) {
            if !last.function.is_empty() && last.system_name == last.function {
                let dem = addr2line::demangle_auto(Cow::Borrowed(sym), None).into_owned();
                if dem != last.function && dem.ends_with(&last.function) {
                    last.function = dem;
                    last.system_name = sym.to_string();
                }
            }
        }
        if out.iter().all(|f| f.function.is_empty()) {
            if let Some(name) = self.symbol_at(addr) {
                let dem = addr2line::demangle_auto(Cow::Borrowed(name), None).into_owned();
                match out.last_mut() {
                    Some(f) => {
                        f.function = dem;
                        f.system_name = name.to_string();
                    }
                    None => out.push(Frame {
                        function: dem,
                        system_name: name.to_string(),
                        file: String::new(),
                        line: 0,
                    }),
                }
            }
        }
        out.retain(|f| !f.function.is_empty() || !f.file.is_empty());
        out
    }

    fn symbol_at(&self, addr: u64) -> Option<&'a str> {
        let i = self.symbols.partition_point(|s| s.0 <= addr);
        let &(start, size, name) = self.symbols.get(i.checked_sub(1)?)?;
        if size == 0 || addr < start.saturating_add(size) {
            Some(name)
        } else {
            None
        }
    }
}

/// Fills in the frames of every location of `mapping` that has none, from
/// `obj`. Returns how many locations received frames. Marks the mapping as
/// having functions, file names and line numbers when any was found.
pub fn symbolize_mapping(p: &mut Profile, mapping: MappingId, obj: &ObjectFile<'_>) -> usize {
    let Some(m) = p.mappings.get(mapping.index()).cloned() else {
        return 0;
    };
    let mut functions: HashMap<(String, String, String), FunctionId> = HashMap::new();
    for (i, f) in p.functions.iter().enumerate() {
        functions.insert(
            (
                p.str(f.name).to_string(),
                p.str(f.system_name).to_string(),
                p.str(f.filename).to_string(),
            ),
            FunctionId(i as u32),
        );
    }
    let mut next_id = p.functions.iter().map(|f| f.id).max().unwrap_or(0);
    let mut count = 0;
    let mut any_lines = false;
    for li in 0..p.locations.len() {
        let loc = &p.locations[li];
        if loc.mapping != Some(mapping) || !loc.lines.is_empty() {
            continue;
        }
        let addr = obj.object_address(m.start, m.offset, loc.address);
        let frames = obj.frames(addr);
        if frames.is_empty() {
            continue;
        }
        let mut lines = Vec::with_capacity(frames.len());
        for f in frames {
            any_lines |= f.line != 0;
            let key = (f.function, f.system_name, f.file);
            let id = match functions.get(&key) {
                Some(id) => *id,
                None => {
                    next_id += 1;
                    let name = p.intern(&key.0);
                    let system_name = p.intern(&key.1);
                    let filename = p.intern(&key.2);
                    let id = FunctionId(p.functions.len() as u32);
                    p.functions.push(Function {
                        id: next_id,
                        name,
                        system_name,
                        filename,
                        start_line: 0,
                    });
                    functions.insert(key, id);
                    id
                }
            };
            lines.push(Line {
                function: id,
                line: f.line,
            });
        }
        p.locations[li].lines = lines;
        count += 1;
    }
    if count > 0 {
        let m = &mut p.mappings[mapping.index()];
        m.has_functions = true;
        if any_lines {
            m.has_filenames = true;
            m.has_line_numbers = true;
            m.has_inline_frames = true;
        }
    }
    count
}
