//! `pprof-tools export` and `pprof-tools sql`: parses the flags with
//! pprof-driver's option table (`args::parse_fleet`) and runs pprof-fleet:
//! profiles into a Parquet dataset, SQL over a dataset or profile files.
//! All the logic is in the `pprof-fleet` crate.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::time::Instant;

use pprof_driver::args::{self, FleetCommand, FleetInvocation, FleetVerb};
use pprof_fleet::{DatasetWriter, Engine, PartitionKey, TableFormat};

/// Runs `pprof-tools export` or `pprof-tools sql` with the arguments after
/// the subcommand name. Returns the exit code: 0 done, 1 error, 2 usage
/// error.
pub fn run(verb: FleetVerb, argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let name = verb.name();
    let inv = match args::parse_fleet(verb, argv) {
        Ok(FleetCommand::Run(inv)) => inv,
        Ok(FleetCommand::Help) => {
            // On standard error, like pprof's usage.
            let _ = err.write_all(args::fleet_usage(verb).as_bytes());
            return 0;
        }
        Err(e) => {
            let _ = writeln!(err, "pprof-tools {name}: {e}");
            let _ = writeln!(err, "Run 'pprof-tools {name} -help' for the list of flags.");
            return 2;
        }
    };
    let done = match verb {
        FleetVerb::Export => export(&inv, err),
        FleetVerb::Sql => sql(&inv, out),
    };
    match done {
        Ok(()) => 0,
        Err(e) if e.is_broken_pipe() => 0,
        Err(e) => {
            let msg = e.to_string().replace('\n', " ");
            let _ = writeln!(err, "pprof-tools {name}: {msg}");
            1
        }
    }
}

/// What stops export or sql.
#[derive(Debug, thiserror::Error)]
enum FleetError {
    #[error(transparent)]
    Fleet(#[from] pprof_fleet::Error),
    #[error(transparent)]
    Fetch(#[from] pprof_fetch::Error),
    #[error(transparent)]
    Budget(#[from] pprof_fetch::BadMemoryBudget),
    #[error(transparent)]
    Save(#[from] pprof_fetch::save::SaveError),
    #[error("{}", pprof_fetch::io_message(.0))]
    Io(#[from] std::io::Error),
}

impl FleetError {
    fn is_broken_pipe(&self) -> bool {
        match self {
            FleetError::Io(e) => e.kind() == std::io::ErrorKind::BrokenPipe,
            FleetError::Fleet(pprof_fleet::Error::Io { err, .. }) => {
                err.kind() == std::io::ErrorKind::BrokenPipe
            }
            _ => false,
        }
    }
}

/// The engine of `s`: in process, or on the Ballista cluster of
/// `-ballista`.
fn engine(s: &pprof_driver::Settings) -> Result<Engine, FleetError> {
    Ok(match s.fleet.ballista.as_str() {
        "" => Engine::new()?,
        url => Engine::remote(url)?,
    })
}

/// Export's progress line: drawn with the binary's progress line (in
/// place, on a terminal only).
struct Progress {
    on: bool,
    start: Instant,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            on: std::io::stderr().is_terminal(),
            start: Instant::now(),
        }
    }

    fn show(&self, text: &str) {
        if self.on {
            crate::progress(Some(text));
        }
    }

    fn clear(&self) {
        if self.on {
            crate::progress(None);
        }
    }

    fn secs(&self) -> f64 {
        self.start.elapsed().as_secs_f64().max(1e-3)
    }
}

fn export(inv: &FleetInvocation, err: &mut dyn Write) -> Result<(), FleetError> {
    let s = &inv.settings;
    let keys = PartitionKey::parse_list(&s.fleet.partition)?;
    let opts = pprof_fetch::FetchOptions::from_env()?;
    // Directories stand for the files in them; URLs and files as given.
    let mut sources = Vec::new();
    for src in &inv.sources {
        if Path::new(src).is_dir() {
            sources.extend(pprof_fleet::pbtable::profile_files(std::slice::from_ref(
                src,
            ))?);
        } else {
            sources.push(src.clone());
        }
    }
    let mut writer = DatasetWriter::create(&s.fleet.parquet, keys)?;
    let progress = Progress::new();
    let (mut rows, mut files, mut bytes) = (0u64, 0u64, 0u64);
    let total = sources.len();
    for (i, src) in sources.iter().enumerate() {
        let p = pprof_fetch::fetch(src, &opts)?;
        let w = writer.add(src, &p)?;
        rows += w.rows;
        files += w.files;
        bytes += w.bytes;
        progress.show(&format!(
            "export: {}/{total} profiles, {} rows, {} written, {:.1} profiles/s",
            i + 1,
            rows,
            pprof_fleet::progress::size(bytes),
            (i + 1) as f64 / progress.secs()
        ));
    }
    progress.clear();
    writeln!(
        err,
        "Wrote {total} profile{} ({} rows, {} in {files} Parquet file{}) to {} in {:.1}s",
        if total == 1 { "" } else { "s" },
        rows,
        pprof_fleet::progress::size(bytes),
        if files == 1 { "" } else { "s" },
        s.fleet.parquet,
        progress.secs()
    )?;
    Ok(())
}

fn sql(inv: &FleetInvocation, out: &mut dyn Write) -> Result<(), FleetError> {
    let s = &inv.settings;
    let mut engine = engine(s)?;
    if std::io::stderr().is_terminal() {
        engine = engine.with_progress(std::sync::Arc::new(crate::progress));
    }
    engine.register(&inv.sources)?;
    let batches = engine.sql(&inv.query)?;
    let format = if s.fleet.csv {
        TableFormat::Csv
    } else if s.json {
        TableFormat::Json
    } else {
        TableFormat::Pretty
    };
    if s.output.is_empty() {
        let mut w = std::io::BufWriter::new(out);
        pprof_fleet::write_table(&batches, format, &mut w)?;
        w.flush()?;
        return Ok(());
    }
    // -output: written whole, then put in place.
    let mut buf = Vec::new();
    pprof_fleet::write_table(&batches, format, &mut buf)?;
    pprof_fetch::save::write_file(Path::new(&s.output), &buf)?;
    Ok(())
}
