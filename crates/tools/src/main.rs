//! The `pprof-tools` command: pprof's command line over
//! [`pprof_tools::Pipeline`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use pprof_tools::args::{self, Invocation};
use pprof_tools::{Error, Pipeline};

mod leak_cmd;

// Profiles are millions of small vectors: a faster allocator is a large
// share of load and merge time.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if argv.first().map(String::as_str) == Some("leak") {
        let code = leak_cmd::run(
            &argv[1..],
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        );
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    match run(argv) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let msg = format!("{err:#}").replace('\n', " ");
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "pprof-tools: {msg}");
            let code = match err.downcast_ref::<Error>() {
                Some(e @ Error::Usage(_)) => {
                    let _ = writeln!(stderr, "Run 'pprof-tools -help' for the list of flags.");
                    e.exit_code()
                }
                Some(e) => e.exit_code(),
                None => 1,
            };
            ExitCode::from(u8::try_from(code).unwrap_or(1))
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        if let Some(e) = e.downcast_ref::<Error>() {
            return e.is_broken_pipe();
        }
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn notice(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{msg}");
}

/// The countdown line shown while a CPU profile is collected: redrawn in
/// place on a terminal, absent when stderr is redirected.
fn progress(line: Option<&str>) {
    let mut err = std::io::stderr().lock();
    let _ = match line {
        Some(text) => write!(err, "\r{text}\x1b[K"),
        None => write!(err, "\r\x1b[K"),
    };
    let _ = err.flush();
}

/// A pipeline that reports fetch messages on stderr as they happen.
fn pipeline_for(inv: &Invocation) -> Pipeline {
    let mut p = Pipeline::new(inv.sources.clone()).notice_sink(std::sync::Arc::new(notice));
    if std::io::stderr().is_terminal() {
        p = p.progress_sink(std::sync::Arc::new(progress));
    }
    p
}

fn run(argv: Vec<String>) -> anyhow::Result<()> {
    let inv: Invocation = args::parse(argv)?;
    if inv.help {
        let mut out = std::io::stdout().lock();
        out.write_all(args::usage().as_bytes())?;
        out.flush()?;
        return Ok(());
    }
    for w in &inv.warnings {
        notice(w);
    }
    if let Some(addr) = &inv.http {
        // The web interface over the loaded profile; a bad address is
        // reported before anything loads.
        pprof_tools::web::split_host_port(addr)?;
        let profile = load_noting(&pipeline_for(&inv), None)?;
        let ui = pprof_tools::web::WebUi::new(profile, inv.config.clone())
            .with_snapshots(goroutine_snapshots(&inv));
        let open = !inv.no_browser;
        pprof_tools::web::serve(ui, addr, |started| {
            if let Some(w) = &started.warning {
                notice(w);
            }
            notice(&format!("Serving web UI on {}", started.url));
            if open {
                pprof_tools::viewer::open_browser(&started.url);
            }
        })?;
        return Ok(());
    }
    let Some(cmd) = inv.command.clone() else {
        // No report format: pprof's interactive shell.
        let profile = load_noting(&pipeline_for(&inv), None)?;
        let mut session = pprof_tools::shell::ProfileSession::new(profile);
        let settings = pprof_tools::shell::settings_from_config(&inv.config);
        pprof_tools::shell::run_shell(&mut session, settings)?;
        return Ok(());
    };
    let pipeline = pipeline_for(&inv);

    if let Some(viewer) = pprof_tools::viewer::viewer_for(cmd.format) {
        // pprof's viewer formats: the report in a temporary file, opened
        // with the first viewer that starts.
        let mut profile = load_noting(&pipeline, Some(&cmd))?;
        let made = pprof_tools::Command {
            format: viewer.report,
            regexp: cmd.regexp.clone(),
        };
        let mut report = Vec::new();
        pprof_tools::write_report_noting(
            &mut profile,
            &made,
            &inv.config,
            false,
            &mut report,
            &mut |n| notice(&n),
        )?;
        pprof_tools::viewer::open(&report, &viewer, true)?;
        return Ok(());
    }

    // Where the report goes: -output, a file away from the terminal for
    // binary formats (as pprof does), or standard output.
    let stdout = std::io::stdout();
    let target = match &inv.config.output {
        Some(path) => Some(PathBuf::from(path)),
        None if stdout.is_terminal() => match cmd.format.file_suffix() {
            Some(suffix) => Some(free_name("profile", suffix)?),
            None => None,
        },
        None => None,
    };

    match target {
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
            let mut profile = load_noting(&pipeline, Some(&cmd))?;
            let result = pprof_tools::write_report_noting(
                &mut profile,
                &cmd,
                &inv.config,
                inv.json,
                &mut out,
                &mut |n| notice(&n),
            );
            // The process ends now: skip freeing a large profile piece by piece.
            std::mem::forget(profile);
            result?;
            out.flush().map_err(Error::Io)?;
        }
        Some(path) => {
            let mut profile = load_noting(&pipeline, Some(&cmd))?;
            let (tmp, file) = temp_beside(&path)?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            // Warnings first, then where the report goes, as pprof says them.
            let mut said = false;
            let mut noting = |n: String| notice(&n);
            let result = pprof_tools::write_report_noting(
                &mut profile,
                &cmd,
                &inv.config,
                inv.json,
                &mut WhereFirst {
                    out: &mut out,
                    path: &path,
                    said: &mut said,
                },
                &mut noting,
            )
            .and_then(|()| out.flush().map_err(Error::Io));
            drop(out);
            if !said && result.is_ok() {
                notice(&format!("Generating report in {}", path.display()));
            }
            std::mem::forget(profile);
            match result {
                Ok(()) => {
                    std::fs::rename(&tmp, &path).map_err(|err| Error::Output {
                        path: path.display().to_string(),
                        err,
                    })?;
                }
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.into());
                }
            }
        }
    }
    Ok(())
}

