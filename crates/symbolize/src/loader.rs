//! Finding binaries on the local file system, in pprof's order, and the
//! whole symbolization step of pprof's driver ([`symbolize`]).
//!
//! For each mapping, [`Loader::locate_binaries`] tries, in each directory
//! of the search path (`$PPROF_BINARY_PATH`, else `$HOME/pprof/binaries`):
//! `DIR/BUILDID/BASENAME`, every file in `DIR/BUILDID/`,
//! `DIR/FILE/BUILDID` (perf's cache), `DIR/BI/LDID.debug` (the build-id
//! layout of `/usr/lib/debug/.build-id`), then `DIR/BASENAME`, `DIR/FILE`,
//! `DIR/FILE.debug`, `DIR/DIRNAME/.debug/BASENAME.debug` and
//! `DIR/usr/lib/debug/DIRNAME/BASENAME.debug`. The first object file whose
//! build id matches becomes the mapping's file. The binary named before the
//! sources on the command line (`pprof ./prog prog.prof`) then replaces the
//! first mapping's file, as `-buildid` replaces its build id.
//!
//! When a binary has no DWARF, [`Loader::open`] looks for its separate
//! debug file: `/usr/lib/debug/.build-id/xx/rest.debug` by build id, then
//! the `.gnu_debuglink` name beside the binary, in its `.debug/` folder
//! and under `/usr/lib/debug/DIRNAME/` (GDB's order), checking the link's
//! CRC.

use std::path::{Path, PathBuf};

use pprof_model::Profile;

use crate::remote::{MappingSources, RemoteError, SymbolService};
use crate::{BinaryData, BinaryRequest, ObjectFile, SymbolizeMode, Warning};

/// Where binaries and debug files are looked for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Loader {
    /// Directories searched for binaries. Default: [`search_path`].
    pub search_path: Vec<PathBuf>,
    /// Roots of separate debug files. Default: `/usr/lib/debug`.
    pub debug_dirs: Vec<PathBuf>,
}

impl Default for Loader {
    fn default() -> Self {
        Loader {
            search_path: search_path(),
            debug_dirs: vec![PathBuf::from("/usr/lib/debug")],
        }
    }
}

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

