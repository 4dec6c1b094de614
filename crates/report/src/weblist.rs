//! `-weblist=RE`: the source of the matching functions, each line with its
//! flat and cum values and, under it, the instructions compiled from it
//! with theirs (pprof's weblist), as data ([`web_list`]) and as an HTML
//! page ([`write_weblist`]).
//!
//! The functions are those whose name, linker name or file name (or
//! whose binary's name) matches [`crate::Options::symbol`] in a sampled
//! location, inlined frames included. Their instructions come from the
//! binaries through an [`ObjTool`], as for `-disasm`: the whole function
//! symbol around each sampled address is decoded, and each instruction
//! is listed under the source line of every matching function of its
//! inline chain, with the inlined calls that lead to it. Locations
//! without a readable binary still give their lines' values, from the
//! profile's own line information. Values are counted as pprof's
//! weblist counts them: each instruction has the samples at any of its
//! bytes (a return address points past the call), each sample's value
//! (divided by its count under `-mean`) is flat on its leaf and cum on
//! every frame of its stack, recursive frames included.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write;

use pprof_graph::paths;
use pprof_model::gofmt::html_escape_into;
use pprof_model::measurement;
use pprof_model::LocationId;

use crate::asm::{parse_address, Frame, ObjFile, ObjTool};
use crate::error::{Error, Result};
use crate::report::Report;
use crate::source::{search_path, SourceReader};

/// Function symbols decoded at most (the heaviest first), as pprof's
/// limit of address ranges.
const MAX_RANGES: usize = 25;
/// Bytes decoded around a sampled address that no symbol holds.
const WINDOW: u64 = 500;
/// Sampled lines of one function this close together are listed as one
/// piece.
const MERGE_LINES: i64 = 20;
/// Lines of context around each piece.
const CONTEXT_LINES: i64 = 5;
/// An instruction without a line takes the line of the instruction
/// before it when that one is at most this many bytes before.
const NEIGHBOURHOOD: u64 = 32;

/// The annotated source of `-weblist` (pprof's `WebListData`). Values
/// are in the profile's sample unit, after `-mean`; format them with
/// [`Report::format_value`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebList {
    /// The report total.
    pub total: i64,
    /// Each listed piece of a function, file by file.
    pub functions: Vec<WebListFunction>,
    /// One line for each binary that could not be read (its lines are
    /// listed without instructions).
    pub messages: Vec<String>,
}

/// A function's lines in one source file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebListFunction {
    /// The function's name.
    pub name: String,
    /// The source file, as the binary or profile names it.
    pub file: String,
    /// Exclusive value of the listed lines.
    pub flat: i64,
    /// Inclusive value of the listed lines.
    pub cum: i64,
    /// The lines, in order.
    pub lines: Vec<WebListLine>,
    /// Why the source file could not be read, if it could not (its
    /// sampled lines are then listed as `???`).
    pub source_error: Option<String>,
}

/// What a source line has under it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineKind {
    /// No instruction: a line of context.
    #[default]
    Context,
    /// Sampled code whose instructions are unknown (no binary).
    Opaque,
    /// Instructions, listed in [`WebListLine::instructions`].
    Code,
}

/// One source line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebListLine {
    /// Line number; 0 holds instructions whose line is unknown.
    pub line: i64,
    /// The source text (`???` when the file has no such line).
    pub text: String,
    /// Exclusive value of its instructions.
    pub flat: i64,
    /// Inclusive value of its instructions.
    pub cum: i64,
    /// What it has under it.
    pub kind: LineKind,
    /// Its instructions, by address ([`LineKind::Code`] only).
    pub instructions: Vec<WebListInst>,
}

/// An instruction listed under a source line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebListInst {
    /// Object address (as `objdump` shows it).
    pub address: u64,
    /// The instruction as text; empty when unknown (no binary): only its
    /// inlined calls are shown.
    pub text: String,
    /// Exclusive value.
    pub flat: i64,
    /// Inclusive value.
    pub cum: i64,
    /// The source file of the instruction's own (innermost) position.
    pub file: String,
    /// Its line.
    pub line: i64,
    /// Whether the previous instruction of the line does not end where
    /// this one starts.
    pub starts_block: bool,
    /// How many inlined calls lead from the listed line to the
    /// instruction.
    pub depth: usize,
    /// The inlined calls to show before it: those that differ from the
    /// previous instruction's, outermost first.
    pub calls: Vec<InlinedCall>,
}

/// An inlined call on the way from a listed line to its instruction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct InlinedCall {
    /// Its depth: 0 is the call made on the listed line.
    pub depth: usize,
    /// The source file of the call.
    pub file: String,
    /// Its line.
    pub line: i64,
    /// The line's text, trimmed (empty when the source is not found).
    pub text: String,
}

