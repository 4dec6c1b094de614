//! Every report on the fixture profile, compared with golden files.

use std::path::PathBuf;

use pprof_graph::Granularity;
use pprof_report::{generate, Options, OutputFormat, Report};

use crate::fixture;

fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Compares `got` with the golden file, or rewrites it with
/// `PPROF_UPDATE_GOLDEN=1`.
fn check(name: &str, got: &str) {
    let path = fixture_path(name);
    if std::env::var_os("PPROF_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).expect("write golden");
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with PPROF_UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(got, want, "report differs from {}", path.display());
}

fn base_options(format: OutputFormat) -> Options {
    let p = fixture::cpu();
    let mut o = Options::for_sample(&p, 1, false);
    o.output_format = format;
    o.node_fraction = 0.005;
    o.edge_fraction = 0.001;
    o.num_label_units = pprof_ops::num_label_units(&p).0;
    o
}

fn run(name: &str, o: Options) {
    let p = fixture::cpu();
    let rpt = Report::new(&p, o);
    let mut out = Vec::new();
    generate(&mut out, &rpt).expect("report");
    check(name, &String::from_utf8(out).expect("utf-8"));
}

#[test]
fn text_by_granularity() {
    for (g, name) in [
        (Granularity::Functions, "functions"),
        (Granularity::FileFunctions, "filefunctions"),
        (Granularity::Files, "files"),
        (Granularity::Lines, "lines"),
        (Granularity::Addresses, "addresses"),
    ] {
        let mut o = base_options(OutputFormat::Text);
        o.granularity = g;
        run(&format!("cpu.flat.{name}.text"), o.clone());
        o.cum_sort = true;
        run(&format!("cpu.cum.{name}.text"), o);
    }
}

#[test]
fn text_variants() {
    let mut o = base_options(OutputFormat::Text);
    o.no_inlines = true;
    run("cpu.flat.noinlines.text", o);
    let mut o = base_options(OutputFormat::Text);
    o.node_count = 3;
    run("cpu.flat.nodecount3.text", o);
    let mut o = base_options(OutputFormat::Text);
    o.node_fraction = 0.1;
    o.compact_labels = true;
    o.active_filters = vec!["focus=main".to_string()];
    run("cpu.flat.nodefraction.compact.text", o);
    let mut o = base_options(OutputFormat::Text);
    o.output_unit = "ms".to_string();
    o.ratio = 0.5;
    run("cpu.flat.unit_ms.divide_by_2.text", o);
    let p = fixture::cpu();
    let mut o = Options::for_sample(&p, 1, true);
    o.output_format = OutputFormat::Text;
    run("cpu.mean.text", o);
}

#[test]
fn other_reports() {
    run("cpu.traces", base_options(OutputFormat::Traces));
    run("cpu.tags", base_options(OutputFormat::Tags));
    let mut o = base_options(OutputFormat::Tags);
    o.dialect = pprof_model::Dialect::Go119;
    run("cpu.go119.tags", o);
    run("cpu.comments", base_options(OutputFormat::Comments));
    let mut o = base_options(OutputFormat::Tree);
    o.node_count = 80;
    run("cpu.tree", o);
    let mut o = base_options(OutputFormat::Tree);
    o.node_fraction = 0.0;
    o.edge_fraction = 0.0;
    o.symbol = Some(regex::Regex::new("main\\.(work|fib)").expect("regex"));
    run("cpu.peek", o);
}

#[test]
fn list() {
    let mut o = base_options(OutputFormat::List);
    o.node_fraction = 0.0;
    o.edge_fraction = 0.0;
    o.granularity = Granularity::Lines;
    o.source_path = fixture_path("src").to_string_lossy().into_owned();
    o.symbol = Some(regex::Regex::new("main\\.(fib|run|work)|sha256").expect("regex"));
    // The source path is absolute here; keep the golden independent of it.
    let p = fixture::cpu();
    let rpt = Report::new(&p, o.clone());
    let mut out = Vec::new();
    generate(&mut out, &rpt).expect("report");
    let text = String::from_utf8(out)
        .expect("utf-8")
        .replace(&o.source_path, "SRC");
    check("cpu.list", &text);
}

fn run_json(name: &str, o: Options) -> String {
    let p = fixture::cpu();
    let rpt = Report::new(&p, o);
    let mut out = Vec::new();
    pprof_report::generate_json(&mut out, &rpt).expect("report");
    let text = String::from_utf8(out).expect("utf-8");
    check(name, &text);
    text
}

#[test]
fn json_variants() {
    let o = base_options(OutputFormat::Text);
    let p = fixture::cpu();
    let rows = pprof_report::text_items(&Report::new(&p, o.clone()))
        .items
        .len();
    let text = run_json("cpu.text.json", o);
    assert_eq!(text.matches("\"flat_format\"").count(), rows);
    assert!(text.ends_with("]}\n"));
    let traces = run_json("cpu.traces.json", base_options(OutputFormat::Traces));
    assert_eq!(traces.matches("\"value_format\"").count(), p.samples.len());
    run_json("cpu.tags.json", base_options(OutputFormat::Tags));
    let mut o = base_options(OutputFormat::Tree);
    o.symbol = Some(regex::Regex::new("main\\.work").expect("regex"));
    let peek = run_json("cpu.peek.json", o);
    assert_eq!(peek.matches("\"callers\"").count(), 1);
}
