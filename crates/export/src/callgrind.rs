//! pprof's callgrind output, read by kcachegrind and `callgrind_annotate`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use pprof_graph::{EdgeId, FunctionKey, Graph, Node, NodeId, NodeInfo};
use pprof_model::chunks::map_in_runs;
use pprof_model::gofmt::{int64, push_hex, push_int, push_uint};
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
/// Names are numbered first; the text is then made in chunks of nodes on
/// two threads and written in order.
pub fn write_callgrind<W: Write>(w: &mut W, g: &Graph, c: &CallgrindConfig) -> Result<()> {
    write_in_chunks(w, g, c, CHUNK_NODES, PARALLEL_MIN_NODES)
}

/// Returns the callgrind text of `g`; see [`write_callgrind`].
pub fn compose_callgrind(g: &Graph, c: &CallgrindConfig) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_in_chunks(&mut out, g, c, CHUNK_NODES, PARALLEL_MIN_NODES);
    // Every byte comes from a `&str`.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Nodes per chunk of text.
const CHUNK_NODES: usize = 2048;

fn write_in_chunks<W: Write + ?Sized>(
    w: &mut W,
    g: &Graph,
    c: &CallgrindConfig,
    chunk_nodes: usize,
    min_half: usize,
) -> Result<()> {
    let plan = Plan::new(g, chunk_nodes.max(1), min_half);
    let mut head = String::from("positions: instr line\n");
    let _ = writeln!(head, "events: {}({})", c.sample_type, c.output_unit);
    w.write_all(head.as_bytes())?;
    let conversion = measurement::Conversion::new(&c.sample_unit, &c.output_unit);
    let scaled = |v: i64| -> i64 {
        match conversion {
            Some(k) => int64(k.apply(v)),
            None => int64(measurement::scale(v, &c.sample_unit, &c.output_unit).0),
        }
    };
    let chunks = plan.nodes.len().div_ceil(plan.chunk_nodes);
    pprof_model::chunks::write_in_order(
        w,
        chunks,
        || (),
        |_, i, out| plan.format_chunk(i, &scaled, out),
    )?;
    Ok(())
}

/// Marks a missing or empty name.
const NONE: u32 = u32::MAX;

/// The texts of one of callgrind's name spaces (object files, files,
/// function names), each numbered once by first use.
#[derive(Default)]
struct Space<'a> {
    /// Each text's [`text_hash`] and class, found by that hash.
    ids: hashbrown::HashTable<(u64, u32)>,
    texts: Vec<Cow<'a, str>>,
    /// Per text: its number in the output (from 1), 0 until used.
    number: Vec<u32>,
    /// Per text: the position (mention count) of its first use.
    first: Vec<u64>,
    used: u32,
}

impl<'a> Space<'a> {
    /// The class of `text`, `NONE` for the empty name.
    fn class(&mut self, text: Cow<'a, str>) -> u32 {
        let hash = text_hash(&text);
        self.class_hashed(text, hash)
    }

    /// Makes room for `n` more texts.
    fn reserve(&mut self, n: usize) {
        self.ids.reserve(n, |&(h, _)| h);
        self.texts.reserve(n);
        self.number.reserve(n);
        self.first.reserve(n);
    }

    /// [`Space::class`] of a text whose [`text_hash`] is known.
    fn class_hashed(&mut self, text: Cow<'a, str>, hash: u64) -> u32 {
        if text.is_empty() {
            return NONE;
        }
        let texts = &self.texts;
        let entry = self.ids.entry(
            hash,
            |&(h, id)| h == hash && texts[id as usize] == text,
            |&(h, _)| h,
        );
        let id = texts.len() as u32;
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => return e.get().1,
            hashbrown::hash_table::Entry::Vacant(e) => e.insert((hash, id)),
        };
        self.texts.push(text);
        self.number.push(0);
        self.first.push(u64::MAX);
        id
    }

    /// Numbers `class` if this use, at position `pos`, is its first.
    fn mention(&mut self, class: u32, pos: u64) {
        if let Some(n) = self.number.get_mut(class as usize) {
            if *n == 0 {
                self.used += 1;
                *n = self.used;
                self.first[class as usize] = pos;
            }
        }
    }

    /// Appends the compressed name of `class` used at `pos`: `(N) name`
    /// the first time, `(N)` after, nothing for no name.
    fn put(&self, out: &mut String, class: u32, pos: u64) {
        let Some(&n) = self.number.get(class as usize) else {
            return;
        };
        out.push('(');
        push_uint(out, u64::from(n));
        out.push(')');
        if self.first[class as usize] == pos {
            out.push(' ');
            out.push_str(&self.texts[class as usize]);
        }
    }
}

