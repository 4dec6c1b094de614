//! Report settings: the values of pprof's configuration flags.

/// How samples are grouped into report entries (`-functions`, the
/// default, `-filefunctions`, `-files`, `-lines`, `-addresses`).
pub use pprof_graph::Granularity;

/// Sort order of text reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sort {
    /// By own weight (`-flat`, the default).
    #[default]
    Flat,
    /// By cumulative weight (`-cum`).
    Cum,
}

/// The settings that shape a report: pprof's configuration variables with
/// pprof's defaults.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Config {
    /// Output file (`-output`); `None` writes to standard output. Default: `None`.
    pub output: Option<String>,
    /// Context-sensitive call tree for graphs (`-call_tree`). Default: false.
    pub call_tree: bool,
    /// Percentages relative to the focused samples (`-relative_percentages`). Default: false.
    pub relative_percentages: bool,
    /// Display unit (`-unit`). Default: `"minimum"`.
    pub unit: String,
    /// Shorter graph labels (`-compact_labels`). Default: false.
    pub compact_labels: bool,
    /// Where to look for source files (`-source_path`). Default: empty.
    pub source_path: String,
    /// Prefix to remove from file names before searching (`-trim_path`). Default: empty.
    pub trim_path: String,
    /// Intel assembly syntax (`-intel_syntax`). Default: false.
    pub intel_syntax: bool,
    /// Divide each value by the sample's first value (`-mean`). Default: false.
    pub mean: bool,
    /// Which sample value to report, by index or name (`-sample_index`);
    /// empty selects the profile's default. Default: empty.
    pub sample_index: String,
    /// Divisor applied to every value shown (`-divide_by`). Default: 1.
    pub divide_by: f64,
    /// Scale the profile to the base's total (`-normalize`). Default: false.
    pub normalize: bool,
    /// Sort order (`-flat`/`-cum`). Default: flat.
    pub sort: Sort,
    /// Comma-separated label keys that become root frames (`-tagroot`). Default: empty.
    pub tag_root: String,
    /// Comma-separated label keys that become leaf frames (`-tagleaf`). Default: empty.
    pub tag_leaf: String,
    /// Drop entries with negative values (`-drop_negative`). Default: false.
    pub drop_negative: bool,
    /// Largest number of entries (`-nodecount`); -1 lets the format choose
    /// (all for text, 80 for graphs). Default: -1.
    pub node_count: i64,
    /// Hide entries below this fraction of the total (`-nodefraction`). Default: 0.005.
    pub node_fraction: f64,
    /// Hide edges below this fraction of the total (`-edgefraction`). Default: 0.001.
    pub edge_fraction: f64,
    /// Apply the trimming defaults (`-trim`). Default: true.
    pub trim: bool,
    /// Keep samples through a frame matching this regexp (`-focus`). Default: empty.
    pub focus: String,
    /// Drop samples through a frame matching this regexp (`-ignore`). Default: empty.
    pub ignore: String,
    /// Drop frames from a match down (`-prune_from`). Default: empty.
    pub prune_from: String,
    /// Hide frames matching this regexp (`-hide`). Default: empty.
    pub hide: String,
    /// Show only frames matching this regexp (`-show`). Default: empty.
    pub show: String,
    /// Drop frames above the highest match (`-show_from`). Default: empty.
    pub show_from: String,
    /// Keep samples whose labels match (`-tagfocus`). Default: empty.
    pub tag_focus: String,
    /// Drop samples whose labels match (`-tagignore`). Default: empty.
    pub tag_ignore: String,
    /// Keep only label keys matching this regexp (`-tagshow`). Default: empty.
    pub tag_show: String,
    /// Drop label keys matching this regexp (`-taghide`). Default: empty.
    pub tag_hide: String,
    /// Attribute inlined frames to their caller (`-noinlines`). Default: false.
    pub no_inlines: bool,
    /// Entry granularity. Default: functions.
    pub granularity: Granularity,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            output: None,
            call_tree: false,
            relative_percentages: false,
            unit: "minimum".to_string(),
            compact_labels: false,
            source_path: String::new(),
            trim_path: String::new(),
            intel_syntax: false,
            mean: false,
            sample_index: String::new(),
            divide_by: 1.0,
            normalize: false,
            sort: Sort::Flat,
            tag_root: String::new(),
            tag_leaf: String::new(),
            drop_negative: false,
            node_count: -1,
            node_fraction: 0.005,
            edge_fraction: 0.001,
            trim: true,
            focus: String::new(),
            ignore: String::new(),
            prune_from: String::new(),
            hide: String::new(),
            show: String::new(),
            show_from: String::new(),
            tag_focus: String::new(),
            tag_ignore: String::new(),
            tag_show: String::new(),
            tag_hide: String::new(),
            no_inlines: false,
            granularity: Granularity::Functions,
        }
    }
}
