//! Building a graph or a call tree from the samples of a profile.

use std::collections::HashMap;
use std::hash::BuildHasher;

use pprof_model::chunks::in_halves;
use pprof_model::{Label, Line, Location, Profile, SampleRef, Samples, StrId};

use crate::options::{Edges, Keep, Options, TagFormat};
use crate::paths;
use crate::types::{Edge, EdgeId, FunctionKey, Node, NodeId, NodeInfo, Tag};
use crate::Graph;

/// The Fx hash (rustc-hash's, whose last step spreads the mixed high
/// bits to the low bits that pick a bucket).
pub(crate) type FxBuild = rustc_hash::FxBuildHasher;
pub(crate) type FxMap<K, V> = HashMap<K, V, FxBuild>;

/// Compact identity of a node while building: profile string ids plus a
/// graph-local id for cleaned file names.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    name: u32,
    orig: u32,
    address: u64,
    file: u32,
    start_line: i64,
    lineno: i64,
    column: i64,
    objfile: u32,
}

struct Builder<'a> {
    p: &'a Profile,
    o: &'a Options,
    keep: Keep,
    g: Graph,
    /// (context, key) → node, `None` when the key is not in the kept set.
    nodes: FxMap<(u32, Key), Option<NodeId>>,
    functions: FxMap<(u32, Key), u32>,
    edges: FxMap<(u32, u32), u32>,
    /// Cleaned file names; index 0 is the empty name.
    files: Vec<String>,
    file_ids: FxMap<String, u32>,
    /// Per function: its file id, `u32::MAX` until computed.
    func_file: Vec<u32>,
    /// The names of the kept nodes, when only some are kept.
    kept_names: Option<std::collections::HashSet<&'a str, FxBuild>>,
    /// Per profile string: whether a kept node has it as its name.
    name_kept: Vec<NameKept>,
    /// When set, new nodes are not made here: their keys go to the
    /// thread that makes them ([`NodeOrders`]).
    orders: Option<NodeOrders>,
}

/// New nodes' keys (with their function) in batches, for another thread
/// to make the nodes from ([`make_ordered_nodes`]) while this one goes on
/// finding the frames' nodes: a node is large (its names are copied) and
/// making it touches fresh memory.
struct NodeOrders {
    to: std::sync::mpsc::Sender<NodeBatch>,
    batch: NodeBatch,
    /// Nodes ordered so far.
    count: usize,
    /// Cleaned file names already sent.
    files_sent: usize,
}

/// Keys of nodes to make, in order, and the cleaned file names found
/// since the last batch.
#[derive(Default)]
struct NodeBatch {
    keys: Vec<(Key, FunctionKey)>,
    files: Vec<String>,
}

/// Keys per [`NodeBatch`] (a few in tests, so that their small profiles
/// make many batches).
const NODE_BATCH: usize = if cfg!(test) { 3 } else { 4096 };

impl NodeOrders {
    fn send(&mut self, files: &[String]) {
        self.batch.files = files.get(self.files_sent..).unwrap_or_default().to_vec();
        self.files_sent = files.len();
        // Gone only when the making thread is: the graph is then not made.
        let _ = self.to.send(std::mem::take(&mut self.batch));
    }
}

/// Makes the nodes that `orders` bring, in order, as
/// [`Builder::find_or_insert`] would have: the arena of the graph.
fn make_ordered_nodes(
    p: &Profile,
    orders: std::sync::mpsc::Receiver<NodeBatch>,
    room: usize,
) -> Vec<Node> {
    let mut arena: Vec<Node> = Vec::with_capacity(room);
    let mut files: Vec<String> = Vec::new();
    for batch in orders {
        files.extend(batch.files);
        arena.extend((batch.keys.iter()).map(|(k, f)| new_node(node_info(p, &files, k), *f)));
    }
    arena
}

/// Adds an edge without weight from `src` to `dest` to `edges` (not
/// linked from the nodes).
fn push_edge(edges: &mut Vec<Edge>, src: NodeId, dest: NodeId) -> EdgeId {
    let id = EdgeId(edges.len() as u32);
    edges.push(Edge {
        src,
        dest,
        weight: 0,
        weight_div: 0,
        residual: false,
        inline: true,
    });
    id
}

/// Adds a weight (and divisor) to an edge, with pprof's `AddToEdgeDiv`
/// rules for its flags.
fn add_to_edge(e: &mut Edge, dw: i64, w: i64, residual: bool, inline: bool) {
    e.weight_div = e.weight_div.wrapping_add(dw);
    e.weight = e.weight.wrapping_add(w);
    if residual {
        e.residual = true;
    }
    if !inline {
        e.inline = false;
    }
}

/// A node with no value yet.
fn new_node(info: NodeInfo, function: FunctionKey) -> Node {
    Node {
        info,
        function,
        ..Node::default()
    }
}

/// The identity of the node of key `k`.
fn node_info(p: &Profile, files: &[String], k: &Key) -> NodeInfo {
    NodeInfo {
        name: p.str(StrId(k.name)).to_string(),
        orig_name: p.str(StrId(k.orig)).to_string(),
        address: k.address,
        file: files.get(k.file as usize).cloned().unwrap_or_default(),
        start_line: k.start_line,
        lineno: k.lineno,
        column: k.column,
        objfile: p.str(StrId(k.objfile)).to_string(),
    }
}

/// Whether a name is among the kept nodes' names, once looked up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NameKept {
    Unknown,
    Yes,
    No,
}

impl<'a> Builder<'a> {
    fn new(p: &'a Profile, o: &'a Options) -> Self {
        Builder {
            p,
            o,
            keep: Keep::new(o.granularity, o.no_inlines, o.show_columns),
            g: Graph::default(),
            nodes: FxMap::default(),
            functions: FxMap::default(),
            edges: FxMap::default(),
            files: vec![String::new()],
            file_ids: FxMap::default(),
            func_file: vec![u32::MAX; p.functions.len()],
            kept_names: o
                .kept_nodes
                .as_ref()
                .map(|kept| kept.iter().map(|i| i.name.as_str()).collect()),
            name_kept: match o.kept_nodes {
                Some(_) => vec![NameKept::Unknown; p.strings.len()],
                None => Vec::new(),
            },
            orders: None,
        }
    }

    fn file_id(&mut self, f: usize) -> u32 {
        let Some(&cached) = self.func_file.get(f) else {
            return 0;
        };
        if cached != u32::MAX {
            return cached;
        }
        let name = self.p.functions.get(f).map_or(StrId::EMPTY, |f| f.filename);
        let id = if name.is_empty() {
            0
        } else {
            let raw = self.p.str(name);
            let trimmed = if self.o.raw_file_names {
                raw
            } else {
                paths::trim_path(raw, &self.o.trim_path, &self.o.source_path)
            };
            let cleaned = paths::clean(trimmed);
            match self.file_ids.get(cleaned.as_ref()) {
                Some(&id) => id,
                None => {
                    let id = self.files.len() as u32;
                    self.file_ids.insert(cleaned.to_string(), id);
                    self.files.push(cleaned.into_owned());
                    id
                }
            }
        };
        if let Some(slot) = self.func_file.get_mut(f) {
            *slot = id;
        }
        id
    }

    fn key(&mut self, loc: &Location, line: Option<&Line>) -> Key {
        let objfile = loc
            .mapping
            .and_then(|m| self.p.mappings.get(m.index()))
            .map_or(0, |m| m.file.0);
        let address = if self.keep.address { loc.address } else { 0 };
        let func = line.and_then(|l| self.p.functions.get(l.function.index()).map(|f| (l, f)));
        let Some((line, f)) = func else {
            return Key {
                name: 0,
                orig: 0,
                address,
                file: 0,
                start_line: 0,
                lineno: 0,
                column: 0,
                objfile,
            };
        };
        let name = if self.keep.function { f.name.0 } else { 0 };
        let orig = if self.keep.function && self.o.orig_fn_names {
            f.system_name.0
        } else {
            0
        };
        let file = if self.keep.filename {
            self.file_id(line.function.index())
        } else {
            0
        };
        let lineno = if self.keep.linenumber { line.line } else { 0 };
        let column = if self.keep.column { line.column } else { 0 };
        let (objfile, start_line) = if self.o.obj_names || (name == 0 && orig == 0) {
            (objfile, f.start_line)
        } else {
            (0, 0)
        };
        Key {
            name,
            orig,
            address,
            file,
            start_line,
            lineno,
            column,
            objfile,
        }
    }

    /// pprof's `FindOrInsertNode` within the node map of `ctx`.
    fn find_or_insert(&mut self, ctx: u32, k: Key) -> Option<NodeId> {
        if let Some(names) = &self.kept_names {
            // Most keys are not kept: their name tells (found once per
            // name), with no node made nor key recorded.
            let known = self.name_kept.get(k.name as usize).copied();
            let kept = match known {
                Some(NameKept::Yes) => true,
                Some(NameKept::No) => false,
                _ => {
                    let kept = names.contains(self.p.str(StrId(k.name)));
                    if let Some(slot) = self.name_kept.get_mut(k.name as usize) {
                        *slot = if kept { NameKept::Yes } else { NameKept::No };
                    }
                    kept
                }
            };
            if !kept {
                return None;
            }
        }
        // One lookup finds the key or the place for it.
        let slot = match self.nodes.entry((ctx, k)) {
            std::collections::hash_map::Entry::Occupied(e) => return *e.get(),
            std::collections::hash_map::Entry::Vacant(v) => v,
        };
        let info = (self.orders.is_none()).then(|| node_info(self.p, &self.files, &k));
        if let (Some(kept), Some(info)) = (&self.o.kept_nodes, &info) {
            if !kept.contains(info) {
                slot.insert(None);
                return None;
            }
        }
        // The node of the whole function: pprof's `FindOrInsertNode` takes
        // a node of address 0 and line 0 for its own function node, its
        // column (today's pprof) notwithstanding.
        let fkey = if k.address == 0 && k.lineno == 0 {
            k
        } else {
            Key {
                address: 0,
                lineno: 0,
                column: 0,
                ..k
            }
        };
        let next = self.functions.len() as u32;
        let function = *self.functions.entry((ctx, fkey)).or_insert(next);
        if let Some(orders) = &mut self.orders {
            let id = NodeId(orders.count as u32);
            orders.count += 1;
            orders.batch.keys.push((k, FunctionKey(function)));
            if orders.batch.keys.len() >= NODE_BATCH {
                orders.send(&self.files);
            }
            slot.insert(Some(id));
            return Some(id);
        }
        let id = NodeId(self.g.arena.len() as u32);
        let node = new_node(info.unwrap_or_default(), FunctionKey(function));
        self.g.arena.push(node);
        slot.insert(Some(id));
        Some(id)
    }

    fn lines<'l>(&self, loc: &'l Location) -> &'l [Line] {
        if !self.keep.inline_frames && loc.lines.len() > 1 {
            &loc.lines[loc.lines.len() - 1..]
        } else {
            &loc.lines
        }
    }

    fn edge(&mut self, src: NodeId, dest: NodeId) -> EdgeId {
        let next = self.g.edges.len() as u32;
        let id = *self.edges.entry((src.0, dest.0)).or_insert(next);
        if id == next {
            self.new_edge(src, dest);
        }
        EdgeId(id)
    }

    /// Makes an edge without weight from `src` to `dest`, linked from both
    /// nodes (the caller knows it is new).
    fn new_edge(&mut self, src: NodeId, dest: NodeId) -> EdgeId {
        let id = push_edge(&mut self.g.edges, src, dest);
        if let Some(n) = self.g.arena.get_mut(src.index()) {
            n.out_edges.push(id);
        }
        if let Some(n) = self.g.arena.get_mut(dest.index()) {
            n.in_edges.push(id);
        }
        id
    }

    fn add_to_edge(&mut self, e: EdgeId, dw: i64, w: i64, residual: bool, inline: bool) {
        if let Some(e) = self.g.edges.get_mut(e.index()) {
            add_to_edge(e, dw, w, residual, inline);
        }
    }

    fn add_sample(&mut self, n: NodeId, dw: i64, w: i64, flat: bool) {
        let Some(node) = self.g.arena.get_mut(n.index()) else {
            return;
        };
        add_value(
            &mut node.flat,
            &mut node.flat_div,
            &mut node.cum,
            &mut node.cum_div,
            dw,
            w,
            flat,
        );
    }
}

fn add_value(f: &mut i64, fd: &mut i64, c: &mut i64, cd: &mut i64, dw: i64, w: i64, flat: bool) {
    if flat {
        *fd = fd.wrapping_add(dw);
        *f = f.wrapping_add(w);
    } else {
        *cd = cd.wrapping_add(dw);
        *c = c.wrapping_add(w);
    }
}

/// A tag set: the tags one sample credits to every node it reaches.
struct TagSet {
    /// Label group of the sample's string labels (0: none).
    group: u32,
    /// Name ids and values of its numeric tags.
    numeric: Vec<(u32, i64)>,
}

impl TagSet {
    /// Whether samples of this set credit any tag at all.
    fn credits_any(&self) -> bool {
        self.group != 0 || !self.numeric.is_empty()
    }
}

/// Marks the label tag (rather than a numeric one) in a tag key.
const LABEL_TAG: u32 = u32::MAX;

/// Sums of one tag on one node, and the value of the first sample that
/// created it.
#[derive(Clone, Copy, Default)]
struct TagAcc {
    sums: Sums,
    value: i64,
}

/// Tags are collected by id. Samples with equal string labels form a
/// label group (the joined label text of pprof, [`LabelGroups`]); nodes
/// sum their tags in small hash maps keyed by (label group, numeric tag
/// name). Label texts are only built for the tags that end up on nodes.
struct TagCollector<'p, 'g> {
    p: &'p Profile,
    o: &'p Options,
    /// Numeric tag names (formatted numbers).
    names: Vec<String>,
    name_ids: HashMap<String, u32, foldhash::fast::RandomState>,
    numeric_names: FxMap<i64, u32>,
    /// The string id of the key `bytes` (the only numeric labels kept as
    /// tags), when the profile has it.
    bytes_key: Option<StrId>,
    /// Per label group: its set without numeric tags (`u32::MAX`: none
    /// yet); the sets with numeric tags by their content.
    group_sets: Vec<u32>,
    numeric_sets: FxMap<(u32, Vec<(u32, i64)>), u32>,
    sets: Vec<TagSet>,
    /// The samples' label groups.
    groups: &'g LabelGroups,
    /// Per node: its tags' sums.
    nodes: NodeTags,
}