/// Sums of sample values.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    flat: i64,
    cum: i64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.flat = self.flat.wrapping_add(o.flat);
        self.cum = self.cum.wrapping_add(o.cum);
    }
}

/// Where an instruction is: a runtime address of a binary that was read,
/// or a location of the profile whose binary was not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Key {
    Addr(u64),
    Loc(LocationId),
}

/// What is known of one instruction.
struct InstInfo {
    obj_addr: u64,
    length: u64,
    text: String,
    file: String,
    line: i64,
    flat: i64,
    cum: i64,
}

/// An instruction under a line of a file, with the inlined calls from
/// that line to it (outermost first: (file, line)).
struct Placed {
    key: Key,
    stack: Vec<(String, i64)>,
}

#[derive(Default)]
struct FileLines {
    /// Instructions by line.
    lines: BTreeMap<i64, Vec<Placed>>,
    /// The function of each line (the first one seen there).
    function: HashMap<i64, String>,
}

/// A range of a binary to decode.
struct Range {
    file: usize,
    start: u64,
    end: u64,
    score: i64,
    /// Runtime address minus object address.
    base: u64,
}

/// Lines `begin..end` of a file, shown for one function.
struct Piece {
    name: String,
    begin: i64,
    end: i64,
}

/// Makes the annotated source of `-weblist` (pprof's `MakeWebList`).
/// With `max_files` (pprof's web view), the files with the largest flat
/// values come first and only that many are kept; otherwise all, by name.
/// Build the report at address granularity with inlined frames, as
/// pprof's driver does.
pub fn web_list(rpt: &Report<'_>, tool: &dyn ObjTool, max_files: Option<usize>) -> Result<WebList> {
    let o = rpt.options();
    let rx = o.symbol.clone().ok_or(Error::MissingSymbol)?;
    let p = rpt.profile();
    let address = parse_address(rx.as_str());

    // Values of each location, as pprof's weblist counts them: each
    // sample's value (divided by its count under -mean), as flat on its
    // leaf and as cum on every frame of its stack.
    let mut sums = vec![Sums::default(); p.locations.len()];
    let mut seen = vec![false; p.locations.len()];
    for s in &p.samples {
        let mut v = s.values.get(o.sample_index).copied().unwrap_or(0);
        if o.mean {
            let d = s.values.first().copied().unwrap_or(0);
            if d != 0 {
                v = v.wrapping_div(d);
            }
        }
        for (j, &loc) in s.locations.iter().enumerate() {
            let Some(x) = sums.get_mut(loc.index()) else {
                continue;
            };
            seen[loc.index()] = true;
            if j == 0 {
                x.flat = x.flat.wrapping_add(v);
            }
            x.cum = x.cum.wrapping_add(v);
        }
    }

    // The functions of interest, and the sampled locations in them.
    let mut interest: HashSet<&str> = HashSet::new();
    let mut pretty: HashMap<&str, &str> = HashMap::new();
    let mut wanted: Vec<LocationId> = Vec::new();
    for (i, loc) in p.locations.iter().enumerate() {
        if !seen[i] {
            continue;
        }
        for line in &loc.lines {
            let f = p.function(line.function);
            pretty.insert(p.str(f.system_name), p.str(f.name));
        }
        let id = LocationId(u32::try_from(i).unwrap_or(u32::MAX));
        let mut mark = |index: usize| {
            let Some(line) = loc.lines.get(index) else {
                return;
            };
            let f = p.function(line.function);
            interest.insert(p.str(f.name));
            interest.insert(p.str(f.system_name));
            if wanted.last() != Some(&id) {
                wanted.push(id);
            }
        };
        if address.is_some_and(|a| a == loc.address) {
            mark(loc.lines.len().wrapping_sub(1));
            continue;
        }
        let in_file = loc
            .mapping
            .is_some_and(|m| rx.is_match(p.str(p.mapping(m).file)));
        for (j, line) in loc.lines.iter().enumerate() {
            let f = p.function(line.function);
            if (j == 0 && in_file)
                || rx.is_match(p.str(f.name))
                || rx.is_match(p.str(f.system_name))
                || rx.is_match(p.str(f.filename))
            {
                mark(j);
            }
        }
    }
    if interest.is_empty() {
        return Err(Error::NoMatches(rx.as_str().to_string()));
    }

    // Open the binaries; what they cannot place keeps the profile's lines.
    let mut files: Vec<Box<dyn ObjFile + '_>> = Vec::new();
    let mut opened: HashMap<&str, Option<usize>> = HashMap::new();
    let mut messages = Vec::new();
    let mut ranges: Vec<Range> = Vec::new();
    let mut opaque: Vec<LocationId> = Vec::new();
    for &id in &wanted {
        let loc = p.location(id);
        let obj = loc.mapping.filter(|_| loc.address != 0).and_then(|m| {
            let map = p.mapping(m);
            let name = p.str(map.file);
            *opened.entry(name).or_insert_with(|| {
                match tool.open(name, map.start, map.limit, map.offset) {
                    Ok(f) => {
                        files.push(f);
                        Some(files.len() - 1)
                    }
                    Err(e) => {
                        messages.push(e.to_string());
                        None
                    }
                }
            })
        });
        let Some(fi) = obj else {
            opaque.push(id);
            continue;
        };
        let f = &files[fi];
        let Ok(at) = f.obj_addr(loc.address) else {
            opaque.push(id);
            continue;
        };
        let base = loc.address.wrapping_sub(at);
        let (start, end) = match f.symbol_at(at) {
            Some(s) => (s.start, s.end),
            None => (at.saturating_sub(WINDOW), at.saturating_add(WINDOW)),
        };
        ranges.push(Range {
            file: fi,
            start,
            end,
            score: sums[id.index()].flat,
            base,
        });
    }
    // One range per piece of code: overlapping ones are joined.
    ranges.sort_by_key(|r| (r.file, r.start));
    let mut joined: Vec<Range> = Vec::new();
    for r in ranges {
        match joined.last_mut() {
            Some(last) if last.file == r.file && r.start <= last.end.saturating_add(1) => {
                last.end = last.end.max(r.end);
                last.score = last.score.wrapping_add(r.score);
            }
            _ => joined.push(r),
        }
    }
    joined.sort_by_key(|r| std::cmp::Reverse(r.score));
    joined.truncate(MAX_RANGES);

    // Decode the ranges and place each instruction under the lines of the
    // functions of interest in its inline chain.
    let mut insts: BTreeMap<Key, InstInfo> = BTreeMap::new();
    let mut by_file: BTreeMap<String, FileLines> = BTreeMap::new();
    let interest_of = |f: &str| interest.contains(f);
    for r in &joined {
        let decoded = match files[r.file].disasm(r.start, r.end, o.intel_syntax) {
            Ok(d) => d,
            Err(e) => {
                messages.push(e.to_string());
                continue;
            }
        };
        let mut last: Option<(u64, &[Frame])> = None;
        for (i, inst) in decoded.iter().enumerate() {
            let addr = inst.addr.wrapping_add(r.base);
            if insts.contains_key(&Key::Addr(addr)) {
                continue;
            }
            let length = decoded
                .get(i + 1)
                .filter(|n| n.addr > inst.addr)
                .map_or(1, |n| n.addr - inst.addr);
            let at = inst.position();
            insts.insert(
                Key::Addr(addr),
                InstInfo {
                    obj_addr: inst.addr,
                    length,
                    text: inst.text.clone(),
                    file: at.file.clone(),
                    line: at.line,
                    flat: 0,
                    cum: 0,
                },
            );
            let mut frames: &[Frame] = &inst.frames;
            if frames.first().is_some_and(|f| f.line != 0) {
                last = Some((addr, frames));
            } else if let Some((a, f)) = last {
                if addr.wrapping_sub(a) <= NEIGHBOURHOOD {
                    frames = f;
                }
            }
            place(&mut by_file, Key::Addr(addr), frames, &interest_of);
        }
    }
    for id in opaque {
        let loc = p.location(id);
        let frames: Vec<Frame> = loc
            .lines
            .iter()
            .map(|l| {
                let f = p.function(l.function);
                Frame {
                    function: p.str(f.name).to_string(),
                    file: p.str(f.filename).to_string(),
                    line: l.line,
                }
            })
            .collect();
        let (file, line) = frames
            .first()
            .map_or((String::new(), 0), |f| (f.file.clone(), f.line));
        insts.insert(
            Key::Loc(id),
            InstInfo {
                obj_addr: loc.address,
                length: 1,
                text: String::new(),
                file,
                line,
                flat: 0,
                cum: 0,
            },
        );
        place(&mut by_file, Key::Loc(id), &frames, &interest_of);
    }

    // The samples of each instruction: those at any of its bytes (a
    // return address points one past the call).
    let mut at_address: BTreeMap<u64, Sums> = BTreeMap::new();
    for (i, loc) in p.locations.iter().enumerate() {
        if seen[i] && loc.address != 0 {
            at_address.entry(loc.address).or_default().add(&sums[i]);
        }
    }
    for (key, x) in insts.iter_mut() {
        let mut s = Sums::default();
        match *key {
            Key::Addr(a) => {
                for (_, v) in at_address.range(a..a.saturating_add(x.length)) {
                    s.add(v);
                }
            }
            Key::Loc(id) => s = sums[id.index()],
        }
        (x.flat, x.cum) = (s.flat, s.cum);
    }

    // Files in order, then each one's pieces.
    let mut order: Vec<(String, i64)> = by_file
        .iter()
        .map(|(name, f)| {
            let mut done = HashSet::new();
            let flat = f
                .lines
                .values()
                .flatten()
                .filter(|x| done.insert(x.key))
                .filter_map(|x| insts.get(&x.key))
                .fold(0i64, |a, x| a.wrapping_add(x.flat));
            (name.clone(), flat)
        })
        .collect();
    if let Some(max) = max_files {
        order.sort_by_key(|f| std::cmp::Reverse(f.1));
        order.truncate(max);
    }
    let mut reader = SourceReader::new(search_path(&o.source_path)?, o.trim_path.clone());
    let mut functions = Vec::new();
    for (name, _) in order {
        let Some(file) = by_file.get(&name) else {
            continue;
        };
        for piece in pieces(file, &pretty) {
            if let Some(f) = list_piece(&name, file, &piece, &insts, &mut reader) {
                functions.push(f);
            }
        }
    }
    Ok(WebList {
        total: rpt.total(),
        functions,
        messages,
    })
}

