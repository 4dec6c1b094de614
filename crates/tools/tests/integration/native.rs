//! Profiles of native code (issue 13): a C program compiled here and
//! profiled by itself in gperftools' format (the fixture and sampler of
//! pprof-symbolize's tests), reported by us and by `go tool pprof`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::fixtures::*;

fn fixture_sources() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../symbolize/tests/fixtures")
}

/// The folder holding `cwork` (gcc -O2 -g, PIE) and `cwork.prof`, its
/// own profile.
fn c_fixture() -> Option<PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| {
        let cc = pprof_testkit::client("cc", "a C compiler builds the native fixture")?;
        let dir = std::env::temp_dir().join(format!("pprof-tools-native-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("home")).unwrap();
        pprof_testkit::fixtures::compile_c_fixture(&cc, &fixture_sources(), &dir.join("cwork"));
        let st = Command::new(dir.join("cwork"))
            .arg(dir.join("cwork.prof"))
            .arg("600")
            .output()
            .unwrap();
        assert!(st.status.success());
        // The same profile with a C library that is nowhere to be found.
        let prof = std::fs::read(dir.join("cwork.prof")).unwrap();
        let at = prof
            .windows(8)
            .position(|w| w == b"libc.so.")
            .expect("libc in the maps");
        let from = prof[..at].iter().rposition(|&b| b == b' ').unwrap() + 1;
        let to = at + prof[at..].iter().position(|&b| b == b'\n').unwrap();
        let libc = prof[from..to].to_vec();
        let mut out = Vec::new();
        let mut i = 0;
        while i < prof.len() {
            if prof[i..].starts_with(&libc) {
                out.extend_from_slice(b"/nonexistent/libc.so.6");
                i += libc.len();
            } else {
                out.push(prof[i]);
                i += 1;
            }
        }
        std::fs::write(dir.join("cwork-nolibc.prof"), out).unwrap();
        Some(dir)
    })
    .clone()
}

