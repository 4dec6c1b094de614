//! The text reports: top, tree/peek, traces, tags, comments, topproto.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use pprof_graph::{LocationNodes, NodeId, Options as GraphOptions, Tag};
use pprof_model::chunks::Pieces;
use pprof_model::measurement;
use pprof_model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};

use crate::error::{Error, Result};
use crate::report::{profile_labels, report_labels, Report};

/// One row of the text (top) report (pprof's `TextItem`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextItem {
    /// Printable node name.
    pub name: String,
    /// `(inline)`, `(partial-inline)` or empty, from the node's incoming
    /// edges.
    pub inline_label: String,
    /// Flat value (mean applied).
    pub flat: i64,
    /// Cum value (mean applied).
    pub cum: i64,
    /// Flat value formatted in the output unit.
    pub flat_format: String,
    /// Cum value formatted in the output unit.
    pub cum_format: String,
}

/// The rows and header lines of a text report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextReport {
    /// Header lines.
    pub labels: Vec<String>,
    /// Rows in order.
    pub items: Vec<TextItem>,
    /// Total used for percentages.
    pub total: i64,
    /// Output unit selected for the values.
    pub output_unit: String,
}

/// Computes the rows of the text report and its header lines (pprof's
/// `TextItems`).
pub fn text_items(rpt: &Report<'_>) -> TextReport {
    // Of the edges, only the inline labels of the nodes are printed.
    let mut rpt = rpt.clone().inline_edges_only();
    let tg = rpt.trimmed_graph();
    rpt.select_output_unit(&tg.graph);
    let labels = report_labels(&rpt, &tg.graph, tg.orig_count, tg.dropped_nodes, 0, false);
    let g = &tg.graph;
    let mut items = Vec::with_capacity(g.nodes.len());
    for (_, n) in g.iter() {
        let (mut inline, mut noinline) = (false, false);
        for e in n.in_edges.iter().filter_map(|&e| g.edge(e)) {
            if e.inline {
                inline = true;
            } else {
                noinline = true;
            }
        }
        let inline_label = match (inline, noinline) {
            (true, true) => "(partial-inline)",
            (true, false) => "(inline)",
            _ => "",
        };
        let (flat, cum) = (n.flat_value(), n.cum_value());
        items.push(TextItem {
            name: n.info.printable_name(),
            inline_label: inline_label.to_string(),
            flat,
            cum,
            flat_format: rpt.format_value(flat),
            cum_format: rpt.format_value(cum),
        });
    }
    TextReport {
        labels,
        items,
        total: rpt.total(),
        output_unit: rpt.options().output_unit.clone(),
    }
}

/// Writes the text (`-top`, `-text`) report.
pub fn write_text(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let tr = text_items(rpt);
    let mut out = String::new();
    out.push_str(&tr.labels.join("\n"));
    out.push('\n');
    out.push_str(&format!(
        "{:>10} {:>5}% {:>5}% {:>10} {:>5}%\n",
        "flat", "flat", "sum", "cum", "cum"
    ));
    let mut flat_sum: i64 = 0;
    for item in &tr.items {
        flat_sum = flat_sum.wrapping_add(item.flat);
        let sep = if item.inline_label.is_empty() {
            ""
        } else {
            " "
        };
        out.push_str(&format!(
            "{:>10} {} {} {:>10} {}  {}{}{}\n",
            item.flat_format,
            measurement::percentage(item.flat, tr.total),
            measurement::percentage(flat_sum, tr.total),
            item.cum_format,
            measurement::percentage(item.cum, tr.total),
            item.name,
            sep,
            item.inline_label
        ));
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// One edge of a tree (peek) entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEdge {
    /// Printable name of the caller (incoming) or callee (outgoing).
    pub name: String,
    /// Edge weight.
    pub weight: i64,
    /// Edge weight formatted in the output unit.
    pub weight_format: String,
    /// The call was inlined.
    pub inline: bool,
}

/// One node of the tree (peek) report with its callers and callees.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry {
    /// Printable node name.
    pub name: String,
    /// Flat value (mean applied).
    pub flat: i64,
    /// Cum value (mean applied).
    pub cum: i64,
    /// Flat value formatted.
    pub flat_format: String,
    /// Cum value formatted.
    pub cum_format: String,
    /// Callers, heaviest first.
    pub callers: Vec<TreeEdge>,
    /// Callees, heaviest first.
    pub callees: Vec<TreeEdge>,
}

/// The header lines and entries of the tree (peek) report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeReport {
    /// Header lines.
    pub labels: Vec<String>,
    /// Entries (only the nodes matching the symbol, for peek).
    pub entries: Vec<TreeEntry>,
    /// Whether the graph has any node (pprof then closes with a separator).
    pub has_nodes: bool,
    /// Total used for percentages.
    pub total: i64,
    /// Output unit selected for the values.
    pub output_unit: String,
}

