//! Decoding profile.proto bytes (gzip-compressed or not) into a [`Profile`].

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{
    DecodeError, DecodeErrorKind as K, Error, IdTable, Result, ValidationError as V,
};
use crate::profile::*;
use crate::samples::{Checked, EarlyRoom, Samples, Sizes};
use crate::strings::{StrId, StringTable};
use crate::wire::{self, Reader, LEN};

mod inflate;
pub use inflate::{
    decompress_decoding, decompress_decoding_from, Decompressed, OVERLAPPED_GZIP_BYTES,
};

/// Default limit on the size of decompressed data: 4 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 4 << 30;

/// Bytes of decoded profile that [`MemoryBudget::FromInput`] allows per
/// byte of uncompressed profile.proto data.
///
/// Real profiles take 3 to 25 bytes of memory per byte once decoded; data
/// made of nothing but empty records (an empty location is 2 bytes on the
/// wire and a whole `Location` in memory) takes more, and is refused. An
/// empty sample takes 24 bytes (its entries in the flat sample table).
pub const BUDGET_PER_INPUT_BYTE: u64 = 32;

/// The smallest budget of [`MemoryBudget::FromInput`], whatever the input
/// size: 256 MiB.
pub const MIN_MEMORY_BUDGET: u64 = 256 << 20;

/// Largest multiple of the compressed size reserved up front for gzip
/// data: the size a gzip trailer claims is a hint from the file, trusted
/// only this far.
const MAX_TRUSTED_GZIP_RATIO: u64 = 64;

/// How much memory decoding one profile may take: the profile in memory
/// and the decoder's working space, not counting the input bytes.
/// Decoding stops with [`Error::OverBudget`] before the budget is spent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemoryBudget {
    /// [`BUDGET_PER_INPUT_BYTE`] bytes per byte of uncompressed input, at
    /// least [`MIN_MEMORY_BUDGET`]. The default.
    #[default]
    FromInput,
    /// At most this many bytes, whatever the input size.
    Bytes(u64),
    /// No limit (memory runs out first).
    Unlimited,
}

impl MemoryBudget {
    /// The budget in bytes for `input_len` bytes of uncompressed data.
    ///
    /// ```
    /// use pprof_model::{MemoryBudget, MIN_MEMORY_BUDGET};
    ///
    /// assert_eq!(MemoryBudget::FromInput.limit_for(1000), MIN_MEMORY_BUDGET);
    /// assert_eq!(MemoryBudget::FromInput.limit_for(100 << 20), 3200 << 20);
    /// assert_eq!(MemoryBudget::Bytes(5).limit_for(100 << 20), 5);
    /// ```
    pub fn limit_for(self, input_len: u64) -> u64 {
        match self {
            MemoryBudget::FromInput => input_len
                .saturating_mul(BUDGET_PER_INPUT_BYTE)
                .max(MIN_MEMORY_BUDGET),
            MemoryBudget::Bytes(n) => n,
            MemoryBudget::Unlimited => u64::MAX,
        }
    }
}

/// Options for [`decode_with`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Largest accepted size of decompressed data, in bytes; larger input is
    /// an [`Error::TooLarge`] instead of an out-of-memory abort (a gzip bomb).
    /// Default: [`DEFAULT_MAX_DECOMPRESSED`] (4 GiB).
    pub max_decompressed: u64,
    /// How much memory the decoded profile may take. Default:
    /// [`MemoryBudget::FromInput`].
    pub memory_budget: MemoryBudget,
    /// Which samples' labels are kept. Default: [`LabelNeed::All`].
    pub labels: LabelNeed,
    /// Keep the decompressed bytes of a large gzip profile
    /// ([`crate::decompress_decoding`]) with its samples, so that writing
    /// the profile back with them unchanged ([`crate::write_compressed`])
    /// copies their records instead of encoding each sample again: for a
    /// caller that writes the profile out. The bytes are held as long as
    /// the samples are not edited. Default: false.
    pub keep_records: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
            memory_budget: MemoryBudget::default(),
            labels: LabelNeed::All,
            keep_records: false,
        }
    }
}

/// The sample labels a caller reads ([`DecodeOptions::labels`]).
///
/// ```
/// use pprof_model::{build::ProfileBuilder, decode_with, encode, DecodeOptions, LabelNeed};
///
/// let mut b = ProfileBuilder::new(&[("samples", "count")]);
/// let f = b.function("main", "main.go", 1);
/// let loc = b.location(None, 0x1000, &[(f, 3)]);
/// b.labelled_sample(&[loc], &[1], &[("worker", "w1")]);
/// let data = encode(&b.build());
/// let mut opts = DecodeOptions::default();
/// opts.labels = LabelNeed::Keys(vec!["pprof::base".to_string()]);
/// assert!(decode_with(&data, &opts)?.samples.at(0).labels.is_empty());
/// opts.labels = LabelNeed::Keys(vec!["worker".to_string()]);
/// assert_eq!(decode_with(&data, &opts)?.samples.at(0).labels.len(), 1);
/// # Ok::<(), pprof_model::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum LabelNeed {
    /// Every label is kept.
    #[default]
    All,
    /// Only labels with one of these keys are read: when the profile's
    /// strings hold none of them, the samples are kept without labels,
    /// which saves their memory (a quarter of a large labelled profile's).
    /// The labels are still read and checked, the numeric labels' units
    /// recorded, and the memory budget charged as if they were kept, so
    /// that the same data decodes or fails alike.
    Keys(Vec<String>),
}

impl LabelNeed {
    /// Whether the labels are to be kept in a profile whose string table
    /// holds `strings`.
    fn keeps<'a>(&self, mut strings: impl Iterator<Item = &'a [u8]>) -> bool {
        match self {
            LabelNeed::All => true,
            LabelNeed::Keys(keys) => strings.any(|s| keys.iter().any(|k| k.as_bytes() == s)),
        }
    }
}

/// Whether `data` starts with the gzip magic bytes.
pub fn is_gzip(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// Why [`read_to_end_bounded`] stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The reader failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// There is more data than the limit.
    #[error("data exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Memory for the data could not be had.
    #[error("out of memory after {read} bytes")]
    OutOfMemory {
        /// Bytes read when allocation failed.
        read: u64,
    },
}

/// The first room of a bounded read without a size hint, and its least
/// growth.
const FIRST_ROOM: u64 = 64 << 10;

/// Reserves `n` more bytes exactly; a failed reservation is an error, not
/// an abort.
fn reserve_exact(out: &mut Vec<u8>, n: u64) -> std::result::Result<(), ReadError> {
    match usize::try_from(n) {
        Ok(n) if out.try_reserve_exact(n).is_ok() => Ok(()),
        _ => Err(ReadError::OutOfMemory {
            read: out.len() as u64,
        }),
    }
}

/// The room to add to a bounded buffer of `len` bytes that needs `need`
/// more (`len + need` within `limit`): double, never past the limit.
fn growth(len: u64, need: u64, limit: u64) -> u64 {
    len.max(FIRST_ROOM).min(limit - len).max(need)
}

