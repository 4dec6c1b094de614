//! The report object: total, value formatting, trimmed graphs and headers.

use std::sync::Arc;

use pprof_graph::{
    abs64, Edges, Graph, NodeFilter, NodeSet, Options as GraphOptions, Stacks, TagFormat,
};
use pprof_model::gofmt::int64;
use pprof_model::measurement;
use pprof_model::Profile;

use crate::options::{Options, OutputFormat};

/// A profile with report options and its total (pprof's `report.Report`).
#[derive(Clone, Debug)]
pub struct Report<'p> {
    prof: &'p Profile,
    total: i64,
    options: Options,
    /// The edges the report's graphs collect, when it prints only some
    /// ([`Report::edges_of`], [`Report::inline_edges_only`]).
    edges: Edges,
}

/// A graph trimmed by the report options, with the counts the headers
/// mention.
#[derive(Clone, Debug)]
pub struct TrimmedGraph {
    /// The graph, sorted.
    pub graph: Graph,
    /// Number of nodes before `-nodecount` selection.
    pub orig_count: usize,
    /// Nodes dropped by `-nodefraction`.
    pub dropped_nodes: usize,
    /// Edges dropped by `-edgefraction`.
    pub dropped_edges: usize,
}

/// The value below which pprof drops nodes or edges: `fraction` of
/// `total`, as Go converts and takes the magnitude of it
/// (`abs64(int64(float64(total) * fraction))`).
fn cutoff(total: i64, fraction: f64) -> i64 {
    abs64(int64(total as f64 * fraction))
}

impl<'p> Report<'p> {
    /// A report of `prof` (pprof's `report.New`). The total is the sum of
    /// absolute sample values (divided by the summed mean divisors with
    /// `-mean`); when samples carry the `pprof::base=true` label (from
    /// `-diff_base`), only those count.
    pub fn new(prof: &'p Profile, options: Options) -> Report<'p> {
        let total = compute_total(prof, &options);
        Report {
            prof,
            total,
            options,
            edges: Edges::All,
        }
    }

    /// A report of `prof` with a total computed elsewhere. pprof's driver
    /// computes the total (with [`compute_total`]) before applying
    /// `-focus`/`-ignore`/... filters, unless `-relative_percentages` is
    /// given, and builds the report from the filtered profile.
    pub fn with_total(prof: &'p Profile, options: Options, total: i64) -> Report<'p> {
        Report {
            prof,
            total,
            options,
            edges: Edges::All,
        }
    }

    /// Graphs of this report collect only the edges into or out of the
    /// nodes `filter` passes (their nodes and values are unchanged): for a
    /// report that prints no other edges.
    pub fn edges_of(mut self, filter: NodeFilter) -> Report<'p> {
        self.edges = Edges::Of(filter);
        self
    }

    /// Graphs of this report collect only the edges that can be marked
    /// inline ([`Edges::IntoInlined`]): for a report that only prints the
    /// nodes' inline labels (text/top).
    pub fn inline_edges_only(mut self) -> Report<'p> {
        self.edges = Edges::IntoInlined;
        self
    }

    /// The total used for percentages.
    pub fn total(&self) -> i64 {
        self.total
    }