/// Whether a string label makes it into pprof's joined label text (`base`:
/// the string id of `pprof::base`).
fn tag_label(base: Option<StrId>, l: &Label) -> bool {
    l.is_str() && Some(l.key) != base
}

/// pprof's joined labels of a sample: sorted `key:value` texts joined by
/// a literal `\n`.
fn labels_text(p: &Profile, base: Option<StrId>, s: SampleRef<'_>) -> String {
    let mut labels: Vec<String> = s
        .labels
        .iter()
        .filter(|l| tag_label(base, l))
        .map(|l| format!("{}:{}", p.str(l.key), p.str(l.str)))
        .collect();
    labels.sort();
    labels.join("\\n")
}

/// The string-label groups of a profile's samples: samples whose string
/// labels (but `pprof::base`) join to the same text share a group; group
/// 0 is the samples without any.
#[derive(Clone, Debug)]
pub(crate) struct LabelGroups {
    /// Per sample of the profile, in order: its group.
    of_sample: Vec<u32>,
    /// Per group: the index of a sample that carries it (none for group
    /// 0).
    rep: Vec<Option<usize>>,
    /// The string id of the key `pprof::base` (never part of a group),
    /// when the profile has it.
    base_key: Option<StrId>,
    /// Whether some sample has a numeric `bytes` label (a tag of its own).
    has_bytes: bool,
}

/// The groups of a range of samples as they are found.
struct GroupInterner<'p> {
    p: &'p Profile,
    base_key: Option<StrId>,
    by_ids: bool,
    /// By string ids: group `g` (from 1) is the sorted (key, value) pairs
    /// `pairs[ends[g - 1]..ends[g]]`, found through `index` by their hash.
    index: pprof_ops::IdIndex,
    pairs: Vec<(StrId, StrId)>,
    ends: Vec<u32>,
    /// The sorted pairs of the sample at hand.
    scratch: Vec<(StrId, StrId)>,
    by_text: HashMap<String, u32, foldhash::fast::RandomState>,
    rep: Vec<Option<usize>>,
    /// The string id of the key `bytes`, when the profile has it.
    bytes_key: Option<StrId>,
    /// Whether a sample grouped so far has a numeric `bytes` label.
    has_bytes: bool,
}

impl<'p> GroupInterner<'p> {
    fn new(p: &'p Profile, by_ids: bool) -> Self {
        GroupInterner {
            p,
            base_key: p.strings.lookup("pprof::base"),
            by_ids,
            index: pprof_ops::IdIndex::default(),
            pairs: Vec::new(),
            ends: vec![0],
            scratch: Vec::new(),
            by_text: HashMap::with_hasher(foldhash::fast::RandomState::default()),
            rep: vec![None],
            bytes_key: p.strings.lookup("bytes"),
            has_bytes: false,
        }
    }

    /// Notes whether `s` has a numeric `bytes` label.
    #[inline]
    fn note_bytes(&mut self, s: SampleRef<'p>) {
        if let (false, Some(b)) = (self.has_bytes, self.bytes_key) {
            self.has_bytes = s.labels.iter().any(|l| !l.is_str() && l.key == b);
        }
    }

    /// Fills `out` with the sorted (key, value) pairs of the labels of `s`
    /// that make its group, and returns their hash.
    fn pairs_of(&self, s: SampleRef<'p>, out: &mut Vec<(StrId, StrId)>) -> u64 {
        out.clear();
        self.push_pairs(s, out)
    }

    /// [`GroupInterner::pairs_of`] added at the end of `out`.
    #[inline]
    fn push_pairs(&self, s: SampleRef<'p>, out: &mut Vec<(StrId, StrId)>) -> u64 {
        let start = out.len();
        out.extend(
            s.labels
                .iter()
                .filter(|l| tag_label(self.base_key, l))
                .map(|l| (l.key, l.str)),
        );
        let pairs = out.get_mut(start..).unwrap_or_default();
        pairs.sort_unstable();
        FxBuild::default().hash_one(&*pairs)
    }

    /// Whether group `g` (from 1) of `pairs` and `ends` (see the fields)
    /// has exactly the pairs `want`.
    fn group_has(pairs: &[(StrId, StrId)], ends: &[u32], g: u32, want: &[(StrId, StrId)]) -> bool {
        let at = |k: u32| ends.get(k as usize).map_or(0, |&e| e as usize);
        pairs.get(at(g - 1)..at(g)) == Some(want)
    }

    /// The group of sample `s` if this interner has it already; the
    /// interner is only read.
    fn find(&self, s: SampleRef<'p>, scratch: &mut Vec<(StrId, StrId)>) -> Option<u32> {
        if self.by_ids {
            let hash = self.pairs_of(s, scratch);
            if scratch.is_empty() {
                return Some(0);
            }
            let (pairs, ends) = (&self.pairs, &self.ends);
            (self.index).find(hash, |g| Self::group_has(pairs, ends, g, scratch))
        } else {
            let text = labels_text(self.p, self.base_key, s);
            if text.is_empty() {
                return Some(0);
            }
            self.by_text.get(&text).copied()
        }
    }

    /// The group of the pairs `want` (with their `hash`), of sample
    /// number `i`, when grouping by string ids.
    #[inline]
    fn group_of_pairs(&mut self, want: &[(StrId, StrId)], hash: u64, i: usize) -> u32 {
        if want.is_empty() {
            return 0;
        }
        let next = self.rep.len() as u32;
        let (pairs, ends) = (&self.pairs, &self.ends);
        let same = |g: u32| Self::group_has(pairs, ends, g, want);
        if let Some(g) = self.index.find_or_insert(hash, next, same) {
            return g;
        }
        self.pairs.extend_from_slice(want);
        self.ends.push(self.pairs.len() as u32);
        self.rep.push(Some(i));
        next
    }

    /// The groups of the samples of `range`, in order. By string ids, a
    /// block of samples at a time: their pairs and hashes first, then the
    /// index slots and the pairs of the groups they most likely have are
    /// read for all of them at once, so that those cache misses overlap.
    fn groups_of_range(&mut self, range: std::ops::Range<usize>) -> Vec<u32> {
        const BLOCK: usize = 16;
        let p = self.p;
        let mut samples = range.clone().zip(p.samples.iter_range(range.clone()));
        if !self.by_ids {
            return samples.map(|(i, s)| self.group_of(s, i)).collect();
        }
        let mut out = Vec::with_capacity(range.len());
        let mut pairs: Vec<(StrId, StrId)> = Vec::new();
        // Per sample of the block: its number, the end of its pairs.
        let mut block: Vec<(usize, usize)> = Vec::with_capacity(BLOCK);
        let mut hashes: Vec<u64> = Vec::with_capacity(BLOCK);
        loop {
            pairs.clear();
            block.clear();
            hashes.clear();
            for (i, s) in samples.by_ref().take(BLOCK) {
                self.note_bytes(s);
                hashes.push(self.push_pairs(s, &mut pairs));
                block.push((i, pairs.len()));
            }
            if block.is_empty() {
                return out;
            }
            self.index.touch(&hashes);
            let at = |k: u32| self.ends.get(k as usize).map_or(0, |&e| e as usize);
            let ahead = (hashes.iter())
                .filter_map(|&h| self.index.hint(h))
                .filter_map(|g| self.pairs.get(at(g.wrapping_sub(1))))
                .fold(0u32, |acc, pair| acc ^ pair.0 .0);
            std::hint::black_box(ahead);
            let mut start = 0;
            for (&(i, end), &hash) in block.iter().zip(&hashes) {
                let want = pairs.get(start..end).unwrap_or(&[]);
                out.push(self.group_of_pairs(want, hash, i));
                start = end;
            }
        }
    }

    /// The group of sample `s`, number `i` of the profile.
    fn group_of(&mut self, s: SampleRef<'p>, i: usize) -> u32 {
        self.note_bytes(s);
        if self.by_ids {
            let mut scratch = std::mem::take(&mut self.scratch);
            let hash = self.pairs_of(s, &mut scratch);
            let group = self.group_of_pairs(&scratch, hash, i);
            self.scratch = scratch;
            return group;
        }
        let text = labels_text(self.p, self.base_key, s);
        if text.is_empty() {
            return 0;
        }
        let next = self.rep.len() as u32;
        let group = *self.by_text.entry(text).or_insert(next);
        if group == next {
            self.rep.push(Some(i));
        }
        group
    }
}

/// Samples per half below which one thread finds the label groups.
const PARALLEL_MIN_GROUPED: usize = 50_000;

impl LabelGroups {
    /// The groups of every sample of `p`; a large profile's two halves
    /// are grouped at once and the second half's groups renumbered into
    /// the first's.
    fn new(p: &Profile) -> Self {
        Self::in_halves(p, PARALLEL_MIN_GROUPED)
    }

    /// [`LabelGroups::new`], on two threads when each half has at least
    /// `min_half` samples.
    fn in_halves(p: &Profile, min_half: usize) -> Self {
        let by_ids = groups_by_ids(p);
        let n = p.samples.len();
        let group = |range: std::ops::Range<usize>| {
            let mut g = GroupInterner::new(p, by_ids);
            let ids = g.groups_of_range(range);
            (g, ids)
        };
        let ((mut g, mut of_sample), second) = in_halves(n, min_half, group);
        if let Some((g2, ids2)) = second {
            g.has_bytes |= g2.has_bytes;
            // The second half's group k is the first's renumber[k]: the
            // groups both halves have are looked up on two threads, then
            // the others added in order.
            let look_up = |r: std::ops::Range<usize>| -> Vec<Option<u32>> {
                let mut scratch = Vec::new();
                (g2.rep[r].iter())
                    .map(|r| match r.and_then(|i| p.samples.get(i)) {
                        Some(s) => g.find(s, &mut scratch),
                        None => Some(0),
                    })
                    .collect()
            };
            let (mut found, more) = in_halves(g2.rep.len(), 1, look_up);
            found.extend(more.unwrap_or_default());
            let renumber: Vec<u32> = (g2.rep.iter().zip(&found))
                .map(|(r, f)| match f {
                    Some(k) => *k,
                    None => r
                        .and_then(|i| Some(g.group_of(p.samples.get(i)?, i)))
                        .unwrap_or(0),
                })
                .collect();
            of_sample.extend(
                ids2.iter()
                    .map(|&k| renumber.get(k as usize).copied().unwrap_or(0)),
            );
        }
        LabelGroups {
            of_sample,
            base_key: g.base_key,
            rep: g.rep,
            has_bytes: g.has_bytes,
        }
    }

    /// pprof's joined label text of group `g` of `p` (empty for group 0).
    fn text(&self, p: &Profile, g: u64) -> String {
        (self.rep.get(g as usize).copied().flatten())
            .and_then(|i| p.samples.get(i))
            .map_or_else(String::new, |s| labels_text(p, self.base_key, s))
    }
}

/// Whether the label groups of `p` can be told apart by string ids: no
/// label text can make two different label lists join to the same text
/// (no `:` in keys, no backslash anywhere). Otherwise by their joined
/// text.
fn groups_by_ids(p: &Profile) -> bool {
    // Per string: whether it is clean as a key (bit 0) and as a value
    // (bit 1); then each label is two lookups.
    let clean: Vec<u8> = (p.strings.iter())
        .map(|s| u8::from(!s.contains([':', '\\'])) | (u8::from(!s.contains('\\')) << 1))
        .collect();
    let base = p.strings.lookup("pprof::base");
    let bits = |id: StrId| clean.get(id.index()).copied().unwrap_or(0);
    let labels = p.samples.all_labels();
    let clean_labels = |r: std::ops::Range<usize>| {
        labels[r].iter().all(|l| {
            !l.is_str() || Some(l.key) == base || (bits(l.key) & 1 != 0 && bits(l.str) & 2 != 0)
        })
    };
    let (first, second) = in_halves(labels.len(), PARALLEL_MIN_GROUPED, clean_labels);
    first && second.unwrap_or(true)
}

impl<'p, 'g> TagCollector<'p, 'g> {
    fn new(p: &'p Profile, o: &'p Options, groups: &'g LabelGroups) -> Self {
        TagCollector {
            p,
            o,
            names: Vec::new(),
            name_ids: HashMap::with_hasher(foldhash::fast::RandomState::default()),
            numeric_names: FxMap::default(),
            bytes_key: p.strings.lookup("bytes"),
            group_sets: Vec::new(),
            numeric_sets: FxMap::default(),
            sets: Vec::new(),
            groups,
            nodes: Vec::new(),
        }
    }

