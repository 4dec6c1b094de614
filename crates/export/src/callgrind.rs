//! pprof's callgrind output, read by kcachegrind and `callgrind_annotate`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use pprof_graph::{FunctionKey, Graph, NodeInfo};
use pprof_model::gofmt::{push_int, push_uint};
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
    let mut out = String::with_capacity(64 * g.nodes.len() + 128 * g.edges.len() + 64);
    out.push_str("positions: instr line\n");
    let _ = writeln!(out, "events: {}({})", c.sample_type, c.output_unit);

    let mut objfiles = Names::default();
    let mut files = Names::default();
    let mut names = Names::default();
    let scaled = |v: i64| -> i64 { measurement::scale(v, &c.sample_unit, &c.output_unit).0 as i64 };

    // Per node: the numbers of its file and of its callgrind name, once
    // known.
    let mut file_ids = vec![0usize; node_names.len()];
    let mut name_ids = vec![0usize; node_names.len()];
    let mut prev: Option<&NodeInfo> = None;
    for (id, n) in g.iter() {
        let info = &n.info;
        let same = prev.is_some_and(|p| {
            p.objfile == info.objfile && p.file == info.file && p.name == info.name
        });
        if !same {
            out.push_str("\nob=");
            objfiles.put(&mut out, &info.objfile);
            out.push_str("\nfl=");
            files.put(&mut out, &info.file);
            out.push_str("\nfn=");
            names.put(&mut out, &info.name);
            out.push('\n');
        }
        push_address(&mut out, prev, info.address);
        out.push(' ');
        push_int(&mut out, info.lineno);
        out.push(' ');
        push_int(&mut out, scaled(n.flat_value()));
        out.push('\n');
        for e in g.sorted_out_edges(id) {
            let Some(edge) = g.edge(e) else { continue };
            let Some(callee) = g.node(edge.dest) else {
                continue;
            };
            out.push_str("cfl=");
            let d = edge.dest.index();
            match file_ids.get_mut(d) {
                Some(cached) => files.put_cached(&mut out, &callee.info.file, cached),
                None => files.put(&mut out, &callee.info.file),
            }
            // pprof names callees from the graph's node list only: an edge
            // to a node left out of it (no flat nor cum value, as with
            // -mean when a sample has a count but no value) gets `cfn=`.
            let callee_name = node_names
                .get(edge.dest.index())
                .and_then(|n| n.as_deref())
                .unwrap_or("");
            out.push_str("\ncfn=");
            match name_ids.get_mut(d) {
                Some(cached) => names.put_cached(&mut out, callee_name, cached),
                None => names.put(&mut out, callee_name),
            }
            // pprof has no call counts: the count is 0.
            out.push_str("\ncalls=0 ");
            push_address(&mut out, prev, callee.info.address);
            out.push(' ');
            push_int(&mut out, callee.info.lineno);
            out.push_str("\n* * ");
            push_int(&mut out, scaled(edge.weight));
            out.push('\n');
        }
        prev = Some(info);
    }
    out
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Names of nodes for callgrind (indexed by node id; `None` for nodes not
/// in the node list), which merges functions with equal file and name:
/// when several distinct functions (say, call-tree contexts) share both,
/// each gets a ` [i/n]` suffix.
fn disambiguated_names(g: &Graph) -> Vec<Option<Cow<'_, str>>> {
    let mut index: FastMap<(&str, &str), FastMap<FunctionKey, usize>> = FastMap::default();
    for (_, n) in g.iter() {
        let fns = index
            .entry((n.info.file.as_str(), n.info.name.as_str()))
            .or_default();
        let next = fns.len();
        fns.entry(n.function).or_insert(next);
    }
    let mut out: Vec<Option<Cow<'_, str>>> = Vec::new();
    for (id, n) in g.iter() {
        let mut name = Cow::Borrowed(n.info.name.as_str());
        if let Some(fns) = index.get(&(n.info.file.as_str(), n.info.name.as_str())) {
            if fns.len() > 1 {
                let i = fns.get(&n.function).copied().unwrap_or(0);
                let _ = write!(name.to_mut(), " [{}/{}]", i + 1, fns.len());
            }
        }
        if out.len() <= id.index() {
            out.resize(id.index() + 1, None);
        }
        out[id.index()] = Some(name);
    }
    out
}

/// Callgrind's name compression: the first use of a name is `(N) name`,
/// later uses are `(N)`.
#[derive(Default)]
struct Names {
    ids: FastMap<String, usize>,
}

impl Names {
    /// Appends the compressed form of `name` (nothing for an empty name).
    fn put(&mut self, out: &mut String, name: &str) {
        self.put_cached(out, name, &mut 0);
    }

    /// Like [`Names::put`], with `cached` remembering the name's number
    /// for its next use by the same node (0 until known), which saves
    /// hashing the name again.
    fn put_cached(&mut self, out: &mut String, name: &str, cached: &mut usize) {
        if name.is_empty() {
            return;
        }
        out.push('(');
        if *cached == 0 {
            if let Some(&id) = self.ids.get(name) {
                *cached = id;
            }
        }
        if *cached != 0 {
            push_uint(out, *cached as u64);
            out.push(')');
            return;
        }
        let id = self.ids.len() + 1;
        self.ids.insert(name.to_string(), id);
        *cached = id;
        push_uint(out, id as u64);
        out.push_str(") ");
        out.push_str(name);
    }

    #[cfg(test)]
    fn get(&mut self, name: &str) -> String {
        let mut s = String::new();
        self.put(&mut s, name);
        s
    }
}

/// Callgrind's position compression: `*` for the previous address, a
/// signed offset when that is shorter than the absolute `0x` form.
fn push_address(out: &mut String, prev: Option<&NodeInfo>, curr: u64) {
    let hex_len = 2 + (64 - curr.max(1).leading_zeros() as usize).div_ceil(4);
    if let Some(prev) = prev {
        if prev.address == curr {
            out.push('*');
            return;
        }
        let diff = curr.wrapping_sub(prev.address) as i64;
        let mut digits = 1;
        let mut m = diff.unsigned_abs();
        while m >= 10 {
            m /= 10;
            digits += 1;
        }
        if 1 + digits < hex_len {
            out.push(if diff < 0 { '-' } else { '+' });
            push_uint(out, diff.unsigned_abs());
            return;
        }
    }
    let _ = write!(out, "{curr:#x}");
}

#[cfg(test)]
fn address(prev: Option<&NodeInfo>, curr: u64) -> String {
    let mut s = String::new();
    push_address(&mut s, prev, curr);
    s
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
        // The shorter form wins; a tie goes to the absolute one.
        for (p, c) in [
            (0x1000u64, 0x1009u64),
            (0, 0x10),
            (0x10, 0),
            (5, 100),
            (0xfff, 0x1000),
            (u64::MAX, 0),
        ] {
            let prev = NodeInfo {
                address: p,
                ..Default::default()
            };
            let abs = format!("{c:#x}");
            let rel = format!("{:+}", c.wrapping_sub(p) as i64);
            let want = if rel.len() < abs.len() { rel } else { abs };
            assert_eq!(address(Some(&prev), c), want, "{p:#x} -> {c:#x}");
        }
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