    /// The options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The profile.
    pub fn profile(&self) -> &'p Profile {
        self.prof
    }

    /// Sets the output unit (as [`Report::select_output_unit`] does).
    pub fn set_output_unit(&mut self, unit: &str) {
        self.options.output_unit = unit.to_string();
    }

    /// Formats a value in the report's output unit, after applying the
    /// ratio (pprof's `formatValue`).
    pub fn format_value(&self, v: i64) -> String {
        let o = &self.options;
        let v = if o.ratio > 0.0 && o.ratio != 1.0 {
            int64(v as f64 * o.ratio)
        } else {
            v
        };
        measurement::scaled_label(v, &o.sample_unit, &o.output_unit)
    }

    /// `v` formatted, or `.` for zero (pprof's `valueOrDot`).
    pub(crate) fn value_or_dot(&self, v: i64) -> String {
        if v == 0 {
            ".".to_string()
        } else {
            self.format_value(v)
        }
    }

    /// The graph options pprof's report uses: report's value, granularity,
    /// file name trimming; object names for `-list`, `-disasm`,
    /// `-callgrind`, `-raw`; tags only for pictures.
    pub fn graph_options(&self, kept: Option<NodeSet>) -> GraphOptions {
        let o = &self.options;
        let mut g = GraphOptions::default();
        g.sample_index = o.sample_index;
        g.mean = o.mean;
        g.call_tree = o.call_tree
            && matches!(
                o.output_format.report_kind(),
                OutputFormat::Dot | OutputFormat::Callgrind
            );
        g.drop_negative = o.drop_negative;
        g.kept_nodes = kept;
        g.obj_names = matches!(
            o.output_format.report_kind(),
            OutputFormat::Raw
                | OutputFormat::List
                | OutputFormat::WebList
                | OutputFormat::Dis
                | OutputFormat::Callgrind
        );
        g.granularity = o.granularity;
        g.no_inlines = o.no_inlines;
        g.show_columns = o.show_columns;
        g.trim_path = o.trim_path.clone();
        g.source_path = o.source_path.clone();
        if !g.call_tree {
            g.edges = self.edges.clone();
        }
        if o.output_format.report_kind() == OutputFormat::Dot {
            g.compute_tags = true;
            let unit = o.output_unit.clone();
            g.format_tag = TagFormat::Custom(Arc::new(move |v, key| {
                measurement::scaled_label(v, key, &unit)
            }));
            g.bytes_unit = o.num_label_units.get("bytes").cloned().unwrap_or_default();
        }
        g
    }

    /// A graph of the whole profile, or of the `kept` nodes (pprof's
    /// `Report.newGraph`).
    pub fn new_graph(&self, kept: Option<NodeSet>) -> Graph {
        Graph::new(self.prof, &self.graph_options(kept))
    }

    fn new_graph_from(&self, stacks: &Stacks<'_>, kept: Option<NodeSet>) -> Graph {
        Graph::with_stacks(self.prof, &self.graph_options(kept), stacks)
    }

    /// As `new_graph_from`, skipping the tags that trimming by
    /// `tag_cutoff` is certain to remove; the `kept` nodes chosen from
    /// `all` take their values from there when nothing else is wanted of
    /// the samples ([`Graph::with_stacks_from`]).
    fn new_graph_cut(
        &self,
        stacks: &Stacks<'_>,
        kept: Option<(NodeSet, &Graph)>,
        tag_cutoff: i64,
    ) -> Graph {
        let (kept, all) = kept.unzip();
        let mut go = self.graph_options(kept);
        go.tag_cutoff = tag_cutoff;
        match all {
            Some(all) => Graph::with_stacks_from(self.prof, &go, stacks, all),
            None => Graph::with_stacks(self.prof, &go, stacks),
        }
    }

    /// The graph trimmed by `-nodefraction`, `-nodecount` and
    /// `-edgefraction`, sorted, as pprof's `newTrimmedGraph`.
    pub fn trimmed_graph(&self) -> TrimmedGraph {
        let o = &self.options;
        let visual = o.output_format.report_kind() == OutputFormat::Dot;
        let call_tree = o.call_tree
            && matches!(
                o.output_format.report_kind(),
                OutputFormat::Dot | OutputFormat::Callgrind
            );
        // The samples grouped by stack serve every rebuild below.
        let stacks = Stacks::new(self.prof, o.sample_index, o.mean);
        let mut dropped_nodes = 0;
        let cutoffs = |total_value: i64| {
            (
                cutoff(total_value, o.node_fraction),
                cutoff(total_value, o.edge_fraction),
            )
        };
        let (mut g, node_cutoff, edge_cutoff) = if call_tree || o.node_fraction == 0.0 {
            let mut g = self.new_graph_from(&stacks, None);
            let (node_cutoff, edge_cutoff) = cutoffs(g.sum().0);
            if node_cutoff > 0 && call_tree {
                let kept = g.discard_low_frequency_node_ptrs(node_cutoff);
                if kept.len() != g.nodes.len() {
                    dropped_nodes = g.nodes.len() - kept.len();
                    g.trim_tree(&kept);
                }
            }
            (g, node_cutoff, edge_cutoff)
        } else {
            // pprof builds the whole graph first, but only its nodes matter
            // when some are dropped: build those alone first.
            let nodes = Graph::nodes_only(self.prof, &self.graph_options(None), &stacks);
            let (node_cutoff, edge_cutoff) = cutoffs(nodes.sum().0);
            let kept = (node_cutoff > 0).then(|| nodes.discard_low_frequency_nodes(node_cutoff));
            let g = match kept {
                Some(kept) if kept.len() != nodes.nodes.len() => {
                    dropped_nodes = nodes.nodes.len().saturating_sub(kept.len());
                    self.new_graph_cut(&stacks, Some((kept, &nodes)), node_cutoff)
                }
                _ => self.new_graph_cut(&stacks, None, node_cutoff),
            };
            (g, node_cutoff, edge_cutoff)
        };
        let orig_count = g.nodes.len();
        g.sort_nodes(o.cum_sort, visual);
        // Graphs without tags (all but pictures) have none to trim.
        let tagged = self.graph_options(None).compute_tags;
        if o.node_count > 0 {
            if tagged {
                g.trim_low_frequency_tags(node_cutoff);
            }
            g.trim_low_frequency_edges(edge_cutoff);
            if call_tree {
                let kept = g.select_top_node_ptrs(o.node_count, visual);
                if kept.len() != g.nodes.len() {
                    g.trim_tree(&kept);
                    g.sort_nodes(o.cum_sort, visual);
                }
            } else {
                let kept = g.select_top_nodes(o.node_count, visual);
                if kept.len() != g.nodes.len() {
                    // The kept nodes' values and (trimmed) tags are this
                    // graph's: only the edges between them are new.
                    let mut go = self.graph_options(Some(kept));
                    let tags = std::mem::take(&mut go.compute_tags);
                    let mut kept = Graph::with_stacks_from(self.prof, &go, &stacks, &g);
                    if tags {
                        kept.take_tags(&mut g);
                    }
                    g = kept;
                    g.sort_nodes(o.cum_sort, visual);
                }
            }
        }
        if tagged {
            g.trim_low_frequency_tags(node_cutoff);
        }
        let dropped_edges = g.trim_low_frequency_edges(edge_cutoff);
        if visual {
            g.remove_redundant_edges();
        }
        TrimmedGraph {
            graph: g,
            orig_count,
            dropped_nodes,
            dropped_edges,
        }
    }

    /// With output unit `minimum`, picks the unit from the smallest
    /// non-zero node value and the total (pprof's `selectOutputUnit`), and
    /// makes it the report's output unit.
    pub fn select_output_unit(&mut self, g: &Graph) {
        let o = &self.options;
        if o.output_unit != "minimum" || g.nodes.is_empty() {
            return;
        }
        let mut min: i64 = 0;
        for (_, n) in g.iter() {
            let mut node_min = abs64(n.flat_value());
            if node_min == 0 {
                node_min = abs64(n.cum_value());
            }
            if node_min > 0 && (min == 0 || node_min < min) {
                min = node_min;
            }
        }
        let mut max = self.total;
        if min == 0 {
            min = max;
        }
        if o.ratio > 0.0 && o.ratio != 1.0 {
            min = int64(min as f64 * o.ratio);
            max = int64(max as f64 * o.ratio);
        }
        let (_, min_unit) = measurement::scale(min, &o.sample_unit, "minimum");
        let (_, max_unit) = measurement::scale(max, &o.sample_unit, "minimum");
        let mut unit = min_unit.to_string();
        if min_unit != max_unit
            && min.wrapping_mul(100) < max
            && o.output_format.report_kind() != OutputFormat::Callgrind
        {
            unit = measurement::scale(min.wrapping_mul(100), &o.sample_unit, "minimum")
                .1
                .to_string();
        }
        let unit = if unit.is_empty() {
            o.sample_unit.clone()
        } else {
            unit
        };
        self.options.output_unit = unit;
    }
}

