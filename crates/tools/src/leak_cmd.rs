//! `pprof-tools leak`: parses the flags with pprof-driver's option table
//! (`args::parse_leak`), runs `pprof_leak::run` (which loads or fetches and
//! analyses), and writes the report and its files. All the logic is in the
//! `pprof-leak` crate.

use std::io::Write;

use pprof_driver::args::{self, LeakCommand};
use pprof_leak::render;

/// Runs `pprof-tools leak` with the arguments after the subcommand name.
/// Returns the exit code: 0 no leak, 3 leak proven or suspected, 1 error,
/// 2 usage error.
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let args = match args::parse_leak(argv) {
        Ok(LeakCommand::Run(inv)) => inv.options,
        Ok(LeakCommand::Help) => {
            // On standard error, like pprof's usage.
            let _ = err.write_all(args::leak_usage().as_bytes());
            return 0;
        }
        Err(e) => {
            let _ = writeln!(err, "pprof-tools leak: {e}");
            let _ = writeln!(err, "Run 'pprof-tools leak -help' for the list of flags.");
            return 2;
        }
    };
    let report = match pprof_leak::run(&args, &mut |event| {
        let _ = writeln!(err, "{event}");
    }) {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(err, "pprof-tools leak: {e}");
            return 1;
        }
    };
    let text = if args.json {
        render::json(&report)
    } else {
        render::text(&report, &args.render)
    };
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            let _ = writeln!(err, "pprof-tools leak: writing the report: {e}");
            return 1;
        }
    }
    let files = [
        (&args.html, render::html(&report, &args.render)),
        (&args.svg, render::svg(&report)),
    ];
    for (path, body) in files {
        let Some(path) = path else { continue };
        // Written as -output is: atomically, or through to a device.
        if let Err(e) = pprof_fetch::save::write_file(path, body.as_bytes()) {
            let _ = writeln!(err, "pprof-tools leak: {e}");
            return 1;
        }
    }
    if report.leak_suspected() {
        pprof_leak::EXIT_LEAK
    } else {
        0
    }
}