/// Reads `r` to its end, holding at most `limit` bytes: more data is a
/// [`ReadError::TooLarge`], found after reading one byte past the limit.
/// `hint` bytes are reserved first when the memory can be had (an untrusted
/// size is fine: it only sizes the first allocation). Running out of memory
/// is a [`ReadError::OutOfMemory`], not an abort.
pub fn read_to_end_bounded(
    mut r: impl Read,
    limit: u64,
    hint: u64,
) -> std::result::Result<Vec<u8>, ReadError> {
    let mut out: Vec<u8> = Vec::new();
    let mut room = if hint > 0 { hint } else { FIRST_ROOM }.min(limit);
    loop {
        let len = out.len() as u64;
        if room > 0 {
            reserve_exact(&mut out, room)?;
            // Fills the room just reserved: `read_to_end` does not grow a
            // vector whose reader ends where its room does.
            match (&mut r).take(room).read_to_end(&mut out) {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::OutOfMemory => {
                    return Err(ReadError::OutOfMemory {
                        read: out.len() as u64,
                    })
                }
                Err(e) => return Err(ReadError::Io(e)),
            }
            if (out.len() as u64) < len + room {
                return Ok(out);
            }
        }
        // The room is full (a regular file of the hinted size usually
        // ends here): look for more before growing.
        let mut probe = [0u8; 64];
        let n = loop {
            match r.read(&mut probe) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(ReadError::Io(e)),
            }
        };
        if n == 0 {
            return Ok(out);
        }
        let len = out.len() as u64;
        if len + n as u64 > limit {
            return Err(ReadError::TooLarge { limit });
        }
        let grow = growth(len, n as u64, limit);
        reserve_exact(&mut out, grow)?;
        out.extend_from_slice(&probe[..n]);
        room = grow - n as u64;
    }
}

/// The uncompressed size the gzip trailer of `data` claims (modulo 2^32),
/// believed only up to a plausible compression ratio: a size hint.
fn gzip_size_hint(data: &[u8]) -> u64 {
    let tail = match data.len().checked_sub(4) {
        Some(at) if data.len() >= 8 => data.get(at..).and_then(|t| t.try_into().ok()),
        _ => None,
    };
    claimed_size_hint(u64::try_from(data.len()).unwrap_or(u64::MAX), tail)
}

/// [`gzip_size_hint`] of gzip data of `len` bytes whose last four are
/// `tail` (none: too short to tell).
fn claimed_size_hint(len: u64, tail: Option<[u8; 4]>) -> u64 {
    let claimed = tail.map_or(0, |t| u64::from(u32::from_le_bytes(t)));
    claimed.min(len.saturating_mul(MAX_TRUSTED_GZIP_RATIO))
}

/// The error of a bounded read of decompressed data.
fn inflate_error(e: ReadError) -> Error {
    match e {
        ReadError::Io(e) => Error::Decompress(e),
        ReadError::TooLarge { limit } => Error::TooLarge { limit },
        ReadError::OutOfMemory { read } => Error::OutOfMemory { bytes: read },
    }
}

/// Decompresses `data` if it is gzip (by magic bytes); returns it unchanged otherwise.
pub fn maybe_decompress<'a>(
    data: &'a [u8],
    opts: &DecodeOptions,
) -> Result<std::borrow::Cow<'a, [u8]>> {
    if !is_gzip(data) {
        return Ok(std::borrow::Cow::Borrowed(data));
    }
    let dec = flate2::bufread::MultiGzDecoder::new(data);
    read_to_end_bounded(dec, opts.max_decompressed, gzip_size_hint(data))
        .map(std::borrow::Cow::Owned)
        .map_err(inflate_error)
}

/// Decodes a profile from bytes, gzip-compressed or not, with default options.
pub fn decode(data: &[u8]) -> Result<Profile> {
    decode_with(data, &DecodeOptions::default())
}

/// Decodes a profile from bytes, gzip-compressed or not (decompressing
/// large gzip data on a second thread while decoding: see
/// [`decompress_decoding`]).
pub fn decode_with(data: &[u8], opts: &DecodeOptions) -> Result<Profile> {
    decompress_decoding(data, opts)?.profile(opts)
}

#[derive(Default)]
struct RawLocation {
    id: u64,
    mapping_id: u64,
    address: u64,
    lines: Vec<(u64, i64, i64)>,
    is_folded: bool,
}

/// Maps file ids to table indexes.
enum IdMap {
    /// Ids 1 to n in table order (as Go writes them): id k is entry k - 1.
    Sequential(u64),
    Dense(Vec<u32>),
    Sparse(HashMap<u64, u32, foldhash::fast::RandomState>),
}

/// The first broken invariant found, with the position it was found at
/// (a sample or table index), so the earliest one can be reported.
type Problem = (usize, V);

/// The numeric labels' distinct (key, unit) pairs, in order of first
/// appearance.
type UnitPairs = Vec<(StrId, StrId)>;

/// Adds `pair` to `units` unless it is there already.
fn note_unit(units: &mut UnitPairs, pair: (StrId, StrId)) {
    if !units.contains(&pair) {
        units.push(pair);
    }
}

impl IdMap {
    /// Maps the ids of one table as pprof resolves them: an id may be 0,
    /// and when ids repeat the last entry wins. Also returns the first
    /// entry pprof's `CheckValid` rejects (id 0, or an id seen before).
    fn build(
        ids: impl Iterator<Item = u64> + Clone,
        n: usize,
        table: IdTable,
    ) -> (IdMap, Option<Problem>) {
        let mut problem = None;
        let mut note = |i: usize, id: u64, seen: bool| {
            if problem.is_none() && (id == 0 || seen) {
                problem = Some((
                    i,
                    if id == 0 {
                        V::ReservedId { table }
                    } else {
                        V::DuplicateId { table, id }
                    },
                ));
            }
        };
        if ids.clone().zip(1u64..).all(|(id, want)| id == want) && n < u32::MAX as usize {
            return (IdMap::Sequential(n as u64), None);
        }
        let max = ids.clone().max().unwrap_or(0);
        if max <= (n as u64).saturating_mul(4) + 64 {
            let mut v = vec![u32::MAX; max as usize + 1];
            for (i, id) in ids.enumerate() {
                let slot = &mut v[id as usize];
                note(i, id, *slot != u32::MAX);
                *slot = i as u32;
            }
            (IdMap::Dense(v), problem)
        } else {
            let mut m =
                HashMap::with_capacity_and_hasher(n, foldhash::fast::RandomState::default());
            for (i, id) in ids.enumerate() {
                let seen = m.insert(id, i as u32).is_some();
                note(i, id, seen);
            }
            (IdMap::Sparse(m), problem)
        }
    }

    #[inline]
    fn get(&self, id: u64) -> Option<u32> {
        match self {
            IdMap::Sequential(n) => (id.wrapping_sub(1) < *n).then(|| (id - 1) as u32),
            IdMap::Dense(v) => v.get(id as usize).copied().filter(|&i| i != u32::MAX),
            IdMap::Sparse(m) => m.get(&id).copied(),
        }
    }
}

/// Samples from which two threads decode them, each half into its part of
/// the table.
const PARALLEL_SAMPLES: usize = 20_000;

/// Upper bounds of the location ids, values and labels of a sample record
/// (each varint of a packed field ends in the one byte of it below 0x80);
/// where the record stops making sense the counting stops too (decoding
/// then reports the error).
fn sample_item_bounds(b: &[u8]) -> [usize; 3] {
    let mut c = [0usize; 3];
    let mut r = Reader::new(b, 0, "Sample");
    while !r.at_end() {
        let Ok((field, wt)) = r.key() else { break };
        let slot = match field {
            1..=3 => Some(field as usize - 1),
            _ => None,
        };
        if wt == LEN {
            let Ok((payload, _)) = r.bytes() else { break };
            match slot {
                Some(i @ 0..=1) => c[i] += varint_ends(payload),
                Some(i) => c[i] += 1,
                None => {}
            }
        } else {
            if r.skip(wt).is_err() {
                break;
            }
            if let Some(i) = slot {
                c[i] += 1;
            }
        }
    }
    c
}

/// The bytes of `b` below 0x80: the varints that end in it. Eight bytes
/// at a time, their counts summed in byte lanes (up to 255 words at once,
/// so that no lane overflows), then the lanes added up.
fn varint_ends(b: &[u8]) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    let mut total = 0;
    let mut words = b.chunks_exact(8);
    loop {
        let mut lanes = 0u64;
        let mut n = 0;
        for w in words.by_ref().take(255) {
            let w = u64::from_le_bytes(w.try_into().unwrap_or_default());
            lanes += (!w >> 7) & LOW;
            n += 1;
        }
        // Pairs of byte lanes into 16-bit lanes, then those summed into
        // the top one.
        let pairs = (lanes & 0x00ff_00ff_00ff_00ff) + ((lanes >> 8) & 0x00ff_00ff_00ff_00ff);
        total += (pairs.wrapping_mul(0x0001_0001_0001_0001) >> 48) as usize;
        if n < 255 {
            break;
        }
    }
    total + words.remainder().iter().filter(|&&x| x < 0x80).count()
}

