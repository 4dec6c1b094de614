//! gperftools CPU profiles (profilez): a binary header and samples in 32- or
//! 64-bit words of either byte order, followed by a text memory map; and
//! their Java variant, followed by a text symbol table.

use std::collections::HashMap;

use crate::build::{vt, LocIndex, RProfile, RSample};
use crate::error::{Error, Result};
use crate::scan::Scanner;
use crate::text::cleanup_duplicate_locations;

/// One word format of the binary profile.
#[derive(Clone, Copy, Debug)]
enum Word {
    L32,
    B32,
    L64,
    B64,
}

impl Word {
    /// Reads one word; `None` once the input is exhausted (Go's nil slice).
    fn get(self, b: Option<&[u8]>) -> (u64, Option<&[u8]>) {
        let n = match self {
            Word::L32 | Word::B32 => 4,
            Word::L64 | Word::B64 => 8,
        };
        let Some(b) = b else { return (0, None) };
        let Some(w) = b.get(..n) else {
            return (0, None);
        };
        let mut v = 0u64;
        match self {
            Word::L32 | Word::L64 => {
                for (i, &x) in w.iter().enumerate() {
                    v |= (x as u64) << (8 * i);
                }
            }
            Word::B32 | Word::B64 => {
                for &x in w {
                    v = (v << 8) | x as u64;
                }
            }
        }
        (v, b.get(n..))
    }
}

/// Whether a gperftools/Java CPU header was found, and which.
pub(crate) enum CpuKind {
    Cpp,
    Java,
}

/// Whether `b` starts with the first two words of a CPU profile header (0,
/// then 3) in any of the word formats: the only legacy format whose data
/// may start with a zero byte. Decides nothing about the rest.
pub fn starts_like_cpu_profile(b: &[u8]) -> bool {
    [Word::L32, Word::B32, Word::L64, Word::B64]
        .into_iter()
        .any(|w| {
            let (n1, t) = w.get(Some(b));
            let (n2, t) = w.get(t);
            t.is_some() && n1 == 0 && n2 == 3
        })
}

/// pprof's `parseCPU`.
pub(crate) fn parse_cpu(b: &[u8]) -> Result<(RProfile, CpuKind)> {
    for w in [Word::L32, Word::B32, Word::L64, Word::B64] {
        let (n1, t) = w.get(Some(b));
        let (n2, t) = w.get(t);
        let (n3, t) = w.get(t);
        let (n4, t) = w.get(t);
        let (n5, t) = w.get(t);
        let Some(rest) = t else { continue };
        if n1 == 0 && n2 == 3 && n4 > 0 && n5 == 0 {
            if n3 == 0 {
                return Ok((cpu_profile(rest, n4 as i64, w)?, CpuKind::Cpp));
            }
            if n3 == 1 {
                return Ok((java_cpu_profile(rest, n4 as i64, w)?, CpuKind::Java));
            }
        }
    }
    Err(Error::Unrecognized)
}

/// pprof's `parseCPUSamples`: returns the bytes after the end marker.
fn parse_cpu_samples<'a>(
    b: &'a [u8],
    w: Word,
    adjust: bool,
    p: &mut RProfile,
    locs: &mut LocIndex,
) -> Result<&'a [u8]> {
    let mut b = Some(b);
    while b.is_some_and(|b| !b.is_empty()) {
        let (count, nb) = w.get(b);
        let (nstk, nb) = w.get(nb);
        b = nb;
        let Some(rest) = b else {
            return Err(Error::Unrecognized);
        };
        if nstk > (rest.len() / 4) as u64 {
            return Err(Error::Unrecognized);
        }
        let mut addrs = Vec::with_capacity(nstk as usize);
        for _ in 0..nstk {
            let (a, nb) = w.get(b);
            b = nb;
            addrs.push(a);
        }
        if count == 0 && nstk == 1 && addrs.first() == Some(&0) {
            break;
        }
        let sloc = addrs
            .into_iter()
            .enumerate()
            .map(|(i, a)| {
                let a = if adjust && i > 0 {
                    a.wrapping_sub(1)
                } else {
                    a
                };
                locs.get_or_add(p, a)
            })
            .collect();
        let count = count as i64;
        p.samples.push(RSample {
            locs: sloc,
            values: vec![count, count.wrapping_mul(p.period)],
            bytes: None,
        });
    }
    Ok(b.unwrap_or(&[]))
}

