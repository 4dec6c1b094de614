//! A prefix tree of the profile's stacks, shared by the flame graph and the
//! folded-stacks writers.
//!
//! Frames are named once per distinct location (never per sample), and each
//! sample walks the tree from the root with one hash lookup per frame.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use pprof_model::{Location, Profile, SampleRef};

use crate::error::{Error, Result};

pub use pprof_graph::Granularity;

/// Which stacks to take from a profile, and how to name their frames.
#[derive(Clone, Debug)]
pub struct StackOptions {
    /// Index of the sample value to use (into `Profile::sample_types`).
    pub sample_index: usize,
    /// With pprof's `-mean`, the index of the value that divides it (pprof
    /// uses 0, the count). Node values become `sum(value) / sum(divisor)`.
    pub mean_divisor: Option<usize>,
    /// Frame naming.
    pub granularity: Granularity,
    /// Whether inlined calls get frames of their own (pprof's default). When
    /// false, each location gives one frame: its outermost function.
    pub inline_frames: bool,
}

impl Default for StackOptions {
    fn default() -> Self {
        StackOptions {
            sample_index: 0,
            mean_divisor: None,
            granularity: Granularity::Functions,
            inline_frames: true,
        }
    }
}

/// Index of the synthetic root node.
pub(crate) const ROOT: u32 = 0;

/// A node of the stack tree: one frame reached through one path.
#[derive(Clone, Debug, Default)]
pub(crate) struct Node {
    /// Frame id (index into `StackTree::names`); unused for the root.
    pub frame: u32,
    /// Parent node; the root is its own parent.
    pub parent: u32,
    /// Depth: 0 for the root, 1 for the outermost frames.
    pub depth: u32,
    /// Sum of the positive sample values of stacks through this node.
    pub cum_pos: i64,
    /// Sum of the magnitudes of the negative sample values (a base profile).
    pub cum_neg: i64,
    /// Like `cum_pos`, for the stacks ending at this node.
    pub flat_pos: i64,
    /// Like `cum_neg`, for the stacks ending at this node.
    pub flat_neg: i64,
    /// Sum of the mean divisors of stacks through this node.
    pub cum_div: i64,
    /// Sum of the mean divisors of stacks ending at this node.
    pub flat_div: i64,
}

impl Node {
    /// The net cumulative value (new minus base).
    pub fn cum(&self) -> i64 {
        self.cum_pos.saturating_sub(self.cum_neg)
    }

    /// The net flat value.
    pub fn flat(&self) -> i64 {
        self.flat_pos.saturating_sub(self.flat_neg)
    }

    /// The width measure: every value counts by its magnitude.
    pub fn width(&self) -> i64 {
        self.cum_pos.saturating_add(self.cum_neg)
    }
}

/// A small multiplicative hasher for integer keys (the default SipHash is
/// several times slower on the per-frame lookups).
#[derive(Default)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        // A multiplicative hash has good high bits and poor low bits; the
        // table picks buckets with the low bits, so bring the high ones down.
        self.0.rotate_left(26)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// The tree of all stacks of one or more profiles.
#[derive(Debug)]
pub(crate) struct StackTree {
    /// Frame names, by frame id.
    pub names: Vec<String>,
    name_ids: HashMap<String, u32>,
    /// Nodes; index 0 is the root.
    pub nodes: Vec<Node>,
    children: IntMap<(u32, u32), u32>,
    /// Frames of the previous sample's path and the nodes they led to.
    prev_path: Vec<u32>,
    prev_nodes: Vec<u32>,
    /// Whether any value was negative (a difference profile).
    pub has_negative: bool,
    /// Whether any sample carries the `pprof::base=true` label.
    pub has_base_label: bool,
}

impl StackTree {
    pub fn new() -> Self {
        StackTree {
            names: Vec::new(),
            name_ids: HashMap::new(),
            nodes: vec![Node::default()],
            children: IntMap::default(),
            prev_path: Vec::new(),
            prev_nodes: Vec::new(),
            has_negative: false,
            has_base_label: false,
        }
    }

    /// Whether the tree holds a comparison against a base profile.
    pub fn is_diff(&self) -> bool {
        self.has_negative || self.has_base_label
    }

