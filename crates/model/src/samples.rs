//! The sample table: every sample's location ids, values and labels kept in
//! three flat arenas instead of three vectors per sample.
//!
//! A one-value sample without locations or labels costs 16 bytes here (its
//! value and where its values end); a `Vec`-per-field sample cost about
//! 100 bytes and three allocations.

use crate::profile::{Label, LocationId, LocationIds, Sample};
use crate::strings::StrId;

/// One field of every sample, end to end: sample `i`'s items are
/// `items[ends[i - 1]..ends[i]]`. While no sample has any item, `ends` stays
/// empty (a table of samples without labels pays nothing for labels).
#[derive(Clone, Debug)]
struct Arena<T> {
    ends: Vec<usize>,
    items: Vec<T>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena {
            ends: Vec::new(),
            items: Vec::new(),
        }
    }
}

impl<T: Copy> Arena<T> {
    #[inline]
    fn range(&self, i: usize) -> std::ops::Range<usize> {
        if self.ends.is_empty() {
            return 0..0;
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        start..self.ends[i]
    }

    #[inline]
    fn get(&self, i: usize) -> &[T] {
        &self.items[self.range(i)]
    }

    #[inline]
    fn get_mut(&mut self, i: usize) -> &mut [T] {
        let r = self.range(i);
        &mut self.items[r]
    }

    /// Appends the items of sample `n` (the table holds `n` samples).
    #[inline]
    fn push(&mut self, n: usize, xs: &[T]) {
        if xs.is_empty() {
            if !self.ends.is_empty() {
                self.ends.push(self.items.len());
            }
            return;
        }
        if self.ends.is_empty() {
            self.ends.resize(n, 0);
        }
        self.items.extend_from_slice(xs);
        self.ends.push(self.items.len());
    }

    /// Appends `other`'s samples (`other_n` of them) after this arena's `n`.
    fn append(&mut self, n: usize, other: &Arena<T>, other_n: usize) {
        if other.ends.is_empty() {
            if !self.ends.is_empty() {
                let end = self.items.len();
                self.ends.resize(n + other_n, end);
            }
            return;
        }
        if self.ends.is_empty() {
            self.ends.reserve_exact(n + other_n);
            self.ends.resize(n, 0);
        }
        let base = self.items.len();
        self.items.extend_from_slice(&other.items);
        self.ends.extend(other.ends.iter().map(|&e| e + base));
    }

    /// Keeps the samples whose `keep[i]` is set, moving items down in place.
    fn retain(&mut self, keep: &[bool]) {
        if self.ends.is_empty() {
            return;
        }
        let (mut write, mut start, mut out) = (0, 0, 0);
        for (i, &k) in keep.iter().enumerate() {
            let end = self.ends[i];
            if k {
                self.items.copy_within(start..end, write);
                write += end - start;
                self.ends[out] = write;
                out += 1;
            }
            start = end;
        }
        self.items.truncate(write);
        self.ends.truncate(out);
        if write == 0 {
            self.ends.clear();
        }
    }

    /// A copy of the samples whose `keep[i]` is set, in vectors of exactly
    /// the size they need.
    fn filtered(&self, keep: &[bool]) -> Arena<T> {
        if self.ends.is_empty() {
            return Arena::default();
        }
        let (mut n, mut items, mut start) = (0, 0, 0);
        for (&end, &k) in self.ends.iter().zip(keep) {
            if k {
                n += 1;
                items += end - start;
            }
            start = end;
        }
        if items == 0 {
            return Arena::default();
        }
        let mut out = Arena {
            ends: Vec::with_capacity(n),
            items: Vec::with_capacity(items),
        };
        start = 0;
        for (&end, &k) in self.ends.iter().zip(keep) {
            if k {
                out.items.extend_from_slice(&self.items[start..end]);
                out.ends.push(out.items.len());
            }
            start = end;
        }
        out
    }

    /// Sample `i`'s items, given where they start (`*start`, moved to
    /// where they end): for reading while earlier ends are rewritten.
    #[inline]
    fn read_range(&self, i: usize, start: &mut usize) -> std::ops::Range<usize> {
        let Some(&end) = self.ends.get(i) else {
            return 0..0;
        };
        let r = *start..end;
        *start = end;
        r
    }

    /// A copy of the first `n` samples' entries, whose items end at `w`.
    fn prefix(&self, n: usize, w: usize) -> Arena<T> {
        if self.ends.is_empty() || w == 0 {
            return Arena::default();
        }
        Arena {
            ends: self.ends[..n].to_vec(),
            items: self.items[..w].to_vec(),
        }
    }

    /// Writes sample `k`'s items at `*w` (in place: the caller checked the
    /// room), moving `*w` past them.
    #[inline]
    fn write_at(&mut self, k: usize, w: &mut usize, xs: &[T]) {
        if self.ends.is_empty() {
            return;
        }
        self.items[*w..*w + xs.len()].copy_from_slice(xs);
        *w += xs.len();
        self.ends[k] = *w;
    }

    /// Keeps the first `n` samples, whose items end at `w`.
    fn truncate(&mut self, n: usize, w: usize) {
        if self.ends.is_empty() {
            return;
        }
        self.items.truncate(w);
        self.ends.truncate(n);
        if w == 0 {
            self.ends.clear();
        }
    }

    fn heap_bytes(&self) -> usize {
        self.ends.capacity() * std::mem::size_of::<usize>()
            + self.items.capacity() * std::mem::size_of::<T>()
    }

    fn reserve_items(&mut self, n: usize) {
        reserve_moving_used(&mut self.items, n, false);
    }

    /// Makes room for exactly `n` more samples holding `items` more items
    /// in all; nothing when they hold none, so that the arena stays free.
    fn reserve_room(&mut self, n: usize, items: usize) {
        if items > 0 {
            reserve_moving_used(&mut self.ends, n, true);
            reserve_moving_used(&mut self.items, items, true);
        }
    }

    /// Makes room for `n` more samples with, on average, as many items as
    /// the `like_n` samples of `like` have, and a quarter more: samples of
    /// other sources hold a few more or fewer items, and a table that
    /// outgrows its room by one item is copied whole into twice the room.
    /// Nothing when `like` uses no items, so an arena no sample needs stays
    /// free.
    fn reserve_like(&mut self, like: &Arena<T>, like_n: usize, n: usize) {
        if like.ends.is_empty() || like_n == 0 {
            return;
        }
        reserve_moving_used(&mut self.ends, n, false);
        let items = like.items.len() as u128 * n as u128 / like_n as u128;
        let items = items + items / 4;
        let items = usize::try_from(items).unwrap_or(usize::MAX);
        reserve_moving_used(&mut self.items, items, false);
    }

    fn shrink_to_fit(&mut self) {
        self.ends.shrink_to_fit();
        self.items.shrink_to_fit();
    }
}

/// Makes room in `v` for `additional` more items (exactly, or as
/// `Vec::reserve` would), moving only the items it holds: the allocator's
/// `realloc` copies a block's whole capacity, and reading room that was
/// reserved but never written maps the kernel's zero page there, so that
/// its next user pays a second fault and a TLB flush on every core for
/// each page it writes.
fn reserve_moving_used<T: Copy>(v: &mut Vec<T>, additional: usize, exact: bool) {
    if v.capacity() - v.len() >= additional {
        return;
    }
    let need = v.len().saturating_add(additional);
    let cap = if exact {
        need
    } else {
        need.max(v.capacity().saturating_mul(2))
    };
    let mut moved = Vec::with_capacity(cap);
    moved.extend_from_slice(v);
    *v = moved;
}

/// Copies `r` into the owned `s`, reusing its vectors.
fn load(s: &mut Sample, r: SampleRef<'_>) {
    s.locations.clear();
    s.locations.extend_from_slice(r.locations);
    s.values.clear();
    s.values.extend_from_slice(r.values);
    s.labels.clear();
    s.labels.extend_from_slice(r.labels);
}

/// A sample as read from a [`Samples`] table: its location ids (leaf
/// first), one value per sample type, and its labels in canonical order
/// (see [`Sample::labels`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SampleRef<'a> {
    /// Locations, leaf first.
    pub locations: &'a [LocationId],
    /// One value per [`crate::Profile::sample_types`] entry.
    pub values: &'a [i64],
    /// Labels in canonical order.
    pub labels: &'a [Label],
}

