//! Text legacy formats: heapz/growthz/fragmentationz, Go count profiles,
//! threadz and contentionz (C++ and Go `--- mutex:` / `--- contention:`).

use std::sync::LazyLock;

use pprof_model::gofmt::int64;
use regex::Regex;

use crate::build::{vt, LocIndex, RProfile, RSample};
use crate::error::{Error, Result};
use crate::scan::{is_space_or_comment, parse_hex_addresses, parse_int, parse_uint, trim, Scanner};

/// A regexp of this crate's fixed patterns (`None` cannot happen).
pub(crate) fn re(pattern: &str) -> Option<Regex> {
    Regex::new(pattern).ok()
}

static COUNT_START: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^([^\t\n\x0C\r ]+) profile: total [0-9]+$"));
#[cfg(test)]
static COUNT_RECORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"^([0-9]+) @((?: 0x[0-9a-f]+)+)$"));
static HEAP_HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(
        r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] *@ *(heap[_a-z0-9]*)/?([0-9]*)",
    )
});
static HEAP_SAMPLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"(-?[0-9]+): *(-?[0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @([ x0-9a-f]*)"));
static CONTENTION_SAMPLE: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"([0-9]+) *([0-9]+) @([ x0-9a-f]*)"));
static GROWTH_HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ growthz?")
});
static FRAGMENTATION_HEADER: LazyLock<Option<Regex>> = LazyLock::new(|| {
    re(r"heap profile: *([0-9]+): *([0-9]+) *\[ *([0-9]+): *([0-9]+) *\] @ fragmentationz?")
});
static THREADZ_START: LazyLock<Option<Regex>> = LazyLock::new(|| re(r"--- threadz [0-9]+ ---"));
static THREAD_START: LazyLock<Option<Regex>> =
    LazyLock::new(|| re(r"--- Thread ([[:xdigit:]]+) \(name: (.*)/([0-9]+)\) stack: ---"));

fn matches(r: &LazyLock<Option<Regex>>, s: &str) -> bool {
    r.as_ref().is_some_and(|r| r.is_match(s))
}

/// The capture groups of `r` in `s`, empty for groups that did not match.
pub(crate) fn captures<'t>(r: &LazyLock<Option<Regex>>, s: &'t str) -> Option<Vec<&'t str>> {
    let c = r.as_ref()?.captures(s)?;
    Some(
        c.iter()
            .map(|m| m.map(|m| m.as_str()).unwrap_or(""))
            .collect(),
    )
}

/// pprof's `isMemoryMapSentinel`.
pub(crate) fn is_memory_map_sentinel(line: &str) -> bool {
    line.contains("--- Memory map: ---") || line.contains("MAPPED_LIBRARIES:")
}

/// pprof's `parseAdditionalSections`: skips to the memory map and reads it.
fn parse_additional_sections(s: &mut Scanner<'_>, p: &mut RProfile) -> Result<()> {
    while !is_memory_map_sentinel(s.text()) && s.scan() {}
    s.err()?;
    p.parse_memory_map(s)
}

/// A scanner of `data` standing on its first line; `Error::Unrecognized`
/// when there is none (or the scanner's error when reading it failed).
fn scan_first_line(data: &str) -> Result<Scanner<'_>> {
    let mut s = Scanner::new(data);
    if !s.scan() {
        s.err()?;
        return Err(Error::Unrecognized);
    }
    Ok(s)
}

/// Adds a sample whose stack is `addrs`, leaf first: return addresses,
/// each looked up one byte back (inside its call instruction), as pprof's
/// text readers do.
fn push_sample(
    p: &mut RProfile,
    locs: &mut LocIndex,
    addrs: Vec<u64>,
    values: Vec<i64>,
    bytes: Option<i64>,
) {
    let sloc = addrs
        .into_iter()
        .map(|a| locs.get_or_add(p, a.wrapping_sub(1)))
        .collect();
    p.samples.push(RSample {
        locs: sloc,
        values,
        bytes,
    });
}

fn malformed(line: &str, e: impl std::fmt::Display) -> Error {
    Error::BadRecord(format!("malformed sample: {line}: {e}"))
}