/// Lists instruction `key` (at `frames`, innermost first) under the line
/// of each function of interest in `frames`.
fn place(
    by_file: &mut BTreeMap<String, FileLines>,
    key: Key,
    frames: &[Frame],
    interest: &dyn Fn(&str) -> bool,
) {
    for (i, f) in frames.iter().enumerate() {
        if !interest(&f.function) {
            continue;
        }
        let file = by_file.entry(canonical_file_name(&f.file)).or_default();
        let stack = frames[..i]
            .iter()
            .rev()
            .map(|c| (c.file.clone(), c.line))
            .collect();
        file.lines
            .entry(f.line)
            .or_default()
            .push(Placed { key, stack });
        file.function
            .entry(f.line)
            .or_insert_with(|| f.function.clone());
    }
}

/// A file name as it is listed: without `/proc/self/cwd/` or `./`, cleaned.
fn canonical_file_name(name: &str) -> String {
    let name = name.strip_prefix("/proc/self/cwd/").unwrap_or(name);
    let name = name.strip_prefix("./").unwrap_or(name);
    paths::clean(name).into_owned()
}

/// Splits the lines of a file into pieces, one function each: sampled
/// lines of one function close together make one piece, with some
/// lines of context around.
fn pieces(file: &FileLines, pretty: &HashMap<&str, &str>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::new();
    for &l in file.lines.keys() {
        let raw = file.function.get(&l).map_or("", String::as_str);
        let name = pretty.get(raw).copied().unwrap_or(raw);
        match out.last_mut() {
            Some(last) if l - last.end < MERGE_LINES && last.name == name => last.end = l + 1,
            _ => out.push(Piece {
                name: name.to_string(),
                begin: l,
                end: l + 1,
            }),
        }
    }
    for i in 0..out.len() {
        if i == 0 {
            // Line 0 (unknown) stays where it is.
            let b = out[0].begin;
            if b > CONTEXT_LINES {
                out[0].begin -= CONTEXT_LINES;
            } else if b > 1 {
                out[0].begin = 1;
            }
        } else {
            let half = ((out[i].begin - out[i - 1].end) / 2).min(CONTEXT_LINES);
            out[i - 1].end += half;
            out[i].begin -= half;
        }
    }
    if let Some(last) = out.last_mut() {
        last.end += CONTEXT_LINES;
    }
    out
}

