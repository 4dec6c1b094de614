//! Profile-wide label and granularity helpers: the units of numeric
//! labels (Go's `NumLabelUnits`) and aggregation to a coarser granularity
//! (Go's `Aggregate`).

use std::collections::{BTreeSet, HashMap};

use pprof_model::{Label, Profile, StrId};

use crate::error::{Error, Result};

/// The unit of each numeric label key, and for keys seen with several
/// units, the other units (sorted), as Go's `Profile.NumLabelUnits`.
///
/// The first non-empty unit seen for a key wins. Keys without any unit
/// get `bytes` for `alignment` and `request`, and otherwise the key itself.
pub fn num_label_units(p: &Profile) -> (HashMap<String, String>, HashMap<String, Vec<String>>) {
    // The decoder's record of the distinct (key, unit) pairs, in order,
    // tells what reading every label would.
    let seen = match p.samples.numeric_label_units() {
        Some(pairs) => {
            let labels: Vec<Label> = (pairs.iter())
                .map(|&(key, num_unit)| Label {
                    key,
                    num_unit,
                    ..Label::default()
                })
                .collect();
            units_seen(&labels)
        }
        None => units_in_halves(p.samples.all_labels(), PARALLEL_MIN_LABELS),
    };
    let mut units: HashMap<String, String> = HashMap::new();
    let mut ignored: HashMap<String, BTreeSet<String>> = HashMap::new();
    for e in seen {
        let key = p.str(e.key).to_string();
        let unit = if !e.first.is_empty() {
            p.str(e.first).to_string()
        } else {
            match key.as_str() {
                "alignment" | "request" => "bytes".to_string(),
                _ => key.clone(),
            }
        };
        if !e.others.is_empty() {
            ignored.insert(
                key.clone(),
                e.others.iter().map(|&u| p.str(u).to_string()).collect(),
            );
        }
        units.insert(key, unit);
    }
    let ignored = ignored
        .into_iter()
        .map(|(k, v)| (k, v.into_iter().collect::<Vec<_>>()))
        .map(|(k, mut v)| {
            v.sort();
            (k, v)
        })
        .collect();
    (units, ignored)
}

/// Labels per half below which one thread reads them all.
const PARALLEL_MIN_LABELS: usize = 100_000;

/// What one numeric label key was seen with.
struct Seen {
    key: StrId,
    /// The first non-empty unit.
    first: StrId,
    /// Other non-empty units.
    others: BTreeSet<StrId>,
}

/// [`units_seen`] over `labels`, on two threads when each half has at
/// least `min_half` labels.
fn units_in_halves(labels: &[Label], min_half: usize) -> Vec<Seen> {
    // The first unit of a key is the first non-empty one in order; the
    // others are all other non-empty ones, in any order: the halves'
    // findings combine.
    let (mut seen, later) =
        pprof_model::chunks::in_halves(labels.len(), min_half, |r| units_seen(&labels[r]));
    for l in later.unwrap_or_default() {
        match seen.iter_mut().find(|e| e.key == l.key) {
            None => seen.push(l),
            Some(e) => {
                let units = Some(l.first).into_iter().chain(l.others);
                for u in units.filter(|u| !u.is_empty()) {
                    if e.first.is_empty() {
                        e.first = u;
                    } else if u != e.first {
                        e.others.insert(u);
                    }
                }
            }
        }
    }
    seen
}

/// The units of the numeric labels among `labels`, per key in order of
/// appearance.
fn units_seen(labels: &[Label]) -> Vec<Seen> {
    // Keys are few: a short list searched from the last key found beats
    // hashing every label.
    let mut seen: Vec<Seen> = Vec::new();
    let mut last = 0usize;
    for l in labels {
        if l.is_str() {
            continue;
        }
        let i = match seen.get(last) {
            Some(e) if e.key == l.key => last,
            _ => match seen.iter().position(|e| e.key == l.key) {
                Some(i) => i,
                None => {
                    seen.push(Seen {
                        key: l.key,
                        first: StrId::EMPTY,
                        others: BTreeSet::new(),
                    });
                    seen.len() - 1
                }
            },
        };
        last = i;
        let e = &mut seen[i];
        if l.num_unit.is_empty() || l.num_unit == e.first {
            continue;
        }
        if e.first.is_empty() {
            e.first = l.num_unit;
        } else {
            e.others.insert(l.num_unit);
        }
    }
    seen
}