/// The rows of a `-top` report by name: (flat, flat%, cum, cum%).
fn rows(top: &str) -> BTreeMap<String, [String; 4]> {
    let mut out = BTreeMap::new();
    let mut in_table = false;
    for l in top.lines() {
        if l.trim_start().starts_with("flat  flat%") {
            in_table = true;
            continue;
        }
        if !in_table {
            continue;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 6 {
            continue;
        }
        out.insert(
            f[5..].join(" "),
            [f[0], f[1], f[3], f[4]].map(str::to_string),
        );
    }
    out
}

fn in_dir(mut c: Command, dir: &Path) -> std::process::Output {
    c.current_dir(dir)
        .env("HOME", dir.join("home"))
        .env("PPROF_TMPDIR", dir.join("home"))
        .env_remove("PPROF_BINARY_PATH")
        .output()
        .unwrap()
}

/// `pprof-tools -top -noinlines -symbolize=local ./cwork cwork.prof` and
/// `go tool pprof -top -symbolize=local ./cwork cwork.prof` (whose DWARF
/// reader has no inlined frames) print the same rows for every function go
/// names, and the same warning lines.
#[test]
fn top_matches_go_tool_pprof() {
    let Some(dir) = c_fixture() else { return };
    let Some(go) = pprof_testkit::client("go", "go tool pprof symbolizes the same profile") else {
        return;
    };
    for prof in ["cwork.prof", "cwork-nolibc.prof"] {
        let mut g = Command::new(&go);
        g.args(["tool", "pprof", "-top", "-symbolize=local", "./cwork", prof]);
        let theirs = in_dir(g, &dir);
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        let mut o = bin();
        o.args(["-top", "-noinlines", "-symbolize=local", "./cwork", prof]);
        let ours = in_dir(o, &dir);
        assert!(ours.status.success(), "{}", stderr(&ours));
        assert_eq!(stderr(&ours), stderr(&theirs), "warnings for {prof}");
        let (t, u) = (rows(&stdout(&theirs)), rows(&stdout(&ours)));
        let named: Vec<&String> = t.keys().filter(|n| !n.starts_with('[')).collect();
        for want in [
            "main",
            "hash_block",
            "sieve",
            "matmul",
            "fib",
            "cmp_u32",
            "phase_sieve",
        ] {
            if want != "main" {
                assert!(
                    u.contains_key(want),
                    "{want} missing from ours:\n{}",
                    stdout(&ours)
                );
            }
        }
        assert!(
            named.len() >= 6,
            "go named too little:\n{}",
            stdout(&theirs)
        );
        for n in named {
            assert_eq!(
                u.get(n),
                t.get(n),
                "row {n} of {prof}\nours:\n{}\ngo:\n{}",
                stdout(&ours),
                stdout(&theirs)
            );
        }
        if prof == "cwork-nolibc.prof" {
            assert!(stderr(&ours).starts_with(
                "Local symbolization failed for libc.so.6: open /nonexistent/libc.so.6: no such file or directory\n"
            ), "{}", stderr(&ours));
        }
    }
}

/// Inlined frames are shown without `-noinlines` (as pprof with binutils
/// shows them), and `-symbolize=none` leaves the addresses alone.
#[test]
fn inline_frames_and_symbolize_none() {
    let Some(dir) = c_fixture() else { return };
    let mut o = bin();
    o.args(["-top", "-symbolize=local", "./cwork", "cwork.prof"]);
    let out = in_dir(o, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("mix32 (inline)"), "{}", stdout(&out));
    let mut o = bin();
    o.args(["-top", "-symbolize=none", "./cwork", "cwork.prof"]);
    let out = in_dir(o, &dir);
    assert!(stdout(&out).contains("[cwork]"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("hash_block"), "{}", stdout(&out));
}

/// (address, instruction) of each instruction line of a `-disasm` report.
fn disasm_lines(report: &str) -> Vec<(u64, String)> {
    report
        .lines()
        .filter_map(|l| {
            let (head, rest) = l.split_once(": ")?;
            let addr = u64::from_str_radix(head.split_whitespace().last()?, 16).ok()?;
            let inst = rest.split(';').next()?.trim_end().to_string();
            Some((addr, inst))
        })
        .collect()
}

fn mnemonic(inst: &str) -> &str {
    inst.split_whitespace().next().unwrap_or("")
}

/// `-disasm=RE` lists the instructions of the matching functions with
/// objdump's addresses and mnemonics (`-intel_syntax`: `objdump -M
/// intel`'s), and the samples land on them.
#[test]
fn disasm_matches_objdump() {
    let Some(dir) = c_fixture() else { return };
    if pprof_testkit::client("objdump", "binutils' objdump checks -disasm").is_none() {
        return;
    }
    for intel in [false, true] {
        let mut o = bin();
        o.args([
            r"-disasm=hash_block|cmp_u32|\bsieve\b|\bmatmul\b",
            "-symbolize=local",
        ]);
        if intel {
            o.arg("-intel_syntax");
        }
        o.args(["./cwork", "cwork.prof"]);
        let out = in_dir(o, &dir);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        assert!(text.starts_with("Total: "), "{text}");
        let routines: Vec<&str> = text
            .split("ROUTINE ======================== ")
            .skip(1)
            .collect();
        assert!(routines.len() >= 2, "{text}");
        let mut sampled = 0;
        for r in routines {
            let ours = disasm_lines(r);
            assert!(ours.len() > 5, "{r}");
            let (first, last) = (ours[0].0, ours[ours.len() - 1].0);
            let mut c = Command::new("objdump");
            c.args(["-d", "--no-show-raw-insn", "-w"]);
            if intel {
                c.args(["-M", "intel"]);
            }
            let od = c
                .arg(format!("--start-address={first:#x}"))
                .arg(format!("--stop-address={:#x}", last + 1))
                .arg(dir.join("cwork"))
                .output()
                .unwrap();
            let theirs: Vec<(u64, String)> = String::from_utf8_lossy(&od.stdout)
                .lines()
                .filter_map(|l| {
                    let (a, t) = l.trim_start().split_once(":\t")?;
                    Some((u64::from_str_radix(a, 16).ok()?, t.trim_end().to_string()))
                })
                .collect();
            assert_eq!(
                ours.iter()
                    .map(|(a, i)| (*a, mnemonic(i)))
                    .collect::<Vec<_>>(),
                theirs
                    .iter()
                    .map(|(a, i)| (*a, mnemonic(i)))
                    .collect::<Vec<_>>(),
                "intel: {intel}\n{r}"
            );
            sampled += r
                .lines()
                .filter(|l| l.contains(": ") && l.split_whitespace().next() != Some("."))
                .count();
        }
        assert!(sampled > 3, "no samples on instructions:\n{text}");
    }
}

/// The committed `perf record` file (see
/// crates/perf/tests/fixtures/make-fixture.sh) loads as a source and, once
/// symbolized from the committed binary, `-top` gives each of the binary's
/// functions the sample count `perf report --stdio` gave it (saved beside
/// it when the file was made).
#[test]
fn perf_data_counts_match_perf_report() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../perf/tests/fixtures");
    let report = std::fs::read_to_string(fixtures.join("cwork.perf-report.txt")).unwrap();
    // `    38.86%           157  [.] hash_block`
    let theirs: BTreeMap<String, String> = report
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 4 && f[2] == "[.]").then(|| (f[3].to_string(), f[1].to_string()))
        })
        .collect();
    let out = bin()
        .args([
            "-top",
            "-noinlines",
            "-sample_index=samples",
            "-nodecount=100",
        ])
        .arg(fixtures.join("cwork.perf.data"))
        .env("PPROF_BINARY_PATH", &fixtures)
        .env("HOME", std::env::temp_dir())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = rows(&stdout(&out));
    assert!(
        stdout(&out).contains("Total samples = 404"),
        "{}",
        stdout(&out)
    );
    let mut checked = 0;
    for f in [
        "hash_block",
        "matmul",
        "cmp_u32",
        "fib",
        "sieve",
        "phase_sort",
    ] {
        let want = theirs
            .get(f)
            .unwrap_or_else(|| panic!("{f} not in perf's report"));
        let got = ours
            .get(f)
            .unwrap_or_else(|| panic!("{f} not in ours:\n{}", stdout(&out)));
        assert_eq!(&got[0], want, "flat samples of {f}");
        checked += 1;
    }
    assert_eq!(checked, 6);
}