/// The lines of one piece, or `None` when it has no samples.
fn list_piece(
    name: &str,
    file: &FileLines,
    piece: &Piece,
    insts: &BTreeMap<Key, InstInfo>,
    reader: &mut SourceReader,
) -> Option<WebListFunction> {
    let mut f = WebListFunction {
        name: piece.name.clone(),
        file: name.to_string(),
        ..WebListFunction::default()
    };
    for l in piece.begin..piece.end {
        let placed = file.lines.get(&l).map_or(&[][..], Vec::as_slice);
        for x in placed {
            if let Some(i) = insts.get(&x.key) {
                f.flat = f.flat.wrapping_add(i.flat);
                f.cum = f.cum.wrapping_add(i.cum);
            }
        }
    }
    if f.cum == 0 {
        return None;
    }
    for l in piece.begin..piece.end {
        let placed = file.lines.get(&l).map_or(&[][..], Vec::as_slice);
        let text = match reader.line(name, l) {
            Some(t) => t.to_string(),
            None if placed.is_empty() => continue,
            None if l == 0 => "<instructions with unknown line numbers>".to_string(),
            None => "???".to_string(),
        };
        f.lines.push(list_line(l, text, placed, insts, reader));
    }
    f.source_error = reader.error(name).map(str::to_string);
    Some(f)
}

