//! Encoding a [`Profile`] as profile.proto bytes.

use std::io::Write;

use crate::error::{Error, Result};
use crate::profile::Profile;
use crate::wire::{Writer, LEN};

/// A piece of a profile's encoding. The encoding of [`EncodePart::Head`],
/// then of the samples in consecutive [`EncodePart::Samples`] ranges that
/// cover them all, then of [`EncodePart::Tail`], concatenated, is exactly
/// [`encode_uncompressed`]'s output. Writers use this to encode and
/// compress a large profile in parts, on several threads, without holding
/// the whole encoding in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodePart {
    /// The sample types.
    Head,
    /// These samples, by index into [`Profile::samples`] (clamped to it).
    Samples(std::ops::Range<usize>),
    /// Everything after the samples: mappings, locations, functions,
    /// strings and the header fields.
    Tail,
}

/// Encodes `p` as uncompressed profile.proto bytes.
pub fn encode_uncompressed(p: &Profile) -> Vec<u8> {
    let mut buf = Vec::with_capacity(64 + p.samples.len() * 64);
    for part in [
        EncodePart::Head,
        EncodePart::Samples(0..p.samples.len()),
        EncodePart::Tail,
    ] {
        // Writing into a Vec cannot fail.
        let _ = write_part(p, &part, &mut buf);
    }
    buf
}

/// Writes the uncompressed encoding of `part` of `p` to `w`, in writes of
/// about 64 KiB.
///
/// ```
/// use pprof_model::{EncodePart, Profile, Sample, ValueType};
///
/// let mut p = Profile::new();
/// let (t, u) = (p.intern("samples"), p.intern("count"));
/// p.sample_types.push(ValueType { r#type: t, unit: u });
/// p.samples.push(Sample { values: vec![1], ..Default::default() });
/// p.samples.push(Sample { values: vec![2], ..Default::default() });
/// let mut bytes = Vec::new();
/// for part in [EncodePart::Head, EncodePart::Samples(0..1), EncodePart::Samples(1..2), EncodePart::Tail] {
///     pprof_model::write_part(&p, &part, &mut bytes)?;
/// }
/// assert_eq!(bytes, pprof_model::encode_uncompressed(&p));
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_part<W: Write + ?Sized>(
    p: &Profile,
    part: &EncodePart,
    w: &mut W,
) -> std::io::Result<()> {
    const FLUSH: usize = 64 << 10;
    let mut buf = Vec::new();
    match part {
        EncodePart::Head => encode_head(p, &mut buf),
        EncodePart::Samples(range) => {
            let end = range.end.min(p.samples.len());
            let start = range.start.min(end);
            buf.reserve(FLUSH + 4096);
            let mut scratch = Vec::with_capacity(256);
            let mut scratch2 = Vec::with_capacity(64);
            for s in &p.samples[start..end] {
                encode_sample(p, s, &mut buf, &mut scratch, &mut scratch2);
                if buf.len() >= FLUSH {
                    w.write_all(&buf)?;
                    buf.clear();
                }
            }
        }
        EncodePart::Tail => encode_tail(p, &mut buf),
    }
    w.write_all(&buf)
}

fn sid(id: crate::StrId) -> u64 {
    id.0 as u64
}

fn encode_head(p: &Profile, buf: &mut Vec<u8>) {
    let mut scratch = Vec::new();
    let mut w = Writer { buf };
    for st in &p.sample_types {
        w.message(1, &mut scratch, |m| {
            m.int_opt(1, sid(st.r#type));
            m.int_opt(2, sid(st.unit));
        });
    }
}

#[inline]
fn encode_sample(
    p: &Profile,
    s: &crate::Sample,
    buf: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
    scratch2: &mut Vec<u8>,
) {
    let mut w = Writer { buf };
    w.message(2, scratch, |m| {
        m.packed(1, s.locations.iter().map(|l| p.locations[l.index()].id));
        m.packed(2, s.values.iter().map(|&v| v as u64));
        for l in &s.labels {
            m.message(3, scratch2, |lm| {
                lm.int_opt(1, sid(l.key));
                lm.int_opt(2, sid(l.str));
                lm.int_opt(3, l.num as u64);
                lm.int_opt(4, sid(l.num_unit));
            });
        }
    });
}

fn encode_tail(p: &Profile, buf: &mut Vec<u8>) {
    let mut scratch = Vec::with_capacity(256);
    let mut scratch2 = Vec::with_capacity(64);
    let mut w = Writer { buf };
    for m in &p.mappings {
        w.message(3, &mut scratch, |e| {
            e.int_opt(1, m.id);
            e.int_opt(2, m.start);
            e.int_opt(3, m.limit);
            e.int_opt(4, m.offset);
            e.int_opt(5, sid(m.file));
            e.int_opt(6, sid(m.build_id));
            e.bool_opt(7, m.has_functions);
            e.bool_opt(8, m.has_filenames);
            e.bool_opt(9, m.has_line_numbers);
            e.bool_opt(10, m.has_inline_frames);
        });
    }
    for l in &p.locations {
        w.message(4, &mut scratch, |e| {
            e.int_opt(1, l.id);
            e.int_opt(2, l.mapping.map(|m| p.mappings[m.index()].id).unwrap_or(0));
            e.int_opt(3, l.address);
            for ln in &l.lines {
                e.message(4, &mut scratch2, |le| {
                    le.int_opt(1, p.functions[ln.function.index()].id);
                    le.int_opt(2, ln.line as u64);
                });
            }
            e.bool_opt(5, l.is_folded);
        });
    }
    for f in &p.functions {
        w.message(5, &mut scratch, |e| {
            e.int_opt(1, f.id);
            e.int_opt(2, sid(f.name));
            e.int_opt(3, sid(f.system_name));
            e.int_opt(4, sid(f.filename));
            e.int_opt(5, f.start_line as u64);
        });
    }
    for s in p.strings.iter() {
        w.bytes(6, s.as_bytes());
    }
    w.int_opt(7, sid(p.drop_frames));
    w.int_opt(8, sid(p.keep_frames));
    w.int_opt(9, p.time_nanos as u64);
    w.int_opt(10, p.duration_nanos as u64);
    if !p.period_type.r#type.is_empty() || !p.period_type.unit.is_empty() {
        w.message(11, &mut scratch, |e| {
            e.int_opt(1, sid(p.period_type.r#type));
            e.int_opt(2, sid(p.period_type.unit));
        });
    }
    w.int_opt(12, p.period as u64);
    w.packed(13, p.comments.iter().map(|c| sid(*c)));
    w.int_opt(14, sid(p.default_sample_type));
    let _ = LEN;
}

/// Encodes `p` as gzip-compressed profile.proto bytes (the usual `.pb.gz`).
pub fn encode(p: &Profile) -> Vec<u8> {
    let raw = encode_uncompressed(p);
    let mut out = Vec::with_capacity(raw.len() / 3 + 64);
    {
        let mut gz = flate2::write::GzEncoder::new(&mut out, flate2::Compression::new(6));
        // Writing to a Vec cannot fail.
        let _ = gz.write_all(&raw);
        let _ = gz.finish();
    }
    out
}

/// Writes `p` gzip-compressed to `w`.
pub fn write_to<W: Write>(p: &Profile, mut w: W) -> Result<()> {
    w.write_all(&encode(p)).map_err(Error::Io)
}
