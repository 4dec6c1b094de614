//! Issue 12: strings are bytes. A profile whose string table holds invalid
//! UTF-8 gives `go tool pprof`'s bytes in `-raw`, `-top` and `-traces`, and
//! `-proto` keeps them (go reads our output back identically).

use crate::fixtures::*;
use pprof_model::build::ProfileBuilder;
use pprof_model::strings::from_bytes;

/// Function, file, label, comment and mapping names with invalid UTF-8
/// (a truncated C string, Latin-1, a lone continuation byte), one valid
/// multi-byte name, and one name of the private-use block the model uses.
fn invalid_utf8_profile() -> pprof_model::Profile {
    let t = |b: &[u8]| from_bytes(b).into_owned();
    let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
    b.period("cpu", "nanoseconds", 10_000_000);
    let bin = b.mapping(&t(b"/opt/app/bin\xff"), 0x400000, 0x800000);
    let f1 = b.function(&t(b"trunc\xe2\x82"), &t(b"caf\xe9.c"), 10);
    let f2 = b.function(&t(b"main.\x80x"), "main.go", 20);
    let f3 = b.function("caf\u{e9}_ok", "ok.c", 1);
    let f4 = b.function("pua\u{10FF41}", "ok.c", 2);
    let l1 = b.location(Some(bin), 0x401000, &[(f1, 11)]);
    let l2 = b.location(Some(bin), 0x402000, &[(f2, 21)]);
    let l3 = b.location(Some(bin), 0x403000, &[(f3, 3)]);
    let l4 = b.location(Some(bin), 0x404000, &[(f4, 4)]);
    b.labelled_sample(&[l1, l2], &[3, 30_000_000], &[(&t(b"k\xfe"), &t(b"v\xfd"))]);
    b.sample(&[l2, l3], &[2, 20_000_000]);
    b.sample(&[l4, l3], &[1, 10_000_000]);
    let mut p = b.build();
    let c = p.intern(&t(b"comment \xc0\xaf"));
    p.comments.push(c);
    p
}

fn go_pprof(go: &std::path::Path, d: &TempDir, args: &[&str]) -> Vec<u8> {
    let home = d.path("home");
    let o = std::process::Command::new(go)
        .args(["tool", "pprof"])
        .args(args)
        .env("TZ", "UTC")
        .env("HOME", &home)
        .env("PPROF_TMPDIR", &home)
        .env("PPROF_BINARY_PATH", &home)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

#[test]
fn issue12_strings_are_byte_exact() {
    let d = TempDir::new("bytes");
    let f = d.write_profile("bad.pb.gz", &invalid_utf8_profile());
    // -proto keeps every byte: decoding our output gives the same bytes.
    let o = run(&["-proto", "-symbolize=none", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let back = pprof_model::decode(&o.stdout).unwrap();
    let orig = pprof_model::decode(&std::fs::read(&f).unwrap()).unwrap();
    let bytes = |p: &pprof_model::Profile| {
        let mut v: Vec<Vec<u8>> = p
            .strings
            .iter()
            .map(|s| pprof_model::strings::to_bytes(s).into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(bytes(&back), bytes(&orig));
    assert!(bytes(&back).contains(&b"trunc\xe2\x82".to_vec()));
    // Text reports print the bytes themselves.
    let top = run(&["-top", "-symbolize=none", &f]);
    assert!(
        top.stdout.windows(7).any(|w| w == b"trunc\xe2\x82"),
        "{}",
        stdout(&top)
    );

    let Some(go) = pprof_testkit::client("go", "go tool pprof prints invalid UTF-8 as we do")
    else {
        return;
    };
    let proto = d.path("ours.pb.gz");
    std::fs::write(&proto, &o.stdout).unwrap();
    let proto = proto.to_string_lossy().into_owned();
    for args in [
        &["-raw"][..],
        &["-top"],
        &["-traces"],
        &["-top", "-lines"],
        &["-peek", "."],
        &["-tree"],
        &["-callgrind"],
    ] {
        let mut a = args.to_vec();
        a.push("-symbolize=none");
        a.push(&f);
        let ours = run(&a);
        assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
        let theirs = go_pprof(&go, &d, &a);
        assert_eq!(
            ours.stdout,
            theirs,
            "{args:?}\nours:\n{}\ngo:\n{}",
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs)
        );
    }
    // go reads our -proto back with the same bytes.
    let theirs = go_pprof(&go, &d, &["-raw", "-symbolize=none", &proto]);
    let ours = run(&["-raw", "-symbolize=none", &f]);
    assert_eq!(ours.stdout, theirs);
}
