//! DOT output of a call graph.

use pprof_export::{
    compose_dot, escape_for_dot, write_dot, DotAttributes, DotConfig, DotNodeAttributes,
};
use pprof_graph::{Graph, NodeOrder, Options};

use crate::fixtures::{cpu, Builder};

fn graph(p: &pprof_model::Profile, index: usize, tags: bool) -> Graph {
    let mut o = Options::default();
    o.sample_index = index;
    o.compute_tags = tags;
    let mut g = Graph::new(p, &o);
    g.sort(NodeOrder::FlatName);
    g
}

fn ns(v: i64) -> String {
    format!("{v}ns")
}

fn config(f: &dyn Fn(i64) -> String, total: i64) -> DotConfig<'_> {
    DotConfig {
        title: "demo".to_string(),
        legend_url: String::new(),
        labels: vec!["File: demo".to_string(), "Type: \"cpu\"".to_string()],
        format_value: f,
        total,
        dialect: pprof_model::Dialect::Go127,
    }
}

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn header_legend_and_nodes() {
    let p = cpu();
    let g = graph(&p, 1, false);
    let out = compose_dot(&g, &DotAttributes::default(), &config(&ns, 10000));
    let l = lines(&out);
    assert_eq!(l[0], "digraph \"demo\" {");
    assert_eq!(l[1], "node [style=filled fillcolor=\"#f8f8f8\"]");
    assert_eq!(
        l[2],
        "subgraph cluster_L { \"File: demo\" [shape=box fontsize=16 label=\"File: demo\\lType: \\\"cpu\\\"\\l\" tooltip=\"demo\"] }"
    );
    // Flat order: fib 5000, mix 3000, work 2000, then main.main and
    // main.run (flat 0) by name. Full share of the total is red (#b20000
    // on #edd5d5); font size 8 + ceil(16 * sqrt(flat / max flat)).
    assert_eq!(
        l[3],
        "N1 [label=\"main\\nfib\\n5000ns (50.00%)\" id=\"node1\" fontsize=24 shape=box tooltip=\"main.fib (5000ns)\" color=\"#b22100\" fillcolor=\"#edd9d5\"]"
    );
    assert!(
        l[4].starts_with("N2 [label=\"main\\nmix\\n3000ns (30.00%)\" id=\"node2\" fontsize=21 "),
        "{}",
        l[4]
    );
    assert!(l[5].starts_with("N3 [label=\"main\\nwork\\n2000ns (20.00%)\\nof 5000ns (50.00%)\" id=\"node3\" fontsize=19 "), "{}", l[5]);
    assert_eq!(
        l[6],
        "N4 [label=\"main\\nmain\\n0 of 10000ns (100%)\" id=\"node4\" fontsize=8 shape=box tooltip=\"main.main (10000ns)\" color=\"#b20000\" fillcolor=\"#edd5d5\"]"
    );
    assert!(l[7].starts_with("N5 [label=\"main\\nrun\\n0 of 10000ns (100%)\""));
    assert_eq!(*l.last().unwrap(), "}");
}

#[test]
fn edges_by_weight_with_inline_and_no_self_edge() {
    let p = cpu();
    let g = graph(&p, 1, false);
    let out = compose_dot(&g, &DotAttributes::default(), &config(&ns, 10000));
    let edges: Vec<&str> = out.lines().filter(|l| l.contains(" -> ")).collect();
    // weight = 1 + 100 * w / total, penwidth = 1 + 5 * w / total.
    assert_eq!(
        edges[0],
        "N4 -> N5 [label=\" 10000ns\" weight=101 penwidth=6 color=\"#b20000\" tooltip=\"main.main -> main.run (10000ns)\" labeltooltip=\"main.main -> main.run (10000ns)\"]"
    );
    assert!(
        edges[1].starts_with("N5 -> N1 [label=\" 5000ns\" weight=51 penwidth=3 "),
        "{}",
        edges[1]
    );
    assert!(
        edges[2].starts_with("N5 -> N3 [label=\" 5000ns\" weight=51 penwidth=3 "),
        "{}",
        edges[2]
    );
    // Recursion (main.fib calling itself) draws no self edge in pprof.
    assert!(
        edges[3].starts_with("N3 -> N2 [label=\" 3000ns\\n (inline)\" weight=31 penwidth=2 "),
        "{}",
        edges[3]
    );
    assert_eq!(edges.len(), 4);
}

#[test]
fn node_attributes_and_no_legend() {
    let p = cpu();
    let g = graph(&p, 1, false);
    let mut attrs = DotAttributes::default();
    let first = g.nodes[0];
    attrs.nodes.insert(
        first,
        DotNodeAttributes {
            shape: "ellipse".to_string(),
            bold: true,
            peripheries: 2,
            url: "https://example.invalid/fib".to_string(),
            formatter: Some(Box::new(|i: &pprof_graph::NodeInfo| {
                format!("<{}>\\n", i.name)
            })),
        },
    );
    let mut c = config(&ns, 10000);
    c.labels.clear();
    c.title.clear();
    let mut buf = Vec::new();
    write_dot(&mut buf, &g, &attrs, &c).unwrap();
    let out = String::from_utf8(buf).unwrap();
    assert!(
        out.starts_with("digraph \"unnamed\" {\nnode [style=filled fillcolor=\"#f8f8f8\"]\nN1 ")
    );
    let n1 = out.lines().nth(2).unwrap();
    assert!(
        n1.starts_with("N1 [label=\"<main.fib>\\n5000ns (50.00%)\""),
        "{n1}"
    );
    assert!(n1.contains(" shape=ellipse "));
    assert!(n1.ends_with(
        " style=\"bold,filled\" peripheries=2 URL=\"https://example.invalid/fib\" target=\"_blank\"]"
    ));
}

