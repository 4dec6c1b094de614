//! Writes a pprof report to a file atomically: a reader of the file sees
//! either what was there before or the whole new report, never half of
//! one, and a run that fails leaves the old file as it was.
//!
//! ```text
//! cargo run -p pprof-examples --example report_to_file -- top.txt -top -nodecount=5 examples/profiles/cpu.pb.gz
//! ```
//!
//! The first argument is the file to write; the rest is a `go tool pprof`
//! command line (any report format, filters, several sources), read by
//! the library's own flag parser.

use pprof_driver::{args, Command, OutputFormat, Pipeline};
use pprof_fetch::save::OutputFile;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut argv = std::env::args().skip(1);
    let Some(target) = argv.next() else {
        return Err("usage: report_to_file OUTPUT [pprof flags] SOURCE...".into());
    };
    let invocation = args::parse(argv)?;
    for warning in &invocation.warnings {
        eprintln!("{warning}");
    }
    let command = invocation.command.unwrap_or(Command {
        format: OutputFormat::Top,
        regexp: None,
    });
    let pipeline = Pipeline::new(invocation.sources, invocation.settings);

    // Nothing at `target` changes until `commit`: the report goes to a
    // temporary file beside it that is then renamed over it (a device,
    // FIFO, symlink or hard-linked file is written in place instead).
    // Dropping `out` without committing removes the temporary file.
    let mut out = OutputFile::create(&target)?;
    let notices = pipeline.run(&command, &mut out)?;
    out.commit()?;
    for notice in notices {
        eprintln!("{notice}");
    }
    eprintln!("wrote {target}");
    Ok(())
}
