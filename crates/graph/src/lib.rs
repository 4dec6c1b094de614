//! Call graphs of pprof profiles: nodes, edges, trimming, granularity.
//!
//! A [`Graph`] summarizes the samples of a borrowed [`pprof_model::Profile`]
//! into nodes (functions, files, lines or addresses, see [`Granularity`])
//! with flat and cumulative values, and caller → callee edges. It follows
//! pprof's `internal/graph` rules exactly (go1.19.8's and Go 1.27.3's, which
//! differ only in column numbers), so that reports built on it print the
//! same numbers and the same order as pprof:
//!
//! * a location counts once per sample toward a node's cum, even under
//!   recursion; the leaf frame gets the flat value;
//! * edges between frames of one location are *inline* edges; an edge that
//!   skips frames of nodes left out by [`Options::kept_nodes`] is
//!   *residual*;
//! * [`Graph::discard_low_frequency_nodes`], [`Graph::select_top_nodes`],
//!   [`Graph::trim_low_frequency_edges`], [`Graph::sort_nodes`],
//!   [`Graph::trim_tree`] and [`Graph::remove_redundant_edges`] are the
//!   building blocks of pprof's node/edge trimming.
//!
//! Nodes and edges live in arenas ([`Graph::arena`], [`Graph::edges`]);
//! [`Graph::nodes`] is the ordered list of nodes that belong to the graph.
//!
//! ```
//! use pprof_model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};
//! use pprof_graph::{Graph, NodeOrder, Options};
//!
//! let mut p = Profile::new();
//! let (ty, unit) = (p.intern("samples"), p.intern("count"));
//! p.sample_types.push(ValueType { r#type: ty, unit });
//! for (i, name) in ["main", "work"].iter().enumerate() {
//!     let name = p.intern(name);
//!     p.functions.push(Function { id: i as u64 + 1, name, ..Default::default() });
//!     p.locations.push(Location {
//!         id: i as u64 + 1,
//!         lines: vec![Line { function: FunctionId(i as u32), line: 1, column: 0 }],
//!         ..Default::default()
//!     });
//! }
//! // work called from main, 5 samples; main alone, 2 samples.
//! p.samples.push(Sample { locations: vec![LocationId(1), LocationId(0)], values: vec![5], labels: vec![] });
//! p.samples.push(Sample { locations: vec![LocationId(0)], values: vec![2], labels: vec![] });
//!
//! let mut g = Graph::new(&p, &Options::default());
//! g.sort(NodeOrder::FlatName);
//! let rows: Vec<_> = g.nodes.iter().map(|&n| {
//!     let n = g.node(n).ok_or("missing node")?;
//!     Ok((n.info.printable_name(), n.flat, n.cum))
//! }).collect::<Result<_, &str>>()?;
//! assert_eq!(rows, vec![("work".to_string(), 5, 5), ("main".to_string(), 2, 7)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod build;
mod interop;
pub use build::{LocationNodes, Stacks};
mod names;
mod options;
pub mod paths;
mod sort;
mod trim;
mod types;

pub use names::shorten_function_name;
pub use options::{Edges, Granularity, NodeFilter, NodeSet, Options, TagFormat, TagFormatFn};
pub use sort::NodeOrder;
pub use trim::{abs64, NodePtrSet};
pub use types::{sort_tags, Edge, EdgeId, FunctionKey, Node, NodeId, NodeInfo, Tag, TagMap};

use pprof_model::Profile;

/// A call graph (or call tree) built from a profile.
#[derive(Clone, Debug, Default)]
pub struct Graph {
    /// Every node created while building, including ones without value
    /// that are not part of [`Graph::nodes`].
    pub arena: Vec<Node>,
    /// Every edge created while building; removed edges stay here but are
    /// unlinked from their nodes' edge lists.
    pub edges: Vec<Edge>,
    /// The nodes of the graph, in the current order.
    pub nodes: Vec<NodeId>,
    /// The node of each frame of each location, as the builder found them
    /// (none for graphs made otherwise): a graph of some of these nodes
    /// takes its own from there.
    frames: Option<std::sync::Arc<build::Frames>>,
}

impl Graph {
    /// Summarizes the samples of `p` into a graph, or a tree with
    /// [`Options::call_tree`] (pprof's `graph.New`). The profile is only
    /// read.
    pub fn new(p: &Profile, o: &Options) -> Graph {
        if o.call_tree {
            build::new_tree(p, o)
        } else {
            build::new_graph(p, o, None, true, None)
        }
    }