/// One source line with its instructions (by address).
fn list_line(
    line: i64,
    text: String,
    placed: &[Placed],
    insts: &BTreeMap<Key, InstInfo>,
    reader: &mut SourceReader,
) -> WebListLine {
    let mut out = WebListLine {
        line,
        text,
        ..WebListLine::default()
    };
    if placed.is_empty() {
        return out;
    }
    let mut placed: Vec<&Placed> = placed.iter().collect();
    placed.sort_by_key(|x| x.key);
    let mut known = false;
    let mut next: Option<Key> = None;
    let mut calls_before: &[(String, i64)] = &[];
    for x in placed {
        let Some(i) = insts.get(&x.key) else { continue };
        out.flat = out.flat.wrapping_add(i.flat);
        out.cum = out.cum.wrapping_add(i.cum);
        known |= !i.text.is_empty() || !x.stack.is_empty();
        let mut calls = Vec::new();
        let same = x
            .stack
            .iter()
            .zip(calls_before)
            .take_while(|(a, b)| a == b)
            .count();
        for (depth, (file, l)) in x.stack.iter().enumerate().skip(same) {
            calls.push(InlinedCall {
                depth,
                file: file.clone(),
                line: *l,
                text: reader.line(file, *l).unwrap_or("").trim().to_string(),
            });
        }
        calls_before = &x.stack;
        out.instructions.push(WebListInst {
            address: i.obj_addr,
            text: i.text.clone(),
            flat: i.flat,
            cum: i.cum,
            file: i.file.clone(),
            line: i.line,
            starts_block: next.is_some_and(|n| n != x.key),
            depth: x.stack.len(),
            calls,
        });
        next = match x.key {
            Key::Addr(a) => Some(Key::Addr(a.wrapping_add(i.length))),
            Key::Loc(_) => None,
        };
    }
    if known {
        out.kind = LineKind::Code;
    } else {
        out.kind = LineKind::Opaque;
        out.instructions.clear();
    }
    out
}

/// The style sheet of the `-weblist` page: pprof's class names (`line`,
/// `nop`, `deadsrc`, `livesrc`, `asm`, `inlinesrc`, `unimportant`), with
/// the instructions hidden until their line is clicked.
pub const WEBLIST_CSS: &str = include_str!("weblist.css");

/// The script of the `-weblist` page: `pprof_toggle_asm(event)`, called
/// by each listing's `<pre>`, shows or hides the instructions of the
/// clicked source line.
pub const WEBLIST_SCRIPT: &str = include_str!("weblist.js");

/// Where the markup of [`weblist_html`] goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Markup {
    /// pprof's own page: each `<pre>` calls `pprof_toggle_asm(event)`
    /// ([`WEBLIST_SCRIPT`]) when clicked; only pprof's classes.
    Page,
    /// A page of its own script (whose Content-Security-Policy may forbid
    /// inline handlers): no handler in the markup (the page listens for
    /// clicks on `.livesrc`), and each sampled source line also has a heat
    /// class `h1`..`h9`, its cum value's share of the function's largest.
    Embedded,
}

/// `s` with its tabs turned into spaces up to the next multiple of 8
/// columns, padded with spaces to at least `width` columns.
fn expand(s: &str, width: usize) -> String {
    let mut out = String::with_capacity(s.len().max(width));
    let mut column = 0usize;
    for c in s.chars() {
        if c == '\t' {
            let n = 8 - column % 8;
            out.extend(std::iter::repeat_n(' ', n));
            column += n;
        } else {
            out.push(c);
            column += 1;
        }
    }
    while column < width {
        out.push(' ');
        column += 1;
    }
    out
}

/// Columns of leading white space (tabs to multiples of 8).
fn indentation(s: &str) -> usize {
    let mut column = 0;
    for c in s.chars() {
        match c {
            ' ' => column += 1,
            '\t' => column += 8 - column % 8,
            _ => break,
        }
    }
    column
}

/// pprof's class of a source line: `nop` (context), `deadsrc` (samples,
/// no instructions) or `livesrc` (a click shows its instructions).
fn line_class(kind: LineKind) -> &'static str {
    match kind {
        LineKind::Context => "nop",
        LineKind::Opaque => "deadsrc",
        LineKind::Code => "livesrc",
    }
}