    fn name_id(&mut self, name: String) -> u32 {
        if let Some(&id) = self.name_ids.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.clone());
        self.name_ids.insert(name, id);
        id
    }

    /// The tag set of a sample: its label group and its `bytes` numeric
    /// labels (the only numeric labels pprof's reports keep for tags).
    fn set_of(&mut self, s: SampleRef<'p>, group: u32) -> u32 {
        let mut numeric = Vec::new();
        for l in s.labels {
            if l.is_str() || self.bytes_key != Some(l.key) {
                continue;
            }
            let name = match self.numeric_names.get(&l.num) {
                Some(&id) => id,
                None => {
                    let text = match &self.o.format_tag {
                        TagFormat::Decimal => l.num.to_string(),
                        TagFormat::Custom(f) => f(l.num, &self.o.bytes_unit),
                    };
                    let id = self.name_id(text);
                    self.numeric_names.insert(l.num, id);
                    id
                }
            };
            numeric.push((name, l.num));
        }
        if numeric.is_empty() {
            return self.group_set(group);
        }
        // Sets are told apart by content: most samples of a large profile
        // have labels of their own (numbers other than `bytes`), but few
        // distinct sets.
        let next = self.sets.len() as u32;
        let id = match self.numeric_sets.entry((group, numeric.clone())) {
            std::collections::hash_map::Entry::Occupied(e) => return *e.get(),
            std::collections::hash_map::Entry::Vacant(e) => *e.insert(next),
        };
        self.sets.push(TagSet { group, numeric });
        id
    }

    /// The tag set of a sample of label group `group` without `bytes`
    /// numeric labels.
    fn group_set(&mut self, group: u32) -> u32 {
        let g = group as usize;
        if self.group_sets.len() <= g {
            self.group_sets.resize(g + 1, u32::MAX);
        }
        if self.group_sets[g] == u32::MAX {
            self.group_sets[g] = self.sets.len() as u32;
            self.sets.push(TagSet {
                group,
                numeric: Vec::new(),
            });
        }
        self.group_sets[g]
    }

    /// Every sample's tag set, in order.
    fn sets_of_samples(&mut self) -> std::borrow::Cow<'g, [u32]> {
        let (p, groups) = (self.p, self.groups);
        if groups.has_bytes {
            (p.samples.iter().zip(&groups.of_sample))
                .map(|(s, &g)| self.set_of(s, g))
                .collect()
        } else if self.sets.is_empty() {
            // No `bytes` label anywhere: a sample's set is its group's,
            // numbered as the group.
            for g in 0..groups.rep.len() as u32 {
                self.group_set(g);
            }
            std::borrow::Cow::Borrowed(&groups.of_sample)
        } else {
            (groups.of_sample.iter())
                .map(|&g| self.group_set(g))
                .collect()
        }
    }

    /// Credits the tags of `set` to node `n` (pprof's `Node.addSample`).
    fn credit(&mut self, n: NodeId, set: u32, dw: i64, w: i64, flat: bool) {
        credit_tags(&mut self.nodes, &self.sets, n, set, dw, w, flat);
    }

    /// Builds the tag maps of the nodes.
    fn finish(self, arena: &mut [Node]) {
        let p = self.p;
        let names = &self.names;
        let name = |id: u64| names.get(id as usize).cloned().unwrap_or_default();
        let groups = self.groups;
        let mut texts: FxMap<u64, String> = FxMap::default();
        let mut label = |g: u64| texts.entry(g).or_insert_with(|| groups.text(p, g)).clone();
        for (node, accs) in arena.iter_mut().zip(self.nodes) {
            for (key, acc) in accs {
                let (group, numeric) = (key >> 32, key & u64::from(u32::MAX));
                let [flat, flat_div, cum, cum_div] = acc.sums;
                if numeric == u64::from(LABEL_TAG) {
                    let text = label(group);
                    node.label_tags.insert(
                        text.clone(),
                        Tag {
                            name: text,
                            unit: String::new(),
                            value: 0,
                            flat,
                            flat_div,
                            cum,
                            cum_div,
                        },
                    );
                } else {
                    let text = name(numeric);
                    node.numeric_tags.entry(label(group)).or_default().insert(
                        text.clone(),
                        Tag {
                            name: text,
                            unit: self.o.bytes_unit.clone(),
                            value: acc.value,
                            flat,
                            flat_div,
                            cum,
                            cum_div,
                        },
                    );
                }
            }
        }
    }
}

/// Per node: (label group << 32 | numeric name or `LABEL_TAG`) → sums.
type NodeTags = Vec<FxMap<u64, TagAcc>>;

/// Credits the tags of `set` (of `sets`) to node `n` in `nodes`.
fn credit_tags(
    nodes: &mut NodeTags,
    sets: &[TagSet],
    n: NodeId,
    set: u32,
    dw: i64,
    w: i64,
    flat: bool,
) {
    let Some(t) = sets.get(set as usize) else {
        return;
    };
    if nodes.len() <= n.index() {
        nodes.resize_with(n.index() + 1, FxMap::default);
    }
    let Some(m) = nodes.get_mut(n.index()) else {
        return;
    };
    let i = if flat { 0 } else { 2 };
    let mut add = |key: u64, value: i64| {
        let acc = m.entry(key).or_insert(TagAcc {
            sums: [0; 4],
            value,
        });
        acc.sums[i] = acc.sums[i].wrapping_add(w);
        acc.sums[i + 1] = acc.sums[i + 1].wrapping_add(dw);
    };
    let base = u64::from(t.group) << 32;
    if t.group != 0 {
        add(base | u64::from(LABEL_TAG), 0);
    }
    for &(name, v) in &t.numeric {
        add(base | u64::from(name), v);
    }
}

fn sample_weights(s: SampleRef<'_>, o: &Options) -> (i64, i64) {
    let w = s.values.get(o.sample_index).copied().unwrap_or(0);
    let dw = if o.mean {
        s.values.first().copied().unwrap_or(0)
    } else {
        0
    };
    (w, dw)
}

/// The node of each frame of each location: location `i`'s are
/// `ids[off[i]..off[i + 1]]`, innermost frame first, `None` for a frame
/// outside the kept set (pprof's `CreateNodes` result).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct FrameNodes {
    off: Vec<u32>,
    ids: Vec<Option<NodeId>>,
}

