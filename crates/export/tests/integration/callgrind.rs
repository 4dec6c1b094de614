//! Callgrind output.

use pprof_export::{compose_callgrind, write_callgrind, CallgrindConfig};
use pprof_graph::{Granularity, Graph, NodeOrder, Options};

use crate::fixtures::cpu;

/// The graph pprof's report builds for callgrind: addresses, object names,
/// sorted by flat value.
pub fn callgrind_graph(p: &pprof_model::Profile) -> Graph {
    let mut o = Options::default();
    o.sample_index = 1;
    o.granularity = Granularity::Addresses;
    o.obj_names = true;
    let mut g = Graph::new(p, &o);
    g.sort(NodeOrder::FlatName);
    g
}

pub fn config() -> CallgrindConfig {
    CallgrindConfig {
        sample_type: "cpu".to_string(),
        sample_unit: "nanoseconds".to_string(),
        output_unit: "us".to_string(),
    }
}

/// Derived by hand from pprof's rules: nodes by decreasing flat value
/// (fib@0x1410 4us, mix@0x1300 3us, work@0x1310 2us, fib@0x1400 1us) then
/// by name (main, run, work@0x1300); a new `ob/fl/fn` block whenever the
/// function changes; addresses relative to the previous node's when that is
/// shorter; call costs are edge weights.
const EXPECTED: &str = "positions: instr line
events: cpu(us)

ob=(1) /bin/demo
fl=(1) src/demo.go
fn=(1) main.fib
0x1410 41 4

ob=(1)
fl=(1)
fn=(2) main.mix
-272 31 3

ob=(1)
fl=(1)
fn=(3) main.work
+16 32 2

ob=(1)
fl=(1)
fn=(1)
+240 40 1
cfl=(1)
cfn=(1)
calls=0 +256 41
* * 4

ob=(1)
fl=(1)
fn=(4) main.main
-768 10 0
cfl=(1)
cfn=(5) main.run
calls=0 -512 20
* * 10

ob=(1)
fl=(1)
fn=(5)
+256 20 0
cfl=(1)
cfn=(1)
calls=0 +768 40
* * 5
cfl=(1)
cfn=(3)
calls=0 +512 30
* * 3
cfl=(1)
cfn=(3)
calls=0 +528 32
* * 2

ob=(1)
fl=(1)
fn=(3)
+256 30 0
cfl=(1)
cfn=(2)
calls=0 +256 31
* * 3
";

#[test]
fn matches_pprof_layout() {
    let g = callgrind_graph(&cpu());
    assert_eq!(compose_callgrind(&g, &config()), EXPECTED);
    let mut buf = Vec::new();
    write_callgrind(&mut buf, &g, &config()).unwrap();
    assert_eq!(buf, EXPECTED.as_bytes());
}

#[test]
fn same_named_functions_in_a_call_tree_are_told_apart() {
    let mut o = Options::default();
    o.sample_index = 1;
    o.call_tree = true;
    let mut g = Graph::new(&cpu(), &o);
    g.sort(NodeOrder::FlatName);
    let out = compose_callgrind(&g, &config());
    // main.fib appears in two calling contexts.
    assert!(out.contains("\nfn=(1) main.fib\n"), "{out}");
    let cfn: Vec<&str> = out.lines().filter(|l| l.contains("main.fib [")).collect();
    assert_eq!(cfn.len(), 2, "{out}");
    assert!(cfn.iter().any(|l| l.ends_with(" main.fib [1/2]")), "{out}");
    assert!(cfn.iter().any(|l| l.ends_with(" main.fib [2/2]")), "{out}");
}

#[test]
fn callee_outside_the_node_list_has_an_empty_name() {
    // With -mean, a sample with a count but no value builds nodes whose
    // flat and cum are 0; pprof leaves them out of the graph's node list
    // but keeps the edges to them, and names such a callee `cfn=`.
    let mut b = crate::fixtures::Builder::new(&[("objects", "count"), ("space", "bytes")]);
    let alloc = b.loc(0x1100, &[("main.alloc", 11)]);
    let zero = b.loc(0x1200, &[("main.zero", 12)]);
    let main = b.loc(0x1300, &[("main.main", 13)]);
    b.sample(&[alloc, main], &[2, 64]);
    b.sample(&[zero, main], &[3, 0]);
    let mut o = Options::default();
    o.sample_index = 1;
    o.mean = true;
    o.granularity = Granularity::Addresses;
    o.obj_names = true;
    let mut g = Graph::new(b.p(), &o);
    g.sort(NodeOrder::FlatName);
    let c = CallgrindConfig {
        sample_type: "space".to_string(),
        sample_unit: "bytes".to_string(),
        output_unit: "B".to_string(),
    };
    let out = compose_callgrind(&g, &c);
    // main.zero is no node of its own, and the call to it has no name.
    assert!(!out.contains("main.zero"), "{out}");
    let calls: Vec<&str> = out.lines().filter(|l| l.starts_with("cfn=")).collect();
    assert_eq!(calls, ["cfn=(1)", "cfn="], "{out}");
    // Node costs are means (64/2), call costs are raw edge weights; call
    // positions are relative to the previous node (main.alloc at 0x1100).
    assert!(out.contains("\n0x1100 11 32\n"), "{out}");
    assert!(out.contains("\ncfn=(1)\ncalls=0 * 11\n* * 64\n"), "{out}");
    assert!(out.ends_with("\ncfn=\ncalls=0 +256 12\n* * 0\n"), "{out}");
}