/// The markup of a [`WebList`]'s functions, in pprof's layout: for each
/// one an `<h2>` with its name, a `<p class="filename">` and a `<pre>`
/// holding its `Total:` line and its source lines (`<span class=line>`
/// number, `<span class=nop|deadsrc|livesrc>` values and text), each
/// `livesrc` line followed by its hidden `<span class=asm>` instructions.
/// Every name and text from the profile, the binaries and the sources is
/// escaped.
pub fn weblist_html(list: &WebList, rpt: &Report<'_>, markup: Markup) -> String {
    let mut out = String::new();
    let esc = html_escape_into;
    for f in &list.functions {
        out.push_str("<h2>");
        esc(&mut out, &f.name);
        out.push_str("</h2><p class=\"filename\">");
        esc(&mut out, &f.file);
        out.push_str("</p>\n");
        out.push_str(match markup {
            Markup::Page => "<pre onClick=\"pprof_toggle_asm(event)\">\n",
            Markup::Embedded => "<pre>\n",
        });
        let max = f
            .lines
            .iter()
            .map(|l| l.cum.unsigned_abs())
            .max()
            .unwrap_or(0);
        let total = format!(
            "  Total:  {:>10} {:>10} (flat, cum) {}",
            rpt.format_value(f.flat),
            rpt.format_value(f.cum),
            measurement::percentage(f.cum, list.total)
        );
        esc(&mut out, &total);
        for l in &f.lines {
            let _ = write!(out, "\n<span class=line> {:>6}</span> ", l.line);
            let heat = match l.cum.unsigned_abs() {
                0 => 0,
                // The share in ninths, rounded up: 1 to 9.
                cum => (cum as f64 / max as f64 * 9.0).ceil().clamp(1.0, 9.0) as u8,
            };
            if markup == Markup::Embedded && heat > 0 {
                let _ = write!(out, "<span class=\"{} h{heat}\">", line_class(l.kind));
            } else {
                let _ = write!(out, "<span class={}>", line_class(l.kind));
            }
            let row = format!(
                "  {:>10} {:>10} {:8}  {} ",
                rpt.value_or_dot(l.flat),
                rpt.value_or_dot(l.cum),
                "",
                l.text
            );
            esc(&mut out, &row);
            out.push_str("</span>");
            if l.kind == LineKind::Code {
                out.push_str("<span class=asm>");
                instructions_html(&mut out, l, rpt);
                out.push_str("</span>");
            }
        }
        out.push_str("\n</pre>\n");
    }
    out
}

/// The instructions of a `livesrc` line, each after the inlined calls
/// that lead to it.
fn instructions_html(out: &mut String, l: &WebListLine, rpt: &Report<'_>) {
    let indent = indentation(&l.text);
    for (n, i) in l.instructions.iter().enumerate() {
        if i.starts_block && n != 0 {
            let _ = writeln!(out, " {:8} {:>28}", "", "⋮");
        }
        for c in &i.calls {
            let _ = write!(
                out,
                " {:8} {:10} {:10} {:8}  <span class=inlinesrc>",
                "", "", "", ""
            );
            let text = format!("{:w$}{}", "", c.text, w = indent + 4 + 4 * c.depth);
            html_escape_into(out, &expand(&text, ASM_WIDTH));
            out.push_str("</span> <span class=unimportant>");
            html_escape_into(out, paths::base(&c.file));
            let _ = writeln!(out, ":{}</span>", c.line);
        }
        if i.text.is_empty() {
            // No binary: only the inlined calls are known.
            continue;
        }
        let head = format!(
            " {:8} {:>10} {:>10} {:>8x}: ",
            "",
            rpt.value_or_dot(i.flat),
            rpt.value_or_dot(i.cum),
            i.address
        );
        html_escape_into(out, &head);
        let text = format!("{:w$}{}", "", i.text, w = indent + 4 + 4 * i.depth);
        html_escape_into(out, &expand(&text, ASM_WIDTH));
        out.push_str(" <span class=unimportant>");
        if !i.file.is_empty() {
            html_escape_into(out, paths::base(&i.file));
            let _ = write!(out, ":{}", i.line);
        }
        out.push_str("</span>\n");
    }
}

/// Columns of an instruction or inlined source line, before the
/// position at its end.
const ASM_WIDTH: usize = 80;

