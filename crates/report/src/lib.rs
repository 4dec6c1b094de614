//! Text reports of pprof profiles: top, traces, tags, peek, tree, list.
//!
//! A [`Report`] pairs a borrowed [`pprof_model::Profile`] with [`Options`]
//! (pprof's `report.Options`) and computes the total used for
//! percentages. Each report is written to any [`std::io::Write`] and is
//! byte-for-byte what today's `pprof` (Go 1.27.3) prints, or go1.19.8's
//! with [`Options::dialect`]:
//!
//! | pprof flag | function | data API |
//! |---|---|---|
//! | `-text`, `-top` | [`write_text`] | [`text_items`] |
//! | `-tree`, `-peek=RE` | [`write_tree`] | — |
//! | `-traces` | [`write_traces`] | [`traces`] |
//! | `-tags` | [`write_tags`] | [`tags`] |
//! | `-list=RE` | [`write_list`] | — |
//! | `-comments` | [`write_comments`] | — |
//! | `-disasm=RE` | [`write_disasm`] (with an [`asm::ObjTool`]) | [`asm::disassemble`] ([`asm::Matched`], [`asm::annotate`]) |
//! | `-weblist=RE` | [`write_weblist`] (an HTML page; with an [`asm::ObjTool`]) | [`web_list`], markup: [`weblist_html`] |
//! | `-topproto` | — | [`top_proto`] (a profile to encode) |
//!
//! [`generate`] dispatches on [`Options::output_format`]. Header lines are
//! available as data for other crates: [`profile_labels`] and
//! [`report_labels`] (the legend of graph pictures); the trimmed graph
//! behind pictures is [`Report::trimmed_graph`].
//!
//! # JSON output
//!
//! `--json` (an addition of pprof-tools) prints the same rows as one JSON
//! object per report, followed by a newline ([`generate_json`]). Values are
//! raw integers in the profile's sample unit (after `-mean`, before
//! `-divide_by`); `*_format` fields hold the text pprof prints.
//!
//! * text/top ([`write_text_json`]): `{"labels": [header lines], "total":
//!   int, "unit": output unit, "rows": [{"name", "inline": "" | "inline" |
//!   "partial-inline", "flat", "flat_format", "cum", "cum_format"}]}`
//! * traces ([`write_traces_json`]): `{"labels": [...], "traces":
//!   [{"value", "value_format", "labels": {key: [values]}, "num_labels":
//!   {key: [formatted values]}, "frames": [{"name", "inline": bool}]}]}`,
//!   frames leaf first
//! * tags ([`write_tags_json`]): `{"unit": sample unit, "tags": [{"key",
//!   "total", "values": [{"value", "weight"}]}]}`, heaviest value first
//! * tree/peek ([`write_tree_json`]): `{"labels", "total", "unit", "nodes":
//!   [{"name", "flat", "flat_format", "cum", "cum_format", "callers":
//!   [edge], "callees": [edge]}]}` with edge `{"name", "weight",
//!   "weight_format", "inline": bool}`
//!
//! Each object also has `"settings": {name: value}` after its first key
//! when [`Options::settings`] is not empty: the settings the report was
//! made with (pprof-driver echoes those that differ from the defaults).
//!
//! The driver's job is to fill the options from the command line
//! (`-sample_index`, `-mean`, `-unit`, `-nodecount`, granularity...), to
//! apply filters to the profile, and to buffer the output so that a failed
//! report (such as [`Error::NoMatches`]) prints nothing.
//!
//! ```
//! use pprof_model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};
//! use pprof_report::{Options, Report};
//!
//! let mut p = Profile::new();
//! let (ty, unit) = (p.intern("cpu"), p.intern("nanoseconds"));
//! p.sample_types.push(ValueType { r#type: ty, unit });
//! let name = p.intern("main.work");
//! p.functions.push(Function { id: 1, name, ..Default::default() });
//! p.locations.push(Location {
//!     id: 1,
//!     lines: vec![Line { function: FunctionId(0), line: 3, column: 0 }],
//!     ..Default::default()
//! });
//! p.samples.push(Sample { locations: vec![LocationId(0)], values: vec![20_000_000], labels: vec![] });
//!
//! let rpt = Report::new(&p, Options::for_sample(&p, 0, false));
//! let mut out = Vec::new();
//! pprof_report::write_text(&mut out, &rpt)?;
//! let text = String::from_utf8(out)?;
//! assert!(text.ends_with("      20ms   100%   100%       20ms   100%  main.work\n"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

pub mod asm;
mod error;
mod format;
mod json;
mod options;
mod report;
mod source;
mod tabwriter;
mod text;
mod weblist;

pub use asm::write_disasm;
pub use error::{Error, Result};
pub use format::{FormatInfo, OutputFormat, Usage, FORMATS};
pub use json::{write_tags_json, write_text_json, write_traces_json, write_tree_json};
pub use options::Options;
pub use report::{compute_total, profile_labels, report_labels, Report, TrimmedGraph};
pub use source::write_list;
pub use text::{
    tags, text_items, top_proto, traces, tree, write_comments, write_tags, write_text,
    write_traces, write_tree, TagGroup, TextItem, TextReport, Trace, TraceFrame, TracesReport,
    TreeEdge, TreeEntry, TreeReport,
};
pub use weblist::{
    web_list, weblist_html, write_weblist, InlinedCall, LineKind, Markup, WebList, WebListFunction,
    WebListInst, WebListLine, WEBLIST_CSS, WEBLIST_SCRIPT,
};

/// Writes the JSON variant of the report selected by
/// [`Options::output_format`]: text, traces, tags and tree (peek); other
/// formats give [`Error::UnsupportedFormat`].
pub fn generate_json(w: &mut dyn std::io::Write, rpt: &Report<'_>) -> Result<()> {
    match rpt.options().output_format.report_kind() {
        OutputFormat::Text => write_text_json(w, rpt),
        OutputFormat::Tree => write_tree_json(w, rpt),
        OutputFormat::Traces => write_traces_json(w, rpt),
        OutputFormat::Tags => write_tags_json(w, rpt),
        _ => Err(Error::UnsupportedFormat),
    }
}

/// Writes the report selected by [`Options::output_format`]. Formats
/// written by other crates (dot, callgrind, proto, raw, disasm, weblist,
/// topproto) give [`Error::UnsupportedFormat`].
pub fn generate(w: &mut dyn std::io::Write, rpt: &Report<'_>) -> Result<()> {
    match rpt.options().output_format.report_kind() {
        OutputFormat::Text => write_text(w, rpt),
        OutputFormat::Tree => write_tree(w, rpt),
        OutputFormat::Traces => write_traces(w, rpt),
        OutputFormat::Tags => write_tags(w, rpt),
        OutputFormat::List => write_list(w, rpt),
        OutputFormat::Comments => write_comments(w, rpt),
        _ => Err(Error::UnsupportedFormat),
    }
}