/// Sample records between two marks of [`SampleMarks`]: each run of a
/// parallel decode starts at a mark.
const SAMPLE_MARK: usize = 4096;

/// Where the sample records are: how many, and the offset of every
/// [`SAMPLE_MARK`]-th one (the first included) with the sizes of the
/// samples before it, and the sizes of all.
#[derive(Default)]
struct SampleMarks {
    count: usize,
    marks: Vec<(usize, Sizes)>,
    sizes: Sizes,
    /// Where the last record ends, and whether something else lies
    /// between two records.
    end: usize,
    apart: bool,
}

impl SampleMarks {
    /// Notes the sample record from `offset` to `end` whose payload is `b`.
    #[inline]
    fn note(&mut self, offset: usize, end: usize, b: &[u8]) {
        self.apart |= self.count > 0 && offset != self.end;
        self.end = end;
        if self.count.is_multiple_of(SAMPLE_MARK) {
            self.marks.push((offset, self.sizes));
        }
        self.count += 1;
        self.sizes.samples += 1;
        for (total, n) in self.sizes.items.iter_mut().zip(sample_item_bounds(b)) {
            *total += n;
        }
    }

    /// Where the first sample record starts.
    fn first(&self) -> usize {
        self.marks.first().map_or(0, |m| m.0)
    }

    /// The sizes of the samples before the mark nearest the middle and of
    /// those after; `None` when there are too few marks to split.
    fn halves(&self) -> Option<[Sizes; 2]> {
        let last = self.marks.len().checked_sub(1).filter(|&l| l > 0)?;
        let k = ((self.count / 2 + SAMPLE_MARK / 2) / SAMPLE_MARK).clamp(1, last);
        let (_, a) = self.marks[k];
        let b = Sizes {
            samples: self.sizes.samples - a.samples,
            items: [0, 1, 2].map(|i| self.sizes.items[i] - a.items[i]),
        };
        Some([a, b])
    }

    /// About [`crate::chunks::RUNS`] runs of the samples, each from a mark to the
    /// next run's (the last to the end): the index of its first sample,
    /// the offset of its record, how many samples it has, and their sizes.
    fn runs(&self) -> Vec<(usize, usize, usize, Sizes)> {
        let per = self.marks.len().div_ceil(crate::chunks::RUNS).max(1);
        let starts: Vec<usize> = (0..self.marks.len()).step_by(per).collect();
        (starts.iter().enumerate())
            .map(|(j, &m)| {
                let (offset, before) = self.marks[m];
                let (end, after) = match starts.get(j + 1) {
                    Some(&n) => (n * SAMPLE_MARK, self.marks[n].1),
                    None => (self.count, self.sizes),
                };
                let sizes = Sizes {
                    samples: after.samples - before.samples,
                    items: [0, 1, 2].map(|i| after.items[i] - before.items[i]),
                };
                (m * SAMPLE_MARK, offset, end - m * SAMPLE_MARK, sizes)
            })
            .collect()
    }
}

/// Memory a decode may still take, shared by the threads decoding samples.
struct Budget {
    limit: u64,
    input: u64,
    used: AtomicU64,
}

impl Budget {
    fn new(budget: MemoryBudget, input_len: usize) -> Budget {
        let input = u64::try_from(input_len).unwrap_or(u64::MAX);
        Budget {
            limit: budget.limit_for(input),
            input,
            used: AtomicU64::new(0),
        }
    }

    fn exceeded(&self) -> Error {
        Error::OverBudget {
            budget: self.limit,
            input: self.input,
        }
    }

    /// Whether `bytes` more would stay within the limit (nothing counted).
    fn fits(&self, bytes: u64) -> bool {
        self.used.load(Ordering::Relaxed).saturating_add(bytes) <= self.limit
    }

    /// Counts `bytes` more; an error once the total passes the limit.
    fn charge(&self, bytes: u64) -> Result<()> {
        let total = self
            .used
            .fetch_add(bytes, Ordering::Relaxed)
            .saturating_add(bytes);
        if total > self.limit {
            return Err(self.exceeded());
        }
        Ok(())
    }
}

/// How many records of each kind the top level of a message holds.
#[derive(Default)]
struct RecordCounts {
    samples: usize,
    mappings: usize,
    locations: usize,
    functions: usize,
    strings: usize,
}

impl RecordCounts {
    /// Counts the length-delimited records of `data` by field number,
    /// without decoding them; where the data stops making sense the count
    /// stops too (the decoder then reports the error).
    fn of(data: &[u8]) -> RecordCounts {
        let mut c = RecordCounts::default();
        let mut r = Reader::new(data, 0, "Profile");
        while !r.at_end() {
            let Ok((field, wt)) = r.key() else { break };
            if wt != LEN {
                if r.skip(wt).is_err() {
                    break;
                }
                continue;
            }
            if r.bytes().is_err() {
                break;
            }
            c.add(field);
        }
        c
    }

    /// Counts one length-delimited record of field `field`; returns what
    /// it takes once decoded, before the sizes of its contents are known.
    #[inline]
    fn add(&mut self, field: u32) -> u64 {
        let (n, each) = match field {
            2 => (&mut self.samples, cost::SAMPLE),
            3 => (&mut self.mappings, cost::MAPPING),
            4 => (&mut self.locations, cost::LOCATION),
            5 => (&mut self.functions, cost::FUNCTION),
            6 => (&mut self.strings, cost::STRING),
            _ => return 0,
        };
        *n += 1;
        each
    }

    /// What these records take once decoded, before the sizes of their
    /// contents are known.
    fn cost(&self) -> u64 {
        let n = |count: usize, each: u64| (count as u64).saturating_mul(each);
        n(self.samples, cost::SAMPLE)
            .saturating_add(n(self.mappings, cost::MAPPING))
            .saturating_add(n(self.locations, cost::LOCATION))
            .saturating_add(n(self.functions, cost::FUNCTION))
            .saturating_add(n(self.strings, cost::STRING))
    }
}

/// What the decoder counts against the budget: the final structure and the
/// working copy read while scanning, per entry of each kind.
mod cost {
    use super::RawLocation;
    use crate::profile::{Function, Line, Location, Mapping};
    use std::mem::size_of;

    /// Bookkeeping of one heap allocation (allocator rounding and headers).
    pub(super) const ALLOC: u64 = 16;
    /// A slot of an id map (dense vector or hash map).
    const ID_SLOT: u64 = 16;

    const fn sz<T>() -> u64 {
        size_of::<T>() as u64
    }

    /// A sample's entries in the flat table: where its location ids, values
    /// and labels end (its items are [`sample_heap`]).
    pub(super) const SAMPLE: u64 = 3 * sz::<usize>();
    pub(super) const MAPPING: u64 = sz::<(Mapping, u64, u64, usize)>() + sz::<Mapping>() + ID_SLOT;
    pub(super) const LOCATION: u64 = sz::<RawLocation>() + sz::<Location>() + 2 * ALLOC + ID_SLOT;
    pub(super) const LINE: u64 = sz::<(u64, i64, i64)>() + sz::<Line>();
    pub(super) const FUNCTION: u64 =
        sz::<(Function, [u64; 3], usize)>() + sz::<Function>() + ID_SLOT;
    /// A string table entry read (the slice and its remapped id); distinct
    /// strings are counted again once interned.
    pub(super) const STRING: u64 = sz::<&[u8]>() + sz::<crate::StrId>();
    /// Samples decoded between two updates of the shared count.
    pub(super) const SAMPLE_BATCH: usize = 4096;

