//! Finding binaries and debug files the way pprof (and GDB) do.

use std::path::{Path, PathBuf};
use std::process::Command;

use object::{Object, ObjectSymbol};
use pprof_symbolize::loader::{candidates, Loader};
use pprof_symbolize::Warning;

use crate::fixtures;

fn loader_with(search: Vec<PathBuf>, debug: Vec<PathBuf>) -> Loader {
    let mut l = Loader::default();
    l.search_path = search;
    l.debug_dirs = debug;
    l
}

fn leaf_work(bin: &Path) -> u64 {
    let bytes = std::fs::read(bin).unwrap();
    let f = object::File::parse(&*bytes).unwrap();
    f.symbols()
        .find(|s| s.name() == Ok("leaf_work"))
        .map(|s| s.address())
        .expect("leaf_work")
}

fn outer_name(p: &pprof_model::Profile) -> Option<String> {
    let l = p.locations[0].lines.last()?;
    Some(p.str(p.function(l.function).name).to_string())
}

#[test]
fn search_order_follows_pprof() {
    let c = candidates(Path::new("/sym"), "/usr/bin/app", "abcd");
    let want: Vec<PathBuf> = [
        "/sym/abcd/app",
        "/sym/usr/bin/app/abcd",
        "/sym/ab/cd.debug",
        "/sym/app",
        "/sym/usr/bin/app",
        "/sym/usr/bin/app.debug",
        "/sym/usr/bin/.debug/app.debug",
        "/sym/usr/lib/debug/usr/bin/app.debug",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    assert_eq!(c, want);
    assert_eq!(
        candidates(Path::new("d"), "app", ""),
        [
            "d/app",
            "d/app",
            "d/app.debug",
            "d/.debug/app.debug",
            "d/usr/lib/debug/app.debug"
        ]
        .iter()
        .map(PathBuf::from)
        .collect::<Vec<_>>()
    );
}

/// `pprof-tools ./relative/prog prof`: the command line's binary, given by
/// a relative path, replaces the first mapping's file and is read.
#[test]
fn relative_exec_name() {
    let Some(bin) = fixtures::small_c("small_rel", &["-no-pie", "-fno-pie"]) else {
        return;
    };
    let cwd = std::env::current_dir().unwrap();
    let ups = cwd.components().count() - 1;
    let rel: PathBuf = std::iter::repeat_n(Path::new(".."), ups)
        .collect::<PathBuf>()
        .join(bin.strip_prefix("/").unwrap());
    assert!(rel.is_relative());
    let addr = leaf_work(&bin);
    let mut p = fixtures::one_address("/build/host/small", 0x400000, 0x800000, 0, addr);
    let l = loader_with(vec![PathBuf::from("/nonexistent")], vec![]);
    assert!(l
        .locate_binaries(&mut p, Some(rel.to_str().unwrap()), None)
        .is_empty());
    assert_eq!(p.str(p.mappings[0].file), rel.to_str().unwrap());
    let w = l.symbolize_local(&mut p, false);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(outer_name(&p).as_deref(), Some("leaf_work"));
}

#[test]
fn binary_path_by_base_name_and_build_id() {
    let Some(bin) = fixtures::small_c("small_bp", &["-no-pie", "-fno-pie", "-Wl,--build-id"])
    else {
        return;
    };
    let bytes = std::fs::read(&bin).unwrap();
    let id = pprof_symbolize::ObjectFile::parse(&bytes)
        .unwrap()
        .build_id()
        .unwrap()
        .to_string();
    let root = fixtures::scratch().join("binpath");
    // The llvm/GDB build-id layout: ab/cdef….debug
    let bdir = root.join(&id[..2]);
    std::fs::create_dir_all(&bdir).unwrap();
    std::fs::copy(&bin, bdir.join(format!("{}.debug", &id[2..]))).unwrap();
    let addr = leaf_work(&bin);
    let mut p = fixtures::one_address("/elsewhere/small_bp", 0x400000, 0x800000, 0, addr);
    p.mappings[0].build_id = p.intern(&id);
    let l = loader_with(vec![PathBuf::from("/nonexistent"), root.clone()], vec![]);
    assert!(l.locate_binaries(&mut p, None, None).is_empty());
    assert_eq!(
        p.str(p.mappings[0].file),
        bdir.join(format!("{}.debug", &id[2..])).to_str().unwrap()
    );
    assert!(l.symbolize_local(&mut p, false).is_empty());
    assert_eq!(outer_name(&p).as_deref(), Some("leaf_work"));

    // A file of the right name but another build id is ignored, with
    // pprof's warning.
    let other = root.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(&bin, other.join("small_bp")).unwrap();
    let mut p = fixtures::one_address("/elsewhere/small_bp", 0x400000, 0x800000, 0, addr);
    p.mappings[0].build_id = p.intern("feedface");
    let l = loader_with(vec![other.clone()], vec![]);
    let w = l.locate_binaries(&mut p, None, None);
    assert_eq!(
        w,
        vec![Warning::IgnoringLocalFile {
            path: other.join("small_bp").display().to_string(),
            wanted: "feedface".into(),
            found: id.clone(),
        }]
    );
    assert_eq!(p.str(p.mappings[0].file), "/elsewhere/small_bp");
}

fn objcopy(args: &[&std::ffi::OsStr]) {
    let st = Command::new("objcopy")
        .args(args)
        .status()
        .expect("objcopy");
    assert!(st.success(), "objcopy {args:?}");
}

/// A stripped binary finds its DWARF through `.gnu_debuglink` (beside it
/// and in `.debug/`) and through the build-id tree of a debug root.
#[test]
fn separate_debug_files() {
    if pprof_testkit::client("objcopy", "binutils' objcopy splits debug files").is_none() {
        return;
    }
    let Some(bin) = fixtures::small_c("small_split", &["-no-pie", "-fno-pie", "-Wl,--build-id"])
    else {
        return;
    };
    let addr = leaf_work(&bin);
    let dir = fixtures::scratch().join("split");
    std::fs::create_dir_all(dir.join(".debug")).unwrap();
    let dbg = dir.join(".debug").join("small_split.dbg");
    let stripped = dir.join("small_split");
    objcopy(&[
        "--only-keep-debug".as_ref(),
        bin.as_os_str(),
        dbg.as_os_str(),
    ]);
    let link = format!("--add-gnu-debuglink={}", dbg.display());
    objcopy(&[
        "--strip-debug".as_ref(),
        link.as_ref(),
        bin.as_os_str(),
        stripped.as_os_str(),
    ]);
    let stripped_bytes = std::fs::read(&stripped).unwrap();
    assert!(!pprof_symbolize::ObjectFile::parse(&stripped_bytes)
        .unwrap()
        .has_debug_info());

    let symbolize = |l: &Loader| {
        let mut p = fixtures::one_address(stripped.to_str().unwrap(), 0x400000, 0x800000, 0, addr);
        let w = l.symbolize_local(&mut p, false);
        assert!(w.is_empty(), "{w:?}");
        let loc = &p.locations[0];
        let files: Vec<String> = loc
            .lines
            .iter()
            .map(|l| p.str(p.function(l.function).filename).to_string())
            .collect();
        (outer_name(&p), files, loc.lines.len())
    };
    // Through the debug link, found in `.debug/` beside the binary.
    let (name, files, _) = symbolize(&loader_with(vec![], vec![]));
    assert_eq!(name.as_deref(), Some("leaf_work"));
    assert!(files.iter().all(|f| f.ends_with(".c")), "{files:?}");

    // Through the build id, under a debug root; the link's target is gone.
    std::fs::remove_file(&dbg).unwrap();
    let (name, files, _) = symbolize(&loader_with(vec![], vec![]));
    assert_eq!(name.as_deref(), Some("leaf_work"));
    assert!(
        files.iter().all(String::is_empty),
        "no DWARF left: {files:?}"
    );
    let id = pprof_symbolize::ObjectFile::parse(&stripped_bytes)
        .unwrap()
        .build_id()
        .unwrap()
        .to_string();
    let root = dir.join("debugroot");
    let bdir = root.join(".build-id").join(&id[..2]);
    std::fs::create_dir_all(&bdir).unwrap();
    objcopy(&[
        "--only-keep-debug".as_ref(),
        bin.as_os_str(),
        bdir.join(format!("{}.debug", &id[2..])).as_os_str(),
    ]);
    let (name, files, _) = symbolize(&loader_with(vec![], vec![root]));
    assert_eq!(name.as_deref(), Some("leaf_work"));
    assert!(files.iter().all(|f| f.ends_with(".c")), "{files:?}");
}