impl FrameNodes {
    /// The nodes of location `i`.
    fn of(&self, i: usize) -> &[Option<NodeId>] {
        match (self.off.get(i), self.off.get(i + 1)) {
            (Some(&lo), Some(&hi)) => self.ids.get(lo as usize..hi as usize).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// The nodes of each location in one `u32` per location (`code`): the
/// usual location of one kept node holds that node; one whose only node
/// is not kept holds [`LocTable::DROPPED`]; any other (several lines, or
/// none) holds [`LocTable::MULTI`] and the index in `multi` of its number
/// of nodes, followed by the nodes ([`LocTable::NONE`]: not kept). A
/// frame then costs one load from a table of 4 bytes per location.
struct LocTable {
    code: Vec<u32>,
    multi: Vec<u32>,
    /// Number of (location, node) entries: a size hint for edge tables.
    entries: usize,
}

impl LocTable {
    /// Marks a location whose nodes are in `multi`.
    const MULTI: u32 = 1 << 31;
    /// Marks a location of one node that is not kept.
    const DROPPED: u32 = Self::MULTI - 1;
    /// A node that is not kept, in `multi`.
    const NONE: u32 = u32::MAX;

    /// The table of the frames' nodes.
    fn new(frames: &FrameNodes) -> LocTable {
        let (off, ids) = (&frames.off, &frames.ids);
        let mut multi = Vec::new();
        let code = off
            .windows(2)
            .map(
                |w| match ids.get(w[0] as usize..w[1] as usize).unwrap_or(&[]) {
                    [Some(n)] if n.0 < Self::DROPPED => n.0,
                    [None] => Self::DROPPED,
                    nodes => {
                        let at = multi.len() as u32;
                        multi.push(nodes.len() as u32);
                        multi.extend(nodes.iter().map(|n| n.map_or(Self::NONE, |n| n.0)));
                        Self::MULTI | at
                    }
                },
            )
            .collect();
        LocTable {
            code,
            multi,
            entries: ids.len(),
        }
    }

    /// Per node (of `nnodes`): whether some location holds it inlined, at
    /// a place other than its outermost (the only edges that can be
    /// marked inline lead into such nodes).
    fn inlined(&self, nnodes: usize) -> Vec<bool> {
        let mut m = vec![false; nnodes];
        let mut at = 0;
        while let Some(&len) = self.multi.get(at) {
            let len = len as usize;
            let nodes = self.multi.get(at + 1..at + 1 + len).unwrap_or(&[]);
            for &n in nodes.iter().take(len.saturating_sub(1)) {
                if let Some(x) = m.get_mut(n as usize) {
                    *x = true;
                }
            }
            at += 1 + len;
        }
        m
    }

    /// The nodes of a location of several (or no) nodes, from its code.
    #[inline]
    fn multi(&self, code: u32) -> &[u32] {
        let at = (code & !Self::MULTI) as usize;
        let len = self.multi.get(at).map_or(0, |&n| n as usize);
        self.multi.get(at + 1..at + 1 + len).unwrap_or(&[])
    }
}

/// The edges a graph collects: all, those into or out of the marked
/// nodes, or those into them.
#[derive(Clone, Copy)]
enum EdgeMask<'a> {
    All,
    Touching(&'a [bool]),
    Into(&'a [bool]),
}

/// Per-node sums: flat, flat divisor, cum, cum divisor.
type Sums = [i64; 4];

/// Node, edge and tag sums over a slice of samples: the worker's own
/// lists, kept as they are (a large graph's would take tens of megabytes
/// more to copy).
struct Partial {
    nodes: NodeSums,
    /// The edges met, sorted by destination then source, and their
    /// weight divisors (mean reports only).
    edges: Vec<EdgeSlot>,
    edge_divs: Vec<i64>,
    tags: NodeTags,
}

/// What crediting tags needs while the stacks are summed: each sample's
/// tag set and, with a cutoff, the label groups too light to survive it.
/// A stack's nodes are found once and credited the tags of each of its
/// samples.
struct TagWalk<'a> {
    p: &'a Profile,
    o: &'a Options,
    /// Per sample: its tag set (in `sets`).
    of_sample: &'a [u32],
    sets: &'a [TagSet],
    /// Per set: whether its samples credit tags (it has some, and tags
    /// whose samples weigh less than the cutoff in all cannot survive
    /// trimming on any node).
    live: Vec<bool>,
}

impl TagWalk<'_> {
    /// Credits the tags of the samples of `st` to `credits`, the nodes the
    /// stack reaches (each once, and the leaf's flat value).
    fn credit(&self, into: &mut NodeTags, st: &Stack<'_>, credits: &[(NodeId, bool)]) {
        for i in st.first as usize..st.end as usize {
            // Most samples of a large profile credit nothing: that is
            // told from their set's entry in `live`, a small table.
            let set = self.of_sample.get(i).copied().unwrap_or(u32::MAX);
            if !self.live.get(set as usize).copied().unwrap_or(false) {
                continue;
            }
            let Some(s) = self.p.samples.get(i) else {
                continue;
            };
            let (w, dw) = sample_weights(s, self.o);
            if w == 0 && dw == 0 {
                continue;
            }
            for &(n, flat) in credits {
                credit_tags(into, self.sets, n, set, dw, w, flat);
            }
        }
    }
}

/// Walks the frames of one sample the way pprof's `newGraph` does, calling
/// `node(state, n, false)` for every frame of a node (the callee must
/// credit a node at most once per sample), `node(state, leaf, true)` for
/// the flat value, and `edge(state, src, dest, residual, inline)` for every
/// caller → callee step between different nodes (also to be credited at
/// most once per sample); both may change `state`.
#[inline]
fn walk_sample<S>(
    stack: &[pprof_model::LocationId],
    locs: &LocTable,
    state: &mut S,
    mut node: impl FnMut(&mut S, NodeId, bool),
    mut edge: impl FnMut(&mut S, NodeId, NodeId, bool, bool),
) {
    let mut parent: Option<NodeId> = None;
    let mut residual = false;
    for &loc in stack.iter().rev() {
        let Some(&code) = locs.code.get(loc.index()) else {
            continue;
        };
        if code < LocTable::DROPPED {
            // One kept node: the loop below with a single entry.
            let n = NodeId(code);
            node(state, n, false);
            if let Some(par) = parent {
                if par != n {
                    edge(state, par, n, residual, false);
                }
            }
            parent = Some(n);
            residual = false;
            continue;
        }
        if code == LocTable::DROPPED {
            residual = true;
            continue;
        }
        let nodes = locs.multi(code);
        for (ni, &n) in nodes.iter().enumerate().rev() {
            if n == LocTable::NONE {
                residual = true;
                continue;
            }
            let n = NodeId(n);
            node(state, n, false);
            if let Some(par) = parent {
                if par != n {
                    edge(state, par, n, residual, ni + 1 != nodes.len());
                }
            }
            parent = Some(n);
            residual = false;
        }
    }
    if let Some(par) = parent {
        if !residual {
            node(state, par, true);
        }
    }
}

/// A node's cum and the last stack that credited it, with the sums of the
/// node's first incoming edge, kept together (32 bytes) so that crediting
/// a frame and the call into it usually costs one cache line: the flat
/// sums and the divisors are touched less often and kept apart.
#[derive(Clone, Copy)]
struct CumAcc {
    seen: u32,
    /// The source of the node's first incoming edge met by this worker,
    /// plus one (0: none yet), whose sums are kept here, in the node's
    /// cache line, instead of in the edge table.
    caller: u32,
    cum: i64,
    first_in: EdgeSums,
}

impl Default for CumAcc {
    fn default() -> Self {
        CumAcc {
            seen: 0,
            caller: 0,
            cum: 0,
            first_in: EdgeSums::NEW,
        }
    }
}

/// Per-node sums of one worker: cum with its stamp, cum divisor (only
/// for mean reports), flat and flat divisor.
struct NodeSums {
    cum: Vec<CumAcc>,
    cum_div: Vec<i64>,
    flat: Vec<[i64; 2]>,
    /// The weight divisor of each node's first incoming edge (mean
    /// reports only).
    in_div: Vec<i64>,
}

impl NodeSums {
    fn new(n: usize, mean: bool) -> Self {
        NodeSums {
            cum: vec![CumAcc::default(); n],
            cum_div: if mean { vec![0; n] } else { Vec::new() },
            flat: vec![[0; 2]; n],
            in_div: if mean { vec![0; n] } else { Vec::new() },
        }
    }

    /// Adds the sums to the nodes of `arena`.
    fn add_to(&self, arena: &mut [Node]) {
        for (i, (node, (c, f))) in arena
            .iter_mut()
            .zip(self.cum.iter().zip(&self.flat))
            .enumerate()
        {
            node.flat = node.flat.wrapping_add(f[0]);
            node.flat_div = node.flat_div.wrapping_add(f[1]);
            node.cum = node.cum.wrapping_add(c.cum);
            let div = self.cum_div.get(i).copied().unwrap_or(0);
            node.cum_div = node.cum_div.wrapping_add(div);
        }
    }
}

/// An edge's sums while stacks are summed: weight, the last stack that
/// credited it, and its flags (16 bytes).
#[derive(Clone, Copy)]
struct EdgeSums {
    weight: i64,
    seen: u32,
    residual: bool,
    inline: bool,
}

impl EdgeSums {
    /// No weight yet; inline until a call says otherwise.
    const NEW: EdgeSums = EdgeSums {
        weight: 0,
        seen: 0,
        residual: false,
        inline: true,
    };

    /// Credits the stack `stamp` with weight `w`, once per stack (pprof's
    /// `AddToEdgeDiv` for an edge not seen in the sample yet): true when
    /// the stack had not credited it yet.
    #[inline]
    fn credit(&mut self, stamp: u32, w: i64, residual: bool, inline: bool) -> bool {
        if self.seen == stamp {
            return false;
        }
        self.seen = stamp;
        self.weight = self.weight.wrapping_add(w);
        self.residual |= residual;
        self.inline &= inline;
        true
    }
}

/// An edge's key (source and destination node) and sums: one slot of
/// [`EdgeTable`], 24 bytes.
#[derive(Clone, Copy)]
struct EdgeSlot {
    key: u64,
    sums: EdgeSums,
}

/// The edges met while summing stacks: open addressing with the key in
/// the slot, so that finding an edge usually costs one cache line. The
/// weight divisors (mean reports only) are in a list of their own.
struct EdgeTable {
    slots: Vec<EdgeSlot>,
    divs: Vec<i64>,
    len: usize,
    shift: u32,
}

impl EdgeTable {
    const EMPTY: u64 = u64::MAX;

    /// A table for about `n` edges, with divisors if `mean`.
    fn with_capacity(n: usize, mean: bool) -> EdgeTable {
        let size = (n.max(8) * 2).next_power_of_two();
        EdgeTable {
            slots: vec![
                EdgeSlot {
                    key: Self::EMPTY,
                    sums: EdgeSums::NEW,
                };
                size
            ],
            divs: if mean { vec![0; size] } else { Vec::new() },
            len: 0,
            shift: 64 - size.trailing_zeros(),
        }
    }

    #[inline]
    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The index of the slot of `key`, made (empty sums) if new. The
    /// table holds at most 3/4 of its slots.
    #[inline]
    fn find(&mut self, key: u64) -> usize {
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let k = self.slots[i].key;
            if k == key {
                return i;
            }
            if k == Self::EMPTY {
                self.len += 1;
                self.slots[i].key = key;
                return i;
            }
            i = (i + 1) & mask;
        }
    }

    fn grow(&mut self) {
        let mean = !self.divs.is_empty();
        let old = std::mem::replace(self, EdgeTable::with_capacity(self.slots.len(), mean));
        for (i, s) in old.slots.iter().enumerate() {
            if s.key != Self::EMPTY {
                let j = self.find(s.key);
                self.slots[j] = *s;
                if let (Some(d), Some(&v)) = (self.divs.get_mut(j), old.divs.get(i)) {
                    *d = v;
                }
            }
        }
    }

    /// The edges met and the edges of `more` (kept apart, none of them in
    /// the table), sorted by destination then source, and their divisors
    /// when the table has them: the table's own slots, moved together, not
    /// copied into a new list.
    fn into_sorted(self, more: impl Iterator<Item = (EdgeSlot, i64)>) -> (Vec<EdgeSlot>, Vec<i64>) {
        let (mut slots, mut divs) = (self.slots, self.divs);
        let mut n = 0;
        for i in 0..slots.len() {
            if slots[i].key != Self::EMPTY {
                slots[n] = slots[i];
                if let Some(&d) = divs.get(i) {
                    divs[n] = d;
                }
                n += 1;
            }
        }
        slots.truncate(n);
        let mean = !divs.is_empty();
        divs.truncate(n);
        for (e, d) in more {
            slots.push(e);
            if mean {
                divs.push(d);
            }
        }
        // The keys are distinct.
        let order = |e: &EdgeSlot| e.key.rotate_left(32);
        if divs.is_empty() {
            slots.sort_unstable_by_key(order);
        } else {
            let mut both: Vec<(EdgeSlot, i64)> = slots.into_iter().zip(divs).collect();
            both.sort_unstable_by_key(|(e, _)| order(e));
            (slots, divs) = both.into_iter().unzip();
        }
        // The room of the empty slots is given back for what comes next.
        slots.shrink_to_fit();
        divs.shrink_to_fit();
        (slots, divs)
    }
}

/// [`accumulate`] over fewer than `u32::MAX` stacks.
fn accumulate_chunk<const MEAN: bool, const NODES: bool, const EDGES: bool>(
    stacks: &[Stack<'_>],
    first_stamp: u32,
    locs: &LocTable,
    nodes: &mut NodeSums,
    edges: &mut EdgeTable,
    edge_nodes: EdgeMask<'_>,
    mut tags: Option<(&TagWalk<'_>, &mut NodeTags)>,
) {
    // The nodes the stack at hand reaches, when tags are credited.
    let mut credits: Vec<(NodeId, bool)> = Vec::new();
    let collect = tags.is_some();
    let marked = |m: &[bool], n: NodeId| m.get(n.index()).copied().unwrap_or(false);
    let wanted = |src: NodeId, dest: NodeId| match edge_nodes {
        EdgeMask::All => true,
        EdgeMask::Touching(m) => marked(m, src) || marked(m, dest),
        EdgeMask::Into(m) => marked(m, dest),
    };
    for (stamp, st) in (first_stamp..).zip(stacks) {
        let (w, dw) = (st.w, if MEAN { st.dw } else { 0 });
        credits.clear();
        let mut state = (&mut *nodes, &mut *edges, &mut credits);
        walk_sample(
            st.locations,
            locs,
            &mut state,
            |(nodes, _, credits), n, flat| {
                if !NODES {
                    return;
                }
                let i = n.index();
                if flat {
                    if let Some(f) = nodes.flat.get_mut(i) {
                        f[0] = f[0].wrapping_add(w);
                        f[1] = f[1].wrapping_add(dw);
                    }
                    if collect {
                        credits.push((n, true));
                    }
                    return;
                }
                if let Some(acc) = nodes.cum.get_mut(i) {
                    if acc.seen != stamp {
                        if collect {
                            credits.push((n, false));
                        }
                        acc.seen = stamp;
                        acc.cum = acc.cum.wrapping_add(w);
                        if MEAN {
                            if let Some(d) = nodes.cum_div.get_mut(i) {
                                *d = d.wrapping_add(dw);
                            }
                        }
                    }
                }
            },
            |(nodes, edges, _), src, dest, residual, inline| {
                if !EDGES || !wanted(src, dest) {
                    return;
                }
                // (The first caller is noted as its id plus one, 0 being
                // none: a source whose id is u32::MAX goes to the table.)
                let caller = src.0.wrapping_add(1);
                let acc = nodes.cum.get_mut(dest.index()).filter(|_| caller != 0);
                if let Some(acc) = acc {
                    if acc.caller == 0 {
                        acc.caller = caller;
                    }
                    if acc.caller == caller {
                        let first = acc.first_in.credit(stamp, w, residual, inline);
                        if MEAN && first {
                            if let Some(d) = nodes.in_div.get_mut(dest.index()) {
                                *d = d.wrapping_add(dw);
                            }
                        }
                        return;
                    }
                }
                let i = edges.find((u64::from(src.0) << 32) | u64::from(dest.0));
                let first = edges.slots[i].sums.credit(stamp, w, residual, inline);
                if MEAN && first {
                    if let Some(d) = edges.divs.get_mut(i) {
                        *d = d.wrapping_add(dw);
                    }
                }
            },
        );
        if let Some((walk, into)) = tags.as_mut() {
            walk.credit(into, st, &credits);
        }
    }
}

/// What a walk over the stacks sums.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Walked {
    /// The nodes' values alone.
    Nodes,
    /// The nodes' values and the edges.
    NodesAndEdges,
    /// The edges alone (the nodes' values are known).
    Edges,
}

/// The sums of `stacks` (and with `tags`, their samples' tags; not with
/// [`Walked::Edges`]).
fn accumulate<'s, 'p>(
    stacks: &mut dyn Iterator<Item = &'s [Stack<'p>]>,
    locs: &LocTable,
    nnodes: usize,
    walked: Walked,
    mean: bool,
    edge_nodes: EdgeMask<'_>,
    tags: Option<&TagWalk<'_>>,
) -> Partial {
    let run = match (mean, walked) {
        (false, Walked::Nodes) => accumulate_as::<false, true, false>,
        (false, Walked::NodesAndEdges) => accumulate_as::<false, true, true>,
        (false, Walked::Edges) => accumulate_as::<false, false, true>,
        (true, Walked::Nodes) => accumulate_as::<true, true, false>,
        (true, Walked::NodesAndEdges) => accumulate_as::<true, true, true>,
        (true, Walked::Edges) => accumulate_as::<true, false, true>,
    };
    run(stacks, locs, nnodes, edge_nodes, tags)
}

fn accumulate_as<'s, 'p, const MEAN: bool, const NODES: bool, const EDGES: bool>(
    stacks: &mut dyn Iterator<Item = &'s [Stack<'p>]>,
    locs: &LocTable,
    nnodes: usize,
    edge_nodes: EdgeMask<'_>,
    tags: Option<&TagWalk<'_>>,
) -> Partial {
    let mut node_tags: NodeTags = Vec::new();
    let mut nodes = NodeSums::new(if NODES { nnodes } else { 0 }, MEAN);
    // The table grows as needed; a table much larger than the edges would
    // make every lookup a cache miss (a graph of a few kept nodes has few
    // edges however many locations the profile has).
    let capacity = match (EDGES, edge_nodes) {
        (false, _) => 0,
        // Each node's first caller is kept with the node: the table holds
        // the others, about one for every four nodes.
        (true, EdgeMask::All) => (nnodes / 4).min(locs.entries),
        // About 8 edges per marked node.
        (true, EdgeMask::Touching(m) | EdgeMask::Into(m)) => {
            (8 * m.iter().filter(|&&b| b).count()).min(locs.entries)
        }
    };
    let mut edges = EdgeTable::with_capacity(capacity, MEAN);
    // Stamps start at 1 (0 marks "never seen") and go on from part to
    // part; they start over (with the marks cleared) before they would
    // reach `u32::MAX`.
    let mut next_stamp: u32 = 1;
    for part in stacks {
        for chunk in part.chunks(u32::MAX as usize / 2) {
            if u64::from(next_stamp) + chunk.len() as u64 >= u64::from(u32::MAX) {
                nodes
                    .cum
                    .iter_mut()
                    .for_each(|n| (n.seen, n.first_in.seen) = (0, 0));
                edges.slots.iter_mut().for_each(|e| e.sums.seen = 0);
                next_stamp = 1;
            }
            accumulate_chunk::<MEAN, NODES, EDGES>(
                chunk,
                next_stamp,
                locs,
                &mut nodes,
                &mut edges,
                edge_nodes,
                tags.map(|t| (t, &mut node_tags)),
            );
            next_stamp += chunk.len() as u32;
        }
    }
    // A stable order, independent of the hash table.
    let first_in = (nodes.cum.iter().enumerate())
        .filter(|(_, a)| a.caller != 0)
        .map(|(i, a)| {
            let slot = EdgeSlot {
                key: (u64::from(a.caller - 1) << 32) | i as u64,
                sums: a.first_in,
            };
            (slot, nodes.in_div.get(i).copied().unwrap_or(0))
        });
    let (edges, edge_divs) = edges.into_sorted(first_in);
    Partial {
        nodes,
        edges,
        edge_divs,
        tags: node_tags,
    }
}

/// Stacks per slice when two threads sum the stacks, each taking the next
/// slice not taken (few in tests, so that their small profiles make many
/// slices).
const INTERLEAVED_STACKS: usize = if cfg!(test) { 64 } else { 4096 };

/// Stacks per worker below which one thread does all the work.
const PARALLEL_MIN_STACKS: usize = 50_000;

/// One distinct location stack with the summed values of its samples.
#[derive(Clone, Copy, Debug)]
struct Stack<'p> {
    locations: &'p [pprof_model::LocationId],
    w: i64,
    dw: i64,
    /// Its samples: those of `first..end` that have a value or divisor.
    first: u32,
    end: u32,
}

/// The location stacks of the samples that have a value, with values
/// summed over adjacent samples of equal stacks, for one sample index and
/// mean setting.
///
/// A graph only depends on the stacks and their summed values; the
/// grouping can be shared by the several graphs a report builds
/// ([`crate::Graph::with_stacks`]).
#[derive(Clone, Debug)]
pub struct Stacks<'p> {
    p: &'p Profile,
    /// Grouped by the first graph that needs them.
    stacks: std::sync::OnceLock<Vec<Stack<'p>>>,
    sample_index: usize,
    mean: bool,
    /// The samples' label groups, found by the first graph with tags.
    groups: std::sync::OnceLock<LabelGroups>,
}

/// The samples with a value as stacks; consecutive samples with equal
/// stacks (such as samples that differ only by labels) are combined.
/// Combining all equal stacks through a hash table costs more than it
/// saves on real profiles, where few stacks repeat. In runs on two threads
/// when there are at least twice `min_half` samples: a run of equal stacks
/// across the end of a run is joined again afterwards.
fn group_stacks_in_runs<'p>(samples: &'p Samples, o: &Options, min_half: usize) -> Vec<Stack<'p>> {
    let n = samples.len();
    // The first run's list has room for all.
    let group = |r: std::ops::Range<usize>| {
        let room = if r.start == 0 { n } else { r.len() };
        group_range(samples, r, o, room)
    };
    let mut runs = pprof_model::chunks::in_runs(n, min_half, group).into_iter();
    let mut stacks = runs.next().unwrap_or_default();
    for run in runs {
        let mut rest = run.into_iter().peekable();
        if let (Some(last), Some(next)) = (stacks.last_mut(), rest.peek()) {
            if last.locations == next.locations {
                last.w = last.w.wrapping_add(next.w);
                last.dw = last.dw.wrapping_add(next.dw);
                last.end = next.end;
                rest.next();
            }
        }
        stacks.extend(rest);
    }
    stacks
}

/// The samples of `range` grouped by stack: adjacent samples with equal
/// stacks summed, samples without value nor divisor left out.
fn group_range<'p>(
    samples: &'p Samples,
    range: std::ops::Range<usize>,
    o: &Options,
    capacity: usize,
) -> Vec<Stack<'p>> {
    let mut stacks: Vec<Stack<'p>> = Vec::with_capacity(capacity);
    // (Sample numbers beyond u32 would need more memory than any machine
    // has for the samples alone.)
    let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    for (i, s) in range.clone().zip(samples.iter_range(range)) {
        let (w, dw) = sample_weights(s, o);
        if w == 0 && dw == 0 {
            continue;
        }
        let key = s.locations;
        if let Some(last) = stacks.last_mut() {
            if last.locations == key {
                last.w = last.w.wrapping_add(w);
                last.dw = last.dw.wrapping_add(dw);
                last.end = index(i + 1);
                continue;
            }
        }
        stacks.push(Stack {
            locations: key,
            w,
            dw,
            first: index(i),
            end: index(i + 1),
        });
    }
    stacks
}