    /// Bytes of one sample's items in the flat table.
    pub(super) fn sample_heap(locs: usize, values: usize, labels: usize) -> u64 {
        (locs * size_of::<crate::LocationId>()
            + values * size_of::<i64>()
            + labels * size_of::<crate::Label>()) as u64
    }
}

struct Strings {
    table: StringTable,
    remap: Vec<StrId>,
}

impl Strings {
    #[inline]
    fn get(&self, idx: u64, r: &Reader<'_>) -> std::result::Result<StrId, DecodeError> {
        self.remap
            .get(idx as usize)
            .copied()
            .ok_or_else(|| r.err(K::StringIndex(idx as i64)))
    }
}

/// Decodes uncompressed profile.proto bytes with default options.
pub fn decode_uncompressed(data: &[u8]) -> Result<Profile> {
    decode_uncompressed_with(data, &DecodeOptions::default())
}

/// Decodes uncompressed profile.proto bytes within the memory budget of
/// `opts` (its other options are about compressed data).
///
/// Problems are reported as pprof finds them: a message that does not
/// decode ([`Error::Decode`]) wherever it is in the data; then, for a
/// message that decodes, the first broken invariant ([`Error::Invalid`])
/// in the order of pprof's `CheckValid`: sample types, then each sample
/// (value count, unknown location ids), then mapping, function and location
/// ids (0 or repeated), then each location's lines.
pub fn decode_uncompressed_with(data: &[u8], opts: &DecodeOptions) -> Result<Profile> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    let budget = Budget::new(opts.memory_budget, data.len());
    // Count the records first: their cost is checked before anything is
    // allocated (hostile data made of empty records stops here, at once),
    // and the vectors of the scan get their exact sizes.
    let mut scan = Scan::counted(RecordCounts::of(data), &budget)?;
    let mut r = Reader::new(data, 0, "Profile");
    while !r.at_end() {
        scan.field(&mut r)?;
    }
    finish(data, scan, &budget, &opts.labels, None)
}

/// The top level of a profile message read field by field: everything but
/// the samples, whose records are only located and sized (so that their
/// table is made once, at its size, and split for a parallel decode), with
/// the memory all this takes charged as it is read.
struct Scan {
    /// Bytes charged so far, the most allowed, and the input size the
    /// limit is for (named by the error).
    charged: u64,
    limit: u64,
    input: u64,
    /// Whether each record is counted and charged as it is read (no count
    /// was made first).
    counting: bool,
    counts: RecordCounts,
    samples: SampleMarks,
    sample_types: Vec<(u64, u64, usize)>,
    period_type: Option<(u64, u64, usize)>,
    mappings: Vec<(Mapping, u64, u64, usize)>,
    locations: Vec<RawLocation>,
    functions: Vec<(Function, [u64; 3], usize)>,
    /// Where each string of the string table lies in the data.
    strings: Vec<std::ops::Range<usize>>,
    /// String indexes of drop_frames, keep_frames, default_sample_type and
    /// doc_url.
    drop_x: u64,
    keep_x: u64,
    default_x: u64,
    doc_x: u64,
    time_nanos: Option<i64>,
    duration_nanos: i64,
    period: i64,
    comments: Vec<u64>,
    /// The samples' room made as they are counted, while the data is
    /// inflated ([`Scan::room_ahead`]); whether its capacity was guessed.
    early: Option<EarlyRoom>,
    guessed: bool,
}

impl Scan {
    fn empty(counting: bool, counts: RecordCounts) -> Scan {
        Scan {
            charged: 0,
            limit: u64::MAX,
            input: 0,
            counting,
            samples: SampleMarks::default(),
            sample_types: Vec::new(),
            period_type: None,
            mappings: Vec::with_capacity(counts.mappings),
            locations: Vec::with_capacity(counts.locations),
            functions: Vec::with_capacity(counts.functions),
            strings: Vec::with_capacity(counts.strings),
            counts,
            drop_x: 0,
            keep_x: 0,
            default_x: 0,
            doc_x: 0,
            time_nanos: None,
            duration_nanos: 0,
            period: 0,
            comments: Vec::new(),
            early: None,
            guessed: false,
        }
    }

    /// A scan of data whose records were counted first: their cost is
    /// charged (an error past the budget) and the vectors sized.
    fn counted(counts: RecordCounts, budget: &Budget) -> Result<Scan> {
        let charged = counts.cost();
        if charged > budget.limit {
            return Err(budget.exceeded());
        }
        let mut s = Scan::empty(false, counts);
        s.charged = charged;
        s.limit = budget.limit;
        s.input = budget.input;
        Ok(s)
    }

    /// A scan of data that arrives in pieces ([`Scan::advance`]), counting
    /// and charging each record as it comes (their number is not known
    /// yet).
    fn streaming() -> Scan {
        Scan::empty(true, RecordCounts::default())
    }

    /// Counts `bytes` more; an error once the total passes the limit.
    fn charge(&mut self, bytes: u64) -> Result<()> {
        self.charged = self.charged.saturating_add(bytes);
        if self.charged > self.limit {
            return Err(Error::OverBudget {
                budget: self.limit,
                input: self.input,
            });
        }
        Ok(())
    }

    /// Reads one top-level field.
    fn field(&mut self, r: &mut Reader<'_>) -> Result<()> {
        r.field = "Profile";
        let key_at = r.offset();
        let (field, wt) = r.key()?;
        if self.counting && wt == LEN {
            let c = self.counts.add(field);
            self.charge(c)?;
        }
        match field {
            1 | 11 => {
                r.field = if field == 1 {
                    "Profile.sample_type"
                } else {
                    "Profile.period_type"
                };
                let vt = read_value_type(r, wt)?;
                if field == 1 {
                    self.charge(std::mem::size_of::<ValueType>() as u64 * 2)?;
                    self.sample_types.push(vt);
                } else {
                    self.period_type = Some(vt);
                }
            }
            2 => {
                r.field = "Profile.sample";
                let (b, _) = expect_len(r, wt)?;
                self.samples.note(key_at, r.offset(), b);
            }
            3 => {
                r.field = "Profile.mapping";
                let (b, off) = expect_len(r, wt)?;
                self.mappings.push(read_mapping(b, off)?);
            }
            4 => {
                r.field = "Profile.location";
                let (b, off) = expect_len(r, wt)?;
                let l = read_location(b, off)?;
                self.charge(cost::LINE * l.lines.len() as u64)?;
                self.locations.push(l);
            }
            5 => {
                r.field = "Profile.function";
                let (b, off) = expect_len(r, wt)?;
                self.functions.push(read_function(b, off)?);
            }
            6 => {
                r.field = "Profile.string_table";
                let (b, off) = expect_len(r, wt)?;
                if self.strings.is_empty() && !b.is_empty() {
                    return Err(r.err(K::FirstStringNotEmpty).into());
                }
                self.strings.push(off..off + b.len());
            }
            7 => {
                r.field = "Profile.drop_frames";
                self.drop_x = r.int(wt)?;
            }
            8 => {
                r.field = "Profile.keep_frames";
                self.keep_x = r.int(wt)?;
            }
            9 => {
                r.field = "Profile.time_nanos";
                if self.time_nanos.is_some_and(|t| t != 0) {
                    return Err(r.err(K::Concatenated).into());
                }
                self.time_nanos = Some(r.int(wt)? as i64);
            }
            10 => {
                r.field = "Profile.duration_nanos";
                self.duration_nanos = r.int(wt)? as i64;
            }
            12 => {
                r.field = "Profile.period";
                self.period = r.int(wt)? as i64;
            }
            13 => {
                r.field = "Profile.comment";
                let before = self.comments.len();
                r.repeated(wt, |v| self.comments.push(v))?;
                let added = self.comments.len() - before;
                self.charge((added * std::mem::size_of::<u64>() * 2) as u64)?;
            }
            14 => {
                r.field = "Profile.default_sample_type";
                self.default_x = r.int(wt)?;
            }
            15 => {
                r.field = "Profile.doc_url";
                self.doc_x = r.int(wt)?;
            }
            _ => r.skip(wt)?,
        }
        Ok(())
    }