/// An empty CPU profile: samples/count and cpu/nanoseconds, the period
/// (microseconds in the file) in nanoseconds.
fn empty_cpu_profile(period: i64) -> RProfile {
    RProfile {
        period: period.wrapping_mul(1000),
        period_type: vt("cpu", "nanoseconds"),
        sample_types: vec![vt("samples", "count"), vt("cpu", "nanoseconds")],
        ..Default::default()
    }
}

fn cpu_profile(b: &[u8], period: i64, w: Word) -> Result<RProfile> {
    let mut p = empty_cpu_profile(period);
    let mut locs = LocIndex::default();
    let rest = parse_cpu_samples(b, w, true, &mut p, &mut locs)?;

    // A second frame shared by (almost) all samples was pushed by the
    // signal handler: strip it, at most twice.
    let n = p.samples.len();
    let margin = n / 32;
    for _ in 0..2 {
        let mut counts: HashMap<u64, usize> = HashMap::new();
        for s in &p.samples {
            if let Some(&l) = s.locs.get(1) {
                if let Some(loc) = p.locs.get(l) {
                    *counts.entry(loc.address).or_default() += 1;
                }
            }
        }
        let strip = counts
            .iter()
            .find(|(_, &c)| c as i64 >= n as i64 - margin as i64)
            .map(|(&a, _)| a);
        if let Some(addr) = strip {
            let RProfile { samples, locs, .. } = &mut p;
            for s in samples.iter_mut() {
                if s.locs.len() > 1 && locs.get(s.locs[1]).map(|l| l.address) == Some(addr) {
                    s.locs.remove(1);
                }
            }
        }
    }

    let text = pprof_model::strings::from_bytes(rest);
    let mut s = Scanner::new(&text);
    p.parse_memory_map(&mut s)?;
    cleanup_duplicate_locations(&mut p);
    Ok(p)
}

fn java_cpu_profile(b: &[u8], period: i64, w: Word) -> Result<RProfile> {
    let mut p = empty_cpu_profile(period);
    let mut locs = LocIndex::default();
    let rest = parse_cpu_samples(b, w, false, &mut p, &mut locs)?;
    let text = pprof_model::strings::from_bytes(rest);
    crate::java::parse_java_locations(&text, &locs, &mut p)?;
    crate::java::aggregate_addresses(&mut p)?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words64be(ws: &[u64]) -> Vec<u8> {
        ws.iter().flat_map(|w| w.to_be_bytes()).collect()
    }

    #[test]
    fn big_endian_64() {
        let mut b = words64be(&[0, 3, 0, 10000, 0, 5, 2, 0x1000, 0x2001, 0, 1, 0]);
        b.extend_from_slice(b"00001000-00003000 r-xp 00000000 00:00 0 /bin/x\n");
        let (p, kind) = parse_cpu(&b).unwrap();
        assert!(matches!(kind, CpuKind::Cpp));
        assert_eq!(p.period, 10_000_000);
        assert_eq!(p.samples[0].values, vec![5, 50_000_000]);
        // With one sample, its second frame is "shared by all samples" and
        // is stripped as a signal-handler artifact.
        assert_eq!(p.samples[0].locs.len(), 1);
        assert_eq!(p.locs.len(), 1);
        assert_eq!(p.maps[0].file, "/bin/x");
    }

    #[test]
    fn truncated_is_unrecognized() {
        let b = words64be(&[0, 3, 0, 10000, 0, 5, 100]);
        assert_eq!(parse_cpu(&b).err(), Some(Error::Unrecognized));
        assert_eq!(parse_cpu(b"abc").err(), Some(Error::Unrecognized));
    }
}
