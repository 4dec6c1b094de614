//! Graph construction rules on small profiles built in code.

use pprof_graph::{Granularity, Graph, NodeOrder, Options};
use pprof_model::build::ProfileBuilder;
use pprof_model::{Label, Profile};

fn profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let app = Some(b.mapping("/usr/bin/app", 0, 0));
    let main = b.named_location(app, 0x10, &[("main", "./app/main.go", 3)]);
    let a1 = b.named_location(app, 0x20, &[("inl", "app/x.go", 9), ("a", "app/a.go", 5)]);
    let a2 = b.named_location(app, 0x28, &[("a", "app//a.go", 6)]);
    let bb = b.named_location(app, 0x30, &[("b", "app/a.go", 20)]);
    let bare = b.named_location(app, 0x40, &[]);
    b.sample(&[a1, main], &[10])
        .sample(&[a2, main], &[5])
        .sample(&[bb, a2, main], &[-3])
        .sample(&[bare, main], &[2]);
    b.build()
}

fn rows(g: &Graph) -> Vec<(String, i64, i64)> {
    g.iter()
        .map(|(_, n)| (n.info.printable_name(), n.flat, n.cum))
        .collect()
}

fn graph(o: &Options) -> Graph {
    let mut g = Graph::new(&profile(), o);
    g.sort(NodeOrder::FlatName);
    g
}

#[test]
fn granularities() {
    let mut o = Options::default();
    let r = rows(&graph(&o));
    assert_eq!(
        r,
        vec![
            ("inl".to_string(), 10, 10),
            ("a".to_string(), 5, 12),
            ("b".to_string(), -3, -3),
            ("[app]".to_string(), 2, 2),
            ("main".to_string(), 0, 14),
        ]
    );
    o.granularity = Granularity::Files;
    let r = rows(&graph(&o));
    // Both spellings of app/a.go clean to one file.
    assert!(r.contains(&("app/a.go".to_string(), 2, 12)));
    o.granularity = Granularity::Lines;
    let r = rows(&graph(&o));
    assert!(r.contains(&("a app/a.go:6".to_string(), 5, 2)));
    assert!(r.contains(&("main app/main.go:3".to_string(), 0, 14)));
    o.granularity = Granularity::Addresses;
    let r = rows(&graph(&o));
    assert!(r.contains(&("0000000000000040 [app]".to_string(), 2, 2)));
}

#[test]
fn noinlines_keeps_the_outer_function() {
    let mut o = Options::default();
    o.no_inlines = true;
    let r = rows(&graph(&o));
    // The inlined frame's sample moves to "a": flat 10 + 5, cum 10 + 5 - 3.
    assert_eq!(r[0], ("a".to_string(), 15, 12));
}

#[test]
fn drop_negative_and_inline_edges() {
    let mut o = Options::default();
    o.drop_negative = true;
    let g = graph(&o);
    assert!(g.iter().all(|(_, n)| n.info.name != "b"));
    let inl = g
        .iter()
        .find(|(_, n)| n.info.name == "inl")
        .map(|(id, _)| id)
        .expect("inl");
    let e = g.sorted_in_edges(inl);
    assert!(g.edge(e[0]).expect("edge").inline);
}

#[test]
fn trimming_edges_and_nodes() {
    let mut g = graph(&Options::default());
    let dropped = g.trim_low_frequency_edges(4);
    // main→[app] (2) and a→b (-3) are lighter than 4.
    assert_eq!(dropped, 2);
    let kept = g.discard_low_frequency_nodes(10);
    let mut names: Vec<String> = kept.iter().map(|i| i.printable_name()).collect();
    names.sort();
    assert_eq!(names, ["a", "inl", "main"]);
    assert_eq!(g.select_top_nodes(2, false).len(), 2);
    let mut o = Options::default();
    o.kept_nodes = Some(kept);
    let g = graph(&o);
    let a = g
        .iter()
        .find(|(_, n)| n.info.name == "a")
        .map(|(id, _)| id)
        .expect("a");
    // a's flat from the sample under b is lost with b.
    assert_eq!(g.node(a).map(|n| (n.flat, n.cum)), Some((5, 12)));
}

#[test]
fn redundant_residual_edges_are_removed() {
    // main → x → y, and main → y through a dropped node: residual edge.
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let bin = Some(b.mapping("bin", 0, 0));
    let m = b.named_location(bin, 1, &[("main", "m.go", 1)]);
    let x = b.named_location(bin, 2, &[("x", "m.go", 2)]);
    let y = b.named_location(bin, 3, &[("y", "m.go", 3)]);
    let z = b.named_location(bin, 4, &[("z", "m.go", 4)]);
    b.sample(&[y, x, m], &[10]).sample(&[y, z, m], &[1]);
    let p = b.build();
    let full = Graph::new(&p, &Options::default());
    let mut kept = full.discard_low_frequency_nodes(0);
    kept.retain(|i| i.name != "z");
    let mut o = Options::default();
    o.kept_nodes = Some(kept);
    let mut g = Graph::new(&p, &o);
    g.sort_nodes(false, true);
    let main = g
        .iter()
        .find(|(_, n)| n.info.name == "main")
        .map(|(id, _)| id)
        .expect("main");
    assert_eq!(g.node(main).map(|n| n.out_edges.len()), Some(2));
    g.remove_redundant_edges();
    let outs: Vec<String> = g
        .sorted_out_edges(main)
        .into_iter()
        .filter_map(|e| g.edge(e).and_then(|e| g.node(e.dest)))
        .map(|n| n.info.name.clone())
        .collect();
    assert_eq!(outs, ["x"]);
}