impl<'p> Stacks<'p> {
    /// The stacks of `p` with value `sample_index` (and the first value as
    /// mean divisor with `mean`). Samples whose value and divisor are both
    /// 0 are left out, as pprof does.
    pub fn new(p: &'p Profile, sample_index: usize, mean: bool) -> Stacks<'p> {
        Stacks {
            p,
            stacks: std::sync::OnceLock::new(),
            sample_index,
            mean,
            groups: std::sync::OnceLock::new(),
        }
    }

    /// The stacks, grouped on first use: in two halves at once when each
    /// has at least `min_half` samples.
    fn list_with(&self, min_half: usize) -> &[Stack<'p>] {
        self.stacks.get_or_init(|| {
            let o = Options {
                sample_index: self.sample_index,
                mean: self.mean,
                ..Options::default()
            };
            group_stacks_in_runs(&self.p.samples, &o, min_half)
        })
    }

    /// The stacks (grouped on first use).
    fn list(&self) -> &[Stack<'p>] {
        self.list_with(PARALLEL_MIN_STACKS)
    }

    /// The label groups of the profile's samples (made once).
    fn label_groups(&self) -> &LabelGroups {
        self.groups.get_or_init(|| LabelGroups::new(self.p))
    }

    /// Number of stacks.
    pub fn len(&self) -> usize {
        self.list().len()
    }

    /// Whether no sample has a value.
    pub fn is_empty(&self) -> bool {
        self.list().is_empty()
    }
}

/// Builds the graph (pprof's `newGraph`). Sample sums, and tags when
/// requested, are computed on up to two threads for large profiles.
///
/// With `prior`, a graph of the same samples and options with more nodes
/// (the graph the [`Options::kept_nodes`] were chosen from): the nodes, and
/// when no tag is credited their values, are taken from there (a node's
/// values depend only on the samples and on the node itself, not on which
/// others are kept); see [`Graph::with_stacks_from`].
pub(crate) fn new_graph(
    p: &Profile,
    o: &Options,
    stacks: Option<&Stacks<'_>>,
    with_edges: bool,
    prior: Option<&Graph>,
) -> Graph {
    match stacks {
        Some(st) if st.sample_index == o.sample_index && st.mean == o.mean => {
            build_graph(p, o, st, None, with_edges, prior)
        }
        _ => {
            let owned = Stacks::new(p, o.sample_index, o.mean);
            build_graph(p, o, &owned, None, with_edges, prior)
        }
    }
}

/// [`new_graph`] over `stacks`; the sums of large profiles on two threads
/// unless `split` says whether to.
fn build_graph(
    p: &Profile,
    o: &Options,
    stacks: &Stacks<'_>,
    split: Option<bool>,
    with_edges: bool,
    prior: Option<&Graph>,
) -> Graph {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    let mut b = Builder::new(p, o);
    // The nodes are made while another thread groups the samples by stack
    // and, for tags, by labels, when no graph of these stacks did yet.
    let want_stacks = stacks.stacks.get().is_none();
    let want_groups = o.compute_tags && with_edges && stacks.groups.get().is_none();
    // Values come with the kept nodes taken from `prior` when no tag is
    // credited (tags are credited to the nodes a walk meets).
    let wants_tags = o.compute_tags && with_edges;
    let (frames, taken) = if threads > 1 && (want_stacks || want_groups) {
        make_nodes_beside(&mut b, prior, !wants_tags, || {
            if want_stacks {
                stacks.list_with(usize::MAX);
            }
            if want_groups {
                stacks.label_groups();
            }
        })
    } else {
        make_nodes(&mut b, prior, !wants_tags)
    };
    let all = stacks.list();
    let split = split.unwrap_or(threads > 1 && all.len() >= 2 * PARALLEL_MIN_STACKS);
    let locs = LocTable::new(&frames);
    let nnodes = b.g.arena.len();
    // The nodes whose edges (or incoming edges) are collected.
    let marks: Vec<bool> = match &o.edges {
        Edges::All => Vec::new(),
        Edges::Of(f) => b.g.arena.iter().map(|n| f.test(&n.info)).collect(),
        Edges::IntoInlined => locs.inlined(nnodes),
    };
    let mask = match &o.edges {
        Edges::All => EdgeMask::All,
        Edges::Of(_) => EdgeMask::Touching(&marks),
        Edges::IntoInlined => EdgeMask::Into(&marks),
    };
    let wants_edges = with_edges
        && match mask {
            EdgeMask::All => true,
            EdgeMask::Touching(m) | EdgeMask::Into(m) => m.contains(&true),
        };
    // The values came with the nodes taken from `prior`, or else, when no
    // edge nor tag is wanted, are matched there by identity. The samples
    // are then walked for the edges alone, if any.
    let known = (taken && !wants_tags)
        || (!wants_edges
            && !wants_tags
            && prior.is_some_and(|all| take_values(&mut b.g.arena, all)));
    if known && !wants_edges {
        return with_frames(finish(b), o, frames);
    }
    let walked = match (known, with_edges) {
        (true, _) => Walked::Edges,
        (false, true) => Walked::NodesAndEdges,
        (false, false) => Walked::Nodes,
    };
    // Tags are credited while the values are summed.
    let groups = wants_tags.then(|| stacks.label_groups());
    let mut collector = groups.map(|g| TagCollector::new(p, o, g));
    let of_sample = (collector.as_mut())
        .map(TagCollector::sets_of_samples)
        .unwrap_or_default();
    let cutoff = o.tag_cutoff.unsigned_abs();
    let bound = match groups {
        Some(g) if cutoff > 0 => tag_bounds(p, o, g),
        _ => Vec::new(),
    };
    let walk = collector.as_ref().map(|t| TagWalk {
        p,
        o,
        of_sample: &of_sample[..],
        sets: &t.sets,
        live: (t.sets.iter())
            .map(|set| {
                let light =
                    cutoff > 0 && bound.get(set.group as usize).is_some_and(|&b| b < cutoff);
                set.credits_any() && !light
            })
            .collect(),
    });
    let run = |parts: &mut dyn Iterator<Item = &[Stack<'_>]>| {
        let walk = walk.as_ref();
        accumulate(parts, &locs, nnodes, walked, stacks.mean, mask, walk)
    };
    let partials: Vec<Partial> = if split && all.len() > 1 {
        // Slices taken in turn by whichever thread is free, so that both
        // finish together: the cost of a stack depends on which nodes are
        // kept (the two halves of a profile can differ much in that), and
        // a thread may have less of the processor than the other (the
        // node maker, another process). The sums do not depend on which
        // thread summed what, and the edges are put in one order below.
        let slices: Vec<&[Stack<'_>]> = all.chunks(INTERLEAVED_STACKS).collect();
        let turns = pprof_model::chunks::Turns::new(slices.len());
        let taken = || turns.iter().filter_map(|k| slices.get(k).copied());
        std::thread::scope(|scope| {
            let h = scope.spawn(|| run(&mut taken()));
            let a = run(&mut taken());
            match h.join() {
                Ok(b) => vec![a, b],
                // A worker cannot panic on valid input; fall back to one thread.
                Err(_) => vec![run(&mut std::iter::once(all))],
            }
        })
    } else {
        vec![run(&mut std::iter::once(all))]
    };
    // The nodes' sums are added on another thread while this one makes
    // the edges, which are linked from the nodes at the end
    // ([`link_edges`]).
    let mut node_tags: NodeTags = Vec::new();
    let count = partials.len();
    let mut sums = Vec::with_capacity(count);
    let linked = b.g.edges.len();
    // Room for every edge at once: the workers' edges are at least as
    // many as the distinct ones.
    b.g.edges
        .reserve(partials.iter().map(|p| p.edges.len()).sum::<usize>());
    let (arena, edges) = (&mut b.g.arena, &mut b.g.edges);
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<NodeSums>();
        let adder = scope.spawn(move || {
            let mut done = Vec::new();
            for nodes in rx {
                nodes.add_to(arena);
                done.push(nodes);
            }
            done
        });
        let mut lists = Vec::with_capacity(count);
        for part in partials {
            // Gone only when that thread is: its sums are then added below.
            if let Err(back) = tx.send(part.nodes) {
                sums.push(back.0);
            }
            lists.push((part.edges, part.edge_divs));
            add_node_tags(&mut node_tags, part.tags);
        }
        drop(tx);
        add_partial_edges(edges, &lists);
        // A worker that cannot panic; were it to, its sums would be lost.
        if let Err(e) = adder.join() {
            std::panic::resume_unwind(e);
        }
    });
    for nodes in sums {
        nodes.add_to(&mut b.g.arena);
    }
    link_edges(&mut b.g.arena, &b.g.edges, linked);
    if let Some(mut tags) = collector {
        tags.nodes = node_tags;
        tags.finish(&mut b.g.arena);
    }
    with_frames(finish(b), o, frames)
}

/// The node of each frame of each location of a graph, and how its nodes
/// were made.
#[derive(Debug)]
pub(crate) struct Frames {
    nodes: FrameNodes,
    made: NodeMaking,
    /// The length of the graph's arena when it was built.
    arena: usize,
}

/// The options a node's identity depends on.
#[derive(Debug, PartialEq, Eq)]
struct NodeMaking {
    keep: Keep,
    obj_names: bool,
    orig_fn_names: bool,
    raw_file_names: bool,
    trim_path: String,
    source_path: String,
}

impl NodeMaking {
    fn of(o: &Options) -> NodeMaking {
        NodeMaking {
            keep: Keep::new(o.granularity, o.no_inlines, o.show_columns),
            obj_names: o.obj_names,
            orig_fn_names: o.orig_fn_names,
            raw_file_names: o.raw_file_names,
            trim_path: o.trim_path.clone(),
            source_path: o.source_path.clone(),
        }
    }
}

/// `g` with the nodes of its frames, for graphs made from it.
fn with_frames(mut g: Graph, o: &Options, nodes: FrameNodes) -> Graph {
    g.frames = Some(std::sync::Arc::new(Frames {
        nodes,
        made: NodeMaking::of(o),
        arena: g.arena.len(),
    }));
    g
}

/// The nodes of every frame: taken from `prior` (the graph the kept nodes
/// were chosen from), with their values there when `values`, if it has the
/// frames of the same locations made the same way (and then true), made
/// from the locations otherwise.
fn make_nodes(b: &mut Builder<'_>, prior: Option<&Graph>, values: bool) -> (FrameNodes, bool) {
    match prior.and_then(|all| kept_nodes_of(b, all, values)) {
        Some(made) => (made, true),
        None => (create_nodes(b), false),
    }
}

/// [`make_nodes`] while another thread does `first`, then, when no kept
/// nodes are to be chosen, makes the nodes whose keys this one finds
/// ([`NodeOrders`]).
fn make_nodes_beside(
    b: &mut Builder<'_>,
    prior: Option<&Graph>,
    values: bool,
    first: impl FnOnce() + Send,
) -> (FrameNodes, bool) {
    let (to, orders) = std::sync::mpsc::channel();
    // (Without orders, the sender is gone at once: the other thread makes
    // no node.)
    b.orders = b.o.kept_nodes.is_none().then(|| NodeOrders {
        to,
        batch: NodeBatch::default(),
        count: 0,
        files_sent: 0,
    });
    let (p, room) = (b.p, node_room(b));
    std::thread::scope(|scope| {
        let maker = scope.spawn(move || {
            first();
            make_ordered_nodes(p, orders, room)
        });
        // (Were this to panic, the orders would still go, or that thread
        // would wait for more of them forever.)
        let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            make_nodes(b, prior, values)
        }));
        let made = made.unwrap_or_else(|e| {
            b.orders = None;
            std::panic::resume_unwind(e)
        });
        if let Some(mut orders) = b.orders.take() {
            orders.send(&b.files);
            drop(orders);
            // A thread that cannot panic on these keys; without its nodes
            // the graph would be wrong, so its panic goes on.
            match maker.join() {
                Ok(arena) => b.g.arena = arena,
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        made
    })
}

/// The kept nodes of `all`'s frames, made in the order [`create_nodes`]
/// would make them (each at its first frame, its function numbered at its
/// first node), with their values in `all` when `values`, and their frames;
/// `None` (and nothing made) when `all` has no frames that fit.
fn kept_nodes_of(b: &mut Builder<'_>, all: &Graph, values: bool) -> Option<FrameNodes> {
    let kept = b.o.kept_nodes.as_ref()?;
    let frames = all.frames.as_deref()?;
    let fits = frames.arena == all.arena.len()
        && frames.nodes.off.len() == b.p.locations.len() + 1
        && frames.made == NodeMaking::of(b.o);
    if !fits || !b.g.arena.is_empty() {
        return None;
    }
    const UNSEEN: u32 = u32::MAX;
    const DROPPED: u32 = u32::MAX - 1;
    // Per node of `all`: its node here, once its first frame is met.
    let mut to: Vec<u32> = vec![UNSEEN; all.arena.len()];
    let mut functions: FxMap<u32, u32> = FxMap::default();
    let mut kept_node = |old: NodeId| -> Option<NodeId> {
        let slot = to.get_mut(old.index())?;
        if *slot == UNSEEN {
            let node = all.arena.get(old.index())?;
            *slot = if kept.contains(&node.info) {
                let next = functions.len() as u32;
                let function = *functions.entry(node.function.0).or_insert(next);
                let id = b.g.arena.len() as u32;
                let mut made = Node {
                    info: node.info.clone(),
                    function: FunctionKey(function),
                    ..Node::default()
                };
                if values {
                    // A node's values depend only on the samples and on
                    // the node itself.
                    (made.flat, made.flat_div) = (node.flat, node.flat_div);
                    (made.cum, made.cum_div) = (node.cum, node.cum_div);
                }
                b.g.arena.push(made);
                id
            } else {
                DROPPED
            };
        }
        (*slot != DROPPED).then_some(NodeId(*slot))
    };
    let ids = (frames.nodes.ids.iter())
        .map(|old| old.and_then(&mut kept_node))
        .collect();
    Some(FrameNodes {
        off: frames.nodes.off.clone(),
        ids,
    })
}