/// Computes the tree report, or with [`crate::Options::symbol`] the peek
/// report (pprof's `printTree`). Fails with [`Error::NoMatches`] when the
/// symbol matches no node.
pub fn tree(rpt: &Report<'_>) -> Result<TreeReport> {
    let mut rpt = rpt.clone();
    if let Some(rx) = rpt.options().symbol.clone() {
        // Only the matching nodes' edges are printed: collect no others.
        rpt = rpt.edges_of(pprof_graph::NodeFilter::new(move |n| {
            rx.is_match(&n.printable_name())
        }));
    }
    let tg = rpt.trimmed_graph();
    rpt.select_output_unit(&tg.graph);
    let g = &tg.graph;
    let rx = rpt.options().symbol.clone();
    let mut entries = Vec::new();
    for (id, n) in g.iter() {
        let name = n.info.printable_name();
        if let Some(rx) = &rx {
            if !rx.is_match(&name) {
                continue;
            }
        }
        let edge = |e: &pprof_graph::Edge, other: NodeId| TreeEdge {
            name: g
                .node(other)
                .map(|o| o.info.printable_name())
                .unwrap_or_default(),
            weight: e.weight,
            weight_format: rpt.format_value(e.weight),
            inline: e.inline,
        };
        let callers = g
            .sorted_in_edges(id)
            .into_iter()
            .filter_map(|e| g.edge(e))
            .map(|e| edge(e, e.src))
            .collect();
        let callees = g
            .sorted_out_edges(id)
            .into_iter()
            .filter_map(|e| g.edge(e))
            .map(|e| edge(e, e.dest))
            .collect();
        let (flat, cum) = (n.flat_value(), n.cum_value());
        entries.push(TreeEntry {
            name,
            flat,
            cum,
            flat_format: rpt.format_value(flat),
            cum_format: rpt.format_value(cum),
            callers,
            callees,
        });
    }
    if let Some(rx) = &rx {
        if entries.is_empty() {
            return Err(Error::NoMatches(rx.as_str().to_string()));
        }
    }
    Ok(TreeReport {
        labels: report_labels(&rpt, g, tg.orig_count, tg.dropped_nodes, 0, false),
        entries,
        has_nodes: !g.nodes.is_empty(),
        total: rpt.total(),
        output_unit: rpt.options().output_unit.clone(),
    })
}

/// Writes the tree report, or with [`crate::Options::symbol`] the peek
/// report of the matching nodes. Fails with [`Error::NoMatches`] (writing
/// nothing) when the symbol matches no node.
pub fn write_tree(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    const SEPARATOR: &str =
        "----------------------------------------------------------+-------------";
    const LEGEND: &str =
        "      flat  flat%   sum%        cum   cum%   calls calls% + context \t \t ";
    let tr = tree(rpt)?;
    let total = tr.total;
    let mut out = String::new();
    out.push_str(&tr.labels.join("\n"));
    out.push('\n');
    out.push_str(SEPARATOR);
    out.push('\n');
    out.push_str(LEGEND);
    out.push('\n');
    let mut flat_sum: i64 = 0;
    for n in &tr.entries {
        out.push_str(SEPARATOR);
        out.push('\n');
        let edge_line = |out: &mut String, e: &TreeEdge| {
            out.push_str(&format!(
                "{:>50} {} |   {}{}\n",
                e.weight_format,
                measurement::percentage(e.weight, n.cum),
                e.name,
                if e.inline { INLINE_MARK } else { "" }
            ));
        };
        for e in &n.callers {
            edge_line(&mut out, e);
        }
        flat_sum = flat_sum.wrapping_add(n.flat);
        out.push_str(&format!(
            "{:>10} {} {} {:>10} {}                | {}\n",
            n.flat_format,
            measurement::percentage(n.flat, total),
            measurement::percentage(flat_sum, total),
            n.cum_format,
            measurement::percentage(n.cum, total),
            n.name
        ));
        for e in &n.callees {
            edge_line(&mut out, e);
        }
    }
    if tr.has_nodes {
        out.push_str(SEPARATOR);
        out.push('\n');
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// One frame of a trace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceFrame {
    /// Printable name of the frame's node.
    pub name: String,
    /// The frame was inlined into the next one.
    pub inline: bool,
}

/// One sample of the traces report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    /// String labels: key and values, sorted by key.
    pub labels: Vec<(String, Vec<String>)>,
    /// Numeric labels: key and formatted values, sorted by key.
    pub num_labels: Vec<(String, Vec<String>)>,
    /// Sample value (mean applied).
    pub value: i64,
    /// Value formatted in the output unit.
    pub value_format: String,
    /// Frames, leaf first.
    pub frames: Vec<TraceFrame>,
}

