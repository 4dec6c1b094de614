//! The pprof rules behind the numbers, checked directly.

use pprof_graph::{Graph, NodeOrder, Options as GraphOptions};
use pprof_model::{Label, Profile};
use pprof_report::{text_items, top_proto, Error, Options, OutputFormat, Report};

use crate::fixture;

fn options(p: &Profile) -> Options {
    let mut o = Options::for_sample(p, 0, false);
    o.output_format = OutputFormat::Text;
    o
}

fn row<'a>(items: &'a [pprof_report::TextItem], name: &str) -> &'a pprof_report::TextItem {
    items
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("no row {name}"))
}

#[test]
fn recursion_counts_once_and_inline_labels() {
    let p = fixture::cpu();
    let tr = text_items(&Report::new(&p, options(&p)));
    // fib appears up to three times on a stack but counts once per sample;
    // it is the leaf of both of its samples.
    let fib = row(&tr.items, "main.fib");
    assert_eq!((fib.flat, fib.cum), (35, 35));
    // mix is reached inlined (from work) and by a real call (from run).
    assert_eq!(row(&tr.items, "main.mix").inline_label, "(partial-inline)");
    assert_eq!(row(&tr.items, "main.work").inline_label, "");
    let total: i64 = p.samples.iter().map(|s| s.values[0]).sum();
    assert_eq!(tr.total, total);
    assert_eq!(row(&tr.items, "main.main").cum, total);
}

#[test]
fn diff_base_total_counts_only_base_samples() {
    let mut p = fixture::cpu();
    let key = p.intern("pprof::base");
    let val = p.intern("true");
    // Mark the first two samples as base samples, negated.
    let mut i = 0;
    p.samples.rewrite(|s| {
        if i < 2 {
            for v in s.values.iter_mut() {
                *v = -*v;
            }
            s.labels.push(Label {
                key,
                str: val,
                ..Default::default()
            });
        }
        i += 1;
        true
    });
    p.sort_labels();
    let rpt = Report::new(&p, options(&p));
    assert_eq!(rpt.total(), 40 + 15);
}

#[test]
fn peek_without_match_writes_nothing() {
    let p = fixture::cpu();
    let mut o = options(&p);
    o.output_format = OutputFormat::Tree;
    o.symbol = Some(regex::Regex::new("nomatch").expect("regex"));
    let mut out = Vec::new();
    let err = pprof_report::write_tree(&mut out, &Report::new(&p, o)).err();
    assert!(matches!(err, Some(Error::NoMatches(ref re)) if re == "nomatch"));
    assert!(out.is_empty());
}

#[test]
fn nodecount_keeps_the_heaviest_and_says_so() {
    let p = fixture::cpu();
    let mut o = options(&p);
    o.node_count = 2;
    let tr = text_items(&Report::new(&p, o));
    let names: Vec<&str> = tr.items.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["main.mix", "main.fib"]);
    assert!(tr
        .labels
        .iter()
        .any(|l| l == "Showing top 2 nodes out of 6"));
}

