//! The `pprof-tools` command: parses pprof's command line with
//! pprof-driver's table of settings and dispatches to the report, the
//! shell, the web interface or `leak`. Everything else is in the library
//! crates.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use pprof_driver::args::{self, Invocation};
use pprof_driver::{Command, Error, Pipeline};
use pprof_fetch::save::{self, OutputFile};

#[cfg(feature = "fleet")]
mod fleet_cmd;
mod leak_cmd;

// Profiles are millions of small vectors: a faster allocator is a large
// share of load and merge time.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // An interrupted report leaves no temporary file behind.
    let _ = ctrlc::set_handler(|| {
        save::remove_temporaries();
        std::process::exit(130);
    });
    let argv: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // A Parquet dataset directory (with its selectors) is a source.
    #[cfg(feature = "fleet")]
    {
        pprof_fetch::set_source_hook(pprof_fleet::source_hook);
        if std::io::stderr().is_terminal() {
            pprof_fleet::set_hook_progress(progress);
        }
    }
    if let Some(verb) = argv.first().and_then(|a| args::FleetVerb::from_name(a)) {
        #[cfg(feature = "fleet")]
        let code = fleet_cmd::run(
            verb,
            &argv[1..],
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        );
        #[cfg(not(feature = "fleet"))]
        let code = {
            let _ = writeln!(
                std::io::stderr().lock(),
                "pprof-tools: {}: {WITHOUT_FLEET}",
                argv[0]
            );
            let _ = verb;
            2
        };
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    if argv.first().map(String::as_str) == Some("leak") {
        let code = leak_cmd::run(
            &argv[1..],
            &mut std::io::stdout().lock(),
            &mut std::io::stderr().lock(),
        );
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    // The pprof whose exit status an error gives: the environment's until
    // the command line is read.
    let mut dialect = args::dialect_from_env();
    match run(argv, &mut dialect) {
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Driver(err)) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            let msg = err.to_string().replace('\n', " ");
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "pprof-tools: {msg}");
            if let CliError::Driver(Error::Usage(_)) = &err {
                let _ = writeln!(stderr, "Run 'pprof-tools -help' for the list of flags.");
            }
            ExitCode::from(dialect.error_exit_code())
        }
    }
}

