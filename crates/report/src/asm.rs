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

/// One disassembled instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Inst {
    /// Object address.
    pub addr: u64,
    /// The instruction as text.
    pub text: String,
    /// The function it belongs to (innermost inlined one), when known.
    pub function: String,
    /// Its source file, when known.
    pub file: String,
    /// Its source line, 0 when unknown.
    pub line: i64,
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
        let mut a = AsmLine {
            address: inst.addr,
            instruction: inst.text.clone(),
            function: inst.function.clone(),
            line: inst.line,
            file: if inst.file.is_empty() {
                String::new()
            } else {
                paths::base(&inst.file).to_string()
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
    let o = rpt.options();
    let rx = o.symbol.clone().ok_or(Error::MissingSymbol)?;
    let g = rpt.new_graph(None);
    let mut out = String::new();
    out.push_str(&format!("Total: {}\n", rpt.format_value(rpt.total())));
    let matched = Matched::find(rpt, &g, tool, &rx);
    if matched.is_empty() {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }
    for (_, sym, file, nodes) in matched.iter() {
        let (flat, cum) = nodes
            .iter()
            .filter_map(|&n| g.node(n))
            .fold((0i64, 0i64), |(f, c), n| {
                (f.wrapping_add(n.flat), c.wrapping_add(n.cum))
            });
        let insts = file.disasm(sym.start, sym.end, o.intel_syntax)?;
        let lines = annotate(&g, &insts, nodes, file);
        let name = sym.names.first().map_or("", String::as_str);
        out.push_str(&format!("ROUTINE ======================== {name}\n"));
        for aka in sym.names.iter().skip(1) {
            out.push_str(&format!("    AKA ======================== {aka}\n"));
        }
        out.push_str(&format!(
            "{:>10} {:>10} (flat, cum) {} of Total\n",
            rpt.format_value(flat),
            rpt.format_value(cum),
            measurement::percentage(cum, rpt.total())
        ));
        let (mut function, mut fname, mut line) = (String::new(), String::new(), 0i64);
        for n in &lines {
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
    Ok(matched.messages)
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
