//! Graph exports of pprof profiles that external viewers open.
//!
//! * [`flame_svg`] / [`flame_svg_diff`]: a self-contained interactive flame
//!   graph (hover details, click to zoom, regular-expression search; no
//!   network access), red/blue for growth/shrinkage against a base.
//! * [`folded`]: Brendan Gregg's folded stacks (`main;run;work 42`).
//! * [`svg_from_dot`]: pprof's `-svg`: graphviz when `dot` is installed,
//!   a built-in layout otherwise, with pprof's pan/zoom script.
//! * [`render_with_graphviz`]: `-png`, `-pdf`, `-ps`, `-gif` through graphviz.
//! * [`write_dot`]: pprof's `-dot` text of a [`pprof_graph::Graph`].
//! * [`write_callgrind`]: pprof's `-callgrind` text of a graph.
//!
//! Stacks are read straight from a [`pprof_model::Profile`]; filtering
//! (focus, ignore, ...), building and trimming the graph, choosing units and
//! the legend lines belong to the caller (the report crate).
//!
//! ```
//! use pprof_model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};
//! use pprof_export::{folded, FoldedOptions, flame_svg, FlameOptions};
//!
//! let mut p = Profile::new();
//! let (ty, unit) = (p.intern("samples"), p.intern("count"));
//! p.sample_types.push(ValueType { r#type: ty, unit });
//! for (i, name) in ["main", "work"].into_iter().enumerate() {
//!     let name = p.intern(name);
//!     p.functions.push(Function { id: i as u64 + 1, name, ..Default::default() });
//!     p.locations.push(Location {
//!         id: i as u64 + 1,
//!         lines: vec![Line { function: FunctionId(i as u32), line: 1, column: 0 }],
//!         ..Default::default()
//!     });
//! }
//! // Locations are leaf first: work called from main.
//! p.samples.push(Sample { locations: vec![LocationId(1), LocationId(0)], values: vec![7], labels: vec![] });
//!
//! assert_eq!(folded(&p, &FoldedOptions::default())?, "main;work 7\n");
//! let svg = flame_svg(&p, &FlameOptions::default())?;
//! assert!(svg.contains(">work<"));
//! # Ok::<(), pprof_export::Error>(())
//! ```
#![deny(missing_docs)]

mod callgrind;
mod dot;
mod error;
mod flame;
mod folded;
mod stacks;
mod svg;
mod xml;

pub use callgrind::{compose_callgrind, write_callgrind, CallgrindConfig};
pub use dot::{
    compose_dot, dot_color, escape_for_dot, write_dot, DotAttributes, DotConfig, DotNodeAttributes,
    DotValueFormatter, NodeLabelFormatter,
};
pub use error::{Error, Result};
pub use flame::{
    flame_svg, flame_svg_diff, flame_tree, FlameNode, FlameOptions, FlameTree, FlameTreeOptions,
    ValueFormatter,
};
pub use folded::{folded, folded_diff, write_folded, FoldedOptions};
pub use stacks::{Granularity, StackOptions};
pub use svg::{
    add_pan_zoom, find_program, find_program_in, render_with_graphviz, run_graphviz, svg_from_dot,
    svg_from_dot_builtin, svg_from_dot_detailed, svg_from_dot_plain, GraphvizFormat,
    GraphvizOutput, Renderer, SvgOutput, DOT_PROGRAM,
};
