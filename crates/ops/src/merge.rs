//! Merging profiles (Go's `profile.Merge`) and compaction.
//!
//! [`merge`] combines profiles of identical sample and period types into a
//! new profile. Mappings, functions and locations are deduplicated by
//! content, samples by their (remapped) location list and labels, and ids
//! are renumbered from 1 in order of first use. The first mapping of the
//! first profile that has mappings always becomes mapping 1, since pprof
//! treats mapping 1 as the main binary. Samples whose values are all zero
//! are dropped. [`compact`] is the merge of a single profile: it removes
//! unused entries, duplicate samples and zero samples.
//!
//! Merging works on interned ids and never formats strings per sample: the
//! sample table is keyed by a hash of the location ids and labels, with
//! full comparison on collision. From the first large source on, every
//! merge ([`StreamingMerge`] too) adds samples on two threads: the
//! merger's maps their ids to the output's (tables numbered in order of
//! first use, as on one thread), and another, until the merge is
//! finished, adds the samples mapped so far, in order.

use std::hash::BuildHasher;

use rustc_hash::FxBuildHasher;

use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile,
    SampleRef, StrId, ValueType,
};

use crate::error::{Error, Result};
use crate::index::IdIndex;

type Map<K, V> = std::collections::HashMap<K, V, FxBuildHasher>;

/// Merges `srcs` into a new profile with Go pprof's exact semantics.
///
/// Header rules: `time_nanos` is taken from the first profile and replaced
/// by any later value smaller than it (or any value when it is 0);
/// durations add up; the period is the largest (a zero period is replaced
/// by the next one); comments are concatenated without duplicates; the
/// default sample type is the first non-empty one; drop/keep frames and
/// the period and sample types come from the first profile.
///
/// Fails with [`Error::NoProfiles`] on an empty slice and with
/// [`Error::IncompatiblePeriodTypes`] / [`Error::IncompatibleSampleTypes`]
/// when the profiles' types differ (use
/// [`crate::scale_profiles`] first to reconcile units).
pub fn merge(srcs: &[&Profile]) -> Result<Profile> {
    let Some(first) = srcs.first() else {
        return Err(Error::NoProfiles);
    };
    for s in &srcs[1..] {
        compatible(first, s)?;
    }
    let mut m = Merger::new(srcs);
    for src in srcs {
        m.add_profile_on(src, true);
    }
    let out = m.finish();
    if out.samples.iter().any(is_zero_sample) {
        return merge(&[&out]);
    }
    Ok(out)
}

/// Like [`merge`], but consumes the profiles: each one's memory is
/// released as soon as it is merged. Same result as [`merge`].
pub fn merge_owned(srcs: Vec<Profile>) -> Result<Profile> {
    let Some(first) = srcs.first() else {
        return Err(Error::NoProfiles);
    };
    for s in &srcs[1..] {
        compatible(first, s)?;
    }
    let mut m = {
        let refs: Vec<&Profile> = srcs.iter().collect();
        Merger::new(&refs)
    };
    for src in srcs {
        m.add_profile_on(&src, true);
    }
    let out = m.finish();
    if out.samples.iter().any(is_zero_sample) {
        return Ok(compact_owned(out));
    }
    Ok(out)
}

/// Like [`compact`], but consumes `p` (released once compacted).
pub fn compact_owned(p: Profile) -> Profile {
    let mut m = Merger::new(&[&p]);
    m.add_profile_on(&p, true);
    drop(p);
    let out = m.finish();
    if out.samples.iter().any(is_zero_sample) {
        return compact_owned(out);
    }
    out
}

/// Returns a compacted copy of `p`: the merge of `p` alone (Go's
/// `Profile.Compact`). Unused mappings (other than the first), locations
/// and functions disappear, equal samples are combined, zero samples are
/// dropped and ids are renumbered.
pub fn compact(p: &Profile) -> Profile {
    let mut m = Merger::new(&[p]);
    m.add_profile_on(p, true);
    let out = m.finish();
    if out.samples.iter().any(is_zero_sample) {
        return compact(&out);
    }
    out
}

/// Merges profiles one at a time as they arrive, with the same result as
/// [`merge`] over all of them in the same order; a caller can decode the
/// next source while the previous one is merged, and drop each source once
/// added.
///
/// ```
/// use pprof_model::{Profile, Sample, ValueType};
///
/// let mut p = Profile::new();
/// let (t, u) = (p.intern("samples"), p.intern("count"));
/// p.sample_types.push(ValueType { r#type: t, unit: u });
/// p.samples.push(Sample { values: vec![2], ..Default::default() });
/// let mut m = pprof_ops::StreamingMerge::new(&p);
/// m.add(&p)?;
/// m.add(&p)?;
/// assert_eq!(m.finish().samples.at(0).values, vec![4]);
/// # Ok::<(), pprof_ops::Error>(())
/// ```
pub struct StreamingMerge {
    merger: Merger,
}

impl StreamingMerge {
    /// A merge whose sample and period types are those of `first` (which
    /// is not added: pass it to [`StreamingMerge::add`] too).
    pub fn new(first: &Profile) -> StreamingMerge {
        StreamingMerge {
            merger: Merger::with_types(first),
        }
    }

    /// Adds the next profile; fails (adding nothing) when its types differ
    /// from the first profile's.
    pub fn add(&mut self, p: &Profile) -> Result<()> {
        compatible(&self.merger.out, p)?;
        self.merger.add_header(p);
        self.merger.add_profile(p);
        Ok(())
    }

    /// Adds the next profile like [`StreamingMerge::add`], but consumes
    /// it (released once merged). Check [`StreamingMerge::accepts`] first to keep
    /// a profile that would be refused.
    pub fn add_owned(&mut self, p: Profile) -> Result<()> {
        compatible(&self.merger.out, &p)?;
        self.merger.add_header(&p);
        self.merger.add_profile(&p);
        Ok(())
    }

