//! Node, edge and tag types of a [`crate::Graph`].

use std::collections::BTreeMap;

use pprof_model::gofmt::{push_hex, push_int};

use crate::paths;

/// Index of a node in the arena of a [`crate::Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

impl NodeId {
    /// The index into [`crate::Graph::arena`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Index of an edge in the arena of a [`crate::Graph`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EdgeId(pub u32);

impl EdgeId {
    /// The index into [`crate::Graph::edges`].
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Identity of the function a node belongs to.
///
/// Nodes at sub-function granularity (lines, addresses) that belong to the
/// same function share a `FunctionKey`; in a call tree, nodes of the same
/// function in different calling contexts have different keys (pprof's
/// `Node.Function`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FunctionKey(pub u32);

/// What a node stands for: its identity within a graph (pprof's `NodeInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeInfo {
    /// Function name (empty at `files` granularity).
    pub name: String,
    /// System (linker) name, only with [`crate::Options::orig_fn_names`].
    pub orig_name: String,
    /// Address (0 unless at `addresses` granularity).
    pub address: u64,
    /// Cleaned source file name (empty unless the granularity keeps files).
    pub file: String,
    /// First line of the function, only set together with `objfile`.
    pub start_line: i64,
    /// Line number (0 unless at `lines` or `addresses` granularity).
    pub lineno: i64,
    /// Column number, shown after the line number when not 0 (only in
    /// profiles that record columns, at `addresses` granularity or with
    /// today's `-showcolumns`).
    pub column: i64,
    /// Object file of the mapping; set when object names are requested or
    /// when the node has no function name.
    pub objfile: String,
}

impl NodeInfo {
    /// The parts of the printable name: address, name, file:line, file,
    /// `[objfile]` or `<unknown>` (pprof's `NameComponents`).
    pub fn name_components(&self) -> Vec<String> {
        let mut out = Vec::with_capacity(3);
        if self.address != 0 {
            out.push(format!("{:016x}", self.address));
        }
        if !self.name.is_empty() {
            out.push(self.name.clone());
        }
        if self.lineno != 0 {
            if self.column != 0 {
                out.push(format!("{}:{}:{}", self.file, self.lineno, self.column));
            } else {
                out.push(format!("{}:{}", self.file, self.lineno));
            }
        } else if !self.file.is_empty() {
            out.push(self.file.clone());
        } else if !self.name.is_empty() {
            // The name alone identifies the node.
        } else if !self.objfile.is_empty() {
            out.push(format!("[{}]", paths::base(&self.objfile)));
        } else {
            out.push("<unknown>".to_string());
        }
        out
    }

    /// The name components joined by one space (pprof's `PrintableName`).
    pub fn printable_name(&self) -> String {
        // Room for the address, the names, the line and the separators.
        let mut s = String::with_capacity(48 + self.name.len() + self.file.len());
        self.write_printable_name(&mut s);
        s
    }

    /// The printable name's first 16 bytes as a number that orders like
    /// them (zeros after a shorter name): two names whose prefixes differ
    /// order as their prefixes do, so most comparisons need no whole name.
    /// `scratch` is used to make the name, unless it starts with the
    /// node's address (whose 16 hexadecimal digits are the prefix) or with
    /// a function name of 16 bytes or more.
    pub fn printable_prefix(&self, scratch: &mut String) -> u128 {
        scratch.clear();
        let text = if self.address != 0 {
            push_hex(scratch, self.address, 16);
            scratch.as_bytes()
        } else if self.name.len() >= 16 {
            self.name.as_bytes()
        } else {
            self.write_printable_name(scratch);
            scratch.as_bytes()
        };
        let mut head = [0u8; 16];
        let n = text.len().min(16);
        head[..n].copy_from_slice(&text[..n]);
        u128::from_be_bytes(head)
    }

    /// Appends the printable name to `s` without intermediate allocations.
    pub fn write_printable_name(&self, s: &mut String) {
        let start = s.len();
        let sep = |s: &mut String| {
            if s.len() > start {
                s.push(' ');
            }
        };
        if self.address != 0 {
            push_hex(s, self.address, 16);
        }
        if !self.name.is_empty() {
            sep(s);
            s.push_str(&self.name);
        }
        if self.lineno != 0 {
            sep(s);
            s.push_str(&self.file);
            s.push(':');
            push_int(s, self.lineno);
            if self.column != 0 {
                s.push(':');
                push_int(s, self.column);
            }
        } else if !self.file.is_empty() {
            sep(s);
            s.push_str(&self.file);
        } else if !self.name.is_empty() {
        } else if !self.objfile.is_empty() {
            sep(s);
            s.push('[');
            s.push_str(paths::base(&self.objfile));
            s.push(']');
        } else {
            sep(s);
            s.push_str("<unknown>");
        }
    }

    /// The text Go's `fmt.Sprint` gives for a `NodeInfo` (today's, with
    /// the column), used by pprof as the final tie breaker when sorting
    /// nodes. go1.19's had no column, which orders nodes the same way when
    /// columns are 0, as they are for go1.19.
    pub fn go_sprint(&self) -> String {
        format!(
            "{{{} {} {} {} {} {} {} {}}}",
            self.name,
            self.orig_name,
            self.address,
            self.file,
            self.start_line,
            self.lineno,
            self.column,
            self.objfile
        )
    }
}

/// A sample annotation aggregated on a node (label or numeric tag).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tag {
    /// Tag text: `key:value` lines for labels, the formatted number for
    /// numeric tags.
    pub name: String,
    /// Unit of a numeric tag; empty for labels.
    pub unit: String,
    /// Raw numeric value (0 for labels).
    pub value: i64,
    /// Exclusive weight.
    pub flat: i64,
    /// Exclusive mean divisor.
    pub flat_div: i64,
    /// Inclusive weight.
    pub cum: i64,
    /// Inclusive mean divisor.
    pub cum_div: i64,
}

