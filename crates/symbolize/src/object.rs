//! One object file (ELF, Mach-O, PE) read from bytes: its identity (build
//! id, debug link), the address translation of a mapping, its symbols, and
//! address lookups through its DWARF.

use std::borrow::Cow;
use std::sync::Arc;

use addr2line::gimli;
use object::{Object, ObjectKind, ObjectSection, ObjectSegment, ObjectSymbol, SegmentFlags};

use crate::error::{Error, ObjectError};

/// The DWARF reader: sections shared between threads (decompressed when
/// the file compresses them).
pub(crate) type Reader = gimli::EndianArcSlice<gimli::RunTimeEndian>;

/// The container format of an object file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// ELF (Linux, BSD, Android).
    Elf,
    /// Mach-O (macOS, iOS).
    MachO,
    /// PE/COFF (Windows).
    Pe,
    /// Another format that the `object` crate reads.
    Other,
}

/// A loadable segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Segment {
    vaddr: u64,
    memsz: u64,
    off: u64,
    filesz: u64,
    align: u64,
    exec: bool,
}

/// A symbol of the symbol table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Symbol<'a> {
    /// Address in the object file.
    pub address: u64,
    /// Size in bytes (0 when the table does not say).
    pub size: u64,
    /// Name as stored (mangled).
    pub name: &'a str,
}

/// One frame of the answer for an address, innermost (inlined) first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The function's name as in the binary (the mangled linkage name when
    /// the debug information has one); empty when unknown.
    pub function: String,
    /// Source file, empty when unknown.
    pub file: String,
    /// Line number, 0 when unknown.
    pub line: u32,
}

/// A parsed object file. Borrows the file's bytes (and those of a separate
/// debug file, see [`ObjectFile::with_debug_file`]).
pub struct ObjectFile<'a> {
    file: object::File<'a>,
    debug: Option<object::File<'a>>,
    format: Format,
    kind: ObjectKind,
    build_id: Option<String>,
    debuglink: Option<(String, u32)>,
    segments: Vec<Segment>,
    text_segment: Option<Segment>,
    macho_text: Option<u64>,
    pe_image_base: Option<u64>,
    stext: Option<u64>,
    symbols: Vec<Symbol<'a>>,
    /// Every named code or data symbol, sorted, for [`ObjectFile::describe`].
    all_symbols: Vec<(u64, Cow<'a, str>)>,
}

