//! Node, edge and tag trimming (pprof's `Discard*`, `Select*`, `Trim*` and
//! `RemoveRedundantEdges`).

use std::collections::{HashSet, VecDeque};

use crate::options::NodeSet;
use crate::types::{EdgeId, Node, NodeId};
use crate::Graph;

/// A set of nodes of one graph, by id: the kept set for trimming a tree,
/// where node identities may repeat.
pub type NodePtrSet = HashSet<NodeId>;

/// Number of tag boxes shown per node in pictures; tags count as nodes when
/// selecting the top nodes for a picture.
const MAX_NODELETS: usize = 4;

/// Go's `abs64`, by which pprof compares values with cutoffs: the
/// magnitude of `v`, except that -2^63 stays itself (negative).
///
/// ```
/// assert_eq!(pprof_graph::abs64(-5), 5);
/// assert_eq!(pprof_graph::abs64(i64::MIN), i64::MIN);
/// ```
pub fn abs64(v: i64) -> i64 {
    v.wrapping_abs()
}

impl Graph {
    fn above_cutoff(&self, cutoff: i64) -> impl Iterator<Item = (NodeId, &Node)> + '_ {
        self.iter().filter(move |(_, n)| abs64(n.cum) >= cutoff)
    }

    /// Identities of the nodes whose |cum| is at least `cutoff` (pprof's
    /// `DiscardLowFrequencyNodes`), to rebuild the graph with
    /// [`crate::Options::kept_nodes`].
    pub fn discard_low_frequency_nodes(&self, cutoff: i64) -> NodeSet {
        self.above_cutoff(cutoff)
            .map(|(_, n)| n.info.clone())
            .collect()
    }

    /// Ids of the nodes whose |cum| is at least `cutoff`, to trim a tree
    /// with [`Graph::trim_tree`].
    pub fn discard_low_frequency_node_ptrs(&self, cutoff: i64) -> NodePtrSet {
        self.above_cutoff(cutoff).map(|(id, _)| id).collect()
    }

    /// Drops the tags whose |flat| and |cum| are both below `cutoff`
    /// ([`abs64`]'s, as pprof compares them: a value of -2^63 is below any
    /// cutoff).
    pub fn trim_low_frequency_tags(&mut self, cutoff: i64) {
        let keep = |t: &crate::Tag| abs64(t.flat) >= cutoff || abs64(t.cum) >= cutoff;
        for &id in &self.nodes {
            if let Some(n) = self.arena.get_mut(id.index()) {
                n.label_tags.retain(|_, t| keep(t));
                for m in n.numeric_tags.values_mut() {
                    m.retain(|_, t| keep(t));
                }
            }
        }
    }

    /// Removes the incoming edges of graph nodes whose |weight| is below
    /// `cutoff` (as [`abs64`] has it); returns how many were removed.
    pub fn trim_low_frequency_edges(&mut self, cutoff: i64) -> usize {
        // Below a cutoff of 0 or less is only a weight of -2^63: when no
        // edge has one, no node need be read.
        if cutoff <= 0 && !self.edges.iter().any(|e| abs64(e.weight) < cutoff) {
            return 0;
        }
        let mut dropped = Vec::new();
        for &id in &self.nodes {
            if let Some(n) = self.arena.get(id.index()) {
                for &e in &n.in_edges {
                    if let Some(edge) = self.edges.get(e.index()) {
                        if abs64(edge.weight) < cutoff {
                            dropped.push(e);
                        }
                    }
                }
            }
        }
        for &e in &dropped {
            self.unlink_edge(e);
        }
        dropped.len()
    }

    /// Removes an edge from the edge lists of its source and destination.
    pub fn unlink_edge(&mut self, e: EdgeId) {
        let Some(edge) = self.edges.get(e.index()) else {
            return;
        };
        let (src, dest) = (edge.src, edge.dest);
        if let Some(n) = self.arena.get_mut(src.index()) {
            n.out_edges.retain(|&x| x != e);
        }
        if let Some(n) = self.arena.get_mut(dest.index()) {
            n.in_edges.retain(|&x| x != e);
        }
    }

    /// The first `max_nodes` nodes in the current order (pprof's
    /// `selectTopNodes`); in `visual_mode`, up to 4 tags with a flat value
    /// count as nodes too.
    pub fn top_nodes(&self, max_nodes: usize, visual_mode: bool) -> &[NodeId] {
        let mut max = max_nodes;
        if max > 0 && visual_mode {
            let mut count = 0usize;
            for (i, &id) in self.nodes.iter().enumerate() {
                let tags = self.arena.get(id.index()).map_or(0, count_tags);
                count += tags.min(MAX_NODELETS) + 1;
                if count >= max {
                    max = i + 1;
                    break;
                }
            }
        }
        &self.nodes[..max.min(self.nodes.len())]
    }

    /// Identities of the top nodes (pprof's `SelectTopNodes`).
    pub fn select_top_nodes(&self, max_nodes: usize, visual_mode: bool) -> NodeSet {
        // As pprof's, the set leaves out a node below a cutoff of 0: one
        // whose cum is -2^63 ([`abs64`]).
        self.top_nodes(max_nodes, visual_mode)
            .iter()
            .filter_map(|&id| self.arena.get(id.index()))
            .filter(|n| abs64(n.cum) >= 0)
            .map(|n| n.info.clone())
            .collect()
    }

    /// Ids of the top nodes (pprof's `SelectTopNodePtrs`).
    pub fn select_top_node_ptrs(&self, max_nodes: usize, visual_mode: bool) -> NodePtrSet {
        self.top_nodes(max_nodes, visual_mode)
            .iter()
            .copied()
            .collect()
    }

    /// Trims a call tree to the `kept` nodes: the children of a removed node
    /// are attached to its parent by residual edges (inline when both
    /// edges were inline), and the children of a removed root become roots
    /// (pprof's `TrimTree`). Then removes redundant edges.
    pub fn trim_tree(&mut self, kept: &NodePtrSet) {
        let old = std::mem::take(&mut self.nodes);
        let mut new = Vec::with_capacity(kept.len());
        for cur in old {
            if kept.contains(&cur) {
                new.push(cur);
                continue;
            }
            let (ins, outs) = match self.arena.get_mut(cur.index()) {
                Some(n) => (n.in_edges.clone(), std::mem::take(&mut n.out_edges)),
                None => continue,
            };
            let Some(&pe) = ins.first() else {
                // A root: its children become roots.
                for e in outs {
                    if let Some(dest) = self.edges.get(e.index()).map(|e| e.dest) {
                        if let Some(d) = self.arena.get_mut(dest.index()) {
                            d.in_edges.retain(|&x| x != e);
                        }
                    }
                }
                continue;
            };
            let Some((parent, parent_inline)) =
                self.edges.get(pe.index()).map(|e| (e.src, e.inline))
            else {
                continue;
            };
            if let Some(p) = self.arena.get_mut(parent.index()) {
                p.out_edges.retain(|&x| x != pe);
            }
            for e in outs {
                let Some(edge) = self.edges.get_mut(e.index()) else {
                    continue;
                };
                edge.src = parent;
                edge.residual = true;
                edge.inline = parent_inline && edge.inline;
                if let Some(p) = self.arena.get_mut(parent.index()) {
                    p.out_edges.push(e);
                }
            }
        }
        self.nodes = new;
        self.remove_redundant_edges();
    }

    /// Removes residual edges whose destination is reachable from their
    /// source another way, lightest first, stopping at each node's first
    /// non-residual incoming edge (pprof's `RemoveRedundantEdges`).
    pub fn remove_redundant_edges(&mut self) {
        for i in (0..self.nodes.len()).rev() {
            let Some(&id) = self.nodes.get(i) else {
                continue;
            };
            let ins = self.sorted_in_edges(id);
            for &e in ins.iter().rev() {
                let Some(edge) = self.edges.get(e.index()) else {
                    continue;
                };
                if !edge.residual {
                    break;
                }
                if self.is_redundant_edge(e) {
                    self.unlink_edge(e);
                }
            }
        }
    }

    fn is_redundant_edge(&self, e: EdgeId) -> bool {
        let Some(edge) = self.edges.get(e.index()) else {
            return false;
        };
        let (src, start) = (edge.src, edge.dest);
        let mut seen = HashSet::new();
        seen.insert(start);
        let mut queue = VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            let Some(node) = self.arena.get(n.index()) else {
                continue;
            };
            for &ie in &node.in_edges {
                let Some(iedge) = self.edges.get(ie.index()) else {
                    continue;
                };
                if ie == e || seen.contains(&iedge.src) {
                    continue;
                }
                if iedge.src == src {
                    return true;
                }
                seen.insert(iedge.src);
                queue.push_back(iedge.src);
            }
        }
        false
    }
}

fn count_tags(n: &Node) -> usize {
    let labels = n.label_tags.values().filter(|t| t.flat != 0).count();
    let numeric: usize = n
        .numeric_tags
        .values()
        .map(|m| m.values().filter(|t| t.flat != 0).count())
        .sum();
    labels + numeric
}