/// What can stop the command: the library crates' errors.
#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Driver(#[from] Error),
    #[error(transparent)]
    Web(#[from] pprof_tools::web::ServeError),
    #[error(transparent)]
    Viewer(#[from] pprof_driver::viewer::ViewerError),
    #[error("{}", pprof_fetch::io_message(.0))]
    Io(std::io::Error),
    /// A fleet option in a binary built without the `fleet` feature.
    #[error("{0}: {WITHOUT_FLEET}")]
    #[cfg_attr(feature = "fleet", allow(dead_code))]
    WithoutFleet(&'static str),
}

/// Why `export`, `sql` and `-ballista` fail without the `fleet` feature.
const WITHOUT_FLEET: &str = "this pprof-tools was built without Parquet datasets and SQL; \
     build it with `cargo build --release -p pprof-tools --features fleet`";

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> CliError {
        CliError::Io(e)
    }
}

impl From<pprof_fetch::save::SaveError> for CliError {
    fn from(e: pprof_fetch::save::SaveError) -> CliError {
        CliError::Driver(e.into())
    }
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

/// Loads the sources (for the report `cmd`, or for any report), printing
/// fetch messages as they happen and the other notices after, with the
/// memory budget of `PPROF_TOOLS_MAX_MEMORY`.
fn load(inv: &Invocation, cmd: Option<&Command>) -> Result<pprof_model::Profile, Error> {
    let fetch = pprof_fetch::FetchOptions::from_env()?;
    let mut p = Pipeline::new(inv.sources.clone(), inv.settings.clone())
        .fetch_options(fetch)
        .notice_sink(Arc::new(notice));
    if std::io::stderr().is_terminal() {
        p = p.progress_sink(Arc::new(progress));
    }
    let loaded = match cmd {
        Some(cmd) => p.load_for(cmd)?,
        None => p.load()?,
    };
    for n in &loaded.notices {
        notice(n);
    }
    Ok(loaded.profile)
}

/// Runs pprof's command line; `dialect` is set to the dialect it asks
/// for once that is read.
fn run(argv: Vec<String>, dialect: &mut pprof_model::Dialect) -> Result<(), CliError> {
    let inv = args::parse(argv)?;
    *dialect = inv.settings.dialect;
    if inv.help {
        // On standard error, as pprof writes its usage.
        let mut err = std::io::stderr().lock();
        err.write_all(args::usage().as_bytes())?;
        err.flush()?;
        return Ok(());
    }
    for w in &inv.warnings {
        notice(w);
    }
    let s = &inv.settings;
    if !s.fleet.ballista.is_empty() {
        // Datasets among the sources are queried on this cluster.
        #[cfg(feature = "fleet")]
        pprof_fleet::set_cluster(s.fleet.ballista.clone());
        #[cfg(not(feature = "fleet"))]
        return Err(CliError::WithoutFleet("-ballista"));
    }
    if !s.http.is_empty() {
        // The web interface over the loaded profile; a bad address is
        // reported before anything loads.
        pprof_tools::web::split_host_port(&s.http)?;
        let profile = load(&inv, None)?;
        let snapshots = leak_snapshots(&inv, &profile);
        let ui = pprof_tools::web::WebUi::new(profile, s.clone()).with_snapshots(snapshots);
        let open = !s.no_browser;
        pprof_tools::web::serve(ui, &s.http, |started| {
            if let Some(w) = &started.warning {
                notice(w);
            }
            notice(&format!("Serving web UI on {}", started.url));
            if open {
                pprof_driver::viewer::open_browser(&started.url);
            }
        })?;
        return Ok(());
    }
    let Some(cmd) = inv.command.clone() else {
        // No report format: pprof's interactive shell.
        let profile = load(&inv, None)?;
        let mut session = pprof_shell::ProfileSession::new(profile);
        pprof_shell::run_shell(&mut session, s.clone())?;
        return Ok(());
    };

    let viewer = pprof_driver::viewer::viewer_for(cmd.format);
    if let Some(viewer) = viewer.as_ref().filter(|_| s.output.is_empty()) {
        // pprof's viewer formats: the report in a temporary file, opened
        // with the first viewer that starts.
        let profile = load(&inv, Some(&cmd))?;
        let made = Command {
            format: viewer.report,
            regexp: cmd.regexp.clone(),
        };
        let mut report = Vec::new();
        pprof_driver::write_report_noting(&profile, &made, s, &mut report, &mut |n| notice(&n))?;
        pprof_driver::viewer::open(&report, viewer, true)?;
        return Ok(());
    }
    // With -output, a viewer format's report goes to the file (pprof's
    // `-web -output=x.svg`, `-weblist=RE -output=x.html`).
    let cmd = match viewer {
        Some(v) => Command {
            format: v.report,
            regexp: cmd.regexp.clone(),
        },
        None => cmd,
    };

    let profile = load(&inv, Some(&cmd))?;
    // This is the one report: the process ends after it.
    pprof_driver::exit_after_report();
    let mut noting = |n: String| notice(&n);
    let stdout = std::io::stdout();
    let result = if !s.output.is_empty() {
        // -output: warnings first, then where the report goes, as pprof
        // says them; the file is replaced only once the report is whole.
        let mut file = OutputFile::create(&s.output)?;
        let mut said = false;
        let mut out = std::io::BufWriter::with_capacity(
            1 << 16,
            WhereFirst {
                out: &mut file,
                path: Path::new(&s.output),
                said: &mut said,
            },
        );
        let made = pprof_driver::write_report_noting(&profile, &cmd, s, &mut out, &mut noting)
            .and_then(|()| out.flush().map_err(Error::Io));
        drop(out);
        // A failed write names the file.
        let made = made.map_err(|e| match e {
            Error::Io(io) => pprof_fetch::save::SaveError::new(Path::new(&s.output), io).into(),
            e => e,
        });
        match made {
            Ok(()) => {
                if !said {
                    notice(&format!("Generating report in {}", s.output));
                }
                file.commit().map_err(Error::from)
            }
            Err(e) => Err(e),
        }
    } else if let (true, Some(suffix)) = (stdout.is_terminal(), cmd.format.info().saved_suffix) {
        // Binary and picture formats stay off a terminal: they go to the
        // next free profileNNN.SUFFIX, as pprof does.
        let mut buf = Vec::new();
        pprof_driver::write_report_noting(&profile, &cmd, s, &mut buf, &mut noting)?;
        let path = save::save_numbered(Path::new(""), "profile", &format!(".{suffix}"), &buf)?;
        notice(&format!("Generating report in {}", path.display()));
        Ok(())
    } else {
        let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
        pprof_driver::write_report_noting(&profile, &cmd, s, &mut out, &mut noting)
            .and_then(|()| out.flush().map_err(Error::Io))
    };
    // The process ends now: skip freeing a large profile piece by piece.
    std::mem::forget(profile);
    Ok(result?)
}

/// The sources one at a time, for the web interface's leak view, when the
/// loaded profile is a goroutine or goroutine leak profile and no base is
/// given (`debug=1` frames named as `pprof-tools leak` names them);
/// otherwise none.
fn leak_snapshots(inv: &Invocation, loaded: &pprof_model::Profile) -> Vec<pprof_model::Profile> {
    use pprof_tools::leak::{snapshot_kind, SnapshotKind};
    let s = &inv.settings;
    let goroutines = matches!(
        snapshot_kind(loaded),
        Some(SnapshotKind::Goroutine | SnapshotKind::GoroutineLeak)
    );
    if !goroutines || !s.base.is_empty() || !s.diff_base.is_empty() {
        return Vec::new();
    }
    let mut settings = s.clone();
    settings.text_frames = true;
    let mut out = Vec::new();
    for one in &inv.sources.sources {
        let mut only = inv.sources.clone();
        only.sources = vec![one.clone()];
        match Pipeline::new(only, settings.clone()).load() {
            Ok(l) => out.push(l.profile),
            Err(_) => return Vec::new(),
        }
    }
    out
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
