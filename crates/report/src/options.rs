//! Report options (pprof's `report.Options`).

use std::collections::HashMap;

use pprof_graph::Granularity;
use pprof_model::{Dialect, Profile};
use regex::Regex;

pub use crate::format::OutputFormat;

/// Options of a report. Every field mirrors a field of pprof's
/// `report.Options`, set by the driver from the command line.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Options {
    /// Kind of report. Default: text.
    pub output_format: OutputFormat,
    /// Sort by cum instead of flat (`-cum`). Default: false.
    pub cum_sort: bool,
    /// Build a call tree (`-call_tree`, honoured by dot and callgrind only).
    /// Default: false.
    pub call_tree: bool,
    /// Drop negative nodes (`-drop_negative`). Default: false.
    pub drop_negative: bool,
    /// Leave out the profile labels from headers (`-compact_labels`).
    /// Default: false.
    pub compact_labels: bool,
    /// Multiplier applied to printed values (`1 / -divide_by`). Default: 1.
    pub ratio: f64,
    /// Title (the base name of the main binary). Default: empty.
    pub title: String,
    /// Header lines to use instead of [`crate::profile_labels`].
    /// Default: empty (computed).
    pub profile_labels: Vec<String>,
    /// Active filters, as `name=value`, listed under "Active filters:".
    /// Default: empty.
    pub active_filters: Vec<String>,
    /// Settings to echo in JSON reports, as `(name, value)` pairs (the
    /// driver gives those that differ from the defaults). Default: empty.
    pub settings: Vec<(String, String)>,
    /// Unit of each numeric label key (pprof's `NumLabelUnits`, see
    /// `pprof_ops::num_label_units`).
    /// Default: empty.
    pub num_label_units: HashMap<String, String>,
    /// Maximum number of nodes, 0 for all (`-nodecount`). Default: 0.
    pub node_count: usize,
    /// Nodes whose |cum| is at most this fraction of the total are dropped
    /// (`-nodefraction`). Default: 0.
    pub node_fraction: f64,
    /// Edges whose |weight| is at most this fraction of the total are
    /// dropped (`-edgefraction`). Default: 0.
    pub edge_fraction: f64,
    /// Index of the sample value reported (pprof's `SampleValue`).
    /// Default: 0.
    pub sample_index: usize,
    /// Divide by the first sample value (`-mean`; pprof's
    /// `SampleMeanDivisor`). Default: false.
    pub mean: bool,
    /// Name of the reported sample type (with `mean_` prefix for `-mean`).
    /// Default: empty.
    pub sample_type: String,
    /// Unit of the reported sample type, as in the profile. Default: empty.
    pub sample_unit: String,
    /// Unit to print values in (`-unit`); `minimum` picks one from the
    /// values shown. Default: `minimum`.
    pub output_unit: String,
    /// Symbol regular expression of `-list` and `-peek`. Default: None.
    pub symbol: Option<Regex>,
    /// Search path for source files (`-source_path`). Default: empty (the
    /// current directory for `-list`).
    pub source_path: String,
    /// Prefixes to trim from source file names (`-trim_path`).
    /// Default: empty.
    pub trim_path: String,
    /// Node granularity (`-functions`, `-files`, ...), applied while
    /// building graphs (the profile is not changed). Default: functions.
    pub granularity: Granularity,
    /// `-noinlines`. Default: false.
    pub no_inlines: bool,
    /// Column numbers with line numbers (today's `-showcolumns`). Default:
    /// false.
    pub show_columns: bool,
    /// Assembly in Intel syntax instead of AT&T (`-intel_syntax`, for
    /// `-disasm` and `-weblist`). Default: false.
    pub intel_syntax: bool,
    /// Which pprof's output to reproduce (header time layout, `-tags`
    /// totals and units). Default: [`Dialect::Go127`].
    pub dialect: Dialect,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            output_format: OutputFormat::Text,
            cum_sort: false,
            call_tree: false,
            drop_negative: false,
            compact_labels: false,
            ratio: 1.0,
            title: String::new(),
            profile_labels: Vec::new(),
            active_filters: Vec::new(),
            settings: Vec::new(),
            num_label_units: HashMap::new(),
            node_count: 0,
            node_fraction: 0.0,
            edge_fraction: 0.0,
            sample_index: 0,
            mean: false,
            sample_type: String::new(),
            sample_unit: String::new(),
            output_unit: "minimum".to_string(),
            symbol: None,
            source_path: String::new(),
            trim_path: String::new(),
            granularity: Granularity::Functions,
            no_inlines: false,
            show_columns: false,
            intel_syntax: false,
            dialect: Dialect::default(),
        }
    }
}

impl Options {
    /// Options reporting sample value `index` of `p` (with `-mean` when
    /// `mean`): sets the sample type (`mean_` prefixed), its unit and the
    /// title like pprof's driver. Other fields keep their defaults.
    pub fn for_sample(p: &Profile, index: usize, mean: bool) -> Options {
        let mut o = Options {
            sample_index: index,
            mean,
            ..Options::default()
        };
        if let Some(st) = p.sample_types.get(index) {
            let ty = p.str(st.r#type);
            o.sample_type = if mean {
                format!("mean_{ty}")
            } else {
                ty.to_string()
            };
            o.sample_unit = p.str(st.unit).to_string();
        }
        if let Some(m) = p.mappings.first() {
            if !m.file.is_empty() {
                o.title = pprof_graph::paths::base(p.str(m.file)).to_string();
            }
        }
        o
    }
}