/// `^([0-9]+) @((?: 0x[0-9a-f]+)+)$`, by hand.
fn count_record(line: &str) -> Option<(&str, &str)> {
    let (count, rest) = unsigned_digits(line)?;
    let stacks = rest.strip_prefix(" @")?;
    let mut r = stacks;
    if r.is_empty() {
        return None;
    }
    while !r.is_empty() {
        r = r.strip_prefix(" 0x")?;
        let (h, rest) = take_while(r, |c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c));
        if h.is_empty() {
            return None;
        }
        r = rest;
    }
    Some((count, stacks))
}

/// Go count profiles: `goroutine profile: total N`, `threadcreate profile: total N`.
pub(crate) fn parse_go_count(data: &str) -> Result<RProfile> {
    let mut s = Scanner::new(data);
    while s.scan() && is_space_or_comment(s.text()) {}
    s.err()?;
    let Some(m) = captures(&COUNT_START, s.text()) else {
        return Err(Error::Unrecognized);
    };
    let ptype = m[1].to_string();
    let mut p = RProfile {
        period_type: vt(&ptype, "count"),
        period: 1,
        sample_types: vec![vt(&ptype, "count")],
        ..Default::default()
    };
    let mut locs = LocIndex::default();
    while s.scan() {
        let line = s.text();
        if is_space_or_comment(line) {
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        let (count, stacks) = count_record(line).ok_or(Error::Malformed)?;
        let n = parse_int(count, 0).ok_or(Error::Malformed)?;
        let addrs = stacks
            .split_whitespace()
            .map(|stk| parse_uint(stk, 0).ok_or(Error::Malformed))
            .collect::<Result<Vec<_>>>()?;
        push_sample(&mut p, &mut locs, addrs, vec![n], None);
    }
    s.err()?;
    parse_additional_sections(&mut s, &mut p)?;
    Ok(p)
}

/// Which text heap variant a header names.
enum Sampling {
    None,
    V2,
}

fn parse_heap_header(line: &str) -> Result<(Sampling, i64, bool)> {
    let h = captures(&HEAP_HEADER, line).ok_or(Error::Unrecognized)?;
    let mut period = 0i64;
    if !h[6].is_empty() {
        period = parse_int(h[6], 10).ok_or(Error::Unrecognized)?;
    }
    let has_alloc = (h[3] != h[1] && h[3] != "0") || (h[4] != h[2] && h[4] != "0");
    match h[5] {
        "heapz_v2" | "heap_v2" => Ok((Sampling::V2, period, has_alloc)),
        "heapprofile" => Ok((Sampling::None, 1, has_alloc)),
        "heap" => Ok((Sampling::V2, period / 2, has_alloc)),
        _ => Err(Error::Unrecognized),
    }
}

/// pprof's `scaleHeapSample`: divides by the probability 1-exp(-S/R) that an
/// allocation of average size S was sampled at rate R.
pub(crate) fn scale_heap_sample(count: i64, size: i64, rate: i64) -> (i64, i64) {
    if count == 0 || size == 0 {
        return (0, 0);
    }
    if rate <= 1 {
        return (count, size);
    }
    let avg = size as f64 / count as f64;
    let scale = 1.0 / (1.0 - (-avg / rate as f64).exp());
    (int64(count as f64 * scale), int64(size as f64 * scale))
}

/// Splits `s` after its leading run of bytes satisfying `f`.
fn take_while(s: &str, f: impl Fn(u8) -> bool) -> (&str, &str) {
    let n = s.bytes().take_while(|&c| f(c)).count();
    s.split_at(n)
}

fn skip_spaces(s: &str) -> &str {
    s.trim_start_matches(' ')
}

/// Number with optional leading `-` (`-?\d+`).
fn signed_digits(s: &str) -> Option<(&str, &str)> {
    let neg = usize::from(s.starts_with('-'));
    let (d, _) = take_while(&s[neg..], |c| c.is_ascii_digit());
    if d.is_empty() {
        return None;
    }
    Some(s.split_at(neg + d.len()))
}

fn unsigned_digits(s: &str) -> Option<(&str, &str)> {
    let (d, rest) = take_while(s, |c| c.is_ascii_digit());
    (!d.is_empty()).then_some((d, rest))
}

/// The heap record regexp matched at the start of `line`, written out by
/// hand for speed. When it matches at offset 0 that is the leftmost match,
/// and every quantifier is greedy without useful backtracking, so the
/// groups equal the regexp's. `None` means "ask the regexp".
fn heap_sample_fast(line: &str) -> Option<[&str; 6]> {
    let (g1, r) = signed_digits(line)?;
    let r = skip_spaces(r.strip_prefix(':')?);
    let (g2, r) = signed_digits(r)?;
    let r = skip_spaces(skip_spaces(r).strip_prefix('[')?);
    let (g3, r) = unsigned_digits(r)?;
    let r = skip_spaces(r.strip_prefix(':')?);
    let (g4, r) = unsigned_digits(r)?;
    let r = skip_spaces(r).strip_prefix("] @")?;
    let (g5, _) = take_while(r, |c| {
        c == b' ' || c == b'x' || c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
    });
    Some([line, g1, g2, g3, g4, g5])
}

fn parse_heap_sample(
    line: &str,
    rate: i64,
    sampling: &Sampling,
    include_alloc: bool,
) -> Result<(Vec<i64>, i64, Vec<u64>)> {
    let d = match heap_sample_fast(line) {
        Some(d) => Some(d.to_vec()),
        None => captures(&HEAP_SAMPLE, line),
    };
    let Some(d) = d else {
        return Err(Error::BadRecord(
            "unexpected number of sample values: got 0, want 6".into(),
        ));
    };
    let mut values = Vec::with_capacity(4);
    let mut blocksize = 0i64;
    let mut add = |count: &str, size: &str, label: &str| -> Result<()> {
        let count = parse_int(count, 10).ok_or_else(|| malformed(line, "invalid syntax"))?;
        let size = parse_int(size, 10).ok_or_else(|| malformed(line, "invalid syntax"))?;
        if count == 0 && size != 0 {
            return Err(Error::BadRecord(format!(
                "{label} count was 0 but {label} bytes was {size}"
            )));
        }
        let (mut c, mut s) = (count, size);
        if count != 0 {
            blocksize = size.wrapping_div(count);
            if matches!(sampling, Sampling::V2) {
                (c, s) = scale_heap_sample(count, size, rate);
            }
        }
        values.push(c);
        values.push(s);
        Ok(())
    };
    if include_alloc {
        add(d[3], d[4], "allocation")?;
    }
    add(d[1], d[2], "inuse")?;
    let addrs = parse_hex_addresses(d[5]).map_err(|e| malformed(line, e))?;
    Ok((values, blocksize, addrs))
}

/// heapz (v1/v2, Go `heap/N`), growthz and fragmentationz text profiles.
pub(crate) fn parse_heap(data: &str) -> Result<RProfile> {
    let mut s = scan_first_line(data)?;
    let line = s.text();
    let mut p = RProfile {
        period_type: vt("space", "bytes"),
        ..Default::default()
    };
    let mut sampling = Sampling::None;
    let mut has_alloc = false;
    if matches(&HEAP_HEADER, line) {
        let (smp, period, alloc) = parse_heap_header(line)?;
        sampling = smp;
        p.period = period;
        has_alloc = alloc;
    } else if matches(&GROWTH_HEADER, line) || matches(&FRAGMENTATION_HEADER, line) {
        p.period = 1;
    } else {
        return Err(Error::Unrecognized);
    }
    p.sample_types = if has_alloc {
        vec![
            vt("alloc_objects", "count"),
            vt("alloc_space", "bytes"),
            vt("inuse_objects", "count"),
            vt("inuse_space", "bytes"),
        ]
    } else {
        vec![vt("objects", "count"), vt("space", "bytes")]
    };
    let mut locs = LocIndex::default();
    while s.scan() {
        let line = trim(s.text());
        if is_space_or_comment(line) {
            continue;
        }
        if is_memory_map_sentinel(line) {
            break;
        }
        let (values, blocksize, addrs) = parse_heap_sample(line, p.period, &sampling, has_alloc)?;
        push_sample(&mut p, &mut locs, addrs, values, Some(blocksize));
    }
    s.err()?;
    parse_additional_sections(&mut s, &mut p)?;
    Ok(p)
}

/// pprof's `cleanupDuplicateLocations`: drops a second frame that repeats
/// the leaf address adjusted by -1.
pub(crate) fn cleanup_duplicate_locations(p: &mut RProfile) {
    let RProfile { samples, locs, .. } = p;
    for s in samples {
        if s.locs.len() > 1 {
            let a0 = locs.get(s.locs[0]).map(|l| l.address);
            let a1 = locs.get(s.locs[1]).map(|l| l.address);
            if let (Some(a0), Some(a1)) = (a0, a1) {
                if a0 == a1.wrapping_add(1) {
                    s.locs.remove(1);
                }
            }
        }
    }
}

fn parse_thread_sample<'a>(s: &mut Scanner<'a>) -> Result<(&'a str, Vec<u64>)> {
    let mut line = "";
    let mut same_as_previous = false;
    let mut addrs = Vec::new();
    while s.scan() {
        line = trim(s.text());
        if line.is_empty() {
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        if line.contains("same as previous thread") {
            same_as_previous = true;
            continue;
        }
        let cur = parse_hex_addresses(line).map_err(|e| malformed(line, e))?;
        addrs.extend(cur);
    }
    s.err()?;
    if same_as_previous {
        return Ok((line, Vec::new()));
    }
    Ok((line, addrs))
}

/// threadz profiles (`--- threadz N ---` or `--- Thread ... stack: ---`).
pub(crate) fn parse_thread(data: &str) -> Result<RProfile> {
    let mut s = Scanner::new(data);
    while s.scan() && is_space_or_comment(s.text()) {}
    let mut line = s.text();
    if matches(&THREADZ_START, line) {
        while s.scan() {
            line = s.text();
            if is_memory_map_sentinel(line) || line.starts_with('-') {
                break;
            }
        }
    } else if !matches(&THREAD_START, line) {
        return Err(Error::Unrecognized);
    }
    let mut p = RProfile {
        sample_types: vec![vt("thread", "count")],
        period_type: vt("thread", "count"),
        period: 1,
        ..Default::default()
    };
    let mut locs = LocIndex::default();
    while !is_memory_map_sentinel(line) {
        if line.starts_with("---- no stack trace for") {
            break;
        }
        if !matches(&THREAD_START, line) {
            return Err(Error::Unrecognized);
        }
        let (next, addrs) = parse_thread_sample(&mut s)?;
        line = next;
        if addrs.is_empty() {
            if let Some(last) = p.samples.last_mut() {
                if let Some(v) = last.values.first_mut() {
                    *v = v.wrapping_add(1);
                }
            }
            continue;
        }
        let sloc = addrs
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let a = if i > 0 { a.wrapping_sub(1) } else { a };
                locs.get_or_add(&mut p, a)
            })
            .collect();
        p.samples.push(RSample {
            locs: sloc,
            values: vec![1],
            bytes: None,
        });
    }
    parse_additional_sections(&mut s, &mut p)?;
    cleanup_duplicate_locations(&mut p);
    Ok(p)
}

