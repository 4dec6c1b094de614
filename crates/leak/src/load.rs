//! Snapshots from files, standard input and URLs, in every format the
//! analysis reads: profile.proto (gzipped or not), Go `debug=1` text pages
//! (their frames named from the `#` lines, since a leak hunt rarely has
//! the binary at hand) and goroutine `debug=2` dumps.

use std::path::{Path, PathBuf};

use pprof_fetch::FetchOptions;
use pprof_model::Profile;

use crate::analyze::{analyze_refs, Options, Report, SourceReader};
use crate::error::{Error, Result};

/// One loaded snapshot and where it came from.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The file, `-` or URL as named.
    pub name: String,
    /// The profile.
    pub profile: Profile,
}

/// The fetch options of the leak analysis: those of `pprof-tools` (the
/// memory budget of [`pprof_fetch::MEMORY_ENV`] when set), with the frames
/// of `debug=1` texts named from their `#` lines.
pub fn fetch_options() -> Result<FetchOptions> {
    let mut o = FetchOptions::from_env()?;
    o.text_frames = true;
    Ok(o)
}

/// Loads one snapshot: a file, `-` (standard input) or a URL (fetched once;
/// see [`crate::live`] for series and for the goroutine leak endpoint).
pub fn load(source: &str) -> Result<Snapshot> {
    let profile = pprof_fetch::fetch(source, &fetch_options()?)?;
    Ok(Snapshot {
        name: source.to_string(),
        profile,
    })
}

/// Reads a snapshot from bytes in any supported format; `name` names it in
/// errors and reports.
pub fn load_bytes(name: &str, data: &[u8]) -> Result<Snapshot> {
    let profile = pprof_fetch::parse_data(data, &fetch_options()?)
        .map_err(|kind| pprof_fetch::Error::new(name, kind))?;
    Ok(Snapshot {
        name: name.to_string(),
        profile,
    })
}

/// Loads every source in order ([`load`]); standard input may be named
/// once.
pub fn load_all(sources: &[String]) -> Result<Vec<Snapshot>> {
    if sources.iter().filter(|s| *s == "-").count() > 1 {
        return Err(Error::StdinTwice);
    }
    sources.iter().map(|s| load(s)).collect()
}

/// [`crate::analyze_with_source`] over loaded snapshots: the report and
/// its errors name the inputs.
pub fn analyze_snapshots(
    snapshots: &[Snapshot],
    opts: &Options,
    source: Option<&mut SourceReader<'_>>,
) -> Result<Report> {
    let refs: Vec<&Profile> = snapshots.iter().map(|s| &s.profile).collect();
    let name = |i: usize| snapshots.get(i).map(|s| s.name.clone()).unwrap_or_default();
    match analyze_refs(&refs, opts, source) {
        Ok(mut r) => {
            r.names = snapshots.iter().map(|s| s.name.clone()).collect();
            Ok(r)
        }
        Err(Error::UnknownKind { index, .. }) => Err(Error::UnknownKind {
            index,
            name: name(index),
        }),
        Err(Error::WrongKind { index, want, .. }) => Err(Error::WrongKind {
            index,
            name: name(index),
            want,
        }),
        Err(e) => Err(e),
    }
}

/// Where source files are looked for, to find the `go` statement that
/// creates goroutines when no `debug=2` label tells (pprof's
/// `-source_path` search: an absolute path as is, a relative one under
/// each directory and its parents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcePath {
    dirs: Vec<PathBuf>,
}

impl SourcePath {
    /// Directories separated by `:`; empty entries are skipped.
    pub fn new(dirs: &str) -> SourcePath {
        SourcePath {
            dirs: dirs
                .split(':')
                .filter(|s| !s.is_empty())
                .map(PathBuf::from)
                .collect(),
        }
    }

    /// `dirs` when given, else `$PPROF_SOURCE_PATH`, else the current
    /// directory.
    pub fn or_env(dirs: Option<&str>) -> SourcePath {
        match dirs {
            Some(d) => SourcePath::new(d),
            None => SourcePath::new(
                &std::env::var("PPROF_SOURCE_PATH").unwrap_or_else(|_| ".".to_string()),
            ),
        }
    }

    /// The file a profile names, when found.
    pub fn find(&self, file: &str) -> Option<PathBuf> {
        let p = Path::new(file);
        if p.is_absolute() {
            return p.is_file().then(|| p.to_path_buf());
        }
        for dir in &self.dirs {
            let mut d: Option<&Path> = Some(dir.as_path());
            while let Some(cur) = d {
                let cand = cur.join(p);
                if cand.is_file() {
                    return Some(cand);
                }
                d = cur.parent().filter(|q| !q.as_os_str().is_empty());
            }
        }
        None
    }

    /// The text of the file a profile names, when found and readable: a
    /// [`SourceReader`].
    pub fn read(&self, file: &str) -> Option<String> {
        self.find(file)
            .and_then(|p| std::fs::read_to_string(p).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_path_walks_up() {
        let here = env!("CARGO_MANIFEST_DIR");
        let sp = SourcePath::new(&format!("{here}/src/analyze"));
        // src/analyze does not exist; its parent src holds lib.rs.
        assert!(sp.find("lib.rs").is_some());
        assert!(sp.find("no-such-file.go").is_none());
        assert!(SourcePath::new("::").dirs.is_empty());
    }

    #[test]
    fn stdin_once() {
        let two = vec!["-".to_string(), "-".to_string()];
        assert!(matches!(load_all(&two), Err(Error::StdinTwice)));
    }
}
