//! Decoding profile.proto bytes (gzip-compressed or not) into a [`Profile`].

use std::collections::HashMap;
use std::io::Read;

use crate::error::{DecodeError, DecodeErrorKind as K, Error, Result};
use crate::profile::*;
use crate::strings::{StrId, StringTable};
use crate::wire::{Reader, LEN};

/// Default limit on the size of decompressed data: 4 GiB.
pub const DEFAULT_MAX_DECOMPRESSED: u64 = 4 << 30;

/// Options for [`decode_with`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Largest accepted size of decompressed data, in bytes; larger input is
    /// an [`Error::TooLarge`] instead of an out-of-memory abort (a gzip bomb).
    /// Default: [`DEFAULT_MAX_DECOMPRESSED`] (4 GiB).
    pub max_decompressed: u64,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_decompressed: DEFAULT_MAX_DECOMPRESSED,
        }
    }
}

/// Whether `data` starts with the gzip magic bytes.
pub fn is_gzip(data: &[u8]) -> bool {
    data.len() >= 2 && data[0] == 0x1f && data[1] == 0x8b
}

/// Decompresses `data` if it is gzip (by magic bytes); returns it unchanged otherwise.
pub fn maybe_decompress<'a>(
    data: &'a [u8],
    opts: &DecodeOptions,
) -> Result<std::borrow::Cow<'a, [u8]>> {
    if !is_gzip(data) {
        return Ok(std::borrow::Cow::Borrowed(data));
    }
    let limit = opts.max_decompressed;
    // The gzip trailer holds the uncompressed size modulo 2^32: a good hint.
    let hint = if data.len() >= 8 {
        let t = &data[data.len() - 4..];
        u32::from_le_bytes([t[0], t[1], t[2], t[3]]) as u64
    } else {
        0
    };
    let cap = hint.min(limit).min(1 << 32) as usize;
    let mut out = Vec::with_capacity(cap + 1);
    let dec = flate2::read::MultiGzDecoder::new(data);
    dec.take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(Error::Decompress)?;
    if out.len() as u64 > limit {
        return Err(Error::TooLarge { limit });
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Decodes a profile from bytes, gzip-compressed or not, with default options.
pub fn decode(data: &[u8]) -> Result<Profile> {
    decode_with(data, &DecodeOptions::default())
}

/// Decodes a profile from bytes, gzip-compressed or not.
pub fn decode_with(data: &[u8], opts: &DecodeOptions) -> Result<Profile> {
    let raw = maybe_decompress(data, opts)?;
    decode_uncompressed(&raw)
}

#[derive(Default)]
struct RawLocation {
    id: u64,
    mapping_id: u64,
    address: u64,
    lines: Vec<(u64, i64)>,
    is_folded: bool,
    offset: usize,
}

/// Maps file ids to table indexes.
enum IdMap {
    Dense(Vec<u32>),
    Sparse(HashMap<u64, u32, foldhash::fast::RandomState>),
}

impl IdMap {
    fn build(ids: impl Iterator<Item = u64> + Clone, n: usize) -> std::result::Result<IdMap, K> {
        let max = ids.clone().max().unwrap_or(0);
        if max <= (n as u64).saturating_mul(4) + 64 {
            let mut v = vec![u32::MAX; max as usize + 1];
            for (i, id) in ids.enumerate() {
                if id == 0 {
                    return Err(K::ZeroId);
                }
                if v[id as usize] != u32::MAX {
                    return Err(K::DuplicateId(id));
                }
                v[id as usize] = i as u32;
            }
            Ok(IdMap::Dense(v))
        } else {
            let mut m =
                HashMap::with_capacity_and_hasher(n, foldhash::fast::RandomState::default());
            for (i, id) in ids.enumerate() {
                if id == 0 {
                    return Err(K::ZeroId);
                }
                if m.insert(id, i as u32).is_some() {
                    return Err(K::DuplicateId(id));
                }
            }
            Ok(IdMap::Sparse(m))
        }
    }

    #[inline]
    fn get(&self, id: u64) -> Option<u32> {
        match self {
            IdMap::Dense(v) => v.get(id as usize).copied().filter(|&i| i != u32::MAX),
            IdMap::Sparse(m) => m.get(&id).copied(),
        }
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

/// Decodes uncompressed profile.proto bytes.
pub fn decode_uncompressed(data: &[u8]) -> Result<Profile> {
    if data.is_empty() {
        return Err(Error::Empty);
    }
    let mut r = Reader::new(data, 0, "Profile");
    let mut sample_types: Vec<(u64, u64, usize)> = Vec::new();
    let mut sample_ranges: Vec<(usize, usize)> = Vec::new();
    let mut raw_mappings: Vec<(Mapping, u64, u64, usize)> = Vec::new();
    let mut raw_locations: Vec<RawLocation> = Vec::new();
    let mut raw_functions: Vec<(Function, [u64; 3], usize)> = Vec::new();
    let mut raw_strings: Vec<&[u8]> = Vec::new();
    let (mut drop_x, mut keep_x, mut default_x) = (0u64, 0u64, 0u64);
    let mut time_nanos: Option<i64> = None;
    let mut duration_nanos = 0i64;
    let mut period_type: Option<(u64, u64, usize)> = None;
    let mut period = 0i64;
    let mut comments: Vec<u64> = Vec::new();

    while !r.at_end() {
        r.field = "Profile";
        let (field, wt) = r.key()?;
        match field {
            1 | 11 => {
                r.field = if field == 1 {
                    "Profile.sample_type"
                } else {
                    "Profile.period_type"
                };
                let vt = read_value_type(&mut r, wt)?;
                if field == 1 {
                    sample_types.push(vt);
                } else {
                    period_type = Some(vt);
                }
            }
            2 => {
                r.field = "Profile.sample";
                let (_, off) = expect_len(&mut r, wt)?;
                sample_ranges.push((off, r.offset()));
            }
            3 => {
                r.field = "Profile.mapping";
                let (b, off) = expect_len(&mut r, wt)?;
                raw_mappings.push(read_mapping(b, off)?);
            }
            4 => {
                r.field = "Profile.location";
                let (b, off) = expect_len(&mut r, wt)?;
                raw_locations.push(read_location(b, off)?);
            }
            5 => {
                r.field = "Profile.function";
                let (b, off) = expect_len(&mut r, wt)?;
                raw_functions.push(read_function(b, off)?);
            }
            6 => {
                r.field = "Profile.string_table";
                let (b, _) = expect_len(&mut r, wt)?;
                if raw_strings.is_empty() && !b.is_empty() {
                    return Err(r.err(K::FirstStringNotEmpty).into());
                }
                raw_strings.push(b);
            }
            7 => {
                r.field = "Profile.drop_frames";
                drop_x = r.int(wt)?;
            }
            8 => {
                r.field = "Profile.keep_frames";
                keep_x = r.int(wt)?;
            }
            9 => {
                r.field = "Profile.time_nanos";
                if time_nanos.is_some_and(|t| t != 0) {
                    return Err(r.err(K::Concatenated).into());
                }
                time_nanos = Some(r.int(wt)? as i64);
            }
            10 => {
                r.field = "Profile.duration_nanos";
                duration_nanos = r.int(wt)? as i64;
            }
            12 => {
                r.field = "Profile.period";
                period = r.int(wt)? as i64;
            }
            13 => {
                r.field = "Profile.comment";
                r.repeated(wt, |v| comments.push(v))?;
            }
            14 => {
                r.field = "Profile.default_sample_type";
                default_x = r.int(wt)?;
            }
            _ => r.skip(wt)?,
        }
    }

    // String table: deduplicate so that ids compare like strings.
    let mut table = StringTable::new();
    let mut remap = Vec::with_capacity(raw_strings.len());
    for s in &raw_strings {
        let id = match std::str::from_utf8(s) {
            Ok(s) => table.intern(s),
            Err(_) => table.intern(&String::from_utf8_lossy(s)),
        };
        remap.push(id);
    }
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
    p.time_nanos = time_nanos.unwrap_or(0);
    p.duration_nanos = duration_nanos;
    p.period = period;
    for c in comments {
        p.comments.push(s(c, "Profile.comment", 0)?);
    }

    // Mappings.
    let mapping_ids = IdMap::build(raw_mappings.iter().map(|m| m.0.id), raw_mappings.len())
        .map_err(|k| DecodeError {
            kind: k,
            field: "Mapping.id",
            offset: 0,
        })?;
    for (mut m, file, build, off) in raw_mappings {
        m.file = s(file, "Mapping.filename", off)?;
        m.build_id = s(build, "Mapping.build_id", off)?;
        p.mappings.push(m);
    }

    // Functions.
    let function_ids = IdMap::build(raw_functions.iter().map(|f| f.0.id), raw_functions.len())
        .map_err(|k| DecodeError {
            kind: k,
            field: "Function.id",
            offset: 0,
        })?;
    for (mut f, [name, sys, file], off) in raw_functions {
        f.name = s(name, "Function.name", off)?;
        f.system_name = s(sys, "Function.system_name", off)?;
        f.filename = s(file, "Function.filename", off)?;
        p.functions.push(f);
    }

    // Locations.
    let location_ids = IdMap::build(raw_locations.iter().map(|l| l.id), raw_locations.len())
        .map_err(|k| DecodeError {
            kind: k,
            field: "Location.id",
            offset: 0,
        })?;
    p.locations.reserve_exact(raw_locations.len());
    for rl in raw_locations {
        let mapping = if rl.mapping_id == 0 {
            None
        } else {
            mapping_ids.get(rl.mapping_id).map(MappingId)
        };
        let mut lines = Vec::with_capacity(rl.lines.len());
        for (fid, line) in rl.lines {
            let f = function_ids.get(fid).ok_or(DecodeError {
                kind: K::UnknownFunction(fid),
                field: "Line.function_id",
                offset: rl.offset,
            })?;
            lines.push(Line {
                function: FunctionId(f),
                line,
            });
        }
        p.locations.push(Location {
            id: rl.id,
            mapping,
            address: rl.address,
            lines,
            is_folded: rl.is_folded,
        });
    }

    // Samples, in parallel chunks when there are many.
    let nvalues = p.sample_types.len();
    let decode_chunk =
        |ranges: &[(usize, usize)]| -> std::result::Result<Vec<Sample>, DecodeError> {
            let mut out = Vec::with_capacity(ranges.len());
            let mut locs: Vec<LocationId> = Vec::with_capacity(64);
            let mut vals: Vec<i64> = Vec::with_capacity(8);
            let mut labels: Vec<Label> = Vec::new();
            for &(start, end) in ranges {
                let mut r = Reader::new(&data[start..end], start, "Sample");
                locs.clear();
                vals.clear();
                labels.clear();
                let mut bad_loc: Option<u64> = None;
                while !r.at_end() {
                    let (field, wt) = r.key()?;
                    match field {
                        1 => {
                            r.field = "Sample.location_id";
                            r.repeated(wt, |id| match location_ids.get(id) {
                                Some(i) => locs.push(LocationId(i)),
                                None => {
                                    bad_loc.get_or_insert(id);
                                }
                            })?;
                            if let Some(id) = bad_loc {
                                return Err(r.err(K::UnknownLocation(id)));
                            }
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
                let mut labels_v = labels.clone();
                sort_labels(&strings.table, &mut labels_v);
                out.push(Sample {
                    locations: locs.as_slice().into(),
                    values: vals.as_slice().into(),
                    labels: labels_v,
                });
            }
            Ok(out)
        };
    if sample_ranges.len() >= 20_000 {
        let mid = sample_ranges.len() / 2;
        let (a, b) = sample_ranges.split_at(mid);
        let (ra, rb) = std::thread::scope(|sc| {
            let h = sc.spawn(|| decode_chunk(b));
            let ra = decode_chunk(a);
            (ra, h.join())
        });
        let mut sa = ra?;
        let sb = match rb {
            Ok(r) => r?,
            Err(_) => decode_chunk(b)?,
        };
        sa.extend(sb);
        p.samples = sa;
    } else {
        p.samples = decode_chunk(&sample_ranges)?;
    }
    p.strings = strings.table;
    for (i, smp) in p.samples.iter().enumerate() {
        if smp.values.len() != nvalues {
            return Err(Error::Invalid(crate::ValidationError::ValueCount {
                sample: i,
                got: smp.values.len(),
                want: nvalues,
            }));
        }
    }
    if nvalues == 0 && !p.samples.is_empty() {
        return Err(Error::Invalid(crate::ValidationError::MissingSampleTypes));
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
    let mut l = RawLocation {
        offset: off,
        ..Default::default()
    };
    while !r.at_end() {
        let (field, wt) = r.key()?;
        match field {
            1 => l.id = r.int(wt)?,
            2 => l.mapping_id = r.int(wt)?,
            3 => l.address = r.int(wt)?,
            4 => {
                let (lb, loff) = expect_len(&mut r, wt)?;
                let mut lr = Reader::new(lb, loff, "Line");
                let (mut f, mut line) = (0u64, 0i64);
                while !lr.at_end() {
                    let (field, wt) = lr.key()?;
                    match field {
                        1 => f = lr.int(wt)?,
                        2 => line = lr.int(wt)? as i64,
                        _ => lr.skip(wt)?,
                    }
                }
                l.lines.push((f, line));
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
