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

    // Today's pprof (Go 1.27.3) for our default, go1.19.8's (`go` on PATH)
    // for PPROF_TOOLS_COMPAT=go1.19.
    let mut pprofs = Vec::new();
    if let Some(go) = pprof_testkit::go127("Go 1.27.3's pprof prints invalid UTF-8 as we do") {
        pprofs.push((pprof_of(&go), ""));
    }
    if let Some(go) = pprof_testkit::client("go", "go tool pprof prints invalid UTF-8 as we do") {
        pprofs.push((pprof_of(&go), "go1.19"));
    }
    let proto = d.path("ours.pb.gz");
    std::fs::write(&proto, &o.stdout).unwrap();
    let proto = proto.to_string_lossy().into_owned();
    for (pprof, compat) in &pprofs {
        let ours = |args: &[&str]| {
            bin()
                .env("PPROF_TOOLS_COMPAT", compat)
                .args(args)
                .output()
                .unwrap()
        };
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
            let ours = ours(&a);
            assert_eq!(ours.status.code(), Some(0), "{}", stderr(&ours));
            let theirs = run_go_pprof(pprof, &d, &a);
            assert_eq!(
                ours.stdout,
                theirs,
                "{compat:?} {args:?}\nours:\n{}\ngo:\n{}",
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&theirs)
            );
        }
        // go reads our -proto back with the same bytes.
        let theirs = run_go_pprof(pprof, &d, &["-raw", "-symbolize=none", &proto]);
        let ours = ours(&["-raw", "-symbolize=none", &f]);
        assert_eq!(ours.stdout, theirs, "{compat:?}");
    }
}

// Finding 2: -output writes through what is not a regular file of its own,
// keeps owner and mode, and leaves no temporary file when killed.

