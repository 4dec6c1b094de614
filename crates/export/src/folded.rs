//! Brendan Gregg's folded stacks: `root;child;leaf 123`.

use std::fmt::Write as _;

use pprof_model::Profile;

use crate::error::Result;
use crate::stacks::{mean_value, StackOptions, StackTree, ROOT};

/// Options of the folded-stacks writer.
#[derive(Clone, Debug, Default)]
pub struct FoldedOptions {
    /// Which stacks and values to take.
    pub stacks: StackOptions,
    /// Write the two-count form `stack BASE NEW` read by differential flame
    /// graph tools, splitting every value into its base (negative) and new
    /// (positive) part. `None` picks it when the profile holds a base
    /// (negative values or samples labelled `pprof::base=true`).
    pub two_columns: Option<bool>,
}

/// Writes one line per distinct stack, outermost frame first, with the sum
/// of its values: `main;run;work 42`. Lines come in depth-first order with
/// sibling frames sorted by name; stacks whose value is zero are left out.
///
/// Frame names have `;` replaced by `:` and line breaks by spaces, so every
/// line splits back into the same frames.
pub fn folded(p: &Profile, opts: &FoldedOptions) -> Result<String> {
    let mut tree = StackTree::new();
    tree.add_profile(p, &opts.stacks, 1)?;
    let mut out = String::new();
    render(&tree, opts, &mut out, &mut |_| Ok(()))?;
    Ok(out)
}

/// Like [`folded`], writing the lines to `w` as they are produced instead
/// of returning them: memory stays at the size of the stack tree however
/// long the output is.
pub fn write_folded(w: &mut dyn std::io::Write, p: &Profile, opts: &FoldedOptions) -> Result<()> {
    let mut tree = StackTree::new();
    tree.add_profile(p, &opts.stacks, 1)?;
    let mut out = String::new();
    let mut flush = |buf: &mut String| -> std::io::Result<()> {
        w.write_all(buf.as_bytes())?;
        buf.clear();
        Ok(())
    };
    render(&tree, opts, &mut out, &mut flush)?;
    flush(&mut out)?;
    Ok(())
}

/// Output buffered by [`render`] before it is handed to its flush callback.
const FLUSH_AT: usize = 1 << 20;

/// Like [`folded`] for `new` compared against a separate `base` profile:
/// the base's values count negatively, and the output has two counts per
/// line (`stack BASE NEW`) unless [`FoldedOptions::two_columns`] is
/// `Some(false)`.
pub fn folded_diff(new: &Profile, base: &Profile, opts: &FoldedOptions) -> Result<String> {
    let mut tree = StackTree::new();
    tree.add_profile(new, &opts.stacks, 1)?;
    tree.add_profile(base, &opts.stacks, -1)?;
    tree.has_base_label = true;
    let mut out = String::new();
    render(&tree, opts, &mut out, &mut |_| Ok(()))?;
    Ok(out)
}

/// Renders the lines into `out`, calling `flush` whenever it holds more
/// than [`FLUSH_AT`] bytes (a flush that does not empty `out` makes it
/// accumulate everything).
fn render(
    tree: &StackTree,
    opts: &FoldedOptions,
    out: &mut String,
    flush: &mut dyn FnMut(&mut String) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let two = opts.two_columns.unwrap_or_else(|| tree.is_diff());
    let mean = opts.stacks.mean_divisor.is_some();
    let (offsets, list) = tree.children_sorted();
    // The current line's frames, joined, and where each depth starts.
    let mut prefix = String::new();
    let mut starts: Vec<usize> = Vec::new();
    // Cleaned names by frame id, computed once.
    let clean_names: Vec<String> = tree.names.iter().map(|n| clean(n)).collect();
    // Explicit stack of (node, depth) to survive very deep stacks.
    let mut todo: Vec<(u32, usize)> = Vec::new();
    push_children(&mut todo, &offsets, &list, ROOT, 0);
    while let Some((node, depth)) = todo.pop() {
        let Some(n) = tree.nodes.get(node as usize) else {
            continue;
        };
        if let Some(&start) = starts.get(depth) {
            prefix.truncate(start);
        }
        starts.truncate(depth);
        starts.push(prefix.len());
        if depth > 0 {
            prefix.push(';');
        }
        prefix.push_str(clean_names.get(n.frame as usize).map_or("", |s| s));
        let has_value = if two {
            n.flat_pos != 0 || n.flat_neg != 0
        } else {
            n.flat() != 0
        };
        if has_value {
            out.push_str(&prefix);
            if two {
                let base = mean_value(n.flat_neg, n.flat_div, mean);
                let new = mean_value(n.flat_pos, n.flat_div, mean);
                let _ = writeln!(out, " {base} {new}");
            } else {
                let v = mean_value(n.flat(), n.flat_div, mean);
                let _ = writeln!(out, " {v}");
            }
            if out.len() > FLUSH_AT {
                flush(out)?;
            }
        }
        push_children(&mut todo, &offsets, &list, node, depth + 1);
    }
    Ok(())
}

/// Pushes the children of `node` so that they pop in name order.
fn push_children(
    todo: &mut Vec<(u32, usize)>,
    offsets: &[usize],
    list: &[u32],
    node: u32,
    depth: usize,
) {
    let i = node as usize;
    if let (Some(&a), Some(&b)) = (offsets.get(i), offsets.get(i + 1)) {
        if let Some(kids) = list.get(a..b) {
            todo.extend(kids.iter().rev().map(|&k| (k, depth)));
        }
    }
}

fn clean(name: &str) -> String {
    if name.contains([';', '\n', '\r']) {
        name.replace(';', ":").replace(['\n', '\r'], " ")
    } else {
        name.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streamed_output_equals_the_string() {
        use pprof_model::{Function, FunctionId, Line, Location, LocationId, Sample, ValueType};
        let mut p = Profile::new();
        let (t, u) = (p.intern("samples"), p.intern("count"));
        p.sample_types.push(ValueType { r#type: t, unit: u });
        for i in 0..50u32 {
            let name = p.intern(&format!("pkg.{}{i}", "f".repeat(300)));
            p.functions.push(Function {
                id: u64::from(i) + 1,
                name,
                ..Default::default()
            });
            p.locations.push(Location {
                id: u64::from(i) + 1,
                lines: vec![Line {
                    function: FunctionId(i),
                    line: 1,
                    column: 0,
                }],
                ..Default::default()
            });
        }
        for i in 0..2000u32 {
            let locations = (0..10)
                .map(|d| {
                    LocationId(if d < 2 {
                        (i / 50u32.pow(d)) % 50
                    } else {
                        d * 13 % 50
                    })
                })
                .collect();
            p.samples.push(Sample {
                locations,
                values: vec![i64::from(i % 5) + 1],
                labels: vec![],
            });
        }
        let opts = FoldedOptions::default();
        let text = folded(&p, &opts).expect("folded");
        assert!(
            text.len() > 2 * FLUSH_AT,
            "the writer flushes several times"
        );
        let mut streamed = Vec::new();
        write_folded(&mut streamed, &p, &opts).expect("write_folded");
        assert_eq!(streamed, text.as_bytes());
    }

    #[test]
    fn clean_replaces_separators() {
        assert_eq!(clean("a;b\nc"), "a:b c");
        assert_eq!(clean("plain"), "plain");
    }
}
