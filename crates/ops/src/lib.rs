//! Profile math for pprof-tools: merging, compaction, diffs against a
//! base, scaling and normalization, unit reconciliation, and the sample
//! filters behind pprof's `-focus`, `-ignore`, `-hide`, `-show`,
//! `-show_from`, `-prune_from`, `-tagfocus`, `-tagignore`, `-tagshow`,
//! `-taghide`, `-tagroot`/`-tagleaf` and `-sample_index` options.
//!
//! Every operation reproduces the behaviour of Go's pprof on
//! [`pprof_model::Profile`]: today's (Go 1.27.3), or go1.19.8's where the
//! two differ and a [`pprof_model::Dialect`] says so (combining sources,
//! the name filter).
//!
//! ```
//! use pprof_model::{Profile, Sample, ValueType};
//!
//! let mut p = Profile::new();
//! let ty = p.intern("alloc_space");
//! let unit = p.intern("bytes");
//! p.sample_types.push(ValueType { r#type: ty, unit });
//! p.samples.push(Sample { values: vec![1024], ..Default::default() });
//! p.samples.push(Sample { values: vec![512], ..Default::default() });
//!
//! // Equal samples (same stack, same labels) are combined.
//! let merged = pprof_ops::merge(&[&p, &p])?;
//! assert_eq!(merged.samples.len(), 1);
//! assert_eq!(merged.samples.at(0).values, vec![3072]);
//! assert_eq!(pprof_model::measurement::label(3072, "bytes"), "3kB");
//! # Ok::<(), pprof_ops::Error>(())
//! ```
//!
//! # Crate features
//!
//! None. Property tests use the `arbitrary` feature of `pprof-model`.
//!
//! # Design constraints
//!
//! * Functions that Go runs as methods mutating a profile take
//!   `&mut Profile` (filters, scaling, label edits); [`merge`] and
//!   [`compact`] build a new profile from borrowed inputs.
//! * No printing: notices such as "Interpreted '64kb:' as range, not
//!   regexp" and "matched no samples" are returned as data.
//! * No per-sample string formatting or allocation on the hot paths.
#![deny(missing_docs)]

mod base;
mod error;
mod filter;
mod focus;
mod goregex;
mod gosyntax;
mod index;
mod labels;
mod merge;
mod prune;
mod sample_index;
mod scale;
mod tagfilter;
mod tagroot;
#[cfg(test)]
mod testutil;
mod units;

pub use base::{add_fake_mapping, apply_base, combine_profiles, compatibilize_sample_types};
pub use error::{Error, Result};
pub use filter::{
    filter_samples_by_name, filter_tags_by_name, filter_view_by_name, retain_samples, show_from,
    NameMatches,
};
pub use focus::{apply_focus, apply_focus_into, compile_regex_option, FocusOptions};
pub use goregex::{compile_go_regex, go_regex, go_regex_error, go_regex_in};
pub use index::IdIndex;
pub use labels::{aggregate, num_label_unit_warnings, num_label_units, Aggregation, Granularity};
pub use merge::{
    compact, compact_owned, compatible, merge, merge_joins_mappings, merge_owned, StreamingMerge,
};
pub use prune::{prune, prune_from, remove_uninteresting, simplify_func};
pub use sample_index::{
    resolve_sample_selection, sample_format, sample_index_by_name, sample_type_index, SampleFormat,
    SampleSelection, LEGACY_SAMPLE_FLAGS,
};
pub use scale::{
    is_diff_base_sample, normalize, prepare_base, remove_label, scale, scale_n, set_label,
    BASE_LABEL_KEY,
};
pub use tagfilter::{
    compile_tag_filter, filter_samples_by_tag, filter_view_by_tag, CompiledTagFilter, TagFilter,
};
pub use tagroot::{add_label_nodes, format_label_values};
pub use units::{common_value_type, scale_profiles};