/// What formatting needs, found in one pass over the nodes in order: each
/// node's name classes, its sorted calls, and each name's number and
/// first use, so that chunks of nodes can be formatted independently.
struct Plan<'a> {
    /// The node list with ids, in order.
    nodes: Vec<(NodeId, &'a Node)>,
    chunk_nodes: usize,
    objfiles: Space<'a>,
    files: Space<'a>,
    names: Space<'a>,
    /// Per arena node: object file, file and function name classes, and
    /// the class of its name as a callee (disambiguated; `NONE` when not
    /// in the node list).
    ob: Vec<u32>,
    fl: Vec<u32>,
    fname: Vec<u32>,
    callee_name: Vec<u32>,
    /// Per listed node (by position): whether it starts a new
    /// `ob/fl/fn` block, and its calls `calls[call_ends[i]..call_ends[i+1]]`.
    block: Vec<bool>,
    calls: Vec<EdgeId>,
    /// Per call: the arena index of its callee, `NONE` when the graph has
    /// not the edge or its callee.
    callees: Vec<u32>,
    call_ends: Vec<usize>,
    /// Per listed node: its position and flat value; per call: its
    /// callee's position and its weight. Gathered from the nodes and
    /// edges (in no order in memory) in one pass on two threads, so that
    /// formatting reads lists in order.
    costs: Vec<Cost>,
    call_costs: Vec<Cost>,
    /// The mention position at the start of each chunk.
    chunk_pos: Vec<u64>,
}