    pub(crate) fn frame_id(&mut self, name: String) -> u32 {
        if let Some(&id) = self.name_ids.get(&name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(name.clone());
        self.name_ids.insert(name, id);
        id
    }

    /// Adds every sample of `p`; values are multiplied by `sign` (-1 for a
    /// base profile given separately).
    pub fn add_profile(&mut self, p: &Profile, opts: &StackOptions, sign: i64) -> Result<()> {
        check_indexes(p, opts)?;
        // Frames of each location, outermost first, computed on first use.
        let mut loc_frames: Vec<Option<Vec<u32>>> = vec![None; p.locations.len()];
        let base_key = p.strings.lookup("pprof::base");
        let true_val = p.strings.lookup("true");
        let mut path: Vec<u32> = Vec::new();
        // Samples that differ only in labels share a stack: remember the
        // node each stack led to.
        let mut memo: IntMap<&[pprof_model::LocationId], u32> = IntMap::default();
        for s in &p.samples {
            let v = s
                .values
                .get(opts.sample_index)
                .copied()
                .unwrap_or(0)
                .saturating_mul(sign);
            let div = match opts.mean_divisor {
                Some(d) => s.values.get(d).copied().unwrap_or(0).saturating_mul(sign),
                None => 0,
            };
            if v == 0 && div == 0 {
                continue;
            }
            if let (Some(k), Some(t)) = (base_key, true_val) {
                if s.labels.iter().any(|l| l.key == k && l.str == t) {
                    self.has_base_label = true;
                }
            }
            if v < 0 {
                self.has_negative = true;
            }
            let node = match memo.get(s.locations) {
                Some(&n) => n,
                None => {
                    path.clear();
                    self.sample_path(p, s, opts, &mut loc_frames, &mut path);
                    let n = self.find_path(&path);
                    memo.insert(s.locations, n);
                    n
                }
            };
            self.add_flat(node, v, div);
        }
        self.compute_cum();
        Ok(())
    }

    /// The frames of every location of `p`, outermost first: those of
    /// location `i` are `frames[offsets[i]..offsets[i + 1]]`.
    pub(crate) fn location_frames(
        &mut self,
        p: &Profile,
        opts: &StackOptions,
    ) -> (Vec<usize>, Vec<u32>) {
        let mut offsets = Vec::with_capacity(p.locations.len() + 1);
        let mut frames = Vec::with_capacity(p.locations.len());
        offsets.push(0);
        for loc in &p.locations {
            for name in location_frame_names(p, loc, opts) {
                let id = self.frame_id(name);
                frames.push(id);
            }
            offsets.push(frames.len());
        }
        (offsets, frames)
    }

    fn sample_path(
        &mut self,
        p: &Profile,
        s: SampleRef<'_>,
        opts: &StackOptions,
        loc_frames: &mut [Option<Vec<u32>>],
        path: &mut Vec<u32>,
    ) {
        for loc_id in s.locations.iter().rev() {
            let Some(slot) = loc_frames.get_mut(loc_id.index()) else {
                continue;
            };
            if slot.is_none() {
                let frames = match p.locations.get(loc_id.index()) {
                    Some(loc) => location_frame_names(p, loc, opts)
                        .into_iter()
                        .map(|n| self.frame_id(n))
                        .collect(),
                    None => Vec::new(),
                };
                *slot = Some(frames);
            }
            if let Some(frames) = slot {
                path.extend_from_slice(frames);
            }
        }
    }

    /// Finds or creates the node of `path` (outermost frame first).
    /// Consecutive samples often share their outer frames, so the walk
    /// starts after the part shared with the previous path.
    fn find_path(&mut self, path: &[u32]) -> u32 {
        let shared = path
            .iter()
            .zip(&self.prev_path)
            .take_while(|(a, b)| a == b)
            .count();
        self.prev_path.truncate(shared);
        self.prev_nodes.truncate(shared);
        let mut cur = self.prev_nodes.last().copied().unwrap_or(ROOT);
        for &frame in path.get(shared..).unwrap_or(&[]) {
            let next = match self.children.get(&(cur, frame)) {
                Some(&n) => n,
                None => {
                    let n = self.nodes.len() as u32;
                    let depth = self
                        .nodes
                        .get(cur as usize)
                        .map_or(0, |p| p.depth.saturating_add(1));
                    self.nodes.push(Node {
                        frame,
                        parent: cur,
                        depth,
                        ..Node::default()
                    });
                    self.children.insert((cur, frame), n);
                    n
                }
            };
            cur = next;
            self.prev_path.push(frame);
            self.prev_nodes.push(cur);
        }
        cur
    }

    /// Adds a sample's value to a node's flat counters.
    fn add_flat(&mut self, node: u32, v: i64, div: i64) {
        let (pos, neg) = if v < 0 {
            (0, v.saturating_neg())
        } else {
            (v, 0)
        };
        if let Some(n) = self.nodes.get_mut(node as usize) {
            n.flat_pos = n.flat_pos.saturating_add(pos);
            n.flat_neg = n.flat_neg.saturating_add(neg);
            n.flat_div = n.flat_div.saturating_add(div);
        }
    }

    /// Recomputes the cumulative counters from the flat ones: a parent is
    /// always created before its children, so one backward pass suffices.
    fn compute_cum(&mut self) {
        for n in &mut self.nodes {
            n.cum_pos = n.flat_pos;
            n.cum_neg = n.flat_neg;
            n.cum_div = n.flat_div;
        }
        for i in (1..self.nodes.len()).rev() {
            let Some(&Node {
                parent,
                cum_pos,
                cum_neg,
                cum_div,
                ..
            }) = self.nodes.get(i)
            else {
                continue;
            };
            if let Some(p) = self.nodes.get_mut(parent as usize) {
                p.cum_pos = p.cum_pos.saturating_add(cum_pos);
                p.cum_neg = p.cum_neg.saturating_add(cum_neg);
                p.cum_div = p.cum_div.saturating_add(cum_div);
            }
        }
    }

    pub(crate) fn frame_name(&self, frame: u32) -> &str {
        self.names.get(frame as usize).map_or("", |s| s)
    }

    /// The name of a node's frame.
    pub fn name(&self, node: u32) -> &str {
        match self.nodes.get(node as usize) {
            Some(n) if node != ROOT => self.names.get(n.frame as usize).map_or("", |s| s),
            _ => "",
        }
    }

    /// The rank of each frame id in name order.
    pub(crate) fn name_ranks(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.names.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.frame_name(a).cmp(self.frame_name(b)));
        let mut rank = vec![0u32; self.names.len()];
        for (r, &f) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(f as usize) {
                *slot = r as u32;
            }
        }
        rank
    }

    /// Children of every node, sorted by frame name: `(offsets, list)` in
    /// compressed form; the children of node `i` are
    /// `list[offsets[i]..offsets[i + 1]]`.
    pub fn children_sorted(&self) -> (Vec<usize>, Vec<u32>) {
        let n = self.nodes.len();
        let mut counts = vec![0usize; n + 1];
        for node in self.nodes.iter().skip(1) {
            if let Some(c) = counts.get_mut(node.parent as usize + 1) {
                *c += 1;
            }
        }
        for i in 1..counts.len() {
            counts[i] += counts[i - 1];
        }
        let offsets = counts.clone();
        let mut fill = counts;
        let mut list = vec![0u32; n.saturating_sub(1)];
        for (i, node) in self.nodes.iter().enumerate().skip(1) {
            if let Some(pos) = fill.get_mut(node.parent as usize) {
                if let Some(slot) = list.get_mut(*pos) {
                    *slot = i as u32;
                }
                *pos += 1;
            }
        }
        // Rank frames by name once, then sort siblings by rank.
        let rank = self.name_ranks();
        let key = |n: u32| -> u32 {
            self.nodes
                .get(n as usize)
                .and_then(|node| rank.get(node.frame as usize))
                .copied()
                .unwrap_or(0)
        };
        for w in offsets.windows(2) {
            if let Some(kids) = list.get_mut(w[0]..w[1]) {
                if kids.len() > 1 {
                    kids.sort_unstable_by_key(|&k| key(k));
                }
            }
        }
        (offsets, list)
    }
}