/// The header lines and samples of the traces report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TracesReport {
    /// Header lines ([`profile_labels`]).
    pub labels: Vec<String>,
    /// Samples with at least one frame, in profile order.
    pub traces: Vec<Trace>,
}

/// A borrowed view of one sample of the traces report.
pub(crate) struct TraceView<'a, 'w> {
    /// Label lines in the order pprof prints them: the string labels'
    /// keys, then the numeric labels' keys, each with the range of its
    /// values in `values`.
    pub lines: &'a [(&'a str, usize, usize)],
    /// How many of `lines` are string labels.
    pub str_lines: usize,
    /// Label values (numeric ones formatted).
    pub values: &'a [&'a str],
    /// Sample value (mean applied).
    pub value: i64,
    /// The value formatted in the output unit.
    pub value_text: &'a str,
    /// Frames, leaf first: printable name and inline flag (only the first
    /// when the walker keeps frame text, [`TraceWalker::with_frame_lines`]).
    pub frames: &'a [(&'a str, bool)],
    /// When the walker keeps frame text, the lines the traces report
    /// prints below the first frame's, in pieces (one per location) of
    /// [`push_frame_line`]'s lines. Empty otherwise.
    pub frame_lines: &'a [&'w [u8]],
}

/// The indentation of the traces report's frame lines below the first.
const FRAME_INDENT: &str = "             ";

/// What follows an inlined frame's name in the traces report.
const INLINE_MARK: &str = " (inline)";

/// Appends how the traces report ends a frame's line: the name,
/// [`INLINE_MARK`] if inlined, a newline.
fn push_frame(out: &mut String, name: &str, inline: bool) {
    out.push_str(name);
    if inline {
        out.push_str(INLINE_MARK);
    }
    out.push('\n');
}

/// Appends a frame line of the traces report below the first: the
/// indentation, then [`push_frame`].
fn push_frame_line(out: &mut String, name: &str, inline: bool) {
    out.push_str(FRAME_INDENT);
    push_frame(out, name, inline);
}