impl<'a> Plan<'a> {
    /// (Lists of nodes are read in runs on two threads at once when there
    /// are at least twice `min_half` nodes.)
    fn new(g: &'a Graph, chunk_nodes: usize, min_half: usize) -> Self {
        let nodes: Vec<(NodeId, &Node)> = g.iter().collect();
        let arena = g.arena.len();
        let mut plan = Plan {
            nodes,
            chunk_nodes,
            objfiles: Space::default(),
            files: Space::default(),
            names: Space::default(),
            ob: vec![NONE; arena],
            fl: vec![NONE; arena],
            fname: vec![NONE; arena],
            callee_name: vec![NONE; arena],
            block: Vec::new(),
            calls: Vec::new(),
            callees: Vec::new(),
            call_ends: vec![0],
            costs: Vec::new(),
            call_costs: Vec::new(),
            chunk_pos: Vec::new(),
        };
        // The calls of every node, sorted as pprof does, with their
        // callees' positions and their weights read while the edges are at
        // hand, and each node's own position and flat value, on two
        // threads.
        let nodes = &plan.nodes;
        let gather = |r: std::ops::Range<usize>| {
            let mut out = Gathered {
                ends: Vec::with_capacity(r.len()),
                costs: Vec::with_capacity(r.len()),
                ..Gathered::default()
            };
            for block in nodes[r].chunks(BLOCK_NODES) {
                // A node, its list of calls, the calls and their callees
                // sit anywhere in memory: they are read for the whole
                // block first, so that the cache misses of different nodes
                // overlap instead of coming one after another.
                let mut seen = 0u64;
                for &(_, n) in block {
                    for &e in &n.out_edges {
                        if let Some(e) = g.edge(e) {
                            let callee = g.node(e.dest).map_or(0, |d| d.info.address);
                            seen ^= callee ^ e.weight as u64;
                        }
                    }
                }
                std::hint::black_box(seen);
                for &(id, n) in block {
                    g.extend_sorted_out_edges(id, &mut out.calls);
                    for &e in &out.calls[out.callees.len()..] {
                        let edge = g.edge(e);
                        let callee = edge.and_then(|e| g.node(e.dest).map(|n| (e, n)));
                        out.callees.push(callee.map_or(NONE, |(e, _)| e.dest.0));
                        out.call_costs.push(
                            callee.map_or_else(Cost::default, |(e, n)| Cost::at(&n.info, e.weight)),
                        );
                    }
                    out.ends.push(out.calls.len());
                    out.costs.push(Cost::at(&n.info, n.flat_value()));
                }
            }
            out
        };
        let mut runs = pprof_model::chunks::in_runs(nodes.len(), min_half, gather).into_iter();
        if let Some(first) = runs.next() {
            plan.call_ends.extend(first.ends);
            plan.calls = first.calls;
            plan.callees = first.callees;
            plan.call_costs = first.call_costs;
            plan.costs = first.costs;
        }
        for run in runs {
            let off = plan.calls.len();
            plan.call_ends.extend(run.ends.into_iter().map(|e| e + off));
            plan.calls.extend(run.calls);
            plan.callees.extend(run.callees);
            plan.call_costs.extend(run.call_costs);
            plan.costs.extend(run.costs);
        }

        plan.classify(min_half);
        // Number the names in the order of the text.
        let mut pos = 0u64;
        let mut prev: Option<usize> = None;
        for k in 0..plan.nodes.len() {
            if k % chunk_nodes == 0 {
                plan.chunk_pos.push(pos);
            }
            let i = plan.nodes[k].0.index();
            let block = prev.is_none_or(|p| {
                plan.ob[p] != plan.ob[i]
                    || plan.fl[p] != plan.fl[i]
                    || plan.fname[p] != plan.fname[i]
            });
            plan.block.push(block);
            if block {
                plan.objfiles.mention(plan.ob[i], pos);
                plan.files.mention(plan.fl[i], pos + 1);
                plan.names.mention(plan.fname[i], pos + 2);
                pos += 3;
            }
            for c in plan.call_ends[k]..plan.call_ends[k + 1] {
                let d = plan.callees[c];
                if d == NONE {
                    continue;
                }
                let d = d as usize;
                // A callee outside the node list has no class yet.
                if plan.fl.get(d) == Some(&NONE) {
                    if let Some(callee) = g.node(NodeId(d as u32)) {
                        plan.fl[d] = plan.files.class(Cow::Borrowed(&callee.info.file));
                    }
                }
                plan.files
                    .mention(plan.fl.get(d).copied().unwrap_or(NONE), pos);
                plan.names
                    .mention(plan.callee_name.get(d).copied().unwrap_or(NONE), pos + 1);
                pos += 2;
            }
            prev = Some(i);
        }
        plan
    }

