//! Encoding a [`Profile`] as profile.proto bytes.

use std::io::Write;

use crate::error::{Error, Result};
use crate::profile::{LocationIds, Profile};
use crate::wire::{varint_len, Writer, LEN};

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
    let mut buf = Vec::new();
    match part {
        EncodePart::Head => encode_head(p, &mut buf),
        EncodePart::Samples(range) => {
            let ids = LocationIds::of(&p.locations);
            return write_sample_range(p, range.clone(), &ids, w);
        }
        EncodePart::Tail => encode_tail(p, &mut buf),
    }
    w.write_all(&buf)
}

/// Writes samples `range` of `p` (clamped to its samples), whose locations
/// have `ids`.
fn write_sample_range<W: Write + ?Sized>(
    p: &Profile,
    range: std::ops::Range<usize>,
    ids: &LocationIds,
    w: &mut W,
) -> std::io::Result<()> {
    let end = range.end.min(p.samples.len());
    let start = range.start.min(end);
    // Samples unchanged since they were decoded from records that were
    // kept: the records.
    if let Some(records) = p.samples.records_of(start..end, ids) {
        return w.write_all(records);
    }
    // The id mapping is chosen once, so that the loop over the frames
    // holds no branch on it.
    match ids {
        LocationIds::Sequential(n) => {
            let id = |l| LocationIds::sequential(*n, l);
            write_samples(p, start..end, id, varint_len(*n as u64), w)
        }
        LocationIds::Listed(ids) => {
            let widest = ids.iter().copied().max().unwrap_or(0);
            let id = |l| LocationIds::listed(ids, l);
            write_samples(p, start..end, id, varint_len(widest), w)
        }
    }
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

/// The size of an optional integer field with a one-byte key.
#[inline]
fn int_opt_len(v: u64) -> usize {
    if v == 0 {
        0
    } else {
        1 + varint_len(v)
    }
}

/// The size of a length-delimited field with a one-byte key.
#[inline]
fn len_field(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

/// Writes samples `range` of `p` to `w` in writes of about `FLUSH` bytes,
/// `loc_id` giving each location's id, none of whose varints is longer
/// than `id_width` bytes.
fn write_samples<W: Write + ?Sized>(
    p: &Profile,
    range: std::ops::Range<usize>,
    loc_id: impl Fn(crate::LocationId) -> u64 + Copy,
    id_width: usize,
    w: &mut W,
) -> std::io::Result<()> {
    // Samples are encoded one after another into a buffer zeroed once,
    // written out whenever it holds `FLUSH` bytes; a sample that may be
    // larger than the room left is encoded after a write, into a buffer
    // grown for it.
    let mut buf = vec![0u8; FLUSH + 4096];
    let mut pos = 0;
    for s in p.samples.iter_range(range) {
        let size = SampleSize::of(s, id_width);
        let need = size.most + SLACK;
        if pos + need > buf.len() {
            w.write_all(&buf[..pos])?;
            pos = 0;
            if need > buf.len() {
                buf.resize(need, 0);
            }
        }
        let out = buf.get_mut(pos..).unwrap_or_default();
        pos += encode_sample(s, loc_id, &size, out);
        if pos >= FLUSH {
            w.write_all(&buf[..pos])?;
            pos = 0;
        }
    }
    w.write_all(&buf[..pos])
}

/// Bytes of samples written at once by [`write_part`].
const FLUSH: usize = 64 << 10;

/// The sizes of one sample's encoding; its location ids' size is only
/// bounded (they are sized as they are written).
struct SampleSize {
    /// At most the packed location ids' bytes.
    locs_most: usize,
    /// The values field: key, length and packed values (0 without values).
    vals_field: usize,
    /// The packed values' bytes.
    vals: usize,
    /// The label fields' bytes.
    labels_total: usize,
    /// At most the whole sample field's bytes.
    most: usize,
    /// The message size of each of the first labels.
    labels: [u8; SampleSize::LABELS],
}

impl SampleSize {
    /// Labels whose sizes are kept; those of others are found again.
    const LABELS: usize = 8;

    /// The sizes of `s`, whose location ids take at most `id_width` bytes
    /// each.
    #[inline(always)]
    fn of(s: crate::SampleRef<'_>, id_width: usize) -> SampleSize {
        let locs_most = s.locations.len() * id_width;
        let vals: usize = s.values.iter().map(|&v| varint_len(v as u64)).sum();
        let vals_field = if vals > 0 { len_field(vals) } else { 0 };
        let mut labels = [0u8; SampleSize::LABELS];
        let mut labels_total = 0;
        for (i, l) in s.labels.iter().enumerate() {
            let len = label_len(l);
            if let Some(slot) = labels.get_mut(i) {
                // At most four fields of eleven bytes each.
                *slot = len as u8;
            }
            labels_total += len_field(len);
        }
        let locs_field = if locs_most > 0 {
            len_field(locs_most)
        } else {
            0
        };
        SampleSize {
            locs_most,
            vals_field,
            vals,
            labels_total,
            most: len_field(locs_field + vals_field + labels_total),
            labels,
        }
    }
}

/// The message size of a label.
#[inline(always)]
fn label_len(l: &crate::Label) -> usize {
    int_opt_len(sid(l.key))
        + int_opt_len(sid(l.str))
        + int_opt_len(l.num as u64)
        + int_opt_len(sid(l.num_unit))
}

/// Encodes one sample, sized before, into `out`, which has room for
/// `size.most` bytes and [`SLACK`] more; returns the bytes written.
///
/// The location ids (most of a profile's bytes) are written in one pass,
/// at the place they would start if every id took as many bytes as the
/// longest; then the keys and lengths are put in front of them, and the
/// ids moved back when those take fewer bytes than their bounds.
#[inline(always)]
fn encode_sample(
    s: crate::SampleRef<'_>,
    loc_id: impl Fn(crate::LocationId) -> u64,
    size: &SampleSize,
    out: &mut [u8],
) -> usize {
    let rest = size.vals_field + size.labels_total;
    let mut w = if size.locs_most == 0 {
        let mut w = Cursor { out, pos: 0 };
        w.byte((2 << 3) | LEN);
        w.varint(rest as u64);
        w
    } else {
        // Where the ids start if their length and the sample's take as
        // many bytes as their bounds do.
        let locs_len_most = varint_len(size.locs_most as u64);
        let body_most = 1 + locs_len_most + size.locs_most + rest;
        let at = 2 + varint_len(body_most as u64) + locs_len_most;
        let mut w = Cursor { out, pos: at };
        for &l in s.locations {
            w.varint(loc_id(l));
        }
        let locs = w.pos - at;
        let body = len_field(locs) + rest;
        let mut head = Cursor {
            out: &mut [0u8; 32],
            pos: 0,
        };
        head.byte((2 << 3) | LEN);
        head.varint(body as u64);
        head.byte((1 << 3) | LEN);
        head.varint(locs as u64);
        let n = head.pos;
        // (The room was sized for the bounds, so this always holds.)
        if at + locs <= w.out.len() {
            if n < at {
                w.out.copy_within(at..at + locs, n);
            }
            if let (Some(to), Some(from)) = (w.out.get_mut(..n), head.out.get(..n)) {
                to.copy_from_slice(from);
            }
        }
        w.pos = n + locs;
        w
    };
    if size.vals > 0 {
        w.byte((2 << 3) | LEN);
        w.varint(size.vals as u64);
        for &v in s.values {
            w.varint(v as u64);
        }
    }
    for (i, l) in s.labels.iter().enumerate() {
        let len = match size.labels.get(i) {
            Some(&len) => len as usize,
            None => label_len(l),
        };
        w.byte((3 << 3) | LEN);
        w.varint(len as u64);
        w.int_opt(1, sid(l.key));
        w.int_opt(2, sid(l.str));
        w.int_opt(3, l.num as u64);
        w.int_opt(4, sid(l.num_unit));
    }
    w.pos
}

/// The `len` bytes of the varint of `v` (below 2^56, `len` its length)
/// as the low bytes of a little-endian word: `v`'s 7-bit groups spread one
/// to a byte, with the continuation bit on all but the last.
#[inline(always)]
fn varint_word(v: u64, len: usize) -> u64 {
    let x = (v & 0x0fff_ffff) | ((v & 0x00ff_ffff_f000_0000) << 4);
    let x = (x & 0x0000_3fff_0000_3fff) | ((x & 0x0fff_c000_0fff_c000) << 2);
    let x = (x & 0x007f_007f_007f_007f) | ((x & 0x3f80_3f80_3f80_3f80) << 1);
    let more = (1u64 << (8 * (len - 1))) - 1;
    x | (0x8080_8080_8080_8080 & more)
}

/// Bytes past a sample that its encoding may write into and then drops.
const SLACK: usize = 8;

/// Writes into a slice sized in advance.
struct Cursor<'a> {
    out: &'a mut [u8],
    pos: usize,
}

impl Cursor<'_> {
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        if let Some(slot) = self.out.get_mut(self.pos) {
            *slot = b;
        }
        self.pos += 1;
    }

    /// Writes a varint; one of at most eight bytes in one store of eight
    /// (the slice has room past the sample for it), longer ones byte by byte.
    #[inline(always)]
    fn varint(&mut self, mut v: u64) {
        if v < 1 << 56 {
            if let Some(word) = self.out.get_mut(self.pos..self.pos + 8) {
                let len = varint_len(v);
                word.copy_from_slice(&varint_word(v, len).to_le_bytes());
                self.pos += len;
                return;
            }
        }
        while v >= 0x80 {
            self.byte((v as u8) | 0x80);
            v >>= 7;
        }
        self.byte(v as u8);
    }

    /// A non-zero integer field with a one-byte key.
    #[inline(always)]
    fn int_opt(&mut self, field: u8, v: u64) {
        if v != 0 {
            self.byte(field << 3);
            self.varint(v);
        }
    }
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
                    le.int_opt(3, ln.column as u64);
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
        // The bytes as read: invalid UTF-8 is written back unchanged.
        w.bytes(6, &crate::strings::to_bytes(s));
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
    w.int_opt(15, sid(p.doc_url));
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

