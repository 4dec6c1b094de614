//! Helpers for unit tests.

use pprof_model::{Function, FunctionId, Line, Location, LocationId, Profile, Sample, ValueType};

/// A profile with one `samples/count` type and one sample of value 1 per
/// stack; each frame name becomes a function in `<name>.go` and a
/// location of its own (leaf first).
pub(crate) fn profile_with_stacks(stacks: &[&[&str]]) -> Profile {
    let mut p = Profile::new();
    let t = p.intern("samples");
    let u = p.intern("count");
    p.sample_types.push(ValueType { r#type: t, unit: u });
    for stack in stacks {
        let mut locs = Vec::new();
        for name in *stack {
            let id = match p.functions.iter().position(|f| p.str(f.name) == *name) {
                Some(i) => LocationId(i as u32),
                None => {
                    let n = p.intern(name);
                    let file = p.intern(&format!("{name}.go"));
                    let fid = FunctionId(p.functions.len() as u32);
                    p.functions.push(Function {
                        id: fid.0 as u64 + 1,
                        name: n,
                        system_name: n,
                        filename: file,
                        start_line: 0,
                    });
                    p.locations.push(Location {
                        id: fid.0 as u64 + 1,
                        mapping: None,
                        address: 0x1000 + fid.0 as u64,
                        lines: vec![Line {
                            function: fid,
                            line: 1,
                            column: 0,
                        }],
                        is_folded: false,
                    });
                    LocationId(fid.0)
                }
            };
            locs.push(id);
        }
        p.samples.push(Sample {
            locations: locs,
            values: vec![1],
            labels: Vec::new(),
        });
    }
    p
}

/// Each sample's stack as `leaf;...;root`, inlined frames joined by `+`.
pub(crate) fn stack_names(p: &Profile) -> Vec<String> {
    p.samples
        .iter()
        .map(|s| {
            s.locations
                .iter()
                .map(|l| {
                    p.location(*l)
                        .lines
                        .iter()
                        .map(|ln| p.str(p.function(ln.function).name))
                        .collect::<Vec<_>>()
                        .join("+")
                })
                .collect::<Vec<_>>()
                .join(";")
        })
        .collect()
}