impl std::fmt::Debug for ObjectFile<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectFile")
            .field("format", &self.format)
            .field("build_id", &self.build_id)
            .field("symbols", &self.symbols.len())
            .field("has_debug_info", &self.has_debug_info())
            .finish_non_exhaustive()
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl<'a> ObjectFile<'a> {
    /// Parses an ELF, Mach-O or PE file.
    pub fn parse(data: &'a [u8]) -> Result<Self, ObjectError> {
        let file = object::File::parse(data).map_err(ObjectError::Parse)?;
        let format = match file.format() {
            object::BinaryFormat::Elf => Format::Elf,
            object::BinaryFormat::MachO => Format::MachO,
            object::BinaryFormat::Pe | object::BinaryFormat::Coff => Format::Pe,
            _ => Format::Other,
        };
        let build_id = file.build_id().ok().flatten().map(hex);
        let debuglink = file
            .gnu_debuglink()
            .ok()
            .flatten()
            .map(|(name, crc)| (String::from_utf8_lossy(name).into_owned(), crc));
        let segments: Vec<Segment> = file
            .segments()
            .map(|s| {
                let (off, filesz) = s.file_range();
                let exec = match s.flags() {
                    SegmentFlags::Elf { p_flags } => p_flags & object::elf::PF_X != 0,
                    SegmentFlags::MachO { initprot, .. } => {
                        initprot & object::macho::VM_PROT_EXECUTE != 0
                    }
                    _ => true,
                };
                Segment {
                    vaddr: s.address(),
                    memsz: s.size(),
                    off,
                    filesz,
                    align: s.align(),
                    exec,
                }
            })
            .collect();
        let text_segment = file.section_by_name(".text").and_then(|t| {
            segments
                .iter()
                .find(|p| {
                    p.exec
                        && t.address() >= p.vaddr
                        && t.address() < p.vaddr.saturating_add(p.memsz)
                })
                .copied()
        });
        let macho_text = (format == Format::MachO)
            .then(|| {
                file.segments()
                    .find(|s| s.name().ok().flatten() == Some("__TEXT"))
                    .map(|s| s.address())
            })
            .flatten();
        let pe_image_base = (format == Format::Pe).then(|| file.relative_address_base());
        let mut symbols: Vec<Symbol<'a>> = file
            .symbols()
            .chain(file.dynamic_symbols())
            .filter(|s| s.kind() == object::SymbolKind::Text && s.address() != 0)
            .filter_map(|s| {
                let name = s.name().ok()?;
                (!name.is_empty()).then_some(Symbol {
                    address: s.address(),
                    size: s.size(),
                    name,
                })
            })
            .collect();
        symbols.sort_by(|a, b| a.address.cmp(&b.address).then(a.name.cmp(b.name)));
        symbols.dedup_by(|a, b| a.address == b.address && a.name == b.name);
        let mut all_symbols: Vec<(u64, Cow<'a, str>)> = file
            .symbols()
            .filter(|s| {
                matches!(
                    s.kind(),
                    object::SymbolKind::Text
                        | object::SymbolKind::Data
                        | object::SymbolKind::Unknown
                ) && s.address() != 0
            })
            .filter_map(|s| {
                Some((
                    s.address(),
                    Cow::Borrowed(s.name().ok().filter(|n| !n.is_empty())?),
                ))
            })
            .collect();
        all_symbols.extend(plt_symbols(&file));
        all_symbols.sort_unstable();
        all_symbols.dedup_by_key(|s| s.0);
        let stext = file
            .symbols()
            .find(|s| s.name() == Ok("_stext"))
            .map(|s| s.address());
        Ok(ObjectFile {
            kind: file.kind(),
            file,
            debug: None,
            format,
            build_id,
            debuglink,
            segments,
            text_segment,
            macho_text,
            pe_image_base,
            stext,
            symbols,
            all_symbols,
        })
    }

    /// Uses `data`, a separate debug file (from `/usr/lib/debug`, a
    /// `.gnu_debuglink` or a `.dSYM`), for the DWARF and, when this file
    /// has none, the symbols.
    pub fn with_debug_file(mut self, data: &'a [u8]) -> Result<Self, ObjectError> {
        let debug = object::File::parse(data).map_err(ObjectError::Parse)?;
        if self.symbols.is_empty() {
            let mut symbols: Vec<Symbol<'a>> = debug
                .symbols()
                .filter(|s| s.kind() == object::SymbolKind::Text && s.address() != 0)
                .filter_map(|s| {
                    Some(Symbol {
                        address: s.address(),
                        size: s.size(),
                        name: s.name().ok().filter(|n| !n.is_empty())?,
                    })
                })
                .collect();
            symbols.sort_by(|a, b| a.address.cmp(&b.address).then(a.name.cmp(b.name)));
            symbols.dedup_by(|a, b| a.address == b.address && a.name == b.name);
            self.symbols = symbols;
        }
        self.debug = Some(debug);
        Ok(self)
    }

    /// The container format.
    pub fn format(&self) -> Format {
        self.format
    }

    /// The object's architecture.
    pub fn architecture(&self) -> object::Architecture {
        self.file.architecture()
    }

    /// The GNU build id in lower-case hex (ELF `NT_GNU_BUILD_ID`, Mach-O
    /// `LC_UUID`), if any.
    pub fn build_id(&self) -> Option<&str> {
        self.build_id.as_deref()
    }

    /// The `.gnu_debuglink` file name and CRC-32, if any.
    pub fn debuglink(&self) -> Option<(&str, u32)> {
        self.debuglink.as_ref().map(|(n, c)| (n.as_str(), *c))
    }

    /// Whether DWARF line or function information is present (in this file
    /// or in its debug file).
    pub fn has_debug_info(&self) -> bool {
        let has = |f: &object::File<'a>| {
            f.section_by_name(".debug_info")
                .is_some_and(|s| s.size() > 0)
        };
        has(&self.file) || self.debug.as_ref().is_some_and(has)
    }

    /// The symbols of the symbol tables (`.symtab`, `.dynsym`, Mach-O and
    /// PE symbols) that name code, sorted by address.
    pub fn symbols(&self) -> &[Symbol<'a>] {
        &self.symbols
    }

    /// The symbol that covers `addr`: the last one at or below it, within
    /// its size when the table gives one.
    pub fn symbol_at(&self, addr: u64) -> Option<&Symbol<'a>> {
        let i = self.symbols.partition_point(|s| s.address <= addr);
        let s = self.symbols.get(i.checked_sub(1)?)?;
        // Several names may share the address; the first one is as good.
        let first = &self.symbols[self.symbols[..i].partition_point(|t| t.address < s.address)];
        (s.size == 0 || addr < s.address.saturating_add(s.size)).then_some(first)
    }

    /// The symbol at or before `addr` in the same section, of code or data,
    /// with the offset of `addr` into it: what objdump prints in `<…>`.
    pub fn describe(&self, addr: u64) -> Option<(&str, u64)> {
        let sec = self
            .file
            .sections()
            .find(|s| addr >= s.address() && addr < s.address().saturating_add(s.size()))?;
        let i = self.all_symbols.partition_point(|s| s.0 <= addr);
        let (at, name) = self.all_symbols.get(i.checked_sub(1)?)?;
        (*at >= sec.address()).then_some((name.as_ref(), addr - at))
    }

    /// The bytes of the file at object addresses `start..end` (clipped to
    /// the section holding `start`), with the address they start at.
    pub fn code_at(&self, start: u64, end: u64) -> Option<(u64, &'a [u8])> {
        for s in self.file.sections() {
            let (a, size) = (s.address(), s.size());
            if start >= a && start < a.saturating_add(size) {
                let data = s.data().ok()?;
                let from = usize::try_from(start - a).ok()?;
                let to = usize::try_from(end.min(a.saturating_add(size)) - a).ok()?;
                return Some((start, data.get(from..to.min(data.len()))?));
            }
        }
        None
    }

    /// The offset to subtract from runtime addresses of a mapping
    /// (`start..limit` at file `offset`) to get addresses of this file, by
    /// pprof's rules: a mapping of the whole address space is used as is;
    /// position-dependent executables need no change unless mapped
    /// elsewhere; shared objects and PIE executables are rebased through
    /// the loadable segment the mapping comes from; Mach-O through its
    /// `__TEXT` segment, PE through its image base. `addr` (a sampled
    /// address of the mapping) picks the segment when the mapping covers
    /// several.
    pub fn base(&self, start: u64, limit: u64, offset: u64, addr: u64) -> Result<u64, Error> {
        if start == 0 && offset == 0 && (limit == u64::MAX || limit == 0) {
            return Ok(0);
        }
        match self.format {
            Format::MachO => {
                let text = self.macho_text.ok_or(Error::Base("no __TEXT segment"))?;
                if text > start {
                    return Err(Error::Base(
                        "__TEXT segment address > mapping start address",
                    ));
                }
                Ok(start - text)
            }
            Format::Pe => {
                let image = self.pe_image_base.unwrap_or(0);
                Ok(if start > 0 {
                    start.wrapping_sub(image)
                } else {
                    0
                })
            }
            Format::Other => Ok(0),
            Format::Elf => self.elf_base(start, limit, offset, addr),
        }
    }

    fn elf_base(&self, start: u64, limit: u64, offset: u64, addr: u64) -> Result<u64, Error> {
        // pprof reads `_stext` only for mappings that look like a kernel's
        // (page-unaligned, or in the upper half of the address space).
        let aligned = |v: u64| v.is_multiple_of(4096);
        let stext = self
            .stext
            .filter(|_| !aligned(start) || !aligned(limit) || !aligned(offset) || start >= 1 << 63);
        let seg = if stext.is_some() || start >= limit || limit >= 1 << 63 {
            self.text_segment
        } else if self.segments.is_empty() {
            None
        } else {
            Some(self.segment_for_mapping(start, limit, offset, addr)?)
        };
        match self.kind {
            ObjectKind::Executable => {
                let Some(seg) = seg else { return Ok(0) };
                if stext.is_none() && start > 0 && start < 1 << 63 {
                    return Ok(start
                        .wrapping_sub(offset)
                        .wrapping_add(seg.off)
                        .wrapping_sub(seg.vaddr));
                }
                if let Some(b) = kernel_base(&seg, stext, start, limit, offset) {
                    return Ok(b);
                }
                if start == 0 && limit != 0 && stext.is_none() {
                    return Ok(start.wrapping_sub(seg.vaddr));
                }
                Err(Error::Base(
                    "cannot place the executable's segment in the mapping",
                ))
            }
            ObjectKind::Relocatable => {
                if offset != 0 {
                    return Err(Error::Base("a relocatable object mapped at an offset"));
                }
                Ok(start)
            }
            ObjectKind::Dynamic => {
                let Some(seg) = seg else {
                    return Ok(start.wrapping_sub(offset));
                };
                if let Some(b) = kernel_base(&seg, stext, start, limit, offset) {
                    return Ok(b);
                }
                Ok(start
                    .wrapping_sub(offset)
                    .wrapping_add(seg.off)
                    .wrapping_sub(seg.vaddr))
            }
            _ => Err(Error::Base(
                "not an executable, shared object or relocatable file",
            )),
        }
    }

    /// The loadable segment a user-space mapping comes from (pprof's
    /// `ProgramHeadersForMapping`, then the file offset of `addr` when
    /// several match).
    fn segment_for_mapping(
        &self,
        start: u64,
        limit: u64,
        offset: u64,
        addr: u64,
    ) -> Result<Segment, Error> {
        const PAGE: u64 = 4096;
        let map_limit = offset.saturating_add(limit - start);
        let headers: Vec<&Segment> = self
            .segments
            .iter()
            .filter(|p| {
                if p.filesz == 0 {
                    return false;
                }
                let seg_limit = p.off.saturating_add(p.memsz);
                if !(offset < seg_limit && p.off < map_limit) {
                    return false;
                }
                let misalign = if p.align > 1 {
                    p.vaddr & (p.align - 1)
                } else {
                    0
                };
                let aligned = p.off.saturating_sub(misalign);
                if offset < aligned {
                    return false;
                }
                !(offset > p.off
                    && seg_limit < offset.saturating_add(PAGE)
                    && map_limit >= seg_limit.saturating_add(PAGE))
            })
            .collect();
        match headers.as_slice() {
            [] => Err(Error::Base("no program header matches the mapping")),
            [one] => Ok(**one),
            many => {
                let file_off = addr.wrapping_sub(start).wrapping_add(offset);
                let mut found = many
                    .iter()
                    .filter(|h| file_off >= h.off && file_off < h.off.saturating_add(h.memsz));
                match (found.next(), found.next()) {
                    (Some(h), None) => Ok(**h),
                    (None, _) => Err(Error::Base("no program header matches the file offset")),
                    (Some(_), Some(_)) => Err(Error::Base(
                        "two program headers match the file offset (a stripped binary?)",
                    )),
                }
            }
        }
    }

    /// Loads the DWARF sections (from the debug file when there is one).
    fn dwarf(&self) -> Result<gimli::Dwarf<Reader>, Error> {
        let src = match &self.debug {
            Some(d) if d.section_by_name(".debug_info").is_some() => d,
            _ => &self.file,
        };
        let endian = if src.is_little_endian() {
            gimli::RunTimeEndian::Little
        } else {
            gimli::RunTimeEndian::Big
        };
        let load = |id: gimli::SectionId| -> Result<Reader, Error> {
            let data: Cow<'_, [u8]> = match src.section_by_name(id.name()) {
                Some(s) => s
                    .uncompressed_data()
                    .map_err(|e| Error::Object(ObjectError::Parse(e)))?,
                None => Cow::Borrowed(&[]),
            };
            Ok(gimli::EndianArcSlice::new(Arc::from(&*data), endian))
        };
        gimli::Dwarf::load(load)
    }

    /// A resolver for address lookups. Each thread makes its own (the
    /// DWARF sections are shared). Fails on malformed DWARF.
    pub fn resolver(&self) -> Result<Resolver<'_, 'a>, Error> {
        let ctx = if self.has_debug_info() {
            Some(addr2line::Context::from_dwarf(self.dwarf()?).map_err(Error::Dwarf)?)
        } else {
            None
        };
        Ok(Resolver { obj: self, ctx })
    }
}