    /// Reads the fields of `data` from `*pos` on that lie whole in it,
    /// moving `*pos` past them, under a budget for `data.len()` bytes of
    /// input. False when a field does not decode or the budget is spent:
    /// the scan stops there (the whole data is then decoded afresh, which
    /// reports the problem).
    fn advance(&mut self, data: &[u8], pos: &mut usize, budget: MemoryBudget) -> bool {
        self.input = data.len() as u64;
        self.limit = budget.limit_for(self.input);
        while let Some(len) = whole_field(&data[*pos..]) {
            let mut r = Reader::new(&data[*pos..*pos + len], *pos, "Profile");
            if self.field(&mut r).is_err() || !r.at_end() {
                return false;
            }
            *pos += len;
        }
        true
    }

    /// Grows the samples' early room to the sizes counted so far (see
    /// [`EarlyRoom`]), its capacity guessed once a few thousand samples are
    /// counted: their sizes scaled from the `pos` bytes scanned to the
    /// `hint` bytes the whole is said to have (the size gzip claims), and a
    /// quarter more, when the budget of `hint` bytes allows that much; it
    /// grows within the budget of the bytes scanned. When the guess was
    /// short, the room stops growing and the table is made at the end, as
    /// without it.
    fn room_ahead(&mut self, pos: usize, hint: u64, budget: MemoryBudget) {
        let s = self.samples.sizes;
        let cost = |s: &Sizes| {
            let ends = (s.samples as u64).saturating_mul(cost::SAMPLE);
            ends.saturating_add(cost::sample_heap(s.items[0], s.items[1], s.items[2]))
        };
        if !self.guessed {
            if s.samples < SAMPLE_MARK || pos == 0 || hint <= pos as u64 {
                return;
            }
            self.guessed = true;
            let scale = |x: usize| {
                let x = (x as u128) * u128::from(hint) * 5 / 4 / pos as u128;
                usize::try_from(x).unwrap_or(usize::MAX / 2) + SAMPLE_MARK
            };
            let cap = Sizes {
                samples: scale(s.samples),
                items: s.items.map(scale),
            };
            // Fewer samples are decoded on one thread, into a table made
            // otherwise.
            if cap.samples >= PARALLEL_SAMPLES
                && self.charged.saturating_add(cost(&cap)) <= budget.limit_for(hint)
            {
                self.early = EarlyRoom::with_capacity(cap);
            }
        }
        if let Some(room) = &mut self.early {
            // Within the budget of the bytes scanned so far.
            if self.charged.saturating_add(cost(&s)) <= self.limit {
                room.grow_to(s);
            }
        }
    }
}

/// The length of the field `buf` starts with, when all of it is in `buf`.
/// A key of no wire type counts as a whole field of its own (reading it
/// fails); a varint longer than 10 bytes never ends.
fn whole_field(buf: &[u8]) -> Option<usize> {
    fn varint(buf: &[u8]) -> Option<(u64, usize)> {
        let mut x = 0u64;
        for (i, &b) in buf.iter().enumerate().take(10) {
            x |= u64::from(b & 0x7f).wrapping_shl(7 * i as u32);
            if b < 0x80 {
                return Some((x, i + 1));
            }
        }
        None
    }
    let (key, k) = varint(buf)?;
    let body = match (key & 7) as u8 {
        wire::VARINT => varint(&buf[k..])?.1,
        wire::FIXED64 => 8,
        wire::FIXED32 => 4,
        LEN => {
            let (len, n) = varint(&buf[k..])?;
            n.checked_add(usize::try_from(len).ok()?)?
        }
        _ => 0,
    };
    let total = k.checked_add(body)?;
    (total <= buf.len()).then_some(total)
}

