//! Linux `perf record` files (`perf.data`) as pprof profiles, read with the
//! [linux-perf-data](https://crates.io/crates/linux-perf-data) crate; pprof
//! itself needs Google's `perf_to_profile` converter for this.
//!
//! Every sample becomes a pprof sample whose stack is its call chain (leaf
//! first; return addresses moved back by one byte onto their call
//! instruction, as pprof does for gperftools' profiles), with the values
//! `samples/count` and the event's period (`cpu-clock/nanoseconds` for the
//! clock events, `EVENT/count` otherwise), and `pid`, `tid` and `comm`
//! labels. Mappings come from the `MMAP`/`MMAP2` records of the sampled
//! processes, with the build ids of the file's `HEADER_BUILD_ID` section
//! (or of `MMAP2`); the kernel keeps its `[kernel.kallsyms]` mapping. The
//! mapping with the most samples of the program itself comes first, as
//! pprof expects of the main binary. Addresses are left for
//! `pprof-symbolize`, like those of any other native profile.
//!
//! ```
//! // Anything but a perf.data file is refused at once.
//! assert!(!pprof_perf::is_perf_data(b"\x1f\x8b"));
//! assert!(pprof_perf::parse(b"PERFILE2 but short").is_err());
//! ```
#![deny(missing_docs)]

use std::collections::HashMap;

use linux_perf_data::linux_perf_event_reader::{CpuMode, EventRecord, Mmap2FileId, RawData};
use linux_perf_data::{PerfFileReader, PerfFileRecord};
use pprof_model::{
    Label, Location, LocationId, Mapping, MappingId, Profile, Sample, StrId, ValueType,
};

/// Why a perf.data file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file is damaged or of a version the reader does not know. The
    /// message names the cause, so it is not also given as `source()`: a
    /// printed chain says it once.
    #[error("malformed perf.data file: {0}")]
    Perf(linux_perf_data::Error),
    /// A record could not be decoded (the cause is in the message, as for
    /// [`Error::Perf`]).
    #[error("malformed perf.data record: {0}")]
    Record(std::io::Error),
    /// The file holds no samples.
    #[error("perf.data file has no samples")]
    NoSamples,
    /// A size, offset or count in the file's header or tables reaches
    /// past the end of the file (found before the reader, which would
    /// make room for what the field says, reads any of it).
    #[error("malformed perf.data file: {0}")]
    Layout(String),
    /// The stream `perf record -o -` writes (no header sections), which
    /// is not read.
    #[error("perf.data pipe-mode stream (`perf record -o -`) is not supported: record to a file")]
    PipeMode,
}

