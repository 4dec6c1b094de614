//! The interactive shell through the binary: a session on a
//! pseudo-terminal edits, completes and quits.

use pprof_testkit::fixtures::{goroutine_profile, ProfileFile};
use pprof_tools::shell::PROMPT;

use crate::fixtures::{run, stderr, stdout};

#[test]
fn terminal_session() {
    let fx = ProfileFile::new("pty", "goroutine", &goroutine_profile());
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
    let flag = run(&["-raw", "-ignore=runtime.gopark", &fx.path]);
    assert!(flag.status.success(), "{}", stderr(&flag));
    assert_eq!(raw, stdout(&flag));
    let all = run(&["-raw", &fx.path]);
    assert!(all.status.success(), "{}", stderr(&all));
    assert_ne!(
        raw,
        stdout(&all),
        "the completed -runtime.gopark filtered samples"
    );
}