/// The total of a profile for percentages (pprof's `computeTotal`): the
/// sum of absolute values of [`Options::sample_index`] (divided by the sum
/// of first values with [`Options::mean`]); when samples carry the
/// `pprof::base=true` label, only those count.
pub fn compute_total(p: &Profile, o: &Options) -> i64 {
    total_in_runs(p, o, 100_000)
}

/// [`compute_total`], over runs of the samples on two threads at once when
/// there are at least twice `min_half`.
fn total_in_runs(p: &Profile, o: &Options, min_half: usize) -> i64 {
    let base_key = p.strings.lookup(pprof_ops::BASE_LABEL_KEY);
    let base_true = p.strings.lookup("true");
    let is_base = |s: pprof_model::SampleRef<'_>| match (base_key, base_true) {
        (Some(k), Some(t)) => s.labels.iter().any(|l| l.key == k && l.str == t),
        _ => false,
    };
    // [total, divisor, total of base samples, their divisor], summed over
    // runs of the samples on two threads at once for large profiles.
    let sums = |r: std::ops::Range<usize>| {
        let mut sums = [0i64; 4];
        for s in p.samples.iter_range(r) {
            let v = s
                .values
                .get(o.sample_index)
                .copied()
                .unwrap_or(0)
                .wrapping_abs();
            let d = if o.mean {
                s.values.first().copied().unwrap_or(0)
            } else {
                0
            };
            sums[0] = sums[0].wrapping_add(v);
            sums[1] = sums[1].wrapping_add(d);
            if is_base(s) {
                sums[2] = sums[2].wrapping_add(v);
                sums[3] = sums[3].wrapping_add(d);
            }
        }
        sums
    };
    let runs = pprof_model::chunks::in_runs(p.samples.len(), min_half, sums);
    let [mut total, mut div, diff_total, diff_div] = (runs.into_iter())
        .reduce(|a, b| [0, 1, 2, 3].map(|i| a[i].wrapping_add(b[i])))
        .unwrap_or_default();
    if diff_total > 0 {
        total = diff_total;
        div = diff_div;
    }
    if div != 0 {
        total.checked_div(div).unwrap_or(total)
    } else {
        total
    }
}