impl SampleRef<'_> {
    /// An owned copy.
    pub fn to_sample(&self) -> Sample {
        Sample {
            locations: self.locations.to_vec(),
            values: self.values.to_vec(),
            labels: self.labels.to_vec(),
        }
    }
}

/// What [`Samples::push`] takes: a [`Sample`], a [`SampleRef`], or a
/// reference to either.
pub trait AsSample {
    /// The sample's parts.
    fn as_sample(&self) -> SampleRef<'_>;
}

impl AsSample for Sample {
    fn as_sample(&self) -> SampleRef<'_> {
        SampleRef::from(self)
    }
}

impl AsSample for SampleRef<'_> {
    fn as_sample(&self) -> SampleRef<'_> {
        *self
    }
}

impl<T: AsSample + ?Sized> AsSample for &T {
    fn as_sample(&self) -> SampleRef<'_> {
        (**self).as_sample()
    }
}

impl<'a> From<&'a Sample> for SampleRef<'a> {
    fn from(s: &'a Sample) -> Self {
        SampleRef {
            locations: &s.locations,
            values: &s.values,
            labels: &s.labels,
        }
    }
}

impl<'a> From<&SampleRef<'a>> for SampleRef<'a> {
    fn from(s: &SampleRef<'a>) -> Self {
        *s
    }
}

impl<'a> From<&&'a Sample> for SampleRef<'a> {
    fn from(s: &&'a Sample) -> Self {
        SampleRef::from(*s)
    }
}

/// A sample of a [`Samples`] table open for editing in place: values and
/// ids can change, lengths cannot (see [`Samples::rewrite`] for that).
#[derive(Debug)]
pub struct SampleMut<'a> {
    /// Locations, leaf first.
    pub locations: &'a mut [LocationId],
    /// One value per sample type.
    pub values: &'a mut [i64],
    /// Labels in canonical order.
    pub labels: &'a mut [Label],
}

/// The samples of a [`crate::Profile`], stored flat: location ids, values
/// and labels each in one arena, with where each sample's part ends.
///
/// ```
/// use pprof_model::{LocationId, Sample, Samples};
///
/// let mut t = Samples::new();
/// t.push(Sample { locations: vec![LocationId(0)], values: vec![3], ..Default::default() });
/// t.push_parts(&[], &[4], &[]);
/// t.values_mut(1)[0] += 1;
/// let sums: Vec<i64> = t.iter().map(|s| s.values[0]).collect();
/// assert_eq!(sums, vec![3, 5]);
/// assert_eq!(t.at(0).locations, &[LocationId(0)]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Samples {
    len: usize,
    locations: Arena<LocationId>,
    values: Arena<i64>,
    labels: Arena<Label>,
    /// Set by the decoder, which builds only valid samples; forgotten by
    /// any edit that could change an id or the number of values.
    checked: Option<Checked>,
    /// The numeric labels' distinct (key, unit) pairs in order of first
    /// appearance, recorded by the decoder; forgotten by any edit that
    /// could change a label or leave out a sample.
    label_units: Option<Vec<(StrId, StrId)>>,
    /// The records the decoder read the samples from, when it was asked to
    /// keep them; forgotten by any edit at all.
    records: Option<Records>,
}

/// Where the samples' records lie in the decompressed bytes they were
/// decoded from (kept with [`crate::DecodeOptions::keep_records`]): a
/// profile written back with its samples unchanged copies these records
/// instead of encoding every sample again. They read as the samples do,
/// by pprof's rules, as long as each location keeps the id it had.
#[derive(Clone, Debug)]
pub(crate) struct Records {
    /// The decompressed profile.proto bytes.
    pub(crate) data: std::sync::Arc<Vec<u8>>,
    /// Where sample `k * every` starts, for each `k`; the records lie end
    /// to end, with nothing else between them.
    pub(crate) marks: Vec<usize>,
    /// Where the last record ends.
    pub(crate) end: usize,
    /// Samples from one mark to the next.
    pub(crate) every: usize,
    /// The locations' ids the records use, by index.
    pub(crate) location_ids: LocationIds,
}

/// What the samples were found to fit when they were made: every location
/// index is below `locations`, every label string id below `strings`, and
/// every sample has `values` values. Tables that only grow keep them valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Checked {
    pub(crate) locations: usize,
    pub(crate) strings: usize,
    pub(crate) values: usize,
}

impl PartialEq for Samples {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Samples {}

impl Samples {
    /// An empty table.
    pub fn new() -> Samples {
        Samples::default()
    }

    /// Number of samples.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no samples.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Sample `i`; panics when `i` is out of range.
    #[inline]
    pub fn at(&self, i: usize) -> SampleRef<'_> {
        assert!(i < self.len, "sample {i} of {}", self.len);
        SampleRef {
            locations: self.locations.get(i),
            values: self.values.get(i),
            labels: self.labels.get(i),
        }
    }

