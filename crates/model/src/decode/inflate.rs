//! Large gzip data decompressed on a second thread while the calling
//! thread reads the profile fields already inflated.

use std::borrow::Cow;
use std::io::Read;
use std::sync::{mpsc, Arc};

use super::{
    claimed_size_hint, decode_uncompressed_with, finish, growth, gzip_size_hint, inflate_error,
    is_gzip, maybe_decompress, reserve_exact, Budget, DecodeOptions, Error, Profile, Result, Scan,
};

/// How the work is cut: compressed data from which decompressing and
/// decoding overlap (below it a second thread costs more than it saves),
/// and the bytes inflated at a time.
#[derive(Clone, Copy)]
struct Overlap {
    from: usize,
    chunk: usize,
}

/// Gzip data from which decompressing and decoding overlap (below it a
/// second thread costs more than it saves).
pub const OVERLAPPED_GZIP_BYTES: usize = 1 << 20;

const OVERLAP: Overlap = Overlap {
    from: OVERLAPPED_GZIP_BYTES,
    chunk: 256 << 10,
};

/// Compressed bytes read at a time by [`decompress_decoding_from`].
const READ_CHUNK: usize = 1 << 20;

/// Inflated chunks waiting for the decoding thread at most.
const AHEAD: usize = 8;

/// Data decompressed (when it was gzip), and its profile when that was
/// decoded while decompressing. From [`decompress_decoding`].
#[derive(Debug)]
pub struct Decompressed<'a> {
    bytes: Bytes<'a>,
    profile: Option<Result<Profile>>,
}

/// The bytes of a [`Decompressed`]: shared with the profile's samples when
/// they keep their records ([`DecodeOptions::keep_records`]).
#[derive(Debug)]
enum Bytes<'a> {
    Plain(Cow<'a, [u8]>),
    Shared(Arc<Vec<u8>>),
}

impl Decompressed<'_> {
    /// The decompressed bytes (the data itself when it was no gzip).
    pub fn bytes(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Plain(b) => b,
            Bytes::Shared(b) => b,
        }
    }

    /// The profile decoded from [`Self::bytes`] with `opts`, the options
    /// the data was decompressed with: decoded already while
    /// decompressing, or now. The first call takes a profile decoded
    /// already; a second one decodes again.
    pub fn profile(&mut self, opts: &DecodeOptions) -> Result<Profile> {
        match self.profile.take() {
            Some(p) => p,
            None => decode_uncompressed_with(self.bytes(), opts),
        }
    }
}

/// Decompresses `data` if it is gzip (by magic bytes), as
/// [`maybe_decompress`] does, with the same limits and errors; for large
/// gzip data, another thread inflates it while this one reads the profile
/// fields inflated so far, so that the profile is decoded soon after the
/// last byte is inflated ([`Decompressed::profile`] gives it, or the error
/// that [`decode_uncompressed_with`] gives for the bytes).
///
/// ```
/// use pprof_model::{decompress_decoding, DecodeOptions, Profile};
///
/// let mut p = Profile::new();
/// let hello = p.intern("hello");
/// p.comments.push(hello);
/// let gz = pprof_model::encode(&p);
/// let opts = DecodeOptions::default();
/// let mut d = decompress_decoding(&gz, &opts)?;
/// assert_eq!(d.bytes(), pprof_model::encode_uncompressed(&p));
/// assert_eq!(d.profile(&opts)?.comments.len(), 1);
/// # Ok::<(), pprof_model::Error>(())
/// ```
pub fn decompress_decoding<'a>(data: &'a [u8], opts: &DecodeOptions) -> Result<Decompressed<'a>> {
    decompress_with(data, opts, OVERLAP)
}

fn decompress_with<'a>(
    data: &'a [u8],
    opts: &DecodeOptions,
    how: Overlap,
) -> Result<Decompressed<'a>> {
    if !is_gzip(data) || data.len() < how.from {
        return Ok(Decompressed {
            bytes: Bytes::Plain(maybe_decompress(data, opts)?),
            profile: None,
        });
    }
    let hint = gzip_size_hint(data);
    let (bytes, profile) = overlapped(data, hint, opts, how.chunk.max(1))?;
    Ok(Decompressed { bytes, profile })
}

