//! Java heapz and contentionz text profiles, and the symbol table shared
//! with Java CPU profiles.

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::build::{vt, LocIndex, RFunc, RProfile, RSample};
use crate::error::{Error, Result};
use crate::scan::{parse_hex_addresses, parse_int, parse_uint, trim};
use crate::text::{captures, re, scale_heap_sample};

static ATTRIBUTE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"([0-9A-Za-z_ ]+)=([0-9A-Za-z_ ]+)"));
static SAMPLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r" *([0-9]+) +([0-9]+) +@ +([ x0-9a-f]*)"));
static LOCATION: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^[\t\n\x0C\r ]*0x([[:xdigit:]]+)[\t\n\x0C\r ]+(.*)[\t\n\x0C\r ]*$"));
static LOCATION_FILE_LINE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^(.*)[\t\n\x0C\r ]+\((.+):(-?[0-9]+)\)$"));
static LOCATION_PATH: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^(.*)[\t\n\x0C\r ]+\((.*)\)$"));

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum JavaKind {
    Heap,
    Contention,
}

/// pprof's `parseJavaProfile` (heapz and contentionz).
pub(crate) fn parse_java_profile(data: &str) -> Result<(RProfile, JavaKind)> {
    let Some((head, rest)) = data.split_once('\n') else {
        return Err(Error::Unrecognized);
    };
    let kind = match trim(head) {
        "--- heapz 1 ---" => JavaKind::Heap,
        "--- contentionz 1 ---" => JavaKind::Contention,
        _ => return Err(Error::Unrecognized),
    };
    let mut p = RProfile::default();
    let rest = parse_java_header(kind, rest, &mut p)?;
    let mut locs = LocIndex::default();
    let rest = parse_java_samples(kind, rest, &mut p, &mut locs)?;
    parse_java_locations(rest, &locs, &mut p)?;
    aggregate_addresses(&mut p)?;
    Ok((p, kind))
}

/// `Aggregate(true, true, true, true, false)`: forget addresses, then check.
pub(crate) fn aggregate_addresses(p: &mut RProfile) -> Result<()> {
    for l in &mut p.locs {
        l.address = 0;
    }
    p.check_valid()
}

fn parse_java_header<'a>(kind: JavaKind, mut b: &'a str, p: &mut RProfile) -> Result<&'a str> {
    while let Some(nl) = b.find('\n') {
        let line = trim(&b[..nl]);
        if !line.is_empty() {
            let Some(h) = captures(&ATTRIBUTE, line) else {
                return Ok(b);
            };
            let (attr, value) = (trim(h[1]), trim(h[2]));
            match (kind, attr) {
                (_, "format") => {
                    if value != "java" {
                        return Err(Error::Unrecognized);
                    }
                }
                (JavaKind::Heap, "resolution") => {
                    p.sample_types = vec![vt("inuse_objects", "count"), vt("inuse_space", value)];
                }
                (JavaKind::Contention, "resolution") => {
                    p.sample_types = vec![vt("contentions", "count"), vt("delay", value)];
                }
                (JavaKind::Contention, "sampling period") => {
                    p.period_type = vt("contentions", "count");
                    p.period = parse_int(value, 0).ok_or_else(|| {
                        Error::BadRecord(format!("failed to parse attribute {line}"))
                    })?;
                }
                (JavaKind::Contention, "ms since reset") => {
                    let ms = parse_int(value, 0).ok_or_else(|| {
                        Error::BadRecord(format!("failed to parse attribute {line}"))
                    })?;
                    p.duration_nanos = ms.wrapping_mul(1_000_000);
                }
                _ => return Err(Error::Unrecognized),
            }
        }
        b = &b[nl + 1..];
    }
    Ok(b)
}