    /// Sample `i`, if there is one.
    #[inline]
    pub fn get(&self, i: usize) -> Option<SampleRef<'_>> {
        (i < self.len).then(|| self.at(i))
    }

    /// The first sample.
    pub fn first(&self) -> Option<SampleRef<'_>> {
        self.get(0)
    }

    /// The last sample.
    pub fn last(&self) -> Option<SampleRef<'_>> {
        self.len.checked_sub(1).map(|i| self.at(i))
    }

    /// The samples in order.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            samples: self,
            range: 0..self.len,
        }
    }

    /// The samples in order, open for editing in place.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        self.forget();
        IterMut {
            next: 0,
            len: self.len,
            locations: SplitMut::new(&mut self.locations),
            values: SplitMut::new(&mut self.values),
            labels: SplitMut::new(&mut self.labels),
        }
    }

    /// The values of sample `i`, to edit; panics when `i` is out of range.
    #[inline]
    pub fn values_mut(&mut self, i: usize) -> &mut [i64] {
        assert!(i < self.len, "sample {i} of {}", self.len);
        self.records = None;
        self.values.get_mut(i)
    }

    /// The location ids of sample `i`, to edit; panics when `i` is out of
    /// range.
    pub fn locations_mut(&mut self, i: usize) -> &mut [LocationId] {
        assert!(i < self.len, "sample {i} of {}", self.len);
        self.checked = None;
        self.records = None;
        self.locations.get_mut(i)
    }

    /// The labels of sample `i`, to edit; panics when `i` is out of range.
    pub fn labels_mut(&mut self, i: usize) -> &mut [Label] {
        assert!(i < self.len, "sample {i} of {}", self.len);
        self.forget();
        self.labels.get_mut(i)
    }

    /// Every sample's location ids end to end, in the order of the samples.
    pub(crate) fn all_locations(&self) -> &[LocationId] {
        let end = self.locations.ends.last().copied().unwrap_or(0);
        &self.locations.items[..end]
    }

    /// Whether every sample has exactly `n` values.
    pub(crate) fn all_have_values(&self, n: usize) -> bool {
        let ends = &self.values.ends;
        if ends.is_empty() {
            return n == 0 || self.len == 0;
        }
        ends.len() == self.len && ends.iter().zip(1..).all(|(&e, k)| e == k * n)
    }

    /// Every sample's labels end to end, in the order of the samples: for
    /// a pass over all labels that does not ask whose they are.
    pub fn all_labels(&self) -> &[Label] {
        let end = self.labels.ends.last().copied().unwrap_or(0);
        &self.labels.items[..end]
    }

    /// What the samples were made to fit, if nothing edited them since.
    pub(crate) fn checked(&self) -> Option<Checked> {
        self.checked
    }

    /// Records what the samples fit (for the decoder, which checked it).
    pub(crate) fn set_checked(&mut self, c: Checked) {
        self.checked = Some(c);
    }

    /// The distinct (key, unit) pairs of the numeric labels, in the order
    /// they first appear, when the decoder recorded them and no edit since
    /// could have changed them (`None` otherwise: read the labels). Enough
    /// to tell each key's units without reading every label again.
    pub fn numeric_label_units(&self) -> Option<&[(StrId, StrId)]> {
        self.label_units.as_deref()
    }

    /// Records the numeric labels' (key, unit) pairs (for the decoder).
    pub(crate) fn set_numeric_label_units(&mut self, units: Vec<(StrId, StrId)>) {
        self.label_units = Some(units);
    }

    /// Forgets what the decoder recorded about the samples.
    fn forget(&mut self) {
        self.checked = None;
        self.label_units = None;
        self.records = None;
    }

    /// Keeps the records the samples were decoded from (for the decoder).
    pub(crate) fn set_records(&mut self, records: Records) {
        self.records = Some(records);
    }

    /// The bytes of the records of samples `range`, when the samples are
    /// unchanged since they were decoded from records that were kept,
    /// `ids` are still the locations' ids, and `range` starts at a mark and
    /// ends at one or at the last sample (see [`Samples::record_bounds`]).
    pub(crate) fn records_of(
        &self,
        range: std::ops::Range<usize>,
        ids: &LocationIds,
    ) -> Option<&[u8]> {
        let r = self.records.as_ref().filter(|r| r.location_ids == *ids)?;
        let at = |i: usize| -> Option<usize> {
            if i == self.len {
                Some(r.end)
            } else if i.is_multiple_of(r.every) {
                r.marks.get(i / r.every).copied()
            } else {
                None
            }
        };
        r.data.get(at(range.start)?..at(range.end)?)
    }

    /// `parts + 1` sample indexes from 0 to the number of samples that cut
    /// them into `parts` ranges of about equal length whose records
    /// [`Samples::records_of`] gives; `None` when it gives none.
    pub(crate) fn record_bounds(&self, parts: usize, ids: &LocationIds) -> Option<Vec<usize>> {
        self.records_of(0..self.len, ids)?;
        let every = self.records.as_ref()?.every;
        let n = self.len;
        let parts = parts.max(1);
        let bounds = (0..=parts).map(|k| {
            let i = n * k / parts;
            // The nearest mark, and the end at the end.
            if k == parts {
                n
            } else {
                ((i + every / 2) / every * every).min(n)
            }
        });
        Some(bounds.collect())
    }

    /// Forgets what the decoder recorded about the labels.
    fn forget_labels(&mut self) {
        self.label_units = None;
    }

    /// Appends a sample given by parts.
    #[inline]
    pub fn push_parts(&mut self, locations: &[LocationId], values: &[i64], labels: &[Label]) {
        self.forget();
        let n = self.len;
        self.locations.push(n, locations);
        self.values.push(n, values);
        self.labels.push(n, labels);
        self.len += 1;
    }

    /// Appends a sample (a [`Sample`], a [`SampleRef`] or a reference to
    /// either).
    #[inline]
    pub fn push(&mut self, s: impl AsSample) {
        let s = s.as_sample();
        self.push_parts(s.locations, s.values, s.labels);
    }

    /// Adds a label to the last sample (nothing when there is none); the
    /// caller restores the canonical order ([`crate::Profile::sort_labels`]).
    pub fn push_label_to_last(&mut self, label: Label) {
        self.forget();
        if self.len == 0 {
            return;
        }
        let a = &mut self.labels;
        if a.ends.is_empty() {
            a.ends.resize(self.len, 0);
        }
        a.items.push(label);
        if let Some(e) = a.ends.last_mut() {
            *e = a.items.len();
        }
    }

    /// The samples in `range` (clamped to the table).
    pub fn iter_range(&self, range: std::ops::Range<usize>) -> Iter<'_> {
        let end = range.end.min(self.len);
        Iter {
            samples: self,
            range: range.start.min(end)..end,
        }
    }

    /// Replaces sample `i` (nothing when out of range): in place when its
    /// parts keep their lengths, by rebuilding the table otherwise.
    pub fn replace(&mut self, i: usize, s: impl AsSample) {
        let Some(old) = self.get(i) else { return };
        let new = s.as_sample();
        if old.locations.len() == new.locations.len()
            && old.values.len() == new.values.len()
            && old.labels.len() == new.labels.len()
        {
            self.forget();
            self.locations.get_mut(i).copy_from_slice(new.locations);
            self.values.get_mut(i).copy_from_slice(new.values);
            self.labels.get_mut(i).copy_from_slice(new.labels);
            return;
        }
        let mut out = Samples::new();
        for (k, old) in self.iter().enumerate() {
            out.push(if k == i { new } else { old });
        }
        *self = out;
    }

    /// Inserts a sample before sample `i` (at the end when `i` is the
    /// length or more), rebuilding the table.
    pub fn insert(&mut self, i: usize, s: impl AsSample) {
        let new = s.as_sample();
        let mut out = Samples::new();
        for (k, old) in self.iter().enumerate() {
            if k == i {
                out.push(new);
            }
            out.push(old);
        }
        if i >= self.len {
            out.push(new);
        }
        *self = out;
    }

    /// Edits an owned copy of sample `i` and puts it back (see
    /// [`Samples::replace`]); nothing when `i` is out of range.
    pub fn edit(&mut self, i: usize, f: impl FnOnce(&mut Sample)) {
        let Some(s) = self.get(i) else { return };
        let mut s = s.to_sample();
        f(&mut s);
        self.replace(i, s);
    }

    /// Appends all of `other`'s samples.
    pub fn append(&mut self, other: &Samples) {
        self.forget();
        let (n, m) = (self.len, other.len);
        self.locations.append(n, &other.locations, m);
        self.values.append(n, &other.values, m);
        self.labels.append(n, &other.labels, m);
        self.len += m;
    }

    /// Makes room for samples of `sizes` (their number, and their
    /// locations, values and labels in all), so that a table filled with
    /// them never copies itself as it grows.
    pub(crate) fn reserve_sizes(&mut self, sizes: Sizes) {
        let n = sizes.samples;
        self.locations.reserve_room(n, sizes.items[0]);
        self.values.reserve_room(n, sizes.items[1]);
        self.labels.reserve_room(n, sizes.items[2]);
    }

    /// Makes room for `n` more samples of `values` values each.
    pub fn reserve(&mut self, n: usize, values: usize) {
        reserve_moving_used(&mut self.values.ends, n, false);
        self.values.reserve_items(n.saturating_mul(values));
    }

    /// Makes room for `n` more samples shaped like `like`'s on average
    /// (values, locations and labels per sample), so that a table expected
    /// to grow that much (a merge of sources like `like`) is not copied as
    /// it grows: room that is never used costs address space, not memory.
    pub fn reserve_like(&mut self, like: &Samples, n: usize) {
        let m = like.len;
        self.locations.reserve_like(&like.locations, m, n);
        self.values.reserve_like(&like.values, m, n);
        self.labels.reserve_like(&like.labels, m, n);
    }

    /// Releases unused capacity.
    pub fn shrink_to_fit(&mut self) {
        self.locations.shrink_to_fit();
        self.values.shrink_to_fit();
        self.labels.shrink_to_fit();
    }

    /// Removes every sample.
    pub fn clear(&mut self) {
        *self = Samples::default();
    }

    /// Keeps the samples `keep` accepts, in order, moving them down in
    /// place.
    pub fn retain(&mut self, mut keep: impl FnMut(SampleRef<'_>) -> bool) {
        let flags: Vec<bool> = self.iter().map(&mut keep).collect();
        self.retain_flags(&flags);
    }

    /// Edits each sample in place and keeps those `keep` accepts, in
    /// order.
    pub fn retain_mut(&mut self, mut keep: impl FnMut(SampleMut<'_>) -> bool) {
        let flags: Vec<bool> = self.iter_mut().map(&mut keep).collect();
        self.retain_flags(&flags);
    }

    /// Keeps sample `i` when `keep[i]` is set.
    fn retain_flags(&mut self, keep: &[bool]) {
        if keep.iter().all(|&k| k) {
            return;
        }
        // Fewer samples may hold fewer units.
        self.forget_labels();
        self.records = None;
        self.locations.retain(keep);
        self.values.retain(keep);
        self.labels.retain(keep);
        self.len = keep.iter().filter(|&&k| k).count();
    }

    /// A table of the samples at `indexes`, in that order (an index may
    /// repeat; one out of range panics).
    pub fn select(&self, indexes: impl IntoIterator<Item = usize>) -> Samples {
        let mut out = Samples::new();
        for i in indexes {
            out.push(self.at(i));
        }
        out
    }

    /// A table of the samples `keep` accepts, in order.
    pub fn filtered(&self, mut keep: impl FnMut(SampleRef<'_>) -> bool) -> Samples {
        let flags: Vec<bool> = self.iter().map(&mut keep).collect();
        Samples {
            len: flags.iter().filter(|&&k| k).count(),
            locations: self.locations.filtered(&flags),
            values: self.values.filtered(&flags),
            labels: self.labels.filtered(&flags),
            // A part of valid samples is valid (but may hold fewer units).
            checked: self.checked,
            label_units: None,
            records: None,
        }
    }

    /// Sorts the samples (stably) by `cmp`.
    pub fn sort_by(
        &mut self,
        mut cmp: impl FnMut(SampleRef<'_>, SampleRef<'_>) -> std::cmp::Ordering,
    ) {
        let mut order: Vec<usize> = (0..self.len).collect();
        order.sort_by(|&a, &b| cmp(self.at(a), self.at(b)));
        if order.iter().enumerate().any(|(k, &i)| k != i) {
            *self = self.select(order);
        }
    }

    /// Rewrites every sample through `f`, which edits an owned copy (its
    /// parts may change length) and says whether to keep it. Samples that
    /// keep or shrink their parts are written back in place; from the first
    /// one that grows past the room already read, the rest go to a new
    /// table.
    pub fn rewrite(&mut self, mut f: impl FnMut(&mut Sample) -> bool) {
        self.forget();
        let n = self.len;
        let mut s = Sample::default();
        // Where the next sample's items start in each arena (the end of the
        // previous one as it was before being rewritten), and where the
        // next kept sample's items go.
        let mut read = [0usize; 3];
        let mut write = [0usize; 3];
        let mut kept = 0usize;
        for i in 0..n {
            load(&mut s, self.read_next(i, &mut read));
            if !f(&mut s) {
                continue;
            }
            let fits =
                |lazy: bool, k: usize, len: usize| len == 0 || (!lazy && write[k] + len <= read[k]);
            if !(fits(self.locations.ends.is_empty(), 0, s.locations.len())
                && fits(self.values.ends.is_empty(), 1, s.values.len())
                && fits(self.labels.ends.is_empty(), 2, s.labels.len()))
            {
                let mut out = Samples {
                    len: kept,
                    locations: self.locations.prefix(kept, write[0]),
                    values: self.values.prefix(kept, write[1]),
                    labels: self.labels.prefix(kept, write[2]),
                    checked: None,
                    label_units: None,
                    records: None,
                };
                out.push(&s);
                for j in i + 1..n {
                    load(&mut s, self.read_next(j, &mut read));
                    if f(&mut s) {
                        out.push(&s);
                    }
                }
                *self = out;
                return;
            }
            self.locations.write_at(kept, &mut write[0], &s.locations);
            self.values.write_at(kept, &mut write[1], &s.values);
            self.labels.write_at(kept, &mut write[2], &s.labels);
            kept += 1;
        }
        self.locations.truncate(kept, write[0]);
        self.values.truncate(kept, write[1]);
        self.labels.truncate(kept, write[2]);
        self.len = kept;
    }

    /// Sample `i`, read from where its items start in each arena (`read`,
    /// moved to where they end) rather than from the ends before it, which
    /// [`Samples::rewrite`] may have rewritten.
    fn read_next(&self, i: usize, read: &mut [usize; 3]) -> SampleRef<'_> {
        SampleRef {
            locations: &self.locations.items[self.locations.read_range(i, &mut read[0])],
            values: &self.values.items[self.values.read_range(i, &mut read[1])],
            labels: &self.labels.items[self.labels.read_range(i, &mut read[2])],
        }
    }

    /// Heap bytes held (capacity, not length).
    pub fn heap_bytes(&self) -> usize {
        self.locations.heap_bytes() + self.values.heap_bytes() + self.labels.heap_bytes()
    }
}

impl<'a> IntoIterator for &'a Samples {
    type Item = SampleRef<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Samples {
    type Item = SampleMut<'a>;
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

impl<'a> FromIterator<SampleRef<'a>> for Samples {
    fn from_iter<I: IntoIterator<Item = SampleRef<'a>>>(iter: I) -> Samples {
        let mut out = Samples::new();
        for s in iter {
            out.push(s);
        }
        out
    }
}

impl FromIterator<Sample> for Samples {
    fn from_iter<I: IntoIterator<Item = Sample>>(iter: I) -> Samples {
        let mut out = Samples::new();
        for s in iter {
            out.push(&s);
        }
        out
    }
}

impl Extend<Sample> for Samples {
    fn extend<I: IntoIterator<Item = Sample>>(&mut self, iter: I) {
        for s in iter {
            self.push(&s);
        }
    }
}

impl<'a> Extend<SampleRef<'a>> for Samples {
    fn extend<I: IntoIterator<Item = SampleRef<'a>>>(&mut self, iter: I) {
        for s in iter {
            self.push(s);
        }
    }
}

impl From<Vec<Sample>> for Samples {
    fn from(v: Vec<Sample>) -> Samples {
        v.into_iter().collect()
    }
}

/// Iterator over a [`Samples`] table.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    samples: &'a Samples,
    range: std::ops::Range<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = SampleRef<'a>;
    #[inline]
    fn next(&mut self) -> Option<SampleRef<'a>> {
        self.range.next().map(|i| self.samples.at(i))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
    fn nth(&mut self, n: usize) -> Option<SampleRef<'a>> {
        self.range.nth(n).map(|i| self.samples.at(i))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.range.next_back().map(|i| self.samples.at(i))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// Splits an arena's items into consecutive per-sample slices.
#[derive(Debug)]
struct SplitMut<'a, T> {
    ends: &'a [usize],
    rest: &'a mut [T],
    at: usize,
}

