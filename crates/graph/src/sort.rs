//! Node and edge orderings (pprof's `Nodes.Sort` and `EdgeMap.Sort`).

use std::collections::HashMap;

use crate::trim::abs64;
use crate::types::{EdgeId, Node, NodeId};
use crate::Graph;

/// Orderings for [`Graph::sort`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeOrder {
    /// Decreasing |flat|, then name, then decreasing |cum|.
    FlatName,
    /// Decreasing |flat|, then decreasing |cum|, then name.
    FlatCumName,
    /// Decreasing |cum|, then name, then decreasing |flat|.
    CumName,
    /// Function name.
    Name,
    /// File name, then start line.
    File,
    /// Address.
    Address,
    /// Decreasing entropy score (favours nodes where flows split or join),
    /// then name, then decreasing |flat|: the order for call graph pictures.
    Entropy,
}

/// Nodes per half below which one thread sorts them.
const PARALLEL_MIN_SORTED: usize = 20_000;

impl Graph {
    /// Sorts the node list (pprof's `Nodes.Sort`). Ties are broken by the
    /// text of the whole node identity, as pprof does.
    pub fn sort(&mut self, order: NodeOrder) {
        let mut nodes = std::mem::take(&mut self.nodes);
        self.sort_ids(&mut nodes, order);
        self.nodes = nodes;
    }

    /// Sorts any list of node ids of this graph by `order`.
    pub fn sort_ids(&self, ids: &mut [NodeId], order: NodeOrder) {
        self.sort_ids_in_halves(ids, order, PARALLEL_MIN_SORTED);
    }