/// Links the edges `edges[from..]`, made apart from the nodes, from their
/// nodes (after any edges the nodes have), each node's lists in the order
/// of the edges. The edges of each node are counted first, then gathered
/// into one list per direction and given to the nodes in one pass over
/// them, so that no list grows by copying itself and the scattered reads
/// and writes go to small tables rather than to the nodes.
fn link_edges(arena: &mut [Node], edges: &[Edge], from: usize) {
    let n = arena.len();
    let new = edges.get(from..).unwrap_or_default();
    let ends = |e: &Edge| {
        (e.src.index() < n && e.dest.index() < n).then(|| (e.src.index(), e.dest.index()))
    };
    // Where each node's edges start in the gathered lists (one more
    // entry: the end of the last node's).
    let mut out_at = vec![0u32; n + 1];
    let mut in_at = vec![0u32; n + 1];
    for (src, dest) in new.iter().filter_map(ends) {
        out_at[src + 1] += 1;
        in_at[dest + 1] += 1;
    }
    for i in 0..n {
        out_at[i + 1] += out_at[i];
        in_at[i + 1] += in_at[i];
    }
    let mut outs = vec![EdgeId(0); out_at[n] as usize];
    let mut ins = vec![EdgeId(0); in_at[n] as usize];
    let (mut out_next, mut in_next) = (out_at.clone(), in_at.clone());
    for (k, e) in new.iter().enumerate() {
        let Some((src, dest)) = ends(e) else { continue };
        let id = EdgeId((from + k) as u32);
        outs[out_next[src] as usize] = id;
        out_next[src] += 1;
        ins[in_next[dest] as usize] = id;
        in_next[dest] += 1;
    }
    for (i, node) in arena.iter_mut().enumerate() {
        let (o, d) = (
            out_at[i] as usize..out_at[i + 1] as usize,
            in_at[i] as usize..in_at[i + 1] as usize,
        );
        node.out_edges.extend_from_slice(&outs[o]);
        node.in_edges.extend_from_slice(&ins[d]);
    }
}

/// Adds the edge sums of the workers (each list sorted by destination,
/// then source) to the graph in that order, walking the lists at once:
/// each edge is made at its key's first appearance and given the sums of
/// every worker that met it, in the workers' order. The graph gets the
/// edges one worker alone would make, in its order, as [`Builder::edge`]
/// would, however the stacks were dealt.
fn add_partial_edges(graph_edges: &mut Vec<Edge>, parts: &[(Vec<EdgeSlot>, Vec<i64>)]) {
    let mut at = vec![0usize; parts.len()];
    // Destination, then source.
    let head = |(edges, _): &(Vec<EdgeSlot>, Vec<i64>), i: usize| {
        edges.get(i).map(|e| e.key.rotate_left(32))
    };
    while let Some(least) = (parts.iter().zip(&at))
        .filter_map(|(p, &i)| head(p, i))
        .min()
    {
        let key = least.rotate_right(32);
        let (src, dest) = (NodeId((key >> 32) as u32), NodeId(key as u32));
        let id = push_edge(graph_edges, src, dest);
        for ((edges, divs), i) in parts.iter().zip(at.iter_mut()) {
            let Some(e) = edges.get(*i).filter(|e| e.key == key) else {
                continue;
            };
            let div = divs.get(*i).copied().unwrap_or(0);
            if let Some(edge) = graph_edges.get_mut(id.index()) {
                let sums = &e.sums;
                add_to_edge(edge, div, sums.weight, sums.residual, sums.inline);
            }
            *i += 1;
        }
    }
}

/// Per label group of `groups`: the summed weight of its samples (two
/// halves at once for large profiles).
fn tag_bounds(p: &Profile, o: &Options, groups: &LabelGroups) -> Vec<u64> {
    let weigh = |r: std::ops::Range<usize>| {
        let mut bound = vec![0u64; groups.rep.len()];
        let labels = groups.of_sample.get(r.clone()).unwrap_or(&[]);
        for (s, &label) in p.samples.iter_range(r).zip(labels) {
            let (w, _) = sample_weights(s, o);
            if let Some(b) = bound.get_mut(label as usize) {
                *b = b.saturating_add(w.unsigned_abs());
            }
        }
        bound
    };
    let (mut bound, second) = in_halves(p.samples.len(), PARALLEL_MIN_GROUPED, weigh);
    for (b, w) in bound.iter_mut().zip(second.unwrap_or_default()) {
        *b = b.saturating_add(w);
    }
    bound
}

/// Adds the tag sums of one worker to those of the others (the same tag
/// has the same value in both).
fn add_node_tags(into: &mut NodeTags, from: NodeTags) {
    if into.is_empty() {
        *into = from;
        return;
    }
    if into.len() < from.len() {
        into.resize_with(from.len(), FxMap::default);
    }
    for (into, from) in into.iter_mut().zip(from) {
        for (key, acc) in from {
            let t = into.entry(key).or_insert(TagAcc {
                sums: [0; 4],
                value: acc.value,
            });
            for (x, y) in t.sums.iter_mut().zip(acc.sums) {
                *x = x.wrapping_add(y);
            }
        }
    }
}

/// Nodes for every location, one per (kept) line.
fn create_nodes(b: &mut Builder<'_>) -> FrameNodes {
    let p = b.p;
    let frames = frame_count(b);
    if b.orders.is_none() {
        b.g.arena.reserve(node_room(b));
    }
    // Without addresses, lines, columns and object names, the key of a
    // named function's line is the function's whatever the location: its
    // node is found once per function, not once per frame.
    let keep = b.keep;
    let by_function = !(keep.address || keep.linenumber || keep.column || b.o.obj_names);
    let mut of_function: Vec<Option<Option<NodeId>>> = if by_function {
        vec![None; p.functions.len()]
    } else {
        Vec::new()
    };
    b.nodes.reserve(if by_function {
        frames.min(p.functions.len() + 1)
    } else {
        frames
    });
    b.functions.reserve(frames.min(p.functions.len() + 1));
    let mut off = Vec::with_capacity(p.locations.len() + 1);
    let mut ids = Vec::with_capacity(frames);
    off.push(0u32);
    for loc in &p.locations {
        let lines = b.lines(loc);
        if lines.is_empty() {
            let k = b.key(loc, None);
            ids.push(b.find_or_insert(0, k));
        } else {
            for line in lines {
                let cached = of_function.get_mut(line.function.index());
                if let Some(Some(id)) = cached.as_deref() {
                    ids.push(*id);
                    continue;
                }
                let k = b.key(loc, Some(line));
                let id = b.find_or_insert(0, k);
                // A key without a name holds the location's object file.
                if let Some(slot) = cached.filter(|_| k.name != 0 || k.orig != 0) {
                    *slot = Some(id);
                }
                ids.push(id);
            }
        }
        off.push(ids.len() as u32);
    }
    FrameNodes { off, ids }
}

/// The frames of all locations: the most nodes [`create_nodes`] makes.
fn frame_count(b: &Builder<'_>) -> usize {
    b.p.locations.iter().map(|l| b.lines(l).len().max(1)).sum()
}

/// The room made for the nodes before they are: a node per frame at most
/// (a node is large, and growing the arena would copy them all again),
/// none when only kept nodes are made.
fn node_room(b: &Builder<'_>) -> usize {
    if b.o.kept_nodes.is_some() {
        return 0;
    }
    frame_count(b)
}

/// Builds a call tree (pprof's `newTree`).
pub(crate) fn new_tree(p: &Profile, o: &Options) -> Graph {
    let mut b = Builder::new(p, o);
    let groups = o.compute_tags.then(|| LabelGroups::new(p));
    let mut tags = groups.as_ref().map(|g| TagCollector::new(p, o, g));
    let of_sample = groups.as_ref().map_or(&[][..], |g| &g.of_sample);
    for (i, s) in p.samples.iter().enumerate() {
        let (w, dw) = sample_weights(s, o);
        if w == 0 && dw == 0 {
            continue;
        }
        let group = of_sample.get(i).copied().unwrap_or(0);
        let set = tags.as_mut().map(|t| t.set_of(s, group));
        let mut parent: Option<NodeId> = None;
        for loc in s.locations.iter().rev() {
            let Some(loc) = p.locations.get(loc.index()) else {
                continue;
            };
            let lines = b.lines(loc);
            let count = lines.len().max(1);
            for lidx in (0..count).rev() {
                let k = b.key(loc, lines.get(lidx));
                let ctx = parent.map_or(0, |n| n.0 + 1);
                let Some(n) = b.find_or_insert(ctx, k) else {
                    continue;
                };
                b.add_sample(n, dw, w, false);
                if let (Some(t), Some(set)) = (tags.as_mut(), set) {
                    t.credit(n, set, dw, w, false);
                }
                if let Some(par) = parent {
                    // Every tree node has a single parent: no deduplication.
                    let e = b.edge(par, n);
                    b.add_to_edge(e, dw, w, false, lidx + 1 != count);
                }
                parent = Some(n);
            }
        }
        if let Some(par) = parent {
            b.add_sample(par, dw, w, true);
            if let (Some(t), Some(set)) = (tags.as_mut(), set) {
                t.credit(par, set, dw, w, true);
            }
        }
    }
    if let Some(t) = tags {
        t.finish(&mut b.g.arena);
    }
    finish(b)
}

/// Gives each node of `arena` the values of the node of `all` that stands
/// for the same thing; false, and nothing changed, when one has none there.
fn take_values(arena: &mut [Node], all: &Graph) -> bool {
    let at: FxMap<&NodeInfo, usize> = (arena.iter().enumerate())
        .map(|(i, n)| (&n.info, i))
        .collect();
    let mut values: Vec<Option<[i64; 4]>> = vec![None; arena.len()];
    for (_, n) in all.iter() {
        if let Some(&i) = at.get(&n.info) {
            values[i] = Some([n.flat, n.flat_div, n.cum, n.cum_div]);
        }
    }
    if values.contains(&None) {
        return false;
    }
    for (node, v) in arena.iter_mut().zip(values.into_iter().flatten()) {
        [node.flat, node.flat_div, node.cum, node.cum_div] = v;
    }
    true
}

/// pprof's `selectNodesForGraph`: the node list holds every node with a
/// value, minus negative ones when requested.
fn finish(b: Builder<'_>) -> Graph {
    let drop_negative = b.o.drop_negative;
    let mut g = b.g;
    g.nodes = g
        .arena
        .iter()
        .enumerate()
        .filter(|(_, n)| !(n.cum == 0 && n.flat == 0))
        .filter(|(_, n)| !(drop_negative && is_negative(n)))
        .map(|(i, _)| NodeId(i as u32))
        .collect();
    g
}

fn is_negative(n: &Node) -> bool {
    n.flat < 0 || (n.flat == 0 && n.cum < 0)
}

/// The nodes of every location of a profile, one per frame (pprof's
/// `CreateNodes`), without any sample values. Used by reports that walk
/// samples themselves, such as traces.
#[derive(Clone, Debug, Default)]
pub struct LocationNodes {
    /// Arena holding the nodes (values are all zero, no edges).
    pub graph: Graph,
    frames: FrameNodes,
}

impl LocationNodes {
    /// Creates the nodes of every location of `p` under `o` (granularity,
    /// inlining, object names, kept nodes).
    pub fn new(p: &Profile, o: &Options) -> LocationNodes {
        let mut b = Builder::new(p, o);
        let frames = create_nodes(&mut b);
        LocationNodes { graph: b.g, frames }
    }

    /// The nodes of one location, innermost frame first; `None` for frames
    /// outside the kept set.
    pub fn get(&self, loc: pprof_model::LocationId) -> &[Option<NodeId>] {
        self.frames.of(loc.index())
    }