impl<'a, T> SplitMut<'a, T> {
    fn new(a: &'a mut Arena<T>) -> Self {
        SplitMut {
            ends: &a.ends,
            rest: &mut a.items,
            at: 0,
        }
    }

    fn next(&mut self, i: usize) -> &'a mut [T] {
        let Some(&end) = self.ends.get(i) else {
            return &mut [];
        };
        let rest = std::mem::take(&mut self.rest);
        let (head, tail) = rest.split_at_mut(end - self.at);
        self.rest = tail;
        self.at = end;
        head
    }
}

/// Iterator over a [`Samples`] table's samples, open for editing.
#[derive(Debug)]
pub struct IterMut<'a> {
    next: usize,
    len: usize,
    locations: SplitMut<'a, LocationId>,
    values: SplitMut<'a, i64>,
    labels: SplitMut<'a, Label>,
}

impl<'a> Iterator for IterMut<'a> {
    type Item = SampleMut<'a>;
    #[inline]
    fn next(&mut self) -> Option<SampleMut<'a>> {
        if self.next >= self.len {
            return None;
        }
        let i = self.next;
        self.next += 1;
        Some(SampleMut {
            locations: self.locations.next(i),
            values: self.values.next(i),
            labels: self.labels.next(i),
        })
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.len - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for IterMut<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StrId;