impl<'a> TraceView<'a, '_> {
    /// The values of one label line.
    fn line_values(&self, line: &(&'a str, usize, usize)) -> &'a [&'a str] {
        self.values.get(line.1..line.2).unwrap_or(&[])
    }

    /// The string label lines (`strings`) or the numeric ones: key and
    /// values.
    pub(crate) fn label_lines(
        &self,
        strings: bool,
    ) -> impl Iterator<Item = (&'a str, &'a [&'a str])> + '_ {
        let (strs, nums) = self.lines.split_at(self.str_lines.min(self.lines.len()));
        let lines = if strings { strs } else { nums };
        lines.iter().map(|l| (l.0, self.line_values(l)))
    }
}

/// An empty vector reusing the allocation of `v` (whose items borrow
/// what the next sample's may not).
fn recycle<T, U>(mut v: Vec<T>) -> Vec<U> {
    v.clear();
    v.into_iter().filter_map(|_| None).collect()
}

/// Calls `f` for every sample with at least one frame, in profile order
/// (pprof's `printTraces` loop).
pub(crate) fn walk_traces<E>(
    rpt: &Report<'_>,
    f: impl FnMut(&TraceView<'_, '_>) -> Result<(), E>,
) -> Result<(), E> {
    let walker = TraceWalker::new(rpt);
    let n = rpt.profile().samples.len();
    walker.walk(0..n, &mut TraceTexts::default(), f)
}

/// What every sample of the traces report needs: the report, and the
/// printable names of the location nodes.
pub(crate) struct TraceWalker<'r, 'p> {
    rpt: &'r Report<'p>,
    locs: LocationNodes,
    names: Vec<String>,
    /// The frame lines of every location, when asked for.
    frame_text: Option<FrameText>,
}

/// The frame lines (see [`TraceView::frame_lines`]) of every location end
/// to end, made once, so that a sample's frames are copied a location at
/// a time.
struct FrameText {
    text: String,
    locations: Vec<LocationText>,
}

/// Where a location's frame lines are in [`FrameText::text`]: from
/// `start` to `end`, the first line ending where `first` says (at `start`
/// when no frame of the location is kept). Twelve bytes, so that a large
/// profile's locations take little cache.
#[derive(Clone, Copy)]
struct LocationText {
    start: u32,
    /// The end of the first line, and in the top bit whether its frame is
    /// inlined.
    first: u32,
    end: u32,
}

impl LocationText {
    const INLINE: u32 = 1 << 31;

    /// The end of the first frame line and whether its frame is inlined;
    /// none when no frame of the location is kept.
    fn first(self) -> Option<(usize, bool)> {
        let end = self.first & !Self::INLINE;
        (end != self.start).then_some((end as usize, self.first & Self::INLINE != 0))
    }
}

impl FrameText {
    /// The most text held: offsets and the inline bit share 32 bits.
    const MAX: usize = (LocationText::INLINE - 1) as usize;

    /// The name of the frame on the first line of `lt`, which ends at
    /// `first_end` (see [`push_frame_line`]).
    fn first_name(&self, lt: LocationText, first_end: usize, inline: bool) -> &str {
        let from = lt.start as usize + FRAME_INDENT.len();
        let mark = if inline { INLINE_MARK.len() } else { 0 };
        let to = first_end.saturating_sub(1 + mark);
        self.text.get(from..to).unwrap_or("")
    }
}

/// Texts made once per distinct value while walking traces: sample values
/// and numeric label values.
#[derive(Default)]
pub(crate) struct TraceTexts {
    texts: Vec<String>,
    value_texts: HashMap<i64, usize, foldhash::fast::RandomState>,
    num_texts: HashMap<(pprof_model::StrId, i64), usize, foldhash::fast::RandomState>,
}

impl TraceTexts {
    /// Texts kept at most (then the cache starts over).
    const MAX: usize = 1 << 16;
}

impl<'r, 'p> TraceWalker<'r, 'p> {
    pub(crate) fn new(rpt: &'r Report<'p>) -> Self {
        let p = rpt.profile();
        let o = rpt.options();
        let mut go = GraphOptions::default();
        go.granularity = o.granularity;
        go.no_inlines = o.no_inlines;
        go.raw_file_names = true;
        let locs = LocationNodes::new(p, &go);
        let names: Vec<String> = locs
            .graph
            .arena
            .iter()
            .map(|n| n.info.printable_name())
            .collect();
        TraceWalker {
            rpt,
            locs,
            names,
            frame_text: None,
        }
    }

    /// The walker of the text report, which prints each frame's line
    /// ([`TraceView::frame_lines`]): made once per location here.
    /// Locations with the same frames (several call sites of a function)
    /// share their text, which keeps it small enough to stay in cache.
    /// Text beyond `max` bytes (at most [`FrameText::MAX`]) is not kept:
    /// the walk then gives every frame in [`TraceView::frames`] instead.
    fn with_frame_lines(mut self, max: usize) -> Self {
        let max = max.min(FrameText::MAX);
        let p = self.rpt.profile();
        let mut text = String::new();
        let mut locations = Vec::with_capacity(p.locations.len());
        let mut made: HashMap<&[Option<NodeId>], LocationText, foldhash::fast::RandomState> =
            HashMap::default();
        for i in 0..p.locations.len() {
            let nodes = self.locs.get(pprof_model::LocationId(i as u32));
            if let Some(&lt) = made.get(nodes) {
                locations.push(lt);
                continue;
            }
            let start = text.len();
            let mut first = None;
            for (k, n) in nodes.iter().enumerate() {
                let Some(n) = *n else { continue };
                let inline = k + 1 != nodes.len();
                let name = self.names.get(n.index()).map_or("", String::as_str);
                push_frame_line(&mut text, name, inline);
                if first.is_none() {
                    first = Some((text.len(), inline));
                }
            }
            if text.len() > max {
                return self;
            }
            // Below `max`: the offsets fit in 31 bits.
            let at = |n: usize| n as u32;
            let lt = LocationText {
                start: at(start),
                first: first.map_or(at(start), |(end, inline)| {
                    at(end) | if inline { LocationText::INLINE } else { 0 }
                }),
                end: at(text.len()),
            };
            made.insert(nodes, lt);
            locations.push(lt);
        }
        drop(made);
        self.frame_text = Some(FrameText { text, locations });
        self
    }

    /// Calls `f` for every sample of `range` with at least one frame, in
    /// profile order. Values and numeric labels are formatted once each
    /// (in `cache`), and nothing is allocated per sample.
    pub(crate) fn walk<'w, E>(
        &'w self,
        range: std::ops::Range<usize>,
        cache: &mut TraceTexts,
        mut f: impl FnMut(&TraceView<'_, 'w>) -> Result<(), E>,
    ) -> Result<(), E> {
        let rpt = self.rpt;
        let p = rpt.profile();
        let o = rpt.options();
        let (locs, names) = (&self.locs, &self.names);
        let TraceTexts {
            texts,
            value_texts,
            num_texts,
        } = cache;
        let mut frames: Vec<(&str, bool)> = Vec::new();
        let mut frame_lines: Vec<&'w [u8]> = Vec::new();
        // Per sample: label keys (id, kind), then the numeric labels' text
        // indexes; reused.
        let mut keys: Vec<(pprof_model::StrId, bool)> = Vec::new();
        let mut num_text_of: Vec<usize> = Vec::new();
        let mut spare_values: Vec<&str> = Vec::new();
        let mut spare_lines: Vec<(&str, usize, usize)> = Vec::new();
        for s in p.samples.iter_range(range) {
            // Texts of distinct values are kept for the samples that repeat
            // them, up to a bound: numeric labels can be unique to every
            // sample.
            if texts.len() >= TraceTexts::MAX {
                texts.clear();
                value_texts.clear();
                num_texts.clear();
            }
            frames.clear();
            frame_lines.clear();
            if let Some(ft) = &self.frame_text {
                for &loc in s.locations {
                    let Some(&lt) = ft.locations.get(loc.index()) else {
                        continue;
                    };
                    let Some((first_end, inline)) = lt.first() else {
                        continue;
                    };
                    let from = if frames.is_empty() {
                        frames.push((ft.first_name(lt, first_end, inline), inline));
                        first_end
                    } else {
                        lt.start as usize
                    };
                    // (As bytes: a piece is cut where its location's
                    // text was, and is not read here.)
                    let to = lt.end as usize;
                    frame_lines.push(ft.text.as_bytes().get(from..to).unwrap_or(b""));
                }
            } else {
                for &loc in s.locations {
                    let nodes = locs.get(loc);
                    for (i, n) in nodes.iter().enumerate() {
                        let Some(n) = n else { continue };
                        let name = names.get(n.index()).map_or("", String::as_str);
                        frames.push((name, i + 1 != nodes.len()));
                    }
                }
            }
            if frames.is_empty() {
                continue;
            }
            // Keys in order of first appearance, string labels apart from
            // numeric ones; numeric values formatted once each.
            keys.clear();
            num_text_of.clear();
            for l in s.labels {
                let k = (l.key, l.is_str());
                if !keys.contains(&k) {
                    keys.push(k);
                }
                if !l.is_str() {
                    let at = *num_texts.entry((l.key, l.num)).or_insert_with(|| {
                        let unit = o
                            .num_label_units
                            .get(p.str(l.key))
                            .map_or("", String::as_str);
                        texts.push(measurement::label(l.num, unit));
                        texts.len() - 1
                    });
                    num_text_of.push(at);
                }
            }
            let mut v = s.values.get(o.sample_index).copied().unwrap_or(0);
            let d = if o.mean {
                s.values.first().copied().unwrap_or(0)
            } else {
                0
            };
            if d != 0 {
                v = v.checked_div(d).unwrap_or(v);
            }
            let value_at = *value_texts.entry(v).or_insert_with(|| {
                texts.push(rpt.format_value(v));
                texts.len() - 1
            });
            // The values of each key, in label order.
            let mut values: Vec<&str> = recycle(std::mem::take(&mut spare_values));
            let mut lines: Vec<(&str, usize, usize)> = recycle(std::mem::take(&mut spare_lines));
            for kind in [true, false] {
                for &(key, is_str) in keys.iter().filter(|k| k.1 == kind) {
                    let from = values.len();
                    let mut nums = num_text_of.iter();
                    for l in s.labels {
                        let num_at = if l.is_str() { None } else { nums.next() };
                        if l.key != key || l.is_str() != is_str {
                            continue;
                        }
                        match num_at {
                            Some(&at) => values.push(texts.get(at).map_or("", String::as_str)),
                            None => values.push(p.str(l.str)),
                        }
                    }
                    lines.push((p.str(key), from, values.len()));
                }
            }
            let str_lines = keys.iter().filter(|k| k.1).count();
            // pprof sorts each kind's lines as printed text.
            let by_text = |a: &(&str, usize, usize), b: &(&str, usize, usize)| {
                let va = values.get(a.1..a.2).unwrap_or(&[]);
                let vb = values.get(b.1..b.2).unwrap_or(&[]);
                label_line_bytes(a.0, va).cmp(label_line_bytes(b.0, vb))
            };
            let (strs, nums) = lines.split_at_mut(str_lines);
            if strs.len() > 1 {
                strs.sort_by(by_text);
            }
            if nums.len() > 1 {
                nums.sort_by(by_text);
            }
            let made = f(&TraceView {
                lines: &lines,
                str_lines,
                values: &values,
                value: v,
                value_text: texts.get(value_at).map_or("", String::as_str),
                frames: &frames,
                frame_lines: &frame_lines,
            });
            spare_lines = recycle(lines);
            spare_values = recycle(values);
            made?;
        }
        Ok(())
    }
}

/// The bytes of the line pprof prints for a label key and its values:
/// the key right-aligned in 10 characters, `:  `, the values separated by
/// spaces, a newline.
fn label_line_bytes<'x>(key: &'x str, values: &'x [&'x str]) -> impl Iterator<Item = u8> + 'x {
    let pad = 10usize.saturating_sub(key.chars().count());
    std::iter::repeat_n(b' ', pad)
        .chain(key.bytes())
        .chain(*b":  ")
        .chain(values.iter().enumerate().flat_map(|(i, v)| {
            let sep: &[u8] = if i > 0 { b" " } else { b"" };
            sep.iter().copied().chain(v.bytes())
        }))
        .chain(std::iter::once(b'\n'))
}