    /// [`Graph::sort_ids`], on two threads when each half has at least
    /// `min_half` ids.
    fn sort_ids_in_halves(&self, ids: &mut [NodeId], order: NodeOrder, min_half: usize) {
        let needs_names = matches!(
            order,
            NodeOrder::FlatName | NodeOrder::FlatCumName | NodeOrder::CumName | NodeOrder::Entropy
        );
        // (Items are moved many times as they are sorted: they are kept
        // small, the node itself looked up by id when it is needed.)
        struct Item {
            id: NodeId,
            /// The item's place in its half's list: sorting without keeping
            /// the order of equal items, then breaking ties by place, gives
            /// the order a stable sort gives (faster on large lists).
            at: u32,
            score: i64,
            /// The node's values, kept with the item so that comparing two
            /// items reads neither node.
            flat: i64,
            cum: i64,
            /// The name's first 16 bytes as a number that orders like them
            /// (zeros after a shorter name): most names differ there, so
            /// that comparing them seldom reads the names themselves.
            prefix: u128,
            /// The whole name, made only for the items that the values and
            /// the prefix do not order (see `named` below).
            name: Option<Box<str>>,
        }
        let empty = Node::default();
        let node_by_id = |id: NodeId| self.arena.get(id.index()).unwrap_or(&empty);
        let node_of = |i: &Item| node_by_id(i.id);
        // (One reused text serves to find the names' first bytes.)
        let item = |at: usize, &id: &NodeId, text: &mut String| {
            let node = node_by_id(id);
            let score = match order {
                NodeOrder::CumName => node.cum,
                NodeOrder::Entropy => self.entropy_score(node),
                _ => 0,
            };
            let prefix = if needs_names {
                node.info.printable_prefix(text)
            } else {
                0
            };
            Item {
                id,
                at: at as u32,
                score,
                flat: node.flat,
                cum: node.cum,
                prefix,
                name: None,
            }
        };
        fn name_of<'i>(i: &'i Item, node: &Node) -> std::borrow::Cow<'i, str> {
            match &i.name {
                Some(n) => std::borrow::Cow::Borrowed(n),
                None => std::borrow::Cow::Owned(node.info.printable_name()),
            }
        }
        // Orders like comparing the names: prefixes that differ order as
        // their names do. (Items that get here have their names, made
        // below; one without is named now.)
        let by_name = |l: &Item, r: &Item| {
            (l.prefix.cmp(&r.prefix))
                .then_with(|| name_of(l, node_of(l)).cmp(&name_of(r, node_of(r))))
        };
        let tie =
            |l: &Item, r: &Item| (node_of(l).info.go_sprint()).cmp(&node_of(r).info.go_sprint());
        let abs_desc = |a: i64, b: i64| abs64(b).cmp(&abs64(a));
        // The order up to the names' first 16 bytes: items it finds equal
        // are the ones whose whole names are needed.
        let coarse = |l: &Item, r: &Item| match order {
            NodeOrder::FlatName => abs_desc(l.flat, r.flat).then_with(|| l.prefix.cmp(&r.prefix)),
            NodeOrder::FlatCumName => abs_desc(l.flat, r.flat)
                .then_with(|| abs_desc(l.cum, r.cum))
                .then_with(|| l.prefix.cmp(&r.prefix)),
            NodeOrder::CumName | NodeOrder::Entropy => {
                abs_desc(l.score, r.score).then_with(|| l.prefix.cmp(&r.prefix))
            }
            NodeOrder::Name | NodeOrder::File | NodeOrder::Address => std::cmp::Ordering::Equal,
        };
        let cmp = |l: &Item, r: &Item| {
            let (a, b) = (node_of(l), node_of(r));
            match order {
                NodeOrder::FlatName => abs_desc(l.flat, r.flat)
                    .then_with(|| by_name(l, r))
                    .then_with(|| abs_desc(l.cum, r.cum)),
                NodeOrder::FlatCumName => abs_desc(l.flat, r.flat)
                    .then_with(|| abs_desc(l.cum, r.cum))
                    .then_with(|| by_name(l, r)),
                NodeOrder::CumName | NodeOrder::Entropy => abs_desc(l.score, r.score)
                    .then_with(|| by_name(l, r))
                    .then_with(|| abs_desc(l.flat, r.flat)),
                NodeOrder::Name => a.info.name.cmp(&b.info.name),
                NodeOrder::File => a
                    .info
                    .file
                    .cmp(&b.info.file)
                    .then_with(|| a.info.start_line.cmp(&b.info.start_line)),
                NodeOrder::Address => a.info.address.cmp(&b.info.address),
            }
            .then_with(|| tie(l, r))
        };
        let named = |run: &mut [Item]| {
            for i in run.iter_mut().filter(|i| i.name.is_none()) {
                i.name = Some(node_of(i).info.printable_name().into_boxed_str());
            }
        };
        // Each half sorted on its own thread, then merged (stably: the
        // first half first among equals): by values and name prefixes
        // first, then each run those leave tied, named, by the whole order.
        let sorted = |r: std::ops::Range<usize>| {
            let mut text = String::new();
            let mut items: Vec<Item> = (ids[r].iter().enumerate())
                .map(|(at, id)| item(at, id, &mut text))
                .collect();
            let by_place = |l: &Item, r: &Item| l.at.cmp(&r.at);
            if !needs_names {
                items.sort_unstable_by(|l, r| cmp(l, r).then_with(|| by_place(l, r)));
                return items;
            }
            items.sort_unstable_by(|l, r| coarse(l, r).then_with(|| by_place(l, r)));
            let mut at = 0;
            while at < items.len() {
                let first = &items[at];
                let tied = (items[at + 1..].iter())
                    .take_while(|i| coarse(first, i).is_eq())
                    .count();
                let run = &mut items[at..at + 1 + tied];
                if tied > 0 {
                    named(run);
                    run.sort_unstable_by(|l, r| cmp(l, r).then_with(|| by_place(l, r)));
                }
                at += 1 + tied;
            }
            items
        };
        let mut halves = pprof_model::chunks::in_halves(ids.len(), min_half, sorted);
        // Items of one half that tie with items of the other by values and
        // prefix are named too, for the merge.
        if let (a, Some(b)) = &mut halves {
            if needs_names {
                let (mut i, mut j) = (0, 0);
                while i < a.len() && j < b.len() {
                    match coarse(&a[i], &b[j]) {
                        std::cmp::Ordering::Less => i += 1,
                        std::cmp::Ordering::Greater => j += 1,
                        std::cmp::Ordering::Equal => {
                            let ia = i + a[i..]
                                .iter()
                                .take_while(|x| coarse(x, &b[j]).is_eq())
                                .count();
                            let jb = j + b[j..]
                                .iter()
                                .take_while(|y| coarse(&a[i], y).is_eq())
                                .count();
                            named(&mut a[i..ia]);
                            named(&mut b[j..jb]);
                            (i, j) = (ia, jb);
                        }
                    }
                }
            }
        }
        let mut slots = ids.iter_mut();
        let put = |item: Item| {
            if let Some(slot) = slots.next() {
                *slot = item.id;
            }
        };
        match halves {
            (items, None) => items.into_iter().for_each(put),
            (a, Some(b)) => {
                let less = |x: &Item, y: &Item| cmp(x, y) == std::cmp::Ordering::Less;
                merge_sorted_into(a, b, less, put);
            }
        }
    }

    /// pprof's `entropyScore`.
    fn entropy_score(&self, n: &Node) -> i64 {
        let mut score = 0f64;
        if n.in_edges.is_empty() {
            score += 1.0;
        } else {
            score += self.edge_entropy(&n.in_edges, 0);
        }
        if n.out_edges.is_empty() {
            score += 1.0;
        } else {
            score += self.edge_entropy(&n.out_edges, n.flat);
        }
        let x = score * n.cum as f64;
        // Go's float-to-int conversion on amd64: NaN and out-of-range values
        // give the most negative integer.
        const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
        let v = if x.is_nan() || !(-LIMIT..LIMIT).contains(&x) {
            i64::MIN
        } else {
            x as i64
        };
        v.wrapping_add(n.flat)
    }

    fn edge_entropy(&self, edges: &[EdgeId], own: i64) -> f64 {
        let weights = || {
            edges
                .iter()
                .filter_map(|e| self.edges.get(e.index()))
                .map(|e| e.weight)
        };
        let mut total = own;
        for w in weights() {
            if w > 0 {
                total = total.wrapping_add(abs64(w));
            }
        }
        let mut score = 0f64;
        if total != 0 {
            for w in weights() {
                let frac = abs64(w) as f64 / total as f64;
                score += -frac * frac.log2();
            }
            if own > 0 {
                let frac = abs64(own) as f64 / total as f64;
                score += -frac * frac.log2();
            }
        }
        score
    }

    /// Edges sorted by decreasing |weight|, then source name, then
    /// destination name (pprof's `EdgeMap.Sort`). Names are made only for
    /// edges of equal weight.
    pub fn sort_edges(&self, edges: &[EdgeId]) -> Vec<EdgeId> {
        let mut out = Vec::with_capacity(edges.len());
        self.extend_sorted_edges(edges, &mut out);
        out
    }

    /// Appends `edges` to `out` sorted like [`Graph::sort_edges`] (edges
    /// not in the graph, or with an end not in it, left out), with no
    /// allocation unless edges of equal weight need their names.
    pub fn extend_sorted_edges(&self, edges: &[EdgeId], out: &mut Vec<EdgeId>) {
        let start = out.len();
        // |weight| as pprof orders it ([`abs64`]: -2^63 the least).
        let weight = |id: EdgeId| -> Option<i64> {
            let e = self.edges.get(id.index())?;
            self.arena.get(e.src.index())?;
            self.arena.get(e.dest.index())?;
            Some(abs64(e.weight))
        };
        out.extend(edges.iter().copied().filter(|&id| weight(id).is_some()));
        let items = &mut out[start..];
        if items.len() < 2 {
            return;
        }
        let ends = |id: EdgeId| {
            self.edges
                .get(id.index())
                .map_or((NodeId(u32::MAX), NodeId(u32::MAX)), |e| (e.src, e.dest))
        };
        // Stable: by weight first, then each run of equal weights by names:
        // by the names' first 16 bytes, then the runs those leave tied by
        // the whole names.
        items.sort_by_key(|&id| std::cmp::Reverse(weight(id).unwrap_or(0)));
        let mut scratch = String::new();
        let mut prefix = |n: NodeId, skip: bool| -> u128 {
            match self.arena.get(n.index()) {
                Some(n) if !skip => n.info.printable_prefix(&mut scratch),
                _ => 0,
            }
        };
        let name = |n: NodeId| {
            self.arena
                .get(n.index())
                .map(|n| n.info.printable_name())
                .unwrap_or_default()
        };
        // Each node of a tied run is named once (the edges of one node
        // share their source or their destination).
        let mut names: Vec<String> = Vec::new();
        let mut named_nodes: HashMap<NodeId, usize> = HashMap::new();
        // (edge, source prefix, destination prefix), and the runs of it
        // that the prefixes leave tied.
        let mut keyed: Vec<(EdgeId, u128, u128)> = Vec::new();
        let mut tied_runs: Vec<std::ops::Range<usize>> = Vec::new();
        let mut at = 0;
        while at < items.len() {
            let w = weight(items[at]);
            let end = at + items[at..].iter().take_while(|&&i| weight(i) == w).count();
            if end - at > 1 {
                let run = &mut items[at..end];
                // An end shared by the whole run does not order it and is
                // not named.
                let (src0, dest0) = ends(run[0]);
                let same_src = run.iter().all(|&i| ends(i).0 == src0);
                let same_dest = run.iter().all(|&i| ends(i).1 == dest0);
                keyed.clear();
                for &i in run.iter() {
                    let (src, dest) = ends(i);
                    keyed.push((i, prefix(src, same_src), prefix(dest, same_dest)));
                }
                keyed.sort_by_key(|&(_, s, d)| (s, d));
                // Runs of equal source prefixes: ordered by the destination
                // prefixes when their sources are one node, else by the
                // whole names; what the prefixes leave tied, by the whole
                // names.
                let mut k = 0;
                while k < keyed.len() {
                    let (e0, s0, d0) = keyed[k];
                    let run_s = keyed[k..].iter().take_while(|e| e.1 == s0).count();
                    let one_src = keyed[k..k + run_s]
                        .iter()
                        .all(|e| ends(e.0).0 == ends(e0).0);
                    if !one_src {
                        tied_runs.push(k..k + run_s);
                        k += run_s;
                        continue;
                    }
                    let run_d = keyed[k..k + run_s].iter().take_while(|e| e.2 == d0).count();
                    if run_d > 1 {
                        tied_runs.push(k..k + run_d);
                    }
                    k += run_d;
                }
                for r in tied_runs.drain(..) {
                    let mut name_of = |n: NodeId, skip: bool| -> usize {
                        if skip {
                            return usize::MAX;
                        }
                        *named_nodes.entry(n).or_insert_with(|| {
                            names.push(name(n));
                            names.len() - 1
                        })
                    };
                    let mut named: Vec<(EdgeId, usize, usize)> = Vec::with_capacity(r.len());
                    for &(i, _, _) in &keyed[r.clone()] {
                        let (src, dest) = ends(i);
                        named.push((i, name_of(src, same_src), name_of(dest, same_dest)));
                    }
                    let text = |i: usize| names.get(i).map_or("", String::as_str);
                    named.sort_by(|a, b| {
                        text(a.1)
                            .cmp(text(b.1))
                            .then_with(|| text(a.2).cmp(text(b.2)))
                    });
                    for (slot, n) in keyed[r].iter_mut().zip(named) {
                        slot.0 = n.0;
                    }
                }
                for (slot, e) in run.iter_mut().zip(&keyed) {
                    *slot = e.0;
                }
            }
            at = end;
        }
    }

    /// The incoming edges of a node, sorted like [`Graph::sort_edges`].
    pub fn sorted_in_edges(&self, n: NodeId) -> Vec<EdgeId> {
        self.arena
            .get(n.index())
            .map_or_else(Vec::new, |node| self.sort_edges(&node.in_edges))
    }

    /// The outgoing edges of a node, sorted like [`Graph::sort_edges`].
    pub fn sorted_out_edges(&self, n: NodeId) -> Vec<EdgeId> {
        self.arena
            .get(n.index())
            .map_or_else(Vec::new, |node| self.sort_edges(&node.out_edges))
    }

    /// Appends the outgoing edges of a node to `out`, sorted like
    /// [`Graph::sort_edges`].
    pub fn extend_sorted_out_edges(&self, n: NodeId, out: &mut Vec<EdgeId>) {
        if let Some(node) = self.arena.get(n.index()) {
            self.extend_sorted_edges(&node.out_edges, out);
        }
    }
}

