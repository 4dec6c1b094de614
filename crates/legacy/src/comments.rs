//! Frame names from the `#` lines of Go `debug=1` text profiles.
//!
//! Go's `debug=1` pages (goroutine, goroutineleak, threadcreate, heap,
//! allocs, mutex, block) follow each record with one line per frame:
//!
//! ```text
//! 16 @ 0x47f7aa 0x45da52 0x45da29 0x480a05 0x4ec011 0x4ebff3 0x4ebfef 0x485901
//! #  0x480a04  internal/sync.runtime_SemacquireMutex+0x24  runtime/sema.go:95
//! #  0x4ec010  internal/sync.(*Mutex).Lock+0x30            internal/sync/mutex.go:70
//! #  0x4ebff2  sync.(*Mutex).Lock+0x12                     sync/mutex.go:46
//! #  0x4ebfee  main.lockWorker+0xe                         leakshapes127/main.go:94
//! ```
//!
//! (the fields are separated by tabs). pprof ignores these lines (it
//! needs the binary to name the addresses); [`name_frames`] reads them
//! instead, so that such a page is readable without the binary. What the lines say, and what is made of it:
//!
//! * Each line gives a PC (the record's address minus one, as the readers
//!   store it), `function+offset` and `file:line`. A line with a PC only is
//!   a frame Go could not name: it stays unnamed.
//! * Frames inlined into one function share its entry (PC − offset):
//!   consecutive lines with one entry become one location with several
//!   lines, innermost first, as in the proto profile. A function repeated
//!   in such a run starts a new location (recursion is never inlined).
//!   Go 1.21 and later give each inlined frame a PC of its own in the
//!   record; those records' extra addresses are folded into the location.
//! * The writer hides `runtime.*` and `internal/runtime/*` frames before
//!   the first frame it shows (the parking or allocation machinery), and
//!   `runtime.goexit` anywhere. Hidden leading frames stay unnamed
//!   locations, as pprof shows them (the binary, when given, names them);
//!   a hidden frame after a shown one can only be `runtime.goexit`, which
//!   the proto profile leaves out too, so it is dropped.

use std::collections::HashMap;

use crate::build::{AddrMap, RFunc, RProfile};

/// One location named by `#` lines.
struct Group {
    /// PCs of the lines, innermost first.
    pcs: Vec<u64>,
    /// (function, file, line), innermost first.
    frames: Vec<(String, String, i64)>,
}

/// What a named `#` line says: function, offset, file, line.
type Named<'a> = (&'a str, u64, &'a str, i64);

/// A `#` line: the PC and, when Go named it, what it says.
fn parse_line(line: &str) -> Option<(u64, Option<Named<'_>>)> {
    let rest = line.strip_prefix('#')?;
    if !rest.starts_with('\t') {
        return None;
    }
    let mut fields = rest.split('\t').filter(|f| !f.is_empty());
    let pc = u64::from_str_radix(fields.next()?.trim().strip_prefix("0x")?, 16).ok()?;
    let Some(named) = fields.next() else {
        return Some((pc, None));
    };
    let (name, off) = named.trim().rsplit_once("+0x")?;
    let off = u64::from_str_radix(off, 16).ok()?;
    let pos = fields.next()?.trim_end_matches(['\r', ' ']);
    let (file, ln) = pos.rsplit_once(':')?;
    let ln: i64 = ln.parse().ok()?;
    if name.is_empty() {
        return None;
    }
    Some((pc, Some((name, off, file, ln))))
}

/// Reads the `#` lines of `text` into named locations (keyed by the PC of
/// their innermost line) and the set of every PC a line mentions.
fn read_groups(text: &str) -> (Vec<Group>, AddrMap<usize>, AddrMap<()>) {
    let mut groups: Vec<Group> = Vec::new();
    let mut by_pc: AddrMap<usize> = AddrMap::default();
    let mut seen: AddrMap<()> = AddrMap::default();
    // The open group and its entry; closed by any other line.
    let mut open: Option<(Group, u64)> = None;
    let close =
        |open: &mut Option<(Group, u64)>, groups: &mut Vec<Group>, by_pc: &mut AddrMap<usize>| {
            if let Some((g, _)) = open.take() {
                if let Some(&leader) = g.pcs.first() {
                    if let std::collections::hash_map::Entry::Vacant(e) = by_pc.entry(leader) {
                        e.insert(groups.len());
                        groups.push(g);
                    }
                }
            }
        };
    for line in text.lines() {
        let Some((pc, named)) = parse_line(line) else {
            close(&mut open, &mut groups, &mut by_pc);
            continue;
        };
        seen.insert(pc, ());
        let Some((name, off, file, ln)) = named else {
            close(&mut open, &mut groups, &mut by_pc);
            continue;
        };
        let entry = pc.wrapping_sub(off);
        let joins = open
            .as_ref()
            .is_some_and(|(g, e)| *e == entry && !g.frames.iter().any(|f| f.0 == name));
        if !joins {
            close(&mut open, &mut groups, &mut by_pc);
            open = Some((
                Group {
                    pcs: Vec::new(),
                    frames: Vec::new(),
                },
                entry,
            ));
        }
        if let Some((g, _)) = open.as_mut() {
            g.pcs.push(pc);
            g.frames.push((name.to_string(), file.to_string(), ln));
        }
    }
    close(&mut open, &mut groups, &mut by_pc);
    (groups, by_pc, seen)
}

