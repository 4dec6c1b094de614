//! A profile's samples as Arrow record batches and back.
//!
//! See the crate documentation for the schema. [`to_batch`] writes one row
//! per sample; [`from_batches`] rebuilds the profile from its rows and its
//! skeleton ([`skeleton`]: everything but the samples, plus one empty
//! sample per distinct stack, so that the stack ids of the rows can be
//! resolved).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, FixedSizeBinaryBuilder, Int64Builder, ListBuilder, RecordBatch,
    StringBuilder, StructBuilder, TimestampNanosecondBuilder,
};
use datafusion::arrow::datatypes::{
    DataType, Field, Fields, Int64Type, Schema, SchemaRef, TimeUnit,
};
use pprof_model::{Label, LocationId, Profile, SampleRef, ValueType};

use crate::Error;

/// Column of the profile's name (the source it was read from).
pub const PROFILE: &str = "profile";
/// Column of the profile's collection time (`time_nanos`), UTC.
pub const TIME: &str = "time";
/// Column ordering the rows: the profile's ordinal in its dataset times
/// 2^32 plus the sample's index in the profile.
pub const SEQ: &str = "seq";
/// Column of the stack id: 16 bytes, a hash of the stack's content.
pub const STACK_ID: &str = "stack_id";
/// Column of the stack's function names, leaf first (inlined frames
/// included), for queries.
pub const STACK: &str = "stack";
/// Column of the leaf function's name, for queries.
pub const LEAF: &str = "leaf";
/// Column of the sample's labels: a list of `{key, str, num, unit}`.
pub const LABELS: &str = "labels";
/// Column of the labels' id: 16 bytes, a hash of the label list's content
/// (in order), so that merges group on two narrow keys, stack and labels.
pub const LABELS_ID: &str = "labels_id";

/// Length of a stack id (and of a labels id) in bytes.
pub const STACK_ID_LEN: i32 = 16;

/// The fields of one label entry.
pub fn label_fields() -> Fields {
    Fields::from(vec![
        Field::new("key", DataType::Utf8, false),
        Field::new("str", DataType::Utf8, false),
        Field::new("num", DataType::Int64, false),
        Field::new("unit", DataType::Utf8, false),
    ])
}

fn labels_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(
        DataType::Struct(label_fields()),
        true,
    )))
}

fn time_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

/// The names of the value columns of `p`: `type/unit` for each sample
/// type, with `#2`, `#3`... after a name already taken.
pub fn value_columns(p: &Profile) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(p.sample_types.len());
    for st in &p.sample_types {
        let base = format!("{}/{}", p.str(st.r#type), p.str(st.unit));
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base}#{n}");
        }
        names.push(name);
    }
    names
}

/// The schema of the rows of `p` (see the crate documentation).
pub fn schema(p: &Profile) -> SchemaRef {
    schema_with_values(&value_columns(p))
}

/// The row schema with value columns `names` (see [`value_columns`]).
pub fn schema_with_values(names: &[String]) -> SchemaRef {
    let mut fields = vec![
        Field::new(PROFILE, DataType::Utf8, false),
        Field::new(TIME, time_type(), false),
        Field::new(SEQ, DataType::Int64, false),
        Field::new(STACK_ID, DataType::FixedSizeBinary(STACK_ID_LEN), false),
        Field::new(LEAF, DataType::Utf8, false),
        Field::new(
            STACK,
            DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true))),
            false,
        ),
        Field::new(LABELS, labels_type(), false),
        Field::new(LABELS_ID, DataType::FixedSizeBinary(STACK_ID_LEN), false),
    ];
    for name in names {
        fields.push(Field::new(name, DataType::Int64, true));
    }
    Arc::new(Schema::new(fields))
}

/// Stack ids of a profile's samples: a 128-bit hash (XXH3) of the content
/// of the stack's locations (address, folding, mapping, lines and functions
/// by their text), so that equal stacks of different profiles have equal
/// ids whatever their location ids. Locations of one profile with the same
/// content (which pprof keeps apart until a merge) are told apart by their
/// rank among them, so that a profile comes back exactly.
pub struct StackIds {
    locations: Vec<u128>,
}

