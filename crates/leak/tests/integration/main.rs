//! Integration tests of pprof-leak on profiles written by a real Go program
//! (tests/gosrc/leakshapes, output committed under tests/fixtures) and on
//! profiles built in code.

mod debug2;
mod go127;
mod issue12;
mod props;
mod shapes;
mod synthetic;

use std::path::PathBuf;

pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn load(dir: &str, file: &str) -> pprof_model::Profile {
    let path = fixture_dir(dir).join(file);
    let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    pprof_model::decode(&data).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn gosrc() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/gosrc")
}

/// Reads a source file named in the fixtures (`leakshapes/main.go`).
pub fn read_gosrc(file: &str) -> Option<String> {
    std::fs::read_to_string(gosrc().join(file)).ok()
}

/// The 1-based line of the leakshapes source holding `marker`.
pub fn marker_line(marker: &str) -> i64 {
    marker_line_in("leakshapes/main.go", marker)
}

/// The 1-based line of a source under tests/gosrc holding `marker`.
pub fn marker_line_in(file: &str, marker: &str) -> i64 {
    let src = read_gosrc(file).unwrap_or_else(|| panic!("{file}"));
    let i = src
        .lines()
        .position(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("marker {marker:?} not in {file}"));
    i as i64 + 1
}