/// Appends the line pprof prints for a label key and its values (see
/// [`label_line_bytes`]).
fn push_label_line(out: &mut String, key: &str, values: &[&str]) {
    for _ in key.chars().count()..10 {
        out.push(' ');
    }
    out.push_str(key);
    out.push_str(":  ");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(v);
    }
    out.push('\n');
}

/// Computes the traces report (pprof's `printTraces`).
pub fn traces(rpt: &Report<'_>) -> TracesReport {
    let mut traces = Vec::new();
    let _ = walk_traces::<std::convert::Infallible>(rpt, |t| {
        let owned = |strings: bool| -> Vec<(String, Vec<String>)> {
            t.label_lines(strings)
                .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
                .collect()
        };
        traces.push(Trace {
            labels: owned(true),
            num_labels: owned(false),
            value: t.value,
            value_format: t.value_text.to_string(),
            frames: t
                .frames
                .iter()
                .map(|&(name, inline)| TraceFrame {
                    name: name.to_string(),
                    inline,
                })
                .collect(),
        });
        Ok(())
    });
    TracesReport {
        labels: profile_labels(rpt),
        traces,
    }
}

/// Writes the traces report. Samples are formatted in chunks on two
/// threads ([`pprof_model::chunks::write_in_order`]); their frame lines
/// below the first are borrowed from the walker's text, not copied
/// ([`Pieces`]).
pub fn write_traces(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    write_traces_with(w, rpt, FrameText::MAX)
}