/// The header lines describing the profile: `File:`, `Build ID:`,
/// comments not starting with `#`, `Type:`, `Doc:` (today's pprof),
/// `Time:` and `Duration:`
/// (pprof's `ProfileLabels`). Values use the report's current output unit.
pub fn profile_labels(rpt: &Report<'_>) -> Vec<String> {
    let p = rpt.prof;
    let o = &rpt.options;
    let mut out = Vec::new();
    if let Some(m) = p.mappings.first() {
        if !m.file.is_empty() {
            out.push(format!("File: {}", pprof_graph::paths::base(p.str(m.file))));
        }
        if !m.build_id.is_empty() {
            out.push(format!("Build ID: {}", p.str(m.build_id)));
        }
    }
    for &c in &p.comments {
        let c = p.str(c);
        if !c.starts_with('#') {
            out.push(c.to_string());
        }
    }
    if !o.sample_type.is_empty() {
        out.push(format!("Type: {}", o.sample_type));
    }
    if o.dialect == pprof_model::Dialect::Go127 && !p.doc_url.is_empty() {
        out.push(format!("Doc: {}", p.str(p.doc_url)));
    }
    if p.time_nanos != 0 {
        out.push(format!(
            "Time: {}",
            pprof_model::gofmt::header_time(p.time_nanos, o.dialect)
        ));
    }
    if p.duration_nanos != 0 {
        let duration = measurement::label(p.duration_nanos, "nanoseconds");
        let (total_nanos, total_unit) =
            measurement::scale(rpt.total, &o.sample_unit, "nanoseconds");
        let ratio = if total_unit == "ns" && total_nanos != 0.0 {
            format!(
                "({})",
                measurement::percentage(int64(total_nanos), p.duration_nanos)
            )
        } else {
            String::new()
        };
        out.push(format!(
            "Duration: {}, Total samples = {} {}",
            duration,
            rpt.format_value(rpt.total),
            ratio
        ));
    }
    out
}

