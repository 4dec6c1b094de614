//! A mutable, pointer-free stand-in for Go's `*profile.Profile` while a
//! legacy reader fills it, with pprof's id remapping and mapping heuristics,
//! and the conversion into a [`pprof_model::Profile`].

use std::collections::HashMap;

use pprof_model::{
    Function, FunctionId, Label, Line, Location, LocationId, Mapping, MappingId, Profile, ValueType,
};

use crate::maps::parse_proc_maps;
use crate::scan::Scanner;

#[derive(Clone, Debug, Default)]
pub(crate) struct RLoc {
    pub address: u64,
    pub mapping: Option<usize>,
    /// (function index, line number)
    pub lines: Vec<(usize, i64)>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct RFunc {
    pub name: String,
    pub filename: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RMap {
    pub start: u64,
    pub limit: u64,
    pub offset: u64,
    pub file: String,
    pub build_id: String,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct RSample {
    pub locs: Vec<usize>,
    pub values: Vec<i64>,
    /// The numeric label `bytes`, when set.
    pub bytes: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct RProfile {
    pub sample_types: Vec<(String, String)>,
    pub period_type: (String, String),
    pub period: i64,
    pub duration_nanos: i64,
    pub samples: Vec<RSample>,
    pub locs: Vec<RLoc>,
    pub funcs: Vec<RFunc>,
    pub maps: Vec<RMap>,
    pub drop_frames: &'static str,
    pub keep_frames: &'static str,
}

pub(crate) fn vt(t: &str, u: &str) -> (String, String) {
    (t.to_string(), u.to_string())
}

/// A hasher for `u64` keys: the splitmix64 finalizer (fast, and every input
/// bit reaches every output bit, so addresses that differ only in high bits
/// still spread over the table).
#[derive(Default, Clone, Copy)]
pub(crate) struct AddrHasher(u64);

impl std::hash::Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        let mut x = self.0;
        x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        x ^ (x >> 31)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ b as u64;
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// A map keyed by addresses.
pub(crate) type AddrMap<V> = HashMap<u64, V, std::hash::BuildHasherDefault<AddrHasher>>;

/// Interns locations by address, in creation order (the `locs` maps of the
/// Go readers).
#[derive(Default)]
pub(crate) struct LocIndex {
    by_addr: AddrMap<usize>,
}

impl LocIndex {
    pub(crate) fn get_or_add(&mut self, p: &mut RProfile, addr: u64) -> usize {
        *self.by_addr.entry(addr).or_insert_with(|| {
            p.locs.push(RLoc {
                address: addr,
                ..Default::default()
            });
            p.locs.len() - 1
        })
    }

    pub(crate) fn get(&self, addr: u64) -> Option<usize> {
        self.by_addr.get(&addr).copied()
    }
}

impl RProfile {
    /// pprof's `ParseMemoryMapFromScanner`: reads the remaining lines as a
    /// memory map, then renumbers locations, functions and mappings.
    pub(crate) fn parse_memory_map(&mut self, s: &mut Scanner<'_>) -> crate::Result<()> {
        let maps = parse_proc_maps(s)?;
        self.maps.extend(maps);
        self.massage_mappings();
        self.remap_all();
        Ok(())
    }

    pub(crate) fn remap_all(&mut self) {
        self.remap_locations();
        self.remap_functions();
        self.remap_mappings();
    }

    /// Keeps only the locations that samples use, in order of first use.
    pub(crate) fn remap_locations(&mut self) {
        const UNSEEN: usize = usize::MAX;
        let mut new_index = vec![UNSEEN; self.locs.len()];
        let mut order = Vec::with_capacity(self.locs.len());
        for s in &mut self.samples {
            for l in &mut s.locs {
                let Some(slot) = new_index.get_mut(*l) else {
                    continue;
                };
                if *slot == UNSEEN {
                    *slot = order.len();
                    order.push(*l);
                }
                *l = *slot;
            }
        }
        let mut old: Vec<Option<RLoc>> = std::mem::take(&mut self.locs)
            .into_iter()
            .map(Some)
            .collect();
        self.locs = order
            .into_iter()
            .filter_map(|i| old.get_mut(i).and_then(Option::take))
            .collect();
    }

    /// Keeps only the functions that locations use, in order of first use.
    pub(crate) fn remap_functions(&mut self) {
        const UNSEEN: usize = usize::MAX;
        let mut new_index = vec![UNSEEN; self.funcs.len()];
        let mut order = Vec::new();
        for l in &mut self.locs {
            for (f, _) in &mut l.lines {
                let Some(slot) = new_index.get_mut(*f) else {
                    continue;
                };
                if *slot == UNSEEN {
                    *slot = order.len();
                    order.push(*f);
                }
                *f = *slot;
            }
        }
        let old = std::mem::take(&mut self.funcs);
        self.funcs = order
            .into_iter()
            .filter_map(|i| old.get(i).cloned())
            .collect();
    }

    /// pprof's `remapMappingIDs`: fixes up the main mapping, then assigns a
    /// mapping to each location with an address (a fake one covering the
    /// whole address space when none fits).
    pub(crate) fn remap_mappings(&mut self) {
        if self.maps.len() > 1
            && self.maps[0].file.starts_with("/anon_hugepage")
            && self.maps[0].limit == self.maps[1].start
        {
            self.maps.remove(0);
            for l in &mut self.locs {
                l.mapping = match l.mapping {
                    Some(0) | None => None,
                    Some(m) => Some(m - 1),
                };
            }
        }
        if let Some(m) = self.maps.first_mut() {
            const EXPECTED_START: u64 = 0x400000;
            if m.start.wrapping_sub(m.offset) == EXPECTED_START {
                m.start = EXPECTED_START;
                m.offset = 0;
            }
        }
        let mut fake: Option<usize> = None;
        'next: for l in &mut self.locs {
            let a = l.address;
            if l.mapping.is_some() || a == 0 {
                continue;
            }
            for (i, m) in self.maps.iter().enumerate() {
                if m.start <= a && a < m.limit {
                    l.mapping = Some(i);
                    continue 'next;
                }
            }
            for (i, m) in self.maps.iter_mut().enumerate() {
                if m.offset != 0 && m.start.wrapping_sub(m.offset) <= a && a < m.start {
                    m.start = m.start.wrapping_sub(m.offset);
                    m.offset = 0;
                    l.mapping = Some(i);
                    continue 'next;
                }
            }
            let f = *fake.get_or_insert_with(|| {
                self.maps.push(RMap {
                    limit: u64::MAX,
                    ..Default::default()
                });
                self.maps.len() - 1
            });
            l.mapping = Some(f);
        }
    }

    /// pprof's `massageMappings`: merges split mappings and moves the
    /// likely main binary first.
    pub(crate) fn massage_mappings(&mut self) {
        // remap[old index] = new index
        let mut remap: Vec<usize> = (0..self.maps.len()).collect();
        if self.maps.len() > 1 {
            let old = std::mem::take(&mut self.maps);
            let mut merged: Vec<RMap> = Vec::with_capacity(old.len());
            for (i, m) in old.into_iter().enumerate() {
                if let Some(lm) = merged.last_mut() {
                    if adjacent(lm, &m) {
                        lm.limit = m.limit;
                        if !m.file.is_empty() {
                            lm.file = m.file;
                        }
                        if !m.build_id.is_empty() {
                            lm.build_id = m.build_id;
                        }
                        remap[i] = merged.len() - 1;
                        continue;
                    }
                }
                remap[i] = merged.len();
                merged.push(m);
            }
            self.maps = merged;
        }
        let main = self.maps.iter().position(|m| {
            let file = m.file.replace("(deleted)", "");
            let file = file.trim();
            !file.is_empty() && !is_library(file) && !file.starts_with('[')
        });
        if let Some(i) = main {
            self.maps.swap(0, i);
            for r in &mut remap {
                if *r == i {
                    *r = 0;
                } else if *r == 0 {
                    *r = i;
                }
            }
        }
        for l in &mut self.locs {
            if let Some(m) = l.mapping {
                l.mapping = remap.get(m).copied();
            }
        }
    }

    /// pprof's `addLegacyFrameInfo`.
    pub(crate) fn add_legacy_frame_info(&mut self) {
        let types: Vec<&str> = self.sample_types.iter().map(|(t, _)| t.as_str()).collect();
        let heapz: [&[&str]; 5] = [
            &["allocations", "size"],
            &["objects", "space"],
            &["inuse_objects", "inuse_space"],
            &["alloc_objects", "alloc_space"],
            &[
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space",
            ],
        ];
        if heapz.contains(&types.as_slice()) {
            self.drop_frames = crate::frames::ALLOC_DROP;
            self.keep_frames = crate::frames::ALLOC_KEEP;
        } else if types.as_slice() == ["contentions", "delay"] {
            self.drop_frames = crate::frames::LOCK_DROP;
            self.keep_frames = "";
        } else {
            self.drop_frames = crate::frames::CPU_DROP;
            self.keep_frames = "";
        }
    }

    /// pprof's `CheckValid` as far as legacy readers can break it.
    pub(crate) fn check_valid(&self) -> crate::Result<()> {
        let n = self.sample_types.len();
        if n == 0 && !self.samples.is_empty() {
            return Err(crate::Error::Invalid(
                "missing sample type information".into(),
            ));
        }
        for s in &self.samples {
            if s.values.len() != n {
                return Err(crate::Error::Invalid(format!(
                    "mismatch: sample has {} values vs. {} types",
                    s.values.len(),
                    n
                )));
            }
        }
        Ok(())
    }

    /// Converts into the model; ids are positions + 1, as after pprof's remapping.
    pub(crate) fn into_profile(self) -> Profile {
        let mut p = Profile::new();
        for (t, u) in &self.sample_types {
            let r#type = p.intern(t);
            let unit = p.intern(u);
            p.sample_types.push(ValueType { r#type, unit });
        }
        let pt = ValueType {
            r#type: p.intern(&self.period_type.0),
            unit: p.intern(&self.period_type.1),
        };
        p.period_type = pt;
        p.period = self.period;
        p.duration_nanos = self.duration_nanos;
        p.drop_frames = p.intern(self.drop_frames);
        p.keep_frames = p.intern(self.keep_frames);
        for (i, m) in self.maps.iter().enumerate() {
            let file = p.intern(&m.file);
            let build_id = p.intern(&m.build_id);
            p.mappings.push(Mapping {
                id: i as u64 + 1,
                start: m.start,
                limit: m.limit,
                offset: m.offset,
                file,
                build_id,
                ..Default::default()
            });
        }
        for (i, f) in self.funcs.iter().enumerate() {
            let name = p.intern(&f.name);
            let filename = p.intern(&f.filename);
            p.functions.push(Function {
                id: i as u64 + 1,
                name,
                system_name: name,
                filename,
                start_line: 0,
            });
        }
        let nmaps = p.mappings.len();
        let nfuncs = p.functions.len();
        for (i, l) in self.locs.into_iter().enumerate() {
            p.locations.push(Location {
                id: i as u64 + 1,
                mapping: l
                    .mapping
                    .filter(|m| *m < nmaps)
                    .map(|m| MappingId(m as u32)),
                address: l.address,
                lines: l
                    .lines
                    .into_iter()
                    .filter(|(f, _)| *f < nfuncs)
                    .map(|(f, line)| Line {
                        function: FunctionId(f as u32),
                        line,
                        column: 0,
                    })
                    .collect(),
                is_folded: false,
            });
        }
        // pprof's parsers give every heap record a `bytes` label, 0 for
        // empty records. (go1.19's driver worked on a proto round trip of
        // the parsed profile, which drops such labels: see
        // `Profile::drop_unencodable_labels`.)
        let bytes_key = if self.samples.iter().any(|s| s.bytes.is_some()) {
            p.intern("bytes")
        } else {
            pprof_model::StrId::EMPTY
        };
        p.samples.reserve(self.samples.len(), p.sample_types.len());
        let mut locs: Vec<LocationId> = Vec::new();
        for s in self.samples {
            locs.clear();
            locs.extend(s.locs.iter().map(|&l| LocationId(l as u32)));
            let label = s.bytes.map(|b| Label {
                key: bytes_key,
                num: b,
                ..Default::default()
            });
            p.samples.push_parts(&locs, &s.values, label.as_slice());
        }
        p
    }
}

fn is_library(file: &str) -> bool {
    // `([.]so$|[.]so[._][0-9]+)`
    if file.ends_with(".so") {
        return true;
    }
    let b = file.as_bytes();
    let mut i = 0;
    while let Some(off) = file[i..].find(".so") {
        let j = i + off + 3;
        if j + 1 < b.len() && (b[j] == b'.' || b[j] == b'_') && b[j + 1].is_ascii_digit() {
            return true;
        }
        i = i + off + 1;
    }
    false
}

fn adjacent(m1: &RMap, m2: &RMap) -> bool {
    if !m1.file.is_empty() && !m2.file.is_empty() && m1.file != m2.file {
        return false;
    }
    if !m1.build_id.is_empty() && !m2.build_id.is_empty() && m1.build_id != m2.build_id {
        return false;
    }
    if m1.limit != m2.start {
        return false;
    }
    if m1.offset != 0 && m2.offset != 0 {
        let offset = m1.offset.wrapping_add(m1.limit.wrapping_sub(m1.start));
        if offset != m2.offset {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_names() {
        assert!(is_library("/lib/libc.so"));
        assert!(is_library("/lib/libc.so.6"));
        assert!(is_library("/lib/libfoo.so_1"));
        assert!(!is_library("/bin/server"));
        assert!(!is_library("/lib/x.sox"));
    }

    #[test]
    fn fake_mapping_and_remap() {
        let mut p = RProfile::default();
        let mut idx = LocIndex::default();
        let a = idx.get_or_add(&mut p, 0x10);
        let _unused = idx.get_or_add(&mut p, 0x20);
        let b = idx.get_or_add(&mut p, 0x30);
        p.samples.push(RSample {
            locs: vec![b, a],
            values: vec![1],
            bytes: None,
        });
        p.remap_all();
        assert_eq!(p.locs.len(), 2);
        assert_eq!(p.locs[0].address, 0x30);
        assert_eq!(p.samples[0].locs, vec![0, 1]);
        assert_eq!(p.maps.len(), 1);
        assert_eq!(p.maps[0].limit, u64::MAX);
        assert_eq!(p.locs[1].mapping, Some(0));
    }
}
