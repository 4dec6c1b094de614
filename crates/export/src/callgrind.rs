//! pprof's callgrind output, read by kcachegrind and `callgrind_annotate`.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use pprof_graph::{FunctionKey, Graph, NodeId, NodeInfo};
use pprof_model::measurement;

use crate::error::Result;

/// What the callgrind file measures.
#[derive(Clone, Debug, Default)]
pub struct CallgrindConfig {
    /// Sample type name, such as `cpu` (the event name).
    pub sample_type: String,
    /// Unit of the sample values, such as `nanoseconds`.
    pub sample_unit: String,
    /// Unit the costs are written in, such as `ms` (pprof's selected
    /// output unit).
    pub output_unit: String,
}

/// Writes `g` in callgrind format the way pprof's `-callgrind` does
/// (go1.19.8's and Go 1.27.3's alike): one cost line per node (address, line, flat value) and one call
/// record per outgoing edge, with callgrind's name and position compression.
///
/// The caller builds the graph as pprof's report does for callgrind
/// (no trimming, object names kept, usually at address granularity).
pub fn write_callgrind<W: Write>(w: &mut W, g: &Graph, c: &CallgrindConfig) -> Result<()> {
    let text = compose_callgrind(g, c);
    w.write_all(text.as_bytes())?;
    Ok(())
}

/// Returns the callgrind text of `g`; see [`write_callgrind`].
pub fn compose_callgrind(g: &Graph, c: &CallgrindConfig) -> String {
    let node_names = disambiguated_names(g);
    let mut out = String::new();
    out.push_str("positions: instr line\n");
    let _ = writeln!(out, "events: {}({})", c.sample_type, c.output_unit);

    let mut objfiles = Names::default();
    let mut files = Names::default();
    let mut names = Names::default();
    let scaled = |v: i64| -> i64 { measurement::scale(v, &c.sample_unit, &c.output_unit).0 as i64 };

    let mut prev: Option<&NodeInfo> = None;
    for (id, n) in g.iter() {
        let info = &n.info;
        let same = prev.is_some_and(|p| {
            p.objfile == info.objfile && p.file == info.file && p.name == info.name
        });
        if !same {
            out.push('\n');
            let _ = writeln!(out, "ob={}", objfiles.get(&info.objfile));
            let _ = writeln!(out, "fl={}", files.get(&info.file));
            let _ = writeln!(out, "fn={}", names.get(&info.name));
        }
        let _ = writeln!(
            out,
            "{} {} {}",
            address(prev, info.address),
            info.lineno,
            scaled(n.flat_value())
        );
        for e in g.sorted_out_edges(id) {
            let Some(edge) = g.edge(e) else { continue };
            let Some(callee) = g.node(edge.dest) else {
                continue;
            };
            let _ = writeln!(out, "cfl={}", files.get(&callee.info.file));
            // pprof names callees from the graph's node list only: an edge
            // to a node left out of it (no flat nor cum value, as with
            // -mean when a sample has a count but no value) gets `cfn=`.
            let callee_name = node_names.get(&edge.dest).map_or("", |s| s.as_str());
            let _ = writeln!(out, "cfn={}", names.get(callee_name));
            // pprof has no call counts: the count is 0.
            let _ = writeln!(
                out,
                "calls=0 {} {}",
                address(prev, callee.info.address),
                callee.info.lineno
            );
            let _ = writeln!(out, "* * {}", scaled(edge.weight));
        }
        prev = Some(info);
    }
    out
}

/// Names of nodes for callgrind, which merges functions with equal file
/// and name: when several distinct functions (say, call-tree contexts)
/// share both, each gets a ` [i/n]` suffix.
fn disambiguated_names(g: &Graph) -> HashMap<NodeId, String> {
    let mut index: HashMap<(&str, &str), HashMap<FunctionKey, usize>> = HashMap::new();
    for (_, n) in g.iter() {
        let fns = index
            .entry((n.info.file.as_str(), n.info.name.as_str()))
            .or_default();
        let next = fns.len();
        fns.entry(n.function).or_insert(next);
    }
    let mut out = HashMap::with_capacity(g.nodes.len());
    for (id, n) in g.iter() {
        let mut name = n.info.name.clone();
        if let Some(fns) = index.get(&(n.info.file.as_str(), n.info.name.as_str())) {
            if fns.len() > 1 {
                let i = fns.get(&n.function).copied().unwrap_or(0);
                let _ = write!(name, " [{}/{}]", i + 1, fns.len());
            }
        }
        out.insert(id, name);
    }
    out
}

/// Callgrind's name compression: the first use of a name is `(N) name`,
/// later uses are `(N)`.
#[derive(Default)]
struct Names {
    ids: HashMap<String, usize>,
}

impl Names {
    fn get(&mut self, name: &str) -> String {
        if name.is_empty() {
            return String::new();
        }
        if let Some(id) = self.ids.get(name) {
            return format!("({id})");
        }
        let id = self.ids.len() + 1;
        self.ids.insert(name.to_string(), id);
        format!("({id}) {name}")
    }
}

/// Callgrind's position compression: `*` for the previous address, a
/// signed offset when that is shorter than the absolute `0x` form.
fn address(prev: Option<&NodeInfo>, curr: u64) -> String {
    let abs = format!("{curr:#x}");
    let Some(prev) = prev else {
        return abs;
    };
    if prev.address == curr {
        return "*".to_string();
    }
    let diff = curr.wrapping_sub(prev.address) as i64;
    let relative = format!("{diff:+}");
    if relative.len() < abs.len() {
        relative
    } else {
        abs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_compress() {
        let prev = NodeInfo {
            address: 0x1000,
            ..Default::default()
        };
        assert_eq!(address(None, 0x1000), "0x1000");
        assert_eq!(address(Some(&prev), 0x1000), "*");
        assert_eq!(address(Some(&prev), 0x1010), "+16");
        assert_eq!(address(Some(&prev), 0xff0), "-16");
        assert_eq!(address(Some(&prev), 0), "0x0");
    }

    #[test]
    fn names_compress() {
        let mut n = Names::default();
        assert_eq!(n.get("a"), "(1) a");
        assert_eq!(n.get("b"), "(2) b");
        assert_eq!(n.get("a"), "(1)");
        assert_eq!(n.get(""), "");
    }
}