/// [`write_traces`], with the frame lines made once if they take at most
/// `max_text` bytes.
fn write_traces_with(w: &mut dyn Write, rpt: &Report<'_>, max_text: usize) -> Result<()> {
    const SEPARATOR: &str = "-----------+-------------------------------------------------------";
    /// Samples per chunk.
    const CHUNK: usize = 128;
    let mut head = profile_labels(rpt).join("\n");
    head.push('\n');
    w.write_all(head.as_bytes())?;
    let walker = TraceWalker::new(rpt).with_frame_lines(max_text);
    let n = rpt.profile().samples.len();
    let chunks = n.div_ceil(CHUNK);
    pprof_model::chunks::write_in_order(
        w,
        chunks,
        TraceTexts::default,
        |texts, i, out: &mut Pieces<'_>| {
            let range = i * CHUNK..((i + 1) * CHUNK).min(n);
            let _ = walker.walk::<std::convert::Infallible>(range, texts, |t| {
                let text = out.text();
                text.push_str(SEPARATOR);
                text.push('\n');
                for line in t.lines {
                    push_label_line(text, line.0, t.line_values(line));
                }
                if let Some(&(name, inline)) = t.frames.first() {
                    let pad = 10usize.saturating_sub(t.value_text.chars().count());
                    for _ in 0..pad {
                        text.push(' ');
                    }
                    text.push_str(t.value_text);
                    text.push_str("   ");
                    push_frame(text, name, inline);
                }
                // Every frame is in `frames` when the frame text was too
                // large to keep.
                for &(name, inline) in t.frames.iter().skip(1) {
                    push_frame_line(text, name, inline);
                }
                for piece in t.frame_lines {
                    out.borrow(piece);
                }
                Ok(())
            });
        },
    )?;
    w.write_all(SEPARATOR.as_bytes())?;
    w.write_all(b"\n")?;
    Ok(())
}

/// One tag key of the tags report with its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TagGroup {
    /// Label key.
    pub key: String,
    /// Sum of the values of the key.
    pub total: i64,
    /// Values (label text or formatted number) and their weights, heaviest
    /// first.
    pub values: Vec<(String, i64)>,
}

