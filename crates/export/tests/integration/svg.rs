//! SVG from DOT text, without external programs.

use pprof_export::{
    add_pan_zoom, compose_dot, svg_from_dot_builtin, DotAttributes, DotConfig, Error,
};
use pprof_graph::{Graph, NodeOrder, Options};

use crate::fixtures::cpu;
use crate::xmlcheck::parse;

/// The DOT text of the fixture's call graph.
pub fn fixture_dot() -> String {
    let p = cpu();
    let mut o = Options::default();
    o.sample_index = 1;
    let mut g = Graph::new(&p, &o);
    g.sort(NodeOrder::Entropy);
    let f = |v: i64| format!("{v}ns");
    let c = DotConfig {
        title: "demo".to_string(),
        legend_url: String::new(),
        labels: vec!["File: demo".to_string(), "Type: cpu & <more>".to_string()],
        format_value: &f,
        total: 10000,
        dialect: pprof_model::Dialect::Go127,
    };
    compose_dot(&g, &DotAttributes::default(), &c)
}

#[test]
fn builtin_layout_draws_pprof_dot() {
    let svg = String::from_utf8(svg_from_dot_builtin(&fixture_dot()).unwrap()).unwrap();
    let doc = parse(&svg);
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(root.attribute("width"), Some("100%"));
    let vp = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("viewport"))
        .expect("viewport group");
    assert!(vp.has_tag_name("g"));
    assert!(doc.descendants().any(|n| n.has_tag_name("script")));
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect::<Vec<_>>()
        .join("|");
    for needle in [
        "fib",
        "work",
        "mix",
        "run",
        "Type: cpu & <more>",
        "5000ns (50.00%)",
    ] {
        assert!(text.contains(needle), "{needle} not in {text}");
    }
    // Deterministic output.
    assert_eq!(
        svg.as_bytes(),
        svg_from_dot_builtin(&fixture_dot()).unwrap()
    );
}

#[test]
fn builtin_layout_of_an_empty_graph() {
    let svg = String::from_utf8(svg_from_dot_builtin("digraph \"x\" {\n}\n").unwrap()).unwrap();
    parse(&svg);
}

#[test]
fn builtin_layout_reports_syntax_errors() {
    assert!(matches!(
        svg_from_dot_builtin("digraph { a -> "),
        Err(Error::Layout(_))
    ));
}

#[test]
fn pan_zoom_post_processing_keeps_xml_well_formed() {
    let svg = "<?xml version=\"1.0\"?>\n<svg width=\"62pt\" height=\"116pt\"\n viewBox=\"0.00 0.00 62.00 116.00\" xmlns=\"http://www.w3.org/2000/svg\">\n<g id=\"graph0\" class=\"graph\"><title>a &; b</title></g>\n</svg>\n";
    let out = add_pan_zoom(svg);
    let doc = parse(&out);
    let vp = doc
        .descendants()
        .find(|n| n.attribute("id") == Some("viewport"))
        .unwrap();
    assert_eq!(vp.attribute("transform"), Some("translate(0,0)"));
    assert_eq!(
        vp.first_element_child().and_then(|g| g.attribute("id")),
        Some("graph0")
    );
}