    fn label(n: i64) -> Label {
        Label {
            key: StrId(1),
            num: n,
            ..Default::default()
        }
    }

    #[test]
    fn all_labels_are_each_samples_labels_in_order() {
        let joined = |t: &Samples| -> Vec<i64> {
            t.iter()
                .flat_map(|s| s.labels.iter().map(|l| l.num))
                .collect()
        };
        let nums = |t: &Samples| -> Vec<i64> { t.all_labels().iter().map(|l| l.num).collect() };
        let mut t = Samples::new();
        assert!(t.all_labels().is_empty());
        t.push_parts(&[], &[1], &[]);
        assert!(t.all_labels().is_empty());
        for i in 0..6 {
            let labels: Vec<Label> = (0..i % 3).map(|k| label(10 * i + k)).collect();
            t.push_parts(&[], &[i], &labels);
        }
        assert_eq!(nums(&t), joined(&t));
        t.edit(2, |s| s.labels = vec![label(7), label(8), label(9)]);
        t.insert(
            1,
            Sample {
                values: vec![0],
                labels: vec![label(-1)],
                ..Default::default()
            },
        );
        t.retain(|s| s.values[0] != 3);
        assert_eq!(nums(&t), joined(&t));
        assert_eq!(nums(&t), vec![-1, 7, 8, 9, 20, 21, 40, 50, 51]);
        t.retain(|s| s.labels.is_empty());
        assert!(t.all_labels().is_empty());
    }

    #[test]
    fn one_value_sample_costs_at_most_40_bytes() {
        let mut t = Samples::new();
        let n = 100_000;
        t.reserve(n, 1);
        for i in 0..n {
            t.push_parts(&[], &[i as i64], &[]);
        }
        let per_sample = t.heap_bytes() as f64 / n as f64;
        assert!(per_sample <= 40.0, "{per_sample} bytes a sample");
        assert_eq!(per_sample, 16.0);
        // With one location too, still well under the old ~100 bytes.
        let mut t = Samples::new();
        for i in 0..n {
            t.push_parts(&[LocationId(i as u32)], &[1], &[]);
        }
        t.shrink_to_fit();
        assert_eq!(t.heap_bytes() as f64 / n as f64, 28.0);
    }

    #[test]
    fn room_is_made_by_moving_the_items_held() {
        let mut v: Vec<u32> = Vec::with_capacity(10);
        v.extend([1, 2, 3]);
        let at = v.as_ptr();
        // Room enough: nothing moves.
        reserve_moving_used(&mut v, 7, true);
        assert_eq!((v.as_ptr(), v.capacity()), (at, 10));
        // Exactly the room asked for, the items kept.
        reserve_moving_used(&mut v, 20, true);
        assert_eq!((v.as_slice(), v.capacity()), (&[1, 2, 3][..], 23));
        // At least twice the room, as `Vec::reserve` gives.
        reserve_moving_used(&mut v, 21, false);
        assert_eq!((v.as_slice(), v.capacity()), (&[1, 2, 3][..], 46));
        reserve_moving_used(&mut v, 100, false);
        assert_eq!((v.as_slice(), v.capacity()), (&[1, 2, 3][..], 103));
        // An empty vector with room: new room, nothing copied.
        let mut e: Vec<u32> = Vec::with_capacity(4);
        reserve_moving_used(&mut e, 9, true);
        assert_eq!((e.len(), e.capacity()), (0, 9));
    }

    #[test]
    fn reserve_like_makes_room_for_copies_of_a_table() {
        let mut like = Samples::new();
        like.push_parts(&[LocationId(1), LocationId(2)], &[1, 2], &[label(1)]);
        like.push_parts(&[LocationId(3)], &[3, 4], &[]);
        let mut t = Samples::new();
        t.reserve_like(&like, 1000);
        let room = t.heap_bytes();
        assert!(room > 0);
        for _ in 0..500 {
            for s in like.iter() {
                t.push(s);
            }
        }
        // 1000 samples shaped like `like`'s fill the room without growing it.
        assert_eq!(t.heap_bytes(), room);
        assert_eq!(t.len(), 1000);
        assert_eq!(t.at(999).locations, &[LocationId(3)]);
        // An arena `like` does not use is left alone.
        let mut bare = Samples::new();
        bare.push_parts(&[], &[1], &[]);
        let mut u = Samples::new();
        u.reserve_like(&bare, 10);
        // Ten ends, and room for ten values and a quarter more.
        assert_eq!(u.heap_bytes(), 10 * 8 + 12 * 8);
    }

