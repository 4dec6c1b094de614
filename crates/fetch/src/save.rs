//! Writing files the user sees: the one place that saves fetched profiles
//! and reports.
//!
//! * [`save_numbered`] creates `DIR/PREFIX NNN SUFFIX` with the first free
//!   number (pprof's `pprof.prog.type.001.pb.gz`, the shell's
//!   `profile001.svg`): whole or not at all, never replacing a file.
//! * [`OutputFile`] writes a report to a path the user named (`-output`,
//!   `> file` in the shell): a regular file is replaced atomically (a
//!   failed or interrupted report leaves the old file as it was) and keeps
//!   its permissions and, where the caller may, its owner; anything else
//!   (a device such as `/dev/null`, a FIFO, a symbolic link's target, a
//!   file with other hard links, a file in a directory the caller cannot
//!   write) is written through in place, as pprof does.
//!
//! ```
//! use std::io::Write;
//!
//! let dir = std::env::temp_dir().join(format!("pprof-save-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let first = pprof_fetch::save::save_numbered(&dir, "profile", ".txt", b"one")?;
//! let second = pprof_fetch::save::save_numbered(&dir, "profile", ".txt", b"two")?;
//! assert!(first.ends_with("profile001.txt") && second.ends_with("profile002.txt"));
//!
//! let mut out = pprof_fetch::save::OutputFile::create(&first)?;
//! out.write_all(b"replaced")?;
//! out.commit()?;
//! assert_eq!(std::fs::read(&first)?, b"replaced");
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A file that could not be written: its path and the system's reason.
#[derive(Debug, thiserror::Error)]
#[error("{}: {}", .path.display(), crate::error::io_message(.err))]
#[non_exhaustive]
pub struct SaveError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong (shown in the message, not as a source).
    pub err: io::Error,
}

impl SaveError {
    /// The error `source` met while writing `path`.
    pub fn new(path: &Path, err: io::Error) -> SaveError {
        SaveError {
            path: path.to_path_buf(),
            err,
        }
    }
}

/// Temporary files being written, removed by [`remove_temporaries`].
/// The temporary files being written now, and whether the program is
/// closing (after [`remove_temporaries`], no new one may be made).
struct Temporaries {
    paths: Vec<PathBuf>,
    closing: bool,
}

static TEMPORARIES: Mutex<Temporaries> = Mutex::new(Temporaries {
    paths: Vec::new(),
    closing: false,
});

fn temporaries() -> std::sync::MutexGuard<'static, Temporaries> {
    // A panic elsewhere while the lock was held leaves the list usable.
    TEMPORARIES.lock().unwrap_or_else(|e| e.into_inner())
}

fn untrack(path: &Path) {
    temporaries().paths.retain(|p| p != path);
}

/// Removes the temporary files that are being written now, and refuses to
/// make new ones from then on. For a signal handler of a program about to
/// exit (SIGINT, SIGTERM): whatever the other threads are doing, no
/// half-written temporary file is left behind.
pub fn remove_temporaries() {
    let mut t = temporaries();
    t.closing = true;
    for p in t.paths.drain(..) {
        let _ = fs::remove_file(p);
    }
}