/// Writes `p` as gzip-compressed profile.proto, fast. Large profiles are
/// encoded and compressed in parts, each one gzip member, on two threads
/// ([`crate::chunks::write_in_order`]): a multi-member gzip file is valid
/// and reads back as the concatenation (Go's reader and ours both accept
/// it). The first part holds the fields but the samples (the tables of a
/// large profile are about as large as a part), the others the samples
/// in ranges of equal length (fields may come in any order); many small
/// parts keep both threads busy to the end, and the uncompressed encoding
/// is never held in memory. Samples unedited since they were decoded from
/// records that were kept ([`crate::DecodeOptions::keep_records`]) are
/// those records, copied: the ranges are then cut where the records can
/// be. The fastest compression level is used: it keeps about 85% of level
/// 6's saving at a third of its time.
pub fn write_compressed(p: &Profile, out: &mut dyn Write) -> std::io::Result<()> {
    /// Samples below which one member holds it all.
    const PARALLEL_SAMPLES: usize = 50_000;
    /// Sample ranges of a large profile.
    const RANGES: usize = 15;
    let level = flate2::Compression::new(1);
    let n = p.samples.len();
    let ranges = if n >= PARALLEL_SAMPLES { RANGES } else { 1 };
    // Samples that can be copied from their records are cut where the
    // records can be.
    let ids = LocationIds::of(&p.locations);
    let bounds: Vec<usize> = match p.samples.record_bounds(ranges, &ids) {
        Some(b) => b,
        None => (0..=ranges).map(|k| n * k / ranges).collect(),
    };
    // Part 0: the head and the tail; part k > 0: samples bounds[k - 1]..bounds[k].
    let encode_part = |k: usize, w: &mut dyn Write| -> std::io::Result<()> {
        match k.checked_sub(1).and_then(|k| bounds.get(k..k + 2)) {
            Some(&[from, to]) => write_sample_range(p, from..to, &ids, w),
            _ => {
                write_part(p, &EncodePart::Head, w)?;
                write_part(p, &EncodePart::Tail, w)
            }
        }
    };
    crate::chunks::write_in_order(
        out,
        ranges + 1,
        || (),
        |_, k, member: &mut Vec<u8>| {
            let mut gz = flate2::write::GzEncoder::new(std::mem::take(member), level);
            // Writing to a Vec cannot fail: the Vec comes back whole.
            let _ = encode_part(k, &mut gz);
            *member = gz.finish().unwrap_or_default();
        },
    )
}

