//! pprof's viewer formats (`-web`, `-weblist`, `-eog`, `-evince`, `-gv`,
//! `-kcachegrind`): the report is saved to a temporary file
//! `pprofNNN.SUFFIX` and opened with the first viewer that starts, in
//! pprof's order. `-http` opens its address with the same browsers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::OutputFormat;

/// How a viewer format is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Viewer {
    /// The report to make (SVG for `-web`...).
    pub report: OutputFormat,
    /// The temporary file's suffix.
    pub suffix: &'static str,
    /// Commands to try, in order; words after the first are arguments.
    pub commands: Vec<String>,
}

/// Errors of [`open`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewerError {
    /// The temporary file could not be written.
    #[error(transparent)]
    File(#[from] pprof_fetch::save::SaveError),
    /// The last viewer tried is not installed (pprof's message).
    #[error("exec: \"{0}\": executable file not found in $PATH")]
    NotFound(String),
    /// The last viewer tried could not be started.
    #[error("{program}: {}", pprof_fetch::io_message(.err))]
    Start {
        /// The program.
        program: String,
        /// Why it did not start.
        err: std::io::Error,
    },
    /// There was no viewer to try.
    #[error("no viewer to open {0}")]
    NoViewer(PathBuf),
    /// The viewer ran and failed.
    #[error("exit status {0}")]
    Failed(i32),
}

/// The commands that open a browser, in pprof's order: `$BROWSER`, then
/// the usual browsers, and `xdg-open` in a desktop session.
pub fn browsers() -> Vec<String> {
    let mut cmds = Vec::new();
    if let Ok(b) = std::env::var("BROWSER") {
        if !b.is_empty() {
            cmds.push(b);
        }
    }
    if cfg!(target_os = "macos") {
        cmds.push("/usr/bin/open".to_string());
    } else {
        cmds.extend(
            [
                "chrome",
                "google-chrome",
                "chromium",
                "firefox",
                "sensible-browser",
            ]
            .map(String::from),
        );
        if std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty()) {
            cmds.push("xdg-open".to_string());
        }
    }
    cmds
}

/// The viewer of a viewer format, `None` for other formats.
pub fn viewer_for(format: OutputFormat) -> Option<Viewer> {
    use OutputFormat as F;
    let one = |v: &str| vec![v.to_string()];
    let (report, suffix, commands) = match format {
        F::Web => (F::Svg, "svg", browsers()),
        F::WebList => (F::WebList, "html", browsers()),
        F::Eog => (F::Svg, "svg", one("eog")),
        F::Evince => (F::Pdf, "pdf", one("evince")),
        F::Gv => (F::Ps, "ps", one("gv --noantialias")),
        F::Kcachegrind => (F::Callgrind, "grind", one("kcachegrind")),
        _ => return None,
    };
    Some(Viewer {
        report,
        suffix,
        commands,
    })
}

/// Opens `url` with the first browser that starts (for `-http`); quietly
/// nothing when none does.
pub fn open_browser(url: &str) {
    for c in browsers() {
        let mut words = c.split(' ').filter(|w| !w.is_empty());
        let Some(program) = words.next() else {
            continue;
        };
        let spawned = Command::new(program)
            .args(words)
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        if spawned.is_ok() {
            return;
        }
    }
}

/// Saves `report` to a new temporary file and opens it with the first of
/// the viewer's commands that starts. With `wait` (the command line) this
/// waits for the viewer and removes the file; otherwise (the shell) the
/// viewer runs on, and the file is removed when it ends.
pub fn open(report: &[u8], viewer: &Viewer, wait: bool) -> Result<(), ViewerError> {
    let path = temp_file(report, viewer.suffix)?;
    let result = run(&path, &viewer.commands, wait);
    if wait || result.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    result
}

/// Writes `data` to `$TMPDIR/pprofNNN.SUFFIX`, never over an existing file.
fn temp_file(data: &[u8], suffix: &str) -> Result<PathBuf, ViewerError> {
    let dir = std::env::temp_dir();
    Ok(pprof_fetch::save::save_numbered(
        &dir,
        "pprof",
        &format!(".{suffix}"),
        data,
    )?)
}

fn run(path: &Path, commands: &[String], wait: bool) -> Result<(), ViewerError> {
    let mut last = ViewerError::NoViewer(path.to_path_buf());
    for c in commands {
        let mut words = c.split(' ').filter(|w| !w.is_empty());
        let Some(program) = words.next() else {
            continue;
        };
        match Command::new(program).args(words).arg(path).spawn() {
            Ok(mut child) => {
                // Give the viewer a second to read the file, even when it
                // hands it to another process and returns at once.
                std::thread::sleep(std::time::Duration::from_secs(1));
                if !wait {
                    if let Ok(Some(_)) = child.try_wait() {
                        // Done already (a launcher that handed the file on).
                        let _ = std::fs::remove_file(path);
                        return Ok(());
                    }
                    let path = path.to_path_buf();
                    std::thread::spawn(move || {
                        let _ = child.wait();
                        let _ = std::fs::remove_file(path);
                    });
                    return Ok(());
                }
                let status = child.wait().map_err(|err| ViewerError::Start {
                    program: program.to_string(),
                    err,
                })?;
                return match status.code() {
                    Some(0) => Ok(()),
                    code => Err(ViewerError::Failed(code.unwrap_or(1))),
                };
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                last = ViewerError::NotFound(program.to_string());
            }
            Err(err) => {
                last = ViewerError::Start {
                    program: program.to_string(),
                    err,
                }
            }
        }
    }
    Err(last)
}