/// The header lines of a graph report: the profile labels (or
/// [`Options::profile_labels`]; none with `-compact_labels` unless
/// `full_headers`), active filters, "Showing nodes accounting for …",
/// "Dropped …" and "Showing top N nodes out of M" lines, and with
/// `full_headers` (pictures) the pointer to the graph legend (pprof's
/// `reportLabels`).
///
/// Text reports pass 0 for `dropped_edges`; pictures pass
/// [`TrimmedGraph::dropped_edges`].
pub fn report_labels(
    rpt: &Report<'_>,
    g: &Graph,
    orig_count: usize,
    dropped_nodes: usize,
    dropped_edges: usize,
    full_headers: bool,
) -> Vec<String> {
    let o = &rpt.options;
    let node_count = g.nodes.len();
    let mut label = if !o.profile_labels.is_empty() {
        o.profile_labels.clone()
    } else if full_headers || !o.compact_labels {
        profile_labels(rpt)
    } else {
        Vec::new()
    };
    let flat_sum = g
        .iter()
        .fold(0i64, |s, (_, n)| s.wrapping_add(n.flat_value()));
    if !o.active_filters.is_empty() {
        label.push("Active filters:".to_string());
        for f in &o.active_filters {
            if f.len() > 80 {
                let mut cut = 80;
                while !f.is_char_boundary(cut) {
                    cut -= 1;
                }
                // Go slices bytes; a cut inside a character leaves its first
                // bytes, which cannot be kept in a Rust string.
                label.push(format!("   {}…", &f[..cut]));
            } else {
                label.push(format!("   {f}"));
            }
        }
    }
    label.push(format!(
        "Showing nodes accounting for {}, {} of {} total",
        rpt.format_value(flat_sum),
        measurement::percentage(flat_sum, rpt.total).trim(),
        rpt.format_value(rpt.total)
    ));
    if rpt.total != 0 {
        if dropped_nodes > 0 {
            label.push(gen_label(
                dropped_nodes,
                "node",
                "cum",
                &rpt.format_value(cutoff(rpt.total, o.node_fraction)),
            ));
        }
        if dropped_edges > 0 {
            label.push(gen_label(
                dropped_edges,
                "edge",
                "freq",
                &rpt.format_value(cutoff(rpt.total, o.edge_fraction)),
            ));
        }
        if node_count > 0 && node_count < orig_count {
            label.push(format!(
                "Showing top {} nodes out of {}",
                node_count, orig_count
            ));
        }
    }
    if full_headers {
        label.push("\nSee https://git.io/JfYMW for how to read the graph".to_string());
    }
    label
}

fn gen_label(d: usize, n: &str, l: &str, f: &str) -> String {
    let s = if d > 1 { "s" } else { "" };
    format!("Dropped {d} {n}{s} ({l} <= {f})")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The total of two halves is the total of one pass: plain, as a mean,
    /// and of the base samples of a diff.
    #[test]
    fn totals_in_halves_are_totals_of_one_pass() {
        let mut b = pprof_model::build::ProfileBuilder::new(&[("count", "n"), ("v", "ms")]);
        let f = b.function("f", "f.go", 1);
        let loc = b.location(None, 0x10, &[(f, 1)]);
        for i in 0..301i64 {
            let labels: &[(&str, &str)] = if i % 7 == 0 {
                &[(pprof_ops::BASE_LABEL_KEY, "true")]
            } else {
                &[]
            };
            b.labelled_sample(
                &[loc],
                &[1 + i % 3, i * if i % 2 == 0 { 1 } else { -1 }],
                labels,
            );
        }
        let p = b.build();
        for (mean, base) in [(false, false), (true, false), (false, true)] {
            let mut p = p.clone();
            if !base {
                p.samples.rewrite(|s| {
                    s.labels.clear();
                    true
                });
            }
            let o = Options {
                sample_index: 1,
                mean,
                ..Options::default()
            };
            let one = total_in_runs(&p, &o, usize::MAX);
            assert_eq!(total_in_runs(&p, &o, 1), one, "mean {mean}, base {base}");
            assert_ne!(one, 0);
        }
    }

    #[test]
    fn dropped_labels() {
        assert_eq!(
            gen_label(1, "node", "cum", "1ms"),
            "Dropped 1 node (cum <= 1ms)"
        );
        assert_eq!(
            gen_label(2, "edge", "freq", "0"),
            "Dropped 2 edges (freq <= 0)"
        );
    }
}