    /// The classes of every listed node's names. Functions with equal
    /// file and name are merged by callgrind: when several distinct
    /// functions (say, call-tree contexts) share both, each is called by
    /// its name with a ` [i/n]` suffix (pprof's `getDisambiguatedNames`).
    fn classify(&mut self, min_half: usize) {
        /// One (file, name) pair: its classes and its distinct functions.
        struct Group {
            file: u32,
            name: u32,
            functions: u32,
        }
        // (file class, name class) → group.
        let mut group_ids: FastMap<(u32, u32), u32> = FastMap::default();
        let mut groups: Vec<Group> = Vec::new();
        // (group, function) → index among the group's functions.
        let mut function_index: FastMap<(u32, FunctionKey), u32> = FastMap::default();
        // A function's nodes share its file and name (the graph builder's
        // promise, checked): its group and index are looked up once, at
        // its first node, and the strings hashed once per function; a
        // group is found by the classes of its two names.
        // The nodes come in no order in memory: what is read of every
        // node is read on two threads first (its function, whether its
        // object file is its predecessor's, whether its names are those of
        // its function's first node, and if not their hashes), and the
        // names of a node looked at below only when that tells nothing.
        let nodes = &self.nodes;
        let read = map_in_runs(nodes.len(), min_half, |k| {
            let n = &nodes[k].1.info;
            let same_ob = k > 0 && nodes[k - 1].1.info.objfile == n.objfile;
            (nodes[k].1.function, same_ob)
        });
        let mut first_of: FastMap<FunctionKey, usize> = FastMap::default();
        let firsts: Vec<usize> = (read.iter().enumerate())
            .map(|(k, &(f, _))| *first_of.entry(f).or_insert(k))
            .collect();
        // Whether a node's names are its function's first node's, and if
        // not, the hashes of its file and name.
        let as_first = map_in_runs(nodes.len(), min_half, |k| {
            let (f, n) = (&nodes[firsts[k]].1.info, &nodes[k].1.info);
            if firsts[k] != k && f.name == n.name && f.file == n.file {
                None
            } else {
                Some((text_hash(&n.file), text_hash(&n.name)))
            }
        });
        // Names are looked up at most once per node that hashed them.
        let lookups = as_first.iter().filter(|h| h.is_some()).count();
        self.files.reserve(lookups);
        self.names.reserve(lookups);
        group_ids.reserve(lookups);
        function_index.reserve(lookups);
        let mut of_node: Vec<(u32, u32)> = Vec::with_capacity(self.nodes.len());
        for (k, &(id, n)) in self.nodes.iter().enumerate() {
            let i = id.index();
            // Neighbours usually share their object file.
            self.ob[i] = match k.checked_sub(1) {
                Some(p) if read[k].1 => self.ob[self.nodes[p].0.index()],
                _ => self.objfiles.class(Cow::Borrowed(&n.info.objfile)),
            };
            let (g, index) = match as_first[k] {
                None => of_node[firsts[k]],
                Some((file_hash, name_hash)) => {
                    let file = self
                        .files
                        .class_hashed(Cow::Borrowed(&n.info.file), file_hash);
                    let name = self
                        .names
                        .class_hashed(Cow::Borrowed(&n.info.name), name_hash);
                    let next = groups.len() as u32;
                    let g = *group_ids.entry((file, name)).or_insert(next);
                    if g == next {
                        groups.push(Group {
                            file,
                            name,
                            functions: 0,
                        });
                    }
                    let group = &mut groups[g as usize];
                    let count = group.functions;
                    let index = *function_index.entry((g, n.function)).or_insert(count);
                    if index == count {
                        group.functions += 1;
                    }
                    (g, index)
                }
            };
            let group = &groups[g as usize];
            self.fl[i] = group.file;
            self.fname[i] = group.name;
            of_node.push((g, index));
        }
        for (k, &(g, index)) in of_node.iter().enumerate() {
            let i = self.nodes[k].0.index();
            let group = &groups[g as usize];
            self.callee_name[i] = if group.functions > 1 {
                let name = format!(
                    "{} [{}/{}]",
                    self.nodes[k].1.info.name,
                    index + 1,
                    group.functions
                );
                self.names.class(Cow::Owned(name))
            } else {
                group.name
            };
        }
    }