/// With several goroutine profiles and no base, each one on its own, for
/// the web interface's leak view; otherwise none.
fn goroutine_snapshots(inv: &Invocation) -> Vec<pprof_model::Profile> {
    if inv.sources.sources.len() < 2 || !inv.sources.base.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for s in &inv.sources.sources {
        let mut one = inv.sources.clone();
        one.sources = vec![s.clone()];
        match Pipeline::new(one).load() {
            Ok(l)
                if pprof_tools::leak::snapshot_kind(&l.profile)
                    == Some(pprof_tools::leak::SnapshotKind::Goroutine) =>
            {
                out.push(l.profile)
            }
            _ => return Vec::new(),
        }
    }
    out
}

/// Loads the sources (for the report `cmd`, or for any report) and prints
/// the notices of loading.
fn load_noting(
    pipeline: &pprof_tools::Pipeline,
    cmd: Option<&pprof_tools::Command>,
) -> anyhow::Result<pprof_model::Profile> {
    let loaded = match cmd {
        Some(cmd) => pipeline.load_for(cmd)?,
        None => pipeline.load()?,
    };
    for n in &loaded.notices {
        notice(n);
    }
    Ok(loaded.profile)
}

/// A report file's writer that says where the report goes before the
/// first byte is written (pprof's "Generating report in FILE", which comes
/// after the report's warnings).
struct WhereFirst<'a> {
    out: &'a mut dyn Write,
    path: &'a Path,
    said: &'a mut bool,
}

impl Write for WhereFirst<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !*self.said {
            *self.said = true;
            notice(&format!("Generating report in {}", self.path.display()));
        }
        self.out.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Creates a temporary file in the directory of `path`, to be renamed over
/// it once the report is complete.
fn temp_beside(path: &Path) -> anyhow::Result<(PathBuf, std::fs::File)> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    for i in 0..1000u32 {
        let tmp = dir.join(format!(".{name}.{}.{i}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => {
                return Err(Error::Output {
                    path: path.display().to_string(),
                    err,
                })
                .context("creating the output file")
            }
        }
    }
    Err(Error::Output {
        path: path.display().to_string(),
        err: std::io::Error::other("no free temporary name"),
    }
    .into())
}

/// The first of `profile001.SUFFIX`, `profile002.SUFFIX`, ... that does not
/// exist in the current directory (pprof's naming for binary reports that
/// would otherwise land on a terminal).
fn free_name(prefix: &str, suffix: &str) -> anyhow::Result<PathBuf> {
    for i in 1..10000 {
        let p = PathBuf::from(format!("{prefix}{i:03}.{suffix}"));
        if !p.exists() {
            return Ok(p);
        }
    }
    anyhow::bail!("could not find a free name for the report file")
}