fn is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn temporaries(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn issue12_output_to_a_device_stays_a_device() {
    use std::os::unix::fs::FileTypeExt;
    let d = TempDir::new("device");
    let f = d.write_profile("cpu.pb.gz", &cpu_profile(1));
    let o = run(&["-top", "-output=/dev/null", &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&["-top", "-output=/dev/full", &f]);
    // pprof's two lines: where the report goes, then why it failed.
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(lines[0], "Generating report in /dev/full");
    assert!(
        lines[1].contains("/dev/full: no space left on device"),
        "{err}"
    );
    for dev in ["/dev/null", "/dev/full"] {
        let m = std::fs::metadata(dev).unwrap();
        assert!(
            m.file_type().is_char_device(),
            "{dev} is no longer a device"
        );
    }
}

#[test]
fn issue12_output_to_a_fifo_writes_through() {
    use std::os::unix::fs::FileTypeExt;
    let d = TempDir::new("fifo");
    let f = d.write_profile("cpu.pb.gz", &cpu_profile(1));
    let fifo = d.path("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.map(|s| s.success()).unwrap_or(false) {
        pprof_testkit::missing::<()>("mkfifo", "a FIFO for -output");
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).unwrap())
    };
    let out = format!("-output={}", fifo.display());
    let o = run(&["-top", &out, &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let got = reader.join().unwrap();
    let top = run(&["-top", &f]);
    assert_eq!(got, top.stdout);
    assert!(std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo());
    assert!(temporaries(&d.0).is_empty());
}

#[test]
fn issue12_output_through_a_symlink_and_a_hard_link() {
    let d = TempDir::new("links");
    let f = d.write_profile("cpu.pb.gz", &cpu_profile(1));
    let target = d.path("target.txt");
    std::fs::write(&target, "old").unwrap();
    let sym = d.path("sym.txt");
    std::os::unix::fs::symlink(&target, &sym).unwrap();
    let hard = d.path("hard.txt");
    std::fs::hard_link(&target, &hard).unwrap();
    let top = run(&["-top", &f]).stdout;
    for link in [&sym, &hard] {
        std::fs::write(&target, "old").unwrap();
        let out = format!("-output={}", link.display());
        let o = run(&["-top", &out, &f]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(std::fs::read(&target).unwrap(), top, "{link:?}");
    }
    assert!(std::fs::symlink_metadata(&sym)
        .unwrap()
        .file_type()
        .is_symlink());
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        std::fs::metadata(&hard).unwrap().ino(),
        std::fs::metadata(&target).unwrap().ino()
    );
    assert!(temporaries(&d.0).is_empty());
}

#[test]
fn issue12_output_keeps_owner_and_mode() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let d = TempDir::new("owner");
    let f = d.write_profile("cpu.pb.gz", &cpu_profile(1));
    let file = d.path("report.txt");
    std::fs::write(&file, "old").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    // As root, give the file another owner: -output must keep it.
    let (uid, gid) = if is_root() {
        std::os::unix::fs::chown(&file, Some(4242), Some(4343)).unwrap();
        (4242, 4343)
    } else {
        let m = std::fs::metadata(&file).unwrap();
        (m.uid(), m.gid())
    };
    let out = format!("-output={}", file.display());
    let o = run(&["-top", &out, &f]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let m = std::fs::metadata(&file).unwrap();
    assert_eq!((m.uid(), m.gid(), m.mode() & 0o777), (uid, gid, 0o640));
    assert_eq!(std::fs::read(&file).unwrap(), run(&["-top", &f]).stdout);
}

#[test]
fn issue12_output_in_an_unwritable_directory() {
    use std::os::unix::fs::PermissionsExt;
    let d = TempDir::new("ro-dir");
    let f = d.write_profile("cpu.pb.gz", &cpu_profile(1));
    std::fs::set_permissions(&d.0, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
    let dir = d.path("ro");
    std::fs::create_dir(&dir).unwrap();
    let file = dir.join("report.txt");
    std::fs::write(&file, "old").unwrap();
    let out = format!("-output={}", file.display());
    // The directory does not let the caller create a file; the file is
    // writable.
    let o = if is_root() {
        // Root ignores permissions: run as nobody, who owns only the file.
        std::os::unix::fs::chown(&file, Some(65534), Some(65534)).unwrap();
        let setpriv = pprof_testkit::find_program("setpriv");
        let Some(setpriv) = setpriv else {
            pprof_testkit::missing::<()>(
                "setpriv",
                "running as a user who cannot write the directory",
            );
            return;
        };
        // The test directory must be reachable by nobody.
        let mut up = d.0.parent();
        while let Some(p) = up {
            if std::fs::metadata(p).unwrap().permissions().mode() & 0o001 == 0 {
                pprof_testkit::missing::<()>("a world-searchable temp dir", "running as nobody");
                return;
            }
            up = p.parent();
        }
        std::process::Command::new(setpriv)
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_pprof-tools"))
            .args(["-top", &out, &f])
            .env("TZ", "UTC")
            .output()
            .unwrap()
    } else {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o555)).unwrap();
        run(&["-top", &out, &f])
    };
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read(&file).unwrap(), run(&["-top", &f]).stdout);
}

#[test]
fn issue12_sigterm_leaves_no_temporary_file() {
    let d = TempDir::new("sigterm");
    // Many distinct stacks: -traces takes a while to write.
    let mut b = ProfileBuilder::new(&[("samples", "count")]);
    let funcs: Vec<_> = (0..400)
        .map(|i| b.function(&format!("pkg.function{i}"), "file.go", i))
        .collect();
    let locs: Vec<_> = funcs
        .iter()
        .enumerate()
        .map(|(i, &f)| b.location(None, 0x1000 + i as u64, &[(f, i as i64)]))
        .collect();
    for i in 0..60_000usize {
        let stack: Vec<_> = (0..12)
            .map(|k| locs[(i * 7 + k * 13 + i / 400) % locs.len()])
            .collect();
        b.sample(&stack, &[1 + i as i64]);
    }
    let f = d.write_profile("big.pb.gz", &b.build());
    let out_dir = d.path("out");
    std::fs::create_dir(&out_dir).unwrap();
    let out = format!("-output={}", out_dir.join("traces.txt").display());
    let mut child = bin()
        .args(["-traces", &out, &f])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let mut seen = false;
    while start.elapsed() < std::time::Duration::from_secs(60) {
        if !temporaries(&out_dir).is_empty() {
            seen = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert!(seen, "the report finished before a temporary file was seen");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    // Killed mid-report (130), or it had just finished (0): either way no
    // temporary file stays.
    assert!(matches!(status.code(), Some(130) | Some(0)), "{status:?}");
    assert!(
        temporaries(&out_dir).is_empty(),
        "{:?}",
        temporaries(&out_dir)
    );
}
