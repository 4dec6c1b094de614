//! proptest strategies producing valid profiles.

use proptest::prelude::*;

use crate::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, Sample,
    ValueType,
};

/// A strategy for small valid profiles with `ntypes` sample types, a few
/// mappings, functions, locations (some with inlined lines), and samples
/// with string and numeric labels.
pub fn profile(ntypes: usize) -> impl Strategy<Value = Profile> {
    let funcs = prop::collection::vec((0u8..12, 0u8..4, 0i64..50), 1..12);
    let locs = prop::collection::vec(
        (
            any::<u16>(),
            prop::collection::vec((any::<u8>(), 0i64..200), 1..3),
            any::<bool>(),
        ),
        1..20,
    );
    let samples = prop::collection::vec(
        (
            prop::collection::vec(any::<u8>(), 0..8),
            prop::collection::vec(-1000i64..1000, ntypes),
            prop::collection::vec((0u8..3, 0u8..4, prop::option::of(0i64..100)), 0..3),
        ),
        0..30,
    );
    (funcs, locs, samples, 0i64..1_000_000, 0i64..10_000_000_000).prop_map(
        move |(funcs, locs, samples, period, dur)| {
            let mut p = Profile::new();
            for i in 0..ntypes {
                let t = p.intern(&format!("type{i}"));
                let u = p.intern(if i % 2 == 0 { "count" } else { "bytes" });
                p.sample_types.push(ValueType { r#type: t, unit: u });
            }
            let pt = p.intern("space");
            let pu = p.intern("bytes");
            p.period_type = ValueType {
                r#type: pt,
                unit: pu,
            };
            p.period = period;
            p.duration_nanos = dur;
            let file = p.intern("main");
            p.mappings.push(Mapping {
                id: 1,
                start: 0x1000,
                limit: 0x100000,
                file,
                has_functions: true,
                ..Default::default()
            });
            for (i, (name, file, start)) in funcs.iter().enumerate() {
                let name = p.intern(&format!("pkg.func{name}"));
                let filename = p.intern(&format!("src/file{file}.go"));
                p.functions.push(Function {
                    id: i as u64 + 1,
                    name,
                    system_name: name,
                    filename,
                    start_line: *start,
                });
            }
            let nf = p.functions.len();
            for (i, (addr, lines, mapped)) in locs.iter().enumerate() {
                p.locations.push(Location {
                    id: i as u64 + 1,
                    mapping: if *mapped { Some(MappingId(0)) } else { None },
                    address: 0x1000 + *addr as u64,
                    lines: lines
                        .iter()
                        .map(|(f, l)| Line {
                            function: FunctionId(*f as u32 % nf as u32),
                            line: *l,
                            column: 0,
                        })
                        .collect(),
                    is_folded: false,
                });
            }
            let nl = p.locations.len();
            let keys = [p.intern("worker"), p.intern("route"), p.intern("bytes")];
            let vals = [p.intern("a"), p.intern("b"), p.intern("c"), p.intern("d")];
            let unit = p.intern("bytes");
            for (locs, values, labels) in samples {
                let mut s = Sample {
                    locations: locs
                        .iter()
                        .map(|l| LocationId(*l as u32 % nl as u32))
                        .collect(),
                    values,
                    labels: Vec::new(),
                };
                for (k, v, num) in labels {
                    match num {
                        Some(n) if n != 0 => s.labels.push(Label {
                            key: keys[k as usize],
                            str: crate::StrId::EMPTY,
                            num: n,
                            num_unit: unit,
                        }),
                        _ => s.labels.push(Label {
                            key: keys[k as usize],
                            str: vals[v as usize],
                            num: 0,
                            num_unit: crate::StrId::EMPTY,
                        }),
                    }
                }
                p.samples.push(s);
            }
            p.sort_labels();
            p
        },
    )
}