/// Writes `p` gzip-compressed to `w`.
pub fn write_to<W: Write>(p: &Profile, mut w: W) -> Result<()> {
    w.write_all(&encode(p)).map_err(Error::Io)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A builder of a profile with `types` and `n` locations, each in a
    /// function of its own, and those locations.
    fn with_locations(
        types: &[(&str, &str)],
        n: i64,
    ) -> (crate::build::ProfileBuilder, Vec<crate::LocationId>) {
        let mut b = crate::build::ProfileBuilder::new(types);
        let bin = b.mapping("/bin/app", 0x1000, 0x9000);
        let locs = (0..n)
            .map(|i| {
                let f = b.function(&format!("pkg.f{i}"), "x.go", 0);
                b.location(Some(bin), 0x1000 + i as u64, &[(f, i)])
            })
            .collect();
        (b, locs)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Each sample is written as prost writes it, however long its
        /// stack and however its locations are numbered (1..n, spread
        /// out, or with ids past 2^56): the one-pass writing of the ids,
        /// moved back when their lengths take fewer bytes than their
        /// bound, gives the canonical bytes.
        #[test]
        fn stacks_of_any_length_and_numbering_are_written_as_prost_writes_them(
            nloc in 1usize..400,
            numbering in 0u8..4,
            samples in proptest::collection::vec(
                (
                    proptest::collection::vec(proptest::prelude::any::<u16>(), 0..300),
                    proptest::collection::vec(proptest::prelude::any::<i64>(), 2),
                    proptest::collection::vec((0u8..4, proptest::prelude::any::<i64>()), 0..12),
                ),
                1..12,
            ),
        ) {
            use prost::Message;
            let mut p = Profile::new();
            for t in ["a", "b"] {
                let t = p.intern(t);
                p.sample_types.push(crate::ValueType { r#type: t, unit: t });
            }
            let keys: Vec<crate::StrId> = ["k0", "k1", "bytes", "k3"].iter().map(|k| p.intern(k)).collect();
            for i in 0..nloc as u64 {
                let id = match numbering {
                    0 => i + 1,
                    1 => i * 97 + 1,
                    2 => (i + 1) << 50,
                    _ => nloc as u64 - i,
                };
                p.locations.push(crate::Location { id, address: i, ..Default::default() });
            }
            for (stack, values, labels) in samples {
                let locations = stack.iter().map(|&k| crate::LocationId(k as u32 % nloc as u32)).collect();
                let labels = labels
                    .iter()
                    .map(|&(k, v)| crate::Label {
                        key: keys[k as usize],
                        str: if k == 0 { keys[1] } else { crate::StrId::EMPTY },
                        num: if k == 0 { 0 } else { v },
                        num_unit: if k == 2 { keys[2] } else { crate::StrId::EMPTY },
                    })
                    .collect();
                p.samples.push(crate::Sample { locations, values, labels });
            }
            proptest::prop_assert_eq!(encode_uncompressed(&p), p.to_proto().encode_to_vec());
        }
    }

    /// A large profile written in parts (the tables first) reads back as
    /// the profile, by Go's rules: gzip members joined, fields in any
    /// order.
    #[test]
    fn parts_read_back_as_the_profile() {
        let (mut b, locs) = with_locations(&[("samples", "count")], 50);
        for i in 0..60_000usize {
            let stack: Vec<crate::LocationId> = (0..1 + i % 8)
                .map(|k| locs[(i * 7 + k * 13) % 50])
                .collect();
            b.sample(&stack, &[i as i64]);
        }
        let p = b.build();
        let mut out = Vec::new();
        write_compressed(&p, &mut out).unwrap();
        let members = out.windows(3).filter(|w| w == &[0x1f, 0x8b, 8]).count();
        assert!(members >= 16, "{members} gzip members");
        let back = crate::decode(&out).unwrap();
        assert_eq!(back, crate::decode(&encode(&p)).unwrap());
        assert_eq!(back.samples.len(), 60_000);
    }

    /// Samples are written as prost writes them, through every path of
    /// the sample writer: labels past the sizes it keeps, a sample larger
    /// than its buffer, location ids not numbered 1..n.
    #[test]
    fn samples_are_written_as_prost_writes_them() {
        use prost::Message;
        let (mut b, locs) = with_locations(&[("samples", "count"), ("bytes", "bytes")], 300);
        for i in 0..40usize {
            let depth = if i == 7 { 70_000 } else { 1 + i % 9 };
            let stack: Vec<crate::LocationId> =
                (0..depth).map(|k| locs[(i * 31 + k * 7) % 300]).collect();
            b.sample(&stack, &[i as i64, -(i as i64) << 40]);
        }
        let mut p = b.build();
        for i in 0..p.samples.len() {
            p.samples.edit(i, |s| {
                for k in 0..(i % 13) {
                    let key = crate::StrId(1 + (k as u32 % 3));
                    let label = if k % 2 == 0 {
                        crate::Label {
                            key,
                            str: crate::StrId(2),
                            ..Default::default()
                        }
                    } else {
                        crate::Label {
                            key,
                            num: 1 << ((7 * k) % 63),
                            num_unit: crate::StrId(3),
                            ..Default::default()
                        }
                    };
                    s.labels.push(label);
                }
            });
        }
        let msg = p.to_proto();
        assert!(msg.sample[7].encoded_len() > FLUSH + 4096);
        let want = msg.encode_to_vec();
        assert_eq!(encode_uncompressed(&p), want);
        // Location ids other than 1..n.
        for (i, l) in p.locations.iter_mut().enumerate() {
            l.id = 1000 + 3 * i as u64;
        }
        assert_eq!(encode_uncompressed(&p), p.to_proto().encode_to_vec());
    }

    #[test]
    fn varint_words_hold_the_varint_bytes() {
        let mut values: Vec<u64> = (0..56).map(|b| 1u64 << b).collect();
        values.extend((1..=56).map(|b| (1u64 << b) - 1));
        values.extend([0, 300, 0x0012_3456_789a_bcde]);
        for v in values {
            let mut want = Vec::new();
            Writer { buf: &mut want }.varint(v);
            let len = varint_len(v);
            assert_eq!(want.len(), len);
            let got = varint_word(v, len).to_le_bytes();
            assert_eq!(&got[..len], &want[..], "{v:#x}");
            assert!(got[len..].iter().all(|&b| b == 0), "{v:#x}");
        }
    }
}