/// Writes the `-weblist` page (pprof's standalone listing): a complete
/// HTML document, style and script inline, nothing fetched, titled with
/// the profile's file and type, with the profile's labels and total, then
/// [`weblist_html`]'s listing. Build the report at address granularity
/// with inlined frames, as pprof's driver does. Binaries that cannot be
/// read are listed in the returned messages.
pub fn write_weblist(
    w: &mut dyn Write,
    rpt: &Report<'_>,
    tool: &dyn ObjTool,
) -> Result<Vec<String>> {
    let list = web_list(rpt, tool, None)?;
    let labels = crate::profile_labels(rpt);
    let from_labels = |prefix: &str| {
        labels
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or("unknown")
            .to_string()
    };
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html>\n<head>\n  <meta charset=\"utf-8\">\n  <title>");
    html_escape_into(
        &mut out,
        &format!("{} {}", from_labels("File: "), from_labels("Type: ")),
    );
    out.push_str("</title>\n  <style>\n");
    out.push_str(WEBLIST_CSS);
    out.push_str("</style>\n  <script>\n");
    out.push_str(WEBLIST_SCRIPT);
    out.push_str("</script>\n</head>\n<body>\n\n<div class=\"legend\">");
    for (i, l) in labels.iter().enumerate() {
        if i != 0 {
            out.push_str("<br>\n");
        }
        html_escape_into(&mut out, l);
    }
    out.push_str("<br>Total: ");
    html_escape_into(&mut out, &rpt.format_value(list.total));
    out.push_str("</div>");
    out.push_str(&weblist_html(&list, rpt, Markup::Page));
    out.push_str("\n</body>\n</html>\n");
    w.write_all(out.as_bytes())?;
    Ok(list.messages)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::asm::{Inst, ObjError, ObjSymbol};
    use crate::Options;
    use pprof_model::build::ProfileBuilder;
    use regex::Regex;

    #[test]
    fn tabs_and_padding() {
        assert_eq!(expand("\tx", 0), "        x");
        assert_eq!(expand("ab\tc", 10), "ab      c ");
        assert_eq!(indentation("\t  x"), 10);
        assert_eq!(indentation("    "), 4);
    }

    #[test]
    fn file_names() {
        assert_eq!(canonical_file_name("/proc/self/cwd/./a/b.c"), "a/b.c");
        assert_eq!(canonical_file_name("./x//y.go"), "x/y.go");
        assert_eq!(canonical_file_name("/usr/src/a.c"), "/usr/src/a.c");
    }

    /// A binary of three instructions at 0x1000, 0x1004, 0x1010 (a gap
    /// before the last): the first on line 3 of `work<1>.c`, the second
    /// inlined from `add&inc` line 2, the third on line 4.
    struct Tiny;

    impl ObjTool for Tiny {
        fn open(
            &self,
            file: &str,
            _: u64,
            _: u64,
            _: u64,
        ) -> std::result::Result<Box<dyn ObjFile + '_>, ObjError> {
            if file == "tiny" {
                Ok(Box::new(Tiny))
            } else {
                Err(ObjError::new(format!("cannot open {file}")))
            }
        }
    }

    impl ObjFile for Tiny {
        fn obj_addr(&self, addr: u64) -> std::result::Result<u64, ObjError> {
            Ok(addr - 0x40_0000)
        }
        fn symbols(
            &self,
            _: &Regex,
            _: Option<u64>,
        ) -> std::result::Result<Vec<ObjSymbol>, ObjError> {
            Ok(vec![])
        }
        fn symbol_at(&self, addr: u64) -> Option<ObjSymbol> {
            (0x1000..0x1014).contains(&addr).then(|| ObjSymbol {
                names: vec!["work".into()],
                start: 0x1000,
                end: 0x1013,
            })
        }
        fn disasm(
            &self,
            start: u64,
            end: u64,
            _: bool,
        ) -> std::result::Result<Vec<Inst>, ObjError> {
            assert_eq!((start, end), (0x1000, 0x1013));
            let frame = |function: &str, line| Frame {
                function: function.into(),
                file: "work<1>.c".into(),
                line,
            };
            Ok(vec![
                Inst {
                    addr: 0x1000,
                    text: "cmp $0x1,%eax".into(),
                    frames: vec![frame("work", 3)],
                },
                Inst {
                    addr: 0x1004,
                    text: "call 10a0 <memset@plt>".into(),
                    frames: vec![frame("add&inc", 2), frame("work", 3)],
                },
                Inst {
                    addr: 0x1010,
                    text: "ret".into(),
                    frames: vec![frame("work", 4)],
                },
            ])
        }
    }

    fn page(b: ProfileBuilder, re: &str) -> (String, Vec<String>) {
        let p = b.build();
        let mut o = Options::for_sample(&p, 0, false);
        o.symbol = Some(Regex::new(re).unwrap());
        o.source_path = "/nonexistent-weblist-sources".into();
        let rpt = Report::new(&p, o);
        let mut out = Vec::new();
        let messages = write_weblist(&mut out, &rpt, &Tiny).unwrap();
        (String::from_utf8(out).unwrap(), messages)
    }

    /// Instructions go under their lines, in pprof's markup: an inlined
    /// call before the instruction it leads to, a `⋮` where the addresses
    /// jump, values on the sampled instructions, everything escaped.
    #[test]
    fn lines_with_instructions() {
        let mut b = ProfileBuilder::new(&[("samples", "count")]);
        let m = b.mapping("tiny", 0x40_0000, 0x50_0000);
        let work = b.function("work", "work<1>.c", 1);
        let inc = b.function("add&inc", "work<1>.c", 1);
        let a = b.location(Some(m), 0x40_1004, &[(inc, 2), (work, 3)]);
        let c = b.location(Some(m), 0x40_1010, &[(work, 4)]);
        b.sample(&[a], &[7]).sample(&[c], &[3]);
        let (html, messages) = page(b, "^work$");
        assert!(messages.is_empty(), "{messages:?}");
        assert!(html.starts_with("<!DOCTYPE html>\n<html>\n<head>\n  <meta charset=\"utf-8\">\n  <title>tiny samples</title>\n"), "{html}");
        assert!(html.contains("<div class=\"legend\">File: tiny<br>\nType: samples<br>Total: 10</div><h2>work</h2><p class=\"filename\">work&lt;1&gt;.c</p>\n<pre onClick=\"pprof_toggle_asm(event)\">\n  Total:          10         10 (flat, cum)   100%\n"), "{html}");
        // The source is not found: sampled lines are `???`, lines 1..=9.
        let line3 = concat!(
            "<span class=line>      3</span> <span class=livesrc>           7          7           ??? </span>",
            "<span class=asm>                   .          .     1000:     cmp $0x1,%eax",
        );
        assert!(html.contains(line3), "{html}");
        let inlined = format!(
            "\n          {:10} {:10} {:8}  <span class=inlinesrc>{:80}</span> <span class=unimportant>work&lt;1&gt;.c:2</span>\n                   7          7     1004:         call 10a0 &lt;memset@plt&gt;",
            "", "", "", ""
        );
        assert!(html.contains(&inlined), "{html}");
        assert!(html.contains("<span class=line>      4</span> <span class=livesrc>           3          3           ??? </span><span class=asm>                   3          3     1010:     ret "), "{html}");
        // Lines without code or source are left out.
        assert!(!html.contains("<span class=line>      2</span>"), "{html}");
        assert!(
            html.ends_with("</span>\n</pre>\n\n</body>\n</html>\n"),
            "{html}"
        );
        assert!(
            !html.contains("add&inc") && !html.contains("<memset"),
            "{html}"
        );
    }

    /// Under `-mean` each sample's value is divided by its own count
    /// before the sums, and a recursive stack adds to cum once per frame
    /// (pprof's weblist).
    #[test]
    fn mean_per_sample_and_recursion() {
        let mut b = ProfileBuilder::new(&[("count", "count"), ("delay", "count")]);
        let m = b.mapping("nobin", 0x1000, 0x2000);
        let f = b.function("work", "w.c", 1);
        let l = b.location(Some(m), 0x1100, &[(f, 7)]);
        b.sample(&[l], &[2, 10]).sample(&[l, l], &[1, 6]);
        let p = b.build();
        let mut o = Options::for_sample(&p, 1, true);
        o.symbol = Some(Regex::new("work").unwrap());
        o.source_path = "/nonexistent-weblist-sources".into();
        let rpt = Report::new(&p, o);
        let list = web_list(&rpt, &Tiny, None).unwrap();
        let line = &list.functions[0].lines[0];
        assert_eq!((line.line, line.kind), (7, LineKind::Opaque));
        // flat: 10/2 + 6/1; cum: 10/2 + 2 * 6/1.
        assert_eq!((line.flat, line.cum), (11, 17));
    }

    /// Without a binary the sampled lines still get their values
    /// (`deadsrc`, no instructions), and names from the profile are
    /// escaped as Go's html/template escapes them.
    #[test]
    fn no_binary_and_escaping() {
        let mut b = ProfileBuilder::new(&[("alloc_space", "bytes")]);
        let m = b.mapping("lib\"<x>.so", 0x1000, 0x2000);
        let f = b.function("<script>alert('x')</script>+", "a&b.c", 1);
        let l = b.location(Some(m), 0x1100, &[(f, 12)]);
        b.sample(&[l], &[2048]);
        let (html, messages) = page(b, "script");
        assert_eq!(messages, ["cannot open lib\"<x>.so"]);
        assert!(
            html.contains("<title>lib&#34;&lt;x&gt;.so alloc_space</title>"),
            "{html}"
        );
        assert!(html.contains("<h2>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&#43;</h2><p class=\"filename\">a&amp;b.c</p>"), "{html}");
        assert!(html.contains("\n<span class=line>     12</span> <span class=deadsrc>         2kB        2kB           ??? </span>\n</pre>\n"), "{html}");
        assert!(!html.contains("<span class=asm>"), "{html}");
        assert!(!html.contains("<script>alert"), "{html}");
    }
}
