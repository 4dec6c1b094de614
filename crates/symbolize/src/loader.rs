//! Finding binaries on the local file system, in pprof's search order.

use std::path::{Path, PathBuf};

use crate::{BinaryRequest, Error, Stats};
use pprof_model::Profile;

/// The search path: `$PPROF_BINARY_PATH` (colon separated), or
/// `$HOME/pprof/binaries` when it is unset or empty.
pub fn search_path() -> Vec<PathBuf> {
    match std::env::var_os("PPROF_BINARY_PATH") {
        Some(v) if !v.is_empty() => std::env::split_paths(&v).collect(),
        _ => {
            let home = std::env::var_os("HOME").unwrap_or_default();
            vec![Path::new(&home).join("pprof").join("binaries")]
        }
    }
}

/// Candidate file names for a request, in the order pprof tries them: for each
/// directory, `DIR/BUILDID/BASENAME`, `DIR/BUILDID/*`, `DIR/FILE/BUILDID`
/// (perf's layout), `DIR/BASENAME`, `DIR/FILE`; finally the recorded file itself.
pub fn candidates(req: &BinaryRequest, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let base = Path::new(&req.file).file_name().map(|b| b.to_os_string());
    let rel_file = req.file.trim_start_matches('/');
    let mut out = Vec::new();
    for dir in dirs {
        if !req.build_id.is_empty() {
            let bdir = dir.join(&req.build_id);
            if let Some(b) = &base {
                out.push(bdir.join(b));
            }
            if let Ok(rd) = std::fs::read_dir(&bdir) {
                let mut extra: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
                extra.sort();
                out.extend(extra);
            }
            if !rel_file.is_empty() {
                out.push(dir.join(rel_file).join(&req.build_id));
            }
        }
        if !req.file.is_empty() {
            if let Some(b) = &base {
                out.push(dir.join(b));
            }
            if !rel_file.is_empty() {
                out.push(dir.join(rel_file));
            }
        }
    }
    if req.file.starts_with('/') {
        out.push(PathBuf::from(&req.file));
    }
    out
}

/// Outcome of looking for one binary.
#[derive(Debug)]
pub enum Lookup {
    /// Found and symbolized, with the path used.
    Symbolized(PathBuf, usize),
    /// No candidate file exists.
    NotFound,
    /// A candidate exists but could not be used.
    Failed(PathBuf, Error),
}

/// Symbolizes every mapping that needs it from binaries on disk. Returns the
/// totals and, per request, what happened (for the caller to report).
pub fn symbolize_local(p: &mut Profile) -> (Stats, Vec<(BinaryRequest, Lookup)>) {
    let dirs = search_path();
    let mut stats = Stats::default();
    let mut log = Vec::new();
    for req in crate::requests(p) {
        let mut outcome = Lookup::NotFound;
        for path in candidates(&req, &dirs) {
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            match crate::ObjectFile::parse(&bytes) {
                Ok(obj) => {
                    let n = crate::symbolize_mapping(p, req.mapping, &obj);
                    stats.mappings += 1;
                    stats.locations += n;
                    outcome = Lookup::Symbolized(path, n);
                    break;
                }
                Err(e) => outcome = Lookup::Failed(path, e),
            }
        }
        log.push((req, outcome));
    }
    (stats, log)
}
