//! Disassembly for pprof reports, in process: the [`pprof_report::asm::ObjTool`]
//! that `-disasm` and `-weblist` read binaries with (pprof runs `nm` and
//! `objdump` for this).
//!
//! [`NativeTool`] opens binaries with `pprof-symbolize`'s loader (separate
//! debug files included), translates runtime addresses of the mapping to
//! object addresses (PIE executables and shared libraries), lists function
//! symbols (matching their raw or demangled names) and decodes
//! instructions with [iced-x86](https://crates.io/crates/iced-x86), in
//! objdump's AT&T syntax or, with `intel`, its Intel syntax, each with the
//! function, file and line the DWARF gives it. [`disassemble`] is the
//! decoder alone, on bytes.
//!
//! ```
//! use pprof_disasm::{disassemble, Syntax};
//!
//! // push %rbp; mov %rsp,%rbp; ret
//! let insts = disassemble(pprof_disasm::Architecture::X86_64, &[0x55, 0x48, 0x89, 0xe5, 0xc3], 0x1000, Syntax::Att, &|_| None)?;
//! let text: Vec<&str> = insts.iter().map(|i| i.text.as_str()).collect();
//! assert_eq!(text, ["push   %rbp", "mov    %rsp,%rbp", "ret"]);
//! assert_eq!(insts[2].addr, 0x1004);
//! # Ok::<(), pprof_disasm::Error>(())
//! ```
//!
//! # Design constraints
//!
//! * x86-64 and x86 are decoded; other architectures give
//!   [`Error::Architecture`].
//! * Nothing is printed; bad bytes decode as `(bad)`, never a panic.
#![deny(missing_docs)]

use std::cell::OnceCell;

use iced_x86::{
    Decoder, DecoderOptions, Formatter, GasFormatter, Instruction, IntelFormatter, OpKind,
};
use pprof_report::asm::{Frame, Inst, ObjError, ObjFile, ObjSymbol, ObjTool};
use pprof_symbolize::loader::Loader;
use pprof_symbolize::{BinaryData, BinaryRequest, Demangle, ObjectFile};
use regex::Regex;

pub use object::Architecture;

/// Errors of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The binary's architecture has no decoder here.
    #[error("cannot disassemble {0:?} code")]
    Architecture(Architecture),
}

/// Assembly syntax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Syntax {
    /// AT&T, as `objdump -d` prints it (the default).
    #[default]
    Att,
    /// Intel, as `objdump -d -M intel` prints it.
    Intel,
}

/// One decoded instruction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// Its address.
    pub addr: u64,
    /// Its length in bytes.
    pub len: usize,
    /// Its text in objdump's layout (mnemonic padded to six columns).
    pub text: String,
}

/// Decodes `code`, which starts at address `ip`. `symbol` names the
/// function holding an address (and the offset into it), for branch
/// targets and RIP-relative operands, as objdump shows them
/// (`call   1139 <work>`, `# 4010 <data>`).
pub fn disassemble(
    arch: Architecture,
    code: &[u8],
    ip: u64,
    syntax: Syntax,
    symbol: &dyn Fn(u64) -> Option<(String, u64)>,
) -> Result<Vec<Decoded>, Error> {
    let bitness = match arch {
        Architecture::X86_64 => 64,
        Architecture::I386 | Architecture::X86_64_X32 => 32,
        other => return Err(Error::Architecture(other)),
    };
    let mut fmt: Box<dyn Formatter> = match syntax {
        Syntax::Att => Box::new(GasFormatter::new()),
        Syntax::Intel => Box::new(IntelFormatter::new()),
    };
    let o = fmt.options_mut();
    o.set_first_operand_char_index(7);
    o.set_hex_prefix("0x");
    o.set_hex_suffix("");
    o.set_uppercase_hex(false);
    o.set_rip_relative_addresses(true);
    o.set_space_after_operand_separator(false);
    o.set_branch_leading_zeros(false);
    o.set_uppercase_keywords(true);
    o.set_show_branch_size(false);
    o.set_small_hex_numbers_in_decimal(false);
    o.set_always_show_scale(true);
    o.set_show_zero_displacements(true);
    if syntax == Syntax::Intel {
        o.set_memory_size_options(iced_x86::MemorySizeOptions::Always);
    }
    let mut dec = Decoder::with_ip(bitness, code, ip, DecoderOptions::NONE);
    let mut ins = Instruction::default();
    let mut out = Vec::new();
    let target = |addr: u64| match symbol(addr) {
        Some((name, 0)) => format!("{addr:x} <{name}>"),
        Some((name, off)) => format!("{addr:x} <{name}+{off:#x}>"),
        None => format!("{addr:x}"),
    };
    while dec.can_decode() {
        dec.decode_out(&mut ins);
        let mut text = String::new();
        if ins.is_invalid() {
            text.push_str("(bad)");
        } else if is_near_branch(&ins) {
            fmt.format_mnemonic(&ins, &mut text);
            let pad = 7usize.saturating_sub(text.len()).max(1);
            text.extend(std::iter::repeat_n(' ', pad));
            text.push_str(&target(ins.near_branch_target()));
        } else {
            fmt.format(&ins, &mut text);
            if ins.is_ip_rel_memory_operand() {
                text.push_str("        # ");
                text.push_str(&target(ins.ip_rel_memory_address()));
            }
        }
        if syntax == Syntax::Att {
            // iced writes `(%rax,)` for a base without index when asked to
            // always show the scale (which objdump does with an index).
            text = text.replace(",)", ")");
        }
        out.push(Decoded {
            addr: ins.ip(),
            len: ins.len(),
            text: text.trim_end().to_string(),
        });
    }
    Ok(out)
}

