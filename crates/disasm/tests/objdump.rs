//! Our disassembly of the C fixture (gcc -O2 -g) has the instruction
//! addresses and mnemonics of binutils' `objdump -d`, in AT&T syntax and,
//! with `-M intel`, in Intel syntax.

use std::path::{Path, PathBuf};
use std::process::Command;

use pprof_disasm::NativeTool;
use pprof_report::asm::{ObjSymbol, ObjTool};
use regex::Regex;

/// The C fixture, compiled once per test process (tests run in parallel
/// and must not write the same binary at once).
fn fixture() -> Option<PathBuf> {
    static BIN: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    BIN.get_or_init(build_fixture).clone()
}

fn build_fixture() -> Option<PathBuf> {
    let cc = pprof_testkit::client("cc", "a C compiler builds the disassembled fixture")?;
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../symbolize/tests/fixtures");
    let dir = std::env::temp_dir().join(format!("pprof-disasm-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("cwork");
    let st = Command::new(cc)
        .args(["-O2", "-g", "-fpie", "-pie", "-o"])
        .arg(&bin)
        .arg(src.join("cwork.c"))
        .arg(src.join("sampler.c"))
        .status()
        .unwrap();
    assert!(st.success());
    Some(bin)
}

/// (address, text) of each instruction objdump prints for `start..=end`.
fn objdump(bin: &Path, start: u64, end: u64, intel: bool) -> Vec<(u64, String)> {
    let mut c = Command::new("objdump");
    c.args(["-d", "--no-show-raw-insn", "-w"]);
    if intel {
        c.args(["-M", "intel"]);
    }
    let out = c
        .arg(format!("--start-address={start:#x}"))
        .arg(format!("--stop-address={:#x}", end + 1))
        .arg(bin)
        .output()
        .unwrap();
    assert!(out.status.success());
    let line = Regex::new(r"^\s*([0-9a-f]+):\t(.*)$").unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let c = line.captures(l)?;
            Some((
                u64::from_str_radix(&c[1], 16).ok()?,
                c[2].trim_end().to_string(),
            ))
        })
        .collect()
}

fn mnemonic(text: &str) -> String {
    // Prefixes objdump and iced spell alike stay part of the mnemonic.
    let mut words = text.split_whitespace();
    let mut m = String::new();
    for w in words.by_ref() {
        if !m.is_empty() {
            m.push(' ');
        }
        m.push_str(w);
        if !matches!(
            w,
            "rep"
                | "repz"
                | "repnz"
                | "repe"
                | "repne"
                | "lock"
                | "bnd"
                | "notrack"
                | "data16"
                | "cs"
                | "ds"
        ) {
            break;
        }
    }
    m
}

#[test]
fn instructions_match_objdump() {
    if pprof_testkit::client("objdump", "binutils' objdump checks our disassembly").is_none() {
        return;
    }
    let Some(bin) = fixture() else { return };
    let tool = NativeTool::default();
    let f = tool.open(bin.to_str().unwrap(), 0, 0, 0).unwrap();
    let rx =
        Regex::new("^(hash_block|sieve|matmul|fib|cmp_u32|sort_chunk|main|phase_.*)$").unwrap();
    let syms: Vec<ObjSymbol> = f.symbols(&rx, None).unwrap();
    assert!(syms.len() >= 10, "{syms:?}");
    let (mut total, mut same_text) = (0, 0);
    for intel in [false, true] {
        for s in &syms {
            let ours = f.disasm(s.start, s.end, intel).unwrap();
            let theirs = objdump(&bin, s.start, s.end, intel);
            assert_eq!(
                ours.iter().map(|i| i.addr).collect::<Vec<_>>(),
                theirs.iter().map(|t| t.0).collect::<Vec<_>>(),
                "addresses of {} (intel: {intel})",
                s.names[0]
            );
            for (o, t) in ours.iter().zip(&theirs) {
                assert_eq!(
                    mnemonic(&o.text),
                    mnemonic(&t.1),
                    "{:#x} in {}: ours {:?}, objdump {:?}",
                    o.addr,
                    s.names[0],
                    o.text,
                    t.1
                );
                total += 1;
                if o.text == t.1 {
                    same_text += 1;
                } else {
                    println!("differs: {:?} vs {:?}", o.text, t.1);
                }
            }
            // Source positions come with the instructions.
            assert!(ours
                .iter()
                .any(|i| i.position().line > 0 && i.position().file.ends_with("cwork.c")));
        }
    }
    println!("{total} instructions: addresses and mnemonics as objdump's; {same_text} with the same text");
}

/// An address outside the mapping is an error of its own: it does not
/// spoil the addresses inside the mapping asked for after it.
#[test]
fn foreign_address_does_not_spoil_the_mapping() {
    let Some(bin) = fixture() else { return };
    let tool = NativeTool::default();
    let (start, limit, offset) = (0x5555_5555_5000, 0x5555_5555_6000, 0x1000);
    let fresh = tool
        .open(bin.to_str().unwrap(), start, limit, offset)
        .unwrap();
    let want = fresh.obj_addr(start + 0x10).unwrap();
    let f = tool
        .open(bin.to_str().unwrap(), start, limit, offset)
        .unwrap();
    assert!(f.obj_addr(0x7f00_0000_1000).is_err());
    assert_eq!(f.obj_addr(start + 0x10).unwrap(), want);
}