    #[test]
    fn filtered_copies_what_retain_keeps_in_exact_room() {
        let mut t = Samples::new();
        for i in 0..50u32 {
            let locs: Vec<LocationId> = (0..i % 4).map(LocationId).collect();
            let labels: Vec<Label> = (0..i % 3 / 2).map(|_| label(i.into())).collect();
            t.push_parts(&locs, &[i.into()], &labels);
        }
        for m in [1, 2, 3, 7, 100] {
            let keep = |s: SampleRef<'_>| s.values[0] % m == 0;
            let f = t.filtered(keep);
            let mut r = t.clone();
            r.retain(keep);
            assert_eq!(f, r, "every {m}th");
            let mut exact = f.clone();
            exact.shrink_to_fit();
            assert_eq!(f.heap_bytes(), exact.heap_bytes(), "every {m}th");
        }
        // Nothing kept, or no sample with labels kept: no room at all for them.
        assert_eq!(t.filtered(|_| false).heap_bytes(), 0);
        assert_eq!(t.filtered(|s| s.labels.is_empty()).labels.heap_bytes(), 0);
    }

    #[test]
    fn lazy_arenas_read_back_what_was_pushed() {
        let mut t = Samples::new();
        t.push_parts(&[], &[1], &[]);
        t.push_parts(&[LocationId(4), LocationId(5)], &[2], &[label(7)]);
        t.push_parts(&[], &[3], &[]);
        assert_eq!(t.len(), 3);
        assert_eq!(t.at(0).locations, &[] as &[LocationId]);
        assert_eq!(t.at(1).locations, &[LocationId(4), LocationId(5)]);
        assert_eq!(t.at(1).labels, &[label(7)]);
        assert_eq!(t.at(2).labels, &[] as &[Label]);
        assert_eq!(t.at(2).values, &[3]);
        assert!(t.get(3).is_none());

        let mut u = Samples::new();
        u.push_parts(&[], &[9], &[]);
        let mut both = u.clone();
        both.append(&t);
        both.append(&u);
        let vals: Vec<i64> = both.iter().map(|s| s.values[0]).collect();
        assert_eq!(vals, vec![9, 1, 2, 3, 9]);
        assert_eq!(both.at(2).locations, &[LocationId(4), LocationId(5)]);
        assert_eq!(both.at(4).locations, &[] as &[LocationId]);
    }

    #[test]
    fn rewrite_shrinks_in_place_and_grows_into_a_new_table() {
        let table = || {
            let mut t = Samples::new();
            for i in 0..6u32 {
                let locs: Vec<LocationId> = (0..3).map(|k| LocationId(10 * i + k)).collect();
                t.push_parts(&locs, &[i as i64], &[label(i as i64), label(-1)]);
            }
            t
        };
        let mut t = table();
        t.rewrite(|s| {
            s.locations.remove(0);
            s.labels.truncate(1);
            s.values[0] != 2
        });
        let got: Vec<(Vec<LocationId>, i64, Vec<Label>)> = t
            .iter()
            .map(|s| (s.locations.to_vec(), s.values[0], s.labels.to_vec()))
            .collect();
        let want: Vec<(Vec<LocationId>, i64, Vec<Label>)> = [0u32, 1, 3, 4, 5]
            .iter()
            .map(|&i| {
                (
                    vec![LocationId(10 * i + 1), LocationId(10 * i + 2)],
                    i as i64,
                    vec![label(i as i64)],
                )
            })
            .collect();
        assert_eq!(got, want);
        // Growing from the fourth sample on: the rest is copied.
        let mut t = table();
        t.rewrite(|s| {
            if s.values[0] >= 3 {
                s.locations.push(LocationId(99));
            } else {
                s.locations.pop();
            }
            true
        });
        let lens: Vec<usize> = t.iter().map(|s| s.locations.len()).collect();
        assert_eq!(lens, vec![2, 2, 2, 4, 4, 4]);
        assert_eq!(t.at(3).locations[0], LocationId(30));
        assert_eq!(t.at(5).labels, &[label(5), label(-1)]);
    }

    #[test]
    fn retain_sort_and_edit_in_place() {
        let mut t = Samples::new();
        for i in 0..6u32 {
            let locs: Vec<LocationId> = (0..i).map(LocationId).collect();
            let labels: Vec<Label> = (0..i % 2).map(|_| label(i as i64)).collect();
            t.push_parts(&locs, &[i as i64, 10], &labels);
        }
        for s in &mut t {
            s.values[1] += s.values[0];
        }
        t.retain(|s| s.values[0] % 2 == 1);
        let got: Vec<(usize, i64, usize)> = t
            .iter()
            .map(|s| (s.locations.len(), s.values[1], s.labels.len()))
            .collect();
        assert_eq!(got, vec![(1, 11, 1), (3, 13, 1), (5, 15, 1)]);
        t.sort_by(|a, b| b.values[0].cmp(&a.values[0]));
        assert_eq!(t.at(0).locations.len(), 5);
        assert_eq!(t.at(2).labels, &[label(1)]);
        t.rewrite(|s| {
            s.locations.push(LocationId(99));
            s.values[0] != 3
        });
        assert_eq!(t.len(), 2);
        assert_eq!(t.at(1).locations, &[LocationId(0), LocationId(99)]);
        t.retain(|_| false);
        assert!(t.is_empty());
        assert_eq!(t, Samples::new());
    }

    /// Runs fill the table pushed one by one, in room made ahead (on any
    /// thread), made there, or made again when it has other sizes.
    #[test]
    fn runs_fill_room_made_ahead_or_not() {
        let sample = |i: usize| {
            let locs: Vec<LocationId> = (0..i % 4).map(|k| LocationId((i + k) as u32)).collect();
            let labels: Vec<Label> = (0..i % 3).map(|k| label((i * k) as i64)).collect();
            (locs, vec![i as i64], labels)
        };
        let run = |r: std::ops::Range<usize>| {
            let mut sizes = Sizes::default();
            for i in r {
                let (l, v, b) = sample(i);
                sizes.samples += 1;
                sizes.items[0] += l.len();
                sizes.items[1] += v.len();
                sizes.items[2] += b.len();
            }
            sizes
        };
        let mut want = Samples::new();
        for i in 0..50 {
            let (l, v, b) = sample(i);
            want.push_parts(&l, &v, &b);
        }
        let (a, b) = (run(0..20), run(20..50));
        let fill = |f: &mut Filler<'_>, r: std::ops::Range<usize>| {
            r.into_iter().all(|i| {
                let (l, v, b) = sample(i);
                f.push_parts(&l, &v, &b)
            })
        };
        let other = Sizes {
            samples: 1,
            items: [1, 1, 1],
        };
        let ahead = std::thread::spawn(move || Samples::room_for(a, b))
            .join()
            .ok();
        for room in [ahead, None, Some(Samples::room_for(other, other))] {
            let (t, ok) =
                Samples::fill_runs(room, &[a, b], |j, f| fill(f, [0..20, 20..50][j].clone()));
            assert_eq!(ok, [true, true]);
            assert_eq!(t, want);
        }
        // In more runs, some of them empty.
        let cuts = [0, 7, 7, 20, 33, 50, 50];
        let runs: Vec<Sizes> = cuts.windows(2).map(|w| run(w[0]..w[1])).collect();
        let (t, ok) = Samples::fill_runs(None, &runs, |j, f| fill(f, cuts[j]..cuts[j + 1]));
        assert!(ok.iter().all(|&ok| ok) && ok.len() == 6);
        assert_eq!(t, want);
        // Runs that use less than their room (as when decoding drops a
        // label): the gaps are closed.
        let roomy: Vec<Sizes> = (runs.iter())
            .map(|r| Sizes {
                samples: r.samples + 2,
                items: r.items.map(|i| i + 3),
            })
            .collect();
        let (t, ok) = Samples::fill_runs(None, &roomy, |j, f| fill(f, cuts[j]..cuts[j + 1]));
        assert!(ok.iter().all(|&ok| ok));
        assert_eq!(t, want);