/// Builds the profile from a whole scan of `data`: strings, tables, then
/// the samples (in runs on two threads at once when there are many). With `keep`,
/// the bytes `data` is, the samples keep their records when they can be
/// written back as they are ([`Samples::set_records`]).
fn finish(
    data: &[u8],
    scan: Scan,
    budget: &Budget,
    labels: &LabelNeed,
    keep: Option<&std::sync::Arc<Vec<u8>>>,
) -> Result<Profile> {
    budget.charge(scan.charged)?;
    let Scan {
        counts,
        samples: sample_marks,
        sample_types,
        period_type,
        mappings: raw_mappings,
        locations: raw_locations,
        functions: raw_functions,
        strings: raw_strings,
        drop_x,
        keep_x,
        default_x,
        doc_x,
        time_nanos,
        duration_nanos,
        period,
        comments,
        early,
        ..
    } = scan;

    // The samples' table, when two threads will fill it, is made (its
    // room zeroed, or the room made while counting completed) on another
    // thread while this one builds the strings and the tables, if it fits
    // the budget (which is charged for it below, in its turn, so that
    // errors come in the same order). (Made here instead, the labels' room
    // raised the peak memory of -callgrind on large.pb.gz by about 20 MB.)
    let nvalues = sample_types.len();
    let keep_any = nvalues > 0;
    let n_samples = sample_marks.count;
    let split = sample_marks
        .halves()
        .filter(|_| n_samples >= PARALLEL_SAMPLES && keep_any && n_samples == counts.samples);
    let sample_cost = |halves: &[Sizes; 2]| {
        let [a, b] = halves.map(|h| cost::sample_heap(h.items[0], h.items[1], h.items[2]));
        a.saturating_add(b)
    };
    // Labels nobody reads are not kept: the samples' room has none.
    let keep_labels = labels.keeps(raw_strings.iter().map(|r| &data[r.clone()]));
    let stored = move |mut s: Sizes| {
        if !keep_labels {
            s.items[2] = 0;
        }
        s
    };
    let room = match split {
        Some(halves) if budget.fits(sample_cost(&halves)) => (std::thread::Builder::new())
            .spawn(move || {
                let [a, b] = halves.map(stored);
                early
                    .and_then(|r| r.into_room(a, b))
                    .unwrap_or_else(|| Samples::room_for(a, b))
            })
            .ok(),
        _ => {
            // Not held while the samples are decoded otherwise.
            drop(early);
            None
        }
    };

    // String table: deduplicate so that ids compare like strings.
    let mut table = StringTable::new();
    // Bytes kept exactly, invalid UTF-8 included (see `strings`).
    let texts: Vec<&[u8]> = raw_strings.into_iter().map(|s| &data[s]).collect();
    let remap = table.intern_all_bytes(&texts);
    budget.charge(table.heap_bytes())?;
    let strings = Strings { table, remap };
    let s =
        |idx: u64, field: &'static str, off: usize| -> std::result::Result<StrId, DecodeError> {
            strings.remap.get(idx as usize).copied().ok_or(DecodeError {
                kind: K::StringIndex(idx as i64),
                field,
                offset: off,
            })
        };

    let mut p = Profile::new();
    for (t, u, off) in sample_types {
        p.sample_types.push(ValueType {
            r#type: s(t, "ValueType.type", off)?,
            unit: s(u, "ValueType.unit", off)?,
        });
    }
    if let Some((t, u, off)) = period_type {
        p.period_type = ValueType {
            r#type: s(t, "ValueType.type", off)?,
            unit: s(u, "ValueType.unit", off)?,
        };
    }
    p.drop_frames = s(drop_x, "Profile.drop_frames", 0)?;
    p.keep_frames = s(keep_x, "Profile.keep_frames", 0)?;
    p.default_sample_type = s(default_x, "Profile.default_sample_type", 0)?;
    p.doc_url = s(doc_x, "Profile.doc_url", 0)?;
    p.time_nanos = time_nanos.unwrap_or(0);
    p.duration_nanos = duration_nanos;
    p.period = period;
    for c in comments {
        p.comments.push(s(c, "Profile.comment", 0)?);
    }

    // Mappings.
    let (mapping_ids, mapping_problem) = IdMap::build(
        raw_mappings.iter().map(|m| m.0.id),
        raw_mappings.len(),
        IdTable::Mapping,
    );
    p.mappings.reserve_exact(raw_mappings.len());
    for (mut m, file, build, off) in raw_mappings {
        m.file = s(file, "Mapping.filename", off)?;
        m.build_id = s(build, "Mapping.build_id", off)?;
        p.mappings.push(m);
    }

    // Functions.
    let (function_ids, function_problem) = IdMap::build(
        raw_functions.iter().map(|f| f.0.id),
        raw_functions.len(),
        IdTable::Function,
    );
    p.functions.reserve_exact(raw_functions.len());
    for (mut f, [name, sys, file], off) in raw_functions {
        f.name = s(name, "Function.name", off)?;
        f.system_name = s(sys, "Function.system_name", off)?;
        f.filename = s(file, "Function.filename", off)?;
        p.functions.push(f);
    }

    // Locations. A line whose function id is 0 or unknown is pprof's "nil
    // function"; the first such location is remembered with the first bad
    // location id, whichever comes first.
    let (location_ids, mut location_problem) = IdMap::build(
        raw_locations.iter().map(|l| l.id),
        raw_locations.len(),
        IdTable::Location,
    );
    p.locations.reserve_exact(raw_locations.len());
    for (i, rl) in raw_locations.into_iter().enumerate() {
        let mapping = if rl.mapping_id == 0 {
            None
        } else {
            mapping_ids.get(rl.mapping_id).map(MappingId)
        };
        // (Collected in place: the raw lines' room holds the lines.)
        let lines: Vec<Line> = (rl.lines.into_iter())
            .filter_map(|(fid, line, column)| {
                let found = if fid == 0 {
                    None
                } else {
                    function_ids.get(fid)
                };
                if found.is_none() && location_problem.as_ref().is_none_or(|(at, _)| *at > i) {
                    location_problem = Some((i, V::DanglingFunction { location_id: rl.id }));
                }
                Some(Line {
                    function: FunctionId(found?),
                    line,
                    column,
                })
            })
            .collect();
        p.locations.push(Location {
            id: rl.id,
            mapping,
            address: rl.address,
            lines,
            is_folded: rl.is_folded,
        });
    }

    // Samples, when there are many, in runs decoded on two threads at
    // once: each run scans the top level from its first sample record and
    // writes straight into its part of one flat table, whose room was
    // counted from the bytes (and charged to the budget) while scanning.
    // Each run stops keeping samples at its first broken one (the profile
    // is then refused), but reads on: a later undecodable sample is
    // reported first.
    // `push` stores a sample; false when its room is full (the room is
    // counted from the same bytes, so it never is). `charge`: count the
    // samples' items against the budget (not when their room was).
    type Push<'p> = &'p mut dyn FnMut(&[LocationId], &[i64], &[Label]) -> bool;
    let decode_chunk = |from: usize,
                        first_index: usize,
                        count: usize,
                        charge: bool,
                        push: Push<'_>|
     -> Result<(Option<Problem>, UnitPairs)> {
        let mut problem: Option<Problem> = None;
        let mut units = UnitPairs::new();
        let mut locs: Vec<LocationId> = Vec::with_capacity(64);
        let mut vals: Vec<i64> = Vec::with_capacity(8);
        let mut labels: Vec<Label> = Vec::new();
        let mut heap: u64 = 0;
        let mut top = Reader::new(&data[from..], from, "Profile");
        let mut k = 0;
        while k < count && !top.at_end() {
            let (field, wt) = top.key()?;
            if field != 2 {
                top.skip(wt)?;
                continue;
            }
            let (b, start) = expect_len(&mut top, wt)?;
            let mut r = Reader::new(b, start, "Sample");
            locs.clear();
            vals.clear();
            labels.clear();
            let mut unknown_location = false;
            while !r.at_end() {
                let (field, wt) = r.key()?;
                match field {
                    1 => {
                        r.field = "Sample.location_id";
                        r.repeated(wt, |id| match location_ids.get(id) {
                            Some(i) => locs.push(LocationId(i)),
                            None => unknown_location = true,
                        })?;
                    }
                    2 => {
                        r.field = "Sample.value";
                        r.repeated(wt, |v| vals.push(v as i64))?;
                    }
                    3 => {
                        r.field = "Sample.label";
                        let (b, off) = expect_len(&mut r, wt)?;
                        if let Some(l) = read_label(b, off, &strings)? {
                            labels.push(l);
                        }
                    }
                    _ => r.skip(wt)?,
                }
                r.field = "Sample";
            }
            let index = first_index + k;
            k += 1;
            if !keep_any || problem.is_some() {
                continue;
            }
            if vals.len() != nvalues {
                problem = Some((
                    index,
                    V::ValueCount {
                        sample: index,
                        got: vals.len(),
                        want: nvalues,
                    },
                ));
                continue;
            }
            if unknown_location {
                problem = Some((index, V::DanglingLocation { sample: index }));
                continue;
            }
            if charge {
                heap += cost::sample_heap(locs.len(), vals.len(), labels.len());
            }
            if k % cost::SAMPLE_BATCH == 0 {
                budget.charge(std::mem::take(&mut heap))?;
            }
            if !keep_labels {
                // Only the numeric labels' units are kept, noted in the
                // order that sorting all the labels gives them.
                labels.retain(|l| !l.is_str());
            }
            sort_labels(&strings.table, &mut labels);
            for l in labels.iter().filter(|l| !l.is_str()) {
                note_unit(&mut units, (l.key, l.num_unit));
            }
            if !keep_labels {
                labels.clear();
            }
            if !push(&locs, &vals, &labels) {
                return Err(r.err(K::Truncated).into());
            }
        }
        budget.charge(heap)?;
        Ok((problem, units))
    };
    let first = sample_marks.first();
    let (samples, sample_problem, units) = if let Some(halves) = split {
        budget.charge(sample_cost(&halves))?;
        let room = room.and_then(|h| h.join().ok());
        let runs = sample_marks.runs();
        let sizes: Vec<Sizes> = runs.iter().map(|r| stored(r.3)).collect();
        let (table, results) = Samples::fill_runs(room, &sizes, |j, f| {
            let Some(&(first_index, from, count, _)) = runs.get(j) else {
                return Ok((None, UnitPairs::new()));
            };
            decode_chunk(from, first_index, count, false, &mut |l, v, b| {
                f.push_parts(l, v, b)
            })
        });
        // In the order of the samples: the first error, else the first
        // broken sample; the units as one run would note them.
        let mut problem = None;
        let mut units = UnitPairs::new();
        for r in results {
            let (p, more) = r?;
            problem = problem.or(p);
            for u in more {
                note_unit(&mut units, u);
            }
        }
        (table, problem, units)
    } else {
        let mut table = Samples::new();
        // Room for the samples' sizes (counted as they were located) when
        // it fits the budget, which is charged sample by sample below, as
        // they are decoded.
        let sizes = sample_marks.sizes;
        let sized = budget.fits(cost::sample_heap(
            sizes.items[0],
            sizes.items[1],
            sizes.items[2],
        ));
        if sized {
            table.reserve_sizes(stored(sizes));
        }
        let (problem, units) = decode_chunk(first, 0, n_samples, true, &mut |l, v, b| {
            if table.is_empty() && !sized {
                // Backed by the records counted in the data.
                table.reserve(n_samples, nvalues);
            }
            table.push_parts(l, v, b);
            true
        })?;
        (table, problem, units)
    };
    p.samples = samples;
    p.strings = strings.table;

    if nvalues == 0 && n_samples != 0 {
        return Err(Error::Invalid(V::MissingSampleTypes));
    }
    if let Some((_, v)) = sample_problem
        .or(mapping_problem)
        .or(function_problem)
        .or(location_problem)
    {
        return Err(Error::Invalid(v));
    }
    // Every sample was read with its values counted, its location ids
    // found in the table and its labels' strings in range.
    p.samples.set_checked(Checked {
        locations: p.locations.len(),
        strings: p.strings.len(),
        values: nvalues,
    });
    p.samples.set_numeric_label_units(units);
    // The records read as the samples do (labels by pprof's rules too, in
    // any order) when each string index is the string's id, every label is
    // kept and nothing lies between two records.
    let keep = keep.filter(|k| std::ptr::eq(k.as_slice(), data));
    if let Some(data) = keep.filter(|_| keep_labels && !sample_marks.apart) {
        let identity = (strings.remap.iter().enumerate()).all(|(i, s)| s.index() == i);
        if identity && sample_marks.count == p.samples.len() {
            p.samples.set_records(crate::samples::Records {
                data: std::sync::Arc::clone(data),
                marks: sample_marks.marks.iter().map(|m| m.0).collect(),
                end: sample_marks.end,
                every: SAMPLE_MARK,
                location_ids: crate::profile::LocationIds::of(&p.locations),
            });
        }
    }
    Ok(p)
}