/// Names for the PLT entries of an x86-64 ELF file (`printf@plt`), as
/// objdump makes them: the jump-slot relocations in GOT order, one 16-byte
/// entry each in `.plt.sec`, or in `.plt` after its header entry.
fn plt_symbols<'a>(file: &object::File<'a>) -> Vec<(u64, Cow<'a, str>)> {
    if file.architecture() != object::Architecture::X86_64 {
        return Vec::new();
    }
    let (base, first) = match (
        file.section_by_name(".plt.sec"),
        file.section_by_name(".plt"),
    ) {
        (Some(sec), _) => (sec.address(), 0),
        (None, Some(plt)) => (plt.address(), 1),
        _ => return Vec::new(),
    };
    let Some(relocs) = file.dynamic_relocations() else {
        return Vec::new();
    };
    let Some(dynsyms) = file.dynamic_symbol_table() else {
        return Vec::new();
    };
    use object::ObjectSymbolTable;
    let mut slots: Vec<(u64, &'a str)> = relocs
        .filter(|(_, r)| {
            matches!(r.flags(), object::RelocationFlags::Elf { r_type } if r_type == object::elf::R_X86_64_JUMP_SLOT)
        })
        .filter_map(|(off, r)| match r.target() {
            object::RelocationTarget::Symbol(i) => {
                Some((off, dynsyms.symbol_by_index(i).ok()?.name().ok()?))
            }
            _ => None,
        })
        .collect();
    slots.sort_unstable();
    slots
        .into_iter()
        .enumerate()
        .map(|(i, (_, name))| {
            (
                base.wrapping_add(16u64.wrapping_mul(i as u64 + first)),
                Cow::Owned(format!("{name}@plt")),
            )
        })
        .collect()
}

/// pprof's kernel heuristics (`kernelBase`).
fn kernel_base(
    seg: &Segment,
    stext: Option<u64>,
    start: u64,
    limit: u64,
    offset: u64,
) -> Option<u64> {
    const PPC64_PAGE_OFFSET: u64 = 0xc000_0000_0000_0000;
    const PAGE: u64 = 4096;
    if seg.vaddr == start.wrapping_sub(offset) {
        return Some(offset);
    }
    if let Some(st) = stext {
        if start == 0 && limit != 0 {
            return Some(start.wrapping_sub(st));
        }
    }
    if start >= 1 << 63
        && limit > start
        && (offset == 0 || offset == PPC64_PAGE_OFFSET || offset == start)
    {
        if let Some(st) = stext {
            if start % PAGE == st % PAGE {
                return Some(start.wrapping_sub(st));
            }
        }
        return Some(start.wrapping_sub(seg.vaddr));
    }
    if let Some(st) = stext {
        if !start.is_multiple_of(PAGE) && st % PAGE == start % PAGE {
            return Some(start.wrapping_sub(st));
        }
    }
    None
}

/// Looks up addresses of one [`ObjectFile`]; not shared between threads.
pub struct Resolver<'o, 'a> {
    obj: &'o ObjectFile<'a>,
    ctx: Option<addr2line::Context<Reader>>,
}

impl Resolver<'_, '_> {
    /// The frames at object address `addr`, innermost (inlined) first, as
    /// `addr2line -i` gives them; the symbol table names the function when
    /// the debug information does not. Empty when nothing is known.
    pub fn frames(&self, addr: u64) -> Vec<Frame> {
        let mut out = Vec::new();
        if let Some(ctx) = &self.ctx {
            if let Ok(mut it) = ctx.find_frames(addr).skip_all_loads() {
                while let Ok(Some(f)) = it.next() {
                    let function = f
                        .function
                        .as_ref()
                        .and_then(|n| n.raw_name().ok())
                        .map(Cow::into_owned)
                        .unwrap_or_default();
                    let (file, line) = match &f.location {
                        Some(l) => (l.file.unwrap_or("").to_string(), l.line.unwrap_or(0)),
                        None => (String::new(), 0),
                    };
                    out.push(Frame {
                        function,
                        file,
                        line,
                    });
                }
            }
        }
        let sym = self.obj.symbol_at(addr);
        if let (Some(last), Some(sym)) = (out.last_mut(), sym) {
            // Minimal debug information (`line-tables-only`) names
            // functions without their path: the symbol's linkage name says
            // more. And a location without any function takes the symbol.
            if last.function.is_empty() {
                last.function = sym.name.to_string();
            } else if last.function != sym.name && !last.function.starts_with("_Z") {
                let dem = crate::demangle::demangle_name(sym.name, crate::Demangle::Default);
                if dem.is_some_and(|d| d != last.function && d.ends_with(&last.function)) {
                    last.function = sym.name.to_string();
                }
            }
        }
        if out.is_empty() {
            if let Some(sym) = sym {
                out.push(Frame {
                    function: sym.name.to_string(),
                    ..Frame::default()
                });
            }
        }
        out.retain(|f| !f.function.is_empty() || !f.file.is_empty());
        out
    }
}