/// The instruction rows of a `-weblist` page: (address, flat, cum, the
/// `file:line` after it).
fn weblist_instructions(page: &str) -> Vec<(u64, String, String, String)> {
    let row = regex::Regex::new(
        r"(?m)^ {10}\s*(\S+)\s+(\S+)\s+([0-9a-f]+): .*?<span class=unimportant>([^<]*)</span>$",
    )
    .unwrap();
    // The first instruction follows its source line on the same line.
    let page = page.replace("<span class=asm>", "\n");
    row.captures_iter(&page)
        .map(|c| {
            (
                u64::from_str_radix(&c[3], 16).unwrap(),
                c[1].to_string(),
                c[2].to_string(),
                c[4].to_string(),
            )
        })
        .collect()
}

/// The source lines of a `-weblist` page: line number → its escaped text.
fn weblist_sources(page: &str) -> BTreeMap<u64, String> {
    let line = regex::Regex::new(
        r"<span class=line> +(\d+)</span> <span class=(?:nop|deadsrc|livesrc)>  .{10} .{10} {8}  (.*?) </span>",
    )
    .unwrap();
    line.captures_iter(page)
        .map(|c| (c[1].parse().unwrap(), c[2].to_string()))
        .collect()
}

/// A `-weblist` page of the C fixture (for the Chromium check), if the
/// fixture can be built.
pub(crate) fn weblist_page() -> Option<PathBuf> {
    let dir = c_fixture()?;
    let mut o = bin();
    o.args([
        "-weblist=hash_block",
        "-symbolize=local",
        "-output=cwork-weblist.html",
    ])
    .args(["./cwork", "cwork.prof"]);
    let out = in_dir(o, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    Some(dir.join("cwork-weblist.html"))
}

/// `-weblist=RE -output=FILE` writes pprof's page: the legend, the source
/// text (escaped alike) and the samples of every instruction are those of
/// `go tool pprof` (Go 1.27.3) on the same profile; each instruction's
/// `file:line` is the innermost position `addr2line -i` gives, and
/// instructions inlined from another function follow that function's
/// source line.
#[test]
fn weblist_matches_go_tool_pprof() {
    let Some(dir) = c_fixture() else { return };
    let Some(addr2line) = pprof_testkit::client("addr2line", "binutils' addr2line checks -weblist")
    else {
        return;
    };
    let Some(go) = pprof_testkit::go127("go tool pprof writes the same -weblist page") else {
        return;
    };
    let re = r"-weblist=hash_block|\bsieve\b";
    let mut o = bin();
    o.args([
        re,
        "-symbolize=local",
        "-output=ours.html",
        "./cwork",
        "cwork.prof",
    ]);
    let out = in_dir(o, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "Generating report in ours.html\n");
    let mut g = Command::new(&go);
    // Go 1.27 builds `go tool pprof` on first use: keep the user's cache.
    if let Some(cache) = std::env::var_os("GOCACHE").or_else(|| {
        std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/go-build").into_os_string())
    }) {
        g.env("GOCACHE", cache);
    }
    g.args([
        "tool",
        "pprof",
        re,
        "-symbolize=local",
        "-output=theirs.html",
        "./cwork",
        "cwork.prof",
    ]);
    let out = in_dir(g, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let ours = std::fs::read_to_string(dir.join("ours.html")).unwrap();
    let theirs = std::fs::read_to_string(dir.join("theirs.html")).unwrap();

    // The page: pprof's legend and one <pre> per function.
    let legend = |p: &str| {
        p[p.find("<div class=\"legend\">").unwrap()..]
            .split("</div>")
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(legend(&ours), legend(&theirs));
    assert!(ours.starts_with("<!DOCTYPE html>\n<html>\n<head>\n  <meta charset=\"utf-8\">\n  <title>cwork cpu</title>\n"), "{ours}");
    let functions = ours.matches("<h2>").count();
    assert!(functions >= 2, "{ours}");
    assert_eq!(
        ours.matches("<pre onClick=\"pprof_toggle_asm(event)\">\n  Total: ")
            .count(),
        functions
    );
    assert_eq!(
        ours.matches("<span class=livesrc>").count(),
        ours.matches("</span><span class=asm>").count()
    );

    // Source text, escaped as html/template escapes it (`&lt;`, `&#43;`).
    let (s_ours, s_theirs) = (weblist_sources(&ours), weblist_sources(&theirs));
    let mut shared = 0;
    for (n, text) in &s_ours {
        if let Some(t) = s_theirs.get(n) {
            assert_eq!(text, t, "line {n}");
            shared += 1;
        }
    }
    assert!(shared > 20, "{shared} lines in common\n{ours}");
    assert!(ours.contains("i &lt; n; i&#43;&#43;"), "{ours}");

    // Samples per instruction: the same addresses with the same values.
    let (i_ours, i_theirs) = (weblist_instructions(&ours), weblist_instructions(&theirs));
    let sampled = |rows: &[(u64, String, String, String)]| -> BTreeMap<u64, (String, String)> {
        rows.iter()
            .filter(|r| r.2 != ".")
            .map(|r| (r.0, (r.1.clone(), r.2.clone())))
            .collect()
    };
    assert!(sampled(&i_theirs).len() > 5, "{theirs}");
    assert_eq!(sampled(&i_ours), sampled(&i_theirs));

    // Positions: addr2line's innermost frame of every instruction.
    let addrs: Vec<u64> = i_ours.iter().map(|r| r.0).collect();
    let a2l = Command::new(addr2line)
        .args(["-a", "-i", "-e"])
        .arg(dir.join("cwork"))
        .args(addrs.iter().map(|a| format!("{a:#x}")))
        .output()
        .unwrap();
    let mut innermost = BTreeMap::new();
    let mut current = None;
    for l in String::from_utf8_lossy(&a2l.stdout).lines() {
        if let Some(hex) = l.strip_prefix("0x") {
            current = Some(u64::from_str_radix(hex, 16).unwrap());
        } else if let Some(a) = current.take() {
            let pos = l.split(" (discriminator").next().unwrap();
            let base = pos.rsplit('/').next().unwrap().to_string();
            innermost.insert(a, base);
        }
    }
    for (a, _, _, at) in &i_ours {
        let want = &innermost[a];
        if want.ends_with(":0") || want.starts_with("??") {
            continue;
        }
        assert_eq!(at, want, "position of {a:#x}");
    }
    // mix32, inlined into hash_block's loop, is shown under line 24.
    let line24 = &ours[ours.find("<span class=line>     24</span>").unwrap()..];
    let line24 = &line24[..line24.find("</span>\n<span class=line>").unwrap()];
    assert!(
        line24.contains("<span class=inlinesrc>        k *= 0xcc9e2d51u;")
            && line24.contains("cwork.c:16</span>"),
        "{line24}"
    );
}

/// The web UI on the C fixture (its binary found at the path the profile
/// records): the source view has each sampled line's instructions, as
/// pprof's weblist; the disassembly view is `-disasm`'s text.
#[test]
fn web_source_and_disasm_views_read_the_binary() {
    let Some(dir) = c_fixture() else { return };
    // The binary by its absolute path: the profile records that path.
    let mut o = bin();
    o.args(["-proto", "-symbolize=local"])
        .arg(dir.join("cwork"))
        .arg("cwork.prof");
    let out = in_dir(o, &dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let p = pprof_tools::model::decode(&out.stdout).unwrap();
    let ui = pprof_tools::web::WebUi::new(p, pprof_tools::driver::Settings::default())
        .with_settings_file(None);
    let page = |path: &str| {
        let r = ui.respond(path);
        assert_eq!(r.status, 200, "{path}");
        String::from_utf8(r.body).unwrap()
    };
    let source = page("/ui/source?f=hash_block");
    assert!(source.contains("<h2>hash_block</h2>"), "{source}");
    let line24 = &source[source
        .find("<span class=line>     24</span>")
        .expect("line 24")..];
    let line24 = &line24[..line24.find("</span>\n<span class=line>").unwrap()];
    assert!(line24.contains("<span class=asm>"), "{line24}");
    assert!(line24.contains("cwork.c:16</span>"), "{line24}");
    let api = page("/ui/api/source?f=hash_block");
    assert!(api.matches("\"address\":").count() > 5, "{api}");
    let dis = page("/ui/disasm?f=hash_block");
    assert!(
        dis.contains("ROUTINE ======================== hash_block"),
        "{dis}"
    );
}