/// Two lists, each sorted by `less`, merged: their items given to `out`
/// in sorted order; among equal items those of `a` come first (a stable
/// merge).
pub(crate) fn merge_sorted_into<T>(
    a: Vec<T>,
    b: Vec<T>,
    less: impl Fn(&T, &T) -> bool,
    mut out: impl FnMut(T),
) {
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    loop {
        let from_b = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => less(y, x),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        match if from_b { b.next() } else { a.next() } {
            Some(item) => out(item),
            None => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Edge, NodeInfo};

    #[test]
    fn halves_sort_as_one() {
        let mut next = pprof_testkit::numbers(7);
        let mut g = Graph::default();
        for i in 0..3000u32 {
            let flat = next(4) as i64 - 1;
            g.arena.push(Node {
                info: NodeInfo {
                    // Few names and addresses: many ties, some complete.
                    name: format!("f{}", next(50)),
                    address: next(3),
                    lineno: next(2) as i64,
                    ..Default::default()
                },
                flat,
                cum: flat + next(3) as i64,
                ..Default::default()
            });
            g.nodes.push(NodeId(i));
        }
        for _ in 0..6000 {
            let (src, dest) = (NodeId(next(3000) as u32), NodeId(next(3000) as u32));
            let id = EdgeId(g.edges.len() as u32);
            g.edges.push(Edge {
                src,
                dest,
                weight: next(5) as i64,
                weight_div: 0,
                residual: false,
                inline: false,
            });
            g.arena[src.index()].out_edges.push(id);
            g.arena[dest.index()].in_edges.push(id);
        }
        for order in [
            NodeOrder::FlatName,
            NodeOrder::FlatCumName,
            NodeOrder::CumName,
            NodeOrder::Name,
            NodeOrder::File,
            NodeOrder::Address,
            NodeOrder::Entropy,
        ] {
            let mut one = g.nodes.clone();
            g.sort_ids_in_halves(&mut one, order, usize::MAX);
            // The orders by names, compared plainly: the whole names,
            // whatever the values and first bytes.
            let abs_desc = |a: i64, b: i64| abs64(b).cmp(&abs64(a));
            let plain = |a: &NodeId, b: &NodeId| {
                let (x, y) = (&g.arena[a.index()], &g.arena[b.index()]);
                let names = || x.info.printable_name().cmp(&y.info.printable_name());
                let by_value = match order {
                    NodeOrder::FlatName => abs_desc(x.flat, y.flat)
                        .then_with(names)
                        .then_with(|| abs_desc(x.cum, y.cum)),
                    NodeOrder::FlatCumName => abs_desc(x.flat, y.flat)
                        .then_with(|| abs_desc(x.cum, y.cum))
                        .then_with(names),
                    NodeOrder::CumName => abs_desc(x.cum, y.cum)
                        .then_with(names)
                        .then_with(|| abs_desc(x.flat, y.flat)),
                    NodeOrder::Entropy => abs_desc(g.entropy_score(x), g.entropy_score(y))
                        .then_with(names)
                        .then_with(|| abs_desc(x.flat, y.flat)),
                    _ => std::cmp::Ordering::Equal,
                };
                by_value.then_with(|| x.info.go_sprint().cmp(&y.info.go_sprint()))
            };
            if !matches!(
                order,
                NodeOrder::Name | NodeOrder::File | NodeOrder::Address
            ) {
                let mut want = g.nodes.clone();
                want.sort_by(plain);
                assert_eq!(one, want, "{order:?}");
            }
            for min_half in [1, 7, 1000] {
                let mut two = g.nodes.clone();
                g.sort_ids_in_halves(&mut two, order, min_half);
                assert_eq!(one, two, "{order:?} in halves of at least {min_half}");
            }
            assert_ne!(one, g.nodes, "{order:?} reorders");
        }
    }

    #[test]
    fn edges_sort_by_weight_then_names_and_append() {
        let mut next = pprof_testkit::numbers(11);
        let mut g = Graph::default();
        for i in 0..40u32 {
            g.arena.push(Node {
                info: NodeInfo {
                    // Few names: nodes with equal names tie completely;
                    // some longer than the 16 bytes compared first.
                    name: format!(
                        "{}f{}",
                        if i % 4 < 2 {
                            "example.com/pkg.(*T)."
                        } else {
                            ""
                        },
                        next(12)
                    ),
                    address: u64::from(i % 3) * 0x10,
                    ..Default::default()
                },
                ..Default::default()
            });
        }
        for _ in 0..400 {
            let (src, dest) = (NodeId(next(40) as u32), NodeId(next(40) as u32));
            g.edges.push(Edge {
                src,
                dest,
                weight: next(7) as i64 - 3,
                weight_div: 0,
                residual: false,
                inline: false,
            });
        }
        let name = |n: NodeId| g.arena[n.index()].info.printable_name();
        // Lists of every size, with an edge that is not in the graph and
        // one whose destination is not.
        g.edges.push(Edge {
            src: NodeId(0),
            dest: NodeId(99),
            weight: 1,
            weight_div: 0,
            residual: false,
            inline: false,
        });
        let missing = [EdgeId(4000), EdgeId(400)];
        for len in [0usize, 1, 2, 3, 10, 100, 400, 400, 400, 400] {
            let mut list: Vec<EdgeId> = (0..len).map(|_| EdgeId(next(400) as u32)).collect();
            list.extend(missing);
            // All edges of one node share an end, the case of a node's list.
            for shared in [None, Some(true), Some(false)] {
                let mut list = list.clone();
                if let Some(src) = shared {
                    let n = g.edges[0].src;
                    list.retain(|e| {
                        let e = g
                            .edges
                            .get(e.index())
                            .map(|e| if src { e.src } else { e.dest });
                        e.is_none_or(|end| end == n)
                    });
                }
                let mut want: Vec<EdgeId> =
                    (list.iter().copied()).filter(|e| e.index() < 400).collect();
                want.sort_by(|a, b| {
                    let (a, b) = (&g.edges[a.index()], &g.edges[b.index()]);
                    (abs64(b.weight).cmp(&abs64(a.weight)))
                        .then_with(|| name(a.src).cmp(&name(b.src)))
                        .then_with(|| name(a.dest).cmp(&name(b.dest)))
                });
                assert_eq!(g.sort_edges(&list), want, "{len} edges, shared {shared:?}");
                let mut out = vec![EdgeId(7)];
                g.extend_sorted_edges(&list, &mut out);
                assert_eq!(out[0], EdgeId(7));
                assert_eq!(out[1..], want[..], "appended");
            }
        }
    }

    /// Edges of equal weight whose sources share their first 16 bytes are
    /// ordered by the whole source names before their destinations, even
    /// when a destination's first bytes match those of an edge before.
    #[test]
    fn edges_whose_sources_share_first_bytes_sort_by_whole_names() {
        let names = [
            "a",
            "example.com/pkg.(*T).g2",
            "example.com/pkg.(*T).g1",
            "x",
            "y",
        ];
        let mut g = Graph::default();
        for name in names {
            g.arena.push(Node {
                info: NodeInfo {
                    name: name.to_string(),
                    ..Default::default()
                },
                ..Default::default()
            });
        }
        for (src, dest) in [(0, 3), (1, 3), (2, 4), (2, 3), (1, 4)] {
            g.edges.push(Edge {
                src: NodeId(src),
                dest: NodeId(dest),
                weight: 5,
                weight_div: 0,
                residual: false,
                inline: false,
            });
        }
        let text = |e: &EdgeId| {
            let e = &g.edges[e.index()];
            format!("{} -> {}", names[e.src.index()], names[e.dest.index()])
        };
        for list in [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]] {
            let list: Vec<EdgeId> = list.into_iter().map(EdgeId).collect();
            let got: Vec<String> = g.sort_edges(&list).iter().map(text).collect();
            let want = [
                "a -> x",
                "example.com/pkg.(*T).g1 -> x",
                "example.com/pkg.(*T).g1 -> y",
                "example.com/pkg.(*T).g2 -> x",
                "example.com/pkg.(*T).g2 -> y",
            ];
            assert_eq!(got, want, "from {list:?}");
        }
    }

    #[test]
    fn names_sharing_their_first_bytes_sort_as_their_whole_text() {
        // Names equal in their first 16 bytes or more, names that are the
        // start of others, a NUL byte, and addresses that start the text.
        let names = [
            "main.handlerWithALongName",
            "main.handlerWithALongNameToo",
            "main.handlerWithALong",
            "main.handlerWithA",
            "main.handlerWithALongName\0x",
            "main.handlerWithALongNamf",
            "m",
            "",
            "main.handlerWithB",
        ];
        let mut g = Graph::default();
        for (i, name) in names.iter().chain(&names).enumerate() {
            g.arena.push(Node {
                info: NodeInfo {
                    name: name.replace("\\0", "\0"),
                    address: if i >= names.len() {
                        0x1000 + (i % 3) as u64
                    } else {
                        0
                    },
                    lineno: (i % 2) as i64,
                    ..Default::default()
                },
                flat: 5,
                cum: i as i64,
                ..Default::default()
            });
            g.nodes.push(NodeId(i as u32));
        }
        let mut want = g.nodes.clone();
        want.sort_by(|&a, &b| {
            let (a, b) = (&g.arena[a.index()], &g.arena[b.index()]);
            (a.info.printable_name().cmp(&b.info.printable_name())).then(b.cum.cmp(&a.cum))
        });
        let mut got = g.nodes.clone();
        g.sort_ids(&mut got, NodeOrder::FlatName);
        assert_eq!(got, want);
    }
}
