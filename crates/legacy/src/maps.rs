//! Memory map sections (`/proc/self/maps` and the brief legacy forms) that
//! follow the samples of many legacy profiles.

use std::sync::LazyLock;

use regex::Regex;

use crate::build::RMap;
use crate::scan::{parse_uint, replace_all, Scanner};

// Go's `\s` is ASCII-only: [\t\n\f\r ].
macro_rules! sp {
    () => {
        r"[\t\n\x0C\r ]"
    };
}
macro_rules! nsp {
    () => {
        r"[^\t\n\x0C\r ]"
    };
}
macro_rules! hex_range {
    () => {
        concat!(
            sp!(),
            r"*(?:0x)?([[:xdigit:]]+)(?:",
            sp!(),
            r"|-)?",
            sp!(),
            r"*(?:0x)?([[:xdigit:]]+):?"
        )
    };
}
macro_rules! perm {
    () => {
        concat!(r"(?:", sp!(), r"+([-rwxp]+))?")
    };
}
/// pprof's `cSpaceHex`: an optional hex number after white space, captured.
macro_rules! space_hex {
    () => {
        concat!(r"(?:", sp!(), r"+([[:xdigit:]]+))?")
    };
}
/// pprof's `cSpaceString`: an optional word after white space, captured.
macro_rules! space_string {
    () => {
        concat!(r"(?:", sp!(), "+(", nsp!(), r"+))?")
    };
}

static PROC_MAPS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        "^",
        hex_range!(),
        perm!(),
        space_hex!(),
        sp!(),
        r"+[[:xdigit:]]+:[[:xdigit:]]+",
        sp!(),
        r"+[0-9]+",
        space_string!()
    ))
    .ok()
});

static BRIEF_MAPS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(concat!(
        "^",
        hex_range!(),
        perm!(),
        space_string!(),
        r"(?:",
        sp!(),
        r"+\(@([[:xdigit:]]+)\))?",
        space_hex!()
    ))
    .ok()
});

/// glog prefix: `^[^\[\]]+:[0-9]+]\s`
fn remove_logging_info(line: &str) -> &str {
    let b = line.as_bytes();
    // The prefix cannot contain brackets, so the first ']' ends it.
    let Some(close) = b.iter().position(|&c| c == b']' || c == b'[') else {
        return line;
    };
    if b[close] != b']' {
        return line;
    }
    // Before ']': at least one non-bracket char, ':', then digits.
    let head = &b[..close];
    let digits = head.iter().rev().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || head.len() < digits + 2 || head[head.len() - digits - 1] != b':' {
        return line;
    }
    match b.get(close + 1) {
        Some(b'\t' | b'\n' | b'\x0C' | b'\r' | b' ') => &line[close + 2..],
        _ => line,
    }
}

enum Entry {
    Mapping(RMap),
    Skip,
    Unrecognized,
}

fn g<'t>(c: &regex::Captures<'t>, i: usize) -> &'t str {
    c.get(i).map(|m| m.as_str()).unwrap_or("")
}

fn parse_mapping_entry(line: &str) -> Entry {
    let (start, end, perm, file, offset, build_id);
    let proc_caps = PROC_MAPS.as_ref().and_then(|r| r.captures(line));
    if let Some(c) = proc_caps {
        start = g(&c, 1).to_string();
        end = g(&c, 2).to_string();
        perm = g(&c, 3).to_string();
        offset = g(&c, 4).to_string();
        file = g(&c, 5).to_string();
        build_id = String::new();
    } else if let Some(c) = BRIEF_MAPS.as_ref().and_then(|r| r.captures(line)) {
        start = g(&c, 1).to_string();
        end = g(&c, 2).to_string();
        perm = g(&c, 3).to_string();
        file = g(&c, 4).to_string();
        offset = g(&c, 5).to_string();
        build_id = g(&c, 6).to_string();
    } else {
        return Entry::Unrecognized;
    }
    if !perm.is_empty() && !perm.contains('x') {
        return Entry::Skip;
    }
    let (Some(start), Some(limit)) = (parse_uint(&start, 16), parse_uint(&end, 16)) else {
        return Entry::Unrecognized;
    };
    let offset = if offset.is_empty() {
        0
    } else {
        match parse_uint(&offset, 16) {
            Some(o) => o,
            None => return Entry::Unrecognized,
        }
    };
    Entry::Mapping(RMap {
        start,
        limit,
        offset,
        file,
        build_id,
    })
}

/// pprof's `parseProcMapsFromScanner`: reads mappings from the remaining
/// lines, expanding `$attr` references defined by `attr=value` lines.
pub(crate) fn parse_proc_maps(s: &mut Scanner<'_>) -> crate::Result<Vec<RMap>> {
    let mut out = Vec::new();
    let mut attrs: Vec<(String, String)> = Vec::new();
    while s.scan() {
        let line = replace_all(remove_logging_info(s.text()), &attrs);
        match parse_mapping_entry(&line) {
            Entry::Mapping(m) => out.push(m),
            Entry::Skip => {}
            Entry::Unrecognized => {
                if let Some((k, v)) = line.split_once('=') {
                    attrs.push((format!("${}", k.trim()), v.trim().to_string()));
                }
            }
        }
    }
    s.err()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> Option<RMap> {
        match parse_mapping_entry(line) {
            Entry::Mapping(m) => Some(m),
            _ => None,
        }
    }

    #[test]
    fn proc_maps_line() {
        let m = one("00400000-0040b000 r-xp 00001000 fc:01 787766 /bin/cat").unwrap();
        assert_eq!((m.start, m.limit, m.offset), (0x400000, 0x40b000, 0x1000));
        assert_eq!(m.file, "/bin/cat");
        assert!(matches!(
            parse_mapping_entry("00400000-0040b000 r--p 00001000 fc:01 787766 /bin/cat"),
            Entry::Skip
        ));
    }

    #[test]
    fn brief_line() {
        let m = one("0x40000-0x80000 /path/to/binary (@FF00) abc123").unwrap();
        assert_eq!((m.start, m.limit, m.offset), (0x40000, 0x80000, 0xff00));
        assert_eq!(m.file, "/path/to/binary");
        assert_eq!(m.build_id, "abc123");
    }

    #[test]
    fn logging_prefix() {
        assert_eq!(remove_logging_info("I0101 x.cc:12] rest"), "rest");
        assert_eq!(remove_logging_info("a:b] rest"), "a:b] rest");
        assert_eq!(remove_logging_info("plain"), "plain");
    }

    #[test]
    fn attributes_expand() {
        let mut s = Scanner::new("path=/opt/bin\n0x1000-0x2000 $path/prog\n");
        let maps = parse_proc_maps(&mut s).unwrap();
        assert_eq!(maps.len(), 1);
        assert_eq!(maps[0].file, "/opt/bin/prog");
    }
}