fn is_near_branch(ins: &Instruction) -> bool {
    ins.op_count() == 1
        && matches!(
            ins.op0_kind(),
            OpKind::NearBranch16 | OpKind::NearBranch32 | OpKind::NearBranch64
        )
}

/// The [`ObjTool`] of `-disasm` and `-weblist`, reading binaries in
/// process.
#[derive(Clone, Debug, Default)]
pub struct NativeTool {
    loader: Loader,
}

impl NativeTool {
    /// A tool that finds debug files with `loader`.
    pub fn new(loader: Loader) -> NativeTool {
        NativeTool { loader }
    }
}

impl ObjTool for NativeTool {
    fn open(
        &self,
        file: &str,
        start: u64,
        limit: u64,
        offset: u64,
    ) -> Result<Box<dyn ObjFile + '_>, ObjError> {
        let req = BinaryRequest {
            mapping: pprof_model::MappingId(0),
            file: file.to_string(),
            build_id: String::new(),
        };
        let data = self.loader.open(&req).map_err(ObjError::new)?;
        if let Err(e) = ObjectFile::parse(&data.bytes) {
            return Err(ObjError::new(format!("{file}: {e}")));
        }
        Ok(Box::new(NativeFile {
            data,
            start,
            limit,
            offset,
            base: OnceCell::new(),
            symbols: OnceCell::new(),
        }))
    }
}

/// An open binary.
struct NativeFile {
    data: BinaryData,
    start: u64,
    limit: u64,
    offset: u64,
    base: OnceCell<Result<u64, ObjError>>,
    /// (start, end inclusive, names) of every function symbol.
    symbols: OnceCell<Vec<(u64, u64, Vec<String>)>>,
}

impl NativeFile {
    fn object(&self) -> Result<ObjectFile<'_>, ObjError> {
        let obj = ObjectFile::parse(&self.data.bytes)
            .map_err(|e| ObjError::new(format!("{}: {e}", self.data.path)))?;
        Ok(match &self.data.debug {
            Some(d) => match ObjectFile::parse(&self.data.bytes).and_then(|o| o.with_debug_file(d))
            {
                Ok(o) => o,
                Err(_) => obj,
            },
            None => obj,
        })
    }

    fn symbol_table(&self) -> &[(u64, u64, Vec<String>)] {
        self.symbols.get_or_init(|| {
            let Ok(obj) = self.object() else {
                return Vec::new();
            };
            let syms = obj.symbols();
            let mut out: Vec<(u64, u64, Vec<String>)> = Vec::new();
            for (i, s) in syms.iter().enumerate() {
                if let Some(last) = out.last_mut() {
                    if last.0 == s.address {
                        if !last.2.iter().any(|n| n == s.name) {
                            last.2.push(s.name.to_string());
                        }
                        continue;
                    }
                }
                let next = syms[i..]
                    .iter()
                    .find(|t| t.address > s.address)
                    .map(|t| t.address);
                let end = match (s.size, next) {
                    (0, Some(n)) => n - 1,
                    (0, None) => s.address,
                    (size, Some(n)) => (s.address.saturating_add(size - 1)).min(n - 1),
                    (size, None) => s.address.saturating_add(size - 1),
                };
                out.push((s.address, end, vec![s.name.to_string()]));
            }
            out
        })
    }
}

