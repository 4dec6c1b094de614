//! What we encode is read by the real pprof: `go tool pprof -raw` (go1.19.8's)
//! of our `-proto` output equals our `-raw` in the go1.19 dialect (Go 1.27.3's
//! pprof is compared in dialect.rs). Skipped (with a message) when `go` is
//! not on PATH, except under `.ci/run` (pprof-testkit).

use crate::fixtures::*;

#[test]
fn go_pprof_reads_our_proto() {
    let Some(go) = pprof_testkit::client("go", "go tool pprof reads our -proto") else {
        return;
    };
    let d = TempDir::new("go");
    let f = d.write_profile("a.pb.gz", &cpu_profile(1));
    for extra in [vec![], vec!["-focus=work"], vec!["-base", f.as_str()]] {
        let mut args = vec!["-proto", "-symbolize=none"];
        args.extend(extra.iter().copied());
        args.push(&f);
        let o = run(&args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let ours = d.path("ours.pb.gz");
        std::fs::write(&ours, &o.stdout).unwrap();
        let ours = ours.to_string_lossy().into_owned();
        let theirs = run_go_pprof(
            &go,
            &d,
            &["tool", "pprof", "-raw", "-symbolize=none", &ours],
        );
        // `go` on PATH is go1.19.8's: compare with our go1.19 dialect.
        let mine = bin()
            .env("PPROF_TOOLS_COMPAT", "go1.19")
            .args(["-raw", "-symbolize=none", &ours])
            .output()
            .unwrap();
        assert_eq!(stdout(&mine), String::from_utf8_lossy(&theirs), "{extra:?}");
    }
}