    /// The identity of a node.
    pub fn info(&self, id: NodeId) -> Option<&NodeInfo> {
        self.graph.arena.get(id.index()).map(|n| &n.info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::NodeSet;
    use pprof_model::{Function, FunctionId, LocationId, Sample, ValueType};

    #[test]
    fn edge_table_grows_and_keeps_every_edge() {
        let mut t = EdgeTable::with_capacity(0, true);
        let keys: Vec<u64> = (0..5000u64)
            .map(|i| ((i % 97) << 32) | ((i * 7919) % 4099))
            .collect();
        let mut want: HashMap<u64, i64> = HashMap::new();
        for (i, &k) in keys.iter().enumerate() {
            let j = t.find(k);
            t.slots[j].sums.weight += i as i64;
            t.divs[j] += 2 * i as i64;
            *want.entry(k).or_default() += i as i64;
        }
        let got: HashMap<u64, i64> = t
            .slots
            .iter()
            .filter(|s| s.key != EdgeTable::EMPTY)
            .map(|s| (s.key, s.sums.weight))
            .collect();
        assert_eq!(got, want);
        let divs: HashMap<u64, i64> = (t.slots.iter().zip(&t.divs))
            .filter(|(s, _)| s.key != EdgeTable::EMPTY)
            .map(|(s, &d)| (s.key, d))
            .collect();
        assert_eq!(divs, want.iter().map(|(&k, &v)| (k, 2 * v)).collect());
        assert_eq!(t.len, want.len());
        assert!(4 * t.len <= 3 * t.slots.len());
        // Sorted by destination, then source, each with its divisor.
        let (edges, divs) = t.into_sorted(std::iter::empty());
        let mut keys: Vec<u64> = want.keys().copied().collect();
        keys.sort_by_key(|k| (*k as u32, k >> 32));
        assert_eq!(edges.iter().map(|e| e.key).collect::<Vec<_>>(), keys);
        for (e, d) in edges.iter().zip(&divs) {
            assert_eq!((e.sums.weight, *d), (want[&e.key], 2 * want[&e.key]));
        }
        assert_eq!(divs.len(), edges.len());
        // Without divisors.
        let mut t = EdgeTable::with_capacity(0, false);
        for &k in &keys {
            let j = t.find(k);
            t.slots[j].sums.weight += 1;
        }
        let (edges, divs) = t.into_sorted(std::iter::empty());
        assert_eq!(edges.iter().map(|e| e.key).collect::<Vec<_>>(), keys);
        assert!(divs.is_empty());
    }

    fn random_profile() -> Profile {
        let mut p = Profile::new();
        let (t, u) = (p.intern("samples"), p.intern("count"));
        p.sample_types.push(ValueType { r#type: t, unit: u });
        for i in 0..30u32 {
            let name = p.intern(&format!("f{}", i % 20));
            p.functions.push(Function {
                id: u64::from(i) + 1,
                name,
                ..Default::default()
            });
            let mut lines = vec![Line {
                function: FunctionId(i),
                line: 1,
                column: 0,
            }];
            if i % 7 == 0 {
                lines.insert(
                    0,
                    Line {
                        function: FunctionId((i + 3) % 30),
                        line: 2,
                        column: 0,
                    },
                );
            }
            p.locations.push(Location {
                id: u64::from(i) + 1,
                lines,
                ..Default::default()
            });
        }
        let mut numbers = pprof_testkit::numbers(12345);
        let mut next = move || numbers(u64::MAX);
        for _ in 0..3000 {
            let depth = 1 + next() % 12;
            let locations = (0..depth)
                .map(|_| LocationId((next() % 30) as u32))
                .collect();
            let v = (next() % 100) as i64 - 10;
            p.samples.push(Sample {
                locations,
                values: vec![v],
                labels: vec![],
            });
        }
        p
    }

    type Summary = (
        Vec<(String, i64, i64)>,
        Vec<(String, String, i64, bool, bool)>,
    );

    fn summary(g: &Graph) -> Summary {
        let mut nodes: Vec<_> = g
            .iter()
            .map(|(_, n)| (n.info.printable_name(), n.flat, n.cum))
            .collect();
        nodes.sort();
        let name = |id: NodeId| {
            g.node(id)
                .map(|n| n.info.printable_name())
                .unwrap_or_default()
        };
        let mut edges: Vec<_> = g
            .arena
            .iter()
            .flat_map(|n| n.out_edges.iter())
            .filter_map(|&e| g.edge(e))
            .map(|e| (name(e.src), name(e.dest), e.weight, e.residual, e.inline))
            .collect();
        edges.sort();
        (nodes, edges)
    }

    fn labelled_profile() -> Profile {
        let mut p = random_profile();
        let (k, b, base) = (p.intern("k"), p.intern("bytes"), p.intern("pprof::base"));
        let vals: Vec<StrId> = (0..40).map(|i| p.intern(&format!("v{i}"))).collect();
        let mut i = 0usize;
        p.samples.rewrite(|s| {
            if !i.is_multiple_of(5) {
                s.labels.push(Label {
                    key: k,
                    str: vals[(i * 7) % vals.len()],
                    ..Default::default()
                });
            }
            if i.is_multiple_of(3) {
                s.labels.push(Label {
                    key: b,
                    num: 1 << (i % 4),
                    ..Default::default()
                });
            }
            if i.is_multiple_of(11) {
                s.labels.push(Label {
                    key: base,
                    str: vals[0],
                    ..Default::default()
                });
            }
            i += 1;
            true
        });
        p.sort_labels();
        p
    }

    #[test]
    fn groups_found_a_block_at_a_time_are_those_of_one_sample_at_a_time() {
        let p = labelled_profile();
        assert!(groups_by_ids(&p));
        for range in [0..p.samples.len(), 3..p.samples.len() - 5, 7..9, 0..0] {
            let mut blocks = GroupInterner::new(&p, true);
            let got = blocks.groups_of_range(range.clone());
            let mut single = GroupInterner::new(&p, true);
            let want: Vec<u32> = (range.clone().zip(p.samples.iter_range(range.clone())))
                .map(|(i, s)| single.group_of(s, i))
                .collect();
            assert_eq!(got, want, "{range:?}");
            assert_eq!(blocks.rep, single.rep, "{range:?}");
            assert_eq!(blocks.pairs, single.pairs, "{range:?}");
            assert_eq!(blocks.ends, single.ends, "{range:?}");
            assert_eq!(blocks.has_bytes, single.has_bytes, "{range:?}");
        }
        // Groups repeat and some samples have none: the blocks met both.
        let all = GroupInterner::new(&p, true).groups_of_range(0..p.samples.len());
        assert!(all.contains(&0) && all.len() > 10 * all.iter().max().map_or(0, |&g| g as usize));
    }

    #[test]
    fn label_groups_in_halves_number_as_one_pass() {
        for ambiguous in [false, true] {
            let mut p = labelled_profile();
            // Groups of the second half only, and (when `ambiguous`) a
            // text that makes groups be told apart by their text.
            let phase = p.intern("phase");
            let values: Vec<StrId> = (0..8)
                .map(|i| match (ambiguous, i) {
                    (true, 0) => p.intern("x\\nk:v1"),
                    _ => p.intern(&format!("p{i}")),
                })
                .collect();
            let mut i = 0usize;
            p.samples.rewrite(|s| {
                if i % 4 != 1 {
                    s.labels.push(Label {
                        key: phase,
                        str: values[i * values.len() / 3000 % values.len()],
                        ..Default::default()
                    });
                }
                i += 1;
                true
            });
            p.sort_labels();
            assert_eq!(groups_by_ids(&p), !ambiguous);
            let one = LabelGroups::in_halves(&p, usize::MAX);
            assert!(!LabelGroups::in_halves(&random_profile(), 1).has_bytes);
            assert!(one.rep.len() > 50, "{}", one.rep.len());
            for min_half in [1, 100, 1499] {
                let two = LabelGroups::in_halves(&p, min_half);
                assert_eq!(two.of_sample, one.of_sample, "halves of {min_half}");
                assert_eq!(two.rep, one.rep, "halves of {min_half}");
                assert!(two.has_bytes && one.has_bytes);
            }
        }
    }

    #[test]
    fn tag_cutoff_matches_trimming_everything() {
        let p = labelled_profile();
        check_tag_cutoff(&p);
        // A key with a colon: label groups are told apart by text.
        let mut p = labelled_profile();
        let (k, v) = (p.intern("k:v1"), p.intern("x"));
        p.samples.edit(1, |smp| {
            smp.labels.push(Label {
                key: k,
                str: v,
                ..Default::default()
            });
        });
        p.sort_labels();
        assert!(!groups_by_ids(&p));
        check_tag_cutoff(&p);
    }

    /// Label groups go by ids unless a string label's key holds `:` or
    /// `\\`, or its value `\\` (`pprof::base` aside; numeric labels never
    /// count).
    #[test]
    fn groups_by_ids_unless_a_label_text_could_join_ambiguously() {
        let with = |key: &str, str_: &str, num: i64| {
            let mut p = labelled_profile();
            let (k, v) = (p.intern(key), p.intern(str_));
            p.samples.edit(2, |smp| {
                smp.labels.push(Label {
                    key: k,
                    str: v,
                    num,
                    ..Default::default()
                });
            });
            p.sort_labels();
            groups_by_ids(&p)
        };
        assert!(groups_by_ids(&labelled_profile()));
        assert!(with("plain", "value", 0));
        assert!(!with("a:b", "value", 0));
        assert!(!with("a\\b", "value", 0));
        assert!(!with("plain", "x\\y", 0));
        assert!(with("plain", "a:b", 0));
        assert!(with("pprof::base", "x\\y", 0));
        assert!(with("n:um", "", 5));
    }

    /// Numeric labels other than `bytes` make no tag: samples that differ
    /// only by them share one tag set, and the tags are those of the
    /// profile without them.
    #[test]
    fn numeric_labels_without_tags_share_sets() {
        let p = labelled_profile();
        let mut q = p.clone();
        let worker = q.intern("worker");
        let mut i = 0i64;
        q.samples.rewrite(|s| {
            i += 1;
            s.labels.push(Label {
                key: worker,
                num: i,
                ..Default::default()
            });
            true
        });
        q.sort_labels();
        let o = Options {
            compute_tags: true,
            ..Options::default()
        };
        let groups = LabelGroups::new(&q);
        let mut tc = TagCollector::new(&q, &o, &groups);
        let sets: std::collections::HashSet<u32> = (q.samples.iter().zip(&groups.of_sample))
            .map(|(s, &g)| tc.set_of(s, g))
            .collect();
        assert_eq!(sets.len(), tc.sets.len());
        let distinct: std::collections::HashSet<(u32, Vec<(u32, i64)>)> = tc
            .sets
            .iter()
            .map(|t| (t.group, t.numeric.clone()))
            .collect();
        assert_eq!(distinct.len(), tc.sets.len(), "one set per content");
        assert!(tc.sets.len() < q.samples.len() / 2);
        let tags = |p: &Profile| {
            let g = build_graph(p, &o, &Stacks::new(p, 0, false), Some(false), true, None);
            g.iter()
                .map(|(_, n)| (n.label_tags.clone(), n.numeric_tags.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(tags(&q), tags(&p));
    }

    #[test]
    fn equal_label_texts_share_a_tag() {
        // "a:b" + "c" and "a" + "b:c" print alike: pprof merges them.
        let mut p = random_profile();
        let ids: Vec<StrId> = ["a:b", "c", "a", "b:c"]
            .iter()
            .map(|s| p.intern(s))
            .collect();
        let mut i = 0usize;
        p.samples.rewrite(|s| {
            let (k, v) = if i.is_multiple_of(2) {
                (ids[0], ids[1])
            } else {
                (ids[2], ids[3])
            };
            s.labels.push(Label {
                key: k,
                str: v,
                ..Default::default()
            });
            i += 1;
            true
        });
        let o = Options {
            compute_tags: true,
            ..Options::default()
        };
        let g = build_graph(&p, &o, &Stacks::new(&p, 0, false), Some(false), true, None);
        for (_, n) in g.iter() {
            assert_eq!(n.label_tags.len(), 1);
            let t = n.label_tags.get("a:b:c").expect("merged tag");
            assert_eq!((t.flat, t.cum), (n.flat, n.cum));
        }
    }

    fn check_tag_cutoff(p: &Profile) {
        let p = p.clone();
        let mut o = Options {
            compute_tags: true,
            ..Options::default()
        };
        let tags = |g: &Graph| {
            let mut out = Vec::new();
            for (_, n) in g.iter() {
                let name = n.info.printable_name();
                for t in n.label_tags.values() {
                    out.push((name.clone(), String::new(), t.clone()));
                }
                for (l, m) in &n.numeric_tags {
                    for t in m.values() {
                        out.push((name.clone(), l.clone(), t.clone()));
                    }
                }
            }
            out.sort_by(|a, b| (&a.0, &a.1, &a.2.name).cmp(&(&b.0, &b.1, &b.2.name)));
            out
        };
        let stacks = Stacks::new(&p, 0, false);
        let full = build_graph(&p, &o, &stacks, Some(false), true, None);
        // Samples summed in two halves at once: the same tags.
        let halves = build_graph(&p, &o, &stacks, Some(true), true, None);
        assert_eq!(tags(&halves), tags(&full));
        assert!(tags(&full)
            .iter()
            .any(|t| t.1.is_empty() && t.2.unit.is_empty()));
        assert!(tags(&full)
            .iter()
            .any(|t| !t.1.is_empty() && t.2.value != 0));
        assert!(!tags(&full).iter().any(|t| t.2.name.contains("pprof::base")));
        for cutoff in [1, 50, 200, 1000, 3000, 5000] {
            let mut a = full.clone();
            a.trim_low_frequency_tags(cutoff);
            o.tag_cutoff = cutoff;
            let mut b = build_graph(&p, &o, &stacks, Some(false), true, None);
            b.trim_low_frequency_tags(cutoff);
            assert_eq!(tags(&a), tags(&b), "cutoff {cutoff}");
            // A graph of some of the nodes can take its tags from this
            // one: they are those it would find itself.
            let mut kept = b.discard_low_frequency_nodes(0);
            kept.retain(|i| !i.name.ends_with('3'));
            let mut ko = Options {
                kept_nodes: Some(kept),
                ..o.clone()
            };
            let mut fresh = build_graph(&p, &ko, &stacks, Some(false), true, None);
            fresh.trim_low_frequency_tags(cutoff);
            ko.compute_tags = false;
            let mut taken = build_graph(&p, &ko, &stacks, Some(false), true, None);
            assert!(tags(&taken).is_empty());
            taken.take_tags(&mut b);
            assert!(fresh.nodes.len() < full.nodes.len());
            assert!(cutoff > 1 || !tags(&fresh).is_empty());
            assert_eq!(tags(&taken), tags(&fresh), "cutoff {cutoff}");
        }
    }

    #[test]
    fn grouping_combines_adjacent_equal_stacks() {
        let mut p = random_profile();
        let dup = p.samples.at(0).to_sample();
        p.samples.insert(1, dup);
        let o = Options::default();
        let stacks = group_stacks_in_runs(&p.samples, &o, PARALLEL_MIN_STACKS);
        let total: i64 = p.samples.iter().map(|s| s.values[0]).sum();
        assert_eq!(stacks.iter().map(|s| s.w).sum::<i64>(), total);
        assert_eq!(stacks[0].w, 2 * p.samples.at(0).values[0]);
        assert!(stacks.len() < p.samples.len());
    }

    #[test]
    fn stacks_grouped_in_halves_are_those_of_one_pass() {
        let mut p = random_profile();
        // Runs of equal stacks, one of them across the middle, and a
        // sample without value inside another.
        let n = p.samples.len();
        for at in [n / 2 - 2, 10] {
            let dup = p.samples.at(at).to_sample();
            for _ in 0..4 {
                p.samples.insert(at, dup.clone());
            }
        }
        // And one longer than a run of the 16 that two threads take in
        // turn: it spans a whole run and the ends of two others.
        let dup = p.samples.at(n / 4).to_sample();
        for _ in 0..n / 8 {
            p.samples.insert(n / 4, dup.clone());
        }
        let mut zero = p.samples.at(11).to_sample();
        zero.values = vec![0; zero.values.len()];
        p.samples.insert(12, zero);
        let o = Options::default();
        let key = |st: &[Stack<'_>]| -> Vec<(Vec<u32>, i64, i64)> {
            st.iter()
                .map(|s| (s.locations.iter().map(|l| l.0).collect(), s.w, s.dw))
                .collect()
        };
        let one = key(&group_stacks_in_runs(&p.samples, &o, usize::MAX));
        assert!(one.len() < p.samples.len() - 8);
        for min_half in [1, 5, p.samples.len() / 2] {
            let two = key(&group_stacks_in_runs(&p.samples, &o, min_half));
            assert_eq!(two, one, "runs of at least {min_half}");
        }
    }

    #[test]
    fn workers_edges_are_made_in_key_order_with_all_their_sums() {
        // key: source << 32 | destination; lists sorted by destination.
        let slot = |src: u64, dest: u64, weight: i64, residual: bool, inline: bool| EdgeSlot {
            key: src << 32 | dest,
            sums: EdgeSums {
                weight,
                seen: 0,
                residual,
                inline,
            },
        };
        let a = vec![slot(5, 1, 10, false, true), slot(2, 3, 1, false, true)];
        let b = vec![
            slot(7, 0, 4, false, true),
            slot(2, 3, 2, true, false),
            slot(1, 9, 8, false, true),
        ];
        let mut edges = Vec::new();
        add_partial_edges(&mut edges, &[(a, vec![100, 200]), (b, vec![1, 2, 3])]);
        let got: Vec<_> = (edges.iter())
            .map(|e| {
                (
                    e.src.0,
                    e.dest.0,
                    e.weight,
                    e.weight_div,
                    e.residual,
                    e.inline,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (7, 0, 4, 1, false, true),
                (5, 1, 10, 100, false, true),
                (2, 3, 3, 202, true, false),
                (1, 9, 8, 3, false, true),
            ]
        );
        // One worker's list alone, without divisors.
        let mut one = Vec::new();
        add_partial_edges(&mut one, &[(vec![slot(3, 4, 6, false, true)], Vec::new())]);
        assert_eq!((one.len(), one[0].weight, one[0].weight_div), (1, 6, 0));
    }

    #[test]
    fn sorted_lists_merge_in_order() {
        let merged = |a: Vec<(u64, char)>, b: Vec<(u64, char)>| {
            let mut all = Vec::new();
            crate::sort::merge_sorted_into(a, b, |x, y| x.0 < y.0, |i| all.push(i));
            all
        };
        let list = |keys: &[u64]| -> Vec<(u64, char)> { keys.iter().map(|&k| (k, 'x')).collect() };
        assert_eq!(
            merged(list(&[1, 4, 9]), list(&[2, 3, 10, 11])),
            list(&[1, 2, 3, 4, 9, 10, 11])
        );
        assert_eq!(merged(Vec::new(), list(&[5])), list(&[5]));
        assert_eq!(merged(list(&[5]), Vec::new()), list(&[5]));
        // Among equals, the first list's come first.
        assert_eq!(
            merged(vec![(1, 'a'), (2, 'a')], vec![(1, 'b'), (2, 'b')]),
            [(1, 'a'), (1, 'b'), (2, 'a'), (2, 'b')]
        );
    }

    /// Each node's identity and function key, in arena order.
    fn identities(g: &Graph) -> Vec<(NodeInfo, FunctionKey)> {
        (g.arena.iter())
            .map(|n| (n.info.clone(), n.function))
            .collect()
    }

    /// Finding a named function's node once per function gives the nodes
    /// that finding each frame's gives, at every granularity and with
    /// object names, for functions whose locations lie in different
    /// mappings, unnamed ones (whose key holds the object file) included.
    #[test]
    fn nodes_found_once_per_function_are_those_found_per_frame() {
        let mut p = random_profile();
        for (i, file) in ["a.so", "b.so"].iter().enumerate() {
            let file = p.intern(file);
            p.mappings.push(pprof_model::Mapping {
                id: i as u64 + 1,
                file,
                ..Default::default()
            });
        }
        for (i, l) in p.locations.iter_mut().enumerate() {
            l.mapping = Some(pprof_model::MappingId((i % 2) as u32));
            l.address = 0x1000 + i as u64;
        }
        for (i, f) in p.functions.iter_mut().enumerate() {
            f.filename = p.strings.intern(&format!("src/../dir{}/f.go", i % 7));
        }
        // Two functions without a name, each at locations of both mappings.
        p.functions[4].name = StrId::EMPTY;
        p.functions[9].name = StrId::EMPTY;
        let per_frame = |b: &mut Builder<'_>| {
            let (mut off, mut ids) = (vec![0u32], Vec::new());
            for loc in &b.p.locations {
                let lines = b.lines(loc);
                if lines.is_empty() {
                    let k = b.key(loc, None);
                    ids.push(b.find_or_insert(0, k));
                }
                for line in lines {
                    let k = b.key(loc, Some(line));
                    ids.push(b.find_or_insert(0, k));
                }
                off.push(ids.len() as u32);
            }
            FrameNodes { off, ids }
        };
        for granularity in [
            crate::Granularity::Functions,
            crate::Granularity::FileFunctions,
            crate::Granularity::Files,
            crate::Granularity::Lines,
            crate::Granularity::Addresses,
        ] {
            for obj_names in [false, true] {
                let o = Options {
                    granularity,
                    obj_names,
                    ..Options::default()
                };
                let mut once = Builder::new(&p, &o);
                let mut each = Builder::new(&p, &o);
                let how = format!("{granularity:?}, obj_names {obj_names}");
                assert_eq!(create_nodes(&mut once), per_frame(&mut each), "{how}");
                assert_eq!(identities(&once.g), identities(&each.g), "{how}");
                // Made on another thread from batches of keys (and of the
                // file names found since the last batch).
                let mut beside = Builder::new(&p, &o);
                let (frames, taken) = make_nodes_beside(&mut beside, None, true, || {});
                assert!(!taken && beside.orders.is_none());
                assert_eq!(frames, create_nodes(&mut Builder::new(&p, &o)), "{how}");
                assert_eq!(identities(&beside.g), identities(&each.g), "{how}");
            }
        }
    }

    /// A graph of some of another graph's nodes takes them from it, in
    /// the order and with the function keys that making them from the
    /// locations gives, at every granularity and from a graph of kept
    /// nodes in turn; a graph whose nodes were made another way, or that
    /// has no frames, gives none.
    #[test]
    fn kept_nodes_taken_from_a_graph_are_those_made_from_the_locations() {
        let p = random_profile();
        let st = Stacks::new(&p, 0, false);
        for granularity in [
            crate::Granularity::Functions,
            crate::Granularity::Lines,
            crate::Granularity::Addresses,
        ] {
            let o = Options {
                granularity,
                ..Options::default()
            };
            let all = build_graph(&p, &o, &st, None, false, None);
            for every in [1, 2, 3, 5] {
                let kept: NodeSet = (all.arena.iter().enumerate())
                    .filter(|(i, _)| i % every == every - 1)
                    .map(|(_, n)| n.info.clone())
                    .collect();
                let ko = Options {
                    kept_nodes: Some(kept),
                    ..o.clone()
                };
                let mut made = Builder::new(&p, &ko);
                let from_locations = create_nodes(&mut made);
                let mut taken = Builder::new(&p, &ko);
                let from_all = kept_nodes_of(&mut taken, &all, false).expect("nodes taken");
                assert_eq!(from_all, from_locations, "{granularity:?}, every {every}");
                assert_eq!(identities(&taken.g), identities(&made.g), "{granularity:?}");
                // Whole graphs, and a graph of fewer nodes from this one.
                let kept_graph = build_graph(&p, &ko, &st, None, true, Some(&all));
                let fresh = build_graph(&p, &ko, &st, None, true, None);
                assert_eq!(summary(&kept_graph), summary(&fresh));
                assert_eq!(identities(&kept_graph), identities(&fresh));
                // Tags are credited by a walk that sums the values too.
                let tagged = Options {
                    compute_tags: true,
                    ..ko.clone()
                };
                assert_eq!(
                    summary(&build_graph(&p, &tagged, &st, None, true, Some(&all))),
                    summary(&fresh)
                );
                let fewer: NodeSet = (kept_graph.arena.iter().step_by(2))
                    .map(|n| n.info.clone())
                    .collect();
                let fo = Options {
                    kept_nodes: Some(fewer),
                    ..o.clone()
                };
                let mut again = Builder::new(&p, &fo);
                let from_kept = kept_nodes_of(&mut again, &kept_graph, false).expect("taken again");
                let mut made = Builder::new(&p, &fo);
                assert_eq!(from_kept, create_nodes(&mut made));
                assert_eq!(identities(&again.g), identities(&made.g));
            }
            let other = Options {
                granularity: crate::Granularity::Files,
                kept_nodes: Some(NodeSet::default()),
                ..o.clone()
            };
            assert!(kept_nodes_of(&mut Builder::new(&p, &other), &all, true).is_none());
            let by_hand = Graph {
                arena: all.arena.clone(),
                ..Graph::default()
            };
            let ko = Options {
                kept_nodes: Some(NodeSet::default()),
                ..o.clone()
            };
            assert!(kept_nodes_of(&mut Builder::new(&p, &ko), &by_hand, true).is_none());
        }
    }

    /// Node and edge sums equal those of pprof's walk done plainly, with
    /// sets of what each sample credited: nodes and edges met several
    /// times in a sample (recursion) count once, an edge is inline only
    /// when all its first meetings in samples were, and a node's first
    /// caller (kept with the node while walking) and its other callers
    /// (kept in the edge table) come out alike, on one thread or two.
    #[test]
    fn sums_equal_a_plain_walk() {
        use std::collections::{BTreeMap, HashSet};
        let p = random_profile();
        let name = |l: &Line| p.str(p.functions[l.function.index()].name).to_string();
        let mut nodes: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        let mut edges: BTreeMap<(String, String), (i64, bool)> = BTreeMap::new();
        for s in p.samples.iter() {
            let w = s.values[0];
            if w == 0 {
                continue;
            }
            // Callers first; a location's last line is its outermost.
            let frames: Vec<(String, bool)> = (s.locations.iter().rev())
                .flat_map(|l| {
                    let lines = &p.locations[l.index()].lines;
                    let n = lines.len();
                    (lines.iter().enumerate().rev()).map(move |(i, ln)| (name(ln), i + 1 != n))
                })
                .collect();
            let (mut seen_nodes, mut seen_edges) = (HashSet::new(), HashSet::new());
            for (k, (n, inline)) in frames.iter().enumerate() {
                if seen_nodes.insert(n.clone()) {
                    nodes.entry(n.clone()).or_default().1 += w;
                }
                let Some((caller, _)) = k.checked_sub(1).map(|c| &frames[c]) else {
                    continue;
                };
                let key = (caller.clone(), n.clone());
                if caller != n && seen_edges.insert(key.clone()) {
                    let e = edges.entry(key).or_insert((0, true));
                    e.0 += w;
                    e.1 &= inline;
                }
            }
            if let Some((leaf, _)) = frames.last() {
                nodes.entry(leaf.clone()).or_default().0 += w;
            }
        }
        let want_nodes: Vec<(String, i64, i64)> = (nodes.into_iter())
            .map(|(n, (flat, cum))| (n, flat, cum))
            .collect();
        let want_edges: Vec<(String, String, i64, bool, bool)> = (edges.into_iter())
            .map(|((a, b), (w, inline))| (a, b, w, false, inline))
            .collect();
        assert!(want_edges.iter().any(|e| e.4) && want_edges.iter().any(|e| !e.4));
        let o = Options::default();
        for split in [false, true] {
            let stacks = Stacks::new(&p, 0, false);
            let g = build_graph(&p, &o, &stacks, Some(split), true, None);
            let (got_nodes, got_edges) = summary(&g);
            assert_eq!(got_nodes, want_nodes, "split: {split}");
            assert_eq!(got_edges, want_edges, "split: {split}");
            // Each node lists its edges, out and in, in the order of the
            // edges.
            for (i, n) in g.arena.iter().enumerate() {
                let of = |end: fn(&Edge) -> NodeId| -> Vec<EdgeId> {
                    (g.edges.iter().enumerate())
                        .filter(|(_, e)| end(e).index() == i)
                        .map(|(k, _)| EdgeId(k as u32))
                        .collect()
                };
                assert_eq!(n.out_edges, of(|e| e.src), "split: {split}");
                assert_eq!(n.in_edges, of(|e| e.dest), "split: {split}");
            }
        }
    }

    #[test]
    fn split_graph_numbers_its_edges_as_the_sequential_one() {
        // However the slices of stacks fall to the two workers, the edges
        // come out in one order: that of one worker alone.
        // Many functions, each slice of stacks meeting edges of its own.
        let mut b = pprof_model::build::ProfileBuilder::new(&[("samples", "count")]);
        let locs: Vec<LocationId> = (0..1000u64)
            .map(|i| b.named_location(None, 0x1000 + i, &[(&format!("g{i}"), "g.go", 1)]))
            .collect();
        let mut numbers = pprof_testkit::numbers(777);
        for k in 0..4000 {
            let stack: Vec<LocationId> = (0..4).map(|_| locs[numbers(1000) as usize]).collect();
            b.sample(&stack, &[k % 9 + 1]);
        }
        let p = b.build();
        let o = Options::default();
        let stacks = Stacks::new(&p, 0, false);
        let one = build_graph(&p, &o, &stacks, Some(false), true, None);
        assert!(one.edges.len() > 5000, "{} edges", one.edges.len());
        for _ in 0..8 {
            let two = build_graph(&p, &o, &stacks, Some(true), true, None);
            assert_eq!(two.edges, one.edges);
            for (a, b) in two.arena.iter().zip(&one.arena) {
                assert_eq!((&a.out_edges, &a.in_edges), (&b.out_edges, &b.in_edges));
            }
        }
    }

    #[test]
    fn split_sums_equal_sequential_sums() {
        let p = random_profile();
        let mut o = Options::default();
        assert_eq!(
            summary(&build_graph(
                &p,
                &o,
                &Stacks::new(&p, 0, false),
                Some(false),
                true,
                None
            )),
            summary(&build_graph(
                &p,
                &o,
                &Stacks::new(&p, 0, false),
                Some(true),
                true,
                None
            ))
        );
        // With a kept set, residual flags must merge too.
        let full = build_graph(&p, &o, &Stacks::new(&p, 0, false), Some(false), true, None);
        let mut kept = full.discard_low_frequency_nodes(0);
        kept.retain(|i| !i.name.ends_with('3'));
        o.kept_nodes = Some(kept);
        let (a, b) = (
            build_graph(&p, &o, &Stacks::new(&p, 0, false), Some(false), true, None),
            build_graph(&p, &o, &Stacks::new(&p, 0, false), Some(true), true, None),
        );
        assert_eq!(summary(&a), summary(&b));
        assert!(summary(&a).1.iter().any(|e| e.3), "some edge is residual");
    }
}