/// Demangled forms of a name that a regular expression may match, in
/// pprof's order.
fn demangled_forms(name: &str) -> Vec<String> {
    [Demangle::Full, Demangle::Templates, Demangle::Default]
        .iter()
        .filter_map(|&d| pprof_symbolize::demangle_name(name, d))
        .collect()
}

impl ObjFile for NativeFile {
    fn obj_addr(&self, addr: u64) -> Result<u64, ObjError> {
        // An address of another mapping is an error of its own; the base
        // comes from the first address inside the mapping (pprof keeps the
        // first error, so one foreign address would fail every later one).
        if self.base.get().is_none()
            && (addr < self.start || (self.limit > self.start && addr >= self.limit))
        {
            return Err(ObjError::new(format!(
                "specified address {addr:x} is outside the mapping range [{:x}, {:x}] for file {:?}",
                self.start, self.limit, self.data.path
            )));
        }
        let base = self.base.get_or_init(|| {
            let obj = self.object()?;
            obj.base(self.start, self.limit, self.offset, addr)
                .map_err(|e| ObjError::new(format!("{}: {e}", self.data.path)))
        });
        base.clone().map(|b| addr.wrapping_sub(b))
    }

    fn symbol_at(&self, addr: u64) -> Option<ObjSymbol> {
        let table = self.symbol_table();
        let i = table.partition_point(|s| s.0 <= addr);
        let (start, end, names) = table.get(i.checked_sub(1)?)?;
        (addr <= *end).then(|| ObjSymbol {
            names: names.clone(),
            start: *start,
            end: *end,
        })
    }

    fn symbols(&self, rx: &Regex, addr: Option<u64>) -> Result<Vec<ObjSymbol>, ObjError> {
        let mut out = Vec::new();
        for (start, end, names) in self.symbol_table() {
            if addr.is_some_and(|a| a >= *start && a <= *end) {
                out.push(ObjSymbol {
                    names: names.clone(),
                    start: *start,
                    end: *end,
                });
                continue;
            }
            let hit = names.iter().find_map(|n| {
                if rx.is_match(n) {
                    return Some(n.clone());
                }
                demangled_forms(n).into_iter().find(|d| rx.is_match(d))
            });
            if let Some(name) = hit {
                out.push(ObjSymbol {
                    names: vec![name],
                    start: *start,
                    end: *end,
                });
            }
        }
        Ok(out)
    }

    fn disasm(&self, start: u64, end: u64, intel: bool) -> Result<Vec<Inst>, ObjError> {
        let obj = self.object()?;
        let Some((at, code)) = obj.code_at(start, end.saturating_add(1)) else {
            return Ok(Vec::new());
        };
        let symbol = |a: u64| obj.describe(a).map(|(n, off)| (n.to_string(), off));
        let syntax = if intel { Syntax::Intel } else { Syntax::Att };
        let decoded = disassemble(obj.architecture(), code, at, syntax, &symbol)
            .map_err(|e| ObjError::new(e.to_string()))?;
        let resolver = obj.resolver().ok();
        let demangled = |name: String| {
            if name.is_empty() {
                name
            } else {
                pprof_symbolize::demangle_name(&name, Demangle::Default).unwrap_or(name)
            }
        };
        Ok(decoded
            .into_iter()
            .map(|d| Inst {
                addr: d.addr,
                text: d.text,
                frames: resolver
                    .as_ref()
                    .map(|r| r.frames(d.addr))
                    .unwrap_or_default()
                    .into_iter()
                    .map(|f| Frame {
                        function: demangled(f.function),
                        file: f.file,
                        line: i64::from(f.line),
                    })
                    .collect(),
            })
            .collect())
    }
}