/// Computes the tags report: for each label key, the weight of each value
/// (pprof's `printTags`). Keys are sorted by name.
pub fn tags(rpt: &Report<'_>) -> Vec<TagGroup> {
    let p = rpt.profile();
    let o = rpt.options();
    // Sum by ids first, format once at the end.
    let mut str_sums: HashMap<(u32, u32), i64> = HashMap::new();
    let mut num_sums: HashMap<(u32, i64), i64> = HashMap::new();
    for s in &p.samples {
        let v = s.values.get(o.sample_index).copied().unwrap_or(0);
        for l in s.labels {
            if l.is_str() {
                let e = str_sums.entry((l.key.0, l.str.0)).or_insert(0);
                *e = e.wrapping_add(v);
            } else {
                let e = num_sums.entry((l.key.0, l.num)).or_insert(0);
                *e = e.wrapping_add(v);
            }
        }
    }
    let mut groups: BTreeMap<String, HashMap<String, i64>> = BTreeMap::new();
    for ((k, s), v) in str_sums {
        let key = p.str(pprof_model::StrId(k)).to_string();
        let e = groups
            .entry(key)
            .or_default()
            .entry(p.str(pprof_model::StrId(s)).to_string())
            .or_insert(0);
        *e = e.wrapping_add(v);
    }
    for ((k, num), v) in num_sums {
        let key = p.str(pprof_model::StrId(k));
        let unit = o.num_label_units.get(key).map_or("", String::as_str);
        let name = measurement::scaled_label(num, unit, &o.output_unit);
        let e = groups
            .entry(key.to_string())
            .or_default()
            .entry(name)
            .or_insert(0);
        *e = e.wrapping_add(v);
    }
    groups
        .into_iter()
        .map(|(key, vals)| {
            let total = vals.values().fold(0i64, |a, &b| a.wrapping_add(b));
            let mut tags: Vec<Tag> = vals
                .into_iter()
                .map(|(name, flat)| Tag {
                    name,
                    flat,
                    ..Tag::default()
                })
                .collect();
            pprof_graph::sort_tags(&mut tags, true);
            TagGroup {
                key,
                total,
                values: tags.into_iter().map(|t| (t.name, t.flat)).collect(),
            }
        })
        .collect()
}

/// Writes the tags report. Today's pprof gives each key's total and each
/// value's weight in the report's units, with percentages of the report
/// total; go1.19's ([`pprof_model::Dialect::Go119`]) printed them with one
/// decimal, as percentages of the key's total.
pub fn write_tags(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let o = rpt.options();
    let mut text = String::new();
    if o.dialect == pprof_model::Dialect::Go119 {
        write_tags_go119(&mut text, rpt);
    } else {
        let total = rpt.total();
        for g in tags(rpt) {
            let (all, sum) = (rpt.format_value(total), rpt.format_value(g.total));
            if total > 0 {
                let pct = measurement::percentage(g.total, total);
                text.push_str(&format!("{}:\t Total {sum} of {all} ({pct})\n", g.key));
            } else {
                text.push_str(&format!("{}:\t Total {sum} of {all}\n", g.key));
            }
            for (name, v) in &g.values {
                let value = rpt.format_value(*v);
                if total > 0 {
                    let pct = measurement::percentage(*v, total);
                    text.push_str(&format!(" \t{value} ({pct}):\t {name}\n"));
                } else {
                    text.push_str(&format!(" \t{value}:\t {name}\n"));
                }
            }
            text.push('\n');
        }
    }
    w.write_all(crate::tabwriter::align_right(&text).as_bytes())?;
    Ok(())
}

/// go1.19's tags report text, before alignment.
fn write_tags_go119(text: &mut String, rpt: &Report<'_>) {
    let o = rpt.options();
    for g in tags(rpt) {
        let (f, u) = measurement::scale(g.total, &o.sample_unit, &o.output_unit);
        text.push_str(&format!(
            "{}:\t Total {}{}\n",
            g.key,
            measurement::go_format_f(f, 1),
            u
        ));
        for (name, v) in &g.values {
            let (f, u) = measurement::scale(*v, &o.sample_unit, &o.output_unit);
            if g.total > 0 {
                text.push_str(&format!(
                    " \t{}{} ({}):\t {}\n",
                    measurement::go_format_f(f, 1),
                    u,
                    measurement::percentage(*v, g.total),
                    name
                ));
            } else {
                text.push_str(&format!(
                    " \t{}{}:\t {}\n",
                    measurement::go_format_f(f, 1),
                    u,
                    name
                ));
            }
        }
        text.push('\n');
    }
}

/// Writes the comments of the profile, one per line.
pub fn write_comments(w: &mut dyn Write, rpt: &Report<'_>) -> Result<()> {
    let p = rpt.profile();
    let mut out = String::new();
    for &c in &p.comments {
        out.push_str(p.str(c));
        out.push('\n');
    }
    w.write_all(out.as_bytes())?;
    Ok(())
}