#[test]
fn tags_and_visual_selection() {
    let mut p = profile();
    let (k, v1, v2) = (p.intern("k"), p.intern("v1"), p.intern("v2"));
    p.samples.edit(0, |smp| {
        smp.labels.push(Label {
            key: k,
            str: v1,
            ..Default::default()
        });
    });
    p.samples.edit(1, |smp| {
        smp.labels.push(Label {
            key: k,
            str: v2,
            ..Default::default()
        });
    });
    let mut o = Options::default();
    o.compute_tags = true;
    let mut g = Graph::new(&p, &o);
    g.sort_nodes(false, false);
    let main = g
        .iter()
        .find(|(_, n)| n.info.name == "main")
        .map(|(_, n)| n)
        .expect("main");
    assert_eq!(main.label_tags.get("k:v1").map(|t| t.cum), Some(10));
    // In visual mode, the two flat tags of "inl" and "a" count as nodes.
    assert!(g.top_nodes(3, true).len() < g.top_nodes(3, false).len());
}

/// The edges of `g` by name (source, destination, weight, residual,
/// inline), sorted.
fn edges(g: &Graph) -> Vec<(String, String, i64, bool, bool)> {
    let name = |id| g.node(id).map(|n| n.info.printable_name()).unwrap();
    let mut v: Vec<(String, String, i64, bool, bool)> = g
        .edges
        .iter()
        .map(|e| (name(e.src), name(e.dest), e.weight, e.residual, e.inline))
        .collect();
    v.sort();
    v
}

#[test]
fn edges_of_keeps_the_edges_of_the_nodes_it_passes() {
    let full = graph(&Options::default());
    let mut o = Options::default();
    o.edges = pprof_graph::Edges::Of(pprof_graph::NodeFilter::new(|n| n.printable_name() == "a"));
    let some = graph(&o);
    // The same nodes and values; only the edges into or out of `a`.
    assert_eq!(rows(&some), rows(&full));
    let want: Vec<_> = edges(&full)
        .into_iter()
        .filter(|e| e.0 == "a" || e.1 == "a")
        .collect();
    assert!(!want.is_empty() && want.len() < edges(&full).len());
    assert_eq!(edges(&some), want);
}

#[test]
fn inline_edges_are_kept_whole_with_into_inlined() {
    // `inl` is inlined into `a` at 0x20 and called (not inlined) from `b`
    // at 0x50; `a` is never inlined.
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let app = Some(b.mapping("/usr/bin/app", 0, 0));
    let main = b.named_location(app, 0x10, &[("main", "./app/main.go", 3)]);
    let a1 = b.named_location(app, 0x20, &[("inl", "app/x.go", 9), ("a", "app/a.go", 5)]);
    let bb = b.named_location(app, 0x30, &[("b", "app/b.go", 20)]);
    let inl = b.named_location(app, 0x50, &[("inl", "app/x.go", 9)]);
    b.sample(&[a1, main], &[10])
        .sample(&[inl, bb, main], &[4])
        .sample(&[bb, main], &[1]);
    let p = b.build();
    let full = Graph::new(&p, &Options::default());
    let mut o = Options::default();
    o.edges = pprof_graph::Edges::IntoInlined;
    let some = Graph::new(&p, &o);
    let rows = |g: &Graph| {
        let mut r: Vec<_> = g
            .iter()
            .map(|(_, n)| (n.info.printable_name(), n.flat, n.cum))
            .collect();
        r.sort();
        r
    };
    assert_eq!(rows(&some), rows(&full));
    // Every edge into `inl`, inline or not; none into `a` or `b`.
    let want: Vec<_> = edges(&full).into_iter().filter(|e| e.1 == "inl").collect();
    assert_eq!(
        want,
        vec![
            ("a".to_string(), "inl".to_string(), 10, false, true),
            ("b".to_string(), "inl".to_string(), 4, false, false),
        ]
    );
    assert!(edges(&full).len() > want.len());
    assert_eq!(edges(&some), want);
}

