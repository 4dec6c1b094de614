//! Conversion to [`petgraph`], for graph algorithms this crate does not
//! offer itself: cycles (recursion), dominators, shortest call paths.

use petgraph::graph::{DiGraph, NodeIndex};

use crate::{Graph, NodeId};

impl Graph {
    /// The graph as a petgraph `DiGraph`: one node per node of
    /// [`Graph::nodes`] (weighted by its [`NodeId`]) and one edge per live
    /// edge between them, caller to callee, weighted by the edge weight.
    pub fn to_petgraph(&self) -> DiGraph<NodeId, i64> {
        let mut g = DiGraph::with_capacity(self.nodes.len(), self.nodes.len());
        let mut index: Vec<Option<NodeIndex>> = vec![None; self.arena.len()];
        for &id in &self.nodes {
            if let Some(slot) = index.get_mut(id.index()) {
                *slot = Some(g.add_node(id));
            }
        }
        for &id in &self.nodes {
            let Some(node) = self.node(id) else { continue };
            for &e in &node.out_edges {
                let Some(edge) = self.edge(e) else { continue };
                let src = index.get(edge.src.index()).copied().flatten();
                let dst = index.get(edge.dest.index()).copied().flatten();
                if let (Some(s), Some(d)) = (src, dst) {
                    g.add_edge(s, d, edge.weight);
                }
            }
        }
        g
    }

    /// Groups of nodes that call each other in a cycle (mutual recursion).
    /// Like pprof, the graph has no edge from a node to itself, so direct
    /// recursion of one function forms no group.
    pub fn recursive_groups(&self) -> Vec<Vec<NodeId>> {
        let g = self.to_petgraph();
        petgraph::algo::tarjan_scc(&g)
            .into_iter()
            .filter(|scc| scc.len() > 1 || g.contains_edge(scc[0], scc[0]))
            .map(|scc| scc.into_iter().map(|i| g[i]).collect())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use pprof_model::{
        Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType,
    };

    use crate::{Graph, Options};

    fn profile() -> Profile {
        let mut p = Profile::new();
        let (t, u) = (p.intern("samples"), p.intern("count"));
        p.sample_types.push(ValueType { r#type: t, unit: u });
        for (i, name) in ["main", "even", "odd", "leaf"].iter().enumerate() {
            let n = p.intern(name);
            p.functions.push(Function {
                id: i as u64 + 1,
                name: n,
                system_name: n,
                ..Default::default()
            });
            p.locations.push(Location {
                id: i as u64 + 1,
                lines: vec![Line {
                    function: FunctionId(i as u32),
                    line: 1,
                    column: 0,
                }],
                ..Default::default()
            });
        }
        // main -> even -> odd -> even -> even -> leaf (leaf first in samples), and main -> leaf
        let stack = [3, 1, 1, 2, 1, 0].map(LocationId);
        p.samples.push(Sample {
            locations: stack.to_vec(),
            values: vec![3],
            labels: vec![],
        });
        p.samples.push(Sample {
            locations: vec![LocationId(3), LocationId(0)],
            values: vec![1],
            labels: vec![],
        });
        p
    }

    #[test]
    fn petgraph_has_the_same_nodes_and_edges() {
        let p = profile();
        let g = Graph::new(&p, &Options::default());
        let pg = g.to_petgraph();
        assert_eq!(pg.node_count(), 4);
        let name = |i: petgraph::graph::NodeIndex| {
            g.node(pg[i])
                .map(|n| n.info.name.clone())
                .unwrap_or_default()
        };
        let mut edges: Vec<(String, String, i64)> = pg
            .edge_indices()
            .filter_map(|e| pg.edge_endpoints(e).map(|(a, b)| (name(a), name(b), pg[e])))
            .collect();
        edges.sort();
        assert_eq!(
            edges,
            vec![
                ("even".into(), "leaf".into(), 3),
                ("even".into(), "odd".into(), 3),
                ("main".into(), "even".into(), 3),
                ("main".into(), "leaf".into(), 1),
                ("odd".into(), "even".into(), 3),
            ]
        );
        let groups = g.recursive_groups();
        assert_eq!(groups.len(), 1);
        let mut names: Vec<&str> = groups[0]
            .iter()
            .filter_map(|&id| g.node(id).map(|n| n.info.name.as_str()))
            .collect();
        names.sort();
        assert_eq!(names, vec!["even", "odd"]);
    }
}