    /// Like [`Graph::new`], reusing samples already grouped by stack (they
    /// are grouped again if `stacks` was made for another sample index or
    /// mean setting). Call trees are built from the samples.
    pub fn with_stacks(p: &Profile, o: &Options, stacks: &Stacks<'_>) -> Graph {
        if o.call_tree {
            build::new_tree(p, o)
        } else {
            build::new_graph(p, o, Some(stacks), true, None)
        }
    }

    /// The nodes and values of [`Graph::with_stacks`] without any edge or
    /// tag: enough to choose the nodes to keep (the sums, the node list and
    /// the cum cutoff are the same), at a fraction of the cost. Not for
    /// call trees (it returns the full tree there).
    pub fn nodes_only(p: &Profile, o: &Options, stacks: &Stacks<'_>) -> Graph {
        if o.call_tree {
            build::new_tree(p, o)
        } else {
            build::new_graph(p, o, Some(stacks), false, None)
        }
    }

    /// [`Graph::with_stacks`] for the [`Options::kept_nodes`] chosen from
    /// `all`, a graph of the same stacks and options with more nodes (such
    /// as [`Graph::nodes_only`] builds). The kept nodes are taken from `all`
    /// instead of being made again from the locations, and, as a node's
    /// values depend only on the samples and on the node itself, with their
    /// values there when this graph credits no tag: the samples are then
    /// walked for the edges between them alone, and not at all when none
    /// is wanted. (From a graph this crate did not build, values are
    /// matched by node identity when no edge nor tag is wanted.)
    pub fn with_stacks_from(p: &Profile, o: &Options, stacks: &Stacks<'_>, all: &Graph) -> Graph {
        if o.call_tree {
            build::new_tree(p, o)
        } else {
            build::new_graph(p, o, Some(stacks), true, Some(all))
        }
    }

    /// Moves the tags of `from`'s nodes to the nodes of this graph that
    /// stand for the same thing. A node's tags, like its values, depend
    /// only on the samples and on the node itself, not on which other nodes
    /// a graph keeps: a graph rebuilt with fewer nodes can take them from
    /// the graph it was chosen from instead of walking the samples again.
    pub fn take_tags(&mut self, from: &mut Graph) {
        let by_info: std::collections::HashMap<&NodeInfo, NodeId> =
            from.iter().map(|(id, n)| (&n.info, id)).collect();
        let moves: Vec<(NodeId, NodeId)> = (self.iter())
            .filter_map(|(id, n)| Some((id, *by_info.get(&n.info)?)))
            .collect();
        for (to, src) in moves {
            let Some(src) = from.arena.get_mut(src.index()) else {
                continue;
            };
            let (labels, numeric) = (
                std::mem::take(&mut src.label_tags),
                std::mem::take(&mut src.numeric_tags),
            );
            if let Some(n) = self.arena.get_mut(to.index()) {
                n.label_tags = labels;
                n.numeric_tags = numeric;
            }
        }
    }

    /// The node with this id.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.arena.get(id.index())
    }

    /// The edge with this id.
    pub fn edge(&self, id: EdgeId) -> Option<&Edge> {
        self.edges.get(id.index())
    }

    /// The nodes of the graph in order, with their ids.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &Node)> + '_ {
        self.nodes
            .iter()
            .filter_map(move |&id| self.arena.get(id.index()).map(|n| (id, n)))
    }

    /// Sum of the flat and of the cum values of the graph's nodes (pprof's
    /// `Nodes.Sum`).
    pub fn sum(&self) -> (i64, i64) {
        self.iter().fold((0i64, 0i64), |(f, c), (_, n)| {
            (f.wrapping_add(n.flat), c.wrapping_add(n.cum))
        })
    }

    /// Sorts by cum with `cum`, by flat otherwise, or by entropy score for
    /// pictures with `visual_mode` (pprof's `SortNodes`).
    pub fn sort_nodes(&mut self, cum: bool, visual_mode: bool) {
        let order = if visual_mode {
            NodeOrder::Entropy
        } else if cum {
            NodeOrder::CumName
        } else {
            NodeOrder::FlatName
        };
        self.sort(order);
    }
}