#[test]
fn top_proto_has_one_sample_per_node() {
    let p = fixture::cpu();
    let rpt = Report::new(&p, options(&p));
    let tp = top_proto(&rpt);
    let tr = text_items(&rpt);
    assert_eq!(tp.samples.len(), tr.items.len());
    let types: Vec<&str> = tp.sample_types.iter().map(|t| tp.str(t.r#type)).collect();
    assert_eq!(types, ["cum", "flat"]);
    for (s, item) in tp.samples.iter().zip(&tr.items) {
        assert_eq!(s.values, vec![item.cum, item.flat]);
    }
}

#[test]
fn graph_tags_only_on_request_and_residual_edges() {
    let p = fixture::cpu();
    let g = Graph::new(&p, &GraphOptions::default());
    assert!(g.iter().all(|(_, n)| n.label_tags.is_empty()));
    let mut o = GraphOptions::default();
    o.compute_tags = true;
    let g = Graph::new(&p, &o);
    let work = g
        .iter()
        .find(|(_, n)| n.info.name == "main.work")
        .map(|(_, n)| n.clone())
        .expect("work");
    let w1 = work.label_tags.get("worker:w1").expect("tag");
    assert_eq!((w1.flat, w1.cum), (15, 55));
    // Keep main and fib only: the edge main → fib skips run and is residual.
    let mut kept = g.discard_low_frequency_nodes(0);
    kept.retain(|i| i.name == "main.main" || i.name == "main.fib");
    let mut o = GraphOptions::default();
    o.kept_nodes = Some(kept);
    let mut g = Graph::new(&p, &o);
    g.sort(NodeOrder::FlatName);
    let fib = g.nodes[0];
    let edges = g.sorted_in_edges(fib);
    let e = g.edge(edges[0]).expect("edge");
    assert!(e.residual);
    assert_eq!(e.weight, 35);
}

#[test]
fn call_tree_trimming_reparents_children() {
    let p = fixture::cpu();
    let mut o = GraphOptions::default();
    o.call_tree = true;
    let mut g = Graph::new(&p, &o);
    // fib appears in three calling contexts in the tree.
    assert_eq!(
        g.iter().filter(|(_, n)| n.info.name == "main.fib").count(),
        3
    );
    let keep: pprof_graph::NodePtrSet = g
        .iter()
        .filter(|(_, n)| n.info.name != "main.run")
        .map(|(id, _)| id)
        .collect();
    g.trim_tree(&keep);
    let main = g
        .iter()
        .find(|(_, n)| n.info.name == "main.main")
        .map(|(id, _)| id)
        .expect("main");
    let children: Vec<String> = g
        .sorted_out_edges(main)
        .into_iter()
        .filter_map(|e| g.edge(e))
        .inspect(|e| assert!(e.residual))
        .filter_map(|e| g.node(e.dest).map(|n| n.info.name.clone()))
        .collect();
    assert_eq!(children, ["main.work", "main.fib", "main.mix"]);
}

#[test]
fn traces_print_every_sample_own_numeric_label() {
    // More distinct numeric label values than the traces writer keeps
    // texts for: each sample still shows its own.
    let mut b = pprof_model::build::ProfileBuilder::new(&[("samples", "count")]);
    let main = b.named_location(None, 0x10, &[("main", "main.go", 3)]);
    const N: i64 = 70_000;
    for k in 1..=N {
        b.sample(&[main], &[1]).num_label("n", k, "");
    }
    let p = b.build();
    let mut o = options(&p);
    o.output_format = OutputFormat::Traces;
    let mut out = Vec::new();
    pprof_report::write_traces(&mut out, &Report::new(&p, o)).unwrap();
    let text = String::from_utf8(out).unwrap();
    let values: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("n:  "))
        .collect();
    let want: Vec<String> = (1..=N)
        .map(|k| pprof_model::measurement::label(k, ""))
        .collect();
    assert_eq!(values, want);
}

/// The text of a `-top` report of the fixture with `o` changed by `f`.
fn top_with(f: impl FnOnce(&mut Options)) -> String {
    let p = fixture::cpu();
    let mut o = options(&p);
    o.node_fraction = 0.005;
    o.edge_fraction = 0.001;
    f(&mut o);
    let mut out = Vec::new();
    pprof_report::generate(&mut out, &Report::new(&p, o)).expect("report");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn scaled_values_out_of_range_become_min_int64_as_in_go() {
    // Go's int64(float64(v) * ratio) gives -2^63 when out of range, where
    // Rust's `as` would saturate at 2^63 - 1.
    let t = top_with(|o| {
        o.ratio = 1e300;
        o.output_unit = "count".to_string();
    });
    assert!(t.contains("-9223372036854775808"), "{t}");
    assert!(!t.contains("9223372036854775807"), "{t}");
}

#[test]
fn a_node_cutoff_out_of_range_keeps_every_node_as_in_go() {
    // total * 1e300 does not fit in an int64: Go's cutoff is then
    // abs64(-2^63), which is negative, and no node is below it.
    let all = top_with(|o| o.node_fraction = 0.0);
    let huge = top_with(|o| o.node_fraction = 1e300);
    assert!(!huge.contains("Dropped"), "{huge}");
    let rows = |t: &str| t.lines().skip_while(|l| !l.contains("flat%")).count();
    assert_eq!(rows(&huge), rows(&all), "{huge}\n{all}");
}

#[test]
fn abs64_keeps_min_int64_negative_like_go() {
    assert_eq!(pprof_graph::abs64(-7), 7);
    assert_eq!(pprof_graph::abs64(i64::MIN), i64::MIN);
    // A node whose |cum| is -2^63 is below any cutoff, as in Go.
    let mut p = fixture::cpu();
    p.samples.rewrite(|s| {
        s.values[0] = if s.values[0] % 2 == 0 { i64::MIN } else { 0 };
        true
    });
    let g = Graph::new(&p, &GraphOptions::default());
    let kept = g.discard_low_frequency_nodes(1);
    for (_, n) in g.iter() {
        let min = n.cum == i64::MIN;
        assert_eq!(kept.contains(&n.info), !min && n.cum != 0, "{n:?}");
    }
}

/// Samples whose values reach -2^63: `main.main` alone (2^63 - 1, then 1:
/// its flat wraps to -2^63 and its cum to 0), and `main.work` called from
/// it (-2^63), each with a label `k`.
fn min_int64_profile() -> Profile {
    let mut b = pprof_model::build::ProfileBuilder::new(&[("contentions", "count")]);
    let main = b.function("main.main", "main.go", 1);
    let work = b.function("main.work", "main.go", 2);
    let l_main = b.location(None, 0x1000, &[(main, 10)]);
    let l_work = b.location(None, 0x2000, &[(work, 20)]);
    b.sample(&[l_main], &[i64::MAX])
        .num_label("k", i64::MAX, "");
    b.labelled_sample(&[l_work, l_main], &[i64::MIN], &[("k", "v")]);
    b.sample(&[l_main], &[1]).num_label("k", 1, "");
    b.build()
}

#[test]
fn min_int64_sorts_and_trims_last_as_in_go() {
    let p = min_int64_profile();
    // -tags: |-2^63| is the least magnitude, as Go's abs64 has it.
    let mut o = options(&p);
    o.output_format = OutputFormat::Tags;
    let mut out = Vec::new();
    pprof_report::generate(&mut out, &Report::new(&p, o)).expect("tags");
    let text = String::from_utf8(out).expect("utf-8");
    let rows: Vec<&str> = text.lines().skip(1).map(str::trim).collect();
    assert!(rows[0].ends_with(": 9223372036854775808"), "{text}");
    assert!(rows[1].ends_with(": 1"), "{text}");
    assert!(rows[2].starts_with("-9223372036854775808:"), "{text}");
    // A picture's top nodes leave out a node whose cum is -2^63 (pprof's
    // SelectTopNodes keeps the nodes at or above a cutoff of 0).
    let g = Graph::new(&p, &GraphOptions::default());
    let kept = g.select_top_nodes(80, true);
    let names: Vec<&str> = kept.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["main.main"], "{kept:?}");
}

#[test]
fn list_of_a_line_near_max_int64_reads_no_file_as_in_go() {
    // pprof's line range is line ± 5 in Go's wrapping int arithmetic: at
    // 2^63 - 1 it ends before it starts, so no file is read and no error
    // is printed; a line of 10 in the same missing file is an error.
    let run = |line: i64| {
        let mut b = pprof_model::build::ProfileBuilder::new(&[("samples", "count")]);
        let f = b.function("main.f", "missing/main.go", 0);
        let l = b.location(None, 0x1000, &[(f, line)]);
        b.sample(&[l], &[3]);
        let p = b.build();
        let mut o = options(&p);
        o.output_format = OutputFormat::List;
        o.granularity = pprof_graph::Granularity::Lines;
        o.source_path = "/nonexistent-pprof-tools-dir".to_string();
        o.symbol = Some(regex::Regex::new("main").expect("regex"));
        let mut out = Vec::new();
        pprof_report::generate(&mut out, &Report::new(&p, o)).expect("list");
        String::from_utf8(out).expect("utf-8")
    };
    let far = run(i64::MAX);
    assert!(
        far.contains("ROUTINE ======================== main.f in missing/main.go"),
        "{far}"
    );
    assert!(!far.contains("Error:"), "{far}");
    let near = run(10);
    assert!(
        near.contains(" Error: could not find file missing/main.go"),
        "{near}"
    );
}