    /// Adds the samples of `p` but not its header (times, duration,
    /// comments...): for a profile handed over in parts, whose header came
    /// with its first part ([`StreamingMerge::add_owned`]). The parts,
    /// added in order, merge as the whole profile would.
    pub fn add_samples(&mut self, p: Profile) -> Result<()> {
        compatible(&self.merger.out, &p)?;
        self.merger.add_profile(&p);
        Ok(())
    }

    /// Makes room for `samples` more merged samples shaped like `like`'s
    /// (values, locations and labels per sample), when the caller knows
    /// about how many are coming: the tables are then not copied as they
    /// grow, which saves time and the memory of holding both copies.
    pub fn reserve(&mut self, like: &Profile, samples: usize) {
        self.merger.reserve_samples(samples);
        if self.merger.adder.is_none() {
            self.merger.out.samples.reserve_like(&like.samples, samples);
        }
    }

    /// Whether `p` has the types of the first profile, so that
    /// [`StreamingMerge::add`] and [`StreamingMerge::add_owned`] take it;
    /// otherwise the error they would return.
    pub fn accepts(&self, p: &Profile) -> Result<()> {
        compatible(&self.merger.out, p)
    }

    /// The merged profile.
    pub fn finish(self) -> Profile {
        let out = self.merger.finish();
        if out.samples.iter().any(is_zero_sample) {
            return compact_owned(out);
        }
        out
    }
}