/// Checks that the options' sample indexes exist in `p`.
pub(crate) fn check_indexes(p: &Profile, opts: &StackOptions) -> Result<()> {
    let count = p.sample_types.len();
    for index in std::iter::once(opts.sample_index).chain(opts.mean_divisor) {
        if index >= count {
            return Err(Error::SampleIndex { index, count });
        }
    }
    Ok(())
}

/// Value of a node for display: the net value, divided by the mean divisor
/// when one is in use.
pub(crate) fn mean_value(v: i64, div: i64, mean: bool) -> i64 {
    if mean && div != 0 {
        v.checked_div(div).unwrap_or(0)
    } else {
        v
    }
}

/// Names of the frames of one location, outermost first.
pub(crate) fn location_frame_names(
    p: &Profile,
    loc: &Location,
    opts: &StackOptions,
) -> Vec<String> {
    let lines: &[pprof_model::Line] = if opts.inline_frames {
        &loc.lines
    } else {
        match loc.lines.last() {
            Some(l) => std::slice::from_ref(l),
            None => &[],
        }
    };
    if lines.is_empty() {
        return vec![unsymbolized_name(p, loc)];
    }
    lines
        .iter()
        .rev()
        .map(|line| {
            let f = p.functions.get(line.function.index());
            let name = f.map_or("", |f| p.str(f.name));
            let name = if name.is_empty() {
                f.map_or("", |f| p.str(f.system_name))
            } else {
                name
            };
            let file = f.map_or("", |f| p.str(f.filename));
            let name = if name.is_empty() { "<unknown>" } else { name };
            match opts.granularity {
                Granularity::Functions => name.to_string(),
                Granularity::Files | Granularity::FileFunctions if file.is_empty() => {
                    name.to_string()
                }
                Granularity::Files | Granularity::FileFunctions => format!("{name} {file}"),
                Granularity::Lines => format!("{name} {file}:{}", line.line),
                Granularity::Addresses => format!("{:#x} {name}", loc.address),
                _ => name.to_string(),
            }
        })
        .collect()
}