/// Creates a hidden temporary file in `dir` whose name starts with `stem`.
/// The file is created and recorded under one lock, so a signal handler's
/// [`remove_temporaries`] sees every file that exists.
fn create_temporary(dir: &Path, stem: &str) -> io::Result<(PathBuf, File)> {
    let pid = std::process::id();
    let mut t = temporaries();
    if t.closing {
        return Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "the program is stopping",
        ));
    }
    let mut n = 0u32;
    loop {
        let path = dir.join(format!(".{stem}.{pid}.{n}.tmp"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => {
                t.paths.push(path.clone());
                return Ok((path, f));
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 10_000 => n += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Writes `data` as `DIR/PREFIX NNN SUFFIX` with the smallest free `NNN`
/// (three digits or more, from 001 to 9999), whole or not at all, without
/// replacing any file. The data goes to a hidden temporary file first,
/// which is then linked into place.
pub fn save_numbered(
    dir: &Path,
    prefix: &str,
    suffix: &str,
    data: &[u8],
) -> Result<PathBuf, SaveError> {
    let (tmp, mut f) = create_temporary(dir, prefix.trim_end_matches('.'))
        .map_err(|e| SaveError::new(&dir.join(format!("{prefix}001{suffix}")), e))?;
    let written = f.write_all(data).and_then(|_| f.sync_all());
    drop(f);
    let result = match written {
        Err(e) => Err(SaveError::new(&tmp, e)),
        Ok(()) => link_numbered(dir, prefix, suffix, &tmp, data),
    };
    let _ = fs::remove_file(&tmp);
    untrack(&tmp);
    result
}

fn link_numbered(
    dir: &Path,
    prefix: &str,
    suffix: &str,
    tmp: &Path,
    data: &[u8],
) -> Result<PathBuf, SaveError> {
    for index in 1..10000u32 {
        let path = dir.join(format!("{prefix}{index:03}{suffix}"));
        match fs::hard_link(tmp, &path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(_) => {
                // No hard links on this file system: create the file
                // exclusively and write it in place.
                match OpenOptions::new().write(true).create_new(true).open(&path) {
                    Ok(mut f) => {
                        return f.write_all(data).map(|_| path.clone()).map_err(|e| {
                            let _ = fs::remove_file(&path);
                            SaveError::new(&path, e)
                        })
                    }
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(SaveError::new(&path, e)),
                }
            }
        }
    }
    Err(SaveError::new(
        &dir.join(format!("{prefix}001{suffix}")),
        io::Error::new(io::ErrorKind::AlreadyExists, "no free file name"),
    ))
}

/// A report being written to a path the user named; see the module docs
/// for what happens to what is already there. Nothing is replaced until
/// [`OutputFile::commit`]; dropping it uncommitted removes the temporary
/// file (a file written through in place keeps what was written).
#[derive(Debug)]
pub struct OutputFile {
    path: PathBuf,
    file: Option<File>,
    /// The temporary file to rename over `path`; `None` when writing
    /// through in place.
    temporary: Option<PathBuf>,
}

impl OutputFile {
    /// Opens `path` for a report.
    pub fn create(path: impl AsRef<Path>) -> Result<OutputFile, SaveError> {
        let path = path.as_ref().to_path_buf();
        let err = |e| SaveError::new(&path, e);
        let existing = fs::symlink_metadata(&path).ok();
        let replaceable = match &existing {
            None => true,
            Some(m) => m.file_type().is_file() && single_link(m),
        };
        if replaceable {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let stem = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "report".into());
            match create_temporary(&dir, &stem) {
                Ok((tmp, f)) => {
                    if let Some(m) = &existing {
                        keep_mode_and_owner(&f, m);
                    }
                    return Ok(OutputFile {
                        path,
                        file: Some(f),
                        temporary: Some(tmp),
                    });
                }
                // A new file needs the directory; an existing one may still
                // be writable in place.
                Err(e) if existing.is_none() => return Err(err(e)),
                Err(_) => {}
            }
        }
        let f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(err)?;
        Ok(OutputFile {
            path,
            file: Some(f),
            temporary: None,
        })
    }

    /// The path the report goes to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Finishes the report: flushes it and puts it in place.
    pub fn commit(mut self) -> Result<(), SaveError> {
        let path = self.path.clone();
        let err = |e| SaveError::new(&path, e);
        if let Some(f) = self.file.take() {
            let synced = match &self.temporary {
                // A device or a FIFO cannot be synced; flushing is enough.
                None => Ok(()),
                Some(_) => f.sync_all(),
            };
            synced.map_err(err)?;
        }
        if let Some(tmp) = self.temporary.take() {
            let renamed = fs::rename(&tmp, &self.path);
            if renamed.is_err() {
                let _ = fs::remove_file(&tmp);
            }
            untrack(&tmp);
            renamed.map_err(err)?;
        }
        Ok(())
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("output file already committed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for OutputFile {
    fn drop(&mut self) {
        if let Some(tmp) = self.temporary.take() {
            self.file = None;
            let _ = fs::remove_file(&tmp);
            untrack(&tmp);
        }
    }
}

/// Writes `data` to `path` as an [`OutputFile`] does: the whole report
/// replaces a regular file atomically, anything else is written through.
pub fn write_file(path: impl AsRef<Path>, data: &[u8]) -> Result<(), SaveError> {
    let mut f = OutputFile::create(path)?;
    f.write_all(data).map_err(|e| SaveError::new(&f.path, e))?;
    f.commit()
}

#[cfg(unix)]
fn single_link(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.nlink() <= 1
}

#[cfg(not(unix))]
fn single_link(_: &fs::Metadata) -> bool {
    true
}

/// Gives the new file the old one's permissions, and its owner where the
/// caller may change it (root, or the same owner).
#[cfg(unix)]
fn keep_mode_and_owner(f: &File, old: &fs::Metadata) {
    use std::os::unix::fs::MetadataExt;
    let _ = f.set_permissions(old.permissions());
    let _ = std::os::unix::fs::fchown(f, Some(old.uid()), Some(old.gid()));
}

#[cfg(not(unix))]
fn keep_mode_and_owner(f: &File, old: &fs::Metadata) {
    let _ = f.set_permissions(old.permissions());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("pprof-save-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn numbered_names_never_replace() {
        let d = temp_dir("numbered");
        fs::write(d.join("p002.x"), "kept").unwrap();
        let a = save_numbered(&d, "p", ".x", b"a").unwrap();
        let b = save_numbered(&d, "p", ".x", b"b").unwrap();
        assert!(a.ends_with("p001.x"), "{a:?}");
        assert!(b.ends_with("p003.x"), "{b:?}");
        assert_eq!(fs::read(d.join("p002.x")).unwrap(), b"kept");
        assert!(leftovers(&d).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn issue12_output_replaces_a_regular_file_atomically_keeping_its_mode() {
        use std::os::unix::fs::PermissionsExt;
        let d = temp_dir("regular");
        let p = d.join("r.txt");
        fs::write(&p, "old").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        let mut o = OutputFile::create(&p).unwrap();
        o.write_all(b"new").unwrap();
        // Until committed, the old contents stay.
        assert_eq!(fs::read(&p).unwrap(), b"old");
        o.commit().unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        // An abandoned report leaves the old file and no temporary file.
        let mut o = OutputFile::create(&p).unwrap();
        o.write_all(b"half").unwrap();
        drop(o);
        assert_eq!(fs::read(&p).unwrap(), b"new");
        assert!(leftovers(&d).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn issue12_output_writes_through_links_and_devices() {
        let d = temp_dir("through");
        let target = d.join("target.txt");
        let link = d.join("link.txt");
        fs::write(&target, "old").unwrap();
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let mut o = OutputFile::create(&link).unwrap();
        o.write_all(b"via link").unwrap();
        o.commit().unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"via link");

        let hard = d.join("hard.txt");
        fs::hard_link(&target, &hard).unwrap();
        let mut o = OutputFile::create(&hard).unwrap();
        o.write_all(b"shared").unwrap();
        o.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"shared");

        let mut o = OutputFile::create("/dev/null").unwrap();
        o.write_all(b"gone").unwrap();
        o.commit().unwrap();
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());

        let mut o = OutputFile::create("/dev/full").unwrap();
        let e = o.write_all(b"x").and_then(|_| o.flush());
        let full = e.is_err() || o.commit().is_err();
        assert!(full, "/dev/full accepted the report");
        assert!(leftovers(&d).is_empty());
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn errors_name_the_file() {
        let e = OutputFile::create("/nonexistent-dir/x/report.txt").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("/nonexistent-dir/x/report.txt: "),
            "{text}"
        );
        assert!(!text.contains("os error"), "{text}");
    }
}