/// Names the locations of a profile read from Go `debug=1` `text` by its
/// `#` lines (see the module documentation). A profile whose text has no
/// such lines is left as it is.
pub(crate) fn name_frames(p: &mut RProfile, text: &str) {
    let (groups, by_pc, seen) = read_groups(text);
    if groups.is_empty() && seen.is_empty() {
        return;
    }
    let mut funcs: HashMap<(String, String), usize> = p
        .funcs
        .iter()
        .enumerate()
        .map(|(i, f)| ((f.name.clone(), f.filename.clone()), i))
        .collect();
    let mut named: Vec<bool> = vec![false; p.locs.len()];
    let RProfile {
        samples,
        locs,
        funcs: rfuncs,
        ..
    } = p;
    let addr = |i: usize| locs.get(i).map(|l| l.address);
    let mut to_name: Vec<(usize, usize)> = Vec::new();
    for s in samples.iter_mut() {
        let mut out = Vec::with_capacity(s.locs.len());
        let mut shown = false;
        let mut i = 0;
        while let Some(&li) = s.locs.get(i) {
            let a = addr(li).unwrap_or(0);
            if let Some(&gi) = by_pc.get(&a) {
                shown = true;
                out.push(li);
                if !named.get(li).copied().unwrap_or(true) {
                    to_name.push((li, gi));
                    if let Some(n) = named.get_mut(li) {
                        *n = true;
                    }
                }
                i += 1;
                // The record's own addresses of frames inlined into this one.
                if let Some(g) = groups.get(gi) {
                    for &pc in g.pcs.iter().skip(1).filter(|&&pc| pc != a) {
                        match s.locs.get(i).and_then(|&l| addr(l)) {
                            Some(next) if next == pc => i += 1,
                            _ => break,
                        }
                    }
                }
                continue;
            }
            if seen.contains_key(&a) {
                shown = true;
                out.push(li);
            } else if !shown {
                out.push(li);
            }
            i += 1;
        }
        s.locs = out;
    }
    for (li, gi) in to_name {
        let (Some(loc), Some(g)) = (locs.get_mut(li), groups.get(gi)) else {
            continue;
        };
        loc.lines = g
            .frames
            .iter()
            .map(|(name, file, line)| {
                let f = *funcs
                    .entry((name.clone(), file.clone()))
                    .or_insert_with(|| {
                        rfuncs.push(RFunc {
                            name: name.clone(),
                            filename: file.clone(),
                        });
                        rfuncs.len() - 1
                    });
                (f, *line)
            })
            .collect();
    }
    p.remap_locations();
    p.remap_functions();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        assert_eq!(
            parse_line("#\t0x4ebfee\tmain.lockWorker+0xe\t\t\t\tleakshapes127/main.go:94"),
            Some((
                0x4ebfee,
                Some(("main.lockWorker", 0xe, "leakshapes127/main.go", 94))
            ))
        );
        assert_eq!(parse_line("#\t0x4ebfee"), Some((0x4ebfee, None)));
        assert_eq!(parse_line("# runtime.MemStats"), None);
        assert_eq!(parse_line("# Alloc = 1"), None);
        assert_eq!(parse_line("#\tgarbage"), None);
    }

    #[test]
    fn inlined_frames_group_by_entry_and_recursion_splits() {
        let text = "1 @ 0x1 0x2\n\
#\t0x110\tinner+0x10\ta.go:1\n\
#\t0x108\touter+0x8\ta.go:2\n\
#\t0x208\tf+0x8\tb.go:3\n\
#\t0x204\tf+0x4\tb.go:4\n\n";
        let (groups, by_pc, seen) = read_groups(text);
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].pcs, vec![0x110, 0x108]);
        assert_eq!(groups[0].frames[1].0, "outer");
        assert_eq!(by_pc.get(&0x208), Some(&1));
        assert_eq!(by_pc.get(&0x204), Some(&2));
        assert_eq!(seen.len(), 4);
    }
}
