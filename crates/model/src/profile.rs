//! The owned profile model.

use crate::samples::{SampleRef, Samples};
use crate::strings::{StrId, StringTable};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, bytemuck::Zeroable)]
        pub struct $name(pub u32);

        impl $name {
            /// The index into the owning table.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    };
}

id_type!(
    /// Index of a [`Location`] in [`Profile::locations`].
    LocationId
);
id_type!(
    /// Index of a [`Function`] in [`Profile::functions`].
    FunctionId
);
id_type!(
    /// Index of a [`Mapping`] in [`Profile::mappings`].
    MappingId
);

/// The `id` field of each location of a profile by index, for writers
/// that print or encode one per frame. When the ids are 1 to n in table
/// order (as Go and this crate write them) an id is its index plus one,
/// with no table to read: a large profile's id list does not stay in cache
/// while its samples stream past.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum LocationIds {
    /// Location `i` has id `i + 1`; there are this many.
    Sequential(usize),
    /// The ids, by index.
    Listed(Vec<u64>),
}

impl LocationIds {
    pub(crate) fn of(locations: &[Location]) -> LocationIds {
        let sequential = (locations.iter().enumerate()).all(|(i, l)| l.id == i as u64 + 1);
        if sequential {
            LocationIds::Sequential(locations.len())
        } else {
            LocationIds::Listed(locations.iter().map(|l| l.id).collect())
        }
    }

    /// The id of location `l`; 0 for an index past the table.
    #[inline(always)]
    pub(crate) fn get(&self, l: LocationId) -> u64 {
        match self {
            LocationIds::Sequential(n) => Self::sequential(*n, l),
            LocationIds::Listed(ids) => Self::listed(ids, l),
        }
    }

    /// [`LocationIds::get`] in a table of `n` locations numbered 1..n
    /// (for loops that pick the kind of table once).
    #[inline(always)]
    pub(crate) fn sequential(n: usize, l: LocationId) -> u64 {
        if l.index() < n {
            l.index() as u64 + 1
        } else {
            0
        }
    }

    /// [`LocationIds::get`] in a table whose ids are `ids`.
    #[inline(always)]
    pub(crate) fn listed(ids: &[u64], l: LocationId) -> u64 {
        ids.get(l.index()).copied().unwrap_or(0)
    }
}

/// A measured quantity: its type (`cpu`, `inuse_space`) and unit (`nanoseconds`, `bytes`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ValueType {
    /// Kind of value, such as `alloc_space`.
    pub r#type: StrId,
    /// Unit, such as `bytes`.
    pub unit: StrId,
}

/// A sample label: a key with either a string value or a number (with an optional unit).
///
/// A string label has `str` set (non-empty) and `num == 0`, `num_unit` empty.
/// A numeric label has `str` empty.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, bytemuck::Zeroable)]
pub struct Label {
    /// Label key.
    pub key: StrId,
    /// String value; empty for numeric labels.
    pub str: StrId,
    /// Numeric value; 0 for string labels.
    pub num: i64,
    /// Unit of the numeric value, may be empty.
    pub num_unit: StrId,
}

impl Label {
    /// Whether this is a string label.
    pub fn is_str(&self) -> bool {
        !self.str.is_empty()
    }
}

/// One distinct stack with its values, owned: how samples are built and
/// edited one at a time. A profile keeps them flat, in [`Samples`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// Locations, leaf first.
    pub locations: Vec<LocationId>,
    /// One value per [`Profile::sample_types`] entry.
    pub values: Vec<i64>,
    /// Labels in canonical order: string labels sorted by key text, then
    /// numeric labels sorted by key text; values of one key keep their order.
    /// [`Profile::sort_labels`] restores this order after edits.
    pub labels: Vec<Label>,
}

/// A mapped object file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Id as written in the file (non-zero).
    pub id: u64,
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub limit: u64,
    /// File offset of `start`.
    pub offset: u64,
    /// Object file name.
    pub file: StrId,
    /// Build id.
    pub build_id: StrId,
    /// Function names are present.
    pub has_functions: bool,
    /// File names are present.
    pub has_filenames: bool,
    /// Line numbers are present.
    pub has_line_numbers: bool,
    /// Inlined frames are present.
    pub has_inline_frames: bool,
}