/// The messages pprof prints on standard error for keys seen with several
/// units: `For tag K used unit U, also encountered unit(s) A, B`, sorted
/// by key for a stable order.
pub fn num_label_unit_warnings(
    units: &HashMap<String, String>,
    ignored: &HashMap<String, Vec<String>>,
) -> Vec<String> {
    let mut keys: Vec<&String> = ignored.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| {
            format!(
                "For tag {k} used unit {}, also encountered unit(s) {}",
                units.get(k).map_or("", |s| s.as_str()),
                ignored[k].join(", ")
            )
        })
        .collect()
}

/// What a report entry stands for: pprof's `-functions` (the default),
/// `-filefunctions`, `-files`, `-lines` and `-addresses`. The one
/// granularity type of the workspace: graphs, stacks, flame graphs and the
/// leak analysis all take it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Granularity {
    /// One entry per function.
    #[default]
    Functions,
    /// One entry per function and source file.
    FileFunctions,
    /// One entry per source file.
    Files,
    /// One entry per source line.
    Lines,
    /// One entry per instruction address (everything else kept).
    Addresses,
}

impl Granularity {
    /// Every granularity, in pprof's order of choices.
    pub const ALL: [Granularity; 5] = [
        Granularity::Functions,
        Granularity::FileFunctions,
        Granularity::Files,
        Granularity::Lines,
        Granularity::Addresses,
    ];

    /// pprof's name of this granularity (its flag without the dash).
    pub fn name(self) -> &'static str {
        match self {
            Granularity::Functions => "functions",
            Granularity::FileFunctions => "filefunctions",
            Granularity::Files => "files",
            Granularity::Lines => "lines",
            Granularity::Addresses => "addresses",
        }
    }

    /// Parses pprof's name of a granularity.
    pub fn from_name(name: &str) -> Option<Granularity> {
        Granularity::ALL.into_iter().find(|g| g.name() == name)
    }

    /// What an aggregation at this granularity keeps (the arguments of Go's
    /// `Profile.Aggregate`); `no_inlines` drops inlined frames, and column
    /// numbers stay only with `show_columns` (today's `-showcolumns`).
    pub fn aggregation(self, no_inlines: bool, show_columns: bool) -> Aggregation {
        let (function, filename, line_number, address) = match self {
            Granularity::Addresses => (true, true, true, true),
            Granularity::Lines => (true, true, true, false),
            Granularity::Files => (false, true, false, false),
            Granularity::Functions => (true, false, false, false),
            Granularity::FileFunctions => (true, true, false, false),
        };
        Aggregation {
            inline_frames: !no_inlines,
            function,
            filename,
            line_number,
            column_number: show_columns,
            address,
        }
    }
}

/// What an aggregation keeps (Go's `Profile.Aggregate` arguments); made by
/// [`Granularity::aggregation`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aggregation {
    /// Keep inlined frames.
    pub inline_frames: bool,
    /// Keep function names.
    pub function: bool,
    /// Keep file names.
    pub filename: bool,
    /// Keep line numbers.
    pub line_number: bool,
    /// Keep column numbers (today's `-showcolumns`; they also go with the
    /// line numbers).
    pub column_number: bool,
    /// Keep addresses.
    pub address: bool,
}

impl Aggregation {
    /// Whether aggregating changes nothing (everything is kept). Column
    /// numbers do not count: pprof leaves them alone at address
    /// granularity with inlined frames, `-showcolumns` or not.
    pub fn keeps_everything(self) -> bool {
        self.inline_frames && self.function && self.filename && self.line_number && self.address
    }
}