impl From<linux_perf_data::Error> for Error {
    fn from(e: linux_perf_data::Error) -> Self {
        Error::Perf(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Record(e)
    }
}

/// Whether `data` starts like a perf.data file (`PERFILE2`, either byte
/// order).
pub fn is_perf_data(data: &[u8]) -> bool {
    data.starts_with(b"PERFILE2") || data.starts_with(b"2ELIFREP")
}

/// The smallest `perf_event_attr` (`PERF_ATTR_SIZE_VER0`).
const ATTR_SIZE_MIN: u64 = 64;

/// The sizes of `perf_event_attr`'s versions (`PERF_ATTR_SIZE_VER0..7`).
const ATTR_VERSIONS: [u64; 8] = [ATTR_SIZE_MIN, 72, 80, 96, 104, 112, 120, 128];

/// Feature bits (`HEADER_*`) whose sections the reader decodes.
const FEATURE_EVENT_DESC: usize = 12;
const FEATURE_SIMPLEPERF_META_INFO: usize = 129;

/// Checks what linux-perf-data takes on trust before it reads the file:
/// it makes room for as many bytes or items as a size or count field
/// says, so a hostile file could have it ask for exabytes (and the process
/// abort) or divide by a zero attribute size. Every section that the
/// header and the feature table name must lie in the file, the attribute
/// size must be one that perf writes, the event-id lists of the attribute
/// tables must lie in the file and the event description's counts must
/// fit its section. Files that perf and simpleperf write pass unchanged.
fn check_layout(data: &[u8]) -> Result<(), Error> {
    let big = data.starts_with(b"2ELIFREP");
    let len = data.len() as u64;
    let word = |at: u64| -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let b: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(if big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    };
    // (offset, size) at `at`, which must lie in the file.
    let section = |at: u64, what: &str| -> Result<(u64, u64), Error> {
        let (Some(offset), Some(size)) = (word(at), at.checked_add(8).and_then(word)) else {
            return Err(Error::Layout(format!("{what} is cut off")));
        };
        match offset.checked_add(size) {
            Some(end) if end <= len => Ok((offset, size)),
            _ => Err(Error::Layout(format!(
                "{what} ({size} bytes at offset {offset}) reaches past the end of the {len}-byte file"
            ))),
        }
    };
    const HEADER: u64 = 104;
    if word(8) == Some(16) {
        // Only the magic and this size: the stream `perf record -o -` writes.
        return Err(Error::PipeMode);
    }
    if len < HEADER {
        return Err(Error::Layout(format!(
            "the {len}-byte file is shorter than its header"
        )));
    }
    let attr_size = word(16).unwrap_or(0);
    if !(ATTR_SIZE_MIN..=len).contains(&attr_size) {
        return Err(Error::Layout(format!(
            "attribute size {attr_size} is not one perf writes"
        )));
    }
    let attrs = section(24, "the attribute section")?;
    let (data_at, data_size) = section(40, "the data section")?;
    let event_types = section(56, "the event types section")?;
    let features: Vec<usize> = (0..256usize)
        .filter(|&bit| word(72 + 8 * (bit / 64) as u64).is_some_and(|w| w >> (bit % 64) & 1 == 1))
        .collect();
    // The feature table follows the data section: one section per feature.
    let table = data_at + data_size;
    let mut desc = None;
    let mut simpleperf = false;
    for (i, &bit) in features.iter().enumerate() {
        let (offset, size) = section(table + 16 * i as u64, &format!("feature section {bit}"))?;
        if bit == FEATURE_EVENT_DESC {
            desc = Some((offset, size));
        }
        simpleperf |= bit == FEATURE_SIMPLEPERF_META_INFO;
    }
    // Tables of attributes, each followed by the (offset, size) of its
    // event ids, as the reader will read them (the first that is there).
    let id_lists = |(offset, size): (u64, u64), entry: u64, attr: u64| -> Result<(), Error> {
        for k in 0..size / entry {
            section(
                offset + k * entry + attr,
                &format!("the event ids of attribute {k}"),
            )?;
        }
        Ok(())
    };
    match desc {
        Some((offset, size)) => check_event_desc(&data[offset as usize..][..size as usize], big)
            .map_err(|what| Error::Layout(format!("the event description {what}"))),
        None if event_types.1 != 0 => id_lists(event_types, attr_size + 16, attr_size),
        None if simpleperf => id_lists(attrs, attr_size, attr_size - 16),
        None => Ok(()),
    }
}

/// Walks the `HEADER_EVENT_DESC` section `s` (a count, an attribute size,
/// then per event its attribute, a count of ids, a name and the ids) as
/// the reader reads it, which makes room for each count before reading
/// the items: the events must fit the section at their smallest, and each
/// event's name and ids the bytes left. The walk stops at an attribute that
/// the reader refuses (it reports that itself).
fn check_event_desc(s: &[u8], big: bool) -> Result<(), String> {
    // The u32 at `at`, moving `at` past it.
    let read = |at: &mut u64, what: &str| -> Result<u64, String> {
        let b: [u8; 4] = (usize::try_from(*at).ok())
            .and_then(|i| s.get(i..)?.get(..4)?.try_into().ok())
            .ok_or_else(|| format!("is cut off in its {what}"))?;
        *at += 4;
        Ok(u64::from(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }))
    };
    let len = s.len() as u64;
    let mut at = 0;
    let nr = read(&mut at, "event count")?;
    let attr_size = read(&mut at, "attribute size")?;
    // An event holds at least an attribute of perf's smallest size, its
    // id count and its name's length.
    if nr.saturating_mul(ATTR_SIZE_MIN + 8) > len.saturating_sub(at) {
        return Err(format!("counts {nr} events in {len} bytes"));
    }
    for k in 0..nr {
        // The attribute's own size, after its type.
        let mut size_at = at + 4;
        let Ok(size) = read(&mut size_at, "attribute") else {
            return Ok(());
        };
        if !(ATTR_SIZE_MIN..=attr_size).contains(&size) {
            return Ok(());
        }
        // The reader takes the fields of the largest attribute version
        // that fits `size` (all of it past the newest), then skips to
        // `attr_size`.
        let fields = if size > ATTR_VERSIONS[ATTR_VERSIONS.len() - 1] {
            size
        } else {
            ATTR_VERSIONS
                .iter()
                .rev()
                .copied()
                .find(|&v| v <= size)
                .unwrap_or(ATTR_SIZE_MIN)
        };
        at += fields + (attr_size - size);
        let ids = read(&mut at, "event ids")?;
        let name = read(&mut at, "event name")?;
        let need = name.saturating_add(ids.saturating_mul(8));
        if need > len.saturating_sub(at) {
            return Err(format!("gives event {k} more name and ids than it holds"));
        }
        at += need;
    }
    Ok(())
}

