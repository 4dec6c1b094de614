//! Arbitrary bytes as a binary to symbolize (pprof-symbolize's object and
//! DWARF path, and pprof-disasm's decoder): each step returns an error or
//! an answer, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(obj) = pprof_symbolize::ObjectFile::parse(data) else {
        return;
    };
    let _ = obj.build_id();
    let _ = obj.debuglink();
    let _ = obj.base(0x40_0000, 0x80_0000, 0x1000, 0x40_1000);
    let _ = obj.base(0x5555_5555_4000, 0x5555_5556_0000, 0, 0x5555_5555_5000);
    let addrs: Vec<u64> = obj
        .symbols()
        .iter()
        .take(64)
        .flat_map(|s| [s.address, s.address.saturating_add(s.size / 2)])
        .collect();
    if let Ok(r) = obj.resolver() {
        for &a in &addrs {
            let _ = r.frames(a);
        }
    }
    for s in obj.symbols().iter().take(8) {
        if let Some((at, code)) = obj.code_at(s.address, s.address.saturating_add(s.size.min(256))) {
            let _ = pprof_disasm::disassemble(obj.architecture(), code, at, pprof_disasm::Syntax::Att, &|a| {
                obj.describe(a).map(|(n, o)| (n.to_string(), o))
            });
        }
    }
    // The whole symbolization step on a profile pointing at these bytes.
    let mut p = pprof_model::Profile::new();
    let f = p.intern("/fuzz/bin");
    p.mappings.push(pprof_model::Mapping {
        id: 1,
        start: 0x40_0000,
        limit: 0x80_0000,
        file: f,
        ..Default::default()
    });
    for (i, &a) in addrs.iter().enumerate() {
        p.locations.push(pprof_model::Location {
            id: i as u64 + 1,
            mapping: Some(pprof_model::MappingId(0)),
            address: a,
            ..Default::default()
        });
    }
    let _ = pprof_symbolize::symbolize_local_with(&mut p, false, |_| {
        Ok(pprof_symbolize::BinaryData {
            path: "/fuzz/bin".into(),
            bytes: data.to_vec(),
            debug: None,
        })
    });
});
