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