/// [`decompress_decoding`] for gzip data that `r` yields, such as a large
/// file: the inflating thread reads it as it inflates, so that reading,
/// inflating and decoding overlap instead of the whole being read first.
/// `len` is the length of the data and `tail` its last four bytes (the
/// size gzip claims for the decompressed data, a hint for the buffer). A
/// read error comes as [`Error::Decompress`]; data that is no gzip is an
/// error too (the caller looks at the magic bytes first).
///
/// ```
/// use pprof_model::{decompress_decoding_from, DecodeOptions, Profile};
///
/// let mut p = Profile::new();
/// let hello = p.intern("hello");
/// p.comments.push(hello);
/// let gz = pprof_model::encode(&p);
/// let tail = gz[gz.len() - 4..].try_into()?;
/// let opts = DecodeOptions::default();
/// let mut d = decompress_decoding_from(&gz[..], gz.len() as u64, tail, &opts)?;
/// assert_eq!(d.profile(&opts)?.comments.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn decompress_decoding_from(
    r: impl Read + Send,
    len: u64,
    tail: [u8; 4],
    opts: &DecodeOptions,
) -> Result<Decompressed<'static>> {
    let hint = claimed_size_hint(len, Some(tail));
    let src = std::io::BufReader::with_capacity(READ_CHUNK, r);
    let (bytes, profile) = overlapped(src, hint, opts, OVERLAP.chunk)?;
    Ok(Decompressed { bytes, profile })
}

/// Inflates gzip data from `src` on a second thread in chunks of `chunk`
/// bytes, which this thread joins (under the limit of `opts`, the buffer
/// sized from `hint`) and scans as they come. The profile is decoded when
/// the scan read every byte; when it stopped (a field that does not
/// decode, the budget spent), `None`, and the whole data is to be decoded
/// afresh. With [`DecodeOptions::keep_records`], the bytes are shared with
/// the profile's samples.
fn overlapped(
    src: impl std::io::BufRead + Send,
    hint: u64,
    opts: &DecodeOptions,
    chunk: usize,
) -> Result<(Bytes<'static>, Option<Result<Profile>>)> {
    let limit = opts.max_decompressed;
    std::thread::scope(|sc| {
        let (tx, rx) = mpsc::sync_channel(AHEAD);
        let (spare_tx, spare_rx) = mpsc::channel();
        sc.spawn(move || inflate_chunks(src, chunk, &tx, &spare_rx));
        let mut out = Vec::new();
        reserve_exact(&mut out, hint.min(limit)).map_err(inflate_error)?;
        let mut scan = Some(Scan::streaming());
        let mut pos = 0;
        // Returning early drops the receiver: the inflating thread stops
        // at its next chunk.
        for piece in rx {
            let piece: Vec<u8> = piece.map_err(Error::Decompress)?;
            let (len, n) = (out.len() as u64, piece.len() as u64);
            if len + n > limit {
                return Err(Error::TooLarge { limit });
            }
            if out.capacity() - out.len() < piece.len() {
                reserve_exact(&mut out, growth(len, n, limit)).map_err(inflate_error)?;
            }
            out.extend_from_slice(&piece);
            // The inflating thread may be done with chunks already.
            let _ = spare_tx.send(piece);
            if let Some(s) = &mut scan {
                if !s.advance(&out, &mut pos, opts.memory_budget) {
                    scan = None;
                } else {
                    s.room_ahead(pos, hint, opts.memory_budget);
                }
            }
        }
        let out = if opts.keep_records {
            Bytes::Shared(Arc::new(out))
        } else {
            Bytes::Plain(Cow::Owned(out))
        };
        let (data, keep) = match &out {
            Bytes::Shared(b) => (b.as_slice(), Some(b)),
            Bytes::Plain(b) => (&b[..], None),
        };
        let profile = match scan {
            Some(s) if pos == data.len() && !data.is_empty() => {
                let budget = Budget::new(opts.memory_budget, data.len());
                Some(finish(data, s, &budget, &opts.labels, keep))
            }
            _ => None,
        };
        Ok((out, profile))
    })
}

