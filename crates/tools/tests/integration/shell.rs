//! The interactive shell through the binary: a session on a
//! pseudo-terminal edits, completes and quits.

use std::path::PathBuf;

use pprof_model::build::ProfileBuilder;
use pprof_model::{LocationId, Profile};
use pprof_tools::shell::PROMPT;
use pprof_tools::{Command, OutputFormat, Pipeline, Settings, Sources};

/// A goroutine profile: main.main starts main.compute goroutines that park
/// in runtime.gopark, plus one in main.serve.
fn goroutine_profile() -> Profile {
    let mut b = ProfileBuilder::new(&[("goroutine", "count")]);
    b.period("goroutine", "count", 1);
    let bin = b.mapping("/srv/bin/leakdemo", 0x400000, 0x800000);
    let funcs = [
        ("runtime.gopark", "runtime/proc.go", 360),
        ("main.compute", "leakdemo/main.go", 23),
        ("main.main", "leakdemo/main.go", 40),
        ("main.serve", "leakdemo/main.go", 50),
    ];
    let locs: Vec<LocationId> = funcs
        .iter()
        .enumerate()
        .map(|(i, (name, file, line))| {
            let f = b.function(name, file, line - 2);
            b.location(Some(bin), 0x401000 + 0x100 * i as u64, &[(f, *line)])
        })
        .collect();
    let stack = |ids: &[usize]| ids.iter().map(|&i| locs[i]).collect::<Vec<_>>();
    b.sample(&stack(&[0, 1, 2]), &[50]);
    b.sample(&stack(&[0, 3, 2]), &[3]);
    b.sample(&stack(&[2]), &[1]);
    b.build()
}

struct Fixture {
    dir: PathBuf,
    path: String,
}

impl Fixture {
    fn new(tag: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("pprof-shell-it-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("goroutine.pb.gz");
        std::fs::write(&path, pprof_model::encode(&goroutine_profile())).expect("write");
        Fixture {
            path: path.to_string_lossy().into_owned(),
            dir,
        }
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the flag form prints on standard output, or its error.
fn flag_form(
    path: &str,
    format: OutputFormat,
    regexp: Option<&str>,
    s: &Settings,
) -> Result<String, String> {
    let pipeline = Pipeline::new(Sources::new([path.to_string()]), s.clone());
    let cmd = Command {
        format,
        regexp: regexp.map(String::from),
    };
    let mut out = Vec::new();
    pipeline
        .run(&cmd, &mut out)
        .map(|_| String::from_utf8_lossy(&out).into_owned())
        .map_err(|e| e.to_string())
}

#[test]
fn terminal_session() {
    let fx = Fixture::new("pty");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pprof-tools"));
    cmd.arg(&fx.path)
        .env("TERM", "xterm")
        .env("PPROF_TMPDIR", &fx.dir)
        .current_dir(&fx.dir);
    let mut p = rexpect::session::spawn_command(cmd, Some(20_000)).expect("spawn on a pty");
    p.exp_string("Entering interactive mode").expect("greeting");
    p.exp_string(PROMPT).expect("prompt");
    // Tab completes a command name; the report follows.
    p.send("ra").expect("type");
    p.send("\t").expect("tab");
    p.send_line("").expect("enter");
    p.exp_string("main.compute").expect("raw report");
    p.exp_string(PROMPT).expect("prompt");
    // Options and errors.
    p.send_line("nodecount=3").expect("type");
    p.exp_string(PROMPT).expect("prompt");
    p.send_line("o").expect("type");
    p.exp_regex(r"nodecount\s+= 3 ").expect("option listing");
    p.exp_string(PROMPT).expect("prompt");
    p.send_line("nosuch").expect("type");
    p.exp_string("unrecognized command: \"nosuch\"")
        .expect("error");
    p.exp_string(PROMPT).expect("prompt");
    // Function names complete after a command.
    p.send("raw -gopa").expect("type");
    p.send("\t").expect("tab");
    p.send_line(" >raw.txt").expect("enter");
    p.exp_string("Generating report in raw.txt")
        .expect("redirected");
    p.exp_string(PROMPT).expect("prompt");
    // History: the up arrow brings the last line back.
    p.send("\x1b[A").expect("up");
    p.send_line("").expect("enter");
    p.exp_string("Generating report in raw.txt")
        .expect("history");
    p.exp_string(PROMPT).expect("prompt");
    // Ctrl-D leaves.
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exit");
    // The completed line was `raw -runtime.gopark >raw.txt`: the same as
    // `-raw -ignore=runtime.gopark`.
    let raw = std::fs::read_to_string(fx.dir.join("raw.txt")).expect("raw.txt");
    let mut cfg = Settings::default();
    cfg.filters.ignore = "runtime.gopark".into();
    let flag = flag_form(&fx.path, OutputFormat::Raw, None, &cfg).expect("flag form");
    assert_eq!(raw, flag);
    let all = flag_form(&fx.path, OutputFormat::Raw, None, &Settings::default()).expect("raw");
    assert_ne!(raw, all, "the completed -runtime.gopark filtered samples");
}
