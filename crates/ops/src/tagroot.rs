//! Pseudo-frames from labels (`-tagroot`, `-tagleaf`; Go driver's
//! `addLabelNodes`).
//!
//! For every sample and every requested key, a location is added whose
//! single frame is a function named after the sample's values of that key
//! (comma-joined; numeric values formatted with [`pprof_model::measurement`]),
//! with the key as its file name. Root frames go above the stack, leaf
//! frames below it. Equal (values, key) pairs share one location and
//! function, with ids following the profile's largest ones.

use std::collections::HashMap;

use pprof_model::{Function, FunctionId, Label, Line, Location, LocationId, Profile, SampleRef};

use pprof_model::measurement::scaled_label;

/// Adds `-tagroot`/`-tagleaf` pseudo-frames for `root_keys` and
/// `leaf_keys`, formatting numeric values in `output_unit` (the `-unit`
/// option, such as `minimum`). In place. Returns whether any sample had a
/// value for a root key and for a leaf key.
pub fn add_label_nodes(
    p: &mut Profile,
    root_keys: &[&str],
    leaf_keys: &[&str],
    output_unit: &str,
) -> (bool, bool) {
    let mut next_loc = p.locations.iter().map(|l| l.id).max().unwrap_or(0) + 1;
    let mut next_fn = p.functions.iter().map(|f| f.id).max().unwrap_or(0) + 1;
    let mut interned: HashMap<(String, String), LocationId> = HashMap::new();
    // (key index, root?) + that key's labels -> location, to skip formatting.
    let mut by_labels: HashMap<(bool, usize, Vec<Label>), (LocationId, bool)> = HashMap::new();
    let mut rootm = false;
    let mut leafm = false;
    let mut samples = std::mem::take(&mut p.samples);
    samples.rewrite(|s| {
        let mut roots = Vec::with_capacity(root_keys.len());
        let mut leaves = Vec::with_capacity(leaf_keys.len());
        for (is_root, keys, out) in [
            (true, root_keys, &mut roots),
            (false, leaf_keys, &mut leaves),
        ] {
            for (ki, k) in keys.iter().enumerate().rev() {
                let key_id = p.strings.lookup(k);
                let labels: Vec<Label> = s
                    .labels
                    .iter()
                    .filter(|l| Some(l.key) == key_id)
                    .copied()
                    .collect();
                let cache_key = (is_root, ki, labels);
                let (loc, matched) = match by_labels.get(&cache_key) {
                    Some(&r) => r,
                    None => {
                        let values = format_label_values(p, &*s, k, output_unit);
                        let matched = !values.is_empty();
                        let ik = (values.join(","), (*k).to_string());
                        let loc = match interned.get(&ik) {
                            Some(&l) => l,
                            None => {
                                let name = p.intern(&ik.0);
                                let file = p.intern(&ik.1);
                                let fid = FunctionId(p.functions.len() as u32);
                                p.functions.push(Function {
                                    id: next_fn,
                                    name,
                                    filename: file,
                                    ..Default::default()
                                });
                                next_fn += 1;
                                let lid = LocationId(p.locations.len() as u32);
                                p.locations.push(Location {
                                    id: next_loc,
                                    lines: vec![Line {
                                        function: fid,
                                        line: 0,
                                        column: 0,
                                    }],
                                    ..Default::default()
                                });
                                next_loc += 1;
                                interned.insert(ik, lid);
                                lid
                            }
                        };
                        by_labels.insert(cache_key, (loc, matched));
                        (loc, matched)
                    }
                };
                if matched {
                    if is_root {
                        rootm = true;
                    } else {
                        leafm = true;
                    }
                }
                out.push(loc);
            }
        }
        if roots.is_empty() && leaves.is_empty() {
            return true;
        }
        let mut locs = leaves;
        locs.extend_from_slice(&s.locations);
        locs.extend_from_slice(&roots);
        s.locations = locs;
        true
    });
    p.samples = samples;
    (rootm, leafm)
}

/// The values of label `key` on `s` as pprof's tag roots print them:
/// string values first, then numeric values scaled to `output_unit` when
/// the key has units on this sample.
pub fn format_label_values<'a>(
    p: &Profile,
    s: impl Into<SampleRef<'a>>,
    key: &str,
    output_unit: &str,
) -> Vec<String> {
    let s: SampleRef<'a> = s.into();
    let Some(k) = p.strings.lookup(key) else {
        return Vec::new();
    };
    let mut values: Vec<String> = s
        .labels
        .iter()
        .filter(|l| l.is_str() && l.key == k)
        .map(|l| p.str(l.str).to_string())
        .collect();
    let nums: Vec<&Label> = s
        .labels
        .iter()
        .filter(|l| !l.is_str() && l.key == k)
        .collect();
    let has_units = nums.iter().any(|l| !l.num_unit.is_empty());
    for l in nums {
        if has_units {
            values.push(scaled_label(l.num, p.str(l.num_unit), output_unit));
        } else {
            values.push(scaled_label(l.num, "", ""));
        }
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{profile_with_stacks, stack_names};
    use pprof_model::StrId;

    #[test]
    fn roots_and_leaves() {
        let mut p = profile_with_stacks(&[&["a", "main"], &["b", "main"]]);
        crate::set_label(&mut p, "user", &["x"]);
        let k = p.intern("size");
        let u = p.intern("bytes");
        p.samples.edit(1, |smp| {
            smp.labels.push(Label {
                key: k,
                str: StrId::EMPTY,
                num: 2048,
                num_unit: u,
            })
        });
        let (r, l) = add_label_nodes(&mut p, &["user"], &["size", "nokey"], "minimum");
        assert!(r && l);
        assert_eq!(stack_names(&p), vec![";;a;main;x", ";2kB;b;main;x"]);
        // The pseudo-frame's file is the key; ids continue after the max.
        let last = p.locations.last().unwrap();
        assert_eq!(last.id, p.locations.len() as u64);
        let f = p.function(last.lines[0].function);
        assert_eq!(p.str(f.filename), "size");
    }
}
