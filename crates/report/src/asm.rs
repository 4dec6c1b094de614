//! `-disasm=RE`: the instructions of the functions matching a regular
//! expression, each with its flat and cum values (pprof's
//! `PrintAssembly`), and the data `-weblist` shares with it.
//!
//! Reading binaries is not this crate's job: the caller passes an
//! [`ObjTool`] (pprof's `plugin.ObjTool`), such as `pprof-disasm`'s.

use std::collections::HashMap;
use std::io::Write;

use pprof_graph::{paths, Graph, NodeId, NodeOrder};
use pprof_model::measurement;
use regex::Regex;

use crate::error::{Error, Result};
use crate::report::Report;

/// Why an object file could not be opened, searched or disassembled; the
/// message is one line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ObjError {
    /// What went wrong.
    pub message: String,
}

impl ObjError {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> ObjError {
        ObjError {
            message: message.into(),
        }
    }
}

/// A function symbol of an object file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjSymbol {
    /// Its names (aliases at the same address); the first is shown, the
    /// others follow as `AKA` lines.
    pub names: Vec<String>,
    /// First address (object address).
    pub start: u64,
    /// Last address, inclusive.
    pub end: u64,
}

/// A source position of an instruction: one function of its inline
/// chain (pprof's `plugin.Frame`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frame {
    /// The function, empty when unknown.
    pub function: String,
    /// Its source file, empty when unknown.
    pub file: String,
    /// The line, 0 when unknown.
    pub line: i64,
}

/// One disassembled instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inst {
    /// Object address.
    pub addr: u64,
    /// The instruction as text.
    pub text: String,
    /// Its source positions, innermost first, as `addr2line -i` gives
    /// them: the function the instruction belongs to (the innermost
    /// inlined one) at the instruction's line, then each function it was
    /// inlined into, at the line of the inlined call. Empty when unknown.
    pub frames: Vec<Frame>,
}

impl Inst {
    /// The innermost source position (an empty one when unknown).
    pub fn position(&self) -> &Frame {
        static UNKNOWN: Frame = Frame {
            function: String::new(),
            file: String::new(),
            line: 0,
        };
        self.frames.first().unwrap_or(&UNKNOWN)
    }
}

/// Opens object files for `-disasm` and `-weblist`.
pub trait ObjTool {
    /// Opens the binary `file` of a mapping (`start..limit` at file
    /// `offset`).
    fn open(
        &self,
        file: &str,
        start: u64,
        limit: u64,
        offset: u64,
    ) -> std::result::Result<Box<dyn ObjFile + '_>, ObjError>;
}

/// An open object file.
pub trait ObjFile {
    /// The object address of a runtime address of the mapping.
    fn obj_addr(&self, addr: u64) -> std::result::Result<u64, ObjError>;
    /// The function symbols whose name matches `rx` (or, C++ and Rust
    /// names, one of its demangled forms), or, when `addr` is given, the
    /// one holding that object address.
    fn symbols(
        &self,
        rx: &Regex,
        addr: Option<u64>,
    ) -> std::result::Result<Vec<ObjSymbol>, ObjError>;
    /// The instructions at object addresses `start..=end`, with their
    /// source lines; Intel syntax when `intel` is set, else AT&T.
    fn disasm(&self, start: u64, end: u64, intel: bool)
        -> std::result::Result<Vec<Inst>, ObjError>;
    /// The function symbol holding object address `addr`, if any.
    fn symbol_at(&self, addr: u64) -> Option<ObjSymbol>;
}

/// An instruction with the samples that fall on it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AsmLine {
    /// Object address.
    pub address: u64,
    /// Text.
    pub instruction: String,
    /// Function (from the instruction's debug information, else from the
    /// samples).
    pub function: String,
    /// Base name of the source file.
    pub file: String,
    /// Source line.
    pub line: i64,
    /// Exclusive value.
    pub flat: i64,
    /// Inclusive value.
    pub cum: i64,
    /// Mean divisors (with `-mean`).
    pub flat_div: i64,
    /// Mean divisors (with `-mean`).
    pub cum_div: i64,
}

