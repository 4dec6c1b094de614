//! Damaged, foreign or mismatched binaries never panic: their addresses
//! stay unsymbolized and one warning line says why.

use object::{Object, ObjectSection, ObjectSymbol};
use pprof_symbolize::loader::Loader;
use pprof_symbolize::Warning;

use crate::fixtures;

fn leaf_work_address(bin: &[u8]) -> u64 {
    let f = object::File::parse(bin).unwrap();
    f.symbols()
        .find(|s| s.name() == Ok("leaf_work"))
        .map(|s| s.address())
        .expect("leaf_work symbol")
}

/// Symbolizes one address of `leaf_work` in a non-PIE mapping of `path`
/// (which holds `bytes`) with the mapping's build id `build_id`.
fn attempt(
    path: &std::path::Path,
    addr: u64,
    build_id: &str,
) -> (pprof_model::Profile, Vec<Warning>) {
    let mut p = fixtures::one_address(path.to_str().unwrap(), 0x400000, 0x800000, 0, addr);
    p.mappings[0].build_id = p.intern(build_id);
    let w = Loader::default().symbolize_local(&mut p, false);
    (p, w)
}

fn the_failure(w: &[Warning]) -> &Warning {
    let failures: Vec<&Warning> = w
        .iter()
        .filter(|w| !matches!(w, Warning::SomeBinariesMissing))
        .collect();
    assert_eq!(failures.len(), 1, "{w:?}");
    failures[0]
}

#[test]
fn truncated_binary() {
    let Some(bin) = fixtures::small_c("small_trunc_src", &["-no-pie", "-fno-pie"]) else {
        return;
    };
    let bytes = std::fs::read(&bin).unwrap();
    let addr = leaf_work_address(&bytes);
    for keep in [0, 10, 64, 1000, bytes.len() / 2] {
        let cut = fixtures::scratch().join(format!("small_trunc_{keep}"));
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        let (p, w) = attempt(&cut, addr, "");
        assert!(p.locations[0].lines.is_empty(), "{keep} bytes");
        let text = the_failure(&w).to_string();
        assert!(
            text.starts_with("Local symbolization failed for small_trunc_"),
            "{text}"
        );
        assert!(!text.contains('\n'), "{text}");
    }
}

#[test]
fn wrong_build_id() {
    let Some(bin) = fixtures::small_c("small_bid", &["-no-pie", "-fno-pie", "-Wl,--build-id"])
    else {
        return;
    };
    let bytes = std::fs::read(&bin).unwrap();
    let addr = leaf_work_address(&bytes);
    let (p, w) = attempt(&bin, addr, "0123456789abcdef");
    assert!(p.locations[0].lines.is_empty());
    assert_eq!(
        w,
        vec![Warning::BuildIdMismatch {
            name: "small_bid (build ID 0123456789abcdef)".into()
        }]
    );
    assert_eq!(
        w[0].to_string(),
        "Local symbolization failed for small_bid (build ID 0123456789abcdef): build ID mismatch"
    );
    // The right build id symbolizes.
    let id = pprof_symbolize::ObjectFile::parse(&bytes)
        .unwrap()
        .build_id()
        .unwrap()
        .to_string();
    let (p, w) = attempt(&bin, addr, &id);
    assert!(w.is_empty(), "{w:?}");
    assert!(!p.locations[0].lines.is_empty());
}

#[test]
fn garbage_dwarf() {
    let Some(bin) = fixtures::small_c("small_dwarf", &["-no-pie", "-fno-pie"]) else {
        return;
    };
    let mut bytes = std::fs::read(&bin).unwrap();
    let addr = leaf_work_address(&bytes);
    let (off, size) = {
        let f = object::File::parse(&*bytes).unwrap();
        let s = f.section_by_name(".debug_info").expect(".debug_info");
        s.file_range().unwrap()
    };
    for (i, b) in bytes[off as usize..(off + size) as usize]
        .iter_mut()
        .enumerate()
    {
        *b = (i as u8).wrapping_mul(151) ^ 0xa5;
    }
    let bad = fixtures::scratch().join("small_dwarf_garbage");
    std::fs::write(&bad, &bytes).unwrap();
    let (p, w) = attempt(&bad, addr, "");
    assert!(p.locations[0].lines.is_empty());
    let text = the_failure(&w).to_string();
    assert!(text.contains("malformed DWARF"), "{text}");
    assert!(!text.contains('\n'), "{text}");
}

#[test]
fn not_an_object_file() {
    let path = fixtures::scratch().join("notes.txt");
    std::fs::write(&path, "just some text\n").unwrap();
    let (p, w) = attempt(&path, 0x401000, "");
    assert!(p.locations[0].lines.is_empty());
    assert_eq!(
        w.iter().map(ToString::to_string).collect::<Vec<_>>(),
        vec![
            format!(
                "Local symbolization failed for notes.txt: open {}: unrecognized object file",
                path.display()
            ),
            "Some binary filenames not available. Symbolization may be incomplete.\n\
             Try setting PPROF_BINARY_PATH to the search path for local binaries."
                .to_string(),
        ]
    );
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A few shapes of damage on top of a real header.
    let Some(bin) = fixtures::small_c("small_fuzz", &["-no-pie", "-fno-pie"]) else {
        return;
    };
    let bytes = std::fs::read(&bin).unwrap();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..200 {
        let mut b = bytes.clone();
        for _ in 0..(1 + round % 16) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let i = (seed as usize) % b.len();
            b[i] = (seed >> 32) as u8;
        }
        if let Ok(obj) = pprof_symbolize::ObjectFile::parse(&b) {
            let _ = obj.base(0x400000, 0x800000, 0, 0x401000);
            if let Ok(r) = obj.resolver() {
                for a in (0x401000..0x401400).step_by(16) {
                    let _ = r.frames(a);
                }
            }
        }
    }
}