fn expect_len<'a>(
    r: &mut Reader<'a>,
    wt: u8,
) -> std::result::Result<(&'a [u8], usize), DecodeError> {
    if wt != LEN {
        return Err(r.err(K::WireType(wt)));
    }
    r.bytes()
}

fn read_value_type(
    r: &mut Reader<'_>,
    wt: u8,
) -> std::result::Result<(u64, u64, usize), DecodeError> {
    let (b, off) = expect_len(r, wt)?;
    let mut m = Reader::new(b, off, r.field);
    let (mut t, mut u) = (0, 0);
    while !m.at_end() {
        let (field, wt) = m.key()?;
        match field {
            1 => t = m.int(wt)?,
            2 => u = m.int(wt)?,
            _ => m.skip(wt)?,
        }
    }
    Ok((t, u, off))
}

fn read_mapping(
    b: &[u8],
    off: usize,
) -> std::result::Result<(Mapping, u64, u64, usize), DecodeError> {
    let mut r = Reader::new(b, off, "Mapping");
    let mut m = Mapping::default();
    let (mut file, mut build) = (0, 0);
    while !r.at_end() {
        let (field, wt) = r.key()?;
        match field {
            1 => m.id = r.int(wt)?,
            2 => m.start = r.int(wt)?,
            3 => m.limit = r.int(wt)?,
            4 => m.offset = r.int(wt)?,
            5 => file = r.int(wt)?,
            6 => build = r.int(wt)?,
            7 => m.has_functions = r.int(wt)? != 0,
            8 => m.has_filenames = r.int(wt)? != 0,
            9 => m.has_line_numbers = r.int(wt)? != 0,
            10 => m.has_inline_frames = r.int(wt)? != 0,
            _ => r.skip(wt)?,
        }
    }
    Ok((m, file, build, off))
}

fn read_location(b: &[u8], off: usize) -> std::result::Result<RawLocation, DecodeError> {
    let mut r = Reader::new(b, off, "Location");
    let mut l = RawLocation::default();
    while !r.at_end() {
        let (field, wt) = r.key()?;
        match field {
            1 => l.id = r.int(wt)?,
            2 => l.mapping_id = r.int(wt)?,
            3 => l.address = r.int(wt)?,
            4 => {
                let (lb, loff) = expect_len(&mut r, wt)?;
                let mut lr = Reader::new(lb, loff, "Line");
                let (mut f, mut line, mut column) = (0u64, 0i64, 0i64);
                while !lr.at_end() {
                    let (field, wt) = lr.key()?;
                    match field {
                        1 => f = lr.int(wt)?,
                        2 => line = lr.int(wt)? as i64,
                        3 => column = lr.int(wt)? as i64,
                        _ => lr.skip(wt)?,
                    }
                }
                l.lines.push((f, line, column));
            }
            5 => l.is_folded = r.int(wt)? != 0,
            _ => r.skip(wt)?,
        }
    }
    Ok(l)
}

fn read_function(
    b: &[u8],
    off: usize,
) -> std::result::Result<(Function, [u64; 3], usize), DecodeError> {
    let mut r = Reader::new(b, off, "Function");
    let mut f = Function::default();
    let mut x = [0u64; 3];
    while !r.at_end() {
        let (field, wt) = r.key()?;
        match field {
            1 => f.id = r.int(wt)?,
            2 => x[0] = r.int(wt)?,
            3 => x[1] = r.int(wt)?,
            4 => x[2] = r.int(wt)?,
            5 => f.start_line = r.int(wt)? as i64,
            _ => r.skip(wt)?,
        }
    }
    Ok((f, x, off))
}