/// A source position within a location.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Line {
    /// The function.
    pub function: FunctionId,
    /// Line number, 0 when unknown.
    pub line: i64,
    /// Column number, 0 when unknown (profile.proto's `Line.column`, which
    /// today's pprof reads and go1.19's did not).
    pub column: i64,
}

/// A program counter and the frames it stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Id as written in the file (non-zero).
    pub id: u64,
    /// Mapping holding the address, if known.
    pub mapping: Option<MappingId>,
    /// Instruction address.
    pub address: u64,
    /// Frames; the last one is the outermost (not inlined) function.
    pub lines: Vec<Line>,
    /// Linker-folded location.
    pub is_folded: bool,
}

/// A function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Function {
    /// Id as written in the file (non-zero).
    pub id: u64,
    /// Readable name.
    pub name: StrId,
    /// Linker name.
    pub system_name: StrId,
    /// Source file.
    pub filename: StrId,
    /// First line of the function.
    pub start_line: i64,
}

/// An owned, validated profile.
///
/// All cross references are typed indexes into the tables of the same
/// profile, and all strings are interned in [`Profile::strings`].
#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    /// What each sample value measures.
    pub sample_types: Vec<ValueType>,
    /// Type name of the default sample type (may be empty).
    pub default_sample_type: StrId,
    /// Samples.
    pub samples: Samples,
    /// Mappings.
    pub mappings: Vec<Mapping>,
    /// Locations.
    pub locations: Vec<Location>,
    /// Functions.
    pub functions: Vec<Function>,
    /// Comments.
    pub comments: Vec<StrId>,
    /// Documentation URL of the profile's type (profile.proto's `doc_url`,
    /// which today's pprof reads and go1.19's did not); empty when absent.
    pub doc_url: StrId,
    /// Drop-frames regular expression.
    pub drop_frames: StrId,
    /// Keep-frames regular expression.
    pub keep_frames: StrId,
    /// Collection time, ns since the epoch (0 when unknown).
    pub time_nanos: i64,
    /// Duration in ns (0 when unknown).
    pub duration_nanos: i64,
    /// Period type (both ids empty when absent).
    pub period_type: ValueType,
    /// Sampling period.
    pub period: i64,
    /// The string table.
    pub strings: StringTable,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            sample_types: Vec::new(),
            default_sample_type: StrId::EMPTY,
            samples: Samples::new(),
            mappings: Vec::new(),
            locations: Vec::new(),
            functions: Vec::new(),
            comments: Vec::new(),
            doc_url: StrId::EMPTY,
            drop_frames: StrId::EMPTY,
            keep_frames: StrId::EMPTY,
            time_nanos: 0,
            duration_nanos: 0,
            period_type: ValueType::default(),
            period: 0,
            strings: StringTable::new(),
        }
    }
}

impl Profile {
    /// An empty profile.
    pub fn new() -> Self {
        Self::default()
    }

    /// The text of a string id.
    pub fn str(&self, id: StrId) -> &str {
        self.strings.get(id)
    }

    /// Interns a string.
    pub fn intern(&mut self, s: &str) -> StrId {
        self.strings.intern(s)
    }