fn parse_java_samples<'a>(
    kind: JavaKind,
    mut b: &'a str,
    p: &mut RProfile,
    locs: &mut LocIndex,
) -> Result<&'a str> {
    while let Some(nl) = b.find('\n') {
        let line = trim(&b[..nl]);
        if !line.is_empty() {
            let Some(d) = captures(&SAMPLE, line) else {
                return Ok(b);
            };
            let addrs = parse_hex_addresses(d[3])
                .map_err(|e| Error::BadRecord(format!("malformed sample: {line}: {e}")))?;
            let sloc: Vec<usize> = addrs.into_iter().map(|a| locs.get_or_add(p, a)).collect();
            let bad = || Error::BadRecord(format!("parsing sample {line}: invalid number"));
            let mut v0 = parse_int(d[2], 0).ok_or_else(bad)?;
            let mut v1 = parse_int(d[1], 0).ok_or_else(bad)?;
            let mut bytes = None;
            match kind {
                JavaKind::Heap => {
                    const JAVA_HEAPZ_SAMPLING_RATE: i64 = 524288;
                    if v0 == 0 {
                        return Err(Error::BadRecord(format!(
                            "parsing sample {line}: second value must be non-zero"
                        )));
                    }
                    bytes = Some(v1.wrapping_div(v0));
                    (v0, v1) = scale_heap_sample(v0, v1, JAVA_HEAPZ_SAMPLING_RATE);
                }
                JavaKind::Contention => {
                    if p.period != 0 {
                        v0 = v0.wrapping_mul(p.period);
                        v1 = v1.wrapping_mul(p.period);
                    }
                }
            }
            p.samples.push(RSample {
                locs: sloc,
                values: vec![v0, v1],
                bytes,
            });
        }
        b = &b[nl + 1..];
    }
    Ok(b)
}

/// Go's `filepath.Base` on Unix.
fn base_name(path: &str) -> &str {
    pprof_model::gofmt::path_base(path)
}

/// pprof's `parseJavaLocations`: names the locations listed in `b` by
/// address, then renumbers everything.
pub(crate) fn parse_java_locations(b: &str, locs: &LocIndex, p: &mut RProfile) -> Result<()> {
    let mut fns: HashMap<String, usize> = HashMap::new();
    for raw in b.split('\n') {
        let line = trim(raw);
        if line.is_empty() {
            continue;
        }
        let Some(j) = captures(&LOCATION, line) else {
            continue;
        };
        let addr = parse_uint(j[1], 16)
            .ok_or_else(|| Error::BadRecord(format!("parsing sample {line}: invalid address")))?;
        let Some(loc) = locs.get(addr) else {
            continue;
        };
        let mut line_no = 0i64;
        let (func, file): (&str, &str);
        if let Some(fl) = captures(&LOCATION_FILE_LINE, j[2]) {
            func = fl[1];
            file = fl[2];
            if let Some(n) = parse_int(fl[3], 10) {
                if n > 0 {
                    line_no = n;
                }
            }
        } else if let Some(fp) = captures(&LOCATION_PATH, j[2]) {
            func = fp[1];
            file = base_name(fp[2]);
        } else if j[2].contains("generated stub/JIT") {
            func = "STUB";
            file = "";
        } else {
            func = j[2];
            file = "";
        }
        let f = *fns.entry(func.to_string()).or_insert_with(|| {
            p.funcs.push(RFunc {
                name: func.to_string(),
                filename: file.to_string(),
            });
            p.funcs.len() - 1
        });
        if let Some(l) = p.locs.get_mut(loc) {
            l.lines = vec![(f, line_no)];
            l.address = 0;
        }
    }
    p.remap_all();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_names() {
        assert_eq!(base_name("/usr/lib/libjvm.so"), "libjvm.so");
        assert_eq!(base_name(""), ".");
        assert_eq!(base_name("//"), "/");
        assert_eq!(base_name("a/b/"), "b");
    }

    #[test]
    fn heap_profile() {
        let text = "--- heapz 1 ---\nformat = java\nresolution = bytes\n\
                    100 1 @ 0x1 0x2\n\
                    0x1 Foo.alloc (Foo.java:12)\n0x2 Foo.main (Foo.java:3)\n";
        let (p, kind) = parse_java_profile(text).unwrap();
        assert!(kind == JavaKind::Heap);
        assert_eq!(p.samples[0].bytes, Some(100));
        let (c, s) = scale_heap_sample(1, 100, 524288);
        assert_eq!(p.samples[0].values, vec![c, s]);
        assert_eq!(p.funcs[0].name, "Foo.alloc");
        assert_eq!(p.locs[0].lines, vec![(0, 12)]);
    }
}