/// Inflates the gzip data of `src` in chunks of `chunk` bytes sent to `tx`
/// (reusing the ones that come back on `spare`) until its end, the first
/// error (sent after the bytes inflated before it) or the receiver is
/// gone.
fn inflate_chunks(
    src: impl std::io::BufRead,
    chunk: usize,
    tx: &mpsc::SyncSender<std::io::Result<Vec<u8>>>,
    spare: &mpsc::Receiver<Vec<u8>>,
) {
    let mut dec = flate2::bufread::MultiGzDecoder::new(src);
    loop {
        let mut buf = spare.try_recv().unwrap_or_default();
        buf.resize(chunk, 0);
        let mut n = 0;
        let mut failed = None;
        while n < chunk {
            match dec.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        buf.truncate(n);
        if n > 0 && tx.send(Ok(buf)).is_err() {
            return;
        }
        if let Some(e) = failed {
            let _ = tx.send(Err(e));
            return;
        }
        if n < chunk {
            return;
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::build::ProfileBuilder;
    use crate::{
        decode_uncompressed_with, encode_uncompressed, LabelNeed, LocationId, MemoryBudget,
    };
    use proptest::prelude::*;

    fn gzip(raw: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut gz = Vec::new();
        let mut e = flate2::write::GzEncoder::new(&mut gz, flate2::Compression::fast());
        e.write_all(raw).unwrap();
        e.finish().unwrap();
        gz
    }

    /// A profile of `n` samples with stacks, values and labels.
    pub(in crate::decode) fn profile(n: usize) -> Profile {
        let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "nanoseconds")]);
        let bin = b.mapping("/bin/x", 0x1000, 0x9000);
        let locs: Vec<LocationId> = (0..40)
            .map(|i| {
                let f = b.function(&format!("pkg.f{i}"), "x.go", 0);
                b.location(Some(bin), 0x1000 + i as u64, &[(f, i)])
            })
            .collect();
        for i in 0..n {
            let stack: Vec<LocationId> = (0..1 + i % 9).map(|k| locs[(k * 7 + i) % 40]).collect();
            let worker = format!("w{}", i % 13);
            let labels: &[(&str, &str)] = if i % 3 == 0 {
                &[("worker", &worker)]
            } else {
                &[]
            };
            b.labelled_sample(&stack, &[1, i as i64 * 1000], labels)
                .num_label("bytes", i as i64 + 1, "");
        }
        b.build()
    }

    /// Decompresses and decodes `gz` overlapped in chunks of `chunk`
    /// bytes; also says whether the profile was decoded while inflating.
    fn overlapped_result(gz: &[u8], opts: &DecodeOptions, chunk: usize) -> (Result<Profile>, bool) {
        let how = Overlap { from: 0, chunk };
        match decompress_with(gz, opts, how) {
            Ok(mut d) => {
                let early = d.profile.is_some();
                (d.profile(opts), early)
            }
            Err(e) => (Err(e), false),
        }
    }

    /// Decompresses and decodes `gz` as the inflating thread reads it
    /// from a reader ([`decompress_decoding_from`]).
    fn read_result(gz: &[u8], opts: &DecodeOptions) -> Result<Profile> {
        let tail = gz[gz.len() - 4..].try_into().unwrap();
        decompress_decoding_from(gz, gz.len() as u64, tail, opts).and_then(|mut d| d.profile(opts))
    }

    /// What decompressing first, then decoding the whole gives.
    fn plain_result(gz: &[u8], opts: &DecodeOptions) -> Result<Profile> {
        maybe_decompress(gz, opts).and_then(|raw| decode_uncompressed_with(&raw, opts))
    }

    /// The same profile, or errors that read the same.
    fn same(a: &Result<Profile>, b: &Result<Profile>) -> bool {
        match (a, b) {
            (Ok(a), Ok(b)) => a == b,
            (Err(a), Err(b)) => format!("{a:?}") == format!("{b:?}"),
            _ => false,
        }
    }

    fn summary(r: &Result<Profile>) -> String {
        match r {
            Ok(p) => format!("a profile of {} samples", p.samples.len()),
            Err(e) => format!("{e:?}"),
        }
    }

    #[test]
    fn overlapped_decoding_gives_the_profile_of_the_whole() {
        let opts = DecodeOptions::default();
        for n in [0, 1, 25_000] {
            let p = profile(n);
            let raw = encode_uncompressed(&p);
            let gz = gzip(&raw);
            for chunk in [1, 7, 4096, 1 << 20] {
                let mut d = decompress_with(&gz, &opts, Overlap { from: 0, chunk }).unwrap();
                assert_eq!(d.bytes(), raw);
                assert!(d.profile.is_some(), "{n} samples, chunk {chunk}");
                let q = d.profile(&opts).unwrap();
                assert_eq!(q, decode_uncompressed_with(&raw, &opts).unwrap());
                assert_eq!(q.samples.len(), n);
                assert_eq!(
                    q.samples.iter().map(|s| s.values[1]).max(),
                    p.samples.iter().map(|s| s.values[1]).max()
                );
                // A second call decodes again.
                assert_eq!(d.profile(&opts).unwrap(), q);
            }
            assert_eq!(
                read_result(&gz, &opts).unwrap(),
                decode_uncompressed_with(&raw, &opts).unwrap()
            );
        }
    }

    #[test]
    fn overlapped_decoding_fails_as_the_whole_does() {
        let raw = encode_uncompressed(&profile(25_000));
        let tiny = DecodeOptions {
            memory_budget: MemoryBudget::Bytes(100_000),
            ..DecodeOptions::default()
        };
        // Room for the records, not for the samples' items.
        let small = DecodeOptions {
            memory_budget: MemoryBudget::Bytes(1 << 20),
            ..DecodeOptions::default()
        };
        let limited = DecodeOptions {
            max_decompressed: raw.len() as u64 - 1,
            ..DecodeOptions::default()
        };
        let exact = DecodeOptions {
            max_decompressed: raw.len() as u64,
            ..DecodeOptions::default()
        };
        let mut dangling = raw.clone();
        // The first location id of the first sample: an unknown location.
        let at = dangling.windows(2).position(|w| w == [0x0a, 0x01]).unwrap();
        dangling[at + 2] = 0x7f;
        let def = DecodeOptions::default();
        let cases: Vec<(&str, Vec<u8>, &DecodeOptions, bool)> = vec![
            ("whole", gzip(&raw), &def, true),
            ("empty", gzip(&[]), &def, false),
            ("truncated proto", gzip(&raw[..raw.len() - 3]), &def, false),
            ("half proto", gzip(&raw[..raw.len() / 2]), &def, false),
            ("truncated gzip", gzip(&raw)[..5000].to_vec(), &def, false),
            (
                "concatenated",
                gzip(&[raw.clone(), raw.clone()].concat()),
                &def,
                true,
            ),
            ("dangling location", gzip(&dangling), &def, true),
            ("over budget", gzip(&raw), &tiny, false),
            ("samples over budget", gzip(&raw), &small, true),
            ("over the limit", gzip(&raw), &limited, false),
            ("at the limit", gzip(&raw), &exact, true),
            (
                "text",
                gzip(&b"heap profile: 1: 2 [3: 4] @ heap/1048576\n".repeat(999)),
                &def,
                false,
            ),
        ];
        let want = plain_result(&gzip(&dangling), &def);
        assert!(
            matches!(
                want,
                Err(Error::Invalid(crate::ValidationError::DanglingLocation {
                    sample: 0
                }))
            ),
            "{}",
            summary(&want)
        );
        for (what, gz, opts, early) in cases {
            let want = plain_result(&gz, opts);
            for chunk in [3, 333, 1 << 16] {
                let (got, decoded_early) = overlapped_result(&gz, opts, chunk);
                assert!(
                    same(&got, &want),
                    "{what}, chunk {chunk}: {} vs {}",
                    summary(&got),
                    summary(&want)
                );
                assert_eq!(decoded_early, early, "{what}, chunk {chunk}");
            }
            let got = read_result(&gz, opts);
            let (g, w) = (summary(&got), summary(&want));
            assert!(same(&got, &want), "{what}, read: {g} vs {w}");
        }
    }

    #[test]
    fn overlapped_decoding_stops_a_bomb_at_the_limit() {
        let gz = gzip(&vec![0u8; 8 << 20]);
        let opts = DecodeOptions {
            max_decompressed: 1 << 20,
            ..DecodeOptions::default()
        };
        for chunk in [1000, 256 << 10] {
            let r = decompress_with(&gz, &opts, Overlap { from: 0, chunk });
            assert!(matches!(r, Err(Error::TooLarge { limit }) if limit == 1 << 20));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Whatever the bytes, decoding while inflating gives what
        /// decoding the inflated whole gives.
        #[test]
        fn overlapped_decoding_matches_on_any_bytes(
            p in crate::arbitrary::profile(2),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            cut in any::<prop::sample::Index>(),
            chunk in 1usize..200,
        ) {
            let mut raw = with_edits(&p, &edits);
            if !raw.is_empty() && cut.index(4) == 0 {
                raw.truncate(cut.index(raw.len()));
            }
            let gz = gzip(&raw);
            let opts = DecodeOptions::default();
            let (got, want) = (overlapped_result(&gz, &opts, chunk).0, plain_result(&gz, &opts));
            prop_assert!(same(&got, &want), "{} vs {}", summary(&got), summary(&want));
            let got = read_result(&gz, &opts);
            prop_assert!(same(&got, &want), "read: {} vs {}", summary(&got), summary(&want));
        }

        /// Whatever the bytes, a profile that kept its sample records
        /// is written back as the profile it is: copied records read as
        /// the samples decoded from them.
        #[test]
        fn kept_records_read_back_as_their_samples(
            p in crate::arbitrary::profile(2),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
            chunk in 1usize..200,
        ) {
            let raw = with_edits(&p, &edits);
            let opts = DecodeOptions { keep_records: true, ..Default::default() };
            if let Ok(q) = overlapped_result(&gzip(&raw), &opts, chunk).0 {
                prop_assert_eq!(crate::decode(&written(&q)).unwrap(), q);
            }
        }
    }

    /// Whatever size gzip claims, the bytes are inflated whole and the
    /// profile decoded from them (the buffer made for the claim grows past
    /// it).
    #[test]
    fn any_claimed_size_gives_the_whole() {
        let p = profile(3_000);
        let raw = encode_uncompressed(&p);
        let gz = gzip(&raw);
        let opts = DecodeOptions::default();
        let want = decode_uncompressed_with(&raw, &opts).unwrap();
        let len = raw.len() as u64;
        for hint in [0, 1, 5_000, len / 2, len - 1, len, len + 1, 3 * len] {
            for chunk in [1_000, 4096, 1 << 20] {
                let (data, profile) = overlapped(&gz[..], hint, &opts, chunk).unwrap();
                let d = Decompressed {
                    bytes: data,
                    profile,
                };
                assert!(d.bytes() == raw, "claimed {hint}, chunk {chunk}");
                let got = d.profile.unwrap().unwrap();
                assert!(got == want, "claimed {hint}, chunk {chunk}");
            }
        }
    }

    /// `p` encoded, with the byte at each index of `edits` replaced.
    fn with_edits(p: &Profile, edits: &[(prop::sample::Index, u8)]) -> Vec<u8> {
        let mut raw = encode_uncompressed(p);
        for (at, b) in edits {
            if !raw.is_empty() {
                let i = at.index(raw.len());
                raw[i] = *b;
            }
        }
        raw
    }

    /// `p` as [`crate::write_compressed`] writes it.
    fn written(p: &Profile) -> Vec<u8> {
        let mut out = Vec::new();
        crate::write_compressed(p, &mut out).unwrap();
        out
    }

    /// `raw` decoded while inflating, keeping its sample records.
    fn with_records(raw: &[u8]) -> Profile {
        let opts = DecodeOptions {
            keep_records: true,
            ..Default::default()
        };
        overlapped_result(&gzip(raw), &opts, 1 << 16).0.unwrap()
    }

    /// The records `p` kept for all its samples.
    fn records(p: &Profile) -> Option<&[u8]> {
        let ids = crate::profile::LocationIds::of(&p.locations);
        p.samples.records_of(0..p.samples.len(), &ids)
    }

    /// A large profile whose labels are not in the order this crate
    /// writes them: written back, its records are copied as they are (the
    /// output ends with them, in parts cut at its marks) and read as its
    /// samples.
    #[test]
    fn unchanged_samples_are_written_as_their_records() {
        let p = profile(60_000);
        let mut msg = p.to_proto();
        for s in &mut msg.sample {
            s.label.reverse();
        }
        let raw = prost::Message::encode_to_vec(&msg);
        let q = with_records(&raw);
        let kept = records(&q).expect("records kept").to_vec();
        assert!(raw.windows(kept.len()).any(|w| w == kept));
        assert!(!encode_uncompressed(&q).ends_with(&kept));
        let out = written(&q);
        assert!(maybe_decompress(&out, &DecodeOptions::default())
            .unwrap()
            .ends_with(&kept));
        assert!(out.windows(3).filter(|w| w == &[0x1f, 0x8b, 8]).count() > 8);
        assert!(crate::decode(&out).unwrap() == q);
        assert!(q == crate::decode_uncompressed(&raw).unwrap());
    }

    /// Any edit of the samples, or a location's new id, makes the samples
    /// be encoded again: the profile written is the edited one.
    #[test]
    fn edited_samples_are_encoded_again() {
        let raw = encode_uncompressed(&profile(12_000));
        type Edit = fn(&mut Profile);
        let edits: [(&str, Edit); 7] = [
            ("a value", |p| p.samples.values_mut(5)[1] += 7),
            ("a location", |p| {
                p.samples.locations_mut(6)[0] = crate::LocationId(0)
            }),
            ("a label", |p| p.samples.labels_mut(10)[0].num += 1),
            ("a sample fewer", |p| {
                p.samples.retain(|s| s.values[1] != 3000)
            }),
            ("a sample more", |p| p.samples.push_parts(&[], &[1, 2], &[])),
            ("all samples", |p| {
                p.samples.iter_mut().for_each(|s| s.values[0] = 2)
            }),
            ("a location id", |p| p.locations[3].id = 999),
        ];
        for (what, edit) in edits {
            let mut q = with_records(&raw);
            assert!(records(&q).is_some());
            edit(&mut q);
            assert!(records(&q).is_none(), "{what}");
            assert!(crate::decode(&written(&q)).unwrap() == q, "{what}");
        }
        // Sorting samples into the order they have keeps the records.
        let mut q = with_records(&raw);
        q.samples.sort_by(|_, _| std::cmp::Ordering::Equal);
        q.samples.retain(|_| true);
        assert!(records(&q).is_some());
    }

    /// Records are kept only when they read as the samples and lie end to
    /// end: not with a string table that repeats a string (its indexes
    /// are not the strings' ids), with something between two records, with
    /// labels left out, or when not asked for.
    #[test]
    fn records_are_kept_only_when_they_read_as_the_samples() {
        let p = profile(9_000);
        let mut msg = p.to_proto();
        let repeated = msg.string_table[1].clone();
        msg.string_table.push(repeated);
        let dup = prost::Message::encode_to_vec(&msg);
        let mut first = p.to_proto();
        let second = first.sample.split_off(4_000);
        let mut raw = prost::Message::encode_to_vec(&first);
        let more = crate::proto::Profile {
            sample: second,
            ..Default::default()
        };
        raw.extend(prost::Message::encode_to_vec(&more));
        let plain = encode_uncompressed(&p);
        let no_labels = DecodeOptions {
            keep_records: true,
            labels: LabelNeed::Keys(vec!["nobody".into()]),
            ..Default::default()
        };
        let cases = [
            ("repeated string", with_records(&dup)),
            ("apart", with_records(&raw)),
            (
                "no labels",
                overlapped_result(&gzip(&plain), &no_labels, 4096)
                    .0
                    .unwrap(),
            ),
            (
                "not asked",
                overlapped_result(&gzip(&plain), &DecodeOptions::default(), 4096)
                    .0
                    .unwrap(),
            ),
        ];
        for (what, q) in cases {
            assert!(records(&q).is_none(), "{what}");
            assert!(crate::decode(&written(&q)).unwrap() == q, "{what}");
        }
        assert!(with_records(&raw) == p);
        assert!(records(&with_records(&plain)).is_some());
    }
}