        // Room made early, grown as the samples are counted (or not to the
        // end): the same room as `room_for` makes, filled the same.
        let shape = |t: &Samples| {
            let arena =
                |ends: &[usize], items: usize| (ends.len(), items, ends.iter().sum::<usize>());
            [
                arena(&t.locations.ends, t.locations.items.len()),
                arena(&t.values.ends, t.values.items.len()),
                arena(&t.labels.ends, t.labels.items.len()),
            ]
        };
        let cap = |extra: usize| Sizes {
            samples: 50 + extra,
            items: [run(0..50).items[0] + extra, 50 + extra, 0],
        };
        for steps in [&[10, 30, 50][..], &[10], &[]] {
            let mut early = EarlyRoom::with_capacity(cap(7)).unwrap();
            for &k in steps {
                early.grow_to(run(0..k));
            }
            let room = early.into_room(a, b).unwrap();
            assert_eq!(shape(&room), shape(&Samples::room_for(a, b)), "{steps:?}");
            assert!(room.locations.items.iter().all(|&l| l == LocationId(0)));
            assert!(room.values.items.iter().all(|&v| v == 0));
            let (t, ok) = Samples::fill_runs(Some(room), &[a, b], |j, f| {
                fill(f, [0..20, 20..50][j].clone())
            });
            assert_eq!(ok, [true, true]);
            assert_eq!(t, want);
        }
        // Room too small for the table: none, and growing past it does
        // nothing.
        let mut short = EarlyRoom::with_capacity(run(0..30)).unwrap();
        short.grow_to(run(0..40));
        assert_eq!(short.locations.items.len(), 0);
        assert!(short.into_room(a, b).is_none());
        // A table without locations nor values: empty arenas, as
        // `room_for` makes them.
        let bare = Sizes {
            samples: 5,
            items: [0, 0, 3],
        };
        let early = EarlyRoom::with_capacity(cap(0)).unwrap();
        let room = early.into_room(bare, bare).unwrap();
        assert_eq!(shape(&room), shape(&Samples::room_for(bare, bare)));
    }
}
/// How many samples a run of them holds, and an upper bound of their
/// location ids, values and labels.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Sizes {
    pub(crate) samples: usize,
    pub(crate) items: [usize; 3],
}

/// One arena's room for a run of samples, filled in order.
#[derive(Debug)]
struct FillArena<'a, T> {
    /// Empty when no sample of the whole table has items here.
    ends: &'a mut [usize],
    items: &'a mut [T],
    used: usize,
}

impl<T: Copy> FillArena<'_, T> {
    #[inline]
    fn fits(&self, k: usize, xs: &[T]) -> bool {
        if self.ends.is_empty() {
            return xs.is_empty();
        }
        k < self.ends.len() && self.used + xs.len() <= self.items.len()
    }

    #[inline]
    fn push(&mut self, k: usize, xs: &[T]) {
        if self.ends.is_empty() {
            return;
        }
        let end = self.used + xs.len();
        self.items[self.used..end].copy_from_slice(xs);
        self.used = end;
        self.ends[k] = end;
    }
}

/// Writes one run of a table that two threads fill at once (see
/// [`Samples::fill_runs`]); positions are relative to the run's room.
#[derive(Debug)]
pub(crate) struct Filler<'a> {
    len: usize,
    locations: FillArena<'a, LocationId>,
    values: FillArena<'a, i64>,
    labels: FillArena<'a, Label>,
}

impl Filler<'_> {
    /// Appends a sample; false (and nothing written) when the room
    /// counted for this run is too small.
    #[inline]
    pub(crate) fn push_parts(
        &mut self,
        locations: &[LocationId],
        values: &[i64],
        labels: &[Label],
    ) -> bool {
        let k = self.len;
        if !(self.locations.fits(k, locations)
            && self.values.fits(k, values)
            && self.labels.fits(k, labels))
        {
            return false;
        }
        self.locations.push(k, locations);
        self.values.push(k, values);
        self.labels.push(k, labels);
        self.len += 1;
        true
    }

    fn filled(&self) -> Sizes {
        Sizes {
            samples: self.len,
            items: [self.locations.used, self.values.used, self.labels.used],
        }
    }
}

impl<T: Copy + bytemuck::Zeroable> Arena<T> {
    /// Room for `n` samples and `items` items, zeroed by the system (whose
    /// pages are then first touched by the threads that fill them).
    fn room(n: usize, items: usize) -> Arena<T> {
        if items == 0 {
            return Arena::default();
        }
        Arena {
            ends: vec![0; n],
            items: bytemuck::allocation::zeroed_vec(items),
        }
    }

    /// Grows the ends to `n` samples and the items to `items` within the
    /// capacity, writing zeros (so that this thread faults the pages in).
    fn grow_within(&mut self, n: usize, items: usize) {
        if n <= self.ends.capacity() && items <= self.items.capacity() {
            self.ends.resize(n.max(self.ends.len()), 0);
            self.items.resize(items.max(self.items.len()), T::zeroed());
        }
    }

    /// This room for a table of `n` samples and `items` items, as
    /// [`Arena::room`] makes it.
    fn into_room(mut self, n: usize, items: usize) -> Arena<T> {
        if items == 0 {
            return Arena::default();
        }
        self.grow_within(n, items);
        self.ends.truncate(n);
        self.items.truncate(items);
        self
    }
}

/// Part of a sample table's room made while the samples are still being
/// counted (as the data is inflated): within a capacity guessed from the
/// first samples, the location and value arenas grow to the sizes counted
/// so far, zeros written, so that their pages are faulted in then, by the
/// counting thread, instead of by the threads that decode the samples once
/// every byte is there. The labels' room is made at the end, as
/// [`Samples::room_for`] makes it: faulting it in too made the counting
/// thread, which also copies what is inflated, slower than the inflating
/// one (on `large.pb.gz`, 0.70-0.72 s for -top either way; with the
/// locations and values alone, 0.68-0.70 s).
#[derive(Debug, Default)]
pub(crate) struct EarlyRoom {
    locations: Arena<LocationId>,
    values: Arena<i64>,
}