    /// A copy holding only the samples `keep` accepts: cheaper than a
    /// clone followed by `retain` when few samples stay (no sample that
    /// goes is copied).
    pub fn clone_with_samples(&self, keep: impl FnMut(SampleRef<'_>) -> bool) -> Profile {
        let Profile {
            sample_types,
            default_sample_type,
            samples,
            mappings,
            locations,
            functions,
            comments,
            drop_frames,
            keep_frames,
            time_nanos,
            duration_nanos,
            period_type,
            period,
            strings,
            doc_url,
        } = self;
        Profile {
            sample_types: sample_types.clone(),
            default_sample_type: *default_sample_type,
            samples: samples.filtered(keep),
            mappings: mappings.clone(),
            locations: locations.clone(),
            functions: functions.clone(),
            comments: comments.clone(),
            drop_frames: *drop_frames,
            keep_frames: *keep_frames,
            time_nanos: *time_nanos,
            duration_nanos: *duration_nanos,
            period_type: *period_type,
            period: *period,
            strings: strings.clone(),
            doc_url: *doc_url,
        }
    }

    /// The location with this id.
    pub fn location(&self, id: LocationId) -> &Location {
        &self.locations[id.index()]
    }

    /// The function with this id.
    pub fn function(&self, id: FunctionId) -> &Function {
        &self.functions[id.index()]
    }

    /// The mapping with this id.
    pub fn mapping(&self, id: MappingId) -> &Mapping {
        &self.mappings[id.index()]
    }

    /// Index of the sample type whose type name is `name`.
    pub fn sample_type_index(&self, name: &str) -> Option<usize> {
        self.sample_types
            .iter()
            .position(|st| self.str(st.r#type) == name)
    }

    /// Values of the string label `key` on `sample`, in order.
    pub fn label_values<'a>(
        &'a self,
        sample: impl Into<SampleRef<'a>>,
        key: &'a str,
    ) -> impl Iterator<Item = &'a str> + 'a {
        let key_id = self.strings.lookup(key);
        let sample: SampleRef<'a> = sample.into();
        sample
            .labels
            .iter()
            .filter(move |l| l.is_str() && Some(l.key) == key_id)
            .map(move |l| self.str(l.str))
    }

    /// Whether `sample` has the string label `key` = `value`.
    pub fn has_label<'a>(
        &'a self,
        sample: impl Into<SampleRef<'a>>,
        key: &'a str,
        value: &str,
    ) -> bool {
        self.label_values(sample, key).any(|v| v == value)
    }

    /// Clears what the pprof of `dialect` does not read from profile.proto:
    /// go1.19's knows neither column numbers nor the documentation URL, so
    /// for [`crate::Dialect::Go119`] they become 0 and empty. Today's reads
    /// everything.
    pub fn restrict_to(&mut self, dialect: crate::Dialect) {
        if dialect == crate::Dialect::Go119 {
            self.doc_url = StrId::EMPTY;
            for l in &mut self.locations {
                for ln in &mut l.lines {
                    ln.column = 0;
                }
            }
        }
    }

    /// Removes the labels that profile.proto cannot carry, as an encoding
    /// and decoding round trip does: numeric labels of 0 without a unit
    /// (which is also what a string label with an empty value is here). Readers of legacy formats
    /// can produce them (a `bytes` label of 0 on an empty heap record).
    ///
    /// ```
    /// use pprof_model::{Label, Profile, Sample};
    ///
    /// let mut p = Profile::new();
    /// let key = p.intern("bytes");
    /// let zero = Label { key, num: 0, ..Default::default() };
    /// let kept = Label { key, num: 8, ..Default::default() };
    /// p.samples.push(Sample { labels: vec![zero, kept], ..Default::default() });
    /// p.drop_unencodable_labels();
    /// assert_eq!(p.samples.at(0).labels, vec![kept]);
    /// ```
    pub fn drop_unencodable_labels(&mut self) {
        // A label with an empty string value reads as a numeric one.
        let encodable = |l: &Label| l.is_str() || l.num != 0 || !l.num_unit.is_empty();
        if self.samples.iter().all(|s| s.labels.iter().all(encodable)) {
            return;
        }
        self.samples.rewrite(|s| {
            s.labels.retain(encodable);
            true
        });
    }

    /// Restores the canonical label order of every sample (see [`Sample::labels`]).
    pub fn sort_labels(&mut self) {
        let strings = &self.strings;
        for s in &mut self.samples {
            sort_labels(strings, s.labels);
        }
    }

    /// Whether every location's mapping claims function names (pprof's
    /// `HasFunctions`).
    pub fn has_functions(&self) -> bool {
        self.locations.iter().all(|l| match l.mapping {
            Some(m) => self.mappings[m.index()].has_functions,
            None => true,
        })
    }

    /// Whether every location's mapping claims file names and line numbers.
    pub fn has_file_lines(&self) -> bool {
        self.locations.iter().all(|l| match l.mapping {
            Some(m) => {
                let m = &self.mappings[m.index()];
                m.has_filenames && m.has_line_numbers
            }
            None => true,
        })
    }

    /// [`Profile::check_valid`]'s checks of the samples, one by one.
    fn check_samples(&self) -> Result<(), crate::Error> {
        use crate::error::{Error, ValidationError as V};
        let n = self.sample_types.len();
        let nstr = self.strings.len();
        let str_ok = |id: StrId| id.index() < nstr;
        for (i, s) in self.samples.iter().enumerate() {
            if s.values.len() != n {
                return Err(Error::Invalid(V::ValueCount {
                    sample: i,
                    got: s.values.len(),
                    want: n,
                }));
            }
            if s.locations
                .iter()
                .any(|l| l.index() >= self.locations.len())
            {
                return Err(Error::Invalid(V::DanglingLocation { sample: i }));
            }
            if s.labels
                .iter()
                .any(|l| !str_ok(l.key) || !str_ok(l.str) || !str_ok(l.num_unit))
            {
                return Err(Error::Invalid(V::DanglingString { what: "label" }));
            }
        }
        Ok(())
    }

    /// Checks the invariants that the rest of the workspace relies on:
    /// every sample has one value per sample type and every index is in range.
    pub fn check_valid(&self) -> Result<(), crate::Error> {
        use crate::error::{Error, ValidationError as V};
        let n = self.sample_types.len();
        if n == 0 && !self.samples.is_empty() {
            return Err(Error::Invalid(V::MissingSampleTypes));
        }
        // Samples as the decoder made them (into tables that can only have
        // grown since) need no second look.
        if let Some(c) = self.samples.checked() {
            if c.values == n
                && c.locations <= self.locations.len()
                && c.strings <= self.strings.len()
            {
                return self.check_locations();
            }
        }
        // Samples are most of a profile: their tables are checked whole,
        // flat; only when that finds a problem are they checked sample by
        // sample, to name the first problem in sample order.
        // (The largest id of each kind, with no early exit: a loop that
        // the compiler makes wide; location ids and labels on two threads
        // when there are many.)
        const PARALLEL: usize = 1 << 20;
        let locations = self.samples.all_locations();
        let labels = self.samples.all_labels();
        let top_location = || locations.iter().fold(0, |m, l| m.max(l.0));
        let top_string =
            || (labels.iter()).fold(0, |m, l| m.max(l.key.0).max(l.str.0).max(l.num_unit.0));
        let (top_location, top_string) = if locations.len() + labels.len() >= PARALLEL {
            std::thread::scope(|scope| {
                let h = scope.spawn(top_location);
                let s = top_string();
                // A thread that could not finish finds nothing fine.
                (h.join().unwrap_or(u32::MAX), s)
            })
        } else {
            (top_location(), top_string())
        };
        let all_fine = self.samples.all_have_values(n)
            && (locations.is_empty() || (top_location as usize) < self.locations.len())
            && (top_string as usize) < self.strings.len();
        if !all_fine {
            self.check_samples()?;
        }
        self.check_locations()
    }

    /// The part of [`Profile::check_valid`] about the location table:
    /// every location's mapping and functions are in range. For edits that
    /// change the tables and leave the samples alone.
    pub fn check_locations(&self) -> Result<(), crate::Error> {
        use crate::error::{Error, ValidationError as V};
        for (i, l) in self.locations.iter().enumerate() {
            if let Some(m) = l.mapping {
                if m.index() >= self.mappings.len() {
                    return Err(Error::Invalid(V::DanglingMapping { location: i }));
                }
            }
            if l.lines
                .iter()
                .any(|ln| ln.function.index() >= self.functions.len())
            {
                return Err(Error::Invalid(V::DanglingFunction { location_id: l.id }));
            }
        }
        Ok(())
    }
}

/// Sorts labels into the canonical order (see [`Sample::labels`]).
pub fn sort_labels(strings: &StringTable, labels: &mut [Label]) {
    if labels.len() < 2 {
        return;
    }
    let sorted = labels
        .windows(2)
        .all(|w| label_order(strings, &w[0], &w[1]) != std::cmp::Ordering::Greater);
    if !sorted {
        labels.sort_by(|a, b| label_order(strings, a, b));
    }
}

fn label_order(strings: &StringTable, a: &Label, b: &Label) -> std::cmp::Ordering {
    // string labels first, then numeric; within each, by key text.
    (!a.is_str()).cmp(&!b.is_str()).then_with(|| {
        if a.key == b.key {
            std::cmp::Ordering::Equal
        } else {
            strings.get(a.key).cmp(strings.get(b.key))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_ids_answer_as_the_table_does() {
        let table = |ids: &[u64]| -> Vec<Location> {
            ids.iter()
                .map(|&id| Location {
                    id,
                    ..Default::default()
                })
                .collect()
        };
        for ids in [
            &[1u64, 2, 3, 4][..],
            &[4, 3, 2, 1],
            &[1, 2, 7],
            &[2, 3, 4],
            &[],
        ] {
            let locations = table(ids);
            let found = LocationIds::of(&locations);
            let sequential = ids.iter().enumerate().all(|(i, &id)| id == i as u64 + 1);
            assert_eq!(
                matches!(found, LocationIds::Sequential(_)),
                sequential,
                "{ids:?}"
            );
            for i in 0..ids.len() + 3 {
                let want = ids.get(i).copied().unwrap_or(0);
                assert_eq!(found.get(LocationId(i as u32)), want, "{ids:?} at {i}");
            }
        }
    }

    /// A profile of three samples over two locations, each with a label.
    fn labelled() -> Profile {
        let mut p = Profile::new();
        let (t, u) = (p.intern("samples"), p.intern("count"));
        p.sample_types.push(ValueType { r#type: t, unit: u });
        for id in 1..=2 {
            p.locations.push(Location {
                id,
                ..Default::default()
            });
        }
        let key = p.intern("k");
        for i in 0..3 {
            p.samples.push(Sample {
                locations: vec![LocationId(i % 2), LocationId(1)],
                values: vec![i64::from(i) + 1],
                labels: vec![Label {
                    key,
                    num: i64::from(i),
                    ..Default::default()
                }],
            });
        }
        p
    }

    /// The decoder vouches for the samples it makes, so that checking them
    /// again reads none of them; any edit that could break an id or a value
    /// count takes that back, and a location table that shrank is looked
    /// at again.
    #[test]
    fn decoded_samples_are_not_checked_again_until_edited() {
        let built = labelled();
        assert_eq!(built.samples.checked(), None, "only the decoder vouches");
        let d = crate::decode(&crate::encode(&built)).unwrap();
        assert!(d.samples.checked().is_some());
        assert!(d.check_valid().is_ok());
        let bad_loc = LocationId(7);
        let bad_str = StrId(999);
        type Edit = fn(&mut Profile, LocationId, StrId);
        let edits: [(&str, Edit); 8] = [
            ("locations_mut", |p, l, _| p.samples.locations_mut(0)[0] = l),
            ("labels_mut", |p, _, s| p.samples.labels_mut(1)[0].key = s),
            ("iter_mut", |p, l, _| {
                if let Some(s) = p.samples.iter_mut().last() {
                    s.locations[1] = l;
                }
            }),
            ("push", |p, l, _| {
                p.samples.push(Sample {
                    locations: vec![l],
                    values: vec![1],
                    labels: vec![],
                })
            }),
            ("push_label_to_last", |p, _, s| {
                p.samples.push_label_to_last(Label {
                    key: s,
                    ..Default::default()
                })
            }),
            ("rewrite", |p, l, _| {
                p.samples.rewrite(|s| {
                    s.locations[0] = l;
                    true
                })
            }),
            ("replace", |p, l, _| {
                let mut s = p.samples.at(2).to_sample();
                s.locations[0] = l;
                p.samples.replace(2, s)
            }),
            ("append", |p, l, _| {
                let mut more = Samples::new();
                more.push_parts(&[l], &[1], &[]);
                p.samples.append(&more)
            }),
        ];
        for (name, edit) in edits {
            let mut q = d.clone();
            edit(&mut q, bad_loc, bad_str);
            assert_eq!(q.samples.checked(), None, "{name}");
            assert!(q.check_valid().is_err(), "{name}");
        }
        let mut q = d.clone();
        q.locations.truncate(1);
        assert!(q.check_valid().is_err(), "a shrunk location table");
        // Edits that cannot break an id keep the decoder's word; tables
        // that grow keep it true.
        let mut q = d.clone();
        q.samples.values_mut(0)[0] = 5;
        q.samples.retain(|s| s.values[0] != 2);
        q.intern("more");
        q.locations.push(Location {
            id: 3,
            ..Default::default()
        });
        assert!(q.samples.checked().is_some());
        assert!(q.check_valid().is_ok());
        assert_eq!(q.samples.len(), 2);
    }
}