/// Checks that `b` has the same period type and sample types as `a`
/// (compared by text).
pub fn compatible(a: &Profile, b: &Profile) -> Result<()> {
    let vt_eq = |x: &ValueType, y: &ValueType| {
        a.str(x.r#type) == b.str(y.r#type) && a.str(x.unit) == b.str(y.unit)
    };
    if !vt_eq(&a.period_type, &b.period_type) {
        return Err(Error::IncompatiblePeriodTypes(
            vt_text(a, &a.period_type),
            vt_text(b, &b.period_type),
        ));
    }
    if a.sample_types.len() != b.sample_types.len()
        || !a
            .sample_types
            .iter()
            .zip(&b.sample_types)
            .all(|(x, y)| vt_eq(x, y))
    {
        return Err(Error::IncompatibleSampleTypes(
            vts_text(a, &a.sample_types),
            vts_text(b, &b.sample_types),
        ));
    }
    Ok(())
}

fn vt_text(p: &Profile, vt: &ValueType) -> String {
    format!("&{{{} {}}}", p.str(vt.r#type), p.str(vt.unit))
}

fn vts_text(p: &Profile, vts: &[ValueType]) -> String {
    let parts: Vec<String> = vts
        .iter()
        .map(|vt| format!("{}/{}", p.str(vt.r#type), p.str(vt.unit)))
        .collect();
    format!("[{}]", parts.join(" "))
}

fn is_zero_sample(s: SampleRef<'_>) -> bool {
    s.values.iter().all(|&v| v == 0)
}

const NONE: u32 = u32::MAX;

/// A source location's mark while its batch looks it up
/// ([`Merger::map_new_locations`]): seen, not mapped yet.
const PENDING: u32 = u32::MAX - 1;

#[derive(Hash, PartialEq, Eq)]
struct MappingKey {
    size: u64,
    offset: u64,
    build_id_or_file: StrId,
}

impl MappingKey {
    /// pprof's key of mapping `m` (`Mapping.key`): its size rounded up to
    /// whole 4 KiB pages, its offset, and its build id or, without one,
    /// its file, as `name` gives that string's id.
    fn of(m: &Mapping, name: impl FnOnce(StrId) -> StrId) -> MappingKey {
        let size = m.limit.wrapping_sub(m.start).wrapping_add(0xfff);
        let key_str = if !m.build_id.is_empty() {
            m.build_id
        } else {
            m.file
        };
        MappingKey {
            size: size - size % 0x1000,
            offset: m.offset,
            build_id_or_file: name(key_str),
        }
    }
}

/// Whether two mappings of `p` have the same key, so that merging `p`
/// (alone, as [`compact`] does, or with others) makes them one mapping:
/// the locations of the second then move to the first one's addresses
/// and file, which reports by address or by mapping show.
pub fn merge_joins_mappings(p: &Profile) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(p.mappings.len());
    p.mappings
        .iter()
        .any(|m| !seen.insert(MappingKey::of(m, |s| s)))
}

#[derive(Hash, PartialEq, Eq)]
struct FunctionKey {
    start_line: i64,
    name: StrId,
    system_name: StrId,
    filename: StrId,
}

/// Per-source memo tables, indexed by the source's table indexes.
struct SrcMemo {
    strings: Vec<u32>,
    mappings: Vec<Option<(MappingId, i64)>>,
    functions: Vec<u32>,
    locations: Vec<u32>,
}

impl SrcMemo {
    /// The output's id of the source's string `s`, if mapped already.
    fn known_str(&self, s: StrId) -> Option<StrId> {
        if s.is_empty() {
            return Some(StrId::EMPTY);
        }
        match self.strings.get(s.index()) {
            Some(&v) if v != NONE => Some(StrId(v)),
            _ => None,
        }
    }
}

struct Merger {
    out: Profile,
    mappings: Map<MappingKey, MappingId>,
    functions: Map<FunctionKey, FunctionId>,
    /// Output location indexes, found by the hash of (address relative to
    /// the mapping, mapping, lines, folded); compared with the output
    /// location itself, so keys are not stored twice.
    locations: IdIndex,
    /// Output sample indexes, found by the hash of their (locations,
    /// labels).
    samples: IdIndex,
    hasher: FxBuildHasher,
    /// Scratch: the locations a batch uses for the first time.
    pending: Pending,
    /// The thread adding the samples, once started: it then holds the
    /// merged samples and `samples`.
    adder: Option<Adder>,
}

/// The hash that finds a sample in [`Merger::samples`]: its location ids
/// two at a time (half the chain of dependent multiplications of one at a
/// time), their number, and its labels.
#[inline]
fn sample_hash(h: &FxBuildHasher, locs: &[LocationId], labels: &[Label]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = h.build_hasher();
    let (pairs, rest) = locs.as_chunks::<2>();
    for [a, b] in pairs {
        hasher.write_u64(u64::from(a.0) | (u64::from(b.0) << 32));
    }
    for l in rest {
        hasher.write_u32(l.0);
    }
    hasher.write_usize(locs.len());
    labels.hash(&mut hasher);
    hasher.finish()
}

/// The hash that finds a location in [`Merger::locations`].
#[inline]
fn location_hash(
    h: &FxBuildHasher,
    addr: u64,
    mapping: Option<MappingId>,
    lines: &[Line],
    is_folded: bool,
) -> u64 {
    h.hash_one((addr, mapping, lines, is_folded))
}

/// A location's address relative to the start of its mapping (the key
/// that pprof compares), or its address when it has no mapping.
fn key_address(out: &Profile, l: &Location) -> u64 {
    match l.mapping {
        Some(m) => l
            .address
            .wrapping_sub(out.mappings.get(m.index()).map_or(0, |m| m.start)),
        None => l.address,
    }
}

/// The merged samples and their index: what adding a sample whose ids
/// are already the output's changes (nothing of the other tables).
struct SampleTable<'m> {
    samples: &'m mut pprof_model::Samples,
    index: &'m mut IdIndex,
    /// Values per sample (shorter ones are padded with zeros).
    nvalues: usize,
}

impl SampleTable<'_> {
    /// Adds a sample with `hash` (its [`sample_hash`]): to the equal
    /// sample already merged, or as a new one.
    fn add(&mut self, hash: u64, locs: &[LocationId], labels: &[Label], values: &[i64]) {
        let samples = &*self.samples;
        let new_idx = samples.len() as u32;
        let found = self.index.find_or_insert(hash, new_idx, |i| {
            let s = samples.at(i as usize);
            s.locations == locs && s.labels == labels
        });
        if let Some(i) = found {
            let i = i as usize;
            if i < self.samples.len() {
                for (a, b) in self.samples.values_mut(i).iter_mut().zip(values) {
                    *a = a.wrapping_add(*b);
                }
            }
            return;
        }
        if values.len() >= self.nvalues {
            self.samples.push_parts(locs, values, labels);
        } else {
            let mut padded = values.to_vec();
            padded.resize(self.nvalues, 0);
            self.samples.push_parts(locs, &padded, labels);
        }
    }

    /// Adds the samples of `batch`, [`SLOTS_READ`] at a time with their
    /// index slots read at once.
    fn add_batch(&mut self, batch: &Batch) {
        let (mut l0, mut b0, mut v0) = (0, 0, 0);
        for part in batch.samples.chunks(SLOTS_READ) {
            let hashes: [u64; SLOTS_READ] = std::array::from_fn(|k| part.get(k).map_or(0, |s| s.0));
            self.index.touch(&hashes[..part.len()]);
            for &(hash, l1, b1, v1) in part {
                let locs = batch.locs.get(l0..l1).unwrap_or(&[]);
                let labels = batch.labels.get(b0..b1).unwrap_or(&[]);
                let values = batch.values.get(v0..v1).unwrap_or(&[]);
                self.add(hash, locs, labels, values);
                (l0, b0, v0) = (l1, b1, v1);
            }
        }
    }

    /// Makes room for `n` more samples.
    fn reserve(&mut self, n: usize) {
        self.index.reserve(n);
        self.samples.reserve(n, self.nvalues);
    }
}

/// Samples whose index slots are read together (see [`IdIndex::touch`]).
const SLOTS_READ: usize = 16;

/// Samples of a source in the output's ids, ready to add: each one's
/// hash and the ends of its location ids, labels and values in `locs`,
/// `labels` and `values`.
#[derive(Default)]
struct Batch {
    samples: Vec<(u64, usize, usize, usize)>,
    locs: Vec<LocationId>,
    labels: Vec<Label>,
    values: Vec<i64>,
}

impl Batch {
    fn clear(&mut self) {
        self.samples.clear();
        self.locs.clear();
        self.labels.clear();
        self.values.clear();
    }
}

/// What the thread that adds the samples ([`Adder`]) is handed, in order.
enum ToAdder {
    /// The merged samples so far and their index, first.
    Start(Box<(pprof_model::Samples, IdIndex)>),
    /// Samples to add.
    Batch(Batch),
    /// Room for this many more samples.
    Reserve(usize),
}

/// The thread that adds the mapped samples to the merged ones, while the
/// merger's thread maps the next ones (and its caller, for a
/// [`StreamingMerge`], decodes the next sources on the other cores): it
/// holds the merged samples and their index until the merge is finished.
struct Adder {
    to: std::sync::mpsc::SyncSender<ToAdder>,
    /// Batches handed back, to be filled again.
    back: std::sync::mpsc::Receiver<Batch>,
    thread: std::thread::JoinHandle<(pprof_model::Samples, IdIndex)>,
}

impl Adder {
    /// Starts the thread and hands it `samples` and `index` (leaving them
    /// empty); leaves them when no thread can be made.
    fn start(
        samples: &mut pprof_model::Samples,
        index: &mut IdIndex,
        nvalues: usize,
    ) -> Option<Adder> {
        let (to, from) = std::sync::mpsc::sync_channel::<ToAdder>(ADDER_QUEUE);
        let (back_to, back) = std::sync::mpsc::channel::<Batch>();
        let thread = std::thread::Builder::new()
            .name("merge-add".into())
            .spawn(move || {
                let (mut samples, mut index) = Default::default();
                for message in from {
                    let mut table = SampleTable {
                        samples: &mut samples,
                        index: &mut index,
                        nvalues,
                    };
                    match message {
                        ToAdder::Start(start) => (samples, index) = *start,
                        ToAdder::Batch(batch) => {
                            table.add_batch(&batch);
                            // Gone only once the merge is finished.
                            let _ = back_to.send(batch);
                        }
                        ToAdder::Reserve(n) => table.reserve(n),
                    }
                }
                (samples, index)
            });
        let adder = Adder {
            to,
            back,
            thread: thread.ok()?,
        };
        let start = (std::mem::take(samples), std::mem::take(index));
        adder.send(ToAdder::Start(Box::new(start)));
        Some(adder)
    }

    /// Hands `message` over. The thread ends only when handed nothing
    /// more, or by a panic, which [`Adder::finish`] passes on.
    fn send(&self, message: ToAdder) {
        let _ = self.to.send(message);
    }

    /// A batch to fill: one handed back, or a new one.
    fn batch(&self) -> Batch {
        self.back.try_recv().unwrap_or_default()
    }

    /// The merged samples and their index, once every batch is added.
    fn finish(self) -> (pprof_model::Samples, IdIndex) {
        drop(self.to);
        match self.thread.join() {
            Ok(done) => done,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

/// Batches that may wait for the [`Adder`].
const ADDER_QUEUE: usize = 4;

/// Locations of a source used for the first time by a batch of samples
/// ([`Merger::map_new_locations`]): their ids in order of first use, and
/// each one's key in the output's ids, its frames in `lines`.
#[derive(Default)]
struct Pending {
    ids: Vec<LocationId>,
    keys: Vec<NewLocation>,
    lines: Vec<Line>,
    /// The end of each sample's labels in its batch.
    label_ends: Vec<usize>,
    /// Scratch: the keys' hashes.
    hashes: Vec<u64>,
}

impl Pending {
    fn clear(&mut self) {
        self.ids.clear();
        self.keys.clear();
        self.lines.clear();
        self.label_ends.clear();
    }
}

/// A location to look up or add to the output: its hash, mapping,
/// address (in the output's mapping), address relative to that mapping,
/// whether it is folded, and the end of its frames in [`Pending::lines`].
struct NewLocation {
    hash: u64,
    mapping: Option<MappingId>,
    address: u64,
    key_addr: u64,
    is_folded: bool,
    lines_end: usize,
}

impl NewLocation {
    /// The key of source location `l` whose mapping is `mi` in the output
    /// (with the offset of its addresses) and whose frames are `lines` in
    /// the output's ids; `lines_end` is noted as given.
    fn of(
        m: &Merger,
        l: &Location,
        mi: Option<(MappingId, i64)>,
        lines: &[Line],
        lines_end: usize,
    ) -> NewLocation {
        let offset = mi.map_or(0, |(_, o)| o);
        let address = (l.address as i64).wrapping_add(offset) as u64;
        let mapping = mi.map(|(m, _)| m);
        let key_addr = match mapping {
            Some(id) => address.wrapping_sub(m.out.mappings[id.index()].start),
            None => address,
        };
        NewLocation {
            hash: location_hash(&m.hasher, key_addr, mapping, lines, l.is_folded),
            mapping,
            address,
            key_addr,
            is_folded: l.is_folded,
            lines_end,
        }
    }

    /// Whether the output's location `e` is this one, whose frames are
    /// `lines`: pprof's location key.
    fn is(&self, out: &Profile, e: &Location, lines: &[Line]) -> bool {
        e.mapping == self.mapping
            && e.is_folded == self.is_folded
            && e.lines == lines
            && key_address(out, e) == self.key_addr
    }
}

/// Samples per batch handed from the thread that maps a source's ids to
/// the one that adds them ([`Merger::add_profile_on`]).
const BATCH_SAMPLES: usize = if cfg!(test) { 3 } else { 1024 };

/// Samples of a source from which [`Merger::add_profile_on`] starts the
/// [`Adder`], if it has not yet: this thread then maps the ids of this
/// source and of all that follow while the adder adds those mapped.
const PIPELINED_SAMPLES: usize = if cfg!(test) { 1 } else { 8192 };

impl Merger {
    /// A merger of `srcs` (not added yet), with their headers folded in
    /// and room for all their samples.
    fn new(srcs: &[&Profile]) -> Merger {
        let first = srcs[0];
        let mut m = Merger::with_types(first);
        for s in srcs {
            m.add_header(s);
        }
        m.reserve_for(srcs);
        m
    }

    /// A merger whose types, drop/keep frames come from `first`; the other
    /// header fields accumulate with [`Merger::add_header`].
    fn with_types(first: &Profile) -> Merger {
        let mut out = Profile::new();
        out.drop_frames = out.intern(first.str(first.drop_frames));
        out.keep_frames = out.intern(first.str(first.keep_frames));
        out.period_type = ValueType {
            r#type: out.intern(first.str(first.period_type.r#type)),
            unit: out.intern(first.str(first.period_type.unit)),
        };
        for st in &first.sample_types {
            let t = out.intern(first.str(st.r#type));
            let u = out.intern(first.str(st.unit));
            out.sample_types.push(ValueType { r#type: t, unit: u });
        }
        Merger {
            out,
            mappings: Map::default(),
            functions: Map::with_capacity_and_hasher(first.functions.len(), FxBuildHasher),
            locations: IdIndex::default(),
            samples: IdIndex::default(),
            hasher: FxBuildHasher,
            pending: Pending::default(),
            adder: None,
        }
    }

    /// Makes room for the samples of all of `srcs` (as many as there can
    /// be, up to a bound), shaped like the first's: the tables then do not
    /// grow by copying themselves while the sources are added.
    fn reserve_for(&mut self, srcs: &[&Profile]) {
        /// The most samples reserved for up front.
        const MAX: usize = 1 << 22;
        let Some(first) = srcs.first() else { return };
        let n = srcs.iter().map(|s| s.samples.len()).sum::<usize>().min(MAX);
        self.reserve_samples(n);
        self.out.samples.reserve_like(&first.samples, n);
    }

    /// Makes room for `n` more output samples.
    fn reserve_samples(&mut self, n: usize) {
        match &self.adder {
            Some(adder) => adder.send(ToAdder::Reserve(n)),
            None => self.sample_table().reserve(n),
        }
    }

    /// The merged samples and their index, while this thread holds them
    /// (no [`Adder`] does).
    fn sample_table(&mut self) -> SampleTable<'_> {
        SampleTable {
            samples: &mut self.out.samples,
            index: &mut self.samples,
            nvalues: self.out.sample_types.len(),
        }
    }

    fn finish(mut self) -> Profile {
        if let Some(adder) = self.adder.take() {
            (self.out.samples, self.samples) = adder.finish();
        }
        self.out
    }

    /// Folds one source's header into the output, with pprof's rules: the
    /// earliest time (a zero time is replaced by the next one), summed
    /// durations, the largest period, comments without duplicates, the
    /// first non-empty default sample type and documentation URL.
    fn add_header(&mut self, s: &Profile) {
        let out = &mut self.out;
        if out.time_nanos == 0 || s.time_nanos < out.time_nanos {
            out.time_nanos = s.time_nanos;
        }
        out.duration_nanos = out.duration_nanos.wrapping_add(s.duration_nanos);
        if out.period == 0 || out.period < s.period {
            out.period = s.period;
        }
        for &c in &s.comments {
            let text = s.str(c);
            let seen = out
                .strings
                .lookup(text)
                .is_some_and(|id| out.comments.contains(&id));
            if !seen {
                let id = out.intern(text);
                out.comments.push(id);
            }
        }
        if out.default_sample_type.is_empty() && !s.default_sample_type.is_empty() {
            out.default_sample_type = out.intern(s.str(s.default_sample_type));
        }
        if out.doc_url.is_empty() && !s.doc_url.is_empty() {
            out.doc_url = out.intern(s.str(s.doc_url));
        }
    }

    /// Starts adding `src` (with `samples` samples): its memo tables, its
    /// first mapping (pprof's main binary) if it is the first with any,
    /// and room for its samples.
    fn begin_source(&mut self, src: &Profile, samples: usize) -> SrcMemo {
        let mut memo = self.begin_source_unfound(src, samples);
        self.find_known(src, &mut memo);
        memo
    }

    /// [`Merger::begin_source`] without [`Merger::find_known`]: every
    /// table entry of `src` is then mapped on first use.
    fn begin_source_unfound(&mut self, src: &Profile, samples: usize) -> SrcMemo {
        let mut memo = SrcMemo {
            strings: vec![NONE; src.strings.len()],
            mappings: vec![None; src.mappings.len()],
            functions: vec![NONE; src.functions.len()],
            locations: vec![NONE; src.locations.len()],
        };
        if self.out.mappings.is_empty() && !src.mappings.is_empty() {
            self.map_mapping(src, &mut memo, MappingId(0));
        }
        self.reserve_samples(samples);
        memo
    }

    /// Notes in `memo` the strings, functions, mappings and locations of
    /// `src` that the output already holds (those of the sources merged
    /// before, when they come from the same program), all at once: one
    /// lookup after another, whose cache misses overlap, rather than one at
    /// a time between the samples that first use them. Nothing is added,
    /// so the output's tables are still numbered in order of first use,
    /// and a source's table entry maps to the same output entry either
    /// way. Skipped while the output has no functions (the first source,
    /// which would find nothing).
    fn find_known(&self, src: &Profile, memo: &mut SrcMemo) {
        if self.out.functions.is_empty() {
            return;
        }
        for (slot, s) in memo.strings.iter_mut().zip(src.strings.iter()) {
            if let Some(id) = self.out.strings.lookup(s) {
                *slot = id.0;
            }
        }
        for (i, f) in src.functions.iter().enumerate() {
            let (Some(name), Some(system_name), Some(filename)) = (
                memo.known_str(f.name),
                memo.known_str(f.system_name),
                memo.known_str(f.filename),
            ) else {
                continue;
            };
            let key = FunctionKey {
                start_line: f.start_line,
                name,
                system_name,
                filename,
            };
            if let Some(&id) = self.functions.get(&key) {
                memo.functions[i] = id.0;
            }
        }
        // Locations whose mapping and functions the output holds: their
        // keys first, then the index slots of all of them read at once,
        // then the lookups.
        let mut found: Vec<(usize, NewLocation)> = Vec::with_capacity(src.locations.len());
        let mut lines: Vec<Line> = Vec::new();
        'locations: for (i, l) in src.locations.iter().enumerate() {
            let mi = match l.mapping {
                None => None,
                Some(m) => match self.known_mapping(src, memo, m) {
                    Some(mi) => Some(mi),
                    None => continue,
                },
            };
            let start = lines.len();
            for ln in &l.lines {
                match memo.functions.get(ln.function.index()) {
                    Some(&f) if f != NONE => lines.push(Line {
                        function: FunctionId(f),
                        line: ln.line,
                        column: ln.column,
                    }),
                    _ => {
                        lines.truncate(start);
                        continue 'locations;
                    }
                }
            }
            found.push((
                i,
                NewLocation::of(self, l, mi, &lines[start..], lines.len()),
            ));
        }
        let hashes: Vec<u64> = found.iter().map(|(_, k)| k.hash).collect();
        self.locations.touch(&hashes);
        let out = &self.out;
        let mut l0 = 0;
        for (i, key) in found {
            let lines = &lines[l0..key.lines_end];
            l0 = key.lines_end;
            let at = self
                .locations
                .find(key.hash, |j| key.is(out, &out.locations[j as usize], lines));
            if let Some(j) = at {
                memo.locations[i] = j;
            }
        }
    }

    /// The output mapping of `src`'s mapping `id` and the offset of its
    /// addresses, when the output holds it already (nothing is added).
    fn known_mapping(
        &self,
        src: &Profile,
        memo: &mut SrcMemo,
        id: MappingId,
    ) -> Option<(MappingId, i64)> {
        if let Some(Some(mi)) = memo.mappings.get(id.index()) {
            return Some(*mi);
        }
        let m = src.mappings.get(id.index())?;
        let mut all_known = true;
        let key = MappingKey::of(m, |s| {
            let known = memo.known_str(s);
            all_known &= known.is_some();
            known.unwrap_or(StrId::EMPTY)
        });
        if !all_known {
            return None;
        }
        let mi = self.existing_mapping(m, &key)?;
        memo.mappings[id.index()] = Some(mi);
        Some(mi)
    }

    /// The output's mapping with `key` (that of source mapping `m`), if
    /// any, and the offset that moves `m`'s addresses into it.
    fn existing_mapping(&self, m: &Mapping, key: &MappingKey) -> Option<(MappingId, i64)> {
        let &existing = self.mappings.get(key)?;
        let start = self.out.mappings[existing.index()].start;
        Some((existing, (start as i64).wrapping_sub(m.start as i64)))
    }

    /// Adds the samples of `src` (and the tables they use) for a
    /// [`StreamingMerge`], whose caller decodes the next sources beside it.
    fn add_profile(&mut self, src: &Profile) {
        self.add_profile_on(src, true);
    }

    /// Adds the samples of `src`; with `two_threads` (from a large source
    /// on, on a machine with another core), its ids are mapped to the
    /// output's on this thread while the [`Adder`] adds the samples mapped
    /// so far: the same result, in the same order.
    fn add_profile_on(&mut self, src: &Profile, two_threads: bool) {
        let mut memo = self.begin_source(src, src.samples.len());
        let mut samples = src
            .samples
            .iter()
            .filter(|s| !is_zero_sample(*s))
            .peekable();
        if self.adder.is_none()
            && two_threads
            && src.samples.len() >= PIPELINED_SAMPLES
            && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
        {
            let nvalues = self.out.sample_types.len();
            self.adder = Adder::start(&mut self.out.samples, &mut self.samples, nvalues);
        }
        let mut sources = Vec::new();
        if let Some(adder) = self.adder.take() {
            while samples.peek().is_some() {
                let mut batch = adder.batch();
                self.map_batch(
                    src,
                    &mut memo,
                    &mut samples,
                    BATCH_SAMPLES,
                    &mut batch,
                    &mut sources,
                );
                adder.send(ToAdder::Batch(batch));
            }
            self.adder = Some(adder);
            return;
        }
        let mut batch = Batch::default();
        while samples.peek().is_some() {
            self.map_batch(
                src,
                &mut memo,
                &mut samples,
                SLOTS_READ,
                &mut batch,
                &mut sources,
            );
            self.sample_table().add_batch(&batch);
        }
    }

    /// Fills `batch` with the next `n` samples of `samples` (of `src`) in
    /// the output's ids, mapping the tables they use on first use.
    fn map_batch<'s>(
        &mut self,
        src: &'s Profile,
        memo: &mut SrcMemo,
        samples: &mut impl Iterator<Item = SampleRef<'s>>,
        n: usize,
        batch: &mut Batch,
        sources: &mut Vec<SampleRef<'s>>,
    ) {
        batch.clear();
        sources.clear();
        sources.extend(samples.by_ref().take(n));
        // Tables are mapped sample by sample in the order of one sample at
        // a time (a sample's locations, then its labels), so that strings,
        // mappings and functions are numbered alike in batches of any
        // size; the locations are looked up after.
        let mut pending = std::mem::take(&mut self.pending);
        pending.clear();
        for s in sources.iter() {
            self.prepare_new_locations(src, memo, s.locations, &mut pending);
            for l in s.labels {
                batch.labels.push(Label {
                    key: self.map_str(src, memo, l.key),
                    str: self.map_str(src, memo, l.str),
                    num: l.num,
                    num_unit: self.map_str(src, memo, l.num_unit),
                });
            }
            pending.label_ends.push(batch.labels.len());
        }
        self.map_new_locations(memo, &mut pending);
        let mut b0 = 0;
        for (s, &b1) in sources.iter().zip(&pending.label_ends) {
            let l0 = batch.locs.len();
            for &l in s.locations {
                // Every location is mapped by now; an id out of range
                // is dropped.
                match memo.locations.get(l.index()) {
                    Some(&id) if id != NONE => batch.locs.push(LocationId(id)),
                    _ => {}
                }
            }
            let labels = batch.labels.get(b0..b1).unwrap_or(&[]);
            let hash = sample_hash(&self.hasher, &batch.locs[l0..], labels);
            batch.values.extend_from_slice(s.values);
            batch
                .samples
                .push((hash, batch.locs.len(), b1, batch.values.len()));
            b0 = b1;
        }
        self.pending = pending;
    }

    /// Marks the locations of `locations` (of `src`) used for the first
    /// time, maps their mappings and functions and hashes their keys, for
    /// [`Merger::map_new_locations`].
    fn prepare_new_locations(
        &mut self,
        src: &Profile,
        memo: &mut SrcMemo,
        locations: &[LocationId],
        pending: &mut Pending,
    ) {
        for &id in locations {
            let Some(mark) = memo.locations.get_mut(id.index()) else {
                continue;
            };
            if *mark != NONE {
                continue;
            }
            *mark = PENDING;
            pending.ids.push(id);
            let l = &src.locations[id.index()];
            let mi = l.mapping.and_then(|m| self.map_mapping(src, memo, m));
            for ln in &l.lines {
                let function = self.map_function(src, memo, ln.function);
                pending.lines.push(Line {
                    function,
                    line: ln.line,
                    column: ln.column,
                });
            }
            let end = pending.lines.len();
            let lines = &pending.lines[end - l.lines.len()..];
            pending.keys.push(NewLocation::of(self, l, mi, lines, end));
        }
    }

    /// Maps the locations that [`Merger::prepare_new_locations`] found,
    /// in order of first use, as one at a time would: the index slots and
    /// likely matches of all of them are read together, so that their
    /// cache misses overlap, and only then is each looked up or added, in
    /// order.
    fn map_new_locations(&mut self, memo: &mut SrcMemo, pending: &mut Pending) {
        if pending.ids.is_empty() {
            return;
        }
        let ids = std::mem::take(&mut pending.ids);
        // The slots, then the locations they most likely name, then those
        // locations' frames: each round's reads at once.
        pending.hashes.clear();
        pending.hashes.extend(pending.keys.iter().map(|k| k.hash));
        self.locations.touch(&pending.hashes);
        let out = &self.out;
        let index = &self.locations;
        let likely = || {
            pending
                .hashes
                .iter()
                .filter_map(|&h| index.hint(h))
                .filter_map(|i| out.locations.get(i as usize))
        };
        let seen = likely().fold(0u64, |acc, e| {
            acc ^ e.address ^ u64::from(e.mapping.is_some())
        });
        let seen = likely().fold(seen, |acc, e| {
            acc ^ e.lines.first().map_or(0, |ln| ln.line as u64)
        });
        std::hint::black_box(seen);
        let mut l0 = 0;
        for (&id, key) in ids.iter().zip(&pending.keys) {
            let lines = &pending.lines[l0..key.lines_end];
            l0 = key.lines_end;
            let out = &self.out;
            let new = out.locations.len() as u32;
            let found = self.locations.find_or_insert(key.hash, new, |i| {
                key.is(out, &out.locations[i as usize], lines)
            });
            let lid = match found {
                Some(e) => e,
                None => {
                    self.out.locations.push(Location {
                        id: new as u64 + 1,
                        mapping: key.mapping,
                        address: key.address,
                        lines: lines.to_vec(),
                        is_folded: key.is_folded,
                    });
                    new
                }
            };
            memo.locations[id.index()] = lid;
        }
        pending.ids = ids;
    }

    fn map_str(&mut self, src: &Profile, memo: &mut SrcMemo, id: StrId) -> StrId {
        if id.is_empty() {
            return StrId::EMPTY;
        }
        match memo.strings.get(id.index()) {
            Some(&v) if v != NONE => StrId(v),
            Some(_) => {
                let d = self.out.intern(src.str(id));
                memo.strings[id.index()] = d.0;
                d
            }
            None => StrId::EMPTY,
        }
    }

    fn map_mapping(
        &mut self,
        src: &Profile,
        memo: &mut SrcMemo,
        id: MappingId,
    ) -> Option<(MappingId, i64)> {
        if let Some(mi) = self.known_mapping(src, memo, id) {
            return Some(mi);
        }
        let m = src.mappings.get(id.index())?;
        // (A key string out of range is named as the empty string, which
        // a mapping of the output may have.)
        let key = MappingKey::of(m, |s| self.map_str(src, memo, s));
        if let Some(mi) = self.existing_mapping(m, &key) {
            memo.mappings[id.index()] = Some(mi);
            return Some(mi);
        }
        let new_id = MappingId(self.out.mappings.len() as u32);
        let file = self.map_str(src, memo, m.file);
        let build_id = self.map_str(src, memo, m.build_id);
        self.out.mappings.push(Mapping {
            id: new_id.0 as u64 + 1,
            start: m.start,
            limit: m.limit,
            offset: m.offset,
            file,
            build_id,
            has_functions: m.has_functions,
            has_filenames: m.has_filenames,
            has_line_numbers: m.has_line_numbers,
            has_inline_frames: m.has_inline_frames,
        });
        self.mappings.insert(key, new_id);
        let mi = (new_id, 0);
        memo.mappings[id.index()] = Some(mi);
        Some(mi)
    }

    fn map_function(&mut self, src: &Profile, memo: &mut SrcMemo, id: FunctionId) -> FunctionId {
        if let Some(&f) = memo.functions.get(id.index()) {
            if f != NONE {
                return FunctionId(f);
            }
        }
        let f = src.functions.get(id.index()).copied().unwrap_or_default();
        let key = FunctionKey {
            start_line: f.start_line,
            name: self.map_str(src, memo, f.name),
            system_name: self.map_str(src, memo, f.system_name),
            filename: self.map_str(src, memo, f.filename),
        };
        let fid = match self.functions.get(&key) {
            Some(&e) => e,
            None => {
                let nid = FunctionId(self.out.functions.len() as u32);
                self.out.functions.push(Function {
                    id: nid.0 as u64 + 1,
                    name: key.name,
                    system_name: key.system_name,
                    filename: key.filename,
                    start_line: key.start_line,
                });
                self.functions.insert(key, nid);
                nid
            }
        };
        if let Some(slot) = memo.functions.get_mut(id.index()) {
            *slot = fid.0;
        }
        fid
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pprof_model::arbitrary::profile;
    use pprof_model::build::ProfileBuilder;
    use proptest::prelude::*;

    /// `srcs` merged source by source, each added on one thread or (in
    /// tests, any source, in batches of a few samples) on two.
    fn merged(srcs: &[&Profile], two_threads: bool) -> Profile {
        let mut m = Merger::new(srcs);
        for s in srcs {
            m.add_profile_on(s, two_threads);
        }
        m.finish()
    }

    /// `srcs` merged on one thread, their samples mapped `n` at a time;
    /// with `find`, each source's tables are first looked up whole
    /// ([`Merger::find_known`]).
    fn merged_in_batches(srcs: &[&Profile], n: usize, find: bool) -> Profile {
        let mut m = Merger::new(srcs);
        for src in srcs {
            let mut memo = if find {
                m.begin_source(src, src.samples.len())
            } else {
                m.begin_source_unfound(src, src.samples.len())
            };
            let mut samples = src
                .samples
                .iter()
                .filter(|s| !is_zero_sample(*s))
                .peekable();
            let (mut batch, mut sources) = (Batch::default(), Vec::new());
            while samples.peek().is_some() {
                m.map_batch(src, &mut memo, &mut samples, n, &mut batch, &mut sources);
                m.sample_table().add_batch(&batch);
            }
        }
        m.finish()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Locations first used by a batch are looked up together, after
        /// its tables are mapped: every table (strings included) is
        /// numbered as when each sample is mapped before the next.
        #[test]
        fn batches_of_any_size_merge_as_one_sample_at_a_time(
            a in profile(3),
            b in profile(3),
            n in 2usize..40,
        ) {
            let srcs = [&a, &b, &a];
            prop_assert_eq!(merged_in_batches(&srcs, n, true), merged_in_batches(&srcs, 1, true));
        }

        /// Looking a source's tables up whole before its samples maps
        /// every entry (and numbers every table) as mapping each on first
        /// use does.
        #[test]
        fn tables_found_ahead_merge_as_found_on_first_use(
            a in profile(3),
            b in profile(3),
            n in 1usize..40,
        ) {
            let srcs = [&a, &b, &a, &b];
            prop_assert_eq!(merged_in_batches(&srcs, n, true), merged_in_batches(&srcs, n, false));
        }

        #[test]
        fn sources_added_on_two_threads_merge_as_on_one(
            a in profile(2),
            b in profile(2),
            c in profile(2),
        ) {
            let srcs = [&a, &b, &c, &a];
            prop_assert_eq!(merged(&srcs, true), merged(&srcs, false));
        }
    }

    /// A profile of one program: `funcs` functions, the library loaded at
    /// `lib`, and one sample per location.
    fn program(funcs: usize, lib: u64) -> Profile {
        let mut b = ProfileBuilder::new(&[("samples", "count")]);
        let bin = b.mapping("/bin/app", 0x1000, 0x9000);
        let so = b.mapping("/lib/x.so", lib, lib + 0x10000);
        for i in 0..funcs {
            let f = b.function(&format!("pkg.f{i}"), "x.go", 0);
            let (m, at) = if i % 3 == 0 { (so, lib) } else { (bin, 0x1000) };
            let loc = b.location(Some(m), at + 0x10 * i as u64, &[(f, i as i64)]);
            b.labelled_sample(&[loc], &[1], &[("tenant", "t")]);
        }
        b.build()
    }

    /// A source of the program merged before, with its library loaded
    /// elsewhere: each of its strings, functions, mappings and locations
    /// is found before its samples are read, and the merge is the same as
    /// without looking ahead.
    #[test]
    fn a_source_of_a_program_merged_before_is_found_whole() {
        let (first, moved) = (program(40, 0x20000), program(40, 0x70000));
        let mut m = Merger::new(&[&first, &moved]);
        m.add_profile_on(&first, false);
        let memo = m.begin_source(&moved, moved.samples.len());
        assert!(memo.strings.iter().all(|&v| v != NONE));
        assert!(memo.functions.iter().all(|&v| v != NONE));
        assert!(memo.mappings.iter().all(|v| v.is_some()));
        assert!(memo.locations.iter().all(|&v| v != NONE));
        assert_eq!(
            memo.mappings[1].map(|(_, offset)| offset),
            Some(0x20000 - 0x70000)
        );
        let srcs = [&first, &moved];
        let found = merged_in_batches(&srcs, 16, true);
        assert_eq!(found, merged_in_batches(&srcs, 16, false));
        assert_eq!((found.locations.len(), found.samples.len()), (40, 40));
    }

    /// Sources sharing most stacks, with labels, zero samples and a
    /// second binary: on two threads, every table is numbered and every
    /// sample summed as on one, through many batches.
    #[test]
    fn large_sources_merge_on_two_threads_as_on_one() {
        let source = |seed: usize| {
            let mut b = ProfileBuilder::new(&[("samples", "count"), ("cpu", "ns")]);
            let bin = b.mapping("/bin/app", 0x1000, 0x9000);
            let base = 0x10000 * (seed as u64 + 1);
            let lib = b.mapping("/lib/x.so", base, base + 0x10000);
            let locs: Vec<LocationId> = (0..60)
                .map(|i| {
                    let f = b.function(&format!("pkg.f{}", (i + seed) % 70), "x.go", 0);
                    let m = if i % 7 == 0 { lib } else { bin };
                    b.location(Some(m), 0x1000 + i as u64, &[(f, i as i64)])
                })
                .collect();
            for i in 0..1500usize {
                let stack: Vec<LocationId> = (0..1 + (i + seed) % 9)
                    .map(|k| locs[(i * 7 + k * 13 + seed) % 60])
                    .collect();
                let tenant = format!("t{}", (i + seed) % 4);
                let labels: &[(&str, &str)] = if i % 3 == 0 {
                    &[]
                } else {
                    &[("tenant", &tenant)]
                };
                let values = if i % 11 == 0 { [0, 0] } else { [1, i as i64] };
                b.labelled_sample(&stack, &values, labels);
            }
            b.build()
        };
        let (a, b, c) = (source(0), source(1), source(5));
        let srcs = [&a, &b, &c];
        let two = merged(&srcs, true);
        assert_eq!(two, merged(&srcs, false));
        assert!(two.samples.len() > 2 * BATCH_SAMPLES && two.locations.len() > 60);
        assert_eq!(merge(&srcs).unwrap(), {
            let mut m = StreamingMerge::new(&a);
            for s in srcs {
                m.add(s).unwrap();
            }
            m.finish()
        });
    }
}