/// Erases the details that `g` does not keep (Go's `Profile.Aggregate`):
/// mapping flags are cleared, function names and/or file names emptied,
/// locations reduced to their outermost frame, line numbers and addresses
/// zeroed. In place; equal entries are not merged here (see
/// [`crate::compact`]). The samples are left alone: what is checked after
/// is the location table ([`Profile::check_locations`]).
pub fn aggregate(p: &mut Profile, g: Aggregation) -> Result<()> {
    for m in &mut p.mappings {
        m.has_inline_frames &= g.inline_frames;
        m.has_functions &= g.function;
        m.has_filenames &= g.filename;
        m.has_line_numbers &= g.line_number;
    }
    if !g.function || !g.filename {
        for f in &mut p.functions {
            if !g.function {
                f.name = pprof_model::StrId::EMPTY;
                f.system_name = pprof_model::StrId::EMPTY;
            }
            if !g.filename {
                f.filename = pprof_model::StrId::EMPTY;
            }
        }
    }
    if !g.inline_frames || !g.address || !g.line_number || !g.column_number {
        for l in &mut p.locations {
            if !g.inline_frames && l.lines.len() > 1 {
                let n = l.lines.len();
                l.lines.drain(..n - 1);
            }
            if !g.line_number || !g.column_number {
                for ln in &mut l.lines {
                    ln.column = 0;
                    if !g.line_number {
                        ln.line = 0;
                    }
                }
            }
            if !g.address {
                l.address = 0;
            }
        }
    }
    p.check_locations()
        .map_err(|e| Error::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::profile_with_stacks;
    use pprof_model::{Label, StrId};

    #[test]
    fn halves_find_the_units_one_pass_finds() {
        let num = |key: u32, unit: u32| Label {
            key: StrId(key),
            str: StrId::EMPTY,
            num: 1,
            num_unit: StrId(unit),
        };
        let text = Label {
            key: StrId(9),
            str: StrId(10),
            num: 0,
            num_unit: StrId::EMPTY,
        };
        // Key 1: no unit in the first half, two after; key 2: one unit
        // first, others later; key 3 only in the second half.
        let labels = [
            num(1, 0),
            num(2, 5),
            text,
            num(1, 0),
            num(2, 5),
            num(1, 6),
            num(2, 7),
            num(3, 8),
            num(1, 5),
            num(2, 6),
        ];
        let summary = |seen: Vec<Seen>| -> Vec<(StrId, StrId, Vec<StrId>)> {
            let mut v: Vec<_> = seen
                .into_iter()
                .map(|e| (e.key, e.first, e.others.into_iter().collect()))
                .collect();
            v.sort();
            v
        };
        let one = summary(units_in_halves(&labels, usize::MAX));
        assert_eq!(one[0], (StrId(1), StrId(6), vec![StrId(5)]));
        assert_eq!(one[1], (StrId(2), StrId(5), vec![StrId(6), StrId(7)]));
        for n in 2..=labels.len() {
            let part = &labels[..n];
            assert_eq!(
                summary(units_in_halves(part, 1)),
                summary(units_in_halves(part, usize::MAX)),
                "first {n} labels"
            );
        }
    }

    #[test]
    fn units() {
        let mut p = profile_with_stacks(&[&["a"], &["b"]]);
        let keys = [p.intern("bytes"), p.intern("request"), p.intern("n")];
        let units = [p.intern("kilobytes"), p.intern("bytes"), StrId::EMPTY];
        let num = |key, unit| Label {
            key,
            str: StrId::EMPTY,
            num: 1,
            num_unit: unit,
        };
        p.samples.edit(0, |smp| {
            smp.labels = vec![
                num(keys[0], units[1]),
                num(keys[1], units[2]),
                num(keys[2], units[2]),
            ];
        });
        p.samples.edit(1, |smp| {
            smp.labels = vec![num(keys[0], units[0])];
        });
        let (u, ign) = num_label_units(&p);
        assert_eq!(u["bytes"], "bytes");
        assert_eq!(u["request"], "bytes");
        assert_eq!(u["n"], "n");
        assert_eq!(ign["bytes"], vec!["kilobytes".to_string()]);
        assert_eq!(
            num_label_unit_warnings(&u, &ign),
            vec!["For tag bytes used unit bytes, also encountered unit(s) kilobytes"]
        );
    }

    #[test]
    fn aggregate_functions() {
        let mut p = profile_with_stacks(&[&["a", "b"]]);
        let g = Granularity::from_name("functions")
            .unwrap()
            .aggregation(false, false);
        aggregate(&mut p, g).unwrap();
        assert!(p
            .functions
            .iter()
            .all(|f| f.filename.is_empty() && !f.name.is_empty()));
        assert!(p
            .locations
            .iter()
            .all(|l| l.address == 0 && l.lines[0].line == 0));
        assert!(Granularity::Addresses
            .aggregation(false, false)
            .keeps_everything());
        assert!(!Granularity::Addresses
            .aggregation(true, false)
            .keeps_everything());
        assert_eq!(Granularity::from_name("bogus"), None);
        for g in Granularity::ALL {
            assert_eq!(Granularity::from_name(g.name()), Some(g));
        }
    }
}