fn parse_contention_sample(line: &str, period: i64, cpu_hz: i64) -> Result<(Vec<i64>, Vec<u64>)> {
    let d = captures(&CONTENTION_SAMPLE, line).ok_or(Error::Unrecognized)?;
    let mut v1 = parse_int(d[1], 10).ok_or_else(|| malformed(line, "value out of range"))?;
    let mut v2 = parse_int(d[2], 10).ok_or_else(|| malformed(line, "value out of range"))?;
    if period > 0 {
        if cpu_hz > 0 {
            let cpu_ghz = cpu_hz as f64 / 1e9;
            v1 = int64(v1 as f64 * period as f64 / cpu_ghz);
        }
        v2 = v2.wrapping_mul(period);
    }
    let addrs = parse_hex_addresses(d[3]).map_err(|e| malformed(line, e))?;
    Ok((vec![v2, v1], addrs))
}

/// contentionz profiles: C++ `--- contentionz `, Go `--- mutex:` and `--- contention:`.
pub(crate) fn parse_contention(data: &str) -> Result<RProfile> {
    let mut s = scan_first_line(data)?;
    let first = s.text();
    if !(first.starts_with("--- contentionz ")
        || first.starts_with("--- mutex:")
        || first.starts_with("--- contention:"))
    {
        return Err(Error::Unrecognized);
    }
    let mut p = RProfile {
        period_type: vt("contentions", "count"),
        period: 1,
        sample_types: vec![vt("contentions", "count"), vt("delay", "nanoseconds")],
        ..Default::default()
    };
    let mut cpu_hz = 0i64;
    while s.scan() {
        let line = trim(s.text());
        if is_space_or_comment(line) {
            continue;
        }
        if line.starts_with("---") {
            break;
        }
        let Some((key, val)) = line.split_once('=') else {
            break;
        };
        let (key, val) = (trim(key), trim(val));
        match key {
            "cycles/second" => cpu_hz = parse_int(val, 0).ok_or(Error::Unrecognized)?,
            "sampling period" => p.period = parse_int(val, 0).ok_or(Error::Unrecognized)?,
            "ms since reset" => {
                let ms = parse_int(val, 0).ok_or(Error::Unrecognized)?;
                p.duration_nanos = ms.wrapping_mul(1_000_000);
            }
            "discarded samples" => {}
            _ => return Err(Error::Unrecognized),
        }
    }
    s.err()?;
    let mut locs = LocIndex::default();
    loop {
        let line = trim(s.text());
        if line.starts_with("---") {
            break;
        }
        if !is_space_or_comment(line) {
            let (values, addrs) = parse_contention_sample(line, p.period, cpu_hz)?;
            push_sample(&mut p, &mut locs, addrs, values, None);
        }
        if !s.scan() {
            break;
        }
    }
    s.err()?;
    parse_additional_sections(&mut s, &mut p)?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_paths_agree_with_regexps() {
        let heap = [
            "1: 2 [3: 4] @ 0x1 0x2",
            "-1:-2 [ 3 :4] @ 0x1",
            "1:  2 [  3:   4  ] @0x1",
            "12: 34 [56: 78] @ 0xzz",
            "1: 2 [3: 4] @",
            "x 1: 2 [3: 4] @ 0x1",
            "1: 2 [-3: 4] @ 0x1",
            "-: 2 [3: 4] @ 0x1",
        ];
        for line in heap {
            let fast = heap_sample_fast(line).map(|d| d[1..].to_vec());
            let slow = captures(&HEAP_SAMPLE, line).map(|d| d[1..].to_vec());
            if let Some(fast) = fast {
                assert_eq!(Some(fast), slow, "{line}");
            }
        }
        let count = [
            "1 @ 0x1 0x2",
            "1 @",
            "1 @ 0x",
            "01 @ 0xab",
            "1 @ 0x1 ",
            "1 @  0x1",
            "1 @ 0xA",
        ];
        for line in count {
            let fast = count_record(line).map(|(a, b)| vec![a, b]);
            let slow = captures(&COUNT_RECORD, line).map(|d| d[1..].to_vec());
            assert_eq!(fast, slow, "{line}");
        }
    }

    #[test]
    fn heap_scaling_formula() {
        // avg size equal to the rate: scale = 1/(1-e^-1)
        let (c, s) = scale_heap_sample(1, 1024, 1024);
        let scale = 1.0 / (1.0 - (-1.0f64).exp());
        assert_eq!(c, scale as i64);
        assert_eq!(s, (1024.0 * scale) as i64);
        assert_eq!(scale_heap_sample(0, 5, 10), (0, 0));
        assert_eq!(scale_heap_sample(3, 5, 1), (3, 5));
    }

    #[test]
    fn count_profile_octal_and_malformed() {
        let p = parse_go_count("goroutine profile: total 8\n010 @ 0x11\n").unwrap();
        assert_eq!(p.samples[0].values, vec![8]);
        assert_eq!(p.locs[0].address, 0x10);
        assert_eq!(
            parse_go_count("goroutine profile: total 1\n09 @ 0x1\n").unwrap_err(),
            Error::Malformed
        );
    }

    #[test]
    fn contention_without_trailing_newline_rereads_last_attribute() {
        // Go's scanner keeps the last line as the current token at EOF when
        // there is no final newline, so the attribute is re-read as a sample.
        assert_eq!(
            parse_contention("--- mutex:\ncycles/second=100").unwrap_err(),
            Error::Unrecognized
        );
        assert!(parse_contention("--- mutex:\ncycles/second=100\n").is_ok());
    }
}