/// Candidate file names for a mapping's file and build id in one search
/// directory, in pprof's order.
pub fn candidates(dir: &Path, file: &str, build_id: &str) -> Vec<PathBuf> {
    let no_root = file.trim_start_matches('/');
    let base = Path::new(file)
        .file_name()
        .map(|b| b.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dirname = Path::new(no_root)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut out = Vec::new();
    if !build_id.is_empty() {
        let bdir = dir.join(build_id);
        out.push(bdir.join(&base));
        if let Ok(rd) = std::fs::read_dir(&bdir) {
            let mut extra: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            extra.sort();
            out.extend(extra);
        }
        out.push(dir.join(no_root).join(build_id));
        if build_id.len() >= 2 && build_id.is_char_boundary(2) {
            out.push(
                dir.join(&build_id[..2])
                    .join(format!("{}.debug", &build_id[2..])),
            );
        }
    }
    if !file.is_empty() {
        out.push(dir.join(&base));
        out.push(dir.join(no_root));
        out.push(dir.join(format!("{no_root}.debug")));
        out.push(
            dir.join(&dirname)
                .join(".debug")
                .join(format!("{base}.debug")),
        );
        out.push(
            dir.join("usr/lib/debug")
                .join(&dirname)
                .join(format!("{base}.debug")),
        );
    }
    out
}

/// Go's text for an error opening a file (`open NAME: no such file or
/// directory`).
fn open_error(path: &str, e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let why = match e.kind() {
        K::NotFound => "no such file or directory".to_string(),
        K::PermissionDenied => "permission denied".to_string(),
        K::IsADirectory => "is a directory".to_string(),
        _ => {
            let s = e.to_string();
            let s = s.split(" (os error").next().unwrap_or(&s).to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    };
    format!("open {path}: {why}")
}

impl Loader {
    /// pprof's `locateBinaries` for one loaded profile: mappings whose file
    /// is found on the search path (with a matching build id) take that
    /// path; a profile without mappings gets one empty mapping holding
    /// every location; then `exec_name` and `build_id` (the command line's
    /// binary and `-buildid`) replace the first mapping's file and build
    /// id. Returns pprof's `Ignoring local file` warnings.
    pub fn locate_binaries(
        &self,
        p: &mut Profile,
        exec_name: Option<&str>,
        build_id: Option<&str>,
    ) -> Vec<Warning> {
        let mut warnings = Vec::new();
        for mi in 0..p.mappings.len() {
            let m = &p.mappings[mi];
            let file = p.str(m.file).to_string();
            let bid = p.str(m.build_id).to_string();
            let mut found = None;
            'dirs: for dir in &self.search_path {
                for name in candidates(dir, &file, &bid) {
                    let Ok(bytes) = std::fs::read(&name) else {
                        continue;
                    };
                    let Ok(obj) = ObjectFile::parse(&bytes) else {
                        continue;
                    };
                    let fid = obj.build_id().unwrap_or("");
                    if !bid.is_empty() && !bid.eq_ignore_ascii_case(fid) {
                        warnings.push(Warning::IgnoringLocalFile {
                            path: name.display().to_string(),
                            wanted: bid.clone(),
                            found: fid.to_string(),
                        });
                    } else {
                        found = Some(name);
                        break 'dirs;
                    }
                }
            }
            if let Some(name) = found {
                p.mappings[mi].file = p.intern(&name.to_string_lossy());
            }
        }
        if p.mappings.is_empty() {
            p.mappings.push(pprof_model::Mapping {
                id: 1,
                ..pprof_model::Mapping::default()
            });
            for l in &mut p.locations {
                l.mapping = Some(pprof_model::MappingId(0));
            }
        }
        let file = exec_name.filter(|s| !s.is_empty()).map(|f| p.intern(f));
        let bid = build_id.filter(|s| !s.is_empty()).map(|b| p.intern(b));
        if let Some(m) = p.mappings.first_mut() {
            if let Some(f) = file {
                m.file = f;
            }
            if let Some(b) = bid {
                m.build_id = b;
            }
        }
        warnings
    }

    /// Reads the binary of a request (its file, as located) and, when it
    /// has no DWARF of its own, its separate debug file. The error is the
    /// one line pprof prints after `Local symbolization failed for …:`.
    pub fn open(&self, req: &BinaryRequest) -> Result<BinaryData, String> {
        let bytes = std::fs::read(&req.file).map_err(|e| open_error(&req.file, &e))?;
        let debug = match ObjectFile::parse(&bytes) {
            Ok(obj) if !obj.has_debug_info() => self.find_debug_file(Path::new(&req.file), &obj),
            _ => None,
        };
        Ok(BinaryData {
            path: req.file.clone(),
            bytes,
            debug,
        })
    }

    /// The separate debug file of `obj` (at `path`), by build id, then by
    /// `.gnu_debuglink`.
    pub fn find_debug_file(&self, path: &Path, obj: &ObjectFile<'_>) -> Option<Vec<u8>> {
        let has_dwarf = |bytes: &[u8]| ObjectFile::parse(bytes).is_ok_and(|o| o.has_debug_info());
        if let Some(id) = obj.build_id().filter(|id| id.len() > 2) {
            for root in &self.debug_dirs {
                let name = root
                    .join(".build-id")
                    .join(&id[..2])
                    .join(format!("{}.debug", &id[2..]));
                if let Ok(bytes) = std::fs::read(&name) {
                    let same = ObjectFile::parse(&bytes)
                        .is_ok_and(|o| o.build_id().is_none_or(|b| b == id));
                    if same && has_dwarf(&bytes) {
                        return Some(bytes);
                    }
                }
            }
        }
        let (link, crc) = obj.debuglink()?;
        let dir = path.parent().unwrap_or(Path::new(""));
        let abs_dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let mut names = vec![dir.join(link), dir.join(".debug").join(link)];
        for root in &self.debug_dirs {
            names.push(
                root.join(abs_dir.strip_prefix("/").unwrap_or(&abs_dir))
                    .join(link),
            );
        }
        names.into_iter().find_map(|name| {
            if name == path {
                return None;
            }
            let bytes = std::fs::read(&name).ok()?;
            (crc32fast::hash(&bytes) == crc && has_dwarf(&bytes)).then_some(bytes)
        })
    }

    /// Local symbolization of `p` from the files its mappings name (see
    /// [`crate::symbolize_local_with`]).
    pub fn symbolize_local(&self, p: &mut Profile, force: bool) -> Vec<Warning> {
        crate::symbolize_local_with(p, force, |req| self.open(req))
    }
}

/// pprof's whole symbolization step: nothing for [`crate::SymbolSource::None`];
/// else local binaries (when the mode says so; only the locations without
/// lines under [`SymbolizeMode::keep_named`]), then the servers the
/// profile came from for what is left (when the mode says so and `remote`
/// is given with the mappings' sources), then demangling. Returns the
/// warnings; a failed request to a symbol service is an error, as in
/// pprof.
pub fn symbolize<S: SymbolService>(
    p: &mut Profile,
    mode: SymbolizeMode,
    loader: &Loader,
    remote: Option<(&MappingSources, &mut S)>,
) -> Result<Vec<Warning>, RemoteError<S::Error>> {
    let mut warnings = Vec::new();
    if mode.source == crate::SymbolSource::None {
        return Ok(warnings);
    }
    if mode.source.local() {
        warnings =
            crate::symbolize_local_keeping(p, mode.force, mode.keep_named, |req| loader.open(req));
    }
    if mode.source.remote() {
        if let Some((sources, service)) = remote {
            crate::remote::symbolize_remote(p, mode.force, sources, service)?;
        }
    }
    crate::demangle_profile(p, mode.force, mode.demangle);
    Ok(warnings)
}

/// A [`SymbolService`] for profiles that did not come from a server.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoService;

/// The error of [`NoService`] (never made).
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("no symbol service")]
pub struct NoServiceError;

impl SymbolService for NoService {
    type Error = NoServiceError;
    fn get(&mut self, _url: &str) -> Result<Vec<u8>, NoServiceError> {
        Err(NoServiceError)
    }
    fn post(&mut self, _url: &str, _body: &str) -> Result<Vec<u8>, NoServiceError> {
        Err(NoServiceError)
    }
}