impl AsmLine {
    /// The flat value, divided by its mean divisor when it has one.
    pub fn flat_value(&self) -> i64 {
        if self.flat_div != 0 {
            self.flat / self.flat_div
        } else {
            self.flat
        }
    }

    /// The cum value, divided by its mean divisor when it has one.
    pub fn cum_value(&self) -> i64 {
        if self.cum_div != 0 {
            self.cum / self.cum_div
        } else {
            self.cum
        }
    }
}

/// The address a `-disasm` argument spells (Go's `strconv.ParseUint(s, 0,
/// 64)`: `0x` hex, `0o`/`0` octal, `0b` binary, else decimal).
pub fn parse_address(s: &str) -> Option<u64> {
    let t = s.replace('_', "");
    if s.contains('_') && !s.starts_with('0') {
        return None;
    }
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return u64::from_str_radix(h, 16).ok();
    }
    if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        return u64::from_str_radix(b, 2).ok();
    }
    if let Some(o) = t.strip_prefix("0o").or_else(|| t.strip_prefix("0O")) {
        return u64::from_str_radix(o, 8).ok();
    }
    if t.len() > 1 && t.starts_with('0') {
        return u64::from_str_radix(&t[1..], 8).ok();
    }
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// The functions of the binaries behind `g` that `-disasm` and `-weblist`
/// show: opens each mapping with samples whose names match `rx` (or that
/// holds `address`) and collects the matching symbols with their nodes.
/// Open failures are returned as messages (pprof prints them and goes on).
pub struct Matched<'t> {
    /// Open files, one per mapping used.
    files: Vec<(String, Box<dyn ObjFile + 't>)>,
    /// (file index, symbol, nodes).
    syms: Vec<(usize, ObjSymbol, Vec<NodeId>)>,
    /// Messages about binaries that could not be read.
    pub messages: Vec<String>,
}

impl<'t> Matched<'t> {
    /// Finds the symbols (pprof's `symbolsFromBinaries` and
    /// `nodesPerSymbol`), sorted by name then address.
    pub fn find(rpt: &Report<'_>, g: &Graph, tool: &'t dyn ObjTool, rx: &Regex) -> Matched<'t> {
        let prof = rpt.profile();
        let address = parse_address(rx.as_str());
        let mut has_samples: HashMap<&str, bool> = HashMap::new();
        for (_, n) in g.iter() {
            if !n.info.objfile.is_empty() && rx.is_match(&n.info.printable_name()) {
                has_samples.insert(n.info.objfile.as_str(), true);
            }
        }
        let mut m = Matched {
            files: Vec::new(),
            syms: Vec::new(),
            messages: Vec::new(),
        };
        for map in &prof.mappings {
            let file = prof.str(map.file);
            if !has_samples.contains_key(file)
                && !address.is_some_and(|a| map.start <= a && a <= map.limit)
            {
                continue;
            }
            let f = match tool.open(file, map.start, map.limit, map.offset) {
                Ok(f) => f,
                Err(e) => {
                    m.messages.push(e.to_string());
                    continue;
                }
            };
            let Ok(syms) = f.symbols(rx, address) else {
                continue;
            };
            let fi = m.files.len();
            m.files.push((file.to_string(), f));
            for s in syms {
                m.syms.push((fi, s, Vec::new()));
            }
        }
        for (fi, s, nodes) in &mut m.syms {
            let f = &m.files[*fi].1;
            for (id, n) in g.iter() {
                if let Ok(a) = f.obj_addr(n.info.address) {
                    if a >= s.start && a < s.end {
                        nodes.push(id);
                    }
                }
            }
        }
        m.syms.sort_by(|a, b| {
            let (na, nb) = (
                a.1.names.first().map_or("", String::as_str),
                b.1.names.first().map_or("", String::as_str),
            );
            na.cmp(nb).then(a.1.start.cmp(&b.1.start))
        });
        m.syms.retain(|s| !s.2.is_empty());
        m
    }

    /// Whether nothing matched.
    pub fn is_empty(&self) -> bool {
        self.syms.is_empty()
    }

    /// Each matched symbol: its binary's name, the symbol, its open file
    /// and its nodes.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ObjSymbol, &dyn ObjFile, &[NodeId])> {
        self.syms.iter().map(|(fi, s, nodes)| {
            let (name, f) = &self.files[*fi];
            (name.as_str(), s, f.as_ref(), nodes.as_slice())
        })
    }
}