#[inline]
fn read_label(
    b: &[u8],
    off: usize,
    strings: &Strings,
) -> std::result::Result<Option<Label>, DecodeError> {
    let mut r = Reader::new(b, off, "Label");
    let (mut key, mut str_, mut num, mut unit) = (0u64, 0u64, 0u64, 0u64);
    while !r.at_end() {
        let (field, wt) = r.key()?;
        match field {
            1 => key = r.int(wt)?,
            2 => str_ = r.int(wt)?,
            3 => num = r.int(wt)?,
            4 => unit = r.int(wt)?,
            _ => r.skip(wt)?,
        }
    }
    let key = strings.get(key, &r)?;
    if str_ != 0 {
        let v = strings.get(str_, &r)?;
        if v.is_empty() {
            // an index to a duplicate of "" behaves like a numeric 0 label
            return Ok(None);
        }
        return Ok(Some(Label {
            key,
            str: v,
            num: 0,
            num_unit: StrId::EMPTY,
        }));
    }
    if num != 0 || unit != 0 {
        let num_unit = strings.get(unit, &r)?;
        return Ok(Some(Label {
            key,
            str: StrId::EMPTY,
            num: num as i64,
            num_unit,
        }));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels that no reader needs are dropped, and only those: on one
    /// thread or two (small and large profiles, raw or gzipped), the
    /// profile is the one with every label but for the
    /// labels, the numeric labels' units are those of all labels, bad
    /// data fails alike and the memory budget is charged as if the labels
    /// were kept; a profile that holds a needed key keeps every label.
    /// The numeric labels' (key, unit) pairs are recorded in the order
    /// that sorting a sample's labels gives, whether its labels are kept
    /// or not.
    #[test]
    fn numeric_label_units_are_noted_alike_with_or_without_labels() {
        use prost::Message;
        let mut b = crate::build::ProfileBuilder::new(&[("samples", "count")]);
        let bin = b.mapping("/bin/x", 0x1000, 0x9000);
        let f = b.function("main.f", "x.go", 0);
        let loc = b.location(Some(bin), 0x1000, &[(f, 1)]);
        b.labelled_sample(&[loc], &[1], &[("worker", "w1")])
            .num_label("zeta", 1, "bytes")
            .num_label("alpha", 2, "ms");
        let mut msg = b.build().to_proto();
        // Written out of order: the numeric labels' keys backwards, after
        // the string label.
        for s in &mut msg.sample {
            s.label.reverse();
        }
        let data = msg.encode_to_vec();
        let all = decode_with(&data, &DecodeOptions::default()).unwrap();
        let none = DecodeOptions {
            labels: LabelNeed::Keys(Vec::new()),
            ..DecodeOptions::default()
        };
        let dropped = decode_with(&data, &none).unwrap();
        assert!(dropped.samples.all_labels().is_empty());
        let units = all.samples.numeric_label_units();
        assert_eq!(units.map(<[_]>::len), Some(2));
        assert_eq!(dropped.samples.numeric_label_units(), units);
    }

    #[test]
    fn labels_nobody_reads_are_dropped() {
        let drop = DecodeOptions {
            labels: LabelNeed::Keys(vec!["pprof::base".into()]),
            ..DecodeOptions::default()
        };
        let keep = DecodeOptions {
            labels: LabelNeed::Keys(vec!["nothing".into(), "worker".into()]),
            ..DecodeOptions::default()
        };
        for n in [300, 30_000] {
            let data = crate::encode(&inflate::tests::profile(n));
            let all = decode_with(&data, &DecodeOptions::default()).unwrap();
            assert!(all.samples.all_labels().len() > n);
            for mut d in [
                decode_with(&data, &drop).unwrap(),
                decompress_decoding(&data, &drop)
                    .unwrap()
                    .profile(&drop)
                    .unwrap(),
            ] {
                assert!(d.samples.all_labels().is_empty(), "{n} samples");
                assert_eq!(
                    d.samples.numeric_label_units(),
                    all.samples.numeric_label_units()
                );
                for (a, b) in d.samples.iter().zip(all.samples.iter()) {
                    assert_eq!((a.locations, a.values), (b.locations, b.values));
                }
                assert_eq!(d.samples.len(), n);
                // The rest of the profile is the same.
                d.samples = all.samples.clone();
                assert_eq!(d, all, "{n} samples");
            }
            assert_eq!(decode_with(&data, &keep).unwrap(), all);
            // The least budget that decodes the profile with its labels
            // decodes it without them, and one byte less does neither.
            let raw = crate::encode_uncompressed(&all);
            let budget = |bytes: u64, labels: &LabelNeed| DecodeOptions {
                memory_budget: MemoryBudget::Bytes(bytes),
                labels: labels.clone(),
                ..DecodeOptions::default()
            };
            let fits =
                |bytes, labels| decode_uncompressed_with(&raw, &budget(bytes, labels)).is_ok();
            let (mut lo, mut hi) = (0u64, 1u64 << 40);
            while lo + 1 < hi {
                let mid = (lo + hi) / 2;
                if fits(mid, &LabelNeed::All) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            assert!(
                fits(hi, &drop.labels) && !fits(hi - 1, &drop.labels),
                "{n} samples"
            );
        }
        // A label whose string index is out of range fails whether kept
        // or not.
        let mut p = inflate::tests::profile(10);
        let far = crate::StrId(p.strings.len() as u32 + 5);
        p.samples.edit(3, |s| s.labels[0].key = far);
        let data = crate::encode_uncompressed(&p);
        let want = decode_uncompressed_with(&data, &DecodeOptions::default()).unwrap_err();
        let got = decode_uncompressed_with(&data, &drop).unwrap_err();
        assert_eq!(format!("{got:?}"), format!("{want:?}"));
    }

    proptest::proptest! {
        /// Varint ends are counted as a byte-by-byte count finds them, for
        /// any bytes and length (past 255 words too).
        #[test]
        fn varint_ends_are_the_bytes_below_0x80(
            b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2100),
            high in proptest::prelude::any::<bool>(),
        ) {
            // Even bytes made continuation bytes, or any bytes.
            let b: Vec<u8> = b.iter().map(|&x| if high && x % 2 == 0 { x | 0x80 } else { x }).collect();
            let want = b.iter().filter(|&&x| x < 0x80).count();
            proptest::prop_assert_eq!(varint_ends(&b), want);
        }
    }

    /// A profile with fewer samples than a parallel decode takes has its
    /// samples' table made at its size: nothing held beyond what the
    /// samples use (a table grown as it fills holds up to twice that).
    #[test]
    fn small_sample_tables_are_made_at_their_size() {
        let p = inflate::tests::profile(777);
        assert!(p.samples.len() < PARALLEL_SAMPLES);
        let back =
            decode_uncompressed_with(&crate::encode_uncompressed(&p), &DecodeOptions::default())
                .unwrap();
        assert_eq!(back, p);
        let n = back.samples.len();
        let [locs, values, labels] = back.samples.iter().fold([0; 3], |[a, v, l], s| {
            [
                a + s.locations.len(),
                v + s.values.len(),
                l + s.labels.len(),
            ]
        });
        let ends = 3 * n * std::mem::size_of::<usize>();
        let items = locs * std::mem::size_of::<crate::LocationId>()
            + values * std::mem::size_of::<i64>()
            + labels * std::mem::size_of::<crate::Label>();
        assert_eq!(back.samples.heap_bytes(), ends + items);
    }

    /// A scan of data arriving in pieces makes the samples' room as it
    /// counts them when the size claimed for the whole lets it guess
    /// enough room within the memory budget; the profile is the same
    /// whether the guess held, fell short or was too large for the budget.
    #[test]
    fn samples_room_made_while_counting_gives_the_same_profile() {
        let p = inflate::tests::profile(30_000);
        let data = crate::encode_uncompressed(&p);
        let want = decode_uncompressed_with(&data, &DecodeOptions::default()).unwrap();
        let len = data.len() as u64;
        let tight = MemoryBudget::Bytes(64 << 20);
        // (claimed size, budget, whether room is made, whether it holds
        // the table)
        for (hint, budget, made, holds) in [
            (len, MemoryBudget::FromInput, true, true),
            (len / 2, MemoryBudget::FromInput, true, false),
            (len * 1000, MemoryBudget::FromInput, true, true),
            (len * 1000, tight, false, false),
            (len, tight, true, true),
            (0, MemoryBudget::FromInput, false, false),
        ] {
            let mut scan = Scan::streaming();
            let mut pos = 0;
            for end in (0..data.len())
                .step_by(64 << 10)
                .skip(1)
                .chain([data.len()])
            {
                assert!(scan.advance(&data[..end], &mut pos, budget));
                scan.room_ahead(pos, hint, budget);
            }
            assert_eq!(pos, data.len());
            assert_eq!(scan.early.is_some(), made, "claimed {hint} of {len}");
            let total = scan.samples.sizes;
            let held = scan.early.as_ref().is_some_and(|r| {
                let [a, b] = scan.samples.halves().unwrap();
                assert_eq!(total.items[0], a.items[0] + b.items[0]);
                r.holds(total)
            });
            assert_eq!(held, holds, "claimed {hint} of {len}");
            let got = finish(
                &data,
                scan,
                &Budget::new(budget, data.len()),
                &LabelNeed::All,
                None,
            );
            let got = got.unwrap();
            assert_eq!(got, want, "claimed {hint} of {len}");
        }
    }

    /// A reader that hands out `n` bytes in pieces of at most `piece`.
    struct Pieces {
        left: usize,
        piece: usize,
    }

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.piece).min(self.left);
            buf[..n].fill(7);
            self.left -= n;
            Ok(n)
        }
    }

    #[test]
    fn bounded_reads_hold_what_they_read() {
        for (n, hint, limit) in [
            (0, 0, 10),
            (10, 0, 10),
            (1000, 1000, 1000),
            (300_000, 0, 1 << 30),
            (300_000, 300_000, 1 << 30),
            (300_000, 7, 1 << 30),
            (300_000, u64::MAX, 1 << 30),
        ] {
            let out = read_to_end_bounded(
                Pieces {
                    left: n,
                    piece: 999,
                },
                limit,
                hint,
            )
            .unwrap_or_else(|e| panic!("{n} {hint} {limit}: {e}"));
            assert_eq!(out.len(), n);
            assert!(out.iter().all(|&b| b == 7));
            if n > 0 && hint == n as u64 {
                assert_eq!(out.capacity(), n, "an exact hint is all that is reserved");
            }
            assert!(out.capacity() as u64 <= limit.max(64));
        }
    }

    #[test]
    fn bounded_reads_stop_at_the_limit() {
        for (n, hint, limit) in [(11, 0, 10), (11, 11, 10), (1 << 20, 0, 100_000)] {
            match read_to_end_bounded(
                Pieces {
                    left: n,
                    piece: 4096,
                },
                limit,
                hint,
            ) {
                Err(ReadError::TooLarge { limit: l }) => assert_eq!(l, limit),
                other => panic!("{n} {hint} {limit}: {other:?}"),
            }
        }
    }
}