/// pprof trims what is below the cutoff in magnitude: with a cutoff of 0
/// nothing goes, with 1 only what weighs 0 (here the edge main → g and
/// the tag `k:w` of main and of g, whose samples cancel out).
#[test]
fn a_zero_cutoff_trims_nothing() {
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let app = Some(b.mapping("/usr/bin/app", 0, 0));
    let main = b.named_location(app, 0x10, &[("main", "main.go", 3)]);
    let f = b.named_location(app, 0x20, &[("f", "f.go", 5)]);
    let g = b.named_location(app, 0x30, &[("g", "g.go", 7)]);
    b.labelled_sample(&[f, main], &[4], &[("k", "v")])
        .labelled_sample(&[g, main], &[5], &[("k", "w")])
        .labelled_sample(&[g, main], &[-5], &[("k", "w")])
        .sample(&[g], &[3]);
    let p = b.build();
    let mut o = Options::default();
    o.compute_tags = true;
    let edges = |g: &Graph| g.iter().map(|(_, n)| n.in_edges.len()).sum::<usize>();
    let tags = |g: &Graph| g.iter().map(|(_, n)| n.label_tags.len()).sum::<usize>();
    let mut graph = Graph::new(&p, &o);
    let (e, t) = (edges(&graph), tags(&graph));
    assert_eq!((e, t), (2, 4));
    assert_eq!(graph.trim_low_frequency_edges(0), 0);
    graph.trim_low_frequency_tags(0);
    assert_eq!((edges(&graph), tags(&graph)), (e, t));
    assert_eq!(graph.trim_low_frequency_edges(1), 1);
    graph.trim_low_frequency_tags(1);
    assert_eq!((edges(&graph), tags(&graph)), (e - 1, t - 2));
}

/// A graph of kept nodes takes their values from the graph they were
/// chosen from, with the nodes themselves, whether it collects edges (here
/// the edges into inlined nodes, as text reports want them, with `inl`, the
/// only node ever inlined, kept) or not. From a graph made by hand (no
/// frames) they are matched by identity when no edge is wanted, and the
/// samples are walked otherwise.
#[test]
fn kept_nodes_take_their_values_from_the_graph_they_were_chosen_from() {
    let p = profile();
    let mut o = Options::default();
    o.edges = pprof_graph::Edges::IntoInlined;
    let stacks = pprof_graph::Stacks::new(&p, 0, false);
    let all = Graph::nodes_only(&p, &o, &stacks);
    let sorted = |g: &Graph| {
        let mut r = rows(g);
        r.sort();
        r
    };
    // The values of `all`, doubled: only a graph that takes them has them.
    let mut doubled = all.clone();
    for n in &mut doubled.arena {
        n.flat *= 2;
        n.cum *= 2;
    }
    let mut by_hand = Graph::default();
    by_hand.arena = doubled.arena.clone();
    by_hand.nodes = doubled.nodes.clone();
    for (names, no_edges) in [
        (&["main", "a", "b"][..], true),
        (&["main", "inl", "a"], false),
    ] {
        let mut ko = o.clone();
        ko.kept_nodes = Some(
            (all.iter())
                .filter(|(_, n)| names.contains(&n.info.name.as_str()))
                .map(|(_, n)| n.info.clone())
                .collect(),
        );
        let walked = Graph::with_stacks(&p, &ko, &stacks);
        assert_eq!(walked.nodes.len(), names.len(), "{names:?}");
        assert_eq!(edges(&walked).is_empty(), no_edges, "{names:?}");
        let from_all = Graph::with_stacks_from(&p, &ko, &stacks, &all);
        assert_eq!(sorted(&from_all), sorted(&walked), "{names:?}");
        assert_eq!(edges(&from_all), edges(&walked), "{names:?}");
        let twice: Vec<_> = (sorted(&walked).into_iter())
            .map(|(n, f, c)| (n, 2 * f, 2 * c))
            .collect();
        let from_doubled = Graph::with_stacks_from(&p, &ko, &stacks, &doubled);
        assert_eq!(sorted(&from_doubled), twice, "{names:?}");
        assert_eq!(edges(&from_doubled), edges(&walked), "{names:?}");
        let from_hand = Graph::with_stacks_from(&p, &ko, &stacks, &by_hand);
        let want = if no_edges { &twice } else { &sorted(&walked) };
        assert_eq!(&sorted(&from_hand), want, "{names:?}");
        // Nodes missing from the graph given: walked.
        let from_none = Graph::with_stacks_from(&p, &ko, &stacks, &Graph::default());
        assert_eq!(sorted(&from_none), sorted(&walked), "{names:?}");
    }
}

/// pprof takes a node of address 0 and line 0 for the node of its whole
/// function even when it has a column (today's pprof): such a node is a
/// function of its own (callgrind then tells the two apart by a suffix).
#[test]
fn a_node_of_address_and_line_0_is_its_own_function() {
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let at0 = b.named_location(None, 0, &[("f", "f.go", 0)]);
    let at10 = b.named_location(None, 0x10, &[("f", "f.go", 1)]);
    let at20 = b.named_location(None, 0x20, &[("f", "f.go", 2)]);
    b.sample(&[at0], &[1])
        .sample(&[at10], &[2])
        .sample(&[at20], &[4]);
    let mut p = b.build();
    for l in &mut p.locations {
        l.lines[0].column = 5;
    }
    let mut o = Options::default();
    o.granularity = Granularity::Addresses;
    let g = Graph::new(&p, &o);
    let function_at = |address: u64| {
        let (_, n) = g.iter().find(|(_, n)| n.info.address == address).unwrap();
        n.function
    };
    assert_ne!(function_at(0), function_at(0x10));
    assert_eq!(function_at(0x10), function_at(0x20));
}