/// Spreads the samples of `nodes` over the instructions (pprof's
/// `annotateAssembly`): each instruction takes the samples at or after its
/// address and before the next one's.
pub fn annotate(g: &Graph, insts: &[Inst], nodes: &[NodeId], file: &dyn ObjFile) -> Vec<AsmLine> {
    let mut samples = nodes.to_vec();
    g.sort_ids(&mut samples, NodeOrder::Address);
    let mut s = 0;
    let mut out = Vec::with_capacity(insts.len());
    for (i, inst) in insts.iter().enumerate() {
        let at = inst.position();
        let mut a = AsmLine {
            address: inst.addr,
            instruction: inst.text.clone(),
            function: at.function.clone(),
            line: at.line,
            file: if at.file.is_empty() {
                String::new()
            } else {
                paths::base(&at.file).to_string()
            },
            ..AsmLine::default()
        };
        let next = insts.get(i + 1).map_or(u64::MAX, |n| n.addr);
        while let Some(n) = samples.get(s).and_then(|&id| g.node(id)) {
            match file.obj_addr(n.info.address) {
                Ok(addr) if addr < next => {}
                _ => break,
            }
            a.flat_div += n.flat_div;
            a.flat += n.flat;
            a.cum_div += n.cum_div;
            a.cum += n.cum;
            if !n.info.file.is_empty() && a.file.is_empty() {
                a.file = paths::base(&n.info.file).to_string();
            }
            if n.info.lineno != 0 && a.line == 0 {
                a.line = n.info.lineno;
            }
            if !n.info.name.is_empty() && a.function.is_empty() {
                a.function = n.info.name.clone();
            }
            s += 1;
        }
        out.push(a);
    }
    out
}

/// One function of a `-disasm` report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Routine {
    /// The symbol's names: the first is shown, the others are aliases
    /// (`AKA` lines).
    pub names: Vec<String>,
    /// Exclusive value of the function's samples.
    pub flat: i64,
    /// Inclusive value of the function's samples.
    pub cum: i64,
    /// Its instructions with their samples.
    pub lines: Vec<AsmLine>,
}

/// What `-disasm` shows: the matching functions, and messages about
/// binaries that could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disassembly {
    /// The functions.
    pub routines: Vec<Routine>,
    /// One line for each binary that could not be read.
    pub messages: Vec<String>,
}

/// The functions of the `-disasm` report (pprof's `PrintAssembly`): those
/// matching [`crate::Options::symbol`] in the binaries of sampled
/// mappings, with their instructions and samples. With `max_funcs`
/// (pprof's web view), the functions with the largest flat values come
/// first and only that many are kept; otherwise all, by name then
/// address. Build the report at address granularity without inlined
/// frames, as pprof's driver does.
pub fn disassemble(
    rpt: &Report<'_>,
    tool: &dyn ObjTool,
    max_funcs: Option<usize>,
) -> Result<Disassembly> {
    let o = rpt.options();
    let rx = o.symbol.clone().ok_or(Error::MissingSymbol)?;
    let g = rpt.new_graph(None);
    let matched = Matched::find(rpt, &g, tool, &rx);
    if matched.is_empty() {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }
    let mut found: Vec<_> = matched
        .iter()
        .map(|(_, sym, file, nodes)| {
            let (flat, cum) = nodes
                .iter()
                .filter_map(|&n| g.node(n))
                .fold((0i64, 0i64), |(f, c), n| {
                    (f.wrapping_add(n.flat), c.wrapping_add(n.cum))
                });
            (sym, file, nodes, flat, cum)
        })
        .collect();
    if let Some(max) = max_funcs {
        // Stable: equal sums keep the order by name.
        found.sort_by_key(|f| std::cmp::Reverse(f.3));
        found.truncate(max);
    }
    let mut routines = Vec::with_capacity(found.len());
    for (sym, file, nodes, flat, cum) in found {
        let insts = file.disasm(sym.start, sym.end, o.intel_syntax)?;
        routines.push(Routine {
            names: sym.names.clone(),
            flat,
            cum,
            lines: annotate(&g, &insts, nodes, file),
        });
    }
    Ok(Disassembly {
        routines,
        messages: matched.messages,
    })
}