impl StackIds {
    /// Stack ids of `p`'s stacks.
    pub fn new(p: &Profile) -> StackIds {
        let mut buf = Vec::new();
        let mut seen: HashMap<u128, u32> = HashMap::new();
        let locations = (0..p.locations.len())
            .map(|i| {
                let h = location_hash(p, LocationId(i as u32), &mut buf);
                let rank = seen.entry(h).or_insert(0);
                *rank += 1;
                if *rank == 1 {
                    h
                } else {
                    let mut b = h.to_le_bytes().to_vec();
                    b.extend_from_slice(&rank.to_le_bytes());
                    twox_hash::XxHash3_128::oneshot(&b)
                }
            })
            .collect();
        StackIds { locations }
    }

    /// The id of the stack `locations` (leaf first).
    pub fn stack(&self, locations: &[LocationId]) -> [u8; 16] {
        let mut parts = Vec::with_capacity(locations.len() * 16);
        for &l in locations {
            parts.extend_from_slice(&self.locations[l.index()].to_le_bytes());
        }
        twox_hash::XxHash3_128::oneshot(&parts).to_le_bytes()
    }
}

/// The id of a label list of `p` (the [`LABELS_ID`] column): a 128-bit hash
/// (XXH3) of each label's key, string, number and unit, in order; `buf` is
/// scratch space.
pub fn labels_id(p: &Profile, labels: &[Label], buf: &mut Vec<u8>) -> [u8; 16] {
    buf.clear();
    for l in labels {
        for text in [p.str(l.key), p.str(l.str), p.str(l.num_unit)] {
            buf.extend_from_slice(&(text.len() as u64).to_le_bytes());
            buf.extend_from_slice(text.as_bytes());
        }
        buf.extend_from_slice(&l.num.to_le_bytes());
    }
    twox_hash::XxHash3_128::oneshot(buf).to_le_bytes()
}

/// The hash of location `id`'s content.
fn location_hash(p: &Profile, id: LocationId, b: &mut Vec<u8>) -> u128 {
    b.clear();
    let put_str = |b: &mut Vec<u8>, s: &str| {
        b.extend_from_slice(&(s.len() as u64).to_le_bytes());
        b.extend_from_slice(s.as_bytes());
    };
    let loc = p.location(id);
    b.extend_from_slice(&loc.address.to_le_bytes());
    b.push(loc.is_folded as u8);
    match loc.mapping {
        None => b.push(0),
        Some(m) => {
            let m = p.mapping(m);
            b.push(1);
            for v in [m.start, m.limit, m.offset] {
                b.extend_from_slice(&v.to_le_bytes());
            }
            put_str(b, p.str(m.file));
            put_str(b, p.str(m.build_id));
            b.push(
                m.has_functions as u8
                    | (m.has_filenames as u8) << 1
                    | (m.has_line_numbers as u8) << 2
                    | (m.has_inline_frames as u8) << 3,
            );
        }
    }
    for line in &loc.lines {
        let f = p.function(line.function);
        put_str(b, p.str(f.name));
        put_str(b, p.str(f.system_name));
        put_str(b, p.str(f.filename));
        for v in [f.start_line, line.line, line.column] {
            b.extend_from_slice(&v.to_le_bytes());
        }
    }
    twox_hash::XxHash3_128::oneshot(b)
}