/// Checks a record for what its reader asserts instead of reporting: an
/// `MMAP2` record's build id has at most 20 bytes, and a sample's call
/// chain has no more frames than its record holds (the reader multiplies
/// the count by 8 unchecked).
fn check_record(
    r: &linux_perf_data::linux_perf_event_reader::RawEventRecord<'_>,
) -> Result<(), Error> {
    use linux_perf_data::linux_perf_event_reader::{constants, RecordType};
    if r.record_type == RecordType::SAMPLE {
        if let Some((n, room)) = call_chain_length(r) {
            if n > room / 8 {
                return Err(Error::Layout(format!(
                    "a sample's call chain claims {n} frames, more than its record holds"
                )));
            }
        }
    }
    // pid, tid, address, length and page offset come first.
    const BUILD_ID_LEN_AT: usize = 32;
    if r.record_type == RecordType::MMAP2 && r.misc & constants::PERF_RECORD_MISC_MMAP_BUILD_ID != 0
    {
        if let Some(&n) = r.data.as_slice().get(BUILD_ID_LEN_AT) {
            if n > 20 {
                return Err(Error::Layout(format!(
                    "an MMAP2 record gives a {n}-byte build id (at most 20)"
                )));
            }
        }
    }
    Ok(())
}

/// A sample record's call chain length, where the record reader reads it
/// (after the fields that come first, as it reads them), and the bytes of
/// the record after it; `None` when the record has no call chain or ends
/// before its length (the reader reports that).
fn call_chain_length(
    r: &linux_perf_data::linux_perf_event_reader::RawEventRecord<'_>,
) -> Option<(u64, u64)> {
    use linux_perf_data::linux_perf_event_reader::{Endianness, ReadFormat, SampleFormat};
    let info = &r.parse_info;
    let f = info.sample_format;
    if !f.contains(SampleFormat::CALLCHAIN) {
        return None;
    }
    let data = r.data.as_slice();
    let u64_at = |at: usize| -> Option<u64> {
        let b: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
        Some(match info.endian {
            Endianness::LittleEndian => u64::from_le_bytes(b),
            Endianness::BigEndian => u64::from_be_bytes(b),
        })
    };
    let words = [
        SampleFormat::IDENTIFIER,
        SampleFormat::IP,
        SampleFormat::TID,
        SampleFormat::TIME,
        SampleFormat::ADDR,
        SampleFormat::ID,
        SampleFormat::STREAM_ID,
        SampleFormat::CPU,
        SampleFormat::PERIOD,
    ];
    let mut at = 8 * words.iter().filter(|&&w| f.contains(w)).count();
    if f.contains(SampleFormat::READ) {
        let rf = info.read_format;
        let times = [
            ReadFormat::TOTAL_TIME_ENABLED,
            ReadFormat::TOTAL_TIME_RUNNING,
        ];
        let times = 8 * times.iter().filter(|&&t| rf.contains(t)).count();
        let id = if rf.contains(ReadFormat::ID) { 8 } else { 0 };
        // The reader reads one value for a group and a count of values
        // otherwise (the other way round from the kernel).
        if rf.contains(ReadFormat::GROUP) {
            at += 8 + times + id;
        } else {
            let nr = u64_at(at)?;
            let each = usize::try_from(nr).ok()?.checked_mul(8 + id)?;
            at = at.checked_add(8 + times)?.checked_add(each)?;
        }
    }
    let n = u64_at(at)?;
    Some((n, (data.len() - at - 8) as u64))
}