#[test]
fn label_tags_become_nodelets() {
    let mut b = Builder::new(&[("samples", "count")]);
    let main = b.loc(0x1100, &[("main.main", 10)]);
    let work = b.loc(0x1200, &[("main.work", 20)]);
    b.labelled(&[work, main], &[6], &[("route", "/a")]);
    b.labelled(&[work, main], &[4], &[("route", "/b")]);
    b.labelled(&[main], &[1], &[("route", "/c")]);
    let g = graph(b.p(), 0, true);
    let f = |v: i64| v.to_string();
    let out = compose_dot(&g, &DotAttributes::default(), &config(&f, 11));
    // main.work is a leaf: cumulative tags, heaviest first.
    assert!(out.contains(
        "N1_0 [label = \"route:/a\" id=\"N1_0\" fontsize=8 shape=box3d tooltip=\"6\"]\nN1 -> N1_0 [label=\" 6\" weight=100 tooltip=\"6\" labeltooltip=\"6\"]\n"
    ), "{out}");
    assert!(out.contains("N1_1 [label = \"route:/b\""));
    // main.main calls others: only its flat tags show.
    assert!(out
        .contains("N2_0 [label = \"route:/c\" id=\"N2_0\" fontsize=8 shape=box3d tooltip=\"1\"]"));
    // Edges out of a node with nodelets keep their distance.
    let edge = out.lines().find(|l| l.starts_with("N2 -> N1 ")).unwrap();
    assert!(edge.ends_with(" minlen=2]"), "{edge}");
}

#[test]
fn empty_graph_is_just_the_frame() {
    let b = Builder::new(&[("samples", "count")]);
    let g = graph(b.p(), 0, false);
    let f = |v: i64| v.to_string();
    let out = compose_dot(&g, &DotAttributes::default(), &config(&f, 0));
    assert_eq!(lines(&out).len(), 4);
    assert!(out.ends_with("] }\n}\n"));
}

/// Text a profile can carry that must stay text in the DOT source: a quote
/// that would end the string and add attributes, a backslash, markup.
pub const HOSTILE: &str = "v\" URL=\"javascript:alert(3)\" target=\"_top";

/// A graph whose label values, function name and title carry [`HOSTILE`].
pub fn hostile_dot() -> String {
    let mut b = Builder::new(&[("samples", "count")]);
    let name = format!("main.{HOSTILE}\\");
    let l = b.loc(0x10, &[(name.as_str(), 3)]);
    let m = b.loc(0x20, &[("main.main", 4)]);
    b.labelled(&[l, m], &[5], &[(HOSTILE, HOSTILE), ("k", "\"><script>")]);
    let p = b.build();
    let g = graph(&p, 0, true);
    let f = |v: i64| v.to_string();
    let c = DotConfig {
        title: HOSTILE.to_string(),
        legend_url: HOSTILE.to_string(),
        labels: vec![format!("File: {HOSTILE}")],
        format_value: &f,
        total: 5,
        dialect: pprof_model::Dialect::Go127,
    };
    let mut attrs = DotAttributes::default();
    let first = g.iter().next().map(|(id, _)| id).expect("a node");
    attrs.nodes.insert(
        first,
        DotNodeAttributes {
            url: HOSTILE.to_string(),
            ..Default::default()
        },
    );
    compose_dot(&g, &attrs, &c)
}

/// Every `"` in the DOT text opens or closes a string: outside strings
/// there are only the attribute names and values pprof writes, so a label
/// value never adds an attribute (no `URL="javascript:` outside a string).
#[test]
fn label_values_and_names_cannot_add_attributes() {
    let dot = hostile_dot();
    let mut outside = String::new();
    let mut in_string = false;
    let mut chars = dot.chars();
    while let Some(c) = chars.next() {
        match (in_string, c) {
            (true, '\\') => {
                chars.next();
            }
            (_, '"') => in_string = !in_string,
            (false, c) => outside.push(c),
            (true, _) => {}
        }
    }
    assert!(!in_string, "unbalanced quotes in\n{dot}");
    assert!(!outside.contains("javascript"), "{outside}");
    // pprof's own URL attributes are the only ones: the legend's and the
    // node's, percent-encoded, as graphviz copies them into SVG verbatim.
    assert_eq!(outside.matches("URL=").count(), 2, "{outside}");
    assert!(dot.contains("URL=\"v%22%20URL=%22javascript:alert(3)%22%20target=%22_top\""));
    assert!(dot.contains(&escape_for_dot(HOSTILE)), "{dot}");
}

#[test]
fn a_flat_of_min_int64_sizes_its_font_as_go_does() {
    // Go's abs64(-2^63) stays negative: the square root of a negative
    // share is NaN, and Go's int(NaN) is -2^63, so pprof writes the font
    // size 8 + -2^63.
    let mut b = Builder::new(&[("samples", "count")]);
    let main = b.loc(0x1000, &[("main.main", 1)]);
    let work = b.loc(0x2000, &[("main.work", 2)]);
    b.sample(&[main], &[5]);
    b.sample(&[work, main], &[i64::MIN]);
    let p = b.build();
    let g = graph(&p, 0, false);
    let out = compose_dot(&g, &DotAttributes::default(), &config(&ns, 1));
    let work = out
        .lines()
        .find(|l| l.contains("main\\nwork"))
        .expect("work node");
    assert!(work.contains(" fontsize=-9223372036854775800 "), "{work}");
    let main = out
        .lines()
        .find(|l| l.contains("main\\nmain"))
        .expect("main node");
    assert!(main.contains(" fontsize=24 "), "{main}");
}