/// Writes the `-disasm` report: `Total:`, then for each function matching
/// [`crate::Options::symbol`] in the binaries of sampled mappings, its
/// instructions with flat and cum values and the source position where it
/// changes, in pprof's layout. Build the report at address granularity
/// without inlined frames, as pprof's driver does. Binaries that cannot be
/// read are listed in the returned messages.
pub fn write_disasm(
    w: &mut dyn Write,
    rpt: &Report<'_>,
    tool: &dyn ObjTool,
) -> Result<Vec<String>> {
    let d = disassemble(rpt, tool, None)?;
    write_routines(w, rpt, &d.routines)?;
    Ok(d.messages)
}

/// Writes `routines` in pprof's `-disasm` layout, after the `Total:` line.
pub fn write_routines(w: &mut dyn Write, rpt: &Report<'_>, routines: &[Routine]) -> Result<()> {
    let mut out = String::new();
    out.push_str(&format!("Total: {}\n", rpt.format_value(rpt.total())));
    for r in routines {
        let name = r.names.first().map_or("", String::as_str);
        out.push_str(&format!("ROUTINE ======================== {name}\n"));
        for aka in r.names.iter().skip(1) {
            out.push_str(&format!("    AKA ======================== {aka}\n"));
        }
        out.push_str(&format!(
            "{:>10} {:>10} (flat, cum) {} of Total\n",
            rpt.format_value(r.flat),
            rpt.format_value(r.cum),
            measurement::percentage(r.cum, rpt.total())
        ));
        let (mut function, mut fname, mut line) = (String::new(), String::new(), 0i64);
        for n in &r.lines {
            let mut loc = String::new();
            if n.function != function || n.file != fname || n.line != line {
                function.clone_from(&n.function);
                fname.clone_from(&n.file);
                line = n.line;
                if !n.function.is_empty() {
                    loc = format!("{} ", n.function);
                }
                if !n.file.is_empty() {
                    loc.push_str(&n.file);
                    if n.line != 0 {
                        loc.push_str(&format!(":{}", n.line));
                    }
                }
            }
            let (flat, cum) = (
                rpt.value_or_dot(n.flat_value()),
                rpt.value_or_dot(n.cum_value()),
            );
            if loc.is_empty() {
                out.push_str(&format!(
                    "{flat:>10} {cum:>10} {:>10x}: {}\n",
                    n.address, n.instruction
                ));
            } else if n.instruction.chars().count() < 40 {
                out.push_str(&format!(
                    "{flat:>10} {cum:>10} {:>10x}: {:<40};{loc}\n",
                    n.address, n.instruction
                ));
            } else {
                out.push_str(&format!("{:74};{loc}\n", ""));
                out.push_str(&format!(
                    "{flat:>10} {cum:>10} {:>10x}: {}\n",
                    n.address, n.instruction
                ));
            }
        }
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_parse_uint() {
        assert_eq!(parse_address("0x401000"), Some(0x401000));
        assert_eq!(parse_address("4096"), Some(4096));
        assert_eq!(parse_address("010"), Some(8));
        assert_eq!(parse_address("0"), Some(0));
        assert_eq!(parse_address("main"), None);
        assert_eq!(parse_address("0x"), None);
        assert_eq!(parse_address(""), None);
    }
}