/// Context markers in call chains are at or above this value.
const PERF_CONTEXT_MAX: u64 = (-4095i64) as u64;

#[derive(Clone, Debug)]
struct Map {
    start: u64,
    limit: u64,
    offset: u64,
    path: String,
    build_id: String,
}

fn text(raw: &RawData<'_>) -> String {
    String::from_utf8_lossy(&raw.as_slice()).into_owned()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// The mappings of one process (pid), newest last.
#[derive(Default)]
struct AddressSpace {
    maps: Vec<usize>,
}

struct Builder {
    p: Profile,
    maps: Vec<Map>,
    map_ids: HashMap<(String, u64, u64, u64), usize>,
    spaces: HashMap<i32, AddressSpace>,
    kernel: Vec<usize>,
    locations: HashMap<(usize, u64), LocationId>,
    unmapped: HashMap<u64, LocationId>,
    used_maps: Vec<usize>,
    map_samples: HashMap<usize, u64>,
    comms: HashMap<i32, String>,
    build_ids: HashMap<String, String>,
    keys: (StrId, StrId, StrId),
}

/// What `MMAP` and `MMAP2` records both say about a mapped file; only
/// `MMAP2` may carry its build id.
struct MmapRecord {
    pid: i32,
    cpu_mode: CpuMode,
    address: u64,
    length: u64,
    page_offset: u64,
    path: String,
    build_id: Option<String>,
}

/// The [`MmapRecord`] of an `MMAP` or `MMAP2` record (two types of the
/// reader with the same fields), with the build id the record carries.
macro_rules! mmap_record {
    ($m:expr, $build_id:expr) => {
        MmapRecord {
            pid: $m.pid,
            cpu_mode: $m.cpu_mode,
            address: $m.address,
            length: $m.length,
            page_offset: $m.page_offset,
            path: text(&$m.path),
            build_id: $build_id,
        }
    };
}

impl Builder {
    /// Adds the mapping of an `MMAP`/`MMAP2` record; without a build id in
    /// the record, the one of the file's `HEADER_BUILD_ID` section is used.
    fn add_mmap_record(&mut self, r: MmapRecord) {
        let build_id = r
            .build_id
            .or_else(|| self.build_ids.get(&r.path).cloned())
            .unwrap_or_default();
        let kernel = matches!(r.cpu_mode, CpuMode::Kernel);
        self.add_map(
            r.pid,
            kernel,
            Map {
                start: r.address,
                limit: r.address.saturating_add(r.length),
                offset: r.page_offset,
                path: r.path,
                build_id,
            },
        );
    }

    fn add_map(&mut self, pid: i32, kernel: bool, m: Map) {
        let key = (m.path.clone(), m.start, m.limit, m.offset);
        let idx = match self.map_ids.get(&key) {
            Some(&i) => i,
            None => {
                let i = self.maps.len();
                self.maps.push(m);
                self.map_ids.insert(key, i);
                i
            }
        };
        if kernel || pid == -1 {
            self.kernel.push(idx);
        } else {
            self.spaces.entry(pid).or_default().maps.push(idx);
        }
    }

    fn find_map(&self, pid: i32, addr: u64) -> Option<usize> {
        let hit = |list: &[usize]| {
            list.iter()
                .rev()
                .copied()
                .find(|&i| addr >= self.maps[i].start && addr < self.maps[i].limit)
        };
        self.spaces
            .get(&pid)
            .and_then(|s| hit(&s.maps))
            .or_else(|| hit(&self.kernel))
    }

    fn location(&mut self, pid: i32, addr: u64) -> (LocationId, Option<usize>) {
        let map = self.find_map(pid, addr);
        let existing = match map {
            Some(m) => self.locations.get(&(m, addr)),
            None => self.unmapped.get(&addr),
        };
        if let Some(&id) = existing {
            return (id, map);
        }
        let id = LocationId(self.p.locations.len() as u32);
        self.p.locations.push(Location {
            id: self.p.locations.len() as u64 + 1,
            mapping: None,
            address: addr,
            lines: Vec::new(),
            is_folded: false,
        });
        match map {
            Some(m) => {
                self.locations.insert((m, addr), id);
                if !self.used_maps.contains(&m) {
                    self.used_maps.push(m);
                }
                // The mapping id is set once the mappings are ordered.
                self.p.locations[id.index()].mapping = Some(MappingId(m as u32));
            }
            None => {
                self.unmapped.insert(addr, id);
            }
        }
        (id, map)
    }
}

/// Reads a perf.data file into a profile (see the crate docs).
pub fn parse(data: &[u8]) -> Result<Profile, Error> {
    check_layout(data)?;
    let PerfFileReader {
        mut perf_file,
        mut record_iter,
    } = PerfFileReader::parse_file(std::io::Cursor::new(data))?;
    let mut p = Profile::new();
    let attrs = perf_file.event_attributes().to_vec();
    let names: Vec<String> = attrs
        .iter()
        .enumerate()
        .map(|(i, a)| a.name().map_or_else(|| format!("event{i}"), str::to_string))
        .collect();
    let build_ids: HashMap<String, String> = perf_file
        .build_ids()
        .unwrap_or_default()
        .into_values()
        .map(|d| {
            (
                String::from_utf8_lossy(&d.path).into_owned(),
                hex(&d.build_id),
            )
        })
        .collect();
    let keys = (p.intern("pid"), p.intern("tid"), p.intern("comm"));
    // One sample type for the count, one per event for its period.
    let samples_t = (p.intern("samples"), p.intern("count"));
    p.sample_types.push(ValueType {
        r#type: samples_t.0,
        unit: samples_t.1,
    });
    for n in &names {
        let unit = if n.ends_with("clock") {
            "nanoseconds"
        } else {
            "count"
        };
        let t = p.intern(n);
        let u = p.intern(unit);
        p.sample_types.push(ValueType { r#type: t, unit: u });
    }
    if let Some(first) = names.first() {
        let t = p.intern(first);
        let u = p.sample_types[1].unit;
        p.period_type = ValueType { r#type: t, unit: u };
        p.period = attrs.first().map_or(0, |a| match a.attr.sampling_policy {
            linux_perf_data::linux_perf_event_reader::SamplingPolicy::Period(n) => n.get() as i64,
            _ => 0,
        });
    }
    let mut b = Builder {
        p,
        maps: Vec::new(),
        map_ids: HashMap::new(),
        spaces: HashMap::new(),
        kernel: Vec::new(),
        locations: HashMap::new(),
        unmapped: HashMap::new(),
        used_maps: Vec::new(),
        map_samples: HashMap::new(),
        comms: HashMap::new(),
        build_ids,
        keys,
    };
    let nvalues = 1 + names.len();
    let (mut first_ts, mut last_ts) = (u64::MAX, 0u64);
    while let Some(rec) = record_iter.next_record(&mut perf_file)? {
        let PerfFileRecord::EventRecord { attr_index, record } = rec else {
            continue;
        };
        check_record(&record)?;
        match record.parse()? {
            EventRecord::Mmap(m) => b.add_mmap_record(mmap_record!(m, None)),
            EventRecord::Mmap2(m) => {
                let build_id = match &m.file_id {
                    Mmap2FileId::BuildId(id) => Some(hex(id)),
                    _ => None,
                };
                b.add_mmap_record(mmap_record!(m, build_id))
            }
            EventRecord::Comm(c) => {
                b.comms.insert(c.pid, text(&c.name));
            }
            EventRecord::Sample(s) => {
                let pid = s.pid.unwrap_or(-1);
                let mut addrs: Vec<u64> = Vec::new();
                match &s.callchain {
                    Some(cc) if !cc.is_empty() => {
                        for i in 0..cc.len() {
                            if let Some(a) = cc.get(i) {
                                if a < PERF_CONTEXT_MAX {
                                    addrs.push(a);
                                }
                            }
                        }
                    }
                    _ => addrs.extend(s.ip),
                }
                if addrs.is_empty() {
                    continue;
                }
                if let Some(t) = s.timestamp {
                    first_ts = first_ts.min(t);
                    last_ts = last_ts.max(t);
                }
                let mut locs = Vec::with_capacity(addrs.len());
                for (i, &a) in addrs.iter().enumerate() {
                    // Callers' addresses are return addresses: step back
                    // onto the call.
                    let a = if i > 0 { a.saturating_sub(1) } else { a };
                    let (id, map) = b.location(pid, a);
                    if i == 0 {
                        if let Some(m) = map {
                            *b.map_samples.entry(m).or_default() += 1;
                        }
                    }
                    locs.push(id);
                }
                let mut values = vec![0i64; nvalues];
                values[0] = 1;
                if let Some(v) = values.get_mut(1 + attr_index) {
                    *v = s.period.unwrap_or(1) as i64;
                }
                let mut labels = vec![
                    Label {
                        key: b.keys.0,
                        str: StrId::EMPTY,
                        num: i64::from(pid),
                        num_unit: StrId::EMPTY,
                    },
                    Label {
                        key: b.keys.1,
                        str: StrId::EMPTY,
                        num: i64::from(s.tid.unwrap_or(-1)),
                        num_unit: StrId::EMPTY,
                    },
                ];
                if let Some(c) = b.comms.get(&pid).cloned() {
                    let v = b.p.intern(&c);
                    labels.push(Label {
                        key: b.keys.2,
                        str: v,
                        num: 0,
                        num_unit: StrId::EMPTY,
                    });
                }
                b.p.samples.push(Sample {
                    locations: locs,
                    values,
                    labels,
                });
            }
            _ => {}
        }
    }
    if b.p.samples.is_empty() {
        return Err(Error::NoSamples);
    }
    if last_ts > first_ts {
        b.p.duration_nanos = (last_ts - first_ts) as i64;
    }
    // The main binary first: the program's own mapping (not a shared
    // library nor the kernel) with the most samples.
    let is_main = |m: &Map| {
        !m.path.starts_with('[') && !m.path.contains(".so") && !m.path.starts_with("//anon")
    };
    let mut order = b.used_maps.clone();
    let main = order
        .iter()
        .copied()
        .filter(|&i| is_main(&b.maps[i]))
        .max_by_key(|i| {
            (
                b.map_samples.get(i).copied().unwrap_or(0),
                std::cmp::Reverse(*i),
            )
        });
    if let Some(m) = main {
        order.retain(|&i| i != m);
        order.insert(0, m);
    }
    let mut new_index = HashMap::new();
    for (k, &i) in order.iter().enumerate() {
        let m = &b.maps[i];
        let file = b.p.intern(&m.path);
        let build_id = b.p.intern(&m.build_id);
        b.p.mappings.push(Mapping {
            id: k as u64 + 1,
            start: m.start,
            limit: m.limit,
            offset: m.offset,
            file,
            build_id,
            ..Mapping::default()
        });
        new_index.insert(i, MappingId(k as u32));
    }
    for l in &mut b.p.locations {
        l.mapping = l.mapping.and_then(|m| new_index.get(&(m.index())).copied());
    }
    b.p.sort_labels();
    Ok(b.p)
}
