//! Issue 3: a goroutine `debug=2` dump and the proto goroutine profile taken
//! at the same moment (by `crates/leak/tests/gosrc/leakshapes`) give the same
//! `-top` function rows.
//!
//! What a dump cannot know is normalised away, nothing else: the dump hides
//! runtime frames, so the reader puts the parking frames back from the wait
//! reason; it cannot tell `runtime.chanrecv1` (`<-ch`) from
//! `runtime.chanrecv2` (`v, ok := <-ch`, `range ch`), and it cannot know
//! which of the frames it puts back were inlined.

use std::path::PathBuf;
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../leak/tests/fixtures/shapes")
}

/// The function rows of `-top` (name, flat, cum), without the header.
fn rows(file: &str) -> Vec<(String, String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_pprof-tools"))
        .args(["-top", "-symbolize=none"])
        .arg(fixtures().join(file))
        .env("TZ", "UTC")
        .output()
        .expect("run pprof-tools");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut rows: Vec<(String, String, String)> = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("flat"))
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 6 {
                return None;
            }
            let name = f[5].to_string();
            if name == "runtime.chanrecv1" || name == "runtime.chanrecv2" {
                return None;
            }
            Some((name, f[0].to_string(), f[3].to_string()))
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn dump_and_proto_of_one_moment_have_the_same_function_rows() {
    for n in 1..=3 {
        let proto = rows(&format!("goroutine.00{n}.pb.gz"));
        let dump = rows(&format!("goroutine.00{n}.debug2.txt"));
        assert!(proto.len() > 10, "{proto:?}");
        assert_eq!(proto, dump, "snapshot {n}");
    }
}

#[test]
fn dump_tags_show_states_and_creators() {
    let out = Command::new(env!("CARGO_BIN_EXE_pprof-tools"))
        .args(["-tags", "-symbolize=none"])
        .arg(fixtures().join("goroutine.002.debug2.txt"))
        .output()
        .expect("run pprof-tools");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    for want in [
        "state: Total",
        "chan send",
        "chan receive",
        "select",
        "semacquire",
        "created_by: Total",
        "main.handleSend",
        "wait: Total",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // -tagfocus selects by state: only the chan-send goroutines remain.
    let out = Command::new(env!("CARGO_BIN_EXE_pprof-tools"))
        .args(["-top", "-symbolize=none", "-tagfocus=state=chan send"])
        .arg(fixtures().join("goroutine.002.debug2.txt"))
        .output()
        .expect("run pprof-tools");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("main.sendWorker") || text.contains("runtime.chansend"),
        "{text}"
    );
    assert!(!text.contains("main.poolWorker"), "{text}");
}
