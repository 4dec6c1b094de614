//! Graph construction rules on small profiles built in code.

use pprof_graph::{Granularity, Graph, NodeOrder, Options};
use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// Adds a location with frames (function, file, line), innermost first.
fn loc(p: &mut Profile, address: u64, frames: &[(&str, &str, i64)]) -> LocationId {
    let mut lines = Vec::new();
    for &(name, file, line) in frames {
        let (n, f) = (p.intern(name), p.intern(file));
        let id = match p
            .functions
            .iter()
            .position(|x| x.name == n && x.filename == f)
        {
            Some(i) => i,
            None => {
                p.functions.push(Function {
                    id: p.functions.len() as u64 + 1,
                    name: n,
                    filename: f,
                    ..Default::default()
                });
                p.functions.len() - 1
            }
        };
        lines.push(Line {
            function: FunctionId(id as u32),
            line,
            column: 0,
        });
    }
    p.locations.push(Location {
        id: p.locations.len() as u64 + 1,
        mapping: Some(MappingId(0)),
        address,
        lines,
        is_folded: false,
    });
    LocationId(p.locations.len() as u32 - 1)
}

fn profile() -> Profile {
    let mut p = Profile::new();
    let (t, u) = (p.intern("samples"), p.intern("count"));
    p.sample_types.push(ValueType { r#type: t, unit: u });
    let file = p.intern("/usr/bin/app");
    p.mappings.push(Mapping {
        id: 1,
        file,
        ..Default::default()
    });
    let main = loc(&mut p, 0x10, &[("main", "./app/main.go", 3)]);
    let a1 = loc(
        &mut p,
        0x20,
        &[("inl", "app/x.go", 9), ("a", "app/a.go", 5)],
    );
    let a2 = loc(&mut p, 0x28, &[("a", "app//a.go", 6)]);
    let b = loc(&mut p, 0x30, &[("b", "app/a.go", 20)]);
    let bare = loc(&mut p, 0x40, &[]);
    p.samples.push(Sample {
        locations: vec![a1, main],
        values: vec![10],
        labels: vec![],
    });
    p.samples.push(Sample {
        locations: vec![a2, main],
        values: vec![5],
        labels: vec![],
    });
    p.samples.push(Sample {
        locations: vec![b, a2, main],
        values: vec![-3],
        labels: vec![],
    });
    p.samples.push(Sample {
        locations: vec![bare, main],
        values: vec![2],
        labels: vec![],
    });
    p
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
    let mut p = Profile::new();
    let (t, u) = (p.intern("samples"), p.intern("count"));
    p.sample_types.push(ValueType { r#type: t, unit: u });
    let file = p.intern("bin");
    p.mappings.push(Mapping {
        id: 1,
        file,
        ..Default::default()
    });
    let m = loc(&mut p, 1, &[("main", "m.go", 1)]);
    let x = loc(&mut p, 2, &[("x", "m.go", 2)]);
    let y = loc(&mut p, 3, &[("y", "m.go", 3)]);
    let z = loc(&mut p, 4, &[("z", "m.go", 4)]);
    p.samples.push(Sample {
        locations: vec![y, x, m],
        values: vec![10],
        labels: vec![],
    });
    p.samples.push(Sample {
        locations: vec![y, z, m],
        values: vec![1],
        labels: vec![],
    });
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