impl EarlyRoom {
    /// An empty room that can grow to `cap` without moving; `None` when
    /// the allocator refuses that much.
    pub(crate) fn with_capacity(cap: Sizes) -> Option<EarlyRoom> {
        fn arena<T>(n: usize, items: usize) -> Option<Arena<T>> {
            let mut a = Arena::default();
            a.ends.try_reserve_exact(n).ok()?;
            a.items.try_reserve_exact(items).ok()?;
            Some(a)
        }
        Some(EarlyRoom {
            locations: arena(cap.samples, cap.items[0])?,
            values: arena(cap.samples, cap.items[1])?,
        })
    }

    /// Whether the location and value arenas of a table of `s` sizes fit
    /// in the room's capacity.
    pub(crate) fn holds(&self, s: Sizes) -> bool {
        s.samples <= self.locations.ends.capacity()
            && s.samples <= self.values.ends.capacity()
            && s.items[0] <= self.locations.items.capacity()
            && s.items[1] <= self.values.items.capacity()
    }

    /// Grows the room to `s` (the sizes of the samples counted so far),
    /// when it holds them.
    pub(crate) fn grow_to(&mut self, s: Sizes) {
        if self.holds(s) {
            self.locations.grow_within(s.samples, s.items[0]);
            self.values.grow_within(s.samples, s.items[1]);
        }
    }

    /// The room of a table of two runs of `a` and `b` sizes, as
    /// [`Samples::room_for`] makes it, when this room holds them.
    pub(crate) fn into_room(self, a: Sizes, b: Sizes) -> Option<Samples> {
        let total = |i: usize| a.items[i] + b.items[i];
        let n = a.samples + b.samples;
        let sizes = Sizes {
            samples: n,
            items: [total(0), total(1), total(2)],
        };
        if !self.holds(sizes) {
            return None;
        }
        Some(Samples {
            len: 0,
            locations: self.locations.into_room(n, total(0)),
            values: self.values.into_room(n, total(1)),
            labels: Arena::room(n, total(2)),
            checked: None,
            label_units: None,
            records: None,
        })
    }
}

impl<T: Copy> Arena<T> {
    /// Splits the room into runs of `runs` (samples, items) each, in order
    /// (a run past the room gets what is left).
    fn split_runs(&mut self, runs: &[(usize, usize)]) -> Vec<FillArena<'_, T>> {
        let kept = !self.ends.is_empty();
        let (mut ends, mut items) = (&mut self.ends[..], &mut self.items[..]);
        let mut out = Vec::with_capacity(runs.len());
        for &(n, k) in runs {
            // (The lengths are read before the slices are taken.)
            let n = if kept { n.min(ends.len()) } else { 0 };
            let k = k.min(items.len());
            let (e, rest) = std::mem::take(&mut ends).split_at_mut(n);
            ends = rest;
            let (i, rest) = std::mem::take(&mut items).split_at_mut(k);
            items = rest;
            out.push(FillArena {
                ends: e,
                items: i,
                used: 0,
            });
        }
        out
    }

    /// Closes the gaps between runs filled in rooms of `rooms` (samples,
    /// items) each, of which `used` was used, moving each run down to the
    /// end of the one before (its ends, relative to its room, made
    /// absolute), and drops the unused room.
    fn join_runs(&mut self, rooms: &[(usize, usize)], used: &[(usize, usize)]) {
        if self.ends.is_empty() {
            return;
        }
        let (mut from_n, mut from_i, mut to_n, mut to_i) = (0, 0, 0, 0);
        for (&(room_n, room_i), &(len, u)) in rooms.iter().zip(used) {
            if from_i != to_i {
                self.items.copy_within(from_i..from_i + u, to_i);
            }
            if from_n != to_n {
                self.ends.copy_within(from_n..from_n + len, to_n);
            }
            if to_i != 0 {
                for e in &mut self.ends[to_n..to_n + len] {
                    *e += to_i;
                }
            }
            (from_n, from_i) = (from_n + room_n, from_i + room_i);
            (to_n, to_i) = (to_n + len, to_i + u);
        }
        self.items.truncate(to_i);
        self.ends.truncate(to_n);
        if to_i == 0 {
            self.ends.clear();
        }
    }
}

impl Samples {
    /// The empty room of a table for runs of at most `a` and `b` sizes
    /// together, for [`Samples::fill_runs`].
    pub(crate) fn room_for(a: Sizes, b: Sizes) -> Samples {
        let n = a.samples + b.samples;
        let total = |i: usize| a.items[i] + b.items[i];
        Samples {
            len: 0,
            locations: Arena::room(n, total(0)),
            values: Arena::room(n, total(1)),
            labels: Arena::room(n, total(2)),
            checked: None,
            label_units: None,
            records: None,
        }
    }

    /// Fills a table in runs of at most `runs[j]` sizes each, on two
    /// threads at once, each taking the next run not taken (so that both
    /// finish together however the processor is shared): `f(j, filler)`
    /// writes run `j`, into `room` ([`Samples::room_for`] of the same total
    /// sizes, or it is made again); the runs are then joined in place, in
    /// order, and their results returned in that order.
    pub(crate) fn fill_runs<R: Send>(
        room: Option<Samples>,
        runs: &[Sizes],
        f: impl Fn(usize, &mut Filler<'_>) -> R + Sync,
    ) -> (Samples, Vec<R>) {
        let total = runs.iter().fold(Sizes::default(), |t, r| Sizes {
            samples: t.samples + r.samples,
            items: [0, 1, 2].map(|i| t.items[i] + r.items[i]),
        });
        let fits = |t: &Samples| {
            t.len == 0
                && t.locations.items.len() == total.items[0]
                && t.values.items.len() == total.items[1]
                && t.labels.items.len() == total.items[2]
        };
        let mut t = match room {
            Some(t) if fits(&t) => t,
            _ => Samples::room_for(total, Sizes::default()),
        };
        let rooms = |i: usize| -> Vec<(usize, usize)> {
            runs.iter().map(|r| (r.samples, r.items[i])).collect()
        };
        let (lr, vr, br) = (rooms(0), rooms(1), rooms(2));
        // Each run's filler, locked (once, without contention) by the
        // thread dealt the run.
        let fillers: Vec<std::sync::Mutex<Filler<'_>>> = (t.locations.split_runs(&lr).into_iter())
            .zip(t.values.split_runs(&vr))
            .zip(t.labels.split_runs(&br))
            .map(|((locations, values), labels)| {
                std::sync::Mutex::new(Filler {
                    len: 0,
                    locations,
                    values,
                    labels,
                })
            })
            .collect();
        let done = crate::chunks::deal(fillers.len(), |j| {
            let mut filler = fillers[j].lock().unwrap_or_else(|e| e.into_inner());
            (f(j, &mut filler), filler.filled())
        });
        let used = |i: usize| -> Vec<(usize, usize)> {
            done.iter().map(|d| (d.1.samples, d.1.items[i])).collect()
        };
        t.locations.join_runs(&lr, &used(0));
        t.values.join_runs(&vr, &used(1));
        t.labels.join_runs(&br, &used(2));
        t.len = done.iter().map(|d| d.1.samples).sum();
        (t, done.into_iter().map(|d| d.0).collect())
    }
}
