//! Options for building a [`crate::Graph`].

use std::collections::HashSet;

use crate::types::NodeInfo;

pub use pprof_ops::Granularity;

/// A set of node identities to keep when rebuilding a graph.
pub type NodeSet = HashSet<NodeInfo>;

/// A function formatting a numeric tag value with its unit.
pub type TagFormatFn = std::sync::Arc<dyn Fn(i64, &str) -> String + Send + Sync>;

/// A test on nodes (see [`Edges::Of`]).
#[derive(Clone)]
pub struct NodeFilter(std::sync::Arc<dyn Fn(&NodeInfo) -> bool + Send + Sync>);

impl NodeFilter {
    /// The nodes for which `f` is true.
    pub fn new(f: impl Fn(&NodeInfo) -> bool + Send + Sync + 'static) -> NodeFilter {
        NodeFilter(std::sync::Arc::new(f))
    }

    /// Whether `node` passes.
    pub fn test(&self, node: &NodeInfo) -> bool {
        (self.0)(node)
    }
}

impl std::fmt::Debug for NodeFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeFilter(..)")
    }
}

/// How numeric tag values are turned into tag names.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum TagFormat {
    /// Plain decimal (pprof's default label format).
    #[default]
    Decimal,
    /// A custom formatter called with the value and its unit; reports use
    /// `measurement.ScaledLabel(value, unit, output_unit)`.
    Custom(TagFormatFn),
}

impl std::fmt::Debug for TagFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TagFormat::Decimal => f.write_str("Decimal"),
            TagFormat::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// Options for [`crate::Graph::new`] (pprof's `graph.Options`, plus the
/// profile preparation that pprof's report does before building a graph).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Index of the sample value to use (pprof's `SampleValue`).
    /// Default: 0. Samples without that value count as 0.
    pub sample_index: usize,
    /// Divide by the first sample value to compute means (pprof's
    /// `SampleMeanDivisor` with `-mean`). Default: false.
    pub mean: bool,
    /// Format of numeric tag names (pprof's `FormatTag`). Default: decimal.
    pub format_tag: TagFormat,
    /// Keep the object file name on every node (pprof's `ObjNames`; reports
    /// set it for `-list`, `-disasm`, `-callgrind`, `-raw`). Default: false.
    pub obj_names: bool,
    /// Keep the system name of functions (pprof's `OrigFnNames`).
    /// Default: false.
    pub orig_fn_names: bool,
    /// Build a tree (one node per calling context) instead of a graph
    /// (pprof's `CallTree`). Default: false.
    pub call_tree: bool,
    /// Drop nodes whose flat (or, when flat is 0, cum) value is negative.
    /// Default: false.
    pub drop_negative: bool,
    /// If set, only nodes in this set are created (pprof's `KeptNodes`);
    /// frames of other nodes make the next edge residual. Default: None.
    pub kept_nodes: Option<NodeSet>,
    /// Node granularity, applied like pprof's `Profile.Aggregate` (the
    /// profile itself is not changed). Default: functions.
    pub granularity: Granularity,
    /// Ignore inlined frames: only the outermost function of each location
    /// is used (`-noinlines`). Default: false.
    pub no_inlines: bool,
    /// Keep column numbers with line numbers (today's `-showcolumns`).
    /// Without it, columns show only at `addresses` granularity with
    /// inlined frames, where pprof does not aggregate. Default: false.
    pub show_columns: bool,
    /// Collect label and numeric tags on nodes (only DOT output shows
    /// them; this is the costly part of pprof's graph). Default: false.
    pub compute_tags: bool,
    /// With [`Options::compute_tags`] in a graph (not a tree): tags whose
    /// |flat| and |cum| cannot reach this value on any node (because all
    /// the samples that carry them weigh less in all) are not collected.
    /// For callers that trim tags with
    /// [`crate::Graph::trim_low_frequency_tags`] and the same cutoff, as
    /// pprof's reports do: the result is the same, much faster.
    /// Default: 0 (collect every tag).
    pub tag_cutoff: i64,
    /// Unit of the `bytes` numeric label (pprof's `NumLabelUnits["bytes"]`);
    /// numeric labels with other keys are ignored for tags, like pprof's
    /// report does. Default: empty.
    pub bytes_unit: String,
    /// `-trim_path`: prefixes removed from source file names before they
    /// are cleaned (see [`crate::paths::trim_path`]). Default: empty.
    pub trim_path: String,
    /// `-source_path`: used by the trimming heuristic when `trim_path` is
    /// empty. Default: empty.
    pub source_path: String,
    /// Keep file names as recorded (only cleaned), skipping the trimming
    /// rules; pprof's traces report does this. Default: false.
    pub raw_file_names: bool,
    /// The edges collected (nodes and their values are the same whichever
    /// it is). Default: every edge.
    pub edges: Edges,
}

/// The edges a graph collects ([`Options::edges`]); the choice is for
/// graphs, call trees collect every edge.
#[derive(Clone, Debug, Default)]
pub enum Edges {
    /// Every edge.
    #[default]
    All,
    /// The edges into or out of the nodes the filter passes (a peek report
    /// prints no others).
    Of(NodeFilter),
    /// The edges into nodes that some location holds inlined (at a place
    /// other than its outermost): the only edges that can be marked
    /// inline. Enough for the `(inline)` and `(partial-inline)` labels of
    /// a text report, which other nodes never get.
    IntoInlined,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            sample_index: 0,
            mean: false,
            format_tag: TagFormat::Decimal,
            obj_names: false,
            orig_fn_names: false,
            call_tree: false,
            drop_negative: false,
            kept_nodes: None,
            granularity: Granularity::Functions,
            no_inlines: false,
            show_columns: false,
            compute_tags: false,
            tag_cutoff: 0,
            bytes_unit: String::new(),
            trim_path: String::new(),
            source_path: String::new(),
            raw_file_names: false,
            edges: Edges::All,
        }
    }
}

/// Which parts of a location are kept at a granularity (mirrors the flags
/// of pprof's `Profile.Aggregate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Keep {
    pub inline_frames: bool,
    pub function: bool,
    pub filename: bool,
    pub linenumber: bool,
    pub column: bool,
    pub address: bool,
}

impl Keep {
    pub(crate) fn new(g: Granularity, no_inlines: bool, show_columns: bool) -> Keep {
        let a = g.aggregation(no_inlines, show_columns);
        Keep {
            inline_frames: a.inline_frames,
            function: a.function,
            filename: a.filename,
            linenumber: a.line_number,
            column: a.line_number && (a.column_number || a.keeps_everything()),
            address: a.address,
        }
    }
}