    /// Appends the text of chunk `chunk` of the nodes.
    fn format_chunk(&self, chunk: usize, scaled: &dyn Fn(i64) -> i64, out: &mut String) {
        let from = chunk * self.chunk_nodes;
        let to = (from + self.chunk_nodes).min(self.nodes.len());
        let mut pos = self.chunk_pos.get(chunk).copied().unwrap_or(0);
        let class = |v: &[u32], i: usize| v.get(i).copied().unwrap_or(NONE);
        for k in from..to {
            let i = self.nodes[k].0.index();
            let cost = &self.costs[k];
            let prev = k.checked_sub(1).map(|p| self.costs[p].address);
            if self.block[k] {
                out.push_str("\nob=");
                self.objfiles.put(out, class(&self.ob, i), pos);
                out.push_str("\nfl=");
                self.files.put(out, class(&self.fl, i), pos + 1);
                out.push_str("\nfn=");
                self.names.put(out, class(&self.fname, i), pos + 2);
                out.push('\n');
                pos += 3;
            }
            push_address(out, prev, cost.address);
            out.push(' ');
            push_int(out, cost.line);
            out.push(' ');
            push_int(out, scaled(cost.value));
            out.push('\n');
            for c in self.call_ends[k]..self.call_ends[k + 1] {
                let d = self.callees[c];
                if d == NONE {
                    continue;
                }
                let (d, call) = (d as usize, &self.call_costs[c]);
                out.push_str("cfl=");
                self.files.put(out, class(&self.fl, d), pos);
                // pprof names callees from the graph's node list only: an
                // edge to a node left out of it (no flat nor cum value, as
                // with -mean when a sample has a count but no value) gets
                // `cfn=`.
                out.push_str("\ncfn=");
                self.names.put(out, class(&self.callee_name, d), pos + 1);
                pos += 2;
                // pprof has no call counts: the count is 0.
                out.push_str("\ncalls=0 ");
                push_address(out, prev, call.address);
                out.push(' ');
                push_int(out, call.line);
                out.push_str("\n* * ");
                push_int(out, scaled(call.value));
                out.push('\n');
            }
        }
    }
}

/// Nodes per half below which one thread sorts the calls.
const PARALLEL_MIN_NODES: usize = 20_000;

/// Nodes whose calls are read from memory together.
const BLOCK_NODES: usize = 16;

/// What [`Plan::new`] reads of a range of listed nodes, in order.
#[derive(Default)]
struct Gathered {
    /// Each node's calls, sorted; the ends of each node's calls in it.
    calls: Vec<EdgeId>,
    ends: Vec<usize>,
    /// Per call: its callee's arena index (`NONE` when the graph has not
    /// the edge or its callee), the callee's position and the weight.
    callees: Vec<u32>,
    call_costs: Vec<Cost>,
    /// Per node: its position and flat value.
    costs: Vec<Cost>,
}

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// The hash that finds a name in a [`Space`] (fixed, so that it can be
/// worked out on another thread beforehand).
fn text_hash(text: &str) -> u64 {
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(text)
}

/// A cost line's position (address and line) and value.
#[derive(Clone, Copy, Default)]
struct Cost {
    address: u64,
    line: i64,
    value: i64,
}

impl Cost {
    fn at(info: &NodeInfo, value: i64) -> Cost {
        Cost {
            address: info.address,
            line: info.lineno,
            value,
        }
    }
}