/// Name of a location without symbol information: its address, or its
/// object file when the address is unknown too.
fn unsymbolized_name(p: &Profile, loc: &Location) -> String {
    if loc.address != 0 {
        return format!("{:#x}", loc.address);
    }
    let obj = loc
        .mapping
        .and_then(|m| p.mappings.get(m.index()))
        .map_or("", |m| p.str(m.file));
    match obj.rsplit('/').next() {
        Some(base) if !base.is_empty() => format!("[{base}]"),
        _ => "<unknown>".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pprof_model::{Function, FunctionId, Line, LocationId, Sample, ValueType};

    fn profile() -> Profile {
        let mut p = Profile::new();
        let t = p.intern("samples");
        let u = p.intern("count");
        p.sample_types.push(ValueType { r#type: t, unit: u });
        for name in ["main", "a", "b"] {
            let n = p.intern(name);
            let id = p.functions.len() as u64 + 1;
            p.functions.push(Function {
                id,
                name: n,
                ..Default::default()
            });
            p.locations.push(Location {
                id,
                address: 0x1000 * id,
                lines: vec![Line {
                    function: FunctionId(id as u32 - 1),
                    line: 1,
                    column: 0,
                }],
                ..Default::default()
            });
        }
        // main -> a (5), main -> a -> b (3), main -> b (2)
        for (locs, v) in [(vec![1, 0], 5), (vec![2, 1, 0], 3), (vec![2, 0], 2)] {
            p.samples.push(Sample {
                locations: locs.into_iter().map(LocationId).collect(),
                values: vec![v],
                labels: vec![],
            });
        }
        p
    }

    #[test]
    fn tree_sums_and_sorted_children() {
        let p = profile();
        let mut t = StackTree::new();
        t.add_profile(&p, &StackOptions::default(), 1).unwrap();
        assert_eq!(t.nodes[0].cum(), 10);
        let (off, list) = t.children_sorted();
        let top: Vec<&str> = list[off[0]..off[1]].iter().map(|&n| t.name(n)).collect();
        assert_eq!(top, ["main"]);
        let main = list[off[0]] as usize;
        let kids: Vec<(&str, i64)> = list[off[main]..off[main + 1]]
            .iter()
            .map(|&n| (t.name(n), t.nodes[n as usize].cum()))
            .collect();
        assert_eq!(kids, [("a", 8), ("b", 2)]);
        assert!(!t.is_diff());
    }

    #[test]
    fn bad_sample_index_is_an_error() {
        let p = profile();
        let mut t = StackTree::new();
        let opts = StackOptions {
            sample_index: 3,
            ..Default::default()
        };
        assert!(matches!(
            t.add_profile(&p, &opts, 1),
            Err(Error::SampleIndex { index: 3, count: 1 })
        ));
    }

    #[test]
    fn negative_sign_marks_a_diff() {
        let p = profile();
        let mut t = StackTree::new();
        t.add_profile(&p, &StackOptions::default(), 1).unwrap();
        t.add_profile(&p, &StackOptions::default(), -1).unwrap();
        assert!(t.is_diff());
        assert_eq!(t.nodes[0].cum(), 0);
        assert_eq!(t.nodes[0].width(), 20);
    }
}