/// A profile of the top nodes: one location and sample per node with
/// values `cum` and `flat` in the output unit (pprof's `printTopProto`).
pub fn top_proto(rpt: &Report<'_>) -> Profile {
    let mut rpt = rpt.clone();
    let tg = rpt.trimmed_graph();
    rpt.select_output_unit(&tg.graph);
    let src = rpt.profile();
    let o = rpt.options();
    let mut out = Profile::new();
    let unit = out.intern(&o.output_unit);
    let cum = out.intern("cum");
    let flat = out.intern("flat");
    out.sample_types = vec![
        ValueType { r#type: cum, unit },
        ValueType { r#type: flat, unit },
    ];
    out.time_nanos = src.time_nanos;
    out.duration_nanos = src.duration_nanos;
    out.period_type = ValueType {
        r#type: out.intern(src.str(src.period_type.r#type)),
        unit: out.intern(src.str(src.period_type.unit)),
    };
    out.period = src.period;
    let mut functions: HashMap<(String, String, String, i64), FunctionId> = HashMap::new();
    for (i, (_, n)) in tg.graph.iter().enumerate() {
        let info = &n.info;
        let key = (
            info.name.clone(),
            info.orig_name.clone(),
            info.file.clone(),
            info.start_line,
        );
        let fid = match functions.get(&key) {
            Some(&f) => f,
            None => {
                let f = FunctionId(out.functions.len() as u32);
                let func = Function {
                    id: out.functions.len() as u64 + 1,
                    name: out.intern(&info.name),
                    system_name: out.intern(&info.orig_name),
                    filename: out.intern(&info.file),
                    start_line: info.start_line,
                };
                out.functions.push(func);
                functions.insert(key, f);
                f
            }
        };
        let loc = LocationId(out.locations.len() as u32);
        out.locations.push(Location {
            id: i as u64 + 1,
            mapping: None,
            address: info.address,
            lines: vec![Line {
                function: fid,
                line: info.lineno,
                column: 0,
            }],
            is_folded: false,
        });
        let (fv, _) = measurement::scale(n.flat_value(), &o.sample_unit, &o.output_unit);
        let (cv, _) = measurement::scale(n.cum_value(), &o.sample_unit, &o.output_unit);
        out.samples.push(Sample {
            locations: vec![loc],
            values: vec![pprof_model::gofmt::int64(cv), pprof_model::gofmt::int64(fv)],
            labels: Vec::new(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pprof_model::build::ProfileBuilder;

    /// A profile with inlined frames, a location without symbols, labels
    /// of both kinds and a sample with no frame kept.
    fn profile() -> Profile {
        let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
        let m = b.mapping("/bin/app", 0x1000, 0x9000);
        let leaf = b.named_location(
            Some(m),
            0x1010,
            &[("main.inner", "a.go", 3), ("main.outer", "a.go", 9)],
        );
        let mid = b.named_location(Some(m), 0x1020, &[("main.handle", "b.go", 12)]);
        let bare = b.location(Some(m), 0x1030, &[]);
        let root = b.named_location(Some(m), 0x1040, &[("main.main", "c.go", 1)]);
        b.labelled_sample(&[leaf, mid, root], &[3, 30], &[("handler", "/x")]);
        b.num_label("bytes", 512, "bytes");
        b.sample(&[mid, bare, root], &[1, 10]);
        b.sample(&[bare], &[2, 20]);
        b.labelled_sample(&[root, leaf], &[5, 50], &[("handler", "/y")]);
        b.build()
    }

    fn traces_text(p: &Profile, max_text: usize) -> String {
        let o = crate::Options::for_sample(p, 1, false);
        let rpt = Report::new(p, o);
        let mut out = Vec::new();
        write_traces_with(&mut out, &rpt, max_text).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// The frame lines made once per location, or from every frame when
    /// their text is too large to keep, print the same report.
    #[test]
    fn traces_print_alike_with_or_without_the_frame_text() {
        let p = profile();
        let made = traces_text(&p, FrameText::MAX);
        assert_eq!(traces_text(&p, 0), made);
        assert_eq!(traces_text(&p, 40), made);
        assert!(made.contains("main.inner (inline)\n             main.outer\n"));
        assert!(made.contains("             main.handle\n             main.main\n"));
        assert!(made.contains("   main.main\n             main.inner (inline)\n"));
    }

    #[test]
    fn location_text_holds_its_first_line_and_inline_flag() {
        let none = LocationText {
            start: 7,
            first: 7,
            end: 7,
        };
        assert_eq!(none.first(), None);
        let inlined = LocationText {
            start: 7,
            first: 30 | LocationText::INLINE,
            end: 50,
        };
        assert_eq!(inlined.first(), Some((30, true)));
    }
}