impl Tag {
    /// Flat weight, divided by its divisor when one is set.
    pub fn flat_value(&self) -> i64 {
        div_value(self.flat, self.flat_div)
    }

    /// Cum weight, divided by its divisor when one is set.
    pub fn cum_value(&self) -> i64 {
        div_value(self.cum, self.cum_div)
    }
}

/// Tags by name.
pub type TagMap = BTreeMap<String, Tag>;

/// A node of the graph: a function, file, line or address.
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Identity.
    pub info: NodeInfo,
    /// The function this node belongs to.
    pub function: FunctionKey,
    /// Exclusive value.
    pub flat: i64,
    /// Exclusive mean divisor.
    pub flat_div: i64,
    /// Inclusive value (each sample counted once, recursion included).
    pub cum: i64,
    /// Inclusive mean divisor.
    pub cum_div: i64,
    /// Incoming edges (callers), in creation order.
    pub in_edges: Vec<EdgeId>,
    /// Outgoing edges (callees), in creation order.
    pub out_edges: Vec<EdgeId>,
    /// Label tags (only with [`crate::Options::compute_tags`]).
    pub label_tags: TagMap,
    /// Numeric tags, keyed by the joined labels of the samples they come
    /// from ("" when unlabelled) (only with [`crate::Options::compute_tags`]).
    pub numeric_tags: BTreeMap<String, TagMap>,
}

impl Node {
    /// Flat value, divided by the mean divisor when one is set.
    pub fn flat_value(&self) -> i64 {
        div_value(self.flat, self.flat_div)
    }

    /// Cum value, divided by the mean divisor when one is set.
    pub fn cum_value(&self) -> i64 {
        div_value(self.cum, self.cum_div)
    }
}

/// A caller → callee edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Caller.
    pub src: NodeId,
    /// Callee.
    pub dest: NodeId,
    /// Summed weight.
    pub weight: i64,
    /// Summed mean divisor.
    pub weight_div: i64,
    /// The edge skips over nodes that were removed from the graph.
    pub residual: bool,
    /// The call was inlined into the caller.
    pub inline: bool,
}

impl Edge {
    /// Weight, divided by the mean divisor when one is set.
    pub fn weight_value(&self) -> i64 {
        div_value(self.weight, self.weight_div)
    }
}

pub(crate) fn div_value(v: i64, d: i64) -> i64 {
    if d == 0 {
        v
    } else {
        v.checked_div(d).unwrap_or(v)
    }
}

/// Sorts tags by decreasing absolute cum (unless `flat`), then decreasing
/// absolute flat, then name (pprof's `SortTags`).
pub fn sort_tags(tags: &mut [Tag], flat: bool) {
    use crate::trim::abs64;
    tags.sort_by(|a, b| {
        if !flat && a.cum != b.cum {
            return abs64(b.cum).cmp(&abs64(a.cum));
        }
        if a.flat != b.flat {
            return abs64(b.flat).cmp(&abs64(a.flat));
        }
        a.name.cmp(&b.name)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_names() {
        let mut i = NodeInfo {
            name: "main.f".into(),
            ..Default::default()
        };
        assert_eq!(i.printable_name(), "main.f");
        i.address = 0x10;
        i.file = "a.go".into();
        i.lineno = 3;
        assert_eq!(i.printable_name(), "0000000000000010 main.f a.go:3");
        assert_eq!(i.name_components().join(" "), i.printable_name());
        i.column = 7;
        assert_eq!(i.printable_name(), "0000000000000010 main.f a.go:3:7");
        assert_eq!(i.name_components().join(" "), i.printable_name());
        let o = NodeInfo {
            objfile: "/bin/x".into(),
            ..Default::default()
        };
        assert_eq!(o.printable_name(), "[x]");
        assert_eq!(NodeInfo::default().printable_name(), "<unknown>");
        assert_eq!(NodeInfo::default().go_sprint(), "{  0  0 0 0 }");
    }

    /// The prefix is the printable name's first 16 bytes, however it is
    /// found.
    #[test]
    fn printable_prefixes_are_the_names_first_bytes() {
        let mut scratch = String::from("left over");
        for address in [0, 0x10, u64::MAX] {
            for name in [
                "",
                "main.f",
                "main.exactly16by",
                "example.com/pkg.(*T).Method",
            ] {
                for (file, lineno) in [("", 0), ("a.go", 0), ("a.go", 12)] {
                    for objfile in ["", "/bin/some-binary"] {
                        let i = NodeInfo {
                            name: name.into(),
                            address,
                            file: file.into(),
                            lineno,
                            objfile: objfile.into(),
                            ..Default::default()
                        };
                        let text = i.printable_name();
                        let mut head = [0u8; 16];
                        let n = text.len().min(16);
                        head[..n].copy_from_slice(&text.as_bytes()[..n]);
                        let want = u128::from_be_bytes(head);
                        assert_eq!(i.printable_prefix(&mut scratch), want, "{text:?}");
                    }
                }
            }
        }
    }
}