/// The rows of `p`'s samples `range` (one row per sample), named `name`,
/// the `ordinal`-th profile of its dataset. `ids` must be over `p`.
pub fn to_batch(
    p: &Profile,
    name: &str,
    ordinal: u32,
    rows: &[usize],
    ids: &StackIds,
) -> Result<RecordBatch, Error> {
    let n = rows.len();
    let mut profile = StringBuilder::with_capacity(n, n * name.len());
    let mut time = TimestampNanosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut seq = Int64Builder::with_capacity(n);
    let mut stack_id = FixedSizeBinaryBuilder::with_capacity(n, STACK_ID_LEN);
    let mut leaf = StringBuilder::new();
    let mut stack = ListBuilder::new(StringBuilder::new());
    let mut labels = ListBuilder::new(StructBuilder::from_fields(label_fields(), 0));
    let mut labels_ids = FixedSizeBinaryBuilder::with_capacity(n, STACK_ID_LEN);
    let mut buf = Vec::new();
    let mut values: Vec<Int64Builder> = (0..p.sample_types.len())
        .map(|_| Int64Builder::with_capacity(n))
        .collect();
    for &i in rows {
        let s = p.samples.at(i);
        profile.append_value(name);
        time.append_value(p.time_nanos);
        seq.append_value(((ordinal as i64) << 32) | i as i64);
        stack_id
            .append_value(ids.stack(s.locations))
            .map_err(Error::Arrow)?;
        let mut first = true;
        for &l in s.locations {
            for line in p.location(l).lines.iter() {
                let f = p.str(p.function(line.function).name);
                if first {
                    leaf.append_value(f);
                    first = false;
                }
                stack.values().append_value(f);
            }
        }
        if first {
            leaf.append_value("");
        }
        stack.append(true);
        let entries = labels.values();
        for l in s.labels {
            entries
                .field_builder::<StringBuilder>(0)
                .expect("key")
                .append_value(p.str(l.key));
            entries
                .field_builder::<StringBuilder>(1)
                .expect("str")
                .append_value(p.str(l.str));
            entries
                .field_builder::<Int64Builder>(2)
                .expect("num")
                .append_value(l.num);
            entries
                .field_builder::<StringBuilder>(3)
                .expect("unit")
                .append_value(p.str(l.num_unit));
            entries.append(true);
        }
        labels.append(true);
        labels_ids
            .append_value(labels_id(p, s.labels, &mut buf))
            .map_err(Error::Arrow)?;
        for (b, v) in values.iter_mut().zip(s.values) {
            b.append_value(*v);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(profile.finish()),
        Arc::new(time.finish()),
        Arc::new(seq.finish()),
        Arc::new(stack_id.finish()),
        Arc::new(leaf.finish()),
        Arc::new(stack.finish()),
        Arc::new(labels.finish()),
        Arc::new(labels_ids.finish()),
    ];
    for mut b in values {
        columns.push(Arc::new(b.finish()));
    }
    RecordBatch::try_new(schema(p), columns).map_err(Error::Arrow)
}

/// Everything of `p` but its samples, and one sample per distinct stack
/// (first-use order, zero values, no labels), from which the stack ids of
/// `p`'s rows are resolved.
pub fn skeleton(p: &Profile) -> Profile {
    let mut out = p.clone_with_samples(|_| false);
    let ids = StackIds::new(p);
    let mut seen = std::collections::HashSet::new();
    let zeros = vec![0i64; p.sample_types.len()];
    for s in p.samples.iter() {
        if seen.insert(ids.stack(s.locations)) {
            out.samples.push_parts(s.locations, &zeros, &[]);
        }
    }
    out
}

/// The header of `p`: what merging it into other profiles takes from it
/// (types, times, period, comments...), without samples or tables.
pub fn header(p: &Profile) -> Profile {
    let mut out = Profile::new();
    let mut copy = |id| out.strings.intern(p.str(id));
    let sample_types = p
        .sample_types
        .iter()
        .map(|t| ValueType {
            r#type: copy(t.r#type),
            unit: copy(t.unit),
        })
        .collect();
    let period_type = ValueType {
        r#type: copy(p.period_type.r#type),
        unit: copy(p.period_type.unit),
    };
    let comments = p.comments.iter().map(|&c| copy(c)).collect();
    let (default_sample_type, doc_url) = (copy(p.default_sample_type), copy(p.doc_url));
    let (drop_frames, keep_frames) = (copy(p.drop_frames), copy(p.keep_frames));
    out.sample_types = sample_types;
    out.period_type = period_type;
    out.comments = comments;
    out.default_sample_type = default_sample_type;
    out.doc_url = doc_url;
    out.drop_frames = drop_frames;
    out.keep_frames = keep_frames;
    out.time_nanos = p.time_nanos;
    out.duration_nanos = p.duration_nanos;
    out.period = p.period;
    out
}

/// Stack id to location ids of a skeleton.
pub fn stacks_of(skeleton: &Profile) -> HashMap<[u8; 16], Vec<LocationId>> {
    let ids = StackIds::new(skeleton);
    skeleton
        .samples
        .iter()
        .map(|s: SampleRef<'_>| (ids.stack(s.locations), s.locations.to_vec()))
        .collect()
}

/// One row read back: the stack id, the labels and the values (each
/// column only if the batch has it; reading a missing one is an error).
pub(crate) struct RowReader<'a> {
    stack_id: Option<&'a datafusion::arrow::array::FixedSizeBinaryArray>,
    labels: Option<&'a datafusion::arrow::array::ListArray>,
    values: Vec<Option<&'a datafusion::arrow::array::PrimitiveArray<Int64Type>>>,
}

impl<'a> RowReader<'a> {
    /// Reads `batch`, whose value columns are `value_names` (a missing
    /// column reads as zeros).
    pub(crate) fn new(batch: &'a RecordBatch, value_names: &[String]) -> Result<Self, Error> {
        let stack_id =
            match batch.column_by_name(STACK_ID) {
                None => None,
                Some(c) => Some(c.as_fixed_size_binary_opt().ok_or_else(|| {
                    Error::Schema(format!("{STACK_ID} is not a fixed size binary"))
                })?),
            };
        let labels = match batch.column_by_name(LABELS) {
            None => None,
            Some(c) => Some(
                c.as_list_opt::<i32>()
                    .ok_or_else(|| Error::Schema(format!("{LABELS} is not a list")))?,
            ),
        };
        let mut values = Vec::with_capacity(value_names.len());
        for name in value_names {
            values.push(match batch.column_by_name(name) {
                None => None,
                Some(c) => Some(
                    c.as_primitive_opt::<Int64Type>()
                        .ok_or_else(|| Error::Schema(format!("{name} is not an int64")))?,
                ),
            });
        }
        Ok(RowReader {
            stack_id,
            labels,
            values,
        })
    }

    pub(crate) fn stack_id(&self, row: usize) -> Result<[u8; 16], Error> {
        self.stack_id
            .ok_or_else(|| Error::Schema(format!("no column {STACK_ID}")))?
            .value(row)
            .try_into()
            .map_err(|_| Error::Schema("stack id of the wrong length".into()))
    }

    pub(crate) fn values(&self, row: usize, out: &mut Vec<i64>) {
        out.clear();
        for v in &self.values {
            out.push(match v {
                Some(a) if a.is_valid(row) => a.value(row),
                _ => 0,
            });
        }
    }

    /// The labels of `row`, interned into `p`.
    pub(crate) fn labels(
        &self,
        row: usize,
        p: &mut Profile,
        out: &mut Vec<Label>,
    ) -> Result<(), Error> {
        out.clear();
        let entries = self
            .labels
            .ok_or_else(|| Error::Schema(format!("no column {LABELS}")))?
            .value(row);
        let entries = entries
            .as_struct_opt()
            .ok_or_else(|| Error::Schema(format!("{LABELS} entries are not structs")))?;
        let text = |i: usize| {
            entries
                .column(i)
                .as_string_opt::<i32>()
                .ok_or_else(|| Error::Schema(format!("{LABELS} field {i} is not a string")))
        };
        let (key, str_, unit) = (text(0)?, text(1)?, text(3)?);
        let num = entries
            .column(2)
            .as_primitive_opt::<Int64Type>()
            .ok_or_else(|| Error::Schema(format!("{LABELS} num is not an int64")))?;
        for i in 0..entries.len() {
            out.push(Label {
                key: p.intern(key.value(i)),
                str: p.intern(str_.value(i)),
                num: num.value(i),
                num_unit: p.intern(unit.value(i)),
            });
        }
        Ok(())
    }
}

/// Rebuilds a profile from its skeleton and its rows (in sample order):
/// the inverse of [`skeleton`] and [`to_batch`].
pub fn from_batches(skeleton: &Profile, batches: &[RecordBatch]) -> Result<Profile, Error> {
    let stacks = stacks_of(skeleton);
    let mut out = skeleton.clone_with_samples(|_| false);
    let names = value_columns(skeleton);
    let mut values = Vec::new();
    let mut labels = Vec::new();
    for b in batches {
        let r = RowReader::new(b, &names)?;
        for row in 0..b.num_rows() {
            let id = r.stack_id(row)?;
            let locs = stacks.get(&id).ok_or(Error::UnknownStack)?;
            r.values(row, &mut values);
            r.labels(row, &mut out, &mut labels)?;
            out.samples.push_parts(locs, &values, &labels);
        }
    }
    Ok(out)
}