/// Callgrind's position compression: `*` for the previous address, a
/// signed offset when that is shorter than the absolute `0x` form.
fn push_address(out: &mut String, prev: Option<u64>, curr: u64) {
    let hex_len = 2 + (64 - curr.max(1).leading_zeros() as usize).div_ceil(4);
    if let Some(prev) = prev {
        if prev == curr {
            out.push('*');
            return;
        }
        let diff = curr.wrapping_sub(prev) as i64;
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
    out.push_str("0x");
    push_hex(out, curr, 0);
}

#[cfg(test)]
fn address(prev: Option<u64>, curr: u64) -> String {
    let mut s = String::new();
    push_address(&mut s, prev, curr);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile of `n` locations in a few files and functions, some
    /// names shared by functions of different files, and random stacks.
    fn random_profile(n: u64, seed: u64) -> pprof_model::Profile {
        let mut b = pprof_model::build::ProfileBuilder::new(&[("cpu", "nanoseconds")]);
        let m = b.mapping("/bin/app", 0, 1 << 40);
        let mut next = pprof_testkit::numbers(seed);
        let locs: Vec<_> = (0..n)
            .map(|i| {
                let f = next(n / 3 + 1);
                let name = format!("pkg.f{}", f % 7 + f / 7);
                let file = format!("src/{}.go", f % 3);
                let line = next(100) as i64;
                let frames = [(name.as_str(), file.as_str(), line)];
                b.named_location(Some(m), 0x1000 + 16 * i + next(3) * 4096, &frames)
            })
            .collect();
        for _ in 0..4 * n {
            let depth = 1 + next(6) as usize;
            let stack: Vec<_> = (0..depth).map(|_| locs[next(n) as usize]).collect();
            b.sample(&stack, &[next(5) as i64 * 1000]);
        }
        b.build()
    }

    #[test]
    fn chunks_make_the_text_of_one_pass() {
        let c = CallgrindConfig {
            sample_type: "cpu".to_string(),
            sample_unit: "nanoseconds".to_string(),
            output_unit: "us".to_string(),
        };
        for (seed, call_tree) in [(1, false), (2, true), (3, false)] {
            let p = random_profile(60, seed);
            let mut o = pprof_graph::Options::default();
            o.granularity = pprof_graph::Granularity::Addresses;
            o.obj_names = true;
            o.call_tree = call_tree;
            let mut g = Graph::new(&p, &o);
            g.sort(pprof_graph::NodeOrder::FlatName);
            let text = |chunk: usize, min_half: usize| {
                let mut out = Vec::new();
                write_in_chunks(&mut out, &g, &c, chunk, min_half).unwrap();
                String::from_utf8(out).unwrap()
            };
            // On one thread, one chunk.
            let whole = text(usize::MAX, usize::MAX);
            assert!(whole.matches("\nfn=").count() > 10, "{whole}");
            assert!(whole.matches("cfn=").count() > 10, "{whole}");
            if call_tree {
                let told_apart = |l: &str| l.starts_with("cfn=") && l.ends_with(']');
                assert!(whole.lines().any(told_apart), "{whole}");
            }
            for chunk in [1, 2, 7] {
                assert_eq!(text(chunk, usize::MAX), whole, "chunks of {chunk} nodes");
            }
            // The nodes' calls, positions and names read in runs on two
            // threads (nodes read in blocks, some runs not a whole number
            // of blocks).
            for min_half in [1, 5, 20] {
                assert_eq!(text(7, min_half), whole, "runs for at least {min_half}");
            }
        }
    }

    #[test]
    fn function_keys_shared_by_different_names_do_not_join_them() {
        // A graph made by hand, every node with the default function key.
        let node = |name: &str, flat: i64| pprof_graph::Node {
            info: NodeInfo {
                name: name.to_string(),
                file: "a.go".to_string(),
                ..Default::default()
            },
            flat,
            cum: flat,
            ..Default::default()
        };
        let mut g = Graph::default();
        g.arena = vec![node("f", 3), node("g", 2), node("f", 1)];
        g.nodes = vec![NodeId(0), NodeId(1), NodeId(2)];
        let c = CallgrindConfig::default();
        let out = compose_callgrind(&g, &c);
        assert!(out.contains("fn=(1) f\n"), "{out}");
        assert!(out.contains("fn=(2) g\n"), "{out}");
        assert!(out.ends_with("fn=(1)\n* 0 1\n"), "{out}");
    }

    #[test]
    fn addresses_compress() {
        let prev = 0x1000;
        assert_eq!(address(None, 0x1000), "0x1000");
        assert_eq!(address(Some(prev), 0x1000), "*");
        assert_eq!(address(Some(prev), 0x1010), "+16");
        assert_eq!(address(Some(prev), 0xff0), "-16");
        assert_eq!(address(Some(prev), 0), "0x0");
        // The shorter form wins; a tie goes to the absolute one.
        for (p, c) in [
            (0x1000u64, 0x1009u64),
            (0, 0x10),
            (0x10, 0),
            (5, 100),
            (0xfff, 0x1000),
            (u64::MAX, 0),
        ] {
            let abs = format!("{c:#x}");
            let rel = format!("{:+}", c.wrapping_sub(p) as i64);
            let want = if rel.len() < abs.len() { rel } else { abs };
            assert_eq!(address(Some(p), c), want, "{p:#x} -> {c:#x}");
        }
    }
}
